// src/commands/connection_commands.cc — placeholder while the family is written.
#include "src/command_table.h"

namespace cairn::server {

void RegisterConnectionCommands(CommandTable& table) {}

}  // namespace cairn::server
