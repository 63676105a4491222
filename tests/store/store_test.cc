// tests/store/store_test.cc — the keyspace on one thread: set, get, delete, take, databases,
// flush and swap, SCAN while tables grow, KEYS, RANDOMKEY and multi-key access.
#include "store/store.h"

#include <doctest/doctest.h>

#include <array>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "store/effects.h"
#include "store/key_hash.h"
#include "tests/store/store_testing.h"

namespace cairn::store {
namespace {

using testing::Exists;
using testing::ExpireAt;
using testing::Get;
using testing::Keys;
using testing::Set;
using testing::StringValue;

TEST_CASE("a new store has the configured number of empty databases") {
  Store store(StoreOptions{.databases = 4});
  CHECK(store.databases() == 4);
  for (int db = 0; db < 4; ++db) {
    CHECK(store.Stats(db).keys == 0);
    CHECK(Keys(store, db).empty());
  }
}

TEST_CASE("a value that was set can be read back") {
  Store store;
  Set(store, "greeting", "hello");
  CHECK(Get(store, "greeting") == "hello");
  CHECK_FALSE(Get(store, "missing").has_value());
}

TEST_CASE("keys and values may hold any bytes, including empty ones") {
  Store store;
  std::string binary_key("k\0\r\n", 4);
  std::string binary_value("\0\xff\n", 3);
  Set(store, binary_key, binary_value);
  Set(store, "", "empty key");
  Set(store, "empty value", "");
  CHECK(Get(store, binary_key) == binary_value);
  CHECK(Get(store, "") == "empty key");
  CHECK(Get(store, "empty value") == "");
  CHECK_FALSE(Exists(store, std::string("k\0\r", 3)));
}

TEST_CASE("setting an existing key replaces its value and keeps one key") {
  Store store;
  Set(store, "k", "one");
  Set(store, "k", "two");
  CHECK(Get(store, "k") == "two");
  CHECK(store.Stats(0).keys == 1);
}

TEST_CASE("put returns the entry that now holds the key") {
  Store store;
  store.Access(0, "k", [](KeyHandle& h) {
    Entry* e = h.Put(StringValue("v"), 0);
    REQUIRE(e != nullptr);
    CHECK(e->key() == "k");
    CHECK(e->value.str.view() == "v");
    CHECK(h.Find() == e);
    CHECK(h.key() == "k");
    CHECK(h.db() == 0);
  });
}

TEST_CASE("delete removes a key and reports whether it existed") {
  Store store;
  Set(store, "k", "v");
  CHECK(store.Access(0, "k", [](KeyHandle& h) { return h.Delete(); }));
  CHECK_FALSE(Exists(store, "k"));
  CHECK_FALSE(store.Access(0, "k", [](KeyHandle& h) { return h.Delete(); }));
  CHECK(store.Stats(0).keys == 0);
}

TEST_CASE("take removes a key and hands over its value and expiry") {
  Store store;
  int64_t at = store.NowMs() + 60000;
  Set(store, "src", "payload", at);
  Value value;
  int64_t expire_at = 0;
  CHECK(store.Access(0, "src", [&](KeyHandle& h) { return h.Take(&value, &expire_at); }));
  CHECK(value.str.view() == "payload");
  CHECK(expire_at == at);
  CHECK_FALSE(Exists(store, "src"));
  CHECK(store.Stats(0).keys == 0);
  CHECK(store.Stats(0).expires == 0);
  // The taken value can be installed under another name (RENAME).
  store.Access(0, "dst", [&](KeyHandle& h) { h.Put(std::move(value), expire_at); });
  CHECK(Get(store, "dst") == "payload");
  CHECK(ExpireAt(store, "dst") == at);
}

TEST_CASE("take of a missing key reports false and leaves the outputs alone") {
  Store store;
  Value value = StringValue("untouched");
  int64_t expire_at = 42;
  CHECK_FALSE(store.Access(0, "none", [&](KeyHandle& h) { return h.Take(&value, &expire_at); }));
  CHECK(value.str.view() == "untouched");
  CHECK(expire_at == 42);
}

TEST_CASE("a value read before a SET keeps its old bytes after the SET") {
  Store store;
  Set(store, "k", "old bytes");
  BufRef held = store.Access(0, "k", [](KeyHandle& h) { return h.Find()->value.str; });
  Set(store, "k", "new bytes");
  store.Access(0, "k", [](KeyHandle& h) { return h.Delete(); });
  CHECK(held.view() == "old bytes");
  CHECK(held.get()->refs() == 1);  // the store no longer holds it; only we do
}

TEST_CASE("the same key in different databases holds different values") {
  Store store;
  Set(store, "k", "zero", 0, 0);
  Set(store, "k", "one", 0, 1);
  CHECK(Get(store, "k", 0) == "zero");
  CHECK(Get(store, "k", 1) == "one");
  CHECK_FALSE(Exists(store, "k", 2));
}

TEST_CASE("stats count keys and keys with an expiry") {
  Store store;
  for (int i = 0; i < 100; ++i) Set(store, "p" + std::to_string(i), "v");
  for (int i = 0; i < 30; ++i) Set(store, "t" + std::to_string(i), "v", store.NowMs() + 60000);
  CHECK(store.Stats(0).keys == 130);
  CHECK(store.Stats(0).expires == 30);
  CHECK(store.Stats(1).keys == 0);
}

TEST_CASE("flushing one database empties it and leaves the others") {
  Store store;
  for (int i = 0; i < 500; ++i) {
    Set(store, "a" + std::to_string(i), "v", 0, 0);
    Set(store, "b" + std::to_string(i), "v", store.NowMs() + 60000, 1);
  }
  store.FlushDb(0);
  CHECK(store.Stats(0).keys == 0);
  CHECK(Keys(store, 0).empty());
  CHECK(store.Stats(1).keys == 500);
  CHECK(Get(store, "b7", 1) == "v");
  // The flushed database works as before.
  Set(store, "a1", "again", 0, 0);
  CHECK(Get(store, "a1", 0) == "again");
}

TEST_CASE("flushing all databases empties every one") {
  Store store;
  for (int db = 0; db < store.databases(); ++db) Set(store, "k", "v", 0, db);
  store.FlushAll();
  for (int db = 0; db < store.databases(); ++db) CHECK(store.Stats(db).keys == 0);
}

TEST_CASE("swapping two databases swaps their keys, values and expiries") {
  Store store;
  int64_t at = store.NowMs() + 60000;
  for (int i = 0; i < 200; ++i) Set(store, "zero" + std::to_string(i), "0", 0, 0);
  Set(store, "shared", "from zero", 0, 0);
  Set(store, "shared", "from three", at, 3);
  store.SwapDb(0, 3);
  CHECK(Get(store, "shared", 0) == "from three");
  CHECK(ExpireAt(store, "shared", 0) == at);
  CHECK(Get(store, "shared", 3) == "from zero");
  CHECK(Get(store, "zero5", 3) == "0");
  CHECK_FALSE(Exists(store, "zero5", 0));
  CHECK(store.Stats(0).keys == 1);
  CHECK(store.Stats(0).expires == 1);
  CHECK(store.Stats(3).keys == 201);
  CHECK(store.Stats(3).expires == 0);
}

TEST_CASE("swapping a database with itself changes nothing") {
  Store store;
  Set(store, "k", "v", 0, 2);
  store.SwapDb(2, 2);
  CHECK(Get(store, "k", 2) == "v");
}

TEST_CASE("for-each visits every key of the database once") {
  Store store;
  std::set<std::string> expected;
  for (int i = 0; i < 3000; ++i) {
    expected.insert("key:" + std::to_string(i));
    Set(store, "key:" + std::to_string(i), "v");
  }
  Set(store, "other-db", "v", 0, 1);
  std::multiset<std::string> seen;
  store.ForEach(0, [&](const Entry& e) { seen.emplace(e.key()); });
  CHECK(seen.size() == expected.size());
  CHECK(std::set<std::string>(seen.begin(), seen.end()) == expected);
}

// Runs a full SCAN of db; after each call, on_step(calls) may change the store.
template <class Step>
std::map<std::string, int> ScanAll(Store& store, int db, size_t count, Step on_step) {
  std::map<std::string, int> seen;
  uint64_t cursor = 0;
  int calls = 0;
  do {
    cursor = store.Scan(db, cursor, count, [&](const Entry& e) { ++seen[std::string(e.key())]; });
    on_step(++calls);
    REQUIRE(calls < 1000000);
  } while (cursor != 0);
  return seen;
}

TEST_CASE("scan of an empty database ends at once") {
  Store store;
  int visits = 0;
  CHECK(store.Scan(0, 0, 10, [&](const Entry&) { ++visits; }) == 0);
  CHECK(visits == 0);
}

TEST_CASE("scan visits every key of a stable database") {
  Store store;
  for (int i = 0; i < 5000; ++i) Set(store, "k" + std::to_string(i), "v");
  std::map<std::string, int> seen = ScanAll(store, 0, 10, [](int) {});
  CHECK(seen.size() == 5000);
  size_t repeated = 0;
  for (const auto& [key, times] : seen) repeated += times != 1;
  CHECK(repeated == 0);  // without growth no key comes back twice
}

TEST_CASE("scan visits every key present throughout while tables grow between calls") {
  Store store;
  std::set<std::string> base;
  for (int i = 0; i < 4000; ++i) {
    base.insert("base:" + std::to_string(i));
    Set(store, "base:" + std::to_string(i), "v");
  }
  int added = 0;
  std::map<std::string, int> seen = ScanAll(store, 0, 2, [&](int calls) {
    if (calls > 400) return;
    for (int i = 0; i < 100; ++i) Set(store, "new:" + std::to_string(added++), "v");
  });
  CHECK(added == 40000);
  size_t missing = 0;
  for (const std::string& k : base) missing += seen.count(k) == 0;
  CHECK(missing == 0);
}

TEST_CASE("scan keeps its guarantee for keys deleted and re-added elsewhere meanwhile") {
  Store store;
  for (int i = 0; i < 2000; ++i) Set(store, "stay:" + std::to_string(i), "v");
  for (int i = 0; i < 2000; ++i) Set(store, "go:" + std::to_string(i), "v");
  int step = 0;
  std::map<std::string, int> seen = ScanAll(store, 0, 3, [&](int) {
    if (step < 2000) {
      store.Access(0, "go:" + std::to_string(step), [](KeyHandle& h) { return h.Delete(); });
      Set(store, "late:" + std::to_string(step), "v");
      ++step;
    }
  });
  size_t missing = 0;
  for (int i = 0; i < 2000; ++i) missing += seen.count("stay:" + std::to_string(i)) == 0;
  CHECK(missing == 0);
}

TEST_CASE("a small scan count still makes progress and ends") {
  Store store;
  for (int i = 0; i < 300; ++i) Set(store, std::to_string(i), "v");
  CHECK(ScanAll(store, 0, 1, [](int) {}).size() == 300);
}

TEST_CASE("random key is false on an empty database") {
  Store store;
  std::string key = "unchanged";
  CHECK_FALSE(store.RandomKey(0, &key));
  Set(store, "elsewhere", "v", 0, 1);
  CHECK_FALSE(store.RandomKey(0, &key));
}

TEST_CASE("random key returns existing keys, and over many calls each of a few") {
  Store store;
  std::set<std::string> keys = {"alpha", "beta", "gamma"};
  for (const std::string& k : keys) Set(store, k, "v");
  std::set<std::string> returned;
  for (int i = 0; i < 500; ++i) {
    std::string key;
    REQUIRE(store.RandomKey(0, &key));
    CHECK(keys.count(key) == 1);
    returned.insert(key);
  }
  CHECK(returned == keys);
}

TEST_CASE("random key gives every key the same chance") {
  // Ten keys sit in a few of the 128 shards: a pick that took the first non-empty shard after
  // a random one would favour keys behind long runs of empty shards. Chi-square with 9
  // degrees of freedom: 40 is exceeded with probability ~1e-5 by a uniform pick.
  Store store;
  for (int i = 0; i < 10; ++i) Set(store, "key" + std::to_string(i), "v");
  std::map<std::string, int> counts;
  constexpr int kDraws = 100000;
  for (int i = 0; i < kDraws; ++i) {
    std::string key;
    REQUIRE(store.RandomKey(0, &key));
    ++counts[key];
  }
  REQUIRE(counts.size() == 10);
  double expected = kDraws / 10.0, chi_square = 0;
  for (const auto& [key, n] : counts) chi_square += (n - expected) * (n - expected) / expected;
  CHECK(chi_square < 40);
}

TEST_CASE("access-many hands out one handle per key, in the order given") {
  Store store;
  std::vector<std::string> names;
  for (int i = 0; i < 50; ++i) names.push_back("m" + std::to_string(i));
  std::vector<KeyRef> refs;
  for (const std::string& n : names) refs.push_back(KeyRef{0, n});
  store.AccessMany(refs, [&](std::span<KeyHandle> handles) {
    REQUIRE(handles.size() == names.size());
    for (size_t i = 0; i < handles.size(); ++i) {
      CHECK(handles[i].key() == names[i]);
      handles[i].Put(StringValue("v" + std::to_string(i)), 0);
    }
  });
  for (size_t i = 0; i < names.size(); ++i) CHECK(Get(store, names[i]) == "v" + std::to_string(i));
}

TEST_CASE("access-many accepts the same key twice and keys in different databases") {
  Store store;
  Set(store, "k", "db0", 0, 0);
  Set(store, "k", "db1", 0, 1);
  std::array<KeyRef, 3> refs = {KeyRef{0, "k"}, KeyRef{1, "k"}, KeyRef{0, "k"}};
  std::string seen = store.AccessMany(refs, [](std::span<KeyHandle> h) {
    return std::string(h[0].Find()->value.str.view()) + "," +
           std::string(h[1].Find()->value.str.view()) + "," +
           std::string(h[2].Find()->value.str.view());
  });
  CHECK(seen == "db0,db1,db0");
}

TEST_CASE("access-many moves a value between keys in one step (RENAME)") {
  Store store;
  Set(store, "from", "value");
  std::array<KeyRef, 2> refs = {KeyRef{0, "from"}, KeyRef{0, "to"}};
  bool moved = store.AccessMany(refs, [](std::span<KeyHandle> h) {
    Value v;
    int64_t at = 0;
    if (!h[0].Take(&v, &at)) return false;
    h[1].Put(std::move(v), at);
    return true;
  });
  CHECK(moved);
  CHECK_FALSE(Exists(store, "from"));
  CHECK(Get(store, "to") == "value");
}

TEST_CASE("type names are Redis's") {
  CHECK(TypeName(ValueType::kString) == "string");
  CHECK(TypeName(ValueType::kList) == "list");
  CHECK(TypeName(ValueType::kSet) == "set");
  CHECK(TypeName(ValueType::kZSet) == "zset");
  CHECK(TypeName(ValueType::kHash) == "hash");
  CHECK(TypeName(ValueType::kStream) == "stream");
}

TEST_CASE("the key hash is stable for one seed and differs across seeds") {
  CHECK(HashKey("user:1", 1) == HashKey("user:1", 1));
  CHECK(HashKey("user:1", 1) != HashKey("user:1", 2));
  CHECK(HashKey("user:1", 1) != HashKey("user:2", 1));
}

TEST_CASE("keys of every length up to 100 bytes hash without collisions among them") {
  std::string text(100, '\0');
  for (size_t i = 0; i < text.size(); ++i) text[i] = static_cast<char>('a' + i % 26);
  std::set<uint64_t> hashes;
  for (size_t len = 0; len <= text.size(); ++len) {
    hashes.insert(HashKey(std::string_view(text).substr(0, len), 7));
  }
  CHECK(hashes.size() == text.size() + 1);
}

TEST_CASE("a metadata value set for the next record is logged inside that record, last one wins") {
  testing::RecordingJournal journal;
  Store live;
  live.set_journal(&journal);
  live.SetMetaWithNextRecord("progress", "1");
  live.SetMetaWithNextRecord("progress", "2");  // replaces the first: nothing logged yet
  CHECK(journal.records.empty());
  CHECK(live.Meta().at("progress") == "2");
  Set(live, "k", "v");
  REQUIRE(journal.records.size() == 1);
  Set(live, "k2", "v2");  // the meta rode once
  REQUIRE(journal.records.size() == 2);

  Store replayed;
  CHECK(ApplyEffects(replayed, journal.records[0]).ok());
  CHECK(Get(replayed, "k") == "v");
  CHECK(replayed.Meta().at("progress") == "2");
  CHECK(journal.records[1].size() < journal.records[0].size());
}

TEST_CASE("changes count each key a write changed once, flushed keys, and not expiry") {
  Store store(StoreOptions{.databases = 2});
  CHECK(store.changes() == 0);
  Set(store, "a", "1");
  CHECK(store.changes() == 1);
  store.Access(0, "b", [](KeyHandle& h) {  // two writes to one key in one command
    h.Put(StringValue("x"), 0);
    h.Put(StringValue("y"), 0);
  });
  CHECK(store.changes() == 2);
  CHECK(Get(store, "b") == "y");  // a read changes nothing
  Set(store, "gone", "v", store.NowMs() - 1);
  uint64_t before = store.changes();
  CHECK_FALSE(Exists(store, "gone"));  // lazy expiry
  CHECK(store.changes() == before);
  Set(store, "c", "1", 0, /*db=*/1);
  before = store.changes();
  store.FlushAll(/*async=*/false);  // a, b and c
  CHECK(store.changes() == before + 3);
}

}  // namespace
}  // namespace cairn::store
