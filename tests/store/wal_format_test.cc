// tests/store/wal_format_test.cc — the WAL's byte-level building blocks: integer encodings
// round-trip, the decoder never reads past its input, CRC32C matches the standard, and
// segment names sort and parse.
#include "store/durability/wal_format.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace cairn::store::wal {
namespace {

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

// Values at every encoding boundary: 0, each 2^k - 1 and 2^k, UINT64_MAX.
std::vector<uint64_t> BoundaryValues() {
  std::vector<uint64_t> v = {0, 1, kMax};
  for (int k = 1; k < 64; ++k) {
    v.push_back((uint64_t{1} << k) - 1);
    v.push_back(uint64_t{1} << k);
  }
  return v;
}

// A heap copy of exactly bytes.size() bytes, so that AddressSanitizer catches any read past
// the end (a std::string has slack after its data).
struct ExactCopy {
  explicit ExactCopy(std::string_view bytes)
      : data(std::make_unique<char[]>(bytes.size())), size(bytes.size()) {
    if (size > 0) std::memcpy(data.get(), bytes.data(), size);
  }
  std::string_view view() const { return {data.get(), size}; }
  std::unique_ptr<char[]> data;
  size_t size;
};

// Bit-at-a-time CRC32C: the definition the table-driven version must agree with.
uint32_t SlowCrc32c(std::string_view s) {
  uint32_t c = 0xffffffffu;
  for (char ch : s) {
    c ^= static_cast<uint8_t>(ch);
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ ((c & 1) ? 0x82F63B78u : 0);
  }
  return ~c;
}

uint32_t Crc(std::string_view s) { return Crc32c(s.data(), s.size()); }

TEST_CASE("varints round-trip at every length boundary, 0 and UINT64_MAX included") {
  for (uint64_t v : BoundaryValues()) {
    std::string out;
    PutVarint(&out, v);
    Decoder d(out);
    uint64_t back = 1;
    REQUIRE(d.Varint(&back));
    CHECK(back == v);
    CHECK(d.empty());
  }
}

TEST_CASE("a varint takes one byte per 7 bits: 1 byte for 0 and 127, 10 for UINT64_MAX") {
  auto size = [](uint64_t v) {
    std::string out;
    PutVarint(&out, v);
    return out.size();
  };
  CHECK(size(0) == 1);
  CHECK(size(127) == 1);
  CHECK(size(128) == 2);
  CHECK(size(kMax) == 10);
}

TEST_CASE("fixed-width integers are little-endian and round-trip") {
  std::string out;
  PutU8(&out, 0xab);
  PutU32(&out, 0x01020304u);
  PutU64(&out, 0x1122334455667788ull);
  PutU64(&out, kMax);
  PutU64(&out, 0);
  CHECK(out.substr(1, 4) == std::string("\x04\x03\x02\x01", 4));
  Decoder d(out);
  uint8_t a = 0;
  uint32_t b = 0;
  uint64_t c = 0, e = 1, f = 1;
  REQUIRE(d.U8(&a));
  REQUIRE(d.U32(&b));
  REQUIRE(d.U64(&c));
  REQUIRE(d.U64(&e));
  REQUIRE(d.U64(&f));
  CHECK(a == 0xab);
  CHECK(b == 0x01020304u);
  CHECK(c == 0x1122334455667788ull);
  CHECK(e == kMax);
  CHECK(f == 0);
  CHECK(d.empty());
}

TEST_CASE("two lengths round-trip in one packed encoding, zeros taking no bytes") {
  std::vector<uint64_t> values = BoundaryValues();
  for (uint64_t a : values) {
    for (uint64_t b : {uint64_t{0}, uint64_t{16}, uint64_t{65536}, kMax, a}) {
      std::string out;
      PutLengths(&out, a, b);
      Decoder d(out);
      uint64_t x = 1, y = 1;
      REQUIRE(d.Lengths(&x, &y));
      CHECK(x == a);
      CHECK(y == b);
      CHECK(d.empty());
    }
  }
  std::string zeros;
  PutLengths(&zeros, 0, 0);
  CHECK(zeros == std::string(1, '\0'));
  std::string small;
  PutLengths(&small, 16, 32);
  CHECK(small.size() == 3);
  std::string widest;
  PutLengths(&widest, kMax, kMax);
  CHECK(widest.size() == 17);
}

TEST_CASE("every getter fails on a truncated encoding instead of reading past it") {
  std::string full;
  PutU8(&full, 7);
  PutU32(&full, 0xdeadbeefu);
  PutU64(&full, kMax);
  PutVarint(&full, kMax);
  PutLengths(&full, kMax, 300);
  full.append("payload");
  // Decode the same sequence from every strict prefix: some getter must fail, and nothing
  // may read beyond the prefix (ASan watches the exact-size copy).
  for (size_t len = 0; len < full.size(); ++len) {
    ExactCopy in(std::string_view(full).substr(0, len));
    Decoder d(in.view());
    uint8_t a;
    uint32_t b;
    uint64_t c, v, x, y;
    std::string_view tail;
    bool ok = d.U8(&a) && d.U32(&b) && d.U64(&c) && d.Varint(&v) && d.Lengths(&x, &y) &&
              d.Bytes(7, &tail);
    CHECK_MESSAGE(!ok, "prefix of ", len, " bytes decoded completely");
  }
}

TEST_CASE("malformed varints and lengths are rejected") {
  SUBCASE("eleven bytes with the continuation bit") {
    std::string s(11, '\x80');
    Decoder d(s);
    uint64_t v;
    CHECK_FALSE(d.Varint(&v));
  }
  SUBCASE("a tenth byte carrying more than the 64th bit") {
    std::string s(9, '\xff');
    s.push_back('\x02');
    Decoder d(s);
    uint64_t v;
    CHECK_FALSE(d.Varint(&v));
  }
  SUBCASE("a length nibble above 8") {
    std::string s = "\x90";
    s.append(9, '\x01');
    Decoder d(s);
    uint64_t a, b;
    CHECK_FALSE(d.Lengths(&a, &b));
  }
  SUBCASE("bytes beyond the input") {
    Decoder d("abc");
    std::string_view v;
    CHECK_FALSE(d.Bytes(4, &v));
    CHECK(d.Bytes(3, &v));
    CHECK(v == "abc");
  }
}

TEST_CASE("CRC32C of \"123456789\" is the standard check value 0xE3069283") {
  CHECK(Crc("123456789") == 0xE3069283u);
  CHECK(Crc("") == 0u);
}

// Each way Crc32c computes (crc32c.h): the portable tables, and the CPU's instruction where
// this machine has it.
using CrcFn = uint32_t (*)(const char*, size_t, uint32_t);
std::vector<CrcFn> CrcWays() {
  std::vector<CrcFn> ways = {&Crc32cPortable};
  if (Crc32cHardwareAvailable()) ways.push_back(&Crc32cHardware);
  return ways;
}

TEST_CASE("CRC32C matches the iSCSI test vectors of RFC 3720, each way it is computed") {
  std::string ascending;
  for (int i = 0; i < 32; ++i) ascending.push_back(static_cast<char>(i));
  for (CrcFn crc : CrcWays()) {
    CHECK(crc(std::string(32, '\0').data(), 32, 0) == 0x8A9136AAu);
    CHECK(crc(std::string(32, '\xff').data(), 32, 0) == 0x62A8AB43u);
    CHECK(crc(ascending.data(), ascending.size(), 0) == 0x46DD794Eu);
  }
  CHECK(Crc(ascending) == 0x46DD794Eu);
}

TEST_CASE("CRC32C agrees with the bitwise definition at every length and alignment") {
  std::string data;
  for (int i = 0; i < 200; ++i) data.push_back(static_cast<char>(i * 37 + 11));
  for (CrcFn crc : CrcWays()) {
    for (size_t start = 0; start < 8; ++start) {
      for (size_t len = 0; start + len <= data.size(); len += 7) {
        std::string_view s = std::string_view(data).substr(start, len);
        CHECK(crc(s.data(), s.size(), 0) == SlowCrc32c(s));
      }
    }
  }
}

TEST_CASE("CRC32C continues across pieces as if computed in one go") {
  std::string data = "the quick brown fox jumps over the lazy dog";
  for (CrcFn crc : CrcWays()) {
    for (size_t split = 0; split <= data.size(); ++split) {
      uint32_t first = crc(data.data(), split, 0);
      CHECK(crc(data.data() + split, data.size() - split, first) == Crc(data));
    }
  }
}

TEST_CASE("a masked CRC unmasks to the original and differs from it") {
  for (uint32_t crc : {0u, 1u, 0xE3069283u, 0xa282ead8u, 0xffffffffu, 0x80000000u}) {
    CHECK(UnmaskCrc(MaskCrc(crc)) == crc);
    CHECK(MaskCrc(UnmaskCrc(crc)) == crc);
  }
  CHECK(MaskCrc(0xE3069283u) != 0xE3069283u);
  // The mask as the format defines it: rotate right by 15, add a constant.
  uint32_t crc = 0x12345678u;
  CHECK(MaskCrc(crc) == ((crc >> 15) | (crc << 17)) + 0xa282ead8u);
}

TEST_CASE("a record is framed as masked crc, size varint, type, LSN and payload") {
  std::string out;
  PutRecord(&out, kEffects, 42, "hello");
  Decoder d(out);
  uint32_t masked = 0;
  uint64_t size = 0;
  std::string_view body;
  REQUIRE(d.U32(&masked));
  REQUIRE(d.Varint(&size));
  CHECK(size == kBodyHeader + 5);
  REQUIRE(d.Bytes(size, &body));
  CHECK(d.empty());
  CHECK(UnmaskCrc(masked) == Crc(body));
  Decoder b(body);
  uint8_t type = 0;
  uint64_t lsn = 0;
  std::string_view payload;
  REQUIRE(b.U8(&type));
  REQUIRE(b.U64(&lsn));
  REQUIRE(b.Bytes(b.remaining(), &payload));
  CHECK(type == kEffects);
  CHECK(lsn == 42);
  CHECK(payload == "hello");
}

TEST_CASE("a segment header is the magic and version 1 in 12 bytes") {
  std::string h = SegmentHeader();
  CHECK(h.size() == kHeaderSize);
  CHECK(h.substr(0, 8) == "CAIRNWAL");
  CHECK(h.substr(8) == std::string("\x01\x00\x00\x00", 4));
}

TEST_CASE("segment names round-trip and sort in LSN order") {
  CHECK(SegmentName(1) == "wal-00000000000000000001.log");
  std::vector<uint64_t> lsns = {1, 9, 10, 99, 100, 123456789, kMax - 1, kMax};
  for (size_t i = 0; i < lsns.size(); ++i) {
    std::string name = SegmentName(lsns[i]);
    uint64_t back = 0;
    REQUIRE(ParseSegmentName(name, &back));
    CHECK(back == lsns[i]);
    if (i > 0) CHECK(SegmentName(lsns[i - 1]) < name);
  }
}

TEST_CASE("names that are not segment names are rejected") {
  uint64_t lsn = 0;
  for (std::string_view name :
       {"", "wal-1.log", "wal-0000000000000000001.log", "wal-000000000000000000001.log",
        "wal-0000000000000000000x.log", "wal-00000000000000000001.tmp",
        "wal-00000000000000000001.log.tmp", "xal-00000000000000000001.log",
        "wal-+0000000000000000001.log", "snapshot.rdb"}) {
    CHECK_MESSAGE(!ParseSegmentName(name, &lsn), name);
  }
}

}  // namespace
}  // namespace cairn::store::wal
