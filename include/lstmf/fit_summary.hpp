// What a training run says about itself, in words: `train` prints these lines on stderr, one per
// element (no newline in them). The notes on the data are said even with --quiet; the summary says
// what the recipe chose, the windows, the validation errors, the forecast combination and the refit.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "lstmf/checkpoint.hpp"
#include "lstmf/config.hpp"
#include "lstmf/fit.hpp"
#include "lstmf/panel.hpp"
#include "lstmf/recipe.hpp"

namespace lstmf {

// True when the run kept weights to save: it trained, and no model (of an ensemble: no member) diverged
// before a validated epoch.
bool kept_weights(const FitOutcome& outcome);

// "note: ..." lines: a column read otherwise than a user may think (not taken as times), rows
// dropped, a last value every forecast starts from that looks like a typo, a target forecast as
// the one value of every training row, a feature the model cannot read (so too), a refit skipped (fit.hpp refit_squeeze), a far
// value among the data tail's rows a forecast reads (forecast.hpp far_in_window_note). None when no weights
// were kept (the error says why).
std::vector<std::string> fit_notes(const FitOutcome& outcome);

// Why `column`, named like a time column, was not read as times, and the flag that reads it:
// one series (`panel_season` 0: not guessed when the look-back or season is given), or many (the
// time column is not guessed with a series column; `panel_season` is their season). train and
// inspect say it so.
std::string time_column_unread_note(const std::string& column, int panel_season = 0);

// One target's combination weights (model, seasonal naive, naive, Theta; checkpoint.hpp
// Combination) in words: "0.9 x the model + 0.1 x Theta", "seasonal naive alone (a season too
// short to learn)", "the model alone". `fallback`: why a short series is forecast without the model.
std::string describe_combination(const std::array<double, Combination::kComponents>& weights, ShortSeries fallback);

// "note: horizon 6, not the 12 asked for: ..." when the recipe shortened the horizon `asked` gave
// (a series too short for it, with features that cannot be rolled forward); "" otherwise. The
// summary's settings line says it; train says this note instead with --quiet, which hides the summary.
std::string shortened_horizon_note(const FitOutcome& outcome, const Config& asked);

// The summary of a run that kept weights (none otherwise): "settings: ...", "trained on ...",
// the validation errors (one line per target when there are several: their units differ), one
// "forecast: ..." line per target of the combination, the refit. `asked` is the configuration
// before the recipe resolved it (a shorter horizon than asked for is said).
std::vector<std::string> fit_summary(const FitOutcome& outcome, const Config& asked);

// ---- many series (panel.hpp) ----------------------------------------------------------------------

// "note: ..." lines on the series: each one skipped, with why; in per-series mode each one whose
// training diverged after validated epochs (it keeps their best weights, the note says which).
std::vector<std::string> panel_series_notes(const PanelFitOutcome& outcome);

// How a many-series run ended, once it trained (not an empty shard: PanelFitOutcome::empty_shard).
struct PanelRunEnd {
  bool trained = false;        // a checkpoint to write: weights kept, or a shard's series all left out
  bool only_left_out = false;  // a shard of a split whose every series was left out: its checkpoint
                               // records them (left_out), so that the merged checkpoint equals one run's
};
// Per series, every series left out for diverging or refused is a failed run, not an empty one:
// DivergedError when one diverged, else InputError naming `data_path` (no checkpoint is written).
// Not for a shard of a split (`selection`), one part of a run over the whole file, which leaves such
// series out and goes on. Not when training was stopped (a callback asked).
PanelRunEnd judge_panel_run(const PanelFitOutcome& outcome, const SeriesSelection& selection, const std::string& data_path);

// "note: ..." lines on the data, said even with --quiet: rows dropped, a last value's jump, a
// constant column or far value of a series (panel_fit_notes), a series whose frequency's season is
// not the first series', a column named like times not read.
std::vector<std::string> panel_data_notes(const PanelFitOutcome& outcome);

// The summary of a run that trained: the series and windows, the time taken (`seconds`), global
// mode's best epoch, the mean validation MAE, what the series forecast with (tally_combinations).
std::vector<std::string> panel_fit_summary(const PanelFitOutcome& outcome, double seconds);

}  // namespace lstmf
