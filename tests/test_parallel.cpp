#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "lstmf/parallel.hpp"

using namespace lstmf;

TEST_CASE("parallel_for runs every index exactly once, whatever the thread count", "[parallel]") {
  for (const int threads : {1, 2, 3, 8}) {
    for (const int count : {0, 1, 2, 5, 64}) {
      std::vector<std::atomic<int>> runs(static_cast<std::size_t>(count));
      for (int repeat = 0; repeat < 50; ++repeat)
        parallel_for(count, threads, [&](int i) { runs[static_cast<std::size_t>(i)].fetch_add(1); });
      for (const auto& r : runs) CHECK(r.load() == 50);
    }
  }
}

TEST_CASE("parallel_for returns only when every index has finished", "[parallel]") {
  std::vector<int> out(4, 0);
  parallel_for(4, 2, [&](int i) {
    if (i % 2 == 1) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    out[static_cast<std::size_t>(i)] = i + 1;
  });
  CHECK(out == std::vector<int>{1, 2, 3, 4});
}

TEST_CASE("parallel_for rethrows a task's exception and stays usable", "[parallel]") {
  REQUIRE_THROWS_WITH(parallel_for(4, 2, [](int i) {
                        if (i == 2) throw std::runtime_error("task 2 failed");
                      }),
                      "task 2 failed");
  std::atomic<int> sum{0};
  parallel_for(4, 2, [&](int i) { sum += i; });
  CHECK(sum.load() == 6);
}

TEST_CASE("parallel_for inside a task runs serially instead of deadlocking", "[parallel]") {
  std::atomic<int> inner{0};
  parallel_for(2, 2, [&](int) { parallel_for(3, 2, [&](int) { ++inner; }); });
  CHECK(inner.load() == 6);
}
