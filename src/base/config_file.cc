// src/base/config_file.cc — see config_file.h.
#include "src/base/config_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <vector>

namespace cairn::server {
namespace {

// Printable ASCII, independent of the locale (isprint would depend on it).
bool Printable(char c) { return c >= 0x20 && c <= 0x7e; }

// Writes all of data to fd, retrying short writes and EINTR.
Status WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::IoError(errno, "write");
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

// fsync of the directory holding path, so that the rename itself survives a crash.
Status SyncParentDir(const std::string& path) {
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::IoError(errno, "open directory " + dir);
  Status st = ::fsync(fd) == 0 ? Status::Ok() : Status::IoError(errno, "fsync directory " + dir);
  ::close(fd);
  return st;
}

}  // namespace

std::string QuoteConfigValue(std::string_view value) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (char c : value) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\a': out += "\\a"; break;
      case '\b': out += "\\b"; break;
      default:
        if (Printable(c)) {
          out += c;
        } else {
          unsigned char b = static_cast<unsigned char>(c);
          out += {'\\', 'x', kHex[b >> 4], kHex[b & 15]};
        }
    }
  }
  return out + "\"";
}

std::string ConfigWord(std::string_view value) {
  bool plain = !value.empty() && std::all_of(value.begin(), value.end(), [](char c) {
    return Printable(c) && c != ' ' && c != '"' && c != '\'' && c != '\\';
  });
  return plain ? std::string(value) : QuoteConfigValue(value);
}

Status ReplaceFileAtomically(const std::string& path, std::string_view contents) {
  std::vector<char> tmp(path.begin(), path.end());
  for (char c : std::string_view(".tmp-XXXXXX")) tmp.push_back(c);
  tmp.push_back('\0');
  int fd = ::mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) return Status::IoError(errno, "create temporary file");
  struct stat old_file {};
  mode_t mode = ::stat(path.c_str(), &old_file) == 0 ? (old_file.st_mode & 07777) : 0644;
  Status st = ::fchmod(fd, mode) == 0 ? Status::Ok() : Status::IoError(errno, "fchmod");
  if (st.ok()) st = WriteAll(fd, contents);
  if (st.ok() && ::fsync(fd) != 0) st = Status::IoError(errno, "fsync");
  if (::close(fd) != 0 && st.ok()) st = Status::IoError(errno, "close");
  if (st.ok() && ::rename(tmp.data(), path.c_str()) != 0) st = Status::IoError(errno, "rename");
  if (!st.ok()) {
    ::unlink(tmp.data());
    return st;
  }
  return SyncParentDir(path);
}

}  // namespace cairn::server
