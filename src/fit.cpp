#include "lstmf/fit.hpp"

#include <cmath>

#include "lstmf/dataset.hpp"
#include "lstmf/error.hpp"
#include "lstmf/forecast.hpp"
#include "lstmf/memory.hpp"
#include "lstmf/metrics.hpp"

namespace lstmf {
namespace {

ColumnsInfo columns_of(const Config& config, const Dataset& dataset) {
  const Series& series = dataset.source.series.front();
  ColumnsInfo columns;
  columns.time_column = dataset.source.time_column;
  columns.targets = config.data.targets;
  columns.features = config.data.features;
  columns.time_format = series.time.format;
  columns.frequency = series.time.frequency;
  columns.month_day = series.time.month_day;
  columns.seasonal_period = std::max(1, series.time.frequency.seasonal_period());
  return columns;
}

DataTail data_tail_of(const Series& series, int look_back) {
  DataTail tail;
  tail.values = series.values.bottomRows(look_back);
  if (!series.time.ticks.empty()) tail.ticks.assign(series.time.ticks.end() - look_back, series.time.ticks.end());
  return tail;
}

// Resuming continues a checkpoint of the same model on the same columns.
void check_resumable(const Checkpoint& from, const Config& config, const std::string& path) {
  std::string problem;
  if (from.config.data.targets != config.data.targets || from.config.data.features != config.data.features)
    problem = "its columns differ from the config's";
  else if (from.config.data.look_back != config.data.look_back || from.config.data.horizon != config.data.horizon)
    problem = "its look-back or horizon differs from the config's";
  else if (from.config.model.hidden != config.model.hidden ||
           from.config.model.cell_activation != config.model.cell_activation)
    problem = "its model (hidden sizes, cell activation) differs from the config's";
  if (!problem.empty()) throw InputError(path, 0, 0, "cannot resume from this checkpoint: " + problem);
  if (from.optimizer_state.is_null())
    throw InputError(path, 0, 0, "cannot resume: the checkpoint has no optimizer state (it was not written by train)");
}

// A target that never changes over the training rows leaves nothing to learn: the scaler maps it
// to one value and any model repeats it. Refused, since it usually means the wrong column.
void check_not_constant(const Series& series, const Split& split, const std::string& source) {
  for (int k = 0; k < series.n_targets; ++k) {
    const auto column = series.values.col(k).head(split.train_end);
    if (column.size() > 1 && column.minCoeff() == column.maxCoeff())
      throw InputError(source, series.first_line, 0,
                       "target column '" + printable(series.columns[static_cast<size_t>(k)]) + "' is " +
                           format_number(column(0)) + " in every one of the " + std::to_string(column.size()) +
                           " training rows: a constant series leaves nothing to learn (wrong column? its "
                           "forecast is that constant)");
  }
}

}  // namespace

HoldoutErrors holdout_errors(const Checkpoint& checkpoint, const MatrixD& values, long begin, long end, int threads) {
  const int look_back = checkpoint.config.data.look_back;
  const int horizon = checkpoint.config.data.horizon;
  const long targets = static_cast<long>(checkpoint.columns.targets.size());
  std::vector<long> origins;
  for (long origin = std::max(begin, static_cast<long>(look_back)); origin + horizon <= end; ++origin) origins.push_back(origin);
  HoldoutErrors errors;
  if (origins.empty()) return errors;
  const MatrixD predicted = predict_at(checkpoint, values, origins, horizon, threads);
  std::vector<double> actual, forecast;
  for (size_t o = 0; o < origins.size(); ++o)
    for (long h = 0; h < horizon; ++h)
      for (long k = 0; k < targets; ++k) {
        forecast.push_back(predicted(static_cast<long>(o), h * targets + k));
        actual.push_back(values(origins[o] + h, k));
      }
  errors.mae = *mae(actual, forecast).value;
  errors.rmse = *rmse(actual, forecast).value;
  errors.windows = static_cast<long>(origins.size());
  return errors;
}

FitOutcome fit(const Config& config, const FitOptions& options) {
  // Sizes are checked before memory is taken: the model's part before the file is read, and the
  // whole job once the rows are known.
  const long inputs_named = static_cast<long>(config.data.targets.size() + config.data.features.size());
  const long targets_named = static_cast<long>(config.data.targets.size());
  const int threads = use_threads(config.training.threads);
  check_memory(estimate_training_memory(config, inputs_named, targets_named, 0, threads), 0, available_memory());
  SeriesSet source = load_series(config.data);
  long rows = 0;
  for (const Series& s : source.series) rows += s.rows();
  check_memory(estimate_training_memory(config, inputs_named, targets_named, rows, threads),
               static_cast<std::uint64_t>(rows * inputs_named) * sizeof(double), available_memory());
  Dataset dataset = prepare_dataset(std::move(source), config.data);
  if (dataset.source.series.size() != 1)
    throw InputError(dataset.source.source, 0, 0, "expected one series, found " + std::to_string(dataset.source.series.size()));
  if (dataset.train.empty())
    throw InputError(dataset.source.source, 0, 0, "no training windows: the training rows are shorter than look-back + horizon");
  const Series& series = dataset.source.series.front();
  check_not_constant(series, dataset.splits.front(), dataset.source.source);
  const long inputs = static_cast<long>(series.columns.size());
  const long outputs = static_cast<long>(config.data.horizon) * series.n_targets;

  Rng rng(config.training.seed);
  Model<float> model(inputs, outputs, config.model);
  model.init(rng);
  PlateauSchedule schedule{config.training.lr_factor, config.training.lr_patience, config.training.min_lr};
  Trainer trainer(model, config.training, rng, schedule);
  std::vector<EpochRecord> previous;
  if (!options.resume.empty()) {
    Checkpoint from = load_checkpoint(options.resume);
    check_resumable(from, config, options.resume);
    model.parameters() = from.model.parameters();
    trainer.load_state_json(from.optimizer_state, options.resume + ": optimizer_state");
    previous = from.history;
  }

  const WindowSet* validation = dataset.validation.empty() ? nullptr : &dataset.validation;
  FitOutcome outcome{Checkpoint{config, columns_of(config, dataset), dataset.scalers.front(), model, nullptr, {}, 0,
                                data_tail_of(series, config.data.look_back)},
                     {}, {}, dataset.train.size(), dataset.validation.size(), ""};
  try {
    outcome.result = trainer.run(dataset.train, validation, options.on_epoch);
  } catch (const DivergedError& e) {
    outcome.diverged = e.what();  // the trainer restored the best weights so far
    outcome.result = trainer.result_so_far();
  }

  Checkpoint& checkpoint = outcome.checkpoint;
  checkpoint.model.parameters() = model.parameters();
  checkpoint.optimizer_state = trainer.state_json();
  checkpoint.history = previous;
  for (const auto& report : outcome.result.history)
    checkpoint.history.push_back({report.epoch, report.train_loss, report.val_loss, report.lr});
  checkpoint.best_epoch = outcome.result.best_epoch;
  const Split& split = dataset.splits.front();
  if (validation != nullptr)
    outcome.validation = holdout_errors(checkpoint, series.values, split.train_end, split.val_end, config.training.threads);
  return outcome;
}

}  // namespace lstmf
