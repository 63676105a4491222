// src/exec/latency.h — LATENCY: the latency monitor's event series (each command's
// latency histogram is latency_histogram.h's).
//
// Events ("command", "fast-command", ...) are sampled when they last at least
// latency-monitor-threshold ms (0 = off). Each event keeps its last kSeriesLen samples, one
// per second (a second sample in the same second keeps the larger latency), and its all-time
// maximum. Like the slow log, a fast command pays one relaxed load and a compare (Slow()).
//
// Events measured off the command path (the active expire cycle's "expire-cycle" and
// "expire-del") are timed by their own thread inside a Measure; a client that sees such an
// event's effect (an expired key gone) may ask LATENCY at once, before the measuring thread
// has recorded the sample, so Events() waits for an open Measure to close.
//
// Threading: every member is thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace cairn::server {

struct LatencySample {
  int64_t unix_s = 0;
  int64_t latency_ms = 0;
};

struct LatencySeries {
  std::vector<LatencySample> samples;  // oldest first, at most kSeriesLen
  int64_t max_ms = 0;
};

class LatencyMonitor {
 public:
  static constexpr size_t kSeriesLen = 160;

  // Times one run of an event outside the command path, from construction to destruction,
  // and adds the sample then if it reached the threshold. When monitoring is off as the run
  // starts it is inactive: it reads no clock, takes no lock and records nothing. While one is
  // active, Events() waits for it (one at a time: a second one waits for the first).
  class Measure {
   public:
    Measure(LatencyMonitor& monitor, std::string_view event);
    ~Measure();
    Measure(const Measure&) = delete;
    Measure& operator=(const Measure&) = delete;
    bool active() const { return lock_.owns_lock(); }

   private:
    LatencyMonitor& monitor_;
    std::string_view event_;
    std::unique_lock<std::mutex> lock_;  // holds measuring_mu_ while active
    std::chrono::steady_clock::time_point start_;
  };

  void Configure(int64_t threshold_ms);
  bool enabled() const { return threshold_ms_.load(std::memory_order_relaxed) > 0; }
  int64_t threshold_us() const { return threshold_us_.load(std::memory_order_relaxed); }
  // Whether a duration (µs) is worth an event sample.
  bool Slow(int64_t duration_us) const {
    return duration_us >= threshold_us_.load(std::memory_order_relaxed);
  }
  // Adds a sample when latency_ms reaches the threshold.
  void AddSampleIfNeeded(std::string_view event, int64_t latency_ms);
  // Every event with its series, by name; waits for an active Measure to record its sample.
  std::map<std::string, LatencySeries> Events() const;
  // Forgets one event (true if it existed) or, with an empty name, all (their count).
  size_t Reset(std::string_view event);
  size_t ResetAll();

 private:
  std::atomic<int64_t> threshold_us_{INT64_MAX};
  std::atomic<int64_t> threshold_ms_{0};
  mutable std::mutex measuring_mu_;  // held by the active Measure
  mutable std::mutex mu_;
  std::map<std::string, LatencySeries, std::less<>> events_;  // guarded by mu_
};

}  // namespace cairn::server
