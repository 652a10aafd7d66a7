#include <cmath>
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "lstmf/error.hpp"
#include "lstmf/metrics.hpp"
#include "support.hpp"

using namespace lstmf;
using Catch::Contains;
using Catch::WithinRel;

namespace {

// One column of a bundled CSV by header name; the files in data/ are plain (no quotes, no gaps).
std::vector<double> read_column(const std::string& file, const std::string& name) {
  std::istringstream in(test::read_file(test::source_path("data/" + file)));
  std::string line;
  std::getline(in, line);
  std::vector<std::string> header;
  std::stringstream fields(line);
  for (std::string field; std::getline(fields, field, ',');) header.push_back(field);
  const auto column = static_cast<size_t>(std::find(header.begin(), header.end(), name) - header.begin());
  REQUIRE(column < header.size());
  std::vector<double> values;
  while (std::getline(in, line)) {
    std::stringstream cells(line);
    std::string cell;
    for (size_t c = 0; c <= column; ++c) std::getline(cells, cell, ',');
    values.push_back(std::stod(cell));
  }
  return values;
}

}  // namespace

TEST_CASE("point metrics match values worked by hand", "[metrics]") {
  const std::vector<double> actual = {1, 2, 0, 4};
  const std::vector<double> forecast = {2, 2, 1, 2};  // |errors| 1, 0, 1, 2
  SECTION("MAE and RMSE pool every term") {
    CHECK(*mae(actual, forecast).value == Approx(1.0));
    CHECK(*rmse(actual, forecast).value == Approx(std::sqrt(6.0 / 4)));
    CHECK(mae(actual, forecast).note.empty());
  }
  SECTION("MAPE skips the actual value of 0 and says so") {
    const Score score = mape(actual, forecast);
    REQUIRE(score.defined());
    CHECK(*score.value == Approx(100 * (1.0 + 0.0 + 0.5) / 3));
    CHECK(score.note == "MAPE skips 1 of 4 actual values that are 0");
  }
  SECTION("MAPE is undefined when every actual value is 0") {
    const Score score = mape({0, 0}, {1, 2});
    CHECK_FALSE(score.defined());
    CHECK(score.note == "MAPE undefined: every actual value is 0");
  }
  SECTION("sMAPE is M4's, in percent, with an exact 0 counting 0") {
    CHECK(*smape(actual, forecast).value == Approx(100 * (2.0 / 3 + 0 + 2.0 + 4.0 / 6) / 4));
    CHECK(*smape({0, 1}, {0, 1}).value == 0);
    CHECK(smape({0, 1}, {0, 1}).note == "sMAPE counts the 1 of 2 terms whose actual and forecast values are both 0 as exact (0)");
    CHECK(smape({0, 1}, {2, 1}).note.empty());
    CHECK(smape({0, 1}, {0, 1}, "naive").note ==
          "sMAPE of naive counts the 1 of 2 terms whose actual and forecast values are both 0 as exact (0)");
    CHECK(*smape({1}, {-1}).value == Approx(200));
  }
  SECTION("mismatched lengths are a caller's bug") {
    REQUIRE_THROWS_WITH(mae({1, 2}, {1}), Contains("2 actual and 1 forecast values"));
    REQUIRE_THROWS_WITH(rmse({}, {}), Contains("0 actual and 0 forecast values"));
  }
}

TEST_CASE("a metric that overflows has no value, never inf", "[metrics]") {
  // An actual value of 1e-300 makes its percentage error overflow; errors near the double's
  // largest value overflow their sum.
  const Score p = mape({1e-300, 5.0}, {1e7, 5.0});
  CHECK_FALSE(p.defined());
  CHECK_THAT(p.note, Contains("overflows"));
  const Score a = mae({1.7e308, -1.7e308}, {-1.7e308, 1.7e308});
  CHECK_FALSE(a.defined());
  MaseScale scale;
  scale.value = 1.0;
  CHECK_FALSE(mase({1.7e308, -1.7e308}, {-1.7e308, 1.7e308}, scale).defined());
  scale.value = 1e-310;  // a positive scale so small that the ratio overflows
  CHECK_FALSE(mase({1.0}, {0.0}, scale).defined());
}

TEST_CASE("the MASE scale is the in-sample seasonal naive MAE", "[metrics]") {
  const std::vector<double> y = {1, 3, 2, 5, 4};
  SECTION("with the period asked for") {
    const MaseScale scale = seasonal_naive_scale(y, 2);  // |2-1|, |5-3|, |4-2|
    REQUIRE(scale.usable());
    CHECK(*scale.value == Approx(5.0 / 3));
    CHECK(scale.m == 2);
    CHECK(scale.terms == 3);
    CHECK(scale.note.empty());
    CHECK(*mase({4, 6}, {5, 4}, scale).value == Approx(1.5 / (5.0 / 3)));
  }
  SECTION("leaving out the differences with a value the file lacked (filled for the inputs)") {
    // y[2] = 2 was filled: |2-1| and |4-2| go, |5-3| stays (R: mean(abs(diff(y, 2)), na.rm = TRUE)).
    const MaseScale scale = seasonal_naive_scale(y, 2, {false, false, true, false, false});
    REQUIRE(scale.usable());
    CHECK(*scale.value == 2.0);
    CHECK(scale.terms == 1);
    CHECK(seasonal_naive_scale(y, 2, {false, false, false, false, false}).terms == 3);  // none filled: as above
    const MaseScale none = seasonal_naive_scale(y, 2, {false, false, true, true, true});
    CHECK_FALSE(none.value.has_value());
    CHECK(none.note == "MASE undefined: no two in-sample values 2 steps apart are both in the file (the others were filled by --missing)");
  }
  SECTION("falling back to m = 1 when the series is shorter than m + 1") {
    const MaseScale scale = seasonal_naive_scale({1, 3, 2}, 4);  // |3-1|, |2-3|
    REQUIRE(scale.usable());
    CHECK(*scale.value == Approx(1.5));
    CHECK(scale.m == 1);
    CHECK(scale.note == "MASE scale uses m = 1: the 3 in-sample values are fewer than m + 1 = 5");
  }
  SECTION("undefined with one value, and MASE says why") {
    const MaseScale scale = seasonal_naive_scale({5}, 1);
    CHECK_FALSE(scale.value.has_value());
    const Score score = mase({1}, {2}, scale);
    CHECK_FALSE(score.defined());
    CHECK(score.note == "MASE undefined: 1 in-sample value gives no difference to scale by");
  }
  SECTION("a series that repeats exactly every m steps has scale 0 and no MASE") {
    const MaseScale scale = seasonal_naive_scale({1, 2, 1, 2, 1, 2}, 2);
    CHECK(*scale.value == 0);
    CHECK_FALSE(scale.usable());
    const Score score = mase({1, 2}, {1, 3}, scale);
    CHECK_FALSE(score.defined());
    CHECK(score.note == "MASE undefined: the in-sample seasonal naive MAE (m = 2) is 0, the series repeats exactly");
  }
  SECTION("a series that repeats up to rounding has no scale either, while a small real change keeps one") {
    std::vector<double> sine;
    for (int t = 0; t < 48; ++t) sine.push_back(100 + 10 * std::sin(2 * M_PI * t / 12.0));  // exact to rounding
    const MaseScale scale = seasonal_naive_scale(sine, 12);
    CHECK_FALSE(scale.usable());
    CHECK_THAT(scale.note, Contains(", at most 1e-12 of its values (up to ") && Contains("which is taken for rounding noise") && Contains("repeats up to the rounding"));
    sine.back() += 1e-6;  // one real change of 1e-8 of the level
    CHECK(seasonal_naive_scale(sine, 12).usable());
    // Computed over 144 months its rounding noise grows with the argument (6 epsilon of its
    // largest value; a hunt found naive's MASE 6.4e14 past a bound of 4 epsilon).
    std::vector<double> long_sine;
    for (int t = 0; t < 144; ++t) long_sine.push_back(10 * std::sin(2 * M_PI * t / 12.0));
    CHECK_FALSE(seasonal_naive_scale(long_sine, 12).usable());
    // A counter near 1e15 rising by 1 a step changes by 1e-15 of its size: a real scale.
    std::vector<double> counter;
    for (int t = 0; t < 24; ++t) counter.push_back(1e15 + t);
    CHECK(seasonal_naive_scale(counter, 12).usable());
    // Whole numbers differ exactly, however large (a hunt: counts near 4e15 varying by 2 lost their MASE).
    std::vector<double> counts;
    for (int t = 0; t < 48; ++t) counts.push_back(4e15 + (t % 12) * 10 + (t * 7 % 5) - 2);
    const MaseScale exact = seasonal_naive_scale(counts, 12);
    REQUIRE(exact.usable());
    CHECK(*exact.value > 1);
  }
  SECTION("a forecast exact up to rounding scores 0, in any units") {
    // Drift on a straight line in units of 1e-6 was off by rounding alone: MASE 7.5e-16, which
    // entered geometric means, where the same series in units of 1 scored 0 and was left out.
    for (const double unit : {1.0, 1e-6, 1e6}) {
      std::vector<double> line, actual, forecast;
      for (int t = 0; t < 36; ++t) line.push_back((0.1 * t + 3) * unit);
      for (int h = 0; h < 6; ++h) {
        actual.push_back((0.1 * (36 + h) + 3) * unit);
        forecast.push_back(line.back() + (h + 1) * (line.back() - line.front()) / 35.0);
      }
      const Score score = mase(actual, forecast, seasonal_naive_scale(line, 1));
      REQUIRE(score.defined());
      CHECK(*score.value == 0.0);
    }
    std::vector<double> actual = {1, 2, 3}, off = {1, 2, 3.001};
    CHECK(*mase(actual, off, seasonal_naive_scale({1, 2, 3, 4}, 1)).value > 0);
    // A real error small against the values is no rounding when the series changes by less (a
    // review: a count near 4e15 changing by 2, missed by 1000, had scored 0).
    std::vector<double> counts, near, missed;
    for (int t = 0; t < 24; ++t) counts.push_back(4e15 + 2 * t);
    for (int h = 0; h < 3; ++h) near.push_back(4e15 + 2 * (24 + h)), missed.push_back(near.back() + 1000);
    CHECK(*mase(near, missed, seasonal_naive_scale(counts, 1)).value == Approx(500));
  }
  SECTION("m below 1 is a caller's bug") {
    REQUIRE_THROWS_WITH(seasonal_naive_scale(y, 0), Contains("m must be >= 1, got 0"));
  }
}

TEST_CASE("baseline forecasts see only the rows before the origin", "[metrics]") {
  const std::vector<double> y = {10, 20, 30, 40, 50};
  CHECK(naive_forecast(y, 4, 3) == std::vector<double>{40, 40, 40});
  SECTION("seasonal naive repeats the last season before the origin") {
    CHECK(seasonal_naive_forecast(y, 4, 3, 3) == std::vector<double>{20, 30, 40});
    CHECK(seasonal_naive_forecast(y, 4, 3, 2) == std::vector<double>{30, 40, 30});
    CHECK(seasonal_naive_forecast(y, 4, 2, 1) == naive_forecast(y, 4, 2));
  }
  SECTION("drift follows the line through the first and last values") {
    CHECK(drift_forecast(y, 4, 3) == std::vector<double>{50, 60, 70});
  }
  SECTION("an origin without the rows a baseline reads is a caller's bug") {
    REQUIRE_THROWS_WITH(naive_forecast(y, 0, 1), Contains("needs origin >= 1"));
    REQUIRE_THROWS_WITH(seasonal_naive_forecast(y, 2, 1, 3), Contains("needs origin >= 3"));
    REQUIRE_THROWS_WITH(drift_forecast(y, 1, 1), Contains("needs origin >= 2"));
    REQUIRE_THROWS_WITH(naive_forecast(y, 6, 1), Contains("origin 6 with 5 values"));
  }
}

TEST_CASE("a seasonal naive forecast of an exactly seasonal series has MASE 0", "[metrics]") {
  // The pattern 1 5 3 7 repeats from row 4 on; the first season differs, so the scale is not 0.
  std::vector<double> y = {2, 4, 3, 9};
  for (int t = 4; t < 40; ++t) y.push_back(std::vector<double>{1, 5, 3, 7}[static_cast<size_t>(t % 4)]);
  const std::vector<double> in_sample(y.begin(), y.begin() + 32);
  const std::vector<double> actual(y.begin() + 32, y.end());
  const MaseScale scale = seasonal_naive_scale(in_sample, 4);
  CHECK(*scale.value == Approx((1.0 + 1 + 0 + 2) / 28));
  CHECK(*mase(actual, seasonal_naive_forecast(y, 32, 8, 4), scale).value == 0);
  CHECK(*mase(actual, naive_forecast(y, 32, 8), scale).value == Approx(3.0 / (4.0 / 28)));  // |1-7| |5-7| |3-7| 0
}

TEST_CASE("baselines and metrics reproduce the M4-style reference scores in data/baselines.json", "[metrics]") {
  const auto baselines = nlohmann::json::parse(test::read_file(test::source_path("data/baselines.json")));
  const auto meta = nlohmann::json::parse(test::read_file(test::source_path("data/meta.json")));
  // beijing-pm25 is left out: its reference interpolated 99 missing values first.
  for (const char* file : {"airline-passengers.csv", "car-sales.csv", "champagne-sales.csv", "sunspots.csv",
                           "shampoo.csv", "us-macro.csv", "water-usage.csv", "min-temperatures.csv",
                           "female-births.csv"}) {
    INFO(file);
    const auto& reference = baselines["series"][file];
    const long n_train = reference["n_train"].get<long>();
    const int h = reference["h"].get<int>(), m = reference["m"].get<int>();
    std::vector<double> y = read_column(file, meta[file]["target"].get<std::string>());
    y.erase(y.begin(), y.end() - (n_train + h));  // the protocol keeps at most the last 5000 values
    const std::vector<double> in_sample(y.begin(), y.begin() + n_train);
    const std::vector<double> actual(y.begin() + n_train, y.end());
    CHECK(actual == reference["actual"].get<std::vector<double>>());
    const MaseScale scale = seasonal_naive_scale(in_sample, m);
    const std::vector<std::pair<const char*, std::vector<double>>> methods = {
        {"naive", naive_forecast(y, n_train, h)},
        {"snaive", seasonal_naive_forecast(y, n_train, h, m)},
        {"drift", drift_forecast(y, n_train, h)}};
    for (const auto& [name, forecast] : methods) {
      INFO(name);
      const auto& expected = reference["methods"][name];
      const auto expected_forecast = expected["forecast"].get<std::vector<double>>();
      for (int i = 0; i < h; ++i) CHECK_THAT(forecast[static_cast<size_t>(i)], WithinRel(expected_forecast[static_cast<size_t>(i)], 1e-12));
      CHECK_THAT(*mase(actual, forecast, scale).value, WithinRel(expected["mase"].get<double>(), 1e-9));
      CHECK_THAT(*smape(actual, forecast).value, WithinRel(expected["smape"].get<double>(), 1e-9));
      CHECK_THAT(*rmse(actual, forecast).value, WithinRel(expected["rmse"].get<double>(), 1e-9));
    }
  }
}

TEST_CASE("the geometric mean of MASE across series matches the reference", "[metrics]") {
  const auto baselines = nlohmann::json::parse(test::read_file(test::source_path("data/baselines.json")));
  for (const auto& [method, expected] : baselines["geomean_mase"].items()) {
    INFO(method);
    std::vector<double> values;
    for (const auto& [file, series] : baselines["series"].items()) values.push_back(series["methods"][method]["mase"]);
    REQUIRE(values.size() == 10);
    CHECK_THAT(*geometric_mean(values).value, WithinRel(expected.get<double>(), 1e-12));
  }
  SECTION("by hand, and its undefined cases") {
    CHECK(*geometric_mean({1, 4}).value == Approx(2));
    CHECK(*geometric_mean({3, 0, 2}).value == 0);
    CHECK(geometric_mean({}).note == "geometric mean undefined: no values");
    CHECK_FALSE(geometric_mean({1, -1}).defined());
    CHECK(geometric_mean({1, std::nan("")}).note == "geometric mean undefined: a value is negative or not finite");
  }
}

TEST_CASE("geometric means of several methods count only the entries where every method has a positive MASE", "[metrics]") {
  const std::vector<std::map<std::string, double>> entries = {
      {{"a", 1}, {"b", 4}},
      {{"a", 0}, {"b", 2}},             // an exact forecast: a's mean would be 0
      {{"a", 4}, {"b", std::nan("")}},  // b undefined
      {{"a", 9}},                        // b missing
      {{"a", 4}, {"b", 1}}};
  const CommonGeometricMeans g = common_geometric_means(entries, {"a", "b"});
  CHECK(g.used == std::vector<size_t>{0, 4});
  CHECK(g.left_out == std::vector<size_t>{1, 2, 3});
  CHECK(*g.by_method.at("a").value == Approx(2));
  CHECK(*g.by_method.at("b").value == Approx(2));
  const CommonGeometricMeans none = common_geometric_means({{{"a", 0}}}, {"a"});
  CHECK(none.used.empty());
  CHECK_FALSE(none.by_method.at("a").defined());
}

TEST_CASE("an error within rounding of the values but large against the scale is scored", "[metrics]") {
  std::vector<double> counts, actual, forecast;
  for (int t = 0; t < 24; ++t) counts.push_back(4e15 + 2 * t);  // scale 2
  for (int h = 0; h < 3; ++h) actual.push_back(4e15 + 2 * (24 + h)), forecast.push_back(actual.back() + 8);
  CHECK(*mase(actual, forecast, seasonal_naive_scale(counts, 1)).value == Approx(4));
}

TEST_CASE("the MASE scale falls back to m = 1 only below m + 1 in-sample values", "[metrics]") {
  // m + 1 values hold one seasonal difference: m stays (|14 - 10| = 4); m values hold none: m = 1.
  const MaseScale exact = seasonal_naive_scale({10, 11, 12, 13, 14}, 4);
  CHECK(exact.m == 4);
  REQUIRE(exact.value.has_value());
  CHECK(*exact.value == Approx(4));
  CHECK(exact.note.empty());
  const MaseScale fallback = seasonal_naive_scale({10, 11, 13, 16}, 4);
  CHECK(fallback.m == 1);
  REQUIRE(fallback.value.has_value());
  CHECK(*fallback.value == Approx(2));  // (1 + 2 + 3) / 3
  CHECK_THAT(fallback.note, Contains("m = 1"));
}
