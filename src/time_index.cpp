#include "lstmf/time_index.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <numeric>
#include <unordered_map>

#include "lstmf/error.hpp"

namespace lstmf {

namespace {

constexpr std::int64_t kSecondsPerDay = 86400;
constexpr std::int64_t kSecondsPerWeek = 7 * kSecondsPerDay;
// Integer periods are capped at 18 digits so that differences of two ticks cannot overflow.
constexpr std::size_t kMaxIntegerDigits = 18;
// Month arithmetic stays within years +-1e8, whose seconds fit an int64 with room to spare.
constexpr std::int64_t kMaxAdvanceYear = 100000000;

const char* const kMonthNames[] = {"January", "February", "March",     "April",   "May",      "June",
                                   "July",    "August",   "September", "October", "November", "December"};

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

// Reads exactly `count` digits at `pos`.
bool read_digits(std::string_view text, std::size_t pos, std::size_t count, std::int64_t& value) {
  if (pos + count > text.size()) return false;
  value = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (!is_digit(text[i])) return false;
    value = value * 10 + (text[i] - '0');
  }
  return true;
}

enum class TimeStatus { ok, bad_form, bad_month, bad_day, bad_clock, bad_quarter, bad_offset, bad_integer, bad_fraction };

struct ParsedTime {
  std::int64_t tick = 0;
  TimeFormat format;
  std::int64_t year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
};

TimeStatus parse_detail(std::string_view text, ParsedTime& out) {
  out = ParsedTime{};
  if (text.empty()) return TimeStatus::bad_form;

  // A whole number: a year when exactly four digits, an integer period otherwise.
  const bool sign = text[0] == '-' || text[0] == '+';
  const std::string_view digits = text.substr(sign ? 1 : 0);
  if (!digits.empty() && std::all_of(digits.begin(), digits.end(), is_digit)) {
    if (digits.size() > kMaxIntegerDigits) return TimeStatus::bad_integer;
    std::int64_t value = 0;
    read_digits(digits, 0, digits.size(), value);
    if (!sign && digits.size() == 4) {
      out.year = value;
      out.format.kind = TimeKind::year;
      out.tick = days_from_civil(value, 1, 1) * kSecondsPerDay;
    } else {
      out.format.kind = TimeKind::integer;
      out.tick = text[0] == '-' ? -value : value;
    }
    return TimeStatus::ok;
  }

  // YYYYQn, YYYY-Qn or YYYY Qn, n = 1..4
  const bool dash = text.size() == 7 && text[4] == '-' && text[5] == 'Q';
  const bool space = text.size() == 7 && text[4] == ' ' && text[5] == 'Q';
  if ((text.size() == 6 && text[4] == 'Q') || dash || space) {
    std::int64_t quarter = 0;
    if (!read_digits(text, 0, 4, out.year) || !read_digits(text, text.size() - 1, 1, quarter)) return TimeStatus::bad_form;
    out.format.kind = TimeKind::year_quarter;
    out.format.quarter_dash = dash;
    out.format.quarter_space = space;
    out.month = 3 * quarter - 2;
    out.day = 1;
    if (quarter < 1 || quarter > 4) return TimeStatus::bad_quarter;
    out.tick = days_from_civil(out.year, static_cast<int>(out.month), 1) * kSecondsPerDay;
    return TimeStatus::ok;
  }

  // YYYY-MM[-DD[(T| )HH:MM[:SS][Z]]]
  if (!read_digits(text, 0, 4, out.year) || text.size() < 7 || text[4] != '-' || !read_digits(text, 5, 2, out.month))
    return TimeStatus::bad_form;
  if (text.size() == 7) {
    out.format.kind = TimeKind::year_month;
    out.day = 1;
  } else {
    if (text[7] != '-' || !read_digits(text, 8, 2, out.day)) return TimeStatus::bad_form;
    if (text.size() == 10) {
      out.format.kind = TimeKind::date;
    } else {
      out.format.kind = TimeKind::datetime;
      std::size_t pos = 10;
      if (text[pos] != ' ' && text[pos] != 'T') return TimeStatus::bad_form;
      out.format.t_separator = text[pos] == 'T';
      if (!read_digits(text, 11, 2, out.hour) || text.size() < 16 || text[13] != ':' ||
          !read_digits(text, 14, 2, out.minute))
        return TimeStatus::bad_form;
      pos = 16;
      if (pos < text.size() && text[pos] == ':') {
        if (!read_digits(text, 17, 2, out.second)) return TimeStatus::bad_form;
        out.format.seconds = true;
        pos = 19;
        if (pos < text.size() && text[pos] == '.') {  // ".000": whole seconds only
          std::size_t end = pos + 1;
          bool zero = true;
          for (; end < text.size() && text[end] >= '0' && text[end] <= '9'; ++end) zero = zero && text[end] == '0';
          if (end == pos + 1 || end - pos - 1 > 9) return TimeStatus::bad_form;
          if (!zero) return TimeStatus::bad_fraction;
          out.format.fraction_digits = static_cast<int>(end - pos - 1);
          pos = end;
        }
      }
      if (pos < text.size() && text[pos] == 'Z') {
        out.format.zulu = true;
        ++pos;
      } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
        // +HH:MM or +HHMM
        std::int64_t hours = 0, minutes = 0;
        const std::size_t colon = pos + 3 < text.size() && text[pos + 3] == ':' ? 1 : 0;
        if (!read_digits(text, pos + 1, 2, hours) || !read_digits(text, pos + 3 + colon, 2, minutes))
          return TimeStatus::bad_form;
        out.format.offset = true;
        out.format.offset_colon = colon == 1;
        out.format.offset_minutes = static_cast<int>((text[pos] == '-' ? -1 : 1) * (hours * 60 + minutes));
        pos += 5 + colon;
        if (pos == text.size() && (hours > 14 || minutes > 59 || hours * 60 + minutes > 14 * 60))
          return TimeStatus::bad_offset;
      }
      if (pos != text.size()) return TimeStatus::bad_form;
    }
  }
  if (out.month < 1 || out.month > 12) return TimeStatus::bad_month;
  if (out.day < 1 || out.day > days_in_month(out.year, static_cast<int>(out.month))) return TimeStatus::bad_day;
  if (out.hour > 23 || out.minute > 59 || out.second > 59) return TimeStatus::bad_clock;
  out.tick = days_from_civil(out.year, static_cast<int>(out.month), static_cast<int>(out.day)) * kSecondsPerDay +
             out.hour * 3600 + out.minute * 60 + out.second;
  return TimeStatus::ok;
}

struct CivilTime {
  std::int64_t year = 0;
  int month = 1, day = 1;
  std::int64_t second_of_day = 0;
};

CivilTime split_tick(std::int64_t tick) {
  CivilTime civil;
  const std::int64_t days = floor_div(tick, kSecondsPerDay);
  civil.second_of_day = tick - days * kSecondsPerDay;
  civil_from_days(days, civil.year, civil.month, civil.day);
  return civil;
}

std::int64_t month_number(const CivilTime& civil) { return civil.year * 12 + (civil.month - 1); }

// The most common difference between consecutive values (the smallest on ties). Runs of equal
// differences are counted before touching the map, so a regular series costs one map entry.
std::int64_t most_common_difference(const std::vector<std::int64_t>& values) {
  std::unordered_map<std::int64_t, std::size_t> counts;
  std::size_t i = 1;
  while (i < values.size()) {
    const std::int64_t difference = values[i] - values[i - 1];
    std::size_t run = 1;
    while (i + run < values.size() && values[i + run] - values[i + run - 1] == difference) ++run;
    counts[difference] += run;
    i += run;
  }
  std::int64_t best = 0;
  std::size_t best_count = 0;
  for (const auto& [difference, count] : counts)
    if (count > best_count || (count == best_count && difference < best)) {
      best = difference;
      best_count = count;
    }
  return best;
}

// Business days. d = days since 1970-01-01 (a Thursday); weekday(d) = (d + 3) mod 7, Monday 0.
// Business day number b(d) = 5 floor((d + 3) / 7) + min(weekday(d), 4): Monday 1969-12-29 is 0,
// five per week; a Saturday or Sunday counts as the Friday before. Inverse for weekdays:
// d = 7 floor(b / 5) + (b mod 5) - 3.
constexpr std::int64_t kMaxBusinessDay = kMaxAdvanceYear * 262;  // beyond years +-1e8

int weekday(std::int64_t days) { return static_cast<int>(days + 3 - floor_div(days + 3, 7) * 7); }

std::int64_t business_day_number(std::int64_t days) {
  return floor_div(days + 3, 7) * 5 + std::min(weekday(days), 4);
}

std::int64_t days_of_business_day(std::int64_t number) {
  const std::int64_t week = floor_div(number, 5);
  return week * 7 + (number - week * 5) - 3;
}

// The step of business-day ticks (weekday_ticks): the greatest common divisor of their business-day
// differences, so every difference is a whole number of steps (Monday, Tuesday, Thursday: 1, with
// gaps); 0 for fewer than two ticks.
std::int64_t business_day_step(const std::vector<std::int64_t>& t) {
  std::int64_t step = 0;
  for (std::size_t i = 1; i < t.size(); ++i)
    step = std::gcd(step, business_day_number(floor_div(t[i], kSecondsPerDay)) -
                              business_day_number(floor_div(t[i - 1], kSecondsPerDay)));
  return step;
}

// Whether a step between consecutive ticks spans a weekend (fewer business days than days).
bool steps_across_weekend(const std::vector<std::int64_t>& t) {
  for (std::size_t i = 1; i < t.size(); ++i) {
    const std::int64_t days = floor_div(t[i], kSecondsPerDay), before = floor_div(t[i - 1], kSecondsPerDay);
    if (business_day_number(days) - business_day_number(before) < days - before) return true;
  }
  return false;
}

// Business-day data (infer_time_index): weekday_ticks, at least one step across a weekend, and a
// step of 1 to 4 business days (5 is weekly).
bool business_day_ticks(const std::vector<std::int64_t>& t) {
  if (t.size() < 2 || !weekday_ticks(t) || !steps_across_weekend(t)) return false;
  const std::int64_t step = business_day_step(t);
  return step >= 1 && step <= 4;
}

// A step of whole days, less than a week (daily, 2 days, ...): not weekly or monthly.
bool days_under_a_week(const Frequency& f) {
  return f.unit == Frequency::Unit::seconds && f.count % kSecondsPerDay == 0 && f.count < kSecondsPerWeek;
}

// The first tick on a Saturday or Sunday, or at another time of day than the first; ticks.size()
// when there is none.
std::size_t first_off_weekday(const std::vector<std::int64_t>& ticks) {
  if (ticks.empty()) return 0;
  const std::int64_t second_of_day = split_tick(ticks.front()).second_of_day;
  for (std::size_t i = 0; i < ticks.size(); ++i)
    if (weekday(floor_div(ticks[i], kSecondsPerDay)) >= 5 || split_tick(ticks[i]).second_of_day != second_of_day)
      return i;
  return ticks.size();
}

std::string plural(std::int64_t count, const char* unit) { return std::to_string(count) + " " + unit + "s"; }

}  // namespace

std::int64_t days_from_civil(std::int64_t year, int month, int day) {
  year -= month <= 2;
  const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  const std::int64_t year_of_era = year - era * 400;                                  // [0, 399]
  const std::int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;  // [0, 365]
  const std::int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

void civil_from_days(std::int64_t days, std::int64_t& year, int& month, int& day) {
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const std::int64_t day_of_era = days - era * 146097;  // [0, 146096]
  const std::int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;  // [0, 399]
  const std::int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const std::int64_t shifted_month = (5 * day_of_year + 2) / 153;  // March = 0
  day = static_cast<int>(day_of_year - (153 * shifted_month + 2) / 5 + 1);
  month = static_cast<int>(shifted_month < 10 ? shifted_month + 3 : shifted_month - 9);
  year = year_of_era + era * 400 + (month <= 2);
}

int days_in_month(std::int64_t year, int month) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2) {
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return leap ? 29 : 28;
  }
  return kDays[month - 1];
}

bool parse_time(std::string_view text, std::int64_t& tick, TimeFormat& format) {
  ParsedTime parsed;
  if (parse_detail(text, parsed) != TimeStatus::ok) return false;
  tick = parsed.tick;
  format = parsed.format;
  return true;
}

bool parse_time_as(std::string_view text, TimeKind kind, std::int64_t& tick, TimeFormat& format) {
  if (!parse_time(text, tick, format)) return false;
  if (kind == TimeKind::integer && format.kind == TimeKind::year) {
    tick = year_of_tick(tick);
    format.kind = TimeKind::integer;
  }
  return format.kind == kind;
}

std::int64_t year_of_tick(std::int64_t tick) { return split_tick(tick).year; }

bool offsets_differ(const TimeFormat& a, const TimeFormat& b) {
  // Z is UTC, as +00:00 is; a time with neither is local to some unknown place.
  const bool a_aware = a.offset || a.zulu, b_aware = b.offset || b.zulu;
  return a.kind == TimeKind::datetime && b.kind == TimeKind::datetime &&
         (a_aware != b_aware || (a.offset ? a.offset_minutes : 0) != (b.offset ? b.offset_minutes : 0));
}

namespace {
// +HH:MM for minutes east of UTC.
std::string offset_text(int offset_minutes, bool colon = true) {
  char text[16];
  const int minutes = std::abs(offset_minutes);
  std::snprintf(text, sizeof text, colon ? "%c%02d:%02d" : "%c%02d%02d", offset_minutes < 0 ? '-' : '+', minutes / 60,
                minutes % 60);
  return text;
}
}  // namespace

std::string offset_description(const TimeFormat& format) {
  return format.zulu ? "UTC (Z)" : format.offset ? "UTC offset " + offset_text(format.offset_minutes) : "no UTC offset";
}

std::string row_name(const TimeIndex& index, const std::vector<std::int64_t>& ticks, long row) {
  return ticks.empty() ? "row " + std::to_string(row + 1) : "'" + index.format_tick(ticks[static_cast<std::size_t>(row)]) + "'";
}

std::string offset_mismatch(const TimeFormat& history, const TimeFormat& trained) {
  if (!offsets_differ(history, trained)) return "";
  return "its times are written with " + offset_description(history) + ", the model's training data with " +
         offset_description(trained) + "; convert the history's times to the same offset";
}

namespace {
// Digits at `pos` up to the next non-digit: their value and count (0 when none).
std::size_t digits_at(std::string_view text, std::size_t pos, std::int64_t& value) {
  std::size_t end = pos;
  while (end < text.size() && end - pos < 9 && is_digit(text[end])) ++end;
  if (!read_digits(text, pos, end - pos, value)) return 0;
  return end - pos;
}

// YYYY-MM-DD (YYYY-MM when `day` is 0) followed by `rest` (a time of day), when parse_time reads
// it; "" otherwise (month 13, 30 February, 2024-01-31 1:00).
std::string iso_time_that_reads(std::int64_t year, std::int64_t month, std::int64_t day, std::string_view rest) {
  char date[72];
  if (day == 0)
    std::snprintf(date, sizeof date, "%04lld-%02lld", static_cast<long long>(year), static_cast<long long>(month));
  else
    std::snprintf(date, sizeof date, "%04lld-%02lld-%02lld", static_cast<long long>(year), static_cast<long long>(month),
                  static_cast<long long>(day));
  const std::string suggested = date + std::string(rest);
  std::int64_t tick = 0;
  TimeFormat format;
  return parse_time(suggested, tick, format) ? suggested : "";
}

// Dates written in another order, with other separators or without leading zeros (a
// spreadsheet's 1/31/2024 or 31.01.2024, 2024/01/31, 2024-1-5): how the date reads and how to
// write it, for explain_time_error. A day and month both 12 or less could be either order. "" when
// `text` is no such date, a two-digit year (49: 1949 or 2049?) included.
std::string date_order_hint(std::string_view text) {
  std::int64_t a = 0, b = 0, c = 0;
  const std::size_t a_digits = digits_at(text, 0, a);
  if (a_digits == 0 || a_digits >= text.size()) return "";
  const char separator = text[a_digits];
  if (separator != '/' && separator != '.' && separator != '-') return "";
  const std::size_t b_digits = digits_at(text, a_digits + 1, b);
  const std::size_t b_end = a_digits + 1 + b_digits;
  if (b_digits == 0 || b_digits > 2) return "";
  std::size_t end = b_end;
  bool has_day = false;
  if (b_end < text.size() && text[b_end] == separator) {
    const std::size_t c_digits = digits_at(text, b_end + 1, c);
    if (c_digits == 0) return "";
    end = b_end + 1 + c_digits;
    has_day = true;
    if ((a_digits != 4 || c_digits > 2) && (a_digits > 2 || c_digits != 4)) return "";
  } else if (a_digits != 4 || (separator == '.' && b_digits != 2)) {
    return "";  // 01/2024 and the like, or a decimal year (2020.5): too many readings to guess
  }
  if (end != text.size() && text[end] != ' ' && text[end] != 'T') return "";
  // The form suggested, when it reads (parse_time refuses month 13, 30 February, and 2024-01-31
  // 1:00, where the time is what is wrong); "" otherwise.
  const auto iso = [&](std::int64_t year, std::int64_t month, std::int64_t day) {
    return iso_time_that_reads(year, month, day, text.substr(end));
  };
  if (a_digits == 4) {  // 2024/01/31, 2024.01: year first, another separator
    const std::string date = iso(a, b, has_day ? c : 0);
    return date.empty() ? "" : "write " + date;
  }
  const std::string day_first = iso(c, b, a), month_first = iso(c, a, b);
  if (!day_first.empty() && day_first == month_first) return "write " + day_first + ", year first";
  if (!day_first.empty() && !month_first.empty())
    return "a day/month/year or a month/day/year date: write " + day_first + " or " + month_first +
           ", year first";
  if (!day_first.empty()) return "day/month/year: write " + day_first + ", year first";
  if (!month_first.empty()) return "month/day/year: write " + month_first + ", year first";
  return "";
}

// Dates with a month's English name (a spreadsheet's Jan 2024, January-2024, 31-Jan-2024, Jan 31,
// 2024, 2024 Jan): how to write them, for explain_time_error. Words are split at spaces, '-', '/'
// and ','; one month name (M: its first three letters or all of it, any case), one four-digit year
// (Y) and at most one day (D) of one or two digits, in an order English writes dates: M Y, Y M,
// D M Y, M D Y, Y M D. "" otherwise: a two-digit year (1949 or 2049?), a month number as well
// (2024-01 Jan), a number after the year (Jan 2024 13: an hour?), a decimal (Jan 2024.5).
std::string month_name_hint(std::string_view text) {
  std::int64_t year = 0, month = 0, day = 0;
  std::string order;  // "MY", "DMY", ...
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t end = std::min(text.size(), text.find_first_of(" -/,", at));
    const std::string_view word = text.substr(at, end - at);
    at = end + 1;
    if (word.empty()) continue;
    std::int64_t number = 0;
    if (digits_at(word, 0, number) == word.size()) {
      if (word.size() != 4 && word.size() > 2) return "";
      std::int64_t& slot = word.size() == 4 ? year : day;
      if (slot != 0 || number == 0) return "";
      slot = number;
      order += word.size() == 4 ? 'Y' : 'D';
      continue;
    }
    order += 'M';
    if (month != 0 || word.size() < 3) return "";
    for (int m = 0; m < 12 && month == 0; ++m) {
      const std::string_view name = kMonthNames[m];
      if (word.size() != 3 && word.size() != name.size()) continue;
      bool same = true;
      for (std::size_t i = 0; i < word.size() && same; ++i)
        same = std::tolower(static_cast<unsigned char>(word[i])) == std::tolower(static_cast<unsigned char>(name[i]));
      if (same) month = m + 1;
    }
    if (month == 0) return "";
  }
  if (order != "MY" && order != "YM" && order != "DMY" && order != "MDY" && order != "YMD") return "";
  const std::string date = iso_time_that_reads(year, month, day, "");
  return date.empty() ? "" : "write " + date;
}

}  // namespace

std::string explain_time_error(std::string_view text) {
  ParsedTime parsed;
  switch (parse_detail(text, parsed)) {
    case TimeStatus::ok:
      return "";
    case TimeStatus::bad_month:
      return "month " + std::to_string(parsed.month) + " is not 1-12";
    case TimeStatus::bad_day:
      return "day " + std::to_string(parsed.day) + " is not in " + kMonthNames[parsed.month - 1] + " " +
             std::to_string(parsed.year) + ", which has " +
             std::to_string(days_in_month(parsed.year, static_cast<int>(parsed.month))) + " days";
    case TimeStatus::bad_clock:
      return "the time of day is not 00:00:00 to 23:59:59";
    case TimeStatus::bad_quarter:
      return "quarter " + std::to_string((parsed.month + 2) / 3) + " is not 1-4";
    case TimeStatus::bad_offset: {
      // The offset ends the text (+HH:MM or +HHMM): its minutes are the last two digits.
      const std::string minutes(text.substr(text.size() - 2));
      if (minutes > "59") return "the UTC offset's minutes, " + minutes + ", are not 00-59";
      return "the UTC offset is not -14:00 to +14:00";
    }
    case TimeStatus::bad_fraction:
      return "a fraction of a second: times are whole seconds (a zero fraction, .000, is read)";
    case TimeStatus::bad_integer:
      return "an integer period has at most " + std::to_string(kMaxIntegerDigits) + " digits";
    case TimeStatus::bad_form:
      break;
  }
  std::string hint = date_order_hint(text);
  if (hint.empty()) hint = month_name_hint(text);
  return (hint.empty() ? "" : hint + "; ") + "the forms understood are 2024-01-31, 2024-01-31 13:00, 2024-01-31 13:00:00, 2024-01-31T13:00:00Z, "
         "2024-01-31 13:00:00+01:00, "
         "1949-01, 1990Q1, 1990-Q1, 1990 Q1, 1949 and integer periods";
}

std::string Frequency::name() const {
  if (count <= 0) return "none";
  switch (unit) {
    case Unit::none:
      return "none";
    case Unit::periods:
      return count == 1 ? "every period" : "every " + plural(count, "period");
    case Unit::months:
      if (count == 1) return "monthly";
      if (count == 3) return "quarterly";
      if (count == 12) return "yearly";
      return count % 12 == 0 ? plural(count / 12, "year") : plural(count, "month");
    case Unit::business_days:
      return count == 1 ? "business daily" : plural(count, "business day");
    case Unit::seconds:
      if (count == kSecondsPerWeek) return "weekly";
      if (count % kSecondsPerWeek == 0) return plural(count / kSecondsPerWeek, "week");
      if (count == kSecondsPerDay) return "daily";
      if (count % kSecondsPerDay == 0) return plural(count / kSecondsPerDay, "day");
      if (count == 3600) return "hourly";
      if (count % 3600 == 0) return plural(count / 3600, "hour");
      if (count == 60) return "every minute";
      if (count % 60 == 0) return plural(count / 60, "minute");
      return count == 1 ? "every second" : plural(count, "second");
  }
  return "none";
}

int Frequency::seasonal_period() const {
  if (unit == Unit::seconds) {
    if (count == 3600) return 24;
    if (count == kSecondsPerDay) return 7;
    if (count == kSecondsPerWeek) return 52;
  } else if (unit == Unit::months) {
    if (count == 1) return 12;
    if (count == 3) return 4;
  } else if (unit == Unit::business_days) {
    if (count == 1) return 5;
  }
  return 1;
}

std::int64_t TimeIndex::advance(std::int64_t tick, std::int64_t steps) const {
  // Checked arithmetic: a huge step or step count (integer periods near 1e18, a forecast far past
  // the end) is refused rather than wrapping around.
  const auto beyond = [&] {
    return InputError(count_of(static_cast<long>(steps), "step") + " of " + frequency.name() + " after " + format_tick(tick) +
                      (steps == 1 ? " lies" : " lie") + " beyond the supported range of timestamps");
  };
  std::int64_t offset = 0, result = 0;
  switch (frequency.unit) {
    case Frequency::Unit::none:
      if (__builtin_add_overflow(tick, steps, &result)) throw beyond();
      return result;
    case Frequency::Unit::periods:
    case Frequency::Unit::seconds:
      if (__builtin_mul_overflow(steps, frequency.count, &offset) || __builtin_add_overflow(tick, offset, &result))
        throw beyond();
      return result;
    case Frequency::Unit::months: {
      const CivilTime civil = split_tick(tick);
      std::int64_t month = 0;
      if (__builtin_mul_overflow(steps, frequency.count, &offset) ||
          __builtin_add_overflow(month_number(civil), offset, &month))
        throw beyond();
      const std::int64_t year = floor_div(month, 12);
      if (year < -kMaxAdvanceYear || year > kMaxAdvanceYear) throw beyond();  // keeps the seconds in range
      const int month_of_year = static_cast<int>(month - year * 12) + 1;
      const int day = std::min(month_day > 0 ? month_day : civil.day, days_in_month(year, month_of_year));
      return days_from_civil(year, month_of_year, day) * kSecondsPerDay + civil.second_of_day;
    }
    case Frequency::Unit::business_days: {
      const std::int64_t days = floor_div(tick, kSecondsPerDay);
      std::int64_t number = 0;
      if (__builtin_mul_overflow(steps, frequency.count, &offset) ||
          __builtin_add_overflow(business_day_number(days), offset, &number) || number > kMaxBusinessDay ||
          number < -kMaxBusinessDay)
        throw beyond();
      return days_of_business_day(number) * kSecondsPerDay + (tick - days * kSecondsPerDay);
    }
  }
  return tick + steps;
}

std::optional<std::int64_t> TimeIndex::steps_between(std::int64_t from, std::int64_t to) const {
  switch (frequency.unit) {
    case Frequency::Unit::none:
    case Frequency::Unit::periods:
    case Frequency::Unit::seconds: {
      std::int64_t difference = 0;  // ticks of two files may lie further apart than int64 holds
      if (__builtin_sub_overflow(to, from, &difference)) return std::nullopt;
      if (frequency.unit == Frequency::Unit::none) return difference;
      if (frequency.count <= 0 || difference % frequency.count != 0) return std::nullopt;
      return difference / frequency.count;
    }
    case Frequency::Unit::months: {
      const std::int64_t months = month_number(split_tick(to)) - month_number(split_tick(from));
      if (frequency.count <= 0 || months % frequency.count != 0) return std::nullopt;
      const std::int64_t steps = months / frequency.count;
      if (advance(from, steps) != to) return std::nullopt;  // same months, another day or hour
      return steps;
    }
    case Frequency::Unit::business_days: {
      const std::int64_t from_days = floor_div(from, kSecondsPerDay), to_days = floor_div(to, kSecondsPerDay);
      if (from - from_days * kSecondsPerDay != to - to_days * kSecondsPerDay) return std::nullopt;  // time of day
      if (weekday(from_days) >= 5 || weekday(to_days) >= 5) return std::nullopt;
      const std::int64_t days = business_day_number(to_days) - business_day_number(from_days);
      if (frequency.count <= 0 || days % frequency.count != 0) return std::nullopt;
      return days / frequency.count;
    }
  }
  return std::nullopt;
}

std::optional<std::int64_t> TimeIndex::periods_between(std::int64_t from, std::int64_t to) const {
  if (frequency.unit != Frequency::Unit::months) return steps_between(from, to);
  const std::int64_t count = frequency.count;
  if (count <= 0) return std::nullopt;
  const std::int64_t a = month_number(split_tick(from)), b = month_number(split_tick(to));
  if (12 % count == 0) {
    // Steps that divide the year fall into calendar periods (quarters Jan-Mar, ...), so a quarter
    // written by its first month (1990Q1) and one written by its last day (1990-03-31) are one.
    const auto period = [count](std::int64_t month) { return month >= 0 ? month / count : -((-month + count - 1) / count); };
    return period(b) - period(a);
  }
  if ((b - a) % count != 0) return std::nullopt;
  return (b - a) / count;
}

std::string TimeIndex::format_tick(std::int64_t tick) const {
  if (format.kind == TimeKind::none || format.kind == TimeKind::integer) return std::to_string(tick);
  const CivilTime civil = split_tick(tick);
  const long long year = static_cast<long long>(civil.year);
  char text[64];
  switch (format.kind) {
    case TimeKind::year:
      std::snprintf(text, sizeof text, "%04lld", year);
      break;
    case TimeKind::year_month:
      std::snprintf(text, sizeof text, "%04lld-%02d", year, civil.month);
      break;
    case TimeKind::year_quarter:
      std::snprintf(text, sizeof text, format.quarter_dash ? "%04lld-Q%d" : format.quarter_space ? "%04lld Q%d" : "%04lldQ%d",
                    year, (civil.month + 2) / 3);
      break;
    case TimeKind::date:
      std::snprintf(text, sizeof text, "%04lld-%02d-%02d", year, civil.month, civil.day);
      break;
    default: {
      const int hour = static_cast<int>(civil.second_of_day / 3600);
      const int minute = static_cast<int>(civil.second_of_day / 60 % 60);
      const int second = static_cast<int>(civil.second_of_day % 60);
      const int written = std::snprintf(text, sizeof text, "%04lld-%02d-%02d%c%02d:%02d", year, civil.month,
                                        civil.day, format.t_separator ? 'T' : ' ', hour, minute);
      std::string out(text, static_cast<std::size_t>(written));
      if (format.seconds) {
        std::snprintf(text, sizeof text, ":%02d", second);
        out += text;
        if (format.fraction_digits > 0) out.append(1, '.').append(static_cast<std::size_t>(format.fraction_digits), '0');
      }
      if (format.zulu) out += 'Z';
      if (format.offset) out += offset_text(format.offset_minutes, format.offset_colon);
      return out;
    }
  }
  return text;
}

// Business month ends and starts (pandas' BM and BMS, a ledger's last or first working day of each
// month): ticks at one time of day, at most one in a calendar month, each with no weekday after it
// in its month (31: the last weekday, or a weekend that ends the month) or each with none before
// it (1). 0 otherwise.
static int business_month_day(const std::vector<std::int64_t>& ticks) {
  if (ticks.size() < 2) return 0;
  const std::int64_t second_of_day = split_tick(ticks.front()).second_of_day;
  bool ends = true, starts = true;
  std::int64_t last_month = 0;
  for (std::size_t i = 0; i < ticks.size() && (ends || starts); ++i) {
    const CivilTime civil = split_tick(ticks[i]);
    const std::int64_t month = month_number(civil);
    if (civil.second_of_day != second_of_day || (i > 0 && month == last_month)) return 0;
    last_month = month;
    const std::int64_t today = floor_div(ticks[i], kSecondsPerDay);
    for (int after = 1; ends && civil.day + after <= days_in_month(civil.year, civil.month); ++after)
      ends = weekday(today + after) >= 5;
    for (int before = 1; starts && before < civil.day; ++before) starts = weekday(today - before) >= 5;
  }
  return ends ? 31 : starts ? 1 : 0;
}

TimeIndex infer_time_index(std::vector<std::int64_t> ticks, const TimeFormat& format) {
  TimeIndex index;
  index.format = format;
  index.ticks = std::move(ticks);
  const std::vector<std::int64_t>& t = index.ticks;
  using Unit = Frequency::Unit;

  Unit unit = Unit::none;
  bool onto_month_day = false;  // business month ends or starts: moved onto month_day below
  switch (format.kind) {
    case TimeKind::none:
      return index;
    case TimeKind::integer:
      unit = Unit::periods;
      break;
    case TimeKind::year:
    case TimeKind::year_month:
    case TimeKind::year_quarter:
      unit = Unit::months;
      index.month_day = 1;
      break;
    case TimeKind::date:
    case TimeKind::datetime: {
      // Month-based when every tick has one time of day and one day of month (clamped to the
      // month's length: 31 Jan, 29 Feb, 31 Mar are all "day 31"), and there are at least two.
      unit = Unit::seconds;
      if (t.size() < 2) break;
      const std::int64_t second_of_day = split_tick(t.front()).second_of_day;
      int anchor = 0;
      bool same_phase = true;
      for (const std::int64_t tick : t) {
        const CivilTime civil = split_tick(tick);
        if (civil.second_of_day != second_of_day) {
          same_phase = false;
          break;
        }
        anchor = std::max(anchor, civil.day);
      }
      for (std::size_t i = 0; same_phase && i < t.size(); ++i) {
        const CivilTime civil = split_tick(t[i]);
        same_phase = civil.day == std::min(anchor, days_in_month(civil.year, civil.month));
      }
      if (same_phase) {
        unit = Unit::months;
        index.month_day = anchor;
      } else if (const int day = business_month_day(t); day > 0) {
        unit = Unit::months;
        index.month_day = day;
        onto_month_day = true;
      } else if (business_day_ticks(t)) {
        unit = Unit::business_days;
      }
      break;
    }
  }

  index.frequency.unit = unit;
  // Each tick on its month's end (first day), at its time of day: a month step of 0 clamps the day.
  if (onto_month_day)
    for (std::int64_t& tick : index.ticks) tick = index.advance(tick, 0);
  if (t.size() < 2) {
    switch (format.kind) {
      case TimeKind::integer: index.frequency.count = 1; break;
      case TimeKind::year: index.frequency.count = 12; break;
      case TimeKind::year_month: index.frequency.count = 1; break;
      case TimeKind::year_quarter: index.frequency.count = 3; break;
      case TimeKind::date: index.frequency.count = kSecondsPerDay; break;
      default: index.frequency = Frequency{}; break;
    }
    return index;
  }
  if (unit == Unit::months) {
    std::vector<std::int64_t> months(t.size());
    std::transform(t.begin(), t.end(), months.begin(),
                   [](std::int64_t tick) { return month_number(split_tick(tick)); });
    index.frequency.count = most_common_difference(months);
  } else if (unit == Unit::business_days) {
    index.frequency.count = business_day_step(t);
  } else {
    index.frequency.count = most_common_difference(t);
  }
  return index;
}

bool day_based(TimeKind kind) { return kind == TimeKind::date || kind == TimeKind::datetime; }

std::optional<OffGrid> off_month_grid(const TimeIndex& index) {
  const std::vector<std::int64_t>& t = index.ticks;
  if (!day_based(index.format.kind) || index.frequency.unit != Frequency::Unit::seconds || t.size() < 3) return std::nullopt;
  // Each tick's place on a monthly grid: its time of day and day of the month, 0 for the month's last.
  std::vector<std::pair<std::int64_t, int>> place(t.size());
  std::map<std::pair<std::int64_t, int>, std::size_t> count;
  for (std::size_t i = 0; i < t.size(); ++i) {
    const CivilTime civil = split_tick(t[i]);
    place[i] = {civil.second_of_day, civil.day == days_in_month(civil.year, civil.month) ? 0 : civil.day};
    ++count[place[i]];
  }
  const auto most = std::max_element(count.begin(), count.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
  if (most->second == t.size() || static_cast<double>(most->second) < 0.9 * static_cast<double>(t.size())) return std::nullopt;
  const auto grid = most->first;
  // Month-based ticks are at least 28 days apart: a grid of days or weeks is not a monthly one.
  for (std::size_t i = 1; i < t.size(); ++i)
    if (t[i] - t[i - 1] < 28 * kSecondsPerDay && place[i] == grid && place[i - 1] == grid) return std::nullopt;
  std::optional<std::size_t> off, on;
  for (std::size_t i = 0; i < t.size(); ++i) {
    std::optional<std::size_t>& first = place[i] == grid ? on : off;
    if (!first) first = i;
  }
  if (!off || !on) return std::nullopt;
  return OffGrid{*off, *on};
}

bool weekday_ticks(const std::vector<std::int64_t>& ticks) { return first_off_weekday(ticks) == ticks.size(); }

bool at_daylight_saving_change(std::int64_t tick) {
  const CivilTime civil = split_tick(tick);
  const bool month = civil.month == 3 || civil.month == 4 || (civil.month >= 9 && civil.month <= 11);
  return month && weekday(floor_div(tick, kSecondsPerDay)) == 6 && civil.second_of_day < 4 * 3600;
}

TimeIndex infer_time_index(std::vector<std::int64_t> ticks, const TimeFormat& written, const Frequency& known) {
  // Four digits are a year, but among integer periods a period: a history of 1001, 1002, ... for
  // a model trained on 981 .. 1000.
  TimeFormat format = written;
  if (known.unit == Frequency::Unit::periods && format.kind == TimeKind::year) {
    for (std::int64_t& tick : ticks) tick = year_of_tick(tick);
    format.kind = TimeKind::integer;
  }
  const bool business = known.unit == Frequency::Unit::business_days && known.count >= 1 && day_based(format.kind) &&
                        weekday_ticks(ticks);
  const std::int64_t step = business ? business_day_step(ticks) : 0;
  TimeIndex index = infer_time_index(std::move(ticks), format);
  if (index.ticks.size() == 1 && known.count >= 1) {
    using Unit = Frequency::Unit;
    // A label of a year or a quarter is a whole number of its own steps (12 or 3 months).
    const bool month_kind = (format.kind == TimeKind::year || format.kind == TimeKind::year_month ||
                             format.kind == TimeKind::year_quarter) &&
                            known.count % index.frequency.count == 0;
    const bool fits = (known.unit == Unit::months && (month_kind || day_based(format.kind))) ||
                      (known.unit == Unit::business_days && day_based(format.kind)) ||
                      // a date holds whole days only: an hourly model's time needs its clock
                      (known.unit == Unit::seconds && (format.kind == TimeKind::datetime ||
                                                       (format.kind == TimeKind::date && known.count % kSecondsPerDay == 0))) ||
                      (known.unit == Unit::periods && format.kind == TimeKind::integer);
    if (fits) {
      index.frequency = known;
      // A date's day of month is the anchor (31: month ends, clamped to shorter months).
      index.month_day = known.unit != Unit::months ? 0 : day_based(format.kind) ? split_tick(index.ticks.front()).day : 1;
    }
    return index;
  }
  // Days a week or less apart (or business days, or too few ticks to tell): not weekly or monthly.
  const Frequency& f = index.frequency;
  const bool days = f.unit == Frequency::Unit::none || f.unit == Frequency::Unit::business_days || days_under_a_week(f);
  const bool daily_known = known.unit == Frequency::Unit::seconds && known.count == kSecondsPerDay;
  if ((business && days && (step == 0 || step % known.count == 0)) ||
      (daily_known && f.unit == Frequency::Unit::business_days)) {
    index.frequency = known;
    index.month_day = 0;
  }
  // A history with more rows missing than present (1960-07, 09, 11, 12 of a monthly model): its
  // most common step a whole multiple of the model's, and some two rows one model step apart, is
  // read at the model's step, the others gaps (--missing fills them; a hunt found it refused as
  // "irregular"). A history with no two rows a model step apart (a quarterly one of a monthly
  // model) keeps its own step, refused as another frequency.
  if (known.count >= 1 && (known.unit == Frequency::Unit::months || known.unit == Frequency::Unit::seconds ||
                           known.unit == Frequency::Unit::periods) &&
      f.unit == known.unit && f.count > known.count && f.count % known.count == 0) {
    const auto position = [&](std::int64_t tick) {
      return known.unit == Frequency::Unit::months ? static_cast<std::int64_t>(month_number(split_tick(tick))) : tick;
    };
    for (std::size_t i = 1; i < index.ticks.size(); ++i)
      if (position(index.ticks[i]) - position(index.ticks[i - 1]) == known.count) {
        index.frequency = known;
        break;
      }
  }
  return index;
}

std::optional<std::size_t> place_on_grid(const TimeIndex& model, std::int64_t anchor, std::vector<std::int64_t>& ticks) {
  const Frequency& f = model.frequency;
  if (f.unit == Frequency::Unit::months && f.count > 0 && 12 % f.count == 0) {
    for (std::int64_t& tick : ticks) tick = model.advance(anchor, *model.periods_between(anchor, tick));
  } else if (model.format.kind == TimeKind::date) {
    for (std::int64_t& tick : ticks) tick = floor_div(tick, kSecondsPerDay) * kSecondsPerDay;
  }
  for (std::size_t i = 0; i < ticks.size(); ++i) {
    std::int64_t back = 0;
    TimeFormat format;
    if (!parse_time_as(model.format_tick(ticks[i]), model.format.kind, back, format) || back != ticks[i]) return i;
  }
  return std::nullopt;
}

bool short_weekday_run(const TimeIndex& index) {
  return days_under_a_week(index.frequency) && day_based(index.format.kind) && weekday_ticks(index.ticks) &&
         !steps_across_weekend(index.ticks);
}

std::string weekday_problem(const std::vector<std::int64_t>& ticks, const TimeFormat& format, std::size_t* at) {
  const std::size_t i = first_off_weekday(ticks);
  if (i == ticks.size()) return "";
  if (at != nullptr) *at = i;
  TimeIndex index;
  index.format = format;
  const int day = weekday(floor_div(ticks[i], kSecondsPerDay));
  // in_quotes appends, where "'" + a temporary would trip a GCC 12 false positive (see in_quotes).
  if (day >= 5) return in_quotes(index.format_tick(ticks[i])) + " falls on a " + (day == 5 ? "Saturday" : "Sunday");
  return in_quotes(index.format_tick(ticks[i])) + " is at another time of day than " + in_quotes(index.format_tick(ticks.front()));
}

bool continues_frequency(const Frequency& trained, const TimeIndex& found) {
  const Frequency& f = found.frequency;
  if (trained.unit == Frequency::Unit::business_days && day_based(found.format.kind) && !weekday_ticks(found.ticks)) return false;
  if (trained.unit == Frequency::Unit::none || f.unit == Frequency::Unit::none) return true;
  return trained.unit == f.unit && trained.count == f.count;
}

}  // namespace lstmf
