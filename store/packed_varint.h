// store/packed_varint.h — LEB128 varints written into and read from memory the store itself
// laid out (packed collection nodes). Reading trusts the bytes: use codec::Decoder for anything
// that comes from disk.
#pragma once

#include <cstddef>
#include <cstdint>

namespace cairn::store::detail {

inline size_t VarintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

// Writes v at p; returns the byte after it.
inline char* PutVarint(char* p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<char>(v);
  return p;
}

// Reads the varint at p into *v; returns the byte after it.
inline const char* GetVarint(const char* p, uint64_t* v) {
  *v = 0;
  for (int shift = 0;; shift += 7) {
    auto byte = static_cast<uint8_t>(*p++);
    *v |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return p;
  }
}

// Zigzag: signed integers to unsigned ones whose varints stay short for small magnitudes
// (0 -> 0, -1 -> 1, 1 -> 2, -2 -> 3, ...).
inline uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline int64_t UnZigZag(uint64_t v) {
  return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
}

}  // namespace cairn::store::detail
