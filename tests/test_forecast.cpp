// forecast.hpp: the model's forecast from a history (direct, then rolled forward), its timestamps,
// the combination with the baselines, and prediction intervals.
#include <cmath>
#include <vector>

#include <catch2/catch.hpp>

#include "lstmf/error.hpp"
#include "lstmf/forecast.hpp"
#include "small_model.hpp"

using namespace lstmf;
using Catch::Contains;
using lstmf::test::small_checkpoint;
using lstmf::test::small_history;

TEST_CASE("a forecast is the model's prediction from the end of the history, its times continued", "[forecast]") {
  const History history = small_history();  // 2020-01 .. 2021-12
  const Checkpoint checkpoint = small_checkpoint(history.values);
  const long end = history.values.rows();
  // Within the trained horizon (H = 2): one pass of the model at the last origin.
  const Forecast direct = forecast(checkpoint, history, 2);
  const MatrixD at_end = predict_at(checkpoint, history.values, history.phase, {end}, 4);  // [1, 4]
  REQUIRE(direct.values.rows() == 2);
  CHECK(direct.times == std::vector<std::string>{"2022-01", "2022-02"});
  CHECK(direct.time_column == "date");
  CHECK(direct.targets == std::vector<std::string>{"y"});
  for (long h = 0; h < 2; ++h) CHECK(direct.values(h, 0) == at_end(0, h));
  // Past it, rolled forward on its own outputs: the first H steps unchanged, then predict_at's.
  const Forecast rolled = forecast(checkpoint, history, 4);
  CHECK(rolled.times == std::vector<std::string>{"2022-01", "2022-02", "2022-03", "2022-04"});
  for (long h = 0; h < 4; ++h) CHECK(rolled.values(h, 0) == at_end(0, h));
  CHECK(rolled.values.allFinite());
  // Independently of predict_at's rollout (both sides above are its): the history with the first
  // two steps appended as its next rows forecasts steps 3 and 4 (a review).
  MatrixD extended(end + 2, 1);
  extended << history.values, at_end.leftCols(2).transpose();
  const MatrixD next = predict_at(checkpoint, extended, history.phase, {end + 2}, 2);  // [1, 2]
  for (long h = 0; h < 2; ++h) CHECK(rolled.values(2 + h, 0) == Approx(next(0, h)).epsilon(1e-5));
  CHECK(rolled.values(2, 0) != Approx(rolled.values(0, 0)).epsilon(1e-5));  // not steps 1 and 2 again
}

TEST_CASE("a forecast needs a look-back of history and a horizon of at least one step", "[forecast]") {
  History history = small_history();
  const Checkpoint checkpoint = small_checkpoint(history.values);
  History short_history = history;
  short_history.values = history.values.topRows(2);  // look-back 3
  short_history.ticks.resize(2);
  CHECK_THROWS_AS(forecast(checkpoint, short_history, 2), InputError);
  CHECK_THROWS_AS(forecast(checkpoint, history, 0), InputError);
}

TEST_CASE("a forecast combination weighs the model with the seasonal naive and naive forecasts", "[forecast]") {
  const History history = small_history();
  Checkpoint checkpoint = small_checkpoint(history.values);
  checkpoint.config.data.season = 4;
  const std::vector<long> origins = {10, 20};
  const MatrixD alone = predict_at(checkpoint, history.values, history.phase, origins, 3);  // [2, 3] (recursive past H = 2)
  checkpoint.config.training.combine = Toggle::on;
  checkpoint.combination.weights = {{0.25, 0.5, 0.15, 0.1}};
  checkpoint.combination.validation_mae = {{1.0, 1.0, 1.0, 1.0}};
  const Theta theta{0.5, 0.25, 30};
  checkpoint.combination.theta = {theta};
  const MatrixD combined = predict_at(checkpoint, history.values, history.phase, origins, 3);
  const long look_back = checkpoint.config.data.look_back;
  for (size_t o = 0; o < origins.size(); ++o)
    for (long h = 0; h < 3; ++h) {
      const long origin = origins[o];
      // Theta by hand: SES with alpha 1/2 over the window's rows, then the drift's steps (theta.hpp).
      double level = history.values(origin - look_back, 0);
      for (long t = origin - look_back + 1; t < origin; ++t) level += 0.5 * (history.values(t, 0) - level);
      const double theta_h = level + 0.25 * (h + (1 - std::pow(0.5, 30)) / 0.5);
      const double expected = 0.25 * alone(static_cast<long>(o), h) + 0.5 * history.values(origin - 4 + h % 4, 0) +
                              0.15 * history.values(origin - 1, 0) + 0.1 * theta_h;
      CHECK(combined(static_cast<long>(o), h) == Approx(expected).epsilon(1e-12));
    }
}

TEST_CASE("prediction intervals that overflow a double are refused, not written as inf", "[forecast]") {
  const History history = small_history();
  Checkpoint checkpoint = small_checkpoint(history.values);
  checkpoint.intervals.abs_residual = MatrixD::Constant(2, IntervalQuantiles::kLastLevel - IntervalQuantiles::kFirstLevel + 1, 1.7e308);
  Forecast f = forecast(checkpoint, history, 4);  // steps 3 and 4 widen the step-2 quantile by sqrt(step / 2)
  CHECK_THROWS_WITH(add_intervals(f, checkpoint, {80}),
                    Contains("the prediction intervals overflow a double") && Contains("nothing was written"));
  checkpoint.intervals.abs_residual.setConstant(1.0);
  CHECK_NOTHROW(add_intervals(f, checkpoint, {80}));
}

TEST_CASE("a checkpoint without interval quantiles says why when it trained without validation rows", "[forecast]") {
  const History history = small_history();
  Checkpoint checkpoint = small_checkpoint(history.values);
  checkpoint.intervals = IntervalQuantiles{};
  Forecast f = forecast(checkpoint, history, 2);
  checkpoint.history = {EpochRecord{1, 0.5, std::nan(""), 1e-3}, EpochRecord{2, 0.4, std::nan(""), 1e-3}};
  // Retraining the same data cannot help: the advice is more rows (a review: it said retrain).
  CHECK_THROWS_WITH(add_intervals(f, checkpoint, {80}), Contains("trained without validation rows") && Contains("retrain on more rows"));
  checkpoint.config.data.val_fraction = 0;  // held none out by choice: more rows would not help
  CHECK_THROWS_WITH(add_intervals(f, checkpoint, {80}), Contains("(data.val_fraction 0); retrain with a validation fraction above 0"));
  checkpoint.config.data.val_fraction = 0.1;
  checkpoint.history[1].val_loss = 0.45;  // validated: a snapshot or an older file
  CHECK_THROWS_WITH(add_intervals(f, checkpoint, {80}), Contains("--checkpoint-every snapshot") && !Contains("retrain on more rows"));
}

TEST_CASE("intervals past the trained horizon widen by sqrt(step / H)", "[forecast]") {
  const History history = small_history();
  Checkpoint checkpoint = small_checkpoint(history.values);  // H = 2
  checkpoint.intervals.abs_residual = MatrixD::Constant(2, 50, 1.0);
  checkpoint.intervals.windows = 4;
  Forecast f = forecast(checkpoint, history, 4);
  add_intervals(f, checkpoint, {80});
  const double expected[4] = {1, 1, std::sqrt(3.0 / 2), std::sqrt(4.0 / 2)};  // steps 1..4
  for (int h = 0; h < 4; ++h) {
    CHECK(f.values(h, 0) - f.lower(h, 0) == Approx(expected[h]));
    CHECK(f.upper(h, 0) - f.values(h, 0) == Approx(expected[h]));
  }
}

TEST_CASE("two targets and two levels lay their intervals out target by target, level by level", "[forecast]") {
  Checkpoint checkpoint = small_checkpoint(small_history().values);
  checkpoint.config.data.horizon = 1;
  checkpoint.intervals.windows = 20;
  checkpoint.intervals.abs_residual.resize(2, 50);  // row k (H = 1), column level - 50
  for (long k = 0; k < 2; ++k)
    for (long c = 0; c < 50; ++c) checkpoint.intervals.abs_residual(k, c) = 10.0 * (k + 1) + 0.1 * c;
  Forecast f;
  f.time_column = "step";
  f.times = {"1"};
  f.targets = {"a", "b"};
  f.values.resize(1, 2);
  f.values << 100, 200;
  add_intervals(f, checkpoint, {80, 95});
  // a: 80% -> 13, 95% -> 14.5; b: 80% -> 23, 95% -> 24.5
  CHECK(f.lower(0, 0) == Approx(87));
  CHECK(f.lower(0, 1) == Approx(85.5));
  CHECK(f.lower(0, 2) == Approx(177));
  CHECK(f.lower(0, 3) == Approx(175.5));
  CHECK(to_csv(f) == "step,a,a_lo80,a_hi80,a_lo95,a_hi95,b,b_lo80,b_hi80,b_lo95,b_hi95\n"
                     "1,100,87,113,85.5,114.5,200,177,223,175.5,224.5\n");
}

TEST_CASE("an ensemble of two forecasts the mean of its members (the median of an even count)", "[forecast]") {
  const History history = small_history();
  const Checkpoint a = small_checkpoint(history.values);
  Checkpoint b = a;
  Rng rng(12);
  b.model.init(rng);
  Checkpoint both = a;
  both.more_members = {b.model};
  const std::vector<long> origins = {10, 20};
  const MatrixD pa = predict_at(a, history.values, history.phase, origins, 2);
  const MatrixD pb = predict_at(b, history.values, history.phase, origins, 2);
  const MatrixD pboth = predict_at(both, history.values, history.phase, origins, 2);
  for (long o = 0; o < 2; ++o)
    for (long h = 0; h < 2; ++h) {
      REQUIRE(std::abs(pa(o, h) - pb(o, h)) > 1e-3);
      CHECK(pboth(o, h) == Approx(0.5 * (pa(o, h) + pb(o, h))).epsilon(1e-5));
    }
}

TEST_CASE("targets named as another target's interval bounds are refused, and bound names split as merge reads them", "[forecast]") {
  // Merge read them as bounds (a review). Refused by what train records; a checkpoint already
  // written still loads (validate).
  Config bands;
  bands.data.targets = {"sales", "sales_lo80", "sales_hi80"};
  CHECK_THROWS_WITH(check_target_names(bands.data.targets),
                    "data.targets 'sales_lo80' and 'sales_hi80' are named as the interval bounds of target 'sales' "
                    "(forecasts name them COL_loNN and COL_hiNN, and merge reads them so): rename them in the data");
  CHECK(validate(bands).empty());
  CHECK_NOTHROW(check_target_names({"sales", "sales_lo80", "sales_hi95", "x_lo80", "x_hi80"}));  // no triple
  CHECK(bound_columns_of("y_lo80") == std::make_optional(std::make_pair(std::string("y"), std::string("y_hi80"))));
  CHECK(bound_columns_of("a_lo_lo99.5") == std::make_optional(std::make_pair(std::string("a_lo"), std::string("a_lo_hi99.5"))));
  for (const char* name : {"y", "y_lo", "y_lo8x", "y_hi80"}) CHECK_FALSE(bound_columns_of(name).has_value());
}

// Without times the tail is searched for as a run of rows: by Knuth-Morris-Pratt (then, where the
// history filled values, by the plain search), checked here against the definition on many small
// cases (a review found the plain search quadratic).
TEST_CASE("the data tail is found as a run of rows wherever it is, and only there", "[forecast]") {
  Checkpoint checkpoint = small_checkpoint(small_history().values);
  // The definition: a run of rows equal to the tail's where the history did not fill them.
  const auto plain = [](const MatrixD& tail, const History& history) {
    for (long start = 0; start + tail.rows() <= history.values.rows(); ++start) {
      bool all = true;
      for (long i = 0; i < tail.rows(); ++i) {
        const bool filled = !history.target_filled.empty() && history.target_filled[0][static_cast<size_t>(start + i)];
        all = all && (filled || history.values(start + i, 0) == tail(i, 0));
      }
      if (all) return true;
    }
    return false;
  };
  Rng rng(3);
  long found = 0, cases = 0;
  for (int n = 0; n <= 12; ++n)
    for (int l = 1; l <= 6; ++l)
      for (int draw = 0; draw < 40; ++draw, ++cases) {
        History history;
        history.values.resize(n, 1);
        checkpoint.data_tail.values.resize(l, 1);
        // Two values (three for some): the runs and overlaps that make a search back up.
        const int symbols = draw % 4 == 0 ? 3 : 2;
        for (int t = 0; t < n; ++t) history.values(t, 0) = static_cast<double>(rng.next() % symbols);
        for (int t = 0; t < l; ++t) checkpoint.data_tail.values(t, 0) = static_cast<double>(rng.next() % symbols);
        if (draw % 3 == 0) {  // a few values the history filled
          history.target_filled.assign(1, std::vector<bool>(static_cast<size_t>(n), false));
          for (int t = 0; t < n; ++t) history.target_filled[0][static_cast<size_t>(t)] = rng.next() % 5 == 0;
        }
        const bool expected = plain(checkpoint.data_tail.values, history);
        INFO("n " << n << ", tail " << checkpoint.data_tail.values.transpose() << ", rows " << history.values.transpose()
                  << (history.target_filled.empty() ? "" : ", some filled"));
        CHECK(holds_data_tail(checkpoint, history) == expected);
        found += expected;
      }
  CHECK(found > cases / 10);  // both answers are exercised
  CHECK(found < cases - cases / 10);
  SECTION("a value the history filled matches any") {
    History history;
    history.values.resize(4, 1);
    history.values << 1, 0, 7, 1;
    checkpoint.data_tail.values.resize(3, 1);
    checkpoint.data_tail.values << 0, 5, 1;
    CHECK(!holds_data_tail(checkpoint, history));
    history.target_filled = {{false, false, true, false}};
    CHECK(holds_data_tail(checkpoint, history));
  }
  SECTION("every target must agree") {
    History history;
    history.values.resize(3, 2);
    history.values << 1, 2, 3, 4, 5, 6;
    checkpoint.columns.targets = {"a", "b"};
    checkpoint.data_tail.values.resize(2, 2);
    checkpoint.data_tail.values << 3, 4, 5, 6;
    CHECK(holds_data_tail(checkpoint, history));
    checkpoint.data_tail.values(1, 1) = 7;
    CHECK(!holds_data_tail(checkpoint, history));
  }
}
