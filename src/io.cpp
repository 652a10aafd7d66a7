#include "lstmf/io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "lstmf/error.hpp"

namespace lstmf {
namespace {

std::string folder_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string errno_text(int error) { return std::strerror(error); }

// Line and column (1-based) of byte offset `offset` in `text`.
void locate(const std::string& text, size_t offset, long& line, long& column) {
  line = 1;
  column = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
}

}  // namespace

std::string read_text(const std::string& path) {
  if (path == "-") {
    std::ostringstream out;
    out << std::cin.rdbuf();
    return out.str();
  }
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) throw IoError(path, "cannot open: " + errno_text(errno));
  if (S_ISDIR(info.st_mode)) throw IoError(path, "is a folder, expected a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(path, "cannot open: " + errno_text(errno));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw IoError(path, "read failed");
  return text;
}


nlohmann::json parse_json(const std::string& text, const std::string& source, int max_depth) {
  if (text.find_first_not_of(" \t\r\n") == std::string::npos)
    throw InputError(source, 0, 0, "empty file, expected a JSON object");
  // Depth scan outside strings, so nothing deeper than max_depth reaches the parser.
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > max_depth) {
        long line, column;
        locate(text, i, line, column);
        throw InputError(source, line, column, "JSON nested deeper than " + std::to_string(max_depth) + " levels");
      }
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  // Duplicate keys: nlohmann keeps the last silently; a config or checkpoint with one is refused,
  // naming the key's path. The callback sees keys and object bounds only (parse events).
  std::vector<std::vector<std::string>> keys_seen;  // per open object
  std::vector<std::string> path;                    // keys of the open objects' current members
  std::string duplicate;
  const auto track = [&](int, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using Event = nlohmann::json::parse_event_t;
    if (event == Event::object_start) {
      keys_seen.emplace_back();
      path.emplace_back();
    } else if (event == Event::object_end && !keys_seen.empty()) {
      keys_seen.pop_back();
      path.pop_back();
    } else if (event == Event::key && !keys_seen.empty()) {
      const std::string& key = parsed.get_ref<const std::string&>();
      auto& seen = keys_seen.back();
      if (duplicate.empty() && std::find(seen.begin(), seen.end(), key) != seen.end()) {
        for (std::size_t i = 0; i + 1 < path.size(); ++i) duplicate += path[i] + ".";  // the enclosing keys
        duplicate += key;
      }
      seen.push_back(key);
      path.back() = key;
    }
    return true;
  };
  try {
    nlohmann::json parsed = nlohmann::json::parse(text, track);
    if (!duplicate.empty())
      throw InputError(source, 0, 0, "duplicate key '" + printable(duplicate) + "': a key may appear once in an object");
    return parsed;
  } catch (const nlohmann::json::out_of_range& e) {
    // "number overflow parsing '1e400'": located by finding the number in the text.
    std::string what = e.what();
    const auto colon = what.find("] ");
    if (colon != std::string::npos) what = what.substr(colon + 2);
    long line = 0, column = 0;
    const auto open = what.find('\''), close = what.rfind('\'');
    if (open != std::string::npos && close > open) {
      const auto at = text.find(what.substr(open + 1, close - open - 1));
      if (at != std::string::npos) locate(text, at, line, column);
    }
    throw InputError(source, line, column, "invalid JSON: " + printable(what, 200) + " (numbers must lie within +-1.8e308)");
  } catch (const nlohmann::json::parse_error& e) {
    long line, column;
    locate(text, e.byte > 0 ? e.byte - 1 : 0, line, column);
    std::string what = e.what();
    // nlohmann's message: "[json.exception.parse_error.101] parse error at line 1, column 5: syntax error while
    // parsing value - invalid literal; last read: 'x'" -> keep what follows "parse error ...: ".
    const auto colon = what.find(": ", what.find("parse error"));
    if (colon != std::string::npos) what = what.substr(colon + 2);
    throw InputError(source, line, column, "invalid JSON: " + printable(what, 200));
  }
}

nlohmann::json read_json_file(const std::string& path, int max_depth) {
  return parse_json(read_text(path), path == "-" ? "<stdin>" : path, max_depth);
}

void check_writable(const std::string& path) {
  if (path == "-") return;
  if (path.empty()) throw IoError(path, "empty output path");
  const std::string folder = folder_of(path);
  struct stat info {};
  if (::stat(folder.c_str(), &info) != 0) throw IoError(path, "cannot write: folder '" + folder + "' does not exist");
  if (!S_ISDIR(info.st_mode)) throw IoError(path, "cannot write: '" + folder + "' is a file, not a folder");
  if (::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode)) throw IoError(path, "is a folder, expected a file");
  if (::stat(path.c_str(), &info) == 0 && !S_ISREG(info.st_mode)) {  // /dev/null, a pipe: written in place
    if (::access(path.c_str(), W_OK) != 0) throw IoError(path, "cannot write: " + errno_text(errno));
    return;
  }
  if (::access(folder.c_str(), W_OK) != 0) throw IoError(path, "cannot write: folder '" + folder + "' is not writable");
  // access() says yes to root and knows nothing of read-only mounts or special folders (/proc):
  // only creating a file there tells.
  std::string probe = folder + "/.lstm-forecast-probe-XXXXXX";
  const int fd = ::mkstemp(probe.data());
  if (fd < 0) throw IoError(path, "cannot write: cannot create a file in folder '" + folder + "': " + errno_text(errno));
  ::close(fd);
  ::unlink(probe.c_str());
}

void write_atomically(const std::string& path, const std::string& content) {
  write_atomically_streamed(path, [&](const AppendText& append) { append(content); });
}

void write_atomically_streamed(const std::string& path, const std::function<void(const AppendText& append)>& produce) {
  if (path == "-") {
    produce([](const std::string& piece) {
      std::cout.write(piece.data(), static_cast<std::streamsize>(piece.size()));
      if (!std::cout) throw IoError("<stdout>", "write failed");
    });
    std::cout.flush();
    if (!std::cout) throw IoError("<stdout>", "write failed");
    return;
  }
  check_writable(path);
  struct stat info {};
  if (::stat(path.c_str(), &info) == 0 && !S_ISREG(info.st_mode)) {
    // A device or a pipe (/dev/null, /dev/stdout, a fifo) is written in place: renaming over it
    // would replace the device with a file.
    std::ofstream out(path, std::ios::binary);
    produce([&](const std::string& piece) {
      out.write(piece.data(), static_cast<std::streamsize>(piece.size()));
      if (!out) throw IoError(path, "write failed");
    });
    out.flush();
    if (!out) throw IoError(path, "write failed");
    return;
  }
  std::string temp = path + ".tmp.XXXXXX";
  const int fd = ::mkstemp(temp.data());
  if (fd < 0) throw IoError(path, "cannot create a temporary file beside it: " + errno_text(errno));
  // mkstemp creates 0600; give the file the usual permissions.
  const mode_t mask = ::umask(0);
  ::umask(mask);
  ::fchmod(fd, 0666 & ~mask);
  const auto discard = [&] {
    ::close(fd);
    ::unlink(temp.c_str());
  };
  try {
    produce([&](const std::string& piece) {
      size_t written = 0;
      while (written < piece.size()) {
        const ssize_t n = ::write(fd, piece.data() + written, piece.size() - written);
        if (n < 0) {
          if (errno == EINTR) continue;
          throw IoError(path, "write failed: " + errno_text(errno));
        }
        written += static_cast<size_t>(n);
      }
    });
  } catch (...) {  // a failed write or a failed producer: leave nothing behind
    discard();
    throw;
  }
  if (::fsync(fd) != 0) {
    const int error = errno;
    discard();
    throw IoError(path, "write failed: " + errno_text(error));
  }
  if (::close(fd) != 0) {
    const int error = errno;
    ::unlink(temp.c_str());
    throw IoError(path, "write failed: " + errno_text(error));
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int error = errno;
    ::unlink(temp.c_str());
    throw IoError(path, "cannot rename the temporary file into place: " + errno_text(error));
  }
}

}  // namespace lstmf
