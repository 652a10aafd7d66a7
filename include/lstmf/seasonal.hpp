// Seasonal adjustment before scaling: classical decomposition, as the M4 competition's benchmarks
// prepared every seasonal series (Makridakis et al. 2018, "Theta" and "Naive2"), and as our own
// measurements chose it for the default recipe (README "The default recipe", round 6).
//
// Rows are time steps, [rows, columns] row-major as everywhere; the targets are columns
// 0 .. targets - 1. A row's season position ("phase") is its number of steps after the first
// training row, modulo m: row r of a matrix whose row 0 has phase p0 has phase (p0 + r) mod m.
//
// Estimation (per target, over rows [0, n) of the training data, phase 0 at row 0):
//   w        = [1/2, 1, ..., 1, 1/2] / m  (m + 1 weights) for even m, [1, ..., 1] / m for odd m
//   cma_t    = sum_j w_j y_{t - off + j},  off = (len(w) - 1) / 2, for off <= t < n - off
//   ratio_t  = y_t / cma_t  (multiplicative)     y_t - cma_t  (additive)
//   s_p      = mean of ratio_t over t = p (mod m), then normalised: mean_p s_p = 1 (mult.), 0 (add.)
// Adjusting divides a target by s_{phase} (multiplicative) or subtracts it (additive); restoring
// multiplies or adds it back.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "lstmf/config.hpp"
#include "lstmf/tensor.hpp"

namespace lstmf {

// (a mod m) in [0, m) for any sign of a.
inline long phase_mod(long a, long m) { return ((a % m) + m) % m; }

class SeasonalAdjustment {
 public:
  SeasonalAdjustment() = default;  // none: adjust and restore leave values as they are

  // Estimates s_p for each of the first `targets` columns from rows [0, rows) of `values` (phase
  // 0 at row 0). Needs rows >= 2m (every phase then has a ratio); a multiplicative target must be
  // > 0 on those rows. Throws InputError otherwise (the message names the target column index).
  // A target whose indices come out non-finite (or <= 0, multiplicative) is left unadjusted.
  static SeasonalAdjustment estimate(SeasonalAdjust mode, const MatrixD& values, long rows, long targets, int m);

  bool empty() const { return factors_.empty(); }
  SeasonalAdjust mode() const { return mode_; }
  int period() const { return period_; }
  // s_p of target k, [targets][m].
  const std::vector<std::vector<double>>& factors() const { return factors_; }
  // The phase of row 0 of the checkpoint's data tail (checkpoint.hpp), so a forecast from the tail
  // or from history with times knows where in the season it stands.
  long tail_phase() const { return tail_phase_; }
  void set_tail_phase(long phase) { tail_phase_ = empty() ? 0 : phase_mod(phase, period_); }

  // y / s_phase (or y - s_phase) for every target of every row, row 0 at phase `phase`.
  // values: [rows, columns] -> [rows, columns]; features are copied as they are.
  MatrixD adjust(const MatrixD& values, long phase) const;
  // The inverse for one value of target k at a row of phase `phase`.
  double restore(double value, long target, long phase) const;
  // The first adjusted target value (target by target, row by row; row 0 at phase `phase`) that is
  // not finite or lies beyond +-bound; nullopt when none does (or when empty()). Values near the
  // bound divided by a small index leave it: a series and a checkpoint may not hold them.
  struct Beyond {
    long row = 0;
    long target = 0;
    double value = 0;  // adjusted
  };
  std::optional<Beyond> first_beyond(const MatrixD& values, long phase, double bound) const;

  // {"mode": "multiplicative", "period": m, "tail_phase": p, "factors": [[s_0 .. s_{m-1}], ...]}
  nlohmann::json to_json() const;
  // Checks everything it reads (mode, period >= 2, one row of m finite factors per target, > 0
  // when multiplicative, 0 <= tail_phase < m); InputError names `where`.
  static SeasonalAdjustment from_json(const nlohmann::json& json, long targets, const std::string& where);

 private:
  SeasonalAdjust mode_ = SeasonalAdjust::none;
  int period_ = 1;
  std::vector<std::vector<double>> factors_;
  long tail_phase_ = 0;
};

}  // namespace lstmf
