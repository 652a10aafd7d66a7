// Many series at once (a "panel"): long-format data (series.hpp, data.series_column) trained as one
// model per series (training.mode "per-series") or one global model on the windows of every series
// (training.mode "global"), min-max scaled per series in both modes. Built on the single-series
// pipeline: dataset.hpp prepares the windows, trainer.hpp trains, forecast.hpp and backtest.hpp
// forecast and score each series through its single-series view (PanelCheckpoint::view).
//
// Determinism: in per-series mode every series trains on one thread from its own seed,
// series_seed(training.seed, id), so a series' model depends on its data, the config and its id
// only: not on the thread count, the other series, their order, or the shard it was trained in.
// In global mode the model is deterministic for a given thread count, as for one series.
//
// Which series a run takes (--series, --shard K/N) and each series' seed: selection.hpp.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "lstmf/backtest.hpp"
#include "lstmf/checkpoint.hpp"
#include "lstmf/config.hpp"
#include "lstmf/error.hpp"
#include "lstmf/fit.hpp"
#include "lstmf/forecast.hpp"
#include "lstmf/io.hpp"
#include "lstmf/memory.hpp"
#include "lstmf/selection.hpp"
#include "lstmf/series.hpp"
#include "lstmf/trainer.hpp"

namespace lstmf {

// The format version of many-series checkpoints: checkpoint.hpp kPanelCheckpointVersion.

// ---- the checkpoint -----------------------------------------------------------------------------

struct PanelSeries {
  std::string id;
  Frequency frequency;                 // this series' own step (series may differ, e.g. month ends)
  int month_day = 0;
  MinMaxScaler scaler;                 // fitted on this series' training rows
  DataTail data_tail;                  // its last look_back rows, original units
  std::optional<Model<float>> model;   // per-series mode; absent in global mode
  int best_epoch = 0;                  // per-series mode: the epoch whose weights were kept
  int epochs = 0;                      // per-series mode: epochs run
  double best_val_loss = 0;            // NaN without validation (written as null)
  // training.combine: the forecast combination chosen on this series' validation windows (fit.hpp
  // choose_combination, with this series' model: its own, or the global one); empty = the model alone.
  Combination combination;
  // Split-conformal |residual| quantiles of this series' validation windows (fit.hpp
  // calibrate_on_validation, of the forecast predict makes: its model and combination); empty without them.
  IntervalQuantiles intervals;
  // The rows of this series after its training part, its validation and test tails, as
  // Checkpoint::held_out_rows (evaluate counts the forecasts it scores at or before the last time
  // trained on); absent in files written before it.
  std::optional<long> held_out_rows;
};

struct PanelCheckpoint {
  Config config;                       // data.series_column set; training.mode says which mode
  ColumnsInfo columns;                 // shared; frequency and seasonal period of the first series
  std::optional<Model<float>> model;   // global mode
  std::vector<EpochRecord> history;    // global mode
  int best_epoch = 0;                  // global mode
  std::optional<Shard> shard;          // the shard trained, if any
  std::vector<PanelSeries> series;     // ordered by id
  // Series training left out for their training (diverged before a validated epoch) or their values
  // (refused), ordered by id, with why: a history that holds them (the training file) forecasts the
  // other series and names these. Series too short for a window are not listed: the rows say so.
  // Written as "left_out": [{"id", "reason"}] when not empty (older readers ignore the key).
  struct LeftOut {
    std::string id;
    std::string reason;
    bool diverged = false;  // its training diverged (else its values were refused)
  };
  std::vector<LeftOut> left_out;
  // The entry of `id` in left_out, or nullptr.
  const LeftOut* find_left_out(const std::string& id) const;

  bool global() const { return config.training.mode == TrainingMode::global; }
  // Index of series `id`, or -1.
  long find(const std::string& id) const;
  // A per-series checkpoint's columns take the frequency (and its period) of its first series, so a
  // run and the merge of its shards record the same whatever the shards hold; none without series.
  void take_first_series_frequency();
  // Series i as a single-series checkpoint (its scaler, tail, frequency and model), for forecast.hpp
  // and backtest.hpp. Copies the weights (small next to a forecast).
  Checkpoint view(std::size_t i) const;
};

// What each series of `checkpoint` forecasts with, by its first target's combination weights
// (checkpoint.hpp Combination: model, seasonal naive, naive, Theta), for train's summary.
struct CombinationTally {
  long model = 0;     // the model, with no baseline (Theta may take a share)
  long mean = 0;      // the model averaged with seasonal naive or naive
  long baseline = 0;  // a baseline alone: the model's weight is 0
  long theta = 0;     // of those above, the ones where Theta takes a share
  long unchosen = 0;  // no combination (no validation windows): the model alone
};
CombinationTally tally_combinations(const PanelCheckpoint& checkpoint);

std::string panel_checkpoint_text(const PanelCheckpoint& checkpoint);
void save_panel_checkpoint(const std::string& path, const PanelCheckpoint& checkpoint);
// The text of panel_checkpoint_text through `append`, a block of series at a time (never the whole
// text in memory): for a StagedFile (io.hpp) or write_atomically_streamed.
void write_panel_checkpoint(const PanelCheckpoint& checkpoint, const AppendText& append);
// Checks everything, as load_checkpoint does; InputError naming `source` and the key.
// `file_index`, when it holds one entry per series of `json`, gives each one's position in the file
// for messages (a selective load drops the series not picked). `disorder`: the position and id of
// the first series whose id is out of order among all in the file (the selective load sees every
// id), refused where a full read would have refused it, before the series after it.
PanelCheckpoint panel_checkpoint_from_json(const nlohmann::json& json, const std::string& source,
                                           const std::vector<std::size_t>& file_index = {},
                                           const std::optional<std::pair<std::size_t, std::string>>& disorder = std::nullopt);

// Either kind of checkpoint, read from one parse of the file. A many-series checkpoint (one with a
// `series` section) keeps only the series `selection` picks: the parser drops the others' weights
// as it reads them (their `state_dict` follows `id` in the written key order), so loading one
// series of a large checkpoint holds one series' weights, never all of them. Optimizer states are
// dropped unless `keep_optimizer_state`.
struct AnyCheckpoint {
  std::optional<Checkpoint> single;
  std::optional<PanelCheckpoint> panel;
};
AnyCheckpoint load_any_checkpoint(const std::string& path, const SeriesSelection& selection = {},
                                  bool keep_optimizer_state = false);
// The same from text already read (merge reads stdin once), named `source` in messages.
AnyCheckpoint parse_any_checkpoint(const std::string& text, const std::string& source, const SeriesSelection& selection = {},
                                   bool keep_optimizer_state = false);

// ---- training -----------------------------------------------------------------------------------

struct SkippedSeries {
  std::string id;
  std::string reason;                  // without the id: "the series has 10 rows, too short for one window: ...", "column 'y' has no values: ..."
  bool diverged = false;               // its training diverged (else its data were refused)
};

struct SeriesFitReport {
  std::string id;
  int epochs = 0;
  int best_epoch = 0;
  HoldoutErrors validation;
  std::string diverged;                // per-series mode: the DivergedError message, else ""
};

struct PanelFitOptions {
  SeriesSelection selection;
  EpochCallback on_epoch;              // global mode: after every epoch (false stops)
  // per-series mode: after each series, with how many are done (false stops: series not started
  // are left out of the checkpoint). Called from one thread at a time.
  std::function<bool(const SeriesFitReport&, long done, long total)> on_series;
  // per-series mode: asked after every epoch of every series (false stops: the series in training
  // are left out too). May be called from several threads at once.
  std::function<bool()> keep_going;
  DataParallel parallel;               // global mode across processes (MPI); per-series refuses ranks > 1
};

struct PanelFitOutcome {
  // The series trained (per-series mode: a series that diverged keeps its best validated weights,
  // its report says so; one that diverged before any is left out).
  PanelCheckpoint checkpoint;
  std::vector<SkippedSeries> skipped;  // too short (without data.strict), or diverged without validated weights
  std::vector<SeriesFitReport> reports;  // one per series in the checkpoint, same order
  TrainingResult result;               // global mode: the run
  std::string diverged;                // global mode: the DivergedError message, else ""
  long train_windows = 0;
  long validation_windows = 0;
  bool stopped = false;                // a callback asked to stop
  std::string rows_dropped;            // dropped_rows_note of the file's series ("" for none)
  std::string last_value_jump;         // series.hpp last_value_jump_note of the series trained ("" for none)
  // With data.season chosen from the file's first series with a step (resolve_panel_recipe), the first series
  // trained whose own frequency has another seasonal period: its windows, look-back and combination
  // still take that season. Empty when every series shares it, or the season was given.
  struct OtherSeason {
    std::string id;
    Frequency frequency;
  };
  std::optional<OtherSeason> other_season;
  // A column named like times that was not read (no data.time_column: it is not guessed with a
  // series column), "" for none: rows of a series are then consecutive periods in file order.
  std::string time_column_unread;
  // A shard of N (selection.shard) that holds none of the file's series, or only series training
  // skips (then named in `skipped`): nothing trained, no error (a split of few series into many
  // shards leaves some empty; one run over the file skips those series too).
  bool empty_shard = false;
};

// Many-series training resolves the keys left "chosen from the data" (recipe.hpp) by one rule for
// every series, from the whole file before any selection, so each --shard gets the same config:
//   season 0       -> the seasonal period (monthly 12, ..., else 1) of the first series by id whose
//                     times show its step (two rows or more)
//   look_back 0    -> max(2m, horizon, 6); series too short for it are skipped (or refused, strict)
//   normalise auto -> season (windows.hpp) when m > 1 and the look-back holds a season, else last
//                     (README "Many-series benchmarks": on 29 real series, per-series MASE 1.371 against
//                     minmax's 2.119); minmax when asked
//   epochs 0       -> 100, with early stopping (patience 10) on each series' validation tail
//   ensemble 0     -> 1 (ensembles and refit are refused)
//   combine auto   -> on when epochs is chosen from the data and data.val_fraction > 0, as for one
//                     series: each series' forecast combination is chosen on its own validation
//                     windows (no short-series fallbacks: a series too short for a window is skipped)
Config resolve_panel_recipe(const Config& config, const SeriesSet& source);

// The series of `set` long enough for one window under `data` (split_rows); the others are added
// to `skipped` with the reason (InputError instead under data.strict), as training does, after
// the series `set.empty` holds (a column without values: load_series with skip_empty; under
// data.strict the first of them is the error). Given the selected series, it holds them alone to
// data.strict.
SeriesSet drop_short_series(SeriesSet set, const DataConfig& data, std::vector<SkippedSeries>& skipped);
// What many-series training asks of each series' values, by the split of its rows `split`: the
// checks fit.hpp check_changes_in_training, check_spread and check_in_training_range make (a
// series one value in every row is trained: its forecast is that value), and that its times
// continue for config.data.horizon steps (check_forecastable_times). InputError naming `source`
// when one fails; per series, training skips such a series (left_out), a global model refuses the run.
void check_panel_series(const Series& series, const Split& split, const Config& config, const std::string& source);
// The series of `set` (long enough for a window: drop_short_series) that check_panel_series
// refuses, each with why, as per-series training skips them (inspect lists them).
std::vector<SkippedSeries> refused_series(const SeriesSet& set, const Config& config);
// InputError naming set.source when drop_short_series left no series in `set`: "no series
// selected", or every one skipped (the first of `skipped` and its reason; with `recipe_look_back`,
// the look-back the recipe chose, > 0 when none was given, how to give a shorter one). Nothing when
// some are left.
void refuse_no_series(const SeriesSet& set, const std::vector<SkippedSeries>& skipped, int recipe_look_back = 0);

// What many-series training of `set` with `config` (resolved) will take: global mode as one model
// over every series' rows (memory.hpp estimate_training_memory); per series, the series training
// side by side (one per thread, each one model's need) plus every trained model's weights, kept
// until the checkpoint is written. fit_panel refuses a job above the memory available
// (check_memory: MemoryError, exit 5) before training.
MemoryEstimate estimate_panel_memory(const Config& config, const SeriesSet& set);
// Data-parallel processes (options.parallel) that did not read the same series and settings: each
// throws it at the same point (a collective check), so the caller can say it once and end every
// process alike.
class ProcessesDisagree : public InputError {
 public:
  using InputError::InputError;
};

// Loads config.data (long format; the values of the series options.selection leaves out are not
// read: series.hpp SeriesFilter), resolves the recipe (above), selects, skips series too short for
// one window (InputError naming the series under data.strict), trains in config.training.mode.
// InputError when no series is left to train, but for a shard of a split that holds none of the
// file's series, or only series training skips (too short, a column without values):
// PanelFitOutcome::empty_shard, no error, as one run over the whole file skips them too.
PanelFitOutcome fit_panel(const Config& config, const PanelFitOptions& options = {});
// The same from series already loaded (tests, benchmarks).
PanelFitOutcome fit_panel(const Config& config, SeriesSet source, const PanelFitOptions& options = {});

// ---- forecasting and evaluation -------------------------------------------------------------------

// History for the checkpoint's series from a long-format CSV with its columns; only series in
// `selection` are kept, and the values of no other are read (series.hpp SeriesFilter: a missing
// value or bad cell there fails nothing). Series that training on this file would have skipped (a column without
// values, or too short for one window), when the checkpoint does not hold them, go to
// SeriesSet::empty with their reason (not under data.strict): the training file reads as history.
// A checkpoint series without values there is refused with its reason by forecast_panel and
// backtest_panel.
SeriesSet read_panel_history(const PanelCheckpoint& checkpoint, const std::string& path, const SeriesSelection& selection);
// The series whose history is read: `asked` (--series, --shard) as given, else a shard
// checkpoint's own shard, the series it can forecast (its training file, read whole, holds the
// other shards' too).
SeriesSelection history_selection(const PanelCheckpoint& checkpoint, SeriesSelection asked);
// The history's series that the checkpoint does not hold and training would have skipped or left
// out (read_panel_history's SeriesSet::empty), each with why: none is left out without a word.
std::vector<SkippedSeries> untrained_series(const PanelCheckpoint& checkpoint, const SeriesSet& history);
// The series of the checkpoint's left_out that `selection` picks, with the reasons it records: what
// a forecast from the data tails leaves out, said as untrained_series says it.
std::vector<SkippedSeries> left_out_series(const PanelCheckpoint& checkpoint, const SeriesSelection& selection);

struct PanelForecast {
  std::string series_column;           // header of the first column
  std::string time_column;             // the header's time column ("step" without one)
  std::vector<std::string> targets;    // the header's target columns (also when no series is selected)
  std::vector<int> levels;             // interval levels (percent): COL_loA, COL_hiA after each target
  std::vector<std::pair<std::string, Forecast>> series;  // by id
};
// Forecasts every series of the checkpoint (already selected when loaded) from its data tail, or
// from `history` when given (every checkpoint series must be in it). Series run in parallel on
// `threads` threads (0 = all cores), one thread each. Messages about a data tail name `model_path`.
// With `levels`, each series' forecast gets its prediction intervals (forecast.hpp add_intervals,
// from that series' quantiles); InputError naming a series that has none.
PanelForecast forecast_panel(const PanelCheckpoint& checkpoint, const SeriesSet* history, int horizon, int threads = 0,
                             const std::string& model_path = "", const std::vector<int>& levels = {});
// Long format: series column, time column (or "step"), targets; one row per series and step.
std::string to_csv(const PanelForecast& forecast);
// The notes one series' predict and evaluate say of a history (forecast.hpp history_notes: a
// feature the series' model does not read whose value differs, and, `from_end`, a far value among
// the rows a forecast reads), each gathered over the series (series.hpp series_notes_summary).
// `history` null: the series' data tails. A series the history lacks is passed over.
std::vector<std::string> panel_history_notes(const PanelCheckpoint& checkpoint, const SeriesSet* history, bool from_end);
// The series of the checkpoint, among those `history` holds, whose rows training ended on it does
// not hold (forecast.hpp holds_data_tail): another file, or one changed since.
std::vector<std::string> series_without_data_tail(const PanelCheckpoint& checkpoint, const SeriesSet& history);
// Train's notes of the same kinds: a feature one value in every training row of a series
// (forecast.hpp constant_columns_note: a target too), a far value among a series' data tail.
std::vector<std::string> panel_fit_notes(const PanelCheckpoint& checkpoint);

struct PanelBacktest {
  std::vector<std::pair<std::string, Backtest>> series;  // by id
  std::vector<SkippedSeries> skipped;  // history too short for a backtest (the CLI adds the history's
                                       // series that training skipped: read_panel_history)
};
// backtest() for each series of the checkpoint on its history, in parallel (one thread per series).
PanelBacktest backtest_panel(const PanelCheckpoint& checkpoint, const SeriesSet& history, const BacktestOptions& options);
// Per series and target: origins, MAE, RMSE, sMAPE, MASE of lstm, naive and seasonal naive; then the
// aggregate: geometric-mean MASE of each method over the series, and how many series the model
// beats seasonal naive on (lower MASE).
nlohmann::json to_json(const PanelBacktest& backtest);
std::string format_table(const PanelBacktest& backtest);
// The series' notes for a reader of format_table (said on stderr): the first five series' notes,
// each prefixed "series 'ID': ", then how many more series have some.
std::vector<std::string> table_notes(const PanelBacktest& backtest);

}  // namespace lstmf
