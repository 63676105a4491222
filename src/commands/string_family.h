// src/commands/string_family.h — what the files of the string family share: the size limit
// of the strings they build, lookup counting, and the hooks RegisterStringCommands
// (command_table.h) calls to register the commands that live in their own files. Internal to
// src/commands/.
#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>

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

// A bit offset (SETBIT, GETBIT, BITFIELD): 0 up to 8 * proto-max-bulk-len - 1, else it
// replies Redis's "bit offset" error and returns false. With field_bits > 0 (BITFIELD) the
// form #n is accepted too and means n * field_bits.
bool ParseBitOffset(CommandContext& ctx, std::string_view arg, uint64_t* offset,
                    uint32_t field_bits = 0);

// BITFIELD, BITFIELD_RO (bitfield_command.cc); RegisterBitmapCommands calls it.
void RegisterBitfieldCommands(CommandTable& table);

// INCR, DECR, INCRBY, DECRBY, INCRBYFLOAT (counter_commands.cc).
void RegisterCounterCommands(CommandTable& table);
// LCS (lcs_command.cc).
void RegisterLcsCommand(CommandTable& table);

}  // namespace cairn::server
