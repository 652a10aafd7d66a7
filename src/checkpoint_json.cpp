#include "checkpoint_json.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "lstmf/error.hpp"
#include "lstmf/memory.hpp"

namespace lstmf::checkpoint_json {

void bad(const std::string& message) { throw InputError(message); }

std::string shown(const json& value) { return printable(value.dump(), 40); }

std::string key_path(const std::string& where, const char* key) { return where.empty() ? key : where + "." + key; }

const json& member(const json& object, const char* key, const std::string& where) {
  if (!object.is_object()) bad(where + " must be an object");
  const auto it = object.find(key);
  if (it == object.end()) bad(key_path(where, key) + " is missing");
  return *it;
}

namespace {
// The numbers in `value`, counted in nested arrays and objects (nesting is bounded by the reader).
std::uint64_t numbers_in(const json& value) {
  if (value.is_number()) return 1;
  std::uint64_t count = 0;
  if (value.is_array() || value.is_object())
    for (const json& item : value) count += numbers_in(item);
  return count;
}
}  // namespace

void check_state_dict_size(const json& state_dict, const ModelConfig& model, long inputs, long outputs,
                           const std::string& where) {
  const std::uint64_t needed = parameter_count(model, inputs, outputs);
  const std::uint64_t held = numbers_in(state_dict);
  // A few million parameters are allocated to name each tensor whose shape differs (load_state_dict).
  constexpr std::uint64_t kNamedShapes = std::uint64_t{1} << 22;
  if (held >= needed || needed - held < kNamedShapes) return;
  bad(where + " holds " + count_of(static_cast<long>(held), "number") + ", but a model of config.model's shape (" +
      std::to_string(model.hidden.size()) + (model.hidden.size() == 1 ? " layer, " : " layers, ") + std::to_string(inputs) +
      (inputs == 1 ? " input, " : " inputs, ") + std::to_string(outputs) + (outputs == 1 ? " output" : " outputs") + ") has " +
      std::to_string(needed) + " parameters: the config and the weights disagree");
}

std::string read_string(const json& object, const char* key, const std::string& where) {
  const json& value = member(object, key, where);
  if (!value.is_string()) bad(key_path(where, key) + " must be a string, got " + shown(value));
  return value.get<std::string>();
}

std::vector<std::string> read_strings(const json& object, const char* key, const std::string& where) {
  const json& value = member(object, key, where);
  if (!value.is_array()) bad(key_path(where, key) + " must be an array of strings");
  std::vector<std::string> out;
  for (const auto& item : value) {
    if (!item.is_string()) bad(key_path(where, key) + " must be an array of strings, found " + shown(item));
    out.push_back(item.get<std::string>());
  }
  return out;
}

long read_integer(const json& object, const char* key, const std::string& where, long lo, long hi) {
  const json& value = member(object, key, where);
  // A number written with a fraction or an exponent (1e30) is named with the range: whole or not,
  // "must be an integer" alone left 1e30 unexplained.
  if (!value.is_number_integer())
    bad(key_path(where, key) + " must be an integer" +
        (value.is_number() ? " in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]" : std::string()) + ", got " +
        shown(value));
  // 2^63 and above are held unsigned: read as long long they wrapped around (2^64 - 1 read as -1,
  // inside a range from -840; a review).
  const bool beyond = value.is_number_unsigned() && value.get<std::uint64_t>() > static_cast<std::uint64_t>(hi);
  const auto v = value.get<long long>();
  if (beyond || v < lo || v > hi)
    bad(key_path(where, key) + " must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got " + shown(value));
  return static_cast<long>(v);
}

bool read_bool(const json& object, const char* key, const std::string& where) {
  const json& value = member(object, key, where);
  if (!value.is_boolean()) bad(key_path(where, key) + " must be true or false, got " + shown(value));
  return value.get<bool>();
}

double read_finite_number(const json& value, const std::string& where) {
  if (!value.is_number() || !std::isfinite(value.get<double>())) bad(where + " must be a finite number, got " + shown(value));
  return value.get<double>();
}

double read_number_or_null(const json& value, const std::string& where) {
  if (value.is_null()) return std::numeric_limits<double>::quiet_NaN();
  if (!value.is_number()) bad(where + " must be a number or null, got " + shown(value));
  return value.get<double>();
}

std::string missing_config_key(const Config& config, long version) {
  for (const OptionInfo& option : config_options()) {
    const std::string path = option.path();
    if (!config.is_given(path) && !optional_in_checkpoint(path, version)) return "config." + path;
  }
  return "";
}

long read_format_version(const json& root, long newest, long newest_known, const std::string& kind_hint) {
  if (!root.is_object()) bad("expected a JSON object (an lstm-forecast checkpoint)");
  const auto format = root.find("format");
  if (format == root.end() || !format->is_string() || *format != kCheckpointFormat)
    bad(std::string("not an lstm-forecast checkpoint: \"format\" must be \"") + kCheckpointFormat + "\"");
  const long version = read_integer(root, "version", "", 1, std::numeric_limits<int>::max());
  if (version > newest && version <= newest_known)
    bad("checkpoint format version " + std::to_string(version) + " does not fit this file: " + kind_hint);
  if (version > newest)
    bad("checkpoint format version " + std::to_string(version) + " is newer than this lstm-forecast " + LSTMF_VERSION +
        " reads (version " + std::to_string(newest) + "); upgrade lstm-forecast");
  return version;
}

HistoryRead read_history(const json& root) {
  const json& history = member(root, "history", "");
  const json& epochs = member(history, "epochs", "history");
  if (!epochs.is_array()) bad("history.epochs must be an array");
  HistoryRead out;
  for (size_t i = 0; i < epochs.size(); ++i) {
    const std::string where = "history.epochs[" + std::to_string(i) + "]";
    EpochRecord e;
    e.epoch = static_cast<int>(read_integer(epochs[i], "epoch", where, 1, std::numeric_limits<int>::max()));
    // train writes every epoch's training loss and learning rate (a finite number: a checkpoint
    // holding a NaN or an infinity is never written); only val_loss is null, without a validation
    // part. Read as NaN, a null here loaded, and train --resume ran the whole run to refuse its
    // own checkpoint at the end (exit 4, "an overflow in training").
    e.train_loss = read_finite_number(member(epochs[i], "train_loss", where), where + ".train_loss");
    e.val_loss = read_number_or_null(member(epochs[i], "val_loss", where), where + ".val_loss");
    e.lr = read_finite_number(member(epochs[i], "lr", where), where + ".lr");
    if (e.lr < 0) bad(where + ".lr must be >= 0, got " + shown(epochs[i]["lr"]));
    if (!out.epochs.empty() && e.epoch <= out.epochs.back().epoch)
      bad(where + ".epoch " + std::to_string(e.epoch) + " must be above the epoch before it (" +
          std::to_string(out.epochs.back().epoch) + "): history.epochs lists the epochs in order");
    out.epochs.push_back(e);
  }
  out.best_epoch = static_cast<int>(read_integer(history, "best_epoch", "history", 0, std::numeric_limits<int>::max()));
  return out;
}

json history_to_json(const std::vector<EpochRecord>& epochs, int best_epoch) {
  json out = json::array();
  for (const auto& e : epochs)
    out.push_back({{"epoch", e.epoch},
                   {"train_loss", e.train_loss},
                   {"val_loss", std::isfinite(e.val_loss) ? json(e.val_loss) : json(nullptr)},
                   {"lr", e.lr}});
  return {{"best_epoch", best_epoch}, {"epochs", std::move(out)}};
}

namespace {

// Where the first non-finite number of `j` sits (a.b[2]), or "" when there is none.
std::string first_non_finite(const json& j, const std::string& path) {
  if (j.is_number_float()) return std::isfinite(j.get<double>()) ? std::string() : (path.empty() ? "(root)" : path);
  if (j.is_object()) {
    for (const auto& item : j.items()) {
      const std::string found = first_non_finite(item.value(), path.empty() ? item.key() : path + "." + item.key());
      if (!found.empty()) return found;
    }
  } else if (j.is_array()) {
    for (size_t i = 0; i < j.size(); ++i) {
      const std::string found = first_non_finite(j[i], path + "[" + std::to_string(i) + "]");
      if (!found.empty()) return found;
    }
  }
  return "";
}

// The same question without the path, which first_non_finite builds for every number it passes
// (a review measured the walk on a 5-member ensemble's weights: 21-30 ms with the paths, 1.1-1.6
// ms without): asked first, so the path is built only for the rare checkpoint that has one.
bool has_non_finite(const json& j) {
  if (j.is_number_float()) return !std::isfinite(j.get<double>());
  if (j.is_object() || j.is_array())
    return std::any_of(j.begin(), j.end(), [](const json& item) { return has_non_finite(item); });
  return false;
}

bool numbers_alone(const json& array) {
  return std::all_of(array.begin(), array.end(), [](const json& item) { return item.is_number(); });
}

// The text held before it is passed on (write_layout): big enough that a piece costs the writer
// little, small beside a checkpoint of hundreds of MB.
constexpr std::size_t kPiece = std::size_t{1} << 20;

// The layout of `value` at `depth`, appended to `out`; with `flush`, `out` is passed to it and
// emptied after any member or item that leaves it kPiece long or more. With `key`, the member of
// that name of `value` (an object) is laid out from `*replacement` instead.
void append_layout(std::string& out, const json& value, int depth, const AppendText* flush = nullptr,
                   const std::string* key = nullptr, const json* replacement = nullptr) {
  const bool object = value.is_object();
  if (value.empty() || !(object || value.is_array()) || (!object && numbers_alone(value))) {
    out += value.dump();  // a scalar, {}, [] or a row of numbers
    return;
  }
  out += object ? "{\n" : "[\n";
  const auto pad = static_cast<std::size_t>(depth) + 1;
  for (auto it = value.begin(); it != value.end(); ++it) {
    if (it != value.begin()) out += ",\n";
    out.append(pad, ' ');
    if (object) out += json(it.key()).dump() + ": ";
    const bool replaced = object && key != nullptr && it.key() == *key;
    append_layout(out, replaced ? *replacement : *it, depth + 1, flush);
    if (flush != nullptr && out.size() >= kPiece) {
      (*flush)(out);
      out.clear();
    }
  }
  out += '\n';
  out.append(pad - 1, ' ');
  out += object ? '}' : ']';
}

}  // namespace

void refuse_non_finite(const json& j, const std::string& where) {
  if (!has_non_finite(j)) return;
  const std::string found = first_non_finite(j, where);
  if (!found.empty())
    throw DivergedError("the checkpoint would hold a NaN or an infinity at " + found +
                        " (an overflow in training or calibration); it is not written");
}

}  // namespace lstmf::checkpoint_json

namespace lstmf {

std::string checkpoint_layout(const nlohmann::json& value, int depth) {
  std::string out;
  checkpoint_json::append_layout(out, value, std::max(depth, 0));
  return out;
}

void write_layout(const nlohmann::json& value, const AppendText& append, const std::string& key,
                  const nlohmann::json* replacement) {
  std::string out;
  out.reserve(checkpoint_json::kPiece + 4096);
  checkpoint_json::append_layout(out, value, 0, &append, replacement != nullptr ? &key : nullptr, replacement);
  out += '\n';
  append(out);
}

}  // namespace lstmf
