// Crash safety, end to end on the built binary: training killed at random moments while it writes
// checkpoints, interrupted by SIGINT and SIGTERM, and two trainings writing one path at once.
// The checkpoint path must always hold a complete, loadable checkpoint (the old or a new one).
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "lstmf/checkpoint.hpp"
#include "support.hpp"

using namespace lstmf::test;
using Catch::Contains;
using Clock = std::chrono::steady_clock;

namespace {

// A small noisy sine: epochs of a tiny model take well under a millisecond, so with
// --checkpoint-every 1 the process spends much of its time writing checkpoints.
std::string tiny_csv(int rows) {
  std::string csv = "value\n";
  for (int i = 0; i < rows; ++i) csv += std::to_string(10 + 5 * std::sin(i * 0.3) + (i * 7919 % 13) * 0.1) + "\n";
  return csv;
}

const std::vector<std::string> kTiny = {"train", "--data", "tiny.csv", "--target", "value", "--look-back", "6",
                                        "--hidden", "3", "--batch-size", "64", "--patience", "0", "--threads", "1",
                                        "--ensemble", "1", "--quiet"};

std::vector<std::string> with(std::vector<std::string> args, const std::vector<std::string>& more) {
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

// Starts the binary with `args` in folder `cwd`; stdin and stdout /dev/null, stderr to `err_file`
// (or /dev/null).
pid_t spawn(const std::vector<std::string>& args, const std::string& cwd, const std::string& err_file = "") {
  std::vector<std::string> all = {LSTMF_BINARY};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (::chdir(cwd.c_str()) != 0) ::_exit(126);
    const int null = ::open("/dev/null", O_RDWR);
    const int err = err_file.empty() ? null : ::open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(null, 0);
    ::dup2(null, 1);
    ::dup2(err, 2);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

// The exit code, or 128 + the signal that ended the process.
int wait_for(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// A spawned run that is killed and reaped when the test leaves early (a failed REQUIRE), so that no
// training of 100000 epochs outlives the test and slows the rest of the suite.
struct Child {
  pid_t pid;
  bool reaped = false;
  explicit Child(pid_t id) : pid(id) {}
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() {
    if (!reaped) {
      ::kill(pid, SIGKILL);
      wait_for(pid);
    }
  }
  int wait() {
    reaped = true;
    return wait_for(pid);
  }
};

void sleep_ms(double ms) { std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(ms)); }

// Waits until `predicate` holds, up to `limit_ms`; returns whether it did.
template <class Predicate>
bool wait_until(Predicate predicate, double limit_ms) {
  const auto end = Clock::now() + std::chrono::duration<double, std::milli>(limit_ms);
  while (Clock::now() < end) {
    if (predicate()) return true;
    sleep_ms(2);
  }
  return predicate();
}

std::string read_or_empty(const std::string& path) { return file_exists(path) ? read_file(path) : std::string(); }

std::vector<std::string> temporaries(const TempDir& dir, const std::string& name) {
  std::vector<std::string> found;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    const std::string file = entry.path().filename().string();
    if (file.rfind(name + ".lstmf-tmp.", 0) == 0) found.push_back(file);
  }
  return found;
}

// Loads the checkpoint as predict does; fails the test (with the reason) when it cannot.
lstmf::Checkpoint load_or_fail(const std::string& path) {
  try {
    return lstmf::load_checkpoint(path);
  } catch (const std::exception& e) {
    FAIL("not a complete checkpoint: " << e.what());
    throw;
  }
}

}  // namespace

TEST_CASE("SIGKILL at random moments while training writes checkpoints leaves the old or a complete new one",
          "[crash-safety]") {
  TempDir dir;
  dir.write("tiny.csv", tiny_csv(120));
  REQUIRE(wait_for(spawn(with(kTiny, {"--epochs", "2", "--seed", "1", "--output", "m.json"}), dir.path())) == 0);
  const std::string old_text = read_file(dir.file("m.json"));
  const auto killed_run = with(kTiny, {"--epochs", "1000000", "--seed", "2", "--checkpoint-every", "1",
                                       "--output", "m.json"});

  // How long a run takes to its first checkpoint write here (slower under sanitizers): kills are
  // spread from well before that to well after it.
  const auto start = Clock::now();
  pid_t pid = spawn(killed_run, dir.path());
  const bool wrote = wait_until([&] { return read_or_empty(dir.file("m.json")) != old_text; }, 20000);
  const double first_write_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  ::kill(pid, SIGKILL);
  wait_for(pid);
  REQUIRE(wrote);
  // Back to the old checkpoint, so every kill starts from a valid one that differs from new ones.
  dir.write("m.json", old_text);

  std::mt19937 random(8);
  std::uniform_real_distribution<double> delay_ms(0.5 * first_write_ms, first_write_ms + 150);
  int kills = 0, still_old = 0, replaced = 0, with_temporaries = 0;
  const auto deadline = Clock::now() + std::chrono::seconds(40);
  for (; kills < 60 && Clock::now() < deadline; ++kills) {
    pid = spawn(killed_run, dir.path());
    sleep_ms(delay_ms(random));
    ::kill(pid, SIGKILL);
    REQUIRE(wait_for(pid) == 128 + SIGKILL);
    const std::string text = read_file(dir.file("m.json"));
    const lstmf::Checkpoint loaded = load_or_fail(dir.file("m.json"));
    if (text == old_text) {
      ++still_old;
    } else {
      ++replaced;
      CHECK(loaded.config.training.seed == 2);
    }
    if (!temporaries(dir, "m.json").empty()) ++with_temporaries;
    if (kills % 10 == 0) {  // predict reads it too (a process start: not after every kill)
      const RunResult predict = run_cli("predict --model m.json", dir.path());
      INFO(predict.err);
      CHECK(predict.exit_code == 0);
    }
    dir.write("m.json", old_text);
  }
  INFO("kills " << kills << ": old kept " << still_old << ", complete new " << replaced << ", temporaries left after "
                << with_temporaries << "; first write after " << first_write_ms << " ms");
  CHECK(kills >= 25);  // 60 unless the machine is slow: each kill waits up to the first write + 150 ms
  CHECK(replaced > 0);  // the kills did land while training was writing
  WARN("SIGKILL test: " << kills << " kills, old kept " << still_old << ", new " << replaced
                        << ", stale temporaries seen after " << with_temporaries);

  // The next run removes the temporaries the killed runs left, and writes a complete checkpoint.
  REQUIRE(wait_for(spawn(with(kTiny, {"--epochs", "1", "--output", "m.json"}), dir.path())) == 0);
  CHECK(temporaries(dir, "m.json").empty());
  load_or_fail(dir.file("m.json"));
}

TEST_CASE("SIGINT and SIGTERM save the best checkpoint so far and exit 130, and a later second SIGINT exits at once",
          "[crash-safety]") {
  TempDir dir;
  const auto run = [](const char* look_back, const char* hidden) {
    return std::vector<std::string>{"train", "--data", source_path("data/sunspots.csv"), "--target", "sunspots",
                                    "--look-back", look_back, "--hidden", hidden, "--epochs", "100000", "--patience",
                                    "0", "--threads", "1", "--output", "m.json", "--progress"};
  };
  const auto epoch_done = [&] { return read_or_empty(dir.file("err")).find("epoch 1/") != std::string::npos; };

  for (const int signal : {SIGINT, SIGTERM}) {
    DYNAMIC_SECTION("signal " << signal) {
      Child child(spawn(run("12", "8"), dir.path(), dir.file("err")));
      REQUIRE(wait_until(epoch_done, 20000));
      ::kill(child.pid, signal);
      CHECK(child.wait() == 130);
      CHECK_THAT(read_file(dir.file("err")), Contains("interrupted; the best checkpoint so far was saved to m.json"));
      // Said at once, before the epoch ends (without a terminal, no escape to clear a bar's line).
      CHECK_THAT(read_file(dir.file("err")), Contains("\nlstm-forecast: stopping after this epoch to save the best checkpoint so "
                                                      "far (interrupt again to stop at once, saving nothing)\n"));
      const lstmf::Checkpoint saved = load_or_fail(dir.file("m.json"));
      CHECK(saved.best_epoch >= 1);
      const RunResult predict = run_cli("predict --model m.json", dir.path());
      INFO(predict.err);
      CHECK(predict.exit_code == 0);
    }
  }
  SECTION("one request delivered as two signals at once saves, as one signal does") {
    // GNU timeout and scancel signal the process and then its process group. Two SIGINTs sent
    // together usually merge into one pending signal; a SIGINT and a SIGTERM never do.
    Child child(spawn(run("12", "8"), dir.path(), dir.file("err")));
    REQUIRE(wait_until(epoch_done, 20000));
    ::kill(child.pid, SIGINT);
    ::kill(child.pid, SIGTERM);
    CHECK(child.wait() == 130);
    const std::string err = read_file(dir.file("err"));
    CHECK_THAT(err, Contains("interrupted; the best checkpoint so far was saved to m.json"));
    CHECK_THAT(err, Contains("stopping after this epoch"));
    CHECK(err.find("stopping after this epoch") == err.rfind("stopping after this epoch"));  // said once
    load_or_fail(dir.file("m.json"));
  }
  SECTION("a second SIGINT more than half a second later exits at once and writes nothing") {
    dir.write("m.json", "the old file");
    // The first SIGINT goes in as epoch 2 starts; once its handler has said so (it noted the
    // time first), well inside that epoch (0.2 s or more), SIGSTOP freezes the run before the
    // epoch can end and save. The second SIGINT waits, pending, until SIGCONT 0.7 s after the
    // first, so it counts as a second request (sooner than 0.5 s, a second signal is the same
    // request delivered twice: the section above). A fixed 20 ms in place of the wait failed 4
    // runs in 10 under load: SIGSTOP came before the first handler ran, and both ran at SIGCONT.
#if defined(LSTMF_TEST_ASAN)
    Child child(spawn(run("24", "16"), dir.path(), dir.file("err")));  // sanitized: 0.3 s epochs
#else
    Child child(spawn(run("48", "64"), dir.path(), dir.file("err")));
#endif
    REQUIRE(wait_until(epoch_done, 60000));
    ::kill(child.pid, SIGINT);
    REQUIRE(wait_until([&] { return read_or_empty(dir.file("err")).find("stopping after this epoch") != std::string::npos; }, 60000));
    ::kill(child.pid, SIGSTOP);
    sleep_ms(700);
    ::kill(child.pid, SIGINT);
    ::kill(child.pid, SIGCONT);
    CHECK(child.wait() == 130);
    CHECK(read_file(dir.file("m.json")) == "the old file");
    CHECK(temporaries(dir, "m.json").empty());
    CHECK_THAT(read_file(dir.file("err")), !Contains("saved") && Contains("lstm-forecast: interrupted again: stopped at once, saving nothing\n"));
  }
}

TEST_CASE("a signal while train writes its checkpoint is answered and counted: the checkpoint is saved and the exit is 130", "[crash-safety]") {
  TempDir dir;
  const std::string binary = std::string("'") + LSTMF_BINARY + "'";
  // A checkpoint of some MB takes a while to write: the signal goes in as soon as its temporary
  // file appears (a busy wait, not a sleep). Before, the run said "stopping ... to save" and
  // exited 0 without a word (a random-timing hunt).
  const RunResult r = run_shell(
      "env --default-signal=INT " + binary + " train --data '" + source_path("data/shampoo.csv") +
          "' --target sales --time-column date --epochs 2 --patience 0 --ensemble 1 --hidden 250 --output m.json 2>err "
          "& pid=$!; while ! ls | grep -q lstmf-tmp && kill -0 $pid 2>/dev/null; do :; done; "
          "kill -INT $pid; wait $pid; echo $?",
      dir.path());
  const std::string err = read_file(dir.file("err"));
  INFO(err);
  CHECK(r.out == "130\n");
  // Training had ended: the checkpoint is the whole run's, and said so (a kill hunt: "the best so
  // far" had a resume wrapper try to go on from a finished run).
  CHECK_THAT(err, Contains("lstm-forecast: interrupted after training had ended: m.json holds the whole run (nothing was "
                           "cut short; a resume has no epoch left to train)"));
  CHECK(temporaries(dir, "m.json").empty());
  CHECK(run_cli("predict --model m.json", dir.path()).exit_code == 0);
}

TEST_CASE("a signal before train's first epoch ends, or while its save waits for a fifo's reader, exits 130 at once, and one ignored stays ignored",
          "[crash-safety]") {
  TempDir dir;
  dir.write("m.json", "the old file");
  const std::string binary = std::string("'") + LSTMF_BINARY + "'";
  const std::string data = "'" + source_path("data/sunspots.csv") + "'";
  SECTION("waiting on a pipe whose writer has not finished") {
    // The read was interrupted and failed as an I/O error (exit 3, "Interrupted system call"). And
    // a version that blocked signals while the reader's first read waited exited only once the
    // writer had finished (a review): it must exit while the writer still waits.
    const RunResult run = run_shell(
        "mkfifo fifo; { head -5 " + data + "; exec sleep 30; } >fifo 2>/dev/null & writer=$!; " + binary +
            " train --data - --target sunspots --output m.json <fifo 2>err & pid=$!; sleep 1; kill -TERM $pid; wait $pid; echo $?;"
            " kill -0 $writer 2>/dev/null && echo writing; kill $writer",
        dir.path());
    CHECK(run.out == "130\nwriting\n");
    CHECK(read_file(dir.file("err")) == "lstm-forecast: interrupted; no checkpoint was written\n");
    CHECK(read_file(dir.file("m.json")) == "the old file");
    CHECK(temporaries(dir, "m.json").empty());
  }
  SECTION("once training is over, waiting for the reader of a fifo it writes the log into") {
    // The first signal was only noted (stop after this epoch), and the open of the fifo went on
    // waiting for a reader, past timeout's SIGTERM, until a second signal (a hunt).
    const RunResult run = run_shell(
        "mkfifo log.fifo; " + binary + " train --data " + data +
            " --target sunspots --look-back 3 --hidden 2 --epochs 2 --ensemble 1 --refit false --progress"
            " --output m.json --log-json log.fifo 2>err & pid=$!;"
            " for i in $(seq 300); do grep -q 'epoch 2/2' err && break; sleep 0.1; done;"
            // Once the open of the fifo waits (Linux's wait_for_partner), or after 30 s: a signal
            // during the work after the last epoch is noted, and the save goes on to wait.
            " for i in $(seq 300); do [ \"$(cat /proc/$pid/wchan 2>/dev/null)\" = wait_for_partner ] && break; sleep 0.1; done;"
            " kill -TERM $pid;"
            " ( sleep 30; kill -KILL $pid ) >/dev/null 2>&1 & killer=$!; wait $pid; echo $?; kill $killer",
        dir.path());
    INFO(read_file(dir.file("err")));
    CHECK(run.out == "130\n");
    CHECK_THAT(read_file(dir.file("err")),
               Contains("lstm-forecast: interrupted while writing the checkpoint or its log into a fifo or pipe"));
    CHECK(read_file(dir.file("m.json")) == "the old file");  // staged until the log is written
    CHECK(temporaries(dir, "m.json").empty());
  }
  SECTION("a SIGINT the parent ignores (`cmd &` in a script) does not stop training") {
    const RunResult run = run_shell(
        "trap '' INT; " + binary + " train --data " + data +
            " --target sunspots --look-back 12 --hidden 4 --epochs 100000 --patience 0 --ensemble 1 --threads 1"
            " --output m.json 2>err & pid=$!; sleep 1; kill -INT $pid; sleep 1; kill -0 $pid && echo alive;"
            " kill -TERM $pid; wait $pid; echo $?",
        dir.path());
    INFO(read_file(dir.file("err")));
    CHECK(run.out == "alive\n130\n");
  }
}

TEST_CASE("a checkpoint beyond `ulimit -f` is an I/O error said on stderr (exit 3), its temporary removed",
          "[crash-safety]") {
  TempDir dir;
  dir.write("m.json", "the old file");
  // SIGXFSZ killed the process without a word (exit 153) and left the temporary.
  const RunResult run = run_shell("ulimit -f 8; '" + std::string(LSTMF_BINARY) + "' train --data '" +
                                      source_path("data/airline-passengers.csv") +
                                      "' --target passengers --epochs 1 --ensemble 1 --output m.json",
                                  dir.path());
  CHECK(run.exit_code == 3);
  CHECK_THAT(run.err, Contains("m.json: write failed: File too large"));
  CHECK(read_file(dir.file("m.json")) == "the old file");
  CHECK(temporaries(dir, "m.json").empty());
}

// The sanitizers reserve terabytes of address space: no `ulimit -v` under them (TSan cannot start).
#if !defined(LSTMF_TEST_ASAN) && !defined(LSTMF_TEST_TSAN)
TEST_CASE("running out of memory while a checkpoint is read exits 5 with the message, never aborts", "[crash-safety]") {
  TempDir dir;
  dir.write("a.csv", read_file(source_path("data/airline-passengers.csv")));
  REQUIRE(run_cli("train --data a.csv --target passengers --epochs 1 --ensemble 1 --refit false --hidden 2 --quiet "
                  "--output m.json",
                  dir.path()).exit_code == 0);
  // A long array under a key the reader ignores: some 200 MB of parsed JSON. A std::bad_alloc while
  // it was built, or while it was held, had nlohmann's destructor allocate in turn: std::terminate,
  // exit 134 ("terminate called after throwing an instance of 'std::bad_alloc'").
  std::string zeros = "[0";
  for (int i = 0; i < (4 << 20); ++i) zeros += ",0";
  zeros += "]";
  const std::string checkpoint = read_file(dir.file("m.json"));
  dir.write("padded.json", "{\"ignored\": " + zeros + ", " + checkpoint.substr(1));
  // The same in the optimizer state, which a resumed run holds apart from the parsed file (a review).
  const std::size_t state = checkpoint.find("\"optimizer_state\": {");
  REQUIRE(state != std::string::npos);
  const std::size_t inside = checkpoint.find('{', state) + 1;
  dir.write("padded_state.json", checkpoint.substr(0, inside) + "\"ignored\": " + zeros + ", " + checkpoint.substr(inside));
  for (const std::string command : {"predict --model padded.json", "train --resume padded_state.json --epochs 2 --quiet --output r.json"}) {
    std::string codes;
    for (int megabytes = 40; megabytes <= 440; megabytes += 40)
      codes += run_shell("ulimit -v " + std::to_string(megabytes * 1024) + "; '" + std::string(LSTMF_BINARY) + "' " + command +
                             " > /dev/null 2>> err; echo $?",
                         dir.path()).out.at(0);
    INFO(command << "\n" << codes << "\n" << read_file(dir.file("err")));
    CHECK(codes.find_first_not_of("05") == std::string::npos);  // no 1 (internal error), no 134
    CHECK(codes.find('5') != std::string::npos);
    CHECK(codes.back() == '0');
  }
}
#endif

TEST_CASE("two trainings writing the same checkpoint path at once leave one complete checkpoint", "[crash-safety]") {
  TempDir dir;
  dir.write("tiny.csv", tiny_csv(120));
  for (int round = 0; round < 3; ++round) {
    const auto run = [&](const char* seed) {
      return spawn(with(kTiny, {"--epochs", "150", "--checkpoint-every", "1", "--seed", seed, "--output", "m.json"}),
                   dir.path());
    };
    const pid_t a = run("1"), b = run("2");
    CHECK(wait_for(a) == 0);
    CHECK(wait_for(b) == 0);
    const lstmf::Checkpoint last = load_or_fail(dir.file("m.json"));
    CHECK((last.config.training.seed == 1 || last.config.training.seed == 2));
    CHECK(last.history.size() == 150);  // one run's final checkpoint, not a snapshot of the other's
    CHECK(temporaries(dir, "m.json").empty());
  }
}
