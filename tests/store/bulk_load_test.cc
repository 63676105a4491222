// tests/store/bulk_load_test.cc — BulkLoader: every queued key ends up in the store exactly as
// a Put through Access would leave it (value, expiry, database, the log), in batches and
// across them; a key the load meets twice stops it there; Store::Reserve keeps what a
// database holds.
#include "store/bulk_load.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "store/effects.h"
#include "store/store.h"
#include "store/types/list/list.h"
#include "tests/store/store_testing.h"

namespace cairn::store {
namespace {

using testing::ExpireAt;
using testing::Get;
using testing::Keys;

constexpr int64_t kFarFuture = 4102444800000;  // 2100-01-01

UniqueEntry StringEntry(std::string_view key, std::string_view value) {
  return UniqueEntry(Entry::Create(key, Value(BufRef::Copy(value))));
}

// Key i of a load: its database changes every 7 keys (runs shorter than a batch), every third
// key has a TTL, every fifth a value too long to sit in its entry.
struct LoadKey {
  int db;
  std::string key, value;
  int64_t expire_at_ms;
};
LoadKey Nth(int i) {
  std::string value = "v" + std::to_string(i);
  if (i % 5 == 0) value.append(200, 'x');
  return {(i / 7) % 3, "key:" + std::to_string(i), value, i % 3 == 0 ? kFarFuture + i : 0};
}

TEST_CASE("a bulk load leaves each key as a Put would, within batches and across them") {
  Store store;
  BulkLoader bulk(store);
  constexpr int kKeys = 1000;  // not a multiple of the batch: Flush inserts the last few
  for (int i = 0; i < kKeys; ++i) {
    LoadKey k = Nth(i);
    REQUIRE_FALSE(bulk.Add(k.db, StringEntry(k.key, k.value), k.expire_at_ms));
  }
  auto* list = new ListObject();
  list->Push(ListSide::kTail, "item");
  REQUIRE_FALSE(bulk.Add(5, UniqueEntry(Entry::Create("list", Value(ObjRef(list)))), 0));
  REQUIRE_FALSE(bulk.Flush());

  size_t in_dbs = 0;
  for (int db = 0; db < 3; ++db) in_dbs += store.Stats(db).keys;
  CHECK(in_dbs == kKeys);
  for (int i = 0; i < kKeys; ++i) {
    LoadKey k = Nth(i);
    CHECK(Get(store, k.key, k.db) == k.value);
    CHECK(ExpireAt(store, k.key, k.db) == k.expire_at_ms);
  }
  CHECK(store.Stats(0).expires + store.Stats(1).expires + store.Stats(2).expires == 334);
  CHECK(Keys(store, 5) == std::set<std::string>{"list"});
}

TEST_CASE("a key met twice stops the load at it; what came before it is in, the rest is not") {
  Store store;
  testing::Set(store, "there-before", "old");
  BulkLoader bulk(store);
  std::optional<BulkLoader::Duplicate> dup;
  for (int i = 0; i < 40 && !dup; ++i) {
    // Key 9 repeats key 4: the batch of keys 0-15 stops at its ninth.
    std::string key = i == 9 ? "k4" : "k" + std::to_string(i);
    dup = bulk.Add(0, StringEntry(key, "new"), 0, /*tag=*/1000 + i);
    if (i < 15) CHECK_FALSE(dup);
  }
  REQUIRE(dup);
  CHECK(dup->key == "k4");
  CHECK(dup->db == 0);
  CHECK(dup->tag == 1009);
  std::set<std::string> expected = {"there-before", "k0", "k1", "k2", "k3", "k4",
                                    "k5",           "k6", "k7", "k8"};
  CHECK(Keys(store) == expected);
  CHECK(Get(store, "k4") == "new");

  // A key the store held before the load counts as met twice as well; Flush finds it.
  BulkLoader again(store);
  REQUIRE_FALSE(again.Add(0, StringEntry("fresh", "1"), 0, 1));
  REQUIRE_FALSE(again.Add(0, StringEntry("there-before", "2"), 0, 2));
  REQUIRE_FALSE(again.Add(0, StringEntry("late", "3"), 0, 3));
  dup = again.Flush();
  REQUIRE(dup);
  CHECK(dup->tag == 2);
  CHECK(Get(store, "there-before") == "old");
  CHECK(Get(store, "fresh") == "1");
  CHECK_FALSE(Get(store, "late"));
}

TEST_CASE("a bulk load is logged like Puts: replaying its log gives the same keys") {
  testing::RecordingJournal journal;
  Store live;
  live.set_journal(&journal);
  BulkLoader bulk(live);
  for (int i = 0; i < 50; ++i) {
    LoadKey k = Nth(i);
    REQUIRE_FALSE(bulk.Add(k.db, StringEntry(k.key, k.value), k.expire_at_ms));
  }
  REQUIRE_FALSE(bulk.Flush());
  CHECK(journal.records.size() == 50);

  Store replayed;
  for (const std::string& r : journal.records) CHECK(ApplyEffects(replayed, r).ok());
  for (int i = 0; i < 50; ++i) {
    LoadKey k = Nth(i);
    CHECK(Get(replayed, k.key, k.db) == k.value);
    CHECK(ExpireAt(replayed, k.key, k.db) == k.expire_at_ms);
  }
}

TEST_CASE("Reserve leaves every key where lookups find it, in the database it was given") {
  Store store;
  for (int i = 0; i < 3000; ++i) testing::Set(store, "k" + std::to_string(i), "v", 0, 1);
  testing::Set(store, "other-db", "v", 0, 2);
  store.Reserve(1, 500000);
  store.Reserve(1, 10);  // smaller than it is: nothing changes
  store.Reserve(7, 0);
  CHECK(store.Stats(1).keys == 3000);
  for (int i = 0; i < 3000; ++i) CHECK(Get(store, "k" + std::to_string(i), 1) == "v");
  CHECK(Keys(store, 1).size() == 3000);
  CHECK(Keys(store, 2) == std::set<std::string>{"other-db"});
  // Keys added after it land in the same tables.
  for (int i = 3000; i < 4000; ++i) testing::Set(store, "k" + std::to_string(i), "w", 0, 1);
  CHECK(store.Stats(1).keys == 4000);
  CHECK(Get(store, "k3999", 1) == "w");
}

}  // namespace
}  // namespace cairn::store
