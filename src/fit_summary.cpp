#include "lstmf/fit_summary.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <sstream>

#include "lstmf/error.hpp"
#include "lstmf/forecast.hpp"

namespace lstmf {

std::vector<std::string> panel_series_notes(const PanelFitOutcome& outcome) {
  std::vector<std::pair<std::string, std::string>> skipped, diverged;  // (id, reason)
  for (const auto& s : outcome.skipped) skipped.emplace_back(s.id, s.reason);
  std::vector<std::string> notes = grouped_series_notes(
      skipped, [](const std::string& who, const std::string& reason) { return "note: skipped " + who + ": " + reason; },
      [](std::size_t n) {
        return "note: and " + std::to_string(n) + " more series skipped, for other reasons (inspect with the same data "
               "settings lists each one too short; the checkpoint's left_out each one refused or diverged)";
      });
  if (outcome.checkpoint.global()) return notes;
  for (const auto& report : outcome.reports)
    if (!report.diverged.empty()) diverged.emplace_back(report.id, report.diverged);
  for (std::string& line : grouped_series_notes(
           diverged, [](const std::string& who, const std::string& reason) { return "note: " + who + ": " + reason; },
           [](std::size_t n) { return "note: and " + std::to_string(n) + " more series diverged after their best epoch, which they keep"; }))
    notes.push_back(std::move(line));
  return notes;
}

PanelRunEnd judge_panel_run(const PanelFitOutcome& outcome, const SeriesSelection& selection, const std::string& data_path) {
  const PanelCheckpoint& checkpoint = outcome.checkpoint;
  const bool global = checkpoint.global();
  PanelRunEnd end;
  // A shard's series all left out are recorded for merge; not when an interrupt stopped it (a
  // review: every series recorded as not finished replaced an earlier shard file with none).
  end.only_left_out = !global && checkpoint.series.empty() && !checkpoint.left_out.empty() && selection.shard_of_split() &&
                      !outcome.stopped;
  if (!global && checkpoint.series.empty() && !outcome.stopped && !end.only_left_out) {
    if (std::any_of(outcome.skipped.begin(), outcome.skipped.end(), [](const SkippedSeries& s) { return s.diverged; }))
      throw DivergedError("no series trained: every series that was long enough diverged or was refused (as above); "
                          "no checkpoint was written");
    throw InputError(data_path, 0, 0, "no series trained: every series was refused (as above); no checkpoint was written");
  }
  end.trained = global ? !checkpoint.history.empty() && (outcome.diverged.empty() || checkpoint.best_epoch > 0)
                       : !checkpoint.series.empty() || end.only_left_out;
  return end;
}

std::vector<std::string> panel_data_notes(const PanelFitOutcome& outcome) {
  std::vector<std::string> notes;
  if (!outcome.rows_dropped.empty()) notes.push_back("note: " + outcome.rows_dropped);
  if (!outcome.last_value_jump.empty()) notes.push_back("note: " + outcome.last_value_jump);
  for (const std::string& note : panel_fit_notes(outcome.checkpoint)) notes.push_back("note: " + note);
  const DataConfig& data = outcome.checkpoint.config.data;
  // One season and look-back for every series (panel.hpp resolve_panel_recipe).
  if (outcome.other_season)
    notes.push_back("note: the series differ in frequency (series '" + printable(outcome.other_season->id) + "' is " +
                    outcome.other_season->frequency.name() + "): every model takes the season of the file's first series with two rows or more (" +
                    std::to_string(data.season) + ") and look-back (" + std::to_string(data.look_back) +
                    "); train each frequency apart (a file each, or --series with --season M) to give it its own");
  if (!outcome.time_column_unread.empty())
    notes.push_back("note: " + time_column_unread_note(outcome.time_column_unread, std::max(1, data.season)));
  return notes;
}

std::vector<std::string> panel_fit_summary(const PanelFitOutcome& outcome, double seconds) {
  const PanelCheckpoint& checkpoint = outcome.checkpoint;
  const bool global = checkpoint.global();
  std::vector<std::string> lines;
  double mae_sum = 0;
  long validated = 0;
  for (const auto& report : outcome.reports)
    if (report.validation.windows > 0) mae_sum += report.validation.mae, ++validated;
  lines.push_back("trained " + std::string(global ? "one global model on " : "one model each for ") +
                  std::to_string(checkpoint.series.size()) + " series (" + count_of(outcome.train_windows, "window") + ") in " +
                  format_number(std::round(seconds * 100) / 100) + "s" +
                  (global && checkpoint.best_epoch > 0 ? "; best epoch " + std::to_string(checkpoint.best_epoch) : "") +
                  (checkpoint.left_out.empty() ? ""
                                               : "; " + std::to_string(checkpoint.left_out.size()) +
                                                     " more left out (interrupted, refused or diverged: the checkpoint's left_out lists them)"));
  if (validated > 0)
    lines.push_back("validation MAE, mean over " + std::to_string(validated) +
                    " series: " + format_readable(mae_sum / static_cast<double>(validated)) + " (original units)");
  const CombinationTally tally = tally_combinations(checkpoint);
  if (checkpoint.config.training.combine == Toggle::on && tally.unchosen < static_cast<long>(checkpoint.series.size())) {
    // What each series' forecast is (its first target's weights; README "Scaling out").
    std::string line = "forecast combination" +
                       (checkpoint.columns.targets.size() > 1 ? " of " + printable(checkpoint.columns.targets.front()) : std::string()) +
                       ": the model for " + std::to_string(tally.model) + " series, its mean with seasonal naive or naive for " +
                       std::to_string(tally.mean) + ", a baseline alone for " + std::to_string(tally.baseline) +
                       "; Theta takes a share in " + std::to_string(tally.theta) + " of them";
    if (tally.unchosen > 0) line += "; " + std::to_string(tally.unchosen) + " without validation windows forecast by the model alone";
    lines.push_back(line);
  }
  return lines;
}

bool kept_weights(const FitOutcome& outcome) {
  return !outcome.checkpoint.history.empty() &&
         (outcome.diverged.empty() || (outcome.result.best_epoch > 0 && !outcome.member_unrestored));
}

std::string time_column_unread_note(const std::string& column, int panel_season) {
  const std::string name = printable(column);
  if (panel_season == 0)
    return "column '" + name + "' was not read as times (rows are consecutive periods, forecasts numbered by step): the "
           "time column is guessed only when the look-back and season are left to the recipe; --time-column " + name +
           " reads it";
  return "column '" + name + "' was not read as times (each series' rows are consecutive periods in file order, season " +
         std::to_string(std::max(1, panel_season)) +
         ", forecasts numbered by step): with --series-column the time column is not guessed; --time-column " + name +
         " reads it";
}

std::vector<std::string> fit_notes(const FitOutcome& outcome) {
  std::vector<std::string> notes;
  if (!kept_weights(outcome)) return notes;
  if (!outcome.time_column_unread.empty()) notes.push_back("note: " + time_column_unread_note(outcome.time_column_unread));
  if (!outcome.time_column_dropped.empty())
    notes.push_back("note: no time column (rows are periods): the first column was not read as times: " +
                    outcome.time_column_dropped);
  if (!outcome.rows_dropped.empty())
    notes.push_back("note: " + outcome.rows_dropped + " (--missing fills between values only)");
  if (!outcome.last_value_jump.empty()) notes.push_back("note: " + outcome.last_value_jump);
  if (!outcome.constant_columns.empty()) notes.push_back("note: " + outcome.constant_columns);
  if (!outcome.refit_skipped.empty()) notes.push_back("note: " + outcome.refit_skipped);
  // The data's own tail, which predict forecasts from by default.
  const std::string far = far_in_window_note(outcome.checkpoint, tail_history(outcome.checkpoint));
  if (!far.empty()) notes.push_back("note: " + far);
  return notes;
}

std::string describe_combination(const std::array<double, Combination::kComponents>& weights, ShortSeries fallback) {
  static const char* const kNames[Combination::kComponents] = {"the model", "seasonal naive", "naive", "Theta"};
  if (weights[0] == 1.0) return "the model alone";
  const std::string reason = short_series_reason(fallback);
  if (weights[1] == 1.0 || weights[2] == 1.0)
    return std::string(weights[1] == 1.0 ? "seasonal naive" : "naive") + " alone (" +
           (!reason.empty() ? reason : "its validation MAE was at most half the model's") + ")";
  std::string parts;
  if (weights[3] == 1.0) parts = "Theta alone (training.theta_weight 1)";
  for (size_t i = 0; i < weights.size() && weights[3] < 1.0; ++i)
    if (weights[i] > 0) {  // weights to 3 digits
      std::ostringstream weight;
      weight << std::setprecision(3) << weights[i];
      parts += std::string(parts.empty() ? "" : " + ") + weight.str() + " x " + kNames[i];
    }
  if (weights[0] == 0.0 && !reason.empty()) parts += " (" + reason + ")";
  return parts;
}

namespace {
bool horizon_shortened(const FitOutcome& outcome, const Config& asked) {
  const Config& used = outcome.checkpoint.config;
  return outcome.checkpoint.forecast_horizon <= used.data.horizon && asked.data.horizon > used.data.horizon;
}
const char* const kShortenedHorizonWhy = "too long for this series, and features cannot be rolled forward";
}  // namespace

std::string shortened_horizon_note(const FitOutcome& outcome, const Config& asked) {
  if (!kept_weights(outcome) || !horizon_shortened(outcome, asked)) return "";
  return "note: horizon " + std::to_string(outcome.checkpoint.config.data.horizon) + ", not the " +
         std::to_string(asked.data.horizon) + " asked for: " + kShortenedHorizonWhy;
}

namespace {

std::string settings_line(const FitOutcome& outcome, const Config& asked) {
  const Config& used = outcome.checkpoint.config;
  std::string horizon;
  if (outcome.checkpoint.forecast_horizon > used.data.horizon)
    horizon = " (rolled forward to the " + std::to_string(outcome.checkpoint.forecast_horizon) + " asked for: predict's default)";
  else if (horizon_shortened(outcome, asked))
    horizon = " (not the " + std::to_string(asked.data.horizon) + " asked for: " + kShortenedHorizonWhy + ")";
  return "settings: look-back " + std::to_string(used.data.look_back) + ", horizon " + std::to_string(used.data.horizon) +
         horizon + ", normalise " + to_string(used.data.normalise) + ", season " + std::to_string(used.data.season) +
         ", seasonal adjustment " + to_string(used.data.seasonal_adjust) + ", " + std::to_string(used.model.ensemble) +
         " x " + count_of(used.training.epochs, "epoch");
}

// Training validates on the windows of its stride; the errors are of every validation window, and
// say so when the counts differ.
std::string windows_line(const FitOutcome& outcome) {
  const Config& used = outcome.checkpoint.config;
  const TrainingResult& result = outcome.result;
  std::string line = "trained on " + count_of(outcome.train_windows, "window");
  if (outcome.validation_windows > 0)
    line += ", validated on " + std::to_string(outcome.validation_windows) +
            (used.data.stride > 1 ? " (stride " + std::to_string(used.data.stride) + ")" : std::string());
  line += "; ";
  if (result.best_epoch > 0)
    line += "best epoch " + std::to_string(result.best_epoch) + " (validation loss " + format_readable(result.best_val_loss) + ")";
  else
    line += std::to_string(result.history.size()) +
            " epochs, no validation rows (last weights kept; no prediction intervals: they are calibrated on those rows)";
  if (result.early_stopped) line += ", stopped early";
  return line;
}

void add_validation_lines(const FitOutcome& outcome, std::vector<std::string>& lines) {
  const HoldoutErrors& validation = outcome.validation;
  if (validation.windows <= 0) return;
  const std::string windows =
      validation.every > 1 ? count_of(validation.windows, "validation window") + ", one in every " + std::to_string(validation.every) +
                                 (validation.by_budget ? ", the most calibration takes at this look-back and horizon"
                                                       : ", as the stride thins training's, 1000 at least")
      : validation.windows != outcome.validation_windows ? "every one of the " + std::to_string(validation.windows) + " validation windows"
                                                         : count_of(validation.windows, "window");
  const std::vector<std::string>& targets = outcome.checkpoint.config.data.targets;
  // The errors of the forecast predict makes: with a combination, of the combined one (the line
  // after gives the model's alone beside the baselines').
  const auto& weights = outcome.checkpoint.combination.weights;
  const bool combined = std::any_of(weights.begin(), weights.end(), [](const auto& w) { return !w.empty() && w[0] != 1; });
  const std::string of = combined ? " of the combined forecast" : "";
  if (validation.mae_by_target.size() > 1) {  // one line per target: units differ
    for (size_t k = 0; k < validation.mae_by_target.size(); ++k)
      lines.push_back("validation MAE " + format_readable(validation.mae_by_target[k]) + ", RMSE " +
                      format_readable(validation.rmse_by_target[k]) + of + " of '" + printable(targets[k]) + "' (its units, " +
                      windows + ")");
  } else {
    lines.push_back("validation MAE " + format_readable(validation.mae) + ", RMSE " + format_readable(validation.rmse) + of +
                    " (original units, " + windows + ")");
  }
}

// The forecast combination (training.combine), per target: what predict will average.
void add_combination_lines(const FitOutcome& outcome, std::vector<std::string>& lines) {
  const Combination& combination = outcome.checkpoint.combination;
  for (size_t k = 0; k < combination.weights.size(); ++k) {
    const auto mae = [&](size_t i) {
      const double e = combination.validation_mae[k][i];
      return std::isnan(e) ? std::string("n/a") : format_readable(e);
    };
    lines.push_back("forecast" +
                    (combination.weights.size() > 1 ? " of " + printable(outcome.checkpoint.columns.targets[k]) : std::string()) +
                    ": " + describe_combination(combination.weights[k], outcome.fallback) + " (validation MAE model " +
                    mae(0) + ", seasonal naive " + mae(1) + ", naive " + mae(2) + ", Theta " + mae(3) + ")");
  }
}

}  // namespace

std::vector<std::string> fit_summary(const FitOutcome& outcome, const Config& asked) {
  std::vector<std::string> lines;
  if (!kept_weights(outcome)) return lines;  // nothing to summarise: the error says why
  lines.push_back(settings_line(outcome, asked));
  lines.push_back(windows_line(outcome));
  add_validation_lines(outcome, lines);
  add_combination_lines(outcome, lines);
  const Config& used = outcome.checkpoint.config;
  if (!outcome.refit_failed.empty())
    lines.push_back("the refit on every row diverged (" + outcome.refit_failed + "); the validated members are kept");
  if (outcome.refit_windows > 0)
    lines.push_back("then refitted on every row" + std::string(used.data.test_fraction > 0 ? " before the test tail" : "") +
                    ": " + count_of(outcome.refit_windows, "window") + ", " + count_of(outcome.refit_epochs, "epoch") +
                    (used.model.ensemble > 1 ? " for each of " + std::to_string(used.model.ensemble) + " members"
                                             : std::string()) +
                    "; those weights are kept");
  return lines;
}

}  // namespace lstmf
