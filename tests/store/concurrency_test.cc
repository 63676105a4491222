// tests/store/concurrency_test.cc — the store shared by many threads: readers keep the bytes
// they took even while writers replace them, read-modify-write under one lock loses no update,
// multi-key access is atomic, and expiry, SCAN, FLUSHDB and SWAPDB run alongside writers.
// Each test runs a fixed number of operations (no timing); all must be clean under TSan.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <functional>
#include <latch>
#include <random>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "store/store.h"
#include "store/types/hash/hash_ops.h"
#include "store/types/set/set_ops.h"
#include "store/types/zset/zset_ops.h"
#include "tests/store/store_testing.h"

// SwapDb holds all Store::kShards (128) shard locks at once, and AccessMany may hold one per
// shard; ThreadSanitizer's deadlock detector tracks at most 64 held locks per thread and aborts
// beyond that ("CHECK failed: sanitizer_deadlock_detector.h"). Data-race detection stays on;
// lock order is covered by the store locking shards in index order, and a real deadlock here
// would hang the test.
#if defined(__SANITIZE_THREAD__)
extern "C" const char* __tsan_default_options() { return "detect_deadlocks=0"; }
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
extern "C" const char* __tsan_default_options() { return "detect_deadlocks=0"; }
#endif
#endif

namespace cairn::store {
namespace {

using testing::ExpireAt;
using testing::Get;
using testing::Keys;
using testing::Set;
using testing::StringValue;

// A value that proves its own integrity: 8 bytes of total length, then one fill byte repeated.
std::string SelfCheckingValue(size_t length, char fill) {
  std::string v(length, fill);
  uint64_t len = length;
  std::memcpy(v.data(), &len, sizeof(len));
  return v;
}

bool Intact(std::string_view v) {
  if (v.size() <= sizeof(uint64_t)) return false;
  uint64_t len = 0;
  std::memcpy(&len, v.data(), sizeof(len));
  return len == v.size() && v.find_first_not_of(v[8], 8) == std::string_view::npos;
}

std::string KeyName(int i) { return "key:" + std::to_string(i); }

// Runs every body on its own thread, all released at once; returns when all are done.
void RunTogether(const std::vector<std::function<void()>>& bodies) {
  std::latch start(static_cast<std::ptrdiff_t>(bodies.size()));
  std::vector<std::thread> threads;
  for (const auto& body : bodies) {
    threads.emplace_back([&start, &body] {
      start.arrive_and_wait();
      body();
    });
  }
  for (std::thread& t : threads) t.join();
}

TEST_CASE("values a reader holds stay intact while writers replace and delete them") {
  constexpr int kKeys = 16;
  constexpr int kWriters = 4;
  constexpr int kReaders = 4;
  constexpr int kOps = 10000;
  Store store;
  for (int i = 0; i < kKeys; ++i) Set(store, KeyName(i), SelfCheckingValue(64, 'a'));

  std::atomic<size_t> corrupt{0};
  std::atomic<size_t> checked{0};
  std::vector<std::function<void()>> bodies;
  for (int w = 0; w < kWriters; ++w) {
    bodies.push_back([&store, w] {
      std::mt19937 rng(100 + w);
      for (int op = 0; op < kOps; ++op) {
        std::string key = KeyName(static_cast<int>(rng() % kKeys));
        unsigned kind = rng() % 10;
        if (kind < 8) {
          std::string v = SelfCheckingValue(16 + rng() % 1024, static_cast<char>('a' + rng() % 26));
          store.Access(0, key, [&](KeyHandle& h) { h.Put(StringValue(v), 0); });
        } else if (kind == 8) {
          store.Access(0, key, [](KeyHandle& h) { return h.Delete(); });
        } else {
          Value taken;
          int64_t at = 0;
          store.Access(0, key, [&](KeyHandle& h) { return h.Take(&taken, &at); });
        }
      }
    });
  }
  for (int r = 0; r < kReaders; ++r) {
    bodies.push_back([&, r] {
      std::mt19937 rng(200 + r);
      std::vector<BufRef> held(8);  // kept across many writes, checked again later
      size_t bad = 0;
      size_t seen = 0;
      for (int op = 0; op < kOps; ++op) {
        std::string key = KeyName(static_cast<int>(rng() % kKeys));
        BufRef ref = store.Access(0, key, [](KeyHandle& h) {
          Entry* e = h.Find();
          return e != nullptr ? e->value.str : BufRef();
        });
        if (!ref) continue;  // deleted by a writer just now
        // The shard lock is released: a concurrent SET must not have freed these bytes.
        ++seen;
        bad += !Intact(ref.view());
        BufRef& slot = held[static_cast<size_t>(op) % held.size()];
        if (slot) bad += !Intact(slot.view());
        slot = std::move(ref);
      }
      for (const BufRef& ref : held) {
        if (ref) bad += !Intact(ref.view());
      }
      corrupt += bad;
      checked += seen;
    });
  }
  RunTogether(bodies);
  CHECK(corrupt.load() == 0);
  CHECK(checked.load() > 0);
}

TEST_CASE("concurrent INCRs of one key through Access lose no update") {
  constexpr int kThreads = 2;
  constexpr int kIncrements = 20000;
  Store store;
  auto incr = [&store] {
    for (int i = 0; i < kIncrements; ++i) {
      store.Access(0, "counter", [](KeyHandle& h) {
        Entry* e = h.Find();
        int64_t n = e == nullptr ? 0 : std::stoll(std::string(e->value.str.view()));
        h.Put(StringValue(std::to_string(n + 1)), kKeepTtl);
      });
    }
  };
  RunTogether(std::vector<std::function<void()>>(kThreads, incr));
  CHECK(Get(store, "counter") == std::to_string(kThreads * kIncrements));
}

int64_t Balance(KeyHandle& h) {
  Entry* e = h.Find();
  return e == nullptr ? 0 : std::stoll(std::string(e->value.str.view()));
}

TEST_CASE("transfers through access-many never show a reader a half-done transfer") {
  constexpr int kAccounts = 16;
  constexpr int64_t kStart = 1000;
  constexpr int kMovers = 3;
  constexpr int kMoves = 10000;
  constexpr int kAudits = 3000;
  Store store;
  std::vector<std::string> names;
  for (int i = 0; i < kAccounts; ++i) names.push_back("acct:" + std::to_string(i));
  for (const std::string& n : names) Set(store, n, std::to_string(kStart));

  std::atomic<size_t> bad_sums{0};
  std::vector<std::function<void()>> bodies;
  for (int m = 0; m < kMovers; ++m) {
    bodies.push_back([&, m] {
      std::mt19937 rng(300 + m);
      for (int i = 0; i < kMoves; ++i) {
        size_t from = rng() % kAccounts;
        size_t to = (from + 1 + rng() % (kAccounts - 1)) % kAccounts;
        int64_t amount = 1 + static_cast<int64_t>(rng() % 10);
        // Keys in random order: the store must lock shards in its own order (no deadlock).
        std::array<KeyRef, 2> refs = {KeyRef{0, names[from]}, KeyRef{0, names[to]}};
        store.AccessMany(refs, [&](std::span<KeyHandle> h) {
          int64_t a = Balance(h[0]);
          if (a < amount) return;
          int64_t b = Balance(h[1]);
          h[0].Put(StringValue(std::to_string(a - amount)), kKeepTtl);
          h[1].Put(StringValue(std::to_string(b + amount)), kKeepTtl);
        });
      }
    });
  }
  bodies.push_back([&] {
    std::vector<KeyRef> all;
    for (const std::string& n : names) all.push_back(KeyRef{0, n});
    for (int i = 0; i < kAudits; ++i) {
      int64_t sum = store.AccessMany(all, [](std::span<KeyHandle> h) {
        int64_t total = 0;
        for (KeyHandle& k : h) total += Balance(k);
        return total;
      });
      bad_sums += sum != kAccounts * kStart;
    }
  });
  RunTogether(bodies);
  CHECK(bad_sums.load() == 0);
  int64_t final_sum = 0;
  for (const std::string& n : names) final_sum += std::stoll(*Get(store, n));
  CHECK(final_sum == kAccounts * kStart);
}

TEST_CASE("expiry, scans, flushes and swaps alongside writers leave consistent counts") {
  constexpr int kKeys = 500;
  constexpr int kWriterOps = 20000;
  constexpr int kRounds = 300;
  Store store;
  std::atomic<bool> writers_done{false};
  std::atomic<size_t> corrupt{0};
  std::vector<std::function<void()>> bodies;
  for (int w = 0; w < 2; ++w) {
    bodies.push_back([&, w] {
      std::mt19937 rng(400 + w);
      for (int op = 0; op < kWriterOps; ++op) {
        int db = static_cast<int>(rng() % 2);
        std::string key = KeyName(static_cast<int>(rng() % kKeys));
        unsigned kind = rng() % 10;
        store.Access(db, key, [&](KeyHandle& h) {
          if (kind < 6) {
            int64_t at = rng() % 2 ? 0 : h.now_ms() + static_cast<int64_t>(rng() % 2000);
            h.Put(StringValue(SelfCheckingValue(16 + rng() % 200, 'w')), at);
          } else if (kind < 8) {
            if (Entry* e = h.Find()) h.SetExpire(e, rng() % 2 ? 0 : h.now_ms() + 500);
          } else {
            h.Delete();
          }
        });
      }
    });
  }
  bodies.push_back([&] {  // the clock and active expiry
    for (int i = 0; i < kRounds; ++i) {
      store.AdvanceClockForTesting(10);
      store.ExpireCycle(200);
    }
  });
  bodies.push_back([&] {  // SCAN, KEYS, RANDOMKEY, DBSIZE, FLUSHDB, SWAPDB
    size_t bad = 0;
    for (int i = 0; i < kRounds; ++i) {
      int db = i % 2;
      uint64_t cursor = 0;
      do {
        cursor =
            store.Scan(db, cursor, 64, [&](const Entry& e) { bad += !Intact(e.value.str.view()); });
      } while (cursor != 0);
      store.ForEach(db, [&](const Entry& e) { bad += !Intact(e.value.str.view()); });
      std::string key;
      (void)store.RandomKey(db, &key);
      (void)store.Stats(db);
      if (i % 50 == 49) store.FlushDb(1);
      if (i % 20 == 19) store.SwapDb(0, 1);
    }
    corrupt += bad;
  });
  RunTogether(bodies);
  CHECK(corrupt.load() == 0);

  // Quiet now: once every TTL has passed and active expiry has run, only keys without a TTL
  // remain, and the counts agree with what a listing shows.
  store.AdvanceClockForTesting(24 * 60 * 60 * 1000);
  for (int i = 0; i < 1000 && store.ExpireCycle(1000 * 1000) > 0; ++i) {
  }
  for (int db = 0; db < 2; ++db) {
    DbStats stats = store.Stats(db);
    std::set<std::string> keys = Keys(store, db);
    CHECK(stats.expires == 0);
    CHECK(stats.keys == keys.size());
    size_t with_ttl = 0;
    for (const std::string& k : keys) with_ttl += ExpireAt(store, k, db) != 0;
    CHECK(with_ttl == 0);
  }
}

TEST_CASE("many threads taking and dropping references to one value leave one reference") {
  Store store;
  Set(store, "shared", SelfCheckingValue(64, 's'));
  uint32_t before = store.Access(0, "shared", [](KeyHandle& h) {
    return h.Find()->value.str.get()->refs();
  });
  std::atomic<size_t> corrupt{0};
  auto reader = [&] {
    size_t bad = 0;
    for (int i = 0; i < 10000; ++i) {
      BufRef a = store.Access(0, "shared", [](KeyHandle& h) { return h.Find()->value.str; });
      BufRef b = a;
      bad += !Intact(b.view());
    }
    corrupt += bad;
  };
  RunTogether(std::vector<std::function<void()>>(4, reader));
  CHECK(corrupt.load() == 0);
  BufRef last = store.Access(0, "shared", [](KeyHandle& h) { return h.Find()->value.str; });
  CHECK(last.get()->refs() == before + 1);  // the store's (and its entry's), and ours
}

// Prefetch is a hint for lookups to come: it must change nothing, and since it runs between
// a pipeline's commands it must never wait for a shard another thread holds.
TEST_CASE("Prefetch changes nothing and never waits for a held shard") {
  Store store;
  std::vector<std::string> names;
  for (int i = 0; i < 64; ++i) names.push_back("key:" + std::to_string(i));
  for (size_t i = 0; i < names.size(); i += 2) Set(store, names[i], "v" + names[i]);
  std::vector<std::string_view> keys(names.begin(), names.begin() + Store::kMaxPrefetchKeys);
  std::vector<std::string_view> too_many(names.begin(), names.end());

  store.Prefetch(0, keys);
  store.Prefetch(0, too_many);  // more than it takes: ignored
  store.Prefetch(-1, keys);     // no such database: ignored
  store.Prefetch(store.databases(), keys);
  store.Atomically({}, true, [&] { store.Prefetch(0, keys); });  // inside a transaction
  CHECK(store.Stats(0).keys == names.size() / 2);
  for (size_t i = 0; i < names.size(); ++i) {
    CHECK(Get(store, names[i]) == (i % 2 == 0 ? std::optional("v" + names[i]) : std::nullopt));
  }

  // Another thread holds every shard until the prefetching thread is done.
  std::latch held(1);
  std::atomic<bool> done{false};
  std::thread holder([&] {
    store.Atomically({}, true, [&] {
      held.count_down();
      while (!done.load()) std::this_thread::yield();
    });
  });
  held.wait();
  std::thread prefetcher([&] {
    store.Prefetch(0, keys);
    done.store(true);
  });
  prefetcher.join();  // hangs (and the test with it) if Prefetch waited for a shard
  holder.join();
  CHECK(done.load());
  CHECK(Get(store, names[0]) == "v" + names[0]);
}

// The snapshot bytes of key's value (a string's own bytes), or "" without the key.
std::string ValueBytes(Store& store, std::string_view key) {
  return store.Access(0, key, [](KeyHandle& h) {
    const Entry* e = h.Find();
    if (e == nullptr) return std::string();
    if (e->value.is_string()) return std::string(e->value.str.view());
    std::string out;
    e->value.obj->Encode(&out);
    return out;
  });
}

// With elements, Prefetch also reads inside large hashes, sets and sorted sets (their slot
// and the element it points at). It still changes nothing, whatever the key holds: small and
// large forms, absent and present elements, a string, no key. (Under ASan this also checks
// that every read stays inside the collection's allocations.)
TEST_CASE("Prefetch of fields and members changes nothing in any form") {
  Store store;
  std::vector<std::string> members;
  for (int i = 0; i < 600; ++i) members.push_back("m" + std::to_string(i));
  for (int large = 0; large < 2; ++large) {
    size_t n = large ? members.size() : 3;
    std::string suffix = large ? ":large" : ":small";
    std::vector<std::string_view> pairs, set_members;
    std::vector<ZItem> items;
    for (size_t i = 0; i < n; ++i) {
      pairs.insert(pairs.end(), {members[i], members[i]});
      set_members.push_back(members[i]);
      items.push_back({static_cast<double>(i), members[i]});
    }
    store.Access(0, "h" + suffix, [&](KeyHandle& h) { CHECK(HashSetFields(h, pairs).ok()); });
    store.Access(0, "s" + suffix, [&](KeyHandle& h) { CHECK(SetAdd(h, set_members).ok()); });
    store.Access(0, "z" + suffix, [&](KeyHandle& h) { CHECK(ZAdd(h, items, {}).ok()); });
  }
  Set(store, "str", "value");
  auto encoding = [&](std::string_view key) {
    return store.Access(0, key, [](KeyHandle& h) { return h.Find()->value.obj->encoding(); });
  };
  CHECK(encoding("h:small") == "listpack");
  CHECK(encoding("h:large") == "hashtable");  // past hash-max-listpack-entries (512)
  CHECK(encoding("s:large") == "hashtable");
  CHECK(encoding("z:large") == "skiplist");
  std::vector<std::string_view> names = {"h:small", "h:large", "s:small", "s:large",
                                         "z:small", "z:large", "str", "absent"};
  std::vector<std::string> before;
  for (std::string_view k : names) before.push_back(ValueBytes(store, k));

  std::vector<std::string_view> keys, elements;
  for (std::string_view k : names) {
    for (std::string_view el : {std::string_view("m1"), std::string_view("m599"),
                                std::string_view("nope"), std::string_view()}) {
      keys.push_back(k);
      elements.push_back(el);
    }
  }
  for (size_t at = 0; at < keys.size(); at += Store::kMaxPrefetchKeys) {
    size_t n = std::min(Store::kMaxPrefetchKeys, keys.size() - at);
    store.Prefetch(0, std::span(keys).subspan(at, n), std::span(elements).subspan(at, n));
  }
  // One element per key or none: a mismatched count is ignored.
  store.Prefetch(0, std::span(keys).first(4), std::span(elements).first(3));
  for (size_t i = 0; i < names.size(); ++i) CHECK(ValueBytes(store, names[i]) == before[i]);
  CHECK(store.Stats(0).keys == 7);
}

}  // namespace
}  // namespace cairn::store
