#include "lstmf/checkpoint.hpp"

#include <cmath>
#include <limits>
#include <utility>

#include "lstmf/error.hpp"
#include "lstmf/io.hpp"
#include "lstmf/recipe.hpp"
#include "checkpoint_json.hpp"

namespace lstmf {
namespace {

using json = nlohmann::json;

// The readers (checkpoint_json.hpp) throw with a key path; load_checkpoint adds the file name.
using namespace checkpoint_json;

const char* const kTimeKinds[] = {"none", "integer", "year", "year_month", "date", "datetime", "year_quarter"};
constexpr int kTimeKindCount = 7;
const char* const kFrequencyUnits[] = {"none", "periods", "seconds", "months", "business_days"};
constexpr int kFrequencyUnitCount = 5;

json time_format_json(const TimeFormat& f) {
  json out = {{"kind", kTimeKinds[static_cast<int>(f.kind)]}, {"t_separator", f.t_separator},
              {"seconds", f.seconds}, {"zulu", f.zulu}};
  if (f.kind == TimeKind::year_quarter) out["quarter_dash"] = f.quarter_dash;  // older files: no key
  if (f.quarter_space) out["quarter_space"] = true;                            // only when written
  if (f.offset) out["utc_offset_minutes"] = f.offset_minutes;                  // only when written
  if (f.offset && !f.offset_colon) out["utc_offset_colon"] = false;             // +0100: only when so written
  if (f.fraction_digits > 0) out["second_fraction_digits"] = f.fraction_digits;   // only when written
  return out;
}

TimeFormat time_format_from(const json& j, const std::string& where) {
  TimeFormat f;
  const std::string kind = read_string(j, "kind", where);
  bool found = false;
  for (int k = 0; k < kTimeKindCount; ++k)
    if (kind == kTimeKinds[k]) f.kind = static_cast<TimeKind>(k), found = true;
  if (!found)
    bad(where + ".kind must be one of none, integer, year, year_month, year_quarter, date, datetime, got '" +
        printable(kind) + "'");
  f.t_separator = read_bool(j, "t_separator", where);
  f.seconds = read_bool(j, "seconds", where);
  f.zulu = read_bool(j, "zulu", where);
  if (f.kind == TimeKind::year_quarter) f.quarter_dash = read_bool(j, "quarter_dash", where);
  if (j.contains("quarter_space")) {
    f.quarter_space = read_bool(j, "quarter_space", where);
    if (f.quarter_space && (f.kind != TimeKind::year_quarter || f.quarter_dash))
      bad(where + ".quarter_space is only for year_quarter times without quarter_dash");
  }
  if (j.contains("utc_offset_minutes")) {
    if (f.kind != TimeKind::datetime || f.zulu)
      bad(where + ".utc_offset_minutes is only for datetimes without a trailing Z");
    f.offset = true;
    f.offset_minutes = static_cast<int>(read_integer(j, "utc_offset_minutes", where, -14 * 60, 14 * 60));
  }
  if (j.contains("utc_offset_colon")) {
    if (!f.offset) bad(where + ".utc_offset_colon is only for datetimes with utc_offset_minutes");
    f.offset_colon = read_bool(j, "utc_offset_colon", where);
  }
  if (j.contains("second_fraction_digits")) {
    if (f.kind != TimeKind::datetime || !f.seconds) bad(where + ".second_fraction_digits is only for datetimes with seconds");
    f.fraction_digits = static_cast<int>(read_integer(j, "second_fraction_digits", where, 1, 9));
  }
  return f;
}

json frequency_json(const Frequency& f, int month_day) {
  return {{"unit", kFrequencyUnits[static_cast<int>(f.unit)]}, {"count", f.count}, {"name", f.name()},
          {"month_day", month_day}};
}

Frequency frequency_from(const json& j, const std::string& where) {
  Frequency f;
  const std::string unit = read_string(j, "unit", where);
  bool found = false;
  for (int u = 0; u < kFrequencyUnitCount; ++u)
    if (unit == kFrequencyUnits[u]) f.unit = static_cast<Frequency::Unit>(u), found = true;
  if (!found) bad(where + ".unit must be one of none, periods, seconds, months, business_days, got '" + printable(unit) + "'");
  f.count = read_integer(j, "count", where, f.unit == Frequency::Unit::none ? 0 : 1, std::numeric_limits<long>::max());
  return f;
}

ColumnsInfo columns_from(const json& j, const Config& config) {
  const std::string where = "columns";
  ColumnsInfo c;
  c.time_column = read_string(j, "time_column", where);
  c.targets = read_strings(j, "targets", where);
  c.features = read_strings(j, "features", where);
  if (c.targets != config.data.targets) bad("columns.targets disagree with config.data.targets");
  if (c.features != config.data.features) bad("columns.features disagree with config.data.features");
  c.time_format = time_format_from(member(j, "time_format", where), where + ".time_format");
  c.frequency = frequency_from(member(j, "frequency", where), where + ".frequency");
  const json& frequency = member(j, "frequency", where);
  if (frequency.contains("month_day"))
    c.month_day = static_cast<int>(read_integer(frequency, "month_day", where + ".frequency", 0, 31));
  c.seasonal_period = static_cast<int>(read_integer(j, "seasonal_period", where, 1, 1000000));
  if ((c.time_column.empty()) != (c.time_format.kind == TimeKind::none))
    bad("columns.time_column and columns.time_format.kind disagree");
  if (c.time_column != config.data.time_column) bad("columns.time_column disagrees with config.data.time_column");
  if (c.frequency.unit == Frequency::Unit::none && !c.time_column.empty())
    bad("columns.frequency.unit is 'none', but there is a time column ('" + printable(c.time_column) +
        "'): its frequency is needed to continue the times");
  check_frequency_fits(c.frequency, c.time_format, "columns.frequency");
  return c;
}

DataTail data_tail_from(const json& j, const ColumnsInfo& columns, long look_back) {
  const std::string where = "data_tail";
  DataTail tail;
  const long width = static_cast<long>(columns.targets.size() + columns.features.size());
  const json& values = member(j, "values", where);
  if (!values.is_array() || static_cast<long>(values.size()) != look_back)
    bad(where + ".values: expected [" + std::to_string(look_back) + "][" + std::to_string(width) + "] (look-back rows), got " +
        (values.is_array() ? count_of(static_cast<long>(values.size()), "row") : std::string(values.type_name())));
  tail.values.resize(look_back, width);
  for (long r = 0; r < look_back; ++r) {
    const json& row = values[static_cast<size_t>(r)];
    if (!row.is_array() || static_cast<long>(row.size()) != width)
      bad(where + ".values[" + std::to_string(r) + "]: expected " + count_of(width, "number"));
    for (long c = 0; c < width; ++c) {
      const json& v = row[static_cast<size_t>(c)];
      // As the CSV reader (series.cpp): the tail is history in original units.
      if (!v.is_number() || !(std::abs(v.get<double>()) <= kLargestValue))
        bad(where + ".values[" + std::to_string(r) + "][" + std::to_string(c) +
            "] must be a finite number within +-1e100, got " + shown(v));
      tail.values(r, c) = v.get<double>();
    }
  }
  if (columns.time_format.kind != TimeKind::none) {
    const auto times = read_strings(j, "time", where);
    const TimeIndex index = columns.time_index();
    if (static_cast<long>(times.size()) != look_back)
      bad(where + ".time: expected " + count_of(look_back, "timestamp") + ", got " + std::to_string(times.size()));
    for (size_t i = 0; i < times.size(); ++i) {
      std::int64_t tick = 0;
      TimeFormat format;
      if (!parse_time_as(times[i], columns.time_format.kind, tick, format))
        bad(where + ".time[" + std::to_string(i) + "]: expected a timestamp like the training data's, got '" + printable(times[i]) + "'");
      // Written as the training data was (time_format records its UTC offset): another would be
      // continued, and the forecast written, at the recorded one without a word.
      if (const std::string offset = offset_mismatch(format, columns.time_format); !offset.empty())
        bad(where + ".time[" + std::to_string(i) + "] ('" + printable(times[i]) + "'): " + offset);
      // Finer than the recorded form writes (seconds where it has none): the forecast's times would
      // be written rounded (a review of an edited file).
      std::int64_t written = 0;
      if (TimeFormat again; !parse_time_as(index.format_tick(tick), columns.time_format.kind, written, again) || written != tick)
        bad(where + ".time[" + std::to_string(i) + "] ('" + printable(times[i]) + "') is finer than the form the training "
            "data's times were written in (columns.time_format), which writes it '" + printable(index.format_tick(tick)) + "'");
      if (!tail.ticks.empty() && tick <= tail.ticks.back()) bad(where + ".time must be increasing");
      tail.ticks.push_back(tick);
    }
    if (columns.frequency.unit == Frequency::Unit::business_days && !weekday_ticks(tail.ticks))
      bad(where + ".time: business daily times must fall on Monday to Friday at one time of day");
    // The tail is regular (training filled or refused every gap), so the frequency that continues
    // the times must step from each one to the next: otherwise the forecast's times would be wrong
    // (a frequency edited to one second stamped every forecast row with the tail's last date).
    for (size_t i = 1; i < tail.ticks.size(); ++i)
      if (index.steps_between(tail.ticks[i - 1], tail.ticks[i]) != std::int64_t{1})
        bad(where + ".time[" + std::to_string(i) + "] ('" + printable(times[i]) + "') is not one step of " +
            columns.frequency.name() + " after time[" + std::to_string(i - 1) + "] ('" + printable(times[i - 1]) +
            "'): the frequency (columns.frequency) and the times disagree");
  }
  return tail;
}

// The forecasts a combination's weights apply to, in their order (checkpoint.hpp Combination).
json combination_components() { return {"model", "seasonal_naive", "naive", "theta"}; }
// Before Theta (README round 14): three components, read with a Theta weight of 0.
json combination_components_v3() { return {"model", "seasonal_naive", "naive"}; }

}  // namespace

int default_horizon(const Checkpoint& checkpoint) {
  // A model with features cannot be rolled forward (forecast.hpp): its own horizon, also for a
  // checkpoint written before fit() stopped recording forecast_horizon for one.
  if (checkpoint.scaler.columns() != static_cast<long>(checkpoint.columns.targets.size())) return checkpoint.config.data.horizon;
  return std::max(checkpoint.config.data.horizon, checkpoint.forecast_horizon);
}

std::string checkpoint_text(const Checkpoint& checkpoint) {
  std::string text;
  write_checkpoint(checkpoint, [&](const std::string& piece) { text += piece; });
  return text;
}

void write_checkpoint(const Checkpoint& checkpoint, const AppendText& append) {
  json out = json::object();
  out["format"] = kCheckpointFormat;
  out["version"] = kCheckpointVersion;
  out["tool_version"] = LSTMF_VERSION;
  // Refit and combine are true or false in a checkpoint: "auto" (a config no recipe resolved)
  // did neither, as the reader takes it.
  Config resolved = checkpoint.config;
  for (Toggle* toggle : {&resolved.training.refit, &resolved.training.combine})
    if (*toggle == Toggle::automatic) *toggle = Toggle::off;
  out["config"] = to_json(resolved);
  out["columns"] = columns_to_json(checkpoint.columns);
  out["scaler"] = checkpoint.scaler.to_json();
  out["state_dict"] = checkpoint.model.state_dict_json();
  out["optimizer_state"] = nullptr;  // its place: written from checkpoint.optimizer_state, not a copy
  out["history"] = history_to_json(checkpoint.history, checkpoint.best_epoch);
  out["data_tail"] = data_tail_to_json(checkpoint.data_tail, checkpoint.columns);
  // Version 2 keys (docs/checkpoint.md, "Version 2").
  json members = json::array();
  for (const auto& member : checkpoint.more_members) members.push_back(member.state_dict_json());
  out["ensemble"] = {{"members", checkpoint.more_members.size() + 1}, {"more_state_dicts", std::move(members)}};
  if (!checkpoint.intervals.empty()) out["intervals"] = intervals_to_json(checkpoint.intervals);
  if (!checkpoint.combination.empty()) out["combination"] = combination_to_json(checkpoint.combination);
  if (!checkpoint.seasonal.empty()) out["seasonal_adjustment"] = checkpoint.seasonal.to_json();
  if (checkpoint.forecast_horizon > checkpoint.config.data.horizon) out["forecast_horizon"] = checkpoint.forecast_horizon;
  if (checkpoint.test_rows > 0) out["test_rows"] = checkpoint.test_rows;
  if (checkpoint.held_out_rows) out["held_out_rows"] = *checkpoint.held_out_rows;
  // The optimizer state is for --resume alone (predict and evaluate never read it): not checked.
  refuse_non_finite(out, "");
  write_layout(out, append, "optimizer_state", &checkpoint.optimizer_state);
}

void save_checkpoint(const std::string& path, const Checkpoint& checkpoint) {
  write_atomically_streamed(path, [&](const AppendText& append) { write_checkpoint(checkpoint, append); });
}

Checkpoint checkpoint_from_json(const json& root, const std::string& source) {
  try {
    // A many-series file is named as such before its version (panel.hpp's own) is judged.
    if (root.is_object() && root.contains("format") && root.contains("series") && !root.contains("scaler"))  // panel.cpp writes those
      bad("a many-series checkpoint (trained with --series-column), where a single-series one is needed (train "
          "--resume continues single-series training only)");
    const long version =
        read_format_version(root, kCheckpointVersion, kPanelCheckpointVersion,
                            "a single-series checkpoint (no 'series' section) has version 1 or 2; version 3 is a "
                            "many-series one's");
    Config config;
    if (version == 1) {
      // Version 1 knew plain min-max scaling and one model; its configs have no such keys.
      config.data.normalise = Normalise::minmax;
      config.model.ensemble = 1;
    }
    // Checkpoints written before data.seasonal_adjust existed adjusted nothing; before
    // training.combine, nothing was combined; before training.theta_weight, Theta took no share;
    // version 1 did not refit.
    config.data.seasonal_adjust = SeasonalAdjust::none;
    config.training.refit = Toggle::off;
    config.training.combine = Toggle::off;
    config.training.theta_weight = 0;
    try {
      apply_json(config, member(root, "config", ""), "config");
    } catch (const InputError& e) {
      bad(e.message().empty() ? e.what() : "config: " + e.message());
    }
    const std::string missing = missing_config_key(config, version);
    if (!missing.empty()) bad(missing + " is missing: a checkpoint's config holds every key, as trained");
    if (!config.data.series_column.empty())
      bad("config.data.series_column is " + in_quotes(config.data.series_column) +
          ", but a checkpoint of many series holds a 'series' section and this one has none");
    // "auto" (a config not resolved by train: a hand-made file) did neither.
    if (config.training.refit == Toggle::automatic) config.training.refit = Toggle::off;
    if (config.training.combine == Toggle::automatic) config.training.combine = Toggle::off;
    ColumnsInfo columns = columns_from(member(root, "columns", ""), config);
    // Version 1 meant the time column's period; resolved here, so the file saved again (train
    // --resume, merge, torch_interop) is a valid version 2 file (found by fuzz_checkpoint).
    if (version == 1) config.data.season = columns.seasonal_period;
    // In every version: a version 1 file left at look_back 'auto' with an empty data tail was read
    // with a look-back of 0, and predict crashed on the empty window.
    const std::string unresolved = unresolved_keys(config);
    if (!unresolved.empty())
      bad("config: a checkpoint holds resolved settings, but " + unresolved + " is still 'auto' (chosen from the data, "
          "which train does before it writes): not a file train wrote, or edited since");
    // Written from the resolved season; evaluate takes it for the MASE's period.
    if (columns.seasonal_period != config.data.season)
      bad("columns.seasonal_period " + std::to_string(columns.seasonal_period) + " disagrees with config.data.season " +
          std::to_string(config.data.season));
    MinMaxScaler scaler = MinMaxScaler::from_json(member(root, "scaler", ""), "scaler");
    if (scaler.lo() != config.data.scale_min || scaler.hi() != config.data.scale_max)
      bad("scaler.feature_range disagrees with config.data.scale_min and scale_max");
    const long inputs = static_cast<long>(columns.targets.size() + columns.features.size());
    if (scaler.columns() != inputs)
      bad("scaler has " + count_of(scaler.columns(), "column") + ", the config names " + std::to_string(inputs));
    const long outputs = static_cast<long>(config.data.horizon) * static_cast<long>(columns.targets.size());
    check_state_dict_size(member(root, "state_dict", ""), config.model, inputs, outputs, "state_dict");
    Model<float> model(inputs, outputs, config.model);
    model.load_state_dict(member(root, "state_dict", ""), "state_dict");
    HistoryRead history = read_history(root);
    DataTail tail = data_tail_from(member(root, "data_tail", ""), columns, config.data.look_back);
    json optimizer_state = root.contains("optimizer_state") ? root["optimizer_state"] : json(nullptr);
    std::vector<Model<float>> more_members;
    IntervalQuantiles intervals;
    Combination combination;
    if (version >= 2) {
      const json& ensemble = member(root, "ensemble", "");
      const long members = read_integer(ensemble, "members", "ensemble", 1, 256);
      if (members != config.model.ensemble) bad("ensemble.members disagrees with config.model.ensemble");
      const json& more = member(ensemble, "more_state_dicts", "ensemble");
      if (!more.is_array())
        bad("ensemble.more_state_dicts must be an array, a state_dict for each member after the first (" +
            std::to_string(members - 1) + " here), got " + std::string(more.type_name()));
      if (static_cast<long>(more.size()) != members - 1)
        bad("ensemble.more_state_dicts must hold " + std::to_string(members - 1) + " state_dicts, holds " +
            std::to_string(more.size()));
      for (size_t i = 0; i < more.size(); ++i) {
        more_members.push_back(model);
        more_members.back().load_state_dict(more[i], "ensemble.more_state_dicts[" + std::to_string(i) + "]");
      }
      if (root.contains("intervals"))
        intervals = intervals_from_json(root["intervals"],
                                        static_cast<long>(config.data.horizon) * static_cast<long>(columns.targets.size()), "intervals");
      if (root.contains("combination")) {
        if (config.training.combine != Toggle::on) bad("combination is present but config.training.combine is not true");
        combination = combination_from_json(member(root, "combination", ""), config, columns.targets.size(), "combination");
      } else if (config.training.combine == Toggle::on && intervals.windows > 0) {
        // train chooses the combination on the same validation windows that calibrate the
        // intervals: with those windows and combine true, a checkpoint without it lost it.
        bad("config.training.combine is true and intervals were calibrated on " + std::to_string(intervals.windows) +
            " validation windows, but there is no combination object (the weights chosen on those windows)");
      }
    } else {
      if (config.model.ensemble != 1) bad("config.model.ensemble must be 1 in a version 1 checkpoint");
      // Version 1 had none of these: read as version 1 they would be dropped without a word.
      for (const char* key : {"ensemble", "intervals", "combination", "seasonal_adjustment", "forecast_horizon"})
        if (root.contains(key))
          bad(std::string("a version 1 checkpoint has no '") + key + "' (version 2 added it): is \"version\" right?");
    }
    SeasonalAdjustment seasonal;
    const bool adjusts = config.data.seasonal_adjust != SeasonalAdjust::none;
    if (adjusts != root.contains("seasonal_adjustment"))
      bad(adjusts ? "config.data.seasonal_adjust is " + to_string(config.data.seasonal_adjust) +
                        " but there is no seasonal_adjustment object"
                  : "seasonal_adjustment is present but config.data.seasonal_adjust is none");
    if (adjusts) {
      seasonal = SeasonalAdjustment::from_json(root["seasonal_adjustment"], static_cast<long>(columns.targets.size()),
                                               "seasonal_adjustment");
      if (seasonal.mode() != config.data.seasonal_adjust || seasonal.period() != config.data.season)
        bad("seasonal_adjustment.mode and period must be config.data.seasonal_adjust and config.data.season");
    }
    // Written only when above config.data.horizon (the recipe shortened the direct one).
    const int forecast_horizon =
        root.contains("forecast_horizon")
            ? static_cast<int>(read_integer(root, "forecast_horizon", "", config.data.horizon + 1L, 100000))
            : 0;
    // Written only for a refitted model with a test tail.
    // A test tail holds one horizon at least (data.test_fraction); rows are counted in ints.
    const long test_rows = root.contains("test_rows")
                               ? read_integer(root, "test_rows", "", config.data.horizon, std::numeric_limits<int>::max())
                               : 0;
    if (test_rows > 0 && config.training.refit != Toggle::on) bad("test_rows is written only for a refitted model (config.training.refit true)");
    // Written by train for a model not refitted (its validation and test tails, 0 without them).
    std::optional<long> held_out_rows;
    if (root.contains("held_out_rows")) {
      if (config.training.refit == Toggle::on)
        bad("held_out_rows is written only for a model not refitted (config.training.refit false; a refit's tail is test_rows)");
      held_out_rows = read_integer(root, "held_out_rows", "", 0, std::numeric_limits<int>::max());
    }
    // evaluate dates the last row trained on this many steps before the data tail's end.
    for (const auto& [key, steps] : {std::pair<const char*, long>{"test_rows", test_rows}, {"held_out_rows", held_out_rows.value_or(0)}})
      if (steps > 0 && !tail.ticks.empty()) try {
          (void)columns.time_index().advance(tail.ticks.back(), -steps);
        } catch (const InputError&) {
          bad(std::string(key) + " " + count_of(steps, "step") + " before the data tail's last time " + (steps == 1 ? "lies" : "lie") +
              " before the supported range of times");
        }
    return Checkpoint{std::move(config),          std::move(columns), std::move(scaler), std::move(model),
                      std::move(optimizer_state), std::move(history.epochs), history.best_epoch, std::move(tail),
                      std::move(more_members),    std::move(intervals),  std::move(combination), std::move(seasonal),
                      forecast_horizon,           test_rows,              held_out_rows};
  } catch (const InputError& e) {
    throw InputError(source, 0, 0, e.message().empty() ? e.what() : e.message());
  }
}

Checkpoint::~Checkpoint() { release_without_allocating(optimizer_state); }

Checkpoint load_checkpoint(const std::string& path, bool with_optimizer_state) {
  json root = with_optimizer_state ? read_json_file(path) : read_json_file(path, 64, {"optimizer_state"});
  const ReleaseWithoutAllocating release(root);
  // Moved out rather than copied by checkpoint_from_json: it is the largest part.
  json optimizer_state = nullptr;
  if (root.is_object() && root.contains("optimizer_state")) optimizer_state = std::move(root["optimizer_state"]);
  Checkpoint checkpoint = checkpoint_from_json(root, source_name(path));
  checkpoint.optimizer_state = std::move(optimizer_state);
  return checkpoint;
}

}  // namespace lstmf

// ---- Pieces of the format, for many-series checkpoints (panel.cpp) --------------------------------
namespace lstmf {

json columns_to_json(const ColumnsInfo& c) {
  return {{"time_column", c.time_column},       {"targets", c.targets},
          {"features", c.features},             {"time_format", time_format_json(c.time_format)},
          {"frequency", frequency_json(c.frequency, c.month_day)}, {"seasonal_period", c.seasonal_period}};
}

ColumnsInfo columns_from_json(const json& j, const Config& config) { return columns_from(j, config); }

void check_frequency_fits(const Frequency& frequency, const TimeFormat& format, const std::string& where) {
  const bool calendar = format.kind != TimeKind::none && format.kind != TimeKind::integer;
  if ((frequency.unit == Frequency::Unit::periods && calendar) ||
      ((frequency.unit == Frequency::Unit::seconds || frequency.unit == Frequency::Unit::months) && !calendar) ||
      (frequency.unit == Frequency::Unit::business_days && !day_based(format.kind)))
    bad(where + ".unit '" + std::string(kFrequencyUnits[static_cast<int>(frequency.unit)]) +
        "' does not fit columns.time_format.kind '" + kTimeKinds[static_cast<int>(format.kind)] + "'");
  if (format.kind == TimeKind::year_quarter && (frequency.unit != Frequency::Unit::months || frequency.count % 3 != 0))
    bad(where + " must be a whole number of quarters (months, count a multiple of 3) for "
        "columns.time_format.kind 'year_quarter'");
}

json frequency_to_json(const Frequency& frequency, int month_day) { return frequency_json(frequency, month_day); }

void frequency_from_json(const json& j, const std::string& where, Frequency& frequency, int& month_day) {
  frequency = frequency_from(j, where);
  month_day = j.contains("month_day") ? static_cast<int>(read_integer(j, "month_day", where, 0, 31)) : 0;
}

json data_tail_to_json(const DataTail& data_tail, const ColumnsInfo& c) {
  json tail = json::object();
  json rows = json::array();
  for (long r = 0; r < data_tail.values.rows(); ++r) {
    json row = json::array();
    for (long col = 0; col < data_tail.values.cols(); ++col) row.push_back(data_tail.values(r, col));
    rows.push_back(std::move(row));
  }
  tail["values"] = std::move(rows);
  if (c.time_format.kind != TimeKind::none) {
    const TimeIndex index = c.time_index();
    json times = json::array();
    for (const auto tick : data_tail.ticks) times.push_back(index.format_tick(tick));
    tail["time"] = std::move(times);
  }
  return tail;
}

DataTail data_tail_from_json(const json& j, const ColumnsInfo& columns, long look_back) {
  return data_tail_from(j, columns, look_back);
}

ColumnsInfo columns_info(const Config& config, const SeriesSet& set) {
  const Series& first = set.series.front();
  ColumnsInfo columns;
  columns.time_column = set.time_column;
  columns.targets = config.data.targets;
  columns.features = config.data.features;
  columns.time_format = first.time.format;
  columns.frequency = first.time.frequency;
  columns.month_day = first.time.month_day;
  columns.seasonal_period = seasonal_period(config.data, first);
  return columns;
}

DataTail data_tail_of(const Series& series, int look_back) {
  DataTail tail;
  tail.values = series.values.bottomRows(look_back);
  if (!series.time.ticks.empty()) tail.ticks.assign(series.time.ticks.end() - look_back, series.time.ticks.end());
  return tail;
}

json intervals_to_json(const IntervalQuantiles& intervals) {
  const MatrixD& q = intervals.abs_residual;
  json rows = json::array();
  for (long r = 0; r < q.rows(); ++r) {
    json row = json::array();
    for (long c = 0; c < q.cols(); ++c) row.push_back(q(r, c));
    rows.push_back(std::move(row));
  }
  return {{"levels", {IntervalQuantiles::kFirstLevel, IntervalQuantiles::kLastLevel}},
          {"windows", intervals.windows},
          {"abs_residual_quantiles", std::move(rows)}};
}

IntervalQuantiles intervals_from_json(const json& j, long steps, const std::string& where) {
  IntervalQuantiles intervals;
  const json& q = member(j, "abs_residual_quantiles", where);
  const std::string table = where + ".abs_residual_quantiles";
  const long levels = IntervalQuantiles::kLastLevel - IntervalQuantiles::kFirstLevel + 1;
  if (!q.is_array() || static_cast<long>(q.size()) != steps)
    bad(table + ": expected [" + std::to_string(steps) + "][" + std::to_string(levels) + "]");
  intervals.abs_residual.resize(steps, levels);
  for (long r = 0; r < steps; ++r) {
    const json& row = q[static_cast<size_t>(r)];
    if (!row.is_array() || static_cast<long>(row.size()) != levels)
      bad(table + "[" + std::to_string(r) + "]: expected " + count_of(levels, "number"));
    for (long c = 0; c < levels; ++c) {
      const json& v = row[static_cast<size_t>(c)];
      if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() < 0)
        bad(table + "[" + std::to_string(r) + "][" + std::to_string(c) + "] must be a finite number >= 0, got " + v.dump());
      intervals.abs_residual(r, c) = v.get<double>();
      // A quantile at a higher level is never smaller: a 95% interval within the 80% one is not one.
      if (c > 0 && intervals.abs_residual(r, c) < intervals.abs_residual(r, c - 1))
        bad(table + "[" + std::to_string(r) + "] must not decrease from level to level, "
            "but the " + std::to_string(IntervalQuantiles::kFirstLevel + c) + "% quantile " + v.dump() +
            " is below the " + std::to_string(IntervalQuantiles::kFirstLevel + c - 1) + "% one " +
            json(intervals.abs_residual(r, c - 1)).dump());
    }
  }
  intervals.windows = read_integer(j, "windows", where, 1, std::numeric_limits<long>::max());
  const json expected_levels = {IntervalQuantiles::kFirstLevel, IntervalQuantiles::kLastLevel};
  if (j.contains("levels") && j["levels"] != expected_levels)
    bad(where + ".levels must be " + expected_levels.dump() + " (the columns' levels), got " + j["levels"].dump());
  return intervals;
}

json combination_to_json(const Combination& combination) {
  json weights = json::array(), errors = json::array();
  for (size_t k = 0; k < combination.weights.size(); ++k) {
    weights.push_back(combination.weights[k]);
    json row = json::array();
    for (const double e : combination.validation_mae[k]) row.push_back(std::isfinite(e) ? json(e) : json(nullptr));
    errors.push_back(std::move(row));
  }
  json out = {{"components", combination_components()}, {"weights", std::move(weights)}, {"validation_mae", std::move(errors)}};
  if (!combination.theta.empty()) {
    json theta = json::array();
    for (const Theta& t : combination.theta) theta.push_back({{"alpha", t.alpha}, {"drift", t.drift}, {"rows", t.rows}});
    out["theta"] = std::move(theta);
  }
  return out;
}

Combination combination_from_json(const json& c, const Config& config, size_t targets, const std::string& where) {
  Combination combination;
  // Three components (the three-name list, or no list and rows of three): a file of an earlier build.
  size_t components = Combination::kComponents;
  if (c.contains("components")) {
    if (c["components"] == combination_components_v3())
      components = 3;
    else if (c["components"] != combination_components())
      bad(where + ".components must be " + combination_components().dump() + " (the order of the weights), got " +
          c["components"].dump());
  } else if (c.contains("weights") && c["weights"].is_array() && !c["weights"].empty() && c["weights"][0].is_array() &&
             c["weights"][0].size() == 3) {
    components = 3;
  }
  const json& weights = member(c, "weights", where);
  const json& errors = member(c, "validation_mae", where);
  if (!weights.is_array() || weights.size() != targets || !errors.is_array() || errors.size() != targets)
    bad(where + ".weights and " + where + ".validation_mae must hold one row per target (" +
        std::to_string(targets) + ")");
  for (size_t k = 0; k < targets; ++k) {
    const std::string row = where + ".weights[" + std::to_string(k) + "]";
    if (!weights[k].is_array() || weights[k].size() != components || !errors[k].is_array() ||
        errors[k].size() != components)
      bad(row + " and " + where + ".validation_mae[" + std::to_string(k) + "] must hold " +
          std::to_string(components) + " numbers, one per component (" +
          (components == 3 ? combination_components_v3() : combination_components()).dump() + ")");
    std::array<double, Combination::kComponents> w{}, e{};
    e.fill(std::nan(""));
    double sum = 0;
    for (size_t i = 0; i < components; ++i) {
      const json& v = weights[k][i];
      if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() < 0 || v.get<double>() > 1)
        bad(row + "[" + std::to_string(i) + "] must be a number in [0, 1], got " + v.dump());
      w[i] = v.get<double>();
      sum += w[i];
      const json& x = errors[k][i];
      if (!x.is_null() && !x.is_number()) bad(where + ".validation_mae entries must be numbers or null");
      e[i] = x.is_null() ? std::nan("") : x.get<double>();
    }
    if (std::abs(sum - 1) > 1e-9) bad(row + " must sum to 1, got a sum of " + json(sum).dump());
    // Seasonal naive reads one season of the look-back (choose_combination gives it a weight
    // only then): elsewhere the forecast from the data tail and from a longer history would differ.
    const int season = config.data.season;
    if (w[1] > 0 && !(season > 1 && season <= config.data.look_back))
      bad(row + " gives seasonal naive a weight, but config.data.season (" + std::to_string(season) +
          ") is not a season of 2 to look-back (" + std::to_string(config.data.look_back) + ") rows");
    combination.weights.push_back(w);
    combination.validation_mae.push_back(e);
  }
  bool uses_theta = false;
  for (const auto& w : combination.weights) uses_theta = uses_theta || w[3] > 0;
  if (c.contains("theta")) {
    const json& theta = c["theta"];
    if (!theta.is_array() || theta.size() != targets)
      bad(where + ".theta must hold one object per target (" + std::to_string(targets) + ")");
    for (size_t k = 0; k < targets; ++k) {
      const std::string state_where = where + ".theta[" + std::to_string(k) + "]";
      const json& t = theta[k];
      if (!t.is_object()) bad(state_where + " must be an object {\"alpha\", \"drift\", \"rows\"}");
      for (const auto& item : t.items())
        if (item.key() != "alpha" && item.key() != "drift" && item.key() != "rows")
          bad(state_where + " has an unknown key " + in_quotes(item.key()) + " (it holds alpha, drift and rows)");
      Theta state;
      const json& alpha = member(t, "alpha", state_where);
      if (!alpha.is_number() || !(alpha.get<double>() >= 0.01 && alpha.get<double>() <= 0.99))
        bad(state_where + ".alpha must be a number in [0.01, 0.99], got " + alpha.dump());
      state.alpha = alpha.get<double>();
      // Half a slope through values within +-1e100 (series.hpp kLargestValue) stays within it.
      const json& drift = member(t, "drift", state_where);
      if (!drift.is_number() || !(std::abs(drift.get<double>()) <= kLargestValue))
        bad(state_where + ".drift must be a number within +-1e100, got " + drift.dump());
      state.drift = drift.get<double>();
      state.rows = read_integer(t, "rows", state_where, 2, std::numeric_limits<long>::max());
      combination.theta.push_back(state);
    }
  } else if (uses_theta) {
    bad(where + ".weights give the Theta forecast a weight, but there is no " + where + ".theta (its state)");
  }
  return combination;
}

}  // namespace lstmf
