// store/expiry_stats.cc — see expiry_stats.h.
#include "store/expiry_stats.h"

#include <cstdint>

namespace cairn::store {

ExpiryStats::ExpiryStats(int databases)
    : avg_ttl_ms_(new std::atomic<int64_t>[static_cast<size_t>(databases)]) {
  for (int db = 0; db < databases; ++db) ForgetTtl(db);
}

void ExpiryStats::SwapTtl(int a, int b) {
  auto& x = avg_ttl_ms_[static_cast<size_t>(a)];
  auto& y = avg_ttl_ms_[static_cast<size_t>(b)];
  int64_t old_x = x.load(kRelaxed);
  x.store(y.load(kRelaxed), kRelaxed);
  y.store(old_x, kRelaxed);
}

void ExpiryStats::ResetCounters() {
  stale_perc_.store(0, kRelaxed);
  time_cap_reached_.store(0, kRelaxed);
  cycle_us_.store(0, kRelaxed);
}

void ExpiryStats::AddCycle(const ExpirySample& sample, int64_t elapsed_us, bool time_cap_reached) {
  double perc = sample.checked == 0 ? 0.0
                                    : 100.0 * static_cast<double>(sample.expired) /
                                          static_cast<double>(sample.checked);
  stale_perc_.store(perc * 0.05 + stale_perc() * 0.95, kRelaxed);
  if (time_cap_reached) time_cap_reached_.fetch_add(1, kRelaxed);
  if (elapsed_us > 0) cycle_us_.fetch_add(static_cast<uint64_t>(elapsed_us), kRelaxed);
  for (size_t db = 0; db < sample.ttl_keys.size(); ++db) {
    bool none = !sample.has_ttls[db] && sample.ttl_keys[db] == 0;
    if (none && !time_cap_reached) ForgetTtl(static_cast<int>(db));
    if (sample.ttl_keys[db] == 0) continue;
    double mean_d = sample.ttl_sum_ms[db] / static_cast<double>(sample.ttl_keys[db]);
    int64_t mean = mean_d >= 9.2e18 ? INT64_MAX : static_cast<int64_t>(mean_d);
    int64_t old = avg_ttl_ms_[db].load(kRelaxed);
    avg_ttl_ms_[db].store(old == 0 ? mean : old / 50 * 49 + mean / 50, kRelaxed);
  }
}

}  // namespace cairn::store
