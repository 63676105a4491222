// src/commands/server_commands.cc — placeholder while the family is written.
#include "src/command_table.h"

namespace cairn::server {

void RegisterServerCommands(CommandTable& table) {}

}  // namespace cairn::server
