// Command-line flags generated from the configuration's option table (config.hpp): each key with a
// flag becomes a CLI11 option, and --set KEY=VALUE sets any key, with a flag or not; a JSON file
// given with --config is read first, then the flags given override it.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "lstmf/config.hpp"

namespace lstmf::cli {

struct ConfigFlags {
  std::string config_file;
  std::map<std::string, std::string> text;       // key path -> flag text
  std::map<std::string, CLI::Option*> options;   // key path -> option, to see which were given
  std::vector<std::string> settings;             // --set KEY=VALUE, in order
};

void add_config_flags(CLI::App& command, ConfigFlags& flags);

// The text given on the command line for config key `key` (e.g. "data.path"), by its flag or by
// --set; "" when not given.
std::string given_flag(const ConfigFlags& flags, const std::string& key);

// Where `config`, as resolve_config made it from `flags`, took key `key`'s value, for a refusal of
// it after resolve_config (SettingSource): "command line" when its flag or --set gave it; else the
// --config file, at the key; else `base_name` (resolve_config's: a resumed checkpoint), or none
// for a default.
SettingSource setting_source(const Config& config, const ConfigFlags& flags, const std::string& key,
                             const std::string& base_name = "");

// `base` (defaults, or a checkpoint's config when resuming), replaced by --config FILE when given,
// then the flags and --set settings given (a key set twice, by both or by two settings, is an
// InputError); validated (every problem at once). `base_name` says where `base` came from
// ("m.json (the checkpoint resumed)"; "" for the defaults): a problem about a key no flag set is
// said to be its, with the command line, when no --config replaced it.
Config resolve_config(const ConfigFlags& flags, const Config& base = Config{}, const std::string& base_name = "");
// InputError naming the --config file when neither it nor a flag names the data (train, inspect).
void require_data_path(const Config& config, const ConfigFlags& flags);
// InputError naming --set or the --config file (at the key) when output.path is empty (train).
void require_output_path(const Config& config, const ConfigFlags& flags);

}  // namespace lstmf::cli
