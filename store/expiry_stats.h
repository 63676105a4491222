// store/expiry_stats.h — what the active expiry cycle learns about keys with a TTL as it walks
// them, estimated as Redis estimates it: INFO's expired_stale_perc,
// expired_time_cap_reached_count, expire_cycle_cpu_milliseconds and each database's avg_ttl.
//
// A cycle counts into an ExpirySample (its own thread, under the shard locks it holds anyway)
// and folds it in once it ends: the share of the keys with a TTL it met that had expired,
// and each database's mean remaining TTL, enter running averages (weights 1/20 and 1/50, as
// Redis's), so that one cycle that met few keys moves them little.
//
// Threading: AddCycle from one thread at a time (the store runs one cycle at a time); the
// getters from any thread (relaxed atomics: a recent value).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

namespace cairn::store {

// One cycle's counts.
struct ExpirySample {
  explicit ExpirySample(int databases)
      : ttl_sum_ms(static_cast<size_t>(databases)),
        ttl_keys(static_cast<size_t>(databases)),
        has_ttls(static_cast<size_t>(databases)) {}
  uint64_t checked = 0;  // keys with a TTL the cycle met
  uint64_t expired = 0;  // of those, the ones it deleted
  // Per database, the remaining TTLs (ms) of the live keys with a TTL it met, and their
  // number (a double: TTLs may reach 2^63 ms, and summing them must not overflow).
  std::vector<double> ttl_sum_ms;
  std::vector<uint64_t> ttl_keys;
  // Per database, whether a table the cycle walked held a key with a TTL (met or not).
  std::vector<uint8_t> has_ttls;
};

class ExpiryStats {
 public:
  explicit ExpiryStats(int databases);

  // Folds one ended cycle in: it took elapsed_us, and stopped on its time budget before it
  // had been everywhere when time_cap_reached. A cycle that went everywhere and found no
  // key with a TTL in a database starts that database's average again, as Redis's does.
  void AddCycle(const ExpirySample& sample, int64_t elapsed_us, bool time_cap_reached);
  // A database holds no key with a TTL any more: its average starts again (Redis's 0).
  void ForgetTtl(int db) { avg_ttl_ms_[static_cast<size_t>(db)].store(0, kRelaxed); }
  // SWAPDB: the two databases' averages go with their keys.
  void SwapTtl(int a, int b);
  // CONFIG RESETSTAT: the stale share, the time cap count and the cycle time start again
  // (the averages describe the keys, not a period, and stay).
  void ResetCounters();

  double stale_perc() const { return stale_perc_.load(kRelaxed); }  // 0..100
  uint64_t time_cap_reached() const { return time_cap_reached_.load(kRelaxed); }
  uint64_t cycle_us() const { return cycle_us_.load(kRelaxed); }
  int64_t avg_ttl_ms(int db) const { return avg_ttl_ms_[static_cast<size_t>(db)].load(kRelaxed); }

 private:
  static constexpr auto kRelaxed = std::memory_order_relaxed;
  std::atomic<double> stale_perc_{0};
  std::atomic<uint64_t> time_cap_reached_{0};
  std::atomic<uint64_t> cycle_us_{0};
  std::unique_ptr<std::atomic<int64_t>[]> avg_ttl_ms_;
};

}  // namespace cairn::store
