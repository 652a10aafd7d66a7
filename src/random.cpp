#include "lstmf/random.hpp"

#include <charconv>
#include <cmath>

#include <nlohmann/json.hpp>

#include "lstmf/error.hpp"

namespace lstmf {

std::uint64_t fnv1a(const void* data, std::size_t size, std::uint64_t hash) {
  const auto* bytes = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < size; ++i) hash = (hash ^ bytes[i]) * 1099511628211ULL;
  return hash;
}
std::uint64_t splitmix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

namespace {

std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

constexpr double kTwoPi = 6.283185307179586476925286766559;

}  // namespace

Rng::Rng(std::uint64_t seed) {
  for (auto& word : state_) word = splitmix64(seed);
}

std::uint64_t Rng::next() {
  const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
  const std::uint64_t t = state_[1] << 17;
  state_[2] ^= state_[0];
  state_[3] ^= state_[1];
  state_[1] ^= state_[2];
  state_[0] ^= state_[3];
  state_[2] ^= t;
  state_[3] = rotl(state_[3], 45);
  return result;
}

double Rng::uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

double Rng::uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }

std::uint64_t Rng::below(std::uint64_t n) {
  // Reject the lowest (2^64 mod n) values so that every residue is equally likely.
  const std::uint64_t threshold = (0 - n) % n;
  for (;;) {
    const std::uint64_t r = next();
    if (r >= threshold) return r % n;
  }
}

double Rng::normal() {
  const double u1 = 1.0 - uniform();  // (0, 1]: log is finite
  const double u2 = uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(kTwoPi * u2);
}

nlohmann::json Rng::to_json() const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto word : state_) out.push_back(std::to_string(word));
  return out;
}

Rng Rng::from_json(const nlohmann::json& json, const std::string& where) {
  const std::string expected = "expected 4 unsigned 64-bit integers as strings";
  if (!json.is_array() || json.size() != 4) throw InputError(where + ": " + expected);
  Rng rng;
  bool all_zero = true;
  for (std::size_t i = 0; i < 4; ++i) {
    const auto& item = json[i];
    const std::string text = item.is_string() ? item.get<std::string>() : std::string();
    // Plain decimal digits: from_chars takes no sign, no blank and nothing after the number.
    std::uint64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc() || end != text.data() + text.size())
      throw InputError(where + "[" + std::to_string(i) + "]: " + expected + ", got " + item.dump());
    rng.state_[i] = value;
    all_zero = all_zero && value == 0;
  }
  if (all_zero) throw InputError(where + ": the all-zero state is not a valid generator state");
  return rng;
}

}  // namespace lstmf
