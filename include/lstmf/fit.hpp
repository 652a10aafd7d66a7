// Fitting a model to a configuration's data, end to end: load and prepare the data (dataset.hpp),
// initialise the model from the seed (or resume from a checkpoint), train (trainer.hpp), and
// assemble the checkpoint with everything predict needs.
// Matrices are row-major (tensor.hpp); a series' values are [rows, columns], one row per time
// step, targets first.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "lstmf/checkpoint.hpp"
#include "lstmf/config.hpp"
#include "lstmf/recipe.hpp"
#include "lstmf/series.hpp"
#include "lstmf/trainer.hpp"

namespace lstmf {

// Errors of a model's predictions on held-out rows, in the data's original units, over every
// target and step of the windows whose targets lie in the rows.
struct HoldoutErrors {
  double mae = 0.0;                    // pooled over every target (one unit only with one target)
  double rmse = 0.0;
  std::vector<double> mae_by_target;   // [targets], each in its target's units
  std::vector<double> rmse_by_target;
  long windows = 0;
  long every = 1;          // the windows are one validation origin in every `every` (validation_origins)
  bool by_budget = false;  // thinned so by calibration_window_cap, not data.stride
};

struct FitOptions {
  std::string resume;        // checkpoint to continue from ("" = start from the seed)
  // That checkpoint, when the caller has loaded it already (stdin can be read once); else fit()
  // loads `resume`.
  std::shared_ptr<const Checkpoint> resumed;
  EpochCallback on_epoch;    // progress, logs, interruption: member 1's epochs (returning false stops every member)
  // Asked after every epoch of every member (may be empty): false stops the run, as on_epoch's
  // false does, whichever member is training (an interrupt after member 1 has finished). Members
  // train on worker threads side by side: it is called from several threads at once.
  std::function<bool()> keep_going;
  // Every epoch of every member (may be empty; EpochReport::member says which), and the end of a
  // member's training after `epochs_run` epochs (early stopping, its last epoch, an interrupt, a
  // divergence): a progress display over the whole ensemble. Called from the threads that train
  // the members, several at once; every member of the validated run has ended before the refit's
  // first report.
  std::function<void(const EpochReport&)> on_member_epoch;
  std::function<void(int epochs_run)> on_member_done;
  // Every config.output.checkpoint_every epochs (0 = never), after on_epoch returned true: the
  // checkpoint as fit() would return it if training stopped now (best weights so far, the
  // optimizer state to resume from, the history so far). The caller saves it.
  std::function<void(const Checkpoint&)> on_checkpoint;
  // A note before training starts (may be empty): a resume on another thread count (resume_threads_note).
  std::function<void(const std::string&)> on_note;
  // Where config.output.checkpoint_every was given, named when it is refused (check_checkpoint_every).
  SettingSource checkpoint_every_source;
};

// InputError when config.output.checkpoint_every is set for a run that does not end in one
// resumable model (an ensemble, or a refit) or for many series; `config` as the recipe resolved
// it. The error names `where`, where the setting was given (the config file at the key, the
// command line).
void check_checkpoint_every(const Config& config, const SettingSource& where = {});
// InputError naming `source`, the column, value and row (far_from_range) when a row after
// `train_end` lies more than kMaxScaledMagnitude (scaler.hpp) training ranges from the training
// rows [0, train_end): scaled, the model could not compute with it. Many-series training
// (panel.cpp) checks each series with it too, naming the series itself.
void check_in_training_range(const Series& series, long train_end, const std::string& source);
// InputError naming `source` when the time column `time` cannot write `horizon` steps after its
// last time (a year past 9999, or beyond the range of periods): refused before training, not by
// every predict of the checkpoint after it. `asked`: the horizon was given (named as data.horizon).
void check_forecastable_times(const TimeIndex& time, int horizon, bool asked, const std::string& source);

struct FitOutcome {
  Checkpoint checkpoint;     // the best weights (or the last, without validation)
  TrainingResult result;     // this run's epochs
  HoldoutErrors validation;  // windows = 0 without validation rows
  long train_windows = 0;
  long validation_windows = 0;
  long refit_windows = 0;    // training.refit: the windows of every row the kept weights trained on
  int refit_epochs = 0;      // and the epochs they trained (0: no complete refit)
  std::string refit_failed;  // the DivergedError message of a refit that diverged (validated members kept)
  std::string diverged;      // the DivergedError message when training diverged, else ""
  std::string time_column_dropped;  // why a first column named like a time column was not read as one
  std::string time_column_unread;   // a column named like times, not guessed (look-back or season given)
  std::string rows_dropped;         // dropped_rows_note of the training series ("" for none)
  std::string last_value_jump;      // series.hpp last_value_jump_note of the targets ("" for none)
  ShortSeries fallback = ShortSeries::none;  // recipe.hpp short_series_fallback: what forecasts in the model's place
  int members_left_out = 0;  // ensemble members an interrupt kept from starting (checkpoint.config.model.ensemble counts the rest)
  std::string constant_columns{};   // forecast.hpp constant_columns_note of the checkpoint ("" for none)
  std::string refit_skipped{};      // why training.refit was not run (refit_squeeze), "" when it ran or was not asked
  // An ensemble member diverged before any validated epoch (no best weights to restore): the
  // run keeps no weights, as a single model's would not (diverged is that member's message).
  bool member_unrestored = false;
  bool refit_interrupted = false;  // an interrupt (FitOptions::keep_going) stopped the refit: validated members kept
  // An interrupt left work undone: a member stopped before its last epoch (early stopping aside),
  // members left out, the refit stopped (in its last epoch too) or not begun (an interrupt during
  // the calibration before it). False for one that came when nothing was left to train (the last
  // epoch or the calibration of a run without a refit): the checkpoint is then the whole run's.
  bool cut_short = false;
};

// What fit() settles from the data before it trains: the configuration the recipe resolves for it
// (recipe.hpp resolve_recipe), what forecasts in the model's place for a series too short to learn
// (recipe.hpp short_series_fallback), and the horizon asked for when the recipe trains a shorter
// direct one (checkpoint.hpp forecast_horizon; 0 otherwise, and with features, which cannot be
// rolled forward). inspect reports it.
struct FitPlan {
  Config config;
  ShortSeries fallback = ShortSeries::none;
  int forecast_horizon = 0;
};
// The plan for the only series of `data`; InputError (naming data.source) when it holds more than
// one, or when the resolved configuration does not validate (config.hpp check).
FitPlan plan_fit(const Config& requested, const SeriesSet& data);
// InputError (naming data.source) for the first thing fit() refuses in the only series of `data`
// under a resolved `config`, before it trains: rows too few for the split and one training window
// (windows.hpp split_rows), a target not above 0 where the seasonal adjustment is multiplicative,
// a seasonal adjustment without two seasons of training rows or a season of 2, or a column
// check_scalable refuses. inspect says so instead of failing. Returns what it judged them by: the
// split of the series' rows (windows.hpp split_rows), and the seasonal indices of the first run's
// training rows (empty without an adjustment), which fit() trains with.
struct Trainable {
  Split split;
  SeasonalAdjustment seasonal;
};
Trainable check_trainable(const Config& config, const SeriesSet& data);

// Resolves the recipe (recipe.hpp) for the data, then trains config.model.ensemble members: member
// k from member_seed(seed, k) (random.hpp), in parallel on up to config.training.threads threads with one thread each (so a
// member's weights do not depend on the machine); a single model uses every thread as before.
// `on_epoch` sees member 1's epochs. After training, the validation windows' residuals give the
// interval quantiles. Throws InputError for bad data or a checkpoint that does not fit the config
// (resume; an ensemble cannot be resumed).
FitOutcome fit(const Config& config, const FitOptions& options = {});
// The same with the data already loaded (the accuracy protocol trains on a prefix of a file).
FitOutcome fit(const Config& config, SeriesSet data, const FitOptions& options = {});


// A resume of `from` under `config` (train --resume) on another thread count than its run's
// (optimizer_state.shards: each batch is split into one shard per thread, so the sums round
// otherwise): the run goes on, but does not end as the uninterrupted one would. What to say, or ""
// when the counts agree or the checkpoint does not record its own (before 2026-12-06).
std::string resume_threads_note(const Checkpoint& from, const Config& config);

// A refit on rows [0, split.val_end) of `series` squeezes the scale it was validated at when a
// target's validation row lies more than kFarFromTraining (scaler.hpp) training ranges outside
// its training rows [0, split.train_end) and the series came back (its last validation row is not
// so far: an isolated value, 1e6 in a series near 100, a typo, not a level it moved to): forecasts of
// a model, Theta trend and seasonal indices fitted on it came out an order of magnitude off. Why,
// naming the value and its row (time), or "" when the refit is safe. fit() asks it when the refit
// is the recipe's (not a --refit true given).
std::string refit_squeeze(const Series& series, const Split& split);

// InputError (naming `source`) when a column of `series` cannot be min-max scaled over the rows
// before split.train_end: a target that does not change there but changes after (in the validation
// tail), or a spread below 1e-100; or when a value lies 1e12 training ranges away. A target
// constant in every row passes (its forecast is that value; forecast.hpp constant_columns_note).
// fit() refuses such data; inspect says so.
void check_scalable(const Series& series, const Split& split, const std::string& source);
// InputError (naming `source`) when a target of `series` is one value over the rows before
// split.train_end and changes after them: the model learns nothing from those rows, and its
// scaler maps every later value to that one. Part of check_scalable; many-series training asks
// this, check_spread and check_in_training_range of each series (a series constant in every row
// is trained there, its forecast the constant: a product without sales).
void check_changes_in_training(const Series& series, const Split& split, const std::string& source);
// InputError (naming `source`) when a column of `series` varies over rows [0, train_end) by more
// than 0 but less than 1e-100, too little to min-max scale; part of check_scalable.
void check_spread(const Series& series, long train_end, const std::string& source);

// Theta (theta.hpp) of each of the first `targets` columns over rows [0, rows) of `values`
// [rows, columns] (original units), seasonally adjusted by `seasonal` with row 0 at phase 0;
// empty for fewer than 2 rows.
std::vector<Theta> fit_theta(const SeasonalAdjustment& seasonal, const MatrixD& values, long rows, long targets);

// The forecast combination (checkpoint.hpp Combination) chosen on the windows whose targets lie in
// rows [begin, end) of `values` from the MAE of each component there (the model's own forecast:
// `checkpoint` without a combination; the seasonal naive forecast only when 1 < m <= look_back):
// when the better of the two baselines has an MAE within 10% of the model's (or below it), the
// forecast is the mean of the model's and that baseline's (weights 1/2, 1/2), else the model's
// alone (1, 0, 0): averaging two about equally good forecasts beats either on average (M4), and
// one validation tail is too little evidence to prefer either. A baseline whose MAE is at most half
// the model's forecasts alone (0, 1, 0 or 0, 0, 1): the model failed (no series of the accuracy
// sets comes near: their lowest ratio is 0.86). With a `fallback` (recipe.hpp short_series_fallback:
// a series too short to learn) the weights are the fallback's, seasonal naive alone (0, 1, 0, 0;
// only where 1 < m <= look_back) or the mean of naive and Theta (0, 0, 1/2, 1/2; naive alone
// without a Theta fit or with training.theta_weight 0), whatever the errors, which are still measured and stored. Where the model's weight is above 0, the
// Theta forecast (fitted on rows [0, begin), stored in `theta`) takes config.training.theta_weight
// of it: every weight times 1 - theta_weight, Theta's weight theta_weight; not where a season is
// left in the values (no seasonal adjustment, and normalise season or recipe.hpp shows_season
// over rows [0, end)), nor where Theta's validation MAE is above 3 times the model's. Its
// validation MAE is measured and stored beside the others. Empty without such windows.
Combination choose_combination(const Checkpoint& checkpoint, const MatrixD& values,  // [rows, columns]
                               long begin, long end,
                               int threads = 0, ShortSeries fallback = ShortSeries::none);

// The origins (row of each window's first target) of the validation windows that choose the
// combination and calibrate the intervals, those whose targets lie in rows [begin, end)
// (ascending), one in every
//   max(ceil(n / allowed), min(stride, n / 1000)), at least 1,
// of the n there are, counted back from the last (the newest is kept):
// - at most allowed = calibration_window_cap(look_back, horizon) (memory.hpp, kMemberStepBudget; forecasting from
//   each takes up to look_back + horizon LSTM steps a member, look_back alone for a model that
//   outputs every step at once): --look-back 100000 --stride 10000 over a
//   20,000-row tail forecast 2e9 steps, for hours after the minutes of training (now 79 windows,
//   one in 254);
// - thinned like training's windows by data.stride, but never below 1000 windows: stride 1000 over
//   16,000 windows had calibration take 60 times the epoch (a review), while the residuals of
//   1000 windows still rank the 99% level. At stride 1 (every run of the accuracy tables) every
//   window.
// `by_budget` (may be null): whether the budget thinned them more than the stride.
std::vector<long> validation_origins(long look_back, long horizon, long begin, long end, long stride = 1,
                                     bool* by_budget = nullptr);

// What the validation windows (targets in rows [begin, end) of `values`) settle about a trained
// `checkpoint` (its model alone): the forecast combination when checkpoint.config.training.combine
// is on (choose_combination, with `fallback`), then the holdout errors and interval quantiles of
// the forecast so combined (split conformal, fit.cpp quantiles_of), from one forecast of the
// model over the windows (forecast.hpp model_at, then combined_at). Sets checkpoint.combination
// and checkpoint.intervals and returns the errors. fit() and many-series training (panel.cpp)
// settle every model so.
HoldoutErrors calibrate_on_validation(Checkpoint& checkpoint, const MatrixD& values,  // [rows, columns]
                                      long begin, long end, int threads = 0,
                                      ShortSeries fallback = ShortSeries::none);

}  // namespace lstmf
