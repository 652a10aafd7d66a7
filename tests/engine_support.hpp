// Helpers shared by the engine's tests: random models and batches from a seeded generator.
#pragma once

#include <vector>

#include "lstmf/config.hpp"
#include "lstmf/model.hpp"
#include "lstmf/random.hpp"
#include "lstmf/tensor.hpp"

namespace lstmf::test {

template <typename Scalar>
Matrix<Scalar> random_matrix(Rng& rng, Eigen::Index rows, Eigen::Index cols, double scale = 1.0) {
  Matrix<Scalar> m(rows, cols);
  for (Eigen::Index r = 0; r < rows; ++r)
    for (Eigen::Index c = 0; c < cols; ++c) m(r, c) = static_cast<Scalar>(scale * rng.normal());
  return m;
}

inline ModelConfig model_config(std::vector<int> hidden, CellActivation activation = CellActivation::tanh,
                                double dropout = 0.0) {
  ModelConfig config;
  config.hidden = std::move(hidden);
  config.cell_activation = activation;
  config.dropout = dropout;
  return config;
}

template <typename Scalar>
Model<Scalar> random_model(Rng& rng, Eigen::Index inputs, Eigen::Index outputs, const ModelConfig& config) {
  Model<Scalar> model(inputs, outputs, config);
  model.init(rng);
  return model;
}

}  // namespace lstmf::test
