// End-to-end: evaluate through the built binary, on a model trained briefly on the airline series.
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <sstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support.hpp"

using namespace lstmf::test;
using Catch::Contains;
using Catch::StartsWith;

namespace {

const std::string kAirline = source_path("data/airline-passengers.csv");

// Trains a small model (look-back 12, horizon 1, val 0.1: rows 131-144 held out) on a.csv in
// `dir`, a copy of the data under the relative name the checkpoint records.
void train_airline(const TempDir& dir, const std::string& flags) {
  dir.write("a.csv", read_file(kAirline));
  const RunResult r = run_cli("train --data a.csv --target passengers --time-column date --look-back 12 --normalise minmax "
                              "--ensemble 1 --quiet " + flags,
                              dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
}

// One folder with m.json (5 epochs) and a.csv. Trained once.
const TempDir& trained() {
  static TempDir dir;
  static const bool ready = [] {
    train_airline(dir, "--epochs 5 --hidden 8 --seed 1 --output m.json");
    return true;
  }();
  (void)ready;
  return dir;
}

std::vector<double> airline() {
  std::istringstream in(read_file(kAirline));
  std::string line;
  std::getline(in, line);
  std::vector<double> y;
  while (std::getline(in, line)) y.push_back(std::stod(line.substr(line.find(',') + 1)));
  return y;
}

}  // namespace

TEST_CASE("evaluate prints a table of the model and the baselines on the held-out tail", "[cli-evaluate]") {
  const RunResult r = run_cli("evaluate --model m.json", trained().path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.empty());
  CHECK_THAT(r.out, StartsWith("backtest of a.csv: 144 rows, look-back 12, horizon 1\n") &&
                        Contains("14 origins, stride 1, forecasting rows 131-144 (1959-11 to 1960-12); origins from "
                                 "the held-out tail, rows 131-144\n") &&
                        Contains("seasonal period m = 12; MASE scale: seasonal naive MAE over rows 1-130\n"));
  CHECK_THAT(r.out, Contains("method          target            MAE       RMSE     MAPE %    sMAPE %       MASE\n"));
  for (const char* method : {"\nlstm ", "\nnaive ", "\nseasonal_naive "}) CHECK_THAT(r.out, Contains(method));
  CHECK_THAT(r.out, !Contains("nan") && !Contains("note:"));
}

TEST_CASE("evaluate says when the model has seen the rows it is scored on", "[cli-evaluate]") {
  TempDir dir;
  train_airline(dir, "--epochs 3 --hidden 4 --refit true --output r.json");
  const RunResult r = run_cli("evaluate --model r.json", dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("origins from the held-out tail, rows 131-144; the model was refitted on every row of its "
                             "training file, so 14 of the 14 forecasts scored are at or before the last time it trained on (1960-12: in-sample where the history is its training data)"));
  CHECK_THAT(run_cli("evaluate --model m.json", trained().path()).out, !Contains("in-sample"));  // not refitted

  // Trained on the first 126 months, scored on a longer file: the times tell which rows it saw.
  const std::string airline = read_file(kAirline);
  size_t cut = 0;
  for (int line = 0; line < 127; ++line) cut = airline.find('\n', cut) + 1;  // the header and 126 rows
  dir.write("first.csv", airline.substr(0, cut));
  REQUIRE(run_cli("train --data first.csv --target passengers --time-column date --look-back 12 --normalise minmax "
                  "--ensemble 1 --quiet --epochs 3 --hidden 4 --refit true --output f.json", dir.path()).exit_code == 0);
  const RunResult unseen = run_cli("evaluate --model f.json --input a.csv --origins 18", dir.path());
  REQUIRE(unseen.exit_code == 0);
  CHECK_THAT(unseen.out, Contains("rows 127-144") && !Contains("in-sample"));
  // By default the origins score those rows, every one (not a share of the longer file; a hunt).
  const RunResult longer = run_cli("evaluate --model f.json --input a.csv", dir.path());
  INFO(longer.err);
  CHECK_THAT(longer.out, Contains("18 origins, stride 1, forecasting rows 127-144 (1959-07 to 1960-12); origins from the rows "
                                  "after the last time it trained on (1959-06), rows 127-144\n") &&
                             !Contains("in-sample"));
  // Not refitted: trained on the rows before its held-out tail, which the checkpoint does not date.
  // The rows after the training data are scored, and the held-out share where it starts earlier.
  REQUIRE(run_cli("train --data first.csv --target passengers --time-column date --look-back 12 --normalise minmax "
                  "--ensemble 1 --quiet --epochs 3 --hidden 4 --refit false --output n.json", dir.path()).exit_code == 0);
  CHECK_THAT(run_cli("evaluate --model n.json --input a.csv", dir.path()).out,
             Contains("origins from the rows after its training data (1959-06), rows 127-144\n"));
  dir.write("plus2.csv", airline.substr(0, airline.find("1959-09")));  // 128 rows: its tail starts before row 127
  CHECK_THAT(run_cli("evaluate --model n.json --input plus2.csv", dir.path()).out,
             Contains("origins from the held-out tail, rows 116-128\n"));
  // Its checkpoint dates the end of its training rows (held_out_rows before the data tail's end):
  // the held-out share of an earlier file is rows it trained on, said (a hunt: scored silently).
  dir.write("early.csv", airline.substr(0, airline.find("1957-06")));  // 101 rows, ending 1957-05
  CHECK_THAT(run_cli("evaluate --model n.json --input early.csv", dir.path()).out,
             Contains("origins from the held-out tail, rows 92-101; the model trained on every row of its training file "
                      "before its held-out tail, so 10 of the 10 forecasts scored are at or before the last time it "
                      "trained on (1958-05: in-sample where the history is its training data)"));
  CHECK_THAT(run_cli("evaluate --model n.json", dir.path()).out, !Contains("in-sample"));
  const RunResult straddling = run_cli("evaluate --model f.json --input a.csv --origins 20", dir.path());
  CHECK_THAT(straddling.out, Contains("so 2 of the 20 forecasts scored are at or before the last time it trained on (1959-06: in-sample where the history is its training data)"));
  // A value the file lacks, filled by --missing, is not scored, nor counted as scored (a review).
  std::string gap = airline;
  gap.erase(gap.find("1960-03"), gap.find('\n', gap.find("1960-03")) + 1 - gap.find("1960-03"));
  dir.write("gap.csv", gap);
  CHECK_THAT(run_cli("evaluate --model f.json --input gap.csv --missing interpolate --origins 20", dir.path()).out,
             Contains("so 2 of the 19 forecasts scored are at or before"));
  // A test tail the refit left out: on the training file, the origins score it, and no more.
  train_airline(dir, "--epochs 3 --hidden 4 --refit true --test-fraction 0.1 --output t.json");
  const RunResult tested = run_cli("evaluate --model t.json", dir.path());
  CHECK_THAT(tested.out, Contains("origins from the rows after the last time it trained on (1959-10), rows 131-144\n") &&
                             !Contains("in-sample"));
  CHECK_THAT(run_cli("evaluate --model t.json --origins 28", dir.path()).out,
             Contains("rows 117-144") &&
                 Contains("refitted on every row of its training file before its test tail, so 14 of the 28 "
                          "forecasts scored are at or before the last time it trained on (1959-10: in-sample where the history is its training data)"));
  // Counted by time whatever part of the training file the history holds: its first 130 rows end
  // at the refit's last row, the last 30 are the test tail and the 16 months before it.
  dir.write("head.csv", airline.substr(0, airline.find("1959-11")));
  CHECK_THAT(run_cli("evaluate --model t.json --input head.csv --origins 1", dir.path()).out,
             Contains("so 1 of the 1 forecast scored is at or before the last time it trained on (1959-10: in-sample where the history is its training data)"));
  dir.write("last.csv", "date,passengers\n" + airline.substr(airline.find("1958-07")));
  CHECK_THAT(run_cli("evaluate --model t.json --input last.csv --origins 14", dir.path()).out,
             Contains("rows 17-30") && !Contains("in-sample"));
  CHECK_THAT(run_cli("evaluate --model t.json --input last.csv --origins 16", dir.path()).out,
             Contains("so 2 of the 16 forecasts scored are at or before the last time it trained on (1959-10: in-sample where the history is its training data)"));
}

TEST_CASE("evaluate --json gives the baselines' scores as computed from the data by hand", "[cli-evaluate]") {
  const RunResult r = run_cli("evaluate --model m.json --json --threads 1", trained().path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto json = nlohmann::json::parse(r.out);
  CHECK(json["rows"] == 144);
  CHECK(json["season"] == 12);
  CHECK(json["origins"].size() == 14);
  CHECK(json["notes"].empty());

  // Origins 130..143 (0-based), horizon 1: naive forecasts y[o-1], seasonal naive y[o-12].
  const std::vector<double> y = airline();
  double naive = 0, seasonal = 0, scale = 0;
  for (size_t o = 130; o < 144; ++o) {
    naive += std::abs(y[o] - y[o - 1]) / 14;
    seasonal += std::abs(y[o] - y[o - 12]) / 14;
  }
  for (size_t t = 12; t < 130; ++t) scale += std::abs(y[t] - y[t - 12]) / 118;
  const auto& target = json["targets"]["passengers"];
  CHECK(target["mase_scale"]["value"].get<double>() == Approx(scale));
  CHECK(target["methods"]["naive"]["mae"].get<double>() == Approx(naive));
  CHECK(target["methods"]["naive"]["mase"].get<double>() == Approx(naive / scale));
  CHECK(target["methods"]["seasonal_naive"]["mae"].get<double>() == Approx(seasonal));
  CHECK(target["methods"]["seasonal_naive"]["mae_by_step"][0].get<double>() == Approx(seasonal));
  CHECK(target["methods"]["lstm"]["mase"].is_number());
}

TEST_CASE("evaluate --json reports a file whose name is not UTF-8 with the bad bytes replaced", "[cli-evaluate]") {
  // JSON holds UTF-8 only: the report's file name has U+FFFD where the name had 0xFF (it exited 1
  // after the whole backtest, as an internal error).
  std::filesystem::copy_file(trained().path() + "/a.csv", trained().path() + "/b\xff.csv",
                             std::filesystem::copy_options::overwrite_existing);
  const RunResult r = run_cli("evaluate --model m.json --input 'b\xff.csv' --json", trained().path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(nlohmann::json::parse(r.out)["source"] == "b\xEF\xBF\xBD.csv");
}

TEST_CASE("the protocol notes training values it interpolated and groups frequencies as M4's names are read", "[cli-evaluate]") {
  TempDir dir;
  std::string gap = "date,y\n", whole = "date,y\n";
  for (int i = 0; i < 48; ++i) {
    const std::string line = year_month(2000, i) +
                             "," + std::to_string(100 + (i % 12) * 4 + i) + "\n";
    whole += line;
    if (i < 10 || i > 12) gap += line;  // months 11 to 13 absent
  }
  dir.write("gap.csv", gap);
  dir.write("whole.csv", whole);
  dir.write("meta.json", R"({"gap.csv": {"target": "y", "frequency": "Monthly", "m": 12, "h": 6},
                             "whole.csv": {"target": "y", "frequency": "monthly", "m": 12, "h": 6}})");
  const RunResult r = run_cli("evaluate --protocol . --set training.epochs=2 --set model.ensemble=1 --quiet", dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("3 training values missing in the file (a gap in the times or an empty cell) interpolated"));
  CHECK_THAT(r.out, Contains("| Monthly | 2 |"));  // one row for both spellings
}

TEST_CASE("evaluate says when an origin follows a gap interpolated toward the rows it forecasts", "[cli-evaluate]") {
  TempDir dir;
  std::string train = "t,y\n", gap = "t,y\n";
  for (int i = 0; i < 60; ++i) {
    const std::string line = std::to_string(i) + "," + std::to_string(10 + (i * 7) % 5 + 0.1 * i) + "\n";
    train += line;
    gap += i >= 56 && i <= 58 ? std::to_string(i) + ",\n" : i == 59 ? "59,1000\n" : line;
  }
  dir.write("train.csv", train);
  dir.write("gap.csv", gap);
  REQUIRE(run_cli("train --data train.csv --target y --look-back 6 --horizon 1 --epochs 2 --hidden 2 --ensemble 1 "
                  "--output m.json --quiet", dir.path()).exit_code == 0);
  const std::string note = "1 of the 1 origin follows a gap filled by interpolation";
  const RunResult interpolated = run_cli("evaluate --model m.json --input gap.csv --missing interpolate --origins 1", dir.path());
  INFO(interpolated.err);
  REQUIRE(interpolated.exit_code == 0);
  CHECK_THAT(interpolated.out + interpolated.err, Contains(note));
  const RunResult carried = run_cli("evaluate --model m.json --input gap.csv --missing ffill --origins 1", dir.path());
  REQUIRE(carried.exit_code == 0);
  CHECK_THAT(carried.out + carried.err, !Contains("origins follow a gap"));
}

TEST_CASE("the protocol fills a gap at the end of the training part from training rows alone", "[cli-evaluate]") {
  // Interpolated with the file whole, the gap would ramp toward the first held-out value (100),
  // and every method would see part of the answer.
  TempDir dir;
  dir.write("leak.csv", "y\n10\n11\n10\n12\n11\n10\n11\n12\n10\n11\n12\n11\nNA\nNA\nNA\nNA\nNA\n100\n101\n102\n");
  dir.write("meta.json", R"({"leak.csv": {"target": "y", "m": 1, "h": 3}})");
  const RunResult r = run_cli("evaluate --protocol . --set training.epochs=2 --set model.ensemble=1 --json-file s.json --quiet",
                              dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto series = nlohmann::json::parse(read_file(dir.file("s.json")))["series"]["leak.csv"];
  CHECK(series["methods"]["naive"]["forecast"] == nlohmann::json::array({11.0, 11.0, 11.0}));
  for (const double value : series["methods"]["lstm"]["forecast"]) CHECK(value < 20);
  CHECK_THAT(series["note"].get<std::string>(),
             Contains("5 training values missing in the file after its last training value: carried forward from it"));
}

TEST_CASE("evaluate says when scored values were missing in the file and filled by --missing", "[cli-evaluate]") {
  TempDir dir;
  std::string full = "date,y\n", gap = "date,y\n";
  for (int i = 0; i < 40; ++i) {
    const std::string date = year_month(2000, i) + "-01";
    const std::string value = std::to_string(100 + (i * 7) % 13 + i);
    full += date + "," + value + "\n";
    gap += date + "," + (i == 37 ? std::string() : value) + "\n";
  }
  dir.write("full.csv", full);
  dir.write("gap.csv", gap);
  REQUIRE(run_cli("train --data full.csv --target y --time-column date --epochs 2 --ensemble 1 --hidden 4 --look-back 4 "
                  "--horizon 2 --output m.json --quiet",
                  dir.path()).exit_code == 0);
  const RunResult filled = run_cli("evaluate --model m.json --input gap.csv --missing interpolate", dir.path());
  INFO(filled.err);
  REQUIRE(filled.exit_code == 0);
  CHECK_THAT(filled.err, Contains("note: 1 of the 4 rows forecast has a target value missing in the file (filled by "
                                  "data.missing, interpolate, where an origin reads it): the forecasts of missing values are not scored"));
  // Scored over the observed rows alone: row 38 (0-based 37) forecast by origins 36 and 37 is not.
  const auto scored = nlohmann::json::parse(run_cli("evaluate --model m.json --input gap.csv --missing interpolate --json",
                                                    dir.path()).out)["targets"]["y"]["methods"]["naive"];
  const double y35 = 100 + (35 * 7) % 13 + 35, y36 = 100 + (36 * 7) % 13 + 36, y38 = 100 + (38 * 7) % 13 + 38,
               y39 = 100 + (39 * 7) % 13 + 39;
  const double y37 = (y36 + y38) / 2;  // interpolated: origin 38 reads it
  // Origins 36, 37, 38: step 1 scores rows 36 and 38 (37 unobserved), step 2 rows 38 and 39 (37 out).
  CHECK(scored["mae_by_step"][0].get<double>() == Approx((std::abs(y36 - y35) + std::abs(y38 - y37)) / 2));
  CHECK(scored["mae_by_step"][1].get<double>() == Approx((std::abs(y38 - y36) + std::abs(y39 - y37)) / 2));
  CHECK_THAT(run_cli("evaluate --model m.json --input full.csv", dir.path()).err, !Contains("missing in the file"));
  // With a stride beyond the horizon the rows between origins are not scored: counted were every
  // row from the first origin on ("1 of the 14 rows"), the gap among them though no origin scored it.
  const RunResult strided =
      run_cli("evaluate --model m.json --input gap.csv --missing interpolate --horizon 1 --stride 6 --origins 3", dir.path());
  INFO(strided.err);
  REQUIRE(strided.exit_code == 0);
  CHECK_THAT(strided.err, !Contains("rows forecast"));
  const RunResult on_gap =
      run_cli("evaluate --model m.json --input gap.csv --missing interpolate --horizon 1 --stride 2 --origins 3", dir.path());
  INFO(on_gap.err);
  REQUIRE(on_gap.exit_code == 0);
  CHECK_THAT(on_gap.err, Contains("note: 1 of the 3 rows forecast has a target value missing"));
}

TEST_CASE("evaluate takes its history from --input, from stdin, and its windows from the flags", "[cli-evaluate]") {
  const TempDir& dir = trained();
  SECTION("--input - with --horizon, --origins, --stride and --season") {
    const RunResult r = run_cli("evaluate --model m.json --input - --horizon 3 --origins 4 --stride 6 --season 4 --json",
                                dir.path(), read_file(kAirline));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto json = nlohmann::json::parse(r.out);
    CHECK(json["source"] == "<stdin>");
    CHECK(json["origins"] == nlohmann::json({123, 129, 135, 141}));
    // Origins reaching back before the held-out tail score rows the model trained on: said.
    CHECK(json["origin_rule"] ==
          "--origins 4; the model trained on every row of its training file before its held-out tail, so 4 of the 12 "
          "forecasts scored are at or before the last time it trained on (1959-10: in-sample where the history is its "
          "training data): score rows after those, or use evaluate --protocol");
    CHECK(json["season"] == 4);
    CHECK(json["targets"]["passengers"]["methods"]["lstm"]["mae_by_step"].size() == 3);
  }
  SECTION("without --input, the training data as the checkpoint names it") {
    const RunResult r = run_cli("evaluate --model m.json --input '" + kAirline + "'", dir.path());
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const RunResult by_default = run_cli("evaluate --model m.json", dir.path());
    const auto after_first_line = [](const std::string& text) { return text.substr(text.find('\n')); };
    CHECK(after_first_line(r.out) == after_first_line(by_default.out));
    CHECK(by_default.err.find("does not hold the rows training ended on") == std::string::npos);
  }
  SECTION("without --input, another file under the training data's name is scored, and said to be another") {
    // Read from another folder, a.csv is another series: training's last rows are not in it.
    TempDir elsewhere;
    std::string other = read_file(kAirline);
    other.replace(other.rfind("\n1960-12,") + 9, 3, "433");  // one value training read, changed (432 -> 433)
    elsewhere.write("a.csv", other);
    const RunResult changed = run_cli("evaluate --model '" + dir.file("m.json") + "'", elsewhere.path());
    INFO(changed.err);
    REQUIRE(changed.exit_code == 0);
    CHECK_THAT(changed.err, Contains("note: a.csv (the training data's path, read from the working directory) does not hold "
                                     "the rows training ended on (the checkpoint's data_tail): it is another file, or was "
                                     "changed since"));
    // Rows appended after those training read: the same file, grown.
    elsewhere.write("a.csv", read_file(kAirline) + "1961-01,440\n1961-02,450\n");
    const RunResult grown = run_cli("evaluate --model '" + dir.file("m.json") + "'", elsewhere.path());
    INFO(grown.err);
    REQUIRE(grown.exit_code == 0);
    CHECK(grown.err.find("does not hold the rows training ended on") == std::string::npos);
  }
}

TEST_CASE("evaluate reports bad usage and bad input on stderr with exit code 2 or 3", "[cli-evaluate]") {
  const TempDir& dir = trained();
  const auto fails = [&](const std::string& args, int code, const std::string& message, const std::string& input = "") {
    const RunResult r = run_cli(args, dir.path(), input);
    INFO(args);
    CHECK(r.exit_code == code);
    CHECK(r.out.empty());
    CHECK_THAT(r.err, StartsWith("lstm-forecast: ") && Contains(message));
  };
  SECTION("no --model") { fails("evaluate", 2, "--model is required"); }
  SECTION("a missing checkpoint") { fails("evaluate --model nope.json", 3, "nope.json"); }
  SECTION("the training data not found and no --input") {
    TempDir elsewhere;  // a.csv is relative to where train ran
    const RunResult r = run_cli("evaluate --model '" + dir.file("m.json") + "'", elsewhere.path());
    CHECK(r.exit_code == 2);
    CHECK(r.err == "lstm-forecast: " + dir.file("m.json") +
                       ": no --input given and the training data 'a.csv' is not found from here; give --input FILE "
                       "(- = stdin) with the columns the model was trained on\n");
    std::filesystem::create_directory(elsewhere.file("a.csv"));  // there, but a folder
    const RunResult folder = run_cli("evaluate --model '" + dir.file("m.json") + "'", elsewhere.path());
    CHECK(folder.exit_code == 2);
    CHECK_THAT(folder.err, Contains(": no --input given and the training data 'a.csv' is not a regular file; give --input"));
  }
  SECTION("options out of range") {
    fails("evaluate --model m.json --season 0", 2, "--season must be >= 1, got 0");
    fails("evaluate --model m.json --stride 0", 2, "--stride must be >= 1, got 0");
    fails("evaluate --model m.json --origins 0", 2, "--origins must be >= 1, got 0");
    fails("evaluate --model m.json --horizon 0", 2, "--horizon must be >= 1, got 0");
    fails("evaluate --model m.json --threads -2", 2, "--threads expects an integer in 0 .. 1024, got -2");
    fails("evaluate --model m.json --threads 100000", 2, "--threads expects an integer in 0 .. 1024, got 100000");
    fails("evaluate --model m.json --season twelve", 2, "--season");
  }
  SECTION("more origins than the history holds") {
    fails("evaluate --model m.json --origins 200", 2,
          "a.csv: has 144 rows, room for at most 132 origins with stride 1 and horizon 1 (the first needs 12 rows "
          "before it); asked for --origins 200");
  }
  SECTION("a history too short for one window, stating the minimum") {
    std::string csv = "date,passengers\n";
    for (int month = 1; month <= 12; ++month) csv += "1949-" + std::string(month < 10 ? "0" : "") + std::to_string(month) + ",100\n";
    fails("evaluate --model m.json --input -", 2,
          "<stdin>: has 12 rows, too short to backtest: look-back 12 + horizon 1 needs at least 13 rows", csv);
    fails("evaluate --model m.json --input - --season 24", 2,
          "<stdin>: has 12 rows, too short to backtest: one season (m = 24) before the first origin + horizon 1 needs "
          "at least 25 rows",
          csv);
  }
  SECTION("a history without the model's target column names the file") {
    dir.write("b.csv", "date,sales\n1949-01,1\n1949-02,2\n");
    fails("evaluate --model m.json --input b.csv", 2, "b.csv");
    fails("evaluate --model m.json --input b.csv", 2, "passengers");
  }
}

TEST_CASE("evaluate --help documents the windows and the metrics", "[cli-evaluate]") {
  TempDir dir;
  const RunResult r = run_cli("evaluate --help", dir.path());
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("--model") && Contains("--input") && Contains("--origins") && Contains("--stride") &&
                        Contains("--season") && Contains("--json") && Contains("held-out tail") &&
                        Contains("MASE") && Contains("n/a"));
}

namespace {
// The protocol's JSON for a folder of one series `file` (CSV text `csv`) described by `meta`.
nlohmann::json protocol_json(const std::string& file, const std::string& csv, const std::string& meta,
                             const std::string& command) {
  TempDir dir;
  dir.write(file, csv);
  dir.write("meta.json", meta);
  const RunResult r = run_cli(command + " --json-file out.json", dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return nlohmann::json::parse(read_file(dir.file("out.json")));
}
}  // namespace

TEST_CASE("evaluate --protocol scores every series of a folder's meta.json beside the baselines", "[cli-evaluate]") {
  TempDir dir;
  const std::string airline = read_file(kAirline);
  dir.write("air.csv", airline);
  // A yearly-looking series without a time column: rows are periods, m = 1.
  std::string plain = "value\n";
  for (int r = 0; r < 40; ++r) plain += std::to_string(50 + r % 7 + r / 3) + "\n";
  dir.write("plain.csv", plain);
  dir.write("meta.json", R"({"air.csv": {"target": "passengers", "frequency": "monthly", "m": 12, "h": 6},
                             "plain.csv": {"target": "value", "frequency": "yearly", "m": 1, "h": 4}})");
  dir.write("baselines.json", R"({"series": {"air.csv": {"methods": {"ets": {"forecast": [400, 400, 400, 400, 400, 400]}}}}})");
  const std::string command = "evaluate --protocol . --set training.epochs=3 --set model.ensemble=2 --set model.hidden=4 "
                              "--quiet";
  const RunResult r = run_cli(command + " --json-file r.json", dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("| series | frequency | m | h | lstm | naive | snaive | drift | ets |") &&
                        Contains("| air.csv | monthly | 12 | 6 |") && Contains("| plain.csv | yearly | 1 | 4 |") &&
                        Contains("**geometric mean**") && Contains("80% coverage"));
  const auto result = nlohmann::json::parse(read_file(dir.file("r.json")));
  CHECK(result["series"]["air.csv"]["n_train"] == 138);
  CHECK(result["series"]["air.csv"]["methods"]["lstm"]["forecast"].size() == 6);
  CHECK(result["series"]["plain.csv"]["methods"].count("ets") == 0);
  for (const char* method : {"lstm", "naive", "snaive", "drift", "ets"}) CHECK(result["geomean_mase"].contains(method));
  // Every method's mean is over the same series: plain.csv has no ets forecast, so the means are
  // air.csv's MASEs, and the table says why plain.csv is not in them.
  CHECK(result["geomean_left_out"]["plain.csv"] == "not in baselines.json: ets");
  CHECK(result["geomean_mase"]["naive"] == result["series"]["air.csv"]["methods"]["naive"]["mase"]);
  CHECK_THAT(r.out, Contains("Not in the geometric means") && Contains("- plain.csv: not in baselines.json: ets") &&
                        Contains("| yearly | 0 of 1 |"));
  // The tool's own naive forecast of the airline tail is the last training value (1960-06: 535).
  CHECK(result["series"]["air.csv"]["methods"]["naive"]["forecast"][5] == 535.0);
  // The same seed gives the same numbers.
  REQUIRE(run_cli(command + " --json-file r2.json", dir.path()).exit_code == 0);
  auto a = result, b = nlohmann::json::parse(read_file(dir.file("r2.json")));
  a.erase("seconds"), b.erase("seconds");
  for (auto* j : {&a, &b})
    for (auto& [name, s] : (*j)["series"].items()) s.erase("seconds");
  CHECK(a == b);

  // With a feature column (--set data.features) the scored points are still the target's.
  std::string rows = "date,value,x\n";
  for (int r = 0; r < 40; ++r) rows += std::to_string(1990 + r) + "," + std::to_string(100 + r) + "," + std::to_string(r % 3) + "\n";
  const auto f = protocol_json("f.csv", rows, R"({"f.csv": {"target": "value", "frequency": "yearly", "m": 1, "h": 4}})",
                               command + " --set data.features=x");
  CHECK(f["series"]["f.csv"]["actual"] == nlohmann::json({136.0, 137.0, 138.0, 139.0}));
  CHECK(f["series"]["f.csv"]["methods"]["naive"]["forecast"][0] == 135.0);

  // A series the recipe refuses (values 1e-200 apart: too little to scale) is skipped and named;
  // the others are scored. When none can be, the run fails.
  TempDir mixed;
  std::string flat = "date,value\n";
  for (int r = 0; r < 40; ++r) flat += std::to_string(1990 + r) + (r % 2 ? ",2e-200\n" : ",1e-200\n");
  mixed.write("flat.csv", flat);
  mixed.write("f.csv", rows);
  mixed.write("meta.json", R"({"flat.csv": {"target": "value", "frequency": "yearly", "m": 1, "h": 4},
                               "f.csv": {"target": "value", "frequency": "yearly", "m": 1, "h": 4}})");
  const RunResult partly = run_cli(command + " --json-file m.json", mixed.path());
  INFO(partly.err);
  REQUIRE(partly.exit_code == 0);
  CHECK_THAT(partly.err, Contains("note: skipped flat.csv: ") && Contains("too little to scale") && !Contains("lstm-forecast:"));
  CHECK_THAT(partly.out, Contains("| f.csv | yearly |") && Contains("Skipped") && Contains("- flat.csv: "));
  const auto m = nlohmann::json::parse(read_file(mixed.file("m.json")));
  CHECK(m["series"].contains("f.csv"));
  CHECK_FALSE(m["series"].contains("flat.csv"));
  CHECK(m["skipped"].contains("flat.csv"));
  const RunResult none = run_cli(command + " --only flat.csv", mixed.path());
  CHECK(none.exit_code == 2);
  CHECK_THAT(none.err, Contains("no series could be scored") && Contains("too little to scale"));
  // Every series diverged: the run failed as train's does (exit 4), not on bad input.
  const RunResult blown = run_cli(command + " --only f.csv --set training.lr=1e308", mixed.path());
  CHECK(blown.exit_code == 4);
  CHECK_THAT(blown.err, Contains("no series could be scored") && Contains("NaN or Inf"));

  // A column guessed as the time column by its name whose values are not times (ISO weeks) is
  // dropped with a note; the series is still scored (m comes from meta.json).
  std::string weekly = "week,value\n";
  for (int r = 0; r < 40; ++r) weekly += "2015-W" + std::string(r < 9 ? "0" : "") + std::to_string(r + 1) + "," + std::to_string(100 + r % 5) + "\n";
  const auto w = protocol_json("w.csv", weekly, R"({"w.csv": {"target": "value", "frequency": "weekly", "m": 1, "h": 4}})", command);
  CHECK_THAT(w["series"]["w.csv"]["note"].get<std::string>(), Contains("time column not read: line 2: expected a time in column 'week'"));
  // A guessed column that changes form part-way (two exports appended), which train refuses: the
  // protocol scores the rows as periods and says where the times stopped reading.
  std::string appended = "date,value\n";
  for (int r = 0; r < 40; ++r)
    appended += year_month(2015, r) +
                (r < 20 ? "" : "-01") + "," + std::to_string(100 + r % 5) + "\n";
  const auto joined = protocol_json("a.csv", appended, R"({"a.csv": {"target": "value", "frequency": "monthly", "m": 1, "h": 4}})", command);
  CHECK_THAT(joined["series"]["a.csv"]["note"].get<std::string>(),
             Contains("time column not read: line 22: time '2016-09-01' is not written like '2015-01' on line 2"));

  // One time off the grid (an 8-day week among weekly rows): train refuses the file, the protocol
  // scores its rows as consecutive periods, as M4 does, and says why the times were not used.
  std::string off_grid = "date,value\n";
  for (int r = 0; r < 40; ++r) {
    const int day = 7 * r + (r >= 20 ? 1 : 0);  // 2015-01-04 + day, as month and day of 2015
    const int month_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int month = 0, d = 3 + day;
    while (d >= month_days[month]) d -= month_days[month++];
    off_grid += "2015-" + std::string(month < 9 ? "0" : "") + std::to_string(month + 1) + "-" + (d < 9 ? "0" : "") +
                std::to_string(d + 1) + "," + std::to_string(100 + r % 5) + "\n";
  }
  const auto o = protocol_json("o.csv", off_grid, R"({"o.csv": {"target": "value", "frequency": "weekly", "m": 1, "h": 4}})", command);
  CHECK(o["series"]["o.csv"]["n_train"] == 36);
  CHECK_THAT(o["series"]["o.csv"]["note"].get<std::string>(),
             Contains("time column not used (rows taken as consecutive periods, gaps in the times not filled): line 22: "
                     "irregular time step in column 'date'"));
  TempDir refused;
  refused.write("o.csv", off_grid);
  const RunResult trained = run_cli("train --data o.csv --target value --horizon 4 --epochs 2 -q", refused.path());
  CHECK(trained.exit_code == 2);
  CHECK_THAT(trained.err, Contains("o.csv:22:1: irregular time step in column 'date'"));

  // Without "m", the period is M4's for the frequency, and the note says so; 1 for other names.
  const auto no_m = protocol_json("f.csv", rows, R"({"f.csv": {"target": "value", "frequency": "Quarterly", "h": 4}})", command);
  CHECK(no_m["series"]["f.csv"]["m"] == 4);
  CHECK_THAT(no_m["series"]["f.csv"]["note"].get<std::string>(), Contains("m 4 (M4's for Quarterly; meta.json gives none)"));
  const auto other_name = protocol_json("f.csv", rows, R"({"f.csv": {"target": "value", "frequency": "fortnightly", "h": 4}})", command);
  CHECK(other_name["series"]["f.csv"]["m"] == 1);
  CHECK_THAT(other_name["series"]["f.csv"]["note"].get<std::string>(), Contains("m 1 (meta.json gives none"));
  // Other keys are allowed but named, so a typo is seen (a review's "mm": 3 left m at 1 unsaid).
  const auto typo = protocol_json("f.csv", rows, R"({"f.csv": {"target": "value", "mm": 3, "source": "x", "h": 4}})", command);
  CHECK(typo["series"]["f.csv"]["m"] == 1);
  CHECK_THAT(typo["series"]["f.csv"]["note"].get<std::string>(),
             Contains("meta.json key 'mm', 'source' not read (it reads target, h, m, frequency, time_column)"));
  // Rows before the target's first value and after its last are not the series; a held-out value
  // missing in the file is interpolated to train but not scored.
  std::string ragged = "date,value\n";
  for (int r = 0; r < 45; ++r)
    ragged += std::to_string(1990 + r) + "," + (r < 2 || r == 39 || r >= 42 ? std::string("NA") : std::to_string(100 + r)) + "\n";
  const auto gaps = protocol_json("g.csv", ragged, R"({"g.csv": {"target": "value", "frequency": "yearly", "m": 1, "h": 4}})", command);
  const auto& g = gaps["series"]["g.csv"];
  CHECK_THAT(g["note"].get<std::string>(), Contains("2 leading rows without a target value dropped") &&
                                               Contains("3 trailing rows without a target value dropped") &&
                                               Contains("1 of the h = 4 held-out values missing in the file, not scored"));
  CHECK(g["n_train"] == 36);  // rows 2..37
  CHECK(g["n_scored"] == 3);
  CHECK(g["actual"] == nlohmann::json::parse("[138.0, null, 140.0, 141.0]"));
  CHECK(g["methods"]["naive"]["forecast"].size() == 4);
  // Naive forecasts 137: errors 1, 3, 4 on the three scored points; the in-sample scale is 1.
  CHECK(g["methods"]["naive"]["mase"].get<double>() == Approx(8.0 / 3.0));

  // Text from meta.json cannot break the Markdown tables.
  TempDir piped;
  piped.write("a|b.csv", rows);
  piped.write("meta.json", R"({"a|b.csv": {"target": "value", "frequency": "year|ly", "m": 1, "h": 4}})");
  const RunResult table = run_cli(command, piped.path());
  REQUIRE(table.exit_code == 0);
  CHECK_THAT(table.out, Contains("| a\\|b.csv | year\\|ly | 1 | 4 |"));
  // Nor write a control character to a terminal: shown escaped, as in messages.
  piped.write("meta.json", R"({"a|b.csv": {"target": "value", "frequency": "a\u001b[31mred", "m": 1, "h": 4}})");
  const RunResult escaped = run_cli(command, piped.path());
  REQUIRE(escaped.exit_code == 0);
  CHECK_THAT(escaped.out, Contains("| a\\|b.csv | a\\x1B[31mred | 1 | 4 |"));
  CHECK(escaped.out.find('\x1b') == std::string::npos);

  // A season longer than the training part has no seasonal naive forecast: the series is skipped.
  TempDir long_season;
  long_season.write("f.csv", rows);
  long_season.write("meta.json", R"({"f.csv": {"target": "value", "frequency": "yearly", "m": 40, "h": 4}})");
  const RunResult too_long = run_cli(command, long_season.path());
  CHECK(too_long.exit_code == 2);
  CHECK_THAT(too_long.err, Contains("f.csv: m = 40 needs m + 1 = 41 training rows (seasonal naive looks m rows back), "
                                   "but 40 rows less h = 4 leave 36"));

  // m = 1 in meta.json (M4's daily scoring period) leaves the model's season to the recipe, as
  // train does: daily rows give 7, normalised by (season) when the data have a weekly cycle, not
  // when they do not. MASE and seasonal naive still use m = 1.
  const auto consecutive = [](bool weekly_cycle) {
    std::string text = "date,value\n";
    const int month_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int month = 0, day = 1;
    std::uint32_t noise = 12345;  // a linear congruential generator: noise without a period of 7
    for (int r = 0; r < 200; ++r) {
      noise = noise * 1103515245u + 12345u;
      const double wiggle = static_cast<double>((noise >> 16) % 1000) / 100.0 - 5.0;
      // A drift, so the level is not stationary (a stationary one takes minmax, recipe.hpp).
      const double level = 100 + 0.5 * r + (weekly_cycle && r % 7 >= 5 ? -30.0 : 0.0) + wiggle;
      text += "2023-" + std::string(month < 9 ? "0" : "") + std::to_string(month + 1) + "-" + (day < 10 ? "0" : "") +
              std::to_string(day) + "," + std::to_string(level) + "\n";
      if (++day > month_days[month]) day = 1, ++month;
    }
    return text;
  };
  const std::string daily_meta = R"({"d.csv": {"target": "value", "frequency": "daily", "m": 1, "h": 14}})";
  const auto cycle = protocol_json("d.csv", consecutive(true), daily_meta, command);
  CHECK_THAT(cycle["series"]["d.csv"]["recipe"].get<std::string>(), Contains("season (period 7)"));
  CHECK(cycle["series"]["d.csv"]["m"] == 1);
  const auto no_cycle = protocol_json("d.csv", consecutive(false), daily_meta, command);
  CHECK_THAT(no_cycle["series"]["d.csv"]["recipe"].get<std::string>(), Contains("H 14, last,"));

  // A series whose values overflow the arithmetic is skipped and named, like one the recipe refuses.
  TempDir overflow;
  std::string spread = "date,value\n";
  for (int r = 0; r < 40; ++r) spread += std::to_string(1990 + r) + "," + (r % 2 ? "5e-324" : "0") + "\n";
  overflow.write("tiny.csv", spread);
  overflow.write("f.csv", rows);
  overflow.write("meta.json", R"({"tiny.csv": {"target": "value", "m": 1, "h": 4}, "f.csv": {"target": "value", "m": 1, "h": 4}})");
  const RunResult skipped = run_cli(command, overflow.path());
  INFO(skipped.err);
  CHECK(skipped.exit_code == 0);
  CHECK_THAT(skipped.err, Contains("skipped tiny.csv: ") && Contains("too little to scale"));

  // A series whose training diverges is skipped, as train would exit 4 on it.
  const RunResult diverged = run_cli(command + " --set training.lr=1e30", mixed.path());
  CHECK(diverged.exit_code == 2);  // flat.csv is skipped too: none could be scored
  CHECK_THAT(diverged.err, Contains("f.csv: training diverged in epoch 1"));

  // Mistakes in the folder's description are refused before anything trains.
  for (const auto& [entry, message] : std::vector<std::pair<std::string, std::string>>{
           {R"("m": 0, "h": 4)", "\"m\" must be the seasonal period, an integer from 1 (no season) to 100000, got 0"},
           {R"("m": "12", "h": 4)", "\"m\" must be the seasonal period, an integer from 1 (no season) to 100000, got \"12\""},
           {R"("m": 1, "h": 4, "time_column": 5)", "\"time_column\" must be a string, got 5"}}) {
    mixed.write("meta.json", R"({"f.csv": {"target": "value", )" + entry + "}}");
    const RunResult refused = run_cli(command, mixed.path());
    CHECK(refused.exit_code == 2);
    CHECK_THAT(refused.err, Contains("meta.json: f.csv: " + message));
  }
  mixed.write("meta.json", R"({"f.csv": {"target": "value", "frequency": "yearly", "m": 1, "h": 4}})");
  mixed.write("baselines.json", R"({"series": {"f.csv": {"methods": {"lstm": {"forecast": [1, 2, 3, 4]}}}}})");
  const RunResult reserved = run_cli(command, mixed.path());
  CHECK(reserved.exit_code == 2);
  CHECK_THAT(reserved.err, Contains("baselines.json: series.f.csv.methods.lstm: 'lstm' is the tool's own forecast"));
  mixed.write("baselines.json", R"({"f.csv": {"methods": {"ets": {"forecast": [1, 2, 3, 4]}}}})");  // no "series" level
  const RunResult no_series = run_cli(command, mixed.path());
  CHECK(no_series.exit_code == 2);
  CHECK_THAT(no_series.err, Contains("baselines.json: expected an object {\"series\": ") && Contains("there is no \"series\" key"));
  std::filesystem::remove(mixed.file("baselines.json"));
  for (const char* output : {"meta.json", "f.csv"}) {
    const std::string before = read_file(mixed.file(output));
    const RunResult clash = run_cli(command + " --json-file " + output, mixed.path());
    CHECK(clash.exit_code == 2);
    CHECK_THAT(clash.err, Contains(std::string("--json-file ") + output + " is the same file as"));
    CHECK(read_file(mixed.file(output)) == before);
  }
  const RunResult dash = run_cli(command + " --json-file -", mixed.path());
  CHECK(dash.exit_code == 2);
  CHECK_THAT(dash.err, Contains("--json-file - would mix JSON into the report on stdout; use --json for JSON on stdout"));
  mixed.write("baselines.json", R"({"series": {"f.csv": {"methods": {"a|b": {"forecast": [1, 2, 3, 4]}}}}})");
  const RunResult piped_name = run_cli(command, mixed.path());
  CHECK(piped_name.exit_code == 2);
  CHECK_THAT(piped_name.err, Contains("series.f.csv.methods: the method name 'a|b' would break the tables"));
  std::filesystem::remove(mixed.file("baselines.json"));
  // A path the system refuses (a loop of links) is a file error, exit 3, naming the path.
  std::filesystem::create_symlink("loop2.csv", mixed.file("loop1.csv"));
  std::filesystem::create_symlink("loop1.csv", mixed.file("loop2.csv"));
  mixed.write("meta.json", R"({"loop1.csv": {"target": "value", "m": 1, "h": 4}})");
  const RunResult loop = run_cli(command, mixed.path());
  CHECK(loop.exit_code == 3);
  CHECK_THAT(loop.err, Contains("loop1.csv: cannot read or write: Too many levels of symbolic links"));
  // What the protocol sets per series from meta.json cannot be --set; h and m may be written 4.0.
  const RunResult fixed = run_cli(command + " --set data.horizon=5", mixed.path());
  CHECK(fixed.exit_code == 2);
  CHECK_THAT(fixed.err, Contains("--set data.horizon: the protocol sets it for each series from meta.json"));
  CHECK_THAT(run_cli(command + " --set data.look_back=abc", mixed.path()).err,
             Contains("data.look_back expects an integer in 1 .. 100000 or auto, got 'abc'"));
  CHECK_THAT(run_cli(command + " --set training.epochs=4", mixed.path()).err,
             Contains("--set training.epochs is given twice: give each key once"));
  // Nor a key both --set and its flag set (a hunt: the last one given won, silently).
  CHECK_THAT(run_cli(command + " --seed 5 --set training.seed=3", mixed.path()).err,
             Contains("--set training.seed and --seed both set it: give one of them"));
  CHECK_THAT(run_cli(command + " --set training.threads=1 --threads 2", mixed.path()).err,
             Contains("--set training.threads and --threads both set it: give one of them"));
  // What the protocol does not use is refused, not ignored.
  CHECK_THAT(run_cli(command + " --set output.path=x.json", mixed.path()).err,
             Contains("--set output.path: the protocol does not use it"));
  mixed.write("meta.json", R"({"f.csv": {"target": "value", "h": -3}})");
  CHECK_THAT(run_cli(command, mixed.path()).err, Contains("f.csv: \"h\" must be the horizon, an integer from 1 to 1000000, got -3"));
  mixed.write("meta.json", R"({"f.csv": {"target": ["value"], "h": 4}})");
  CHECK_THAT(run_cli(command, mixed.path()).err, Contains("f.csv: \"target\" must be a column name (a string), got [\"value\"]"));
  CHECK_THAT(run_cli(command + " --seed -1", mixed.path()).err, Contains("--seed expects a non-negative integer, got '-1'"));
  mixed.write("meta.json", R"({"f.csv": {"target": "value", "frequency": "yearly", "m": 1.0, "h": 4.0}})");
  CHECK(run_cli(command, mixed.path()).exit_code == 0);
  const RunResult unknown = run_cli(command + " --only nothere.csv", mixed.path());
  CHECK(unknown.exit_code == 2);
  CHECK_THAT(unknown.err, Contains("--only names 'nothere.csv', which meta.json does not list (it lists 'f.csv'; a name"));
  CHECK_THAT(run_cli(command + " --only g.csv", mixed.path()).err,
             Contains("--only names 'g.csv', which meta.json does not list (did you mean 'f.csv'? it lists 'f.csv'; a name"));
  TempDir broken;
  broken.write("f.csv", rows);
  broken.write("meta.json", R"({"f.csv": {"target": "value", "m": 1, "h": 4}, "gone.csv": {"target": "value", "m": 1, "h": 4}})");
  const RunResult gone = run_cli(command, broken.path());
  CHECK(gone.exit_code == 2);
  CHECK_THAT(gone.err, Contains("gone.csv: meta.json lists this file, but the folder has no such file"));
  // Keys name files of the folder: not an empty name, nor one outside it (the file exists there).
  broken.write("meta.json", R"({"": {"target": "value", "m": 1, "h": 4}})");
  const RunResult nameless = run_cli(command, broken.path());
  CHECK(nameless.exit_code == 2);
  CHECK_THAT(nameless.err, Contains("meta.json: an entry with an empty file name (\"\"): each key names a CSV file of the folder"));
  std::filesystem::create_directory(broken.file("inner"));
  broken.write("inner/meta.json", R"({"../f.csv": {"target": "value", "m": 1, "h": 4}})");
  const RunResult outside = run_cli(command, broken.file("inner"));
  CHECK(outside.exit_code == 2);
  CHECK_THAT(outside.err, Contains("meta.json: '../f.csv' is not inside the folder"));
  // Two spellings of one file would score it twice.
  broken.write("meta.json", R"({"f.csv": {"target": "value", "m": 1, "h": 4}, "./f.csv": {"target": "value", "m": 1, "h": 4}})");
  const RunResult twice = run_cli(command, broken.path());
  CHECK(twice.exit_code == 2);
  CHECK_THAT(twice.err, Contains("meta.json: './f.csv' and 'f.csv' name the same file and target ('value'): list each series once"));
  // So would a link to it (a hunt: scored twice, counted twice in the means); with another target
  // column it is another series of the same file.
  std::filesystem::create_symlink("f.csv", broken.file("link.csv"));
  broken.write("meta.json", R"({"f.csv": {"target": "value", "m": 1, "h": 4}, "link.csv": {"target": "value", "m": 1, "h": 4}})");
  const RunResult linked = run_cli(command, broken.path());
  CHECK(linked.exit_code == 2);
  CHECK_THAT(linked.err, Contains("meta.json: 'f.csv' and 'link.csv' name the same file and target ('value')"));
  broken.write("meta.json", R"({"f.csv": {"target": "value", "m": 1, "h": 4}, "link.csv": {"target": "x", "m": 1, "h": 4}})");
  const RunResult two_targets = run_cli(command + " --json", broken.path());
  INFO(two_targets.err);
  CHECK(two_targets.exit_code == 0);
  CHECK(nlohmann::json::parse(two_targets.out)["series"].size() == 2);
  std::filesystem::remove(broken.file("link.csv"));
  broken.write("meta.json", R"({"f.csv": {"target": "value", "m": 1, "h": 4}})");
  CHECK_THAT(run_cli(command + " --only f.csv --only f.csv", broken.path()).err,
             Contains("--only names 'f.csv' twice: give each file once"));
  // A baselines.json holding null is malformed, not absent (a hunt: it read as no baselines).
  broken.write("baselines.json", "null");
  const RunResult null_baselines = run_cli(command, broken.path());
  CHECK(null_baselines.exit_code == 2);
  CHECK_THAT(null_baselines.err, Contains("baselines.json: expected an object {\"series\": "));
  broken.write("meta.json", R"({"f.csv": {"target": "value", "m": 1, "h": 4}})");
  broken.write("baselines.json", R"({"series": {"f.csv": {"methods": {"ets": {"forecast": ["a", 1, 2, 3]}}}}})");
  const RunResult strings = run_cli(command, broken.path());
  CHECK(strings.exit_code == 2);
  CHECK_THAT(strings.err, Contains("baselines.json") && Contains("series.f.csv.methods.ets.forecast must be an array of h = 4 finite numbers"));
  broken.write("baselines.json", R"({"series": {"f.csv": {"methods": {"ets": {"forecast": [1e308, 1, 2, 3]}}}}})");
  const RunResult huge = run_cli(command, broken.path());
  CHECK(huge.exit_code == 2);
  CHECK_THAT(huge.err, Contains("finite numbers within +-1e100"));
  broken.write("baselines.json", R"({"series": {"f.csv": [1]}})");
  CHECK_THAT(run_cli(command, broken.path()).err, Contains("series.f.csv must be an object with a \"methods\" object"));
  broken.write("baselines.json", R"({"series": {"f.csv": {"methods": {"ets": 3}}}})");
  CHECK_THAT(run_cli(command, broken.path()).err, Contains("series.f.csv.methods.ets must be an object"));
  broken.write("baselines.json", R"({"series": [1]})");
  CHECK_THAT(run_cli(command, broken.path()).err, Contains("\"series\" must be an object keyed by file name"));
  broken.write("baselines.json", R"([1, 2])");
  const RunResult array = run_cli(command, broken.path());
  CHECK(array.exit_code == 2);
  CHECK_THAT(array.err, Contains("baselines.json") && Contains("expected an object {\"series\""));

  TempDir empty;
  const RunResult missing = run_cli("evaluate --protocol .", empty.path());
  CHECK(missing.exit_code == 2);
  CHECK_THAT(missing.err, Contains("no meta.json"));
  // A folder that is not there cannot be read (exit 3, as a missing file); a file is not a folder.
  const RunResult absent = run_cli("evaluate --protocol no-such-folder", empty.path());
  CHECK(absent.exit_code == 3);
  CHECK_THAT(absent.err, Contains("no-such-folder: cannot open: no such folder"));
  empty.write("plain.txt", "x\n");
  const RunResult not_folder = run_cli("evaluate --protocol plain.txt", empty.path());
  CHECK(not_folder.exit_code == 2);
  CHECK_THAT(not_folder.err, Contains("plain.txt: is not a folder"));
  std::filesystem::remove(empty.file("plain.txt"));
  // A meta.json that is a folder, or that lists no files, says so.
  std::filesystem::create_directory(empty.file("meta.json"));
  const RunResult folder = run_cli("evaluate --protocol .", empty.path());
  CHECK(folder.exit_code == 2);
  CHECK_THAT(folder.err, Contains("meta.json: is not a regular file (a folder, a device or a fifo)"));
  TempDir unlisted;
  unlisted.write("meta.json", "{}");
  const RunResult listed = run_cli("evaluate --protocol .", unlisted.path());
  CHECK(listed.exit_code == 2);
  CHECK_THAT(listed.err, Contains("meta.json: lists no files"));
  // Malformed JSON in either file is located, file:line:column, as a config's or a checkpoint's is.
  unlisted.write("f.csv", "value\n1\n2\n3\n4\n5\n6\n7\n8\n");
  unlisted.write("meta.json", "{\"f.csv\": {\"target\": \"value\",\n  \"m\": 1, \"h\": 2,}}\n");
  const RunResult meta = run_cli("evaluate --protocol .", unlisted.path());
  CHECK(meta.exit_code == 2);
  CHECK_THAT(meta.err, Contains("meta.json:2:18: invalid JSON: syntax error while parsing object key"));
  unlisted.write("meta.json", R"({"f.csv": {"target": "value", "m": 1, "h": 2}})");
  unlisted.write("baselines.json", "{\"series\": {\n  \"f.csv\": {\"methods\": {\"ets\": {\"forecast\": [1, 2 3]}}}}}\n");
  const RunResult baselines = run_cli("evaluate --protocol .", unlisted.path());
  CHECK(baselines.exit_code == 2);
  CHECK_THAT(baselines.err, Contains("baselines.json:2:51: invalid JSON: syntax error while parsing array"));
}

TEST_CASE("notes name a file whose name holds a line break on one line, escaped", "[cli-evaluate]") {
  // Notes went to stderr as written: a name with a line break split a note in two (and an ESC
  // reached the terminal); they are escaped as errors are.
  trained().write("b\nc.csv", read_file(trained().path() + "/a.csv") + "1961-01,\n");  // a trailing row without a value: noted
  for (const char* command : {"evaluate --model m.json --missing ffill --input 'b\nc.csv'", "predict --model m.json --missing ffill --input 'b\nc.csv'"}) {
    const RunResult r = run_cli(command, trained().path());
    INFO(command << "\n" << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.err, Contains("note: b\\nc.csv: 1 trailing row without a target value not read"));
    CHECK_THAT(r.err, !Contains("b\nc.csv"));
  }
}

TEST_CASE("evaluate with a closed stdout fails before the work", "[cli-evaluate]") {
  // The report goes to stdout: predict and merge said a closed one first, evaluate after the
  // backtest (and a protocol run of minutes) (a review).
  const std::string binary = "'" + std::string(LSTMF_BINARY) + "'";
  const RunResult r = run_shell(binary + " evaluate --model m.json >&-", trained().path());
  CHECK(r.exit_code == 3);
  CHECK_THAT(r.err, Contains("<stdout>: cannot write"));
  CHECK_THAT(r.err, !Contains("note"));
  TempDir folder;
  folder.write("meta.json", "{}");
  const RunResult protocol = run_shell(binary + " evaluate --protocol . >&-", folder.path());
  CHECK(protocol.exit_code == 3);
  CHECK_THAT(protocol.err, Contains("<stdout>: cannot write"));
}
