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

#include "cli.hpp"
#include "lstmf/checkpoint.hpp"
#include "lstmf/error.hpp"
#include "lstmf/forecast.hpp"
#include "lstmf/panel.hpp"

using namespace lstmf;

namespace {

int run(const std::string& model_path, const std::string& input_path, int threads, int repeats, bool load_only) {
  if (load_only) {
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

}  // namespace

int main(int argc, char** argv) {
  std::string model_path, input_path;
  long threads = 0, repeats = 3, load_only = 0;
  bench::Cli cli("bench_infer", "Batched inference over every window of a CSV (or the checkpoint load alone)");
  cli.text("--model", model_path, "checkpoint (required)")
      .text("--input", input_path, "history CSV whose every window is forecast (required without --load-only)")
      .integer("--threads", threads, 0, kMaxThreads, "threads (0: every core)")
      .integer("--repeats", repeats, 1, 1000000, "timed passes (the best is reported)")
      .integer("--load-only", load_only, 0, 1, "1: time loading the checkpoint alone (0: inference)");
  cli.parse(argc, argv);
  if (model_path.empty() || (input_path.empty() && load_only == 0)) cli.fail("--model and --input are required");
  try {
    return run(model_path, input_path, static_cast<int>(threads), static_cast<int>(repeats), load_only != 0);
  } catch (const Error& e) {  // a file that cannot be read or is not a checkpoint: as lstm-forecast says it
    std::fprintf(stderr, "bench_infer: %s\n", e.what());
    return static_cast<int>(e.code());
  }
}
