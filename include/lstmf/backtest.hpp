// Rolling-origin backtest (Tashman 2000): forecast from several origins near the end of a history
// and score the model side by side with the naive and seasonal naive baselines on exactly the same
// windows, per target column.
//
// Origin o (a row index, 0-based) means: everything before row o is known, the model reads rows
// [o - look_back, o) and every method forecasts rows [o, o + horizon). Origins are `stride` apart,
// counted back from the last one, o = rows - horizon, so the newest data is always used. By default
// they are the origins whose target rows all lie in the held-out tail, the rows after the training
// part of windows.hpp split_parts (the split train made: each tail round(rows * fraction) rows, at
// least one horizon; at least one origin, the last). The validation rows chose train's
// best epoch, so only the test rows (data.test_fraction) are wholly unseen by training; a refitted
// model (training.refit, the default recipe) trained on every row but those, and the plan's rule
// says how many of the forecasts scored are of rows it trained on (by their times, Checkpoint::test_rows;
// for a model not refitted, whose origins reach back or whose history ends early, Checkpoint::held_out_rows).
// A history whose times run past the last time training saw (a longer or later file) holds rows no
// run saw: by default the origins forecast those instead (a refitted model: every row after the
// time it trained to, its test tail included; another: the rows after its training data, and the
// held-out share of the history where that starts earlier).
//
// Every origin needs max(look_back, m) rows before it (the model's inputs, and one season for the
// seasonal naive forecast), so the history must hold max(look_back, m) + horizon rows.
//
// Scores pool the errors of every (origin, step) pair of a target whose value the file holds (one
// data.missing filled is an input, not scored); metrics.hpp defines them. The
// MASE scale is the seasonal naive MAE with the same m over the rows before the first origin (the
// in-sample part: no forecast is scored on rows the scale saw), so the MASE of every method is its
// MAE divided by the same number.
// Matrices are row-major (tensor.hpp); a series' values are [rows, columns], one row per time
// step, targets first.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "lstmf/checkpoint.hpp"
#include "lstmf/forecast.hpp"
#include "lstmf/metrics.hpp"
#include "lstmf/tensor.hpp"

namespace lstmf {

// What `evaluate` asks for; an absent value takes the default named beside it. Checked by
// backtest(), which names the flags in its messages ("--season must be >= 1, got 0").
struct BacktestOptions {
  std::optional<int> horizon;    // steps per forecast; default the trained horizon (longer: recursive)
  std::optional<long> origins;   // how many origins; default those forecasting the held-out tail
                                 // (with times, the rows after the training data when the history has them)
  int stride = 1;                // rows between consecutive origins
  std::optional<int> season;     // seasonal period m; default the checkpoint's columns.seasonal_period
  int threads = 0;               // model inference threads; 0 = all cores
};

// InputError naming the flag when an option given is out of range (--horizon, --season, --stride,
// --origins below 1; --threads outside 0 .. kMaxThreads), before any history is read or series backtested.
void check_backtest_options(const BacktestOptions& options);

// Where the forecasts are made: rows of the history, look-back, horizon, origins and m.
struct BacktestPlan {
  long rows = 0;
  int look_back = 0;
  int horizon = 0;
  int stride = 1;
  int season = 1;
  std::vector<long> origins;     // ascending
  std::string rule;              // how the origins were chosen, one phrase for the report
};

// Chooses the origins for a history of `rows` rows whose held-out tail (named `tail_name` in the
// plan's rule) starts at row `tail_begin` (options.origins absent) or takes options.origins of them.
// horizon and season must be resolved. InputError naming `source` when the history is too short
// (stating the minimum) or cannot hold the origins asked for (stating how many fit).
BacktestPlan plan_backtest(long rows, int look_back, int horizon, int season, const BacktestOptions& options,
                           long tail_begin, const std::string& source, const std::string& tail_name = "the held-out tail");

// One method's forecasts for every origin of a plan: [origins, horizon * targets], with
// values(i, h * targets + k) the forecast of target k for row origins[i] + h (predict_at's layout).
struct MethodForecasts {
  std::string method;            // "lstm", "naive", "seasonal_naive"
  MatrixD values;                // [origins, horizon * targets], y(o, h*targets + k), original units
};

// The baselines of metrics.hpp for every origin of `plan`, target columns [0, targets) of `history`
// [rows, columns] (original units).
MethodForecasts naive_forecasts(const MatrixD& history, int targets, const BacktestPlan& plan);
MethodForecasts seasonal_naive_forecasts(const MatrixD& history, int targets, const BacktestPlan& plan);

struct MethodScores {
  std::string method;
  std::string target;
  Score mae, rmse, mape, smape, mase;  // MAPE and sMAPE in percent
  std::vector<double> mae_by_step;     // [horizon]: MAE of step h over the origins scored (NaN, null in
                                       // JSON, where every row it forecast is unobserved)
};

struct Backtest {
  std::string source;                  // the history's file name
  BacktestPlan plan;
  std::string first_target_time;       // time of row origins.front() and of the last row forecast;
  std::string last_target_time;        // "" without a time column
  std::vector<std::string> targets;
  std::vector<MaseScale> scales;       // per target, from rows [0, origins.front())
  std::vector<MethodScores> scores;    // method by method in the order given, each target in turn
  std::vector<std::string> history_notes;  // about the history scored (values filled by data.missing)
  // How many forecasts scored are at or before the last time the model trained on, in words, when
  // some are (also ending plan.rule, where one series' report says it; a many-series report notes it).
  std::string in_sample;

  // Every distinct note of the scores and scales, once each, prefixed by the target's name when
  // there are several targets ("MAPE skips 3 of 40 actual values that are 0").
  std::vector<std::string> notes() const;
};

// Scores the methods' forecasts against `history` ([rows, columns], original units, targets in its first columns,
// named by `targets`) on the plan's windows. Pure: no model, so any forecaster can be scored.
// `unobserved` ([targets][rows], or empty for none): values the file lacked (filled for the
// methods' inputs, History::target_filled); their forecasts are not scored, as R's accuracy()
// drops missing actuals. A target without one observed value scored has every score undefined.
Backtest score_backtest(const MatrixD& history, const std::vector<std::string>& targets, const BacktestPlan& plan,
                        const std::vector<MethodForecasts>& methods, const std::vector<std::vector<bool>>& unobserved = {});

// The whole backtest: resolves the options against the checkpoint, plans the origins, runs the model
// with predict_at and scores it with the naive and seasonal naive baselines. InputError for a bad
// option or a history too short for it.
Backtest backtest(const Checkpoint& checkpoint, const History& history, const BacktestOptions& options);

// One JSON object: source, plan (rows, look_back, horizon, stride, season, origins, rule), target
// rows and times, then per target its MASE scale and per method mae, rmse, mape, smape, mase (null
// when undefined) and mae_by_step; and the notes.
nlohmann::json to_json(const Backtest& backtest);
// The MASE scale of target k (an index into backtest.targets) as to_json writes it: value (null
// when there is none), m, in_sample_rows (rows before the first origin), differences averaged.
nlohmann::json mase_scale_json(const Backtest& backtest, std::size_t k);
// A score as to_json writes it: its value, or null when undefined (panel.hpp's JSON too).
nlohmann::json score_json(const Score& score);
// A plain-text report: a header saying which rows were forecast and with what m, one line per
// method and target (undefined values as n/a). The notes (Backtest::notes) are not in it: the CLI
// says them on stderr.
std::string format_table(const Backtest& backtest);

}  // namespace lstmf
