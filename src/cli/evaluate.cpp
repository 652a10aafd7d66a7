// lstm-forecast evaluate: rolling-origin backtest of a checkpoint against the naive and seasonal naive
// baselines (backtest.hpp); a table on stdout, or one JSON object with --json.
#include <algorithm>
#include <filesystem>
#include <iostream>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "lstmf/backtest.hpp"
#include "lstmf/checkpoint.hpp"
#include "lstmf/error.hpp"
#include "lstmf/forecast.hpp"
#include "lstmf/io.hpp"
#include "lstmf/series.hpp"
#include "lstmf/protocol.hpp"
#include "panel_flags.hpp"

namespace lstmf::cli {
namespace {

// A report as JSON text: a file name that is not UTF-8 (which JSON cannot hold) has U+FFFD for
// its bad bytes, rather than failing after the whole backtest.
std::string report_json(const nlohmann::json& report, int indent) {
  return report.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

// evaluate for a many-series checkpoint on `input` (long format): per-series table and aggregate.
// evaluate without --input reads the training data's path: when the file there does not hold the
// rows training ended on (`ids`: the series so; "" for one series), it is another file of that
// name, or was changed since.
std::string not_the_training_data(const std::string& source, const std::string& ids) {
  return source + (std::filesystem::path(source).is_absolute() ? " (the training data's path)"
                                                               : " (the training data's path, read from the working directory)") +
         " does not hold the rows training ended on (the checkpoint's data_tail" + ids +
         "): it is another file, or was changed since; its rows are scored all the same (give --input FILE to choose the file)";
}

int run_evaluate_panel(const PanelCheckpoint& checkpoint, const std::string& model, const PanelArgs& args,
                       const std::string& input, bool from_training_path, const BacktestOptions& options, bool json) {
  const SeriesSet history = read_panel_history(checkpoint, input, history_selection(checkpoint, args.selection()));
  PanelBacktest result;
  try {
    result = backtest_panel(checkpoint, history, options);
  } catch (const DivergedError& e) {  // a non-finite forecast of a series (named): and the checkpoint
    throw DivergedError(source_name(model) + ": " + e.what());
  }
  const std::string dropped = dropped_rows_note(history);  // once the backtest is made, as predict says it
  if (!dropped.empty()) Talk() << "note: " << history.source << ": " << dropped;
  for (const std::string& note : panel_history_notes(checkpoint, &history, false))
    Talk() << "note: " << history.source << ": " << note;
  if (from_training_path)
    if (const std::vector<std::string> ids = series_without_data_tail(checkpoint, history); !ids.empty())
      Talk() << "note: "
             << not_the_training_data(history.source, " of " + std::to_string(ids.size()) + " series, such as " +
                                                          in_quotes(ids.front(), 60));
  for (auto& s : untrained_series(checkpoint, history)) result.skipped.push_back(std::move(s));
  std::vector<std::pair<std::string, std::string>> skipped;
  for (const auto& s : result.skipped) skipped.emplace_back(s.id, s.reason);
  for (const std::string& line : grouped_series_notes(
           skipped, [](const std::string& who, const std::string& reason) { return "note: skipped " + who + ": " + reason; },
           [](std::size_t n) { return "note: and " + std::to_string(n) + " more series skipped, for other reasons (--json lists each)"; }))
    Talk() << line;
  if (json) {
    std::cout << report_json(to_json(result), 2) << "\n";
  } else {
    std::cout << format_table(result);
    for (const std::string& note : table_notes(result)) Talk() << "note: " << note;  // stdout is the table
  }
  if (checkpoint.series.empty())  // as predict says it
    Talk() << "note: " << no_series_note(checkpoint, args, model) << ": nothing was evaluated";
  return 0;
}

struct EvaluateArgs {
  std::string model;
  std::string input;   // "" = the checkpoint's training data, config.data.path
  int horizon = 0, season = 0;
  long origins = 0;
  BacktestOptions options;
  bool json = false;
  std::string missing;
  CLI::Option* missing_option = nullptr;  // not given: the model's data.missing
  // The accuracy protocol over a folder (protocol.hpp) instead of one checkpoint's backtest.
  std::string protocol;
  std::string json_file;
  std::vector<std::string> intervals = {"80,95"};  // as given (interval_levels)
  std::vector<std::string> only;
  std::string seed = "0";  // read as training.seed is (config.cpp), so -1 is refused, not wrapped
  std::vector<std::string> settings;  // KEY=VALUE config overrides of the recipe
  bool quiet = false;
  bool progress = false;
  CLI::Option* horizon_option = nullptr;
  CLI::Option* origins_option = nullptr;
  CLI::Option* season_option = nullptr;
  CLI::Option* seed_option = nullptr;     // --protocol's --seed and --threads, which --set may not set again
  CLI::Option* threads_option = nullptr;
  PanelArgs panel;     // many-series checkpoints: --series, --shard
  // The options of one mode, refused in the other rather than ignored (a script expecting
  // --json-file's file would find none).
  std::vector<CLI::Option*> protocol_only, model_only;
};

// Throws when an option of the other mode was given (EvaluateArgs::protocol_only, model_only).
void refuse_other_mode(const EvaluateArgs& args) {
  const bool protocol = !args.protocol.empty();
  for (const CLI::Option* option : protocol ? args.model_only : args.protocol_only) {
    if (option->count() == 0) continue;
    const std::string name = option->get_name();
    if (name == "--model") throw InputError("--model and --protocol are two kinds of evaluate: give one of them");
    throw InputError(name + (protocol ? " applies to evaluate --model (a checkpoint's backtest), not to --protocol, "
                                        "which trains and scores its own models (bench/README.md)"
                                      : " applies to evaluate --protocol DIR (the accuracy protocol), not to a "
                                        "checkpoint's backtest") +
                     (name == "--json-file" ? " (--json writes the backtest as JSON on stdout)" : ""));
  }
}

constexpr const char* kFooter =
    "Origin o (0-based, as JSON's \"origins\"): the model reads the o rows before it (the last look_back of them),\n"
    "and every method forecasts rows o .. o+H-1 from 0, rows o+1 .. o+H counted from 1 as the table and JSON's\n"
    "\"target_rows\" count them.\n"
    "By default the origins are those whose forecasts lie in the held-out tail, the last\n"
    "val_fraction + test_fraction of the rows as train split them (at least one origin: the last window;\n"
    "validation rows chose the best epoch, so train with --test-fraction for rows it never saw), or,\n"
    "when the history's times run past the training data (a longer file; for a refitted model a test tail too),\n"
    "the rows after it (a model not refitted: and the held-out share of the history, where that starts earlier);\n"
    "origins are --stride rows apart, counted back from the end. Each origin needs max(look-back, m) rows\n"
    "before it. Baselines on the same windows: naive (the last value) and seasonal naive (the value one\n"
    "season before). Errors are pooled over every origin and step whose value the file holds (a value\n"
    "--missing filled is an input, not scored): MAE, RMSE, MAPE % (skipping actual values of 0), sMAPE %\n"
    "(M4: 200|y-f|/(|y|+|f|), 0 where both are 0), and MASE = MAE / the seasonal naive MAE with the same m\n"
    "over the rows before the first origin. An undefined value is shown as n/a (null in JSON), with a note\n"
    "(on stderr; in the JSON's \"notes\").";

int run_protocol_command(const EvaluateArgs& args) {
  ProtocolOptions options;
  options.base.training.threads = args.options.threads;
  options.intervals = interval_levels(args.intervals);
  set_from_text(options.base, *find_option("training.seed"), args.seed);
  // A key evaluate has a flag for, given both ways: one would be dropped without a word.
  for (const std::string& key : apply_settings(options.base, args.settings))
    for (const auto& [flag, path] : {std::pair<CLI::Option*, const char*>{args.seed_option, "training.seed"},
                                     {args.threads_option, "training.threads"}})
      if (key == path && flag != nullptr && flag->count() > 0)
        throw InputError("--set " + key + " and " + flag->get_name() + " both set it: give one of them");
  options.only = args.only;
  if (writes_stdout(args.json_file))  // "-", /dev/stdout, or the file stdout goes to
    throw InputError("--json-file " + args.json_file + " would mix JSON into the report on stdout; use --json for JSON on stdout");
  if (!args.json_file.empty()) {
    check_writable(args.json_file);  // before a run of minutes, not after it
    options.outputs.push_back({"--json-file", args.json_file});
  }
  options.outputs.push_back({"stdout", "-"});  // the report: not appended to meta.json or a series
  if (show_progress(args.quiet, args.progress)) options.progress = [](const std::string& line) { Talk() << line; };
  const ProtocolResult result = run_protocol(args.protocol, options);
  for (const auto& [file, why] : result.skipped) Talk() << "note: skipped " << file << ": " << why;
  if (!args.json_file.empty()) write_atomically(args.json_file, report_json(to_json(result), 1) + "\n");
  if (args.json)
    std::cout << report_json(to_json(result), 1) << "\n";
  else
    std::cout << protocol_markdown(result);
  return 0;
}

int run_evaluate(EvaluateArgs args) {
  interval_levels(args.intervals);  // checked in either mode, as CLI11 did (only the protocol reports them)
  if (!args.protocol.empty() && args.missing_option->count() > 0)
    throw InputError("--missing is for evaluate --model; the protocol interpolates (bench/README.md)");
  // The report goes to stdout: one that cannot be written (closed, `>&-`) is said before the work
  // (a protocol run of minutes), as predict and merge say it (a review).
  if (!args.protocol.empty()) {
    refuse_other_mode(args);
    check_writable("-");
    return run_protocol_command(args);
  }
  if (args.model.empty()) throw InputError("--model is required (or --protocol DIR for the accuracy protocol)");
  refuse_other_mode(args);
  check_writable("-");
  check_stdin_once({{"--model", args.model}, {"--input", args.input}, {"--series-file", args.panel.series_file}});
  const std::optional<MissingPolicy> missing = history_missing(*args.missing_option, args.missing);
  if (args.horizon_option->count() > 0) args.options.horizon = args.horizon;
  if (args.origins_option->count() > 0) args.options.origins = args.origins;
  if (args.season_option->count() > 0) args.options.season = args.season;
  check_backtest_options(args.options);  // before anything is read
  AnyCheckpoint loaded = load_any_checkpoint(args.model, args.panel.selection());
  if (missing) (loaded.panel ? loaded.panel->config : loaded.single->config).data.missing = *missing;
  const Checkpoint* single = loaded.single ? &*loaded.single : nullptr;
  const Config& config = single ? single->config : loaded.panel->config;
  std::string input = args.input;
  if (input.empty()) {
    input = config.data.path;
    if (input.empty() || input == "-" || !std::filesystem::is_regular_file(input))
      throw InputError(source_name(args.model), 0, 0,
                       "no --input given and the training data " +
                           (input.empty() || input == "-" ? std::string("came from stdin")
                            : std::filesystem::exists(input)
                                ? in_quotes(input) + " is not a regular file"
                                : in_quotes(input) + " is not found from here") +
                           "; give --input FILE (- = stdin) with the columns the model was trained on");
  }
  // `evaluate --model m.json >> m.json`; without --input, the training data read by default
  check_distinct("-", "-", {{"--model", args.model}, {args.input.empty() ? "the training data" : "--input", input},
                           {"--series-file", args.panel.series_file}});
  if (loaded.panel)
    return run_evaluate_panel(*loaded.panel, args.model, args.panel, input, args.input.empty(), args.options, args.json);
  const Checkpoint& checkpoint = *single;
  const History history = read_history(checkpoint, input);
  Backtest result;
  try {
    result = backtest(checkpoint, history, args.options);
  } catch (const DivergedError& e) {
    throw DivergedError(source_name(args.model) + ": " + e.what());  // the model, not the data, made it
  } catch (const InputError& e) {
    if (!e.file().empty()) throw;
    throw InputError(source_name(args.model), 0, 0, e.message());  // what the model cannot do (a horizon with features)
  }
  for (const std::string& note : history_notes(checkpoint, history, false))  // as predict says them
    Talk() << "note: " << history.source << ": " << note;
  // The training data's path is read from here: another file of that name, or the file changed
  // since, is scored all the same, but not unsaid.
  if (args.input.empty() && !holds_data_tail(checkpoint, history))
    Talk() << "note: " << not_the_training_data(history.source, "");
  if (args.json) {
    std::cout << report_json(to_json(result), 2) << "\n";
  } else {
    std::cout << format_table(result);
    for (const std::string& note : result.notes()) Talk() << "note: " << note;  // stdout is the table
  }
  return 0;
}

}  // namespace

Command add_evaluate(CLI::App& app) {
  auto* command = app.add_subcommand(
      "evaluate", "Backtest a checkpoint from rolling origins against naive and seasonal naive forecasts");
  command->footer(kFooter);
  auto args = std::make_shared<EvaluateArgs>();
  args->model_only.push_back(
      command->add_option("--model,-m", args->model, "checkpoint written by train (required unless --protocol)")->type_name("FILE")->check(file_path()));
  command->add_option("--protocol", args->protocol,
                      "run the accuracy protocol on every series of this folder's meta.json (bench/README.md): "
                      "train the default recipe on all but the last h points, score the h-step forecast; "
                      "Markdown on stdout")
      ->type_name("FOLDER")->check(file_path());  // a folder that is not there: run_protocol says so, exit 3 as for any file
  args->protocol_only = {
      command->add_option("--json-file", args->json_file, "--protocol: also write the results as JSON to this file")->type_name("FILE")->check(file_path()),
      command->add_option("--intervals", args->intervals, "--protocol: interval levels whose coverage is reported (percent, 50..99)")
          ->type_name("LEVEL[,LEVEL]")
          ->capture_default_str()
          ->expected(1)
          ->multi_option_policy(CLI::MultiOptionPolicy::Throw),
      command->add_option("--only", args->only, "--protocol: run these files of meta.json only (comma-separated, or the flag repeated; a name holding a comma in an --only of its own)")
          ->type_name("FILE"),
      args->seed_option = command->add_option("--seed", args->seed, "--protocol: seed of every training run")->type_name("N")->capture_default_str()};
  // A checkpoint's backtest prints no progress: these are refused there as the other --protocol
  // options are (they were silently ignored, a review found).
  args->protocol_only.push_back(command->add_flag("--quiet,-q", args->quiet, "--protocol: no progress lines on stderr"));
  args->protocol_only.push_back(command->add_flag("--progress", args->progress,
                                                  "--protocol: a progress line per series on stderr also when it is not a terminal"));
  args->protocol_only.push_back(command->add_option(
      "--set", args->settings, "--protocol: KEY=VALUE, a config key of the recipe to fix for every series (to measure a variant)")
      ->type_name("KEY=VALUE"));
  args->model_only.push_back(command->add_option(
      "--input,-i", args->input, "history CSV with the training columns (- = stdin); default: the training data, if found")
      ->type_name("FILE")->check(file_path()));
  args->horizon_option = command->add_option("--horizon", args->horizon,
                                             "steps per forecast (default: the horizon train was asked for, or the model's own when it has features; past the model's own, recursive)")
      ->transform(decimal_integer())
      ->type_name("N");
  args->origins_option = command->add_option("--origins", args->origins,
                                             "number of rolling origins (default: those forecasting the held-out tail, or the rows after "
                                             "the training data when the history's times run past it)")
      ->transform(decimal_integer())
      ->type_name("N");
  args->model_only.push_back(command->add_option("--stride", args->options.stride, "rows between origins")
                                 ->transform(decimal_integer())
                                 ->type_name("N")
                                 ->capture_default_str());
  args->season_option = command->add_option("--season", args->season,
                                            "seasonal period m for seasonal naive and MASE (default: the checkpoint's)")
      ->transform(decimal_integer())
      ->type_name("N");
  command->add_flag("--json", args->json, "one JSON object on stdout instead of the table");
  args->missing_option = add_history_missing(*command, args->missing);
  args->threads_option = add_threads(*command, args->options.threads);
  add_panel_flags(*command, args->panel, false);
  args->model_only.insert(args->model_only.end(), {args->horizon_option, args->origins_option, args->season_option,
                                                   command->get_option("--series"), command->get_option("--series-file"),
                                                   command->get_option("--shard")});
  return {command, [args] { return run_evaluate(*args); }};
}

}  // namespace lstmf::cli
