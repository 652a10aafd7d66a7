#include <catch2/catch.hpp>

#include <malloc.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "lstmf/csv.hpp"
#include "lstmf/error.hpp"
#include "support.hpp"

using namespace lstmf;
using lstmf::test::TempDir;

namespace {

// Every record of a CSV text, as strings, header first.
std::vector<std::vector<std::string>> read_all(const std::string& content, char delimiter = '\0') {
  TempDir dir;
  CsvReader csv(dir.write("data.csv", content), delimiter);
  std::vector<std::vector<std::string>> records{csv.header()};
  while (csv.next()) records.emplace_back(csv.fields().begin(), csv.fields().end());
  return records;
}

// The physical line of every data record.
std::vector<long> record_lines(const std::string& content) {
  TempDir dir;
  CsvReader csv(dir.write("data.csv", content));
  std::vector<long> lines;
  while (csv.next()) lines.push_back(csv.line());
  return lines;
}

using Records = std::vector<std::vector<std::string>>;

}  // namespace

TEST_CASE("csv reader splits each delimiter", "[csv]") {
  const Records expected = {{"date", "value"}, {"2020-01", "1.5"}, {"2020-02", "2"}};
  SECTION("commas are detected") { CHECK(read_all("date,value\n2020-01,1.5\n2020-02,2\n") == expected); }
  SECTION("semicolons are detected") { CHECK(read_all("date;value\n2020-01;1.5\n2020-02;2\n") == expected); }
  SECTION("tabs are detected") { CHECK(read_all("date\tvalue\n2020-01\t1.5\n2020-02\t2\n") == expected); }
  SECTION("a given delimiter is used as given") {
    CHECK(read_all("date;value\n2020-01;1.5\n2020-02;2\n", ';') == expected);
    CHECK(read_all("a,b;c\n1,2;3\n", ';') == Records{{"a,b", "c"}, {"1,2", "3"}});
  }
  SECTION("detection counts the delimiters of the header line") {
    CHECK(read_all("a;b;c,d\n1;2;3,5\n") == Records{{"a", "b", "c,d"}, {"1", "2", "3,5"}});
  }
  SECTION("a single column needs no delimiter") {
    CHECK(read_all("value\n1\n2\n") == Records{{"value"}, {"1"}, {"2"}});
  }
  SECTION("a quote opens a quoted part only at the start of a field, in detection as in reading") {
    // 'size 5"' hid every ';' after it from the count (a review).
    CHECK(read_all("size 5\";date;y\nL;2020;1\n") == Records{{"size 5\"", "date", "y"}, {"L", "2020", "1"}});
    CHECK(read_all("\"a;b\",c,d\n1,2,3\n") == Records{{"a;b", "c", "d"}, {"1", "2", "3"}});
    CHECK(read_all(" \"x \"\"q\"\" ;\",c,d\n1,2,3\n")[0] == std::vector<std::string>{"x \"q\" ;", "c", "d"});
  }
  SECTION("a tab-separated record with a quote keeps its empty fields") {
    // The blanks dropped around a quoted field took the tabs between empty fields (a review).
    CHECK(read_all("date\ty\tnote\n2024-01\t1\tok\n2024-02\t\t\"c, d\"\n\t\"x\"\t\n") ==
          Records{{"date", "y", "note"}, {"2024-01", "1", "ok"}, {"2024-02", "", "c, d"}, {"", "x", ""}});
    CHECK(read_all("a;b\n \"1\" ; 2\n") == Records{{"a", "b"}, {"1", "2"}});  // blanks are still dropped
  }
  SECTION("a tie goes to the delimiter that splits the header into the columns asked for") {
    // "date;sales, EUR": one ';', one ','. A hunt: the history of a model of "sales, EUR" was
    // refused, its header split at the comma.
    TempDir dir;
    const std::string path = dir.write("semi.csv", "date;sales, EUR\n2020-01;1,5\n");
    CHECK(CsvReader(path).header() == std::vector<std::string>{"date;sales", "EUR"});
    CHECK(CsvReader(path, '\0', {"sales, EUR"}).header() == std::vector<std::string>{"date", "sales, EUR"});
    CHECK(CsvReader(dir.write("tab.csv", "date\tsales, EUR\n"), '\0', {"date", "sales, EUR"}).delimiter() == '\t');
    // Columns that no delimiter gives: as detected (the caller names the missing column).
    CHECK(CsvReader(path, '\0', {"units"}).delimiter() == ',');
    // A given delimiter is kept.
    CHECK(CsvReader(path, ',', {"sales, EUR"}).delimiter() == ',');
  }
}

TEST_CASE("csv reader handles quoting, line ends, BOM and blank lines", "[csv]") {
  SECTION("quoted fields keep embedded delimiters and unescape doubled quotes") {
    CHECK(read_all("name,value\n\"Smith, J.\",\"say \"\"hi\"\"\"\n") ==
          Records{{"name", "value"}, {"Smith, J.", "say \"hi\""}});
  }
  SECTION("quoted header names are unquoted") {
    CHECK(read_all("\"date\",\"pm2.5, ug/m3\"\n2020,1\n") == Records{{"date", "pm2.5, ug/m3"}, {"2020", "1"}});
  }
  SECTION("a quoted field may span lines, and later lines keep their physical numbers") {
    const std::string content = "id,note,value\n1,\"two\nlines\",3\n2,plain,4\n";
    CHECK(read_all(content) == Records{{"id", "note", "value"}, {"1", "two\nlines", "3"}, {"2", "plain", "4"}});
    CHECK(record_lines(content) == std::vector<long>{2, 4});
  }
  SECTION("records of empty fields count before a record with a value, and are skipped at the end") {
    const std::string content = "a,b\n1,2\n,\n \"\" , \n\"x, y\",3\n,\n\n , \n";
    CHECK(read_all(content) == Records{{"a", "b"}, {"1", "2"}, {"", ""}, {"", ""}, {"x, y", "3"}});
    CHECK(record_lines(content) == std::vector<long>{2, 3, 4, 5});
    CHECK(read_all("a,b\n,\n,\n") == Records{{"a", "b"}});
  }
  SECTION("in a file of one column a blank line between values is an empty field, at the end nothing") {
    // pandas' Series.to_csv writes a missing value so: skipped, it moved every later row up one
    // (season positions, row numbers) and --missing never saw it (a hunt).
    const std::string content = "v\n\n1\n\n \n2\r\n\r\n3\n\n\n";
    CHECK(read_all(content) == Records{{"v"}, {""}, {"1"}, {""}, {""}, {"2"}, {""}, {"3"}});
    CHECK(record_lines(content) == std::vector<long>{2, 3, 4, 5, 6, 7, 8});
    CHECK(read_all("\n\nv\n1\n\n") == Records{{"v"}, {"1"}});  // before the header: blank lines
    CHECK(read_all("a,b\n1,2\n\n3,4\n") == Records{{"a", "b"}, {"1", "2"}, {"3", "4"}});  // two columns: skipped
  }
  SECTION("Excel's sep= line names the delimiter and is not the header") {
    CHECK(read_all("sep=;\ndate;value\n2020;1,5\n") == Records{{"date", "value"}, {"2020", "1,5"}});
    CHECK(record_lines("sep=,\n\ndate,value\n2020,1\n") == std::vector<long>{4});
    CHECK_THROWS_WITH(read_all("sep=;\ndate;value\n", ','),
                      Catch::Contains("data.csv:1: the file's first line (sep=) names the delimiter ';', but data.delimiter is ','"));
    CHECK_THROWS_WITH(read_all("sep=;\n"), Catch::Contains("the file has only its sep= line"));
    // as a spreadsheet saves it back: quoted, or with the header's empty fields after it
    CHECK(read_all("\"sep=;\"\ndate;value\n2020;1,5\n") == Records{{"date", "value"}, {"2020", "1,5"}});
    CHECK(read_all("sep=;;\ndate;value\n2020;1,5\n") == Records{{"date", "value"}, {"2020", "1,5"}});
    CHECK(read_all("\"sep=;\";\ndate;value\n2020;1,5\n") == Records{{"date", "value"}, {"2020", "1,5"}});
    // a header that only starts like one stays the header
    CHECK(read_all("sep=;x\n1;2\n")[0] == std::vector<std::string>{"sep=", "x"});
  }
  SECTION("an empty quoted field and a quoted field with only quotes") {
    CHECK(read_all("a,b,c\n\"\",\"\"\"\",x\n") == Records{{"a", "b", "c"}, {"", "\"", "x"}});
  }
  SECTION("a quote inside an unquoted field is an ordinary character") {
    CHECK(read_all("a,b\n5'10\",2\n") == Records{{"a", "b"}, {"5'10\"", "2"}});
  }
  SECTION("CRLF line ends are dropped, also inside a quoted field") {
    CHECK(read_all("a,b\r\n1,2\r\n3,\"x\r\ny\"\r\n") == Records{{"a", "b"}, {"1", "2"}, {"3", "x\ny"}});
  }
  SECTION("a UTF-8 byte order mark is dropped") {
    CHECK(read_all("\xEF\xBB\xBF" "date,value\n2020,1\n") == Records{{"date", "value"}, {"2020", "1"}});
  }
  SECTION("blank lines are skipped, before the header too, and lines count them") {
    const std::string content = "\n  \ndate,value\n\n2020,1\n \t\n2021,2\n\n";
    CHECK(read_all(content) == Records{{"date", "value"}, {"2020", "1"}, {"2021", "2"}});
    CHECK(record_lines(content) == std::vector<long>{5, 7});
    TempDir dir;
    CHECK(CsvReader(dir.write("data.csv", content)).header_line() == 3);
  }
  SECTION("the last line may lack its line end") {
    CHECK(read_all("a,b\n1,2") == Records{{"a", "b"}, {"1", "2"}});
  }
  SECTION("the last line may lack its line end, also where the reader's buffer held line ends before") {
    // libfccp looks at the byte past the data, which the reader's sources set to '\0'
    // (csv.cpp end_data). glibc hands out a fresh, zeroed mapping for the 48 MiB buffer unless
    // mmap is off: then a freed heap block is taken again, here one holding line ends and a
    // record, and a last line without its line end was followed by a phantom record read from it,
    // then a scan on through the heap, to its end: SIGSEGV (a sanitizer's allocator is not
    // glibc's: there the test passes either way). The settings hold for this process alone (ctest
    // runs each test case in its own), and glibc's mmap threshold stays fixed in it from here.
    struct GlibcDefaults {
      ~GlibcDefaults() {
        mallopt(M_MMAP_MAX, 65536);
        mallopt(M_TRIM_THRESHOLD, 128 * 1024);
      }
    } restore;
    mallopt(M_MMAP_MAX, 0);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);  // the freed block stays in the heap
    {
      const std::size_t size = std::size_t{4} << 24;  // room for the buffer after smaller blocks
      auto* stale = static_cast<char*>(std::malloc(size));
      REQUIRE(stale != nullptr);
      std::memset(stale, '\n', 4096);
      std::memcpy(stale + 1000, "2020-01-04,4\n", 13);
      asm volatile("" : : "r"(stale) : "memory");  // the compiler keeps the stores and the block
      std::free(stale);
    }
    Records records;
    std::string error;
    try {  // longer than the 32 bytes at the block's start that malloc's lists write over
      records = read_all("date,value\n2020-01-01,1\n2020-01-02,2\n2020-01-03,3");
    } catch (const std::exception& e) {
      error = e.what();
    }
    CHECK(error.empty());
    CHECK(records == Records{{"date", "value"}, {"2020-01-01", "1"}, {"2020-01-02", "2"}, {"2020-01-03", "3"}});
  }
  SECTION("the last line may lack its line end where the byte after it held a line end of the text") {
    // Past 32 MiB libfccp reads 16 MiB blocks into one place: the byte after a short last block
    // is the byte at that offset of the block before. A line end there had the unpatched reader
    // wait for ever on its read-ahead thread (a review).
    constexpr std::size_t kBlock = std::size_t{1} << 24;
    const std::string row = "1234567,7654321\n";  // 16 bytes: line ends at 16 k - 1, as 2 kBlock + 15
    std::string text;
    text.reserve(3 * kBlock + 16);
    while (text.size() < 3 * kBlock + 16) text += row;
    text.pop_back();  // 3 kBlock + 15 bytes, the last line without its line end
    CsvReader reader(CsvText{text, "mem"});
    std::size_t rows = 0;
    while (reader.next()) ++rows;
    CHECK(rows == 3 * kBlock / 16);
  }
  SECTION("spaces around fields are trimmed, inside quotes kept") {
    CHECK(read_all(" a , b \n 1 ,  \" x \"  \n") == Records{{"a", "b"}, {"1", " x "}});
  }
  SECTION("empty fields are kept, also a trailing one") {
    CHECK(read_all("a,b,c\n1,,\n") == Records{{"a", "b", "c"}, {"1", "", ""}});
  }
}

TEST_CASE("csv reader reports malformed files with their location", "[csv]") {
  TempDir dir;
  SECTION("a row with too few fields names the line and both counts") {
    const std::string path = dir.write("data.csv", "date,a,b\n2020,1,2\n2021,1\n");
    CsvReader csv(path);
    REQUIRE(csv.next());
    REQUIRE_THROWS_WITH(csv.next(), Catch::Contains("data.csv:3: expected 3 fields as in the header, found 2"));
  }
  SECTION("a header of one column says one field, not 1 fields") {
    const std::string path = dir.write("data.csv", "value\n1\n2,3\n");
    CsvReader csv(path);
    REQUIRE(csv.next());
    REQUIRE_THROWS_WITH(csv.next(), Catch::Contains("data.csv:3: expected 1 field as in the header, found 2"));
  }
  SECTION("a row with too many fields suggests quoting") {
    const std::string path = dir.write("data.csv", "date,value\n2020,1,234\n");
    CsvReader csv(path);
    REQUIRE_THROWS_WITH(csv.next(), Catch::Contains(":2: expected 2 fields as in the header, found 3") &&
                                        Catch::Contains("quote the value"));
  }
  SECTION("an unterminated quote names the line where it opened") {
    const std::string path = dir.write("data.csv", "id,note\n1,ok\n2,\"never closed\n3,x\n4,y\n");
    CsvReader csv(path);
    REQUIRE(csv.next());
    try {
      csv.next();
      FAIL("no error");
    } catch (const InputError& e) {
      CHECK(e.line() == 3);
      CHECK(e.column() == 2);
      CHECK_THAT(e.what(), Catch::Contains("data.csv:3:2: unterminated quote") &&
                               Catch::Contains("opened on line 3"));
    }
  }
  SECTION("text after a closing quote is an error") {
    const std::string path = dir.write("data.csv", "a,b\n\"x\"y,2\n");
    CsvReader csv(path);
    REQUIRE_THROWS_WITH(csv.next(), Catch::Contains(":2:1: unexpected 'y' after the closing quote"));
  }
  SECTION("an empty file has no header") {
    REQUIRE_THROWS_WITH(CsvReader(dir.write("empty.csv", "")),
                        Catch::Contains("empty.csv: the file is empty; expected a header row"));
    REQUIRE_THROWS_WITH(CsvReader(dir.write("blank.csv", "\n\n  \n")), Catch::Contains("the file is empty"));
  }
  SECTION("a file that cannot be opened is an I/O error naming it") {
    const std::string missing = dir.file("nope.csv");
    REQUIRE_THROWS_AS(CsvReader(missing), IoError);
    REQUIRE_THROWS_WITH(CsvReader(missing), Catch::Contains("nope.csv: cannot open: No such file or directory"));
  }
  SECTION("a folder cannot be read") {
    REQUIRE_THROWS_AS(CsvReader(dir.path()), IoError);
  }
}

TEST_CASE("cells parse as strict finite numbers", "[csv]") {
  double value = 0;
  SECTION("plain decimals, exponents and signs") {
    const std::vector<std::pair<std::string, double>> cases = {
        {"0", 0.0},     {"12", 12.0},      {"-3.25", -3.25},   {"+7", 7.0},     {".5", 0.5},
        {"1.", 1.0},    {"1e3", 1000.0},   {"-2.5E-2", -0.025}, {"0.1", 0.1},   {"123456789012345", 123456789012345.0},
        {"0.30000000000000004", 0.30000000000000004}, {"1234567890.123456789", 1234567890.123456789}};
    for (const auto& [text, expected] : cases) {
      INFO(text);
      REQUIRE(parse_number(text, value) == NumberStatus::ok);
      CHECK(value == expected);
    }
  }
  SECTION("the fast path rounds exactly as from_chars does") {
    for (const char* text : {"0.1", "2014.123", "-999.999", "3.141592653589793", "0.000001", "99999999999999.9"}) {
      INFO(text);
      REQUIRE(parse_number(text, value) == NumberStatus::ok);
      CHECK(value == std::stod(text));
    }
  }
  SECTION("anything else in the field is not a number") {
    for (const char* text :
         {"twelve", "12abc", "1,234", "3,5", "", "-", "+", "+-1", "1e", "0x10", "1 2", " 1", "--1"}) {
      INFO(text);
      CHECK(parse_number(text, value) == NumberStatus::not_a_number);
    }
  }
  SECTION("inf and nan are not finite, 1e400 is out of range, 1e-400 reads as 0") {
    for (const char* text : {"inf", "-inf", "nan", "infinity", "-nan"}) {
      INFO(text);
      CHECK(parse_number(text, value) == NumberStatus::not_finite);
    }
    CHECK(parse_number("1e400", value) == NumberStatus::out_of_range);
    CHECK(parse_number("-1e400", value) == NumberStatus::out_of_range);
    CHECK(parse_number(std::string(400, '9'), value) == NumberStatus::out_of_range);
    REQUIRE(parse_number("1e-400", value) == NumberStatus::ok);
    CHECK(value == 0.0);
    REQUIRE(parse_number("0." + std::string(400, '0') + "1", value) == NumberStatus::ok);
    CHECK(value == 0.0);
  }
  SECTION("a zero reads as +0 whatever its sign, on every path") {
    for (const char* text : {"-0", "-0.0", "-0e5", "-1e-400", "-0." "0000000000000000000000", "+0", "0"}) {
      INFO(text);
      value = 1;
      REQUIRE(parse_number(text, value) == NumberStatus::ok);
      CHECK(value == 0.0);
      CHECK_FALSE(std::signbit(value));
    }
  }
  SECTION("missing-value markers are matched in any letter case") {
    for (const char* text : {"", "NA", "N/A", "#N/A", "NaN", "null", "NULL", "nan", "NAN", "na", "n/a", "Null"})
      CHECK(is_missing_marker(text));
    for (const char* text : {"None", "0", "-", "inf", "nana", "n\x0f" "a", "-nan"}) CHECK_FALSE(is_missing_marker(text));
  }
  SECTION("thousands separators and decimal commas get a hint") {
    CHECK(number_hint("12,345,678") == "(thousands separators are not supported: write 12345678)");
    CHECK(number_hint("-1,234.5") == "(thousands separators are not supported: write -1234.5)");
    CHECK_THAT(number_hint("1,234"), Catch::Contains("a thousands separator or a decimal comma? write 1234 or 1.234"));
    CHECK_THAT(number_hint("3,5"), Catch::StartsWith("(a decimal comma? write 3.5;") && Catch::Contains("';'"));
    CHECK_THAT(number_hint("1.234,56"), Catch::StartsWith("(a decimal comma? write 1234.56;"));
    CHECK_THAT(number_hint("-0,25"), Catch::StartsWith("(a decimal comma? write -0.25;"));
    for (const char* text : {"twelve", "12abc", ",5", "1,a", "a,1", "1,", ""}) {
      INFO(text);
      CHECK(number_hint(text).empty());
    }
  }
}

// The text check: what is not UTF-8 CSV text is refused as it is read, naming the line.
namespace {
std::string read_error(const std::string& content) {
  TempDir dir;
  try {
    CsvReader csv(dir.write("data.csv", content));
    while (csv.next()) {
    }
  } catch (const lstmf::InputError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("csv reader accepts a UTF-8 BOM, CRLF line ends and UTF-8 text", "[csv]") {
  CHECK(read_all("\xEF\xBB\xBF" "date,value\r\n2020,1\r\n") == Records{{"date", "value"}, {"2020", "1"}});
  CHECK(read_all("date,temp\xC3\xA9rature \xE2\x82\xAC\n2020,1\n") ==
        Records{{"date", "temp\xC3\xA9rature \xE2\x82\xAC"}, {"2020", "1"}});
  CHECK(read_all("a,\xF0\x9F\x93\x88\n1,2\n") == Records{{"a", "\xF0\x9F\x93\x88"}, {"1", "2"}});
}

TEST_CASE("csv reader refuses what is not UTF-8 text, with the line", "[csv]") {
  SECTION("a NUL byte, even where libfccp would end the line") {
    CHECK_THAT(read_error(std::string("a,b\n1,2\n3,4\0" "5\n", 15)),
               Catch::Contains(":3: expected CSV text, found a NUL byte (0x00) at byte 4 of the line"));
  }
  SECTION("Latin-1 text, at the byte that begins the bad sequence") {
    CHECK_THAT(read_error("a,temp\xE9rature\n1,2\n"),
               Catch::Contains(":1: expected UTF-8 text, found the byte 0xE9 at byte 7 of the line") &&
                   Catch::Contains("iconv -f WINDOWS-1252"));
    // A byte order mark is not counted among the first line's bytes.
    CHECK_THAT(read_error("\xEF\xBB\xBF" "a,temp\xE9rature\n1,2\n"), Catch::Contains(":1: expected UTF-8 text, found the byte 0xE9 at byte 7 of"));
  }
  SECTION("overlong forms, surrogates and stray continuation bytes") {
    CHECK_THAT(read_error("a,b\n1,\xC0\xAF\n"), Catch::Contains(":2: expected UTF-8 text, found the byte 0xC0"));
    CHECK_THAT(read_error("a,b\n1,\xED\xA0\x80\n"), Catch::Contains(":2: expected UTF-8 text, found the byte 0xED"));
    CHECK_THAT(read_error("a,b\n1,\x80\n"), Catch::Contains(":2: expected UTF-8 text, found the byte 0x80 at byte 3"));
    CHECK_THAT(read_error("a,b\n1,\xE2\x82"), Catch::Contains(":2: expected UTF-8 text, found a character cut off"));
  }
  SECTION("files that are not text, told by their first bytes") {
    CHECK_THAT(read_error("\x1F\x8B\x08\x00rest"), Catch::Contains("found a gzip-compressed file"));
    CHECK_THAT(read_error("PK\x03\x04rest"), Catch::Contains("Excel .xlsx workbook"));
    CHECK_THAT(read_error("\xFF\xFE" "a\0,\0b\0"), Catch::Contains("found UTF-16 text"));
    CHECK_THAT(read_error("a,b\r1,2\r"), Catch::Contains("found CR alone (old Mac line ends)"));
    std::string binary;
    for (int i = 0; i < 1000; ++i) binary += static_cast<char>((i * 37) % 256);
    CHECK_THAT(read_error(binary), Catch::Contains("found binary data"));
  }
  SECTION("a check across read chunks keeps the line count (a file larger than libfccp's 32 MiB first read)") {
    std::string big = "a,b\n";
    const std::string row = "1234567,7654321\n";
    while (big.size() < (std::size_t{40} << 20)) big += row;
    const long lines = static_cast<long>(big.size() / row.size()) + 1;
    big += "1,\xFF\n";
    CHECK_THAT(read_error(big), Catch::Contains(":" + std::to_string(lines + 1) + ": expected UTF-8 text"));
  }
}

TEST_CASE("csv reader refuses a line longer than its 16 MiB limit, with the line", "[csv]") {
  const std::string content = "a,b\n1,2\n3," + std::string(std::size_t{17} << 20, '4') + "\n";
  CHECK_THAT(read_error(content), Catch::Contains(":3: line too long: the CSV reader takes lines shorter than 16 MiB"));
}

TEST_CASE("csv reader says JSON is not CSV", "[csv]") {
  CHECK_THAT(read_error("[{\"a\": 1}]\n"), Catch::Contains("expected CSV text, found JSON"));
  CHECK_THAT(read_error("\n  {\"a\": 1}\n{\"a\": 2}\n"), Catch::Contains("expected CSV text, found JSON"));
  // A header that begins with a bracket is a header (it was refused as JSON: a review).
  CHECK(read_all("[t],y\n1,2\n") == Records{{"[t]", "y"}, {"1", "2"}});
  CHECK(read_all("{id},date,y\na,2020,1\n") == Records{{"{id}", "date", "y"}, {"a", "2020", "1"}});
  CHECK(read_all("[truck],y\n1,2\n")[0] == std::vector<std::string>{"[truck]", "y"});
  for (const std::string json : {"[1, 2]", "[ {\"a\": 1} ]", "[true]", "[null,", "[]", "{}", "{", "\xEF\xBB\xBF [\"x\"]", "[-1]"}) {
    INFO(json);
    CHECK(begins_as_json(json));
  }
  for (const std::string csv : {"[t],y", "{id},date", "date,[x]", "", "  ", "[truck],y", "{ id }"}) {
    INFO(csv);
    CHECK_FALSE(begins_as_json(csv));
  }
}

TEST_CASE("csv_record writes fields the reader reads back as they were", "[csv]") {
  const std::vector<std::string> header = {"id", "sales, EUR", "say \"hi\""};
  const std::vector<std::vector<std::string>> rows = {
      {"plain", "1.5", ""}, {"a,b", "two\nlines", "\"quoted\""}, {" spaced ", "\ttab", "c\rr"}, {"", "x", "\"\""}};
  std::string text = csv_record(header) + "\n";
  for (const auto& row : rows) text += csv_record(row) + "\n";
  CsvReader reader(CsvText{text, "mem"}, ',');
  CHECK(reader.header() == header);
  for (const auto& row : rows) {
    REQUIRE(reader.next());
    CHECK(std::vector<std::string>(reader.fields().begin(), reader.fields().end()) == row);
  }
  CHECK_FALSE(reader.next());
  CHECK(csv_field("plain") == "plain");  // quoted only where it must be
  CHECK(csv_field("a,b") == "\"a,b\"");
  // A header beginning '{' or '[' began a file the reader (and merge) took for JSON (a review).
  for (const std::string first : {"{id}", "[x]"}) {
    INFO(first);
    const std::string file = csv_record({first, "y"}) + "\n" + csv_record({"{a}", "1"}) + "\n";
    CsvReader braces(CsvText{file, "mem"}, '\0');
    CHECK(braces.header() == std::vector<std::string>{first, "y"});
    REQUIRE(braces.next());
    CHECK(braces.field(0) == "{a}");
  }
}

// libfccp moves its buffer by a block (16 MiB) once a line starts past the first: a record whose
// quoted line break crosses that point leaves its first line's pointer on other text (a hunt at the
// block boundaries, 2026-12-07). The error hints and the header's delimiter retry read that line.
TEST_CASE("a quoted line break across libfccp's 16 MiB block keeps the record's first line for the hints", "[csv]") {
  constexpr std::size_t kBlock = std::size_t{1} << 24;
  SECTION("a ragged record of a CRLF file gets the hint of its own text") {
    std::string text = "date,value,note\r\n";
    long row = 1;
    while (text.size() < kBlock - 40) text += std::to_string(row) + "," + std::to_string(row) + ",\r\n", ++row;
    const long bad_line = row + 1;
    text += std::to_string(row) + "," + std::to_string(row) + ",\"ab" + std::string(60, 'x') + "\r\ncd\",extra\r\n";
    ++row;
    while (text.size() < 2 * kBlock + 1000) text += std::to_string(row) + "," + std::to_string(row) + ",\r\n", ++row;
    CsvReader reader(CsvText{text, "mem"}, ',');
    std::string error;
    try {
      while (reader.next()) {
      }
    } catch (const InputError& e) {
      error = e.what();
    }
    CHECK_THAT(error, Catch::Contains("mem:" + std::to_string(bad_line) + ": expected 3 fields as in the header, found 4") &&
                          Catch::Contains("a ',' inside a value?") && !Catch::Contains("carriage return"));
  }
  SECTION("a header with a quoted line break is not split again by the bytes after the move") {
    std::string text(kBlock - 20, '\n');
    const std::string name = "va" + std::string(30, 'x') + "\nlue";
    text += "date;\"" + name.substr(0, 32) + "\n" + name.substr(33) + "\"\n";
    for (long row = 1; text.size() < 2 * kBlock + 5000; ++row) text += std::to_string(row) + ";" + std::to_string(row) + "\n";
    CsvReader reader(CsvText{text, "mem"}, '\0', {"value"});
    CHECK(reader.header() == std::vector<std::string>{"date", name});
    REQUIRE(reader.next());
    CHECK(reader.field(0) == "1");
  }
}

TEST_CASE("csv text in memory reads as the same file does, with the same checks", "[csv]") {
  const std::vector<std::string> texts = {"a,b\n1,2\n", "\xEF\xBB\xBFx;y\r\n\"q;1\";2\r\n\r\n3;4\r\n", "t\tv\n1\t\"a\nb\"\n"};
  for (const std::string& text : texts) {
    INFO(text);
    CsvReader memory(CsvText{text, "mem"});
    std::vector<std::vector<std::string>> records{memory.header()};
    while (memory.next()) records.emplace_back(memory.fields().begin(), memory.fields().end());
    CHECK(records == read_all(text));
    CHECK(memory.source() == "mem");
  }
  // Text checks and record errors name the source given.
  CHECK_THROWS_WITH(CsvReader(CsvText{"a,b\n1,\xC3\n", "mem"}), Catch::Contains("mem:2") && Catch::Contains("UTF-8"));
  CHECK_THROWS_WITH(CsvReader(CsvText{"", "mem"}), Catch::Contains("mem") && Catch::Contains("empty"));
  CsvReader ragged(CsvText{"a,b\n1,2\n3\n", "mem"});
  CHECK(ragged.next());
  CHECK_THROWS_WITH(ragged.next(), Catch::Contains("mem:3: expected 2 fields as in the header, found 1"));
}
