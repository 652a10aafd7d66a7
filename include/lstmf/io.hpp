// Files in and out: whole-file reads, JSON with located parse errors, and atomic writes.
#pragma once

#include <string>

#include <nlohmann/json_fwd.hpp>

namespace lstmf {

// The whole file ("-" = stdin). Throws IoError naming the file when it cannot be read.
std::string read_text(const std::string& path);

// Parses JSON text. A syntax error is an InputError "source:line:column: ..."; nesting deeper
// than `max_depth` is refused before parsing, so no input can exhaust the stack.
nlohmann::json parse_json(const std::string& text, const std::string& source, int max_depth = 64);
nlohmann::json read_json_file(const std::string& path, int max_depth = 64);

// Writes `content` to `path` so that readers see the old file or the whole new one, never a part:
// a temporary file in the same folder, flushed and fsync'ed, then renamed over `path`. "-" writes
// to stdout. Throws IoError naming the path (missing folder, no permission, disk full).
void write_atomically(const std::string& path, const std::string& content);

// Checks up front that `path` can be written (its folder exists and is writable), so a long job
// fails before it starts rather than after. "-" always passes.
void check_writable(const std::string& path);

}  // namespace lstmf

#include <functional>

namespace lstmf {

// write_atomically for content too large to hold at once: `produce` is called once and appends the
// content piece by piece through the function it is given. Same guarantees; "-" writes to stdout.
using AppendText = std::function<void(const std::string& piece)>;
void write_atomically_streamed(const std::string& path, const std::function<void(const AppendText& append)>& produce);

}  // namespace lstmf
