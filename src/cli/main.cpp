// lstm-forecast: the entry point. Parses the command line, runs one subcommand, and turns errors into
// one line on stderr and an exit code (README, "Exit codes").
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <new>
#include <regex>
#include <stdexcept>
#include <streambuf>

#include "commands.hpp"
#include "panel_flags.hpp"
#include "lstmf/config.hpp"
#include "lstmf/error.hpp"
#include "lstmf/io.hpp"

namespace lstmf::cli {

namespace {
// Whether stderr is a terminal, asked once, first thing in main (set_up_stderr), and whether a
// progress bar may be on its current line (set_bar_drawn): signal handlers read both.
std::atomic<bool> g_stderr_terminal{false};
std::atomic<bool> g_bar_drawn{false};
static_assert(std::atomic<bool>::is_always_lock_free, "signal handlers read it");

// Writes `size` bytes of `text` on fd 2 without SIGPIPE: it is blocked in this thread for the
// write, and one the write raised is taken back (sigtimedwait; one pending before is left to its
// owner: a handler's write inside TalkBuffer's). A stderr whose reader has gone fails the write
// (EPIPE) and ends nothing. `wait_when_full`: a non-blocking stderr (EAGAIN) is waited for, as a
// blocking one would be (not in a signal handler). errno is kept. Async-signal-safe (sigtimedwait is
// not on POSIX's list, but on Linux it is the system call alone).
bool write_stderr(const char* text, std::size_t size, bool wait_when_full) noexcept {
  const int saved_errno = errno;
  sigset_t pipe_signal, previous, pending;
  sigemptyset(&pipe_signal);
  sigaddset(&pipe_signal, SIGPIPE);
  if (::pthread_sigmask(SIG_BLOCK, &pipe_signal, &previous) != 0) return false;
  sigemptyset(&pending);
  const bool was_pending = ::sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1;
  bool written = true;
  while (size > 0) {
    const ssize_t count = ::write(STDERR_FILENO, text, size);
    if (count < 0 && errno == EINTR) continue;
    if (count < 0 && wait_when_full && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd writable{STDERR_FILENO, POLLOUT, 0};
      if (::poll(&writable, 1, -1) >= 0 || errno == EINTR) continue;
    }
    if (count <= 0) {
      const timespec now{};
      if (count < 0 && errno == EPIPE && !was_pending)
        while (::sigtimedwait(&pipe_signal, nullptr, &now) < 0 && errno == EINTR) {
        }
      written = false;
      break;
    }
    text += count;
    size -= static_cast<std::size_t>(count);
  }
  ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  errno = saved_errno;
  return written;
}

}  // namespace

bool stderr_is_terminal() { return g_stderr_terminal.load(); }

void set_bar_drawn(bool drawn) { g_bar_drawn = drawn; }

const char* line_start() { return g_stderr_terminal.load() && g_bar_drawn.load() ? kClearLine : ""; }

namespace {

// std::cerr's buffer (main installs it): every piece of talk goes to fd 2 at once, as cerr's own
// does, but through write_stderr: a stderr whose reader has gone (`train ... 2>&1 | grep -m1
// validation`) fails the write, cerr goes bad and the rest of the talk is dropped. Stderr is talk:
// its reader going loses no result and changes no exit code (train exited 141 after saving its
// checkpoint); 141 stays stdout's (README "Exit codes").
class TalkBuffer final : public std::streambuf {
 protected:
  std::streamsize xsputn(const char* text, std::streamsize size) override {
    return write_stderr(text, static_cast<std::size_t>(size), true) ? size : 0;
  }
  int_type overflow(int_type c) override {
    if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
    const char byte = traits_type::to_char_type(c);
    return write_stderr(&byte, 1, true) ? c : traits_type::eof();
  }
};

}  // namespace

void set_up_stderr() {
  g_stderr_terminal = ::isatty(STDERR_FILENO) == 1;
  static TalkBuffer* const buffer = new TalkBuffer;  // never destroyed: cerr is flushed at exit
  std::cerr.rdbuf(buffer);
}

Talk::~Talk() {
  try {
    // One write: an interrupt's notice comes before or after the whole line (a notice that cleared
    // the line it landed on, between the text and its "\n", erased a "series 3/11 trained").
    std::cerr << (line_start() + lstmf::printable_whole(text_.str()) + "\n");
  } catch (...) {  // out of memory for the escaped copy: the talk is lost, not the run
  }
}

namespace {

std::atomic<void (*)(int)> g_interrupt_handler{nullptr};
static_assert(std::atomic<void (*)(int)>::is_always_lock_free, "a signal handler loads it");
std::atomic<pid_t> g_interrupt_sender{0};
static_assert(std::atomic<pid_t>::is_always_lock_free, "a signal handler stores it");

// Notes who sent the signal, then runs the handler on_interrupt was given.
extern "C" void note_sender_and_handle(int signal, siginfo_t* info, void*) {
  g_interrupt_sender = info != nullptr && info->si_code <= 0 ? info->si_pid : 0;  // sent by kill(), not the kernel
  if (void (*handler)(int) = g_interrupt_handler.load()) handler(signal);
}

}  // namespace

pid_t interrupt_sender() noexcept { return g_interrupt_sender.load(); }

void on_interrupt(void (*handler)(int)) {
  g_interrupt_handler = handler;
  for (const int signal : {SIGINT, SIGTERM}) {
    struct sigaction old {};
    if (::sigaction(signal, nullptr, &old) == 0 && old.sa_handler == SIG_IGN) continue;  // `cmd &` in a script: SIGINT ignored
    struct sigaction action {};
    action.sa_sigaction = note_sender_and_handle;
    action.sa_flags = SA_RESTART | SA_SIGINFO;
    sigemptyset(&action.sa_mask);
    sigaddset(&action.sa_mask, SIGINT);  // the other one waits for the handler to return: never nested
    sigaddset(&action.sa_mask, SIGTERM);
    ::sigaction(signal, &action, nullptr);
  }
}

void say_now(const char* text) noexcept {
  std::size_t length = 0;
  while (text[length] != '\0') ++length;
  write_stderr(text, length, false);
}

void say_line_now(const char* text) noexcept {
  // line_start() and the text in one write: a progress bar a worker draws meanwhile lands before or
  // after the line, never inside it (train's ensemble members draw side by side).
  char line[1024];
  std::size_t length = 0;
  for (const char* from : {line_start(), text})
    for (; *from != '\0' && length < sizeof line; ++from) line[length++] = *from;
  if (length == sizeof line) line[length - 1] = '\n';  // cut: still a line
  write_stderr(line, length, false);
}

void exit_interrupted_now(const char* message) noexcept {
  // SIGINT and SIGTERM at once can run the handler in two threads (on_interrupt's mask holds in the
  // handler's own thread only; the library's threads and Open MPI's block signals, parallel.hpp and
  // mpi_session.cpp, but another library's might not): one says it and exits, the other waits.
  static std::atomic<bool> exiting{false};
  static_assert(std::atomic<bool>::is_always_lock_free, "a signal handler exchanges it");
  if (exiting.exchange(true))
    for (;;) ::pause();
  remove_live_temporaries();
  say_line_now(message);  // over a progress bar on the terminal's line
  ::_exit(static_cast<int>(ExitCode::interrupted));
}

}  // namespace lstmf::cli

namespace {

// One line, whatever the message holds: control characters and invalid UTF-8 escaped, length bounded.
int fail(lstmf::ExitCode code, const std::string& message) {
  std::cerr << (lstmf::cli::line_start() + ("lstm-forecast: " + lstmf::printable_ends(message, 1000)) + "\n");
  std::cerr.flush();
  lstmf::cli::abort_mpi_world(static_cast<int>(code));  // under MPI: every process ends, none waits
  return static_cast<int>(code);
}

// A standard stream the caller closed (`>&-`) leaves its descriptor number free, and the next
// open takes it: a checkpoint's temporary file became fd 1, and `--log-json -` wrote the log into
// the checkpoint (a hunt). Each closed one is held by /dev/null opened the other way round, so
// that reading stdin or writing stdout and stderr still fails with EBADF, as on a closed stream.
void hold_closed_standard_streams() {
  for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; ++fd) {
    if (::fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
    const int held = ::open("/dev/null", (fd == STDIN_FILENO ? O_WRONLY : O_RDONLY));  // the lowest free number: fd
    if (held >= 0 && held != fd) {
      ::dup2(held, fd);
      ::close(held);
    }
  }
}

// SIGINT or SIGTERM outside train (whose own handler saves the checkpoint first, train.cpp): no
// output is ever half written (files are renamed into place; the temporaries being written are
// removed, and the next run removes any left by a kill), so exit 130 at once, as README "Exit
// codes" says.
extern "C" void exit_interrupted(int) { lstmf::cli::exit_interrupted_now("lstm-forecast: interrupted\n"); }

// SIGPIPE: the reader of stdout, or of an output named /dev/stdout, /dev/stderr or a pipe, has
// gone (`predict ... | head -1`, `train --log-json - | true`). The process still ends by SIGPIPE
// (141 in the shell, as for cat), but first removes the temporaries being written (the checkpoint
// staged until its log was written), which would otherwise wait for the next run to remove them.
// Talk to stderr never gets here: its writes take back their SIGPIPE (write_stderr).
extern "C" void end_by_sigpipe(int) {
  lstmf::remove_live_temporaries();
  ::signal(SIGPIPE, SIG_DFL);
  ::raise(SIGPIPE);  // blocked in its handler: delivered, by default, once the handler returns
}

// SIGBUS: a page of a mapped input (io.hpp read_json_file) that another process truncated while we
// read it. No exception can carry it; say which file, and exit 3 (an unreadable file) at once.
// Outputs are renamed into place, so none is half written.
extern "C" void exit_on_bus_error(int) {
  using lstmf::cli::say_now;
  lstmf::remove_live_temporaries();
  const char* path = lstmf::mapped_file_path();
  say_now(lstmf::cli::line_start());
  if (path[0] != '\0') {
    say_now("lstm-forecast: ");
    say_now(path);
    say_now(": the file shrank while it was being read (changed by another process?); nothing was written\n");
  } else {
    say_now("lstm-forecast: bus error (SIGBUS) while no input was mapped; nothing was written\n");
  }
  ::_exit(static_cast<int>(lstmf::ExitCode::io));
}

void handle_bus_file_size_and_pipe_signals() {
  struct sigaction action {};
  action.sa_handler = exit_on_bus_error;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGBUS, &action, nullptr);
  // A file past `ulimit -f` (RLIMIT_FSIZE): SIGXFSZ would kill us without a word and leave the
  // temporary; ignored, the write fails with EFBIG, which is said (exit 3) and cleaned up.
  ::signal(SIGXFSZ, SIG_IGN);
  // SIGPIPE, unless the parent ignores it (then writes fail with EPIPE, said as I/O errors).
  struct sigaction pipe_action {};
  if (::sigaction(SIGPIPE, nullptr, &pipe_action) == 0 && pipe_action.sa_handler != SIG_IGN) {
    pipe_action = {};
    pipe_action.sa_handler = end_by_sigpipe;
    sigemptyset(&pipe_action.sa_mask);
    ::sigaction(SIGPIPE, &pipe_action, nullptr);
  }
}

}  // namespace

int main(int argc, char** argv) {
  using namespace lstmf;
  hold_closed_standard_streams();
  lstmf::cli::set_up_stderr();
  // First, before the command line is read: a signal in the first milliseconds ended the process
  // by the signal itself, without a word (train puts its own handler in place later).
  lstmf::cli::on_interrupt(exit_interrupted);
  handle_bus_file_size_and_pipe_signals();
  CLI::App app{"lstm-forecast: forecast time series with a stacked LSTM, from the shell.\n"
               "Exit codes: 0 ok, 1 internal error, 2 bad input or usage, 3 file I/O, 4 training diverged, "
               "5 not enough memory, 130 interrupted.",
               "lstm-forecast"};
  app.set_version_flag("--version", std::string("lstm-forecast ") + LSTMF_VERSION);
  app.require_subcommand(1, 1);
  app.failure_message(CLI::FailureMessage::simple);
  const std::vector<cli::Command> commands = {cli::add_train(app), cli::add_predict(app), cli::add_evaluate(app),
                                              cli::add_inspect(app), cli::add_merge(app)};

  // CLI11 reads an unknown first word as a stray argument and says only that a subcommand is required.
  if (argc > 1 && (argv[1][0] != '-' || argv[1][1] == '\0')) {  // "-" too
    bool known = false;
    for (const auto& command : commands) known = known || command.app->get_name() == argv[1];
    if (!known)
      return fail(ExitCode::input, std::string("unknown subcommand '") + argv[1] +
                                       "'; expected train, predict, evaluate, inspect or merge (see lstm-forecast --help)");
  }
  // An option before the subcommand that the top level does not have: CLI11 said only that a
  // subcommand is required (`--verison`), or that the next word was not expected.
  // (A bundle of short flags holding -h is help, as CLI11 reads it: -hv.)
  const bool short_help = argc > 1 && argv[1][0] == '-' && argv[1][1] != '-' && std::strchr(argv[1], 'h') != nullptr;
  if (argc > 1 && argv[1][0] == '-' && argv[1][1] != '\0' && !short_help) {
    const std::string given = argv[1];
    const std::string word = given.substr(0, given.find('='));
    if (word == "--")
      return fail(ExitCode::input, "'--' before the subcommand: the subcommand comes first, then its options "
                                   "(lstm-forecast train --data FILE ...; see lstm-forecast --help)");
    if (word != "--help" && word != "--version") {
      const std::vector<std::string> names = {"help", "version"};
      const auto meant = word.rfind("--", 0) == 0 ? likely_typo_of(word.substr(2), names) : std::nullopt;
      return fail(ExitCode::input, "unknown option " + printable(word) +
                                       (meant ? " (did you mean --" + names[*meant] + "?)" : "") +
                                       " before the subcommand: options follow it (lstm-forecast train --data FILE ...; "
                                       "see lstm-forecast --help)");
    }
  }
  // Results on stdout that did not reach it (a full disk, /dev/full) are lost: say so. The same
  // for the text of --help and --version.
  // `earlier`: the errno of a write that failed before (CLI11 flushes --version's line itself).
  const auto reached_stdout = [](int code, int earlier = 0) {
    errno = 0;
    std::cout.flush();
    const int error = errno != 0 ? errno : earlier;
    return code == 0 && !std::cout
               ? fail(ExitCode::io, std::string("<stdout>: write failed") + (error != 0 ? ": " + std::string(std::strerror(error)) : ""))
               : code;
  };
  const auto printed = [&](const CLI::Error& e) {
    errno = 0;
    const int code = app.exit(e);
    return reached_stdout(code, errno);
  };
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return printed(e);
  } catch (const CLI::CallForAllHelp& e) {
    return printed(e);
  } catch (const CLI::CallForVersion& e) {
    return printed(e);
  } catch (const CLI::ParseError& e) {
    std::string message = e.what();
    const auto duplicated = message.find("At Most 1 required but received");
    if (duplicated != std::string::npos) message = message.substr(0, message.find(':')) + " given more than once";
    // CLI11's other wordings, in ours (a review): "--horizon: Value 0 not in range 1 to 100000",
    // "--epochs: 1 required N missing" (a flag at the end, without its value), "inputs is required".
    std::smatch match;
    if (std::regex_match(message, match, std::regex("(\\S+): Value (.*) not in range (\\S+) to (\\S+)")))
      message = match[1].str() + " expects an integer in " + match[3].str() + " .. " + match[4].str() + ", got " + match[2].str();
    else if (std::regex_match(message, match, std::regex("(-\\S+): \\d+ required (.+) missing")))
      message = match[1].str() + " needs a value (" + match[2].str() + ")";
    else if (std::regex_match(message, match, std::regex("([^-\\s]\\S*) is required")))
      for (const auto& command : commands)
        if (command.app->parsed())
          if (const CLI::Option* option = command.app->get_option_no_throw(match[1].str()))
            message = command.app->get_name() + " needs its " + match[1].str() + ": " + option->get_description();
    // A word the subcommand did not take that looks like a flag (`--epoch 2`, or `--modle m.json`,
    // which leaves --model missing): named with the flag meant, as a config file's unknown key is.
    for (const auto& command : commands) {
      if (!command.app->parsed()) continue;
      for (const std::string& stray : command.app->remaining()) {
        const std::string word = stray.substr(0, stray.find('='));
        if (word.rfind("--", 0) != 0 || word.size() < 3 || command.app->get_option_no_throw(word) != nullptr) continue;
        std::vector<std::string> names;
        for (const CLI::Option* option : command.app->get_options())
          for (const std::string& name : option->get_lnames()) names.push_back(name);
        const auto meant = likely_typo_of(word.substr(2), names);
        const std::string best = meant ? "--" + names[*meant] : "";
        message = "unknown option " + word + (best.empty() ? "" : " (did you mean " + best + "?)") + " of lstm-forecast " +
                  command.app->get_name();
        break;
      }
    }
    // The help of the subcommand given, which lists its options (the top level's lists commands).
    std::string help = "lstm-forecast --help";
    for (const auto& command : commands)
      if (command.app->parsed()) help = "lstm-forecast " + command.app->get_name() + " --help";
    return fail(ExitCode::input, message + " (see " + help + ")");
  }

  try {
    for (const auto& command : commands) {
      if (!command.app->parsed()) continue;
      // Under mpirun only train may run (of one global model: train's own check).
      if (command.app->get_name() != "train") cli::refuse_under_launcher("lstm-forecast " + command.app->get_name());
      return reached_stdout(command.run());
    }
    return fail(ExitCode::input, "no subcommand (see lstm-forecast --help)");
  } catch (const Error& e) {
    return fail(e.code(), e.what());
  } catch (const std::filesystem::filesystem_error& e) {  // a path the system refuses (too long, a link loop)
    const std::string path = e.path1().empty() ? "" : e.path1().string() + ": ";
    return fail(ExitCode::io, path + "cannot read or write: " + e.code().message());
  } catch (const std::bad_alloc&) {
    return fail(ExitCode::memory, "out of memory: an allocation failed; reduce the data, --look-back, --hidden or "
                                  "--batch-size, or free memory");
  } catch (const std::length_error&) {
    return fail(ExitCode::memory, "out of memory: a buffer would exceed the largest size this machine can address");
  } catch (const std::exception& e) {
    return fail(ExitCode::internal, std::string("internal error: ") + e.what());
  }
}
