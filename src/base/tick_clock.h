// src/base/tick_clock.h — a cheap clock for durations on hot paths: every command's run time
// (Redis's commandstats usec, the latency histogram, the slow log) is two reads of it.
//
// On x86-64 CPUs whose time-stamp counter runs at a constant rate in every power state
// (/proc/cpuinfo flags constant_tsc and nonstop_tsc) a tick is one TSC cycle, read with
// rdtsc in about 10 ns, against 25–30 ns for clock_gettime when the kernel's clock source is
// kvm-clock, as on most cloud VMs. Ticks become nanoseconds with a rate measured against
// CLOCK_MONOTONIC by Calibrate(). Elsewhere, and until Calibrate() ran (unit tests), a tick is
// a nanosecond of std::chrono::steady_clock.
//
// Only for short durations measured on one thread: TSCs of different cores agree on such CPUs,
// but a rate measured over milliseconds is not a wall clock.
//
// Threading: Calibrate() once, before the threads that read the clock start; the rest is
// thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

namespace cairn::tick_clock {

namespace detail {
inline bool use_tsc = false;
inline double ns_per_tick = 1.0;
}  // namespace detail

// Decides the clock source and measures the TSC rate (about 10 ms). Idempotent.
void Calibrate();

// The clock in use as Redis's INFO monotonic_clock names its own: "X86 TSC @ <ticks per µs>
// ticks/us" or "POSIX clock_gettime".
std::string SourceName();

inline uint64_t Now() {
#if defined(__x86_64__)
  if (detail::use_tsc) return __rdtsc();
#endif
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

// Nanoseconds between two Now() readings, start first (0 if the clock went backwards).
inline int64_t ElapsedNs(uint64_t start, uint64_t end) {
  if (end <= start) return 0;
  return static_cast<int64_t>(static_cast<double>(end - start) * detail::ns_per_tick);
}

}  // namespace cairn::tick_clock
