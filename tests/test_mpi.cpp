// Data-parallel global training under MPI (built with -DLSTMF_MPI=ON): `mpirun -np 2` against one
// process with the same global batch, and two MPI runs against each other.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "support.hpp"

#ifdef LSTMF_MPIEXEC

using namespace lstmf::test;
using Catch::Matchers::Contains;

namespace {

std::string panel_csv() {
  std::string out = "id,date,value\n";
  for (int i = 0; i < 5; ++i)
    for (int month = 0; month < 40; ++month) {
      char line[80];
      std::snprintf(line, sizeof line, "s%d,%04d-%02d,%.2f\n", i, 2010 + month / 12, month % 12 + 1,
                    20.0 * i + 8 * std::sin(2 * M_PI * (month + i) / 12.0) + 0.3 * month);
      out += line;
    }
  return out;
}

// The largest |a - b| / max(1, |b|) over the numbers of two JSON documents; the structure, the
// strings and the booleans must be the same (INFO names the first place they are not).
double largest_difference(const nlohmann::json& a, const nlohmann::json& b, const std::string& where = "") {
  if (a.is_number() && b.is_number())
    return std::abs(a.get<double>() - b.get<double>()) / std::max(1.0, std::abs(b.get<double>()));
  if (a.type() != b.type() || a.size() != b.size() || (a.is_primitive() && a != b)) {
    UNSCOPED_INFO("differ at " << where << ": " << a.dump().substr(0, 200) << " against " << b.dump().substr(0, 200));
    return INFINITY;
  }
  double largest = 0;
  if (a.is_object()) {
    for (const auto& [key, value] : a.items())
      largest = std::max(largest, b.contains(key) ? largest_difference(value, b[key], where + "." + key) : INFINITY);
  } else if (a.is_array()) {
    for (std::size_t i = 0; i < a.size(); ++i)
      largest = std::max(largest, largest_difference(a[i], b[i], where + "[" + std::to_string(i) + "]"));
  }
  return largest;
}

// The shell's words for the pid of rank 1 of the run in the current folder: another test's or job's
// lstm-forecast works in another folder.
std::string rank_one_here() {
  return "$(for p in $(pgrep -x lstm-forecast); do [ \"$(readlink /proc/$p/cwd)\" = \"$(pwd -P)\" ] && "
         "tr '\\0' '\\n' < /proc/$p/environ | grep -qx OMPI_COMM_WORLD_RANK=1 && echo $p; done)";
}

// mpirun training one global model on panel.csv until a signal stops it, with progress lines.
std::string endless_mpi_training() {
  return "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 timeout -k 10 120 '" + std::string(LSTMF_MPIEXEC) +
         "' -np 2 --oversubscribe '" + std::string(LSTMF_BINARY) +
         "' train --data panel.csv --series-column id --target value --time-column date --look-back 6 "
         "--horizon 2 --hidden 8 --epochs 1000000 --patience 0 --mode global --threads 1 --progress --output m.json";
}

}  // namespace

TEST_CASE("mpirun -np 2 trains the global model of one process with the same batch, bit for bit each time", "[mpi]") {
  TempDir dir;
  dir.write("panel.csv", panel_csv());
  const std::string flags = "train --data panel.csv --series-column id --target value --time-column date --look-back 6 "
                            "--horizon 2 --hidden 8 --epochs 3 --batch-size 16 --mode global --threads 1 --quiet";
  const std::string mpirun = "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 timeout -k 10 120 '" +
                             std::string(LSTMF_MPIEXEC) + "' -np 2 --oversubscribe '" + std::string(LSTMF_BINARY) + "' " + flags;
  const RunResult first = run_shell(mpirun + " --output mpi.json", dir.path());
  INFO(first.err);
  REQUIRE(first.exit_code == 0);
  const std::string first_text = read_file(dir.file("mpi.json"));
  const RunResult second = run_shell(mpirun + " --output mpi.json", dir.path());
  REQUIRE(second.exit_code == 0);
  CHECK(read_file(dir.file("mpi.json")) == first_text);

  // One process with the same global batch: the same checkpoint, up to the order of summation of
  // the gradients (each rank sums its slice, then MPI_Allreduce sums the two): weights, training
  // and validation losses, intervals, every number agree to 1e-5 (measured: weights 3e-8, interval
  // quantiles 2.5e-7).
  REQUIRE(run_cli(flags + " --output one.json", dir.path()).exit_code == 0);
  nlohmann::json mpi = nlohmann::json::parse(first_text);
  const nlohmann::json one = nlohmann::json::parse(read_file(dir.file("one.json")));
  CHECK(mpi["config"]["output"]["path"] == "mpi.json");
  mpi["config"]["output"]["path"] = one["config"]["output"]["path"];
  CHECK(mpi["history"]["epochs"].size() == 3);
  const double largest = largest_difference(mpi, one);
  INFO("largest difference " << largest);
  CHECK(largest < 1e-5);
}

TEST_CASE("under mpirun a process that fails alone, or reads other data, ends the run instead of leaving the others waiting", "[mpi]") {
  TempDir dir;
  dir.write("panel.csv", panel_csv());
  std::string noisy = panel_csv(), bad = panel_csv();
  noisy.replace(noisy.find("\ns1,"), 0, "\ns9,2010-01,1.00");  // one series more
  bad.replace(bad.rfind(',') + 1, std::string::npos, "abc\n");     // the last value
  dir.write("more1.csv", noisy);
  dir.write("bad1.csv", bad);
  dir.write("more0.csv", panel_csv());
  dir.write("bad0.csv", panel_csv());
  dir.write("same0.csv", panel_csv());
  dir.write("same1.csv", panel_csv());
  // Each process reads FILE<rank>.csv; timeout ends a run that hangs (it had: the others waited in
  // MPI_Allreduce for the failed one, or for sums of other shapes, forever).
  const auto run = [&](const std::string& file, const std::string& extra = "--epochs 3 --threads 1") {
    return run_shell("OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 timeout -k 10 120 '" +
                         std::string(LSTMF_MPIEXEC) + "' -np 2 --oversubscribe sh -c \"exec '" + std::string(LSTMF_BINARY) +
                         "' train --data " + file + "\\$OMPI_COMM_WORLD_RANK.csv --series-column id --target value "
                         "--time-column date --look-back 6 --hidden 8 --mode global --quiet " + extra + " --output m.json\"",
                     dir.path());
  };
  const RunResult bad_one = run("bad");
  INFO(bad_one.err);
  CHECK(bad_one.exit_code == 2);
  CHECK_THAT(bad_one.err, Contains("bad1.csv:") && Contains("expected a number in column 'value', found 'abc'"));
  // Rank 0, ended by mpirun (SIGTERM) as it waited for rank 1, had said "interrupted" after the error.
  CHECK(bad_one.err.find("interrupted;") == std::string::npos);
  const RunResult other = run("more");
  INFO(other.err);
  CHECK(other.exit_code == 2);
  CHECK_THAT(other.err, Contains("the 2 MPI processes did not read the same series or settings"));
  // The same data, another setting: said once (each process found it; rank 0 speaks).
  const RunResult settings = run("same", "--epochs 3 --threads 1 --horizon \\$((OMPI_COMM_WORLD_RANK+2))");
  INFO(settings.err);
  CHECK(settings.exit_code == 2);
  const std::string disagree = "the 2 MPI processes did not read the same series or settings";
  REQUIRE(settings.err.find(disagree) != std::string::npos);
  CHECK(settings.err.find(disagree) == settings.err.rfind(disagree));
  CHECK(settings.err.find("MPI_ABORT") == std::string::npos);
  // Their own thread counts may differ: each validates on its own threads, whose sums round
  // otherwise, and they decide early stopping on rank 0's loss (with 1 and 3 threads, patience 3
  // and a rate too small to improve, rank 0 had stopped at epoch 20 while rank 1 waited in a sum).
  const RunResult threads = run("same", "--threads \\$((2*OMPI_COMM_WORLD_RANK+1)) --epochs 200 --patience 3 --lr 1e-9");
  INFO(threads.err);
  CHECK(threads.exit_code == 0);
  REQUIRE(file_exists(dir.file("m.json")));
  std::remove(dir.file("m.json").c_str());
  CHECK_FALSE(file_exists(dir.file("m.json")));
}

TEST_CASE("under mpirun a signal to one process stops them all at the same epoch, and rank 0 saves", "[mpi]") {
  TempDir dir;
  dir.write("panel.csv", panel_csv());
  // Rank 1 alone is interrupted, once rank 0 has shown its second epoch (it had saved and waited
  // in MPI_Finalize while rank 1 waited in the next batch's sum).
  const std::string mpirun = endless_mpi_training();
  const std::string rank_one = rank_one_here();
  // Once training runs, the signal masks of every thread but each process's first (MPI_Init's
  // progress threads, which had none blocked: a handler could run there while the main thread
  // replaced a live temporary, as on the pool's workers; --threads 1 starts no worker of ours).
  const std::string masks = "for p in $(pgrep -x lstm-forecast); do [ \"$(readlink /proc/$p/cwd)\" = \"$(pwd -P)\" ] && "
                            "for t in /proc/$p/task/*; do [ \"${t##*/}\" = $p ] || grep SigBlk $t/status; done; done > masks";
  const RunResult r = run_shell(signal_when(mpirun, "grep -q 'epoch 2/' err && { " + masks + "; }", "INT", rank_one), dir.path());
  const std::string err = read_file(dir.file("err"));
  INFO(err);
  CHECK(r.out == "130\n");
  std::istringstream lines(read_file(dir.file("masks")));
  int threads = 0;
  for (std::string name, mask; lines >> name >> mask; ++threads) {
    INFO(name << " " << mask);
    const unsigned long long bits = std::stoull(mask, nullptr, 16);
    CHECK((bits >> (SIGINT - 1) & 1) == 1);
    CHECK((bits >> (SIGTERM - 1) & 1) == 1);
  }
  CHECK(threads > 0);  // Open MPI 4.1 starts two per process
  CHECK_THAT(err, Contains("lstm-forecast: interrupted; the best checkpoint so far was saved to m.json"));
  // The last word: rank 0, ended by mpirun (SIGTERM) as rank 1 exited 130 first, had gone on with
  // "stopping after this epoch" (seen with checkpoints of 89 MB).
  CHECK(err.find("lstm-forecast:", err.find("saved to m.json")) == std::string::npos);
  CHECK(run_cli("predict --model m.json", dir.path()).exit_code == 0);
}

TEST_CASE("under mpirun every command but the training of one global model is refused and writes nothing", "[mpi]") {
  TempDir dir;
  dir.write("panel.csv", panel_csv());
  const std::string mpirun = "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 timeout -k 10 120 '" +
                             std::string(LSTMF_MPIEXEC) + "' -np 2 --oversubscribe '" + std::string(LSTMF_BINARY) + "' ";
  REQUIRE(run_cli("train --data panel.csv --series-column id --target value --time-column date --look-back 6 --hidden 4 "
                  "--epochs 1 --quiet --output one.json",
                  dir.path()).exit_code == 0);
  // Each had run in both processes: a single series trained twice, predict's rows printed twice.
  // Each process says why, without starting MPI (which fails in a program an MPI process started).
  for (const auto& [args, what] : std::vector<std::pair<std::string, std::string>>{
           {"train --data panel.csv --series-column id --target value --time-column date --output m.json",
            "started by an MPI launcher with 2 processes, where only train --series-column COL --mode global runs "
            "(data-parallel): per-series training (training.mode per-series, the default for many series) would run in "
            "every process alike"},
           {"predict --model one.json --output f.csv", "lstm-forecast predict would run in every process"},
           {"inspect --data panel.csv --series-column id --target value", "lstm-forecast inspect would run"},
           // The others found stdin empty and failed on that, after "data-parallel over 2 processes".
           {"train --data - --series-column id --target value --time-column date --mode global --output m.json",
            "--data -: an MPI launcher gives stdin to rank 0 alone"},
           {"train --data panel.csv --series-file - --series-column id --target value --time-column date --mode global "
            "--output m.json", "--series-file -: an MPI launcher gives stdin to rank 0 alone"},
           {"train --config - --output m.json", "--config -: an MPI launcher gives stdin to rank 0 alone"}}) {
    const RunResult r = run_shell(mpirun + args, dir.path());
    INFO(args << "\n" << r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK_THAT(r.err, Contains(what));
    CHECK(r.err.find("data-parallel over") == std::string::npos);
    CHECK_FALSE(file_exists(dir.file("m.json")));
    CHECK_FALSE(file_exists(dir.file("f.csv")));
  }
  // A usage error comes first, as in one process (each process says it: MPI is not started).
  const RunResult usage = run_shell(mpirun + "train --data panel.csv --target value --series s0 --output m.json", dir.path());
  CHECK(usage.exit_code == 2);
  CHECK_THAT(usage.err, Contains("--series, --series-file and --shard pick"));
  const RunResult single = run_shell(mpirun + "train --data panel.csv --target value --time-column date --output m.json", dir.path());
  CHECK(single.exit_code == 2);
  CHECK_THAT(single.err, Contains("train of one series would run in every process alike"));
}

TEST_CASE("under mpirun a process killed in training has the launcher end the others at once, promising no save", "[mpi]") {
  TempDir dir;
  dir.write("panel.csv", panel_csv());
  // Rank 0, sent SIGTERM by mpirun, had said "stopping after this epoch to save the best checkpoint
  // so far" and was killed a second later without saving (rank 1 never ends the epoch).
  const RunResult r = run_shell(signal_when(endless_mpi_training(), "grep -q 'epoch 2/' err", "KILL", rank_one_here()), dir.path());
  const std::string err = read_file(dir.file("err"));
  INFO(err);
  CHECK(r.out != "0\n");
  CHECK_THAT(err, Contains("lstm-forecast: stopped by the MPI launcher (another process ended, or the launcher was "
                           "interrupted: signal the processes themselves to save); no checkpoint was written"));
  CHECK(err.find("stopping after this epoch") == std::string::npos);
  CHECK_FALSE(file_exists(dir.file("m.json")));
}

#endif
