// src/commands/script_family.h — what EVAL and FCALL share: Redis's checks before a script
// with flags runs, and the reply to SCRIPT KILL / FUNCTION KILL; what EVAL shares with its
// debugging sessions (SCRIPT DEBUG).
#pragma once

#include <cstdint>

#include "src/exec/command.h"

namespace cairn::server {
namespace scripting {
class ScriptDebugger;
}

// Whether a script or function with these ScriptFlag bits may run now (ro_command: EVAL_RO,
// EVALSHA_RO, FCALL_RO); replies the error when not. Scripts without a shebang always may:
// their commands are checked one by one.
bool MayRunScript(CommandContext& ctx, uint32_t flags, bool ro_command);
// SCRIPT KILL (is_eval) or FUNCTION KILL.
void ReplyKill(CommandContext& ctx, bool is_eval);

// EVAL / EVALSHA (by_sha) and their _RO forms (ro_command): parses, loads and runs the
// script, under debugger when it is not null.
void RunEval(CommandContext& ctx, bool by_sha, bool ro_command,
             scripting::ScriptDebugger* debugger);
// Removes every function library, logged (FUNCTION FLUSH, FUNCTION RESTORE FLUSH, DEBUG
// RELOAD; function_commands.cc).
void DeleteAllLibraries(ServerState& server);
// SCRIPT DEBUG YES|SYNC|NO (script_debug_commands.cc).
void CmdScriptDebug(CommandContext& ctx);
// Runs an EVAL under the client's SCRIPT DEBUG mode: a session, or an error. False when the
// EVAL runs as usual (debugging off, or inside EXEC or a script).
bool DebugEval(CommandContext& ctx, bool by_sha, bool ro_command);

}  // namespace cairn::server
