// src/exec/scripts.h — what the server knows about Lua scripts, independent of Lua: the script
// cache (EVAL/EVALSHA/SCRIPT LOAD), each script's flags from its `#!lua` shebang, how it must
// be locked, and the board of running scripts that BUSY replies and SCRIPT KILL consult.
//
// Locking rule (README "Scripting"): a script runs atomically inside Store::Atomically. Its
// first run holds every shard and notes whether it touched only the keys it declared in KEYS.
// A script that did runs from then on holding only its declared keys' shards, in parallel with
// other scripts; if such a run touches an undeclared key anyway, that key's shard joins the
// run (Store::JoinTransaction) and the script goes back to holding every shard.
//
// Threading: every member is thread-safe. Scripts are shared (shared_ptr) so a run keeps its
// script alive across a concurrent SCRIPT FLUSH.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "src/base/string_hash.h"
#include "store/base/status.h"

namespace cairn::server {

// Shebang flags (`#!lua flags=no-writes,allow-oom`), with Redis's names.
enum ScriptFlag : uint32_t {
  kScriptNoWrites = 1u << 0,
  kScriptAllowOom = 1u << 1,
  kScriptAllowStale = 1u << 2,
  kScriptNoCluster = 1u << 3,
  kScriptAllowCrossSlot = 1u << 4,
  kScriptCompat = 1u << 5,  // no shebang: Redis's pre-7.0 behaviour (may write, no checks)
};

struct ScriptHeader {
  uint32_t flags = kScriptCompat;
  size_t shebang_len = 0;  // bytes of the `#!` line, its newline excluded
};

// Parses the optional `#!lua [flags=a,b]` first line of body. Errors carry Redis's text.
Result<ScriptHeader> ParseShebang(std::string_view body);
// The flag names of flags, for FUNCTION LIST ("no-writes", ...); compat is not a flag.
std::vector<std::string_view> ScriptFlagNames(uint32_t flags);
// Parses one flag name; 0 when unknown.
uint32_t ScriptFlagFromName(std::string_view name);

enum class LockMode : uint8_t {
  kUnknown,     // never ran: hold every shard, learn
  kDeclared,    // touched only KEYS: hold their shards
  kEveryShard,  // touched other keys: hold every shard
};

struct Script {
  std::string sha;       // 40 lower-case hex digits of SHA-1(body)
  std::string lua_name;  // "f_<sha>": the compiled chunk's name in each interpreter
  std::string body;
  ScriptHeader header;
  std::atomic<LockMode> lock_mode{LockMode::kUnknown};
};

class ScriptCache {
 public:
  // The script with this SHA-1 (any case), or nullptr. Takes a shared lock: EVALSHA goes
  // through its thread's own copy of the entries it uses (ScriptEngine::FindScript).
  std::shared_ptr<Script> Find(std::string_view sha) const;
  // Adds body (compiled by the caller first), returning the cached script if it exists.
  std::shared_ptr<Script> Add(std::string body, ScriptHeader header);
  // SCRIPT FLUSH: forgets every script; each thread's Lua state notices the new epoch and
  // starts afresh.
  void Flush();
  uint64_t epoch() const { return epoch_.load(std::memory_order_acquire); }
  size_t count() const;
  size_t memory_bytes() const;

 private:
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<Script>, StringViewHash, std::equal_to<>> scripts_;
  size_t bytes_ = 0;
  std::atomic<uint64_t> epoch_{0};
};

// The monotonic clock of script run times (milliseconds).
int64_t ScriptClockMs();

// One running script (EVAL or FCALL), registered for its whole run.
struct ScriptRun {
  bool is_eval = true;
  int64_t start_ms = 0;            // ScriptClockMs()
  std::string_view name;                   // the function's name (FCALL)
  std::span<const std::string_view> command;  // the caller's EVAL/FCALL arguments
  std::atomic<bool> dirty{false};  // it has written: SCRIPT KILL may no longer stop it
  std::atomic<bool> killed{false};
  bool busy = false;  // counted in RunningScripts::busy (runner thread only)
};

// The scripts running now, for BUSY replies and SCRIPT KILL / FUNCTION KILL.
// Only busy runs are on the board (CheckBusy puts them there), so a script that ends within
// busy-reply-threshold, the usual case, costs no lock.
class RunningScripts {
 public:
  void End(ScriptRun* run);
  // Called by the runner as its script goes on: past busy_ms it counts as busy (other clients
  // get -BUSY; SCRIPT KILL may stop it).
  void CheckBusy(ScriptRun* run, int64_t now_ms, int64_t busy_ms);
  // Whether some script is busy, and whether one of them is an EVAL (for the BUSY text).
  bool busy() const { return busy_.load(std::memory_order_relaxed) > 0; }
  bool busy_eval() const;
  // FUNCTION STATS: the busy script's name, command and run time so far, copied under the lock
  // (the run may end right after). False if no script is busy.
  struct BusyInfo {
    bool is_eval = true;
    std::string name;
    std::vector<std::string> command;
    int64_t duration_ms = 0;
  };
  bool DescribeBusy(BusyInfo* info) const;

  enum class KillResult { kNotBusy, kUnkillable, kWrongKind, kKilled };
  // SCRIPT KILL (is_eval) or FUNCTION KILL: stops the busy scripts of that kind that have not
  // written.
  KillResult Kill(bool is_eval);

 private:
  mutable std::mutex mu_;
  std::vector<ScriptRun*> runs_;  // the busy ones
  std::atomic<int> busy_{0};
};

// Serving the other clients of a thread whose script is busy, as Redis serves events while a
// script runs: the networking layer installs, per I/O thread, a function that reads those
// clients' sockets and runs what they sent (busy.h's rules apply: most commands get BUSY,
// SCRIPT KILL and SHUTDOWN NOSAVE run). The script hook calls ServeWhileBusy.
using BusyServer = void (*)(void* ctx, const struct ClientState* running);
// Installs fn for the calling thread.
void SetThreadBusyServer(BusyServer fn, void* ctx);
// Serves the calling thread's clients other than running, if a server is installed.
void ServeWhileBusy(const struct ClientState* running);
// Whether the calling thread is serving clients from inside a busy script: their commands
// must not touch the keyspace (the script's locks are this thread's).
bool ServingWhileBusy();

}  // namespace cairn::server
