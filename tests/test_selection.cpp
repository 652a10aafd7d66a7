// Picking series by id and shard, per-series seeds, and how ids are named in messages (selection.hpp).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "lstmf/error.hpp"
#include "lstmf/io.hpp"
#include "lstmf/selection.hpp"
#include "lstmf/series.hpp"
#include "support.hpp"

using namespace lstmf;
using Catch::Contains;

namespace {

// A set as a long-format read leaves it: series read with values, one left out as empty, and
// (with a filter) one not read at all.
SeriesSet three_ids() {
  SeriesSet set;
  set.source = "long.csv";
  set.series_column = "id";
  for (const char* id : {"b", "a"}) {
    Series s;
    s.id = id;
    set.series.push_back(s);
  }
  set.empty.emplace_back("e", "column 'value' has no values");
  set.unread.push_back(SeriesSet::Unread{"u", Frequency{}, false, true});
  return set;
}

std::vector<std::string> ids_of(const SeriesSet& set) {
  std::vector<std::string> ids;
  for (const auto& s : set.series) ids.push_back(s.id);
  return ids;
}

}  // namespace

TEST_CASE("series hash is FNV-1a 64 and shards split the ids stably", "[selection]") {
  CHECK(series_hash("") == 0xcbf29ce484222325ULL);
  CHECK(series_hash("a") == 0xaf63dc4c8601ec8cULL);
  CHECK(series_hash("foobar") == 0x85944171f73967e8ULL);
  const Shard zero = parse_shard("0/2"), one = parse_shard("1/2");
  int in_zero = 0;
  for (int i = 0; i < 100; ++i) {
    const std::string id = "s" + std::to_string(i);
    CHECK(zero.contains(id) != one.contains(id));
    in_zero += zero.contains(id);
  }
  CHECK(in_zero > 30);
  CHECK(in_zero < 70);
  CHECK_THROWS_WITH(parse_shard("2/2"), Contains("0 <= K < N"));
  CHECK_THROWS_WITH(parse_shard("1"), Contains("--shard expects K/N"));
  CHECK_THROWS_WITH(parse_shard("a/b"), Contains("--shard expects K/N"));
  // Plain digits only: a sign, a blank or anything after N is refused, not read past.
  for (const char* text : {" 1/2", "+1/2", "1/ 2", "1/+2", "-0/2", "1/2x", "1/2/3", "/2", "1/", "99999999999/2"})
    CHECK_THROWS_WITH(parse_shard(text), Contains("--shard expects K/N (shard K of N"));
  CHECK(series_seed(0, "a") != series_seed(0, "b"));
  CHECK(series_seed(0, "a") != series_seed(1, "a"));
}

TEST_CASE("select_series keeps the asked series in file order and names the missing ones", "[selection]") {
  const SeriesSet set = three_ids();
  CHECK(select_series(set, SeriesSelection{}).series.size() == 2);
  CHECK(select_series(set, SeriesSelection{}).unread.size() == 1);  // everything: the set as it is
  // The file's order, not the order asked.
  CHECK(ids_of(select_series(set, make_selection("a,b", ""))) == std::vector<std::string>{"b", "a"});
  const SeriesSet only_a = select_series(set, make_selection("a", ""));
  CHECK(ids_of(only_a) == std::vector<std::string>{"a"});
  CHECK(only_a.empty.empty());
  CHECK(only_a.unread.empty());
  // An empty series asked by name stays as empty; an unread one is known, so no error.
  CHECK(select_series(set, make_selection("e", "")).empty.size() == 1);
  CHECK(select_series(set, make_selection("u", "")).series.empty());
  // Missing ids: the file, the column, every id of the file sorted, and the comma hint for pieces.
  CHECK_THROWS_AS(select_series(set, make_selection("zz", "")), InputError);
  CHECK_THROWS_WITH(select_series(set, make_selection("zz", "")),
                    Contains("long.csv") && Contains("no series 'zz' in column 'id' (4 series: 'a', 'b', 'e', 'u')"));
  CHECK_THROWS_WITH(select_series(set, make_selection("x,1", "")), Contains("quote it: --series '\"x,1\"'"));
  CHECK_THROWS_WITH(select_series(set, make_selection("zz", "")), !Contains("quote it"));
  // A shard keeps the series whose hash falls in it, of those asked.
  for (const char* shard : {"0/2", "1/2"}) {
    const SeriesSet part = select_series(set, make_selection("", shard));
    for (const auto& s : part.series) CHECK(parse_shard(shard).contains(s.id));
  }
  CHECK(select_series(set, make_selection("", "0/2")).series.size() + select_series(set, make_selection("", "1/2")).series.size() == 2);
}

TEST_CASE("make_selection trims ids and refuses blank or repeated ones", "[selection]") {
  CHECK(make_selection(" a\t,b", "").ids == std::vector<std::string>{"a", "b"});
  CHECK(make_selection("a,,b", "").ids == std::vector<std::string>{"a", "b"});
  CHECK(make_selection("", "").everything());
  CHECK_FALSE(make_selection("", "0/3").everything());
  CHECK(make_selection("", "0/3").shard_of_split());
  CHECK_FALSE(make_selection("a", "0/3").shard_of_split());
  CHECK_THROWS_WITH(make_selection("a, ", ""), Contains("an id of spaces alone"));
  CHECK_THROWS_WITH(make_selection("a,b, a", ""), Contains("--series: series 'a' is given twice"));
  CHECK_THROWS_WITH(make_selection("a", "3/3"), Contains("0 <= K < N"));
}

TEST_CASE("a series file lists one id a line, kept whole, trimmed, blank lines skipped", "[selection]") {
  test::TempDir dir;
  // Commas and quotes are part of an id here (no splitting), CRLF line ends are not.
  dir.write("ids.txt", "a,1\r\n  \"q\"  \n\n\t\nb\n");
  const SeriesList list = read_series_list(dir.file("ids.txt"));
  CHECK(list.ids == std::vector<std::string>{"a,1", "\"q\"", "b"});
  CHECK(list.lines == std::vector<long>{1, 2, 5});
  const SeriesSelection selection = make_selection("", "", list);
  CHECK(selection.selects("a,1"));
  CHECK_FALSE(selection.selects("a"));
  // An id of the list that the data lacks is named with its line (a stale list), the first such.
  CHECK(selection.listed_at({"zz", "b", "a,1"}) == "; 'b' is on line 5 of " + source_name(dir.file("ids.txt")) + " (--series-file)");
  CHECK(selection.listed_at({"zz"}).empty());
  CHECK(make_selection("b", "").listed_at({"b"}).empty());  // --series names it: no line
  dir.write("twice.txt", "a\nb\n\n a\n");
  CHECK_THROWS_WITH(read_series_list(dir.file("twice.txt")), Contains("twice.txt:4: series 'a' is listed twice (first on line 1)"));
  CHECK_THROWS_AS(read_series_list(dir.file("none.txt")), IoError);
  // No id would select every series (an empty list retrained the whole file): an error.
  CHECK_THROWS_WITH(read_series_list(dir.write("empty.txt", "\n \n")), Contains("empty.txt: lists no series ids"));
  CHECK_THROWS_AS(read_series_list(dir.write("none.txt", "")), InputError);
  CHECK(read_series_list(dir.write("bom.txt", "\xEF\xBB\xBFs1\ns2\n")).ids == std::vector<std::string>{"s1", "s2"});
}

TEST_CASE("quoted_ids shows five ids and counts the rest", "[selection]") {
  CHECK(quoted_ids({}).empty());
  CHECK(quoted_ids({"a"}) == "'a'");
  CHECK(quoted_ids({"a", "b", "c", "d", "e"}) == "'a', 'b', 'c', 'd', 'e'");
  CHECK(quoted_ids({"a", "b", "c", "d", "e", "f", "g"}) == "'a', 'b', 'c', 'd', 'e' and 2 more");
  CHECK(comma_hint({"a"}).empty());
  CHECK(comma_hint({"a", "b", "c", "d", "e"}).empty());
  CHECK(comma_hint({"a", "b"}) == " (if one id holds a comma, quote it: --series '\"a,b\"')");
}
