// The one random generator of lstm-forecast: initialisation, dropout masks and shuffling all draw
// from a single seeded Rng, so a run repeats bit for bit. xoshiro256** (Blackman and Vigna, 2018)
// seeded through SplitMix64; every conversion to a range is our own, because the standard
// library's distributions differ between implementations.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace lstmf {

// FNV-1a, 64 bits (offset basis kFnvBasis, prime 1099511628211), over `size` bytes at `data`,
// continuing from `hash`: series ids for shards and seeds (panel.hpp series_hash), and the training
// data's fingerprint that a resume checks (fit.cpp).
inline constexpr std::uint64_t kFnvBasis = 14695981039346656037ULL;
std::uint64_t fnv1a(const void* data, std::size_t size, std::uint64_t hash = kFnvBasis);
// SplitMix64 (Steele, Lea and Flood, 2014): advances `state` by the golden gamma and returns its
// mix, 64 bits; seeds Rng, and each series' seed from the run's (selection.hpp series_seed).
std::uint64_t splitmix64(std::uint64_t& state);

// The seed of ensemble member k (0-based) of a run seeded `seed`: the seed rotated left by 8 bits,
// plus k (seed * 256 + k below 2^56; the top 8 bits come round to the bottom). The members of seed 0
// are seeded 0, 1, 2, ... (as they were with seed + k, the rule before 2026-12-05, under which
// seeds 0 and 1 had four of their five members in common). The rotation is one to one, so every
// seed gives its own single model (member 0), and the ensembles of two seeds that agree in their
// top 8 bits (every seed below 2^56) share no member, whatever their sizes. A member's seed does
// not depend on the ensemble's size: member k of 3 is member k of 5.
inline constexpr int kMaxMembers = 256;  // model.ensemble's largest value (config.cpp): 8 bits of k
inline std::uint64_t member_seed(std::uint64_t seed, int k) {
  return ((seed << 8) | (seed >> 56)) + static_cast<std::uint64_t>(k);
}

class Rng {
 public:
  explicit Rng(std::uint64_t seed = 0);

  std::uint64_t next();                     // 64 random bits
  double uniform();                         // [0, 1), a multiple of 2^-53
  double uniform(double lo, double hi);     // [lo, hi)
  std::uint64_t below(std::uint64_t n);     // [0, n), unbiased (rejection); requires n > 0
  double normal();                          // standard normal (Box-Muller, one value per call)

  // Fisher-Yates, drawing j from [0, i] for i = n-1 .. 1.
  template <typename T>
  void shuffle(std::vector<T>& values) {
    for (std::size_t i = values.size(); i > 1; --i) {
      const std::size_t j = static_cast<std::size_t>(below(i));
      std::swap(values[i - 1], values[j]);
    }
  }

  // The full state, for checkpoints that resume training: four numbers as decimal strings (JSON
  // numbers lose 64-bit integers in many readers).
  nlohmann::json to_json() const;
  // InputError naming `where` if the state is malformed (not four 64-bit numbers, or all zero).
  static Rng from_json(const nlohmann::json& json, const std::string& where);

  bool operator==(const Rng& other) const { return state_ == other.state_; }
  bool operator!=(const Rng& other) const { return !(*this == other); }

 private:
  std::array<std::uint64_t, 4> state_;
};

}  // namespace lstmf
