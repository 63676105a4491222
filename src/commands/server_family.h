// src/commands/server_family.h — the connection and server command families are split over
// several files (one command or concept per file). The command table calls only
// RegisterConnectionCommands and RegisterServerCommands; those call the functions below.
#pragma once

#include <string_view>
#include <vector>

namespace cairn::server {

class CommandTable;
struct CommandContext;
struct CommandSpec;

// DEBUG (debug_command.cc), and its OBJECT <key> (key_commands.cc, beside OBJECT): Redis's
// one-line description.
void RegisterDebugCommand(CommandTable& table);
void CmdDebugObject(CommandContext& ctx);

// CLIENT and its subcommands (client_command.cc).
void RegisterClientCommand(CommandTable& table);
void RegisterAclCommand(CommandTable& table);
// CLIENT TRACKING / CACHING / TRACKINGINFO / GETREDIR (tracking_commands.cc), which
// RegisterClientCommand appends to CLIENT's subcommands.
std::vector<CommandSpec> ClientTrackingSubcommands();
// INFO (info_command.cc).
void RegisterInfoCommand(CommandTable& table);
// CONFIG and its subcommands (config_command.cc).
void RegisterConfigCommand(CommandTable& table);
// COMMAND and its subcommands (command_command.cc).
void RegisterCommandCommand(CommandTable& table);

// CLUSTER, ASKING, READONLY, READWRITE (cluster_commands.cc), MODULE (module_command.cc),
// LOLWUT (lolwut_command.cc).
void RegisterClusterCommands(CommandTable& table);
// The handler of a CLUSTER subcommand ("cluster|info") in cluster mode, which answers
// "cluster support disabled" itself when cluster-enabled is no (cluster_node_commands.cc).
using ClusterHandler = void (*)(CommandContext& ctx);
ClusterHandler ClusterNodeHandler(std::string_view name);
void RegisterModuleCommand(CommandTable& table);
void RegisterLolwutCommand(CommandTable& table);

// MEMORY (memory_commands.cc), SLOWLOG (slowlog_command.cc), LATENCY (latency_command.cc).
void RegisterMemoryCommand(CommandTable& table);
void RegisterSlowlogCommand(CommandTable& table);
void RegisterLatencyCommand(CommandTable& table);

}  // namespace cairn::server
