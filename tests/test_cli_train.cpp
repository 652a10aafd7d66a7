// End-to-end: train and predict through the built binary, in a temporary folder.
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <functional>
#include <sstream>
#include <filesystem>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "lstmf/error.hpp"
#include "support.hpp"

using namespace lstmf::test;
using Catch::Contains;
using Catch::StartsWith;

namespace {

const std::string kAirlineFlags = "--data '" + source_path("data/airline-passengers.csv") +
                             "' --target passengers --time-column date --hidden 8";
// Three quick epochs with a fixed seed.
const std::string kQuick = kAirlineFlags + " --look-back 12 --normalise minmax --ensemble 1 --epochs 3";
// A run that trains until it is stopped (a signal, or timeout's kill).
const std::string kLongRun = "train --data '" + source_path("data/sunspots.csv") +
                             "' --target sunspots --time-column date --look-back 12 --hidden 8 --ensemble 1 --epochs 100000 "
                             "--patience 0";


std::string replace_all_args(std::string text, const std::string& from, const std::string& to) {
  return text.replace(text.find(from), from.size(), to);
}

}  // namespace

TEST_CASE("train writes a checkpoint and predict forecasts the future with timestamps", "[cli-train]") {
  TempDir dir;
  const RunResult train = run_cli("train " + kQuick + " --seed 5 --horizon 3 --output m.json --log-json log.jsonl", dir.path());
  INFO(train.err);
  REQUIRE(train.exit_code == 0);
  CHECK(train.out.empty());  // stdout is data; train has none
  // stderr is not a terminal here: the summary, but no progress lines unless --progress asks.
  CHECK_THAT(train.err, !Contains("epoch 1/") && Contains("validation MAE") && Contains("checkpoint: m.json"));
  // The settings used, explicit or chosen by the recipe (here: the season from the monthly time column).
  CHECK_THAT(train.err, StartsWith("settings: look-back 12, horizon 3, normalise minmax, season 12, seasonal adjustment "
                                   "none, 1 x 3 epochs\n"));
  const RunResult shown = run_cli("train " + kQuick + " --seed 5 --horizon 3 --output m2.json --progress", dir.path());
  CHECK_THAT(shown.err, Contains("epoch 1/3") && Contains("epoch 3/3") && Contains("ETA"));
  REQUIRE(file_exists(dir.file("m.json")));

  SECTION("the log has one JSON object per epoch") {
    const std::string log = read_file(dir.file("log.jsonl"));
    REQUIRE(count_lines(log) == 3);
    const auto first = nlohmann::json::parse(log.substr(0, log.find('\n')));
    for (const char* key : {"epoch", "train_loss", "val_loss", "lr", "seconds", "train_windows", "refit"}) CHECK(first.contains(key));
    CHECK(first["train_windows"] == 130 - 12 - 3 + 1);
  }
  SECTION("predict from the checkpoint's data tail continues the monthly dates") {
    const RunResult predict = run_cli("predict --model m.json", dir.path());
    INFO(predict.err);
    REQUIRE(predict.exit_code == 0);
    CHECK_THAT(predict.out, StartsWith("date,passengers\n1961-01,") && Contains("\n1961-03,"));
    CHECK(count_lines(predict.out) == 4);
  }
  SECTION("longer horizons roll the model forward") {
    const RunResult predict = run_cli("predict --model m.json --horizon 14", dir.path());
    REQUIRE(predict.exit_code == 0);
    CHECK(count_lines(predict.out) == 15);
    CHECK_THAT(predict.out, Contains("\n1962-02,"));
  }
  SECTION("predict reads history from stdin and writes to stdout, so it pipes") {
    std::string history = read_file(source_path("data/airline-passengers.csv"));
    const RunResult predict = run_cli("predict --model m.json --input - --horizon 2", dir.path(), history.substr(0, 400));
    INFO(predict.err);
    REQUIRE(predict.exit_code == 0);
    CHECK_THAT(predict.out, StartsWith("date,passengers\n"));
    CHECK(count_lines(predict.out) == 3);
  }
  SECTION("predict writes a file when asked, atomically") {
    const RunResult predict = run_cli("predict --model m.json --output f.csv", dir.path());
    REQUIRE(predict.exit_code == 0);
    CHECK(predict.out.empty());
    CHECK_THAT(read_file(dir.file("f.csv")), StartsWith("date,passengers\n1961-01,"));
  }
  SECTION("--fitted gives a prediction for every window of the input, at the steps it holds") {
    const RunResult predict =
        run_cli("predict --model m.json --fitted --input '" + source_path("data/airline-passengers.csv") + "'", dir.path());
    REQUIRE(predict.exit_code == 0);
    CHECK_THAT(predict.out, StartsWith("date,step,passengers\n1950-01,1,"));
    // Origins 12 .. 143 (look-back 12), 3 steps each but the last two origins' steps after 1960-12.
    CHECK(count_lines(predict.out) == 1 + (144 - 12) * 3 - 3);
    const std::string last_line = predict.out.substr(predict.out.rfind('\n', predict.out.size() - 2) + 1);
    CHECK_THAT(last_line, StartsWith("1960-12,1,"));  // the last origin's first step
    CHECK_THAT(predict.out, !Contains("\n1961-"));
    const RunResult tail = run_cli("predict --model m.json --fitted", dir.path());
    CHECK(tail.exit_code == 2);
    CHECK_THAT(tail.err, Contains("m.json: --fitted needs the history to fit (--input FILE"));
  }
}

TEST_CASE("the same data, config and seed give a byte-identical checkpoint", "[cli-train]") {
  TempDir first, second;
  REQUIRE(run_cli("train " + kQuick + " --seed 5 --output m.json --quiet", first.path()).exit_code == 0);
  REQUIRE(run_cli("train " + kQuick + " --seed 5 --output m.json --quiet", second.path()).exit_code == 0);
  CHECK(read_file(first.file("m.json")) == read_file(second.file("m.json")));
  REQUIRE(run_cli("train " + kQuick + " --seed 6 --output other.json --quiet", first.path()).exit_code == 0);
  const auto a = nlohmann::json::parse(read_file(first.file("m.json")));
  const auto b = nlohmann::json::parse(read_file(first.file("other.json")));
  CHECK(a["state_dict"] != b["state_dict"]);
}

TEST_CASE("train --set sets any config key, and the same setting by its flag gives the same checkpoint", "[cli-train]") {
  TempDir dir, by_flag, by_set, without;
  // training.beta1 has no flag; --set data.look_back=12 is the same request as --look-back 12.
  const std::string flags = kAirlineFlags + " --normalise minmax --ensemble 1 --epochs 3 --quiet --output m.json";
  REQUIRE(run_cli("train " + flags + " --look-back 12 --set training.beta1=0.8", by_flag.path()).exit_code == 0);
  REQUIRE(run_cli("train " + flags + " --set data.look_back=12 --set training.beta1=0.8", by_set.path()).exit_code == 0);
  REQUIRE(run_cli("train " + flags + " --look-back 12", without.path()).exit_code == 0);
  const auto a = nlohmann::json::parse(read_file(by_flag.file("m.json")));
  CHECK(a["config"]["training"]["beta1"] == 0.8);
  CHECK(read_file(by_flag.file("m.json")) == read_file(by_set.file("m.json")));
  CHECK(read_file(by_flag.file("m.json")) != read_file(without.file("m.json")));
  // --set data.path=- reads stdin as --data - does, so one stdin cannot be asked for twice.
  const RunResult twice = run_cli("train --config - --set data.path=- --target passengers", dir.path());
  CHECK(twice.exit_code == 2);
  CHECK_THAT(twice.err, Contains("both read stdin"));
}

TEST_CASE("resume with the same command goes on where the recipe shortened the horizon of a short series", "[cli-train]") {
  // 35 months for --horizon 5: the recipe trains horizon 4 and rolls it forward (forecast_horizon 5).
  TempDir dir;
  std::string csv = "date,y\n";
  for (int i = 0; i < 35; ++i)
    csv += std::to_string(2004 + (i + 8) / 12) + "-" + (((i + 8) % 12) < 9 ? "0" : "") + std::to_string((i + 8) % 12 + 1) +
           "-01," + std::to_string(100 + 30 * std::sin(i * 0.52) + (i * 37) % 23) + "\n";
  dir.write("short.csv", csv);
  const std::string command = "train --data short.csv --target y --time-column date --horizon 5 --hidden 8 --threads 1 "
                              "--ensemble 1 --refit false --patience 0 --quiet";
  REQUIRE(run_cli(command + " --epochs 3 --output three.json", dir.path()).exit_code == 0);
  REQUIRE(nlohmann::json::parse(read_file(dir.file("three.json")))["config"]["data"]["horizon"] == 4);
  const RunResult resumed = run_cli(command + " --epochs 5 --resume three.json --output resumed.json", dir.path());
  INFO(resumed.err);
  REQUIRE(resumed.exit_code == 0);
  REQUIRE(run_cli(command + " --epochs 5 --output five.json", dir.path()).exit_code == 0);
  auto once = nlohmann::json::parse(read_file(dir.file("five.json")));
  auto twice = nlohmann::json::parse(read_file(dir.file("resumed.json")));
  CHECK(twice["forecast_horizon"] == 5);
  CHECK(twice["state_dict"] == once["state_dict"]);
}

TEST_CASE("resume continues from a checkpoint's weights and optimizer state", "[cli-train]") {
  TempDir dir;
  REQUIRE(run_cli("train " + kQuick + " --patience 0 --output three.json --quiet", dir.path()).exit_code == 0);
  const RunResult resumed = run_cli("train --resume three.json --epochs 5 --output five.json --progress", dir.path());
  INFO(resumed.err);
  REQUIRE(resumed.exit_code == 0);
  CHECK_THAT(resumed.err, Contains("epoch 4/5") && Contains("epoch 5/5") && !Contains("epoch 1/5"));
  const auto five = nlohmann::json::parse(read_file(dir.file("five.json")));
  CHECK(five["history"]["epochs"].size() == 5);
  // Stopping after 3 epochs and resuming gives the same weights as 5 epochs in one go.
  REQUIRE(run_cli("train " + kAirlineFlags + " --look-back 12 --normalise minmax --ensemble 1 --patience 0 --epochs 5 --output straight.json --quiet", dir.path()).exit_code == 0);
  const auto straight = nlohmann::json::parse(read_file(dir.file("straight.json")));
  CHECK(five["state_dict"] == straight["state_dict"]);
  SECTION("a setting at odds with the checkpoint's config blames both, one of the flags' own the command line") {
    // three.json holds data.val_fraction 0.1: with --test-fraction 0.85 no training rows are left.
    const RunResult both = run_cli("train --resume three.json --test-fraction 0.85 --output odd.json", dir.path());
    CHECK(both.exit_code == 2);
    CHECK(both.err == "lstm-forecast: three.json (the checkpoint resumed) with the command line: data.val_fraction + "
                      "--test-fraction (data.test_fraction) must leave at least 10% for training, got 0.95\n");
    const RunResult flags = run_cli("train --resume three.json --test-fraction 0.85 --val-fraction 0.1 --output odd.json", dir.path());
    CHECK(flags.exit_code == 2);
    CHECK_THAT(flags.err, StartsWith("lstm-forecast: command line: --val-fraction (data.val_fraction) + --test-fraction"));
    CHECK_FALSE(file_exists(dir.file("odd.json")));
  }
  SECTION("on another thread count than the run's, with a note that says so") {
    // On 1 thread the batch shards of a 2-thread run round otherwise (docs/checkpoint.md "Determinism").
    REQUIRE(run_cli("train " + kQuick + " --patience 0 --threads 2 --output two.json --quiet", dir.path()).exit_code == 0);
    REQUIRE(nlohmann::json::parse(read_file(dir.file("two.json")))["optimizer_state"]["shards"] == 2);
    const RunResult other = run_cli("train --resume two.json --epochs 5 --threads 1 --output other.json --quiet", dir.path());
    INFO(other.err);
    REQUIRE(other.exit_code == 0);
    CHECK_THAT(other.err, Contains("note: resuming on 1 thread, where the checkpoint's run had 2") &&
                              Contains("does not end as the uninterrupted run would (--threads 2 matches it)"));
    CHECK(nlohmann::json::parse(read_file(dir.file("other.json")))["optimizer_state"]["shards"] == 1);
    const RunResult same = run_cli("train --resume two.json --epochs 5 --output same.json --quiet", dir.path());
    CHECK(same.exit_code == 0);
    CHECK(same.err.empty());  // the checkpoint's config says 2
  }
  SECTION("from stdin, and in place by default, the earlier run's log left as it was") {
    REQUIRE(run_cli("train " + kQuick + " --patience 0 --output in.json --log-json in.log --quiet", dir.path()).exit_code == 0);
    const std::string log = read_file(dir.file("in.log"));
    const RunResult piped = run_cli("train --resume - --epochs 5 --output piped.json --quiet", dir.path(), read_file(dir.file("in.json")));
    INFO(piped.err);
    REQUIRE(piped.exit_code == 0);
    CHECK(nlohmann::json::parse(read_file(dir.file("piped.json")))["state_dict"] == five["state_dict"]);
    const RunResult in_place = run_cli("train --resume in.json --epochs 5 --quiet", dir.path());
    INFO(in_place.err);
    REQUIRE(in_place.exit_code == 0);
    CHECK(nlohmann::json::parse(read_file(dir.file("in.json")))["state_dict"] == five["state_dict"]);
    CHECK(read_file(dir.file("in.log")) == log);
    // From stdin there is no file to write over: the resumed checkpoint needs --output.
    const RunResult nameless = run_cli("train --resume - --epochs 5 --quiet", dir.path(), read_file(dir.file("in.json")));
    CHECK(nameless.exit_code == 2);
    CHECK_THAT(nameless.err, Contains("--resume - reads the checkpoint from stdin: give --output FILE"));
    // A --config naming no output writes over the resumed file too, not an unrelated model.json.
    dir.write("model.json", "another run's");
    dir.write("c.json", nlohmann::json{{"data", {{"path", source_path("data/airline-passengers.csv")},
                                                 {"targets", {"passengers"}},
                                                 {"time_column", "date"},
                                                 {"look_back", 12},
                                                 {"normalise", "minmax"}}},
                                       {"model", {{"hidden", {8}}, {"ensemble", 1}}},
                                       {"training", {{"patience", 0}}}}
                            .dump());
    REQUIRE(run_cli("train " + kQuick + " --patience 0 --output conf.json --quiet", dir.path()).exit_code == 0);
    const RunResult configured = run_cli("train --resume conf.json --config c.json --epochs 5 --quiet", dir.path());
    INFO(configured.err);
    CHECK(configured.exit_code == 0);
    CHECK(read_file(dir.file("model.json")) == "another run's");
    CHECK(nlohmann::json::parse(read_file(dir.file("conf.json")))["state_dict"] == five["state_dict"]);
    // Settings without effect are the command's own: the checkpoint's recorded ones (patience
    // without validation rows) are not said again on every resume (a review).
    REQUIRE(run_cli("train " + kAirlineFlags + " --look-back 12 --normalise minmax --ensemble 1 --refit false --epochs 2 "
                    "--val-fraction 0 --patience 5 --quiet --output unvalidated.json",
                    dir.path()).exit_code == 0);
    const RunResult unvalidated = run_cli("train --resume unvalidated.json --epochs 3 --quiet", dir.path());
    CHECK(unvalidated.exit_code == 0);
    CHECK(unvalidated.err.empty());
    CHECK_THAT(run_cli("train --resume unvalidated.json --epochs 4 --patience 6 --quiet", dir.path()).err,
               Contains("note: training.patience 6 has no effect without validation rows"));
    const RunResult configured_stdin = run_cli("train --resume - --config c.json --epochs 5 --quiet", dir.path(), read_file(dir.file("in.json")));
    CHECK(configured_stdin.exit_code == 2);
    CHECK_THAT(configured_stdin.err, Contains("--resume - reads the checkpoint from stdin: give --output FILE"));
    const RunResult both = run_cli("train --config - --resume - --output y.json --quiet", dir.path(), "{}");
    CHECK(both.exit_code == 2);
    CHECK_THAT(both.err, Contains("--resume") && Contains("--config") && Contains("stdin"));
  }
  SECTION("what the run would not honour, or other data, is refused") {
    const auto refused = [&](const std::string& flags, const std::string& message) {
      const RunResult r = run_cli("train --resume three.json --output x.json --quiet " + flags, dir.path());
      INFO(flags << "\n" << r.err);
      CHECK(r.exit_code == 2);
      CHECK_THAT(r.err, Contains(message));
      CHECK_FALSE(file_exists(dir.file("x.json")));
    };
    refused("--epochs 5 --lr 0.5", "its training.lr 0.001 differs from the config's 0.5");
    refused("--epochs 5 --seed 7", "its training.seed 0 differs from the config's 7");
    refused("--epochs 5 --loss mae", "its training.loss \"mse\" differs from this run's \"mae\"");
    refused("--epochs 5 --batch-size 8", "its training.batch_size 32 differs from this run's 8 (a resumed run continues");
    refused("--epochs 5 --missing ffill", "its data.missing \"error\" differs from this run's \"ffill\" (a resumed run continues");
    // Every key that differs is named, the first with its values (a changed scale_min can move
    // scale_max too), whichever check speaks first (a review's case: a seed named alone).
    refused("--epochs 5 --batch-size 8 --clip-norm 3 --missing ffill",
            "its data.missing \"error\" differs from this run's \"ffill\" (a resumed run continues the same one: only "
            "training.epochs, training.patience, training.threads, data.path and output.* may change); the keys that "
            "differ: data.missing, training.batch_size, training.clip_norm");
    refused("--epochs 5 --seed 3 --batch-size 8 --clip-norm 2",
            "its training.seed 0 differs from the config's 3 (a resumed run goes on with the checkpoint's random stream); "
            "the keys that differ: training.batch_size, training.clip_norm, training.seed");
    refused("--epochs 5 --loss huber", "its training.loss \"mse\" differs from this run's \"huber\"");  // not huber_delta
    refused("--epochs 5 --val-fraction 0", "its validation or test fraction differs");
    refused("--epochs 3", "the checkpoint has trained 3 epochs, and training.epochs (--epochs) 3 counts them too");
    // An optimizer state that is not the end of the recorded run (a hand-edited file) is refused.
    auto ahead = nlohmann::json::parse(read_file(dir.file("three.json")));
    ahead["optimizer_state"]["epoch"] = 1000000000;
    dir.write("ahead.json", ahead.dump());
    CHECK_THAT(run_cli("train --resume ahead.json --epochs 5 --output x.json --quiet", dir.path()).err,
               Contains("optimizer_state.epoch 1000000000 is not the last epoch of history.epochs (3)"));
    // Nor is a rate the run could not have reached: no schedule (lr_factor 1) keeps training.lr,
    // one lowers it, to min_lr at least.
    auto faster = nlohmann::json::parse(read_file(dir.file("three.json")));
    faster["optimizer_state"]["optimizer"]["lr"] = 2.5;
    dir.write("faster.json", faster.dump());
    CHECK_THAT(run_cli("train --resume faster.json --epochs 5 --output x.json --quiet", dir.path()).err,
               Contains("faster.json: optimizer_state.optimizer.lr 2.5 is not a rate the run could have reached: without "
                        "reduce-on-plateau (training.lr_factor 1) it stays training.lr 0.001"));
    faster["config"]["training"]["lr_factor"] = 0.5;
    faster["config"]["training"]["min_lr"] = 1e-4;
    for (const double lr : {2.5, 5e-5}) {
      faster["optimizer_state"]["optimizer"]["lr"] = lr;
      dir.write("faster.json", faster.dump());
      CHECK_THAT(run_cli("train --resume faster.json --epochs 5 --output x.json --quiet",
                         dir.path()).err,
                 Contains("reduce-on-plateau keeps it between training.min_lr 1e-04 and training.lr 0.001"));
    }
    faster["optimizer_state"]["optimizer"]["lr"] = 2.5e-4;  // halved twice: resumes
    dir.write("faster.json", faster.dump());
    CHECK(run_cli("train --resume faster.json --epochs 5 --output x.json --quiet",
                  dir.path()).exit_code == 0);
    std::filesystem::remove(dir.file("x.json"));
    // A run that stopped early (patience met) would train no further in one go either.
    auto stopped = nlohmann::json::parse(read_file(dir.file("three.json")));
    stopped["optimizer_state"]["epochs_without_improvement"] = 2;
    stopped["config"]["training"]["patience"] = 2;  // as a run that stopped early records it
    dir.write("stopped.json", stopped.dump());
    const RunResult again = run_cli("train --resume stopped.json --epochs 5 --patience 2 --output x.json --quiet", dir.path());
    CHECK(again.exit_code == 2);
    CHECK_THAT(again.err, Contains("the checkpoint's run stopped early, its validation loss had not improved for 2 epochs"));
    CHECK(run_cli("train --resume stopped.json --epochs 5 --patience 3 --output x3.json --quiet", dir.path()).exit_code == 0);
    // A run without early stopping (patience 0: three.json) never stopped early, whatever its count.
    auto no_patience = nlohmann::json::parse(read_file(dir.file("three.json")));
    REQUIRE(no_patience["config"]["training"]["patience"] == 0);
    no_patience["optimizer_state"]["epochs_without_improvement"] = 2;
    dir.write("no-patience.json", no_patience.dump());
    const RunResult patient = run_cli("train --resume no-patience.json --epochs 5 --patience 2 --output x4.json --quiet", dir.path());
    INFO(patient.err);
    CHECK(patient.exit_code == 0);
    // A checkpoint kept under /dev/shm is a file like any other (not a descriptor's name).
    if (std::filesystem::is_directory("/dev/shm")) {
      const std::string shm = "/dev/shm/lstmf-resume-" + std::to_string(::getpid()) + ".json";
      std::filesystem::copy_file(dir.file("three.json"), shm, std::filesystem::copy_options::overwrite_existing);
      const RunResult in_shm = run_cli("train --resume " + shm + " --epochs 4 --quiet", dir.path());
      std::filesystem::remove(shm);
      INFO(in_shm.err);
      CHECK(in_shm.exit_code == 0);
    }
    dir.write("other.csv", [] {
      std::string text = "date,passengers\n";
      for (int t = 0; t < 60; ++t)
        text += year_month(1950, t) + "," +
                std::to_string(200 + t + 30 * (t % 12 == 6)) + "\n";
      return text;
    }());
    refused("--epochs 5 --data other.csv", "cannot resume from this checkpoint on other.csv: its training data differ");
    // One value changed in the middle: the same range and the same last rows, other data all the same.
    std::string airline = read_file(source_path("data/airline-passengers.csv"));
    const size_t at = airline.find("1953-02,196\n");
    REQUIRE(at != std::string::npos);
    dir.write("middle.csv", airline.replace(at, 12, "1953-02,200\n"));
    refused("--epochs 5 --data middle.csv", "cannot resume from this checkpoint on middle.csv: its training data differ (a value");
    {
      INFO("the same data with a zero, fingerprinted on 2026-12-05 before -0 was read as +0 (no shards then): -0 is named as a cause");
      std::string zeros = "date,y\n";
      for (int t = 0; t < 60; ++t) zeros += year_month(1950, t) + "," + std::to_string(t % 7 == 3 ? 0 : 10 + t) + "\n";
      dir.write("zeros.csv", zeros);
      REQUIRE(run_cli("train --data zeros.csv --target y --epochs 2 --ensemble 1 --refit false --hidden 4 --output z.json --quiet",
                      dir.path()).exit_code == 0);
      auto old = nlohmann::json::parse(read_file(dir.file("z.json")));
      old["optimizer_state"]["data_fingerprint"] = "0123456789abcdef";  // as -0 hashed then
      dir.write("z-new.json", old.dump());
      old["optimizer_state"].erase("shards");
      dir.write("z-old.json", old.dump());
      const RunResult before = run_cli("train --resume z-old.json --epochs 3 --output x.json --quiet", dir.path());
      CHECK(before.exit_code == 2);
      CHECK_THAT(before.err, Contains("its training data differ") && Contains("they hold a zero written -0, which checkpoints "
                                                                              "written on 2026-12-05 before 15:37 UTC"));
      const RunResult since = run_cli("train --resume z-new.json --epochs 3 --output x.json --quiet", dir.path());
      CHECK(since.exit_code == 2);
      CHECK_THAT(since.err, Contains("its training data differ") && !Contains("-0"));
    }
    // A data path the checkpoint records relative to where train ran, resumed from elsewhere.
    REQUIRE(run_cli("train --data other.csv --target passengers --epochs 2 --ensemble 1 --hidden 4 --output rel.json --quiet",
                    dir.path()).exit_code == 0);
    std::filesystem::create_directory(dir.file("sub"));
    const RunResult elsewhere = run_cli("train --resume ../rel.json --epochs 3 --output x.json --quiet", dir.file("sub"));
    CHECK(elsewhere.exit_code == 2);
    CHECK_THAT(elsewhere.err, Contains("rel.json: no --data given and the training data the checkpoint records, "
                                       "'other.csv', is not found from here") && Contains("give --data FILE"));
  }
}

TEST_CASE("a forecast whose header would name a column twice is refused, not written", "[cli-train]") {
  TempDir dir;
  std::string csv = "step\n";
  for (int i = 0; i < 40; ++i) csv += std::to_string(i % 4 + i / 2) + "\n";
  dir.write("s.csv", csv);
  REQUIRE(run_cli("train --data s.csv --target step --epochs 2 --ensemble 1 --hidden 4 --look-back 4 --horizon 2 "
                  "--output s.json --quiet",
                  dir.path()).exit_code == 0);
  const RunResult r = run_cli("predict --model s.json --output f.csv", dir.path());
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("s.json: the output would have two columns named 'step'"));
  CHECK_FALSE(file_exists(dir.file("f.csv")));
}

TEST_CASE("dropout on one layer is said to do nothing, as torch.nn.LSTM warns", "[cli-train]") {
  TempDir dir;
  const RunResult one = run_cli("train " + kQuick + " --dropout 0.5 --output a.json", dir.path());
  REQUIRE(one.exit_code == 0);
  CHECK_THAT(one.err, Contains("note: model.dropout 0.5 has no effect with one layer"));
  const RunResult two = run_cli("train " + replace_all_args(kQuick, "--hidden 8", "--hidden 4,4") + " --dropout 0.5 --output b.json", dir.path());
  REQUIRE(two.exit_code == 0);
  CHECK_THAT(two.err, !Contains("no effect"));
}

TEST_CASE("Ctrl-C during training saves the best checkpoint so far and exits 130", "[cli-train]") {
  TempDir dir;
  const std::string binary = "'" + std::string(LSTMF_BINARY) + "' ";
  const RunResult r = run_shell(signal_when(binary + kLongRun + " --progress --output m.json",
                                            "grep -q 'epoch 2/' err", "INT"),
                                dir.path());
  const std::string err = read_file(dir.file("err"));
  INFO(err);
  CHECK(r.out == "130\n");
  CHECK_THAT(err, Contains("interrupted; the best checkpoint so far was saved to m.json"));
  CHECK(run_cli("predict --model m.json", dir.path()).exit_code == 0);
}

TEST_CASE("Ctrl-C during the refit saves the validated members and says the refit was stopped", "[cli-train]") {
  TempDir dir;
  const std::string binary = "'" + std::string(LSTMF_BINARY) + "' ";
  // Early stopping ends the validated run; the refit then trains every one of its epochs.
  const RunResult r = run_shell(signal_when(binary + "train " + kAirlineFlags +
                                                " --look-back 12 --ensemble 1 --epochs 100000 --patience 2 --refit true "
                                                "--progress --output m.json",
                                            "grep -q 'refit epoch 2/' err", "INT"),
                                dir.path());
  const std::string err = read_file(dir.file("err"));
  INFO(err);
  CHECK(r.out == "130\n");
  CHECK_THAT(err, Contains("interrupted; the best checkpoint so far was saved to m.json (the validated members: the "
                           "refit on every row was stopped before its end)"));
  const auto checkpoint = nlohmann::json::parse(read_file(dir.file("m.json")));
  CHECK(checkpoint["config"]["training"]["refit"] == false);
  CHECK(run_cli("predict --model m.json", dir.path()).exit_code == 0);
}

TEST_CASE("on a terminal an ensemble's progress bar counts the epochs of every member", "[cli-train]") {
  TempDir dir;
  const std::optional<RunResult> terminal = run_cli_on_terminal(
      "train " + kAirlineFlags + " --look-back 12 --ensemble 3 --epochs 4 --patience 0 --refit false --output e.json", dir.path(), 200);
  if (!terminal) return;
  const RunResult& shown = *terminal;
  INFO(shown.out);
  REQUIRE(shown.exit_code == 0);
  // Member 1's epochs alone ended at 4/4 while the others still trained.
  CHECK_THAT(shown.out, Contains("] epochs 1/12 of 3 members  ETA ") && Contains("] epochs 12/12 of 3 members  ETA 0.00s  member "));
  CHECK_THAT(shown.out, !Contains("epoch 4/4"));
}

TEST_CASE("a stderr whose reader has gone loses only the talk while a stdout whose reader has gone ends the run as for cat", "[cli-train]") {
  TempDir dir;
  const std::string binary = "'" + std::string(LSTMF_BINARY) + "' ";
  // Descriptor 3: a pipe whose reader has gone before the command starts (a fifo's reader that
  // opened it and exited), so that every write to it fails, however loaded the machine.
  const auto without_reader = [&](const std::string& command) {
    return run_shell("rm -f gone && mkfifo gone && { (exec 0<gone) & exec 3>gone; wait; rm gone; " + command +
                         "; echo $? > code; }",
                     dir.path());
  };
  without_reader(binary + "train " + kQuick + " --progress --output m.json 2>&3");
  CHECK(read_file(dir.file("code")) == "0\n");  // 141 before: the summary's write died of SIGPIPE
  CHECK(file_exists(dir.file("m.json")));
  CHECK(run_cli("predict --model m.json", dir.path()).exit_code == 0);

  // A forecast's stdout is data: its reader gone, predict ends by SIGPIPE (141 in the shell), as README says.
  without_reader(binary + "predict --model m.json >&3 2>err");
  CHECK(read_file(dir.file("code")) == "141\n");

  // The checkpoint staged until its log was written is not left behind as a temporary (a SIGPIPE
  // handler removes it, then the process ends by SIGPIPE).
  without_reader(binary + "train " + kQuick + " --output logged.json --log-json - >&3 2>err");
  CHECK(read_file(dir.file("code")) == "141\n");
  for (const auto& entry : std::filesystem::directory_iterator(dir.path()))
    CHECK_THAT(entry.path().filename().string(), !Contains("lstmf-tmp") && !Contains("logged.json"));

  // An interrupt said to a stderr whose reader has gone still exits 130, not by SIGPIPE (predict
  // waiting for its checkpoint on stdin; the handler's write took a SIGPIPE before).
  without_reader("sleep 3 | env --default-signal=INT timeout --preserve-status -s INT 1 " + binary + "predict --model - 2>&3");
  CHECK(read_file(dir.file("code")) == "130\n");
}

TEST_CASE("a --checkpoint-every snapshot is written with its --log-json, so a killed run keeps both", "[cli-train]") {
  TempDir dir;
  // Killed once the first snapshot is in place (epoch 2).
  const RunResult r = run_shell(signal_when("'" + std::string(LSTMF_BINARY) + "' " + kLongRun +
                                                " --checkpoint-every 2 --output m.json --log-json log.jsonl --quiet",
                                            "test -e m.json", "KILL"),
                                dir.path());
  CHECK(r.out == std::to_string(128 + 9) + "\n");
  const auto checkpoint = nlohmann::json::parse(read_file(dir.file("m.json")));
  const long epochs = static_cast<long>(checkpoint["history"]["epochs"].size());
  REQUIRE(epochs >= 2);
  // The log is written before the snapshot is renamed into place: it holds the snapshot's epochs,
  // and at most one snapshot's more when the kill came between the two.
  const int lines = count_lines(read_file(dir.file("log.jsonl")));
  CHECK(lines >= epochs);
  CHECK(lines <= epochs + 2);
}

TEST_CASE("predict and train report bad input with a clear message and write nothing", "[cli-train]") {
  TempDir dir;
  REQUIRE(run_cli("train " + kQuick + " --output m.json --quiet", dir.path()).exit_code == 0);
  SECTION("history without the target column") {
    dir.write("h.csv", "date,other\n1960-01,1\n");
    const RunResult r = run_cli("predict --model m.json --input h.csv --output out.csv", dir.path());
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Contains("h.csv") && Contains("passengers"));
    CHECK_FALSE(file_exists(dir.file("out.csv")));
  }
  SECTION("history shorter than the look-back") {
    dir.write("h.csv", "date,passengers\n1960-01,1\n1960-02,2\n1960-03,3\n");
    const RunResult r = run_cli("predict --model m.json --input h.csv", dir.path());
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Contains("h.csv: history has 3 rows; the model needs the last 12"));
  }
  SECTION("a missing checkpoint") {
    const RunResult r = run_cli("predict --model nope.json", dir.path());
    CHECK(r.exit_code == 3);
    CHECK_THAT(r.err, Contains("nope.json: cannot open"));
  }
  SECTION("an output folder that does not exist, before any work") {
    const RunResult r = run_cli("train " + kQuick + " --output missing/m.json", dir.path());
    CHECK(r.exit_code == 3);
    CHECK_THAT(r.err, Contains("missing/m.json: cannot write: folder 'missing' does not exist"));
    CHECK_THAT(r.err, !Contains("epoch"));
  }
  SECTION("an existing output is left untouched when training fails") {
    dir.write("keep.json", "precious");
    const RunResult r = run_cli("train " + kAirlineFlags + " --look-back 500 --output keep.json", dir.path());
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Contains("too short for one window"));
    CHECK(read_file(dir.file("keep.json")) == "precious");
  }
  SECTION("a horizon past the trained one when there are features") {
    REQUIRE(run_cli("train --data '" + source_path("data/us-macro.csv") +
                        "' --target realgdp --features realcons --time-column date --look-back 4 --hidden 4 --epochs 1 "
                        "--output f.json --quiet",
                    dir.path())
                .exit_code == 0);
    const RunResult r = run_cli("predict --model f.json --horizon 3", dir.path());
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Contains("longer than the trained horizon (1)") && Contains("feature columns"));
    const RunResult quarterly = run_cli("predict --model f.json", dir.path());
    REQUIRE(quarterly.exit_code == 0);
    CHECK_THAT(quarterly.out, StartsWith("date,realgdp\n2009-10,"));
  }
}

TEST_CASE("forecasts of a month-end series stay on month ends", "[cli-train]") {
  TempDir dir;
  dir.write("me.csv", "date,v\n2024-01-31,1\n2024-02-29,2\n2024-03-31,3\n2024-04-30,4\n2024-05-31,5\n2024-06-30,6\n"
                      "2024-07-31,7\n2024-08-31,8\n");
  REQUIRE(run_cli("train --data me.csv --target v --time-column date --look-back 2 --hidden 2 --epochs 1 "
                  "--val-fraction 0 --quiet --output me.json",
                  dir.path())
              .exit_code == 0);
  const RunResult r = run_cli("predict --model me.json --horizon 6", dir.path());
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("\n2024-09-30,") && Contains("\n2024-10-31,") && Contains("\n2025-02-28,"));
}

TEST_CASE("a series on each month's last weekday is monthly and forecasts month ends", "[cli-train]") {
  // pandas' BM dates were read as business days with gaps (a hunt): --missing then dropped the
  // times and the season.
  TempDir dir;
  dir.write("bm.csv", "date,v\n2024-01-31,1\n2024-02-29,2\n2024-03-29,3\n2024-04-30,4\n2024-05-31,5\n2024-06-28,6\n"
                      "2024-07-31,7\n2024-08-30,8\n");
  const RunResult trained = run_cli("train --data bm.csv --target v --time-column date --look-back 2 --hidden 2 --epochs 1 "
                                    "--val-fraction 0 --output bm.json", dir.path());
  INFO(trained.err);
  REQUIRE(trained.exit_code == 0);
  const RunResult r = run_cli("predict --model bm.json --horizon 2 --input bm.csv", dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, StartsWith("date,v\n2024-09-30,") && Contains("\n2024-10-31,"));
}

TEST_CASE("training that diverges exits 4 and keeps the best checkpoint so far", "[cli-train]") {
  TempDir dir;
  std::string csv = "date,y\n";
  for (int day = 1; day <= 30; ++day)
    csv += "2020-01-" + std::string(day < 10 ? "0" : "") + std::to_string(day) + "," + std::to_string((day * 7) % 11) + "\n";
  dir.write("d.csv", csv);
  // SGD at lr 100 survives epoch 1 and overflows in epoch 2 (found by trying; seeded, so it repeats).
  const std::string args = "train --data d.csv --target y --time-column date --look-back 2 --hidden 4 --epochs 6 "
                           "--batch-size 4 --optimizer sgd --lr 100 --quiet --output m.json";
  const RunResult r = run_cli(args, dir.path());
  CHECK(r.exit_code == 4);
  CHECK_THAT(r.err, StartsWith("lstm-forecast: training diverged in epoch 2") &&
                        Contains("the model keeps the weights of epoch 1; the best checkpoint so far was saved to m.json"));
  CHECK(count_lines(r.err) == 1);
  REQUIRE(file_exists(dir.file("m.json")));
  const std::string written = read_file(dir.file("m.json"));
  const auto checkpoint = nlohmann::json::parse(written);
  CHECK(checkpoint["history"]["best_epoch"] == 1);
  CHECK(checkpoint["history"]["epochs"].size() == 1);
  // Its optimizer state would be the failed epoch's: it is left out, and --resume says why.
  CHECK(checkpoint["optimizer_state"].is_null());
  REQUIRE(run_cli(replace_all_args(args, "--output m.json", "--ensemble 1 --output one.json"), dir.path()).exit_code == 4);
  const RunResult resumed = run_cli(replace_all_args(args, "--output m.json", "--ensemble 1 --resume one.json --output r.json"), dir.path());
  CHECK(resumed.exit_code == 2);
  CHECK_THAT(resumed.err, Contains("one.json: cannot resume: the checkpoint has no optimizer state (train leaves it out "
                                   "when its run diverged"));
  // The kept checkpoint works, and whatever it forecasts is finite.
  const RunResult predict = run_cli("predict --model m.json --input d.csv --fitted", dir.path());
  REQUIRE(predict.exit_code == 0);
  CHECK_THAT(predict.out, !Contains("nan") && !Contains("inf") && !Contains("NaN") && !Contains("Inf"));

  SECTION("diverging before any validated epoch writes nothing") {
    const RunResult early = run_cli(replace_all_args(args, "--lr 100", "--lr 1000000"), dir.path());
    CHECK(early.exit_code == 4);
    CHECK_THAT(early.err, Contains("training diverged in epoch 1") && Contains("no checkpoint was written"));
    CHECK(read_file(dir.file("m.json")) == written);  // the earlier file is untouched
  }
  SECTION("an ensemble member diverging before any validated epoch: nothing written, as for one model") {
    // Member 2 of this seed blows up in its first epoch while member 1 trains: its weights (the
    // failed step's) were written beside member 1's, and the forecast was -3e24 (a review).
    const RunResult ensemble = run_cli("train --data '" + source_path("data/airline-passengers.csv") +
                                           "' --target passengers --horizon 6 --look-back 12 --refit false --combine false "
                                           "--threads 2 --hidden 8 --epochs 1 --optimizer sgd --cell-activation relu --lr 1 "
                                           "--ensemble 2 --seed 1 --quiet --output e.json",
                                       dir.path());
    CHECK(ensemble.exit_code == 4);
    CHECK_THAT(ensemble.err, Contains("training diverged in epoch 1") && Contains("no checkpoint was written"));
    CHECK_FALSE(file_exists(dir.file("e.json")));
  }
}

TEST_CASE("a model whose forecast overflows writes nothing and exits 4", "[cli-train]") {
  TempDir dir;
  REQUIRE(run_cli("train " + kQuick + " --quiet --output m.json", dir.path()).exit_code == 0);
  auto checkpoint = nlohmann::json::parse(read_file(dir.file("m.json")));
  // Every number within its bounds, but the head's sum overflows a float: the LSTM's gates saturate
  // (zero weights, biases of 10: i = f = o = 1, g = 1, so h = tanh(c) > 0.76), and 3e38 h + 3e38
  // is beyond 3.4e38.
  for (auto& [name, value] : checkpoint["state_dict"].items()) {
    const bool weight = name.find("weight") != std::string::npos;
    const double fill = name.rfind("head.", 0) == 0 ? 3e38 : (weight ? 0.0 : 10.0);
    for (auto& row : value) {
      if (row.is_array())
        for (auto& x : row) x = fill;
      else
        row = fill;
    }
  }
  dir.write("huge.json", checkpoint.dump());
  dir.write("out.csv", "keep\n");
  const std::string data = "'" + source_path("data/airline-passengers.csv") + "'";
  for (const std::string& command : std::vector<std::string>{"predict --model huge.json --output out.csv",
                                    "predict --model huge.json --horizon 30 --output out.csv",
                                    "predict --model huge.json --fitted --input " + data + " --output out.csv",
                                    "evaluate --model huge.json --input " + data}) {
    INFO(command);
    const RunResult r = run_cli(command, dir.path());
    CHECK(r.exit_code == 4);
    CHECK_THAT(r.err, Contains("huge.json: the model produced a non-finite forecast (NaN or Inf); nothing was written"));
    CHECK(r.out.empty());
    CHECK(read_file(dir.file("out.csv")) == "keep\n");
  }
}

TEST_CASE("the default recipe trains an ensemble whose checkpoint forecasts with intervals and repeats for a seed", "[cli-train]") {
  TempDir dir, again;
  // Only data, target and horizon (and a small model to stay fast): look-back, normalisation,
  // epochs and refit come from the recipe.
  const std::string recipe = "train " + kAirlineFlags + " --horizon 6 --ensemble 2 --seed 3 --quiet --output a.json";
  REQUIRE(run_cli(recipe, dir.path()).exit_code == 0);
  // Shown or not, progress changes nothing; it counts the epochs the recipe chose, then the refit's.
  const RunResult shown = run_cli(replace_all_args(recipe, "--quiet", "--progress"), again.path());
  REQUIRE(shown.exit_code == 0);
  CHECK(read_file(dir.file("a.json")) == read_file(again.file("a.json")));
  const auto epochs = nlohmann::json::parse(read_file(dir.file("a.json")))["config"]["training"]["epochs"].get<int>();
  CHECK_THAT(shown.err, StartsWith("epoch 1/" + std::to_string(epochs) + " ") &&
                            Contains("\nrefit epoch " + std::to_string(epochs) + "/" + std::to_string(epochs) + " ") &&
                            !Contains("ETA -") && Contains("then refitted on every row: ") &&
                            Contains(std::to_string(epochs) + " epochs for each of 2 members; those weights are kept"));
  const auto checkpoint = nlohmann::json::parse(read_file(dir.file("a.json")));
  CHECK(checkpoint["version"] == 2);
  CHECK(checkpoint["config"]["data"]["normalise"] == "season");
  CHECK(checkpoint["config"]["data"]["look_back"] == 24);
  CHECK(checkpoint["config"]["training"]["refit"] == true);
  CHECK(checkpoint["config"]["training"]["combine"] == true);
  CHECK(checkpoint["combination"]["weights"].size() == 1);
  // Theta takes part (README round 14), so the forecasts from histories below check its window too.
  CHECK(checkpoint["combination"]["weights"][0][3] == 0.1);
  CHECK(checkpoint["combination"]["theta"].size() == 1);
  CHECK(checkpoint["ensemble"]["members"] == 2);
  CHECK(checkpoint["ensemble"]["more_state_dicts"].size() == 1);
  CHECK(checkpoint["intervals"]["abs_residual_quantiles"].size() == 6);
  CHECK(checkpoint["config"]["data"]["seasonal_adjust"] == "multiplicative");  // airline: > 0, a season
  CHECK(checkpoint["seasonal_adjustment"]["period"] == 12);
  CHECK(checkpoint["seasonal_adjustment"]["factors"][0].size() == 12);

  // The seasonal indices follow each row's month: history starting in any month forecasts as the
  // checkpoint's own tail does.
  const RunResult from_tail = run_cli("predict --model a.json", dir.path());
  REQUIRE(from_tail.exit_code == 0);
  const RunResult from_file = run_cli("predict --model a.json --input '" + source_path("data/airline-passengers.csv") + "'", dir.path());
  INFO(from_file.err);
  CHECK(from_file.out == from_tail.out);
  {
    std::istringstream lines(read_file(source_path("data/airline-passengers.csv")));
    std::vector<std::string> all;
    for (std::string line; std::getline(lines, line);) all.push_back(line);
    std::string recent = all.front() + "\n";
    for (size_t i = all.size() - 31; i < all.size(); ++i) recent += all[i] + "\n";  // starts in June 1958
    dir.write("recent.csv", recent);
  }
  const RunResult from_recent = run_cli("predict --model a.json --input recent.csv", dir.path());
  CHECK(from_recent.out == from_tail.out);
  // The same months written as month ends (pandas' default) are the same season positions.
  const auto values_of = [](const std::string& csv) {  // the forecast column, without the times
    std::istringstream lines(csv);
    std::string out;
    for (std::string line; std::getline(lines, line);) out += line.substr(line.find(',')) + "\n";
    return out;
  };
  {
    std::istringstream lines(read_file(dir.file("recent.csv")));
    std::string month_ends;
    for (std::string line; std::getline(lines, line);) {
      const std::string month = line.substr(0, line.find(','));
      if (month == "date") { month_ends += line + "\n"; continue; }
      const int m = std::stoi(month.substr(5, 2));
      const bool leap = std::stoi(month.substr(0, 4)) % 4 == 0;
      const int days[] = {31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
      month_ends += month + "-" + std::to_string(days[m - 1]) + line.substr(line.find(',')) + "\n";
    }
    dir.write("month-ends.csv", month_ends);
  }
  const RunResult from_month_ends = run_cli("predict --model a.json --input month-ends.csv", dir.path());
  INFO(from_month_ends.err);
  REQUIRE(from_month_ends.exit_code == 0);
  CHECK(values_of(from_month_ends.out) == values_of(from_tail.out));

  const RunResult predict = run_cli("predict --model a.json --intervals 80,95", dir.path());
  INFO(predict.err);
  REQUIRE(predict.exit_code == 0);
  CHECK_THAT(predict.out, StartsWith("date,passengers,passengers_lo80,passengers_hi80,passengers_lo95,passengers_hi95\n1961-01,"));
  CHECK(count_lines(predict.out) == 7);
  // lo95 <= lo80 <= value <= hi80 <= hi95 on every row.
  std::istringstream rows(predict.out);
  std::string line;
  std::getline(rows, line);
  while (std::getline(rows, line)) {
    std::vector<double> v;
    std::istringstream fields(line.substr(line.find(',') + 1));
    for (std::string f; std::getline(fields, f, ',');) v.push_back(std::stod(f));
    REQUIRE(v.size() == 5);
    CHECK(v[3] <= v[1]);
    CHECK(v[1] <= v[0]);
    CHECK(v[0] <= v[2]);
    CHECK(v[2] <= v[4]);
  }
  const RunResult bad = run_cli("predict --model a.json --intervals 20", dir.path());
  CHECK(bad.exit_code == 2);
  const RunResult resume = run_cli("train --resume a.json --output c.json", dir.path());
  CHECK(resume.exit_code == 2);
  CHECK_THAT(resume.err, Contains("cannot resume an ensemble"));
}

TEST_CASE("history off the training data's time grid cannot be placed in the season", "[cli-train]") {
  TempDir dir;
  std::string hourly = "time,y\n", half_past = "time,y\n";
  for (int h = 0; h < 24 * 6; ++h) {
    char stamp[32];
    std::snprintf(stamp, sizeof stamp, "2024-01-%02d %02d:", 1 + h / 24, h % 24);
    hourly += std::string(stamp) + "00," + std::to_string(10 + (h % 24) + (h * 7) % 5) + "\n";
    half_past += std::string(stamp) + "30," + std::to_string(10 + (h % 24)) + "\n";
  }
  dir.write("hourly.csv", hourly);
  dir.write("half-past.csv", half_past);
  const RunResult train = run_cli("train --data hourly.csv --target y --time-column time --season 24 --seasonal-adjust "
                                  "multiplicative --look-back 24 --hidden 2 --epochs 1 --ensemble 1 --quiet --output m.json",
                                  dir.path());
  INFO(train.err);
  REQUIRE(train.exit_code == 0);
  const RunResult off = run_cli("predict --model m.json --input half-past.csv", dir.path());
  CHECK(off.exit_code == 2);
  CHECK_THAT(off.err, Contains("half-past.csv:2: ") && Contains("time '2024-01-01 00:30' is not a whole number of "
                                                            "hourly steps from the training data's '2024-01-06 00:00'"));
}

TEST_CASE("a version 1 checkpoint is still read as min-max scaling and one model", "[cli-train]") {
  TempDir dir;
  REQUIRE(run_cli("train " + kQuick + " --seed 5 --output m.json --quiet", dir.path()).exit_code == 0);
  const RunResult now = run_cli("predict --model m.json", dir.path());
  REQUIRE(now.exit_code == 0);
  auto checkpoint = nlohmann::json::parse(read_file(dir.file("m.json")));
  checkpoint["version"] = 1;
  checkpoint["config"]["model"]["ensemble"] = 1;
  dir.write("relabelled.json", checkpoint.dump());
  const RunResult relabelled = run_cli("predict --model relabelled.json", dir.path());
  CHECK(relabelled.exit_code == 2);
  CHECK_THAT(relabelled.err, Contains("a version 1 checkpoint has no 'ensemble'"));
  for (const char* key : {"ensemble", "intervals", "combination", "seasonal_adjustment"}) checkpoint.erase(key);
  for (const char* key : {"normalise", "season"}) checkpoint["config"]["data"].erase(key);
  checkpoint["config"]["model"].erase("ensemble");
  checkpoint["config"]["training"].erase("refit");
  checkpoint["config"]["training"].erase("combine");
  dir.write("v1.json", checkpoint.dump());
  const RunResult old = run_cli("predict --model v1.json", dir.path());
  INFO(old.err);
  REQUIRE(old.exit_code == 0);
  CHECK(old.out == now.out);
  const RunResult intervals = run_cli("predict --model v1.json --intervals 80", dir.path());
  CHECK(intervals.exit_code == 2);
  CHECK_THAT(intervals.err, Contains("no interval quantiles"));
  // From stdin, the message names it as every other does (it had said "-: ...").
  const RunResult piped = run_cli("predict --model - --intervals 80", dir.path(), read_file(dir.file("v1.json")));
  CHECK(piped.exit_code == 2);
  CHECK_THAT(piped.err, StartsWith("lstm-forecast: <stdin>: ") && Contains("no interval quantiles"));
}

TEST_CASE("a quarterly series labelled 1990-Q1 or 1990 Q1 trains and forecasts the next quarters in its own form", "[cli-train]") {
  TempDir dir;
  const std::string separator = GENERATE(std::string("-Q"), std::string(" Q"));  // pandas-like, tsibble's
  std::string csv = "period,y\n";
  for (int q = 0; q < 40; ++q)
    csv += std::to_string(1990 + q / 4) + separator + std::to_string(q % 4 + 1) + "," + std::to_string(100 + q + 5 * (q % 4)) + "\n";
  dir.write("q.csv", csv);
  const RunResult train = run_cli("train --data q.csv --target y --time-column period --look-back 4 --horizon 2 "
                                  "--epochs 2 --ensemble 1 --normalise minmax --output m.json --quiet", dir.path());
  INFO(train.err);
  REQUIRE(train.exit_code == 0);
  const auto checkpoint = nlohmann::json::parse(read_file(dir.file("m.json")));
  CHECK(checkpoint["columns"]["time_format"]["kind"] == "year_quarter");
  CHECK(checkpoint["columns"]["seasonal_period"] == 4);
  const RunResult predict = run_cli("predict --model m.json --horizon 3", dir.path());
  INFO(predict.err);
  REQUIRE(predict.exit_code == 0);
  CHECK_THAT(predict.out, StartsWith("period,y\n2000" + separator + "1,") && Contains("\n2000" + separator + "2,") &&
                              Contains("\n2000" + separator + "3,"));
  // The checkpoint's own times read back as history.
  const RunResult again = run_cli("predict --model m.json --horizon 3 --input q.csv", dir.path());
  CHECK(again.out == predict.out);
}

TEST_CASE("train and inspect say when a short series without a season is left to naive and Theta", "[cli-train]") {
  // 18 years, a 6-year horizon (recipe.hpp short_series_fallback naive_theta).
  TempDir dir;
  std::string text = "year,value\n";
  for (int t = 0; t < 18; ++t) text += std::to_string(1990 + t) + "," + std::to_string(40 + 2 * t + (t * 7) % 5) + "\n";
  dir.write("y.csv", text);
  const RunResult train = run_cli("train --data y.csv --target value --horizon 6 --output y.json", dir.path());
  INFO(train.err);
  REQUIRE(train.exit_code == 0);
  CHECK_THAT(train.err, Contains("forecast: 0.5 x naive + 0.5 x Theta (a series too short to learn, without a season)"));
  const RunResult inspected = run_cli("inspect --data y.csv --target value --horizon 6", dir.path());
  CHECK_THAT(inspected.out, Contains("forecast by the mean of naive and Theta"));
  // predict forecasts the 6 steps asked for from the checkpoint's tail, and the same from the file.
  const RunResult predicted = run_cli("predict --model y.json", dir.path());
  INFO(predicted.err);
  REQUIRE(predicted.exit_code == 0);
  CHECK(std::count(predicted.out.begin(), predicted.out.end(), '\n') == 1 + 6);
  CHECK(predicted.out == run_cli("predict --model y.json --input y.csv", dir.path()).out);
  // With the season given (m = 4 on 18 rows: tested, and not shown), the model forecasts.
  const RunResult seasonal = run_cli("train --data y.csv --target value --horizon 6 --season 4 --output s.json", dir.path());
  CHECK_THAT(seasonal.err, !Contains("too short to learn"));
}

TEST_CASE("train says when a season too short to learn leaves the forecast to seasonal naive", "[cli-train]") {
  // 20 months of a strong season, an 18-month horizon (recipe.hpp short_series_fallback).
  TempDir dir;
  std::string text = "date,value\n";
  std::vector<std::string> values;
  for (int t = 0; t < 20; ++t) {
    values.push_back(std::to_string(300 + 100 * ((t % 12) < 6 ? 1 : -1) * (1 + (t % 6)) / 6 + t));
    text += year_month(2001, t) + "," + values.back() + "\n";
  }
  dir.write("s.csv", text);
  const RunResult train = run_cli("train --data s.csv --target value --horizon 18 --output s.json", dir.path());
  INFO(train.err);
  REQUIRE(train.exit_code == 0);
  CHECK_THAT(train.err, Contains("settings: look-back 12, horizon 1 (rolled forward to the 18 asked for: predict's "
                                     "default), normalise last, season 12") &&
                            Contains("forecast: seasonal naive alone (a season too short to learn)"));
  {
    INFO("predict and evaluate forecast the 18 steps asked for by default, the model rolled forward");
    const auto checkpoint = nlohmann::json::parse(read_file(dir.file("s.json")));
    CHECK(checkpoint["config"]["data"]["horizon"] == 1);
    CHECK(checkpoint["forecast_horizon"] == 18);
    const RunResult all = run_cli("predict --model s.json", dir.path());
    CHECK(all.exit_code == 0);
    CHECK(all.out == run_cli("predict --model s.json --horizon 18", dir.path()).out);
    CHECK(std::count(all.out.begin(), all.out.end(), '\n') == 1 + 18);
    // 20 rows hold no 18-step backtest after a look-back of 12: the message says what fits.
    const RunResult backtest = run_cli("evaluate --model s.json", dir.path());
    CHECK(backtest.exit_code == 2);
    CHECK_THAT(backtest.err, Contains("look-back 12 + horizon 18 needs at least 30 rows (--horizon 8 or less fits)"));
    CHECK_THAT(run_cli("evaluate --model s.json --horizon 8", dir.path()).out, Contains("horizon 8"));
  }
  // inspect reads the file as train does (the date column guessed) and says the same.
  const RunResult inspected = run_cli("inspect --data s.csv --target value --horizon 18", dir.path());
  INFO(inspected.err);
  CHECK_THAT(inspected.out, Contains("(look-back 12, horizon 1)") &&
                                Contains("season 12") && Contains("forecast by seasonal naive alone") &&
                                Contains("horizon: 1 trained, rolled forward to the 18 asked for"));
  // The forecast repeats the last 12 months, read from the checkpoint's data tail.
  const RunResult predicted = run_cli("predict --model s.json --horizon 13", dir.path());
  INFO(predicted.err);
  REQUIRE(predicted.exit_code == 0);
  std::istringstream lines(predicted.out);
  std::string line;
  std::getline(lines, line);
  CHECK(line == "date,value");
  for (int h = 0; h < 13; ++h) {
    REQUIRE(std::getline(lines, line));
    const double value = std::stod(line.substr(line.find(',') + 1));
    CHECK(value == Approx(std::stod(values[static_cast<size_t>(8 + h % 12)])));
  }
  // --combine false is kept: the model forecasts alone, with no combination in the checkpoint.
  const RunResult alone = run_cli("train --data s.csv --target value --horizon 18 --combine false --output a.json", dir.path());
  INFO(alone.err);
  REQUIRE(alone.exit_code == 0);
  CHECK_THAT(alone.err, Contains("settings: look-back 3, horizon 1 (rolled forward to the 18 asked for") &&
                           !Contains("seasonal naive alone"));
  const auto model = nlohmann::json::parse(read_file(dir.file("a.json")));
  CHECK(model["config"]["training"]["combine"] == false);
  CHECK(model["config"]["training"]["refit"] == true);  // still the recipe's
  CHECK_FALSE(model.contains("combination"));
}

TEST_CASE("a short series with features keeps the shorter horizon it trained: predict and evaluate use it", "[cli-train]") {
  // 30 quarters, an 8-step horizon: the recipe trains a shorter direct one, which cannot be rolled
  // forward with a feature (its future is unknown), so no forecast_horizon is recorded.
  TempDir dir;
  std::string text = "date,gdp,spend\n";
  for (int t = 0; t < 30; ++t)
    text += std::to_string(1990 + t / 4) + "-Q" + std::to_string(t % 4 + 1) + "," + std::to_string(1000 + 12 * t + 30 * (t % 4)) +
            "," + std::to_string(600 + 7 * t + 20 * (t % 4)) + "\n";
  dir.write("m.csv", text);
  const RunResult train = run_cli("train --data m.csv --target gdp --features spend --horizon 8 --output m.json", dir.path());
  INFO(train.err);
  REQUIRE(train.exit_code == 0);
  const auto checkpoint = nlohmann::json::parse(read_file(dir.file("m.json")));
  const int trained = checkpoint["config"]["data"]["horizon"].get<int>();
  REQUIRE(trained < 8);
  CHECK_FALSE(checkpoint.contains("forecast_horizon"));
  CHECK_THAT(train.err, Contains("horizon " + std::to_string(trained) + " (not the 8 asked for: too long for this series, "
                                                                       "and features cannot be rolled forward)"));
  CHECK_THAT(train.err, !Contains("note: horizon"));  // the settings line says it
  // --quiet hides the summary, not a setting changed (it said nothing).
  const RunResult quiet = run_cli("train --data m.csv --target gdp --features spend --horizon 8 --epochs 2 --ensemble 1 "
                                  "--quiet --output q.json",
                                  dir.path());
  CHECK(quiet.exit_code == 0);
  CHECK_THAT(quiet.err, Contains("note: horizon ") && Contains(", not the 8 asked for: too long for this series, and "
                                                              "features cannot be rolled forward\n"));
  const RunResult predicted = run_cli("predict --model m.json", dir.path());
  INFO(predicted.err);
  CHECK(predicted.exit_code == 0);
  CHECK(std::count(predicted.out.begin(), predicted.out.end(), '\n') == 1 + trained);
  const RunResult evaluated = run_cli("evaluate --model m.json --input m.csv", dir.path());
  INFO(evaluated.err);
  CHECK(evaluated.exit_code == 0);
  CHECK_THAT(run_cli("inspect --data m.csv --target gdp --features spend --horizon 8", dir.path()).out,
             Contains("horizon: " + std::to_string(trained) + " trained, not the 8 asked for"));
  // An earlier build recorded forecast_horizon here too: it is ignored, not refused.
  auto earlier = checkpoint;
  earlier["forecast_horizon"] = 8;
  dir.write("earlier.json", earlier.dump(1) + "\n");
  CHECK(run_cli("predict --model earlier.json", dir.path()).out == predicted.out);
  const RunResult longer = run_cli("predict --model m.json --horizon 8", dir.path());
  CHECK(longer.exit_code == 2);
  CHECK_THAT(longer.err, Contains("m.json: a horizon of 8 steps") &&
                            Contains("cannot be rolled forward: forecast " + std::to_string(trained) + " step"));
  const RunResult backtest = run_cli("evaluate --model m.json --input m.csv --horizon 8", dir.path());
  CHECK(backtest.exit_code == 2);
  CHECK_THAT(backtest.err, Contains("m.json: ") && Contains("cannot be rolled forward"));
}

TEST_CASE("a business-day series forecasts the next weekdays and places its history in the week", "[cli-train]") {
  TempDir dir;
  // 60 weeks of weekday closes from Monday 2024-01-01, with a weekday pattern, no weekend rows.
  std::string csv = "date,close\n";
  std::int64_t days = 19723;  // 2024-01-01, days since 1970-01-01
  std::string last_three;
  for (int week = 0; week < 60; ++week)
    for (int day = 0; day < 5; ++day, ++days) {
      const std::string line = iso_date(days) + "," + std::to_string(100 + week + 3 * day) + "\n";
      csv += line;
      if (week == 59 && day >= 1 && day <= 3) last_three += line;
      if (day == 4) days += 2;  // the weekend
    }
  dir.write("b.csv", csv);
  const RunResult train = run_cli("train --data b.csv --target close --time-column date --look-back 3 --horizon 5 "
                                  "--hidden 4 --epochs 2 --ensemble 1 --seasonal-adjust multiplicative --output m.json",
                                  dir.path());
  INFO(train.err);
  REQUIRE(train.exit_code == 0);
  CHECK_THAT(train.err, Contains("season 5"));
  const auto checkpoint = nlohmann::json::parse(read_file(dir.file("m.json")));
  CHECK(checkpoint["columns"]["frequency"]["unit"] == "business_days");
  CHECK(checkpoint["columns"]["seasonal_period"] == 5);
  // The last row is Friday 2025-02-21: the next weekdays, no Saturday or Sunday.
  const RunResult predict = run_cli("predict --model m.json --horizon 6", dir.path());
  INFO(predict.err);
  REQUIRE(predict.exit_code == 0);
  CHECK_THAT(predict.out, StartsWith("date,close\n2025-02-24,") && Contains("\n2025-02-28,") && Contains("\n2025-03-03,"));
  CHECK_THAT(predict.out, !Contains("2025-02-22") && !Contains("2025-03-01"));
  // A history of three weekdays (Tuesday to Thursday) shows no weekend, yet continues the model.
  const RunResult short_history = run_cli("predict --model m.json --input - --horizon 2", dir.path(), "date,close\n" + last_three);
  INFO(short_history.err);
  REQUIRE(short_history.exit_code == 0);
  CHECK_THAT(short_history.out, StartsWith("date,close\n2025-02-21,") && Contains("\n2025-02-24,"));
  // A holiday in a short history is a gap of business-day data.
  const RunResult holiday = run_cli("predict --model m.json --input - --horizon 2", dir.path(),
                                    "date,close\n2025-02-19,1\n2025-02-21,1\n2025-02-24,1\n");
  CHECK(holiday.exit_code == 2);
  CHECK_THAT(holiday.err, Contains("2025-02-20 is missing (business daily data"));
  // predict --missing fills it, whatever the model was trained with.
  const RunResult filled = run_cli("predict --model m.json --input - --horizon 2 --missing ffill", dir.path(),
                                   "date,close\n2025-02-19,1\n2025-02-21,1\n2025-02-24,1\n");
  INFO(filled.err);
  CHECK(filled.exit_code == 0);
  CHECK_THAT(filled.out, StartsWith("date,close\n2025-02-25,"));
  // A Saturday row is refused.
  const RunResult weekend = run_cli("predict --model m.json --input - --horizon 2", dir.path(),
                                    "date,close\n2025-02-20,1\n2025-02-21,1\n2025-02-22,1\n");
  CHECK(weekend.exit_code == 2);
  CHECK_THAT(weekend.err, Contains("<stdin>:4:1: '2025-02-22' falls on a Saturday, but the model was trained on business "
                                   "daily data (Monday to Friday, at one time of day)"));
  // A history of months is not a business-day history, written as months or as first days that
  // all fall on weekdays.
  for (const std::string months : {"2025-01\n", "2025-01-01\n"}) {
    const std::string rows = months == "2025-01\n" ? "2025-01,1\n2025-02,1\n2025-03,1\n"
                                                   : "2025-08-01,1\n2025-09-01,1\n2025-10-01,1\n";
    const RunResult monthly = run_cli("predict --model m.json --input - --horizon 2", dir.path(), "date,close\n" + rows);
    CHECK(monthly.exit_code == 2);
    CHECK_THAT(monthly.err, Contains("the time column is ") && Contains(" but the model was trained on business daily data"));
  }
  // A daily model of such data (as versions before business days trained one with --missing ffill,
  // here a checkpoint edited to say so) reads a weekday history as daily, its weekend a gap it
  // fills, and forecasts every day.
  REQUIRE(run_cli("train --data b.csv --target close --time-column date --missing ffill --look-back 3 --horizon 2 "
                  "--hidden 2 --epochs 1 --ensemble 1 --quiet --output daily.json",
                  dir.path())
              .exit_code == 0);
  auto daily_checkpoint = nlohmann::json::parse(read_file(dir.file("daily.json")));
  daily_checkpoint["columns"]["frequency"] = {{"unit", "seconds"}, {"count", 86400}, {"name", "daily"}, {"month_day", 0}};
  dir.write("daily.json", daily_checkpoint.dump());
  const RunResult daily = run_cli("predict --model daily.json --input - --horizon 2", dir.path(),
                                  "date,close\n2025-02-13,1\n2025-02-14,2\n2025-02-17,3\n2025-02-18,4\n2025-02-19,5\n"
                                  "2025-02-20,6\n2025-02-21,7\n");
  INFO(daily.err);
  CHECK(daily.exit_code == 0);
  CHECK_THAT(daily.out, StartsWith("date,close\n2025-02-22,") && Contains("\n2025-02-23,"));  // Saturday, Sunday
}

TEST_CASE("times written with a zero fraction of a second (JavaScript's toISOString) train and forecast alike", "[cli-train]") {
  TempDir dir;
  std::string rows = "time,y\n";
  for (int h = 0; h < 48; ++h) {
    char stamp[40];
    std::snprintf(stamp, sizeof stamp, "2024-01-%02dT%02d:00:00.000Z", 1 + h / 24, h % 24);
    rows += std::string(stamp) + "," + std::to_string(10 + h % 24) + "\n";
  }
  dir.write("js.csv", rows);
  // The guessed column reads (no --time-column): the hourly season comes from it.
  const RunResult trained = run_cli("train --data js.csv --target y --horizon 2 --epochs 1 --hidden 2 --ensemble 1 --output m.json",
                                    dir.path());
  INFO(trained.err);
  REQUIRE(trained.exit_code == 0);
  CHECK_THAT(trained.err, Contains("season 24"));
  const RunResult forecast = run_cli("predict --model m.json", dir.path());
  CHECK(forecast.exit_code == 0);
  CHECK_THAT(forecast.out, StartsWith("time,y\n2024-01-03T00:00:00.000Z,") && Contains("\n2024-01-03T01:00:00.000Z,"));
}

TEST_CASE("a history whose times carry another UTC offset than training's, or lie off its clock, is refused at its line, single or many series", "[cli-train]") {
  TempDir dir;
  std::string plus1 = "time,y\n", plus2 = "time,y\n", long1 = "id,time,y\n", long2 = "id,time,y\n", half = "id,time,y\n";
  for (int h = 0; h < 48; ++h) {
    char stamp[40];
    std::snprintf(stamp, sizeof stamp, "2024-01-%02d %02d:00:00", 1 + h / 24, h % 24);
    const std::string value = std::to_string(10 + h % 24);
    plus1 += std::string(stamp) + "+01:00," + value + "\n";
    plus2 += std::string(stamp) + "+02:00," + value + "\n";
    for (const char* id : {"a", "b"}) {
      long1 += std::string(id) + "," + stamp + "+01:00," + value + "\n";
      long2 += std::string(id) + "," + stamp + "+02:00," + value + "\n";
      std::string off_clock = stamp;  // series b at half past: off the model's clock
      if (id[0] == 'b') off_clock.replace(14, 2, "30");
      half += std::string(id) + "," + off_clock + "+01:00," + value + "\n";
    }
  }
  dir.write("plus1.csv", plus1);
  dir.write("plus2.csv", plus2);
  dir.write("long1.csv", long1);
  dir.write("long2.csv", long2);
  dir.write("half.csv", half);
  const std::string quick = " --target y --time-column time --look-back 4 --hidden 2 --epochs 1 --ensemble 1 --quiet";
  REQUIRE(run_cli("train --data plus1.csv --output m.json" + quick, dir.path()).exit_code == 0);
  const RunResult same = run_cli("predict --model m.json --input plus1.csv --horizon 1", dir.path());
  INFO(same.err);
  CHECK(same.exit_code == 0);
  CHECK_THAT(same.out, Contains("2024-01-03 00:00:00+01:00,"));
  const RunResult other = run_cli("predict --model m.json --input plus2.csv", dir.path());
  CHECK(other.exit_code == 2);
  CHECK_THAT(other.err, Contains("plus2.csv:2:1: its times are written with UTC offset +02:00, the model's training data "
                                 "with UTC offset +01:00; convert the history's times to the same offset"));
  // Written +0100 (Python's %z), forecast +0100; a history written +01:00 is the same offset.
  std::string compact = plus1;
  for (std::size_t at = compact.find("+01:00"); at != std::string::npos; at = compact.find("+01:00", at)) compact.replace(at, 6, "+0100");
  dir.write("compact.csv", compact);
  REQUIRE(run_cli("train --data compact.csv --output c.json" + quick, dir.path()).exit_code == 0);
  CHECK_THAT(run_cli("predict --model c.json --horizon 1", dir.path()).out, Contains("2024-01-03 00:00:00+0100,"));
  CHECK_THAT(run_cli("predict --model c.json --input plus1.csv --horizon 1", dir.path()).out, Contains("2024-01-03 00:00:00+0100,"));
  REQUIRE(run_cli("train --data long1.csv --series-column id --output p.json" + quick, dir.path()).exit_code == 0);
  const RunResult many = run_cli("predict --model p.json --input long2.csv", dir.path());
  CHECK(many.exit_code == 2);
  CHECK_THAT(many.err, Contains("long2.csv:2:2: its times are written with UTC offset +02:00"));
  // The file's line of the series' first row, and the series named.
  const RunResult off_clock = run_cli("predict --model p.json --input half.csv", dir.path());
  CHECK(off_clock.exit_code == 2);
  CHECK_THAT(off_clock.err, Contains("half.csv:3: series 'b': time '2024-01-01 00:30:00+01:00' is not a whole number of hourly"));
}

TEST_CASE("a date column left unread because the look-back was given is named, with the flag that reads it", "[cli-train]") {
  TempDir dir;
  const std::string data = "--data '" + source_path("data/airline-passengers.csv") + "' --target passengers";
  const RunResult given = run_cli("train " + data + " --look-back 4 --epochs 1 --ensemble 1 --output m.json", dir.path());
  INFO(given.err);
  REQUIRE(given.exit_code == 0);
  CHECK_THAT(given.err, Contains("note: column 'date' was not read as times (rows are consecutive periods, forecasts "
                                 "numbered by step)") &&
                            Contains("--time-column date reads it"));
  CHECK_THAT(run_cli("predict --model m.json --horizon 1", dir.path()).out, StartsWith("step,passengers\n"));
  const RunResult named = run_cli("train " + data + " --time-column date --look-back 4 --epochs 1 --ensemble 1 --output t.json",
                                  dir.path());
  CHECK_THAT(named.err, !Contains("was not read as times"));
  CHECK_THAT(run_cli("inspect " + data + " --look-back 4", dir.path()).out,
             Contains("note: column 'date' was not read as times (rows are consecutive periods, forecasts numbered by step): the "
                      "time column is guessed only when the look-back and season are left to the recipe"));
  // --time-column '' asks for none: nothing is guessed, over a config file's too (a hunt: it was).
  dir.write("c.json", "{\"data\": {\"time_column\": \"date\"}}");
  for (const std::string config : {"", " --config c.json"}) {
    const RunResult none = run_cli("train " + data + config + " --time-column '' --epochs 1 --ensemble 1 --output n.json", dir.path());
    INFO(none.err);
    REQUIRE(none.exit_code == 0);
    CHECK_THAT(none.err, Contains("season 1,") && !Contains("was not read as times"));
    CHECK_THAT(run_cli("predict --model n.json --horizon 1", dir.path()).out, StartsWith("step,passengers\n"));
  }
  CHECK_THAT(run_cli("inspect " + data + " --time-column ''", dir.path()).out, !Contains("time column"));
}

TEST_CASE("with two targets the validation errors are reported per target, each in its own units", "[cli-train]") {
  TempDir dir;
  std::string csv = "date,big,small\n";
  for (int t = 0; t < 60; ++t)
    csv += year_month(2000, t) + "," +
           std::to_string(10000 + 100 * ((t * 7) % 12)) + "," + std::to_string(0.5 + 0.01 * ((t * 5) % 7)) + "\n";
  dir.write("two.csv", csv);
  const RunResult train = run_cli("train --data two.csv --target big,small --time-column date --look-back 12 --hidden 4 "
                                  "--epochs 2 --ensemble 1 --output m.json",
                                  dir.path());
  INFO(train.err);
  REQUIRE(train.exit_code == 0);
  CHECK_THAT(train.err, Contains(" of 'big' (its units, ") && Contains(" of 'small' (its units, ") &&
                            !Contains("(original units"));
}

TEST_CASE("train and inspect both say which rows without a target value were not read", "[cli-train]") {
  TempDir dir;
  std::string csv = "date,y\n2000-01,\n2000-02,\n";
  for (int t = 2; t < 40; ++t)
    csv += year_month(2000, t) + "," +
           std::to_string(100 + (t * 7) % 11) + "\n";
  dir.write("lead.csv", csv);
  const std::string flags = "--data lead.csv --target y --missing ffill --look-back 4 --time-column date";
  const RunResult train = run_cli("train " + flags + " --epochs 1 --ensemble 1 --output m.json", dir.path());
  INFO(train.err);
  REQUIRE(train.exit_code == 0);
  CHECK_THAT(train.err, Contains("note: 2 leading rows without a target value not read"));
  CHECK_THAT(run_cli("inspect " + flags, dir.path()).out, Contains("dropped: 2 leading rows without a target value not read\n"));
}

TEST_CASE("train and predict note a last value that jumps far beyond every earlier change", "[cli-train]") {
  // Airline's first 120 months, the last one typed twice as large: every forecast starts there.
  TempDir dir;
  std::istringstream lines(read_file(source_path("data/airline-passengers.csv")));
  std::string text, line;
  for (int i = 0; i <= 120 && std::getline(lines, line); ++i) {
    if (i == 120) line = line.substr(0, line.find(',') + 1) + "1000";
    text += line + "\n";
  }
  dir.write("spike.csv", text);
  const RunResult train = run_cli("train --data spike.csv --target passengers --time-column date --look-back 12 "
                                  "--epochs 1 --ensemble 1 --output s.json",
                                  dir.path());
  INFO(train.err);
  REQUIRE(train.exit_code == 0);
  const std::string note = "the last value of 'passengers' (1000, at 1958-12) changed by";
  CHECK_THAT(train.err, Contains("note: " + note));
  CHECK_THAT(run_cli("predict --model s.json --input spike.csv", dir.path()).err, Contains("note: spike.csv: " + note));
  CHECK_THAT(run_cli("predict --model s.json", dir.path()).err, Contains(note));
  // --quiet silences the summary, not a note on the data.
  const RunResult quiet = run_cli("train --data spike.csv --target passengers --time-column date --look-back 12 "
                                  "--epochs 1 --ensemble 1 --output q.json --quiet",
                                  dir.path());
  CHECK_THAT(quiet.err, Contains("note: " + note) && !Contains("settings:") && !Contains("trained on"));
}

// Found by a hunt: four digits read as a year, so a column of periods that reached 1000 trained
// (load_series reads the column as periods) and wrote a checkpoint no command could read, and a
// forecast or history past 999 was refused as "a year past 9999" or "yearly".
TEST_CASE("integer periods that reach four digits stay periods in the checkpoint, the forecast and a history", "[cli-train]") {
  TempDir dir;
  std::string to_1000 = "t,y\n", to_998 = "t,y\n", after = "t,y\n", panel = "id,t,y\n";
  for (int t = 981; t <= 1000; ++t) {
    const std::string row = std::to_string(t) + "," + std::to_string(t % 7) + "\n";
    to_1000 += row;
    if (t <= 998) to_998 += row;
  }
  for (int t = 1001; t <= 1010; ++t) after += std::to_string(t) + ",3\n";
  for (int t = 1; t <= 8; ++t) panel += "a," + std::to_string(t) + "," + std::to_string(100 + t * 37 % 11) + "\n";
  for (int t = 1; t <= 8; ++t) panel += "b," + std::to_string(2000 + t) + "," + std::to_string(100 + t * 37 % 11) + "\n";
  dir.write("to_1000.csv", to_1000);
  dir.write("to_998.csv", to_998);
  dir.write("after.csv", after);
  dir.write("panel.csv", panel);
  const std::string quick = " --target y --time-column t --look-back 2 --hidden 4 --epochs 1 --ensemble 1 --quiet";
  REQUIRE(run_cli("train --data to_1000.csv --output a.json" + quick, dir.path()).exit_code == 0);
  const RunResult read_back = run_cli("predict --model a.json --horizon 2", dir.path());
  INFO(read_back.err);
  CHECK(read_back.exit_code == 0);
  CHECK_THAT(read_back.out, StartsWith("t,y\n1001,") && Contains("\n1002,"));
  REQUIRE(run_cli("train --data to_998.csv --output b.json" + quick, dir.path()).exit_code == 0);
  const RunResult past = run_cli("predict --model b.json --horizon 3", dir.path());
  INFO(past.err);
  CHECK(past.exit_code == 0);
  CHECK_THAT(past.out, StartsWith("t,y\n999,") && Contains("\n1000,") && Contains("\n1001,"));
  const RunResult history = run_cli("predict --model b.json --input after.csv --horizon 1", dir.path());
  INFO(history.err);
  CHECK(history.exit_code == 0);
  CHECK_THAT(history.out, StartsWith("t,y\n1011,"));
  REQUIRE(run_cli("train --data panel.csv --series-column id --output p.json" + quick, dir.path()).exit_code == 0);
  const RunResult many = run_cli("predict --model p.json", dir.path());
  INFO(many.err);
  CHECK(many.exit_code == 0);
  CHECK_THAT(many.out, Contains("a,9,") && Contains("b,2009,"));
}

// Found by a hunt: a history writing another day of the same calendar periods (quarter labels for
// a model on quarter ends) was forecast from its own days (2005-01-31 for 2005-03-31), and a
// history with seconds for a model written to the minute lost them from the forecast's times.
TEST_CASE("a history's times are placed on the model's grid: forecasts continue the model's own times", "[cli-train]") {
  TempDir dir;
  std::string ends = "date,y\n", labels = "date,y\n", panel_ends = "id,date,y\n", panel_labels = "id,date,y\n";
  std::string minutes = "date,y\n", seconds = "date,y\n";
  const char* const kEnds[] = {"03-31", "06-30", "09-30", "12-31"};
  for (int i = 0; i < 20; ++i) {
    const std::string year = std::to_string(2000 + i / 4), value = std::to_string(100 + 10 * (i % 4) + i);
    ends += year + "-" + kEnds[i % 4] + "," + value + "\n";
    labels += year + "Q" + std::to_string(i % 4 + 1) + "," + value + "\n";
    for (const char* id : {"a", "b"}) {
      panel_ends += std::string(id) + "," + year + "-" + kEnds[i % 4] + "," + value + "\n";
      panel_labels += std::string(id) + "," + year + "Q" + std::to_string(i % 4 + 1) + "," + value + "\n";
    }
    char minute[32];
    std::snprintf(minute, sizeof minute, "2004-01-01 05:%02d", i);
    minutes += std::string(minute) + "," + value + "\n";
    seconds += std::string(minute) + ":30," + value + "\n";
  }
  for (const auto& [name, text] : {std::pair<std::string, std::string>{"ends.csv", ends}, {"labels.csv", labels},
                                   {"panel_ends.csv", panel_ends}, {"panel_labels.csv", panel_labels},
                                   {"minutes.csv", minutes}, {"seconds.csv", seconds}})
    dir.write(name, text);
  const std::string quick = " --target y --time-column date --look-back 4 --hidden 4 --epochs 2 --ensemble 1 --quiet";
  REQUIRE(run_cli("train --data ends.csv --output q.json" + quick, dir.path()).exit_code == 0);
  const RunResult own = run_cli("predict --model q.json --horizon 2", dir.path());
  const RunResult labelled = run_cli("predict --model q.json --input labels.csv --horizon 2", dir.path());
  INFO(labelled.err);
  CHECK_THAT(own.out, StartsWith("date,y\n2005-03-31,") && Contains("\n2005-06-30,"));
  CHECK(labelled.out == own.out);
  const RunResult fitted = run_cli("predict --model q.json --input labels.csv --fitted", dir.path());
  CHECK_THAT(fitted.out, Contains("\n2004-12-31,") && !Contains("2004-10-01"));
  REQUIRE(run_cli("train --data panel_ends.csv --series-column id --output p.json" + quick, dir.path()).exit_code == 0);
  const RunResult many = run_cli("predict --model p.json --input panel_labels.csv --horizon 1", dir.path());
  INFO(many.err);
  CHECK_THAT(many.out, Contains("a,2005-03-31,") && Contains("b,2005-03-31,"));
  REQUIRE(run_cli("train --data minutes.csv --output m.json" + quick, dir.path()).exit_code == 0);
  const RunResult lost = run_cli("predict --model m.json --input seconds.csv", dir.path());
  CHECK(lost.exit_code == 2);
  CHECK_THAT(lost.err, StartsWith("lstm-forecast: seconds.csv:2:1: time '2004-01-01 05:00:30' cannot be written as the "
                                  "training data's times are ('2004-01-01 05:19')"));
  // An hourly model keeps its clock: a history at :30 for a model at :00 had forecast at :30.
  std::string hours = "date,y\n", halves = "date,y\n";
  for (int i = 0; i < 20; ++i) {
    char hour[32];
    std::snprintf(hour, sizeof hour, "2004-01-01 %02d:", i);
    hours += std::string(hour) + "00," + std::to_string(100 + 3 * (i % 4) + i) + "\n";
    halves += std::string(hour) + "30," + std::to_string(100 + 3 * (i % 4) + i) + "\n";
  }
  dir.write("hours.csv", hours);
  dir.write("halves.csv", halves);
  REQUIRE(run_cli("train --data hours.csv --output h.json" + quick, dir.path()).exit_code == 0);
  const RunResult off_clock = run_cli("predict --model h.json --input halves.csv", dir.path());
  CHECK(off_clock.exit_code == 2);
  CHECK_THAT(off_clock.err, StartsWith("lstm-forecast: halves.csv:2: time '2004-01-01 00:30' is not a whole number of hourly "
                                       "steps from the training data's '"));
  CHECK(run_cli("predict --model h.json --input hours.csv", dir.path()).exit_code == 0);
}

// Found by a hunt on several targets and features: notes looked at the first target alone, a
// feature one value in every training row was silently unread, and a history cut short by a
// feature that ends early was called short without saying why.
TEST_CASE("notes cover every target, an unread feature, and rows a short history did not read", "[cli-train]") {
  TempDir dir;
  // 50 daily rows: targets a (about 20) and b (about 100), features x and z.
  using lstmf::format_number;
  const auto rows = [](const std::function<void(int, std::vector<std::string>&)>& edit) {
    std::string csv = "date,a,b,x,z\n";
    for (int i = 0; i < 50; ++i) {
      char date[16];
      std::snprintf(date, sizeof date, "2021-%02d-%02d", i < 31 ? 1 : 2, i < 31 ? i + 1 : i - 30);
      std::vector<std::string> row = {date, format_number(20 + 3 * std::sin(i / 2.0) + (i * 7 % 10) / 10.0),
                                      format_number(100 + 10 * std::cos(i / 3.0) + (i * 3 % 10) / 10.0),
                                      std::to_string(i % 5), format_number((i * 13 % 17) / 17.0)};
      edit(i, row);
      csv += row[0] + "," + row[1] + "," + row[2] + "," + row[3] + "," + row[4] + "\n";
    }
    return csv;
  };
  dir.write("base.csv", rows([](int, std::vector<std::string>&) {}));
  dir.write("bmiss.csv", rows([](int i, std::vector<std::string>& r) { if (i == 45 || i == 46) r[2] = "NA"; }));
  dir.write("bjump.csv", rows([](int i, std::vector<std::string>& r) { if (i == 49) r[2] = "400"; }));
  dir.write("xconst.csv", rows([](int, std::vector<std::string>& r) { r[3] = "1"; }));
  dir.write("xtypo.csv", rows([](int i, std::vector<std::string>& r) { r[3] = i == 49 ? "1e90" : "1"; }));
  dir.write("zshort.csv", rows([](int i, std::vector<std::string>& r) { if (i >= 10) r[4] = ""; }));
  const std::string quick = " --target a,b --features x,z --time-column date --horizon 3 --look-back 14 --hidden 4 "
                            "--epochs 3 --ensemble 1";
  REQUIRE(run_cli("train --data base.csv --output m.json --quiet" + quick, dir.path()).exit_code == 0);

  const RunResult filled = run_cli("evaluate --model m.json --input bmiss.csv --missing interpolate", dir.path());
  INFO(filled.err);
  CHECK(filled.exit_code == 0);
  CHECK_THAT(filled.err, Contains("2 of the 5 rows forecast have a target value missing in the file") &&
                             Contains("2 of the 3 origins follow a gap filled by interpolation"));
  CHECK_THAT(run_cli("predict --model m.json --input bjump.csv", dir.path()).err,
             Contains("note: bjump.csv: the last value of 'b' (400, at 2021-02-19) changed by"));
  CHECK_THAT(run_cli("train --data bjump.csv --output j.json --quiet" + quick, dir.path()).err,
             Contains("note: the last value of 'b' (400"));

  const RunResult unread = run_cli("train --data xconst.csv --output x.json --quiet" + quick, dir.path());
  INFO(unread.err);
  REQUIRE(unread.exit_code == 0);
  CHECK_THAT(unread.err, Contains("note: feature 'x' is 1 in every training row: the model cannot read it"));
  const RunResult typo = run_cli("predict --model x.json --input xtypo.csv", dir.path());
  CHECK(typo.exit_code == 0);
  CHECK_THAT(typo.err, Contains("note: xtypo.csv: feature 'x' was 1 in every training row, so the model does not read "
                                "it: the history's 1e+90 at '2021-02-19' changes nothing in the forecast"));
  CHECK_THAT(run_cli("predict --model x.json --input xconst.csv", dir.path()).err, !Contains("feature 'x'"));

  const RunResult short_predict = run_cli("predict --model m.json --input zshort.csv --missing ffill", dir.path());
  CHECK(short_predict.exit_code == 2);
  CHECK_THAT(short_predict.err, Contains("zshort.csv: history has 10 rows (40 trailing rows (after the last value of 'z') "
                                         "not read); the model needs the last 14"));
  const RunResult short_evaluate = run_cli("evaluate --model m.json --input zshort.csv --missing ffill", dir.path());
  CHECK(short_evaluate.exit_code == 2);
  CHECK_THAT(short_evaluate.err, Contains("too short to backtest") &&
                                     Contains("; 40 trailing rows (after the last value of 'z') not read"));
}

// Found by a hunt: one typo (1e6 in a series near 100) in the validation tail was refitted on,
// squeezing the scale: every forecast came out 20 to 35 times the series' level, without a word.
TEST_CASE("a value far outside the training rows is not refitted on, and a forecast that reads it says so", "[cli-train]") {
  TempDir dir;
  const auto series = [](int spike) {
    std::string csv = "y\n";
    for (int i = 0; i < 120; ++i) csv += lstmf::format_number(i == spike ? 1e6 : 100 + std::sin(i * 1.7) + 0.5 * std::cos(i * 0.3)) + "\n";
    return csv;
  };
  dir.write("early.csv", series(100));  // in the validation tail, before the last look-back
  dir.write("late.csv", series(110));   // among the rows every forecast reads
  const RunResult early = run_cli("train --data early.csv --target y --horizon 12 --output e.json", dir.path());
  INFO(early.err);
  REQUIRE(early.exit_code == 0);
  CHECK_THAT(early.err, Contains("note: the validation tail's 1e+06 in 'y' at row 101 lies ") &&
                            Contains("training ranges (") && Contains("so the validated members are kept (no refit;") &&
                            !Contains("then refitted"));
  const RunResult forecast = run_cli("predict --model e.json --horizon 3", dir.path());
  REQUIRE(forecast.exit_code == 0);
  std::istringstream lines(forecast.out);
  std::string line;
  std::getline(lines, line);  // the header
  while (std::getline(lines, line)) {
    const double value = std::stod(line.substr(line.find(',') + 1));
    CHECK(value > 90);  // near the series' level, not thousands
    CHECK(value < 110);
  }
  const RunResult late = run_cli("train --data late.csv --target y --horizon 12 --output l.json", dir.path());
  INFO(late.err);
  REQUIRE(late.exit_code == 0);
  CHECK_THAT(late.err, Contains("note: 'y' is 1e+06 9 rows before the last, one of the last ") &&
                           Contains("outside the training rows (a typo?): the forecast is made from it"));
  CHECK_THAT(run_cli("predict --model l.json", dir.path()).err,
             Contains("note: l.json (data_tail): 'y' is 1e+06 9 rows before the last"));
  CHECK_THAT(run_cli("predict --model l.json --input late.csv", dir.path()).err,
             Contains("note: late.csv: 'y' is 1e+06 9 rows before the last"));
}

// Found by a hunt: a series that repeats exactly is forecast by seasonal naive alone, but a history
// that differed by 1 was refused as "1e12 training ranges" from its seasonally adjusted range of
// 1e-14; and a baseline exact on the validation windows gave intervals of width 0 at every level,
// also for a series that had changed before them.
TEST_CASE("a model without weight does not judge a history, and exact validation gives intervals from earlier changes", "[cli-train]") {
  TempDir dir;
  const int pattern[] = {112, 118, 132, 129, 121, 135, 148, 148, 136, 119, 104, 118};
  std::string periodic = "date,y\n", history = "date,y\n", sparse = "date,y\n";
  for (int i = 0; i < 72; ++i) {
    char month[16];
    std::snprintf(month, sizeof month, "%04d-%02d", 2000 + i / 12, i % 12 + 1);
    if (i < 48) periodic += std::string(month) + "," + std::to_string(pattern[i % 12]) + "\n";
    if (i >= 24 && i < 48) history += std::string(month) + "," + std::to_string(pattern[i % 12] + (i == 47 ? 1 : 0)) + "\n";
    sparse += std::string(month) + "," + (i == 3 || i == 17 || i == 30 ? "1" : "0") + "\n";
  }
  dir.write("periodic.csv", periodic);
  dir.write("history.csv", history);
  dir.write("sparse.csv", sparse);
  // One member: what is checked is the combination and the interval floor, not the ensemble.
  REQUIRE(run_cli("train --data periodic.csv --target y --horizon 6 --ensemble 1 --output p.json --quiet", dir.path()).exit_code == 0);
  const RunResult changed = run_cli("predict --model p.json --input history.csv --horizon 1", dir.path());
  INFO(changed.err);
  CHECK(changed.exit_code == 0);
  CHECK(changed.out == "date,y\n2004-01,112\n");  // seasonal naive
  CHECK(changed.err.empty());
  REQUIRE(run_cli("train --data sparse.csv --target y --horizon 6 --ensemble 1 --output s.json --quiet", dir.path()).exit_code == 0);
  const RunResult bands = run_cli("predict --model s.json --intervals 80,95 --horizon 1", dir.path());
  INFO(bands.out);
  REQUIRE(bands.exit_code == 0);
  std::vector<double> v;
  std::istringstream row(bands.out.substr(bands.out.find('\n') + 1));
  std::string cell;
  std::getline(row, cell, ',');  // the date
  while (std::getline(row, cell, ',')) v.push_back(std::stod(cell));
  REQUIRE(v.size() == 5);  // y, lo80, hi80, lo95, hi95
  CHECK(v[2] - v[1] > 0.1);
  CHECK(v[4] - v[3] > v[2] - v[1]);
}

// A review: a level the series moved to in its validation tail (a structural break) is what the
// refit is for; only an isolated value, the series back since, keeps the validated members, and
// --refit true refits all the same.
TEST_CASE("a level shift in the validation tail is refitted on, an isolated far value only when asked", "[cli-train]") {
  TempDir dir;
  std::string shift = "y\n", spike = "y\n";
  for (int i = 0; i < 60; ++i) {
    const double noise = 0.4 * std::sin(i * 1.3);
    shift += lstmf::format_number(i < 54 ? 100 + noise : 200 + noise) + "\n";
    spike += lstmf::format_number(i == 55 ? 1e6 : 100 + noise) + "\n";
  }
  dir.write("shift.csv", shift);
  dir.write("spike.csv", spike);
  const std::string flags = " --target y --horizon 3 --ensemble 1 --hidden 4 --refit ";  // the recipe's epochs: it refits
  const RunResult moved = run_cli("train --data shift.csv --output s.json" + flags + "auto", dir.path());
  INFO(moved.err);
  CHECK(moved.exit_code == 0);
  CHECK_THAT(moved.err, !Contains("no refit"));
  const RunResult isolated = run_cli("train --data spike.csv --output p.json" + flags + "auto", dir.path());
  CHECK_THAT(isolated.err, Contains("and the series came back (a typo, or a spike?)") && Contains("(no refit;"));
  const RunResult asked = run_cli("train --data spike.csv --output q.json" + flags + "true", dir.path());
  CHECK_THAT(asked.err, !Contains("no refit"));
}

TEST_CASE("a seasonal adjustment that would take values beyond +-1e100 is refused, naming the column and the time", "[cli-train]") {
  // A fuzzer's case: train wrote a checkpoint its own predict refused (scaler beyond 1e100).
  TempDir dir;
  dir.write("near.csv", "date,y\n2000,9e+99\n2001,-9e+99\n2002,9e+99\n2003,9e+99\n2004,9e+99\n2005,-9e+99\n2006,9e+99\n2007,-9e+99\n");
  const RunResult r = run_cli("train --data near.csv --target y --time-column date --season 2 --seasonal-adjust additive "
                              "--look-back 2 --epochs 2 --ensemble 1 --hidden 2 --quiet --output m.json",
                              dir.path());
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("near.csv: seasonally adjusted (data.seasonal_adjust additive), column 'y' is 1.425e+100 at "
                             "'2003', beyond +-1e100") &&
                        Contains("--seasonal-adjust none"));
  CHECK_FALSE(std::filesystem::exists(dir.file("m.json")));
}

TEST_CASE("a seasonal adjustment without a period says to set --season, and names the time column only when none was", "[cli-train]") {
  TempDir dir;
  std::string csv = "time,y\n";  // every 15 minutes: a frequency without a seasonal period
  for (int i = 0; i < 80; ++i) {
    char line[64];
    std::snprintf(line, sizeof line, "2024-01-01 %02d:%02d,%d\n", i / 4, (i % 4) * 15, 100 + (i * 7) % 11);
    csv += line;
  }
  dir.write("q.csv", csv);
  const std::string flags = " --target y --horizon 4 --epochs 1 --ensemble 1 --seasonal-adjust additive --output m.json";
  const RunResult named = run_cli("train --data q.csv --time-column time" + flags, dir.path());
  CHECK(named.exit_code == 2);
  CHECK_THAT(named.err, Contains("got 1 (the time column's frequency has none: set --season)"));
  const RunResult rows = run_cli("train --data q.csv --time-column ''" + flags, dir.path());
  CHECK(rows.exit_code == 2);
  CHECK_THAT(rows.err, Contains("got 1 (name the time column, --time-column, or set --season)"));
}
