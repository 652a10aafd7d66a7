// The per-step matrix product of the LSTM time loops, C += A B or C += A B^T on row-major blocks,
// through Eigen's GEMM kernel with its packing buffers allocated once and kept. Eigen's own
// product allocates them for every call (on the heap once they pass 128 KB, e.g. hidden 128,
// batch 64), which the time loops must not do; prepare() sizes them before the loop.
// One Gemm serves one product shape; it is also the seam where a faster kernel (weights packed
// once per batch rather than once per step) can go.
#pragma once

#include <memory>

#include <Eigen/Core>

#include "lstmf/tensor.hpp"

namespace lstmf {

// Eigen sizes the blocks of its matrix products by the CPU's cache sizes, read with cpuid, and the
// block along the summed dimension sets the order of the float sums: the same build gave other
// weights and forecasts on a VM reporting a 32 KB L1 than on one reporting 48 KB (the bundled
// set's geometric-mean MASE 0.856 against 0.832). The library fixes them, once, before any product
// (at load time; Gemm calls it too): L1 48 KB, L2 2 MB, L3 32 MB, so that results depend on the
// build's instruction set only. It sets Eigen's process-wide sizes (Eigen::setCpuCacheSizes).
void fix_eigen_cache_sizes();

template <typename Scalar>
class Gemm {
 public:
  using ConstRef = Eigen::Ref<const Matrix<Scalar>>;
  using Ref = Eigen::Ref<Matrix<Scalar>>;

  Gemm();
  ~Gemm();
  Gemm(Gemm&&) noexcept;
  Gemm& operator=(Gemm&&) noexcept;

  // Packing buffers for products of [m, k] x [k, n]; a no-op when already sized for that shape.
  void prepare(Eigen::Index m, Eigen::Index n, Eigen::Index k);

  // c [m, n] += a [m, k] * b [k, n]
  void add_product(const ConstRef& a, const ConstRef& b, Ref c);
  // c [m, n] += a [m, k] * b^T, b [n, k]
  void add_product_transposed(const ConstRef& a, const ConstRef& b, Ref c);

 private:
  template <int RhsOrder>
  void add(const ConstRef& a, const ConstRef& b, Ref c);

  struct Blocking;
  std::unique_ptr<Blocking> blocking_;
  Eigen::Index m_ = -1, n_ = -1, k_ = -1;
};

extern template class Gemm<float>;
extern template class Gemm<double>;

}  // namespace lstmf
