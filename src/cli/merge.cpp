// lstm-forecast merge: joins the outputs of shard runs (--shard K/N) into one: many-series
// checkpoints of per-series mode, or long-format forecast CSVs. Inputs that do not fit together are
// refused with the file that differs; the output is written atomically.
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <map>
#include <system_error>
#include <utility>

#include "commands.hpp"
#include "lstmf/csv.hpp"
#include "lstmf/error.hpp"
#include "lstmf/io.hpp"
#include "lstmf/merge.hpp"

namespace lstmf::cli {
namespace {

struct MergeArgs {
  std::vector<std::string> inputs;
  std::string output = "-";
};

bool looks_like_json(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  return first != std::string::npos && text[first] == '{' && begins_as_json(text);
}

int run_merge(const MergeArgs& args) {
  check_writable(args.output);
  std::vector<std::pair<std::string, std::string>> inputs;
  for (const auto& input : args.inputs) inputs.push_back({"input", input});
  check_distinct("--output", args.output, inputs);
  if (std::count(args.inputs.begin(), args.inputs.end(), "-") > 1) throw InputError("merge: '-' (stdin) is given more than once among the inputs; stdin can be read only once");
  // One file given twice (overlapping globs, a typo, a link to it): said as such, not as each of its
  // series being "also in" itself.
  std::map<std::pair<std::uint64_t, std::uint64_t>, std::string> given;
  for (const auto& input : args.inputs) {
    const auto identity = input_identity(input);
    if (!identity) continue;  // a missing one fails on reading
    if (const auto [earlier, added] = given.emplace(*identity, input); !added)
      throw InputError(source_name(input), 0, 0,
                       earlier->second == input ? "is given twice" : "is " + source_name(earlier->second) + ", given twice");
  }
  std::vector<std::string> texts, names;  // names: as messages give them, stdin as <stdin>
  for (const auto& input : args.inputs) {
    texts.push_back(read_text(input));
    names.push_back(source_name(input));
  }
  const bool checkpoints = looks_like_json(texts.front());
  for (std::size_t i = 1; i < texts.size(); ++i)
    if (looks_like_json(texts[i]) != checkpoints)
      throw InputError(names[i], 0, 0,
                       std::string("is ") + (checkpoints ? "not a checkpoint" : "a checkpoint") + " but " +
                           names.front() + (checkpoints ? " is one" : " is a forecast CSV") +
                           "; merge joins checkpoints or forecasts, not both");
  if (!checkpoints) {
    write_atomically(args.output, merge_forecast_csvs(std::move(texts), names));
    return 0;
  }
  if (args.output == "-") throw InputError("merging checkpoints needs --output FILE");
  // Recorded as the merged checkpoint's output.path.
  if (const std::string problem = unrecordable("--output", args.output); !problem.empty()) throw InputError(problem);
  // A regular file is read again, mapped, and its text freed now; a stream (stdin, a pipe, a
  // process substitution) can be read only once: its text is parsed (opening a fifo again waited
  // for a writer that never came).
  std::vector<bool> regular(texts.size());
  for (std::size_t i = 0; i < texts.size(); ++i) {
    std::error_code error;
    regular[i] = args.inputs[i] != "-" && std::filesystem::is_regular_file(args.inputs[i], error);
    if (regular[i]) std::string().swap(texts[i]);
  }
  std::vector<PanelCheckpoint> parts;
  for (std::size_t i = 0; i < args.inputs.size(); ++i) {
    const std::string& input = args.inputs[i];
    AnyCheckpoint loaded = regular[i] ? load_any_checkpoint(input) : parse_any_checkpoint(texts[i], names[i]);
    std::string().swap(texts[i]);
    if (!loaded.panel)
      throw InputError(names[i], 0, 0, "is a single-series checkpoint; merge joins many-series checkpoints (train --series-column)");
    parts.push_back(std::move(*loaded.panel));
  }
  const std::string missing = missing_shards(parts);
  PanelCheckpoint merged = merge_panel_checkpoints(std::move(parts), names);
  // Every series of the shards given left out, none trained: one run over the whole file fails so
  // (train exits 4 when one diverged, 2 when all were refused), and so does their merge, rather
  // than write a checkpoint that forecasts nothing. Shards not given are named (a shard that
  // selects no series writes no checkpoint, so a split of more shards than series misses some).
  if (merged.series.empty() && !merged.left_out.empty()) {
    const std::string message = "no series trained in the shards given: every one was left out (" +
                                std::to_string(merged.left_out.size()) + ", as each shard said: " +
                                in_quotes(merged.left_out.front().id) + ": " + merged.left_out.front().reason +
                                (missing.empty() ? std::string() : "; shards " + missing + " not given") +
                                "); nothing was written";
    const bool diverged = std::any_of(merged.left_out.begin(), merged.left_out.end(),
                                      [](const PanelCheckpoint::LeftOut& l) { return l.diverged; });
    if (diverged) throw DivergedError(message);
    throw InputError(message);
  }
  merged.config.output.path = args.output;
  save_panel_checkpoint(args.output, merged);
  // Series a shard left out (refused, diverged, or not trained before an interrupt) are not in the
  // merged model: said, as predict and evaluate will name them.
  if (!merged.left_out.empty())
    Talk() << "note: " << args.output << " holds " << merged.series.size() << " series; " << merged.left_out.size()
           << (merged.left_out.size() == 1 ? " more was" : " more were") << " left out by their shards (the first, "
           << in_quotes(merged.left_out.front().id) << ": " << printable(merged.left_out.front().reason, 200) << ")";
  if (!missing.empty())
    Talk() << "note: shards " << missing << " not given: " << args.output << " holds " << merged.series.size()
           << " series, none of theirs (a shard that selects no series writes no checkpoint; a failed one neither)";
  return 0;
}

}  // namespace

Command add_merge(CLI::App& app) {
  auto* command = app.add_subcommand(
      "merge", "Join shard outputs (--shard K/N) into one: per-series checkpoints, or long-format forecast CSVs");
  auto args = std::make_shared<MergeArgs>();
  command->add_option("inputs", args->inputs, "shard checkpoints, or shard forecast CSVs")->required()->type_name("FILE")->check(file_path());
  command->add_option("--output,-o", args->output, "merged file (- = stdout, forecasts only)")->capture_default_str()->type_name("FILE")->check(file_path());
  return {command, [args] { return run_merge(*args); }};
}

}  // namespace lstmf::cli
