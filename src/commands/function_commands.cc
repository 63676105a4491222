// src/commands/function_commands.cc — FCALL, FCALL_RO and FUNCTION (LOAD, DELETE, FLUSH, LIST,
// DUMP, RESTORE, STATS, KILL, HELP). Libraries live in the registry (src/exec/functions.h) and
// as store metadata, so they are logged and recovered like data; DUMP/RESTORE payloads are
// Redis's (RDB function opcodes, RDB version 10, CRC-64), so they move between cairn and Redis.
#include <string>
#include <vector>

#include "resp/number.h"
#include "src/base/glob.h"
#include "src/commands/help_reply.h"
#include "src/commands/script_family.h"
#include "src/exec/command_table.h"
#include "src/exec/errors.h"
#include "src/exec/reply.h"
#include "src/exec/server_state.h"
#include "src/scripting/script_engine.h"
#include "store/rdb/dump_payload.h"
#include "store/rdb/rdb_format.h"
#include "store/rdb/rdb_string.h"

namespace cairn::server {
namespace {

using scripting::RunRequest;
using scripting::ScriptEngine;


std::string MetaName(std::string_view library) {
  return std::string(kFunctionMetaPrefix) + std::string(library);
}

// ---- FCALL -----------------------------------------------------------------------------

void FcallGeneric(CommandContext& ctx, bool ro_command) {
  std::shared_ptr<FunctionInfo> fn = ctx.server.functions.FindFunction(ctx.args[1]);
  if (fn == nullptr) {
    ctx.reply.WriteError("ERR Function not found");
    return;
  }
  int64_t n = 0;
  if (!resp::ParseInt64(ctx.args[2], &n)) {
    ctx.reply.WriteError("ERR Bad number of keys provided");
    return;
  }
  if (n > static_cast<int64_t>(ctx.args.size()) - 3) {
    ctx.reply.WriteError("ERR Number of keys can't be greater than number of args");
    return;
  }
  if (n < 0) {
    ctx.reply.WriteError("ERR Number of keys can't be negative");
    return;
  }
  if (!MayRunScript(ctx, fn->flags, ro_command)) return;
  ScriptEngine& engine = ScriptEngine::ForThread(ctx.server);
  engine.SyncFunctions();
  auto numkeys = static_cast<size_t>(n);
  RunRequest request;
  request.function = fn->name;
  request.funcname = fn->name;
  request.keys = ctx.args.subspan(3, numkeys);
  request.args = ctx.args.subspan(3 + numkeys);
  request.script_flags = fn->flags;
  request.read_only = ro_command || (fn->flags & kScriptNoWrites);
  request.is_eval = false;
  request.lock_mode = &fn->lock_mode;
  engine.Run(ctx, request);
}

void CmdFcall(CommandContext& ctx) { FcallGeneric(ctx, false); }
void CmdFcallRo(CommandContext& ctx) { FcallGeneric(ctx, true); }

// ---- FUNCTION LOAD / DELETE / FLUSH ------------------------------------------------------

void CmdFunctionLoad(CommandContext& ctx) {
  bool replace = false;
  size_t i = 2;
  for (; i + 1 < ctx.args.size(); ++i) {
    if (!EqualsIgnoreCase(ctx.args[i], "replace")) {
      ctx.reply.WriteError("ERR Unknown option given: " + std::string(ctx.args[i]));
      return;
    }
    replace = true;
  }
  if (i >= ctx.args.size()) {
    ctx.reply.WriteError("ERR Function code is missing");
    return;
  }
  Result<std::shared_ptr<Library>> lib = ScriptEngine::ForThread(ctx.server).CompileLibrary(
      ctx.args[i], ScriptEngine::kLoadTimeoutMs);
  if (!lib.ok()) {
    ctx.reply.WriteError("ERR " + std::string(lib.status().message()));
    return;
  }
  std::string name = (*lib)->name;
  std::string code = (*lib)->code;
  if (Status st = ctx.server.functions.Add(std::move(*lib), replace); !st.ok()) {
    ctx.reply.WriteError("ERR " + std::string(st.message()));
    return;
  }
  ctx.server.store.SetMeta(MetaName(name), code);
  ctx.reply.WriteBulk(name);
}

void CmdFunctionDelete(CommandContext& ctx) {
  if (!ctx.server.functions.Delete(ctx.args[2])) {
    ctx.reply.WriteError("ERR Library not found");
    return;
  }
  ctx.server.store.DeleteMeta(MetaName(ctx.args[2]));
  ctx.reply.WriteOk();
}

// Redis's reply to a FUNCTION subcommand given more than max_args arguments (the table's arity
// only bounds them from below); true when it replied.
bool RefusedExtraArgs(CommandContext& ctx, size_t max_args) {
  if (ctx.args.size() <= max_args) return false;
  ctx.reply.WriteError("ERR unknown subcommand or wrong number of arguments for '" +
                       std::string(ctx.args[1]) + "'. Try FUNCTION HELP.");
  return true;
}

void CmdFunctionFlush(CommandContext& ctx) {
  if (RefusedExtraArgs(ctx, 3)) return;
  if (ctx.args.size() == 3 && !EqualsIgnoreCase(ctx.args[2], "sync") &&
      !EqualsIgnoreCase(ctx.args[2], "async")) {
    ctx.reply.WriteError("ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
    return;
  }
  DeleteAllLibraries(ctx.server);
  ctx.reply.WriteOk();
}

// ---- FUNCTION LIST / STATS ------------------------------------------------------------------

void WriteFunction(resp::Writer& w, const FunctionInfo& fn) {
  w.WriteMapLen(3);
  w.WriteBulk("name");
  w.WriteBulk(fn.name);
  w.WriteBulk("description");
  if (fn.has_description) {
    w.WriteBulk(fn.description);
  } else {
    w.WriteNull();
  }
  w.WriteBulk("flags");
  std::vector<std::string_view> flags = ScriptFlagNames(fn.flags);
  w.WriteSetLen(static_cast<int64_t>(flags.size()));
  for (std::string_view f : flags) w.WriteBulk(f);
}

void CmdFunctionList(CommandContext& ctx) {
  bool with_code = false;
  std::string_view pattern;
  bool filtered = false;
  for (size_t i = 2; i < ctx.args.size(); ++i) {
    // As in Redis, an option given twice is unknown the second time.
    if (EqualsIgnoreCase(ctx.args[i], "withcode") && !with_code) {
      with_code = true;
    } else if (EqualsIgnoreCase(ctx.args[i], "libraryname") && !filtered) {
      if (i + 1 >= ctx.args.size()) {
        ctx.reply.WriteError("ERR library name argument was not given");
        return;
      }
      pattern = ctx.args[++i];
      filtered = true;
    } else {
      ctx.reply.WriteError("ERR Unknown argument " + std::string(ctx.args[i]));
      return;
    }
  }
  std::vector<std::shared_ptr<Library>> libs;
  for (std::shared_ptr<Library>& lib : ctx.server.functions.Libraries()) {
    if (!filtered || GlobMatch(pattern, lib->name)) libs.push_back(std::move(lib));
  }
  ctx.reply.WriteArrayLen(static_cast<int64_t>(libs.size()));
  for (const std::shared_ptr<Library>& lib : libs) {
    ctx.reply.WriteMapLen(with_code ? 4 : 3);
    ctx.reply.WriteBulk("library_name");
    ctx.reply.WriteBulk(lib->name);
    ctx.reply.WriteBulk("engine");
    ctx.reply.WriteBulk("LUA");
    ctx.reply.WriteBulk("functions");
    ctx.reply.WriteArrayLen(static_cast<int64_t>(lib->functions.size()));
    for (const auto& fn : lib->functions) WriteFunction(ctx.reply, *fn);
    if (with_code) {
      ctx.reply.WriteBulk("library_code");
      ctx.reply.WriteBulk(lib->code);
    }
  }
}

// Writes the busy function (Redis shows one only once it is busy: before that nothing else runs
// beside it there).
void WriteRunningScript(CommandContext& ctx, const RunningScripts::BusyInfo& busy) {
  ctx.reply.WriteMapLen(3);
  ctx.reply.WriteBulk("name");
  ctx.reply.WriteBulk(busy.name);
  ctx.reply.WriteBulk("command");
  ctx.reply.WriteArrayLen(static_cast<int64_t>(busy.command.size()));
  for (const std::string& arg : busy.command) ctx.reply.WriteBulk(arg);
  ctx.reply.WriteBulk("duration_ms");
  ctx.reply.WriteInteger(busy.duration_ms);
}

void CmdFunctionStats(CommandContext& ctx) {
  RunningScripts::BusyInfo busy;
  bool running = ctx.server.running_scripts.DescribeBusy(&busy);
  if (running && busy.is_eval) {
    ctx.reply.WriteError(errors::kBusyScript);
    return;
  }
  ctx.reply.WriteMapLen(2);
  ctx.reply.WriteBulk("running_script");
  if (running) {
    WriteRunningScript(ctx, busy);
  } else {
    ctx.reply.WriteNull();
  }
  ctx.reply.WriteBulk("engines");
  ctx.reply.WriteMapLen(1);
  ctx.reply.WriteBulk("LUA");
  ctx.reply.WriteMapLen(2);
  ctx.reply.WriteBulk("libraries_count");
  ctx.reply.WriteInteger(static_cast<int64_t>(ctx.server.functions.Libraries().size()));
  ctx.reply.WriteBulk("functions_count");
  ctx.reply.WriteInteger(static_cast<int64_t>(ctx.server.functions.function_count()));
}

void CmdFunctionKill(CommandContext& ctx) { ReplyKill(ctx, false); }

// ---- FUNCTION DUMP / RESTORE ----------------------------------------------------------------

void CmdFunctionDump(CommandContext& ctx) {
  std::string payload;
  for (const std::shared_ptr<Library>& lib : ctx.server.functions.Libraries()) {
    payload.push_back(static_cast<char>(rdb::kOpcodeFunction2));
    rdb::PutRdbString(&payload, lib->code);
  }
  rdb::AppendDumpFooter(&payload);
  ctx.reply.WriteBulk(payload);
}

// The library codes in a DUMP payload; false when its version or checksum is wrong, *error
// set when its body does not decode.
bool DecodeDump(std::string_view payload, std::vector<std::string>* codes, std::string* error) {
  std::string_view body;
  if (!rdb::VerifyDumpPayload(payload, &body)) return false;
  while (!body.empty()) {
    if (static_cast<uint8_t>(body[0]) != rdb::kOpcodeFunction2) {
      *error = "given type is not a function";
      return true;
    }
    body.remove_prefix(1);
    std::string code;
    if (!rdb::ReadRdbString(&body, &code)) {
      *error = "failed loading the given functions payload";
      return true;
    }
    codes->push_back(std::move(code));
  }
  return true;
}

enum class RestorePolicy { kAppend, kReplace, kFlush };

void ApplyRestore(CommandContext& ctx, std::vector<std::shared_ptr<Library>>& libs,
                  RestorePolicy policy) {
  FunctionRegistry& registry = ctx.server.functions;
  if (policy == RestorePolicy::kAppend) {
    for (const auto& lib : libs) {
      if (registry.FindLibrary(lib->name) != nullptr) {
        ctx.reply.WriteError("ERR Library " + lib->name + " already exists");
        return;
      }
    }
  }
  if (policy == RestorePolicy::kFlush) DeleteAllLibraries(ctx.server);
  for (auto& lib : libs) {
    std::string name = lib->name, code = lib->code;
    if (Status st = registry.Add(lib, policy != RestorePolicy::kAppend); !st.ok()) {
      ctx.reply.WriteError("ERR " + std::string(st.message()));
      return;
    }
    ctx.server.store.SetMeta(MetaName(name), code);
  }
  ctx.reply.WriteOk();
}

void CmdFunctionRestore(CommandContext& ctx) {
  if (RefusedExtraArgs(ctx, 4)) return;
  RestorePolicy policy = RestorePolicy::kAppend;
  if (ctx.args.size() == 4) {
    if (EqualsIgnoreCase(ctx.args[3], "flush")) {
      policy = RestorePolicy::kFlush;
    } else if (EqualsIgnoreCase(ctx.args[3], "replace")) {
      policy = RestorePolicy::kReplace;
    } else if (!EqualsIgnoreCase(ctx.args[3], "append")) {
      ctx.reply.WriteError(
          "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.");
      return;
    }
  }
  std::vector<std::string> codes;
  std::string error;
  if (!DecodeDump(ctx.args[2], &codes, &error)) {
    ctx.reply.WriteError("ERR DUMP payload version or checksum are wrong");
    return;
  }
  if (!error.empty()) {
    ctx.reply.WriteError("ERR " + error);
    return;
  }
  std::vector<std::shared_ptr<Library>> libs;
  for (const std::string& code : codes) {
    Result<std::shared_ptr<Library>> lib = ScriptEngine::ForThread(ctx.server).CompileLibrary(code);
    if (!lib.ok()) {
      ctx.reply.WriteError("ERR " + std::string(lib.status().message()));
      return;
    }
    libs.push_back(std::move(*lib));
  }
  ApplyRestore(ctx, libs, policy);
}

void CmdFunctionHelp(CommandContext& ctx) {
  ReplyHelp(ctx.reply, "FUNCTION",
            {"LOAD [REPLACE] <FUNCTION CODE>",
             "    Create a new library with the given library name and code.",
             "DELETE <LIBRARY NAME>", "    Delete the given library.",
             "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
             "    Return general information on all the libraries:",
             "    * Library name", "    * The engine used to run the Library",
             "    * Library description", "    * Functions list",
             "    * Library code (if WITHCODE is given)",
             "    It also possible to get only function that matches a pattern using",
             "    LIBRARYNAME argument.",
             "STATS", "    Return information about the current function running:",
             "    * Function name", "    * Command used to run the function",
             "    * Duration in MS that the function is running",
             "    If no function is running, return nil",
             "    In addition, returns a list of available engines.",
             "KILL", "    Kill the current running function.",
             "FLUSH [ASYNC|SYNC]", "    Delete all the libraries.",
             "    When called without the optional mode argument, the behavior is determined by the",
             "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
             "    * ASYNC: Asynchronously flush the libraries.",
             "    * SYNC: Synchronously flush the libraries.",
             "DUMP", "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
             "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
             "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
             "    control how to handle existing libraries (default APPEND):",
             "    * FLUSH: delete all existing libraries.",
             "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
             "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
             "      libraries with the new libraries (notice that even on this option there is a chance of failure",
             "      in case of functions name collision with another library)."});
}

}  // namespace

void DeleteAllLibraries(ServerState& server) {
  for (const std::shared_ptr<Library>& lib : server.functions.Libraries()) {
    server.store.DeleteMeta(MetaName(lib->name));
  }
  server.functions.Clear();
}

void RegisterFunctionCommands(CommandTable& table) {
  constexpr std::string_view kGroup = "scripting";
  constexpr uint32_t kFcallFlags =
      kNoScript | kStale | kMovableKeys | kSkipMonitor | kNoMandatoryKeys;
  table.Add({
      {.name = "fcall", .arity = -3, .flags = kFcallFlags, .numkeys_index = 2,
       .handler = CmdFcall, .group = kGroup, .since = "7.0.0",
       .summary = "Invoke a function", .complexity = "Depends on the function that is executed.",
       .syntax = "function numkeys [key [key ...]] [arg [arg ...]]"},
      {.name = "fcall_ro", .arity = -3, .flags = kFcallFlags | kReadOnly, .numkeys_index = 2,
       .handler = CmdFcallRo, .group = kGroup, .since = "7.0.0",
       .summary = "Invoke a read-only function",
       .complexity = "Depends on the function that is executed.",
       .syntax = "function numkeys [key [key ...]] [arg [arg ...]]"},
      {.name = "function", .arity = -2, .group = kGroup, .since = "7.0.0",
       .summary = "A container for function commands", .complexity = "Depends on subcommand.",
       .subcommands = {
           {.name = "function|delete", .arity = 3, .flags = kWrite | kNoScript,
            .handler = CmdFunctionDelete, .group = kGroup, .since = "7.0.0",
            .summary = "Delete a function by name", .complexity = "O(1)",
            .syntax = "library-name"},
           {.name = "function|dump", .arity = 2, .flags = kNoScript,
            .handler = CmdFunctionDump, .group = kGroup, .since = "7.0.0",
            .summary = "Dump all functions into a serialized binary payload",
            .complexity = "O(N) where N is the number of functions"},
           {.name = "function|flush", .arity = -2, .flags = kWrite | kNoScript,
            .handler = CmdFunctionFlush, .group = kGroup, .since = "7.0.0",
            .summary = "Deleting all functions", .complexity = "O(N) where N is the number of functions deleted",
            .syntax = "[ASYNC|SYNC]"},
           {.name = "function|help", .arity = 2, .flags = kLoading | kStale,
            .handler = CmdFunctionHelp, .group = kGroup, .since = "7.0.0",
            .summary = "Show helpful text about the different subcommands", .complexity = "O(1)"},
           {.name = "function|kill", .arity = 2, .flags = kNoScript | kAllowBusy,
            .handler = CmdFunctionKill, .group = kGroup, .since = "7.0.0",
            .summary = "Kill the function currently in execution.", .complexity = "O(1)"},
           {.name = "function|list", .arity = -2, .flags = kNoScript,
            .handler = CmdFunctionList, .group = kGroup, .since = "7.0.0",
            .summary = "List information about all the functions",
            .complexity = "O(N) where N is the number of functions",
            .syntax = "[LIBRARYNAME library-name-pattern] [WITHCODE]"},
           {.name = "function|load", .arity = -3, .flags = kWrite | kDenyOom | kNoScript,
            .handler = CmdFunctionLoad, .group = kGroup, .since = "7.0.0",
            .summary = "Create a function with the given arguments (name, code, description)",
            .complexity = "O(1) (considering compilation time is redundant)",
            .syntax = "[REPLACE] function-code"},
           {.name = "function|restore", .arity = -3, .flags = kWrite | kDenyOom | kNoScript,
            .handler = CmdFunctionRestore, .group = kGroup, .since = "7.0.0",
            .summary = "Restore all the functions on the given payload",
            .complexity = "O(N) where N is the number of functions on the payload",
            .syntax = "serialized-value [FLUSH|APPEND|REPLACE]"},
           {.name = "function|stats", .arity = 2, .flags = kNoScript | kAllowBusy,
            .handler = CmdFunctionStats, .group = kGroup, .since = "7.0.0",
            .summary = "Return information about the function currently running (name, "
                       "description, duration)",
            .complexity = "O(1)"},
       }},
  });
}

}  // namespace cairn::server
