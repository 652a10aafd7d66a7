#include <cmath>

#include <catch2/catch.hpp>

#include "engine_support.hpp"
#include "lstmf/backprop.hpp"
#include "lstmf/gemm.hpp"
#include "lstmf/lstm.hpp"
#include "lstmf/model.hpp"

using namespace lstmf;
using lstmf::test::model_config;
using lstmf::test::random_matrix;

TEST_CASE("one layer follows torch.nn.LSTM's equations step by step", "[lstm]") {
  // A direct, unvectorised transcription of the equations in lstm.hpp, against the layer.
  Rng rng(1);
  const Eigen::Index in = 3, hidden = 4, steps = 5, batch = 2;
  const LstmLayer<double> layer(in, hidden, CellActivation::tanh);
  const Eigen::VectorXd params = random_matrix<double>(rng, layer.parameter_count(), 1, 0.5);
  const MatrixD x = random_matrix<double>(rng, steps * batch, in);
  LstmLayer<double>::Cache cache;
  layer.forward(params.data(), x, batch, cache);

  const Eigen::Map<const MatrixD> w_ih_t(params.data() + layer.w_ih_offset(), in, 4 * hidden);
  const Eigen::Map<const MatrixD> w_hh_t(params.data() + layer.w_hh_offset(), hidden, 4 * hidden);
  const Eigen::Map<const Eigen::RowVectorXd> b_ih(params.data() + layer.b_ih_offset(), 4 * hidden);
  const Eigen::Map<const Eigen::RowVectorXd> b_hh(params.data() + layer.b_hh_offset(), 4 * hidden);
  const auto sigmoid = [](double v) { return 1 / (1 + std::exp(-v)); };
  for (Eigen::Index b = 0; b < batch; ++b) {
    Eigen::RowVectorXd h = Eigen::RowVectorXd::Zero(hidden), c = Eigen::RowVectorXd::Zero(hidden);
    for (Eigen::Index t = 0; t < steps; ++t) {
      const Eigen::RowVectorXd gates = x.row(t * batch + b) * w_ih_t + b_ih + h * w_hh_t + b_hh;
      for (Eigen::Index j = 0; j < hidden; ++j) {
        c(j) = sigmoid(gates(hidden + j)) * c(j) + sigmoid(gates(j)) * std::tanh(gates(2 * hidden + j));
        h(j) = sigmoid(gates(3 * hidden + j)) * std::tanh(c(j));
      }
      for (Eigen::Index j = 0; j < hidden; ++j) {
        CHECK(cache.hidden()(t * batch + b, j) == Approx(h(j)).epsilon(1e-13));
        CHECK(cache.cell()(t * batch + b, j) == Approx(c(j)).epsilon(1e-13));
      }
    }
  }
}

TEST_CASE("inference and the training pass agree, whatever the thread count", "[lstm]") {
  for (const auto activation : {CellActivation::tanh, CellActivation::relu}) {
    Rng rng(2);
    const Model<float> model = test::random_model<float>(rng, 3, 2, model_config({6, 5, 4}, activation));
    const Eigen::Index steps = 7, batch = 9;
    const MatrixF x = random_matrix<float>(rng, steps * batch, 3);
    const MatrixF target = random_matrix<float>(rng, batch, 2);
    Backprop<float> backprop(model);
    Vector<float> grad;
    backprop.run(x, target, grad);
    const MatrixF trained = backprop.output();
    for (const int threads : {1, 2, 4}) {
      Inference<float> inference;
      const MatrixF predicted = inference.run(model, x, batch, threads);
      CHECK((predicted - trained).cwiseAbs().maxCoeff() < 1e-6f);
      CHECK((model.predict(x, batch, threads) - predicted).cwiseAbs().maxCoeff() == 0.0f);
    }
  }
}

TEST_CASE("a batch split over threads gives the same gradient, bit for bit for a given count", "[lstm]") {
  Rng rng(3);
  const Model<float> model = test::random_model<float>(rng, 2, 3, model_config({8, 5}));
  const Eigen::Index steps = 6, batch = 11;
  const MatrixF x = random_matrix<float>(rng, steps * batch, 2);
  const MatrixF target = random_matrix<float>(rng, batch, 3);
  Vector<float> one, two, again;
  Backprop<float> first(model), second(model);
  const double loss_one = first.run(x, target, one, nullptr, 1);
  const double loss_two = first.run(x, target, two, nullptr, 2);
  const double loss_again = second.run(x, target, again, nullptr, 2);
  CHECK(loss_two == Approx(loss_one).epsilon(1e-6));
  CHECK((one - two).cwiseAbs().maxCoeff() <= 1e-6f * std::max(1.0f, one.cwiseAbs().maxCoeff()));
  CHECK(loss_again == loss_two);
  CHECK(again == two);
}

TEST_CASE("workspaces serve batches of any size, smaller or larger than before", "[lstm]") {
  Rng rng(4);
  const Model<double> model = test::random_model<double>(rng, 2, 1, model_config({5, 3}));
  Backprop<double> reused(model);
  for (const Eigen::Index batch : {8, 3, 8, 1, 12}) {
    const Eigen::Index steps = 4 + batch % 3;
    const MatrixD x = random_matrix<double>(rng, steps * batch, 2);
    const MatrixD target = random_matrix<double>(rng, batch, 1);
    Vector<double> grad_reused, grad_fresh;
    Backprop<double> fresh(model);
    const double a = reused.run(x, target, grad_reused, nullptr, 2);
    const double b = fresh.run(x, target, grad_fresh, nullptr, 2);
    CHECK(a == b);
    CHECK(grad_reused == grad_fresh);
  }
}

TEST_CASE("dropout masks the layer outputs in training only, from the generator", "[lstm]") {
  Rng rng(5);
  const Model<double> model = test::random_model<double>(rng, 2, 1, model_config({6, 6}, CellActivation::tanh, 0.5));
  const Eigen::Index steps = 5, batch = 4;
  const MatrixD x = random_matrix<double>(rng, steps * batch, 2);
  const MatrixD target = random_matrix<double>(rng, batch, 1);
  Backprop<double> backprop(model);
  Vector<double> grad;
  const double plain = backprop.run(x, target, grad);  // no generator: no dropout
  const MatrixD inferred = model.predict(x, batch);
  CHECK((backprop.output() - inferred).cwiseAbs().maxCoeff() < 1e-14);

  Rng masks(77), same(77);
  const double dropped = backprop.run(x, target, grad, &masks);
  const MatrixD dropped_output = backprop.output();
  CHECK(dropped != Approx(plain));
  CHECK(backprop.run(x, target, grad, &same, 2) == Approx(dropped).epsilon(1e-12));
  CHECK((backprop.output() - dropped_output).cwiseAbs().maxCoeff() < 1e-12);
  CHECK(masks == same);  // the same draws, whatever the thread count
}

TEST_CASE("dropout's output is the layers' with the lower layer's outputs masked and scaled by 1 / (1 - p)", "[lstm]") {
  // Built by hand from the layers and the generator's draws (a review: the test above compared the
  // masked pass only with itself, so a wrong scale or keep rule passed). p = 0.3: keeping at
  // u >= p and at u < 1 - p differ.
  const double p = 0.3;
  Rng rng(5);
  const Model<double> model = test::random_model<double>(rng, 2, 1, model_config({6, 4}, CellActivation::tanh, p));
  const Eigen::Index steps = 5, batch = 4, rows = steps * batch;
  const MatrixD x = random_matrix<double>(rng, rows, 2);
  const MatrixD target = random_matrix<double>(rng, batch, 1);
  Backprop<double> backprop(model);
  Vector<double> grad;
  Rng masks(77);
  backprop.run(x, target, grad, &masks);

  Rng draws(77);  // the mask of layer 0's outputs [T*B, 6], drawn row by row
  MatrixD mask(rows, 6);
  for (Eigen::Index r = 0; r < rows; ++r)
    for (Eigen::Index j = 0; j < 6; ++j) mask(r, j) = draws.uniform() < p ? 0.0 : 1.0 / (1.0 - p);
  const double* params = model.parameters().data();
  LstmLayer<double>::Cache lower, upper;
  model.layers()[0].forward(params + model.layer_offset(0), x, batch, lower);
  const MatrixD dropped = lower.hidden().cwiseProduct(mask);
  model.layers()[1].forward(params + model.layer_offset(1), dropped, batch, upper);
  const Eigen::Map<const MatrixD> w_head(params + model.head_weight_offset(), model.top_hidden(), 1);
  const double b_head = params[model.head_bias_offset()];
  const MatrixD expected = (upper.hidden().bottomRows(batch) * w_head).array() + b_head;
  REQUIRE(backprop.output().rows() == batch);
  for (Eigen::Index b = 0; b < batch; ++b) CHECK(backprop.output()(b, 0) == Approx(expected(b, 0)).epsilon(1e-12));
  CHECK((mask.array() == 0).count() > 0);  // some outputs were dropped
}

TEST_CASE("a batch that does not fit the model is refused with its shapes", "[lstm]") {
  Rng rng(6);
  const Model<float> model = test::random_model<float>(rng, 2, 1, model_config({3}));
  const MatrixF x = random_matrix<float>(rng, 12, 2);
  const MatrixF target = random_matrix<float>(rng, 5, 1);  // 12 rows are not T * 5
  Backprop<float> backprop(model);
  Vector<float> grad;
  REQUIRE_THROWS_WITH(backprop.run(x, target, grad),
                      "Backprop::run: x [12, 2] and target [5, 1] do not fit a model with 2 inputs and 1 output");
  Inference<float> inference;
  REQUIRE_THROWS_WITH(inference.run(model, random_matrix<float>(rng, 12, 3), 4),
                      "Inference::run: x is [12, 3], expected [T*4, 2]");
  Gemm<float> gemm;
  MatrixF c(2, 2);
  REQUIRE_THROWS_WITH(gemm.add_product(MatrixF(2, 3), MatrixF(2, 2), c), "Gemm: operand shapes do not fit");
}

