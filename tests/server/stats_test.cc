// tests/server/stats_test.cc — INFO's instantaneous rates (src/exec/stats.h): the mean of the
// last 16 rates, each between two samples of a growing total.
#include "src/exec/stats.h"

#include <doctest/doctest.h>

#include <chrono>
#include <thread>

namespace cairn::server {
namespace {

TEST_CASE("an instantaneous rate is the mean of the last 16 sampled rates") {
  InstantaneousMetric m;
  m.Sample(1000, 0);
  CHECK(m.PerSecond() == 0);  // one sample measures nothing yet
  // 500 more every 100 ms: 5000 a second, in 1 of the 16 slots, then in all of them.
  m.Sample(1100, 500);
  CHECK(m.PerSecond() == doctest::Approx(5000.0 / 16));
  for (int i = 2; i <= 16; ++i) m.Sample(1000 + 100 * i, 500 * static_cast<uint64_t>(i));
  CHECK(m.PerSecond() == doctest::Approx(5000));
  // Idle from here: each new sample replaces the oldest busy one, until none is left.
  for (int i = 17; i <= 24; ++i) m.Sample(1000 + 100 * i, 8000);
  CHECK(m.PerSecond() == doctest::Approx(2500));
  for (int i = 25; i <= 32; ++i) m.Sample(1000 + 100 * i, 8000);
  CHECK(m.PerSecond() == 0);
}

TEST_CASE("the rate divides by the time that really passed between samples") {
  InstantaneousMetric m;
  m.Sample(0, 0);
  m.Sample(1000, 1600);  // one sample over a whole second (hz 1)
  CHECK(m.PerSecond() == doctest::Approx(1600.0 / 16));
  m.Sample(1000, 1700);  // no time passed: not a sample
  CHECK(m.PerSecond() == doctest::Approx(1600.0 / 16));
}

TEST_CASE("after a reset the rates start again from zero") {
  InstantaneousMetric m;
  m.Sample(0, 0);
  for (int i = 1; i <= 16; ++i) m.Sample(100 * i, 1000 * static_cast<uint64_t>(i));
  CHECK(m.PerSecond() == doctest::Approx(10000));
  m.Reset(1600);  // CONFIG RESETSTAT: the totals restart at 0
  CHECK(m.PerSecond() == 0);
  m.Sample(1700, 100);
  CHECK(m.PerSecond() == doctest::Approx(1000.0 / 16));
}

TEST_CASE("the registry samples what its threads count, and a reset zeroes both") {
  StatsRegistry registry(1);
  ThreadStats* thread = registry.Create();
  registry.TrackInstantaneous();
  thread->commands_processed.Add(100);
  std::this_thread::sleep_for(std::chrono::milliseconds(5));  // the next sample is later
  registry.TrackInstantaneous();
  CHECK(registry.InstantaneousRates().ops > 0);
  registry.Reset();
  CHECK(registry.InstantaneousRates().ops == 0);
  CHECK(registry.Sum().commands_processed == 0);
}

}  // namespace
}  // namespace cairn::server
