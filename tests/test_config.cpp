#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <sstream>

#include <nlohmann/json.hpp>

#include "lstmf/config.hpp"
#include "lstmf/error.hpp"
#include "support.hpp"

using namespace lstmf;
using Catch::Contains;
using Catch::EndsWith;
using Catch::StartsWith;
using nlohmann::json;

TEST_CASE("config defaults are valid apart from the data they need", "[config]") {
  Config config;
  CHECK(validate(config).empty());
  // 0 and auto: chosen from the data by the default recipe (recipe.hpp).
  CHECK(config.training.epochs == 0);
  CHECK(config.data.look_back == 0);
  CHECK(config.data.normalise == Normalise::automatic);
  CHECK(config.model.ensemble == 0);
  CHECK(config.model.hidden == std::vector<int>{50});
  CHECK(config.training.optimizer == OptimizerKind::adam);
}

TEST_CASE("a JSON config sets keys and keeps the defaults of absent ones", "[config]") {
  Config config;
  apply_json(config, json::parse(R"({"model": {"hidden": [64, 32]}, "training": {"optimizer": "rmsprop", "lr": 0.01}})"),
             "c.json");
  CHECK(config.model.hidden == std::vector<int>{64, 32});
  CHECK(config.training.optimizer == OptimizerKind::rmsprop);
  CHECK(config.training.lr == 0.01);
  CHECK(config.training.epochs == 0);
}

TEST_CASE("to_json and apply_json round-trip every key", "[config]") {
  Config config;
  config.data.targets = {"a", "b"};
  config.data.features = {"c"};
  config.data.missing = MissingPolicy::ffill;
  config.model.hidden = {8, 4, 2};
  config.model.cell_activation = CellActivation::relu;
  config.training.seed = 1234567890123ULL;
  config.training.lr = 0.1 + 0.2;  // a value that needs 17 digits
  config.training.loss = LossKind::huber;
  config.training.combine = Toggle::off;  // written false; refit stays "auto"
  Config back;
  apply_json(back, json::parse(to_json(config).dump()), "round trip");
  CHECK(to_json(back) == to_json(config));
  CHECK(back.training.lr == config.training.lr);
  CHECK(to_json(config)["training"]["combine"] == false);
  CHECK(to_json(config)["training"]["refit"] == "auto");
  CHECK(back.training.combine == Toggle::off);
  CHECK(back.training.refit == Toggle::automatic);
}

TEST_CASE("config validation reports every problem at once with its key path", "[config]") {
  Config config;
  REQUIRE_THROWS_WITH(
      apply_json(config, json::parse(R"({"model": {"hidden": [4, 0]}, "training": {"lr": -0.1, "epochs": -1}})"), "bad.json"),
      Contains("bad.json: ") && Contains("model.hidden[1] must be >= 1, got 0") &&
          Contains("training.lr must be > 0, got -0.1") && Contains("training.epochs must be an integer in 1 .. 1000000 or auto, got -1"));
}

TEST_CASE("an unknown key is an error that suggests the nearest valid key", "[config]") {
  Config config;
  SECTION("a misspelt key in a section") {
    REQUIRE_THROWS_WITH(apply_json(config, json::parse(R"({"training": {"epoch": 3}})"), "c.json"),
                        Contains("unknown key 'training.epoch'") && Contains("did you mean 'training.epochs'"));
  }
  SECTION("a key in the wrong section names its real section") {
    REQUIRE_THROWS_WITH(apply_json(config, json::parse(R"({"model": {"epochs": 3}})"), "c.json"),
                        Contains("unknown key 'model.epochs'") && Contains("did you mean 'training.epochs'"));
  }
  SECTION("a key at the top level") {
    REQUIRE_THROWS_WITH(apply_json(config, json::parse(R"({"look_back": 3})"), "c.json"),
                        Contains("unknown key 'look_back'") && Contains("did you mean 'data.look_back'"));
  }
  SECTION("a key's path written as one key") {
    REQUIRE_THROWS_WITH(apply_json(config, json::parse(R"({"training.lr": 0.1})"), "c.json"),
                        "c.json: unknown key 'training.lr' (a key of a section is written inside it: {\"training\": {\"lr\": ...}})");
  }
  SECTION("a misspelt section") {
    REQUIRE_THROWS_WITH(apply_json(config, json::parse(R"({"trainig": {}})"), "c.json"),
                        Contains("unknown key 'trainig'") && Contains("did you mean 'training'"));
  }
}

TEST_CASE("nearest_option answers a full key path, with or without a section given", "[config]") {
  CHECK(nearest_option("training.epoch") == "training.epochs");
  CHECK(nearest_option("data.lookback") == "data.look_back");
  CHECK(nearest_option("lr") == "training.lr");
  CHECK(nearest_option("epoch") == "training.epochs");
  CHECK(nearest_option("look_back") == "data.look_back");
}

TEST_CASE("wrong JSON types are reported with what was expected", "[config]") {
  Config config;
  REQUIRE_THROWS_WITH(
      apply_json(config, json::parse(R"({"training": {"epochs": "ten", "batch_size": 2.5, "centered": 1, "combine": "no"},
                                        "model": {"hidden": ["a"]}, "data": {"targets": 3}})"), "c.json"),
      Contains("training.epochs must be an integer in 1 .. 1000000 or auto, got \"ten\"") &&
          Contains("training.batch_size must be an integer, got 2.5") &&
          Contains("training.centered must be true or false, got 1") &&
          Contains("training.combine must be true, false or \"auto\", got \"no\"") &&
          Contains("model.hidden must be a list of integers") && Contains("data.targets must be a list of strings"));
  REQUIRE_THROWS_WITH(apply_json(config, json::parse(R"({"training": {"optimizer": "adagrad"}})"), "c.json"),
                      Contains("training.optimizer must be one of adam|rmsprop|sgd, got 'adagrad'"));
  REQUIRE_THROWS_WITH(apply_json(config, json::parse(R"([1, 2])"), "c.json"), Contains("expected a JSON object"));
  REQUIRE_THROWS_WITH(apply_json(config, json::parse(R"({"training": 3})"), "c.json"),
                      Contains("training must be an object"));
  // A seed past 2^64 - 1 is too large, not "not an integer" (the JSON reader holds it as a float).
  REQUIRE_THROWS_WITH(apply_json(config, json::parse(R"({"training": {"seed": 18446744073709551616}})"), "c.json"),
                      Contains("training.seed must be a non-negative integer of at most 18446744073709551615"));
  REQUIRE_THROWS_WITH(apply_json(config, json::parse(R"({"training": {"seed": 1.5e19}})"), "c.json"),
                      Contains("training.seed must be a non-negative integer, got"));
  apply_json(config, json::parse(R"({"training": {"seed": 18446744073709551615}})"), "c.json");
  CHECK(config.training.seed == 18446744073709551615ULL);
  // eps is added in float32: 1e-46 would be 0 there (0/0 for a weight whose gradient is 0); 1e-40,
  // a denormal, works and still loads from a checkpoint.
  for (const auto& [eps, refused] : {std::pair<double, bool>{1e-46, true}, {1e-45, false}, {1e-40, false}}) {
    Config with_eps;
    with_eps.training.eps = eps;
    INFO(eps);
    CHECK(validate(with_eps).empty() == !refused);
  }
  // -0 is 0, as for the int settings (it was refused as "a non-negative integer, got 0").
  apply_json(config, json::parse(R"({"training": {"seed": -0}})"), "c.json");
  CHECK(config.training.seed == 0);
  config.training.seed = 5;
  set_from_text(config, *find_option("training.seed"), "-0");
  CHECK(config.training.seed == 0);
  REQUIRE_THROWS_WITH(set_from_text(config, *find_option("training.seed"), "-1"), Contains("a non-negative integer"));
}

TEST_CASE("absurd sizes are refused before anything is allocated", "[config]") {
  Config config;
  REQUIRE_THROWS_WITH(apply_json(config, json::parse(R"({"model": {"hidden": [1000000000]}})"), "c.json"),
                      Contains("model.hidden[0] must be <= 4096, got 1000000000"));
  REQUIRE_THROWS_WITH(apply_json(config, json::parse(R"({"data": {"look_back": 100001}})"), "c.json"),
                      Contains("data.look_back must be <= 100000, got 100001"));
  REQUIRE_THROWS_WITH(apply_json(config, json::parse(R"({"training": {"epochs": 99999999999}})"), "c.json"),
                      Contains("training.epochs must be an integer in 1 .. 1000000 or auto, got 99999999999"));
  REQUIRE_THROWS_WITH(apply_json(config, json::parse(R"({"data": {"horizon": -99999999999}})"), "c.json"),
                      Contains("data.horizon must be an integer in 1 .. 100000, got -99999999999"));
  for (const char* huge : {"9223372036854775808", "18446744073709551615"})  // unsigned in nlohmann, not wrapped
    REQUIRE_THROWS_WITH(apply_json(config, json::parse(std::string(R"({"training": {"epochs": )") + huge + "}}"), "c.json"),
                        Contains("training.epochs must be an integer in 1 .. 1000000 or auto, got " + std::string(huge)));
}

TEST_CASE("the delimiter setting is read from its config text, as its check reads it", "[config]") {
  CHECK(delimiter_from_text("auto") == '\0');
  CHECK(delimiter_from_text(",") == ',');
  CHECK(delimiter_from_text(";") == ';');
  CHECK(delimiter_from_text("\t") == '\t');
  CHECK(delimiter_from_text("\\t") == '\t');
  CHECK(delimiter_from_text("tab") == '\t');
  const std::string expected = "data.delimiter must be auto, ',', ';' or tab (the word, \\t, or a tab character), got '|'";
  REQUIRE_THROWS_WITH(delimiter_from_text("|"), Contains(expected));
  Config config;
  REQUIRE_THROWS_WITH(apply_json(config, json::parse(R"({"data": {"delimiter": "|"}})"), "c.json"), Contains(expected));
}

TEST_CASE("cross-key checks", "[config]") {
  Config config;
  config.data.scale_min = 1;
  config.data.scale_max = 0;
  config.data.val_fraction = 0.5;
  config.data.test_fraction = 0.5;
  config.model.hidden = {};
  const auto problems = validate(config);
  CHECK(problems.size() >= 3);
  // Each problem names the keys it is about, first the one its text begins with.
  for (const ConfigProblem& problem : problems) {
    REQUIRE(!problem.keys.empty());
    CHECK(problem.text.rfind(problem.keys.front(), 0) == 0);
  }
  const auto about = [&](const std::string& text) {
    for (const ConfigProblem& problem : problems)
      if (problem.text.find(text) != std::string::npos) return problem.keys;
    return std::vector<std::string>{};
  };
  CHECK(about("above data.scale_min") == std::vector<std::string>{"data.scale_max", "data.scale_min"});
  CHECK(about("at least 10% for training") == std::vector<std::string>{"data.val_fraction", "data.test_fraction"});
  REQUIRE_THROWS_WITH(check(config, "cfg"), Contains("data.scale_max must be at least 0.001 above data.scale_min") &&
                                                Contains("model.hidden must name at least one layer size") &&
                                                Contains("must leave at least 10% for training"));
  // Found by a review: a range of 1e-300 trained to a checkpoint of NaN quantiles, and one of
  // +-1e308 to a NaN loss reported as divergence.
  Config narrow;
  narrow.data.scale_max = 1e-300;
  CHECK_THROWS_WITH(check(narrow, "cfg"), Contains("data.scale_max must be at least 0.001 above data.scale_min") && Contains("got 0 and 1e-300"));
  // Near 1e6 float resolves 0.06: a range of 1 there left the series 16 levels (forecasts of -4.5e8).
  Config far;
  far.data.scale_min = 999999;
  far.data.scale_max = 1e6;
  CHECK_THROWS_WITH(check(far, "cfg"), Contains("by a thousandth of the larger one's magnitude") && Contains("got 999999 and 1e+06"));
  far.data.scale_min = 0;  // [0, 1e6] is wide enough
  CHECK(validate(far).empty());
  Config wide;
  wide.data.scale_min = -1e308;
  wide.data.scale_max = 1e308;
  CHECK_THROWS_WITH(check(wide, "cfg"), Contains("data.scale_min must be >= -1e+06, got -1e+308") &&
                                            Contains("data.scale_max must be <= 1e+06, got 1e+308"));
  // A bound beyond its range is that problem alone (it also said the range's width was wrong), and
  // a value just past a bound is shown with the digits that tell it from the bound (it said "got 1e+06").
  Config past;
  past.data.scale_max = 1000000.5;
  REQUIRE(validate(past).size() == 1);
  CHECK(validate(past)[0].text == "data.scale_max must be <= 1e+06, got 1000000.5");
  past.data.scale_max = 1;
  past.training.weight_decay = 1.0000001;
  REQUIRE(validate(past).size() == 1);
  CHECK(validate(past)[0].text == "training.weight_decay must be <= 1, got 1.0000001");
  Config usual;
  usual.data.scale_min = -1;
  CHECK(validate(usual).empty());
  Config stretched;  // the recipe stretches the range up to 1e4 (a review: 1349 for 1,500 trending rows)
  stretched.data.scale_max = 1e4;
  CHECK(validate(stretched).empty());
}

TEST_CASE("a held-out tail outside the table's range, 0 up to 0.9, is told that range, and not the sum besides", "[config]") {
  for (const double tail : {-0.1, 0.9, 0.95, 1.0}) {
    Config config;
    config.data.val_fraction = tail;
    INFO(tail);
    CHECK_THROWS_WITH(check(config, "cfg"), StartsWith("cfg: data.val_fraction must be in [0, 0.9), got ") && !Contains("10%"));
    config.data.val_fraction = 0.1;
    config.data.test_fraction = tail;
    CHECK_THROWS_WITH(check(config, "cfg"), StartsWith("cfg: data.test_fraction must be in [0, 0.9), got ") && !Contains("10%"));
  }
  Config config;
  config.data.val_fraction = 0.89;
  config.data.test_fraction = 0;
  CHECK(validate(config).empty());
  // The sum as written, not as a double adds it (0.9000009999999999).
  config.data.val_fraction = 0.45;
  config.data.test_fraction = 0.450001;
  CHECK_THROWS_WITH(check(config, "cfg"), Contains("must leave at least 10% for training, got 0.900001") && !Contains("0.90000099"));
}

TEST_CASE("a problem names the flag of each key a flag set", "[config]") {
  Config tails;
  tails.data.val_fraction = 0.45;
  tails.data.test_fraction = 0.5;
  CHECK_THROWS_WITH(check(tails, "command line", false, {"data.val_fraction", "data.test_fraction"}),
                    "command line: --val-fraction (data.val_fraction) + --test-fraction (data.test_fraction) must leave at least 10% "
                    "for training, got 0.95");
  CHECK_THROWS_WITH(check(tails, "c.json with the command line", false, {"data.test_fraction"}),
                    StartsWith("c.json with the command line: data.val_fraction + --test-fraction (data.test_fraction) must"));
  Config season;
  season.data.normalise = Normalise::season;
  season.data.look_back = 3;
  season.data.season = 12;
  CHECK_THROWS_WITH(check(season, "command line", false, {"data.season"}),
                    StartsWith("command line: data.normalise season needs data.look_back >= --season (data.season) (the"));
  Config layers;
  layers.model.hidden = {32, 0};
  CHECK_THROWS_WITH(check(layers, "command line", false, {"model.hidden"}), "command line: --hidden (model.hidden[1]) must be >= 1, got 0");
  CHECK_THROWS_WITH(check(layers, "command line"), "command line: model.hidden[1] must be >= 1, got 0");  // no flag set it
}

TEST_CASE("command-line text sets keys and names the flag when it is bad", "[config]") {
  Config config;
  const auto find = [](const std::string& path) {
    for (const auto& o : config_options())
      if (o.path() == path) return o;
    FAIL("no option " << path);
    return OptionInfo{};
  };
  REQUIRE_THROWS_WITH(set_from_text(config, find("training.seed"), "18446744073709551616"),
                      Contains("--seed expects a non-negative integer of at most 18446744073709551615 (2^64 - 1), got '18446744073709551616'"));
  REQUIRE_THROWS_WITH(set_from_text(config, find("training.seed"), "-1"), Contains("--seed expects a non-negative integer, got '-1'"));
  set_from_text(config, find("model.hidden"), "64,32");
  CHECK(config.model.hidden == std::vector<int>{64, 32});
  set_from_text(config, find("data.targets"), "a,b");
  CHECK(config.data.targets == std::vector<std::string>{"a", "b"});
  // A name holding a comma is quoted, as in a CSV field ("" a quote inside).
  set_from_text(config, find("data.targets"), "\"sales, EUR\",b,\"say \"\"hi\"\"\"");
  CHECK(config.data.targets == std::vector<std::string>{"sales, EUR", "b", "say \"hi\""});
  REQUIRE_THROWS_WITH(set_from_text(config, find("data.targets"), "\"sales, EUR"),
                      Contains("--target expects a closing quote, got '\"sales, EUR'"));
  REQUIRE_THROWS_WITH(set_from_text(config, find("data.targets"), "\"a\"b"),
                      Contains("--target expects a comma after a quoted item"));
  set_from_text(config, find("data.targets"), "a,");
  CHECK(config.data.targets == std::vector<std::string>{"a", ""});
  set_from_text(config, find("training.optimizer"), "sgd");
  CHECK(config.training.optimizer == OptimizerKind::sgd);
  REQUIRE_THROWS_WITH(set_from_text(config, find("training.epochs"), "-"), Contains("--epochs expects an integer in 1 .. 1000000 or auto, got '-'"));
  REQUIRE_THROWS_WITH(set_from_text(config, find("training.lr"), "fast"), Contains("--lr expects a finite number, got 'fast'"));
  REQUIRE_THROWS_WITH(set_from_text(config, find("training.lr"), "inf"), Contains("--lr expects a finite number"));
  // Numbers a double cannot hold say which end they fall off.
  REQUIRE_THROWS_WITH(set_from_text(config, find("training.lr"), "1e400"),
                      Contains("--lr expects a finite number (at most 1.8e308 in magnitude), got '1e400'"));
  REQUIRE_THROWS_WITH(set_from_text(config, find("training.lr"), "1e-400"),
                      Contains("--lr expects a number a double can hold (nonzero ones from 4.9e-324 up in magnitude; 0 is written 0), got '1e-400'"));
  REQUIRE_THROWS_WITH(set_from_text(config, find("model.hidden"), "64,,32"), Contains("--hidden expects a list of integers"));
  // A switch the recipe may decide: auto, true or false (1 / 0).
  CHECK(config.training.combine == Toggle::automatic);
  set_from_text(config, find("training.combine"), "false");
  CHECK(config.training.combine == Toggle::off);
  set_from_text(config, find("training.refit"), "1");
  CHECK(config.training.refit == Toggle::on);
  set_from_text(config, find("training.refit"), "auto");
  CHECK(config.training.refit == Toggle::automatic);
  REQUIRE_THROWS_WITH(set_from_text(config, find("training.combine"), "yes"),
                      Contains("--combine expects true, false or \"auto\", got 'yes'"));
}

TEST_CASE("every option has a help text, and the stable flags exist", "[config]") {
  std::vector<std::string> flags;
  for (const auto& o : config_options()) {
    CHECK_FALSE(o.help.empty());
    if (!o.flag.empty()) flags.push_back(o.flag);
  }
  for (const char* flag : {"--data", "--target", "--features", "--time-column", "--look-back", "--horizon", "--hidden",
                           "--epochs", "--batch-size", "--optimizer", "--lr", "--seed", "--threads", "--output", "--log-json"})
    CHECK(std::find(flags.begin(), flags.end(), flag) != flags.end());
  const std::string table = options_markdown();
  CHECK_THAT(table, Contains("| `training.epochs` | `--epochs N` | `auto` |"));
}

// The range column of the option table and --help says what validation does: each bound is
// accepted (no problem at all, with the other keys at their defaults), and just beyond it is
// refused, naming the key. A range that names another key ("below scale_max") bounds it with that
// key's value: its bound beside the other's default is not checked here.
TEST_CASE("every option's range is the one validation keeps", "[config]") {
  const auto problems_naming = [](const OptionInfo& option, const std::string& value) {
    Config config;
    if (option.range.find("the other tail") != std::string::npos) config.data.val_fraction = 0;  // its bound alone
    OptionInfo by_key = option;
    set_from_text(config, by_key, value);
    int named = 0;
    for (const ConfigProblem& problem : validate(config))
      named += problem.keys.front() == option.path() && problem.text.rfind(option.path(), 0) == 0 ? 1 : 100;
    return named;  // a problem not naming the key counts 100: never "accepted", never "refused once"
  };
  int ranged = 0;
  for (const auto& option : config_options()) {
    if (option.range.empty()) continue;
    INFO(option.path() << ": " << option.range);
    ++ranged;
    const std::string& range = option.range;
    if (option.path() == "training.seed") {  // every uint64: its reader refuses the rest
      REQUIRE(range == "0 .. 2^64 - 1");
      Config config;
      CHECK_NOTHROW(set_from_text(config, option, "0"));
      CHECK_NOTHROW(set_from_text(config, option, "18446744073709551615"));
      CHECK(config.training.seed == 18446744073709551615ULL);
      CHECK_THROWS(set_from_text(config, option, "18446744073709551616"));
      CHECK_THROWS(set_from_text(config, option, "-1"));
      continue;
    }
    if (range.rfind("[0, ", 0) == 0) {  // [0, X), with or without a note
      const double x = std::stod(range.substr(4));
      CHECK(problems_naming(option, "0") == 0);
      CHECK(problems_naming(option, std::to_string(x - 0.001)) == 0);
      CHECK(problems_naming(option, std::to_string(x)) >= 1);
      CHECK(problems_naming(option, "-0.001") == 1);
    } else if (range == "> 0") {
      CHECK(problems_naming(option, "1e-300") == 0);
      CHECK(problems_naming(option, "0") == 1);
    } else if (range.rfind(">= ", 0) == 0) {  // >= X
      const double x = std::stod(range.substr(3));
      CHECK(problems_naming(option, range.substr(3)) == 0);
      CHECK(problems_naming(option, "1e300") == 0);
      std::ostringstream tenth;
      tenth << x / 10;
      CHECK(problems_naming(option, tenth.str()) == 1);
      CHECK(problems_naming(option, "0") == 1);
    } else {
      const auto dots = range.find(" .. ");
      REQUIRE(dots != std::string::npos);
      const std::string lo = range.substr(0, dots);
      std::string hi = range.substr(dots + 4);
      hi = hi.substr(0, hi.find_first_of(" ,"));  // "4096 each, ...", "100000 or auto", "1e+06, below ..."
      const bool integer = option.value_name == "N" || option.value_name == "M" || option.value_name == "N[,N...]";
      const bool other_key = range.find(", below ") != std::string::npos || range.find(", above ") != std::string::npos;
      if (!other_key || range.find(", below ") != std::string::npos) CHECK(problems_naming(option, lo) == 0);
      if (!other_key || range.find(", above ") != std::string::npos) CHECK(problems_naming(option, hi) == 0);
      if (integer) {
        CHECK(problems_naming(option, std::to_string(std::stoll(hi) + 1)) == 1);
        // An "auto" key refuses 0 as it reads it (0 is its "auto"), the others when validated.
        const std::string below = std::to_string(std::stoll(lo) - 1);
        if (range.find("auto") != std::string::npos)
          CHECK_THROWS_AS(problems_naming(option, below), InputError);
        else
          CHECK(problems_naming(option, below) == 1);
      } else {
        const auto text = [](double v) {
          std::ostringstream out;
          out << std::setprecision(17) << v;
          return out.str();
        };
        CHECK(problems_naming(option, text(std::stod(hi) * 1.001)) >= 1);
        CHECK(problems_naming(option, text(std::stod(lo) - std::max(1e-9, std::abs(std::stod(lo)) * 0.001))) >= 1);
      }
    }
  }
  CHECK(ranged >= 25);
  // model.hidden: 16 layers at most.
  Config config;
  set_from_text(config, *find_option("model.hidden"), "2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2");
  CHECK(validate(config).empty());
  config.model.hidden.push_back(2);
  CHECK(validate(config).size() == 1);
  // The two tails: their sum below 0.9.
  Config tails;
  tails.data.val_fraction = 0.5;
  tails.data.test_fraction = 0.39;
  CHECK(validate(tails).empty());
  tails.data.test_fraction = 0.4;
  CHECK(validate(tails).size() == 1);
}

TEST_CASE("config files are read with located JSON errors", "[config]") {
  test::TempDir dir;
  REQUIRE_THROWS_WITH(config_from_file(dir.write("bad.json", "{\n  \"training\": {\"epochs\": 3,}\n}\n")),
                      Contains("bad.json:2:") && Contains("invalid JSON"));
  REQUIRE_THROWS_WITH(config_from_file(dir.file("missing.json")), Contains("missing.json: cannot open"));
  REQUIRE_THROWS_WITH(config_from_file(dir.write("empty.json", "")), Contains("empty.json: empty file"));
  const Config config = config_from_file(dir.write("ok.json", R"({"data": {"look_back": 7}})"));
  CHECK(config.data.look_back == 7);
}

TEST_CASE("a config file's problems are located at the first one's key, in the file's order", "[config]") {
  test::TempDir dir;
  // nlohmann sorts keys: "extra" came before "training" and was the one located.
  const std::string text = "{\n  \"training\": {\n    \"seed\": 1.5,\n    \"lr\": 0.1\n  },\n  \"extra\": 1\n}\n";
  REQUIRE_THROWS_WITH(config_from_file(dir.write("c.json", text)),
                      EndsWith("c.json:3:5: training.seed must be a non-negative integer, got 1.5; unknown key 'extra' (did you mean 'data'?)"));
  // Values are checked once flags have overridden them (check()): located when they are the file's.
  Config config = config_from_file(dir.write("v.json", "{\"data\": {\"look_back\": 3,\n \"horizon\": 0}}"));
  CHECK_THROWS_WITH(check(config, "v.json", true), "v.json:2:2: data.horizon must be >= 1, got 0");
  CHECK_THROWS_WITH(check(config, "v.json"), "v.json: data.horizon must be >= 1, got 0");  // a flag's: not placed
  config.model.hidden = {5000};  // model.hidden[0], a key the file does not hold, comes last
  CHECK_THROWS_WITH(check(config, "v.json", true), StartsWith("v.json:2:2: data.horizon must be >= 1, got 0; model.hidden[0]"));
  // An array's element is located at its key ("hidden"), a problem of two keys at the earliest of
  // them the file holds: test_fraction alone of the two tails (it was said without a place).
  CHECK_THROWS_WITH(check(config_from_file(dir.write("h.json", "{\"model\": {\n  \"hidden\": [32, 0]}}")), "h.json", true),
                    "h.json:2:3: model.hidden[1] must be >= 1, got 0");
  CHECK_THROWS_WITH(check(config_from_file(dir.write("s.json", "{\"data\": {\"scale_min\": 0,\n\n \"scale_max\": 0}}")), "s.json", true),
                    StartsWith("s.json:1:11: data.scale_max must be at least 0.001 above data.scale_min"));
  CHECK_THROWS_WITH(check(config_from_file(dir.write("t.json", "{\"data\": {\n  \"test_fraction\": 0.85},\n \"training\": {\"lr\": 0}}")),
                          "t.json", true),
                    StartsWith("t.json:2:3: data.val_fraction + data.test_fraction must leave at least 10% for training, got 0.95; "
                               "training.lr must be > 0"));
}

TEST_CASE("the README's option table is the one generated from the option table", "[config]") {
  const std::string readme = test::read_file(test::source_path("README.md"));
  CHECK_THAT(readme, Contains("<!-- options:begin -->\n" + options_markdown() + "<!-- options:end -->"));
}

TEST_CASE("a relative data path in a config file is relative to the config file", "[config]") {
  test::TempDir dir;
  const Config config = config_from_file(dir.write("c.json", R"({"data": {"path": "series.csv"}})"));
  CHECK(config.data.path == dir.path() + "/series.csv");
  CHECK(config_from_file(dir.write("up.json", R"({"data": {"path": "../x/./series.csv"}})")).data.path ==
        std::filesystem::path(dir.path()).parent_path().string() + "/x/series.csv");
  // Reached through a symlinked folder, its ".." is the real folder's parent, not the link's (a
  // hunt: "link/../data/a.csv" was read as "data/a.csv" of the working folder, another file).
  std::filesystem::create_directories(dir.file("real/configs"));
  std::filesystem::create_directories(dir.file("real/data"));
  std::filesystem::create_directories(dir.file("work/data"));
  dir.write("real/data/a.csv", "y\n1\n");
  dir.write("work/data/a.csv", "y\n2\n");  // the decoy
  dir.write("real/configs/c.json", R"({"data": {"path": "../data/a.csv"}})");
  std::filesystem::create_directory_symlink(dir.file("real/configs"), dir.file("work/link"));
  const Config linked = config_from_file(dir.file("work/link/c.json"));
  CHECK(std::filesystem::equivalent(linked.data.path, dir.file("real/data/a.csv")));
  // A regular file under /dev (tmpfs /dev/shm) is a config file like any other (a review: every
  // /dev path had been taken for a stream, whose paths are the working folder's).
  char shm[] = "/dev/shm/lstmf-config-XXXXXX";
  if (std::filesystem::is_directory("/dev/shm") && ::mkdtemp(shm) != nullptr) {
    const std::string folder = shm;
    { std::ofstream(folder + "/c.json") << R"({"data": {"path": "series.csv"}})"; }
    CHECK(config_from_file(folder + "/c.json").data.path == folder + "/series.csv");
    std::filesystem::remove_all(folder);
  }
}

TEST_CASE("parse_setting splits KEY=VALUE at the first '=' and knows every key, with a flag or not", "[config]") {
  const Setting beta2 = parse_setting("--set", "training.beta2=0.99");
  REQUIRE(beta2.option != nullptr);
  CHECK(beta2.option->path() == "training.beta2");
  CHECK(beta2.option->flag.empty());
  CHECK(beta2.value == "0.99");
  CHECK(parse_setting("--set", "data.path=a=b.csv").value == "a=b.csv");
  CHECK(parse_setting("--set", "output.log_json=").value.empty());
  CHECK_THROWS_WITH(parse_setting("--set", "training.epochs"), Contains("--set expects KEY=VALUE") && Contains("got 'training.epochs'"));
  CHECK_THROWS_WITH(parse_setting("--set", "training.epoch=3"), Contains("--set training.epoch: unknown config key (did you mean 'training.epochs'?)"));
  CHECK_THROWS_WITH(parse_setting("--set", "=3"), Contains("got '=3': no key before '='"));
}

// Found by a hunt: settings the rest of the configuration leaves without effect were accepted
// silently (but model.dropout with one layer).
TEST_CASE("settings given without effect are named at their values, not defaults or used settings", "[config]") {
  Config config;
  CHECK(settings_without_effect(config).empty());
  const auto given = [&](const std::string& key, const std::string& value) {
    set_from_text(config, *find_option(key), value);
    config.given.insert(key);
  };
  given("training.momentum", "0.9");  // Adam, the default optimizer
  given("model.dropout", "0.2");      // one layer
  given("training.mode", "global");   // no series column
  std::vector<std::string> notes = settings_without_effect(config);
  REQUIRE(notes.size() == 3);
  CHECK(notes[0] == "model.dropout 0.2 has no effect with one layer: it applies between stacked layers (--hidden 32,32)");
  CHECK(notes[1] == "training.momentum 0.9 has no effect with the adam optimizer (it is RMSprop's and SGD's)");
  CHECK(notes[2] == "training.mode global has no effect without a series column (--series-column): the file is one series");
  given("training.optimizer", "sgd");
  given("model.hidden", "8,8");
  given("data.series_column", "id");
  CHECK(settings_without_effect(config).empty());
  given("training.beta1", "0.8");
  given("training.combine", "false");
  given("training.theta_weight", "0.5");
  notes = settings_without_effect(config);
  REQUIRE(notes.size() == 2);
  CHECK(notes[0] == "training.beta1 0.8 has no effect with the sgd optimizer (it is Adam's)");
  CHECK(notes[1] == "training.theta_weight 0.5 has no effect with training.combine false: it is Theta's share of the combination");
  // Found by a review: with the epochs left to the recipe, a loss and lr_factor left at their
  // defaults are the recipe's (Huber, 0.5), so Huber's delta and the plateau settings act; with the
  // epochs given they stay MSE and 1, and those settings do nothing.
  Config recipe;
  const auto set = [](Config& into, const std::string& key, const std::string& value) {
    set_from_text(into, *find_option(key), value);
    into.given.insert(key);
  };
  set(recipe, "training.huber_delta", "2");
  set(recipe, "training.lr_patience", "3");
  CHECK(settings_without_effect(recipe).empty());
  set(recipe, "training.epochs", "50");
  notes = settings_without_effect(recipe);
  REQUIRE(notes.size() == 2);
  CHECK(notes[0] == "training.huber_delta 2.0 has no effect with the mse loss");
  CHECK(notes[1] == "training.lr_patience 3 has no effect with training.lr_factor 1 (no reduce-on-plateau)");
  set(recipe, "training.loss", "huber");
  set(recipe, "training.lr_factor", "0.5");
  CHECK(settings_without_effect(recipe).empty());
  // A checkpoint's recorded config gives every key, at the values the recipe resolved (Huber loss,
  // lr_factor 0.5, one layer) or an older file wrote (theta_weight 0 with combine false): nothing
  // to say of them.
  Config recorded;
  recorded.training.loss = LossKind::huber;
  recorded.training.lr_factor = 0.5;
  recorded.training.combine = Toggle::off;
  recorded.training.theta_weight = 0;
  recorded.training.refit = Toggle::on;
  recorded.data.normalise = Normalise::season;
  for (const OptionInfo& option : config_options()) recorded.given.insert(option.path());
  CHECK(settings_without_effect(recorded).empty());
  // Found by a hunt: without validation rows, what watches or uses them; a snapshot interval no
  // shorter than the run.
  Config unvalidated;
  set(unvalidated, "data.val_fraction", "0");
  set(unvalidated, "training.patience", "5");
  set(unvalidated, "training.lr_factor", "0.5");
  set(unvalidated, "training.refit", "true");
  set(unvalidated, "training.combine", "true");
  set(unvalidated, "training.epochs", "2");
  set(unvalidated, "output.checkpoint_every", "2");
  notes = settings_without_effect(unvalidated);
  REQUIRE(notes.size() == 5);
  CHECK(notes[0] == "training.patience 5 has no effect without validation rows (data.val_fraction 0): early stopping "
                    "watches the validation loss");
  CHECK(notes[1] == "training.lr_factor 0.5 has no effect without validation rows (data.val_fraction 0): "
                    "reduce-on-plateau watches the validation loss");
  CHECK(notes[2] == "training.refit true has no effect without validation rows (data.val_fraction 0): the first run "
                    "trains on every row already");
  CHECK(notes[3] == "training.combine true has no effect without validation rows (data.val_fraction 0): the combination "
                    "is weighed on them");
  CHECK(notes[4] == "output.checkpoint_every 2 has no effect with 2 epochs: the checkpoint is written at the end anyway");
  set(unvalidated, "data.val_fraction", "0.2");
  set(unvalidated, "training.epochs", "3");
  CHECK(settings_without_effect(unvalidated).empty());
}
