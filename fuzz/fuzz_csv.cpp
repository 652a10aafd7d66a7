// libFuzzer target: load_series (the CSV reader, column selection, missing-value policies, the
// time index) and the cell syntax (parse_number, number_hint, is_missing_marker).
// Input: one option byte (delimiter, missing policy, time column or not), then the file's bytes.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.hpp"
#include "lstmf/config.hpp"
#include "lstmf/csv.hpp"
#include "lstmf/error.hpp"
#include "lstmf/series.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t options = data[0];
  const lstmf_fuzz::MemFile file(data + 1, size - 1);
  static const char* const kDelimiters[] = {"auto", ",", ";", "\t"};
  const std::string delimiter = kDelimiters[options & 3];
  const auto missing = static_cast<lstmf::MissingPolicy>(((options >> 2) & 3) % 3);
  const bool time_column = (options & 16) != 0;
  const bool features = (options & 32) != 0;

  // The cell syntax on every piece between delimiters and line ends (cheap, no file).
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  std::size_t begin = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i < text.size() && std::string_view(",;\t\n\r").find(text[i]) == std::string_view::npos) continue;
    const std::string_view field = text.substr(begin, i - begin);
    double value = 0;
    if (lstmf::parse_number(field, value) != lstmf::NumberStatus::ok) (void)lstmf::number_hint(field);
    (void)lstmf::is_missing_marker(field);
    begin = i + 1;
  }

  // The header as load_series will see it, taken naively (a quoted name that does not match is an
  // error load_series reports, also worth fuzzing). libfccp's reader takes a 48 MiB buffer per file,
  // slow under ASan, so the file is read once, by load_series.
  std::vector<std::string> header;
  const std::string_view first_line = text.substr(0, text.find('\n'));
  const char separator = delimiter == "auto" ? ',' : delimiter[0];
  for (std::size_t from = 0; from <= first_line.size();) {
    std::size_t to = first_line.find(separator, from);
    if (to == std::string_view::npos) to = first_line.size();
    header.emplace_back(first_line.substr(from, to - from));
    from = to + 1;
  }
  if (header.empty()) return 0;

  // Columns as a user would pick them: the time column first, then the target, then features.
  lstmf::DataConfig config;
  config.path = file.path();
  config.delimiter = delimiter;
  config.missing = missing;
  std::size_t next = 0;
  if (time_column && header.size() > 1) config.time_column = header[next++];
  config.targets = {header[next++]};
  while (features && next < header.size() && config.features.size() < 3) config.features.push_back(header[next++]);
  try {
    const lstmf::SeriesSet set = lstmf::load_series(config);
    for (const auto& series : set.series) {
      if (series.values.cols() != static_cast<long>(series.columns.size())) __builtin_trap();
      if (!series.time.ticks.empty() && static_cast<long>(series.time.ticks.size()) != series.rows()) __builtin_trap();
      for (long r = 0; r < series.values.rows(); ++r)
        for (long c = 0; c < series.values.cols(); ++c)
          if (!std::isfinite(series.values(r, c))) __builtin_trap();  // no NaN after loading
    }
  } catch (const lstmf::Error& e) {
    lstmf_fuzz::no_internal_error(e);  // exit 1 is a bug (README "Exit codes")
  }
  return 0;
}
