#include "lstmf/protocol.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "lstmf/error.hpp"
#include "lstmf/fit.hpp"
#include "lstmf/forecast.hpp"
#include "lstmf/io.hpp"
#include "lstmf/metrics.hpp"
#include "lstmf/selection.hpp"
#include "lstmf/series.hpp"

namespace lstmf {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// `whose` names the method in sMAPE's note (terms where actual and forecast are both 0), added to `notes`.
MethodScore score(const std::vector<double>& actual, const std::vector<double>& forecast, const MaseScale& scale,
                  const std::string& whose, std::vector<std::string>& notes) {
  MethodScore s;
  s.forecast = forecast;
  const Score m = mase(actual, forecast, scale);
  s.mase = m.value.value_or(std::nan(""));
  const Score symmetric = smape(actual, forecast, whose);
  s.smape = symmetric.value.value_or(std::nan(""));
  if (!symmetric.note.empty()) notes.push_back(symmetric.note);
  s.rmse = rmse(actual, forecast).value.value_or(std::nan(""));
  return s;
}

std::string fixed(double value, int digits) {
  if (!std::isfinite(value)) return "n/a";
  std::ostringstream out;
  out.precision(digits);
  if (std::abs(value) >= 1e12) out << std::scientific << value;  // not a row of 300 digits
  else out << std::fixed << value;
  return out.str();
}

// An error in original units: 3 decimals, or 4 significant digits below 0.1 (a series around 1e-6
// would show 0.000).
std::string error_text(double value) {
  if (!std::isfinite(value) || value == 0 || std::abs(value) >= 0.1) return fixed(value, 3);
  std::ostringstream out;
  out.precision(4);
  out << value;
  return out.str();
}

}  // namespace

std::string protocol_refuses(const OptionInfo& option) {
  const std::string key = option.path();
  for (const char* fixed : {"data.path", "data.targets", "data.time_column", "data.horizon", "data.season", "data.missing"})
    if (key == fixed) return "the protocol sets it for each series from meta.json (bench/README.md)";
  // Each file is one series trained in memory: nothing is written but the report and --json-file.
  if (option.section == "output" || key == "data.series_column" || key == "training.mode" || key == "data.strict")
    return "the protocol does not use it (each file is one series, trained in memory; the report goes to stdout, "
           "--json-file for JSON)";
  return "";
}

std::vector<std::string> apply_settings(Config& base, const std::vector<std::string>& settings) {
  std::vector<std::string> keys;
  for (const auto& setting : settings) {
    const auto equals = setting.find('=');
    const std::string key = setting.substr(0, equals);
    if (std::find(keys.begin(), keys.end(), key) != keys.end())
      throw InputError("--set " + printable(key) + " is given twice: give each key once");
    keys.push_back(key);
    const Setting parsed = parse_setting("--set", setting);
    if (const std::string why = protocol_refuses(*parsed.option); !why.empty()) throw InputError("--set " + key + ": " + why);
    set_from_setting(base, "--set", parsed);
  }
  check(base, "--set");
  return keys;
}

int m4_seasonal_period(const std::string& frequency) {
  std::string f;
  for (const char c : frequency) f += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (f == "yearly" || f == "annual" || f == "weekly" || f == "daily") return 1;
  if (f == "quarterly") return 4;
  if (f == "monthly") return 12;
  if (f == "hourly") return 24;
  return 0;
}

namespace {

// Whether `v` is a whole number in [lo, hi] (18 or 18.0).
bool whole(const json& v, double lo, double hi) {
  return v.is_number() && std::floor(v.get<double>()) == v.get<double>() && v.get<double>() >= lo && v.get<double>() <= hi;
}

// The files --only names (ProtocolOptions::only): each value a meta.json key taken whole, else
// split at its commas into keys. InputError naming meta.json for a name it does not list. A set:
// the run looks each meta.json key up in it (a search of a list per key was O(meta x only)).
std::unordered_set<std::string> only_files(const json& meta, const std::string& meta_path, const std::vector<std::string>& given) {
  std::vector<std::string> names;
  for (const std::string& value : given) {
    if (meta.contains(value)) {
      names.push_back(value);
      continue;
    }
    std::size_t start = 0;
    while (true) {
      const std::size_t comma = value.find(',', start);
      names.push_back(value.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  std::unordered_set<std::string> seen;
  for (const auto& name : names)
    if (!seen.insert(name).second) throw InputError("--only names '" + printable(name) + "' twice: give each file once");
  for (const auto& name : names)
    if (!meta.contains(name)) {
      std::vector<std::string> files;
      for (const auto& [file, info] : meta.items()) files.push_back(file);
      const auto typo = likely_typo_of(name, files);
      throw InputError(meta_path, 0, 0, "--only names '" + printable(name) + "', which meta.json does not list (" +
                                            (typo ? "did you mean " + in_quotes(files[*typo]) + "? " : "") + "it lists " + quoted_ids(files) +
                                            "; a name holding a comma goes in an --only of its own)");
    }
  return seen;
}

// Everything about the folder's description is checked before any series trains, so a mistake
// there costs seconds, not a run: the --only names, meta.json's entries and files, baselines.json.
// `baselines_file`: the folder's baselines.json, none without one.
void check_folder(const std::string& folder, const json& meta, const std::string& meta_path,
                  const std::optional<json>& baselines_file, const std::string& baselines_path, const std::unordered_set<std::string>& only) {
  // A series is a file's target column: two keys naming one file ("y.csv" and "./y.csv", or a link
  // to it) with one target would score it twice; with two targets they are two series.
  std::map<std::tuple<std::uint64_t, std::uint64_t, std::string>, std::string> series_of;  // (file identity, target) -> the key
  const auto scored = [&](const std::string& file) { return only.empty() || only.count(file) > 0; };
  for (const auto& [file, info] : meta.items()) {
    if (!scored(file)) continue;
    if (file.find('\0') != std::string::npos)
      throw InputError(meta_path, 0, 0, "a file name with a NUL character ('" + printable(file) + "'): no file can have it");
    if (file.empty()) throw InputError(meta_path, 0, 0, "an entry with an empty file name (\"\"): each key names a CSV file of the folder");
    const fs::path relative(file);
    if (relative.is_absolute() || std::any_of(relative.begin(), relative.end(), [](const fs::path& part) { return part == ".."; }))
      throw InputError(meta_path, 0, 0, in_quotes(file) + " is not inside the folder: each key names a CSV file of the folder, "
                       "by a path relative to it without '..'");
    const std::string where = meta_path + ": " + printable(file);
    if (!info.is_object() || !info.contains("target") || !info.contains("h"))
      throw InputError(where + " needs \"target\" (a column name) and \"h\" (an integer >= 1)");
    if (!info["target"].is_string())
      throw InputError(where + ": \"target\" must be a column name (a string), got " + printable(info["target"].dump(), 80));
    if (!whole(info["h"], 1, 1000000))
      throw InputError(where + ": \"h\" must be the horizon, an integer from 1 to 1000000, got " + printable(info["h"].dump(), 80));
    if (info.contains("m") && !whole(info["m"], 1, 100000))
      throw InputError(where + ": \"m\" must be the seasonal period, an integer from 1 (no season) to 100000, got " +
                       info["m"].dump());
    for (const char* key : {"time_column", "frequency"})
      if (info.contains(key) && !info[key].is_string())
        throw InputError(where + ": \"" + key + "\" must be a string, got " + info[key].dump());
    if (!fs::is_regular_file(fs::path(folder) / file))
      throw InputError(where + (fs::exists(fs::path(folder) / file)
                                    ? ": meta.json lists it, but it is not a regular file (a folder? a pipe?)"
                                    : ": meta.json lists this file, but the folder has no such file"));
    const auto identity = input_identity((fs::path(folder) / file).string());
    if (!identity) continue;  // gone since: its read says why
    const std::string target = info["target"].get<std::string>();
    const auto [at, added] = series_of.emplace(std::make_tuple(identity->first, identity->second, target), file);
    if (!added)
      throw InputError(meta_path, 0, 0, in_quotes(at->second) + " and " + in_quotes(file) + " name the same file and target (" +
                                            in_quotes(target) + "): list each series once");
  }
  if (!baselines_file) return;
  const json& baselines = *baselines_file;
  const auto fail = [&](const std::string& what) { throw InputError(baselines_path, 0, 0, what); };
  if (!baselines.is_object()) fail("expected an object {\"series\": {\"file.csv\": {\"methods\": {...}}}}");
  if (!baselines.contains("series"))
    fail("expected an object {\"series\": {\"file.csv\": {\"methods\": {...}}}}: there is no \"series\" key");
  if (!baselines["series"].is_object()) fail("\"series\" must be an object keyed by file name");
  for (const auto& [file, entry] : baselines["series"].items()) {
    // A series this folder, or this run (--only), does not score.
    if (!meta.contains(file) || !scored(file)) continue;
    const long h = meta[file].is_object() && meta[file].contains("h") && whole(meta[file]["h"], 1, 1000000)
                       ? static_cast<long>(meta[file]["h"].get<double>()) : 0;
    if (!entry.is_object() || !entry.contains("methods") || !entry["methods"].is_object())
      fail("series." + printable(file) + " must be an object with a \"methods\" object");
    for (const auto& [name, body] : entry["methods"].items()) {
      if (name == "lstm")
        fail("series." + printable(file) + ".methods.lstm: 'lstm' is the tool's own forecast; name the baseline otherwise");
      if (name.empty() || std::any_of(name.begin(), name.end(), [](char c) { return c == '|' || (c >= 0 && c < 32); }))
        fail("series." + printable(file) + ".methods: the method name " + in_quotes(name) +
             " would break the tables (empty, '|' or a control character)");
      if (!body.is_object()) fail("series." + printable(file) + ".methods." + printable(name) + " must be an object");
      if (!body.contains("forecast")) continue;
      const json& forecast = body["forecast"];
      bool numbers = forecast.is_array();
      // Within +-1e100, as the data are (series.hpp kLargestValue): beyond, the error metrics overflow.
      for (const auto& v : forecast) numbers = numbers && v.is_number() && std::abs(v.get<double>()) <= kLargestValue;
      if (!numbers || static_cast<long>(forecast.size()) != h)
        fail("series." + printable(file) + ".methods." + printable(name) + ".forecast must be an array of h = " +
             std::to_string(h) + " finite numbers within +-1e100, got " +
             (!forecast.is_array() ? printable(forecast.dump(), 60)
              : !numbers           ? "an array holding " + printable(forecast.dump(), 60)
                                   : count_of(static_cast<long>(forecast.size()), "value")));
    }
  }
}

// A frequency name as M4's names are read, for grouping and comparing: case and surrounding spaces
// aside ("Monthly" is "monthly").
std::string frequency_group(const std::string& frequency) {
  const auto first = frequency.find_first_not_of(" \t"), last = frequency.find_last_not_of(" \t");
  std::string group = first == std::string::npos ? "" : frequency.substr(first, last - first + 1);
  for (char& c : group) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return group;
}

// Why baselines.json's `recorded` held-out values are not the file's `actual` ones (NaN where the
// file has none: not compared, as the baselines interpolated them), for a note; "" when they agree
// (to 1e-9 relative: the file's values as JSON wrote them).
std::string held_out_differs(const json& recorded, const std::vector<double>& actual) {
  if (!recorded.is_array() || recorded.size() != actual.size())
    return "its \"actual\" is not " + count_of(static_cast<long>(actual.size()), "held-out value");
  for (std::size_t i = 0; i < actual.size(); ++i) {
    if (!recorded[i].is_number()) {
      if (recorded[i].is_null() || std::isnan(actual[i])) continue;  // a value neither scores
      return "its \"actual\"[" + std::to_string(i) + "] is not a number";
    }
    const double a = actual[i], r = recorded[i].get<double>();
    if (std::isnan(a)) continue;
    if (std::abs(a - r) > 1e-9 * std::max({1.0, std::abs(a), std::abs(r)}))
      return "its held-out values are of another split or file (\"actual\"[" + std::to_string(i) + "] is " + format_number(r) +
             ", held-out value " + std::to_string(i + 1) + " here is " + format_number(a) + ")";
  }
  return "";
}

// method -> MASE of each series, for common_geometric_means.
std::vector<std::map<std::string, double>> mase_entries(const std::vector<SeriesScore>& series) {
  std::vector<std::map<std::string, double>> entries;
  for (const auto& s : series) {
    entries.emplace_back();
    for (const auto& [method, score] : s.methods) entries.back()[method] = score.mase;
  }
  return entries;
}

// Why a series is not in the geometric means: the methods whose MASE is 0 or undefined.
std::string left_out_reason(const SeriesScore& s, const std::vector<std::string>& methods) {
  std::string zero, undefined, missing;
  const auto add = [](std::string& list, const std::string& method) { list += (list.empty() ? "" : ", ") + printable(method); };
  for (const auto& method : methods) {
    const auto it = s.methods.find(method);
    if (it == s.methods.end()) add(missing, method);
    else if (it->second.mase == 0) add(zero, method);
    else if (!std::isfinite(it->second.mase)) add(undefined, method);
  }
  std::vector<std::string> reasons;
  if (!zero.empty()) reasons.push_back("MASE 0 (an exact forecast): " + zero);
  if (!undefined.empty() && missing.empty() && zero.empty() && undefined.find(',') != std::string::npos)
    reasons.push_back("no MASE (the in-sample seasonal naive MAE is 0)");
  else if (!undefined.empty()) reasons.push_back("no MASE: " + undefined);
  if (!missing.empty()) reasons.push_back("not in baselines.json: " + missing);
  std::string out;
  for (const auto& r : reasons) out += (out.empty() ? "" : "; ") + r;
  return out;
}

}  // namespace

ProtocolResult run_protocol(const std::string& folder, const ProtocolOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  const std::string meta_path = (fs::path(folder) / "meta.json").string();
  std::error_code error;
  // A folder that is not there cannot be read, as a file that is not there (exit 3).
  const fs::file_status folder_status = fs::status(folder, error);
  if (error && error != std::errc::no_such_file_or_directory) throw IoError(folder, "cannot open: " + error.message());
  if (!fs::exists(folder_status)) throw IoError(folder, "cannot open: no such folder");
  if (!fs::is_directory(folder_status))
    throw InputError(folder, 0, 0, "is not a folder: the protocol reads a folder holding meta.json and the series it lists");
  const fs::file_status meta_status = fs::status(meta_path, error);  // one look: absent, or what it is
  if (!fs::exists(meta_status))
    throw InputError(folder, 0, 0, "no meta.json in this folder (the protocol needs each file's target, m and h)");
  if (!fs::is_regular_file(meta_status))
    throw InputError(meta_path, 0, 0, "is not a regular file (a folder, a device or a fifo): the protocol reads each file's target, m and h from it");
  const json meta = read_json_file(meta_path);
  if (!meta.is_object())
    throw InputError(meta_path, 0, 0, "expected an object {\"file.csv\": {\"target\", \"m\", \"h\"}, ...}");
  if (meta.empty()) throw InputError(meta_path, 0, 0, "lists no files: expected {\"file.csv\": {\"target\", \"m\", \"h\"}, ...}");
  std::optional<json> baselines;
  const std::string baselines_path = (fs::path(folder) / "baselines.json").string();
  const fs::file_status baselines_status = fs::status(baselines_path, error);
  if (fs::exists(baselines_status) && !fs::is_regular_file(baselines_status))
    throw InputError(baselines_path, 0, 0, "is not a regular file (a folder, a device or a fifo): the protocol reads "
                                           "the baselines' forecasts from it (or leave it out)");
  if (fs::exists(baselines_status)) baselines = read_json_file(baselines_path);
  const std::unordered_set<std::string> only = only_files(meta, meta_path, options.only);
  check_folder(folder, meta, meta_path, baselines, baselines_path, only);
  std::vector<std::pair<std::string, std::string>> inputs = {{"the folder's meta.json", meta_path}, {"the folder's baselines.json", baselines_path}};
  for (const auto& [file, info] : meta.items()) inputs.push_back({"the series file", (fs::path(folder) / file).string()});
  for (const auto& [flag, path] : options.outputs) check_distinct(flag, path, inputs);

  ProtocolResult result;
  result.folder = folder;
  result.levels = options.intervals;
  result.methods = {"lstm", "naive", "snaive", "drift"};
  std::map<int, long> covered, points;
  long diverged = 0;  // skipped series whose training or forecast diverged
  for (const auto& [file, info] : meta.items()) {
    if (!only.empty() && only.count(file) == 0) continue;
    const auto series_start = std::chrono::steady_clock::now();
    const std::string where = meta_path + ": " + printable(file);  // checked by check_folder
    SeriesScore s;
    s.file = file;
    s.target = info["target"].get<std::string>();
    s.h = static_cast<int>(info["h"].get<double>());
    s.frequency = info.contains("frequency") && info["frequency"].is_string() ? info["frequency"].get<std::string>() : "";
    // "m" is checked by check_folder; without it, M4's period for the frequency, else 1.
    std::string m_note;
    if (info.contains("m")) {
      s.m = static_cast<int>(info["m"].get<double>());
    } else if (const int m4 = m4_seasonal_period(s.frequency); m4 > 0) {
      s.m = m4;
      m_note = "m " + std::to_string(m4) + " (M4's for " + s.frequency + "; meta.json gives none)";
    } else {
      s.m = 1;
      m_note = "m 1 (meta.json gives none" + (s.frequency.empty() ? std::string() : ", nor M4's frequency names") + ")";
    }
    // Other keys are allowed (a description, a source) but said, so a typo ("mm") is seen.
    std::string unread;
    for (const auto& item : info.items())
      if (item.key() != "target" && item.key() != "h" && item.key() != "m" && item.key() != "frequency" &&
          item.key() != "time_column")
        unread += (unread.empty() ? "'" : ", '") + printable(item.key()) + "'";
    if (!unread.empty())
      m_note += (m_note.empty() ? "" : "; ") + std::string("meta.json key ") + unread +
                " not read (it reads target, h, m, frequency, time_column)";

    // A series the recipe cannot train (too short, constant, a missing column, bad values) is
    // skipped and named; check_folder has refused a malformed meta.json or baselines.json and a
    // missing file before any training.
    try {
      Config config = options.base;
      config.data.path = (fs::path(folder) / file).string();
      config.data.targets = {s.target};
      config.data.missing = MissingPolicy::interpolate;
      config.data.horizon = s.h;
      config.data.season = s.m > 1 ? s.m : 0;
      // The model's season: meta.json's m when it names one (> 1); else the time column's period,
      // as train takes it (7 for daily rows, 52 for weekly). The recipe normalises by it (season)
      // only when the data show it (its seasonality test); otherwise it still sets the scale and
      // the combination's seasonal naive candidate. M4 scores daily series with m = 1, but a
      // weekly cycle in daily demand is the data's to show. m stays the scoring period (MASE,
      // seasonal naive). A time column guessed by its name whose values do not read as times (ISO
      // weeks, "Jan-2010") is dropped, as train drops it, rather than the series: then m alone.
      // A time column with one time off its grid (an 8-day week) is not used either: the scores
      // need only the rows, which M4 and R's ts take as consecutive periods; train refuses it.
      std::string dropped, off_grid;
      SeriesSet set;
      try {
        if (info.contains("time_column")) {
          config.data.time_column = info["time_column"].get<std::string>();
          set = load_series(config.data);
        } else {
          set = load_series_guessing_time(config.data, &dropped);
        }
      } catch (const TimeStepError& e) {
        off_grid = "line " + std::to_string(e.line()) + ": " + e.message();
        config.data.time_column.clear();
        set = load_series(config.data);
      } catch (const TimeFormatError& e) {  // a guessed column with a later row that is no time
        dropped = "line " + std::to_string(e.line()) + ": " + e.message();
        config.data.time_column.clear();
        set = load_series(config.data);
      }
      const auto add_note = [&](const std::string& text) { s.note += (s.note.empty() ? "" : "; ") + text; };
      if (!dropped.empty()) add_note("time column not read: " + dropped.substr(0, dropped.find(" (")));
      if (!off_grid.empty()) add_note("time column not used (rows taken as consecutive periods, gaps in the times not filled): " + off_grid);
      if (!m_note.empty()) add_note(m_note);
      Series& series = set.series.front();
      // The label gives m (where meta.json gives none) and the frequency group: said when the
      // file's own times step otherwise (a daily file labelled monthly was scored with m 12).
      if (m4_seasonal_period(s.frequency) > 0 && !series.time.ticks.empty() &&
          series.time.frequency.unit != Frequency::Unit::none && series.time.frequency.unit != Frequency::Unit::periods) {
        std::string label = frequency_group(s.frequency);
        if (label == "annual") label = "yearly";
        const std::string found = series.time.frequency.name();
        if (found != label && !(label == "daily" && found == "business daily"))
          add_note("meta.json says " + printable(s.frequency) + " but the file's times are " + found + " (m " +
                   std::to_string(s.m) + " and the " + printable(s.frequency) + " group all the same)");
      }
      // Keeps rows [begin, end) of the series: values, times and the filled-target mask.
      const auto keep_rows = [&](long begin, long end) {
        series.values = MatrixD(series.values.middleRows(begin, end - begin));
        const auto keep = [&](auto& per_row) {  // empty when the series has none
          if (per_row.empty()) return;
          per_row.erase(per_row.begin() + end, per_row.end());
          per_row.erase(per_row.begin(), per_row.begin() + begin);
        };
        keep(series.time.ticks);
        for (std::vector<bool>& rows : series.target_filled) keep(rows);
      };
      // Rows before the target's first value and after its last are not data: the series starts
      // and ends there, and its last h values are held out. The loader drops them under a filling
      // policy, but keeps (fills) leading rows of a file without times, which the scores need not.
      const auto filled = [&](long r) {
        return row_filled(series.target_filled, r);
      };
      long first = 0;
      while (first < series.rows() && filled(first)) ++first;
      if (first > 0) keep_rows(first, series.rows());
      if (series.dropped.leading + first > 0)
        add_note(count_of(series.dropped.leading + first, "leading row") + " without a target value dropped");
      if (series.dropped.trailing > 0) add_note(count_of(series.dropped.trailing, "trailing row") + " without a target value dropped");
      const bool cut = series.rows() > options.max_length;
      if (cut) {  // the last max_length points
        add_note(count_of(series.rows() - options.max_length, "earlier row") + " not used (the protocol keeps the last " +
                 std::to_string(options.max_length) + ")");
        keep_rows(series.rows() - options.max_length, series.rows());
      }
      const long rows = series.rows();
      if (rows < s.h + 3)
        throw InputError(where + " has " + count_of(rows, "row") + ", too few: holding out h = " + std::to_string(s.h) +
                         " needs h + 3 = " + std::to_string(s.h + 3) + " (3 training rows at least)");
      s.train_rows = rows - s.h;
      // The seasonal naive forecast and the MASE scale look m rows back from training rows.
      if (s.train_rows < s.m + 1)
        throw InputError(where + ": m = " + std::to_string(s.m) + " needs m + 1 = " + std::to_string(s.m + 1) +
                         " training rows (seasonal naive looks m rows back), but " + std::to_string(rows) +
                         " rows less h = " + std::to_string(s.h) + " leave " + std::to_string(s.train_rows));
      // The file was interpolated whole: a gap at the end of the training part was filled toward
      // the first held-out value, which training must not see. Its rows take the last training
      // value the file holds instead (as R's na.interp does past a series' last value).
      long held = 0;  // training values the file holds
      for (long r = 0; r < s.train_rows; ++r) held += filled(r) ? 0 : 1;
      if (held < 2)
        throw InputError(where + ": " + std::to_string(held) + " of the " + std::to_string(s.train_rows) +
                         " training values " + (held == 1 ? "is" : "are") + " in the file (the others are missing"
                          + std::string(cut ? ", in the last " + std::to_string(options.max_length) + " rows the protocol keeps" : "") +
                         "): too few to train on");
      long last_held = s.train_rows - 1;
      while (last_held > 0 && filled(last_held)) --last_held;
      const long carried = s.train_rows - 1 - last_held;
      for (long r = last_held + 1; r < s.train_rows; ++r) series.values(r, 0) = series.values(last_held, 0);
      std::vector<double> y(static_cast<size_t>(rows));  // the target (column 0; rows are stored row-major)
      for (long r = 0; r < rows; ++r) y[static_cast<size_t>(r)] = series.values(r, 0);
      s.actual.assign(y.begin() + s.train_rows, y.end());
      // Held-out values missing in the file (interpolated) are not scored: their actual is NaN
      // (null in the JSON), and every method is scored on the points the file holds.
      std::vector<std::size_t> observed;
      for (int h = 0; h < s.h; ++h) {
        if (filled(s.train_rows + h)) s.actual[static_cast<std::size_t>(h)] = std::numeric_limits<double>::quiet_NaN();
        else observed.push_back(static_cast<std::size_t>(h));
      }
      if (static_cast<int>(observed.size()) < s.h)
        add_note(std::to_string(s.h - static_cast<int>(observed.size())) + " of the h = " + std::to_string(s.h) +
                 " held-out values missing in the file, not scored");
      // Training rows the file lacks (a gap in the times, an empty cell) were filled by the
      // protocol's interpolation: the model and the baselines read them as data.
      const long filled_training = s.train_rows - held;
      if (filled_training > carried)
        add_note(count_of(filled_training - carried, "training value") + " missing in the file (a gap in the times or an "
                 "empty cell) interpolated");
      if (carried > 0)
        add_note(count_of(carried, "training value") + " missing in the file after its last training value: carried "
                 "forward from it (not interpolated toward the held-out values)");
      const auto at_observed = [&](const std::vector<double>& values) {
        std::vector<double> out;
        for (const std::size_t h : observed) out.push_back(values[h]);
        return out;
      };
      const std::vector<double> actual_observed = at_observed(s.actual);
      s.scored = static_cast<int>(observed.size());
      std::vector<std::string> score_notes;  // added to the note, and the recipe it ends, once all are scored
      const auto score_observed = [&](const std::string& name, const std::vector<double>& forecast, const MaseScale& scale) {
        MethodScore scored = score(actual_observed, at_observed(forecast), scale, name, score_notes);
        scored.forecast = forecast;  // every step, as forecast
        return scored;
      };
      const std::vector<double> in_sample(y.begin(), y.begin() + s.train_rows);
      const MatrixD full = series.values;
      series.values = MatrixD(full.topRows(s.train_rows));
      if (!series.time.ticks.empty()) series.time.ticks.resize(static_cast<size_t>(s.train_rows));

      const FitOutcome outcome = fit(config, std::move(set));
      if (!outcome.diverged.empty()) throw DivergedError(outcome.diverged);  // as train exits 4
      const Checkpoint& checkpoint = outcome.checkpoint;
      const MatrixD history = full.topRows(s.train_rows);
      const MatrixD predicted = predict_at(checkpoint, history, 0, {s.train_rows}, s.h, config.training.threads);
      Forecast f;
      f.values.resize(s.h, 1);
      for (int h = 0; h < s.h; ++h) f.values(h, 0) = predicted(0, h * static_cast<long>(checkpoint.columns.targets.size()));
      std::vector<double> lstm(f.values.data(), f.values.data() + s.h);
      if (!f.values.allFinite())
        throw DivergedError("the forecast is not finite (NaN or Inf): the data's values are too large or too small for it");
      // baselines.json's scores are of its own split: its held-out values, where it records them,
      // must be these (the same file shortened, or another one, put other rows' scores side by side).
      bool baselines_fit = baselines && baselines->at("series").contains(file);
      if (baselines_fit && baselines->at("series").at(file).contains("actual")) {
        const std::string differs = held_out_differs(baselines->at("series").at(file).at("actual"), s.actual);
        if (!differs.empty()) {
          baselines_fit = false;
          add_note("baselines.json's methods left out: " + differs);
        }
      }
      std::ostringstream recipe;
      recipe << "look-back " << checkpoint.config.data.look_back << ", H " << checkpoint.config.data.horizon << ", "
             << to_string(checkpoint.config.data.normalise);
      if (checkpoint.config.data.normalise == Normalise::season && checkpoint.config.data.season != s.m)
        recipe << " (period " << checkpoint.config.data.season << ")";
      if (!checkpoint.seasonal.empty()) recipe << ", " << to_string(checkpoint.config.data.seasonal_adjust) << " adjusted";
      recipe << ", " << checkpoint.config.model.ensemble << " x " << count_of(checkpoint.config.training.epochs, "epoch");
      if (checkpoint.config.data.stride > 1) recipe << ", stride " << checkpoint.config.data.stride;
      if (!checkpoint.combination.empty()) {
        const auto& w = checkpoint.combination.weights.front();
        const auto& e = checkpoint.combination.validation_mae.front();
        recipe << ", weights " << fixed(w[0], 2) << "/" << fixed(w[1], 2) << "/" << fixed(w[2], 2) << "/" << fixed(w[3], 2)
               << " (val MAE " << error_text(e[0]) << "/" << error_text(e[1]) << "/" << error_text(e[2]) << "/"
               << error_text(e[3]) << ")";
      }
      if (!s.note.empty()) recipe << "; " << s.note;
      s.recipe = recipe.str();

      const MaseScale scale = seasonal_naive_scale(in_sample, s.m);
      s.methods["lstm"] = score_observed("lstm", lstm, scale);
      s.methods["naive"] = score_observed("naive", naive_forecast(y, s.train_rows, s.h), scale);
      s.methods["snaive"] = score_observed("snaive", seasonal_naive_forecast(y, s.train_rows, s.h, s.m), scale);
      s.methods["drift"] = score_observed("drift", drift_forecast(y, s.train_rows, s.h), scale);
      if (baselines_fit) {  // checked by check_folder
        const json& methods = baselines->at("series").at(file).at("methods");
        for (const auto& [name, body] : methods.items()) {
          // naive, snaive and drift are computed here (a baselines.json may hold its own copies).
          if (name == "naive" || name == "snaive" || name == "drift" || !body.contains("forecast")) continue;
          const std::vector<double> forecast = body["forecast"].get<std::vector<double>>();  // checked by check_folder
          s.methods[name] = score_observed(name, forecast, scale);
          if (std::find(result.methods.begin(), result.methods.end(), name) == result.methods.end()) result.methods.push_back(name);
        }
      }
      for (const std::string& note : score_notes) {
        add_note(note);
        s.recipe += "; " + note;
      }
      if (!checkpoint.intervals.empty() && !options.intervals.empty()) {
        add_intervals(f, checkpoint, options.intervals);
        s.lower = f.lower;
        s.upper = f.upper;
        for (size_t l = 0; l < options.intervals.size(); ++l) {
          const int level = options.intervals[l];
          for (const std::size_t h : observed) {
            const double a = s.actual[h];
            const long row = static_cast<long>(h);
            const bool inside = a >= f.lower(row, static_cast<long>(l)) && a <= f.upper(row, static_cast<long>(l));
            s.covered[level] += inside ? 1 : 0;
            covered[level] += inside ? 1 : 0;
            points[level] += 1;
          }
        }
      }
    } catch (const InputError& e) {
      // The protocol takes no --time-column or --look-back: meta.json names the time column.
      std::string why = e.what();
      const std::string hint = kGuessedTimeHint;
      if (const auto at = why.find(hint); at != std::string::npos)
        why.replace(at, hint.size(), "name another with \"time_column\" in meta.json, or \"time_column\": \"\" for none");
      result.skipped.push_back({file, why});
      continue;
    } catch (const DivergedError& e) {  // one series' training or forecast overflowed: the others still count
      result.skipped.push_back({file, where + ": " + e.what()});
      ++diverged;
      continue;
    }
    s.seconds = seconds_since(series_start);
    if (options.progress)
      options.progress(printable(file) + ": MASE " + fixed(s.methods["lstm"].mase, 3) + " (seasonal naive " +
                       fixed(s.methods["snaive"].mase, 3) + "), " + s.recipe + ", " + fixed(s.seconds, 1) + " s");
    result.series.push_back(std::move(s));
  }
  if (result.series.empty() && !result.skipped.empty()) {
    const std::string message = result.skipped.front().second + " (no series could be scored: this is the first of " +
                                std::to_string(result.skipped.size()) + " skipped)";  // it starts with its location
    // Every one diverged: the run failed as train's does (exit 4), not on bad input.
    if (diverged == static_cast<long>(result.skipped.size())) throw DivergedError(message);
    throw InputError(message);
  }
  const CommonGeometricMeans means = common_geometric_means(mase_entries(result.series), result.methods);
  for (const auto& [method, g] : means.by_method)
    if (g.defined()) result.geomean_mase[method] = *g.value;
  for (const size_t i : means.left_out) result.geomean_left_out.push_back({result.series[i].file, left_out_reason(result.series[i], result.methods)});
  for (const auto& [level, n] : points) result.coverage[level] = static_cast<double>(covered[level]) / static_cast<double>(n);
  result.seconds = seconds_since(start);
  return result;
}

namespace {

// Text from meta.json, a file name or the recipe in a Markdown table cell: as error.hpp printable
// shows it (line breaks as \n, other control characters and invisible ones as escapes, so none
// reaches a terminal raw), '|' escaped.
std::string cell(const std::string& text) {
  std::string out;
  for (const char c : printable(text, std::string::npos)) {
    if (c == '|') out += "\\|";
    else out += c;
  }
  return out;
}

}  // namespace

std::string protocol_markdown(const ProtocolResult& r) {
  std::ostringstream out;
  out << "MASE per series (lower is better; < 1 beats the in-sample seasonal naive), " << printable(r.folder, std::string::npos)
      << ":\n\n";
  out << "| series | frequency | m | h | lstm |";
  for (size_t i = 1; i < r.methods.size(); ++i) out << " " << cell(r.methods[i]) << " |";
  out << "\n| --- | --- | --- | --- |";
  for (size_t i = 0; i < r.methods.size(); ++i) out << " ---: |";
  out << "\n";
  for (const auto& s : r.series) {
    out << "| " << cell(s.file) << " | " << cell(s.frequency) << " | " << s.m << " | " << s.h << " |";
    for (const auto& method : r.methods)
      out << " " << (s.methods.count(method) ? fixed(s.methods.at(method).mase, 3) : "") << " |";
    out << "\n";
  }
  out << "| **geometric mean** | | | |";
  for (const auto& method : r.methods)
    out << " **" << (r.geomean_mase.count(method) ? fixed(r.geomean_mase.at(method), 3) : "n/a") << "** |";
  out << "\n\n";
  if (!r.geomean_left_out.empty()) {
    out << "Not in the geometric means (every method is compared on the same series):\n\n";
    for (const auto& [file, why] : r.geomean_left_out) out << "- " << cell(file) << ": " << why << "\n";
    out << "\n";
  }

  // Geometric mean of MASE per frequency, each group shown as first spelt, its series found by a
  // map (searching the groups for each series was O(series x frequencies)).
  std::vector<std::string> frequencies;
  std::vector<std::vector<std::size_t>> members;  // [frequency] -> indices into r.series
  std::unordered_map<std::string, std::size_t> group_index;
  for (std::size_t i = 0; i < r.series.size(); ++i) {
    const auto [at, added] = group_index.emplace(frequency_group(r.series[i].frequency), frequencies.size());
    if (added) {
      frequencies.push_back(r.series[i].frequency);
      members.emplace_back();
    }
    members[at->second].push_back(i);
  }
  out << "Geometric mean of MASE per frequency:\n\n| frequency | series |";
  for (const auto& method : r.methods) out << " " << cell(method) << " |";
  out << "\n| --- | ---: |";
  for (size_t i = 0; i < r.methods.size(); ++i) out << " ---: |";
  out << "\n";
  const auto entries = mase_entries(r.series);
  for (std::size_t f = 0; f < frequencies.size(); ++f) {
    const std::string& frequency = frequencies[f];
    std::vector<std::map<std::string, double>> of_frequency;
    for (const std::size_t i : members[f]) of_frequency.push_back(entries[i]);
    const CommonGeometricMeans means = common_geometric_means(of_frequency, r.methods);
    out << "| " << (frequency.empty() ? "-" : cell(frequency)) << " | " << means.used.size();
    if (!means.left_out.empty()) out << " of " << of_frequency.size();
    out << " |";
    for (const auto& method : r.methods) {
      const Score& g = means.by_method.at(method);
      out << " " << (g.defined() ? fixed(*g.value, 3) : "n/a") << " |";
    }
    out << "\n";
  }
  out << "\nThe lstm forecast in detail (sMAPE in percent, RMSE in the data's units; coverage = held-out points "
         "inside the interval):\n\n| series | recipe | sMAPE | RMSE |";
  for (const int level : r.levels) out << " " << level << "% coverage |";
  out << " seconds |\n| --- | --- | ---: | ---: |";
  for (size_t i = 0; i < r.levels.size(); ++i) out << " ---: |";
  out << " ---: |\n";
  for (const auto& s : r.series) {
    const MethodScore& lstm = s.methods.at("lstm");
    out << "| " << cell(s.file) << " | " << cell(s.recipe) << " | " << fixed(lstm.smape, 2) << " | " << error_text(lstm.rmse) << " |";
    for (const int level : r.levels)
      out << " " << (s.covered.count(level) ? std::to_string(s.covered.at(level)) + "/" + std::to_string(s.scored) : "n/a") << " |";
    out << " " << fixed(s.seconds, 1) << " |\n";
  }
  out << "\nInterval coverage over every held-out point:";
  for (const int level : r.levels)
    out << " " << level << "% -> " << (r.coverage.count(level) ? fixed(100 * r.coverage.at(level), 1) + "%" : "n/a") << ";";
  out << " total " << fixed(r.seconds, 1) << " s.\n";
  if (!r.skipped.empty()) {
    out << "\nSkipped (not in the tables or the means above):\n\n";
    for (const auto& [file, why] : r.skipped) out << "- " << cell(file) << ": " << printable(why, std::string::npos) << "\n";
  }
  return out.str();
}

json to_json(const ProtocolResult& r) {
  json out = json::object();
  out["folder"] = r.folder;
  out["methods"] = r.methods;
  out["seconds"] = r.seconds;
  json geomean = json::object();
  for (const auto& [method, value] : r.geomean_mase) geomean[method] = value;
  out["geomean_mase"] = geomean;
  json left_out = json::object();
  for (const auto& [file, why] : r.geomean_left_out) left_out[file] = why;
  out["geomean_left_out"] = left_out;
  json coverage = json::object();
  for (const auto& [level, value] : r.coverage) coverage[std::to_string(level)] = value;
  out["coverage"] = coverage;
  json series = json::object();
  for (const auto& s : r.series) {
    json methods = json::object();
    for (const auto& [name, m] : s.methods)
      methods[name] = {{"mase", std::isfinite(m.mase) ? json(m.mase) : json(nullptr)}, {"smape", m.smape}, {"rmse", m.rmse},
                       {"forecast", m.forecast}};
    json intervals = json::object();
    for (size_t l = 0; l < r.levels.size() && s.lower.cols() > static_cast<long>(l); ++l) {
      std::vector<double> lo, hi;
      for (long h = 0; h < s.lower.rows(); ++h) lo.push_back(s.lower(h, static_cast<long>(l))), hi.push_back(s.upper(h, static_cast<long>(l)));
      intervals[std::to_string(r.levels[l])] = {{"lower", lo}, {"upper", hi}, {"covered", s.covered.at(r.levels[l])}};
    }
    series[s.file] = {{"target", s.target}, {"frequency", s.frequency}, {"m", s.m}, {"h", s.h},
                      {"n_train", s.train_rows}, {"n_scored", s.scored}, {"recipe", s.recipe}, {"note", s.note}, {"actual", s.actual},
                      {"methods", methods}, {"intervals", intervals}, {"seconds", s.seconds}};
  }
  out["series"] = series;
  json skipped = json::object();
  for (const auto& [file, why] : r.skipped) skipped[file] = why;
  out["skipped"] = skipped;
  return out;
}

}  // namespace lstmf
