// store/durability/file_window.cc — see file_window.h.
#include "store/durability/file_window.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <utility>

#include "store/durability/crc32c.h"

namespace cairn::store {
namespace {

// Bytes read per pread: large enough that the system calls cost nothing next to the bytes,
// small enough to stay in the caches while they are checksummed or decoded.
constexpr size_t kReadBytes = 1 << 20;

// Reads exactly n bytes at offset into out; a short file is an error (the caller asks only
// for bytes fstat saw).
Status ReadAt(int fd, char* out, size_t n, uint64_t offset, const std::string& path) {
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

}  // namespace

FileWindow::FileWindow(int fd, uint64_t end, std::string path)
    : fd_(fd), end_(end), path_(std::move(path)) {}

Status FileWindow::Fill(size_t n) {
  size_t have = buf_.size() - pos_;
  if (have >= n || at_end()) return Status::Ok();
  // Keep only the unconsumed bytes, then read at least a chunk's worth past them (bounded
  // by the file), so that small spans do not cost a system call each.
  buf_.erase(0, pos_);
  pos_ = 0;
  uint64_t left = end_ - read_;
  size_t want = static_cast<size_t>(std::min<uint64_t>(left, std::max(n - have, kReadBytes)));
  size_t old = buf_.size();
  buf_.resize(old + want);
  Status st = ReadAt(fd_, buf_.data() + old, want, read_, path_);
  if (!st.ok()) {
    buf_.resize(old);
    return st;
  }
  read_ += want;
  return Status::Ok();
}

Result<uint32_t> ChecksumOf(int fd, uint64_t end, const std::string& path) {
  auto buf = std::make_unique_for_overwrite<char[]>(kReadBytes);
  uint32_t crc = 0;
  for (uint64_t offset = 0; offset < end;) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(end - offset, kReadBytes));
    if (Status st = ReadAt(fd, buf.get(), n, offset, path); !st.ok()) return st;
    crc = wal::Crc32c(buf.get(), n, crc);
    offset += n;
  }
  return crc;
}

}  // namespace cairn::store
