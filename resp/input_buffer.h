// resp/input_buffer.h — a connection's received-but-unconsumed request bytes.
//
// Bytes are read into the free tail (Writable/Commit), parsed from the front (data), and
// dropped from the front once a command is done (Consume). The unconsumed bytes stay
// contiguous so that a command's arguments can be views into the buffer.
//
// Memory: an empty buffer holds no storage. Storage of the default size comes from a small
// per-thread pool and goes back to it as soon as the buffer drains, so thousands of idle
// connections cost no buffers. Growth doubles capacity (amortized O(1) per byte for a large
// value) and is driven only by bytes that have actually arrived.
//
// Threading: one owner thread (the pool is thread-local).
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

namespace cairn::resp {

class InputBuffer {
 public:
  static constexpr size_t kDefaultSize = 16 * 1024;

  InputBuffer() = default;
  ~InputBuffer();
  InputBuffer(const InputBuffer&) = delete;
  InputBuffer& operator=(const InputBuffer&) = delete;

  // Returns at least min_bytes of writable space after the unconsumed bytes.
  std::span<char> Writable(size_t min_bytes = kDefaultSize / 2);
  void Commit(size_t n) { end_ += n; }
  std::string_view data() const { return {storage_ + begin_, end_ - begin_}; }
  size_t size() const { return end_ - begin_; }
  // Drops n bytes from the front; returns storage to the pool when nothing is left.
  void Consume(size_t n);
  size_t capacity() const { return capacity_; }

 private:
  void Release();

  char* storage_ = nullptr;
  size_t capacity_ = 0;
  size_t begin_ = 0;
  size_t end_ = 0;
};

}  // namespace cairn::resp
