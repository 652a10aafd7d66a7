// A dataset ready for training: the series loaded from the CSV, split chronologically, scaled
// with a min-max scaler fitted on each series' training rows alone, and cut into window views.
// This is the whole data side of the pipeline, csv -> series -> scaler -> windows, in one call.
// Matrices are row-major (tensor.hpp); a series' values are [rows, columns], one row per time
// step, targets first.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "lstmf/config.hpp"
#include "lstmf/scaler.hpp"
#include "lstmf/series.hpp"
#include "lstmf/windows.hpp"

namespace lstmf {

struct Dataset {
  SeriesSet source;                             // original units
  std::vector<Split> splits;                    // one per series
  std::vector<MinMaxScaler> scalers;            // one per series, fitted on its training rows
  std::vector<std::unique_ptr<MatrixF>> scaled; // one per series, [rows, columns]; windows point here
  WindowSet train;                              // targets in the training rows
  WindowSet validation;                         // targets in the validation rows
  WindowSet test;                               // targets in the test rows
  int look_back = 0;
  int horizon = 0;

  Dataset(int look_back, int horizon, int inputs, int targets)
      : train(look_back, horizon, inputs, targets),
        validation(look_back, horizon, inputs, targets),
        test(look_back, horizon, inputs, targets),
        look_back(look_back),
        horizon(horizon) {}
};

// Loads data.path and prepares every part above, the windows normalised as data.normalise and
// data.season say (WindowNormalisation::of; predict_at does the same). Throws InputError for missing settings
// (no file, no target), bad data, or a series too short for one window (stating the minimum).
Dataset prepare_dataset(const DataConfig& data);

// Builds the dataset from series already loaded (tests, other front ends).
Dataset prepare_dataset(SeriesSet source, const DataConfig& data);

// A human-readable summary: file, rows, columns, time range and frequency, split, windows.
std::string describe(const Dataset& dataset);
// The same without the split and windows (data too short for them).
std::string describe(const SeriesSet& set);

}  // namespace lstmf
