#include "lstmf/recipe.hpp"

#include <algorithm>
#include <cmath>
#include <complex>
#include <string>
#include <vector>

#include <unsupported/Eigen/FFT>

#include "lstmf/error.hpp"
#include "lstmf/memory.hpp"
#include "lstmf/seasonal.hpp"
#include "lstmf/windows.hpp"

namespace lstmf {
namespace {

constexpr long kMinWindows = 16;        // training windows the recipe keeps at the least
constexpr double kTrainingBudget = 6e4; // window passes over the whole training run
constexpr int kMinEpochs = 30;
constexpr int kMaxEpochs = 300;
constexpr int kEnsemble = 5;
constexpr int kCalibrationHorizons = 2;
constexpr long kAdjustSeasons = 2;      // first-run training seasons before the recipe adjusts for the season

long validation_rows(long rows, int horizon) { return std::max<long>(std::lround(0.1 * static_cast<double>(rows)), horizon); }

// Rows of the test tail (data.test_fraction; at least one horizon when above 0, windows.hpp).
long test_rows(long rows, double test_fraction, int horizon) {
  return rows - split_parts(rows, 0.0, test_fraction, horizon).val_end;
}

// Training windows left by a validation tail of max(val_fraction, H) rows (the recipe's 10%, or the
// fraction given) and the test tail.
long training_windows(long rows, int look_back, int horizon, double test_fraction, double val_fraction = 0.1) {
  return split_parts(rows, val_fraction, test_fraction, horizon).train_end - look_back - horizon + 1;
}

// Mean |y_t - y_{t-m}| of target 0 over the first `rows` rows (m = 1 when too short); 0 if flat.
double seasonal_change(const MatrixD& values, long rows, int m) {
  if (rows <= m) m = 1;
  double sum = 0;
  long terms = 0;
  for (long t = m; t < rows; ++t, ++terms) sum += std::abs(values(t, 0) - values(t - m, 0));
  return terms > 0 ? sum / static_cast<double>(terms) : 0.0;
}

// Whether target 0 has a season of period m: the autocorrelation at lag m of its first differences
// over the first `rows` rows exceeds the 90% one-sided bound of the M4 seasonality test,
// 1.645 sqrt((1 + 2 sum_{k<m} r_k^2) / n) (Bartlett's variance of r_m).
// Differencing first keeps a trend or a cycle longer than m (sunspots' 11 years) from passing for a
// season. Growth that persists for a few periods still can: US GDP's differences give r_1..r_4 =
// 0.32, 0.32, 0.16, 0.19 against a bound of 0.14 (no peak at m); requiring r_m above every r_k,
// k < m, turned it to `last` and scored worse on it and on beijing-pm25 (README round 17).
bool has_season(const MatrixD& values, long rows, int m) {
  const long n = rows - 1;  // differences
  if (m < 2 || n < 2L * m + 1) return false;
  std::vector<double> d(static_cast<size_t>(n));
  double mean = 0;
  for (long t = 0; t < n; ++t) mean += d[static_cast<size_t>(t)] = values(t + 1, 0) - values(t, 0);
  mean /= static_cast<double>(n);
  double variance = 0;
  for (double& v : d) {
    v -= mean;
    variance += v * v;
  }
  if (variance <= 0) return false;
  const std::vector<double> sums = lagged_products(d, m);
  double bartlett = 1, r_m = 0;
  for (int k = 1; k <= m; ++k) {
    const double r = sums[static_cast<size_t>(k - 1)] / variance;
    if (k < m) bartlett += 2 * r * r; else r_m = r;
  }
  return r_m > 1.645 * std::sqrt(bartlett / static_cast<double>(n));
}

}  // namespace

std::vector<double> lagged_products(const std::vector<double>& d, int max_lag, double direct_limit) {
  const auto n = static_cast<long>(d.size());
  if (max_lag < 1) return {};
  if (max_lag >= n) throw Error("lagged_products: lag " + std::to_string(max_lag) + " of " + std::to_string(n) + " values");
  std::vector<double> out(static_cast<size_t>(max_lag), 0.0);
  if (static_cast<double>(max_lag) * static_cast<double>(n) <= direct_limit) {
    for (int k = 1; k <= max_lag; ++k) {
      double sum = 0;
      for (long t = k; t < n; ++t) sum += d[static_cast<size_t>(t)] * d[static_cast<size_t>(t - k)];
      out[static_cast<size_t>(k - 1)] = sum;
    }
    return out;
  }
  std::size_t size = 1;
  while (size < static_cast<std::size_t>(n + max_lag)) size *= 2;
  std::vector<double> padded(size, 0.0);
  std::copy(d.begin(), d.end(), padded.begin());
  Eigen::FFT<double> fft;
  std::vector<std::complex<double>> spectrum;
  fft.fwd(spectrum, padded);
  for (auto& c : spectrum) c = std::norm(c);  // |D|^2
  std::vector<double> correlation;
  fft.inv(correlation, spectrum);  // scaled by 1/N: the sums themselves
  for (int k = 1; k <= max_lag; ++k) out[static_cast<size_t>(k - 1)] = correlation[static_cast<size_t>(k)];
  return out;
}

// e_t = y_t - mean(y), S_t = e_0 + ... + e_t over t < T = rows;
// s2 = (1/T) [sum_t e_t^2 + 2 sum_{l=1..L} (1 - l / (L + 1)) sum_{t>=l} e_t e_{t-l}] (Newey-West,
// L = ceil(12 (T / 100)^(1/4)), at most T - 1);  eta = sum_t S_t^2 / (T^2 s2).
double kpss_level(const MatrixD& values, long rows) {
  const long n = rows;
  if (n < 2) return std::nan("");
  double mean = 0;
  for (long t = 0; t < n; ++t) mean += values(t, 0);
  mean /= static_cast<double>(n);
  std::vector<double> e(static_cast<size_t>(n));
  for (long t = 0; t < n; ++t) e[static_cast<size_t>(t)] = values(t, 0) - mean;
  const long lags = std::min(n - 1, static_cast<long>(std::ceil(12 * std::pow(static_cast<double>(n) / 100, 0.25))));
  double s2 = 0;
  for (const double v : e) s2 += v * v;
  for (long l = 1; l <= lags; ++l) {
    double sum = 0;
    for (long t = l; t < n; ++t) sum += e[static_cast<size_t>(t)] * e[static_cast<size_t>(t - l)];
    s2 += 2 * (1 - static_cast<double>(l) / static_cast<double>(lags + 1)) * sum;
  }
  s2 /= static_cast<double>(n);
  if (!(s2 > 0)) return std::nan("");
  double partial = 0, squares = 0;
  for (const double v : e) {
    partial += v;
    squares += partial * partial;
  }
  return squares / (static_cast<double>(n) * static_cast<double>(n) * s2);
}

namespace {

// Whether target 0 keeps to one level over the first `rows` rows, so the forecast is better made
// from the level itself (minmax) than from changes to the last value: kStationaryRows rows at
// least, a range without outliers (below), and a KPSS statistic below kStationaryKpss, well inside stationarity (its 10% critical
// value is 0.347, its median for a stationary series about 0.12), so trending and drifting series,
// and short ones that could be either, keep `last` or `season` (README round 9: minimum
// temperatures 0.062, lynx 0.102 and Nottingham temperatures 0.071 gain; the next, Victoria's
// electricity demand at 0.222 and Melbourne's maximum temperatures at 0.265, lose or tie).
// Min-max scaling also needs a range that outliers do not make: the training range is at most
// kMaxRangeIqr interquartile ranges (6.4 at most on the 26 series of both sets, about 5 for 300
// normal values, 10 for Student's t with 3 degrees of freedom; three spikes of 50 standard
// deviations: 840).
constexpr long kStationaryRows = 50;
constexpr double kStationaryKpss = 0.15;
constexpr double kMaxRangeIqr = 10;
bool level_stationary(const MatrixD& values, long rows) {
  if (rows < kStationaryRows) return false;
  std::vector<double> sorted(static_cast<size_t>(rows));
  for (long t = 0; t < rows; ++t) sorted[static_cast<size_t>(t)] = values(t, 0);
  std::sort(sorted.begin(), sorted.end());
  const auto quantile = [&](double q) {  // linear interpolation between order statistics
    const double at = q * static_cast<double>(rows - 1);
    const size_t below = static_cast<size_t>(std::floor(at));
    const size_t above = std::min(below + 1, sorted.size() - 1);
    return sorted[below] + (at - static_cast<double>(below)) * (sorted[above] - sorted[below]);
  };
  const double iqr = quantile(0.75) - quantile(0.25);
  if (!(iqr > 0) || sorted.back() - sorted.front() > kMaxRangeIqr * iqr) return false;
  const double eta = kpss_level(values, rows);
  return eta < kStationaryKpss;  // false for NaN (a flat series)
}

// Whether the seasonal naive forecast fits target 0's first `rows` rows clearly better than the
// naive one over the first min(H, m) steps: mean |y_t - y_{t-m}| below kSeasonMargin times the mean
// over k = 1 .. min(H, m) of mean |y_t - y_{t-k}|. A smooth season on a short series (3 to 4 years
// of months) fails the autocorrelation test above (its bound grows with the season's own
// autocorrelations at lags below m) but passes this; a trend, a random walk or a cycle longer than
// m (sunspots) does not. Needs 2m rows.
// `min_rows` (2m by default) is lowered only for the seasonal naive fallback below.
// Where rows x min(H, m) passes kMaxLagPasses, the mean over k is taken over that many / rows lags
// (16 at least): the middle of each of as many equal parts of 1 .. min(H, m). 2.56 million rows at
// m = H = 10,000 took 80 s in inspect, and 25 s after training, deaf to Ctrl-C (a hunt,
// 2026-12-07). Not the two ends: lag m itself, near 0 for a seasonal series, weighed 1/2 where
// it weighs 1/m and hid a season (a review). Every series of the accuracy tables, and 100,000
// hourly rows at m = H = 168 (1.7e7), stay exact.
constexpr double kSeasonMargin = 0.8;
constexpr long kMaxLagPasses = 100000000;
bool season_beats_naive(const MatrixD& values, long rows, int m, int horizon, long min_rows = 0) {
  if (m < 2 || rows < (min_rows > 0 ? min_rows : 2L * m) || rows <= m) return false;
  const auto lag_mae = [&](long lag) {
    double sum = 0;
    for (long t = lag; t < rows; ++t) sum += std::abs(values(t, 0) - values(t - lag, 0));
    return sum / static_cast<double>(rows - lag);
  };
  const long steps = std::min(horizon, m);
  const long lags = std::clamp(kMaxLagPasses / rows, std::min(16L, steps), steps);
  double naive = 0;
  for (long j = 0; j < lags; ++j) {
    // part j is (j steps / lags, (j + 1) steps / lags]; its middle, in 1 .. steps
    const long k = lags == steps ? j + 1 : std::clamp((2 * j + 1) * steps / (2 * lags) + 1, 1L, steps);
    naive += lag_mae(k) / static_cast<double>(lags);
  }
  return naive > 0 && lag_mae(m) < kSeasonMargin * naive;
}

// Rows below which a series is too short to learn (short_series_fallback): seasonal naive where the
// frequency's season is taken as given, naive and Theta otherwise.
constexpr long kShortRows = 24;

// Whether short_series_fallback may apply at all: the recipe chose every one of normalise,
// look-back and epochs and the combination is not switched off; one target and no features (the
// tests read target 0, and feature columns would hold the model to its trained horizon,
// forecast.cpp, which is 1 here).
bool recipe_owns_model(const Config& requested, const Series& series) {
  return requested.data.normalise == Normalise::automatic && requested.data.look_back == 0 &&
         requested.training.epochs == 0 && requested.training.combine != Toggle::off && requested.data.val_fraction > 0 &&
         series.n_targets == 1 && series.columns.size() == 1;
}

// The rows before any test tail.
long seen_rows(const Config& requested, const Series& series) {
  const long rows = series.rows();
  return rows - test_rows(rows, requested.data.test_fraction, requested.data.horizon);
}

// The rows the seasonal naive fallback's test needs: lag-m pairs for half a season at least (4 at least).
long season_test_rows(int m) { return m + std::max<long>(m / 2, 4); }

// The seasonal naive fallback with the season and normalisation as resolved, but for its look-back
// (recipe.hpp): the model was not given the season (normalise last: too few rows for the season
// tests, or no window of a season), and the rows before any test tail show one anyway on
// season_test_rows(m) rows at least, or are fewer than that and than kShortRows (but more than m):
// too short to learn, the season is taken as given. Not on more rows: a weekly series of 60 rows
// (m = 52) holds enough windows for the model, and seasonal naive had forecast a random walk from
// a year back (MASE 4.5 to 12 against naive's 1.3 to 2.7; README round 15).
// A level-stationary series (normalise minmax) whose every window is shorter than its season
// (`window_short_of_season`: 80 weekly rows, look-back 41) does not see it either: there the season
// must show on season_test_rows(m) rows, never taken as given (a hunt: a yearly cycle in weekly
// rows forecast 4 to 6 times worse than seasonal naive, without a word).
bool seasonal_fallback_applies(const Config& requested, int m, Normalise normalise, const Series& series,
                               bool window_short_of_season = false) {
  const bool level_unseen = normalise == Normalise::minmax && window_short_of_season;
  if (!recipe_owns_model(requested, series) || m < 2 || (normalise != Normalise::last && !level_unseen)) return false;
  const long seen = seen_rows(requested, series);
  // Too few rows to test: the season is taken as given, but not for a level series.
  if (seen < season_test_rows(m)) return !level_unseen && seen > m && seen < kShortRows;
  return season_beats_naive(series.values, seen, m, requested.data.horizon, season_test_rows(m));
}

// The naive and Theta fallback, unless the seasonal one applies (recipe.hpp): fewer than kShortRows
// rows before any test tail, and m = 1 or too few rows to test for a season.
bool theta_fallback_applies(const Config& requested, int m, const Series& series) {
  if (!recipe_owns_model(requested, series)) return false;
  const long seen = seen_rows(requested, series);
  return seen < kShortRows && (m < 2 || seen < season_test_rows(m));
}

// The fallback for `series` (recipe.hpp short_series_fallback) with season m and the normalisation
// resolved, and the look-back it trains with (horizon 1): seasonal naive's where a window of m rows
// fits (m), else naive and Theta's where one window of one step fits (the longest such look-back,
// over which Theta's level runs); {none, 0} otherwise. resolve_recipe applies it, and
// short_series_fallback reads it back: one decision.
struct FallbackPlan {
  ShortSeries kind = ShortSeries::none;
  int look_back = 0;
};
FallbackPlan plan_fallback(const Config& requested, int m, Normalise normalise, const Series& series,
                           bool window_short_of_season = false) {
  const long rows = series.rows();
  const double test_fraction = requested.data.test_fraction;
  const double search_fraction = requested.data.val_fraction == DataConfig{}.val_fraction && !requested.is_given("data.val_fraction")
                                     ? 0.1
                                     : requested.data.val_fraction;
  const auto fits = [&](int look_back) { return training_windows(rows, look_back, 1, test_fraction, search_fraction) >= 1; };
  if (seasonal_fallback_applies(requested, m, normalise, series, window_short_of_season) && fits(m))
    return {ShortSeries::seasonal_naive, m};
  if (!theta_fallback_applies(requested, m, series) || !fits(1)) return {};
  int look_back = 1;
  while (fits(look_back + 1)) ++look_back;
  return {ShortSeries::naive_theta, look_back};
}

}  // namespace

ShortSeries short_series_fallback(const Config& requested, const Config& resolved, const Series& series) {
  if (resolved.training.combine != Toggle::on) return ShortSeries::none;
  return plan_fallback(requested, resolved.data.season, resolved.data.normalise, series).kind;
}

const char* short_series_reason(ShortSeries fallback) {
  switch (fallback) {
    case ShortSeries::seasonal_naive: return "a season too short to learn";
    case ShortSeries::naive_theta: return "a series too short to learn, without a season";
    case ShortSeries::none: break;
  }
  return "";
}

bool shows_season(const MatrixD& values, long column, long rows, int m, int horizon) {
  if (m < 2 || rows < 2L * m) return false;  // both tests need 2m rows
  const MatrixD target = values.col(column).head(rows);
  return has_season(target, rows, m) || season_beats_naive(target, rows, m, horizon);
}

int recipe_look_back(int m, int horizon) { return std::max({2 * m, horizon, 6}); }

Toggle recipe_toggle(const Config& requested, const DataConfig& resolved) {
  return requested.training.epochs == 0 && resolved.val_fraction > 0 ? Toggle::on : Toggle::off;
}

int seasonal_period(const DataConfig& data, const Series& series) {
  if (data.season > 0) return data.season;
  return std::max(1, series.time.frequency.seasonal_period());
}

void check_resolved(const Config& requested, const Config& resolved, const std::string& source) {
  // validate()'s problem of data.normalise season, said to be of the data's season.
  if (requested.data.season == 0)
    for (const ConfigProblem& problem : validate(resolved))
      if (problem.keys.front() == "data.normalise")
        throw InputError(source, 0, 0,
                         problem.text + " (the time column's period): give a look-back of " +
                             std::to_string(resolved.data.season) + " or more, a season, or another normalisation");
  check(resolved, source);
}

Config resolve_recipe(const Config& config, const Series& series) {
  Config out = config;
  DataConfig& data = out.data;
  const long rows = series.rows();
  const int m = seasonal_period(data, series);
  const bool auto_look_back = data.look_back == 0;
  // Left at its default and not given by a flag or file (Config::given): the recipe's tail.
  const bool auto_validation = config.data.val_fraction == DataConfig{}.val_fraction && !config.is_given("data.val_fraction");
  // The validation tail the look-back search and the epoch count assume: the recipe's 10%, or the
  // fraction given (kept below).
  const double search_fraction = auto_validation ? 0.1 : config.data.val_fraction;

  const bool chosen_normalise = data.normalise == Normalise::automatic;
  if (chosen_normalise) {
    // Judged on the rows before any test tail (data.test_fraction), which the model never sees.
    const long seen = rows - test_rows(rows, data.test_fraction, data.horizon);
    // Every target keeps to its level: one trending target would be capped by min-max scaling.
    bool levels = series.n_targets > 0;
    for (long k = 0; k < series.n_targets && levels; ++k) levels = level_stationary(MatrixD(series.values.col(k)), seen);
    if (levels)
      data.normalise = Normalise::minmax;
    else
      data.normalise = shows_season(series.values, 0, seen, m, data.horizon) ? Normalise::season : Normalise::last;
  }

  if (auto_look_back) {  // the validation tail is set below, for the horizon chosen
    // The longest look-back of at least `shortest`, for the longest horizon, that leaves `need`
    // training windows; false when even horizon 1 does not.
    int look_back = 0;
    int horizon = 0;
    const auto windows = [&] { return training_windows(rows, look_back, horizon, data.test_fraction, search_fraction); };
    // Windows fall as the look-back or the horizon grows, so a horizon works when its shortest
    // look-back, min(recipe_look_back, shortest), does, and only the horizon that works has its
    // look-back stepped down (stepping every horizon's took minutes for --horizon 100000).
    const auto search = [&](long need, int shortest) {
      for (horizon = data.horizon;; --horizon) {
        const int longest = recipe_look_back(m, horizon);
        look_back = std::min(longest, shortest);
        if (windows() >= need) {
          look_back = longest;
          while (windows() < need && look_back > shortest) --look_back;
          return true;
        }
        if (horizon == 1) return false;  // the shortest look-back of horizon 1 stays
      }
    };
    // A seasonal series keeps a whole season in every window, with half the windows if need be:
    // without it, a short seasonal series loses its season altogether. Too short for that, the
    // last value is the reference.
    if (data.normalise == Normalise::season && !search(kMinWindows, m) && !search(kMinWindows / 2, m) && chosen_normalise)
      data.normalise = Normalise::last;
    if (data.normalise != Normalise::season) search(kMinWindows, 3);
    if (training_windows(rows, look_back, horizon, data.test_fraction, search_fraction) < 1) {
      // As few windows as there are: the shortest look-back, one step, a minimal validation tail.
      look_back = std::max(1, std::min(look_back, static_cast<int>(rows / 3)));
      horizon = 1;
    }
    data.look_back = look_back;
    data.horizon = horizon;
    // The validation tail is the recipe's unless data.val_fraction was given (not the default).
    if (auto_validation) {
      data.val_fraction = static_cast<double>(validation_rows(rows, horizon)) / static_cast<double>(rows);
      if (training_windows(rows, look_back, horizon, data.test_fraction) < 1) data.val_fraction = 0;
    }
    // A longer tail (kCalibrationHorizons horizons) calibrates the intervals and the combination
    // on more windows, when the first run keeps kMinWindows / 2 training windows.
    const long calibration = static_cast<long>(kCalibrationHorizons) * horizon;
    if (auto_validation && data.val_fraction > 0 && calibration > validation_rows(rows, horizon) &&
        rows - calibration - test_rows(rows, data.test_fraction, horizon) - look_back - horizon + 1 >= kMinWindows / 2)
      data.val_fraction = static_cast<double>(calibration) / static_cast<double>(rows);
  }
  // `season` chosen here falls back to the last value as reference when no window holds a season;
  // given, it is refused (a look-back given too short: config.cpp validate says so first).
  if (data.normalise == Normalise::season && data.look_back < m) {
    if (chosen_normalise) {
      data.normalise = Normalise::last;
    } else if (auto_look_back) {
      throw InputError("data.normalise season needs a window of a whole season (data.season " + std::to_string(m) +
                       " rows) and training windows beside the held-out tails: " + std::to_string(rows) +
                       " rows are too few (the look-back left is " + std::to_string(data.look_back) +
                       "); give more rows, or leave data.normalise to the recipe (auto)");
    }
  }
  data.season = m;

  // A season the data show on too few rows for any window to hold it (36 months with an 18-month
  // horizon: a look-back of 3, one step rolled forward 18 times, never sees the season): the
  // forecast is seasonal naive's (fit.cpp: the combination's weights 0 / 1 / 0 / 0), which reads m rows
  // of history, so the look-back is m (the checkpoint's data tail holds m rows) and the horizon 1.
  // README round 8: on 20 such series the rolled model scored 3.68 (geometric-mean MASE) against
  // seasonal naive's 1.53; shampoo (no season: lag-12 changes as large as the short-lag ones) is
  // not one of them. Rows too few to test for the season (fewer than m + max(m / 2, 4): 18 months,
  // 8 quarters), and fewer than kShortRows, take it as given (README round 15: on 38 such series
  // the rolled model scored 3.8 and 3.9 against seasonal naive's 1.7 and 1.3). A short series
  // without a season (README round 15) is forecast by naive and Theta, whose level (theta.hpp)
  // runs over the look-back, as long as one training window of one step allows.
  if (auto_look_back) {
    // (plan_fallback applies only where the recipe chose the normalisation: recipe_owns_model)
    const bool window_short_of_season = data.normalise == Normalise::minmax && data.look_back < m;
    const FallbackPlan plan = plan_fallback(config, m, data.normalise, series, window_short_of_season);
    if (plan.kind != ShortSeries::none) {
      // A level-stationary series that takes seasonal naive is left `last`, as one that had no
      // window of its season: the normalisation short_series_fallback reads the plan back with.
      if (plan.kind == ShortSeries::seasonal_naive) data.normalise = Normalise::last;
      data.look_back = plan.look_back;
      data.horizon = 1;
      if (auto_validation) data.val_fraction = static_cast<double>(validation_rows(rows, 1)) / static_cast<double>(rows);
    }
  }

  // Seasonal adjustment (seasonal.hpp) for a series with a season (normalise season) and
  // kAdjustSeasons seasons of first-run training rows (what the indices need; 3 was measured too,
  // and lost on the short series: README round 6), multiplicative (M4's benchmarks' choice), when
  // every target is > 0 there. Additive indices, forced on the set's seasonal series, lost to no
  // adjustment at all (round 6), so a series that reaches 0 or below is left unadjusted.
  const Split parts = split_parts(rows, data.val_fraction, data.test_fraction, data.horizon);
  const long first_train_rows = parts.train_end;
  if (data.seasonal_adjust == SeasonalAdjust::automatic) {
    const bool enough = data.normalise == Normalise::season && m > 1 && first_train_rows >= kAdjustSeasons * m;
    // > 0 on every row but a test tail: the refit estimates the indices again on all of them.
    bool adjust = enough && series.values.topRows(parts.val_end).leftCols(series.n_targets).minCoeff() > 0;
    // Nor a series whose adjusted values would leave +-1e100 (values near the bound, a small
    // index), which no checkpoint may hold (a fuzzer: train wrote one its own predict refused):
    // on the first run's rows and the refit's.
    for (const long estimated_on : {first_train_rows, parts.val_end}) {
      if (!adjust) break;
      try {
        adjust = !SeasonalAdjustment::estimate(SeasonalAdjust::multiplicative, series.values, estimated_on, series.n_targets, m)
                      .first_beyond(series.values, 0, kLargestValue);
      } catch (const InputError&) {
        // Not estimable: fit() says why, naming the file.
      }
    }
    data.seasonal_adjust = adjust ? SeasonalAdjust::multiplicative : SeasonalAdjust::none;
  }

  // One typical seasonal change of the target maps to about 1 (min-max range scaled up), so the
  // shifted windows of every series have the same order of magnitude.
  // Measured on the values the model sees: seasonally adjusted, when they are.
  // Two training rows at least: with fewer (an explicit look-back on a file too short for it),
  // nothing is measured here and fit() refuses the file for want of training windows. A range
  // given by a file or flag (either bound) is kept.
  const bool range_given = config.is_given("data.scale_min") || config.is_given("data.scale_max") ||
                           config.data.scale_min != DataConfig{}.scale_min || config.data.scale_max != DataConfig{}.scale_max;
  if (chosen_normalise && data.normalise != Normalise::minmax && first_train_rows >= 2 && !range_given) {
    const long train_rows = first_train_rows;
    MatrixD adjusted = series.values.leftCols(1).topRows(train_rows);
    if (data.seasonal_adjust != SeasonalAdjust::none) {
      try {
        adjusted = SeasonalAdjustment::estimate(data.seasonal_adjust, series.values, train_rows, 1, m).adjust(adjusted, 0);
      } catch (const InputError&) {
        // Not estimable (too short, or multiplicative asked for a target <= 0): fit() says why,
        // naming the file; the scale is measured on the values as they are meanwhile.
      }
    }
    const double lo = adjusted.col(0).minCoeff();
    const double hi = adjusted.col(0).maxCoeff();
    const double change = seasonal_change(adjusted, train_rows, m);
    if (hi > lo && change > 0) {
      data.scale_min = 0;
      data.scale_max = std::clamp((hi - lo) / change, 1.0, 1e4);
    }
  }

  if (out.training.epochs == 0) {
    const long windows = std::max<long>(1, training_windows(rows, data.look_back, data.horizon, data.test_fraction, search_fraction));
    out.training.epochs = static_cast<int>(
        std::clamp<long>(std::lround(kTrainingBudget / static_cast<double>(windows)), kMinEpochs, kMaxEpochs));
    // A key left at its default is the recipe's to choose; one a file or flag set is kept, even at
    // the default's value (Config::given).
    const auto chosen_here = [&](const char* path, bool at_default) { return at_default && !config.is_given(path); };
    if (chosen_here("training.patience", config.training.patience == TrainingConfig{}.patience)) out.training.patience = 20;
    if (chosen_here("training.lr_factor", config.training.lr_factor == TrainingConfig{}.lr_factor)) out.training.lr_factor = 0.5;
    if (chosen_here("training.loss", config.training.loss == TrainingConfig{}.loss)) out.training.loss = LossKind::huber;
    // A long series with a long look-back (m = 168 on hourly data: 336 steps) would train for many
    // minutes at kMinEpochs: its windows are thinned (data.stride) to keep look-back x windows x
    // epochs within kMemberStepBudget (memory.hpp; beijing-pm25 takes 6.3e6). Neighbouring windows
    // share all but one row, so little is lost.
    const double passes = static_cast<double>(data.look_back) * static_cast<double>(windows) * out.training.epochs;
    // Only when the look-back is the recipe's too, and the stride was not given (a stride of 1 set
    // by a flag or file is kept). Training and validation windows are thinned alike; at least
    // kMinWindows training windows stay.
    if (auto_look_back && chosen_here("data.stride", config.data.stride == DataConfig{}.stride) && passes > kMemberStepBudget)
      data.stride = static_cast<int>(std::clamp<double>(std::ceil(passes / kMemberStepBudget), 1.0,
                                                        std::min<double>(100000, std::max<long>(1, windows / kMinWindows))));
  }
  if (out.model.ensemble == 0) out.model.ensemble = kEnsemble;
  // Refit and combination are the recipe's when it chose the epochs; a true or false given is kept.
  const Toggle recipe_on = recipe_toggle(config, data);
  if (out.training.refit == Toggle::automatic) out.training.refit = recipe_on;
  if (out.training.combine == Toggle::automatic) out.training.combine = recipe_on;
  return out;
}

}  // namespace lstmf
