#include "lstmf/io.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <optional>
#include <unordered_set>
#include <utility>
#include <vector>
#include <sstream>
#include <string_view>

#include <nlohmann/json.hpp>

#include "lstmf/error.hpp"
#include "lstmf/memory.hpp"

namespace lstmf {
namespace {

std::string folder_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string errno_text(int error) { return std::strerror(error); }

// What a temporary file's name holds between the output's name and mkstemp's six characters: a
// word no one names their own files with, as the cleanup removes every unlocked file so named
// ("out.csv.tmp.backup" would match a plain ".tmp.").
constexpr const char kTemporaryInfix[] = ".lstmf-tmp.";
// Linux's limits: bytes of a name, and of a path with its final NUL; the temporary's suffix.
constexpr std::size_t kNameMax = 255, kPathMax = 4096, kTemporarySuffix = sizeof kTemporaryInfix - 1 + 6;

// The name of `base`'s temporary files before the suffix ".lstmf-tmp.XXXXXX": `base` itself, cut
// so that the whole stays within the 255 bytes a name may have on Linux file systems (so a name of
// 239 to 255 bytes can still be written).
std::string temporary_stem(const std::string& base) {
  std::size_t cut = std::min(base.size(), kNameMax - kTemporarySuffix);
  // Not inside a UTF-8 character (file systems that require UTF-8 names would refuse it).
  while (cut > 0 && cut < base.size() && (static_cast<unsigned char>(base[cut]) & 0xC0) == 0x80) --cut;
  return base.substr(0, cut);
}

// mkstemp's suffix: exactly six characters from [A-Za-z0-9].
bool is_temporary_of(const std::string& name, const std::string& base) {
  const std::string prefix = temporary_stem(base) + kTemporaryInfix;
  if (name.size() != prefix.size() + 6 || name.compare(0, prefix.size(), prefix) != 0) return false;
  for (size_t i = prefix.size(); i < name.size(); ++i)
    if (!std::isalnum(static_cast<unsigned char>(name[i]))) return false;
  return true;
}

// The display column (0-based) after `text`, written from column `from` of a line: what a terminal
// shows (display_columns), a tab moving on to the next multiple of 8.
long column_after(long from, std::string_view text) {
  for (size_t tab = text.find('\t'); tab != std::string_view::npos; tab = text.find('\t')) {
    from = (from + static_cast<long>(display_columns(text.substr(0, tab)))) / 8 * 8 + 8;
    text.remove_prefix(tab + 1);
  }
  return from + static_cast<long>(display_columns(text));
}

}  // namespace

// As GCC and the GNU coding standards count, not bytes: a key after "€" is where an editor shows
// it (a byte column put it 2 further on), and one after a tab is at 9.
void locate(std::string_view text, size_t offset, long& line, long& column) {
  offset = std::min(offset, text.size());
  line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < offset; ++i)
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  column = column_after(0, text.substr(line_start, offset - line_start)) + 1;
}

namespace {

using Spans = std::vector<std::pair<size_t, size_t>>;

// Hands the pages of a mapped file back to the kernel behind a reader that moves forward: every
// `step` bytes, the whole pages before `pos` (MADV_DONTNEED on a read-only private file mapping
// drops them; a later read, e.g. to locate an error, faults them in again from the file). Off
// (step 0) for text that is not such a mapping, where the call would zero memory.
class PageReleaser {
 public:
  PageReleaser() = default;
  PageReleaser(const char* base, size_t step) : base_(base), step_(step) {}
  bool active() const { return step_ > 0; }
  void upto(size_t pos) {
    if (step_ == 0 || pos < released_ + step_) return;
    static const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
    const size_t end = pos / page * page;
    if (end <= released_) return;
    ::madvise(const_cast<char*>(base_) + released_, end - released_, MADV_DONTNEED);
    released_ = end;
  }

 private:
  const char* base_ = nullptr;  // page-aligned (mmap's address)
  size_t step_ = 0;
  size_t released_ = 0;
};

// Reads text[0, size) with each span [begin, end) of `spans` (sorted, disjoint) read as "null":
// the parser never sees the skipped values, and no reduced copy of the text is made.
class SkippingIterator {
 public:
  using iterator_category = std::forward_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = char;

  SkippingIterator(const char* text, size_t size, const Spans* spans, bool end = false, PageReleaser* releaser = nullptr)
      : text_(text), pos_(end ? size : 0), spans_(spans), next_(end ? spans->size() : 0), releaser_(releaser) {
    enter();
  }
  char operator*() const { return in_null_ >= 0 ? "null"[in_null_] : text_[pos_]; }
  SkippingIterator& operator++() {
    if (in_null_ >= 0) {
      if (++in_null_ == 4) {
        in_null_ = -1;
        pos_ = (*spans_)[next_++].second;
        enter();
      }
    } else {
      ++pos_;
      enter();
    }
    if (releaser_ != nullptr) releaser_->upto(pos_);
    return *this;
  }
  SkippingIterator operator++(int) {
    SkippingIterator before = *this;
    ++*this;
    return before;
  }
  bool operator==(const SkippingIterator& other) const { return pos_ == other.pos_ && in_null_ == other.in_null_; }
  bool operator!=(const SkippingIterator& other) const { return !(*this == other); }

 private:
  void enter() {
    if (next_ < spans_->size() && pos_ == (*spans_)[next_].first) in_null_ = 0;
  }
  const char* text_;
  size_t pos_;
  const Spans* spans_;
  size_t next_;       // the first span not passed yet
  PageReleaser* releaser_;  // pages behind pos_ handed back, or null
  int in_null_ = -1;  // position within "null" while standing on a skipped span
};

// The offset in the text of offset `offset` in what SkippingIterator read.
size_t original_offset(size_t offset, const Spans& spans) {
  size_t shift = 0;  // original minus read, before the current point
  for (const auto& [begin, end] : spans) {
    if (offset + shift < begin) break;
    if (offset + shift < begin + 4) return begin;
    shift += end - begin - 4;
  }
  return offset + shift;
}

}  // namespace

namespace {

// Refuses a NUL byte in text[from..]: binary data (no text format we read has one). Checked chunk
// by chunk as text is read, so /dev/zero or a binary stream fails at once instead of filling memory.
// The error for the NUL byte at `nul` of `text`.
[[noreturn]] void throw_nul(std::string_view text, size_t nul, const std::string& source) {
  if (const char* encoding = wide_unicode(text))
    throw InputError(source, 0, 0, std::string("expected UTF-8 text, found ") + encoding + ": convert it: iconv -f " + encoding +
                                       " -t UTF-8 FILE > NEW");
  long line, column;
  locate(text, nul, line, column);
  throw InputError(source, line, column, "binary data (a NUL byte at offset " + std::to_string(nul) + "); expected text");
}

void refuse_nul(const std::string& text, size_t from, const std::string& source) {
  const size_t nul = text.find('\0', from);
  if (nul != std::string::npos) throw_nul(text, nul, source);
}

// The error for the bracket at text[at] that opens level max_depth + 1.
[[noreturn]] void throw_too_deep(std::string_view text, size_t at, const std::string& source, int max_depth) {
  long line, column;
  locate(text, at, line, column);
  throw InputError(source, line, column, "JSON nested deeper than " + std::to_string(max_depth) + " levels");
}

// `text` without an incomplete UTF-8 sequence at its end (a prefix cut inside a character).
std::string_view whole_characters(std::string_view text) {
  size_t cut = text.size();
  for (size_t back = 0; back < 3 && cut > 0 && (static_cast<unsigned char>(text[cut - 1]) & 0xC0) == 0x80; ++back) --cut;
  if (cut == 0) return text;
  const auto lead = static_cast<unsigned char>(text[cut - 1]);
  const size_t length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
  return cut - 1 + length > text.size() ? text.substr(0, cut - 1) : text;
}

// The first character of JSON text (after a byte-order mark and blanks) is one of {["-0123456789 or
// begins true, false or null. Anything else (a CSV header: 'date,y') is refused with the text's
// first line rather than the parser's "invalid literal". Returns whether it could decide: a text
// whose start is not all read yet (`complete` false) may be too short to tell.
bool check_json_start(std::string_view text, const std::string& source, bool complete) {
  const size_t bom = text.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
  const size_t at = text.find_first_not_of(" \t\r\n", bom);
  if (at == std::string_view::npos) return complete;
  const char c = text[at];
  if (std::strchr("{[\"-0123456789", c) != nullptr) return true;
  const std::string_view rest = text.substr(at);
  for (const std::string_view literal : {"true", "false", "null"}) {
    const size_t common = std::min(rest.size(), literal.size());
    if (rest.substr(0, common) == literal.substr(0, common)) {
      if (common < literal.size() && !complete) return false;  // 'nu' so far: null or not
      return true;  // the parser says what is wrong after the literal, if anything
    }
  }
  std::string_view line = rest.substr(0, rest.find('\n'));
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (!complete && line.size() == rest.size() && line.size() < 60) return false;  // the line goes on
  long line_number, column;
  locate(text, at, line_number, column);
  const std::string_view head = line.substr(0, 240);
  const bool binary = !valid_utf8(whole_characters(head)) || std::any_of(head.begin(), head.end(), [](char b) {
    return static_cast<unsigned char>(b) < 0x20 && b != '\t';
  });
  const bool comment = c == '#' || rest.substr(0, 2) == "//" || rest.substr(0, 2) == "/*";
  const bool csv = !binary && !comment && line.find_first_of(",;\t") != std::string_view::npos;
  throw InputError(source, line_number, column,
                   std::string("expected JSON (an object, '{'), found ") + (binary ? "binary data " : "text beginning ") +
                       in_quotes(line) + (csv ? " (a CSV file? data is given with --data or --input)" : "") +
                       (comment ? " (a comment? JSON has none)" : ""));
}

// What is checked of a text as each chunk of it is read: a NUL byte (binary data); for JSON, a
// start no JSON text has (a CSV file given as a checkpoint: check_json_start) and, for a stream,
// nesting past the limit; and its size against the memory available: a regular file's before it
// is read (size()), a stream's (stdin, a fifo: no size to know first) every 256 MiB. An endless
// stream (`yes '{' | predict --model -`) filled memory until the kernel killed the process, and a
// CSV piped in as --model - was read whole before the parser said 'invalid literal' (a review);
// a regular file is read in two parts, so its first one is judged before the rest is read.
class ChunkChecks {
 public:
  // `max_depth`: of JSON text (json), refused as it is read, as parse_json refuses it.
  ChunkChecks(const std::string& source, bool json, int max_depth, bool stream)
      : source_(source), json_(json), max_depth_(max_depth), stream_(stream) {}
  // After text[before..] was appended.
  void operator()(const std::string& text, size_t before) {
    // A NUL in the first 8 bytes is judged on 8 (wide_unicode tells UTF-32 by then), whatever the
    // first read brought.
    if (text.size() >= 8) {
      refuse_nul(text, nul_checked_, source_);
      nul_checked_ = text.size();
    }
    // Under 8 bytes a NUL may yet name the text (end()).
    if (json_ && !json_checked_ && text.size() >= 8) {
      // Blanks already passed are not scanned again (a stream of 30 MB of spaces took 20 s).
      const size_t bom = text.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;
      blank_end_ = std::max(blank_end_, std::min(bom, text.size()));
      const size_t at = text.find_first_not_of(" \t\r\n", blank_end_);
      blank_end_ = at == std::string::npos ? text.size() : at;
      if (at != std::string::npos) json_checked_ = check_json_start(std::string_view(text).substr(0, at + kStartBytes), source_, false);
    }
    // A regular file's depth is scanned whole by parse_json_view.
    if (json_ && stream_) scan_depth(text, before);
    if (stream_ && text.size() >= next_memory_check_) {
      next_memory_check_ = text.size() + kMemoryCheckStep;
      check_memory(text.size(), " read and more to come");
    }
  }
  // Before a regular file of `bytes` is read.
  void size(std::uint64_t bytes) const { check_memory(bytes, ""); }
  // At the end of the text: what waited for more is checked on what there is.
  void end(const std::string& text) const {
    refuse_nul(text, nul_checked_, source_);
    if (json_ && !json_checked_) check_json_start(text, source_, true);
  }

 private:
  // The text is held whole, and its parse needs more beside it: past half of what is left, it
  // cannot fit (a sparse file of 100 GB given as --config was the kernel's to kill).
  void check_memory(std::uint64_t bytes, const char* more) const {
    const std::uint64_t available = available_memory();
    if (available > 0 && bytes > available / 2)
      throw MemoryError(source_ + ": " + format_bytes(bytes) + more + ", over half the memory available (" +
                        format_bytes(available) + "): the whole text must be held to be read; is it the right input?");
  }

  // Nesting outside strings, carried from chunk to chunk (parse_json_view's scan, on a stream).
  void scan_depth(const std::string& text, size_t from) {
    // Bytes that change nothing here (digits, commas, blanks outside strings; most of a string's)
    // are passed over by one table lookup (parse_json_view's scan passes over those outside strings).
    static constexpr std::array<bool, 256> kActs = [] {
      std::array<bool, 256> table{};
      for (const char c : {'"', '\\', '{', '[', '}', ']'}) table[static_cast<unsigned char>(c)] = true;
      return table;
    }();
    for (size_t i = from; i < text.size(); ++i) {
      const char c = text[i];
      if (!escaped_ && !kActs[static_cast<unsigned char>(c)]) continue;
      if (escaped_) {
        escaped_ = false;
      } else if (in_string_) {
        escaped_ = c == '\\';
        in_string_ = c != '"';
      } else if (c == '"') {
        in_string_ = true;
      } else if (c == '{' || c == '[') {
        if (++depth_ > max_depth_) throw_too_deep(text, i, source_, max_depth_);
      } else if (c == '}' || c == ']') {
        --depth_;
      }
    }
  }

  // check_json_start decides on a first line of at most 60 bytes shown (more when complete), so
  // kStartBytes after the first non-blank always decide; the start it is given is cut there, so a
  // long first line is not searched for its end at every chunk.
  static constexpr size_t kStartBytes = 4096;
  static constexpr size_t kMemoryCheckStep = size_t{256} << 20;
  std::string source_;
  bool json_;
  int max_depth_;
  bool stream_;
  bool json_checked_ = false;
  size_t blank_end_ = 0;   // text[0, blank_end_) is a byte-order mark and blanks
  size_t nul_checked_ = 0;  // text[0, nul_checked_) holds no NUL
  int depth_ = 0;
  bool in_string_ = false;
  bool escaped_ = false;
  size_t next_memory_check_ = kMemoryCheckStep;
};

// One read(2) of at most `size` bytes into `into`, retried on EINTR: the bytes read, 0 at the end.
size_t read_some(int fd, char* into, size_t size, const std::string& source) {
  while (true) {
    const ssize_t got = ::read(fd, into, size);
    if (got >= 0) return static_cast<size_t>(got);
    if (errno != EINTR) throw IoError(source, "cannot read: " + errno_text(errno));
  }
}

// read_text, with the checks of a JSON text nested at most `max_depth` deep when `json`. By read(2),
// which returns what a pipe holds as it comes (a stream's first line is checked before more
// arrives), and which says so for a closed stdin or a folder rather than reading them as empty.
std::string read_checked(const std::string& path, bool json, int max_depth = 64) {
  const std::string source = source_name(path);
  int fd = STDIN_FILENO;
  if (path != "-") {
    struct stat named {};
    if (::stat(path.c_str(), &named) != 0) throw IoError(path, "cannot open: " + errno_text(errno));
    if (S_ISDIR(named.st_mode)) throw IoError(path, "is a folder, expected a file");
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw IoError(path, "cannot open: " + errno_text(errno));
  }
  struct Closer {
    int fd;
    bool owned;  // opened here (not stdin, though a closed stdin's 0 may be what open returned)
    ~Closer() {
      if (owned) ::close(fd);
    }
  } closer{fd, path != "-"};
  struct stat info {};
  if (::fstat(fd, &info) != 0) throw IoError(source, "cannot read: " + errno_text(errno));
  if (S_ISDIR(info.st_mode)) throw IoError(source, "cannot read: " + errno_text(EISDIR));
  ChunkChecks checks(source, json, max_depth, !S_ISREG(info.st_mode));
  std::string text;
  if (S_ISREG(info.st_mode)) {
    // Reads of the size fstat gave (a checkpoint of 1 MB took 1.5 ms character by character), its
    // first 64 KiB judged before the rest is read (a 2 GB CSV given as --config was read whole to
    // be refused for its first line), then whatever a growing file adds; from stdin (`< file`)
    // maybe less, read past its start. `fill`: whether the file held all `upto` bytes.
    const auto size = static_cast<std::uint64_t>(info.st_size);
    checks.size(size);
    const auto fill = [&](size_t upto) {
      const size_t before = text.size();
      text.resize(upto);
      size_t got = before;
      while (got < text.size()) {
        const size_t n = read_some(fd, text.data() + got, text.size() - got, source);
        if (n == 0) break;
        got += n;
      }
      text.resize(got);
      checks(text, before);
      return got == upto;
    };
    constexpr size_t kFirstPart = size_t{1} << 16;
    if (fill(static_cast<size_t>(std::min<std::uint64_t>(size, kFirstPart))) && size > kFirstPart) fill(static_cast<size_t>(size));
  }
  std::array<char, 1 << 16> chunk;  // a fifo or device whole; a regular file's growth
  while (const size_t got = read_some(fd, chunk.data(), chunk.size(), source)) {
    const size_t before = text.size();
    text.append(chunk.data(), got);
    checks(text, before);
  }
  checks.end(text);
  return text;
}

}  // namespace

// UTF-32 first: its little-endian mark begins with UTF-16's. ASCII in UTF-32 is "x\0\0\0" (LE) or
// "\0\0\0x" (BE), in UTF-16 "x\0y\0" or "\0x\0y"; without a mark iconv needs the byte order.
const char* wide_unicode(std::string_view text) {
  const auto at = [&](size_t i) { return i < text.size() ? text[i] : '\x01'; };  // past the end: not NUL
  const auto starts = [&](std::string_view magic) { return text.substr(0, magic.size()) == magic; };
  using namespace std::string_view_literals;
  if (starts("\xFF\xFE\0\0"sv) || starts("\0\0\xFE\xFF"sv)) return "UTF-32";
  if (text.size() >= 8 && at(0) != '\0' && text.substr(1, 3) == "\0\0\0"sv && at(4) != '\0') return "UTF-32LE";
  if (text.size() >= 8 && starts("\0\0\0"sv) && at(3) != '\0' && text.substr(4, 3) == "\0\0\0"sv) return "UTF-32BE";
  if (starts("\xFF\xFE"sv) || starts("\xFE\xFF"sv)) return "UTF-16";
  if (text.size() >= 4 && at(0) != '\0' && at(1) == '\0' && at(2) != '\0' && at(3) == '\0') return "UTF-16LE";
  if (text.size() >= 4 && at(0) == '\0' && at(1) != '\0' && at(2) == '\0' && at(3) != '\0') return "UTF-16BE";
  return nullptr;
}

std::string source_name(const std::string& path) { return path == "-" ? "<stdin>" : path; }

std::string read_text(const std::string& path) { return read_checked(path, false); }

std::string read_json_text(const std::string& path, int max_depth) { return read_checked(path, true, max_depth); }


namespace {

// nlohmann::json::parse with a callback, in linear time. nlohmann 3.11's callback parser
// (json_sax_dom_callback_parser) scans the whole parent container at every object's end for a
// discarded member to erase, so an array of n objects (a checkpoint's series, or history.epochs)
// took O(n^2): 7 s for 200,000 epochs, 28 s for 400,000. This builder calls `callback` with the
// same events and depths and keeps or drops values as that parser does, but removes a rejected
// value where it was just stored (the back of an array, or its key of an object).
class FilteringDomBuilder {
 public:
  using json = nlohmann::json;
  using Event = json::parse_event_t;
  FilteringDomBuilder(json& root, const json::parser_callback_t& callback) : root_(root), callback_(callback) {}

  bool null() { return value(json(nullptr)); }
  bool boolean(bool v) { return value(json(v)); }
  bool number_integer(json::number_integer_t v) { return value(json(v)); }
  bool number_unsigned(json::number_unsigned_t v) { return value(json(v)); }
  bool number_float(json::number_float_t v, const json::string_t&) { return value(json(v)); }
  bool string(json::string_t& v) { return value(json(std::move(v))); }
  bool binary(json::binary_t& v) { return value(json(json::binary_t(std::move(v)))); }
  bool start_object(std::size_t) { return open(Event::object_start, json::value_t::object); }
  bool start_array(std::size_t) { return open(Event::array_start, json::value_t::array); }
  bool end_object() { return close(Event::object_end); }
  bool end_array() { return close(Event::array_end); }
  bool key(json::string_t& key) {
    Frame& frame = frames_.back();
    json k(key);
    frame.key_kept = callback_(depth(), Event::key, k);
    frame.key = std::move(key);
    return true;
  }
  template <class Exception>
  bool parse_error(std::size_t, const std::string&, const Exception& e) {
    throw e;
  }

 private:
  struct Frame {
    json* container = nullptr;  // nullptr: dropped (or inside a dropped value)
    std::string key;            // an object's current member
    bool key_kept = true;
  };
  int depth() const { return static_cast<int>(frames_.size()); }
  // Where a new value of the innermost open container goes: false when it is dropped.
  bool accepts() const {
    if (frames_.empty()) return true;
    const Frame& frame = frames_.back();
    return frame.container != nullptr && (frame.container->is_array() || frame.key_kept);
  }
  json* store(json&& v) {
    if (frames_.empty()) {
      root_ = std::move(v);
      return &root_;
    }
    Frame& frame = frames_.back();
    if (frame.container->is_array()) {
      frame.container->get_ref<json::array_t&>().push_back(std::move(v));
      return &frame.container->get_ref<json::array_t&>().back();
    }
    json& slot = frame.container->get_ref<json::object_t&>()[frame.key];
    slot = std::move(v);
    return &slot;
  }
  // Takes back the value last stored in the innermost open container (or the root).
  void unstore() {
    if (frames_.empty()) {
      root_ = json(json::value_t::discarded);
      return;
    }
    Frame& frame = frames_.back();
    if (frame.container->is_array()) frame.container->get_ref<json::array_t&>().pop_back();
    else frame.container->get_ref<json::object_t&>().erase(frame.key);
  }
  bool value(json&& v) {
    if (!accepts()) return true;
    if (!callback_(depth(), Event::value, v)) return true;
    store(std::move(v));
    return true;
  }
  bool open(Event event, json::value_t type) {
    json placeholder(json::value_t::discarded);
    const bool keep = callback_(depth(), event, placeholder) && accepts();
    Frame frame;
    if (keep) frame.container = store(json(type));
    frames_.push_back(std::move(frame));
    return true;
  }
  // Every container's end is reported, a dropped one's too (with a discarded placeholder: nlohmann's
  // parser reports it for none, which left a callback that pairs starts with ends unbalanced).
  bool close(Event event) {
    json* container = frames_.back().container;
    json placeholder(json::value_t::discarded);
    const bool keep = callback_(depth() - 1, event, container != nullptr ? *container : placeholder) || container == nullptr;
    frames_.pop_back();
    if (!keep) unstore();
    return true;
  }

  json& root_;
  const json::parser_callback_t& callback_;
  std::vector<Frame> frames_;
};

}  // namespace

void release_without_allocating(nlohmann::json& value) {
  if (value.is_array()) {
    auto& array = value.get_ref<nlohmann::json::array_t&>();
    while (!array.empty()) {
      release_without_allocating(array.back());
      array.pop_back();  // an empty container or a scalar: its destructor allocates nothing
    }
  } else if (value.is_object()) {
    auto& object = value.get_ref<nlohmann::json::object_t&>();
    while (!object.empty()) {
      const auto last = std::prev(object.end());
      release_without_allocating(last->second);
      object.erase(last);
    }
  }
}

namespace {

// After a parse error at text[offset]: what a hand-written config often holds that JSON does not
// (a comma before '}' or ']', a comment), said; "" otherwise.
std::string json_habit_hint(std::string_view text, size_t offset) {
  if (offset >= text.size()) return "";
  const char c = text[offset];
  if (c == '}' || c == ']') {
    const size_t before = offset == 0 ? std::string_view::npos : text.find_last_not_of(" \t\r\n", offset - 1);
    if (before != std::string_view::npos && text[before] == ',')
      return std::string(" (a comma before '") + c + "': JSON allows none after the last item)";
  }
  if (c == '/' || c == '#') return " (a comment? JSON has none)";
  return "";
}

nlohmann::json parse_json_view(std::string_view text, const std::string& source, int max_depth,
                               const std::vector<std::string>& skip, const JsonFilter& filter,
                               PageReleaser scan_releaser = {}, PageReleaser parse_releaser = {},
                               const JsonItemSkip* items = nullptr) {
  if (text.find_first_not_of(" \t\r\n") == std::string::npos)
    throw InputError(source, 0, 0, "empty file, expected a JSON object");
  // Depth scan outside strings, so nothing deeper than max_depth reaches the parser; on the way,
  // the spans [begin, end) of the object or array values of top-level members named in `skip`.
  Spans skipped;
  int depth = 0;
  bool in_string = false;
  size_t string_begin = 0;
  std::string last_key;      // the last string closed at depth 1
  bool skip_next = false;    // a skipped member's ':' was seen, its value not yet
  size_t span_begin = std::string::npos;
  // `items` (io.hpp): within its array (depth 2), an item's (depth 3) keys and its id.
  const bool track_top = !skip.empty() || items != nullptr;
  bool in_array = false;     // inside items->array's value
  bool after_colon = false;  // at depth 3, a ':' seen and its value not begun
  std::string item_key;      // the item's member whose value comes next
  bool item_skipped = false; // the item's id is one items->keep turns down
  // The bytes the scan acts on outside strings; the rest (digits, signs, commas, whitespace: most of
  // a checkpoint) are passed over by one table lookup (a third of predict's cold start otherwise).
  static constexpr std::array<bool, 256> kStructural = [] {
    std::array<bool, 256> table{};
    for (const char c : {'"', '{', '[', '}', ']', ':', '\0'}) table[static_cast<unsigned char>(c)] = true;
    return table;
  }();
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (!in_string && !skip_next && !after_colon && !kStructural[static_cast<unsigned char>(c)]) continue;
    // The parser takes a NUL for the end of the text: what follows went unread (a mapped file; a
    // stream's text is refused as it is read).
    if (c == '\0') throw_nul(text, i, source);
    scan_releaser.upto(i);
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
        const std::string_view content = text.substr(string_begin + 1, i - string_begin - 1);
        if (depth == 1 && track_top) last_key.assign(content);
        if (depth == 3 && in_array) {
          if (!after_colon) {
            item_key.assign(content);
          } else if (item_key == items->id && content.find('\\') == std::string_view::npos) {
            item_skipped = !items->keep(content);
          }
          after_colon = false;
        }
      }
    } else if (c == '"') {
      in_string = true;
      string_begin = i;
      skip_next = false;
    } else if (c == '{' || c == '[') {
      if (++depth > max_depth) throw_too_deep(text, i, source, max_depth);
      if (depth == 2 && skip_next) span_begin = i;
      if (depth == 2 && items != nullptr && span_begin == std::string::npos && c == '[' && last_key == items->array) in_array = true;
      if (depth == 3 && in_array) item_key.clear(), item_skipped = false;
      if (depth == 4 && in_array && after_colon && item_skipped &&
          std::find(items->members.begin(), items->members.end(), item_key) != items->members.end())
        span_begin = i;
      skip_next = false;
      after_colon = false;
    } else if (c == '}' || c == ']') {
      --depth;
      if ((depth == 1 || (depth == 3 && in_array)) && span_begin != std::string::npos) {
        skipped.emplace_back(span_begin, i + 1);
        span_begin = std::string::npos;
      }
      if (depth == 1) in_array = false;
    } else if (c == ':' && depth == 1 && !skip.empty()) {
      skip_next = std::find(skip.begin(), skip.end(), last_key) != skip.end();
    } else if (c == ':' && depth == 3 && in_array) {
      after_colon = true;
    } else if (c != ' ' && c != '\n' && c != '\t' && c != '\r') {
      skip_next = false;
      after_colon = false;
    }
  }
  check_json_start(text, source, true);  // after the scan, which names binary data by its NUL byte
  // Duplicate keys: nlohmann keeps the last silently; a config or checkpoint with one is refused,
  // naming the key's path. The callback sees keys and object bounds only (parse events).
  std::vector<std::unordered_set<std::string>> keys_seen;  // per open object (a list was O(keys^2))
  std::vector<std::string> path;                    // keys of the open objects' current members
  std::string duplicate;
  std::string duplicate_key;     // its last component, as the text writes it (unescaped)
  std::size_t key_occurrence = 0;  // how many keys of that text came before it, itself included
  std::map<std::string, std::size_t> key_counts;
  const auto track = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using Event = nlohmann::json::parse_event_t;
    if (event == Event::object_start) {
      keys_seen.emplace_back();
      path.emplace_back();
    } else if (event == Event::object_end && !keys_seen.empty()) {
      keys_seen.pop_back();
      path.pop_back();
    } else if (event == Event::key && !keys_seen.empty()) {
      const std::string& key = parsed.get_ref<const std::string&>();
      auto& seen = keys_seen.back();
      const std::size_t count = ++key_counts[key];
      if (duplicate.empty() && seen.count(key) > 0) {
        for (std::size_t i = 0; i + 1 < path.size(); ++i) duplicate += path[i] + ".";  // the enclosing keys
        duplicate += key;
        duplicate_key = key;
        key_occurrence = count;
      }
      seen.insert(key);
      path.back() = key;
    }
    return filter ? filter(depth, event, parsed) : true;
  };
  try {
    const bool releasing = parse_releaser.active();
    nlohmann::json parsed;
    const nlohmann::json::parser_callback_t callback = track;
    FilteringDomBuilder builder(parsed, callback);
    try {
      if (skipped.empty() && !releasing)
        nlohmann::json::sax_parse(text.begin(), text.end(), &builder);
      else
        nlohmann::json::sax_parse(SkippingIterator(text.data(), text.size(), &skipped, false, releasing ? &parse_releaser : nullptr),
                                  SkippingIterator(text.data(), text.size(), &skipped, true), &builder);
    } catch (const std::bad_alloc&) {
      release_without_allocating(parsed);  // then MemoryError's exit 5, not std::terminate
      throw;
    }
    if (parsed.is_discarded()) parsed = nullptr;  // as nlohmann::json::parse with a callback
    if (!duplicate.empty()) {
      // Located at its key_occurrence-th `"key":` in the text outside the spans skipped unparsed,
      // whose keys the parser did not count; only when the text spells it so wherever the parser
      // counted it: a key spelt with an escape elsewhere (x as backslash-u-0078) shifted the count, and
      // another key was named (a fuzz). Then unlocated.
      long line = 0, column = 0;
      const std::string quoted = "\"" + duplicate_key + "\"";
      std::vector<std::size_t> spelt;  // where the text writes it as a key, outside the skipped spans
      std::size_t span = 0;            // the first skipped span not wholly before `at`
      for (std::size_t at = text.find(quoted); at != std::string::npos; at = text.find(quoted, at + 1)) {
        while (span < skipped.size() && skipped[span].second <= at) ++span;
        if (span < skipped.size() && skipped[span].first <= at) continue;
        if (at > 0 && text[at - 1] == '\\') continue;
        std::size_t after = at + quoted.size();
        while (after < text.size() && (text[after] == ' ' || text[after] == '\t' || text[after] == '\r' || text[after] == '\n')) ++after;
        if (after < text.size() && text[after] == ':') spelt.push_back(at);
      }
      if (key_occurrence > 0 && spelt.size() == key_counts[duplicate_key] && key_occurrence <= spelt.size())
        locate(text, spelt[key_occurrence - 1], line, column);
      throw InputError(source, line, column, "duplicate key '" + printable(duplicate) + "': a key may appear once in an object");
    }
    return parsed;
  } catch (const nlohmann::json::out_of_range& e) {
    // "number overflow parsing '1e400'": located by finding the number in the text.
    std::string what = e.what();
    const auto colon = what.find("] ");
    if (colon != std::string::npos) what = what.substr(colon + 2);
    long line = 0, column = 0;
    const auto open = what.find('\''), close = what.rfind('\'');
    if (open != std::string::npos && close > open) {
      const auto at = text.find(what.substr(open + 1, close - open - 1));
      if (at != std::string::npos) locate(text, at, line, column);
    }
    throw InputError(source, line, column, "invalid JSON: " + printable(what, 200) + " (numbers must lie within +-1.8e308)");
  } catch (const nlohmann::json::parse_error& e) {
    long line, column;
    const size_t offset = original_offset(e.byte > 0 ? e.byte - 1 : 0, skipped);
    locate(text, offset, line, column);
    std::string what = e.what();
    // nlohmann's message: "[json.exception.parse_error.101] parse error at line 1, column 5: syntax error while
    // parsing value - invalid literal; last read: 'x'" -> keep what follows "parse error ...: ".
    const auto colon = what.find(": ", what.find("parse error"));
    if (colon != std::string::npos) what = what.substr(colon + 2);
    throw InputError(source, line, column, "invalid JSON: " + printable(what, 200) + json_habit_hint(text, offset));
  }
}

// mapped_file_path()'s text: a fixed buffer, which a signal handler may read at any time.
char g_mapped_path[4096] = {};

// A regular file mapped whole. Below `large` bytes its pages are populated at once: a 1 MB
// checkpoint read into a fresh string costs ~300 page faults of ~10 us each on our VMs, most of
// predict's cold start. From `large` on, the pages come in as read (ahead, sequentially) and
// releaser() hands them back behind the reader, so a file of any size is never resident whole.
class MappedFile {
 public:
  MappedFile(const std::string& path, size_t large) {
    const size_t length = std::min(path.size(), sizeof g_mapped_path - 1);
    g_mapped_path[length] = '\0';
    std::memcpy(g_mapped_path, path.data(), length);
    // Opened only when it is a regular file: a fifo opened here and closed unread would lose what
    // its writer wrote, and read_text's open would wait for a writer gone (a hunt: predict --model
    // FIFO hung, and train writing into it exited 0).
    struct stat named {};
    if (::stat(path.c_str(), &named) != 0 || !S_ISREG(named.st_mode)) return;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    struct stat info {};
    if (::fstat(fd, &info) == 0 && S_ISREG(info.st_mode) && info.st_size > 0) {
      const size_t size = static_cast<size_t>(info.st_size);
      large_ = size >= large;
      void* data = ::mmap(nullptr, size, PROT_READ, large_ ? MAP_PRIVATE : MAP_PRIVATE | MAP_POPULATE, fd, 0);
      if (data != MAP_FAILED) {
        data_ = static_cast<const char*>(data);
        size_ = size;
        step_ = std::max<size_t>(large / 4, static_cast<size_t>(::sysconf(_SC_PAGESIZE)));
        if (large_) ::madvise(data, size, MADV_SEQUENTIAL);
      }
    }
    ::close(fd);
  }
  // A fresh releaser for one forward pass over the text (inactive for a small file).
  PageReleaser releaser() const { return large_ ? PageReleaser(data_, step_) : PageReleaser(); }
  ~MappedFile() {
    if (data_ != nullptr) ::munmap(const_cast<char*>(data_), size_);
    g_mapped_path[0] = '\0';
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  bool ok() const { return data_ != nullptr; }
  std::string_view text() const { return {data_, size_}; }

 private:
  const char* data_ = nullptr;
  size_t size_ = 0;
  size_t step_ = 0;
  bool large_ = false;
};

}  // namespace

void refuse_json_underflow(std::string_view text, const std::string& source) {
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
      continue;
    }
    if (c != '-' && (c < '0' || c > '9')) continue;
    size_t end = i;
    while (end < text.size() && std::strchr("0123456789+-.eE", text[end]) != nullptr) ++end;
    const std::string number(text.substr(i, end - i));
    const auto exponent = number.find_first_of("eE");
    const bool nonzero = number.substr(0, exponent).find_first_of("123456789") != std::string::npos;
    if (nonzero && std::strtod(number.c_str(), nullptr) == 0) {
      long line, column;
      locate(text, i, line, column);
      throw InputError(source, line, column,
                       "invalid JSON: number underflow parsing '" + printable(number, 40) +
                           "' (a number other than 0 must be at least 4.9e-324 in magnitude; 0 is written 0)");
    }
    i = end - 1;
  }
}

std::map<std::string, std::pair<long, long>> json_key_places(std::string_view text) {
  std::map<std::string, std::pair<long, long>> places;
  struct Level {
    bool object;
    std::string key;  // the current member's key (objects)
  };
  std::vector<Level> open;
  bool expect_key = false;  // after '{' or an object's ','
  long line = 1;
  size_t counted_to = 0;  // the line's columns before this byte are `counted` (locate's)
  long counted = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') {
      ++line;
      counted_to = i + 1;
      counted = 0;
    } else if (c == '"') {
      const size_t begin = i;
      for (++i; i < text.size() && text[i] != '"'; ++i)
        if (text[i] == '\\') ++i;
      if (!expect_key || open.empty()) continue;
      expect_key = false;
      std::string key;
      try {
        key = nlohmann::json::parse(text.substr(begin, i + 1 - begin)).get<std::string>();  // unescaped
      } catch (const nlohmann::json::exception&) {
        continue;  // not valid JSON after all: no place
      }
      open.back().key = key;
      std::string path;
      bool in_array = false;
      for (const Level& level : open) {
        in_array = in_array || !level.object;
        path += (path.empty() ? "" : ".") + level.key;
      }
      // A path met twice (a key holding a dot: "training.epochs" at the top beside training's
      // "epochs") is ambiguous: placed nowhere (0, 0) rather than at the wrong key.
      // Columns counted on from the last key's (a quote, which ends no sequence): linear in a long
      // line holding many keys.
      counted = column_after(counted, text.substr(counted_to, begin - counted_to));
      counted_to = begin;
      if (!in_array && !places.emplace(path, std::make_pair(line, counted + 1)).second)
        places[path] = {0, 0};
    } else if (c == '{' || c == '[') {
      open.push_back({c == '{', ""});
      expect_key = c == '{';
    } else if (c == '}' || c == ']') {
      if (!open.empty()) open.pop_back();
      expect_key = false;
    } else if (c == ',') {
      expect_key = !open.empty() && open.back().object;
    }
  }
  return places;
}

nlohmann::json parse_json(const std::string& text, const std::string& source, int max_depth,
                          const std::vector<std::string>& skip, const JsonFilter& filter, const JsonItemSkip* items) {
  return parse_json_view(text, source, max_depth, skip, filter, {}, {}, items);
}

const char* mapped_file_path() noexcept { return g_mapped_path; }

nlohmann::json read_json_file(const std::string& path, int max_depth, const std::vector<std::string>& skip,
                              const JsonFilter& filter, size_t large_file, const JsonItemSkip* items) {
  const std::string source = source_name(path);
  if (path != "-") {
    const MappedFile file(path, large_file);
    if (file.ok()) return parse_json_view(file.text(), source, max_depth, skip, filter, file.releaser(), file.releaser(), items);
  }
  return parse_json(read_json_text(path, max_depth), source, max_depth, skip, filter, items);  // stdin, fifos, empty files, errors
}

namespace {
// stdout's file when it is a regular file or a pipe: the only kinds two writers could garble.
std::optional<struct stat> stdout_file() {
  struct stat info {};
  if (::fstat(STDOUT_FILENO, &info) != 0 || !(S_ISREG(info.st_mode) || S_ISFIFO(info.st_mode))) return std::nullopt;
  return info;
}

// What path names for check_distinct: the file itself, or for "-" the regular file stdin reads
// (`--input - < a.csv`); nullopt when it names none.
std::optional<struct stat> input_file(const std::string& path) {
  struct stat info {};
  if (path.empty()) return std::nullopt;
  if (path == "-") {
    if (::fstat(STDIN_FILENO, &info) != 0 || !S_ISREG(info.st_mode)) return std::nullopt;
    return info;
  }
  if (::stat(path.c_str(), &info) != 0) return std::nullopt;
  return info;
}
}  // namespace

std::optional<std::pair<std::uint64_t, std::uint64_t>> input_identity(const std::string& path) {
  const auto info = input_file(path);
  if (!info) return std::nullopt;
  return std::make_pair(static_cast<std::uint64_t>(info->st_dev), static_cast<std::uint64_t>(info->st_ino));
}

bool writes_stdout(const std::string& path) {
  if (path == "-") return true;
  const auto out = stdout_file();
  struct stat info {};
  return out && !path.empty() && ::stat(path.c_str(), &info) == 0 && info.st_dev == out->st_dev && info.st_ino == out->st_ino;
}

bool is_fifo(const std::string& path) {
  struct stat info {};
  return !path.empty() && path != "-" && ::stat(path.c_str(), &info) == 0 && S_ISFIFO(info.st_mode);
}

void check_distinct(const std::string& output_flag, const std::string& output,
                    const std::vector<std::pair<std::string, std::string>>& others) {
  if (output.empty()) return;
  if (output == "-") {  // stdout appended to an input: cat's "input file is output file"
    const auto out = stdout_file();
    if (!out || !S_ISREG(out->st_mode)) return;
    for (const auto& [flag, path] : others) {
      const auto info = input_file(path);
      if (info && info->st_dev == out->st_dev && info->st_ino == out->st_ino)
        throw InputError("stdout is the same file as " + flag + " " + path + (path == "-" ? " (stdin)" : "") +
                         ": writing it would destroy it; redirect it elsewhere");
    }
    return;
  }
  std::error_code error;
  const std::filesystem::path out = std::filesystem::absolute(output, error).lexically_normal();
  struct stat out_info {};
  const bool out_exists = ::stat(output.c_str(), &out_info) == 0;
  if (out_exists && !S_ISREG(out_info.st_mode)) return;  // /dev/null, a pipe: written in place, shared freely
  for (const auto& [flag, path] : others) {
    if (path == "-") {  // stdin redirected from the output file (`--input - --output a.csv < a.csv`)
      const auto in = input_file(path);
      if (out_exists && in && in->st_dev == out_info.st_dev && in->st_ino == out_info.st_ino)
        throw InputError(output_flag + " " + output + " is the same file as " + flag + " - (stdin)" +
                         ": writing it would destroy it; choose another path");
      continue;
    }
    if (path.empty()) continue;
    struct stat info {};
    const bool exists = ::stat(path.c_str(), &info) == 0;
    const bool same_file = out_exists && exists && info.st_dev == out_info.st_dev && info.st_ino == out_info.st_ino &&
                           S_ISREG(info.st_mode);
    // The same path clashes only when it names something: a missing input fails on its own
    // ("cannot open"); two outputs are compared with check_distinct_outputs.
    const bool same_path = exists && !error && std::filesystem::absolute(path, error).lexically_normal() == out;
    if (same_file || same_path)
      throw InputError(output_flag + " " + output + " is the same file as " + flag + " " + path +
                       ": writing it would destroy it; choose another path");
  }
}

std::optional<int> descriptor_named(const std::string& path) {
  std::string number;
  if (path == "/dev/stdin") number = "0";
  if (path == "/dev/stdout") number = "1";
  if (path == "/dev/stderr") number = "2";
  for (const char* prefix : {"/dev/fd/", "/proc/self/fd/"})
    if (path.rfind(prefix, 0) == 0) number = path.substr(std::strlen(prefix));
  if (number.empty() || number.size() > 6 || number.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  return std::stoi(number);
}

namespace {
bool under_dev_or_proc(const std::string& path) { return path.rfind("/dev/", 0) == 0 || path.rfind("/proc/", 0) == 0; }
// descriptor_named's descriptor when it is open: written through it, at the offset and with the
// flags the shell gave (`2>> job.log` appends; an open of the path would truncate the file and
// write from its start, a hunt found); nullopt otherwise.
std::optional<int> inherited_descriptor(const std::string& path) {
  const std::optional<int> fd = descriptor_named(path);
  if (!fd || ::fcntl(*fd, F_GETFD) == -1) return std::nullopt;
  return fd;
}

// An existing entry of /dev or /proc (/dev/stdout, /dev/fd/63, /dev/null): written in place, never
// probed nor renamed over, whatever it points to.
bool special_file(const std::string& path) {
  struct stat info {};
  return under_dev_or_proc(path) && ::lstat(path.c_str(), &info) == 0;
}
}  // namespace

std::string output_target(const std::string& given) {
  std::string path = given;
  for (int depth = 0; depth < 40; ++depth) {  // the kernel's own limit on a chain of links
    struct stat link {};
    if (path == "-" || ::lstat(path.c_str(), &link) != 0 || !S_ISLNK(link.st_mode)) return path;
    if (under_dev_or_proc(path)) return path;  // /dev/stdout, /dev/fd/63 (bash's >(...)): in place
    std::error_code error;
    std::filesystem::path target = std::filesystem::read_symlink(path, error);
    if (error) throw IoError(given, "cannot read the symbolic link: " + error.message());
    if (target.is_relative()) target = std::filesystem::path(path).parent_path() / target;
    if (under_dev_or_proc(target.string())) return path;
    path = target.lexically_normal().string();
  }
  throw IoError(given, "too many levels of symbolic links");
}

bool reads_stdin(const std::string& path) {
  // A regular file stdin reads is reopened from its start by each path to it (a second read of
  // the stream had found it empty, or JSON).
  if (path == "-") return true;
  struct stat in {}, named {};
  return !path.empty() && fstat(0, &in) == 0 && !S_ISREG(in.st_mode) && ::stat(path.c_str(), &named) == 0 &&
         named.st_dev == in.st_dev && named.st_ino == in.st_ino;
}

void check_stdin_once(const std::vector<std::pair<std::string, std::string>>& inputs) {
  const std::pair<std::string, std::string>* first = nullptr;
  for (const auto& input : inputs) {
    if (!reads_stdin(input.second)) continue;
    if (first != nullptr)
      throw InputError(first->first + " " + first->second + " and " + input.first + " " + input.second +
                       " both read stdin; give one of them as a file");
    first = &input;
  }
}

void check_distinct_outputs(const std::string& flag_a, const std::string& a, const std::string& flag_b, const std::string& b) {
  if (a.empty() || b.empty()) return;
  if (writes_stdout(a) && writes_stdout(b))
    throw InputError(flag_a + " " + a + " and " + flag_b + " " + b + " both write stdout (one stream): one would garble the other; give one a file");
  if (a == "-" || b == "-" || special_file(a)) return;
  std::error_code error_a, error_b;
  const auto path_a = std::filesystem::absolute(output_target(a), error_a).lexically_normal();
  const auto path_b = std::filesystem::absolute(output_target(b), error_b).lexically_normal();
  if (!error_a && !error_b && path_a == path_b)
    throw InputError(flag_a + " " + a + " and " + flag_b + " " + b + " are the same file: one would overwrite the other");
}

void check_writable(const std::string& given) {
  // A descriptor open for reading only (a closed stdout or stderr is held so: main.cpp; `3< f`)
  // fails the write with EBADF: said before any work, not after it (a review).
  const auto writable_descriptor = [](int fd, const std::string& name) {
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags != -1 && (flags & O_ACCMODE) == O_RDONLY) throw IoError(name, "cannot write: " + errno_text(EBADF));
  };
  if (given == "-") {
    writable_descriptor(STDOUT_FILENO, "<stdout>");
    return;
  }
  const std::string path = output_target(given);
  if (path.empty()) throw IoError(path, "empty output path");
  if (special_file(path)) {
    if (const std::optional<int> fd = inherited_descriptor(path)) writable_descriptor(*fd, path);
    if (::access(path.c_str(), W_OK) != 0) throw IoError(path, "cannot write: " + errno_text(errno));
    return;
  }
  const std::string folder = folder_of(path);
  // A name or path longer than Linux allows (255 bytes a name, 4096 a path with its final NUL)
  // passes the probe below, which has a short name of its own, and failed only when the temporary
  // (the path plus its suffix) was created or renamed, after training (a hunt).
  if (path.size() + kTemporarySuffix >= kPathMax)
    throw IoError(path, "cannot write: the path is too long (" + std::to_string(path.size()) + " bytes; with the " +
                            std::to_string(kTemporarySuffix) + " of its temporary file's suffix it must stay below " +
                            std::to_string(kPathMax) + ")");
  for (std::size_t begin = 0; begin <= path.size();) {
    const std::size_t end = std::min(path.find('/', begin), path.size());
    if (end - begin > kNameMax)
      throw IoError(path, std::string("cannot write: the ") + (end == path.size() ? "file" : "folder") + " name " +
                              in_quotes(path.substr(begin, end - begin)) + " is too long (" + std::to_string(end - begin) +
                              " bytes; at most " + std::to_string(kNameMax) + ")");
    begin = end + 1;
  }
  struct stat info {};
  if (::stat(folder.c_str(), &info) != 0) {
    if (errno == ENAMETOOLONG) throw IoError(path, "cannot write: the path is too long for this file system");
    throw IoError(path, "cannot write: folder '" + folder + "' does not exist");
  }
  if (!S_ISDIR(info.st_mode)) throw IoError(path, "cannot write: '" + folder + "' is a file, not a folder");
  const bool exists = ::stat(path.c_str(), &info) == 0;  // one look at the path itself
  if (!exists && errno == ENAMETOOLONG) throw IoError(path, "cannot write: the path is too long for this file system");
  if (exists && S_ISDIR(info.st_mode)) throw IoError(path, "is a folder, expected a file");
  if (exists && !S_ISREG(info.st_mode)) {  // /dev/null, a pipe: written in place
    if (::access(path.c_str(), W_OK) != 0) throw IoError(path, "cannot write: " + errno_text(errno));
    return;
  }
  if (::access(folder.c_str(), W_OK) != 0) throw IoError(path, "cannot write: folder '" + folder + "' is not writable");
  // In a sticky folder (/tmp, a cluster's /scratch: mode 1777) only the owner of a file, of the
  // folder, or root may replace it: the rename into place would fail after all the work (a hunt).
  struct stat folder_info {};
  if (exists && ::stat(folder.c_str(), &folder_info) == 0 && (folder_info.st_mode & S_ISVTX) != 0 && ::geteuid() != 0 &&
      info.st_uid != ::geteuid() && folder_info.st_uid != ::geteuid())
    throw IoError(path, "cannot write: it belongs to another user, in a folder where only its owner may replace it "
                        "(sticky, as /tmp); choose another path");
  // access() says yes to root and knows nothing of read-only mounts or special folders (/proc):
  // only creating a file there tells. First a file without a name (O_TMPFILE), which a kill -9
  // cannot leave behind (a named probe so killed stayed, which no run removes: a kill hunt); where
  // the file system has none, a named one, whose error is the message.
  if (const int unnamed = ::open(folder.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600); unnamed >= 0) {
    ::close(unnamed);
    return;
  }
  std::string probe = folder + "/.lstm-forecast-probe-XXXXXX";
  const int fd = ::mkstemp(probe.data());
  if (fd < 0) throw IoError(path, "cannot write: cannot create a file in folder '" + folder + "': " + errno_text(errno));
  ::close(fd);
  ::unlink(probe.c_str());
}

namespace {

// The temporaries being written, for remove_live_temporaries in a signal handler: fixed buffers
// and atomic states only (free, being named, named). A path too long for a slot, or a ninth file
// at once, is not listed (the next run removes it as stale).
constexpr int kLiveSlots = 8;
constexpr std::size_t kLivePathBytes = 4096;
enum LiveState : int { kFree = 0, kNaming = 1, kNamed = 2 };
struct LiveTemporary {
  std::atomic<int> state{kFree};
  char path[kLivePathBytes] = {};
};
LiveTemporary g_live[kLiveSlots];

int note_live(const std::string& temp) {
  if (temp.size() >= kLivePathBytes) return -1;
  for (int i = 0; i < kLiveSlots; ++i) {
    int expected = kFree;
    if (!g_live[i].state.compare_exchange_strong(expected, kNaming)) continue;
    std::memcpy(g_live[i].path, temp.c_str(), temp.size() + 1);
    g_live[i].state.store(kNamed);
    return i;
  }
  return -1;
}

void forget_live(int slot) {
  if (slot >= 0) g_live[slot].state.store(kFree);
}

// Creates `path.lstmf-tmp.XXXXXX`, holding an exclusive flock on it (which marks it live for
// remove_stale_temporaries, released by close); its name goes to `temp`. Another process's
// cleanup may take the file between mkstemp and the lock: once the lock is ours, the file must
// still be the one under that name, else another is made.
int create_locked_temporary(const std::string& path, std::string& temp) {
  for (int attempt = 0;; ++attempt) {
    const auto slash = path.find_last_of('/');
    const std::size_t base_at = slash == std::string::npos ? 0 : slash + 1;
    temp = path.substr(0, base_at) + temporary_stem(path.substr(base_at)) + kTemporaryInfix + "XXXXXX";
    const int fd = ::mkstemp(temp.data());
    if (fd < 0) throw IoError(path, "cannot create a temporary file beside it: " + errno_text(errno));
    // A signal whose handler returns may interrupt the wait (train's restarts it, SA_RESTART; a
    // library caller's may not): wait again. Where flock is not
    // supported (ENOLCK), no cleanup can take the lock either, so none removes the file.
    while (::flock(fd, LOCK_EX) != 0 && errno == EINTR) {
    }
    struct stat held {}, named {};
    if (::fstat(fd, &held) == 0 && ::lstat(temp.c_str(), &named) == 0 && held.st_dev == named.st_dev &&
        held.st_ino == named.st_ino)
      return fd;
    ::close(fd);
    if (attempt == 100) throw IoError(path, "cannot keep a temporary file beside it: it is removed as it is made");
  }
}

}  // namespace

int remove_stale_temporaries(const std::string& path) {
  if (path.empty() || path == "-") return 0;
  const std::string folder = folder_of(path);
  const auto slash = path.find_last_of('/');
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  DIR* dir = ::opendir(folder.c_str());
  if (dir == nullptr) return 0;
  int removed = 0;
  while (const struct dirent* entry = ::readdir(dir)) {
    const std::string name = entry->d_name;
    if (!is_temporary_of(name, base)) continue;
    const std::string file = folder + "/" + name;
    // Regular files only, opened without waiting: a fifo so named would block open() for ever.
    struct stat named {};
    if (::lstat(file.c_str(), &named) != 0 || !S_ISREG(named.st_mode)) continue;
    const int fd = ::open(file.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) continue;
    struct stat info {};
    // Stale unless a live writer holds its lock (a writer keeps it until the rename). A writer
    // caught between mkstemp and its lock finds its file gone once it has the lock, and makes
    // another (create_locked_temporary): no age rule needed, so a writer killed a moment ago
    // counts as stale too.
    if (::fstat(fd, &info) == 0 && S_ISREG(info.st_mode) && ::flock(fd, LOCK_EX | LOCK_NB) == 0 &&
        ::unlink(file.c_str()) == 0)
      ++removed;
    ::close(fd);
  }
  ::closedir(dir);
  return removed;
}

void remove_live_temporaries() noexcept {
  for (LiveTemporary& live : g_live)
    if (live.state.load() == kNamed) ::unlink(live.path);
}

void write_atomically(const std::string& path, const std::string& content) {
  write_atomically_streamed(path, [&](const AppendText& append) { append(content); });
}

namespace {

// stdout by another name: written to stdout, so `--output /dev/stdout >> log` appends as the shell asked.
std::string resolved_output(const std::string& given) {
  const std::string target = output_target(given);
  return descriptor_named(target) == STDOUT_FILENO ? "-" : target;
}

// A device or a pipe (/dev/null, /dev/fd/63, a fifo) is written in place: renaming over it would
// replace the device with a file.
bool written_in_place(const std::string& path) {
  struct stat info {};
  return path == "-" || special_file(path) || (::stat(path.c_str(), &info) == 0 && !S_ISREG(info.st_mode));
}

void write_in_place(const std::string& path, const std::function<void(const AppendText& append)>& produce) {
  // The reason a stream's write failed (no space left, a closed descriptor) is its write(2)'s errno.
  const auto failed = [](const std::string& name, int error) {
    return IoError(name, error != 0 ? "write failed: " + errno_text(error) : std::string("write failed"));
  };
  errno = 0;
  if (path == "-") {
    produce([&](const std::string& piece) {
      std::cout.write(piece.data(), static_cast<std::streamsize>(piece.size()));
      if (!std::cout) throw failed("<stdout>", errno);
    });
    std::cout.flush();
    if (!std::cout) throw failed("<stdout>", errno);
    return;
  }
  if (const std::optional<int> fd = inherited_descriptor(path)) {
    produce([&](const std::string& piece) {
      for (size_t written = 0; written < piece.size();) {
        const ssize_t n = ::write(*fd, piece.data() + written, piece.size() - written);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw failed(path, errno);
        written += static_cast<size_t>(n);
      }
    });
    return;
  }
  std::ofstream out(path, std::ios::binary);
  produce([&](const std::string& piece) {
    out.write(piece.data(), static_cast<std::streamsize>(piece.size()));
    if (!out) throw failed(path, errno);
  });
  out.flush();
  if (!out) throw failed(path, errno);
}

}  // namespace

StagedFile::StagedFile(const std::string& given, const std::function<void(const AppendText& append)>& produce)
    : path_(resolved_output(given)) {
  if (path_ != "-") check_writable(path_);
  if (written_in_place(path_)) {  // kept until commit: nothing reaches the device before then
    produce([&](const std::string& piece) { pending_.push_back(piece); });
    in_place_ = true;
    return;
  }
  remove_stale_temporaries(path_);
  fd_ = create_locked_temporary(path_, temp_);
  live_ = note_live(temp_);
  // mkstemp creates 0600: a file replaced keeps its permissions (chmod 640 on a shared forecast
  // stays), a new one takes the usual ones.
  struct stat existing {};
  if (::stat(path_.c_str(), &existing) == 0 && S_ISREG(existing.st_mode)) {
    (void)::fchmod(fd_, existing.st_mode & 0777);
  } else {
    const mode_t mask = ::umask(0);
    ::umask(mask);
    (void)::fchmod(fd_, 0666 & ~mask);
  }
  try {
    produce([&](const std::string& piece) {
      size_t written = 0;
      while (written < piece.size()) {
        const ssize_t n = ::write(fd_, piece.data() + written, piece.size() - written);
        if (n < 0) {
          if (errno == EINTR) continue;
          throw IoError(path_, "write failed: " + errno_text(errno));
        }
        written += static_cast<size_t>(n);
      }
    });
    if (::fsync(fd_) != 0) throw IoError(path_, "write failed: " + errno_text(errno));
  } catch (...) {  // a failed write or a failed producer: leave nothing behind
    discard();
    throw;
  }
}

StagedFile::~StagedFile() { discard(); }

void StagedFile::discard() {
  if (fd_ < 0) return;
  ::unlink(temp_.c_str());
  forget_live(live_);
  live_ = -1;
  ::close(fd_);
  fd_ = -1;
}

void StagedFile::commit_with(const std::function<void()>& companion) {
  if (in_place_) commit();  // a pipe's reader may wait for this one first
  companion();
  commit();
}

void StagedFile::commit() {
  if (in_place_) {
    in_place_ = false;
    write_in_place(path_, [&](const AppendText& append) {
      for (const std::string& piece : pending_) append(piece);
    });
    std::vector<std::string>().swap(pending_);
    return;
  }
  if (fd_ < 0) return;
  // Renamed while still open, so the lock covers the temporary file until it is in place.
  if (::rename(temp_.c_str(), path_.c_str()) != 0) {
    const int error = errno;
    discard();
    throw IoError(path_, "cannot rename the temporary file into place: " + errno_text(error));
  }
  forget_live(live_);
  live_ = -1;
  ::close(fd_);  // the data is on disk already (fsync)
  fd_ = -1;
}

void write_atomically_streamed(const std::string& given, const std::function<void(const AppendText& append)>& produce) {
  const std::string path = resolved_output(given);
  if (written_in_place(path)) {  // streamed, not held in memory
    if (path != "-") check_writable(path);
    write_in_place(path, produce);
    return;
  }
  StagedFile(path, produce).commit();
}

}  // namespace lstmf
