// store/wal_format.cc — see wal_format.h.
#include "store/wal_format.h"

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

int BytesFor(uint64_t v) {
  int n = 0;
  while (v != 0) ++n, v >>= 8;
  return n;
}

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

void PutU8(std::string* out, uint8_t v) { out->push_back(static_cast<char>(v)); }

void PutU32(std::string* out, uint32_t v) {
  char b[4];
  for (int i = 0; i < 4; ++i) b[i] = static_cast<char>(v >> (8 * i));
  out->append(b, 4);
}

void PutU64(std::string* out, uint64_t v) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(v >> (8 * i));
  out->append(b, 8);
}

void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void PutLengths(std::string* out, uint64_t a, uint64_t b) {
  int na = BytesFor(a), nb = BytesFor(b);
  out->push_back(static_cast<char>((na << 4) | nb));
  for (int i = 0; i < na; ++i) out->push_back(static_cast<char>(a >> (8 * i)));
  for (int i = 0; i < nb; ++i) out->push_back(static_cast<char>(b >> (8 * i)));
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

bool Decoder::U8(uint8_t* v) {
  if (in_.empty()) return false;
  *v = static_cast<uint8_t>(in_[0]);
  in_.remove_prefix(1);
  return true;
}

bool Decoder::U32(uint32_t* v) {
  if (in_.size() < 4) return false;
  uint32_t r = 0;
  for (int i = 0; i < 4; ++i) r |= static_cast<uint32_t>(static_cast<uint8_t>(in_[i])) << (8 * i);
  *v = r;
  in_.remove_prefix(4);
  return true;
}

bool Decoder::U64(uint64_t* v) {
  if (in_.size() < 8) return false;
  uint64_t r = 0;
  for (int i = 0; i < 8; ++i) r |= static_cast<uint64_t>(static_cast<uint8_t>(in_[i])) << (8 * i);
  *v = r;
  in_.remove_prefix(8);
  return true;
}

bool Decoder::Varint(uint64_t* v) {
  uint64_t r = 0;
  for (int shift = 0; shift < 70 && !in_.empty(); shift += 7) {
    auto byte = static_cast<uint8_t>(in_[0]);
    in_.remove_prefix(1);
    if (shift == 63 && byte > 1) return false;
    r |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      *v = r;
      return true;
    }
  }
  return false;
}

bool Decoder::Lengths(uint64_t* a, uint64_t* b) {
  uint8_t packed = 0;
  if (!U8(&packed)) return false;
  int na = packed >> 4, nb = packed & 0x0f;
  if (na > 8 || nb > 8 || in_.size() < static_cast<size_t>(na + nb)) return false;
  uint64_t x = 0, y = 0;
  for (int i = 0; i < na; ++i) x |= static_cast<uint64_t>(static_cast<uint8_t>(in_[i])) << (8 * i);
  for (int i = 0; i < nb; ++i) {
    y |= static_cast<uint64_t>(static_cast<uint8_t>(in_[na + i])) << (8 * i);
  }
  in_.remove_prefix(static_cast<size_t>(na + nb));
  *a = x;
  *b = y;
  return true;
}

bool Decoder::Bytes(size_t n, std::string_view* v) {
  if (in_.size() < n) return false;
  *v = in_.substr(0, n);
  in_.remove_prefix(n);
  return true;
}

}  // namespace cairn::store::wal
