#include "lstmf/backtest.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <iomanip>
#include <optional>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "lstmf/error.hpp"
#include "lstmf/time_index.hpp"
#include "lstmf/windows.hpp"

namespace lstmf {
namespace {

void require_at_least(long value, long minimum, const std::string& flag) {
  if (value < minimum)
    throw InputError(flag + " must be >= " + std::to_string(minimum) + ", got " + std::to_string(value));
}

// Rows are numbered from 1 (the first data row) wherever a person reads them.
std::string row_range(long first_index, long last_index) {
  return first_index == last_index ? "row " + std::to_string(first_index + 1)
                                   : "rows " + std::to_string(first_index + 1) + "-" + std::to_string(last_index + 1);
}

std::vector<double> column(const MatrixD& values, int k) {
  std::vector<double> out(static_cast<size_t>(values.rows()));
  for (Eigen::Index r = 0; r < values.rows(); ++r) out[static_cast<size_t>(r)] = values(r, k);
  return out;
}

template <typename Baseline>
MethodForecasts baseline_forecasts(const std::string& name, const MatrixD& history, int targets, const BacktestPlan& plan,
                                   Baseline baseline) {
  MethodForecasts out{name, MatrixD(static_cast<Eigen::Index>(plan.origins.size()), plan.horizon * targets)};
  for (int k = 0; k < targets; ++k) {
    const std::vector<double> y = column(history, k);
    for (size_t i = 0; i < plan.origins.size(); ++i) {
      const std::vector<double> f = baseline(y, plan.origins[i], plan.horizon);
      for (int h = 0; h < plan.horizon; ++h)
        out.values(static_cast<Eigen::Index>(i), h * targets + k) = f[static_cast<size_t>(h)];
    }
  }
  return out;
}

// A step's MAE, null for a step with no observed row scored (NaN in MethodScores::mae_by_step).
nlohmann::json by_step_json(const std::vector<double>& by_step) {
  nlohmann::json out = nlohmann::json::array();
  for (const double v : by_step) out.push_back(std::isfinite(v) ? nlohmann::json(v) : nlohmann::json());
  return out;
}

// Four significant digits without an exponent for ordinary magnitudes: a table is read by eye.
std::string format_value(const Score& score, int fixed_decimals = -1) {
  if (!score.value || !std::isfinite(*score.value)) return "n/a";
  const double v = *score.value;
  // Fixed decimals only where they stay short (1e300 would print 300 digits) and show the value:
  // a MASE of 1.3e-05 (a training outlier sets the scale) printed 0.000 for every method (a review).
  if (fixed_decimals < 0 || std::abs(v) >= 1e9 || (v != 0 && std::abs(v) < 0.5 * std::pow(10.0, -fixed_decimals)))
    return format_significant(v, 4);
  std::ostringstream out;
  out << std::fixed << std::setprecision(fixed_decimals) << v;
  return out.str();
}

}  // namespace

void check_backtest_options(const BacktestOptions& options) {
  if (options.horizon) require_at_least(*options.horizon, 1, "--horizon");
  if (options.season) require_at_least(*options.season, 1, "--season");
  require_at_least(options.stride, 1, "--stride");
  if (options.origins) require_at_least(*options.origins, 1, "--origins");
  require_at_least(options.threads, 0, "--threads");
  if (options.threads > kMaxThreads)
    throw InputError("--threads must be at most " + std::to_string(kMaxThreads) + ", got " + std::to_string(options.threads));
}

BacktestPlan plan_backtest(long rows, int look_back, int horizon, int season, const BacktestOptions& options,
                           long tail_begin, const std::string& source, const std::string& tail_name) {
  require_at_least(horizon, 1, "--horizon");
  require_at_least(season, 1, "--season");
  require_at_least(options.stride, 1, "--stride");
  if (options.origins) require_at_least(*options.origins, 1, "--origins");

  BacktestPlan plan;
  plan.rows = rows;
  plan.look_back = look_back;
  plan.horizon = horizon;
  plan.stride = options.stride;
  plan.season = season;

  const long earliest = std::max<long>(look_back, season);
  const std::string needs = season > look_back
                                ? "one season (m = " + std::to_string(season) + ") before the first origin + horizon " +
                                      std::to_string(horizon)
                                : "look-back " + std::to_string(look_back) + " + horizon " + std::to_string(horizon);
  if (rows < earliest + horizon)
    throw InputError(source, 0, 0,
                     "has " + count_of(rows, "row") + ", too short to backtest: " + needs + " needs at least " +
                         std::to_string(earliest + horizon) + " rows" +
                         (season > look_back ? " (--season 1 backtests without a seasonal baseline)"
                          : rows > earliest ? " (--horizon " + std::to_string(rows - earliest) +
                                                  (rows - earliest > 1 ? " or less fits)" : " fits)")
                                            : ""));

  const long last = rows - horizon;
  const long room = (last - earliest) / options.stride + 1;
  long count = 0;
  if (options.origins) {
    if (*options.origins > room)
      throw InputError(source, 0, 0,
                       "has " + count_of(rows, "row") + ", room for at most " + std::to_string(room) + " origin" +
                           (room == 1 ? "" : "s") + " with stride " + std::to_string(options.stride) + " and horizon " +
                           std::to_string(horizon) + " (the first needs " + std::to_string(earliest) +
                           " rows before it); asked for --origins " + std::to_string(*options.origins));
    count = *options.origins;
    plan.rule = "--origins " + std::to_string(count);
  } else {
    const long first_allowed = std::max(earliest, tail_begin);
    const long tail_rows = rows - tail_begin;
    if (last >= first_allowed) {
      count = (last - first_allowed) / options.stride + 1;
      plan.rule = tail_name + ", " + row_range(tail_begin, rows - 1);
    } else {
      count = 1;
      plan.rule = tail_rows == 0 ? "the last window (no held-out tail: val_fraction and test_fraction are 0)"
                                 : "the last window (" + tail_name + ": " + count_of(tail_rows, "row") +
                                       ", fewer than the horizon)";
    }
  }
  for (long i = count - 1; i >= 0; --i) plan.origins.push_back(last - i * options.stride);
  return plan;
}

MethodForecasts naive_forecasts(const MatrixD& history, int targets, const BacktestPlan& plan) {
  return baseline_forecasts("naive", history, targets, plan, naive_forecast);
}

MethodForecasts seasonal_naive_forecasts(const MatrixD& history, int targets, const BacktestPlan& plan) {
  return baseline_forecasts("seasonal_naive", history, targets, plan,
                            [&](const std::vector<double>& y, long origin, int horizon) {
                              return seasonal_naive_forecast(y, origin, horizon, plan.season);
                            });
}

Backtest score_backtest(const MatrixD& history, const std::vector<std::string>& targets, const BacktestPlan& plan,
                        const std::vector<MethodForecasts>& methods, const std::vector<std::vector<bool>>& unobserved) {
  const int n_targets = static_cast<int>(targets.size());
  const auto n_origins = static_cast<Eigen::Index>(plan.origins.size());
  if (plan.origins.empty() || history.rows() != plan.rows || history.cols() < n_targets)
    throw Error("score_backtest: history [" + std::to_string(history.rows()) + ", " + std::to_string(history.cols()) +
                "] does not match the plan (" + std::to_string(plan.rows) + " rows, " + std::to_string(n_targets) +
                " targets, " + std::to_string(n_origins) + " origins)");

  Backtest result;
  result.plan = plan;
  result.targets = targets;
  for (int k = 0; k < n_targets; ++k) {
    std::vector<double> in_sample = column(history, k);
    in_sample.resize(static_cast<size_t>(plan.origins.front()));
    // Differences with a value the file lacked are left out of the scale, as its forecasts are.
    result.scales.push_back(seasonal_naive_scale(
        in_sample, plan.season, static_cast<size_t>(k) < unobserved.size() ? unobserved[static_cast<size_t>(k)] : std::vector<bool>{}));
  }

  for (const MethodForecasts& method : methods) {
    if (method.values.rows() != n_origins || method.values.cols() != plan.horizon * n_targets)
      throw Error("score_backtest: " + method.method + " forecasts are [" + std::to_string(method.values.rows()) +
                  ", " + std::to_string(method.values.cols()) + "], expected [" + std::to_string(n_origins) + ", " +
                  std::to_string(plan.horizon * n_targets) + "]");
    for (int k = 0; k < n_targets; ++k) {
      // Every (origin, step) pair of an observed row, origin by origin.
      std::vector<double> actual, forecast;
      actual.reserve(static_cast<std::size_t>(n_origins) * static_cast<std::size_t>(plan.horizon));
      forecast.reserve(actual.capacity());
      MethodScores scores{method.method, targets[static_cast<size_t>(k)], {}, {}, {}, {}, {}, {}};
      std::vector<double> step_sum(static_cast<size_t>(plan.horizon), 0.0);
      std::vector<long> step_count(static_cast<size_t>(plan.horizon), 0);
      for (Eigen::Index i = 0; i < n_origins; ++i)
        for (int h = 0; h < plan.horizon; ++h) {
          const long row = plan.origins[static_cast<size_t>(i)] + h;
          if (static_cast<size_t>(k) < unobserved.size() && static_cast<size_t>(row) < unobserved[static_cast<size_t>(k)].size() &&
              unobserved[static_cast<size_t>(k)][static_cast<size_t>(row)])
            continue;
          const double y = history(row, k);
          const double f = method.values(i, h * n_targets + k);
          actual.push_back(y);
          forecast.push_back(f);
          step_sum[static_cast<size_t>(h)] += std::abs(y - f);
          ++step_count[static_cast<size_t>(h)];
        }
      for (int h = 0; h < plan.horizon; ++h)
        scores.mae_by_step.push_back(step_count[static_cast<size_t>(h)] > 0
                                         ? step_sum[static_cast<size_t>(h)] / static_cast<double>(step_count[static_cast<size_t>(h)])
                                         : std::numeric_limits<double>::quiet_NaN());
      if (actual.empty()) {
        const Score none{std::nullopt, "no row scored holds an observed value (every one was missing in the file)"};
        scores.mae = scores.rmse = scores.mape = scores.smape = scores.mase = none;
        result.scores.push_back(std::move(scores));
        continue;
      }
      scores.mae = mae(actual, forecast);
      scores.rmse = rmse(actual, forecast);
      scores.mape = mape(actual, forecast);
      scores.smape = smape(actual, forecast, method.method);  // its 0/0 terms are the method's own
      scores.mase = mase(actual, forecast, result.scales[static_cast<size_t>(k)]);
      result.scores.push_back(std::move(scores));
    }
  }
  return result;
}

std::vector<std::string> Backtest::notes() const {
  std::vector<std::string> out;
  std::set<std::string> seen;
  const auto add = [&](const std::string& target, const std::string& note) {
    if (note.empty()) return;
    const std::string line = targets.size() > 1 ? printable_whole(target) + ": " + note : note;
    if (seen.insert(line).second) out.push_back(line);
  };
  for (const std::string& note : history_notes)
    if (seen.insert(note).second) out.push_back(note);
  for (size_t k = 0; k < scales.size(); ++k) add(targets[k], scales[k].note);
  for (const MethodScores& s : scores)
    for (const Score* score : {&s.mae, &s.rmse, &s.mape, &s.smape, &s.mase}) add(s.target, score->note);
  return out;
}

namespace {

// The rows at the end of its training file that the model's weights never trained on, when the
// checkpoint says: a refitted model's test tail (Checkpoint::test_rows, 0 without one), another's
// validation and test tails (Checkpoint::held_out_rows, absent in older files).
std::optional<long> rows_after_training(const Checkpoint& checkpoint) {
  if (checkpoint.config.training.refit == Toggle::on) return checkpoint.test_rows;
  return checkpoint.held_out_rows;
}

// A refitted model (training.refit, the default recipe) trained again, after its validation run,
// on every row of its training file but a test tail (data.test_fraction, Checkpoint::test_rows):
// the rows it held out for validation are no longer unseen. Another trained on the rows before its
// held-out tail (Checkpoint::held_out_rows: its validation and test rows), which a history other
// than its training file, or --origins reaching back, may score. With times, the rows scored are
// counted against the last time the weights trained on (that many steps before the data tail's
// last time): none of them, no note; some, how many. Without times, for a refitted model, the rule
// in words (another's held-out share of its own training file is unseen).
std::string in_sample_note(const Checkpoint& checkpoint, const History& history, const BacktestPlan& plan) {
  const bool refitted = checkpoint.config.training.refit == Toggle::on;
  const std::optional<long> unseen = rows_after_training(checkpoint);
  const std::string rows_seen =
      (refitted ? "was refitted on every row of its training file" : "trained on every row of its training file") +
      std::string(unseen.value_or(0) == 0 ? "" : refitted ? " before its test tail" : " before its held-out tail");
  const std::vector<std::int64_t>& tail = checkpoint.data_tail.ticks;
  if (history.ticks.empty() || tail.empty() || !unseen)
    return refitted ? "; the model " + rows_seen + ", so those rows are in-sample here: score rows it never saw, "
                      "or use evaluate --protocol"
                    : "";
  const TimeIndex index = checkpoint.columns.time_index();
  const std::int64_t last_seen = index.advance(tail.back(), -*unseen);
  const long seen_end =  // history rows [0, seen_end) lie within the rows the weights trained on
      static_cast<long>(std::upper_bound(history.ticks.begin(), history.ticks.end(), last_seen) - history.ticks.begin());
  // A forecast whose every target value the file lacks (filled by data.missing) is not scored.
  const auto unscored = [&](long row) {
    if (history.target_filled.empty()) return false;
    for (const std::vector<bool>& filled : history.target_filled)
      if (!filled[static_cast<size_t>(row)]) return false;
    return true;
  };
  long scored = 0, in_sample = 0;
  for (const long origin : plan.origins)
    for (long h = 0; h < plan.horizon; ++h) {
      if (unscored(origin + h)) continue;
      ++scored;
      in_sample += origin + h < seen_end ? 1 : 0;
    }
  if (in_sample == 0) return "";
  return "; the model " + rows_seen + ", so " + std::to_string(in_sample) + " of the " + count_of(scored, "forecast") +
         " scored " + (in_sample == 1 ? "is" : "are") + " at or before the last time it trained on (" +
         index.format_tick(last_seen) + ": in-sample where the history is its training data): score rows after "
         "those, or use evaluate --protocol";
}

}  // namespace

Backtest backtest(const Checkpoint& checkpoint, const History& history, const BacktestOptions& options) {
  require_at_least(options.threads, 0, "--threads");
  const DataConfig& data = checkpoint.config.data;
  const int targets = static_cast<int>(checkpoint.columns.targets.size());
  const long rows = static_cast<long>(history.values.rows());
  const long columns = static_cast<long>(checkpoint.columns.targets.size() + checkpoint.columns.features.size());
  if (history.values.cols() != columns)
    throw InputError(history.source, 0, 0,
                     "has " + count_of(static_cast<long>(history.values.cols()), "column") + ", the checkpoint expects " +
                         std::to_string(columns) + " (targets, then features)");
  check_history_in_range(checkpoint, history);

  // The same tail as train's split (windows.cpp: split_rows), without its minimum-length checks:
  // the backtest only needs its own windows. A history with times that runs past the training
  // data holds rows no run saw, whatever their share of the file. A refitted model (every row but
  // a test tail, Checkpoint::test_rows) saw each row up to a known time: the rows after it are the
  // tail (a longer or later file, or a test tail). Another chose its best epoch on its validation
  // tail: the rows after the training data are scored, and the held-out share of the history too
  // where it starts earlier (in_sample_note counts those before its validation tail, where the
  // checkpoint places it: Checkpoint::held_out_rows).
  const long held_out = rows - split_parts(rows, data.val_fraction, data.test_fraction, data.horizon).train_end;
  long tail_begin = std::max(0L, rows - held_out);
  std::string tail_name = "the held-out tail";
  const std::vector<std::int64_t>& trained = checkpoint.data_tail.ticks;
  if (static_cast<long>(history.ticks.size()) == rows && rows > 0 && !trained.empty()) {
    const TimeIndex index = checkpoint.columns.time_index();
    const bool refitted = checkpoint.config.training.refit == Toggle::on;
    const std::int64_t last_seen = index.advance(trained.back(), -checkpoint.test_rows);
    const long after = static_cast<long>(std::upper_bound(history.ticks.begin(), history.ticks.end(), last_seen) - history.ticks.begin());
    if (after < rows && (refitted || after < tail_begin)) {
      tail_begin = after;
      tail_name = refitted ? "the rows after the last time it trained on (" + index.format_tick(last_seen) + ")"
                           : "the rows after its training data (" + index.format_tick(last_seen) + ")";
    }
  }
  BacktestPlan plan;
  try {
    plan = plan_backtest(rows, data.look_back, options.horizon.value_or(default_horizon(checkpoint)),
                         options.season.value_or(checkpoint.columns.seasonal_period), options, tail_begin,
                         history.source, tail_name);
  } catch (const InputError& e) {
    // Too few rows: say which rows of the file were not read, if any (a feature that ends early).
    const std::string dropped = dropped_rows_note(history.dropped);
    if (dropped.empty() || e.file() != history.source) throw;
    throw InputError(e.file(), e.line(), e.column(), e.message() + "; " + dropped);
  }
  const std::string in_sample = in_sample_note(checkpoint, history, plan);
  plan.rule += in_sample;

  // One method at a time, each scored and freed before the next is made: [origins, horizon *
  // targets] each, they were held together with the pairs scored (5 such copies: 2.4 GB for 512,000
  // rows at horizon 1,000, a review measured). The same scores, in the same order.
  Backtest result;
  const auto score = [&](MethodForecasts forecasts) {
    std::vector<MethodForecasts> one;
    one.push_back(std::move(forecasts));
    Backtest scored = score_backtest(history.values, checkpoint.columns.targets, plan, one, history.target_filled);
    if (result.scores.empty()) {
      result = std::move(scored);
    } else {
      for (MethodScores& s : scored.scores) result.scores.push_back(std::move(s));
    }
  };
  score({"lstm", predict_at(checkpoint, history.values, history.phase, plan.origins, plan.horizon, options.threads)});
  score(naive_forecasts(history.values, targets, plan));
  score(seasonal_naive_forecasts(history.values, targets, plan));
  result.source = history.source;
  if (!in_sample.empty()) result.in_sample = in_sample.substr(2);  // without its leading "; "
  // Values the file lacks, filled by data.missing (--missing) for the inputs, are not scored: said.
  // The rows scored are each origin's next `horizon` rows: with a stride beyond the horizon, not
  // every row between the first origin and the last.
  std::vector<bool> is_scored(static_cast<std::size_t>(rows), false);
  for (const long origin : plan.origins)
    for (long r = origin; r < origin + plan.horizon && r < rows; ++r) is_scored[static_cast<std::size_t>(r)] = true;
  long filled = 0, scored = 0;
  for (long r = 0; r < rows; ++r) {
    if (!is_scored[static_cast<std::size_t>(r)]) continue;
    ++scored;
    if (row_filled(history.target_filled, r)) ++filled;
  }
  if (filled > 0)
    result.history_notes.push_back(
        std::to_string(filled) + " of the " + count_of(scored, "row") + " forecast " +
        (filled == 1 ? "has" : "have") + " a target value missing in the file (filled by data.missing, " +
        to_string(checkpoint.config.data.missing) + ", where an origin reads it): the forecasts of missing values "
        "are not scored");
  // Interpolation fills a gap toward the first value after it: a gap that reaches an origin (its
  // row o - 1 filled) was filled from a row the origin forecasts, or a later one. ffill reads
  // earlier values only, but under every policy the rows before a target's first value take that
  // value (series.hpp): an origin there has read it too (a review: ffill said nothing).
  if (!history.target_filled.empty()) {
    std::vector<long> first_value;  // per target: the first row the file holds a value in
    for (const std::vector<bool>& filled_rows : history.target_filled) {
      long r = 0;
      while (r < static_cast<long>(filled_rows.size()) && filled_rows[static_cast<std::size_t>(r)]) ++r;
      first_value.push_back(r);
    }
    long leading = 0, gap = 0;
    for (const long origin : plan.origins) {
      if (std::any_of(first_value.begin(), first_value.end(), [&](long first) { return origin - 1 < first; })) ++leading;
      else if (checkpoint.config.data.missing == MissingPolicy::interpolate && row_filled(history.target_filled, origin - 1)) ++gap;
    }
    const auto of = [&](long count) {  // "1 of the 1 origin follows ", "2 of the 9 origins follow "
      return std::to_string(count) + " of the " + count_of(static_cast<long>(plan.origins.size()), "origin") +
             (count == 1 ? " follows " : " follow ");
    };
    if (gap > 0)
      result.history_notes.push_back(
          of(gap) + "a gap filled by interpolation, which reads the first value after the gap, at or after "
          "the origin: forecasts from there have seen part of what they score (--missing ffill fills from earlier values)");
    if (leading > 0)
      result.history_notes.push_back(
          of(leading) + "rows before a target's first value in the file, filled with that value, at or "
          "after the origin: forecasts from there have seen part of what they score");
  }
  if (static_cast<long>(history.ticks.size()) == rows) {
    TimeIndex time;
    time.format = checkpoint.columns.time_format;
    time.frequency = checkpoint.columns.frequency;
    result.first_target_time = time.format_tick(history.ticks[static_cast<size_t>(plan.origins.front())]);
    result.last_target_time = time.format_tick(history.ticks[static_cast<size_t>(plan.origins.back() + plan.horizon - 1)]);
  }
  return result;
}

nlohmann::json score_json(const Score& score) { return score.value ? nlohmann::json(*score.value) : nlohmann::json(); }

nlohmann::json mase_scale_json(const Backtest& backtest, std::size_t k) {
  const MaseScale& scale = backtest.scales.at(k);
  return {{"value", scale.value ? nlohmann::json(*scale.value) : nlohmann::json()},
          {"m", scale.m},
          {"in_sample_rows", backtest.plan.origins.front()},
          {"differences", scale.terms}};
}

nlohmann::json to_json(const Backtest& backtest) {
  const BacktestPlan& plan = backtest.plan;
  nlohmann::json targets = nlohmann::json::object();
  for (size_t k = 0; k < backtest.targets.size(); ++k)
    targets[backtest.targets[k]] = {{"mase_scale", mase_scale_json(backtest, k)}, {"methods", nlohmann::json::object()}};
  for (const MethodScores& s : backtest.scores)
    targets[s.target]["methods"][s.method] = {{"mae", score_json(s.mae)},     {"rmse", score_json(s.rmse)},
                                              {"mape", score_json(s.mape)},   {"smape", score_json(s.smape)},
                                              {"mase", score_json(s.mase)},   {"mae_by_step", by_step_json(s.mae_by_step)}};
  nlohmann::json target_rows = {{"first", plan.origins.front() + 1}, {"last", plan.origins.back() + plan.horizon}};
  if (!backtest.first_target_time.empty()) {
    target_rows["first_time"] = backtest.first_target_time;
    target_rows["last_time"] = backtest.last_target_time;
  }
  return {{"source", backtest.source},
          {"rows", plan.rows},
          {"look_back", plan.look_back},
          {"horizon", plan.horizon},
          {"stride", plan.stride},
          {"season", plan.season},
          {"origins", plan.origins},
          {"origin_rule", plan.rule},
          {"target_rows", target_rows},
          {"targets", targets},
          {"notes", backtest.notes()}};
}

std::string format_table(const Backtest& backtest) {
  const BacktestPlan& plan = backtest.plan;
  std::ostringstream out;
  const long first = plan.origins.front();
  const long last = plan.origins.back() + plan.horizon - 1;
  out << "backtest of " << printable(backtest.source, 4096) << ": " << plan.rows << " rows, look-back " << plan.look_back
      << ", horizon " << plan.horizon << "\n";
  out << plan.origins.size() << " origin" << (plan.origins.size() == 1 ? "" : "s") << ", stride " << plan.stride
      << ", forecasting " << row_range(first, last);
  if (!backtest.first_target_time.empty())
    out << " (" << backtest.first_target_time << " to " << backtest.last_target_time << ")";
  out << "; origins from " << plan.rule << "\n";
  // Fewer than m + 1 rows before the first origin: the scale is naive's (metrics.hpp seasonal_naive_scale, noted).
  out << "seasonal period m = " << plan.season << "; MASE scale: "
      << (plan.season > 1 && first < plan.season + 1 ? "naive MAE (m = 1: too few rows for m)" : "seasonal naive MAE")
      << " over " << (first > 0 ? row_range(0, first - 1) : "no rows");
  // Differences with a value the file lacked are left out (metrics.hpp seasonal_naive_scale): said.
  for (size_t k = 0; k < backtest.scales.size(); ++k) {
    const MaseScale& scale = backtest.scales[k];
    const long all = std::max(0L, first - scale.m);
    if (scale.terms > 0 && scale.terms < all)
      out << (backtest.targets.size() > 1 ? "; " + printable_whole(backtest.targets[k]) + ": " : ", ") << scale.terms
          << " of its " << all << " differences (" << all - scale.terms << " with a value missing in the file left out)";
  }
  out << "\n\n";

  // Target names escaped as messages show them, but whole (this is the result), padded by characters.
  size_t method_width = 6, target_width = 6;
  for (const MethodScores& s : backtest.scores) {
    method_width = std::max(method_width, s.method.size());
    target_width = std::max(target_width, display_columns(printable_whole(s.target)));
  }
  const auto row = [&](const std::string& method, const std::string& target, const std::vector<std::string>& cells) {
    const std::string shown = printable_whole(target);
    out << std::left << std::setw(static_cast<int>(method_width)) << method << "  " << shown
        << std::string(target_width - display_columns(shown), ' ') << std::right;
    for (const std::string& cell : cells) out << "  " << std::setw(9) << cell;
    out << "\n";
  };
  row("method", "target", {"MAE", "RMSE", "MAPE %", "sMAPE %", "MASE"});
  for (const MethodScores& s : backtest.scores)
    row(s.method, s.target,
        {format_value(s.mae), format_value(s.rmse), format_value(s.mape, 2), format_value(s.smape, 2),
         format_value(s.mase, 3)});
  return out.str();
}

}  // namespace lstmf
