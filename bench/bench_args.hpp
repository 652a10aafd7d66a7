// The command line of the bench executables: `--flag value` pairs and --help. --help prints the
// usage on stdout (exit 0); an unknown flag, a flag without its value, or a value that does not
// read whole (a number, a comma-separated list of integers) prints what was wrong and the usage on
// stderr and exits 2: a benchmark run by hand or from a script never ends in an uncaught exception.
#pragma once

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace bench {

class Args {
 public:
  // `usage`: the lines --help prints (ending in a newline); `flags`: the flags taken, each with a value.
  Args(int argc, char** argv, std::string usage, const std::vector<std::string>& flags) : usage_(std::move(usage)) {
    program_ = argc > 0 ? argv[0] : "bench";
    for (int i = 1; i < argc; ++i) {
      const std::string arg = argv[i];
      if (arg == "--help" || arg == "-h") {
        std::fputs(usage_.c_str(), stdout);
        std::exit(0);
      }
      bool known = false;
      for (const std::string& flag : flags) known = known || flag == arg;
      if (!known) fail("unknown option '" + arg + "'");
      if (i + 1 >= argc) fail(arg + " needs a value");
      values_[arg] = argv[++i];
    }
  }

  std::string text(const std::string& flag, const std::string& fallback) const {
    const auto it = values_.find(flag);
    return it == values_.end() ? fallback : it->second;
  }

  // An integer of at least `least`, written whole ("3", not "3x" or "1e3").
  long integer(const std::string& flag, long fallback, long least) const {
    const auto it = values_.find(flag);
    return it == values_.end() ? fallback : read_integer(flag, it->second, least);
  }

  // A finite number above 0.
  double positive(const std::string& flag, double fallback) const {
    const auto it = values_.find(flag);
    if (it == values_.end()) return fallback;
    char* end = nullptr;
    const double value = std::strtod(it->second.c_str(), &end);
    if (it->second.empty() || end != it->second.c_str() + it->second.size() || !(value > 0) || value > 1e300)
      fail(flag + " expects a number above 0, got '" + it->second + "'");
    return value;
  }

  // A comma-separated list of integers of at least `least` ("1,2").
  std::vector<long> integers(const std::string& flag, const std::string& fallback, long least) const {
    std::vector<long> out;
    const std::string list = text(flag, fallback);
    std::size_t start = 0;
    while (true) {
      const std::size_t comma = list.find(',', start);
      out.push_back(read_integer(flag, list.substr(start, comma - start), least));
      if (comma == std::string::npos) return out;
      start = comma + 1;
    }
  }

  // Prints `what` and the usage on stderr; exit 2.
  [[noreturn]] void fail(const std::string& what) const {
    std::fprintf(stderr, "%s: %s\n%s", program_.c_str(), what.c_str(), usage_.c_str());
    std::exit(2);
  }

 private:
  long read_integer(const std::string& flag, const std::string& text, long least) const {
    long value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc() || end != text.data() + text.size() || value < least)
      fail(flag + " expects integers of at least " + std::to_string(least) + ", got '" + text + "'");
    return value;
  }

  std::string program_;
  std::string usage_;
  std::map<std::string, std::string> values_;
};

}  // namespace bench
