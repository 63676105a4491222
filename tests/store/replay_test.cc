// tests/store/replay_test.cc — recovery: every change made through a journaled Store, once
// logged by a real GroupCommit into a temp directory and replayed (ReadWal + ApplyEffects)
// into a fresh Store, gives back the same keys, values and expiries in every database. Each
// replay goes into a fresh store exactly once, so a record applied twice (APPEND) would show.
// Also: which LSN a command's reply must wait for (Store::TakeObservedLsn).
#include <doctest/doctest.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "store/durability/group_commit.h"
#include "store/durability/wal_reader.h"
#include "store/effects.h"
#include "store/store.h"
#include "tests/store/store_testing.h"
#include "tests/support/temp_dir.h"

namespace cairn::store {
namespace {

using cairn::test::TempDir;

namespace fs = std::filesystem;
using testing::StringValue;

constexpr int kDatabases = 4;
constexpr int64_t kHourMs = 3600 * 1000;
constexpr int64_t kDayMs = 24 * kHourMs;


// Everything a user could see of a store: per (db, key), the value and the expiry.
using Contents = std::map<std::tuple<int, std::string>, std::pair<std::string, int64_t>>;

Contents ContentsOf(Store& store) {
  Contents out;
  for (int db = 0; db < store.databases(); ++db) {
    store.ForEach(db, [&](const Entry& e) {
      out[{db, std::string(e.key())}] = {std::string(e.value.str.view()), e.expire_at_ms};
    });
  }
  return out;
}

// A Store whose changes go through a running GroupCommit into a temp directory.
struct JournaledStore {
  TempDir dir;
  Store store{StoreOptions{.databases = kDatabases}};
  GroupCommit wal{GroupCommitOptions{.wal = {.dir = dir.path()}}, 1};

  JournaledStore() {
    store.set_journal(&wal);
    wal.Start();
  }
  // Stops logging: everything appended is written and synced.
  void Finish() {
    CHECK(wal.Stop().ok());
    store.set_journal(nullptr);
  }
};

// Replays the log in dir into store once; returns how many records were applied.
uint64_t Replay(const std::string& dir, Store& store) {
  uint64_t applied = 0;
  bool decoded = true;
  wal::WalReadResult r = wal::ReadWal(
      dir, 0,
      [&](const wal::WalRecord& rec) {
        decoded = decoded && ApplyEffects(store, rec.payload).ok();
        ++applied;
        return decoded;
      },
      nullptr);
  CHECK(decoded);
  CHECK(r.ok());
  return applied;
}

// ---- the commands' store operations, as src/commands does them --------------------------

void Set(Store& s, int db, std::string_view key, std::string_view value, int64_t at_ms = 0) {
  s.Access(db, key, [&](KeyHandle& h) { h.Put(StringValue(value), at_ms); });
}
void SetKeepTtl(Store& s, int db, std::string_view key, std::string_view value) {
  s.Access(db, key, [&](KeyHandle& h) { h.Put(StringValue(value), kKeepTtl); });
}
bool Del(Store& s, int db, std::string_view key) {
  return s.Access(db, key, [&](KeyHandle& h) { return h.Delete(); });
}
// EXPIRE (at_ms > 0) and PERSIST (0).
void Expire(Store& s, int db, std::string_view key, int64_t at_ms) {
  s.Access(db, key, [&](KeyHandle& h) {
    if (Entry* e = h.Find()) h.SetExpire(e, at_ms);
  });
}
void Append(Store& s, int db, std::string_view key, std::string_view tail) {
  s.Access(db, key, [&](KeyHandle& h) {
    Entry* e = h.Find();
    if (e == nullptr) {
      h.Put(StringValue(tail), 0);
    } else {
      h.Append(e, tail);
    }
  });
}
void SetRange(Store& s, int db, std::string_view key, size_t offset, std::string_view patch) {
  s.Access(db, key, [&](KeyHandle& h) {
    Entry* e = h.Find();
    std::string value(e != nullptr ? e->value.str.view() : std::string_view());
    if (value.size() < offset + patch.size()) value.resize(offset + patch.size(), '\0');
    value.replace(offset, patch.size(), patch);
    h.PutRange(BufRef::Copy(value), offset, patch);
  });
}
// INCR: the new value replaces the old, keeping the TTL.
void Incr(Store& s, int db, std::string_view key) {
  s.Access(db, key, [&](KeyHandle& h) {
    Entry* e = h.Find();
    int64_t n = e != nullptr ? std::stoll(std::string(e->value.str.view())) : 0;
    h.Put(StringValue(std::to_string(n + 1)), kKeepTtl);
  });
}
// RENAME (same db) and MOVE (another db, same key); the target is replaced.
bool MoveKey(Store& s, int db, std::string_view key, int to_db, std::string_view to_key) {
  KeyRef refs[] = {{db, key}, {to_db, to_key}};
  return s.AccessMany(refs, [&](std::span<KeyHandle> h) {
    if (h[0].Find() == nullptr) return false;
    h[0].MoveTo(h[1]);
    return true;
  });
}
bool Copy(Store& s, int db, std::string_view key, int to_db, std::string_view to_key) {
  KeyRef refs[] = {{db, key}, {to_db, to_key}};
  return s.AccessMany(refs, [&](std::span<KeyHandle> h) {
    if (h[0].Find() == nullptr) return false;
    h[0].CopyTo(h[1]);
    return true;
  });
}

// Runs changes on a journaled store, then replays its log into a fresh store, restarted
// `later_ms` after the changes, and compares with what the original shows at that time.
template <class Changes>
Contents ExpectReplayMatches(Changes changes, int64_t later_ms = 0) {
  JournaledStore live;
  changes(live.store);
  uint64_t logged = live.wal.last_lsn();
  live.Finish();
  live.store.AdvanceClockForTesting(later_ms);
  Contents expected = ContentsOf(live.store);

  Store fresh(StoreOptions{.databases = kDatabases});
  fresh.AdvanceClockForTesting(later_ms);
  CHECK(Replay(live.dir.path(), fresh) == logged);
  Contents replayed = ContentsOf(fresh);
  CHECK(replayed == expected);
  if (replayed != expected) {
    for (const auto& [k, v] : expected) {
      auto it = replayed.find(k);
      INFO("db ", std::get<0>(k), " key ", std::get<1>(k));
      CHECK(it != replayed.end());
      if (it != replayed.end()) CHECK(it->second == v);
    }
    for (const auto& [k, v] : replayed) {
      INFO("replay has extra key db ", std::get<0>(k), " key ", std::get<1>(k), " = ", v.first);
      CHECK(expected.count(k) == 1);
    }
  }
  return replayed;
}

int64_t Now(Store& s) { return s.NowMs(); }

// ---- every op type, replayed at once ----------------------------------------------------

TEST_CASE("replay restores SET with and without an expiry, and SET KEEPTTL") {
  Contents c = ExpectReplayMatches([](Store& s) {
    int64_t at = Now(s) + kHourMs;
    Set(s, 0, "plain", "v1");
    Set(s, 0, "with-ttl", "v2", at);
    Set(s, 1, "plain", "other db");
    Set(s, 0, "ttl-then-keepttl", "old", at + 1);
    SetKeepTtl(s, 0, "ttl-then-keepttl", "new");
    Set(s, 0, "ttl-then-plain-set", "old", at);
    Set(s, 0, "ttl-then-plain-set", "new");  // a plain SET drops the TTL
    SetKeepTtl(s, 0, "keepttl-new-key", "fresh");
    Set(s, 2, std::string("bin\0key", 7), std::string("\0\xff\r\n", 4));
    Set(s, 0, "empty", "");
    Set(s, 0, "big", std::string(100000, 'b'));
  });
  CHECK(c.size() == 9);
}

TEST_CASE("replay restores DEL, EXPIRE and PERSIST") {
  Contents c = ExpectReplayMatches([](Store& s) {
    int64_t at = Now(s) + kHourMs;
    Set(s, 0, "deleted", "x");
    CHECK(Del(s, 0, "deleted"));
    CHECK_FALSE(Del(s, 0, "never-existed"));
    Set(s, 0, "deleted-then-set", "a");
    Del(s, 0, "deleted-then-set");
    Set(s, 0, "deleted-then-set", "b");
    Set(s, 0, "expiring", "e");
    Expire(s, 0, "expiring", at);
    Set(s, 0, "persisted", "p", at);
    Expire(s, 0, "persisted", 0);
    Set(s, 3, "expire-changed", "c", at);
    Expire(s, 3, "expire-changed", at + 5000);
  });
  CHECK(c.size() == 4);
  CHECK(c.at({0, "persisted"}).second == 0);
}

TEST_CASE("replay restores APPEND that creates a key and APPEND that extends one, once each") {
  Contents c = ExpectReplayMatches([](Store& s) {
    Append(s, 0, "log", "a");
    for (int i = 0; i < 50; ++i) Append(s, 0, "log", std::to_string(i) + ",");
    Set(s, 0, "ttl-log", "start", Now(s) + kHourMs);
    Append(s, 0, "ttl-log", "+tail");  // keeps its TTL
  });
  std::string expected = "a";
  for (int i = 0; i < 50; ++i) expected += std::to_string(i) + ",";
  CHECK(c.at({0, "log"}).first == expected);
  CHECK(c.at({0, "ttl-log"}).first == "start+tail");
  CHECK(c.at({0, "ttl-log"}).second != 0);
}

TEST_CASE("replay restores SETRANGE inside a value, past its end, and on a missing key") {
  Contents c = ExpectReplayMatches([](Store& s) {
    Set(s, 0, "k", "Hello World");
    SetRange(s, 0, "k", 6, "Redis");
    SetRange(s, 0, "padded", 5, "xy");  // five zero bytes first
    Set(s, 0, "grow", "abc", Now(s) + kHourMs);
    SetRange(s, 0, "grow", 10, "Z");
  });
  CHECK(c.at({0, "k"}).first == "Hello Redis");
  CHECK(c.at({0, "padded"}).first == std::string("\0\0\0\0\0xy", 7));
  CHECK(c.at({0, "grow"}).first == std::string("abc\0\0\0\0\0\0\0Z", 11));
}

TEST_CASE("replay restores RENAME and MOVE with their expiries, replacing targets") {
  Contents c = ExpectReplayMatches([](Store& s) {
    int64_t at = Now(s) + kHourMs;
    Set(s, 0, "src", "value", at);
    Set(s, 0, "dst", "replaced");
    CHECK(MoveKey(s, 0, "src", 0, "dst"));
    Set(s, 0, "a", "1");
    CHECK(MoveKey(s, 0, "a", 0, "b"));
    CHECK(MoveKey(s, 0, "b", 0, "c"));
    Set(s, 0, "mover", "m", at + 1);
    CHECK(MoveKey(s, 0, "mover", 2, "mover"));
    CHECK_FALSE(MoveKey(s, 0, "missing", 0, "nowhere"));
  });
  CHECK(c.size() == 3);
  CHECK(c.at({0, "dst"}).first == "value");
  CHECK(c.at({0, "dst"}).second != 0);
  CHECK(c.at({0, "c"}).first == "1");
  CHECK(c.count({2, "mover"}) == 1);
}

TEST_CASE("replay restores COPY within a db and across dbs, and the copies stay independent") {
  Contents c = ExpectReplayMatches([](Store& s) {
    Set(s, 0, "orig", "shared", Now(s) + kHourMs);
    CHECK(Copy(s, 0, "orig", 0, "same-db"));
    CHECK(Copy(s, 0, "orig", 3, "other-db"));
    Set(s, 1, "target", "replaced");
    CHECK(Copy(s, 0, "orig", 1, "target"));
    Append(s, 3, "other-db", "+changed");  // the original must not change with it
  });
  CHECK(c.at({0, "orig"}).first == "shared");
  CHECK(c.at({0, "same-db"}).first == "shared");
  CHECK(c.at({3, "other-db"}).first == "shared+changed");
  CHECK(c.at({1, "target"}).first == "shared");
}

TEST_CASE("replay restores FLUSHDB, FLUSHALL and SWAPDB in order with key changes around them") {
  Contents c = ExpectReplayMatches([](Store& s) {
    for (int db = 0; db < kDatabases; ++db) Set(s, db, "before-flushall", "x");
    s.FlushAll();
    Set(s, 0, "zero", "0");
    Set(s, 1, "one", "1");
    Set(s, 2, "two", "2");
    s.FlushDb(2);
    Set(s, 2, "two-after-flush", "2b");
    s.SwapDb(0, 1);
    Append(s, 0, "one", "+after-swap");
    s.SwapDb(3, 3);  // no-op
  });
  CHECK(c.size() == 3);
  CHECK(c.at({0, "one"}).first == "1+after-swap");
  CHECK(c.at({1, "zero"}).first == "0");
  CHECK(c.at({2, "two-after-flush"}).first == "2b");
}

// One random change by writer t, step i, on a small set of shared keys in dbs 0 and 1.
void RandomChange(Store& s, std::mt19937& rng, int t, int i) {
  std::string key = "k" + std::to_string(rng() % 40);
  std::string other = "k" + std::to_string(rng() % 40);
  int db = static_cast<int>(rng() % 2);
  switch (rng() % 10) {
    case 0:
    case 1:
    case 2:
      return Append(s, db, key, "t" + std::to_string(t) + ":" + std::to_string(i) + ";");
    case 3:
      return Set(s, db, key, "set" + std::to_string(i));
    case 4:
      return Incr(s, db, "counter" + std::to_string(rng() % 3));
    case 5:
      (void)MoveKey(s, db, key, db, other);
      return;
    case 6:
      (void)Copy(s, db, key, 1 - db, other);
      return;
    case 7:
      (void)Del(s, db, key);
      return;
    case 8:
      return SetRange(s, db, key, rng() % 8, "R");
    default:
      if (i % 100 == 0) return s.SwapDb(0, 1);
      return Expire(s, db, key, rng() % 2 ? 0 : Now(s) + kHourMs);
  }
}

TEST_CASE("replay applies each record once: concurrent mixed writers end in the same state") {
  Contents c = ExpectReplayMatches([](Store& s) {
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&s, t] {
        std::mt19937 rng(static_cast<unsigned>(t) * 7919u + 1);
        for (int i = 0; i < 1500; ++i) RandomChange(s, rng, t, i);
      });
    }
    for (auto& th : threads) th.join();
  });
  CHECK(c.size() > 0);
}

// ---- replayed after TTLs ran out: recovery must not revive what had expired ----------------
// A server restarted after a key's TTL passed must show the key gone, as the original server
// would at that time, whatever later commands changed the key while it was alive.

TEST_CASE("replay after a TTL ran out leaves keys set with an expiry gone") {
  ExpectReplayMatches(
      [](Store& s) {
        Set(s, 0, "session", "x", Now(s) + 1000);
        Set(s, 0, "forever", "y");
      },
      kDayMs);
}

TEST_CASE("replay after a TTL ran out does not revive a key that was APPENDed to before it") {
  Contents c = ExpectReplayMatches(
      [](Store& s) {
        Set(s, 0, "k", "hello", Now(s) + 1000);
        Append(s, 0, "k", " world");  // keeps the TTL
      },
      kDayMs);
  CHECK(c.count({0, "k"}) == 0);
}

TEST_CASE("replay after a TTL ran out does not revive a key changed by SETRANGE before it") {
  Contents c = ExpectReplayMatches(
      [](Store& s) {
        Set(s, 0, "k", "hello", Now(s) + 1000);
        SetRange(s, 0, "k", 0, "J");  // keeps the TTL
      },
      kDayMs);
  CHECK(c.count({0, "k"}) == 0);
}

TEST_CASE("replay after a TTL ran out does not revive a key set with KEEPTTL or INCRed before it") {
  Contents c = ExpectReplayMatches(
      [](Store& s) {
        Set(s, 0, "k", "old", Now(s) + 1000);
        SetKeepTtl(s, 0, "k", "new");
        Set(s, 0, "counter", "1", Now(s) + 1000);
        Incr(s, 0, "counter");
      },
      kDayMs);
  CHECK(c.count({0, "k"}) == 0);
  CHECK(c.count({0, "counter"}) == 0);
}

TEST_CASE("replay after a TTL ran out does not bring back a value RENAME had replaced") {
  Contents c = ExpectReplayMatches(
      [](Store& s) {
        Set(s, 0, "src", "new", Now(s) + 1000);
        Set(s, 0, "dst", "overwritten");
        MoveKey(s, 0, "src", 0, "dst");  // dst now holds "new" with src's TTL
        Set(s, 0, "copy-src", "new", Now(s) + 1000);
        Set(s, 0, "copy-dst", "overwritten");
        Copy(s, 0, "copy-src", 0, "copy-dst");
      },
      kDayMs);
  CHECK(c.count({0, "dst"}) == 0);
  CHECK(c.count({0, "copy-dst"}) == 0);
}

// ---- which LSN a reply waits for ---------------------------------------------------------

TEST_CASE("a whole-store read observes every change it read, those made while it ran too") {
  // One writer logs key i at LSN i. A read that observed the journal before walking the
  // shards would see keys logged after its observation; observing after the last shard lock
  // covers every one (KEYS, SCAN, RANDOMKEY, DBSIZE).
  JournaledStore live;
  constexpr int kKeys = 100000;
  std::atomic<int> written{0};
  std::thread writer([&] {
    for (int i = 1; i <= kKeys; ++i) {
      Set(live.store, 0, "k" + std::to_string(i), "v");
      written.store(i);
    }
  });
  auto lsn_of = [](std::string_view key) -> uint64_t {
    return std::stoull(std::string(key.substr(1)));
  };
  int rounds = 0;
  while (written.load() < kKeys && rounds < 400) {
    ++rounds;
    (void)Store::TakeObservedLsn();
    uint64_t newest = 0;
    live.store.ForEach(0, [&](const Entry& e) { newest = std::max(newest, lsn_of(e.key())); });
    REQUIRE(Store::TakeObservedLsn() >= newest);
    std::string key;
    if (live.store.RandomKey(0, &key)) REQUIRE(Store::TakeObservedLsn() >= lsn_of(key));
    (void)Store::TakeObservedLsn();
    uint64_t counted = live.store.Stats(0).keys;  // keys 1..counted exist
    REQUIRE(Store::TakeObservedLsn() >= counted);
  }
  writer.join();
  CHECK(rounds > 0);
  live.Finish();
}

TEST_CASE(
    "with a group commit journal a writer observes its own LSN and a reader its shard's last") {
  JournaledStore live;
  (void)Store::TakeObservedLsn();  // start clean on this thread
  constexpr int kKeys = 300;       // more keys than shards: some share one
  std::vector<uint64_t> written(kKeys);
  for (int i = 0; i < kKeys; ++i) {
    Set(live.store, 0, "key" + std::to_string(i), "v");
    written[i] = Store::TakeObservedLsn();
    CHECK(written[i] == static_cast<uint64_t>(i) + 1);  // the write's own LSN
    CHECK(Store::TakeObservedLsn() == 0);               // taking it resets it
  }
  // A reader of key i waits for the last write to its shard: its own write or a later one
  // to a key in the same shard, and then that other key's reader waits for the same LSN.
  std::map<uint64_t, int> readers_per_lsn;
  int waits_for_later = 0;
  std::vector<uint64_t> observed(kKeys);
  for (int i = 0; i < kKeys; ++i) {
    (void)testing::Get(live.store, "key" + std::to_string(i));
    observed[i] = Store::TakeObservedLsn();
    CHECK(observed[i] >= written[i]);
    CHECK(observed[i] <= static_cast<uint64_t>(kKeys));
    if (observed[i] > written[i]) ++waits_for_later;
  }
  for (int i = 0; i < kKeys; ++i) {
    if (observed[i] > written[i]) {
      int later = static_cast<int>(observed[i]) - 1;  // the key written at that LSN
      CHECK(observed[later] == observed[i]);
    }
  }
  CHECK(waits_for_later > 0);  // 300 keys in 128 shards: some shard holds two

  // A whole-store change stamps every shard: a reader of any key, even a missing one, waits
  // for it.
  live.store.FlushAll();
  uint64_t flush_lsn = Store::TakeObservedLsn();
  CHECK(flush_lsn == kKeys + 1);
  for (int i = 0; i < 20; ++i) {
    (void)testing::Get(live.store, "other" + std::to_string(i));
    CHECK(Store::TakeObservedLsn() == flush_lsn);
  }
  // Several accesses before a take report the highest.
  Set(live.store, 0, "x", "1");
  (void)testing::Get(live.store, "key0");
  CHECK(Store::TakeObservedLsn() == flush_lsn + 1);
  live.Finish();
}

TEST_CASE("with a group commit journal an untouched store's readers wait for nothing") {
  JournaledStore live;
  (void)Store::TakeObservedLsn();
  CHECK_FALSE(testing::Get(live.store, "nothing").has_value());
  CHECK(Store::TakeObservedLsn() == 0);
  live.Finish();
}

TEST_CASE("reading ahead a log's keys (PrefetchEffects) changes nothing, whatever the records") {
  testing::RecordingJournal journal;
  Store live(StoreOptions{.databases = kDatabases});
  live.set_journal(&journal);
  for (int i = 0; i < 40; ++i) Set(live, 0, "k" + std::to_string(i), "v");  // a run past 32
  for (int db = 0; db < kDatabases; ++db) Set(live, db, "in-" + std::to_string(db), "x");
  live.SetMeta("library", "code");
  live.FlushDb(2);
  live.SwapDb(0, 1);
  live.DeleteMeta("library");
  Append(live, 1, "k3", "+");
  std::vector<std::string_view> payloads(journal.records.begin(), journal.records.end());
  payloads.push_back("\xfe");  // does not decode
  payloads.push_back("");

  Store fresh(StoreOptions{.databases = kDatabases});
  for (const std::string& r : journal.records) REQUIRE(ApplyEffects(fresh, r).ok());
  Contents before = ContentsOf(fresh);
  PrefetchEffects(fresh, payloads);
  for (size_t i = 0; i < payloads.size(); i += 16) {
    size_t n = std::min<size_t>(16, payloads.size() - i);
    PrefetchEffects(fresh, std::span<const std::string_view>(payloads).subspan(i, n));
  }
  CHECK(ContentsOf(fresh) == before);
  CHECK(ContentsOf(fresh) == ContentsOf(live));
}

}  // namespace
}  // namespace cairn::store
