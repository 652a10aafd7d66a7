// One training pass of a Model on one batch: forward with the caches backward needs, the loss,
// and backpropagation through time over the whole window into a flat gradient laid out like
// model.parameters(). Dropout (inverted, between stacked layers, PyTorch's placement) applies
// here only: masks scaled by 1/(1-p), drawn from the caller's generator.
// The batch is split into shards computed in parallel (model.hpp, ShardRange; parallel.hpp) whose
// gradients are summed in shard order, so a run repeats bit for bit for a given thread count. Workspaces grow
// to the largest batch seen and are reused: the time loops allocate nothing.
// Matrices are row-major (tensor.hpp); a batch is time-major, x [T*B, inputs] with row t*B + b.
#pragma once

#include <vector>

#include <Eigen/Core>

#include "lstmf/loss.hpp"
#include "lstmf/lstm.hpp"
#include "lstmf/model.hpp"
#include "lstmf/random.hpp"
#include "lstmf/tensor.hpp"

namespace lstmf {

template <typename Scalar>
class Backprop {
 public:
  // Reads the model's parameters at every run(); the model must outlive this object.
  explicit Backprop(const Model<Scalar>& model, const Loss& loss = Loss());

  // x [T*B, in] time-major, target [B, O]. Returns the mean loss over the B*O outputs and writes
  // its gradient into `grad` (resized to the parameter count). `dropout_rng`: draws the dropout
  // masks when the model has dropout; nullptr runs without dropout.
  double run(const ConstMatrixRef<Scalar>& x, const ConstMatrixRef<Scalar>& target, Vector<Scalar>& grad,
             Rng* dropout_rng = nullptr, int threads = 1);

  // Predictions of the last run, [B, O].
  const MatrixMap<Scalar>& output() const { return output_(); }

 private:
  struct Shard {
    ShardRange range;
    Scratch<Scalar> x;                                       // its windows of the batch
    std::vector<typename LstmLayer<Scalar>::Cache> layers;
    std::vector<Scratch<Scalar>> dropped;                    // [T*b, H_k]: input of layer k+1
    Scratch<Scalar> dy;                                      // [b, O]
    Scratch<Scalar> dh_top;                                  // [b, H_top]
    Vector<Scalar> grad;                                     // shards after the first
    double loss_sum = 0.0;
  };
  void run_shard(Shard& shard, const ConstMatrixRef<Scalar>& x, const ConstMatrixRef<Scalar>& target,
                 Eigen::Index batch, bool sharded, bool dropout, Scalar loss_scale, Scalar* grad);
  // The input of layer k in `shard`.
  ConstMatrixMap<Scalar> layer_input(const Shard& shard, std::size_t layer, const ConstMatrixRef<Scalar>& x,
                                     bool sharded, bool dropout) const;

  const Model<Scalar>& model_;
  Loss loss_;
  std::vector<Scratch<Scalar>> masks_;  // [T*B, H_k] for k < L-1, the whole batch, drawn in order
  std::vector<Shard> shards_;
  Scratch<Scalar> output_;
};

extern template class Backprop<float>;
extern template class Backprop<double>;

}  // namespace lstmf
