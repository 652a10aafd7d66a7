#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "lstmf/error.hpp"
#include "lstmf/io.hpp"
#include "support.hpp"

using namespace lstmf;
using Catch::Contains;

TEST_CASE("JSON parse errors carry line and column", "[io]") {
  REQUIRE_THROWS_WITH(parse_json("{\"a\": 1,\n \"b\": tru}", "x.json"), Contains("x.json:2:") && Contains("invalid JSON"));
  REQUIRE_THROWS_WITH(parse_json("{\"a\": [1, 2", "x.json"), Contains("x.json:1:") && Contains("invalid JSON"));
  REQUIRE_THROWS_WITH(parse_json("  \n", "x.json"), Contains("x.json: empty file"));
}

TEST_CASE("JSON members named to be skipped read as null, and errors after them keep their place", "[io]") {
  const std::string text = "{\"keep\": [1, 2],\n \"skip\": {\"a\": [1,\n 2], \"s\": \"}{\"},\n \"tail\": 3}";
  const nlohmann::json whole = parse_json(text, "x.json");
  const nlohmann::json part = parse_json(text, "x.json", 64, {"skip"});
  CHECK(part["skip"].is_null());
  CHECK(part["keep"] == whole["keep"]);
  CHECK(part["tail"] == 3);
  CHECK(parse_json("{\"skip\": 5, \"s\": {}}", "x.json", 64, {"skip", "s"}) ==
        nlohmann::json::parse("{\"skip\": 5, \"s\": null}"));  // scalars are kept
  CHECK(parse_json("{\"a\": {\"skip\": [1, 2, 3]}}", "x.json", 64, {"skip"})["a"]["skip"].size() == 3);  // top level only
  REQUIRE_THROWS_WITH(parse_json("{\"skip\": [1,\n 2],\n \"b\": tru}", "x.json", 64, {"skip"}),
                      Contains("x.json:3:") && Contains("invalid JSON"));
}

TEST_CASE("JSON nested too deep is refused before parsing", "[io]") {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  REQUIRE_THROWS_WITH(parse_json(deep, "deep.json"), Contains("deep.json:1:65: JSON nested deeper than 64 levels"));
  // Brackets inside strings do not count.
  CHECK(parse_json("{\"a\": \"" + std::string(1000, '[') + "\"}", "s.json").is_object());
}

TEST_CASE("atomic writes replace the file whole and leave nothing behind", "[io]") {
  test::TempDir dir;
  const std::string path = dir.file("out.json");
  write_atomically(path, "first");
  CHECK(test::read_file(path) == "first");
  write_atomically(path, "second, longer");
  CHECK(test::read_file(path) == "second, longer");
  int entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path())) ++entries;
  CHECK(entries == 1);  // no temporary file left over
}

TEST_CASE("writing to a missing or unwritable folder fails before anything is written", "[io]") {
  test::TempDir dir;
  REQUIRE_THROWS_WITH(write_atomically(dir.file("nope/out.json"), "x"), Contains("nope/out.json: cannot write: folder") &&
                                                                            Contains("does not exist"));
  REQUIRE_THROWS_WITH(check_writable(dir.path()), Contains("is a folder"));
  if (::geteuid() != 0) {  // root writes anywhere
    const std::string locked = dir.file("locked");
    ::mkdir(locked.c_str(), 0500);
    REQUIRE_THROWS_WITH(write_atomically(locked + "/out.json", "x"), Contains("not writable"));
  }
}
