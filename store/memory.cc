// store/memory.cc — see memory.h.
#include "store/memory.h"

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

}  // namespace

MemoryStats ReadMemoryStats() {
  MemoryStats s;
  s.resident_bytes = ReadRss();
#ifdef CAIRN_HAVE_JEMALLOC
  uint64_t epoch = 1;
  size_t len = sizeof(epoch);
  mallctl("epoch", &epoch, &len, &epoch, len);  // refresh the cached statistics
  len = sizeof(s.allocated_bytes);
  mallctl("stats.allocated", &s.allocated_bytes, &len, nullptr, 0);
  const char* version = "";
  len = sizeof(version);
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
