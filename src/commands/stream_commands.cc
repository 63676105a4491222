// src/commands/stream_commands.cc — streams (being built; registers nothing yet).
#include "src/command_table.h"

namespace cairn::server {

void RegisterStreamCommands(CommandTable&) {}

}  // namespace cairn::server
