#include "config_flags.hpp"

#include "lstmf/error.hpp"
#include "lstmf/io.hpp"

namespace lstmf::cli {

void add_config_flags(CLI::App& command, ConfigFlags& flags) {
  command.add_option("--config", flags.config_file, "JSON config file (sections data, model, training, output); flags override it");
  for (const auto& info : config_options()) {
    if (info.flag.empty()) continue;
    const std::string help = info.help + " [" + info.path() + ", default " + default_text(info) + "]";
    flags.options[info.path()] = command.add_option(info.flag, flags.text[info.path()], help)->type_name(info.value_name);
  }
}

std::string given_flag(const ConfigFlags& flags, const std::string& key) {
  const auto option = flags.options.find(key);
  return option != flags.options.end() && option->second->count() > 0 ? flags.text.at(key) : std::string();
}

Config resolve_config(const ConfigFlags& flags, const Config& base) {
  Config config = base;
  check_stdin_once({{"--config", flags.config_file}, {"--data", given_flag(flags, "data.path")}});
  if (!flags.config_file.empty()) config = config_from_file(flags.config_file);
  std::vector<std::string> given;  // key paths the flags set
  for (const auto& info : config_options()) {
    if (info.flag.empty()) continue;
    if (flags.options.at(info.path())->count() == 0) continue;
    set_from_text(config, info, flags.text.at(info.path()));
    given.push_back(info.path());
  }
  // The file's values are checked here, once the flags have overridden them (config_from_file);
  // a problem is the file's alone unless it names a key a flag set.
  bool flag_named = false;
  for (const std::string& problem : validate(config))
    for (const std::string& path : given)
      flag_named = flag_named || problem.compare(0, path.size(), path) == 0;
  check(config, flags.config_file.empty() ? "command line"
                : flag_named             ? source_name(flags.config_file) + " with the command line"
                                         : source_name(flags.config_file));
  return config;
}

}  // namespace lstmf::cli
