// The threads of a batch: parallel_for(count, threads, task) runs task(0) .. task(count - 1), each
// exactly once, on the calling thread and up to threads - 1 workers of a process-wide pool, and
// returns when all have finished (rethrowing the first exception a task threw). On one thread (or
// one index, or called inside a task) it runs them in order on the calling thread, and the first
// exception stops it there.
//
// Indices are claimed, not assigned: whichever thread is free takes the next one, and the calling
// thread takes them too. A worker that has not woken up by the time the indices run out takes
// none and is not waited for, so on a busy machine (workers descheduled) a batch costs at most what
// it costs on one thread, where an OpenMP team would wait at its barrier for every member to be
// scheduled (measured: 20x slower than one thread at load 10 on 2 cores, seed-small shapes).
// Results never depend on which thread ran an index: each index owns its workspace (the shards of
// model.hpp), and callers combine them in index order.
//
// Every thread the library starts (the pool's workers, fit's ensemble threads) starts inside a
// SignalsBlocked and so runs with every signal blocked (libfccp's read-ahead thread blocks them at
// its first read, csv.cpp): a Ctrl-C is handled by the thread that
// started the work, never by a worker. The CLI's handlers read state the main thread changes (the
// live temporaries of io.hpp); a handler on a worker could run in the middle of such a change.
#pragma once

#include <signal.h>

#include <functional>

namespace lstmf {

void parallel_for(int count, int threads, const std::function<void(int)>& task);

// Blocks every signal on the calling thread while it lives, then restores the thread's mask.
// Threads started meanwhile inherit the blocked mask and keep it.
class SignalsBlocked {
 public:
  SignalsBlocked();
  ~SignalsBlocked();
  SignalsBlocked(const SignalsBlocked&) = delete;
  SignalsBlocked& operator=(const SignalsBlocked&) = delete;

 private:
  sigset_t previous_;
};

}  // namespace lstmf
