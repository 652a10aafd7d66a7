#include <cmath>
#include <vector>

#include <catch2/catch.hpp>

#include "lstmf/theta.hpp"

using namespace lstmf;

namespace {

MatrixD column(const std::vector<double>& values) {
  MatrixD out(static_cast<long>(values.size()), 1);
  for (size_t t = 0; t < values.size(); ++t) out(static_cast<long>(t), 0) = values[t];
  return out;
}

}  // namespace

// The references come from bench/theta_replay.py's ses() and numpy.polyfit, an implementation of
// the same method written separately (README round 13), on the first rows of two bundled series.
TEST_CASE("Theta fits what the round-13 replay computes", "[theta]") {
  SECTION("shampoo's first 24 months: a trend") {
    const MatrixD x = column({266.0, 145.9, 183.1, 119.3, 180.3, 168.5, 231.8, 224.5, 192.8, 122.9, 336.5, 185.9,
                              194.3, 149.5, 210.1, 273.3, 191.4, 287.0, 226.0, 303.6, 289.9, 421.6, 264.5, 342.3});
    const Theta theta = Theta::fit(x, 0, x.rows());
    CHECK(theta.alpha == Approx(0.35).margin(1e-12));
    CHECK(theta.drift == Approx(3.267478260869562).epsilon(1e-12));
    CHECK(theta.rows == 24);
    const double level = theta.level(x, 0, 0, x.rows());
    CHECK(level == Approx(316.2868593025112).epsilon(1e-12));
    CHECK(theta.forecast(level, 1) == Approx(325.62220943589546).epsilon(1e-12));
    CHECK(theta.forecast(level, 2) == Approx(328.889687696765).epsilon(1e-12));
    CHECK(theta.forecast(level, 3) == Approx(332.15716595763456).epsilon(1e-12));
  }
  SECTION("female births' first 40 days: a noisy level, alpha from the fine grid") {
    const MatrixD x = column({35, 32, 30, 31, 44, 29, 45, 43, 38, 27, 38, 33, 55, 47, 45, 37, 50, 43, 41, 52,
                              34, 53, 39, 32, 37, 43, 39, 35, 44, 38, 24, 23, 31, 44, 38, 50, 38, 51, 31, 31});
    const Theta theta = Theta::fit(x, 0, x.rows());
    CHECK(theta.alpha == Approx(0.135).margin(1e-12));
    CHECK(theta.drift == Approx(0.005534709193246092).epsilon(1e-9));
    CHECK(theta.level(x, 0, 0, x.rows()) == Approx(37.800259076224435).epsilon(1e-12));
  }
}

TEST_CASE("Theta's alpha has the least one-step squared error of a fine scan", "[theta]") {
  // A season-free series with a level shift: x_t = 10 + (t >= 30) 5 + a fixed zig-zag.
  std::vector<double> values;
  for (int t = 0; t < 60; ++t) values.push_back(10 + (t >= 30 ? 5 : 0) + ((t * 7) % 5 - 2) * 0.8);
  const MatrixD x = column(values);
  const auto sse = [&](double alpha) {
    double level = values[0], total = 0;
    for (size_t t = 1; t < values.size(); ++t) {
      total += (values[t] - level) * (values[t] - level);
      level += alpha * (values[t] - level);
    }
    return total;
  };
  const Theta theta = Theta::fit(x, 0, x.rows());
  CHECK(theta.alpha >= 0.01);
  CHECK(theta.alpha <= 0.99);
  for (double alpha = 0.01; alpha <= 0.99; alpha += 0.001) CHECK(sse(theta.alpha) <= sse(alpha) * (1 + 1e-12));
}

TEST_CASE("Theta of a constant and of a straight line", "[theta]") {
  SECTION("a constant forecasts itself") {
    const MatrixD x = MatrixD::Constant(12, 1, 7.5);
    const Theta theta = Theta::fit(x, 0, 12);
    CHECK(theta.drift == 0);
    CHECK(theta.alpha == 0.01);  // every alpha fits exactly: the smallest is kept
    for (long h = 1; h <= 5; ++h) CHECK(theta.forecast(theta.level(x, 0, 4, 12), h) == 7.5);
  }
  SECTION("a line: half its slope per step, from a level that lags it") {
    std::vector<double> values;
    for (int t = 0; t < 20; ++t) values.push_back(5 + 2 * t);
    const MatrixD x = column(values);
    const Theta theta = Theta::fit(x, 0, 20);
    CHECK(theta.drift == Approx(1.0).epsilon(1e-12));
    CHECK(theta.alpha == Approx(0.99));  // the lag (1 - alpha) / alpha * 2 shrinks as alpha grows
    const double level = theta.level(x, 0, 0, 20);
    CHECK(theta.forecast(level, 3) - theta.forecast(level, 2) == Approx(1.0));
  }
  SECTION("huge values do not overflow the fit") {
    const MatrixD x = column({1e300, -1e300, 1e300, -1e300, 1e300, -1e300});
    const Theta theta = Theta::fit(x, 0, 6);
    CHECK(std::isfinite(theta.alpha));
    CHECK(std::isfinite(theta.drift));
    CHECK(theta.alpha == Approx(0.5).margin(0.5));
  }
}

TEST_CASE("Theta's level reads only the window's rows", "[theta]") {
  const MatrixD x = column({100, -100, 3, 4, 5, 6});
  const Theta theta{0.5, 0.0, 6};
  CHECK(theta.level(x, 0, 2, 6) == Approx(((3 * 0.5 + 4 * 0.5) * 0.5 + 5 * 0.5) * 0.5 + 6 * 0.5));
  CHECK(theta.level(x, 0, 5, 6) == 6);
}
