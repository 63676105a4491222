// src/scripting/script_engine.h — the Lua interpreter of one thread and how it runs a script.
//
// Each I/O thread has its own interpreter, so scripts on different keys run in parallel; the
// script cache (ServerState::scripts) is shared and each interpreter compiles a script the
// first time it runs there. SCRIPT FLUSH bumps the cache's epoch and every interpreter starts
// afresh at its next use.
//
// A run: the declared keys' shards (or every shard, see scripts.h for the rule) are locked
// through Store::Atomically, so the run is atomic for every client on every thread and all of
// its writes form one WAL record; the script's commands run on a private script client (the
// caller's database, RESP2 unless redis.setresp); its result becomes the reply. A count hook
// marks the run busy past busy-reply-threshold and stops it when SCRIPT KILL asks.
//
// Threading: ForThread returns the calling thread's engine; use it on that thread only.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "resp/output_buffer.h"
#include "src/base/string_hash.h"
#include "src/exec/command.h"
#include "src/exec/functions.h"
#include "src/exec/scripts.h"
#include "store/base/status.h"

struct lua_State;

namespace cairn::server::scripting {

struct LuaMemory;
class ScriptDebugger;

// What a run is: the script's compiled function, its KEYS and ARGV, and how it may act.
struct RunRequest {
  // EVAL: the registry name of the compiled chunk ("f_<sha>"), which reads KEYS and ARGV as
  // globals. FCALL: the function's name; its callback gets keys and args as parameters.
  // A view of a std::string that outlives the run (so NUL-terminated, for Lua).
  std::string_view function;
  std::string_view funcname;  // as error messages name it
  std::span<const std::string_view> keys;
  std::span<const std::string_view> args;
  uint32_t script_flags = kScriptCompat;
  bool read_only = false;
  bool is_eval = true;
  std::atomic<LockMode>* lock_mode = nullptr;  // where the lock mode is learned
  // A SCRIPT DEBUG session: the run stops where it asks and holds every shard (the debugger's
  // `redis` command may touch any key); its lock mode is not learned.
  ScriptDebugger* debugger = nullptr;
};

class ScriptEngine {
 public:
  // The calling thread's engine (created on first use, rebuilt after SCRIPT FLUSH).
  static ScriptEngine& ForThread(ServerState& server);
  ~ScriptEngine();

  // Compiles script into this interpreter as f_<sha> unless it is there already. The error
  // is Redis's "Error compiling script (new function): ..." text.
  Status Load(const Script& script);
  // EVALSHA's lookup: the script with this SHA-1 (any case), or nullptr. Served from this
  // engine's own copy of the cache entries it has used (no lock, no shared count), filled
  // from ScriptCache on a miss. The script lives as long as this engine (SCRIPT FLUSH makes
  // ForThread build a new one).
  Script* FindScript(std::string_view sha);
  // Runs a loaded function for ctx and writes its result (or error) as ctx's reply. FCALL
  // first calls SyncFunctions.
  void Run(CommandContext& ctx, const RunRequest& request);

  // Drops the calling thread's engine (a debugging session's, built for a server state that
  // is about to go away).
  static void ReleaseThread();

  // Runs a library's code (FUNCTION LOAD) and returns the library it registers, with Redis's
  // error texts. The functions are not installed here: the registry decides (functions.h).
  // Code still running after timeout_ms (0: no limit) fails with "FUNCTION LOAD timeout":
  // FUNCTION LOAD gives kLoadTimeoutMs, as Redis does; restores and startup give none.
  static constexpr int64_t kLoadTimeoutMs = 500;
  Result<std::shared_ptr<Library>> CompileLibrary(std::string_view code, int64_t timeout_ms = 0);
  // Installs the registry's current libraries in this interpreter if they changed.
  void SyncFunctions();

 private:
  explicit ScriptEngine(ServerState& server);
  // Runs the request inside its locks and writes the reply; returns whether the script
  // touched keys it had not declared.
  bool RunAndReport(CommandContext& ctx, const RunRequest& request);
  void ReplyError(CommandContext& ctx, std::string_view funcname);
  // Runs code (after its shebang line) in load mode, registering into lib and into the
  // callback table on top of the stack. Error text on failure.
  Status RunLibraryCode(std::string_view code, Library* lib, int64_t timeout_ms = 0);

  ServerState& server_;
  uint64_t epoch_ = 0;
  std::unique_ptr<LuaMemory> memory_;
  lua_State* L_ = nullptr;
  std::unique_ptr<ClientState> script_client_;
  std::unique_ptr<resp::OutputBuffer> out_;
  uint64_t runs_ = 0;
  uint64_t functions_epoch_ = 0;  // of the registry, when this interpreter last synced
  // FindScript's copy, keyed by lower-case SHA-1.
  std::unordered_map<std::string, std::shared_ptr<Script>, StringViewHash, std::equal_to<>>
      scripts_;
};

// Registers the libraries the store holds as metadata (functions.h), compiling each on the
// calling thread (whose interpreter stays for later use): at startup after recovery, and on a
// replica's link thread after each full sync. One that no longer loads is logged and skipped.
void RestoreFunctionLibraries(ServerState& server);

}  // namespace cairn::server::scripting
