#include "lstmf/io.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
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

// When this process started (as far as the library can tell: when it was loaded). A temporary file
// older than this cannot be one this process is writing.
const struct timespec g_process_start = [] {
  struct timespec now {};
  ::clock_gettime(CLOCK_REALTIME, &now);
  return now;
}();

bool older_than_start(const struct timespec& t) {
  return t.tv_sec < g_process_start.tv_sec ||
         (t.tv_sec == g_process_start.tv_sec && t.tv_nsec < g_process_start.tv_nsec);
}

// mkstemp's suffix: exactly six characters from [A-Za-z0-9].
bool is_temporary_of(const std::string& name, const std::string& base) {
  const std::string prefix = base + ".tmp.";
  if (name.size() != prefix.size() + 6 || name.compare(0, prefix.size(), prefix) != 0) return false;
  for (size_t i = prefix.size(); i < name.size(); ++i)
    if (!std::isalnum(static_cast<unsigned char>(name[i]))) return false;
  return true;
}

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
  } catch (const nlohmann::json::out_of_range& e) {
    // A number beyond double's range (1e400): nlohmann throws out_of_range 406 "number overflow
    // parsing '1e400'" without a position; the number's first occurrence outside strings locates it.
    const std::string what = e.what();
    const auto open = what.find('\'');
    const auto close = what.rfind('\'');
    long line = 0, column = 0;
    std::string number;
    if (open != std::string::npos && close > open) number = what.substr(open + 1, close - open - 1);
    if (!number.empty()) {
      const auto at = text.find(number);
      if (at != std::string::npos) locate(text, at, line, column);
    }
    throw InputError(source, line, column,
                     "invalid JSON: number " + (number.empty() ? std::string("out of range") : number + " is beyond the range of a double"));
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

int remove_stale_temporaries(const std::string& path) {
  if (path.empty() || path == "-") return 0;
  const std::string folder = folder_of(path);
  const auto slash = path.find_last_of('/');
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  DIR* dir = ::opendir(folder.c_str());
  if (dir == nullptr) return 0;
  int removed = 0;
  while (const struct dirent* entry = ::readdir(dir)) {
    const std::string name = entry->d_name;
    if (!is_temporary_of(name, base)) continue;
    const std::string file = folder + "/" + name;
    const int fd = ::open(file.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) continue;
    struct stat info {};
    // Ours only if older than this process (a writer that started since is not stale) and no live
    // writer holds its lock (a writer locks right after mkstemp and keeps the lock until the rename).
    if (::fstat(fd, &info) == 0 && S_ISREG(info.st_mode) && older_than_start(info.st_mtim) &&
        ::flock(fd, LOCK_EX | LOCK_NB) == 0 && ::unlink(file.c_str()) == 0)
      ++removed;
    ::close(fd);
  }
  ::closedir(dir);
  return removed;
}

void write_atomically(const std::string& path, const std::string& content) {
  if (path == "-") {
    std::cout.write(content.data(), static_cast<std::streamsize>(content.size()));
    std::cout.flush();
    if (!std::cout) throw IoError("<stdout>", "write failed");
    return;
  }
  check_writable(path);
  remove_stale_temporaries(path);
  std::string temp = path + ".tmp.XXXXXX";
  const int fd = ::mkstemp(temp.data());
  if (fd < 0) throw IoError(path, "cannot create a temporary file beside it: " + errno_text(errno));
  ::flock(fd, LOCK_EX);  // marks the file live for remove_stale_temporaries; released by close
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
  if (::fsync(fd) != 0) {
    const int error = errno;
    ::unlink(temp.c_str());
    ::close(fd);
    throw IoError(path, "write failed: " + errno_text(error));
  }
  // Renamed while still open, so the lock covers the temporary file until it is in place.
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int error = errno;
    ::unlink(temp.c_str());
    ::close(fd);
    throw IoError(path, "cannot rename the temporary file into place: " + errno_text(error));
  }
  ::close(fd);  // the data is on disk already (fsync)
}

}  // namespace lstmf
