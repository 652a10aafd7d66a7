// gemm.hpp: the time loops' product C += A B and C += A B^T against Eigen's own product, in float
// and double, for shapes of the LSTM's steps (a batch of one to many rows, 4H columns) and the
// blocking's edges, on blocks of bigger buffers; products repeated on one Gemm accumulate.
#include <catch2/catch.hpp>

#include "lstmf/gemm.hpp"
#include "lstmf/random.hpp"

using namespace lstmf;

namespace {

template <typename Scalar>
Matrix<Scalar> random_block(Rng& rng, Eigen::Index rows, Eigen::Index cols) {
  Matrix<Scalar> m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = static_cast<Scalar>(rng.uniform(-1, 1));
  return m;
}

template <typename Scalar>
void check_shapes(double tolerance) {
  Rng rng(11);
  // m rows (batch), k summed (inputs or H), n columns (4H): small, odd, and past a cache block.
  const Eigen::Index shapes[][3] = {{1, 1, 1}, {1, 4, 3}, {7, 20, 5}, {64, 512, 128}, {33, 260, 300}};
  for (const auto& shape : shapes) {
    const Eigen::Index m = shape[0], n = shape[1], k = shape[2];
    const Matrix<Scalar> a = random_block<Scalar>(rng, m, k);
    const Matrix<Scalar> b = random_block<Scalar>(rng, k, n);
    const Matrix<Scalar> bt = b.transpose();
    const Matrix<Scalar> c0 = random_block<Scalar>(rng, m, n);
    Gemm<Scalar> gemm;
    gemm.prepare(m, n, k);
    Matrix<Scalar> c = c0;
    gemm.add_product(a, b, c);
    const Matrix<Scalar> want = c0 + a * b;
    INFO("shape " << m << " x " << k << " x " << n);
    CHECK((c - want).cwiseAbs().maxCoeff() <= tolerance * std::max<Scalar>(1, want.cwiseAbs().maxCoeff()));
    Matrix<Scalar> ct = c0;
    gemm.add_product_transposed(a, bt, ct);
    CHECK((ct - want).cwiseAbs().maxCoeff() <= tolerance * std::max<Scalar>(1, want.cwiseAbs().maxCoeff()));
    // Blocks of bigger matrices (the time loops pass rows t*B .. t*B+B-1 of a [T*B, 4H] buffer).
    Matrix<Scalar> big = Matrix<Scalar>::Zero(m + 2, n);
    gemm.add_product(a, b, big.middleRows(1, m));
    CHECK((big.middleRows(1, m) - a * b).cwiseAbs().maxCoeff() <= tolerance * std::max<Scalar>(1, (a * b).cwiseAbs().maxCoeff()));
    CHECK(big.row(0).isZero());
    CHECK(big.row(m + 1).isZero());
  }
}

}  // namespace

TEST_CASE("Gemm adds A B and A B^T as Eigen's product does, on blocks of the LSTM's shapes", "[gemm]") {
  check_shapes<double>(1e-12);
  check_shapes<float>(1e-5);
}

TEST_CASE("products repeated on one Gemm, sized on first use, accumulate into C", "[gemm]") {
  Rng rng(3);
  const MatrixD a = random_block<double>(rng, 8, 16), b = random_block<double>(rng, 16, 32);
  Gemm<double> gemm;
  MatrixD c = MatrixD::Zero(8, 32);
  for (int repeat = 0; repeat < 3; ++repeat) gemm.add_product(a, b, c);  // sized on first use
  CHECK((c - 3 * (a * b)).cwiseAbs().maxCoeff() < 1e-12);
}

TEST_CASE("Eigen's product blocking follows fixed cache sizes, not the CPU's", "[gemm]") {
  // The blocks along a product's summed dimension set the order of its float sums, so a cache size
  // read from the CPU would make the weights differ between machines of one instruction set.
  // The library fixes them before main; a Gemm fixes them too.
  CHECK(Eigen::l1CacheSize() == (48 << 10));
  CHECK(Eigen::l2CacheSize() == (2 << 20));
  CHECK(Eigen::l3CacheSize() == (32 << 20));
}
