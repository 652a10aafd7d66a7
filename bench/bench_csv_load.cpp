// CSV loading speed: writes a deterministic CSV (an hourly datetime column and 10 numeric columns,
// 1,000,000 rows unless given another count) into a temporary folder, then times load_series on it,
// best of 3. Target (bench/README.md): 1,000,000 x 10 in under one second.
//   usage: bench_csv_load [rows]
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "lstmf/series.hpp"
#include "lstmf/time_index.hpp"

namespace {

constexpr int kColumns = 10;

// Writes `rows` rows; values come from a fixed linear congruential generator, so every run (and
// every machine) reads the same bytes.
void write_csv(const std::string& path, long rows) {
  std::ofstream out(path, std::ios::binary);
  std::string line = "date";
  for (int c = 0; c < kColumns; ++c) line += ",x" + std::to_string(c);
  out << line << "\n";

  lstmf::TimeIndex hourly;
  hourly.format.kind = lstmf::TimeKind::datetime;
  hourly.frequency = {lstmf::Frequency::Unit::seconds, 3600};
  const std::int64_t start = lstmf::days_from_civil(2000, 1, 1) * 86400;
  std::uint64_t state = 42;
  char number[32];
  for (long row = 0; row < rows; ++row) {
    line = hourly.format_tick(hourly.advance(start, row));
    for (int c = 0; c < kColumns; ++c) {
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      const double value = static_cast<double>(state >> 11) / 9007199254740992.0 * 2000.0 - 1000.0;
      const auto written = std::to_chars(number, number + sizeof number, value, std::chars_format::fixed, 3);
      line += ',';
      line.append(number, written.ptr);
    }
    line += '\n';
    out << line;
  }
  if (!out) throw std::runtime_error("cannot write " + path);
}

}  // namespace

int main(int argc, char** argv) {
  const long rows = argc > 1 ? std::atol(argv[1]) : 1000000;
  if (rows < 1) {
    std::cerr << "usage: bench_csv_load [rows]\n";
    return 2;
  }
  std::string folder = (std::filesystem::temp_directory_path() / "lstmf-bench-XXXXXX").string();
  if (::mkdtemp(folder.data()) == nullptr) {
    std::cerr << "bench_csv_load: cannot create a temporary folder\n";
    return 3;
  }
  const std::string path = folder + "/bench.csv";
  int status = 0;
  try {
    write_csv(path, rows);
    const double megabytes = static_cast<double>(std::filesystem::file_size(path)) / 1e6;

    lstmf::DataConfig data;
    data.path = path;
    data.time_column = "date";
    data.targets = {"x0"};
    for (int c = 1; c < kColumns; ++c) data.features.push_back("x" + std::to_string(c));

    // Wall time is the figure that counts; CPU time (both threads: libfccp reads ahead on its own)
    // tells a slow run on a busy machine from a slow loader.
    double best = 1e30, best_cpu = 1e30;
    for (int run = 0; run < 3; ++run) {
      const auto begin = std::chrono::steady_clock::now();
      const std::clock_t cpu_begin = std::clock();
      const lstmf::SeriesSet set = lstmf::load_series(data);
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
      const double cpu = static_cast<double>(std::clock() - cpu_begin) / CLOCKS_PER_SEC;
      if (set.series.front().rows() != rows) throw std::runtime_error("loaded the wrong number of rows");
      best = std::min(best, seconds);
      best_cpu = std::min(best_cpu, cpu);
    }
    std::printf("csv load: %ld rows x %d columns + date, %.1f MB\n", rows, kColumns, megabytes);
    std::printf("best of 3: %.3f s, %.2f M rows/s, %.0f MB/s (CPU %.3f s)\n", best,
                static_cast<double>(rows) / best / 1e6, megabytes / best, best_cpu);
  } catch (const std::exception& e) {
    std::cerr << "bench_csv_load: " << e.what() << "\n";
    status = 1;
  }
  std::error_code ignored;
  std::filesystem::remove_all(folder, ignored);
  return status;
}
