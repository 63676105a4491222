// src/exec/latency.cc — see latency.h.
#include "src/exec/latency.h"

#include <algorithm>
#include <ctime>

namespace cairn::server {
void LatencyMonitor::Configure(int64_t threshold_ms) {
  threshold_ms_.store(threshold_ms, std::memory_order_relaxed);
  threshold_us_.store(threshold_ms <= 0 ? INT64_MAX : threshold_ms * 1000,
                      std::memory_order_relaxed);
}

void LatencyMonitor::AddSampleIfNeeded(std::string_view event, int64_t latency_ms) {
  int64_t threshold = threshold_ms_.load(std::memory_order_relaxed);
  if (threshold <= 0 || latency_ms < threshold) return;
  int64_t now = static_cast<int64_t>(std::time(nullptr));
  std::lock_guard lock(mu_);
  auto it = events_.find(event);
  if (it == events_.end()) it = events_.emplace(std::string(event), LatencySeries{}).first;
  LatencySeries& s = it->second;
  s.max_ms = std::max(s.max_ms, latency_ms);
  if (!s.samples.empty() && s.samples.back().unix_s == now) {
    s.samples.back().latency_ms = std::max(s.samples.back().latency_ms, latency_ms);
    return;
  }
  if (s.samples.size() == kSeriesLen) s.samples.erase(s.samples.begin());
  s.samples.push_back({now, latency_ms});
}

LatencyMonitor::Measure::Measure(LatencyMonitor& monitor, std::string_view event)
    : monitor_(monitor), event_(event) {
  if (!monitor.enabled()) return;
  lock_ = std::unique_lock(monitor.measuring_mu_);
  start_ = std::chrono::steady_clock::now();
}

LatencyMonitor::Measure::~Measure() {
  if (!active()) return;
  auto spent = std::chrono::steady_clock::now() - start_;
  monitor_.AddSampleIfNeeded(event_,
                             std::chrono::duration_cast<std::chrono::milliseconds>(spent).count());
}

std::map<std::string, LatencySeries> LatencyMonitor::Events() const {
  // A run being measured finishes first: its effect may already be visible to the caller.
  { std::lock_guard wait(measuring_mu_); }
  std::lock_guard lock(mu_);
  return {events_.begin(), events_.end()};
}

size_t LatencyMonitor::Reset(std::string_view event) {
  std::lock_guard lock(mu_);
  auto it = events_.find(event);
  if (it == events_.end()) return 0;
  events_.erase(it);
  return 1;
}

size_t LatencyMonitor::ResetAll() {
  std::lock_guard lock(mu_);
  size_t n = events_.size();
  events_.clear();
  return n;
}

}  // namespace cairn::server
