// src/commands/command_docs.h — COMMAND DOCS: a command's documentation map.
//
// For every command Redis 7.0 has, the map is Redis's own, field for field (summary, since,
// group, complexity, doc_flags, deprecated_since, replaced_by, history, arguments), from
// command_docs_table.inc, which scripts/gen_command_tables.py writes from a live
// redis-server. Only for commands Redis 7.0 lacks (CLIENT SETINFO) are the "arguments" built
// from the syntax grammar in CommandSpec::syntax, described below.
//
// The grammar is the one the Redis documentation prints after a command's name:
//
//   syntax  := item*
//   item    := WORD | TOKEN | '[' alts ']' | '<' alts '>' | '(' alts ')' | '...'
//   alts    := item* ('|' item*)*
//
// An UPPER-CASE word is a literal token (NX, EX, WITHSCORES); any other word names an
// argument. "[x]" makes x optional; "a | b" is a choice (type "oneof"); several items in one
// group form a "block"; a group that starts with a token followed by one argument ("EX
// seconds") becomes that argument with the token attached. "x [x ...]" and "x ..." make x
// repeatable ("multiple"). Argument types are inferred from names: key names become "key"
// (only for commands that take keys), "unix-time-*" is "unix-time", "pattern" is "pattern",
// counts, offsets and times are "integer", scores are "double", the rest "string". Choices
// and blocks are named the way Redis names the common ones ("condition", "expiration"),
// otherwise after their members.
//
// redis-cli builds its help and hints from this reply, so every argument has a name and a
// type and flags are status strings, as it expects. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "resp/writer.h"
#include "src/exec/command.h"

namespace cairn::server {

struct ArgDoc {
  std::string name;
  // "key", "string", "integer", "double", "pattern", "unix-time", "pure-token", "oneof",
  // "block".
  std::string type;
  std::string token;        // the literal preceding the argument, if any
  int key_spec_index = -1;  // for keys: the key's position among the command's keys
  bool optional = false;
  bool multiple = false;
  bool multiple_token = false;    // the token repeats with each value
  std::vector<ArgDoc> arguments;  // oneof and block members
};

// Parses a syntax grammar. has_keys: whether the command takes keys (otherwise no argument
// is typed "key"). Malformed grammar (an unclosed bracket) is read as if closed at the end.
std::vector<ArgDoc> ParseSyntax(std::string_view syntax, bool has_keys);

// Writes the "arguments" array for args.
void WriteArgDocs(resp::Writer& w, const std::vector<ArgDoc>& args);

// Writes the documentation map of one command or subcommand: summary, since, group,
// complexity, arguments and subcommands (a map of full name to documentation map).
void WriteCommandDocs(resp::Writer& w, const CommandSpec& spec);

}  // namespace cairn::server
