#include "lstmf/csv.hpp"

// g++ 12 at -O3 sees LineReader's strncpy of the file name through inlining and warns
// (-Wstringop-truncation) although the header null-terminates it; the header is not ours to fix.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstringop-truncation"
#include <libfccp/csv.h>
#pragma GCC diagnostic pop

#include <sys/stat.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <system_error>

#include "lstmf/error.hpp"

namespace lstmf {

namespace {

// Feeds io::LineReader from a FILE*. libfccp's own FILE* source treats a read error as the end of
// the file and closes stdin; this one throws IoError and leaves stdin open.
class FileSource : public io::ByteSourceBase {
 public:
  FileSource(std::FILE* file, bool owned, std::string name) : file_(file), owned_(owned), name_(std::move(name)) {}
  ~FileSource() override {
    if (owned_) std::fclose(file_);
  }
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  int read(char* buffer, int size) override {
    const std::size_t count = std::fread(buffer, 1, static_cast<std::size_t>(size), file_);
    if (count < static_cast<std::size_t>(size) && std::ferror(file_))
      throw IoError(name_, std::string("cannot read: ") + std::strerror(errno));
    return static_cast<int>(count);
  }

 private:
  std::FILE* file_;
  bool owned_;
  std::string name_;
};

bool is_space(char c) { return c == ' ' || c == '\t'; }

bool is_blank(const char* line, std::size_t length, char delimiter) {
  for (std::size_t i = 0; i < length; ++i)
    if (line[i] != ' ' && (line[i] != '\t' || delimiter == '\t')) return false;
  return true;
}

std::string_view trimmed(const char* begin, const char* end) {
  while (begin < end && is_space(*begin)) ++begin;
  while (end > begin && is_space(end[-1])) --end;
  return {begin, static_cast<std::size_t>(end - begin)};
}

// The delimiter that occurs most often outside quotes; ties go to ',' then ';'.
char detect_delimiter(const char* line, std::size_t length) {
  std::size_t commas = 0, semicolons = 0, tabs = 0;
  bool quoted = false;
  for (std::size_t i = 0; i < length; ++i) {
    const char c = line[i];
    if (c == '"') quoted = !quoted;
    if (quoted) continue;
    commas += c == ',';
    semicolons += c == ';';
    tabs += c == '\t';
  }
  if (tabs > commas && tabs > semicolons) return '\t';
  if (semicolons > commas) return ';';
  return ',';
}

std::string delimiter_name(char delimiter) { return delimiter == '\t' ? "tab" : std::string("'") + delimiter + "'"; }

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool all_digits(std::string_view text) {
  for (const char c : text)
    if (!is_digit(c)) return false;
  return true;
}

// Clinger's fast path for the common case, a plain decimal of at most 15 digits: the digits
// as an integer and the power of ten are both exact doubles, so one division rounds correctly and
// gives exactly what from_chars would, about twice as fast. False when the field needs from_chars.
bool parse_plain_decimal(const char* p, const char* const end, double& value) {
  static constexpr double kPowersOfTen[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                            1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
  const bool negative = p != end && *p == '-';
  p += negative;
  std::uint64_t mantissa = 0;
  int digits = 0, fraction_digits = 0;
  for (; p != end && is_digit(*p); ++p, ++digits) mantissa = mantissa * 10 + static_cast<std::uint64_t>(*p - '0');
  if (p != end && *p == '.')
    for (++p; p != end && is_digit(*p); ++p, ++digits, ++fraction_digits)
      mantissa = mantissa * 10 + static_cast<std::uint64_t>(*p - '0');
  if (p != end || digits == 0 || digits > 15) return false;
  value = static_cast<double>(mantissa) / kPowersOfTen[fraction_digits];
  if (negative) value = -value;
  return true;
}

// Whether a number from_chars found out of range is too small (underflow) rather than too big:
// the decimal exponent of its first significant digit is negative.
bool is_underflow(std::string_view text) {
  long magnitude = 0;
  bool significant = false, after_point = false;
  std::size_t i = 0;
  for (; i < text.size() && text[i] != 'e' && text[i] != 'E'; ++i) {
    const char c = text[i];
    if (c == '.') {
      after_point = true;
    } else if (is_digit(c)) {
      if (!after_point && (significant || c != '0')) {
        significant = true;
        ++magnitude;
      } else if (after_point && !significant) {
        if (c != '0') significant = true;
        else --magnitude;
      }
    }
  }
  long exponent = 0;
  if (i < text.size()) {
    const bool negative = i + 1 < text.size() && text[i + 1] == '-';
    for (std::size_t j = i + 1; j < text.size(); ++j)
      if (is_digit(text[j]) && exponent < 100000000) exponent = exponent * 10 + (text[j] - '0');
    if (negative) exponent = -exponent;
  }
  return magnitude + exponent <= 0;
}

}  // namespace

char delimiter_from_text(const std::string& text) {
  if (text == "auto") return '\0';
  if (text == "," || text == ";") return text[0];
  if (text == "\t" || text == "\\t" || text == "tab") return '\t';
  throw InputError("data.delimiter must be auto, \",\", \";\" or \"\\t\" (tab), got \"" + text + "\"");
}

CsvReader::CsvReader(const std::string& path, char delimiter) : source_(path == "-" ? "<stdin>" : path) {
  std::unique_ptr<io::ByteSourceBase> bytes;
  if (path == "-") {
    bytes = std::make_unique<FileSource>(stdin, false, source_);
  } else {
    std::FILE* file = std::fopen(path.c_str(), "rb");
    if (file == nullptr) throw IoError(path, std::string("cannot open: ") + std::strerror(errno));
    struct stat info {};
    if (::fstat(::fileno(file), &info) == 0 && S_ISREG(info.st_mode))
      file_size_ = static_cast<std::uint64_t>(info.st_size);
    bytes = std::make_unique<FileSource>(file, true, source_);
  }
  reader_ = std::make_unique<io::LineReader>(source_, std::move(bytes));  // drops a UTF-8 BOM itself

  char* line = nullptr;
  std::size_t length = 0;
  while ((line = next_physical_line(length)) != nullptr)
    if (!is_blank(line, length, delimiter)) break;
  if (line == nullptr) throw InputError(source_, 0, 0, "the file is empty; expected a header row naming the columns");
  header_line_ = line_ = static_cast<long>(reader_->get_file_line());
  delimiter_ = delimiter != '\0' ? delimiter : detect_delimiter(line, length);
  split(line, length);
  header_.assign(fields_.begin(), fields_.end());
}

CsvReader::~CsvReader() = default;

char* CsvReader::next_physical_line(std::size_t& length) {
  try {
    char* line = reader_->next_line();
    length = line != nullptr ? std::strlen(line) : 0;  // libfccp ends lines with '\0'
    bytes_read_ += length;
    return line;
  } catch (const io::error::line_length_limit_exceeded&) {
    throw InputError(source_, static_cast<long>(reader_->get_file_line()), 0,
                     "line longer than the CSV reader's limit of 16 MiB");
  }
}

bool CsvReader::next() {
  char* line = nullptr;
  std::size_t length = 0;
  do {
    line = next_physical_line(length);
    if (line == nullptr) {
      fields_.clear();
      return false;
    }
  } while (is_blank(line, length, delimiter_));
  line_ = static_cast<long>(reader_->get_file_line());
  split(line, length);
  if (fields_.size() != header_.size()) {
    std::string message = "expected " + std::to_string(header_.size()) + " fields as in the header, found " +
                          std::to_string(fields_.size());
    if (fields_.size() > header_.size() && delimiter_ == ',')
      message += " (a ',' inside a value? quote the value, or use ';' as the delimiter)";
    throw InputError(source_, line_, 0, message);
  }
  return true;
}

void CsvReader::split(char* line, std::size_t length) {
  if (std::memchr(line, '"', length) != nullptr) {
    split_quoted(line, length);
    return;
  }
  // The common case: no quotes, so every field is a view straight into libfccp's line buffer.
  fields_.clear();
  const char* begin = line;
  const char* const end = line + length;
  for (;;) {
    const auto* found = static_cast<const char*>(std::memchr(begin, delimiter_, static_cast<std::size_t>(end - begin)));
    fields_.push_back(trimmed(begin, found != nullptr ? found : end));
    if (found == nullptr) break;
    begin = found + 1;
  }
}

void CsvReader::split_quoted(const char* line, std::size_t length) {
  // Unescapes in place: the write position never passes the read position, and physical lines
  // joined to close a quote are appended at the end, so spans are offsets, not pointers.
  std::string& record = quoted_record_;
  record.assign(line, length);
  quoted_spans_.clear();
  std::size_t pos = 0;
  for (;;) {
    while (pos < record.size() && is_space(record[pos])) ++pos;
    const long field_number = static_cast<long>(quoted_spans_.size()) + 1;
    if (pos < record.size() && record[pos] == '"') {
      const long opened_on = static_cast<long>(reader_->get_file_line());
      std::size_t read = pos + 1;
      std::size_t write = pos;
      const std::size_t start = write;
      for (;;) {
        if (read == record.size()) {
          std::size_t more_length = 0;
          const char* more = next_physical_line(more_length);
          if (more == nullptr)
            throw InputError(source_, opened_on, field_number,
                             "unterminated quote: the quoted field opened on line " + std::to_string(opened_on) +
                                 " is still open at the end of the file");
          record += '\n';
          record.append(more, more_length);
          continue;
        }
        const char c = record[read];
        if (c == '"') {
          if (read + 1 < record.size() && record[read + 1] == '"') {
            record[write++] = '"';
            read += 2;
            continue;
          }
          ++read;
          break;
        }
        record[write++] = c;
        ++read;
      }
      quoted_spans_.emplace_back(start, write);
      pos = read;
      while (pos < record.size() && is_space(record[pos])) ++pos;
      if (pos == record.size()) break;
      if (record[pos] != delimiter_)
        throw InputError(source_, static_cast<long>(reader_->get_file_line()), field_number,
                         std::string("unexpected '") + record[pos] + "' after the closing quote of a field (expected " +
                             delimiter_name(delimiter_) + " or the end of the line; write a quote inside a quoted "
                                                          "field as \"\")");
      ++pos;
    } else {
      const std::size_t found = record.find(delimiter_, pos);
      std::size_t end = found == std::string::npos ? record.size() : found;
      while (end > pos && is_space(record[end - 1])) --end;
      quoted_spans_.emplace_back(pos, end);
      if (found == std::string::npos) break;
      pos = found + 1;
    }
  }
  fields_.clear();
  for (const auto& [begin, end] : quoted_spans_) fields_.emplace_back(record.data() + begin, end - begin);
}

bool is_missing_marker(std::string_view field) {
  return field.empty() || field == "NA" || field == "N/A" || field == "#N/A" || field == "NaN" || field == "null" ||
         field == "NULL";
}

NumberStatus parse_number(std::string_view field, double& value) {
  const char* begin = field.data();
  const char* const end = begin + field.size();
  if (begin != end && *begin == '+') ++begin;  // from_chars refuses a leading '+'; we allow one
  if (begin == end || *begin == '+' || (*begin == '-' && field.front() == '+')) return NumberStatus::not_a_number;
  if (parse_plain_decimal(begin, end, value)) return NumberStatus::ok;
  const auto [stop, error] = std::from_chars(begin, end, value);
  if (stop != end || error == std::errc::invalid_argument) return NumberStatus::not_a_number;
  if (error == std::errc::result_out_of_range) {
    if (!is_underflow({begin, static_cast<std::size_t>(end - begin)})) return NumberStatus::out_of_range;
    value = *begin == '-' ? -0.0 : 0.0;
    return NumberStatus::ok;
  }
  return std::isfinite(value) ? NumberStatus::ok : NumberStatus::not_finite;
}

std::string number_hint(std::string_view field) {
  std::string_view body = field;
  std::string sign;
  if (!body.empty() && (body.front() == '-' || body.front() == '+')) {
    sign = std::string(1, body.front());
    body.remove_prefix(1);
  }
  const std::size_t comma = body.find(',');
  if (comma == std::string_view::npos || comma == 0) return "";

  // Thousands separators: 1,234 or 1,234,567.89 (groups of three digits after each comma).
  const std::size_t point = body.find('.');
  const std::string_view whole = body.substr(0, point);
  const std::string_view fraction = point == std::string_view::npos ? std::string_view() : body.substr(point + 1);
  bool thousands = comma <= 3 && all_digits(whole.substr(0, comma)) && all_digits(fraction);
  std::size_t commas = 0;
  for (std::size_t i = comma; thousands && i < whole.size(); i += 4) {
    thousands = whole[i] == ',' && i + 4 <= whole.size() && all_digits(whole.substr(i + 1, 3));
    ++commas;
  }
  std::string without_commas = sign;
  for (const char c : body)
    if (c != ',') without_commas += c;
  if (thousands) {
    if (commas == 1 && point == std::string_view::npos) {
      std::string decimal = sign + std::string(body);
      decimal[sign.size() + comma] = '.';
      return "(a thousands separator or a decimal comma? write " + without_commas + " or " + decimal +
             ": numbers take '.' as the decimal point and no thousands separators)";
    }
    return "(thousands separators are not supported: write " + without_commas + ")";
  }

  // Decimal comma: 3,5 or 1.234,5 (points as thousands separators before the one comma).
  const std::string_view before = body.substr(0, comma);
  const std::string_view after = body.substr(comma + 1);
  bool decimal_comma = !after.empty() && all_digits(after) && is_digit(before.front());
  for (const char c : before) decimal_comma = decimal_comma && (is_digit(c) || c == '.');
  if (!decimal_comma) return "";
  std::string suggestion = sign;
  for (const char c : before)
    if (c != '.') suggestion += c;
  suggestion += '.';
  suggestion += after;
  return "(a decimal comma? write " + suggestion +
         "; files with ';' as the delimiter often use decimal commas: convert them to decimal points)";
}

}  // namespace lstmf
