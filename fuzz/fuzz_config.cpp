// libFuzzer target: the config loader from JSON text: parse_json (depth limit, located syntax
// errors), apply_json (unknown keys, types, validation) and the round trip through to_json.
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "fuzz_support.hpp"
#include "lstmf/config.hpp"
#include "lstmf/error.hpp"
#include "lstmf/io.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  lstmf::Config config;
  try {
    const nlohmann::json json = lstmf::parse_json(text, "fuzz.json");
    lstmf::apply_json(config, json, "fuzz.json");
  } catch (const lstmf::Error& e) {
    lstmf_fuzz::no_internal_error(e);  // exit 1 is a bug (README "Exit codes")
    return 0;
  }
  // A config that loaded is valid, and writing it out and reading it back gives the same config.
  if (!lstmf::validate(config).empty()) __builtin_trap();
  const nlohmann::json written = lstmf::to_json(config);
  lstmf::Config again;
  try {
    lstmf::apply_json(again, lstmf::parse_json(written.dump(), "again.json"), "again.json");
  } catch (const lstmf::Error&) {
    __builtin_trap();
  }
  if (lstmf::to_json(again) != written) __builtin_trap();
  return 0;
}
