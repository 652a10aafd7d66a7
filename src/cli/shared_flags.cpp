// Flags shared by several subcommands (commands.hpp, panel_flags.hpp): file paths, decimal
// integers, --intervals, the history's --missing of predict and evaluate, and the many-series
// --series, --shard and --strict.
#include "commands.hpp"

#include <cctype>

#include "panel_flags.hpp"
#include "lstmf/checkpoint.hpp"
#include "lstmf/error.hpp"

namespace lstmf::cli {

CLI::Validator file_path(bool empty_allowed) {
  return CLI::Validator(
      [empty_allowed](const std::string& path) {
        if (path.empty()) return std::string(empty_allowed ? "" : "an empty path names no file");
        // `--output --quiet`: the flag's value was left out and the next flag taken for it (a
        // file named --quiet was written, and --quiet not applied).
        const bool flag_like = (path.size() > 2 && path.compare(0, 2, "--") == 0 && std::isalpha(static_cast<unsigned char>(path[2]))) ||
                               (path.size() == 2 && path[0] == '-' && std::isalpha(static_cast<unsigned char>(path[1])));
        if (flag_like)
          return "got " + in_quotes(path) + ", an option rather than a file name (was the value left out?); write ./" +
                 printable(path) + " for a file so named";
        return std::string();
      },
      "");
}

CLI::Validator decimal_integer() {
  return CLI::Validator(
      [](std::string& text) {
        const size_t sign = !text.empty() && text[0] == '-' ? 1 : 0;
        if (text.size() == sign || text.find_first_not_of("0123456789", sign) != std::string::npos)
          return "expected an integer in decimal digits, got '" + printable(text) + "'";
        const size_t first = text.find_first_not_of('0', sign);
        text = first == std::string::npos ? "0" : text.substr(0, sign) + text.substr(first);
        // Every such option is an int: beyond its range, say so (CLI11 says "Could not convert", or
        // saturates a long).
        const std::string digits = text.substr(sign);
        const std::string limit = sign ? "2147483648" : "2147483647";
        if (digits.size() > limit.size() || (digits.size() == limit.size() && digits > limit))
          return "got '" + printable(text) + "', beyond any integer option's range (" +
                 (sign ? "at least -2147483648" : "at most 2147483647") + ")";
        return std::string();
      },
      "");
}

CLI::Option* add_threads(CLI::App& command, int& threads) {
  return command
      .add_option("--threads", threads,
                  "worker threads, 0 .. " + std::to_string(kMaxThreads) + "; 0 = every core this process may use (its CPU affinity)")
      ->transform(decimal_integer())
      ->check(CLI::Range(0, kMaxThreads).description(""))
      ->type_name("N")
      ->capture_default_str();
}

CLI::Option* add_history_missing(CLI::App& command, std::string& policy) {
  return command.add_option("--missing", policy,
                     "how the history's missing values and time gaps are filled: error, interpolate or ffill "
                     "(default: as the model was trained, its data.missing)")
      ->type_name("POLICY");
}

std::optional<MissingPolicy> history_missing(const CLI::Option& option, const std::string& policy) {
  if (option.count() == 0) return std::nullopt;
  Config read;
  set_from_text(read, *find_option("data.missing"), policy);
  return read.data.missing;
}

std::vector<int> interval_levels(const std::vector<std::string>& given) {
  constexpr int first = IntervalQuantiles::kFirstLevel, last = IntervalQuantiles::kLastLevel;
  const std::string expected =
      "--intervals: expected whole percentages from " + std::to_string(first) + " to " + std::to_string(last) + " (e.g. 80,95), got ";
  std::vector<int> levels;
  for (const auto& list : given) {
    size_t start = 0;
    while (true) {  // split by hand: CLI11's delimiter drops empty items (80,,95)
      const size_t comma = list.find(',', start);
      const std::string item = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (item.empty() || item.find_first_not_of("0123456789") != std::string::npos || item.size() > 9)
        throw InputError(expected + "'" + printable(item) +
                         "'" + (item.empty() && !list.empty() ? " (an empty item in '" + printable(list) + "')" : std::string()));
      const int level = std::stoi(item);  // decimal: 080 is 80
      if (level < first || level > last) throw InputError(expected + std::to_string(level));
      for (const int seen : levels)
        if (seen == level) throw InputError("--intervals: level " + std::to_string(level) + " is given twice");
      levels.push_back(level);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  return levels;
}

void add_panel_flags(CLI::App& command, PanelArgs& args, bool train) {
  command.add_option("--series", args.series, "many series: only these series ids (comma-separated)")
      ->type_name("ID[,ID]")
      ->check(CLI::Validator(
          [](const std::string& ids) {
            // '' or 'a,,b' would select every series, or not the one meant; an id holding a comma
            // is quoted: '"a,1",b'
            std::vector<std::string> items;
            try {
              items = split_flag_list("--series", ids);
            } catch (const InputError& e) {  // CLI11 names the flag itself
              const std::string message = e.message();
              return message.rfind("--series ", 0) == 0 ? message.substr(9) : message;
            }
            const bool empty_item = items.empty() || std::any_of(items.begin(), items.end(), [](const std::string& id) { return id.empty(); });
            return empty_item ? "expected series ids separated by commas, got '" + printable(ids) + "' (an empty id)"
                              : std::string();
          },
          ""));
  command.add_option("--series-file", args.series_file,
                     "many series: only the series ids listed in FILE, one per line (- reads stdin), for more ids "
                     "than a command line holds")
      ->type_name("FILE")
      ->excludes("--series");
  command.add_option("--shard", args.shard,
                     "many series: only shard K of N, the series whose FNV-1a hash of the id modulo N is K")
      ->type_name("K/N");
  if (train)
    command.add_flag("--strict", args.strict,
                     "many series: a series too short for one window or with a column without values is an error (default: skipped, named on stderr)");
}

std::string no_series_note(const PanelCheckpoint& checkpoint, const PanelArgs& args, const std::string& model) {
  if ((!args.series.empty() || !args.series_file.empty()) && !args.shard.empty())
    return std::string("none of the series asked for (") + (args.series.empty() ? "--series-file" : "--series") + ") falls in shard " + printable(args.shard) + " (--shard picks by a hash of the id)";
  if (!args.shard.empty()) return "shard " + printable(args.shard) + " holds none of the series of " + printable(source_name(model));
  return printable(source_name(model)) + (checkpoint.shard ? " (shard " + checkpoint.shard->text() + ")" : std::string()) +
         " holds no series";
}

}  // namespace lstmf::cli
