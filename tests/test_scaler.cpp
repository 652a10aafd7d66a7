#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "lstmf/error.hpp"
#include "lstmf/scaler.hpp"

using namespace lstmf;
using Catch::Contains;

TEST_CASE("min-max scaling maps the fitted rows onto the feature range", "[scaler]") {
  MatrixD values(4, 2);
  values << 1, 10, 3, 10, 2, 10, 9, 10;
  MinMaxScaler scaler(-1, 1);
  scaler.fit(values, 3);  // the last row is not part of the fit
  SECTION("the fit uses the given rows only") {
    CHECK(scaler.data_min() == std::vector<double>{1, 10});
    CHECK(scaler.data_max() == std::vector<double>{3, 10});
  }
  SECTION("values map linearly, and beyond the range outside it") {
    const MatrixD scaled = scaler.transform(values);
    CHECK(scaled(0, 0) == -1);
    CHECK(scaled(1, 0) == 1);
    CHECK(scaled(2, 0) == 0);
    CHECK(scaled(3, 0) == 7);
  }
  SECTION("a constant column maps to the lower bound and back without dividing by zero") {
    const MatrixD scaled = scaler.transform(values);
    CHECK(scaled(0, 1) == -1);
    CHECK(scaler.inverse(scaled)(3, 1) == 10);
  }
  SECTION("the inverse undoes the transform") {
    const MatrixD back = scaler.inverse(scaler.transform(values));
    CHECK((back - values).cwiseAbs().maxCoeff() < 1e-12);
  }
}

TEST_CASE("a scaler round-trips through JSON and refuses broken ones", "[scaler]") {
  MatrixD values(3, 1);
  values << 0.1, 0.7, 0.3;
  MinMaxScaler scaler;
  scaler.fit(values, 3);
  const MinMaxScaler back = MinMaxScaler::from_json(nlohmann::json::parse(scaler.to_json().dump()), "m.json: scaler");
  CHECK(back.data_min() == scaler.data_min());
  CHECK(back.data_max() == scaler.data_max());
  CHECK(back.transform(0.5, 0) == scaler.transform(0.5, 0));

  auto broken = scaler.to_json();
  broken["data_min"] = {2.0};
  broken["data_max"] = {1.0};
  REQUIRE_THROWS_WITH(MinMaxScaler::from_json(broken, "m.json: scaler"),
                      Contains("m.json: scaler: data_min[0] = 2.0 exceeds data_max[0] = 1.0"));
  broken = scaler.to_json();
  broken["data_max"] = {1.0, 2.0};
  REQUIRE_THROWS_WITH(MinMaxScaler::from_json(broken, "s"), Contains("data_min has 1 value but data_max has 2"));
  broken = scaler.to_json();
  broken["feature_range"] = {1.0, 0.0};
  REQUIRE_THROWS_WITH(MinMaxScaler::from_json(broken, "s"),
                      Contains("feature_range must be [lo, hi] within -1e6 .. 1e6 with hi at least 0.001 above lo, and by a thousandth of the larger bound's magnitude, got [1.0,0.0]"));
  broken["feature_range"] = {0.0, 1e-300};
  REQUIRE_THROWS_WITH(MinMaxScaler::from_json(broken, "s"), Contains("hi at least 0.001 above lo"));
  broken["feature_range"] = {0.0, 1e7};
  REQUIRE_THROWS_WITH(MinMaxScaler::from_json(broken, "s"), Contains("within -1e6 .. 1e6"));
  broken = scaler.to_json();
  broken["data_max"] = {1e300};
  REQUIRE_THROWS_WITH(MinMaxScaler::from_json(broken, "s"),
                      Contains("data_max must hold numbers within +-1e100 (the values of a CSV series), got 1e+300"));
  broken = scaler.to_json();
  broken["data_min"] = {-1e101};
  REQUIRE_THROWS_WITH(MinMaxScaler::from_json(broken, "s"), Contains("data_min must hold numbers within +-1e100"));
  broken = scaler.to_json();
  broken["data_min"] = {"x"};
  REQUIRE_THROWS_WITH(MinMaxScaler::from_json(broken, "s"), Contains("data_min must hold finite numbers"));
  REQUIRE_THROWS_WITH(MinMaxScaler::from_json(nlohmann::json::array(), "s"), Contains("expected an object"));
}
