#include <catch2/catch.hpp>

#include "lstmf/error.hpp"

using namespace lstmf;

TEST_CASE("printable escapes control characters and invalid UTF-8 and bounds the length", "[error]") {
  CHECK(printable("plain text") == "plain text");
  CHECK(printable("temp\xC3\xA9rature \xE2\x82\xAC") == "temp\xC3\xA9rature \xE2\x82\xAC");  // UTF-8 passes
  CHECK(printable("a\nb\rc\td") == "a\\nb\\rc\\td");
  CHECK(printable("\x1B[2J") == "\\x1B[2J");
  CHECK(printable(std::string("a\0b", 3)) == "a\\x00b");
  CHECK(printable("caf\xE9") == "caf\\xE9");                // Latin-1
  CHECK(printable("\xC0\xAF") == "\\xC0\\xAF");              // overlong
  CHECK(printable("\xED\xA0\x80") == "\\xED\\xA0\\x80");     // surrogate
  CHECK(printable("\xEF\xBB\xBF" "date") == "\\uFEFFdate");  // a BOM shows
  CHECK(printable(std::string(100, 'x'), 10) == "xxxxxxxxxx... (100 bytes)");
  // Cut at a character boundary: never half a UTF-8 sequence.
  const std::string cut = printable(std::string(20, 'a') + "\xE2\x82\xAC\xE2\x82\xAC", 22);
  CHECK(cut == std::string(20, 'a') + "\xE2\x82\xAC... (26 bytes)");
}
