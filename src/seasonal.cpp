#include "lstmf/seasonal.hpp"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "lstmf/error.hpp"

namespace lstmf {
namespace {

// s_0 .. s_{m-1} of column k over rows [0, rows): see the header's equations. Empty when a phase
// has no ratio or an index is not usable (non-finite; <= 0 for multiplicative).
std::vector<double> seasonal_indices(SeasonalAdjust mode, const MatrixD& values, long rows, long k, int m) {
  const bool even = m % 2 == 0;
  const long width = even ? m + 1 : m;
  const long off = (width - 1) / 2;
  std::vector<double> sum(static_cast<size_t>(m), 0.0);
  std::vector<long> count(static_cast<size_t>(m), 0);
  // Prefix sums (long double) make each moving average O(1): O(rows), not O(rows m), for long seasons.
  std::vector<long double> prefix(static_cast<size_t>(rows) + 1, 0.0L);
  for (long t = 0; t < rows; ++t) prefix[static_cast<size_t>(t) + 1] = prefix[static_cast<size_t>(t)] + values(t, k);
  const auto window_sum = [&](long first, long last) {  // rows [first, last)
    return prefix[static_cast<size_t>(last)] - prefix[static_cast<size_t>(first)];
  };
  for (long t = off; t + off < rows; ++t) {
    long double total = window_sum(t - off, t + off + 1);
    if (even) total -= 0.5L * (values(t - off, k) + values(t + off, k));  // the two half-weighted ends
    const double cma = static_cast<double>(total / m);
    const double ratio = mode == SeasonalAdjust::multiplicative ? values(t, k) / cma : values(t, k) - cma;
    sum[static_cast<size_t>(t % m)] += ratio;
    ++count[static_cast<size_t>(t % m)];
  }
  std::vector<double> index(static_cast<size_t>(m));
  double mean = 0;
  for (int p = 0; p < m; ++p) {
    if (count[static_cast<size_t>(p)] == 0) return {};
    mean += (index[static_cast<size_t>(p)] = sum[static_cast<size_t>(p)] / static_cast<double>(count[static_cast<size_t>(p)])) / m;
  }
  for (double& s : index) {
    s = mode == SeasonalAdjust::multiplicative ? s / mean : s - mean;
    if (!std::isfinite(s) || (mode == SeasonalAdjust::multiplicative && s <= 0)) return {};
  }
  return index;
}

}  // namespace

SeasonalAdjustment SeasonalAdjustment::estimate(SeasonalAdjust mode, const MatrixD& values, long rows, long targets, int m) {
  if (mode != SeasonalAdjust::multiplicative && mode != SeasonalAdjust::additive)
    throw Error("SeasonalAdjustment::estimate: mode must be multiplicative or additive");
  if (m < 2) throw InputError("data.seasonal_adjust " + to_string(mode) + " needs a seasonal period of 2 or more (data.season), got " + std::to_string(m));
  if (rows < 2L * m)
    throw InputError("data.seasonal_adjust " + to_string(mode) + " needs two seasons of training rows (" +
                     std::to_string(2L * m) + "), got " + std::to_string(rows) +
                     ": give more rows, a shorter data.season, or data.seasonal_adjust none");
  SeasonalAdjustment out;
  out.mode_ = mode;
  out.period_ = m;
  for (long k = 0; k < targets; ++k) {
    if (mode == SeasonalAdjust::multiplicative && values.col(k).head(rows).minCoeff() <= 0)
      throw InputError("data.seasonal_adjust multiplicative needs targets > 0 on the training rows; target " +
                       std::to_string(k + 1) + " has " + nlohmann::json(values.col(k).head(rows).minCoeff()).dump() +
                       " (use additive)");
    std::vector<double> index = seasonal_indices(mode, values, rows, k, m);
    if (index.empty()) index.assign(static_cast<size_t>(m), mode == SeasonalAdjust::multiplicative ? 1.0 : 0.0);
    out.factors_.push_back(std::move(index));
  }
  return out;
}

MatrixD SeasonalAdjustment::adjust(const MatrixD& values, long phase) const {
  MatrixD out = values;
  if (empty()) return out;
  for (size_t k = 0; k < factors_.size(); ++k)
    for (long r = 0; r < out.rows(); ++r) {
      const double s = factors_[k][static_cast<size_t>(phase_mod(phase + r, period_))];
      double& v = out(r, static_cast<long>(k));
      v = mode_ == SeasonalAdjust::multiplicative ? v / s : v - s;
    }
  return out;
}

std::optional<SeasonalAdjustment::Beyond> SeasonalAdjustment::first_beyond(const MatrixD& values, long phase,
                                                                          double bound) const {
  for (size_t k = 0; k < factors_.size(); ++k)
    for (long r = 0; r < values.rows(); ++r) {
      const double s = factors_[k][static_cast<size_t>(phase_mod(phase + r, period_))];
      const double v = values(r, static_cast<long>(k));
      const double adjusted = mode_ == SeasonalAdjust::multiplicative ? v / s : v - s;
      if (!(std::abs(adjusted) <= bound)) return Beyond{r, static_cast<long>(k), adjusted};
    }
  return std::nullopt;
}

double SeasonalAdjustment::restore(double value, long target, long phase) const {
  if (empty()) return value;
  const double s = factors_[static_cast<size_t>(target)][static_cast<size_t>(phase_mod(phase, period_))];
  return mode_ == SeasonalAdjust::multiplicative ? value * s : value + s;
}

nlohmann::json SeasonalAdjustment::to_json() const {
  return {{"mode", to_string(mode_)}, {"period", period_}, {"tail_phase", tail_phase_}, {"factors", factors_}};
}

SeasonalAdjustment SeasonalAdjustment::from_json(const nlohmann::json& json, long targets, const std::string& where) {
  const auto fail = [&](const std::string& message) { throw InputError(where + ": " + message); };
  if (!json.is_object() || !json.contains("mode") || !json.contains("period") || !json.contains("tail_phase") ||
      !json.contains("factors") || json.size() != 4)
    fail("expected an object with mode, period, tail_phase and factors, and nothing else");
  SeasonalAdjustment out;
  const nlohmann::json& mode = json["mode"];
  if (mode == "multiplicative") out.mode_ = SeasonalAdjust::multiplicative;
  else if (mode == "additive") out.mode_ = SeasonalAdjust::additive;
  else fail("mode must be \"multiplicative\" or \"additive\", got " + printable(mode.dump(), 40));
  const auto integer = [&](const char* key, long lo, long hi) {
    const nlohmann::json& v = json[key];
    if (!v.is_number_integer() || v.get<long>() < lo || v.get<long>() > hi)
      fail(std::string(key) + " must be a whole number in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got " +
           printable(v.dump(), 40));
    return v.get<long>();
  };
  out.period_ = static_cast<int>(integer("period", 2, 100000));
  out.tail_phase_ = integer("tail_phase", 0, out.period_ - 1);
  const nlohmann::json& factors = json["factors"];
  if (!factors.is_array() || static_cast<long>(factors.size()) != targets)
    fail("factors must hold one row per target (" + std::to_string(targets) + ")");
  for (size_t k = 0; k < factors.size(); ++k) {
    const nlohmann::json& row = factors[k];
    const std::string at = "factors[" + std::to_string(k) + "]";
    if (!row.is_array() || static_cast<long>(row.size()) != out.period_)
      fail(at + " must hold " + std::to_string(out.period_) + " numbers (one per phase)");
    std::vector<double> index;
    for (const auto& v : row) {
      const bool positive = out.mode_ != SeasonalAdjust::multiplicative || (v.is_number() && v.get<double>() > 0);
      if (!v.is_number() || !std::isfinite(v.get<double>()) || !positive)
        fail(at + " must hold finite numbers" +
             std::string(out.mode_ == SeasonalAdjust::multiplicative ? " > 0" : "") + ", got " + printable(v.dump(), 40));
      index.push_back(v.get<double>());
    }
    // estimate() normalises them: mean 1 (multiplicative) or 0 (additive), up to rounding.
    double mean = 0, largest = 0;
    for (const double v : index) {
      mean += v / static_cast<double>(index.size());
      largest = std::max(largest, std::abs(v));
    }
    const bool normalised = out.mode_ == SeasonalAdjust::multiplicative ? std::abs(mean - 1) <= 1e-9
                                                                       : std::abs(mean) <= 1e-9 * std::max(1.0, largest);
    if (!normalised)
      fail(at + " must average " + std::string(out.mode_ == SeasonalAdjust::multiplicative ? "1" : "0") + ", got " +
           nlohmann::json(mean).dump());
    out.factors_.push_back(std::move(index));
  }
  return out;
}

}  // namespace lstmf
