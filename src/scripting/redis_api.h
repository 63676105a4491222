// src/scripting/redis_api.h — the `redis` table scripts see (call, pcall, error_reply,
// status_reply, sha1hex, log and its levels, setresp, set_repl and its constants,
// replicate_commands, acl_check_cmd, REDIS_VERSION, REDIS_VERSION_NUM), Redis 7.0's `pcall`
// (an error table becomes its message), and math.random / math.randomseed on Redis's
// 48-bit generator, so a seeded script draws the numbers it draws under Redis.
//
// redis.call and redis.pcall run the command through ExecuteFromScript (script_call.h) on
// behalf of CurrentRun(); called outside a run they fail with Redis's error.
//
// Threading: the interpreter's thread.
#pragma once

struct lua_State;

namespace cairn::server::scripting {

// Adds the API to L (before Seal).
void RegisterRedisApi(lua_State* L);

}  // namespace cairn::server::scripting
