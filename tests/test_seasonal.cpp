// Seasonal adjustment: classical-decomposition indices, adjusting and restoring by phase, and the
// checkpoint's JSON of them.
#include <cmath>
#include <functional>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "lstmf/error.hpp"
#include "lstmf/seasonal.hpp"

using namespace lstmf;
using Catch::Matchers::Contains;
using nlohmann::json;

namespace {

// A season of period 4 (mean 0 additive pattern, mean 1 multiplicative one).
const std::vector<double> kAdditive = {-3, 1, 4, -2};
const std::vector<double> kMultiplicative = {0.8, 1.1, 1.3, 0.8};

// [rows, 2]: target y, then a feature column that must never change.
MatrixD series(long rows, bool multiplicative) {
  MatrixD values(rows, 2);
  for (long t = 0; t < rows; ++t) {
    const size_t p = static_cast<size_t>(t % 4);
    // A linear trend is its own centred moving average, so the additive indices come out exact;
    // a constant level does the same for the multiplicative ones.
    values(t, 0) = multiplicative ? 50 * kMultiplicative[p] : 10 + 0.5 * static_cast<double>(t) + kAdditive[p];
    values(t, 1) = 1000 + static_cast<double>(t);
  }
  return values;
}

}  // namespace

TEST_CASE("seasonal indices of an exact season come out exactly, normalised", "[seasonal]") {
  SECTION("additive: mean 0, the pattern itself") {
    const auto s = SeasonalAdjustment::estimate(SeasonalAdjust::additive, series(40, false), 40, 1, 4);
    REQUIRE(s.factors().size() == 1);
    for (size_t p = 0; p < 4; ++p) CHECK(s.factors()[0][p] == Approx(kAdditive[p]).margin(1e-12));
  }
  SECTION("multiplicative: mean 1, the pattern itself") {
    const auto s = SeasonalAdjustment::estimate(SeasonalAdjust::multiplicative, series(40, true), 40, 1, 4);
    for (size_t p = 0; p < 4; ++p) CHECK(s.factors()[0][p] == Approx(kMultiplicative[p]).epsilon(1e-12));
  }
  SECTION("an odd period uses a plain moving average") {
    MatrixD values(30, 1);
    const double pattern[3] = {1.5, 0.5, 1.0};
    for (long t = 0; t < 30; ++t) values(t, 0) = 7 * pattern[t % 3];
    const auto s = SeasonalAdjustment::estimate(SeasonalAdjust::multiplicative, values, 30, 1, 3);
    for (size_t p = 0; p < 3; ++p) CHECK(s.factors()[0][p] == Approx(pattern[p]).epsilon(1e-12));
  }
  SECTION("only the first `rows` rows are used") {
    MatrixD values = series(40, true);
    for (long t = 20; t < 40; ++t) values(t, 0) = 1e6;  // later rows must not leak in
    const auto s = SeasonalAdjustment::estimate(SeasonalAdjust::multiplicative, values, 20, 1, 4);
    for (size_t p = 0; p < 4; ++p) CHECK(s.factors()[0][p] == Approx(kMultiplicative[p]).epsilon(1e-12));
  }
}

TEST_CASE("adjusting removes the season by phase and restoring puts it back", "[seasonal]") {
  const MatrixD values = series(40, true);
  const auto s = SeasonalAdjustment::estimate(SeasonalAdjust::multiplicative, values, 40, 1, 4);
  const MatrixD adjusted = s.adjust(values, 0);
  for (long t = 0; t < 40; ++t) {
    CHECK(adjusted(t, 0) == Approx(50));              // the season is gone
    CHECK(adjusted(t, 1) == values(t, 1));            // features are left alone
    CHECK(s.restore(adjusted(t, 0), 0, t) == Approx(values(t, 0)));
  }
  SECTION("a history starting at another phase is adjusted from that phase") {
    const MatrixD later = values.bottomRows(13);  // row 0 is training row 27: phase 3
    const MatrixD adjusted_later = s.adjust(later, 27);
    for (long t = 0; t < 13; ++t) CHECK(adjusted_later(t, 0) == Approx(50));
    CHECK(s.adjust(later, 27 - 4 * 100)(0, 0) == Approx(50));  // whole seasons apart, any sign
  }
  SECTION("no adjustment leaves everything as it is") {
    const SeasonalAdjustment none;
    CHECK(none.empty());
    CHECK(none.adjust(values, 3) == values);
    CHECK(none.restore(2.5, 0, 7) == 2.5);
  }
}

TEST_CASE("seasonal adjustment refuses what it cannot estimate, saying why", "[seasonal]") {
  CHECK_THROWS_WITH(SeasonalAdjustment::estimate(SeasonalAdjust::multiplicative, series(7, true), 7, 1, 4),
                    Contains("two seasons of training rows (8), got 7"));
  CHECK_THROWS_WITH(SeasonalAdjustment::estimate(SeasonalAdjust::additive, series(40, false), 40, 1, 1),
                    Contains("seasonal period of 2 or more"));
  MatrixD values = series(40, true);
  values(5, 0) = 0;
  CHECK_THROWS_WITH(SeasonalAdjustment::estimate(SeasonalAdjust::multiplicative, values, 40, 1, 4),
                    Contains("targets > 0") && Contains("use additive"));
  // Additive works for any sign.
  values(5, 0) = -4;
  CHECK_NOTHROW(SeasonalAdjustment::estimate(SeasonalAdjust::additive, values, 40, 1, 4));
}

TEST_CASE("seasonal adjustment round-trips through JSON and its reader checks every field", "[seasonal]") {
  auto s = SeasonalAdjustment::estimate(SeasonalAdjust::multiplicative, series(40, true), 40, 1, 4);
  s.set_tail_phase(-1);  // phases are kept in [0, m)
  CHECK(s.tail_phase() == 3);
  const json j = s.to_json();
  const SeasonalAdjustment back = SeasonalAdjustment::from_json(j, 1, "m.json: seasonal_adjustment");
  CHECK(back.mode() == SeasonalAdjust::multiplicative);
  CHECK(back.period() == 4);
  CHECK(back.tail_phase() == 3);
  CHECK(back.factors() == s.factors());

  const auto refused = [&](const std::function<void(json&)>& edit, const std::string& message) {
    json bad = j;
    edit(bad);
    CHECK_THROWS_WITH(SeasonalAdjustment::from_json(bad, 1, "m.json: seasonal_adjustment"),
                      Contains("m.json: seasonal_adjustment: ") && Contains(message));
  };
  refused([](json& b) { b["mode"] = "cubic"; }, "mode must be \"multiplicative\" or \"additive\", got \"cubic\"");
  refused([](json& b) { b["period"] = 1; }, "period must be a whole number in [2, 100000], got 1");
  refused([](json& b) { b["tail_phase"] = 4; }, "tail_phase must be a whole number in [0, 3], got 4");
  refused([](json& b) { b["factors"][0].erase(0); }, "factors[0] must hold 4 numbers (one per phase)");
  refused([](json& b) { b["factors"][0][2] = -1.0; }, "factors[0] must hold finite numbers > 0, got -1.0");
  refused([](json& b) { b["factors"][0][2] = "x"; }, "finite numbers > 0, got \"x\"");
  refused([](json& b) { b.erase("factors"); }, "expected an object with mode, period, tail_phase and factors, and nothing else");
  refused([](json& b) { b["note"] = 1; }, "and nothing else");
  // estimate() normalises the indices; factors that do not (hand-edited) would scale every forecast.
  refused([](json& b) { for (auto& v : b["factors"][0]) v = 1e20; }, "factors[0] must average 1, got 1e+20");
  json additive = SeasonalAdjustment::estimate(SeasonalAdjust::additive, series(40, false), 40, 1, 4).to_json();
  CHECK(SeasonalAdjustment::from_json(additive, 1, "s").factors()[0].size() == 4);
  additive["factors"][0][0] = additive["factors"][0][0].get<double>() + 1;
  CHECK_THROWS_WITH(SeasonalAdjustment::from_json(additive, 1, "s"), Contains("factors[0] must average 0, got 0.25"));
  CHECK_THROWS_WITH(SeasonalAdjustment::from_json(j, 2, "s"), Contains("one row per target (2)"));
}

TEST_CASE("a straight line has multiplicative indices of 1 (the centred 2 x m moving average follows it)", "[seasonal]") {
  MatrixD v(16, 1);
  for (int t = 0; t < 16; ++t) v(t, 0) = 10 + t;
  const SeasonalAdjustment s = SeasonalAdjustment::estimate(SeasonalAdjust::multiplicative, v, 16, 1, 4);
  for (const double f : s.factors()[0]) CHECK(f == Approx(1.0).margin(1e-12));
}

TEST_CASE("seasonal indices are normalised: multiplicative ones average 1, additive ones 0", "[seasonal]") {
  // A curved trend, which the centred moving average overshoots (an exponential by a factor, a
  // quadratic by a constant), so the raw ratios average below 1 and the raw differences below 0:
  // the normalisation is what keeps the level (a mutant without it was caught only end to end).
  MatrixD times(48, 1), plus(48, 1);
  const double shape[4] = {1.3, 1.1, 1.0, 1.2};
  for (int t = 0; t < 48; ++t) {
    times(t, 0) = 100 * std::pow(1.15, t) * shape[t % 4];
    plus(t, 0) = 100 + 0.5 * t * t + 10 * shape[t % 4];
  }
  const auto mean_of = [](const std::vector<double>& f) {
    double sum = 0;
    for (const double v : f) sum += v;
    return sum / static_cast<double>(f.size());
  };
  const SeasonalAdjustment m = SeasonalAdjustment::estimate(SeasonalAdjust::multiplicative, times, 48, 1, 4);
  REQUIRE(m.factors().size() == 1);
  CHECK(mean_of(m.factors()[0]) == Approx(1.0).margin(1e-12));
  const SeasonalAdjustment a = SeasonalAdjustment::estimate(SeasonalAdjust::additive, plus, 48, 1, 4);
  CHECK(mean_of(a.factors()[0]) == Approx(0.0).margin(1e-9));
  // The shape survives the normalisation: ratios between positions as the series has them.
  CHECK(m.factors()[0][0] / m.factors()[0][2] == Approx(1.3).epsilon(0.02));
}

TEST_CASE("first_beyond names the first adjusted value past the bound, target by target", "[seasonal]") {
  MatrixD v(8, 2);
  for (int t = 0; t < 8; ++t) v(t, 0) = v(t, 1) = 10 + (t % 2 ? 2 : -2);  // season 2: indices 0.8, 1.2
  const SeasonalAdjustment s = SeasonalAdjustment::estimate(SeasonalAdjust::multiplicative, v, 8, 2, 2);
  CHECK_FALSE(s.first_beyond(v, 0, 1e100).has_value());
  MatrixD far = v;
  far(5, 1) = 1e100;   // row 5 (phase 1, index 1.2): within the bound adjusted
  far(6, 1) = 0.9e100;  // row 6 (phase 0, index 0.8): 1.125e100 adjusted
  far(7, 1) = std::nan("");
  const auto beyond = s.first_beyond(far, 0, 1e100);
  REQUIRE(beyond.has_value());
  CHECK(beyond->row == 6);
  CHECK(beyond->target == 1);
  CHECK(beyond->value == Approx(0.9e100 / s.factors()[1][0]));
  CHECK_FALSE(SeasonalAdjustment().first_beyond(far, 0, 1e100).has_value());  // none: nothing adjusted
}
