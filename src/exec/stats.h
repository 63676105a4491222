// src/exec/stats.h — server counters for INFO (stats, commandstats, errorstats).
//
// Each I/O thread owns one ThreadStats and is its only writer; INFO sums all of them. Fields
// are relaxed atomics so a reader on another thread sees a recent value without a data race
// and the writer pays no fence (a relaxed add on a line no other core writes).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "src/exec/latency_histogram.h"

namespace cairn::server {

struct Counter {
  std::atomic<uint64_t> value{0};
  void Add(uint64_t n = 1) { value.store(value.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
  uint64_t Get() const { return value.load(std::memory_order_relaxed); }
  void Set(uint64_t n) { value.store(n, std::memory_order_relaxed); }
  void Reset() { value.store(0, std::memory_order_relaxed); }
};

struct CommandCounters {
  CommandCounters() = default;
  CommandCounters(const CommandCounters&) = delete;
  CommandCounters& operator=(const CommandCounters&) = delete;
  ~CommandCounters() { delete histogram.load(std::memory_order_relaxed); }

  Counter calls;
  Counter usec;
  Counter rejected_calls;
  Counter failed_calls;
  // Calls by duration (LATENCY HISTOGRAM, INFO latencystats); null until the owning thread
  // first records one (RecordLatency), then kept until the stats go.
  std::atomic<LatencyHistogram*> histogram{nullptr};

  // Adds one call of duration ns to the histogram. The owning thread only.
  void RecordLatency(int64_t ns) {
    LatencyHistogram* h = histogram.load(std::memory_order_relaxed);
    if (h == nullptr) [[unlikely]] {
      h = new LatencyHistogram();
      histogram.store(h, std::memory_order_release);
    }
    h->Record(ns);
  }
};

// Error replies by error code (INFO errorstats). Touched only when a reply is an error, so a
// mutex is cheap; as in Redis, at most kMaxCodes distinct codes are tracked (a client sending
// made-up error codes through scripts cannot grow it without bound).
class ErrorCounts {
 public:
  static constexpr size_t kMaxCodes = 128;
  void Add(std::string_view code, uint64_t n = 1);
  // Adds this thread's counts into totals.
  void SumInto(std::map<std::string, uint64_t, std::less<>>* totals) const;
  void Reset();

 private:
  mutable std::mutex mu_;
  std::map<std::string, uint64_t, std::less<>> counts_;
};

struct alignas(64) ThreadStats {
  explicit ThreadStats(size_t commands) : per_command(commands) {}
  Counter commands_processed;
  Counter connections_received;
  Counter rejected_connections;
  Counter net_input_bytes;   // replication's bytes included, as Redis counts them
  Counter net_output_bytes;
  Counter net_repl_input_bytes;   // from attached replicas, or from this replica's primary
  Counter net_repl_output_bytes;  // to them
  Counter reads_processed;   // socket reads that brought bytes
  Counter writes_processed;  // attempts to write a client's pending replies
  Counter keyspace_hits;
  Counter keyspace_misses;
  Counter error_replies;
  // Error replies to the primary's stream (a replica's link): INFO unexpected_error_replies.
  Counter unexpected_error_replies;
  Counter dump_payload_sanitizations;  // RESTORE payloads decoded (each element checked)
  // The CPU time this thread has used (getrusage RUSAGE_THREAD), as of its last
  // SampleThreadCpu(): INFO's used_cpu_*_main_thread, summed over the threads that run
  // commands (the I/O threads, a replica's link; the others never sample).
  Counter cpu_user_us;
  Counter cpu_sys_us;
  ErrorCounts errors_by_code;
  std::vector<CommandCounters> per_command;  // indexed by CommandSpec::id

  // Records the calling thread's CPU time so far in cpu_user_us and cpu_sys_us. Call on the
  // thread these stats belong to.
  void SampleThreadCpu();

  // n error replies with this code were sent.
  void NoteErrors(std::string_view code, uint64_t n = 1) {
    error_replies.Add(n);
    errors_by_code.Add(code, n);
  }
};

// A rate as Redis's INFO gives it (instantaneous_ops_per_sec, ..._kbps): the mean of the
// last kSamples rates, each measured between two samples of a growing total (Redis samples
// every 100 ms, cairn once per background cycle: `hz` times a second). Not thread-safe.
class InstantaneousMetric {
 public:
  static constexpr int kSamples = 16;
  void Sample(int64_t now_ms, uint64_t total);
  double PerSecond() const;
  // Forgets the samples; the next one measures from (now_ms, 0) (CONFIG RESETSTAT).
  void Reset(int64_t now_ms);

 private:
  double rates_[kSamples] = {};
  int next_ = 0;
  int64_t last_ms_ = -1;  // -1: no sample yet
  uint64_t last_total_ = 0;
};

// The set of ThreadStats; sums on demand. Thread-safe.
class StatsRegistry {
 public:
  explicit StatsRegistry(size_t commands) : commands_(commands) {}
  // Creates the stats block for one writer thread; lives as long as the registry.
  ThreadStats* Create();
  struct Totals {
    uint64_t commands_processed = 0, connections_received = 0, rejected_connections = 0;
    uint64_t net_input_bytes = 0, net_output_bytes = 0, keyspace_hits = 0, keyspace_misses = 0;
    uint64_t net_repl_input_bytes = 0, net_repl_output_bytes = 0;
    uint64_t reads_processed = 0, writes_processed = 0;
    uint64_t error_replies = 0;
    uint64_t unexpected_error_replies = 0, dump_payload_sanitizations = 0;
    uint64_t cpu_user_us = 0, cpu_sys_us = 0;
  };
  Totals Sum();
  // Samples the totals for the instantaneous rates (the background thread, every cycle).
  void TrackInstantaneous();
  // INFO's instantaneous_* figures, per second.
  struct Rates {
    double ops = 0, input_bytes = 0, output_bytes = 0, repl_input_bytes = 0,
           repl_output_bytes = 0;
  };
  Rates InstantaneousRates() const;
  // Error replies per error code, summed over threads, by code.
  std::map<std::string, uint64_t, std::less<>> SumErrors();
  // out = {calls, usec, rejected, failed} of command id, summed over threads.
  void SumCommand(size_t id, uint64_t out[4]);
  // The latency histogram of command id, summed over threads into *out; false (and *out
  // untouched) when no thread has recorded a call of it.
  bool SumHistogram(size_t id, LatencyHistogram::Counts* out);
  void Reset();

 private:
  Totals SumLocked() const;  // mu_ held

  size_t commands_;
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<ThreadStats>> threads_;
  enum Metric { kOps, kInput, kOutput, kReplInput, kReplOutput, kMetrics };
  InstantaneousMetric metrics_[kMetrics];  // guarded by mu_
};

}  // namespace cairn::server
