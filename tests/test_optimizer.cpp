#include <cmath>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "engine_support.hpp"
#include "lstmf/error.hpp"
#include "lstmf/optimizer.hpp"

using namespace lstmf;
using lstmf::test::model_config;

namespace {

Vector<double> vec(std::initializer_list<double> values) {
  Vector<double> v(static_cast<Eigen::Index>(values.size()));
  Eigen::Index i = 0;
  for (const double x : values) v[i++] = x;
  return v;
}

TrainingConfig with(OptimizerKind kind, double lr) {
  TrainingConfig config;
  config.optimizer = kind;
  config.lr = lr;
  return config;
}

}  // namespace

TEST_CASE("optimizer steps follow torch.optim's formulas", "[optimizer]") {
  const Vector<double> grad = vec({0.5, -2.0});
  SECTION("Adam's first step moves each parameter by about lr against its gradient's sign") {
    TrainingConfig config = with(OptimizerKind::adam, 0.1);
    Optimizer<double> adam(config, 2);
    Vector<double> p = vec({1.0, 1.0});
    adam.step(p, grad);
    // m_hat = g, v_hat = g^2: p -= lr * g / (|g| + eps)
    CHECK(p[0] == Approx(1.0 - 0.1 * 0.5 / (0.5 + 1e-8)).epsilon(1e-15));
    CHECK(p[1] == Approx(1.0 + 0.1 * 2.0 / (2.0 + 1e-8)).epsilon(1e-15));
    adam.step(p, grad);
    CHECK(adam.steps() == 2);
    // Second step, same gradient: m_hat = g and v_hat = g^2 again.
    CHECK(p[0] == Approx(1.0 - 2 * 0.1 * 0.5 / (0.5 + 1e-8)).epsilon(1e-12));
  }
  SECTION("Adam's weight decay adds wd * p to the gradient") {
    TrainingConfig config = with(OptimizerKind::adam, 0.1);
    config.weight_decay = 0.5;
    Optimizer<double> adam(config, 2);
    Vector<double> p = vec({1.0, 1.0});
    adam.step(p, vec({0.0, -0.5}));  // effective gradients 0.5 and 0
    CHECK(p[0] == Approx(0.9).epsilon(1e-7));
    CHECK(p[1] == 1.0);
  }
  SECTION("RMSprop divides by the root of the running mean square") {
    Optimizer<double> rmsprop(with(OptimizerKind::rmsprop, 0.01), 2);
    Vector<double> p = vec({0.0, 0.0});
    rmsprop.step(p, grad);
    // s = (1 - 0.99) g^2: p -= lr * g / (0.1 |g| + eps)
    CHECK(p[0] == Approx(-0.01 * 0.5 / (0.1 * 0.5 + 1e-8)).epsilon(1e-12));
    CHECK(p[1] == Approx(0.01 * 2.0 / (0.1 * 2.0 + 1e-8)).epsilon(1e-12));
  }
  SECTION("centered RMSprop with momentum subtracts the squared mean and keeps a buffer") {
    TrainingConfig config = with(OptimizerKind::rmsprop, 0.01);
    config.centered = true;
    config.momentum = 0.5;
    config.alpha = 0.9;
    Optimizer<double> rmsprop(config, 1);
    Vector<double> p = vec({0.0});
    rmsprop.step(p, vec({1.0}));
    // s = 0.1, a = 0.1, avg = sqrt(0.1 - 0.01) + eps, buf = 1 / avg
    const double avg = std::sqrt(0.09) + 1e-8;
    CHECK(p[0] == Approx(-0.01 / avg).epsilon(1e-12));
    rmsprop.step(p, vec({1.0}));
    const double avg2 = std::sqrt(0.19 - 0.19 * 0.19) + 1e-8;
    CHECK(p[0] == Approx(-0.01 / avg - 0.01 * (0.5 / avg + 1 / avg2)).epsilon(1e-12));
  }
  SECTION("SGD with momentum starts its buffer at the first gradient") {
    TrainingConfig config = with(OptimizerKind::sgd, 0.1);
    config.momentum = 0.9;
    Optimizer<double> sgd(config, 2);
    Vector<double> p = vec({0.0, 0.0});
    sgd.step(p, grad);
    CHECK(p == vec({-0.05, 0.2}));
    sgd.step(p, grad);  // buf = 0.9 g + g
    CHECK(p[0] == Approx(-0.05 - 0.1 * 1.9 * 0.5).epsilon(1e-15));
  }
  SECTION("plain SGD") {
    Optimizer<double> sgd(with(OptimizerKind::sgd, 0.1), 2);
    Vector<double> p = vec({0.0, 0.0});
    sgd.step(p, grad);
    CHECK(p == vec({-0.05, 0.2}));
  }
}

TEST_CASE("clipping scales the gradient to max_norm as clip_grad_norm_ does", "[optimizer]") {
  Vector<double> grad = vec({3.0, 4.0});
  CHECK(clip_grad_norm(grad, 10.0) == 5.0);
  CHECK(grad == vec({3.0, 4.0}));
  CHECK(clip_grad_norm(grad, 1.0) == 5.0);
  CHECK(grad[0] == Approx(3.0 / (5.0 + 1e-6)).epsilon(1e-15));
  CHECK(grad.norm() == Approx(1.0).epsilon(1e-6));
  Vector<float> infinite = Vector<float>::Constant(3, INFINITY);
  CHECK(std::isinf(grad_norm(infinite)));
}

TEST_CASE("optimizer state survives a JSON round trip and resumes bit for bit", "[optimizer]") {
  Rng rng(8);
  const Model<float> model(2, 1, model_config({3}));
  for (const auto kind : {OptimizerKind::adam, OptimizerKind::rmsprop, OptimizerKind::sgd}) {
    TrainingConfig config = with(kind, 0.01);
    config.momentum = kind == OptimizerKind::adam ? 0.0 : 0.9;
    config.centered = kind == OptimizerKind::rmsprop;
    std::vector<Vector<float>> grads;
    for (int i = 0; i < 5; ++i) grads.push_back(test::random_matrix<float>(rng, model.parameter_count(), 1));

    Optimizer<float> straight(config, model.parameter_count());
    Vector<float> p_straight = Vector<float>::Ones(model.parameter_count());
    for (const auto& g : grads) straight.step(p_straight, g);

    Optimizer<float> before(config, model.parameter_count());
    Vector<float> p = Vector<float>::Ones(model.parameter_count());
    for (int i = 0; i < 3; ++i) before.step(p, grads[static_cast<std::size_t>(i)]);
    const nlohmann::json state = nlohmann::json::parse(before.state_json(model.layout()).dump());
    Optimizer<float> after(config, model.parameter_count());
    after.load_state_json(state, model.layout(), "checkpoint.optimizer");
    CHECK(after.steps() == 3);
    for (int i = 3; i < 5; ++i) after.step(p, grads[static_cast<std::size_t>(i)]);
    CHECK(p == p_straight);
  }
}

TEST_CASE("loading optimizer state names what does not fit", "[optimizer]") {
  const Model<float> model(2, 1, model_config({3}));
  Optimizer<float> adam(with(OptimizerKind::adam, 0.01), model.parameter_count());
  nlohmann::json state = adam.state_json(model.layout());
  CHECK(state.contains("exp_avg"));
  CHECK(state.contains("exp_avg_sq"));
  CHECK(!state.contains("momentum_buffer"));

  Optimizer<float> rmsprop(with(OptimizerKind::rmsprop, 0.01), model.parameter_count());
  REQUIRE_THROWS_WITH(rmsprop.load_state_json(state, model.layout(), "ckpt.optimizer"),
                      "ckpt.optimizer.optimizer: expected \"rmsprop\", got \"adam\"");
  state["exp_avg"]["head.bias"] = {1.0, 2.0};
  REQUIRE_THROWS_WITH(adam.load_state_json(state, model.layout(), "ckpt.optimizer"),
                      "ckpt.optimizer.exp_avg.head.bias: expected [1], got [2]");
  state = adam.state_json(model.layout());
  state.erase("exp_avg_sq");
  REQUIRE_THROWS_WITH(adam.load_state_json(state, model.layout(), "ckpt.optimizer"),
                      "ckpt.optimizer.exp_avg_sq: missing");
  state["step"] = -1;
  REQUIRE_THROWS_WITH(adam.load_state_json(state, model.layout(), "ckpt.optimizer"),
                      "ckpt.optimizer.step: expected a count of steps, got -1");
  state["step"] = 4;
  state["lr"] = "fast";
  REQUIRE_THROWS_WITH(adam.load_state_json(state, model.layout(), "ckpt.optimizer"),
                      "ckpt.optimizer.lr: expected a positive number, got \"fast\"");
  REQUIRE_THROWS_WITH(adam.load_state_json(nlohmann::json::array(), model.layout(), "ckpt.optimizer"),
                      "ckpt.optimizer: expected an object, got array");
  state = adam.state_json(model.layout());
  state["exp_avg_sq"]["head.bias"] = {-0.5};  // a running average of squares below 0: sqrt would be NaN
  REQUIRE_THROWS_WITH(adam.load_state_json(state, model.layout(), "ckpt.optimizer"),
                      Catch::Contains("ckpt.optimizer.exp_avg_sq: a running average of squared gradients must be >= 0, found -0.5"));
  CHECK(adam.steps() == 0);
}
