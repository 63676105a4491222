// tests/store/damaged_records_test.cc — WAL payloads, collection encodings and snapshots
// that frame correctly but say something the server never writes: a count past the bytes
// that follow, a string end past SETRANGE's bound, a string op on a list, a NaN score, a
// member twice, stream IDs out of order, a key twice. Each is refused as corruption before
// anything is sized by it, and leaves no half-built value behind.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>

#include "store/durability/snapshot.h"
#include "store/durability/wal_format.h"
#include "store/effects.h"
#include "store/object.h"
#include "store/store.h"
#include "tests/store/store_testing.h"
#include "tests/support/temp_dir.h"

namespace cairn::store {
namespace {

using namespace wal;  // NOLINT: the op codes and encoders

// op db=0 lengths key second: the shape of most key ops.
std::string KeyOp(uint8_t op, std::string_view key, std::string_view second) {
  std::string p;
  PutU8(&p, op);
  PutVarint(&p, 0);
  PutLengths(&p, key.size(), second.size());
  p.append(key);
  p.append(second);
  return p;
}

std::string ObjectOp(std::string_view key, ValueType type, std::string_view family_op) {
  std::string body(1, static_cast<char>(type));
  body.append(family_op);
  return KeyOp(kOpObject, key, body);
}

std::string ListPush(std::string_view key, uint64_t count, std::string_view elem) {
  std::string op = {1, 1};  // kPush, tail
  PutVarint(&op, count);
  PutVarint(&op, elem.size());
  op.append(elem);
  return ObjectOp(key, ValueType::kList, op);
}

std::string PutScore(double score) {
  std::string out;
  uint64_t bits = 0;
  std::memcpy(&bits, &score, sizeof(bits));
  PutU64(&out, bits);
  return out;
}

std::string StreamAdd(std::string_view key, uint64_t ms, uint64_t seq) {
  std::string op(1, 1);  // kAdd ms-seq, one pair f = v
  for (uint64_t v : {ms, seq, uint64_t{1}}) PutVarint(&op, v);
  op += std::string{1, 'f', 1, 'v'};
  return ObjectOp(key, ValueType::kStream, op);
}

bool KeyExists(Store& store, std::string_view key) {
  return store.Access(0, key, [](KeyHandle& h) { return h.Find() != nullptr; });
}

TEST_CASE("a SETRANGE record ending past 512 MB does not decode and builds nothing") {
  Store store;
  std::string patch = KeyOp(kOpSetRange, "s", "xy");
  std::string ok = patch, past = patch;
  PutVarint(&ok, 3);
  PutVarint(&past, kMaxSetRangeEnd - 1);  // "xy" then ends one byte past the bound
  CHECK(ApplyEffects(store, ok).ok());
  CHECK(testing::Get(store, "s") == std::string("\0\0\0xy", 5));
  CHECK_FALSE(ApplyEffects(store, past).ok());
  CHECK(testing::Get(store, "s") == std::string("\0\0\0xy", 5));
}

TEST_CASE("a list push counting more elements than its bytes hold does not decode") {
  Store store;
  CHECK(ApplyEffects(store, ListPush("l", 1, "a")).ok());
  CHECK_FALSE(ApplyEffects(store, ListPush("m", uint64_t{1} << 60, "a")).ok());
  CHECK_FALSE(KeyExists(store, "m"));
}

TEST_CASE("APPEND or SETRANGE on a key holding a list does not decode and the list stays") {
  Store store;
  REQUIRE(ApplyEffects(store, ListPush("l", 1, "a")).ok());
  std::string setrange = KeyOp(kOpSetRange, "l", "x");
  PutVarint(&setrange, 0);
  CHECK_FALSE(ApplyEffects(store, KeyOp(kOpAppend, "l", "x")).ok());
  CHECK_FALSE(ApplyEffects(store, setrange).ok());
  store.Access(0, "l", [](KeyHandle& h) {
    Entry* e = h.Find();
    REQUIRE(e != nullptr);
    CHECK(e->value.type == ValueType::kList);
    CHECK(e->value.obj->size() == 1);
  });
}

TEST_CASE("a set op naming no member does not decode and creates no empty set") {
  Store store;
  std::string bad_set_op("\x01\x00", 2);
  CHECK_FALSE(ApplyEffects(store, ObjectOp("s", ValueType::kSet, bad_set_op)).ok());
  CHECK_FALSE(KeyExists(store, "s"));
}

TEST_CASE("a sorted set record with a NaN score does not decode") {
  Store store;
  std::string op = {1, 1};  // kZSetScores, one member
  op += PutScore(std::numeric_limits<double>::quiet_NaN()) + "\x01m";
  CHECK_FALSE(ApplyEffects(store, ObjectOp("z", ValueType::kZSet, op)).ok());
  CHECK_FALSE(KeyExists(store, "z"));
}

TEST_CASE("a stream entry at or below the stream's last ID does not decode") {
  Store store;
  REQUIRE(ApplyEffects(store, StreamAdd("x", 5, 1)).ok());
  CHECK_FALSE(ApplyEffects(store, StreamAdd("x", 5, 1)).ok());
  CHECK_FALSE(ApplyEffects(store, StreamAdd("x", 4, 9)).ok());
  CHECK_FALSE(ApplyEffects(store, StreamAdd("y", 0, 0)).ok());
  CHECK(ApplyEffects(store, StreamAdd("x", 5, 2)).ok());
}

TEST_CASE("XSETID below the newest entry, or XGROUP CREATE over a string, does not decode") {
  Store store;
  REQUIRE(ApplyEffects(store, StreamAdd("x", 5, 1)).ok());
  std::string set_id(1, 12);  // kSetId: last 5-0, entries_added 1, max_deleted 0-0
  set_id += std::string("\x05\x00\x01\x00\x00", 5);
  CHECK_FALSE(ApplyEffects(store, ObjectOp("x", ValueType::kStream, set_id)).ok());

  testing::Set(store, "s", "string");
  std::string create(1, 4);  // kGroupCreate "g" at 0-0, entries_read unknown
  create += std::string("\x01g\x00\x00\x00", 5);
  CHECK_FALSE(ApplyEffects(store, ObjectOp("s", ValueType::kStream, create)).ok());
  CHECK(testing::Get(store, "s") == "string");
}

TEST_CASE("collection encodings the server never writes do not decode") {
  // An empty set: its key would have gone with its last member.
  CHECK_FALSE(DecodeObject(ValueType::kSet, std::string("\x00\x00", 2)));
  // A sorted set naming one member twice, in order by score.
  std::string twice = "\x02" + PutScore(1) + "\x01m" + PutScore(2) + "\x01m";
  CHECK_FALSE(DecodeObject(ValueType::kZSet, twice));
  CHECK(DecodeObject(ValueType::kZSet, "\x02" + PutScore(1) + "\x01m" + PutScore(2) + "\x01n"));
  // A sorted set whose only score is NaN.
  CHECK_FALSE(DecodeObject(ValueType::kZSet,
                           "\x01" + PutScore(std::numeric_limits<double>::quiet_NaN()) + "\x01m"));
  // Streams (stream.h): entries 5-<seq>, each with `pairs` field/value pairs.
  auto entry = [](uint64_t seq, uint64_t pairs) {
    std::string e;
    for (uint64_t v : {uint64_t{5}, seq, pairs}) PutVarint(&e, v);
    for (uint64_t i = 0; i < pairs; ++i) e += std::string{1, 'f', 1, 'v'};
    return e;
  };
  auto stream = [](uint64_t last_seq, const std::string& entries) {
    std::string s;
    // version 1, last ID 5-last_seq, 2 entries added, max deleted 0-0, 2 entries
    for (uint64_t v :
         {uint64_t{1}, uint64_t{5}, last_seq, uint64_t{2}, uint64_t{0}, uint64_t{0}, uint64_t{2}}) {
      PutVarint(&s, v);
    }
    s += entries;
    PutVarint(&s, 0);  // no groups
    return s;
  };
  CHECK(DecodeObject(ValueType::kStream, stream(2, entry(1, 1) + entry(2, 1))));
  CHECK_FALSE(DecodeObject(ValueType::kStream, stream(2, entry(2, 1) + entry(1, 1))));  // order
  CHECK_FALSE(DecodeObject(ValueType::kStream, stream(1, entry(1, 1) + entry(2, 1))));  // last
  CHECK_FALSE(DecodeObject(ValueType::kStream, stream(3, entry(1, 1) + entry(3, 0))));  // fields
}

// Writes a snapshot of the given entries (after the header; the end marker counts `keys`)
// with a correct CRC, so that the loader gets past the checksum to the entries.
void WriteSnapshotFile(const std::string& dir, const std::string& entries, uint64_t keys) {
  std::string file = "CAIRNSNP";
  PutU32(&file, 1);
  PutU64(&file, 0);
  PutU32(&file, 16);
  file += entries;
  PutU8(&file, 0xFF);
  PutU64(&file, keys);
  PutU32(&file, MaskCrc(Crc32c(file.data(), file.size())));
  FILE* f = std::fopen((dir + "/" + kSnapshotFileName).c_str(), "wb");
  REQUIRE(f != nullptr);
  std::fwrite(file.data(), 1, file.size(), f);
  std::fclose(f);
}

constexpr size_t kSnapshotHeader = 8 + 4 + 8 + 4;

// Loading dir's snapshot fails, naming the entry at offset.
void ExpectMalformedAt(const std::string& dir, size_t offset) {
  Store store;
  Result<SnapshotInfo> r = LoadSnapshot(store, dir);
  CHECK_FALSE(r.ok());
  CHECK(r.status().message().find("malformed entry at offset " + std::to_string(offset)) !=
        std::string::npos);
}

TEST_CASE("a snapshot holding one key twice fails naming the offset of the second") {
  cairn::test::TempDir dir;
  std::string entry = {1, 0, 0, 0x11, 1, 1, 'k', 'v', 0};  // db 0, string k = v, no expiry
  WriteSnapshotFile(dir.path(), entry + entry, 2);
  ExpectMalformedAt(dir.path(), kSnapshotHeader + entry.size());
  // Keys go in by batches; an entry that does not decode after the second k is still named
  // second: the first damage in the file is the one reported.
  cairn::test::TempDir later;
  std::string bad_type = entry;
  bad_type[2] = 0x7f;
  WriteSnapshotFile(later.path(), entry + entry + bad_type, 3);
  ExpectMalformedAt(later.path(), kSnapshotHeader + entry.size());
}

TEST_CASE("a snapshot entry declaring more bytes than the file holds fails at that entry") {
  // A value of 2^40 bytes, then 3 MB of entries: the error names that entry (its head says
  // more than the file holds, so no buffer is sized by it).
  cairn::test::TempDir dir;
  std::string good = {1, 0, 0, 0x11, 1, 1, 'a', 'v', 0};
  std::string huge = {1, 0, 0, 0x16, 1, 0, 0, 0, 0, 0, 1, 'b'};  // klen 1, vlen 2^40
  std::string filler;
  for (int i = 0; i < 3; ++i) {
    filler += std::string{1, 0, 0, 0x13, 1, 0, 0, 0x10, static_cast<char>('c' + i)};
    filler += std::string(1 << 20, 'x') + std::string(1, '\0');  // 1 MB value, no expiry
  }
  WriteSnapshotFile(dir.path(), good + huge + filler, 5);
  ExpectMalformedAt(dir.path(), kSnapshotHeader + good.size());
}

}  // namespace
}  // namespace cairn::store
