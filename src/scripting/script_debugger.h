// src/scripting/script_debugger.h — Redis's Lua debugger (LDB) for one EVAL, as `redis-cli
// --ldb` and `--ldb-sync-mode` drive it.
//
// The protocol: the script stops before its first line; each stop, and each debugger command,
// sends the session's log as one array of status replies ("* Stopped at 2, stop reason = step
// over", "-> 2   local x = ...", "<redis> GET a", "<reply> \"1\"", ...). The client answers
// with commands in RESP (`step`, `continue`, `list`, `print`, `break`, `eval`, `redis`,
// `trace`, `maxlen`, `abort`, `help`, and their one-letter forms) until one resumes the
// script. The session ends with "<endsession>" in the last log; the EVAL's own reply follows
// and the server closes the connection. The texts, and the rules for what is shown (replies
// cut at `maxlen` bytes, Lua values as Redis prints them), are Redis 7.0's.
//
// The engine installs OnHook as the run's line and count hook, and redis.call reports its
// commands, replies and errors here while the session is stepping (logging()).
//
// Threading: the thread running the script.
#pragma once

#include <atomic>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "src/exec/script_debug.h"

struct lua_State;
struct lua_Debug;

namespace cairn::server::scripting {

struct LuaMemory;

class ScriptDebugger {
 public:
  static constexpr size_t kMaxBreakpoints = 64;
  static constexpr size_t kDefaultMaxLen = 256;
  static constexpr size_t kMaxCommandBytes = size_t{1} << 20;  // a client's unparsed input
  static constexpr size_t kMaxArgs = 1024;
  static constexpr size_t kMaxArgBytes = 1024;
  // The log sent at one stop holds at most this much; lines past it are counted, not kept.
  static constexpr size_t kMaxLogBytes = 8 << 20;
  // busy-reply-threshold when it is 0: how long the script (or a debugger `eval`) runs
  // without a stop before the session stops it.
  static constexpr int64_t kDefaultTimeoutMs = 5000;
  static constexpr int kEvalHookInstructions = 10000;

  // A session over channel for the script body (its lines are what `list` shows). stop:
  // when it becomes true the session stops waiting for the client (server shutdown). Both
  // are the caller's and must outlive the session; Send and Receive block this thread.
  ScriptDebugger(DebugChannel* channel, std::string_view body, const std::atomic<bool>* stop);

  // Appends to the log sent at the next stop (or at the end).
  void Log(std::string entry);
  // Ends the session: the pending log and "<endsession>".
  void EndSession();

  // Whether the session is stepping: redis.call then logs what it runs (LogCommand,
  // LogReply, LogError).
  bool logging() const { return step_; }
  void LogCommand(std::span<const std::string_view> args);
  void LogReply(std::string_view resp);  // a whole RESP reply
  void LogError(std::string_view text);
  // redis.breakpoint(): stop at the next line.
  void BreakAtNextLine() { lua_breakpoint_ = true; }
  // redis.debug(...): the values on L's stack, as "<debug> line N: v1, v2".
  void LogDebugValues(lua_State* L);

  // The run's hook (LUA_MASKLINE | LUA_MASKCOUNT). Stops where the session asks (stepping, a
  // breakpoint, redis.breakpoint(), or a script running past busy_ms without a stop) and
  // serves the client's commands until one resumes the script; *start_ms restarts then.
  // Returns false with an error pushed on L when the script must end (abort, a protocol
  // error, a client gone after a timeout stop): the caller raises it, past any C++ frame,
  // and every later line raises it again (a pcall in the script cannot swallow it). Once
  // the client is gone the script never stops again, and ends if it runs past busy_ms.
  // memory: the interpreter's account; code the client runs (`eval`, `redis`) is held to its
  // limit like the script.
  bool OnHook(lua_State* L, lua_Debug* ar, int64_t* start_ms, int64_t busy_ms,
              LuaMemory* memory);

 private:
  // Serves commands until one resumes the script, the client leaves (client_gone_), or the
  // session must end (fatal_ set).
  void ServeCommands(lua_State* L);
  // Ends the script with why (pushed on L); returns false for OnHook.
  bool End(lua_State* L, std::string why);
  // How much of a value or reply is rendered: a little past maxlen (then trimmed).
  size_t ValueBudget() const;
  // Takes one complete command off input_ (the rest of input_ is dropped, as Redis does).
  // False while more input is needed; *protocol_error when it cannot be a command.
  bool ParseCommand(std::vector<std::string>* argv, bool* protocol_error);
  void Run(lua_State* L, const std::vector<std::string>& argv, bool* resume);
  void SendLogs();
  void LogWithMaxLen(std::string entry);
  void LogSourceLine(int line);
  void List(int around, int context);
  void Break(const std::vector<std::string>& argv);
  void Print(lua_State* L, const std::string& name);
  void PrintLocals(lua_State* L);
  void Eval(lua_State* L, const std::vector<std::string>& argv);
  void Redis(lua_State* L, const std::vector<std::string>& argv);
  void Trace(lua_State* L);
  void MaxLen(const std::vector<std::string>& argv);
  void Help();
  bool IsBreakpoint(int line) const;
  std::string_view SourceLine(int line) const;

  // Runs n arguments under lua_pcall with the script's memory limit in force.
  int LimitedCall(lua_State* L, int nargs);

  DebugChannel* channel_;
  LuaMemory* memory_ = nullptr;  // set by OnHook
  const std::atomic<bool>* stop_;
  std::vector<std::string> lines_;
  std::vector<std::string> logs_;
  size_t logs_bytes_ = 0;
  size_t logs_dropped_ = 0;
  std::string fatal_;         // why the script must end; empty while it may go on
  bool client_gone_ = false;  // the channel ended: no more stops
  int64_t busy_ms_ = kDefaultTimeoutMs;
  std::vector<int> breakpoints_;
  std::string input_;
  int current_line_ = 0;
  size_t max_len_ = kDefaultMaxLen;  // 0: unlimited
  bool max_len_hint_sent_ = false;
  bool step_ = true;  // the script stops before its first line
  bool lua_breakpoint_ = false;
};

}  // namespace cairn::server::scripting
