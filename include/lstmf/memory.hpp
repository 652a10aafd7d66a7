// The memory a training job needs, estimated from its sizes before anything large is allocated,
// and the memory the machine has. fit() refuses a job that would not fit with the figures
// (MemoryError, exit 5) instead of being killed by the kernel halfway.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "lstmf/config.hpp"

namespace lstmf {

// Bytes, by what holds them. Estimates follow the engine's buffers (model.hpp, lstm.hpp,
// backprop.hpp, optimizer.hpp, checkpoint.hpp); they aim a little high, never far low.
// Saturating arithmetic for byte counts: absurd sizes give a huge figure, never a wrapped small one.
std::uint64_t saturating_mul(std::uint64_t a, std::uint64_t b);
std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b);

struct MemoryEstimate {
  std::uint64_t data = 0;         // values as read (double), scaled copy (float), window index
  std::uint64_t model = 0;        // parameters, best weights, gradients (one per thread), optimizer moments
  std::uint64_t activations = 0;  // forward caches and backward buffers of one batch (all threads together)
  std::uint64_t checkpoint = 0;   // the checkpoint's JSON tree and text while it is written
  std::uint64_t overhead = 0;     // validation inference, code, small buffers
  std::uint64_t validation = 0;   // the forecasts of every validation window of one series, and their errors
  // Ensemble members training side by side: model, checkpoint and activations are theirs together
  // (the caller multiplies them), named in a refusal (check_memory).
  std::uint64_t members = 1;
  // With members > 1: what the job needs with one member, total() of its own estimate (an ensemble's
  // members train on one thread each, one member on every thread, a gradient copy apiece); 0: the
  // members' share of model, checkpoint and activations beside the shared parts.
  std::uint64_t alone = 0;

  std::uint64_t total() const;  // saturating: absurd sizes give a huge figure, never a wrapped one
};

// LSTM steps a member may take in a phase the user did not size: the recipe's training
// (look-back x training windows x epochs: it raises data.stride beyond, recipe.cpp) and the
// calibration after training (windows x (look-back + horizon), below).
inline constexpr double kMemberStepBudget = 8e6;

// The most validation windows the calibration after training forecasts from (fit.hpp,
// validation_origins), which bounds its time and its memory alike:
//   max(10, floor(kMemberStepBudget / (look_back + horizon)))
long calibration_window_cap(long look_back, long horizon);

// For a job on `rows` rows of `inputs` columns (targets first) with `targets` targets; rows 0
// leaves the data out and counts a batch of one window (a check before the file is read: a
// batch holds at most one window a row). `threads` as resolved (>= 1).
MemoryEstimate estimate_training_memory(const Config& config, long inputs, long targets, long rows, int threads);

// The parameter count of the model `config` describes (PyTorch's nn.LSTM + nn.Linear).
std::uint64_t parameter_count(const ModelConfig& config, long inputs, long outputs);

// Bytes this process can still take: the smaller of /proc/meminfo's MemAvailable and the cgroup's
// limit minus its usage; physical memory when neither is readable; 0 when nothing is known.
std::uint64_t available_memory();
// The room left under the memory limits of this process's cgroup and its ancestors (limit minus
// usage, the tightest), read from `proc_cgroup` (/proc/self/cgroup) under the v2 hierarchy at
// `v2_root` (/sys/fs/cgroup), else the v1 memory hierarchy at `v1_root`; none when no limit is
// set or readable. (It read the hierarchy's root alone: a job's own group, as Slurm or
// systemd-run -p MemoryMax make one, went unseen, and the kernel killed the job: a review.)
std::optional<std::uint64_t> cgroup_room(const std::string& proc_cgroup, const std::string& v2_root, const std::string& v1_root);

// "37.2 GiB", "512 MiB", "980 KiB".
std::string format_bytes(std::uint64_t bytes);

// Throws MemoryError when `estimate.total() - already_held` exceeds `available` (0 = unknown: no
// check), naming the figure, its largest part and the settings that shrink it: --ensemble first
// when the part is the members' (alone, with what one member needs, when one would fit).
void check_memory(const MemoryEstimate& estimate, std::uint64_t already_held, std::uint64_t available);

// check_memory on the model's share of a training job as far as `config` fixes it, before the file
// is read: its named targets and features, no rows, `threads` (>= 1) training side by side.
void check_model_memory(const Config& config, int threads);

}  // namespace lstmf
