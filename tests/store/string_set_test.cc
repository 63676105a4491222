// tests/store/string_set_test.cc — SET with its new value made before the shard lock
// (string_ops.h, NewString): a short value arrives as the key's whole new entry and is only
// linked in under the lock. Under every condition SET leaves the keyspace, its counts and its
// log exactly as installing a buffer through KeyHandle::Put does (the path every SET took
// before), frees what it did not use, and never takes bytes from a reader.
#include <doctest/doctest.h>

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "store/memory.h"
#include "store/store.h"
#include "store/types/hash/hash_ops.h"
#include "store/types/string/string_ops.h"
#include "tests/store/store_testing.h"

namespace cairn::store {
namespace {

constexpr int64_t kHourMs = 3600 * 1000;
constexpr std::string_view kKey = "key:000000123456";

// StringSet as it was before the value became an entry: look, then Put a buffer under the
// lock (Put copies a short one into a new entry, the buffer is released after the lock).
Result<StringSetResult> PutPathSet(KeyHandle& h, BufRef value, const StringSetOptions& o) {
  StringSetResult r;
  Entry* e = h.Find();
  if (o.get && e != nullptr) {
    if (!e->value.is_string()) return Code::kWrongType;
    r.old = e->value.str;
  }
  if ((o.condition == SetCondition::kIfMissing && e != nullptr) ||
      (o.condition == SetCondition::kIfExists && e == nullptr)) {
    return r;
  }
  r.done = true;
  if (o.expire_at_ms > 0 && o.expire_at_ms <= h.now_ms()) {
    h.Delete();
    return r;
  }
  h.Put(Value(std::move(value)), o.expire_at_ms);
  return r;
}

enum class Before { kMissing, kShort, kShortWithTtl, kLong, kHash, kExpired };

struct Case {
  const char* name;
  Before before;
  std::string value;
  StringSetOptions o;
  bool unchanged = false;  // the key stays as it was: the new value goes unused
};

struct Outcome {
  Code code = Code::kOk;
  bool done = false;
  std::string old;
  // key -> (type, string value, expiry)
  std::map<std::string, std::tuple<ValueType, std::string, int64_t>> keys;
  size_t expires = 0;               // the table's count of keys with a TTL
  std::vector<std::string> records;  // what the journal got
  int64_t net_bytes = 0;             // allocated minus freed by the SET, lock and all

  bool operator==(const Outcome&) const = default;
};

void Prepare(Store& s, Before before, int64_t now_ms) {
  switch (before) {
    case Before::kMissing: break;
    case Before::kShort: testing::Set(s, kKey, "old"); break;
    case Before::kShortWithTtl: testing::Set(s, kKey, "old", now_ms + kHourMs); break;
    case Before::kLong: testing::Set(s, kKey, std::string(300, 'o'), now_ms + kHourMs); break;
    case Before::kExpired: testing::Set(s, kKey, "old", now_ms - 1000); break;
    case Before::kHash: {
      std::string_view pair[] = {"f", "v"};
      CHECK(s.Access(0, kKey, [&](KeyHandle& h) { return HashSetFields(h, pair); }).ok());
      break;
    }
  }
}

Outcome Run(const Case& c, bool prepared, bool with_journal, int64_t now_ms) {
  testing::RecordingJournal journal;
  Store s;
  Prepare(s, c.before, now_ms);
  if (with_journal) s.set_journal(&journal);
  Outcome out;
  std::optional<Result<StringSetResult>> r;
  int64_t before_bytes = MemoryGauge::ThreadNetBytes();
  if (prepared) {
    NewString value(kKey, c.value);  // as the server does: made before, freed after the lock
    r = s.Access(0, kKey, [&](KeyHandle& h) { return StringSet(h, &value, c.o); });
  } else {
    BufRef value = BufRef::Copy(c.value);
    r = s.Access(0, kKey, [&](KeyHandle& h) { return PutPathSet(h, std::move(value), c.o); });
  }
  if (r->ok()) {
    out.done = (*r)->done;
    out.old = std::string((*r)->old.view());
  } else {
    out.code = r->status().code();
  }
  r.reset();  // drops the reference to the old value before the bytes are counted
  out.net_bytes = MemoryGauge::ThreadNetBytes() - before_bytes;
  s.set_journal(nullptr);
  s.ForEach(0, [&](const Entry& e) {
    std::string bytes = e.value.is_string() ? std::string(e.value.str.view()) : "";
    out.keys[std::string(e.key())] = {e.value.type, bytes, e.expire_at_ms};
  });
  out.expires = s.Stats(0).expires;
  out.records = journal.records;
  return out;
}

TEST_CASE("a SET made before the lock ends, under every condition, as a Put under it did") {
  int64_t now = Store().NowMs();
  const std::string kLongValue(Buffer::kMaxEmbeddedSize + 1, 'n');
  const Case cases[] = {
      {"plain SET of a new key", Before::kMissing, "new", {}},
      {"plain SET clears the TTL", Before::kShortWithTtl, "new", {}},
      {"SET EX sets one", Before::kShort, "new", {now + 2 * kHourMs}},
      {"KEEPTTL keeps it", Before::kShortWithTtl, "new", {kKeepTtl}},
      {"KEEPTTL on a new key", Before::kMissing, "new", {kKeepTtl}},
      {"NX on an existing key", Before::kShort, "new", {0, SetCondition::kIfMissing}, true},
      {"NX on a missing key", Before::kMissing, "new", {0, SetCondition::kIfMissing}},
      {"XX on a missing key", Before::kMissing, "new", {0, SetCondition::kIfExists}, true},
      {"XX GET on an existing key", Before::kShortWithTtl, "new",
       {0, SetCondition::kIfExists, true}},
      {"GET on another type", Before::kHash, "new", {0, SetCondition::kAlways, true}, true},
      {"plain SET over another type", Before::kHash, "new", {}},
      {"EXAT in the past deletes", Before::kShortWithTtl, "new", {now - 1}},
      {"EXAT in the past on a missing key", Before::kMissing, "new", {now - 1}, true},
      {"SET over an expired key", Before::kExpired, "new", {}},
      {"NX over an expired key", Before::kExpired, "new", {0, SetCondition::kIfMissing}},
      {"short over a long value", Before::kLong, "new", {kKeepTtl}},
      {"long over a short value", Before::kShortWithTtl, kLongValue, {kKeepTtl}},
      {"long value, XX on a missing key", Before::kMissing, kLongValue,
       {0, SetCondition::kIfExists}, true},
      {"empty value", Before::kShort, "", {}},
      {"value of the largest embedded size", Before::kShort,
       std::string(Buffer::kMaxEmbeddedSize, 'e'), {}},
  };
  // The first pass warms the thread's reusable buffers (effects, garbage lists), so that the
  // second counts only what the SET itself allocates and frees.
  for (int pass = 0; pass < 2; ++pass) {
    for (const Case& c : cases) {
      CAPTURE(c.name);
      Outcome before = Run(c, /*prepared=*/false, /*with_journal=*/true, now);
      Outcome after = Run(c, /*prepared=*/true, /*with_journal=*/true, now);
      CHECK(after.code == before.code);
      CHECK(after.done == before.done);
      CHECK(after.old == before.old);
      CHECK(after.keys == before.keys);
      CHECK(after.expires == before.expires);
      CHECK(after.records == before.records);
      if (pass == 0 || !MemoryGauge::precise()) continue;
      // Memory: the same net change, and none at all when the SET installed nothing.
      Outcome before_mem = Run(c, false, false, now);
      Outcome after_mem = Run(c, true, false, now);
      CHECK(after_mem.net_bytes == before_mem.net_bytes);
      if (c.unchanged) CHECK(after_mem.net_bytes == 0);
    }
  }
}

TEST_CASE("a short SET allocates its entry before the lock and nothing under it") {
  if (!MemoryGauge::precise()) return;  // the allocator's counters are jemalloc's
  Store s;
  testing::Set(s, kKey, "old value");
  uint64_t under_lock = 0;
  auto set = [&](std::string_view bytes, StringSetOptions o) {
    NewString value(kKey, bytes);
    s.Access(0, kKey, [&](KeyHandle& h) {
      uint64_t start = MemoryGauge::ThreadAllocatedBytes();
      (void)StringSet(h, &value, o);
      under_lock = MemoryGauge::ThreadAllocatedBytes() - start;
    });
  };
  set("warm-up", {});
  uint64_t start = MemoryGauge::ThreadAllocatedBytes();
  set("new value", {});
  uint64_t whole = MemoryGauge::ThreadAllocatedBytes() - start;
  size_t entry_bytes =
      s.Access(0, kKey, [](KeyHandle& h) { return h.Find()->allocation_bytes(); });
  CHECK(under_lock == 0);
  CHECK(whole == entry_bytes);  // one block: the entry, key and value together
  set("unused", {0, SetCondition::kIfMissing});
  CHECK(under_lock == 0);
  CHECK(*testing::Get(s, kKey) == "new value");
}

TEST_CASE("a reader holding the old value still reads it after a SET replaces the entry") {
  Store s;
  testing::Set(s, kKey, "warm-up");  // the thread's garbage lists get their room
  testing::Set(s, kKey, "first value", s.NowMs() + kHourMs);
  int64_t start_bytes = MemoryGauge::ThreadNetBytes();
  BufRef held = s.Access(0, kKey, [](KeyHandle& h) { return h.Find()->value.str; });
  REQUIRE(held.get()->embedded());
  std::optional<Result<StringSetResult>> set;
  {
    NewString value(kKey, "second value");
    StringSetOptions o;
    o.get = true;
    set = s.Access(0, kKey, [&](KeyHandle& h) { return StringSet(h, &value, o); });
  }
  REQUIRE(set->ok());
  StringSetResult& r = **set;
  // The old entry left the table; its allocation lives on through the two references.
  CHECK(held.view() == "first value");
  CHECK(r.old.view() == "first value");
  CHECK(held.get()->refs() == 2);
  CHECK(*testing::Get(s, kKey) == "second value");
  CHECK(testing::ExpireAt(s, kKey) == 0);
  held = BufRef();
  CHECK(r.old.view() == "first value");
  set.reset();  // the last reference: the old entry's block goes with it
  if (MemoryGauge::precise()) {
    // Same sizes: the old block freed, the new one in its place.
    CHECK(MemoryGauge::ThreadNetBytes() == start_bytes);
  }
}

TEST_CASE("MSET links each pair's entry in, a repeated key ends with its last value, and an "
          "MSETNX that sets nothing frees every entry") {
  Store s;
  std::vector<KeyRef> keys = {{0, "a"}, {0, "b"}, {0, "a"}};
  auto mset = [&](bool nx, std::string_view last) {
    std::vector<NewString> values;
    values.emplace_back("a", "first");
    values.emplace_back("b", std::string(300, 'b'));
    values.emplace_back("a", last);
    return s.AccessMany(keys, [&](std::span<KeyHandle> hs) {
      return StringSetMany(hs, values, nx);
    });
  };
  CHECK(mset(true, "last"));
  CHECK(*testing::Get(s, "a") == "last");
  CHECK(*testing::Get(s, "b") == std::string(300, 'b'));
  CHECK(s.Stats(0).keys == 2);
  CHECK_FALSE(mset(true, "warm-up"));
  int64_t start_bytes = MemoryGauge::ThreadNetBytes();
  CHECK_FALSE(mset(true, "unused"));
  if (MemoryGauge::precise()) CHECK(MemoryGauge::ThreadNetBytes() == start_bytes);
  CHECK(*testing::Get(s, "a") == "last");
}

}  // namespace
}  // namespace cairn::store
