// lstm-forecast predict: checkpoint + recent history -> forecast CSV (stdout by default, so it pipes).
#include "commands.hpp"
#include "lstmf/checkpoint.hpp"
#include "lstmf/error.hpp"
#include "lstmf/forecast.hpp"
#include "lstmf/io.hpp"
#include "panel_commands.hpp"

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
  std::string missing;  // "" = the model's data.missing
  PanelArgs panel;     // many-series checkpoints: --series, --shard
};

int run_predict(const PredictArgs& args) {
  check_writable(args.output);
  check_distinct("--output", args.output, {{"--model", args.model}, {"--input", args.input}});
  check_stdin_once({{"--model", args.model}, {"--input", args.input}});
  const std::optional<MissingPolicy> missing = history_missing(args.missing);
  AnyCheckpoint loaded = load_any_checkpoint(args.model, args.panel.selection());
  if (missing) (loaded.panel ? loaded.panel->config : loaded.single->config).data.missing = *missing;
  if (loaded.panel) {
    if (args.fitted) throw InputError("--fitted is for single-series checkpoints");
    if (!args.intervals.empty()) throw InputError("--intervals is for single-series checkpoints");
    return run_predict_panel(*loaded.panel, args.panel, args.input, args.output, args.horizon, args.threads);
  }
  check_interval_levels(args.intervals);
  const Checkpoint& checkpoint = *loaded.single;
  const History history = args.input.empty() ? tail_history(checkpoint) : read_history(checkpoint, args.input);
  std::string csv;
  try {
    if (args.fitted) {
      csv = to_csv(fitted(checkpoint, history, args.threads));
    } else {
      Forecast result =
          forecast(checkpoint, history, args.horizon > 0 ? args.horizon : checkpoint.config.data.horizon, args.threads);
      try {
        add_intervals(result, checkpoint, args.intervals);
      } catch (const InputError& e) {
        throw InputError(args.model, 0, 0, e.message());  // the checkpoint's quantiles are the problem
      }
      csv = to_csv(result);
    }
  } catch (const DivergedError& e) {
    throw DivergedError(args.model + ": " + e.what());  // the model, not the data, made it
  }
  write_atomically(args.output, csv);
  return 0;
}

}  // namespace

CLI::Validator whole_percentages() {
  return CLI::Validator(
      [](std::string& text) {
        return text.empty() || text.find_first_not_of("0123456789") != std::string::npos
                   ? "expected whole percentages from 50 to 99 (e.g. 80,95), got '" + text + "'"
                   : std::string();
      },
      "");
}

void add_history_missing(CLI::App& command, std::string& policy) {
  command.add_option("--missing", policy,
                     "how the history's missing values and time gaps are filled: error, interpolate or ffill "
                     "(default: as the model was trained, its data.missing)")
      ->type_name("POLICY");
}

std::optional<MissingPolicy> history_missing(const std::string& policy) {
  if (policy.empty()) return std::nullopt;
  Config read;
  set_from_text(read, *find_option("data.missing"), policy);
  return read.data.missing;
}

void check_interval_levels(const std::vector<int>& levels) {
  for (size_t i = 0; i < levels.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      if (levels[i] == levels[j])
        throw InputError("--intervals: level " + std::to_string(levels[i]) + " is given twice");
}

Command add_predict(CLI::App& app) {
  auto* command = app.add_subcommand("predict", "Forecast from a checkpoint and recent history; writes CSV");
  auto args = std::make_shared<PredictArgs>();
  command->add_option("--model,-m", args->model, "checkpoint written by train")->required();
  command->add_option("--input,-i", args->input,
                      "history CSV with the training columns (- = stdin); default: the checkpoint's data tail");
  auto* horizon = command->add_option("--horizon", args->horizon,
                      "steps to forecast (default: the trained horizon; longer horizons roll the model forward)")
      ->check(CLI::Range(1, 100000));
  command->add_option("--output,-o", args->output, "forecast CSV (- = stdout)")->capture_default_str();
  auto* intervals = command->add_option("--intervals", args->intervals,
                      "prediction intervals at these levels (percent, 50..99), e.g. 80,95: columns COL_lo80, COL_hi80, ...")
      ->delimiter(',')
      ->check(whole_percentages())
      ->check(CLI::Range(50, 99));
  add_history_missing(*command, args->missing);
  // Fitted values are the trained H steps of every window, without intervals.
  command->add_flag("--fitted", args->fitted, "predictions for every window of the input instead of the future")
      ->excludes(horizon)
      ->excludes(intervals);
  command->add_option("--threads", args->threads, "worker threads; 0 = all cores")->check(CLI::Range(0, 1024));
  add_panel_flags(*command, args->panel, false);
  return {command, [args] { return run_predict(*args); }};
}

}  // namespace lstmf::cli
