// Checkpoint JSON shared by the single-series (checkpoint.cpp) and many-series (panel.cpp)
// checkpoints: readers with messages that name the key path, and the writer of the history.
// Internal to the library.
// Every reader throws InputError without a file name ("history.epochs[3].epoch must be an integer,
// got 1.5"); the loaders add the file.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lstmf/checkpoint.hpp"

namespace lstmf::checkpoint_json {

using json = nlohmann::json;

[[noreturn]] void bad(const std::string& message);
// A value found in the file, for a message: bounded.
std::string shown(const json& value);
// "where.key", or "key" at the top level.
std::string key_path(const std::string& where, const char* key);

const json& member(const json& object, const char* key, const std::string& where);
std::string read_string(const json& object, const char* key, const std::string& where);
std::vector<std::string> read_strings(const json& object, const char* key, const std::string& where);
long read_integer(const json& object, const char* key, const std::string& where, long lo, long hi);
bool read_bool(const json& object, const char* key, const std::string& where);
// A finite number (InputError naming `where` otherwise).
double read_finite_number(const json& value, const std::string& where);
// A number, or NaN for null (a loss that was not measured).
double read_number_or_null(const json& value, const std::string& where);

// A checkpoint about to be written must hold finite numbers: nlohmann writes NaN and inf as null,
// which the loaders refuse, so such a file would be unusable. Throws DivergedError naming the
// first one's key (`where` + path, e.g. series[3].state_dict.head.bias[0]).
void refuse_non_finite(const json& j, const std::string& where);

// The first key of the option table (config.hpp config_options) that `config.given` lacks, as
// "config.model.cell_activation", other than those a checkpoint of `version` may lack
// (config.hpp optional_in_checkpoint); "" when none is missing. A key missing is read as its
// default otherwise: relu weights run as tanh.
std::string missing_config_key(const Config& config, long version);

// Before a model of the config's shape is allocated to load `state_dict` (Model's constructor,
// then load_state_dict, which names each tensor whose shape differs): throws InputError when such a
// model has millions of parameters more than the file holds numbers there, so a config edited to a
// size the weights do not have (a 52 KB file claiming hidden [4096] * 16 took 16 GB to refuse) is
// refused with the two counts instead. A state_dict that holds enough numbers costs what the file
// does; a small difference is left to load_state_dict's messages.
void check_state_dict_size(const json& state_dict, const ModelConfig& model, long inputs, long outputs,
                           const std::string& where);

// The format marker and version of a checkpoint's root: the version, or InputError when the file
// is not a checkpoint or is newer than `newest`. A version up to `newest_known` (another kind of
// checkpoint's newest, which this build reads too) is not new: the file is of the wrong kind or
// hand-edited, and `kind_hint` says which version this kind has.
long read_format_version(const json& root, long newest, long newest_known = 0, const std::string& kind_hint = "");

// The `history` section: epochs in order, and the epoch whose weights were kept.
struct HistoryRead {
  std::vector<EpochRecord> epochs;
  int best_epoch = 0;
};
HistoryRead read_history(const json& root);
// {"best_epoch": b, "epochs": [{"epoch", "train_loss", "val_loss" (null when not measured), "lr"}]}
json history_to_json(const std::vector<EpochRecord>& epochs, int best_epoch);

}  // namespace lstmf::checkpoint_json
