// store/memory.h — allocator facts for INFO memory and OBJECT/MEMORY accounting.
// Backed by jemalloc's statistics when cairn is built with it, by /proc otherwise (the
// sanitizer builds replace the allocator). Thread-safe.
#pragma once

#include <cstddef>
#include <string>

namespace cairn::store {

struct MemoryStats {
  size_t allocated_bytes = 0;  // bytes the program holds (used_memory)
  size_t resident_bytes = 0;   // RSS of the process (used_memory_rss)
  size_t peak_allocated_bytes = 0;
  std::string allocator;       // "jemalloc-5.3.0" or "libc"
};

MemoryStats ReadMemoryStats();
// Size class the allocator really uses for a request of n bytes.
size_t AllocationSize(size_t n);

// MEMORY MALLOC-STATS: jemalloc's own statistics report; without jemalloc, Redis's sentence
// for an allocator that has none.
std::string AllocatorStatsText();
// MEMORY PURGE: returns the allocator's dirty pages to the system. False if it failed (a libc
// build has nothing to purge and succeeds).
bool PurgeAllocator();

}  // namespace cairn::store
