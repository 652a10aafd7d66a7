// Many series from the command line (panel.hpp): the flags train, predict and evaluate share
// (--series, --shard; train also --strict), and the MPI launch train runs in. Each subcommand's file
// holds its many-series side, taken when the data has a series column or the checkpoint a series
// section.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "lstmf/config.hpp"
#include "lstmf/panel.hpp"
#include "lstmf/trainer.hpp"

namespace lstmf::cli {

struct PanelArgs {
  std::string series;       // --series ID[,ID]
  std::string series_file;  // --series-file FILE: one id per line (read once, by selection())
  std::string shard;        // --shard K/N
  bool strict = false;      // --strict (train)
  SeriesSelection selection() const {
    if (!listed) listed = series_file.empty() ? SeriesList{} : read_series_list(series_file);
    return make_selection(series, shard, *listed);
  }
  bool selects_some() const { return !series.empty() || !series_file.empty() || !shard.empty(); }

 private:
  mutable std::optional<SeriesList> listed;
};

void add_panel_flags(CLI::App& command, PanelArgs& args, bool train);

// This process's place among the processes of an MPI launch (mpirun -np N): rank 0 of 1 when not
// launched by MPI. Started once, finalised at exit (src/cli/mpi_session.cpp).
struct MpiWorld {
  int rank = 0;
  int size = 1;
  DataParallel parallel;  // sums gradients with MPI_Allreduce when size > 1
  // Whether any process asks to stop (collective, as DataParallel::same): each decides at the same
  // epoch's end, or one would wait in the next batch's sum for the others forever.
  std::function<bool(bool)> any;
};
MpiWorld start_mpi();
// This process's rank as an MPI launcher announces it (OMPI_COMM_WORLD_RANK, PMI_RANK, PMIX_RANK),
// before MPI is started, or 0: notes said alike by every process are said by the first alone.
int launcher_rank();
// Under an MPI launcher with several processes (mpirun -np N) only train of one global model runs
// (data-parallel, start_mpi). Anything else (`what`: "predict", "train of one series", ...) would
// run in every process, each doing the same work and writing the same outputs: InputError, which
// each process says (MPI is not started for it: MPI_Init fails in a program that an MPI process
// started, which inherits the launcher's variables, and its job hung).
void refuse_under_launcher(const std::string& what);
// Under such a launcher: an input ({flag, path}) read from stdin, which the launcher gives to rank 0
// alone (the others found it empty), is refused alike.
void refuse_stdin_under_launcher(const std::vector<std::pair<std::string, std::string>>& inputs);
// An error ends every process of an MPI run (MPI_Abort with `code`): one process failing alone (its
// data, its memory) left the others waiting in a collective call forever. Nothing when MPI was not
// started (or this build has none).
void abort_mpi_world(int code);

// Why predict or evaluate has no series to work on: the selection picked none (an unknown --series
// id is an error before this), or the checkpoint (`model`) holds none.
std::string no_series_note(const PanelCheckpoint& checkpoint, const PanelArgs& args, const std::string& model);

}  // namespace lstmf::cli
