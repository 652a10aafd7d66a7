#include "lstmf/parallel.hpp"

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

namespace lstmf {
namespace {

// One parallel_for call. Workers hold it by shared_ptr, so one that wakes after the call returned
// finds every index claimed and never touches the (gone) task.
struct Job {
  const std::function<void(int)>* task = nullptr;
  int count = 0;
  std::atomic<int> seats{0};  // workers that may still join
  std::atomic<int> next{0};   // next unclaimed index
  std::atomic<int> done{0};   // indices finished
  std::mutex error_mutex;
  std::exception_ptr error;
};

// Runs unclaimed indices of `job` until none is left; returns whether this thread finished the last.
bool drain(Job& job) {
  bool last = false;
  for (int i = job.next.fetch_add(1, std::memory_order_relaxed); i < job.count;
       i = job.next.fetch_add(1, std::memory_order_relaxed)) {
    try {
      (*job.task)(i);
    } catch (...) {
      const std::lock_guard<std::mutex> lock(job.error_mutex);
      if (!job.error) job.error = std::current_exception();
    }
    last = job.done.fetch_add(1, std::memory_order_acq_rel) + 1 == job.count;
  }
  return last;
}

// Set on a thread while it runs tasks: a parallel_for inside a task runs serially.
thread_local bool t_in_task = false;

class Pool {
 public:
  ~Pool() {
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    for (std::thread& worker : workers_) worker.join();
  }

  void run(int count, int threads, const std::function<void(int)>& task) {
    const std::lock_guard<std::mutex> caller(call_mutex_);  // one parallel_for at a time
    auto job = std::make_shared<Job>();
    job->task = &task;
    job->count = count;
    job->seats.store(threads - 1, std::memory_order_relaxed);
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      try {
        const SignalsBlocked blocked;  // a worker never runs a signal handler (parallel.hpp)
        while (static_cast<int>(workers_.size()) < threads - 1) workers_.emplace_back([this] { work(); });
      } catch (const std::system_error&) {
        // No more threads to be had (ulimit -u, a container's pids limit): the ones there are, and
        // this thread, claim every index.
      }
      job_ = job;
      generation_.fetch_add(1, std::memory_order_release);
    }
    wake_.notify_all();
    t_in_task = true;
    drain(*job);
    t_in_task = false;
    if (job->done.load(std::memory_order_acquire) != count) {
      std::unique_lock<std::mutex> lock(mutex_);
      finished_.wait(lock, [&] { return job->done.load(std::memory_order_acquire) == count; });
    }
    if (job->error) std::rethrow_exception(job->error);
  }

 private:
  void work() {
    t_in_task = true;
    std::uint64_t seen = 0;
    for (;;) {
      // Spin a little before sleeping: the next batch usually follows within microseconds, and a
      // futex wake-up costs tens of them. yield() gives the core away on a busy machine.
      const auto spin_until = std::chrono::steady_clock::now() + std::chrono::microseconds(200);
      while (generation_.load(std::memory_order_acquire) == seen && std::chrono::steady_clock::now() < spin_until)
        std::this_thread::yield();
      std::shared_ptr<Job> job;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return stop_ || generation_.load(std::memory_order_relaxed) != seen; });
        if (stop_) return;
        seen = generation_.load(std::memory_order_relaxed);
        job = job_;
      }
      if (job->seats.fetch_sub(1, std::memory_order_relaxed) <= 0) continue;
      if (drain(*job)) {
        const std::lock_guard<std::mutex> lock(mutex_);  // the caller checks `done` under this lock
        finished_.notify_all();
      }
    }
  }

  std::mutex call_mutex_;
  std::mutex mutex_;
  std::condition_variable wake_, finished_;
  std::shared_ptr<Job> job_;
  std::atomic<std::uint64_t> generation_{0};
  bool stop_ = false;
  std::vector<std::thread> workers_;
};

Pool& pool() {
  static Pool instance;
  return instance;
}

}  // namespace

SignalsBlocked::SignalsBlocked() {
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &previous_);
}

SignalsBlocked::~SignalsBlocked() { pthread_sigmask(SIG_SETMASK, &previous_, nullptr); }

void parallel_for(int count, int threads, const std::function<void(int)>& task) {
  if (count <= 0) return;
  if (threads <= 1 || count == 1 || t_in_task) {
    for (int i = 0; i < count; ++i) task(i);
    return;
  }
  pool().run(count, std::min(threads, count), task);
}

}  // namespace lstmf
