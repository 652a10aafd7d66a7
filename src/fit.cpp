#include "lstmf/fit.hpp"

#include <cmath>

#include "lstmf/dataset.hpp"
#include "lstmf/error.hpp"
#include "lstmf/forecast.hpp"
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
  Dataset dataset = prepare_dataset(config.data);
  if (dataset.source.series.size() != 1)
    throw InputError(dataset.source.source, 0, 0, "expected one series, found " + std::to_string(dataset.source.series.size()));
  if (dataset.train.empty())
    throw InputError(dataset.source.source, 0, 0, "no training windows: the training rows are shorter than look-back + horizon");
  const Series& series = dataset.source.series.front();
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
  EpochCallback on_epoch = options.on_epoch;
  std::vector<EpochRecord> history = previous;  // what a snapshot holds, epoch by epoch
  const int every = config.output.checkpoint_every;
  if (every > 0 && options.on_checkpoint) {
    on_epoch = [&](const EpochReport& report) {
      history.push_back({report.epoch, report.train_loss, report.val_loss, report.lr});
      if (options.on_epoch && !options.on_epoch(report)) return false;  // stopping: the caller saves the end
      if (report.epoch % every == 0 && report.epoch < config.training.epochs) {  // the last: the caller saves it
        Checkpoint snapshot = outcome.checkpoint;
        snapshot.model.parameters() = trainer.kept_parameters();
        snapshot.optimizer_state = trainer.state_json();
        snapshot.history = history;
        snapshot.best_epoch = trainer.best_epoch();
        options.on_checkpoint(snapshot);
      }
      return true;
    };
  }
  try {
    outcome.result = trainer.run(dataset.train, validation, on_epoch);
  } catch (const DivergedError& e) {
    outcome.diverged = e.what();  // the trainer restored the best weights so far
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
