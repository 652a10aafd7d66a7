// The default recipe: what `train --data FILE --target COL --horizon H` does with nothing else set.
// Every key left at "chosen from the data" (look_back 0, epochs 0, ensemble 0, normalise auto) is
// resolved here from the series' length, its seasonal period m and the horizon H, before any data
// is windowed, so the checkpoint holds the resolved values. Where the recipe chooses the epochs, it also sets
// training.loss, patience, lr_factor and data.stride (below) when they are at their table defaults
// and not given by a flag or file (Config::given). README "The default recipe" says why
// each choice wins on the accuracy protocol (bench/README.md).
//
//   normalise   minmax (the level itself) for a series whose every target keeps to one level: 50 rows at least,
//               a KPSS statistic (kpss_level below) under 0.15, and a range of at most 10
//               interquartile ranges (no outliers to squeeze the scale); else
//               season (targets relative to the seasonal naive forecast) when m > 1 and the
//               series' changes repeat with period m (the autocorrelation of the first differences
//               at lag m passes M4's 90% seasonality test; 2m + 1 differences at least; or, on 2m
//               rows, the seasonal naive forecast fits them clearly better than the naive one), else last
//               (relative to the last value); last too when no look-back of a season leaves
//               kMinWindows / 2 windows
//   seasonal_adjust  multiplicative for a `season` series > 0 with two seasons of first-run
//               training rows: the targets are divided by classical-decomposition seasonal indices
//               (seasonal.hpp) before scaling, and forecasts multiplied back; else none
//   look_back   max(2m, H, 6), shortened until the training part holds kMinWindows windows (a
//               season series: no shorter than m, and kMinWindows / 2 windows if need be); a series
//               too short to learn (short_series_fallback below) takes its fallback's look-back and
//               horizon 1, with a validation tail of max(10%, 1) rows
//   horizon     H (direct, one pass), unless the series is too short for kMinWindows windows of H
//               steps: then the longest horizon that fits, and predict rolls forward beyond it
//   validation  the last max(10%, H) rows, or 2H when the first run keeps kMinWindows / 2 windows
//               (the look-back is chosen for max(10%, H)): a first run is scored there; its
//               residuals calibrate the prediction intervals and choose the combination (when
//               data.val_fraction is not given (its default is 0.1); a value given is kept, and 0
//               turns validation, refit, combination and intervals off)
//   epochs      about kTrainingBudget window passes, within [kMinEpochs, kMaxEpochs] (early stopping
//               with patience 20 and reduce-on-plateau in the first run); then refit: the members
//               train again on every row (but a test tail) for the full epoch count, and those weights are kept
//               (training.refit auto; false keeps the first run's weights)
//   stride      1, or, when the look-back is the recipe's, the least that keeps look-back x training
//               windows x epochs within 8e6 per member (a long series with a long look-back, m = 168
//               hourly: minutes otherwise); validation windows are thinned alike
//   loss        Huber (delta 1, about one typical seasonal change): MSE near 0, MAE in the tails
//   scale       min-max, with the range set so one typical seasonal change (of the adjusted series,
//               when adjusted) is about 1
//   ensemble    5 members (random.hpp member_seed) trained in parallel; the forecast is their median
//   combine     on (training.combine auto; false turns it, both short-series fallbacks and Theta off,
//               true keeps it on with explicit epochs too): the median is averaged with the better baseline (seasonal naive or naive) when
//               that baseline's validation MAE is within 10% of the model's (fit.hpp); seasonal
//               naive alone for a season too short to learn, the mean of naive and Theta for a
//               short series without one (short_series_fallback below); where the
//               model takes part, no season is left in the values and Theta validated within 3
//               times the model's MAE (fit.hpp choose_combination), a Theta forecast takes
//               training.theta_weight (0.1) of it (theta.hpp)
//   time column when none is named (and no season): a first column named like one
//               (series.hpp time_column_by_name), taken by fit() before the data is read
// The protocol's measurements behind each choice are in README.md, "The default recipe".
// Matrices are row-major (tensor.hpp); a series' values are [rows, columns], one row per time
// step, targets first.
#pragma once

#include "lstmf/config.hpp"
#include "lstmf/series.hpp"

namespace lstmf {

// The recipe's look-back for seasonal period m and horizon H, before a short series shortens it:
// two seasons, at least the horizon and 6 rows, max(2m, H, 6). Many-series training takes it too.
int recipe_look_back(int m, int horizon);

// training.refit and training.combine left automatic: on where the recipe chooses the epochs
// (`requested` gives none) and `resolved` keeps a validation tail to fit them on, else off.
// Many-series training takes the combination's so.
Toggle recipe_toggle(const Config& requested, const DataConfig& resolved);

// The seasonal period used for normalisation, metrics and intervals: data.season when set, else
// the time column's usual period (monthly 12, hourly 24, ...), else 1.
int seasonal_period(const DataConfig& data, const Series& series);

// Whether column `column` of `values` [rows, columns] shows a season of period m over its first
// `rows` rows, by the tests that make the recipe normalise by the season: M4's 90% test on the
// first differences (2m + 1 of them), or, on 2m rows, seasonal naive fitting clearly better than
// naive (horizon: the lags 1 .. min(horizon, m) it is compared with). False for m < 2.
bool shows_season(const MatrixD& values, long column, long rows, int m, int horizon);

// `config` with every automatic key resolved for `series` (its training file). Explicit keys are
// kept as they are. Throws InputError when the series is too short for any window.
Config resolve_recipe(const Config& config, const Series& series);

// check() of `resolved`, the recipe's result for `requested`, naming `source` (the data's file). A
// season the data set (requested data.season 0) that a look-back given cannot hold with
// data.normalise season is said to be the data's, with what would do: validation of `requested`
// could not see it, and check() alone spoke as if the season had been given.
void check_resolved(const Config& requested, const Config& resolved, const std::string& source);

// The KPSS statistic of level stationarity (Kwiatkowski, Phillips, Schmidt and Shin, 1992) of
// target 0 (column 0 of `values`) over its first `rows` rows, with a Bartlett-weighted long-run
// variance of ceil(12 (rows / 100)^(1/4)) lags (statsmodels' "legacy" choice); NaN for fewer than 2
// rows or a flat series. Small for a series that keeps to one level; large for a trend or a walk.
//   e_t = y_t - mean(y), S_t = e_0 + ... + e_t over t < T = rows
//   s2 = (1/T) [sum_t e_t^2 + 2 sum_{l=1..L} (1 - l / (L + 1)) sum_{t>=l} e_t e_{t-l}]   (L at most T - 1)
//   eta = sum_t S_t^2 / (T^2 s2)
double kpss_level(const MatrixD& values, long rows);  // values [rows, columns]

// The lagged products of the seasonality test: out[k - 1] = sum_{t=k}^{n-1} d_t d_{t-k} for
// k = 1..max_lag (n = d.size(), max_lag < n). Summed directly when max_lag * n is at most
// `direct_limit` (the test's usual case, whose figures the README's tables were measured with),
// else through the discrete Fourier transform of d padded with zeros to a power of two N >= n +
// max_lag: the inverse transform of |D|^2 is d's autocorrelation, without wrap-around at lags up
// to max_lag, in O(N log N) rather than O(max_lag n) (a season of 100,000 rows on 200,000 took
// 17 s; a review). The two agree to rounding: about 1e-15 of sum_t d_t^2.
std::vector<double> lagged_products(const std::vector<double>& d, int max_lag, double direct_limit = 2e7);

// What forecasts a series too short for the model to learn from, in its place (the combination's
// weights: fit.hpp choose_combination; the model is still trained, with weight 0). Only where the
// recipe chose normalise, look-back and epochs itself (`requested` leaves them automatic,
// training.combine is not false and data.val_fraction is above 0), for one target and no features;
// "rows" are the rows before any test tail. `resolved` is resolve_recipe's result, which then has
// horizon 1 and the look-back said below.
//   seasonal_naive  seasonal naive alone (weights 0 / 1 / 0 / 0): m > 1, the model was not given
//                   the season (normalise resolved to last: fewer rows than the season tests need,
//                   2m, or no window of a season; or a level series, min-max, whose windows are
//                   all shorter than m, then resolved to last too, where the rows must pass the
//                   test below, never taken as given), and either the seasonal naive forecast fits the
//                   rows clearly better than the naive one (lag-m MAE below 0.8 x the mean
//                   lag-1..min(H, m) MAE) over m + max(m / 2, 4) rows at least, or there are fewer
//                   rows than that and than 24, too few to test or to learn from (the frequency's
//                   season is taken as given), but a window of m rows fits: look-back m (README
//                   rounds 8 and 15).
//   naive_theta     the mean of the naive and Theta forecasts (0 / 0 / 1/2 / 1/2): fewer than 24
//                   rows, and no season (m = 1) or too few rows to test one (and no seasonal naive
//                   fallback): the longest look-back that leaves one training window, so Theta's
//                   level runs over most rows (README round 15: on such series the model lost to
//                   naive, and to Theta).
enum class ShortSeries { none, seasonal_naive, naive_theta };
ShortSeries short_series_fallback(const Config& requested, const Config& resolved, const Series& series);
// Why a fallback forecasts, for train's and inspect's messages: "a season too short to learn", "a
// series too short to learn, without a season"; "" for none.
const char* short_series_reason(ShortSeries fallback);

}  // namespace lstmf
