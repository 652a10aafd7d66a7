// The subcommands. Each file in src/cli/ registers one subcommand's flags and runs it: parse, call
// the library, report. Errors propagate as lstmf::Error to main(), which prints them once.
#pragma once

#include <functional>
#include <optional>
#include <sstream>
#include <vector>

#include <CLI/CLI.hpp>

#include "lstmf/config.hpp"

namespace lstmf::cli {

// Each add_* registers its subcommand on `app`; `run` runs it once the command line is parsed.
struct Command {
  CLI::App* app;
  std::function<int()> run;
};

Command add_inspect(CLI::App& app);
Command add_train(CLI::App& app);
Command add_predict(CLI::App& app);
Command add_evaluate(CLI::App& app);
Command add_merge(CLI::App& app);

// --intervals of predict and evaluate, as given (one comma-separated list: the flag is refused when
// repeated) -> the levels: whole percentages from 50 to 99 in decimal (080 is 80; 80.5 is refused
// as not whole, not as out of range), no empty item (80,,95), each level once. Throws InputError.
std::vector<int> interval_levels(const std::vector<std::string>& given);

// Integer options outside the config's table (predict's --horizon, evaluate's --origins, ...):
// read in decimal, as train's flags are (CLI11 alone reads 010 as 8 and 0x10 as 16); a transform
// that refuses anything but [-]digits and drops leading zeros.
CLI::Validator decimal_integer();
// File options (--data, --output, --model, ...): an empty path names no file, and some of them
// would take "" for not given; CLI11 then names the flag (a usage error, exit 2). An option's name
// ("--quiet", "-q") is not taken for a file name either: the value was left out before it.
// `empty_allowed`: "" is a value (--log-json '' turns off a log a config file names).
CLI::Validator file_path(bool empty_allowed = false);

// --threads of predict and evaluate (train's is the config's training.threads): 0 .. kMaxThreads,
// 0 = every core this process may use; its default shown.
CLI::Option* add_threads(CLI::App& command, int& threads);

// --missing of predict and evaluate: how the history's missing values and time gaps are filled
// (error, interpolate or ffill) instead of the model's data.missing: a business-day history with a
// holiday, for a model trained on complete rows. add_history_missing registers the flag;
// history_missing reads it as train's --missing is read (the config's option table; InputError for
// another value, '' included), nullopt when the flag is not given (as trained).
CLI::Option* add_history_missing(CLI::App& command, std::string& policy);
std::optional<MissingPolicy> history_missing(const CLI::Option& option, const std::string& policy);

// SIGINT and SIGTERM go to `handler` (main.cpp: exit 130 at once; train.cpp: save first), but one
// the parent set to be ignored (SIGINT of `cmd &` in a script) stays ignored. SA_RESTART: a read or
// write that a returning handler interrupts goes on (train writing its checkpoint into a fifo
// whose reader has not come yet) rather than failing as an I/O error. Each blocks the other while its
// handler runs, in that thread: SIGINT and SIGTERM together do not nest handlers there (another
// thread can take the other one: exit_interrupted_now lets only one exit and speak).
void on_interrupt(void (*handler)(int));
// From that handler (async-signal-safe): the process that sent the signal (kill, sigqueue), or 0.
pid_t interrupt_sender() noexcept;
// From a signal handler (async-signal-safe): writes `text` on stderr, whatever that write returns,
// without SIGPIPE (a stderr whose reader has gone), errno kept. say_line_now starts the line with
// line_start(), in the same write (at most 1 KB).
void say_now(const char* text) noexcept;
void say_line_now(const char* text) noexcept;
// From a signal handler (async-signal-safe): removes the temporaries being written, writes
// `message` (one line) on stderr, and exits 130.
[[noreturn]] void exit_interrupted_now(const char* message) noexcept;

// Called once, first thing in main: notes whether stderr is a terminal, and makes std::cerr write
// on fd 2 without SIGPIPE: talk to a stderr whose reader has gone is dropped, the run goes on
// (main.cpp, TalkBuffer).
void set_up_stderr();
// True when stderr is a terminal (progress bars only then). Async-signal-safe.
bool stderr_is_terminal();
// What clears a terminal's line and returns to its start: a progress bar redrawn in place (train.cpp
// Progress) leaves its line open, and says so (set_bar_drawn(true) before it draws, false once it
// has cleared its line at the end). Every line of talk, error and interrupt notice starts with
// line_start(): kClearLine while a bar may be on the line, where it writes over the bar; "" else
// (not over a line another program left open: `printf 'label: '; lstm-forecast ...`). A bar said
// drawn that another line has already replaced costs a clear of an empty line. Async-signal-safe.
inline constexpr char kClearLine[] = "\r\033[K";
void set_bar_drawn(bool drawn);
const char* line_start();
// Progress lines go to stderr only when it is a terminal, or when asked (--progress: logs, tests).
inline bool show_progress(bool quiet, bool asked) { return !quiet && (asked || stderr_is_terminal()); }

// One line of talk on stderr (a note, a summary line), written when the statement ends, escaped
// whole (printable_whole: a note naming every constant column is not cut): a file, column or
// series name holding a line break or an ESC stays on its line and off the terminal's controls.
//   Talk() << "note: " << history.source << ": " << note;
class Talk {
 public:
  Talk() = default;
  Talk(const Talk&) = delete;
  Talk& operator=(const Talk&) = delete;
  ~Talk();
  template <typename T>
  Talk& operator<<(const T& value) {
    text_ << value;
    return *this;
  }

 private:
  std::ostringstream text_;
};

}  // namespace lstmf::cli
