#include <pthread.h>
#include <signal.h>

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

namespace {
bool blocked_here(int signal) {
  sigset_t mask;
  pthread_sigmask(SIG_BLOCK, nullptr, &mask);
  return sigismember(&mask, signal) == 1;
}
}  // namespace

TEST_CASE("SignalsBlocked blocks every signal while it lives and restores the mask after", "[parallel]") {
  REQUIRE_FALSE(blocked_here(SIGINT));
  {
    const SignalsBlocked blocked;
    CHECK(blocked_here(SIGINT));
    CHECK(blocked_here(SIGTERM));
    CHECK(blocked_here(SIGPIPE));
  }
  CHECK_FALSE(blocked_here(SIGINT));
  CHECK_FALSE(blocked_here(SIGTERM));
}

// A signal handler reads what the main thread changes (the live temporaries): one that ran on a
// worker could see it half changed. Workers block every signal, so the kernel delivers a
// process-directed signal to the calling thread.
TEST_CASE("parallel_for's workers run with every signal blocked and the calling thread keeps its mask", "[parallel]") {
  REQUIRE_FALSE(blocked_here(SIGINT));
  const std::thread::id caller = std::this_thread::get_id();
  std::atomic<int> on_workers{0}, unblocked{0};
  // Indices are claimed, not assigned: repeat until a worker has taken some (at once, unless the
  // machine is very busy).
  for (int repeat = 0; repeat < 200 && on_workers.load() == 0; ++repeat)
    parallel_for(16, 3, [&](int) {
      if (std::this_thread::get_id() == caller) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        return;
      }
      ++on_workers;
      if (!blocked_here(SIGINT) || !blocked_here(SIGTERM)) ++unblocked;
    });
  REQUIRE(on_workers.load() > 0);
  CHECK(unblocked.load() == 0);
  CHECK_FALSE(blocked_here(SIGINT));
}
