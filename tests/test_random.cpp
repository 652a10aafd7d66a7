#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <numeric>
#include <set>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "lstmf/error.hpp"
#include "lstmf/random.hpp"

using namespace lstmf;

TEST_CASE("the generator gives xoshiro256** seeded by SplitMix64, the same on every platform", "[random][lstm]") {
  // Reference values from an independent implementation of both algorithms (Python integers).
  Rng rng(42);
  CHECK(rng.next() == 0x15780b2e0c2ec716ULL);
  CHECK(rng.next() == 0x6104d9866d113a7eULL);
  CHECK(rng.next() == 0xae17533239e499a1ULL);
  CHECK(rng.next() == 0xecb8ad4703b360a1ULL);
  Rng zero(0);
  CHECK(zero.uniform() == 0.6012629994179048);
  CHECK(zero.uniform() == 0.7477740925472398);
  CHECK(zero.uniform() == 0.10301998939503632);
}

TEST_CASE("uniform draws stay in their range and bounded integers cover it evenly", "[random][lstm]") {
  Rng rng(7);
  std::vector<int> counts(6, 0);
  for (int i = 0; i < 60000; ++i) {
    const double u = rng.uniform(-2.0, 3.0);
    REQUIRE(u >= -2.0);
    REQUIRE(u < 3.0);
    const auto k = rng.below(6);
    REQUIRE(k < 6);
    ++counts[k];
  }
  for (const int c : counts) CHECK(std::abs(c - 10000) < 500);
  double sum = 0, squares = 0;
  for (int i = 0; i < 20000; ++i) {
    const double z = rng.normal();
    sum += z;
    squares += z * z;
  }
  CHECK(std::abs(sum / 20000) < 0.05);
  CHECK(std::abs(squares / 20000 - 1.0) < 0.05);
}

TEST_CASE("shuffling gives a permutation that the seed determines", "[random][lstm]") {
  std::vector<long> a(100), b(100);
  std::iota(a.begin(), a.end(), 0L);
  std::iota(b.begin(), b.end(), 0L);
  Rng first(3), second(3);
  first.shuffle(a);
  second.shuffle(b);
  CHECK(a == b);
  std::vector<long> sorted = a;
  std::sort(sorted.begin(), sorted.end());
  for (long i = 0; i < 100; ++i) CHECK(sorted[static_cast<std::size_t>(i)] == i);
  CHECK(!std::is_sorted(a.begin(), a.end()));
}

TEST_CASE("the generator state round-trips through JSON and bad states are named", "[random][lstm]") {
  Rng rng(11);
  rng.next();
  const Rng restored = Rng::from_json(rng.to_json(), "state.rng");
  CHECK(restored == rng);
  Rng a = restored;
  CHECK(a.next() == rng.next());

  REQUIRE_THROWS_WITH(Rng::from_json(nlohmann::json::array({"1", "2"}), "state.rng"),
                      Catch::Contains("state.rng: expected 4 unsigned 64-bit integers"));
  REQUIRE_THROWS_WITH(Rng::from_json(nlohmann::json::array({"1", "2", "x3", "4"}), "state.rng"),
                      Catch::Contains("state.rng[2]") && Catch::Contains("\"x3\""));
  REQUIRE_THROWS_WITH(Rng::from_json(nlohmann::json::array({"1", "2", "-3", "4"}), "state.rng"),
                      Catch::Contains("state.rng[2]"));
  for (const char* text : {" 3", "+3", "3 ", "18446744073709551616", ""})  // digits alone, within 2^64 - 1
    CHECK_THROWS_WITH(Rng::from_json(nlohmann::json::array({"1", "2", text, "4"}), "state.rng"),
                      Catch::Contains("state.rng[2]"));
  CHECK_NOTHROW(Rng::from_json(nlohmann::json::array({"1", "2", "18446744073709551615", "4"}), "state.rng"));
  REQUIRE_THROWS_WITH(Rng::from_json(nlohmann::json::array({"0", "0", "0", "0"}), "state.rng"),
                      Catch::Contains("all-zero"));
  REQUIRE_THROWS_AS(Rng::from_json(nlohmann::json::array({1, 2, 3, 4}), "state.rng"), InputError);
}

TEST_CASE("ensemble members of different seeds are seeded apart, and seed 0's as 0, 1, 2, ...", "[random]") {
  for (int k = 0; k < 5; ++k) CHECK(member_seed(0, k) == static_cast<std::uint64_t>(k));
  CHECK(member_seed(1, 0) == 256);
  CHECK(member_seed(2, 3) == 515);
  // Seeds 0 .. 9, every member of the largest ensemble: all distinct.
  std::set<std::uint64_t> seen;
  for (std::uint64_t seed = 0; seed < 10; ++seed)
    for (int k = 0; k < kMaxMembers; ++k) CHECK(seen.insert(member_seed(seed, k)).second);
  // The top 8 bits come round: seeds 2^56 apart give different models (seed * 256 wrapped to one).
  CHECK(member_seed(std::uint64_t{1} << 56, 0) == 1);
  CHECK(member_seed(0, 0) != member_seed(std::uint64_t{1} << 56, 0));
  CHECK(member_seed(~std::uint64_t{0}, 0) == ~std::uint64_t{0});
  CHECK(member_seed(0x0123456789abcdefULL, 2) == 0x23456789abcdef01ULL + 2);
}
