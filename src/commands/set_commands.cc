// src/commands/set_commands.cc — sets (being built; registers nothing yet).
#include "src/command_table.h"

namespace cairn::server {

void RegisterSetCommands(CommandTable&) {}

}  // namespace cairn::server
