// lstm-forecast inspect: load the data as train would and say what was found (rows, columns,
// frequency, split and windows), without training.
#include <algorithm>
#include <iostream>
#include <optional>
#include <unordered_set>

#include "commands.hpp"
#include "config_flags.hpp"
#include "lstmf/dataset.hpp"
#include "lstmf/error.hpp"
#include "lstmf/fit.hpp"
#include "lstmf/fit_summary.hpp"
#include "lstmf/forecast.hpp"
#include "lstmf/io.hpp"
#include "lstmf/panel.hpp"
#include "lstmf/recipe.hpp"

namespace lstmf::cli {

Command add_inspect(CLI::App& app) {
  auto* command = app.add_subcommand("inspect", "Load a CSV as train would and summarise it: rows, columns, frequency, windows");
  auto flags = std::make_shared<ConfigFlags>();
  add_config_flags(*command, *flags);
  // Every flag of train is taken, so a train command line inspects as it stands; those of the
  // run and its outputs are listed apart in --help, and a note says so when given.
  // (--checkpoint-every is checked as train checks it: inspect says train would refuse it.)
  static const char* const kWithoutEffect[] = {"output.path", "output.log_json", "training.seed", "training.threads"};
  for (const char* key : kWithoutEffect)
    if (const auto option = flags->options.find(key); option != flags->options.end())
      option->second->group("Train's flags without effect here (inspect trains and writes nothing)");
  return {command, [flags] {
            Config requested = resolve_config(*flags);
            require_data_path(requested, *flags);
            // inspect trains nothing and writes nothing: flags only train reads, given here, say so
            // (a config file's keys are for train, and said nothing of).
            for (const char* key : kWithoutEffect) {
              const auto option = flags->options.find(key);
              if (option != flags->options.end() && option->second->count() > 0)
                Talk() << "note: " << option->second->get_name() << " has no effect with inspect, which trains and writes nothing";
              else if (!given_flag(*flags, key).empty())  // by --set
                Talk() << "note: --set " << key << " has no effect with inspect, which trains and writes nothing";
            }
            check_distinct("-", "-", {{"--data", requested.data.path}, {"--config", flags->config_file}});  // `inspect >> data.csv`
            const bool many = !requested.data.series_column.empty();
            std::string dropped, unread;
            SeriesSet data = load_training_series(requested.data, &dropped, &unread, nullptr,  // as fit() reads it
                                                  requested.is_given("data.time_column"));
            const std::string rows_dropped =  // train's note
                many ? dropped_rows_note(data)
                     : dropped_rows_note(data.series.front().dropped);
            // What train would use: the recipe's choices for the keys chosen from the data, and
            // with a series column the many-series rule, skipping the series too short for it.
            const auto say_dropped = [&] {
              if (!dropped.empty()) std::cout << "time column not read: " << dropped << "\n";
              if (!rows_dropped.empty()) std::cout << "dropped: " << rows_dropped << "\n";
            };
            FitPlan plan;
            if (many) {
              plan = FitPlan{resolve_panel_recipe(requested, data), ShortSeries::none, 0};
            } else {
              try {
                plan = plan_fit(requested, data);
              } catch (const InputError& e) {  // the recipe's refusal (a season given that no window holds): no recipe to show
                std::cout << describe(data) << "train refuses this data: " << printable_whole(e.what()) << "\n";
                say_dropped();
                return 0;
              }
            }
            const Config& config = plan.config;
            check_checkpoint_every(config, setting_source(requested, *flags, "output.checkpoint_every"));  // as train refuses it
            std::vector<SkippedSeries> skipped;
            const int recipe_look_back = requested.data.look_back == 0 ? config.data.look_back : 0;  // as train says it
            if (many) {
              data = drop_short_series(std::move(data), config.data, skipped);
              refuse_no_series(data, skipped, recipe_look_back);
            }
            std::string refused;  // what train refuses in the rows, said here rather than found there
            if (!many) try {
                check_trainable(config, data);
              } catch (const InputError& e) {
                refused = e.what();
              }
            // Many series: those training skips for their values, or (one global model) the first,
            // which fails the run.
            if (many) {
              std::vector<SkippedSeries> values = refused_series(data, config);
              if (!values.empty() && (config.training.mode == TrainingMode::global || config.data.strict)) {
                refused = data.source + ": series " + in_quotes(values.front().id) + ": " + values.front().reason;
              } else {
                std::unordered_set<std::string> refused_ids;  // one pass: an erase per id was O(refused x series)
                for (const SkippedSeries& s : values) refused_ids.insert(s.id);
                data.series.erase(std::remove_if(data.series.begin(), data.series.end(),
                                                 [&](const Series& series) { return refused_ids.count(series.id) > 0; }),
                                  data.series.end());
                skipped.insert(skipped.end(), values.begin(), values.end());
                refuse_no_series(data, skipped, recipe_look_back);
              }
            }
            // Data train refuses may have no split or windows (too short): then described without.
            std::optional<Dataset> dataset;
            try {
              dataset = prepare_dataset(refused.empty() ? std::move(data) : SeriesSet(data), config.data);
            } catch (const InputError&) {
              if (refused.empty()) throw;
            }
            std::cout << (dataset ? describe(*dataset) : describe(data));
            // Escaped as errors are: the message names the file, which may hold a line break.
            if (!refused.empty()) std::cout << "train refuses this data: " << printable_whole(refused) << "\n";
            if (!many && dataset && refused.empty()) {  // train's note, from the scaler of the first run's training rows
              const std::string constant =
                  constant_columns_note(dataset->scalers.front(), config.data.targets, config.data.features);
              if (!constant.empty()) std::cout << "note: " << constant << "\n";
            }
            say_dropped();
            if (!unread.empty())
              std::cout << "note: " << time_column_unread_note(unread, many ? std::max(1, config.data.season) : 0) << "\n";
            if (!many && requested.data.horizon > config.data.horizon)  // as train's settings line
              std::cout << "horizon: " << config.data.horizon << " trained, "
                        << (plan.forecast_horizon > 0
                                ? "rolled forward to the " + std::to_string(plan.forecast_horizon) + " asked for"
                                : "not the " + std::to_string(requested.data.horizon) +
                                      " asked for: too long for this series, and features cannot be rolled forward")
                        << "\n";
            for (const auto& s : skipped) std::cout << "skipped series '" << printable(s.id) << "': " << s.reason << "\n";
            std::cout << "recipe: normalise " << to_string(config.data.normalise) << ", season " << config.data.season
                      << ", seasonal adjustment " << to_string(config.data.seasonal_adjust) << ", epochs " << config.training.epochs << ", ensemble " << config.model.ensemble
                      << (config.training.combine == Toggle::on && plan.fallback == ShortSeries::none
                              ? ", combined with a baseline where it validates (training.combine)" : "")
                      << (plan.fallback == ShortSeries::seasonal_naive ? ", forecast by seasonal naive alone"
                          : plan.fallback == ShortSeries::naive_theta
                              ? (config.training.theta_weight > 0 ? ", forecast by the mean of naive and Theta"
                                                                  : ", forecast by naive alone (training.theta_weight 0)")
                              : "")
                      << (plan.fallback == ShortSeries::none ? std::string() : std::string(" (") + short_series_reason(plan.fallback) + ")")
                      << "\n";
            return 0;
          }};
}

}  // namespace lstmf::cli
