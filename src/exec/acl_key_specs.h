// src/exec/acl_key_specs.h — which keys of a command's arguments an ACL key pattern must allow,
// and whether the command reads them, writes them, or both; the key flags COMMAND
// GETKEYSANDFLAGS reports for each; and the key specs COMMAND INFO shows.
//
// %R~ / %W~ patterns grant read or write access only, so the check needs Redis's key specs:
// where each key starts (a fixed index or after a keyword), how many follow (a range or a
// count argument), and the access flags. Those come from a table generated from redis-server's
// own COMMAND reply (scripts/gen_command_tables.py), so cairn grants exactly what Redis grants.
// Thread-safe (the table is constant).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace cairn::server {

struct CommandSpec;

// What an ACL key pattern must allow for a key (%R~, %W~).
enum KeyAccess : uint8_t {
  kKeyRead = 1,   // the command reads the key's value ("access")
  kKeyWrite = 2,  // the command inserts, updates or deletes it
};

// Redis's key-spec flags (COMMAND INFO's key_specs flags), in the order Redis prints them.
enum KeySpecFlag : uint16_t {
  kSpecRO = 1 << 0,
  kSpecRW = 1 << 1,
  kSpecOW = 1 << 2,
  kSpecRM = 1 << 3,
  kSpecAccess = 1 << 4,
  kSpecUpdate = 1 << 5,
  kSpecInsert = 1 << 6,
  kSpecDelete = 1 << 7,
  kSpecNotKey = 1 << 8,  // looks like a key but is not one (SPUBLISH's channel): not checked
  // The spec may miss keys (MIGRATE's KEYS: "KEYS" may also be an AUTH password). Redis then
  // finds the keys by parsing the arguments; cairn uses the command's key positions.
  kSpecIncomplete = 1 << 9,
  kSpecVariableFlags = 1 << 10,
};
// Redis's names of the flags set in flags, in Redis's order ("OW", "update").
std::vector<std::string_view> KeySpecFlagNames(uint16_t flags);

// One key spec, in Redis's terms.
struct AclKeySpec {
  std::string_view command;  // "get", "xinfo|stream"
  enum Begin : uint8_t { kIndex, kKeyword, kUnknown };
  enum Find : uint8_t { kRange, kKeynum, kUnknownFind };
  Begin begin;
  int start;                 // kIndex: the index; kKeyword: where the search starts (<0: from end)
  std::string_view keyword;  // kKeyword
  Find find;
  int a, b, c;  // kRange: lastkey, keystep, limit; kKeynum: keynumidx, firstkey, keystep
  uint16_t flags;  // KeySpecFlag: the spec's flags as Redis declares them
  std::string_view notes = {};  // COMMAND INFO's notes, where Redis gives some
};

// The key specs of a command ("get") or subcommand ("xinfo|stream"); empty for commands
// without keys and commands Redis does not have.
std::span<const AclKeySpec> FindAclKeySpecs(std::string_view full_name);

// Calls visit(index, access) for each key argument of args (args[0] the command name), with
// the access Redis checks for it: what the key's flags (ForEachKeyAndFlags) say (SET without
// GET only writes; BITFIELD with only GET subcommands only reads). Thread: any.
using AclKeyVisitor = void (*)(void* context, size_t index, uint8_t access);
void ForEachAclKey(const CommandSpec& spec, std::span<const std::string_view> args,
                   AclKeyVisitor visit, void* context);

// COMMAND GETKEYSANDFLAGS: calls visit(index, flags) for each key argument with the
// KeySpecFlag set Redis reports for it: the flags of the key spec that found it, or, where
// Redis runs code to find the keys (variable flags, an incomplete or unknown spec), what that
// code reports (SET without GET: OW update; SORT: its key RO access, a STORE target OW
// update; MIGRATE: RW access delete). Keys that are not keys (SPUBLISH's channel) are skipped.
using KeyFlagsVisitor = void (*)(void* context, size_t index, uint16_t flags);
void ForEachKeyAndFlags(const CommandSpec& spec, std::span<const std::string_view> args,
                        KeyFlagsVisitor visit, void* context);

template <typename Visit>
void ForEachKeyAndFlags(const CommandSpec& spec, std::span<const std::string_view> args,
                        Visit&& visit) {
  ForEachKeyAndFlags(
      spec, args,
      [](void* context, size_t index, uint16_t flags) {
        (*static_cast<Visit*>(context))(index, flags);
      },
      &visit);
}

template <typename Visit>
void ForEachAclKey(const CommandSpec& spec, std::span<const std::string_view> args, Visit&& visit) {
  ForEachAclKey(
      spec, args,
      [](void* context, size_t index, uint8_t access) {
        (*static_cast<Visit*>(context))(index, access);
      },
      &visit);
}

}  // namespace cairn::server
