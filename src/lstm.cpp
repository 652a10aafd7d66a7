#include "lstmf/lstm.hpp"

#include <cmath>
#include <type_traits>

namespace lstmf {

// The gate nonlinearities, vectorised, with absolute errors below 9e-8 in float (measured over
// [-12, 12]: sigmoid within 2.3 ulp, tanh within 4 ulp). Eigen's own float versions (rational
// approximations) err by up to 1.6e-7 (logistic) and 2.8e-7 (tanh, 4.7 ulp near +-1), enough for
// the float engine to drift past the PyTorch fixtures' tolerance where RMSprop normalises a tiny,
// cancellation-born gradient.
//   sigmoid(x) = 1 / (1 + exp(-x))
//   tanh(x)    = Eigen's approximation for |x| < 0.55 (accurate relative to small values),
//                else sign(x) * (1 - 2 / (1 + exp(2|x|)))
template <typename Scalar>
struct SigmoidOp {
  Scalar operator()(const Scalar& x) const { return Scalar(1) / (Scalar(1) + std::exp(-x)); }
  template <typename Packet>
  Packet packetOp(const Packet& x) const {
    using namespace Eigen::internal;
    const Packet one = pset1<Packet>(Scalar(1));
    return pdiv(one, padd(one, pexp(pnegate(x))));
  }
};

template <typename Scalar>
struct TanhOp {
  Scalar operator()(const Scalar& x) const { return std::tanh(x); }
  template <typename Packet>
  Packet packetOp(const Packet& x) const {
    using namespace Eigen::internal;
    const Packet one = pset1<Packet>(Scalar(1));
    const Packet two = pset1<Packet>(Scalar(2));
    const Packet magnitude = pabs(x);
    const Packet large = psub(one, pdiv(two, padd(one, pexp(padd(magnitude, magnitude)))));
    const Packet signed_large = pselect(pcmp_lt(x, pzero(x)), pnegate(large), large);
    return pselect(pcmp_lt(magnitude, pset1<Packet>(Scalar(0.55))), ptanh(x), signed_large);
  }
};

}  // namespace lstmf

namespace Eigen::internal {
template <typename Scalar>
struct functor_traits<lstmf::SigmoidOp<Scalar>> {
  enum {
    Cost = 3 * NumTraits<Scalar>::AddCost + functor_traits<scalar_exp_op<Scalar>>::Cost +
           scalar_div_cost<Scalar, packet_traits<Scalar>::HasDiv>::value,
    PacketAccess = packet_traits<Scalar>::HasExp && packet_traits<Scalar>::HasDiv
  };
};
// Vectorised for float only: Eigen 3.4 has no packet tanh for double (the double engine serves
// gradient checks, where speed does not matter).
template <typename Scalar>
struct functor_traits<lstmf::TanhOp<Scalar>> {
  enum {
    Cost = 2 * functor_traits<scalar_exp_op<Scalar>>::Cost + 10 * NumTraits<Scalar>::AddCost,
    PacketAccess = std::is_same<Scalar, float>::value && packet_traits<Scalar>::HasTanh &&
                   packet_traits<Scalar>::HasExp && packet_traits<Scalar>::HasDiv
  };
};
}  // namespace Eigen::internal

namespace lstmf {
namespace {

using Eigen::Index;

// Cell activations, with the derivative written in terms of the output y = act(x), which is what
// the cache keeps: tanh' = 1 - y^2, relu' = [y > 0] (y > 0 exactly when x > 0).
template <typename Scalar>
struct TanhCell {
  template <typename X>
  static auto value(const X& x) { return x.unaryExpr(TanhOp<Scalar>()); }
  template <typename Y>
  static auto slope(const Y& y) { return Scalar(1) - y.square(); }
};

template <typename Scalar>
struct ReluCell {
  template <typename X>
  static auto value(const X& x) { return x.max(Scalar(0)); }
  template <typename Y>
  static auto slope(const Y& y) { return (y > Scalar(0)).template cast<Scalar>(); }
};

// Gate pre-activations [B, 4H] -> i, f, g, o in place.
template <typename Act, typename Block>
void activate_gates(Block&& gates, Index hidden) {
  using Scalar = typename std::decay_t<Block>::Scalar;
  gates.leftCols(2 * hidden).array() = gates.leftCols(2 * hidden).array().unaryExpr(SigmoidOp<Scalar>());
  gates.middleCols(2 * hidden, hidden).array() = Act::value(gates.middleCols(2 * hidden, hidden).array());
  gates.rightCols(hidden).array() = gates.rightCols(hidden).array().unaryExpr(SigmoidOp<Scalar>());
}

template <typename Scalar>
using RowVectorMap = Eigen::Map<RowVector<Scalar>>;
template <typename Scalar>
using ConstRowVectorMap = Eigen::Map<const RowVector<Scalar>>;

}  // namespace

template <typename Scalar>
void LstmLayer<Scalar>::project_inputs(const Scalar* params, const ConstMatrixRef<Scalar>& x, Scratch<Scalar>& bias,
                                       MatrixMap<Scalar>& gates) const {
  const Index width = 4 * hidden_size_;
  bias.resize(1, width);
  bias() = ConstRowVectorMap<Scalar>(params + b_ih_offset(), width) +
           ConstRowVectorMap<Scalar>(params + b_hh_offset(), width);
  gates.noalias() = x * ConstMatrixMap<Scalar>(params + w_ih_offset(), input_size_, width);
  gates.rowwise() += bias().row(0);
}

template <typename Scalar>
void LstmLayer<Scalar>::forward(const Scalar* params, const ConstMatrixRef<Scalar>& x, Index batch,
                                Cache& cache) const {
  const Index hidden = hidden_size_;
  const Index rows = x.rows();
  cache.gates.resize(rows, 4 * hidden);
  cache.cell.resize(rows, hidden);
  cache.act_cell.resize(rows, hidden);
  cache.hidden.resize(rows, hidden);

  project_inputs(params, x, cache.bias, cache.gates());
  if (activation_ == CellActivation::tanh)
    forward_steps<TanhCell<Scalar>>(params, rows / batch, batch, cache);
  else
    forward_steps<ReluCell<Scalar>>(params, rows / batch, batch, cache);
}

template <typename Scalar>
template <typename Act>
void LstmLayer<Scalar>::forward_steps(const Scalar* params, Index steps, Index batch, Cache& cache) const {
  const Index hidden = hidden_size_;
  const ConstMatrixMap<Scalar> w_hh(params + w_hh_offset(), hidden, 4 * hidden);
  auto& all_gates = cache.gates();
  auto& cell = cache.cell();
  auto& act_cell = cache.act_cell();
  auto& out = cache.hidden();
  cache.recurrent.prepare(batch, 4 * hidden, hidden);
  for (Index t = 0; t < steps; ++t) {
    auto gates = all_gates.middleRows(t * batch, batch);
    if (t > 0) cache.recurrent.add_product(out.middleRows((t - 1) * batch, batch), w_hh, gates);
    activate_gates<Act>(gates, hidden);
    const auto i = gates.leftCols(hidden).array();
    const auto f = gates.middleCols(hidden, hidden).array();
    const auto g = gates.middleCols(2 * hidden, hidden).array();
    const auto o = gates.rightCols(hidden).array();
    auto c = cell.middleRows(t * batch, batch).array();
    if (t == 0)
      c = i * g;
    else
      c = f * cell.middleRows((t - 1) * batch, batch).array() + i * g;
    auto act_c = act_cell.middleRows(t * batch, batch).array();
    act_c = Act::value(c);
    out.middleRows(t * batch, batch).array() = o * act_c;
  }
}

template <typename Scalar>
void LstmLayer<Scalar>::backward(const Scalar* params, const ConstMatrixRef<Scalar>& x, Index batch,
                                 const ConstMatrixRef<Scalar>& dh, Cache& cache, Scalar* grads,
                                 bool input_gradient) const {
  const Index hidden = hidden_size_;
  const Index rows = x.rows();
  const Index steps = rows / batch;
  cache.dgates.resize(rows, 4 * hidden);
  cache.dh.resize(batch, hidden);
  cache.dc.resize(batch, hidden);
  if (activation_ == CellActivation::tanh)
    backward_steps<TanhCell<Scalar>>(params, dh, steps, batch, cache);
  else
    backward_steps<ReluCell<Scalar>>(params, dh, steps, batch, cache);

  // Weight gradients over the whole sequence at once.
  const auto& dgates = cache.dgates();
  MatrixMap<Scalar> dw_ih(grads + w_ih_offset(), input_size_, 4 * hidden);
  MatrixMap<Scalar> dw_hh(grads + w_hh_offset(), hidden, 4 * hidden);
  RowVectorMap<Scalar> db_ih(grads + b_ih_offset(), 4 * hidden);
  RowVectorMap<Scalar> db_hh(grads + b_hh_offset(), 4 * hidden);
  dw_ih.noalias() = x.transpose() * dgates;
  // h_{t-1} for t = 1 .. T-1 are rows [0, (T-1)*B) of the output; h_{-1} = 0 contributes nothing.
  const Index recurrent_rows = (steps - 1) * batch;
  if (recurrent_rows > 0)
    dw_hh.noalias() = cache.hidden().topRows(recurrent_rows).transpose() * dgates.bottomRows(recurrent_rows);
  else
    dw_hh.setZero();
  db_ih.noalias() = dgates.colwise().sum();
  db_hh = db_ih;
  if (input_gradient) {
    const ConstMatrixMap<Scalar> w_ih(params + w_ih_offset(), input_size_, 4 * hidden);
    cache.dx.resize(rows, input_size_);
    cache.dx().noalias() = dgates * w_ih.transpose();
  }
}

template <typename Scalar>
template <typename Act>
void LstmLayer<Scalar>::backward_steps(const Scalar* params, const ConstMatrixRef<Scalar>& dh_in, Index steps,
                                       Index batch, Cache& cache) const {
  const Index hidden = hidden_size_;
  const ConstMatrixMap<Scalar> w_hh(params + w_hh_offset(), hidden, 4 * hidden);
  const auto& all_gates = cache.gates();
  const auto& cell = cache.cell();
  const auto& act_cell = cache.act_cell();
  auto& dgates = cache.dgates();
  auto& dh = cache.dh();  // d loss / d h_t, all paths
  auto& dc = cache.dc();  // d loss / d c_t, all paths
  const bool every_step = dh_in.rows() == steps * batch;
  if (every_step)
    dh.setZero();
  else
    dh = dh_in;
  dc.setZero();
  cache.recurrent_backward.prepare(batch, hidden, 4 * hidden);
  for (Index t = steps - 1; t >= 0; --t) {
    if (every_step) dh += dh_in.middleRows(t * batch, batch);
    const auto gates = all_gates.middleRows(t * batch, batch);
    const auto i = gates.leftCols(hidden).array();
    const auto f = gates.middleCols(hidden, hidden).array();
    const auto g = gates.middleCols(2 * hidden, hidden).array();
    const auto o = gates.rightCols(hidden).array();
    const auto act_c = act_cell.middleRows(t * batch, batch).array();
    auto d = dgates.middleRows(t * batch, batch);
    dc.array() += dh.array() * o * Act::slope(act_c);
    d.rightCols(hidden).array() = dh.array() * act_c * o * (Scalar(1) - o);
    d.leftCols(hidden).array() = dc.array() * g * i * (Scalar(1) - i);
    d.middleCols(2 * hidden, hidden).array() = dc.array() * i * Act::slope(g);
    if (t > 0)
      d.middleCols(hidden, hidden).array() =
          dc.array() * cell.middleRows((t - 1) * batch, batch).array() * f * (Scalar(1) - f);
    else
      d.middleCols(hidden, hidden).setZero();
    dc.array() *= f;
    if (t > 0) {
      dh.setZero();
      cache.recurrent_backward.add_product_transposed(d, w_hh, dh);
    }
  }
}

template <typename Scalar>
void LstmLayer<Scalar>::infer(const Scalar* params, const ConstMatrixRef<Scalar>& x, Index batch, State& state,
                              bool keep_sequence) const {
  const Index hidden = hidden_size_;
  const Index rows = x.rows();
  state.gates.resize(rows, 4 * hidden);
  state.h.resize(batch, hidden);
  state.c.resize(batch, hidden);
  if (keep_sequence) state.sequence.resize(rows, hidden);

  project_inputs(params, x, state.bias, state.gates());
  if (activation_ == CellActivation::tanh)
    infer_steps<TanhCell<Scalar>>(params, rows / batch, batch, state, keep_sequence);
  else
    infer_steps<ReluCell<Scalar>>(params, rows / batch, batch, state, keep_sequence);
}

template <typename Scalar>
template <typename Act>
void LstmLayer<Scalar>::infer_steps(const Scalar* params, Index steps, Index batch, State& state,
                                    bool keep_sequence) const {
  const Index hidden = hidden_size_;
  const ConstMatrixMap<Scalar> w_hh(params + w_hh_offset(), hidden, 4 * hidden);
  auto& all_gates = state.gates();
  auto& h = state.h();
  auto& c = state.c();
  auto& sequence = state.sequence();
  state.recurrent.prepare(batch, 4 * hidden, hidden);
  for (Index t = 0; t < steps; ++t) {
    auto gates = all_gates.middleRows(t * batch, batch);
    if (t > 0) {
      if (keep_sequence)
        state.recurrent.add_product(sequence.middleRows((t - 1) * batch, batch), w_hh, gates);
      else
        state.recurrent.add_product(h, w_hh, gates);
    }
    activate_gates<Act>(gates, hidden);
    const auto i = gates.leftCols(hidden).array();
    const auto f = gates.middleCols(hidden, hidden).array();
    const auto g = gates.middleCols(2 * hidden, hidden).array();
    const auto o = gates.rightCols(hidden).array();
    if (t == 0)
      c.array() = i * g;
    else
      c.array() = f * c.array() + i * g;
    if (keep_sequence)
      sequence.middleRows(t * batch, batch).array() = o * Act::value(c.array());
    else
      h.array() = o * Act::value(c.array());
  }
  if (keep_sequence) h = sequence.bottomRows(batch);
}

template class LstmLayer<float>;
template class LstmLayer<double>;

}  // namespace lstmf
