// store/memory.cc — see memory.h.
#include "store/memory.h"

#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdio>

#ifdef CAIRN_HAVE_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

namespace cairn::store {
namespace {

std::atomic<size_t> peak{0};

size_t ReadRss() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  unsigned long pages = 0, resident = 0;
  int n = std::fscanf(f, "%lu %lu", &pages, &resident);
  std::fclose(f);
  return n == 2 ? resident * static_cast<size_t>(sysconf(_SC_PAGESIZE)) : 0;
}

// The allocator's exact total of allocated bytes (RSS without jemalloc).
size_t ReadAllocatedBytes() {
#ifdef CAIRN_HAVE_JEMALLOC
  uint64_t epoch = 1;
  size_t len = sizeof(epoch);
  mallctl("epoch", &epoch, &len, &epoch, len);  // refresh the cached statistics
  size_t allocated = 0;
  len = sizeof(allocated);
  mallctl("stats.allocated", &allocated, &len, nullptr, 0);
  return allocated;
#else
  return ReadRss();
#endif
}

}  // namespace

MemoryStats ReadMemoryStats() {
  MemoryStats s;
  s.resident_bytes = ReadRss();
#ifdef CAIRN_HAVE_JEMALLOC
  s.allocated_bytes = ReadAllocatedBytes();
  const char* version = "";
  size_t len = sizeof(version);
  mallctl("version", &version, &len, nullptr, 0);
  s.allocator = std::string("jemalloc-") + std::string(version).substr(0, 5);
#else
  s.allocated_bytes = s.resident_bytes;
  s.allocator = "libc";
#endif
  size_t seen = peak.load(std::memory_order_relaxed);
  while (s.allocated_bytes > seen && !peak.compare_exchange_weak(seen, s.allocated_bytes)) {
  }
  s.peak_allocated_bytes = peak.load(std::memory_order_relaxed);
  return s;
}

namespace {

std::atomic<int64_t> gauge_estimate{0};
std::atomic<int64_t> gauge_refreshed_ms{0};

int64_t CoarseMonotonicMs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);  // vDSO, a few ns
  return int64_t{ts.tv_sec} * 1000 + ts.tv_nsec / 1000000;
}

struct ThreadCounters {
  uint64_t* allocated = nullptr;    // jemalloc's thread.allocatedp
  uint64_t* deallocated = nullptr;  // jemalloc's thread.deallocatedp
  int64_t reported = 0;             // net bytes already added to the estimate
  bool initialised = false;
};

ThreadCounters& Counters() {
  thread_local ThreadCounters c;
  if (!c.initialised) {
    c.initialised = true;
#ifdef CAIRN_HAVE_JEMALLOC
    size_t len = sizeof(c.allocated);
    if (mallctl("thread.allocatedp", &c.allocated, &len, nullptr, 0) != 0 ||
        mallctl("thread.deallocatedp", &c.deallocated, &len, nullptr, 0) != 0) {
      c.allocated = c.deallocated = nullptr;
    }
#endif
    c.reported = MemoryGauge::ThreadNetBytes();
  }
  return c;
}

}  // namespace

int64_t MemoryGauge::ThreadNetBytes() {
  ThreadCounters& c = Counters();
  if (c.allocated == nullptr) return 0;
  return static_cast<int64_t>(*c.allocated - *c.deallocated);
}

uint64_t MemoryGauge::ThreadAllocatedBytes() {
  ThreadCounters& c = Counters();
  return c.allocated != nullptr ? *c.allocated : 0;
}

bool MemoryGauge::precise() { return Counters().allocated != nullptr; }

size_t MemoryGauge::Estimate() {
  int64_t v = gauge_estimate.load(std::memory_order_relaxed);
  return v > 0 ? static_cast<size_t>(v) : 0;
}

size_t MemoryGauge::Report() {
  ThreadCounters& c = Counters();
  int64_t net = ThreadNetBytes();
  int64_t delta = net - c.reported;
  c.reported = net;
  if (delta == 0) return Estimate();
  int64_t v = gauge_estimate.fetch_add(delta, std::memory_order_relaxed) + delta;
  return v > 0 ? static_cast<size_t>(v) : 0;
}

size_t MemoryGauge::Refresh() {
  Counters().reported = ThreadNetBytes();  // this thread's past is in the exact figure
  size_t exact = ReadAllocatedBytes();
  gauge_estimate.store(static_cast<int64_t>(exact), std::memory_order_relaxed);
  gauge_refreshed_ms.store(CoarseMonotonicMs(), std::memory_order_relaxed);
  return exact;
}

size_t MemoryGauge::RefreshIfOlderThan(int64_t max_age_ms) {
  int64_t last = gauge_refreshed_ms.load(std::memory_order_relaxed);
  if (CoarseMonotonicMs() - last > max_age_ms) return Refresh();
  return Report();
}

size_t AllocationSize(size_t n) {
#ifdef CAIRN_HAVE_JEMALLOC
  return nallocx(n, 0);
#else
  return n;
#endif
}

std::string AllocatorStatsText() {
#ifdef CAIRN_HAVE_JEMALLOC
  std::string text;
  malloc_stats_print(
      [](void* out, const char* chunk) { static_cast<std::string*>(out)->append(chunk); }, &text,
      nullptr);
  return text;
#else
  return "Stats not supported for the current allocator";
#endif
}

bool PurgeAllocator() {
#ifdef CAIRN_HAVE_JEMALLOC
  unsigned arenas = 0;
  size_t len = sizeof(arenas);
  if (mallctl("arenas.narenas", &arenas, &len, nullptr, 0) != 0) return false;
  // arena.<narenas> names every arena at once (MALLCTL_ARENAS_ALL's spelling by number).
  std::string name = "arena." + std::to_string(arenas) + ".purge";
  return mallctl(name.c_str(), nullptr, nullptr, nullptr, 0) == 0;
#else
  return true;
#endif
}

}  // namespace cairn::store
