// tests/store/expiry_log_test.cc — expiry is part of the log's history: a key deleted by lazy
// or active expiry is logged as a delete, so replaying the log (which never expires by the
// clock) reproduces exactly what clients saw — a key written again after it expired comes
// back as written, with the TTL it then had, and the replay never meets a stale value.
#include <doctest/doctest.h>

#include <array>
#include <string>
#include <string_view>

#include "store/effects.h"
#include "store/store.h"
#include "store/types/list/list_ops.h"
#include "store/types/set/set_ops.h"
#include "tests/store/store_testing.h"

namespace cairn::store {
namespace {

using testing::ExpireAt;
using testing::Get;
using testing::RecordingJournal;
using testing::Set;
using testing::StringValue;

constexpr int64_t kTtlMs = 30;
constexpr int64_t kLaterMs = 1000;  // well past kTtlMs
constexpr int64_t kHourMs = 3600 * 1000;

// A store logging into a RecordingJournal, and a way to replay that log into a fresh store
// whose clock reads the same time as the live one.
struct LoggedStore {
  RecordingJournal journal;
  Store store;
  int64_t advanced_ms = 0;

  LoggedStore() { store.set_journal(&journal); }
  int64_t Now() { return store.NowMs(); }
  void Advance(int64_t ms) {
    store.AdvanceClockForTesting(ms);
    advanced_ms += ms;
  }
  // Every record must apply; the replayed store's clock matches the live store's.
  void ReplayInto(Store& fresh) {
    fresh.AdvanceClockForTesting(advanced_ms);
    for (size_t i = 0; i < journal.records.size(); ++i) {
      Status applied = ApplyEffects(fresh, journal.records[i]);
      INFO("record ", i + 1, ": ", applied.ToString());
      REQUIRE(applied.ok());
    }
  }
};

size_t SetAddOne(Store& s, std::string_view key, std::string_view member) {
  return s.Access(0, key, [&](KeyHandle& h) {
    std::array<std::string_view, 1> members{member};
    Result<size_t> added = SetAdd(h, members);
    CHECK(added.ok());
    return added.ok() ? *added : 0;
  });
}

size_t SetSize(Store& s, std::string_view key) {
  return s.Access(0, key, [&](KeyHandle& h) -> size_t {
    Entry* e = h.Find();
    return e == nullptr ? 0 : e->value.obj->size();
  });
}

size_t RightPush(Store& s, std::string_view key, std::string_view elem) {
  return s.Access(0, key, [&](KeyHandle& h) {
    Entry* e = h.Find();
    if (e != nullptr && e->value.type != ValueType::kList) return size_t{0};  // WRONGTYPE
    std::array<std::string_view, 1> elems{elem};
    return ListPush(h, e, ListSide::kTail, elems);
  });
}

ValueType TypeOf(Store& s, std::string_view key) {
  return s.Access(0, key, [&](KeyHandle& h) {
    Entry* e = h.Find();
    REQUIRE(e != nullptr);
    return e->value.type;
  });
}

// INCR as the command does it: the new value replaces the old and keeps the TTL.
void Incr(Store& s, std::string_view key) {
  s.Access(0, key, [&](KeyHandle& h) {
    Entry* e = h.Find();
    int64_t n = e != nullptr ? std::stoll(std::string(e->value.str.view())) : 0;
    h.Put(StringValue(std::to_string(n + 1)), kKeepTtl);
  });
}

TEST_CASE("a set member added again after the set expired is replayed onto no set") {
  LoggedStore live;
  CHECK(SetAddOne(live.store, "s", "x") == 1);
  live.store.Access(0, "s", [&](KeyHandle& h) { h.SetExpire(h.Find(), live.Now() + kTtlMs); });
  live.Advance(kLaterMs);
  CHECK(SetAddOne(live.store, "s", "x") == 1);  // the expired set is gone: x is new again

  Store fresh;
  live.ReplayInto(fresh);
  CHECK(SetSize(fresh, "s") == 1);
  CHECK(ExpireAt(fresh, "s") == 0);
}

TEST_CASE("a counter INCRed after it expired comes back as 1 without the old TTL") {
  LoggedStore live;
  Set(live.store, "c", "5", live.Now() + kTtlMs);
  live.Advance(kLaterMs);
  Incr(live.store, "c");
  CHECK(Get(live.store, "c") == "1");

  Store fresh;
  live.ReplayInto(fresh);
  CHECK(Get(fresh, "c") == "1");
  CHECK(ExpireAt(fresh, "c") == 0);
  fresh.AdvanceClockForTesting(kHourMs);
  CHECK(Get(fresh, "c") == "1");  // not carrying the expired TTL along
}

TEST_CASE("a list pushed onto an expired string key is replayed as a list") {
  LoggedStore live;
  Set(live.store, "k", "v", live.Now() + kTtlMs);
  live.Advance(kLaterMs);
  CHECK(RightPush(live.store, "k", "a") == 1);

  Store fresh;
  live.ReplayInto(fresh);
  CHECK(TypeOf(fresh, "k") == ValueType::kList);
}

TEST_CASE("a key rewritten after expiry keeps the new TTL, and SET KEEPTTL keeps none") {
  LoggedStore live;
  Set(live.store, "rewritten", "old", live.Now() + kTtlMs);
  Set(live.store, "keepttl", "old", live.Now() + kTtlMs);
  live.Advance(kLaterMs);
  int64_t new_expiry = live.Now() + kHourMs;
  Set(live.store, "rewritten", "new", new_expiry);
  live.store.Access(0, "keepttl", [&](KeyHandle& h) { h.Put(StringValue("new"), kKeepTtl); });

  Store fresh;
  live.ReplayInto(fresh);
  CHECK(Get(fresh, "rewritten") == "new");
  CHECK(ExpireAt(fresh, "rewritten") == new_expiry);
  CHECK(Get(fresh, "keepttl") == "new");
  CHECK(ExpireAt(fresh, "keepttl") == 0);
}

TEST_CASE("active expiry logs its deletes, so writes after it replay onto no key") {
  LoggedStore live;
  for (int i = 0; i < 300; ++i) Set(live.store, "k" + std::to_string(i), "old", live.Now() + 10);
  live.Advance(kLaterMs);
  size_t records_before = live.journal.records.size();
  size_t expired = 0;
  for (int round = 0; round < 100 && expired < 300; ++round) {
    expired += live.store.ExpireCycle(1000 * 1000);
  }
  REQUIRE(expired == 300);
  CHECK(live.journal.records.size() > records_before);  // the deletes were logged
  for (int i = 0; i < 300; i += 2) CHECK(RightPush(live.store, "k" + std::to_string(i), "a") == 1);

  Store fresh;
  live.ReplayInto(fresh);
  CHECK(fresh.Stats(0).keys == 150);  // the others are gone, not merely expired
  for (int i = 0; i < 300; i += 2)
    CHECK(TypeOf(fresh, "k" + std::to_string(i)) == ValueType::kList);
}

TEST_CASE("a read that finds a key expired logs the delete and waits for it") {
  LoggedStore live;
  Set(live.store, "k", "v", live.Now() + kTtlMs);
  (void)Store::TakeObservedLsn();
  live.Advance(kLaterMs);
  CHECK_FALSE(Get(live.store, "k").has_value());
  CHECK(live.journal.records.size() == 2);
  // The reply "nil" reveals the delete: it must not leave before the delete is durable.
  CHECK(Store::TakeObservedLsn() == 2);

  Store fresh;
  live.ReplayInto(fresh);
  CHECK(fresh.Stats(0).keys == 0);
}

TEST_CASE("a record that does not apply is reported with its op, key and what the key held") {
  Store store;
  Set(store, "s", "a string");
  LoggedStore other;
  CHECK(SetAddOne(other.store, "s", "x") == 1);
  Status applied = ApplyEffects(store, other.journal.records[0]);
  CHECK_FALSE(applied.ok());
  std::string why(applied.message());
  CHECK(why.find("OBJECT db=0 set key=\"s\"") != std::string::npos);
  CHECK(why.find("a string of 8 bytes") != std::string::npos);
  std::vector<std::string> ops = DescribeEffects(other.journal.records[0], 16);
  REQUIRE(ops.size() == 1);
  CHECK(ops[0].find("OBJECT db=0 set key=\"s\"") == 0);
}

}  // namespace
}  // namespace cairn::store
