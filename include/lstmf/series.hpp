// Series: the columns of a CSV chosen for one forecasting job, with their time index.
// One file can carry many series (long format, data.series_column: panel.hpp); each Series has its own
// time index and may start and end at different times.
//
// Loading rules (csv.hpp has the file dialect, time_index.hpp the time forms):
//  - Columns are chosen by header name: targets, then features, and an optional time column. A
//    name may be selected only once, and must appear exactly once in the header.
//  - A cell is a finite decimal number or a missing-value marker (csv.hpp: "", NA, N/A, #N/A, NaN,
//    null, in any letter case). data.missing decides what a missing cell does:
//      error        the load fails, naming the line and column;
//      interpolate  linear in row position between the valid values around it;
//      ffill        the last valid value above it.
//    Both fill between a column's values only: rows after the last value of any target or feature
//    are dropped, and so are rows before the first value of any of them when there is a time
//    column (without one, rows are the periods: row numbers and season positions count from the
//    file's first row, so those rows are filled, each column from its first value): the series
//    ends, and starts, with data in every column (Series::dropped, counted in rows read). A column
//    with no valid value at all is an error, and so are columns whose values share no row (one
//    ends before another starts).
//  - The time column must be strictly increasing and written in one form throughout. Its step is
//    inferred (time_index.hpp). A step that is a whole multiple of it is a gap: an error under the
//    policy error; otherwise the missing rows are inserted, every selected column missing, and
//    filled by the policy. A gap-filled series may hold at most as many inserted rows as read ones.
// Matrices are row-major (tensor.hpp); a series' values are [rows, columns], one row per time
// step, targets first.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "lstmf/config.hpp"
#include "lstmf/tensor.hpp"
#include "lstmf/time_index.hpp"

namespace lstmf {

// The largest magnitude a value may have, in a file or a checkpoint: beyond it the squares and sums
// of training, of RMSE and of the intervals overflow a double (1.8e308).
constexpr double kLargestValue = 1e100;

// Rows of a file not read under a filling policy (above), before and after the series.
struct DroppedRows {
  long leading = 0;
  long trailing = 0;
  // The column whose first (last) value bounds them when another column has values there (a
  // feature that starts late, one target of several that ends early); "" where every target is
  // empty in them.
  std::string leading_column;
  std::string trailing_column;
};

struct Series {
  std::string id;                    // "" for the only series of a wide-format file
  std::vector<std::string> columns;  // targets first, then features (names as in the header)
  int n_targets = 0;
  MatrixD values;                    // [rows, columns], original units, no NaN after loading
  TimeIndex time;                    // ticks empty when there is no time column
  long first_line = 0;               // file line of the first row, for messages
  long time_field = 0;               // 1-based field of the time column in its file (0: none), for messages
  // Under a filling policy (data.missing interpolate or ffill), the rows of the file before every
  // column's first value (with a time column) and after any column's last are not part of the
  // series: how many there were, and which column bounds them.
  DroppedRows dropped;
  // [targets][rows] true where that target's value was missing in the file (a missing cell, or a
  // row inserted for a time gap) and filled by data.missing; empty when none was. The accuracy
  // protocol and evaluate score only the values the file holds (row_filled: any target's).
  std::vector<std::vector<bool>> target_filled;

  long rows() const { return static_cast<long>(values.rows()); }
};

// Whether any target's value in `row` was missing in the file (Series::target_filled, [targets][rows]).
inline bool row_filled(const std::vector<std::vector<bool>>& target_filled, long row) {
  for (const std::vector<bool>& rows : target_filled)
    if (row >= 0 && static_cast<std::size_t>(row) < rows.size() && rows[static_cast<std::size_t>(row)]) return true;
  return false;
}

// Everything loaded from one file. A wide-format file holds one series (one row per time step). A
// long-format file (data.series_column names the column of series ids) gives one Series per id,
// ordered by id (byte order): rows of a series need not be contiguous; each series is sorted by its
// own time, checked (two rows at one time are an error naming both lines) and filled on its own,
// and may start and end at different times. Every series has the same columns.
struct SeriesSet {
  std::string source;                // the file name as given ("-" for stdin → "<stdin>")
  std::string time_column;
  std::string series_column;         // "" for a wide-format file
  std::vector<Series> series;
  // Long format read with skip_empty (load_series): the series left out because one of their
  // columns has no values at all, or their columns' values share no row, as {id, reason}; the
  // reason names the column.
  std::vector<std::pair<std::string, std::string>> empty;
  // Long format read with a SeriesFilter: the series it left out, whose values were not read, by
  // id: selection.hpp's select_series knows them, and the many-series recipe takes its season from the
  // file's first series that has values and an index showing its step, whichever are selected.
  struct Unread {
    std::string id;
    Frequency frequency;        // of its times (none without a time column, or when not indexed)
    bool empty_column = false;  // a column without a single value: in `empty` when read (skip_empty)
    bool indexed = true;        // false: its times form no index (two rows at one time...), which reading it would refuse
    bool stepped = false;       // its times show its step (two rows or more; one shows only its form's)
  };
  std::vector<Unread> unread;
};

// Long format: which series to read (by id). The values of the others are neither parsed nor
// checked (a missing value under data.missing error, a cell that is no number), nor are their
// times checked for gaps or duplicates; their rows still need an id and a time in the file's form,
// and their times still show a business-day file (short_weekday_run), as when every series is read.
// nullptr reads every series.
using SeriesFilter = std::function<bool(const std::string&)>;

// `text` without the spaces and tabs around it, as the loader reads values, times and series ids
// (spaces inside quotes survive the CSV reader's own trimming; around a number, a time or an id
// they mean nothing).
std::string_view trim_blanks(std::string_view text);

// A series id, or a list of them, in a message (panel, selection, merge): in_quotes with a longer
// cut than other names, 240 bytes. printable leaves what it wrote alone, so a list of ids already
// escaped is quoted as is.
std::string quoted_id(std::string_view text);

// Loads the columns named by `data` (targets, features, time column) from data.path ("-" = stdin),
// applies the missing-value policy and checks the time index (sorted, no duplicates, no gaps unless
// the policy fills them). Every error is an InputError naming file, line, column and text found;
// IoError when the file cannot be opened or read.
// `known` (series id -> frequency; "" for a wide-format file): the frequency of the model whose
// history the file is, per series, which the time index keeps where its ticks fit it
// (infer_time_index with known; a weekend time in a business-day model's history is an error at
// its line); none, or no function, for data read as they are. In a long-format file read as it
// is, a series too short to show a weekend is business daily when another series is
// (short_weekday_run).
// `skip_empty` (many-series training without data.strict): a long-format series one of whose
// columns has no value at all (or whose columns' values share no row) under a filling data.missing
// goes to SeriesSet::empty instead of
// failing the whole file (a too-short one is skipped the same way: panel.hpp drop_short_series).
// `wanted`: the series to read (SeriesFilter); the others go to SeriesSet::unread.
SeriesSet load_series(const DataConfig& data, const std::function<Frequency(const std::string&)>& known = nullptr,
                      bool skip_empty = false, const SeriesFilter& wanted = nullptr);
// How to read a file whose time column was guessed by its name otherwise (train's flags); an error
// in such a column ends with it, and the accuracy protocol puts its own (meta.json) in its place.
inline constexpr const char* kGuessedTimeHint =
    "name it with --time-column, or set --look-back or --season to read the file without guessing";
// The first field of a CSV header (csv.hpp: trimmed, unquoted) when its name says it holds times
// (date, time, timestamp, datetime, ds, month, year, period, week, quarter or qtr, any case), or the
// second when the first is unnamed (the row index pandas' to_csv writes: ",date,value"); ""
// otherwise. The default recipe and the accuracy protocol take it as the time column when none is
// named.
std::string time_column_by_name(const std::vector<std::string>& header);
// load_series with data.time_column guessed by time_column_by_name (data.time_column must be "";
// one pass, so stdin too). A guessed column that is a target or a feature is not taken. One whose
// first value does not read as a time (another form: "Jan 2020", ISO weeks), or whose gaps would
// more than double the rows (TimeFormatError), is dropped and the file read without it; `dropped`
// (when given) receives why, "" when nothing was dropped. Once the first value reads, the column
// is a time column: a later value that does not read (a footer row "Total,6000"), changes form or
// offset, or rows out of order or duplicated, are errors naming the line. data.time_column is left
// as the column used ("" for none).
SeriesSet load_series_guessing_time(DataConfig& data, std::string* dropped = nullptr);

// The series as training reads them: one series (no series column) whose time column is not named
// and whose season and look-back are left to the recipe, which needs the time column's period, by
// load_series_guessing_time; any other config by load_series (skip_empty for a long-format file
// without data.strict, as many-series training skips). data.time_column is left as the
// column used. fit() and inspect both read through it, so they see the same series. `dropped`, when
// given, receives why a guessed time column was not read as times ("" when none was dropped);
// `unread_time`, the name of a column named like times (time_column_by_name) that was not guessed
// because the look-back or season was given ("" when none).
// `wanted`: in a long-format file, the series to read (SeriesFilter). `time_column_given`: the
// configuration gave data.time_column, if empty (--time-column ''): no column is guessed, nor noted.
SeriesSet load_training_series(DataConfig& data, std::string* dropped = nullptr, std::string* unread_time = nullptr,
                               const SeriesFilter& wanted = nullptr, bool time_column_given = false);

// For a note: when the last of the first `rows` rows of a target of `values` [rows, columns] (the
// first names.size() columns, named by `names`) changed from the row before by more than kLastJump
// times every earlier change (8 rows at least): "the last value of 'y' (944, at 1959-06) changed by
// 472 from the row before, more than 3 times any earlier change (at most 78): ...", each such
// target's joined by "; ". A typo there sets the level every forecast starts from, and validation,
// which ends before it, does not see it. `when` is the last row's time ("" for none). "" when no
// target's last change is such a jump.
inline constexpr double kLastJump = 3;
std::string last_value_jump_note(const MatrixD& values, long rows, const std::vector<std::string>& names, const std::string& when);
// The same over many series (its targets named `names`): the first series whose last value jumps,
// "series 'b': the last value of ...", and how many more do ("; so did 2 more series ('c', 'd')");
// "" when none does. `said` (when given) picks the series spoken of: those trained, not those left out.
std::string last_value_jump_note(const SeriesSet& set, const std::vector<std::string>& names,
                                 const std::function<bool(const std::string& id)>& said = {});
// One note for many series from each one's (id, note), in order: "series 'b': <its note>", and how
// many more have one ("; so did 2 more series ('c', 'd')"); "" for none.
std::string series_notes_summary(const std::vector<std::pair<std::string, std::string>>& notes);
// Lines for many series' (id, reason), the series of one reason together, the reasons of the most
// series first (ties in the order seen): line(who, reason) with who "series 'a'" for one, "3 series
// ('a', 'b', 'c')" or "40 series ('a', 'b', 'c', ...)" for more, ids in the order seen; at most
// kShownSeriesNotes reasons, then rest(n) for the n series of the others
// (one line per series was 6 MB of stderr for a file of 25,000 short series).
constexpr std::size_t kShownSeriesNotes = 10;
std::vector<std::string> grouped_series_notes(const std::vector<std::pair<std::string, std::string>>& notes,
                                              const std::function<std::string(const std::string& who, const std::string& reason)>& line,
                                              const std::function<std::string(std::size_t n)>& rest);

// For a note: "2 leading and 3 trailing rows without a target value not read" when the loader
// dropped such rows (Series::dropped), "2 leading rows (before the first value of 'f') not read"
// where a column bounds them, "" when it dropped none.
std::string dropped_rows_note(const DroppedRows& dropped);
// The same over the series of a many-series file: "rows without a target value not read in 2
// series ('A': 2 leading rows; 'B': 3 trailing rows)", the first three named; "" when none.
std::string dropped_rows_note(const SeriesSet& set);

// FNV-1a (random.hpp fnv1a) continued from `hash` over the bytes of every value, then every time,
// of `series`: what a resumed run (fit.cpp) and data-parallel processes (panel.cpp) compare to
// know they hold the same rows.
std::uint64_t values_and_times_hash(const Series& series, std::uint64_t hash);

}  // namespace lstmf
