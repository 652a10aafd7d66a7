// Training-epoch microbenchmark of the engine on the shapes of /work/shared/bench/torch_reference.py
// (same configs, synthetic series, FLOP count and JSON fields), for each way of using the threads:
//   shards  the batch split into one shard per thread (Backprop, on parallel.hpp's pool), Eigen
//           single-threaded
//   eigen   one shard, Eigen's own OpenMP-parallel GEMM (Eigen::setNbThreads) for the
//           whole-sequence products; the per-step products go through gemm.hpp, which is serial
//           (with Eigen's parallel product there too, before gemm.hpp existed, this strategy was
//           slower than one thread: seed-small 0.080 s/epoch against 0.048)
//   both    shards and Eigen threads: Eigen's OpenMP team inside each of the pool's shards, so
//           up to threads^2 busy threads (under OpenMP shards, Eigen did not nest; the pool is not
//           OpenMP, so this now measures oversubscription)
// and the Trainer itself (which uses the shards), so its overhead shows. Run:
//   bench_engine [--configs seed-small,medium] [--epochs 3] [--windows N] [--threads 1,2]
// Prints one JSON object per measurement on stdout.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include "cli.hpp"
#include "lstmf/backprop.hpp"
#include "lstmf/model.hpp"
#include "lstmf/optimizer.hpp"
#include "lstmf/trainer.hpp"
#include "lstmf/windows.hpp"

using namespace lstmf;

namespace {

struct BenchConfig {
  int look_back, features, hidden, layers, batch;
  long windows;
  OptimizerKind optimizer;
};

const std::map<std::string, BenchConfig> kConfigs = {
    {"seed-small", {10, 1, 50, 1, 32, 5000, OptimizerKind::adam}},
    {"seed-stacked", {8, 16, 32, 2, 32, 5000, OptimizerKind::rmsprop}},
    {"medium", {48, 8, 128, 2, 64, 20000, OptimizerKind::adam}},
    {"large", {96, 8, 256, 2, 128, 20000, OptimizerKind::adam}},
};

// torch_reference.py's count: forward 4H x (in + H) multiply-adds per step, sample and layer,
// backward about twice that.
double flops_per_epoch(const BenchConfig& c) {
  double per_sample = 0;
  for (int l = 0; l < c.layers; ++l)
    per_sample += 2.0 * 4 * c.hidden * ((l == 0 ? c.features : c.hidden) + c.hidden) * c.look_back;
  per_sample += 2.0 * c.hidden;
  return 3.0 * per_sample * static_cast<double>(c.windows);
}

// A sum of sines (periods 24 and 168) plus noise, one phase-shifted column per feature.
MatrixF make_series(long length, int features) {
  Rng rng(0);
  MatrixF s(length, features);
  for (long t = 0; t < length; ++t)
    for (int f = 0; f < features; ++f) {
      const double phase = 0.7 * f;
      s(t, f) = static_cast<float>(std::sin(t * 2 * M_PI / 24 + phase) + 0.5 * std::sin(t * 2 * M_PI / 168 + phase) +
                                   0.1 * rng.normal());
    }
  return s;
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

struct Setup {
  BenchConfig config;
  MatrixF series;
  WindowSet windows;
  Model<float> model;
  TrainingConfig training;

  explicit Setup(const BenchConfig& c)
      : config(c),
        series(make_series(c.windows + c.look_back, c.features)),
        windows(c.look_back, 1, c.features, 1),
        model(c.features, 1, model_config(c)) {
    windows.add_windows(windows.add_block(&series), 0, series.rows(), 1);
    training.optimizer = c.optimizer;
    training.lr = 1e-3;
    training.batch_size = c.batch;
    training.patience = 0;
  }
  static ModelConfig model_config(const BenchConfig& c) {
    ModelConfig m;
    m.hidden.assign(static_cast<std::size_t>(c.layers), c.hidden);
    return m;
  }
  void reset() {
    Rng rng(0);
    model.init(rng);
  }
};

// The trainer's epoch loop, with the thread use chosen here: median seconds per epoch after a
// warm-up epoch.
double epoch_seconds(Setup& setup, int shards, int eigen_threads, int epochs) {
  setup.reset();
  Eigen::setNbThreads(eigen_threads);
  Rng rng(1);
  Optimizer<float> optimizer(setup.training, setup.model.parameter_count());
  Backprop<float> backprop(setup.model);
  std::vector<long> order(static_cast<std::size_t>(setup.windows.size()));
  std::iota(order.begin(), order.end(), 0L);
  MatrixF x, y;
  Vector<float> grad;
  std::vector<double> seconds;
  const long batch = setup.config.batch;
  for (int epoch = 0; epoch <= epochs; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    rng.shuffle(order);
    for (long first = 0; first < setup.windows.size(); first += batch) {
      const long count = std::min(batch, setup.windows.size() - first);
      setup.windows.gather(order, first, count, x, y);
      backprop.run(x, y, grad, nullptr, shards);
      grad_norm(grad);
      optimizer.step(setup.model.parameters(), grad);
    }
    if (epoch > 0) seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return median(seconds);
}

double trainer_epoch_seconds(Setup& setup, int threads, int epochs) {
  setup.reset();
  Rng rng(1);
  TrainingConfig config = setup.training;
  config.epochs = epochs + 1;
  config.threads = threads;
  const TrainingResult result = train(setup.model, setup.windows, nullptr, config, rng);
  std::vector<double> seconds;
  for (std::size_t i = 1; i < result.history.size(); ++i) seconds.push_back(result.history[i].seconds);
  return median(seconds);
}

double inference_windows_per_second(Setup& setup, int shards, int eigen_threads) {
  Eigen::setNbThreads(eigen_threads);
  Inference<float> inference;
  std::vector<long> order(static_cast<std::size_t>(setup.windows.size()));
  std::iota(order.begin(), order.end(), 0L);
  MatrixF x;
  const long chunk = 1024;
  std::vector<double> seconds;
  for (int repeat = 0; repeat < 3; ++repeat) {
    const auto start = std::chrono::steady_clock::now();
    for (long first = 0; first < setup.windows.size(); first += chunk) {
      const long count = std::min(chunk, setup.windows.size() - first);
      setup.windows.gather_inputs(order, first, count, x);
      inference.run(setup.model, x, count, shards);
    }
    seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return static_cast<double>(setup.windows.size()) / median(seconds);
}

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream stream(text);
  std::string item;
  while (std::getline(stream, item, ',')) out.push_back(item);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::string configs;
  for (const auto& [name, config] : kConfigs) configs += (configs.empty() ? "" : ", ") + name;
  std::string names = "seed-small,seed-stacked,medium";
  std::vector<long> thread_counts = {1, 2};
  long epochs_given = 3, windows = 0;  // windows 0: each config's own count
  bench::Cli cli("bench_engine", "Training throughput of the LSTM engine, shards against Eigen's threads");
  cli.text("--configs", names, "comma-separated, of: " + configs)
      .integers("--threads", thread_counts, 1, kMaxThreads, "thread counts to measure")
      .integer("--epochs", epochs_given, 1, 1000000, "epochs timed per config and strategy")
      .integer("--windows", windows, 0, 100000000, "training windows (0: the config's own count)");
  cli.parse(argc, argv);
  const int epochs = static_cast<int>(epochs_given);
  for (const std::string& name : split(names))
    if (kConfigs.count(name) == 0) cli.fail("no config '" + name + "'");
  for (const std::string& name : split(names)) {
    BenchConfig config = kConfigs.at(name);
    if (windows > 0) config.windows = windows;
    Setup setup(config);
    const double flops = flops_per_epoch(config);
    for (const long count : thread_counts) {
      const int threads = static_cast<int>(count);
      struct Strategy {
        const char* name;
        int shards, eigen_threads;
      };
      std::vector<Strategy> strategies = {{"shards", threads, 1}};
      if (threads > 1) {
        strategies.push_back({"eigen", 1, threads});
        strategies.push_back({"both", threads, threads});
      }
      for (const Strategy& s : strategies) {
        const double seconds = epoch_seconds(setup, s.shards, s.eigen_threads, epochs);
        const double infer = inference_windows_per_second(setup, s.shards, s.eigen_threads);
        std::printf(
            "{\"impl\": \"lstm-forecast\", \"config\": \"%s\", \"threads\": %d, \"strategy\": \"%s\", "
            "\"windows\": %ld, \"sec_per_epoch\": %.4f, \"gflops\": %.2f, \"infer_windows_per_s\": %.0f}\n",
            name.c_str(), threads, s.name, config.windows, seconds, flops / seconds / 1e9, infer);
        std::fflush(stdout);
      }
      const double seconds = trainer_epoch_seconds(setup, threads, epochs);
      std::printf(
          "{\"impl\": \"lstm-forecast\", \"config\": \"%s\", \"threads\": %d, \"strategy\": \"trainer\", "
          "\"windows\": %ld, \"sec_per_epoch\": %.4f, \"gflops\": %.2f}\n",
          name.c_str(), threads, config.windows, seconds, flops / seconds / 1e9);
      std::fflush(stdout);
    }
  }
  return 0;
}
