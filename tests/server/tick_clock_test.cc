// tests/server/tick_clock_test.cc — the command-timing clock converts its ticks to the same
// nanoseconds as CLOCK_MONOTONIC, before and after calibration.
#include "src/base/tick_clock.h"

#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <thread>

namespace cairn::tick_clock {
namespace {

int64_t SteadyNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Measures a short sleep with both clocks. Each tick reading sits between two steady_clock
// readings, so the ticks' span must fall between the inner and the outer steady spans
// (a preemption between readings widens the bounds, never breaks them).
void CheckAgainstSteadyClock() {
  int64_t before_start = SteadyNs();
  uint64_t start = Now();
  int64_t after_start = SteadyNs();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  int64_t before_end = SteadyNs();
  uint64_t end = Now();
  int64_t after_end = SteadyNs();
  int64_t ticks_ns = ElapsedNs(start, end);
  CHECK(ticks_ns >= (before_end - after_start) * 99 / 100);
  CHECK(ticks_ns <= (after_end - before_start) * 101 / 100);
}

TEST_CASE("ticks measure durations in nanoseconds, whatever the clock source") {
  CheckAgainstSteadyClock();  // uncalibrated: steady_clock itself
  Calibrate();
  Calibrate();  // idempotent
  CheckAgainstSteadyClock();  // the TSC, where the CPU has an invariant one
  CHECK(ElapsedNs(Now(), 0) == 0);  // a reading before the start is no duration
}

}  // namespace
}  // namespace cairn::tick_clock
