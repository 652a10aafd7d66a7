#include "lstmf/trainer.hpp"

#include <sched.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <mutex>
#include <numeric>
#include <thread>

#include <nlohmann/json.hpp>

#include "lstmf/error.hpp"

namespace lstmf {
namespace {

// A loss or norm that is not finite, as messages name it ("NaN", "+Inf"; std::to_string gave "-nan").
std::string non_finite_name(double value) { return std::isnan(value) ? "NaN" : value > 0 ? "+Inf" : "-Inf"; }

void check_fits(const Model<float>& model, const WindowSet& windows, const char* what) {
  if (windows.inputs() != model.inputs() || windows.outputs() != model.outputs())
    throw Error(std::string(what) + " windows have " + count_of(windows.inputs(), "input") + " and " +
                count_of(windows.outputs(), "output") + "; the model has " + std::to_string(model.inputs()) +
                " and " + std::to_string(model.outputs()));
}

// Loss and MSE sums over every window, in batches; reuses the caller's workspaces.
Evaluation evaluate_into(const Model<float>& model, const WindowSet& windows, const Loss& loss, int threads,
                         long batch, Inference<float>& inference, MatrixF& x, MatrixF& y) {
  check_fits(model, windows, "evaluation");
  std::vector<long> order(static_cast<std::size_t>(windows.size()));
  std::iota(order.begin(), order.end(), 0L);
  const Loss mse(LossKind::mse);
  double loss_sum = 0.0, mse_sum = 0.0;
  for (long first = 0; first < windows.size(); first += batch) {
    const long count = std::min(batch, windows.size() - first);
    windows.gather(order, first, count, x, y);
    const auto& prediction = inference.run(model, x, count, threads);
    loss_sum += loss.sum<float>(prediction, y);
    mse_sum += mse.sum<float>(prediction, y);
  }
  const double elements = static_cast<double>(windows.size()) * static_cast<double>(windows.outputs());
  return {loss_sum / elements, mse_sum / elements, windows.size()};
}

// Windows per inference batch: up to kMaxInferenceBatch, fewer when the gate workspace ([T*B, 4H] floats)
// would pass 16 MB.
long inference_batch(const Model<float>& model, const WindowSet& windows) {
  Eigen::Index widest = 1;
  for (const auto& layer : model.layers()) widest = std::max(widest, layer.hidden_size());
  const long budget = (16L << 20) / static_cast<long>(sizeof(float));
  return std::clamp(budget / (static_cast<long>(windows.look_back()) * 4 * widest), 1L, kMaxInferenceBatch);
}

}  // namespace

int available_cores() {
  // The cores this process may run on (taskset, a Slurm allocation, a container's cpuset), not the
  // machine's: threads beyond them only take turns.
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

int use_threads(int threads) {
  // At most kMaxThreads, which a checkpoint's optimizer_state.shards may say (a machine of more cores).
  const int count = threads > 0 ? threads : std::min(available_cores(), kMaxThreads);
  // Threads go to shards of the batch (bench/bench_engine.cpp measured this against Eigen's own
  // parallel GEMM on these small shapes); Eigen stays single-threaded inside them. Set once: Eigen
  // keeps it in a plain static int, which worker threads calling this (the series of a panel) wrote
  // while others' products read it, a data race (a review).
  static std::once_flag eigen_single_threaded;
  std::call_once(eigen_single_threaded, [] { Eigen::setNbThreads(1); });
  return count;
}

Evaluation evaluate(const Model<float>& model, const WindowSet& windows, const Loss& loss, int threads) {
  Inference<float> inference;
  MatrixF x, y;
  return evaluate_into(model, windows, loss, use_threads(threads), inference_batch(model, windows), inference, x, y);
}

Trainer::Trainer(Model<float>& model, const TrainingConfig& config, Rng& rng)
    : model_(model),
      config_(config),
      rng_(rng),
      loss_(config.loss, config.huber_delta),
      optimizer_(config, model.parameter_count()),
      backprop_(model, loss_) {}

void Trainer::set_data_parallel(DataParallel parallel) {
  if (parallel.ranks > 1 && model_.config().dropout > 0 && model_.layers().size() > 1)
    throw InputError("data-parallel training does not support dropout (model.dropout > 0)");
  parallel_ = std::move(parallel);
}

void Trainer::restore_best() {
  if (best_epoch_ > 0) model_.parameters() = best_parameters_;
}

TrainingResult Trainer::run(const WindowSet& train, const WindowSet* validation, const EpochCallback& on_epoch) {
  check_fits(model_, train, "training");
  if (train.empty()) throw InputError("no training windows");
  if (validation != nullptr && validation->empty()) validation = nullptr;
  if (validation != nullptr) check_fits(model_, *validation, "validation");
  const int threads = use_threads(config_.threads);
  shards_ = threads;
  const long windows = train.size();
  const long batch = std::max(1, config_.batch_size);
  std::vector<long> order(static_cast<std::size_t>(windows));
  Inference<float> inference;
  MatrixF val_x, val_y;
  const long val_batch = validation != nullptr ? inference_batch(model_, *validation) : 0;
  TrainingResult result;
  last_parameters_.resize(0);  // until run() ends, state_json() takes the weights from the model

  partial_ = TrainingResult{};
  const auto diverged = [&](const std::string& what, long batch_index) {
    restore_best();
    std::string message = "training diverged in epoch " + std::to_string(epoch_ + 1);
    if (batch_index >= 0)
      message += ", batch " + std::to_string(batch_index + 1) + " of " + std::to_string((windows + batch - 1) / batch);
    message += ": " + what;
    message += best_epoch_ > 0 ? "; the model keeps the weights of epoch " + std::to_string(best_epoch_)
                               : std::string("; no earlier weights were validated");
    result.best_epoch = best_epoch_;
    if (best_epoch_ > 0) result.best_val_loss = best_val_loss_;
    partial_ = result;  // the epochs before, so the caller can still save the best of them
    throw DivergedError(message);
  };

  while (epoch_ < config_.epochs) {
    const auto start = std::chrono::steady_clock::now();
    EpochReport report;
    report.epoch = epoch_ + 1;
    report.lr = optimizer_.lr();
    report.train_windows = windows;
    report.epochs = config_.epochs;

    // Each epoch's order depends on the generator's state alone, so a resumed run repeats it.
    std::iota(order.begin(), order.end(), 0L);
    rng_.shuffle(order);
    double loss_sum = 0.0;
    for (long first = 0; first < windows; first += batch) {
      const long count = std::min(batch, windows - first);
      double loss = 0.0;
      if (parallel_.ranks > 1) {  // this process's slice of the batch, weighted, summed over all
        const ShardRange slice = shard_range(count, parallel_.ranks, parallel_.rank);
        grad_.setZero(model_.parameter_count());
        if (slice.count > 0) {
          train.gather(order, first + slice.begin, slice.count, x_, y_);
          const float share = static_cast<float>(slice.count) / static_cast<float>(count);
          loss = backprop_.run(x_, y_, grad_, &rng_, threads) * static_cast<double>(share);
          grad_ *= share;
        }
        parallel_.sum(grad_.data(), static_cast<long>(grad_.size()), loss);
      } else {
        train.gather(order, first, count, x_, y_);
        loss = backprop_.run(x_, y_, grad_, &rng_, threads);
      }
      const double norm = config_.clip_norm > 0 ? clip_grad_norm(grad_, config_.clip_norm) : grad_norm(grad_);
      if (!std::isfinite(loss)) diverged("the loss is " + non_finite_name(loss), first / batch);
      if (!std::isfinite(norm)) diverged("the gradient norm is " + non_finite_name(norm), first / batch);
      optimizer_.step(model_.parameters(), grad_);
      loss_sum += loss * static_cast<double>(count);
    }
    report.train_loss = loss_sum / static_cast<double>(windows);

    bool stop = false;
    if (validation != nullptr) {
      Evaluation val = evaluate_into(model_, *validation, loss_, threads, val_batch, inference, val_x, val_y);
      if (parallel_.ranks > 1 && parallel_.from_rank_0) {
        double measured[2] = {val.loss, val.mse};
        parallel_.from_rank_0(measured, 2);
        val.loss = measured[0];
        val.mse = measured[1];
      }
      report.val_loss = val.loss;
      report.val_mse = val.mse;
      if (!std::isfinite(val.loss)) diverged("the validation loss is " + non_finite_name(val.loss), -1);
      if (val.loss < best_val_loss_ - config_.min_delta) {
        best_val_loss_ = val.loss;
        best_epoch_ = epoch_ + 1;
        best_parameters_ = model_.parameters();
        epochs_without_improvement_ = 0;
        plateau_epochs_ = 0;
      } else {
        ++epochs_without_improvement_;
        ++plateau_epochs_;
        if (config_.lr_factor < 1.0 && plateau_epochs_ >= config_.lr_patience) {
          // As torch: the new lr only replaces the old one when it is lower by more than 1e-8, so
          // a min_lr above lr never raises it.
          const double reduced = std::max(optimizer_.lr() * config_.lr_factor, config_.min_lr);
          if (optimizer_.lr() - reduced > 1e-8) optimizer_.set_lr(reduced);
          plateau_epochs_ = 0;
        }
        if (config_.patience > 0 && epochs_without_improvement_ >= config_.patience) {
          result.early_stopped = true;
          report.patience_out = true;
          stop = true;
        }
      }
    }
    ++epoch_;
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    result.history.push_back(report);
    if (on_epoch && !on_epoch(report)) {
      result.stopped_by_callback = true;
      stop = true;
    }
    if (stop) break;
  }
  last_parameters_ = model_.parameters();
  restore_best();
  result.best_epoch = best_epoch_;
  if (best_epoch_ > 0) result.best_val_loss = best_val_loss_;
  return result;
}

nlohmann::json Trainer::state_json() const {
  nlohmann::json out = {{"epoch", epoch_},
                        {"rng", rng_.to_json()},
                        {"optimizer", optimizer_.state_json(model_.layout())},
                        {"state_dict", to_state_dict(model_.layout(), last_parameters_.size() > 0
                                                                          ? last_parameters_.data()
                                                                          : model_.parameters().data())},
                        {"best_epoch", best_epoch_},
                        {"epochs_without_improvement", epochs_without_improvement_},
                        {"plateau_epochs", plateau_epochs_}};
  if (shards_ > 0) out["shards"] = shards_;
  if (best_epoch_ > 0) {
    out["best_val_loss"] = best_val_loss_;
    out["best_state_dict"] = to_state_dict(model_.layout(), best_parameters_.data());
  }
  return out;
}

void Trainer::load_state_json(const nlohmann::json& json, const std::string& where) {
  if (!json.is_object()) throw InputError(where + ": expected an object, got " + json.type_name());
  const auto count = [&](const char* key) {
    const auto found = json.find(key);
    if (found == json.end() || !found->is_number_integer() || found->get<long>() < 0 ||
        found->get<long>() > 1000000000L)
      throw InputError(where + "." + key + ": expected a count, got " +
                       (found == json.end() ? std::string("nothing") : found->dump()));
    return found->get<int>();
  };
  const int epoch = count("epoch");
  const int best_epoch = count("best_epoch");
  const int without_improvement = count("epochs_without_improvement");
  const int plateau = count("plateau_epochs");
  // Counts of the epochs done cannot exceed them.
  for (const auto& [key, value] : {std::pair<const char*, int>{"best_epoch", best_epoch},
                                   {"epochs_without_improvement", without_improvement}, {"plateau_epochs", plateau}})
    if (value > epoch)
      throw InputError(where + "." + key + ": " + std::to_string(value) + " is more than the " + count_of(epoch, "epoch") +
                       " done (epoch)");
  // The thread count of the run (absent before 2026-12-06): read by resume_threads_note, checked here.
  if (json.contains("shards")) {
    const nlohmann::json& shards = json["shards"];
    if (!shards.is_number_integer() || shards.get<long long>() < 1 || shards.get<long long>() > kMaxThreads)
      throw InputError(where + ".shards: expected a thread count (1 to " + std::to_string(kMaxThreads) + "), got " +
                       shards.dump());
  }
  if (!json.contains("rng")) throw InputError(where + ".rng: missing");
  if (!json.contains("optimizer")) throw InputError(where + ".optimizer: missing");
  const Rng rng = Rng::from_json(json["rng"], where + ".rng");
  Optimizer<float> optimizer = optimizer_;
  optimizer.load_state_json(json["optimizer"], model_.layout(), where + ".optimizer");
  if (!json.contains("state_dict")) throw InputError(where + ".state_dict: missing");
  Vector<float> last = model_.parameters();
  from_state_dict(model_.layout(), json["state_dict"], where + ".state_dict", last.data());
  Vector<float> best = model_.parameters();
  double best_val_loss = std::numeric_limits<double>::infinity();
  if (best_epoch > 0) {
    const auto loss = json.find("best_val_loss");
    if (loss == json.end() || !loss->is_number() || !(loss->get<double>() >= 0) || !std::isfinite(loss->get<double>()))
      throw InputError(where + ".best_val_loss: expected a loss (a finite number >= 0), got " +
                       (loss == json.end() ? std::string("nothing") : loss->dump()));
    if (!json.contains("best_state_dict")) throw InputError(where + ".best_state_dict: missing");
    from_state_dict(model_.layout(), json["best_state_dict"], where + ".best_state_dict", best.data());
    best_val_loss = loss->get<double>();
  }
  epoch_ = epoch;
  best_epoch_ = best_epoch;
  epochs_without_improvement_ = without_improvement;
  plateau_epochs_ = plateau;
  rng_ = rng;
  optimizer_ = std::move(optimizer);
  best_parameters_ = std::move(best);
  model_.parameters() = last;
  last_parameters_ = std::move(last);
  best_val_loss_ = best_val_loss;
}

TrainingResult train(Model<float>& model, const WindowSet& train, const WindowSet* validation,
                     const TrainingConfig& config, Rng& rng, const EpochCallback& on_epoch) {
  return Trainer(model, config, rng).run(train, validation, on_epoch);
}

}  // namespace lstmf
