#include <chrono>
#include <cmath>
#include <iostream>
#include <limits>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "engine_support.hpp"
#include "lstmf/error.hpp"
#include "lstmf/trainer.hpp"

using namespace lstmf;
using lstmf::test::model_config;

namespace {

// A scaled series in one block, its windows split chronologically: training targets in rows
// [0, train_end), validation targets after.
struct Windows {
  MatrixF data;
  WindowSet train;
  WindowSet validation;

  Windows(MatrixF values, int look_back, long train_end)
      : data(std::move(values)),
        train(look_back, 1, static_cast<int>(data.cols()), 1),
        validation(look_back, 1, static_cast<int>(data.cols()), 1) {
    train.add_windows(train.add_block(&data), 0, train_end, 1);
    validation.add_windows(validation.add_block(&data), train_end, data.rows(), 1);
  }
};

MatrixF sine(long rows, double period) {
  MatrixF values(rows, 1);
  for (long t = 0; t < rows; ++t)
    values(t, 0) = static_cast<float>(0.5 + 0.5 * std::sin(2 * M_PI * static_cast<double>(t) / period));
  return values;
}

MatrixF noise(long rows, int columns, std::uint64_t seed) {
  Rng rng(seed);
  MatrixF values(rows, columns);
  for (long t = 0; t < rows; ++t)
    for (int c = 0; c < columns; ++c) values(t, c) = static_cast<float>(rng.uniform());
  return values;
}

TrainingConfig quick(int epochs) {
  TrainingConfig config;
  config.epochs = epochs;
  config.batch_size = 16;
  config.lr = 0.01;
  config.patience = 0;
  config.threads = 2;
  return config;
}

}  // namespace

TEST_CASE("a model learns a noiseless sine wave to a validation MSE below 1e-4", "[trainer]") {
  const Windows windows(sine(400, 25.0), 20, 320);
  Rng rng(1);
  Model<float> model = test::random_model<float>(rng, 1, 1, model_config({16}));
  TrainingConfig config = quick(200);
  config.batch_size = 32;
  config.lr = 1e-3;  // Adam's defaults throughout
  int reached = 0;
  const auto start = std::chrono::steady_clock::now();
  const TrainingResult result = train(model, windows.train, &windows.validation, config, rng, [&](const EpochReport& r) {
    if (r.val_mse < 1e-4) reached = r.epoch;
    return reached == 0;  // stop once it gets there
  });
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  INFO("last epoch " << result.history.back().epoch << ": val MSE " << result.history.back().val_mse << ", "
                     << seconds << " s");
  REQUIRE(reached > 0);
  CHECK(reached <= 200);
  CHECK(evaluate(model, windows.validation, Loss()).mse < 1e-4);
  std::cout << "sine: validation MSE < 1e-4 after " << reached << " epochs (" << seconds << " s)\n";
}

TEST_CASE("two trainings from the same seed give bitwise identical parameters", "[trainer]") {
  const Windows windows(noise(120, 2, 3), 6, 100);
  for (const int threads : {1, 2}) {
    for (const double dropout : {0.0, 0.3}) {
      const auto run = [&] {
        Rng rng(42);
        Model<float> model = test::random_model<float>(rng, 2, 1, model_config({5, 4}, CellActivation::tanh, dropout));
        TrainingConfig config = quick(3);
        config.threads = threads;
        train(model, windows.train, &windows.validation, config, rng);
        return model.parameters();
      };
      const Vector<float> first = run();
      CHECK(first == run());
    }
  }
}

TEST_CASE("early stopping stops after `patience` epochs and restores the best weights", "[trainer]") {
  const Windows windows(noise(150, 1, 4), 5, 100);  // noise: validation stops improving soon
  Rng rng(2);
  Model<float> model = test::random_model<float>(rng, 1, 1, model_config({8}));
  TrainingConfig config = quick(300);
  config.lr = 0.05;
  config.patience = 3;
  const TrainingResult result = train(model, windows.train, &windows.validation, config, rng);
  REQUIRE(result.early_stopped);
  REQUIRE(result.best_epoch > 0);
  CHECK(static_cast<int>(result.history.size()) == result.best_epoch + 3);
  double best = std::numeric_limits<double>::infinity();
  for (const auto& report : result.history) best = std::min(best, report.val_loss);
  CHECK(result.best_val_loss == best);
  CHECK(evaluate(model, windows.validation, Loss()).loss == Approx(best).epsilon(1e-6));
}

TEST_CASE("the epoch callback sees every epoch and can stop training", "[trainer]") {
  const Windows windows(noise(60, 1, 5), 4, 50);
  Rng rng(3);
  Model<float> model = test::random_model<float>(rng, 1, 1, model_config({3}));
  int calls = 0;
  const TrainingResult result = train(model, windows.train, nullptr, quick(10), rng, [&](const EpochReport& r) {
    ++calls;
    CHECK(r.epoch == calls);
    CHECK(r.train_windows == windows.train.size());
    CHECK(r.lr == 0.01);
    CHECK(std::isnan(r.val_loss));  // no validation set
    CHECK(r.seconds >= 0.0);
    return calls < 4;
  });
  CHECK(calls == 4);
  CHECK(result.stopped_by_callback);
  CHECK(result.best_epoch == 0);
}

TEST_CASE("a NaN loss stops training with DivergedError", "[trainer]") {
  const Windows windows(noise(60, 1, 6), 4, 50);
  Rng rng(4);
  Model<float> model = test::random_model<float>(rng, 1, 1, model_config({3}));
  model.parameters()[0] = std::numeric_limits<float>::quiet_NaN();
  REQUIRE_THROWS_AS(train(model, windows.train, &windows.validation, quick(5), rng), DivergedError);
  REQUIRE_THROWS_WITH(train(model, windows.train, &windows.validation, quick(5), rng),
                      Catch::Contains("training diverged in epoch 1, batch 1 of 3: the loss is NaN;") &&
                          Catch::Contains("no earlier weights were validated"));
}

TEST_CASE("training resumes from its state as if it had not stopped", "[trainer]") {
  const Windows windows(noise(120, 2, 7), 6, 100);
  TrainingConfig config = quick(4);
  config.optimizer = OptimizerKind::rmsprop;
  config.momentum = 0.5;
  Rng rng_straight(9);
  Model<float> straight = test::random_model<float>(rng_straight, 2, 1, model_config({4}));
  Model<float> resumed = straight;
  Rng rng_resumed = rng_straight;
  Trainer whole(straight, config, rng_straight);
  const TrainingResult all = whole.run(windows.train, &windows.validation);

  TrainingConfig first_half = config;
  first_half.epochs = 2;
  Trainer first(resumed, first_half, rng_resumed);
  first.run(windows.train, &windows.validation);
  const nlohmann::json state = nlohmann::json::parse(first.state_json().dump());
  const nlohmann::json weights = resumed.state_dict_json();

  Model<float> restarted(2, 1, model_config({4}));
  restarted.load_state_dict(weights, "state_dict");
  Rng fresh(0);
  Trainer second(restarted, config, fresh);
  second.load_state_json(state, "trainer");
  CHECK(second.epoch() == 2);
  const TrainingResult rest = second.run(windows.train, &windows.validation);
  CHECK(rest.history.size() == 2);
  CHECK(rest.history.front().epoch == 3);
  // The same epochs, the same weights reached, the same best weights kept.
  for (std::size_t i = 0; i < 2; ++i) CHECK(rest.history[i].train_loss == all.history[i + 2].train_loss);
  CHECK(second.state_json()["state_dict"] == whole.state_json()["state_dict"]);
  CHECK(restarted.parameters() == straight.parameters());
  REQUIRE_THROWS_WITH(second.load_state_json(nlohmann::json{{"epoch", 1}}, "trainer"),
                      "trainer.best_epoch: expected a count, got nothing");
  for (const char* key : {"rng", "optimizer", "state_dict", "best_state_dict"}) {
    nlohmann::json broken = state;
    broken.erase(key);
    REQUIRE_THROWS_WITH(second.load_state_json(broken, "trainer"), std::string("trainer.") + key + ": missing");
  }
  nlohmann::json broken = state;
  broken["best_val_loss"] = nullptr;
  REQUIRE_THROWS_WITH(second.load_state_json(broken, "trainer"),
                      "trainer.best_val_loss: expected a loss (a finite number >= 0), got null");
  broken["best_val_loss"] = -1.0;
  REQUIRE_THROWS_WITH(second.load_state_json(broken, "trainer"),
                      "trainer.best_val_loss: expected a loss (a finite number >= 0), got -1.0");
  broken = state;
  broken["best_epoch"] = 3;  // of the 2 done
  REQUIRE_THROWS_WITH(second.load_state_json(broken, "trainer"), "trainer.best_epoch: 3 is more than the 2 epochs done (epoch)");
  broken = state;
  broken["rng"] = "seed";
  REQUIRE_THROWS_WITH(second.load_state_json(broken, "trainer"), Catch::StartsWith("trainer.rng: expected 4"));
  broken = state;
  broken["optimizer"]["optimizer"] = "sgd";
  REQUIRE_THROWS_WITH(second.load_state_json(broken, "trainer"),
                      "trainer.optimizer.optimizer: expected \"rmsprop\", got \"sgd\"");
  // The thread count the batches were split over (quick: 2) is recorded, and checked when read.
  CHECK(state["shards"] == 2);
  for (const nlohmann::json& shards : {nlohmann::json(0), nlohmann::json(1025), nlohmann::json("2"), nlohmann::json(1.5)}) {
    broken = state;
    broken["shards"] = shards;
    REQUIRE_THROWS_WITH(second.load_state_json(broken, "trainer"),
                        "trainer.shards: expected a thread count (1 to 1024), got " + shards.dump());
  }
  broken = state;
  broken.erase("shards");  // as written before 2026-12-06
  CHECK_NOTHROW(Trainer(restarted, config, fresh).load_state_json(broken, "trainer"));
  CHECK(second.epoch() == 4);  // unchanged by the failed loads
}

TEST_CASE("reduce-on-plateau lowers the learning rate when validation stalls", "[trainer]") {
  const Windows windows(noise(60, 1, 8), 4, 40);
  Rng rng(5);
  Model<float> model = test::random_model<float>(rng, 1, 1, model_config({3}));
  TrainingConfig config = quick(7);
  config.min_delta = 1e9;  // only the first epoch improves (on no validation at all)  // nothing counts as an improvement
  config.lr_factor = 0.5;
  config.lr_patience = 2;
  config.min_lr = 0.003;
  Trainer trainer(model, config, rng);
  const TrainingResult result = trainer.run(windows.train, &windows.validation);
  std::vector<double> rates;
  for (const auto& r : result.history) rates.push_back(r.lr);
  CHECK(rates == std::vector<double>{0.01, 0.01, 0.01, 0.005, 0.005, 0.003, 0.003});

  // A floor above the learning rate never raises it (torch applies only a lower rate).
  Rng rng2(5);
  Model<float> model2 = test::random_model<float>(rng2, 1, 1, model_config({3}));
  config.lr_patience = 1;
  config.min_lr = 1.0;
  Trainer floored(model2, config, rng2);
  for (const auto& r : floored.run(windows.train, &windows.validation).history) CHECK(r.lr == 0.01);
}

TEST_CASE("training needs windows that fit the model", "[trainer]") {
  const Windows windows(noise(60, 2, 9), 4, 40);
  Rng rng(6);
  Model<float> model = test::random_model<float>(rng, 1, 1, model_config({3}));
  REQUIRE_THROWS_WITH(train(model, windows.train, nullptr, quick(1), rng),
                      Catch::Contains("training windows have 2 inputs"));
  WindowSet empty(4, 1, 1, 1);
  REQUIRE_THROWS_WITH(train(model, empty, nullptr, quick(1), rng), "no training windows");
}
