// lstm-forecast predict: checkpoint + recent history -> forecast CSV (stdout by default, so it pipes).
#include <iostream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "commands.hpp"
#include "lstmf/checkpoint.hpp"
#include "lstmf/error.hpp"
#include "lstmf/forecast.hpp"
#include "lstmf/io.hpp"
#include "lstmf/series.hpp"
#include "panel_flags.hpp"

namespace lstmf::cli {
namespace {

// predict for a many-series checkpoint (already loaded with the selection): long-format CSV, with
// each series' prediction intervals at `levels` (percent; none when empty).
int run_predict_panel(const PanelCheckpoint& checkpoint, const std::string& model, const PanelArgs& args, const std::string& input,
                      const std::string& output, int horizon, int threads, const std::vector<int>& levels) {
  std::optional<SeriesSet> history;
  if (!input.empty()) history = read_panel_history(checkpoint, input, history_selection(checkpoint, args.selection()));
  const PanelForecast forecast =
      forecast_panel(checkpoint, history ? &*history : nullptr, horizon > 0 ? horizon : checkpoint.config.data.horizon, threads, model, levels);
  // Said once the forecast is made: a history that fails has one line on stderr, its error.
  const std::string dropped = history ? dropped_rows_note(*history) : "";
  if (!dropped.empty()) Talk() << "note: " << history->source << ": " << dropped;
  const std::string jump = history ? last_value_jump_note(*history, checkpoint.columns.targets) : "";
  if (!jump.empty()) Talk() << "note: " << history->source << ": " << jump;
  for (const std::string& note : panel_history_notes(checkpoint, history ? &*history : nullptr, true))
    Talk() << "note: " << (history ? history->source : source_name(model) + " (data_tail)") << ": " << note;
  write_atomically(output, to_csv(forecast));
  {
    // The series training left out (interrupted, refused, diverged) are named from the history,
    // or, forecasting from the data tails, from the checkpoint's list (an interrupted run's
    // checkpoint forecast a part of its series without a word).
    std::vector<std::pair<std::string, std::string>> untrained;
    for (auto& s : history ? untrained_series(checkpoint, *history) : left_out_series(checkpoint, args.selection()))
      untrained.emplace_back(std::move(s.id), std::move(s.reason));
    const std::string source = history ? history->source : source_name(model);
    for (const std::string& line : grouped_series_notes(
             untrained, [&](const std::string& who, const std::string& reason) { return "note: " + source + ": " + who + " not forecast: " + reason; },
             [&](std::size_t n) {
               return "note: " + source + ": and " + std::to_string(n) + " more series not forecast, for other reasons (" +
                      (history ? "evaluate --json with the same --input lists each" : "the checkpoint's left_out lists each") + ")";
             }))
      Talk() << line;
  }
  if (checkpoint.series.empty()) Talk() << "note: " << no_series_note(checkpoint, args, model) << ": the forecast is its header alone";
  return 0;
}

struct PredictArgs {
  std::string model;
  std::string input;   // "" = the checkpoint's data tail
  std::string output = "-";
  int horizon = 0;     // 0 = the horizon train was asked for (default_horizon)
  bool fitted = false;
  std::vector<std::string> intervals;  // percent levels as given (interval_levels)
  int threads = 0;
  std::string missing;
  CLI::Option* missing_option = nullptr;  // not given: the model's data.missing
  PanelArgs panel;     // many-series checkpoints: --series, --shard
};

int run_predict(const PredictArgs& args) {
  const std::vector<int> levels = interval_levels(args.intervals);
  check_writable(args.output);
  // Every file predict reads: none may be the output, and one at most may be stdin.
  const std::vector<std::pair<std::string, std::string>> inputs = {
      {"--model", args.model}, {"--input", args.input}, {"--series-file", args.panel.series_file}};
  check_distinct("--output", args.output, inputs);
  check_stdin_once(inputs);
  const std::optional<MissingPolicy> missing = history_missing(*args.missing_option, args.missing);
  AnyCheckpoint loaded = load_any_checkpoint(args.model, args.panel.selection());
  if (missing) (loaded.panel ? loaded.panel->config : loaded.single->config).data.missing = *missing;
  if (loaded.panel) {
    if (args.fitted) throw InputError(source_name(args.model), 0, 0, "--fitted is for single-series checkpoints; this one holds many series");
    return run_predict_panel(*loaded.panel, args.model, args.panel, args.input, args.output, args.horizon, args.threads, levels);
  }
  const Checkpoint& checkpoint = *loaded.single;
  if (args.fitted && args.input.empty())  // the data tail is one look-back: no window has a value after it
    throw InputError(source_name(args.model), 0, 0,
                     "--fitted needs the history to fit (--input FILE, - for stdin): the checkpoint's data tail holds "
                     "the last look-back rows alone, which no fitted value follows");
  History history = args.input.empty() ? tail_history(checkpoint) : read_history(checkpoint, args.input);
  if (args.input.empty()) history.source = source_name(args.model) + " (data_tail)";  // messages name the file
  std::string csv;
  std::optional<Fitted> fits;  // written in pieces: 24 million rows from a million-row history at H = 24
  try {
    if (args.fitted) {
      fits = fitted(checkpoint, history, args.threads);
    } else {
      Forecast result =
          forecast(checkpoint, history, args.horizon > 0 ? args.horizon : default_horizon(checkpoint), args.threads);
      try {
        add_intervals(result, checkpoint, levels);
      } catch (const InputError& e) {
        throw InputError(source_name(args.model), 0, 0, e.message());  // the checkpoint's quantiles are the problem
      }
      csv = to_csv(result);
    }
  } catch (const DivergedError& e) {
    throw DivergedError(source_name(args.model) + ": " + e.what());  // the model, not the data, made it
  } catch (const InputError& e) {
    if (!e.file().empty()) throw;
    throw InputError(source_name(args.model), 0, 0, e.message());  // what the model cannot do (a horizon with features)
  }
  // Said once the forecast is made: a history that fails has one line on stderr, its error.
  for (const std::string& note : history_notes(checkpoint, history, !args.fitted))
    Talk() << "note: " << history.source << ": " << note;
  if (fits)
    write_atomically_streamed(args.output, [&](const AppendText& append) { to_csv(*fits, append); });
  else
    write_atomically(args.output, csv);
  return 0;
}

}  // namespace

Command add_predict(CLI::App& app) {
  auto* command = app.add_subcommand("predict", "Forecast from a checkpoint and recent history; writes CSV");
  auto args = std::make_shared<PredictArgs>();
  command->add_option("--model,-m", args->model, "checkpoint written by train")->required()->type_name("FILE")->check(file_path());
  command->add_option("--input,-i", args->input,
                      "history CSV with the training columns (- = stdin); default: the checkpoint's data tail")
      ->type_name("FILE")->check(file_path());
  auto* horizon = command->add_option("--horizon", args->horizon,
                      "steps to forecast, 1 .. 100000 (default: the horizon train was asked for, or the model's own when it has features; past the model's own, it rolls forward)")
      ->transform(decimal_integer())
      ->check(CLI::Range(1, 100000).description(""))
      ->type_name("N");
  command->add_option("--output,-o", args->output, "forecast CSV (- = stdout)")->capture_default_str()->type_name("FILE")->check(file_path());
  auto* intervals = command->add_option("--intervals", args->intervals,
                      "prediction intervals at these levels (percent, 50..99), e.g. 80,95: columns COL_lo80, COL_hi80, ...")
      ->type_name("LEVEL[,LEVEL]")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::Throw);
  args->missing_option = add_history_missing(*command, args->missing);
  // Fitted values are the trained H steps of every window, without intervals.
  command->add_flag("--fitted", args->fitted, "predictions for every window of the input instead of the future (a single-series checkpoint)")
      ->excludes(horizon)
      ->excludes(intervals);
  add_threads(*command, args->threads);
  add_panel_flags(*command, args->panel, false);
  return {command, [args] { return run_predict(*args); }};
}

}  // namespace lstmf::cli
