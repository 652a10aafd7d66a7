// protocol.hpp: the accuracy protocol run in process on a small folder: the split, the baselines
// and their scores by hand, the skipped series, and M4's seasonal periods.
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "lstmf/error.hpp"
#include "lstmf/protocol.hpp"
#include "support.hpp"

using namespace lstmf;
using Catch::Contains;
using Catch::EndsWith;
using lstmf::test::TempDir;

namespace {

// A small, quick recipe: the protocol's own settings for everything the data decides.
ProtocolOptions quick_options() {
  ProtocolOptions options;
  options.base.training.epochs = 3;
  options.base.model.hidden = {4};
  options.base.model.ensemble = 1;
  options.base.training.threads = 1;
  return options;
}

}  // namespace

TEST_CASE("M4's seasonal period for a frequency name, in any case", "[protocol]") {
  CHECK(m4_seasonal_period("Yearly") == 1);
  CHECK(m4_seasonal_period("annual") == 1);
  CHECK(m4_seasonal_period("QUARTERLY") == 4);
  CHECK(m4_seasonal_period("monthly") == 12);
  CHECK(m4_seasonal_period("weekly") == 1);
  CHECK(m4_seasonal_period("daily") == 1);
  CHECK(m4_seasonal_period("hourly") == 24);
  CHECK(m4_seasonal_period("fortnightly") == 0);
}

TEST_CASE("the protocol holds out h points and scores the baselines on them as M4 defines them", "[protocol]") {
  TempDir dir;
  // 30 quarters: a season of 4 on a trend.
  std::vector<double> y;
  std::string csv = "date,value\n";
  for (int t = 0; t < 30; ++t) {
    y.push_back(100 + 3 * t + (t % 4 == 1 ? 12 : 0) - (t % 4 == 3 ? 7 : 0) + (t * 5) % 3);
    csv += std::to_string(2000 + t / 4) + "-Q" + std::to_string(t % 4 + 1) + "," + std::to_string(y.back()) + "\n";
  }
  dir.write("q.csv", csv);
  dir.write("short.csv", "date,value\n2000,1\n2001,2\n2002,3\n");
  dir.write("meta.json", R"({"q.csv": {"target": "value", "frequency": "quarterly", "m": 4, "h": 4},
                             "short.csv": {"target": "value", "frequency": "yearly", "h": 2}})");
  const ProtocolResult result = run_protocol(dir.path(), quick_options());
  REQUIRE(result.series.size() == 1);
  REQUIRE(result.skipped.size() == 1);
  CHECK(result.skipped.front().first == "short.csv");
  const SeriesScore& s = result.series.front();
  CHECK(s.train_rows == 26);
  CHECK(s.m == 4);
  CHECK(s.actual == std::vector<double>(y.begin() + 26, y.end()));
  // In-sample seasonal naive MAE with m = 4 over the 26 training rows: the MASE scale.
  double scale = 0;
  for (int t = 4; t < 26; ++t) scale += std::abs(y[static_cast<size_t>(t)] - y[static_cast<size_t>(t - 4)]);
  scale /= 22;
  const auto mase_of = [&](const std::vector<double>& f) {
    double e = 0;
    for (int h = 0; h < 4; ++h) e += std::abs(y[static_cast<size_t>(26 + h)] - f[static_cast<size_t>(h)]);
    return e / 4 / scale;
  };
  const std::vector<double> naive(4, y[25]);
  const std::vector<double> snaive = {y[22], y[23], y[24], y[25]};
  std::vector<double> drift;
  for (int h = 1; h <= 4; ++h) drift.push_back(y[25] + h * (y[25] - y[0]) / 25);
  CHECK(s.methods.at("naive").forecast == naive);
  CHECK(s.methods.at("snaive").forecast == snaive);
  for (int h = 0; h < 4; ++h) CHECK(s.methods.at("drift").forecast[static_cast<size_t>(h)] == Approx(drift[static_cast<size_t>(h)]));
  CHECK(s.methods.at("naive").mase == Approx(mase_of(naive)));
  CHECK(s.methods.at("snaive").mase == Approx(mase_of(snaive)));
  CHECK(s.methods.at("drift").mase == Approx(mase_of(drift)));
  CHECK(s.methods.at("lstm").forecast.size() == 4);
  CHECK(std::isfinite(s.methods.at("lstm").mase));
  // One series: its MASE is each method's geometric mean; coverage is a share of the 4 points.
  CHECK(result.geomean_mase.at("naive") == Approx(mase_of(naive)));
  for (const auto& [level, share] : result.coverage) CHECK((share >= 0 && share <= 1));
  CHECK_THAT(to_json(result).dump(), !Contains("NaN"));
  CHECK_THAT(protocol_markdown(result), Contains("| q.csv | quarterly | 4 | 4 |"));

  // A baselines.json whose held-out values are these scores its methods beside the tool's; one of
  // another split (the file shortened since) has them left out, saying why.
  nlohmann::json baselines = {{"series", {{"q.csv", {{"actual", s.actual}, {"methods", {{"ets", {{"forecast", naive}}}}}}}}}};
  baselines["series"]["q.csv"]["methods"]["x\u202Egnp.exe"] = {{"forecast", naive}};  // a right-to-left override
  dir.write("baselines.json", baselines.dump());
  const ProtocolResult with_baselines = run_protocol(dir.path(), quick_options());
  CHECK(with_baselines.series.front().methods.at("ets").mase == Approx(mase_of(naive)));
  CHECK(with_baselines.series.front().note.empty());
  // A method's name reaches the terminal escaped, as a file name does (it was written raw).
  CHECK_THAT(protocol_markdown(with_baselines), Contains("| x\\u202Egnp.exe |") && !Contains("\u202E"));
  baselines["series"]["q.csv"]["methods"].erase("x\u202Egnp.exe");
  baselines["series"]["q.csv"]["actual"][2] = y[28] + 1;
  dir.write("baselines.json", baselines.dump());
  const ProtocolResult other_split = run_protocol(dir.path(), quick_options());
  CHECK(other_split.series.front().methods.count("ets") == 0);
  CHECK_THAT(other_split.series.front().note,
             Contains("baselines.json's methods left out: its held-out values are of another split or file "
                      "(\"actual\"[2] is " + std::to_string(static_cast<int>(y[28] + 1)) + ", held-out value 3 here is " +
                      std::to_string(static_cast<int>(y[28])) + ")"));
  std::filesystem::remove(dir.file("baselines.json"));
  // A label its file's times contradict is said (m and the group follow the label).
  dir.write("meta.json", R"({"q.csv": {"target": "value", "frequency": "Monthly", "h": 4}})");
  CHECK_THAT(run_protocol(dir.path(), quick_options()).series.front().note,
             Contains("meta.json says Monthly but the file's times are quarterly (m 12 and the Monthly group all the same)"));

  // Nothing to score: an error naming the first skipped series.
  ProtocolOptions only_short = quick_options();
  only_short.only = {"short.csv"};
  CHECK_THROWS_AS(run_protocol(dir.path(), only_short), InputError);
}

TEST_CASE("the protocol says sMAPE terms where actual and forecast are both 0, per method", "[protocol]") {
  TempDir dir;
  // Intermittent demand: the last training value and the first held-out one are 0, so the naive
  // forecast scores its first step as exact; 1 of the 4 held-out values is 0.
  std::string csv = "t,value\n";
  const int values[] = {3, 0, 5, 0, 2, 0, 4, 1, 0, 6, 0, 3, 2, 0, 5, 0, 0, 4, 1, 0, 3, 0, 2, 0, 0, 4, 3, 5};
  for (int t = 0; t < 28; ++t) csv += std::to_string(t) + "," + std::to_string(values[t]) + "\n";
  dir.write("d.csv", csv);
  dir.write("meta.json", R"({"d.csv": {"target": "value", "frequency": "other", "h": 4, "time_column": ""}})");
  const ProtocolResult result = run_protocol(dir.path(), quick_options());
  REQUIRE(result.series.size() == 1);
  const SeriesScore& s = result.series.front();
  CHECK(s.methods.at("naive").forecast == std::vector<double>(4, 0.0));
  CHECK_THAT(s.note, Contains("sMAPE of naive counts the 1 of 4 terms whose actual and forecast values are both 0 as exact (0)"));
  CHECK_THAT(s.recipe, EndsWith("; " + s.note));
  CHECK_THAT(to_json(result).dump(), Contains("sMAPE of naive counts the 1 of 4"));
}

TEST_CASE("the protocol refuses settings it makes itself or does not use, and takes the rest", "[protocol]") {
  CHECK_THAT(protocol_refuses(*find_option("data.horizon")), Contains("the protocol sets it for each series from meta.json"));
  CHECK_THAT(protocol_refuses(*find_option("data.targets")), Contains("sets it"));
  CHECK_THAT(protocol_refuses(*find_option("output.path")), Contains("the protocol does not use it"));
  CHECK_THAT(protocol_refuses(*find_option("training.mode")), Contains("does not use it"));
  CHECK(protocol_refuses(*find_option("data.look_back")).empty());
  CHECK(protocol_refuses(*find_option("training.epochs")).empty());
}

TEST_CASE("the protocol's --only takes a file name with a comma whole, and baselines of files it leaves out are not judged",
          "[protocol]") {
  TempDir dir;
  std::string csv = "value\n";
  for (int t = 0; t < 24; ++t) csv += std::to_string(10 + t % 5) + "\n";
  dir.write("sales,2020.csv", csv);
  dir.write("b.csv", csv);
  dir.write("meta.json", R"({"sales,2020.csv": {"target": "value", "h": 3}, "b.csv": {"target": "value", "h": "x"}})");
  ProtocolOptions options = quick_options();
  options.only = {"sales,2020.csv"};
  // b.csv's "h" is malformed, and the baselines hold a forecast for it: neither is this run's.
  dir.write("baselines.json", R"({"series": {"b.csv": {"methods": {"ets": {"forecast": [1, 2]}}}}})");
  const ProtocolResult result = run_protocol(dir.path(), options);
  REQUIRE(result.series.size() == 1);
  CHECK(result.series.front().file == "sales,2020.csv");
  // Keys joined by commas still name several files; one it does not list is refused by name.
  options.only = {"sales,2020.csv,b.csv"};
  CHECK_THROWS_WITH(run_protocol(dir.path(), options), Contains("--only names 'sales'") && Contains("meta.json") &&
                                                         Contains("a name holding a comma goes in an --only of its own"));
  // A forecast of the wrong length says what it found.
  // Whole names in --only values of their own, beside others.
  dir.write("meta.json", R"({"sales,2020.csv": {"target": "value", "h": 3}, "b.csv": {"target": "value", "h": 3}})");
  dir.write("baselines.json", R"({"series": {}})");
  options.only = {"b.csv", "sales,2020.csv"};
  CHECK(run_protocol(dir.path(), options).series.size() == 2);
  dir.write("baselines.json", R"({"series": {"b.csv": {"methods": {"ets": {"forecast": [1, 2]}}}}})");
  options.only = {"b.csv"};
  CHECK_THROWS_WITH(run_protocol(dir.path(), options),
                    Contains("series.b.csv.methods.ets.forecast must be an array of h = 3 finite numbers within +-1e100, got 2 values"));
}

TEST_CASE("a baselines.json that is not a file is refused, and rows beyond max_length are said", "[protocol]") {
  TempDir dir;
  std::string csv = "value\n";
  for (int t = 0; t < 40; ++t) csv += std::to_string(10 + t % 5) + "\n";
  dir.write("a.csv", csv);
  dir.write("meta.json", R"({"a.csv": {"target": "value", "h": 3}})");
  ProtocolOptions options = quick_options();
  options.max_length = 30;
  const ProtocolResult result = run_protocol(dir.path(), options);
  REQUIRE(result.series.size() == 1);
  CHECK(result.series.front().train_rows == 27);
  CHECK_THAT(result.series.front().note, Contains("10 earlier rows not used (the protocol keeps the last 30)"));
  std::filesystem::create_directory(dir.file("baselines.json"));
  CHECK_THROWS_WITH(run_protocol(dir.path(), options), Contains("baselines.json: is not a regular file"));
}

TEST_CASE("a series with fewer than two training values in the file is skipped, saying so", "[protocol]") {
  TempDir dir;
  std::string csv = "y\n10\n";
  for (int t = 0; t < 35; ++t) csv += "NA\n";
  csv += "20\n21\n22\n23\n";
  dir.write("b.csv", csv);
  dir.write("meta.json", R"({"b.csv": {"target": "y", "h": 4}})");
  CHECK_THROWS_WITH(run_protocol(dir.path(), quick_options()),
                    Contains("b.csv: 1 of the 36 training values is in the file (the others are missing): too few to train on"));
}

TEST_CASE("protocol settings (--set KEY=VALUE) are applied by key, and each malformed one is named", "[protocol]") {
  Config base;
  CHECK(apply_settings(base, {"data.look_back=24", "training.loss=mae"}) ==
        std::vector<std::string>{"data.look_back", "training.loss"});
  CHECK(base.data.look_back == 24);
  CHECK(base.training.loss == LossKind::mae);
  const auto fails = [](const std::vector<std::string>& settings, const std::string& message) {
    Config config;
    CHECK_THROWS_WITH(apply_settings(config, settings), Catch::Contains(message));
  };
  fails({"data.look_back"}, "--set expects KEY=VALUE with a config key such as data.look_back=24, got 'data.look_back'");
  fails({"data.look_bak=3"}, "--set data.look_bak: unknown config key (did you mean 'data.look_back'?)");
  fails({"training.lr=1e-3", "training.lr=1e-2"}, "--set training.lr is given twice");
  fails({"data.horizon=3"}, "--set data.horizon: the protocol sets it for each series from meta.json");
  fails({"output.path=x.json"}, "--set output.path: the protocol does not use it");
  fails({"training.lr=fast"}, "--set training.lr expects a finite number, got 'fast'");
  fails({"training.lr=-1"}, "training.lr");  // checked as a whole after the settings
}

TEST_CASE("a skipped series' file name is escaped in its reason and the report", "[protocol]") {
  // The reason carried the raw name (an ESC reached the terminal through the report and the note:
  // a review).
  TempDir dir;
  std::string csv = "date,value\n";
  for (int t = 0; t < 30; ++t) csv += std::to_string(2000 + t / 4) + "-Q" + std::to_string(t % 4 + 1) + "," + std::to_string(100 + 3 * t + t % 4) + "\n";
  dir.write("q.csv", csv);
  const std::string name = "sh\x1B[31mort.csv";
  dir.write(name, "date,value\n2000,1\n2001,2\n2002,3\n");
  dir.write("meta.json", R"({"q.csv": {"target": "value", "frequency": "quarterly", "m": 4, "h": 4},
                             "sh\u001b[31mort.csv": {"target": "value", "frequency": "yearly", "h": 2}})");
  const ProtocolResult result = run_protocol(dir.path(), quick_options());
  REQUIRE(result.skipped.size() == 1);
  CHECK(result.skipped.front().first == name);
  CHECK_THAT(result.skipped.front().second, Contains("sh\\x1B[31mort.csv has 3 rows") && !Contains("\x1B"));
  const std::string report = protocol_markdown(result);
  CHECK_THAT(report, Contains("- sh\\x1B[31mort.csv: ") && !Contains("\x1B"));
}
