// src/commands/list_commands.cc — lists (being built; registers nothing yet).
#include "src/command_table.h"

namespace cairn::server {

void RegisterListCommands(CommandTable&) {}

}  // namespace cairn::server
