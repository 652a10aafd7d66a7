#include "lstmf/scaler.hpp"

#include <cmath>

#include <nlohmann/json.hpp>

#include "lstmf/error.hpp"
#include "lstmf/series.hpp"

namespace lstmf {

MinMaxScaler::MinMaxScaler(double lo, double hi) : lo_(lo), hi_(hi) {
  if (!(lo < hi)) throw InputError("feature range must have lo < hi, got [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
}

void MinMaxScaler::fit(const MatrixD& values, long rows) {
  if (rows <= 0 || rows > values.rows()) throw Error("MinMaxScaler::fit: rows out of range");
  const auto fitted = values.topRows(rows);
  data_min_.resize(static_cast<size_t>(values.cols()));
  data_max_.resize(static_cast<size_t>(values.cols()));
  for (long c = 0; c < values.cols(); ++c) {
    data_min_[static_cast<size_t>(c)] = fitted.col(c).minCoeff();
    data_max_[static_cast<size_t>(c)] = fitted.col(c).maxCoeff();
  }
}

double MinMaxScaler::transform(double value, long column) const {
  const double lo = data_min_[static_cast<size_t>(column)];
  const double range = data_max_[static_cast<size_t>(column)] - lo;
  if (range == 0) return lo_;
  return lo_ + (value - lo) * ((hi_ - lo_) / range);
}

double MinMaxScaler::inverse(double scaled, long column) const {
  const double lo = data_min_[static_cast<size_t>(column)];
  const double range = data_max_[static_cast<size_t>(column)] - lo;
  if (range == 0) return lo;
  return lo + (scaled - lo_) * (range / (hi_ - lo_));
}

MatrixD MinMaxScaler::transform(const MatrixD& values) const {
  if (values.cols() != columns()) throw Error("MinMaxScaler::transform: column count differs from the fit");
  MatrixD out(values.rows(), values.cols());
  for (long r = 0; r < values.rows(); ++r)
    for (long c = 0; c < values.cols(); ++c) out(r, c) = transform(values(r, c), c);
  return out;
}

MatrixD MinMaxScaler::inverse(const MatrixD& scaled) const {
  if (scaled.cols() != columns()) throw Error("MinMaxScaler::inverse: column count differs from the fit");
  MatrixD out(scaled.rows(), scaled.cols());
  for (long r = 0; r < scaled.rows(); ++r)
    for (long c = 0; c < scaled.cols(); ++c) out(r, c) = inverse(scaled(r, c), c);
  return out;
}

nlohmann::json MinMaxScaler::to_json() const {
  return {{"feature_range", {lo_, hi_}}, {"data_min", data_min_}, {"data_max", data_max_}};
}

MinMaxScaler MinMaxScaler::from_json(const nlohmann::json& json, const std::string& where) {
  auto fail = [&](const std::string& message) { throw InputError(where + ": " + message); };
  if (!json.is_object()) fail("expected an object with feature_range, data_min and data_max");
  auto numbers = [&](const char* key) {
    if (!json.contains(key) || !json[key].is_array()) fail(std::string(key) + " must be an array of numbers");
    std::vector<double> out;
    for (const auto& v : json[key]) {
      if (!v.is_number() || !std::isfinite(v.get<double>())) fail(std::string(key) + " must hold finite numbers, got " + printable(v.dump(), 40));
      out.push_back(v.get<double>());
    }
    return out;
  };
  const auto range = numbers("feature_range");
  // The bounds of data.scale_min and data.scale_max (config.hpp), which it is made from.
  if (range.size() != 2 || !scale_range_ok(range[0], range[1]))
    fail("feature_range must be [lo, hi] within -1e6 .. 1e6 with hi at least 0.001 above lo, and by a thousandth of "
         "the larger bound's magnitude, got " + json["feature_range"].dump());
  MinMaxScaler scaler(range[0], range[1]);
  scaler.data_min_ = numbers("data_min");
  scaler.data_max_ = numbers("data_max");
  // Fitted on values the CSV reader accepts (series.hpp), so a larger one is not a fit of data.
  auto within_data_bound = [&](const char* key, const std::vector<double>& values) {
    for (const double v : values)
      if (std::abs(v) > kLargestValue)
        fail(std::string(key) + " must hold numbers within +-1e100 (the values of a CSV series), got " +
             nlohmann::json(v).dump());
  };
  within_data_bound("data_min", scaler.data_min_);
  within_data_bound("data_max", scaler.data_max_);
  if (scaler.data_min_.size() != scaler.data_max_.size())
    fail("data_min has " + count_of(static_cast<long>(scaler.data_min_.size()), "value") + " but data_max has " +
         std::to_string(scaler.data_max_.size()));
  if (scaler.data_min_.empty()) fail("data_min and data_max must not be empty");
  for (size_t i = 0; i < scaler.data_min_.size(); ++i)
    if (scaler.data_min_[i] > scaler.data_max_[i])
      fail("data_min[" + std::to_string(i) + "] = " + nlohmann::json(scaler.data_min_[i]).dump() + " exceeds data_max[" +
           std::to_string(i) + "] = " + nlohmann::json(scaler.data_max_[i]).dump());
  return scaler;
}

}  // namespace lstmf
