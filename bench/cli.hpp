// The command line of the bench executables, parsed by CLI11 (as lstm-forecast's own): `--flag
// value` options with typed, range-checked values. --help prints the usage on stdout (exit 0); an
// unknown flag, a flag without its value, or a value that does not read whole (a number, a
// comma-separated list of integers) prints what was wrong and the usage on stderr and exits 2, so
// a benchmark run by hand or from a script never ends in an uncaught exception. CLI11 is compiled
// once, in cli.cpp, for every bench executable.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace bench {

class Cli {
 public:
  // `name`: the executable's; `description`: one line, the first of --help.
  Cli(std::string name, std::string description);
  ~Cli();
  Cli(const Cli&) = delete;
  Cli& operator=(const Cli&) = delete;

  // Each option writes `value` when given; what it holds beforehand is its default (shown by --help).
  Cli& text(const std::string& flag, std::string& value, const std::string& help);
  Cli& integer(const std::string& flag, long& value, long least, long most, const std::string& help);
  Cli& positive(const std::string& flag, double& value, const std::string& help);  // a finite number > 0
  Cli& integers(const std::string& flag, std::vector<long>& values, long least, long most, const std::string& help);  // "1,2"

  // Parses the arguments: exits 0 after --help, 2 after an error (fail).
  void parse(int argc, char** argv);
  // Prints `what` and the usage on stderr; exit 2.
  [[noreturn]] void fail(const std::string& what) const;

 private:
  std::string name_;
  std::unique_ptr<CLI::App> app_;
};

}  // namespace bench
