// src/exec/stats.cc — see stats.h.
#include "src/exec/stats.h"

#include <sys/resource.h>

#include <chrono>

namespace cairn::server {
namespace {

int64_t SteadyMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace

void ErrorCounts::Add(std::string_view code, uint64_t n) {
  std::lock_guard lock(mu_);
  auto it = counts_.find(code);
  if (it != counts_.end()) {
    it->second += n;
  } else if (counts_.size() < kMaxCodes) {
    counts_.emplace(std::string(code), n);
  }
}

void ErrorCounts::SumInto(std::map<std::string, uint64_t, std::less<>>* totals) const {
  std::lock_guard lock(mu_);
  for (const auto& [code, n] : counts_) (*totals)[code] += n;
}

void ErrorCounts::Reset() {
  std::lock_guard lock(mu_);
  counts_.clear();
}

void ThreadStats::SampleThreadCpu() {
  rusage usage{};
  if (getrusage(RUSAGE_THREAD, &usage) != 0) return;
  auto us = [](const timeval& tv) {
    return static_cast<uint64_t>(tv.tv_sec) * 1'000'000 + static_cast<uint64_t>(tv.tv_usec);
  };
  cpu_user_us.Set(us(usage.ru_utime));
  cpu_sys_us.Set(us(usage.ru_stime));
}

ThreadStats* StatsRegistry::Create() {
  std::lock_guard lock(mu_);
  threads_.push_back(std::make_unique<ThreadStats>(commands_));
  return threads_.back().get();
}

void InstantaneousMetric::Sample(int64_t now_ms, uint64_t total) {
  if (last_ms_ >= 0 && now_ms > last_ms_) {
    // A total that went back (reset meanwhile) counts from zero.
    uint64_t grown = total >= last_total_ ? total - last_total_ : total;
    rates_[next_] = static_cast<double>(grown) * 1000.0 / static_cast<double>(now_ms - last_ms_);
    next_ = (next_ + 1) % kSamples;
  }
  last_ms_ = now_ms;
  last_total_ = total;
}

double InstantaneousMetric::PerSecond() const {
  double sum = 0;
  for (double r : rates_) sum += r;
  return sum / kSamples;
}

void InstantaneousMetric::Reset(int64_t now_ms) {
  *this = InstantaneousMetric();
  last_ms_ = now_ms;
}

void StatsRegistry::TrackInstantaneous() {
  // Summed under the same lock as the samples, so a reset cannot fall in between and make
  // the old totals count as grown from zero.
  std::lock_guard lock(mu_);
  Totals t = SumLocked();
  int64_t now_ms = SteadyMs();
  metrics_[kOps].Sample(now_ms, t.commands_processed);
  metrics_[kInput].Sample(now_ms, t.net_input_bytes);
  metrics_[kOutput].Sample(now_ms, t.net_output_bytes);
  metrics_[kReplInput].Sample(now_ms, t.net_repl_input_bytes);
  metrics_[kReplOutput].Sample(now_ms, t.net_repl_output_bytes);
}

StatsRegistry::Rates StatsRegistry::InstantaneousRates() const {
  std::lock_guard lock(mu_);
  return {metrics_[kOps].PerSecond(), metrics_[kInput].PerSecond(),
          metrics_[kOutput].PerSecond(), metrics_[kReplInput].PerSecond(),
          metrics_[kReplOutput].PerSecond()};
}

StatsRegistry::Totals StatsRegistry::Sum() {
  std::lock_guard lock(mu_);
  return SumLocked();
}

StatsRegistry::Totals StatsRegistry::SumLocked() const {
  Totals t;
  for (auto& s : threads_) {
    t.commands_processed += s->commands_processed.Get();
    t.connections_received += s->connections_received.Get();
    t.rejected_connections += s->rejected_connections.Get();
    t.net_input_bytes += s->net_input_bytes.Get();
    t.net_output_bytes += s->net_output_bytes.Get();
    t.net_repl_input_bytes += s->net_repl_input_bytes.Get();
    t.net_repl_output_bytes += s->net_repl_output_bytes.Get();
    t.reads_processed += s->reads_processed.Get();
    t.writes_processed += s->writes_processed.Get();
    t.keyspace_hits += s->keyspace_hits.Get();
    t.keyspace_misses += s->keyspace_misses.Get();
    t.error_replies += s->error_replies.Get();
    t.unexpected_error_replies += s->unexpected_error_replies.Get();
    t.dump_payload_sanitizations += s->dump_payload_sanitizations.Get();
    t.cpu_user_us += s->cpu_user_us.Get();
    t.cpu_sys_us += s->cpu_sys_us.Get();
  }
  return t;
}

std::map<std::string, uint64_t, std::less<>> StatsRegistry::SumErrors() {
  std::lock_guard lock(mu_);
  std::map<std::string, uint64_t, std::less<>> totals;
  for (auto& s : threads_) s->errors_by_code.SumInto(&totals);
  return totals;
}

void StatsRegistry::SumCommand(size_t id, uint64_t out[4]) {
  std::lock_guard lock(mu_);
  out[0] = out[1] = out[2] = out[3] = 0;
  for (auto& s : threads_) {
    const CommandCounters& c = s->per_command[id];
    out[0] += c.calls.Get();
    out[1] += c.usec.Get();
    out[2] += c.rejected_calls.Get();
    out[3] += c.failed_calls.Get();
  }
}

bool StatsRegistry::SumHistogram(size_t id, LatencyHistogram::Counts* out) {
  std::lock_guard lock(mu_);
  bool any = false;
  for (auto& s : threads_) {
    const LatencyHistogram* h = s->per_command[id].histogram.load(std::memory_order_acquire);
    if (h == nullptr) continue;
    if (!any) out->fill(0);  // only for a command some thread has run: 24 KB each
    any = true;
    h->SumInto(out);
  }
  return any;
}

void StatsRegistry::Reset() {
  std::lock_guard lock(mu_);
  for (InstantaneousMetric& m : metrics_) m.Reset(SteadyMs());
  for (auto& s : threads_) {
    s->commands_processed.Reset();
    s->connections_received.Reset();
    s->rejected_connections.Reset();
    s->net_input_bytes.Reset();
    s->net_output_bytes.Reset();
    s->net_repl_input_bytes.Reset();
    s->net_repl_output_bytes.Reset();
    s->reads_processed.Reset();
    s->writes_processed.Reset();
    s->keyspace_hits.Reset();
    s->keyspace_misses.Reset();
    s->error_replies.Reset();
    s->unexpected_error_replies.Reset();
    s->dump_payload_sanitizations.Reset();
    s->errors_by_code.Reset();
    for (auto& c : s->per_command) {
      c.calls.Reset();
      c.usec.Reset();
      c.rejected_calls.Reset();
      c.failed_calls.Reset();
      if (LatencyHistogram* h = c.histogram.load(std::memory_order_acquire)) h->Reset();
    }
  }
}

}  // namespace cairn::server
