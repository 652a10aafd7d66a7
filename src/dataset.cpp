#include "lstmf/dataset.hpp"

#include <algorithm>
#include <sstream>
#include <unordered_map>

#include "lstmf/error.hpp"

namespace lstmf {

Dataset prepare_dataset(const DataConfig& data) { return prepare_dataset(load_series(data), data); }

Dataset prepare_dataset(SeriesSet source, const DataConfig& data) {
  if (source.series.empty()) throw InputError(source.source, 0, 0, "no series found");
  const Series& first = source.series.front();
  const int inputs = static_cast<int>(first.columns.size());
  Dataset dataset(data.look_back, data.horizon, inputs, first.n_targets);
  const WindowNormalisation normalisation = WindowNormalisation::of(data);
  for (WindowSet* windows : {&dataset.train, &dataset.validation, &dataset.test}) windows->set_normalisation(normalisation);
  for (const Series& series : source.series) {
    const std::string what = source.source + (series.id.empty() ? "" : ": series '" + series.id + "'");
    const Split split =
        split_rows(series.rows(), data.val_fraction, data.test_fraction, data.look_back, data.horizon, what);
    MinMaxScaler scaler(data.scale_min, data.scale_max);
    scaler.fit(series.values, split.train_end);  // the training rows alone: no leakage
    auto scaled = std::make_unique<MatrixF>(scaler.transform(series.values).cast<float>());
    const int block = dataset.train.add_block(scaled.get());
    dataset.validation.add_block(scaled.get());
    dataset.test.add_block(scaled.get());
    dataset.train.add_windows(block, 0, split.train_end, data.stride);
    dataset.validation.add_windows(block, split.train_end, split.val_end, data.stride);
    dataset.test.add_windows(block, split.val_end, split.rows, data.stride);
    dataset.splits.push_back(split);
    dataset.scalers.push_back(std::move(scaler));
    dataset.scaled.push_back(std::move(scaled));
  }
  dataset.source = std::move(source);
  return dataset;
}

std::string describe(const SeriesSet& set) {
  std::ostringstream out;
  out << "file: " << printable(set.source, 4096) << "\n";  // one line, whatever the name holds
  long rows = 0;
  for (const auto& s : set.series) rows += s.rows();
  out << "series: " << set.series.size() << "\n";
  out << "rows: " << rows << "\n";
  const Series& first = set.series.front();
  out << "columns: ";
  for (size_t c = 0; c < first.columns.size(); ++c)
    out << (c ? ", " : "") << printable_whole(first.columns[c]) << (static_cast<int>(c) < first.n_targets ? " (target)" : " (feature)");
  out << "\n";
  const auto frequency_text = [](const Frequency& f) {
    return f.name() + " (seasonal period " + std::to_string(f.seasonal_period()) + ")";
  };
  if (first.time.ticks.empty()) {
    out << "time: none (rows are periods)\n";
  } else if (set.series.size() == 1) {
    const TimeIndex& time = first.time;
    out << "time: " << printable_whole(set.time_column) << ", " << time.format_tick(time.ticks.front()) << " to "
        << time.format_tick(time.ticks.back()) << "\n";
    out << "frequency: " << frequency_text(time.frequency) << "\n";
  } else {
    // Each series has its own range, and may have its own frequency: the first's range, and the
    // frequencies with how many series have each, the most series first (ties in order of first
    // appearance), at most kShownFrequencies of them: series of irregular steps may each have their own.
    const TimeIndex& time = first.time;
    out << "time: " << printable_whole(set.time_column) << ", each series its own range (the first, '" << printable(first.id)
        << "': " << time.format_tick(time.ticks.front()) << " to " << time.format_tick(time.ticks.back()) << ")\n";
    std::vector<std::pair<std::string, long>> frequencies;
    std::unordered_map<std::string, std::size_t> index_of;  // a search per series was O(series x frequencies)
    for (const auto& s : set.series) {
      const std::string text = frequency_text(s.time.frequency);
      const auto [it, added] = index_of.emplace(text, frequencies.size());
      if (added) frequencies.emplace_back(text, 0);
      ++frequencies[it->second].second;
    }
    std::stable_sort(frequencies.begin(), frequencies.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    out << "frequency: ";
    if (frequencies.size() == 1) out << frequencies.front().first << "\n";
    constexpr std::size_t kShownFrequencies = 10;
    for (std::size_t i = 0; frequencies.size() > 1 && i < std::min(frequencies.size(), kShownFrequencies); ++i)
      out << (i ? "; " : "") << frequencies[i].first << ", " << frequencies[i].second << " series";
    if (frequencies.size() > kShownFrequencies) {
      long rest = 0;
      for (std::size_t i = kShownFrequencies; i < frequencies.size(); ++i) rest += frequencies[i].second;
      const std::size_t more = frequencies.size() - kShownFrequencies;
      out << "; and " << more << (more == 1 ? " more frequency (" : " more frequencies (") << rest << " series)";
    }
    if (frequencies.size() > 1) out << "\n";
  }
  return out.str();
}

std::string describe(const Dataset& dataset) {
  std::ostringstream out;
  out << describe(dataset.source);
  long train_rows = 0, val_rows = 0, test_rows = 0;
  for (const auto& split : dataset.splits) {
    train_rows += split.train_end;
    val_rows += split.val_end - split.train_end;
    test_rows += split.rows - split.val_end;
  }
  out << "split: " << train_rows << " training, " << val_rows << " validation, " << test_rows << " test rows\n";
  out << "windows: " << dataset.train.size() << " training, " << dataset.validation.size() << " validation, "
      << dataset.test.size() << " test (look-back " << dataset.look_back << ", horizon " << dataset.horizon << ")\n";
  return out.str();
}

}  // namespace lstmf
