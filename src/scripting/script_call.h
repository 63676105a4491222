// src/scripting/script_call.h — one command a script runs (redis.call / redis.pcall): the
// checks Redis makes for scripts (unknown command, arity, commands not allowed from scripts,
// writes from read-only scripts, MISCONF before the first write), widening the run's locks to
// the command's keys, then the ordinary dispatcher on the run's script client.
//
// Threading: the thread of the run.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "src/scripting/run_context.h"

namespace cairn::server::scripting {

// Runs args for run. On success *reply holds the command's complete reply (an error reply
// included) in the script's protocol; otherwise *error says why it did not run, in Redis's
// words (a text without "-" gets ERR in front when shown).
bool ExecuteFromScript(RunContext& run, std::span<const std::string_view> args,
                       std::string* reply, std::string* error);

// redis.acl_check_cmd: whether the user who ran the script may run args (command, keys,
// channels), checked as dispatch would but with no ACL LOG entry. False with *known false
// when args names no command.
bool ScriptUserMayRun(RunContext& run, std::span<const std::string_view> args, bool* known);

}  // namespace cairn::server::scripting
