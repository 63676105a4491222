// store/durability/wal_format.cc — see wal_format.h.
#include "store/durability/wal_format.h"

#include <cstdio>
#include <cstring>

namespace cairn::store::wal {
namespace {

// Table-driven CRC32C (Castagnoli, reflected polynomial 0x82F63B78), 8 bytes per step.
struct CrcTables {
  uint32_t t[8][256];
  CrcTables() {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1)));
      t[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; ++i) {
      for (int s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xff];
    }
  }
};
const CrcTables kCrc;

}  // namespace

uint32_t Crc32c(const char* data, size_t n, uint32_t crc) {
  const auto* p = reinterpret_cast<const uint8_t*>(data);
  uint32_t c = ~crc;
  while (n >= 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
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

void PutRecord(std::string* out, uint8_t type, uint64_t lsn, std::string_view payload) {
  char head[kBodyHeader];
  head[0] = static_cast<char>(type);
  for (int i = 0; i < 8; ++i) head[1 + i] = static_cast<char>(lsn >> (8 * i));
  uint32_t crc = Crc32c(head, sizeof(head));
  crc = Crc32c(payload.data(), payload.size(), crc);
  PutU32(out, MaskCrc(crc));
  PutVarint(out, kBodyHeader + payload.size());
  out->append(head, sizeof(head));
  out->append(payload);
}

std::string SegmentHeader() {
  std::string h(kMagic);
  PutU32(&h, kVersion);
  return h;
}

std::string SegmentName(uint64_t first_lsn) {
  char name[64];
  std::snprintf(name, sizeof(name), "wal-%020llu.log",
                static_cast<unsigned long long>(first_lsn));
  return name;
}

bool ParseSegmentName(std::string_view name, uint64_t* first_lsn) {
  if (name.size() != 28 || name.substr(0, 4) != "wal-" || name.substr(24) != ".log") {
    return false;
  }
  uint64_t v = 0;
  for (char c : name.substr(4, 20)) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  *first_lsn = v;
  return true;
}

}  // namespace cairn::store::wal
