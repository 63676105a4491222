// Tests for store/expiry_stats.h: the estimates INFO shows from the active expiry cycles.
#include <doctest/doctest.h>

#include "store/expiry_stats.h"

namespace cairn::store {
namespace {

ExpirySample Sample(uint64_t checked, uint64_t expired) {
  ExpirySample s(2);
  s.checked = checked;
  s.expired = expired;
  return s;
}

TEST_CASE("the stale share is a running average that one cycle moves by a twentieth") {
  ExpiryStats stats(2);
  CHECK(stats.stale_perc() == 0);
  stats.AddCycle(Sample(100, 100), 10, false);  // everything met had expired
  CHECK(stats.stale_perc() == doctest::Approx(5.0));
  stats.AddCycle(Sample(0, 0), 10, false);  // a cycle that met nothing counts as 0%
  CHECK(stats.stale_perc() == doctest::Approx(4.75));
  CHECK(stats.cycle_us() == 20);
  CHECK(stats.time_cap_reached() == 0);
  stats.AddCycle(Sample(10, 1), 5, true);
  CHECK(stats.time_cap_reached() == 1);
}

TEST_CASE("each database's mean TTL starts at the first sample, then moves by a fiftieth") {
  ExpiryStats stats(2);
  ExpirySample s(2);
  s.ttl_sum_ms[1] = 3 * 100'000;
  s.ttl_keys[1] = 3;
  stats.AddCycle(s, 1, false);
  CHECK(stats.avg_ttl_ms(0) == 0);  // met no key with a TTL there
  CHECK(stats.avg_ttl_ms(1) == 100'000);
  s.ttl_sum_ms[1] = 50'000;
  s.ttl_keys[1] = 1;
  stats.AddCycle(s, 1, false);
  CHECK(stats.avg_ttl_ms(1) == 100'000 / 50 * 49 + 50'000 / 50);
  stats.ForgetTtl(1);
  CHECK(stats.avg_ttl_ms(1) == 0);
}

TEST_CASE("a cycle that went everywhere and met no key with a TTL in a database resets it") {
  ExpiryStats stats(2);
  ExpirySample s(2);
  s.ttl_sum_ms[0] = 5000;
  s.ttl_keys[0] = 1;
  s.has_ttls[0] = 1;
  stats.AddCycle(s, 1, false);
  REQUIRE(stats.avg_ttl_ms(0) == 5000);
  ExpirySample none(2);
  stats.AddCycle(none, 1, true);  // stopped on its budget: it may not have been there
  CHECK(stats.avg_ttl_ms(0) == 5000);
  ExpirySample walked(2);
  walked.has_ttls[0] = 1;  // keys with a TTL there, none met this time
  stats.AddCycle(walked, 1, false);
  CHECK(stats.avg_ttl_ms(0) == 5000);
  stats.AddCycle(none, 1, false);
  CHECK(stats.avg_ttl_ms(0) == 0);
}

TEST_CASE("SWAPDB swaps the averages; RESETSTAT clears the counters, not the averages") {
  ExpiryStats stats(2);
  ExpirySample s(2);
  s.checked = 10;
  s.expired = 10;
  s.ttl_sum_ms[0] = 7000;
  s.ttl_keys[0] = 1;
  s.has_ttls[0] = 1;
  stats.AddCycle(s, 30, true);
  stats.SwapTtl(0, 1);
  CHECK(stats.avg_ttl_ms(0) == 0);
  CHECK(stats.avg_ttl_ms(1) == 7000);
  stats.ResetCounters();
  CHECK(stats.stale_perc() == 0);
  CHECK(stats.time_cap_reached() == 0);
  CHECK(stats.cycle_us() == 0);
  CHECK(stats.avg_ttl_ms(1) == 7000);
}

TEST_CASE("TTLs near 2^63 ms average without overflow") {
  ExpiryStats stats(1);
  ExpirySample s(1);
  for (int i = 0; i < 1000; ++i) s.ttl_sum_ms[0] += 9.0e18;
  s.ttl_keys[0] = 1000;
  stats.AddCycle(s, 1, false);
  CHECK(stats.avg_ttl_ms(0) > 8'000'000'000'000'000'000);
}

}  // namespace
}  // namespace cairn::store
