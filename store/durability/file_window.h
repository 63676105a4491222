// store/durability/file_window.h — a file read front to back through one buffer that holds
// any span a reader asks for contiguously: how a snapshot is loaded without the whole file
// in memory.
//
// A reader looks at available() (the buffered bytes from its position on), and when what it
// needs runs past them asks Fill for more; Consume moves the position once the bytes are
// used. The buffer grows to the largest span asked for (an entry's key and value), never
// past what the file still holds, so a length declared in the file cannot size an
// allocation; consumed bytes are dropped as the buffer refills. Reading goes by pread at the
// window's own offset, so the same descriptor can also be read whole first (ChecksumOf).
//
// Thread: one at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "store/base/status.h"

namespace cairn::store {

class FileWindow {
 public:
  // Reads bytes [0, end) of fd (which the caller keeps open meanwhile); path names it in
  // errors.
  FileWindow(int fd, uint64_t end, std::string path);

  // The buffered bytes from the position on (valid until the next Fill).
  std::string_view available() const { return {buf_.data() + pos_, buf_.size() - pos_}; }
  // Makes at least n bytes from the position available, or all that is left of the file
  // when fewer remain (at_end() then holds).
  Status Fill(size_t n);
  // Moves the position n bytes on (n <= available().size()).
  void Consume(size_t n) { pos_ += n; }
  // Whether the buffer holds the file up to its end.
  bool at_end() const { return read_ == end_; }
  // The file offset of the position.
  uint64_t offset() const { return read_ - (buf_.size() - pos_); }

 private:
  int fd_;
  uint64_t end_;
  std::string path_;
  std::string buf_;   // file bytes [read_ - buf_.size(), read_)
  size_t pos_ = 0;    // the position, as an index into buf_
  uint64_t read_ = 0;  // file offset just past buf_'s last byte
};

// CRC32C of bytes [0, end) of fd, read through a buffer of its own.
Result<uint32_t> ChecksumOf(int fd, uint64_t end, const std::string& path);

}  // namespace cairn::store
