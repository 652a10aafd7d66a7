#include "lstmf/memory.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <string>

#include "lstmf/error.hpp"
#include "lstmf/trainer.hpp"

namespace lstmf {
namespace {

constexpr std::uint64_t kFloat = sizeof(float);


// A number from a file such as /sys/fs/cgroup/memory.max; false when absent or "max".
bool read_number(const std::string& path, std::uint64_t& value) {
  std::ifstream in(path);
  std::string text;
  if (!(in >> text) || text.empty() || text.find_first_not_of("0123456789") != std::string::npos) return false;
  value = std::stoull(text);
  return true;
}

}  // namespace

std::uint64_t saturating_mul(std::uint64_t a, std::uint64_t b) {
  if (a != 0 && b > std::numeric_limits<std::uint64_t>::max() / a) return std::numeric_limits<std::uint64_t>::max();
  return a * b;
}
std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) {
  return a > std::numeric_limits<std::uint64_t>::max() - b ? std::numeric_limits<std::uint64_t>::max() : a + b;
}

std::uint64_t MemoryEstimate::total() const {
  return saturating_add(
      saturating_add(saturating_add(saturating_add(saturating_add(data, model), activations), checkpoint), overhead), validation);
}

std::uint64_t parameter_count(const ModelConfig& config, long inputs, long outputs) {
  std::uint64_t count = 0;
  std::uint64_t in = static_cast<std::uint64_t>(inputs);
  for (const int hidden : config.hidden) {
    const auto h = static_cast<std::uint64_t>(std::max(hidden, 1));
    count = saturating_add(count, saturating_mul(4 * h, in + h + 2));  // W_ih [4H, in], W_hh [4H, H], b_ih, b_hh [4H]
    in = h;
  }
  return saturating_add(count, saturating_mul(static_cast<std::uint64_t>(outputs), in + 1));  // head [O, H_top] + [O]
}

long calibration_window_cap(long look_back, long horizon) {
  constexpr long kKeep = 10;
  return std::max(kKeep, static_cast<long>(kMemberStepBudget / static_cast<double>(std::max(1L, look_back + horizon))));
}

MemoryEstimate estimate_training_memory(const Config& config, long inputs, long targets, long rows, int threads) {
  MemoryEstimate m;
  const auto columns = static_cast<std::uint64_t>(inputs);
  const auto n_rows = static_cast<std::uint64_t>(std::max(rows, 0L));
  // Values as read [rows, C] double, the scaler's double result and its float copy, and one
  // (block, start) window reference (16 bytes) per row at most.
  m.data = saturating_add(saturating_mul(saturating_mul(n_rows, columns), 8 + 8 + 4), saturating_mul(n_rows, 16));

  const std::uint64_t params =
      parameter_count(config.model, inputs, static_cast<long>(config.data.horizon) * targets);
  const TrainingConfig& t = config.training;
  std::uint64_t moments = 0;  // optimizer buffers per parameter
  if (t.optimizer == OptimizerKind::adam) moments = 2;
  else if (t.optimizer == OptimizerKind::rmsprop) moments = 1 + (t.momentum > 0) + (t.centered ? 1 : 0);
  else moments = t.momentum > 0 ? 1 : 0;
  // The model, its copy in the checkpoint being built, the best weights, the gradient and one more
  // gradient per extra thread, and the moments.
  const std::uint64_t copies = 4 + static_cast<std::uint64_t>(std::max(threads, 1) - 1) + moments;
  m.model = saturating_mul(saturating_mul(params, copies), kFloat);
  // The checkpoint holds the best weights twice (state_dict and optimizer_state.best_state_dict),
  // the last weights and the moments as JSON: a 16-byte node per number in vectors that may have
  // doubled. Its text goes out 1 MiB at a time (checkpoint.hpp write_checkpoint), but to stdout
  // or a pipe, which hold it until it is committed (13-16 bytes a number, within this slack). Until
  // 2026-12-07 the whole text was held, twice, and the optimizer state copied (28 + 12 bytes a
  // number more were counted): --hidden 2048 with Adam, one member (16.8 M parameters), peaked at
  // 4.43 GB; now 1.74 GB, 103 bytes a parameter in all, where this estimate counts 188.
  m.checkpoint = saturating_mul(saturating_mul(params, 3 + moments), 32);

  // One batch of B windows of T steps, split over the threads: per layer k the caches gates and
  // dgates [T*B, 4H], cell, act(cell) and hidden [T*B, H], dx [T*B, in], and with dropout its
  // mask and output [T*B, H]; the batch x [T*B, C] and y [B, O]. A batch holds no more windows
  // than there are rows (--batch-size 1000000 on 144 rows is one batch of at most 144: it was
  // refused for 49 GiB); before the rows are known, one window, the least any run needs.
  const auto steps = static_cast<std::uint64_t>(std::max(config.data.look_back, 1));
  const auto batch = std::min(static_cast<std::uint64_t>(std::max(t.batch_size, 1)), std::max<std::uint64_t>(n_rows, 1));
  const std::uint64_t step_rows = saturating_mul(steps, batch);
  std::uint64_t per_row = columns;
  std::uint64_t in = columns;
  for (const int hidden : config.model.hidden) {
    const auto h = static_cast<std::uint64_t>(std::max(hidden, 1));
    per_row = saturating_add(per_row, saturating_add(saturating_mul(11, h), in));
    if (config.model.dropout > 0) per_row = saturating_add(per_row, 2 * h);
    in = h;
  }
  m.activations = saturating_add(saturating_mul(saturating_mul(step_rows, per_row), kFloat),
                                 saturating_mul(saturating_mul(batch, static_cast<std::uint64_t>(config.data.horizon) * targets), kFloat));
  // Validation batches are sized to about 16 MiB of gates (trainer.cpp); code and small buffers.
  m.overhead = std::uint64_t{96} << 20;
  // After training, the forecasts of the validation windows [windows, H * targets] in double, and
  // the errors and combinations made of them: about six such matrices at once (measured: 100,000
  // rows, val_fraction 0.5, horizon 1000 peaked at 1.96 GB, which this left out; a review). The
  // windows: those of a tail of val_fraction of the rows and at least one horizon (split_rows),
  // tail - H + 1, at most calibration_window_cap (it counted a window per row of the tail: a
  // horizon of 40000 with 1 window was refused for 28.6 GiB; a review, 2026-12-07).
  // (Per series: many-series training scales it by the series forecast at once, panel.cpp.)
  // Besides them, two costs that grow with H x targets whatever the windows (the old count, one
  // window per row, had covered them; a review measured 850 MB against 550 MiB once it did not):
  // the validation loss of every epoch, batches of up to kMaxInferenceBatch windows (trainer.cpp
  // inference_batch) with their targets and predictions [batch, H * targets] in float; and the
  // interval quantiles [H * targets, 50] in double, then as JSON (a node and text, ~80 bytes each).
  const double held = std::max(0.0, config.data.val_fraction);
  const auto horizon = static_cast<std::uint64_t>(std::max(config.data.horizon, 1));
  const std::uint64_t outputs = saturating_mul(horizon, targets);
  if (held > 0) {
    const auto tail = std::max(horizon, static_cast<std::uint64_t>(std::ceil(static_cast<double>(n_rows) * std::min(held, 1.0))));
    const std::uint64_t windows = tail - horizon + 1;
    const std::uint64_t calibrated =
        std::min<std::uint64_t>(windows, static_cast<std::uint64_t>(calibration_window_cap(config.data.look_back, config.data.horizon)));
    m.validation = saturating_add(saturating_add(saturating_mul(saturating_mul(calibrated, outputs), 6 * 8),
                                                 saturating_mul(saturating_mul(std::min<std::uint64_t>(windows, kMaxInferenceBatch), outputs), 2 * kFloat)),
                                  saturating_mul(outputs, 50 * (8 + 80)));
  }
  return m;
}

std::uint64_t available_memory() {
  std::uint64_t available = 0;
  {
    std::ifstream meminfo("/proc/meminfo");
    std::string key;
    std::uint64_t kib = 0;
    std::string unit;
    while (meminfo >> key >> kib >> unit)
      if (key == "MemAvailable:") {
        available = kib * 1024;
        break;
      }
  }
  if (available == 0) {
    const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGE_SIZE);
    if (pages > 0 && page > 0) available = static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page);
  }
  // A container's or a job's limit (cgroup v2, then v1) counts too.
  if (const std::optional<std::uint64_t> room = cgroup_room("/proc/self/cgroup", "/sys/fs/cgroup", "/sys/fs/cgroup/memory");
      room && (available == 0 || *room < available))
    available = *room;
  return available;
}

std::optional<std::uint64_t> cgroup_room(const std::string& proc_cgroup, const std::string& v2_root, const std::string& v1_root) {
  // This process's group in each hierarchy: v2's "0::/path", v1's "N:memory[,...]:/path".
  std::string v2 = "/", v1 = "/";
  {
    std::ifstream in(proc_cgroup);
    for (std::string line; std::getline(in, line);) {
      const auto first = line.find(':'), second = first == std::string::npos ? first : line.find(':', first + 1);
      if (second == std::string::npos) continue;
      const std::string controllers = "," + line.substr(first + 1, second - first - 1) + ",";
      const std::string path = line.substr(second + 1);
      if (path.empty() || path[0] != '/' || path.find("/..") != std::string::npos) continue;
      if (line.compare(0, first, "0") == 0 && controllers == ",,") v2 = path;
      else if (controllers.find(",memory,") != std::string::npos) v1 = path;
    }
  }
  // The tightest limit of the group and its ancestors (a job's limit may sit on a parent: Slurm's
  // job group above its step's). A group not mounted here (a namespace shows "/") is not read.
  const auto tightest = [](const std::string& root, std::string path, const char* limit_file, const char* usage_file) {
    std::optional<std::uint64_t> room;
    for (;;) {
      std::uint64_t limit = 0, usage = 0;
      const std::string dir = root + (path == "/" ? "" : path) + "/";
      if (read_number(dir + limit_file, limit) && read_number(dir + usage_file, usage) && limit < (std::uint64_t{1} << 60)) {
        const std::uint64_t left = limit > usage ? limit - usage : 0;
        if (!room || left < *room) room = left;
      }
      if (path == "/") return room;
      const auto slash = path.rfind('/');
      path = slash == 0 ? "/" : path.substr(0, slash);
    }
  };
  if (std::optional<std::uint64_t> room = tightest(v2_root, v2, "memory.max", "memory.current")) return room;
  return tightest(v1_root, v1, "memory.limit_in_bytes", "memory.usage_in_bytes");
}

std::string format_bytes(std::uint64_t bytes) {
  if (bytes == std::numeric_limits<std::uint64_t>::max()) return "more than 16 EiB";
  const char* const units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 6) value /= 1024, ++unit;
  char text[32];
  if (unit == 0) std::snprintf(text, sizeof text, "%llu bytes", static_cast<unsigned long long>(bytes));
  else std::snprintf(text, sizeof text, value < 100 ? "%.1f %s" : "%.0f %s", value, units[unit]);
  return text;
}

void check_memory(const MemoryEstimate& estimate, std::uint64_t already_held, std::uint64_t available) {
  const std::uint64_t total = estimate.total();
  const std::uint64_t needed = total > already_held ? total - already_held : 0;
  if (available == 0 || needed <= available) return;
  struct Part {
    std::uint64_t bytes;
    const char* name;
    const char* remedy;
    const char* settings;  // a part each ensemble member holds its own of: the settings that shrink it
  };
  const Part parts[] = {
      {estimate.model, "model and optimizer", nullptr, "--hidden or the number of layers"},
      {estimate.checkpoint, "checkpoint", nullptr, "--hidden or the number of layers"},
      {estimate.activations, "activations of one batch", nullptr, "--batch-size, --look-back or --hidden"},
      {estimate.data, "data", "use fewer rows or columns", nullptr},
      {estimate.validation, "forecasts of the validation windows", "reduce --horizon or --val-fraction", nullptr},
  };
  const Part* largest = &parts[0];
  for (const Part& part : parts)
    if (part.bytes > largest->bytes) largest = &part;
  std::ostringstream message;
  message << "training would need " << format_bytes(total) << " of memory (" << largest->name << " "
          << format_bytes(largest->bytes) << ") but " << format_bytes(available) << " is available; ";
  if (largest->remedy != nullptr) {
    message << largest->remedy;
  } else if (estimate.members <= 1) {
    message << "reduce " << largest->settings;
  } else {
    // The members' parts are theirs together: --ensemble first, alone when one member would fit.
    const std::uint64_t each =
        saturating_add(saturating_add(estimate.model, estimate.checkpoint), estimate.activations) / estimate.members;
    const std::uint64_t one =
        estimate.alone > 0 ? estimate.alone
                           : saturating_add(saturating_add(saturating_add(estimate.data, estimate.overhead), estimate.validation), each);
    message << "reduce --ensemble (" << estimate.members << " members";
    if (one <= saturating_add(available, already_held)) message << "; one needs " << format_bytes(one) << ")";
    else message << "), " << largest->settings;
  }
  throw MemoryError(message.str());
}

void check_model_memory(const Config& config, int threads) {
  const long targets = static_cast<long>(config.data.targets.size());
  const long inputs = targets + static_cast<long>(config.data.features.size());
  check_memory(estimate_training_memory(config, inputs, targets, 0, threads), 0, available_memory());
}

}  // namespace lstmf
