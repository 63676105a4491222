// src/scripting/script_debugger.cc — see script_debugger.h.
#include "src/scripting/script_debugger.h"

extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "resp/number.h"
#include "src/base/quoted.h"
#include "src/exec/scripts.h"
#include "src/scripting/lua_sandbox.h"
#include "src/scripting/lua_values.h"

namespace cairn::server::scripting {
namespace {

// Nested tables print down to this depth (Redis: LUA_MINSTACK / 2).
constexpr int kMaxValueDepth = LUA_MINSTACK / 2;
// The line `whole` lists around, with this much context: every line.
constexpr int kWholeContext = 1000000;

bool Is(std::string_view word, std::string_view a, std::string_view b) {
  auto eq = [&](std::string_view x) {
    if (word.size() != x.size()) return false;
    for (size_t i = 0; i < x.size(); ++i) {
      if (std::tolower(static_cast<unsigned char>(word[i])) != x[i]) return false;
    }
    return true;
  };
  return eq(a) || eq(b);
}

// atoi as Redis's debugger reads numbers: leading digits, 0 when there are none.
int LooseInt(const std::string& s) { return std::atoi(s.c_str()); }

void AppendLuaValueAt(lua_State* L, int idx, int depth, std::string* out) {
  if (depth == kMaxValueDepth) {
    out->append("<max recursion level reached! Nested table?>");
    return;
  }
  switch (lua_type(L, idx)) {
    case LUA_TSTRING: {
      size_t len = 0;
      const char* s = lua_tolstring(L, idx, &len);
      AppendQuoted(out, {s, len});
      return;
    }
    case LUA_TBOOLEAN:
      out->append(lua_toboolean(L, idx) ? "true" : "false");
      return;
    case LUA_TNUMBER: {
      char buf[64];
      std::snprintf(buf, sizeof(buf), "%g", static_cast<double>(lua_tonumber(L, idx)));
      out->append(buf);
      return;
    }
    case LUA_TNIL:
      out->append("nil");
      return;
    case LUA_TTABLE: {
      // Printed as an array ({a; b}) when its keys are 1, 2, 3... in iteration order, else
      // with every key ({[k]=v; ...}); both are built in one pass.
      std::string as_array, as_map;
      bool is_array = true;
      double expected = 1;
      if (idx < 0) idx = lua_gettop(L) + idx + 1;  // absolute: the iteration pushes above it
      lua_pushnil(L);
      while (lua_next(L, idx) != 0) {
        if (is_array &&
            (lua_type(L, -2) != LUA_TNUMBER || lua_tonumber(L, -2) != expected)) {
          is_array = false;
        }
        AppendLuaValueAt(L, -1, depth + 1, &as_array);
        as_array.append("; ");
        as_map.push_back('[');
        AppendLuaValueAt(L, -2, depth + 1, &as_map);
        as_map.append("]=");
        AppendLuaValueAt(L, -1, depth + 1, &as_map);
        as_map.append("; ");
        lua_pop(L, 1);
        ++expected;
      }
      std::string& chosen = is_array ? as_array : as_map;
      if (!chosen.empty()) chosen.resize(chosen.size() - 2);
      out->push_back('{');
      out->append(chosen);
      out->push_back('}');
      return;
    }
    default: {
      int type = lua_type(L, idx);
      const char* name = type == LUA_TFUNCTION        ? "function"
                         : type == LUA_TUSERDATA      ? "userdata"
                         : type == LUA_TTHREAD        ? "thread"
                         : type == LUA_TLIGHTUSERDATA ? "light-userdata"
                                                      : nullptr;
      if (name == nullptr) {
        out->append("\"<unknown-lua-type>\"");
        return;
      }
      char buf[96];
      std::snprintf(buf, sizeof(buf), "\"%s@%p\"", name, lua_topointer(L, idx));
      out->append(buf);
    }
  }
}

// The line of a RESP header ("*3", ":12") without its type byte, and the offset after it.
bool HeaderLine(std::string_view resp, std::string_view* line, size_t* next) {
  size_t end = resp.find("\r\n");
  if (end == std::string_view::npos || end == 0) return false;
  *line = resp.substr(1, end - 1);
  *next = end + 2;
  return true;
}

// The message of the error on top of the stack: a string, or an error table's err.
std::string ErrorText(lua_State* L) {
  if (lua_istable(L, -1)) {
    lua_getfield(L, -1, "err");
    std::string text = lua_isstring(L, -1) ? lua_tostring(L, -1) : "(null)";
    lua_pop(L, 1);
    return text;
  }
  const char* s = lua_tostring(L, -1);
  return s != nullptr ? s : "(null)";
}

}  // namespace

void AppendLuaValue(lua_State* L, int idx, std::string* out) { AppendLuaValueAt(L, idx, 0, out); }

size_t AppendReadableReply(std::string_view resp, std::string* out) {
  std::string_view line;
  size_t pos = 0;
  if (resp.empty() || !HeaderLine(resp, &line, &pos)) return resp.size();
  int64_t n = 0;
  switch (resp[0]) {
    case ':':
    case '(':
      out->append(line);
      return pos;
    case '$':
    case '=':
      if (!resp::ParseInt64(line, &n) || n < 0) {
        out->append("NULL");
        return pos;
      }
      n = std::min<int64_t>(n, static_cast<int64_t>(resp.size() - pos));
      AppendQuoted(out, resp.substr(pos, static_cast<size_t>(n)));
      return std::min(resp.size(), pos + static_cast<size_t>(n) + 2);
    case '+':
    case '-':
      AppendQuoted(out, resp.substr(0, pos - 2));
      return pos;
    case '_':
      out->append("(null)");
      return pos;
    case '#':
      out->append(line == "t" ? "#true" : "#false");
      return pos;
    case ',':
      out->append("(double) ");
      out->append(line);
      return pos;
    case '*':
    case '~':
    case '>':
    case '%': {
      if (!resp::ParseInt64(line, &n) || n < 0) {
        out->append("NULL");
        return pos;
      }
      bool is_map = resp[0] == '%';
      out->append(resp[0] == '~' ? "~(" : is_map ? "{" : "[");
      for (int64_t i = 0; i < n && pos < resp.size(); ++i) {
        pos += AppendReadableReply(resp.substr(pos), out);
        if (is_map) {
          out->append(" => ");
          pos += AppendReadableReply(resp.substr(pos), out);
        }
        if (i != n - 1) out->push_back(',');
      }
      out->append(resp[0] == '~' ? ")" : is_map ? "}" : "]");
      return pos;
    }
    default:
      return resp.size();
  }
}

ScriptDebugger::ScriptDebugger(DebugChannel* channel, std::string_view body,
                               const std::atomic<bool>* stop)
    : channel_(channel), stop_(stop) {
  while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) body.remove_suffix(1);
  size_t start = 0;
  while (!body.empty()) {
    size_t nl = body.find('\n', start);
    lines_.emplace_back(body.substr(start, nl == std::string_view::npos ? nl : nl - start));
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
}

void ScriptDebugger::Log(std::string entry) { logs_.push_back(std::move(entry)); }

void ScriptDebugger::LogWithMaxLen(std::string entry) {
  bool trimmed = max_len_ != 0 && entry.size() > max_len_;
  if (trimmed) {
    entry.resize(max_len_);
    entry.append(" ...");
  }
  Log(std::move(entry));
  if (trimmed && !max_len_hint_sent_) {
    max_len_hint_sent_ = true;
    Log("<hint> The above reply was trimmed. Use 'maxlen 0' to disable trimming.");
  }
}

// One array of status replies; a newline inside an entry becomes a space.
void ScriptDebugger::SendLogs() {
  std::string out = "*" + std::to_string(logs_.size()) + "\r\n";
  for (std::string& entry : logs_) {
    for (char& c : entry) {
      if (c == '\r' || c == '\n') c = ' ';
    }
    out.push_back('+');
    out.append(entry);
    out.append("\r\n");
  }
  logs_.clear();
  // A client that does not take it is noticed by the next Receive.
  (void)channel_->Send(out);
}

void ScriptDebugger::EndSession() {
  Log("<endsession>");
  SendLogs();
}

void ScriptDebugger::LogCommand(std::span<const std::string_view> args) {
  std::string entry = "<redis>";
  for (size_t i = 0; i < args.size(); ++i) {
    if (i == 10) {  // Redis counts one fewer than it leaves out
      entry += " ... (" + std::to_string(args.size() - i - 1) + " more)";
      break;
    }
    entry.push_back(' ');
    entry.append(args[i]);
  }
  Log(std::move(entry));
}

void ScriptDebugger::LogReply(std::string_view resp) {
  std::string entry = "<reply> ";
  AppendReadableReply(resp, &entry);
  LogWithMaxLen(std::move(entry));
}

void ScriptDebugger::LogError(std::string_view text) { Log("<error> " + std::string(text)); }

void ScriptDebugger::LogDebugValues(lua_State* L) {
  std::string entry = "<debug> line " + std::to_string(current_line_) + ": ";
  int argc = lua_gettop(L);
  for (int i = 1; i <= argc; ++i) {
    AppendLuaValue(L, i, &entry);
    if (i != argc) entry.append(", ");
  }
  Log(std::move(entry));
}

bool ScriptDebugger::OnHook(lua_State* L, lua_Debug* ar, int64_t* start_ms, int64_t busy_ms,
                            LuaMemory* memory) {
  memory_ = memory;
  lua_getstack(L, 0, ar);
  lua_getinfo(L, "Sl", ar);
  current_line_ = ar->currentline;
  bool breakpoint = IsBreakpoint(current_line_) || lua_breakpoint_;
  if (std::strstr(ar->short_src, "user_script") == nullptr) return true;  // not the script
  bool timed_out = false;
  if (ar->event == LUA_HOOKCOUNT && !step_ && !breakpoint) {
    // A script that runs on without stopping may loop forever: stop it as if stepping.
    int64_t limit = busy_ms > 0 ? busy_ms : 5000;
    if (ScriptClockMs() - *start_ms < limit) return true;
    timed_out = true;
    step_ = true;
  }
  if (!step_ && !breakpoint) return true;
  const char* reason = "step over";
  if (breakpoint) {
    reason = lua_breakpoint_ ? "redis.breakpoint() called" : "break point";
  } else if (timed_out) {
    reason = "timeout reached, infinite loop?";
  }
  step_ = false;
  lua_breakpoint_ = false;
  Log("* Stopped at " + std::to_string(current_line_) + ", stop reason = " + reason);
  LogSourceLine(current_line_);
  SendLogs();
  Served served = ServeCommands(L);
  if (served == Served::kRaise) return false;
  if (served == Served::kClientGone && timed_out) {
    // Nobody can stop it any more: end it rather than hold the server.
    PushErrorTable(L, "timeout during Lua debugging with client closing connection");
    return false;
  }
  *start_ms = ScriptClockMs();
  return true;
}

ScriptDebugger::Served ScriptDebugger::ServeCommands(lua_State* L) {
  for (;;) {
    std::vector<std::string> argv;
    bool protocol_error = false;
    while (!ParseCommand(&argv, &protocol_error)) {
      if (protocol_error) {
        PushErrorTable(L, "protocol error");
        return Served::kRaise;
      }
      if (!channel_->Receive(&input_, stop_)) {
        // The client is gone: the script runs to its end without stopping.
        step_ = false;
        breakpoints_.clear();
        return Served::kClientGone;
      }
      if (input_.size() > kMaxCommandBytes) {
        input_.clear();
        PushErrorTable(L, "max client buffer reached");
        return Served::kRaise;
      }
    }
    input_.clear();
    if (Is(argv[0], "a", "abort")) {
      PushErrorTable(L, "script aborted for user request");
      return Served::kRaise;
    }
    bool resume = false;
    Run(L, argv, &resume);
    if (resume) return Served::kResume;
  }
}

// A lenient reader, as Redis's: '*' may follow other bytes, and every argument must be a
// bulk string of 1 to kMaxArgBytes bytes.
bool ScriptDebugger::ParseCommand(std::vector<std::string>* argv, bool* protocol_error) {
  argv->clear();
  if (input_.empty()) return false;
  std::string_view in = input_;
  size_t star = in.find('*');
  if (star == std::string_view::npos) {
    *protocol_error = true;
    return false;
  }
  size_t end = in.find("\r\n", star);
  if (end == std::string_view::npos) return false;
  int count = std::atoi(std::string(in.substr(star + 1, end - star - 1)).c_str());
  if (count <= 0 || static_cast<size_t>(count) > kMaxArgs) {
    *protocol_error = true;
    return false;
  }
  size_t pos = end + 2;
  while (argv->size() < static_cast<size_t>(count)) {
    if (pos >= in.size()) return false;
    if (in[pos] != '$') {
      *protocol_error = true;
      return false;
    }
    end = in.find("\r\n", pos);
    if (end == std::string_view::npos) return false;
    int len = std::atoi(std::string(in.substr(pos + 1, end - pos - 1)).c_str());
    if (len <= 0 || static_cast<size_t>(len) > kMaxArgBytes) {
      *protocol_error = true;
      return false;
    }
    pos = end + 2;
    if (pos + static_cast<size_t>(len) + 2 > in.size()) return false;
    argv->emplace_back(in.substr(pos, static_cast<size_t>(len)));
    pos += static_cast<size_t>(len);
    if (in.substr(pos, 2) != "\r\n") {
      *protocol_error = true;
      return false;
    }
    pos += 2;
  }
  return true;
}

void ScriptDebugger::Run(lua_State* L, const std::vector<std::string>& argv, bool* resume) {
  const std::string& cmd = argv[0];
  if (Is(cmd, "h", "help")) {
    Help();
  } else if (Is(cmd, "s", "step") || Is(cmd, "n", "next")) {
    step_ = true;
    *resume = true;
    return;
  } else if (Is(cmd, "c", "continue")) {
    *resume = true;
    return;
  } else if (Is(cmd, "t", "trace")) {
    Trace(L);
  } else if (Is(cmd, "m", "maxlen")) {
    MaxLen(argv);
  } else if (Is(cmd, "b", "break")) {
    Break(argv);
  } else if (Is(cmd, "e", "eval")) {
    Eval(L, argv);
  } else if (argv.size() > 1 && Is(cmd, "r", "redis")) {
    Redis(L, argv);
  } else if (Is(cmd, "p", "print")) {
    if (argv.size() == 2) {
      Print(L, argv[1]);
    } else {
      PrintLocals(L);
    }
  } else if (Is(cmd, "l", "list")) {
    int around = current_line_;
    int context = 5;
    if (argv.size() > 1 && LooseInt(argv[1]) > 0) around = LooseInt(argv[1]);
    if (argv.size() > 2) context = LooseInt(argv[2]);
    List(around, context);
  } else if (Is(cmd, "w", "whole")) {
    List(1, kWholeContext);
  } else {
    Log("<error> Unknown Redis Lua debugger command or wrong number of arguments.");
  }
  SendLogs();
}

void ScriptDebugger::Help() {
  static constexpr const char* kHelp[] = {
      "Redis Lua debugger help:",
      "[h]elp               Show this help.",
      "[s]tep               Run current line and stop again.",
      "[n]ext               Alias for step.",
      "[c]ontinue           Run till next breakpoint.",
      "[l]ist               List source code around current line.",
      "[l]ist [line]        List source code around [line].",
      "                     line = 0 means: current position.",
      "[l]ist [line] [ctx]  In this form [ctx] specifies how many lines",
      "                     to show before/after [line].",
      "[w]hole              List all source code. Alias for 'list 1 1000000'.",
      "[p]rint              Show all the local variables.",
      "[p]rint <var>        Show the value of the specified variable.",
      "                     Can also show global vars KEYS and ARGV.",
      "[b]reak              Show all breakpoints.",
      "[b]reak <line>       Add a breakpoint to the specified line.",
      "[b]reak -<line>      Remove breakpoint from the specified line.",
      "[b]reak 0            Remove all breakpoints.",
      "[t]race              Show a backtrace.",
      "[e]val <code>        Execute some Lua code (in a different callframe).",
      "[r]edis <cmd>        Execute a Redis command.",
      "[m]axlen [len]       Trim logged Redis replies and Lua var dumps to len.",
      "                     Specifying zero as <len> means unlimited.",
      "[a]bort              Stop the execution of the script. In sync",
      "                     mode dataset changes will be retained.",
      "",
      "Debugger functions you can call from Lua scripts:",
      "redis.debug()        Produce logs in the debugger console.",
      "redis.breakpoint()   Stop execution like if there was a breakpoint in the",
      "                     next line of code.",
  };
  for (const char* line : kHelp) Log(line);
}

bool ScriptDebugger::IsBreakpoint(int line) const {
  for (int bp : breakpoints_) {
    if (bp == line) return true;
  }
  return false;
}

std::string_view ScriptDebugger::SourceLine(int line) const {
  if (line < 1 || static_cast<size_t>(line) > lines_.size()) {
    return "<out of range source code line>";
  }
  return lines_[static_cast<size_t>(line - 1)];
}

void ScriptDebugger::LogSourceLine(int line) {
  bool current = line == current_line_;
  bool bp = IsBreakpoint(line);
  const char* prefix = current && bp ? "->#" : current ? "-> " : bp ? "  #" : "   ";
  char number[16];
  std::snprintf(number, sizeof(number), "%-3d", line);
  Log(std::string(prefix) + number + " " + std::string(SourceLine(line)));
}

void ScriptDebugger::List(int around, int context) {
  for (int line = 1; static_cast<size_t>(line) <= lines_.size(); ++line) {
    if (around != 0 && std::abs(around - line) > context) continue;
    LogSourceLine(line);
  }
}

void ScriptDebugger::Break(const std::vector<std::string>& argv) {
  if (argv.size() == 1) {
    if (breakpoints_.empty()) {
      Log("No breakpoints set. Use 'b <line>' to add one.");
      return;
    }
    Log(std::to_string(breakpoints_.size()) + " breakpoints set:");
    for (int bp : breakpoints_) LogSourceLine(bp);
    return;
  }
  for (size_t i = 1; i < argv.size(); ++i) {
    int64_t line = 0;
    if (!resp::ParseInt64(argv[i], &line)) {
      Log("Invalid argument:'" + argv[i] + "'");
    } else if (line == 0) {
      breakpoints_.clear();
      Log("All breakpoints removed.");
    } else if (line > 0) {
      // As in Redis, a line that already has a breakpoint counts as a wrong one.
      if (breakpoints_.size() == kMaxBreakpoints) {
        Log("Too many breakpoints set.");
      } else if (static_cast<size_t>(line) <= lines_.size() &&
                 !IsBreakpoint(static_cast<int>(line))) {
        breakpoints_.push_back(static_cast<int>(line));
        List(static_cast<int>(line), 1);
      } else {
        Log("Wrong line number.");
      }
    } else {
      auto it = std::find(breakpoints_.begin(), breakpoints_.end(), static_cast<int>(-line));
      if (line >= -static_cast<int64_t>(INT32_MAX) && it != breakpoints_.end()) {
        breakpoints_.erase(it);
        Log("Breakpoint removed.");
      } else {
        Log("No breakpoint in the specified line.");
      }
    }
  }
}

// Looks for a local named name from the current frame outwards; KEYS and ARGV as globals.
void ScriptDebugger::Print(lua_State* L, const std::string& name) {
  lua_Debug ar;
  for (int level = 0; lua_getstack(L, level, &ar) != 0; ++level) {
    const char* local = nullptr;
    for (int i = 1; (local = lua_getlocal(L, &ar, i)) != nullptr; ++i) {
      bool match = name == local;
      if (match) {
        std::string entry = "<value> ";
        AppendLuaValue(L, -1, &entry);
        LogWithMaxLen(std::move(entry));
      }
      lua_pop(L, 1);
      if (match) return;
    }
  }
  if (name == "ARGV" || name == "KEYS") {
    lua_getglobal(L, name.c_str());
    std::string entry = "<value> ";
    AppendLuaValue(L, -1, &entry);
    LogWithMaxLen(std::move(entry));
    lua_pop(L, 1);
    return;
  }
  Log("No such variable.");
}

void ScriptDebugger::PrintLocals(lua_State* L) {
  lua_Debug ar;
  int shown = 0;
  if (lua_getstack(L, 0, &ar) != 0) {
    const char* name = nullptr;
    for (int i = 1; (name = lua_getlocal(L, &ar, i)) != nullptr; ++i) {
      if (std::strstr(name, "(*temporary)") == nullptr) {
        std::string entry = "<value> " + std::string(name) + " = ";
        AppendLuaValue(L, -1, &entry);
        LogWithMaxLen(std::move(entry));
        ++shown;
      }
      lua_pop(L, 1);
    }
  }
  if (shown == 0) Log("No local variables in the current context.");
}

// Runs code in a frame of its own: as an expression if it is one, else as statements.
void ScriptDebugger::Eval(lua_State* L, const std::vector<std::string>& argv) {
  std::string code;
  for (size_t i = 1; i < argv.size(); ++i) {
    if (i > 1) code.push_back(' ');
    code.append(argv[i]);
  }
  std::string expr = "return " + code;
  if (luaL_loadbuffer(L, expr.data(), expr.size(), "@ldb_eval") != 0) {
    lua_pop(L, 1);
    if (luaL_loadbuffer(L, code.data(), code.size(), "@ldb_eval") != 0) {
      Log("<error> " + ErrorText(L));
      lua_pop(L, 1);
      return;
    }
  }
  if (LimitedCall(L, 0) != 0) {
    Log("<error> " + ErrorText(L));
    lua_pop(L, 1);
    return;
  }
  std::string entry = "<retval> ";
  AppendLuaValue(L, -1, &entry);
  LogWithMaxLen(std::move(entry));
  lua_pop(L, 1);
}

// Calls redis.call with the arguments while stepping, so the command and its reply are logged.
void ScriptDebugger::Redis(lua_State* L, const std::vector<std::string>& argv) {
  if (!lua_checkstack(L, static_cast<int>(argv.size()) + 1)) {
    LogError("max lua stack reached");
    return;
  }
  lua_getglobal(L, "redis");
  lua_getfield(L, -1, "call");
  for (size_t i = 1; i < argv.size(); ++i) lua_pushlstring(L, argv[i].data(), argv[i].size());
  step_ = true;
  LimitedCall(L, static_cast<int>(argv.size()) - 1);
  step_ = false;
  lua_pop(L, 2);  // the result and redis
}

// The hook runs as host code (no limit); what the client asks to run is the script's.
int ScriptDebugger::LimitedCall(lua_State* L, int nargs) {
  int host_depth = memory_->host_depth;
  memory_->host_depth = 0;
  int err = lua_pcall(L, nargs, 1, 0);
  memory_->host_depth = host_depth;
  return err;
}

void ScriptDebugger::Trace(lua_State* L) {
  lua_Debug ar;
  int level = 0;
  for (; lua_getstack(L, level, &ar) != 0; ++level) {
    lua_getinfo(L, "Snl", &ar);
    if (std::strstr(ar.short_src, "user_script") == nullptr) continue;
    Log(std::string(level == 0 ? "In" : "From") + " " + (ar.name != nullptr ? ar.name : "top level") +
        ":");
    LogSourceLine(ar.currentline);
  }
  if (level == 0) Log("<error> Can't retrieve Lua stack.");
}

void ScriptDebugger::MaxLen(const std::vector<std::string>& argv) {
  if (argv.size() == 2) {
    int len = LooseInt(argv[1]);
    max_len_hint_sent_ = true;  // the client knows about maxlen now
    if (len != 0 && len <= 60) len = 60;
    max_len_ = static_cast<size_t>(len);
  }
  if (max_len_ != 0) {
    Log("<value> replies are truncated at " + std::to_string(max_len_) + " bytes.");
  } else {
    Log("<value> replies are unlimited.");
  }
}

}  // namespace cairn::server::scripting
