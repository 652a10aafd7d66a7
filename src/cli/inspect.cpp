// lstm-forecast inspect: load the data as train would and say what was found (rows, columns,
// frequency, split and windows), without training.
#include <iostream>

#include "commands.hpp"
#include "config_flags.hpp"
#include "lstmf/dataset.hpp"
#include "lstmf/recipe.hpp"

namespace lstmf::cli {

Command add_inspect(CLI::App& app) {
  auto* command = app.add_subcommand("inspect", "Load a CSV as train would and summarise it: rows, columns, frequency, windows");
  auto flags = std::make_shared<ConfigFlags>();
  add_config_flags(*command, *flags);
  return {command, [flags] {
            const Config requested = resolve_config(*flags);
            SeriesSet data = load_series(requested.data);
            // What train would use: the recipe's choices for the keys chosen from the data.
            const Config config =
                data.series.size() == 1 ? resolve_recipe(requested, data.series.front()) : requested;
            const Dataset dataset = prepare_dataset(std::move(data), config.data);
            std::cout << describe(dataset);
            std::cout << "recipe: normalise " << to_string(config.data.normalise) << ", season " << config.data.season
                      << ", epochs " << config.training.epochs << ", ensemble " << config.model.ensemble << "\n";
            return 0;
          }};
}

}  // namespace lstmf::cli
