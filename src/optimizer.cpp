#include "lstmf/optimizer.hpp"

#include <cmath>
#include <sstream>

#include <nlohmann/json.hpp>

#include "lstmf/error.hpp"

namespace lstmf {

template <typename Scalar>
Optimizer<Scalar>::Optimizer(const TrainingConfig& config, Eigen::Index parameter_count)
    : kind_(config.optimizer),
      lr_(config.lr),
      beta1_(config.beta1),
      beta2_(config.beta2),
      eps_(config.eps),
      alpha_(config.alpha),
      momentum_(config.momentum),
      weight_decay_(config.weight_decay),
      centered_(config.centered) {
  const auto zeros = [&] { return Vector<Scalar>::Zero(parameter_count); };
  switch (kind_) {
    case OptimizerKind::adam:
      exp_avg_ = zeros();
      exp_avg_sq_ = zeros();
      break;
    case OptimizerKind::rmsprop:
      square_avg_ = zeros();
      if (centered_) grad_avg_ = zeros();
      if (momentum_ > 0) momentum_buffer_ = zeros();
      break;
    case OptimizerKind::sgd:
      if (momentum_ != 0) momentum_buffer_ = zeros();
      break;
  }
}

template <typename Scalar>
void Optimizer<Scalar>::add_weight_decay(const Vector<Scalar>& parameters, const Vector<Scalar>& grad) {
  decayed_grad_ = grad + static_cast<Scalar>(weight_decay_) * parameters;
}

template <typename Scalar>
void Optimizer<Scalar>::step(Vector<Scalar>& parameters, const Vector<Scalar>& grad) {
  ++steps_;
  if (weight_decay_ != 0) add_weight_decay(parameters, grad);
  const auto g = (weight_decay_ != 0 ? decayed_grad_ : grad).array();
  auto p = parameters.array();
  const auto S = [](double value) { return static_cast<Scalar>(value); };
  switch (kind_) {
    case OptimizerKind::adam: {
      const double t = static_cast<double>(steps_);
      const Scalar step_size = S(lr_ / (1.0 - std::pow(beta1_, t)));
      const Scalar bias_correction2_sqrt = S(std::sqrt(1.0 - std::pow(beta2_, t)));
      auto m = exp_avg_.array();
      auto v = exp_avg_sq_.array();
      m = m * S(beta1_) + g * S(1.0 - beta1_);
      v = v * S(beta2_) + g * g * S(1.0 - beta2_);
      p -= step_size * (m / (v.sqrt() / bias_correction2_sqrt + S(eps_)));
      break;
    }
    case OptimizerKind::rmsprop: {
      auto s = square_avg_.array();
      s = s * S(alpha_) + g * g * S(1.0 - alpha_);
      // avg = sqrt(s) + eps, or sqrt(s - a^2) + eps when centered; computed inside each update.
      const auto update = [&](const auto& avg) {
        if (momentum_ > 0) {
          auto buf = momentum_buffer_.array();
          buf = buf * S(momentum_) + g / avg;
          p -= S(lr_) * buf;
        } else {
          p -= S(lr_) * (g / avg);
        }
      };
      if (centered_) {
        auto a = grad_avg_.array();
        a = a * S(alpha_) + g * S(1.0 - alpha_);
        update((s - a * a).sqrt() + S(eps_));
      } else {
        update(s.sqrt() + S(eps_));
      }
      break;
    }
    case OptimizerKind::sgd: {
      if (momentum_ != 0) {
        auto buf = momentum_buffer_.array();
        if (steps_ == 1)
          buf = g;
        else
          buf = buf * S(momentum_) + g;
        p -= S(lr_) * buf;
      } else {
        p -= S(lr_) * g;
      }
      break;
    }
  }
}

template <typename Scalar>
nlohmann::json Optimizer<Scalar>::state_json(const ParameterLayout& layout) const {
  nlohmann::json out = {{"optimizer", to_string(kind_)}, {"step", steps_}, {"lr", lr_}};
  const auto put = [&](const char* name, const Vector<Scalar>& buffer) {
    if (buffer.size() > 0) out[name] = to_state_dict(layout, buffer.data());
  };
  put("exp_avg", exp_avg_);
  put("exp_avg_sq", exp_avg_sq_);
  put("square_avg", square_avg_);
  put("grad_avg", grad_avg_);
  put("momentum_buffer", momentum_buffer_);
  return out;
}

template <typename Scalar>
void Optimizer<Scalar>::load_state_json(const nlohmann::json& json, const ParameterLayout& layout,
                                        const std::string& where) {
  if (!json.is_object()) throw InputError(where + ": expected an object, got " + json.type_name());
  const auto kind = json.find("optimizer");
  if (kind == json.end() || !kind->is_string() || kind->get<std::string>() != to_string(kind_))
    throw InputError(where + ".optimizer: expected \"" + to_string(kind_) + "\", got " +
                     (kind == json.end() ? std::string("nothing") : kind->dump()));
  const auto step = json.find("step");
  if (step == json.end() || !step->is_number_integer() || step->get<long>() < 0)
    throw InputError(where + ".step: expected a count of steps, got " +
                     (step == json.end() ? std::string("nothing") : step->dump()));
  const auto lr = json.find("lr");
  if (lr == json.end() || !lr->is_number() || !(lr->get<double>() > 0))
    throw InputError(where + ".lr: expected a positive number, got " +
                     (lr == json.end() ? std::string("nothing") : lr->dump()));
  // Read into copies, so that a bad state leaves the optimizer as it was.
  Optimizer copy = *this;
  const auto get = [&](const char* name, Vector<Scalar>& buffer) {
    if (buffer.size() == 0) return;
    const auto found = json.find(name);
    if (found == json.end()) throw InputError(where + "." + name + ": missing");
    from_state_dict(layout, *found, where + "." + name, buffer.data());
  };
  // Running averages of squares are >= 0 by construction; a negative one (an edited file) makes
  // sqrt(v) NaN at the first step.
  const auto non_negative = [&](const char* name, const Vector<Scalar>& buffer) {
    for (Eigen::Index i = 0; i < buffer.size(); ++i)
      if (!(buffer[i] >= 0)) {
        std::ostringstream found;
        found << buffer[i];
        throw InputError(where + "." + name + ": a running average of squared gradients must be >= 0, found " +
                         found.str() + " at flat index " + std::to_string(i));
      }
  };
  get("exp_avg", copy.exp_avg_);
  get("exp_avg_sq", copy.exp_avg_sq_);
  non_negative("exp_avg_sq", copy.exp_avg_sq_);
  get("square_avg", copy.square_avg_);
  non_negative("square_avg", copy.square_avg_);
  get("grad_avg", copy.grad_avg_);
  get("momentum_buffer", copy.momentum_buffer_);
  copy.steps_ = step->get<long>();
  copy.lr_ = lr->get<double>();
  *this = std::move(copy);
}

template <typename Scalar>
double grad_norm(const Vector<Scalar>& grad) {
  return std::sqrt(grad.template cast<double>().squaredNorm());
}

template <typename Scalar>
double clip_grad_norm(Vector<Scalar>& grad, double max_norm) {
  const double norm = grad_norm(grad);
  const double coef = max_norm / (norm + 1e-6);
  if (coef < 1.0) grad *= static_cast<Scalar>(coef);
  return norm;
}

template class Optimizer<float>;
template class Optimizer<double>;
template double grad_norm(const Vector<float>&);
template double grad_norm(const Vector<double>&);
template double clip_grad_norm(Vector<float>&, double);
template double clip_grad_norm(Vector<double>&, double);

}  // namespace lstmf
