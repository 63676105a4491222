// src/scripting/script_engine.cc — see script_engine.h.
#include "src/scripting/script_engine.h"

extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

#include <vector>

#include "src/base/log.h"
#include "src/base/small_vector.h"
#include "src/exec/cluster_routing.h"
#include "src/exec/server_state.h"
#include "src/scripting/function_loader.h"
#include "src/scripting/lua_sandbox.h"
#include "src/scripting/lua_values.h"
#include "src/scripting/redis_api.h"
#include "src/scripting/run_context.h"
#include "src/scripting/script_debugger.h"

namespace cairn::server::scripting {
namespace {

// Scripts may use this much memory each (per thread); past it they fail with "not enough
// memory" rather than starve the server.
constexpr size_t kScriptMemoryLimitBytes = size_t{1} << 30;
// Instructions between two looks at the clock and at SCRIPT KILL.
constexpr int kHookInstructions = 100000;
// Runs between two incremental garbage collection steps, as Redis.
constexpr int kGcPeriod = 50;
// Registry field holding this interpreter's installed functions (name -> callback).
constexpr const char* kFunctions = "cairn.functions";

thread_local std::unique_ptr<ScriptEngine> thread_engine;
thread_local RunContext* current_run = nullptr;
thread_local ServerState* hook_server = nullptr;

// A library's code that runs too long (FUNCTION LOAD's timeout).
void LoadHook(lua_State* L, lua_Debug* /*ar*/) {
  LoadContext* load = CurrentLoad();
  if (load == nullptr || load->timeout_ms <= 0) return;
  if (ScriptClockMs() - load->start_ms <= load->timeout_ms) return;
  lua_sethook(L, LoadHook, LUA_MASKLINE, 0);  // raise again on every line, past any pcall
  PushErrorTable(L, "FUNCTION LOAD timeout");
  lua_error(L);
}

void Hook(lua_State* L, lua_Debug* /*ar*/) {
  RunContext* run = current_run;
  if (run == nullptr || hook_server == nullptr) return;
  int64_t busy_ms = hook_server->limits.busy_reply_threshold_ms.load(std::memory_order_relaxed);
  hook_server->running_scripts.CheckBusy(&run->run, ScriptClockMs(), busy_ms);
  if (run->run.busy) ServeWhileBusy(&run->caller->client);
  if (!run->run.killed.load(std::memory_order_relaxed)) return;
  // Every line from now on raises again, so a pcall in the script cannot swallow the kill.
  lua_sethook(L, Hook, LUA_MASKLINE, 0);
  // Redis names SCRIPT KILL whichever command stopped the run.
  PushErrorTable(L, "Script killed by user with SCRIPT KILL...");
  lua_error(L);
}

// A debugging session's hook; its C++ objects live in this helper only, since the caller
// raises with longjmp.
bool DebugHookStep(lua_State* L, lua_Debug* ar) {
  RunContext* run = current_run;
  if (run == nullptr || run->debugger == nullptr || hook_server == nullptr) return true;
  HostScope host(run->memory);
  int64_t busy_ms = hook_server->limits.busy_reply_threshold_ms.load(std::memory_order_relaxed);
  return run->debugger->OnHook(L, ar, &run->run.start_ms, busy_ms, run->memory);
}

void DebugHook(lua_State* L, lua_Debug* ar) {
  if (!DebugHookStep(L, ar)) lua_error(L);
}

void PushArray(lua_State* L, std::span<const std::string_view> items) {
  lua_createtable(L, static_cast<int>(items.size()), 0);
  for (size_t i = 0; i < items.size(); ++i) {
    lua_pushlstring(L, items[i].data(), items[i].size());
    lua_rawseti(L, -2, static_cast<int>(i + 1));
  }
}

std::string FieldString(lua_State* L, const char* key) {
  lua_getfield(L, -1, key);
  std::string out;
  if (lua_isstring(L, -1)) {
    size_t len = 0;
    const char* s = lua_tolstring(L, -1, &len);
    out.assign(s, len);
  }
  lua_pop(L, 1);
  return out;
}

}  // namespace

RunContext*& CurrentRun() { return current_run; }

ScriptEngine& ScriptEngine::ForThread(ServerState& server) {
  std::unique_ptr<ScriptEngine>& engine = thread_engine;
  if (engine == nullptr || &engine->server_ != &server ||
      engine->epoch_ != server.scripts.epoch()) {
    engine.reset(new ScriptEngine(server));
  }
  return *engine;
}

void ScriptEngine::ReleaseThread() { thread_engine.reset(); }

ScriptEngine::ScriptEngine(ServerState& server)
    : server_(server),
      epoch_(server.scripts.epoch()),
      memory_(std::make_unique<LuaMemory>()),
      script_client_(std::make_unique<ClientState>()),
      out_(std::make_unique<resp::OutputBuffer>()) {
  memory_->limit_bytes = kScriptMemoryLimitBytes;
  L_ = OpenSandbox(memory_.get());
  if (L_ == nullptr) std::abort();
  {
    HostScope host(memory_.get());
    RegisterRedisApi(L_);
    Seal(L_);
    PushLibraryApi(L_);
    SetLibraryApi(L_);
    lua_newtable(L_);
    lua_setfield(L_, LUA_REGISTRYINDEX, kFunctions);
  }
  script_client_->script = true;
  script_client_->addr = "lua";
  script_client_->laddr = "lua";
}

ScriptEngine::~ScriptEngine() {
  if (L_ != nullptr) lua_close(L_);
}

Status ScriptEngine::Load(const Script& script) {
  const char* name = script.lua_name.c_str();
  lua_getfield(L_, LUA_REGISTRYINDEX, name);
  bool loaded = lua_isfunction(L_, -1);
  lua_pop(L_, 1);
  if (loaded) return Status::Ok();
  HostScope host(memory_.get());
  std::string_view body = std::string_view(script.body).substr(script.header.shebang_len);
  if (luaL_loadbuffer(L_, body.data(), body.size(), "@user_script") != 0) {
    std::string msg = "Error compiling script (new function): ";
    const char* err = lua_tostring(L_, -1);
    msg += err != nullptr ? err : "unknown error";
    lua_pop(L_, 1);
    return Status::Invalid(std::move(msg));
  }
  lua_setfield(L_, LUA_REGISTRYINDEX, name);
  return Status::Ok();
}

Script* ScriptEngine::FindScript(std::string_view sha) {
  if (auto it = scripts_.find(sha); it != scripts_.end()) return it->second.get();
  std::shared_ptr<Script> script = server_.scripts.Find(sha);
  if (script == nullptr) return nullptr;
  Script* found = script.get();
  // Only the lower-case spelling is kept: other spellings would let a client grow the map.
  if (sha == script->sha) scripts_.emplace(script->sha, std::move(script));
  return found;
}

void ScriptEngine::Run(CommandContext& ctx, const RunRequest& request) {
  if (store::Store::InTransaction()) {  // inside EXEC, which holds every shard
    (void)RunAndReport(ctx, request);
    return;
  }
  LockMode mode = request.lock_mode != nullptr && request.debugger == nullptr
                      ? request.lock_mode->load(std::memory_order_relaxed)
                      : LockMode::kEveryShard;
  SmallVector<store::KeyRef, 8> keys;
  for (std::string_view key : request.keys) keys.push_back({0, key});
  bool touched = false;
  server_.store.Atomically(keys, mode != LockMode::kDeclared, [&] {
    touched = RunAndReport(ctx, request);
  });
  if (request.lock_mode == nullptr || request.debugger != nullptr) return;
  if (touched) {
    request.lock_mode->store(LockMode::kEveryShard, std::memory_order_relaxed);
  } else if (mode == LockMode::kUnknown) {
    request.lock_mode->store(LockMode::kDeclared, std::memory_order_relaxed);
  }
}

bool ScriptEngine::RunAndReport(CommandContext& ctx, const RunRequest& request) {
  RunContext run;
  run.caller = &ctx;
  run.script_client = script_client_.get();
  run.keys = request.keys;
  run.funcname = request.funcname;
  run.script_flags = request.script_flags;
  run.read_only = request.read_only;
  run.memory = memory_.get();
  run.out = out_.get();
  run.debugger = request.debugger;
  if (server_.cluster.enabled() && ctx.spec != nullptr) {
    run.cluster_slot = CommandSlot(*ctx.spec, ctx.args);  // the declared keys' slot
  }
  run.run.is_eval = request.is_eval;
  run.run.start_ms = ScriptClockMs();
  run.run.name = request.function;
  run.run.command = ctx.args;
  script_client_->db.store(ctx.db(), std::memory_order_relaxed);
  // The script's commands run as the caller's ACL user (refusals are logged as "lua").
  if (script_client_->user_name != ctx.client.user_name) {
    script_client_->user_name = ctx.client.user_name;
  }
  script_client_->user = ctx.client.user;
  script_client_->acl_user_version = ctx.client.acl_user_version;
  script_client_->acl_unrestricted_version = ctx.client.acl_unrestricted_version;

  int top = lua_gettop(L_);
  PushErrorHandler(L_);
  const char* function = request.function.data();  // NUL-terminated (RunRequest)
  int nargs = 0;
  if (request.is_eval) {
    lua_getfield(L_, LUA_REGISTRYINDEX, function);
    PushArray(L_, request.keys);
    SetProtectedGlobal(L_, "KEYS");
    PushArray(L_, request.args);
    SetProtectedGlobal(L_, "ARGV");
  } else {
    lua_getfield(L_, LUA_REGISTRYINDEX, kFunctions);
    lua_getfield(L_, -1, function);
    lua_remove(L_, -2);
    PushArray(L_, request.keys);
    PushArray(L_, request.args);
    nargs = 2;
  }

  current_run = &run;
  hook_server = &server_;
  if (request.debugger != nullptr) {
    lua_sethook(L_, DebugHook, LUA_MASKLINE | LUA_MASKCOUNT, kHookInstructions);
  } else {
    lua_sethook(L_, Hook, LUA_MASKCOUNT, kHookInstructions);
  }
  int err = lua_pcall(L_, nargs, 1, top + 1);
  lua_sethook(L_, nullptr, 0, 0);
  server_.running_scripts.End(&run.run);
  current_run = nullptr;

  HostScope host(memory_.get());
  if (err != 0) {
    ReplyError(ctx, run.funcname);
  } else {
    WriteValue(L_, ctx.reply, run.resp);
  }
  lua_settop(L_, top);
  if (err == LUA_ERRMEM) {
    lua_gc(L_, LUA_GCCOLLECT, 0);
  } else if (++runs_ % kGcPeriod == 0) {
    lua_gc(L_, LUA_GCSTEP, kGcPeriod);
  }
  return run.touched_undeclared;
}

Status ScriptEngine::RunLibraryCode(std::string_view code, Library* lib, int64_t timeout_ms) {
  HostScope host(memory_.get());
  if (luaL_loadbuffer(L_, code.data(), code.size(), "@user_function") != 0) {
    std::string msg = "Error compiling function: ";
    const char* err = lua_tostring(L_, -1);
    msg += err != nullptr ? err : "unknown error";
    lua_pop(L_, 1);
    return Status::Invalid(std::move(msg));
  }
  lua_pushvalue(L_, -2);  // the callbacks table, below the chunk
  lua_setfield(L_, LUA_REGISTRYINDEX, kLoadCallbacks);
  LoadContext load{lib, ScriptClockMs(), timeout_ms};
  CurrentLoad() = &load;
  UseLibraryApi(L_, true);
  lua_sethook(L_, LoadHook, LUA_MASKCOUNT, kHookInstructions);
  int err = lua_pcall(L_, 0, 0, 0);
  lua_sethook(L_, nullptr, 0, 0);
  UseLibraryApi(L_, false);
  CurrentLoad() = nullptr;
  lua_pushnil(L_);
  lua_setfield(L_, LUA_REGISTRYINDEX, kLoadCallbacks);
  if (err == 0) return Status::Ok();
  std::string msg = "Error registering functions: ";
  if (lua_istable(L_, -1)) {
    msg += FieldString(L_, "err");
  } else {
    const char* s = lua_tostring(L_, -1);
    msg += "ERR " + std::string(s != nullptr ? s : "execution failure");
  }
  lua_pop(L_, 1);
  return Status::Invalid(std::move(msg));
}

Result<std::shared_ptr<Library>> ScriptEngine::CompileLibrary(std::string_view code,
                                                              int64_t timeout_ms) {
  Result<LibraryHeader> header = ParseLibraryHeader(code);
  if (!header.ok()) return header.TakeStatus();
  if (!ValidFunctionName(header->name)) {
    return Status::Invalid(
        "Library names can only contain letters, numbers, or underscores(_) and must be at "
        "least one character long");
  }
  std::string engine = header->engine;
  for (char& c : engine) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (engine != "LUA") return Status::Invalid("Engine '" + header->engine + "' not found");
  auto lib = std::make_shared<Library>();
  lib->name = header->name;
  lib->code = std::string(code);
  lua_newtable(L_);  // callbacks, thrown away: SyncFunctions installs what the registry holds
  Status st = RunLibraryCode(code.substr(header->shebang_len), lib.get(), timeout_ms);
  lua_pop(L_, 1);
  if (!st.ok()) return st;
  if (lib->functions.empty()) return Status::Invalid("No functions registered");
  return lib;
}

void ScriptEngine::SyncFunctions() {
  uint64_t epoch = server_.functions.epoch();
  if (epoch == functions_epoch_) return;
  lua_newtable(L_);
  for (const std::shared_ptr<Library>& lib : server_.functions.Libraries()) {
    Library scratch;
    scratch.name = lib->name;
    Result<LibraryHeader> header = ParseLibraryHeader(lib->code);
    if (!header.ok()) continue;  // the registry only holds libraries that loaded
    (void)RunLibraryCode(std::string_view(lib->code).substr(header->shebang_len), &scratch);
  }
  lua_setfield(L_, LUA_REGISTRYINDEX, kFunctions);
  functions_epoch_ = epoch;
}

void RestoreFunctionLibraries(ServerState& server) {
  for (const auto& [name, code] : server.store.Meta()) {
    if (name.rfind(kFunctionMetaPrefix, 0) != 0) continue;
    Result<std::shared_ptr<Library>> lib = ScriptEngine::ForThread(server).CompileLibrary(code);
    Status st = lib.ok() ? server.functions.Add(std::move(*lib), true) : lib.TakeStatus();
    if (!st.ok()) {
      Log(LogLevel::kWarning, "Function library %s was not restored: %s", name.c_str(),
          std::string(st.message()).c_str());
    }
  }
}

// The error value of a failed run is on top: an {err, source, line} table from the error
// handler, or (out of memory, where Lua calls no handler) a string.
void ScriptEngine::ReplyError(CommandContext& ctx, std::string_view funcname) {
  if (!lua_istable(L_, -1)) {
    const char* msg = lua_tostring(L_, -1);
    std::string text(msg != nullptr ? msg : "execution failure");
    ctx.reply.WriteError("ERR Error running script " + std::string(funcname) + ", " +
                         text.substr(0, 100));
    return;
  }
  std::string text = FieldString(L_, "err");
  std::string source = FieldString(L_, "source");
  std::string line = FieldString(L_, "line");
  if (!source.empty() && !line.empty()) {
    text += " script: " + std::string(funcname) + ", on " + source + ":" + line + ".";
  }
  if (ErrorCounted(L_)) {
    ctx.reply.WriteRelayedError(text);
  } else {
    ctx.reply.WriteError(text);
  }
}

}  // namespace cairn::server::scripting
