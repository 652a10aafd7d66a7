// libFuzzer target: the checkpoint loader from JSON text (parse_json + checkpoint_from_json), then
// what a loaded checkpoint is used for: writing it back, and a short forecast from its data tail.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "fuzz_support.hpp"
#include "lstmf/checkpoint.hpp"
#include "lstmf/error.hpp"
#include "lstmf/forecast.hpp"
#include "lstmf/io.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::optional<lstmf::Checkpoint> loaded;
  try {
    loaded.emplace(lstmf::checkpoint_from_json(lstmf::parse_json(text, "fuzz.json"), "fuzz.json"));
  } catch (const lstmf::Error& e) {
    lstmf_fuzz::no_internal_error(e);  // exit 1 is a bug (README "Exit codes")
    return 0;
  }
  const lstmf::Checkpoint& checkpoint = *loaded;
  // A checkpoint that loaded writes out and loads back.
  try {
    (void)lstmf::checkpoint_from_json(nlohmann::json::parse(lstmf::checkpoint_text(checkpoint)), "again.json");
  } catch (const lstmf::Error&) {
    __builtin_trap();
  }
  try {
    const lstmf::History history = lstmf::tail_history(checkpoint);
    const int horizon = checkpoint.config.data.horizon + 1;  // one recursive step past H when allowed
    const lstmf::Forecast out = lstmf::forecast(checkpoint, history, horizon, 1);
    for (long r = 0; r < out.values.rows(); ++r)
      for (long c = 0; c < out.values.cols(); ++c)
        if (!std::isfinite(out.values(r, c))) __builtin_trap();  // nothing non-finite is returned
    (void)lstmf::to_csv(out);
  } catch (const lstmf::Error& e) {
    lstmf_fuzz::no_internal_error(e);  // exit 1 is a bug (README "Exit codes")
  }
  return 0;
}
