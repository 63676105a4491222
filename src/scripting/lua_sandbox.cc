// src/scripting/lua_sandbox.cc — see lua_sandbox.h.
#include "src/scripting/lua_sandbox.h"

extern "C" {
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
int luaopen_cjson(lua_State* L);
int luaopen_bit(lua_State* L);
}

#include <cstdlib>
#include <cstring>

#include "src/scripting/lua_cmsgpack.h"
#include "src/scripting/lua_struct.h"

namespace cairn::server::scripting {
namespace {

constexpr const char* kRealGlobals = "cairn.globals";
constexpr const char* kProtected = "cairn.protected";
constexpr const char* kToString = "cairn.tostring";
constexpr const char* kProxy = "cairn.proxy";
constexpr const char* kLibraryEnv = "cairn.library_env";

void* Allocate(void* ud, void* ptr, size_t old_size, size_t new_size) {
  auto* memory = static_cast<LuaMemory*>(ud);
  if (new_size == 0) {
    std::free(ptr);
    memory->used_bytes -= old_size;
    return nullptr;
  }
  if (new_size > old_size && memory->host_depth == 0 &&
      memory->used_bytes + (new_size - old_size) > memory->limit_bytes) {
    return nullptr;  // Lua raises "not enough memory" in the script
  }
  void* p = std::realloc(ptr, new_size);
  if (p != nullptr) memory->used_bytes = memory->used_bytes - old_size + new_size;
  return p;
}

int ReadonlyError(lua_State* L) { return luaL_error(L, "Attempt to modify a readonly table"); }

int NonexistentGlobal(lua_State* L) {
  const char* name = lua_tostring(L, 2);
  return luaL_error(L, "Script attempted to access nonexistent global variable '%s'",
                    name != nullptr ? name : "?");
}

// A table whose missing fields are an error, like the globals.
void SetNonexistentError(lua_State* L) {
  lua_newtable(L);
  lua_pushcfunction(L, NonexistentGlobal);
  lua_setfield(L, -2, "__index");
  lua_setmetatable(L, -2);
}

bool IsProtected(lua_State* L, int index) {
  if (!lua_istable(L, index)) return false;
  lua_pushvalue(L, index);
  lua_getfield(L, LUA_REGISTRYINDEX, kProtected);
  lua_insert(L, -2);
  lua_rawget(L, -2);
  bool found = lua_toboolean(L, -1) != 0;
  lua_pop(L, 2);
  return found;
}

void MarkProtected(lua_State* L, int index) {
  index = index < 0 ? lua_gettop(L) + index + 1 : index;
  lua_getfield(L, LUA_REGISTRYINDEX, kProtected);
  lua_pushvalue(L, index);
  lua_pushboolean(L, 1);
  lua_rawset(L, -3);
  lua_pop(L, 1);
}

// rawset and setmetatable, refusing protected tables; the originals are upvalue 1. The error
// names no script line: in Redis it is raised inside the C function.
int GuardedRawset(lua_State* L) {
  if (IsProtected(L, 1)) {
    lua_pushstring(L, "Attempt to modify a readonly table");
    return lua_error(L);
  }
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
  return lua_gettop(L);
}

// loadstring, refusing precompiled chunks (they can crash the VM); the original is upvalue 1.
int GuardedLoadstring(lua_State* L) {
  size_t len = 0;
  const char* s = lua_tolstring(L, 1, &len);
  if (s != nullptr && len > 0 && s[0] == LUA_SIGNATURE[0]) {
    lua_pushnil(L);
    lua_pushstring(L, "loading binary chunks is not allowed");
    return 2;
  }
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
  return lua_gettop(L);
}

void Wrap(lua_State* L, const char* name, lua_CFunction guard) {
  lua_getglobal(L, name);
  lua_pushcclosure(L, guard, 1);
  lua_setglobal(L, name);
}

void LoadLibrary(lua_State* L, const char* name, lua_CFunction open) {
  lua_pushcfunction(L, open);
  lua_pushstring(L, name);
  lua_call(L, 1, 1);
  if (lua_istable(L, -1) && name[0] != '\0') {
    lua_setglobal(L, name);
  } else {
    lua_pop(L, 1);
  }
}

// Replaces the table at the top with an empty proxy that reads through to it and refuses
// writes; getmetatable(proxy) gives a table that refuses writes too.
void MakeProxy(lua_State* L) {
  int real = lua_gettop(L);
  lua_newtable(L);  // the proxy
  lua_newtable(L);  // its metatable
  lua_pushvalue(L, real);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, ReadonlyError);
  lua_setfield(L, -2, "__newindex");
  lua_newtable(L);  // what getmetatable shows: empty, read only, its own metatable
  lua_newtable(L);
  lua_pushcfunction(L, ReadonlyError);
  lua_setfield(L, -2, "__newindex");
  lua_pushvalue(L, -2);
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, -2);
  MarkProtected(L, -1);
  lua_setfield(L, -2, "__metatable");
  MarkProtected(L, -1);
  lua_setmetatable(L, -2);
  MarkProtected(L, -1);
  MarkProtected(L, real);
  lua_replace(L, real);
}

int ErrorHandler(lua_State* L) {
  lua_Debug ar;
  bool where = lua_getstack(L, 1, &ar) && lua_getinfo(L, "nSl", &ar);
  if (where && std::strcmp(ar.what, "C") == 0) {
    where = lua_getstack(L, 2, &ar) && lua_getinfo(L, "nSl", &ar);
  }
  if (!lua_istable(L, 1)) {
    lua_getfield(L, LUA_REGISTRYINDEX, kToString);
    lua_pushvalue(L, 1);
    lua_call(L, 1, 1);
    lua_pushstring(L, "ERR ");
    lua_insert(L, -2);
    lua_concat(L, 2);
    lua_newtable(L);
    lua_insert(L, -2);
    lua_setfield(L, -2, "err");
    lua_replace(L, 1);
  }
  if (where) {
    lua_pushstring(L, ar.source);
    lua_setfield(L, 1, "source");
    lua_pushinteger(L, ar.currentline);
    lua_setfield(L, 1, "line");
  }
  lua_settop(L, 1);
  return 1;
}

}  // namespace

lua_State* OpenSandbox(LuaMemory* memory) {
  lua_State* L = lua_newstate(Allocate, memory);
  if (L == nullptr) return nullptr;
  HostScope host(memory);
  LoadLibrary(L, "", luaopen_base);
  LoadLibrary(L, LUA_TABLIBNAME, luaopen_table);
  LoadLibrary(L, LUA_STRLIBNAME, luaopen_string);
  LoadLibrary(L, LUA_MATHLIBNAME, luaopen_math);
  LoadLibrary(L, "cjson", luaopen_cjson);
  LoadLibrary(L, "bit", luaopen_bit);
  LoadLibrary(L, "cmsgpack", OpenCmsgpack);
  LoadLibrary(L, "struct", OpenStruct);
  for (const char* name : {"dofile", "loadfile", "print"}) {
    lua_pushnil(L);
    lua_setglobal(L, name);
  }
  lua_newtable(L);  // the protected-table set, weak keys
  lua_newtable(L);
  lua_pushstring(L, "k");
  lua_setfield(L, -2, "__mode");
  lua_setmetatable(L, -2);
  lua_setfield(L, LUA_REGISTRYINDEX, kProtected);
  lua_getglobal(L, "tostring");
  lua_setfield(L, LUA_REGISTRYINDEX, kToString);
  Wrap(L, "rawset", GuardedRawset);
  Wrap(L, "setmetatable", GuardedRawset);
  Wrap(L, "loadstring", GuardedLoadstring);
  return L;
}

void Seal(lua_State* L) {
  for (const char* lib :
       {"string", "math", "table", "coroutine", "redis", "cjson", "bit", "cmsgpack", "struct"}) {
    lua_getglobal(L, lib);
    if (!lua_istable(L, -1)) {
      lua_pop(L, 1);
      continue;
    }
    MakeProxy(L);
    lua_setglobal(L, lib);
  }
  lua_pushvalue(L, LUA_GLOBALSINDEX);
  lua_pushvalue(L, -1);
  lua_setfield(L, LUA_REGISTRYINDEX, kRealGlobals);
  SetNonexistentError(L);
  MakeProxy(L);  // the globals scripts see
  lua_pushvalue(L, -1);
  lua_setfield(L, LUA_REGISTRYINDEX, kProxy);
  lua_getfield(L, LUA_REGISTRYINDEX, kRealGlobals);
  lua_pushvalue(L, -2);
  lua_setfield(L, -2, "_G");
  lua_pop(L, 1);
  lua_replace(L, LUA_GLOBALSINDEX);
}

void SetLibraryApi(lua_State* L) {
  SetNonexistentError(L);
  MakeProxy(L);
  lua_newtable(L);  // the globals while a library loads: `redis` and nothing else
  lua_insert(L, -2);
  lua_setfield(L, -2, "redis");
  SetNonexistentError(L);
  lua_setfield(L, LUA_REGISTRYINDEX, kLibraryEnv);
}

void UseLibraryApi(lua_State* L, bool on) {
  lua_getfield(L, LUA_REGISTRYINDEX, kProxy);
  lua_getmetatable(L, -1);
  lua_getfield(L, LUA_REGISTRYINDEX, on ? kLibraryEnv : kRealGlobals);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 2);
}

void SetProtectedGlobal(lua_State* L, const char* name) {
  lua_getfield(L, LUA_REGISTRYINDEX, kRealGlobals);
  lua_insert(L, -2);
  lua_setfield(L, -2, name);
  lua_pop(L, 1);
}

void PushErrorHandler(lua_State* L) { lua_pushcfunction(L, ErrorHandler); }

}  // namespace cairn::server::scripting
