#include "lstmf/windows.hpp"

#include <cmath>
#include <sstream>
#include <string>

#include "lstmf/error.hpp"

namespace lstmf {

Split split_rows(long rows, double val_fraction, double test_fraction, int look_back, int horizon,
                 const std::string& what) {
  const long window = static_cast<long>(look_back) + horizon;
  const auto split_of = [&](long n) {
    const long val_rows = std::lround(static_cast<double>(n) * val_fraction);
    const long test_rows = std::lround(static_cast<double>(n) * test_fraction);
    return Split{n, n - val_rows - test_rows, n - test_rows};
  };
  // One training window (look_back + horizon rows) and, when asked for, one validation and one
  // test target span (horizon rows each, after the fractions are rounded).
  const auto fits = [&](long n) {
    const Split s = split_of(n);
    return s.train_end >= window && (val_fraction <= 0 || s.val_end - s.train_end >= horizon) &&
           (test_fraction <= 0 || s.rows - s.val_end >= horizon);
  };
  const Split split = split_of(rows);
  if (!fits(rows)) {
    // The smallest length that fits: from a bound each condition gives, up to the rounding.
    double bound = static_cast<double>(window) / std::max(1e-9, 1.0 - val_fraction - test_fraction);
    for (const double fraction : {val_fraction, test_fraction})
      if (fraction > 0) bound = std::max(bound, (horizon - 0.5) / fraction);
    long minimum = std::max(window, static_cast<long>(bound) - 2);
    for (int step = 0; step < 1000 && !fits(minimum); ++step) ++minimum;
    const long val_rows = split.val_end - split.train_end;
    const long test_rows = split.rows - split.val_end;
    const auto fraction_text = [](double f) {
      std::ostringstream out;
      out << f;
      return out.str();
    };
    std::string reason;
    if (split.train_end < window)
      reason = "the training part (" + std::to_string(split.train_end) + " rows) needs look-back " +
               std::to_string(look_back) + " + horizon " + std::to_string(horizon);
    else if (val_fraction > 0 && val_rows < horizon)
      reason = "the validation tail (val_fraction " + fraction_text(val_fraction) + ": " + std::to_string(val_rows) +
               " rows) needs one horizon of " + std::to_string(horizon) + " rows";
    else
      reason = "the test tail (test_fraction " + fraction_text(test_fraction) + ": " + std::to_string(test_rows) +
               " rows) needs one horizon of " + std::to_string(horizon) + " rows";
    throw InputError(what + " has " + std::to_string(rows) + " rows, too short for one window: " + reason +
                     "; these settings need at least " + std::to_string(minimum) + " rows");
  }
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
