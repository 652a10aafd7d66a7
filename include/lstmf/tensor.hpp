// Matrix types shared by every module.
// Convention, everywhere in lstm-forecast: matrices are row-major. A batch of windows
// [batch, time, features] is stored time-major, flattened as [time*batch, features]: row t*B + b
// holds step t of window b, so the rows of one time step are one contiguous block.
#pragma once

#include <Eigen/Core>

namespace lstmf {

template <typename Scalar>
using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <typename Scalar>
using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;      // column vector
template <typename Scalar>
using RowVector = Eigen::Matrix<Scalar, 1, Eigen::Dynamic>;   // one row, e.g. a bias [4H]

using MatrixF = Matrix<float>;
using MatrixD = Matrix<double>;

}  // namespace lstmf
