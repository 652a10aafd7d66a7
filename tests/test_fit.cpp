#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "lstmf/checkpoint.hpp"
#include "lstmf/error.hpp"
#include "lstmf/fit.hpp"
#include "lstmf/forecast.hpp"
#include "small_model.hpp"
#include "support.hpp"

using namespace lstmf;
using lstmf::test::small_checkpoint;
using lstmf::test::year_month;

namespace {

Config airline(int epochs) {
  Config config;
  config.data.path = test::source_path("data/airline-passengers.csv");
  config.data.targets = {"passengers"};
  config.data.time_column = "date";
  config.model.hidden = {4};
  config.model.ensemble = 1;  // one resumable model, as checkpoint_every needs
  config.training.epochs = epochs;
  config.training.patience = 0;
  config.training.threads = 1;
  return config;
}

// A small single-model run of column "value" of `path` with the combination on and no refit.
Config combined(const std::string& path, int horizon, int look_back, Normalise normalise, std::vector<int> hidden, int epochs) {
  Config config;
  config.data.path = path;
  config.data.targets = {"value"};
  config.data.horizon = horizon;
  config.data.look_back = look_back;
  config.data.normalise = normalise;
  config.model.hidden = std::move(hidden);
  config.model.ensemble = 1;
  config.training.epochs = epochs;
  config.training.combine = Toggle::on;
  config.training.refit = Toggle::off;
  config.training.threads = 1;
  return config;
}

// The default recipe on column "value" of `path` (short series: its fallbacks), two members on one thread.
Config recipe(const std::string& path, int horizon) {
  Config config;
  config.data.path = path;
  config.data.targets = {"value"};
  config.data.horizon = horizon;
  config.model.ensemble = 2;
  config.training.threads = 1;
  return config;
}

}  // namespace

TEST_CASE("checkpoint_every hands over resumable snapshots that continue exactly like the run", "[fit]") {
  Config config = airline(6);
  config.output.checkpoint_every = 2;
  std::vector<Checkpoint> snapshots;
  FitOptions options;
  options.on_checkpoint = [&](const Checkpoint& c) { snapshots.push_back(c); };
  const FitOutcome straight = fit(config, options);
  REQUIRE(snapshots.size() == 2);  // epochs 2 and 4; the end is the caller's to save
  CHECK(snapshots[0].history.size() == 2);
  CHECK(snapshots[1].history.size() == 4);
  CHECK(snapshots[1].best_epoch >= 1);
  CHECK(snapshots[1].best_epoch <= 4);
  // Each says, as the end does, the rows after its training part (evaluate's in-sample count).
  REQUIRE(straight.checkpoint.held_out_rows);
  CHECK(*straight.checkpoint.held_out_rows > 0);
  CHECK(snapshots[0].held_out_rows == straight.checkpoint.held_out_rows);

  // Resuming from the epoch-4 snapshot gives the checkpoint of the uninterrupted run.
  test::TempDir dir;
  save_checkpoint(dir.file("four.json"), snapshots[1]);
  FitOptions resume;
  resume.resume = dir.file("four.json");
  const FitOutcome resumed = fit(config, resume);
  CHECK(checkpoint_text(resumed.checkpoint) == checkpoint_text(straight.checkpoint));

  SECTION("an ensemble or a refit cannot be snapshotted as one resumable model") {
    Config ensemble = config;
    ensemble.model.ensemble = 2;
    REQUIRE_THROWS_WITH(fit(ensemble, options), Catch::Contains("checkpoint_every (--checkpoint-every) writes one resumable model"));
    // Named where the setting was given (the CLI says where: the config file at the key).
    FitOptions located = options;
    located.checkpoint_every_source = {"c.json", 4, 15};
    REQUIRE_THROWS_WITH(fit(ensemble, located),
                        Catch::StartsWith("c.json:4:15: output.checkpoint_every (--checkpoint-every) writes one resumable model"));
  }

  SECTION("none of the epoch that runs out of patience: the last one before it resumes to the run's end") {
    Config patient = airline(40);
    patient.output.checkpoint_every = 1;
    patient.training.patience = 2;
    patient.training.min_delta = 1;  // no epoch after the first improves by that much: stops at 3
    std::vector<Checkpoint> kept;
    FitOptions each;
    each.on_checkpoint = [&](const Checkpoint& c) { kept.push_back(c); };
    const FitOutcome stopped = fit(patient, each);
    REQUIRE(stopped.result.early_stopped);
    const auto epochs = static_cast<long>(stopped.checkpoint.history.size());
    REQUIRE(epochs < 40);
    REQUIRE(static_cast<long>(kept.size()) == epochs - 1);  // a kill before the end's save leaves epoch E - 1
    save_checkpoint(dir.file("before.json"), kept.back());
    FitOptions again;
    again.resume = dir.file("before.json");
    CHECK(checkpoint_text(fit(patient, again).checkpoint) == checkpoint_text(stopped.checkpoint));
  }

  SECTION("without on_checkpoint or with checkpoint_every 0 there are none") {
    config.output.checkpoint_every = 0;
    fit(config, options);
    CHECK(snapshots.size() == 2);
  }
}

TEST_CASE("the default recipe takes a first column named like a time column as the time column", "[fit]") {
  // Without --time-column the season would be 1; the accuracy protocol finds the column the same way.
  Config config = airline(2);
  config.data.time_column = "";
  config.data.look_back = 0;  // the recipe chooses
  const FitOutcome found = fit(config);
  CHECK(found.checkpoint.config.data.time_column == "date");
  CHECK(found.checkpoint.columns.time_column == "date");
  CHECK(found.checkpoint.config.data.season == 12);
  CHECK(found.checkpoint.config.data.look_back == 24);

  test::TempDir dir;
  std::string text = "date,value\n";  // named like a time column, but not times
  for (int t = 0; t < 80; ++t) text += "row" + std::to_string(t) + "," + std::to_string(10 + t % 7 + 0.5 * t) + "\n";
  config.data.path = dir.write("d.csv", text);
  config.data.targets = {"value"};
  const FitOutcome plain = fit(config);
  CHECK(plain.checkpoint.config.data.time_column.empty());
  CHECK(plain.checkpoint.config.data.season == 1);

  config.data.path = test::source_path("data/airline-passengers.csv");
  config.data.targets = {"passengers"};
  config.data.look_back = 12;  // explicit settings keep their meaning: no time column guessed
  CHECK(fit(config).checkpoint.config.data.time_column.empty());
}

TEST_CASE("a seasonal series too short to learn its season is forecast by seasonal naive", "[fit]") {
  // 20 months with a strong season, horizon 18 (recipe.hpp short_series_fallback): the weights
  // are 0 / 1 / 0 and the forecast repeats the last 12 months, from the checkpoint's data tail.
  test::TempDir dir;
  std::string text = "date,value\n";
  std::vector<double> y;
  for (int t = 0; t < 20; ++t) {
    y.push_back(200 + 2 * t + 60 * std::sin(6.283185307179586 * t / 12) + (t * 7 % 5));
    text += year_month(2001, t) + "," +
            std::to_string(y.back()) + "\n";
  }
  const FitOutcome outcome = fit(recipe(dir.write("short.csv", text), 18));
  CHECK(outcome.fallback == ShortSeries::seasonal_naive);
  const Checkpoint& checkpoint = outcome.checkpoint;
  REQUIRE(checkpoint.config.data.look_back == 12);
  REQUIRE(checkpoint.combination.weights.size() == 1);
  CHECK(checkpoint.combination.weights.front() == std::array<double, 4>{0.0, 1.0, 0.0, 0.0});
  const Forecast f = forecast(checkpoint, tail_history(checkpoint), 18, 1);
  REQUIRE(checkpoint.data_tail.values.rows() == 12);  // a season of history for seasonal naive
  for (int h = 0; h < 18; ++h) CHECK(f.values(h, 0) == Approx(y[static_cast<size_t>(8 + h % 12)]).epsilon(1e-6));
}

TEST_CASE("a short series without a season is forecast by the mean of naive and Theta", "[fit]") {
  // 16 years, horizon 6 (recipe.hpp short_series_fallback naive_theta): weights 0 / 0 / 1/2 / 1/2,
  // Theta refitted on every row, its level over the look-back (the longest that leaves one
  // training window), which the checkpoint's data tail holds.
  test::TempDir dir;
  std::string text = "year,value\n";
  std::vector<double> y;
  for (int t = 0; t < 16; ++t) {
    y.push_back(50 + 1.5 * t + ((t * 7) % 5) - 2);
    text += std::to_string(1990 + t) + "," + std::to_string(y.back()) + "\n";
  }
  const FitOutcome outcome = fit(recipe(dir.write("short.csv", text), 6));
  CHECK(outcome.fallback == ShortSeries::naive_theta);
  const Checkpoint& checkpoint = outcome.checkpoint;
  CHECK(checkpoint.config.data.horizon == 1);
  CHECK(checkpoint.config.data.look_back >= 12);
  REQUIRE(checkpoint.combination.weights.size() == 1);
  CHECK(checkpoint.combination.weights.front() == std::array<double, 4>{0.0, 0.0, 0.5, 0.5});
  REQUIRE(checkpoint.combination.theta.size() == 1);
  const Theta& theta = checkpoint.combination.theta.front();
  CHECK(theta.rows == 16);  // refitted on every row
  const long look_back = checkpoint.config.data.look_back;
  REQUIRE(checkpoint.data_tail.values.rows() == look_back);
  const Forecast f = forecast(checkpoint, tail_history(checkpoint), 6, 1);
  MatrixD all(16, 1);
  for (int t = 0; t < 16; ++t) all(t, 0) = y[static_cast<size_t>(t)];
  const double level = theta.level(all, 0, 16 - look_back, 16);
  for (int h = 0; h < 6; ++h) CHECK(f.values(h, 0) == Approx(0.5 * y.back() + 0.5 * theta.forecast(level, h + 1)).epsilon(1e-9));

  // training.theta_weight 0 turns Theta off: naive alone.
  Config no_theta = recipe(dir.file("short.csv"), 6);
  no_theta.training.theta_weight = 0;
  CHECK(fit(no_theta).checkpoint.combination.weights.front() == std::array<double, 4>{0.0, 0.0, 1.0, 0.0});

  // 24 rows are enough for the model.
  for (int t = 16; t < 24; ++t) text += std::to_string(1990 + t) + "," + std::to_string(50 + 1.5 * t) + "\n";
  const FitOutcome longer = fit(recipe(dir.write("longer.csv", text), 6));
  CHECK(longer.fallback == ShortSeries::none);
  CHECK(longer.checkpoint.combination.weights.front()[0] > 0);
}

TEST_CASE("a baseline that validates at least twice as well as the model forecasts alone", "[fit]") {
  // A typo of 3e8 in a series near 300 squeezes the min-max scale: the model's forecasts are far
  // off on the validation tail, naive's are not, and naive alone is kept (not a mean of the two).
  test::TempDir dir;
  std::string text = "value\n";
  for (int t = 0; t < 80; ++t) text += (t == 3 ? std::string("300000000") : std::to_string(300 + (t * 7 % 11) - 5)) + "\n";
  const Config config = combined(dir.write("typo.csv", text), 3, 6, Normalise::minmax, {4}, 3);
  const Checkpoint checkpoint = fit(config).checkpoint;
  REQUIRE(checkpoint.combination.weights.size() == 1);
  const auto& mae = checkpoint.combination.validation_mae.front();
  INFO("validation MAE " << mae[0] << " / " << mae[1] << " / " << mae[2]);
  CHECK(mae[2] <= 0.5 * mae[0]);
  CHECK(checkpoint.combination.weights.front() == std::array<double, 4>{0.0, 0.0, 1.0, 0.0});
  const Forecast f = forecast(checkpoint, tail_history(checkpoint), 3, 1);
  for (int h = 0; h < 3; ++h) CHECK(f.values(h, 0) == Approx(checkpoint.data_tail.values(5, 0)));
}

TEST_CASE("intervals calibrated on one validation window are no narrower than the drift forecast's error", "[fit]") {
  // 12 months of a trend with noise of about 1 (a fixed sequence): one validation window chooses
  // the kept epoch and calibrates the intervals, so its residual alone could be near 0.
  test::TempDir dir;
  const double noise[12] = {0.3, -1.2, 0.8, 1.5, -0.4, -0.9, 1.1, -1.6, 0.2, 0.9, -0.7, 0.5};
  std::string text = "month,y\n";
  std::vector<double> change;
  for (int t = 0; t < 12; ++t) {
    text += "2010-" + std::string(t < 9 ? "0" : "") + std::to_string(t + 1) + "," + std::to_string(100 + 2 * t + noise[t]) + "\n";
    if (t > 0) change.push_back(2 + noise[t] - noise[t - 1]);
  }
  Config config;
  config.data.path = dir.write("s12.csv", text);
  config.data.targets = {"y"};
  config.data.horizon = 3;
  config.model.ensemble = 1;
  config.training.threads = 1;
  const FitOutcome outcome = fit(config);
  const IntervalQuantiles& q = outcome.checkpoint.intervals;
  REQUIRE(q.windows == 1);
  // The standard deviation of the changes before the validation row (the drift forecast's
  // one-step error); the 80% bound is at least z_0.9 times it.
  const long before = static_cast<long>(std::lround(12 * (1 - outcome.checkpoint.config.data.val_fraction))) - 1;
  double mean = 0, spread = 0;
  for (long i = 0; i < before; ++i) mean += change[static_cast<size_t>(i)] / static_cast<double>(before);
  for (long i = 0; i < before; ++i) spread += std::pow(change[static_cast<size_t>(i)] - mean, 2);
  const double sd = std::sqrt(spread / static_cast<double>(before - 1));
  CHECK(q.abs_residual(0, 80 - IntervalQuantiles::kFirstLevel) >= 1.2815 * sd);
}

namespace {

// The default recipe on 18 months (from 2000-01) of `values`, forecasting 18 (a hunt's short
// random walks), written into `dir`.
Config eighteen_months(const double (&values)[18], const test::TempDir& dir) {
  std::string text = "month,y\n";
  for (int t = 0; t < 18; ++t)
    text += year_month(2000, t) + "," + format_number(values[t]) + "\n";
  Config config;
  config.data.path = dir.write("rw.csv", text);
  config.data.targets = {"y"};
  config.data.horizon = 18;
  config.training.threads = 1;
  return config;
}

}  // namespace

TEST_CASE("intervals calibrated on two lucky validation windows are no narrower than the drift forecast's error", "[fit]") {
  // 18 months of a random walk (changes of sd 2, a hunt's rw-20): two validation windows of the
  // model with naive missed by 0.04 and 0.02, and the intervals had been that narrow: none of the
  // next 18 months fell in them. Where the windows are too few for a level, the floor above holds:
  // here (a season of 12 and 16 rows before the windows) the spread of the lag-12 changes.
  const double walk[18] = {100.9226572937769, 100.46424854274356, 101.17757722495831, 101.19486655926494, 96.46447764932522, 94.73973233504691, 97.24271811820776, 96.64305129646178, 97.21666262189524, 98.02733020751928, 100.52052637314108, 98.11647688428698, 94.62503645224922, 91.12453531834986, 88.016076625013, 87.06072699029092, 87.03362289718106, 87.05316600567332};
  test::TempDir dir;
  Config config = eighteen_months(walk, dir);
  const FitOutcome outcome = fit(config);
  const IntervalQuantiles& q = outcome.checkpoint.intervals;
  REQUIRE(q.windows == 2);
  REQUIRE(outcome.checkpoint.config.data.horizon == 1);  // rolled forward: the windows are rows 16 and 17
  REQUIRE(outcome.checkpoint.config.data.season == 12);
  double mean = 0, spread = 0;
  for (int t = 12; t < 16; ++t) mean += (walk[t] - walk[t - 12]) / 4;
  for (int t = 12; t < 16; ++t) spread += std::pow(walk[t] - walk[t - 12] - mean, 2);
  const double sd = std::sqrt(spread / 3);
  CHECK(q.abs_residual(0, 80 - IntervalQuantiles::kFirstLevel) >= 1.2815 * sd);
}

namespace {

// The interval quantiles of one member trained 5 epochs on the monthly `text` (column y), horizon
// 6, checked to have fewer than 20 validation windows: the 95% bound is the normal one, floored.
IntervalQuantiles floored_quantiles(const std::string& text, Toggle combine = Toggle::automatic) {
  test::TempDir dir;
  Config config;
  config.data.path = dir.write("y.csv", text);
  config.data.targets = {"y"};
  config.data.horizon = 6;
  config.model.ensemble = 1;
  config.training.epochs = 5;  // the floor is the point, not the model (300 epochs took 29 s under the sanitizers)
  config.training.combine = combine;
  config.training.threads = 1;
  IntervalQuantiles q = fit(config).checkpoint.intervals;
  REQUIRE(q.windows > 0);
  REQUIRE(q.windows < 20);
  return q;
}

}  // namespace

TEST_CASE("one typo among the training rows does not make the 95% intervals a thousand times the 80% ones", "[fit]") {
  // A hunt: 72 months near 150 with 1000000 at row 21, 7 validation windows: the 95% bound is the
  // normal one with the floor of the lag-12 changes' spread, which the typo's two changes (up and
  // down) had made +-525000 where the 80% bound was +-12.
  std::string text = "month,y\n";
  for (int t = 0; t < 72; ++t)
    text += year_month(2000, t) + "," + (t == 20 ? "1000000" : format_number(std::round((100 + 20 * std::sin(t * M_PI / 6) + t) * 100) / 100)) + "\n";
  const IntervalQuantiles q = floored_quantiles(text);
  for (long h = 0; h < 6; ++h) {
    INFO("step " << h + 1);
    const double at80 = q.abs_residual(h, 80 - IntervalQuantiles::kFirstLevel);
    const double at95 = q.abs_residual(h, 95 - IntervalQuantiles::kFirstLevel);
    CHECK(at80 > 0);
    CHECK(at95 < 3 * at80);
  }
}

TEST_CASE("the interval floor follows the recent changes, not those of a calmer or wilder past", "[fit]") {
  // A hunt: a level series whose noise fell from +-40 to +-1 had 95% bounds of +-136 around 100,
  // where the 80% ones were +-1.5: the floor was the spread of every change before the validation
  // windows. 100 months of noise of amplitude 40, then 100 of amplitude 1 (a deterministic
  // scramble, sd 0.29 of the amplitude): the floor takes the last 4 seasons' changes.
  std::string text = "month,y\n";
  for (int t = 0; t < 200; ++t) {
    const double noise = std::fmod(t * 0.6180339887 + std::sin(7.0 * t), 1.0) - 0.5;
    text += year_month(2000, t) + "," + format_number(std::round((100 + (t < 100 ? 40 : 1) * noise) * 1000) / 1000) + "\n";
  }
  const IntervalQuantiles q = floored_quantiles(text);
  for (long h = 0; h < 6; ++h) {
    INFO("step " << h + 1);
    CHECK(q.abs_residual(h, 95 - IntervalQuantiles::kFirstLevel) < 5);  // the old noise's changes: +-50 and more
  }
}

TEST_CASE("two typos among the latest changes do not make the 95% intervals a million wide", "[fit]") {
  // A review: 200 rows near 150 (no season: lag-1 changes, the last 20 before the validation
  // windows) with 1000000 at rows 165 and 172, four of those 20 changes: trimming one from each
  // end left two, and the 95% bounds were +-1170000 beside 80% ones of +-1.4 (every change's
  // middle 90%, as before the floor read the latest ones only, gave +-10).
  std::string text = "y\n";
  for (int t = 0; t < 200; ++t) {
    const double noise = std::fmod(t * 0.6180339887 + std::sin(7.0 * t), 1.0) - 0.5;
    text += (t == 165 || t == 172 ? std::string("1000000") : format_number(std::round((150 + 4 * noise) * 1000) / 1000)) + "\n";
  }
  const IntervalQuantiles q = floored_quantiles(text, Toggle::on);  // naive, as the recipe took it: residuals near the noise's
  for (long h = 0; h < 6; ++h) {
    INFO("step " << h + 1);
    CHECK(q.abs_residual(h, 95 - IntervalQuantiles::kFirstLevel) < 100);
  }
}

TEST_CASE("a refit whose forecast runs away from the rows it trained on is not kept", "[fit]") {
  // 18 months of a random walk within 101 to 117 (a hunt's rw-16): the refit, 300 epochs on every
  // row with nothing to stop it, rolled a one-step model 18 months forward to 540; the validated
  // members' forecast stayed within the rows' range.
  const double walk[18] = {101.54442470167604, 101.35018930336429, 102.5225754949628, 105.45749069033792, 108.47060920642207, 110.45850040170455, 110.3494380064048, 109.79611157590523, 110.130195950605, 108.77687478071509, 111.54697518191618, 113.4121945830471, 115.13477095351774, 114.34307691017781, 113.76005987211771, 116.049596546861, 117.19985811217164, 111.96443574827424};
  test::TempDir dir;
  Config config = eighteen_months(walk, dir);
  const FitOutcome outcome = fit(config);
  CHECK_THAT(outcome.refit_skipped, Catch::StartsWith("the refit's forecast of 'y' runs ") &&
                                        Catch::Contains("the validated members are kept (no refit; --refit true refits all the same)"));
  CHECK(outcome.checkpoint.config.training.refit == Toggle::off);
  CHECK(outcome.refit_epochs == 0);
  CHECK(!outcome.checkpoint.optimizer_state.is_null());  // the validated run's, as a squeeze keeps it
  const Forecast f = forecast(outcome.checkpoint, tail_history(outcome.checkpoint), 18, 1);
  for (int h = 0; h < 18; ++h) CHECK(std::abs(f.values(h, 0) - 110) < 3 * 16);  // within two ranges
  // Asked for, it is kept all the same.
  config.training.refit = Toggle::on;
  const FitOutcome asked = fit(config);
  CHECK(asked.refit_skipped.empty());
  CHECK(asked.refit_epochs > 0);
}

TEST_CASE("the refit's guard judges from the rows it trained on, whatever a test tail holds", "[fit]") {
  // The walk above, then 18 test rows (--test-fraction 0.5): the refit trains on the 18 rows before
  // them, and its runaway is judged from there. It had been judged from the end of the file, so
  // the test rows decided which model was tested (a leakage audit): a calm tail kept this refit,
  // and a far last value (its forecast not made: too far from the range) kept any refit.
  const double walk[18] = {101.54442470167604, 101.35018930336429, 102.5225754949628, 105.45749069033792, 108.47060920642207, 110.45850040170455, 110.3494380064048, 109.79611157590523, 110.130195950605, 108.77687478071509, 111.54697518191618, 113.4121945830471, 115.13477095351774, 114.34307691017781, 113.76005987211771, 116.049596546861, 117.19985811217164, 111.96443574827424};
  for (const double last : {120.5, 5000.0}) {
    INFO("last test value " << last);
    test::TempDir dir;
    std::string text = "month,y\n";
    for (int t = 0; t < 36; ++t)
      text += year_month(2000, t) + "," + format_number(t < 18 ? walk[t] : t < 35 ? 112 + 0.5 * (t - 18) : last) + "\n";
    Config config = eighteen_months(walk, dir);
    config.data.path = dir.write("rw-test.csv", text);
    config.data.test_fraction = 0.5;
    const FitOutcome outcome = fit(config);
    CHECK_THAT(outcome.refit_skipped, Catch::StartsWith("the refit's forecast of 'y' runs "));
    CHECK(outcome.refit_epochs == 0);
  }
}

TEST_CASE("a refit stopped part way keeps the validated members and says it was not refitted", "[fit]") {
  Config config = airline(4);
  config.model.ensemble = 2;
  config.training.refit = Toggle::on;
  config.data.horizon = 3;
  const FitOutcome complete = fit(config, FitOptions{});
  CHECK(complete.refit_epochs == 4);
  CHECK(complete.refit_windows > complete.train_windows);
  CHECK(complete.checkpoint.config.training.refit == Toggle::on);

  FitOptions options;
  bool saw_refit = false;
  options.on_epoch = [&](const EpochReport& report) {
    CHECK(report.epochs == 4);
    saw_refit = saw_refit || report.refit;
    return !(report.refit && report.epoch == 2);  // interrupted in the refit's second epoch
  };
  const FitOutcome stopped = fit(config, options);
  CHECK(saw_refit);
  CHECK(stopped.refit_epochs == 0);
  CHECK(stopped.refit_windows == 0);
  CHECK(stopped.checkpoint.config.training.refit == Toggle::off);
  CHECK(stopped.checkpoint.history.size() == 4);  // the validated run's epochs only
  // The validated members: the same as a run without refit, but not resumable as one.
  CHECK(stopped.checkpoint.optimizer_state.is_null());
  config.training.refit = Toggle::off;
  Checkpoint validated = fit(config, FitOptions{}).checkpoint;
  validated.optimizer_state = nullptr;
  CHECK(checkpoint_text(stopped.checkpoint) == checkpoint_text(validated));
}

TEST_CASE("the refit leaves a test tail out, as the first run does", "[fit]") {
  Config config = airline(3);
  config.training.refit = Toggle::on;
  config.data.horizon = 3;
  config.data.look_back = 12;
  config.data.normalise = Normalise::minmax;
  config.data.seasonal_adjust = SeasonalAdjust::none;
  config.data.test_fraction = 0.2;  // 144 rows: the last 29 are the test tail
  const FitOutcome outcome = fit(config, FitOptions{});
  CHECK(outcome.refit_epochs == 3);
  CHECK(outcome.refit_windows == 115 - 12 - 3 + 1);  // every window of the first 115 rows
  // The scaler, fitted again for the refit, saw those rows alone: the test tail holds the maximum.
  const History all = read_history(outcome.checkpoint, config.data.path);
  CHECK(outcome.checkpoint.scaler.data_max().front() == all.values.topRows(115).maxCoeff());
  CHECK(outcome.checkpoint.scaler.data_max().front() < all.values.maxCoeff());
}

TEST_CASE("an interrupt after the first ensemble member stops the others and keeps the members that trained", "[fit]") {
  Config config = airline(5);
  config.model.ensemble = 3;
  config.training.refit = Toggle::on;
  config.data.horizon = 3;
  FitOptions options;
  int asked = 0;
  // Member 1 runs its 5 epochs; the interrupt comes in member 2's second (one thread: in turn).
  options.keep_going = [&] { return ++asked < 7; };
  const FitOutcome stopped = fit(config, options);
  CHECK(asked == 7);  // asked after every epoch of every member, and member 3 never started
  CHECK(stopped.members_left_out == 1);
  CHECK(stopped.checkpoint.config.model.ensemble == 2);
  CHECK(stopped.checkpoint.more_members.size() == 1);
  CHECK(stopped.checkpoint.history.size() == 5);
  CHECK(stopped.refit_epochs == 0);  // no refit after an interrupt
  CHECK(stopped.checkpoint.config.training.refit == Toggle::off);
  CHECK(stopped.checkpoint.optimizer_state.is_null());  // not the run asked for: train cannot resume it as one
  // What is kept loads and forecasts as any checkpoint does.
  const Checkpoint loaded = checkpoint_from_json(nlohmann::json::parse(checkpoint_text(stopped.checkpoint)), "c.json");
  CHECK(forecast(loaded, tail_history(loaded), 3).values.allFinite());
}

TEST_CASE("Theta takes its share of a combination the model is in, fitted again on every row by the refit", "[fit]") {
  // A trend with a zig-zag and no season: the model takes part, so Theta gets training.theta_weight.
  test::TempDir dir;
  std::string text = "value\n";
  MatrixD values(60, 1);
  for (int t = 0; t < 60; ++t) {
    values(t, 0) = 100 + 2 * t + (t * 7 % 5);
    text += std::to_string(static_cast<int>(values(t, 0))) + "\n";
  }
  Config config = combined(dir.write("trend.csv", text), 3, 6, Normalise::last, {8}, 40);
  config.training.lr = 1e-2;
  config.training.refit = Toggle::on;
  const Checkpoint checkpoint = fit(config).checkpoint;
  REQUIRE(checkpoint.combination.weights.size() == 1);
  const auto& w = checkpoint.combination.weights.front();
  REQUIRE(w[0] > 0);
  CHECK(w[3] == Approx(0.1));
  CHECK(w[0] + w[1] + w[2] == Approx(0.9));
  CHECK(w[1] == 0);  // no season: no seasonal naive candidate
  CHECK(std::isfinite(checkpoint.combination.validation_mae.front()[3]));
  REQUIRE(checkpoint.combination.theta.size() == 1);
  const Theta every_row = Theta::fit(values, 0, 60);
  CHECK(checkpoint.combination.theta[0].rows == 60);
  CHECK(checkpoint.combination.theta[0].alpha == every_row.alpha);
  CHECK(checkpoint.combination.theta[0].drift == every_row.drift);
  // The forecast from the data tail is the weighted sum, Theta read off the tail's window.
  const History tail = tail_history(checkpoint);
  Checkpoint model_alone = checkpoint;
  model_alone.combination = {};
  const MatrixD alone = predict_at(model_alone, tail.values, tail.phase, {6}, 3);
  const MatrixD theta = theta_at(checkpoint, checkpoint.combination.theta, tail.values, tail.phase, {6}, 3);
  const Forecast f = forecast(checkpoint, tail, 3, 1);
  for (long h = 0; h < 3; ++h)
    CHECK(f.values(h, 0) == Approx(w[0] * alone(0, h) + w[2] * values(59, 0) +
                                   w[3] * theta(0, h)));

  SECTION("theta_weight 0: none, though its validation error is still measured") {
    config.training.theta_weight = 0;
    const Checkpoint without = fit(config).checkpoint;
    CHECK(without.combination.weights.front()[3] == 0);
    CHECK(std::isfinite(without.combination.validation_mae.front()[3]));
  }
}

TEST_CASE("Theta takes no share where the rows show a season the model does not divide out", "[fit]") {
  // A strong season around a level, the windows normalised by it but the values not adjusted (as
  // the recipe leaves a series that reaches 0 or below).
  test::TempDir dir;
  std::string text = "date,value\n";
  for (int t = 0; t < 96; ++t)
    text += year_month(2001, t) + "," +
            std::to_string(50 + 20 * std::sin(6.283185307179586 * t / 12) + ((t * 37 + 11) % 13 - 6)) + "\n";
  Config config = combined(dir.write("season.csv", text), 6, 24, Normalise::season, {8}, 40);
  config.data.time_column = "date";
  config.data.season = 12;
  config.data.seasonal_adjust = SeasonalAdjust::none;
  config.training.lr = 1e-2;
  const Checkpoint checkpoint = fit(config).checkpoint;
  REQUIRE(checkpoint.config.data.season == 12);
  REQUIRE(checkpoint.combination.weights.size() == 1);
  const auto& mae = checkpoint.combination.validation_mae.front();
  INFO("validation MAE " << mae[0] << " / " << mae[1] << " / " << mae[2] << " / " << mae[3]);
  REQUIRE(checkpoint.combination.weights.front()[0] > 0);  // the model takes part, yet Theta does not
  CHECK(checkpoint.combination.weights.front()[3] == 0);
  CHECK(std::isfinite(checkpoint.combination.validation_mae.front()[3]));
}

TEST_CASE("an exactly periodic series, adjusted to a constant, forecasts from its own history", "[fit]") {
  // Days in each month: divided by its seasonal indices the series is one value to 1e-14, the
  // scaler's whole range; the history must be compared with that range adjusted too (a review's
  // case: train wrote the checkpoint and predict refused its own training file).
  test::TempDir dir;
  std::string text = "date,value\n";
  const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  for (int t = 0; t < 96; ++t)
    text += year_month(2001, t) + "," +
            std::to_string(days[t % 12]) + "\n";
  Config config = combined(dir.write("days.csv", text), 12, 12, Normalise::season, {4}, 2);
  config.data.time_column = "date";
  config.data.season = 12;
  config.data.seasonal_adjust = SeasonalAdjust::multiplicative;
  const Checkpoint checkpoint = fit(config).checkpoint;
  REQUIRE_FALSE(checkpoint.seasonal.empty());
  const Forecast f = forecast(checkpoint, tail_history(checkpoint), 12, 1);
  for (int h = 0; h < 12; ++h) CHECK(f.values(h, 0) == Approx(days[h]).epsilon(1e-6));
  const History file = read_history(checkpoint, dir.file("days.csv"));
  CHECK_NOTHROW(forecast(checkpoint, file, 12, 1));
}

TEST_CASE("Theta takes no share where it validated three times worse than the model", "[fit]") {
  // A clean line: the model follows its slope, Theta's half slope falls behind (a review's case:
  // a tenth of Theta bent a slope of 2 to 1.9).
  test::TempDir dir;
  std::string text = "value\n";
  for (int t = 0; t < 60; ++t) text += std::to_string(10 + 2 * t) + "\n";
  Config config = combined(dir.write("line.csv", text), 3, 6, Normalise::last, {8}, 40);
  config.training.lr = 1e-2;
  const Checkpoint checkpoint = fit(config).checkpoint;
  REQUIRE(checkpoint.combination.weights.size() == 1);
  const auto& mae = checkpoint.combination.validation_mae.front();
  INFO("validation MAE " << mae[0] << " / " << mae[1] << " / " << mae[2] << " / " << mae[3]);
  REQUIRE(checkpoint.combination.weights.front()[0] > 0);
  REQUIRE(mae[3] > 3 * mae[0]);
  CHECK(checkpoint.combination.weights.front()[3] == 0);
}

TEST_CASE("the checkpoint does not depend on the thread count: ensemble members and the validation forecasts alike",
          "[fit]") {
  // Members train on one thread each; the validation windows that choose the combination and
  // calibrate the intervals are forecast in batches fixed by the checkpoint, whatever the threads
  // (a batch split over threads changes the GEMMs' shapes, and with them the last bits).
  test::TempDir dir;
  std::string text = "value\n";
  for (int t = 0; t < 150; ++t) text += std::to_string(100 + t + 20 * std::sin(t * 0.5236) + (t * 37 % 13)) + "\n";
  Config config = combined(dir.write("s.csv", text), 6, 12, Normalise::last, {8}, 3);
  config.model.ensemble = 3;
  config.data.val_fraction = 0.3;  // 40 validation windows
  const auto written = [&](int threads) {
    config.training.threads = threads;
    Checkpoint checkpoint = fit(config).checkpoint;
    REQUIRE(checkpoint.intervals.abs_residual.size() > 0);
    checkpoint.config.training.threads = 0;  // the one key that says how it ran
    return checkpoint_text(checkpoint);
  };
  const std::string one = written(1);
  CHECK(written(3) == one);
  CHECK(written(7) == one);
}

// Calibration, validation errors and the combination rule on inputs whose answers are known by hand.
namespace {
// 40 rows, the small history's pattern continued.
MatrixD forty_rows() {
  MatrixD v(40, 1);
  for (int t = 0; t < 40; ++t) v(t, 0) = 50 + 2 * t + 10 * (t % 4) + ((t * 7) % 5);
  return v;
}
// The naive forecast alone (combination fixed, not chosen): its residuals are known by hand.
Checkpoint naive_checkpoint(const MatrixD& values) {
  Checkpoint checkpoint = small_checkpoint(values);
  checkpoint.config.training.combine = Toggle::off;
  checkpoint.combination.weights = {{0.0, 0.0, 1.0, 0.0}};
  checkpoint.combination.validation_mae = {{1.0, 1.0, 1.0, 1.0}};
  return checkpoint;
}
// The k-th smallest (1-based) of `r`.
double kth(std::vector<double> r, long k) {
  std::sort(r.begin(), r.end());
  return r[static_cast<size_t>(k - 1)];
}
}  // namespace

TEST_CASE("interval quantiles take the conformal rank, widen above 80% and pool steps over few windows", "[fit]") {
  const MatrixD v = forty_rows();
  const auto residuals = [&](long begin, long end, long step) {
    std::vector<double> r;
    for (long o = begin; o + 2 <= end; ++o) r.push_back(std::abs(v(o + step, 0) - v(o - 1, 0)));
    return r;
  };
  SECTION("ten windows: each step its own residuals") {
    Checkpoint checkpoint = naive_checkpoint(v);
    calibrate_on_validation(checkpoint, v, 29, 40, 1);  // origins 29..38
    REQUIRE(checkpoint.intervals.windows == 10);
    for (long h = 0; h < 2; ++h) {
      const std::vector<double> r = residuals(29, 40, h);
      // 80%: ceil(11 * 0.8) = 9th smallest, not widened.
      CHECK(checkpoint.intervals.abs_residual(h, 80 - 50) == Approx(kth(r, 9)));
      // 90%: ceil(11 * 0.9) = 10th (the largest), widened by 1 + 0.3 (z.95 - z.90) / (z.975 - z.90)
      // with the normal quantiles 1.2815516, 1.6448536, 1.9599640.
      const double widen = 1 + 0.3 * (1.6448536 - 1.2815516) / (1.9599640 - 1.2815516);
      CHECK(checkpoint.intervals.abs_residual(h, 90 - 50) == Approx(kth(r, 10) * widen).epsilon(1e-6));
    }
  }
  SECTION("five windows: every step's residuals pooled, step j's scaled by sqrt((h + 1) / (j + 1))") {
    Checkpoint checkpoint = naive_checkpoint(v);
    calibrate_on_validation(checkpoint, v, 34, 40, 1);  // origins 34..38
    REQUIRE(checkpoint.intervals.windows == 5);
    for (long h = 0; h < 2; ++h) {
      std::vector<double> pooled = residuals(34, 40, h);
      for (const double e : residuals(34, 40, 1 - h)) pooled.push_back(e * std::sqrt((h + 1.0) / (2.0 - h)));
      // 50%: a (w + 1) / w = 0.6 of 10 pooled residuals: the 6th smallest (step 2: 19.80, where its
      // own five give 23).
      CHECK(checkpoint.intervals.abs_residual(h, 50 - 50) == Approx(kth(pooled, 6)));
    }
  }
}

TEST_CASE("calibration's one LSTM pass gives what choose_combination and predict_at give apart", "[fit]") {
  const MatrixD v = forty_rows();
  Checkpoint checkpoint = small_checkpoint(v);
  checkpoint.config.data.look_back = 4;
  checkpoint.config.data.season = 4;
  const std::vector<long> origins = validation_origins(4, 2, 29, 40);
  REQUIRE(origins.size() == 10);
  SECTION("the combination chosen, the errors of the forecast it makes") {
    checkpoint.config.training.combine = Toggle::on;
    const Combination chosen = choose_combination(checkpoint, v, 29, 40, 1);
    Checkpoint calibrated = checkpoint;
    const HoldoutErrors errors = calibrate_on_validation(calibrated, v, 29, 40, 1);
    CHECK(calibrated.combination.weights == chosen.weights);
    CHECK(calibrated.combination.validation_mae == chosen.validation_mae);
    const MatrixD predicted = predict_at(calibrated, v, 0, origins, 2, 1);
    double sum = 0;
    for (size_t o = 0; o < origins.size(); ++o)
      for (long h = 0; h < 2; ++h) sum += std::abs(v(origins[o] + h, 0) - predicted(static_cast<long>(o), h));
    CHECK(errors.mae == Approx(sum / 20).epsilon(1e-12));
  }
  SECTION("predict_at is combined_at of model_at, bit for bit, rolled past the horizon too") {
    checkpoint.combination.theta = fit_theta(checkpoint.seasonal, v, 29, 1);
    REQUIRE(checkpoint.combination.theta.size() == 1);
    checkpoint.combination.weights = {{0.4, 0.25, 0.2, 0.15}};
    checkpoint.combination.validation_mae = {{1.0, 1.0, 1.0, 1.0}};
    for (const int horizon : {2, 5}) {
      const MatrixD model = model_at(checkpoint, v, 0, origins, horizon, 1);
      const MatrixD whole = predict_at(checkpoint, v, 0, origins, horizon, 1);
      CHECK((combined_at(checkpoint, v, 0, origins, model).array() == whole.array()).all());
      CHECK_FALSE((model.array() == whole.array()).all());
    }
  }
}

TEST_CASE("the seasonal naive validation error reads the last season, past m steps too", "[fit]") {
  MatrixD v(30, 1);
  for (int t = 0; t < 30; ++t) v(t, 0) = 100 + 10 * (t % 2) + t;  // season 2 on a trend of 1 per row
  Checkpoint checkpoint = small_checkpoint(v);
  checkpoint.config.data.horizon = 4;
  checkpoint.config.data.season = 2;
  checkpoint.config.training.theta_weight = 0;
  Model<float> model(1, 4, checkpoint.config.model);
  Rng rng(11);
  model.init(rng);
  checkpoint.model = model;
  const Combination c = choose_combination(checkpoint, v, 20, 30, 1);
  // Step h (0-based) reads row o - 2 + h % 2: off by the trend over h + 2 - h % 2 rows: 2, 2, 4, 4.
  CHECK(c.validation_mae[0][1] == Approx(3.0));
}

namespace {
// A model whose every LSTM output is 0, so its head gives `bias` (scaled units): with the last value
// as reference (normalise last), its forecast is the naive one plus bias times the scaler's range.
Checkpoint offset_checkpoint(const MatrixD& values, double offset) {
  Checkpoint checkpoint = small_checkpoint(values);  // scaler on rows 0..15: range 15
  checkpoint.config.data.horizon = 1;
  checkpoint.config.data.normalise = Normalise::last;
  checkpoint.config.training.theta_weight = 0;
  Model<float> model(1, 1, checkpoint.config.model);
  model.parameters().setZero();
  model.parameters()(model.parameter_count() - 1) = static_cast<float>(offset / 15);
  checkpoint.model = model;
  return checkpoint;
}
}  // namespace

TEST_CASE("a baseline within 10% of the model shares the forecast, one at half its error forecasts alone", "[fit]") {
  MatrixD v(30, 1);
  for (int t = 0; t < 30; ++t) v(t, 0) = 100 + t;  // naive misses every step by 1
  const auto weights = [&](double model_error) {    // the model misses by |1 - offset|
    return choose_combination(offset_checkpoint(v, 1 - model_error), v, 20, 30, 1).weights.at(0);
  };
  using W = std::array<double, 4>;
  CHECK(weights(1 / 1.05) == W{0.5, 0.0, 0.5, 0.0});  // naive 5% worse: shares
  CHECK(weights(1 / 1.15) == W{1.0, 0.0, 0.0, 0.0});  // 15% worse: model alone
  CHECK(weights(1 / 0.47) == W{0.0, 0.0, 1.0, 0.0});  // naive's error 0.47 of the model's: alone
  CHECK(weights(1 / 0.55) == W{0.5, 0.0, 0.5, 0.0});
}

TEST_CASE("seasonal indices are estimated on the training rows alone, not the validation tail", "[fit]") {
  // Two files that differ only in the validation tail (the last 10 of 96 rows): the first run's
  // indices, stored when there is no refit, must be the same (a mutant that estimated them on the
  // validation rows too was caught only by message tests).
  test::TempDir dir;
  const double season[12] = {0.8, 0.85, 0.9, 1.0, 1.1, 1.3, 1.4, 1.2, 1.0, 0.9, 0.8, 0.75};
  const auto file = [&](double tail_factor) {
    std::string text = "date,value\n";
    for (int t = 0; t < 96; ++t) {
      const double v = (100 + t) * season[t % 12] * (t >= 86 ? tail_factor : 1.0);
      text += year_month(2001, t) + "," +
              std::to_string(v) + "\n";
    }
    return text;
  };
  const auto indices = [&](const std::string& name, double tail_factor) {
    Config config = combined(dir.write(name, file(tail_factor)), 6, 12, Normalise::season, {4}, 2);
    config.data.time_column = "date";
    config.data.season = 12;
    config.data.val_fraction = 0.1;
    config.data.seasonal_adjust = SeasonalAdjust::multiplicative;
    const Checkpoint checkpoint = fit(config).checkpoint;
    REQUIRE_FALSE(checkpoint.seasonal.empty());
    return checkpoint.seasonal.factors();
  };
  const auto plain = indices("a.csv", 1.0), changed = indices("b.csv", 3.0);
  CHECK(plain == changed);
}

TEST_CASE("the combination's Theta is fitted on the rows before the validation windows alone", "[fit]") {
  // Values that differ only from row `begin` on: the Theta fitted to choose the combination must
  // be the same (a mutant that fitted it on the validation rows too was caught only by chance).
  MatrixD v(40, 1), shifted(40, 1);
  for (int t = 0; t < 40; ++t) {
    v(t, 0) = 50 + 2 * t + 10 * (t % 4) + ((t * 7) % 5);
    shifted(t, 0) = t >= 29 ? v(t, 0) * 3 + 40 : v(t, 0);
  }
  Checkpoint checkpoint = small_checkpoint(v);
  checkpoint.config.training.theta_weight = 0.1;
  const Combination a = choose_combination(checkpoint, v, 29, 40, 1);
  const Combination b = choose_combination(checkpoint, shifted, 29, 40, 1);
  REQUIRE(a.theta.size() == 1);
  REQUIRE(b.theta.size() == 1);
  CHECK(a.theta[0].alpha == b.theta[0].alpha);
  CHECK(a.theta[0].drift == b.theta[0].drift);
  CHECK(a.theta[0].rows == 29);
  CHECK(b.theta[0].rows == 29);
}

TEST_CASE("calibration forecasts from every validation origin unless that would take far longer than training", "[fit]") {
  // 6,000 origins of 54 steps: 3.2e5, within the 8e6 budget; targets in rows [54000, 60000).
  std::vector<long> origins = validation_origins(48, 6, 54000, 60000);
  REQUIRE(origins.size() == 5995);
  CHECK(origins.front() == 54000);
  CHECK(origins.back() == 60000 - 6);
  CHECK(std::adjacent_find(origins.begin(), origins.end(), [](long a, long b) { return b != a + 1; }) == origins.end());
  // No origin before the look-back's first: rows [0, 48) cannot be forecast from.
  origins = validation_origins(48, 6, 0, 60);
  CHECK(origins == std::vector<long>{48, 49, 50, 51, 52, 53, 54});
  CHECK(validation_origins(48, 6, 0, 53).empty());

  // A look-back of 100,000 over 20,000 origins: 2e9 steps, thinned to 8e6 / 100005 = 79 windows
  // at most, one in ceil(20000 / 79) = 254, counted back from the last, which is kept.
  origins = validation_origins(100000, 5, 180000, 200004);
  const long every = 254;
  CHECK(origins.size() == 79);
  CHECK(origins.back() == 200004 - 5);
  CHECK(origins.front() >= 180000);
  CHECK(origins.front() - every < 180000);
  CHECK(static_cast<double>(origins.size()) * 100005 <= 8e6);
  for (size_t i = 1; i < origins.size(); ++i) CHECK(origins[i] - origins[i - 1] == every);

  // However long the look-back, 10 windows stay where the tail has them.
  origins = validation_origins(100000000, 5, 100000000, 100000104);
  CHECK(origins.size() == 10);
  CHECK(origins.back() == 100000104 - 5);
  origins = validation_origins(100000000, 5, 100000000, 100000010);
  CHECK(origins.size() == 6);  // fewer than 10 in the tail: every one

  // Thinned like training's windows by the stride, but never below 1000 windows; the budget's
  // thinning where it is coarser.
  bool by_budget = true;
  CHECK(validation_origins(48, 6, 54000, 60000, 2, &by_budget).size() == 2998);  // 5995 at stride 2
  CHECK(!by_budget);
  origins = validation_origins(48, 6, 54000, 60000, 1000, &by_budget);
  CHECK(origins.size() == 1199);  // one in 5 (5995 / 1000, rounded down: 1000 at least), not 6 windows at stride 1000
  CHECK(origins.back() == 60000 - 6);
  CHECK(origins[1] - origins[0] == 5);
  CHECK(!by_budget);
  CHECK(validation_origins(48, 6, 59000, 60000, 1000).size() == 995);  // under 1000: every one
  origins = validation_origins(100000, 5, 180000, 200004, 10000, &by_budget);
  CHECK(origins.size() == 79);  // the budget's one in 254, coarser than the stride's one in 20
  CHECK(by_budget);
}
