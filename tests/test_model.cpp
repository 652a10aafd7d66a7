#include <cmath>
#include <regex>
#include <set>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "engine_support.hpp"
#include "lstmf/error.hpp"
#include "lstmf/model.hpp"

using namespace lstmf;
using lstmf::test::model_config;

TEST_CASE("parameters are PyTorch's state_dict, in its names, order and shapes", "[model][lstm]") {
  const Model<float> model(3, 2, model_config({5, 4}));
  std::vector<std::string> names;
  for (const auto& info : model.layout()) names.push_back(info.name);
  CHECK(names == std::vector<std::string>{"lstm.weight_ih_l0", "lstm.weight_hh_l0", "lstm.bias_ih_l0",
                                          "lstm.bias_hh_l0", "lstm.weight_ih_l1", "lstm.weight_hh_l1",
                                          "lstm.bias_ih_l1", "lstm.bias_hh_l1", "head.weight", "head.bias"});
  CHECK(model.parameter("lstm.weight_ih_l0").shape == std::vector<Eigen::Index>{20, 3});
  CHECK(model.parameter("lstm.weight_hh_l1").shape == std::vector<Eigen::Index>{16, 4});
  CHECK(model.parameter("lstm.bias_hh_l1").shape == std::vector<Eigen::Index>{16});
  CHECK(model.parameter("head.weight").shape == std::vector<Eigen::Index>{2, 4});
  Eigen::Index total = 0;
  for (const auto& info : model.layout()) {
    CHECK(info.offset == total);  // contiguous, in order
    total += info.size;
  }
  CHECK(total == model.parameter_count());
  CHECK(total == 20 * (3 + 5 + 2) + 16 * (5 + 4 + 2) + 2 * 4 + 2);
  REQUIRE_THROWS_WITH(model.parameter("lstm.weight_ih_l2"), Catch::Contains("no parameter named 'lstm.weight_ih_l2'"));
}

TEST_CASE("a state_dict round-trips exactly and reaches the tensor PyTorch would see", "[model][lstm]") {
  Rng rng(5);
  const Model<float> model = test::random_model<float>(rng, 2, 3, model_config({4, 3}));
  const nlohmann::json state = model.state_dict_json();
  // PyTorch layout: weight_ih_l0[r][c] multiplies input c into gate row r.
  const auto& w = model.parameter("lstm.weight_ih_l0");
  CHECK(static_cast<float>(state["lstm.weight_ih_l0"][5][1].get<double>()) == model.parameters()[w.storage_index(5 * 2 + 1)]);
  CHECK(state["lstm.weight_ih_l0"].size() == 16);
  CHECK(state["head.bias"].size() == 3);

  Model<float> copy(2, 3, model_config({4, 3}));
  copy.load_state_dict(nlohmann::json::parse(state.dump()), "state_dict");
  CHECK(copy.parameters() == model.parameters());

  const Model<double> wide(model);  // float -> double is exact
  CHECK(wide.parameters().cast<float>() == model.parameters());
}

TEST_CASE("a float weight is written in its shortest form and reads back as the same float, edge values too", "[model]") {
  Rng rng(7);
  Model<float> model = test::random_model<float>(rng, 1, 1, model_config({8}));
  Eigen::VectorXf& p = model.parameters();
  const float edges[] = {0.1f, -0.0f, 1.0f / 3, std::numeric_limits<float>::max(), std::numeric_limits<float>::lowest(),
                         std::numeric_limits<float>::min(), std::numeric_limits<float>::denorm_min(), 16777217.0f, 3.4e-39f};
  for (std::size_t i = 0; i < std::size(edges); ++i) p[static_cast<Eigen::Index>(i)] = edges[i];
  const std::string text = model.state_dict_json().dump();
  Model<float> copy(1, 1, model_config({8}));
  copy.load_state_dict(nlohmann::json::parse(text), "state_dict");
  CHECK((copy.parameters().array() == p.array()).all());
  CHECK(std::signbit(copy.parameters()[1]));
  // Short: far shorter than the floats' exact doubles, which a double model writes (17 digits).
  CHECK(static_cast<double>(text.size()) < 0.75 * static_cast<double>(Model<double>(model).state_dict_json().dump().size()));
  for (const char* shortest : {"0.1", "0.33333334", "1.1754944e-38", "1e-45", "3.4e-39", "16777216.0"})
    CHECK(std::regex_search(text, std::regex(std::string("[\\[,]") + std::regex_replace(shortest, std::regex("\\."), "\\.") + "[\\],]")));
}

TEST_CASE("loading a state_dict names every wrong name, shape and value", "[model][lstm]") {
  Rng rng(6);
  Model<float> model = test::random_model<float>(rng, 64, 1, model_config({64, 64}));
  const Eigen::VectorXf before = model.parameters();
  nlohmann::json state = model.state_dict_json();

  SECTION("a wrong shape") {
    for (auto& row : state["lstm.weight_hh_l1"]) row.erase(row.size() - 1);
    REQUIRE_THROWS_WITH(model.load_state_dict(state, "state_dict"),
                        "state_dict.lstm.weight_hh_l1: expected [256][64], got [256][63]");
  }
  SECTION("a missing and an unknown name, both reported") {
    state.erase("head.bias");
    state["head.scale"] = {1.0};
    REQUIRE_THROWS_WITH(model.load_state_dict(state, "model.json: state_dict"),
                        Catch::Contains("model.json: state_dict.head.scale: unknown parameter") &&
                            Catch::Contains("model.json: state_dict.head.bias: missing (expected [1])"));
  }
  SECTION("a value that is not a number") {
    state["lstm.bias_ih_l0"][7] = "oops";
    REQUIRE_THROWS_WITH(model.load_state_dict(state, "state_dict"),
                        "state_dict.lstm.bias_ih_l0[7]: expected a number, got \"oops\"");
  }
  SECTION("a ragged matrix") {
    state["head.weight"][0].push_back(1.0);
    state["head.weight"].push_back(nlohmann::json::array({1.0}));
    REQUIRE_THROWS_WITH(model.load_state_dict(state, "state_dict"),
                        "state_dict.head.weight: expected [1][64], got a ragged array");
  }
  SECTION("an object or null where a tensor belongs") {
    state["head.bias"] = nlohmann::json::object();
    REQUIRE_THROWS_WITH(model.load_state_dict(state, "state_dict"), "state_dict.head.bias: expected [1], got an object");
    state["head.bias"] = nullptr;
    REQUIRE_THROWS_WITH(model.load_state_dict(state, "state_dict"), "state_dict.head.bias: expected [1], got null");
  }
  SECTION("not an object") {
    REQUIRE_THROWS_WITH(model.load_state_dict(nlohmann::json::array(), "state_dict"),
                        "state_dict: expected an object of parameter tensors, got array");
  }
  CHECK(model.parameters() == before);  // unchanged by a failed load
}

TEST_CASE("a model checks its shape", "[model][lstm]") {
  REQUIRE_THROWS_WITH(Model<float>(1, 1, model_config({})), Catch::Contains("at least one layer"));
  REQUIRE_THROWS_WITH(Model<float>(1, 1, model_config({8, 0})), "model.hidden[1] must be >= 1, got 0");
  REQUIRE_THROWS_WITH(Model<float>(0, 1, model_config({8})), "model: inputs must be >= 1, got 0");
  REQUIRE_THROWS_WITH(Model<float>(1, 1, model_config({8}, CellActivation::tanh, 1.0)),
                      Catch::Contains("model.dropout must be in [0, 1)"));
}

TEST_CASE("initialisation follows PyTorch's defaults and its options", "[model][lstm]") {
  SECTION("every LSTM tensor within 1/sqrt(H), the head within 1/sqrt(H_top), all drawn from the seed") {
    Rng rng(9);
    const Model<float> model = test::random_model<float>(rng, 3, 2, model_config({16, 4}));
    for (const auto& info : model.layout()) {
      const double hidden = info.name.find("_l0") != std::string::npos ? 16 : 4;
      const auto values = model.parameters().segment(info.offset, info.size);
      CHECK(values.cwiseAbs().maxCoeff() <= 1.0 / std::sqrt(hidden));
      CHECK(values.cwiseAbs().maxCoeff() > 0.5 / std::sqrt(hidden));  // spread over the range
    }
    Rng again(9), other(10);
    CHECK(test::random_model<float>(again, 3, 2, model_config({16, 4})).parameters() == model.parameters());
    CHECK(test::random_model<float>(other, 3, 2, model_config({16, 4})).parameters() != model.parameters());
  }
  SECTION("orthogonal recurrent weights have orthonormal columns") {
    ModelConfig config = model_config({6, 5});
    config.init = InitScheme::orthogonal;
    Rng rng(12);
    const Model<double> model = test::random_model<double>(rng, 2, 1, config);
    for (const char* name : {"lstm.weight_hh_l0", "lstm.weight_hh_l1"}) {
      const auto& info = model.parameter(name);
      Eigen::MatrixXd w(info.shape[0], info.shape[1]);
      for (Eigen::Index i = 0; i < info.size; ++i)
        w(i / info.shape[1], i % info.shape[1]) = model.parameters()[info.storage_index(i)];
      CHECK((w.transpose() * w - Eigen::MatrixXd::Identity(w.cols(), w.cols())).cwiseAbs().maxCoeff() < 1e-12);
    }
  }
  SECTION("a unit forget-gate bias sets bias_ih_f to 1 and bias_hh_f to 0") {
    ModelConfig config = model_config({3});
    config.unit_forget_bias = true;
    Rng rng(13);
    const Model<float> model = test::random_model<float>(rng, 1, 1, config);
    const auto b_ih = model.parameters().segment(model.parameter("lstm.bias_ih_l0").offset, 12);
    const auto b_hh = model.parameters().segment(model.parameter("lstm.bias_hh_l0").offset, 12);
    CHECK(b_ih.segment(3, 3) == Eigen::VectorXf::Ones(3));
    CHECK(b_hh.segment(3, 3) == Eigen::VectorXf::Zero(3));
    CHECK(b_ih.head(3).cwiseAbs().maxCoeff() > 0);
  }
}
