// One LSTM layer, PyTorch's torch.nn.LSTM exactly (gate order i, f, g, o; zero initial state):
//   gates_t = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh        [B, 4H]
//   i = sigmoid(gates_i)  f = sigmoid(gates_f)  g = act(gates_g)  o = sigmoid(gates_o)
//   c_t = f * c_{t-1} + i * g
//   h_t = o * act(c_t)                                         act = tanh (default) or relu
// A batch is time-major, [T*B, features] with row t*B + b (tensor.hpp).
//
// The layer owns no parameters: it reads them from a block of a flat buffer (model.hpp), stored
// transposed from PyTorch so that every product is a plain row-major GEMM:
//   w_ih_t [in, 4H] = W_ih^T,  w_hh_t [H, 4H] = W_hh^T,  b_ih [4H],  b_hh [4H]   (in this order)
// Work per pass: one GEMM for the input projections of all steps ([T*B, in] x [in, 4H]), one
// recurrent GEMM per step, whole-block array expressions for the gate math; backward adds one
// product per step for the recurrent dh and computes the weight gradients as whole-sequence GEMMs.
// Workspaces are sized before the time loop, which allocates nothing.
#pragma once

#include <new>
#include <utility>

#include <Eigen/Core>

#include "lstmf/config.hpp"
#include "lstmf/gemm.hpp"
#include "lstmf/tensor.hpp"

namespace lstmf {

template <typename Scalar>
using MatrixMap = Eigen::Map<Matrix<Scalar>>;
template <typename Scalar>
using ConstMatrixMap = Eigen::Map<const Matrix<Scalar>>;
template <typename Scalar>
using MatrixRef = Eigen::Ref<Matrix<Scalar>>;
template <typename Scalar>
using ConstMatrixRef = Eigen::Ref<const Matrix<Scalar>>;

// Workspace storage that only grows: a view of the current shape over storage sized for the
// largest shape asked for so far, so a smaller batch (the last of an epoch) reallocates nothing.
template <typename Scalar>
class Scratch {
 public:
  Scratch() = default;
  Scratch(const Scratch& other) : storage_(other.storage_) { reseat(other.view_.rows(), other.view_.cols()); }
  Scratch& operator=(const Scratch& other) {
    storage_ = other.storage_;
    reseat(other.view_.rows(), other.view_.cols());
    return *this;
  }
  Scratch(Scratch&& other) noexcept : storage_(std::move(other.storage_)) {
    reseat(other.view_.rows(), other.view_.cols());
    other.reseat(0, 0);
  }
  Scratch& operator=(Scratch&& other) noexcept {
    storage_ = std::move(other.storage_);
    reseat(other.view_.rows(), other.view_.cols());
    other.reseat(0, 0);
    return *this;
  }

  void resize(Eigen::Index rows, Eigen::Index cols) {
    if (storage_.size() < rows * cols) storage_.resize(rows * cols);
    reseat(rows, cols);
  }
  MatrixMap<Scalar>& operator()() { return view_; }
  const MatrixMap<Scalar>& operator()() const { return view_; }

 private:
  // A Map is re-pointed by placement new (Eigen's documented way).
  void reseat(Eigen::Index rows, Eigen::Index cols) { new (&view_) MatrixMap<Scalar>(storage_.data(), rows, cols); }

  Vector<Scalar> storage_;
  MatrixMap<Scalar> view_{nullptr, 0, 0};
};

template <typename Scalar>
class LstmLayer {
 public:
  // What backward needs from forward, and backward's own workspace. T steps, batch B.
  struct Cache {
    Scratch<Scalar> gates;     // [T*B, 4H] i, f, g, o after their activations
    Scratch<Scalar> cell;      // [T*B, H]  c_t
    Scratch<Scalar> act_cell;  // [T*B, H]  act(c_t)
    Scratch<Scalar> hidden;    // [T*B, H]  h_t, the layer's output
    Scratch<Scalar> dgates;    // [T*B, 4H] d loss / d gate pre-activations
    Scratch<Scalar> dx;        // [T*B, in] d loss / d input
    Scratch<Scalar> dh;        // [B, H]    d loss / d h_t, carried back through time
    Scratch<Scalar> dc;        // [B, H]    d loss / d c_t, carried back through time
    Scratch<Scalar> bias;      // [1, 4H]   b_ih + b_hh
    Gemm<Scalar> recurrent;            // h_{t-1} W_hh^T
    Gemm<Scalar> recurrent_backward;   // d gates_t W_hh
  };

  // Inference workspace: no history, only the running state.
  struct State {
    Scratch<Scalar> gates;     // [T*B, 4H]
    Scratch<Scalar> sequence;  // [T*B, H] h_t of every step, when the layer above needs it
    Scratch<Scalar> h;         // [B, H] h_T after infer()
    Scratch<Scalar> c;         // [B, H] c_T after infer()
    Scratch<Scalar> bias;      // [1, 4H]
    Gemm<Scalar> recurrent;    // h_{t-1} W_hh^T
  };

  LstmLayer(Eigen::Index input_size, Eigen::Index hidden_size, CellActivation activation)
      : input_size_(input_size), hidden_size_(hidden_size), activation_(activation) {}

  Eigen::Index input_size() const { return input_size_; }
  Eigen::Index hidden_size() const { return hidden_size_; }
  CellActivation activation() const { return activation_; }
  // Length of the layer's block in the flat buffer: 4H * (in + H + 2).
  Eigen::Index parameter_count() const { return 4 * hidden_size_ * (input_size_ + hidden_size_ + 2); }
  // Offsets of w_ih_t, w_hh_t, b_ih, b_hh within the block.
  Eigen::Index w_ih_offset() const { return 0; }
  Eigen::Index w_hh_offset() const { return 4 * hidden_size_ * input_size_; }
  Eigen::Index b_ih_offset() const { return 4 * hidden_size_ * (input_size_ + hidden_size_); }
  Eigen::Index b_hh_offset() const { return b_ih_offset() + 4 * hidden_size_; }

  // x [T*B, in] -> cache.hidden() [T*B, H], keeping what backward needs. `params`: the layer's block.
  void forward(const Scalar* params, const ConstMatrixRef<Scalar>& x, Eigen::Index batch, Cache& cache) const;

  // Backpropagation through time, t = T-1 down to 0, per step on [B, H] blocks (elementwise
  // products; i, f, g, o the gate values forward kept; act'(y) the activation's slope from its own
  // output y: 1 - y^2 for tanh, [y > 0] for relu):
  //   dh_t  = dh (this step's, from above; at T-1 the head's) + dgates_{t+1} W_hh     (0 past T-1)
  //   dc_t  = dc_{t+1} * f_{t+1} + dh_t * o * act'(act(c_t))
  //   dgates_t = [di, df, dg, do] = [dc_t * g * i(1 - i),  dc_t * c_{t-1} * f(1 - f)  (0 at t = 0),
  //                                  dc_t * i * act'(g),   dh_t * act(c_t) * o(1 - o)]
  // then over the whole sequence (w_ih_t = W_ih^T, w_hh_t = W_hh^T as stored):
  //   d w_ih_t = x^T dgates      d w_hh_t = [h_0 .. h_{T-2}]^T [dgates_1 .. dgates_{T-1}]
  //   d b_ih = d b_hh = column sums of dgates      dx = dgates W_ih
  // dh: d loss / d h for every step ([T*B, H], from the layer above) or for the last step only
  // ([B, H], from the head). Writes (does not add) the layer's gradient into `grads` (a block laid
  // out like `params`) and, when `input_gradient`, d loss / d x into cache.dx() [T*B, in].
  void backward(const Scalar* params, const ConstMatrixRef<Scalar>& x, Eigen::Index batch,
                const ConstMatrixRef<Scalar>& dh, Cache& cache, Scalar* grads, bool input_gradient) const;

  // Inference: x [T*B, in] -> state.h() = h_T and state.c() = c_T [B, H]; with `keep_sequence`
  // also state.sequence() = h_t of every step [T*B, H].
  void infer(const Scalar* params, const ConstMatrixRef<Scalar>& x, Eigen::Index batch, State& state,
             bool keep_sequence) const;

 private:
  // gates [T*B, 4H] = x w_ih_t + (b_ih + b_hh): the input projections of every step in one GEMM.
  void project_inputs(const Scalar* params, const ConstMatrixRef<Scalar>& x, Scratch<Scalar>& bias,
                      MatrixMap<Scalar>& gates) const;
  template <typename Act>
  void forward_steps(const Scalar* params, Eigen::Index steps, Eigen::Index batch, Cache& cache) const;
  template <typename Act>
  void backward_steps(const Scalar* params, const ConstMatrixRef<Scalar>& dh, Eigen::Index steps,
                      Eigen::Index batch, Cache& cache) const;
  template <typename Act>
  void infer_steps(const Scalar* params, Eigen::Index steps, Eigen::Index batch, State& state,
                   bool keep_sequence) const;

  Eigen::Index input_size_;
  Eigen::Index hidden_size_;
  CellActivation activation_;
};

extern template class LstmLayer<float>;
extern template class LstmLayer<double>;

}  // namespace lstmf
