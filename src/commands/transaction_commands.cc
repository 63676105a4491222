// src/commands/transaction_commands.cc — MULTI/EXEC/WATCH (being built; registers nothing yet).
#include "src/command_table.h"

namespace cairn::server {

void RegisterTransactionCommands(CommandTable&) {}

}  // namespace cairn::server
