// store/rdb/crc64.cc — see crc64.h. Slicing by 8: eight tables, built at compile time, fold
// eight input bytes per step (a full sync or a large DUMP checksums every byte it sends).
#include "store/rdb/crc64.h"

#include <bit>
#include <cstring>

namespace cairn::rdb {
namespace {

constexpr uint64_t kPolyReflected = 0x95ac9329ac4bc9b5ull;  // 0xad93d23594c935a9 bit-reversed

// t[0] is the byte-at-a-time table; t[s] advances a byte's contribution by s more bytes
// (store/durability/crc32c.cc does the same for CRC32C). Built at compile time.
struct Crc64Tables {
  uint64_t t[8][256] = {};
  constexpr Crc64Tables() {
    for (uint64_t i = 0; i < 256; ++i) {
      uint64_t crc = i;
      for (int bit = 0; bit < 8; ++bit) crc = (crc & 1) ? (crc >> 1) ^ kPolyReflected : crc >> 1;
      t[0][i] = crc;
    }
    for (int i = 0; i < 256; ++i) {
      for (int s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xff];
    }
  }
};

constexpr Crc64Tables k;

}  // namespace

uint64_t Crc64(uint64_t crc, std::string_view data) {
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  size_t n = data.size();
  while (n >= 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);  // the first byte is the low one
    if constexpr (std::endian::native == std::endian::big) word = __builtin_bswap64(word);
    crc ^= word;
    crc = k.t[7][crc & 0xff] ^ k.t[6][(crc >> 8) & 0xff] ^ k.t[5][(crc >> 16) & 0xff] ^
          k.t[4][(crc >> 24) & 0xff] ^ k.t[3][(crc >> 32) & 0xff] ^ k.t[2][(crc >> 40) & 0xff] ^
          k.t[1][(crc >> 48) & 0xff] ^ k.t[0][crc >> 56];
    p += 8;
    n -= 8;
  }
  while (n-- > 0) crc = k.t[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
  return crc;
}

}  // namespace cairn::rdb
