// src/exec/command_table.h — the registry of commands: case-insensitive lookup, arity, flags, key
// positions, documentation. Built once at startup, then read-only (any thread may read).
#pragma once

#include <deque>
#include <initializer_list>
#include <string_view>
#include <vector>

#include "src/exec/command.h"

namespace cairn::server {

class CommandTable {
 public:
  CommandTable();  // registers every command family

  // nullptr if unknown. No allocation: names are lower-cased into a stack buffer.
  const CommandSpec* Find(std::string_view name) const;
  // The subcommand of a container command, or nullptr.
  static const CommandSpec* FindSub(const CommandSpec& parent, std::string_view name);
  // A command by name, or a subcommand by "parent|sub" (COMMAND INFO, LATENCY HISTOGRAM).
  const CommandSpec* FindFull(std::string_view name) const;
  // Every top-level command, in registration order.
  const std::deque<CommandSpec>& all() const { return commands_; }
  // Total stats slots (commands and subcommands).
  size_t slot_count() const { return slots_; }
  // The command or subcommand of stats slot id.
  const CommandSpec* BySlot(size_t id) const { return by_slot_[id]; }

  // Adds a family's entries in order; COMMAND and COMMAND LIST list them in this order.
  void Add(std::initializer_list<CommandSpec> specs);
  // Appends subcommands to the container command parent (added earlier), for subcommands
  // that live in a file of their own (CLIENT TRACKING...). Aborts if parent is unknown.
  void AppendSubcommands(std::string_view parent, std::vector<CommandSpec> subs);

 private:
  void AddOne(CommandSpec spec);
  // Puts spec in index_, doubling it first when it would be more than a quarter full.
  void Index(const CommandSpec* spec);

  std::deque<CommandSpec> commands_;  // stable addresses
  // Open addressing over the lower-case names, hashed with case folded in, so that a
  // lookup neither copies the name nor compares more than one or two entries; kept at most
  // a quarter full. Every command is looked up by name once per request.
  std::vector<const CommandSpec*> index_;
  std::vector<const CommandSpec*> by_slot_;
  size_t slots_ = 0;
};

// Each command family adds its table of specs (src/commands/*.cc).
void RegisterConnectionCommands(CommandTable& table);
void RegisterServerCommands(CommandTable& table);
void RegisterStringCommands(CommandTable& table);
void RegisterBitmapCommands(CommandTable& table);
void RegisterScriptCommands(CommandTable& table);
void RegisterFunctionCommands(CommandTable& table);
void RegisterHyperLogLogCommands(CommandTable& table);
void RegisterKeyCommands(CommandTable& table);
void RegisterDumpCommands(CommandTable& table);
void RegisterMigrateCommand(CommandTable& table);
void RegisterSortCommands(CommandTable& table);
void RegisterPersistenceCommands(CommandTable& table);
void RegisterReplicationCommands(CommandTable& table);
void RegisterListCommands(CommandTable& table);
void RegisterHashCommands(CommandTable& table);
void RegisterSetCommands(CommandTable& table);
void RegisterZSetCommands(CommandTable& table);
void RegisterGeoCommands(CommandTable& table);
void RegisterStreamCommands(CommandTable& table);
void RegisterTransactionCommands(CommandTable& table);
void RegisterPubSubCommands(CommandTable& table);
void RegisterMonitorCommand(CommandTable& table);

}  // namespace cairn::server
