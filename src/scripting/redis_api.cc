// src/scripting/redis_api.cc — see redis_api.h.
//
// Every C function here keeps its C++ objects inside a helper that returns before lua_error
// is called: Lua 5.1 raises errors with longjmp, which must not skip C++ destructors.
#include "src/scripting/redis_api.h"

extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <forward_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "resp/number.h"
#include "src/base/log.h"
#include "src/base/sha1.h"
#include "src/base/small_vector.h"
#include "src/exec/server_state.h"
#include "src/scripting/lua_sandbox.h"
#include "src/scripting/lua_values.h"
#include "src/scripting/script_call.h"
#include "src/scripting/script_debugger.h"

namespace cairn::server::scripting {
namespace {

enum class Outcome { kReturn, kRaise };

// A call's arguments as Redis reads them: strings as they are, numbers as %.17g. Strings are
// views of Lua's own, valid while they stay on the Lua stack (the caller pops them only after
// the command ran); numbers are formatted into the object. No allocation for a usual call.
class CallArgs {
 public:
  CallArgs() = default;
  CallArgs(const CallArgs&) = delete;
  CallArgs& operator=(const CallArgs&) = delete;

  // False when an argument is neither a string nor a number.
  bool Collect(lua_State* L) {
    int argc = lua_gettop(L);
    for (int i = 1; i <= argc; ++i) {
      int type = lua_type(L, i);
      if (type == LUA_TNUMBER) {
        views_.push_back(FormatNumber(static_cast<double>(lua_tonumber(L, i))));
      } else if (type == LUA_TSTRING) {
        size_t len = 0;
        const char* s = lua_tolstring(L, i, &len);
        views_.push_back(std::string_view(s, len));
      } else {
        return false;
      }
    }
    return true;
  }
  std::span<const std::string_view> views() const { return views_; }

 private:
  std::string_view FormatNumber(double value) {
    char* out = arena_ + used_;
    if (sizeof(arena_) - used_ < resp::kMaxDoubleChars) {
      out = spill_.emplace_front(resp::kMaxDoubleChars, '\0').data();
    }
    size_t len = resp::FormatDouble(value, out);
    if (out == arena_ + used_) used_ += len;
    return {out, len};
  }

  SmallVector<std::string_view, 16> views_;
  char arena_[256];
  size_t used_ = 0;
  std::forward_list<std::string> spill_;  // numbers past the arena (stable addresses)
};

// The debugging session that logs what redis.call does now (stepping), or nullptr.
ScriptDebugger* Logging(const RunContext& run) {
  return run.debugger != nullptr && run.debugger->logging() ? run.debugger : nullptr;
}

// An error of the call itself (not a command's error reply), logged while debugging.
void PushCallError(lua_State* L, const RunContext& run, std::string_view text) {
  if (ScriptDebugger* debugger = Logging(run)) debugger->LogError(text);
  PushErrorTable(L, text);
}

Outcome RunCall(lua_State* L, bool raise) {
  RunContext* run = CurrentRun();
  if (run == nullptr) {
    PushErrorTable(L, "redis.call/pcall can only be called inside a script invocation");
    return Outcome::kRaise;
  }
  HostScope host(run->memory);
  if (lua_gettop(L) == 0) {
    PushCallError(L, *run, "Please specify at least one argument for this redis lib call");
    return raise ? Outcome::kRaise : Outcome::kReturn;
  }
  CallArgs args;
  if (!args.Collect(L)) {
    lua_settop(L, 0);
    PushCallError(L, *run, "Lua redis lib command arguments must be strings or integers");
    return raise ? Outcome::kRaise : Outcome::kReturn;
  }
  if (ScriptDebugger* debugger = Logging(*run)) debugger->LogCommand(args.views());
  std::string reply, error;
  bool ran = ExecuteFromScript(*run, args.views(), &reply, &error);
  lua_settop(L, 0);  // the argument strings args points into
  if (!ran) {
    PushCallError(L, *run, error);
    MarkErrorCounted(L);  // ExecuteFromScript counted the refusal
    return raise ? Outcome::kRaise : Outcome::kReturn;
  }
  if (ScriptDebugger* debugger = Logging(*run)) {
    // Redis logs an error reply twice: as the error it raises, then as the reply.
    if (!reply.empty() && reply[0] == '-') debugger->LogError(reply.substr(0, reply.find('\r')));
    debugger->LogReply(reply);
  }
  if (!PushReply(L, reply)) {
    PushErrorTable(L, "reply of the command could not be read");
    return raise ? Outcome::kRaise : Outcome::kReturn;
  }
  if (!reply.empty() && reply[0] == '-') MarkErrorCounted(L);  // counted by the command
  return raise && !reply.empty() && reply[0] == '-' ? Outcome::kRaise : Outcome::kReturn;
}

int Call(lua_State* L) { return RunCall(L, true) == Outcome::kRaise ? lua_error(L) : 1; }
int PCall(lua_State* L) {
  RunCall(L, false);
  return 1;
}

// Redis 7.0's pcall: like Lua's, but an error table comes back as its err string.
int ProtectedCall(lua_State* L) {
  int argc = lua_gettop(L);
  luaL_checkany(L, 1);
  if (lua_pcall(L, argc - 1, LUA_MULTRET, 0) == 0) {
    lua_pushboolean(L, 1);
    lua_insert(L, 1);
    return lua_gettop(L);
  }
  if (lua_istable(L, -1)) {
    lua_getfield(L, -1, "err");
    if (lua_isstring(L, -1)) {
      lua_replace(L, -2);
    } else {
      lua_pop(L, 1);
    }
  }
  lua_pushboolean(L, 0);
  lua_insert(L, -2);
  return 2;
}

int ErrorReply(lua_State* L) {
  if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
    PushErrorTable(L, "wrong number or type of arguments");
    return 1;
  }
  size_t len = 0;
  const char* s = lua_tolstring(L, 1, &len);
  lua_pushstring(L, "-");
  lua_pushvalue(L, 1);
  if (len == 0 || s[0] != '-') lua_concat(L, 2);
  const char* text = lua_tostring(L, -1);
  PushErrorTable(L, text);
  return 1;
}

int StatusReply(lua_State* L) {
  if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
    PushErrorTable(L, "wrong number or type of arguments");
    return 1;
  }
  lua_newtable(L);
  lua_pushstring(L, "ok");
  lua_pushvalue(L, 1);
  lua_settable(L, -3);
  return 1;
}

int Sha1(lua_State* L) {
  if (lua_gettop(L) != 1) {
    PushErrorTable(L, "wrong number of arguments");
    return lua_error(L);
  }
  size_t len = 0;
  const char* s = lua_tolstring(L, 1, &len);
  char hex[41];
  {
    std::string digest = Sha1Hex(std::string_view(s != nullptr ? s : "", s != nullptr ? len : 0));
    digest.copy(hex, 40);
  }
  hex[40] = '\0';
  lua_pushstring(L, hex);
  return 1;
}

int RaiseText(lua_State* L, const char* text) {
  PushErrorTable(L, text);
  return lua_error(L);
}

void LogJoined(lua_State* L, int level) {
  std::string line;
  for (int i = 2; i <= lua_gettop(L); ++i) {
    size_t len = 0;
    const char* s = lua_tolstring(L, i, &len);
    if (s == nullptr) continue;
    if (i != 2) line += ' ';
    line.append(s, len);
  }
  Log(static_cast<LogLevel>(level), "%s", line.c_str());
}

int LogCommand(lua_State* L) {
  if (lua_gettop(L) < 2) return RaiseText(L, "redis.log() requires two arguments or more.");
  if (!lua_isnumber(L, 1)) return RaiseText(L, "First argument must be a number (log level).");
  int level = static_cast<int>(lua_tonumber(L, 1));
  if (level < 0 || level > 3) return RaiseText(L, "Invalid debug level.");
  LogJoined(L, level);
  return 0;
}

int SetResp(lua_State* L) {
  RunContext* run = CurrentRun();
  if (run == nullptr) return RaiseText(L, "redis.setresp can only be called inside a script invocation");
  if (lua_gettop(L) != 1) return RaiseText(L, "redis.setresp() requires one argument.");
  int resp = static_cast<int>(lua_tonumber(L, 1));
  if (resp != 2 && resp != 3) return RaiseText(L, "RESP version must be 2 or 3.");
  run->resp = resp;
  return 0;
}

int SetRepl(lua_State* L) {
  if (CurrentRun() == nullptr) {
    return RaiseText(L, "redis.set_repl can only be called inside a script invocation");
  }
  if (lua_gettop(L) != 1) return RaiseText(L, "redis.set_repl() requires two arguments.");
  int flags = static_cast<int>(lua_tonumber(L, 1));
  if ((flags & ~3) != 0) {
    return RaiseText(L, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.");
  }
  return 0;  // every effect is logged as one record; there is nothing to choose
}

int ReplicateCommands(lua_State* L) {
  lua_pushboolean(L, 1);
  return 1;
}

enum class AclCheck { kBadArgs, kUnknownCommand, kAllowed, kDenied };

AclCheck CheckScriptUser(lua_State* L, RunContext& run) {
  CallArgs args;
  if (!args.Collect(L)) return AclCheck::kBadArgs;
  bool known = false;
  bool may = ScriptUserMayRun(run, args.views(), &known);
  if (!known) return AclCheck::kUnknownCommand;
  return may ? AclCheck::kAllowed : AclCheck::kDenied;
}

// redis.acl_check_cmd(command, args...): true when the script's user may run it.
int AclCheckCmd(lua_State* L) {
  RunContext* run = CurrentRun();
  if (run == nullptr) {
    return RaiseText(L, "redis.acl_check_cmd can only be called inside a script invocation");
  }
  if (lua_gettop(L) == 0) {
    return RaiseText(L, "Please specify at least one argument for this redis lib call");
  }
  switch (CheckScriptUser(L, *run)) {
    case AclCheck::kBadArgs:
      return RaiseText(L, "Lua redis lib command arguments must be strings or integers");
    case AclCheck::kUnknownCommand:
      return RaiseText(L, "Invalid command passed to redis.acl_check_cmd()");
    case AclCheck::kAllowed:
      lua_pushboolean(L, 1);
      return 1;
    case AclCheck::kDenied:
      break;
  }
  lua_pushboolean(L, 0);
  return 1;
}

// Redis's 48-bit linear congruential generator (the rand48 family). One sequence for the
// server, as in Redis, so one client's seeded draws match Redis's.
class Rand48 {
 public:
  int32_t Next() {
    uint64_t x = state_.load(std::memory_order_relaxed);
    uint64_t next;
    do {
      next = (x * 0x5DEECE66Dull + 0xB) & ((uint64_t{1} << 48) - 1);
    } while (!state_.compare_exchange_weak(x, next, std::memory_order_relaxed));
    return static_cast<int32_t>(next >> 17);
  }
  void Seed(int32_t seed) {
    state_.store((uint64_t{static_cast<uint32_t>(seed)} << 16) | 0x330E,
                 std::memory_order_relaxed);
  }

 private:
  std::atomic<uint64_t> state_{0x1234ABCD330Eull};
};
Rand48 rand48;

int MathRandom(lua_State* L) {
  constexpr double kMax = 2147483647.0;
  double r = static_cast<double>(rand48.Next() % 2147483647) / kMax;
  switch (lua_gettop(L)) {
    case 0:
      lua_pushnumber(L, r);
      return 1;
    case 1: {
      int u = luaL_checkint(L, 1);
      luaL_argcheck(L, 1 <= u, 1, "interval is empty");
      lua_pushnumber(L, std::floor(r * u) + 1);
      return 1;
    }
    case 2: {
      int l = luaL_checkint(L, 1);
      int u = luaL_checkint(L, 2);
      luaL_argcheck(L, l <= u, 2, "interval is empty");
      lua_pushnumber(L, std::floor(r * (u - l + 1)) + l);
      return 1;
    }
    default:
      return luaL_error(L, "wrong number of arguments");
  }
}

int MathRandomSeed(lua_State* L) {
  rand48.Seed(luaL_checkint(L, 1));
  return 0;
}

// redis.breakpoint(): in a debugging session, stop at the next line (true); else false.
int Breakpoint(lua_State* L) {
  RunContext* run = CurrentRun();
  bool active = run != nullptr && run->debugger != nullptr;
  if (active) run->debugger->BreakAtNextLine();
  lua_pushboolean(L, active ? 1 : 0);
  return 1;
}

// redis.debug(...): in a debugging session, logs its arguments; else nothing.
void LogDebug(lua_State* L) {
  RunContext* run = CurrentRun();
  if (run == nullptr || run->debugger == nullptr) return;
  HostScope host(run->memory);
  run->debugger->LogDebugValues(L);
}

int Debug(lua_State* L) {
  LogDebug(L);
  return 0;
}

void SetFunction(lua_State* L, const char* name, lua_CFunction fn) {
  lua_pushcfunction(L, fn);
  lua_setfield(L, -2, name);
}

void SetNumber(lua_State* L, const char* name, double value) {
  lua_pushnumber(L, value);
  lua_setfield(L, -2, name);
}

}  // namespace

void RegisterRedisApi(lua_State* L) {
  lua_pushcfunction(L, ProtectedCall);
  lua_setglobal(L, "pcall");
  lua_newtable(L);
  SetFunction(L, "call", Call);
  SetFunction(L, "pcall", PCall);
  SetFunction(L, "error_reply", ErrorReply);
  SetFunction(L, "status_reply", StatusReply);
  SetFunction(L, "sha1hex", Sha1);
  SetFunction(L, "log", LogCommand);
  SetNumber(L, "LOG_DEBUG", 0);
  SetNumber(L, "LOG_VERBOSE", 1);
  SetNumber(L, "LOG_NOTICE", 2);
  SetNumber(L, "LOG_WARNING", 3);
  SetFunction(L, "setresp", SetResp);
  SetFunction(L, "set_repl", SetRepl);
  SetFunction(L, "replicate_commands", ReplicateCommands);
  SetFunction(L, "acl_check_cmd", AclCheckCmd);
  SetFunction(L, "breakpoint", Breakpoint);
  SetFunction(L, "debug", Debug);
  SetNumber(L, "REPL_NONE", 0);
  SetNumber(L, "REPL_AOF", 1);
  SetNumber(L, "REPL_SLAVE", 2);
  SetNumber(L, "REPL_REPLICA", 2);
  SetNumber(L, "REPL_ALL", 3);
  lua_pushlstring(L, kRedisVersion.data(), kRedisVersion.size());
  lua_setfield(L, -2, "REDIS_VERSION");
  SetNumber(L, "REDIS_VERSION_NUM", kRedisVersionNum);
  lua_setglobal(L, "redis");
  lua_getglobal(L, "math");
  SetFunction(L, "random", MathRandom);
  SetFunction(L, "randomseed", MathRandomSeed);
  lua_pop(L, 1);
}

}  // namespace cairn::server::scripting
