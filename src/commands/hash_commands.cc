// src/commands/hash_commands.cc — hashes (being built; registers nothing yet).
#include "src/command_table.h"

namespace cairn::server {

void RegisterHashCommands(CommandTable&) {}

}  // namespace cairn::server
