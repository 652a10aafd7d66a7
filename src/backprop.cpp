#include "lstmf/backprop.hpp"

#include <string>

#include "lstmf/error.hpp"
#include "lstmf/parallel.hpp"

namespace lstmf {

using Eigen::Index;

template <typename Scalar>
Backprop<Scalar>::Backprop(const Model<Scalar>& model, const Loss& loss) : model_(model), loss_(loss) {}

template <typename Scalar>
double Backprop<Scalar>::run(const ConstMatrixRef<Scalar>& x, const ConstMatrixRef<Scalar>& target,
                             Vector<Scalar>& grad, Rng* dropout_rng, int threads) {
  const Index batch = target.rows();
  if (batch < 1 || x.rows() % batch != 0 || x.cols() != model_.inputs() || target.cols() != model_.outputs())
    throw Error("Backprop::run: x [" + std::to_string(x.rows()) + ", " + std::to_string(x.cols()) + "] and target [" +
                std::to_string(target.rows()) + ", " + std::to_string(target.cols()) + "] do not fit a model with " +
                count_of(model_.inputs(), "input") + " and " + count_of(model_.outputs(), "output"));
  const auto& layers = model_.layers();
  const Index rows = x.rows();
  const bool dropout = dropout_rng != nullptr && model_.config().dropout > 0.0 && layers.size() > 1;
  if (dropout) {
    // Drawn here, in one fixed order over the whole batch, so that the masks do not depend on
    // the thread count.
    const double p = model_.config().dropout;
    const Scalar keep_scale = static_cast<Scalar>(1.0 / (1.0 - p));
    masks_.resize(layers.size() - 1);
    for (std::size_t k = 0; k + 1 < layers.size(); ++k) {
      masks_[k].resize(rows, layers[k].hidden_size());
      Scalar* mask = masks_[k]().data();
      for (Index i = 0; i < masks_[k]().size(); ++i) mask[i] = dropout_rng->uniform() < p ? Scalar(0) : keep_scale;
    }
  }

  const int shards = shard_count(threads, batch);
  const bool sharded = shards > 1 || x.outerStride() != x.cols();
  shards_.resize(static_cast<std::size_t>(shards));
  output_.resize(batch, model_.outputs());
  grad.resize(model_.parameter_count());
  const Scalar loss_scale = static_cast<Scalar>(1.0 / static_cast<double>(batch * model_.outputs()));
  for (int s = 0; s < shards; ++s) {
    Shard& shard = shards_[static_cast<std::size_t>(s)];
    shard.range = shard_range(batch, shards, s);
    if (s > 0) shard.grad.resize(model_.parameter_count());
  }
  parallel_for(shards, threads, [&](int s) {
    Shard& shard = shards_[static_cast<std::size_t>(s)];
    run_shard(shard, x, target, batch, sharded, dropout, loss_scale, s == 0 ? grad.data() : shard.grad.data());
  });
  double loss_sum = shards_[0].loss_sum;
  for (int s = 1; s < shards; ++s) {
    grad += shards_[static_cast<std::size_t>(s)].grad;
    loss_sum += shards_[static_cast<std::size_t>(s)].loss_sum;
  }
  return loss_sum / static_cast<double>(batch * model_.outputs());
}

template <typename Scalar>
ConstMatrixMap<Scalar> Backprop<Scalar>::layer_input(const Shard& shard, std::size_t layer,
                                                     const ConstMatrixRef<Scalar>& x, bool sharded,
                                                     bool dropout) const {
  const auto view = [](const MatrixMap<Scalar>& m) { return ConstMatrixMap<Scalar>(m.data(), m.rows(), m.cols()); };
  if (layer == 0) return sharded ? view(shard.x()) : ConstMatrixMap<Scalar>(x.data(), x.rows(), x.cols());
  return dropout ? view(shard.dropped[layer - 1]()) : view(shard.layers[layer - 1].hidden());
}

template <typename Scalar>
void Backprop<Scalar>::run_shard(Shard& shard, const ConstMatrixRef<Scalar>& x, const ConstMatrixRef<Scalar>& target,
                                 Index batch, bool sharded, bool dropout, Scalar loss_scale, Scalar* grad) {
  const auto& layers = model_.layers();
  const Scalar* params = model_.parameters().data();
  const Index count = shard.range.count;
  const Index steps = x.rows() / batch;
  shard.layers.resize(layers.size());
  if (dropout) shard.dropped.resize(layers.size() - 1);
  if (sharded) copy_shard_rows(x, batch, shard.range, shard.x);
  // The rows of this shard's windows in a whole-batch mask, step t.
  const auto mask_rows = [&](std::size_t k, Index t) {
    return masks_[k]().block(t * batch + shard.range.begin, 0, count, masks_[k]().cols());
  };

  for (std::size_t k = 0; k < layers.size(); ++k) {
    layers[k].forward(params + model_.layer_offset(k), layer_input(shard, k, x, sharded, dropout), count,
                      shard.layers[k]);
    if (dropout && k + 1 < layers.size()) {
      const auto& hidden = shard.layers[k].hidden();
      shard.dropped[k].resize(hidden.rows(), hidden.cols());
      for (Index t = 0; t < steps; ++t)
        shard.dropped[k]().middleRows(t * count, count) =
            hidden.middleRows(t * count, count).cwiseProduct(mask_rows(k, t));
    }
  }

  // Head on the top layer's last step, then the loss.
  const Index top_hidden = model_.top_hidden();
  const Index outputs = model_.outputs();
  const ConstMatrixMap<Scalar> w_head(params + model_.head_weight_offset(), top_hidden, outputs);
  const Eigen::Map<const RowVector<Scalar>> b_head(params + model_.head_bias_offset(), outputs);
  const auto last = shard.layers.back().hidden().bottomRows(count);
  auto y = output_().middleRows(shard.range.begin, count);
  y.noalias() = last * w_head;
  y.rowwise() += b_head;
  shard.dy.resize(count, outputs);
  shard.loss_sum = loss_.sum_and_gradient<Scalar>(y, target.middleRows(shard.range.begin, count), loss_scale,
                                                  shard.dy());

  // Backward: head, then the layers top down; each layer's dx, through the dropout mask, is the
  // gradient of the layer below's output at every step.
  MatrixMap<Scalar> dw_head(grad + model_.head_weight_offset(), top_hidden, outputs);
  Eigen::Map<RowVector<Scalar>> db_head(grad + model_.head_bias_offset(), outputs);
  dw_head.noalias() = last.transpose() * shard.dy();
  db_head.noalias() = shard.dy().colwise().sum();
  shard.dh_top.resize(count, top_hidden);
  shard.dh_top().noalias() = shard.dy() * w_head.transpose();
  for (std::size_t k = layers.size(); k-- > 0;) {
    const bool top = k + 1 == layers.size();
    const auto& dh = top ? shard.dh_top() : shard.layers[k + 1].dx();
    layers[k].backward(params + model_.layer_offset(k), layer_input(shard, k, x, sharded, dropout), count, dh,
                       shard.layers[k], grad + model_.layer_offset(k), k > 0);
    if (dropout && k > 0) {
      auto& dx = shard.layers[k].dx();
      for (Index t = 0; t < steps; ++t) dx.middleRows(t * count, count).array() *= mask_rows(k - 1, t).array();
    }
  }
}

template class Backprop<float>;
template class Backprop<double>;

}  // namespace lstmf
