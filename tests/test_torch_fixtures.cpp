// Every case in a folder of PyTorch fixtures (schema: tests/fixtures/torch/README.md), checked in
// double and in float: outputs, final states, loss, every gradient, clipping and three steps of
// each optimizer. The folder is $LSTMF_TORCH_FIXTURES, or the project's tests/fixtures/torch.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "lstmf/backprop.hpp"
#include "lstmf/model.hpp"
#include "lstmf/optimizer.hpp"
#include "support.hpp"

using namespace lstmf;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {


// Element-wise |got - want| <= tol * max(1, |want|), keeping the worst error and the first failures.
struct Comparison {
  Comparison(double tolerance, std::string name) : tol(tolerance), precision(std::move(name)) {}
  double tol;
  std::string precision;
  double worst = 0.0;
  std::string worst_at;
  long values = 0;
  long beyond = 0;  // values beyond tol
  std::vector<std::string> failures;

  void value(const std::string& what, double got, double want) {
    ++values;
    const double error = std::abs(got - want) / std::max(1.0, std::abs(want));
    if (error > worst || std::isnan(error)) {
      worst = std::isnan(error) ? INFINITY : error;
      worst_at = what;
    }
    if (!(error <= tol)) ++beyond;
    if (!(error <= tol) && failures.size() < 20) {
      std::ostringstream line;
      line.precision(17);
      line << precision << " " << what << ": got " << got << ", want " << want << " (relative error " << error << ")";
      failures.push_back(line.str());
    }
  }
  void problem(const std::string& what) {
    failures.push_back(precision + " " + what);
  }

  // Adaptive-optimizer elements float32 cannot follow (see kFloatUnresolvedShare): counted, bounded.
  long unresolved = 0;
  double unresolved_worst = 0.0;
};

// Adam and RMSprop divide each gradient element by its own running magnitude plus eps (1e-8), so
// each step moves an element by about lr * g / |g| whatever |g| is. Over 3 steps at lr 1e-2 the
// parameters move far (the fixtures' losses often grow), and an element whose gradient passes near
// zero on the way takes a step float32 cannot compute: PyTorch's own float32 misses the 1e-4
// tolerance on such elements of the public fixtures and of sets made with other seeds. In float,
// the adaptive optimizers' state_dict_after is held to 1e-4 on every element except at most
// kFloatUnresolvedShare of them (per case and optimizer), which must stay within
// kFloatUnresolvedTolerance; both counts are printed. A wrong formula moves most elements, so the
// check still fails on any real error. Double holds every element to 1e-9.
constexpr double kFloatUnresolvedShare = 1e-2;
constexpr double kFloatUnresolvedTolerance = 1e-2;

// Nested arrays in row-major order, with their shape.
void flatten(const json& j, std::vector<double>& values, std::vector<std::size_t>& shape, std::size_t depth = 0) {
  if (!j.is_array()) {
    values.push_back(j.get<double>());
    return;
  }
  if (shape.size() <= depth) shape.push_back(j.size());
  for (const auto& item : j) flatten(item, values, shape, depth + 1);
}

std::vector<double> flat(const json& j) {
  std::vector<double> values;
  std::vector<std::size_t> shape;
  flatten(j, values, shape);
  return values;
}

// A tensor of the model's layout in `buffer` against its PyTorch-shaped JSON.
template <typename Scalar>
void compare_tensor(Comparison& cmp, const std::string& what, const ParameterInfo& info, const Vector<Scalar>& buffer,
                    const json& want) {
  const std::vector<double> expected = flat(want);
  if (static_cast<Eigen::Index>(expected.size()) != info.size) {
    cmp.problem(what + ": " + std::to_string(expected.size()) + " values, the model has " + std::to_string(info.size));
    return;
  }
  for (Eigen::Index i = 0; i < info.size; ++i) {
    const double got = static_cast<double>(buffer[info.storage_index(i)]);
    const double wanted = expected[static_cast<std::size_t>(i)];
    cmp.value(what + "[" + std::to_string(i) + "]", got, wanted);
  }
}

// Every tensor of a state_dict-shaped object, which must name exactly the model's parameters.
template <typename Scalar>
void compare_state(Comparison& cmp, const std::string& what, const Model<Scalar>& model, const Vector<Scalar>& buffer,
                   const json& want) {
  if (want.size() != model.layout().size())
    cmp.problem(what + ": " + std::to_string(want.size()) + " tensors, the model has " +
                std::to_string(model.layout().size()));
  for (const ParameterInfo& info : model.layout()) {
    if (!want.contains(info.name)) {
      cmp.problem(what + "." + info.name + ": missing");
      continue;
    }
    compare_tensor(cmp, what + "." + info.name, info, buffer, want.at(info.name));
  }
}

template <typename Scalar>
void compare_matrix(Comparison& cmp, const std::string& what, const Eigen::Ref<const Matrix<Scalar>>& got,
                    const json& want) {
  const std::vector<double> expected = flat(want);
  if (static_cast<Eigen::Index>(expected.size()) != got.size()) {
    cmp.problem(what + ": " + std::to_string(expected.size()) + " values, got " + std::to_string(got.size()));
    return;
  }
  for (Eigen::Index r = 0; r < got.rows(); ++r)
    for (Eigen::Index c = 0; c < got.cols(); ++c)
      cmp.value(what + "[" + std::to_string(r) + "][" + std::to_string(c) + "]", static_cast<double>(got(r, c)),
                expected[static_cast<std::size_t>(r * got.cols() + c)]);
}

void check_keys(const json& object, const std::set<std::string>& known, const std::string& what) {
  for (const auto& item : object.items())
    if (known.count(item.key()) == 0)
      throw std::runtime_error(what + ": unknown key '" + item.key() + "' (the test would not check it)");
}

Loss loss_of(const json& config) {
  const json& loss = config.at("loss");
  check_keys(loss, {"name", "delta"}, "config.loss");
  const std::string name = loss.at("name");
  if (name == "mse") return Loss(LossKind::mse);
  if (name == "mae") return Loss(LossKind::mae);
  if (name == "huber") return Loss(LossKind::huber, loss.at("delta").get<double>());
  throw std::runtime_error("config.loss.name: unknown loss '" + name + "'");
}

// TrainingConfig from torch.optim settings; every key must be one we apply.
TrainingConfig optimizer_config(const std::string& kind, const json& settings) {
  TrainingConfig config;
  config.lr = settings.at("lr");
  config.weight_decay = settings.at("weight_decay");
  const std::set<std::string> run_keys = {"steps", "losses_before_step", "state_dict_after", "lr", "weight_decay"};
  std::set<std::string> known = run_keys;
  if (kind == "adam") {
    config.optimizer = OptimizerKind::adam;
    config.beta1 = settings.at("betas").at(0);
    config.beta2 = settings.at("betas").at(1);
    config.eps = settings.at("eps");
    known.insert({"betas", "eps"});
  } else if (kind == "rmsprop") {
    config.optimizer = OptimizerKind::rmsprop;
    config.alpha = settings.at("alpha");
    config.eps = settings.at("eps");
    config.momentum = settings.at("momentum");
    config.centered = settings.at("centered");
    known.insert({"alpha", "eps", "momentum", "centered"});
  } else {
    config.optimizer = OptimizerKind::sgd;
    config.momentum = settings.at("momentum");
    known.insert("momentum");
  }
  check_keys(settings, known, kind);
  return config;
}

template <typename Scalar>
void check_case(const json& fixture, const std::string& file, Comparison& cmp) {
  check_keys(fixture,
             {"name", "generator", "config", "state_dict", "input", "target", "output", "h_n", "c_n", "loss", "grad",
              "clip", "adam", "rmsprop", "sgd"},
             file);
  const json& config = fixture.at("config");
  check_keys(config,
             {"input_size", "hidden", "look_back", "batch", "outputs", "cell_activation", "loss", "reduction"},
             file + ": config");
  if (config.at("reduction") != "mean") throw std::runtime_error(file + ": config.reduction must be \"mean\"");
  const Eigen::Index inputs = config.at("input_size");
  const Eigen::Index steps = config.at("look_back");
  const Eigen::Index batch = config.at("batch");
  const Eigen::Index outputs = config.at("outputs");
  ModelConfig model_config;
  model_config.hidden = config.at("hidden").get<std::vector<int>>();
  const std::string activation = config.at("cell_activation");
  if (activation != "tanh" && activation != "relu")
    throw std::runtime_error(file + ": unknown cell_activation '" + activation + "'");
  model_config.cell_activation = activation == "relu" ? CellActivation::relu : CellActivation::tanh;
  const Loss loss = loss_of(config);

  Model<Scalar> model(inputs, outputs, model_config);
  model.load_state_dict(fixture.at("state_dict"), file + ": state_dict");
  // input [B][T][F] -> time-major [T*B, F]
  Matrix<Scalar> x(steps * batch, inputs);
  const json& input = fixture.at("input");
  REQUIRE(static_cast<Eigen::Index>(input.size()) == batch);
  for (Eigen::Index b = 0; b < batch; ++b) {
    REQUIRE(static_cast<Eigen::Index>(input[b].size()) == steps);
    for (Eigen::Index t = 0; t < steps; ++t)
      for (Eigen::Index f = 0; f < inputs; ++f) x(t * batch + b, f) = static_cast<Scalar>(input[b][t].at(f).get<double>());
  }
  const std::vector<double> target_values = flat(fixture.at("target"));
  REQUIRE(static_cast<Eigen::Index>(target_values.size()) == batch * outputs);
  const Matrix<Scalar> target =
      Eigen::Map<const Matrix<double>>(target_values.data(), batch, outputs).template cast<Scalar>();

  // Inference: output and the final states of every layer.
  Inference<Scalar> inference;
  compare_matrix<Scalar>(cmp, file + ": output", inference.run(model, x, batch), fixture.at("output"));
  const json& h_n = fixture.at("h_n");
  const json& c_n = fixture.at("c_n");
  REQUIRE(h_n.size() == model.layers().size());
  REQUIRE(c_n.size() == model.layers().size());
  for (std::size_t k = 0; k < model.layers().size(); ++k) {
    compare_matrix<Scalar>(cmp, file + ": h_n[" + std::to_string(k) + "]", inference.final_hidden(k), h_n[k]);
    compare_matrix<Scalar>(cmp, file + ": c_n[" + std::to_string(k) + "]", inference.final_cell(k), c_n[k]);
  }

  // Training pass: output again, loss, every gradient.
  Backprop<Scalar> backprop(model, loss);
  Vector<Scalar> grad;
  const double loss_value = backprop.run(x, target, grad);
  compare_matrix<Scalar>(cmp, file + ": output (training pass)", backprop.output(), fixture.at("output"));
  cmp.value(file + ": loss", loss_value, fixture.at("loss").get<double>());
  compare_state(cmp, file + ": grad", model, grad, fixture.at("grad"));

  const json& clip = fixture.at("clip");
  check_keys(clip, {"max_norm", "total_norm", "grad"}, file + ": clip");
  Vector<Scalar> clipped = grad;
  const double norm = clip_grad_norm(clipped, clip.at("max_norm").get<double>());
  cmp.value(file + ": clip.total_norm", norm, clip.at("total_norm").get<double>());
  compare_state(cmp, file + ": clip.grad", model, clipped, clip.at("grad"));

  for (const char* kind : {"adam", "rmsprop", "sgd"}) {
    const json& run = fixture.at(kind);
    Model<Scalar> trained(inputs, outputs, model_config);
    trained.load_state_dict(fixture.at("state_dict"), file + ": state_dict");
    Optimizer<Scalar> optimizer(optimizer_config(kind, run), trained.parameter_count());
    Backprop<Scalar> pass(trained, loss);
    const json& losses = run.at("losses_before_step");
    const int steps_run = run.at("steps");
    REQUIRE(static_cast<int>(losses.size()) == steps_run);
    for (int step = 0; step < steps_run; ++step) {
      const double before = pass.run(x, target, grad);
      cmp.value(file + ": " + kind + ".losses_before_step[" + std::to_string(step) + "]", before,
                losses[static_cast<std::size_t>(step)].get<double>());
      optimizer.step(trained.parameters(), grad);
    }
    const std::string what = file + ": " + kind + ".state_dict_after";
    if (std::is_same_v<Scalar, float> && std::string(kind) != "sgd") {
      // See kFloatUnresolvedShare: compare loosely first, then hold all but a few elements to tol.
      Comparison strict(cmp.tol, cmp.precision);
      compare_state(strict, what, trained, trained.parameters(), run.at("state_dict_after"));
      Comparison loose(kFloatUnresolvedTolerance, cmp.precision);
      compare_state(loose, what, trained, trained.parameters(), run.at("state_dict_after"));
      const long beyond = strict.beyond;
      const long allowed = static_cast<long>(kFloatUnresolvedShare * static_cast<double>(strict.values));
      for (const auto& line : loose.failures) cmp.problem(line);
      if (beyond > allowed)
        for (const auto& line : strict.failures) cmp.problem(line + " (" + std::to_string(beyond) + " elements beyond tol)");
      cmp.values += strict.values;
      cmp.unresolved += beyond;
      cmp.unresolved_worst = std::max(cmp.unresolved_worst, strict.worst);
      if (beyond == 0 && strict.worst > cmp.worst) cmp.worst = strict.worst, cmp.worst_at = strict.worst_at;
    } else {
      compare_state(cmp, what, trained, trained.parameters(), run.at("state_dict_after"));
    }
  }
}

}  // namespace

TEST_CASE("the engine matches every PyTorch fixture of the folder, in double and in float", "[torch]") {
  const fs::path dir = test::torch_fixtures_dir();
  INFO("fixture folder: " << dir.string() << " (set LSTMF_TORCH_FIXTURES to check another)");
  REQUIRE(fs::is_directory(dir));
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.is_regular_file() && entry.path().extension() == ".json") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  REQUIRE(!files.empty());

  Comparison in_double{1e-9, "double"};
  Comparison in_float{1e-4, "float"};
  for (const fs::path& path : files) {
    const std::string file = path.filename().string();
    std::ifstream stream(path);
    json fixture;
    try {
      stream >> fixture;
    } catch (const std::exception& e) {
      FAIL(file << ": not valid JSON: " << e.what());
    }
    try {
      check_case<double>(fixture, file, in_double);
      check_case<float>(fixture, file, in_float);
    } catch (const std::exception& e) {
      FAIL(file << ": " << e.what());
    }
  }
  for (const Comparison* cmp : {&in_double, &in_float}) {
    std::string failures;
    for (const auto& line : cmp->failures) failures += "\n  " + line;
    INFO(cmp->precision << ": worst relative error " << cmp->worst << " at " << cmp->worst_at << failures);
    CHECK(cmp->failures.empty());
  }
  std::cout << "checked " << files.size() << " torch fixtures\n"
            << "  " << in_double.values << " values in each precision; worst relative error: double "
            << in_double.worst << " (" << in_double.worst_at << "), float " << in_float.worst << " ("
            << in_float.worst_at << ")\n";
  if (in_float.unresolved > 0)
    std::cout << "  float: " << in_float.unresolved << " Adam/RMSprop trajectory values beyond 1e-4 (allowed: "
              << kFloatUnresolvedShare << " of a run, within " << kFloatUnresolvedTolerance << "); worst "
              << in_float.unresolved_worst << "\n";
}
