// lstm-forecast predict: checkpoint + recent history -> forecast CSV (stdout by default, so it pipes).
#include "commands.hpp"
#include "lstmf/checkpoint.hpp"
#include "lstmf/forecast.hpp"
#include "lstmf/io.hpp"

namespace lstmf::cli {
namespace {

struct PredictArgs {
  std::string model;
  std::string input;   // "" = the checkpoint's data tail
  std::string output = "-";
  int horizon = 0;     // 0 = the trained horizon
  bool fitted = false;
  std::vector<int> intervals;  // percent levels
  int threads = 0;
};

int run_predict(const PredictArgs& args) {
  check_writable(args.output);
  const Checkpoint checkpoint = load_checkpoint(args.model);
  const History history = args.input.empty() ? tail_history(checkpoint) : read_history(checkpoint, args.input);
  std::string csv;
  if (args.fitted) {
    csv = to_csv(fitted(checkpoint, history, args.threads));
  } else {
    Forecast result =
        forecast(checkpoint, history, args.horizon > 0 ? args.horizon : checkpoint.config.data.horizon, args.threads);
    add_intervals(result, checkpoint, args.intervals);
    csv = to_csv(result);
  }
  write_atomically(args.output, csv);
  return 0;
}

}  // namespace

Command add_predict(CLI::App& app) {
  auto* command = app.add_subcommand("predict", "Forecast from a checkpoint and recent history; writes CSV");
  auto args = std::make_shared<PredictArgs>();
  command->add_option("--model,-m", args->model, "checkpoint written by train")->required();
  command->add_option("--input,-i", args->input,
                      "history CSV with the training columns (- = stdin); default: the checkpoint's data tail");
  command->add_option("--horizon", args->horizon,
                      "steps to forecast (default: the trained horizon; longer horizons roll the model forward)")
      ->check(CLI::Range(1, 100000));
  command->add_option("--output,-o", args->output, "forecast CSV (- = stdout)")->capture_default_str();
  command->add_option("--intervals", args->intervals,
                      "prediction intervals at these levels (percent, 50..99), e.g. 80,95: columns COL_lo80, COL_hi80, ...")
      ->delimiter(',')
      ->check(CLI::Range(50, 99));
  command->add_flag("--fitted", args->fitted, "predictions for every window of the input instead of the future");
  command->add_option("--threads", args->threads, "worker threads; 0 = all cores")->check(CLI::Range(0, 1024));
  return {command, [args] { return run_predict(*args); }};
}

}  // namespace lstmf::cli
