#include <catch2/catch.hpp>

#include "lstmf/dataset.hpp"
#include "lstmf/error.hpp"
#include "support.hpp"

using namespace lstmf;
using Catch::Contains;

namespace {
SeriesSet one_series(const std::vector<double>& values) {
  SeriesSet set;
  set.source = "mem.csv";
  Series series;
  series.columns = {"y"};
  series.n_targets = 1;
  series.values = MatrixD(static_cast<long>(values.size()), 1);
  for (size_t i = 0; i < values.size(); ++i) series.values(static_cast<long>(i), 0) = values[i];
  set.series.push_back(std::move(series));
  return set;
}
}  // namespace

TEST_CASE("the scaler is fitted on the training rows alone (no leakage)", "[dataset]") {
  // The validation and test rows hold values far outside the training range.
  std::vector<double> values;
  for (int i = 0; i < 80; ++i) values.push_back(10 + i % 5);
  for (int i = 0; i < 20; ++i) values.push_back(1000 + i);
  DataConfig data;
  data.look_back = 4;
  data.horizon = 1;
  data.val_fraction = 0.1;
  data.test_fraction = 0.1;
  const Dataset dataset = prepare_dataset(one_series(values), data);
  REQUIRE(dataset.splits[0].train_end == 80);
  CHECK(dataset.scalers[0].data_min()[0] == 10);
  CHECK(dataset.scalers[0].data_max()[0] == 14);
  // Training windows see only scaled values in [0, 1]; the held-out rows scale beyond 1.
  const MatrixF& scaled = *dataset.scaled[0];
  CHECK(scaled.topRows(80).maxCoeff() == 1.0f);
  CHECK(scaled.bottomRows(20).minCoeff() > 100.0f);
  CHECK(dataset.train.size() == 76);
  for (long i = 0; i < dataset.train.size(); ++i) CHECK(dataset.train[i].start + 4 + 1 <= 80);
  CHECK(dataset.validation.size() == 10);
  CHECK(dataset.test.size() == 10);
  CHECK(dataset.validation[0].start + 4 == 80);
}

TEST_CASE("preparing data without a file or a target names the missing setting", "[dataset]") {
  DataConfig data;
  REQUIRE_THROWS_WITH(prepare_dataset(data), Contains("no data file: set data.path (--data FILE)"));
  data.path = "x.csv";
  REQUIRE_THROWS_WITH(prepare_dataset(data), Contains("no target column: set data.targets (--target COL)"));
}

TEST_CASE("a series too short for one window is an error stating the minimum", "[dataset]") {
  DataConfig data;
  data.look_back = 12;
  data.horizon = 6;
  data.val_fraction = 0;
  REQUIRE_THROWS_WITH(prepare_dataset(one_series(std::vector<double>(10, 1.0)), data),
                      Contains("mem.csv has 10 rows, too short for one window") && Contains("at least 18 rows"));
}

TEST_CASE("the bundled airline series prepares into windows", "[dataset]") {
  DataConfig data;
  data.path = test::source_path("data/airline-passengers.csv");
  data.targets = {"passengers"};
  data.time_column = "date";
  data.look_back = 12;
  const Dataset dataset = prepare_dataset(data);
  REQUIRE(dataset.source.series.size() == 1);
  CHECK(dataset.source.series[0].rows() == 144);
  CHECK(dataset.splits[0].train_end == 130);
  CHECK(dataset.train.size() == 130 - 12);
  CHECK(dataset.validation.size() == 14);
  const std::string summary = describe(dataset);
  CHECK_THAT(summary, Contains("rows: 144") && Contains("monthly") && Contains("1949-01") && Contains("1960-12") &&
                          Contains("windows: 118 training, 14 validation, 0 test"));
}
