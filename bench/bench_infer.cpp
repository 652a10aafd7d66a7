// Batched inference through the library path of `lstm-forecast predict --fitted`: predictions for
// every window of a CSV (predict_at over all origins, batched, no gradients), timed without the
// checkpoint load, the CSV parse and the output formatting, best of `--repeats` passes (more until
// 0.5 s have passed). Run:
//   bench_infer --model m.json --input data.csv [--threads 0] [--repeats 3]
// Prints one JSON object on stdout: windows, seconds, infer_windows_per_s.
//   bench_infer --model m.json --load-only 1 [--repeats 7]
// times the checkpoint load of `predict` alone (load_any_checkpoint: read, parse, validate, convert
// the weights; the optimizer state is skipped as predict skips it), best of the passes, and
// prints {"load_seconds": s}: the harness checks that it grows linearly with the size.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "lstmf/checkpoint.hpp"
#include "lstmf/forecast.hpp"
#include "lstmf/panel.hpp"

using namespace lstmf;

int main(int argc, char** argv) {
  std::string model_path, input_path;
  int threads = 0, repeats = 3;
  bool load_only = false;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string arg = argv[i];
    if (arg == "--model") model_path = argv[i + 1];
    else if (arg == "--input") input_path = argv[i + 1];
    else if (arg == "--threads") threads = std::stoi(argv[i + 1]);
    else if (arg == "--repeats") repeats = std::stoi(argv[i + 1]);
    else if (arg == "--load-only") load_only = std::stoi(argv[i + 1]) != 0;
  }
  if (load_only && !model_path.empty()) {
    double best = 1e300, total = 0;
    for (int r = 0; r < repeats || (total < 0.5 && r < 1000); ++r) {
      const auto start = std::chrono::steady_clock::now();
      const AnyCheckpoint loaded = load_any_checkpoint(model_path);
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      best = std::min(best, seconds);
      total += seconds;
      if (!loaded.single && !loaded.panel) return 1;  // keeps the load from being optimised away
    }
    std::printf("{\"load_seconds\": %.6f}\n", best);
    return 0;
  }
  if (model_path.empty() || input_path.empty()) {
    std::fprintf(stderr, "usage: bench_infer --model m.json --input data.csv [--threads N] [--repeats N]\n");
    return 2;
  }
  const Checkpoint checkpoint = load_checkpoint(model_path);
  const History history = read_history(checkpoint, input_path);
  const long look_back = checkpoint.config.data.look_back;
  const int horizon = checkpoint.config.data.horizon;
  std::vector<long> origins;
  for (long origin = look_back; origin + horizon <= history.values.rows(); ++origin) origins.push_back(origin);
  double best = 1e300;
  double checksum = 0;
  // At least `repeats` passes and 0.5 s in all: one pass of a seed config takes milliseconds, which
  // one descheduling on a busy machine would double.
  double total = 0;
  for (int r = 0; r < repeats || (total < 0.5 && r < 1000); ++r) {
    const auto start = std::chrono::steady_clock::now();
    const MatrixD predicted = predict_at(checkpoint, history.values, history.phase, origins, horizon, threads);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    best = std::min(best, seconds);
    total += seconds;
    checksum = predicted.sum();
  }
  std::printf("{\"impl\": \"lstm-forecast\", \"windows\": %zu, \"seconds\": %.5f, \"infer_windows_per_s\": %.0f, "
              "\"checksum\": %.6g}\n",
              origins.size(), best, static_cast<double>(origins.size()) / best, checksum);
  return 0;
}
