#include "lstmf/model.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

#include <nlohmann/json.hpp>

#include "lstmf/error.hpp"
#include "lstmf/parallel.hpp"

namespace lstmf {
namespace {

using Eigen::Index;

std::string shape_text(const std::vector<Index>& shape) {
  std::string out;
  for (const Index n : shape) {  // appended piece by piece: see in_quotes (error.cpp)
    out += '[';
    out += std::to_string(n);
    out += ']';
  }
  return out;
}

// The shape of nested JSON arrays as written ("[4][3]", "a number", "a ragged array", ...).
std::string json_shape_text(const nlohmann::json& json) {
  if (json.is_number()) return "a number";
  if (json.is_object()) return "an object";
  if (json.is_null()) return "null";
  if (!json.is_array()) return std::string("a ") + json.type_name();  // a string, a boolean
  if (json.empty()) return "[0]";
  // Each item's shape once: comparing every item with a second reading of the first doubled the
  // work per level (40 nested empty arrays in a weight took minutes; a fuzzing hunt).
  std::string inner;
  for (std::size_t i = 0; i < json.size(); ++i) {
    std::string shape = json_shape_text(json[i]);
    if (shape == "a ragged array" || (i > 0 && shape != inner)) return "a ragged array";
    if (i == 0) inner = std::move(shape);
  }
  return "[" + std::to_string(json.size()) + "]" + (inner == "a number" ? "" : inner);
}

// The first leaf of nested arrays that is not a number (nullptr when all are); its indices are
// appended to `path`.
const nlohmann::json* first_non_number(const nlohmann::json& json, std::string& path) {
  if (json.is_number()) return nullptr;
  if (!json.is_array()) return &json;
  for (std::size_t i = 0; i < json.size(); ++i) {
    std::string item_path = path + "[" + std::to_string(i) + "]";
    if (const nlohmann::json* found = first_non_number(json[i], item_path)) {
      path = std::move(item_path);
      return found;
    }
  }
  return nullptr;
}

// Reads one tensor in PyTorch's shape; appends a problem instead when it is malformed.
template <typename Scalar>
void read_tensor(const ParameterInfo& info, const nlohmann::json& json, const std::string& path, Scalar* flat,
                 std::vector<std::string>& problems) {
  std::string leaf_path = path;
  if (json.is_array()) {
    if (const nlohmann::json* bad = first_non_number(json, leaf_path)) {
      problems.push_back(leaf_path + ": expected a number, got " + printable(bad->dump(), 40));
      return;
    }
  }
  const std::string expected = shape_text(info.shape);
  const std::string got = json_shape_text(json);
  if (got != expected) {
    problems.push_back(path + ": expected " + expected + ", got " + got);
    return;
  }
  const Index cols = info.shape.size() == 2 ? info.shape[1] : 1;
  for (Index index = 0; index < info.size; ++index) {
    const nlohmann::json& value = info.shape.size() == 2 ? json[index / cols][index % cols] : json[index];
    const double number = value.get<double>();
    // The engine computes in Scalar (float): a weight beyond its range would be Inf after the cast,
    // and written back as null. Refused here, naming the element.
    if (!(std::abs(number) <= static_cast<double>(std::numeric_limits<Scalar>::max()))) {
      const std::string element =
          info.shape.size() == 2 ? "[" + std::to_string(index / cols) + "][" + std::to_string(index % cols) + "]"
                                 : "[" + std::to_string(index) + "]";
      problems.push_back(path + element + ": " + printable(value.dump(), 40) + " is beyond the range of a " +
                         (sizeof(Scalar) == 4 ? "float (|x| <= 3.4e38)" : "double"));
      return;
    }
    flat[info.storage_index(index)] = static_cast<Scalar>(number);
  }
}

// Modified Gram-Schmidt, twice over for orthogonality to working precision. Requires rows >= cols
// and full column rank (true with probability 1 for a normal matrix).
void orthonormalize_columns(Eigen::MatrixXd& q) {
  for (Index c = 0; c < q.cols(); ++c) {
    for (int pass = 0; pass < 2; ++pass)
      for (Index k = 0; k < c; ++k) q.col(c) -= q.col(k).dot(q.col(c)) * q.col(k);
    q.col(c) /= q.col(c).norm();
  }
}

// A float as JSON writes it short: the double nearest its shortest decimal form ("0.1" for 0.1f,
// which as a double prints 0.10000000149011612), when that double reads back as the same float;
// the float's own double otherwise (a decimal near the midpoint of two floats, or beyond FLT_MAX
// as a double). A checkpoint of
// 10,000 series took 3 GB at 17 digits a weight.
double json_number(float value) {
  char text[32];
  const auto written = std::to_chars(text, text + sizeof text, value);
  double shorter = 0;
  const auto read = std::from_chars(text, written.ptr, shorter);
  // (The range check: "3.4028235e+38" reads as a double above FLT_MAX, which loading refuses.)
  if (written.ec == std::errc() && read.ec == std::errc() && static_cast<float>(shorter) == value &&
      std::abs(shorter) <= std::numeric_limits<float>::max())
    return shorter;
  return static_cast<double>(value);
}
double json_number(double value) { return value; }

}  // namespace

template <typename Scalar>
nlohmann::json to_state_dict(const ParameterLayout& layout, const Scalar* flat) {
  nlohmann::json out = nlohmann::json::object();
  for (const ParameterInfo& info : layout) {
    nlohmann::json tensor = nlohmann::json::array();
    if (info.shape.size() == 1) {
      for (Index i = 0; i < info.size; ++i) tensor.push_back(json_number(flat[info.storage_index(i)]));
    } else {
      for (Index r = 0; r < info.shape[0]; ++r) {
        nlohmann::json row = nlohmann::json::array();
        for (Index c = 0; c < info.shape[1]; ++c)
          row.push_back(json_number(flat[info.storage_index(r * info.shape[1] + c)]));
        tensor.push_back(std::move(row));
      }
    }
    out[info.name] = std::move(tensor);
  }
  return out;
}

template <typename Scalar>
void from_state_dict(const ParameterLayout& layout, const nlohmann::json& json, const std::string& where,
                     Scalar* flat) {
  if (!json.is_object())
    throw InputError(where + ": expected an object of parameter tensors, got " + json.type_name());
  std::vector<std::string> problems;
  for (const auto& item : json.items()) {
    const bool known = std::any_of(layout.begin(), layout.end(),
                                   [&](const ParameterInfo& info) { return info.name == item.key(); });
    if (!known) problems.push_back(where + "." + printable(item.key(), 40) + ": unknown parameter for this model");
  }
  for (const ParameterInfo& info : layout) {
    const auto found = json.find(info.name);
    if (found == json.end())
      problems.push_back(where + "." + info.name + ": missing (expected " + shape_text(info.shape) + ")");
    else
      read_tensor(info, *found, where + "." + info.name, flat, problems);
  }
  if (!problems.empty()) {
    constexpr std::size_t kShown = 5;  // a message stays one readable line
    std::string message = problems.front();
    for (std::size_t i = 1; i < problems.size() && i < kShown; ++i) message += "; " + problems[i];
    if (problems.size() > kShown) message += "; and " + std::to_string(problems.size() - kShown) + " more problems";
    throw InputError(message);
  }
}

template <typename Scalar>
Model<Scalar>::Model(Index inputs, Index outputs, const ModelConfig& config)
    : inputs_(inputs), outputs_(outputs), config_(config) {
  if (inputs < 1) throw InputError("model: inputs must be >= 1, got " + std::to_string(inputs));
  if (outputs < 1) throw InputError("model: outputs must be >= 1, got " + std::to_string(outputs));
  if (config.hidden.empty()) throw InputError("model.hidden: at least one layer is needed");
  for (std::size_t k = 0; k < config.hidden.size(); ++k)
    if (config.hidden[k] < 1)
      throw InputError("model.hidden[" + std::to_string(k) + "] must be >= 1, got " +
                       std::to_string(config.hidden[k]));
  if (!(config.dropout >= 0.0 && config.dropout < 1.0))
    throw InputError("model.dropout must be in [0, 1), got " + std::to_string(config.dropout));

  Index offset = 0;
  const auto add = [&](std::string name, std::vector<Index> shape, Index at, bool transposed) {
    Index size = 1;
    for (const Index n : shape) size *= n;
    layout_.push_back({std::move(name), std::move(shape), at, size, transposed});
  };
  Index in = inputs;
  for (std::size_t k = 0; k < config.hidden.size(); ++k) {
    const Index hidden = config.hidden[k];
    layers_.emplace_back(in, hidden, config.cell_activation);
    const LstmLayer<Scalar>& layer = layers_.back();
    const std::string suffix = "_l" + std::to_string(k);
    layer_offsets_.push_back(offset);
    add("lstm.weight_ih" + suffix, {4 * hidden, in}, offset + layer.w_ih_offset(), true);
    add("lstm.weight_hh" + suffix, {4 * hidden, hidden}, offset + layer.w_hh_offset(), true);
    add("lstm.bias_ih" + suffix, {4 * hidden}, offset + layer.b_ih_offset(), false);
    add("lstm.bias_hh" + suffix, {4 * hidden}, offset + layer.b_hh_offset(), false);
    offset += layer.parameter_count();
    in = hidden;
  }
  head_weight_offset_ = offset;
  add("head.weight", {outputs, in}, offset, true);
  offset += outputs * in;
  add("head.bias", {outputs}, offset, false);
  offset += outputs;
  parameters_ = Vector<Scalar>::Zero(offset);
}

template <typename Scalar>
void Model<Scalar>::init(Rng& rng) {
  const auto uniform = [&](const ParameterInfo& info, double bound) {
    for (Index i = 0; i < info.size; ++i)
      parameters_[info.storage_index(i)] = static_cast<Scalar>(rng.uniform(-bound, bound));
  };
  for (std::size_t k = 0; k < layers_.size(); ++k) {
    const Index hidden = layers_[k].hidden_size();
    const double bound = 1.0 / std::sqrt(static_cast<double>(hidden));
    const ParameterInfo* tensors = &layout_[4 * k];  // weight_ih, weight_hh, bias_ih, bias_hh
    uniform(tensors[0], bound);
    if (config_.init == InitScheme::orthogonal) {
      // torch.nn.init.orthogonal_ on [4H, H]: the Q of the QR of a normal matrix, its column signs
      // those that make diag(R) positive, which is what Gram-Schmidt gives.
      const ParameterInfo& w = tensors[1];
      Eigen::MatrixXd q(w.shape[0], w.shape[1]);
      for (Index r = 0; r < q.rows(); ++r)
        for (Index c = 0; c < q.cols(); ++c) q(r, c) = rng.normal();
      orthonormalize_columns(q);
      for (Index r = 0; r < q.rows(); ++r)
        for (Index c = 0; c < q.cols(); ++c)
          parameters_[w.storage_index(r * q.cols() + c)] = static_cast<Scalar>(q(r, c));
    } else {
      uniform(tensors[1], bound);
    }
    uniform(tensors[2], bound);
    uniform(tensors[3], bound);
    if (config_.unit_forget_bias) {
      parameters_.segment(tensors[2].offset + hidden, hidden).setConstant(Scalar(1));
      parameters_.segment(tensors[3].offset + hidden, hidden).setZero();
    }
  }
  const double bound = 1.0 / std::sqrt(static_cast<double>(top_hidden()));
  uniform(layout_[layout_.size() - 2], bound);
  uniform(layout_[layout_.size() - 1], bound);
}

template <typename Scalar>
const ParameterInfo& Model<Scalar>::parameter(const std::string& name) const {
  for (const ParameterInfo& info : layout_)
    if (info.name == name) return info;
  throw InputError("no parameter named '" + name + "' in this model");
}

template <typename Scalar>
nlohmann::json Model<Scalar>::state_dict_json() const {
  return to_state_dict(layout_, parameters_.data());
}

template <typename Scalar>
void Model<Scalar>::load_state_dict(const nlohmann::json& json, const std::string& where) {
  Vector<Scalar> loaded = parameters_;
  from_state_dict(layout_, json, where, loaded.data());
  parameters_ = std::move(loaded);
}

template <typename Scalar>
Matrix<Scalar> Model<Scalar>::predict(const ConstMatrixRef<Scalar>& x, Index batch, int threads) const {
  Inference<Scalar> inference;
  return inference.run(*this, x, batch, threads);
}

int shard_count(int threads, Index batch) {
  return static_cast<int>(std::max<Index>(1, std::min<Index>(threads, batch)));
}

ShardRange shard_range(Index batch, int shards, int shard) {
  const Index begin = batch * shard / shards;
  return {begin, batch * (shard + 1) / shards - begin};
}

template <typename Scalar>
void copy_shard_rows(const ConstMatrixRef<Scalar>& x, Index batch, ShardRange range, Scratch<Scalar>& out) {
  const Index steps = x.rows() / batch;
  out.resize(steps * range.count, x.cols());
  for (Index t = 0; t < steps; ++t)
    out().middleRows(t * range.count, range.count) = x.middleRows(t * batch + range.begin, range.count);
}

template <typename Scalar>
const MatrixMap<Scalar>& Inference<Scalar>::run(const Model<Scalar>& model, const ConstMatrixRef<Scalar>& x,
                                               Index batch, int threads) {
  if (batch < 1 || x.rows() % batch != 0 || x.cols() != model.inputs())
    throw Error("Inference::run: x is [" + std::to_string(x.rows()) + ", " + std::to_string(x.cols()) +
                "], expected [T*" + std::to_string(batch) + ", " + std::to_string(model.inputs()) + "]");
  const auto& layers = model.layers();
  const Scalar* params = model.parameters().data();
  const int shards = shard_count(threads, batch);
  shards_.resize(static_cast<std::size_t>(shards));
  output_.resize(batch, model.outputs());
  const ConstMatrixMap<Scalar> w_head(params + model.head_weight_offset(), model.top_hidden(), model.outputs());
  const Eigen::Map<const RowVector<Scalar>> b_head(params + model.head_bias_offset(), model.outputs());

  const auto run_shard = [&](int s) {
    Shard& shard = shards_[static_cast<std::size_t>(s)];
    shard.range = shard_range(batch, shards, s);
    const Index count = shard.range.count;
    shard.layers.resize(layers.size());
    const auto run_layers = [&](const ConstMatrixRef<Scalar>& input) {
      for (std::size_t k = 0; k < layers.size(); ++k) {
        const bool keep_sequence = k + 1 < layers.size();
        if (k == 0)
          layers[k].infer(params + model.layer_offset(k), input, count, shard.layers[k], keep_sequence);
        else
          layers[k].infer(params + model.layer_offset(k), shard.layers[k - 1].sequence(), count, shard.layers[k],
                          keep_sequence);
      }
    };
    if (shards == 1) {
      run_layers(x);
    } else {
      copy_shard_rows(x, batch, shard.range, shard.x);
      run_layers(shard.x());
    }
    auto y = output_().middleRows(shard.range.begin, count);
    y.noalias() = shard.layers.back().h() * w_head;
    y.rowwise() += b_head;
  };
  parallel_for(shards, threads, run_shard);
  return output_();
}

template <typename Scalar>
template <typename Get>
Matrix<Scalar> Inference<Scalar>::gather_state(std::size_t layer, Get get) const {
  const auto& first = get(shards_.front().layers[layer]);
  Index batch = 0;
  for (const Shard& shard : shards_) batch += shard.range.count;
  Matrix<Scalar> out(batch, first.cols());
  for (const Shard& shard : shards_) out.middleRows(shard.range.begin, shard.range.count) = get(shard.layers[layer]);
  return out;
}

template <typename Scalar>
Matrix<Scalar> Inference<Scalar>::final_hidden(std::size_t layer) const {
  return gather_state(layer, [](const typename LstmLayer<Scalar>::State& state) -> const MatrixMap<Scalar>& {
    return state.h();
  });
}

template <typename Scalar>
Matrix<Scalar> Inference<Scalar>::final_cell(std::size_t layer) const {
  return gather_state(layer, [](const typename LstmLayer<Scalar>::State& state) -> const MatrixMap<Scalar>& {
    return state.c();
  });
}

template nlohmann::json to_state_dict(const ParameterLayout&, const float*);
template nlohmann::json to_state_dict(const ParameterLayout&, const double*);
template void from_state_dict(const ParameterLayout&, const nlohmann::json&, const std::string&, float*);
template void from_state_dict(const ParameterLayout&, const nlohmann::json&, const std::string&, double*);
template void copy_shard_rows(const ConstMatrixRef<float>&, Index, ShardRange, Scratch<float>&);
template void copy_shard_rows(const ConstMatrixRef<double>&, Index, ShardRange, Scratch<double>&);
template class Model<float>;
template class Model<double>;
template class Inference<float>;
template class Inference<double>;

}  // namespace lstmf
