// src/scripting/lua_sandbox.h — a Lua 5.1 interpreter set up as Redis 7.0 sets up its own:
// the base, table, string and math libraries plus cjson, bit, cmsgpack and struct; no os, io,
// package, require, loadfile, dofile or print; binary chunks refused; and every global and
// library table read only. Writing a global fails with "Attempt to modify a readonly table",
// reading an unknown one with "Script attempted to access nonexistent global variable 'x'".
//
// Stock Lua 5.1 has no read-only tables, so the protection is built from proxies: the globals
// and each library are empty tables whose metatable reads through to the real table and
// refuses writes; rawset and setmetatable refuse protected tables. The real globals stay in
// the registry, where the host sets KEYS and ARGV.
//
// Memory: the state's allocator refuses to grow past limit_bytes while Lua code runs, so a
// runaway script fails with "not enough memory" instead of exhausting the server. Host code
// (redis.call converting a reply) is never refused: Lua errors must not cross C++ frames.
//
// Threading: a lua_State belongs to one thread.
#pragma once

#include <cstddef>
#include <string_view>

struct lua_State;

namespace cairn::server::scripting {

struct LuaMemory {
  size_t used_bytes = 0;
  size_t limit_bytes = 0;
  int host_depth = 0;  // >0 while host code runs: allocations are not limited
};

// A new sandboxed state; the redis.* API is added afterwards (redis_api.h), then Seal().
lua_State* OpenSandbox(LuaMemory* memory);
// Makes the globals and every library table read only. Call once, after the API is set.
void Seal(lua_State* L);
// Takes the table on top (popped) as the `redis` that library code sees while it loads
// (function_loader.h); the other globals stay as they are. Call after Seal.
void SetLibraryApi(lua_State* L);
// Switches the globals between the library-load view and the run-time view. Functions a
// library defines keep the same globals table, so at run time they see the full API.
void UseLibraryApi(lua_State* L, bool on);
// Sets name to the value on top of the stack in the real globals (KEYS, ARGV), popping it.
void SetProtectedGlobal(lua_State* L, const char* name);
// Pushes the error handler for lua_pcall: it turns any error into {err=..., source=...,
// line=...}, naming the script line that raised it (the caller of redis.call when a C
// function raised).
void PushErrorHandler(lua_State* L);

// While alive, allocations of L's state are not limited (host code between Lua calls).
class HostScope {
 public:
  explicit HostScope(LuaMemory* memory) : memory_(memory) { ++memory_->host_depth; }
  ~HostScope() { --memory_->host_depth; }
  HostScope(const HostScope&) = delete;
  HostScope& operator=(const HostScope&) = delete;

 private:
  LuaMemory* memory_;
};

}  // namespace cairn::server::scripting
