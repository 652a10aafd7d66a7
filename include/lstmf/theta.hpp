// The Theta forecast (Assimakopoulos & Nikolopoulos 2000) as R's forecast::thetaf computes it and
// the M4 competition used it as a benchmark (Makridakis et al. 2018): simple exponential smoothing
// plus half the slope of a straight line through the training rows. The combination
// (checkpoint.hpp Combination) blends a share of it into the model's forecast (README round 14).
//
// Values are one target column of a [rows, columns] row-major matrix (seasonally adjusted, where
// the checkpoint adjusts: seasonal.hpp; the caller adjusts and restores).
//
// Fitting, over the training rows x_0 .. x_{n-1}:
//   SES      l_0 = x_0,  l_t = l_{t-1} + alpha (x_t - l_{t-1})
//   alpha    the grid value of 0.01, 0.02, .. 0.99 with the least sum_{t=1}^{n-1} (x_t - l_{t-1})^2,
//            then the best of a grid of 0.0005 within 0.01 of it (on an exact tie the value found
//            first is kept: the smaller alpha on the coarse grid, the coarse best on the fine one)
//   drift    b = slope / 2,  slope = sum_t (t - tbar)(x_t - xbar) / sum_t (t - tbar)^2
// Forecasting step h = 1, 2, .. from an origin whose inputs are the rows [o - L, o):
//   level    the SES of those rows with alpha, started at x_{o-L} (the look-back window: a forecast
//            depends on the window alone, like the model's, so a short history forecasts as the
//            full one does)
//   f_h      level + b (h - 1 + (1 - (1 - alpha)^n) / alpha)
// thetaf runs the SES over every row from an optimised start; over the window, with alpha fitted
// on every row, the two differ by (1 - alpha)^L times the start's error.
#pragma once

#include "lstmf/tensor.hpp"

namespace lstmf {

struct Theta {
  double alpha = 0.5;  // SES smoothing weight, in [0.01, 0.99]
  double drift = 0;    // b, per row, in the (adjusted) target's units
  long rows = 0;       // n, the training rows fitted

  // Fits column `column` over rows [0, rows) of `values` (rows >= 2, finite values).
  static Theta fit(const MatrixD& values, long column, long rows);
  // The SES level after rows [begin, end) of column `column` of `values` (end > begin).
  double level(const MatrixD& values, long column, long begin, long end) const;
  // f_h for step h >= 1 from `level`.
  double forecast(double level, long h) const;
};

}  // namespace lstmf
