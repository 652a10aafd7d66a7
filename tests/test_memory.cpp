#include <filesystem>
#include <optional>

#include <catch2/catch.hpp>

#include "lstmf/error.hpp"
#include "lstmf/memory.hpp"
#include "support.hpp"

using namespace lstmf;
using Catch::Contains;
using Catch::EndsWith;

TEST_CASE("the parameter count is PyTorch's nn.LSTM + nn.Linear", "[memory]") {
  ModelConfig model;
  model.hidden = {50};
  // 4H(in + H + 2) + O(H + 1) with in 1, H 50, O 1: 10,600 + 51.
  CHECK(parameter_count(model, 1, 1) == 10651);
  model.hidden = {64, 32};
  CHECK(parameter_count(model, 3, 2) == 4 * 64 * (3 + 64 + 2) + 4 * 32 * (64 + 32 + 2) + 2 * 33);
}

TEST_CASE("the memory estimate grows with each size and never wraps around", "[memory]") {
  Config config;
  config.model.hidden = {50};
  const MemoryEstimate small = estimate_training_memory(config, 1, 1, 1000, 1);
  CHECK(small.total() < (std::uint64_t{200} << 20));  // a small job: well under 200 MiB
  CHECK(small.data == 1000 * (8 + 8 + 4) + 1000 * 16);
  Config wide = config;
  wide.model.hidden = {1024};
  CHECK(estimate_training_memory(wide, 1, 1, 1000, 1).model > 100 * small.model);
  Config long_batches = config;
  long_batches.data.look_back = 1000;
  long_batches.training.batch_size = 1000;
  CHECK(estimate_training_memory(long_batches, 1, 1, 1000, 1).activations > 1000 * small.activations);
  // A batch holds at most one window a row: --batch-size 1000000 on 144 rows is 144 windows at
  // most (it was refused for 49 GiB); before the rows are known, one window.
  Config full_batch = config;
  full_batch.data.look_back = 24;
  full_batch.training.batch_size = 1000000;
  Config rows_batch = full_batch;
  rows_batch.training.batch_size = 144;
  CHECK(estimate_training_memory(full_batch, 1, 1, 144, 1).activations == estimate_training_memory(rows_batch, 1, 1, 144, 1).activations);
  rows_batch.training.batch_size = 1;
  CHECK(estimate_training_memory(full_batch, 1, 1, 0, 1).activations == estimate_training_memory(rows_batch, 1, 1, 0, 1).activations);
  // The forecasts of the validation windows after training: 100,000 rows, val_fraction 0.5,
  // horizon 1000 peaked at 1.96 GB, estimated at 105 MiB (a review); from every one of the 49,001
  // windows. Calibration now forecasts from 7,001 (calibration_window_cap: 7,968 at most): the run
  // peaks at 337 MB (2026-12-07).
  Config held_out = config;
  held_out.model.hidden = {2};
  held_out.data.look_back = 4;
  held_out.data.horizon = 1000;
  held_out.data.val_fraction = 0.5;
  const MemoryEstimate capped = estimate_training_memory(held_out, 1, 1, 100000, 1);
  CHECK(capped.total() > std::uint64_t{337} * 1000 * 1000);
  // The capped windows' forecasts, the validation loss's batch of 1024 windows (targets and
  // predictions in float) and the interval quantiles (50 levels, as doubles and JSON).
  CHECK(capped.validation == std::uint64_t{7968} * 1000 * 48 + std::uint64_t{1024} * 1000 * 8 + std::uint64_t{1000} * 50 * 88);
  // A horizon of 40,000 over 160,000 rows has one validation window: it was estimated as 16,000
  // windows of forecasts, 28.6 GiB, and refused (a review).
  held_out.data.horizon = 40000;
  held_out.data.val_fraction = 0.1;
  CHECK(estimate_training_memory(held_out, 1, 1, 160000, 1).validation == std::uint64_t{40000} * (48 + 8 + 50 * 88));
  // Those two grow with H x targets, whatever the windows: at look-back 1, horizon 100,000 and
  // val_fraction 0.49 of 210,000 rows (2,901 windows) a run peaked at 850 MB where this said
  // 550 MiB (a review); 4 targets at 3.22 GB where it said 1.86 GiB.
  held_out.data.look_back = 1;
  held_out.data.horizon = 100000;
  held_out.data.val_fraction = 0.49;
  held_out.model.hidden = {1};
  held_out.training.threads = 1;
  CHECK(estimate_training_memory(held_out, 1, 1, 210000, 1).total() > std::uint64_t{850} * 1000 * 1000);
  CHECK(estimate_training_memory(held_out, 4, 4, 210000, 1).total() > std::uint64_t{3220} * 1000 * 1000);
  // Absurd sizes saturate instead of wrapping to a small number.
  Config absurd = config;
  absurd.model.hidden = std::vector<int>(16, 1 << 30);
  absurd.data.look_back = 1 << 30;
  absurd.training.batch_size = 1 << 30;
  CHECK(estimate_training_memory(absurd, 1 << 20, 1, 1L << 40, 1024).total() > (std::uint64_t{1} << 60));
}

TEST_CASE("a job that does not fit is refused with the figure and what to reduce", "[memory]") {
  MemoryEstimate estimate;
  estimate.activations = std::uint64_t{40} << 30;
  estimate.model = std::uint64_t{1} << 30;
  const std::uint64_t available = std::uint64_t{8} << 30;
  REQUIRE_THROWS_WITH(check_memory(estimate, 0, available),
                      Contains("training would need 41.0 GiB of memory (activations of one batch 40.0 GiB) but 8.0 GiB "
                               "is available; reduce --batch-size, --look-back or --hidden"));
  try {
    check_memory(estimate, 0, available);
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::memory);
  }
  check_memory(estimate, 0, std::uint64_t{64} << 30);  // fits
  check_memory(estimate, 0, 0);                         // unknown: no check
  check_memory(estimate, std::uint64_t{40} << 30, std::uint64_t{2} << 30);  // most of it already held
}

TEST_CASE("a job too big for its ensemble names --ensemble, and what one member needs when it would fit", "[memory]") {
  MemoryEstimate estimate;  // 10 members of 2 GiB each, side by side
  estimate.members = 10;
  estimate.model = std::uint64_t{20} << 30;
  estimate.overhead = std::uint64_t{96} << 20;
  REQUIRE_THROWS_WITH(check_memory(estimate, 0, std::uint64_t{8} << 30),
                      Contains("training would need 20.1 GiB of memory (model and optimizer 20.0 GiB) but 8.0 GiB is "
                               "available; reduce --ensemble (10 members; one needs 2.1 GiB)"));
  // Not even one member fits: --ensemble and the part's own settings.
  REQUIRE_THROWS_WITH(check_memory(estimate, 0, std::uint64_t{1} << 30),
                      EndsWith("is available; reduce --ensemble (10 members), --hidden or the number of layers"));
  // A part the members share (the data) is not theirs to reduce.
  estimate.data = std::uint64_t{30} << 30;
  REQUIRE_THROWS_WITH(check_memory(estimate, 0, std::uint64_t{8} << 30), EndsWith("; use fewer rows or columns"));
  // One member: as before.
  MemoryEstimate single;
  single.model = std::uint64_t{20} << 30;
  REQUIRE_THROWS_WITH(check_memory(single, 0, std::uint64_t{8} << 30), EndsWith("; reduce --hidden or the number of layers"));
}

TEST_CASE("what one member needs is what --ensemble 1 needs, on every thread", "[memory]") {
  // A review: 2 members said "one needs 19.8 GiB", their one-thread share, where --ensemble 1 (a
  // gradient per thread, --threads 64) was refused for 23.7 GiB.
  MemoryEstimate estimate;
  estimate.members = 2;
  estimate.activations = std::uint64_t{16} << 30;
  estimate.overhead = std::uint64_t{96} << 20;
  estimate.alone = std::uint64_t{12} << 30;  // fits 16 GiB: said
  REQUIRE_THROWS_WITH(check_memory(estimate, 0, std::uint64_t{16} << 30),
                      EndsWith("reduce --ensemble (2 members; one needs 12.0 GiB)"));
  estimate.alone = std::uint64_t{20} << 30;  // one member alone would not fit either: not said to
  REQUIRE_THROWS_WITH(check_memory(estimate, 0, std::uint64_t{16} << 30),
                      EndsWith("reduce --ensemble (2 members), --batch-size, --look-back or --hidden"));
}

TEST_CASE("available memory is read from the machine", "[memory]") {
  const std::uint64_t available = available_memory();
  CHECK(available > (std::uint64_t{16} << 20));
  CHECK(format_bytes(512) == "512 bytes");
  CHECK(format_bytes(std::uint64_t{3} << 20) == "3.0 MiB");
  CHECK(format_bytes(std::uint64_t{37} << 30 | std::uint64_t{200} << 20) == "37.2 GiB");
  CHECK(format_bytes(std::uint64_t{700} << 30) == "700 GiB");
}

TEST_CASE("a cgroup's limit is read from this process's group and its ancestors", "[memory]") {
  // The hierarchy's root alone was read: a job's own group (Slurm, systemd-run -p MemoryMax) went
  // unseen (a review).
  test::TempDir dir;
  const std::string v2 = dir.path() + "/v2", v1 = dir.path() + "/v1";
  std::filesystem::create_directories(v2 + "/job/step");
  std::filesystem::create_directories(v1 + "/a/b");
  dir.write("v2/job/memory.max", "1000\n");
  dir.write("v2/job/memory.current", "200\n");
  dir.write("v2/job/step/memory.max", "max\n");  // no limit of its own: the job's holds
  dir.write("v2/job/step/memory.current", "150\n");
  const std::string proc = dir.write("cgroup", "0::/job/step\n");
  CHECK(cgroup_room(proc, v2, v1) == std::optional<std::uint64_t>(800));
  dir.write("v2/job/step/memory.max", "500\n");  // a tighter one below
  CHECK(cgroup_room(proc, v2, v1) == std::optional<std::uint64_t>(350));
  // cgroup v1: the line naming the memory controller; a limit of 2^63 - 4096 is none.
  const std::string proc1 = dir.write("cgroup1", "5:cpu,cpuacct:/x\n4:memory:/a/b\n0::/\n");
  dir.write("v1/memory.limit_in_bytes", "9223372036854771712\n");
  dir.write("v1/memory.usage_in_bytes", "1000\n");
  CHECK_FALSE(cgroup_room(proc1, v2, v1).has_value());
  dir.write("v1/a/memory.limit_in_bytes", "5000\n");
  dir.write("v1/a/memory.usage_in_bytes", "4000\n");
  dir.write("v1/a/b/memory.limit_in_bytes", "9223372036854771712\n");
  dir.write("v1/a/b/memory.usage_in_bytes", "3000\n");
  CHECK(cgroup_room(proc1, v2, v1) == std::optional<std::uint64_t>(1000));
  CHECK_FALSE(cgroup_room(dir.path() + "/missing", v2 + "/none", v1 + "/none").has_value());
}
