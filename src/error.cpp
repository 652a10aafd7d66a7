#include "lstmf/error.hpp"

#include <locale.h>
#include <wchar.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <iomanip>
#include <iterator>
#include <limits>
#include <sstream>
#include <system_error>
#include <utility>
#include <vector>

namespace lstmf {

namespace {

// Length of the valid UTF-8 sequence at text[i] (RFC 3629: no overlongs, no surrogates, at most
// U+10FFFF), or 0 when the bytes there are not one.
std::size_t utf8_length(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  unsigned char lo = 0x80, hi = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) length = 2;
  else if (lead >= 0xE0 && lead <= 0xEF) length = 3, lo = lead == 0xE0 ? 0xA0 : 0x80, hi = lead == 0xED ? 0x9F : 0xBF;
  else if (lead >= 0xF0 && lead <= 0xF4) length = 4, lo = lead == 0xF0 ? 0x90 : 0x80, hi = lead == 0xF4 ? 0x8F : 0xBF;
  else return 0;
  if (i + length > text.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < length; ++k)
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  return length;
}

// The code point of the valid UTF-8 sequence of `length` bytes at text[i].
char32_t code_point(std::string_view text, std::size_t i, std::size_t length) {
  const auto byte = [&](std::size_t k) { return static_cast<char32_t>(static_cast<unsigned char>(text[i + k])); };
  if (length == 1) return byte(0);
  char32_t cp = byte(0) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07);
  for (std::size_t k = 1; k < length; ++k) cp = (cp << 6) | (byte(k) & 0x3F);
  return cp;
}

// Characters a terminal shows as nothing (or as a plain space), or that control it: C1 controls
// (U+009B starts an escape sequence on some terminals), no-break and other odd spaces, zero-width
// characters, bidirectional marks and overrides, separators, the BOM and interlinear annotations.
bool invisible(char32_t cp) {
  return (cp >= 0x80 && cp <= 0xA0) || cp == 0xAD || cp == 0x61C || cp == 0x180E || (cp >= 0x2000 && cp <= 0x200F) ||
         (cp >= 0x2028 && cp <= 0x202F) || (cp >= 0x205F && cp <= 0x206F) || cp == 0x3000 || cp == 0xFEFF ||
         (cp >= 0xFFF9 && cp <= 0xFFFB);
}

// Appends the character at text[i] to `out` as printable shows it (one byte of invalid UTF-8 counts
// as a character); returns the index of the next character.
std::size_t append_printable(std::string_view text, std::size_t i, std::string& out) {
  static const char* const kHex = "0123456789ABCDEF";
  const auto c = static_cast<unsigned char>(text[i]);
  const std::size_t length = utf8_length(text, i);
  if (c == '\n') out += "\\n";
  else if (c == '\r') out += "\\r";
  else if (c == '\t') out += "\\t";
  else if (length == 0 || c < 0x20 || c == 0x7F) out += std::string("\\x") + kHex[c >> 4] + kHex[c & 15];
  else if (const char32_t cp = code_point(text, i, length); length > 1 && invisible(cp)) {
    out += "\\u";
    for (int shift = 12; shift >= 0; shift -= 4) out += kHex[(cp >> shift) & 15];
  } else {
    out.append(text.substr(i, length));
  }
  return i + (length == 0 ? 1 : length);
}

}  // namespace

bool valid_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t length = utf8_length(text, i);
    if (length == 0) return false;
    i += length;
  }
  return true;
}

std::string printable(std::string_view text, std::size_t max_bytes) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); i = append_printable(text, i, out)) {
    if (out.size() >= max_bytes) {
      out += "... (" + std::to_string(text.size()) + " bytes)";
      break;
    }
  }
  return out;
}

std::string printable_ends(std::string_view text, std::size_t max_bytes) {
  // ends[k]: the length of the shown text after k + 1 characters. Cutting only there keeps every
  // character, and every escape written for one (\x9F, \u200B), whole.
  std::string all;
  std::vector<std::size_t> ends;
  for (std::size_t i = 0; i < text.size(); ends.push_back(all.size())) i = append_printable(text, i, all);
  if (all.size() <= max_bytes) return all;
  const auto head_end = std::upper_bound(ends.begin(), ends.end(), max_bytes * 2 / 3);
  const std::size_t head = head_end == ends.begin() ? 0 : *std::prev(head_end);
  const std::size_t tail = *std::lower_bound(ends.begin(), ends.end(), all.size() - max_bytes / 3);
  return all.substr(0, head) + " ... (" + std::to_string(text.size()) + " bytes) ... " + all.substr(tail);
}

std::string format_number(double value) {
  char buffer[32];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value);
  if (error != std::errc()) throw Error("cannot format a number");
  return std::string(buffer, end);
}

std::string format_significant(double value, int digits) {
  if (!std::isfinite(value)) return format_number(value);
  std::ostringstream out;
  if (value != 0 && (std::abs(value) < 1e-3 || std::abs(value) >= 1e9)) {
    out << std::setprecision(digits) << value;
  } else {
    const int magnitude = value == 0 ? 0 : static_cast<int>(std::floor(std::log10(std::abs(value))));
    out << std::fixed << std::setprecision(std::clamp(digits - 1 - magnitude, 0, digits + 2)) << value;
  }
  return out.str();
}

std::string format_readable(double value) {
  std::string text = format_significant(value, 6);
  if (std::isfinite(value) && text.find('.') != std::string::npos && text.find('e') == std::string::npos) {
    text.erase(text.find_last_not_of('0') + 1);
    if (text.back() == '.') text.pop_back();
  }
  return text;
}

std::string printable_whole(std::string_view text) { return printable(text, std::numeric_limits<std::size_t>::max()); }

std::size_t display_columns(std::string_view text) {
  // glibc's wcwidth under C.UTF-8 (Debian's libc-bin: Unicode's East Asian Width and zero-width
  // marks), asked under a locale of this thread alone (uselocale) so that the process's stays "C";
  // without that locale, the main ranges: wide and fullwidth characters and emoji 2, combining
  // marks 0.
  static const locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
  const auto width_of = [](char32_t c) -> std::size_t {
    if (utf8 != static_cast<locale_t>(nullptr)) {
      const int width = wcwidth(static_cast<wchar_t>(c));
      return width >= 0 ? static_cast<std::size_t>(width) : 1;  // < 0: a control character (escaped before a table)
    }
    if ((c >= 0x0300 && c <= 0x036F) || (c >= 0x200B && c <= 0x200F) || (c >= 0xFE00 && c <= 0xFE0F) || c == 0xFEFF) return 0;
    const bool wide = (c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0x303E) || (c >= 0x3041 && c <= 0x33FF) ||
                      (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xA000 && c <= 0xA4CF) ||
                      (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFE30 && c <= 0xFE4F) ||
                      (c >= 0xFF00 && c <= 0xFF60) || (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x1F300 && c <= 0x1F64F) || (c >= 0x1F680 && c <= 0x1F6FF) ||
                      (c >= 0x1F900 && c <= 0x1F9FF) || (c >= 0x20000 && c <= 0x3FFFD);
    return wide ? 2 : 1;
  };
  const locale_t before = utf8 != static_cast<locale_t>(nullptr) ? uselocale(utf8) : static_cast<locale_t>(nullptr);
  std::size_t columns = 0;
  for (std::size_t i = 0; i < text.size();) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte >= 0x20 && byte < 0x7F) {  // printable ASCII, one column: no lookup (locate counts up to a whole line)
      ++columns;
      ++i;
      continue;
    }
    const std::size_t length = utf8_length(text, i);
    if (length == 0) {  // a byte of no whole character: a stray continuation byte none, another one
      columns += (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80 ? 0 : 1;
      ++i;
      continue;
    }
    columns += width_of(code_point(text, i, length));
    i += length;
  }
  if (before != static_cast<locale_t>(nullptr)) uselocale(before);
  return columns;
}

// Appended to rather than built as "'" + text + "'": GCC 12 at -O3 with _GLIBCXX_ASSERTIONS warns
// (-Wstringop-overflow, a false positive) on a literal added before a temporary string.
std::string in_quotes(std::string_view text, std::size_t max_bytes) {
  std::string out = "'";
  out += printable(text, max_bytes);
  out += '\'';
  return out;
}

std::string count_of(long count, const char* noun) {
  return std::to_string(count) + " " + noun + (count == 1 ? "" : "s");
}

std::string format_location(const std::string& file, long line, long column, const std::string& message) {
  std::string out = file;
  if (!file.empty() && line > 0) {
    out += ":" + std::to_string(line);
    if (column > 0) out += ":" + std::to_string(column);
  }
  if (!out.empty()) out += ": ";
  return out + message;
}

InputError::InputError(std::string file, long line, long column, std::string message)
    : Error(format_location(file, line, column, message), ExitCode::input),
      file_(std::move(file)),
      line_(line),
      column_(column),
      message_(std::move(message)) {}

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> previous(b.size() + 1), current(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j)
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] != b[j - 1])});
    std::swap(previous, current);
  }
  return previous[b.size()];
}

std::size_t bounded_edit_distance(const std::string& a, const std::string& b, std::size_t limit) {
  const std::size_t n = a.size(), m = b.size(), far = limit + 1;
  if ((n > m ? n - m : m - n) > limit) return far;
  // Row i holds cells j in [i - limit, i + limit]; a cell outside its row's band is `far`. Every
  // buffer cell starts `far`, and the one left of the band is reset: the rest of a row's buffer
  // is either in the band or never written yet.
  std::vector<std::size_t> previous(m + 1, far), current(m + 1, far);
  for (std::size_t j = 0; j <= std::min(m, limit); ++j) previous[j] = j;
  for (std::size_t i = 1; i <= n; ++i) {
    const std::size_t lo = i > limit ? i - limit : 0, hi = std::min(m, i + limit);
    if (lo > 0) current[lo - 1] = far;
    if (lo == 0) current[0] = i;
    for (std::size_t j = std::max<std::size_t>(lo, 1); j <= hi; ++j)
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] != b[j - 1])});
    std::swap(previous, current);
  }
  return std::min(previous[m], far);
}

std::optional<std::size_t> likely_typo_of(const std::string& word, const std::vector<std::string>& candidates) {
  // Only distances of 2 or less are taken: the rest need not be measured whole.
  constexpr std::size_t kMostEdits = 2;
  std::optional<std::size_t> best;
  std::size_t best_distance = std::numeric_limits<std::size_t>::max();
  for (std::size_t i = 0; i < candidates.size(); ++i)
    if (const std::size_t d = bounded_edit_distance(word, candidates[i], kMostEdits); d < best_distance)
      best_distance = d, best = i;
  if (best && best_distance <= kMostEdits && 2 * best_distance < std::max<std::size_t>(word.size(), 2)) return best;
  return std::nullopt;
}

}  // namespace lstmf
