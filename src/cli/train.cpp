// lstm-forecast train: config + CSV -> checkpoint. Progress on stderr, --log-json for scripts,
// SIGINT/SIGTERM save the best checkpoint so far and exit 130 (before the first epoch has ended
// there is none: exit 130 at once; a second signal, more than half a second later, exits at once;
// so does a first one while the checkpoint goes into a fifo or pipe).
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <mutex>
#include <optional>
#include <sstream>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "config_flags.hpp"
#include "panel_flags.hpp"
#include "lstmf/checkpoint.hpp"
#include "lstmf/error.hpp"
#include "lstmf/fit.hpp"
#include "lstmf/fit_summary.hpp"
#include "lstmf/forecast.hpp"
#include "lstmf/io.hpp"

namespace lstmf::cli {
namespace {

// CLOCK_MONOTONIC of the first SIGINT/SIGTERM, 0 while there has been none (the clock counts from
// boot, so a real reading is never 0).
std::atomic<long long> g_first_signal_ns{0};
static_assert(std::atomic<long long>::is_always_lock_free, "the signal handler needs a lock-free clock slot");

bool interrupted() { return g_first_signal_ns.load() != 0; }

// Set once an epoch has finished (keep_going or on_epoch asked): before that there is nothing to
// save, and a signal exits at once (reading the data from a pipe that has not ended, say).
std::atomic<bool> g_epoch_done{false};
static_assert(std::atomic<bool>::is_always_lock_free, "the signal handler reads it");

// Set once training is over and the checkpoint or its log is written into a fifo or a pipe
// (writes_to_reader), where the write waits for a reader that may never come or read.
std::atomic<bool> g_saving_to_reader{false};
static_assert(std::atomic<bool>::is_always_lock_free, "the signal handler reads it");

// Under mpirun, the pid of this process's parent when that is Open MPI's launcher (its name: mpirun,
// mpiexec, orterun, Debian's mpirun.openmpi, orted, prted), else 0: a signal from it is the launcher
// ending the job, which it kills a second later (on_signal). Not Slurm's slurmstepd: `scancel --signal=INT`
// comes from it, and scancel waits its KillWait (30 s) before it kills; nor MPICH's Hydra proxy,
// untested here.
std::atomic<pid_t> g_launcher{0};
static_assert(std::atomic<pid_t>::is_always_lock_free, "the signal handler reads it");

pid_t launcher_parent() {
  const pid_t parent = ::getppid();
  std::ifstream comm("/proc/" + std::to_string(parent) + "/comm");
  std::string name;
  std::getline(comm, name);
  for (const std::string launcher : {"mpirun", "mpiexec", "orterun", "orted", "prterun", "prted"})
    if (name == launcher || name.rfind(launcher + ".", 0) == 0) return parent;
  return 0;
}

// What the first signal that asks training to stop is answered with on stderr at once
// (stopping_notice); nullptr for none (MPI ranks other than 0, which report nothing).
std::atomic<const char*> g_stopping_notice{nullptr};
static_assert(std::atomic<const char*>::is_always_lock_free, "the signal handler reads it");

// The answer of a run that stops after the current epoch (one model, or a global one) or within it
// (per-series training, which saves the series finished). On a terminal it is written over the
// progress bar's line (line_start), and the bar is redrawn under it.
const char* stopping_notice(bool within_epoch) {
  return within_epoch ? "lstm-forecast: stopping within this epoch; the series that have finished training will be saved "
                        "(interrupt again to stop at once, saving nothing)\n"
                      : "lstm-forecast: stopping after this epoch to save the best checkpoint so far (interrupt again to "
                        "stop at once, saving nothing)\n";
}

// Whether writing `path` (an output, "-" for stdout) waits on another process: a fifo, or stdout
// that is a pipe or a socket.
bool writes_to_reader(const std::string& path) {
  if (path != "-") return is_fifo(path);
  struct stat out {};
  return ::fstat(STDOUT_FILENO, &out) == 0 && (S_ISFIFO(out.st_mode) || S_ISSOCK(out.st_mode));
}

// The first SIGINT/SIGTERM asks training to stop after the current epoch and save, and says so at
// once (an epoch can take minutes; before the first epoch has ended, with nothing to save, it exits
// at once; once training is over, while the save waits on a fifo's or a pipe's reader, there is
// nothing left to stop but that wait: it exits at once, as `predict` does); one that comes more
// than half a second after it exits at once. Sooner, it is the same request delivered twice: GNU
// timeout signals the child and then its whole process group, and Slurm's scancel and a shell's
// kill of the job do the same, so one request can arrive as two signals microseconds apart.
extern "C" void on_signal(int) {
  // Under MPI Open MPI's launcher ends the job (SIGTERM, then SIGKILL a second later) when another process
  // failed, which said why, or died, or when the launcher itself was interrupted: no process can
  // finish the epoch with the others, so nothing is saved. "Interrupted" after another process's
  // error misled, and "stopping after this epoch to save" promised a save that never came.
  if (const pid_t launcher = g_launcher.load(); launcher > 1 && interrupt_sender() == launcher)
    exit_interrupted_now("lstm-forecast: stopped by the MPI launcher (another process ended, or the launcher was "
                         "interrupted: signal the processes themselves to save); no checkpoint was written\n");
  if (!g_epoch_done.load()) exit_interrupted_now("lstm-forecast: interrupted; no checkpoint was written\n");
  timespec clock{};
  ::clock_gettime(CLOCK_MONOTONIC, &clock);  // async-signal-safe
  const long long now = static_cast<long long>(clock.tv_sec) * 1000000000LL + clock.tv_nsec;
  long long first = 0;
  if (g_first_signal_ns.compare_exchange_strong(first, now)) {  // the first: noted
    if (!g_saving_to_reader.load()) {
      if (const char* notice = g_stopping_notice.load()) {
        // A stderr whose reader has gone (`train ... 2>&1 | tee log`, Ctrl-C to the group) does
        // not end the run before it saves: say_line_now writes without SIGPIPE.
        say_line_now(notice);
      }
      return;
    }
    exit_interrupted_now("lstm-forecast: interrupted while writing the checkpoint or its log into a fifo or pipe: "
                         "its reader has part of it at most\n");
  }
  if (now - first > 500000000LL)  // the temporaries of a checkpoint being written removed, said over the bar
    exit_interrupted_now("lstm-forecast: interrupted again: stopped at once, saving nothing\n");
}


std::string seconds_text(double seconds) {
  std::ostringstream out;
  out.precision(seconds < 10 ? 2 : 0);
  out << std::fixed << seconds << "s";
  return out.str();
}

// Shown only on a terminal (a bar redrawn in place) or with --progress (one line per epoch). The
// refit after a validated run (training.refit) counts its epochs again, marked "refit".
class Progress {
 public:
  explicit Progress(bool show) : show_(show), terminal_(stderr_is_terminal()) {}

  // Member 1's epochs (a lone model's, a global one's): one line each with --progress off a
  // terminal; on a terminal, the bar of a lone model (an ensemble's is member_epoch's).
  void epoch(const EpochReport& r) {
    if (r.epoch == 1) elapsed_ = 0, timed_ = 0;  // a new run (the refit, or the next series' model)
    elapsed_ += r.seconds;
    ++timed_;  // epochs this process ran: a resumed run starts past epoch 1
    if (!show_ || (terminal_ && r.members > 1)) return;
    const int total = std::max(r.epochs, r.epoch);
    const double eta = elapsed_ / static_cast<double>(timed_) * (total - r.epoch);
    char line[256];
    std::snprintf(line, sizeof line, "%sepoch %d/%d  train %.6g  val %s  lr %.3g  %s  ETA %s", r.refit ? "refit " : "",
                  r.epoch, total, r.train_loss, val_text(r).c_str(), r.lr, seconds_text(r.seconds).c_str(),
                  seconds_text(eta).c_str());
    if (terminal_)
      draw(static_cast<double>(r.epoch) / total, line);
    else
      std::cerr << (std::string(line) + "\n");
  }

  // Every epoch of every member of an ensemble (from the threads that train them): on a terminal,
  // the bar counts the epochs of all members, which train side by side (member 1's alone sat at
  // 100% for most of a default run while the others trained), with an ETA over them all.
  void member_epoch(const EpochReport& r) {
    if (!show_ || !terminal_ || r.members <= 1) return;
    const std::lock_guard<std::mutex> lock(mutex_);
    const auto now = std::chrono::steady_clock::now();
    if (r.refit != refit_ || done_ == 0) {  // the first epoch of the run or of its refit
      refit_ = r.refit;
      done_ = 0;
      unrun_ = 0;
      start_ = now - std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(r.seconds));
    }
    ++done_;
    epochs_ = std::max(r.epochs, r.epoch);
    const long planned = std::max(done_, static_cast<long>(r.members) * epochs_ - unrun_);
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const double eta = elapsed / static_cast<double>(done_) * static_cast<double>(std::max(0L, planned - done_));
    char line[256];
    std::snprintf(line, sizeof line, "%sepochs %ld/%ld of %d members  ETA %s  member %d epoch %d  train %.6g  val %s  lr %.3g",
                  r.refit ? "refit " : "", done_, planned, r.members, seconds_text(eta).c_str(), r.member + 1, r.epoch,
                  r.train_loss, val_text(r).c_str(), r.lr);
    draw(static_cast<double>(done_) / static_cast<double>(planned), line);
  }
  // A member stopped before its last planned epoch (early stopping): the epochs it will not run
  // leave the count and the ETA of the run being counted (fit ends every member of the validated
  // run before the refit reports).
  void member_done(int epochs_run) {
    if (!show_ || !terminal_) return;
    const std::lock_guard<std::mutex> lock(mutex_);
    if (done_ > 0) unrun_ += std::max(0, epochs_ - epochs_run);
  }
  // Clears the bar's line, if one was drawn, for the talk that follows.
  void done() {
    std::cerr << line_start();
    set_bar_drawn(false);
  }

 private:
  // The validation loss as the lines show it: "-" without validation rows.
  static std::string val_text(const EpochReport& r) {
    char val[32] = "-";
    if (std::isfinite(r.val_loss)) std::snprintf(val, sizeof val, "%.6g", r.val_loss);
    return val;
  }

  // The bar at `fraction` done, then `line`. Within the terminal's width (asked each time: it may
  // be resized), less one column: a line that wraps is not cleared by "\r\033[K", and each redraw
  // left its wrapped part behind (an 80-column terminal). The gauge goes first, then the line's end.
  static void draw(double fraction, const std::string& line) {
    const int width = 20, filled = std::clamp(static_cast<int>(width * fraction), 0, width);
    std::string bar = "[" + std::string(static_cast<size_t>(filled), '=') +
                      std::string(static_cast<size_t>(width - filled), ' ') + "] " + line;
    winsize size{};
    if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0 && bar.size() >= size.ws_col)
      bar = fitted(line, static_cast<std::size_t>(size.ws_col) - 1);
    // One write each, so an interrupt's answer (on_signal, one write too) never lands inside a line.
    set_bar_drawn(true);
    std::cerr << (kClearLine + bar) << std::flush;
  }

  // `line` in `width` columns at most (ASCII: a byte is a column), cut after a whole field (they are
  // two spaces apart): "train 0" of "train 0.735576" read as a loss of 0.
  static std::string fitted(const std::string& line, std::size_t width) {
    if (line.size() <= width) return line;
    const std::size_t field_end = line.rfind("  ", width);
    return field_end == std::string::npos ? std::string() : line.substr(0, field_end);  // not even one field: none
  }

  bool show_;
  bool terminal_;
  double elapsed_ = 0;
  long timed_ = 0;
  // member_epoch's count over the members, under mutex_ (they report from their threads).
  std::mutex mutex_;
  bool refit_ = false;
  long done_ = 0;   // member epochs run
  long unrun_ = 0;  // planned epochs that members stopped early will not run
  int epochs_ = 0;  // planned per member
  std::chrono::steady_clock::time_point start_{};
};

nlohmann::json log_line(const EpochReport& r) {
  const auto number = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); };
  return {{"epoch", r.epoch},   {"train_loss", number(r.train_loss)}, {"val_loss", number(r.val_loss)},
          {"lr", r.lr},         {"seconds", r.seconds},               {"train_windows", r.train_windows},
          {"refit", r.refit}};
}

// train with data.series_column set: skipped series reported on stderr, checkpoint written.
// `keep_going` is false once the user interrupted.
// `progress`: per-series progress lines (a terminal or --progress; cli/commands.hpp show_progress).
// `on_saved` runs right after the checkpoint is written (rank 0), also when an error follows (a
// divergence after a saved best epoch); never when nothing is saved.
int run_train_panel(const Config& config, const PanelArgs& args, const std::string& resume, bool quiet, bool progress,
                    const EpochCallback& on_epoch, const std::function<bool()>& keep_going,
                    const std::function<void()>& on_saved) {
  if (!resume.empty())
    throw InputError("--resume is not supported with --series-column: many-series training starts from the seed");
  const auto start = std::chrono::steady_clock::now();
  const bool global = config.training.mode == TrainingMode::global;
  g_launcher = launcher_parent();  // before MPI_Init, which holds back a signal that comes meanwhile
  const MpiWorld world = start_mpi();
  // Under MPI, once this process is done (saved and said, or failed), SIGINT and SIGTERM are
  // ignored: one now is the launcher ending the job as another process exits (130 or an error)
  // while this one waits in MPI_Finalize. Nothing is left to stop, and rank 0 had said "stopping
  // after this epoch" or "interrupted again" after its run's last line.
  struct IgnoreSignalsAtEnd {
    bool mpi;
    ~IgnoreSignalsAtEnd() {
      if (mpi) {
        ::signal(SIGINT, SIG_IGN);
        ::signal(SIGTERM, SIG_IGN);
      }
    }
  } const ignore_signals_at_end{world.size > 1};
  quiet = quiet || world.rank != 0;  // rank 0 reports and writes the checkpoint
  g_stopping_notice = world.rank == 0 ? stopping_notice(!global) : nullptr;
  PanelFitOptions options;
  options.selection = args.selection();
  options.parallel = world.parallel;
  if (global && world.size == 1) options.on_epoch = on_epoch;
  // Under MPI the processes stop together, at the same epoch's end, when any of them was asked to
  // (a signal to one process, or to each at a different moment); rank 0 logs and shows progress.
  if (global && world.size > 1)
    options.on_epoch = [&](const EpochReport& report) {
      const bool go_on = world.rank == 0 ? on_epoch(report) : keep_going();
      return !world.any(!go_on);
    };
  options.keep_going = keep_going;
  options.on_series = [&](const SeriesFitReport& report, long done, long total) {
    const long every = std::max(1L, total / 20);
    if (progress && world.rank == 0 && (done % every == 0 || done == total)) {
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      Talk() << "series " << done << "/" << total << " trained (" << format_number(std::round(seconds * 10) / 10)
             << "s; last: " << printable(report.id) << ", " << count_of(report.epochs, "epoch") << ")";
    }
    return keep_going();
  };
  if (world.size > 1 && !quiet)
    Talk() << "data-parallel over " << world.size << " MPI processes, each a slice of every batch";
  // Said once, by rank 0, and every process exits 2 (each found it at the same point: no MPI_Abort).
  const auto fitted = [&]() -> std::optional<PanelFitOutcome> {
    try {
      return fit_panel(config, options);
    } catch (const ProcessesDisagree& e) {
      if (world.rank == 0) Talk() << "lstm-forecast: " << e.what();
      return std::nullopt;
    }
  }();
  if (!fitted) return static_cast<int>(ExitCode::input);
  // Under MPI the processes settle here, together, whether the run was interrupted: a signal to one
  // of them after the last epoch's agreement had that one exit 130 while rank 0 saved and said it
  // had trained (exit 0). One process alone decides as it ends (a signal while it writes counts).
  const bool stopped_together = world.size > 1 && world.any(!keep_going());
  const PanelFitOutcome& outcome = *fitted;
  const auto say = [&](const std::vector<std::string>& lines) {  // rank 0 reports
    if (world.rank == 0)
      for (const std::string& line : lines) Talk() << line;
  };
  say(panel_series_notes(outcome));  // even with --quiet
  if (outcome.empty_shard) {  // said even with --quiet: the output file is not there
    if (world.rank == 0 && !options.selection.ids.empty() && outcome.skipped.empty())
      Talk() << "note: none of the series asked for ("
             << (options.selection.listed_from.empty() ? "--series" : "--series-file") << ") falls in shard "
             << options.selection.shard.text() << " (--shard picks by a hash of the id); no checkpoint written";
    else if (world.rank == 0)
      Talk() << "note: shard " << options.selection.shard.text()
             << (outcome.skipped.empty() ? " holds none of the series of "
                                         : " holds no series to train (all skipped, as above) of ")
             << printable(source_name(config.data.path)) << "; no checkpoint written"
             << (std::filesystem::exists(config.output.path) ? " (" + printable(config.output.path) + " is an earlier one)" : "");
    return 0;
  }
  const auto [trained, only_left_out] = judge_panel_run(outcome, options.selection, config.data.path);
  say(panel_data_notes(outcome));  // even with --quiet, as the skipped series are
  const PanelCheckpoint& checkpoint = outcome.checkpoint;
  if (only_left_out && world.rank == 0)  // said even with --quiet, as the series left out are
    Talk() << "note: shard " << options.selection.shard.text() << " trained none of its series (all left out, as above); "
           << printable(config.output.path) << " records them for merge";
  if (trained && world.rank == 0) {
    g_saving_to_reader = writes_to_reader(config.output.path) || writes_to_reader(config.output.log_json);
    // As train's single-series checkpoint: staged beside its path, the log written (on_saved),
    // then renamed into place, so a log that cannot be written leaves the old checkpoint.
    StagedFile(config.output.path, [&](const AppendText& append) { write_panel_checkpoint(checkpoint, append); })
        .commit_with(on_saved);
    g_saving_to_reader = false;  // written: a signal now is noted as any other
  }
  if (!quiet && trained) {  // a run that kept no weights has nothing to summarise: the error says why
    say(panel_fit_summary(outcome, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()));
    Talk() << "checkpoint: " << config.output.path;
  }
  // Under MPI every rank trains the same model on summed gradients, so it diverges or is interrupted
  // with rank 0: rank 0 says so (and wrote the checkpoint), the others exit with the same code.
  if (!outcome.diverged.empty()) {
    const std::string message = outcome.diverged + (trained ? "; the best checkpoint so far was saved to " + config.output.path
                                                            : "; no checkpoint was written");
    if (world.size == 1) throw DivergedError(message);
    // Every process diverged alike: said once, and each exits 4 (an error thrown would MPI_Abort).
    if (world.rank == 0) Talk() << "lstm-forecast: " << message;
    return static_cast<int>(ExitCode::diverged);
  }
  // (A global model stopped by its epoch callback was interrupted: keep_going says so too, as the
  // signal is kept; under MPI the process signalled has said so in stopped_together.)
  if (world.size > 1 ? stopped_together : !keep_going()) {
    if (world.rank == 0)
      Talk() << "lstm-forecast: interrupted"
             << (trained ? (global ? "; the best checkpoint so far was saved to " + config.output.path
                                   : "; the " + std::to_string(checkpoint.series.size()) + " series trained so far were saved to " +
                                         config.output.path + ", which lists the " + std::to_string(checkpoint.left_out.size()) +
                                         " left out")
                 : global ? std::string()
                          : "; no series had finished training, no checkpoint was written");
    return static_cast<int>(ExitCode::interrupted);
  }
  // Rank 0 signalled while it saved, after the processes had agreed the run was whole: as one
  // process says it (run_train), the checkpoint holds the whole run (it had exited 0 after "stopping
  // after this epoch").
  if (world.size > 1 && world.rank == 0 && trained && !keep_going()) {
    Talk() << "lstm-forecast: interrupted after training had ended: " << config.output.path
           << " holds the whole run (nothing was cut short)";
    return static_cast<int>(ExitCode::interrupted);
  }
  return 0;
}

struct TrainArgs {
  ConfigFlags flags;
  std::string resume;
  bool quiet = false;
  bool progress = false;  // --progress: progress lines also when stderr is not a terminal
  PanelArgs panel;  // long format: --series, --shard, --strict
};

int run_train(const TrainArgs& args) {
  refuse_stdin_under_launcher({{"--config", args.flags.config_file}});  // before it is read
  Config base;
  check_stdin_once({{"--resume", args.resume},
                    {"--config", args.flags.config_file},
                    {"--data", given_flag(args.flags, "data.path")},
                    {"--series-file", args.panel.series_file}});
  // A checkpoint read from stdin has no file to be written over: the resumed one needs a name.
  const auto refuse_resume_stream = [&] {
    if (args.resume == "-" || args.resume == "/dev/stdin" || args.resume.rfind("/dev/fd/", 0) == 0 ||
        args.resume.rfind("/proc/", 0) == 0 ||  // a descriptor's name, even of a regular file: not a path to write
        (std::filesystem::exists(args.resume) && !std::filesystem::is_regular_file(args.resume)))
      throw InputError("--resume " + args.resume +
                       (args.resume == "-" ? " reads the checkpoint from stdin" : " is not a regular file (a stream)") +
                       ": give --output FILE for the resumed one");
  };
  if (!args.resume.empty() && args.flags.config_file.empty() && given_flag(args.flags, "output.path").empty())
    refuse_resume_stream();
  if (!args.resume.empty() && !given_flag(args.flags, "data.series_column").empty())  // before reading it
    throw InputError("--resume is not supported with --series-column: many-series training starts from the seed");
  // Read once (stdin can be): its config is the base unless --config gives one. The resumed run
  // writes over the checkpoint file by default, and its log only where --log-json says (the
  // earlier run's log, recorded in the config, is not overwritten by the epochs after it).
  std::shared_ptr<const Checkpoint> resumed;
  if (!args.resume.empty()) resumed = std::make_shared<const Checkpoint>(load_checkpoint(args.resume));
  if (resumed && args.flags.config_file.empty()) {
    base = resumed->config;
    base.output.log_json.clear();
    base.output.path = args.resume;  // "-" is refused above unless --output names the file
  }
  const std::string base_name = resumed ? source_name(args.resume) + " (the checkpoint resumed)" : "";
  Config config = resolve_config(args.flags, base, base_name);
  // A --config that names no output: the resumed checkpoint is still written over, not model.json
  // (another run's, written over without a word).
  if (resumed && !args.flags.config_file.empty() && !config.is_given("output.path")) {
    refuse_resume_stream();
    config.output.path = args.resume;
  }
  check_recordable(config);
  check_target_names(config.data.targets);
  // The horizon the earlier run was asked for, which its recipe shortened for a short series
  // (forecast_horizon), is the same request: the run goes on with the horizon it trained (a
  // property hunt: the same command, --horizon 5, was refused as another horizon).
  if (resumed && resumed->forecast_horizon > resumed->config.data.horizon && config.data.horizon == resumed->forecast_horizon)
    config.data.horizon = resumed->config.data.horizon;
  if (resumed && args.flags.config_file.empty() && given_flag(args.flags, "data.path").empty() &&
      !config.data.path.empty() && config.data.path != "-" && !std::filesystem::exists(config.data.path))
    throw InputError(source_name(args.resume), 0, 0,
                     "no --data given and the training data the checkpoint records, " + in_quotes(config.data.path) +
                         ", is not found" +
                         (std::filesystem::path(config.data.path).is_relative()
                              ? " from here (a path relative to where train ran)"
                              : "") +
                         "; give --data FILE");
  if (config.data.series_column.empty() && (args.panel.selects_some() || args.panel.strict))
    throw InputError(std::string(args.panel.selects_some() ? "--series, --series-file and --shard pick" : "--strict refuses (rather than skips)") +
                     " series of a many-series file, named by --series-column (data.series_column); without one the "
                     "file is one series");
  if (args.panel.strict) config.data.strict = true;
  require_data_path(config, args.flags);
  require_output_path(config, args.flags);
  check_writable(config.output.path);
  if (!config.output.log_json.empty()) check_writable(config.output.log_json);
  check_stdin_once({{"--config", args.flags.config_file}, {"its data.path", config.data.path}, {"--series-file", args.panel.series_file}});  // the file's
  // A path is named by its flag when the flag gave it, else by its key (a config file's, --set's,
  // or a resumed checkpoint's): "--output y.json and --log-json y.json" for a file's keys misled.
  const auto named = [&](const char* key, const char* flag) {
    return std::string(args.flags.options.at(key)->count() > 0 ? flag : key);
  };
  const std::string output = named("output.path", "--output"), log_json = named("output.log_json", "--log-json"),
                    data = named("data.path", "--data");
  // --output may be --resume's checkpoint (training continues in place); nothing else it reads.
  check_distinct(output, config.output.path,
                 {{data, config.data.path}, {"--config", args.flags.config_file}, {"--series-file", args.panel.series_file}});
  check_distinct_outputs(output, config.output.path, log_json, config.output.log_json);
  // Each snapshot writes the checkpoint and its log again, over the last ones: a stream would hold
  // them all one after another.
  for (const auto& [flag, path] : {std::pair<std::string, std::string>{output, config.output.path}, {log_json, config.output.log_json}})
    if (config.output.checkpoint_every > 0 && !path.empty() && (writes_stdout(path) || is_fifo(path)))
      throw InputError("--checkpoint-every writes the checkpoint and its log again and again, over the last ones; " + flag +
                       " " + path + " is a stream, which would hold them all one after another: give a file");
  check_distinct(log_json, config.output.log_json,
                 {{data, config.data.path}, {"--config", args.flags.config_file}, {"--resume", args.resume},
                  {"--series-file", args.panel.series_file}});

  g_stopping_notice = stopping_notice(false);
  on_interrupt(on_signal);
  Progress progress(show_progress(args.quiet, args.progress));
  std::string log;
  FitOptions options;
  options.resume = args.resume;
  options.resumed = resumed;
  options.keep_going = [] {
    g_epoch_done = true;
    return !interrupted();
  };
  options.on_note = [](const std::string& note) { Talk() << "note: " << note; };
  options.on_member_epoch = [&](const EpochReport& report) { progress.member_epoch(report); };
  options.on_member_done = [&](int epochs_run) { progress.member_done(epochs_run); };
  options.on_epoch = [&](const EpochReport& report) {
    g_epoch_done = true;
    progress.epoch(report);
    log += log_line(report).dump() + "\n";
    return !interrupted();
  };
  if (config.data.series_column.empty() || config.training.mode != TrainingMode::global)
    refuse_under_launcher(config.data.series_column.empty()
                              ? std::string("train of one series")
                              : "per-series training (training.mode per-series, the default for many series)");
  refuse_stdin_under_launcher({{data, config.data.path}, {"--series-file", args.panel.series_file}});
  // Settings the rest of the config leaves without effect (model.dropout with one layer, as
  // torch.nn.LSTM warns): said before training, even with --quiet, for one series or many; under
  // mpirun by the first process alone.
  for (const std::string& note : settings_without_effect(config)) {
    if (launcher_rank() != 0) break;
    // A resumed run's config is the checkpoint's, every key recorded (the recipe's patience 20 with
    // no validation rows): only the keys this command gives are its settings.
    if (resumed && args.flags.config_file.empty() && given_flag(args.flags, note.substr(0, note.find(' '))).empty())
      continue;
    Talk() << "note: " << note;
  }
  options.checkpoint_every_source = setting_source(config, args.flags, "output.checkpoint_every", base_name);
  if (!config.data.series_column.empty()) {  // many series: run_train_panel above
    check_checkpoint_every(config, options.checkpoint_every_source);
    // The log goes with the checkpoint, as below: written when it is, kept as it was when not.
    // Only a global model's epochs are logged (per-series training has none to log: a note above).
    const bool logged = !config.output.log_json.empty() && config.training.mode == TrainingMode::global;
    const int code = run_train_panel(config, args.panel, args.resume, args.quiet, show_progress(args.quiet, args.progress), options.on_epoch,
                                     options.keep_going, [&] {
                                       if (logged) write_atomically(config.output.log_json, log);
                                     });
    progress.done();
    return code;
  }
  // The log goes with the checkpoint, at the end as in every --checkpoint-every snapshot: a log that
  // cannot be written (/dev/full) leaves the old checkpoint (staged beside its path, renamed into
  // place once the log is written).
  const auto save_with_log = [&](const Checkpoint& checkpoint) {
    StagedFile(config.output.path, [&](const AppendText& append) { write_checkpoint(checkpoint, append); })
        .commit_with([&] {
          if (!config.output.log_json.empty()) write_atomically(config.output.log_json, log);
        });
  };
  // --checkpoint-every: the checkpoint so far, written atomically over the previous one.
  options.on_checkpoint = save_with_log;
  const FitOutcome outcome = fit(config, options);
  progress.done();

  const bool trained = kept_weights(outcome);
  // A run that saves no checkpoint (diverged in its first epoch) leaves an earlier log as it was.
  g_saving_to_reader = writes_to_reader(config.output.path) || writes_to_reader(config.output.log_json);
  if (trained) save_with_log(outcome.checkpoint);
  g_saving_to_reader = false;  // written: a signal now is noted as any other
  // Notes on the data are said even with --quiet; the summary (fit_summary.hpp) is not.
  for (const std::string& note : fit_notes(outcome)) Talk() << note;
  // A setting changed: said as notes are, where the summary that says it is not.
  if (const std::string shortened = shortened_horizon_note(outcome, config); args.quiet && !shortened.empty())
    Talk() << shortened;
  if (!args.quiet && trained) {
    for (const std::string& line : fit_summary(outcome, config)) Talk() << line;
    Talk() << "checkpoint: " << config.output.path;
  }
  if (!outcome.diverged.empty())
    throw DivergedError(outcome.diverged + (trained ? "; the best checkpoint so far was saved to " + config.output.path
                                                    : "; no checkpoint was written"));
  // Asked after the save and the summary, as the many-series path does: a signal while they were
  // written was answered "stopping ... to save" and counts (it exited 0 without a word).
  if (interrupted()) {
    // After the last epoch (calibration, the save) nothing was left to stop: the checkpoint is the
    // whole run's, which a resume would refuse as finished (a kill hunt: "the best so far").
    if (trained && !outcome.cut_short) {
      Talk() << "lstm-forecast: interrupted after training had ended: " << config.output.path
             << " holds the whole run (nothing was cut short; a resume has no epoch left to train)";
      return static_cast<int>(ExitCode::interrupted);
    }
    Talk() << "lstm-forecast: interrupted"
           << (trained ? "; the best checkpoint so far was saved to " + config.output.path : std::string())
           << (trained && outcome.members_left_out > 0
                   ? " (" + std::to_string(outcome.checkpoint.config.model.ensemble) + " of " +
                         std::to_string(outcome.checkpoint.config.model.ensemble + outcome.members_left_out) +
                         " ensemble members: the others had not started)"
                   : std::string())
           << (trained && outcome.refit_interrupted
                   ? " (the validated members: the refit on every row was stopped before its end)"
                   : std::string());
    return static_cast<int>(ExitCode::interrupted);
  }
  return 0;
}

}  // namespace

Command add_train(CLI::App& app) {
  auto* command = app.add_subcommand("train", "Train a model on a CSV series and write a JSON checkpoint");
  auto args = std::make_shared<TrainArgs>();
  add_config_flags(*command, args->flags);
  command->add_option("--resume", args->resume, "continue training from this checkpoint's weights and optimizer state (written over unless --output; - = "
                      "stdin, which needs --output)")
      ->type_name("FILE")->check(file_path());
  command->add_flag("--quiet,-q", args->quiet, "no progress or summary on stderr (notes, on the data or a setting without effect, are still said)");
  command->add_flag("--progress", args->progress,
                    "progress (per epoch; per series with --series-column) on stderr also when it is not a terminal, "
                    "one line each");
  add_panel_flags(*command, args->panel, true);
  return {command, [args] { return run_train(*args); }};
}

}  // namespace lstmf::cli
