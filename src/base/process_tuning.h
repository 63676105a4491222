// src/base/process_tuning.h — how the kernel treats the server process, as Redis 7.0 sets it:
// transparent huge pages (disable-thp) and the OOM killer's preference (oom-score-adj,
// oom-score-adj-values). Linux only; each call is a few system calls.
//
// Threading: any thread; SetOomScoreAdj serializes itself.
#pragma once

#include <string>
#include <string_view>

namespace cairn::server {

// The text of /sys/kernel/mm/transparent_hugepage/enabled ("" when unreadable).
std::string ReadThpSetting();

// With the kernel's setting at "always" (setting: the text above), turns transparent huge
// pages off for this process (prctl PR_SET_THP_DISABLE), as Redis does with disable-thp yes:
// they make memory use and latency jump. Under "madvise" or "never" nothing is needed.
// Returns whether it turned them off.
bool DisableThpIfAlways(std::string_view setting);

enum class OomScoreMode { kNo, kRelative, kAbsolute };

// oom-score-adj: kRelative and kAbsolute set /proc/self/oom_score_adj to value (relative:
// plus the score the process had before cairn first changed it), clamped to [-1000, 1000];
// kNo puts that first score back, or leaves the file alone if cairn never changed it.
// Writes only when the score would change. Returns "" or why it failed.
std::string SetOomScoreAdj(OomScoreMode mode, int value);

}  // namespace cairn::server
