// store/eviction.cc — see eviction.h; also the Store's access stamps and EvictOne (store.h).
#include "store/eviction.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <mutex>

#include "store/detail/garbage.h"
#include "store/effects.h"
#include "store/random.h"
#include "store/store.h"

namespace cairn::store {
namespace {

// Buckets SampleShard reads before touching their entries: one cache line of bucket pointers.
constexpr size_t kSampleWindow = 8;

constexpr std::pair<std::string_view, EvictPolicy> kPolicyNames[] = {
    {"noeviction", EvictPolicy::kNoEviction},
    {"allkeys-lru", EvictPolicy::kAllKeysLru},
    {"allkeys-lfu", EvictPolicy::kAllKeysLfu},
    {"allkeys-random", EvictPolicy::kAllKeysRandom},
    {"volatile-lru", EvictPolicy::kVolatileLru},
    {"volatile-lfu", EvictPolicy::kVolatileLfu},
    {"volatile-random", EvictPolicy::kVolatileRandom},
    {"volatile-ttl", EvictPolicy::kVolatileTtl},
};

bool Eligible(const Entry& e, bool volatile_only) { return !volatile_only || e.has_expire(); }

// What SampleShard looks for in one table.
struct TableSample {
  EvictPolicy policy;
  bool volatile_only;
  bool random;  // a random policy: the first eligible key is the one
  int samples;
  const ScoreClock* clock;
  EvictionPool* pool;
  int db = 0;
};

// Reads bucket heads from *bucket on, up to kSampleWindow non-empty ones or until *step has
// covered the table, and prefetches their entries: the entries lie scattered, and touching
// them one after another would pay each cache miss in turn. Returns how many it read.
size_t ReadWindow(const detail::Table& t, size_t* bucket, size_t* step,
                  std::array<Entry*, kSampleWindow>* heads) {
  size_t filled = 0;
  for (; filled < kSampleWindow && *step <= t.mask(); ++*step, *bucket = (*bucket + 1) & t.mask()) {
    if (Entry* e = t.bucket(*bucket); e != nullptr) {
      __builtin_prefetch(e);
      (*heads)[filled++] = e;
    }
  }
  return filled;
}

// Offers the eligible entries of one chain to the pool, counting them in *got; for a random
// policy, takes the first eligible key into *random_key and returns true.
bool OfferChain(Entry* e, const TableSample& s, size_t* got, std::string* random_key) {
  for (; e != nullptr; e = e->next) {
    if (!Eligible(*e, s.volatile_only)) continue;
    if (s.random) {
      random_key->assign(e->key());
      return true;
    }
    s.pool->Offer(EvictionScore(s.policy, *e, *s.clock), s.db, e->key());
    ++*got;
  }
  return false;
}

// Consecutive buckets of t from a random one, as Redis's dictGetSomeKeys: cheap, and random
// enough since keys are placed by hash. Whole chains are offered until s.samples keys were
// (on a cache at its limit this walk runs once per write). Returns the keys offered.
size_t SampleTable(const detail::Table& t, uint64_t random, const TableSample& s,
                   std::string* random_key) {
  size_t bucket = random & t.mask();
  size_t got = 0;
  std::array<Entry*, kSampleWindow> heads;
  for (size_t step = 0; step <= t.mask() && got < static_cast<size_t>(s.samples);) {
    size_t filled = ReadWindow(t, &bucket, &step, &heads);
    for (size_t h = 0; h < filled && got < static_cast<size_t>(s.samples); ++h) {
      if (OfferChain(heads[h], s, &got, random_key)) return 1;
    }
  }
  return got;
}

}  // namespace

std::optional<EvictPolicy> ParseEvictPolicy(std::string_view name) {
  for (const auto& [n, p] : kPolicyNames) {
    if (n == name) return p;
  }
  return std::nullopt;
}

uint64_t EvictionScore(EvictPolicy p, const Entry& e, const ScoreClock& clock) {
  switch (p) {
    case EvictPolicy::kAllKeysLru:
    case EvictPolicy::kVolatileLru:
      return clock.now_s >= e.access ? clock.now_s - e.access : 0;
    case EvictPolicy::kAllKeysLfu:
    case EvictPolicy::kVolatileLfu:
      return 255 - LfuDecayedCount(e.access, clock.now_minutes, clock.lfu);
    case EvictPolicy::kVolatileTtl:
      return UINT64_MAX - static_cast<uint64_t>(e.expire_at_ms);
    default:
      return 0;
  }
}

void EvictionPool::Offer(uint64_t score, int db, std::string_view key) {
  for (size_t i = 0; i < size_; ++i) {
    if (entries_[i].db == db && entries_[i].key == key) {  // resampled: drop the old score
      std::rotate(entries_.begin() + i, entries_.begin() + i + 1, entries_.begin() + size_);
      --size_;
      break;
    }
  }
  if (size_ == kPoolSize) {
    if (score <= entries_[0].score) return;
    // The lowest leaves: shift it out to the front slot's position and reuse its string.
    std::rotate(entries_.begin(), entries_.begin() + 1, entries_.end());
    --size_;
  }
  size_t pos = size_;
  while (pos > 0 && entries_[pos - 1].score > score) --pos;
  // entries_[size_] is free (its string kept for reuse); rotate it into place.
  std::rotate(entries_.begin() + pos, entries_.begin() + size_, entries_.begin() + size_ + 1);
  entries_[pos].score = score;
  entries_[pos].db = db;
  entries_[pos].key.assign(key);
  ++size_;
}

bool EvictionPool::PopBest(EvictionCandidate* out) {
  if (size_ == 0) return false;
  --size_;
  std::swap(*out, entries_[size_]);
  return true;
}

// ---- Store: access stamps ----------------------------------------------------------------

void Store::SetAccessMode(AccessMode mode, LfuParams lfu) {
  lfu_log_factor_.store(lfu.log_factor, std::memory_order_relaxed);
  lfu_decay_time_.store(lfu.decay_time, std::memory_order_relaxed);
  access_mode_.store(mode, std::memory_order_relaxed);
}

ScoreClock Store::EvictionClock() const {
  ScoreClock c;
  c.now_s = AccessClockS();
  c.now_minutes = c.now_s / 60;
  c.lfu.log_factor = lfu_log_factor_.load(std::memory_order_relaxed);
  c.lfu.decay_time = lfu_decay_time_.load(std::memory_order_relaxed);
  return c;
}

uint32_t Store::StampNew() const {
  uint32_t now_s = AccessClockS();
  if (access_mode() == AccessMode::kLru) return now_s;
  return LfuStamp(now_s / 60, kLfuInitialCount);
}

uint32_t Store::StampAccess(uint32_t old) const {
  uint32_t now_s = AccessClockS();
  if (access_mode() == AccessMode::kLru) return now_s;
  LfuParams p{lfu_log_factor_.load(std::memory_order_relaxed),
              lfu_decay_time_.load(std::memory_order_relaxed)};
  return LfuTouch(old, now_s / 60, p, FastRandom01());
}

uint8_t Store::AccessFrequency(const Entry& e) const {
  ScoreClock c = EvictionClock();
  return LfuDecayedCount(e.access, c.now_minutes, c.lfu);
}

// ---- Store: eviction ---------------------------------------------------------------------

bool KeyHandle::Evict(bool volatile_only) {
  Entry** link = nullptr;
  Entry* e = table().Find(hash_, key_, &link);
  if (e == nullptr || !Eligible(*e, volatile_only)) return false;
  // Like expiry, an eviction is part of the log's history: replay deletes the key exactly
  // where clients saw it go.
  Touch(/*expired=*/true);
  if (logging()) EffectBuffer::Del(db_, key_);
  if (store_->evicted_hook_ != nullptr) {
    store_->evicted_hook_(store_->evicted_hook_ctx_, db_, key_);
  }
  detail::DeferDestroy(table().Unlink(link));
  store_->evicted_keys_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

size_t Store::SampleShard(size_t i, EvictPolicy policy, int samples, EvictionPool* pool) {
  ScoreClock clock = EvictionClock();
  TableSample sample{policy, IsVolatilePolicy(policy), IsRandomPolicy(policy), samples, &clock,
                     pool};
  std::string random_key;
  int random_db = -1;
  {
    std::lock_guard lock(shards_[i].mu);
    size_t offered = 0;
    for (int n = 0; n < databases_ && random_db < 0; ++n) {
      detail::Table& t = shards_[i].tables[n];
      if (sample.volatile_only ? t.expires() == 0 : t.size() == 0) continue;
      sample.db = n;
      offered += SampleTable(t, FastRandom(), sample, &random_key);
      if (sample.random && offered > 0) random_db = n;  // one random key was chosen
    }
    if (!sample.random) return offered;
  }
  if (random_db < 0) return 0;
  return Access(random_db, random_key, [&](KeyHandle& h) { return h.Evict(sample.volatile_only); });
}

bool Store::EvictOne(EvictPolicy policy, int samples, EvictionPool* pool) {
  bool volatile_only = IsVolatilePolicy(policy);
  size_t start = FastRandom() % kShards;
  if (IsRandomPolicy(policy)) {
    for (size_t n = 0; n < kShards; ++n) {
      if (SampleShard((start + n) % kShards, policy, samples, pool) > 0) return true;
    }
    return false;
  }
  // A round samples at least `samples` keys, from as many shards as that takes (one, when
  // shards hold many keys each), then the pool's best goes. A candidate that has gone since
  // it was sampled is skipped; when the pool runs dry, the next round samples again.
  size_t n = 0;
  while (n < kShards) {
    size_t offered = 0;
    for (; n < kShards && offered < static_cast<size_t>(samples); ++n) {
      offered += SampleShard((start + n) % kShards, policy, samples, pool);
    }
    EvictionCandidate best;
    while (pool->PopBest(&best)) {
      if (Access(best.db, best.key, [&](KeyHandle& h) { return h.Evict(volatile_only); })) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace cairn::store
