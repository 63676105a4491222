// src/scripting/function_loader.cc — see function_loader.h. As in redis_api.cc, C++ objects
// live in helpers that return before lua_error.
#include "src/scripting/function_loader.h"

extern "C" {
#include <lua.h>
}

#include <string>

#include "src/exec/server_state.h"
#include "src/scripting/lua_values.h"

namespace cairn::server::scripting {
namespace {

thread_local LoadContext* current_load = nullptr;

bool StringAt(lua_State* L, int index, std::string* out) {
  if (lua_type(L, index) != LUA_TSTRING && lua_type(L, index) != LUA_TNUMBER) return false;
  size_t len = 0;
  const char* s = lua_tolstring(L, index, &len);
  out->assign(s, len);
  return true;
}

bool EqualsNoCase(const char* a, std::string_view b) {
  std::string_view sa(a);
  if (sa.size() != b.size()) return false;
  for (size_t i = 0; i < sa.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(sa[i])) != b[i]) return false;
  }
  return true;
}

// Reads a flags table; false on an unknown flag.
bool ReadFlags(lua_State* L, int index, uint32_t* flags) {
  for (int i = 1;; ++i) {
    lua_rawgeti(L, index, i);
    if (lua_isnil(L, -1)) {
      lua_pop(L, 1);
      return true;
    }
    std::string name;
    bool ok = StringAt(L, -1, &name);
    lua_pop(L, 1);
    uint32_t flag = ok ? ScriptFlagFromName(name) : 0;
    if (flag == 0) return false;
    *flags |= flag;
  }
}

struct Registration {
  std::string name;
  std::string description;
  bool has_description = false;
  uint32_t flags = 0;
  int callback_index = 0;  // stack index of the callback
};

const char* ReadNamedArgs(lua_State* L, Registration* r) {
  if (!lua_istable(L, 1)) {
    return "calling redis.register_function with a single argument is only applicable to Lua "
           "table (representing named arguments).";
  }
  lua_pushnil(L);
  while (lua_next(L, 1) != 0) {
    if (lua_type(L, -2) != LUA_TSTRING) {
      return "named argument key given to redis.register_function is not a string";
    }
    const char* key = lua_tostring(L, -2);
    if (EqualsNoCase(key, "function_name")) {
      if (!StringAt(L, -1, &r->name)) {
        return "function_name argument given to redis.register_function must be a string";
      }
    } else if (EqualsNoCase(key, "description")) {
      if (!StringAt(L, -1, &r->description)) {
        return "description argument given to redis.register_function must be a string";
      }
      r->has_description = true;
    } else if (EqualsNoCase(key, "callback")) {
      if (!lua_isfunction(L, -1)) {
        return "callback argument given to redis.register_function must be a function";
      }
      lua_pushvalue(L, -1);
      lua_replace(L, 2);  // keep it at a fixed index
      r->callback_index = 2;
    } else if (EqualsNoCase(key, "flags")) {
      if (!lua_istable(L, -1)) {
        return "flags argument to redis.register_function must be a table representing "
               "function flags";
      }
      if (!ReadFlags(L, lua_gettop(L), &r->flags)) return "unknown flag given";
    } else {
      return "unknown argument given to redis.register_function";
    }
    lua_pop(L, 1);
  }
  if (r->name.empty()) return "redis.register_function must get a function name argument";
  if (r->callback_index == 0) return "redis.register_function must get a callback argument";
  return nullptr;
}

const char* ReadArgs(lua_State* L, Registration* r) {
  int argc = lua_gettop(L);
  if (argc < 1 || argc > 2) return "wrong number of arguments to redis.register_function";
  if (argc == 1) {
    lua_pushnil(L);  // slot 2 for the callback
    return ReadNamedArgs(L, r);
  }
  if (!StringAt(L, 1, &r->name)) return "first argument to redis.register_function must be a string";
  if (!lua_isfunction(L, 2)) return "second argument to redis.register_function must be a function";
  r->callback_index = 2;
  return nullptr;
}

// Records one registration; returns the error text, or "" when it worked.
std::string Register(lua_State* L) {
  LoadContext* load = current_load;
  if (load == nullptr) {
    return "redis.register_function can only be called on FUNCTION LOAD command";
  }
  Registration r;
  if (const char* err = ReadArgs(L, &r)) return err;
  if (!ValidFunctionName(r.name)) {
    return "Library names can only contain letters, numbers, or underscores(_) and must be at "
           "least one character long";
  }
  for (const auto& fn : load->library->functions) {
    if (fn->name == r.name) return "Function already exists in the library";
  }
  auto fn = std::make_shared<FunctionInfo>();
  fn->name = r.name;
  fn->description = r.description;
  fn->has_description = r.has_description;
  fn->flags = r.flags;
  fn->library = load->library->name;
  load->library->functions.push_back(std::move(fn));
  lua_getfield(L, LUA_REGISTRYINDEX, kLoadCallbacks);
  lua_pushlstring(L, r.name.data(), r.name.size());
  lua_pushvalue(L, r.callback_index);
  lua_settable(L, -3);
  lua_pop(L, 1);
  return "";
}

int RegisterFunction(lua_State* L) {
  bool failed;
  {
    std::string err = Register(L);
    failed = !err.empty();
    if (failed) PushErrorTable(L, err);
  }
  return failed ? lua_error(L) : 0;
}

}  // namespace

LoadContext*& CurrentLoad() { return current_load; }

void PushLibraryApi(lua_State* L) {
  lua_newtable(L);
  lua_pushcfunction(L, RegisterFunction);
  lua_setfield(L, -2, "register_function");
  lua_pushlstring(L, kRedisVersion.data(), kRedisVersion.size());
  lua_setfield(L, -2, "REDIS_VERSION");
  lua_pushnumber(L, kRedisVersionNum);
  lua_setfield(L, -2, "REDIS_VERSION_NUM");
  lua_getglobal(L, "redis");  // log and its levels, shared with the run-time API
  for (const char* name : {"log", "LOG_DEBUG", "LOG_VERBOSE", "LOG_NOTICE", "LOG_WARNING"}) {
    lua_getfield(L, -1, name);
    lua_setfield(L, -3, name);
  }
  lua_pop(L, 1);
}

}  // namespace cairn::server::scripting
