// store/durability/file_window.h — a file read front to back through one buffer that holds
// any span a reader asks for contiguously: how a snapshot is loaded without the whole file
// in memory.
//
// A reader looks at available() (the buffered bytes from its position on), and when what it
// needs runs past them asks Fill for more; Consume moves the position once the bytes are
// used. The buffer holds at least a read's worth (1 MB) and grows to the largest span asked
// for, never past what the file still holds, so a length declared in the file cannot size
// an allocation (a reader checks a declared length against left() before asking for it).
// Consumed bytes are dropped as the buffer refills; its new bytes are not zeroed first.
// Reading goes by pread at the window's own offset, so the same descriptor can also be read
// whole first (ChecksumOf).
//
// Thread: one at a time.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <memory>
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
  std::string_view available() const { return {buf_.get() + pos_, len_ - pos_}; }
  // Makes at least n bytes from the position available, or all that is left of the file
  // when fewer remain (at_end() then holds).
  Status Fill(size_t n);
  // Moves the position n bytes on.
  void Consume(size_t n) {
    assert(n <= len_ - pos_);
    pos_ += n;
  }
  // Whether the buffer holds the file up to its end.
  bool at_end() const { return read_ == end_; }
  // The file offset of the position, and the bytes from it to the end.
  uint64_t offset() const { return read_ - (len_ - pos_); }
  uint64_t left() const { return end_ - offset(); }

 private:
  int fd_;
  uint64_t end_;
  std::string path_;
  std::unique_ptr<char[]> buf_;  // file bytes [read_ - len_, read_) in buf_[0, len_)
  size_t cap_ = 0;
  size_t len_ = 0;
  size_t pos_ = 0;     // the position, as an index into buf_
  uint64_t read_ = 0;  // file offset just past the last buffered byte
};

// Reads exactly n bytes of fd at offset into out; a file that ends first is an I/O error
// (callers ask only for bytes fstat saw).
Status ReadExactly(int fd, char* out, size_t n, uint64_t offset, const std::string& path);

// CRC32C of bytes [0, end) of fd, read through a buffer of its own.
Result<uint32_t> ChecksumOf(int fd, uint64_t end, const std::string& path);

}  // namespace cairn::store
