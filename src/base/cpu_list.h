// src/base/cpu_list.h — Redis's CPU list syntax (server_cpulist, bio_cpulist,
// aof_rewrite_cpulist, bgsave_cpulist):
//
//   list  := range ("," range)*
//   range := cpu                   one CPU
//          | cpu "-" cpu [":" step] every step-th CPU from the first to the last, inclusive
//   cpu, step := decimal digits (step > 0)
//
// "0-7:2" is CPUs 0, 2, 4 and 6; "1,3,8-9" is 1, 3, 8 and 9. Pure functions; any thread.
#pragma once

#include <sched.h>

#include <string_view>

namespace cairn::server {

// Parses text into *cpus; false (and *cpus unspecified) when text does not follow the grammar,
// names no CPU, or names one past what a cpu_set_t holds (CPU_SETSIZE).
bool ParseCpuList(std::string_view text, cpu_set_t* cpus);

}  // namespace cairn::server
