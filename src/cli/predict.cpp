#include "commands.hpp"
#include "lstmf/error.hpp"

namespace lstmf::cli {

Command add_predict(CLI::App& app) {
  auto* command = app.add_subcommand("predict", "predict (coming with the model)");
  return {command, [] () -> int { throw Error("predict is not available yet"); }};
}

}  // namespace lstmf::cli
