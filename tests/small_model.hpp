// A small target-only checkpoint and a history to forecast with it, shared by the backtest and
// forecast tests.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "lstmf/checkpoint.hpp"
#include "lstmf/forecast.hpp"
#include "lstmf/time_index.hpp"

namespace lstmf::test {

// The columns of a monthly file with a time column "date" (written as 2020-01), target "y" and
// `features`, season `seasonal_period`.
inline ColumnsInfo monthly_columns(std::vector<std::string> features, int seasonal_period) {
  ColumnsInfo columns;
  columns.time_column = "date";
  columns.targets = {"y"};
  columns.features = std::move(features);
  columns.time_format.kind = TimeKind::year_month;
  columns.frequency = {Frequency::Unit::months, 1};
  columns.seasonal_period = seasonal_period;
  return columns;
}

// A target-only checkpoint with a small random model: look-back 3, horizon 2, m = 4, the split of
// train's defaults (val 0.1, test 0.1). The scaler is fitted on the first 16 rows of `history`.
inline Checkpoint small_checkpoint(const MatrixD& history) {
  Config config;
  config.data.targets = {"y"};
  config.data.time_column = "date";
  config.data.look_back = 3;
  config.data.horizon = 2;
  config.data.val_fraction = 0.1;
  config.data.test_fraction = 0.1;
  config.model.hidden = {5, 4};
  Model<float> model(1, 2, config.model);
  Rng rng(11);
  model.init(rng);
  MinMaxScaler scaler;
  scaler.fit(history, 16);
  return Checkpoint{config, monthly_columns({}, 4), scaler, model, nlohmann::json(nullptr), {}, 0, DataTail{}, {}, {}, {}, {}};
}

// 24 monthly rows from 2020-01: a season of 4 on a trend, with some noise.
inline History small_history() {
  History history;
  history.values.resize(24, 1);
  for (int t = 0; t < 24; ++t) history.values(t, 0) = 50 + 2 * t + 10 * (t % 4) + ((t * 7) % 5);
  const TimeIndex index{TimeFormat{TimeKind::year_month}, {Frequency::Unit::months, 1}, {}, 1};
  std::int64_t start = 0;
  TimeFormat format;
  REQUIRE(parse_time("2020-01", start, format));
  for (int t = 0; t < 24; ++t) history.ticks.push_back(index.advance(start, t));
  history.source = "h.csv";
  return history;
}

}  // namespace lstmf::test
