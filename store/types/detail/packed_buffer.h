// store/types/detail/packed_buffer.h — the byte buffer behind every small collection's packed
// representation (a small hash's pairs, a small set's integers or members, a small sorted
// set's entries). Internal to store/types.
//
// The buffer is one exact-size allocation, grown and shrunk with realloc (jemalloc resizes in
// place within a size class), so a packed collection costs what its bytes round up to, where
// a std::string would hold up to twice that (geometric growth) and a std::vector another 24
// bytes. It also keeps the count of elements the owner stored in it, so the whole thing is 16
// bytes: small collections are common, and each of them pays for this struct inside its
// object. The layout of the bytes is the owner's.
//
// The encoding limits are runtime-settable up to LONG_MAX, so they alone do not keep a packed
// form small: an owner converts to its large form before an addition that Fits() refuses
// (kMaxBytes, 1 GB, as Redis bounds a listpack), and Splice aborts rather than wrap past
// 4 GB.
// Not thread-safe: the owner's shard lock guards it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace cairn::store::detail {

class PackedBuffer {
 public:
  PackedBuffer() = default;
  ~PackedBuffer();
  PackedBuffer(const PackedBuffer& other);
  PackedBuffer& operator=(const PackedBuffer& other);
  // Takes other's bytes; other is left empty.
  PackedBuffer(PackedBuffer&& other) noexcept
      : data_(other.data_), size_(other.size_), count_(other.count_) {
    other.data_ = nullptr;
    other.size_ = other.count_ = 0;
  }

  const char* data() const { return data_; }
  char* data() { return data_; }
  size_t size() const { return size_; }
  std::string_view view() const { return {data_, size_}; }
  // Elements the owner keeps in the bytes (the buffer itself never changes it but in Clear).
  size_t count() const { return count_; }
  void set_count(size_t count) { count_ = static_cast<uint32_t>(count); }

  // The most bytes an owner keeps packed, and whether `add` more bytes stay within it.
  static constexpr size_t kMaxBytes = size_t{1} << 30;
  bool Fits(size_t add) const { return size_ + add <= kMaxBytes; }

  // Replaces bytes [begin, end) with `with` (an insertion when begin == end, an erasure
  // when `with` is empty). `with` must not point into the buffer.
  void Splice(size_t begin, size_t end, std::string_view with);
  void Append(std::string_view with) { Splice(size_, size_, with); }
  // Frees the bytes; size and count become 0.
  void Clear();
  // The allocation's size, allocator rounding included (0 when empty).
  size_t allocated_bytes() const;

 private:
  char* data_ = nullptr;
  uint32_t size_ = 0;  // at most kMaxBytes when owners check Fits(); never past 4 GB
  uint32_t count_ = 0;
};

}  // namespace cairn::store::detail
