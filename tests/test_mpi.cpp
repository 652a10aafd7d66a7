// Data-parallel global training under MPI (built with -DLSTMF_MPI=ON): `mpirun -np 2` against one
// process with the same global batch, and two MPI runs against each other.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include <nlohmann/json.hpp>

#include "support.hpp"

#ifdef LSTMF_MPIEXEC

using namespace lstmf::test;

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

// Every element of every state_dict tensor, flattened in name order.
std::vector<double> weights(const nlohmann::json& state_dict) {
  std::vector<double> out;
  std::vector<const nlohmann::json*> stack;
  for (const auto& [name, tensor] : state_dict.items()) {
    stack.push_back(&tensor);
    while (!stack.empty()) {
      const nlohmann::json* j = stack.back();
      stack.pop_back();
      if (j->is_number()) {
        out.push_back(j->get<double>());
      } else {
        for (auto it = j->rbegin(); it != j->rend(); ++it) stack.push_back(&*it);
      }
    }
  }
  return out;
}

}  // namespace

TEST_CASE("mpirun -np 2 trains the global model of one process with the same batch, bit for bit each time", "[mpi]") {
  TempDir dir;
  dir.write("panel.csv", panel_csv());
  const std::string flags = "train --data panel.csv --series-column id --target value --time-column date --look-back 6 "
                            "--horizon 2 --hidden 8 --epochs 3 --batch-size 16 --mode global --threads 1 --quiet";
  const std::string mpirun = "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 '" + std::string(LSTMF_MPIEXEC) +
                             "' -np 2 --oversubscribe '" + std::string(LSTMF_BINARY) + "' " + flags;
  const RunResult first = run_shell(mpirun + " --output mpi.json", dir.path());
  INFO(first.err);
  REQUIRE(first.exit_code == 0);
  const std::string first_text = read_file(dir.file("mpi.json"));
  const RunResult second = run_shell(mpirun + " --output mpi.json", dir.path());
  REQUIRE(second.exit_code == 0);
  CHECK(read_file(dir.file("mpi.json")) == first_text);

  REQUIRE(run_cli(flags + " --output one.json", dir.path()).exit_code == 0);
  const auto mpi = weights(nlohmann::json::parse(first_text)["state_dict"]);
  const auto one = weights(nlohmann::json::parse(read_file(dir.file("one.json")))["state_dict"]);
  REQUIRE(mpi.size() == one.size());
  double largest = 0;
  for (std::size_t i = 0; i < mpi.size(); ++i) largest = std::max(largest, std::abs(mpi[i] - one[i]));
  INFO("largest difference " << largest);
  CHECK(largest < 1e-4);
}

#endif
