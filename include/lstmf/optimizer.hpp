// Optimizers with torch.optim's formulas and defaults (PyTorch 1.13), over the flat parameter
// buffer (model.hpp) in single vectorised passes. With g the gradient plus weight_decay * p:
//   Adam:    m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;
//            p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
//   RMSprop: s = alpha s + (1-alpha) g^2;  centered: a = alpha a + (1-alpha) g, s' = s - a^2;
//            d = sqrt(s') + eps;  momentum > 0: buf = momentum buf + g / d, p -= lr buf;
//            else p -= lr g / d
//   SGD:     momentum > 0: buf = g on the first step, then momentum buf + g; p -= lr buf;
//            else p -= lr g
// The state (step count, exp_avg, exp_avg_sq, square_avg, grad_avg, momentum_buffer) converts to
// and from JSON by parameter name, in PyTorch's shapes, for checkpoints that resume training.
#pragma once

#include <string>

#include <Eigen/Core>
#include <nlohmann/json_fwd.hpp>

#include "lstmf/config.hpp"
#include "lstmf/model.hpp"
#include "lstmf/tensor.hpp"

namespace lstmf {

template <typename Scalar>
class Optimizer {
 public:
  // Reads optimizer, lr, beta1, beta2, eps, alpha, momentum, centered and weight_decay.
  Optimizer(const TrainingConfig& config, Eigen::Index parameter_count);

  void step(Vector<Scalar>& parameters, const Vector<Scalar>& grad);

  OptimizerKind kind() const { return kind_; }
  double lr() const { return lr_; }
  void set_lr(double lr) { lr_ = lr; }  // for learning-rate schedules
  long steps() const { return steps_; }

  // {"optimizer": "adam", "step": 12, "lr": 0.001, "exp_avg": {state_dict}, "exp_avg_sq": {...}}
  // with the buffers the kind uses (state_dict: {parameter name: nested arrays}, model.hpp).
  nlohmann::json state_json(const ParameterLayout& layout) const;
  // InputError naming `where` for another optimizer kind, a missing buffer or a wrong shape.
  void load_state_json(const nlohmann::json& json, const ParameterLayout& layout, const std::string& where);

 private:
  void add_weight_decay(const Vector<Scalar>& parameters, const Vector<Scalar>& grad);

  OptimizerKind kind_;
  double lr_, beta1_, beta2_, eps_, alpha_, momentum_, weight_decay_;
  bool centered_;
  long steps_ = 0;
  Vector<Scalar> exp_avg_, exp_avg_sq_;               // Adam
  Vector<Scalar> square_avg_, grad_avg_;              // RMSprop (grad_avg when centered)
  Vector<Scalar> momentum_buffer_;                    // RMSprop and SGD with momentum
  Vector<Scalar> decayed_grad_;                       // grad + weight_decay * p, when weight_decay > 0
};

// torch.nn.utils.clip_grad_norm_ over the whole buffer: with n the L2 norm of `grad`, multiplies
// it by max_norm / (n + 1e-6) when that is below 1. Returns n (before clipping).
template <typename Scalar>
double clip_grad_norm(Vector<Scalar>& grad, double max_norm);

// The L2 norm, accumulated in double.
template <typename Scalar>
double grad_norm(const Vector<Scalar>& grad);

extern template class Optimizer<float>;
extern template class Optimizer<double>;

}  // namespace lstmf
