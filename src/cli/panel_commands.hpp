// Many series from the command line (panel.hpp): the flags train, predict and evaluate share
// (--series, --shard; train also --strict), and the panel side of each subcommand. The subcommand
// files call these when the data has a series column or the checkpoint a series section.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "lstmf/config.hpp"
#include "lstmf/panel.hpp"
#include "lstmf/trainer.hpp"

namespace lstmf::cli {

struct PanelArgs {
  std::string series;  // --series ID[,ID]
  std::string shard;   // --shard K/N
  bool strict = false; // --strict (train)
  SeriesSelection selection() const { return make_selection(series, shard); }
  bool selects_some() const { return !series.empty() || !shard.empty(); }
};

void add_panel_flags(CLI::App& command, PanelArgs& args, bool train);

// This process's place among the processes of an MPI launch (mpirun -np N): rank 0 of 1 when not
// launched by MPI. Started once, finalised at exit (src/cli/mpi_session.cpp).
struct MpiWorld {
  int rank = 0;
  int size = 1;
  DataParallel parallel;  // sums gradients with MPI_Allreduce when size > 1
};
MpiWorld start_mpi();

// train with data.series_column set: skipped series reported on stderr, checkpoint written.
// `keep_going` is false once the user interrupted.
// `progress`: per-series progress lines (a terminal or --progress; cli/commands.hpp show_progress).
// `on_saved` runs right after the checkpoint is written (rank 0), also when an error follows (a
// divergence after a saved best epoch); never when nothing is saved.
int run_train_panel(const Config& config, const PanelArgs& args, const std::string& resume, bool quiet, bool progress,
                    const EpochCallback& on_epoch, const std::function<bool()>& keep_going,
                    const std::function<void()>& on_saved);

}  // namespace lstmf::cli

namespace lstmf::cli {

// predict for a many-series checkpoint (already loaded with the selection): long-format CSV, with
// each series' prediction intervals at `levels` (percent; none when empty).
int run_predict_panel(const PanelCheckpoint& checkpoint, const std::string& model, const PanelArgs& args, const std::string& input,
                      const std::string& output, int horizon, int threads, const std::vector<int>& levels);
// evaluate for a many-series checkpoint on `input` (long format): per-series table and aggregate.
int run_evaluate_panel(const PanelCheckpoint& checkpoint, const std::string& model, const PanelArgs& args,
                       const std::string& input, const BacktestOptions& options, bool json);

}  // namespace lstmf::cli
