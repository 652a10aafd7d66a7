// Training losses between predictions and targets [B, O], as torch.nn.MSELoss, L1Loss and
// HuberLoss(delta) with reduction "mean" over all B*O elements. Per element, e = prediction - target:
//   mse:   e^2                       d/de = 2e
//   mae:   |e|                       d/de = sign(e)   (0 at e = 0, as torch)
//   huber: e^2 / 2       if |e| < delta,            d/de = e
//          delta * (|e| - delta / 2) otherwise,     d/de = delta * sign(e)
// The functions return the sum (callers divide by the element count, possibly of a larger batch
// than the rows they see, when a batch is split over threads).
// Matrices are row-major (tensor.hpp): one row per window of the batch.
#pragma once

#include <Eigen/Core>

#include "lstmf/config.hpp"
#include "lstmf/tensor.hpp"

namespace lstmf {

class Loss {
 public:
  explicit Loss(LossKind kind = LossKind::mse, double huber_delta = 1.0);

  LossKind kind() const { return kind_; }
  double huber_delta() const { return huber_delta_; }

  // Sum of the per-element losses.
  template <typename Scalar>
  double sum(const Eigen::Ref<const Matrix<Scalar>>& prediction, const Eigen::Ref<const Matrix<Scalar>>& target) const;
  // The same, and gradient = scale * d sum / d prediction (same shape as prediction).
  template <typename Scalar>
  double sum_and_gradient(const Eigen::Ref<const Matrix<Scalar>>& prediction,
                          const Eigen::Ref<const Matrix<Scalar>>& target, Scalar scale,
                          Eigen::Ref<Matrix<Scalar>> gradient) const;

 private:
  LossKind kind_;
  double huber_delta_;
};

}  // namespace lstmf
