// store/rdb/detail/little_endian.h — the little-endian fixed widths of Redis's packed blobs
// (listpack, intset, ziplist: rdb_format.h). Internal to store/rdb.
#pragma once

#include <cstdint>
#include <string>

namespace cairn::rdb::detail {

inline void PutLe(std::string* out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}

inline uint64_t GetLe(const unsigned char* p, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// The low `bits` bits of v as a two's-complement number (bits <= 64).
inline int64_t SignExtend(uint64_t v, int bits) {
  if (bits >= 64) return static_cast<int64_t>(v);
  uint64_t sign = uint64_t{1} << (bits - 1);
  v &= (sign << 1) - 1;
  return static_cast<int64_t>((v ^ sign) - sign);
}

}  // namespace cairn::rdb::detail
