#include "commands.hpp"
#include "lstmf/error.hpp"

namespace lstmf::cli {

Command add_evaluate(CLI::App& app) {
  auto* command = app.add_subcommand("evaluate", "evaluate (coming with the model)");
  return {command, [] () -> int { throw Error("evaluate is not available yet"); }};
}

}  // namespace lstmf::cli
