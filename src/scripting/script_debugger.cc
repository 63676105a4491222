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
#include "src/exec/scripts.h"
#include "src/scripting/debug_format.h"
#include "src/scripting/lua_sandbox.h"
#include "src/scripting/lua_values.h"

namespace cairn::server::scripting {
namespace {

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

// Whole lines `whole` lists around its first one: every line.
constexpr int kWholeContext = 1000000;

// A number as Redis's debugger reads one (atoi): an optional sign and leading digits, 0 when
// there are none; clamped to int instead of overflowing.
int LooseInt(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  bool negative = i < s.size() && s[i] == '-';
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  int64_t value = 0;
  for (; i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])); ++i) {
    value = std::min<int64_t>(value * 10 + (s[i] - '0'), int64_t{INT32_MAX} + 1);
  }
  if (negative) value = -value;
  return static_cast<int>(std::clamp<int64_t>(value, INT32_MIN, INT32_MAX));
}

// The message of the error on top of the stack: a string, or an error table's err string.
// Raw reads only: a metamethod could raise, and nothing may raise in the hook.
std::string ErrorText(lua_State* L) {
  if (lua_type(L, -1) == LUA_TTABLE) {
    lua_pushstring(L, "err");
    lua_rawget(L, -2);
    std::string text = "(null)";
    if (lua_type(L, -1) == LUA_TSTRING) text = lua_tostring(L, -1);
    lua_pop(L, 1);
    return text;
  }
  const char* s = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : nullptr;
  return s != nullptr ? s : "(null)";
}

// Debugger code (`eval`) runs with hooks off on the script's own thread (Lua calls no hook
// from inside one), so it runs on a thread of its own whose count hook ends it past this.
thread_local int64_t eval_deadline_ms = 0;
thread_local const std::atomic<bool>* eval_stop = nullptr;

bool EvalMustEnd() {
  return ScriptClockMs() > eval_deadline_ms ||
         (eval_stop != nullptr && eval_stop->load(std::memory_order_relaxed));
}

void EvalHook(lua_State* T, lua_Debug* /*ar*/) {
  if (!EvalMustEnd()) return;
  lua_pushstring(T, "eval stopped: it ran past busy-reply-threshold");
  lua_error(T);
}

}  // namespace

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

void ScriptDebugger::Log(std::string entry) {
  if (logs_bytes_ + entry.size() > kMaxLogBytes) {
    ++logs_dropped_;
    return;
  }
  logs_bytes_ += entry.size();
  logs_.push_back(std::move(entry));
}

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
  if (logs_dropped_ > 0) {
    logs_.push_back("<error> " + std::to_string(logs_dropped_) +
                    " more log lines were dropped: the log holds 8 MB between two stops");
  }
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
  logs_bytes_ = 0;
  logs_dropped_ = 0;
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
  AppendReadableReply(resp.substr(0, ValueBudget()), &entry);
  LogWithMaxLen(std::move(entry));
}

void ScriptDebugger::LogError(std::string_view text) { Log("<error> " + std::string(text)); }

void ScriptDebugger::LogDebugValues(lua_State* L) {
  std::string entry = "<debug> line " + std::to_string(current_line_) + ": ";
  int argc = lua_gettop(L);
  for (int i = 1; i <= argc; ++i) {
    AppendLuaValue(L, i, &entry, ValueBudget());
    if (i != argc) entry.append(", ");
  }
  Log(std::move(entry));
}

size_t ScriptDebugger::ValueBudget() const {
  return max_len_ != 0 ? max_len_ + 1 : kMaxLogBytes;
}

bool ScriptDebugger::OnHook(lua_State* L, lua_Debug* ar, int64_t* start_ms, int64_t busy_ms,
                            LuaMemory* memory) {
  memory_ = memory;
  busy_ms_ = busy_ms > 0 ? busy_ms : kDefaultTimeoutMs;
  if (!fatal_.empty()) {
    // Raised again on every line, so a pcall in the script cannot swallow the end.
    PushErrorTable(L, fatal_);
    return false;
  }
  lua_getstack(L, 0, ar);
  lua_getinfo(L, "Sl", ar);
  current_line_ = ar->currentline;
  if (std::strstr(ar->short_src, "user_script") == nullptr) return true;  // not the script
  bool over_time = ar->event == LUA_HOOKCOUNT && ScriptClockMs() - *start_ms >= busy_ms_;
  if (client_gone_) {
    // Nobody can stop it any more: it runs on, and ends if it runs past the threshold.
    if (!over_time) return true;
    return End(L, "timeout during Lua debugging with client closing connection");
  }
  bool breakpoint = IsBreakpoint(current_line_) || lua_breakpoint_;
  // A script that runs on without stopping may loop forever: stop it as if stepping.
  bool timed_out = !step_ && !breakpoint && over_time;
  if (!step_ && !breakpoint && !timed_out) return true;
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
  ServeCommands(L);
  if (!fatal_.empty()) return End(L, fatal_);
  if (client_gone_ && timed_out) {
    return End(L, "timeout during Lua debugging with client closing connection");
  }
  *start_ms = ScriptClockMs();
  return true;
}

bool ScriptDebugger::End(lua_State* L, std::string why) {
  fatal_ = std::move(why);
  PushErrorTable(L, fatal_);
  return false;
}

void ScriptDebugger::ServeCommands(lua_State* L) {
  for (;;) {
    std::vector<std::string> argv;
    bool protocol_error = false;
    while (!ParseCommand(&argv, &protocol_error)) {
      if (protocol_error) {
        fatal_ = "protocol error";
        return;
      }
      if (!channel_->Receive(&input_, stop_)) {
        // The client is gone: the script runs to its end without stopping.
        client_gone_ = true;
        step_ = false;
        breakpoints_.clear();
        return;
      }
      if (input_.size() > kMaxCommandBytes) {
        input_.clear();
        fatal_ = "max client buffer reached";
        return;
      }
    }
    input_.clear();
    if (Is(argv[0], "a", "abort")) {
      fatal_ = "script aborted for user request";
      return;
    }
    bool resume = false;
    Run(L, argv, &resume);
    if (resume) return;
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
  int count = LooseInt(in.substr(star + 1, end - star - 1));
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
    int len = LooseInt(in.substr(pos + 1, end - pos - 1));
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
      auto it = line >= -int64_t{INT32_MAX}
                    ? std::find(breakpoints_.begin(), breakpoints_.end(), static_cast<int>(-line))
                    : breakpoints_.end();
      if (it != breakpoints_.end()) {
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
        AppendLuaValue(L, -1, &entry, ValueBudget());
        LogWithMaxLen(std::move(entry));
      }
      lua_pop(L, 1);
      if (match) return;
    }
  }
  if (name == "ARGV" || name == "KEYS") {
    lua_getglobal(L, name.c_str());
    std::string entry = "<value> ";
    AppendLuaValue(L, -1, &entry, ValueBudget());
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
        AppendLuaValue(L, -1, &entry, ValueBudget());
        LogWithMaxLen(std::move(entry));
        ++shown;
      }
      lua_pop(L, 1);
    }
  }
  if (shown == 0) Log("No local variables in the current context.");
}

// Runs code in a frame of its own: as an expression if it is one, else as statements. It runs
// on a Lua thread of its own, the only place a hook can bound it (see EvalHook).
void ScriptDebugger::Eval(lua_State* L, const std::vector<std::string>& argv) {
  std::string code;
  for (size_t i = 1; i < argv.size(); ++i) {
    if (i > 1) code.push_back(' ');
    code.append(argv[i]);
  }
  std::string expr = "return " + code;
  lua_State* T = lua_newthread(L);  // kept alive on L's stack until the end
  if (luaL_loadbuffer(T, expr.data(), expr.size(), "@ldb_eval") != 0) {
    lua_pop(T, 1);
    if (luaL_loadbuffer(T, code.data(), code.size(), "@ldb_eval") != 0) {
      Log("<error> " + ErrorText(T));
      lua_pop(L, 1);
      return;
    }
  }
  eval_deadline_ms = ScriptClockMs() + busy_ms_;
  eval_stop = stop_;
  lua_sethook(T, EvalHook, LUA_MASKCOUNT, kEvalHookInstructions);
  if (LimitedCall(T, 0) != 0) {
    Log("<error> " + ErrorText(T));
  } else {
    std::string entry = "<retval> ";
    AppendLuaValue(T, -1, &entry, ValueBudget());
    LogWithMaxLen(std::move(entry));
  }
  lua_pop(L, 1);  // the thread, and with it what it left on its stack
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
    std::string frame = ar.name != nullptr ? ar.name : "top level";
    Log(std::string(level == 0 ? "In " : "From ") + frame + ":");
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
