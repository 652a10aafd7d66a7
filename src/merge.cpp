#include "lstmf/merge.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <functional>
#include <tuple>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "lstmf/csv.hpp"
#include "lstmf/error.hpp"
#include "lstmf/forecast.hpp"
#include "lstmf/series.hpp"
#include "lstmf/time_index.hpp"

namespace lstmf {
namespace {

using json = nlohmann::json;

// The config as merge compares it: all but where the outputs went and the thread count, which do
// not change a per-series model, and where the data was read (shards run anywhere: ./data.csv in
// one, /scratch/data.csv in another).
json comparable_config(const Config& config) {
  json j = to_json(config);
  j.erase("output");
  j["training"].erase("threads");
  j["data"].erase("path");
  return j;
}

// The interval bounds of a value column: "y_lo80" and "y_hi80" beside "y" (forecast.hpp
// value_columns), each row checked to hold the value between them.
struct Band {
  std::size_t value, lo, hi;
};

// Found by name through an index, a bound's name split at its last "_lo" (predict writes
// COL_lo<level>, the level digits and a point): a header of 100,000 columns took minutes pairing
// every column with every other, and a long name tried at each "_lo" (fuzzer, hunt). The first two
// columns (series, time) hold no values.
std::vector<Band> interval_bands(const std::vector<std::string>& columns) {
  std::unordered_map<std::string, std::size_t> index_of;
  for (std::size_t c = columns.size(); c-- > 0;) index_of[columns[c]] = c;  // the first of equal names
  std::vector<Band> bands;
  for (std::size_t lo = 2; lo < columns.size(); ++lo) {
    const auto bound = bound_columns_of(columns[lo]);
    if (!bound) continue;  // not COL_lo<level>
    const auto value = index_of.find(bound->first);
    const auto hi = index_of.find(bound->second);
    if (value != index_of.end() && value->second >= 2 && hi != index_of.end()) bands.push_back({value->second, lo, hi->second});
  }
  std::sort(bands.begin(), bands.end(), [](const Band& a, const Band& b) { return std::tie(a.value, a.lo) < std::tie(b.value, b.lo); });
  return bands;
}

}  // namespace

std::string missing_shards(const std::vector<PanelCheckpoint>& parts) {
  if (parts.empty() || !parts.front().shard) return "";
  const int count = parts.front().shard->count;
  std::set<int> given;
  for (const auto& part : parts)
    if (part.shard) given.insert(part.shard->index);
  std::string missing;
  int listed = 0;
  for (int k = 0; k < count; ++k) {
    if (given.count(k) > 0) continue;
    if (listed++ == 8) {
      missing += " and more";
      break;
    }
    missing += (missing.empty() ? "" : ", ") + std::to_string(k) + "/" + std::to_string(count);
  }
  return missing;
}

PanelCheckpoint merge_panel_checkpoints(std::vector<PanelCheckpoint> parts, const std::vector<std::string>& names) {
  if (parts.empty()) throw InputError("merge: no inputs");
  const json config = comparable_config(parts.front().config);
  // Each series records its own frequency (a file may mix monthly and daily series): the columns'
  // frequency and period, the first series' of each shard, may differ between shards.
  const auto comparable_columns = [](const ColumnsInfo& c) {
    json j = columns_to_json(c);
    j.erase("frequency");
    j.erase("seasonal_period");
    return j;
  };
  const json columns = comparable_columns(parts.front().columns);
  std::map<std::string, std::size_t> owner;  // series id -> part
  std::set<int> shard_indices;
  for (std::size_t p = 0; p < parts.size(); ++p) {
    const PanelCheckpoint& part = parts[p];
    if (part.global())
      throw InputError(names[p], 0, 0,
                       "is a global-mode checkpoint: one model trained on its own series, which cannot be joined with "
                       "another; train a global model in one process (or with MPI), then shard predict and evaluate");
    if (const ConfigDifference d = first_difference(config, comparable_config(part.config)); !d.key.empty())
      throw InputError(names[p], 0, 0,
                       "its config differs from " + names.front() + "'s at " + d.key + " (" + d.other + " against " +
                           d.base + "; only output.*, training.threads and data.path may differ)");
    if (const ConfigDifference d = first_difference(columns, comparable_columns(part.columns)); !d.key.empty())
      throw InputError(names[p], 0, 0,
                       "its columns differ from " + names.front() + "'s at columns." + d.key + " (" + d.other +
                           " against " + d.base + "): shards of one file and config have the same columns");
    if (part.shard.has_value() != parts.front().shard.has_value()) {
      // A merged checkpoint records no shard, so which of the split it holds is not known here.
      const std::size_t whole = part.shard ? 0 : p, shard = part.shard ? p : 0;
      throw InputError(names[whole], 0, 0,
                       "records no shard (a merged checkpoint, or one trained without --shard) while " + names[shard] +
                           " is shard " + parts[shard].shard->text() +
                           ": merge the shard checkpoints themselves, all in one run (a merged file does not "
                           "record which shards it holds)");
    }
    if (part.shard && part.shard->count != parts.front().shard->count)
      throw InputError(names[p], 0, 0,
                       "is shard " + (part.shard ? part.shard->text() : std::string("none")) + " but " + names.front() +
                           " is shard " + (parts.front().shard ? parts.front().shard->text() : std::string("none")) +
                           "; merge shards of one split (the same N)");
    // A shard may come in parts: an interrupted shard's checkpoint and the run that trained its
    // left_out series again (`--series-file` with the same `--shard`), whose series are apart. A
    // part that shares a series with an earlier part of its shard is that shard twice (a copy).
    const bool repeated = part.shard && !shard_indices.insert(part.shard->index).second;
    for (const auto& s : part.series) {  // each of the shard's own (read_panel_checkpoint checks)
      const auto [it, added] = owner.emplace(s.id, p);
      if (added) continue;
      if (repeated && parts[it->second].shard && parts[it->second].shard->index == part.shard->index)
        throw InputError(names[p], 0, 0, "shard " + part.shard->text() + " is given twice");
      throw InputError(names[p], 0, 0, "series " + quoted_id(s.id) + " is also in " + names[it->second]);
    }
  }
  PanelCheckpoint merged = std::move(parts.front());
  merged.shard.reset();
  for (std::size_t p = 1; p < parts.size(); ++p) {
    for (auto& s : parts[p].series) merged.series.push_back(std::move(s));
    for (auto& l : parts[p].left_out) merged.left_out.push_back(std::move(l));
  }
  // One entry per id (parts without shards may overlap), none for an id another part trained; of
  // two for one id, a divergence first, then by reason: the same whatever the order of the inputs.
  std::sort(merged.left_out.begin(), merged.left_out.end(), [](const PanelCheckpoint::LeftOut& a, const PanelCheckpoint::LeftOut& b) {
    return std::make_tuple(std::cref(a.id), !a.diverged, std::cref(a.reason)) < std::make_tuple(std::cref(b.id), !b.diverged, std::cref(b.reason));
  });
  merged.left_out.erase(std::unique(merged.left_out.begin(), merged.left_out.end(),
                                    [](const PanelCheckpoint::LeftOut& a, const PanelCheckpoint::LeftOut& b) { return a.id == b.id; }),
                        merged.left_out.end());
  merged.left_out.erase(std::remove_if(merged.left_out.begin(), merged.left_out.end(),
                                       [&](const PanelCheckpoint::LeftOut& l) { return owner.count(l.id) > 0; }),
                        merged.left_out.end());
  std::sort(merged.series.begin(), merged.series.end(), [](const PanelSeries& a, const PanelSeries& b) { return a.id < b.id; });
  if (!merged.global()) merged.take_first_series_frequency();  // the first series', whichever shard came first
  return merged;
}

std::string merge_forecast_csvs(std::vector<std::string> texts, const std::vector<std::string>& names) {
  if (texts.empty()) throw InputError("merge: no inputs");
  std::vector<std::string> columns;  // the first input's header, every input's
  std::vector<Band> bands;           // its interval bounds
  // By id (ordered): the input holding the series, its rows as predict writes them, one string per
  // series (not per row: a 33 MB forecast held 720,000 strings), how many, and the time and line of
  // the last (a series' rows may be apart, another series' between them).
  struct Rows {
    std::size_t input = 0;
    std::string text;
    std::size_t count = 0;
    std::int64_t last_tick = 0;
    TimeKind last_kind = TimeKind::none;
    long last_line = 0;
  };
  std::map<std::string, Rows> rows;
  for (std::size_t p = 0; p < texts.size(); ++p) {
    {
      CsvReader reader(CsvText{texts[p], names[p]});  // the text checks first: binary, not UTF-8, CR line ends
      if (reader.delimiter() != ',')
        throw InputError(names[p], reader.header_line(), 0,
                         std::string("expected a forecast CSV delimited by ',' (predict writes them so), found ") +
                             (reader.delimiter() == '\t' ? "tabs" : "';'"));
      // Fields are trimmed of spaces and tabs, inside quotes too, as the data's ids and times are
      // (series.cpp): " a" is the series a, an id of spaces none.
      const auto trimmed = [](const auto& from, std::vector<std::string>& to) {
        to.clear();
        for (const auto& field : from) to.emplace_back(trim_blanks(field));
      };
      std::vector<std::string> header;
      trimmed(reader.header(), header);
      // predict ends every row with a line end: a file without one was cut short mid-row (said
      // before its last row is read: cut short, it may look ragged).
      if (texts[p].back() != '\n')
        throw InputError(names[p], static_cast<long>(std::count(texts[p].begin(), texts[p].end(), '\n')) + 1, 0,
                         "the last row has no line end: the file was cut short (predict ends every row with one)");
      if (p == 0) columns = header;
      if (header != columns)
        throw InputError(names[p], reader.header_line(), 0,
                         "header '" + printable(csv_record(header)) + "' differs from " + names.front() + "'s '" +
                             printable(csv_record(columns)) + "'");
      if (columns.size() < 3)
        throw InputError(names[p], reader.header_line(), 0,
                         "expected a long-format forecast (series column, time, targets), found the header '" +
                             printable(csv_record(columns)) + "'");
      if (p == 0) bands = interval_bands(columns);
      std::vector<std::string> fields;
      while (reader.next()) {  // a row of another field count is refused by the reader, naming its line
        const long line = reader.line();
        trimmed(reader.fields(), fields);
        const std::string& id = fields[0];
        if (id.empty())
          throw InputError(names[p], line, 1, "expected a series id in column '" + printable(columns[0]) + "', found none");
        const auto [it, added] = rows.try_emplace(id);
        Rows& series = it->second;
        if (added) series.input = p;
        if (series.input != p) throw InputError(names[p], 0, 0, "series " + quoted_id(id) + " is also in " + names[series.input]);
        // Times as predict writes them, each series' rising from row to row.
        std::int64_t tick = 0;
        TimeFormat format;
        if (!parse_time(fields[1], tick, format))
          throw InputError(names[p], line, 2,
                           "expected a time (or a step number) in column '" + printable(columns[1]) + "', found '" +
                               printable(fields[1]) + "'");
        if (series.count > 0) {
          // Four digits read as a year; among integer periods (999, 1000) they are periods.
          if (format.kind == TimeKind::year && series.last_kind == TimeKind::integer) {
            tick = year_of_tick(tick);
            format.kind = TimeKind::integer;
          } else if (format.kind == TimeKind::integer && series.last_kind == TimeKind::year) {
            series.last_tick = year_of_tick(series.last_tick);
          }
          if (tick <= series.last_tick)
            throw InputError(names[p], line, 2,
                             "series " + quoted_id(id) + ": time '" + printable(fields[1]) +
                                 "' does not come after the series' row before (line " + std::to_string(series.last_line) +
                                 "; predict writes each series' steps in order)");
        }
        std::vector<double> values(fields.size());
        for (std::size_t c = 2; c < fields.size(); ++c)
          // Decimal numbers as the data's are read (csv.hpp parse_number): no hex, inf or nan
          // spellings, nothing around them.
          if (parse_number(fields[c], values[c]) != NumberStatus::ok)
            throw InputError(names[p], line, static_cast<long>(c + 1),
                             "expected a finite number in column '" + printable(columns[c]) + "', found '" +
                                 printable(fields[c]) + "'");
        for (const Band& band : bands)
          if (values[band.lo] > values[band.value] || values[band.hi] < values[band.value])
            throw InputError(names[p], line, static_cast<long>(band.lo + 1),
                             "the interval " + printable(columns[band.lo]) + " .. " + printable(columns[band.hi]) +
                                 " does not hold the forecast '" + printable(columns[band.value]) + "' (" + fields[band.lo] +
                                 " .. " + fields[band.hi] + " around " + fields[band.value] + ")");
        series.text += csv_record(fields) + "\n";
        ++series.count;
        series.last_tick = tick;
        series.last_kind = format.kind;
        series.last_line = line;
      }
    }
    std::string().swap(texts[p]);  // read, the reader gone: a pipeline's forecasts can be large
  }
  // One predict run forecasts every series the same number of steps: shards run with different
  // --horizon do not make one forecast.
  std::size_t size = 0;
  for (const auto& [id, series] : rows) {
    size += series.text.size();
    if (const auto& [first_id, first] = *rows.begin(); series.count != first.count)
      throw InputError(names[series.input], 0, 0,
                       "series " + quoted_id(id) + " has " + std::to_string(series.count) + (series.count == 1 ? " step" : " steps") +
                           ", but series " + quoted_id(first_id) + " of " + names[first.input] + " has " +
                           std::to_string(first.count) + ": forecasts of different horizons (predict --horizon) do not merge");
  }
  std::string out = csv_record(columns) + "\n";
  out.reserve(out.size() + size);
  for (auto& [id, series] : rows) {
    out += series.text;
    std::string().swap(series.text);  // freed as it is copied: the output and the rows are not held twice over
  }
  return out;
}

}  // namespace lstmf
