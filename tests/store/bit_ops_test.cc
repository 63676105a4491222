// tests/store/bit_ops_test.cc — the bitmap store operations (bit_ops.h): SETBIT and GETBIT on
// the bytes they touch, copy-on-write only while a reader holds the value, BITCOUNT and BITPOS
// under Redis 7.0's range rules, BITOP's result and destination, and that SETBIT logs one byte
// and every logged effect replays into the same keys.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "store/effects.h"
#include "store/store.h"
#include "store/types/hash/hash_ops.h"
#include "store/types/string/bit_ops.h"
#include "store/types/string/string_ops.h"
#include "tests/store/store_testing.h"

namespace cairn::store {
namespace {

using testing::ExpireAt;
using testing::Get;
using testing::RecordingJournal;

constexpr uint64_t kLimit = uint64_t{512} << 20;

template <class Op>
auto On(Store& s, std::string_view key, Op op) {
  return s.Access(0, key, [&](KeyHandle& h) { return op(h); });
}

int SetBit(Store& s, std::string_view key, uint64_t offset, bool on) {
  Result<BitSetResult> r = On(s, key, [&](KeyHandle& h) { return BitSet(h, offset, on, kLimit); });
  REQUIRE(r.ok());
  return r->old;
}

int GetBit(Store& s, std::string_view key, uint64_t offset) {
  Result<int> r = On(s, key, [&](KeyHandle& h) { return BitGet(h, offset); });
  REQUIRE(r.ok());
  return *r;
}

BitRange Bytes(int64_t start, int64_t end) { return {true, start, true, end, false}; }
BitRange Bits(int64_t start, int64_t end) { return {true, start, true, end, true}; }

TEST_CASE("setbit creates the key, zero-extends it and returns the old bit") {
  Store s;
  CHECK(SetBit(s, "b", 7, true) == 0);
  CHECK(Get(s, "b") == std::string("\x01", 1));
  CHECK(SetBit(s, "b", 7, true) == 1);
  CHECK(SetBit(s, "b", 17, true) == 0);
  CHECK(Get(s, "b") == std::string("\x01\x00\x40", 3));
  CHECK(SetBit(s, "b", 7, false) == 1);
  CHECK(Get(s, "b") == std::string("\x00\x00\x40", 3));
  CHECK(SetBit(s, "zero", 10, false) == 0);  // clearing a bit still creates the key
  CHECK(Get(s, "zero") == std::string(2, '\0'));
}

TEST_CASE("getbit reads a bit, 0 past the end and for a missing key") {
  Store s;
  testing::Set(s, "b", "\x80");
  CHECK(GetBit(s, "b", 0) == 1);
  CHECK(GetBit(s, "b", 1) == 0);
  CHECK(GetBit(s, "b", 100) == 0);
  CHECK(GetBit(s, "none", 0) == 0);
}

TEST_CASE("bit ops on another type are WRONGTYPE and change nothing; past the limit too") {
  Store s;
  std::string_view pair[] = {"f", "v"};
  CHECK(On(s, "hash", [&](KeyHandle& h) { return HashSetFields(h, pair); }).ok());
  auto code = [&](std::string_view key, auto op) { return On(s, key, op).status().code(); };
  CHECK(code("hash", [](KeyHandle& h) { return BitSet(h, 0, true, kLimit); }) ==
        Code::kWrongType);
  CHECK(code("hash", [](KeyHandle& h) { return BitGet(h, 0); }) == Code::kWrongType);
  std::vector<KeyRef> keys = {{0, "d"}, {0, "hash"}};
  Result<BitOpResult> op = s.AccessMany(keys, [&](std::span<KeyHandle> hs) {
    return BitOp(hs[0], hs.subspan(1), BitOpKind::kOr);
  });
  CHECK(op.status().code() == Code::kWrongType);
  CHECK_FALSE(Get(s, "d").has_value());
  testing::Set(s, "str", "a");
  CHECK(code("str", [](KeyHandle& h) { return BitSet(h, 8 * 16, true, 16); }) ==
        Code::kTooLarge);
  CHECK(Get(s, "str") == "a");
}

TEST_CASE("setbit writes in place while no reader holds the value, else copies it") {
  Store s;
  CHECK(SetBit(s, "b", 8 * 1000, true) == 0);
  BufRef before = *On(s, "b", [](KeyHandle& h) { return StringGet(h); });
  const char* held = before.view().data();
  CHECK(SetBit(s, "b", 0, true) == 0);  // a reader holds the buffer: copy
  CHECK(static_cast<uint8_t>(before.view()[0]) == 0);
  BufRef after = *On(s, "b", [](KeyHandle& h) { return StringGet(h); });
  CHECK(after.view().data() != held);
  const char* current = after.view().data();
  after = BufRef();
  before = BufRef();
  CHECK(SetBit(s, "b", 1, true) == 0);  // sole owner: in place
  BufRef last = *On(s, "b", [](KeyHandle& h) { return StringGet(h); });
  CHECK(last.view().data() == current);
  CHECK(static_cast<uint8_t>(last.view()[0]) == 0xC0);
}

TEST_CASE("bitcount counts the whole string or a byte or bit range") {
  std::string_view v("\xff\xf0\x00", 3);
  CHECK(BitCount(v, {}) == 12);
  CHECK(BitCount(v, Bytes(1, 1)) == 4);
  CHECK(BitCount(v, Bytes(-2, -1)) == 4);
  CHECK(BitCount(v, Bytes(-1, -2)) == 0);  // all negative and start > end
  CHECK(BitCount(v, Bytes(-100, -200)) == 0);  // even where both would clamp to byte 0
  CHECK(BitCount(v, Bytes(2, 1)) == 0);
  CHECK(BitCount(v, Bytes(-100, 100)) == 12);
  CHECK(BitCount(v, Bits(5, 10)) == 6);
  CHECK(BitCount(v, Bits(9, 9)) == 1);
  CHECK(BitCount(v, Bits(12, -1)) == 0);
  CHECK(BitCount("", Bytes(0, -1)) == 0);
}

TEST_CASE("bitpos finds the first set or clear bit under Redis's range rules") {
  std::string_view v("\xff\xf0\x00", 3);
  CHECK(BitPos(v, 0, {}) == 12);
  CHECK(BitPos(v, 1, {}) == 0);
  CHECK(BitPos(v, 1, Bytes(2, -1)) == -1);
  CHECK(BitPos(v, 1, Bits(3, 20)) == 3);
  CHECK(BitPos(v, 0, Bits(3, 11)) == -1);  // explicit end: no clear bit in range
  CHECK(BitPos(v, 0, Bits(3, 12)) == 12);
  std::string_view ones("\xff\xff", 2);
  CHECK(BitPos(ones, 0, {}) == 16);  // padded with zeros past the end
  CHECK(BitPos(ones, 0, {true, 1, false, -1, false}) == 16);
  CHECK(BitPos(ones, 0, Bytes(0, -1)) == -1);
  CHECK(BitPos("", 0, {}) == -1);
  CHECK(BitPos(v, 1, Bytes(1, 0)) == -1);
  CHECK(BitPos(v, 1, Bytes(-100, -200)) == 0);  // no BITCOUNT rule: both clamp to byte 0
}

TEST_CASE("bitpos finds the first wanted bit across long runs, at any bit range") {
  std::mt19937_64 rng(9);
  auto bit_at = [](const std::string& v, size_t i) { return (v[i / 8] >> (7 - i % 8)) & 1; };
  for (int round = 0; round < 3000; ++round) {
    // Runs of 0x00 and 0xff, some bytes between, so the wanted bit may sit anywhere.
    std::string v;
    size_t len = 1 + rng() % 80;
    while (v.size() < len) {
      int kind = static_cast<int>(rng() % 3);
      size_t run = 1 + rng() % 20;
      char c = kind == 0 ? '\0' : kind == 1 ? '\xff' : static_cast<char>(rng());
      v.append(std::min(run, len - v.size()), c);
    }
    size_t bits = v.size() * 8;
    size_t a = rng() % bits, b = a + rng() % (bits - a);
    for (int bit : {0, 1}) {
      int64_t expected = -1;
      for (size_t i = a; i <= b && expected < 0; ++i) {
        if (bit_at(v, i) == bit) expected = static_cast<int64_t>(i);
      }
      CAPTURE(round);
      CHECK(BitPos(v, bit, Bits(static_cast<int64_t>(a), static_cast<int64_t>(b))) == expected);
    }
  }
}

TEST_CASE("bitop combines sources padded with zeros and replaces or deletes the destination") {
  Store s;
  testing::Set(s, "a", "\xf0\x0f");
  testing::Set(s, "b", "\xff");
  auto op = [&](std::vector<std::string_view> names, BitOpKind kind) {
    std::vector<KeyRef> keys;
    for (std::string_view n : names) keys.push_back({0, n});
    return s.AccessMany(keys, [&](std::span<KeyHandle> hs) {
      return BitOp(hs[0], hs.subspan(1), kind);
    });
  };
  CHECK(op({"d", "a", "b"}, BitOpKind::kAnd)->length == 2);
  CHECK(Get(s, "d") == std::string("\xf0\x00", 2));
  CHECK(op({"d", "a", "b"}, BitOpKind::kOr)->length == 2);
  CHECK(Get(s, "d") == "\xff\x0f");
  CHECK(op({"d", "a", "b"}, BitOpKind::kXor)->length == 2);
  CHECK(Get(s, "d") == "\x0f\x0f");
  CHECK(op({"d", "a"}, BitOpKind::kNot)->length == 2);
  CHECK(Get(s, "d") == "\x0f\xf0");
  CHECK(op({"a", "a", "none"}, BitOpKind::kAnd)->length == 2);  // missing key: zeros
  CHECK(Get(s, "a") == std::string(2, '\0'));
  CHECK(op({"d", "none", "b"}, BitOpKind::kOr)->length == 1);  // missing first key: zeros
  CHECK(Get(s, "d") == "\xff");
  Result<BitOpResult> empty = op({"d", "none"}, BitOpKind::kOr);
  CHECK((empty->length == 0 && empty->deleted));
  CHECK_FALSE(Get(s, "d").has_value());
}

TEST_CASE("setbit logs only the byte it changed, and bit effects replay into the same keys") {
  RecordingJournal journal;
  Store live;
  live.set_journal(&journal);
  int64_t at = live.NowMs() + 3600 * 1000;
  (void)On(live, "big", [&](KeyHandle& h) {
    return testing::SetBytes(h, std::string(100000, 'x'), {at});
  });
  size_t before = journal.records.size();
  CHECK(SetBit(live, "big", 8 * 50000 + 1, false) == 1);
  REQUIRE(journal.records.size() == before + 1);
  CHECK(journal.records.back().size() < 64);
  CHECK(SetBit(live, "big", 8 * 50000 + 1, false) == 0);  // unchanged: nothing logged
  CHECK(journal.records.size() == before + 1);
  CHECK(SetBit(live, "new", 8 * 300 + 2, true) == 0);
  CHECK(journal.records.back().size() < 64);
  testing::Set(live, "src", "\x0f");
  std::vector<KeyRef> keys = {{0, "dst"}, {0, "src"}, {0, "new"}};
  CHECK(live.AccessMany(keys, [&](std::span<KeyHandle> hs) {
              return BitOp(hs[0], hs.subspan(1), BitOpKind::kOr);
            })->length == 301);

  Store replayed;
  for (const std::string& r : journal.records) CHECK(ApplyEffects(replayed, r).ok());
  for (std::string_view key : {"big", "new", "src", "dst"}) {
    CHECK(Get(replayed, key) == Get(live, key));
    CHECK(ExpireAt(replayed, key) == ExpireAt(live, key));
  }
  CHECK(ExpireAt(replayed, "big") == at);
}

}  // namespace
}  // namespace cairn::store
