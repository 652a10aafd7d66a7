#include "lstmf/fit.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <memory>
#include <new>
#include <optional>
#include <system_error>
#include <thread>

#include "lstmf/dataset.hpp"
#include "lstmf/error.hpp"
#include "lstmf/io.hpp"
#include "lstmf/forecast.hpp"
#include "lstmf/memory.hpp"
#include "lstmf/metrics.hpp"
#include "lstmf/parallel.hpp"
#include "lstmf/random.hpp"
#include "lstmf/recipe.hpp"

namespace lstmf {
namespace {

// Resuming continues a checkpoint of the same model on the same columns.
void check_resumable(const Checkpoint& from, const Config& config, const std::string& path) {
  if (from.optimizer_state.is_null())
    throw InputError(path, 0, 0,
                     "cannot resume: the checkpoint has no optimizer state (train leaves it out when its run diverged "
                     "or was refitted; tools/torch_interop.py writes none)");
  // The state is the end of the epochs the history lists (load_state_json checks the rest).
  const auto state_epoch = from.optimizer_state.find("epoch");
  const long done = from.history.empty() ? 0 : from.history.back().epoch;
  if (from.optimizer_state.is_object() && state_epoch != from.optimizer_state.end() && state_epoch->is_number_integer() &&
      state_epoch->get<long long>() != done)
    throw InputError(path, 0, 0,
                     "optimizer_state.epoch " + state_epoch->dump() + " is not the last epoch of history.epochs (" +
                         std::to_string(done) + "): the state is not the end of the run the checkpoint records");
  // The best epoch's loss and weights are those the history and the checkpoint's own weights
  // record (an edited state carried other weights into the resumed run, kept as its best).
  const auto best_epoch = from.optimizer_state.find("best_epoch");
  if (best_epoch != from.optimizer_state.end() && best_epoch->is_number_integer() && best_epoch->get<long long>() > 0 &&
      best_epoch->get<long long>() <= static_cast<long long>(from.history.size())) {
    const auto b = static_cast<std::size_t>(best_epoch->get<long long>());
    const EpochRecord& recorded = from.history[b - 1];
    const auto loss = from.optimizer_state.find("best_val_loss");
    if (recorded.epoch == static_cast<int>(b) && loss != from.optimizer_state.end() && loss->is_number() &&
        loss->get<double>() != recorded.val_loss)
      throw InputError(path, 0, 0,
                       "optimizer_state.best_val_loss " + loss->dump() + " is not epoch " + std::to_string(b) +
                           "'s validation loss in history.epochs (" + nlohmann::json(recorded.val_loss).dump() +
                           "): the state is not of the run the checkpoint records");
    const auto weights = from.optimizer_state.find("best_state_dict");
    if (weights != from.optimizer_state.end()) {
      Vector<float> best = from.model.parameters();
      from_state_dict(from.model.layout(), *weights, path + ": optimizer_state.best_state_dict", best.data());
      if ((best.array() != from.model.parameters().array()).any())
        throw InputError(path, 0, 0,
                         "optimizer_state.best_state_dict is not the checkpoint's state_dict (the weights of its best epoch, " +
                             std::to_string(b) + "): the state is not of the run the checkpoint records");
    }
  }
  // The rate goes on from the state's: the schedule only lowers training.lr, to min_lr at least,
  // and without one (lr_factor 1) keeps it. An edited rate would train at it unchecked.
  if (const auto state = from.optimizer_state.find("optimizer");
      state != from.optimizer_state.end() && state->is_object() && state->contains("lr") && (*state)["lr"].is_number()) {
    const double lr = (*state)["lr"].get<double>(), top = from.config.training.lr;
    const double tolerance = 1e-9 * top;  // the schedule's products, rounded
    const bool scheduled = from.config.training.lr_factor < 1;
    if (lr > top + tolerance || (!scheduled && lr < top - tolerance) ||
        (scheduled && lr < std::min(top, from.config.training.min_lr) - tolerance))
      throw InputError(path, 0, 0,
                       "optimizer_state.optimizer.lr " + format_number(lr) + " is not a rate the run could have reached: " +
                           (scheduled ? "reduce-on-plateau keeps it between training.min_lr " +
                                            format_number(from.config.training.min_lr) + " and training.lr " + format_number(top)
                                      : "without reduce-on-plateau (training.lr_factor 1) it stays training.lr " + format_number(top)));
  }
  // Every key that differs, whatever the message below names first: only how long the run goes on,
  // where it reads and writes, and the thread count may change.
  const auto comparable = [](const Config& c) {
    nlohmann::json j = to_json(c);
    j.erase("output");
    for (const char* key : {"epochs", "patience", "threads"}) j["training"].erase(key);
    for (const char* key : {"path", "strict"}) j["data"].erase(key);
    return j;
  };
  nlohmann::json was = comparable(from.config), now = comparable(config);
  if (from.config.training.loss != LossKind::huber || config.training.loss != LossKind::huber) {
    was["training"].erase("huber_delta");  // used by huber alone: a change of loss is named as one
    now["training"].erase("huber_delta");
  }
  const ConfigDifference d = first_difference(was, now);
  std::string problem;
  if (from.config.data.targets != config.data.targets || from.config.data.features != config.data.features)
    problem = "its columns differ from the config's";
  else if (from.config.data.look_back != config.data.look_back || from.config.data.horizon != config.data.horizon)
    problem = "its look-back or horizon differs from the config's";
  else if (from.config.data.normalise != config.data.normalise || from.config.data.season != config.data.season ||
           from.config.data.seasonal_adjust != config.data.seasonal_adjust)
    problem = "its normalisation, season or seasonal adjustment differs from the config's";
  else if (from.config.model.hidden != config.model.hidden ||
           from.config.model.cell_activation != config.model.cell_activation)
    problem = "its model (hidden sizes, cell activation) differs from the config's";
  // The run goes on from the checkpoint's optimizer state and random stream, and compares its
  // validation losses with the earlier ones: what made them must be what it was.
  else if (from.config.training.lr != config.training.lr)
    problem = "its training.lr " + format_number(from.config.training.lr) + " differs from the config's " +
              format_number(config.training.lr) + " (a resumed run goes on at the checkpoint's rate)";
  else if (from.config.training.seed != config.training.seed)
    problem = "its training.seed " + std::to_string(from.config.training.seed) + " differs from the config's " +
              std::to_string(config.training.seed) + " (a resumed run goes on with the checkpoint's random stream)";
  else if (from.config.data.val_fraction != config.data.val_fraction ||
           from.config.data.test_fraction != config.data.test_fraction)
    problem = "its validation or test fraction differs from the config's (its best validation loss was measured on "
              "other rows)";
  // Anything else that shapes the run (batch size, stride, weight decay, clipping, how missing
  // values are filled, ...).
  if (problem.empty() && !d.key.empty())
    problem = "its " + d.key + " " + d.base + " differs from this run's " + d.other +
              " (a resumed run continues the same one: only training.epochs, training.patience, "
              "training.threads, data.path and output.* may change)";
  if (!problem.empty() && !d.also.empty()) {  // the message names one; more differ
    std::string keys = d.key;
    for (const std::string& key : d.also) keys += ", " + key;
    problem += "; the keys that differ: " + keys;
  }
  if (!problem.empty()) throw InputError(path, 0, 0, "cannot resume from this checkpoint: " + problem);
  if (!from.history.empty() && from.history.back().epoch >= config.training.epochs)
    throw InputError(path, 0, 0,
                     "cannot resume: the checkpoint has trained " + std::to_string(from.history.back().epoch) +
                         " epochs, and training.epochs (--epochs) " + std::to_string(config.training.epochs) +
                         " counts them too: give more to train further");
  // A run that stopped early (its patience met) would stop again at once under a patience it
  // meets too: the straight run trains no further. A run without early stopping (patience 0),
  // interrupted or out of epochs, did not stop early, whatever its count.
  const auto without = from.optimizer_state.find("epochs_without_improvement");
  if (from.config.training.patience > 0 && config.training.patience > 0 && without != from.optimizer_state.end() &&
      without->is_number_integer() && without->get<long long>() >= from.config.training.patience &&
      without->get<long long>() >= config.training.patience)
    throw InputError(path, 0, 0,
                     "cannot resume: the checkpoint's run stopped early, its validation loss had not improved for " +
                         count_of(static_cast<long>(without->get<long long>()), "epoch") +
                         " (training.patience " + std::to_string(config.training.patience) +
                         "): it would train no further; give a larger --patience (or 0) to go on");
}

// Multiplicative indices need targets > 0 on the rows they are estimated on (the first `rows`:
// every row but a test tail when a refit will estimate them again).
void check_positive(const Config& config, const SeriesSet& set, long rows) {
  if (config.data.seasonal_adjust != SeasonalAdjust::multiplicative) return;
  const Series& series = set.series.front();
  for (long k = 0; k < series.n_targets; ++k)
    for (long r = 0; r < rows; ++r)
      if (!(series.values(r, k) > 0))
        // Rows need not be lines (blank lines, filled gaps): the row is named by its time.
        throw InputError(set.source, 0, 0,
                         "data.seasonal_adjust multiplicative needs target values > 0 on the training rows" +
                             std::string(config.training.refit == Toggle::on ? " (every row before any test tail, for the refit)" : "") + "; column '" +
                             printable(series.columns[static_cast<size_t>(k)]) + "' is " +
                             format_number(series.values(r, k)) + " at " + row_name(series.time, series.time.ticks, r) +
                             " (use --seasonal-adjust additive, or none)");
}

// The seasonal adjustment of config.data.seasonal_adjust, estimated on the first `rows` rows of the
// only series of `set`, its tail phase set for a data tail of the whole series.
SeasonalAdjustment estimate_adjustment(const Config& config, const SeriesSet& set, long rows) {
  const Series& series = set.series.front();
  SeasonalAdjustment seasonal;
  try {
    seasonal = SeasonalAdjustment::estimate(config.data.seasonal_adjust, series.values, rows, series.n_targets,
                                            config.data.season);
  } catch (const InputError& e) {
    throw InputError(set.source, 0, 0,
                     e.message() + (config.data.season >= 2             ? ""
                                    : config.data.time_column.empty() ? " (name the time column, --time-column, or set --season)"
                                                                      : " (the time column's frequency has none: set --season)"));
  }
  // Values near +-1e100 divided by an index below 1 (or less another's index) leave the range a
  // series and a checkpoint may hold: refused here, not in the checkpoint's own predict.
  if (const auto beyond = seasonal.first_beyond(series.values, 0, kLargestValue))
    throw InputError(set.source, 0, 0,
                     "seasonally adjusted (data.seasonal_adjust " + to_string(config.data.seasonal_adjust) + "), column '" +
                         printable(series.columns[static_cast<size_t>(beyond->target)]) + "' is " +
                         format_number(beyond->value) + " at " + row_name(series.time, series.time.ticks, beyond->row) +
                         ", beyond +-1e100, the largest value a series may hold (use --seasonal-adjust none)");
  seasonal.set_tail_phase(series.rows() - config.data.look_back);
  return seasonal;
}

// `set` with its targets seasonally adjusted, row 0 at phase 0.
SeriesSet adjusted_copy(const SeriesSet& set, const SeasonalAdjustment& seasonal) {
  SeriesSet out = set;
  for (Series& series : out.series) series.values = seasonal.adjust(series.values, 0);
  return out;
}

// FNV-1a (64 bits) over the bytes of every value and time of `series`, as 16 hex digits.
std::string data_fingerprint(const Series& series) {
  const std::uint64_t hash = values_and_times_hash(series, kFnvBasis);
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hash));
  return text;
}

}  // namespace

// Every column must be min-max scalable over the training rows. A target that never changes is
// forecast as that value (the scaler maps it to one value and every method repeats it; train notes
// it, as it may mean the wrong column). A spread so small that its inverse overflows (denormal
// values) cannot be scaled at all.
void check_scalable(const Series& series, const Split& split, const std::string& source) {
  check_changes_in_training(series, split, source);
  check_spread(series, split.train_end, source);
  check_in_training_range(series, split.train_end, source);
}

std::string resume_threads_note(const Checkpoint& from, const Config& config) {
  if (!from.optimizer_state.is_object() || !from.optimizer_state.contains("shards")) return "";
  const nlohmann::json& recorded = from.optimizer_state["shards"];
  if (!recorded.is_number_integer()) return "";  // Trainer::load_state_json refuses it
  const long long then = recorded.get<long long>();
  const int now = use_threads(config.training.threads);
  if (then == now) return "";
  return "resuming on " + std::to_string(now) + (now == 1 ? " thread" : " threads") + ", where the checkpoint's run had " +
         std::to_string(then) + ": each batch is split into one shard per thread, so training goes on but rounds "
         "otherwise, and does not end as the uninterrupted run would (--threads " + std::to_string(then) + " matches it)";
}

std::string refit_squeeze(const Series& series, const Split& split) {
  if (split.train_end < 2 || split.val_end <= split.train_end) return "";
  for (long c = 0; c < series.n_targets; ++c) {
    const auto training = series.values.col(c).head(split.train_end);
    const double lo = training.minCoeff(), hi = training.maxCoeff();
    if (!(hi > lo)) continue;
    // In training ranges beyond [lo, hi], as far_in_window_note measures it.
    const auto distance = [&](long r) { return ranges_outside(series.values(r, c), lo, hi); };
    long far = split.train_end;  // the validation row farthest from the training range
    for (long r = split.train_end; r < split.val_end; ++r)
      if (distance(r) > distance(far)) far = r;
    // Isolated: the tail has come back. A level the series stays at (its last validation row far
    // too: a structural break) is what a refit on the latest rows is for.
    if (!(distance(far) > kFarFromTraining) || distance(split.val_end - 1) > kFarFromTraining) continue;
    return "the validation tail's " + format_number(series.values(far, c)) + " in '" +
           printable(series.columns[static_cast<std::size_t>(c)]) + "' at " + row_name(series.time, series.time.ticks, far) +
           " lies " + format_number(std::round(distance(far))) + " training ranges (" + format_number(lo) + " to " +
           format_number(hi) + ") outside the training rows, and the series came back (a typo, or a spike?): a refit on "
           "every row would squeeze the scale that much, so the validated members are kept (no refit; --refit true "
           "refits all the same)";
  }
  return "";
}

namespace {

// The refit trains every epoch with nothing to stop it (no validation rows): on a short series it
// can learn a rollout that runs away, where the validated members' (early-stopped) does not (a
// random walk of 18 months within 101 to 117, rolled 18 months forward to 540; a hunt). A refit
// whose forecast from the end of the rows it trained on, [0, rows) (the horizon a forecast asks
// for, combination included; not from the end of the file, past a test tail: the test rows would
// decide which model is tested, a leakage audit)
// lies more than kRunawayRanges ranges of the rows it trained on [0, rows) outside them, and more
// than twice as far as the validated members' forecast, or not finite where theirs is, is not
// kept: the message says why, "" when it is kept. A forecast that cannot be made (features past
// the trained horizon) checks nothing.
constexpr double kRunawayRanges = 2.0;
std::string refit_runaway(const Checkpoint& validated, const Checkpoint& refitted, const Series& series, long rows, int threads) {
  const bool features = static_cast<long>(series.columns.size()) > series.n_targets;
  const int horizon = features ? validated.config.data.horizon : std::max(validated.config.data.horizon, validated.forecast_horizon);
  const auto& ticks = series.time.ticks;
  const History trained{series.values.topRows(rows),
                        ticks.empty() ? ticks : std::vector<std::int64_t>(ticks.begin(), ticks.begin() + rows), "the training rows",
                        0};  // both models' seasonal indices start at row 0 (calibrate_on_validation's phase)
  Forecast kept, refit;
  try {
    kept = forecast(validated, trained, horizon, threads);
  } catch (const Error&) {
    return "";
  }
  try {
    refit = forecast(refitted, trained, horizon, threads);
  } catch (const DivergedError&) {
    return "the refit's forecast is not finite (NaN or Inf) where the validated members' is: the validated members "
           "are kept (no refit; --refit true refits all the same)";
  } catch (const Error&) {
    return "";
  }
  for (long c = 0; c < series.n_targets; ++c) {
    const auto column = series.values.col(c).head(rows);
    const double lo = column.minCoeff(), hi = column.maxCoeff();
    if (!(hi > lo)) continue;
    double far_kept = 0, far_refit = 0;
    long step = 0;
    for (long h = 0; h < refit.values.rows(); ++h) {
      far_kept = std::max(far_kept, ranges_outside(kept.values(h, c), lo, hi));
      const double d = ranges_outside(refit.values(h, c), lo, hi);
      if (d > far_refit) far_refit = d, step = h;
    }
    if (far_refit > kRunawayRanges && far_refit > 2 * far_kept)
      return "the refit's forecast of '" + printable(series.columns[static_cast<std::size_t>(c)]) + "' runs " +
             format_number(std::round(far_refit * 10) / 10) + " ranges of the training rows (" + format_number(lo) + " to " +
             format_number(hi) + ") outside them (" + format_number(refit.values(step, c)) + " at step " +
             std::to_string(step + 1) + "), the validated members' " + format_number(std::round(far_kept * 10) / 10) +
             ": the validated members are kept (no refit; --refit true refits all the same)";
  }
  return "";
}

}  // namespace

void check_changes_in_training(const Series& series, const Split& split, const std::string& source) {
  for (long c = 0; c < series.n_targets && split.train_end > 1; ++c) {
    const auto column = series.values.col(c).head(split.train_end);
    if (column.minCoeff() != column.maxCoeff() || series.values.col(c).maxCoeff() == series.values.col(c).minCoeff()) continue;
    // A series that starts to change only in the validation tail (a product launched late).
    throw InputError(source, series.first_line, 0,
                     "target column '" + printable(series.columns[static_cast<size_t>(c)]) + "' is " +
                         format_number(column(0)) + " in every one of the " + std::to_string(column.size()) +
                         " rows before the validation tail and changes only in the last " +
                         std::to_string(series.rows() - split.train_end) +
                         ": the first run, which validates and calibrates the intervals, would learn nothing; "
                         "train on every row with --val-fraction 0 (no intervals), or on rows from where it changes");
  }
}

void check_spread(const Series& series, long train_end, const std::string& source) {
  for (long c = 0; c < series.values.cols() && train_end > 0; ++c) {
    const auto column = series.values.col(c).head(train_end);
    const double spread = column.maxCoeff() - column.minCoeff();
    if (spread > 0 && spread < 1e-100)
      throw InputError(source, series.first_line, 0,
                       "column '" + printable(series.columns[static_cast<size_t>(c)]) + "' varies by only " + format_number(spread) +
                           " over the training rows, too little to scale (at least 1e-100); rescale the column");
  }
}

std::vector<long> validation_origins(long look_back, long horizon, long begin, long end, long stride, bool* by_budget_out) {
  constexpr long kKeepStrided = 1000;
  const long allowed = calibration_window_cap(look_back, horizon);
  const long first = std::max(begin, look_back), last = end - horizon;
  std::vector<long> origins;
  if (last < first) return origins;
  const long n = last - first + 1;
  const long by_budget = n > allowed ? (n + allowed - 1) / allowed : 1;  // ceil(n / allowed)
  const long by_stride = std::clamp(n / kKeepStrided, 1L, std::max(1L, stride));
  const long every = std::max(by_budget, by_stride);
  if (by_budget_out != nullptr) *by_budget_out = by_budget > by_stride;
  for (long origin = last - (n - 1) / every * every; origin <= last; origin += every) origins.push_back(origin);
  return origins;
}

namespace {

// The forecasts of `checkpoint` (its combination included) from the validation origins (above).
// origins empty: no validation window.
struct ValidationForecasts {
  std::vector<long> origins;  // row of each window's first target
  bool by_budget = false;     // validation_origins' thinning was the budget's
  MatrixD predicted;          // [origins, horizon * targets], step-major: column h * targets + k
};

Combination combination_of(const Checkpoint& checkpoint, const MatrixD& values, long begin, long end,
                           const std::vector<long>& origins, const MatrixD& predicted, ShortSeries fallback);
HoldoutErrors errors_of(const Checkpoint& checkpoint, const MatrixD& values, const ValidationForecasts& forecasts);
IntervalQuantiles quantiles_of(const Checkpoint& checkpoint, const MatrixD& values, long begin, const ValidationForecasts& forecasts);

}  // namespace

HoldoutErrors calibrate_on_validation(Checkpoint& checkpoint, const MatrixD& values, long begin, long end, int threads,
                                      ShortSeries fallback) {
  const bool combine = checkpoint.config.training.combine == Toggle::on;
  ValidationForecasts forecasts;
  forecasts.origins = validation_origins(checkpoint.config.data.look_back, checkpoint.config.data.horizon, begin, end,
                                         checkpoint.config.data.stride, &forecasts.by_budget);
  if (forecasts.origins.empty()) {
    if (combine) checkpoint.combination = {};
  } else {
    // One LSTM pass over the windows: the combination is chosen on the model's forecasts alone,
    // then applied to them, and the forecast so combined serves both the errors and the intervals.
    MatrixD model = model_at(checkpoint, values, 0, forecasts.origins, checkpoint.config.data.horizon, threads);
    if (combine) {
      check_finite(model);
      checkpoint.combination = combination_of(checkpoint, values, begin, end, forecasts.origins, model, fallback);
    }
    forecasts.predicted = combined_at(checkpoint, values, 0, forecasts.origins, std::move(model));
  }
  checkpoint.intervals = quantiles_of(checkpoint, values, begin, forecasts);
  return errors_of(checkpoint, values, forecasts);
}

namespace {

HoldoutErrors errors_of(const Checkpoint& checkpoint, const MatrixD& values, const ValidationForecasts& forecasts) {
  const int horizon = checkpoint.config.data.horizon;
  const long targets = static_cast<long>(checkpoint.columns.targets.size());
  const std::vector<long>& origins = forecasts.origins;
  const MatrixD& predicted = forecasts.predicted;
  HoldoutErrors errors;
  if (origins.empty()) return errors;
  std::vector<double> actual, forecast;
  for (size_t o = 0; o < origins.size(); ++o)
    for (long h = 0; h < horizon; ++h)
      for (long k = 0; k < targets; ++k) {
        forecast.push_back(predicted(static_cast<long>(o), h * targets + k));
        actual.push_back(values(origins[o] + h, k));
      }
  errors.mae = mae(actual, forecast).value.value_or(std::nan(""));
  errors.rmse = rmse(actual, forecast).value.value_or(std::nan(""));
  for (long k = 0; k < targets; ++k) {  // the values above are target-interleaved: k, k + T, ...
    std::vector<double> a, f;
    for (size_t i = static_cast<size_t>(k); i < actual.size(); i += static_cast<size_t>(targets)) {
      a.push_back(actual[i]);
      f.push_back(forecast[i]);
    }
    errors.mae_by_target.push_back(mae(a, f).value.value_or(std::nan("")));
    errors.rmse_by_target.push_back(rmse(a, f).value.value_or(std::nan("")));
  }
  errors.windows = static_cast<long>(origins.size());
  if (origins.size() > 1) errors.every = origins[1] - origins[0];
  errors.by_budget = forecasts.by_budget;
  return errors;
}

}  // namespace

std::vector<Theta> fit_theta(const SeasonalAdjustment& seasonal, const MatrixD& values, long rows, long targets) {
  if (rows < 2) return {};  // no slope through one row
  const MatrixD adjusted = seasonal.adjust(values, 0);
  std::vector<Theta> out;
  for (long k = 0; k < targets; ++k) out.push_back(Theta::fit(adjusted, k, rows));
  return out;
}

Combination choose_combination(const Checkpoint& checkpoint, const MatrixD& values, long begin, long end, int threads,
                               ShortSeries fallback) {
  const std::vector<long> origins =
      validation_origins(checkpoint.config.data.look_back, checkpoint.config.data.horizon, begin, end, checkpoint.config.data.stride);
  if (origins.empty()) return {};
  MatrixD predicted = model_at(checkpoint, values, 0, origins, checkpoint.config.data.horizon, threads);
  check_finite(predicted);
  return combination_of(checkpoint, values, begin, end, origins, predicted, fallback);
}

namespace {

// choose_combination on the model's forecasts `predicted` [origins, horizon * targets] (model_at)
// from the validation `origins` (not empty).
Combination combination_of(const Checkpoint& checkpoint, const MatrixD& values, long begin, long end,
                           const std::vector<long>& origins, const MatrixD& predicted, ShortSeries fallback) {
  const int look_back = checkpoint.config.data.look_back;
  const int horizon = checkpoint.config.data.horizon;
  const long m = std::max(1, checkpoint.config.data.season);
  const long targets = static_cast<long>(checkpoint.columns.targets.size());
  Combination combination;
  // Theta, fitted on the rows before the validation windows (seasonally adjusted as the model's).
  combination.theta = fit_theta(checkpoint.seasonal, values, begin, targets);
  const MatrixD theta = combination.theta.empty() ? MatrixD::Constant(static_cast<long>(origins.size()), horizon * targets, std::nan(""))
                                                  : theta_at(checkpoint, combination.theta, values, 0, origins, horizon);
  const bool seasonal = m > 1 && look_back >= m;
  constexpr double kCombineMargin = 1.1;
  constexpr double kBaselineAlone = 0.5;
  constexpr double kThetaFar = 3;  // Theta's validation MAE above 3 times the model's: no share
  for (long k = 0; k < targets; ++k) {
    std::array<double, Combination::kComponents> error{};
    for (size_t o = 0; o < origins.size(); ++o)
      for (long h = 0; h < horizon; ++h) {
        const long origin = origins[o];
        const double actual = values(origin + h, k);
        error[0] += std::abs(actual - predicted(static_cast<long>(o), h * targets + k));
        if (seasonal) error[1] += std::abs(actual - values(origin - m + h % m, k));
        error[2] += std::abs(actual - values(origin - 1, k));
        error[3] += std::abs(actual - theta(static_cast<long>(o), h * targets + k));
      }
    const double n = static_cast<double>(origins.size() * static_cast<size_t>(horizon));
    for (double& e : error) e /= n;
    if (!seasonal) error[1] = std::nan("");
    // The better baseline shares the forecast equally with the model when it did about as well
    // (within kCombineMargin) on the validation windows, and forecasts alone when its MAE is at
    // most half the model's (a model that failed: an outlier that squeezed the scale); otherwise
    // the model forecasts alone.
    const size_t best = seasonal && error[1] <= error[2] ? 1 : 2;
    std::array<double, Combination::kComponents> weight{1.0, 0.0, 0.0, 0.0};
    const double share = checkpoint.config.training.theta_weight;
    if (fallback == ShortSeries::seasonal_naive && seasonal) {
      weight = {0.0, 1.0, 0.0, 0.0};
    } else if (fallback == ShortSeries::naive_theta) {
      weight = {0.0, 0.0, 1.0, 0.0};  // naive alone without a Theta fit, or when theta_weight 0 turns Theta off
      if (!combination.theta.empty() && share > 0) weight = {0.0, 0.0, 0.5, 0.5};
    } else if (error[best] <= kBaselineAlone * error[0]) {
      weight = {0.0, 0.0, 0.0, 0.0};
      weight[best] = 1.0;
    } else if (error[best] <= kCombineMargin * error[0]) {
      weight[0] = 0.5;
      weight[best] = 0.5;
    }
    // Where the model takes part, Theta takes its fixed share from every weight (README round 14:
    // measured on held-out periods, not chosen per series on one validation tail).
    // Not where a season is left in the values: the windows are normalised by it, or the rows
    // before any test tail show it (the tests behind the recipe's `season` choice, recipe.hpp
    // shows_season, with the model's horizon), and no seasonal adjustment divides it out. Theta would smooth it away (README round 14: Nottingham
    // temperatures, a level series scaled by min-max; 42-month series too short to adjust).
    const bool season_left_in =
        checkpoint.seasonal.empty() && m > 1 &&
        (checkpoint.config.data.normalise == Normalise::season || shows_season(values, k, end, static_cast<int>(m), horizon));
    // Nor where Theta validated at least kThetaFar times worse than the model: it would only pull a
    // clearly better forecast off (a clean trend; UK gas: 127 against 22; README round 14).
    const bool theta_far = !(error[3] <= kThetaFar * error[0]);
    if (weight[0] > 0 && share > 0 && !season_left_in && !theta_far && !combination.theta.empty()) {
      for (double& w : weight) w *= 1 - share;
      weight[3] = share;
    }
    combination.weights.push_back(weight);
    combination.validation_mae.push_back(error);
  }
  return combination;
}

}  // namespace

FitOutcome fit(const Config& config, const FitOptions& options) {
  // Sizes are checked before memory is taken: the model's part before the file is read (as far as
  // the config fixes it), and the whole job once the rows are known (in the overload below).
  check_model_memory(config, use_threads(config.training.threads));
  // The default recipe needs the season, which comes from the time column: when none is named, a
  // first column named like one (date, month, ...; series.hpp load_training_series) is taken, as
  // the accuracy protocol does, unless it is a target or feature or its values do not read as times.
  Config named = config;
  std::string dropped, unread;
  SeriesSet data = load_training_series(named.data, &dropped, &unread, nullptr, config.is_given("data.time_column"));
  const std::string rows_dropped = data.series.size() == 1
                                       ? dropped_rows_note(data.series.front().dropped)
                                       : "";
  std::string jump;
  if (data.series.size() == 1 && !named.data.targets.empty()) {
    const Series& only = data.series.front();
    jump = last_value_jump_note(only.values, only.rows(), named.data.targets,
                                only.time.ticks.empty() ? "" : only.time.format_tick(only.time.ticks.back()));
  }
  FitOutcome outcome = fit(named, std::move(data), options);
  outcome.last_value_jump = jump;
  outcome.constant_columns = constant_columns_note(outcome.checkpoint);
  outcome.time_column_dropped = dropped;
  outcome.time_column_unread = unread;
  outcome.rows_dropped = rows_dropped;
  return outcome;
}

namespace {

// z with P(|Z| <= z) = a for a standard normal Z: erf(z / sqrt 2) = a, by bisection.
double normal_two_sided_quantile(double a) {
  double lo = 0, hi = 10;
  for (int i = 0; i < 100; ++i) {
    const double mid = 0.5 * (lo + hi);
    (std::erf(mid / std::sqrt(2.0)) < a ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

}  // namespace

namespace {

// The sample standard deviation of x[first, last).
double standard_deviation(std::vector<double>::const_iterator first, std::vector<double>::const_iterator last) {
  const double n = static_cast<double>(last - first);
  double mean = 0, squares = 0;
  for (auto x = first; x != last; ++x) mean += *x / n;
  for (auto x = first; x != last; ++x) squares += (*x - mean) * (*x - mean);
  return std::sqrt(squares / (n - 1));
}

// The median of `sorted` (ascending, not empty): the mean of the middle two for an even count.
double median_of_sorted(const std::vector<double>& sorted) {
  const size_t n = sorted.size();
  return (sorted[(n - 1) / 2] + sorted[n / 2]) / 2;
}

// Split-conformal quantiles of |actual - forecast| per step and target over the validation windows
// of `forecasts` (original units); empty without such windows. A step with fewer than 10 residuals
// (fewer than 10 validation windows) pools every step's, step j's scaled by sqrt((h + 1) / (j + 1))
// to stand for step h. The windows are the units of the conformal rank (a window's steps share one
// origin): level a asks for the a (w + 1) / w quantile of the residuals, w windows (the
// ceil((w + 1) a)-th smallest when a step has its own w). Levels above 80% are then widened by
// 1 + 0.3 (z_a - z_0.8) / (z_0.95 - z_0.8) (1.3 at 95%).
IntervalQuantiles quantiles_of(const Checkpoint& checkpoint, const MatrixD& values, long begin, const ValidationForecasts& forecasts) {
  const int horizon = checkpoint.config.data.horizon;
  const long targets = static_cast<long>(checkpoint.columns.targets.size());
  const std::vector<long>& origins = forecasts.origins;
  const MatrixD& predicted = forecasts.predicted;
  IntervalQuantiles q;
  if (origins.empty()) return q;
  // A step with kMinResiduals windows of its own is calibrated on them alone (split conformal is
  // valid for any count); fewer, and every step is pooled (README round 6: 20 over-covered).
  constexpr size_t kMinResiduals = 10;
  // The floor below reads the latest changes only: the last kRecentLags lags' worth, at least
  // kRecentChanges of them.
  constexpr long kRecentChanges = 20, kRecentLags = 4;
  const long levels = IntervalQuantiles::kLastLevel - IntervalQuantiles::kFirstLevel + 1;
  q.abs_residual.resize(horizon * targets, levels);
  q.windows = static_cast<long>(origins.size());
  // z_{(1+a)/2} of each level a, for the levels too high for the windows and the widening (below).
  std::vector<double> z(static_cast<size_t>(levels));
  for (long c = 0; c < levels; ++c) z[static_cast<size_t>(c)] = normal_two_sided_quantile((IntervalQuantiles::kFirstLevel + c) / 100.0);
  // The validation windows are the latest rows, but the forecast period is new: its errors have
  // heavier tails than the windows show (84 held-out periods of 30 real series, README round 10:
  // 95% bounds covered 88.6%, 80% ones 75.7%). Levels above 80% are widened in proportion to
  // how far their normal quantile lies beyond 80%'s, by kTailWidening at 95%:
  //   c(a) = 1 + kTailWidening max(0, (z_a - z_0.8) / (z_0.95 - z_0.8)),  z_a = z_{(1+a)/2}
  // (1.16 at 90%, 1.3 at 95%, 1.57 at 99%); 80% and below keep the conformal bound.
  constexpr double kTailWidening = 0.3;
  const double z80 = normal_two_sided_quantile(0.80), z95 = normal_two_sided_quantile(0.95);
  std::vector<double> tail_widening(static_cast<size_t>(levels));
  for (long c = 0; c < levels; ++c)
    tail_widening[static_cast<size_t>(c)] = 1 + kTailWidening * std::max(0.0, (z[static_cast<size_t>(c)] - z80) / (z95 - z80));
  const bool pooled = origins.size() < kMinResiduals;
  for (long k = 0; k < targets; ++k) {
    // Too few windows for a step alone: every step's residuals as step h's, |e_j| sqrt((h + 1) /
    // (j + 1)) (errors assumed to grow like a random walk's). That is sqrt(h + 1) times the one
    // pool of |e_j| / sqrt(j + 1), sorted once here (sorting H pools of H w each took minutes
    // at horizon 10^4, where an interrupt waited).
    std::vector<double> pool;
    if (pooled) {
      for (long step = 0; step < horizon; ++step)
        for (size_t o = 0; o < origins.size(); ++o)
          pool.push_back(std::abs(values(origins[o] + step, k) - predicted(static_cast<long>(o), step * targets + k)) /
                         std::sqrt(static_cast<double>(step + 1)));
      std::sort(pool.begin(), pool.end());
    }
    double pool_squares = 0;
    for (const double r : pool) pool_squares += r * r;
    // The floor below: the spread of the latest one-step changes of the rows before the windows
    // (lag p; the last max(kRecentChanges, kRecentLags p) of them: a level whose noise fell from
    // +-40 to +-1 had 95% bounds of +-136 from every change, a hunt found), their standard
    // deviation; from 20 changes on, at most 3 times that of the middle 90% of them
    // (5% of the smallest and 5% of the largest left out), so that a typo among the rows (1000000
    // in a series near 150: a change up and one down; a hunt found 95% bounds +-525000) does not
    // make it. Normal changes keep their own (the middle 90%'s is about 0.8 of it; fewer changes
    // are left as they are: one of 6 from each end would be a third of them, a review found). Where
    // the middle changes are all alike (a count that mostly stays put), the whole one.
    const long m = std::max(1, checkpoint.config.data.season);
    const long p = m > 1 && begin >= m + 3 ? m : 1;
    const long changes = std::min(begin - p, std::max(kRecentChanges, kRecentLags * p));
    double change_spread = 0;
    if (changes >= 2) {
      std::vector<double> d;
      for (long t = begin - changes; t < begin; ++t) d.push_back(values(t, k) - values(t - p, k));
      change_spread = standard_deviation(d.begin(), d.end());
      const long trim = changes >= 20 ? changes / 20 : 0;
      if (trim > 0) {
        std::sort(d.begin(), d.end());
        const double middle = standard_deviation(d.begin() + trim, d.end() - trim);
        if (middle > 0) change_spread = std::min(change_spread, 3 * middle);
        // And at most 3 times their median absolute deviation (times 1.4826, the standard
        // deviation of normal changes): 5% of the last 20 is one change from each end, and two
        // typos among them (four changes) had made the 95% bounds +-1170000 beside 80% ones of
        // +-1.4 (a review, 2026-12-07); the median stands up to half of them far off.
        const double median = median_of_sorted(d);
        std::vector<double> deviation;
        for (const double x : d) deviation.push_back(std::abs(x - median));
        std::sort(deviation.begin(), deviation.end());
        const double mad = median_of_sorted(deviation);
        if (mad > 0) change_spread = std::min(change_spread, 3 * 1.4826 * mad);
      }
    }
    for (long h = 0; h < horizon; ++h) {
      // Step h's residuals, sorted, are `scale` times *sorted: the pool's times sqrt(h + 1), or
      // the step's own (no copy of the pool per step: H of them were O(H^2 w)).
      std::vector<double> own;
      const std::vector<double>* sorted = &pool;
      double scale = 1, squares = 0;
      if (pooled) {
        scale = std::sqrt(static_cast<double>(h + 1));
        squares = scale * scale * pool_squares;
      } else {
        for (size_t o = 0; o < origins.size(); ++o)
          own.push_back(std::abs(values(origins[o] + h, k) - predicted(static_cast<long>(o), h * targets + k)));
        std::sort(own.begin(), own.end());
        for (const double r : own) squares += r * r;
        sorted = &own;
      }
      const double n = static_cast<double>(sorted->size());
      // The windows are the exchangeable units (a window's steps share one origin): split conformal
      // over w windows asks for level a (w + 1) / w, i.e. the ceil((w + 1) a)-th smallest of w
      // residuals of a step, or the same share of the pooled ones; past n, the largest.
      // When a (w + 1) / w is 1 or more (too few windows for the level: 4 or fewer at 80%, 19 or fewer
      // at 95%), the largest residual understates it; the bound is then at least the normal one,
      // z_{(1+a)/2} sqrt(mean e^2) over the same residuals.
      const double w = static_cast<double>(origins.size());
      double rms = std::sqrt(squares / n);
      // Few validation windows both chose the kept epoch (early stopping) and calibrate here: their
      // residuals can be near 0 by luck (a 12-row series: +-0.02 where the noise is +-1; two
      // windows of a random walk: 0/18 covered). Where the windows are too few for a level (the
      // normal bound below applies), the rms is no smaller than the one-step error of the drift
      // forecast over the latest rows before (the standard deviation of their changes, above), or
      // with a season of m and m + 3 rows, of the seasonal naive forecast with drift (of their
      // lag-m changes);
      // grown like a random walk's, sqrt(h / p + 1) for lag p (h / p whole). So too when every
      // residual is 0 (a baseline that was exact on the validation windows: intervals of width 0
      // at every level, a hunt found, for a series that had changed before them).
      const bool exact = rms == 0;
      // the floor enters only the levels whose bound is the normal one
      if (changes >= 2) rms = std::max(rms, change_spread * std::sqrt(static_cast<double>(h / p + 1)));
      for (long c = 0; c < levels; ++c) {
        const double nominal = (IntervalQuantiles::kFirstLevel + c) / 100.0;
        const double level = std::min(1.0, nominal * (w + 1) / w);
        const long rank = std::min(static_cast<long>(n), static_cast<long>(std::ceil(n * level - 1e-9)));
        double bound = scale * (*sorted)[static_cast<size_t>(std::max(1L, rank) - 1)];
        // At 1 exactly (4 windows at 80%, 19 at 95%) the largest residual is the conformal bound,
        // and the windows are as few: the normal one with the floor holds too.
        if (nominal * (w + 1) / w >= 1 - 1e-12 || exact) bound = std::max(bound, z[static_cast<size_t>(c)] * rms);
        q.abs_residual(h * targets + k, c) = bound * tail_widening[static_cast<size_t>(c)];
      }
    }
  }
  return q;
}

}  // namespace

void check_in_training_range(const Series& series, long train_end, const std::string& source) {
  for (long c = 0; c < series.values.cols() && train_end > 0; ++c) {
    const auto column = series.values.col(c).head(train_end);
    const double lo = column.minCoeff(), hi = column.maxCoeff();
    for (long r = train_end; r < series.rows(); ++r)
      if (far_from_range(series.values(r, c), lo, hi))
        throw InputError(source, 0, 0,
                         far_from_range_message(series.columns[static_cast<size_t>(c)], series.values(r, c),
                                                row_name(series.time, series.time.ticks, r), lo, hi, "the training rows' range"));
  }
}

void check_checkpoint_every(const Config& config, const SettingSource& where) {
  if (config.output.checkpoint_every > 0 && !config.data.series_column.empty())
    throw InputError(where.source, where.line, where.column,
                     std::string("output.checkpoint_every (--checkpoint-every) writes a resumable model, and a many-series run "
                     "(data.series_column) cannot be resumed: leave checkpoint_every at 0 ") +
                     (config.training.mode == TrainingMode::global
                          ? "(Ctrl-C keeps a global model's best epoch so far; MPI spreads its batches over processes)"
                          : "(--shard splits a long run into parts instead)"));
  if (config.output.checkpoint_every > 0 && (std::max(1, config.model.ensemble) > 1 || config.training.refit == Toggle::on))
    throw InputError(where.source, where.line, where.column,
                     "output.checkpoint_every (--checkpoint-every) writes one resumable model: set model.ensemble "
                     "to 1 and training.refit to false, or leave checkpoint_every at 0");
}

FitPlan plan_fit(const Config& requested, const SeriesSet& data) {
  if (data.series.size() != 1)
    throw InputError(data.source, 0, 0, "expected one series, found " + std::to_string(data.series.size()));
  FitPlan plan;
  try {
    plan.config = resolve_recipe(requested, data.series.front());
  } catch (const InputError& e) {  // the recipe's refusals are of this data: name the file
    if (!e.file().empty()) throw;
    throw InputError(data.source, 0, 0, e.message());
  }
  check_resolved(requested, plan.config, data.source);
  // A season given as long as the series: no cycle of it repeats in the data, so there is none to
  // learn and no seasonal naive to score against (it trained, and evaluate refused the checkpoint).
  const long rows = data.series.front().rows();
  if (requested.is_given("data.season") && plan.config.data.season > 1 && plan.config.data.season >= rows)
    throw InputError(data.source, 0, 0,
                     "data.season " + std::to_string(plan.config.data.season) + " (--season) is not shorter than the series (" +
                         count_of(rows, "row") + "): no cycle of it repeats in the data; give the period the data repeat at, "
                         "or 0 for the time column's");
  plan.fallback = short_series_fallback(requested, plan.config, data.series.front());
  // Predict's default horizon. Not with features: their future is unknown (forecast.hpp).
  if (requested.data.horizon > plan.config.data.horizon && plan.config.data.features.empty())
    plan.forecast_horizon = requested.data.horizon;
  check_forecastable_times(data.series.front().time, std::max(plan.config.data.horizon, plan.forecast_horizon),
                           requested.is_given("data.horizon"), data.source);
  return plan;
}

void check_forecastable_times(const TimeIndex& time, int horizon, bool asked, const std::string& source) {
  if (time.ticks.empty()) return;
  try {
    check_time_continues(time, time.ticks.back(), horizon, source,
                         "to train on this file, read its rows as periods (no time column)");
  } catch (const InputError& e) {
    throw InputError(e.file(), 0, 0,
                     (asked ? "data.horizon " + std::to_string(horizon) + " (--horizon)" : "a forecast of " + count_of(horizon, "step")) +
                         " runs past what the time column can write, so predict could not forecast it: " + e.message());
  }
}

Trainable check_trainable(const Config& config, const SeriesSet& data) {
  const Series& series = data.series.front();
  const Split split = split_rows(series.rows(), config.data.val_fraction, config.data.test_fraction,
                                 config.data.look_back, config.data.horizon, data.source);
  // The refit estimates the indices again on every row but a test tail.
  check_positive(config, data, config.training.refit == Toggle::on ? split.val_end : split.train_end);
  check_scalable(series, split, data.source);
  // The indices fit() trains with, on the first run's training rows (two seasons of them, a season
  // of 2 or more: seasonal.hpp).
  Trainable trainable{split, {}};
  if (config.data.seasonal_adjust != SeasonalAdjust::none) trainable.seasonal = estimate_adjustment(config, data, split.train_end);
  return trainable;
}

FitOutcome fit(const Config& requested, SeriesSet data, const FitOptions& options) {
  const FitPlan plan = plan_fit(requested, data);
  const Config& config = plan.config;
  const ShortSeries fallback = plan.fallback;
  int forecast_horizon = plan.forecast_horizon;
  // The data's own refusals first (too short for one window, ...): a series of 108 rows at
  // look-back 100000 was refused for 33 GiB of memory (exit 5), where inspect said it was too
  // short (exit 2). These checks take O(rows); the memory is taken below.
  Trainable first_run = check_trainable(config, data);
  {
    const Series& only = data.series.front();
    const long rows = only.rows();
    const long inputs = static_cast<long>(only.columns.size());
    // Members train side by side, one thread each (one gradient apiece): each holds its own model
    // and batch buffers until the run ends (a review measured 3.4 GB for 3 members where one took 1.15 GB).
    const std::uint64_t members = static_cast<std::uint64_t>(std::max(1, config.model.ensemble));
    MemoryEstimate need = estimate_training_memory(config, inputs, only.n_targets, rows,
                                                   members > 1 ? 1 : use_threads(config.training.threads));
    need.model = saturating_mul(need.model, members);
    need.checkpoint = saturating_mul(need.checkpoint, members);
    need.activations = saturating_mul(need.activations, members);
    need.members = members;
    // --ensemble 1 trains its one member on every thread: what "one needs" says (a review: 19.8 GiB
    // said for 2 members at --threads 64, where --ensemble 1 was then refused for 23.7 GiB).
    if (members > 1)
      need.alone = estimate_training_memory(config, inputs, only.n_targets, rows, use_threads(config.training.threads)).total();
    check_memory(need, static_cast<std::uint64_t>(rows * inputs) * sizeof(double), available_memory());
  }
  // With a seasonal adjustment the model trains on adjusted targets (seasonal.hpp), indices
  // estimated on the training rows; `original` keeps the data in its own units for the tail, the
  // validation errors and the refit.
  const bool adjusting = config.data.seasonal_adjust != SeasonalAdjust::none;
  SeriesSet original;
  SeasonalAdjustment seasonal;
  if (adjusting) {
    // On the first run's training rows (estimated there); the refit estimates them again.
    seasonal = std::move(first_run.seasonal);
    original = std::move(data);
    data = adjusted_copy(original, seasonal);
  }
  Dataset dataset = prepare_dataset(std::move(data), config.data);
  if (dataset.train.empty())
    throw InputError(dataset.source.source, 0, 0, "no training windows: the training rows are shorter than look-back + horizon");
  const Series& series = (adjusting ? original : dataset.source).series.front();
  const long inputs = static_cast<long>(series.columns.size());
  const long outputs = static_cast<long>(config.data.horizon) * series.n_targets;
  const int members = std::max(1, config.model.ensemble);
  if ((members > 1 || config.training.refit == Toggle::on) && !options.resume.empty())
    throw InputError(source_name(options.resume), 0, 0, "cannot resume an ensemble or a refitted model (model.ensemble > 1 or "
                                           "training.refit); train again");

  // One slot per member; member k is trained from member_seed(seed, k) (random.hpp).
  struct Member {
    std::unique_ptr<Rng> rng;
    std::unique_ptr<Model<float>> model;
    std::unique_ptr<Trainer> trainer;
    TrainingResult result;
    std::string diverged;
  };
  std::vector<Member> slots(static_cast<size_t>(members));
  TrainingConfig member_training = config.training;
  if (members > 1) member_training.threads = 1;
  for (int k = 0; k < members; ++k) {
    Member& slot = slots[static_cast<size_t>(k)];
    slot.rng = std::make_unique<Rng>(member_seed(config.training.seed, k));
    slot.model = std::make_unique<Model<float>>(inputs, outputs, config.model);
    slot.model->init(*slot.rng);
    slot.trainer = std::make_unique<Trainer>(*slot.model, member_training, *slot.rng);
  }
  // What a resumed run must train on again: a fingerprint of every value and time of the series,
  // kept with the optimizer state (the scaler's range and the last rows alone miss a changed row
  // in the middle).
  const std::string fingerprint = data_fingerprint(series);
  const auto resumable_state = [&](const Trainer& trainer) {
    nlohmann::json state = trainer.state_json();
    state["data_fingerprint"] = fingerprint;
    return state;
  };
  std::vector<EpochRecord> previous;
  if (!options.resume.empty()) {
    const Checkpoint from = options.resumed ? *options.resumed : load_checkpoint(options.resume);
    check_resumable(from, config, source_name(options.resume));
    // The same training rows: the scaler fitted on them and the data tail are the checkpoint's.
    // Other data would be scaled anew under weights and a best validation loss that are not its own.
    const DataTail tail = data_tail_of(series, config.data.look_back);
    const bool same_ends = from.scaler.data_min() == dataset.scalers.front().data_min() &&
                           from.scaler.data_max() == dataset.scalers.front().data_max() && from.data_tail.values == tail.values &&
                           from.data_tail.ticks == tail.ticks;
    const bool same_fingerprint = !(from.optimizer_state.is_object() && from.optimizer_state.contains("data_fingerprint") &&
                                    from.optimizer_state["data_fingerprint"] != fingerprint);
    if (!same_ends || !same_fingerprint) {
      // Written on 2026-12-05 from 02:10 (the fingerprint) to 15:37 UTC (no "shards" either, added
      // 2026-12-06), the fingerprint hashed a zero written -0 otherwise than +0, as the data are
      // read since: the same file looks changed. Later files without shards get the hint too.
      const bool negative_zero_era = same_ends && from.optimizer_state.is_object() && !from.optimizer_state.contains("shards") &&
                                     (series.values.array() == 0.0).any();
      throw InputError(source_name(options.resume), 0, 0,
                       "cannot resume from this checkpoint on " + source_name(config.data.path) +
                           ": its training data differ (a value, a time, the scaler's range or the last rows): resuming continues the "
                           "same run on the same data; train a new model for other data" +
                           (negative_zero_era ? std::string(" (or, if the data are the same, they hold a zero written -0, which "
                                                            "checkpoints written on 2026-12-05 before 15:37 UTC fingerprinted "
                                                            "otherwise: train again)")
                                              : std::string()));
    }
    slots.front().model->parameters() = from.model.parameters();
    slots.front().trainer->load_state_json(from.optimizer_state, source_name(options.resume) + ": optimizer_state");
    if (const std::string note = resume_threads_note(from, config); !note.empty() && options.on_note) options.on_note(note);
    previous = from.history;
    forecast_horizon = std::max(forecast_horizon, from.forecast_horizon);
  }

  const WindowSet* validation = dataset.validation.empty() ? nullptr : &dataset.validation;
  // --checkpoint-every: a snapshot is one resumable model, so it needs one member and no refit.
  const int every = options.on_checkpoint ? config.output.checkpoint_every : 0;
  if (every > 0) check_checkpoint_every(config, options.checkpoint_every_source);
  std::vector<EpochRecord> snapshot_history = previous;  // what a snapshot holds, epoch by epoch
  std::atomic<bool> stop{false};
  const WindowSet* train_windows = &dataset.train;
  // The rows of the training file after its training part: the validation and test tails, which the
  // weights (but a refit's, below) never trained on (Checkpoint::held_out_rows).
  const long held_out_rows = dataset.splits.front().rows - dataset.splits.front().train_end;
  const auto train_member = [&](int k) {
    if (k > 0 && stop.load()) return;  // interrupted before this member started: it stays untrained (the first always trains)
    Member& slot = slots[static_cast<size_t>(k)];
    const EpochCallback on_epoch = [&, k](EpochReport report) {
      report.refit = train_windows != &dataset.train;  // the refit trains on every row
      report.member = k;
      report.members = members;
      if (options.on_member_epoch) options.on_member_epoch(report);
      if (k == 0 && options.on_epoch && !options.on_epoch(report)) stop = true;
      if (options.keep_going && !options.keep_going()) stop = true;
      if (k == 0 && every > 0) {
        snapshot_history.push_back({report.epoch, report.train_loss, report.val_loss, report.lr});
        // Stopping (an interrupt, or patience run out), or the last epoch: the caller saves the end
        // itself. A snapshot of the epoch that ran out of patience, killed before that save, was
        // left as a run that stopped early, which no resume finishes (a kill -9 hunt).
        if (!stop.load() && !report.patience_out && report.epoch % every == 0 && report.epoch < config.training.epochs) {
          Checkpoint snapshot{config, columns_info(config, dataset.source), dataset.scalers.front(), *slot.model,
                              resumable_state(*slot.trainer), snapshot_history, slot.trainer->best_epoch(),
                              data_tail_of(series, config.data.look_back), {}, {}, {}, seasonal, forecast_horizon};
          snapshot.model.parameters() = slot.trainer->kept_parameters();
          snapshot.held_out_rows = held_out_rows;
          options.on_checkpoint(snapshot);
        }
      }
      return !stop.load();
    };
    try {
      slot.result = slot.trainer->run(*train_windows, validation, on_epoch);
    } catch (const DivergedError& e) {
      slot.diverged = e.what();  // the trainer restored the best weights so far
      slot.result = slot.trainer->result_so_far();
    }
    if (options.on_member_done) options.on_member_done(static_cast<int>(slot.result.history.size()));
  };
  const int workers = std::min(members, members > 1 ? use_threads(config.training.threads) : 1);
  // Every member on `workers` threads (validated training, then the refit).
  const auto train_all = [&] {
    if (workers <= 1) {
      for (int k = 0; k < members; ++k) train_member(k);
    } else {
      std::atomic<int> next{0};
      std::vector<std::exception_ptr> errors(static_cast<size_t>(workers));
      std::vector<std::thread> pool;
      // Reserved first, so that starting a thread cannot throw for the vector: an exception leaving
      // here with a thread in `pool` would terminate the process (a std::thread destroyed joinable).
      pool.reserve(static_cast<size_t>(workers));
      // Workers start with every signal blocked (parallel.hpp), so a Ctrl-C is handled once, by
      // the calling thread, as with a single model.
      {
        const SignalsBlocked blocked;
        for (int w = 0; w < workers; ++w) {
          try {
            pool.emplace_back([&, w] {
              try {
                for (int k = next++; k < members; k = next++) train_member(k);
              } catch (...) {
                errors[static_cast<size_t>(w)] = std::current_exception();
                stop = true;
              }
            });
          } catch (const std::system_error&) {  // no thread to be had (ulimit -u, a container's pids limit)
            break;                              // the members go to the ones started, or to this thread
          } catch (const std::bad_alloc&) {     // no memory for the thread's state: the same
            break;
          }
        }
      }
      if (pool.empty())
        for (int k = next++; k < members; k = next++) train_member(k);
      for (auto& thread : pool) thread.join();
      for (const auto& error : errors)
        if (error) std::rethrow_exception(error);
    }
  };
  train_all();
  // Members an interrupt kept from starting are left out: the checkpoint holds the ones that
  // trained (the first always did), and says how many.
  int members_left_out = 0;
  if (stop.load()) {
    const auto untrained = [](const Member& slot) { return slot.result.history.empty(); };
    const auto kept_end = std::remove_if(slots.begin() + 1, slots.end(), untrained);
    members_left_out = static_cast<int>(slots.end() - kept_end);
    slots.erase(kept_end, slots.end());
  }

  Member& first = slots.front();
  FitOutcome outcome{Checkpoint{config, columns_info(config, dataset.source), dataset.scalers.front(), *first.model, nullptr, {}, 0,
                                data_tail_of(series, config.data.look_back), {}, {}, {}, seasonal, forecast_horizon},
                     first.result, {}, dataset.train.size(), dataset.validation.size(), 0, 0, "", "", "", "", "", ""};
  outcome.fallback = fallback;
  outcome.members_left_out = members_left_out;
  outcome.cut_short = members_left_out > 0 || std::any_of(slots.begin(), slots.end(), [&](const Member& slot) {
                        const TrainingResult& r = slot.result;
                        return r.stopped_by_callback && !r.early_stopped && slot.trainer->epoch() < config.training.epochs;
                      });
  if (members_left_out > 0) outcome.checkpoint.config.model.ensemble = static_cast<int>(slots.size());
  for (const auto& slot : slots)
    if (!slot.diverged.empty() && outcome.diverged.empty()) outcome.diverged = slot.diverged;
  // A member that diverged with no validated epoch holds the failed step's weights: kept, they
  // forecast -3e24 passengers (a review: a single model so diverged writes nothing; one member of
  // an ensemble was written beside the others).
  for (const auto& slot : slots)
    if (!slot.diverged.empty() && slot.result.best_epoch == 0) {
      outcome.diverged = slot.diverged;
      outcome.member_unrestored = true;
      break;
    }
  Checkpoint& checkpoint = outcome.checkpoint;
  // Not resumable: a run that diverged keeps its best weights, but its optimizer state and random
  // stream are those of the failed epoch; an ensemble or a refit cut short by an interrupt is not
  // the run asked for (a resume would continue a smaller or unrefitted one as if it were). Nor is a
  // refit, below.
  const bool resumable = first.diverged.empty() && !(stop.load() && (members > 1 || config.training.refit == Toggle::on));
  checkpoint.optimizer_state = resumable ? resumable_state(*first.trainer) : nlohmann::json();
  checkpoint.history = previous;
  for (const auto& report : first.result.history)
    checkpoint.history.push_back({report.epoch, report.train_loss, report.val_loss, report.lr});
  checkpoint.best_epoch = first.result.best_epoch;
  for (size_t k = 1; k < slots.size(); ++k) checkpoint.more_members.push_back(*slots[k].model);
  const Split& split = dataset.splits.front();
  checkpoint.held_out_rows = held_out_rows;  // until a refit trains on them (below)
  if (validation != nullptr) {
    try {
      outcome.validation =
          calibrate_on_validation(checkpoint, series.values, split.train_end, split.val_end, config.training.threads, fallback);
    } catch (const DivergedError&) {
      // forecast.cpp's message speaks of a checkpoint's weights and a history; here the weights are
      // the ones just trained, with finite losses that saturated cells hid.
      throw DivergedError("the trained model forecasts NaN or Inf on the validation windows although its losses were "
                          "finite (most likely weights blown up by too large a step: training.lr is " + format_number(config.training.lr) +
                          "); nothing was written");
    }
  }
  // No validation rows (no first run to refit after), or a first run that diverged or was
  // interrupted (no refit follows): the checkpoint says it was not refitted.
  // The refit's guards (refit_squeeze before it, refit_runaway after it): not when --refit true was
  // given, the user asked for it.
  const bool refit_guarded = requested.training.refit != Toggle::on;
  if (config.training.refit == Toggle::on && validation != nullptr && refit_guarded)
    outcome.refit_skipped = refit_squeeze(series, split);
  if (config.training.refit == Toggle::on &&
      (validation == nullptr || !outcome.diverged.empty() || stop.load() || !outcome.refit_skipped.empty())) {
    checkpoint.config.training.refit = Toggle::off;
    if (validation != nullptr && outcome.diverged.empty() && outcome.refit_skipped.empty()) outcome.cut_short = true;  // the interrupt's
  }
  if (config.training.refit == Toggle::on && validation != nullptr && outcome.diverged.empty() && !stop.load() &&
      outcome.refit_skipped.empty()) {
    // Every row now trains (but a test tail, data.test_fraction: rows the model never sees, for
    // evaluate), each member from its own seed again, for every epoch (measured on the accuracy
    // protocol: stopping at the epoch that validated best on a tail of one or two windows did
    // worse); the validation tail's residuals above stay the interval calibration.
    DataConfig before_test = config.data;
    before_test.val_fraction = 0;
    const long refit_rows = split.val_end;
    // The seasonal indices, like the scaler, are estimated again on those rows.
    const SeasonalAdjustment refit_seasonal = adjusting ? estimate_adjustment(config, original, refit_rows) : seasonal;
    Dataset refit_data =
        prepare_dataset(adjusting ? adjusted_copy(original, refit_seasonal) : SeriesSet(dataset.source), before_test);
    train_windows = &refit_data.train;
    validation = nullptr;
    for (int k = 0; k < members; ++k) {
      Member& slot = slots[static_cast<size_t>(k)];
      slot.diverged.clear();
      TrainingConfig refit_training = member_training;
      slot.rng = std::make_unique<Rng>(member_seed(config.training.seed, k));
      slot.model->init(*slot.rng);
      slot.trainer = std::make_unique<Trainer>(*slot.model, refit_training, *slot.rng);
    }
    const std::vector<TrainingResult> validated = [&] {
      std::vector<TrainingResult> out;
      for (const auto& slot : slots) out.push_back(slot.result);
      return out;
    }();
    train_all();
    // Only a complete refit replaces the validated members: after an interrupt or a divergence in
    // it, the checkpoint keeps the validated members (and says it was not refitted).
    for (const auto& slot : slots)
      if (!slot.diverged.empty() && outcome.refit_failed.empty()) outcome.refit_failed = slot.diverged;
    if (stop.load() || !outcome.refit_failed.empty()) {
      outcome.refit_interrupted = outcome.refit_failed.empty();
      outcome.cut_short = outcome.cut_short || outcome.refit_interrupted;
      checkpoint.config.training.refit = Toggle::off;
    } else {
      // Without the optimizer state (a refit is not resumed): copied, it was 4 more copies of the
      // weights as JSON (a review).
      nlohmann::json validated_state = std::exchange(checkpoint.optimizer_state, nullptr);
      Checkpoint refitted = checkpoint;
      checkpoint.optimizer_state = std::move(validated_state);
      refitted.scaler = refit_data.scalers.front();  // fitted on every row, as the refitted models were trained
      refitted.seasonal = refit_seasonal;
      // Theta, like the scaler and the indices, is fitted again on every row.
      if (!refitted.combination.empty())
        refitted.combination.theta = fit_theta(refit_seasonal, series.values, refit_rows, series.n_targets);
      refitted.model = *slots.front().model;
      for (size_t k = 1; k < slots.size(); ++k) refitted.more_members[k - 1] = *slots[k].model;
      for (const auto& report : slots.front().result.history)
        refitted.history.push_back({static_cast<int>(refitted.history.size()) + 1, report.train_loss, report.val_loss, report.lr});
      refitted.test_rows = split.rows - split.val_end;
      refitted.held_out_rows.reset();
      const std::string runaway =
          refit_guarded ? refit_runaway(checkpoint, refitted, series, refit_rows, config.training.threads) : "";
      if (runaway.empty()) {
        checkpoint = std::move(refitted);
        outcome.refit_windows = refit_data.train.size();
        outcome.refit_epochs = static_cast<int>(slots.front().result.history.size());
      } else {
        outcome.refit_skipped = runaway;
        checkpoint.config.training.refit = Toggle::off;
      }
    }
    outcome.result = validated.front();
    // A refitted model is not resumed, nor one whose refit was cut short or failed (not the run
    // asked for: a resume would continue an unrefitted one). One the guard turned down keeps the
    // validated run's state, as a refit the squeeze skipped does.
    if (outcome.refit_skipped.empty()) checkpoint.optimizer_state = nullptr;
  }
  return outcome;
}

}  // namespace lstmf
