// Backpropagation against central finite differences, in double, for every parameter tensor of
// random small models: 1 to 3 layers of differing sizes, tanh and relu cells, every loss.
// The error of a tensor is |g_fd - g| / max(|g|, 1e-2) over the tensor's whole gradient vector
// (L2 norms). Step h = 3e-6: rounding puts ~1e-16 |L| / h ~ 4e-11 of noise on each difference and
// truncation (h^2 f''' / 6) far less, while relu, MAE and Huber kinks are rarely within h of the
// point (at h = 1e-5 one of these models crosses one). The floor keeps a vanishing gradient (a
// deep layer's, a dead relu unit's) from turning that noise into a large ratio: there the check is
// absolute, to 1e-8.
#include <algorithm>
#include <cmath>
#include <iostream>
#include <string>

#include <catch2/catch.hpp>

#include "engine_support.hpp"
#include "lstmf/backprop.hpp"
#include "lstmf/loss.hpp"
#include "lstmf/model.hpp"

using namespace lstmf;
using lstmf::test::model_config;
using lstmf::test::random_matrix;

namespace {

constexpr double kStep = 3e-6;
constexpr double kTolerance = 1e-6;

struct Worst {
  double error = 0.0;
  std::string where;
};

// Checks every tensor; `loss_at` evaluates the loss at the model's current parameters.
template <typename LossAt>
void check_tensors(Model<double>& model, const Vector<double>& grad, LossAt loss_at, const std::string& name,
                   Worst& worst) {
  Vector<double>& params = model.parameters();
  for (const ParameterInfo& info : model.layout()) {
    Eigen::VectorXd numeric(info.size);
    for (Eigen::Index i = 0; i < info.size; ++i) {
      double& p = params[info.offset + i];
      const double saved = p;
      p = saved + kStep;
      const double up = loss_at();
      p = saved - kStep;
      const double down = loss_at();
      p = saved;
      numeric[i] = (up - down) / (2 * kStep);
    }
    const auto analytic = grad.segment(info.offset, info.size);
    const double error = (numeric - analytic).norm() / std::max(analytic.norm(), 1e-2);
    INFO(name << " " << info.name << ": relative error " << error << ", |grad| " << analytic.norm());
    CHECK(error <= kTolerance);
    if (error > worst.error) worst = {error, name + " " + info.name};
  }
}

}  // namespace

TEST_CASE("backpropagation matches finite differences for every tensor of random models", "[gradcheck]") {
  Rng rng(20240601);
  Worst worst;
  int models = 0;
  for (int layers = 1; layers <= 3; ++layers) {
    for (const auto activation : {CellActivation::tanh, CellActivation::relu}) {
      for (const auto kind : {LossKind::mse, LossKind::mae, LossKind::huber}) {
        std::vector<int> hidden;
        for (int k = 0; k < layers; ++k) hidden.push_back(static_cast<int>(1 + rng.below(5)));
        const Eigen::Index inputs = 1 + static_cast<Eigen::Index>(rng.below(3));
        const Eigen::Index outputs = 1 + static_cast<Eigen::Index>(rng.below(3));
        const Eigen::Index steps = 1 + static_cast<Eigen::Index>(rng.below(5));
        const Eigen::Index batch = 1 + static_cast<Eigen::Index>(rng.below(4));
        Model<double> model = test::random_model<double>(rng, inputs, outputs, model_config(hidden, activation));
        const MatrixD x = random_matrix<double>(rng, steps * batch, inputs);
        const MatrixD target = random_matrix<double>(rng, batch, outputs);
        const Loss loss(kind, 0.3);
        const int threads = 1 + models % 2;

        Backprop<double> backprop(model, loss);
        Vector<double> grad;
        backprop.run(x, target, grad, nullptr, threads);
        // The loss through the inference path, so that it checks the training pass too.
        const auto loss_at = [&] {
          return loss.sum<double>(model.predict(x, batch), target) / static_cast<double>(batch * outputs);
        };
        std::string name = std::to_string(layers) + " layer(s) [";
        for (const int h : hidden) name += std::to_string(h) + " ";
        name += std::string(activation == CellActivation::tanh ? "tanh" : "relu") + ", loss " +
                std::to_string(static_cast<int>(kind)) + ", T " + std::to_string(steps) + ", B " +
                std::to_string(batch) + "]";
        check_tensors(model, grad, loss_at, name, worst);
        ++models;
      }
    }
  }
  std::cout << "gradcheck: " << models << " models, worst relative error " << worst.error << " (" << worst.where
            << ")\n";
}

TEST_CASE("with dropout, backpropagation gives the gradient of the masked network", "[gradcheck]") {
  Rng rng(99);
  Model<double> model = test::random_model<double>(rng, 2, 2, model_config({4, 3, 3}, CellActivation::tanh, 0.4));
  const Eigen::Index steps = 4, batch = 3;
  const MatrixD x = random_matrix<double>(rng, steps * batch, 2);
  const MatrixD target = random_matrix<double>(rng, batch, 2);
  Backprop<double> backprop(model);
  Vector<double> grad, unused;
  Rng masks(5);
  backprop.run(x, target, grad, &masks);
  // Every evaluation draws the same masks again.
  const auto loss_at = [&] {
    Rng same(5);
    return backprop.run(x, target, unused, &same);
  };
  Worst worst;
  check_tensors(model, grad, loss_at, "dropout 0.4", worst);
}
