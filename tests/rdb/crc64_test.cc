// tests/rdb/crc64_test.cc — the RDB checksum is Redis's CRC-64 bit for bit: the check value of
// its variant, and the bitwise definition at every length and alignment, in one piece or
// continued across pieces.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "store/rdb/crc64.h"

namespace cairn::rdb {
namespace {

// Bit-at-a-time CRC-64 (Jones, reflected, no initial or final xor): the definition.
uint64_t SlowCrc64(uint64_t crc, std::string_view s) {
  for (char ch : s) {
    crc ^= static_cast<uint8_t>(ch);
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ ((crc & 1) ? 0x95ac9329ac4bc9b5ull : 0);
  }
  return crc;
}

TEST_CASE("CRC-64 gives the check value of Redis's variant") {
  CHECK(Crc64(0, "123456789") == 0xe9c6d914c4b8d9caull);
  CHECK(Crc64(0, "") == 0);
}

TEST_CASE("CRC-64 agrees with the bitwise definition at every length and alignment") {
  std::string data;
  for (int i = 0; i < 300; ++i) data.push_back(static_cast<char>(i * 151 + 7));
  for (size_t start = 0; start < 8; ++start) {
    for (size_t len = 0; start + len <= data.size(); len += 5) {
      std::string_view s = std::string_view(data).substr(start, len);
      CHECK(Crc64(0, s) == SlowCrc64(0, s));
    }
  }
}

TEST_CASE("CRC-64 continues across pieces as if computed in one go") {
  std::string data = "REDIS0010 and the bytes of a DUMP payload that follow it";
  for (size_t split = 0; split <= data.size(); ++split) {
    std::string_view all(data);
    CHECK(Crc64(Crc64(0, all.substr(0, split)), all.substr(split)) == Crc64(0, all));
  }
}

}  // namespace
}  // namespace cairn::rdb
