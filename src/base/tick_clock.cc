// src/base/tick_clock.cc — see tick_clock.h.
#include "src/base/tick_clock.h"

#include <fstream>
#include <string>
#include <thread>

namespace cairn::tick_clock {
namespace {

// Whether the CPU's TSC ticks at one rate whatever the core's frequency or sleep state.
bool InvariantTsc() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("flags", 0) != 0) continue;
    line += ' ';
    return line.find(" constant_tsc ") != std::string::npos &&
           line.find(" nonstop_tsc ") != std::string::npos;
  }
  return false;
}

}  // namespace

void Calibrate() {
#if defined(__x86_64__)
  if (detail::use_tsc || !InvariantTsc()) return;
  using std::chrono::steady_clock;
  auto t0 = steady_clock::now();
  uint64_t c0 = __rdtsc();
  std::this_thread::sleep_for(std::chrono::milliseconds(10));
  auto t1 = steady_clock::now();
  uint64_t c1 = __rdtsc();
  double ns = static_cast<double>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
  if (c1 <= c0 || ns <= 0) return;  // a counter that did not advance: keep steady_clock
  detail::ns_per_tick = ns / static_cast<double>(c1 - c0);
  detail::use_tsc = true;
#endif
}

std::string SourceName() {
  if (!detail::use_tsc) return "POSIX clock_gettime";
  return "X86 TSC @ " + std::to_string(static_cast<long>(1000 / detail::ns_per_tick + 0.5)) +
         " ticks/us";
}

}  // namespace cairn::tick_clock
