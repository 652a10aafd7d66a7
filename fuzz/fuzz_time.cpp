// libFuzzer target: the time-column parser (parse_time, explain_time_error) and what is built on
// it (infer_time_index, TimeIndex::format_tick / advance / steps_between).
// Input: newline-separated timestamps, parsed like a time column.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.hpp"
#include "lstmf/error.hpp"
#include "lstmf/time_index.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<std::int64_t> ticks;
  lstmf::TimeFormat first_format;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(start, end - start);
    start = end + 1;
    std::int64_t tick = 0;
    lstmf::TimeFormat format;
    if (!lstmf::parse_time(line, tick, format)) {
      // Every refusal has an explanation.
      if (lstmf::explain_time_error(line).empty()) __builtin_trap();
      continue;
    }
    if (!lstmf::explain_time_error(line).empty()) __builtin_trap();
    if (ticks.empty()) first_format = format;
    // Like a time column: one form throughout, strictly increasing.
    if (format == first_format && (ticks.empty() || tick > ticks.back())) ticks.push_back(tick);
  }
  if (ticks.empty()) return 0;
  try {
    const lstmf::TimeIndex index = lstmf::infer_time_index(ticks, first_format);
    for (std::size_t i = 0; i < index.ticks.size(); ++i) {
      const std::string written = index.format_tick(index.ticks[i]);
      // What format_tick writes parses back, in the same form, to the same tick.
      std::int64_t again = 0;
      lstmf::TimeFormat format;
      if (!lstmf::parse_time(written, again, format)) __builtin_trap();
      if (format == index.format && again != index.ticks[i]) __builtin_trap();
      if (i > 0) (void)index.steps_between(index.ticks[i - 1], index.ticks[i]);
    }
    // Continue the index into the future, as predict does.
    const std::int64_t last = index.ticks.back();
    for (std::int64_t steps : {1, 2, 12, 1000}) {
      const std::int64_t next = index.advance(last, steps);
      (void)index.format_tick(next);
      // A step forward is that many steps (business days: Friday + 1 is Monday, one step).
      if (index.steps_between(last, next) != steps) __builtin_trap();
    }
  } catch (const lstmf::Error& e) {
    lstmf_fuzz::no_internal_error(e);  // exit 1 is a bug (README "Exit codes")
    // A typed error is a fine outcome; anything else escapes and libFuzzer reports it.
  }
  return 0;
}
