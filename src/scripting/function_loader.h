// src/scripting/function_loader.h — running a function library's code so that it registers
// its functions: the `redis` table library code sees while it loads (register_function, log,
// the version), and what register_function records.
//
// redis.register_function(name, callback) or redis.register_function{function_name=...,
// callback=..., flags={...}, description=...} with Redis 7.0's argument checks and error texts;
// outside a load it fails with "redis.register_function can only be called on FUNCTION LOAD
// command".
//
// Threading: the interpreter's thread.
#pragma once

#include <cstdint>

#include "src/exec/functions.h"

struct lua_State;

namespace cairn::server::scripting {

// Registry field of the table a library load in progress puts callbacks in (name -> function).
inline constexpr const char* kLoadCallbacks = "cairn.load_callbacks";

// What a library load in progress collects.
struct LoadContext {
  Library* library = nullptr;
  int64_t start_ms = 0;    // ScriptClockMs()
  int64_t timeout_ms = 0;  // 0: none
};

// The load on this thread, or nullptr.
LoadContext*& CurrentLoad();

// Pushes the `redis` table for library code: register_function, log, LOG_*, REDIS_VERSION,
// REDIS_VERSION_NUM. Call after RegisterRedisApi and before Seal.
void PushLibraryApi(lua_State* L);

}  // namespace cairn::server::scripting
