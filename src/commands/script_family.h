// src/commands/script_family.h — what EVAL and FCALL share: Redis's checks before a script
// with flags runs, and the reply to SCRIPT KILL / FUNCTION KILL.
#pragma once

#include <cstdint>

#include "src/exec/command.h"

namespace cairn::server {

// Whether a script or function with these ScriptFlag bits may run now (ro_command: EVAL_RO,
// EVALSHA_RO, FCALL_RO); replies the error when not. Scripts without a shebang always may:
// their commands are checked one by one.
bool MayRunScript(CommandContext& ctx, uint32_t flags, bool ro_command);
// SCRIPT KILL (is_eval) or FUNCTION KILL.
void ReplyKill(CommandContext& ctx, bool is_eval);

}  // namespace cairn::server
