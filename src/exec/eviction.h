// src/exec/eviction.h — maxmemory on the command path: before a command runs, get used memory
// under the limit by evicting keys as maxmemory-policy says, or report that the server is out
// of memory so deny-oom commands are refused (Redis's processCommand + performEvictions).
//
// Cost: with maxmemory 0 (the default) the dispatcher pays one relaxed atomic load and a
// compare per command. With a limit, each command adds its thread's net allocation to the
// memory gauge (store/memory.h: a few loads and one atomic add) and compares; only when the
// estimate is over the limit does it read the allocator's exact figure and evict.
//
// What is refused when out of memory, as in Redis 7.0: commands flagged deny-oom; inside
// MULTI every command but EXEC, DISCARD, QUIT and RESET (queueing costs memory), which also
// makes EXEC abort; EXEC of a transaction holding a deny-oom command (EXECABORT); EVAL and
// FCALL of a script that declares flags without allow-oom or no-writes; and, inside a script
// without allow-oom, a deny-oom command when the script has not written yet and memory was
// over the limit when the script started (MemoryWasOverAtCommandStart).
//
// Threading: the client's owner thread. Each thread keeps its own eviction pool.
#pragma once

#include <chrono>
#include <string_view>

#include "src/base/config.h"
#include "src/exec/command.h"

namespace cairn::server {

struct ServerState;

// Copies maxmemory and the eviction settings of c into server.limits and the store (after
// load and CONFIG SET).
void ApplyMemoryConfig(ServerState& server, const Config& c);

// The slow path of the dispatcher's check, taken only while maxmemory is set: evicts as the
// policy allows and records whether memory stayed over the limit (for scripts). Replies OOM
// (EXECABORT for EXEC) and returns true when spec must be refused for client.
[[nodiscard]] bool RefusedForMemory(ServerState& server, ClientState& client,
                                    const CommandSpec& spec, resp::Writer& writer);

// Whether memory was over maxmemory (after eviction) when the calling thread's current
// top-level command started; false when maxmemory is 0.
bool MemoryWasOverAtCommandStart(ServerState& server);

// Gets used memory under maxmemory if the policy allows, spending at most the time
// maxmemory-eviction-tenacity gives; returns false if it stays over. Refreshes the gauge's
// estimate exactly when over. Does nothing (true) on a replica or while clients are paused,
// as in Redis. Called before commands and by CONFIG SET, on the caller's thread.
bool PerformEvictions(ServerState& server);

// Records whether used memory stayed over maxmemory after eviction, for INFO's
// total_eviction_exceeded_time and current_eviction_exceeded_time: a period opens when
// eviction leaves memory over the limit (out of time or nothing to evict) and closes at the
// first check that finds it under. Costs one relaxed load when nothing changes. Any thread.
void NoteMemoryOverLimit(ServerState& server, bool over);
// The current period's length and the total of all periods, the current one included (ms).
struct OverLimitTimes {
  int64_t current_ms = 0;
  int64_t total_ms = 0;
};
OverLimitTimes ReadOverLimitTimes(const ServerState& server);
// CONFIG RESETSTAT: both times start again from 0.
void ResetOverLimitTimes(ServerState& server);

// The background job (Redis's eviction time event), for the server's background thread only
// (it keeps its own thread-local pool). When a command's eviction ran out of its time
// (maxmemory-eviction-tenacity) with memory still over maxmemory — CONFIG SET lowered the
// limit far below use, say — the job goes on evicting in rounds of that time, until memory
// is under the limit, nothing is left to evict, or deadline (it resumes at the next call).
// Each round re-reads the exact figure (the I/O threads may be evicting too) and stops the
// job on a replica or while clients are paused. Never runs in builds without jemalloc, which
// cannot measure what an eviction frees. Like Redis, it does not start for memory that went
// over without a command evicting (a large reply): the next command evicts for that.
void EvictInBackground(ServerState& server, std::chrono::steady_clock::time_point deadline);

}  // namespace cairn::server
