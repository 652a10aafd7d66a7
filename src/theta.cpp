#include "lstmf/theta.hpp"

#include <algorithm>
#include <cmath>

namespace lstmf {
namespace {

// sum_{t=1}^{n-1} (x_t - l_{t-1})^2 of SES with `alpha` over rows [0, rows) of column k, the
// errors divided by `scale` (the largest |x_t|) so that no square overflows.
double ses_sse(const MatrixD& values, long k, long rows, double alpha, double scale) {
  double level = values(0, k), sse = 0;
  for (long t = 1; t < rows; ++t) {
    const double error = values(t, k) - level;
    sse += (error / scale) * (error / scale);
    level += alpha * error;
  }
  return sse;
}

}  // namespace

Theta Theta::fit(const MatrixD& values, long column, long rows) {
  Theta theta;
  theta.rows = rows;
  double scale = 0;
  for (long t = 0; t < rows; ++t) scale = std::max(scale, std::abs(values(t, column)));
  if (scale == 0 || !std::isfinite(scale)) scale = 1;
  // Grid 0.01 .. 0.99, then 0.0005 steps within 0.01 of the best; strict < keeps the value found first on ties.
  const auto best_of = [&](double from, double step, int count, double best_alpha) {
    double best = ses_sse(values, column, rows, best_alpha, scale);
    for (int i = 0; i < count; ++i) {
      const double alpha = from + step * i;
      const double sse = ses_sse(values, column, rows, alpha, scale);
      if (sse < best) best = sse, best_alpha = alpha;
    }
    return best_alpha;
  };
  double alpha = best_of(0.01, 0.01, 99, 0.01);
  const double low = std::max(0.01, alpha - 0.01), high = std::min(0.99, alpha + 0.01);
  alpha = best_of(low, 0.0005, static_cast<int>(std::lround((high - low) / 0.0005)) + 1, alpha);
  theta.alpha = alpha;
  // Least-squares slope through (t, x_t), t = 0 .. rows - 1, from centred sums.
  const double tbar = 0.5 * static_cast<double>(rows - 1);
  double xbar = 0;
  for (long t = 0; t < rows; ++t) xbar += values(t, column) / static_cast<double>(rows);
  double sxy = 0, sxx = 0;
  for (long t = 0; t < rows; ++t) {
    const double dt = static_cast<double>(t) - tbar;
    sxy += dt * (values(t, column) - xbar);
    sxx += dt * dt;
  }
  theta.drift = sxx > 0 ? 0.5 * sxy / sxx : 0.0;
  return theta;
}

double Theta::level(const MatrixD& values, long column, long begin, long end) const {
  double level = values(begin, column);
  for (long t = begin + 1; t < end; ++t) level += alpha * (values(t, column) - level);
  return level;
}

double Theta::forecast(double level, long h) const {
  return level + drift * (static_cast<double>(h - 1) + (1 - std::pow(1 - alpha, static_cast<double>(rows))) / alpha);
}

}  // namespace lstmf
