// Which series of a many-series file a run takes: by id (--series) and by stable hash shard
// (--shard K/N: the series whose FNV-1a 64-bit hash of the id, modulo N, is K), so independent
// processes can train, predict or evaluate disjoint parts and merge.hpp joins their outputs; and
// the seed of each series in per-series training, which depends on its id alone (panel.hpp).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

#include "lstmf/series.hpp"

namespace lstmf {

// FNV-1a, 64 bits (offset basis 14695981039346656037, prime 1099511628211), over the id's bytes.
std::uint64_t series_hash(const std::string& id);
// The seed of a series in per-series mode: SplitMix64 of (base_seed XOR series_hash(id)).
std::uint64_t series_seed(std::uint64_t base_seed, const std::string& id);

// Shard K of N (0 <= K < N): the series with series_hash(id) % N == K. N = 1 is every series.
struct Shard {
  int index = 0;
  int count = 1;
  bool contains(const std::string& id) const;
  std::string text() const { return std::to_string(index) + "/" + std::to_string(count); }
};
// "K/N"; InputError naming --shard otherwise.
Shard parse_shard(const std::string& text);

// The ids of a --series-file and the line of the file each is on.
struct SeriesList {
  std::string source;       // the file as messages name it (source_name)
  std::vector<std::string> ids;
  std::vector<long> lines;  // lines[i]: the line ids[i] is on
};

struct SeriesSelection {
  std::vector<std::string> ids;  // empty = every series; a SeriesList's ids first, then --series'
  std::unordered_set<std::string> id_set;  // the same ids (make_selection), so that selects() is not O(ids)
  Shard shard;
  std::string listed_from;        // the SeriesList's source ("" without one)
  std::vector<long> listed_lines;  // its lines: listed_lines[i] of ids[i]
  bool selects(const std::string& id) const;
  // After "no series 'x' ...": where the first of `missing` listed in the --series-file is
  // ("; 'x' is on line 3 of ids.txt (--series-file)"), so that a stale list is found; "" when none is.
  std::string listed_at(const std::vector<std::string>& missing) const;
  // After "no series 'x', 'y' ...": comma_hint(missing) (below), but "" with a --series-file: a list
  // holds one id a line, commas and all, so no id of it was cut at one.
  std::string comma_hint(const std::vector<std::string>& missing) const;
  bool everything() const { return ids.empty() && shard.count == 1; }
  // One shard of a split of the whole file (--shard K/N, N > 1, without --series): a part of a run
  // that goes on past its series' failures, which its checkpoint records for merge.
  bool shard_of_split() const { return shard.count > 1 && ids.empty(); }
};
// `listed` ids as they are (--series-file), then "a,b,c" -> ids (--series); shard text "" = no shard.
SeriesSelection make_selection(const std::string& ids, const std::string& shard, const SeriesList& listed = {});
// The ids of a file of one id per line (--series-file; "-" = stdin), trimmed of spaces and tabs as
// the data's are, blank lines skipped: an id may hold commas and quotes, not a line break. The
// command line cannot carry many ids (Linux takes 128 KiB an argument: about 20,000 short ids).
// InputError naming the file (and line) for an id listed twice or no id at all (which would select
// every series); IoError when it cannot be read. A leading byte order mark is skipped.
SeriesList read_series_list(const std::string& path);

// The series of `set` that `selection` picks, in order. InputError naming `source` when an id asked
// for by name is not in the set, SeriesSet::unread included (listing a few that are).
SeriesSet select_series(SeriesSet set, const SeriesSelection& selection);

// ---- naming series in messages ----

// A few ids, each quoted as text from the data is: "'a', 'b', 'c', 'd', 'e' and 97 more".
std::string quoted_ids(const std::vector<std::string>& ids);

// After "no series 'a', '1'": --series a,1 asks for two ids, and one id holding a comma must be
// quoted; for 2 to 4 missing pieces, " (if one id holds a comma, quote it: --series '"a,1"')",
// otherwise "".
std::string comma_hint(const std::vector<std::string>& missing);

}  // namespace lstmf
