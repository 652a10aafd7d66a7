// Forecasting with a trained checkpoint: from history in original units to future values in
// original units, with timestamps continued at the data's frequency.
//   direct:    horizon <= the trained horizon H: one pass of the model, the first `horizon` steps
//   recursive: horizon > H and the inputs are the targets alone: the model is rolled forward on its
//              own outputs, H steps at a time; refused when there are feature columns (their
//              future is unknown)
// Matrices are row-major (tensor.hpp); a series' values are [rows, columns], one row per time
// step, targets first.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "lstmf/checkpoint.hpp"
#include "lstmf/tensor.hpp"

namespace lstmf {

// Rows of history in the checkpoint's column order (targets, then features), original units.
struct History {
  MatrixD values;                     // [rows, columns]
  std::vector<std::int64_t> ticks;    // [rows], empty without a time column
  std::string source;                 // for messages
  // Season position of row 0 for a seasonally adjusted checkpoint (seasonal.hpp; 0 otherwise):
  // from the times when there are any, else row 0 is taken to be the training data's first row
  // (or a whole number of seasons after it).
  long phase = 0;
  // Rows of the file before every column's first value and after any one's last, not read (series.hpp).
  DroppedRows dropped{};
  // [targets][rows] true where that target's value was missing in the file and filled by
  // data.missing (Series::target_filled); empty when none was.
  std::vector<std::vector<bool>> target_filled{};
};

// InputError when an output header would name a column twice (a target called "step", or
// "y_lo80" beside y with --intervals 80): CSV readers keep one of them.
void check_unique_header(const std::vector<std::string>& names);
// The header line of an output CSV: `names` checked (check_unique_header), quoted where needed.
std::string csv_header(const std::vector<std::string>& names);
// Its records and fields: csv.hpp csv_record, csv_field.

// The checkpoint's own data tail.
History tail_history(const Checkpoint& checkpoint);
// InputError naming history.source and the row (its time, or its number) when a value of rows
// [first_row, rows) scales beyond kMaxScaledMagnitude (scaler.hpp) with the checkpoint's scaler
// (targets seasonally adjusted first where the checkpoint adjusts, as the scaler saw them), or when
// a target that was one value in every training row (a series without sales) has another there.
// Nothing is checked when the combination gives the model no weight (seasonal naive or naive
// alone): what it makes of the rows is not used.
void check_history_in_range(const Checkpoint& checkpoint, const History& history, long first_row = 0);
// A history's times (`ticks`, written as `written`) placed on the grid of the model's (`model`,
// whose training data ended in the times `tail`; time_index.hpp place_on_grid): forecasts
// continue, and fitted rows are written, on the model's own grid. InputError naming `source` and
// the time for one the model's form cannot write (and `first_line` and `time_field`, the file line
// of the history's first row and the time column's field, when that row is the one). Nothing
// happens without times on either side.
void place_on_model_grid(const TimeIndex& model, const std::vector<std::int64_t>& tail, std::vector<std::int64_t>& ticks,
                         const TimeFormat& written, const std::string& source, long first_line = 0, long time_field = 0);
// The columns that were one value in every row the checkpoint's scaler saw, for train's note; ""
// for none. A target so ("target 'y' is 0 in every training row: ...") is forecast as that value
// (every method repeats it: a product without sales, or the wrong column); a feature so cannot be
// read by the model (its scaler maps any value to that one).
std::string constant_columns_note(const Checkpoint& checkpoint);
// The same of a scaler over the `targets` and then the `features` (inspect's, before training);
// `adjusted`: the scaler saw the targets seasonally adjusted, so one value there is one season
// repeated exactly ("target 'y' is 155 in every training row once seasonally adjusted ...").
std::string constant_columns_note(const MinMaxScaler& scaler, const std::vector<std::string>& targets,
                                  const std::vector<std::string>& features, bool adjusted = false);
// For predict's and evaluate's note: such a feature whose value in `history` is another, which the
// forecast cannot reflect ("feature 'x' was 1 in every training row, ...; the history has 4e15 at
// '2021-02-19'"); "" for none.
std::string unread_feature_note(const Checkpoint& checkpoint, const History& history);
// For a note: a target value among the last look-back rows of `history` (the rows a forecast from
// its end reads) lying more than kFarFromTraining (scaler.hpp) training ranges outside the rows the
// checkpoint's scaler saw (seasonally adjusted where the checkpoint adjusts): "'y' is 1e+06 at
// '2021-02-19', one of the last 12 rows the forecast reads, 236085 training ranges (97.5 to 101.7)
// outside the training rows (a typo?): the forecast is made from it". "" for none.
std::string far_in_window_note(const Checkpoint& checkpoint, const History& history);
// The notes predict and evaluate say of a history, in order: rows of the file not read
// (dropped_rows_note), a feature the model does not read (unread_feature_note), and, when
// `from_end` (a forecast from the history's end), a last value that jumps (last_value_jump_note)
// and a far value among the rows it reads (far_in_window_note).
std::vector<std::string> history_notes(const Checkpoint& checkpoint, const History& history, bool from_end);
// Whether `history` holds the rows training ended on: each target value of the checkpoint's data
// tail, at the tail's times (with a time column) or as a run of consecutive rows (without), where
// the history observed it (a value it filled is passed over). False for a file that is not the
// training data (another file of the same name, read from another folder) or whose rows there were
// changed; rows appended after them do not matter.
bool holds_data_tail(const Checkpoint& checkpoint, const History& history);
// Reads history from a CSV ("-" = stdin) with the checkpoint's columns, by name (extra columns
// ignored, missing ones an error); the missing-value policy of the checkpoint's config applies.
History read_history(const Checkpoint& checkpoint, const std::string& path);
// How a history at `path` is read for a model trained with `trained`: as training's file was, but
// for its delimiter, which was the training file's, not the model's: a history's is detected as
// written. read_history and many series' read_panel_history (panel.hpp) read so.
DataConfig history_data(const DataConfig& trained, const std::string& path);

struct Forecast {
  std::string time_column;            // header of the first column: the time column, or "step"
  std::vector<std::string> times;     // [steps] formatted timestamps, or 1..steps
  std::vector<std::string> targets;   // one column per target
  MatrixD values;                     // [steps, targets], original units, all finite
  // Prediction intervals (add_intervals): per level a, columns <target>_lo<a>, <target>_hi<a>.
  std::vector<int> levels;            // percent, e.g. {80, 95}
  MatrixD lower, upper;               // [steps, targets * levels]: column k * levels + l
};

// Adds intervals at `levels` (percent, 50..99) to a forecast: value +- the checkpoint's
// |residual| quantile of that step and level (checkpoint.hpp IntervalQuantiles); past the trained
// horizon H, step h uses step H's quantile times sqrt(h / H). InputError when the checkpoint has
// no interval quantiles (version 1, or trained without validation rows) or a level is outside 50..99.
void add_intervals(Forecast& forecast, const Checkpoint& checkpoint, const std::vector<int>& levels);

// Forecasts `horizon` steps after the end of `history` (at least look_back rows). Throws InputError
// when the history is too short or the horizon needs unknown features, and Error if the model
// gives a non-finite value (nothing non-finite is ever returned).
Forecast forecast(const Checkpoint& checkpoint, const History& history, int horizon, int threads = 0);

// Predictions for every window of `history` (one per origin with look_back rows before it), for
// residuals: rows are (the step's time, step h = 1..H, targets...) for the steps whose time lies in
// the history (the last H - 1 origins keep fewer than H). Held as the model's output per window,
// not as rows: a million-row history gives 24 million rows at H = 24 (to_csv writes them in pieces).
struct Fitted {
  std::string time_column;            // header of the first column: the time column, or "row"
  std::vector<std::string> targets;
  int horizon = 0;
  std::vector<long> origins;          // [windows] exclusive end of each window's input rows
  MatrixD predicted;                  // [windows, horizon * targets]: step h of target k at column h * targets + k
  TimeIndex index;                    // the model's, to write the times of the history rows
  std::vector<std::int64_t> ticks;    // [history rows] the history's times; empty without (rows numbered from 1)
  long history_rows = 0;
};
Fitted fitted(const Checkpoint& checkpoint, const History& history, int threads = 0);

// Model predictions in original units for windows ending at each `origin` (exclusive end of the
// input rows: inputs are rows [origin - look_back, origin)), `horizon` steps each (recursive past
// H, as forecast()). Returns [origins, horizon * targets], y(o, h*targets + k). `phase` is the
// season position of history row 0 (History::phase), used when the checkpoint adjusts for the
// season: the model sees history adjusted (seasonal.hpp) and its outputs are restored. With a
// combination (checkpoint.hpp Combination), each forecast is its weighted sum of the model's,
// seasonal naive's, naive's and Theta's (theta_at below).
MatrixD predict_at(const Checkpoint& checkpoint, const MatrixD& history,  // [rows, columns], original units
                   long phase, const std::vector<long>& origins, int horizon, int threads = 0);

// predict_at in two parts, for a caller that needs the model's forecasts alone and then combined
// (calibration chooses the combination on the first and calibrates on the second, from one LSTM
// pass): model_at is predict_at without checkpoint.combination and without the finiteness check;
// combined_at applies the combination to them and checks (predict_at(...) equals
// combined_at(checkpoint, history, phase, origins, model_at(...)) bit for bit).
MatrixD model_at(const Checkpoint& checkpoint, const MatrixD& history,  // [rows, columns], original units
                 long phase, const std::vector<long>& origins, int horizon, int threads = 0);
MatrixD combined_at(const Checkpoint& checkpoint, const MatrixD& history,  // [rows, columns], original units
                    long phase, const std::vector<long>& origins,
                    MatrixD model);  // [origins, horizon * targets], as model_at returns it

// Throws DivergedError when `values` holds a NaN or an Inf (nothing is written from them).
void check_finite(const MatrixD& values);

// The Theta forecasts (theta.hpp) of `thetas` [targets] from each origin, over the window of
// look_back rows before it, adjusted by checkpoint.seasonal (history row 0 at `phase`) and restored:
// [origins, horizon * targets], y(o, h*targets + k), original units.
MatrixD theta_at(const Checkpoint& checkpoint, const std::vector<Theta>& thetas,
                 const MatrixD& history,  // [rows, columns], original units
                 long phase, const std::vector<long>& origins, int horizon);

// The value columns of a forecast's header: each target, then its interval bounds per level
// ("y", "y_lo80", "y_hi80", ...).
std::vector<std::string> value_columns(const std::vector<std::string>& targets, const std::vector<int>& levels);
// A lower bound's name as value_columns writes it, "T_lo80", split at its last "_lo" into the value
// column's name "T" and the matching upper bound's "T_hi80" (the level digits and a point);
// nullopt for another name. merge finds bounds by it.
std::optional<std::pair<std::string, std::string>> bound_columns_of(const std::string& lower);
// InputError when targets are named as another target's interval bounds (T, T_loNN and T_hiNN):
// the header of T's forecast with intervals, which merge reads as bounds. What train asks before
// it records a config; checkpoints already written are not held to it.
void check_target_names(const std::vector<std::string>& targets);

// CSV text: header (the time column, then value_columns), then one row per step; numbers written
// so they round-trip exactly.
std::string to_csv(const Forecast& forecast);
// The rows of to_csv without its header, each begun by `prefix` (panel.hpp's series id and comma).
std::string csv_rows(const Forecast& forecast, const std::string& prefix);
// The CSV of `fitted`, through `append` in pieces of about a megabyte (the rows are never held at once).
void to_csv(const Fitted& fitted, const std::function<void(const std::string& piece)>& append);

// (format_number, the shortest text that reads back as the same double: error.hpp.)
// Whether `value` lies more than kMaxScaledMagnitude (scaler.hpp) ranges from [lo, hi] (never for
// an empty range): scaled, the model could not compute with it.
bool far_from_range(double value, double lo, double hi);
// How many ranges (hi - lo > 0) `value` lies outside [lo, hi]: (lo - value) / (hi - lo) below it,
// (value - hi) / (hi - lo) above it, <= 0 within it. Compared with kFarFromTraining (scaler.hpp).
double ranges_outside(double value, double lo, double hi);
// InputError naming `source` when the time column of `index` cannot write `steps` steps after the
// time `last` (a year past 9999, or beyond the range of periods), naming the first step it cannot,
// how many it can ("forecast at most 2 steps", when any) and ending with `advice` when given.
void check_time_continues(const TimeIndex& index, std::int64_t last, long steps, const std::string& source,
                          const std::string& advice = "");

// Why such a value is refused, naming `column`, the value, `where` (row_name) and the range as
// `range_name` calls it.
std::string far_from_range_message(const std::string& column, double value, const std::string& where, double lo,
                                   double hi, const std::string& range_name);

}  // namespace lstmf
