#include "commands.hpp"
#include "lstmf/error.hpp"

namespace lstmf::cli {

Command add_train(CLI::App& app) {
  auto* command = app.add_subcommand("train", "train (coming with the model)");
  return {command, [] () -> int { throw Error("train is not available yet"); }};
}

}  // namespace lstmf::cli
