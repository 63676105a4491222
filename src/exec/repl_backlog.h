// src/exec/repl_backlog.h — the replication backlog: the last `repl-backlog-size` bytes of the
// replication stream, so a replica that lost its link resumes where it stopped (PSYNC with
// +CONTINUE) instead of loading a whole RDB again.
//
// Offsets are Redis's: master_repl_offset counts every byte ever appended to the stream; the
// backlog holds the bytes numbered first_byte_offset .. offset (1-based, as INFO shows them).
// A replica at offset P (it has P bytes) can continue when the backlog still holds byte P+1,
// or when P is the end of the stream.
//
// Threading: none of its own (the replication tap guards it with its mutex).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace cairn::server {

class ReplBacklog {
 public:
  // Starts empty at stream offset `offset`, holding at most size_bytes (at least 1).
  ReplBacklog(uint64_t size_bytes, uint64_t offset);

  void Append(std::string_view bytes);
  // Changes the capacity (CONFIG SET repl-backlog-size), keeping the newest bytes that fit.
  void Resize(uint64_t size_bytes);

  uint64_t offset() const { return offset_; }  // master_repl_offset
  uint64_t size() const { return buf_.size(); }
  uint64_t histlen() const { return histlen_; }
  uint64_t first_byte_offset() const { return offset_ - histlen_ + 1; }

  // Whether a replica holding `from` bytes of the stream can be sent the rest from here.
  bool Covers(uint64_t from) const { return from <= offset_ && offset_ - from <= histlen_; }
  // Appends the bytes after stream offset `from` (Covers(from) must hold) to *out.
  void CopyFrom(uint64_t from, std::string* out) const;

 private:
  std::string buf_;      // a ring of buf_.size() bytes
  size_t head_ = 0;      // where the next byte goes
  uint64_t histlen_ = 0;  // how many bytes of buf_ hold history
  uint64_t offset_;
};

}  // namespace cairn::server
