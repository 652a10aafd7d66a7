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
#include "lstmf/recipe.hpp"

namespace lstmf {

// True when the run kept weights to save: it trained, and did not diverge before a validated epoch.
bool kept_weights(const FitOutcome& outcome);

// "note: ..." lines: a column read otherwise than a user may think (not taken as times), rows
// dropped, a last value every forecast starts from that looks like a typo, a feature the model
// cannot read (one value in every training row), a refit skipped (fit.hpp refit_squeeze), a far
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

// The summary of a run that kept weights (none otherwise): "settings: ...", "trained on ...",
// the validation errors (one line per target when there are several: their units differ), one
// "forecast: ..." line per target of the combination, the refit. `asked` is the configuration
// before the recipe resolved it (a shorter horizon than asked for is said).
std::vector<std::string> fit_summary(const FitOutcome& outcome, const Config& asked);

}  // namespace lstmf
