// tools/torch_interop.py against the PyTorch fixtures (tests/fixtures/torch/README.md): a state_dict
// made by PyTorch, turned into a checkpoint by the tool, must forecast through `lstm-forecast
// predict` what PyTorch computed; from-checkpoint then to-checkpoint must give back the same file.
// The fixtures are $LSTMF_TORCH_FIXTURES, or the project's tests/fixtures/torch. The tool needs
// python3 with NumPy (Debian: python3-numpy, in scripts/common.sh); without them these tests fail.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <regex>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "lstmf/checkpoint.hpp"
#include "lstmf/config.hpp"
#include "support.hpp"

using namespace lstmf;
using namespace lstmf::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

constexpr double kInteropTolerance = 1e-4;  // the float32 engine's, relative to max(1, |want|)

std::string shell_quote(const std::string& text) {
  std::string out = "'";
  for (const char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string python() { return file_exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3"; }

// Runs `python3 tools/torch_interop.py ARGS` in `cwd`.
RunResult run_tool(const std::string& args, const std::string& cwd) {
  return run_shell(shell_quote(python()) + " " + shell_quote(source_path("tools/torch_interop.py")) + " " + args, cwd);
}

// The tool needs python3 and NumPy: their absence is a failure, never a skip.
void require_python_with_numpy() {
  const std::string command = shell_quote(python()) + " -c 'import numpy' > /dev/null 2>&1";
  const int status = std::system(command.c_str());
  INFO("tools/torch_interop.py needs " << python() << " with NumPy (Debian: apt-get install python3-numpy)");
  REQUIRE((WIFEXITED(status) && WEXITSTATUS(status) == 0));
}

void require_ok(const RunResult& r, const std::string& what) {
  INFO(what << " exited " << r.exit_code << "\nstderr: " << r.err << "\nstdout: " << r.out.substr(0, 2000));
  REQUIRE(r.exit_code == 0);
}

std::vector<fs::path> fixture_files() {
  const fs::path dir = torch_fixtures_dir();
  std::vector<fs::path> files;
  if (fs::is_directory(dir))
    for (const auto& entry : fs::directory_iterator(dir))
      if (entry.path().extension() == ".json") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  INFO("PyTorch fixtures in " << dir.string());
  REQUIRE(!files.empty());
  return files;
}

json read_json(const std::string& path) { return json::parse(read_file(path)); }

std::string number_text(double value) {
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%.17g", value);
  return buffer;
}

// A fixture's model as columns: target "y", then features "x1".."x{in-1}".
struct InteropCase {
  std::string name;
  json fixture;
  long inputs = 0, look_back = 0, batch = 0, outputs = 0;
  std::vector<std::string> columns;
  std::string features;  // comma-separated, "" when the model has one input

  explicit InteropCase(const fs::path& path) : name(path.stem().string()), fixture(read_json(path.string())) {
    const json& config = fixture.at("config");
    inputs = config.at("input_size").get<long>();
    look_back = config.at("look_back").get<long>();
    batch = config.at("batch").get<long>();
    outputs = config.at("outputs").get<long>();
    columns.push_back("y");
    for (long c = 1; c < inputs; ++c) {
      columns.push_back("x" + std::to_string(c));
      features += (features.empty() ? "" : ",") + columns.back();
    }
  }
  std::string activation() const { return fixture.at("config").at("cell_activation").get<std::string>(); }

  // Batch element b's input [T][in] as CSV rows, each value mapped by `value(column, x)`; a first
  // column of timestamps when `times` is given.
  template <typename Map>
  std::string csv(long b, Map value, const std::vector<std::string>& times = {}, const std::string& extra_rows = "") const {
    std::string out = times.empty() ? "" : "month,";
    for (size_t c = 0; c < columns.size(); ++c) out += (c ? "," : "") + columns[c];
    out += "\n" + extra_rows;
    const json& steps = fixture.at("input").at(static_cast<size_t>(b));
    for (long t = 0; t < look_back; ++t) {
      if (!times.empty()) out += times[static_cast<size_t>(t)] + ",";
      for (long c = 0; c < inputs; ++c)
        out += (c ? "," : "") + number_text(value(c, steps.at(static_cast<size_t>(t)).at(static_cast<size_t>(c)).get<double>()));
      out += "\n";
    }
    return out;
  }
  std::string csv(long b) const {
    return csv(b, [](long, double x) { return x; });
  }

  std::string to_checkpoint_args(const std::string& state_dict, const std::string& history, const std::string& output) const {
    return "to-checkpoint --state-dict " + shell_quote(state_dict) + " --identity-scaler --targets y" +
           (features.empty() ? "" : " --features " + features) + " --look-back " + std::to_string(look_back) +
           " --horizon " + std::to_string(outputs) + " --cell-activation " + activation() + " --history " +
           shell_quote(history) + " --output " + shell_quote(output);
  }
};

// predict's CSV: header, then one row per step (first column the time or step, then the target).
struct ForecastCsv {
  std::vector<std::string> header;
  std::vector<std::string> first_column;
  std::vector<double> values;
};

ForecastCsv parse_forecast(const std::string& text) {
  ForecastCsv out;
  std::istringstream lines(text);
  std::string line;
  bool header = true;
  while (std::getline(lines, line)) {
    std::vector<std::string> fields;
    std::istringstream cells(line);
    std::string cell;
    while (std::getline(cells, cell, ',')) fields.push_back(cell);
    if (header) {
      out.header = fields;
      header = false;
    } else {
      REQUIRE(fields.size() == 2);
      out.first_column.push_back(fields[0]);
      out.values.push_back(std::stod(fields[1]));
    }
  }
  return out;
}

void check_forecast(const ForecastCsv& got, const json& want_row, const std::string& what) {
  INFO(what);
  REQUIRE(got.values.size() == want_row.size());
  for (size_t h = 0; h < got.values.size(); ++h) {
    const double want = want_row.at(h).get<double>();
    INFO("step " << h + 1 << ": got " << number_text(got.values[h]) << ", want " << number_text(want));
    CHECK(std::abs(got.values[h] - want) <= kInteropTolerance * std::max(1.0, std::abs(want)));
  }
}

}  // namespace

TEST_CASE("torch_interop.py fills in lstm-forecast's default config and format version", "[interop]") {
  require_python_with_numpy();
  TempDir dir;
  const RunResult r = run_tool("default-config", dir.path());
  require_ok(r, "default-config");
  const json printed = json::parse(r.out);
  // The tool keeps a copy of the defaults of src/config.cpp; this is what keeps the copy honest.
  CHECK(printed.at("config") == to_json(Config{}));
  CHECK(printed.at("format") == kCheckpointFormat);
  CHECK(printed.at("version") == kCheckpointVersion);
  CHECK(printed.at("tool_version") == LSTMF_VERSION);
}

TEST_CASE("a PyTorch state_dict made into a checkpoint forecasts what PyTorch computed", "[interop]") {
  require_python_with_numpy();
  for (const fs::path& path : fixture_files()) {
    const InteropCase c(path);
    INFO("fixture " << c.name);
    TempDir dir;
    for (long b = 0; b < c.batch; ++b) dir.write("input" + std::to_string(b) + ".csv", c.csv(b));
    require_ok(run_tool(c.to_checkpoint_args(path.string(), "input0.csv", "model.json"), dir.path()), "to-checkpoint");

    const json checkpoint = read_json(dir.file("model.json"));
    CHECK(checkpoint.at("state_dict") == c.fixture.at("state_dict"));  // every value exactly
    CHECK(checkpoint.at("config").at("model").at("hidden") == c.fixture.at("config").at("hidden"));

    for (long b = 0; b < c.batch; ++b) {
      const RunResult r = run_cli("predict --model model.json --input input" + std::to_string(b) + ".csv", dir.path());
      require_ok(r, "predict on batch element " + std::to_string(b));
      const ForecastCsv forecast = parse_forecast(r.out);
      CHECK(forecast.header == std::vector<std::string>{"step", "y"});
      check_forecast(forecast, c.fixture.at("output").at(static_cast<size_t>(b)), "batch element " + std::to_string(b));
    }
    // Without --input, predict starts from the data tail: the last look_back rows of --history.
    const RunResult tail = run_cli("predict --model model.json", dir.path());
    require_ok(tail, "predict from the data tail");
    check_forecast(parse_forecast(tail.out), c.fixture.at("output").at(0), "from the data tail");
  }
}

TEST_CASE("the scaler of a PyTorch model is applied to its inputs and undone on its outputs", "[interop]") {
  require_python_with_numpy();
  // The model saw x' = lo + (x - data_min) * (hi - lo) / (data_max - data_min): the CSV holds x.
  const InteropCase c(fs::path(source_path("tests/fixtures/torch/l2_h5_o2.json")));
  const double lo = -1, hi = 1;
  const std::vector<double> data_min = {10, -5, 0}, data_max = {20, 5, 100};
  TempDir dir;
  dir.write("scaler.json", json{{"feature_range", {lo, hi}}, {"data_min", data_min}, {"data_max", data_max}}.dump());
  const auto original = [&](long column, double scaled) {
    const auto k = static_cast<size_t>(column);
    return data_min[k] + (scaled - lo) * (data_max[k] - data_min[k]) / (hi - lo);
  };
  for (long b = 0; b < c.batch; ++b) dir.write("input" + std::to_string(b) + ".csv", c.csv(b, original));
  std::string args = c.to_checkpoint_args(source_path("tests/fixtures/torch/l2_h5_o2.json"), "input0.csv", "model.json");
  args.replace(args.find("--identity-scaler"), std::string("--identity-scaler").size(), "--scaler-json scaler.json");
  require_ok(run_tool(args, dir.path()), "to-checkpoint");
  CHECK(read_json(dir.file("model.json")).at("config").at("data").at("scale_min") == lo);

  for (long b = 0; b < c.batch; ++b) {
    const RunResult r = run_cli("predict --model model.json --input input" + std::to_string(b) + ".csv", dir.path());
    require_ok(r, "predict");
    json want = json::array();
    for (const auto& y : c.fixture.at("output").at(static_cast<size_t>(b))) want.push_back(original(0, y.get<double>()));
    check_forecast(parse_forecast(r.out), want, "batch element " + std::to_string(b));
  }
}

TEST_CASE("from-checkpoint then to-checkpoint gives back the same checkpoint", "[interop]") {
  require_python_with_numpy();
  for (const fs::path& path : fixture_files()) {
    const InteropCase c(path);
    INFO("fixture " << c.name);
    TempDir dir;
    dir.write("input0.csv", c.csv(0));
    require_ok(run_tool(c.to_checkpoint_args(path.string(), "input0.csv", "first.json"), dir.path()), "to-checkpoint");
    const std::string first = read_file(dir.file("first.json"));

    // Plain blocks, not SECTIONs: Catch would run the whole loop again for each section.
    for (const std::string state_dict : {"state.npz", "state.json"}) {
      INFO("through " << state_dict << ", byte for byte");
      require_ok(run_tool("from-checkpoint --model first.json --state-dict " + state_dict +
                              " --scaler-json scaler.json --config-json config.json --tail-json tail.json",
                          dir.path()),
                 "from-checkpoint");
      require_ok(run_tool("to-checkpoint --state-dict " + state_dict +
                              " --scaler-json scaler.json --config config.json --tail-json tail.json --output second.json",
                          dir.path()),
                 "to-checkpoint");
      const std::string second = read_file(dir.file("second.json"));
      CHECK(read_json(dir.file("second.json")).at("state_dict") == c.fixture.at("state_dict"));
      CHECK(second == first);
    }
    {
      INFO("float32 tensors hold the values rounded to float");
      require_ok(run_tool("from-checkpoint --model first.json --state-dict state.json --dtype float32", dir.path()),
                 "from-checkpoint");
      const json got = read_json(dir.file("state.json"));
      const json& want = c.fixture.at("state_dict");
      REQUIRE(got.size() == want.size());
      for (const auto& [name, tensor] : want.items()) {
        const json flat = tensor.flatten();
        const json got_flat = got.at(name).flatten();
        REQUIRE(got_flat.size() == flat.size());
        for (const auto& [index, value] : flat.items())
          CHECK(got_flat.at(index).get<double>() == static_cast<double>(static_cast<float>(value.get<double>())));
      }
    }
    {
      INFO("lstm-forecast reads the tool's checkpoint and the tool reads lstm-forecast's");
      // load_checkpoint checks every key; checkpoint_text is what train writes (weights in float).
      const Checkpoint loaded = load_checkpoint(dir.file("first.json"));
      const std::string cpp_text = checkpoint_text(loaded);
      dir.write("cpp.json", cpp_text);
      require_ok(run_tool("from-checkpoint --model cpp.json --state-dict state.npz --scaler-json scaler.json "
                          "--config-json config.json --tail-json tail.json",
                          dir.path()),
                 "from-checkpoint");
      require_ok(run_tool("to-checkpoint --state-dict state.npz --scaler-json scaler.json --config config.json "
                          "--tail-json tail.json --output again.json",
                          dir.path()),
                 "to-checkpoint");
      // The same values and layout; nlohmann's Grisu2 may spell a double with one digit more.
      CHECK(read_json(dir.file("again.json")) == json::parse(cpp_text));
      const std::regex number(R"(-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?)");
      const auto spelt_alike = [&](const std::string& text) { return std::regex_replace(text, number, "0"); };
      CHECK(spelt_alike(read_file(dir.file("again.json"))) == spelt_alike(cpp_text));
    }
  }
}

// Found by a review: a refitted model (training.refit true, what --epochs auto gives with the
// README's export flags) exported with --config-json was refused on the way back ("training.refit
// must be false"), though its weights are one plain nn.LSTM like any other.
TEST_CASE("a refitted checkpoint train wrote goes to PyTorch's files and back with the same forecasts", "[interop]") {
  require_python_with_numpy();
  TempDir dir;
  std::ostringstream csv;
  csv << "date,sales\n";
  for (int month = 0; month < 36; ++month)
    csv << 2020 + month / 12 << "-" << (month % 12 < 9 ? "0" : "") << month % 12 + 1 << "-01,"
        << 100 + 3 * month + 20 * std::sin(month * 0.5236) << "\n";
  dir.write("sales.csv", csv.str());
  require_ok(run_cli("train --data sales.csv --target sales --time-column date --horizon 3 --ensemble 1 --normalise "
                     "minmax --seasonal-adjust none --combine false --refit true --epochs 3 --quiet --output model.json",
                     dir.path()),
             "train");
  REQUIRE(read_json(dir.file("model.json")).at("config").at("training").at("refit") == true);
  require_ok(run_tool("from-checkpoint --model model.json --state-dict state.npz --scaler-json scaler.json "
                      "--config-json config.json --tail-json tail.json",
                      dir.path()),
             "from-checkpoint");
  require_ok(run_tool("to-checkpoint --state-dict state.npz --scaler-json scaler.json --config config.json "
                      "--tail-json tail.json --output back.json",
                      dir.path()),
             "to-checkpoint");
  const json back = read_json(dir.file("back.json"));
  CHECK(back.at("config") == read_json(dir.file("model.json")).at("config"));
  const RunResult first = run_cli("predict --model model.json", dir.path());
  const RunResult second = run_cli("predict --model back.json", dir.path());
  require_ok(first, "predict");
  require_ok(second, "predict");
  CHECK(second.out == first.out);
  // A config file asking for a refit of weights trained elsewhere is taken as their record too;
  // an ensemble or a combination is still refused.
  json combined = read_json(dir.file("config.json"));
  combined["training"]["combine"] = true;
  dir.write("combined.json", combined.dump());
  const RunResult refused = run_tool("to-checkpoint --state-dict state.npz --scaler-json scaler.json --config "
                                     "combined.json --tail-json tail.json --output refused.json",
                                     dir.path());
  CHECK(refused.exit_code == 2);
  CHECK_THAT(refused.err, Catch::Contains("training.combine must be false for a PyTorch state_dict"));
}

TEST_CASE("a time column: the data tail keeps its timestamps and the frequency is the data's", "[interop]") {
  require_python_with_numpy();
  const std::string fixture = source_path("tests/fixtures/torch/l1_h4.json");
  const InteropCase c{fs::path(fixture)};
  TempDir dir;
  // Three earlier months, then batch element 0's five: 2024-01 .. 2024-08.
  std::vector<std::string> months;
  for (int m = 4; m <= 8; ++m) months.push_back("2024-0" + std::to_string(m));
  const std::string extra = "2024-01,5\n2024-02,6\n2024-03,7\n";
  dir.write("history.csv", c.csv(0, [](long, double x) { return x; }, months, extra));
  const std::string args = "to-checkpoint --state-dict " + shell_quote(fixture) +
                           " --identity-scaler --targets y --look-back 5 --history history.csv --time-column month "
                           "--output model.json";
  require_ok(run_tool(args, dir.path()), "to-checkpoint");

  const json checkpoint = read_json(dir.file("model.json"));
  const json& columns = checkpoint.at("columns");
  CHECK(columns.at("time_format").at("kind") == "year_month");
  CHECK(columns.at("frequency") == json{{"unit", "months"}, {"count", 1}, {"name", "monthly"}, {"month_day", 1}});
  CHECK(columns.at("seasonal_period") == 12);
  CHECK(checkpoint.at("data_tail").at("time") == json(months));
  CHECK(checkpoint.at("config").at("data").at("time_column") == "month");

  const RunResult r = run_cli("predict --model model.json", dir.path());
  require_ok(r, "predict");
  const ForecastCsv forecast = parse_forecast(r.out);
  CHECK(forecast.header == std::vector<std::string>{"month", "y"});
  CHECK(forecast.first_column == std::vector<std::string>{"2024-09"});
  check_forecast(forecast, c.fixture.at("output").at(0), "from the data tail");

  SECTION("weekday dates across a weekend are business daily, as lstm-forecast infers them") {
    const std::vector<std::string> weekdays = {"2024-01-08", "2024-01-09", "2024-01-10", "2024-01-11", "2024-01-12"};
    dir.write("weekdays.csv", c.csv(0, [](long, double x) { return x; }, weekdays, "2024-01-03,5\n2024-01-04,6\n2024-01-05,7\n"));
    std::string weekday_args = args;
    weekday_args.replace(weekday_args.find("history.csv"), 11, "weekdays.csv");
    require_ok(run_tool(weekday_args, dir.path()), "to-checkpoint");
    const json business = read_json(dir.file("model.json"));
    CHECK(business.at("columns").at("frequency") ==
          json{{"unit", "business_days"}, {"count", 1}, {"name", "business daily"}, {"month_day", 0}});
    CHECK(business.at("columns").at("seasonal_period") == 5);
    const RunResult next = run_cli("predict --model model.json", dir.path());
    require_ok(next, "predict");
    CHECK(parse_forecast(next.out).first_column == std::vector<std::string>{"2024-01-15"});  // Friday -> Monday
  }
  SECTION("an explicit frequency and seasonal period are kept; one the times contradict is refused") {
    const RunResult contradicted = run_tool(args + " --frequency quarterly", dir.path());
    CHECK(contradicted.exit_code == 2);
    CHECK_THAT(contradicted.err, Catch::Contains("history.csv: the last 5 times (the look-back) must be one step apart "
                                                 "(quarterly): '2024-05' follows '2024-04'"));
    std::vector<std::string> quarters{"2023-04", "2023-07", "2023-10", "2024-01", "2024-04"};
    dir.write("history.csv", c.csv(0, [](long, double x) { return x; }, quarters, "2022-04,5\n2022-07,6\n2022-10,7\n"));
    require_ok(run_tool(args + " --frequency quarterly --seasonal-period 6", dir.path()), "to-checkpoint");
    const json again = read_json(dir.file("model.json"));
    CHECK(again.at("columns").at("frequency") == json{{"unit", "months"}, {"count", 3}, {"name", "quarterly"}, {"month_day", 1}});
    CHECK(again.at("columns").at("seasonal_period") == 6);
    // The tail JSON of from-checkpoint carries them, so the round trip keeps them.
    require_ok(run_tool("from-checkpoint --model model.json --state-dict state.npz --scaler-json scaler.json "
                        "--config-json config.json --tail-json tail.json",
                        dir.path()),
               "from-checkpoint");
    require_ok(run_tool("to-checkpoint --state-dict state.npz --scaler-json scaler.json --config config.json "
                        "--tail-json tail.json --output second.json",
                        dir.path()),
               "to-checkpoint");
    CHECK(read_file(dir.file("second.json")) == read_file(dir.file("model.json")));
  }
  SECTION("quarter labels, as lstm-forecast reads them (a hunt: the tool refused them)") {
    const std::vector<std::string> quarters = {"2023-Q1", "2023-Q2", "2023-Q3", "2023-Q4", "2024-Q1"};
    dir.write("quarters.csv", c.csv(0, [](long, double x) { return x; }, quarters, "2022-Q2,5\n2022-Q3,6\n2022-Q4,7\n"));
    std::string quarter_args = args;
    quarter_args.replace(quarter_args.find("history.csv"), 11, "quarters.csv");
    require_ok(run_tool(quarter_args, dir.path()), "to-checkpoint");
    const json quarterly = read_json(dir.file("model.json"));
    CHECK(quarterly.at("columns").at("time_format").at("kind") == "year_quarter");
    CHECK(quarterly.at("columns").at("frequency") == json{{"unit", "months"}, {"count", 3}, {"name", "quarterly"}, {"month_day", 1}});
    CHECK(quarterly.at("columns").at("seasonal_period") == 4);
    const RunResult next = run_cli("predict --model model.json", dir.path());
    require_ok(next, "predict");
    CHECK(parse_forecast(next.out).first_column == std::vector<std::string>{"2024-Q2"});
  }
  SECTION("a month-end series round-trips on month ends, and a failed export writes nothing") {
    // A hunt: the tail JSON lost month_day, so a tail of 2024-04-30 came back at day 30.
    const std::vector<std::string> ends = {"2023-12-31", "2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30"};
    dir.write("ends.csv", c.csv(0, [](long, double x) { return x; }, ends, "2023-09-30,5\n2023-10-31,6\n2023-11-30,7\n"));
    std::string end_args = args;
    end_args.replace(end_args.find("history.csv"), 11, "ends.csv");
    end_args.replace(end_args.find("--look-back 5"), 13, "--look-back 5");
    require_ok(run_tool(end_args, dir.path()), "to-checkpoint");
    require_ok(run_tool("from-checkpoint --model model.json --state-dict state.npz --scaler-json scaler.json "
                        "--config-json config.json --tail-json tail.json",
                        dir.path()),
               "from-checkpoint");
    CHECK(read_json(dir.file("tail.json")).at("frequency").at("month_day") == 31);
    require_ok(run_tool("to-checkpoint --state-dict state.npz --scaler-json scaler.json --config config.json "
                        "--tail-json tail.json --output second.json",
                        dir.path()),
               "to-checkpoint");
    CHECK(read_file(dir.file("second.json")) == read_file(dir.file("model.json")));
    const RunResult next = run_cli("predict --model second.json", dir.path());
    require_ok(next, "predict");
    CHECK(parse_forecast(next.out).first_column == std::vector<std::string>{"2024-05-31"});
    const RunResult failed = run_tool("from-checkpoint --model model.json --state-dict out.npz --scaler-json out.s.json "
                                      "--tail-json missing/t.json",
                                      dir.path());
    CHECK(failed.exit_code == 3);
    CHECK_THAT(failed.err, Catch::Contains("missing/t.json: cannot write: No such file or directory (its folder)"));
    CHECK(!file_exists(dir.file("out.npz")));
    CHECK(!file_exists(dir.file("out.s.json")));
  }
  SECTION("a forecast_horizon, which the exported files do not carry, is named on stderr") {
    json longer = read_json(dir.file("model.json"));
    const int trained = longer.at("config").at("data").at("horizon").get<int>();
    longer["forecast_horizon"] = trained + 5;
    dir.write("longer.json", longer.dump(1) + "\n");
    const RunResult r = run_tool("from-checkpoint --model longer.json --state-dict state.npz", dir.path());
    require_ok(r, "from-checkpoint");
    CHECK_THAT(r.err, Catch::Contains("note: the checkpoint forecasts " + std::to_string(trained + 5) +
                                      " steps by default (forecast_horizon") &&
                          Catch::Contains("unless predict is given --horizon " + std::to_string(trained + 5)));
    const RunResult plain = run_tool("from-checkpoint --model model.json --state-dict state.npz", dir.path());
    require_ok(plain, "from-checkpoint");
    CHECK_THAT(plain.err, !Catch::Contains("forecast_horizon"));
  }
}

TEST_CASE("torch_interop.py reports a bad input on one line and exits non-zero", "[interop]") {
  require_python_with_numpy();
  const std::string fixture = source_path("tests/fixtures/torch/l2_h5_o2.json");  // 3 inputs, 2 outputs
  TempDir dir;
  dir.write("history.csv", "y,x1,x2\n1,2,3\n4,5,6\n7,8,9\n");
  const std::string base = "to-checkpoint --state-dict " + shell_quote(fixture) +
                           " --identity-scaler --targets y --history history.csv --output model.json";
  const auto fails_with = [&](const std::string& args, const std::string& message) {
    const RunResult r = run_tool(args, dir.path());
    INFO(args << "\nstderr: " << r.err);
    CHECK(r.exit_code == 2);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK_THAT(r.err, Catch::StartsWith("torch_interop.py: ") && Catch::Contains(message));
    CHECK(!file_exists(dir.file("model.json")));
  };

  SECTION("too few columns for the model's inputs") {
    fails_with(base + " --features x1 --look-back 3", "the model takes 3 inputs, but the columns given are 2");
  }
  SECTION("a horizon that does not match the head") {
    fails_with(base + " --features x1,x2 --look-back 3 --horizon 3",
               "head.weight has 2 outputs, but horizon 3 x 1 target(s) needs 3");
  }
  SECTION("a history shorter than the look-back") {
    fails_with(base + " --features x1,x2 --look-back 4", "3 data rows, fewer than look_back = 4");
  }
  SECTION("no look-back") { fails_with(base + " --features x1,x2", "--look-back is required"); }
  SECTION("weights lstm-forecast would refuse: strings, beyond float, a duplicate key, binary, too deep, not a zip") {
    const auto fixture_json = nlohmann::json::parse(read_file(fixture));
    auto weights = fixture_json.contains("state_dict") ? fixture_json["state_dict"] : fixture_json;
    std::string args = base + " --features x1,x2 --look-back 3";
    const auto with_state = [&](const std::string& file) {
      std::string a = args;
      a.replace(a.find(shell_quote(fixture)), shell_quote(fixture).size(), file);
      return a;
    };
    auto strings = weights;
    for (auto& v : strings["head.bias"]) v = "1";
    dir.write("strings.json", strings.dump());
    fails_with(with_state("strings.json"), "strings.json: head.bias must be nested arrays of real numbers of one shape, got strings");
    auto huge = weights;
    huge["head.bias"][0] = 1e308;
    dir.write("huge.json", huge.dump());
    fails_with(with_state("huge.json"), "huge.json: head.bias[0] is 1e+308: lstm-forecast's weights are floats");
    dir.write("dup.json", "{\"head.bias\": [1], \"head.bias\": [2]}");
    fails_with(with_state("dup.json"), "dup.json: not valid JSON (the state_dict): duplicate key \"head.bias\"");
    dir.write("nul.json", std::string("{\0}", 3));
    fails_with(with_state("nul.json"), "nul.json: binary data (a NUL byte at offset 1)");
    dir.write("deep.json", std::string(100000, '[') + std::string(100000, ']'));
    fails_with(with_state("deep.json"), "deep.json: not valid JSON (the state_dict): nested too deeply");
    dir.write("bad.npz", "PK\x03\x04garbage");
    fails_with(with_state("bad.npz"), "bad.npz: not a NumPy .npz archive of arrays");
    // One bias of several gone (a hunt: read as zeros, it forecast otherwise than PyTorch, which
    // refuses such a state_dict); bias=False leaves out every one.
    auto partial = weights;
    partial.erase("lstm.bias_ih_l1");
    dir.write("partial.json", partial.dump());
    fails_with(with_state("partial.json"), "partial.json: lstm.bias_ih_l1 is missing, but other LSTM biases are there");
    auto projected = weights;
    projected["lstm.weight_hr_l0"] = nlohmann::json::array({nlohmann::json::array({1.0})});
    dir.write("proj.json", projected.dump());
    fails_with(with_state("proj.json"), "proj.json: unexpected tensor lstm.weight_hr_l0 (LSTMs with proj_size are not supported)");
  }
  SECTION("a config file's settings one plain nn.LSTM cannot carry") {  // a hunt: they were overwritten silently
    dir.write("ensemble.json", R"({"model": {"ensemble": 3}})");
    fails_with(base + " --features x1,x2 --look-back 3 --config ensemble.json",
               "config: model.ensemble must be 1 for a PyTorch state_dict (one PyTorch state_dict holds one model), got 3");
    dir.write("combine.json", R"({"training": {"combine": true}})");
    fails_with(base + " --features x1,x2 --look-back 3 --config combine.json", "config: training.combine must be false");
    dir.write("panel.json", R"({"data": {"series_column": "id"}})");
    fails_with(base + " --features x1,x2 --look-back 3 --config panel.json", "config: data.series_column is set");
  }
  SECTION("a history value lstm-forecast would not read") {
    dir.write("big.csv", "y,x1,x2\n1,2,3\n4,5,6\n1e200,8,9\n");
    std::string args = base + " --features x1,x2 --look-back 3";
    args.replace(args.find("history.csv"), 11, "big.csv");
    fails_with(args, "big.csv:4: column 'y' holds 1e200, beyond +-1e100");
  }
  SECTION("a column named twice") {
    fails_with(base + " --features x1,y --look-back 3", "column 'y' is named twice");
  }
  SECTION("a scaler with the wrong number of columns") {
    dir.write("scaler.json", R"({"feature_range": [0, 1], "data_min": [0, 0], "data_max": [1, 1]})");
    std::string args = base + " --features x1,x2 --look-back 3";
    args.replace(args.find("--identity-scaler"), std::string("--identity-scaler").size(), "--scaler-json scaler.json");
    fails_with(args, "data_min has 2 values, one per column is needed (y, x1, x2)");
  }
  SECTION("a config key lstm-forecast does not have") {
    dir.write("config.json", R"({"training": {"epoch": 5}})");
    fails_with(base + " --features x1,x2 --look-back 3 --config config.json", "unknown key 'training.epoch'");
  }
  SECTION("a checkpoint of a newer format version") {
    require_ok(run_tool(base + " --features x1,x2 --look-back 3", dir.path()), "to-checkpoint");
    json checkpoint = read_json(dir.file("model.json"));
    checkpoint["version"] = kPanelCheckpointVersion + 1;
    dir.write("newer.json", checkpoint.dump());
    fs::remove(dir.file("model.json"));
    fails_with("from-checkpoint --model newer.json --state-dict model.json",
               "checkpoint format version " + std::to_string(kPanelCheckpointVersion + 1) + " is newer than this tool reads");
    // The many-series format's version, which lstm-forecast reads, is not new: the wrong kind of file.
    checkpoint["version"] = kPanelCheckpointVersion;
    dir.write("newer.json", checkpoint.dump());
    fails_with("from-checkpoint --model newer.json --state-dict model.json",
               "checkpoint format version " + std::to_string(kPanelCheckpointVersion) +
                   " does not fit this file: a single-series checkpoint");
  }
  SECTION("a checkpoint whose ensemble, horizon or frequency is not what lstm-forecast writes") {
    require_ok(run_tool(base + " --features x1,x2 --look-back 3", dir.path()), "to-checkpoint");
    const json good = read_json(dir.file("model.json"));
    fs::remove(dir.file("model.json"));
    const auto refused = [&](const std::function<void(json&)>& tamper, const std::string& message) {
      json checkpoint = good;
      tamper(checkpoint);
      dir.write("tampered.json", checkpoint.dump());
      fails_with("from-checkpoint --model tampered.json --state-dict model.json --tail-json tail.json", message);
      CHECK(!file_exists(dir.file("tail.json")));
    };
    for (const json& members : {json("x"), json(-1), json(0.5), json(1e308), json(true)})
      refused([&](json& c) { c["ensemble"]["members"] = members; }, "ensemble must be {\"members\": N}");
    refused([](json& c) { c["ensemble"] = json::array(); }, "ensemble must be {\"members\": N}");
    for (const json& horizon : {json("x"), json::array(), json::object(), json(0), json(2.5), json(false)})
      refused([&](json& c) { c["config"]["data"]["horizon"] = horizon; },
              "config.data.horizon must be an integer from 1 to");
    const auto with_time = [](json& c) { c["columns"]["time_column"] = "date"; };
    refused([&](json& c) { with_time(c); c["columns"].erase("frequency"); }, "columns.frequency must be");
    refused([&](json& c) { with_time(c); c["columns"]["frequency"] = "monthly"; }, "columns.frequency must be");
    refused([&](json& c) { with_time(c); c["columns"]["frequency"] = {{"count", 1}}; }, "columns.frequency must be");
    refused([&](json& c) { with_time(c); c["columns"]["frequency"] = {{"unit", "months"}}; },
            "columns.frequency must be");
  }
}

namespace {

// The PyTorch side of docs/checkpoint.md's example: a model, its scaler and its history written
// for to-checkpoint, and what the model forecasts after the history, in original units.
const char* const kTorchSave = R"(import json, sys
import numpy as np
import torch
from torch import nn

class Forecaster(nn.Module):
    def __init__(self, inputs, hidden, layers, outputs):
        super().__init__()
        self.lstm = nn.LSTM(inputs, hidden, num_layers=layers, batch_first=True)
        self.head = nn.Linear(hidden, outputs)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out[:, -1])

torch.manual_seed(0)
look_back, horizon = 8, 3
days = np.arange(40)
data = np.stack([100 + 10 * np.sin(days / 3) + days, 5 + np.cos(days / 5)], axis=1)  # sales, price
lo, hi = -1.0, 1.0
data_min, data_max = data.min(axis=0), data.max(axis=0)
model = Forecaster(inputs=2, hidden=16, layers=2, outputs=horizon)
torch.save(model.state_dict(), "model.pt")
np.savez("model.npz", **{k: v.numpy() for k, v in model.state_dict().items()})
json.dump({"feature_range": [lo, hi], "data_min": data_min.tolist(), "data_max": data_max.tolist()},
          open("scaler.json", "w"))
dates = np.datetime64("2024-01-01") + days
with open("history.csv", "w") as f:
    f.write("date,sales,price\n")
    f.writelines("%s,%r,%r\n" % (d, s, p) for d, (s, p) in zip(dates, data))
x = lo + (data[-look_back:] - data_min) * (hi - lo) / (data_max - data_min)
with torch.no_grad():
    y = model.double()(torch.from_numpy(x[None]))[0].numpy()
json.dump((data_min[0] + (y - lo) * (data_max[0] - data_min[0]) / (hi - lo)).tolist(), sys.stdout)
)";

// The other way: a checkpoint's tensors loaded into the same module, forecasting from its data tail.
const char* const kTorchLoad = R"(import json, sys
import numpy as np
import torch
from torch import nn

class Forecaster(nn.Module):
    def __init__(self, inputs, hidden, layers, outputs):
        super().__init__()
        self.lstm = nn.LSTM(inputs, hidden, num_layers=layers, batch_first=True)
        self.head = nn.Linear(hidden, outputs)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out[:, -1])

state = torch.load("back.pt")
layers = sum(1 for name in state if name.startswith("lstm.weight_ih_l"))
inputs, hidden = state["lstm.weight_ih_l0"].shape[1], state["lstm.weight_hh_l0"].shape[1]
model = Forecaster(inputs, hidden, layers, state["head.weight"].shape[0]).double()
model.load_state_dict(state)
scaler = json.load(open("back_scaler.json"))
lo, hi = scaler["feature_range"]
data_min, data_max = np.array(scaler["data_min"]), np.array(scaler["data_max"])
tail = np.array(json.load(open("back_tail.json"))["values"])
x = lo + (tail - data_min) * (hi - lo) / (data_max - data_min)
with torch.no_grad():
    y = model(torch.from_numpy(x[None]))[0].numpy()
json.dump((data_min[0] + (y - lo) * (data_max[0] - data_min[0]) / (hi - lo)).tolist(), sys.stdout)
)";

RunResult run_python_script(const std::string& script, const std::string& cwd) {
  const TempDir io;
  const std::string path = io.write("script.py", script);
  const std::string command = "cd " + shell_quote(cwd) + " && " + shell_quote(python()) + " " + shell_quote(path) +
                              " > " + shell_quote(io.file("stdout")) + " 2> " + shell_quote(io.file("stderr"));
  const int status = std::system(command.c_str());
  RunResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = read_file(io.file("stdout"));
  result.err = read_file(io.file("stderr"));
  return result;
}

}  // namespace

TEST_CASE("a model trained in PyTorch forecasts the same in lstm-forecast, and back (when torch is there)",
          "[interop]") {
  require_python_with_numpy();
  // torch is optional for the tool (.pt files only): without it this case says so and passes; the
  // cases above hold the engine to PyTorch's numbers through the fixtures either way.
  if (std::system((shell_quote(python()) + " -c 'import torch' > /dev/null 2>&1").c_str()) != 0) {
    WARN("torch is not importable by " << python() << ": .pt files not tested");
    return;
  }
  TempDir dir;
  const RunResult saved = run_python_script(kTorchSave, dir.path());
  require_ok(saved, "the PyTorch side");
  const json want = json::parse(saved.out);
  const std::string common = " --scaler-json scaler.json --targets sales --features price --look-back 8 "
                             "--time-column date --history history.csv";
  require_ok(run_tool("to-checkpoint --state-dict model.pt --output model.json" + common, dir.path()), "to-checkpoint");
  require_ok(run_tool("to-checkpoint --state-dict model.npz --output from_npz.json" + common, dir.path()),
             "to-checkpoint");
  CHECK(read_file(dir.file("from_npz.json")) == read_file(dir.file("model.json")));

  const RunResult r = run_cli("predict --model model.json", dir.path());
  require_ok(r, "predict");
  const ForecastCsv forecast = parse_forecast(r.out);
  CHECK(forecast.header == std::vector<std::string>{"date", "sales"});
  CHECK(forecast.first_column == std::vector<std::string>{"2024-02-10", "2024-02-11", "2024-02-12"});
  check_forecast(forecast, want, "predict against torch");

  require_ok(run_tool("from-checkpoint --model model.json --state-dict back.pt --scaler-json back_scaler.json "
                      "--tail-json back_tail.json",
                      dir.path()),
             "from-checkpoint");
  const RunResult loaded = run_python_script(kTorchLoad, dir.path());
  require_ok(loaded, "the PyTorch side, loading the checkpoint's tensors");
  check_forecast(forecast, json::parse(loaded.out), "torch on the checkpoint's tensors against predict");
}
