// The many-series side of train, predict and evaluate (panel_commands.hpp).
#include "panel_commands.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>

#include "lstmf/error.hpp"
#include "lstmf/forecast.hpp"
#include "lstmf/io.hpp"

namespace lstmf::cli {

void add_panel_flags(CLI::App& command, PanelArgs& args, bool train) {
  command.add_option("--series", args.series, "many series: only these series ids (comma-separated)")
      ->type_name("ID[,ID]")
      ->check(CLI::Validator(
          [](const std::string& ids) {
            // '' or 'a,,b' would select every series, or not the one meant; an id holding a comma
            // is quoted: '"a,1",b'
            std::vector<std::string> items;
            try {
              items = split_flag_list("--series", ids);
            } catch (const InputError& e) {  // CLI11 names the flag itself
              const std::string message = e.message();
              return message.rfind("--series ", 0) == 0 ? message.substr(9) : message;
            }
            const bool empty_item = items.empty() || std::any_of(items.begin(), items.end(), [](const std::string& id) { return id.empty(); });
            return empty_item ? "expected series ids separated by commas, got '" + printable(ids) + "' (an empty id)"
                              : std::string();
          },
          ""));
  command.add_option("--shard", args.shard,
                     "many series: only shard K of N, the series whose FNV-1a hash of the id modulo N is K")
      ->type_name("K/N");
  if (train)
    command.add_flag("--strict", args.strict,
                     "many series: a series too short for one window or with a column without values is an error (default: skipped, named on stderr)");
}

int run_train_panel(const Config& config, const PanelArgs& args, const std::string& resume, bool quiet, bool progress,
                    const EpochCallback& on_epoch, const std::function<bool()>& keep_going,
                    const std::function<void()>& on_saved) {
  if (!resume.empty())
    throw InputError("--resume is not supported with --series-column: many-series training starts from the seed");
  const auto start = std::chrono::steady_clock::now();
  const bool global = config.training.mode == TrainingMode::global;
  const MpiWorld world = start_mpi();
  quiet = quiet || world.rank != 0;  // rank 0 reports and writes the checkpoint
  PanelFitOptions options;
  options.selection = args.selection();
  options.parallel = world.parallel;
  if (global && world.rank == 0) options.on_epoch = on_epoch;
  if (global && world.rank != 0) options.on_epoch = [&](const EpochReport&) { return keep_going(); };
  options.keep_going = keep_going;
  options.on_series = [&](const SeriesFitReport& report, long done, long total) {
    const long every = std::max(1L, total / 20);
    if (progress && world.rank == 0 && (done % every == 0 || done == total)) {
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::cerr << "series " << done << "/" << total << " trained (" << format_number(std::round(seconds * 10) / 10)
                << "s; last: " << printable(report.id) << ", " << report.epochs << " epochs)\n";
    }
    return keep_going();
  };
  if (world.size > 1 && !quiet)
    std::cerr << "data-parallel over " << world.size << " MPI processes, each a slice of every batch\n";
  const PanelFitOutcome outcome = fit_panel(config, options);
  for (const auto& skipped : outcome.skipped)
    if (world.rank == 0) std::cerr << "lstm-forecast: skipped series '" << printable(skipped.id) << "': " << skipped.reason << "\n";
  // Said even with --quiet, as the skipped series are: a series that diverged after validated
  // epochs keeps their best weights (the message says which).
  if (!global && world.rank == 0)
    for (const auto& report : outcome.reports)
      if (!report.diverged.empty()) std::cerr << "note: series '" << printable(report.id) << "': " << report.diverged << "\n";
  if (outcome.empty_shard) {  // said even with --quiet: the output file is not there
    if (world.rank == 0)
      std::cerr << "note: shard " << options.selection.shard.text()
                << (outcome.skipped.empty() ? " holds none of the series of "
                                            : " holds no series to train (all skipped, as above) of ")
                << printable(source_name(config.data.path)) << "; no checkpoint written"
                << (std::filesystem::exists(config.output.path) ? " (" + printable(config.output.path) + " is an earlier one)" : "")
                << "\n";
    return 0;
  }
  // Per series, every series left out for diverging or refused (the ones too short fail fit_panel):
  // nothing trained is a failed run, not an empty one. Not for a shard, one part of a run over the
  // whole file, which leaves such series out and goes on: the shard's checkpoint records them
  // (left_out), so that the merged checkpoint equals that run's, and the pipeline goes on.
  const bool sharded = options.selection.shard.count > 1 && options.selection.ids.empty();
  const bool only_left_out = !global && outcome.checkpoint.series.empty() && !outcome.checkpoint.left_out.empty() && sharded;
  if (!global && outcome.checkpoint.series.empty() && !outcome.stopped && !only_left_out) {
    if (std::any_of(outcome.skipped.begin(), outcome.skipped.end(), [](const SkippedSeries& s) { return s.diverged; }))
      throw DivergedError("no series trained: every series that was long enough diverged or was refused (as above); "
                          "no checkpoint was written");
    throw InputError(config.data.path, 0, 0, "no series trained: every series was refused (as above); no checkpoint was written");
  }
  // Notes on the data are said even with --quiet, as the skipped series are (rank 0 alone).
  if (!outcome.rows_dropped.empty() && world.rank == 0) std::cerr << "note: " << outcome.rows_dropped << "\n";
  if (!outcome.last_value_jump.empty() && world.rank == 0) std::cerr << "note: " << outcome.last_value_jump << "\n";
  if (world.rank == 0)
    for (const std::string& note : panel_fit_notes(outcome.checkpoint)) std::cerr << "note: " << note << "\n";
  // One season and look-back for every series (panel.hpp resolve_panel_recipe).
  if (outcome.other_season && world.rank == 0)
    std::cerr << "note: the series differ in frequency (series '" << printable(outcome.other_season->id) << "' is "
              << outcome.other_season->frequency.name() << "): every model takes the file's first series' season ("
              << outcome.checkpoint.config.data.season << ") and look-back (" << outcome.checkpoint.config.data.look_back
              << "); train each frequency apart (--series, or a file each) to give it its own\n";
  if (!outcome.time_column_unread.empty() && world.rank == 0)
    std::cerr << "note: column '" << printable(outcome.time_column_unread)
              << "' was not read as times (each series' rows are consecutive periods in file order, season "
              << std::max(1, outcome.checkpoint.config.data.season)
              << ", forecasts numbered by step): with --series-column the time column is not guessed; --time-column "
              << printable(outcome.time_column_unread) << " reads it\n";

  const PanelCheckpoint& checkpoint = outcome.checkpoint;
  const bool trained = global ? !checkpoint.history.empty() && (outcome.diverged.empty() || checkpoint.best_epoch > 0)
                              : !checkpoint.series.empty() || only_left_out;
  if (only_left_out && world.rank == 0)  // said even with --quiet, as the series left out are
    std::cerr << "note: shard " << options.selection.shard.text() << " trained none of its series (all left out, as above); "
              << printable(config.output.path) << " records them for merge\n";
  if (trained && world.rank == 0) {
    // As train's single-series checkpoint: staged beside its path, the log written (on_saved),
    // then renamed into place, so a log that cannot be written leaves the old checkpoint.
    StagedFile(config.output.path, [&](const AppendText& append) { write_panel_checkpoint(checkpoint, append); })
        .commit_with(on_saved);
  }
  if (!quiet && trained) {  // a run that kept no weights has nothing to summarise: the error says why
    double mae_sum = 0;
    long validated = 0;
    for (const auto& report : outcome.reports)
      if (report.validation.windows > 0) mae_sum += report.validation.mae, ++validated;
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::cerr << "trained " << (global ? "one global model on " : "one model each for ") << checkpoint.series.size()
              << " series (" << count_of(outcome.train_windows, "window") << ") in " << format_number(std::round(seconds * 100) / 100)
              << "s";
    if (global && checkpoint.best_epoch > 0) std::cerr << "; best epoch " << checkpoint.best_epoch;
    std::cerr << "\n";
    if (validated > 0)
      std::cerr << "validation MAE, mean over " << validated << " series: " << format_number(mae_sum / static_cast<double>(validated))
                << " (original units)\n";
    const CombinationTally tally = tally_combinations(checkpoint);
    if (checkpoint.config.training.combine == Toggle::on && tally.unchosen < static_cast<long>(checkpoint.series.size())) {
      // What each series' forecast is (its first target's weights; README "Scaling out").
      std::cerr << "forecast combination" << (checkpoint.columns.targets.size() > 1 ? " of " + checkpoint.columns.targets.front() : "")
                << ": the model for " << tally.model << " series, its mean with seasonal naive or naive for " << tally.mean
                << ", a baseline alone for " << tally.baseline << "; Theta takes a share in " << tally.theta << " of them";
      if (tally.unchosen > 0) std::cerr << "; " << tally.unchosen << " without validation windows forecast by the model alone";
      std::cerr << "\n";
    }
    std::cerr << "checkpoint: " << config.output.path << "\n";
  }
  if (!outcome.diverged.empty())
    throw DivergedError(outcome.diverged + (trained ? "; the best checkpoint so far was saved to " + config.output.path
                                                    : "; no checkpoint was written"));
  if (!keep_going()) {
    std::cerr << "lstm-forecast: interrupted"
              << (trained ? "; the series trained so far were saved to " + config.output.path
                  : global ? std::string()
                           : "; no series had finished training, no checkpoint was written")
              << "\n";
    return static_cast<int>(ExitCode::interrupted);
  }
  return 0;
}

namespace {

// Why predict or evaluate has no series to work on: the selection picked none (an unknown --series
// id is an error before this), or the checkpoint holds none.
std::string no_series_note(const PanelCheckpoint& checkpoint, const PanelArgs& args, const std::string& model) {
  if (!args.series.empty() && !args.shard.empty())
    return "none of the series asked for (--series) falls in shard " + printable(args.shard) + " (--shard picks by a hash of the id)";
  if (!args.shard.empty()) return "shard " + printable(args.shard) + " holds none of the series of " + printable(source_name(model));
  return printable(source_name(model)) + (checkpoint.shard ? " (shard " + checkpoint.shard->text() + ")" : std::string()) +
         " holds no series";
}

// The history's series that the checkpoint does not hold and training would have skipped
// (read_panel_history), each with why: none is left out without a word.
std::vector<SkippedSeries> untrained_series(const PanelCheckpoint& checkpoint, const SeriesSet& history) {
  std::vector<SkippedSeries> out;
  for (const auto& [id, reason] : history.empty) {
    if (checkpoint.find(id) >= 0) continue;
    const bool left_out = checkpoint.find_left_out(id) != nullptr;
    out.push_back({id, (left_out ? "not in the checkpoint, as training left it out: " : "not in the checkpoint, as training skips it: ") + reason});
  }
  return out;
}

// The series whose history is read: --series and --shard as given, else a shard checkpoint's own
// shard, the series it can forecast (its training file, read whole, holds the other shards' too).
SeriesSelection history_selection(const PanelCheckpoint& checkpoint, const PanelArgs& args) {
  SeriesSelection selection = args.selection();
  if (selection.everything() && checkpoint.shard) selection.shard = *checkpoint.shard;
  return selection;
}

}  // namespace

int run_predict_panel(const PanelCheckpoint& checkpoint, const std::string& model, const PanelArgs& args, const std::string& input,
                      const std::string& output, int horizon, int threads, const std::vector<int>& levels) {
  std::optional<SeriesSet> history;
  if (!input.empty()) history = read_panel_history(checkpoint, input, history_selection(checkpoint, args));
  const PanelForecast forecast =
      forecast_panel(checkpoint, history ? &*history : nullptr, horizon > 0 ? horizon : checkpoint.config.data.horizon, threads, model, levels);
  // Said once the forecast is made: a history that fails has one line on stderr, its error.
  const std::string dropped = history ? dropped_rows_note(*history) : "";
  if (!dropped.empty()) std::cerr << "note: " << history->source << ": " << dropped << "\n";
  const std::string jump = history ? last_value_jump_note(*history, checkpoint.columns.targets) : "";
  if (!jump.empty()) std::cerr << "note: " << history->source << ": " << jump << "\n";
  for (const std::string& note : panel_history_notes(checkpoint, history ? &*history : nullptr, true))
    std::cerr << "note: " << (history ? history->source : source_name(model) + " (data_tail)") << ": " << note << "\n";
  write_atomically(output, to_csv(forecast));
  if (history)
    for (const auto& s : untrained_series(checkpoint, *history))
      std::cerr << "note: " << history->source << ": series '" << printable(s.id) << "' not forecast: " << s.reason << "\n";
  if (checkpoint.series.empty()) std::cerr << "note: " << no_series_note(checkpoint, args, model) << ": the forecast is its header alone\n";
  return 0;
}

int run_evaluate_panel(const PanelCheckpoint& checkpoint, const std::string& model, const PanelArgs& args,
                       const std::string& input, const BacktestOptions& options, bool json) {
  const SeriesSet history = read_panel_history(checkpoint, input, history_selection(checkpoint, args));
  PanelBacktest result;
  try {
    result = backtest_panel(checkpoint, history, options);
  } catch (const DivergedError& e) {  // a non-finite forecast of a series (named): and the checkpoint
    throw DivergedError(source_name(model) + ": " + e.what());
  }
  const std::string dropped = dropped_rows_note(history);  // once the backtest is made, as predict says it
  if (!dropped.empty()) std::cerr << "note: " << history.source << ": " << dropped << "\n";
  for (const std::string& note : panel_history_notes(checkpoint, &history, false))
    std::cerr << "note: " << history.source << ": " << note << "\n";
  for (auto& s : untrained_series(checkpoint, history)) result.skipped.push_back(std::move(s));
  for (const auto& skipped : result.skipped)
    std::cerr << "lstm-forecast: skipped series '" << printable(skipped.id) << "': " << skipped.reason << "\n";
  if (json)
    std::cout << to_json(result).dump(2) << "\n";
  else
    std::cout << format_table(result);
  if (checkpoint.series.empty())  // as predict says it
    std::cerr << "note: " << no_series_note(checkpoint, args, model) << ": nothing was evaluated\n";
  return 0;
}

}  // namespace lstmf::cli
