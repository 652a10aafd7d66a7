#include <limits>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "lstmf/checkpoint.hpp"
#include "lstmf/error.hpp"
#include "small_model.hpp"
#include "support.hpp"

using namespace lstmf;
using Catch::Contains;
using nlohmann::json;

namespace {

Checkpoint small_checkpoint() {
  Config config;
  config.data.targets = {"y"};
  config.data.features = {"x"};
  config.data.time_column = "date";
  config.data.look_back = 3;
  config.data.horizon = 2;
  config.data.normalise = Normalise::minmax;  // a checkpoint holds resolved settings
  config.data.seasonal_adjust = SeasonalAdjust::none;
  config.data.season = 12;
  config.training.epochs = 2;
  config.model.ensemble = 1;
  config.model.hidden = {4, 3};
  Model<float> model(2, 2, config.model);
  Rng rng(7);
  model.init(rng);
  MatrixD fit_data(2, 2);
  fit_data << 0, 10, 5, 30;
  MinMaxScaler scaler;
  scaler.fit(fit_data, 2);
  const ColumnsInfo columns = test::monthly_columns({"x"}, 12);
  DataTail tail;
  tail.values.resize(3, 2);
  tail.values << 1, 11, 2, 12.5, 3, 13;
  for (const char* month : {"2020-01", "2020-02", "2020-03"}) {
    std::int64_t tick = 0;
    TimeFormat format;
    REQUIRE(parse_time(month, tick, format));
    tail.ticks.push_back(tick);
  }
  return Checkpoint{config, columns, scaler, model, json(nullptr), {{1, 0.5, 0.25, 1e-3}, {2, 0.4, std::nan(""), 1e-3}},
                    1, tail, {}, {}, {}, {}};
}

json as_json(const Checkpoint& checkpoint) { return json::parse(checkpoint_text(checkpoint)); }

}  // namespace

TEST_CASE("a checkpoint round-trips exactly", "[checkpoint]") {
  const Checkpoint original = small_checkpoint();
  test::TempDir dir;
  const std::string path = dir.file("m.json");
  save_checkpoint(path, original);
  const Checkpoint loaded = load_checkpoint(path);
  CHECK(loaded.model.parameters() == original.model.parameters());  // bit for bit
  CHECK(loaded.data_tail.values == original.data_tail.values);
  CHECK(loaded.data_tail.ticks == original.data_tail.ticks);
  CHECK(loaded.columns.frequency.unit == Frequency::Unit::months);
  CHECK(std::isnan(loaded.history[1].val_loss));
  CHECK(checkpoint_text(loaded) == checkpoint_text(original));
  const Checkpoint for_forecast = load_checkpoint(path, false);  // predict's fast path
  CHECK(for_forecast.optimizer_state.is_null());
  CHECK(for_forecast.model.parameters() == original.model.parameters());
  CHECK(for_forecast.data_tail.values == original.data_tail.values);
  const json j = as_json(original);
  CHECK(j["format"] == "lstm-forecast-checkpoint");
  CHECK(j["version"] == 2);
  CHECK(j["state_dict"]["lstm.weight_ih_l0"].size() == 16);     // [4H][in]
  CHECK(j["state_dict"]["lstm.weight_ih_l0"][0].size() == 2);
  CHECK(j["state_dict"]["lstm.weight_hh_l1"].size() == 12);     // [4H][H]
  CHECK(j["state_dict"]["head.weight"][0].size() == 3);         // [O][H_top]
  CHECK(j["data_tail"]["time"][2] == "2020-03");
}

TEST_CASE("write_layout passes the layout on in pieces of about 1 MiB, a member laid out from elsewhere", "[checkpoint]") {
  json rows = json::array();  // 4000 rows of 100 numbers: about 5 MB of text
  for (int r = 0; r < 4000; ++r) {
    json row = json::array();
    for (int c = 0; c < 100; ++c) row.push_back(r * 0.001 + c / 7.0);
    rows.push_back(std::move(row));
  }
  const json big = {{"m", rows}, {"step", 3}};
  const json value = {{"a", 1}, {"optimizer_state", nullptr}, {"w", {{"k", rows}}}, {"z", "end"}};
  json whole = value;
  whole["optimizer_state"] = big;
  std::vector<std::string> pieces;
  write_layout(value, [&](const std::string& piece) { pieces.push_back(piece); }, "optimizer_state", &big);
  std::string text;
  for (const auto& piece : pieces) {
    CHECK(piece.size() < (1u << 20) + 4096);  // a piece: at most one row past 1 MiB
    text += piece;
  }
  CHECK(pieces.size() > 5);
  CHECK(text == checkpoint_layout(whole) + "\n");
  INFO("without a replacement, the value as it is");
  std::string plain;
  write_layout(value, [&](const std::string& piece) { plain += piece; });
  CHECK(plain == checkpoint_layout(value) + "\n");
}

TEST_CASE("checkpoint_layout is dump(1)'s layout with arrays of numbers alone on one line", "[checkpoint]") {
  const json value = json::parse(R"({"b": [[1, 2.5], [-3e-07, 4]], "a": {"s": ["x", "y\n"], "e": [], "o": {}},
                                    "m": [1, "two", null], "n": null, "t": true, "z": [0.1]})");
  CHECK(checkpoint_layout(value) ==
        "{\n"
        " \"a\": {\n"
        "  \"e\": [],\n"
        "  \"o\": {},\n"
        "  \"s\": [\n"
        "   \"x\",\n"
        "   \"y\\n\"\n"
        "  ]\n"
        " },\n"
        " \"b\": [\n"
        "  [1,2.5],\n"
        "  [-3e-07,4]\n"
        " ],\n"
        " \"m\": [\n"
        "  1,\n"
        "  \"two\",\n"
        "  null\n"
        " ],\n"
        " \"n\": null,\n"
        " \"t\": true,\n"
        " \"z\": [0.1]\n"
        "}");
  CHECK(json::parse(checkpoint_layout(value)) == value);
  CHECK(checkpoint_layout(json(2.5)) == "2.5");
  CHECK(checkpoint_layout(json::array()) == "[]");
  INFO("at a depth, the lines after the first are indented as that deep in a tree");
  CHECK(checkpoint_layout(json{{"k", {"v", "w"}}}, 2) == "{\n   \"k\": [\n    \"v\",\n    \"w\"\n   ]\n  }");
  CHECK(checkpoint_layout(json{{"k", {"v", "w"}}}, -3) == checkpoint_layout(json{{"k", {"v", "w"}}}));
  INFO("a checkpoint is written in it, a third smaller than dump(1)");
  const std::string text = checkpoint_text(small_checkpoint());
  const json read = json::parse(text);
  CHECK(checkpoint_layout(read) + "\n" == text);
  CHECK(text.size() < read.dump(1).size());
  CHECK(text.find("\"lstm.bias_hh_l0\": [") != std::string::npos);
}

TEST_CASE("a refitted model's test tail round-trips, and only a refitted model has one", "[checkpoint]") {
  Checkpoint refitted = small_checkpoint();
  refitted.config.training.refit = Toggle::on;
  refitted.test_rows = 14;
  const json j = as_json(refitted);
  CHECK(j["test_rows"] == 14);
  CHECK(checkpoint_from_json(j, "r.json").test_rows == 14);
  CHECK_FALSE(as_json(small_checkpoint()).contains("test_rows"));  // none: not written
  json unrefitted = as_json(small_checkpoint());
  unrefitted["test_rows"] = 14;
  REQUIRE_THROWS_WITH(checkpoint_from_json(unrefitted, "u.json"),
                      Contains("u.json: test_rows is written only for a refitted model (config.training.refit true)"));
  json zero = j;
  zero["test_rows"] = 0;
  REQUIRE_THROWS_WITH(checkpoint_from_json(zero, "z.json"), Contains("test_rows"));
}

TEST_CASE("a model not refitted keeps the rows it held out, 0 included, and only such a model", "[checkpoint]") {
  for (const long rows : {0L, 13L}) {
    Checkpoint held = small_checkpoint();
    held.held_out_rows = rows;
    const json j = as_json(held);
    CHECK(j["held_out_rows"] == rows);
    CHECK(checkpoint_from_json(j, "h.json").held_out_rows == rows);
  }
  CHECK_FALSE(as_json(small_checkpoint()).contains("held_out_rows"));  // unknown (an older file): not written
  CHECK_FALSE(checkpoint_from_json(as_json(small_checkpoint()), "o.json").held_out_rows);
  json refitted = as_json(small_checkpoint());
  refitted["config"]["training"]["refit"] = true;
  refitted["held_out_rows"] = 13;
  REQUIRE_THROWS_WITH(checkpoint_from_json(refitted, "r.json"),
                      Contains("r.json: held_out_rows is written only for a model not refitted (config.training.refit false"));
  json negative = as_json(small_checkpoint());
  negative["held_out_rows"] = -1;
  REQUIRE_THROWS_WITH(checkpoint_from_json(negative, "n.json"), Contains("held_out_rows"));
  // That many steps back must be a time the format can hold (the data tail ends 2020-03).
  negative["held_out_rows"] = 2000000000;
  REQUIRE_THROWS_WITH(checkpoint_from_json(negative, "n.json"),
                      Contains("held_out_rows 2000000000 steps before the data tail's last time lie before the supported range"));
}

TEST_CASE("loading a checkpoint checks everything and names what is wrong", "[checkpoint]") {
  test::TempDir dir;
  json j = as_json(small_checkpoint());
  const auto load = [&](const json& content) {
    const std::string path = dir.write("bad.json", content.dump());
    return load_checkpoint(path);
  };
  SECTION("interval quantiles for other levels, or from no windows (a review's tampered files)") {
    j["intervals"] = {{"levels", {99, 50}}, {"windows", 4},
                      {"abs_residual_quantiles", json::array({json(std::vector<double>(50, 1.0)), json(std::vector<double>(50, 1.0))})}};
    REQUIRE_THROWS_WITH(load(j), Contains("intervals.levels must be [50,99] (the columns' levels), got [99,50]"));
    j["intervals"]["levels"] = {50, 99};
    CHECK_NOTHROW(load(j));
    j["intervals"]["windows"] = 0;
    REQUIRE_THROWS_WITH(load(j), Contains("intervals.windows"));
  }
  SECTION("interval quantiles that decrease from one level to the next (a 95% interval narrower than the 80% one)") {
    std::vector<double> row(50);
    for (size_t c = 0; c < row.size(); ++c) row[c] = 1.0 + 0.1 * static_cast<double>(c);
    j["intervals"] = {{"levels", {50, 99}}, {"windows", 4}, {"abs_residual_quantiles", json::array({row, row})}};
    CHECK_NOTHROW(load(j));
    j["intervals"]["abs_residual_quantiles"][1][45] = 2.0;  // the 95% quantile, below the 94% one (5.4)
    REQUIRE_THROWS_WITH(load(j), Contains("intervals.abs_residual_quantiles[1] must not decrease from level to level, "
                                          "but the 95% quantile 2.0 is below the 94% one 5.4"));
  }
  SECTION("a weight of the wrong shape") {
    j["state_dict"]["lstm.weight_hh_l1"][0].erase(0);
    REQUIRE_THROWS_WITH(load(j), Contains("bad.json: ") && Contains("state_dict.lstm.weight_hh_l1") &&
                                     Contains("expected [12][3]"));
  }
  SECTION("season normalisation with a look-back shorter than the season (the reference would lie before the window)") {
    j["config"]["data"]["normalise"] = "season";  // season 12, look-back 3
    REQUIRE_THROWS_WITH(load(j), Contains("data.normalise season needs data.look_back >= data.season"));
  }
  SECTION("quarter labels with a step that is not a whole number of quarters") {
    j["columns"]["time_format"]["kind"] = "year_quarter";
    j["columns"]["time_format"]["quarter_dash"] = false;
    REQUIRE_THROWS_WITH(load(j), Contains("whole number of quarters"));
  }
  SECTION("quarter_space only for quarters written without a dash") {
    j["columns"]["time_format"]["quarter_space"] = true;  // the file's times are dates
    REQUIRE_THROWS_WITH(load(j), Contains("time_format.quarter_space is only for year_quarter times without quarter_dash"));
  }
  SECTION("utc_offset_colon only beside a UTC offset") {
    j["columns"]["time_format"]["utc_offset_colon"] = false;  // the file's times are dates
    REQUIRE_THROWS_WITH(load(j), Contains("time_format.utc_offset_colon is only for datetimes with utc_offset_minutes"));
  }
  SECTION("a forecast horizon, written only when above the trained one") {
    CHECK(load(j).forecast_horizon == 0);
    j["forecast_horizon"] = 18;
    const Checkpoint longer = load(j);
    CHECK(longer.forecast_horizon == 18);
    REQUIRE(longer.columns.features.size() == 1);
    // A model with a feature column cannot be rolled forward: its own horizon is the default
    // (the targets-only case: test_cli_train.cpp, a season too short to learn).
    CHECK(default_horizon(longer) == longer.config.data.horizon);
    CHECK(as_json(longer)["forecast_horizon"] == 18);
    j["forecast_horizon"] = j["config"]["data"]["horizon"];
    REQUIRE_THROWS_WITH(load(j), Contains("forecast_horizon must be in ["));
  }
  SECTION("a series column in a single-series checkpoint") {
    j["config"]["data"]["series_column"] = "store";
    REQUIRE_THROWS_WITH(load(j), Contains("config.data.series_column is 'store', but a checkpoint of many series holds "
                                          "a 'series' section and this one has none"));
  }
  SECTION("a weight missing") {
    j["state_dict"].erase("head.bias");
    REQUIRE_THROWS_WITH(load(j), Contains("head.bias"));
  }
  SECTION("a newer format version") {
    j["version"] = kPanelCheckpointVersion + 1;
    REQUIRE_THROWS_WITH(load(j), Contains("checkpoint format version " + std::to_string(kPanelCheckpointVersion + 1) +
                                          " is newer") && Contains("upgrade lstm-forecast"));
  }
  SECTION("the many-series format's version, which this build reads, without a 'series' section") {
    j["version"] = kPanelCheckpointVersion;
    REQUIRE_THROWS_WITH(load(j), Contains("does not fit this file: a single-series checkpoint") && !Contains("upgrade"));
  }
  SECTION("not a checkpoint") {
    j["format"] = "something else";
    REQUIRE_THROWS_WITH(load(j), Contains("not an lstm-forecast checkpoint"));
  }
  SECTION("a scaler with data_min > data_max") {
    j["scaler"]["data_min"][0] = 100.0;
    REQUIRE_THROWS_WITH(load(j), Contains("scaler: data_min[0] = 100.0 exceeds data_max[0] = 5.0"));
  }
  SECTION("shapes that disagree with the config") {
    j["config"]["model"]["hidden"] = {4, 4};
    REQUIRE_THROWS_WITH(load(j), Contains("state_dict.lstm.weight_hh_l1"));
  }
  SECTION("an unknown config key") {
    j["config"]["training"]["epoch"] = 3;
    REQUIRE_THROWS_WITH(load(j), Contains("bad.json: config: unknown key 'training.epoch'"));
  }
  SECTION("a data tail of the wrong length") {
    j["data_tail"]["values"].erase(0);
    REQUIRE_THROWS_WITH(load(j), Contains("data_tail.values: expected [3][2]"));
  }
  SECTION("a non-finite value in the data tail") {
    j["data_tail"]["values"][0][0] = nullptr;
    REQUIRE_THROWS_WITH(load(j), Contains("data_tail.values[0][0] must be a finite number"));
  }
  SECTION("a columns section that disagrees with the config") {
    j["columns"]["targets"] = {"z"};
    REQUIRE_THROWS_WITH(load(j), Contains("columns.targets disagree with config.data.targets"));
  }
  SECTION("a missing section") {
    j.erase("scaler");
    REQUIRE_THROWS_WITH(load(j), Contains("scaler is missing"));
  }
  SECTION("truncated JSON") {
    const std::string text = j.dump();
    const std::string path = dir.write("cut.json", text.substr(0, text.size() / 2));
    REQUIRE_THROWS_WITH(load_checkpoint(path), Contains("cut.json:1:") && Contains("invalid JSON"));
  }
}

TEST_CASE("a forecast combination round-trips and is checked", "[checkpoint]") {
  Checkpoint original = small_checkpoint();
  original.config.training.combine = Toggle::on;
  original.combination.weights = {{0.45, 0.0, 0.45, 0.1}};  // season 12 > look-back 3: no seasonal naive
  original.combination.validation_mae = {{1.5, 1.25, 2.0, 1.75}};
  original.combination.theta = {Theta{0.35, -0.25, 40}};
  test::TempDir dir;
  const std::string path = dir.file("m.json");
  save_checkpoint(path, original);
  const Checkpoint loaded = load_checkpoint(path);
  REQUIRE(loaded.combination.weights.size() == 1);
  CHECK(loaded.combination.weights[0] == original.combination.weights[0]);
  CHECK(loaded.combination.validation_mae[0] == original.combination.validation_mae[0]);
  REQUIRE(loaded.combination.theta.size() == 1);
  CHECK(loaded.combination.theta[0].alpha == 0.35);
  CHECK(loaded.combination.theta[0].drift == -0.25);
  CHECK(loaded.combination.theta[0].rows == 40);
  CHECK(checkpoint_text(loaded) == checkpoint_text(original));
  json j = as_json(original);
  CHECK(j["combination"]["components"] == json({"model", "seasonal_naive", "naive", "theta"}));
  const auto load = [&](const json& content) { return load_checkpoint(dir.write("bad.json", content.dump())); };
  SECTION("seasonal naive weighted where the look-back holds no season") {
    j["combination"]["weights"] = json::array({json::array({0.5, 0.5, 0.0, 0.0})});
    REQUIRE_THROWS_WITH(load(j), Contains("combination.weights[0] gives seasonal naive a weight, but config.data.season (12) "
                                          "is not a season of 2 to look-back (3) rows"));
  }
  SECTION("weights that do not sum to 1") {
    j["combination"]["weights"][0][1] = 0.25;
    REQUIRE_THROWS_WITH(load(j), Contains("combination.weights[0] must sum to 1, got a sum of 1.25"));
  }
  SECTION("a combination the config does not ask for") {
    j["config"]["training"]["combine"] = false;
    REQUIRE_THROWS_WITH(load(j), Contains("config.training.combine is not true"));
  }
  SECTION("a checkpoint of an earlier version: three components, no Theta") {
    j["combination"] = {{"components", {"model", "seasonal_naive", "naive"}},
                        {"weights", {{0.5, 0.0, 0.5}}},
                        {"validation_mae", {{1.5, 1.25, 2.0}}}};
    const Checkpoint old = load(j);
    CHECK(old.combination.weights[0] == std::array<double, 4>{0.5, 0.0, 0.5, 0.0});
    CHECK(std::isnan(old.combination.validation_mae[0][3]));
    CHECK(old.combination.theta.empty());
    j["config"]["training"].erase("theta_weight");  // before the key: Theta took no share
    CHECK(load(j).config.training.theta_weight == 0);
    j["combination"].erase("components");
    CHECK(load(j).combination.weights[0] == std::array<double, 4>{0.5, 0.0, 0.5, 0.0});
  }
  SECTION("a Theta weight without the Theta state") {
    j["combination"].erase("theta");
    REQUIRE_THROWS_WITH(load(j), Contains("give the Theta forecast a weight, but there is no combination.theta"));
  }
  SECTION("a Theta state out of range") {
    j["combination"]["theta"][0]["alpha"] = 0;
    REQUIRE_THROWS_WITH(load(j), Contains("combination.theta[0].alpha must be a number in [0.01, 0.99], got 0"));
    j["combination"]["theta"][0]["alpha"] = 0.5;
    j["combination"]["theta"][0]["rows"] = 1;
    REQUIRE_THROWS_WITH(load(j), Contains("combination.theta[0]") && Contains("rows"));
    j["combination"]["theta"][0]["rows"] = 40;
    j["combination"]["theta"][0]["drift"] = "up";
    REQUIRE_THROWS_WITH(load(j), Contains("combination.theta[0].drift must be a number within +-1e100, got \"up\""));
    j["combination"]["theta"][0]["drift"] = 1e300;  // finite, but its forecasts overflow
    REQUIRE_THROWS_WITH(load(j), Contains("combination.theta[0].drift must be a number within +-1e100, got 1e+300"));
  }
  SECTION("a row per target") {
    j["combination"]["weights"].push_back({1.0, 0.0, 0.0, 0.0});
    REQUIRE_THROWS_WITH(load(j), Contains("one row per target"));
  }
  SECTION("components in another order or others") {
    j["combination"]["components"] = {"naive", "seasonal_naive", "model"};
    REQUIRE_THROWS_WITH(load(j), Contains("combination.components must be [\"model\",\"seasonal_naive\",\"naive\",\"theta\"]"));
  }
  SECTION("combine true and intervals from validation windows, but the combination chosen on them is gone") {
    j["intervals"] = {{"levels", {50, 99}}, {"windows", 4},
                      {"abs_residual_quantiles", json::array({json(std::vector<double>(50, 1.0)), json(std::vector<double>(50, 1.0))})}};
    CHECK_NOTHROW(load(j));
    j.erase("combination");
    REQUIRE_THROWS_WITH(load(j), Contains("config.training.combine is true and intervals were calibrated on 4 "
                                          "validation windows, but there is no combination object"));
    j.erase("intervals");
    CHECK_NOTHROW(load(j));  // no validation windows: nothing to choose a combination on
  }
}

TEST_CASE("a checkpoint holding a NaN or an infinity is not written, and the old file stays", "[checkpoint]") {
  // A review's case: a min-max range of 1e-300 calibrated intervals to 6e300 and then NaN, written
  // as null; predict and evaluate then refused the checkpoint train had written with exit 0.
  test::TempDir dir;
  const std::string path = dir.write("m.json", "the old file");
  Checkpoint broken = small_checkpoint();
  broken.intervals.abs_residual = MatrixD::Constant(2, 50, 1.0);  // [H * T, levels 50 .. 99]
  broken.intervals.windows = 4;
  broken.intervals.abs_residual(1, 2) = std::numeric_limits<double>::quiet_NaN();
  REQUIRE_THROWS_AS(save_checkpoint(path, broken), DivergedError);
  REQUIRE_THROWS_WITH(save_checkpoint(path, broken),
                      Contains("a NaN or an infinity at intervals.abs_residual_quantiles[1][2]"));
  broken = small_checkpoint();
  broken.data_tail.values(2, 1) = std::numeric_limits<double>::infinity();
  REQUIRE_THROWS_WITH(save_checkpoint(path, broken), Contains("a NaN or an infinity at data_tail."));
  CHECK(test::read_file(path) == "the old file");
  CHECK_NOTHROW(save_checkpoint(path, small_checkpoint()));  // a NaN validation loss is written as null
}

TEST_CASE("seasonal indices round-trip and must agree with the config", "[checkpoint]") {
  Checkpoint original = small_checkpoint();
  original.config.data.seasonal_adjust = SeasonalAdjust::multiplicative;
  MatrixD values(24, 1);
  for (long t = 0; t < 24; ++t) values(t, 0) = 10 + (t % 12) + 0.1 * static_cast<double>(t);
  original.seasonal = SeasonalAdjustment::estimate(SeasonalAdjust::multiplicative, values, 24, 1, 12);
  original.seasonal.set_tail_phase(5);
  test::TempDir dir;
  const std::string path = dir.file("m.json");
  save_checkpoint(path, original);
  const Checkpoint loaded = load_checkpoint(path);
  CHECK(loaded.seasonal.factors() == original.seasonal.factors());
  CHECK(loaded.seasonal.tail_phase() == 5);
  CHECK(checkpoint_text(loaded) == checkpoint_text(original));
  json j = as_json(original);
  const auto load = [&](const json& content) { return load_checkpoint(dir.write("bad.json", content.dump())); };
  SECTION("a period other than data.season") {
    j["config"]["data"]["season"] = 6;
    // The time column's period disagrees first (evaluate scores MASE at it): a hunt's edit changed it unsaid.
    REQUIRE_THROWS_WITH(load(j), Contains("bad.json: columns.seasonal_period 12 disagrees with config.data.season 6"));
    j["columns"]["seasonal_period"] = 6;
    REQUIRE_THROWS_WITH(load(j), Contains("seasonal_adjustment.mode and period must be config.data.seasonal_adjust and config.data.season"));
  }
  SECTION("a checkpoint without the key adjusts nothing") {
    j["config"]["data"].erase("seasonal_adjust");
    j.erase("seasonal_adjustment");
    CHECK(load(j).seasonal.empty());
  }
}

TEST_CASE("a version 1 checkpoint loaded and saved again is a valid version 2 file", "[checkpoint]") {
  // Found by fuzz_checkpoint: version 1 left data.season at 0 ("the time column's period"), which a
  // version 2 file may not hold, so train --resume or merge of an old file wrote one nobody could read.
  json v1 = as_json(small_checkpoint());
  v1["version"] = 1;
  v1.erase("ensemble");
  for (const char* key : {"normalise", "season"}) v1["config"]["data"].erase(key);
  v1["config"]["model"].erase("ensemble");
  for (const char* key : {"refit", "combine"}) v1["config"]["training"].erase(key);
  const Checkpoint old = checkpoint_from_json(v1, "v1.json");
  CHECK(old.config.data.season == 12);
  CHECK(old.config.data.normalise == Normalise::minmax);
  const Checkpoint again = checkpoint_from_json(as_json(old), "again.json");
  CHECK(checkpoint_text(again) == checkpoint_text(old));
  // A version 2 file labelled 1 (a hand edit): its version 2 sections would be dropped unread.
  json relabelled = as_json(small_checkpoint());
  relabelled["version"] = 1;
  relabelled["config"]["model"]["ensemble"] = 1;
  REQUIRE_THROWS_WITH(checkpoint_from_json(relabelled, "v1.json"),
                      Contains("v1.json: a version 1 checkpoint has no 'ensemble' (version 2 added it)"));
}
