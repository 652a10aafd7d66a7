// Shared helpers for the tests: temporary folders and files, and running the built binary.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

// LSTMF_TEST_ASAN and LSTMF_TEST_TSAN: this build runs under AddressSanitizer or ThreadSanitizer.
// GCC defines __SANITIZE_ADDRESS__ and __SANITIZE_THREAD__; clang 14 defines neither, and answers
// __has_feature instead.
#if defined(__SANITIZE_ADDRESS__)
#define LSTMF_TEST_ASAN 1
#endif
#if defined(__SANITIZE_THREAD__)
#define LSTMF_TEST_TSAN 1
#endif
#if defined(__has_feature)
#if __has_feature(address_sanitizer) && !defined(LSTMF_TEST_ASAN)
#define LSTMF_TEST_ASAN 1
#endif
#if __has_feature(thread_sanitizer) && !defined(LSTMF_TEST_TSAN)
#define LSTMF_TEST_TSAN 1
#endif
#endif

namespace lstmf::test {

// A fresh temporary folder, removed with everything in it when the object goes away.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  // Writes `content` to `name` inside the folder and returns the full path.
  std::string write(const std::string& name, const std::string& content) const;
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

std::string read_file(const std::string& path);
// The date `days` after 1970-01-01 as YYYY-MM-DD.
std::string iso_date(std::int64_t days);
// Month `index` counted from January of `first_year` (0 = that January) as YYYY-MM: year_month(2000, 13)
// is "2001-02".
std::string year_month(int first_year, int index);
// Lines in `text` (its newline characters).
int count_lines(const std::string& text);
bool file_exists(const std::string& path);

// A bundled file of the project: data/..., configs/..., tests/fixtures/...
std::string source_path(const std::string& relative);

struct RunResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs `command` (a shell command line) in folder `cwd`, feeding `input` on stdin, and captures its
// exit code, stdout and stderr.
RunResult run_shell(const std::string& command, const std::string& cwd, const std::string& input = "");

// The folder of PyTorch fixture cases: $LSTMF_TORCH_FIXTURES, or the project's tests/fixtures/torch.
std::string torch_fixtures_dir();

// Runs the built lstm-forecast with `args` (a shell-quoted string) in folder `cwd`, feeding `input`
// on stdin, and captures its exit code, stdout and stderr. `prefix` goes before the binary (e.g.
// "timeout -s INT 2 ").
RunResult run_cli(const std::string& args, const std::string& cwd, const std::string& input = "",
                  const std::string& prefix = "");

// Runs the built lstm-forecast with `args` on a pseudo-terminal (util-linux's `script`), `columns`
// wide (0: as script makes it), in folder `cwd`. Its `out` is what the terminal received, stdout and
// stderr together, each "\n" as "\r\n". nullopt, with a Catch warning, when script is not installed.
std::optional<RunResult> run_cli_on_terminal(const std::string& args, const std::string& cwd, int columns = 0);

// The shell text that starts `command` in the background (stderr to the file err) and sends it
// `signal` once `ready` (a shell condition) holds, within 120 s, then prints its exit code: waits
// for what the run has done, not for a time (a machine under load took longer than one). A
// background job of a script starts with SIGINT ignored: env --default-signal gives it back.
// `target`: the process ids to signal, shell text ($pid: the command's own).
std::string signal_when(const std::string& command, const std::string& ready, const std::string& signal,
                        const std::string& target = "$pid");

}  // namespace lstmf::test
