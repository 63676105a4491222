// store/durability/file_window.cc — see file_window.h.
#include "store/durability/file_window.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "store/durability/crc32c.h"

namespace cairn::store {
namespace {

// Bytes read per pread: large enough that the system calls cost nothing next to the bytes,
// small enough to stay in the caches while they are checksummed or decoded.
constexpr size_t kReadBytes = 1 << 20;

}  // namespace

Status ReadExactly(int fd, char* out, size_t n, uint64_t offset, const std::string& path) {
  while (n > 0) {
    ssize_t got = ::pread(fd, out, n, static_cast<off_t>(offset));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return Status::IoError(errno, "read " + path);
    if (got == 0) return Status::IoError(EIO, "read " + path + ": the file got shorter");
    out += got;
    n -= static_cast<size_t>(got);
    offset += static_cast<uint64_t>(got);
  }
  return Status::Ok();
}

FileWindow::FileWindow(int fd, uint64_t end, std::string path)
    : fd_(fd), end_(end), path_(std::move(path)) {}

Status FileWindow::Fill(size_t n) {
  size_t have = len_ - pos_;
  if (have >= n || at_end()) return Status::Ok();
  // Read at least a chunk's worth past the unconsumed bytes (bounded by the file), so that
  // small spans do not cost a system call each.
  size_t want =
      static_cast<size_t>(std::min<uint64_t>(end_ - read_, std::max(n - have, kReadBytes)));
  if (have + want > cap_) {  // a span larger than any before: a buffer of exactly its size
    auto bigger = std::make_unique_for_overwrite<char[]>(have + want);
    if (have > 0) std::memcpy(bigger.get(), buf_.get() + pos_, have);
    buf_ = std::move(bigger);
    cap_ = have + want;
  } else if (have > 0 && pos_ > 0) {
    std::memmove(buf_.get(), buf_.get() + pos_, have);
  }
  pos_ = 0;
  len_ = have;
  if (Status st = ReadExactly(fd_, buf_.get() + len_, want, read_, path_); !st.ok()) return st;
  len_ += want;
  read_ += want;
  return Status::Ok();
}

Result<uint32_t> ChecksumOf(int fd, uint64_t end, const std::string& path) {
  auto buf = std::make_unique_for_overwrite<char[]>(kReadBytes);
  uint32_t crc = 0;
  for (uint64_t offset = 0; offset < end;) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(end - offset, kReadBytes));
    if (Status st = ReadExactly(fd, buf.get(), n, offset, path); !st.ok()) return st;
    crc = wal::Crc32c(buf.get(), n, crc);
    offset += n;
  }
  return crc;
}

}  // namespace cairn::store
