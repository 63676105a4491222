// src/commands/string_family.h — what the files of the string family share: small helpers
// for string values, and the hooks RegisterStringCommands (command_table.h) calls to register
// the commands that live in their own files. Internal to src/commands/.
#pragma once

#include <atomic>
#include <cstdint>
#include <utility>

#include "src/exec/command.h"
#include "src/exec/server_state.h"
#include "store/entry.h"

namespace cairn::server {

class CommandTable;

inline bool IsString(const store::Entry* e) { return e->value.type == store::ValueType::kString; }

// A string value; `grown` marks strings built by APPEND/SETRANGE (OBJECT ENCODING "raw").
inline store::Value StringValue(store::BufRef bytes, bool grown = false) {
  return store::Value{store::ValueType::kString, grown, std::move(bytes)};
}

// proto-max-bulk-len bounds every string a command builds (APPEND, SETRANGE) and LCS's table.
inline int64_t MaxBulkLen(CommandContext& ctx) {
  return ctx.server.limits.proto_max_bulk_len.load(std::memory_order_relaxed);
}

// INCR, DECR, INCRBY, DECRBY, INCRBYFLOAT (counter_commands.cc).
void RegisterCounterCommands(CommandTable& table);
// LCS (lcs_command.cc).
void RegisterLcsCommand(CommandTable& table);

}  // namespace cairn::server
