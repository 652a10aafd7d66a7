#include <numeric>

#include <catch2/catch.hpp>

#include "lstmf/error.hpp"
#include "lstmf/windows.hpp"

using namespace lstmf;
using Catch::Contains;

namespace {
// rows x 2 columns: column 0 = row index, column 1 = 100 + row index.
MatrixF ramp(long rows) {
  MatrixF data(rows, 2);
  for (long r = 0; r < rows; ++r) data(r, 0) = static_cast<float>(r), data(r, 1) = static_cast<float>(100 + r);
  return data;
}
std::vector<long> all(const WindowSet& w) {
  std::vector<long> order(static_cast<size_t>(w.size()));
  std::iota(order.begin(), order.end(), 0L);
  return order;
}
}  // namespace

TEST_CASE("a chronological split keeps the newest rows for validation and test", "[windows]") {
  const Split split = split_rows(100, 0.2, 0.1, 5, 2, "s.csv");
  CHECK(split.rows == 100);
  CHECK(split.train_end == 70);
  CHECK(split.val_end == 90);
  // A tail shorter than one horizon would hold no window: it grows to the horizon.
  const Split monthly = split_rows(90, 0.1, 0.0, 24, 18, "s.csv");  // 10% = 9 rows < 18
  CHECK(monthly.train_end == 72);
  CHECK(monthly.val_end == 90);
  const Split both = split_parts(40, 0.1, 0.05, 6);
  CHECK(both.val_end - both.train_end == 6);
  CHECK(both.rows - both.val_end == 6);
  CHECK(split_parts(40, 0.0, 0.0, 6).train_end == 40);
}

TEST_CASE("a series too short for one window states the minimum length", "[windows]") {
  REQUIRE_THROWS_WITH(split_rows(10, 0.0, 0.0, 8, 3, "short.csv"),
                      Contains("short.csv has 10 rows, too short for one window") && Contains("need at least 11 rows"));
  // The validation tail holds at least one horizon (3 rows), so 8 + 3 training rows and 3 more.
  REQUIRE_THROWS_WITH(split_rows(12, 0.1, 0.0, 8, 3, "short.csv"),
                      Contains("the training part (9 rows after the held-out tails: validation 3 (val_fraction 0.1), "
                               "each at least one horizon) needs look-back 8 + horizon 3") &&
                          Contains("need at least 14 rows"));
  CHECK_THROWS(split_rows(13, 0.1, 0.0, 8, 3, "short.csv"));
  CHECK_NOTHROW(split_rows(14, 0.1, 0.0, 8, 3, "ok.csv"));
  // The stated minimum is the length from which every longer series fits, for any mix of settings
  // (rounding both tails up at once can make one length fit and the next not: 0.1 / 0.1, look-back
  // 11, horizon 1 fits 14 rows but not 15).
  CHECK_NOTHROW(split_rows(14, 0.1, 0.1, 11, 1, "s.csv"));
  REQUIRE_THROWS_WITH(split_rows(15, 0.1, 0.1, 11, 1, "s.csv"),
                      Contains("need at least 16 rows (though 14 rows fit too: the held-out tails, rounded to whole rows, do "
                               "not grow evenly with the length)"));
  // Named only below the given length, and only when one fits.
  REQUIRE_THROWS_WITH(split_rows(13, 0.1, 0.0, 8, 3, "short.csv"), !Contains("fit too"));
  long combinations = 0;
  for (const double val : {0.0, 0.05, 0.1, 0.15, 0.3, 0.45})
    for (const double test : {0.0, 0.05, 0.1, 0.2, 0.44})
      for (const int look_back : {1, 11, 13, 40})
        for (const int horizon : {1, 2, 3, 18}) {
          long stated = -1;
          try {
            split_rows(1, val, test, look_back, horizon, "s.csv");
          } catch (const InputError& e) {
            const std::string text = e.what();
            const size_t at = text.find("need at least ");
            REQUIRE(at != std::string::npos);
            stated = std::stol(text.substr(at + 14));
          }
          INFO("val " << val << " test " << test << " look-back " << look_back << " horizon " << horizon);
          REQUIRE(stated > 1);
          CHECK_THROWS(split_rows(stated - 1, val, test, look_back, horizon, "s.csv"));
          bool all_fit = true;
          for (long n = stated; n < stated + 200; ++n) {
            try {
              split_rows(n, val, test, look_back, horizon, "s.csv");
            } catch (const InputError&) {
              all_fit = false;
            }
          }
          CHECK(all_fit);
          ++combinations;
        }
  CHECK(combinations == 480);
  // Fractions that leave nothing to train on are refused, not searched for.
  REQUIRE_THROWS_WITH(split_rows(100, 0.6, 0.5, 3, 1, "s.csv"), Contains("must leave rows to train on"));
  CHECK_THROWS_AS(split_rows(100, 1e300, 0.0, 3, 1, "s.csv"), InputError);
  CHECK_NOTHROW(split_rows(11, 0.0, 0.0, 8, 3, "ok.csv"));
  CHECK_NOTHROW(split_rows(14, 0.2, 0.0, 8, 3, "ok.csv"));
}

TEST_CASE("windows are views gathered time-major into one batch buffer", "[windows]") {
  const MatrixF data = ramp(10);
  WindowSet windows(3, 2, 2, 1);  // look-back 3, horizon 2, inputs 2, 1 target
  const int block = windows.add_block(&data);
  windows.add_windows(block, 0, 10, 1);
  REQUIRE(windows.size() == 6);  // starts 0..5: targets up to row 9
  CHECK(windows[0].start == 0);
  CHECK(windows[5].start == 5);

  MatrixF x, y;
  const std::vector<long> order = {4, 1};
  windows.gather(order, 0, 2, x, y);
  REQUIRE(x.rows() == 6);
  REQUIRE(x.cols() == 2);
  // Row t*B + b holds step t of window b.
  CHECK(x(0, 0) == 4);   // t=0, window 4
  CHECK(x(1, 0) == 1);   // t=0, window 1
  CHECK(x(4, 0) == 6);   // t=2, window 4
  CHECK(x(5, 1) == 103); // t=2, window 1, column 1
  REQUIRE(y.rows() == 2);
  REQUIRE(y.cols() == 2);
  CHECK(y(0, 0) == 7);
  CHECK(y(0, 1) == 8);
  CHECK(y(1, 0) == 4);
  CHECK(y(1, 1) == 5);
}

TEST_CASE("windows of a part have their targets inside it, and stride counts back from the newest", "[windows]") {
  const MatrixF data = ramp(20);
  WindowSet validation(4, 2, 1, 1);
  const int block = validation.add_block(&data);
  validation.add_windows(block, 14, 20, 1);  // targets in rows 14..19
  REQUIRE(validation.size() == 5);
  CHECK(validation[0].start + 4 == 14);
  CHECK(validation[4].start + 4 + 2 == 20);

  WindowSet strided(4, 1, 1, 1);
  strided.add_block(&data);
  strided.add_windows(0, 0, 20, 3);
  REQUIRE(strided.size() == 6);               // starts 0,3,...,15
  CHECK(strided[5].start == 15);              // the newest window is always there
  CHECK(strided[0].start == 0);

  WindowSet none(4, 2, 1, 1);
  none.add_block(&data);
  none.add_windows(0, 19, 20, 1);  // a span of 1 row cannot hold horizon 2
  CHECK(none.empty());
}

TEST_CASE("multi-target windows lay targets out step-major", "[windows]") {
  const MatrixF data = ramp(8);
  WindowSet windows(2, 3, 2, 2);
  windows.add_block(&data);
  windows.add_windows(0, 0, 8, 1);
  MatrixF x, y;
  windows.gather(all(windows), 0, 1, x, y);
  REQUIRE(y.cols() == 6);
  // y(b, h*targets + k)
  CHECK(y(0, 0) == 2);
  CHECK(y(0, 1) == 102);
  CHECK(y(0, 4) == 4);
  CHECK(y(0, 5) == 104);
}

TEST_CASE("window normalisation makes inputs and targets relative to the last value or the season before", "[windows]") {
  const MatrixF data = ramp(20);  // target column 0 = row index, feature column 1 = 100 + row
  SECTION("last: the window's last target value is subtracted, features are left alone") {
    WindowSet w(4, 2, 2, 1);
    w.add_windows(w.add_block(&data), 0, 20, 1);
    w.set_normalisation({Normalise::last, 1});
    MatrixF x, y;
    w.gather(all(w), 0, 1, x, y);  // window at row 0: inputs rows 0..3, targets rows 4, 5
    CHECK(x(0, 0) == -3);          // row 0 - row 3
    CHECK(x(3, 0) == 0);
    CHECK(x(0, 1) == 100);         // the feature is not shifted
    CHECK(y(0, 0) == 1);           // row 4 - row 3
    CHECK(y(0, 1) == 2);
  }
  SECTION("season: targets relative to the value one season before (the seasonal naive forecast)") {
    WindowSet w(6, 5, 2, 1);
    w.add_windows(w.add_block(&data), 0, 20, 1);
    w.set_normalisation({Normalise::season, 4});
    MatrixF x, y;
    w.gather(all(w), 0, 1, x, y);  // inputs rows 0..5, targets rows 6..10; season 4
    CHECK(x(0, 0) == -5);          // inputs still relative to the last value (row 5)
    for (int h = 0; h < 5; ++h) CHECK(y(0, h) == 4 * (1 + h / 4));  // row 6+h minus row 2 + (h mod 4)
  }
}
