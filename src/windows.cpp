#include "lstmf/windows.hpp"

#include <cmath>
#include <string>

#include "lstmf/error.hpp"

namespace lstmf {

Split split_rows(long rows, double val_fraction, double test_fraction, int look_back, int horizon,
                 const std::string& what) {
  const long window = static_cast<long>(look_back) + horizon;
  const long val_rows = std::lround(static_cast<double>(rows) * val_fraction);
  const long test_rows = std::lround(static_cast<double>(rows) * test_fraction);
  Split split{rows, rows - val_rows - test_rows, rows - test_rows};
  // The smallest series that gives one training window and, when asked for, one validation and one
  // test target span: look_back + horizon rows to train, and horizon more for each held-out part.
  const long held_out = (val_fraction > 0 ? horizon : 0) + (test_fraction > 0 ? horizon : 0);
  const auto too_short = [&] {
    const long need_train = window;
    long minimum = need_train + held_out;
    // With the fractions applied, the training part must still hold `window` rows.
    const double train_share = 1.0 - val_fraction - test_fraction;
    minimum = std::max(minimum, static_cast<long>(std::ceil(static_cast<double>(need_train) / train_share)));
    throw InputError(what + " has " + std::to_string(rows) + " rows, too short for one window: look-back " +
                     std::to_string(look_back) + " + horizon " + std::to_string(horizon) +
                     (held_out > 0 ? " with validation/test tails" : "") + " needs at least " +
                     std::to_string(minimum) + " rows");
  };
  if (split.train_end < window) too_short();
  if (val_fraction > 0 && split.val_end - split.train_end < horizon) too_short();
  if (test_fraction > 0 && split.rows - split.val_end < horizon) too_short();
  return split;
}

int WindowSet::add_block(const MatrixF* data) {
  if (data->cols() < inputs_ || data->cols() < targets_)
    throw Error("WindowSet::add_block: block has fewer columns than the window reads");
  blocks_.push_back(data);
  return static_cast<int>(blocks_.size()) - 1;
}

void WindowSet::add_windows(int block, long target_begin, long target_end, int stride) {
  const long rows = blocks_.at(static_cast<size_t>(block))->rows();
  target_begin = std::max(target_begin, static_cast<long>(look_back_));
  target_end = std::min(target_end, rows);
  // Window `start` has targets in [start + look_back, start + look_back + horizon).
  const long first = target_begin - look_back_;
  const long last = target_end - horizon_ - look_back_;
  if (last < first) return;
  const long count = (last - first) / stride + 1;
  const long oldest = last - (count - 1) * stride;
  windows_.reserve(windows_.size() + static_cast<size_t>(count));
  for (long start = oldest; start <= last; start += stride) windows_.push_back({block, start});
}

void WindowSet::gather_inputs(const std::vector<long>& order, long first, long count, MatrixF& x) const {
  if (x.rows() != look_back_ * count || x.cols() != inputs_) x.resize(look_back_ * count, inputs_);
  for (long b = 0; b < count; ++b) {
    const WindowRef& w = windows_[static_cast<size_t>(order[static_cast<size_t>(first + b)])];
    const MatrixF& data = *blocks_[static_cast<size_t>(w.block)];
    for (long t = 0; t < look_back_; ++t) x.row(t * count + b) = data.row(w.start + t).head(inputs_);
    if (normalisation_.shifts())
      for (long k = 0; k < targets_; ++k) {
        const float last = data(w.start + look_back_ - 1, k);
        for (long t = 0; t < look_back_; ++t) x(t * count + b, k) -= last;
      }
  }
}

void WindowSet::gather(const std::vector<long>& order, long first, long count, MatrixF& x, MatrixF& y) const {
  gather_inputs(order, first, count, x);
  if (y.rows() != count || y.cols() != outputs()) y.resize(count, outputs());
  for (long b = 0; b < count; ++b) {
    const WindowRef& w = windows_[static_cast<size_t>(order[static_cast<size_t>(first + b)])];
    const MatrixF& data = *blocks_[static_cast<size_t>(w.block)];
    for (long h = 0; h < horizon_; ++h)
      y.row(b).segment(h * targets_, targets_) = data.row(w.start + look_back_ + h).head(targets_);
    if (normalisation_.shifts())
      for (int h = 0; h < horizon_; ++h) {
        const long reference = w.start + normalisation_.reference_row(look_back_, h);
        for (long k = 0; k < targets_; ++k) y(b, h * targets_ + k) -= data(reference, k);
      }
  }
}

}  // namespace lstmf
