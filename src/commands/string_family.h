// src/commands/string_family.h — what the files of the string family share: the size limit
// of the strings they build, lookup counting, and the hooks RegisterStringCommands
// (command_table.h) calls to register the commands that live in their own files. Internal to
// src/commands/.
#pragma once

#include <atomic>
#include <cstdint>

#include "src/exec/command.h"
#include "src/exec/server_state.h"

namespace cairn::server {

class CommandTable;

// proto-max-bulk-len bounds every string a command builds (APPEND, SETRANGE) and LCS's table.
inline int64_t MaxBulkLen(CommandContext& ctx) {
  return ctx.server.limits.proto_max_bulk_len.load(std::memory_order_relaxed);
}

// Counts a read of a key in INFO's keyspace_hits or keyspace_misses.
inline void CountLookup(CommandContext& ctx, bool hit) {
  (hit ? ctx.stats.keyspace_hits : ctx.stats.keyspace_misses).Add();
}

// INCR, DECR, INCRBY, DECRBY, INCRBYFLOAT (counter_commands.cc).
void RegisterCounterCommands(CommandTable& table);
// LCS (lcs_command.cc).
void RegisterLcsCommand(CommandTable& table);

}  // namespace cairn::server
