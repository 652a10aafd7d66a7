#include <algorithm>
#include <cmath>
#include <sstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "lstmf/backtest.hpp"
#include "lstmf/error.hpp"
#include "small_model.hpp"

using namespace lstmf;
using lstmf::test::small_checkpoint;
using lstmf::test::small_history;
using Catch::Contains;

namespace {

BacktestOptions with_origins(long origins, int stride = 1) {
  BacktestOptions options;
  options.origins = origins;
  options.stride = stride;
  return options;
}

}  // namespace

TEST_CASE("origins default to the held-out tail, counted back from the end", "[backtest]") {
  // 20 rows, look-back 3, horizon 2, m 4: origins may run from row 4 to row 18.
  SECTION("every origin whose forecasts lie in the tail") {
    const BacktestPlan plan = plan_backtest(20, 3, 2, 4, {}, 16, "x.csv");
    CHECK(plan.origins == std::vector<long>{16, 17, 18});
    CHECK(plan.rule == "the held-out tail, rows 17-20");
  }
  SECTION("with a stride, the last origin stays") {
    BacktestOptions options;
    options.stride = 2;
    CHECK(plan_backtest(20, 3, 2, 4, options, 16, "x.csv").origins == std::vector<long>{16, 18});
    options.stride = 3;
    CHECK(plan_backtest(20, 3, 2, 4, options, 16, "x.csv").origins == std::vector<long>{18});
  }
  SECTION("no earlier than max(look-back, m) rows in") {
    CHECK(plan_backtest(20, 3, 2, 4, {}, 0, "x.csv").origins.front() == 4);
    CHECK(plan_backtest(20, 6, 2, 4, {}, 0, "x.csv").origins.front() == 6);
  }
  SECTION("at least the last window when the tail is shorter than the horizon, or empty") {
    const BacktestPlan short_tail = plan_backtest(20, 3, 2, 4, {}, 19, "x.csv");
    CHECK(short_tail.origins == std::vector<long>{18});
    CHECK(short_tail.rule == "the last window (the held-out tail: 1 row, fewer than the horizon)");
    const BacktestPlan no_tail = plan_backtest(20, 3, 2, 4, {}, 20, "x.csv");
    CHECK(no_tail.origins == std::vector<long>{18});
    CHECK(no_tail.rule == "the last window (no held-out tail: val_fraction and test_fraction are 0)");
  }
  SECTION("--origins takes that many, whatever the tail") {
    const BacktestPlan plan = plan_backtest(20, 3, 2, 4, with_origins(5), 16, "x.csv");
    CHECK(plan.origins == std::vector<long>{14, 15, 16, 17, 18});
    CHECK(plan.rule == "--origins 5");
    CHECK(plan_backtest(20, 3, 2, 4, with_origins(15), 16, "x.csv").origins.front() == 4);
    CHECK(plan_backtest(20, 3, 2, 4, with_origins(3, 7), 16, "x.csv").origins == std::vector<long>{4, 11, 18});
  }
}

TEST_CASE("a backtest plan refuses what cannot be done, and says why", "[backtest]") {
  SECTION("more origins than fit") {
    REQUIRE_THROWS_WITH(plan_backtest(20, 3, 2, 4, with_origins(16), 16, "x.csv"),
                        "x.csv: has 20 rows, room for at most 15 origins with stride 1 and horizon 2 (the first needs 4 "
                        "rows before it); asked for --origins 16");
    REQUIRE_THROWS_WITH(plan_backtest(20, 3, 2, 4, with_origins(4, 5), 16, "x.csv"),
                        Contains("room for at most 3 origins with stride 5"));
  }
  SECTION("a history shorter than look-back + horizon, stating the minimum") {
    CHECK(plan_backtest(5, 3, 2, 1, {}, 5, "x.csv").origins == std::vector<long>{3});
    REQUIRE_THROWS_WITH(plan_backtest(4, 3, 2, 1, {}, 4, "x.csv"),
                        "x.csv: has 4 rows, too short to backtest: look-back 3 + horizon 2 needs at least 5 rows "
                      "(--horizon 1 fits)");
  }
  SECTION("a history shorter than one season + horizon") {
    REQUIRE_THROWS_WITH(plan_backtest(13, 3, 2, 12, {}, 13, "x.csv"),
                        "x.csv: has 13 rows, too short to backtest: one season (m = 12) before the first origin + "
                        "horizon 2 needs at least 14 rows (--season 1 backtests without a seasonal baseline)");
  }
  SECTION("options out of range, named by their flags") {
    REQUIRE_THROWS_WITH(plan_backtest(20, 3, 0, 4, {}, 16, "x.csv"), "--horizon must be >= 1, got 0");
    REQUIRE_THROWS_WITH(plan_backtest(20, 3, 2, 0, {}, 16, "x.csv"), "--season must be >= 1, got 0");
    REQUIRE_THROWS_WITH(plan_backtest(20, 3, 2, 4, with_origins(0), 16, "x.csv"), "--origins must be >= 1, got 0");
    REQUIRE_THROWS_WITH(plan_backtest(20, 3, 2, 4, with_origins(1, 0), 16, "x.csv"), "--stride must be >= 1, got 0");
    REQUIRE_THROWS_AS(plan_backtest(20, 3, 2, 0, {}, 16, "x.csv"), InputError);
  }
}

TEST_CASE("scores compare every method on the same windows", "[backtest]") {
  // Target y: the pattern 1 5 3 7 from row 4 on, so seasonal naive is exact on every window, and a
  // different first season, so the MASE scale is not 0. Target z is 0 on some forecast rows.
  MatrixD history(16, 2);
  const double first_season[] = {2, 4, 3, 9}, pattern[] = {1, 5, 3, 7};
  for (int t = 0; t < 16; ++t) {
    history(t, 0) = t < 4 ? first_season[t] : pattern[t % 4];
    history(t, 1) = t % 2 == 0 ? 0 : t;
  }
  const BacktestPlan plan = plan_backtest(16, 2, 3, 4, with_origins(2), 16, "s.csv");  // origins 12, 13
  REQUIRE(plan.origins == std::vector<long>{12, 13});
  const Backtest result = score_backtest(history, {"y", "z"}, plan,
                                         {naive_forecasts(history, 2, plan), seasonal_naive_forecasts(history, 2, plan)});
  REQUIRE(result.scores.size() == 4);
  const MethodScores& naive_y = result.scores[0];
  const MethodScores& seasonal_y = result.scores[2];
  CHECK(naive_y.method == "naive");
  CHECK(naive_y.target == "y");
  CHECK(result.scores[1].target == "z");
  CHECK(seasonal_y.method == "seasonal_naive");

  SECTION("seasonal naive is exact: MAE and MASE 0") {
    CHECK(*seasonal_y.mae.value == 0);
    CHECK(*seasonal_y.mase.value == 0);
    CHECK(seasonal_y.mae_by_step == std::vector<double>{0, 0, 0});
  }
  SECTION("naive, worked by hand") {
    // origin 12 (last 7): actual 1 5 3 -> |6| |2| |4|; origin 13 (last 1): actual 5 3 7 -> |4| |2| |6|
    CHECK(*naive_y.mae.value == Approx(24.0 / 6));
    CHECK(naive_y.mae_by_step == std::vector<double>{5, 2, 5});
    CHECK(*naive_y.rmse.value == Approx(std::sqrt((36 + 4 + 16 + 16 + 4 + 36) / 6.0)));
    // The scale: rows 0-11, m = 4: |1-2| |5-4| |3-3| |7-9| then 0 for rows 8-11, over 8 terms.
    CHECK(*result.scales[0].value == Approx(4.0 / 8));
    CHECK(*naive_y.mase.value == Approx(4.0 / 0.5));
  }
  SECTION("notes name the target when there are several, once each") {
    // z's actual rows 12 13 14 / 13 14 15: 0 at rows 12, 14, 14.
    CHECK(result.notes() ==
          std::vector<std::string>{"z: MAPE skips 3 of 6 actual values that are 0",
                                   "z: sMAPE of naive counts the 1 of 6 terms whose actual and forecast values are both 0 as exact (0)",
                                   "z: sMAPE of seasonal_naive counts the 3 of 6 terms whose actual and forecast values are both 0 "
                                   "as exact (0)"});
  }
  SECTION("rows the file lacked are not scored") {
    // Row 14 unobserved: naive's pairs |6| |2| (origin 12) and |4| |6| (origin 13) remain.
    std::vector<std::vector<bool>> unobserved(2, std::vector<bool>(16, false));
    unobserved[0][14] = true;  // y alone: z is scored on every row
    const Backtest masked = score_backtest(history, {"y", "z"}, plan, {naive_forecasts(history, 2, plan)}, unobserved);
    CHECK(*masked.scores[0].mae.value == Approx(18.0 / 4));
    CHECK(masked.scores[0].mae_by_step == std::vector<double>{5, 2, 6});  // step 2 of origin 12, step 1 of 13 out
    CHECK(*masked.scores[1].mae.value == *result.scores[1].mae.value);
    // An in-sample value the file lacked leaves the scale's two differences with it out: row 7
    // unobserved drops |7-9| (t = 7) and row 11's 0: 2 over the 6 left, for y alone.
    unobserved[0][7] = true;
    const Backtest scaled = score_backtest(history, {"y", "z"}, plan, {naive_forecasts(history, 2, plan)}, unobserved);
    CHECK(*scaled.scales[0].value == Approx(2.0 / 6));
    CHECK(scaled.scales[0].terms == 6);
    CHECK(*scaled.scales[1].value == *result.scales[1].value);
    CHECK(to_json(scaled)["targets"]["y"]["mase_scale"]["differences"] == 6);
    CHECK_THAT(format_table(scaled), Contains("; y: 6 of its 8 differences (2 with a value missing in the file left out)"));
    // Rows 12-15 all unobserved: nothing to score, every score undefined with the reason, null by step.
    const Backtest none = score_backtest(history, {"y", "z"}, plan, {naive_forecasts(history, 2, plan)},
                                         std::vector<std::vector<bool>>(2, std::vector<bool>(16, true)));
    CHECK_FALSE(none.scores[0].mae.defined());
    CHECK_FALSE(none.scores[0].mase.defined());
    // (Nor the in-sample rows: no scale either.)
    const std::string no_scale = "MASE undefined: no two in-sample values 4 steps apart are both in the file (the others were filled by --missing)";
    CHECK(none.notes() == std::vector<std::string>{"y: " + no_scale, "z: " + no_scale,
                                                   "y: no row scored holds an observed value (every one was missing in the file)",
                                                   "z: no row scored holds an observed value (every one was missing in the file)"});
    const nlohmann::json json = to_json(none);
    CHECK(json["targets"]["y"]["methods"]["naive"]["mae_by_step"] == nlohmann::json::array({nullptr, nullptr, nullptr}));
  }
  SECTION("forecasts of the wrong shape are a caller's bug") {
    MethodForecasts wrong{"lstm", MatrixD::Zero(2, 3)};
    REQUIRE_THROWS_WITH(score_backtest(history, {"y", "z"}, plan, {wrong}),
                        "score_backtest: lstm forecasts are [2, 3], expected [2, 6]");
  }
}

TEST_CASE("backtest runs the model with predict_at on the planned windows", "[backtest]") {
  const History history = small_history();
  const Checkpoint checkpoint = small_checkpoint(history.values);

  SECTION("by default: the trained horizon, the held-out tail and the checkpoint's m") {
    const Backtest result = backtest(checkpoint, history, {});
    // 24 rows: round(2.4) + round(2.4) = 4 held out, rows 20-23; horizon 2.
    CHECK(result.plan.origins == std::vector<long>{20, 21, 22});
    CHECK(result.plan.horizon == 2);
    CHECK(result.plan.season == 4);
    CHECK(result.source == "h.csv");
    CHECK(result.first_target_time == "2021-09");
    CHECK(result.last_target_time == "2021-12");
    REQUIRE(result.scores.size() == 3);
    CHECK(result.scores[0].method == "lstm");
    CHECK(result.scores[1].method == "naive");
    CHECK(result.scores[2].method == "seasonal_naive");

    const MatrixD model = predict_at(checkpoint, history.values, history.phase, result.plan.origins, 2);
    std::vector<double> actual, forecast;
    for (int i = 0; i < 3; ++i)
      for (int h = 0; h < 2; ++h) {
        actual.push_back(history.values(result.plan.origins[static_cast<size_t>(i)] + h, 0));
        forecast.push_back(model(i, h));
      }
    std::vector<double> in_sample(history.values.data(), history.values.data() + 20);
    CHECK(*result.scores[0].mae.value == Approx(*mae(actual, forecast).value));
    CHECK(*result.scores[0].smape.value == Approx(*smape(actual, forecast).value));
    CHECK(*result.scores[0].mase.value ==
          Approx(*mase(actual, forecast, seasonal_naive_scale(in_sample, 4)).value));
  }
  SECTION("longer horizons roll the model forward; --season changes m everywhere") {
    BacktestOptions options;
    options.horizon = 5;
    options.season = 2;
    options.origins = 4;
    options.stride = 2;
    const Backtest result = backtest(checkpoint, history, options);
    CHECK(result.plan.origins == std::vector<long>{13, 15, 17, 19});
    CHECK(result.scales[0].m == 2);
    CHECK(result.scores[0].mae_by_step.size() == 5);
    const MatrixD model = predict_at(checkpoint, history.values, history.phase, result.plan.origins, 5);
    double sum = 0;
    for (int i = 0; i < 4; ++i) sum += std::abs(history.values(result.plan.origins[static_cast<size_t>(i)] + 4, 0) - model(i, 4));
    CHECK(result.scores[0].mae_by_step[4] == Approx(sum / 4));
  }
  SECTION("a history with other columns than the checkpoint's is refused") {
    History wide = history;
    wide.values = MatrixD::Ones(24, 2);
    REQUIRE_THROWS_WITH(backtest(checkpoint, wide, {}),
                        "h.csv: has 2 columns, the checkpoint expects 1 (targets, then features)");
  }
  SECTION("a history too short for the model, stating the minimum") {
    History short_history = history;
    short_history.values = history.values.topRows(5);
    short_history.ticks.resize(5);
    REQUIRE_THROWS_WITH(backtest(checkpoint, short_history, {}),
                        "h.csv: has 5 rows, too short to backtest: one season (m = 4) before the first origin + "
                        "horizon 2 needs at least 6 rows (--season 1 backtests without a seasonal baseline)");
  }
  SECTION("--threads below 0") {
    BacktestOptions options;
    options.threads = -1;
    REQUIRE_THROWS_WITH(backtest(checkpoint, history, options), "--threads must be >= 0, got -1");
  }
}

TEST_CASE("the table shows a tiny score by its significant digits, not as 0.000", "[backtest]") {
  // A training outlier sets a huge MASE scale: every method's MASE is near 1e-5 (a review saw 0.000
  // for all three, the comparison lost).
  Backtest result = backtest(small_checkpoint(small_history().values), small_history(), {});
  REQUIRE(result.scores.size() >= 2);
  result.scores[0].mase.value = 1.3e-5;
  result.scores[1].mase.value = 0.0004;
  result.scores[0].mape.value = 0.004;
  const std::string table = format_table(result);
  CHECK_THAT(table, Contains("1.3e-05") && Contains("0.0004") && Contains("0.004"));
  result.scores[0].mase.value = 0.0;  // zero stays as it is
  CHECK_THAT(format_table(result), Contains("0.000"));
}

TEST_CASE("reports never show NaN: n/a in the table, null in JSON, and the reason once in the notes", "[backtest]") {
  // Constant before the tail: the MASE scale is 0.
  History history = small_history();
  for (int t = 0; t < 20; ++t) history.values(t, 0) = 5;
  history.values(22, 0) = 0;
  const Checkpoint checkpoint = small_checkpoint(small_history().values);
  const Backtest result = backtest(checkpoint, history, {});

  const std::string table = format_table(result);
  CHECK_THAT(table, Contains("backtest of h.csv: 24 rows, look-back 3, horizon 2") &&
                        Contains("3 origins, stride 1, forecasting rows 21-24 (2021-09 to 2021-12); origins from the "
                                 "held-out tail, rows 21-24") &&
                        Contains("seasonal period m = 4; MASE scale: seasonal naive MAE over rows 1-20") &&
                        Contains("MASE") && Contains("n/a"));
  CHECK_THAT(table, !Contains("nan") && !Contains("inf"));
  // Origins from row 5 on leave 4 rows before them, fewer than m + 1: the header names the scale
  // the note gives (a review: it said seasonal naive beside a note saying m = 1).
  BacktestOptions early;
  early.origins = 19;
  const Backtest from_start = backtest(checkpoint, small_history(), early);
  CHECK_THAT(format_table(from_start), Contains("seasonal period m = 4; MASE scale: naive MAE (m = 1: too few rows for m) over rows 1-4"));
  CHECK_THAT(from_start.notes().front(), Contains("MASE scale uses m = 1: the 4 in-sample values are fewer than m + 1 = 5"));
  const std::string reason = "MASE undefined: the in-sample seasonal naive MAE (m = 4) is 0, the series repeats exactly";
  CHECK_THAT(table, !Contains("note"));  // the CLI says them on stderr: stdout is the table
  const std::vector<std::string> notes = result.notes();
  CHECK(std::count(notes.begin(), notes.end(), reason) == 1);
  CHECK(std::count(notes.begin(), notes.end(), "MAPE skips 2 of 6 actual values that are 0") == 1);

  const nlohmann::json json = to_json(result);
  const auto& lstm = json["targets"]["y"]["methods"]["lstm"];
  CHECK(lstm["mase"].is_null());
  CHECK(lstm["mae"].is_number());
  CHECK(lstm["mae_by_step"].size() == 2);
  CHECK(json["targets"]["y"]["mase_scale"]["value"] == 0.0);
  CHECK(json["targets"]["y"]["mase_scale"]["in_sample_rows"] == 20);
  CHECK(json["origins"] == nlohmann::json({20, 21, 22}));
  CHECK(json["target_rows"] == nlohmann::json({{"first", 21}, {"last", 24}, {"first_time", "2021-09"}, {"last_time", "2021-12"}}));
  CHECK(json["notes"].size() == 2);
  CHECK_THAT(json.dump(), !Contains("NaN"));
  for (const char* method : {"lstm", "naive", "seasonal_naive"})
    for (const char* metric : {"mae", "rmse", "mape", "smape", "mase"}) CHECK(json["targets"]["y"]["methods"][method].contains(metric));
}

TEST_CASE("the table escapes target names whole and pads them by characters", "[backtest]") {
  // A target named with a line break split every row of the table in two (a review); one with
  // non-ASCII letters was padded by bytes.
  Backtest result = backtest(small_checkpoint(small_history().values), small_history(), {});
  for (MethodScores& s : result.scores) s.target = "sales\nEUR";
  const std::string table = format_table(result);
  const std::string rows = table.substr(table.find("method"));
  CHECK_THAT(rows, Contains("sales\\nEUR"));
  CHECK(std::count(rows.begin(), rows.end(), '\n') == 1 + static_cast<long>(result.scores.size()));
  for (MethodScores& s : result.scores) s.target = "Umsatz \xE2\x82\xAC";  // "Umsatz €": 8 characters, 10 bytes
  const std::string euro = format_table(result);
  std::istringstream lines(euro.substr(euro.find("method")));
  std::string header, first;
  std::getline(lines, header);
  std::getline(lines, first);
  CHECK(display_columns(first) == display_columns(header));  // the cells line up under their names
  // The notes name a target of several escaped as well (an ESC reached the terminal: a review).
  result.targets = {"t\x1B[31m\nu", "v"};
  result.scales.resize(2);
  result.scales[0].note = "a note";
  const std::vector<std::string> notes = result.notes();
  CHECK(std::find(notes.begin(), notes.end(), "t\\x1B[31m\\nu: a note") != notes.end());
  // Whole: two long names alike in their first 60 bytes are two notes (cut, one was dropped as a repeat).
  const std::string stem(70, 'u');
  result.targets = {stem + "A", stem + "B"};
  result.scales[1].note = "a note";
  CHECK(result.notes() == std::vector<std::string>{stem + "A: a note", stem + "B: a note"});
}

TEST_CASE("origins after rows filled before a target's first value are noted under every policy", "[backtest]") {
  // Rows before the first value take that value (under ffill too): an origin there has read a value
  // it forecasts (a review: only interpolate said so).
  History history = small_history();
  history.target_filled = {std::vector<bool>(static_cast<std::size_t>(history.values.rows()), false)};
  for (int r = 0; r < 4; ++r) {
    history.values(r, 0) = history.values(4, 0);
    history.target_filled[0][static_cast<std::size_t>(r)] = true;
  }
  BacktestOptions options;
  options.origins = 19;  // the most: from row 4
  for (const MissingPolicy policy : {MissingPolicy::ffill, MissingPolicy::interpolate}) {
    Checkpoint checkpoint = small_checkpoint(small_history().values);
    checkpoint.config.data.missing = policy;
    const Backtest result = backtest(checkpoint, history, options);
    INFO(to_string(policy) << ": origins from " << result.plan.origins.front());
    REQUIRE(result.plan.origins.front() <= 4);
    const long expected = 5 - result.plan.origins.front();  // origin 4 reads row 3, filled
    const std::vector<std::string> notes = result.notes();
    CHECK(std::count_if(notes.begin(), notes.end(), [&](const std::string& note) {
            return note.rfind(std::to_string(expected) + " of the 19 origins " + (expected == 1 ? "follows" : "follow") +
                                  " rows before a target's first value", 0) == 0;
          }) == 1);
    CHECK(std::none_of(notes.begin(), notes.end(), [](const std::string& note) { return note.find("a gap filled") != std::string::npos; }));
  }
}
