#include "support.hpp"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include <catch2/catch.hpp>

#include "lstmf/time_index.hpp"

namespace lstmf::test {

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "lstmf-test-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::permissions(path_, std::filesystem::perms::owner_all, std::filesystem::perm_options::add, ignored);
  std::filesystem::remove_all(path_, ignored);
}

std::string TempDir::write(const std::string& name, const std::string& content) const {
  const std::string full = file(name);
  std::ofstream out(full, std::ios::binary);
  out << content;
  if (!out) throw std::runtime_error("cannot write " + full);
  return full;
}

std::string year_month(int first_year, int index) {
  return std::to_string(first_year + index / 12) + "-" + (index % 12 < 9 ? "0" : "") + std::to_string(index % 12 + 1);
}

std::string iso_date(std::int64_t days) {
  std::int64_t year = 0;
  int month = 0, day = 0;
  civil_from_days(days, year, month, day);
  char text[32];
  std::snprintf(text, sizeof text, "%04lld-%02d-%02d", static_cast<long long>(year), month, day);
  return text;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

bool file_exists(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0;
}

std::string source_path(const std::string& relative) { return std::string(LSTMF_SOURCE_DIR) + "/" + relative; }

std::string signal_when(const std::string& command, const std::string& ready, const std::string& signal,
                        const std::string& target) {
  return "env --default-signal=INT " + command + " 2>err & pid=$!; for i in $(seq 1200); do " + ready +
         " && break; sleep 0.1; done; kill -" + signal + " " + target + "; wait $pid; echo $?";
}

RunResult run_shell(const std::string& command, const std::string& cwd, const std::string& input) {
  TempDir io;
  const std::string in = io.write("stdin", input);
  // In braces, so that stdin, stdout and stderr are the whole command's, also of a list
  // (`a & pid=$!; ...; echo $?`), not of its last command alone.
  const std::string full = "cd '" + cwd + "' && {\n" + command + "\n} < '" + in + "' > '" + io.file("stdout") + "' 2> '" +
                           io.file("stderr") + "'";
  const int status = std::system(full.c_str());
  RunResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = read_file(io.file("stdout"));
  result.err = read_file(io.file("stderr"));
  return result;
}

std::string torch_fixtures_dir() {
  const char* env = std::getenv("LSTMF_TORCH_FIXTURES");
  return env != nullptr && *env != '\0' ? std::string(env) : source_path("tests/fixtures/torch");
}

RunResult run_cli(const std::string& args, const std::string& cwd, const std::string& input,
                  const std::string& prefix) {
  return run_shell(prefix + "'" + std::string(LSTMF_BINARY) + "' " + args, cwd, input);
}

std::optional<RunResult> run_cli_on_terminal(const std::string& args, const std::string& cwd, int columns) {
  if (run_shell("command -v script", cwd).exit_code != 0) {
    WARN("script (util-linux) is not installed: terminal output not checked");
    return std::nullopt;
  }
  const std::string size = columns > 0 ? "stty cols " + std::to_string(columns) + "; " : "";
  return run_shell("script -qec \"" + size + "'" + std::string(LSTMF_BINARY) + "' " + args + "\" /dev/null", cwd);
}

int count_lines(const std::string& text) { return static_cast<int>(std::count(text.begin(), text.end(), '\n')); }

}  // namespace lstmf::test
