// src/commands/zset_commands.cc — sorted sets (being built; registers nothing yet).
#include "src/command_table.h"

namespace cairn::server {

void RegisterZSetCommands(CommandTable&) {}

}  // namespace cairn::server
