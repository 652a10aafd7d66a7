#include "lstmf/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "lstmf/error.hpp"

namespace lstmf {
namespace {

void check_pair(const std::vector<double>& actual, const std::vector<double>& forecast, const char* what) {
  if (actual.empty() || actual.size() != forecast.size())
    throw Error(std::string(what) + ": " + std::to_string(actual.size()) + " actual and " +
                std::to_string(forecast.size()) + " forecast values (need the same, non-zero count)");
}

void check_origin(const std::vector<double>& y, long origin, int horizon, long needed, const char* what) {
  if (origin < needed || origin > static_cast<long>(y.size()) || horizon < 1)
    throw Error(std::string(what) + ": origin " + std::to_string(origin) + " with " + std::to_string(y.size()) +
                " values and horizon " + std::to_string(horizon) + " (needs origin >= " + std::to_string(needed) + ")");
}

Score undefined(std::string why) { return {std::nullopt, std::move(why)}; }

}  // namespace

Score mae(const std::vector<double>& actual, const std::vector<double>& forecast) {
  check_pair(actual, forecast, "mae");
  double sum = 0;
  for (size_t i = 0; i < actual.size(); ++i) sum += std::abs(actual[i] - forecast[i]);
  if (!std::isfinite(sum)) return undefined("MAE undefined: an error is not finite");
  return {sum / static_cast<double>(actual.size()), ""};
}

Score rmse(const std::vector<double>& actual, const std::vector<double>& forecast) {
  check_pair(actual, forecast, "rmse");
  // Scaled by the largest error first, so errors beyond 1e154 do not overflow their squares.
  double largest = 0;
  for (size_t i = 0; i < actual.size(); ++i) {
    const double e = std::abs(actual[i] - forecast[i]);
    if (!std::isfinite(e)) return undefined("RMSE undefined: an error is not finite");
    largest = std::max(largest, e);
  }
  if (largest == 0) return {0.0, ""};
  double sum = 0;
  for (size_t i = 0; i < actual.size(); ++i) {
    const double e = (actual[i] - forecast[i]) / largest;
    sum += e * e;
  }
  return {largest * std::sqrt(sum / static_cast<double>(actual.size())), ""};
}

Score mape(const std::vector<double>& actual, const std::vector<double>& forecast) {
  check_pair(actual, forecast, "mape");
  double sum = 0;
  size_t used = 0;
  for (size_t i = 0; i < actual.size(); ++i) {
    if (actual[i] == 0) continue;
    sum += std::abs((actual[i] - forecast[i]) / actual[i]);
    ++used;
  }
  if (used == 0) return undefined("MAPE undefined: every actual value is 0");
  // An actual value near 0 (1e-300) can make a term overflow.
  const double percent = 100 * (sum / static_cast<double>(used));
  if (!std::isfinite(percent))
    return undefined("MAPE undefined: an actual value so close to 0 that its percentage error overflows");
  Score score{percent, ""};
  if (used < actual.size())
    score.note = "MAPE skips " + std::to_string(actual.size() - used) + " of " + std::to_string(actual.size()) +
                 " actual values that are 0";
  return score;
}

Score smape(const std::vector<double>& actual, const std::vector<double>& forecast, const std::string& whose) {
  check_pair(actual, forecast, "smape");
  double sum = 0;
  size_t both_zero = 0;
  for (size_t i = 0; i < actual.size(); ++i) {
    const double denominator = std::abs(actual[i]) + std::abs(forecast[i]);
    if (denominator > 0) sum += 2 * std::abs(actual[i] - forecast[i]) / denominator;
    else ++both_zero;  // 0/0: exact, counts 0
  }
  // Said, as MAPE's skipped zeros are: on an intermittent series they favour a forecast of 0.
  const std::string of = whose.empty() ? "" : "of " + whose + " ";
  const std::string note = both_zero == 0 ? ""
                           : "sMAPE " + of + "counts the " + std::to_string(both_zero) + " of " +
                                 count_of(static_cast<long>(actual.size()), "term") + " whose actual and forecast values are both 0 as exact (0)";
  return {100 * sum / static_cast<double>(actual.size()), note};
}

// Relative size of rounding noise in a series' values: an in-sample change at most this share of
// the values is no change (seasonal_naive_scale).
constexpr double kRounding = 1e-12;

MaseScale seasonal_naive_scale(const std::vector<double>& in_sample, int m, const std::vector<bool>& unobserved) {
  if (m < 1) throw Error("seasonal_naive_scale: m must be >= 1, got " + std::to_string(m));
  const long n = static_cast<long>(in_sample.size());
  MaseScale scale;
  scale.m = m;
  if (n < m + 1 && m > 1) {
    scale.m = 1;
    scale.note = "MASE scale uses m = 1: the " + std::to_string(n) + " in-sample values are fewer than m + 1 = " +
                 std::to_string(m + 1);
  }
  if (n < scale.m + 1) {
    scale.note = "MASE undefined: " + std::to_string(n) + (n == 1 ? " in-sample value gives" : " in-sample values give") +
                 " no difference to scale by";
    return scale;
  }
  const auto observed = [&](long t) {
    return static_cast<size_t>(t) >= unobserved.size() || !unobserved[static_cast<size_t>(t)];
  };
  double sum = 0, largest = 0;
  for (long t = scale.m; t < n; ++t)
    if (observed(t) && observed(t - scale.m)) {
      sum += std::abs(in_sample[static_cast<size_t>(t)] - in_sample[static_cast<size_t>(t - scale.m)]);
      ++scale.terms;
    }
  for (const double v : in_sample) largest = std::max(largest, std::abs(v));
  if (scale.terms == 0) {
    scale.note = "MASE undefined: no two in-sample values " + std::to_string(scale.m) + (scale.m == 1 ? " step" : " steps") +
                 " apart are both in the file (the others were filled by --missing)";
    return scale;
  }
  scale.value = sum / static_cast<double>(scale.terms);
  // A series that repeats up to rounding (a computed sine: differences of some units in the last
  // place of its values) has no scale either: dividing by its rounding noise gave MASE of 1e14.
  // kRounding of the largest value: the error of a computed sine grows with its argument (six
  // epsilon over 144 months, a hunt found past a bound of four), and no measured series repeats
  // to twelve significant digits.
  // Whole numbers have no rounding noise: their differences are exact (a count near 4e15 varying by
  // 2 keeps its scale, found by a hunt).
  // (Only below 2^53: from there on every double is whole, so wholeness tells nothing.)
  const bool whole = largest < 0x1p53 && std::all_of(in_sample.begin(), in_sample.end(), [](double v) { return v == std::floor(v); });
  if (*scale.value > 0 && *scale.value <= kRounding * largest && !whole) {
    scale.note = "MASE undefined: the in-sample seasonal naive MAE (m = " + std::to_string(scale.m) + ") is " +
                 format_readable(*scale.value) + ", at most " + format_number(kRounding) + " of its values (up to " + format_number(largest) +
                 "), which is taken for rounding noise: the series repeats up to the rounding of its values";
    scale.value = 0.0;
  } else if (*scale.value == 0) {
    scale.note = "MASE undefined: the in-sample seasonal naive MAE (m = " + std::to_string(scale.m) +
                 ") is 0, the series repeats exactly";
  }
  return scale;
}

Score mase(const std::vector<double>& actual, const std::vector<double>& forecast, const MaseScale& scale) {
  Score error = mae(actual, forecast);
  if (!scale.usable()) return undefined(scale.note);
  if (!error.value || !std::isfinite(*error.value) || !std::isfinite(*scale.value)) return undefined("MASE undefined: an error or the scale is not finite");
  // A forecast exact up to rounding (drift on a straight line whose values were scaled by 1e-6)
  // scores 0, as an exact one does: 1e-16 would enter geometric means as a near-zero, and the
  // same series in other units would not. Rounding of the forecast's own arithmetic: a few dozen
  // units in the last place of the values, and negligible against the scale too (a count near
  // 4e15 missed by 1000 where it changes by 2 is no rounding).
  constexpr double kForecastRounding = 64 * std::numeric_limits<double>::epsilon();
  double largest = 0;
  for (std::size_t i = 0; i < actual.size(); ++i) largest = std::max({largest, std::abs(actual[i]), std::abs(forecast[i])});
  if (*error.value <= kForecastRounding * largest && *error.value <= 1e-6 * *scale.value) return {0.0, ""};
  const double ratio = *error.value / *scale.value;  // a scale near 0 (1e-310) can overflow it
  if (!std::isfinite(ratio)) return undefined("MASE undefined: the error over the scale overflows");
  return {ratio, ""};
}

std::vector<double> naive_forecast(const std::vector<double>& y, long origin, int horizon) {
  check_origin(y, origin, horizon, 1, "naive_forecast");
  return std::vector<double>(static_cast<size_t>(horizon), y[static_cast<size_t>(origin - 1)]);
}

std::vector<double> seasonal_naive_forecast(const std::vector<double>& y, long origin, int horizon, int m) {
  if (m < 1) throw Error("seasonal_naive_forecast: m must be >= 1, got " + std::to_string(m));
  check_origin(y, origin, horizon, m, "seasonal_naive_forecast");
  std::vector<double> forecast(static_cast<size_t>(horizon));
  for (int h = 0; h < horizon; ++h) forecast[static_cast<size_t>(h)] = y[static_cast<size_t>(origin - m + h % m)];
  return forecast;
}

std::vector<double> drift_forecast(const std::vector<double>& y, long origin, int horizon) {
  check_origin(y, origin, horizon, 2, "drift_forecast");
  const double last = y[static_cast<size_t>(origin - 1)];
  const double slope = (last - y.front()) / static_cast<double>(origin - 1);
  std::vector<double> forecast(static_cast<size_t>(horizon));
  for (int h = 0; h < horizon; ++h) forecast[static_cast<size_t>(h)] = last + (h + 1) * slope;
  return forecast;
}

Score geometric_mean(const std::vector<double>& values) {
  if (values.empty()) return undefined("geometric mean undefined: no values");
  double log_sum = 0;
  bool zero = false;
  for (double v : values) {
    if (!std::isfinite(v) || v < 0) return undefined("geometric mean undefined: a value is negative or not finite");
    if (v == 0) zero = true;
    else log_sum += std::log(v);
  }
  if (zero) return {0.0, ""};
  return {std::exp(log_sum / static_cast<double>(values.size())), ""};
}

CommonGeometricMeans common_geometric_means(const std::vector<std::map<std::string, double>>& entries,
                                            const std::vector<std::string>& methods) {
  CommonGeometricMeans out;
  for (size_t i = 0; i < entries.size(); ++i) {
    const bool counts = std::all_of(methods.begin(), methods.end(), [&](const std::string& method) {
      const auto it = entries[i].find(method);
      return it != entries[i].end() && std::isfinite(it->second) && it->second > 0;
    });
    (counts ? out.used : out.left_out).push_back(i);
  }
  for (const auto& method : methods) {
    std::vector<double> values;
    for (size_t i : out.used) values.push_back(entries[i].at(method));
    out.by_method[method] = geometric_mean(values);
  }
  return out;
}

}  // namespace lstmf
