// The machine's single-GEMM fp32 rate with Eigen, at 1 and 2 threads (Eigen::setNbThreads, its
// OpenMP-parallel product), on the products of one training batch of the `large` config of
// ../shared/bench/torch_reference.py (look-back 96, 8 features, hidden 256, 2 layers, batch 128):
//   projection  [T*B, H] x [H, 4H]   the second layer's input projections of all steps
//   recurrent   [B, H] x [H, 4H]     one step's h_{t-1} W_hh^T
//   weight_grad [H, T*B] x [T*B, 4H] the second layer's dW_ih over the whole sequence
// Each product is C = A B (2 m n k FLOPs), repeated for at least 0.3 s, best of 5. Run:
//   bench_gemm [--threads 1,2] [--min-seconds 0.3]
// Prints one JSON object per shape and thread count on stdout.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "cli.hpp"
#include "lstmf/config.hpp"

namespace {

using MatrixF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

struct Shape {
  const char* name;
  Eigen::Index m, n, k;
};

// GFLOP/s of c = a b, best of 5 timings of at least `min_seconds` each.
double gflops(const Shape& shape, double min_seconds) {
  const MatrixF a = MatrixF::Random(shape.m, shape.k);
  const MatrixF b = MatrixF::Random(shape.k, shape.n);
  MatrixF c(shape.m, shape.n);
  c.noalias() = a * b;  // warm-up
  const double flops = 2.0 * static_cast<double>(shape.m) * static_cast<double>(shape.n) * static_cast<double>(shape.k);
  double best = 0;
  for (int repeat = 0; repeat < 5; ++repeat) {
    long calls = 0;
    const auto start = std::chrono::steady_clock::now();
    double seconds = 0;
    do {
      c.noalias() = a * b;
      ++calls;
      seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    } while (seconds < min_seconds);
    best = std::max(best, flops * static_cast<double>(calls) / seconds / 1e9);
  }
  if (!(c.allFinite())) std::fprintf(stderr, "non-finite product\n");
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<long> thread_counts = {1, 2};
  double min_seconds = 0.3;
  bench::Cli cli("bench_gemm", "The machine's single-GEMM fp32 rate with Eigen, at each thread count");
  cli.integers("--threads", thread_counts, 1, lstmf::kMaxThreads, "thread counts to measure")
      .positive("--min-seconds", min_seconds, "time each shape at least this long");
  cli.parse(argc, argv);
  const Eigen::Index T = 96, B = 128, H = 256;
  const std::vector<Shape> shapes = {
      {"projection", T * B, 4 * H, H}, {"recurrent", B, 4 * H, H}, {"weight_grad", H, 4 * H, T * B}};
  for (const long count : thread_counts) {
    const int threads = static_cast<int>(count);
    Eigen::setNbThreads(threads);
    for (const Shape& shape : shapes)
      std::printf("{\"shape\": \"%s\", \"m\": %ld, \"n\": %ld, \"k\": %ld, \"threads\": %d, \"gflops\": %.1f}\n",
                  shape.name, static_cast<long>(shape.m), static_cast<long>(shape.n), static_cast<long>(shape.k),
                  threads, gflops(shape, min_seconds));
    std::fflush(stdout);
  }
  return 0;
}
