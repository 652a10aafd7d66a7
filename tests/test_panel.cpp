// Many series: long-format loading (series.hpp) and selection by id (selection.hpp) read together,
// per-series and global training, the many-series checkpoint, forecasts, backtests and merges (panel.hpp).
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lstmf/error.hpp"
#include "lstmf/memory.hpp"
#include "lstmf/merge.hpp"
#include "lstmf/panel.hpp"
#include "lstmf/series.hpp"
#include "support.hpp"

using namespace lstmf;
using lstmf::test::TempDir;
using Catch::Contains;
using Catch::StartsWith;
using lstmf::test::year_month;

namespace {

// Monthly series `ids`, series i starting i+1 months after 2000-01 with rows[i] rows, written in
// an interleaved order (rows of a series not contiguous, not sorted by time).
std::string panel_csv(const std::vector<std::string>& ids, const std::vector<int>& rows) {
  std::vector<std::string> lines;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    for (int t = 0; t < rows[i]; ++t) {
      const int month = static_cast<int>(i) + 1 + t;
      const double value = 100 + 20.0 * static_cast<double>(i) + 10 * std::sin(2 * M_PI * month / 12.0) + 0.5 * t;
      char line[96];
      std::snprintf(line, sizeof line, "%s,%04d-%02d,%.3f", ids[i].c_str(), 2000 + (month - 1) / 12, (month - 1) % 12 + 1, value);
      lines.push_back(line);
    }
  }
  // A fixed interleaving: every third line first, then the rest backwards.
  std::string out = "id,date,value\n";
  for (std::size_t k = 0; k < lines.size(); k += 3) out += lines[k] + "\n";
  for (std::size_t k = lines.size(); k-- > 0;)
    if (k % 3 != 0) out += lines[k] + "\n";
  return out;
}

Config panel_config(const std::string& path, const std::string& mode) {
  Config config;
  config.data.path = path;
  config.data.targets = {"value"};
  config.data.time_column = "date";
  config.data.series_column = "id";
  config.data.look_back = 4;
  config.data.horizon = 2;
  config.model.hidden = {4};
  config.training.epochs = 3;
  config.training.batch_size = 8;
  config.training.mode = mode == "global" ? TrainingMode::global : TrainingMode::per_series;
  config.training.lr = 0.01;
  return config;
}

InputError load_error(const std::string& content) {
  TempDir dir;
  try {
    load_series(panel_config(dir.write("data.csv", content), "per-series").data);
  } catch (const InputError& e) {
    return e;
  }
  FAIL("loaded without an error");
  throw std::logic_error("unreachable");
}

}  // namespace

TEST_CASE("long format: each series is sorted by its own time, ordered by id, and may start and end anywhere", "[panel]") {
  TempDir dir;
  const SeriesSet set = load_series(panel_config(dir.write("data.csv", panel_csv({"b", "a", "c"}, {30, 24, 40})), "global").data);
  REQUIRE(set.series.size() == 3);
  CHECK(set.series[0].id == "a");
  CHECK(set.series[1].id == "b");
  CHECK(set.series[2].id == "c");
  CHECK(set.series[0].rows() == 24);
  CHECK(set.series[2].rows() == 40);
  // "a" was generated second: it starts in 2000-02, a month after "b".
  CHECK(set.series[0].time.format_tick(set.series[0].time.ticks.front()) == "2000-02");
  CHECK(set.series[1].time.format_tick(set.series[1].time.ticks.front()) == "2000-01");
  CHECK(set.series[2].time.format_tick(set.series[2].time.ticks.back()) == "2003-06");
  for (const Series& s : set.series) {
    CHECK(s.time.frequency.name() == "monthly");
    for (std::size_t t = 1; t < s.time.ticks.size(); ++t) CHECK(s.time.ticks[t] > s.time.ticks[t - 1]);
  }
  // Values follow the time order: "b" (i = 0) at its first month, 2000-01.
  CHECK(set.series[1].values(0, 0) == Approx(100 + 10 * std::sin(2 * M_PI * 1 / 12.0)).margin(1e-3));
}

TEST_CASE("long format errors name the file, the line and the series", "[panel]") {
  SECTION("two rows of one series at the same time") {
    const InputError e = load_error("id,date,value\na,2000-01,1\nb,2000-01,2\na,2000-02,3\na,2000-01,4\n");
    CHECK(e.line() == 5);
    CHECK_THAT(e.what(), Contains("duplicate time '2000-01' in series 'a'") && Contains("also on line 2"));
  }
  SECTION("a row without a series id") {
    const InputError e = load_error("id,date,value\na,2000-01,1\n,2000-02,3\n");
    CHECK(e.line() == 3);
    CHECK_THAT(e.what(), Contains("missing series id in column 'id'"));
  }
  SECTION("a gap inside one series") {
    const InputError e = load_error("id,date,value\na,2000-01,1\nb,2000-01,2\na,2000-02,3\na,2000-04,3\nb,2000-02,2\n");
    CHECK(e.line() == 5);
    CHECK_THAT(e.what(), Contains(":5:2: series 'a': gap in time column 'date': 2000-03 is missing"));
  }
  SECTION("the series column must exist") {
    const InputError e = load_error("series,date,value\na,2000-01,1\n");
    CHECK_THAT(e.what(), Contains("series column 'id' is not in the header"));
  }
}

TEST_CASE("the values of series not selected are not read: their missing values and bad cells fail nothing", "[panel]") {
  TempDir dir;
  // Series "c" has a missing value (data.missing is error), a cell that is no number and two rows
  // at one time; "a" and "b" are clean.
  const std::string path =
      dir.write("data.csv", panel_csv({"a", "b"}, {30, 26}) + "c,2000-01,\nc,2000-02,abc\nc,2000-02,3\nc,2000-03,4\n");
  Config config = panel_config(path, "per-series");
  config.training.threads = 1;
  CHECK_THROWS_WITH(load_series(config.data), Contains("missing value in column 'value'"));

  const SeriesSet clean = load_series(panel_config(dir.write("clean.csv", panel_csv({"a", "b"}, {30, 26})), "global").data);
  const SeriesSet set = load_series(config.data, nullptr, false, [](const std::string& id) { return id != "c"; });
  REQUIRE(set.series.size() == 2);
  REQUIRE(set.unread.size() == 1);
  CHECK(set.unread.front().id == "c");
  CHECK_FALSE(set.unread.front().empty_column);
  CHECK_FALSE(set.unread.front().indexed);  // two rows at 2000-02
  for (std::size_t i = 0; i < 2; ++i) {
    CHECK(set.series[i].id == clean.series[i].id);
    CHECK(set.series[i].values == clean.series[i].values);
    CHECK(set.series[i].time.ticks == clean.series[i].time.ticks);
  }
  // An id asked for by name is looked for among the series not read too.
  CHECK_THROWS_WITH(select_series(set, make_selection("zz", "")), Contains("no series 'zz'") && Contains("3 series: 'a', 'b', 'c'"));
  CHECK(select_series(set, make_selection("a", "")).series.size() == 1);
  // Ids are trimmed as the file's are; one of spaces alone is no id (it would select every series).
  CHECK(select_series(set, make_selection(" a\t", "")).series.front().id == "a");
  CHECK_THROWS_WITH(make_selection("a, ", ""), Contains("--series expects series ids, got 'a, ': an id of spaces alone"));
  // An id twice (trimmed alike) is a slip, not two forecasts of one series.
  CHECK_THROWS_WITH(make_selection("a,b, a", ""), Contains("--series: series 'a' is given twice"));

  PanelFitOptions options;
  options.selection = make_selection("a,b", "");
  const PanelFitOutcome outcome = fit_panel(config, options);
  REQUIRE(outcome.checkpoint.series.size() == 2);
  CHECK(outcome.skipped.empty());
  const PanelCheckpoint& checkpoint = outcome.checkpoint;
  CHECK(read_panel_history(checkpoint, path, make_selection("b", "")).series.size() == 1);
  CHECK_THROWS_WITH(read_panel_history(checkpoint, path, make_selection("b,c", "")), Contains("missing value in column 'value'"));

  SECTION("how a ';' file writes its numbers is judged on every row, read or not") {
    std::string semi = "id;date;value\n";
    for (int t = 0; t < 30; ++t) semi += "a;" + year_month(2000, t) + ";" + std::to_string(900 + t) + "\n";
    semi += "b;2000-01;1.465\nb;2000-02;1.470\n";
    Config semicolon = panel_config(dir.write("semi.csv", semi), "per-series");
    semicolon.data.delimiter = ";";
    CHECK_THROWS_WITH(load_series(semicolon.data), Contains("thousands separator"));
    CHECK_THROWS_WITH(load_series(semicolon.data, nullptr, false, [](const std::string& id) { return id == "a"; }),
                      Contains("thousands separator"));
  }
  SECTION("the many-series recipe's season is the first series' with values and a step, read or not") {
    // "a" (monthly) has no value at all: a whole-file run sets it aside and takes b's quarters;
    // a run that reads "c" (monthly) alone takes them too.
    std::string quarters;
    for (int t = 0; t < 24; ++t)
      quarters += "b," + std::to_string(2000 + t / 4) + "-" + (t % 4 < 3 ? "0" : "") + std::to_string(3 * (t % 4) + 1) +
                  "," + std::to_string(50 + 5 * (t % 4) + t) + "\n";
    const std::string c_rows = panel_csv({"c"}, {30}).substr(14);
    const std::string mixed = dir.write("mixed.csv", "id,date,value\na,2000-01,\na,2000-02,\na,2000-03,\n" + quarters + c_rows);
    Config filling = panel_config(mixed, "per-series");
    filling.data.missing = MissingPolicy::interpolate;
    filling.data.look_back = 0;
    CHECK(resolve_panel_recipe(filling, load_series(filling.data, nullptr, true)).data.season == 4);
    const auto only_c = [](const std::string& id) { return id == "c"; };
    const SeriesSet one = load_series(filling.data, nullptr, true, only_c);
    REQUIRE(one.unread.size() == 2);
    CHECK(one.unread.front().empty_column);
    CHECK(resolve_panel_recipe(filling, one).data.season == 4);
    // "a" with values at two rows of one time: its times form no index (a whole-file run refuses
    // the file), so it gives no season either.
    filling.data.path = dir.write("twice.csv", "id,date,value\na,2000-01,1\na,2000-01,2\na,2000-02,3\n" + quarters + c_rows);
    const SeriesSet twice = load_series(filling.data, nullptr, true, only_c);
    REQUIRE(twice.unread.size() == 2);
    CHECK_FALSE(twice.unread.front().indexed);
    CHECK(resolve_panel_recipe(filling, twice).data.season == 4);
    // "a" of one row shows no step of its own (a month alone reads as monthly, a date as daily): a
    // stray row set the season of a quarterly file to 12, of a monthly one to 7 (a hunt). Read or
    // not, it gives none.
    filling.data.path = dir.write("stray.csv", "id,date,value\na,2001-01,5\n" + quarters + c_rows);
    CHECK(resolve_panel_recipe(filling, load_series(filling.data, nullptr, true)).data.season == 4);
    const SeriesSet stray = load_series(filling.data, nullptr, true, only_c);
    REQUIRE(stray.unread.size() == 2);
    CHECK_FALSE(stray.unread.front().stepped);
    CHECK(resolve_panel_recipe(filling, stray).data.season == 4);
  }

}

TEST_CASE("per-series training skips short series, and each model depends on its series alone", "[panel]") {
  TempDir dir;
  const std::string path = dir.write("data.csv", panel_csv({"a", "b", "c", "tiny"}, {30, 26, 34, 5}));
  Config config = panel_config(path, "per-series");
  config.training.threads = 1;
  const PanelFitOutcome one = fit_panel(config);
  REQUIRE(one.skipped.size() == 1);
  CHECK(one.skipped.front().id == "tiny");
  CHECK_THAT(one.skipped.front().reason, Catch::StartsWith("the series has 5 rows, too short for one window"));
  REQUIRE(one.checkpoint.series.size() == 3);
  CHECK(one.checkpoint.series[0].model.has_value());
  CHECK(!one.checkpoint.model.has_value());

  SECTION("the same checkpoint on 2 threads") {
    config.training.threads = 2;
    PanelCheckpoint two = fit_panel(config).checkpoint;
    two.config.training.threads = 1;  // the config records the thread count; nothing else may differ
    CHECK(panel_checkpoint_text(two) == panel_checkpoint_text(one.checkpoint));
  }
  SECTION("series an interrupt kept from training are recorded as left out, so the checkpoint does not pass for all") {
    // A shard stopped by Slurm's SIGTERM looked complete, and merge joined it silently (a hunt).
    PanelFitOptions options;
    options.on_series = [](const SeriesFitReport&, long, long) { return false; };  // stop after the first
    const PanelFitOutcome stopped = fit_panel(config, options);
    CHECK(stopped.stopped);
    REQUIRE(stopped.checkpoint.series.size() == 1);
    CHECK(stopped.checkpoint.series.front().id == "a");
    std::vector<std::string> left;
    for (const auto& l : stopped.checkpoint.left_out) left.push_back(l.id);
    CHECK(left == std::vector<std::string>{"b", "c"});  // not "tiny", too short to train: the rows say so
    CHECK_THAT(stopped.checkpoint.left_out.front().reason, Catch::StartsWith("its training was interrupted"));
    // It reads back as written (left_out in id order).
    CHECK(panel_checkpoint_text(panel_checkpoint_from_json(nlohmann::json::parse(panel_checkpoint_text(stopped.checkpoint)), "s.json")) ==
          panel_checkpoint_text(stopped.checkpoint));
  }
  SECTION("a shard trains the same models for its series") {
    PanelFitOptions options;
    options.selection = make_selection("", "1/2");
    const PanelFitOutcome shard = fit_panel(config, options);
    REQUIRE(shard.checkpoint.shard.has_value());
    for (const PanelSeries& s : shard.checkpoint.series) {
      const long i = one.checkpoint.find(s.id);
      REQUIRE(i >= 0);
      CHECK(s.model->parameters() == one.checkpoint.series[static_cast<std::size_t>(i)].model->parameters());
    }
  }
  SECTION("a series without a single target value is skipped too (a filling policy), or an error under data.strict") {
    const std::string with_empty = dir.write("empty.csv", panel_csv({"a", "b", "c", "tiny"}, {30, 26, 34, 5}) +
                                                              "empty,2000-01,\nempty,2000-02,\nempty,2000-03,\n");
    Config filling = panel_config(with_empty, "per-series");
    filling.training.threads = 1;
    filling.data.missing = MissingPolicy::interpolate;
    const PanelFitOutcome skipped = fit_panel(filling);
    REQUIRE(skipped.skipped.size() == 2);
    CHECK(skipped.skipped[0].id == "empty");
    CHECK(skipped.skipped[0].reason == "column 'value' has no values: all 3 rows are missing");
    CHECK(skipped.skipped[1].id == "tiny");
    CHECK(panel_checkpoint_text(skipped.checkpoint).find("\"empty\"") == std::string::npos);
    PanelFitOptions just_it;
    just_it.selection = make_selection("empty", "");
    CHECK_THROWS_WITH(fit_panel(filling, just_it), Contains("no series to train: the one selected was skipped ("
                                                            "series 'empty': column 'value' has no values"));
    {
      INFO("a shard holding the empty series alone trains nothing and fails nothing, as one run over the file skips it");
      const std::string lone = dir.write("lone.csv", "id,date,value\nempty,2000-01,\nempty,2000-02,\n");
      Config lone_config = filling;
      lone_config.data.path = lone;
      PanelFitOptions shard;
      shard.selection = make_selection("", make_selection("", "0/2").selects("empty") ? "0/2" : "1/2");
      REQUIRE(shard.selection.selects("empty"));
      const PanelFitOutcome lone_shard = fit_panel(lone_config, shard);
      CHECK(lone_shard.empty_shard);
      REQUIRE(lone_shard.skipped.size() == 1);
      CHECK(lone_shard.skipped.front().id == "empty");
    }
    {
      INFO("the training file reads as history: the empty series is set aside, not an error");
      const SeriesSet history = read_panel_history(skipped.checkpoint, with_empty, SeriesSelection{});
      CHECK(history.series.size() == 3);
      REQUIRE(history.empty.size() == 2);  // 'empty' and 'tiny'
      const PanelForecast forecast = forecast_panel(skipped.checkpoint, &history, 2, 1);
      CHECK(forecast.series.size() == skipped.checkpoint.series.size());
      INFO("a series of the checkpoint without values in the history says why");
      const std::string a_empty = dir.write("a-empty.csv", "id,date,value\na,2000-01,\na,2000-02,\n");
      const SeriesSet only_a = read_panel_history(skipped.checkpoint, a_empty, make_selection("a", ""));
      CHECK_THROWS_WITH(forecast_panel(skipped.checkpoint, &only_a, 2, 1),
                        Contains("series 'a' of the checkpoint: column 'value' has no values"));
    }
    {
      INFO("a data.strict checkpoint: an unselected empty series does not fail the read; a selected one is unknown");
      PanelCheckpoint strict = skipped.checkpoint;
      strict.config.data.strict = true;
      const SeriesSet a = read_panel_history(strict, with_empty, make_selection("a", ""));
      CHECK(a.series.size() == 1);
      PanelCheckpoint strict_a = strict;  // as load_any_checkpoint selects it for --series a
      strict_a.series.resize(1);
      CHECK(forecast_panel(strict_a, &a, 2, 1).series.size() == 1);
      const SeriesSet all = read_panel_history(strict, with_empty, SeriesSelection{});
      CHECK_THROWS_WITH(forecast_panel(strict, &all, 2, 1), Contains("'tiny', 'empty' are not in the checkpoint (2 of 5)"));
    }
    filling.data.strict = true;
    CHECK_THROWS_WITH(fit_panel(filling), Contains("series 'empty': column 'value' has no values") &&
                                               Contains("data.strict is set"));
    // Only the selected series are held to it (--series, or a shard of N).
    PanelFitOptions just_a;
    just_a.selection = make_selection("a", "");
    CHECK(fit_panel(filling, just_a).checkpoint.series.size() == 1);
  }
  SECTION("under data.strict a short series is an error naming it") {
    config.data.strict = true;
    CHECK_THROWS_WITH(fit_panel(config), Contains("series 'tiny': the series has 5 rows") && Contains("data.strict"));
  }
  SECTION("the checkpoint text is checkpoint_layout of its JSON and reads back the same") {
    const std::string text = panel_checkpoint_text(one.checkpoint);
    const auto json = nlohmann::json::parse(text);
    CHECK(checkpoint_layout(json) + "\n" == text);
    CHECK(json["version"] == 3);
    CHECK(json["series"].size() == 3);
    {
      INFO("version 2 files are read, also with the keys version 3 added (builds of one evening wrote them so)");
      auto two = json;
      two["version"] = 2;
      for (auto& series : two["series"]) series.erase("intervals");  // as a version 2 writer left them
      CHECK(panel_checkpoint_from_json(two, "m.json").series.size() == 3);
      REQUIRE(json["series"][0].contains("intervals"));
      two["series"][0]["intervals"] = json["series"][0]["intervals"];
      CHECK(!panel_checkpoint_from_json(two, "m.json").series[0].intervals.empty());
    }
    CHECK(json["series"][0].contains("state_dict"));
    CHECK(panel_checkpoint_text(panel_checkpoint_from_json(json, "m.json")) == text);
    {
      INFO("a value of the user's spelt like the series' placeholder is not taken for it (it was: the series "
           "went into output.path, and no predict could read the file)");
      PanelCheckpoint named = one.checkpoint;
      named.config.output.path = "@series@";
      named.config.data.path = "null";
      named.columns.targets = {"\n \"series\": null"};
      const std::string spelt = panel_checkpoint_text(named);
      const auto read = nlohmann::json::parse(spelt);
      CHECK(checkpoint_layout(read) + "\n" == spelt);
      CHECK(read["config"]["output"]["path"] == "@series@");
      CHECK(read["series"].size() == 3);
    }
  }
  SECTION("a series holding a NaN is not written, and the old file stays") {
    const std::string model = dir.write("m.json", "the old file");
    PanelCheckpoint broken = one.checkpoint;
    broken.series[2].data_tail.values(0, 0) = std::numeric_limits<double>::quiet_NaN();
    CHECK_THROWS_AS(save_panel_checkpoint(model, broken), DivergedError);
    CHECK_THROWS_WITH(save_panel_checkpoint(model, broken), Contains("a NaN or an infinity at series[2].data_tail.values[0][0]"));
    CHECK(test::read_file(model) == "the old file");
  }
  SECTION("loading a selection keeps only the selected series") {
    const std::string model = dir.file("m.json");
    save_panel_checkpoint(model, one.checkpoint);
    const AnyCheckpoint loaded = load_any_checkpoint(model, make_selection("b", ""));
    REQUIRE(loaded.panel.has_value());
    REQUIRE(loaded.panel->series.size() == 1);
    CHECK(loaded.panel->series[0].id == "b");
    CHECK(loaded.panel->series[0].model->parameters() == one.checkpoint.series[1].model->parameters());
    CHECK_THROWS_WITH(load_any_checkpoint(model, make_selection("zz", "")), Contains("no series 'zz'"));
  }
  SECTION("forecasts and backtests run per series") {
    const PanelForecast forecast = forecast_panel(one.checkpoint, nullptr, 3, 2);
    REQUIRE(forecast.series.size() == 3);
    const std::string csv = to_csv(forecast);
    CHECK_THAT(csv, Catch::StartsWith("id,date,value\na,"));
    CHECK(std::count(csv.begin(), csv.end(), '\n') == 1 + 3 * 3);
    {
      INFO("a quoted line break in a header name stays in the header (the rows were split at it)");
      PanelForecast named = forecast;
      named.targets = {"sales\nEUR"};
      for (auto& entry : named.series) entry.second.targets = named.targets;
      const std::string text = to_csv(named);
      CHECK_THAT(text, Catch::StartsWith("id,date,\"sales\nEUR\"\na,"));
      CHECK(text.substr(text.find("EUR\"\n") + 5) == csv.substr(csv.find('\n') + 1));
    }
    // 'tiny', too short to train, is set aside with its reason: the training file reads as history.
    const SeriesSet history = read_panel_history(one.checkpoint, path, {});
    REQUIRE(history.empty.size() == 1);
    CHECK(history.empty[0].first == "tiny");
    CHECK_THAT(history.empty[0].second, Contains("the series has 5 rows"));
    CHECK(backtest_panel(one.checkpoint, history, {}).series.size() == 3);
    // A series the checkpoint lacks that training would have kept is an error.
    PanelCheckpoint two_of_three = one.checkpoint;
    two_of_three.series.pop_back();
    const SeriesSet with_c = read_panel_history(two_of_three, path, {});
    REQUIRE_THROWS_WITH(backtest_panel(two_of_three, with_c, {}), Contains("'c' is not in the checkpoint"));
    const PanelBacktest backtest = backtest_panel(one.checkpoint, read_panel_history(one.checkpoint, path, make_selection("a,b,c", "")), {});
    CHECK(backtest.series.size() == 3);
    const auto json = to_json(backtest);
    CHECK(json["aggregate"]["compared"] == 3);
    CHECK(json["aggregate"]["geometric_mean_mase"]["lstm"].is_number());
    CHECK_THAT(format_table(backtest), Contains("geometric-mean MASE") && Contains("beats seasonal naive"));
  }
}

TEST_CASE("global training fits one model on every series, each with its own scaler", "[panel]") {
  TempDir dir;
  Config config = panel_config(dir.write("data.csv", panel_csv({"a", "b"}, {30, 26})), "global");
  config.training.threads = 1;
  const PanelFitOutcome outcome = fit_panel(config);
  REQUIRE(outcome.checkpoint.model.has_value());
  REQUIRE(outcome.checkpoint.series.size() == 2);
  CHECK(!outcome.checkpoint.series[0].model.has_value());
  CHECK(outcome.checkpoint.history.size() == 3);
  CHECK(outcome.checkpoint.series[0].scaler.data_min() != outcome.checkpoint.series[1].scaler.data_min());
  // windows of both series: (train rows - look_back - horizon + 1) each
  CHECK(outcome.train_windows == (27 - 5) + (23 - 5));
  const std::string text = panel_checkpoint_text(outcome.checkpoint);
  const auto json = nlohmann::json::parse(text);
  CHECK(json.contains("state_dict"));
  CHECK(!json["series"][0].contains("state_dict"));
  CHECK(panel_checkpoint_text(panel_checkpoint_from_json(json, "g.json")) == text);

  SECTION("a checkpoint with season normalisation and a look-back shorter than the season is refused") {
    auto edited = json;
    edited["config"]["data"]["normalise"] = "season";
    edited["config"]["data"]["season"] = edited["config"]["data"]["look_back"].get<int>() + 1;
    CHECK_THROWS_WITH(panel_checkpoint_from_json(edited, "g.json"),
                      Contains("g.json") && Contains("data.normalise season needs data.look_back >= data.season"));
  }
  SECTION("global checkpoints cannot be merged") {
    std::vector<PanelCheckpoint> parts;
    parts.push_back(outcome.checkpoint);
    CHECK_THROWS_WITH(merge_panel_checkpoints(std::move(parts), {"g.json"}), Contains("global-mode checkpoint"));
  }
}

TEST_CASE("many-series defaults: season windows, and a combination chosen per series on its own validation windows",
          "[panel]") {
  TempDir dir;
  const std::string path = dir.write("data.csv", panel_csv({"a", "b", "c"}, {60, 56, 64}));
  Config config = panel_config(path, "per-series");
  const SeriesSet source = load_series(config.data);
  {
    INFO("as for one series: combine where the epochs are chosen and there is a validation tail");
    Config chosen = config;
    chosen.data.look_back = 0;
    chosen.training.epochs = 0;
    const Config resolved = resolve_panel_recipe(chosen, source);
    CHECK(resolved.training.combine == Toggle::on);
    CHECK(resolved.data.look_back == 24);
    CHECK(resolved.data.normalise == Normalise::season);
    CHECK(resolve_panel_recipe(config, source).training.combine == Toggle::off);  // epochs given
    CHECK(resolve_panel_recipe(config, source).data.normalise == Normalise::last);  // look-back 4 < season 12
    chosen.data.val_fraction = 0;
    CHECK(resolve_panel_recipe(chosen, source).training.combine == Toggle::off);
    chosen.data.season = 1;
    chosen.data.look_back = 12;
    CHECK(resolve_panel_recipe(chosen, source).data.normalise == Normalise::last);  // no season
    chosen.data.normalise = Normalise::minmax;
    CHECK(resolve_panel_recipe(chosen, source).data.normalise == Normalise::minmax);  // given: kept
  }
  config.data.look_back = 12;
  config.training.combine = Toggle::on;
  config.training.threads = 1;
  for (const std::string mode : {"per-series", "global"}) {
    DYNAMIC_SECTION(mode) {
      config.training.mode = mode == std::string("global") ? TrainingMode::global : TrainingMode::per_series;
      const PanelFitOutcome outcome = fit_panel(config);
      const PanelCheckpoint& checkpoint = outcome.checkpoint;
      REQUIRE(checkpoint.series.size() == 3);
      CHECK(checkpoint.config.data.normalise == Normalise::season);
      bool any_baseline = false;
      for (std::size_t i = 0; i < checkpoint.series.size(); ++i) {
        const PanelSeries& s = checkpoint.series[i];
        INFO("series " << s.id);
        REQUIRE(s.combination.weights.size() == 1);
        const auto& w = s.combination.weights.front();
        CHECK(w[0] + w[1] + w[2] + w[3] == Approx(1.0));
        any_baseline = any_baseline || w[0] < 1;
        // The weights are the single-series rule's on this series' validation windows.
        const Series& series = source.series[static_cast<std::size_t>(
            std::find_if(source.series.begin(), source.series.end(), [&](const Series& x) { return x.id == s.id; }) -
            source.series.begin())];
        const Split split = split_parts(series.rows(), config.data.val_fraction, 0, config.data.horizon);
        Checkpoint alone = checkpoint.view(i);
        alone.combination = {};
        const Combination again = choose_combination(alone, series.values, split.train_end, split.val_end, 1);
        CHECK(again.weights == s.combination.weights);
        // predict forecasts the combination: the view carries it.
        const Checkpoint view = checkpoint.view(i);
        const History tail = tail_history(view);
        const Forecast combined = forecast(view, tail, 4, 1);
        const Forecast model = forecast(alone, tail, 4, 1);
        if (w[0] < 1) CHECK(combined.values != model.values);
        if (w[0] == 1) CHECK(combined.values == model.values);
      }
      // Per series, 3 epochs leave some model behind seasonal naive: the forecast path with a baseline is exercised.
      if (mode == "per-series") CHECK(any_baseline);
      const std::string text = panel_checkpoint_text(checkpoint);
      const auto json = nlohmann::json::parse(text);
      CHECK(json["series"][0].contains("combination"));
      CHECK(panel_checkpoint_text(panel_checkpoint_from_json(json, "p.json")) == text);
      SECTION("each series' intervals come from its own validation windows; predict adds them") {
        for (const PanelSeries& s : checkpoint.series) {
          REQUIRE(!s.intervals.empty());
          CHECK(s.intervals.windows > 0);
        }
        CHECK(json["series"][0].contains("intervals"));
        const PanelForecast with = forecast_panel(checkpoint, nullptr, 3, 1, "p.json", {80, 95});
        CHECK_THAT(to_csv(with), StartsWith("id,date,value,value_lo80,value_hi80,value_lo95,value_hi95\na,"));
        for (const auto& [id, f] : with.series) {
          INFO(id);
          REQUIRE(f.lower.rows() == 3);
          for (long h = 0; h < 3; ++h) {
            CHECK(f.lower(h, 1) <= f.lower(h, 0));  // 95% around 80%
            CHECK(f.lower(h, 0) <= f.values(h, 0));
            CHECK(f.values(h, 0) <= f.upper(h, 0));
            CHECK(f.upper(h, 0) <= f.upper(h, 1));
          }
        }
        CHECK(to_csv(forecast_panel(checkpoint, nullptr, 3, 1, "p.json")) != to_csv(with));
        PanelCheckpoint none = checkpoint;
        none.series[2].intervals = {};
        CHECK_THROWS_WITH(forecast_panel(none, nullptr, 3, 1, "p.json", {80}),
                          Contains("p.json") && Contains("series 'c' has no interval quantiles"));
        PanelCheckpoint empty = checkpoint;
        empty.series.clear();
        CHECK(to_csv(forecast_panel(empty, nullptr, 3, 1, "p.json", {80})) == "id,date,value,value_lo80,value_hi80\n");
        auto bad = json;
        bad["series"][1]["intervals"]["abs_residual_quantiles"][0][3] = -1;
        CHECK_THROWS_WITH(panel_checkpoint_from_json(bad, "p.json"),
                          Contains("series[1] ('b').intervals.abs_residual_quantiles[0][3] must be a finite number >= 0"));
        // Loading series b alone names its place in the file, not in the selection.
        TempDir files;
        const std::string path = files.write("bad.json", bad.dump());
        CHECK_THROWS_WITH(load_any_checkpoint(path, make_selection("b", "")), Contains("series[1] ('b').intervals"));
      }
      SECTION("a combination the config does not ask for, or that is malformed, is refused naming the series") {
        auto off = json;
        off["config"]["training"]["combine"] = false;
        CHECK_THROWS_WITH(panel_checkpoint_from_json(off, "p.json"),
                          Contains("p.json") && Contains("series[0] ('a').combination is present but config.training.combine is not true"));
        auto lost = json;
        lost["series"][2].erase("combination");
        CHECK_THROWS_WITH(panel_checkpoint_from_json(lost, "p.json"),
                          Contains("series[2] ('c') has intervals from") && Contains("but no combination"));
        auto sum = json;
        sum["series"][1]["combination"]["weights"][0] = {0.5, 0.0, 0.0, 0.0};
        CHECK_THROWS_WITH(panel_checkpoint_from_json(sum, "p.json"),
                          Contains("series[1] ('b').combination.weights[0] must sum to 1, got a sum of 0.5"));
      }
    }
  }
}

TEST_CASE("a many-series checkpoint records the first series' own seasonal period, whatever data.season", "[panel]") {
  // Views take each series' own period, and merge compares shards' columns with those of files
  // written before the columns were shared with single-series checkpoints.
  TempDir dir;
  Config config = panel_config(dir.write("data.csv", panel_csv({"a", "b"}, {30, 26})), "global");
  config.training.threads = 1;
  CHECK(fit_panel(config).checkpoint.columns.seasonal_period == 12);  // the monthly time column's
  config.data.season = 3;
  CHECK(fit_panel(config).checkpoint.columns.seasonal_period == 12);
}

TEST_CASE("tally_combinations counts what each series forecasts with, by its first target's weights", "[panel]") {
  PanelCheckpoint checkpoint;
  const auto with = [&](std::array<double, Combination::kComponents> first, std::array<double, Combination::kComponents> second) {
    PanelSeries s;
    s.combination.weights = {first, second};  // the second target's weights count for nothing
    checkpoint.series.push_back(std::move(s));
  };
  with({0.9, 0, 0, 0.1}, {0, 1, 0, 0});    // the model, Theta's share
  with({1, 0, 0, 0}, {0.5, 0.5, 0, 0});    // the model
  with({0.45, 0.45, 0, 0.1}, {1, 0, 0, 0}); // its mean with seasonal naive, Theta's share
  with({0.5, 0, 0.5, 0}, {1, 0, 0, 0});    // its mean with naive
  with({0, 1, 0, 0}, {1, 0, 0, 0});        // seasonal naive alone
  with({0, 0, 0.5, 0.5}, {1, 0, 0, 0});    // naive and Theta, no model
  checkpoint.series.emplace_back();        // no combination
  const CombinationTally tally = tally_combinations(checkpoint);
  CHECK(tally.model == 2);
  CHECK(tally.mean == 2);
  CHECK(tally.baseline == 2);
  CHECK(tally.theta == 3);
  CHECK(tally.unchosen == 1);
}

TEST_CASE("many-series training is sized before it starts: per series every trained model is kept", "[panel]") {
  TempDir dir;
  const std::vector<std::string> ids = {"a", "b", "c", "d"};
  Config config = panel_config(dir.write("p.csv", panel_csv(ids, {30, 30, 30, 30})), "per-series");
  config.model.hidden = {256, 256};
  config.training.threads = 1;
  const SeriesSet set = load_series(config.data);
  const std::uint64_t params = parameter_count(config.model, 1, 2);
  const MemoryEstimate four = estimate_panel_memory(config, set);
  SeriesSet two = set;
  two.series.resize(2);
  const MemoryEstimate half = estimate_panel_memory(config, two);
  // Two more series hold two more models' float weights.
  CHECK(four.model - half.model == 2 * params * sizeof(float));
  CHECK(four.activations == half.activations);  // one series trains at a time on one thread
  // Global: one model over every series' rows, as one series of all of them.
  config.training.mode = TrainingMode::global;
  const MemoryEstimate global = estimate_panel_memory(config, set);
  CHECK(global.model == estimate_training_memory(config, 1, 1, 120, 1).model);
  // The validation windows are forecast a series at a time (one thread here): the longest series',
  // not every row's (a review: 27 GiB asked where 559 MB did).
  CHECK(global.validation == estimate_training_memory(config, 1, 1, 30, 1).validation);
  CHECK(global.validation < estimate_training_memory(config, 1, 1, 120, 1).validation);
  CHECK(four.validation == half.validation);
  // A model no machine holds is refused before the file is read (exit 5).
  config.model.hidden = std::vector<int>(16, 4096);
  config.data.path = dir.file("not-read.csv");
  REQUIRE_THROWS_AS(fit_panel(config), MemoryError);
}

TEST_CASE("series training left out are recorded, merged, and read from history as skipped with the reason", "[panel]") {
  TempDir dir;
  const std::string path = dir.write("p.csv", panel_csv({"a", "b", "c"}, {30, 30, 30}));
  Config config = panel_config(path, "per-series");
  config.training.threads = 1;
  // As if training had left out 'b' (it diverged): a, c trained, b recorded with its reason.
  PanelFitOptions options;
  options.selection = make_selection("a,c", "");
  PanelCheckpoint checkpoint = fit_panel(config, options).checkpoint;
  REQUIRE(checkpoint.series.size() == 2);
  checkpoint.left_out.push_back({"b", "training diverged in epoch 1"});
  const std::string text = panel_checkpoint_text(checkpoint);
  const PanelCheckpoint read = parse_any_checkpoint(text, "m.json").panel.value();
  REQUIRE(read.left_out.size() == 1);
  CHECK(read.left_out.front().id == "b");
  CHECK(read.left_out.front().reason == "training diverged in epoch 1");
  // The training file as history: a and c are forecast, b set aside with the reason.
  const SeriesSet history = read_panel_history(read, path, {});
  REQUIRE(history.series.size() == 2);
  REQUIRE(history.empty.size() == 1);
  CHECK(history.empty.front().first == "b");
  CHECK(history.empty.front().second == "training diverged in epoch 1");
  CHECK(forecast_panel(read, &history, 2, 1).series.size() == 2);
  // Without the record, a series the checkpoint lacks is an error.
  checkpoint.left_out.clear();
  const SeriesSet unknown = read_panel_history(checkpoint, path, {});
  CHECK_THROWS_WITH(forecast_panel(checkpoint, &unknown, 2, 1), Contains("'b'"));
  // Under data.strict too (a divergence is no data error).
  PanelCheckpoint strict = read;
  strict.config.data.strict = true;
  const SeriesSet strict_history = read_panel_history(strict, path, {});
  REQUIRE(strict_history.empty.size() == 1);
  CHECK(forecast_panel(strict, &strict_history, 2, 1).series.size() == 2);
  // Merged parts keep one entry per id, and none for an id another part trained.
  PanelCheckpoint again = read, trained_b = read;
  trained_b.series.clear();
  trained_b.left_out.clear();
  {
    PanelFitOptions only_b;
    only_b.selection = make_selection("b", "");
    trained_b = fit_panel(config, only_b).checkpoint;
  }
  again.series.clear();  // a part holding no series, b left out as in `read`
  CHECK(merge_panel_checkpoints({read, again}, {"p1", "p2"}).left_out.size() == 1);
  CHECK(merge_panel_checkpoints({read, trained_b}, {"p1", "p3"}).left_out.empty());
  // Out of order or not strings: refused, named.
  auto json = nlohmann::json::parse(text);
  json["left_out"].push_back({{"id", "a"}, {"reason", "x"}});
  CHECK_THROWS_WITH(panel_checkpoint_from_json(json, "m.json"), Contains("left_out[1].id 'a' is out of order"));
  json["left_out"] = {{{"id", 3}, {"reason", "x"}}};
  CHECK_THROWS_WITH(panel_checkpoint_from_json(json, "m.json"), Contains("left_out[0].id must be a string"));
}

TEST_CASE("a series that varies too little to scale is left out per series, and refused in global mode", "[panel]") {
  TempDir dir;
  std::string text = "id,date,value\n";
  for (const char* id : {"a", "b"})
    for (int t = 0; t < 30; ++t) {
      char line[96];
      const double value = std::string(id) == "a" ? (t + 1) * 1e-300 : 100 + 10 * std::sin(t / 2.0) + t;
      std::snprintf(line, sizeof line, "%s,%04d-%02d,%.17g\n", id, 2000 + t / 12, t % 12 + 1, value);
      text += line;
    }
  Config config = panel_config(dir.write("p.csv", text), "per-series");
  config.training.threads = 1;
  const PanelFitOutcome outcome = fit_panel(config);
  REQUIRE(outcome.checkpoint.series.size() == 1);
  CHECK(outcome.checkpoint.series.front().id == "b");
  REQUIRE(outcome.checkpoint.left_out.size() == 1);
  CHECK_THAT(outcome.checkpoint.left_out.front().reason, Contains("too little to scale"));
  config.training.mode = TrainingMode::global;
  CHECK_THROWS_WITH(fit_panel(config), Contains("series 'a': column 'value' varies by only"));
}
