#include "lstmf/io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

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
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    long line, column;
    locate(text, e.byte > 0 ? e.byte - 1 : 0, line, column);
    std::string what = e.what();
    // nlohmann's message: "[json.exception.parse_error.101] parse error at line 1, column 5: syntax error while
    // parsing value - invalid literal; last read: 'x'" -> keep what follows "parse error ...: ".
    const auto colon = what.find(": ", what.find("parse error"));
    if (colon != std::string::npos) what = what.substr(colon + 2);
    throw InputError(source, line, column, "invalid JSON: " + what);
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
  if (::stat(folder.c_str(), &info) != 0 || !S_ISDIR(info.st_mode))
    throw IoError(path, "cannot write: folder '" + folder + "' does not exist");
  if (::access(folder.c_str(), W_OK) != 0) throw IoError(path, "cannot write: folder '" + folder + "' is not writable");
  if (::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode)) throw IoError(path, "is a folder, expected a file");
}

void write_atomically(const std::string& path, const std::string& content) {
  if (path == "-") {
    std::cout.write(content.data(), static_cast<std::streamsize>(content.size()));
    std::cout.flush();
    if (!std::cout) throw IoError("<stdout>", "write failed");
    return;
  }
  check_writable(path);
  std::string temp = path + ".tmp.XXXXXX";
  const int fd = ::mkstemp(temp.data());
  if (fd < 0) throw IoError(path, "cannot create a temporary file beside it: " + errno_text(errno));
  // mkstemp creates 0600; give the file the usual permissions.
  const mode_t mask = ::umask(0);
  ::umask(mask);
  ::fchmod(fd, 0666 & ~mask);
  size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      ::close(fd);
      ::unlink(temp.c_str());
      throw IoError(path, "write failed: " + errno_text(error));
    }
    written += static_cast<size_t>(n);
  }
  const bool synced = ::fsync(fd) == 0;
  int error = errno;
  const bool closed = ::close(fd) == 0;
  if (!closed) error = errno;
  if (!synced || !closed) {
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

namespace lstmf {

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
  std::string temp = path + ".tmp.XXXXXX";
  const int fd = ::mkstemp(temp.data());
  if (fd < 0) throw IoError(path, "cannot create a temporary file beside it: " + errno_text(errno));
  const mode_t mask = ::umask(0);
  ::umask(mask);
  ::fchmod(fd, 0666 & ~mask);
  const auto fail = [&](const std::string& what, int error) {
    ::close(fd);
    ::unlink(temp.c_str());
    throw IoError(path, what + errno_text(error));
  };
  try {
    produce([&](const std::string& piece) {
      size_t written = 0;
      while (written < piece.size()) {
        const ssize_t n = ::write(fd, piece.data() + written, piece.size() - written);
        if (n < 0) {
          if (errno == EINTR) continue;
          fail("write failed: ", errno);
        }
        written += static_cast<size_t>(n);
      }
    });
  } catch (const IoError&) {
    throw;
  } catch (...) {  // the producer failed: leave nothing behind
    ::close(fd);
    ::unlink(temp.c_str());
    throw;
  }
  if (::fsync(fd) != 0) fail("write failed: ", errno);
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
