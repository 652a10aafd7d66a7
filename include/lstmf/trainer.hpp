// Mini-batch training of a Model<float> on window sets (windows.hpp). Each epoch shuffles the
// training windows (Fisher-Yates, from the run's generator), then for every batch (the last may be
// partial): forward, loss, backpropagation through time, gradient clipping, optimizer step. After
// each epoch the validation windows are evaluated by batched inference, in scaled units, with the
// training loss (and MSE beside it). With validation, the weights of the best epoch are kept and
// restored at the end; patience > 0 stops after that many epochs without an improvement larger
// than min_delta. A NaN or Inf loss or gradient throws DivergedError, the best weights restored.
//
// Every random draw (shuffling, dropout masks) comes from the Rng passed in, the generator that
// also initialised the model: one seed, one stream, runs repeat bit for bit for a given thread
// count. Threads: TrainingConfig::threads (0 = all cores) shards each batch (model.hpp).
// Matrices are row-major (tensor.hpp); window sets and batches as windows.hpp lays them out.
#pragma once

#include <functional>
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "lstmf/backprop.hpp"
#include "lstmf/config.hpp"
#include "lstmf/loss.hpp"
#include "lstmf/model.hpp"
#include "lstmf/optimizer.hpp"
#include "lstmf/random.hpp"
#include "lstmf/windows.hpp"

namespace lstmf {

struct EpochReport {
  int epoch = 0;                                              // 1-based
  double train_loss = 0.0;                                    // mean over the epoch's windows
  double val_loss = std::numeric_limits<double>::quiet_NaN();  // NaN without validation
  double val_mse = std::numeric_limits<double>::quiet_NaN();
  double lr = 0.0;                                            // learning rate of the epoch
  double seconds = 0.0;                                       // wall time, validation included
  long train_windows = 0;
  int epochs = 0;      // epochs planned for this run
  bool refit = false;  // the run on every row after the validated one (training.refit; fit.cpp)
  int member = 0;      // the ensemble member that trained it (fit.cpp), of `members`
  int members = 1;
  bool patience_out = false;  // early stopping ends the run after this epoch (training.patience)
};

// Called after every epoch; returning false stops training (progress display, Ctrl-C).
using EpochCallback = std::function<bool(const EpochReport&)>;

struct TrainingResult {
  std::vector<EpochReport> history;                                // epochs run by this call
  int best_epoch = 0;                                              // whose weights the model holds; 0 without validation
  double best_val_loss = std::numeric_limits<double>::quiet_NaN();
  bool early_stopped = false;                                      // patience ran out
  bool stopped_by_callback = false;
};

// Windows per batch of the validation loss's inference at most (fewer for a long look-back or wide
// layers: trainer.cpp inference_batch); the memory estimate counts such a batch (memory.cpp).
inline constexpr long kMaxInferenceBatch = 1024;

// Mean loss and MSE of a model over every window of a set, by batched inference.
struct Evaluation {
  double loss = 0.0;
  double mse = 0.0;
  long windows = 0;
};
Evaluation evaluate(const Model<float>& model, const WindowSet& windows, const Loss& loss, int threads = 0);

// The cores this process may run on (its CPU affinity: taskset, Slurm, a container's cpuset), at least 1.
int available_cores();
// The thread count to use: `threads`, or available_cores() for 0. Also sets Eigen's own thread
// count so that shards do not oversubscribe the cores.
int use_threads(int threads);

// Data-parallel training across processes (MPI, src/cli/mpi_session.cpp): every process holds the
// same model, generator and windows; process `rank` of `ranks` computes its slice of each batch
// (shard_range of the batch over the ranks), weights its gradient and loss by slice / batch, and
// `sum` adds them over the processes in place, so every process takes the same step as one process
// on the whole batch would (up to float rounding in the sum). Dropout is refused: its masks would
// use up the generators differently.
struct DataParallel {
  int rank = 0;
  int ranks = 1;
  int ranks_here = 1;  // of them, the processes on this machine, which share its memory
  std::function<void(float* gradient, long size, double& loss)> sum;
  // True when every process passed the same value (collective: every process must call it at the
  // same point): the processes check that they read the same data and settings before training.
  std::function<bool(std::uint64_t value)> same;
  // Sets `values` [count] to rank 0's on every process (collective): each validates the model on
  // its own threads, whose sums round otherwise, and early stopping, the best epoch and the
  // schedule must be decided on one number, or one process stops while another waits in a sum.
  std::function<void(double* values, int count)> from_rank_0;
};

class Trainer {
 public:
  // `rng` continues the stream that initialised the model; it must outlive the trainer. The
  // learning rate follows config's reduce-on-plateau (torch.optim.lr_scheduler.ReduceLROnPlateau,
  // mode "min", absolute threshold min_delta, no cooldown): lr *= lr_factor once lr_patience
  // epochs in a row have not improved the validation loss (the lr_patience-th such epoch reduces
  // it: torch's patience counts the epochs it waits beyond, so lr_patience N is its patience N - 1),
  // never below min_lr, and never raised (a min_lr above lr leaves lr as it is, as torch's eps 1e-8
  // test does). lr_factor 1 turns it off.
  Trainer(Model<float>& model, const TrainingConfig& config, Rng& rng);

  // Trains from the current epoch up to config.epochs (resume: load_state_json first). A NaN or
  // Inf loss or gradient throws DivergedError with the best weights so far back in the model;
  // result_so_far() then holds the epochs completed before it.
  TrainingResult run(const WindowSet& train, const WindowSet* validation, const EpochCallback& on_epoch = {});
  const TrainingResult& result_so_far() const { return partial_; }

  int epoch() const { return epoch_; }  // epochs completed
  void set_data_parallel(DataParallel parallel);
  int best_epoch() const { return best_epoch_; }  // 0 before any validated epoch
  // The weights run() would leave in the model if it stopped now: the best so far once an epoch
  // was validated, else the current ones. Valid during on_epoch callbacks too.
  const Vector<float>& kept_parameters() const { return best_epoch_ > 0 ? best_parameters_ : model_.parameters(); }
  const Optimizer<float>& optimizer() const { return optimizer_; }

  // What resuming needs: epoch, generator, optimizer, early-stopping and schedule counters, the
  // weights training had reached ("state_dict"; run() leaves the best ones in the model) and the
  // best weights so far; and "shards", the thread count run() split each batch over (a resume at
  // another count goes on, but rounds otherwise: resume_threads_note). Loading it puts the reached
  // weights back into the model. Valid during on_epoch callbacks too (a snapshot to resume from).
  nlohmann::json state_json() const;
  void load_state_json(const nlohmann::json& json, const std::string& where);

 private:
  void restore_best();

  Model<float>& model_;
  TrainingConfig config_;
  Rng& rng_;
  Loss loss_;
  Optimizer<float> optimizer_;
  Backprop<float> backprop_;
  int epoch_ = 0;
  int shards_ = 0;  // the thread count of the last run() (0 before one)
  int best_epoch_ = 0;
  double best_val_loss_ = std::numeric_limits<double>::infinity();
  int epochs_without_improvement_ = 0;
  int plateau_epochs_ = 0;
  Vector<float> best_parameters_;
  Vector<float> last_parameters_;  // where training stood before run() restored the best
  Vector<float> grad_;
  MatrixF x_, y_;
  TrainingResult partial_;  // set when run() throws DivergedError
  DataParallel parallel_;
};

// One call: Trainer(model, config, rng).run(train, validation, on_epoch).
TrainingResult train(Model<float>& model, const WindowSet& train, const WindowSet* validation,
                     const TrainingConfig& config, Rng& rng, const EpochCallback& on_epoch = {});

}  // namespace lstmf
