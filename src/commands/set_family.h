// src/commands/set_family.h — what the files of the set family share: reply helpers and the
// hook that registers the multi-key algebra commands. Internal to src/commands/.
#pragma once

#include <string>
#include <vector>

#include "src/exec/command.h"
#include "store/types/set/set.h"
#include "store/types/set/set_ops.h"

namespace cairn::server {

class CommandTable;

// members as a RESP3 set (as_set) or an array; bulk strings either way.
void ReplyMembers(CommandContext& ctx, const std::vector<std::string>& members, bool as_set);
// Every member of set (nullptr: empty) as a RESP3 set.
void ReplySet(CommandContext& ctx, const store::SetObject* set);

// SINTER SUNION SDIFF, their STORE forms, SINTERCARD (set_algebra_commands.cc).
void RegisterSetAlgebraCommands(CommandTable& table);

}  // namespace cairn::server
