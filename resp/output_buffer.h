// resp/output_buffer.h — a connection's pending reply bytes, ready for one writev().
//
// Replies are appended as copied bytes (small replies, headers) or as references to external
// immutable buffers (large values): an external segment keeps the owner's reference until its
// bytes have been written, then calls release(ctx). This is how a GET reply sends a stored
// value without copying it and without holding any store lock, and how a full sync's RDB
// file, a string the buffer takes over (AppendOwned), leaves without a second copy.
//
// Copied bytes go into blocks of kBlockSize; a block is reused once drained. Threading: one
// owner thread.
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cairn::resp {

// Releases an external segment once written (or when the buffer is destroyed). May be called
// on any thread that owns the OutputBuffer.
using ReleaseFn = void (*)(void* ctx);

class OutputBuffer {
 public:
  static constexpr size_t kBlockSize = 16 * 1024;

  OutputBuffer() = default;
  ~OutputBuffer();
  OutputBuffer(const OutputBuffer&) = delete;
  OutputBuffer& operator=(const OutputBuffer&) = delete;

  void Append(std::string_view bytes);
  // Returns space for at least n bytes (n <= kBlockSize) at the end; Commit(k) keeps k of them.
  char* Reserve(size_t n);
  void Commit(size_t n) { segments_.back().len += n, size_ += n; }
  // Appends len bytes at data without copying; release(ctx) is called when they are written.
  void AppendExternal(const char* data, size_t len, ReleaseFn release, void* ctx);
  // Appends bytes by taking the string over: they are sent from where they are, without a
  // copy, and the string is freed once they are written (or dropped). For a large payload
  // built for one reply (a full sync's RDB file); small ones are cheaper to Append.
  void AppendOwned(std::string bytes);

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // Fills up to max_iov entries describing the first max_bytes pending bytes in order;
  // returns the count.
  int Gather(struct iovec* iov, int max_iov, size_t max_bytes = SIZE_MAX) const;
  // Drops the first n pending bytes (they were written), releasing drained segments.
  void Consume(size_t n);
  // Drops everything (connection closing).
  void Clear();
  // Moves every pending byte into one string; the buffer is left empty.
  std::string Drain();
  // Keeps the first keep pending bytes and drops the rest (replies that must not be sent).
  // Bytes before keep are untouched, so a write in flight over them stays valid.
  void Truncate(size_t keep);
  // Bytes held in memory (pending bytes plus unused block space): for CLIENT LIST omem.
  size_t memory_bytes() const;
  // Segments tracked, drained ones included (bounded: drained entries are dropped).
  size_t segment_count() const { return segments_.size(); }

 private:
  struct Segment {
    char* data;
    size_t len;        // bytes written into the segment so far
    size_t capacity;   // for owned blocks; 0 for external segments
    ReleaseFn release; // external only
    void* ctx;
  };
  void DropFront();
  void ReleaseSegment(Segment& s);

  std::vector<Segment> segments_;
  size_t head_ = 0;    // first segment with pending bytes
  size_t offset_ = 0;  // bytes of segments_[head_] already written
  size_t size_ = 0;
  char* spare_ = nullptr;  // one drained block kept for reuse
};

}  // namespace cairn::resp
