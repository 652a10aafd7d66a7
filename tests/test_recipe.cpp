// The default recipe: what train chooses when look-back, epochs, normalisation and ensemble are left
// to the data.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <tuple>
#include <vector>

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "lstmf/error.hpp"
#include "lstmf/random.hpp"
#include "lstmf/recipe.hpp"
#include "lstmf/windows.hpp"

using namespace lstmf;

namespace {
Series monthly(long rows) {
  Series series;
  series.columns = {"y"};
  series.n_targets = 1;
  series.values.resize(rows, 1);
  for (long r = 0; r < rows; ++r) series.values(r, 0) = 100 + r + 10 * ((r % 12) < 6 ? 1 : -1);
  series.time.frequency = {Frequency::Unit::months, 1};
  return series;
}
}  // namespace

TEST_CASE("a look-back given shorter than the data's season is said to meet the data's season", "[recipe]") {
  Config requested;
  requested.data.normalise = Normalise::season;
  requested.data.look_back = 3;
  const Config resolved = resolve_recipe(requested, monthly(60));
  REQUIRE(resolved.data.season == 12);
  CHECK_THROWS_WITH(check_resolved(requested, resolved, "m.csv"),
                    "m.csv: data.normalise season needs data.look_back >= data.season (the seasonal naive reference lies in "
                    "the window), got look_back 3 and season 12 (the time column's period): give a look-back of 12 or more, "
                    "a season, or another normalisation");
  // A season given is check()'s to refuse, as given; a look-back long enough passes.
  Config given = requested;
  given.data.season = 12;
  CHECK_THROWS_WITH(check_resolved(given, given, "m.csv"), Catch::StartsWith("m.csv: data.normalise season needs") &&
                                                                 Catch::EndsWith("got look_back 3 and season 12"));
  requested.data.look_back = 12;
  CHECK_NOTHROW(check_resolved(requested, resolve_recipe(requested, monthly(60)), "m.csv"));
}

TEST_CASE("the recipe picks a seasonal, direct, validated ensemble for a long enough monthly series", "[recipe]") {
  Config config;
  config.data.horizon = 18;
  const Config r = resolve_recipe(config, monthly(126));
  CHECK(r.data.normalise == Normalise::season);
  CHECK(r.data.season == 12);
  CHECK(r.data.look_back == 24);
  CHECK(r.data.horizon == 18);
  CHECK(std::lround(126 * r.data.val_fraction) == 36);  // the validation tail holds two horizons
  CHECK(r.training.combine == Toggle::on);
  CHECK(r.training.epochs == 300);
  CHECK(r.training.loss == LossKind::huber);
  CHECK(r.training.refit == Toggle::on);
  CHECK(r.model.ensemble == 5);
  CHECK(r.data.scale_max > 1);  // one seasonal change maps to about 1
  CHECK(validate(r).empty());
}

// Found by fuzzing: the search stepped every horizon's look-back down, so --horizon 100000 on a
// 10-row file took 30 s (horizons squared); a horizon beyond the series ends where a longer one does.
TEST_CASE("a horizon far beyond the series resolves as one just beyond it does", "[recipe]") {
  for (const long rows : {10L, 126L}) {
    Config near, far;
    near.data.horizon = static_cast<int>(rows) + 5;
    far.data.horizon = 100000;
    const Config a = resolve_recipe(near, monthly(rows));
    const Config b = resolve_recipe(far, monthly(rows));
    INFO(rows);
    CHECK(b.data.horizon == a.data.horizon);
    CHECK(b.data.look_back == a.data.look_back);
    CHECK(b.data.val_fraction == a.data.val_fraction);
    CHECK(b.data.normalise == a.data.normalise);
    CHECK(b.data.horizon < rows);
  }
}

TEST_CASE("a seasonal series too short for a window of a season is left to seasonal naive", "[recipe]") {
  // 18 months, an 18-month horizon: no window holds a season, but the rows show one (their lag-12
  // changes are well below the short-lag ones), so the forecast is seasonal naive's (fit.cpp
  // combination 0 / 1 / 0), which needs a look-back of m for the checkpoint's data tail.
  const auto seasonal = [](long rows) {
    Series series = monthly(rows);
    for (long t = 0; t < rows; ++t) series.values(t, 0) = 100 + 0.5 * t + 30 * std::sin(6.283185307179586 * t / 12);
    return series;
  };
  Config config;
  config.data.horizon = 18;
  const Config r = resolve_recipe(config, seasonal(18));
  CHECK(r.data.normalise == Normalise::last);
  CHECK(r.data.look_back == 12);
  CHECK(r.data.horizon == 1);  // predict rolls forward beyond it; the combination reads the history
  CHECK(r.data.look_back + r.data.horizon + std::lround(18 * r.data.val_fraction) <= 18);
  CHECK(r.training.combine == Toggle::on);
  CHECK(short_series_fallback(config, r, seasonal(18)) == ShortSeries::seasonal_naive);
  CHECK(validate(r).empty());

  // Fewer rows than m + m / 2 (18): too few lag-12 pairs to test, so the season of monthly data
  // is taken as given while a window of 12 rows fits (README round 15), whatever the rows hold.
  for (const long rows : {17L, 14L}) {
    INFO(rows << " rows");
    Series flat = seasonal(rows);
    for (long t = 0; t < rows; ++t) flat.values(t, 0) = 100 + ((t * 7) % 5);
    for (const Series& s : {seasonal(rows), flat}) {
      const Config shorter = resolve_recipe(config, s);
      CHECK(shorter.data.look_back == 12);
      CHECK(shorter.data.horizon == 1);
      CHECK(short_series_fallback(config, shorter, s) == ShortSeries::seasonal_naive);
      CHECK(validate(shorter).empty());
    }
  }
  // Weekly (m = 52): 60 rows are fewer than the test needs (78), but enough for the model to learn
  // from: the season is not taken as given.
  Series weekly = seasonal(60);
  weekly.time.frequency = {Frequency::Unit::seconds, 7 * 86400};
  const Config w = resolve_recipe(config, weekly);
  CHECK(w.data.season == 52);
  CHECK(short_series_fallback(config, w, weekly) == ShortSeries::none);
  // 13 rows hold no window of 12 (one validation row, one target): naive and Theta forecast.
  const Config thirteen = resolve_recipe(config, seasonal(13));
  CHECK(thirteen.data.look_back < 12);
  CHECK(short_series_fallback(config, thirteen, seasonal(13)) == ShortSeries::naive_theta);

  // A trend without a season (shampoo-like: lag-12 changes larger than the short-lag ones).
  Series trend = seasonal(18);
  for (long t = 0; t < 18; ++t) trend.values(t, 0) = 100 + 8.0 * t + ((t * 7) % 5) * 6.0;
  const Config trending = resolve_recipe(config, trend);
  CHECK(trending.data.look_back < 12);
  CHECK(short_series_fallback(config, trending, trend) != ShortSeries::seasonal_naive);

  // Two targets (the test reads the first only) or a feature column: the model rolls forward.
  for (const int targets : {1, 2}) {
    Series wide = seasonal(18);
    wide.columns = {"y", "x"};
    wide.n_targets = targets;
    wide.values.conservativeResize(18, 2);
    for (long t = 0; t < 18; ++t) wide.values(t, 1) = 5.0 * t;
    Config c = config;
    const Config w = resolve_recipe(c, wide);
    CHECK(w.data.look_back < 12);
    CHECK(short_series_fallback(c, w, wide) != ShortSeries::seasonal_naive);
  }

  // Only the recipe's own choices fall back: an explicit normalisation, look-back or epoch count
  // is the user's model.
  Config normalised = config;
  normalised.data.normalise = Normalise::last;
  CHECK(short_series_fallback(normalised, resolve_recipe(normalised, seasonal(18)), seasonal(18)) == ShortSeries::none);
  Config epochs = config;
  epochs.training.epochs = 50;
  const Config e = resolve_recipe(epochs, seasonal(18));
  CHECK(e.data.look_back < 12);
  CHECK(short_series_fallback(epochs, e, seasonal(18)) != ShortSeries::seasonal_naive);
  // --combine false switches the combination, and with it the fallback, off.
  Config alone = config;
  alone.training.combine = Toggle::off;
  const Config a = resolve_recipe(alone, seasonal(18));
  CHECK(a.data.look_back < 12);
  CHECK(a.training.combine == Toggle::off);
  CHECK(short_series_fallback(alone, a, seasonal(18)) != ShortSeries::seasonal_naive);
}

TEST_CASE("a level series whose windows are shorter than its season shown is left to seasonal naive", "[recipe]") {
  // Weekly rows, a yearly season (m = 52) about one level: min-max, and a look-back of 41 or so
  // for 80 rows, so no window holds the season, which the model never saw (a hunt: 4 to 6 times
  // seasonal naive's error, without a word). The rows show it, so seasonal naive forecasts.
  const auto weekly = [](long rows, double amplitude) {
    Series series = monthly(rows);
    series.time.frequency = {Frequency::Unit::seconds, 7 * 86400};
    for (long t = 0; t < rows; ++t)
      series.values(t, 0) = 100 + amplitude * std::sin(6.283185307179586 * t / 52) + 0.5 * ((t * 7) % 5);
    return series;
  };
  Config config;
  config.data.horizon = 13;
  const Series seasonal = weekly(80, 10);
  const Config r = resolve_recipe(config, seasonal);
  CHECK(r.data.season == 52);
  CHECK(r.data.normalise == Normalise::last);  // as a series with no window of its season
  CHECK(r.data.look_back == 52);
  CHECK(r.data.horizon == 1);
  CHECK(short_series_fallback(config, r, seasonal) == ShortSeries::seasonal_naive);
  CHECK(validate(r).empty());

  // The same rows without the season: the model, min-max, as before.
  const Series level = weekly(80, 0);
  const Config l = resolve_recipe(config, level);
  CHECK(l.data.normalise == Normalise::minmax);
  CHECK(l.data.look_back < 52);
  CHECK(short_series_fallback(config, l, level) == ShortSeries::none);
  // Fewer rows than the test needs (78): a level series' season is never taken as given.
  const Series shorter = weekly(76, 10);
  const Config s = resolve_recipe(config, shorter);
  CHECK(s.data.normalise == Normalise::minmax);
  CHECK(s.data.look_back < 52);
  CHECK(short_series_fallback(config, s, shorter) == ShortSeries::none);
}

TEST_CASE("a validation fraction given is kept, and 0 turns refit and combination off", "[recipe]") {
  Config config;
  config.data.horizon = 18;
  config.data.val_fraction = 0;
  const Config none = resolve_recipe(config, monthly(126));
  CHECK(none.data.val_fraction == 0);
  CHECK(none.training.refit == Toggle::off);
  CHECK(none.training.combine == Toggle::off);
  config.data.val_fraction = 0.25;
  const Config quarter = resolve_recipe(config, monthly(126));
  CHECK(quarter.data.val_fraction == 0.25);
  CHECK(quarter.training.combine == Toggle::on);
  // The look-back and horizon are chosen for the tail given: 25 training rows of 100 still hold
  // windows (the recipe's own 10% tail would have allowed a look-back and horizon of 14).
  config.data.horizon = 14;
  config.data.val_fraction = 0.75;
  const Config most = resolve_recipe(config, monthly(100));
  CHECK(most.data.val_fraction == 0.75);
  CHECK(most.data.look_back + most.data.horizon <= 25);
  // The default's value, 0.1, is the recipe's to size unless a flag or file gives it.
  Config fraction;
  fraction.data.horizon = 18;
  CHECK(resolve_recipe(fraction, monthly(126)).data.val_fraction == Approx(36.0 / 126));  // 2H rows
  set_from_text(fraction, *find_option("data.val_fraction"), "0.1");
  CHECK(resolve_recipe(fraction, monthly(126)).data.val_fraction == 0.1);
}

TEST_CASE("refit and combine given as true or false are kept, and auto is the recipe choice", "[recipe]") {
  Config config;
  config.data.horizon = 18;
  for (const Toggle given : {Toggle::off, Toggle::on}) {
    Config c = config;
    c.training.refit = given;
    c.training.combine = given;
    const Config r = resolve_recipe(c, monthly(126));
    CHECK(r.training.epochs == 300);  // the epochs are still the recipe's
    CHECK(r.training.refit == given);
    CHECK(r.training.combine == given);
  }
  // With explicit epochs, auto resolves to off, and an explicit true is kept.
  config.training.epochs = 20;
  CHECK(resolve_recipe(config, monthly(126)).training.combine == Toggle::off);
  config.training.combine = Toggle::on;
  CHECK(resolve_recipe(config, monthly(126)).training.combine == Toggle::on);
}

TEST_CASE("the recipe shortens the horizon for a very short series without a clear season", "[recipe]") {
  // monthly(): a trend of 1 a month against a season of +-10; on 18 rows its lag-12 changes are
  // not clearly below the short-lag ones, so the model rolls a short horizon forward.
  Config config;
  config.data.horizon = 18;
  const Config r = resolve_recipe(config, monthly(18));
  CHECK(r.data.normalise == Normalise::last);
  CHECK(r.data.horizon < 18);  // predict rolls forward beyond it
  CHECK(r.data.look_back >= 1);
  CHECK(r.data.look_back + r.data.horizon + std::lround(18 * r.data.val_fraction) <= 18);
  CHECK(short_series_fallback(config, r, monthly(18)) != ShortSeries::seasonal_naive);
}

TEST_CASE("a normalisation or scale range given is kept where the recipe would choose another", "[recipe]") {
  // The recipe stretches the min-max range so one seasonal change is about 1; a range given stays.
  Config stretched;
  stretched.data.horizon = 3;
  CHECK(resolve_recipe(stretched, monthly(120)).data.scale_max > 1);
  Config given = stretched;
  given.data.scale_min = -1;
  given.data.scale_max = 1;
  Config r = resolve_recipe(given, monthly(120));
  CHECK(r.data.scale_min == -1);
  CHECK(r.data.scale_max == 1);
  Config at_default = stretched;  // the table's [0, 1], given by a file or flag
  at_default.given.insert("data.scale_max");
  r = resolve_recipe(at_default, monthly(120));
  CHECK(r.data.scale_min == 0);
  CHECK(r.data.scale_max == 1);
  // `season` asked for on a series too short for 8 windows of a season: kept with a window of a
  // season while one fits (18 months), else refused (13), where the recipe's own choice falls back
  // to `last`.
  Config season;
  season.data.horizon = 18;
  season.data.normalise = Normalise::season;
  r = resolve_recipe(season, monthly(18));
  CHECK(r.data.normalise == Normalise::season);
  CHECK(r.data.look_back == 12);
  CHECK_NOTHROW(check(r, "f.csv"));
  CHECK_THROWS_WITH(resolve_recipe(season, monthly(13)),
                    Catch::Contains("data.normalise season needs a window of a whole season (data.season 12 rows)") &&
                        Catch::Contains("13 rows are too few") && Catch::Contains("leave data.normalise to the recipe"));
  season.data.normalise = Normalise::automatic;
  CHECK(resolve_recipe(season, monthly(18)).data.normalise == Normalise::last);
}

TEST_CASE("a short seasonal series keeps a whole season in every window, with fewer windows", "[recipe]") {
  // 2.5 to 3.5 years of months: too short for 16 windows of a season, long enough for 8 (the
  // seasonal naive reference is what such a series needs most; README "The default recipe").
  for (const long rows : {30L, 36L, 42L}) {
    Config config;
    config.data.horizon = 18;
    const Config r = resolve_recipe(config, monthly(rows));
    INFO(rows << " rows");
    CHECK(r.data.normalise == Normalise::season);
    CHECK(r.data.look_back >= 12);
    CHECK(r.data.horizon < 18);  // predict rolls forward beyond it
    const Split split = split_parts(rows, r.data.val_fraction, r.data.test_fraction, r.data.horizon);
    CHECK(split.train_end - r.data.look_back - r.data.horizon + 1 >= 8);
  }
  // A year and a half: no whole season in 8 windows.
  Config config;
  config.data.horizon = 18;
  CHECK(resolve_recipe(config, monthly(18)).data.normalise == Normalise::last);
}

TEST_CASE("a smooth season that the autocorrelation test misses on 2 to 3.5 years is kept", "[recipe]") {
  // A sine season on a trend: its differences' autocorrelations at lags 1..11 are large, which
  // widens the test's bound beyond r_12 (42 rows), or there are too few differences for the test
  // (24 rows); the seasonal naive forecast still fits the rows far better than the naive one.
  for (const long rows : {24L, 42L}) {
    Series smooth = monthly(rows);
    std::uint32_t state = 7;
    for (long r = 0; r < rows; ++r) {
      state = state * 1664525u + 1013904223u;
      const double noise = static_cast<double>(state >> 8) / static_cast<double>(1u << 24) - 0.5;
      smooth.values(r, 0) = (1000 + 4.0 * r) * (1 + 0.2 * std::sin(2 * 3.14159265 * r / 12.0)) + 40 * noise;
    }
    Config config;
    config.data.horizon = 18;
    INFO(rows << " rows");
    CHECK(resolve_recipe(config, smooth).data.normalise == Normalise::season);
  }
}

TEST_CASE("a long series with a long look-back thins its windows to bound the training cost", "[recipe]") {
  Series hourly;
  hourly.columns = {"y"};
  hourly.n_targets = 1;
  hourly.values.resize(5000, 1);
  for (long r = 0; r < 5000; ++r) hourly.values(r, 0) = 100 + 10 * std::sin(2 * 3.14159265 * r / 168.0) + (r % 7);
  hourly.time.frequency = {Frequency::Unit::seconds, 3600};
  Config config;
  config.data.horizon = 48;
  config.data.season = 168;
  const Config r = resolve_recipe(config, hourly);
  CHECK(r.data.look_back == 336);
  const Split split = split_parts(5000, r.data.val_fraction, r.data.test_fraction, r.data.horizon);
  const double windows = static_cast<double>(split.train_end - r.data.look_back - r.data.horizon + 1) / r.data.stride;
  CHECK(r.data.stride > 1);
  CHECK(r.data.look_back * windows * r.training.epochs <= 8.1e6);
  // A season of 24 keeps every window (beijing-pm25's shape), as does an explicit stride.
  config.data.season = 24;
  CHECK(resolve_recipe(config, hourly).data.stride == 1);
  config.data.season = 168;
  config.data.stride = 1 + 1;
  CHECK(resolve_recipe(config, hourly).data.stride == 2);
  // A stride of 1 given by a flag or a file (Config::given) is kept too.
  config.data.stride = 1;
  set_from_text(config, *find_option("data.stride"), "1");
  CHECK(resolve_recipe(config, hourly).data.stride == 1);
  config.given.clear();
  // With an explicit look-back the stride is the config's (1 by default, or given).
  config.data.look_back = 336;
  CHECK(resolve_recipe(config, hourly).data.stride == 1);
}

TEST_CASE("a loss, patience or lr_factor given at its table default is kept where the recipe chooses the epochs",
          "[recipe]") {
  Config config;
  config.data.horizon = 3;
  Config r = resolve_recipe(config, monthly(100));  // nothing given: the recipe's choices
  CHECK(r.training.loss == LossKind::huber);
  CHECK(r.training.patience == 20);
  CHECK(r.training.lr_factor == 0.5);
  // --loss mse --patience 10 --lr-factor 1: the table defaults, asked for.
  set_from_text(config, *find_option("training.loss"), "mse");
  set_from_text(config, *find_option("training.patience"), "10");
  set_from_text(config, *find_option("training.lr_factor"), "1");
  r = resolve_recipe(config, monthly(100));
  CHECK(r.training.loss == LossKind::mse);
  CHECK(r.training.patience == 10);
  CHECK(r.training.lr_factor == 1);
  // The same from a config file.
  Config from_file;
  from_file.data.horizon = 3;
  apply_json(from_file, nlohmann::json::parse(R"({"training": {"loss": "mse", "patience": 10}})"), "c.json");
  r = resolve_recipe(from_file, monthly(100));
  CHECK(r.training.loss == LossKind::mse);
  CHECK(r.training.patience == 10);
  CHECK(r.training.lr_factor == 0.5);
}

TEST_CASE("explicit settings are kept and data.season overrides the time column's period", "[recipe]") {
  Config config;
  config.data.look_back = 7;
  config.data.normalise = Normalise::minmax;
  config.data.season = 3;
  config.training.epochs = 4;
  config.model.ensemble = 1;
  const Config r = resolve_recipe(config, monthly(100));
  CHECK(r.data.look_back == 7);
  CHECK(r.data.normalise == Normalise::minmax);
  CHECK(r.data.season == 3);
  CHECK(r.data.val_fraction == 0.1);
  CHECK(r.training.epochs == 4);
  CHECK(r.training.loss == LossKind::mse);
  CHECK(r.training.refit == Toggle::off);
  CHECK(r.model.ensemble == 1);
  CHECK(r.data.scale_max == 1);
}

TEST_CASE("the recipe keeps the season only when the series' changes repeat with period m", "[recipe]") {
  // A random walk on monthly dates: its changes do not repeat every 12 months.
  Series walk = monthly(200);
  std::uint32_t state = 12345;
  double level = 100;
  for (long r = 0; r < 200; ++r) {
    state = state * 1664525u + 1013904223u;
    level += static_cast<double>(state >> 8) / static_cast<double>(1u << 24) - 0.5;
    walk.values(r, 0) = level;
  }
  Config config;
  config.data.horizon = 12;
  CHECK(resolve_recipe(config, walk).data.normalise == Normalise::last);
  CHECK(resolve_recipe(config, monthly(200)).data.normalise == Normalise::season);
}

TEST_CASE("with an explicit look-back the validation tail still holds one horizon", "[recipe]") {
  Config config;
  config.data.look_back = 13;
  config.data.horizon = 18;
  const Config r = resolve_recipe(config, monthly(126));  // 10% would be 13 rows, under H = 18
  CHECK(r.data.look_back == 13);
  CHECK(r.data.val_fraction == 0.1);  // kept; split_parts holds out max(13, 18) rows
  const Split split = split_parts(126, r.data.val_fraction, r.data.test_fraction, r.data.horizon);
  CHECK(split.val_end - split.train_end == 18);
}

TEST_CASE("the recipe leaves room for the test tail when it chooses the look-back", "[recipe]") {
  for (const auto& [rows, horizon, test] : {std::tuple<long, int, double>{50, 3, 0.5}, {30, 6, 0.3}, {126, 18, 0.2}}) {
    Config config;
    config.data.horizon = horizon;
    config.data.test_fraction = test;
    const Config r = resolve_recipe(config, monthly(rows));
    INFO(rows << " rows, horizon " << horizon << ", test_fraction " << test);
    Split split;
    REQUIRE_NOTHROW(split = split_rows(rows, r.data.val_fraction, r.data.test_fraction, r.data.look_back, r.data.horizon, "s"));
    CHECK(split.rows - split.val_end >= r.data.horizon);
    // As many training windows as the recipe aims for, when the rows allow them.
    if (rows >= 126) CHECK(split.train_end - r.data.look_back - r.data.horizon + 1 >= 16);
  }
}

TEST_CASE("the recipe adjusts a seasonal series for its season when two seasons train", "[recipe]") {
  Config config;
  config.data.horizon = 18;
  SECTION("multiplicative for a series > 0") {
    CHECK(resolve_recipe(config, monthly(126)).data.seasonal_adjust == SeasonalAdjust::multiplicative);
  }
  SECTION("none for a series that reaches 0 or below (additive indices lost to none: README round 6)") {
    Series series = monthly(126);
    series.values.array() -= 150;
    const Config r = resolve_recipe(config, series);
    CHECK(r.data.normalise == Normalise::season);
    CHECK(r.data.seasonal_adjust == SeasonalAdjust::none);
  }
  SECTION("none for a series that reaches 0 only in its validation tail (the refit sees every row)") {
    Series series = monthly(126);
    series.values(125, 0) = 0;
    CHECK(resolve_recipe(config, series).data.seasonal_adjust == SeasonalAdjust::none);
  }
  SECTION("none when the adjusted values would leave +-1e100 (a checkpoint cannot hold them)") {
    Series series = monthly(126);
    series.values *= 9e99 / series.values.col(0).maxCoeff();
    CHECK(resolve_recipe(config, series).data.seasonal_adjust == SeasonalAdjust::multiplicative);
    // The largest value where the season is low (index below 1): divided by it, beyond the bound.
    series.values(119, 0) = 9.9e99;
    CHECK(resolve_recipe(config, series).data.seasonal_adjust == SeasonalAdjust::none);
    series.values *= 0.5;  // half as large: the adjusted values stay within it
    CHECK(resolve_recipe(config, series).data.seasonal_adjust == SeasonalAdjust::multiplicative);
  }
  SECTION("none when fewer than two seasons are left for training") {
    const Config r = resolve_recipe(config, monthly(27));
    INFO("look-back " << r.data.look_back << ", horizon " << r.data.horizon << ", validation " << r.data.val_fraction);
    CHECK(r.data.normalise == Normalise::season);
    CHECK(r.data.seasonal_adjust == SeasonalAdjust::none);
  }
  SECTION("none without a season") {
    Series series = monthly(126);
    series.time.frequency = {Frequency::Unit::seconds, 86400};  // daily: m = 1 in the protocol's data
    config.data.season = 1;
    CHECK(resolve_recipe(config, series).data.seasonal_adjust == SeasonalAdjust::none);
  }
  SECTION("an explicit choice is kept") {
    config.data.seasonal_adjust = SeasonalAdjust::none;
    CHECK(resolve_recipe(config, monthly(126)).data.seasonal_adjust == SeasonalAdjust::none);
  }
}

TEST_CASE("the KPSS statistic matches a direct computation of its formula", "[recipe]") {
  // Values from the formula in NumPy (recipe.hpp kpss_level): 12 lags for 100 rows.
  MatrixD sine(100, 1), line(100, 1);
  for (long t = 0; t < 100; ++t) {
    sine(t, 0) = std::sin(static_cast<double>(t));
    line(t, 0) = static_cast<double>(t);
  }
  CHECK(kpss_level(sine, 100) == Approx(0.3852066651535107).epsilon(1e-12));
  CHECK(kpss_level(line, 100) == Approx(0.8830480469979368).epsilon(1e-12));
  CHECK(std::isnan(kpss_level(MatrixD::Constant(20, 1, 3.0), 20)));
}

TEST_CASE("a series that keeps to one level is normalised by min-max, a walk or a trend is not", "[recipe]") {
  // Noise around a level (no period of 7: a linear congruential generator), a random walk made of
  // the same steps, and a drift.
  const auto daily = [](long rows, int kind) {
    Series series = monthly(rows);
    series.time.frequency = {Frequency::Unit::seconds, 86400};
    std::uint32_t state = 12345;
    double walk = 100;
    for (long t = 0; t < rows; ++t) {
      state = state * 1103515245u + 12345u;
      const double noise = static_cast<double>((state >> 16) % 1000) / 100.0 - 5.0;
      walk += noise;
      series.values(t, 0) = kind == 0 ? 100 + noise : kind == 1 ? walk : 100 + 0.5 * static_cast<double>(t) + noise;
    }
    return series;
  };
  Config config;
  config.data.horizon = 14;
  CHECK(kpss_level(daily(200, 0).values, 200) < 0.15);
  CHECK(resolve_recipe(config, daily(200, 0)).data.normalise == Normalise::minmax);
  CHECK(resolve_recipe(config, daily(200, 1)).data.normalise == Normalise::last);
  CHECK(resolve_recipe(config, daily(200, 2)).data.normalise == Normalise::last);
  // A few outliers would squeeze the min-max scale: the noise with three spikes keeps `last`.
  Series spiky = daily(200, 0);
  for (const long t : {30, 70, 150}) spiky.values(t, 0) = t == 70 ? -3000 : 5000;
  CHECK(kpss_level(spiky.values, 200) < 0.15);
  CHECK(resolve_recipe(config, spiky).data.normalise == Normalise::last);
  // Fewer than 50 rows cannot tell a level from a short stretch of a trend.
  CHECK(resolve_recipe(config, daily(40, 0)).data.normalise == Normalise::last);
  // An explicit normalisation is kept.
  config.data.normalise = Normalise::last;
  CHECK(resolve_recipe(config, daily(200, 0)).data.normalise == Normalise::last);
}

TEST_CASE("shows_season: a season repeating in the changes, not a trend, a cycle or another column's", "[recipe]") {
  MatrixD values(96, 3);
  for (long t = 0; t < 96; ++t) {
    values(t, 0) = 50 + 20 * std::sin(6.283185307179586 * t / 12) + ((t * 37 + 11) % 13 - 6);  // season 12 + noise
    values(t, 1) = 100 + 3 * t + ((t * 37 + 11) % 13 - 6);                                     // trend + noise
    values(t, 2) = 50 + 20 * std::sin(6.283185307179586 * t / 40);                               // a 40-step cycle
  }
  CHECK(shows_season(values, 0, 96, 12, 6));
  CHECK_FALSE(shows_season(values, 1, 96, 12, 6));
  CHECK_FALSE(shows_season(values, 2, 96, 12, 6));
  CHECK_FALSE(shows_season(values, 0, 96, 1, 6));   // no period, no season
  CHECK_FALSE(shows_season(values, 0, 20, 12, 6));  // fewer than 2m rows: neither test can tell

  // 200,000 rows at m = H = 1000: rows x m passes 1e8, so the naive side is measured at 500 of
  // the 1000 lags (it took 80 s at 2.56 million rows and m = H = 10,000). A season on a trend
  // (not level: the autocorrelation test cannot tell) still shows; a random walk still does not.
  const long rows = 200000;
  MatrixD long_values(rows, 2);
  std::uint32_t state = 7;
  double walk = 0;
  for (long t = 0; t < rows; ++t) {
    state = state * 1103515245u + 12345u;
    const double noise = static_cast<double>(state >> 16) / 65536.0 - 0.5;
    long_values(t, 0) = 100 * std::sin(6.283185307179586 * t / 1000) + 0.01 * t + noise;
    walk += noise;
    long_values(t, 1) = walk;
  }
  CHECK(shows_season(long_values, 0, rows, 1000, 1000));
  CHECK_FALSE(shows_season(long_values, 1, rows, 1000, 1000));
}

namespace {
Series level_noise(long rows, double spike) {  // noise in [-5, 5) around 100 (an LCG), one spike at row 100
  Series series;
  series.columns = {"y"};
  series.n_targets = 1;
  series.values.resize(rows, 1);
  series.time.frequency = {Frequency::Unit::seconds, 86400};
  std::uint32_t state = 12345;
  for (long t = 0; t < rows; ++t) {
    state = state * 1103515245u + 12345u;
    series.values(t, 0) = 100 + static_cast<double>((state >> 16) % 1000) / 100.0 - 5.0;
  }
  series.values(100, 0) += spike;
  return series;
}
double range_over_iqr(const Series& s, long rows) {  // quartiles by linear interpolation, as numpy
  std::vector<double> v(s.values.data(), s.values.data() + rows);
  std::sort(v.begin(), v.end());
  const auto q = [&](double p) {
    const double at = p * static_cast<double>(rows - 1);
    const size_t i = static_cast<size_t>(at);
    return v[i] + (at - static_cast<double>(i)) * (v[std::min(i + 1, v.size() - 1)] - v[i]);
  };
  return (v.back() - v.front()) / (q(0.75) - q(0.25));
}
}  // namespace

TEST_CASE("the recipe takes min-max only for a training range within 10 interquartile ranges", "[recipe]") {
  Config config;
  config.data.horizon = 14;
  const Series mild = level_noise(200, 35), wild = level_noise(200, 65);
  const long seen = 200;  // no test tail
  REQUIRE(range_over_iqr(mild, seen) < 9.5);
  REQUIRE(range_over_iqr(wild, seen) > 12);
  REQUIRE(range_over_iqr(wild, seen) < 18);
  REQUIRE(kpss_level(wild.values, seen) < 0.15);
  CHECK(resolve_recipe(config, mild).data.normalise == Normalise::minmax);
  CHECK(resolve_recipe(config, wild).data.normalise == Normalise::last);
}

TEST_CASE("the recipe's validation tail is 10% of the rows when that exceeds two horizons", "[recipe]") {
  Config config;
  config.data.horizon = 6;
  const Config r = resolve_recipe(config, monthly(200));
  REQUIRE(r.data.horizon == 6);
  CHECK(std::lround(200 * r.data.val_fraction) == 20);  // max(round(0.1 * 200), 2 * 6)
}

TEST_CASE("the seasonality test's lagged products are the same by direct sums and by the Fourier transform", "[recipe]") {
  Rng rng(5);
  for (const long n : {2L, 3L, 10L, 37L, 128L, 1000L, 4099L}) {
    std::vector<double> d(static_cast<size_t>(n));
    double squares = 0;
    for (double& v : d) {
      v = static_cast<double>(rng.next() % 2001) / 100.0 - 10.0;
      squares += v * v;
    }
    for (const long lag : {1L, n / 2, n - 1}) {
      if (lag < 1) continue;
      const auto max_lag = static_cast<int>(lag);
      const std::vector<double> direct = lagged_products(d, max_lag, 1e300);
      const std::vector<double> fourier = lagged_products(d, max_lag, 0);
      REQUIRE(direct.size() == static_cast<size_t>(max_lag));
      REQUIRE(fourier.size() == direct.size());
      double worst = 0;
      for (size_t k = 0; k < direct.size(); ++k) worst = std::max(worst, std::abs(direct[k] - fourier[k]));
      INFO("n " << n << ", max lag " << max_lag);
      CHECK(worst <= 1e-12 * squares);
      double last = 0;  // the definition, at the top lag
      for (long t = max_lag; t < n; ++t) last += d[static_cast<size_t>(t)] * d[static_cast<size_t>(t - max_lag)];
      CHECK(direct.back() == Approx(last).epsilon(1e-12).margin(1e-12 * squares));
    }
  }
  CHECK(lagged_products({1, 2, 3}, 0).empty());
  CHECK_THROWS_AS(lagged_products({1, 2, 3}, 3), Error);
}
