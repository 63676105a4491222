// src/commands/script_commands.cc — EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT (LOAD,
// EXISTS, FLUSH, KILL, HELP; DEBUG sessions are script_debug_commands.cc's). The interpreter,
// the sandbox and the locking rule live in src/scripting/ and src/exec/scripts.h; this file
// parses arguments, applies Redis's checks before a run, and maps outcomes to replies.
#include <string>

#include "src/base/sha1.h"
#include "src/commands/help_reply.h"
#include "src/commands/script_family.h"
#include "src/exec/command_table.h"
#include "src/exec/errors.h"
#include "src/exec/eviction.h"
#include "src/exec/reply.h"
#include "src/exec/server_state.h"
#include "src/scripting/script_engine.h"

namespace cairn::server {
namespace {

using scripting::RunRequest;
using scripting::ScriptEngine;

// numkeys of EVAL-style arguments (name, script, numkeys, keys..., args...).
bool ParseNumKeys(CommandContext& ctx, size_t* numkeys) {
  int64_t n = 0;
  if (!ArgToInt64(ctx, ctx.args[2], &n)) return false;
  if (n > static_cast<int64_t>(ctx.args.size()) - 3) {
    ctx.reply.WriteError("ERR Number of keys can't be greater than number of args");
    return false;
  }
  if (n < 0) {
    ctx.reply.WriteError("ERR Number of keys can't be negative");
    return false;
  }
  *numkeys = static_cast<size_t>(n);
  return true;
}

// The cached script for body, compiled into this thread's interpreter and cached if new.
std::shared_ptr<Script> LoadBody(CommandContext& ctx, std::string_view body) {
  std::shared_ptr<Script> script = ctx.server.scripts.Find(Sha1Hex(body));
  if (script == nullptr) {
    Result<ScriptHeader> header = ParseShebang(body);
    if (!header.ok()) {
      ctx.reply.WriteError("ERR " + std::string(header.status().message()));
      return nullptr;
    }
    Script probe;
    probe.sha = Sha1Hex(body);
    probe.lua_name = "f_" + probe.sha;
    probe.body = std::string(body);
    probe.header = *header;
    if (Status st = ScriptEngine::ForThread(ctx.server).Load(probe); !st.ok()) {
      ctx.reply.WriteError("ERR " + std::string(st.message()));
      return nullptr;
    }
    return ctx.server.scripts.Add(std::move(probe.body), *header);
  }
  if (Status st = ScriptEngine::ForThread(ctx.server).Load(*script); !st.ok()) {
    ctx.reply.WriteError("ERR " + std::string(st.message()));
    return nullptr;
  }
  return script;
}

}  // namespace

void RunEval(CommandContext& ctx, bool by_sha, bool ro_command,
             scripting::ScriptDebugger* debugger) {
  // No SHA-1 has another length: Redis answers that before it reads numkeys.
  if (by_sha && ctx.args[1].size() != 40) {
    ctx.reply.WriteError(errors::kNoMatchingScript);
    return;
  }
  size_t numkeys = 0;
  if (!ParseNumKeys(ctx, &numkeys)) return;
  std::shared_ptr<Script> owned;  // EVAL's; EVALSHA's lives in the engine's copy of the cache
  Script* script = nullptr;
  ScriptEngine* engine = nullptr;
  if (by_sha) {
    // This engine runs the script too: FindScript's script lives as long as the engine,
    // which a later ForThread would replace after a concurrent SCRIPT FLUSH.
    engine = &ScriptEngine::ForThread(ctx.server);
    script = engine->FindScript(ctx.args[1]);
    if (script == nullptr) {
      ctx.reply.WriteError(errors::kNoMatchingScript);
      return;
    }
    if (Status st = engine->Load(*script); !st.ok()) {
      ctx.reply.WriteError("ERR " + std::string(st.message()));
      return;
    }
  } else {
    owned = LoadBody(ctx, ctx.args[1]);
    if (owned == nullptr) return;
    script = owned.get();
    engine = &ScriptEngine::ForThread(ctx.server);
  }
  if (!MayRunScript(ctx, script->header.flags, ro_command)) return;
  RunRequest request;
  request.function = script->lua_name;
  request.funcname = script->sha;
  request.keys = ctx.args.subspan(3, numkeys);
  request.args = ctx.args.subspan(3 + numkeys);
  request.script_flags = script->header.flags;
  request.read_only = ro_command || (!(script->header.flags & kScriptCompat) &&
                                     (script->header.flags & kScriptNoWrites));
  request.is_eval = true;
  request.lock_mode = &script->lock_mode;
  request.debugger = debugger;
  engine->Run(ctx, request);
}

namespace {

void EvalGeneric(CommandContext& ctx, bool by_sha, bool ro_command) {
  if (DebugEval(ctx, by_sha, ro_command)) return;
  RunEval(ctx, by_sha, ro_command, nullptr);
}

void CmdEval(CommandContext& ctx) { EvalGeneric(ctx, false, false); }
void CmdEvalSha(CommandContext& ctx) { EvalGeneric(ctx, true, false); }
void CmdEvalRo(CommandContext& ctx) { EvalGeneric(ctx, false, true); }
void CmdEvalShaRo(CommandContext& ctx) { EvalGeneric(ctx, true, true); }

void CmdScriptLoad(CommandContext& ctx) {
  std::shared_ptr<Script> script = LoadBody(ctx, ctx.args[2]);
  if (script != nullptr) ctx.reply.WriteBulk(script->sha);
}

void CmdScriptExists(CommandContext& ctx) {
  ctx.reply.WriteArrayLen(static_cast<int64_t>(ctx.args.size() - 2));
  for (size_t i = 2; i < ctx.args.size(); ++i) {
    ctx.reply.WriteInteger(ctx.server.scripts.Find(ctx.args[i]) != nullptr ? 1 : 0);
  }
}

void CmdScriptFlush(CommandContext& ctx) {
  if (ctx.args.size() > 3 ||
      (ctx.args.size() == 3 && !EqualsIgnoreCase(ctx.args[2], "sync") &&
       !EqualsIgnoreCase(ctx.args[2], "async"))) {
    ctx.reply.WriteError("ERR SCRIPT FLUSH only support SYNC|ASYNC option");
    return;
  }
  ctx.server.scripts.Flush();
  ctx.reply.WriteOk();
}

void CmdScriptKill(CommandContext& ctx) { ReplyKill(ctx, true); }

void CmdScriptHelp(CommandContext& ctx) {
  ReplyHelp(ctx.reply, "SCRIPT",
            {"DEBUG (YES|SYNC|NO)", "    Set the debug mode for subsequent scripts executed.",
             "EXISTS <sha1> [<sha1> ...]",
             "    Return information about the existence of the scripts in the script cache.",
             "FLUSH [ASYNC|SYNC]",
             "    Flush the Lua scripts cache. Very dangerous on replicas.",
             "    When called without the optional mode argument, the behavior is determined by the",
             "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
             "    * ASYNC: Asynchronously flush the scripts cache.",
             "    * SYNC: Synchronously flush the scripts cache.",
             "KILL", "    Kill the currently executing Lua script.",
             "LOAD <script>", "    Load a script into the scripts cache without executing it."});
}

}  // namespace

bool MayRunScript(CommandContext& ctx, uint32_t flags, bool ro_command) {
  if (flags & kScriptCompat) return true;
  if ((flags & kScriptNoCluster) && ctx.server.cluster.enabled()) {
    ctx.reply.WriteError("ERR Can not run script on cluster, 'no-cluster' flag is set.");
    return false;
  }
  if (flags & kScriptNoWrites) return true;
  // A script that declares flags is deny-oom unless it says allow-oom (Redis refuses it
  // before it runs, with the plain OOM error).
  if (!(flags & kScriptAllowOom) && MemoryWasOverAtCommandStart(ctx.server)) {
    ctx.reply.WriteError(errors::kOom);
    return false;
  }
  if (ctx.server.WalFailed()) {
    std::lock_guard lock(ctx.server.wal_error_mu);
    ctx.reply.WriteError(
        "MISCONF Redis is configured to persist data to AOF, but it's currently unable to "
        "persist to disk. Writable scripts are blocked. Use 'no-writes' flag for read only "
        "scripts. AOF error: " + ctx.server.wal_error);
    return false;
  }
  if (ro_command) {
    ctx.reply.WriteError("ERR Can not execute a script with write flag using *_ro command.");
    return false;
  }
  if (ctx.server.primary.RefusesWrites()) {
    ctx.reply.WriteError(errors::kNoReplicas);
    return false;
  }
  return true;
}

void ReplyKill(CommandContext& ctx, bool is_eval) {
  switch (ctx.server.running_scripts.Kill(is_eval)) {
    case RunningScripts::KillResult::kNotBusy:
      ctx.reply.WriteError("NOTBUSY No scripts in execution right now.");
      return;
    case RunningScripts::KillResult::kUnkillable:
      ctx.reply.WriteError(
          "UNKILLABLE Sorry the script already executed write commands against the dataset. "
          "You can either wait the script termination or kill the server in a hard way using "
          "the SHUTDOWN NOSAVE command.");
      return;
    case RunningScripts::KillResult::kWrongKind:
      ctx.reply.WriteError(is_eval ? errors::kBusyFunction : errors::kBusyScript);
      return;
    case RunningScripts::KillResult::kKilled:
      ctx.reply.WriteOk();
      return;
  }
}

void RegisterScriptCommands(CommandTable& table) {
  constexpr std::string_view kGroup = "scripting";
  constexpr uint32_t kEvalFlags =
      kNoScript | kStale | kMovableKeys | kSkipMonitor | kNoMandatoryKeys;
  table.Add({
      {.name = "eval", .arity = -3, .flags = kEvalFlags, .numkeys_index = 2,
       .handler = CmdEval, .group = kGroup, .since = "2.6.0",
       .summary = "Execute a Lua script server side",
       .complexity = "Depends on the script that is executed.",
       .syntax = "script numkeys [key [key ...]] [arg [arg ...]]"},
      {.name = "evalsha", .arity = -3, .flags = kEvalFlags, .numkeys_index = 2,
       .handler = CmdEvalSha, .group = kGroup, .since = "2.6.0",
       .summary = "Execute a Lua script server side",
       .complexity = "Depends on the script that is executed.",
       .syntax = "sha1 numkeys [key [key ...]] [arg [arg ...]]"},
      {.name = "eval_ro", .arity = -3, .flags = kEvalFlags | kReadOnly, .numkeys_index = 2,
       .handler = CmdEvalRo, .group = kGroup, .since = "7.0.0",
       .summary = "Execute a read-only Lua script server side",
       .complexity = "Depends on the script that is executed.",
       .syntax = "script numkeys [key [key ...]] [arg [arg ...]]"},
      {.name = "evalsha_ro", .arity = -3, .flags = kEvalFlags | kReadOnly, .numkeys_index = 2,
       .handler = CmdEvalShaRo, .group = kGroup, .since = "7.0.0",
       .summary = "Execute a read-only Lua script server side",
       .complexity = "Depends on the script that is executed.",
       .syntax = "sha1 numkeys [key [key ...]] [arg [arg ...]]"},
      {.name = "script", .arity = -2, .group = kGroup, .since = "2.6.0",
       .summary = "A container for Lua scripts management commands",
       .complexity = "Depends on subcommand.",
       .subcommands = {
           {.name = "script|debug", .arity = 3, .flags = kNoScript, .handler = CmdScriptDebug,
            .group = kGroup, .since = "3.2.0",
            .summary = "Set the debug mode for executed scripts.", .complexity = "O(1).",
            .syntax = "YES|SYNC|NO"},
           {.name = "script|exists", .arity = -3, .flags = kNoScript,
            .handler = CmdScriptExists, .group = kGroup, .since = "2.6.0",
            .summary = "Check existence of scripts in the script cache.",
            .complexity = "O(N) with N being the number of scripts to check (so checking a "
                          "single script is an O(1) operation).",
            .syntax = "sha1 [sha1 ...]"},
           {.name = "script|flush", .arity = -2, .flags = kNoScript, .handler = CmdScriptFlush,
            .group = kGroup, .since = "2.6.0",
            .summary = "Remove all the scripts from the script cache.",
            .complexity = "O(N) with N being the number of scripts in cache",
            .syntax = "[ASYNC|SYNC]"},
           {.name = "script|help", .arity = 2, .flags = kLoading | kStale,
            .handler = CmdScriptHelp, .group = kGroup, .since = "5.0.0",
            .summary = "Show helpful text about the different subcommands",
            .complexity = "O(1)"},
           {.name = "script|kill", .arity = 2, .flags = kNoScript | kAllowBusy,
            .handler = CmdScriptKill, .group = kGroup, .since = "2.6.0",
            .summary = "Kill the script currently in execution.", .complexity = "O(1)"},
           {.name = "script|load", .arity = 3, .flags = kNoScript | kStale,
            .handler = CmdScriptLoad, .group = kGroup, .since = "2.6.0",
            .summary = "Load the specified Lua script into the script cache.",
            .complexity = "O(N) with N being the length in bytes of the script body.",
            .syntax = "script"},
       }},
  });
}

}  // namespace cairn::server
