// tests/server/latency_monitor_test.cc — events timed off the command path (LatencyMonitor::
// Measure): recorded only while monitoring is on, and never missed by a reader that asks as
// soon as the measured run's effect is visible.
#include <doctest/doctest.h>

#include <chrono>
#include <future>
#include <thread>

#include "src/exec/latency.h"

namespace cairn::server {
namespace {

// Long enough to pass a 1 ms threshold: sleep_for waits at least this long.
constexpr auto kSlowRun = std::chrono::milliseconds(5);

// Measures one slow run of "expire-cycle"; whether the measure was active.
bool MeasureSlowRun(LatencyMonitor& monitor) {
  LatencyMonitor::Measure run(monitor, "expire-cycle");
  std::this_thread::sleep_for(kSlowRun);
  return run.active();
}

TEST_CASE("a measured run that reaches the threshold becomes a sample of its event") {
  LatencyMonitor monitor;
  monitor.Configure(1);
  CHECK(MeasureSlowRun(monitor));
  auto events = monitor.Events();
  REQUIRE(events.count("expire-cycle") == 1);
  CHECK(events["expire-cycle"].samples.size() == 1);
  CHECK(events["expire-cycle"].max_ms >= 5);
}

TEST_CASE("a measured run records nothing while monitoring is off") {
  LatencyMonitor monitor;
  monitor.Configure(0);
  CHECK_FALSE(MeasureSlowRun(monitor));
  CHECK(monitor.Events().empty());
}

TEST_CASE("reading the events waits for the run being measured to record its sample") {
  LatencyMonitor monitor;
  monitor.Configure(1);
  std::promise<void> started;
  std::thread runner([&] {
    LatencyMonitor::Measure run(monitor, "expire-cycle");
    started.set_value();  // the run's effect is visible from here on
    std::this_thread::sleep_for(kSlowRun);
    monitor.AddSampleIfNeeded("expire-del", 5);
  });
  started.get_future().wait();
  auto events = monitor.Events();
  runner.join();
  CHECK(events.count("expire-cycle") == 1);
  CHECK(events.count("expire-del") == 1);
}

}  // namespace
}  // namespace cairn::server
