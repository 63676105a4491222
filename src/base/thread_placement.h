// src/base/thread_placement.h — names each of cairn's threads and pins it to the CPUs its role
// is configured for, as Redis does with its four CPU lists (cpu_list.h; immutable, read at
// startup).
//
//   role         list                  threads
//   kServer      server_cpulist        the I/O threads (they run commands, as Redis's main
//                                      and I/O threads do), the main thread, the background
//                                      cron, a replica's link to its primary
//   kBackground  bio_cpulist           the WAL's commit thread and the lazy-free thread
//                                      (Redis's bio threads)
//   kSave        bgsave_cpulist        snapshots and RDB files (BGSAVE, SAVE points, a full
//                                      sync's RDB)
//   kRewrite     aof_rewrite_cpulist   the snapshot that trims the WAL (BGREWRITEAOF)
//
// Redis forks its savers from the main thread, so without a list of their own kSave and
// kRewrite follow server_cpulist; any other role without a list keeps the CPUs the process
// started with. With no list configured, nothing is pinned (no system call).
//
// Threading: ConfigureThreadPlacement once, before the threads it places start;
// PlaceThisThread on any thread afterwards.
#pragma once

#include <string>
#include <vector>

namespace cairn::server {

enum class ThreadRole { kServer, kBackground, kSave, kRewrite };

struct CpuLists {
  std::string server;      // server_cpulist
  std::string background;  // bio_cpulist
  std::string save;        // bgsave_cpulist
  std::string rewrite;     // aof_rewrite_cpulist
};

// Takes the lists ("" = none); returns a warning for each that does not parse or names no CPU
// the process may use, which is then ignored, as Redis ignores it.
std::vector<std::string> ConfigureThreadPlacement(const CpuLists& lists);

// Gives the calling thread its name (as top -H shows it; at most 15 characters are kept) and
// pins it to its role's CPUs.
void PlaceThisThread(ThreadRole role, const char* name);

}  // namespace cairn::server
