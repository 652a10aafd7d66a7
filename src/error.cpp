#include "lstmf/error.hpp"

namespace lstmf {

std::string format_location(const std::string& file, long line, long column, const std::string& message) {
  std::string out = file;
  if (!file.empty() && line > 0) {
    out += ":" + std::to_string(line);
    if (column > 0) out += ":" + std::to_string(column);
  }
  if (!out.empty()) out += ": ";
  return out + message;
}

InputError::InputError(std::string file, long line, long column, std::string message)
    : Error(format_location(file, line, column, message), ExitCode::input),
      file_(std::move(file)),
      line_(line),
      column_(column),
      message_(std::move(message)) {}

}  // namespace lstmf
