// src/commands/key_commands.cc — placeholder while the family is written.
#include "src/command_table.h"

namespace cairn::server {

void RegisterKeyCommands(CommandTable& table) {}

}  // namespace cairn::server
