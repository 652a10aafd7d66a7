// The forecasting network: a stack of LSTM layers (lstm.hpp, each with its own hidden size) and a
// dense head, torch.nn.Linear, on the top layer's hidden state at the last step:
//   y = h_T W_head^T + b_head                                   [B, O], O = horizon * targets
// Parameters are addressed by PyTorch's state_dict names and shapes (lstm.weight_ih_l0 [4H, in],
// lstm.weight_hh_l0 [4H, H], lstm.bias_ih_l0 [4H], lstm.bias_hh_l0 [4H], ..., head.weight [O, H],
// head.bias [O]) and stored in one contiguous buffer, in that order, with every matrix transposed
// (x W is then a plain product); conversion happens only on load and save. Optimizers, clipping
// and checkpoints walk the buffer and its layout uniformly.
// Matrices are row-major (tensor.hpp); a batch is time-major, x [T*B, inputs] with row t*B + b.
#pragma once

#include <string>
#include <vector>

#include <Eigen/Core>
#include <nlohmann/json_fwd.hpp>

#include "lstmf/config.hpp"
#include "lstmf/lstm.hpp"
#include "lstmf/random.hpp"
#include "lstmf/tensor.hpp"

namespace lstmf {

// One parameter tensor in the flat buffer.
struct ParameterInfo {
  std::string name;                 // PyTorch state_dict name, e.g. "lstm.weight_hh_l1"
  std::vector<Eigen::Index> shape;  // PyTorch shape: {rows, cols} or {size}
  Eigen::Index offset = 0;          // first element in the buffer
  Eigen::Index size = 0;            // number of elements
  bool transposed = false;          // a matrix stored as its transpose: (r, c) at offset + c * rows + r

  // Buffer position of element `index` of the tensor in PyTorch's row-major order.
  Eigen::Index storage_index(Eigen::Index index) const {
    if (!transposed) return offset + index;
    const Eigen::Index cols = shape[1];
    return offset + (index % cols) * shape[0] + index / cols;
  }
};

using ParameterLayout = std::vector<ParameterInfo>;

// A buffer laid out by `layout` as state_dict JSON: {name: nested arrays in PyTorch's shape}. A
// float is written in its shortest decimal form that reads back as the same float (9 digits at
// most), a double exactly.
template <typename Scalar>
nlohmann::json to_state_dict(const ParameterLayout& layout, const Scalar* flat);
// Reads such JSON into `flat`. Every name must be present and known, every shape right, every
// value a number; otherwise throws InputError listing each problem, e.g.
// "<where>.lstm.weight_hh_l1: expected [256][64], got [256][63]".
template <typename Scalar>
void from_state_dict(const ParameterLayout& layout, const nlohmann::json& json, const std::string& where,
                     Scalar* flat);

template <typename Scalar>
class Model {
 public:
  // All parameters zero; init() or load_state_dict() sets them. InputError for an invalid shape.
  Model(Eigen::Index inputs, Eigen::Index outputs, const ModelConfig& config);
  // The same model in another precision (float <-> double), values rounded.
  template <typename Other>
  explicit Model(const Model<Other>& other) : Model(other.inputs(), other.outputs(), other.config()) {
    parameters_ = other.parameters().template cast<Scalar>();
  }

  // PyTorch's default initialisation, drawn tensor by tensor in state_dict order: every LSTM
  // tensor uniform in +-1/sqrt(H), the head (nn.Linear) uniform in +-1/sqrt(H_top). Options from
  // the config: orthogonal weight_hh (torch.nn.init.orthogonal_, normals then QR) and a forget-gate
  // bias of 1 (bias_ih_f = 1, bias_hh_f = 0).
  void init(Rng& rng);

  Eigen::Index inputs() const { return inputs_; }
  Eigen::Index outputs() const { return outputs_; }
  const ModelConfig& config() const { return config_; }
  const std::vector<LstmLayer<Scalar>>& layers() const { return layers_; }
  Eigen::Index layer_offset(std::size_t layer) const { return layer_offsets_[layer]; }
  Eigen::Index top_hidden() const { return layers_.back().hidden_size(); }
  // Head, stored transposed: w_head_t [H_top, O] then b_head [O].
  Eigen::Index head_weight_offset() const { return head_weight_offset_; }
  Eigen::Index head_bias_offset() const { return head_weight_offset_ + top_hidden() * outputs_; }

  Vector<Scalar>& parameters() { return parameters_; }
  const Vector<Scalar>& parameters() const { return parameters_; }
  Eigen::Index parameter_count() const { return parameters_.size(); }
  const ParameterLayout& layout() const { return layout_; }
  // InputError when there is no such parameter.
  const ParameterInfo& parameter(const std::string& name) const;

  nlohmann::json state_dict_json() const;
  // Checks every name and shape (see from_state_dict); the model is unchanged when it throws.
  void load_state_dict(const nlohmann::json& json, const std::string& where);

  // Inference on one batch, x [T*B, in] time-major -> [B, O]; see Inference to reuse workspaces.
  Matrix<Scalar> predict(const ConstMatrixRef<Scalar>& x, Eigen::Index batch, int threads = 1) const;

 private:
  Eigen::Index inputs_;
  Eigen::Index outputs_;
  ModelConfig config_;
  std::vector<LstmLayer<Scalar>> layers_;
  std::vector<Eigen::Index> layer_offsets_;
  Eigen::Index head_weight_offset_ = 0;
  ParameterLayout layout_;
  Vector<Scalar> parameters_;
};

// How a batch is split over threads: shard s computes windows [begin, begin + count) on its own,
// with its own workspace. The split depends only on the thread count and the batch size, so
// results are identical for a given thread count.
struct ShardRange {
  Eigen::Index begin = 0;
  Eigen::Index count = 0;
};
int shard_count(int threads, Eigen::Index batch);
ShardRange shard_range(Eigen::Index batch, int shards, int shard);
// The rows of `range`'s windows from a time-major batch x [T*B, F], as [T*count, F].
template <typename Scalar>
void copy_shard_rows(const ConstMatrixRef<Scalar>& x, Eigen::Index batch, ShardRange range, Scratch<Scalar>& out);

// Batched inference without training caches. Keep one across calls: its workspaces grow to the
// largest batch seen and are reused.
template <typename Scalar>
class Inference {
 public:
  // x [T*B, in] time-major -> [B, O], the batch split over `threads` shards run in parallel.
  const MatrixMap<Scalar>& run(const Model<Scalar>& model, const ConstMatrixRef<Scalar>& x, Eigen::Index batch,
                               int threads = 1);
  // Final states of the last run, layer by layer: h_T and c_T, [B, H_k].
  Matrix<Scalar> final_hidden(std::size_t layer) const;
  Matrix<Scalar> final_cell(std::size_t layer) const;

 private:
  struct Shard {
    ShardRange range;
    Scratch<Scalar> x;
    std::vector<typename LstmLayer<Scalar>::State> layers;
  };
  template <typename Get>
  Matrix<Scalar> gather_state(std::size_t layer, Get get) const;

  std::vector<Shard> shards_;
  Scratch<Scalar> output_;
};

extern template class Model<float>;
extern template class Model<double>;
extern template class Inference<float>;
extern template class Inference<double>;

}  // namespace lstmf
