// The one configuration model of lstm-forecast: a struct tree (data, model, training, output).
// Defaults live in the structs; every key's JSON name, command-line flag, help text and check is
// declared once, in the option table of src/config.cpp. JSON reading and writing, the CLI flags,
// --help, validation and the README's option table all walk that table.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace lstmf {

// The bounds of data.scale_min and data.scale_max (checked by validate, and on a checkpoint's
// scaler): the recipe stretches the range up to 1e4, and far beyond it training overflows; a
// narrower range than kScaleMinWidth puts the scaled series below the model's float resolution.
constexpr double kScaleBound = 1e6;
constexpr double kScaleMinWidth = 1e-3;
// A feature range [lo, hi] the model can compute in: within +-kScaleBound, at least kScaleMinWidth
// wide, and at least a thousandth of its larger bound's magnitude wide (float resolves 6e-8 of a
// value: [999999, 1e6] left the series 16 distinct levels, and forecasts of -4.5e8).
inline bool scale_range_ok(double lo, double hi) {
  const double magnitude = std::max(lo < 0 ? -lo : lo, hi < 0 ? -hi : hi);
  return lo >= -kScaleBound && hi <= kScaleBound && hi - lo >= kScaleMinWidth && hi - lo >= 1e-3 * magnitude;
}

enum class MissingPolicy { error, interpolate, ffill };
enum class CellActivation { tanh, relu };
enum class InitScheme { pytorch, orthogonal };
enum class OptimizerKind { adam, rmsprop, sgd };
enum class LossKind { mse, mae, huber };
// How a window is put in the model's units (windows.hpp): min-max alone, or min-max then each
// window's targets made relative to its last value (last) or to the seasonal naive forecast (season).
enum class Normalise { automatic, minmax, last, season };
// Seasonal adjustment of the targets before scaling (seasonal.hpp): classical decomposition's
// seasonal indices, divided out (multiplicative) or subtracted (additive), restored in forecasts.
enum class SeasonalAdjust { automatic, none, multiplicative, additive };
// The most worker threads any command takes (training.threads, predict's and evaluate's --threads):
// beyond, thread creation fails, or a huge count exhausts memory.
inline constexpr int kMaxThreads = 1024;
// Many-series training (data.series_column): one model per series, or one global model.
enum class TrainingMode { per_series, global };
// A switch the default recipe may turn on: automatic (the recipe decides; written "auto"), or set by
// the user (true / false in JSON and flags), which the recipe keeps.
enum class Toggle { automatic, off, on };

struct DataConfig {
  std::string path;                   // CSV file, or "-" for stdin
  std::vector<std::string> targets;   // columns to forecast
  std::vector<std::string> features;  // extra input columns
  std::string time_column;            // "" = none
  std::string delimiter = "auto";     // auto, ",", ";" or "\t"
  MissingPolicy missing = MissingPolicy::error;
  int look_back = 0;                  // input steps per window (L); 0 = chosen from the data (recipe.hpp), "auto" in JSON and flags
  int horizon = 1;                    // target steps per window (H)
  int stride = 1;                     // steps between window starts
  double val_fraction = 0.1;          // chronological tail for validation
  double test_fraction = 0.0;         // chronological tail after validation, for testing
  double scale_min = 0.0;             // min-max feature range, within +-kScaleBound,
  double scale_max = 1.0;             // scale_max at least kScaleMinWidth above scale_min
  std::string series_column;          // long format: the column naming each row's series; "" = wide
  bool strict = false;                // long format: a series too short for one window or with an empty column is an error, not skipped
  Normalise normalise = Normalise::automatic;  // automatic = chosen from the data (recipe.hpp)
  int season = 0;                     // seasonal period m; 0 = from the time column's frequency
  SeasonalAdjust seasonal_adjust = SeasonalAdjust::automatic;  // automatic = chosen from the data (recipe.hpp)
};

struct ModelConfig {
  std::vector<int> hidden = {50};     // hidden size of each stacked layer, bottom first
  CellActivation cell_activation = CellActivation::tanh;
  double dropout = 0.0;               // between stacked layers, training only
  InitScheme init = InitScheme::pytorch;
  bool unit_forget_bias = false;      // forget-gate bias of 1 (b_ih_f = 1, b_hh_f = 0)
  int ensemble = 0;                   // members (random.hpp member_seed), median forecast; 0 = chosen from the data
};

struct TrainingConfig {
  int epochs = 0;                     // 0 = chosen from the data (recipe.hpp)
  int batch_size = 32;
  OptimizerKind optimizer = OptimizerKind::adam;
  double lr = 1e-3;
  double beta1 = 0.9;                 // Adam
  double beta2 = 0.999;               // Adam
  double eps = 1e-8;                  // Adam, RMSprop
  double alpha = 0.99;                // RMSprop smoothing
  double momentum = 0.0;              // RMSprop, SGD
  bool centered = false;              // RMSprop
  double weight_decay = 0.0;
  LossKind loss = LossKind::mse;
  double huber_delta = 1.0;
  double clip_norm = 0.0;             // global gradient-norm clipping; 0 = off
  int patience = 10;                  // early stopping; 0 = off
  double min_delta = 0.0;
  double lr_factor = 1.0;             // reduce-on-plateau: lr *= factor; 1 = off
  int lr_patience = 5;                // reduce-on-plateau: epochs without improvement
  double min_lr = 0.0;                // reduce-on-plateau: floor
  std::uint64_t seed = 0;
  int threads = 0;                    // 0 = every core the process may use (trainer.hpp available_cores)
  TrainingMode mode = TrainingMode::per_series;  // long format: "per-series" (one model each) or "global"
  // After validating, train again on every row (but a test tail) for the full epoch count; automatic = on when the
  // recipe chooses the epochs and there are validation rows, else off (recipe.hpp).
  Toggle refit = Toggle::automatic;
  // Weight the forecast with seasonal naive and naive by validation errors; automatic as refit.
  Toggle combine = Toggle::automatic;
  // The Theta forecast's share of a combination in which the model takes part (theta.hpp).
  double theta_weight = 0.1;
};

struct OutputConfig {
  std::string path = "model.json";    // checkpoint
  std::string log_json;               // per-epoch JSON lines; "" = none
  int checkpoint_every = 0;           // also write the checkpoint every N epochs while training; 0 = at the end only
};

struct Config {
  DataConfig data;
  ModelConfig model;
  TrainingConfig training;
  OutputConfig output;
  // The keys a config file or a flag set ("training.loss"; apply_json, set_from_text), whatever
  // their value: the default recipe (recipe.hpp) keeps them even where they equal the default it
  // would otherwise replace (training.loss mse, patience 10, lr_factor 1, data.stride 1). Not part
  // of the configuration itself: to_json does not write it.
  std::set<std::string> given;
  bool is_given(const std::string& path) const { return given.count(path) > 0; }
  // Where each key of the config file stands (config_from_file; io.hpp json_key_places), so that a
  // problem with a key is located in the file (line, column). Not part of the configuration either.
  std::map<std::string, std::pair<long, long>> places;
};

// Where a key's value was given, for a refusal of it made after check() once the recipe has
// resolved the keys it depends on (fit.hpp check_checkpoint_every): the config file, at the key's
// line and column; "command line"; a resumed checkpoint. The CLI knows which (config_flags.hpp
// setting_source); empty: the refusal names none.
struct SettingSource {
  std::string source;
  long line = 0;
  long column = 0;
};

// One key of the configuration, as the option table declares it.
struct OptionInfo {
  std::string section;     // "training"
  std::string key;         // "epochs"
  std::string flag;        // "--epochs", or "" when only the config file sets it
  std::string value_name;  // "N"
  std::string help;        // one line
  std::string range;       // the values validation accepts ("1 .. 100000", "[0, 1)"); "" where help lists them
  std::string path() const { return section + "." + key; }
};

// The delimiter named by data.delimiter: "auto" -> '\0' (detect), ",", ";", or a tab ("tab", "\t"
// written as two characters, or a tab character). Throws InputError for anything else.
char delimiter_from_text(const std::string& text);

// Every key, in declaration order.
const std::vector<OptionInfo>& config_options();
// The key whose path() is `path` ("data.missing"), or nullptr.
const OptionInfo* find_option(const std::string& path);
// The key path nearest to `path` by edit distance ("training.epochs" for "training.epoch"); a
// path without a section is compared with the keys alone ("training.lr" for "lr").
std::string nearest_option(const std::string& path);

// The default value of a key, as text ("100", "adam", "50").
std::string default_text(const OptionInfo& option);

// Sets a key from its command-line text ("64", "adam", "64,32"). Throws InputError naming the flag.
void set_from_text(Config& config, const OptionInfo& option, const std::string& text);

// One KEY=VALUE setting of any key, with a flag or not (--set training.beta2=0.99): the key and the
// value's text, for set_from_text. InputError naming `flag` for text without '=' or an unknown key
// (the nearest one suggested).
struct Setting {
  const OptionInfo* option = nullptr;
  std::string value;
};
Setting parse_setting(const std::string& flag, const std::string& text);
// Sets the setting's key to its value (set_from_text); an InputError names it "FLAG KEY", as given.
void set_from_setting(Config& config, const std::string& flag, const Setting& setting);

// The command line's list syntax: "a,b" -> {a, b}; an item in double quotes may hold commas, and ""
// is a quote in it, as in a CSV field ('"sales, EUR",units'). Throws InputError naming `flag` for a
// quote left open or text after a closing quote.
std::vector<std::string> split_flag_list(const std::string& flag, const std::string& text);

// Reads a JSON config. Unknown keys (with the nearest valid key suggested), wrong types and values
// that fail validation are all reported in one InputError naming `source`. Keys absent keep the
// values already in `config`, so a file can override defaults and flags can override the file.
// With `validate` false only the types are checked here (the values are left to check(), once
// flags have overridden them: a file's "horizon": 0 given with --horizon 2 is not an error); a
// file refused for its structure (an unknown key, a wrong type) lists its value problems too, as
// they stand once `command_line` (may be empty) has set the command line's values on a copy (it
// returns the paths it set): those about a key the file sets and the command line does not, a key
// a flag set named with its flag, as check() does.
struct CommandLineKeys {
  std::vector<std::string> paths;  // the key paths the command line set: its flags' first, then --set's
  std::size_t by_flag = 0;         // how many of them (the first) its flags set
};
using CommandLineValues = std::function<CommandLineKeys(Config&)>;
void apply_json(Config& config, const nlohmann::json& json, const std::string& source, bool validate = true,
                const CommandLineValues& command_line = {});
// Reads a config file; a relative data.path in it is taken relative to the file's folder. Its
// values are not validated (apply_json's `validate`, `command_line` as there): check() the config
// the flags make of it.
Config config_from_file(const std::string& path, const CommandLineValues& command_line = {});

nlohmann::json to_json(const Config& config);
// The first key at which two configs in to_json's form differ, named as config keys are
// ("model.hidden": a list whole), with both values as JSON text ("absent" where one lacks it), and
// the other keys that differ.
struct ConfigDifference {
  std::string key;    // "" when the configs are equal
  std::string base;   // "[4]"
  std::string other;  // "[4,4]"
  std::vector<std::string> also;  // the other keys that differ, in order ("data.scale_min")
};
ConfigDifference first_difference(const nlohmann::json& base, const nlohmann::json& other);

// One thing wrong with a configuration: its text ("model.hidden[1] must be >= 1, got 0") and the
// option paths it is about, first the one the text begins with ("model.hidden"; "data.scale_max",
// "data.scale_min" for a range too narrow; an unknown key's own path). The keys, not the text,
// say where a config file holds the problem and whether a flag set it.
struct ConfigProblem {
  std::vector<std::string> keys;  // never empty
  std::string text;
};
// Every problem at once, one per entry. Empty when valid.
std::vector<ConfigProblem> validate(const Config& config);
// Why the file name `path`, given as `name`, cannot be recorded in a checkpoint: it is not UTF-8,
// which JSON cannot hold (train exited 1 after all the work); "" when it can.
std::string unrecordable(const std::string& name, const std::string& path);
// Throws InputError when a file name the checkpoint records (data.path, output.path,
// output.log_json) is unrecordable.
void check_recordable(const Config& config);
// Throws InputError listing every problem (joined by "; ") when validate() finds any; with
// `in_file`, the problems are the config file's, located at the first one's key (Config::places).
// Each key of `by_flag` (paths set by their flags) a problem is about is named with its flag:
// "--hidden (model.hidden[0]) must be <= 4096, got 5000".
void check(const Config& config, const std::string& source, bool in_file = false, const std::vector<std::string>& by_flag = {});

// Whether a checkpoint of format `version` may lack config key `path` ("training.theta_weight"): a
// key added after checkpoints were first written, whose absence means what the files written
// before it meant (data.seasonal_adjust none, training.refit and combine false, theta_weight 0;
// in version 1 also data.normalise minmax, data.season from the time column, model.ensemble 1).
// A key added to the option table later joins this list, or older checkpoints stop loading.
bool optional_in_checkpoint(const std::string& path, long version);

// The keys of `config` still left to the recipe (recipe.hpp: data.look_back, data.season,
// training.epochs or model.ensemble 0, data.normalise or data.seasonal_adjust auto), joined by
// ", "; "" when every one is resolved, as a checkpoint's are.
std::string unresolved_keys(const Config& config);

// Settings given (by a flag or file) with a value other than the default that the rest of
// `config` leaves without effect, one phrase each, for train's notes: "model.dropout 0.2 has no
// effect with one layer: ...", an optimizer's parameter under another optimizer, huber_delta
// without Huber loss, theta_weight with combine false, reduce-on-plateau settings with lr_factor
// 1, training.mode or data.strict without a series column. Empty when every one counts.
std::vector<std::string> settings_without_effect(const Config& config);

// The README's option table (Markdown), generated from the option table.
std::string options_markdown();

std::string to_string(MissingPolicy v);
std::string to_string(CellActivation v);
std::string to_string(InitScheme v);
std::string to_string(OptimizerKind v);
std::string to_string(LossKind v);
std::string to_string(Normalise v);
std::string to_string(SeasonalAdjust v);
std::string to_string(TrainingMode v);

}  // namespace lstmf
