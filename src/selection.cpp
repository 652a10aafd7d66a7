#include "lstmf/selection.hpp"

#include <algorithm>
#include <charconv>
#include <string_view>
#include <unordered_map>

#include "lstmf/config.hpp"
#include "lstmf/csv.hpp"
#include "lstmf/error.hpp"
#include "lstmf/io.hpp"
#include "lstmf/random.hpp"

namespace lstmf {
std::uint64_t series_hash(const std::string& id) { return fnv1a(id.data(), id.size()); }

std::uint64_t series_seed(std::uint64_t base_seed, const std::string& id) {
  std::uint64_t state = base_seed ^ series_hash(id);
  return splitmix64(state);
}

bool Shard::contains(const std::string& id) const {
  return count <= 1 || series_hash(id) % static_cast<std::uint64_t>(count) == static_cast<std::uint64_t>(index);
}

// K/N in plain decimal digits: no sign, no blanks (from_chars takes neither), nothing after N.
Shard parse_shard(const std::string& text) {
  const auto whole_int = [](std::string_view digits, int& value) {
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    return !digits.empty() && digits[0] != '-' && error == std::errc() && end == digits.data() + digits.size();
  };
  const auto slash = text.find('/');
  Shard shard;
  if (slash == std::string::npos || !whole_int(std::string_view(text).substr(0, slash), shard.index) ||
      !whole_int(std::string_view(text).substr(slash + 1), shard.count))
    throw InputError("--shard expects K/N (shard K of N, 0 <= K < N), got " + in_quotes(text));
  if (shard.count < 1 || shard.index >= shard.count)
    throw InputError("--shard expects K/N with 0 <= K < N, got " + in_quotes(text));
  return shard;
}

bool SeriesSelection::selects(const std::string& id) const {
  if (!shard.contains(id)) return false;
  if (ids.empty()) return true;
  return id_set.empty() ? std::find(ids.begin(), ids.end(), id) != ids.end() : id_set.count(id) > 0;
}

std::string SeriesSelection::listed_at(const std::vector<std::string>& missing) const {
  const auto listed_end = ids.begin() + static_cast<std::ptrdiff_t>(listed_lines.size());
  for (const std::string& id : missing) {
    const auto at = std::find(ids.begin(), listed_end, id);
    if (at != listed_end)
      return "; " + quoted_id(id) + " is on line " + std::to_string(listed_lines[static_cast<std::size_t>(at - ids.begin())]) +
             " of " + listed_from + " (--series-file)";
  }
  return "";
}

std::string SeriesSelection::comma_hint(const std::vector<std::string>& missing) const {
  return listed_from.empty() ? lstmf::comma_hint(missing) : std::string();
}

SeriesList read_series_list(const std::string& path) {
  std::string text = read_text(path);
  if (text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);  // a byte order mark, as the CSV reader skips it
  SeriesList list{source_name(path), {}, {}};
  std::vector<std::string>& ids = list.ids;
  std::unordered_map<std::string, long> line_of;
  long line = 0;
  for (std::size_t start = 0; start < text.size();) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    ++line;
    std::string_view id = trim_blanks(std::string_view(text).substr(start, end - start));
    if (!id.empty() && id.back() == '\r') id = trim_blanks(id.substr(0, id.size() - 1));
    start = end + 1;
    if (id.empty()) continue;
    const auto [at, added] = line_of.emplace(std::string(id), line);
    if (!added)
      throw InputError(source_name(path), line, 0,
                       "series " + quoted_id(id) + " is listed twice (first on line " + std::to_string(at->second) + ")");
    ids.emplace_back(id);
    list.lines.push_back(line);
  }
  // None would select every series: an empty list (jq over a checkpoint without left_out) retrained
  // the whole file (a review).
  if (ids.empty()) throw InputError(list.source, 0, 0, "lists no series ids (one a line); expected at least one");
  return list;
}

SeriesSelection make_selection(const std::string& ids, const std::string& shard, const SeriesList& listed) {
  SeriesSelection selection;
  if (!shard.empty()) selection.shard = parse_shard(shard);
  for (const std::string& id : listed.ids) {
    if (!selection.id_set.emplace(id).second) throw InputError("--series-file: series " + quoted_id(id) + " is given twice");
    selection.ids.push_back(id);
  }
  selection.listed_from = listed.source;
  selection.listed_lines = listed.lines;
  // Ids are trimmed of spaces and tabs, as the file's are when read (series.cpp), so ' a' is 'a'.
  for (const auto& item : split_flag_list("--series", ids)) {
    const std::string_view id = trim_blanks(item);
    if (id.empty()) {
      if (item.empty()) continue;
      throw InputError("--series expects series ids, got " + in_quotes(ids) + ": an id of spaces alone (ids are trimmed, as in the file)");
    }
    if (!selection.id_set.emplace(id).second)
      throw InputError("--series: series " + quoted_id(id) + " is given twice");
    selection.ids.emplace_back(id);
  }
  return selection;
}

SeriesSet select_series(SeriesSet set, const SeriesSelection& selection) {
  if (selection.everything()) return set;
  std::vector<std::string> missing;
  std::unordered_set<std::string> in_file;  // every series of the file, read or not (a search per id was O(ids x series))
  for (const auto& s : set.series) in_file.insert(s.id);
  for (const auto& e : set.empty) in_file.insert(e.first);
  for (const auto& u : set.unread) in_file.insert(u.id);
  for (const auto& id : selection.ids)
    if (in_file.count(id) == 0) missing.push_back(id);
  if (!missing.empty()) {
    // Every series of the file, read or not, with values or not: the same list whatever the selection.
    std::vector<std::string> present;
    for (const auto& s : set.series) present.push_back(s.id);
    for (const auto& e : set.empty) present.push_back(e.first);
    for (const auto& u : set.unread) present.push_back(u.id);
    std::sort(present.begin(), present.end());
    throw InputError(set.source, 0, 0,
                     "no series " + quoted_ids(missing) + " in column " + quoted_id(set.series_column) + " (" +
                         std::to_string(present.size()) + " series: " + quoted_ids(present) + ")" + selection.comma_hint(missing) +
                         selection.listed_at(missing));
  }
  std::vector<Series> kept;
  for (Series& s : set.series)
    if (selection.selects(s.id)) kept.push_back(std::move(s));
  set.series = std::move(kept);
  std::vector<std::pair<std::string, std::string>> empty;
  for (auto& e : set.empty)
    if (selection.selects(e.first)) empty.push_back(std::move(e));
  set.empty = std::move(empty);
  set.unread.clear();
  return set;
}

// After "no series 'a', '1'": --series a,1 asks for two ids; one holding a comma is quoted.
std::string comma_hint(const std::vector<std::string>& missing) {
  // A few pieces may be one id cut at its commas; many missing ids are many ids.
  if (missing.size() < 2 || missing.size() > 4) return "";
  std::string joined;
  for (const auto& id : missing) joined += (joined.empty() ? "" : ",") + id;
  // The list syntax quotes as a CSV field does (a quote inside doubled); `joined` holds a comma.
  return " (if one id holds a comma, quote it: --series '" + printable(csv_field(joined), 60) + "')";
}

// A few ids for messages, each quoted: "'a', 'b', 'c' and 97 more".
std::string quoted_ids(const std::vector<std::string>& ids) {
  constexpr std::size_t kShown = 5;
  std::string out;
  for (std::size_t i = 0; i < ids.size() && i < kShown; ++i) out += (i ? ", " : "") + quoted_id(ids[i]);
  if (ids.size() > kShown) out += " and " + std::to_string(ids.size() - kShown) + " more";
  return out;
}

}  // namespace lstmf
