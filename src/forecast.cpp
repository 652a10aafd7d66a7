#include "lstmf/forecast.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <set>
#include <string_view>
#include <unordered_set>

#include "lstmf/csv.hpp"
#include "lstmf/error.hpp"
#include "lstmf/parallel.hpp"
#include "lstmf/series.hpp"
#include "lstmf/trainer.hpp"

namespace lstmf {
namespace {

// Windows per inference batch: the gate pre-activations of a batch, look_back * batch rows of
// 4 * hidden floats, are kept near 512 KiB so they stay in cache (measured with bench_infer: on
// the seed-stacked shape 1,024 windows per batch ran at 36k windows/s, 128 at 300k+, the page
// faults and zeroing of the larger buffers dominating; on medium 1,024 ran at 1.2k, 16-32 at 5k).
// Where the inputs are wider than that, their two copies per window (the batch's x and each
// origin's recent rows, look_back rows of `inputs` floats) size it instead: sized by the hidden
// state alone, 4,000 feature columns took 1.9 GB (a review). Other batches round otherwise: since
// 2026-12-06 the forecasts of a model whose inputs outnumber twice its widest layer differ in the
// last digits from earlier builds', as do the validation errors and interval widths train stores.
// (Every other model's batches are as they were.)
long windows_per_batch(const Checkpoint& checkpoint) {
  const auto& hidden = checkpoint.config.model.hidden;
  const long widest = hidden.empty() ? 1 : *std::max_element(hidden.begin(), hidden.end());
  const auto inputs = static_cast<long>(checkpoint.columns.targets.size() + checkpoint.columns.features.size());
  const long floats_per_step = std::max(4 * widest, 2 * inputs);
  const long bytes_per_window = std::max(1L, static_cast<long>(checkpoint.config.data.look_back) * floats_per_step * 4);
  return std::clamp(512L * 1024 / bytes_per_window, 16L, 1024L);
}

// The time `step` steps after `last`, as `index` writes it; InputError naming `source` when it
// cannot be written (ending with `advice`, when given, when it would not read back).
std::string time_after(const TimeIndex& index, std::int64_t last, long step, const std::string& source,
                       const std::string& advice = "") {
  std::string text;
  try {
    text = index.format_tick(index.advance(last, step));
  } catch (const InputError& e) {
    throw InputError(source, 0, 0, "cannot continue the time column: " + e.message());
  }
  // A time the reader would refuse or read otherwise (a five-digit year) must not be written: the
  // forecast is input to other runs.
  std::int64_t tick = 0;
  TimeFormat format;
  if (!parse_time_as(text, index.format.kind, tick, format))
    throw InputError(source, 0, 0, "cannot continue the time column: step " + std::to_string(step) + " would be '" + text +
                                       "', which does not read back as a time of this column (a year past 9999, or "
                                       "beyond the range of periods)" + (advice.empty() ? "" : "; " + advice));
  return text;
}

// The time of step `step` (1-based) after row `row` of the history (row < rows: inside it).
std::string step_time(const Checkpoint& checkpoint, const History& history, long row, long step) {
  if (checkpoint.columns.time_column.empty() || history.ticks.empty()) return std::to_string(row + step + 1);
  const long target = row + step;
  const long rows = static_cast<long>(history.ticks.size());
  const TimeIndex index = checkpoint.columns.time_index();
  if (target < rows) return index.format_tick(history.ticks[static_cast<size_t>(target)]);
  return time_after(index, history.ticks.back(), target - rows + 1, history.source);
}

// "10 rows", and which rows of the file were not read, if any: "10 rows (40 trailing rows (after
// the last value of 'z') not read)".
std::string rows_read(const History& history) {
  const std::string dropped = dropped_rows_note(history.dropped);
  return count_of(history.values.rows(), "row") + (dropped.empty() ? "" : " (" + dropped + ")");
}

// False when the combination gives the model no weight for any target (seasonal naive or naive
// alone): what it makes of a history is not used.
bool model_takes_part(const Checkpoint& checkpoint) {
  const auto& weights = checkpoint.combination.weights;
  return weights.empty() || std::any_of(weights.begin(), weights.end(), [](const auto& w) { return w[0] > 0.0; });
}

// theta_at with the history already adjusted by checkpoint.seasonal (row 0 at `phase`).
MatrixD theta_of_adjusted(const Checkpoint& checkpoint, const std::vector<Theta>& thetas, const MatrixD& adjusted,
                          long phase, const std::vector<long>& origins, int horizon) {
  const long targets = static_cast<long>(checkpoint.columns.targets.size());
  const long look_back = checkpoint.config.data.look_back;
  const SeasonalAdjustment& seasonal = checkpoint.seasonal;
  MatrixD out(static_cast<long>(origins.size()), static_cast<long>(horizon) * targets);
  for (size_t o = 0; o < origins.size(); ++o) {
    const long origin = origins[o];
    for (long k = 0; k < targets; ++k) {
      const Theta& theta = thetas[static_cast<size_t>(k)];
      const double level = theta.level(adjusted, k, origin - look_back, origin);
      for (long h = 0; h < horizon; ++h)  // step h + 1 is history row origin + h
        out(static_cast<long>(o), h * targets + k) = seasonal.restore(theta.forecast(level, h + 1), k, phase + origin + h);
    }
  }
  return out;
}

// Applies checkpoint.combination (checkpoint.hpp) to the model's predictions `predicted`
// [origins, steps * targets] (original units), in place: the baselines read `history`, Theta
// `adjusted` (history adjusted by checkpoint.seasonal, as predict_at gave it to the model).
void combine_forecasts(const Checkpoint& checkpoint, const MatrixD& history, const MatrixD& adjusted, long phase,
                       const std::vector<long>& origins, MatrixD& predicted) {
  const long targets = static_cast<long>(checkpoint.columns.targets.size());
  const long m = std::max(1, checkpoint.config.data.season);
  const Combination& combination = checkpoint.combination;
  bool any_theta = false;
  for (const auto& w : combination.weights) any_theta = any_theta || w[3] > 0;
  const MatrixD theta = any_theta ? theta_of_adjusted(checkpoint, combination.theta, adjusted, phase, origins,
                                                      static_cast<int>(predicted.cols() / targets))
                                  : MatrixD();
  for (size_t o = 0; o < origins.size(); ++o) {
    const long origin = origins[o];
    for (long c = 0; c < predicted.cols(); ++c) {
      const long h = c / targets, k = c % targets;
      const auto& w = combination.weights[static_cast<size_t>(k)];
      const long season_row = origin - m + h % m;
      const double naive = history(origin - 1, k);
      const double seasonal = season_row >= 0 ? history(season_row, k) : naive;
      double& value = predicted(static_cast<long>(o), c);
      // A model with weight 0 (the recipe's seasonal naive fallback) cannot spoil the sum.
      value = (w[0] > 0 ? w[0] * value : 0.0) + w[1] * seasonal + w[2] * naive +
              (w[3] > 0 ? w[3] * theta(static_cast<long>(o), c) : 0.0);
    }
  }
}

}  // namespace

void check_finite(const MatrixD& values) {
  if (!values.allFinite())
    throw DivergedError("the model produced a non-finite forecast (NaN or Inf); nothing was written (its weights, "
                        "scaler, seasonal factors or Theta state, or the history's values, are out of range)");
}

void check_time_continues(const TimeIndex& index, std::int64_t last, long steps, const std::string& source,
                          const std::string& advice) {
  const auto writable = [&](long step) {
    try {
      time_after(index, last, step, source);
      return true;
    } catch (const InputError&) {
      return false;
    }
  };
  if (steps < 1 || writable(steps)) return;
  long good = 0, bad = steps;  // step `good` is written (0: none asked), step `bad` is not (the times only grow)
  while (bad - good > 1) (writable((good + bad) / 2) ? good : bad) = (good + bad) / 2;
  // Fewer steps help only when one can be written: then how many.
  std::string help = good > 0 ? "forecast at most " + count_of(good, "step") : "";
  if (!advice.empty()) help += (help.empty() ? "" : "; or ") + advice;
  time_after(index, last, bad, source, help);  // throws its message
}

MatrixD theta_at(const Checkpoint& checkpoint, const std::vector<Theta>& thetas, const MatrixD& history, long phase,
                 const std::vector<long>& origins, int horizon) {
  return theta_of_adjusted(checkpoint, thetas, checkpoint.seasonal.adjust(history, phase), phase, origins, horizon);
}

History tail_history(const Checkpoint& checkpoint) {
  return History{checkpoint.data_tail.values, checkpoint.data_tail.ticks, "checkpoint data_tail",
                 checkpoint.seasonal.tail_phase()};
}

void place_on_model_grid(const TimeIndex& model, const std::vector<std::int64_t>& tail, std::vector<std::int64_t>& ticks,
                         const TimeFormat& written, const std::string& source, long first_line, long time_field) {
  if (tail.empty() || ticks.empty() || model.format.kind == TimeKind::none) return;
  const std::vector<std::int64_t> as_written = ticks;
  TimeIndex history;  // the history's own form, for messages
  history.format = written;
  if (const std::optional<std::size_t> off = place_on_grid(model, tail.front(), ticks)) {
    throw InputError(source, *off == 0 ? first_line : 0, *off == 0 ? time_field : 0,
                     "time '" + history.format_tick(as_written[*off]) + "' cannot be written as the training data's times are ('" +
                         model.format_tick(tail.back()) + "'), in which the forecast's times are written: write the "
                         "history's times as training's were");
  }
  for (std::size_t i = 1; i < ticks.size(); ++i)
    if (ticks[i] <= ticks[i - 1])
      throw InputError(source, 0, 0,
                       "times '" + history.format_tick(as_written[i - 1]) + "' and '" + history.format_tick(as_written[i]) +
                           "' fall in the same " + model.frequency.name() + " period of the model's");
  // A model of steps under a day (hourly, every 15 minutes) keeps its clock: a history at :30 for
  // a model trained at :00 had forecast times at :30 (a hunt), where a seasonally adjusted one
  // refused them. (Days and weeks keep the history's own anchor: a weekly series on Sundays.)
  const Frequency& f = model.frequency;
  if (f.unit == Frequency::Unit::seconds && f.count > 0 && f.count < 86400 &&
      (ticks.front() - tail.front()) % f.count != 0)
    throw InputError(source, first_line, 0,
                     "time '" + history.format_tick(as_written.front()) + "' is not a whole number of " + f.name() +
                         " steps from the training data's '" + model.format_tick(tail.front()) +
                         "': the forecast would be written off the model's clock; give the history's times on it");
}

std::string far_in_window_note(const Checkpoint& checkpoint, const History& history) {
  const long rows = history.values.rows();
  const long look_back = checkpoint.config.data.look_back;
  if (rows < look_back || look_back < 1 || !model_takes_part(checkpoint)) return "";
  const long first = rows - look_back;
  const MatrixD seen = checkpoint.seasonal.adjust(history.values.bottomRows(look_back), history.phase + first);
  const MinMaxScaler& scaler = checkpoint.scaler;
  const long targets = std::min<long>(static_cast<long>(checkpoint.columns.targets.size()), seen.cols());
  for (long c = 0; c < targets; ++c) {
    const double lo = scaler.data_min()[static_cast<std::size_t>(c)], hi = scaler.data_max()[static_cast<std::size_t>(c)];
    if (!(hi > lo)) continue;
    long far = -1;
    double farthest = 0;
    for (long i = 0; i < look_back; ++i) {
      const double distance = ranges_outside(seen(i, c), lo, hi);
      if (distance > kFarFromTraining && distance > farthest) far = i, farthest = distance;
    }
    if (far < 0) continue;
    const long row = first + far;
    const std::string where = !history.ticks.empty() ? "at " + row_name(checkpoint.columns.time_index(), history.ticks, row)
                              : row == rows - 1     ? std::string("in the last row")
                                                    : count_of(rows - 1 - row, "row") + " before the last";
    return in_quotes(checkpoint.columns.targets[static_cast<std::size_t>(c)]) + " is " +
           format_number(history.values(row, c)) + " " + where + ", one of the last " + std::to_string(look_back) +
           " rows the forecast reads, " + format_number(std::round(farthest)) + " training ranges (" + format_number(lo) +
           " to " + format_number(hi) + (checkpoint.seasonal.empty() ? "" : ", seasonally adjusted") +
           ") outside the training rows (a typo?): the forecast is made from it";
  }
  return "";
}

bool holds_data_tail(const Checkpoint& checkpoint, const History& history) {
  const MatrixD& tail = checkpoint.data_tail.values;  // [L, columns]
  const long targets = static_cast<long>(checkpoint.columns.targets.size());
  if (tail.rows() == 0) return true;
  if (history.values.rows() < tail.rows() || history.values.cols() < targets) return false;
  const auto filled = [&](long row, long k) {
    return !history.target_filled.empty() && history.target_filled[static_cast<size_t>(k)][static_cast<size_t>(row)];
  };
  // Tail row i as history row `row`: equal where the history has the value.
  const auto same = [&](long i, long row) {
    for (long k = 0; k < targets; ++k)
      if (!filled(row, k) && history.values(row, k) != tail(i, k)) return false;
    return true;
  };
  if (!checkpoint.data_tail.ticks.empty() && !history.ticks.empty()) {
    for (long i = 0; i < tail.rows(); ++i) {
      const std::int64_t tick = checkpoint.data_tail.ticks[static_cast<size_t>(i)];
      const auto at = std::lower_bound(history.ticks.begin(), history.ticks.end(), tick);
      if (at == history.ticks.end() || *at != tick || !same(i, static_cast<long>(at - history.ticks.begin()))) return false;
    }
    return true;
  }
  const long rows = history.values.rows();
  // Knuth-Morris-Pratt over rows, on the values as they are, linear in rows + L: the plain search
  // took O(rows x L) on long runs of equal values (4 s for 100,000 rows of zeros and a look-back of
  // 20,000, a review measured). border[i]: the length of the longest proper prefix of tail rows
  // 0..i that is also their suffix.
  const auto tail_rows_equal = [&](long a, long b) {
    for (long k = 0; k < targets; ++k)
      if (tail(a, k) != tail(b, k)) return false;
    return true;
  };
  const auto equal = [&](long i, long row) {
    for (long k = 0; k < targets; ++k)
      if (history.values(row, k) != tail(i, k)) return false;
    return true;
  };
  std::vector<long> border(static_cast<size_t>(tail.rows()), 0);
  for (long i = 1, length = 0; i < tail.rows(); ++i) {
    while (length > 0 && !tail_rows_equal(i, length)) length = border[static_cast<size_t>(length - 1)];
    if (tail_rows_equal(i, length)) ++length;
    border[static_cast<size_t>(i)] = length;
  }
  for (long row = 0, matched = 0; row < rows; ++row) {
    while (matched > 0 && !equal(matched, row)) matched = border[static_cast<size_t>(matched - 1)];
    if (equal(matched, row)) ++matched;
    if (matched == tail.rows()) return true;
  }
  // A value the history filled matches any: where the values alone hold no run of the tail, the
  // plain search, which passes over them (quadratic at worst, as before, only for such a history).
  const bool any_filled = std::any_of(history.target_filled.begin(), history.target_filled.end(), [](const auto& column) {
    return std::find(column.begin(), column.end(), true) != column.end();
  });
  if (!any_filled) return false;
  for (long start = 0; start + tail.rows() <= rows; ++start) {
    long i = 0;
    while (i < tail.rows() && same(i, start + i)) ++i;
    if (i == tail.rows()) return true;
  }
  return false;
}

std::vector<std::string> history_notes(const Checkpoint& checkpoint, const History& history, bool from_end) {
  std::vector<std::string> notes;
  const std::string dropped = dropped_rows_note(history.dropped);
  if (!dropped.empty())
    notes.push_back(dropped + (from_end && history.dropped.trailing > 0 ? " (the forecast starts after the last value)" : ""));
  if (std::string unread = unread_feature_note(checkpoint, history); !unread.empty()) notes.push_back(std::move(unread));
  if (!from_end) return notes;
  const std::string when = history.ticks.empty() ? "" : checkpoint.columns.time_index().format_tick(history.ticks.back());
  if (std::string jump = last_value_jump_note(history.values, history.values.rows(), checkpoint.columns.targets, when);
      !jump.empty())
    notes.push_back(std::move(jump));
  if (std::string far = far_in_window_note(checkpoint, history); !far.empty()) notes.push_back(std::move(far));
  return notes;
}

std::string constant_columns_note(const Checkpoint& checkpoint) {
  return constant_columns_note(checkpoint.scaler, checkpoint.columns.targets, checkpoint.columns.features,
                               !checkpoint.seasonal.empty());
}

std::string constant_columns_note(const MinMaxScaler& scaler, const std::vector<std::string>& target_names,
                                  const std::vector<std::string>& features, bool adjusted) {
  std::string note;
  const std::size_t targets = target_names.size();
  // Above 2^53 a double no longer holds every integer: values that differ beyond their 16th
  // significant digit (25-digit counters) read as one.
  const auto beyond_digits = [](double v) { return std::abs(v) >= 9007199254740992.0; };
  for (std::size_t t = 0; t < targets && t < static_cast<std::size_t>(scaler.data_min().size()); ++t)
    if (scaler.data_min()[t] == scaler.data_max()[t] && adjusted)  // the scaler saw the adjusted targets
      note += (note.empty() ? "" : "; ") + std::string("target ") + in_quotes(target_names[t]) + " is " +
              format_number(scaler.data_min()[t]) +
              " in every training row once seasonally adjusted (one season repeated exactly): its forecast repeats that season";
    else if (scaler.data_min()[t] == scaler.data_max()[t])
      note += (note.empty() ? "" : "; ") + std::string("target ") + in_quotes(target_names[t]) + " is " +
              format_number(scaler.data_min()[t]) + " in every training row: its forecast is that value (" +
              (beyond_digits(scaler.data_min()[t])
                   ? "if the file's values differ only past their 16th significant digit, they read as one number: "
                     "subtract a common offset from them"
                   : "a series without sales? or the wrong column") +
              ")";
  for (std::size_t f = 0; f < features.size() && targets + f < static_cast<std::size_t>(scaler.data_min().size()); ++f)
    if (scaler.data_min()[targets + f] == scaler.data_max()[targets + f])
      note += (note.empty() ? "" : "; ") + std::string("feature ") + in_quotes(features[f]) + " is " +
              format_number(scaler.data_min()[targets + f]) +
              " in every training row: the model cannot read it (any value scales to that one); drop it from "
              "--features, or train on rows in which it changes";
  return note;
}

std::string unread_feature_note(const Checkpoint& checkpoint, const History& history) {
  const MinMaxScaler& scaler = checkpoint.scaler;
  const std::size_t targets = checkpoint.columns.targets.size();
  for (std::size_t f = 0; f < checkpoint.columns.features.size(); ++f) {
    const std::size_t c = targets + f;
    if (c >= scaler.data_min().size() || static_cast<long>(c) >= history.values.cols() ||
        scaler.data_min()[c] != scaler.data_max()[c])
      continue;
    for (long r = 0; r < history.values.rows(); ++r)
      if (history.values(r, static_cast<long>(c)) != scaler.data_min()[c])
        return "feature " + in_quotes(checkpoint.columns.features[f]) + " was " + format_number(scaler.data_min()[c]) +
               " in every training row, so the model does not read it: the history's " +
               format_number(history.values(r, static_cast<long>(c))) + " at " +
               row_name(checkpoint.columns.time_index(), history.ticks, r) + " changes nothing in the forecast";
  }
  return "";
}

DataConfig history_data(const DataConfig& trained, const std::string& path) {
  DataConfig data = trained;
  data.path = path;
  data.delimiter = "auto";
  return data;
}

History read_history(const Checkpoint& checkpoint, const std::string& path) {
  const DataConfig data = history_data(checkpoint.config.data, path);
  SeriesSet set = load_series(data, [&](const std::string&) { return checkpoint.columns.frequency; });
  if (set.series.size() != 1) throw InputError(set.source, 0, 0, "expected one series, found " + std::to_string(set.series.size()));
  Series& series = set.series.front();
  const Frequency& trained = checkpoint.columns.frequency;
  const Frequency& found = series.time.frequency;
  // (A weekend time in a business-day model's history was refused at its line by load_series.)
  if (!continues_frequency(trained, series.time))
    throw InputError(set.source, 0, 0,
                     "the time column is " + found.name() + " but the model was trained on " + trained.name() + " data");
  // Clock times with a UTC offset are read as written: another offset than training's would shift
  // the season and mislabel the forecast.
  const std::string offset = offset_mismatch(series.time.format, checkpoint.columns.time_format);
  if (!series.time.ticks.empty() && !offset.empty()) throw InputError(set.source, series.first_line, series.time_field, offset);
  const std::vector<std::int64_t>& tail = checkpoint.data_tail.ticks;
  place_on_model_grid(checkpoint.columns.time_index(), tail, series.time.ticks, series.time.format, set.source,
                      series.first_line, series.time_field);
  long phase = 0;
  if (!checkpoint.seasonal.empty() && !tail.empty() && !series.time.ticks.empty()) {
    // The tail's row 0 has a known phase; history row 0 lies a whole number of periods from it
    // (months counted as months, whatever day the file writes).
    TimeIndex index = checkpoint.columns.time_index();
    const std::optional<std::int64_t> steps = index.periods_between(tail.front(), series.time.ticks.front());
    if (!steps)
      throw InputError(set.source, series.first_line, 0,
                       "the first time, '" + series.time.format_tick(series.time.ticks.front()) +
                           "', is not a whole number of " + trained.name() + " steps from the training data's '" +
                           index.format_tick(tail.front()) + "': the model's seasonal indices need to know where in the season "
                           "each row falls");
    phase = phase_mod(static_cast<long>(*steps % checkpoint.seasonal.period()) + checkpoint.seasonal.tail_phase(),
                      checkpoint.seasonal.period());
  }  // (without times, the first row read falls where training's first row read did)
  History history{std::move(series.values), std::move(series.time.ticks), set.source, phase};
  history.dropped = series.dropped;
  history.target_filled = std::move(series.target_filled);
  return history;
}

namespace {

// model_at with the history already adjusted by checkpoint.seasonal (`adjusted`, row 0 at
// `phase`: the history itself without seasonal indices).
MatrixD model_of_adjusted(const Checkpoint& checkpoint, const MatrixD& adjusted, long phase, const std::vector<long>& origins,
                          int horizon, int threads);

// combined_at with the history adjusted as model_of_adjusted's.
MatrixD combined_of_adjusted(const Checkpoint& checkpoint, const MatrixD& history, const MatrixD& adjusted, long phase,
                             const std::vector<long>& origins, MatrixD model) {
  if (!checkpoint.combination.empty()) combine_forecasts(checkpoint, history, adjusted, phase, origins, model);
  check_finite(model);
  return model;
}

// The history adjusted by checkpoint.seasonal (row 0 at `phase`); empty without seasonal indices,
// where the history itself is the adjusted one (not a copy).
MatrixD seasonally_adjusted(const Checkpoint& checkpoint, const MatrixD& history, long phase) {
  return checkpoint.seasonal.empty() ? MatrixD() : checkpoint.seasonal.adjust(history, phase);
}

}  // namespace

// The history is adjusted once for both parts (combined_at(model_at(...)) adjusts it in each).
MatrixD predict_at(const Checkpoint& checkpoint, const MatrixD& history, long phase, const std::vector<long>& origins,
                   int horizon, int threads) {
  const MatrixD adjusted_rows = seasonally_adjusted(checkpoint, history, phase);
  const MatrixD& adjusted = checkpoint.seasonal.empty() ? history : adjusted_rows;
  return combined_of_adjusted(checkpoint, history, adjusted, phase, origins,
                              model_of_adjusted(checkpoint, adjusted, phase, origins, horizon, threads));
}

MatrixD combined_at(const Checkpoint& checkpoint, const MatrixD& history, long phase, const std::vector<long>& origins,
                    MatrixD model) {
  if (checkpoint.combination.empty()) return combined_of_adjusted(checkpoint, history, history, phase, origins, std::move(model));
  const MatrixD adjusted_rows = seasonally_adjusted(checkpoint, history, phase);
  return combined_of_adjusted(checkpoint, history, checkpoint.seasonal.empty() ? history : adjusted_rows, phase, origins,
                              std::move(model));
}

MatrixD model_at(const Checkpoint& checkpoint, const MatrixD& history, long phase, const std::vector<long>& origins,
                 int horizon, int threads) {
  const MatrixD adjusted_rows = seasonally_adjusted(checkpoint, history, phase);
  return model_of_adjusted(checkpoint, checkpoint.seasonal.empty() ? history : adjusted_rows, phase, origins, horizon, threads);
}

namespace {

MatrixD model_of_adjusted(const Checkpoint& checkpoint, const MatrixD& adjusted, long phase, const std::vector<long>& origins,
                          int horizon, int threads) {
  const int look_back = checkpoint.config.data.look_back;
  const int trained = checkpoint.config.data.horizon;
  const long targets = static_cast<long>(checkpoint.columns.targets.size());
  const long inputs = checkpoint.scaler.columns();
  if (horizon < 1) throw InputError("--horizon must be >= 1, got " + std::to_string(horizon));
  if (horizon > trained && inputs != targets)
    throw InputError("a horizon of " + std::to_string(horizon) + " steps is longer than the trained horizon (" +
                     std::to_string(trained) + ") and the model has feature columns whose future is unknown, so it "
                     "cannot be rolled forward: forecast " + count_of(trained, "step") + " or fewer, or retrain with "
                     "--horizon " + std::to_string(horizon) + " (the data must be long enough for it) or without --features");
  for (const long origin : origins)
    if (origin < look_back || origin > adjusted.rows())
      throw Error("predict_at: origin " + std::to_string(origin) + " outside the history");
  threads = use_threads(threads);
  const WindowNormalisation normalisation = WindowNormalisation::of(checkpoint.config.data);
  std::vector<const Model<float>*> members = {&checkpoint.model};
  for (const auto& member : checkpoint.more_members) members.push_back(&member);

  const SeasonalAdjustment& seasonal = checkpoint.seasonal;
  const MatrixF scaled = checkpoint.scaler.transform(adjusted).cast<float>();     // [rows, inputs]
  const long count = static_cast<long>(origins.size());
  const long batch_windows = windows_per_batch(checkpoint);
  MatrixF out(count, static_cast<long>(horizon) * targets);                      // scaled predictions
  // The origins go in batches of batch_windows, fixed by the checkpoint alone; each batch is one
  // task rolled through the whole horizon on one thread, so every forecast is computed the same
  // way whatever the thread count (a batch split across threads would change the GEMMs' shapes,
  // and with them the rounding: the calibration stored in a checkpoint would depend on the cores).
  const long batches = (count + batch_windows - 1) / batch_windows;
  parallel_for(static_cast<int>(batches), threads, [&](int task) {
    const long first = task * batch_windows;
    const long batch = std::min(batch_windows, count - first);
    Inference<float> inference;
    MatrixF x(look_back * batch, inputs);                                        // [look_back * batch, inputs], time-major
    std::vector<MatrixF> outputs(members.size());                                // [batch, trained * targets] each
    std::vector<float> column(members.size());
    // Each origin's recent rows: the last look_back rows of history then of its own predictions.
    std::vector<MatrixF> recent(static_cast<size_t>(batch));
    for (long b = 0; b < batch; ++b) recent[static_cast<size_t>(b)] = scaled.middleRows(origins[static_cast<size_t>(first + b)] - look_back, look_back);
    for (int done = 0; done < horizon; done += trained) {
      const int steps = std::min(trained, horizon - done);
      for (long b = 0; b < batch; ++b) {
        const MatrixF& rows = recent[static_cast<size_t>(b)];
        for (long t = 0; t < look_back; ++t) x.row(t * batch + b) = rows.row(t);
        if (normalisation.shifts())  // windows.hpp: targets relative to the window's last value
          for (long k = 0; k < targets; ++k)
            for (long t = 0; t < look_back; ++t) x(t * batch + b, k) -= rows(look_back - 1, k);
      }
      for (size_t i = 0; i < members.size(); ++i) outputs[i] = inference.run(*members[i], x, batch, 1);
      for (long b = 0; b < batch; ++b)
        for (long c = 0; c < steps * targets; ++c) {
          // The median over the ensemble's members (the mean of the middle two for an even count).
          for (size_t i = 0; i < members.size(); ++i) column[i] = outputs[i](b, c);
          std::sort(column.begin(), column.end());
          const size_t mid = column.size() / 2;
          float value = column.size() % 2 == 1 ? column[mid] : 0.5f * (column[mid - 1] + column[mid]);
          if (normalisation.shifts())
            value += recent[static_cast<size_t>(b)](normalisation.reference_row(look_back, static_cast<int>(c / targets)), c % targets);
          out(first + b, done * targets + c) = value;
        }
      if (done + steps >= horizon) break;
      // Roll forward: the inputs are the targets alone here, so a predicted step is a whole input row.
      for (long b = 0; b < batch; ++b) {
        MatrixF& rows = recent[static_cast<size_t>(b)];
        MatrixF next(look_back, inputs);
        const long keep = std::max(0L, static_cast<long>(look_back) - steps);
        if (keep > 0) next.topRows(keep) = rows.bottomRows(keep);
        for (long s = 0; s < look_back - keep; ++s)
          next.row(keep + s) = out.block(first + b, (done + steps - (look_back - keep) + s) * targets, 1, targets);
        rows = std::move(next);
      }
    }
  });
  MatrixD result(count, out.cols());
  for (long o = 0; o < count; ++o)
    for (long c = 0; c < out.cols(); ++c) {
      const long k = c % targets;
      // Step h + 1 from origin o is history row origins[o] + h.
      result(o, c) = seasonal.restore(checkpoint.scaler.inverse(out(o, c), k), k, phase + origins[static_cast<size_t>(o)] + c / targets);
    }
  return result;
}

}  // namespace

void check_history_in_range(const Checkpoint& checkpoint, const History& history, long first_row) {
  // A model the combination gives no weight (seasonal naive or naive alone) forecasts nothing that
  // is used: whatever it makes of a value (combine_forecasts keeps it out of the sum), the
  // history is fine for the baselines (a hunt: an exactly periodic series, adjusted to a range of
  // 1e-14, refused a history that differed by 1 from it).
  if (!model_takes_part(checkpoint)) return;
  const MinMaxScaler& scaler = checkpoint.scaler;
  // The scaler saw the targets seasonally adjusted (an exactly periodic series: a range of 1e-14
  // around its level), so the rows checked are compared adjusted too (as they are without indices).
  const bool adjusted = !checkpoint.seasonal.empty();
  const long first = std::min(std::max(0L, first_row), static_cast<long>(history.values.rows()));
  const MatrixD seen = checkpoint.seasonal.adjust(history.values.bottomRows(history.values.rows() - first),
                                                  history.phase + first);  // row i is history row first + i
  const long columns = std::min(seen.cols(), scaler.columns());
  const long targets = static_cast<long>(checkpoint.columns.targets.size());
  for (long i = 0; i < seen.rows(); ++i)
    for (long c = 0; c < columns; ++c) {
      const auto k = static_cast<size_t>(c);
      const double lo = scaler.data_min()[k], hi = scaler.data_max()[k];
      // A target that was one value in every training row is forecast as that value whatever the
      // history says (its scaler maps every value to it): a history that says otherwise is refused.
      // Adjusted, an exactly periodic series is that constant to rounding (its adjusted rows differ
      // from it by 1e-14 of its level): only a change beyond rounding counts.
      const double rounding = adjusted ? 1e-9 * std::max(1.0, std::abs(lo)) : 0.0;
      if (c < targets && hi == lo && std::abs(seen(i, c) - lo) > rounding)
        throw InputError(history.source, 0, 0,
                         "column '" + printable(checkpoint.columns.targets[k]) + "' is " +
                             format_number(history.values(first + i, c)) + " at " +
                             row_name(checkpoint.columns.time_index(), history.ticks, first + i) +
                             (adjusted ? ", but every training row was " + format_number(lo) +
                                             " once seasonally adjusted (one season repeated exactly): the model forecasts that "
                                             "season whatever the history says; "
                                       : ", but was " + format_number(lo) +
                                             " in every training row: the model forecasts that value whatever the history says; ") +
                             "retrain on data in which it changes");
      if (!far_from_range(seen(i, c), lo, hi)) continue;
      const std::string& name =
          k < checkpoint.columns.targets.size() ? checkpoint.columns.targets[k] : checkpoint.columns.features[k - checkpoint.columns.targets.size()];
      throw InputError(history.source, 0, 0,
                       far_from_range_message(name, seen(i, c), row_name(checkpoint.columns.time_index(), history.ticks, first + i),
                                              lo, hi,
                                              adjusted && c < targets ? "the seasonally adjusted training range (the value adjusted too)"
                                                                      : "the training range"));
    }
}

Forecast forecast(const Checkpoint& checkpoint, const History& history, int horizon, int threads) {
  const int look_back = checkpoint.config.data.look_back;
  const long rows = history.values.rows();
  if (rows < look_back)
    throw InputError(history.source, 0, 0, "history has " + rows_read(history) + "; the model needs the last " +
                                               std::to_string(look_back) + " (its look-back)");
  const long targets = static_cast<long>(checkpoint.columns.targets.size());
  // The last step's time first: a horizon past year 9999 is refused before a long rollout, not after.
  if (!checkpoint.columns.time_column.empty() && !history.ticks.empty())
    check_time_continues(checkpoint.columns.time_index(), history.ticks.back(), horizon, history.source);
  check_history_in_range(checkpoint, history, rows - look_back);  // the rows the forecast reads
  const MatrixD predicted = predict_at(checkpoint, history.values, history.phase, {rows}, horizon, threads);
  Forecast result;
  result.time_column = checkpoint.columns.time_column.empty() ? "step" : checkpoint.columns.time_column;
  result.targets = checkpoint.columns.targets;
  result.values.resize(horizon, targets);
  for (int h = 0; h < horizon; ++h) {
    result.times.push_back(checkpoint.columns.time_column.empty() ? std::to_string(h + 1)
                                                                 : step_time(checkpoint, history, rows - 1, h + 1));
    for (long k = 0; k < targets; ++k) result.values(h, k) = predicted(0, h * targets + k);
  }
  return result;
}

void add_intervals(Forecast& forecast, const Checkpoint& checkpoint, const std::vector<int>& levels) {
  if (levels.empty()) return;
  // Trained without validation rows (every epoch's validation loss is null): nothing to calibrate on.
  const bool unvalidated = !checkpoint.history.empty() && std::all_of(checkpoint.history.begin(), checkpoint.history.end(),
                                                                      [](const EpochRecord& e) { return std::isnan(e.val_loss); });
  if (checkpoint.intervals.empty() && unvalidated)
    throw InputError(std::string("the checkpoint has no interval quantiles: it was trained without validation rows, which "
                                 "intervals are calibrated on (") +
                     (checkpoint.config.data.val_fraction == 0
                          ? "data.val_fraction 0); retrain with a validation fraction above 0 to get intervals"
                          : "its data too short to hold some out); retrain on more rows to get intervals"));
  if (checkpoint.intervals.empty())
    throw InputError("the checkpoint has no interval quantiles (it is a --checkpoint-every snapshot, taken before "
                     "training calibrated them, or was written by an older lstm-forecast, by torch_interop.py, or "
                     "trained without validation rows); finish or retrain the run to get intervals");
  for (const int level : levels)
    if (level < IntervalQuantiles::kFirstLevel || level > IntervalQuantiles::kLastLevel)
      throw InputError("--intervals: levels must be whole percentages in [50, 99], got " + std::to_string(level));
  const long steps = forecast.values.rows();
  const long targets = forecast.values.cols();
  const long count = static_cast<long>(levels.size());
  const int trained = checkpoint.config.data.horizon;
  forecast.levels = levels;
  forecast.lower.resize(steps, targets * count);
  forecast.upper.resize(steps, targets * count);
  for (long h = 0; h < steps; ++h)
    for (long k = 0; k < targets; ++k)
      for (long l = 0; l < count; ++l) {
        const long step = std::min<long>(h, trained - 1);
        const double widen = h < trained ? 1.0 : std::sqrt(static_cast<double>(h + 1) / trained);
        const double q = checkpoint.intervals.abs_residual(step * targets + k, levels[static_cast<size_t>(l)] -
                                                                                   IntervalQuantiles::kFirstLevel) * widen;
        forecast.lower(h, k * count + l) = forecast.values(h, k) - q;
        forecast.upper(h, k * count + l) = forecast.values(h, k) + q;
      }
  if (!forecast.lower.allFinite() || !forecast.upper.allFinite())
    throw InputError("the prediction intervals overflow a double (the checkpoint's interval quantiles or the "
                     "forecast are too large); nothing was written");
}

Fitted fitted(const Checkpoint& checkpoint, const History& history, int threads) {
  const int look_back = checkpoint.config.data.look_back;
  const int horizon = checkpoint.config.data.horizon;
  const long rows = history.values.rows();
  if (rows <= look_back)
    throw InputError(history.source, 0, 0, "history has " + rows_read(history) + "; fitted values need more than " +
                                               std::to_string(look_back) + " (the look-back)");
  check_history_in_range(checkpoint, history);
  std::vector<long> origins;
  for (long o = look_back; o < rows; ++o) origins.push_back(o);
  MatrixD predicted = predict_at(checkpoint, history.values, history.phase, origins, horizon, threads);
  Fitted result;
  result.time_column = checkpoint.columns.time_column.empty() ? "row" : checkpoint.columns.time_column;
  result.targets = checkpoint.columns.targets;
  result.horizon = horizon;
  result.origins = std::move(origins);
  result.predicted = std::move(predicted);
  if (!checkpoint.columns.time_column.empty()) {
    result.index = checkpoint.columns.time_index();
    result.ticks = history.ticks;
  }
  result.history_rows = rows;
  return result;
}

bool far_from_range(double value, double lo, double hi) {
  return hi > lo && !(std::abs(value - lo) / (hi - lo) <= kMaxScaledMagnitude);
}

double ranges_outside(double value, double lo, double hi) { return std::max(lo - value, value - hi) / (hi - lo); }

std::string far_from_range_message(const std::string& column, double value, const std::string& where, double lo,
                                   double hi, const std::string& range_name) {
  return "column '" + printable(column) + "' is " + format_number(value) + " at " + where + ", more than 1e12 times " +
         range_name + " (" + format_number(lo) + " to " + format_number(hi) +
         ") away from it: beyond what the model computes with (a typo, or other units?)";
}

// A header naming one column twice reads wrong in every CSV reader (a dict keeps the last one):
// refused, naming it.
// By a set: a pairwise search took 14 s for 1,000 targets with 50 interval levels (a review).
void check_unique_header(const std::vector<std::string>& names) {
  std::unordered_set<std::string_view> seen;
  seen.reserve(names.size());
  for (const std::string& name : names)
    if (!seen.insert(name).second)
      throw InputError("the output would have two columns named " + in_quotes(name) +
                         ": a column of the training data is named like one the output adds (the time column's "
                         "'step' without one, COL_loNN / COL_hiNN with --intervals); rename it in the data and retrain");
}

std::string csv_header(const std::vector<std::string>& names) {
  check_unique_header(names);
  return csv_record(names) + "\n";
}

std::vector<std::string> value_columns(const std::vector<std::string>& targets, const std::vector<int>& levels) {
  std::vector<std::string> columns;
  for (const auto& t : targets) {
    columns.push_back(t);
    for (const int level : levels) {
      columns.push_back(t + "_lo" + std::to_string(level));
      columns.push_back(t + "_hi" + std::to_string(level));
    }
  }
  return columns;
}

std::optional<std::pair<std::string, std::string>> bound_columns_of(const std::string& lower) {
  const std::size_t at = lower.rfind("_lo");
  if (at == std::string::npos || at + 3 >= lower.size() || lower.find_first_not_of("0123456789.", at + 3) != std::string::npos)
    return std::nullopt;
  return std::pair<std::string, std::string>{lower.substr(0, at), lower.substr(0, at) + "_hi" + lower.substr(at + 3)};
}

void check_target_names(const std::vector<std::string>& targets) {
  // Targets T, T_lo80 and T_hi80 write the header of T's forecast with an 80% interval: merge read
  // the two as T's bounds and refused rows outside them (a review).
  const std::set<std::string> names(targets.begin(), targets.end());
  for (const std::string& name : targets)
    if (const auto bound = bound_columns_of(name); bound && names.count(bound->first) > 0 && names.count(bound->second) > 0)
      throw InputError("data.targets " + in_quotes(name) + " and " + in_quotes(bound->second) + " are named as the interval "
                       "bounds of target " + in_quotes(bound->first) + " (forecasts name them COL_loNN and COL_hiNN, and "
                       "merge reads them so): rename them in the data");
}

std::string to_csv(const Forecast& forecast) {
  std::vector<std::string> header{forecast.time_column};
  const std::vector<std::string> values = value_columns(forecast.targets, forecast.levels);
  header.insert(header.end(), values.begin(), values.end());
  return csv_header(header) + csv_rows(forecast, "");
}

std::string csv_rows(const Forecast& forecast, const std::string& prefix) {
  const long count = static_cast<long>(forecast.levels.size());
  std::string out;
  for (long r = 0; r < forecast.values.rows(); ++r) {
    out += prefix + csv_field(forecast.times[static_cast<size_t>(r)]);
    for (long k = 0; k < forecast.values.cols(); ++k) {
      out += "," + format_number(forecast.values(r, k));
      for (long l = 0; l < count; ++l)
        out += "," + format_number(forecast.lower(r, k * count + l)) + "," + format_number(forecast.upper(r, k * count + l));
    }
    out += "\n";
  }
  return out;
}

void to_csv(const Fitted& fitted, const std::function<void(const std::string& piece)>& append) {
  std::vector<std::string> header{fitted.time_column, "step"};
  header.insert(header.end(), fitted.targets.begin(), fitted.targets.end());
  std::string out = csv_header(header);
  const long targets = static_cast<long>(fitted.targets.size());
  // Steps whose time lies in the history: the last H - 1 origins' later steps are forecasts, with
  // no value to compare (predict without --fitted gives the last origin's).
  for (size_t o = 0; o < fitted.origins.size(); ++o) {
    for (long h = 0; h < fitted.horizon && fitted.origins[o] + h < fitted.history_rows; ++h) {
      const long row = fitted.origins[o] + h;  // the history row step h + 1 predicts
      out += csv_field(fitted.ticks.empty() ? std::to_string(row + 1) : fitted.index.format_tick(fitted.ticks[static_cast<size_t>(row)]));
      out += "," + std::to_string(h + 1);
      for (long k = 0; k < targets; ++k) out += "," + format_number(fitted.predicted(static_cast<long>(o), h * targets + k));
      out += "\n";
    }
    if (out.size() >= (1 << 20)) {
      append(out);
      out.clear();
    }
  }
  append(out);
}

}  // namespace lstmf
