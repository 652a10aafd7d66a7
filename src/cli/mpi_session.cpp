// MPI for data-parallel training of one global model (built with -DLSTMF_MPI=ON; see
// panel_flags.hpp). MPI is started only when an MPI launcher started this process, so the same
// binary runs alone as usual; a build without MPI refuses to run under a launcher with several
// processes rather than have every process train alone and write the same files.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "commands.hpp"
#include "lstmf/error.hpp"
#include "lstmf/io.hpp"
#include "lstmf/parallel.hpp"
#include "panel_flags.hpp"

#ifdef LSTMF_MPI
#include <mpi.h>
#endif

namespace lstmf::cli {
namespace {

// The variable by which an MPI launcher (Open MPI, MPICH/PMI, PMIx) announces the process count,
// or nullptr.
const char* launcher_variable() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE"})
    if (std::getenv(name) != nullptr) return name;
  return nullptr;
}

// That count, or 1.
int launcher_size() {
  const char* name = launcher_variable();
  return name != nullptr ? std::max(1, std::atoi(std::getenv(name))) : 1;
}

// Why a command other than global training is refused under a launcher, and what to do instead.
std::string launcher_refusal(const std::string& what, int size) {
#ifdef LSTMF_MPI
  const std::string where = ", where only train --series-column COL --mode global runs (data-parallel): ";
#else
  const std::string where = ", and this lstm-forecast was built without MPI: ";
#endif
  return "started by an MPI launcher with " + std::to_string(size) + " processes" + where + what +
         " would run in every process alike; run it as one process, or split the series with --shard K/N under GNU "
         "parallel or a Slurm array (examples/). From a program the launcher started: env -u " + launcher_variable() +
         " lstm-forecast ...";
}

#ifdef LSTMF_MPI
void finalize() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}
#endif

}  // namespace

void abort_mpi_world(int code) {
#ifdef LSTMF_MPI
  int initialized = 0, finalized = 0, size = 1;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (!initialized || finalized) return;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (size > 1) MPI_Abort(MPI_COMM_WORLD, code);
#else
  (void)code;
#endif
}

int launcher_rank() {
  for (const char* name : {"OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK"})
    if (const char* value = std::getenv(name)) return std::max(0, std::atoi(value));
  return 0;
}

void refuse_under_launcher(const std::string& what) {
  if (const int size = launcher_size(); size > 1) throw InputError(launcher_refusal(what, size));
}

void refuse_stdin_under_launcher(const std::vector<std::pair<std::string, std::string>>& inputs) {
  if (launcher_size() <= 1) return;
  for (const auto& [flag, path] : inputs)
    if (reads_stdin(path))
      throw InputError(flag + " " + path + ": an MPI launcher gives stdin to rank 0 alone, and every process reads it; "
                       "give a file every process can read");
}

MpiWorld start_mpi() {
  MpiWorld world;
  if (launcher_size() <= 1) return world;
#ifdef LSTMF_MPI
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) {
    {
      // Open MPI starts its progress threads here; they inherit this mask, so SIGINT and SIGTERM
      // run their handler on the main thread, never on one of those while the main thread replaces
      // a live temporary (as the pool's workers, parallel.hpp). One that comes meanwhile waits
      // until MPI_Init returns.
      const SignalsBlocked blocked;
      MPI_Init(nullptr, nullptr);
    }
    std::atexit(finalize);
  }
  MPI_Comm_rank(MPI_COMM_WORLD, &world.rank);
  MPI_Comm_size(MPI_COMM_WORLD, &world.size);
  MPI_Comm here = MPI_COMM_NULL;  // the processes that share this one's memory (MPI-3)
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, world.rank, MPI_INFO_NULL, &here);
  if (here != MPI_COMM_NULL) {
    MPI_Comm_size(here, &world.parallel.ranks_here);
    MPI_Comm_free(&here);
  }
  // One MPI_Allreduce per batch: the gradient and, in one more element, the loss.
  auto buffer = std::make_shared<std::vector<float>>();
  world.parallel.rank = world.rank;
  world.parallel.ranks = world.size;
  world.parallel.sum = [buffer](float* gradient, long size, double& loss) {
    buffer->assign(gradient, gradient + size);
    buffer->push_back(static_cast<float>(loss));
    MPI_Allreduce(MPI_IN_PLACE, buffer->data(), static_cast<int>(buffer->size()), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    std::copy(buffer->begin(), buffer->begin() + size, gradient);
    loss = static_cast<double>(buffer->back());
  };
  // Equal everywhere when the largest value and the largest complement agree with this one's.
  world.parallel.same = [](std::uint64_t value) {
    std::uint64_t both[2] = {value, ~value};
    MPI_Allreduce(MPI_IN_PLACE, both, 2, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD);
    return both[0] == value && both[1] == ~value;
  };
  world.parallel.from_rank_0 = [](double* values, int count) {
    MPI_Bcast(values, count, MPI_DOUBLE, 0, MPI_COMM_WORLD);
  };
  world.any = [](bool wish) {
    int flag = wish ? 1 : 0;
    MPI_Allreduce(MPI_IN_PLACE, &flag, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    return flag != 0;
  };
  return world;
#else
  throw InputError("started by an MPI launcher with " + std::to_string(launcher_size()) +
                   " processes, but this lstm-forecast was built without MPI (cmake -DLSTMF_MPI=ON). From a program the "
                   "launcher started: env -u " + launcher_variable() + " lstm-forecast ...");
#endif
}

}  // namespace lstmf::cli
