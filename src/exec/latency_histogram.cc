// src/exec/latency_histogram.cc — see latency_histogram.h.
#include "src/exec/latency_histogram.h"

#include <algorithm>
#include <bit>

namespace cairn::server {
namespace {

constexpr size_t kExact = size_t{2} << LatencyHistogram::kSubBits;  // 256: one per ns below
constexpr size_t kPerPower = size_t{1} << LatencyHistogram::kSubBits;

static_assert(kExact <= LatencyHistogram::kBuckets);

constexpr int64_t kFirstCoarseNs = 1024;

// A coarse bucket's highest duration: its power of two plus the width of the first fine
// bucket there (1/128 of it), minus one — where an HDR histogram's bucket ends.
int64_t CoarseHighestNs(size_t bucket) {
  int64_t base = kFirstCoarseNs << bucket;
  return base + base / 128 - 1;
}

}  // namespace

size_t LatencyHistogram::Bucket(int64_t ns) {
  uint64_t v = static_cast<uint64_t>(std::clamp(ns, kMinNs, kMaxNs));
  if (v < kExact) return static_cast<size_t>(v);
  // v = top << shift with top in [128, 256): bucket shift * 128 + top.
  int shift = std::bit_width(v) - 1 - kSubBits;
  return static_cast<size_t>(shift) * kPerPower + static_cast<size_t>(v >> shift);
}

int64_t LatencyHistogram::LowestNs(size_t bucket) {
  if (bucket < kExact) return static_cast<int64_t>(bucket);
  size_t shift = bucket / kPerPower - 1;
  return static_cast<int64_t>((bucket - shift * kPerPower) << shift);
}

int64_t LatencyHistogram::HighestNs(size_t bucket) {
  if (bucket < kExact) return static_cast<int64_t>(bucket);
  size_t shift = bucket / kPerPower - 1;
  return static_cast<int64_t>((bucket - shift * kPerPower + 1) << shift) - 1;
}

void LatencyHistogram::SumInto(Counts* totals) const {
  for (size_t i = 0; i < kBuckets; ++i) (*totals)[i] += counts_[i].load(std::memory_order_relaxed);
}

void LatencyHistogram::Reset() {
  for (std::atomic<uint64_t>& c : counts_) c.store(0, std::memory_order_relaxed);
}

int64_t ValueAtPercentileNs(const LatencyHistogram::Counts& counts, double p) {
  uint64_t total = 0;
  for (uint64_t c : counts) total += c;
  if (total == 0) return 0;
  double wanted = std::min(std::max(p, 0.0), 100.0) / 100 * static_cast<double>(total) + 0.5;
  uint64_t rank = std::max<uint64_t>(static_cast<uint64_t>(wanted), 1);
  uint64_t seen = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    seen += counts[i];
    // The 0th percentile is the lowest duration there is, every other one a bucket's top.
    if (seen < rank) continue;
    return p <= 0 ? LatencyHistogram::LowestNs(i) : LatencyHistogram::HighestNs(i);
  }
  return LatencyHistogram::kMaxNs;  // not reached: rank <= total
}

size_t CoarseBucket(int64_t ns) {
  if (ns <= kFirstCoarseNs) return 0;
  // The power of two at or above the duration, then one step down when the bucket below
  // still holds it (each bucket reaches 1/128 past its power of two).
  size_t b = static_cast<size_t>(std::bit_width(static_cast<uint64_t>(ns - 1))) - 10;
  if (b >= kCoarseBuckets) return kCoarseBuckets - 1;
  return ns <= CoarseHighestNs(b - 1) ? b - 1 : b;
}

int64_t CoarseBucketUsec(size_t bucket) { return CoarseHighestNs(bucket) / 1000; }

std::array<uint64_t, kCoarseBuckets> Coarsen(const LatencyHistogram::Counts& counts) {
  std::array<uint64_t, kCoarseBuckets> out{};
  for (size_t i = 0; i < counts.size(); ++i) {
    if (counts[i] != 0) out[CoarseBucket(LatencyHistogram::LowestNs(i))] += counts[i];
  }
  return out;
}

}  // namespace cairn::server
