// Typed errors. The library throws these and never prints or exits; src/cli/main.cpp catches
// them, prints one line on stderr and picks the exit code (README, "Exit codes"). (Its only
// writes to a standard stream are outputs a caller names "-": io.hpp write_atomically, data on
// stdout, never talk.)
#pragma once

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace lstmf {

enum class ExitCode : int {
  ok = 0,
  internal = 1,     // a bug or an unexpected failure
  input = 2,        // bad input: data, config, checkpoint or command-line usage
  io = 3,           // a file cannot be read or written
  diverged = 4,     // training produced NaN or Inf
  memory = 5,       // the job needs more memory than the machine has; refused before it started
  interrupted = 130 // SIGINT / SIGTERM
};

// Base of every error the library throws on purpose.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message, ExitCode code = ExitCode::internal)
      : std::runtime_error(message), code_(code) {}
  ExitCode code() const noexcept { return code_; }

 private:
  ExitCode code_;
};

// Bad input from the user, located where possible. what() is "file:line:column: message"
// (line and column omitted when 0), the form compilers use, so editors can jump to it.
class InputError : public Error {
 public:
  InputError(std::string file, long line, long column, std::string message);
  explicit InputError(std::string message) : InputError("", 0, 0, std::move(message)) {}

  const std::string& file() const noexcept { return file_; }
  long line() const noexcept { return line_; }
  long column() const noexcept { return column_; }
  const std::string& message() const noexcept { return message_; }

 private:
  std::string file_;
  long line_;
  long column_;
  std::string message_;
};

// A time column guessed by its name (series.hpp) that is not one after all: its gaps would need more
// rows filled in than were read (the loader then reads the file without it), or a row after the
// first does not read as a time or changes form (train refuses the file, naming the line; the
// accuracy protocol reads it without the column). Rows out of order or duplicated, and anything in
// a named time column, are plain InputErrors.
class TimeFormatError : public InputError {
 public:
  using InputError::InputError;
};

// A time column whose step from one row to the next is not a whole number of steps of the
// series' frequency (one 8-day week among weekly rows). The times read, but one is off the grid:
// train and predict refuse the file (the data is wrong, as with rows out of order); the accuracy
// protocol, which scores values as M4 does (rows as periods), reads the file without the column.
class TimeStepError : public InputError {
 public:
  using InputError::InputError;
};

// A file that cannot be opened, read, written or renamed.
class IoError : public Error {
 public:
  IoError(const std::string& file, const std::string& message)
      : Error(file.empty() ? message : file + ": " + message, ExitCode::io) {}
};

// Training stopped because the loss or a gradient became NaN or Inf.
class DivergedError : public Error {
 public:
  explicit DivergedError(const std::string& message) : Error(message, ExitCode::diverged) {}
};

// The job would need more memory than is available (or an allocation failed).
class MemoryError : public Error {
 public:
  explicit MemoryError(const std::string& message) : Error(message, ExitCode::memory) {}
};

// Whether `text` is valid UTF-8 (RFC 3629: no overlong forms, no surrogates, at most U+10FFFF),
// as JSON strings must be.
bool valid_utf8(std::string_view text);

// '0' to '9' (std::isdigit takes an int and depends on the locale): for reading numbers and times.
inline bool is_digit(char c) { return c >= '0' && c <= '9'; }

// `text` made safe to quote in a one-line message: control characters and bytes that are not part
// of valid UTF-8 are written as \n, \t, \xNN, characters a terminal shows as nothing or as a
// plain space (C1 controls, no-break and zero-width spaces, bidirectional marks, the BOM) as
// \uXXXX, and text longer than `max_bytes` is cut at a character boundary and ends in "..." (with
// the full length). Other valid UTF-8 passes through.
std::string printable(std::string_view text, std::size_t max_bytes = 60);

// As printable, but a text longer than `max_bytes` keeps both ends, "head ... (N bytes) ... tail",
// about two thirds of them before the cut: a message that starts with a very long file name still
// says at its end what went wrong.
std::string printable_ends(std::string_view text, std::size_t max_bytes);

// Shortest text that reads back as the same double (messages name values as the data hold them).
std::string format_number(double value);
// `digits` significant digits for a value read by eye (a table cell, a summary line): fixed
// notation from 1e-3 to 1e9, so ordinary magnitudes have no exponent ("1567526", "0.00999999"),
// exponent notation outside ("3.333e-08"); trailing zeros kept ("12.50" at 4). Not finite:
// format_number's text.
std::string format_significant(double value, int digits);
// A computed value (a loss, a difference of two data values) in a line for people: 6 significant
// digits as format_significant, without trailing zeros: "16.9", not 16.900000000000006 (112.3 -
// 95.4); "45.956", not 45.9560467094805; 1567526, not 1.56753e+06.
std::string format_readable(double value);

// printable(text) whole, never cut: a name in a table of results (a raw newline or ESC in it broke
// the table and reached the terminal).
std::string printable_whole(std::string_view text);
// The columns `text` (UTF-8) takes on a terminal: East Asian wide characters and emoji 2, combining
// marks 0, any other character 1: for padding table cells.
std::size_t display_columns(std::string_view text);

// printable(text, max_bytes) in single quotes: a name or value quoted in a message.
std::string in_quotes(std::string_view text, std::size_t max_bytes = 60);

// "1 row", "2 rows": `count` and the English `noun` ("row"), plural by an added "s".
std::string count_of(long count, const char* noun);

// Levenshtein distance (insertions, deletions, substitutions of bytes), for "did you mean".
std::size_t edit_distance(const std::string& a, const std::string& b);
// min(edit_distance(a, b), limit + 1), in O(min(|a|, |b|) * limit) time: the cells within `limit`
// of the diagonal alone (a 100 KB column name against a header took seconds in the full table).
std::size_t bounded_edit_distance(const std::string& a, const std::string& b, std::size_t limit);
// The index of the candidate `word` likely misspells: the nearest by edit_distance (the first of
// equals), when at most 2 edits away and those fewer than half of word's bytes (2 at least);
// nullopt when none is that near. Compare lowercased copies for a match in any case.
std::optional<std::size_t> likely_typo_of(const std::string& word, const std::vector<std::string>& candidates);

// "file:line:column: message" with empty parts left out.
std::string format_location(const std::string& file, long line, long column, const std::string& message);

}  // namespace lstmf
