// src/scripting/run_context.h — the state of the script running on this thread, shared by the
// engine that starts it and the redis.* functions the script calls.
//
// Threading: one run per thread at a time (scripts do not nest: EVAL is not allowed from a
// script); CurrentRun() is thread-local and null between runs.
#pragma once

#include <cstdint>
#include <string>
#include <span>
#include <string_view>
#include <vector>

#include "resp/output_buffer.h"
#include "src/exec/command.h"
#include "src/exec/scripts.h"

namespace cairn::server::scripting {

struct LuaMemory;
class ScriptDebugger;

struct RunContext {
  CommandContext* caller = nullptr;        // the EVAL/FCALL command
  ClientState* script_client = nullptr;    // runs the script's commands (db, protocol)
  ScriptRun run;                           // on the RunningScripts board
  std::span<const std::string_view> keys;  // KEYS as declared (the caller's arguments)
  std::string_view funcname;               // the SHA-1 or the function's name, for errors
  uint32_t script_flags = kScriptCompat;
  bool read_only = false;                  // EVAL_RO/FCALL_RO or flags=no-writes
  bool touched_undeclared = false;         // a command reached beyond KEYS
  bool tracked_keys = false;               // KEYS remembered for a tracking caller
  int resp = 2;                            // redis.setresp
  LuaMemory* memory = nullptr;      // the interpreter's allocator account
  resp::OutputBuffer* out = nullptr;       // where the script's commands reply
  ScriptDebugger* debugger = nullptr;      // a SCRIPT DEBUG session, or nullptr
  int cluster_slot = -1;                   // cluster mode: the slot the run keeps to (-1: none)
};

// The run on this thread, or nullptr.
RunContext*& CurrentRun();

}  // namespace cairn::server::scripting
