// Reading CSV files: records split into fields, and the cell syntax (numbers, missing values);
// and writing a record's fields as the reader reads them back (csv_record, csv_field).
//
// Dialect (RFC 4180 plus what spreadsheets and pandas write):
//  - A header row is required: the first non-blank line names the columns (after a line "sep=;",
//    "sep=," or "sep=<tab>", as Excel writes, which names the delimiter; also quoted or followed
//    by empty fields).
//  - Delimiter ',', ';' or tab; "auto" picks the one that occurs most often (outside quotes) in the
//    header line, ',' when none does.
//  - A field may be quoted: "a, ""b""" is `a, "b"`; a quoted field may hold delimiters and line
//    breaks (physical lines are joined with '\n' while a quote is open). A quote inside an unquoted
//    field is an ordinary character. Text after a closing quote is an error.
//  - CRLF or LF line ends; a UTF-8 byte order mark is dropped; blank lines (nothing but spaces, or
//    tabs when tab is not the delimiter) are skipped. Spaces and tabs around a field are trimmed,
//    outside the quotes of a quoted field.
//  - Every record must have as many fields as the header. Records whose fields are all empty
//    (",,": what a spreadsheet leaves after the data) are records of empty fields before a record
//    that holds something, and skipped like blank lines at the end of the file.
//  - Text is UTF-8, checked as it is read (ahead of parsing): a NUL byte, bytes that are not UTF-8
//    (Latin-1, Windows-1252) and files that are not text (gzip, zip/xlsx, xls, UTF-16, Parquet) are
//    InputErrors naming the line, and what the file looks like.
//  - Line numbers are physical lines of the file, 1-based, counting the header and blank lines; a
//    record that spans several lines is reported at its first line. Columns are 1-based field
//    numbers. Errors are InputError (bad input) or IoError (cannot open or read).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace io {
class LineReader;  // fast-cpp-csv-parser (libfccp/csv.h), kept out of this header
class ByteSourceBase;
}

namespace lstmf {

// CSV text already in memory (an input read whole, as merge reads stdin to tell a checkpoint from
// a forecast), read with the same dialect and checks as a file. `text` must outlive the reader.
struct CsvText {
  std::string_view text;
  std::string source;  // the name used in messages
};

// A CSV file read record by record. Fields are views into the reader's buffer, so reading does no
// per-field allocation; they stay valid until the next call of next().
class CsvReader {
 public:
  // Opens `path` ("-" = stdin, shown as "<stdin>") and reads the header. `delimiter` '\0' = detect:
  // the one of ',', ';' and tab most frequent in the header (ties to ',' then ';'), unless another
  // of them that occurs there splits it into fields holding every one of `expected` and that one
  // does not ("date;sales, EUR" with the column "sales, EUR" is ';'; a header without quotes).
  // Throws IoError when the file cannot be opened, InputError when it has no header row.
  explicit CsvReader(const std::string& path, char delimiter = '\0', const std::vector<std::string>& expected = {});
  explicit CsvReader(const CsvText& input, char delimiter = '\0', const std::vector<std::string>& expected = {});
  ~CsvReader();
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  const std::string& source() const { return source_; }  // the name used in messages
  char delimiter() const { return delimiter_; }
  const std::vector<std::string>& header() const { return header_; }
  long header_line() const { return header_line_; }
  // For sizing buffers: the file's size in bytes (0 when unknown, as for a pipe), and the bytes of
  // the lines read so far (line ends and carriage returns not counted).
  std::uint64_t file_size() const { return file_size_; }
  std::uint64_t bytes_read() const { return bytes_read_; }

  // Moves to the next record, skipping blank lines (in a file of one column, a blank line between
  // records is a record of one empty field: a missing value); records of empty fields after the
  // last other record are no records. False at the end of the input. Throws
  // InputError for a ragged record, an unterminated quote or text after a closing quote.
  bool next();
  long line() const { return line_; }  // physical line where the current record starts
  const std::vector<std::string_view>& fields() const { return fields_; }
  std::string_view field(std::size_t index) const { return fields_[index]; }

 private:
  // Reads the header from `bytes` (the constructors' common part).
  void open(std::unique_ptr<io::ByteSourceBase> bytes, char delimiter, const std::vector<std::string>& expected);
  // nullptr at the end; maps libfccp's exceptions to ours. A NUL byte ends a line early.
  char* next_physical_line(std::size_t& length);
  void split(char* line, std::size_t length);
  char other_delimiter(const char* line, std::size_t length) const;  // a line of another delimiter: which
  void split_quoted(const char* line, std::size_t length);

  std::string source_;
  char delimiter_ = ',';
  std::unique_ptr<io::LineReader> reader_;
  std::vector<std::string> header_;
  long header_line_ = 0;
  long line_ = 0;
  std::uint64_t file_size_ = 0;
  std::uint64_t bytes_read_ = 0;
  std::vector<std::string_view> fields_;
  // Records with quotes are unescaped in here (reused, so it allocates only when it grows).
  std::string quoted_record_;
  std::vector<std::pair<std::size_t, std::size_t>> quoted_spans_;
  // A record split_quoted joined to the next physical lines (a quoted line break): its first line,
  // copied before reading on, since reading a line can move libfccp's buffer under the first (past
  // 16 MiB). The error hints read it (next() tells such a record by the reader's line number).
  std::string joined_first_line_;
  // Records of empty fields held back (their lines), the next of them to give, and the record read
  // after them, given once they are (its fields stay valid: nothing is read meanwhile).
  std::vector<long> empty_lines_;
  std::size_t empty_next_ = 0;
  std::vector<std::string_view> after_empty_;
  long after_empty_line_ = 0;
  bool matched_ = false;  // a line had the header's field count (so a header ending in a delimiter was meant)
};

// Missing-value markers, in any letter case: the empty field, NA, N/A, #N/A, NaN and null (so nan
// from numpy, NULL from databases). inf and infinity are not markers but non-finite numbers, an error.
bool is_missing_marker(std::string_view field);

enum class NumberStatus {
  ok,
  not_a_number,  // anything but a whole decimal number: "twelve", "1,234", "12abc"
  not_finite,    // inf, nan, infinity
  out_of_range   // beyond +-1.8e308 (1e400); values too small for a double read as 0
};

// Strict parse of a whole field as a decimal number (std::from_chars: [+-]digits[.digits][e[+-]digits]).
// A zero reads as +0 whatever its sign ("-0", "-0.0", "-1e-400"): the same values give the same
// checkpoint, data fingerprint included.
NumberStatus parse_number(std::string_view field, double& value);

// "1,234", "12.345.678" (unsigned, no decimals): 1 to 3 digits, then one or more groups of
// `separator` and three digits, as thousands are written with separators.
bool grouped_thousands(std::string_view text, char separator);

// For a field that parse_number refused: a hint in parentheses, or "" when none applies.
// "1,234" -> thousands separators; "3,5" and "1.234,5" -> decimal commas.
std::string number_hint(std::string_view field);

// Whether `text` (after a UTF-8 BOM and blanks) begins as JSON does: '{' then '"' or '}', or '['
// then a value or ']' (blanks between; '{' or '[' alone too). A CSV header such as "[t],y" or
// "{id},date" does not: the reader refuses JSON given as data by this, merge tells checkpoints so.
bool begins_as_json(std::string_view text);

// ---- writing ----

// One CSV record of `fields`, each as csv_field writes it, joined by ',' (no line end).
std::string csv_record(const std::vector<std::string>& fields);
// One CSV field as written: in double quotes (a quote inside doubled) when it holds a comma, a
// quote or a line end, starts or ends with a space or tab, or starts with '{' or '[' (which would
// begin the file as JSON); as it is otherwise. (A carriage
// return that ends a line of a quoted field is a CRLF line end to the reader, and is lost.)
std::string csv_field(const std::string& text);

}  // namespace lstmf
