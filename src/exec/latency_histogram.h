// src/exec/latency_histogram.h — one command's latency distribution on one I/O thread: what
// INFO latencystats reads percentiles from and LATENCY HISTOGRAM reports in powers of two.
//
// Buckets are log-linear over nanoseconds, as an HDR histogram with 2 significant digits
// (Redis 7.0's) lays them out: one bucket per nanosecond below 256 ns, then 128 buckets per
// power of two, so a bucket is at most 1/128 of its values wide. A duration is clamped to
// [1 ns, 1 s], Redis's range. That is kBuckets counters (24 KB), so a thread allocates a
// command's histogram when it first runs the command (CommandCounters in stats.h).
//
// Threading: one writer (the owning I/O thread) adds with relaxed atomics; any thread may
// read or Reset() a histogram concurrently and sees recent counts.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace cairn::server {

class LatencyHistogram {
 public:
  static constexpr int kSubBits = 7;  // 128 buckets per power of two
  static constexpr int64_t kMinNs = 1;
  static constexpr int64_t kMaxNs = 1'000'000'000;
  static constexpr size_t kBuckets = 3072;  // Bucket(kMaxNs) < kBuckets
  using Counts = std::array<uint64_t, kBuckets>;

  // The bucket a duration falls in (clamped to [kMinNs, kMaxNs]), and a bucket's lowest and
  // highest durations.
  static size_t Bucket(int64_t ns);
  static int64_t LowestNs(size_t bucket);
  static int64_t HighestNs(size_t bucket);

  // Adds one call of duration ns. The owning thread only.
  void Record(int64_t ns) {
    std::atomic<uint64_t>& c = counts_[Bucket(ns)];
    c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
  // Adds this histogram's counts into totals.
  void SumInto(Counts* totals) const;
  void Reset();

 private:
  std::array<std::atomic<uint64_t>, kBuckets> counts_{};
};

// The duration at percentile p (0..100) of the calls counted in counts, as Redis's HDR
// histogram answers it: the highest duration of the bucket holding the call ranked
// round(p% of all), at least the first (its lowest duration for p = 0). 0 when nothing was
// counted.
int64_t ValueAtPercentileNs(const LatencyHistogram::Counts& counts, double p);

// LATENCY HISTOGRAM's view: power-of-two buckets from 1024 ns, as Redis 7.0 reports its HDR
// histogram. Coarse bucket b holds durations up to CoarseBucketUsec(b) µs; every fine bucket
// lies within one coarse bucket (CoarseBucket of its lowest duration).
inline constexpr size_t kCoarseBuckets = 21;  // the last one reaches past kMaxNs
size_t CoarseBucket(int64_t ns);
int64_t CoarseBucketUsec(size_t bucket);
std::array<uint64_t, kCoarseBuckets> Coarsen(const LatencyHistogram::Counts& counts);

}  // namespace cairn::server
