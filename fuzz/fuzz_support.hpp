// Shared by the libFuzzer targets: the fuzz input as a file the path-taking loaders can open.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdio>
#include <cstdint>
#include <string>

#include "lstmf/error.hpp"

namespace lstmf_fuzz {

// An anonymous in-memory file (memfd) holding `size` bytes of `data`, opened by path through
// /proc/self/fd/N; closed (and gone) when this object is destroyed.
class MemFile {
 public:
  MemFile(const std::uint8_t* data, std::size_t size) {
    fd_ = ::memfd_create("fuzz-input", 0);
    if (fd_ < 0) __builtin_trap();
    std::size_t written = 0;
    while (written < size) {
      const ssize_t n = ::write(fd_, data + written, size - written);
      if (n <= 0) __builtin_trap();
      written += static_cast<std::size_t>(n);
    }
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  }
  ~MemFile() { ::close(fd_); }
  MemFile(const MemFile&) = delete;
  MemFile& operator=(const MemFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  int fd_ = -1;
  std::string path_;
};

// A typed error is a fine outcome for a fuzz input, but an internal one (ExitCode::internal, the
// CLI's exit 1, "a bug: please report it") is not: said on stderr, then reported as a crash.
inline void no_internal_error(const lstmf::Error& error) {
  if (error.code() != lstmf::ExitCode::internal) return;
  std::fprintf(stderr, "internal error (exit 1): %s\n", error.what());
  __builtin_trap();
}

}  // namespace lstmf_fuzz
