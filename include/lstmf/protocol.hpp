// The accuracy protocol (M4-style, bench/README.md): for every series of a folder described by its
// meta.json ({"file.csv": {"target", "frequency", "m", "h"}, ...}), hold out the last h points, train
// the default recipe on the rest (data, target, horizon h, the seed, and the seasonal period m when
// it is above 1, else the time column's, as train takes it; nothing else; an entry without m takes
// M4's period for its frequency, m4_seasonal_period below), forecast h steps once
// from the end of the training part, and score it beside the naive, seasonal naive and drift
// forecasts and, when the folder has a baselines.json, the forecasts
// stored there (ETS, ARIMA, ...). Missing values are interpolated linearly; series longer than
// max_length keep their last max_length points.
//   MASE  = MAE / the in-sample seasonal naive MAE with period m (metrics.hpp)
//   sMAPE = percent, RMSE = original units
// Per method: the geometric mean of MASE over the series where every method's MASE is finite and
// positive (the others are listed with the reason). Intervals: the share of held-out points
// inside each level's interval.
// Matrices are row-major (tensor.hpp); a series' values are [rows, columns], one row per time
// step, targets first.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "lstmf/config.hpp"
#include "lstmf/tensor.hpp"

namespace lstmf {

struct ProtocolOptions {
  Config base;                          // the recipe's config before the data is set (defaults)
  std::vector<int> intervals = {80, 95};
  long max_length = 5000;
  // Files to run (empty = every file of meta.json), as given: each a meta.json key, or keys
  // joined by commas (a key that holds a comma, "sales,2020.csv", is taken whole first).
  std::vector<std::string> only;
  std::function<void(const std::string&)> progress;  // one line per series, for stderr
  std::vector<std::pair<std::string, std::string>> outputs;  // {flag, path} the caller will write: refused
                                                             // when one is a file of the folder it reads
};

struct MethodScore {
  double mase = 0, smape = 0, rmse = 0;
  std::vector<double> forecast;  // [h]
};

struct SeriesScore {
  std::string file, target, frequency;
  int m = 1, h = 1;
  long train_rows = 0;
  std::string recipe;                              // what the recipe chose, for people
  std::string note;                                // what the protocol did about the data, if anything
  std::map<std::string, MethodScore> methods;      // "lstm", "naive", "snaive", "drift", baselines.json's
  std::vector<double> actual;                      // [h]; NaN where the file has no value (not scored)
  int scored = 0;                                  // held-out points with a value: the metrics' and coverage's count
  std::map<int, long> covered;                     // level -> held-out points inside the interval
  MatrixD lower, upper;                            // [h, levels]
  double seconds = 0;
};

struct ProtocolResult {
  std::string folder;
  std::vector<std::string> methods;                // column order
  std::vector<SeriesScore> series;
  std::vector<std::pair<std::string, std::string>> skipped;  // file, why (its data could not be trained on)
  std::map<std::string, double> geomean_mase;      // per method, over the same series (metrics.hpp
                                                   // common_geometric_means); absent when none counts
  std::vector<std::pair<std::string, std::string>> geomean_left_out;  // file, why it is not in the means
  std::vector<int> levels;
  std::map<int, double> coverage;                  // level -> share of all held-out points (0..1)
  double seconds = 0;
};

// Why ProtocolOptions::base may not set config key `option` ("" when it may): the keys the protocol
// sets for each series from meta.json (path, targets, time column, horizon, season, missing), and
// those it does not use (each file is one series trained in memory: outputs, the many-series keys,
// data.strict).
std::string protocol_refuses(const OptionInfo& option);

// KEY=VALUE settings of config keys (evaluate --protocol --set data.look_back=24) applied to
// `base`, which is then checked as a whole. InputError naming --set and the setting when one is
// not KEY=VALUE, names no config key (with the nearest one), a key given twice or one the protocol
// may not set (protocol_refuses), or a value the key does not take (errors name the key, not
// train's flag). Returns the keys set, in order.
std::vector<std::string> apply_settings(Config& base, const std::vector<std::string>& settings);

// M4's seasonal period for a meta.json "frequency" (any case): yearly (annual) 1, quarterly 4,
// monthly 12, weekly 1, daily 1, hourly 24; 0 for any other text. The protocol takes it when an
// entry gives no "m".
int m4_seasonal_period(const std::string& frequency);

// Throws InputError for a missing or malformed meta.json or baselines.json, or when no series could
// be scored; a series whose data the recipe refuses (too short, too little spread to scale,
// unreadable) is skipped and listed in `skipped`.
ProtocolResult run_protocol(const std::string& folder, const ProtocolOptions& options);

// Markdown: the per-series MASE table with geometric means, per-frequency geometric means, the
// lstm forecast's sMAPE, RMSE and interval coverage, and the run time.
std::string protocol_markdown(const ProtocolResult& result);
nlohmann::json to_json(const ProtocolResult& result);

}  // namespace lstmf
