// Sliding windows over scaled series, as views: a window is (block, start row), never a copy.
// Window at `start` reads input rows [start, start + look_back) and target rows
// [start + look_back, start + look_back + horizon). Batches are gathered into one time-major
// buffer (see tensor.hpp): x [look_back * B, inputs], y [B, horizon * targets] with
// y(b, h * targets + k) = target column k at step h after the window.
#pragma once

#include <string>
#include <vector>

#include "lstmf/config.hpp"
#include "lstmf/tensor.hpp"

namespace lstmf {

// Chronological split of one series' rows: train [0, train_end), validation [train_end, val_end),
// test [val_end, rows). The split is made on the series before windowing; the scaler is fitted on
// the training rows alone.
struct Split {
  long rows = 0;
  long train_end = 0;
  long val_end = 0;
};

// The parts, unchecked: val_rows = max(round(rows * val_fraction), horizon) when val_fraction > 0
// (a shorter tail would hold no window to score; 0 otherwise), test_rows likewise, and the training
// part keeps the rest (possibly nothing: split_rows checks).
Split split_parts(long rows, double val_fraction, double test_fraction, int horizon);

// split_parts, checked: throws InputError stating the minimum length when the training part cannot
// hold one window (look_back + horizon rows).
Split split_rows(long rows, double val_fraction, double test_fraction, int look_back, int horizon,
                 const std::string& what);

// Window-level normalisation, on top of the min-max scaling of every row (config Normalise). For a
// window with scaled input rows x_0 .. x_{L-1} and targets y_0 .. y_{H-1}, each target column k:
//   minmax:  nothing more
//   last:    x_t,k -= x_{L-1,k}                 y_h,k -= x_{L-1,k}                (the naive forecast)
//   season:  x_t,k -= x_{L-1,k}                 y_h,k -= x_{L-m+(h mod m),k}      (the seasonal naive
//            forecast; needs L >= m)
// so the model learns the change from a baseline, and a trending series can leave the range seen in
// training. Feature columns are never shifted. The reference of step h (what was subtracted from
// y_h,k) is added back to the model's output at inference (forecast.cpp).
struct WindowNormalisation {
  Normalise mode = Normalise::minmax;
  int season = 1;

  // As a resolved config says (data.normalise, data.season); automatic normalises nothing more.
  static WindowNormalisation of(const DataConfig& data) { return {data.normalise, data.season > 1 ? data.season : 1}; }

  bool shifts() const { return mode == Normalise::last || mode == Normalise::season; }
  // Row of the window (0 .. L-1) whose value is step h's reference.
  long reference_row(int look_back, int step) const {
    return mode == Normalise::season ? look_back - season + step % season : look_back - 1;
  }
};

struct WindowRef {
  int block = 0;    // which data block (series)
  long start = 0;   // first input row
};

class WindowSet {
 public:
  WindowSet(int look_back, int horizon, int inputs, int targets)
      : look_back_(look_back), horizon_(horizon), inputs_(inputs), targets_(targets) {}

  // A block of scaled data [rows, columns]: columns [0, targets) are the targets and columns
  // [0, inputs) feed the model. The matrix must outlive the WindowSet. Returns its block id.
  int add_block(const MatrixF* data);
  // How gather() normalises each window (default: minmax, nothing more).
  void set_normalisation(const WindowNormalisation& normalisation) { normalisation_ = normalisation; }
  const WindowNormalisation& normalisation() const { return normalisation_; }

  // Adds every window of `block` whose targets lie in rows [target_begin, target_end), starts
  // `stride` apart, counted back from the last such window (so the newest data is always used).
  void add_windows(int block, long target_begin, long target_end, int stride);

  long size() const { return static_cast<long>(windows_.size()); }
  bool empty() const { return windows_.empty(); }
  const WindowRef& operator[](long i) const { return windows_[static_cast<size_t>(i)]; }
  int look_back() const { return look_back_; }
  int horizon() const { return horizon_; }
  int inputs() const { return inputs_; }
  int targets() const { return targets_; }
  int outputs() const { return horizon_ * targets_; }

  // Gathers windows order[first .. first + count) into x [look_back * count, inputs] and
  // y [count, horizon * targets]; x and y are resized only when their shape changes.
  void gather(const std::vector<long>& order, long first, long count, MatrixF& x, MatrixF& y) const;
  // Inputs only (for inference): x [look_back * count, inputs].
  void gather_inputs(const std::vector<long>& order, long first, long count, MatrixF& x) const;

 private:
  int look_back_;
  int horizon_;
  int inputs_;
  int targets_;
  WindowNormalisation normalisation_;
  std::vector<const MatrixF*> blocks_;
  std::vector<WindowRef> windows_;
};

}  // namespace lstmf
