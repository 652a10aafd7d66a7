#include <cmath>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "lstmf/error.hpp"
#include "lstmf/fit_summary.hpp"

using namespace lstmf;

namespace {

// A run that kept the weights of epoch 7 of 10: one target, 5 members of 300 epochs, validated.
FitOutcome validated_run() {
  ModelConfig model;
  model.hidden = {2};
  FitOutcome outcome{Checkpoint{Config{}, ColumnsInfo{}, MinMaxScaler{}, Model<float>(1, 12, model), nullptr, {}, 0,
                                DataTail{}, {}, {}, {}, {}},
                     {}, {}, 0, 0, 0, 0, "", "", "", "", "", "", ShortSeries::none, 0};
  Config& used = outcome.checkpoint.config;
  used.data.targets = {"passengers"};
  used.data.look_back = 24;
  used.data.horizon = 12;
  used.data.season = 12;
  used.data.normalise = Normalise::season;
  used.data.seasonal_adjust = SeasonalAdjust::multiplicative;
  used.model.ensemble = 5;
  used.training.epochs = 300;
  outcome.checkpoint.columns.targets = {"passengers"};
  outcome.checkpoint.history.resize(10);
  outcome.result.history.resize(10);
  outcome.result.best_epoch = 7;
  outcome.result.best_val_loss = 0.25;
  outcome.result.early_stopped = true;
  outcome.train_windows = 85;
  outcome.validation_windows = 13;
  outcome.validation = {12.5, 15.0, {12.5}, {15.0}, 13};
  return outcome;
}

}  // namespace

TEST_CASE("a combination's weights are said in words", "[fit_summary]") {
  CHECK(describe_combination({1, 0, 0, 0}, ShortSeries::none) == "the model alone");
  CHECK(describe_combination({0.9, 0, 0, 0.1}, ShortSeries::none) == "0.9 x the model + 0.1 x Theta");
  CHECK(describe_combination({0.45, 0.45, 0, 0.1}, ShortSeries::none) ==
        "0.45 x the model + 0.45 x seasonal naive + 0.1 x Theta");
  CHECK(describe_combination({0, 1, 0, 0}, ShortSeries::none) ==
        "seasonal naive alone (its validation MAE was at most half the model's)");
  CHECK(describe_combination({0, 0, 1, 0}, ShortSeries::none) ==
        "naive alone (its validation MAE was at most half the model's)");
  CHECK(describe_combination({0, 1, 0, 0}, ShortSeries::seasonal_naive) ==
        std::string("seasonal naive alone (") + short_series_reason(ShortSeries::seasonal_naive) + ")");
  CHECK(describe_combination({0, 0, 0.5, 0.5}, ShortSeries::naive_theta) ==
        std::string("0.5 x naive + 0.5 x Theta (") + short_series_reason(ShortSeries::naive_theta) + ")");
  CHECK(describe_combination({0, 0, 0, 1}, ShortSeries::none) == "Theta alone (training.theta_weight 1)");
  CHECK(describe_combination({1.0 / 3, 2.0 / 3, 0, 0}, ShortSeries::none) == "0.333 x the model + 0.667 x seasonal naive");
}

TEST_CASE("the summary says what the recipe chose, the windows, the errors and the combination", "[fit_summary]") {
  FitOutcome outcome = validated_run();
  Config asked;
  asked.data.horizon = 12;

  SECTION("one target") {
    outcome.checkpoint.combination.weights = {{0.9, 0, 0, 0.1}};
    outcome.checkpoint.combination.validation_mae = {{13.1, 39.6, 65.0, std::nan("")}};
    outcome.refit_windows = 98;
    outcome.refit_epochs = 300;
    const std::vector<std::string> lines = fit_summary(outcome, asked);
    REQUIRE(lines.size() == 5);
    CHECK(lines[0] ==
          "settings: look-back 24, horizon 12, normalise season, season 12, seasonal adjustment multiplicative, 5 x 300 epochs");
    CHECK(lines[1] == "trained on 85 windows, validated on 13; best epoch 7 (validation loss 0.25), stopped early");
    CHECK(lines[2] == "validation MAE 12.5, RMSE 15 of the combined forecast (original units, 13 windows)");
    CHECK(lines[3] == "forecast: 0.9 x the model + 0.1 x Theta (validation MAE model 13.1, seasonal naive 39.6, naive 65, "
                      "Theta n/a)");
    CHECK(lines[4] == "then refitted on every row: 98 windows, 300 epochs for each of 5 members; those weights are kept");
    // The model alone (weights 1, 0, 0, 0): its errors are the forecast's, not a combination's.
    outcome.checkpoint.combination.weights = {{1, 0, 0, 0}};
    const std::vector<std::string> alone = fit_summary(outcome, asked);
    CHECK(alone[2] == "validation MAE 12.5, RMSE 15 (original units, 13 windows)");
    CHECK(alone[3].rfind("forecast: the model alone (validation MAE model 13.1", 0) == 0);
    INFO("numbers for people have 6 significant digits, without an exponent from 1e-3 to 1e9");
    outcome.result.best_val_loss = 3.3751441928782513;
    outcome.validation = {45.9560467094805, 54.31375767902735, {45.9560467094805}, {54.31375767902735}, 13};
    outcome.checkpoint.combination.validation_mae = {{45.9560467094805, 1e-7 / 3, 65.0, 1234567.89}};
    outcome.checkpoint.combination.validation_mae[0][2] = 0.00999999;
    const std::vector<std::string> digits = fit_summary(outcome, asked);
    CHECK(digits[1] == "trained on 85 windows, validated on 13; best epoch 7 (validation loss 3.37514), stopped early");
    CHECK(digits[2] == "validation MAE 45.956, RMSE 54.3138 (original units, 13 windows)");
    CHECK(digits[3] == "forecast: the model alone (validation MAE model 45.956, seasonal naive 3.33333e-08, naive 0.00999999, "
                       "Theta 1234568)");
  }
  SECTION("a shorter horizon than asked for, rolled forward or not") {
    outcome.checkpoint.forecast_horizon = 18;
    CHECK(fit_summary(outcome, asked)[0].find("horizon 12 (rolled forward to the 18 asked for: predict's default)") !=
          std::string::npos);
    outcome.checkpoint.forecast_horizon = 0;
    asked.data.horizon = 30;
    CHECK(fit_summary(outcome, asked)[0].find("horizon 12 (not the 30 asked for: too long for this series") !=
          std::string::npos);
  }
  SECTION("validation errors per target, on every window of a strided run") {
    outcome.checkpoint.config.data.targets = {"a", "b"};
    outcome.checkpoint.config.data.stride = 2;
    outcome.validation = {1, 2, {1.5, 0.5}, {2.5, 1.5}, 25};
    const std::vector<std::string> lines = fit_summary(outcome, asked);
    REQUIRE(lines.size() == 4);
    CHECK(lines[1] == "trained on 85 windows, validated on 13 (stride 2); best epoch 7 (validation loss 0.25), stopped early");
    CHECK(lines[2] == "validation MAE 1.5, RMSE 2.5 of 'a' (its units, every one of the 25 validation windows)");
    CHECK(lines[3] == "validation MAE 0.5, RMSE 1.5 of 'b' (its units, every one of the 25 validation windows)");
  }
  SECTION("validation errors on one window in every few, a tail too long to forecast from all") {
    outcome.validation = {1, 2, {1}, {2}, 79, 254, true};
    std::vector<std::string> lines = fit_summary(outcome, asked);
    REQUIRE(lines.size() == 3);
    CHECK(lines[2] == "validation MAE 1, RMSE 2 (original units, 79 validation windows, one in every 254, the most calibration "
                      "takes at this look-back and horizon)");
    outcome.validation = {1, 2, {1}, {2}, 1000, 16, false};
    lines = fit_summary(outcome, asked);
    CHECK(lines[2] == "validation MAE 1, RMSE 2 (original units, 1000 validation windows, one in every 16, as the stride thins "
                      "training's, 1000 at least)");
  }
  SECTION("no validation rows") {
    outcome.result.best_epoch = 0;
    outcome.result.early_stopped = false;
    outcome.validation_windows = 0;
    outcome.validation = {};
    const std::vector<std::string> lines = fit_summary(outcome, asked);
    REQUIRE(lines.size() == 2);
    CHECK(lines[1] == "trained on 85 windows; 10 epochs, no validation rows (last weights kept; no prediction intervals: they are calibrated on those rows)");
  }
  SECTION("a refit that diverged") {
    outcome.refit_failed = "the loss is inf";
    const std::vector<std::string> lines = fit_summary(outcome, asked);
    REQUIRE(lines.size() == 4);
    CHECK(lines[3] == "the refit on every row diverged (the loss is inf); the validated members are kept");
  }
  SECTION("a run that kept no weights says nothing (its error does)") {
    outcome.diverged = "training diverged in epoch 1";
    outcome.result.best_epoch = 0;
    outcome.time_column_unread = "date";
    CHECK_FALSE(kept_weights(outcome));
    CHECK(fit_summary(outcome, asked).empty());
    CHECK(fit_notes(outcome).empty());
  }
}

TEST_CASE("notes on the data name what was read otherwise than a user may think", "[fit_summary]") {
  FitOutcome outcome = validated_run();
  CHECK(fit_notes(outcome).empty());
  outcome.time_column_unread = "date";
  outcome.rows_dropped = "3 rows before the first value dropped";
  const std::vector<std::string> notes = fit_notes(outcome);
  REQUIRE(notes.size() == 2);
  CHECK(notes[0] == "note: column 'date' was not read as times (rows are consecutive periods, forecasts numbered by step): "
                    "the time column is guessed only when the look-back and season are left to the recipe; "
                    "--time-column date reads it");
  CHECK(notes[1] == "note: 3 rows before the first value dropped (--missing fills between values only)");
}

TEST_CASE("a many-series run that trained no series fails, unless it is a shard or was stopped", "[fit-summary]") {
  PanelFitOutcome outcome;
  outcome.checkpoint.config.training.mode = TrainingMode::per_series;
  outcome.skipped.push_back({"a", "too short for one window"});
  const SeriesSelection whole;
  CHECK_THROWS_AS(judge_panel_run(outcome, whole, "d.csv"), InputError);
  CHECK_THROWS_WITH(judge_panel_run(outcome, whole, "d.csv"), Catch::Contains("d.csv: no series trained: every series was refused"));
  outcome.skipped.push_back({"b", "training diverged in epoch 1", true});
  CHECK_THROWS_AS(judge_panel_run(outcome, whole, "d.csv"), DivergedError);
  // A shard of a split whose series were all left out: its checkpoint records them for merge.
  outcome.checkpoint.left_out.push_back({"b", "training diverged in epoch 1", true});
  const PanelRunEnd shard = judge_panel_run(outcome, make_selection("", "1/3"), "d.csv");
  CHECK(shard.only_left_out);
  CHECK(shard.trained);
  // Stopped (Ctrl-C) before any series finished: nothing to write, no error of the data's.
  outcome.stopped = true;
  const PanelRunEnd stopped = judge_panel_run(outcome, whole, "d.csv");
  CHECK_FALSE(stopped.trained);
  // A shard's too: its left_out records the series not finished, but a checkpoint of none would
  // replace an earlier shard file (a review).
  const PanelRunEnd stopped_shard = judge_panel_run(outcome, make_selection("", "1/3"), "d.csv");
  CHECK_FALSE(stopped_shard.only_left_out);
  CHECK_FALSE(stopped_shard.trained);
  CHECK(panel_series_notes(outcome) ==
        std::vector<std::string>{"note: skipped series 'a': too short for one window", "note: skipped series 'b': training diverged in epoch 1"});
}
