// lstm-forecast inspect: load the data as train would and say what was found (rows, columns,
// frequency, split and windows), without training.
#include <iostream>

#include "commands.hpp"
#include "config_flags.hpp"
#include "lstmf/dataset.hpp"

namespace lstmf::cli {

Command add_inspect(CLI::App& app) {
  auto* command = app.add_subcommand("inspect", "Load a CSV as train would and summarise it: rows, columns, frequency, windows");
  auto flags = std::make_shared<ConfigFlags>();
  add_config_flags(*command, *flags);
  return {command, [flags] {
            const Config config = resolve_config(*flags);
            const Dataset dataset = prepare_dataset(config.data);
            std::cout << describe(dataset);
            return 0;
          }};
}

}  // namespace lstmf::cli
