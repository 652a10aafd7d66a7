#include "lstmf/loss.hpp"

#include "lstmf/error.hpp"

namespace lstmf {

Loss::Loss(LossKind kind, double huber_delta) : kind_(kind), huber_delta_(huber_delta) {
  if (kind == LossKind::huber && !(huber_delta > 0))
    throw InputError("training.huber_delta must be > 0, got " + std::to_string(huber_delta));
}

template <typename Scalar>
double Loss::sum(const Eigen::Ref<const Matrix<Scalar>>& prediction,
                 const Eigen::Ref<const Matrix<Scalar>>& target) const {
  const auto e = (prediction - target).array();
  const Scalar delta = static_cast<Scalar>(huber_delta_);
  switch (kind_) {
    case LossKind::mse:
      return e.square().template cast<double>().sum();
    case LossKind::mae:
      return e.abs().template cast<double>().sum();
    case LossKind::huber:
      return (e.abs() < delta)
          .select(Scalar(0.5) * e.square(), delta * (e.abs() - Scalar(0.5) * delta))
          .template cast<double>()
          .sum();
  }
  return 0.0;
}

template <typename Scalar>
double Loss::sum_and_gradient(const Eigen::Ref<const Matrix<Scalar>>& prediction,
                              const Eigen::Ref<const Matrix<Scalar>>& target, Scalar scale,
                              Eigen::Ref<Matrix<Scalar>> gradient) const {
  // The difference goes into `gradient` first, then becomes the gradient in place.
  gradient = prediction - target;
  auto e = gradient.array();
  const Scalar delta = static_cast<Scalar>(huber_delta_);
  double total = 0.0;
  switch (kind_) {
    case LossKind::mse:
      total = e.square().template cast<double>().sum();
      e *= Scalar(2) * scale;
      break;
    case LossKind::mae:
      total = e.abs().template cast<double>().sum();
      e = scale * e.sign();
      break;
    case LossKind::huber:
      total = (e.abs() < delta)
                  .select(Scalar(0.5) * e.square(), delta * (e.abs() - Scalar(0.5) * delta))
                  .template cast<double>()
                  .sum();
      e = scale * e.max(-delta).min(delta);
      break;
  }
  return total;
}

template double Loss::sum(const Eigen::Ref<const Matrix<float>>&, const Eigen::Ref<const Matrix<float>>&) const;
template double Loss::sum(const Eigen::Ref<const Matrix<double>>&, const Eigen::Ref<const Matrix<double>>&) const;
template double Loss::sum_and_gradient(const Eigen::Ref<const Matrix<float>>&, const Eigen::Ref<const Matrix<float>>&,
                                       float, Eigen::Ref<Matrix<float>>) const;
template double Loss::sum_and_gradient(const Eigen::Ref<const Matrix<double>>&,
                                       const Eigen::Ref<const Matrix<double>>&, double,
                                       Eigen::Ref<Matrix<double>>) const;

}  // namespace lstmf
