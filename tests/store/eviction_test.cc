// tests/store/eviction_test.cc — choosing keys to evict: the LFU counter's growth and decay,
// the eviction pool's ordering, and Store::EvictOne under each policy (volatile policies never
// touch keys without a TTL; volatile-ttl takes the nearest expiry; LRU the idlest key; every
// eviction is logged, so a replayed log agrees with the live store).
#include "store/eviction.h"

#include <doctest/doctest.h>

#include <set>
#include <string>

#include "store/access_stamp.h"
#include "store/effects.h"
#include "store/store.h"
#include "tests/store/store_testing.h"

namespace cairn::store {
namespace {

using testing::Exists;
using testing::Get;
using testing::Keys;
using testing::RecordingJournal;
using testing::Set;

constexpr int64_t kHourMs = 3600 * 1000;

TEST_CASE("the LFU counter grows logarithmically: about a hundred hits reach 15ish, not 100") {
  uint8_t count = kLfuInitialCount;
  uint64_t seed = 42;
  for (int i = 0; i < 100; ++i) {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    double r = static_cast<double>(seed >> 11) / 9007199254740992.0;
    count = LfuIncrement(count, 10, r);
  }
  CHECK(count > kLfuInitialCount);
  CHECK(count < 30);
  CHECK(LfuIncrement(255, 10, 0.0) == 255);               // saturates
  CHECK(LfuIncrement(kLfuInitialCount, 10, 0.999) == 6);  // below the base: always grows
}

TEST_CASE("the LFU counter decays by one per lfu-decay-time minutes, and not at all at 0") {
  uint32_t stamp = LfuStamp(1000, 20);
  CHECK(LfuDecayedCount(stamp, 1000, LfuParams{10, 1}) == 20);
  CHECK(LfuDecayedCount(stamp, 1007, LfuParams{10, 1}) == 13);
  CHECK(LfuDecayedCount(stamp, 1010, LfuParams{10, 5}) == 18);
  CHECK(LfuDecayedCount(stamp, 5000, LfuParams{10, 1}) == 0);
  CHECK(LfuDecayedCount(stamp, 5000, LfuParams{10, 0}) == 20);
  // The 24-bit minute clock wraps: a stamp just before the wrap is 3 minutes old just after.
  uint32_t late = LfuStamp(kLfuMinutesMask - 1, 20);
  CHECK(LfuElapsedMinutes(late, 1) == 3);
}

TEST_CASE("the eviction pool keeps the highest scores and hands out the best first") {
  EvictionPool pool;
  for (int i = 0; i < 40; ++i) pool.Offer(static_cast<uint64_t>(i), 0, "k" + std::to_string(i));
  CHECK(pool.size() == EvictionPool::kPoolSize);
  pool.Offer(3, 0, "low");  // lower than everything kept: ignored
  CHECK(pool.size() == EvictionPool::kPoolSize);
  EvictionCandidate c;
  REQUIRE(pool.PopBest(&c));
  CHECK(c.key == "k39");
  REQUIRE(pool.PopBest(&c));
  CHECK(c.key == "k38");
  pool.Offer(100, 1, "k30");  // same name, other db: a different key
  pool.Offer(99, 0, "k30");   // resampled: its score is updated, not duplicated
  REQUIRE(pool.PopBest(&c));
  CHECK((c.key == "k30" && c.db == 1 && c.score == 100));
  REQUIRE(pool.PopBest(&c));
  CHECK((c.key == "k30" && c.db == 0 && c.score == 99));
  size_t left = 0;
  while (pool.PopBest(&c)) ++left;
  CHECK(left == EvictionPool::kPoolSize - 3);  // 2 popped, k30 in both dbs popped, +1 added
}

TEST_CASE("policies parse by their maxmemory-policy names") {
  CHECK(ParseEvictPolicy("allkeys-lru") == EvictPolicy::kAllKeysLru);
  CHECK(ParseEvictPolicy("volatile-ttl") == EvictPolicy::kVolatileTtl);
  CHECK(ParseEvictPolicy("noeviction") == EvictPolicy::kNoEviction);
  CHECK(!ParseEvictPolicy("lru").has_value());
  CHECK(IsVolatilePolicy(EvictPolicy::kVolatileLfu));
  CHECK(AccessModeOf(EvictPolicy::kAllKeysLfu) == AccessMode::kLfu);
}

void Fill(Store& store, int n, int64_t expire_at_ms, const std::string& prefix) {
  for (int i = 0; i < n; ++i) Set(store, prefix + std::to_string(i), "value", expire_at_ms);
}

TEST_CASE("volatile policies evict only keys with a TTL, then report nothing eligible") {
  for (EvictPolicy p : {EvictPolicy::kVolatileLru, EvictPolicy::kVolatileLfu,
                        EvictPolicy::kVolatileRandom, EvictPolicy::kVolatileTtl}) {
    Store store;
    store.SetAccessMode(AccessModeOf(p), LfuParams{});
    Fill(store, 300, 0, "keep:");
    Fill(store, 50, store.NowMs() + kHourMs, "ttl:");
    EvictionPool pool;
    int evicted = 0;
    while (store.EvictOne(p, 5, &pool)) ++evicted;
    CHECK(evicted == 50);
    CHECK(Keys(store).size() == 300);
    CHECK(store.evicted_keys() == 50);
  }
}

TEST_CASE("allkeys policies evict every key in the end, across databases") {
  for (EvictPolicy p :
       {EvictPolicy::kAllKeysLru, EvictPolicy::kAllKeysLfu, EvictPolicy::kAllKeysRandom}) {
    Store store;
    Fill(store, 200, 0, "a:");
    store.Access(3, "other-db", [](KeyHandle& h) { h.Put(testing::StringValue("v"), 0); });
    EvictionPool pool;
    int evicted = 0;
    while (store.EvictOne(p, 5, &pool)) ++evicted;
    CHECK(evicted == 201);
    CHECK(Keys(store).empty());
    CHECK(Keys(store, 3).empty());
  }
}

TEST_CASE("volatile-ttl evicts the keys nearest to expiry first") {
  Store store;
  int64_t now = store.NowMs();
  for (int i = 0; i < 200; ++i) {
    Set(store, "t" + std::to_string(i), "v", now + kHourMs + int64_t{i} * 1000);
  }
  EvictionPool pool;
  for (int i = 0; i < 50; ++i) REQUIRE(store.EvictOne(EvictPolicy::kVolatileTtl, 10, &pool));
  // Sampling is approximate; the nearest expiries must be mostly gone, the farthest kept.
  int near_gone = 0, far_gone = 0;
  for (int i = 0; i < 50; ++i) near_gone += !Exists(store, "t" + std::to_string(i));
  for (int i = 150; i < 200; ++i) far_gone += !Exists(store, "t" + std::to_string(i));
  CHECK(near_gone > 30);
  CHECK(far_gone < 5);
}

// Evicts 60 of the 200 keys k0..k199 under policy; returns how many of the hot half (k0..k99,
// read by the caller) went.
int HotKeysEvicted(Store& store, EvictPolicy policy) {
  EvictionPool pool;
  for (int i = 0; i < 60; ++i) REQUIRE(store.EvictOne(policy, 10, &pool));
  int hot_gone = 0;
  for (int i = 0; i < 100; ++i) hot_gone += !Exists(store, "k" + std::to_string(i));
  return hot_gone;
}

TEST_CASE("allkeys-lru evicts idle keys before recently read ones") {
  Store store;
  Fill(store, 200, 0, "k");
  store.AdvanceClockForTesting(kHourMs);
  for (int i = 0; i < 100; ++i) Get(store, "k" + std::to_string(i));  // recently used half
  CHECK(HotKeysEvicted(store, EvictPolicy::kAllKeysLru) < 5);
}

TEST_CASE("allkeys-lfu evicts rarely read keys before often read ones") {
  Store store;
  store.SetAccessMode(AccessMode::kLfu, LfuParams{1, 1});
  Fill(store, 200, 0, "k");
  for (int round = 0; round < 50; ++round) {
    for (int i = 0; i < 100; ++i) Get(store, "k" + std::to_string(i));
  }
  CHECK(HotKeysEvicted(store, EvictPolicy::kAllKeysLfu) < 5);
}

TEST_CASE("a new key starts at LFU count 5 and reads raise it (OBJECT FREQ)") {
  Store store;
  store.SetAccessMode(AccessMode::kLfu, LfuParams{0, 1});  // factor 0: every hit counts
  Set(store, "k", "v");
  auto freq = [&] {
    return store.Access(0, "k", [&](KeyHandle& h) { return store.AccessFrequency(*h.Peek()); });
  };
  CHECK(freq() == kLfuInitialCount);
  for (int i = 0; i < 10; ++i) Get(store, "k");
  CHECK(freq() == kLfuInitialCount + 10);
}

TEST_CASE("evictions are logged: replay shows exactly the keys the live store kept") {
  RecordingJournal journal;
  Store live;
  live.set_journal(&journal);
  Fill(live, 300, 0, "k");
  EvictionPool pool;
  for (int i = 0; i < 120; ++i) REQUIRE(live.EvictOne(EvictPolicy::kAllKeysRandom, 5, &pool));
  for (int i = 0; i < 60; ++i) REQUIRE(live.EvictOne(EvictPolicy::kAllKeysLru, 5, &pool));
  Store fresh;
  for (const std::string& record : journal.records) REQUIRE(ApplyEffects(fresh, record).ok());
  CHECK(Keys(fresh) == Keys(live));
  CHECK(Keys(live).size() == 120);
}

TEST_CASE("the evicted hook hears every evicted key") {
  Store store;
  std::set<std::string> heard;
  store.set_evicted_hook(
      [](void* ctx, int, std::string_view key) {
        static_cast<std::set<std::string>*>(ctx)->emplace(key);
      },
      &heard);
  Fill(store, 20, 0, "k");
  EvictionPool pool;
  for (int i = 0; i < 5; ++i) REQUIRE(store.EvictOne(EvictPolicy::kAllKeysLru, 5, &pool));
  CHECK(heard.size() == 5);
  for (const std::string& k : heard) CHECK(!Exists(store, k));
}

}  // namespace
}  // namespace cairn::store
