// store/rdb/crc64.cc — see crc64.h. A byte-at-a-time table, built once.
#include "store/rdb/crc64.h"

#include <array>

namespace cairn::rdb {
namespace {

constexpr uint64_t kPolyReflected = 0x95ac9329ac4bc9b5ull;  // 0xad93d23594c935a9 bit-reversed

std::array<uint64_t, 256> MakeTable() {
  std::array<uint64_t, 256> table{};
  for (uint64_t i = 0; i < 256; ++i) {
    uint64_t crc = i;
    for (int bit = 0; bit < 8; ++bit) crc = (crc & 1) ? (crc >> 1) ^ kPolyReflected : crc >> 1;
    table[i] = crc;
  }
  return table;
}

}  // namespace

uint64_t Crc64(uint64_t crc, std::string_view data) {
  static const std::array<uint64_t, 256> table = MakeTable();
  for (unsigned char c : data) crc = table[(crc ^ c) & 0xFF] ^ (crc >> 8);
  return crc;
}

}  // namespace cairn::rdb
