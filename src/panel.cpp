#include "lstmf/panel.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <fstream>
#include <iomanip>
#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <string_view>
#include <tuple>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "lstmf/csv.hpp"
#include "lstmf/dataset.hpp"
#include "lstmf/error.hpp"
#include "lstmf/fit.hpp"
#include "lstmf/io.hpp"
#include "lstmf/memory.hpp"
#include "lstmf/metrics.hpp"
#include "lstmf/parallel.hpp"
#include "lstmf/random.hpp"
#include "lstmf/recipe.hpp"
#include "lstmf/selection.hpp"
#include "lstmf/windows.hpp"
#include "checkpoint_json.hpp"

namespace lstmf {
namespace {

using json = nlohmann::json;
using namespace checkpoint_json;  // the checkpoint readers, shared with checkpoint.cpp

// Runs body(i) for i in [0, count) on `threads` threads (parallel.hpp: one index at a time each,
// whichever thread is free), and rethrows the exception of the lowest failing index, so errors do
// not depend on the schedule.
template <typename Body>
void parallel_for_each(long count, int threads, Body body) {
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(count));
  parallel_for(static_cast<int>(count), threads, [&](int i) {
    try {
      body(static_cast<long>(i));
    } catch (...) {
      errors[static_cast<std::size_t>(i)] = std::current_exception();
    }
  });
  for (const auto& error : errors)
    if (error) std::rethrow_exception(error);
}

PanelSeries panel_series_of(const Series& series, MinMaxScaler scaler, int look_back, const Split& split) {
  PanelSeries out;
  out.id = series.id;
  out.held_out_rows = split.rows - split.train_end;
  out.frequency = series.time.frequency;
  out.month_day = series.time.month_day;
  out.scaler = std::move(scaler);
  out.data_tail = data_tail_of(series, look_back);
  out.best_val_loss = std::numeric_limits<double>::quiet_NaN();
  return out;
}

// A single-series checkpoint for series `s` with model `model`.
Checkpoint make_view(const Config& config, const ColumnsInfo& shared, const PanelSeries& s, const Model<float>& model) {
  ColumnsInfo columns = shared;
  columns.frequency = s.frequency;
  columns.month_day = s.month_day;
  columns.seasonal_period = std::max(1, s.frequency.seasonal_period());
  Checkpoint view{config, std::move(columns), s.scaler, model, nullptr, {}, s.best_epoch, s.data_tail, {}, s.intervals, s.combination, {}};
  view.held_out_rows = s.held_out_rows;
  return view;
}

// ---- per-series training ----

struct SeriesFit {
  PanelSeries series;
  SeriesFitReport report;
  long train_windows = 0;
  long validation_windows = 0;
  bool stopped = false;  // keep_going said stop during its epochs: left out, as series not started are
  std::string refused;   // data the model cannot take: left out with this reason
  bool unusable = false; // diverged before a validated epoch, or its weights forecast NaN or Inf:
                         // left out, with report.diverged as the reason
};

// `keep_going` (may be empty) is asked after every epoch: a signal stops the run within one epoch
// of one series, not after the series in training have finished.
SeriesFit fit_one(const Config& config, const ColumnsInfo& columns, const SeriesSet& set, std::size_t index,
                  const std::function<bool()>& keep_going) {
  const Series& series = set.series[index];
  SeriesSet one;
  one.source = set.source;
  one.time_column = set.time_column;
  one.series_column = set.series_column;
  one.series.push_back(series);
  Dataset dataset = prepare_dataset(std::move(one), config.data);
  // A value the model cannot compute with (scaler.hpp) skips the series with that reason (an
  // error under data.strict), rather than a training said to diverge.
  SeriesFit fit{panel_series_of(series, dataset.scalers.front(), config.data.look_back, dataset.splits.front()), {}, dataset.train.size(),
                dataset.validation.size(), false, "", false};
  fit.report.id = series.id;
  try {
    check_panel_series(series, dataset.splits.front(), config, set.source);
  } catch (const InputError& e) {
    if (config.data.strict) throw InputError(e.file(), e.line(), e.column(), "series " + quoted_id(series.id) + ": " + e.message());
    fit.refused = e.message();  // left out and named
    return fit;
  }
  const long inputs = static_cast<long>(series.columns.size());
  const long outputs = static_cast<long>(config.data.horizon) * series.n_targets;

  Rng rng(series_seed(config.training.seed, series.id));
  Model<float> model(inputs, outputs, config.model);
  model.init(rng);
  TrainingConfig training = config.training;
  training.threads = 1;  // the series run in parallel, each on one thread
  Trainer trainer(model, training, rng);
  const WindowSet* validation = dataset.validation.empty() ? nullptr : &dataset.validation;
  TrainingResult result;
  try {
    result = trainer.run(dataset.train, validation, [&](const EpochReport&) { return !keep_going || keep_going(); });
  } catch (const DivergedError& e) {
    fit.report.diverged = e.what();
    result = trainer.result_so_far();  // the best weights so far are restored: kept when there are any
    fit.unusable = result.best_epoch == 0;
  }
  if (result.stopped_by_callback && !result.early_stopped && trainer.epoch() < training.epochs) {  // not finished
    fit.stopped = true;
    return fit;
  }
  fit.report.epochs = trainer.epoch();
  fit.report.best_epoch = result.best_epoch;
  fit.series.model = model;
  fit.series.best_epoch = result.best_epoch;
  fit.series.epochs = trainer.epoch();
  if (result.best_epoch > 0) fit.series.best_val_loss = result.best_val_loss;
  if (validation != nullptr && result.best_epoch > 0) {
    const Split& split = dataset.splits.front();
    try {
      Checkpoint view = make_view(config, columns, fit.series, model);
      fit.report.validation = calibrate_on_validation(view, series.values, split.train_end, split.val_end, 1);
      fit.series.combination = std::move(view.combination);
      fit.series.intervals = std::move(view.intervals);
    } catch (const DivergedError&) {
      // Finite losses, but saturated cells forecast NaN or Inf: this series is left out, not the run.
      fit.report.diverged = "the trained model forecasts NaN or Inf on its validation windows although its losses were "
                            "finite (weights blown up by too large a step: training.lr is " + format_number(config.training.lr) + ")";
      fit.unusable = true;
    }
  }
  return fit;
}

void fit_per_series(const Config& config, const SeriesSet& set, const PanelFitOptions& options, PanelFitOutcome& outcome) {
  const long count = static_cast<long>(set.series.size());
  std::vector<std::optional<SeriesFit>> fits(static_cast<std::size_t>(count));
  std::atomic<bool> stop{false};
  std::mutex report_mutex;
  long done = 0;
  const ColumnsInfo& columns = outcome.checkpoint.columns;
  const std::function<bool()> keep_going = [&] { return !stop.load() && (!options.keep_going || options.keep_going()); };
  parallel_for_each(count, use_threads(config.training.threads), [&](long i) {
    if (stop.load()) return;
    SeriesFit fit = fit_one(config, columns, set, static_cast<std::size_t>(i), keep_going);
    std::lock_guard<std::mutex> lock(report_mutex);
    if (fit.stopped) {
      stop.store(true);
      return;
    }
    ++done;
    if (options.on_series && !options.on_series(fit.report, done, count)) stop.store(true);
    fits[static_cast<std::size_t>(i)] = std::move(fit);
  });
  outcome.stopped = stop.load();
  for (std::size_t i = 0; i < fits.size(); ++i) {
    std::optional<SeriesFit>& fit = fits[i];
    // Interrupted before it finished: recorded, so that the checkpoint (a shard's, to merge) does
    // not pass for the whole selection.
    if (!fit && outcome.stopped)
      outcome.checkpoint.left_out.push_back({set.series[i].id, "its training was interrupted (SIGINT or SIGTERM) before it "
                                                               "finished: run the training again"});
    if (!fit) continue;
    if (!fit->refused.empty()) {
      outcome.skipped.push_back({fit->report.id, fit->refused});
      outcome.checkpoint.left_out.push_back({fit->report.id, fit->refused});
      continue;
    }
    if (fit->unusable) {
      outcome.skipped.push_back({fit->report.id, fit->report.diverged, true});
      outcome.checkpoint.left_out.push_back({fit->report.id, fit->report.diverged, true});
      continue;
    }
    outcome.train_windows += fit->train_windows;
    outcome.validation_windows += fit->validation_windows;
    outcome.reports.push_back(fit->report);
    outcome.checkpoint.series.push_back(std::move(fit->series));
  }
}

// ---- global training ----

namespace {

// FNV-1a over what data-parallel processes must share to train one model: the config but where
// each reads and writes (data.path, output.*) and its own thread count, and every series' id,
// times and values as loaded.
std::uint64_t shared_fingerprint(const Config& config, const SeriesSet& set) {
  nlohmann::json settings = to_json(config);
  settings.erase("output");
  settings["data"].erase("path");
  settings["training"].erase("threads");
  const std::string text = settings.dump();
  std::uint64_t hash = fnv1a(text.data(), text.size());
  for (const Series& s : set.series) {
    hash = fnv1a(s.id.data(), s.id.size() + 1, hash);  // with its terminating NUL: "ab","c" is not "a","bc"
    hash = values_and_times_hash(s, hash);
  }
  return hash;
}

}  // namespace

void fit_global(const Config& config, SeriesSet set, const PanelFitOptions& options, PanelFitOutcome& outcome) {
  Dataset dataset = prepare_dataset(std::move(set), config.data);
  for (std::size_t i = 0; i < dataset.source.series.size(); ++i) {  // one model: a value it cannot take fails it
    const Series& s = dataset.source.series[i];
    try {
      check_panel_series(s, dataset.splits[i], config, dataset.source.source);
    } catch (const InputError& e) {
      throw InputError(e.file(), e.line(), e.column(), "series " + quoted_id(s.id) + ": " + e.message());
    }
  }
  const Series& first = dataset.source.series.front();
  const long inputs = static_cast<long>(first.columns.size());
  const long outputs = static_cast<long>(config.data.horizon) * first.n_targets;
  Rng rng(config.training.seed);
  Model<float> model(inputs, outputs, config.model);
  model.init(rng);
  Trainer trainer(model, config.training, rng);
  if (options.parallel.ranks > 1) trainer.set_data_parallel(options.parallel);
  const WindowSet* validation = dataset.validation.empty() ? nullptr : &dataset.validation;
  try {
    outcome.result = trainer.run(dataset.train, validation, options.on_epoch);
  } catch (const DivergedError& e) {
    outcome.diverged = e.what();  // the trainer restored the best weights so far
    outcome.result = trainer.result_so_far();
  }
  outcome.stopped = outcome.result.stopped_by_callback;
  outcome.train_windows = dataset.train.size();
  outcome.validation_windows = dataset.validation.size();
  PanelCheckpoint& checkpoint = outcome.checkpoint;
  checkpoint.model = model;
  for (const auto& report : outcome.result.history)
    checkpoint.history.push_back({report.epoch, report.train_loss, report.val_loss, report.lr});
  checkpoint.best_epoch = outcome.result.best_epoch;
  const auto& series = dataset.source.series;
  for (std::size_t i = 0; i < series.size(); ++i)
    checkpoint.series.push_back(panel_series_of(series[i], dataset.scalers[i], config.data.look_back, dataset.splits[i]));
  outcome.reports.resize(series.size());
  const int threads = use_threads(config.training.threads);
  parallel_for_each(static_cast<long>(series.size()), threads, [&](long i) {
    const auto index = static_cast<std::size_t>(i);
    SeriesFitReport& report = outcome.reports[index];
    report.id = series[index].id;
    report.epochs = trainer.epoch();
    report.best_epoch = checkpoint.best_epoch;
    // After a divergence the trainer restored the best weights so far: those are the checkpoint's,
    // and their combination and intervals are chosen on them, as fit() does for one series.
    if (validation == nullptr || checkpoint.best_epoch == 0) return;
    const Split& split = dataset.splits[index];
    Checkpoint view = checkpoint.view(index);
    report.validation = calibrate_on_validation(view, series[index].values, split.train_end, split.val_end, 1);
    checkpoint.series[index].combination = std::move(view.combination);
    checkpoint.series[index].intervals = std::move(view.intervals);
  });
}

// ---- JSON ----

json series_item_json(const PanelCheckpoint& checkpoint, const PanelSeries& s) {
  ColumnsInfo columns = checkpoint.columns;
  columns.frequency = s.frequency;
  columns.month_day = s.month_day;
  json item = {{"id", s.id},
               {"frequency", frequency_to_json(s.frequency, s.month_day)},
               {"scaler", s.scaler.to_json()},
               {"data_tail", data_tail_to_json(s.data_tail, columns)}};
  if (!s.combination.empty()) item["combination"] = combination_to_json(s.combination);
  if (!s.intervals.empty()) item["intervals"] = intervals_to_json(s.intervals);
  if (s.held_out_rows) item["held_out_rows"] = *s.held_out_rows;
  if (s.model) {
    item["state_dict"] = s.model->state_dict_json();
    item["training"] = {{"best_epoch", s.best_epoch},
                        {"epochs", s.epochs},
                        {"best_val_loss", std::isfinite(s.best_val_loss) ? json(s.best_val_loss) : json(nullptr)}};
  }
  return item;
}

}  // namespace


// ---- checkpoint ----

long PanelCheckpoint::find(const std::string& id) const {
  const auto it = std::lower_bound(series.begin(), series.end(), id,
                                   [](const PanelSeries& s, const std::string& key) { return s.id < key; });
  return it != series.end() && it->id == id ? static_cast<long>(it - series.begin()) : -1;
}

const PanelCheckpoint::LeftOut* PanelCheckpoint::find_left_out(const std::string& id) const {
  const auto it = std::lower_bound(left_out.begin(), left_out.end(), id,
                                   [](const LeftOut& l, const std::string& key) { return l.id < key; });
  return it != left_out.end() && it->id == id ? &*it : nullptr;
}

Checkpoint PanelCheckpoint::view(std::size_t i) const {
  const PanelSeries& s = series.at(i);
  const Model<float>* weights = s.model ? &*s.model : model ? &*model : nullptr;
  if (weights == nullptr) throw Error("PanelCheckpoint::view: series " + s.id + " has no model");
  return make_view(config, columns, s, *weights);
}

namespace {

// The series a block of the checkpoint writer (below) holds as text: about 64 MiB of weights at 16
// bytes a number (13-16 written), 256 at most, but one a thread at least. A fixed 256 held 3.5 GB
// of text for --hidden 512, which the memory estimate did not count (a review).
long series_per_write_block(std::uint64_t numbers_per_series, int threads) {
  constexpr std::uint64_t kBlockBytes = std::uint64_t{64} << 20;
  const std::uint64_t fit = kBlockBytes / (16 * std::max<std::uint64_t>(numbers_per_series, 1));
  return std::max<long>(std::max(threads, 1), static_cast<long>(std::min<std::uint64_t>(fit, 256)));
}

// The weights of one series in a many-series checkpoint (none in a global one, whose model is written once).
std::uint64_t numbers_per_series(const Config& config, long inputs, long targets) {
  if (config.training.mode == TrainingMode::global) return 0;
  return parameter_count(config.model, inputs, static_cast<long>(config.data.horizon) * targets);
}

}  // namespace

// Writes the checkpoint through `append`: the top-level keys as one JSON tree with a placeholder for
// the series, which are serialised a block at a time (in parallel) and spliced in, so the panel never
// exists as one JSON tree or one string: memory holds one block of series texts. The result is
// exactly checkpoint_layout of the full tree (a test checks it).
void write_panel_checkpoint(const PanelCheckpoint& checkpoint, const AppendText& append) {
  json out = json::object();
  out["format"] = kCheckpointFormat;
  out["version"] = kPanelCheckpointVersion;
  out["tool_version"] = LSTMF_VERSION;
  out["config"] = to_json(checkpoint.config);
  out["columns"] = columns_to_json(checkpoint.columns);
  out["history"] = history_to_json(checkpoint.history, checkpoint.best_epoch);
  if (checkpoint.model) out["state_dict"] = checkpoint.model->state_dict_json();
  out["shard"] = checkpoint.shard ? json{{"index", checkpoint.shard->index}, {"count", checkpoint.shard->count}}
                                  : json(nullptr);
  if (!checkpoint.left_out.empty()) {
    json left_out = json::array();
    for (const auto& l : checkpoint.left_out) {
      left_out.push_back({{"id", l.id}, {"reason", l.reason}});
      if (l.diverged) left_out.back()["diverged"] = true;
    }
    out["left_out"] = std::move(left_out);
  }
  refuse_non_finite(out, "");
  out["series"] = nullptr;
  const std::string text = checkpoint_layout(out) + "\n";
  // The top-level key, found by its line: a raw line break, one space and a quote begin only a
  // top-level key in that layout (strings hold line breaks escaped), so no value of the user's
  // (a path or column named like the placeholder) can be taken for it.
  constexpr std::string_view kKey = "\n \"series\": ";
  constexpr std::string_view kPlaceholder = "null";
  const auto at = text.find(kKey) + kKey.size();
  append(text.substr(0, at));
  const long count = static_cast<long>(checkpoint.series.size());
  if (count == 0) append("[]");
  const int threads = use_threads(0);
  const long block = series_per_write_block(
      numbers_per_series(checkpoint.config,
                         static_cast<long>(checkpoint.columns.targets.size() + checkpoint.columns.features.size()),
                         static_cast<long>(checkpoint.columns.targets.size())),
      threads);
  std::vector<std::string> items;
  for (long first = 0; first < count; first += block) {
    const long size = std::min(block, count - first);
    items.assign(static_cast<std::size_t>(size), std::string());
    parallel_for_each(size, threads, [&](long i) {
      const auto index = static_cast<std::size_t>(first + i);
      const json item = series_item_json(checkpoint, checkpoint.series[index]);
      refuse_non_finite(item, "series[" + std::to_string(index) + "]");
      items[static_cast<std::size_t>(i)] =
          (first + i == 0 ? "[\n  " : "  ") + checkpoint_layout(item, 2) + (first + i + 1 < count ? ",\n" : "\n ]");
    });
    for (const auto& item : items) append(item);
  }
  append(text.substr(at + kPlaceholder.size()));
}

std::string panel_checkpoint_text(const PanelCheckpoint& checkpoint) {
  std::string text;
  write_panel_checkpoint(checkpoint, [&](const std::string& piece) { text += piece; });
  return text;
}

void save_panel_checkpoint(const std::string& path, const PanelCheckpoint& checkpoint) {
  write_atomically_streamed(path, [&](const AppendText& append) { write_panel_checkpoint(checkpoint, append); });
}

namespace {

// A shard's file holds only the series its hash gives it (--shard K/N): another's is a file edited
// or assembled by hand, whose forecasts merge and the data would disagree on.
std::string not_of_shard(const std::string& where, const std::string& id, const Shard& shard) {
  return where + ": series " + quoted_id(id) + " is not of shard " + shard.text() +
         ", which it says it is (--shard K/N splits by a hash of the id): not a file train wrote";
}

}  // namespace

PanelCheckpoint panel_checkpoint_from_json(const json& root, const std::string& source, const std::vector<std::size_t>& file_index,
                                           const std::optional<std::pair<std::size_t, std::string>>& disorder) {
  try {
    const long version = read_format_version(root, kPanelCheckpointVersion);
    if (version < 2) bad("a 'series' section needs format version 2, the file says " + std::to_string(version));
    PanelCheckpoint checkpoint;
    // Keys a file may lack (config.hpp optional_in_checkpoint) mean what files older than them
    // meant, as for one series (checkpoint.cpp).
    checkpoint.config.data.seasonal_adjust = SeasonalAdjust::none;
    checkpoint.config.training.refit = Toggle::off;
    checkpoint.config.training.combine = Toggle::off;
    checkpoint.config.training.theta_weight = 0;
    try {
      apply_json(checkpoint.config, member(root, "config", ""), "config");
    } catch (const InputError& e) {
      bad(e.message().empty() ? e.what() : "config: " + e.message());
    }
    const Config& config = checkpoint.config;
    const std::string missing = missing_config_key(config, version);
    if (!missing.empty()) bad(missing + " is missing: a checkpoint's config holds every key, as trained");
    if (config.data.series_column.empty()) bad("config.data.series_column is empty, but the file has a 'series' section");
    if (config.model.ensemble != 1) bad("config: a many-series checkpoint has model.ensemble 1");
    if (config.data.seasonal_adjust != SeasonalAdjust::none) bad("config: a many-series checkpoint has data.seasonal_adjust none");
    const std::string unresolved = unresolved_keys(config);
    if (!unresolved.empty()) bad("config: a checkpoint holds resolved settings, but " + unresolved + " is still 'chosen from the data'");
    checkpoint.columns = columns_from_json(member(root, "columns", ""), config);
    const long inputs = static_cast<long>(checkpoint.columns.targets.size() + checkpoint.columns.features.size());
    const long outputs = static_cast<long>(config.data.horizon) * static_cast<long>(checkpoint.columns.targets.size());
    const bool global = checkpoint.global();
    if (global) {
      check_state_dict_size(member(root, "state_dict", ""), config.model, inputs, outputs, "state_dict");
      checkpoint.model.emplace(inputs, outputs, config.model);
      checkpoint.model->load_state_dict(member(root, "state_dict", ""), "state_dict");
    } else if (root.contains("state_dict")) {
      bad("state_dict: a per-series checkpoint keeps its weights in each series, not at the top");
    }
    HistoryRead history = read_history(root);
    checkpoint.history = std::move(history.epochs);
    checkpoint.best_epoch = history.best_epoch;
    const auto shard = root.find("shard");
    if (shard != root.end() && !shard->is_null()) {
      Shard s;
      s.count = static_cast<int>(read_integer(*shard, "count", "shard", 1, std::numeric_limits<int>::max()));
      s.index = static_cast<int>(read_integer(*shard, "index", "shard", 0, s.count - 1));
      checkpoint.shard = s;
    }
    if (const auto left_out = root.find("left_out"); left_out != root.end()) {
      if (!left_out->is_array()) bad("left_out must be an array of {\"id\", \"reason\"}");
      for (std::size_t i = 0; i < left_out->size(); ++i) {
        const std::string where = "left_out[" + std::to_string(i) + "]";
        PanelCheckpoint::LeftOut l{read_string((*left_out)[i], "id", where), read_string((*left_out)[i], "reason", where)};
        if (const auto diverged = (*left_out)[i].find("diverged"); diverged != (*left_out)[i].end()) {
          if (!diverged->is_boolean()) bad(where + ".diverged must be true or false");
          l.diverged = diverged->get<bool>();
        }
        if (l.id.empty()) bad(where + ".id is empty: every series has an id");
        if (!checkpoint.left_out.empty() && !(checkpoint.left_out.back().id < l.id))
          bad(where + ".id " + quoted_id(l.id) + " is out of order or repeated (sorted by id)");
        if (checkpoint.shard && !checkpoint.shard->contains(l.id)) bad(not_of_shard(where, l.id, *checkpoint.shard));
        checkpoint.left_out.push_back(std::move(l));
      }
    }
    const json& items = member(root, "series", "");
    if (!items.is_array()) bad("series must be an array");
    // Positions in the file: a selective load (any_checkpoint) dropped the series not picked.
    const bool mapped = file_index.size() == items.size();
    const auto out_of_order = [&] {
      bad("series[" + std::to_string(disorder->first) + "].id " + quoted_id(disorder->second) +
          " is out of order or repeated (series are sorted by id)");
    };
    for (std::size_t i = 0; i < items.size(); ++i) {
      const json& item = items[i];
      if (disorder && disorder->first <= (mapped ? file_index[i] : i)) out_of_order();
      std::string where = "series[" + std::to_string(mapped ? file_index[i] : i) + "]";
      const json& id = member(item, "id", where);
      if (!id.is_string()) bad(where + ".id must be a string, got " + id.dump());
      PanelSeries s;
      s.id = id.get<std::string>();
      // An id comes from a CSV field, which holds no NUL byte (a forecast written with one is binary).
      if (s.id.find('\0') != std::string::npos) bad(where + ".id " + quoted_id(s.id) + " holds a NUL byte");
      // train refuses a row without an id, and --series could not pick this one (a review).
      if (s.id.empty()) bad(where + ".id is empty: every series trained has an id");
      if (!checkpoint.series.empty() && !(checkpoint.series.back().id < s.id))
        bad(where + ".id " + quoted_id(s.id) + " is out of order or repeated (series are sorted by id)");
      if (checkpoint.find_left_out(s.id) != nullptr)
        bad(where + ".id " + quoted_id(s.id) + " is in left_out too: a series is trained or left out, not both");
      if (checkpoint.shard && !checkpoint.shard->contains(s.id)) bad(not_of_shard(where, s.id, *checkpoint.shard));
      where += " (" + quoted_id(s.id) + ")";
      frequency_from_json(member(item, "frequency", where), where + ".frequency", s.frequency, s.month_day);
      if (s.frequency.unit == Frequency::Unit::none && !checkpoint.columns.time_column.empty())
        bad(where + ".frequency.unit is 'none', but there is a time column: its frequency is needed to continue the times");
      check_frequency_fits(s.frequency, checkpoint.columns.time_format, where + ".frequency");
      s.scaler = MinMaxScaler::from_json(member(item, "scaler", where), where + ".scaler");
      if (s.scaler.lo() != config.data.scale_min || s.scaler.hi() != config.data.scale_max)
        bad(where + ".scaler.feature_range disagrees with config.data.scale_min and scale_max");
      if (s.scaler.columns() != inputs)
        bad(where + ".scaler has " + count_of(s.scaler.columns(), "column") + ", the config names " + std::to_string(inputs));
      ColumnsInfo columns = checkpoint.columns;
      columns.frequency = s.frequency;
      columns.month_day = s.month_day;  // as series_item_json wrote the tail: month ends beside 1sts
      const json& tail = member(item, "data_tail", where);  // its own message names the key: not in the try
      try {
        s.data_tail = data_tail_from_json(tail, columns, config.data.look_back);
      } catch (const InputError& e) {
        bad(where + "." + e.message());
      }
      s.best_val_loss = std::numeric_limits<double>::quiet_NaN();
      if (item.contains("held_out_rows")) {
        s.held_out_rows = read_integer(item, "held_out_rows", where, 0, std::numeric_limits<int>::max());
        if (*s.held_out_rows > 0 && !s.data_tail.ticks.empty()) try {  // evaluate dates the last row trained on from it
            (void)columns.time_index().advance(s.data_tail.ticks.back(), -*s.held_out_rows);
          } catch (const InputError&) {
            bad(where + ".held_out_rows " + std::to_string(*s.held_out_rows) +
                " steps before the data tail's last time lie before the supported range of times");
          }
      }
      // A version 2 file may hold them too: builds of 2026-12-04 from 20:23 to 21:43 (UTC) wrote
      // each series' combination and intervals before the version said so (524cf4f). They read as
      // version 3 reads them (a compatibility check against those builds: the same forecasts).
      if (item.contains("combination")) {
        if (config.training.combine != Toggle::on) bad(where + ".combination is present but config.training.combine is not true");
        s.combination = combination_from_json(item["combination"], config, checkpoint.columns.targets.size(), where + ".combination");
      }
      if (item.contains("intervals"))
        s.intervals = intervals_from_json(item["intervals"], outputs, where + ".intervals");
      // train chooses the combination on the windows that calibrate the intervals, as for one series.
      if (config.training.combine == Toggle::on && !s.intervals.empty() && s.combination.empty())
        bad(where + " has intervals from " + std::to_string(s.intervals.windows) +
            " validation windows and config.training.combine is true, but no combination (the weights chosen on those windows)");
      if (!global) {
        check_state_dict_size(member(item, "state_dict", where), config.model, inputs, outputs, where + ".state_dict");
        s.model.emplace(inputs, outputs, config.model);
        s.model->load_state_dict(member(item, "state_dict", where), where + ".state_dict");
        const json& training = member(item, "training", where);
        s.best_epoch = static_cast<int>(read_integer(training, "best_epoch", where + ".training", 0, std::numeric_limits<int>::max()));
        s.epochs = static_cast<int>(read_integer(training, "epochs", where + ".training", 0, std::numeric_limits<int>::max()));
        s.best_val_loss = read_number_or_null(member(training, "best_val_loss", where + ".training"), where + ".training.best_val_loss");
      } else if (item.contains("state_dict")) {  // the top's weights would forecast it, these be ignored
        bad(where + ".state_dict: a global checkpoint keeps its one model's weights at the top, not in each series");
      }
      checkpoint.series.push_back(std::move(s));
    }
    if (disorder) out_of_order();
    return checkpoint;
  } catch (const InputError& e) {
    throw InputError(source, 0, 0, e.message().empty() ? e.what() : e.message());
  }
}

namespace {

constexpr int kMaxCheckpointDepth = 64;

// load_any_checkpoint from `read` (skip, filter -> the parsed document) of `source`.
AnyCheckpoint any_checkpoint(const std::string& source, const SeriesSelection& selection, bool keep_optimizer_state,
                             const std::function<json(const std::vector<std::string>&, const JsonFilter&, const JsonItemSkip*)>& read) {
  // Filters while parsing: drops the optimizer state unless asked for, and the series that the
  // selection does not pick (their state_dict and intervals as soon as the key is read, the rest when the series
  // ends). Depths: 1 = top-level keys, 2 = a series object, 3 = its keys.
  std::string top_key;
  bool expect_id = false, keep_series = true;
  std::size_t seen = 0;                  // series objects begun
  std::vector<std::size_t> kept;         // the file positions of the series kept, for messages
  // The order of every series' id, which the reader checks among the series kept alone: an id out
  // of order was found by a full read only (a fuzz).
  std::string last_id;
  std::optional<std::pair<std::size_t, std::string>> disorder;  // the first: position, id
  const json::parser_callback_t filter = [&](int depth, json::parse_event_t event, json& parsed) {
    const bool in_series = top_key == "series";
    switch (event) {
      case json::parse_event_t::key:
        if (depth == 1) {
          top_key = parsed.get<std::string>();
          return true;
        }
        if (depth == 3 && in_series) {
          const std::string& key = parsed.get_ref<const std::string&>();
          // An id that was an object or an array (no scalar came): the series is kept, so that the
          // reader refuses it, as a full read does (it was dropped, and the next string taken for
          // its id; a fuzz).
          if (expect_id) expect_id = false, keep_series = true;
          if (key == "id") expect_id = true;
          if (key == "state_dict" || key == "intervals") return keep_series;  // the large parts, after `id`
        }
        return true;
      case json::parse_event_t::value:
        if (depth == 3 && in_series && expect_id) {
          expect_id = false;
          if (parsed.is_string()) {
            const std::string& id = parsed.get_ref<const std::string&>();
            keep_series = selection.selects(id);
            if (seen > 1 && !(last_id < id) && !disorder) disorder.emplace(seen - 1, id);
            last_id = id;
          }
        }
        return true;
      case json::parse_event_t::object_start:
        if (depth == 2 && in_series) keep_series = true, expect_id = false, ++seen;
        return true;
      case json::parse_event_t::object_end:
        if (depth == 2 && in_series && expect_id) expect_id = false, keep_series = true;  // an id, last, that was no scalar
        if (depth == 2 && in_series && keep_series) kept.push_back(seen - 1);
        return depth == 2 && in_series ? keep_series : true;
      default:
        return true;
    }
  };
  // Parsed from the mapped file with the filter, so no unselected series' weights are ever built.
  const std::vector<std::string> skip =
      keep_optimizer_state ? std::vector<std::string>{} : std::vector<std::string>{"optimizer_state"};
  // An unselected series' weights and intervals are not even parsed (io.hpp JsonItemSkip): the
  // filter above would drop them, but parsing them took 97% of the time.
  JsonItemSkip unselected{"series", "id", {"state_dict", "intervals"}, [&](std::string_view id) { return selection.selects(std::string(id)); }};
  json root = read(skip, filter, selection.everything() ? nullptr : &unselected);
  const ReleaseWithoutAllocating release(root);
  AnyCheckpoint loaded;
  if (root.is_object() && root.contains("series")) {
    loaded.panel = panel_checkpoint_from_json(root, source, kept, disorder);
    std::vector<std::string> missing;
    for (const auto& id : selection.ids)
      if (selection.shard.contains(id) && loaded.panel->find(id) < 0) missing.push_back(id);
    // One training left out (it diverged, or its values were refused) is named with why.
    if (missing.size() == 1)
      if (const PanelCheckpoint::LeftOut* left_out = loaded.panel->find_left_out(missing.front()))
        throw InputError(source, 0, 0, "series " + quoted_id(left_out->id) + " is not in this checkpoint: training left it out: " +
                                           left_out->reason + selection.listed_at(missing));
    if (!missing.empty()) {
      // Training records the series it left out, not those it skipped as too short: said, so that
      // a series of the training file is not taken for a typo (a scale audit).
      const std::string hint = selection.comma_hint(missing);
      throw InputError(source, 0, 0,
                       "no series " + quoted_ids(missing) + " in this checkpoint" +
                           (!hint.empty() ? hint
                                          : " (training skips a series too short for one window without recording it: "
                                            "inspect on the training data lists those)") +
                           selection.listed_at(missing));
    }
    return loaded;
  }
  if (!selection.everything())
    throw InputError(source, 0, 0, "--series, --series-file and --shard pick series of a many-series checkpoint; this one holds one series");
  loaded.single = checkpoint_from_json(root, source);
  return loaded;
}

}  // namespace

AnyCheckpoint load_any_checkpoint(const std::string& path, const SeriesSelection& selection, bool keep_optimizer_state) {
  return any_checkpoint(source_name(path), selection, keep_optimizer_state,
                        [&](const std::vector<std::string>& skip, const JsonFilter& filter, const JsonItemSkip* items) {
                          return read_json_file(path, kMaxCheckpointDepth, skip, filter, kLargeJsonFile, items);
                        });
}

AnyCheckpoint parse_any_checkpoint(const std::string& text, const std::string& source, const SeriesSelection& selection,
                                   bool keep_optimizer_state) {
  return any_checkpoint(source, selection, keep_optimizer_state,
                        [&](const std::vector<std::string>& skip, const JsonFilter& filter, const JsonItemSkip* items) {
                          return parse_json(text, source, kMaxCheckpointDepth, skip, filter, items);
                        });
}

// ---- training ----

PanelFitOutcome fit_panel(const Config& config, const PanelFitOptions& options) {
  if (config.data.series_column.empty()) throw InputError("many-series training needs data.series_column (--series-column COL)");
  // One model's share, before the file is read (as far as the config fixes it): the whole job is
  // checked once the series are known (check_panel_memory).
  check_model_memory(config, 1);
  DataConfig data = config.data;
  std::string unread;
  // Series with an empty column skipped, as inspect reads them; the values of series not selected
  // are not read (a missing value there fails nothing under data.missing error).
  const SeriesSelection& selection = options.selection;
  SeriesSet set = load_training_series(data, nullptr, &unread, [&](const std::string& id) { return selection.selects(id); });
  const std::string rows_dropped = dropped_rows_note(set);
  PanelFitOutcome outcome = fit_panel(config, std::move(set), options);
  outcome.rows_dropped = rows_dropped;
  outcome.time_column_unread = unread;
  return outcome;
}

CombinationTally tally_combinations(const PanelCheckpoint& checkpoint) {
  CombinationTally tally;
  for (const PanelSeries& s : checkpoint.series) {
    if (s.combination.empty()) {
      ++tally.unchosen;
      continue;
    }
    const auto& w = s.combination.weights.front();
    if (w[0] == 0) ++tally.baseline;
    else if (w[1] > 0 || w[2] > 0) ++tally.mean;
    else ++tally.model;
    if (w[3] > 0) ++tally.theta;
  }
  return tally;
}

void check_panel_series(const Series& series, const Split& split, const Config& config, const std::string& source) {
  check_changes_in_training(series, split, source);
  check_spread(series, split.train_end, source);
  check_in_training_range(series, split.train_end, source);
  check_forecastable_times(series.time, config.data.horizon, config.is_given("data.horizon"), source);
}

std::vector<SkippedSeries> refused_series(const SeriesSet& set, const Config& config) {
  const DataConfig& data = config.data;
  std::vector<SkippedSeries> refused;
  for (const Series& series : set.series) try {
      check_panel_series(series,
                         split_rows(series.rows(), data.val_fraction, data.test_fraction, data.look_back, data.horizon, set.source),
                         config, set.source);
    } catch (const InputError& e) {
      refused.push_back({series.id, e.message()});
    }
  return refused;
}

void PanelCheckpoint::take_first_series_frequency() {
  if (series.empty()) return;
  columns.frequency = series.front().frequency;
  columns.month_day = series.front().month_day;
  columns.seasonal_period = std::max(1, series.front().frequency.seasonal_period());
}

// Keeps the series long enough for one window (panel.hpp).
SeriesSet drop_short_series(SeriesSet set, const DataConfig& data, std::vector<SkippedSeries>& skipped) {
  if (data.strict && !set.empty.empty())
    throw InputError(set.source, 0, 0,
                     "series " + quoted_id(set.empty.front().first) + ": " + set.empty.front().second +
                         " (data.strict is set: such a series is refused, not skipped)");
  for (auto& [id, reason] : set.empty) skipped.push_back({id, std::move(reason)});
  set.empty.clear();
  std::vector<Series> kept;
  for (Series& series : set.series) {
    try {
      split_rows(series.rows(), data.val_fraction, data.test_fraction, data.look_back, data.horizon, "the series");
      kept.push_back(std::move(series));
    } catch (const InputError& e) {
      if (data.strict)
        throw InputError(set.source, series.first_line, 0,
                         "series " + quoted_id(series.id) + ": " + e.message() + " (data.strict is set)");
      skipped.push_back({series.id, e.message()});
    }
  }
  set.series = std::move(kept);
  return set;
}

MemoryEstimate estimate_panel_memory(const Config& config, const SeriesSet& set) {
  MemoryEstimate need;
  if (set.series.empty()) return need;
  const Series& first = set.series.front();
  const long inputs = static_cast<long>(first.columns.size());
  const long targets = first.n_targets;
  long longest = 0, rows = 0;
  for (const Series& s : set.series) longest = std::max(longest, s.rows()), rows += s.rows();
  const int threads = use_threads(config.training.threads);
  const auto series = static_cast<std::uint64_t>(set.series.size());
  const auto workers = static_cast<std::uint64_t>(std::min<long>(threads, static_cast<long>(series)));
  const MemoryEstimate one = estimate_training_memory(config, inputs, targets, longest, 1);
  // The validation windows are forecast a series at a time on each thread (in both modes): the
  // longest series' on every worker, not every row's at once (a review: a global run of 100
  // series was refused for 27 GiB that one of 40 series did in 559 MB).
  if (config.training.mode == TrainingMode::global) {
    need = estimate_training_memory(config, inputs, targets, rows, threads);
    need.validation = saturating_mul(one.validation, workers);
    return need;
  }
  // Per series: `workers` series train side by side, one thread each, and every trained model is
  // kept (float weights) until the checkpoint is written, a block of series at a time.
  const std::uint64_t params = parameter_count(config.model, inputs, static_cast<long>(config.data.horizon) * targets);
  need.model = saturating_add(saturating_mul(one.model, workers), saturating_mul(saturating_mul(params, series), sizeof(float)));
  need.activations = saturating_mul(one.activations, workers);
  need.data = saturating_add(saturating_mul(one.data, workers), saturating_mul(static_cast<std::uint64_t>(rows * inputs), sizeof(double)));
  // The writer holds a block of series texts (series_per_write_block), and each of its threads
  // one series' JSON tree (16 bytes a number, 32 with the vectors' slack): `params` numbers a series.
  const int writers = use_threads(0);
  const auto block = static_cast<std::uint64_t>(std::min<long>(series_per_write_block(params, writers),
                                                              static_cast<long>(series)));
  const auto trees = std::min<std::uint64_t>(static_cast<std::uint64_t>(writers), block);
  need.checkpoint = saturating_add(one.checkpoint, saturating_add(saturating_mul(saturating_mul(block, params), 16),
                                                                  saturating_mul(saturating_mul(trees, params), 32)));
  need.overhead = one.overhead;
  need.validation = saturating_mul(one.validation, workers);
  return need;
}

// Epochs of a many-series run that leaves them to the recipe (README "Many-series benchmarks").
constexpr int kPanelEpochs = 100;

Config resolve_panel_recipe(const Config& given, const SeriesSet& source) {
  Config config = given;
  DataConfig& data = config.data;
  if (data.seasonal_adjust == SeasonalAdjust::automatic) data.seasonal_adjust = SeasonalAdjust::none;
  if (data.seasonal_adjust != SeasonalAdjust::none)
    throw InputError("data.seasonal_adjust " + to_string(data.seasonal_adjust) +
                     " is not supported with data.series_column (set it to none or auto)");
  if (config.model.ensemble == 0) config.model.ensemble = 1;
  if (config.model.ensemble != 1)
    throw InputError("model.ensemble must be 1 with data.series_column: many-series training has no ensembles");
  if (config.training.refit == Toggle::on) throw InputError("training.refit is not supported with data.series_column");
  config.training.refit = Toggle::off;
  // As for one series (recipe.hpp): the combination where the epochs are the recipe's and there is
  // a validation tail to choose it on.
  if (config.training.combine == Toggle::automatic) config.training.combine = recipe_toggle(config, data);
  if (data.season == 0) {
    // The file's first series by id with a value in every column, read or not (SeriesSet::unread;
    // one whose times form no index would fail a whole-file run, and gives none), whose times show
    // its step (one row shows only its form's: a stray row's "daily" set a monthly file's season
    // to 7, a hunt): the same season for every selection and shard of the file. Without one (no
    // time column), the first series.
    const auto stepped = std::find_if(source.series.begin(), source.series.end(),
                                      [](const Series& s) { return s.time.ticks.size() >= 2; });
    const auto usable = [](const SeriesSet::Unread& u) { return !u.empty_column && u.indexed; };
    auto unread = std::find_if(source.unread.begin(), source.unread.end(), [&](const auto& u) { return usable(u) && u.stepped; });
    const Series* first = stepped != source.series.end() ? &*stepped : nullptr;
    if (first == nullptr && unread == source.unread.end()) {
      first = source.series.empty() ? nullptr : &source.series.front();
      unread = std::find_if(source.unread.begin(), source.unread.end(), usable);
    }
    Frequency frequency;
    if (first != nullptr && (unread == source.unread.end() || first->id < unread->id))
      frequency = first->time.frequency;
    else if (unread != source.unread.end())
      frequency = unread->frequency;
    data.season = std::max(1, frequency.seasonal_period());
  }
  if (data.look_back == 0) data.look_back = recipe_look_back(data.season, data.horizon);
  // Windows relative to the season a look-back back (the last value without a season, or with a
  // look-back shorter than one): min-max alone caps a trending series near its training maximum
  // (README "Many-series benchmarks", measured on 29 real series).
  if (data.normalise == Normalise::automatic)
    data.normalise = data.season > 1 && data.look_back >= data.season ? Normalise::season : Normalise::last;
  if (config.training.epochs == 0) config.training.epochs = kPanelEpochs;
  check_resolved(given, config, source.source);  // a look-back given shorter than the data's season
  return config;
}

void refuse_no_series(const SeriesSet& set, const std::vector<SkippedSeries>& skipped, int recipe_look_back) {
  if (!set.series.empty()) return;
  // The look-back left to the recipe is one for the season (2m) whatever the series' lengths: a
  // file of short series is skipped whole, where a shorter look-back given would train them.
  const std::string hint = recipe_look_back > 0 ? "; look-back " + std::to_string(recipe_look_back) +
                                                      " is the recipe's for the season: --look-back N sets a shorter one"
                                                : "";
  throw InputError(set.source, 0, 0,
                   skipped.empty() ? std::string("no series selected")
                   : skipped.size() == 1
                       ? "no series to train: the one selected was skipped (series " + quoted_id(skipped.front().id) + ": " +
                             skipped.front().reason + ")" + hint
                       : "no series to train: all " + std::to_string(skipped.size()) + " selected were skipped (the first, series " +
                             quoted_id(skipped.front().id) + ": " + skipped.front().reason + ")" + hint);
}

PanelFitOutcome fit_panel(const Config& given, SeriesSet source, const PanelFitOptions& options) {
  // Data-parallel processes each sum their slice of every batch: one with other data or settings
  // would train on mismatched sums, or wait for a sum the others never make (or, its shard empty,
  // leave them waiting). Checked first, by every process alike.
  if (options.parallel.ranks > 1 && options.parallel.same && !options.parallel.same(shared_fingerprint(given, source)))
    throw ProcessesDisagree("the " + std::to_string(options.parallel.ranks) +
                            " MPI processes did not read the same series or settings (flags, config, or the data "
                            "file's rows): each must read the same file with the same settings to train one model");
  const Config config = resolve_panel_recipe(given, source);
  PanelFitOutcome outcome;
  SeriesSet selected = select_series(std::move(source), options.selection);
  // A shard of N holding none of the series, or only series that training skips (too short, a
  // column without values), trains nothing and fails nothing: one run over the whole file skips
  // them too. Without shards, nothing to train is an error.
  const bool sharded = options.selection.shard_of_split();
  // Series asked for (--series, --series-file) of which none falls in the shard: nothing to train
  // and nothing failed, as predict and evaluate say of the same selection, so that a split run
  // given a list (examples/parallel.sh ... --series-file ids.txt) goes through its other shards
  // (it failed with "no series selected", a hunt).
  if (options.selection.shard.count > 1 && !options.selection.ids.empty() && selected.series.empty() && selected.empty.empty()) {
    outcome.empty_shard = true;
    return outcome;
  }
  SeriesSet set = drop_short_series(std::move(selected), config.data, outcome.skipped);
  if (set.series.empty() && sharded) {
    outcome.empty_shard = true;
    return outcome;
  }
  refuse_no_series(set, outcome.skipped, given.data.look_back == 0 ? config.data.look_back : 0);
  // The series' values are held already; the rest is what training will take.
  std::uint64_t held = 0;
  for (const Series& s : set.series) held += static_cast<std::uint64_t>(s.values.size()) * sizeof(double);
  // The processes of one MPI run on this machine each hold the data and the model (rank 0 alone
  // writes the checkpoint), at the same time: their sum must fit.
  const auto here = static_cast<std::uint64_t>(std::max(1, options.parallel.ranks_here));
  MemoryEstimate need = estimate_panel_memory(config, set);
  for (std::uint64_t* part : {&need.data, &need.model, &need.activations, &need.overhead, &need.validation})
    *part = saturating_mul(*part, here);
  try {
    check_memory(need, held * here, available_memory());
  } catch (const MemoryError& e) {
    if (here > 1)
      throw MemoryError(std::string(e.what()) + " (for the " + std::to_string(here) +
                        " MPI processes on this machine, each holding the data and the model: or start fewer per machine)");
    if (config.training.mode == TrainingMode::global || set.series.size() < 2) throw;
    // Every trained model is held until the checkpoint is written: shards each hold their own.
    throw MemoryError(std::string(e.what()) + ", or train the series in shards (--shard K/N, one process each, then merge)");
  }
  PanelCheckpoint& checkpoint = outcome.checkpoint;
  checkpoint.config = config;
  checkpoint.columns = columns_info(config, set);
  // Each series' view (make_view) takes the period of its own frequency, and merge compares the
  // columns of shards written by every version: the panel records the first series' period, not
  // data.season.
  checkpoint.columns.seasonal_period = std::max(1, set.series.front().time.frequency.seasonal_period());
  if (options.selection.shard.count > 1) checkpoint.shard = options.selection.shard;
  if (options.parallel.ranks > 1 && config.training.mode != TrainingMode::global)
    throw InputError("several processes (MPI) train one global model: use --mode global, or --shard for per-series models");
  // Said of the series trained (a global model refuses the run for any series it cannot take).
  if (config.training.mode == TrainingMode::global) {
    outcome.last_value_jump = last_value_jump_note(set, config.data.targets);
    fit_global(config, std::move(set), options, outcome);
  } else {
    fit_per_series(config, set, options, outcome);
    // The columns' frequency is the first series trained's, as merge takes it from the shards'
    // series: the same checkpoint whether a series refused first by id was in this run or another.
    checkpoint.take_first_series_frequency();
    outcome.last_value_jump = last_value_jump_note(set, config.data.targets,
                                                   [&](const std::string& id) { return checkpoint.find(id) >= 0; });
  }
  if (given.data.season == 0)
    for (const PanelSeries& s : checkpoint.series)
      if (std::max(1, s.frequency.seasonal_period()) != config.data.season) {
        outcome.other_season = PanelFitOutcome::OtherSeason{s.id, s.frequency};
        break;
      }
  return outcome;
}

// ---- forecasting ----

SeriesSet read_panel_history(const PanelCheckpoint& checkpoint, const std::string& path, const SeriesSelection& selection) {
  const DataConfig data = history_data(checkpoint.config.data, path);
  // Each series' history is read knowing its own trained frequency. A series with a column of no
  // values is set aside as training sets it aside (the training file reads here too; under
  // data.strict too, so that an unselected one does not fail the read); one the checkpoint holds
  // is refused by history_of with the reason, another by check_history_series.
  SeriesSet set = load_series(
      data,
      [&](const std::string& id) {
        const long i = checkpoint.find(id);
        return i < 0 ? Frequency{} : checkpoint.series[static_cast<std::size_t>(i)].frequency;
      },
      true, [&](const std::string& id) { return selection.selects(id); });
  // Clock times with a UTC offset are read as written: another offset would mislabel the forecast.
  for (const Series& s : set.series) {
    const std::string offset = offset_mismatch(s.time.format, checkpoint.columns.time_format);
    if (!s.time.ticks.empty() && !offset.empty()) throw InputError(set.source, s.first_line, s.time_field, offset);
  }
  set = select_series(std::move(set), selection);
  // A series the checkpoint does not hold that training left out (PanelCheckpoint::left_out; under
  // data.strict too: a divergence is no data error) or would have skipped (too short for one window
  // with the checkpoint's settings; not under data.strict, which refuses such series) joins
  // SeriesSet::empty with its reason: the training file reads as history. Any other series the
  // checkpoint lacks is an error (check_history_series).
  std::vector<Series> kept;
  for (Series& s : set.series) {
    if (checkpoint.find(s.id) < 0) {
      if (const PanelCheckpoint::LeftOut* left_out = checkpoint.find_left_out(s.id)) {
        set.empty.emplace_back(s.id, left_out->reason);
        continue;
      }
      if (data.strict) {
        kept.push_back(std::move(s));
        continue;
      }
      try {
        split_rows(s.rows(), data.val_fraction, data.test_fraction, data.look_back, data.horizon, "the series");
      } catch (const InputError& e) {
        set.empty.emplace_back(s.id, e.message());
        continue;
      }
    }
    kept.push_back(std::move(s));
  }
  set.series = std::move(kept);
  return set;
}

SeriesSelection history_selection(const PanelCheckpoint& checkpoint, SeriesSelection asked) {
  if (asked.everything() && checkpoint.shard) asked.shard = *checkpoint.shard;
  return asked;
}

namespace {
constexpr const char* kLeftOutByTraining = "not in the checkpoint, left out by training: ";
}  // namespace

std::vector<SkippedSeries> untrained_series(const PanelCheckpoint& checkpoint, const SeriesSet& history) {
  std::vector<SkippedSeries> out;
  for (const auto& [id, reason] : history.empty) {
    if (checkpoint.find(id) >= 0) continue;
    const bool left_out = checkpoint.find_left_out(id) != nullptr;
    out.push_back({id, (left_out ? kLeftOutByTraining : "not in the checkpoint, skipped by training: ") + reason});
  }
  return out;
}

std::vector<SkippedSeries> left_out_series(const PanelCheckpoint& checkpoint, const SeriesSelection& selection) {
  std::vector<SkippedSeries> out;
  for (const auto& l : checkpoint.left_out)
    if (selection.selects(l.id)) out.push_back({l.id, kLeftOutByTraining + l.reason});
  return out;
}

namespace {

// Series `id` of `set` (ordered by id), or nullptr.
const Series* find_series(const SeriesSet& set, const std::string& id) {
  const auto it = std::lower_bound(set.series.begin(), set.series.end(), id,
                                   [](const Series& series, const std::string& key) { return series.id < key; });
  return it != set.series.end() && it->id == id ? &*it : nullptr;
}

History history_of(const PanelCheckpoint& checkpoint, std::size_t index, const SeriesSet* set,
                   const std::string& model_path = "") {
  const PanelSeries& s = checkpoint.series[index];
  if (set == nullptr)
    return History{s.data_tail.values, s.data_tail.ticks,
                   (model_path.empty() ? std::string("checkpoint") : source_name(model_path)) + " (data_tail of series " +
                       quoted_id(s.id) + ")"};
  const Series* it = find_series(*set, s.id);
  if (it == nullptr) {
    for (const auto& [id, reason] : set->empty)
      if (id == s.id) throw InputError(set->source, 0, 0, "series " + quoted_id(s.id) + " of the checkpoint: " + reason);
    throw InputError(set->source, 0, 0,
                     "series " + quoted_id(s.id) + " of the checkpoint has no rows here: give its history, or pick the "
                     "series the file holds (--series ID[,ID], or --shard)");
  }
  const Frequency& found = it->time.frequency;
  // (A weekend time in a business-day series' history was refused at its line by load_series.)
  if (!continues_frequency(s.frequency, it->time))
    throw InputError(set->source, it->first_line, 0,
                     "series " + quoted_id(s.id) + " is " + found.name() + " but was trained on " + s.frequency.name() + " data");
  History history{it->values, it->time.ticks, set->source + ": series " + quoted_id(s.id)};
  TimeIndex model = checkpoint.columns.time_index();
  model.frequency = s.frequency;
  model.month_day = s.month_day;
  try {  // named as the file's line, the series said in the message
    place_on_model_grid(model, s.data_tail.ticks, history.ticks, it->time.format, set->source, it->first_line, it->time_field);
  } catch (const InputError& e) {
    throw InputError(set->source, e.line(), e.column(), "series " + quoted_id(s.id) + ": " + e.message());
  }
  history.target_filled = it->target_filled;
  return history;
}

void check_history_series(const PanelCheckpoint& checkpoint, const SeriesSet* set) {
  if (set == nullptr) return;
  std::vector<std::string> unknown;
  for (const Series& s : set->series)
    if (checkpoint.find(s.id) < 0) unknown.push_back(s.id);
  // Under data.strict training refuses a series without values, so none of them was skipped; one
  // that training left out (it diverged) is set aside with its reason.
  if (checkpoint.config.data.strict)
    for (const auto& e : set->empty)
      if (checkpoint.find(e.first) < 0 && checkpoint.find_left_out(e.first) == nullptr) unknown.push_back(e.first);
  if (!unknown.empty())
    throw InputError(set->source, 0, 0,
                     "series " + quoted_ids(unknown) + (unknown.size() == 1 ? " is" : " are") + " not in the checkpoint (" + std::to_string(unknown.size()) +
                         " of " + std::to_string(set->series.size() + set->empty.size()) + "); " +
                         (checkpoint.shard ? "the checkpoint is shard " + checkpoint.shard->text() +
                                                 " of a split: pick its series (its own --shard, or --series), or give the merged checkpoint"
                                           : std::string("pick the trained ones with --series or --shard")));
}

}  // namespace

PanelForecast forecast_panel(const PanelCheckpoint& checkpoint, const SeriesSet* history, int horizon, int threads,
                             const std::string& model_path, const std::vector<int>& levels) {
  check_history_series(checkpoint, history);
  if (!levels.empty())
    for (const PanelSeries& s : checkpoint.series)
      if (s.intervals.empty())
        throw InputError(source_name(model_path), 0, 0, "series " + quoted_id(s.id) + " has no interval quantiles (trained without validation "
                                           "windows, or by an lstm-forecast before many-series intervals); retrain to get intervals");
  PanelForecast out;
  out.series_column = checkpoint.config.data.series_column;
  out.time_column = checkpoint.columns.time_column.empty() ? "step" : checkpoint.columns.time_column;
  out.targets = checkpoint.columns.targets;
  out.levels = levels;
  out.series.resize(checkpoint.series.size());
  std::vector<std::string> failed(checkpoint.series.size());
  parallel_for_each(static_cast<long>(checkpoint.series.size()), use_threads(threads), [&](long i) {
    const auto index = static_cast<std::size_t>(i);
    const Checkpoint view = checkpoint.view(index);
    try {
      Forecast result = forecast(view, history_of(checkpoint, index, history, model_path), horizon, 1);
      add_intervals(result, view, levels);
      out.series[index] = {checkpoint.series[index].id, std::move(result)};
    } catch (const InputError& e) {
      if (!e.file().empty()) throw;  // the history's (it names its file)
      failed[index] = e.message();   // what the model cannot do: a horizon past a model with features, intervals that overflow
    } catch (const DivergedError& e) {  // a non-finite forecast: which checkpoint and series made it
      throw DivergedError((model_path.empty() ? std::string() : source_name(model_path) + ": ") + "series " +
                          quoted_id(checkpoint.series[index].id) + ": " + e.what());
    }
  });
  for (std::size_t i = 0; i < failed.size(); ++i)
    if (!failed[i].empty()) throw InputError(source_name(model_path), 0, 0, "series " + quoted_id(checkpoint.series[i].id) + ": " + failed[i]);
  return out;
}

std::vector<std::string> series_without_data_tail(const PanelCheckpoint& checkpoint, const SeriesSet& history) {
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < checkpoint.series.size(); ++i) {
    if (find_series(history, checkpoint.series[i].id) == nullptr) continue;  // not in the history: said elsewhere
    if (!holds_data_tail(checkpoint.view(i), history_of(checkpoint, i, &history))) ids.push_back(checkpoint.series[i].id);
  }
  return ids;
}

std::vector<std::string> panel_history_notes(const PanelCheckpoint& checkpoint, const SeriesSet* history, bool from_end) {
  std::vector<std::pair<std::string, std::string>> unread, far;
  for (std::size_t i = 0; i < checkpoint.series.size(); ++i) {
    const std::string& id = checkpoint.series[i].id;
    std::optional<History> h;
    try {
      h = history_of(checkpoint, i, history);
    } catch (const InputError&) {
      continue;  // not in the history: passed over here (forecast_panel and backtest_panel refuse it)
    }
    const Checkpoint view = checkpoint.view(i);
    if (std::string note = unread_feature_note(view, *h); !note.empty()) unread.emplace_back(id, std::move(note));
    if (!from_end) continue;
    if (std::string note = far_in_window_note(view, *h); !note.empty()) far.emplace_back(id, std::move(note));
  }
  std::vector<std::string> notes;
  for (const auto* kind : {&unread, &far})
    if (!kind->empty()) notes.push_back(series_notes_summary(*kind));
  return notes;
}

std::vector<std::string> panel_fit_notes(const PanelCheckpoint& checkpoint) {
  std::vector<std::pair<std::string, std::string>> constant, far;
  for (std::size_t i = 0; i < checkpoint.series.size(); ++i) {
    const PanelSeries& s = checkpoint.series[i];
    if (std::string note = constant_columns_note(s.scaler, checkpoint.columns.targets, checkpoint.columns.features);
        !note.empty())
      constant.emplace_back(s.id, std::move(note));
    if (std::string note = far_in_window_note(checkpoint.view(i), History{s.data_tail.values, s.data_tail.ticks, ""});
        !note.empty())
      far.emplace_back(s.id, std::move(note));
  }
  std::vector<std::string> notes;
  for (const auto* kind : {&constant, &far})
    if (!kind->empty()) notes.push_back(series_notes_summary(*kind));
  return notes;
}

std::string to_csv(const PanelForecast& forecast) {
  std::vector<std::string> header{forecast.series_column, forecast.time_column};
  const std::vector<std::string> values = value_columns(forecast.targets, forecast.levels);
  header.insert(header.end(), values.begin(), values.end());
  // An empty shard writes the header alone, so merge and readers still see the columns.
  std::string out = csv_header(header);
  for (const auto& [id, f] : forecast.series) out += csv_rows(f, csv_field(id) + ",");
  return out;
}

// ---- evaluation ----

PanelBacktest backtest_panel(const PanelCheckpoint& checkpoint, const SeriesSet& history, const BacktestOptions& options) {
  check_backtest_options(options);  // a usage error, not every series' own
  check_history_series(checkpoint, &history);
  const long count = static_cast<long>(checkpoint.series.size());
  std::vector<std::optional<Backtest>> results(static_cast<std::size_t>(count));
  std::vector<std::string> errors(static_cast<std::size_t>(count));
  BacktestOptions one = options;
  one.threads = 1;
  parallel_for_each(count, use_threads(options.threads), [&](long i) {
    const auto index = static_cast<std::size_t>(i);
    const History h = history_of(checkpoint, index, &history);
    try {
      results[index] = backtest(checkpoint.view(index), h, one);
      // A series' table row has no origin rule to end: its in-sample count is a note.
      if (!results[index]->in_sample.empty()) results[index]->history_notes.push_back(results[index]->in_sample);
    } catch (const InputError& e) {  // this series' history is too short for the plan
      errors[index] = e.message().empty() ? e.what() : e.message();
    } catch (const DivergedError& e) {  // a non-finite forecast: which series made it
      throw DivergedError("series " + quoted_id(checkpoint.series[index].id) + ": " + e.what());
    }
  });
  PanelBacktest out;
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (results[i])
      out.series.emplace_back(checkpoint.series[i].id, std::move(*results[i]));
    else
      out.skipped.push_back({checkpoint.series[i].id, errors[i]});
  }
  if (out.series.empty() && !out.skipped.empty())
    throw InputError(history.source, 0, 0, "no series could be evaluated: series " + quoted_id(out.skipped.front().id) + ": " +
                                               out.skipped.front().reason);
  return out;
}

namespace {

const MethodScores* scores_of(const Backtest& b, const std::string& method, const std::string& target) {
  for (const auto& s : b.scores)
    if (s.method == method && s.target == target) return &s;
  return nullptr;
}

const char* const kMethods[] = {"lstm", "naive", "seasonal_naive"};

struct Aggregate {
  std::map<std::string, Score> geometric_mase;  // per method
  long compared = 0;                            // (series, target) pairs with both MASEs
  long beats = 0;                               // of which lstm < seasonal naive
  long entries = 0;
  long in_means = 0;                            // entries where every method's MASE is positive
};

Aggregate aggregate(const PanelBacktest& backtest) {
  Aggregate out;
  std::vector<std::map<std::string, double>> mases;  // per (series, target): method -> MASE
  for (const auto& [id, b] : backtest.series) {
    for (const auto& target : b.targets) {
      ++out.entries;
      mases.emplace_back();
      for (const char* method : kMethods) {
        const MethodScores* s = scores_of(b, method, target);
        if (s != nullptr && s->mase.value) mases.back()[method] = *s->mase.value;
      }
      const MethodScores* lstm = scores_of(b, "lstm", target);
      const MethodScores* snaive = scores_of(b, "seasonal_naive", target);
      if (lstm && snaive && lstm->mase.value && snaive->mase.value) {
        ++out.compared;
        if (*lstm->mase.value < *snaive->mase.value) ++out.beats;
      }
    }
  }
  const CommonGeometricMeans means = common_geometric_means(mases, {std::begin(kMethods), std::end(kMethods)});
  out.geometric_mase = means.by_method;
  out.in_means = static_cast<long>(means.used.size());
  return out;
}

// `digits` decimals where they stay short and show the value: 1e97 would print 98 digits, and
// 1e-99 would print 0.000; those take four significant digits with an exponent.
std::string fixed_score(const Score& s, int digits = 3) {
  if (!s.value) return "n/a";
  const double v = *s.value;
  std::ostringstream out;
  if (std::isfinite(v) && (std::abs(v) >= 1e9 || (v != 0 && std::abs(v) < std::pow(10.0, -digits)))) {
    out << std::setprecision(4) << v;
  } else {
    out.precision(digits);
    out << std::fixed << v;
  }
  return out.str();
}

}  // namespace

json to_json(const PanelBacktest& backtest) {
  json series = json::array();
  for (const auto& [id, b] : backtest.series) {
    for (std::size_t k = 0; k < b.targets.size(); ++k) {
      const std::string& target = b.targets[k];
      json entry = {{"id", id}, {"target", target}, {"origins", b.plan.origins.size()}, {"horizon", b.plan.horizon},
                    {"season", b.plan.season}, {"mase_scale", mase_scale_json(b, k)}};
      for (const char* method : kMethods) {
        const MethodScores* s = scores_of(b, method, target);
        if (s == nullptr) continue;
        entry[method] = {{"mae", score_json(s->mae)}, {"rmse", score_json(s->rmse)}, {"smape", score_json(s->smape)},
                         {"mase", score_json(s->mase)}};
      }
      entry["notes"] = b.notes();  // the series' (a MASE scale with m = 1, ...), its targets named when several
      series.push_back(std::move(entry));
    }
  }
  const Aggregate a = aggregate(backtest);
  json geometric = json::object();
  for (const auto& [method, score] : a.geometric_mase) geometric[method] = score_json(score);
  json skipped = json::array();
  for (const auto& s : backtest.skipped) skipped.push_back({{"id", s.id}, {"reason", s.reason}});
  return {{"series", std::move(series)},
          {"aggregate",
           {{"series", backtest.series.size()}, {"entries", a.entries}, {"geometric_mean_mase", geometric}, {"geometric_mean_entries", a.in_means},
            {"beats_seasonal_naive", a.beats}, {"compared", a.compared}}},
          {"skipped", std::move(skipped)}};
}

std::string format_table(const PanelBacktest& backtest) {
  std::ostringstream out;
  // Ids (id:target with several targets) escaped as messages show them, but whole (this is the
  // result), padded by characters.
  const bool several_targets = !backtest.series.empty() && backtest.series.front().second.targets.size() > 1;
  const auto name_of = [&](const std::string& id, const std::string& target) {
    return several_targets ? printable_whole(id) + ":" + printable_whole(target) : printable_whole(id);
  };
  // The column is as wide as the longest name up to kWidest; a longer one pushes its own row along
  // (one 5,000-character id padded every row of a 10,000-series report to 5,000 characters).
  constexpr std::size_t kWidest = 40;
  std::size_t width = 6;
  for (const auto& [id, b] : backtest.series)
    for (const auto& target : b.targets) width = std::max(width, std::min(kWidest, display_columns(name_of(id, target))));
  char line[512];
  std::snprintf(line, sizeof line, " %7s %12s %8s %8s %8s %8s  %s\n", "origins", "lstm_mae", "smape%", "mase", "naive",
                "snaive", "beats snaive");
  out << std::string("series").append(width - 6, ' ') << line;
  for (const auto& [id, b] : backtest.series) {
    for (const auto& target : b.targets) {
      const MethodScores* lstm = scores_of(b, "lstm", target);
      const MethodScores* naive = scores_of(b, "naive", target);
      const MethodScores* snaive = scores_of(b, "seasonal_naive", target);
      std::string name = name_of(id, target);
      name.append(width - std::min(width, display_columns(name)), ' ');
      const bool beats = lstm->mase.value && snaive->mase.value && *lstm->mase.value < *snaive->mase.value;
      std::snprintf(line, sizeof line, " %7zu %12s %8s %8s %8s %8s  %s\n",
                    b.plan.origins.size(), fixed_score(lstm->mae, 4).c_str(), fixed_score(lstm->smape, 2).c_str(),
                    fixed_score(lstm->mase).c_str(), fixed_score(naive->mase).c_str(), fixed_score(snaive->mase).c_str(),
                    lstm->mase.value && snaive->mase.value ? (beats ? "yes" : "no") : "n/a");
      out << name << line;
    }
  }
  const Aggregate a = aggregate(backtest);
  out << "\nseries evaluated: " << backtest.series.size();
  if (!backtest.skipped.empty()) out << " (" << backtest.skipped.size() << " skipped: stderr says why)";
  // With several targets the rows, means and counts below are of (series, target) pairs.
  if (several_targets) out << "; " << a.entries << " series:target rows";
  out << "\ngeometric-mean MASE";
  if (a.in_means < a.entries)
    out << " (over the " << a.in_means << " of " << a.entries << " where no method's MASE is 0 or undefined)";
  out << ": lstm " << fixed_score(a.geometric_mase.at("lstm")) << ", naive " << fixed_score(a.geometric_mase.at("naive"))
      << ", seasonal naive " << fixed_score(a.geometric_mase.at("seasonal_naive")) << "\n";
  out << "lstm beats seasonal naive (lower MASE) on " << a.beats << " of " << a.compared
      << (several_targets ? " series:target rows" : "") << "\n";
  return out.str();
}

std::vector<std::string> table_notes(const PanelBacktest& backtest) {
  // What a single-series backtest notes (a MASE scale with m = 1, an undefined one), per series:
  // the first few, then how many more (--json has each).
  constexpr std::size_t kShownNotes = 5;
  std::vector<std::string> out;
  std::size_t noted = 0;
  for (const auto& [id, b] : backtest.series) {
    const std::vector<std::string> notes = b.notes();
    if (notes.empty()) continue;
    if (++noted <= kShownNotes)
      for (const std::string& note : notes) out.push_back("series " + in_quotes(id) + ": " + note);
  }
  if (noted > kShownNotes) out.push_back("and " + std::to_string(noted - kShownNotes) + " more series with notes (--json lists them)");
  return out;
}

}  // namespace lstmf
