#include "lstmf/config.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iomanip>
#include <limits>
#include <optional>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "lstmf/error.hpp"
#include "lstmf/io.hpp"
#include "lstmf/random.hpp"

namespace lstmf {
namespace {

using json = nlohmann::json;
using Problems = std::vector<ConfigProblem>;

// ---- enum names: one table per enum, used for JSON, flags and help ----------------------------
template <typename E>
struct EnumNames;
template <>
struct EnumNames<MissingPolicy> {
  static constexpr std::pair<MissingPolicy, const char*> names[] = {
      {MissingPolicy::error, "error"}, {MissingPolicy::interpolate, "interpolate"}, {MissingPolicy::ffill, "ffill"}};
};
template <>
struct EnumNames<CellActivation> {
  static constexpr std::pair<CellActivation, const char*> names[] = {{CellActivation::tanh, "tanh"},
                                                                     {CellActivation::relu, "relu"}};
};
template <>
struct EnumNames<InitScheme> {
  static constexpr std::pair<InitScheme, const char*> names[] = {{InitScheme::pytorch, "pytorch"},
                                                                 {InitScheme::orthogonal, "orthogonal"}};
};
template <>
struct EnumNames<OptimizerKind> {
  static constexpr std::pair<OptimizerKind, const char*> names[] = {
      {OptimizerKind::adam, "adam"}, {OptimizerKind::rmsprop, "rmsprop"}, {OptimizerKind::sgd, "sgd"}};
};
template <>
struct EnumNames<LossKind> {
  static constexpr std::pair<LossKind, const char*> names[] = {
      {LossKind::mse, "mse"}, {LossKind::mae, "mae"}, {LossKind::huber, "huber"}};
};

template <>
struct EnumNames<Normalise> {
  static constexpr std::pair<Normalise, const char*> names[] = {{Normalise::automatic, "auto"},
                                                                {Normalise::minmax, "minmax"},
                                                                {Normalise::last, "last"},
                                                                {Normalise::season, "season"}};
};
template <>
struct EnumNames<SeasonalAdjust> {
  static constexpr std::pair<SeasonalAdjust, const char*> names[] = {{SeasonalAdjust::automatic, "auto"},
                                                                     {SeasonalAdjust::none, "none"},
                                                                     {SeasonalAdjust::multiplicative, "multiplicative"},
                                                                     {SeasonalAdjust::additive, "additive"}};
};
template <>
struct EnumNames<TrainingMode> {
  static constexpr std::pair<TrainingMode, const char*> names[] = {{TrainingMode::per_series, "per-series"},
                                                                   {TrainingMode::global, "global"}};
};

template <typename E>
std::string enum_name(E value) {
  for (const auto& [v, name] : EnumNames<E>::names)
    if (v == value) return name;
  return "?";
}

template <typename E>
std::string enum_choices() {
  std::string out;
  for (const auto& entry : EnumNames<E>::names) out += (out.empty() ? "" : "|") + std::string(entry.second);
  return out;
}

// Thrown by the value converters below; turned into "<key path> must be <expected>, got <text>".
struct BadValue {
  std::string expected;
  std::string found;
  bool beyond_int = false;  // an integer beyond int's range (out_of_int_range): expected_text says the option's own
};

std::string json_text(const json& value) {
  return printable(value.dump(), 40);
}

// What an integer setting beyond int's range must be, on the side it left: every such setting is an
// int, whatever narrower range it checks afterwards.
std::string out_of_int_range(bool negative) {
  return negative ? "an integer of at least -2147483648 (every integer setting is a 32-bit int)"
                  : "an integer of at most 2147483647 (every integer setting is a 32-bit int)";
}

// ---- value converters: JSON and command-line text, per C++ type ------------------------------
template <typename T>
struct Convert;

template <>
struct Convert<int> {
  static std::string expected() { return "an integer"; }
  static int from_json(const json& j) {
    // Beyond long long (2^63 and up), nlohmann holds an unsigned number: on the positive side.
    if (j.is_number_unsigned() && j.get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<int>::max()))
      throw BadValue{out_of_int_range(false), json_text(j), true};
    if (j.is_number_integer()) {
      const auto wide = j.get<long long>();
      if (wide >= std::numeric_limits<int>::min() && wide <= std::numeric_limits<int>::max())
        return static_cast<int>(wide);
      throw BadValue{out_of_int_range(wide < 0), json_text(j), true};
    }
    // Past 2^64 - 1 (or below -2^63) the JSON reader holds even a plain integer as a float
    // (99999999999999999999 reads 1e+20): a whole number that large is beyond int's range too,
    // and is told the option's range, not "an integer".
    if (j.is_number_float()) {
      const double value = j.get<double>();
      if (std::isfinite(value) && std::floor(value) == value && std::abs(value) > std::numeric_limits<int>::max())
        throw BadValue{out_of_int_range(value < 0), json_text(j), true};
    }
    throw BadValue{expected(), json_text(j)};
  }
  static int from_text(const std::string& text) {
    int value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error == std::errc::result_out_of_range && end == text.data() + text.size())  // as from_json says
      throw BadValue{out_of_int_range(!text.empty() && text[0] == '-'), in_quotes(text), true};
    if (text.empty() || error != std::errc() || end != text.data() + text.size())
      throw BadValue{expected(), in_quotes(text)};
    return value;
  }
  static json to_json(int v) { return v; }
  static std::string text(int v) { return std::to_string(v); }
};

template <>
struct Convert<std::uint64_t> {
  static std::string expected() { return "a non-negative integer"; }
  static std::string too_large() { return "a non-negative integer of at most 18446744073709551615 (2^64 - 1)"; }
  static std::uint64_t from_json(const json& j) {
    if (j.is_number_unsigned()) return j.get<std::uint64_t>();
    // -0, which the JSON reader holds as a signed integer (any other integer >= 0 it holds unsigned):
    // 0, as the int settings take it (it was refused "must be a non-negative integer, got 0").
    if (j.is_number_integer() && j.get<long long>() == 0) return 0;
    // An integer beyond 2^64 - 1 is held as a float by the JSON reader: say it is too large.
    if (j.is_number_float()) {
      const double value = j.get<double>();
      if (std::isfinite(value) && value >= 18446744073709551616.0 && std::floor(value) == value)
        throw BadValue{too_large(), json_text(j)};
    }
    throw BadValue{expected(), json_text(j)};
  }
  static std::uint64_t from_text(const std::string& text) {
    // "-0" ("-00") is 0, as the int settings read it (from_chars of an unsigned type stops at '-').
    if (text.size() > 1 && text[0] == '-' && text.find_first_not_of('0', 1) == std::string::npos) return 0;
    std::uint64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error == std::errc::result_out_of_range && end == text.data() + text.size()) throw BadValue{too_large(), in_quotes(text)};
    if (text.empty() || error != std::errc() || end != text.data() + text.size())
      throw BadValue{expected(), in_quotes(text)};
    return value;
  }
  static json to_json(std::uint64_t v) { return v; }
  static std::string text(std::uint64_t v) { return std::to_string(v); }
};

template <>
struct Convert<double> {
  static std::string expected() { return "a finite number"; }
  static double from_json(const json& j) {
    if (j.is_number()) return j.get<double>();
    throw BadValue{expected(), json_text(j)};
  }
  static double from_text(const std::string& text) {
    double value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    const bool whole = !text.empty() && end == text.data() + text.size();
    if (whole && error == std::errc::result_out_of_range) {
      // A number, but not a double's: strtod tells which side (0 below, +-HUGE_VAL above).
      if (std::abs(std::strtod(text.c_str(), nullptr)) < 1)
        throw BadValue{"a number a double can hold (nonzero ones from 4.9e-324 up in magnitude; 0 is written 0)",
                       in_quotes(text)};
      throw BadValue{"a finite number (at most 1.8e308 in magnitude)", in_quotes(text)};
    }
    if (!whole || error != std::errc() || !std::isfinite(value)) throw BadValue{expected(), in_quotes(text)};
    return value;
  }
  static json to_json(double v) { return v; }
  // Six significant digits where they hold the value (0.001, 1e-06: --help's defaults), more where
  // they do not: 1.0000001 is not "1" (a range message said "must be <= 1, got 1").
  static std::string text(double v) {
    std::string shown;
    for (int digits = 6; digits <= 17; ++digits) {
      std::ostringstream out;
      out << std::setprecision(digits) << v;
      shown = out.str();
      if (std::strtod(shown.c_str(), nullptr) == v) break;
    }
    return shown;
  }
};

template <>
struct Convert<bool> {
  static std::string expected() { return "true or false"; }
  static bool from_json(const json& j) {
    if (j.is_boolean()) return j.get<bool>();
    throw BadValue{expected(), json_text(j)};
  }
  static bool from_text(const std::string& text) {
    if (text == "true" || text == "1") return true;
    if (text == "false" || text == "0") return false;
    throw BadValue{expected(), in_quotes(text)};
  }
  static json to_json(bool v) { return v; }
  static std::string text(bool v) { return v ? "true" : "false"; }
};

// "auto", or a boolean (true / false, and 1 / 0 on the command line).
template <>
struct Convert<Toggle> {
  static std::string expected() { return "true, false or \"auto\""; }
  static Toggle from_json(const json& j) {
    if (j.is_boolean()) return j.get<bool>() ? Toggle::on : Toggle::off;
    if (j.is_string() && j.get<std::string>() == "auto") return Toggle::automatic;
    throw BadValue{expected(), json_text(j)};
  }
  static Toggle from_text(const std::string& text) {
    if (text == "auto") return Toggle::automatic;
    try {
      return Convert<bool>::from_text(text) ? Toggle::on : Toggle::off;
    } catch (const BadValue&) {
      throw BadValue{expected(), in_quotes(text)};
    }
  }
  static json to_json(Toggle v) { return v == Toggle::automatic ? json("auto") : json(v == Toggle::on); }
  static std::string text(Toggle v) { return v == Toggle::automatic ? "auto" : v == Toggle::on ? "true" : "false"; }
};

template <>
struct Convert<std::string> {
  static std::string expected() { return "a string"; }
  // A NUL (JSON \u0000) would cut a path or a column name short where the system reads it.
  static std::string from_json(const json& j) {
    if (j.is_string() && j.get<std::string>().find('\0') == std::string::npos) return j.get<std::string>();
    throw BadValue{j.is_string() ? "a string without NUL characters" : expected(), json_text(j)};
  }
  static std::string from_text(const std::string& text) { return text; }
  static json to_json(const std::string& v) { return v; }
  static std::string text(const std::string& v) { return v.empty() ? "\"\"" : v; }
};

// "a,b" -> {a, b}; an item in double quotes may hold commas, and "" is a quote in it, as in a CSV
// field: '"sales, EUR",units' -> {sales, EUR | units}.
std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  std::size_t at = 0;
  while (true) {
    std::string item;
    if (at < text.size() && text[at] == '"') {
      for (++at;; ++at) {
        if (at == text.size()) throw BadValue{"a closing quote", in_quotes(text)};
        if (text[at] == '"' && (at + 1 == text.size() || text[at + 1] != '"')) break;
        if (text[at] == '"') ++at;
        item += text[at];
      }
      if (++at < text.size() && text[at] != ',')
        throw BadValue{"a comma after a quoted item", in_quotes(text)};
    } else {
      const std::size_t comma = std::min(text.find(',', at), text.size());
      item = text.substr(at, comma - at);
      at = comma;
    }
    items.push_back(std::move(item));
    if (at >= text.size()) break;
    ++at;  // the comma
  }
  if (text.empty()) items.clear();
  return items;
}

// An item as split_list reads it back: quoted when it holds a comma.
inline std::string list_item(const std::string& item) {
  if (item.find(',') == std::string::npos) return item;
  std::string out = "\"";
  for (const char c : item) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

// Lists: a JSON array (or a single value), or comma-separated text on the command line.
template <typename T>
struct Convert<std::vector<T>> {
  static std::string expected() {
    const std::string one = Convert<T>::expected();  // "an integer" -> "a list of integers"
    return "a list of " + one.substr(one.find(' ') + 1) + "s";
  }
  static std::vector<T> from_json(const json& j) {
    try {
      if (!j.is_array()) return {Convert<T>::from_json(j)};
      std::vector<T> out;
      for (const auto& item : j) out.push_back(Convert<T>::from_json(item));
      return out;
    } catch (const BadValue& bad) {
      throw BadValue{expected(), json_text(j), bad.beyond_int};
    }
  }
  static std::vector<T> from_text(const std::string& text) {
    const std::vector<std::string> items = split_list(text);  // its own message for a quote left open
    try {
      std::vector<T> out;
      for (const auto& item : items) out.push_back(Convert<T>::from_text(item));
      return out;
    } catch (const BadValue& bad) {
      throw BadValue{expected(), in_quotes(text), bad.beyond_int};
    }
  }
  static json to_json(const std::vector<T>& v) {
    json out = json::array();
    for (const auto& item : v) out.push_back(Convert<T>::to_json(item));
    return out;
  }
  static std::string text(const std::vector<T>& v) {
    std::string out;
    for (const auto& item : v) out += (out.empty() ? "" : ",") + list_item(Convert<T>::text(item));
    return out.empty() ? "\"\"" : out;
  }
};

template <typename E>
struct EnumConvert {
  static std::string expected() { return "one of " + enum_choices<E>(); }
  static E from_text(const std::string& text) {
    for (const auto& [v, name] : EnumNames<E>::names)
      if (text == name) return v;
    throw BadValue{expected(), in_quotes(text)};
  }
  static E from_json(const json& j) {
    if (!j.is_string()) throw BadValue{expected(), json_text(j)};
    return from_text(j.get<std::string>());
  }
  static json to_json(E v) { return enum_name(v); }
  static std::string text(E v) { return enum_name(v); }
};
template <>
struct Convert<MissingPolicy> : EnumConvert<MissingPolicy> {};
template <>
struct Convert<CellActivation> : EnumConvert<CellActivation> {};
template <>
struct Convert<InitScheme> : EnumConvert<InitScheme> {};
template <>
struct Convert<OptimizerKind> : EnumConvert<OptimizerKind> {};
template <>
struct Convert<LossKind> : EnumConvert<LossKind> {};
template <>
struct Convert<Normalise> : EnumConvert<Normalise> {};
template <>
struct Convert<SeasonalAdjust> : EnumConvert<SeasonalAdjust> {};
template <>
struct Convert<TrainingMode> : EnumConvert<TrainingMode> {};

// ---- checks -----------------------------------------------------------------------------------
// A check sees one scalar value and says what is wrong with it ("must be >= 1, got 0"; "" when
// nothing is); `range` says what it accepts, for the option table and --help.
template <typename T>
struct Check {
  std::function<std::string(const T&)> run;
  std::string range;  // "1 .. 100000", "> 0", "[0, 1)"; "" where the meaning lists the values
  explicit operator bool() const { return static_cast<bool>(run); }
};

template <typename T>
Check<T> in_range(T lo, T hi) {
  return {[lo, hi](const T& v) {
            if (v < lo) return "must be >= " + Convert<T>::text(lo) + ", got " + Convert<T>::text(v);
            if (v > hi) return "must be <= " + Convert<T>::text(hi) + ", got " + Convert<T>::text(v);
            return std::string();
          },
          Convert<T>::text(lo) + " .. " + Convert<T>::text(hi)};
}
Check<double> positive() {
  return {[](const double& v) { return v > 0 ? std::string() : "must be > 0, got " + Convert<double>::text(v); },
          "> 0"};
}
Check<double> at_least(double lo) {
  return {[lo](const double& v) {
            return v >= lo ? std::string() : "must be >= " + Convert<double>::text(lo) + ", got " + Convert<double>::text(v);
          },
          ">= " + Convert<double>::text(lo)};
}
// [0, below): "must be in [0, 1), got 1".
Check<double> fraction_below(double below) {
  const std::string range = "[0, " + Convert<double>::text(below) + ")";
  return {[below, range](const double& v) { return v >= 0 && v < below ? std::string() : "must be in " + range + ", got " + Convert<double>::text(v); },
          range};
}
Check<double> fraction_open() { return fraction_below(1); }

// A held-out tail (data.val_fraction, data.test_fraction) lies in [0, 0.9), as the option table
// says; its message said [0, 1) (a review, 2026-12-07). Their sum is checked in validate().
constexpr double kTailsBelow = 0.9;

// The delimiter data.delimiter names, as delimiter_from_text reads it; nullopt for no delimiter.
std::optional<char> named_delimiter(const std::string& text) {
  if (text == "auto") return '\0';
  if (text == "," || text == ";") return text[0];
  if (text == "tab" || text == "\t" || text == "\\t") return '\t';
  return std::nullopt;
}

std::string delimiter_complaint(const std::string& text) {
  return named_delimiter(text) ? ""
                               : "must be auto, ',', ';' or tab (the word, \\t, or a tab character), got '" + printable(text) + "'";
}

Check<std::string> delimiter_name() { return {delimiter_complaint, ""}; }

// The problem of key `path` (of its element [i] for an array) its check finds, if any.
template <typename T>
void run_check(const Check<T>& check, const T& value, const std::string& path, Problems& problems) {
  if (!check) return;
  if (std::string complaint = check.run(value); !complaint.empty()) problems.push_back({{path}, path + " " + complaint});
}
template <typename T>
void run_check(const Check<T>& check, const std::vector<T>& values, const std::string& path, Problems& problems) {
  if (!check) return;
  for (size_t i = 0; i < values.size(); ++i)
    if (std::string complaint = check.run(values[i]); !complaint.empty())
      problems.push_back({{path}, path + "[" + std::to_string(i) + "] " + complaint});
}

template <typename T>
struct ElementOf {
  using type = T;
};
template <typename T>
struct ElementOf<std::vector<T>> {
  using type = T;
};

// ---- the option table -------------------------------------------------------------------------
struct OptionDef {
  OptionInfo info;
  std::function<json(const Config&)> get;
  std::function<void(Config&, const json&)> set_json;      // throws BadValue
  std::function<void(Config&, const std::string&)> set_text;  // throws BadValue
  std::function<void(const Config&, Problems&)> check;
  std::string default_text;
};

template <typename Section, typename T>
OptionDef option(Section Config::*section, const char* section_name, T Section::*field, const char* key,
                 const char* flag, const char* value_name, const char* help,
                 Check<typename ElementOf<T>::type> check = {}) {
  OptionDef def;
  def.info = OptionInfo{section_name, key, flag, value_name, help, check.range};
  def.get = [=](const Config& c) { return Convert<T>::to_json(c.*section.*field); };
  def.set_json = [=](Config& c, const json& j) { c.*section.*field = Convert<T>::from_json(j); };
  def.set_text = [=](Config& c, const std::string& text) { c.*section.*field = Convert<T>::from_text(text); };
  const std::string path = def.info.path();
  def.check = [=](const Config& c, Problems& problems) { run_check(check, c.*section.*field, path, problems); };
  def.default_text = Convert<T>::text(Config{}.*section.*field);
  return def;
}

// An integer key whose value 0 means "chosen from the data" (recipe.hpp). Users write "auto"
// (JSON string or flag text) for it; a literal 0 or a negative number is refused, so `--look-back 0`
// is a mistake caught rather than a request for the recipe. 0 is written back as "auto".
template <typename Section>
OptionDef auto_option(Section Config::*section, const char* section_name, int Section::*field, const char* key,
                      const char* flag, const char* value_name, const char* help, int hi) {
  OptionDef def = option(section, section_name, field, key, flag, value_name, help, in_range(0, hi));
  def.info.range = "1 .. " + std::to_string(hi) + " or auto";
  // The range at once, as past int's range (expected_text): 0, -3, 2.5 and "ten" alike.
  const std::string expected = "an integer in " + def.info.range;
  const auto from_int = [expected](int v, const std::string& found) {
    if (v < 1) throw BadValue{expected, found};
    return v;
  };
  def.get = [=](const Config& c) { return c.*section.*field == 0 ? json("auto") : json(c.*section.*field); };
  def.set_json = [=](Config& c, const json& j) {
    if (j.is_string() && j.get<std::string>() == "auto") {
      c.*section.*field = 0;
      return;
    }
    try {
      c.*section.*field = from_int(Convert<int>::from_json(j), json_text(j));
    } catch (const BadValue& e) {
      throw e.expected == Convert<int>::expected() ? BadValue{expected, e.found} : e;
    }
  };
  def.set_text = [=](Config& c, const std::string& text) {
    if (text == "auto") {
      c.*section.*field = 0;
      return;
    }
    try {
      c.*section.*field = from_int(Convert<int>::from_text(text), text);
    } catch (const BadValue& e) {
      throw e.expected == Convert<int>::expected() ? BadValue{expected, e.found} : e;
    }
  };
  def.default_text = Config{}.*section.*field == 0 ? "auto" : std::to_string(Config{}.*section.*field);
  return def;
}

// `def` with the range the option table shows replaced, where the check alone does not say it all.
OptionDef with_range(OptionDef def, std::string range) {
  def.info.range = std::move(range);
  return def;
}

// data.val_fraction + data.test_fraction must be below 0.9, leaving 10% of the rows to train on (validate).
const char* const kTailsRange = "[0, 0.9), with the other tail: their sum below 0.9";

// Bounds of model.hidden: a layer's size, and the number of layers (validate).
constexpr int kMaxHidden = 4096;
constexpr std::size_t kMaxLayers = 16;

#define LSTMF_DATA(field, ...) option(&Config::data, "data", &DataConfig::field, #field, __VA_ARGS__)
#define LSTMF_MODEL(field, ...) option(&Config::model, "model", &ModelConfig::field, #field, __VA_ARGS__)
#define LSTMF_TRAIN(field, ...) option(&Config::training, "training", &TrainingConfig::field, #field, __VA_ARGS__)
#define LSTMF_OUTPUT(field, ...) option(&Config::output, "output", &OutputConfig::field, #field, __VA_ARGS__)

// The only place that names each configuration key. Bounds on sizes keep absurd values from ever
// reaching an allocation; the memory a job needs is checked again against its data.
const std::vector<OptionDef>& option_table() {
  static const std::vector<OptionDef> table = {
      LSTMF_DATA(path, "--data", "FILE", "CSV file with a header row; - reads stdin"),
      LSTMF_DATA(targets, "--target", "COL[,COL]", "columns to forecast"),
      LSTMF_DATA(features, "--features", "COL[,COL]", "extra input columns"),
      LSTMF_DATA(time_column, "--time-column", "COL", "column of timestamps (dates, datetimes, year-months, periods)"),
      LSTMF_DATA(delimiter, "--delimiter", "D", "field delimiter: auto, ',', ';' or tab",
                 delimiter_name()),
      LSTMF_DATA(missing, "--missing", "POLICY", "missing values and time gaps: error, interpolate or ffill"),
      auto_option(&Config::data, "data", &DataConfig::look_back, "look_back", "--look-back", "N",
                  "input steps per window; auto = chosen from the data", 100000),
      LSTMF_DATA(horizon, "--horizon", "N", "steps forecast per window", in_range(1, 100000)),
      LSTMF_DATA(stride, "--stride", "N", "steps between window starts (not given, the recipe raises it for a long series with a long look-back)", in_range(1, 100000)),
      with_range(LSTMF_DATA(val_fraction, "--val-fraction", "X", "chronological tail of the rows used for validation (at least one horizon of rows when above 0); not given, "
                            "with an automatic look-back, the recipe sizes it",
                            fraction_below(kTailsBelow)),
                 kTailsRange),
      with_range(LSTMF_DATA(test_fraction, "--test-fraction", "X", "tail after validation held out for testing (at least one horizon of rows when above 0)",
                            fraction_below(kTailsBelow)),
                 kTailsRange),
      // The recipe stretches the range up to 1e4 (recipe.cpp); far beyond, training overflows.
      with_range(LSTMF_DATA(scale_min, "", "X", "lower bound of the min-max feature range", in_range(-kScaleBound, kScaleBound)),
                 "-1e+06 .. 1e+06, below scale_max"),
      with_range(LSTMF_DATA(scale_max, "", "X", "upper bound of the min-max feature range (at least 0.001 and a thousandth of its magnitude above scale_min)",
                            in_range(-kScaleBound, kScaleBound)),
                 "-1e+06 .. 1e+06, above scale_min"),
      LSTMF_DATA(series_column, "--series-column", "COL",
                 "long format: column naming each row's series (one model per series or one global model)"),
      LSTMF_DATA(strict, "", "BOOL", "long format: a series too short for one window or with a column without values is an error, not skipped (train --strict)"),
      LSTMF_DATA(normalise, "--normalise", "MODE",
                 "auto, minmax, last (window relative to its last value) or season (targets relative to the seasonal naive forecast)"),
      LSTMF_DATA(season, "--season", "M", "seasonal period; 0 = from the time column's frequency", in_range(0, 100000)),
      LSTMF_DATA(seasonal_adjust, "--seasonal-adjust", "MODE",
                 "auto, none, multiplicative or additive: divide out (subtract) classical-decomposition seasonal indices "
                 "before scaling, restore them in forecasts; needs data.season >= 2 and two seasons of training rows"),
      with_range(LSTMF_MODEL(hidden, "--hidden", "N[,N...]", "hidden size of each stacked LSTM layer, bottom first",
                             in_range(1, kMaxHidden)),
                 "1 .. " + std::to_string(kMaxHidden) + " each, " + std::to_string(kMaxLayers) + " layers at most"),
      LSTMF_MODEL(cell_activation, "--cell-activation", "ACT", "cell activation: tanh or relu"),
      LSTMF_MODEL(dropout, "--dropout", "X", "dropout between stacked layers while training", fraction_open()),
      LSTMF_MODEL(init, "", "SCHEME", "weight initialisation: pytorch or orthogonal (recurrent weights)"),
      LSTMF_MODEL(unit_forget_bias, "", "BOOL", "start the forget-gate bias at 1"),
      auto_option(&Config::model, "model", &ModelConfig::ensemble, "ensemble", "--ensemble", "N",
                  "members trained in parallel, member k from seed * 256 + k (the seed rotated left 8 bits, plus k); median forecast; auto = chosen from the data",
                  kMaxMembers),
      auto_option(&Config::training, "training", &TrainingConfig::epochs, "epochs", "--epochs", "N",
                  "passes over the training windows; auto = chosen from the data", 1000000),
      LSTMF_TRAIN(batch_size, "--batch-size", "N", "windows per gradient step", in_range(1, 1000000)),
      LSTMF_TRAIN(optimizer, "--optimizer", "NAME", "adam, rmsprop or sgd (torch.optim semantics)"),
      LSTMF_TRAIN(lr, "--lr", "X", "learning rate", positive()),
      LSTMF_TRAIN(beta1, "", "X", "Adam's first-moment decay", fraction_open()),
      LSTMF_TRAIN(beta2, "", "X", "Adam's second-moment decay", fraction_open()),
      // The engine adds it in float32, where 1e-46 is 0: a weight whose gradient was 0 then took
      // 0/0 (a hunt: "forecasts NaN ... training.lr is 0.001"). 1e-45 rounds to float32's least
      // (denormal) number, 1.4e-45, which works (no flush to zero here): a checkpoint trained with
      // 1e-40 still loads.
      LSTMF_TRAIN(eps, "", "X", "Adam's and RMSprop's epsilon (added in float32, which holds none below 1.4e-45)", at_least(1e-45)),
      LSTMF_TRAIN(alpha, "", "X", "RMSprop's smoothing constant", fraction_open()),
      LSTMF_TRAIN(momentum, "", "X", "RMSprop's and SGD's momentum", fraction_open()),
      LSTMF_TRAIN(centered, "", "BOOL", "centered RMSprop"),
      LSTMF_TRAIN(weight_decay, "--weight-decay", "X", "L2 penalty added to the gradients", in_range(0.0, 1.0)),
      LSTMF_TRAIN(loss, "--loss", "NAME", "mse, mae or huber (not given, the one-series recipe takes huber where it chooses the epochs; with --series-column, mse)"),
      LSTMF_TRAIN(huber_delta, "", "X", "Huber loss threshold", positive()),
      LSTMF_TRAIN(clip_norm, "--clip-norm", "X", "clip gradients to this global L2 norm; 0 = off",
                  in_range(0.0, 1e30)),
      LSTMF_TRAIN(patience, "--patience", "N", "early stopping: epochs without improvement; 0 = off (not given, the one-series recipe takes 20 where it chooses the epochs; with --series-column, 10)",
                  in_range(0, 1000000)),
      LSTMF_TRAIN(min_delta, "", "X", "early stopping: smallest improvement that counts", in_range(0.0, 1e30)),
      LSTMF_TRAIN(lr_factor, "--lr-factor", "X", "reduce-on-plateau: multiply lr by X after lr_patience epochs without improvement; 1 = off (not given, the one-series recipe takes 0.5 where it chooses the epochs; with --series-column, 1)",
                  in_range(1e-6, 1.0)),
      LSTMF_TRAIN(lr_patience, "", "N", "reduce-on-plateau: epochs without improvement before lr is reduced", in_range(1, 1000000)),
      LSTMF_TRAIN(min_lr, "", "X", "reduce-on-plateau: lr never goes below this", in_range(0.0, 1e30)),
      with_range(LSTMF_TRAIN(seed, "--seed", "N", "seed of every random choice"), "0 .. 2^64 - 1"),
      LSTMF_TRAIN(threads, "--threads", "N", "worker threads; 0 = every core this process may use (its CPU affinity)", in_range(0, kMaxThreads)),
      LSTMF_TRAIN(mode, "--mode", "MODE", "long format: per-series (one model per series, in parallel) or global (one model)"),
      LSTMF_TRAIN(refit, "--refit", "WHEN",
                  "train again on every row (validation tail included, a test tail not) for the full epoch count, each member from its seed; "
                  "the first run's validation residuals calibrate the intervals; true, false, or auto: on for one series when "
                  "epochs is chosen from the data and there are validation rows (never with --series-column)"),
      LSTMF_TRAIN(combine, "--combine", "WHEN",
                  "average the forecast with the seasonal naive or naive one when that did within 10% as well on the "
                  "validation tail (that baseline alone when its error was half the model's or less), with Theta's share (theta_weight); a series too short to learn takes seasonal naive, or naive and Theta, alone "
                  "(README \"The default recipe\"); true, false, or auto: on when epochs is chosen from the data and there are validation rows"),
      LSTMF_TRAIN(theta_weight, "", "X",
                  "with combine: the Theta forecast's share (exponential smoothing plus half the training rows' linear "
                  "trend, M4's benchmark) where the model takes part, no season is left in the values (not seasonally "
                  "adjusted) and Theta's validation error is within 3 times the model's; 0 = none (a short series' "
                  "naive and Theta fallback then takes naive alone), 1 = Theta alone",
                  in_range(0.0, 1.0)),
      LSTMF_OUTPUT(path, "--output", "FILE", "checkpoint to write"),
      LSTMF_OUTPUT(log_json, "--log-json", "FILE", "write one JSON object per epoch to FILE"),
      LSTMF_OUTPUT(checkpoint_every, "--checkpoint-every", "N",
                   "also write the checkpoint (best weights so far, resumable) every N epochs while training; 0 = at the end only",
                   in_range(0, 1000000)),
  };
  return table;
}

#undef LSTMF_DATA
#undef LSTMF_MODEL
#undef LSTMF_TRAIN
#undef LSTMF_OUTPUT

const OptionDef& find_def(const OptionInfo& info) {
  for (const auto& def : option_table())
    if (def.info.section == info.section && def.info.key == info.key) return def;
  throw Error("unknown configuration key " + info.path());
}

std::string nearest(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_distance = std::numeric_limits<size_t>::max();
  for (const auto& c : candidates) {
    const size_t d = edit_distance(word, c);
    if (d < best_distance) best_distance = d, best = c;
  }
  return best;
}

const char* const kSections[] = {"data", "model", "training", "output"};

// Every problem, "; "-separated, up to a number that keeps the message one readable line.
std::string join_problems(const Problems& problems) {
  constexpr std::size_t kShown = 8;
  std::string message;
  for (std::size_t i = 0; i < problems.size() && i < kShown; ++i) message += (i ? "; " : "") + problems[i].text;
  if (problems.size() > kShown) message += "; and " + std::to_string(problems.size() - kShown) + " more problems";
  return message;
}

// A key its flag set (one of [first, last)) is named by the flag typed: "--hidden
// (model.hidden[0]) must be <= 4096". Each of a problem's keys a flag set is, where the text
// first names it whole ("training.lr", not the start of "training.lr_factor"; an array's element
// with its index). The keys say which to name; the text, where.
template <typename Iterator>
void name_flags(Problems& problems, Iterator first, Iterator last) {
  const auto is_name = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  for (ConfigProblem& problem : problems)
    for (const std::string& key : problem.keys) {
      if (std::find(first, last, key) == last) continue;
      const OptionInfo* option = find_option(key);
      if (option == nullptr || option->flag.empty()) continue;
      std::string& text = problem.text;
      for (std::size_t at = text.find(key); at != std::string::npos; at = text.find(key, at + 1)) {
        std::size_t end = at + key.size();
        if ((at > 0 && (is_name(text[at - 1]) || text[at - 1] == '.')) || (end < text.size() && is_name(text[end]))) continue;
        if (end < text.size() && text[end] == '[' && text.find(']', end) != std::string::npos) end = text.find(']', end) + 1;
        text.replace(at, end - at, option->flag + " (" + text.substr(at, end - at) + ")");
        break;
      }
    }
}

// Every problem in one InputError naming `source`, located where the config file's text placed the
// first one's keys (Config::places, the earliest of those it holds: "test_fraction" alone of the
// two tails; none for a config of flags or of a checkpoint; an array's element at its key).
// The problems come in the file's order (nlohmann's objects are sorted by key), those of keys it
// does not hold after them.
[[noreturn]] void throw_problems(const Config& config, const std::string& source, Problems problems) {
  const auto place_of = [&](const ConfigProblem& problem) {
    std::pair<long, long> earliest{std::numeric_limits<long>::max(), 0L};
    for (const std::string& key : problem.keys)
      if (const auto place = config.places.find(key); place != config.places.end() && place->second.first > 0)
        earliest = std::min(earliest, place->second);
    return earliest;
  };
  std::stable_sort(problems.begin(), problems.end(),
                   [&](const ConfigProblem& a, const ConfigProblem& b) { return place_of(a) < place_of(b); });
  const auto [line, column] = place_of(problems.front());
  if (line == std::numeric_limits<long>::max()) throw InputError(source, 0, 0, join_problems(problems));
  throw InputError(source, line, column, join_problems(problems));
}

}  // namespace

char delimiter_from_text(const std::string& text) {
  const std::optional<char> delimiter = named_delimiter(text);
  if (!delimiter) throw InputError("data.delimiter " + delimiter_complaint(text));
  return *delimiter;
}

const std::vector<OptionInfo>& config_options() {
  static const std::vector<OptionInfo> infos = [] {
    std::vector<OptionInfo> out;
    for (const auto& def : option_table()) out.push_back(def.info);
    return out;
  }();
  return infos;
}

const OptionInfo* find_option(const std::string& path) {
  const auto& all = config_options();
  const auto it = std::find_if(all.begin(), all.end(), [&](const OptionInfo& o) { return o.path() == path; });
  return it == all.end() ? nullptr : &*it;
}

std::string nearest_option(const std::string& path) {
  // A path without a section ("lr") is compared with the keys alone and answered by the
  // full path ("training.lr"), as a config file's top-level "epochs" is.
  const bool bare = path.find('.') == std::string::npos;
  std::vector<std::string> names;
  for (const auto& o : config_options()) names.push_back(bare ? o.key : o.path());
  const std::string best = nearest(path, names);
  for (const auto& o : config_options())
    if ((bare ? o.key : o.path()) == best) return o.path();
  return best;
}

std::string default_text(const OptionInfo& option) { return find_def(option).default_text; }

std::vector<std::string> split_flag_list(const std::string& flag, const std::string& text) {
  try {
    return split_list(text);
  } catch (const BadValue& bad) {
    throw InputError(flag + " expects " + bad.expected + ", got " + bad.found);
  }
}

// What `def`'s value must be: an integer beyond int's range is told the option's own range where it
// has one ("an integer in 1 .. 100000"; for a list "a list of integers in 1 .. 4096 each, ...":
// '99999999999999' is a list of integers), not only int's.
std::string expected_text(const OptionDef& def, const BadValue& bad) {
  if (!bad.beyond_int || def.info.range.empty()) return bad.expected;
  return (bad.expected.rfind("a list of ", 0) == 0 ? bad.expected : "an integer") + " in " + def.info.range;
}

void set_from_text(Config& config, const OptionInfo& option, const std::string& text) {
  const auto& def = find_def(option);
  try {
    def.set_text(config, text);
    config.given.insert(option.path());
  } catch (const BadValue& bad) {
    const std::string name = option.flag.empty() ? option.path() : option.flag;
    throw InputError(name + " expects " + expected_text(def, bad) + ", got " + bad.found);
  }
}

void apply_json(Config& config, const json& root, const std::string& source, bool validate_values,
                const CommandLineValues& command_line) {
  Problems problems;
  if (!root.is_object()) throw InputError(source, 0, 0, "expected a JSON object with sections data, model, training, output");
  const std::vector<std::string> sections(std::begin(kSections), std::end(kSections));

  for (const auto& [section, body] : root.items()) {
    if (std::find(sections.begin(), sections.end(), section) == sections.end()) {
      // A path written as one key ("training.lr") is shown the nesting JSON needs.
      if (const OptionInfo* option = find_option(section)) {
        problems.push_back({{section}, "unknown key '" + section + "' (a key of a section is written inside it: {\"" +
                                           option->section + "\": {\"" + option->key + "\": ...}})"});
        continue;
      }
      // A key written at the top level ("epochs") suggests its full path ("training.epochs").
      std::string hint = nearest(section, sections);
      for (const auto& def : option_table())
        if (def.info.key == section) hint = def.info.path();
      problems.push_back({{section}, "unknown key '" + printable(section) + "' (did you mean '" + hint + "'?)"});
      continue;
    }
    if (!body.is_object()) {
      problems.push_back({{section}, section + " must be an object, got " + json_text(body)});
      continue;
    }
    std::vector<std::string> keys;
    for (const auto& def : option_table())
      if (def.info.section == section) keys.push_back(def.info.key);
    for (const auto& [key, value] : body.items()) {
      const std::string path = section + "." + key;
      const auto def = std::find_if(option_table().begin(), option_table().end(),
                                    [&](const OptionDef& d) { return d.info.path() == path; });
      if (def == option_table().end()) {
        std::string hint = section + "." + nearest(key, keys);
        for (const auto& other : option_table())
          if (other.info.key == key) hint = other.info.path();
        problems.push_back({{path}, "unknown key '" + printable(path) + "' (did you mean '" + hint + "'?)"});
        continue;
      }
      try {
        def->set_json(config, value);
        config.given.insert(path);
      } catch (const BadValue& bad) {
        problems.push_back({{path}, path + " must be " + expected_text(*def, bad) + ", got " + bad.found});
      }
    }
  }
  // Without validate_values the values wait for check(), unless the file is refused anyway: then
  // every problem of the file's is said at once, as it stands with the command line's values (a
  // file's "hidden": [0] with --hidden 8 is none; "look_back": 2 with --season 4 and normalise
  // season is one): those about a key the file sets and the command line does not. The others
  // (--val-fraction 0.95 with test_fraction at its default) are the command line's, which check()
  // says, naming its flags, once the file is mended.
  if (validate_values) {
    for (ConfigProblem& p : validate(config)) problems.push_back(std::move(p));
  } else if (!problems.empty()) {
    Config judged = config;
    const CommandLineKeys set = command_line ? command_line(judged) : CommandLineKeys{};
    const auto set_by_command_line = [&](const std::string& key) {
      return std::find(set.paths.begin(), set.paths.end(), key) != set.paths.end();
    };
    Problems judged_problems;
    for (ConfigProblem& p : validate(judged))
      if (std::any_of(p.keys.begin(), p.keys.end(), [&](const std::string& key) { return config.is_given(key) && !set_by_command_line(key); }))
        judged_problems.push_back(std::move(p));
    name_flags(judged_problems, set.paths.begin(), set.paths.begin() + static_cast<std::ptrdiff_t>(set.by_flag));
    for (ConfigProblem& p : judged_problems) problems.push_back(std::move(p));
  }
  if (!problems.empty()) throw_problems(config, source, problems);
}

Config config_from_file(const std::string& path, const CommandLineValues& command_line) {
  Config config;
  const std::string text = read_json_text(path);
  // "lr": 1e-400 would read as 0: refused, unless the text is not JSON before that number (the
  // first problem in the file is the one named).
  std::optional<InputError> underflow;
  try {
    refuse_json_underflow(text, source_name(path));
  } catch (const InputError& e) {
    underflow = e;
  }
  json root;
  try {
    root = parse_json(text, source_name(path));
  } catch (const InputError& e) {
    if (underflow && std::make_pair(underflow->line(), underflow->column()) < std::make_pair(e.line(), e.column()))
      throw *underflow;
    throw;
  }
  if (underflow) throw *underflow;
  if (!root.is_object()) {  // located where the value starts (after a BOM and blanks), with what it is
    long line = 0, column = 0;
    const size_t bom = text.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;
    locate(text, std::min(text.find_first_not_of(" \t\r\n", bom), text.size()), line, column);
    throw InputError(source_name(path), line, column,
                     std::string("expected a JSON object with sections data, model, training, output, found ") +
                         (root.is_array() ? "an array" : root.is_string() ? "a string" : root.is_null() ? "null" : root.is_boolean() ? "a boolean" : "a number"));
  }
  config.places = json_key_places(text);
  apply_json(config, root, source_name(path), false, command_line);
  // The data file named in a config file is found relative to the config file, so a config works
  // from any folder; paths given as flags are relative to the working folder as usual.
  // A config that is a stream (/dev/stdin, bash's <(...) as /dev/fd/63) has no folder of its own:
  // relative to the working folder, as with --config - (a hunt found /dev/fd/data/...).
  const auto slash = path.find_last_of('/');
  struct stat info {};
  // (/dev/stdin of a file redirected is a regular file: named, it is a stream all the same; a
  // regular file elsewhere in /dev, as /dev/shm, is not.)
  const bool stream = descriptor_named(path).has_value() || (::stat(path.c_str(), &info) == 0 && !S_ISREG(info.st_mode));
  if (!config.data.path.empty() && config.data.path != "-" && config.data.path.front() != '/' &&
      slash != std::string::npos && !stream) {
    const std::filesystem::path joined = path.substr(0, slash + 1) + config.data.path;
    // "configs/../data/a.csv" is "data/a.csv" unless a link in the way leads elsewhere (a folder
    // reached through a symlink: its ".." is the link target's parent, not the link's); then the
    // path stays as joined, which the system resolves as the shell does.
    const std::filesystem::path normal = joined.lexically_normal();
    std::error_code a, b;
    const bool same = std::filesystem::weakly_canonical(joined, a) == std::filesystem::weakly_canonical(normal, b) && !a && !b;
    config.data.path = (same ? normal : joined).string();
  }
  return config;
}

ConfigDifference first_difference(const json& base, const json& other) {
  if (base == other) return {};
  // A patch path ("/model/hidden/1") as the config key it falls in ("model.hidden": a list whole).
  const auto key_of = [&](const std::string& path, json::json_pointer& at) {
    std::string key;
    for (std::size_t from = 1; from <= path.size() && !(base.contains(at) && base.at(at).is_array());) {
      const std::size_t to = std::min(path.find('/', from), path.size());
      const std::string token = path.substr(from, to - from);
      at /= token;
      key += (key.empty() ? "" : ".") + token;
      from = to + 1;
    }
    return key;
  };
  const json patch = json::diff(base, other);
  json::json_pointer at;
  ConfigDifference d;
  d.key = key_of(patch.front().at("path").get<std::string>(), at);
  const auto value = [&](const json& j) { return j.contains(at) ? printable(j.at(at).dump(), 60) : std::string("absent"); };
  d.base = value(base);
  d.other = value(other);
  for (std::size_t i = 1; i < patch.size(); ++i) {
    json::json_pointer more;
    const std::string key = key_of(patch[i].at("path").get<std::string>(), more);
    if (key != d.key && std::find(d.also.begin(), d.also.end(), key) == d.also.end()) d.also.push_back(key);
  }
  return d;
}

json to_json(const Config& config) {
  json out = json::object();
  for (const auto& def : option_table()) out[def.info.section][def.info.key] = def.get(config);
  return out;
}

std::vector<ConfigProblem> validate(const Config& config) {
  Problems problems;
  for (const auto& def : option_table()) def.check(config, problems);
  if (config.model.hidden.empty()) problems.push_back({{"model.hidden"}, "model.hidden must name at least one layer size"});
  if (config.model.hidden.size() > kMaxLayers)
    problems.push_back({{"model.hidden"}, "model.hidden must have at most " + std::to_string(kMaxLayers) + " layers, got " +
                                              std::to_string(config.model.hidden.size())});
  // A narrower range puts the scaled series below the model's float resolution (a range of 1e-300
  // trained to NaN), a wider one past where tanh and sigmoid can tell values apart.
  // (Each bound beyond +-kScaleBound is its own problem, said by its range check.)
  if (std::abs(config.data.scale_min) <= kScaleBound && std::abs(config.data.scale_max) <= kScaleBound &&
      !scale_range_ok(config.data.scale_min, config.data.scale_max))
    problems.push_back({{"data.scale_max", "data.scale_min"},
                        "data.scale_max must be at least 0.001 above data.scale_min, and above it by a thousandth of "
                        "the larger one's magnitude (float resolution), got " +
                            Convert<double>::text(config.data.scale_min) + " and " + Convert<double>::text(config.data.scale_max)});
  // (A tail outside [0, 0.9) is its own problem, said by its range check.)
  const Check<double> tail = fraction_below(kTailsBelow);
  if (tail.run(config.data.val_fraction).empty() && tail.run(config.data.test_fraction).empty() &&
      config.data.val_fraction + config.data.test_fraction >= kTailsBelow) {
    // The sum to 12 significant digits: 0.45 + 0.450001 is 0.9000009999999999 as a double (a review).
    char sum[32];
    std::snprintf(sum, sizeof sum, "%.12g", config.data.val_fraction + config.data.test_fraction);
    problems.push_back({{"data.val_fraction", "data.test_fraction"},
                        std::string("data.val_fraction + data.test_fraction must leave at least 10% for training, got ") + sum});
  }
  // The seasonal naive reference, m steps before each target, lies in the window. Checked where
  // both are given; the recipe resolves them from the data otherwise, and check() sees the result.
  if (config.data.normalise == Normalise::season && config.data.look_back > 0 && config.data.season > 0 &&
      config.data.look_back < config.data.season)
    problems.push_back({{"data.normalise", "data.look_back", "data.season"},
                        "data.normalise season needs data.look_back >= data.season (the seasonal naive reference lies "
                        "in the window), got look_back " + std::to_string(config.data.look_back) + " and season " +
                            std::to_string(config.data.season)});
  for (size_t i = 0; i < config.data.targets.size(); ++i)
    if (config.data.targets[i].empty()) problems.push_back({{"data.targets"}, "data.targets[" + std::to_string(i) + "] is empty"});
  for (size_t i = 0; i < config.data.features.size(); ++i)
    if (config.data.features[i].empty()) problems.push_back({{"data.features"}, "data.features[" + std::to_string(i) + "] is empty"});
  return problems;
}

std::string unrecordable(const std::string& name, const std::string& path) {
  if (valid_utf8(path)) return "";
  return name + " must be UTF-8 text (the checkpoint records it in JSON), got " + in_quotes(path) + ": rename the file";
}

void check_recordable(const Config& config) {
  Problems problems;
  for (const auto& [key, value] : {std::pair<const char*, const std::string&>{"data.path", config.data.path},
                                   {"output.path", config.output.path},
                                   {"output.log_json", config.output.log_json}})
    if (std::string problem = unrecordable(key, value); !problem.empty()) problems.push_back({{key}, std::move(problem)});
  if (!problems.empty()) throw InputError(join_problems(problems));
}

bool optional_in_checkpoint(const std::string& path, long version) {
  static const std::set<std::string> later = {"data.series_column", "data.strict",   "data.seasonal_adjust",
                                              "output.checkpoint_every", "training.combine", "training.mode",
                                              "training.refit",    "training.theta_weight"};
  static const std::set<std::string> after_version_1 = {"data.normalise", "data.season", "model.ensemble"};
  return later.count(path) > 0 || (version == 1 && after_version_1.count(path) > 0);
}

std::string unresolved_keys(const Config& config) {
  std::string keys;
  const auto add = [&](bool unresolved, const char* key) {
    if (unresolved) keys += (keys.empty() ? "" : ", ") + std::string(key);
  };
  add(config.data.look_back < 1, "data.look_back");
  add(config.data.normalise == Normalise::automatic, "data.normalise");
  add(config.data.season < 1, "data.season");
  add(config.data.seasonal_adjust == SeasonalAdjust::automatic, "data.seasonal_adjust");
  add(config.training.epochs < 1, "training.epochs");
  add(config.model.ensemble < 1, "model.ensemble");
  return keys;
}

void check(const Config& config, const std::string& source, bool in_file, const std::vector<std::string>& by_flag) {
  Problems problems = validate(config);
  if (problems.empty()) return;
  name_flags(problems, by_flag.begin(), by_flag.end());
  if (in_file) throw_problems(config, source, problems);
  throw InputError(source, 0, 0, join_problems(problems));
}

std::vector<std::string> settings_without_effect(const Config& config) {
  const Config defaults;
  const DataConfig& data = config.data;
  const TrainingConfig& training = config.training;
  std::vector<std::string> notes;
  const nlohmann::json values = to_json(config);
  // `key` given at a value other than its default (`changed`), unused when `unused_here`: "KEY VALUE has no effect WHY".
  const auto unused = [&](const std::string& key, bool changed, bool unused_here, const std::string& why) {
    if (!changed || !unused_here || !config.is_given(key)) return;
    const std::size_t dot = key.find('.');
    const nlohmann::json& value = values[key.substr(0, dot)][key.substr(dot + 1)];
    notes.push_back(key + " " + (value.is_string() ? value.get<std::string>() : value.dump()) + " has no effect " + why);
  };
  const std::string optimizer = "with the " + to_string(training.optimizer) + " optimizer";
  const TrainingConfig& d = defaults.training;
  unused("model.dropout", config.model.dropout != defaults.model.dropout, config.model.hidden.size() == 1,
         "with one layer: it applies between stacked layers (--hidden 32,32)");
  unused("training.beta1", training.beta1 != d.beta1, training.optimizer != OptimizerKind::adam, optimizer + " (it is Adam's)");
  unused("training.beta2", training.beta2 != d.beta2, training.optimizer != OptimizerKind::adam, optimizer + " (it is Adam's)");
  unused("training.alpha", training.alpha != d.alpha, training.optimizer != OptimizerKind::rmsprop, optimizer + " (it is RMSprop's)");
  unused("training.centered", training.centered != d.centered, training.optimizer != OptimizerKind::rmsprop,
         optimizer + " (it is RMSprop's)");
  unused("training.momentum", training.momentum != d.momentum, training.optimizer == OptimizerKind::adam,
         optimizer + " (it is RMSprop's and SGD's)");
  unused("training.eps", training.eps != d.eps, training.optimizer == OptimizerKind::sgd, optimizer + " (it is Adam's and RMSprop's)");
  // A loss or lr_factor left at its default is the recipe's to choose when it chooses the epochs
  // (Huber, 0.5: resolve_recipe); with epochs given, the default is what trains.
  const auto trains_with = [&](const char* key) { return config.is_given(key) || training.epochs != 0; };
  unused("training.huber_delta", training.huber_delta != d.huber_delta,
         training.loss != LossKind::huber && trains_with("training.loss"), "with the " + to_string(training.loss) + " loss");
  unused("training.theta_weight", training.theta_weight > 0 && training.theta_weight != d.theta_weight, training.combine == Toggle::off,
         "with training.combine false: it is Theta's share of the combination");
  const bool no_plateau = training.lr_factor == 1.0 && trains_with("training.lr_factor");
  unused("training.lr_patience", training.lr_patience != d.lr_patience, no_plateau, "with training.lr_factor 1 (no reduce-on-plateau)");
  unused("training.min_lr", training.min_lr != d.min_lr, no_plateau, "with training.lr_factor 1 (no reduce-on-plateau)");
  // Without validation rows nothing watches a validation loss, and nothing is refitted or weighed on them.
  const bool no_validation = data.val_fraction == 0;
  const std::string without_validation = "without validation rows (data.val_fraction 0): ";
  unused("training.patience", training.patience != d.patience, no_validation,
         without_validation + "early stopping watches the validation loss");
  unused("training.min_delta", training.min_delta != d.min_delta, no_validation,
         without_validation + "early stopping watches the validation loss");
  unused("training.lr_factor", training.lr_factor != d.lr_factor, no_validation,
         without_validation + "reduce-on-plateau watches the validation loss");
  unused("training.refit", training.refit == Toggle::on, no_validation,
         without_validation + "the first run trains on every row already");
  unused("training.combine", training.combine == Toggle::on, no_validation,
         without_validation + "the combination is weighed on them");
  unused("output.checkpoint_every", config.output.checkpoint_every > 0,
         training.epochs > 0 && config.output.checkpoint_every >= training.epochs,
         "with " + std::to_string(training.epochs) + (training.epochs == 1 ? " epoch" : " epochs") +
             ": the checkpoint is written at the end anyway");
  unused("training.mode", training.mode != d.mode, data.series_column.empty(), "without a series column (--series-column): the file is one series");
  unused("data.strict", data.strict != defaults.data.strict, data.series_column.empty(),
         "without a series column (--series-column): it refuses rather than skips series of a many-series file");
  unused("output.log_json", !config.output.log_json.empty(), !data.series_column.empty() && training.mode != TrainingMode::global,
         "with per-series training: the epochs of a global model (--mode global) are logged; the file is left as it is");
  return notes;
}

Setting parse_setting(const std::string& flag, const std::string& text) {
  const auto equals = text.find('=');
  const std::string key = text.substr(0, equals);
  if (equals == std::string::npos || equals == 0)
    throw InputError(flag + " expects KEY=VALUE with a config key such as data.look_back=24, got '" + printable(text) + "'" +
                     (equals == 0 ? ": no key before '='" : ""));
  const OptionInfo* option = find_option(key);
  if (option == nullptr)
    throw InputError(flag + " " + printable(key) + ": unknown config key (did you mean '" + nearest_option(key) + "'?); " + flag +
                     " expects KEY=VALUE, such as data.look_back=24");
  return Setting{option, text.substr(equals + 1)};
}

void set_from_setting(Config& config, const std::string& flag, const Setting& setting) {
  OptionInfo by_key = *setting.option;
  by_key.flag = flag + " " + by_key.path();  // not the key's own flag: the setting as given
  set_from_text(config, by_key, setting.value);
}

std::string options_markdown() {
  std::string out = "| key | flag | default | range | meaning |\n| --- | --- | --- | --- | --- |\n";
  for (const auto& def : option_table()) {
    const std::string flag = def.info.flag.empty() ? "" : "`" + def.info.flag + " " + def.info.value_name + "`";
    std::string value = def.default_text == "\t" ? "tab" : def.default_text;
    out += "| `" + def.info.path() + "` | " + flag + " | `" + value + "` | " + def.info.range + " | " + def.info.help + " |\n";
  }
  return out;
}

std::string to_string(MissingPolicy v) { return enum_name(v); }
std::string to_string(CellActivation v) { return enum_name(v); }
std::string to_string(InitScheme v) { return enum_name(v); }
std::string to_string(OptimizerKind v) { return enum_name(v); }
std::string to_string(LossKind v) { return enum_name(v); }
std::string to_string(Normalise v) { return enum_name(v); }
std::string to_string(SeasonalAdjust v) { return enum_name(v); }
std::string to_string(TrainingMode v) { return enum_name(v); }

}  // namespace lstmf
