#include "lstmf/windows.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>

#include "lstmf/error.hpp"

namespace lstmf {

Split split_parts(long rows, double val_fraction, double test_fraction, int horizon) {
  const auto tail = [&](double fraction) {
    if (!(fraction > 0)) return 0L;  // also NaN
    return std::max(std::lround(static_cast<double>(rows) * std::min(fraction, 1.0)), static_cast<long>(horizon));
  };
  const long val_rows = tail(val_fraction), test_rows = tail(test_fraction);
  return Split{rows, rows - val_rows - test_rows, rows - test_rows};
}

Split split_rows(long rows, double val_fraction, double test_fraction, int look_back, int horizon,
                 const std::string& what) {
  const long window = static_cast<long>(look_back) + horizon;
  // Config validation keeps 10% for training; a direct caller is held to 1% (so the search below
  // stays short).
  const double held = std::max(0.0, val_fraction) + std::max(0.0, test_fraction);
  if (!std::isfinite(held) || held > 0.99)
    throw InputError(what + ": val_fraction + test_fraction must leave rows to train on, got " +
                     std::to_string(held));
  const auto fits = [&](long n) { return split_parts(n, val_fraction, test_fraction, horizon).train_end >= window; };
  const Split split = split_parts(rows, val_fraction, test_fraction, horizon);
  if (!fits(rows)) {
    // The length from which every longer one fits too (rounding both tails up at once can take a
    // row from the training part as the series grows, so "fits" alone is not monotonic).
    // guaranteed(n) bounds the training part from below and only grows with n: once it holds a
    // window every longer series fits; walking down from there finds the first that does not.
    const auto guaranteed = [&](long n) {
      const double x = static_cast<double>(n);
      const double val = val_fraction > 0 ? std::max(x * val_fraction + 0.5, static_cast<double>(horizon)) : 0.0;
      const double test = test_fraction > 0 ? std::max(x * test_fraction + 0.5, static_cast<double>(horizon)) : 0.0;
      return x - val - test >= static_cast<double>(window);
    };
    const double share = 1.0 - held;  // at least 0.01
    long low = std::max(window, static_cast<long>(static_cast<double>(window - 1) / share) - 1);
    long high = std::max(low, rows + 1);
    while (!guaranteed(high) && high < (1L << 50)) high = high + std::max(1L, high / 2);  // geometric: few steps
    // Binary search for the first guaranteed length, then walk down while shorter ones still fit.
    long lo = low, hi = high;
    while (lo < hi) {
      const long mid = lo + (hi - lo) / 2;
      if (guaranteed(mid)) hi = mid; else lo = mid + 1;
    }
    long minimum = lo;
    while (minimum > low && fits(minimum - 1)) --minimum;
    // A shorter length may fit where this one does not ("at least 16" for 15 rows, and 14 fits: a
    // review found the message contradicted so): the longest such below this one is named too.
    long shorter = std::min(rows, minimum) - 1;
    while (shorter >= window && !fits(shorter)) --shorter;
    const auto fraction_text = [](double f) {
      std::ostringstream out;
      out << f;
      return out.str();
    };
    std::string held_out;
    if (split.val_end > split.train_end)
      held_out += "validation " + std::to_string(split.val_end - split.train_end) + " (val_fraction " +
                  fraction_text(val_fraction) + ")";
    if (split.rows > split.val_end)
      held_out += (held_out.empty() ? "" : ", ") + std::string("test ") + std::to_string(split.rows - split.val_end) +
                  " (test_fraction " + fraction_text(test_fraction) + ")";
    throw InputError(what + " has " + count_of(rows, "row") + ", too short for one window: the training part (" +
                     count_of(std::max(0L, split.train_end), "row") +
                     (held_out.empty() ? std::string() : " after the held-out tails: " + held_out + ", each at least one horizon") +
                     ") needs look-back " + std::to_string(look_back) + " + horizon " + std::to_string(horizon) +
                     "; these settings need at least " + std::to_string(minimum) + " rows" +
                     (shorter >= window ? " (though " + count_of(shorter, "row") + " fit too: the held-out tails, rounded "
                                          "to whole rows, do not grow evenly with the length)"
                                        : std::string()));
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
  // No exact reserve: called once per series, it reallocated every window so far each time (4,000
  // series of 500 rows took 15 s); push_back grows geometrically.
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
