// Time columns: parsing timestamps, inferring the frequency, continuing the index into the future.
// A timestamp is held as an int64 "tick": seconds since 1970-01-01 00:00:00 UTC for calendar
// kinds, the value itself for integer periods. Months and quarters are calendar-aware.
//
// Conventions, for every function below:
//  - Timestamps are naive or UTC ('Z'); there are no time zones and no leap seconds.
//  - Calendar arithmetic is the proleptic Gregorian calendar (days_from_civil / civil_from_days,
//    after Howard Hinnant's "chrono-compatible low-level date algorithms").
//  - `year` ticks are 1 January 00:00 of the year, `year_month` ticks the 1st of the month 00:00,
//    `year_quarter` ticks the 1st of the quarter's first month 00:00.
//  - A month step keeps the day of month (TimeIndex::month_day), clamped to the month's length:
//    2024-01-31 + 1 month = 2024-02-29, and a month-end series (month_day 31) stays on month ends.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lstmf {

// How the input wrote its timestamps, so forecasts are written the same way.
enum class TimeKind {
  none,        // no time column
  integer,     // 1, 2, 3 (periods); any whole number that is not exactly four digits
  year,        // 1949 (exactly four digits)
  year_month,  // 1949-01
  date,        // 2024-01-31
  datetime,    // 2024-01-31 13:00, 2024-01-31T13:00:00Z
  year_quarter // 1990Q1, 1990-Q1, 1990 Q1 (pandas', statistics offices' and R tsibble's quarters): the quarter's first month
};

struct TimeFormat {
  TimeKind kind = TimeKind::none;
  bool t_separator = false;  // datetime: 'T' between date and time
  bool seconds = false;      // datetime: ":SS" written
  // datetime with seconds: a zero fraction written after them, ".000" as JavaScript's toISOString
  // writes (its digits, 1-9; 0 for none). Times are whole seconds: a nonzero fraction does not read.
  int fraction_digits = 0;
  bool zulu = false;         // datetime: trailing 'Z'
  bool quarter_dash = false; // year_quarter: "1990-Q1" rather than "1990Q1"
  bool quarter_space = false; // year_quarter: "1990 Q1" (tsibble's yearquarter, R's ts labels)
  // datetime: a trailing UTC offset, +HH:MM or -HH:MM (pandas writes +00:00 for UTC; +HHMM too), the same on
  // every row. Ticks are the clock times as written; the offset is kept to write them back.
  bool offset = false;
  int offset_minutes = 0;    // east of UTC, -14:00 .. +14:00
  bool offset_colon = true;  // +01:00 rather than +0100 (Python's strftime %z)

  bool operator==(const TimeFormat& other) const {
    return kind == other.kind && t_separator == other.t_separator && seconds == other.seconds &&
           fraction_digits == other.fraction_digits && zulu == other.zulu &&
           quarter_dash == other.quarter_dash && quarter_space == other.quarter_space && offset == other.offset &&
           offset_minutes == other.offset_minutes && offset_colon == other.offset_colon;
  }
  bool operator!=(const TimeFormat& other) const { return !(*this == other); }
};

// A regular step: `count` seconds, `count` calendar months, `count` integer periods, or `count`
// business days (Monday to Friday; Saturdays and Sundays are not steps: Friday + 1 = Monday).
struct Frequency {
  enum class Unit { none, periods, seconds, months, business_days };
  Unit unit = Unit::none;
  std::int64_t count = 0;

  // "hourly", "daily", "weekly", "monthly", "quarterly", "yearly", "every second", "every minute",
  // "15 minutes", "36 hours", "2 weeks", "6 months", "2 years", "every period", "every 2 periods",
  // "business daily", "2 business days"; "none" without a unit.
  std::string name() const;
  // The usual seasonal period: hourly 24, daily 7 (the week; M4 and data/meta.json use 1 for daily
  // data), business daily 5 (the week), weekly 52, monthly 12, quarterly 4, yearly 1, anything
  // else 1.
  int seasonal_period() const;
};

struct TimeIndex {
  TimeFormat format;
  Frequency frequency;
  std::vector<std::int64_t> ticks;  // one per row, strictly increasing
  // Month steps: the day of month every tick falls on, clamped to the month's length, so 31 means
  // "last day of the month"; 0 = the day of the tick being advanced. Unused by other units.
  int month_day = 0;

  // The tick `steps` steps after `tick` (calendar-aware for months; `steps` may be negative).
  // Without a frequency (unit none) a step is 1. Throws InputError when the result would leave
  // the int64 range (months: beyond years +-1e8) instead of wrapping around.
  std::int64_t advance(std::int64_t tick, std::int64_t steps) const;
  // How many steps `to` lies after `from`: 1 for consecutive ticks, k when k - 1 are missing
  // between them. nullopt when `to` is not a whole number of steps from `from`.
  std::optional<std::int64_t> steps_between(std::int64_t from, std::int64_t to) const;
  // As steps_between, but month steps count calendar periods whatever the day and time of day:
  // 2024-01-31 and 2024-04 are 3 monthly steps apart, 1990Q1 and 1990-06-30 one quarterly step
  // (a month step that divides 12 counts calendar-aligned periods: quarters Jan-Mar, ..., years);
  // another file may write the same periods differently (month ends, first days, "1990Q1").
  std::optional<std::int64_t> periods_between(std::int64_t from, std::int64_t to) const;
  // The tick written as the input wrote it: "1961-01", "2014-12-31 23:00", "2024-01-31T13:00:00Z".
  std::string format_tick(std::int64_t tick) const;
};

// Parses one timestamp (no surrounding whitespace). Returns false (leaving outputs unspecified)
// when `text` is not a timestamp of a supported form or not a calendar date (2023-02-30); sets
// `format` to the form found.
bool parse_time(std::string_view text, std::int64_t& tick, TimeFormat& format);

// parse_time for a column known to be written as `kind`: four digits among integer periods are a
// period (1000), not a year, as load_series reads such a column (a checkpoint's times, a forecast's
// next step). False when `text` does not read, or reads as another kind.
bool parse_time_as(std::string_view text, TimeKind kind, std::int64_t& tick, TimeFormat& format);
// The calendar year of a tick (for a `year` tick, the year it names; ticks before 1970 round down).
std::int64_t year_of_tick(std::int64_t tick);

// Datetimes whose UTC offsets differ (one written with +01:00, the other with +02:00 or none; Z is
// +00:00): their clock times are not comparable. False when either is not a datetime.
bool offsets_differ(const TimeFormat& a, const TimeFormat& b);
// "UTC offset +01:00", "UTC (Z)", or "no UTC offset".
std::string offset_description(const TimeFormat& format);
// Why a history written in `history` cannot continue a model trained on times written in
// `trained` (offsets_differ: the season would shift and the forecast be mislabelled), for an
// InputError naming the history; "" when it can.
std::string offset_mismatch(const TimeFormat& history, const TimeFormat& trained);
// Row `row` of a series for a message: its time as `index` writes it, quoted ("'2003-12-01'"),
// or "row N" (1-based) without times (`ticks` empty). Rows need not be file lines (blank lines,
// filled gaps), so a row is named by its time where there is one.
std::string row_name(const TimeIndex& index, const std::vector<std::int64_t>& ticks, long row);

// Why parse_time refused `text`, for messages: "month 13 is not 1-12", "February 2023 has 28 days",
// or the list of supported forms, after how to write a date given in another order or with other
// separators ("day/month/year: write 2024-01-31, year first" for 31.01.2024; the caller quotes the text). "" when
// parse_time accepts it.
std::string explain_time_error(std::string_view text);

// The step of strictly increasing `ticks` written in `format`: month-based for years and
// year-months, and for dates and datetimes when every tick has the same time of day and the same
// day of month (clamped to the month's length, so month ends count); otherwise seconds (periods for
// integers). The step is the most common difference (the smallest, on ties); steps_between then
// tells gaps (whole multiples) from irregular steps. Business month ends and starts (one tick a
// calendar month, each with no weekday after it in its month, or none before it: pandas' BM, BMS)
// are month-based too, on the month's end (month_day 31) or first day (1): their ticks are moved
// there, as a monthly step would write them. With fewer than two ticks: the natural step of
// the form (year: yearly, year-month: monthly, date: daily, integer: 1 period; datetime: none).
// Business days: dates (or datetimes at one time of day) of which none falls on a Saturday or a
// Sunday, at least one pair of consecutive ticks across a weekend (a stock's closing prices), and
// a step of 1 to 4 business days: the greatest common divisor of the business-day differences
// (holidays are gaps; every Monday is weekly).
// Returns the index with format, frequency and month_day set and `ticks` moved in.
TimeIndex infer_time_index(std::vector<std::int64_t> ticks, const TimeFormat& format);
// As above, for data known to be `known` (the history of a model trained at `known`; unit none:
// as above), where the ticks alone could pass for something else:
//  - business days known: dates or datetimes on weekdays at one time of day, read as days less
//    than a week apart (not weekly or monthly), whose business-day steps are whole multiples of
//    its count stay business days, even when too few to show a weekend (Monday to Thursday:
//    "daily") or leaving weekdays out (gaps under that frequency);
//  - daily known: weekday ticks that read as business days are daily, their weekends gaps (a
//    daily model trained on business-day data with --missing ffill);
//  - periods known: four-digit numbers, read as years, are periods (ticks and format.kind integer);
//  - one tick (a history of one row: a look-back of 1), which shows no step: `known` when the
//    format can hold it (months for dates, with the tick's day of month, and for labels of months,
//    quarters or years whose own step divides it;
//    seconds and business days for dates and datetimes; periods for integers).
// Otherwise as inferred (a mismatch is then the caller's to report: continues_frequency).
TimeIndex infer_time_index(std::vector<std::int64_t> ticks, const TimeFormat& format, const Frequency& known);

// A history's ticks placed on the grid of a model's times (`model`: the training data's format,
// frequency and day of month; `anchor`: one of its ticks), so that forecasts continue, and fitted
// rows are written, as the model's own data would be:
//  - a month step that divides the year: each tick to the same calendar period at the model's
//    place in it (1990Q1, or 1990-02-15, for a model on quarter ends: 1990-03-31);
//  - a model on dates: a clock time is read by its written date (the model has no clock);
//  - otherwise a tick stays as it is.
// Then every tick must be one the model's form writes exactly: returns the position of the first
// that is not (a time with seconds for a model written to the minute), nullopt when all are.
// `ticks` is changed in place; placed ticks keep their order (a history at the model's frequency
// has one tick per period).
std::optional<std::size_t> place_on_grid(const TimeIndex& model, std::int64_t anchor, std::vector<std::int64_t>& ticks);

// Dates and datetimes: the forms whose ticks fall on days of the week.
bool day_based(TimeKind kind);
// Every tick falls on Monday to Friday, at one time of day (true for none).
bool weekday_ticks(const std::vector<std::int64_t>& ticks);
// Whether the clock time `tick` lies where clocks change for daylight saving time in Europe, North
// America and Australasia: the small hours (before 04:00) of a Sunday in March, April, September,
// October or November.
bool at_daylight_saving_change(std::int64_t tick);
// Ticks that could be daily or business daily: read as days less than a week apart (daily, 2 days,
// ...), every tick on a weekday at one time of day, none a step across a weekend (a week of
// weekdays or less: Monday to Friday, Monday/Wednesday/Friday). A series of a long-format
// file like this is business daily when another series of the file is (load_series).
bool short_weekday_run(const TimeIndex& index);

// Why `ticks` (written as `format`) are not weekday_ticks, for messages: "'2024-06-15' falls on a
// Saturday", "'2024-06-14 09:30' is at another time of day than '2024-06-13 16:00'"; "" when they
// are. `at`, when given, receives the position of the tick named.
std::string weekday_problem(const std::vector<std::int64_t>& ticks, const TimeFormat& format, std::size_t* at = nullptr);

// Dates (or datetimes) read as a fixed step of days because a few of them break the calendar grid
// the rest keep: the positions of the first tick off the day of the month (the month's last day
// counting as one day) and time of day that at least 90% of the ticks share, and of the first tick
// on it, for a message that names both; nullopt when the ticks are month-based already, or no one
// day of the month holds 90%.
struct OffGrid {
  std::size_t off = 0;
  std::size_t on = 0;
};
std::optional<OffGrid> off_month_grid(const TimeIndex& index);

// Whether a history read with frequency `found` (infer_time_index with `trained` known) can continue
// a model trained at `trained`: the same unit and count, or either has none (too few ticks); never
// a business-day model and a history of dates or datetimes with a weekend tick or two times of day.
bool continues_frequency(const Frequency& trained, const TimeIndex& found);

// Civil-date helpers (proleptic Gregorian): days since 1970-01-01 and back; month is 1-12.
std::int64_t days_from_civil(std::int64_t year, int month, int day);
void civil_from_days(std::int64_t days, std::int64_t& year, int& month, int& day);
int days_in_month(std::int64_t year, int month);

}  // namespace lstmf
