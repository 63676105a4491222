// store/durability/wal_format.cc — see wal_format.h.
#include "store/durability/wal_format.h"

#include <cstdio>

namespace cairn::store::wal {

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
