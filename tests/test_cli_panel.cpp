// End-to-end: many series through the built binary (train --series-column, predict, evaluate,
// --shard, merge, and the GNU parallel example), in a temporary folder.
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <sstream>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support.hpp"

using namespace lstmf::test;
using Catch::Contains;
using Catch::EndsWith;
using Catch::StartsWith;

namespace {

// Monthly series s0..s{n-1} with ragged starts and lengths, rows written in time order across
// series (so rows of a series are not contiguous), plus a series too short for one window.
std::string panel_csv(int series) {
  std::string out = "id,date,value\n";
  for (int month = 0; month < 48; ++month)
    for (int i = 0; i < series; ++i) {
      const int start = i % 5, length = 30 + (i * 7) % 15;
      if (month < start || month >= start + length) continue;
      const double value = 50 + 10.0 * i + 8 * std::sin(2 * M_PI * (month + i) / 12.0) + 0.3 * month + ((month * 7 + i) % 5);
      char line[80];
      std::snprintf(line, sizeof line, "s%d,%04d-%02d,%.2f\n", i, 2010 + month / 12, month % 12 + 1, value);
      out += line;
    }
  out += "short,2010-01,1\nshort,2010-02,2\nshort,2010-03,3\n";
  return out;
}

// Series a and b, 48 months each from 2000-01, value(id, month index) in %.6g.
std::string monthly_ab(const std::function<double(char, int)>& value) {
  std::string csv = "id,date,value\n";
  for (const char id : {'a', 'b'})
    for (int i = 0; i < 48; ++i) {
      char line[64];
      std::snprintf(line, sizeof line, "%c,%04d-%02d-01,%.6g\n", id, 2000 + i / 12, i % 12 + 1, value(id, i));
      csv += line;
    }
  return csv;
}

const std::string kFlags =
    "--data panel.csv --series-column id --target value --time-column date --look-back 6 --horizon 3 "
    "--hidden 4 --epochs 2 --batch-size 16 --quiet";


}  // namespace

TEST_CASE("on a terminal talk takes the progress bar's line and no empty line ends the run", "[cli-panel]") {
  TempDir dir;
  dir.write("panel.csv", panel_csv(3));
  std::string flags = kFlags + " --output m.json";
  flags.erase(flags.find(" --quiet"), 8);
  for (const std::string mode : {"global", "per-series"}) {
    INFO(mode);
    const std::optional<RunResult> terminal = run_cli_on_terminal("train " + flags + " --mode " + mode, dir.path());
    if (!terminal) return;
    const RunResult& shown = *terminal;
    INFO(shown.out);
    REQUIRE(shown.exit_code == 0);
    // The note on the skipped series, then the summary: each on a line of its own; over the bar
    // where one was drawn, not after its text ("ETA 0.00snote: ..." before), nor after an empty line.
    CHECK_THAT(shown.out, Contains("note: skipped series 'short'") && Contains("checkpoint: m.json\r\n"));
    CHECK_THAT(shown.out, !Contains("snote:") && !Contains("\r\n\r\n") && !Contains("\r\n\r\033[K\r\n"));
    if (mode == "global")
      CHECK_THAT(shown.out, Contains("\r\033[K[") && Contains("] epoch 2/2") && Contains("\r\033[Knote: skipped series"));
    else
      CHECK_THAT(shown.out, !Contains("\033[K"));  // no bar: no line is cleared (nor one another program left open)
  }
  // On a narrow terminal the bar fits its line (a wrapped one is not cleared by the redraw).
  const RunResult narrow = run_cli_on_terminal("train " + flags + " --mode global", dir.path(), 50).value();
  INFO(narrow.out);
  REQUIRE(narrow.exit_code == 0);
  int bars = 0;
  std::istringstream pieces(narrow.out);
  for (std::string piece; std::getline(pieces, piece, '\r');) {
    // The bar's redraws: "\r\033[K" then the bar (with its gauge "[==  ]" or without), not talk.
    if (piece.rfind("\033[K", 0) != 0 || (piece.compare(3, 1, "[") != 0 && piece.compare(3, 6, "epoch ") != 0)) continue;
    ++bars;
    CHECK(piece.size() - 3 <= 49);
    CHECK_THAT(piece, StartsWith("\033[Kepoch "));  // the gauge left out first
  }
  CHECK(bars == 2);
}

TEST_CASE("per-series training, forecasts in long format and per-series evaluation", "[cli-panel]") {
  TempDir dir;
  dir.write("panel.csv", panel_csv(6));
  const RunResult train = run_cli("train " + kFlags + " --output m.json", dir.path());
  INFO(train.err);
  REQUIRE(train.exit_code == 0);
  CHECK_THAT(train.err, Contains("note: skipped series 'short': the series has 3 rows, too short for one window"));
  // A series skipped is a note, not an error line ("lstm-forecast: ..." is what a failed run says).
  CHECK_THAT(train.err, !Contains("lstm-forecast:"));

  SECTION("--log-json logs a global model's epochs: with per-series training it leaves the file as it is, with a note") {
    // It was written empty over an earlier log, without a word (a hunt).
    dir.write("log.jsonl", "{\"epoch\":1}\n");
    const RunResult logged = run_cli("train " + kFlags + " --log-json log.jsonl --output l.json", dir.path());
    INFO(logged.err);
    REQUIRE(logged.exit_code == 0);
    CHECK_THAT(logged.err, Contains("note: output.log_json log.jsonl has no effect with per-series training"));
    CHECK(read_file(dir.file("log.jsonl")) == "{\"epoch\":1}\n");
  }
  SECTION("with a combination, train says what each series' forecast is, and predict forecasts it") {
    std::string flags = kFlags;
    flags.replace(flags.find(" --quiet"), 8, "");
    const RunResult combined = run_cli("train " + flags + " --combine true --output c.json", dir.path());
    INFO(combined.err);
    REQUIRE(combined.exit_code == 0);
    // Every one of the 6 series trained is counted once.
    std::smatch counts;
    REQUIRE(std::regex_search(combined.err, counts,
                              std::regex("forecast combination: the model for (\\d+) series, its mean with seasonal naive or "
                                         "naive for (\\d+), a baseline alone for (\\d+); Theta takes a share in (\\d+) of them")));
    CHECK(std::stoi(counts[1]) + std::stoi(counts[2]) + std::stoi(counts[3]) == 6);
    const auto checkpoint = nlohmann::json::parse(read_file(dir.path() + "/c.json"));
    for (const auto& series : checkpoint["series"]) CHECK(series.contains("combination"));
    const RunResult predict = run_cli("predict --model c.json --horizon 4", dir.path());
    REQUIRE(predict.exit_code == 0);
    CHECK(count_lines(predict.out) == 1 + 6 * 4);
    CHECK(predict.out != run_cli("predict --model m.json --horizon 4", dir.path()).out);
    const RunResult intervals = run_cli("predict --model c.json --horizon 4 --intervals 80,95 --series s1,s2", dir.path());
    INFO(intervals.err);
    REQUIRE(intervals.exit_code == 0);
    CHECK_THAT(intervals.out, StartsWith("id,date,value,value_lo80,value_hi80,value_lo95,value_hi95\ns1,"));
    CHECK(count_lines(intervals.out) == 1 + 2 * 4);
  }
  SECTION("predict forecasts every series, long format") {
    const RunResult predict = run_cli("predict --model m.json --horizon 4", dir.path());
    INFO(predict.err);
    REQUIRE(predict.exit_code == 0);
    CHECK_THAT(predict.out, StartsWith("id,date,value\ns0,"));
    CHECK(count_lines(predict.out) == 1 + 6 * 4);
  }
  SECTION("a shard of predict that holds none of the series writes the header and says so") {
    bool found = false;
    for (int k = 0; k < 40 && !found; ++k) {
      const RunResult shard = run_cli("predict --model m.json --shard " + std::to_string(k) + "/40", dir.path());
      REQUIRE(shard.exit_code == 0);
      if (shard.out != "id,date,value\n") continue;
      found = true;
      CHECK_THAT(shard.err, Contains("note: shard " + std::to_string(k) + "/40 holds none of the series of m.json"));
      const RunResult evaluated = run_cli("evaluate --model m.json --shard " + std::to_string(k) + "/40", dir.path());
      CHECK(evaluated.exit_code == 0);
      CHECK_THAT(evaluated.err, Contains("note: shard " + std::to_string(k) + "/40 holds none of the series of m.json: nothing was evaluated"));
      // With --series too, the note says the ids asked for fall in other shards (not that the shard is empty).
      const RunResult both = run_cli("predict --model m.json --series a --shard " + std::to_string(k) + "/40", dir.path());
      CHECK(both.exit_code == 0);
      CHECK_THAT(both.err, Contains("none of the series asked for (--series) falls in shard " + std::to_string(k) + "/40"));
    }
    CHECK(found);
  }
  SECTION("--series picks series, from the checkpoint or from new history") {
    const RunResult predict = run_cli("predict --model m.json --series s2,s4", dir.path());
    REQUIRE(predict.exit_code == 0);
    CHECK(count_lines(predict.out) == 1 + 2 * 3);
    CHECK_THAT(predict.out, Contains("\ns2,") && Contains("\ns4,") && !Contains("\ns0,"));
    const RunResult from_input = run_cli("predict --model m.json --series s2,s4 --input panel.csv", dir.path());
    INFO(from_input.err);
    REQUIRE(from_input.exit_code == 0);
    CHECK(from_input.out == predict.out);  // the data tail is the end of panel.csv
    const RunResult unknown = run_cli("predict --model m.json --series nope", dir.path());
    CHECK(unknown.exit_code == 2);
    CHECK_THAT(unknown.err, Contains("no series 'nope' in this checkpoint (training skips a series too short for one window "
                                     "without recording it: inspect on the training data lists those)"));
    // --series-file: the same selection from a file (one id a line) or stdin; not with --series.
    dir.write("ids.txt", "s1\n\ns0\n");
    const RunResult listed = run_cli("predict --model m.json --series-file ids.txt", dir.path());
    INFO(listed.err);
    CHECK(listed.exit_code == 0);
    CHECK(listed.out == run_cli("predict --model m.json --series s1,s0", dir.path()).out);
    CHECK(run_cli("predict --model m.json --series-file -", dir.path(), "s1\ns0\n").out == listed.out);
    // An id the checkpoint lacks is named with its line of the list.
    dir.write("stale.txt", "s1\n\ngone\n");
    CHECK_THAT(run_cli("predict --model m.json --series-file stale.txt", dir.path()).err,
               EndsWith("inspect on the training data lists those); 'gone' is on line 3 of stale.txt (--series-file)\n"));
    // Two ids of a list missing are two lines, not one id cut at a comma: no hint to quote them as
    // one (a hunt: "quote it: --series '"gone,lost"'", which a list does not read).
    dir.write("stale2.txt", "gone\nlost\n");
    const RunResult two = run_cli("predict --model m.json --series-file stale2.txt", dir.path());
    CHECK(two.exit_code == 2);
    CHECK_THAT(two.err, !Contains("quote it") && EndsWith("'gone' is on line 1 of stale2.txt (--series-file)\n"));
    CHECK_THAT(run_cli("train " + kFlags + " --series-file stale2.txt --output x.json", dir.path()).err,
               !Contains("quote it") && Contains("no series 'gone', 'lost' in column 'id'"));
    CHECK(run_cli("predict --model m.json --series-file ids.txt --series s1", dir.path()).exit_code == 2);
    CHECK(run_cli("predict --model - --series-file -", dir.path()).err ==
          "lstm-forecast: --model - and --series-file - both read stdin; give one of them as a file\n");
    {
      INFO("the id list is an input: no output may replace it or be appended to it (a review: it held the forecast)");
      const std::string clash = "is the same file as --series-file ids.txt: writing it would destroy it";
      CHECK_THAT(run_cli("predict --model m.json --series-file ids.txt --output ids.txt", dir.path()).err, Contains(clash));
      CHECK_THAT(run_cli("predict --model m.json --series-file ids.txt >> ids.txt", dir.path()).err, Contains(clash));
      CHECK_THAT(run_cli("evaluate --model m.json --input panel.csv --series-file ids.txt >> ids.txt", dir.path()).err,
                 Contains(clash));
      CHECK_THAT(run_cli("train " + kFlags + " --series-file ids.txt --output ids.txt", dir.path()).err, Contains(clash));
      CHECK_THAT(run_cli("train " + kFlags + " --series-file ids.txt --output m2.json --log-json ids.txt", dir.path()).err,
                 Contains(clash));
      CHECK(read_file(dir.file("ids.txt")) == "s1\n\ns0\n");
      CHECK(!file_exists(dir.file("m2.json")));
    }
    {
      INFO("what a full read refuses about the order or the id of a series not picked is refused too (a fuzz)");
      auto edited = nlohmann::json::parse(read_file(dir.file("m.json")));
      auto& series = edited["series"];
      REQUIRE(series.size() >= 4);
      std::swap(series[2], series[3]);  // s2 and s3 out of order
      dir.write("order.json", edited.dump());
      const std::string order = "series[3].id 's2' is out of order or repeated (series are sorted by id)";
      CHECK_THAT(run_cli("predict --model order.json", dir.path()).err, Contains(order));
      const RunResult picked = run_cli("predict --model order.json --series s0", dir.path());
      CHECK(picked.exit_code == 2);
      CHECK_THAT(picked.err, Contains(order));
      // Before an error of a series picked after it, as a full read finds them (a review).
      edited["series"][4].erase("data_tail");
      dir.write("order-then-tail.json", edited.dump());
      CHECK_THAT(run_cli("predict --model order-then-tail.json --series s4", dir.path()).err, Contains(order));
      edited = nlohmann::json::parse(read_file(dir.file("m.json")));
      edited["series"][1]["id"] = {{"x", 1}};  // an object for an id: the next string was taken for it
      edited["series"][1]["zz"] = "s1";
      dir.write("object-id.json", edited.dump());
      const RunResult object_id = run_cli("predict --model object-id.json --series s0", dir.path());
      CHECK(object_id.exit_code == 2);
      CHECK_THAT(object_id.err, Contains("series[1].id must be a string, got {\"x\":1}"));
      edited = nlohmann::json::parse(read_file(dir.file("m.json")));
      edited["series"][1].erase("data_tail");
      dir.write("no-tail.json", edited.dump());
      CHECK_THAT(run_cli("predict --model no-tail.json", dir.path()).err,
                 Contains("no-tail.json: series[1] ('s1').data_tail is missing\n"));  // said once (it was twice)
    }
    const RunResult fitted = run_cli("predict --model m.json --fitted", dir.path());
    CHECK(fitted.exit_code == 2);
    CHECK(fitted.err == "lstm-forecast: m.json: --fitted is for single-series checkpoints; this one holds many series\n");
  }
  SECTION("evaluate reports each series and the aggregate") {
    const RunResult evaluate = run_cli("evaluate --model m.json --series s0,s1,s2,s3,s4,s5", dir.path());
    INFO(evaluate.err);
    REQUIRE(evaluate.exit_code == 0);
    CHECK_THAT(evaluate.out, Contains("s5 ") && Contains("geometric-mean MASE: lstm ") &&
                                 Contains("lstm beats seasonal naive (lower MASE) on "));
    const RunResult json = run_cli("evaluate --json --model m.json --shard 0/1 --series s0,s1,s2,s3,s4,s5", dir.path());
    REQUIRE(json.exit_code == 0);
    const auto report = nlohmann::json::parse(json.out);
    CHECK(report["series"].size() == 6);
    CHECK(report["aggregate"]["compared"] == 6);
    // Each series says its MASE scale, as one series' report does: MASE times it is the MAE.
    for (const auto& entry : report["series"]) {
      const auto& scale = entry["mase_scale"];
      CHECK(scale["m"] == entry["season"]);
      CHECK(scale["differences"].get<long>() > 0);
      for (const char* method : {"lstm", "naive", "seasonal_naive"})
        CHECK(entry[method]["mase"].get<double>() * scale["value"].get<double>() ==
              Approx(entry[method]["mae"].get<double>()).epsilon(1e-9));
    }
  }
  SECTION("the training file reads as history: the series training skipped are named in a note") {
    const RunResult predict = run_cli("predict --model m.json --input panel.csv", dir.path());
    INFO(predict.err);
    REQUIRE(predict.exit_code == 0);
    CHECK(count_lines(predict.out) == 1 + 6 * 3);
    CHECK_THAT(predict.err, Contains("note: panel.csv: series 'short' not forecast: not in the checkpoint, skipped by training: "
                                     "the series has 3 rows"));
    const RunResult evaluate = run_cli("evaluate --model m.json --input panel.csv", dir.path());
    INFO(evaluate.err);
    REQUIRE(evaluate.exit_code == 0);
    CHECK_THAT(evaluate.err, Contains("skipped series 'short': not in the checkpoint, skipped by training: the series has 3 rows"));
    CHECK_THAT(evaluate.out, Contains("s5 ") && Contains("(1 skipped: stderr says why)"));
    // An option out of range is a usage error of the command, not of each series.
    const RunResult origins = run_cli("evaluate --model m.json --input panel.csv --origins 0", dir.path());
    CHECK(origins.exit_code == 2);
    CHECK(origins.err == "lstm-forecast: --origins must be >= 1, got 0\n");
    // Origins reaching back into a series' training rows are said per series, as for one series
    // (a hunt: a many-series report scored them silently); the held-out tails are not.
    CHECK_THAT(run_cli("evaluate --model m.json --input panel.csv --origins 12 --series s0", dir.path()).err,
               Contains("note: series 's0': the model trained on every row of its training file before its held-out tail, "
                        "so ") && Contains(" forecasts scored are at or before the last time it trained on"));
    CHECK_THAT(evaluate.err, !Contains("in-sample"));
    CHECK(nlohmann::json::parse(read_file(dir.file("m.json")))["series"][0]["held_out_rows"].get<long>() > 0);
    const auto report = nlohmann::json::parse(run_cli("evaluate --json --model m.json --input panel.csv", dir.path()).out);
    REQUIRE(report["skipped"].size() == 1);
    CHECK(report["skipped"][0]["id"] == "short");
    // A series long enough to have been trained, but not in the checkpoint, is still an error.
    dir.write("more.csv", read_file(dir.file("panel.csv")) + [] {
      std::string extra;
      for (int month = 0; month < 40; ++month) extra += "new," + year_month(2010, month) + ",5\n";
      return extra;
    }());
    const RunResult unknown = run_cli("predict --model m.json --input more.csv", dir.path());
    CHECK(unknown.exit_code == 2);
    CHECK_THAT(unknown.err, Contains("series 'new' is not in the checkpoint"));
  }
  SECTION("a date column left unread (no --time-column) is named, in train and inspect") {
    std::string flags = kFlags;
    flags.replace(flags.find(" --time-column date"), 19, "");
    flags.replace(flags.find(" --quiet"), 8, "");
    const RunResult plain = run_cli("train " + flags + " --output n.json", dir.path());
    INFO(plain.err);
    REQUIRE(plain.exit_code == 0);
    CHECK_THAT(plain.err, Contains("note: column 'date' was not read as times (each series' rows are consecutive "
                                   "periods in file order, season 1, forecasts numbered by step): with --series-column "
                                   "the time column is not guessed; --time-column date reads it"));
    CHECK_THAT(run_cli("inspect " + flags, dir.path()).out,
               Contains("note: column 'date' was not read as times (each series' rows are consecutive periods in file order") &&
                   Contains("with --series-column the time column is not guessed; --time-column date reads it"));
    // With --time-column it is read, and nothing is said (a run without --quiet).
    std::string timed = kFlags;
    timed.replace(timed.find(" --quiet"), 8, "");
    const RunResult with_time = run_cli("train " + timed + " --output t.json", dir.path());
    REQUIRE(with_time.exit_code == 0);
    CHECK_THAT(with_time.err, !Contains("not read as times"));
    // Dropout on one layer is said to do nothing here too.
    const RunResult dropout = run_cli("train " + timed + " --dropout 0.3 --output d.json", dir.path());
    REQUIRE(dropout.exit_code == 0);
    CHECK_THAT(dropout.err, Contains("note: model.dropout 0.3 has no effect with one layer"));
  }
  SECTION("--strict makes a short series an error") {
    const RunResult strict = run_cli("train " + kFlags + " --strict --output s.json", dir.path());
    CHECK(strict.exit_code == 2);
    CHECK_THAT(strict.err, Contains("series 'short': the series has 3 rows"));
  }
}

TEST_CASE("global training: one model for every series", "[cli-panel]") {
  TempDir dir;
  dir.write("panel.csv", panel_csv(4));
  const RunResult train = run_cli("train " + kFlags + " --mode global --output g.json --threads 1", dir.path());
  INFO(train.err);
  REQUIRE(train.exit_code == 0);
  const auto checkpoint = nlohmann::json::parse(read_file(dir.file("g.json")));
  CHECK(checkpoint["config"]["training"]["mode"] == "global");
  CHECK(checkpoint["history"]["epochs"].size() == 2);
  CHECK(checkpoint["series"].size() == 4);
  const RunResult predict = run_cli("predict --model g.json --shard 1/3", dir.path());
  REQUIRE(predict.exit_code == 0);
  const std::string first = read_file(dir.file("g.json"));
  REQUIRE(run_cli("train " + kFlags + " --mode global --output g.json --threads 1", dir.path()).exit_code == 0);
  CHECK(read_file(dir.file("g.json")) == first);  // byte-identical for the same data, config and seed

  // Ids with control characters are shown escaped in the table (a review saw ESC reach the terminal).
  std::string odd = "id,date,value\n";
  for (int month = 0; month < 30; ++month)
    for (const char* id : {"\"a\x1b[2J\"", "\"b\nc\""}) {
      char line[64];
      std::snprintf(line, sizeof line, "%s,%04d-%02d,%d\n", id, 2010 + month / 12, month % 12 + 1, 50 + month % 7);
      odd += line;
    }
  dir.write("odd.csv", odd);
  REQUIRE(run_cli("train --data odd.csv --series-column id --target value --time-column date --look-back 4 --horizon 2 "
                  "--hidden 2 --epochs 1 --quiet --output odd.json", dir.path()).exit_code == 0);
  const RunResult table = run_cli("evaluate --model odd.json --input odd.csv", dir.path());
  CHECK(table.exit_code == 0);
  CHECK_THAT(table.out, Contains("\na\\x1B[2J ") && Contains("\nb\\nc "));
  CHECK(table.out.find('\x1b') == std::string::npos);

  // --resume continues single-series training only, and says so (a review had "scaler is missing").
  const RunResult resumed_panel = run_cli("train " + kFlags + " --resume g.json --output r.json", dir.path());
  CHECK(resumed_panel.exit_code == 2);
  CHECK_THAT(resumed_panel.err, Contains("--resume is not supported with --series-column"));
  const RunResult resumed_single = run_cli("train --resume g.json --output r.json --quiet", dir.path());
  CHECK(resumed_single.exit_code == 2);
  CHECK_THAT(resumed_single.err, Contains("g.json: a many-series checkpoint (trained with --series-column), where a "
                                          "single-series one is needed"));
  CHECK_FALSE(file_exists(dir.file("r.json")));

  // A log that cannot be written leaves the old checkpoint, as for one series (test_cli.cpp).
  const RunResult full = run_cli("train " + kFlags + " --mode global --seed 5 --output g.json --log-json /dev/full", dir.path());
  CHECK(full.exit_code == 3);
  CHECK(read_file(dir.file("g.json")) == first);
}

TEST_CASE("Ctrl-C stops per-series training within an epoch, not after the series in training", "[cli-panel]") {
  TempDir dir;
  dir.write("panel.csv", panel_csv(2));
  // Neither series would finish its epochs for minutes; -k 60 kills a run that ignored the signal.
  const RunResult r = run_cli("train --data panel.csv --series-column id --target value --time-column date "
                              "--look-back 6 --horizon 3 --hidden 8 --epochs 1000000 --patience 0 --threads 1 --output m.json",
                              dir.path(), "", "timeout --preserve-status -k 60 -s INT 2 ");
  CHECK(r.exit_code == 130);
  CHECK_THAT(r.err, Contains("interrupted; no series had finished training, no checkpoint was written"));
  CHECK_THAT(r.err, Contains("lstm-forecast: stopping within this epoch; the series that have finished training will be saved"));
  CHECK_FALSE(file_exists(dir.file("m.json")));
}

TEST_CASE("Ctrl-C stops a global model at its epoch's end and saves its best checkpoint so far", "[cli-panel]") {
  TempDir dir;
  dir.write("panel.csv", panel_csv(2));
  const RunResult r = run_shell(signal_when("'" + std::string(LSTMF_BINARY) + "' train --data panel.csv --series-column id "
                                            "--target value --time-column date --look-back 6 --horizon 3 --hidden 8 "
                                            "--epochs 1000000 --patience 0 --mode global --threads 1 --progress --output m.json",
                                            "grep -q 'epoch 2/' err", "INT"),
                                dir.path());
  const std::string err = read_file(dir.file("err"));
  INFO(err);
  CHECK(r.out == "130\n");
  CHECK_THAT(err, Contains("lstm-forecast: interrupted; the best checkpoint so far was saved to m.json"));
  CHECK_THAT(err, Contains("lstm-forecast: stopping after this epoch to save the best checkpoint so far"));
  CHECK(run_cli("predict --model m.json", dir.path()).exit_code == 0);
}

TEST_CASE("a global model that diverges keeps its best epoch, saved with its log", "[cli-panel]") {
  TempDir dir;
  std::string csv = "id,date,y\n";
  for (const std::string id : {"a", "b"})
    for (int day = 1; day <= 30; ++day)
      csv += id + ",2020-01-" + std::string(day < 10 ? "0" : "") + std::to_string(day) + "," +
             std::to_string((day * 7 + (id == "b" ? 3 : 0)) % 11) + "\n";
  dir.write("p.csv", csv);
  dir.write("log.jsonl", "earlier log\n");
  // SGD at lr 5 survives epoch 1 and overflows in epoch 2; at lr 20 the first validation is inf
  // (found by trying; seeded, so it repeats).
  const std::string args = "train --data p.csv --series-column id --mode global --target y --time-column date "
                           "--look-back 2 --hidden 4 --epochs 6 --batch-size 4 --optimizer sgd --quiet --output m.json "
                           "--log-json log.jsonl --threads 1 --lr ";
  const RunResult early = run_cli(args + "20", dir.path());
  CHECK(early.exit_code == 4);
  CHECK_THAT(early.err, Contains("no checkpoint was written"));
  CHECK_FALSE(file_exists(dir.file("m.json")));
  CHECK(read_file(dir.file("log.jsonl")) == "earlier log\n");  // no checkpoint, no log: the old one stays

  const RunResult r = run_cli(args + "5", dir.path());
  CHECK(r.exit_code == 4);
  CHECK_THAT(r.err, Contains("training diverged in epoch 2") &&
                        Contains("the model keeps the weights of epoch 1; the best checkpoint so far was saved to m.json"));
  REQUIRE(file_exists(dir.file("m.json")));
  const auto checkpoint = nlohmann::json::parse(read_file(dir.file("m.json")));
  CHECK(checkpoint["history"]["best_epoch"] == 1);
  CHECK_THAT(read_file(dir.file("log.jsonl")), StartsWith("{\"epoch\":1,"));
  const RunResult predict = run_cli("predict --model m.json", dir.path());
  CHECK(predict.exit_code == 0);
  // The kept weights calibrate each series' intervals, as one series' diverged run does.
  CHECK(checkpoint["series"][0].contains("intervals"));
  CHECK(run_cli("predict --model m.json --intervals 80", dir.path()).exit_code == 0);

  SECTION("per series, every series diverging is a failed run: exit 4, no checkpoint") {
    std::string per_series = args;
    per_series.replace(per_series.find("--mode global"), 13, "--mode per-series");
    per_series.replace(per_series.find("--output m.json"), 15, "--output p.json");
    const RunResult all = run_cli(per_series + "1e30", dir.path());
    CHECK(all.exit_code == 4);
    CHECK_THAT(all.err, Contains("skipped 2 series ('a', 'b'): training diverged") &&
                            Contains("no series trained: every series that was long enough diverged"));
    CHECK_FALSE(file_exists(dir.file("p.json")));
    INFO("a series that diverged after a validated epoch keeps that epoch's weights, as the note says");
    const RunResult kept = run_cli(per_series + "5", dir.path());
    CHECK(kept.exit_code == 0);
    CHECK_THAT(kept.err, Contains("note: series 'a': training diverged in epoch ") &&
                             Contains("the model keeps the weights of epoch 1"));
    REQUIRE(file_exists(dir.file("p.json")));
    const auto per = nlohmann::json::parse(read_file(dir.file("p.json")));
    CHECK(per["series"][0]["training"]["best_epoch"] == 1);
    CHECK(per["series"][0].contains("intervals"));
  }
}

TEST_CASE("a short series of a business-day file is business daily like its siblings", "[cli-panel]") {
  TempDir dir;
  // Series "0" holds one week (Monday 2024-03-18 to Friday 2024-03-22): alone it shows no weekend.
  std::string csv = "id,date,y\n";
  std::int64_t days = 19723;  // Monday 2024-01-01
  for (int row = 0; row < 60; ++row, days += row % 5 == 0 ? 3 : 1) {
    const std::string date = iso_date(days);
    csv += std::string("A,") + date + "," + std::to_string(10 + row % 5) + "\n";
    if (row >= 55) csv += std::string("0,") + date + "," + std::to_string(20 + row % 5) + "\n";
  }
  dir.write("b.csv", csv);
  const RunResult train = run_cli("train --data b.csv --series-column id --target y --time-column date --look-back 2 "
                                  "--horizon 1 --hidden 2 --epochs 1 --val-fraction 0.2 --quiet --output m.json",
                                  dir.path());
  INFO(train.err);
  REQUIRE(train.exit_code == 0);
  const auto checkpoint = nlohmann::json::parse(read_file(dir.file("m.json")));
  CHECK(checkpoint["config"]["data"]["season"] == 5);
  for (const auto& series : checkpoint["series"]) CHECK(series["frequency"]["unit"] == "business_days");
  const RunResult predict = run_cli("predict --model m.json --horizon 2", dir.path());
  INFO(predict.err);
  REQUIRE(predict.exit_code == 0);
  CHECK_THAT(predict.out, Contains("0,2024-03-25,") && Contains("0,2024-03-26,") && !Contains("2024-03-23"));

  SECTION("series of other frequencies beside them keep their own, in training and in a history") {
    // W: 30 Mondays (weekly); M: 24 first days of a month, whichever weekday (monthly).
    std::string mixed = csv;
    for (int week = 0; week < 30; ++week) mixed += "W," + iso_date(19723 + 7 * week) + "," + std::to_string(week % 4) + "\n";
    // S: Monday, Wednesday, Friday of one week: too short to show a weekend, business daily like A.
    mixed += "S,2024-07-01,1\nS,2024-07-03,2\nS,2024-07-05,3\n";
    for (int month = 0; month < 24; ++month)
      mixed += "M," + year_month(2022, month) +
               "-01," + std::to_string(month % 3) + "\n";
    dir.write("mixed.csv", mixed);
    const RunResult mixed_train = run_cli("train --data mixed.csv --series-column id --target y --time-column date "
                                          "--look-back 2 --horizon 1 --hidden 2 --epochs 1 --missing ffill --quiet --output mixed.json",
                                          dir.path());
    INFO(mixed_train.err);
    REQUIRE(mixed_train.exit_code == 0);
    const auto trained = nlohmann::json::parse(read_file(dir.file("mixed.json")));
    std::map<std::string, std::string> names;
    for (const auto& series : trained["series"]) names[series["id"]] = series["frequency"]["name"];
    CHECK(names == std::map<std::string, std::string>{
                       {"0", "business daily"}, {"A", "business daily"}, {"M", "monthly"}, {"S", "business daily"}, {"W", "weekly"}});
    CHECK(trained["config"]["data"]["season"] == 5);
    // A history of M alone, months whose first days are all weekdays, stays monthly.
    const RunResult months = run_cli("predict --model mixed.json --series M --input - --horizon 1", dir.path(),
                                     "id,date,y\nM,2024-01-01,1\nM,2024-02-01,2\nM,2024-03-01,3\n");
    INFO(months.err);
    CHECK(months.exit_code == 0);
    CHECK_THAT(months.out, Contains("M,2024-04-01,"));
  }
}

TEST_CASE("a series id holding a comma is selected with --series in double quotes", "[cli-panel]") {
  TempDir dir;
  std::string csv = "id,month,y\n";
  for (int i = 0; i < 30; ++i) {
    const std::string month = year_month(1990, i);
    csv += "\"a,1\"," + month + "," + std::to_string(100 + i % 12) + "\nb," + month + "," + std::to_string(50 + i) + "\n";
  }
  dir.write("pc.csv", csv);
  REQUIRE(run_cli("train --data pc.csv --series-column id --target y --time-column month --horizon 3 --look-back 6 "
                  "--epochs 1 --hidden 2 --quiet --output m.json", dir.path()).exit_code == 0);
  const RunResult quoted = run_cli("predict --model m.json --series '\"a,1\"'", dir.path());
  INFO(quoted.err);
  CHECK(quoted.exit_code == 0);
  CHECK_THAT(quoted.out, StartsWith("id,month,y\n\"a,1\",1992-07,"));
  CHECK(count_lines(quoted.out) == 4);
  const RunResult split = run_cli("predict --model m.json --series a,1", dir.path());
  CHECK(split.exit_code == 2);
  CHECK_THAT(split.err, Contains("no series 'a', '1' in this checkpoint (if one id holds a comma, quote it: --series '\"a,1\"')"));
  // A quote inside is doubled in the hint, as the list syntax reads it; many missing ids get no hint.
  const RunResult quote = run_cli("predict --model m.json --series 'a\"b,1'", dir.path());
  CHECK_THAT(quote.err, Contains("quote it: --series '\"a\"\"b,1\"'"));
  const RunResult many = run_cli("predict --model m.json --series x1,x2,x3,x4,x5", dir.path());
  CHECK_THAT(many.err, Contains("no series 'x1'") && !Contains("quote it"));
  const RunResult open = run_cli("predict --model m.json --series '\"a,1'", dir.path());
  CHECK(open.exit_code == 2);
  CHECK_THAT(open.err, Contains("--series: expects a closing quote"));
}

TEST_CASE("shards trained apart and merged equal one run over every series", "[cli-panel]") {
  TempDir dir;
  dir.write("panel.csv", panel_csv(7));
  REQUIRE(run_cli("train " + kFlags + " --output all.json", dir.path()).exit_code == 0);
  const RunResult all = run_cli("predict --model all.json", dir.path());
  REQUIRE(all.exit_code == 0);
  for (const char* k : {"0", "1", "2"}) {
    const std::string shard = std::string(k) + "/3";
    REQUIRE(run_cli("train " + kFlags + " --threads 1 --shard " + shard + " --output m" + k + ".json", dir.path()).exit_code == 0);
    REQUIRE(run_cli("predict --model m" + std::string(k) + ".json --output f" + k + ".csv", dir.path()).exit_code == 0);
  }
  const RunResult forecasts = run_cli("merge f2.csv f0.csv f1.csv", dir.path());
  INFO(forecasts.err);
  REQUIRE(forecasts.exit_code == 0);
  CHECK(forecasts.out == all.out);
  const RunResult models = run_cli("merge m0.json m1.json m2.json --output merged.json", dir.path());
  INFO(models.err);
  REQUIRE(models.exit_code == 0);
  CHECK(run_cli("predict --model merged.json", dir.path()).out == all.out);
  // one of them from stdin, read once
  const RunResult piped = run_cli("merge m0.json - m2.json --output piped.json", dir.path(), read_file(dir.file("m1.json")));
  INFO(piped.err);
  REQUIRE(piped.exit_code == 0);
  CHECK(run_cli("predict --model piped.json", dir.path()).out == all.out);
  // one from a named pipe, read once too: merge had opened it a second time and waited for ever
  // for a writer (a hunt); timeout's exit 124 would say it hangs again. The writer lets go of the
  // test's pipes and gives up after 60 s if merge never opens the fifo.
  REQUIRE(run_shell("mkfifo m1.fifo", dir.path()).exit_code == 0);
  const RunResult fifo = run_cli("merge m0.json m1.fifo m2.json --output fifo.json", dir.path(), "",
                                 "(timeout 60 sh -c 'cat m1.json > m1.fifo' > /dev/null 2>&1 &) ; timeout 60 ");
  INFO(fifo.err);
  REQUIRE(fifo.exit_code == 0);
  CHECK(run_cli("predict --model fifo.json", dir.path()).out == all.out);
  // Another shard's series asked of a shard checkpoint: the message says which shard it holds
  // (it had said to pick them with --shard, which was given).
  const RunResult other = run_cli("predict --model m1.json --input panel.csv --shard 0/3", dir.path());
  CHECK(other.exit_code == 2);
  CHECK_THAT(other.err, Contains("not in the checkpoint") && Contains("the checkpoint is shard 1/3 of a split"));

  SECTION("a shard's checkpoint reads its own shard of a file, and no other series' values") {
    // Series "zzz" has a missing value and a cell that is no number: the shard holding it fails
    // at its line, the other two forecast their series from the file as from their data tails.
    dir.write("bad.csv", panel_csv(7) + "zzz,2010-01,\nzzz,2010-02,abc\nzzz,2010-03,1\n");
    int forecast = 0;
    for (const std::string k : {"0", "1", "2"}) {
      const RunResult from_file = run_cli("predict --model m" + k + ".json --input bad.csv", dir.path());
      INFO("shard " << k << ": " << from_file.err);
      if (from_file.exit_code == 0) {
        ++forecast;
        CHECK(from_file.out == run_cli("predict --model m" + k + ".json", dir.path()).out);
        CHECK(run_cli("evaluate --model m" + k + ".json --input bad.csv", dir.path()).exit_code == 0);
      } else {
        CHECK(from_file.exit_code == 2);
        CHECK_THAT(from_file.err, Contains("bad.csv:") && Contains("missing value in column 'value'"));
      }
    }
    CHECK(forecast == 2);
    // A merged checkpoint records no shard: it reads every series, "zzz" too.
    CHECK(run_cli("predict --model merged.json --input bad.csv", dir.path()).exit_code == 2);
  }
  SECTION("a shard in two parts merges with the other shards: an interrupted one and the run of its left_out series") {
    // Shard 2/3 holds s3, s5 and s6. The README's recovery of an interrupted run trains its
    // left_out series again (--series-file) and merges the two; for a shard with its --shard, which
    // merge refused as "shard 2/3 is given twice" (a hunt), and without it as a merged file.
    REQUIRE(run_cli("train " + kFlags + " --threads 1 --shard 2/3 --series s3 --output p2a.json", dir.path()).exit_code == 0);
    REQUIRE(run_cli("train " + kFlags + " --threads 1 --shard 2/3 --series s5,s6 --output p2b.json", dir.path()).exit_code == 0);
    const RunResult parts = run_cli("merge m0.json p2a.json m1.json p2b.json --output parts.json", dir.path());
    INFO(parts.err);
    REQUIRE(parts.exit_code == 0);
    CHECK(parts.err.empty());
    CHECK(run_cli("predict --model parts.json", dir.path()).out == all.out);
    // Series asked for of which none falls in the shard: a note and exit 0, as predict and evaluate
    // say of the same selection (train failed with "no series selected", which stopped
    // examples/parallel.sh given --series-file at its first shard without them).
    const RunResult none = run_cli("train " + kFlags + " --threads 1 --shard 0/3 --series s3,s5 --output none.json", dir.path());
    CHECK(none.exit_code == 0);
    CHECK(none.err == "note: none of the series asked for (--series) falls in shard 0/3 (--shard picks by a hash of the id); no checkpoint written\n");
    CHECK(!file_exists(dir.file("none.json")));
    CHECK(run_cli("predict --model all.json --series s3,s5 --shard 0/3", dir.path()).exit_code == 0);
    // A part that shares a series with another of its shard is that shard twice.
    const RunResult overlap = run_cli("merge m0.json m1.json m2.json p2a.json --output x.json", dir.path());
    CHECK(overlap.exit_code == 2);
    CHECK_THAT(overlap.err, Contains("p2a.json: shard 2/3 is given twice"));
  }
  SECTION("merge refuses inputs that do not fit together") {
    // One file named twice is said as such (a hunt: its forecasts' series were "also in" it); a copy
    // of a shard is that shard twice.
    const RunResult same = run_cli("merge m0.json m0.json --output x.json", dir.path());
    CHECK(same.exit_code == 2);
    CHECK(same.err == "lstm-forecast: m0.json: is given twice\n");
    dir.write("copy.json", read_file(dir.file("m0.json")));
    const RunResult twice = run_cli("merge m0.json copy.json --output x.json", dir.path());
    CHECK(twice.exit_code == 2);
    CHECK_THAT(twice.err, Contains("copy.json: shard 0/3 is given twice"));
    // A shard that selects no series writes no checkpoint, so a missing one is merged without, and named.
    const RunResult partial = run_cli("merge m0.json m2.json --output partial.json", dir.path());
    CHECK(partial.exit_code == 0);
    CHECK_THAT(partial.err, Contains("note: shards 1/3 not given: partial.json holds"));
    CHECK(run_cli("merge m0.json m1.json m2.json --output whole.json", dir.path()).err.empty());
    // A merged file records no shard: the missing one is merged with the shard files, not with it.
    const RunResult onto = run_cli("merge partial.json m1.json --output x.json", dir.path());
    CHECK(onto.exit_code == 2);
    CHECK_THAT(onto.err, Contains("partial.json: records no shard (a merged checkpoint") &&
                             Contains("m1.json is shard 1/3: merge the shard checkpoints themselves, all in one run"));
    REQUIRE(run_cli("train " + kFlags + " --threads 1 --shard 1/3 --lr 0.01 --output other.json", dir.path()).exit_code == 0);
    const RunResult config = run_cli("merge m0.json other.json --output x.json", dir.path());
    CHECK(config.exit_code == 2);
    CHECK_THAT(config.err, Contains("other.json: its config differs from m0.json's at training.lr (0.01 against 0.001;"));
    // a list differs as a whole, however the diff goes into it
    std::string deep = kFlags;
    deep.replace(deep.find("--hidden 4"), 10, "--hidden 4,4");
    REQUIRE(run_cli("train " + deep + " --threads 1 --shard 1/3 --output deep.json", dir.path()).exit_code == 0);
    CHECK_THAT(run_cli("merge m0.json deep.json --output x.json", dir.path()).err,
               Contains("deep.json: its config differs from m0.json's at model.hidden ([4,4] against [4];"));
    REQUIRE(run_cli("predict --model m1.json --horizon 2 --output f1h2.csv", dir.path()).exit_code == 0);
    const RunResult horizons = run_cli("merge f0.csv f1h2.csv f2.csv --output x.json", dir.path());
    CHECK(horizons.exit_code == 2);
    CHECK_THAT(horizons.err, Contains("forecasts of different horizons (predict --horizon) do not merge"));
    const RunResult mixed = run_cli("merge m0.json f1.csv --output x.json", dir.path());
    CHECK(mixed.exit_code == 2);
    CHECK_THAT(mixed.err, Contains("not both"));
    CHECK(!file_exists(dir.file("x.json")));
  }
}

TEST_CASE("a many-series checkpoint of month-end series beside series on the 1st reads back each one's days", "[cli-panel]") {
  TempDir dir;
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  std::string csv = "id,date,value\n";
  for (const char id : {'a', 'b'})
    for (int i = 0; i < 40; ++i) {
      const int year = 2001 + i / 12, month = i % 12 + 1;  // no leap year in 2001..2004 but 2004
      const int day = id == 'a' ? 1 : kDays[month - 1] + (month == 2 && year % 4 == 0 ? 1 : 0);
      char line[64];
      std::snprintf(line, sizeof line, "%c,%04d-%02d-%02d,%d\n", id, year, month, day, 100 + (i % 12) * 3 + i);
      csv += line;
    }
  dir.write("ends.csv", csv);
  REQUIRE(run_cli("train --data ends.csv --series-column id --target value --time-column date --look-back 6 --horizon 2 "
                  "--hidden 2 --epochs 1 --quiet --output m.json",
                  dir.path())
              .exit_code == 0);
  const RunResult predict = run_cli("predict --model m.json --horizon 3", dir.path());
  INFO(predict.err);
  REQUIRE(predict.exit_code == 0);
  CHECK_THAT(predict.out, Contains("\na,2004-05-01,") && Contains("\nb,2004-05-31,") && Contains("\nb,2004-06-30,"));
}

TEST_CASE("shards of a file mixing monthly and daily series merge: each series keeps its frequency", "[cli-panel]") {
  TempDir dir;
  std::string csv = "id,date,value\n";
  for (int i = 0; i < 40; ++i) {
    char line[64];
    std::snprintf(line, sizeof line, "m,%04d-%02d-01,%d\n", 2000 + i / 12, i % 12 + 1, 100 + (i % 12) * 3 + i);
    csv += line;
  }
  for (int i = 0; i < 40; ++i)  // January 2020 day by day, then February
    csv += "d,2020-" + std::string(i < 31 ? "01-" : "02-") + (i % 31 + 1 < 10 ? "0" : "") + std::to_string(i % 31 + 1) +
           "," + std::to_string(50 + (i % 7) * 2 + i) + "\n";
  dir.write("mix.csv", csv);
  const std::string flags = "--data mix.csv --series-column id --time-column date --target value --hidden 4 --epochs 2 "
                            "--threads 1 --look-back 6 --quiet";
  REQUIRE(run_cli("train " + flags + " --output all.json", dir.path()).exit_code == 0);
  const RunResult all = run_cli("predict --model all.json", dir.path());
  REQUIRE(all.exit_code == 0);
  CHECK_THAT(all.out, Contains("\nd,2020-02-10,") && Contains("\nm,2003-05-01,"));
  // One season for all: train says whose, when the series differ in it.
  std::string loud = flags;
  loud.replace(loud.find(" --quiet"), 8, "");
  CHECK_THAT(run_cli("train " + loud + " --output loud.json", dir.path()).err,
             Contains("note: the series differ in frequency (series 'm' is monthly): every model takes the season of the "
                      "file's first series with two rows or more (7) and look-back (6)"));
  CHECK_THAT(run_cli("train " + loud + " --season 7 --output loud.json", dir.path()).err, !Contains("differ in frequency"));
  CHECK_THAT(run_cli("inspect --data mix.csv --series-column id --time-column date --target value --look-back 6", dir.path()).out,
             Contains("frequency: daily (seasonal period 7), 1 series; monthly (seasonal period 12), 1 series"));
  {
    INFO("inspect names 10 frequencies at most: series of irregular steps may each have their own");
    // 13 steps, one series each, then 4 more series of step 8 (5 in all): the most series first.
    std::string steps = "id,date,value\n";
    for (int k = 1; k <= 17; ++k)
      for (int i = 0; i < 20; ++i)
        steps += "s" + std::to_string(k) + "," + std::to_string(1000 + i * (k <= 13 ? k : 8)) + "," + std::to_string(i % 5) + "\n";
    dir.write("steps.csv", steps);
    const std::string command = "inspect --data steps.csv --series-column id --time-column date --target value --look-back 3 --horizon 1";
    const RunResult inspected = run_cli(command, dir.path());
    INFO(inspected.err);
    const std::size_t at = inspected.out.find("frequency: ");
    const std::string line = inspected.out.substr(at, inspected.out.find('\n', at) - at);
    CHECK_THAT(line, Contains(", 5 series; ") && EndsWith(", 1 series; and 3 more frequencies (3 series)"));
    CHECK(line.find(", 5 series") < line.find(", 1 series"));
    CHECK(std::count(line.begin(), line.end(), ';') == 10);
    steps.resize(steps.find("s12,"));  // 11 frequencies
    dir.write("steps.csv", steps);
    CHECK_THAT(run_cli(command, dir.path()).out, Contains(", 1 series; and 1 more frequency (1 series)\n"));
  }
  for (const char* k : {"0", "1"})
    REQUIRE(run_cli("train " + flags + " --shard " + k + "/2 --output s" + k + ".json", dir.path()).exit_code == 0);
  // Which shard holds which series is the hash's choice: each order of the two is merged.
  for (const std::string order : {"s0.json s1.json", "s1.json s0.json"}) {
    const RunResult merged = run_cli("merge " + order + " --output m.json", dir.path());
    INFO(merged.err);
    REQUIRE(merged.exit_code == 0);
    CHECK(run_cli("predict --model m.json", dir.path()).out == all.out);
  }
}

TEST_CASE("many-series training names a value the model cannot compute with, as single-series training does", "[cli-panel]") {
  TempDir dir;
  dir.write("big.csv", monthly_ab([](char id, int i) { return id == 'b' && i == 47 ? 1e99 : 100 + 10 * std::sin(i * 0.5) + i; }));
  const std::string flags = "train --data big.csv --series-column id --time-column date --target value --look-back 6 "
                            "--hidden 4 --epochs 2 --quiet";
  const RunResult per_series = run_cli(flags + " --output m.json", dir.path());
  CHECK(per_series.exit_code == 0);  // the other series trains; this one is skipped with the reason
  CHECK_THAT(per_series.err, Contains("skipped series 'b': column 'value' is 1e+99 at '2003-12-01', more than 1e12 "
                                      "times the training rows' range"));
  const RunResult global = run_cli(flags + " --mode global --output g.json", dir.path());
  CHECK(global.exit_code == 2);
  CHECK_THAT(global.err, Contains("big.csv: series 'b': column 'value' is 1e+99") && !Contains("diverged"));
  // Every series refused so: bad input (exit 2), not a divergence.
  dir.write("both.csv", monthly_ab([](char, int i) { return i == 47 ? 1e99 : 100 + 10 * std::sin(i * 0.5) + i; }));
  std::string both = flags;
  both.replace(both.find("big.csv"), 7, "both.csv");
  const RunResult refused = run_cli(both + " --output r.json", dir.path());
  CHECK(refused.exit_code == 2);
  CHECK_THAT(refused.err, Contains("skipped 2 series ('a', 'b'): column 'value' is 1e+99") &&
                              Contains("both.csv: no series trained: every series was refused (as above)") && !Contains("diverged"));
  CHECK_FALSE(file_exists(dir.file("r.json")));
  // The series refused is not forecast: no note says every forecast of it starts from its last value.
  CHECK_THAT(per_series.err, !Contains("note: series 'b': the last value"));
}

// Found by a scale audit: one 5,000-character id padded every row of a 10,000-series report to it.
TEST_CASE("evaluate's table pads ids up to 40 columns, wide characters counted as two", "[cli-panel]") {
  TempDir dir;
  std::string csv = monthly_ab([](char id, int i) { return 100 + 10 * std::sin(i * 0.5 + (id == 'a')) + i; });
  std::string wide = csv.substr(csv.find("\nb,") + 1);  // series b again, as 店舗 and as a 100-character id
  for (const std::string& id : {std::string("\xe5\xba\x97\xe8\x88\x97"), std::string(100, 'x')}) {
    std::string rows = wide;
    for (std::size_t at = 0; at < rows.size(); at = rows.find('\n', at) + 1) rows.replace(at, 1, id);
    csv += rows;
  }
  dir.write("w.csv", csv);
  REQUIRE(run_cli("train --data w.csv --series-column id --time-column date --target value --look-back 6 --hidden 4 "
                  "--epochs 2 --quiet --output w.json", dir.path()).exit_code == 0);
  const RunResult table = run_cli("evaluate --model w.json --input w.csv", dir.path());
  REQUIRE(table.exit_code == 0);
  std::map<std::string, std::size_t> origins_end;  // the byte where each row's origins cell ends
  std::istringstream lines(table.out);
  for (std::string line; std::getline(lines, line) && !line.empty();) {
    const std::size_t end = line.find_first_not_of(' ', line.find(' '));
    origins_end[line.substr(0, line.find(' '))] = line.find(' ', end);
  }
  INFO(table.out);
  CHECK(origins_end.at("series") == 40 + 8);
  CHECK(origins_end.at("a") == 40 + 8);
  CHECK(origins_end.at("\xe5\xba\x97\xe8\x88\x97") == 6 + 36 + 8);  // 6 bytes, 4 columns: 36 spaces
  CHECK(origins_end.at(std::string(100, 'x')) == 100 + 8);
}

// Found by a hunt: a shard whose every series was refused exited 2 without a checkpoint, which
// failed a `parallel --halt now,fail=1` pipeline, and the merged checkpoint lacked the series that
// one run over the file lists as left out, so predicting from the training file failed.
TEST_CASE("a shard whose every series is refused records them, and the merge equals one run", "[cli-panel]") {
  TempDir dir;
  std::string csv = "id,date,y\n";
  for (const char* id : {"p", "q", "r"})
    for (int t = 1; t <= 8; ++t)
      csv += std::string(id) + ",2000-0" + std::to_string(t) + "," +
             (std::string(id) == "r" && t == 8 ? std::string("1e99") : std::to_string(100 + t * 37 % 11)) + "\n";
  dir.write("d.csv", csv);
  const std::string flags = "train --data d.csv --series-column id --time-column date --target y --look-back 2 --epochs 3 "
                            "--hidden 4 --threads 1 --quiet";
  REQUIRE(run_cli(flags + " --output all.json", dir.path()).exit_code == 0);
  std::string shards;
  bool only_refused = false;
  for (const std::string k : {"0", "1", "2", "3"}) {
    const RunResult shard = run_cli(flags + " --shard " + k + "/4 --output s" + k + ".json", dir.path());
    INFO(shard.err);
    CHECK(shard.exit_code == 0);
    if (file_exists(dir.file("s" + k + ".json"))) shards += " s" + k + ".json";
    if (shard.err.find("trained none of its series (all left out, as above); s" + k + ".json records them for merge") !=
        std::string::npos)
      only_refused = true;
  }
  CHECK(only_refused);  // 'r' alone in its shard (by the hash of the ids)
  const RunResult merged = run_cli("merge" + shards + " --output merged.json", dir.path());
  INFO(merged.err);
  REQUIRE(merged.exit_code == 0);
  // The merge says which series are not in it (an interrupted shard's untrained ones are too).
  CHECK_THAT(merged.err, Contains("note: merged.json holds 2 series; 1 more was left out by their shards (the first, 'r': "));
  const RunResult one_run = run_cli("predict --model all.json --input d.csv", dir.path());
  const RunResult from_shards = run_cli("predict --model merged.json --input d.csv", dir.path());
  INFO(from_shards.err);
  CHECK(one_run.exit_code == 0);
  CHECK(from_shards.exit_code == 0);
  CHECK(from_shards.out == one_run.out);
  CHECK_THAT(from_shards.err, Contains("series 'r' not forecast: not in the checkpoint, left out by training"));
  // From the checkpoint's data tails, without a history, the series left out are named too (an
  // interrupted run's checkpoint forecast part of its series without a word); the summary counts them.
  const RunResult tails = run_cli("predict --model merged.json", dir.path());
  CHECK(tails.exit_code == 0);
  CHECK_THAT(tails.err, Contains("note: merged.json: series 'r' not forecast: not in the checkpoint, left out by training: "));
  CHECK_THAT(run_cli("predict --model merged.json --series p", dir.path()).err, !Contains("'r'"));
  CHECK_THAT(run_cli(flags + " --output all.json --quiet=false", dir.path()).err,
             Contains("trained one model each for 2 series") &&
                 Contains("; 1 more left out (interrupted, refused or diverged: the checkpoint's left_out lists them)"));
}

// Found by a hunt: a series one value in its training rows trained, and forecast that value
// whatever its history said (its scaler maps every value to it).
TEST_CASE("a series constant in its training rows is skipped when it changes later, its history checked when not", "[cli-panel]") {
  TempDir dir;
  std::string csv = "id,date,y\n";
  for (int t = 1; t <= 9; ++t) {
    csv += "v,2000-0" + std::to_string(t) + "," + std::to_string(100 + t * 37 % 11) + "\n";
    csv += "late,2000-0" + std::to_string(t) + "," + (t >= 9 ? "9" : "5") + "\n";
    csv += "flat,2000-0" + std::to_string(t) + ",0\n";
  }
  dir.write("d.csv", csv);
  dir.write("sold.csv", "id,date,y\nflat,2000-08,300\nflat,2000-09,500\n");
  dir.write("none.csv", "id,date,y\nflat,2000-08,0\nflat,2000-09,0\n");
  const std::string flags = "train --data d.csv --series-column id --time-column date --target y --look-back 2 --epochs 3 "
                            "--hidden 4 --threads 1 --quiet";
  const RunResult train = run_cli(flags + " --output m.json", dir.path());
  INFO(train.err);
  REQUIRE(train.exit_code == 0);
  CHECK_THAT(train.err, Contains("skipped series 'late': target column 'y' is 5 in every one of the 8 rows before the "
                                 "validation tail and changes only in the last 1"));
  const RunResult flat = run_cli("predict --model m.json --series flat --horizon 1", dir.path());
  CHECK(flat.out == "id,date,y\nflat,2000-10,0\n");  // a series without sales forecasts none
  CHECK(run_cli("predict --model m.json --input none.csv --series flat --horizon 1", dir.path()).out == flat.out);
  const RunResult sold = run_cli("predict --model m.json --input sold.csv --series flat", dir.path());
  CHECK(sold.exit_code == 2);
  CHECK_THAT(sold.err, Contains("sold.csv: series 'flat': column 'y' is 300 at '2000-08', but was 0 in every training "
                                "row: the model forecasts that value whatever the history says"));
  const RunResult global = run_cli(flags + " --mode global --output g.json", dir.path());
  CHECK(global.exit_code == 2);
  CHECK_THAT(global.err, Contains("series 'late': target column 'y' is 5 in every one of the 8 rows before the validation tail"));
}

TEST_CASE("many-series evaluate notes a MASE scale of m = 1 per series, as the single-series table does", "[cli-panel]") {
  TempDir dir;
  dir.write("p.csv", monthly_ab([](char id, int i) { return 100 + 10 * std::sin(i * 0.5) + i + (id - 'a') * 7; }));
  REQUIRE(run_cli("train --data p.csv --series-column id --time-column date --target value --look-back 6 --hidden 4 "
                  "--epochs 2 --quiet --output m.json",
                  dir.path()).exit_code == 0);
  // 36 steps back from 48 rows leaves 12 in-sample values: too few for a lag-12 scale.
  const RunResult table = run_cli("evaluate --model m.json --input p.csv --horizon 36", dir.path());
  INFO(table.err);
  REQUIRE(table.exit_code == 0);
  CHECK_THAT(table.err, Contains("note: series 'a': MASE scale uses m = 1: the 12 in-sample values are fewer than m + 1 = 13") &&
                            Contains("note: series 'b': MASE scale uses m = 1"));
  CHECK_THAT(table.out, !Contains("note"));  // stdout is the table
  const auto json = nlohmann::json::parse(run_cli("evaluate --model m.json --input p.csv --horizon 36 --json", dir.path()).out);
  // Its notes: the 31 forecasts a horizon of 36 scores on rows it trained on, then the scale's m.
  const nlohmann::json& notes = json["series"][0]["notes"];
  REQUIRE(notes.size() == 2);
  CHECK_THAT(notes[0].get<std::string>(), Contains("so 31 of the 36 forecasts scored are at or before the last time it trained on"));
  CHECK(notes[1].get<std::string>().rfind("MASE scale uses m = 1", 0) == 0);
}

TEST_CASE("the GNU parallel example with -j 2 equals a single-process run", "[cli-panel]") {
  if (run_shell("command -v parallel", ".").exit_code != 0) {
    WARN("GNU parallel is not installed (Debian: parallel); skipped");
    return;
  }
  TempDir dir;
  dir.write("panel.csv", panel_csv(6));
  dir.write("panel.json", R"({"data": {"path": "panel.csv", "series_column": "id", "targets": ["value"],
    "time_column": "date", "look_back": 6, "horizon": 3}, "model": {"hidden": [4]},
    "training": {"epochs": 2, "batch_size": 16}})");
  REQUIRE(run_cli("train --config panel.json --quiet --output all.json", dir.path()).exit_code == 0);
  const RunResult all = run_cli("predict --model all.json", dir.path());
  REQUIRE(all.exit_code == 0);
  // examples/parallel.sh CONFIG OUT N with two jobs at once, on the built binary.
  const auto parallel = [&](const std::string& config, const std::string& out, int shards) {
    return run_shell("JOBS=2 LSTMF_BIN='" + std::string(LSTMF_BINARY) + "' '" + source_path("examples/parallel.sh") + "' " +
                         config + " " + out + " " + std::to_string(shards),
                     dir.path());
  };
  const RunResult pipeline = parallel("panel.json", "out", 3);
  INFO(pipeline.err);
  REQUIRE(pipeline.exit_code == 0);
  CHECK(read_file(dir.file("out/forecast.csv")) == all.out);
  CHECK(run_cli("predict --model out/model.json", dir.path()).out == all.out);
  // Extra train flags holding spaces reach train as given (a hunt: parallel split "my panel.csv").
  dir.write("my panel.csv", panel_csv(6));
  const RunResult quoted = run_shell("JOBS=2 LSTMF_BIN='" + std::string(LSTMF_BINARY) + "' '" + source_path("examples/parallel.sh") +
                                         "' panel.json 'out q' 3 --data 'my panel.csv'",
                                     dir.path());
  INFO(quoted.err);
  REQUIRE(quoted.exit_code == 0);
  CHECK(read_file(dir.file("out q/forecast.csv")) == all.out);
  // More shards than series: the empty ones (2 at least of 8 for 6 series) train nothing, exit 0
  // and write no checkpoint; the merge of the others is the same run.
  const RunResult sparse = parallel("panel.json", "out8", 8);
  INFO(sparse.err);
  REQUIRE(sparse.exit_code == 0);
  CHECK_THAT(sparse.err, Contains("holds none of the series of panel.csv; no checkpoint written"));
  CHECK(read_file(dir.file("out8/forecast.csv")) == all.out);
  // A shard whose series training all skips (too short) trains nothing and exits 0, as the one run
  // over the file skips them: the merge of the others is that run.
  std::string with_short = read_file(dir.file("panel.csv"));
  for (const char* id : {"tiny1", "tiny2", "tiny3", "tiny4", "tiny5", "tiny6"})
    with_short += std::string(id) + ",2010-01,1\n" + id + ",2010-02,2\n";
  dir.write("short.csv", with_short);
  std::string short_config = read_file(dir.file("panel.json"));
  short_config.replace(short_config.find("panel.csv"), 9, "short.csv");
  dir.write("short.json", short_config);
  const RunResult shorts = parallel("short.json", "outs", 12);
  INFO(shorts.err);
  REQUIRE(shorts.exit_code == 0);
  CHECK_THAT(shorts.err, Contains("holds no series to train (all skipped, as above)"));
  CHECK(read_file(dir.file("outs/forecast.csv")) == all.out);
  // A shard whose train fails fails the run (GNU parallel's job shell has no set -e).
  dir.write("failing.sh", "#!/bin/sh\ncase \"$*\" in *'--shard 1/3'*) exit 2;; esac\nexec '" + std::string(LSTMF_BINARY) + "' \"$@\"\n");
  const RunResult failed = run_shell("chmod +x failing.sh && JOBS=2 LSTMF_BIN=./failing.sh '" + source_path("examples/parallel.sh") +
                                         "' panel.json outf 3",
                                     dir.path());
  CHECK(failed.exit_code != 0);
  CHECK(!file_exists(dir.file("outf/model.json")));
  // The shards' checkpoints left (finished, or saved when parallel interrupted them: --termseq
  // sends SIGINT) are each named, and only they.
  for (const std::string k : {"0", "1", "2"}) {
    const std::string shard = "outf/model-" + k + "-of-3.json";
    INFO(failed.err);
    CHECK(file_exists(dir.file(shard)) == (failed.err.find("kept: " + shard + " (lstm-forecast merge takes it") != std::string::npos));
  }
  CHECK_FALSE(file_exists(dir.file("outf/model-1-of-3.json")));
}

TEST_CASE("inspect shows the split and windows many-series train uses, and the series it skips", "[cli-panel]") {
  TempDir dir;
  dir.write("panel.csv", panel_csv(6));
  // Look-back left to the many-series rule (max(2m, H, 6) = 24): the short series is skipped.
  const std::string flags = "--data panel.csv --series-column id --target value --time-column date --horizon 3";
  const RunResult train = run_cli("train " + flags + " --hidden 4 --epochs 1 --output m.json", dir.path());
  INFO(train.err);
  REQUIRE(train.exit_code == 0);
  const size_t at = train.err.find(" series (");
  REQUIRE(at != std::string::npos);
  const std::string windows = train.err.substr(at + 9, train.err.find(' ', at + 9) - at - 9);
  const RunResult inspect = run_cli("inspect " + flags, dir.path());
  INFO(inspect.err);
  REQUIRE(inspect.exit_code == 0);
  CHECK_THAT(inspect.out, Contains("series: 6\n") && Contains("look-back 24, horizon 3") &&
                              Contains("skipped series 'short': the series has 3 rows, too short for one window"));
  CHECK_THAT(inspect.out, Contains("windows: " + windows + " training"));
  // The many-series rule's choices: season windows (look-back 24 holds the season of 12), and the
  // combination, since the epochs are left to the data.
  CHECK_THAT(inspect.out, Contains("recipe: normalise season, season 12,") && Contains("combined with a baseline where it validates"));
  CHECK_THAT(run_cli("inspect " + flags + " --epochs 3", dir.path()).out, !Contains("combined with a baseline"));
  // When no series is long enough, inspect says so (exit 2) instead of describing nothing.
  const RunResult none = run_cli("inspect " + flags + " --look-back 60", dir.path());
  CHECK(none.exit_code == 2);
  CHECK_THAT(none.err, Contains("no series to train: all 7 selected were skipped (the first, series ") &&
                           Contains("too short for one window") && Contains("panel.csv"));
  CHECK_THAT(none.err, !Contains("is the recipe's"));  // the look-back was given
  // Left to the recipe, the look-back is the season's (2m) whatever the lengths: said, with the remedy.
  std::string shorts_csv = "id,date,value\n";  // 30 months each: too few for look-back 24 + horizon 6
  for (const char* id : {"a", "b"})
    for (int i = 0; i < 30; ++i)
      shorts_csv += std::string(id) + "," + year_month(2000, i) + "-01," + std::to_string(100 + i % 12 + i) + "\n";
  dir.write("short.csv", shorts_csv);
  const RunResult shorts = run_cli("train --data short.csv --series-column id --time-column date --target value --horizon 6 "
                                   "--output s.json",
                                   dir.path());
  CHECK(shorts.exit_code == 2);
  CHECK_THAT(shorts.err, Contains("; look-back 24 is the recipe's for the season: --look-back N sets a shorter one"));
}

TEST_CASE("many-series training normalises windows when asked: a trend continues past the training maximum", "[cli-panel]") {
  TempDir dir;
  // Two steadily rising series: min-max alone caps forecasts near the training maximum.
  std::string csv = "id,t,value\n";
  for (const char* id : {"a", "b"})
    for (int t = 0; t < 60; ++t) csv += std::string(id) + "," + std::to_string(t + 1) + "," + std::to_string((id[0] == 'a' ? 10 : 50) + 2 * t) + "\n";
  dir.write("up.csv", csv);
  const std::string flags = "--data up.csv --series-column id --target value --time-column t --look-back 6 --horizon 3 "
                            "--hidden 8 --epochs 150 --lr 0.01 --quiet";
  for (const char* mode : {"per-series", "global"}) {
    DYNAMIC_SECTION(mode) {
      const RunResult train = run_cli("train " + flags + " --mode " + mode + " --normalise last --output m.json", dir.path());
      INFO(train.err);
      REQUIRE(train.exit_code == 0);
      const auto checkpoint = nlohmann::json::parse(read_file(dir.file("m.json")));
      CHECK(checkpoint["config"]["data"]["normalise"] == "last");
      const RunResult predict = run_cli("predict --model m.json --horizon 3", dir.path());
      INFO(predict.err);
      REQUIRE(predict.exit_code == 0);
      // The last training values are 128 (a) and 168 (b); the next ones 130, 132, 134 and 170, ...
      std::istringstream rows(predict.out);
      std::string line;
      std::getline(rows, line);
      int above = 0, lines = 0;
      while (std::getline(rows, line)) {
        const std::string id = line.substr(0, line.find(','));
        const double value = std::stod(line.substr(line.rfind(',') + 1));
        above += value > (id == "a" ? 128 : 168) ? 1 : 0;
        ++lines;
      }
      CHECK(lines == 6);
      CHECK(above == 6);
      const RunResult evaluate = run_cli("evaluate --model m.json --input up.csv", dir.path());
      CHECK(evaluate.exit_code == 0);
    }
  }
  // season needs a look-back of one season.
  const RunResult bad = run_cli("train " + flags + " --normalise season --season 12 --output s.json", dir.path());
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.err, Contains("--normalise (data.normalise) season needs --look-back (data.look_back) >= --season (data.season)"));
}

TEST_CASE("a forecast that cannot continue a series' data tail names the checkpoint and the series", "[cli-panel]") {
  TempDir dir;
  std::string csv = "id,date,y\n";
  for (const char* id : {"a", "b"})
    for (int i = 0; i < 30; ++i) {  // monthly, ending 9999-06
      const int month = 9997 * 12 + i;
      csv += std::string(id) + "," + year_month(0, month) + "," + std::to_string(100 + (i * 7) % 11) + "\n";
    }
  dir.write("late.csv", csv);
  REQUIRE(run_cli("train --data late.csv --series-column id --target y --time-column date --look-back 3 --hidden 2 "
                  "--epochs 1 --quiet --output m.json",
                  dir.path())
              .exit_code == 0);
  const RunResult past = run_cli("predict --model m.json --horizon 12", dir.path());
  CHECK(past.exit_code == 2);
  CHECK_THAT(past.err, StartsWith("lstm-forecast: m.json (data_tail of series 'a'): cannot continue the time column"));
  CHECK(run_cli("predict --model m.json --horizon 6", dir.path()).exit_code == 0);
  // Checked before the rollout, and the first step that cannot be written is named, and how many can.
  CHECK_THAT(run_cli("predict --model m.json --horizon 100000", dir.path()).err,
             Contains("step 7 would be '10000-01'") && Contains("; forecast at most 6 steps\n"));
  // A series whose times end where no step can follow is not trained (as one series is refused):
  // it trained, and no predict could forecast it.
  std::string ends = "id,date,y\n";
  for (const char* id : {"a", "b"})
    for (int i = 0; i < 30; ++i) {  // 'a' monthly to 9999-12, 'b' to 9999-06
      const int month = 9997 * 12 + i + (std::string(id) == "a" ? 6 : 0);
      ends += std::string(id) + "," + year_month(0, month) + "," + std::to_string(100 + (i * 7) % 11) + "\n";
    }
  dir.write("ends.csv", ends);
  const std::string flags = "train --data ends.csv --series-column id --target y --time-column date --look-back 3 --hidden 2 "
                            "--epochs 1 --quiet --horizon 3";
  const RunResult per_series = run_cli(flags + " --output e.json", dir.path());
  CHECK(per_series.exit_code == 0);
  CHECK_THAT(per_series.err, Contains("note: skipped series 'a': data.horizon 3 (--horizon) runs past what the time column "
                                      "can write, so predict could not forecast it: cannot continue the time column: step 1 "
                                      "would be '10000-01'") &&
                                 Contains("; to train on this file, read its rows as periods (no time column)\n"));
  CHECK(run_cli("predict --model e.json", dir.path()).exit_code == 0);
  const RunResult global = run_cli(flags + " --mode global --output g.json", dir.path());
  CHECK(global.exit_code == 2);
  CHECK_THAT(global.err, Contains("series 'a': data.horizon 3 (--horizon) runs past what the time column can write"));
  CHECK_FALSE(std::filesystem::exists(dir.file("g.json")));
}

TEST_CASE("a many-series model with features names the checkpoint and the series when asked past its horizon", "[cli-panel]") {
  TempDir dir;
  // monthly_ab's rows with a feature column f (0, 1, 2, 0, ...).
  std::istringstream rows(monthly_ab([](char, int i) { return 100 + (i * 7) % 11; }));
  std::string line, csv;
  for (int n = 0; std::getline(rows, line); ++n) csv += line + (n == 0 ? ",f" : "," + std::to_string(n % 3)) + "\n";
  dir.write("f.csv", csv);
  REQUIRE(run_cli("train --data f.csv --series-column id --target value --features f --time-column date --look-back 6 "
                  "--horizon 2 --hidden 2 --epochs 1 --quiet --output m.json",
                  dir.path())
              .exit_code == 0);
  const RunResult past = run_cli("predict --model m.json --horizon 5", dir.path());
  CHECK(past.exit_code == 2);
  CHECK_THAT(past.err, StartsWith("lstm-forecast: m.json: series 'a': a horizon of 5 steps is longer than the trained horizon (2)"));
}

TEST_CASE("many-series train and predict note a series whose last value jumps, as for one series", "[cli-panel]") {
  TempDir dir;
  dir.write("j.csv", monthly_ab([](char id, int i) { return id == 'b' && i == 47 ? 1000.0 : 100 + (i % 12) * 3 + 0.5 * i; }));
  const RunResult train = run_cli("train --data j.csv --series-column id --target value --time-column date --look-back 6 "
                                  "--horizon 2 --hidden 2 --epochs 1 --output m.json",
                                  dir.path());
  INFO(train.err);
  REQUIRE(train.exit_code == 0);
  CHECK_THAT(train.err, Contains("note: series 'b': the last value of 'value' (1000, at 2003-12-01) changed by"));
  const RunResult predict = run_cli("predict --model m.json --input j.csv", dir.path());
  CHECK(predict.exit_code == 0);
  CHECK_THAT(predict.err, Contains("note: j.csv: series 'b': the last value of 'value' (1000"));
  CHECK_THAT(run_cli("predict --model m.json --input j.csv --series a", dir.path()).err, !Contains("last value"));
}

// Found by a hunt: the columns' frequency was the file's first series' in one run, but the first
// trained series' in a merge: a refused daily series first by id made them differ.
TEST_CASE("a per-series checkpoint's columns are its first trained series', in one run as in a merge", "[cli-panel]") {
  TempDir dir;
  std::string csv = "id,date,y\n";
  for (int d = 1; d <= 10; ++d) csv += "a,2000-01-" + std::string(d < 10 ? "0" : "") + std::to_string(d) + "," + (d == 10 ? "1e99" : std::to_string(100 + d)) + "\n";
  for (const char* id : {"p", "q"})
    for (int t = 1; t <= 9; ++t) csv += std::string(id) + ",2000-0" + std::to_string(t) + "-01," + std::to_string(100 + t * 37 % 11) + "\n";
  dir.write("d.csv", csv);
  const std::string flags = "train --data d.csv --series-column id --time-column date --target y --look-back 2 --epochs 3 "
                            "--hidden 4 --threads 1 --quiet";
  REQUIRE(run_cli(flags + " --output all.json", dir.path()).exit_code == 0);
  std::string shards;
  for (const std::string k : {"0", "1", "2", "3"}) {
    REQUIRE(run_cli(flags + " --shard " + k + "/4 --output s" + k + ".json", dir.path()).exit_code == 0);
    if (file_exists(dir.file("s" + k + ".json"))) shards += " s" + k + ".json";
  }
  REQUIRE(run_cli("merge" + shards + " --output merged.json", dir.path()).exit_code == 0);
  const auto one_run = nlohmann::json::parse(read_file(dir.file("all.json")));
  const auto merged = nlohmann::json::parse(read_file(dir.file("merged.json")));
  CHECK(one_run["columns"] == merged["columns"]);
  CHECK(one_run["columns"]["frequency"]["name"] == "monthly");
  CHECK(one_run["series"] == merged["series"]);
  CHECK(one_run["left_out"] == merged["left_out"]);
}

// Found by a hunt: the message named the series a history lacks, but not the way out.
TEST_CASE("a history without one of the checkpoint's series says how to pick the ones it has", "[cli-panel]") {
  TempDir dir;
  const std::string both = monthly_ab([](char id, int i) { return 100 + (id == 'a' ? 3 : 5) * (i % 12) + 0.5 * i; });
  dir.write("ab.csv", both);
  dir.write("a.csv", both.substr(0, both.find("\nb,") + 1));
  REQUIRE(run_cli("train --data ab.csv --series-column id --target value --time-column date --look-back 6 --horizon 2 "
                  "--hidden 2 --epochs 1 --quiet --output m.json",
                  dir.path()).exit_code == 0);
  const RunResult lacking = run_cli("predict --model m.json --input a.csv", dir.path());
  CHECK(lacking.exit_code == 2);
  CHECK_THAT(lacking.err, Contains("series 'b' of the checkpoint has no rows here: give its history, or pick the series "
                                   "the file holds (--series ID[,ID], or --shard)"));
  const RunResult picked = run_cli("predict --model m.json --input a.csv --series a", dir.path());
  INFO(picked.err);
  CHECK(picked.exit_code == 0);
}

// Found by a hunt: shards whose every series diverged each exit 0 (one run goes on past them), and
// their merge had written a checkpoint of no series, exit 0, where one run over the file exits 4.
TEST_CASE("merging shards whose every series diverged fails as one run over the file does", "[cli-panel]") {
  TempDir dir;
  dir.write("p.csv", monthly_ab([](char id, int i) { return 100 + (id == 'a' ? 3 : 5) * (i % 12) + 0.5 * i; }));
  const std::string flags = "train --data p.csv --series-column id --target value --time-column date --look-back 6 "
                            "--horizon 2 --hidden 4 --epochs 5 --optimizer sgd --lr 1e30 --threads 1 --quiet";
  const RunResult one_run = run_cli(flags + " --output all.json", dir.path());
  CHECK(one_run.exit_code == 4);
  std::string shards;
  for (const std::string k : {"0", "1", "2"}) {
    REQUIRE(run_cli(flags + " --shard " + k + "/3 --output s" + k + ".json", dir.path()).exit_code == 0);
    if (file_exists(dir.file("s" + k + ".json"))) shards += " s" + k + ".json";
  }
  REQUIRE(!shards.empty());
  const auto shard = nlohmann::json::parse(read_file(dir.file(shards.substr(1, shards.find(".json") + 4))));
  CHECK(shard["left_out"][0]["diverged"] == true);
  const RunResult merged = run_cli("merge" + shards + " --output merged.json", dir.path());
  CHECK(merged.exit_code == 4);
  CHECK_THAT(merged.err, Contains("no series trained in the shards given: every one was left out") &&
                             Contains("nothing was written"));
  CHECK(!file_exists(dir.file("merged.json")));
}

// Found by a hunt: inspect promised a many-series run that train then refused or shrank, and the
// notes one series gets (a feature the model cannot read, a far value the forecast reads) were
// never said of many series.
TEST_CASE("many series: inspect names the series train refuses, and the notes of one series are said per series", "[cli-panel]") {
  TempDir dir;
  // Three series A, B, C of 40 months, targets a and b, feature x; `edit` changes series B.
  const auto file = [](const std::function<void(int, double&, double&, double&)>& edit) {
    std::string csv = "id,date,a,b,x\n";
    for (int k = 1; k <= 3; ++k)
      for (int i = 0; i < 40; ++i) {
        double a = 100 * k + 10 * std::sin(i / 2.0) + i, b = 5 * k + std::cos(i) + 0.1 * i, x = k + std::sin(i / 3.0);
        if (k == 2) edit(i, a, b, x);
        char row[160];
        std::snprintf(row, sizeof row, "%c,%04d-%02d,%.3f,%.3f,%.3f\n", 'A' + k - 1, 2000 + i / 12, i % 12 + 1, a, b, x);
        csv += row;
      }
    return csv;
  };
  dir.write("base.csv", file([](int, double&, double&, double&) {}));
  dir.write("late.csv", file([](int i, double& a, double&, double&) { if (i < 36) a = 50; }));
  dir.write("constx.csv", file([](int, double&, double&, double& x) { x = 7; }));
  dir.write("far.csv", file([](int i, double&, double& b, double&) { if (i == 38) b = 5000; }));
  const std::string flags = " --series-column id --time-column date --target a,b --features x --horizon 3 --epochs 3 --hidden 4";

  const RunResult per_series = run_cli("inspect --data late.csv" + flags, dir.path());
  INFO(per_series.out << per_series.err);
  CHECK(per_series.exit_code == 0);
  CHECK_THAT(per_series.out, Contains("windows: 20 training") &&
                                 Contains("skipped series 'B': target column 'a' is 50 in every one of the 36 rows"));
  const RunResult global = run_cli("inspect --data late.csv --mode global" + flags, dir.path());
  CHECK_THAT(global.out, Contains("train refuses this data: late.csv: series 'B': target column 'a' is 50"));
  REQUIRE(run_cli("train --data late.csv --output l.json --quiet" + flags, dir.path()).exit_code == 0);
  CHECK_THAT(run_cli("predict --model l.json --series B", dir.path()).err,
             Contains("l.json: series 'B' is not in this checkpoint: training left it out: target column 'a' is 50"));

  const RunResult constant = run_cli("train --data constx.csv --output c.json --quiet" + flags, dir.path());
  CHECK_THAT(constant.err, Contains("note: series 'B': feature 'x' is 7 in every training row: the model cannot read it"));
  CHECK_THAT(run_cli("predict --model c.json --input base.csv", dir.path()).err,
             Contains("note: base.csv: series 'B': feature 'x' was 7 in every training row, so the model does not read it"));
  CHECK_THAT(run_cli("evaluate --model c.json --input base.csv", dir.path()).err,
             Contains("note: base.csv: series 'B': feature 'x' was 7 in every training row"));

  const RunResult far = run_cli("train --data far.csv --output f.json --quiet" + flags, dir.path());
  CHECK_THAT(far.err, Contains("note: series 'B': 'b' is 5000 at '2003-03', one of the last 24 rows the forecast reads"));
  REQUIRE(run_cli("train --data base.csv --output b.json --quiet" + flags, dir.path()).exit_code == 0);
  CHECK_THAT(run_cli("predict --model b.json --input far.csv", dir.path()).err,
             Contains("note: far.csv: series 'B': 'b' is 5000 at '2003-03'"));
  CHECK(run_cli("predict --model b.json --input base.csv", dir.path()).err.empty());
  // Two targets: evaluate's rows, means and counts are of (series, target) pairs, and it says so.
  const RunResult scored = run_cli("evaluate --model b.json --input base.csv", dir.path());
  INFO(scored.out);
  CHECK(scored.exit_code == 0);
  CHECK_THAT(scored.out, Contains("A:a ") && Contains("B:b ") && Contains("series evaluated: 3; 6 series:target rows\n") &&
                             Contains(" of 6 series:target rows\n"));
}

TEST_CASE("evaluate without --input says which series' last training rows the file at the data path lacks", "[cli-panel]") {
  TempDir dir, elsewhere;
  const auto value = [](char id, int i) { return 100.0 + (id == 'a' ? 2 : 3) * i + 5 * (i % 12 == 6); };
  dir.write("d.csv", monthly_ab(value));
  REQUIRE(run_cli("train --data d.csv --series-column id --target value --time-column date --look-back 6 --horizon 3 "
                  "--hidden 4 --epochs 2 --quiet --output m.json", dir.path()).exit_code == 0);
  const RunResult same = run_cli("evaluate --model m.json", dir.path());
  INFO(same.err);
  REQUIRE(same.exit_code == 0);
  CHECK(same.err.find("does not hold the rows training ended on") == std::string::npos);
  // Another d.csv where evaluate runs: series b's last values differ.
  elsewhere.write("d.csv", monthly_ab([&](char id, int i) { return value(id, i) + (id == 'b' && i == 47 ? 1 : 0); }));
  const RunResult other = run_cli("evaluate --model '" + dir.file("m.json") + "'", elsewhere.path());
  INFO(other.err);
  REQUIRE(other.exit_code == 0);
  CHECK_THAT(other.err, Contains("note: d.csv (the training data's path, read from the working directory) does not hold the "
                                 "rows training ended on (the checkpoint's data_tail of 1 series, such as 'b')"));
}

#ifndef LSTMF_MPIEXEC
// A build without MPI, as an MPI launcher of two processes would start it (its environment alone):
// nothing runs in both processes alike. (A build with MPI: tests/test_mpi.cpp, under mpirun.)
TEST_CASE("a build without MPI started by an MPI launcher of several processes refuses every command", "[cli-panel]") {
  TempDir dir;
  dir.write("a.csv", read_file(source_path("data/airline-passengers.csv")));
  const std::string launched = "OMPI_COMM_WORLD_SIZE=2 OMPI_COMM_WORLD_RANK=1 ";
  const RunResult single = run_cli("train --data a.csv --target passengers --epochs 1 --output m.json", dir.path(), "", launched);
  CHECK(single.exit_code == 2);
  CHECK_THAT(single.err, Contains("started by an MPI launcher with 2 processes, and this lstm-forecast was built without "
                                  "MPI: train of one series would run in every process alike"));
  CHECK_FALSE(file_exists(dir.file("m.json")));
  REQUIRE(run_cli("train --data a.csv --target passengers --epochs 1 --ensemble 1 --refit false --hidden 2 --quiet --output m.json",
                  dir.path()).exit_code == 0);
  const RunResult predict = run_cli("predict --model m.json --output f.csv", dir.path(), "", "PMI_SIZE=3 ");
  CHECK(predict.exit_code == 2);
  CHECK_THAT(predict.err, Contains("with 3 processes") && Contains("lstm-forecast predict would run in every process alike") &&
                              Contains("From a program the launcher started: env -u PMI_SIZE lstm-forecast ..."));
  CHECK_FALSE(file_exists(dir.file("f.csv")));
  // A global model: the build cannot, and says how to build one that can.
  dir.write("p.csv", "id,value\n" + std::string("a,1\na,2\n"));
  const RunResult global = run_cli("train --data p.csv --series-column id --target value --mode global --output g.json",
                                   dir.path(), "", launched);
  CHECK(global.exit_code == 2);
  CHECK_THAT(global.err, Contains("this lstm-forecast was built without MPI (cmake -DLSTMF_MPI=ON)"));
  // One process announced (a launcher's single process): runs as usual.
  CHECK(run_cli("predict --model m.json --output f.csv", dir.path(), "", "OMPI_COMM_WORLD_SIZE=1 ").exit_code == 0);
}
#endif
