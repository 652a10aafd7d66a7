// Min-max scaling per column, fitted on the training rows only.
//   x' = lo + (x - data_min) * (hi - lo) / (data_max - data_min)
//   x  = data_min + (x' - lo) * (data_max - data_min) / (hi - lo)
// A constant column (data_max == data_min) maps to lo and back to data_min, with no division by 0.
// Matrices are row-major (tensor.hpp); a series' values are [rows, columns], one row per time
// step, targets first.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "lstmf/tensor.hpp"

namespace lstmf {

// The largest scaled magnitude a value may have (as a multiple of the feature range): beyond it
// the model's float arithmetic no longer carries it (its square overflows in the loss, its sum in
// the gates), so a value 1e12 training ranges away (a typo, a unit change) is refused where it is,
// not reported as a diverged training or a non-finite forecast.
constexpr double kMaxScaledMagnitude = 1e12;
// Training ranges beyond which a value the model can still compute with is far enough outside the
// training rows to be said (a typo, 1e6 in a series near 100): the refit does not train on it
// (fit.hpp refit_squeeze), and a forecast that reads it says so (forecast.hpp far_in_window_note).
constexpr double kFarFromTraining = 100;

class MinMaxScaler {
 public:
  MinMaxScaler() = default;
  MinMaxScaler(double lo, double hi);  // feature range; requires lo < hi

  // values: [rows, columns]; fits on rows [0, rows) of `values`.
  void fit(const MatrixD& values, long rows);
  bool fitted() const { return !data_min_.empty(); }
  long columns() const { return static_cast<long>(data_min_.size()); }

  // [rows, columns] -> [rows, columns]
  MatrixD transform(const MatrixD& values) const;
  MatrixD inverse(const MatrixD& scaled) const;
  // One value of column `column`.
  double transform(double value, long column) const;
  double inverse(double scaled, long column) const;

  double lo() const { return lo_; }
  double hi() const { return hi_; }
  const std::vector<double>& data_min() const { return data_min_; }
  const std::vector<double>& data_max() const { return data_max_; }

  // {"feature_range": [lo, hi], "data_min": [...], "data_max": [...]}
  nlohmann::json to_json() const;
  // Checks what it reads (lengths agree, finite, data_min <= data_max, lo < hi); InputError names
  // `where` (e.g. "model.json: scaler").
  static MinMaxScaler from_json(const nlohmann::json& json, const std::string& where);

 private:
  double lo_ = 0.0;
  double hi_ = 1.0;
  std::vector<double> data_min_;
  std::vector<double> data_max_;
};

}  // namespace lstmf
