// tests/store/bitfield_ops_test.cc — the bitfield store operations (bitfield_ops.h): fields
// read and written at any bit offset in the bitmap's bit order, sign extension, the three
// overflow modes at the edges of signed and unsigned fields (i64 included), and a whole
// BITFIELD run against a key: creation and growth even when every write fails, GETs on a
// missing key, WRONGTYPE, small log records, and replay into the same bytes.
#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/effects.h"
#include "store/store.h"
#include "store/types/hash/hash_ops.h"
#include "store/types/string/bitfield_ops.h"
#include "store/types/string/string_ops.h"
#include "tests/store/store_testing.h"

namespace cairn::store {
namespace {

using testing::Get;
using testing::RecordingJournal;

constexpr BitfieldType I(uint32_t bits) { return {true, bits}; }
constexpr BitfieldType U(uint32_t bits) { return {false, bits}; }
constexpr int64_t kMin64 = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax64 = std::numeric_limits<int64_t>::max();

BitfieldOp GetOp(BitfieldType t, uint64_t offset) {
  return {.kind = BitfieldOpKind::kGet, .type = t, .offset = offset};
}
BitfieldOp SetOp(BitfieldType t, uint64_t offset, int64_t value,
                 BitfieldOverflow o = BitfieldOverflow::kWrap) {
  return {.kind = BitfieldOpKind::kSet, .type = t, .offset = offset, .value = value, .overflow = o};
}
BitfieldOp IncrOp(BitfieldType t, uint64_t offset, int64_t incr,
                  BitfieldOverflow o = BitfieldOverflow::kWrap) {
  return {.kind = BitfieldOpKind::kIncrBy, .type = t, .offset = offset, .value = incr,
          .overflow = o};
}

Result<BitfieldRunResult> Run(Store& s, std::string_view key, std::vector<BitfieldOp> ops) {
  return s.Access(0, key, [&](KeyHandle& h) { return BitfieldRun(h, ops); });
}

using Answers = std::vector<std::optional<int64_t>>;

Answers Replies(Store& s, std::string_view key, std::vector<BitfieldOp> ops) {
  Result<BitfieldRunResult> r = Run(s, key, std::move(ops));
  REQUIRE(r.ok());
  return r->replies;
}

TEST_CASE("a field is read big-endian in the bitmap's bit order, zeros past the end") {
  std::string bytes("\xA5\x0F", 2);  // 1010 0101 0000 1111
  CHECK(BitfieldRead(bytes, 0, U(4)) == 0xA);
  CHECK(BitfieldRead(bytes, 4, U(8)) == 0x50);
  CHECK(BitfieldRead(bytes, 0, I(4)) == -6);  // 1010 sign-extended
  CHECK(BitfieldRead(bytes, 12, U(8)) == 0xF0);  // the last 4 bits come from past the end
  CHECK(BitfieldRead(bytes, 100, I(64)) == 0);
  CHECK(BitfieldRead(std::string(8, '\xff'), 0, I(64)) == -1);
  CHECK(BitfieldRead(std::string(8, '\xff'), 0, U(63)) == kMax64);
}

TEST_CASE("a write changes only the field's bits") {
  std::string bytes(3, '\0');
  BitfieldWrite(bytes, 5, U(8), 0xFF);
  CHECK(bytes == std::string("\x07\xF8\x00", 3));
  BitfieldWrite(bytes, 6, I(4), -8);  // 1000
  CHECK(bytes == std::string("\x06\x38\x00", 3));
  std::string wide(9, '\0');
  BitfieldWrite(wide, 3, I(64), -1);
  CHECK(BitfieldRead(wide, 3, I(64)) == -1);
  CHECK(BitfieldRead(wide, 0, U(3)) == 0);
  CHECK(BitfieldRead(wide, 67, U(5)) == 0);
}

TEST_CASE("wrap keeps the low bits of the exact result") {
  constexpr auto kWrap = BitfieldOverflow::kWrap;
  CHECK(BitfieldIncr(255, 1, U(8), kWrap) == 0);
  CHECK(BitfieldIncr(0, -1, U(8), kWrap) == 255);
  CHECK(BitfieldIncr(127, 1, I(8), kWrap) == -128);
  CHECK(BitfieldIncr(-128, -1, I(8), kWrap) == 127);
  CHECK(BitfieldIncr(kMax64, 1, I(64), kWrap) == kMin64);
  CHECK(BitfieldIncr(kMin64, kMin64, I(64), kWrap) == 0);
  CHECK(BitfieldSet(-1, U(8), kWrap) == 255);
  CHECK(BitfieldSet(300, I(8), kWrap) == 44);
  CHECK(BitfieldSet(kMin64, U(63), kWrap) == 0);
  CHECK(BitfieldIncr(0, -1, I(1), kWrap) == -1);
  CHECK(BitfieldIncr(-1, -1, I(1), kWrap) == 0);
}

TEST_CASE("sat clamps to the field's limits") {
  constexpr auto kSat = BitfieldOverflow::kSat;
  CHECK(BitfieldIncr(250, 100, U(8), kSat) == 255);
  CHECK(BitfieldIncr(5, -100, U(8), kSat) == 0);
  CHECK(BitfieldIncr(100, 100, I(8), kSat) == 127);
  CHECK(BitfieldIncr(-100, -100, I(8), kSat) == -128);
  CHECK(BitfieldIncr(kMax64, kMax64, I(64), kSat) == kMax64);
  CHECK(BitfieldIncr(kMin64, -1, I(64), kSat) == kMin64);
  // A negative SET value on an unsigned field is a huge unsigned number: it saturates high.
  CHECK(BitfieldSet(-1, U(8), kSat) == 255);
  CHECK(BitfieldSet(-200, I(8), kSat) == -128);
  CHECK(BitfieldIncr(kMax64 - 1, 1, U(63), kSat) == kMax64);
}

TEST_CASE("fail refuses a result that does not fit and accepts one that does") {
  constexpr auto kFail = BitfieldOverflow::kFail;
  CHECK_FALSE(BitfieldIncr(255, 1, U(8), kFail).has_value());
  CHECK_FALSE(BitfieldIncr(0, -1, U(8), kFail).has_value());
  CHECK_FALSE(BitfieldIncr(kMax64, 1, I(64), kFail).has_value());
  CHECK_FALSE(BitfieldSet(128, I(8), kFail).has_value());
  CHECK(BitfieldIncr(254, 1, U(8), kFail) == 255);
  CHECK(BitfieldSet(-128, I(8), kFail) == -128);
  CHECK(BitfieldIncr(kMin64, kMax64, I(64), kFail) == -1);
}

TEST_CASE("a run replies per op: GET the field, SET the old value, INCRBY the new one") {
  Store s;
  CHECK(Replies(s, "k",
                {SetOp(U(8), 0, 200), GetOp(U(8), 0), IncrOp(U(8), 0, 100), GetOp(I(8), 0)}) ==
        Answers{0, 200, 44, 44});
  CHECK(Get(s, "k") == std::string("\x2c", 1));
  CHECK(Replies(s, "k", {IncrOp(U(8), 0, 300, BitfieldOverflow::kFail), GetOp(U(8), 0)}) ==
        Answers{std::nullopt, 44});
  CHECK(Replies(s, "k", {SetOp(I(16), 100, -2), GetOp(I(16), 100), GetOp(U(4), 100)}) ==
        Answers{0, -2, 15});
  CHECK(Get(s, "k")->size() == 15);
}

TEST_CASE("GETs alone never create the key; a failed write still creates and grows it") {
  Store s;
  Result<BitfieldRunResult> read = Run(s, "k", {GetOp(U(8), 1000)});
  REQUIRE(read.ok());
  CHECK_FALSE(read->found);
  CHECK(read->replies == Answers{0});
  CHECK_FALSE(testing::Exists(s, "k"));
  Result<BitfieldRunResult> failed = Run(s, "k", {IncrOp(U(2), 100, 5, BitfieldOverflow::kFail)});
  REQUIRE(failed.ok());
  CHECK(failed->replies == Answers{std::nullopt});
  CHECK_FALSE(failed->changed);
  CHECK(Get(s, "k") == std::string(13, '\0'));
  Result<BitfieldRunResult> same = Run(s, "k", {SetOp(U(8), 0, 0)});
  CHECK_FALSE(same->changed);  // neither grown nor changed
  Result<BitfieldRunResult> grown = Run(s, "k", {SetOp(U(8), 200, 0)});
  CHECK(grown->changed);  // grown, even though the bits are unchanged
  CHECK(Get(s, "k")->size() == 26);
}

TEST_CASE("a key of another type is WRONGTYPE and stays as it was") {
  Store s;
  std::string_view pair[] = {"f", "v"};
  REQUIRE(s.Access(0, "h", [&](KeyHandle& h) { return HashSetFields(h, pair); }).ok());
  CHECK(Run(s, "h", {GetOp(U(8), 0)}).status().code() == Code::kWrongType);
  CHECK(Run(s, "h", {SetOp(U(8), 0, 1)}).status().code() == Code::kWrongType);
}

TEST_CASE("bitfield writes log only the bytes they touch and replay into the same bytes") {
  RecordingJournal journal;
  Store live;
  live.set_journal(&journal);
  testing::Set(live, "big", std::string(100000, 'x'));
  size_t before = journal.records.size();
  CHECK(Replies(live, "big", {SetOp(I(64), 8 * 50000 + 3, -5), IncrOp(U(5), 7, 3)}) ==
        Answers{BitfieldRead(std::string(9, 'x'), 3, I(64)), 7 + 3});
  REQUIRE(journal.records.size() == before + 1);
  CHECK(journal.records.back().size() < 96);
  CHECK(Replies(live, "big", {GetOp(U(8), 0)}).size() == 1);  // a read logs nothing
  CHECK(journal.records.size() == before + 1);
  (void)Replies(live, "new", {SetOp(U(8), 8 * 4000, 7), IncrOp(I(3), 2, -1)});
  CHECK(journal.records.back().size() < 96);
  (void)Replies(live, "failed", {IncrOp(U(8), 80, 300, BitfieldOverflow::kFail)});

  Store replayed;
  for (const std::string& r : journal.records) CHECK(ApplyEffects(replayed, r).ok());
  for (std::string_view key : {"big", "new", "failed"}) CHECK(Get(replayed, key) == Get(live, key));
  CHECK(Get(replayed, "failed") == std::string(11, '\0'));
}

}  // namespace
}  // namespace cairn::store
