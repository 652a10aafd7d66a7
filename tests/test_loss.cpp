#include <catch2/catch.hpp>

#include "lstmf/error.hpp"
#include "lstmf/loss.hpp"

using namespace lstmf;

namespace {

MatrixD row(std::initializer_list<double> values) {
  MatrixD m(1, static_cast<Eigen::Index>(values.size()));
  Eigen::Index i = 0;
  for (const double v : values) m(0, i++) = v;
  return m;
}

}  // namespace

TEST_CASE("losses sum torch's per-element losses and give their gradient", "[loss][lstm]") {
  const MatrixD prediction = row({1.0, -2.0, 0.25, 3.0});
  const MatrixD target = row({0.0, 0.0, 0.25, 0.5});  // e = 1, -2, 0, 2.5
  MatrixD grad(1, 4);

  SECTION("mse is e^2 with gradient 2e") {
    const Loss loss(LossKind::mse);
    CHECK(loss.sum<double>(prediction, target) == Approx(1 + 4 + 0 + 6.25));
    CHECK(loss.sum_and_gradient<double>(prediction, target, 0.5, grad) == Approx(11.25));
    CHECK(grad == row({1.0, -2.0, 0.0, 2.5}));
  }
  SECTION("mae is |e| with gradient sign(e), 0 at e = 0") {
    const Loss loss(LossKind::mae);
    CHECK(loss.sum_and_gradient<double>(prediction, target, 1.0, grad) == Approx(5.5));
    CHECK(grad == row({1.0, -1.0, 0.0, 1.0}));
  }
  SECTION("huber is quadratic inside delta and linear outside") {
    const Loss loss(LossKind::huber, 1.5);
    // 0.5*1, 1.5*(2-0.75), 0, 1.5*(2.5-0.75)
    CHECK(loss.sum_and_gradient<double>(prediction, target, 1.0, grad) == Approx(0.5 + 1.875 + 0 + 2.625));
    CHECK(grad == row({1.0, -1.5, 0.0, 1.5}));
    CHECK(loss.sum<double>(prediction, target) == Approx(5.0));
  }
}

TEST_CASE("a huber loss needs a positive delta", "[loss][lstm]") {
  REQUIRE_THROWS_WITH(Loss(LossKind::huber, 0.0), Catch::Contains("training.huber_delta must be > 0, got 0"));
}
