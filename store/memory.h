// store/memory.h — allocator facts for INFO memory and OBJECT/MEMORY accounting.
// Backed by jemalloc's statistics when cairn is built with it, by /proc otherwise (the
// sanitizer builds replace the allocator). Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace cairn::store {

struct MemoryStats {
  size_t allocated_bytes = 0;  // bytes the program holds (used_memory)
  size_t resident_bytes = 0;   // RSS of the process (used_memory_rss)
  size_t peak_allocated_bytes = 0;
  std::string allocator;       // "jemalloc-5.3.0" or "libc"
};

MemoryStats ReadMemoryStats();

// The maxmemory check's view of used memory: cheap enough to consult before every write.
//
// Reading jemalloc's total (ReadMemoryStats) means refreshing its statistics epoch, which
// merges every arena's counters under a global mutex: microseconds, too slow per command.
// Instead the gauge keeps an estimate: the allocator's exact total at the last Refresh, plus
// the net bytes each thread has allocated since, which a thread adds in when it calls Report
// (jemalloc keeps per-thread allocated/deallocated counters that cost one load each). Why
// that is accurate enough: every thread that runs commands reports before each write it
// checks, so the estimate lags only by what threads allocated since their last report (a
// command's worth); background threads (the WAL writer, snapshots) are caught up by the
// periodic Refresh; and the maxmemory check refreshes exactly before it refuses a write or
// evicts, so an estimate that drifted high costs a refresh, never a wrong OOM. Without
// jemalloc (sanitizer builds) the estimate is the process's RSS at the last Refresh.
//
// Threading: every function is thread-safe.
class MemoryGauge {
 public:
  // The estimate, in bytes.
  static size_t Estimate();
  // Adds the calling thread's net allocation since its last report; returns the estimate.
  static size_t Report();
  // Reads the allocator's exact total (costly), makes it the estimate and returns it.
  static size_t Refresh();
  // Refresh() if the last one is older than max_age_ms, else the estimate (Report()).
  static size_t RefreshIfOlderThan(int64_t max_age_ms);
  // Bytes the calling thread has allocated minus bytes it freed, since it started; always
  // 0 without jemalloc (see precise()).
  static int64_t ThreadNetBytes();
  // Bytes the calling thread has allocated since it started, frees not subtracted: unchanged
  // across a call means the call allocated nothing. Always 0 without jemalloc.
  static uint64_t ThreadAllocatedBytes();
  // Whether ThreadNetBytes measures anything (jemalloc build).
  static bool precise();
};
// Size class the allocator really uses for a request of n bytes.
size_t AllocationSize(size_t n);

// MEMORY MALLOC-STATS: jemalloc's own statistics report; without jemalloc, Redis's sentence
// for an allocator that has none.
std::string AllocatorStatsText();
// MEMORY PURGE: returns the allocator's dirty pages to the system. False if it failed (a libc
// build has nothing to purge and succeeds).
bool PurgeAllocator();

}  // namespace cairn::store
