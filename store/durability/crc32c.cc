// store/durability/crc32c.cc — see crc32c.h.
#include "store/durability/crc32c.h"

#include <bit>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace cairn::store::wal {
namespace {

constexpr uint32_t kPoly = 0x82F63B78u;

// Slicing by 8: t[0] is the byte-at-a-time table, t[s] advances a byte's contribution by s
// more bytes, so one step folds 8 input bytes with 8 lookups (store/rdb/crc64.cc does the
// same for the RDB's CRC-64). Built at compile time, so a CRC computed during static
// initialization finds them ready.
struct CrcTables {
  uint32_t t[8][256] = {};
  constexpr CrcTables() {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (kPoly & (0u - (c & 1)));
      t[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; ++i) {
      for (int s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xff];
    }
  }
};
constexpr CrcTables kCrc;

}  // namespace

uint32_t Crc32cPortable(const char* data, size_t n, uint32_t crc) {
  const auto* p = reinterpret_cast<const uint8_t*>(data);
  uint32_t c = ~crc;
  while (n >= 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    if constexpr (std::endian::native == std::endian::big) word = __builtin_bswap64(word);
    word ^= c;
    c = kCrc.t[7][word & 0xff] ^ kCrc.t[6][(word >> 8) & 0xff] ^ kCrc.t[5][(word >> 16) & 0xff] ^
        kCrc.t[4][(word >> 24) & 0xff] ^ kCrc.t[3][(word >> 32) & 0xff] ^
        kCrc.t[2][(word >> 40) & 0xff] ^ kCrc.t[1][(word >> 48) & 0xff] ^ kCrc.t[0][word >> 56];
    p += 8;
    n -= 8;
  }
  while (n-- > 0) c = (c >> 8) ^ kCrc.t[0][(c ^ *p++) & 0xff];
  return ~c;
}

#if defined(__x86_64__)
// x86-64's baseline lacks SSE 4.2, so this function alone is built for it and only called
// after the CPU was asked (an ifunc resolver would run before ThreadSanitizer's runtime).
[[gnu::target("sse4.2")]] uint32_t Crc32cHardware(const char* data, size_t n, uint32_t crc) {
  uint64_t c = ~crc;
  while (n >= 8) {
    uint64_t word;
    std::memcpy(&word, data, 8);
    c = _mm_crc32_u64(c, word);
    data += 8;
    n -= 8;
  }
  auto c32 = static_cast<uint32_t>(c);
  while (n-- > 0) c32 = _mm_crc32_u8(c32, static_cast<uint8_t>(*data++));
  return ~c32;
}

bool Crc32cHardwareAvailable() {
  static const bool has_sse42 = __builtin_cpu_supports("sse4.2");
  return has_sse42;
}
#else
uint32_t Crc32cHardware(const char* data, size_t n, uint32_t crc) {
  return Crc32cPortable(data, n, crc);
}

bool Crc32cHardwareAvailable() { return false; }
#endif

uint32_t Crc32c(const char* data, size_t n, uint32_t crc) {
  return Crc32cHardwareAvailable() ? Crc32cHardware(data, n, crc) : Crc32cPortable(data, n, crc);
}

}  // namespace cairn::store::wal
