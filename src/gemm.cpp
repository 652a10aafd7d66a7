#include "lstmf/gemm.hpp"

#include "lstmf/error.hpp"

namespace lstmf {

using Eigen::Index;

void fix_eigen_cache_sizes() {
  static const bool fixed = [] {
    Eigen::setCpuCacheSizes(48 << 10, 2 << 20, 32 << 20);
    return true;
  }();
  (void)fixed;
}

namespace {
// Before main, so that no product of any binary linking the library runs with the CPU's sizes.
const bool kCacheSizesFixed = (fix_eigen_cache_sizes(), true);
}  // namespace

// Eigen 3.4's internal GEMM interface (Eigen/src/Core/products/GeneralMatrixMatrix.h), as its own
// dense product uses it, minus the per-call buffer allocation and the OpenMP split (threads go to
// batch shards instead, model.hpp).
template <typename Scalar>
struct Gemm<Scalar>::Blocking {
  Eigen::internal::gemm_blocking_space<Eigen::RowMajor, Scalar, Scalar, Eigen::Dynamic, Eigen::Dynamic,
                                       Eigen::Dynamic>
      space;
  Blocking(Index m, Index n, Index k) : space(m, n, k, 1, true) { space.allocateAll(); }
};

template <typename Scalar>
Gemm<Scalar>::Gemm() {
  fix_eigen_cache_sizes();
}
template <typename Scalar>
Gemm<Scalar>::~Gemm() = default;
template <typename Scalar>
Gemm<Scalar>::Gemm(Gemm&&) noexcept = default;
template <typename Scalar>
Gemm<Scalar>& Gemm<Scalar>::operator=(Gemm&&) noexcept = default;

template <typename Scalar>
void Gemm<Scalar>::prepare(Index m, Index n, Index k) {
  if (blocking_ && m == m_ && n == n_ && k == k_) return;
  blocking_ = std::make_unique<Blocking>(m, n, k);
  m_ = m;
  n_ = n;
  k_ = k;
}

template <typename Scalar>
template <int RhsOrder>
void Gemm<Scalar>::add(const ConstRef& a, const ConstRef& b, Ref c) {
  // b is [k, n] read row-major, or b^T with b [n, k] stored row-major, i.e. read column-major.
  const Index n = RhsOrder == Eigen::RowMajor ? b.cols() : b.rows();
  const Index k = RhsOrder == Eigen::RowMajor ? b.rows() : b.cols();
  if (a.cols() != k || c.rows() != a.rows() || c.cols() != n) throw Error("Gemm: operand shapes do not fit");
  if (c.size() == 0 || k == 0) return;
  prepare(c.rows(), n, k);
  Eigen::internal::general_matrix_matrix_product<Index, Scalar, Eigen::RowMajor, false, Scalar, RhsOrder, false,
                                                 Eigen::RowMajor, 1>::run(c.rows(), n, k, a.data(), a.outerStride(),
                                                                          b.data(), b.outerStride(), c.data(), 1,
                                                                          c.outerStride(), Scalar(1),
                                                                          blocking_->space);
}

template <typename Scalar>
void Gemm<Scalar>::add_product(const ConstRef& a, const ConstRef& b, Ref c) {
  add<Eigen::RowMajor>(a, b, c);
}

template <typename Scalar>
void Gemm<Scalar>::add_product_transposed(const ConstRef& a, const ConstRef& b, Ref c) {
  add<Eigen::ColMajor>(a, b, c);
}

template class Gemm<float>;
template class Gemm<double>;

}  // namespace lstmf
