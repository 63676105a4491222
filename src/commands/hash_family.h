// src/commands/hash_family.h — what the files of the hash family share. Internal to
// src/commands/.
#pragma once

#include "src/exec/command.h"
#include "store/types/hash/hash_ops.h"

namespace cairn::server {

class CommandTable;

// HRANDFIELD and HSCAN (hash_scan_commands.cc).
void RegisterHashScanCommands(CommandTable& table);

}  // namespace cairn::server
