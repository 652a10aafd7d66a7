#include "config_flags.hpp"

#include <algorithm>
#include <optional>

#include "commands.hpp"
#include "lstmf/error.hpp"
#include "lstmf/io.hpp"

namespace lstmf::cli {

void add_config_flags(CLI::App& command, ConfigFlags& flags) {
  command.add_option("--config", flags.config_file, "JSON config file (sections data, model, training, output); flags override it")
      ->type_name("FILE")->check(file_path());
  for (const auto& info : config_options()) {
    if (info.flag.empty()) continue;
    const std::string help = info.help + " [" + info.path() + ", default " + default_text(info) +
                             (info.range.empty() ? "" : ", range " + info.range) + "]";
    flags.options[info.path()] = command.add_option(info.flag, flags.text[info.path()], help)->type_name(info.value_name);
    // A file flag needs a path (--data, --output), but for output.log_json, whose "" is its default,
    // none: --log-json '' turns off a log that a config file names.
    if (info.value_name == "FILE") flags.options[info.path()]->check(file_path(info.path() == "output.log_json"));
  }
  command.add_option("--set", flags.settings,
                     "KEY=VALUE: any config key, those without a flag too (--set training.beta2=0.99); repeat for more keys")
      ->type_name("KEY=VALUE")
      ->take_all();
}

namespace {

// The text given for `key` by its flag or by --set KEY=VALUE (the same request), "" included;
// nullopt when neither gave it.
std::optional<std::string> given_text(const ConfigFlags& flags, const std::string& key) {
  const auto option = flags.options.find(key);
  if (option != flags.options.end() && option->second->count() > 0) return flags.text.at(key);
  for (const std::string& setting : flags.settings)
    if (setting.size() > key.size() && setting.compare(0, key.size(), key) == 0 && setting[key.size()] == '=')
      return setting.substr(key.size() + 1);
  return std::nullopt;
}

}  // namespace

std::string given_flag(const ConfigFlags& flags, const std::string& key) { return given_text(flags, key).value_or(""); }

SettingSource setting_source(const Config& config, const ConfigFlags& flags, const std::string& key, const std::string& base_name) {
  if (given_text(flags, key)) return {"command line"};
  if (flags.config_file.empty()) return {base_name};
  // A --config replaces the base: a key the file does not hold has its default.
  const auto place = config.places.find(key);
  if (place == config.places.end()) return {};
  return {source_name(flags.config_file), place->second.first, place->second.second};
}

void require_data_path(const Config& config, const ConfigFlags& flags) {
  // The config is blamed when it alone set data.path (--set data.path= emptied it: then not).
  if (config.data.path.empty() && !flags.config_file.empty() && !given_text(flags, "data.path"))
    throw InputError(source_name(flags.config_file), 0, 0, "no data file: the config sets no data.path (set it there, or give --data FILE)");
}

void require_output_path(const Config& config, const ConfigFlags& flags) {
  if (!config.output.path.empty()) return;
  // --output '' is refused as it is read (file_path); --set output.path= and a file's "" come here
  // (they failed at the write, exit 3: "empty output path").
  if (given_text(flags, "output.path")) throw InputError("--set output.path= names no file: give the checkpoint's path");
  const auto place = config.places.find("output.path");
  const auto [line, column] = place != config.places.end() ? place->second : std::pair<long, long>{0, 0};
  throw InputError(source_name(flags.config_file), line, column,
                   "output.path is empty: name the checkpoint's file there, or give --output FILE");
}

namespace {

// Sets the command line's values on `config`: each flag given, then each --set KEY=VALUE. With
// `strict`, a value that does not read or a key given twice is an InputError; without (judging a
// config file refused anyway: config_from_file's `command_line`), it sets nothing.
CommandLineKeys set_command_line(Config& config, const ConfigFlags& flags, bool strict) {
  CommandLineKeys keys;
  const auto attempt = [strict](const auto& set) {
    if (strict) return set(), true;
    try {
      set();
      return true;
    } catch (const InputError&) {
      return false;
    }
  };
  for (const auto& info : config_options())
    if (!info.flag.empty() && flags.options.at(info.path())->count() > 0 &&
        attempt([&] { set_from_text(config, info, flags.text.at(info.path())); }))
      keys.paths.push_back(info.path());
  keys.by_flag = keys.paths.size();
  for (const std::string& text : flags.settings)
    attempt([&] {
      const Setting setting = parse_setting("--set", text);
      const std::string key = setting.option->path();
      if (std::find(keys.paths.begin(), keys.paths.end(), key) != keys.paths.end())
        throw InputError("--set " + key + " is given twice" +
                         (setting.option->flag.empty() || flags.options.at(key)->count() == 0 ? "" : " (also as " + setting.option->flag + ")") +
                         ": give each key once");
      set_from_setting(config, "--set", setting);
      keys.paths.push_back(key);
    });
  return keys;
}

}  // namespace

Config resolve_config(const ConfigFlags& flags, const Config& base, const std::string& base_name) {
  Config config = base;
  check_stdin_once({{"--config", flags.config_file}, {"--data", given_flag(flags, "data.path")}});
  if (!flags.config_file.empty()) {
    // What a file refused for its structure is judged with (apply_json's `command_line`): the
    // values the command line sets over it. One that does not read (--horizon abc, --set with no
    // '=') sets nothing; it is refused below, once the file has been read.
    const auto command_line = [&](Config& partial) { return set_command_line(partial, flags, false); };
    config = config_from_file(flags.config_file, command_line);
  }
  const CommandLineKeys keys = set_command_line(config, flags, true);
  const std::vector<std::string>& given = keys.paths;  // key paths the flags and --set set
  const std::vector<std::string> by_flag(given.begin(), given.begin() + static_cast<std::ptrdiff_t>(keys.by_flag));
  // The file's values are checked here, once the flags have overridden them (config_from_file);
  // a problem is the file's alone unless it is about a key a flag set.
  const auto set_here = [&](const std::string& key) { return std::find(given.begin(), given.end(), key) != given.end(); };
  const std::vector<ConfigProblem> problems = validate(config);
  const bool flag_named = std::any_of(problems.begin(), problems.end(), [&](const ConfigProblem& problem) {
    return std::any_of(problem.keys.begin(), problem.keys.end(), set_here);
  });
  // Without a file, a problem about a key no flag set is the base's (a resumed checkpoint's
  // data.val_fraction, with --test-fraction 0.85), not the command line's alone.
  const bool base_named = !base_name.empty() && std::any_of(problems.begin(), problems.end(), [&](const ConfigProblem& problem) {
    return !std::all_of(problem.keys.begin(), problem.keys.end(), set_here);
  });
  check(config,
        !flags.config_file.empty() ? (flag_named ? source_name(flags.config_file) + " with the command line"
                                                 : source_name(flags.config_file))
        : base_named               ? base_name + " with the command line"
                                   : "command line",
        !flags.config_file.empty() && !flag_named,  // the file's problems alone: located in it
        by_flag);
  return config;
}

}  // namespace lstmf::cli
