// The bad-input corpus (tests/bad-inputs/, format in its README.md): every case runs through the
// built binary, which must exit with the expected code and one line on stderr matching the expected
// patterns, print nothing on stdout, create no file and leave an existing output untouched.
#include <dirent.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <vector>

#include <catch2/catch.hpp>

#include "support.hpp"

using namespace lstmf::test;

namespace {

const char* const kSurfaces[] = {"csv", "config", "checkpoint", "args", "stdin"};
const std::string kSentinel = "sentinel: must stay untouched\n";

// Thirty daily rows: enough for look-back 2 with a validation part.
std::string good_csv() {
  std::string csv = "date,y\n";
  for (int day = 1; day <= 30; ++day) {
    char line[32];
    std::snprintf(line, sizeof line, "2020-01-%02d,%d\n", day, (day * 7) % 11);
    csv += line;
  }
  return csv;
}

// The command a case without .args runs, per surface ('{file}': the case file, '{out}': the
// sentinel output, '{dir}': the temp dir holding good.csv and good.json).
std::string default_args(const std::string& surface) {
  if (surface == "csv")
    return "train --data {file} --target y --time-column date --look-back 2 --hidden 2 --epochs 1 --quiet --output {out}";
  if (surface == "config") return "train --config {file} --epochs 1 --quiet --output {out}";
  if (surface == "checkpoint") return "predict --model {file} --output {out}";
  if (surface == "stdin") return "predict --model {dir}/good.json --input - --output {out}";
  return "";  // args: every case has its own .args
}

// The names in folder `path`; with `hidden`, also those starting with '.' (a temporary or probe
// file left behind, .lstmf-tmp.XXXXXX), but never "." and "..".
std::vector<std::string> list_dir(const std::string& path, bool hidden = false) {
  std::vector<std::string> names;
  if (DIR* dir = ::opendir(path.c_str())) {
    while (const dirent* entry = ::readdir(dir)) {
      const std::string name = entry->d_name;
      if (name != "." && name != ".." && (hidden || name[0] != '.')) names.push_back(name);
    }
    ::closedir(dir);
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

// Shell-quotes one argument.
std::string quoted(const std::string& word) { return "'" + replace_all(word, "'", "'\\''") + "'"; }

struct CorpusCase {
  std::string surface, name, input, expect, args;  // paths; input "" for args cases
};

std::vector<CorpusCase> corpus() {
  std::vector<CorpusCase> cases;
  for (const std::string surface : kSurfaces) {
    const std::string folder = source_path("tests/bad-inputs/" + surface);
    const std::vector<std::string> names = list_dir(folder);
    for (const std::string& name : names) {
      if (name.size() < 7 || name.compare(name.size() - 7, 7, ".expect") != 0) continue;
      CorpusCase c;
      c.surface = surface;
      c.name = name.substr(0, name.size() - 7);
      c.expect = folder + "/" + name;
      for (const std::string& other : names) {
        if (other.compare(0, c.name.size() + 1, c.name + ".") != 0) continue;
        const std::string ext = other.substr(c.name.size() + 1);
        if (ext == "args") c.args = folder + "/" + other;
        else if (ext != "expect" && ext.find('.') == std::string::npos) c.input = folder + "/" + other;
        else if (ext != "expect" && c.input.empty()) c.input = folder + "/" + other;  // name.csv.gz
      }
      cases.push_back(c);
    }
  }
  return cases;
}

std::string first_line(const std::string& path) {
  std::string line;
  std::ifstream in(path, std::ios::binary);
  std::getline(in, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

}  // namespace

TEST_CASE("every file of the bad-input corpus belongs to a case (one without .expect would not be run)", "[bad-inputs]") {
  const std::vector<CorpusCase> cases = corpus();
  for (const std::string surface : kSurfaces)
    for (const std::string& file : list_dir(source_path("tests/bad-inputs/" + surface))) {
      bool owned = false;
      for (const CorpusCase& c : cases)
        owned = owned || (c.surface == surface && file.compare(0, c.name.size() + 1, c.name + ".") == 0);
      INFO(surface << "/" << file);
      CHECK(owned);
    }
}

TEST_CASE("every case of the bad-input corpus fails cleanly with its expected message", "[bad-inputs]") {
  TempDir dir;
  const std::string data = dir.write("good.csv", good_csv());
  const RunResult trained = run_cli("train --data good.csv --target y --time-column date --look-back 2 --hidden 2 "
                                    "--epochs 1 --quiet --output good.json",
                                    dir.path());
  REQUIRE(trained.exit_code == 0);
  const std::string out = dir.file("out.json");

  const std::vector<CorpusCase> cases = corpus();
  std::map<std::string, int> per_surface;
  for (const CorpusCase& c : cases) {
    const std::string label = c.surface + "/" + c.name;
    INFO("case " << label);
    dir.write("out.json", kSentinel);
    const std::set<std::string> before = [&] {
      const auto names = list_dir(dir.path(), true);
      return std::set<std::string>(names.begin(), names.end());
    }();

    // An empty .args file is a command line of no arguments.
    std::string args = c.args.empty() ? default_args(c.surface) : first_line(c.args);
    REQUIRE((!args.empty() || !c.args.empty()));
    // The case file as passed on the command line: its path, or <stdin> when it is fed on stdin.
    const bool on_stdin = c.surface == "stdin";
    const std::string file_name = on_stdin ? "<stdin>" : c.input;
    std::string command;
    std::istringstream words(args);
    for (std::string word; words >> word;)
      command += " " + quoted(replace_all(replace_all(replace_all(word, "{file}", c.input), "{out}", out), "{dir}",
                                          dir.path()));
    const std::string input = on_stdin && !c.input.empty() ? read_file(c.input) : "";
    const RunResult r = run_cli(command, dir.path(), input, "timeout -s KILL 60 ");
    INFO("command:" << command);
    INFO("stderr: " << r.err);

    // The expectations.
    int expected_code = -1;
    std::ifstream expect(c.expect);
    std::string line;
    int patterns = 0, telling = 0;  // telling: patterns that say more than any message's start
    while (std::getline(expect, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty() || line[0] == '#') continue;
      const auto colon = line.find(':');
      REQUIRE(colon != std::string::npos);
      const std::string key = line.substr(0, colon);
      std::string value = line.substr(colon + 1);
      if (!value.empty() && value[0] == ' ') value.erase(0, 1);
      // A pattern of a few characters ('--horizon', 'lstm-forecast: --epochs') matched the wrong
      // message too: 16 characters at least besides {file} and the start every message has.
      std::string core = replace_all(value, "{file}", "");
      for (const std::string start : {"^lstm-forecast: ", "lstm-forecast: "})
        if (core.rfind(start, 0) == 0) core.erase(0, start.size());
      if (key != "exit" && core.size() >= 16) ++telling;
      if (key == "exit") {
        expected_code = std::stoi(value);
      } else if (key == "stderr") {
        ++patterns;
        CHECK_THAT(r.err, Catch::Contains(replace_all(value, "{file}", file_name)));
      } else if (key == "stderr~") {
        ++patterns;
        // '{file}' stands for the name literally, so its regex characters are escaped.
        const std::string escaped = std::regex_replace(file_name, std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)");
        CHECK(std::regex_search(r.err, std::regex(replace_all(value, "{file}", escaped))));
      } else {
        FAIL("unknown key '" << key << "' in " << c.expect);
      }
    }
    REQUIRE(expected_code >= 0);
    CHECK(patterns > 0);
    CHECK(telling > 0);
    CHECK((expected_code >= 2 && expected_code <= 5));  // the documented codes; 1 is an internal error, a bug
    CHECK(r.exit_code == expected_code);
    CHECK(r.exit_code != 0);
    CHECK(r.out.empty());
    // One line: "lstm-forecast: ...\n", nothing before or after (no stack trace, no progress).
    CHECK(r.err.rfind("lstm-forecast: ", 0) == 0);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK((!r.err.empty() && r.err.back() == '\n'));
    CHECK(r.err.size() <= 1200);
    // Printable: no control characters other than the final newline.
    CHECK(std::none_of(r.err.begin(), r.err.end() - 1,
                       [](char ch) { return static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f; }));
    CHECK(read_file(out) == kSentinel);
    const auto after = list_dir(dir.path(), true);
    CHECK(std::set<std::string>(after.begin(), after.end()) == before);
    ++per_surface[c.surface];
  }
  std::string summary;
  for (const auto& [surface, count] : per_surface) summary += " " + surface + " " + std::to_string(count);
  WARN("bad-input corpus: " << cases.size() << " cases checked (" << summary.substr(1) << ")");
  CHECK(cases.size() >= 100);
}
