#include <limits>

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
  // So do characters a terminal shows as nothing or as a space, and C1 controls.
  CHECK(printable("2005-01\xE2\x80\x8B") == "2005-01\\u200B");      // zero-width space
  CHECK(printable("1\xC2\xA0" "000") == "1\\u00A0" "000");             // no-break space
  CHECK(printable("\xE2\x80\xAE" "abc") == "\\u202E" "abc");          // right-to-left override
  CHECK(printable("\xC2\x9B" "2J") == "\\u009B" "2J");                 // CSI
  CHECK(printable("\xE2\x82\xAC \xC3\xA9 \xE6\x97\xA5") == "\xE2\x82\xAC \xC3\xA9 \xE6\x97\xA5");  // visible ones pass
  CHECK(printable(std::string(100, 'x'), 10) == "xxxxxxxxxx... (100 bytes)");
  // Cut at a character boundary: never half a UTF-8 sequence.
  const std::string cut = printable(std::string(20, 'a') + "\xE2\x82\xAC\xE2\x82\xAC", 22);
  CHECK(cut == std::string(20, 'a') + "\xE2\x82\xAC... (26 bytes)");
}

TEST_CASE("printable_ends keeps the start and the end of a long message", "[error]") {
  CHECK(printable_ends("short\n", 10) == "short\\n");
  const std::string path = std::string(3000, 'd') + ": cannot write: the name is too long";
  const std::string shown = printable_ends(path, 300);
  CHECK(shown.size() < 330);
  CHECK(shown.rfind(std::string(200, 'd') + " ... (3036 bytes) ... ", 0) == 0);
  CHECK(shown.find(": cannot write: the name is too long") != std::string::npos);
  // Cut between characters at both ends: 'e' with an acute accent is two bytes.
  std::string accents;
  for (int i = 0; i < 200; ++i) accents += "\xC3\xA9";
  const std::string both = printable_ends(accents, 101);
  CHECK(both == std::string(accents, 0, 66) + " ... (400 bytes) ... " + std::string(accents, 0, 32));
  // Nor inside an escape: 200 bytes of invalid UTF-8 show as 800 bytes of "\x9F", cut after as many
  // whole escapes as 2/3 of the budget holds, and before as many as 1/3 holds, wherever those fall.
  for (std::size_t budget = 96; budget < 108; ++budget) {
    const auto escapes = [](std::size_t bytes) {
      std::string out;
      for (std::size_t i = 0; i < bytes / 4; ++i) out += "\\x9F";
      return out;
    };
    CAPTURE(budget);
    CHECK(printable_ends(std::string(200, '\x9F'), budget) ==
          escapes(budget * 2 / 3) + " ... (200 bytes) ... " + escapes(budget / 3));
  }
}

TEST_CASE("bounded_edit_distance agrees with the full table up to its limit", "[error]") {
  // Every pair of strings over {a, b} up to 6 bytes long (the band's edges are where errors hide).
  std::vector<std::string> words = {""};
  for (std::size_t i = 0; i < words.size() && words.size() < 127; ++i)
    if (words[i].size() < 6)
      for (const char c : {'a', 'b'}) words.push_back(words[i] + c);
  for (const std::string& a : words)
    for (const std::string& b : words)
      for (const std::size_t limit : {0, 1, 2, 3}) {
        INFO(a << " / " << b << " limit " << limit);
        CHECK(bounded_edit_distance(a, b, limit) == std::min(edit_distance(a, b), limit + 1));
      }
  // A long name one edit from another: the band, not the whole table (a 100 KB header name).
  const std::string long_name(100000, 'a');
  CHECK(bounded_edit_distance(long_name + "X", long_name, 2) == 1);
  CHECK(likely_typo_of(long_name + "X", {"t", "y", long_name}) == std::optional<std::size_t>(2));
}

TEST_CASE("display_columns counts what a terminal shows: wide characters 2, combining marks 0", "[error]") {
  CHECK(display_columns("series") == 6);
  CHECK(display_columns("\xc3\xbc" "n" "\xc3\xaf" "c" "\xc3\xb6" "d" "\xc3\xa9") == 7);  // ünïcödé: one each
  CHECK(display_columns("\xe5\xba\x97\xe8\x88\x97") == 4);                  // 店舗: two each
  CHECK(display_columns("e\xcc\x81") == 1);                                 // e + combining acute
  CHECK(display_columns("\xf0\x9f\x9a\x80") == 2);                          // an emoji (U+1F680)
  CHECK(display_columns("\xe2\x98\x95") == 2);                              // hot beverage (U+2615)
  CHECK(display_columns("a\xd6\x91") == 1);                                 // a + a Hebrew accent (U+0591)
  CHECK(display_columns("\xe5\xba") == 1);                                  // a character cut short: one
  CHECK(display_columns("\x80\x80") == 0);                                  // stray continuation bytes: none
}

TEST_CASE("format_significant gives significant digits without an exponent for ordinary magnitudes", "[error]") {
  CHECK(format_significant(12.5, 4) == "12.50");
  CHECK(format_significant(45.9560467094805, 6) == "45.9560");
  CHECK(format_significant(1567525.7742951403, 6) == "1567526");
  CHECK(format_significant(0.00999999, 6) == "0.00999999");
  CHECK(format_significant(0, 4) == "0.000");
  CHECK(format_significant(-0.25, 4) == "-0.2500");
  CHECK(format_significant(1e-7 / 3, 4) == "3.333e-08");
  CHECK(format_significant(2e9, 4) == "2e+09");
  CHECK(format_significant(std::numeric_limits<double>::infinity(), 4) == "inf");
}
