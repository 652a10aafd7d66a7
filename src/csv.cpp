#include "lstmf/csv.hpp"

// g++ 12 at -O3 sees LineReader's strncpy of the file name through inlining and warns
// (-Wstringop-truncation) although the header null-terminates it; the header is not ours to fix.
// Clang has no such warning (and warns of the unknown name).
#pragma GCC diagnostic push
#if !defined(__clang__)
#pragma GCC diagnostic ignored "-Wstringop-truncation"
#endif
#include <libfccp/csv.h>
#pragma GCC diagnostic pop

#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <system_error>
#include <thread>
#include <unordered_set>

#include "lstmf/error.hpp"
#include "lstmf/io.hpp"

namespace lstmf {

namespace {

// Checks the bytes of a CSV file as they are read, before any line is parsed: a file that is not
// UTF-8 text (binary, compressed, a spreadsheet, UTF-16, Latin-1) is refused with what it looks like
// and where, instead of failing later as garbled columns. ASCII runs are skipped eight bytes at a time.
class TextCheck {
 public:
  explicit TextCheck(std::string source) : source_(std::move(source)) {}

  // The next `size` bytes of the file; size 0 marks its end.
  void scan(const char* data, std::size_t size) {
    if (offset_ == 0 && size > 0) check_signature(data, size);
    if (offset_ == 0 && size >= 3 && std::memcmp(data, "\xEF\xBB\xBF", 3) == 0) line_start_ = 3;  // a BOM is no byte of the line
    if (size == 0) {
      if (continuations_ > 0) fail(data, lead_offset_, "expected UTF-8 text, found a character cut off", " at the end of the file");
      return;
    }
    const void* nul = std::memchr(data, 0, size);
    const std::size_t text_end = nul != nullptr ? static_cast<std::size_t>(static_cast<const char*>(nul) - data) : size;
    std::size_t i = 0;
    while (i < text_end) {
      if (continuations_ == 0 && i + 32 <= text_end) {  // ASCII runs, 32 bytes a step
        std::uint64_t words[4];
        std::memcpy(words, data + i, 32);
        if (((words[0] | words[1] | words[2] | words[3]) & 0x8080808080808080ULL) == 0) {
          i += 32;
          continue;
        }
      }
      if (continuations_ == 0 && i + 8 <= text_end) {
        std::uint64_t word = 0;
        std::memcpy(&word, data + i, 8);
        if ((word & 0x8080808080808080ULL) == 0) {
          i += 8;
          continue;
        }
      }
      const auto byte = static_cast<unsigned char>(data[i]);
      if (continuations_ > 0) {
        // Reported at the byte that began the sequence (é in Latin-1 is one byte, 0xE9, read as a lead).
        if (byte < next_lo_ || byte > next_hi_) fail(data, lead_offset_, not_utf8(lead_), kLatinHint);
        --continuations_;
        next_lo_ = 0x80;
        next_hi_ = 0xBF;
      } else if (byte >= 0x80) {
        if (byte >= 0xC2 && byte <= 0xDF) continuations_ = 1;
        else if (byte >= 0xE0 && byte <= 0xEF) continuations_ = 2;
        else if (byte >= 0xF0 && byte <= 0xF4) continuations_ = 3;
        else fail(data, offset_ + i, not_utf8(byte), kLatinHint);
        lead_ = byte;
        lead_offset_ = offset_ + i;
        next_lo_ = byte == 0xE0 ? 0xA0 : byte == 0xF0 ? 0x90 : 0x80;
        next_hi_ = byte == 0xED ? 0x9F : byte == 0xF4 ? 0x8F : 0xBF;
      }
      ++i;
    }
    if (nul != nullptr)
      fail(data, offset_ + text_end, "expected CSV text, found a NUL byte (0x00)", " (is this a binary file?)");
    lines_ += static_cast<long>(std::count(data, data + size, '\n'));
    for (std::size_t k = size; k > 0; --k)
      if (data[k - 1] == '\n') {
        line_start_ = offset_ + k;
        break;
      }
    offset_ += size;
  }

 private:
  static constexpr const char* kLatinHint =
      " (Latin-1 or Windows-1252 text? convert it: iconv -f WINDOWS-1252 -t UTF-8 FILE > NEW.csv)";
  static std::string not_utf8(unsigned char byte) {
    static const char* const kHex = "0123456789ABCDEF";
    // Appended to a named string, not `string + char` twice: GCC 12 at -O2 (a distribution's
    // build flags) warns of a bounds error in the temporaries (-Warray-bounds, its bug 105651).
    std::string text = "expected UTF-8 text, found the byte 0x";
    text += kHex[byte >> 4];
    text += kHex[byte & 15];
    return text;
  }

  // Files that are not text at all, told by their first bytes.
  void check_signature(const char* data, std::size_t size) {
    const auto starts = [&](const char* magic, std::size_t length) {
      return size >= length && std::memcmp(data, magic, length) == 0;
    };
    const char* what = nullptr;
    // UTF-16 or UTF-32, with a byte-order mark or without (ASCII with NULs between).
    std::string wide;
    if (const char* encoding = wide_unicode(std::string_view(data, size)))
      wide = std::string(encoding) + " text" +
             (std::string_view(encoding).substr(0, 6) == "UTF-16" ? " (Excel's 'Unicode Text'?): save it as CSV UTF-8, or" : ":") +
             " convert it: iconv -f " + encoding + " -t UTF-8 FILE > NEW.csv";
    if (starts("\x1F\x8B", 2)) what = "a gzip-compressed file: decompress it first (gunzip FILE, or zcat FILE | lstm-forecast ... --data -)";
    else if (starts("PK\x03\x04", 4)) what = "a zip archive (an Excel .xlsx workbook?): export the sheet as CSV UTF-8";
    else if (starts("\xD0\xCF\x11\xE0", 4)) what = "an Excel .xls workbook: export the sheet as CSV UTF-8";
    else if (!wide.empty())
      what = wide.c_str();
    else if (starts("PAR1", 4)) what = "a Parquet file: convert it to CSV";
    else if (starts("BZh", 3) || starts("\xFD" "7zXZ", 5) || starts("\x28\xB5\x2F\xFD", 4))
      what = "a compressed file (bzip2, xz or zstd): decompress it first";
    // JSON (an object or an array of them) instead of CSV.
    if (what == nullptr && begins_as_json(std::string_view(data, size)))
      what = "JSON: give a CSV file with a header row (for JSON lines: jq -r '[.date, .value] | @csv')";
    if (what != nullptr) throw InputError(source_, 0, 0, std::string("expected CSV text, found ") + what);
    // Classic Mac line ends (CR alone): the whole file would read as one header line.
    if (std::memchr(data, '\n', size) == nullptr && std::memchr(data, '\r', size) != nullptr)
      throw InputError(source_, 0, 0,
                       "expected lines ending in LF or CRLF, found CR alone (old Mac line ends): convert them: "
                       "tr '\\r' '\\n' < FILE > NEW.csv");
    // Binary data: many control bytes (not tab, CR, LF, FF) near the start.
    const std::size_t head = std::min<std::size_t>(size, 4096);
    std::size_t controls = 0;
    for (std::size_t i = 0; i < head; ++i) {
      const auto byte = static_cast<unsigned char>(data[i]);
      controls += byte < 0x20 && byte != '\t' && byte != '\n' && byte != '\r' && byte != '\f';
    }
    if (controls >= 4 && controls * 20 > head)  // over 5%; a lone NUL is reported with its line by scan()
      throw InputError(source_, 0, 0,
                       "expected CSV text, found binary data (" + std::to_string(controls) +
                           " control bytes in the first " + std::to_string(head) + "): is this the right file?");
  }

  // Throws "file:line: <found> at byte N of the line<hint>" for the byte at file offset `offset`,
  // in the current chunk `data` or, for a UTF-8 sequence begun there, at the end of the one before.
  [[noreturn]] void fail(const char* data, std::uint64_t offset, const std::string& found, const char* hint) const {
    const std::size_t at = offset >= offset_ ? static_cast<std::size_t>(offset - offset_) : 0;
    const long line = lines_ + 1 + static_cast<long>(std::count(data, data + at, '\n'));
    std::uint64_t start = line_start_;
    for (std::size_t k = at; k > 0; --k)
      if (data[k - 1] == '\n') {
        start = offset_ + k;
        break;
      }
    throw InputError(source_, line, 0, found + " at byte " + std::to_string(offset - start + 1) + " of the line" + hint);
  }

  std::string source_;
  std::uint64_t offset_ = 0;      // file offset of the next chunk
  long lines_ = 0;                // line ends before it
  std::uint64_t line_start_ = 0;  // file offset where its first line starts
  int continuations_ = 0;         // UTF-8 continuation bytes still expected
  unsigned char lead_ = 0;        // the byte that began the current sequence
  std::uint64_t lead_offset_ = 0; // its file offset
  unsigned char next_lo_ = 0x80, next_hi_ = 0xBF;  // the range the next one must be in
};

// The end of the data, read short of the `count` bytes asked for: the text's last checks, and a
// '\0' after it. libfccp's LineReader::next_line (Debian's 2016 snapshot) looks at the byte past the
// data before it checks the bound (fast-cpp-csv-parser issue 72, fixed upstream by PR 123 in 2021).
// After a last line without its line end, that byte was whatever the buffer held: a '\n' there read
// phantom lines, or waited for ever on the read-ahead thread. It held stale memory (valgrind,
// 2026-12-07; glibc hands this 48 MiB buffer out zeroed, another allocator need not), or, past
// 32 MiB, the byte at that offset of the block before: a line end of the file itself (a review).
void end_data(TextCheck& check, char* buffer, std::size_t count) {
  check.scan(buffer + count, 0);
  buffer[count] = '\0';  // within the `size` bytes the reader gave, since count < size
}

// libfccp reads the first 32 MiB on the thread that opens the reader, and the rest on a thread of
// its own, which this blocks every signal on, as the library's own threads (parallel.hpp), from its
// first read (Linux gives a signal for the process to its main thread first in the moment before).
// Not by a SignalsBlocked around the opening: that blocked Ctrl-C on the opening thread too while
// its first read waited on a pipe (a review). Nor by a thread_local SignalsBlocked: its destructor
// would unblock them as the thread ends.
void block_signals_on_reading_thread(std::thread::id opener) {
  thread_local bool blocked = false;
  if (blocked || std::this_thread::get_id() == opener) return;
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, nullptr);
  blocked = true;
}

// Feeds io::LineReader from a FILE*, checking the text as it goes. libfccp's own FILE* source
// treats a read error as the end of the file and closes stdin; this one throws IoError and leaves
// stdin open.
class FileSource : public io::ByteSourceBase {
 public:
  FileSource(std::FILE* file, bool owned, std::string name) : file_(file), owned_(owned), name_(name), check_(name) {}
  ~FileSource() override {
    if (owned_) std::fclose(file_);
  }
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  int read(char* buffer, int size) override {
    block_signals_on_reading_thread(opener_);
    const auto wanted = static_cast<std::size_t>(size);
    std::size_t count = 0;
    for (;;) {
      count += std::fread(buffer + count, 1, wanted - count, file_);
      if (count == wanted || !std::ferror(file_)) break;  // full, or the end of the file
      if (errno != EINTR) throw IoError(name_, std::string("cannot read: ") + std::strerror(errno));
      std::clearerr(file_);  // a signal whose handler returns interrupted the read: read on
    }
    check_.scan(buffer, count);
    if (count < static_cast<std::size_t>(size)) end_data(check_, buffer, count);
    return static_cast<int>(count);
  }

 private:
  std::FILE* file_;
  bool owned_;
  std::string name_;
  TextCheck check_;
  std::thread::id opener_ = std::this_thread::get_id();
};

// Feeds io::LineReader from text in memory, checked as a file's is.
class TextSource : public io::ByteSourceBase {
 public:
  TextSource(std::string_view text, std::string name) : text_(text), check_(std::move(name)) {}

  int read(char* buffer, int size) override {
    block_signals_on_reading_thread(opener_);
    const std::size_t count = std::min(text_.size() - position_, static_cast<std::size_t>(size));
    std::memcpy(buffer, text_.data() + position_, count);
    position_ += count;
    check_.scan(buffer, count);
    if (count < static_cast<std::size_t>(size)) end_data(check_, buffer, count);
    return static_cast<int>(count);
  }

 private:
  std::string_view text_;
  std::size_t position_ = 0;
  TextCheck check_;
  std::thread::id opener_ = std::this_thread::get_id();
};

bool is_space(char c) { return c == ' ' || c == '\t'; }

// A space, or a tab where the tab is not the delimiter (there it separates fields, empty ones too).
bool is_blank_char(char c, char delimiter) { return c == ' ' || (c == '\t' && delimiter != '\t'); }

bool is_blank(const char* line, std::size_t length, char delimiter) {
  for (std::size_t i = 0; i < length; ++i)
    if (!is_blank_char(line[i], delimiter)) return false;
  return true;
}

std::string_view trimmed(const char* begin, const char* end) {
  while (begin < end && is_space(*begin)) ++begin;
  while (end > begin && is_space(end[-1])) --end;
  return {begin, static_cast<std::size_t>(end - begin)};
}

}  // namespace

bool begins_as_json(std::string_view text) {
  const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  std::size_t at = text.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
  while (at < text.size() && blank(text[at])) ++at;
  if (at == text.size() || (text[at] != '{' && text[at] != '[')) return false;
  const char open = text[at++];
  while (at < text.size() && blank(text[at])) ++at;
  if (at == text.size()) return true;  // '{' alone: JSON cut short, no header
  const std::string_view rest = text.substr(at);
  if (open == '{') return rest.front() == '"' || rest.front() == '}';
  if (std::string_view("{[\"]-0123456789").find(rest.front()) != std::string_view::npos) return true;
  for (const std::string_view literal : {"true", "false", "null"})  // as a whole word: "[truck],y" is a header
    if (rest.substr(0, literal.size()) == literal &&
        (rest.size() == literal.size() || std::string_view(",] \t\r\n").find(rest[literal.size()]) != std::string_view::npos))
      return true;
  return false;
}

namespace {

// The delimiter that occurs most often outside quotes; ties go to ',' then ';'. A quote opens a
// quoted part only at the start of a field (blanks before it allowed), as the reader takes quotes:
// one inside a field ('size 5";date;y') hid every delimiter after it (a review).
char detect_delimiter(const char* line, std::size_t length) {
  std::size_t commas = 0, semicolons = 0, tabs = 0;
  bool quoted = false, field_start = true;
  for (std::size_t i = 0; i < length; ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < length && line[i + 1] == '"') ++i;  // a doubled quote inside
      else if (c == '"') quoted = false;
      continue;
    }
    if (c == '"' && field_start) {
      quoted = true;
      continue;
    }
    commas += c == ',';
    semicolons += c == ';';
    tabs += c == '\t';
    if (c == ',' || c == ';' || c == '\t') field_start = true;
    else if (c != ' ') field_start = false;
  }
  if (tabs > commas && tabs > semicolons) return '\t';
  if (semicolons > commas) return ';';
  return ',';
}

std::string delimiter_name(char delimiter) { return delimiter == '\t' ? "tab" : std::string("'") + delimiter + "'"; }

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

namespace {

// The delimiter an Excel delimiter line names ("sep=;", "sep=," or "sep=<tab>"; any other
// character too, which the caller refuses), else '\0'. Also as a spreadsheet saves it back: quoted
// ("\"sep=;\"") and followed by empty fields ("sep=;;;").
char excel_delimiter_line(const char* line, std::size_t length) {
  std::string_view text(line, length);
  const bool quoted = text.size() >= 2 && text.front() == '"';
  if (quoted) {
    const std::size_t close = text.find('"', 1);
    if (close == std::string_view::npos) return '\0';
    const std::string_view rest = text.substr(close + 1);
    text = text.substr(1, close - 1);
    if (text.size() != 5) return '\0';
    if (rest.find_first_not_of(text[4]) != std::string_view::npos) return '\0';
  } else if (text.size() < 5 || text.substr(5).find_first_not_of(text[4]) != std::string_view::npos) {
    return '\0';
  }
  if (text.substr(0, 4) != "sep=") return '\0';
  return text[4];
}

}  // namespace

CsvReader::CsvReader(const std::string& path, char delimiter, const std::vector<std::string>& expected)
    : source_(source_name(path)) {
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
  open(std::move(bytes), delimiter, expected);
}

CsvReader::CsvReader(const CsvText& input, char delimiter, const std::vector<std::string>& expected) : source_(input.source) {
  file_size_ = input.text.size();
  open(std::make_unique<TextSource>(input.text, source_), delimiter, expected);
}

void CsvReader::open(std::unique_ptr<io::ByteSourceBase> bytes, char delimiter, const std::vector<std::string>& expected) {
  reader_ = std::make_unique<io::LineReader>(source_, std::move(bytes));  // drops a UTF-8 BOM itself

  char* line = nullptr;
  std::size_t length = 0;
  while ((line = next_physical_line(length)) != nullptr)
    if (!is_blank(line, length, delimiter)) break;
  if (line == nullptr) throw InputError(source_, 0, 0, "the file is empty; expected a header row naming the columns");
  // Excel's delimiter line, "sep=;", before the header: it names the delimiter.
  if (const char named = excel_delimiter_line(line, length); named != '\0') {
    if (named != ',' && named != ';' && named != '\t')
      throw InputError(source_, static_cast<long>(reader_->get_file_line()), 5,
                       "the file's first line (sep=) names the delimiter " + in_quotes(std::string(1, named)) +
                           ", which is not supported: expected ',', ';' or a tab; rewrite the file with one of them");
    if (delimiter != '\0' && delimiter != named)
      throw InputError(source_, static_cast<long>(reader_->get_file_line()), 0,
                       "the file's first line (sep=) names the delimiter " + delimiter_name(named) + ", but data.delimiter is " +
                           delimiter_name(delimiter) + "; drop one of them");
    delimiter = named;
    while ((line = next_physical_line(length)) != nullptr)
      if (!is_blank(line, length, delimiter)) break;
    if (line == nullptr) throw InputError(source_, 0, 0, "the file has only its sep= line; expected a header row naming the columns");
  }
  header_line_ = line_ = static_cast<long>(reader_->get_file_line());
  delimiter_ = delimiter != '\0' ? delimiter : detect_delimiter(line, length);
  // Splitting a line with quotes may read on past it, after which `line` is no longer its text.
  const bool quoted = std::memchr(line, '"', length) != nullptr;
  split(line, length);
  const auto holds_expected = [&] {  // a hash of the fields: a wide file's 10^5 names each looked up once
    const std::unordered_set<std::string_view> names(fields_.begin(), fields_.end());
    return std::all_of(expected.begin(), expected.end(), [&](const std::string& name) { return names.count(name) > 0; });
  };
  if (delimiter == '\0' && !expected.empty() && !quoted && !holds_expected()) {
    const char detected = delimiter_;
    for (const char other : {',', ';', '\t'}) {
      if (other == detected || std::memchr(line, other, length) == nullptr) continue;
      delimiter_ = other;
      split(line, length);
      if (holds_expected()) break;
      delimiter_ = detected;
    }
    if (delimiter_ == detected) split(line, length);
  }
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
                     "line too long: the CSV reader takes lines shorter than 16 MiB (16777216 bytes)");
  }
}

bool CsvReader::next() {
  // Held-back records of empty fields, then the record that followed them.
  if (empty_next_ < empty_lines_.size()) {
    fields_.assign(header_.size(), std::string_view());
    line_ = empty_lines_[empty_next_++];
    return true;
  }
  if (!empty_lines_.empty()) {
    empty_lines_.clear();
    empty_next_ = 0;
    fields_.swap(after_empty_);
    line_ = after_empty_line_;
    return true;
  }
  for (;;) {
    char* line = nullptr;
    std::size_t length = 0;
    // In a file of one column a blank line is that column's empty field, as pandas writes a missing
    // value there (Series.to_csv): a record of empty fields, kept when a record follows, not a
    // line skipped (which moved every later row's season position, a hunt). Elsewhere it is skipped.
    const bool one_column = header_.size() == 1;
    do {
      line = next_physical_line(length);
      if (line == nullptr) {  // records of empty fields at the end are no records
        fields_.clear();
        empty_lines_.clear();
        return false;
      }
    } while (!one_column && is_blank(line, length, delimiter_));
    line_ = static_cast<long>(reader_->get_file_line());
    if (one_column && is_blank(line, length, delimiter_)) {
      empty_lines_.push_back(line_);
      continue;
    }
    split(line, length);
    if (fields_.size() != header_.size()) {
      // A record that went on past its first line (a quoted line break): the hints read that line's
      // copy, since reading on may have moved it.
      if (static_cast<long>(reader_->get_file_line()) != line_) {
        line = joined_first_line_.data();
        length = joined_first_line_.size();
      }
      std::string message = "expected " + count_of(static_cast<long>(header_.size()), "field") + " as in the header, found " +
                            std::to_string(fields_.size());
      // A delimiter as the hints name it: "a tab" or "','", and "tabs" or "','" for what splits a line.
      const auto one = [](char delimiter) { return (delimiter == '\t' ? "a " : "") + delimiter_name(delimiter); };
      const auto splitting = [](char delimiter) { return delimiter == '\t' ? std::string("tabs") : delimiter_name(delimiter); };
      if (std::memchr(line, '\r', length) != nullptr)
        message += " (a carriage return (\\r) inside the line: a line end of an old Mac file? convert the line ends "
                   "to LF, e.g. tr '\\r' '\\n')";
      else if (length > 0 && line[0] == '#')
        message += " (a comment line? the file's rows hold data only: remove it)";
      else if (fields_.size() == header_.size() + 1 && fields_.back().empty())
        message += " (the line ends with a delimiter, " + one(delimiter_) +
                   ", that the header does not: remove it, or name that last column in the header)";
      else if (fields_.size() + 1 == header_.size() && !header_.empty() && header_.back().empty() && !matched_)
        message += " (the header ends with a delimiter, " + one(delimiter_) + ", that the rows do not: remove it from the header)";
      else if (fields_.size() > header_.size() && delimiter_ == ',')
        message += " (a ',' inside a value? quote the value, or use ';' as the delimiter)";
      else if (const char other = other_delimiter(line, length); other != '\0')
        message += " (this line is separated by " + splitting(other) + " where the header uses " + splitting(delimiter_) +
                   ": write every line with one delimiter)";
      throw InputError(source_, line_, 0, message);
    }
    matched_ = true;
    const bool empty = std::all_of(fields_.begin(), fields_.end(), [](std::string_view f) { return f.empty(); });
    if (empty) {
      empty_lines_.push_back(line_);
      continue;
    }
    if (empty_lines_.empty()) return true;
    after_empty_.swap(fields_);
    after_empty_line_ = line_;
    return next();  // the held-back records first
  }
}

// The delimiter other than the file's (',', ';' or a tab) that splits `line` into as many fields
// as the header has, '\0' for none: a row pasted in from a file of another delimiter.
char CsvReader::other_delimiter(const char* line, std::size_t length) const {
  for (const char candidate : {',', ';', '\t'}) {
    if (candidate == delimiter_) continue;
    const auto count = static_cast<std::size_t>(std::count(line, line + length, candidate));
    if (count > 0 && count + 1 == header_.size()) return candidate;
  }
  return '\0';
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
  // Blanks around a quoted field are dropped; a tab that is the delimiter is not a blank (it ate
  // the empty fields of a tab-separated row holding a quote: a review).
  for (;;) {
    while (pos < record.size() && is_blank_char(record[pos], delimiter_)) ++pos;
    const long field_number = static_cast<long>(quoted_spans_.size()) + 1;
    if (pos < record.size() && record[pos] == '"') {
      const long opened_on = static_cast<long>(reader_->get_file_line());
      std::size_t read = pos + 1;
      std::size_t write = pos;
      const std::size_t start = write;
      for (;;) {
        if (read == record.size()) {
          if (record.size() == length) joined_first_line_.assign(line, length);  // the first line, not read on yet
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
      while (pos < record.size() && is_blank_char(record[pos], delimiter_)) ++pos;
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
  const auto is = [&](std::string_view marker) {  // ASCII case-insensitive
    if (field.size() != marker.size()) return false;
    for (std::size_t i = 0; i < field.size(); ++i)
      if ((field[i] >= 'A' && field[i] <= 'Z' ? field[i] + 32 : field[i]) != marker[i]) return false;
    return true;
  };
  return field.empty() || is("na") || is("n/a") || is("#n/a") || is("nan") || is("null");
}

NumberStatus parse_number(std::string_view field, double& value) {
  const char* begin = field.data();
  const char* const end = begin + field.size();
  if (begin != end && *begin == '+') ++begin;  // from_chars refuses a leading '+'; we allow one
  if (begin == end || *begin == '+' || (*begin == '-' && field.front() == '+')) return NumberStatus::not_a_number;
  // Zero without its sign: -0 and 0 are one value in the data, so they give one checkpoint.
  const auto ok = [&value] {
    if (value == 0) value = 0.0;
    return NumberStatus::ok;
  };
  if (parse_plain_decimal(begin, end, value)) return ok();
  const auto [stop, error] = std::from_chars(begin, end, value);
  if (stop != end || error == std::errc::invalid_argument) return NumberStatus::not_a_number;
  if (error == std::errc::result_out_of_range) {
    if (!is_underflow({begin, static_cast<std::size_t>(end - begin)})) return NumberStatus::out_of_range;
    value = 0.0;
    return ok();
  }
  return std::isfinite(value) ? ok() : NumberStatus::not_finite;
}

bool grouped_thousands(std::string_view text, char separator) {
  const std::size_t first = text.find(separator);
  if (first == 0 || first > 3 || first == std::string_view::npos || (text.size() - first) % 4 != 0) return false;
  for (std::size_t i = 0; i < text.size(); ++i)
    if (i >= first && (i - first) % 4 == 0 ? text[i] != separator : !is_digit(text[i])) return false;
  return true;
}

std::string number_hint(std::string_view field) {
  std::string_view body = field;
  std::string sign;
  if (!body.empty() && (body.front() == '-' || body.front() == '+')) {
    sign = std::string(1, body.front());
    body.remove_prefix(1);
  }
  const std::size_t comma = body.find(',');
  // 12.345.678: points as thousands separators (two or more, groups of three digits).
  if (comma == std::string_view::npos && std::count(body.begin(), body.end(), '.') >= 2 && grouped_thousands(body, '.')) {
    std::string digits = sign;
    for (const char c : body)
      if (c != '.') digits += c;
    return "(thousands separators are not supported: write " + digits + ")";
  }
  if (comma == std::string_view::npos || comma == 0) return "";

  // Thousands separators: 1,234 or 1,234,567.89 (groups of three digits after each comma).
  const std::size_t point = body.find('.');
  const std::string_view whole = body.substr(0, point);
  const std::string_view fraction = point == std::string_view::npos ? std::string_view() : body.substr(point + 1);
  const bool thousands = grouped_thousands(whole, ',') && all_digits(fraction);
  std::string without_commas = sign;
  for (const char c : body)
    if (c != ',') without_commas += c;
  if (thousands) {
    if (std::count(whole.begin(), whole.end(), ',') == 1 && point == std::string_view::npos) {
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

// ---- writing ----

std::string csv_record(const std::vector<std::string>& fields) {
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    // Two appends, not `const char* + string`: GCC 12 at -O3 with _GLIBCXX_ASSERTIONS (Fedora's and
    // Arch's flags) warns of overlapping copies in that temporary (-Wrestrict), as it warns of
    // bounds at -O2 in not_utf8's.
    if (i > 0) out += ',';
    out += csv_field(fields[i]);
  }
  return out;
}

std::string csv_field(const std::string& text) {
  // Blanks at either end are trimmed by readers (ours too) outside quotes.
  const bool blank_end = !text.empty() && (text.front() == ' ' || text.front() == '\t' || text.back() == ' ' || text.back() == '\t');
  // A file that starts with '{' or '[' reads as JSON (a checkpoint given as data, merge's inputs):
  // a header named "{id}" made a forecast neither merge nor the reader took as CSV (a review).
  const bool json_start = !text.empty() && (text.front() == '{' || text.front() == '[');
  if (text.find_first_of(",\"\r\n") == std::string::npos && !blank_end && !json_start) return text;
  std::string quoted = "\"";
  for (const char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

}  // namespace lstmf
