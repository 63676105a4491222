// store/eviction.h — which key to evict when memory is over maxmemory: the policies, the
// score each policy gives a key, and the eviction pool.
//
// Like Redis's evict.c, cairn approximates "the least recently used key" (or least frequently
// used, or nearest to expiry) by sampling: each round looks at maxmemory-samples keys and
// offers them to a pool of the best candidates seen so far (kPoolSize), and the best of the
// pool goes. The pool outlives the round, so candidates from earlier rounds compete with new
// ones and the choice gets better than one sample's best. Sampling and eviction live on the
// store (Store::EvictOne): a round locks one shard at a time, never the whole keyspace.
//
// Each thread that evicts keeps its own EvictionPool, so evicting threads never contend on
// it; a pool entry is only a key name and a score, and a key that has gone or changed since
// it was sampled is simply skipped or re-checked when it comes up.
//
// Threading: EvictionPool is not thread-safe (one per thread); the functions are pure.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "store/access_stamp.h"
#include "store/entry.h"

namespace cairn::store {

enum class EvictPolicy : uint8_t {
  kNoEviction,
  kAllKeysLru,
  kAllKeysLfu,
  kAllKeysRandom,
  kVolatileLru,
  kVolatileLfu,
  kVolatileRandom,
  kVolatileTtl,
};

// The policy named as maxmemory-policy spells it, or nullopt.
std::optional<EvictPolicy> ParseEvictPolicy(std::string_view name);
// Only keys with a TTL may go.
inline bool IsVolatilePolicy(EvictPolicy p) {
  return p == EvictPolicy::kVolatileLru || p == EvictPolicy::kVolatileLfu ||
         p == EvictPolicy::kVolatileRandom || p == EvictPolicy::kVolatileTtl;
}
inline bool IsLfuPolicy(EvictPolicy p) {
  return p == EvictPolicy::kAllKeysLfu || p == EvictPolicy::kVolatileLfu;
}
inline bool IsRandomPolicy(EvictPolicy p) {
  return p == EvictPolicy::kAllKeysRandom || p == EvictPolicy::kVolatileRandom;
}
// How entry stamps are read under policy p (access_stamp.h).
inline AccessMode AccessModeOf(EvictPolicy p) {
  return IsLfuPolicy(p) ? AccessMode::kLfu : AccessMode::kLru;
}

// What a score is computed against: the store clock now.
struct ScoreClock {
  uint32_t now_s = 0;        // the LRU stamp clock (Store::AccessClockS)
  uint32_t now_minutes = 0;  // the LFU stamp clock
  LfuParams lfu;
};

// How much policy p wants e gone: higher goes first. LRU: seconds idle; LFU: 255 minus the
// decayed counter; TTL: the nearer the expiry, the higher. Not meaningful for the random
// policies or noeviction.
uint64_t EvictionScore(EvictPolicy p, const Entry& e, const ScoreClock& clock);

struct EvictionCandidate {
  uint64_t score = 0;
  int db = 0;
  std::string key;
};

class EvictionPool {
 public:
  static constexpr size_t kPoolSize = 16;

  // Keeps key if the pool has room or it scores higher than the pool's lowest (which then
  // leaves). A key already in the pool (same db) has its score updated.
  void Offer(uint64_t score, int db, std::string_view key);
  // Moves the highest-scoring candidate to *out and removes it; false when empty.
  bool PopBest(EvictionCandidate* out);
  void Clear() { size_ = 0; }
  size_t size() const { return size_; }

 private:
  // Ascending by score: entries_[size_ - 1] is the best. Strings keep their capacity when
  // a slot is reused, so a warm pool allocates nothing.
  std::array<EvictionCandidate, kPoolSize> entries_;
  size_t size_ = 0;
};

}  // namespace cairn::store
