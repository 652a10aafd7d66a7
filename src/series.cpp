#include "lstmf/series.hpp"

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include <algorithm>
#include <climits>
#include <cctype>
#include <fstream>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string_view>
#include <unordered_map>

#include "lstmf/csv.hpp"
#include "lstmf/error.hpp"
#include "lstmf/io.hpp"
#include "lstmf/random.hpp"

namespace lstmf {

namespace {

const double kMissing = std::numeric_limits<double>::quiet_NaN();
constexpr std::size_t kMaxListedColumns = 30;

// A column chosen by the config, and where the header has it.
struct SelectedColumn {
  std::string name;
  std::size_t field;  // 0-based field index; messages add 1
};

// Asks Linux to back a large buffer with 2 MiB pages. Filling a fresh buffer is otherwise bound by
// one page fault per 4 KiB: on a VM, 80 MB of values took 0.2 s of faults, a third of a 1M-row load.
// Only whole huge pages inside the buffer are advised; the advice is a hint and may be ignored.
void prefer_huge_pages(void* data, std::size_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr std::uintptr_t kHugePage = std::uintptr_t{2} << 20;
  const auto begin = (reinterpret_cast<std::uintptr_t>(data) + kHugePage - 1) & ~(kHugePage - 1);
  const auto end = (reinterpret_cast<std::uintptr_t>(data) + bytes) & ~(kHugePage - 1);
  if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
#else
  (void)data;
  (void)bytes;
#endif
}

// The selected cells as read, before gap filling, NaN where missing. `values` grows by
// conservativeResize, which for a row-major matrix keeping its width is a realloc: large buffers
// are remapped, not copied, and pages already written are not touched again.
struct RawRows {
  MatrixD values;                    // [capacity, columns]; rows [0, rows) are read
  std::vector<std::int64_t> ticks;   // empty without a time column
  TimeFormat time_format;
  bool timed = false;                // a time column is read
  long rows = 0;
  // The physical line of every row, stored only where it does not follow on from the row before
  // (blank lines, quoted line breaks): (row, line), by row. Saves a vector of a million lines.
  std::vector<std::pair<long, long>> line_jumps;
  long last_line = 0;
  // Long format: the series of every row (an index into `ids`, in order of first appearance).
  std::vector<int> row_series;
  std::vector<std::string> ids;
  std::vector<char> id_read;         // by index into `ids`: 1 where the series' values were read (SeriesFilter)
  std::vector<std::vector<char>> id_has_value;  // by index into `ids`, then column: a series not read has a cell there that is not missing

  void add_row_line(long line) {
    if (rows == 0 || line != last_line + 1) line_jumps.emplace_back(rows, line);
    last_line = line;
  }
  long line_of(long row) const {
    const auto after = std::upper_bound(line_jumps.begin(), line_jumps.end(), std::make_pair(row, LONG_MAX));
    const auto& jump = *(after - 1);
    return jump.second + (row - jump.first);
  }
  // Room for at least `wanted` rows.
  void reserve(long wanted, std::size_t width) {
    if (wanted <= values.rows()) return;
    values.conservativeResize(wanted, static_cast<Eigen::Index>(width));
    prefer_huge_pages(values.data(), static_cast<std::size_t>(values.size()) * sizeof(double));
    if (!timed) return;
    ticks.reserve(static_cast<std::size_t>(wanted));
    prefer_huge_pages(ticks.data(), ticks.capacity() * sizeof(std::int64_t));
  }
};

std::string lowercase(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// The header name closest to `name` (case-insensitive edit distance), when close enough to be a
// likely typo: at most 2 edits, and fewer than half the name's letters.
std::optional<std::string> nearest_name(const std::string& name, const std::vector<std::string>& header) {
  std::vector<std::string> lowered;
  for (const std::string& candidate : header) lowered.push_back(lowercase(candidate));
  if (const auto index = likely_typo_of(lowercase(name), lowered)) return header[*index];
  return std::nullopt;
}

std::string column_list(const std::vector<std::string>& header) {
  std::string list;
  for (std::size_t i = 0; i < header.size() && i < kMaxListedColumns; ++i)
    list += (i ? ", " : "") + (header[i].find(',') != std::string::npos ? "\"" + printable(header[i], 40) + "\""
                                                                          : printable(header[i], 40));
  if (header.size() > kMaxListedColumns) list += " and " + std::to_string(header.size() - kMaxListedColumns) + " more";
  return list;
}

// A clock written without a UTC offset that changed for daylight saving time repeats an hour
// (set back) or skips one (set forward), where at_daylight_saving_change says: for a repeated or a
// missing time `tick` of such a column (the caller checks the hour around it), the advice to write
// the times in UTC, after `lead` ("; " within a parenthesis, " (" to open one, which it closes); ""
// for other times.
std::string daylight_saving_hint(std::int64_t tick, const TimeFormat& format, bool set_back, const char* lead = "; ") {
  if (format.kind != TimeKind::datetime || format.offset || format.zulu || !at_daylight_saving_change(tick)) return "";
  return lead + std::string("a clock ") + (set_back ? "set back" : "set forward") +
         " an hour for daylight saving time? write the times in UTC, or at one fixed UTC offset all year "
         "(a column's offset may not change)" +
         (std::string(lead) == " (" ? ")" : "");
}

// Rejects a configuration that selects one name twice, before the file is read.
void check_selection(const DataConfig& data, const std::string& source) {
  std::vector<std::pair<std::string, const char*>> chosen;
  for (const auto& name : data.targets) chosen.emplace_back(name, "a target");
  for (const auto& name : data.features) chosen.emplace_back(name, "a feature");
  if (!data.time_column.empty()) chosen.emplace_back(data.time_column, "the time column");
  if (!data.series_column.empty()) chosen.emplace_back(data.series_column, "the series column");
  std::unordered_map<std::string_view, const char*> role_of;  // a hash, not every pair: 10^5 features
  for (const auto& [name, role] : chosen)
    if (const auto [earlier, added] = role_of.emplace(name, role); !added)
      throw InputError(source, 0, 0,
                       "column " + in_quotes(name) + " is selected twice (as " + earlier->second + " and as " + role +
                           "); each column can have one role");
}

// A header's names -> their fields (0-based), made once for find_column: a wide file's 10^5
// feature names are each looked up, not each compared with every header field.
using HeaderIndex = std::unordered_map<std::string_view, std::vector<std::size_t>>;
HeaderIndex index_header(const std::vector<std::string>& header) {
  HeaderIndex index;
  for (std::size_t i = 0; i < header.size(); ++i) index[header[i]].push_back(i);
  return index;
}

// long_format: the file has a series column, so a row of data holds one field (its id) that is
// neither number nor time. `index`: index_header(csv.header()).
std::size_t find_column(const CsvReader& csv, const HeaderIndex& index, const std::string& name, const char* role,
                        bool long_format) {
  const std::vector<std::string>& header = csv.header();
  const auto at = index.find(name);
  static const std::vector<std::size_t> none;
  const std::vector<std::size_t>& found = at == index.end() ? none : at->second;
  if (found.size() == 1) return found.front();
  if (found.size() > 1) {
    std::string fields;
    for (std::size_t i = 0; i < found.size(); ++i)
      fields += (i == 0 ? "" : i + 1 == found.size() ? " and " : ", ") + std::to_string(found[i] + 1);
    throw InputError(csv.source(), csv.header_line(), static_cast<long>(found[1] + 1),
                     "column " + in_quotes(name) + " appears " + std::to_string(found.size()) +
                         " times in the header (fields " + fields + "); rename the copies to select it");
  }
  std::string message = std::string(role) + " column " + in_quotes(name) + " is not in the header";
  if (const auto nearest = nearest_name(name, header)) message += " (did you mean " + in_quotes(*nearest) + "?)";
  // --target 'sales, EUR' is the list {sales, " EUR"}: a comma splits it unless the name is quoted.
  const bool listed = (std::string(role) == "target" || std::string(role) == "feature") && header.size() > 1;
  // Only when the name is one comma-separated piece of a header name ("sales" of "sales, EUR").
  const auto piece_of = [&](const std::string& column) {
    for (std::size_t from = 0;; ) {
      const std::size_t to = std::min(column.find(',', from), column.size());
      if (trim_blanks(column.substr(from, to - from)) == trim_blanks(name)) return true;
      if (to == column.size()) return false;
      from = to + 1;
    }
  };
  for (const auto& column : header)
    if (listed && column.find(',') != std::string::npos && !trim_blanks(name).empty() && piece_of(column)) {
      message += " (a column name holding a comma goes in double quotes in a list: " + std::string(std::string(role) == "target" ? "--target" : "--features") + " '\"" +
                 printable(column, 40) + "\"')";
      break;
    }
  if (header.size() == 1 && header[0].find_first_of(",;\t") != std::string::npos) {
    message += "; the columns are: " + column_list(header) + " (one column: is the delimiter right? set data.delimiter)";
  } else if (header.size() == 1 && header[0].find(' ') != std::string::npos) {
    // A log or a text file: its first line is no header row.
    message += ", which is one column, " + in_quotes(header[0]) +
               ": expected a header row naming the columns, separated by ',', ';' or tab (is this a CSV file?)";
  } else {
    message += "; the columns are: " + column_list(header);
    // "2018-01,105.0": a first row of data where the names should be.
    // Every field a number or a time, but for one at most (a long-format file's series id, "s11").
    const auto data_fields = std::count_if(header.begin(), header.end(), [](const std::string& field) {
      double number = 0;
      std::int64_t tick = 0;
      TimeFormat format;
      return parse_number(trim_blanks(field), number) == NumberStatus::ok || parse_time(trim_blanks(field), tick, format);
    });
    const auto fields = static_cast<long>(header.size());
    const bool data_like = data_fields == fields || (long_format && fields >= 3 && data_fields == fields - 1);
    if (data_like) message += " (line " + std::to_string(csv.header_line()) + " reads as data: if it is, the file needs a header row naming the columns)";
  }
  throw InputError(csv.source(), csv.header_line(), 0, message);
}

// The civil date of a tick (seconds since 1970), rounding down for ticks before 1970.
void date_of_tick(std::int64_t tick, std::int64_t& year, int& month, int& day) {
  const std::int64_t days = tick / 86400 - (tick % 86400 < 0);
  civil_from_days(days, year, month, day);
}

[[noreturn]] void throw_bad_number(const std::string& source, long line, long column, NumberStatus status,
                                   std::string_view field, const std::string& name) {
  std::string message;
  switch (status) {
    case NumberStatus::not_finite:
      message = "expected a finite number in column " + in_quotes(name) + ", found " + in_quotes(field);
      if (lowercase(std::string(field)).find("nan") != std::string::npos)
        message += " (for a missing value write NA or NaN, or leave the field empty)";
      break;
    case NumberStatus::out_of_range:
      message = "expected a finite number in column " + in_quotes(name) + ", found " + in_quotes(field) +
                " (beyond the range of a double, about 1.8e308)";
      break;
    default: {
      message = "expected a number in column " + in_quotes(name) + ", found " + in_quotes(field);
      const std::string hint = number_hint(field);
      if (!hint.empty()) message += " " + hint;
      // What other tools write for "no value" (spreadsheet errors, pandas' <NA> and NaT, R's NA_).
      const std::string lower = lowercase(std::string(field));
      for (const char* token : {"-", "--", "?", ".", "#div/0!", "#value!", "#ref!", "#num!", "#null!", "#name?", "<na>",
                                "nat", "none", "nil", "missing", "undefined"})
        if (lower == token) {
          message += " (for a missing value write NA or NaN, or leave the field empty; then set data.missing)";
          break;
        }
    }
  }
  throw InputError(source, line, column, message);
}

// "1.016", "-12.345.678": digits grouped by '.' in threes, as a ';' (European) export writes
// thousands (csv.hpp); not "0.125", a decimal.
bool dotted_thousands(std::string_view text) {
  if (!text.empty() && (text.front() == '-' || text.front() == '+')) text.remove_prefix(1);
  return !text.empty() && text.front() != '0' && grouped_thousands(text, '.');
}

// "945": a whole number of three digits or more, no point.
bool plain_hundreds(std::string_view text) {
  if (!text.empty() && (text.front() == '-' || text.front() == '+')) text.remove_prefix(1);
  return text.size() >= 3 && text.find_first_not_of("0123456789") == std::string_view::npos;
}

// A ';' file's column that holds both "945" and "1.016" reads 1.016 as a number near 1, where the
// export meant 1016 (a '.' thousands separator): refused at the dotted value.
struct ThousandsCheck {
  long integer_line = 0;  // first "945"
  std::string integer;
  long dotted_line = 0;   // first "1.016"
  std::string dotted;
  void see(std::string_view field, long line) {
    if (integer_line == 0 && plain_hundreds(field)) integer_line = line, integer = field;
    if (dotted_line == 0 && field.size() >= 5 && dotted_thousands(field)) dotted_line = line, dotted = field;
  }
  bool settled() const { return integer_line != 0 && dotted_line != 0; }
  void check(const std::string& source, const SelectedColumn& column) const {
    if (integer_line == 0 || dotted_line == 0) return;
    std::string digits = dotted;
    digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
    throw InputError(source, dotted_line, static_cast<long>(column.field + 1),
                     "value " + in_quotes(dotted) + " in column " + in_quotes(column.name) + " of a ';' file whose values include " +
                         in_quotes(integer) + " (line " + std::to_string(integer_line) + "): a '.' thousands separator? write " +
                         digits + "; if " + dotted + " is meant, write it with another number of decimals (" + dotted + "0)");
  }
};

// `time`: the time column, if any. With `drop_unread_time` (a column guessed by its name), a first
// row whose time does not read, or a later one holding a number that is no time (0.5 after 0),
// drops the column (`time` reset) and says why there; other text that does not read on a later row
// is an error as for a named column (a footer row such as "Total,6000" is not data, and a change of
// form is not another form of column), saying the column was guessed.
RawRows read_rows(CsvReader& csv, const std::vector<SelectedColumn>& columns, std::optional<SelectedColumn>& time,
                  MissingPolicy missing, const std::optional<SelectedColumn>& series_id = std::nullopt,
                  std::string* drop_unread_time = nullptr, const SeriesFilter& wanted = nullptr) {
  RawRows raw;
  std::unordered_map<std::string, int> series_index;  // long format: id -> index into raw.ids
  const std::string& source = csv.source();
  const std::size_t width = columns.size();
  constexpr long kSampleRows = 64;
  raw.timed = time.has_value();
  raw.reserve(kSampleRows, width);
  std::vector<ThousandsCheck> thousands(csv.delimiter() == ';' ? width : 0);
  std::string first_time_text;  // for "not written like ..." messages
  // Said after an error in a time column the caller guessed by its name: how not to take it.
  const std::string guessed = drop_unread_time == nullptr || !time
                                  ? ""
                                  : " (column " + in_quotes(time->name) + " was taken as the time column by its name; "
                                    + std::string(kGuessedTimeHint) + ")";
  long first_time_line = 0;
  // A time that does not read in a guessed column is a TimeFormatError (the accuracy protocol,
  // which scores rows as periods, then reads the file without the column); in a named one, an
  // InputError.
  const auto throw_time_error = [&](const std::string& where, long line, long column, const std::string& message) {
    if (drop_unread_time != nullptr) throw TimeFormatError(where, line, column, message);
    throw InputError(where, line, column, message);
  };
  while (csv.next()) {
    const long line = csv.line();
    if (raw.rows == raw.values.rows()) {
      // Size for the whole file from the bytes per line so far (header included); reserving is
      // cheap, since pages never written cost nothing, so aim a quarter high. Double when short.
      long capacity = 2 * raw.rows;
      if (raw.rows == kSampleRows && csv.file_size() > csv.bytes_read()) {
        const double bytes_per_row = static_cast<double>(csv.bytes_read()) / static_cast<double>(raw.rows + 1);
        const double rows_left = static_cast<double>(csv.file_size() - csv.bytes_read()) / bytes_per_row;
        capacity = std::max(capacity, raw.rows + static_cast<long>(1.25 * rows_left) + 16);
      }
      raw.reserve(capacity, width);
    }
    // Long format: the row's series first, whose values are read only when it is wanted.
    int series = -1;
    if (series_id) {
      const std::string_view id = trim_blanks(csv.field(series_id->field));
      if (id.empty())
        throw InputError(source, line, static_cast<long>(series_id->field + 1),
                         "missing series id in column " + in_quotes(series_id->name) + "; every row needs one");
      const auto [found, added] = series_index.emplace(std::string(id), static_cast<int>(raw.ids.size()));
      if (added) {
        raw.ids.emplace_back(id);
        raw.id_read.push_back(!wanted || wanted(raw.ids.back()) ? 1 : 0);
        raw.id_has_value.emplace_back(width, 0);
      }
      series = found->second;
    }
    double* row_values = raw.values.row(raw.rows).data();
    const bool read_values = series < 0 || raw.id_read[static_cast<std::size_t>(series)] != 0;
    // How the file writes its numbers (a ';' file's thousands separators) is seen on every row,
    // read or not: a selection of series reads the file as a whole-file run does.
    for (std::size_t c = 0; c < thousands.size(); ++c)
      if (!thousands[c].settled()) thousands[c].see(trim_blanks(csv.field(columns[c].field)), line);
    if (!read_values) {
      std::fill(row_values, row_values + width, 0.0);  // placeholders: the series is not returned
      for (std::size_t c = 0; c < width; ++c)  // SeriesSet::unread's `empty`: a column without a value
        if (!is_missing_marker(trim_blanks(csv.field(columns[c].field)))) raw.id_has_value[static_cast<std::size_t>(series)][c] = 1;
    } else {
      for (const SelectedColumn& column : columns) {
        const std::string_view field = trim_blanks(csv.field(column.field));
        double value = 0.0;
        const NumberStatus status = parse_number(field, value);  // first: numbers are the common case
        if (status != NumberStatus::ok) {
          if (!is_missing_marker(field))
            throw_bad_number(source, line, static_cast<long>(column.field + 1), status, field, column.name);
          if (missing == MissingPolicy::error)
            throw InputError(source, line, static_cast<long>(column.field + 1),
                             "missing value in column " + in_quotes(column.name) +
                                 "; set data.missing to interpolate or ffill (--missing)");
          value = kMissing;
        } else if (std::abs(value) > kLargestValue) {
          throw InputError(source, line, static_cast<long>(column.field + 1),
                           "value " + in_quotes(field) + " in column " + in_quotes(column.name) +
                               " is beyond +-1e100, where training and the error metrics overflow; rescale the column");
        }
        *row_values++ = value;
      }
    }

    std::int64_t tick = 0;
    TimeFormat format;
    std::string_view text;  // the time field
    if (time) {
      text = trim_blanks(csv.field(time->field));
      if (text.empty() || !parse_time(text, tick, format)) {
        const std::string unread = text.empty() ? "missing time in column " + in_quotes(time->name) + "; every row needs one"
                                                : "expected a time in column " + in_quotes(time->name) + ", found " +
                                                      in_quotes(text) + " (" + explain_time_error(text) + ")";
        double number = 0;
        // A guessed column of numbers that are not all whole periods (0, 0.5, 1) holds data, not
        // times; other text after times that read (a "Total" footer) is bad data.
        const bool numbers = parse_number(text, number) == NumberStatus::ok;
        if (drop_unread_time == nullptr) throw InputError(source, line, static_cast<long>(time->field + 1), unread);
        // Digits alone after times that read are an integer period too long (19 digits), not data
        // (389.0 or R's 1e+05 are numbers written as data: the column is read without, as before).
        const std::string_view digits = !text.empty() && (text[0] == '-' || text[0] == '+') ? text.substr(1) : text;
        const bool too_long_period = !digits.empty() && digits.find_first_not_of("0123456789") == std::string_view::npos;
        if (raw.rows > 0 && (!numbers || too_long_period))
          throw TimeFormatError(source, line, static_cast<long>(time->field + 1), unread + guessed);
        *drop_unread_time = "line " + std::to_string(line) + ": " + unread;
        time.reset();
        raw.timed = false;
        raw.ticks.clear();
      }
    }
    if (time) {
      const long column = static_cast<long>(time->field + 1);
      if (raw.rows == 0) {
        raw.time_format = format;
        first_time_text = text;
        first_time_line = line;
      } else if (format.offset && raw.time_format.offset && format.offset_colon != raw.time_format.offset_colon) {
        format.offset_colon = raw.time_format.offset_colon;  // one offset written two ways: the first row's way
      }
      if (raw.rows > 0 && format != raw.time_format) {
        // Four digits read as a year; among other whole numbers they are integer periods too.
        if (raw.time_format.kind == TimeKind::integer && format.kind == TimeKind::year) {
          tick = year_of_tick(tick);
        } else if (raw.time_format.kind == TimeKind::year && format.kind == TimeKind::integer) {
          for (std::int64_t& earlier : raw.ticks) earlier = year_of_tick(earlier);
          raw.time_format.kind = TimeKind::integer;
        } else if (format.offset && raw.time_format.offset && format.offset_minutes != raw.time_format.offset_minutes) {
          throw_time_error(source, line, column,
                                "time " + in_quotes(text) + " has another UTC offset than " + in_quotes(first_time_text) +
                                    " on line " + std::to_string(first_time_line) + " (daylight saving time?); column " +
                                    in_quotes(time->name) + " must keep one offset: convert it to UTC or to one fixed offset" + guessed);
        } else {
          throw_time_error(source, line, column,
                           "time " + in_quotes(text) + " is not written like " + in_quotes(first_time_text) + " on line " +
                               std::to_string(first_time_line) + "; column " + in_quotes(time->name) +
                               " must use one form throughout" + guessed);
        }
      }
      // Long format: rows of a series need not be contiguous nor sorted; split_by_series checks each.
      if (!series_id && raw.rows > 0 && tick <= raw.ticks.back()) {
        TimeIndex written;
        written.format = raw.time_format;
        const std::string before = written.format_tick(raw.ticks.back());
        const std::string before_line = std::to_string(raw.last_line);
        if (tick == raw.ticks.back())
          throw InputError(source, line, column,
                           "duplicate time " + in_quotes(text) + " in column " + in_quotes(time->name) + " (also on line " +
                               before_line +
                               // a repeat within the hour after the row before it (not daily data's)
                               (raw.ticks.size() >= 2 && tick - raw.ticks[raw.ticks.size() - 2] <= 3600
                                    ? daylight_saving_hint(tick, raw.time_format, true)
                                    : std::string()) +
                               ")" + guessed);
        throw InputError(source, line, column,
                         "time " + in_quotes(text) + " comes before " + in_quotes(before) + " on line " + before_line +
                             "; rows must be in increasing time order" +
                             (raw.rows == 1 ? std::string(" (newest first? reverse the rows under the header, e.g. "
                                                          "(head -n 1 F; tail -n +2 F | tac))")
                              : raw.ticks.back() - tick < 3600  // back within the hour: 02:00 after 02:45
                                  ? daylight_saving_hint(tick, raw.time_format, true, " (")
                                  : std::string()) + guessed);
      }
      raw.ticks.push_back(tick);
    }
    if (series_id) raw.row_series.push_back(series);
    raw.add_row_line(line);
    ++raw.rows;
  }
  raw.values.conservativeResize(raw.rows, static_cast<Eigen::Index>(width));
  for (std::size_t c = 0; c < thousands.size(); ++c) thousands[c].check(source, columns[c]);
  return raw;
}

// "30 minutes", "2 days", "5 months": the distance between two ticks, for messages.
std::string describe_distance(const TimeIndex& index, std::int64_t from, std::int64_t to) {
  auto amount = [](std::int64_t count, const char* unit) {
    return std::to_string(count) + " " + unit + (count == 1 ? "" : "s");
  };
  const std::int64_t difference = to - from;
  switch (index.frequency.unit) {
    case Frequency::Unit::months: {
      // Month-based ticks share their day and time of day, so whole months describe any distance.
      std::int64_t year_from = 0, year_to = 0;
      int month_from = 0, month_to = 0, day = 0;
      date_of_tick(from, year_from, month_from, day);
      date_of_tick(to, year_to, month_to, day);
      const std::int64_t months = (year_to - year_from) * 12 + (month_to - month_from);
      return months % 12 == 0 ? amount(months / 12, "year") : amount(months, "month");
    }
    case Frequency::Unit::seconds:
    case Frequency::Unit::business_days:
      if (difference % 86400 == 0) return amount(difference / 86400, "day");
      if (difference % 3600 == 0) return amount(difference / 3600, "hour");
      if (difference % 60 == 0) return amount(difference / 60, "minute");
      return amount(difference, "second");
    default:
      return amount(difference, "period");
  }
}

// Integer times that all read as calendar dates written without separators, 20200131 (or months,
// 202001): read as integers, each month's end is a gap of 69 "missing" days (a year's end of 89
// months), so a gap or irregular-step message says how to write them instead. "" otherwise.
std::string compact_date_hint(const TimeIndex& index) {
  if (index.format.kind != TimeKind::integer || index.ticks.size() < 2) return "";
  bool days = true, months = true;
  for (const std::int64_t tick : index.ticks) {
    const std::string text = std::to_string(tick);
    std::int64_t parsed = 0;
    TimeFormat format;
    days = days && text.size() == 8 &&
           parse_time(text.substr(0, 4) + "-" + text.substr(4, 2) + "-" + text.substr(6, 2), parsed, format);
    months = months && text.size() == 6 && parse_time(text.substr(0, 4) + "-" + text.substr(4, 2), parsed, format);
    if (!days && !months) return "";
  }
  return days ? "the values look like dates written YYYYMMDD: write them as YYYY-MM-DD (2020-01-31) to read them as days"
              : "the values look like months written YYYYMM: write them as YYYY-MM (2020-01) to read them as months";
}

// Checks the steps of the time index and, when the policy fills, inserts the rows of each gap
// (every column missing). Throws for an irregular step, and for a gap under the policy error.
void check_and_fill_gaps(RawRows& raw, TimeIndex& index, const SelectedColumn& time, MissingPolicy missing,
                         const std::string& source) {
  const std::vector<std::int64_t>& ticks = index.ticks;
  const long column = static_cast<long>(time.field + 1);
  std::int64_t inserted = 0, largest = 0;
  std::size_t largest_at = 0;
  // The advice a message ends with: how to write compact dates when they are such, else `otherwise`.
  // Only a message pays for the check (it parses every tick).
  const auto advice = [&](const std::string& otherwise) {
    const std::string hint = compact_date_hint(index);
    return hint.empty() ? otherwise : hint;
  };
  for (std::size_t i = 1; i < ticks.size(); ++i) {
    const long row = static_cast<long>(i);
    const std::optional<std::int64_t> steps = index.steps_between(ticks[i - 1], ticks[i]);
    if (!steps) {
      // Monthly dates but for a few: name the first of those, not the first step it breaks.
      if (const std::optional<OffGrid> odd = off_month_grid(index)) {
        throw TimeStepError(source, raw.line_of(static_cast<long>(odd->off)), column,
                            "irregular time step in column " + in_quotes(time.name) + ": " + in_quotes(index.format_tick(ticks[odd->off])) +
                                " is off the monthly grid the other dates keep (as " + in_quotes(index.format_tick(ticks[odd->on])) +
                                " on line " + std::to_string(raw.line_of(static_cast<long>(odd->on))) +
                                "): monthly, quarterly or yearly dates share one day of the month (or the month's end)");
      }
      const std::string hint = advice("");
      throw TimeStepError(source, raw.line_of(row), column,
                          "irregular time step in column " + in_quotes(time.name) + ": from " +
                            in_quotes(index.format_tick(ticks[i - 1])) + " (line " + std::to_string(raw.line_of(row - 1)) +
                            ") to " + in_quotes(index.format_tick(ticks[i])) + " is " +
                            describe_distance(index, ticks[i - 1], ticks[i]) + ", not a whole number of the column's steps (" +
                            index.frequency.name() + ")" + (hint.empty() ? "" : "; " + hint));
    }
    if (*steps == 1) continue;
    if (missing == MissingPolicy::error) {
      const std::string first = index.format_tick(index.advance(ticks[i - 1], 1));
      const std::string what = *steps == 2 ? first + " is missing"
                                           : std::to_string(*steps - 1) + " times are missing, " + first + " to " +
                                                 index.format_tick(index.advance(ticks[i], -1));
      throw InputError(source, raw.line_of(row), column,
                       "gap in time column " + in_quotes(time.name) + ": " + what + " (" + index.frequency.name() +
                           " data; the row before is " + in_quotes(index.format_tick(ticks[i - 1])) + " on line " +
                           std::to_string(raw.line_of(row - 1)) +
                           // one hour missing, in steps of an hour or less
                           (index.frequency.unit == Frequency::Unit::seconds && (*steps - 1) * index.frequency.count == 3600
                                ? daylight_saving_hint(index.advance(ticks[i - 1], 1), index.format, false)
                                : std::string()) +
                           "); " +
                           // More rows to fill than the file has (fill_gaps refuses that too): a typo, not missing rows.
                           (*steps - 1 > raw.rows
                                ? advice("filling it would insert more rows than the " + std::to_string(raw.rows) +
                                         " read: check that time (a typo?)")
                                : advice("set data.missing to interpolate or ffill (--missing) to insert the missing rows")));
    }
    inserted += *steps - 1;
    if (*steps > largest) {
      largest = *steps;
      largest_at = i;
    }
  }
  if (inserted == 0) return;
  if (inserted > raw.rows)
    throw TimeFormatError(source, raw.line_of(static_cast<long>(largest_at)), column,
                     "filling the gaps in time column " + in_quotes(time.name) + " would insert " +
                         std::to_string(inserted) + " rows, more than the " + std::to_string(raw.rows) +
                         " rows read (the largest gap is " + in_quotes(index.format_tick(ticks[largest_at - 1])) +
                         " to " + in_quotes(index.format_tick(ticks[largest_at])) + "); " +
                         advice("check the time column"));

  const long rows = raw.rows + static_cast<long>(inserted);
  MatrixD values(rows, raw.values.cols());
  std::vector<std::int64_t> filled_ticks;
  filled_ticks.reserve(static_cast<std::size_t>(rows));
  long out = 0;
  for (std::size_t i = 0; i < ticks.size(); ++i) {
    if (i > 0) {
      const std::int64_t steps = *index.steps_between(ticks[i - 1], ticks[i]);
      for (std::int64_t step = 1; step < steps; ++step) {
        filled_ticks.push_back(index.advance(ticks[i - 1], step));
        values.row(out++).setConstant(kMissing);
      }
    }
    filled_ticks.push_back(ticks[i]);
    values.row(out++) = raw.values.row(static_cast<long>(i));
  }
  raw.values = std::move(values);
  raw.rows = rows;
  index.ticks = std::move(filled_ticks);
}

// A column without a single value (fill_missing): a long-format series that may be skipped.
class EmptyColumnError : public InputError {
 public:
  using InputError::InputError;
};

// Fills the NaN cells of each column of `values` [rows, columns] by the policy (before its first
// value, its first; after its last, its last: rows the caller cuts off when there is a time column).
void fill_missing(MatrixD& values, const std::vector<SelectedColumn>& columns, MissingPolicy missing,
                  const std::string& source) {
  const long rows = values.rows();
  for (long c = 0; c < values.cols(); ++c) {
    auto column = values.col(c);
    long first_valid = 0;
    while (first_valid < rows && std::isnan(column(first_valid))) ++first_valid;
    if (first_valid == rows)
      throw EmptyColumnError(source, 0, 0,
                       "column " + in_quotes(columns[static_cast<std::size_t>(c)].name) + " has no values: " +
                           (rows == 1 ? std::string("its 1 row is missing") : "all " + std::to_string(rows) + " rows are missing"));
    if (missing == MissingPolicy::error) continue;  // nothing can be missing: reading refused it
    for (long row = 0; row < first_valid; ++row) column(row) = column(first_valid);
    long last_valid = first_valid;
    for (long row = first_valid + 1; row < rows; ++row) {
      if (!std::isnan(column(row))) {
        if (missing == MissingPolicy::interpolate && row > last_valid + 1) {
          const double from = column(last_valid), to = column(row);
          const double span = static_cast<double>(row - last_valid);
          for (long k = last_valid + 1; k < row; ++k)
            column(k) = from + (to - from) * static_cast<double>(k - last_valid) / span;
        }
        last_valid = row;
      } else if (missing == MissingPolicy::ffill) {
        column(row) = column(last_valid);
        last_valid = row;  // the filled value carries on
      }
    }
    for (long row = last_valid + 1; row < rows; ++row) column(row) = column(last_valid);
  }
}

// Long format: the rows of each series, sorted by time (stable: without a time column, file order),
// as one RawRows per series, ordered by id (byte order) so that the order never depends on the file's
// row order or on a shard. Two rows of one series at the same time are an error naming both lines
// (in a series whose values were read: RawRows::id_read).
std::vector<std::pair<std::string, RawRows>> split_by_series(const RawRows& raw, const std::optional<SelectedColumn>& time,
                                                             const SelectedColumn& series_id, const std::string& source) {
  std::vector<std::vector<long>> rows_of(raw.ids.size());
  for (long row = 0; row < raw.rows; ++row) rows_of[static_cast<std::size_t>(raw.row_series[static_cast<std::size_t>(row)])].push_back(row);
  std::map<std::string, std::size_t> by_id;
  for (std::size_t s = 0; s < raw.ids.size(); ++s) by_id.emplace(raw.ids[s], s);
  std::vector<std::pair<std::string, RawRows>> out;
  out.reserve(raw.ids.size());
  for (const auto& [id, index] : by_id) {
    std::vector<long>& rows = rows_of[index];
    if (raw.timed) {
      std::stable_sort(rows.begin(), rows.end(), [&](long a, long b) {
        return raw.ticks[static_cast<std::size_t>(a)] < raw.ticks[static_cast<std::size_t>(b)];
      });
      for (std::size_t i = 1; i < rows.size() && raw.id_read[index] != 0; ++i) {
        if (raw.ticks[static_cast<std::size_t>(rows[i])] != raw.ticks[static_cast<std::size_t>(rows[i - 1])]) continue;
        const long first = std::min(rows[i], rows[i - 1]), second = std::max(rows[i], rows[i - 1]);
        TimeIndex written;
        written.format = raw.time_format;
        throw InputError(source, raw.line_of(second), static_cast<long>(time->field + 1),
                         "duplicate time " + in_quotes(written.format_tick(raw.ticks[static_cast<std::size_t>(second)])) +
                             " in series " + in_quotes(id) + " (column " + in_quotes(series_id.name) + "; also on line " +
                             std::to_string(raw.line_of(first)) +
                             (i >= 2 && raw.ticks[static_cast<std::size_t>(second)] - raw.ticks[static_cast<std::size_t>(rows[i - 2])] <= 3600
                                  ? daylight_saving_hint(raw.ticks[static_cast<std::size_t>(second)], raw.time_format, true)
                                  : std::string()) +
                             ")");
      }
    }
    RawRows part;
    part.timed = raw.timed;
    part.time_format = raw.time_format;
    part.values.resize(static_cast<Eigen::Index>(rows.size()), raw.values.cols());
    if (raw.timed) part.ticks.reserve(rows.size());
    for (const long row : rows) {
      part.values.row(part.rows) = raw.values.row(row);
      if (raw.timed) part.ticks.push_back(raw.ticks[static_cast<std::size_t>(row)]);
      part.add_row_line(raw.line_of(row));
      ++part.rows;
    }
    out.emplace_back(id, std::move(part));
  }
  return out;
}

// Where every column of `values` [rows, columns] (the first `n_targets` are targets) has values:
// from the latest first value of a column to the earliest last one, [begin, end) (empty, begin >=
// end, when one column ends before another starts); the columns that set them (the first such in
// column order); whether a target has a value outside them (the rows are then named by that column,
// not as rows without a target value); and whether every column has a value at all.
struct ValueSpan {
  long begin = 0, end = 0;
  long begin_column = 0, end_column = 0;
  bool begin_named = false, end_named = false;
  bool every_column = true;
};

ValueSpan value_span(const MatrixD& values, int n_targets) {
  const long rows = values.rows();
  ValueSpan span;
  span.end = rows;
  long first_target = rows, last_target = -1;
  for (long c = 0; c < values.cols(); ++c) {
    long first = 0, last = rows - 1;
    while (first < rows && std::isnan(values(first, c))) ++first;
    if (first == rows) {
      span.every_column = false;
      continue;
    }
    while (std::isnan(values(last, c))) --last;
    if (first > span.begin) span.begin = first, span.begin_column = c;
    if (last + 1 < span.end) span.end = last + 1, span.end_column = c;
    if (c < n_targets) first_target = std::min(first_target, first), last_target = std::max(last_target, last);
  }
  span.begin_named = first_target < span.begin;
  span.end_named = last_target >= span.end;
  return span;
}

// One series from rows already read: time index, gaps, missing values. The long-format loader
// calls this once per series id. `index`: the time index inferred from the rows' ticks
// (infer_time_index with `known`; raw.ticks moved into it), unused without a time column.
// `known`: the frequency of the model whose history this is (unit none: training data); `sibling`:
// a business-day frequency another series of the file has, for a run too short to show a weekend.
// `raw` is moved from only once nothing can throw: a caller may read it again without the time.
Series assemble_series(RawRows&& raw, TimeIndex index, const std::vector<SelectedColumn>& columns, int n_targets,
                       const std::optional<SelectedColumn>& time, MissingPolicy missing, const std::string& source,
                       const Frequency& known, const Frequency& sibling) {
  Series series;
  for (const SelectedColumn& column : columns) series.columns.push_back(column.name);
  series.n_targets = n_targets;
  // Rows before a column's first value and after its last hold no data of it (a history whose
  // future rows are left empty, a feature that starts late, one target of several that ends early):
  // under a filling policy the series starts and ends where every column has values, rather than
  // copying a column's first and last values over them. Without a time column the rows are the
  // periods, so leading rows stay (filled): row numbers (predict --fitted) and season positions
  // (seasonal.hpp) count from the file's first row. Rows read [begin, end) are kept; a column
  // without values is left to fill_missing's error. Nothing changes raw before the gap check can throw.
  const long rows_read = raw.rows;
  long begin = 0, end = rows_read;
  if (missing != MissingPolicy::error) {
    const ValueSpan span = value_span(raw.values, n_targets);
    if (span.every_column) {
      if (span.begin >= span.end) {  // one column ends before another starts: nothing to fill between
        // (in a many-series file, such a series is skipped as one with an empty column is)
        const SelectedColumn& late = columns[static_cast<std::size_t>(span.begin_column)];
        throw EmptyColumnError(source, raw.line_of(span.begin), static_cast<long>(late.field + 1),
                               "column " + in_quotes(late.name) + " starts on line " + std::to_string(raw.line_of(span.begin)) +
                                   ", after the last value of column " +
                                   in_quotes(columns[static_cast<std::size_t>(span.end_column)].name) + " (line " +
                                   std::to_string(raw.line_of(span.end - 1)) +
                                   "): the columns share no row with values, and --missing fills between a column's values only");
      }
      begin = time ? span.begin : 0;
      end = span.end;
      series.dropped.leading = begin;
      series.dropped.trailing = rows_read - end;
      if (begin > 0 && span.begin_named) series.dropped.leading_column = columns[static_cast<std::size_t>(span.begin_column)].name;
      if (end < rows_read && span.end_named) series.dropped.trailing_column = columns[static_cast<std::size_t>(span.end_column)].name;
    }
  }
  series.first_line = raw.line_of(begin);
  if (time) {
    series.time_field = static_cast<long>(time->field + 1);
    // A weekend or another time of day in the history of a business-day model, named where it is
    // (before gaps are filled, which would name a date the file does not have).
    std::size_t at = 0;
    const std::string weekday = known.unit == Frequency::Unit::business_days && day_based(index.format.kind)
                                    ? weekday_problem(index.ticks, index.format, &at)
                                    : "";
    if (!weekday.empty())
      throw InputError(source, raw.line_of(static_cast<long>(at)), static_cast<long>(time->field + 1),
                       weekday + ", but the model was trained on business daily data (Monday to Friday, at one time of day)");
    series.time = std::move(index);
    if (known.unit == Frequency::Unit::none && sibling.unit == Frequency::Unit::business_days && short_weekday_run(series.time)) {
      series.time.frequency = sibling;
      series.time.month_day = 0;
    }
    check_and_fill_gaps(raw, series.time, *time, missing, source);
  }
  // The same rows in the gap-filled frame (inserted rows are empty), cut once every column is
  // filled: a cell missing at the first row kept is filled from the values around it, in the rows
  // not read too.
  long first = 0, last = raw.values.rows();
  if (begin > 0 || end < rows_read) {
    const ValueSpan span = value_span(raw.values, n_targets);
    first = begin > 0 ? span.begin : 0;
    last = span.end;
  }
  if (n_targets > 0 && raw.values.leftCols(n_targets).middleRows(first, last - first).hasNaN()) {
    series.target_filled.assign(static_cast<std::size_t>(n_targets), std::vector<bool>(static_cast<std::size_t>(last - first)));
    for (int k = 0; k < n_targets; ++k)
      for (long r = first; r < last; ++r)
        series.target_filled[static_cast<std::size_t>(k)][static_cast<std::size_t>(r - first)] = std::isnan(raw.values(r, k));
  }
  fill_missing(raw.values, columns, missing, source);
  if (first > 0 || last < raw.values.rows()) {
    raw.values = MatrixD(raw.values.middleRows(first, last - first));
    if (time) series.time.ticks = std::vector<std::int64_t>(series.time.ticks.begin() + first, series.time.ticks.begin() + last);
  }
  series.values = std::move(raw.values);
  return series;
}


// load_series; with `dropped` (load_series_guessing_time), a time column is guessed from the header
// when none is named (time_column_by_name), dropped when its first time or its gaps do not read,
// and `dropped` says why. One pass over the file, so stdin is read as a file is.
SeriesSet load_series_impl(const DataConfig& data, const std::function<Frequency(const std::string&)>& known,
                           std::string* dropped, bool skip_empty = false, std::string* unread_time = nullptr,
                           const SeriesFilter& wanted = nullptr) {
  const auto known_of = [&](const std::string& id) { return known ? known(id) : Frequency{}; };
  if (data.path.empty()) throw InputError("no data file: set data.path (--data FILE)");
  const std::string source = source_name(data.path);
  if (data.targets.empty()) throw InputError(source, 0, 0, "no target column: set data.targets (--target COL)");
  check_selection(data, source);
  const char delimiter = delimiter_from_text(data.delimiter);

  // The columns asked for help detect the delimiter (a ';' file whose column is "sales, EUR").
  std::vector<std::string> expected = data.targets;
  expected.insert(expected.end(), data.features.begin(), data.features.end());
  if (!data.time_column.empty()) expected.push_back(data.time_column);
  if (!data.series_column.empty()) expected.push_back(data.series_column);
  CsvReader csv(data.path, delimiter, expected);
  std::vector<SelectedColumn> columns;
  const bool long_format = !data.series_column.empty();
  const HeaderIndex header_index = index_header(csv.header());
  for (const auto& name : data.targets) columns.push_back({name, find_column(csv, header_index, name, "target", long_format)});
  for (const auto& name : data.features) columns.push_back({name, find_column(csv, header_index, name, "feature", long_format)});
  std::optional<SelectedColumn> time;
  if (!data.time_column.empty())
    time = SelectedColumn{data.time_column, find_column(csv, header_index, data.time_column, "time", long_format)};
  std::optional<SelectedColumn> series_id;
  if (long_format)
    series_id = SelectedColumn{data.series_column, find_column(csv, header_index, data.series_column, "series", long_format)};
  // A guess: the first header field named like a time (or the second after an unnamed row index),
  // when it is neither a target nor a feature.
  const bool guess = dropped != nullptr && !time && !series_id;
  if (guess || (unread_time != nullptr && !time)) {
    const std::vector<std::string>& header = csv.header();
    // Long format: the field after the series ids (id,date,value) is the first to look at.
    std::vector<std::string> fields = header;
    if (series_id) fields.erase(fields.begin() + static_cast<std::ptrdiff_t>(series_id->field));
    const std::string name = time_column_by_name(fields);
    const bool chosen = std::find(data.targets.begin(), data.targets.end(), name) != data.targets.end() ||
                        std::find(data.features.begin(), data.features.end(), name) != data.features.end();
    if (!name.empty() && !chosen) {
      if (guess)
        time = SelectedColumn{name, static_cast<std::size_t>(std::find(header.begin(), header.end(), name) - header.begin())};
      else
        *unread_time = name;
    }
  }

  RawRows raw = read_rows(csv, columns, time, data.missing, series_id, guess ? dropped : nullptr, wanted);
  if (raw.rows == 0)
    throw InputError(source, 0, 0,
                     "no data rows: the file has a header (line " + std::to_string(csv.header_line()) +
                         ") and nothing after it");

  SeriesSet set;
  set.source = source;
  set.time_column = time ? time->name : "";
  set.series_column = data.series_column;
  if (series_id) {
    std::vector<std::pair<std::string, RawRows>> parts = split_by_series(raw, time, *series_id, source);
    // Each part's index into raw.ids, whose id_read says whether read_rows read its values (it asked
    // the SeriesFilter once per series).
    std::vector<std::size_t> raw_index(parts.size());
    {
      std::unordered_map<std::string, std::size_t> index_of;
      for (std::size_t i = 0; i < raw.ids.size(); ++i) index_of.emplace(raw.ids[i], i);
      for (std::size_t i = 0; i < parts.size(); ++i) raw_index[i] = index_of.at(parts[i].first);
    }
    const auto read = [&](std::size_t i) { return raw.id_read[raw_index[i]] != 0; };
    // Every series' time index first: a series of a business-day file too short to show a weekend
    // (a week of weekdays) is business daily like its siblings, not daily (short_weekday_run).
    // A series not read (SeriesFilter) counts here as when every series is read, unless its times
    // are not an index at all (which reading it would say).
    std::vector<TimeIndex> indices(parts.size());
    std::vector<char> indexed(parts.size(), 1);  // 0: an unread series whose times form no index
    Frequency sibling;
    for (std::size_t i = 0; time && i < parts.size(); ++i) {
      RawRows& part = parts[i].second;
      // Two rows at one time (split_by_series checks the series read only: sorted ticks, so side by side).
      if (!read(i) && std::adjacent_find(part.ticks.begin(), part.ticks.end()) != part.ticks.end()) {
        indexed[i] = 0;
        continue;
      }
      try {
        indices[i] = infer_time_index(std::move(part.ticks), part.time_format, known_of(parts[i].first));
      } catch (const InputError&) {
        if (read(i)) throw;
        indexed[i] = 0;
        continue;
      }
      const Frequency& found = indices[i].frequency;
      if (sibling.unit == Frequency::Unit::none && found.unit == Frequency::Unit::business_days && found.count == 1)
        sibling = found;
    }
    // The series read, reserved: grown by doubling, the list held two copies at once (a file of
    // 40,000 one-row series peaked at 51 MB, now 44 MB).
    long read_count = 0;
    for (std::size_t i = 0; i < parts.size(); ++i) read_count += read(i) ? 1 : 0;
    set.series.reserve(static_cast<std::size_t>(read_count));
    for (std::size_t i = 0; i < parts.size(); ++i) {
      const std::string& id = parts[i].first;
      if (!read(i)) {
        const std::vector<char>& has_value = raw.id_has_value[raw_index[i]];
        set.unread.push_back(
            {id, indices[i].frequency, std::find(has_value.begin(), has_value.end(), 0) != has_value.end(), indexed[i] != 0,
             indices[i].ticks.size() >= 2});
        continue;
      }
      try {
        set.series.push_back(assemble_series(std::move(parts[i].second), std::move(indices[i]), columns,
                                             static_cast<int>(data.targets.size()), time, data.missing, source,
                                             known_of(id), sibling));
      } catch (const TimeFormatError& e) {  // say which series (the line says where, not which), same type
        throw TimeFormatError(e.file(), e.line(), e.column(), "series " + in_quotes(id) + ": " + e.message());
      } catch (const TimeStepError& e) {
        throw TimeStepError(e.file(), e.line(), e.column(), "series " + in_quotes(id) + ": " + e.message());
      } catch (const EmptyColumnError& e) {
        if (!skip_empty)
          throw InputError(e.file(), e.line(), e.column(),
                           "series " + in_quotes(id) + ": " + e.message() +
                               (data.strict ? " (data.strict is set: such a series is refused, not skipped)" : ""));
        set.empty.emplace_back(id, e.message());
        continue;
      } catch (const InputError& e) {
        throw InputError(e.file(), e.line(), e.column(), "series " + in_quotes(id) + ": " + e.message());
      }
      set.series.back().id = id;
    }
    return set;
  }
  TimeIndex index = time ? infer_time_index(std::move(raw.ticks), raw.time_format, known_of("")) : TimeIndex{};
  const auto assemble = [&](TimeIndex&& with) {
    set.series.push_back(assemble_series(std::move(raw), std::move(with), columns, static_cast<int>(data.targets.size()),
                                         time, data.missing, source, known_of(""), Frequency{}));
  };
  if (!guess || !time) {
    assemble(std::move(index));
    return set;
  }
  try {
    assemble(std::move(index));  // raw is left as it was when this throws
  } catch (const TimeFormatError& e) {  // gaps that would more than double the rows: not a time column
    *dropped = (e.line() > 0 ? "line " + std::to_string(e.line()) + ": " : std::string()) + e.message();
    time.reset();
    raw.timed = false;
    set.time_column.clear();
    assemble(TimeIndex{});
  }
  return set;
}

}  // namespace

SeriesSet load_series(const DataConfig& data, const std::function<Frequency(const std::string&)>& known,
                      bool skip_empty, const SeriesFilter& wanted) {
  return load_series_impl(data, known, nullptr, skip_empty, nullptr, wanted);
}

SeriesSet load_series_guessing_time(DataConfig& data, std::string* dropped) {
  std::string why;
  SeriesSet set = load_series_impl(data, nullptr, &why);
  data.time_column = set.time_column;
  if (dropped != nullptr) *dropped = why;
  return set;
}

SeriesSet load_training_series(DataConfig& data, std::string* dropped, std::string* unread_time, const SeriesFilter& wanted,
                               bool time_column_given) {
  const bool guess =
      data.series_column.empty() && data.time_column.empty() && !time_column_given && data.look_back == 0 && data.season == 0;
  if (guess) return load_series_guessing_time(data, dropped);
  if (time_column_given && data.time_column.empty()) unread_time = nullptr;  // none, as asked
  // A series with a column of no values is set aside (SeriesSet::empty) even under data.strict:
  // drop_short_series (panel.hpp) refuses it then, among the selected series only.
  return load_series_impl(data, nullptr, nullptr, !data.series_column.empty(), unread_time, wanted);
}

std::string_view trim_blanks(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

std::string quoted_id(std::string_view text) { return in_quotes(text, 240); }

namespace {

std::string last_value_jump_of(const MatrixD& values, long column, long rows, const std::string& name, const std::string& when) {
  if (rows < 8) return "";
  double before = 0;  // the largest earlier change
  for (long t = 1; t + 1 < rows; ++t) before = std::max(before, std::abs(values(t, column) - values(t - 1, column)));
  const double last = std::abs(values(rows - 1, column) - values(rows - 2, column));
  if (!(last > kLastJump * before) || !(before > 0)) return "";
  return "the last value of " + in_quotes(name) + " (" + format_number(values(rows - 1, column)) +
         (when.empty() ? std::string() : ", at " + when) + ") changed by " + format_readable(last) +
         " from the row before, more than " + format_number(kLastJump) + " times any earlier change (at most " +
         format_readable(before) + "): every forecast starts from it; if it is an error, fix or drop that row";
}

}  // namespace

std::string last_value_jump_note(const MatrixD& values, long rows, const std::vector<std::string>& names, const std::string& when) {
  std::string notes;
  for (std::size_t k = 0; k < names.size() && static_cast<long>(k) < values.cols(); ++k) {
    const std::string note = last_value_jump_of(values, static_cast<long>(k), rows, names[k], when);
    if (!note.empty()) notes += (notes.empty() ? "" : "; ") + note;
  }
  return notes;
}

namespace {

// Which rows a series' note counts: "2 leading and 3 trailing rows" (every target empty in them), or
// by side, "2 leading rows (before the first value of 'f') and 1 trailing row (without a target
// value)" where a column bounds them; "" for none.
std::string dropped_rows_which(const DroppedRows& dropped) {
  const long leading = dropped.leading, trailing = dropped.trailing;
  if (leading == 0 && trailing == 0) return "";
  const auto rows = [](long n, const char* where) { return std::to_string(n) + " " + where; };
  if (dropped.leading_column.empty() && dropped.trailing_column.empty())
    return (leading > 0 && trailing > 0 ? rows(leading, "leading and ") + rows(trailing, "trailing")
            : leading > 0             ? rows(leading, "leading")
                                      : rows(trailing, "trailing")) +
           (leading + trailing == 1 ? " row" : " rows");
  const auto side = [&](long n, const char* where, const std::string& column, const char* bound) {
    return rows(n, where) + (n == 1 ? " row" : " rows") + " (" +
           (column.empty() ? std::string("without a target value") : std::string(bound) + " value of " + in_quotes(column)) + ")";
  };
  std::string out;
  if (leading > 0) out = side(leading, "leading", dropped.leading_column, "before the first");
  if (trailing > 0) out += (out.empty() ? "" : " and ") + side(trailing, "trailing", dropped.trailing_column, "after the last");
  return out;
}

bool bounded_by_column(const DroppedRows& dropped) {
  return !dropped.leading_column.empty() || !dropped.trailing_column.empty();
}

}  // namespace

std::string dropped_rows_note(const DroppedRows& dropped) {
  const std::string which = dropped_rows_which(dropped);
  if (which.empty()) return "";
  return which + (bounded_by_column(dropped) ? "" : " without a target value") + " not read";
}

std::string dropped_rows_note(const SeriesSet& set) {
  long count = 0;
  bool by_column = false;  // some rows are bounded by a column, not empty of every target
  std::string named;
  for (const Series& s : set.series) {
    const std::string which = dropped_rows_which(s.dropped);
    if (which.empty()) continue;
    by_column = by_column || bounded_by_column(s.dropped);
    if (++count <= 3) named += (named.empty() ? "" : "; ") + in_quotes(s.id) + ": " + which;
  }
  if (count == 0) return "";
  return std::string(by_column ? "rows outside the columns' values" : "rows without a target value") + " not read in " +
         std::to_string(count) + " series (" + named + (count > 3 ? "; ..." : "") + ")";
}

std::string last_value_jump_note(const SeriesSet& set, const std::vector<std::string>& names,
                                 const std::function<bool(const std::string& id)>& said) {
  std::vector<std::pair<std::string, std::string>> notes;
  for (const Series& s : set.series) {
    if (said && !said(s.id)) continue;
    std::string note = last_value_jump_note(s.values, s.rows(), names, s.time.ticks.empty() ? "" : s.time.format_tick(s.time.ticks.back()));
    if (!note.empty()) notes.emplace_back(s.id, std::move(note));
  }
  return series_notes_summary(notes);
}

std::uint64_t values_and_times_hash(const Series& series, std::uint64_t hash) {
  hash = fnv1a(series.values.data(), static_cast<std::size_t>(series.values.size()) * sizeof(double), hash);
  return fnv1a(series.time.ticks.data(), series.time.ticks.size() * sizeof(std::int64_t), hash);
}

std::string series_notes_summary(const std::vector<std::pair<std::string, std::string>>& notes) {
  if (notes.empty()) return "";
  const std::string first = "series " + in_quotes(notes.front().first) + ": " + notes.front().second;
  if (notes.size() == 1) return first;
  std::string named;
  for (std::size_t i = 1; i < notes.size() && i < 4; ++i) named += (i == 1 ? "" : ", ") + in_quotes(notes[i].first);
  return first + "; so did " + std::to_string(notes.size() - 1) + " more series (" + named + (notes.size() > 4 ? ", ..." : "") + ")";
}

std::vector<std::string> grouped_series_notes(const std::vector<std::pair<std::string, std::string>>& notes,
                                              const std::function<std::string(const std::string& who, const std::string& reason)>& line,
                                              const std::function<std::string(std::size_t n)>& rest) {
  std::vector<std::pair<std::string, std::vector<const std::string*>>> groups;  // reason, ids; first seen first
  std::unordered_map<std::string, std::size_t> group_of;
  for (const auto& [id, reason] : notes) {
    const auto [at, added] = group_of.emplace(reason, groups.size());
    if (added) groups.push_back({reason, {}});
    groups[at->second].second.push_back(&id);
  }
  // The reasons of the most series first (ties in the order seen): 1,000 series of one reason came
  // after ten series of a reason each, and went unnamed (a review).
  std::stable_sort(groups.begin(), groups.end(), [](const auto& a, const auto& b) { return a.second.size() > b.second.size(); });
  std::vector<std::string> out;
  std::size_t rest_series = 0;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    const auto& [reason, ids] = groups[g];
    if (g >= kShownSeriesNotes) {
      rest_series += ids.size();
      continue;
    }
    std::string who = ids.size() == 1 ? "series " + in_quotes(*ids.front()) : std::to_string(ids.size()) + " series (";
    for (std::size_t i = 0; ids.size() > 1 && i < ids.size() && i < 3; ++i) who += (i == 0 ? "" : ", ") + in_quotes(*ids[i]);
    if (ids.size() > 1) who += ids.size() > 3 ? ", ...)" : ")";
    out.push_back(line(who, reason));
  }
  if (rest_series > 0) out.push_back(rest(rest_series));
  return out;
}

std::string time_column_by_name(const std::vector<std::string>& header) {
  if (header.empty()) return "";
  // pandas' to_csv writes its unnamed row index first (",date,value"): the next column counts.
  const std::string& first = header[0].empty() && header.size() > 1 ? header[1] : header[0];
  const std::string lower = lowercase(first);
  for (const char* name : {"date", "time", "timestamp", "datetime", "ds", "month", "year", "period", "week", "quarter", "qtr"})
    if (lower == name) return first;
  return "";
}

}  // namespace lstmf
