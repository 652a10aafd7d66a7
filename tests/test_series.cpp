#include <catch2/catch.hpp>

#include <cmath>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "lstmf/error.hpp"
#include "lstmf/series.hpp"
#include "support.hpp"

using namespace lstmf;
using lstmf::test::TempDir;
using lstmf::test::source_path;
using lstmf::test::year_month;

namespace {

DataConfig config_for(const std::string& path, std::vector<std::string> targets,
                      std::vector<std::string> features = {}, std::string time_column = "date",
                      MissingPolicy missing = MissingPolicy::error) {
  DataConfig data;
  data.path = path;
  data.targets = std::move(targets);
  data.features = std::move(features);
  data.time_column = std::move(time_column);
  data.missing = missing;
  return data;
}

// The one series of `content` written to a temporary data.csv.
Series load_text(const std::string& content, std::vector<std::string> targets,
                 std::vector<std::string> features = {}, std::string time_column = "date",
                 MissingPolicy missing = MissingPolicy::error) {
  TempDir dir;
  const SeriesSet set = load_series(config_for(dir.write("data.csv", content), std::move(targets),
                                               std::move(features), std::move(time_column), missing));
  REQUIRE(set.series.size() == 1);
  return set.series.front();
}

// The InputError that loading `content` throws (the test fails when it loads).
InputError load_error(const std::string& content, std::vector<std::string> targets,
                      std::vector<std::string> features = {}, std::string time_column = "date",
                      MissingPolicy missing = MissingPolicy::error) {
  TempDir dir;
  try {
    load_series(config_for(dir.write("data.csv", content), std::move(targets), std::move(features),
                           std::move(time_column), missing));
  } catch (const InputError& e) {
    return e;
  }
  FAIL("loaded without an error");
  throw std::logic_error("unreachable");
}

std::vector<double> column(const Series& series, int c) {
  std::vector<double> out;
  for (long r = 0; r < series.rows(); ++r) out.push_back(series.values(r, c));
  return out;
}

std::vector<std::string> written_ticks(const Series& series) {
  std::vector<std::string> out;
  for (const auto tick : series.time.ticks) out.push_back(series.time.format_tick(tick));
  return out;
}

}  // namespace

TEST_CASE("series load the selected columns, targets first", "[series]") {
  SECTION("targets then features, in the order given, whatever the file's order") {
    const Series series = load_text("a,date,b,c\n1,2020-01,2,3\n4,2020-02,5,6\n", {"c"}, {"a", "b"});
    CHECK(series.columns == std::vector<std::string>{"c", "a", "b"});
    CHECK(series.n_targets == 1);
    REQUIRE(series.rows() == 2);
    CHECK(column(series, 0) == std::vector<double>{3, 6});
    CHECK(column(series, 1) == std::vector<double>{1, 4});
    CHECK(column(series, 2) == std::vector<double>{2, 5});
    CHECK(series.first_line == 2);
    CHECK(series.id.empty());
  }
  SECTION("the set names the file and the time column") {
    TempDir dir;
    const std::string path = dir.write("data.csv", "date,value\n2020,1\n2021,2\n");
    const SeriesSet set = load_series(config_for(path, {"value"}));
    CHECK(set.source == path);
    CHECK(set.time_column == "date");
  }
  SECTION("without a time column the index is empty") {
    const Series series = load_text("value\n1\n2\n3\n", {"value"}, {}, "");
    CHECK(series.rows() == 3);
    CHECK(series.time.format.kind == TimeKind::none);
    CHECK(series.time.ticks.empty());
    CHECK(series.time.frequency.unit == Frequency::Unit::none);
  }
  SECTION("semicolon files with quoted fields, CRLF, BOM and blank lines load") {
    const Series series =
        load_text("\xEF\xBB\xBF\"date\";\"value\"\r\n\r\n2020-01;\" 1.5 \"\r\n2020-02;2\r\n", {"value"});
    CHECK(column(series, 0) == std::vector<double>{1.5, 2});
    CHECK(series.first_line == 3);
  }
  SECTION("a tab-separated file loads") {
    CHECK(column(load_text("date\tvalue\n2020\t1\n2021\t2\n", {"value"}), 0) == std::vector<double>{1, 2});
  }
  SECTION("a column name with a delimiter in it can be selected when quoted") {
    const Series series = load_text("date,\"temp, C\"\n2020,1\n2021,2\n", {"temp, C"});
    CHECK(series.columns == std::vector<std::string>{"temp, C"});
  }
  SECTION("duplicate header names are fine while not selected") {
    CHECK(load_text("date,x,x,value\n2020,a,b,1\n", {"value"}).rows() == 1);
  }
}

TEST_CASE("series report bad numbers with file, line and column", "[series]") {
  SECTION("non-numeric text names the column and the text") {
    const InputError e = load_error("date,value\n2020-01,1\n2020-02,twelve\n", {"value"});
    CHECK(e.line() == 3);
    CHECK(e.column() == 2);
    CHECK_THAT(e.what(), Catch::EndsWith("data.csv:3:2: expected a number in column 'value', found 'twelve'"));
  }
  SECTION("the column is the field number in the file") {
    const InputError e = load_error("a,b,date,c\n1,2,2020,x\n", {"c"}, {"a"});
    CHECK(e.column() == 4);
  }
  SECTION("a thousands separator gets a hint") {
    CHECK_THAT(load_error("date,value\n2020,\"1,234,567\"\n", {"value"}).what(),
               Catch::Contains("found '1,234,567' (thousands separators are not supported: write 1234567)"));
  }
  SECTION("a decimal comma gets a hint about ';' files") {
    CHECK_THAT(load_error("date;value\n2020;3,5\n", {"value"}).what(),
               Catch::Contains(":2:2: expected a number in column 'value', found '3,5' (a decimal comma? write 3.5") &&
                   Catch::Contains("';' as the delimiter"));
  }
  SECTION("inf, nan and 1e400 are not finite") {
    CHECK_THAT(load_error("date,value\n2020,inf\n", {"value"}).what(),
               Catch::Contains(":2:2: expected a finite number in column 'value', found 'inf'"));
    CHECK_THAT(load_error("date,value\n2020,-nan\n", {"value"}).what(),
               Catch::Contains("found '-nan' (for a missing value write NA"));
    CHECK_THAT(load_error("date,value\n2020,1\n2021,1e400\n", {"value"}).what(),
               Catch::Contains(":3:2: expected a finite number in column 'value', found '1e400' (beyond the range"));
  }
  SECTION("spaces around a number are trimmed") {
    CHECK(column(load_text("date,value\n2020,  7.5 \n", {"value"}), 0) == std::vector<double>{7.5});
  }
}

TEST_CASE("series report structural problems clearly", "[series]") {
  SECTION("a ragged row names the line and the field counts") {
    CHECK_THAT(load_error("date,a,b\n2020,1,2\n2021,1\n", {"a"}).what(),
               Catch::Contains("data.csv:3: expected 3 fields as in the header, found 2"));
    CHECK_THAT(load_error("date,a\n2020,1\n2021,1,2\n", {"a"}).what(),
               Catch::Contains("data.csv:3: expected 2 fields as in the header, found 3"));
  }
  SECTION("a header alone has no data rows") {
    CHECK_THAT(load_error("date,value\n", {"value"}).what(),
               Catch::Contains("data.csv: no data rows: the file has a header (line 1) and nothing after it"));
    CHECK_THAT(load_error("date,value\n\n\n", {"value"}).what(), Catch::Contains("no data rows"));
  }
  SECTION("an empty file has no header") {
    CHECK_THAT(load_error("", {"value"}).what(), Catch::Contains("data.csv: the file is empty"));
  }
  SECTION("an unterminated quote names the line it opened on") {
    const InputError e = load_error("date,value\n2020,1\n2021,\"2\n2022,3\n", {"value"});
    CHECK(e.line() == 3);
    CHECK_THAT(e.what(), Catch::Contains("unterminated quote"));
  }
  SECTION("a file that cannot be opened is an I/O error") {
    TempDir dir;
    REQUIRE_THROWS_AS(load_series(config_for(dir.file("absent.csv"), {"value"})), IoError);
    REQUIRE_THROWS_WITH(load_series(config_for(dir.file("absent.csv"), {"value"})), Catch::Contains("absent.csv"));
  }
  SECTION("no target is an error before the file is read") {
    REQUIRE_THROWS_WITH(load_series(config_for("whatever.csv", {})), Catch::Contains("no target column"));
  }
  SECTION("an unknown delimiter setting is refused") {
    TempDir dir;
    DataConfig data = config_for(dir.write("data.csv", "date,value\n2020,1\n"), {"value"});
    data.delimiter = "|";
    REQUIRE_THROWS_WITH(load_series(data), Catch::Contains("data.delimiter"));
  }
}

TEST_CASE("series name missing and ambiguous columns", "[series]") {
  SECTION("a missing column lists the columns and suggests a close name") {
    const InputError e = load_error("date,value,other\n2020,1,2\n", {"vale"});
    CHECK(e.file().find("data.csv") != std::string::npos);
    CHECK_THAT(e.what(), Catch::Contains("data.csv:1: target column 'vale' is not in the header (did you mean "
                                         "'value'?); the columns are: date, value, other"));
  }
  SECTION("a case difference is suggested too") {
    CHECK_THAT(load_error("date,PM25\n2020,1\n", {"pm25"}).what(), Catch::Contains("(did you mean 'PM25'?)"));
  }
  SECTION("a name far from all columns gets no suggestion") {
    const std::string what = load_error("date,value\n2020,1\n", {"value"}, {"temperature"}).what();
    CHECK_THAT(what, Catch::Contains("feature column 'temperature' is not in the header; "
                                     "the columns are: date, value"));
    CHECK_THAT(what, !Catch::Contains("did you mean"));
  }
  SECTION("a missing time column says it is the time column") {
    CHECK_THAT(load_error("day,value\n2020,1\n", {"value"}).what(),
               Catch::Contains("time column 'date' is not in the header"));
  }
  SECTION("a header read as one column hints at the delimiter") {
    TempDir dir;
    DataConfig data = config_for(dir.write("data.csv", "date;value\n2020;1\n"), {"value"});
    data.delimiter = ",";
    REQUIRE_THROWS_WITH(load_series(data), Catch::Contains("the columns are: date;value") &&
                                               Catch::Contains("is the delimiter right?"));
  }
  SECTION("a selected name that the header has twice is an error") {
    const InputError e = load_error("date,x,value,x\n2020,1,2,3\n", {"x"});
    CHECK(e.line() == 1);
    CHECK(e.column() == 4);
    CHECK_THAT(e.what(), Catch::Contains("column 'x' appears 2 times in the header (fields 2 and 4)"));
  }
  SECTION("a column selected twice is an error") {
    CHECK_THAT(load_error("date,x,y\n2020,1,2\n", {"x"}, {"y", "x"}).what(),
               Catch::Contains("data.csv: column 'x' is selected twice (as a target and as a feature)"));
    CHECK_THAT(load_error("date,x,y\n2020,1,2\n", {"x", "x"}).what(),
               Catch::Contains("column 'x' is selected twice (as a target and as a target)"));
    CHECK_THAT(load_error("date,x\n2020,1\n", {"x"}, {"date"}).what(),
               Catch::Contains("column 'date' is selected twice (as a feature and as the time column)"));
  }
}

TEST_CASE("series apply the missing-value policy", "[series]") {
  const std::string content = "date,a,b\n1,NA,10\n2,2,\n3,,30\n4,NaN,null\n5,8,50\n6,N/A,NULL\n";
  SECTION("policy error names the line, the column and the fix") {
    const InputError e = load_error(content, {"a"}, {"b"}, "date");
    CHECK(e.line() == 2);
    CHECK(e.column() == 2);
    CHECK_THAT(e.what(), Catch::EndsWith(
                             "data.csv:2:2: missing value in column 'a'; set data.missing to interpolate or ffill (--missing)"));
  }
  SECTION("interpolate is linear in row position; rows before the target's first value and after its last go") {
    const Series series = load_text(content, {"a"}, {"b"}, "date", MissingPolicy::interpolate);
    // Rows 1 and 6 have no target: the series runs from 2 to 5 (times too), not copies of 2 and 8.
    CHECK(series.dropped.leading == 1);
    CHECK(series.dropped.trailing == 1);
    CHECK(series.first_line == 3);
    CHECK(column(series, 0) == std::vector<double>{2, 4, 6, 8});
    // A feature missing at the new start is filled from the values around it, the row not read too.
    CHECK(column(series, 1) == std::vector<double>{20, 30, 40, 50});
    CHECK(series.time.ticks == std::vector<std::int64_t>{2, 3, 4, 5});
    // The first target's filled rows are marked (the protocol scores only values the file holds).
    CHECK(series.target_filled == std::vector<std::vector<bool>>{{false, true, true, false}});
  }
  SECTION("a blank line in a file of one column is its missing value, in its place") {
    const std::string one = "a\n1\n2\n\n4\n\n";  // as pandas' Series.to_csv writes NaN
    const InputError e = load_error(one, {"a"}, {}, "");
    CHECK(e.line() == 4);
    CHECK_THAT(e.what(), Catch::Contains("data.csv:4:1: missing value in column 'a'"));
    CHECK(column(load_text(one, {"a"}, {}, "", MissingPolicy::interpolate), 0) == std::vector<double>{1, 2, 3, 4});
  }
  SECTION("ffill carries values forward; the same rows go") {
    const Series series = load_text(content, {"a"}, {"b"}, "date", MissingPolicy::ffill);
    CHECK(column(series, 0) == std::vector<double>{2, 2, 2, 8});
    CHECK(column(series, 1) == std::vector<double>{10, 30, 30, 50});
    CHECK(load_text("date,a\n1,1\n2,2\n", {"a"}, {}, "date", MissingPolicy::ffill).target_filled.empty());
    // A history with its future rows left empty ends at its last value; a feature there goes too.
    const Series future = load_text("date,a,b\n1,1,5\n2,2,6\n3,,7\n4,,8\n", {"a"}, {"b"}, "date", MissingPolicy::ffill);
    CHECK(future.rows() == 2);
    CHECK(future.dropped.trailing == 2);
    CHECK(column(future, 1) == std::vector<double>{5, 6});
  }
  SECTION("without a time column leading rows stay (filled): rows are the periods") {
    const Series series = load_text("a,b\n,1\n2,2\n3,3\n,4\n", {"a"}, {"b"}, "", MissingPolicy::interpolate);
    CHECK(series.dropped.leading == 0);
    CHECK(series.dropped.trailing == 1);
    CHECK(column(series, 0) == std::vector<double>{2, 2, 3});
  }
  SECTION("many series: the note names the first three") {
    SeriesSet set;
    for (const char* id : {"A", "B", "C", "D", "E"}) {
      Series s;
      s.id = id;
      s.dropped.trailing = std::string(id) == "B" ? 0 : 1;
      set.series.push_back(s);
    }
    CHECK(dropped_rows_note(set) ==
          "rows without a target value not read in 4 series ('A': 1 trailing row; 'C': 1 trailing row; 'D': 1 trailing row; ...)");
    CHECK(dropped_rows_note(SeriesSet{}).empty());
    CHECK(dropped_rows_note({2, 3, "", ""}) == "2 leading and 3 trailing rows without a target value not read");
  }
  SECTION("rows outside any one column's values go, named by that column: nothing is copied past a column's ends") {
    const Series series = load_text("date,a,b\n1,,1\n2,2,2\n3,3,\n4,,\n", {"a", "b"}, {}, "date", MissingPolicy::interpolate);
    CHECK(series.dropped.leading == 1);
    CHECK(series.dropped.trailing == 2);
    CHECK(column(series, 0) == std::vector<double>{2});
    CHECK(column(series, 1) == std::vector<double>{2});
    CHECK(dropped_rows_note(series.dropped) ==
          "1 leading row (before the first value of 'a') and 2 trailing rows (after the last value of 'b') not read");
    // A feature that starts late, with the target there: named; rows empty of every target: as before.
    const Series late = load_text("date,y,f\n1,1,\n2,2,\n3,3,7\n4,4,8\n5,,\n", {"y"}, {"f"}, "date", MissingPolicy::ffill);
    CHECK(column(late, 0) == std::vector<double>{3, 4});
    CHECK(dropped_rows_note(late.dropped) == "2 leading rows (before the first value of 'f') and 1 trailing row (without a target value) not read");
    SeriesSet set;
    set.series = {late, late};
    set.series[0].id = "A";
    set.series[1].id = "B";
    CHECK(dropped_rows_note(set) == "rows outside the columns' values not read in 2 series ('A': 2 leading rows (before the first "
                                    "value of 'f') and 1 trailing row (without a target value); 'B': 2 leading rows (before the "
                                    "first value of 'f') and 1 trailing row (without a target value))");
  }
  SECTION("a column with no value at all is an error under any policy") {
    CHECK_THAT(load_error("date,a,b\n1,1,NA\n2,2,\n", {"a"}, {"b"}, "date", MissingPolicy::interpolate).what(),
               Catch::Contains("data.csv: column 'b' has no values: all 2 rows are missing"));
    CHECK_THAT(load_error("date,a\n1,NA\n", {"a"}, {}, "date", MissingPolicy::ffill).what(),
               Catch::Contains("column 'a' has no values"));
    // a feature whose only value sits in a row after the target's last one: nothing to fill between
    CHECK_THAT(load_error("date,a,b\n1,1,\n2,2,\n3,,5\n", {"a"}, {"b"}, "date", MissingPolicy::interpolate).what(),
               Catch::EndsWith("data.csv:4:3: column 'b' starts on line 4, after the last value of column 'a' (line 3): the columns "
                               "share no row with values, and --missing fills between a column's values only"));
  }
  SECTION("a long-format series whose columns share no row is skipped as one with an empty column is") {
    TempDir dir;
    DataConfig data = config_for(dir.write("long.csv", "id,date,y,f\na,1,1,1\na,2,2,2\nb,1,1,\nb,2,,2\n"), {"y"}, {"f"},
                                 "date", MissingPolicy::interpolate);
    data.series_column = "id";
    const SeriesSet set = load_series(data, nullptr, true);
    REQUIRE(set.series.size() == 1);
    REQUIRE(set.empty.size() == 1);
    CHECK(set.empty.front().first == "b");
    CHECK_THAT(set.empty.front().second, Catch::Contains("column 'f' starts on line 5, after the last value of column 'y' (line 4)"));
    CHECK_THROWS_WITH(load_series(data), Catch::Contains("long.csv:5:4: series 'b': column 'f' starts on line 5"));
  }
  SECTION("an unselected column may hold anything") {
    CHECK(load_text("date,a,notes\n1,1,hello\n2,2,\n", {"a"}).rows() == 2);
  }
}

TEST_CASE("series check the time column", "[series]") {
  SECTION("each form is read and written back as given") {
    CHECK(written_ticks(load_text("date,v\n1949-01,1\n1949-02,2\n", {"v"})) ==
          std::vector<std::string>{"1949-01", "1949-02"});
    CHECK(written_ticks(load_text("date,v\n2014-12-31 22:00,1\n2014-12-31 23:00,2\n", {"v"})) ==
          std::vector<std::string>{"2014-12-31 22:00", "2014-12-31 23:00"});
    CHECK(written_ticks(load_text("date,v\n2024-01-31T13:00:00Z,1\n2024-01-31T14:00:00Z,2\n", {"v"})) ==
          std::vector<std::string>{"2024-01-31T13:00:00Z", "2024-01-31T14:00:00Z"});
    CHECK(written_ticks(load_text("date,v\n2024-01-31 13:00:00,1\n2024-01-31 13:00:10,2\n", {"v"})) ==
          std::vector<std::string>{"2024-01-31 13:00:00", "2024-01-31 13:00:10"});
    CHECK(written_ticks(load_text("date,v\n2024-01-30,1\n2024-01-31,2\n", {"v"})) ==
          std::vector<std::string>{"2024-01-30", "2024-01-31"});
    CHECK(written_ticks(load_text("t,v\n1,1\n2,2\n", {"v"}, {}, "t")) == std::vector<std::string>{"1", "2"});
  }
  SECTION("four-digit numbers among other whole numbers are integer periods") {
    const Series series = load_text("t,v\n998,1\n999,2\n1000,3\n1001,4\n", {"v"}, {}, "t");
    CHECK(series.time.format.kind == TimeKind::integer);
    CHECK(series.time.ticks == std::vector<std::int64_t>{998, 999, 1000, 1001});
    const Series late = load_text("t,v\n9998,1\n9999,2\n10000,3\n", {"v"}, {}, "t");
    CHECK(late.time.format.kind == TimeKind::integer);
    CHECK(late.time.ticks == std::vector<std::int64_t>{9998, 9999, 10000});
  }
  SECTION("an unparseable time names the line and says why") {
    const InputError e = load_error("date,v\n2023-02-27,1\n2023-02-28,2\n2023-02-30,3\n", {"v"});
    CHECK(e.line() == 4);
    CHECK(e.column() == 1);
    CHECK_THAT(e.what(), Catch::Contains("data.csv:4:1: expected a time in column 'date', found '2023-02-30' "
                                         "(day 30 is not in February 2023, which has 28 days)"));
    CHECK_THAT(load_error("date,v\nyesterday,1\n", {"v"}).what(), Catch::Contains("found 'yesterday' (the forms"));
  }
  SECTION("an empty time is an error under any policy") {
    CHECK_THAT(load_error("date,v\n2020,1\n,2\n", {"v"}, {}, "date", MissingPolicy::interpolate).what(),
               Catch::Contains(":3:1: missing time in column 'date'"));
  }
  SECTION("mixed forms are an error naming the first row's form") {
    CHECK_THAT(load_error("date,v\n2024-01-01,1\n2024-01-02 00:00,2\n", {"v"}).what(),
               Catch::Contains(":3:1: time '2024-01-02 00:00' is not written like '2024-01-01' on line 2"));
  }
  SECTION("a duplicate time names both lines") {
    CHECK_THAT(load_error("date,v\n2020-01,1\n2020-02,2\n2020-02,3\n", {"v"}).what(),
               Catch::Contains(":4:1: duplicate time '2020-02' in column 'date' (also on line 3)"));
  }
  SECTION("a decreasing time names both values") {
    CHECK_THAT(load_error("date,v\n2020-01,1\n2020-03,2\n2020-02,3\n", {"v"}).what(),
               Catch::Contains(":4:1: time '2020-02' comes before '2020-03' on line 3"));
  }
  SECTION("a step that is not a whole number of steps is irregular") {
    CHECK_THAT(
        load_error("date,v\n2020-01-01 00:00,1\n2020-01-01 01:00,2\n2020-01-01 02:00,3\n2020-01-01 02:30,4\n", {"v"})
            .what(),
        Catch::Contains(":5:1: irregular time step in column 'date': from '2020-01-01 02:00' (line 4) to "
                        "'2020-01-01 02:30' is 30 minutes, not a whole number of the column's steps (hourly)"));
    // Whole years are said in years (a hunt: "is 12 months, not a whole number of ... (2 years)").
    CHECK_THAT(load_error("year,v\n2000,1\n2002,2\n2004,3\n2005,4\n", {"v"}, {}, "year").what(),
               Catch::Contains("from '2004' (line 4) to '2005' is 1 year, not a whole number of the column's steps (2 years)"));
  }
  SECTION("monthly dates but for one name that one, not the first step it breaks") {
    std::string text = "date,v\n";
    for (int t = 0; t < 24; ++t) text += year_month(2020, t) + (t == 15 ? "-15" : "-01") + "," + std::to_string(t) + "\n";
    const InputError e = load_error(text, {"v"});
    CHECK(e.line() == 17);
    CHECK_THAT(e.what(), Catch::Contains("'2021-04-15' is off the monthly grid the other dates keep (as '2020-01-01' on line 2)"));
    // Month ends are one place on the grid, whatever the month's length.
    std::string ends = "date,v\n2020-01-31,1\n2020-02-29,2\n2020-03-31,3\n2020-04-30,4\n2020-05-31,5\n2020-06-30,6\n"
                       "2020-07-31,7\n2020-08-31,8\n2020-09-30,9\n2020-10-31,10\n2020-11-29,11\n2020-12-31,12\n";
    CHECK_THAT(load_error(ends, {"v"}).what(), Catch::Contains("'2020-11-29' is off the monthly grid"));
    // The date it is compared with is one on the grid, also when the first dates are off it.
    std::string early = "date,v\n2000-01-15,0\n2000-02-15,1\n";
    for (int t = 2; t < 24; ++t) early += year_month(2000, t) + "-01," + std::to_string(t) + "\n";
    CHECK_THAT(load_error(early, {"v"}).what(), Catch::Contains("'2000-01-15' is off the monthly grid the other dates keep (as '2000-03-01' on line 4)"));
  }
  SECTION("a gap names the first missing time and the line after it") {
    const InputError e = load_error("date,v\n2020-01,1\n2020-02,2\n2020-04,4\n", {"v"});
    CHECK(e.line() == 4);
    CHECK_THAT(e.what(), Catch::Contains("data.csv:4:1: gap in time column 'date': 2020-03 is missing (monthly "
                                         "data; the row before is '2020-02' on line 3)") &&
                             Catch::Contains("set data.missing to interpolate or ffill"));
  }
  SECTION("a longer gap gives its extent") {
    CHECK_THAT(load_error("date,v\n1,1\n2,2\n3,3\n7,7\n", {"v"}).what(),
               Catch::Contains("3 times are missing, 4 to 6") && Catch::Contains("set data.missing to interpolate"));
  }
  SECTION("integers that all read as dates written YYYYMMDD or YYYYMM say how to write them") {
    const std::string days = load_error("date,v\n20200130,1\n20200131,2\n20200201,3\n", {"v"}).what();
    CHECK_THAT(days, Catch::Contains(":4:1: gap in time column 'date': 69 times are missing") &&
                         Catch::Contains("write them as YYYY-MM-DD (2020-01-31) to read them as days") &&
                         !Catch::Contains("set data.missing"));
    CHECK_THAT(load_error("date,v\n201911,1\n201912,2\n202001,3\n", {"v"}).what(),
               Catch::Contains("write them as YYYY-MM (2020-01) to read them as months"));
    // Under a filling policy the gaps would outnumber the rows: the same advice.
    CHECK_THAT(load_error("date,v\n20200130,1\n20200131,2\n20200201,3\n", {"v"}, {}, "date",
                          MissingPolicy::interpolate)
                   .what(),
               Catch::Contains("would insert 69 rows") && Catch::Contains("YYYY-MM-DD"));
    // Eight digits that are not all calendar dates (month 13) keep the integer advice (a gap of
    // more rows than the file has: a typo).
    CHECK_THAT(load_error("date,v\n20201230,1\n20201231,2\n20201301,3\n20201305,4\n", {"v"}).what(),
               Catch::Contains("check that time (a typo?)") && !Catch::Contains("YYYY"));
  }
  SECTION("interpolate inserts the missing rows and fills them") {
    const Series series = load_text("date,v,w\n2020-01,1,10\n2020-02,2,20\n2020-05,5,NA\n2020-06,6,60\n", {"v"}, {"w"},
                                    "date", MissingPolicy::interpolate);
    CHECK(written_ticks(series) ==
          std::vector<std::string>{"2020-01", "2020-02", "2020-03", "2020-04", "2020-05", "2020-06"});
    CHECK(column(series, 0) == std::vector<double>{1, 2, 3, 4, 5, 6});
    CHECK(column(series, 1) == std::vector<double>{10, 20, 30, 40, 50, 60});
  }
  SECTION("ffill inserts the missing rows and carries the value") {
    const Series series = load_text("date,v\n1,1\n2,2\n5,5\n", {"v"}, {}, "date", MissingPolicy::ffill);
    CHECK(series.time.ticks == std::vector<std::int64_t>{1, 2, 3, 4, 5});
    CHECK(column(series, 0) == std::vector<double>{1, 2, 2, 2, 5});
  }
  SECTION("filling refuses gaps larger than the data, likely a typo") {
    CHECK_THAT(load_error("date,v\n2020-01-01,1\n2020-01-02,2\n2200-01-03,3\n", {"v"}, {}, "date",
                          MissingPolicy::interpolate)
                   .what(),
               Catch::Contains(":4:1: filling the gaps in time column 'date' would insert") &&
                   Catch::Contains("'2020-01-02' to '2200-01-03'"));
    // Without a filling policy, such a gap does not send the user to one (a hunt: --missing
    // interpolate, as advised, then read a guessed column as no time column at all).
    CHECK_THAT(load_error("year,v\n2018,1\n2019,2\n2091,3\n", {"v"}, {}, "year").what(),
               Catch::Contains(":4:1: gap in time column 'year': 71 times are missing") &&
                   Catch::Contains("filling it would insert more rows than the 3 read: check that time (a typo?)") &&
                   !Catch::Contains("data.missing"));
    CHECK_THAT(load_error("year,v\n2017,1\n2018,1\n2019,2\n2021,3\n", {"v"}, {}, "year").what(),
               Catch::Contains("set data.missing to interpolate or ffill"));
  }
}

TEST_CASE("series load the bundled data sets", "[series]") {
  auto bundled = [](const std::string& name, std::vector<std::string> targets, std::vector<std::string> features = {},
                    MissingPolicy missing = MissingPolicy::error) {
    const SeriesSet set = load_series(config_for(source_path("data/" + name), std::move(targets), std::move(features),
                                                 "date", missing));
    REQUIRE(set.series.size() == 1);
    return set.series.front();
  };
  SECTION("airline passengers are 144 monthly rows") {
    const Series series = bundled("airline-passengers.csv", {"passengers"});
    CHECK(series.rows() == 144);
    CHECK(series.time.frequency.name() == "monthly");
    CHECK(series.time.frequency.seasonal_period() == 12);
    CHECK(series.time.format_tick(series.time.ticks.front()) == "1949-01");
    CHECK(series.time.format_tick(series.time.ticks.back()) == "1960-12");
    CHECK(series.time.format_tick(series.time.advance(series.time.ticks.back(), 1)) == "1961-01");
    CHECK(series.values(0, 0) == 112);
  }
  SECTION("US macro data are quarterly with several columns") {
    const Series series = bundled("us-macro.csv", {"realgdp"}, {"unemp", "infl"});
    CHECK(series.rows() == 203);
    CHECK(series.time.frequency.name() == "quarterly");
    CHECK(series.columns == std::vector<std::string>{"realgdp", "unemp", "infl"});
    CHECK(series.values(202, 0) == 12990.341);
    CHECK(series.values(202, 1) == 9.6);
    CHECK(series.values(202, 2) == 3.56);
    CHECK(series.time.format_tick(series.time.advance(series.time.ticks.back(), 1)) == "2009-10");
  }
  SECTION("water usage is yearly") {
    const Series series = bundled("water-usage.csv", {"water"});
    CHECK(series.rows() == 79);
    CHECK(series.time.frequency.name() == "yearly");
    CHECK(series.time.format_tick(series.time.ticks.front()) == "1885");
  }
  SECTION("the monthly sets load") {
    CHECK(bundled("car-sales.csv", {"sales"}).rows() == 108);
    CHECK(bundled("champagne-sales.csv", {"sales"}).rows() == 105);
    CHECK(bundled("sunspots.csv", {"sunspots"}).rows() == 2820);
    CHECK(bundled("shampoo.csv", {"sales"}).rows() == 36);
  }
  SECTION("female births are daily") {
    const Series series = bundled("female-births.csv", {"births"});
    CHECK(series.rows() == 365);
    CHECK(series.time.frequency.name() == "daily");
  }
  SECTION("Beijing PM2.5 is hourly, and its 99 NA fail under policy error") {
    REQUIRE_THROWS_WITH(bundled("beijing-pm25.csv", {"pm25"}),
                        Catch::Contains("beijing-pm25.csv:267:2: missing value in column 'pm25'"));
    const Series series =
        bundled("beijing-pm25.csv", {"pm25"}, {"dewp", "temp", "pres", "iws", "is", "ir"}, MissingPolicy::interpolate);
    CHECK(series.rows() == 8760);
    CHECK(series.columns.size() == 7);
    CHECK(series.time.frequency.name() == "hourly");
    CHECK(series.time.frequency.seasonal_period() == 24);
    CHECK(series.time.format_tick(series.time.ticks.back()) == "2014-12-31 23:00");
    CHECK(series.values.allFinite());
  }
  SECTION("minimum temperatures lack 1984-12-31: an error, or a filled row") {
    REQUIRE_THROWS_WITH(bundled("min-temperatures.csv", {"temp"}),
                        Catch::Contains("min-temperatures.csv:1462:1: gap in time column 'date': "
                                        "1984-12-31 is missing"));
    const Series series = bundled("min-temperatures.csv", {"temp"}, {}, MissingPolicy::interpolate);
    CHECK(series.rows() == 3652);
    CHECK(series.time.frequency.name() == "daily");
    CHECK(series.time.format_tick(series.time.ticks[1460]) == "1984-12-31");
    CHECK(series.values(1460, 0) == Approx((16.4 + 13.3) / 2));
    const Series carried = bundled("min-temperatures.csv", {"temp"}, {}, MissingPolicy::ffill);
    CHECK(carried.values(1460, 0) == 16.4);
  }
}

TEST_CASE("series load a copy of min-temperatures-like data with a gap", "[series]") {
  TempDir dir;
  std::string content = "date,temp\n";
  // 1988-12-29 .. 1989-01-02 without 1988-12-31, as in the real file.
  for (const char* row : {"1988-12-29,13.9\n", "1988-12-30,14.1\n", "1989-01-01,14.3\n", "1989-01-02,17.4\n"})
    content += row;
  const std::string path = dir.write("temps.csv", content);
  SECTION("policy error names 1988-12-31 and the line after the gap") {
    REQUIRE_THROWS_WITH(load_series(config_for(path, {"temp"})),
                        Catch::Contains("temps.csv:4:1: gap in time column 'date': 1988-12-31 is missing (daily data; "
                                        "the row before is '1988-12-30' on line 3)"));
  }
  SECTION("interpolate fills the missing day halfway") {
    const SeriesSet set = load_series(config_for(path, {"temp"}, {}, "date", MissingPolicy::interpolate));
    const Series& series = set.series.front();
    CHECK(written_ticks(series) ==
          std::vector<std::string>{"1988-12-29", "1988-12-30", "1988-12-31", "1989-01-01", "1989-01-02"});
    CHECK(series.values(2, 0) == Approx(14.2));
  }
}

TEST_CASE("a time column is guessed by its name, first or after an unnamed row index", "[series]") {
  using Header = std::vector<std::string>;
  CHECK(time_column_by_name(Header{"Date", "value"}) == "Date");
  CHECK(time_column_by_name(Header{"ds", "y"}) == "ds");
  // pandas' to_csv with its default index: an unnamed first column, then the dates.
  CHECK(time_column_by_name(Header{"", "date", "value"}) == "date");
  CHECK(time_column_by_name(Header{"id", "date", "value"}).empty());
  CHECK(time_column_by_name(Header{"value", "date"}).empty());
  CHECK(time_column_by_name(Header{"", ""}).empty());
  CHECK(time_column_by_name(Header{}).empty());

  // The header as the CSV reader reads it: quoted, after blank lines and a BOM, spaces trimmed.
  TempDir dir;
  const std::string rows = "2020-01-01,1\n2020-01-02,2\n2020-01-03,3\n";
  for (const char* header : {"Date,value\n", "\n\n Date ,value\n", "\xEF\xBB\xBF\"Date\",value\n", "Date , value\r\n"}) {
    INFO(header);
    DataConfig data;
    data.path = dir.write("guess.csv", std::string(header) + rows);
    data.targets = {"value"};
    std::string dropped = "?";
    const SeriesSet set = load_series_guessing_time(data, &dropped);
    CHECK(data.time_column == "Date");
    CHECK(set.time_column == "Date");
    CHECK(dropped.empty());
    CHECK(set.series.front().time.frequency.name() == "daily");
  }
}

TEST_CASE("a semicolon file mixing 945 and 1.016 in a column is refused as a thousands separator", "[series]") {
  TempDir dir;
  DataConfig data;
  data.targets = {"v"};
  data.path = dir.write("de.csv", "t;v\n1;945\n2;-12.345\n");
  REQUIRE_THROWS_WITH(load_series(data), Catch::Contains("de.csv:3:2: value '-12.345' in column 'v' of a ';' file whose "
                                                         "values include '945' (line 2): a '.' thousands separator? write -12345"));
  // Two points or more are no number, whatever the delimiter: the message rewrites it.
  data.path = dir.write("de.csv", "t,v\n1,-12.345.678\n");
  REQUIRE_THROWS_WITH(load_series(data), Catch::Contains("found '-12.345.678' (thousands separators are not supported: write -12345678)"));
  // Decimals of another length, a ',' file, or no plain hundreds: read as written.
  for (const char* content : {"t;v\n1;945\n2;1.0160\n", "t,v\n1,945\n2,1.016\n", "t;v\n1;94\n2;1.016\n", "t;v\n1;0.5\n2;1.016\n"}) {
    INFO(content);
    data.path = dir.write("ok.csv", content);
    CHECK(load_series(data).series.front().values(1, 0) == Approx(1.016));
  }
  data.path = dir.write("ok.csv", "t;v\n1;945\n2;0.125\n");  // a leading 0 is no thousands group
  CHECK(load_series(data).series.front().values(1, 0) == Approx(0.125));
}

TEST_CASE("a guessed time column is dropped only when its first time does not read", "[series]") {
  TempDir dir;
  DataConfig data;
  data.targets = {"value"};
  std::string dropped;
  // Another form throughout: read without it, and said why.
  data.path = dir.write("months.csv", "month,value\nJan 2020,1\nFeb 2020,2\nMar 2020,3\n");
  SeriesSet set = load_series_guessing_time(data, &dropped);
  CHECK(data.time_column.empty());
  CHECK(set.series.front().rows() == 3);
  CHECK_THAT(dropped, Catch::Contains("line 2: expected a time in column 'month', found 'Jan 2020'"));
  // A footer after times that read is bad data, not another form: the error names its line.
  data.time_column.clear();
  data.path = dir.write("total.csv", "date,value\n2020-01,1\n2020-02,2\n2020-03,3\nTotal,6\n");
  REQUIRE_THROWS_WITH(load_series_guessing_time(data, &dropped),
                      Catch::Contains("total.csv:5:1: expected a time in column 'date', found 'Total'"));
  // So is a whole number too long for an integer period (a hunt: 19 digits after integer times
  // dropped the column, as a column of data would be).
  data.time_column.clear();
  data.path = dir.write("long.csv", "date,value\n1,1\n2,2\n3,3\n1234567890123456789,6\n");
  REQUIRE_THROWS_WITH(load_series_guessing_time(data, &dropped),
                      Catch::Contains("long.csv:5:1: expected a time in column 'date', found '1234567890123456789'"));
  // Numbers written otherwise than as digits after whole ones are data, not times: read without
  // the column (1.5, and whole ones too: 389.0, R's 1e+05; a review).
  for (const char* number : {"1.5", "389.0", "1e+05"}) {
    INFO(number);
    data.time_column.clear();
    data.path = dir.write("numbers.csv", std::string("date,value\n0,1\n1,2\n") + number + ",3\n");
    set = load_series_guessing_time(data, &dropped);
    CHECK(data.time_column.empty());
    CHECK(set.series.front().rows() == 3);
  }
  // So is a change of form (two exports appended) and an empty time on a later row.
  data.time_column.clear();
  data.path = dir.write("forms.csv", "date,value\n2020-01,1\n2020-02,2\n2020-03-01,3\n");
  REQUIRE_THROWS_WITH(load_series_guessing_time(data, &dropped),
                      Catch::Contains("forms.csv:4:1: time '2020-03-01' is not written like '2020-01' on line 2"));
  data.time_column.clear();
  data.missing = MissingPolicy::interpolate;
  data.path = dir.write("empty.csv", "date,value\n2020-01,1\n2020-02,2\n,\n2020-03,3\n");
  REQUIRE_THROWS_WITH(load_series_guessing_time(data, &dropped),
                      Catch::Contains("empty.csv:4:1: missing time in column 'date'; every row needs one"));
  // Rows of empty fields after the data (a spreadsheet's) are no rows.
  data.time_column.clear();
  data.path = dir.write("excel.csv", "date,value\n2020-01,1\n2020-02,2\n2020-03,3\n,\n , \n\n,\n");
  set = load_series_guessing_time(data, &dropped);
  CHECK(data.time_column == "date");
  CHECK(set.series.front().rows() == 3);
  // Gaps that would more than double the rows: the values are not times of one series.
  data.time_column.clear();
  data.path = dir.write("years.csv", "year,value\n1000,1\n1001,2\n1500,3\n");
  set = load_series_guessing_time(data, &dropped);
  CHECK(data.time_column.empty());
  CHECK(set.series.front().rows() == 3);
  CHECK_THAT(dropped, Catch::Contains("would insert"));
}

TEST_CASE("a last value that jumps far beyond every earlier change is named for a note", "[series]") {
  MatrixD values(12, 1);
  for (long t = 0; t < 12; ++t) values(t, 0) = 100 + 5 * std::sin(static_cast<double>(t));
  CHECK(last_value_jump_note(values, 12, {"y"}, "").empty());
  values(11, 0) = 160;  // 3 times the largest earlier change (under 10) is far below this jump
  const std::string note = last_value_jump_note(values, 12, {"y"}, "2020-12");
  CHECK_THAT(note, Catch::StartsWith("the last value of 'y' (160, at 2020-12) changed by") &&
                       Catch::Contains("more than 3 times any earlier change") && Catch::Contains("fix or drop that row"));
  CHECK(last_value_jump_note(values, 11, {"y"}, "").empty());  // the rows before it
  // The same jump as the 8th row is named; as the 7th, it is not: too few rows to judge.
  MatrixD eight = values.topRows(8);
  eight(7, 0) = 160;
  CHECK_FALSE(last_value_jump_note(eight, 8, {"y"}, "").empty());
  MatrixD seven = values.topRows(7);
  seven(6, 0) = 160;
  CHECK(last_value_jump_note(seven, 7, {"y"}, "").empty());
  // The value as the data hold it, not rounded to 6 digits.
  eight(7, 0) = 12399999.5;
  CHECK_THAT(last_value_jump_note(eight, 8, {"y"}, ""), Catch::Contains("(12399999.5)"));
  // The changes, computed, to 6 digits: 112.3 - 95.4 is 16.900000000000006 in doubles.
  MatrixD decimals(8, 1);
  decimals << 100, 95.4, 112.3, 100, 101, 100, 101.2, 200;
  CHECK_THAT(last_value_jump_note(decimals, 8, {"y"}, ""), Catch::Contains("(200) changed by 98.8 from the row before") &&
                                                                Catch::Contains("(at most 16.9)"));
  MatrixD flat = MatrixD::Constant(10, 1, 3.0);
  flat(9, 0) = 4;
  CHECK(last_value_jump_note(flat, 10, {"y"}, "").empty());  // no earlier change to compare with
  // Every target is looked at, not the first alone (a hunt: a jump in the second went unsaid).
  MatrixD two(12, 2);
  two.col(0) = values.col(0);
  two.col(1) = values.col(0);
  two(11, 0) = two(10, 0);
  CHECK_THAT(last_value_jump_note(two, 12, {"a", "b"}, ""), Catch::StartsWith("the last value of 'b' (160)"));
  two(11, 0) = 160;
  CHECK_THAT(last_value_jump_note(two, 12, {"a", "b"}, ""),
             Catch::StartsWith("the last value of 'a' (160)") && Catch::Contains("; the last value of 'b' (160)"));
  CHECK(last_value_jump_note(two, 12, {"a"}, "").find("'b'") == std::string::npos);  // b a feature: not a target

  SECTION("over many series: the first that jumps, and how many more do") {
    SeriesSet set;
    for (const char* id : {"a", "b", "c", "d", "e", "f"}) {
      Series s;
      s.id = id;
      s.values = values.topRows(11);  // no jump
      set.series.push_back(s);
    }
    CHECK(last_value_jump_note(set, {"y"}).empty());
    for (const std::size_t i : {1, 2, 3, 4, 5}) set.series[i].values = values;  // 160 last
    const std::string many = last_value_jump_note(set, {"y"});
    CHECK_THAT(many, Catch::StartsWith("series 'b': the last value of 'y' (160) changed by") &&
                         Catch::EndsWith("; so did 4 more series ('c', 'd', 'e', ...)"));
    set.series.resize(2);
    CHECK_THAT(last_value_jump_note(set, {"y"}), !Catch::Contains("so did"));
  }
}

TEST_CASE("many series' notes are grouped by reason, and only the first reasons are said", "[series]") {
  const auto line = [](const std::string& who, const std::string& reason) { return who + ": " + reason; };
  const auto rest = [](std::size_t n) { return "and " + std::to_string(n) + " more"; };
  CHECK(grouped_series_notes({}, line, rest).empty());
  CHECK(grouped_series_notes({{"a", "short"}}, line, rest) == std::vector<std::string>{"series 'a': short"});
  // Series of one reason together, reasons in the order first seen, three ids named.
  std::vector<std::pair<std::string, std::string>> notes{{"a", "short"}, {"b", "long"}, {"c", "short"}, {"d", "short"}, {"e", "short"},
                                                         {"f", "long"}};
  CHECK(grouped_series_notes(notes, line, rest) ==
        std::vector<std::string>{"4 series ('a', 'c', 'd', ...): short", "2 series ('b', 'f'): long"});
  // Beyond kShownSeriesNotes reasons, the series of the others are counted.
  notes.clear();
  for (std::size_t i = 0; i < kShownSeriesNotes + 3; ++i) notes.emplace_back("s" + std::to_string(i), "reason " + std::to_string(i));
  notes.emplace_back("again", "reason 12");
  const std::vector<std::string> lines = grouped_series_notes(notes, line, rest);
  REQUIRE(lines.size() == kShownSeriesNotes + 1);
  CHECK(lines.front() == "2 series ('s12', 'again'): reason 12");  // the most series first, then as seen
  CHECK(lines[1] == "series 's0': reason 0");
  CHECK(lines.back() == "and 3 more");
}
