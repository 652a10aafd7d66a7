// Forecast accuracy: point metrics, the MASE scale and the simple baselines every forecast is
// compared with. Pure functions on plain vectors, for `evaluate` (backtest.hpp) and for the M4-style
// accuracy protocol over many series. Conventions, with y the actual and f the forecast values
// (n of each, errors pooled over everything passed in):
//   MAE   = mean |y - f|
//   RMSE  = sqrt(mean (y - f)^2)
//   MAPE  = 100 * mean |y - f| / |y|             over the terms with y != 0 only (percent)
//   sMAPE = 100 * mean 2|y - f| / (|y| + |f|)    a term with y = f = 0 counts 0, with a note
//                                                (percent, 0..200; M4's definition, Makridakis et al. 2020)
//   MASE  = MAE / scale, scale = the in-sample seasonal naive MAE with the same m (Hyndman and
//           Koehler 2006): mean |y_t - y_{t-m}| over the rows before the forecast origin.
// A metric that is undefined (MAPE with every actual 0, MASE with a scale of 0) is a Score without a
// value and with a note that says why; NaN is never returned, so nothing prints "nan".
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lstmf {

// A metric's value, or the reason it has none. `note` also carries caveats on a value that exists
// ("MAPE skips 2 of 36 actual values that are 0"); it is "" when there is nothing to say.
struct Score {
  std::optional<double> value;
  std::string note;

  bool defined() const { return value.has_value(); }
};

// actual and forecast have the same, non-zero length (Error otherwise: a caller's bug).
Score mae(const std::vector<double>& actual, const std::vector<double>& forecast);
Score rmse(const std::vector<double>& actual, const std::vector<double>& forecast);
// Skips the terms whose actual value is 0 and says how many in the note; undefined when all are 0.
Score mape(const std::vector<double>& actual, const std::vector<double>& forecast);
// A term with actual and forecast both 0 counts 0, said in the note ("sMAPE of `whose` counts ...",
// naming the method whose forecasts they are when `whose` is given).
Score smape(const std::vector<double>& actual, const std::vector<double>& forecast, const std::string& whose = "");

// The MASE denominator: mean |y_t - y_{t-m}| for t = m .. n-1 over an in-sample series y[0, n).
// m is the seasonal period asked for; when n < m + 1 (not one full season and a step) the scale
// falls back to m = 1, as M4 does for short series, and `m` says which was used. `unobserved`
// (empty, or one flag per value): values the file lacked, filled for the inputs; a difference
// with one of them is left out, as R's accuracy() takes mean(abs(diff(y, m)), na.rm = TRUE) over
// the series with its NAs (filled values are smoother than the data, and shrank the scale).
struct MaseScale {
  std::optional<double> value;   // absent with fewer than two in-sample values
  int m = 1;                     // the period actually used
  long terms = 0;                // how many differences were averaged
  std::string note;              // why there is no usable scale (absent or 0), or the fallback taken

  bool usable() const { return value.has_value() && *value > 0; }
};
MaseScale seasonal_naive_scale(const std::vector<double>& in_sample, int m, const std::vector<bool>& unobserved = {});

// MAE / scale. Undefined when the scale is not usable, with the scale's note as the reason.
Score mase(const std::vector<double>& actual, const std::vector<double>& forecast, const MaseScale& scale);

// Baseline forecasts for `horizon` steps from `origin`: they see only y[0, origin), and step
// h = 0 .. horizon-1 forecasts y[origin + h]. Each requires the rows it reads (Error otherwise):
//   naive           f_h = y[o-1]                                       origin >= 1
//   seasonal naive  f_h = y[o - m + (h mod m)]  (one season before)    origin >= m
//   drift           f_h = y[o-1] + (h+1) (y[o-1] - y[0]) / (o-1)       origin >= 2
//                   (the line through the first and last values; Hyndman and Athanasopoulos, FPP 5.2)
std::vector<double> naive_forecast(const std::vector<double>& y, long origin, int horizon);
std::vector<double> seasonal_naive_forecast(const std::vector<double>& y, long origin, int horizon, int m);
std::vector<double> drift_forecast(const std::vector<double>& y, long origin, int horizon);

// exp(mean log v) of values >= 0 (0 if any value is 0), e.g. MASE across series. Undefined, with a
// note, when `values` is empty or holds a negative or non-finite value.
Score geometric_mean(const std::vector<double>& values);

// Geometric means of several methods' MASE compared on the same entries (series, or series and
// target): only the entries where every method has a finite, positive value count, since an exact
// forecast's 0 sends one method's mean to 0 and a missing value would leave the means over
// different series. entries[i] maps method -> MASE (absent or NaN = undefined).
struct CommonGeometricMeans {
  std::map<std::string, Score> by_method;  // undefined when no entry counts
  std::vector<size_t> used;                // indices of the entries that count
  std::vector<size_t> left_out;            // the others
};
CommonGeometricMeans common_geometric_means(const std::vector<std::map<std::string, double>>& entries,
                                            const std::vector<std::string>& methods);

}  // namespace lstmf
