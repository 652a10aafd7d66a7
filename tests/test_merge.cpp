// merge.hpp: joining shard outputs. Checkpoint merges are tested with the training that makes
// them (test_panel.cpp, test_cli_panel.cpp); here the forecast CSVs.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "lstmf/error.hpp"
#include "lstmf/csv.hpp"
#include "lstmf/merge.hpp"

using namespace lstmf;
using Catch::Contains;

TEST_CASE("merging forecasts orders the series by id and refuses overlaps", "[merge]") {
  const std::string a = "id,date,value\nb,2001-01,1\nb,2001-02,2\n";
  const std::string b = "id,date,value\n\"a,1\",2001-01,3\n\"a,1\",2001-02,5\nc,2001-01,4\nc,2001-02,6\n";
  CHECK(merge_forecast_csvs({a, b}, {"a.csv", "b.csv"}) ==
        "id,date,value\n\"a,1\",2001-01,3\n\"a,1\",2001-02,5\nb,2001-01,1\nb,2001-02,2\nc,2001-01,4\nc,2001-02,6\n");
  // every series the same number of steps, as one predict run writes them
  CHECK_THROWS_WITH(merge_forecast_csvs({a, "id,date,value\nc,2001-01,4\n"}, {"a.csv", "h1.csv"}),
                    Contains("h1.csv: series 'c' has 1 step, but series 'b' of a.csv has 2"));
  CHECK_THROWS_WITH(merge_forecast_csvs({a, a}, {"a.csv", "a2.csv"}), Contains("a2.csv") && Contains("series 'b' is also in a.csv"));
  CHECK_THROWS_WITH(merge_forecast_csvs({a, "id,time,value\n"}, {"a.csv", "t.csv"}),
                    Contains("t.csv:1: header 'id,time,value' differs from a.csv's 'id,date,value'"));
  // Rows as predict writes them: an id, a time, each series' times rising, bounds around the value.
  CHECK_THROWS_WITH(merge_forecast_csvs({a, "id,date,value\n,2001-01,1\n,2001-02,2\n"}, {"a.csv", "e.csv"}),
                    Contains("e.csv:2:1: expected a series id"));
  CHECK_THROWS_WITH(merge_forecast_csvs({a, "id,date,value\nc,2001-01,1\nc,hello,2\n"}, {"a.csv", "t.csv"}),
                    Contains("t.csv:3:2: expected a time (or a step number) in column 'date', found 'hello'"));
  CHECK_THROWS_WITH(merge_forecast_csvs({a, "id,date,value\nc,2001-02,1\nc,2001-01,2\n"}, {"a.csv", "d.csv"}),
                    Contains("d.csv:3:2: series 'c': time '2001-01' does not come after the series' row before"));
  // Integer periods that reach four digits (999, 1000; 9999, 10000) rise, though "1000" alone reads as a year.
  const std::string periods = "id,t,y\na,999,1\na,1000,2\nb,9999,3\nb,10000,4\n";
  CHECK(merge_forecast_csvs({periods}, {"p.csv"}) == periods);
  CHECK_THROWS_WITH(merge_forecast_csvs({"id,t,y\na,1000,1\na,999,2\n"}, {"p.csv"}),
                    Contains("p.csv:3:2: series 'a': time '999' does not come after the series' row before"));
  const std::string band = "id,step,y,y_lo80,y_hi80\nc,1,5,4,6\nc,2,5,6,7\n";
  CHECK_THROWS_WITH(merge_forecast_csvs({band}, {"i.csv"}),
                    Contains("i.csv:3:4: the interval y_lo80 .. y_hi80 does not hold the forecast 'y' (6 .. 7 around 5)"));
  CHECK(merge_forecast_csvs({"id,step,y,y_lo80,y_hi80\nc,1,5,4,6\nc,2,5,3,7\n"}, {"i.csv"}) ==
        "id,step,y,y_lo80,y_hi80\nc,1,5,4,6\nc,2,5,3,7\n");
  // A target whose name holds "_lo" itself: its bands are found at the later split; a name with
  // "lo" in it (flow) as any other.
  CHECK_THROWS_WITH(merge_forecast_csvs({"id,step,y_lo,y_lo_lo80,y_lo_hi80\nc,1,5,4,6\nc,2,5,6,7\n"}, {"n.csv"}),
                    Contains("n.csv:3:4: the interval y_lo_lo80 .. y_lo_hi80 does not hold the forecast 'y_lo'"));
  CHECK_THROWS_WITH(merge_forecast_csvs({"id,step,flow,flow_lo80,flow_hi80\nc,1,5,6,7\n"}, {"f.csv"}),
                    Contains("f.csv:2:4: the interval flow_lo80 .. flow_hi80 does not hold the forecast 'flow'"));
}

TEST_CASE("merging forecasts reads them as CSV: quoted ids round-trip, line ends and BOMs are the reader's", "[merge]") {
  // An id holding a quote, a comma and a line end, as predict quotes it (forecast.hpp csv_field).
  const std::string odd = "id,step,y\n\"a \"\"hi\"\",\nthere\",1,2\n\"a \"\"hi\"\",\nthere\",2,3\n";
  const std::string plain = "id,step,y\nb,1,5\nb,2,6\n";
  CHECK(merge_forecast_csvs({plain, odd}, {"p.csv", "o.csv"}) ==
        "id,step,y\n\"a \"\"hi\"\",\nthere\",1,2\n\"a \"\"hi\"\",\nthere\",2,3\nb,1,5\nb,2,6\n");
  // CRLF line ends and a UTF-8 byte order mark (a file saved by a spreadsheet) read as predict's own.
  CHECK(merge_forecast_csvs({"\xEF\xBB\xBFid,step,y\r\nb,1,5\r\nb,2,6\r\n"}, {"w.csv"}) == plain);
  // A row with a field too many or too few: the line, and what the header has.
  CHECK_THROWS_WITH(merge_forecast_csvs({"id,step,y\nb,1,5\nb,2,6,7\n"}, {"r.csv"}),
                    Contains("r.csv:3: expected 3 fields as in the header, found 4"));
  // Cut short: said before the short row is taken for a ragged one.
  CHECK_THROWS_WITH(merge_forecast_csvs({"id,step,y\nb,1,5\nb,2"}, {"c.csv"}),
                    Contains("c.csv:3: the last row has no line end: the file was cut short"));
  CHECK_THROWS_WITH(merge_forecast_csvs({"id,step,y\nb,1,5\n\"b,2,6\n"}, {"q.csv"}), Contains("q.csv:3:1: unterminated quote"));
  CHECK_THROWS_WITH(merge_forecast_csvs({"id,step,y\rb,1,5\rb,2,6\r"}, {"m.csv"}), Contains("m.csv") && Contains("CR alone"));
  CHECK_THROWS_WITH(merge_forecast_csvs({"id,step,y\nb,1,5\xff\n"}, {"u.csv"}), Contains("u.csv:2") && Contains("UTF-8"));
  CHECK_THROWS_WITH(merge_forecast_csvs({""}, {"e.csv"}), Contains("e.csv") && Contains("empty"));
  CHECK_THROWS_WITH(merge_forecast_csvs({"id,y\nb,5\n"}, {"w.csv"}),
                    Contains("w.csv:1: expected a long-format forecast (series column, time, targets), found the header 'id,y'"));
  // Fields are trimmed inside quotes too, as the data's ids are: " s1" is s1, an id of spaces none,
  // a bound's name with a space still a bound; numbers are read as the data's (fuzzer: merge wrote
  // outputs that it then read otherwise or refused).
  CHECK_THROWS_WITH(merge_forecast_csvs({"id,t,y\n\"s1 \",1,2\n", "id,t,y\ns1,1,2\n"}, {"a.csv", "b.csv"}),
                    Contains("b.csv: series 's1' is also in a.csv"));
  CHECK_THROWS_WITH(merge_forecast_csvs({"id,t,y\n\"  \",1,2\n"}, {"s.csv"}), Contains("s.csv:2:1: expected a series id"));
  CHECK_THROWS_WITH(merge_forecast_csvs({"id,t,y,\" y_lo80\",y_hi80\na,1,5,6,7\n"}, {"b.csv"}),
                    Contains("b.csv:2:4: the interval y_lo80 .. y_hi80 does not hold the forecast 'y'"));
  CHECK(merge_forecast_csvs({"id,t,y\na,1,\"\t5\"\n"}, {"t.csv"}) == "id,t,y\na,1,5\n");
  CHECK_THROWS_WITH(merge_forecast_csvs({"id,t,y\na,1,\f5\n"}, {"f.csv"}), Contains("f.csv:2:3: expected a finite number"));
  CHECK_THROWS_WITH(merge_forecast_csvs({"id;t;y\na;1;5\n"}, {"d.csv"}),
                    Contains("d.csv:1: expected a forecast CSV delimited by ','"));
  // A series' rows apart in one input (another series' between them) still rise in time (review).
  CHECK_THROWS_WITH(merge_forecast_csvs({"id,date,y\nb,2001-02,1\nc,2001-01,2\nb,2001-01,3\nc,2001-02,4\n"}, {"i.csv"}),
                    Contains("i.csv:4:2: series 'b': time '2001-01' does not come after the series' row before (line 2"));
  CHECK(merge_forecast_csvs({"id,date,y\nb,2001-01,1\nc,2001-01,2\nb,2001-02,3\nc,2001-02,4\n"}, {"i.csv"}) ==
        "id,date,y\nb,2001-01,1\nb,2001-02,3\nc,2001-01,2\nc,2001-02,4\n");
}
