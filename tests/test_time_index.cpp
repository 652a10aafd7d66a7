#include <catch2/catch.hpp>

#include <limits>
#include <string>
#include <vector>

#include "lstmf/error.hpp"
#include "lstmf/time_index.hpp"

using namespace lstmf;

namespace {

std::int64_t tick_of(const std::string& text) {
  std::int64_t tick = 0;
  TimeFormat format;
  REQUIRE(parse_time(text, tick, format));
  return tick;
}

TimeFormat format_of(const std::string& text) {
  std::int64_t tick = 0;
  TimeFormat format;
  REQUIRE(parse_time(text, tick, format));
  return format;
}

// The index inferred from timestamps written as text.
TimeIndex index_of(const std::vector<std::string>& texts) {
  std::vector<std::int64_t> ticks;
  for (const auto& text : texts) ticks.push_back(tick_of(text));
  return infer_time_index(ticks, format_of(texts.front()));
}

constexpr std::int64_t kDay = 86400;

}  // namespace

TEST_CASE("civil dates convert to days and back", "[time]") {
  SECTION("known dates have the known day numbers") {
    CHECK(days_from_civil(1970, 1, 1) == 0);
    CHECK(days_from_civil(2000, 3, 1) == 11017);
    CHECK(days_from_civil(1969, 12, 31) == -1);
    CHECK(days_from_civil(1600, 1, 1) == -135140);
  }
  SECTION("every day from 1600 to 2400 round-trips") {
    for (std::int64_t day = days_from_civil(1600, 1, 1); day < days_from_civil(2400, 1, 1); ++day) {
      std::int64_t year = 0;
      int month = 0, date = 0;
      civil_from_days(day, year, month, date);
      REQUIRE(days_from_civil(year, month, date) == day);
      REQUIRE(date <= days_in_month(year, month));
    }
  }
  SECTION("leap years follow the Gregorian rules") {
    CHECK(days_in_month(2024, 2) == 29);
    CHECK(days_in_month(2023, 2) == 28);
    CHECK(days_in_month(2000, 2) == 29);
    CHECK(days_in_month(2100, 2) == 28);
    CHECK(days_in_month(2023, 4) == 30);
  }
}

TEST_CASE("timestamps parse in every supported form", "[time]") {
  SECTION("a date is midnight UTC of that day") {
    CHECK(tick_of("1970-01-02") == kDay);
    CHECK(format_of("2024-01-31").kind == TimeKind::date);
  }
  SECTION("datetimes record separator, seconds and Z") {
    const std::int64_t base = days_from_civil(2024, 1, 31) * kDay + 13 * 3600;
    CHECK(tick_of("2024-01-31 13:00") == base);
    CHECK(tick_of("2024-01-31 13:00:00") == base);
    CHECK(tick_of("2024-01-31T13:00:00Z") == base);
    CHECK(tick_of("2024-01-31T13:00:59") == base + 59);
    const TimeFormat plain = format_of("2024-01-31 13:00");
    CHECK(plain.kind == TimeKind::datetime);
    CHECK_FALSE(plain.t_separator);
    CHECK_FALSE(plain.seconds);
    CHECK_FALSE(plain.zulu);
    const TimeFormat iso = format_of("2024-01-31T13:00:00Z");
    CHECK(iso.t_separator);
    CHECK(iso.seconds);
    CHECK(iso.zulu);
  }
  SECTION("year-months and years are their first day") {
    CHECK(tick_of("1949-01") == days_from_civil(1949, 1, 1) * kDay);
    CHECK(format_of("1949-01").kind == TimeKind::year_month);
    CHECK(tick_of("1949") == days_from_civil(1949, 1, 1) * kDay);
    CHECK(format_of("1949").kind == TimeKind::year);
  }
  SECTION("other whole numbers are integer periods") {
    CHECK(tick_of("1") == 1);
    CHECK(tick_of("144") == 144);
    CHECK(tick_of("-3") == -3);
    CHECK(tick_of("12345") == 12345);
    CHECK(format_of("7").kind == TimeKind::integer);
  }
}

TEST_CASE("invalid timestamps are refused with a reason", "[time]") {
  std::int64_t tick = 0;
  TimeFormat format;
  SECTION("a day the month does not have") {
    CHECK_FALSE(parse_time("2023-02-30", tick, format));
    CHECK_FALSE(parse_time("2023-02-29", tick, format));
    CHECK_FALSE(parse_time("2100-02-29", tick, format));
    CHECK(parse_time("2000-02-29", tick, format));
    CHECK(explain_time_error("2023-02-30") == "day 30 is not in February 2023, which has 28 days");
  }
  SECTION("a month out of range") {
    CHECK_FALSE(parse_time("2024-13", tick, format));
    CHECK(explain_time_error("2024-13-01") == "month 13 is not 1-12");
  }
  SECTION("a time of day out of range") {
    CHECK_FALSE(parse_time("2024-01-01 24:00", tick, format));
    CHECK_FALSE(parse_time("2024-01-01 12:60", tick, format));
    CHECK_THAT(explain_time_error("2024-01-01 24:00"), Catch::Contains("time of day"));
  }
  SECTION("text of another form lists the forms understood") {
    for (const char* text : {"hello", "2024-1-5", "2024/01/05", "2024-01-31T13:00:00+1:00", "2024-01-31 13",
                             "1.5", "", "13:00", "2024-01-31 13:00 ", "2024-01-31 13:00:00Z+01:00",
                             "2024-01-31 13:00:00+01:00:00", "2024-01-31+01:00"})
      CHECK_FALSE(parse_time(text, tick, format));
    CHECK_THAT(explain_time_error("2024/01/05"), Catch::Contains("2024-01-31T13:00:00Z"));
    CHECK(explain_time_error("2024-01-05").empty());
  }
  SECTION("a date in another order or with other separators says how to write it") {
    CHECK_THAT(explain_time_error("31.01.2024"),
               Catch::StartsWith("day/month/year: write 2024-01-31, year first; the forms"));
    CHECK_THAT(explain_time_error("1/31/2024 13:00"),
               Catch::StartsWith("month/day/year: write 2024-01-31 13:00, year first;"));
    CHECK_THAT(explain_time_error("02/03/2024"),
               Catch::StartsWith("a day/month/year or a month/day/year date: write 2024-03-02 or "
                                 "2024-02-03, year first;"));
    CHECK_THAT(explain_time_error("01/01/1949"), Catch::StartsWith("write 1949-01-01, year first;"));
    CHECK_THAT(explain_time_error("2024/01/05"), Catch::StartsWith("write 2024-01-05;"));
    CHECK_THAT(explain_time_error("2024-1-5"), Catch::StartsWith("write 2024-01-05;"));
    CHECK_THAT(explain_time_error("1949.07"), Catch::StartsWith("write 1949-07;"));
    // No hint where the text is no date, or the date does not exist, or the year is two digits.
    for (const char* text : {"31/02/2024", "13/13/2024", "1/31/49", "1.5", "01/2024", "1-01", "2024/13", "12/31/2024x",
                             "2024-01-31 1:00", "31.01.2024T", "1/31/2024 1:00 PM", "2020.5"})  // a review: no form that reads
      CHECK_THAT(explain_time_error(text), Catch::StartsWith("the forms understood"));
  }
  SECTION("a date with a month's name says how to write it") {
    CHECK_THAT(explain_time_error("Jan 2024"), Catch::StartsWith("write 2024-01; the forms understood"));
    CHECK_THAT(explain_time_error("DECEMBER-1999"), Catch::StartsWith("write 1999-12;"));
    CHECK_THAT(explain_time_error("2024 mar"), Catch::StartsWith("write 2024-03;"));
    CHECK_THAT(explain_time_error("31-Jan-2024"), Catch::StartsWith("write 2024-01-31;"));
    CHECK_THAT(explain_time_error("Feb 29, 2024"), Catch::StartsWith("write 2024-02-29;"));
    CHECK_THAT(explain_time_error("5 May 2024"), Catch::StartsWith("write 2024-05-05;"));
    // A two-digit year, a day the month lacks, a time, another language, two months: the forms alone.
    CHECK_THAT(explain_time_error("2024 Jan 5"), Catch::StartsWith("write 2024-01-05;"));
    // A two-digit year, a day the month lacks, a time, another language, two months, a month number
    // as well, a number after the year (an hour?), a decimal year (a review): the forms alone.
    for (const char* text : {"Jan-24", "Feb 30 2024", "Jan 2024 13:00", "Janvier 2024", "Sept 2024", "Jan Feb 2024",
                             "Jan 2024 2025", "Ja 2024", "Jan 000 2024", "Jan 0 2024", "2024-01 Jan", "Jan 2024 13",
                             "Jan/2024/5", "Jan 2024.5", "2024.5 Jan", "5 2024 Jan"})
      CHECK_THAT(explain_time_error(text), Catch::StartsWith("the forms understood"));
  }
}

TEST_CASE("a datetime with a UTC offset keeps its clock time and writes the offset back", "[time]") {
  std::int64_t tick = 0, plain = 0;
  TimeFormat format, none;
  REQUIRE(parse_time("2024-01-31 13:00:00+00:00", tick, format));  // pandas' UTC form
  REQUIRE(parse_time("2024-01-31 13:00:00", plain, none));
  CHECK(tick == plain);
  CHECK(format.offset);
  CHECK(format.offset_minutes == 0);
  CHECK(format != none);  // a column must keep one form, offset included
  TimeIndex index;
  index.format = format;
  CHECK(index.format_tick(tick + 3600) == "2024-01-31 14:00:00+00:00");
  REQUIRE(parse_time("2024-01-31T13:00-0530", tick, format));
  CHECK(format.offset_minutes == -330);
  index.format = format;
  CHECK(index.format_tick(tick) == "2024-01-31T13:00-0530");  // written back as read (Python's %z has no colon)
  CHECK_FALSE(format.offset_colon);
  TimeFormat colon;
  REQUIRE(parse_time("2024-01-31T13:00-05:30", tick, colon));
  CHECK(colon.offset_colon);
  CHECK(colon != format);  // a column keeps one form
  CHECK_FALSE(parse_time("2024-01-31 13:00+15:00", tick, format));
  CHECK(explain_time_error("2024-01-31 13:00+15:00") == "the UTC offset is not -14:00 to +14:00");
  CHECK(explain_time_error("2024-01-31 13:00+05:60") == "the UTC offset's minutes, 60, are not 00-59");  // a hunt: it said the range
  CHECK(explain_time_error("2024-01-31 13:00-0575") == "the UTC offset's minutes, 75, are not 00-59");
  CHECK(explain_time_error("2024-01-31 13:00+14:30") == "the UTC offset is not -14:00 to +14:00");
}

TEST_CASE("a zero fraction of a second reads and is written back, another fraction does not read", "[time]") {
  std::int64_t tick = 0, whole = 0;
  TimeFormat format, plain;
  REQUIRE(parse_time("2021-03-27T00:00:00.000Z", tick, format));  // JavaScript's toISOString
  REQUIRE(parse_time("2021-03-27T00:00:00Z", whole, plain));
  CHECK(tick == whole);
  CHECK(format.fraction_digits == 3);
  CHECK(format != plain);  // one form per column
  TimeIndex index;
  index.format = format;
  CHECK(index.format_tick(tick + 3600) == "2021-03-27T01:00:00.000Z");
  REQUIRE(parse_time("2021-03-27 00:00:00.0+01:00", tick, format));
  CHECK(format.fraction_digits == 1);
  CHECK_FALSE(parse_time("2021-03-27T00:00:00.250Z", tick, format));
  CHECK(explain_time_error("2021-03-27T00:00:00.250Z") ==
        "a fraction of a second: times are whole seconds (a zero fraction, .000, is read)");
  CHECK_FALSE(parse_time("2021-03-27T00:00:00.Z", tick, format));
  CHECK_FALSE(parse_time("2021-03-27T00:00.000Z", tick, format));  // a fraction needs the seconds
  CHECK_FALSE(parse_time("2021-03-27T00:00:00.0000000000Z", tick, format));
}

TEST_CASE("a history continues a model's times only in the same UTC offset, Z being +00:00", "[time]") {
  std::int64_t tick = 0;
  TimeFormat zulu, utc, plus1, plain;
  REQUIRE(parse_time("2024-01-31T13:00:00Z", tick, zulu));
  REQUIRE(parse_time("2024-01-31 13:00:00+00:00", tick, utc));
  REQUIRE(parse_time("2024-01-31 13:00:00+01:00", tick, plus1));
  REQUIRE(parse_time("2024-01-31 13:00:00", tick, plain));
  CHECK_FALSE(offsets_differ(zulu, utc));
  CHECK_FALSE(offsets_differ(utc, zulu));
  CHECK(offsets_differ(zulu, plain));  // a time with no offset is local to an unknown place
  CHECK(offsets_differ(zulu, plus1));
  CHECK(offsets_differ(utc, plain));
  CHECK(offset_description(zulu) == "UTC (Z)");
  CHECK(offset_mismatch(plain, zulu) == "its times are written with no UTC offset, the model's training data with UTC (Z); "
                                        "convert the history's times to the same offset");
}

TEST_CASE("frequencies are inferred from the ticks", "[time]") {
  using Unit = Frequency::Unit;
  SECTION("years are yearly") {
    const TimeIndex index = index_of({"1885", "1886", "1887"});
    CHECK(index.frequency.unit == Unit::months);
    CHECK(index.frequency.count == 12);
    CHECK(index.frequency.name() == "yearly");
    CHECK(index.frequency.seasonal_period() == 1);
  }
  SECTION("quarters written as their first month are quarterly") {
    const TimeIndex index = index_of({"1959-01", "1959-04", "1959-07", "1959-10", "1960-01"});
    CHECK(index.frequency.count == 3);
    CHECK(index.frequency.name() == "quarterly");
    CHECK(index.frequency.seasonal_period() == 4);
  }
  SECTION("year-months one apart are monthly across the year end") {
    const TimeIndex index = index_of({"1949-11", "1949-12", "1950-01"});
    CHECK(index.frequency.unit == Unit::months);
    CHECK(index.frequency.count == 1);
    CHECK(index.frequency.name() == "monthly");
    CHECK(index.frequency.seasonal_period() == 12);
  }
  SECTION("dates on the same day of month are monthly") {
    const TimeIndex index = index_of({"2024-01-15", "2024-02-15", "2024-03-15"});
    CHECK(index.frequency.unit == Unit::months);
    CHECK(index.frequency.count == 1);
    CHECK(index.month_day == 15);
  }
  SECTION("month ends are monthly and stay on month ends") {
    const TimeIndex index = index_of({"2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30"});
    CHECK(index.frequency.name() == "monthly");
    CHECK(index.month_day == 31);
    CHECK(index.format_tick(index.advance(index.ticks.back(), 1)) == "2024-05-31");
  }
  SECTION("business month ends and starts are monthly, on the month's end and first day") {
    // pandas' BM and BMS: the last or first weekday of each month (a hunt: read as business days
    // with gaps, and with --missing, no times at all).
    const TimeIndex ends = index_of({"2018-03-30", "2018-04-30", "2018-05-31", "2018-06-29", "2018-07-31"});
    CHECK(ends.frequency.name() == "monthly");
    CHECK(ends.month_day == 31);
    CHECK(ends.format_tick(ends.ticks.front()) == "2018-03-31");
    CHECK(ends.format_tick(ends.ticks[3]) == "2018-06-30");
    CHECK(ends.format_tick(ends.advance(ends.ticks.back(), 1)) == "2018-08-31");
    const TimeIndex starts = index_of({"2018-09-03", "2018-10-01", "2018-11-01", "2018-12-03", "2019-01-01"});
    CHECK(starts.frequency.name() == "monthly");
    CHECK(starts.month_day == 1);
    CHECK(starts.format_tick(starts.ticks.front()) == "2018-09-01");
    const TimeIndex quarters = index_of({"2018-03-30 16:00", "2018-06-29 16:00", "2018-09-28 16:00", "2018-12-31 16:00"});
    CHECK(quarters.frequency.name() == "quarterly");
    CHECK(quarters.format_tick(quarters.ticks[1]) == "2018-06-30 16:00");
    // Not when two fall in one month, nor at two times of day, nor far from the month's end.
    CHECK(index_of({"2018-03-29", "2018-03-30", "2018-04-30"}).frequency.unit != Unit::months);
    CHECK(index_of({"2018-03-30 16:00", "2018-04-30 17:00", "2018-05-31 16:00"}).frequency.unit != Unit::months);
    CHECK(index_of({"2018-03-30", "2018-04-27", "2018-05-31"}).frequency.unit != Unit::months);
    CHECK(index_of({"2018-03-30", "2018-05-04", "2018-06-08"}).frequency.unit != Unit::months);  // 5 weeks apart
  }
  SECTION("quarter ends are quarterly") {
    CHECK(index_of({"2020-03-31", "2020-06-30", "2020-09-30", "2020-12-31"}).frequency.name() == "quarterly");
  }
  SECTION("dates a year apart on the same day are yearly") {
    CHECK(index_of({"2020-06-30", "2021-06-30", "2022-06-30"}).frequency.name() == "yearly");
  }
  SECTION("dates 7 days apart are weekly") {
    const TimeIndex index =
        index_of({"2024-01-01", "2024-01-08", "2024-01-15", "2024-01-22", "2024-01-29", "2024-02-05"});
    CHECK(index.frequency.unit == Unit::seconds);
    CHECK(index.frequency.count == 7 * kDay);
    CHECK(index.frequency.name() == "weekly");
    CHECK(index.frequency.seasonal_period() == 52);
  }
  SECTION("consecutive dates are daily") {
    const TimeIndex index = index_of({"2024-01-30", "2024-01-31", "2024-02-01"});
    CHECK(index.frequency.name() == "daily");
    CHECK(index.frequency.seasonal_period() == 7);
  }
  SECTION("datetimes an hour apart are hourly") {
    const TimeIndex index = index_of({"2014-01-01 22:00", "2014-01-01 23:00", "2014-01-02 00:00"});
    CHECK(index.frequency.name() == "hourly");
    CHECK(index.frequency.seasonal_period() == 24);
  }
  SECTION("minutes and seconds are named by their count") {
    CHECK(index_of({"2024-01-01 00:00", "2024-01-01 00:01", "2024-01-01 00:02"}).frequency.name() == "every minute");
    CHECK(index_of({"2024-01-01 00:00", "2024-01-01 00:15", "2024-01-01 00:30"}).frequency.name() == "15 minutes");
    CHECK(index_of({"2024-01-01T00:00:00Z", "2024-01-01T00:00:01Z"}).frequency.name() == "every second");
    CHECK(index_of({"2024-01-01T00:00:00Z", "2024-01-01T00:00:30Z"}).frequency.name() == "30 seconds");
  }
  SECTION("integer periods step by their most common difference") {
    const TimeIndex one = index_of({"1", "2", "3", "4"});
    CHECK(one.frequency.unit == Unit::periods);
    CHECK(one.frequency.count == 1);
    CHECK(one.frequency.name() == "every period");
    CHECK(one.frequency.seasonal_period() == 1);
    CHECK(index_of({"10", "12", "14", "18"}).frequency.name() == "every 2 periods");
  }
  SECTION("the most common difference wins over a larger one") {
    const TimeIndex index = index_of({"2024-01-01", "2024-01-02", "2024-01-03", "2024-01-05", "2024-01-06"});
    CHECK(index.frequency.name() == "daily");
    CHECK(index.steps_between(index.ticks[2], index.ticks[3]) == 2);
  }
  SECTION("a single tick takes the natural step of its form") {
    CHECK(index_of({"1949-01"}).frequency.name() == "monthly");
    CHECK(index_of({"1949"}).frequency.name() == "yearly");
    CHECK(index_of({"2024-01-01"}).frequency.name() == "daily");
    CHECK(index_of({"2024-01-01 10:00"}).frequency.unit == Unit::none);
  }
}

TEST_CASE("a history with more rows missing than present is read at the model's step when two rows show it", "[time]") {
  using Unit = Frequency::Unit;
  const auto read = [](const std::vector<std::string>& texts, const Frequency& known) {
    std::vector<std::int64_t> ticks;
    for (const auto& text : texts) ticks.push_back(tick_of(text));
    return infer_time_index(ticks, format_of(texts.front()), known);
  };
  const Frequency monthly{Unit::months, 1}, hourly{Unit::seconds, 3600};
  // Most steps are two months, one is one: monthly, with gaps (a hunt: refused as "irregular").
  const TimeIndex sparse = read({"1960-07", "1960-09", "1960-11", "1960-12"}, monthly);
  CHECK(sparse.frequency.unit == Unit::months);
  CHECK(sparse.frequency.count == 1);
  CHECK(read({"2000-01-01 00:00", "2000-01-01 02:00", "2000-01-01 04:00", "2000-01-01 05:00"}, hourly).frequency.count == 3600);
  // No two rows a model step apart: its own step, which the caller refuses as another frequency.
  CHECK(read({"1960-03", "1960-06", "1960-09", "1960-12"}, monthly).frequency.count == 3);
  CHECK(read({"1960-10", "1960-12"}, monthly).frequency.count == 2);
  // Nothing known: as inferred.
  CHECK(read({"1960-07", "1960-09", "1960-11", "1960-12"}, Frequency{}).frequency.count == 2);
}

TEST_CASE("one tick shows no step: a model's known frequency is taken where the form can hold it", "[time]") {
  using Unit = Frequency::Unit;
  const auto one = [](const std::string& text, const Frequency& known) {
    return infer_time_index({tick_of(text)}, format_of(text), known);
  };
  const Frequency monthly{Unit::months, 1}, quarterly{Unit::months, 3}, daily{Unit::seconds, kDay};
  SECTION("a date of a monthly model continues months from its day (a history of one row, look-back 1)") {
    const TimeIndex end = one("1960-12-31", monthly);
    CHECK(end.frequency.unit == Unit::months);
    CHECK(end.frequency.count == 1);
    CHECK(end.month_day == 31);
    CHECK(end.format_tick(end.advance(end.ticks.front(), 2)) == "1961-02-28");
    CHECK(one("1960-12-01", monthly).month_day == 1);
  }
  SECTION("a month label of a quarterly model, a date of a daily one") {
    CHECK(one("1960-10", quarterly).frequency.count == 3);
    CHECK(one("1960-10-05", daily).frequency.count == kDay);
  }
  SECTION("a year or a quarter label is not one month: inferred as its own step, which the caller refuses") {
    CHECK(one("1960", monthly).frequency.count == 12);
    CHECK(one("1960Q4", monthly).frequency.count == 3);
    CHECK(one("1960-10-05", Frequency{}).frequency.count == kDay);  // nothing known: as inferred
  }
  SECTION("weekly, hourly, business-day and integer-period models") {
    const Frequency weekly{Unit::seconds, 7 * kDay}, hourly{Unit::seconds, 3600}, business{Unit::business_days, 1},
        periods{Unit::periods, 1};
    const TimeIndex week = one("2024-01-05", weekly);
    CHECK(week.frequency.count == 7 * kDay);
    CHECK(week.format_tick(week.advance(week.ticks.front(), 1)) == "2024-01-12");
    const TimeIndex hour = one("2024-01-05 23:00", hourly);
    CHECK(hour.frequency.count == 3600);
    CHECK(hour.format_tick(hour.advance(hour.ticks.front(), 1)) == "2024-01-06 00:00");
    // A date alone cannot hold an hour: inferred as daily, which the caller refuses.
    CHECK(one("2024-01-05", hourly).frequency.count == kDay);
    const TimeIndex friday = one("2024-01-05", business);
    CHECK(friday.frequency.unit == Unit::business_days);
    CHECK(friday.format_tick(friday.advance(friday.ticks.front(), 1)) == "2024-01-08");  // Friday -> Monday
    const TimeIndex step = one("17", periods);
    CHECK(step.frequency.unit == Unit::periods);
    CHECK(step.format_tick(step.advance(step.ticks.front(), 2)) == "19");
    CHECK(one("2024-01-05", periods).frequency.unit == Unit::seconds);  // a date is not a period number
  }
}

TEST_CASE("four digits are a year, but a period among integer periods", "[time]") {
  std::int64_t tick = 0;
  TimeFormat format;
  REQUIRE(parse_time_as("1000", TimeKind::integer, tick, format));
  CHECK(tick == 1000);
  CHECK(format.kind == TimeKind::integer);
  REQUIRE(parse_time_as("1000", TimeKind::year, tick, format));
  CHECK(tick == tick_of("1000-01-01"));
  CHECK_FALSE(parse_time_as("1000-01", TimeKind::integer, tick, format));
  CHECK_FALSE(parse_time_as("12", TimeKind::year, tick, format));
  CHECK(year_of_tick(tick_of("1969-12-31 23:59")) == 1969);
  // A history of 1001 .. 1003 for a model trained on periods: periods, one apart.
  const TimeIndex history = infer_time_index({tick_of("1001"), tick_of("1002"), tick_of("1003")}, format_of("1001"),
                                             Frequency{Frequency::Unit::periods, 1});
  CHECK(history.format.kind == TimeKind::integer);
  CHECK(history.ticks == std::vector<std::int64_t>{1001, 1002, 1003});
  CHECK(history.frequency.unit == Frequency::Unit::periods);
  CHECK(history.frequency.count == 1);
}

TEST_CASE("a history's times are placed on the model's grid, or the first the model cannot write is named", "[time]") {
  // The history's ticks placed on `model`'s grid, written as the model writes them.
  const auto placed = [](const TimeIndex& model, const std::vector<std::string>& history) {
    std::vector<std::int64_t> ticks;
    for (const auto& text : history) ticks.push_back(tick_of(text));
    const std::optional<std::size_t> off = place_on_grid(model, model.ticks.front(), ticks);
    std::vector<std::string> out;
    for (const std::int64_t tick : ticks) out.push_back(model.format_tick(tick));
    if (off) out.push_back("off at " + std::to_string(*off));
    return out;
  };
  using List = std::vector<std::string>;
  SECTION("quarters and years go to the model's place in the calendar period") {
    const TimeIndex quarter_ends = index_of({"1990-03-31", "1990-06-30", "1990-09-30", "1990-12-31"});
    CHECK(placed(quarter_ends, {"1991Q1", "1991Q2"}) == List{"1991-03-31", "1991-06-30"});
    CHECK(placed(quarter_ends, {"1991-01-01", "1991-04-01"}) == List{"1991-03-31", "1991-06-30"});
    CHECK(placed(quarter_ends, {"1991-02", "1991-05"}) == List{"1991-03-31", "1991-06-30"});
    const TimeIndex quarter_starts = index_of({"1990-01-01", "1990-04-01", "1990-07-01"});
    CHECK(placed(quarter_starts, {"1991-03-31", "1991-06-30"}) == List{"1991-01-01", "1991-04-01"});
    const TimeIndex year_ends = index_of({"1990-12-31", "1991-12-31", "1992-12-31"});
    CHECK(placed(year_ends, {"1993", "1994"}) == List{"1993-12-31", "1994-12-31"});
    const TimeIndex quarters = index_of({"1990Q1", "1990Q2", "1990Q3"});
    CHECK(placed(quarters, {"1991-03-31", "1991-06-30"}) == List{"1991Q1", "1991Q2"});
    const TimeIndex months = index_of({"2020-01-15", "2020-02-15", "2020-03-15"});
    CHECK(placed(months, {"2020-04", "2020-05-31"}) == List{"2020-04-15", "2020-05-15"});
  }
  SECTION("a model on dates reads clock times by their date") {
    const TimeIndex days = index_of({"2024-02-27", "2024-02-28", "2024-02-29"});
    CHECK(placed(days, {"2024-03-01 13:00", "2024-03-02 13:00"}) == List{"2024-03-01", "2024-03-02"});
    const TimeIndex weeks = index_of({"2024-01-01", "2024-01-08", "2024-01-15"});
    CHECK(placed(weeks, {"2024-01-24", "2024-01-31"}) == List{"2024-01-24", "2024-01-31"});  // the user's own weekday
  }
  SECTION("a time the model's form cannot write is named, not rounded") {
    const TimeIndex minutes = index_of({"2004-01-01 05:00", "2004-01-01 05:01", "2004-01-01 05:02"});
    CHECK(placed(minutes, {"2004-01-01 05:03", "2004-01-01 05:04"}) == List{"2004-01-01 05:03", "2004-01-01 05:04"});
    CHECK(placed(minutes, {"2004-01-01 05:03", "2004-01-01 05:04:30"}).back() == "off at 1");
    const TimeIndex periods = index_of({"997", "998", "999"});
    CHECK(placed(periods, {"990", "991"}) == List{"990", "991"});
  }
}

TEST_CASE("daylight saving changes are the small hours of Sundays in the months clocks change", "[time]") {
  CHECK(at_daylight_saving_change(tick_of("2021-10-31 02:00")));   // Europe, set back
  CHECK(at_daylight_saving_change(tick_of("2024-03-10 02:00")));   // the US, set forward
  CHECK(at_daylight_saving_change(tick_of("2024-04-07 03:00")));   // Australia, set back
  CHECK(at_daylight_saving_change(tick_of("1968-03-31 01:00")));   // a Sunday before 1970 (negative ticks)
  CHECK_FALSE(at_daylight_saving_change(tick_of("2024-06-16 00:00")));  // a Sunday in June
  CHECK_FALSE(at_daylight_saving_change(tick_of("2021-10-30 02:00")));  // a Saturday
  CHECK_FALSE(at_daylight_saving_change(tick_of("2021-10-31 04:00")));  // past the small hours
}

TEST_CASE("frequency names and seasonal periods cover the units", "[time]") {
  using Unit = Frequency::Unit;
  CHECK(Frequency{Unit::none, 0}.name() == "none");
  CHECK(Frequency{Unit::months, 6}.name() == "6 months");
  CHECK(Frequency{Unit::months, 24}.name() == "2 years");
  CHECK(Frequency{Unit::seconds, 2 * 7 * kDay}.name() == "2 weeks");
  CHECK(Frequency{Unit::seconds, 3 * kDay}.name() == "3 days");
  CHECK(Frequency{Unit::seconds, 36 * 3600}.name() == "36 hours");
  CHECK(Frequency{Unit::seconds, 15 * 60}.seasonal_period() == 1);
  CHECK(Frequency{Unit::months, 6}.seasonal_period() == 1);
  CHECK(Frequency{Unit::periods, 1}.seasonal_period() == 1);
}

TEST_CASE("advance is calendar-aware and format_tick writes the input's form", "[time]") {
  SECTION("2023-11 plus 3 months is 2024-02") {
    const TimeIndex index = index_of({"2023-10", "2023-11"});
    CHECK(index.format_tick(index.advance(tick_of("2023-11"), 3)) == "2024-02");
    CHECK(index.format_tick(index.advance(tick_of("2024-02"), -3)) == "2023-11");
    CHECK(index.format_tick(index.advance(tick_of("2023-11"), 14)) == "2025-01");
  }
  SECTION("a month step clamps the day to the month's length") {
    TimeIndex index;
    index.format.kind = TimeKind::date;
    index.frequency = {Frequency::Unit::months, 1};
    CHECK(index.format_tick(index.advance(tick_of("2024-01-31"), 1)) == "2024-02-29");
    CHECK(index.format_tick(index.advance(tick_of("2023-01-31"), 1)) == "2023-02-28");
    CHECK(index.format_tick(index.advance(tick_of("2024-01-31"), 2)) == "2024-03-31");
    index.month_day = 31;  // a month-end series
    CHECK(index.format_tick(index.advance(tick_of("2024-02-29"), 1)) == "2024-03-31");
  }
  SECTION("quarterly and yearly steps") {
    const TimeIndex quarters = index_of({"1959-01", "1959-04"});
    CHECK(quarters.format_tick(quarters.advance(tick_of("2009-07"), 1)) == "2009-10");
    CHECK(quarters.format_tick(quarters.advance(tick_of("2009-07"), 2)) == "2010-01");
    const TimeIndex years = index_of({"1962", "1963"});
    CHECK(years.format_tick(years.advance(tick_of("1963"), 6)) == "1969");
  }
  SECTION("second-based steps cross days, months and leap days") {
    const TimeIndex hourly = index_of({"2014-12-31 22:00", "2014-12-31 23:00"});
    CHECK(hourly.format_tick(hourly.advance(tick_of("2014-12-31 23:00"), 1)) == "2015-01-01 00:00");
    const TimeIndex daily = index_of({"2024-02-27", "2024-02-28"});
    CHECK(daily.format_tick(daily.advance(tick_of("2024-02-28"), 1)) == "2024-02-29");
    CHECK(daily.format_tick(daily.advance(tick_of("2024-02-28"), 2)) == "2024-03-01");
  }
  SECTION("every form round-trips through format_tick and parse_time") {
    for (const std::vector<std::string>& texts : std::vector<std::vector<std::string>>{
             {"1", "2"},
             {"1949", "1950"},
             {"1961-01", "1961-02"},
             {"2014-12-30", "2014-12-31"},
             {"2014-12-31 22:00", "2014-12-31 23:00"},
             {"2024-01-31 13:00:00", "2024-01-31 13:00:30"},
             {"2024-01-31T13:00:00Z", "2024-01-31T14:00:00Z"},
             {"2024-01-31T13:00", "2024-01-31T13:05"}}) {
      const TimeIndex index = index_of(texts);
      CHECK(index.format_tick(index.ticks[0]) == texts[0]);
      CHECK(index.format_tick(index.ticks[1]) == texts[1]);
      for (int step = -5; step <= 30; ++step) {
        const std::int64_t tick = index.advance(index.ticks[1], step);
        std::int64_t parsed = 0;
        TimeFormat format;
        REQUIRE(parse_time(index.format_tick(tick), parsed, format));
        CHECK(parsed == tick);
        CHECK(format == index.format);
        CHECK(index.steps_between(index.ticks[1], tick) == step);
      }
    }
  }
  SECTION("steps_between refuses ticks off the step") {
    const TimeIndex daily = index_of({"2024-01-01", "2024-01-02"});
    CHECK_FALSE(daily.steps_between(tick_of("2024-01-01"), tick_of("2024-01-01") + 3600).has_value());
    const TimeIndex monthly = index_of({"2024-01-15", "2024-02-15"});
    CHECK(monthly.steps_between(tick_of("2024-01-15"), tick_of("2024-04-15")) == 3);
    CHECK_FALSE(monthly.steps_between(tick_of("2024-01-15"), tick_of("2024-04-16")).has_value());
  }
  SECTION("periods_between counts months whatever the day a file writes") {
    const TimeIndex monthly = index_of({"2024-01", "2024-02"});
    CHECK(monthly.periods_between(tick_of("2024-01"), tick_of("2024-04-30")) == 3);
    CHECK(monthly.periods_between(tick_of("2024-01-31"), tick_of("2023-12-01")) == -1);
    CHECK_FALSE(monthly.steps_between(tick_of("2024-01"), tick_of("2024-04-30")).has_value());
    const TimeIndex quarterly = index_of({"2024-01", "2024-04"});
    CHECK(quarterly.periods_between(tick_of("2024-03-31"), tick_of("2025-01")) == 4);  // 2024Q1 to 2025Q1
    CHECK(quarterly.periods_between(tick_of("2025-01"), tick_of("2024-03-31")) == -4);
    CHECK(quarterly.periods_between(tick_of("1990-01"), tick_of("1990-06-30")) == 1);
    const TimeIndex daily = index_of({"2024-01-01", "2024-01-02"});
    CHECK_FALSE(daily.periods_between(tick_of("2024-01-01"), tick_of("2024-01-01") + 3600).has_value());
  }
  SECTION("steps_between says nothing, rather than overflow, for ticks further apart than int64 holds") {
    TimeIndex periods;
    periods.format.kind = TimeKind::integer;
    periods.frequency = {Frequency::Unit::periods, 1};
    const std::int64_t far = std::numeric_limits<std::int64_t>::max() - 1;
    CHECK_FALSE(periods.steps_between(-far, far).has_value());
    CHECK(periods.steps_between(-5, far - 5) == far);
  }
}

TEST_CASE("advance refuses steps beyond the int64 range instead of wrapping around", "[time]") {
  // Found by fuzz_time: integer periods 0 and 922337036845552434 (a valid step), 12 steps on.
  TimeIndex periods;
  periods.format.kind = TimeKind::integer;
  periods.frequency = {Frequency::Unit::periods, 922337036845552434};
  CHECK(periods.advance(0, 2) == 2 * 922337036845552434);
  REQUIRE_THROWS_AS(periods.advance(922337036845552434, 12), lstmf::InputError);
  REQUIRE_THROWS_WITH(periods.advance(922337036845552434, 12), Catch::Contains("beyond the supported range"));
  TimeIndex none;
  REQUIRE_THROWS_AS(none.advance(std::numeric_limits<std::int64_t>::max(), 1), lstmf::InputError);
  TimeIndex months;
  months.format.kind = TimeKind::year_month;
  months.frequency = {Frequency::Unit::months, 1};
  CHECK(months.format_tick(months.advance(0, 12)) == "1971-01");
  REQUIRE_THROWS_AS(months.advance(0, 2000000000), lstmf::InputError);  // year 1.7e8
  REQUIRE_THROWS_AS(months.advance(0, std::numeric_limits<std::int64_t>::max()), lstmf::InputError);
}

TEST_CASE("quarters written 1990Q1, 1990-Q1 or 1990 Q1 are quarterly and written back alike", "[time]") {
  CHECK(tick_of("1990Q1") == days_from_civil(1990, 1, 1) * kDay);
  CHECK(tick_of("1990-Q4") == days_from_civil(1990, 10, 1) * kDay);
  CHECK(format_of("1990Q2").kind == TimeKind::year_quarter);
  CHECK_FALSE(format_of("1990Q2").quarter_dash);
  CHECK(format_of("1990-Q2").quarter_dash);
  CHECK(format_of("1990 Q2").quarter_space);
  CHECK_FALSE(format_of("1990 Q2").quarter_dash);
  CHECK(tick_of("1990 Q3") == days_from_civil(1990, 7, 1) * kDay);
  std::int64_t tick = 0;
  TimeFormat format;
  for (const char* text : {"1990Q5", "1990Q0", "1990-Q", "199Q1", "1990q1", "1990  Q1", "1990_Q1", "1990-Q12", "1990 Q12"})
    CHECK_FALSE(parse_time(text, tick, format));
  CHECK(explain_time_error("1990Q5") == "quarter 5 is not 1-4");
  CHECK(explain_time_error("1990 Q0") == "quarter 0 is not 1-4");
  CHECK_THAT(explain_time_error("1990_Q1"), Catch::Contains("1990Q1, 1990-Q1, 1990 Q1"));

  const TimeIndex plain = index_of({"1990Q3", "1990Q4", "1991Q1", "1991Q2"});
  CHECK(plain.frequency.name() == "quarterly");
  CHECK(plain.frequency.seasonal_period() == 4);
  CHECK(plain.format_tick(plain.advance(plain.ticks.back(), 1)) == "1991Q3");
  CHECK(plain.format_tick(plain.advance(plain.ticks.back(), 3)) == "1992Q1");
  const TimeIndex dashed = index_of({"1999-Q3", "1999-Q4", "2000-Q2"});  // a gap of one quarter
  CHECK(dashed.frequency.name() == "quarterly");
  CHECK(dashed.steps_between(dashed.ticks[1], dashed.ticks[2]) == 2);
  CHECK(dashed.format_tick(dashed.advance(dashed.ticks.back(), 1)) == "2000-Q3");
  const TimeIndex spaced = index_of({"1999 Q4", "2000 Q1"});
  CHECK(spaced.frequency.name() == "quarterly");
  CHECK(spaced.format_tick(spaced.advance(spaced.ticks.back(), 1)) == "2000 Q2");
  CHECK(index_of({"2001Q2"}).frequency.name() == "quarterly");  // one tick: the form's own step
}

TEST_CASE("weekdays without weekends are business daily and step over Saturdays and Sundays", "[time]") {
  using Unit = Frequency::Unit;
  // Thursday 2024-01-04 to Wednesday 2024-01-10: no Saturday or Sunday row.
  const TimeIndex index = index_of({"2024-01-04", "2024-01-05", "2024-01-08", "2024-01-09", "2024-01-10"});
  CHECK(index.frequency.unit == Unit::business_days);
  CHECK(index.frequency.count == 1);
  CHECK(index.frequency.name() == "business daily");
  CHECK(index.frequency.seasonal_period() == 5);
  SECTION("advance skips weekends both ways, over year ends and before 1970") {
    CHECK(index.format_tick(index.advance(tick_of("2024-01-05"), 1)) == "2024-01-08");
    CHECK(index.format_tick(index.advance(tick_of("2024-01-10"), 3)) == "2024-01-15");
    CHECK(index.format_tick(index.advance(tick_of("2024-01-08"), -1)) == "2024-01-05");
    CHECK(index.format_tick(index.advance(tick_of("2024-12-27"), 2)) == "2024-12-31");
    CHECK(index.format_tick(index.advance(tick_of("2024-12-27"), 3)) == "2025-01-01");
    CHECK(index.format_tick(index.advance(tick_of("1969-12-26"), 1)) == "1969-12-29");  // Friday -> Monday
    CHECK(index.format_tick(index.advance(tick_of("1970-01-01"), 2)) == "1970-01-05");  // Thursday + 2
    CHECK(index.format_tick(index.advance(tick_of("2024-01-08"), 260)) == "2025-01-06");
    CHECK_THROWS_AS(index.advance(tick_of("2024-01-08"), std::numeric_limits<std::int64_t>::max() / 2), InputError);
  }
  SECTION("steps count business days; a weekend tick or another time of day is no step") {
    CHECK(index.steps_between(tick_of("2024-01-05"), tick_of("2024-01-08")) == 1);
    CHECK(index.steps_between(tick_of("2024-01-04"), tick_of("2024-01-10")) == 4);
    CHECK(index.steps_between(tick_of("2024-01-10"), tick_of("2024-01-04")) == -4);
    CHECK(index.steps_between(tick_of("2024-01-05"), tick_of("2024-01-12")) == 5);
    CHECK_FALSE(index.steps_between(tick_of("2024-01-05"), tick_of("2024-01-06")).has_value());
    CHECK_FALSE(index.steps_between(tick_of("2024-01-07"), tick_of("2024-01-08")).has_value());
    CHECK(index.periods_between(tick_of("2024-01-05"), tick_of("2024-01-15")) == 6);
  }
  SECTION("a missing weekday is a gap of two steps") {
    const TimeIndex gap = index_of({"2024-01-04", "2024-01-05", "2024-01-08", "2024-01-10", "2024-01-11"});
    CHECK(gap.frequency.name() == "business daily");
    CHECK(gap.steps_between(gap.ticks[2], gap.ticks[3]) == 2);
  }
  SECTION("closing times at one time of day are business daily too") {
    const TimeIndex closes = index_of({"2024-01-05 16:00", "2024-01-08 16:00", "2024-01-09 16:00"});
    CHECK(closes.frequency.name() == "business daily");
    CHECK(closes.format_tick(closes.advance(closes.ticks.front(), 1)) == "2024-01-08 16:00");
    CHECK(index_of({"2024-01-05 16:00", "2024-01-08 15:00", "2024-01-09 16:00"}).frequency.unit == Unit::seconds);
  }
  SECTION("daily data with a weekend row, weekly Mondays and weekdays that never span a weekend are not") {
    CHECK(index_of({"2024-01-05", "2024-01-06", "2024-01-08", "2024-01-09"}).frequency.name() == "daily");
    CHECK(index_of({"2024-01-01", "2024-01-08", "2024-01-15"}).frequency.name() == "weekly");
    CHECK(index_of({"2024-01-01", "2024-01-15", "2024-01-29"}).frequency.name() == "2 weeks");
    CHECK(index_of({"2024-01-01", "2024-01-02", "2024-01-03"}).frequency.name() == "daily");
  }
  SECTION("steps are the greatest common divisor of the business-day differences") {
    // Monday, Tuesday, Thursday: one business day, the Wednesdays and Fridays gaps.
    const TimeIndex mtt = index_of({"2024-01-01", "2024-01-02", "2024-01-04", "2024-01-08", "2024-01-09", "2024-01-11"});
    CHECK(mtt.frequency.name() == "business daily");
    CHECK(mtt.steps_between(mtt.ticks[1], mtt.ticks[2]) == 2);
    // Every other business day: Monday, Wednesday, Friday, Tuesday, Thursday.
    const TimeIndex other = index_of({"2024-01-01", "2024-01-03", "2024-01-05", "2024-01-09", "2024-01-11"});
    CHECK(other.frequency.name() == "2 business days");
    CHECK(other.format_tick(other.advance(other.ticks.back(), 1)) == "2024-01-15");
  }
  SECTION("a history read knowing the model's business days keeps them, short or with a holiday") {
    const auto read = [&](const std::vector<std::string>& texts) {
      std::vector<std::int64_t> ticks;
      for (const auto& text : texts) ticks.push_back(tick_of(text));
      return infer_time_index(ticks, format_of(texts.front()), index.frequency);
    };
    for (const auto& history : std::vector<std::vector<std::string>>{
             {"2024-01-09", "2024-01-10"}, {"2024-01-12"}, {"2024-01-12", "2024-01-15"}, {"2024-01-10", "2024-01-12"}}) {
      const TimeIndex h = read(history);
      CHECK(h.frequency.unit == Unit::business_days);
      CHECK(continues_frequency(index.frequency, h));
    }
    CHECK(read({"2024-01-10", "2024-01-12"}).steps_between(tick_of("2024-01-10"), tick_of("2024-01-12")) == 2);  // a gap
    // A weekend row or two times of day: read as they are, and refused.
    const TimeIndex weekend = read({"2024-01-12", "2024-01-13"});
    CHECK(weekend.frequency.name() == "daily");
    CHECK_FALSE(continues_frequency(index.frequency, weekend));
    CHECK_FALSE(continues_frequency(index.frequency, index_of({"2024-01-13 10:00"})));  // one Saturday datetime
    CHECK_FALSE(continues_frequency(index.frequency, read({"2024-01-11 10:00", "2024-01-12 11:00"})));
    // A daily model does not take a history of weekdays.
    CHECK_FALSE(continues_frequency(index_of({"2024-01-01", "2024-01-02"}).frequency, index));
    CHECK(continues_frequency(index.frequency, index));
  }
}
