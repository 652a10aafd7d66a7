// Merging the outputs of shard runs (--shard K/N, panel.hpp): many-series checkpoints of
// per-series mode, and long-format forecast CSVs. Inputs that do not fit together are refused with
// an InputError naming the input that differs.
#pragma once

#include <string>
#include <vector>

#include "lstmf/panel.hpp"

namespace lstmf {

// Joins many-series checkpoints of per-series mode trained on disjoint series with the same config
// (output.* and training.threads aside): InputError naming the inputs that disagree (config,
// columns, mode, a series in two inputs, shards of different counts). Global-mode checkpoints hold
// one model each, so they cannot be joined (refused with a message saying so). `names[i]` names
// parts[i] in messages.
PanelCheckpoint merge_panel_checkpoints(std::vector<PanelCheckpoint> parts, const std::vector<std::string>& names);

// The shards of the split that `parts` do not hold ("0/6, 2/6"; "" when none is missing or the
// parts are no shards). Not an error: a shard that selects no series writes no checkpoint, but a
// failed shard job looks the same, so merge says which are missing.
std::string missing_shards(const std::vector<PanelCheckpoint>& parts);

// Joins long-format forecast CSVs (panel.hpp to_csv: series column, time, targets and their bounds)
// with one header: the rows of every input, ordered by series id (stable: each series' rows keep
// their order), written as predict writes them. Read as csv.hpp reads data (delimiter ','), and
// each row checked as predict writes it: an id, a time rising within the series, finite numbers,
// every COL_lo<level> .. COL_hi<level> holding COL, a line end after the last row (else the file
// was cut short). InputError naming the input, line and column when one is not so, when the
// headers differ, when a series is in two inputs, or when series have different step counts.
// Each text is freed once read (a pipeline's forecasts can be large).
std::string merge_forecast_csvs(std::vector<std::string> texts, const std::vector<std::string>& names);

}  // namespace lstmf
