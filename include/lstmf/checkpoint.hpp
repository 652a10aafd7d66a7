// Checkpoints: one JSON file holding everything needed to forecast and to resume training
// (format documented in docs/checkpoint.md). Weights are named and shaped as PyTorch's state_dict,
// so PyTorch users can read and write them (tools/torch_interop.py).
// Matrices are row-major (tensor.hpp); a series' values are [rows, columns], one row per time
// step, targets first.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lstmf/config.hpp"
#include "lstmf/io.hpp"
#include "lstmf/model.hpp"
#include "lstmf/scaler.hpp"
#include "lstmf/seasonal.hpp"
#include "lstmf/theta.hpp"
#include "lstmf/series.hpp"
#include "lstmf/time_index.hpp"

namespace lstmf {

inline constexpr const char* kCheckpointFormat = "lstm-forecast-checkpoint";
// Version 2 adds ensemble members, interval quantiles and the normalisation keys of the config
// (docs/checkpoint.md, "Version 2"); version 1 files are still read.
inline constexpr int kCheckpointVersion = 2;
// Many-series checkpoints (panel.hpp) count their own versions, in the same "version" key: version
// 2 added the `series` section; version 3 each series' `combination` and `intervals`, which a
// version 2 reader would have ignored (forecasting the model alone). Version 2 files are still read.
inline constexpr int kPanelCheckpointVersion = 3;

// What the columns of the training data were, so predict can read new history by name.
struct ColumnsInfo {
  std::string time_column;             // "" = none
  std::vector<std::string> targets;
  std::vector<std::string> features;
  TimeFormat time_format;
  Frequency frequency;
  int month_day = 0;                   // month steps: day kept (31 = month ends), see TimeIndex
  int seasonal_period = 1;

  // A time index with these columns' format, frequency and month day and no ticks: it formats,
  // advances and counts steps between the checkpoint's times.
  TimeIndex time_index() const {
    TimeIndex index;
    index.format = time_format;
    index.frequency = frequency;
    index.month_day = month_day;
    return index;
  }
};

// One epoch of training, as the history keeps it (wall-clock times stay out: checkpoints are
// byte-identical for the same data, config and seed).
struct EpochRecord {
  int epoch = 0;
  double train_loss = 0;
  double val_loss = 0;                 // NaN when there is no validation part (written as null)
  double lr = 0;
};

// The last look_back rows of the training data, in original units, so predict can forecast
// straight from the checkpoint.
struct DataTail {
  std::vector<std::int64_t> ticks;     // empty without a time column
  MatrixD values;                      // [look_back, columns], targets first then features
};

// Prediction intervals from calibration residuals (actual - forecast, original units) of the
// validation windows, per step and target: quantiles of |residual| at levels 50 .. 99 percent
// (split conformal over the w windows: rank ceil((w + 1) level) of w; levels above 80% widened;
// fit.hpp). A forecast +- the quantile at level a is the a-percent interval.
struct IntervalQuantiles {
  static constexpr int kFirstLevel = 50;
  static constexpr int kLastLevel = 99;
  MatrixD abs_residual;                // [H * T, 50]: row h * T + k, column level - 50; empty = none
  long windows = 0;                    // calibration windows the quantiles come from

  bool empty() const { return abs_residual.size() == 0; }
};

// Forecast combination (config.training.combine): per target k, the forecast at step h from origin o
// (inputs end before row o) is
//   w[0] * model + w[1] * x[o - m + (h mod m)] + w[2] * x[o - 1] + w[3] * theta_h
// (the model's, the seasonal naive, the naive and the Theta forecast, theta.hpp, from the window's
// rows, seasonally adjusted and restored as the model's are), weights >= 0 summing to 1. The first
// three are chosen from the validation windows' errors of the first run (fit.hpp
// choose_combination); w[3] is config.training.theta_weight's share taken from them where the
// model takes part, no season is left in the values and Theta validated within 3 times the
// model's MAE (0 otherwise). A short series forecast without the model (recipe.hpp
// short_series_fallback) takes fixed weights instead: seasonal naive alone, or naive and Theta
// half each (naive alone without a Theta fit or with theta_weight 0).
struct Combination {
  static constexpr int kComponents = 4;              // model, seasonal naive, naive, theta
  std::vector<std::array<double, kComponents>> weights;        // [T]; empty = the model alone
  std::vector<std::array<double, kComponents>> validation_mae; // [T], original units; NaN = not a candidate
  std::vector<Theta> theta;                          // [T] when any w[3] > 0 (or measured), else empty

  bool empty() const { return weights.empty(); }
};

struct Checkpoint {
  Config config;                       // fully resolved
  ColumnsInfo columns;
  MinMaxScaler scaler;
  Model<float> model;
  nlohmann::json optimizer_state;      // as the optimizer writes it (for --resume); null if none
  std::vector<EpochRecord> history;
  int best_epoch = 0;
  DataTail data_tail;
  // Version 2. Members 2 .. N of an ensemble (config.model.ensemble = N), shaped as `model`;
  // forecasts are the median over `model` and these.
  std::vector<Model<float>> more_members;
  IntervalQuantiles intervals;
  Combination combination;             // config.training.combine
  // config.data.seasonal_adjust multiplicative or additive: the seasonal indices divided out of
  // the targets before scaling (seasonal.hpp); empty for none.
  SeasonalAdjustment seasonal;
  // The horizon train was asked for when the recipe trained a shorter direct one
  // (config.data.horizon: recipe.hpp, a short series); predict and evaluate forecast it by default,
  // the model rolled forward. 0: config.data.horizon is the one asked for.
  int forecast_horizon = 0;
  // A refitted model (config.training.refit): the rows of its training file's test tail
  // (data.test_fraction), which the refit left out; the refit trained on every row up to this many
  // steps before the data tail's last time (backtest.hpp says which rows a backtest scores in-sample).
  long test_rows = 0;
  // A model not refitted, as train writes it (absent in older files and in those made from a
  // PyTorch state_dict): the rows of its training file after the last one it trained on, its
  // validation and test tails (data.val_fraction, data.test_fraction). It trained on every row up to
  // this many steps before the data tail's last time (backtest.hpp, as test_rows for a refit).
  std::optional<long> held_out_rows = std::nullopt;

  // An aggregate still (C++17: the defaulted members are not user-provided), moved as before. No
  // default constructor: Model has none (a "= default" one was deleted, which clang warns of).
  Checkpoint(const Checkpoint&) = default;
  Checkpoint(Checkpoint&&) = default;
  Checkpoint& operator=(const Checkpoint&) = default;
  Checkpoint& operator=(Checkpoint&&) = default;
  // Tears optimizer_state down without allocating (io.hpp release_without_allocating): nlohmann's
  // destructor allocates, and a resumed run that ran out of memory terminated (exit 134).
  ~Checkpoint();
};

// The steps predict and evaluate forecast when no --horizon is given: the horizon train was asked for.
int default_horizon(const Checkpoint& checkpoint);

// The checkpoint as JSON text (checkpoint_layout); floats written with enough digits to round-trip
// exactly.
std::string checkpoint_text(const Checkpoint& checkpoint);
// The same text through `append`, about 1 MiB at a time (write_layout): for a StagedFile (io.hpp)
// or write_atomically_streamed. A checkpoint of --hidden 2048 (1.1 GB of text) took 4.4 GB to
// write as one string, its optimizer state copied into the tree; 1.74 GB so (2.5 GB to stdout,
// which holds the text until it is committed).
void write_checkpoint(const Checkpoint& checkpoint, const AppendText& append);
// The text of a checkpoint's JSON value at nesting `depth` (0: the root; below 0 is 0), as every
// checkpoint writer lays it out: dump(1)'s layout (keys sorted, one space of indent per level,
// members and items one per line), except that an array holding numbers alone is written on one
// line without spaces ([0.1,-2,3.5]): a row of a weight matrix, a bias, a data row. A third
// smaller than dump(1), which gives each number a line of its own.
std::string checkpoint_layout(const nlohmann::json& value, int depth = 0);
// checkpoint_layout(value) and a line break, through `append` a piece of about 1 MiB at a time
// (never the whole text in memory); with a `replacement`, the top-level member `key` of `value`
// (an object, holding that key) is laid out from it instead: a large part kept elsewhere (the
// optimizer state), not copied into `value`.
void write_layout(const nlohmann::json& value, const AppendText& append, const std::string& key = "",
                  const nlohmann::json* replacement = nullptr);
// Written atomically (temporary file in the same folder, then rename).
void save_checkpoint(const std::string& path, const Checkpoint& checkpoint);
// Reads and checks everything; InputError naming the file and the key that is wrong, e.g.
// "model.json: state_dict.lstm.weight_hh_l1: expected [256][64], got [256][63]". A checkpoint of a
// newer format version is refused with a message saying so.
// `with_optimizer_state` false: the optimizer state (most of the file: the moment buffers and the
// last and best weights, which only `train --resume` needs) is skipped unparsed and left null, so
// predict and evaluate start fast.
Checkpoint load_checkpoint(const std::string& path, bool with_optimizer_state = true);
Checkpoint checkpoint_from_json(const nlohmann::json& json, const std::string& source);

}  // namespace lstmf

// ---- Pieces of the format, for many-series checkpoints (panel.hpp) ---------------------------------
namespace lstmf {

// The `columns` object as checkpoint_text writes it, and back (checked against `config`).
nlohmann::json columns_to_json(const ColumnsInfo& columns);
ColumnsInfo columns_from_json(const nlohmann::json& json, const Config& config);
// `columns.frequency` ({"unit", "count", "name", "month_day"}), and back (month_day optional).
nlohmann::json frequency_to_json(const Frequency& frequency, int month_day);
void frequency_from_json(const nlohmann::json& json, const std::string& where, Frequency& frequency, int& month_day);
// Throws (naming `where`, the frequency's key) unless `frequency` can step times written as
// `format`: none only without a time column; periods for integers; seconds and months for calendar
// times; business days for dates and datetimes; whole quarters for quarters.
void check_frequency_fits(const Frequency& frequency, const TimeFormat& format, const std::string& where);
// The `data_tail` object, with times formatted by `columns`, and back ([look_back][columns] checked).
nlohmann::json data_tail_to_json(const DataTail& tail, const ColumnsInfo& columns);
DataTail data_tail_from_json(const nlohmann::json& json, const ColumnsInfo& columns, long look_back);
// The last `look_back` rows of `series` (values and, with a time column, ticks) as a checkpoint keeps them.
DataTail data_tail_of(const Series& series, int look_back);
// The columns a checkpoint of `config` trained on `set` records: names from the config, the time
// format and frequency of the first series, the seasonal period of recipe.hpp's seasonal_period
// (data.season when set, else the frequency's).
ColumnsInfo columns_info(const Config& config, const SeriesSet& set);
// The `intervals` object (levels, windows, abs_residual_quantiles [steps][50]), and back: `where`
// names it in messages; `steps` = horizon x targets rows.
nlohmann::json intervals_to_json(const IntervalQuantiles& intervals);
IntervalQuantiles intervals_from_json(const nlohmann::json& json, long steps, const std::string& where);
// The `combination` object (components, weights, validation MAEs, Theta states), and back: `where`
// names it in messages ("combination", "series[3] ('a').combination"); `targets` rows, checked
// against `config` (seasonal naive only where config.data.season fits the look-back).
nlohmann::json combination_to_json(const Combination& combination);
Combination combination_from_json(const nlohmann::json& json, const Config& config, size_t targets, const std::string& where);
// These throw InputError without a file name (the key path says where); callers add the file.

}  // namespace lstmf
