// src/exec/blocking.h — clients blocked on keys (BLPOP, BLMOVE, BZPOPMIN, BLMPOP, XREAD BLOCK...).
//
// How a blocking command works, for the command families:
//   1. The handler tries its operation. If it can reply (an element was there), it does.
//   2. Otherwise it calls BlockClient(ctx, keys, timeout_ms, timeout_reply) and writes
//      nothing. Inside MULTI/EXEC, where nothing may block, BlockClient writes the timeout
//      reply at once instead.
//   3. The client's connection stops running its later commands and registers a Waiter with
//      the BlockingRegistry (one for the server, shared by all I/O threads).
//   4. Whenever a write command changes a key — on any thread — the keys it names (the
//      command's key positions) are marked ready, and after that command the registry runs
//      the handler of each waiter blocked on a ready key again, in arrival order, on the
//      writer's thread, with the waiter's arguments and client. If the handler replies, the
//      reply (and the LSN it must wait for) is handed to the waiter's own thread, which sends
//      it and resumes the client; if it calls BlockClient again, the waiter keeps waiting.
//      So a pushed element goes to the longest-waiting client before any later command runs,
//      as in Redis, whichever threads the two clients are on.
//   5. The timeout (0 = forever) fires on the waiter's thread: it writes timeout_reply.
//      A client that disconnects is removed.
//
// While the WAL is failing (writes get MISCONF) nobody is served: a serve takes elements
// from the store (or adds PEL entries) for a reply that could then not be acknowledged, and
// the client would lose them. Waiters stay blocked, their timeouts still run, and the keys
// that became ready meanwhile are served once the log accepts writes again (ServeDeferred).
// As in Redis, where the refused writes cannot wake anyone either. A blocking command that
// raced with the failure (served, or replying at once, just before it) keeps its reply held
// until the log recovers, never MISCONF (connection.h).
//
// Every retry runs the whole command again, so a command that checks all its keys before
// changing any (XREADGROUP) is all or nothing on a retry too. A retry knows it is one
// (IsBlockedRetry): as in Redis, a blocked client is not woken with WRONGTYPE when its key is
// deleted and re-created with another type — it treats that key as empty and waits on; only
// XREADGROUP fails, as its stream or group no longer exists. FLUSHALL, FLUSHDB and SWAPDB
// change keys without naming them: they mark every blocked key of their databases ready
// (NoteDbChanged).
//
// A handler that resolves something at block time ("$" in XREAD: "after the last ID now")
// passes the rewritten arguments in retry_args; the retries run with those.
//
// Lock order: the registry's mutex is taken before any shard lock and never while one is
// held (serving runs after the writer's command, outside its Access).
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "src/exec/background_job.h"
#include "src/exec/command.h"

namespace cairn::server {

enum class TimeoutReply : uint8_t {
  kNullArray,  // BLPOP, BLMOVE, BZPOPMIN, BLMPOP, XREAD...: *-1 (RESP3 _), as Redis 7.0
  kNullBulk,   // $-1 (RESP3 _)
  kReplicaAcks,  // WAIT: how many replicas acknowledged its offset (the retry's 4th argument)
};

// What a handler asks for when it cannot reply yet; the connection acts on it after the
// handler returns.
struct BlockRequest {
  bool requested = false;
  // Set by Execute when a blocking command replied without blocking (the caller clears it).
  bool replied_at_once = false;
  std::vector<std::string> keys;
  int64_t deadline_ms = 0;  // unix ms; 0 = no timeout
  TimeoutReply timeout_reply = TimeoutReply::kNullArray;
  std::vector<std::string> retry_args;  // empty: retry with the original arguments
  // Set by the registry when it runs a blocked client's command again (never by handlers).
  bool retry = false;
  // Instead of blocking on keys: work to run off the I/O thread (background_job.h). Set by
  // the handler; on the command's second run (retry), the finished job.
  std::shared_ptr<BackgroundJob> background;
};

// Whether the handler runs as the retry of a blocked client (see above).
inline bool IsBlockedRetry(const CommandContext& ctx) {
  return ctx.block != nullptr && ctx.block->retry;
}

// Parses a timeout given in seconds (BLPOP ... timeout; fractions allowed) into a deadline
// in unix ms (0 for no timeout). Replies with Redis's error and returns false when invalid.
bool ParseBlockTimeoutSeconds(CommandContext& ctx, std::string_view arg, int64_t* deadline_ms);
// The same for a timeout in milliseconds (XREAD BLOCK ms). A script may not use BLOCK: from
// one, the reply is Redis's "<command> command is not allowed with BLOCK option from scripts".
bool ParseBlockTimeoutMs(CommandContext& ctx, std::string_view arg, int64_t* deadline_ms);

// Step 2 above. keys are in the client's database.
void BlockClient(CommandContext& ctx, std::span<const std::string_view> keys, int64_t deadline_ms,
                 TimeoutReply timeout_reply, std::vector<std::string> retry_args = {});

// Writes the timeout reply.
void WriteTimeoutReply(resp::Writer& w, TimeoutReply reply);
struct Waiter;
struct ServerState;
// The timeout reply of a waiter, which for WAIT counts the replicas at that moment.
void WriteWaiterTimeoutReply(resp::Writer& w, const Waiter& waiter, ServerState& server);

// One blocked client. Created by its connection; the registry shares it while it waits.
struct Waiter {
  uint64_t client_id = 0;
  int thread_index = 0;
  ClientState* client = nullptr;  // valid until Cancel() returns (the connection cancels first)
  const CommandSpec* spec = nullptr;
  std::vector<std::string> args;  // what the retries run
  int db = 0;
  std::vector<std::string> keys;
  TimeoutReply timeout_reply = TimeoutReply::kNullArray;
  bool done = false;  // served or cancelled; guarded by the registry's mutex
};

// A served waiter's reply on its way to the waiter's thread.
struct Delivery {
  int thread_index;
  uint64_t client_id;
  std::string reply;  // RESP bytes
  uint64_t lsn;       // the reply waits until the WAL is durable up to it
};

// Every blocked client of the server (step 3–5 above). Thread-safe.
class BlockingRegistry {
 public:
  using DeliverFn = std::function<void(Delivery)>;
  // How served replies reach the waiters' threads (set by the networking layer before
  // clients connect).
  void set_deliver(DeliverFn fn) { deliver_ = std::move(fn); }

  // Registers w (after its handler asked to block) and retries it once, since a write may
  // have landed between the handler's attempt and the registration. Returns true if that
  // retry served it: its reply is in out and it is not registered.
  bool Block(const std::shared_ptr<Waiter>& w, ServerState& server, ThreadStats& stats,
             resp::Writer& out);
  // Removes w unless it was served already. Returns true if this call removed it (the
  // caller then owns the outcome: a timeout reply, or nothing for a closed connection).
  bool Cancel(Waiter* w);

  // After a write command ran on this thread: marks its keys ready if anyone waits.
  void NoteWrite(const CommandSpec& spec, int db, std::span<const std::string_view> args);
  // The same for one key a write command changed outside its key positions (the destination
  // named by GEORADIUS's STORE option). Any thread, shard locks held or not.
  void NoteKeyWritten(int db, std::string_view key);
  // After FLUSHALL (db < 0), FLUSHDB or SWAPDB on this thread: every key a client waits on in
  // db (all databases when db < 0) is ready.
  void NoteDbChanged(int db);
  // Whether this thread has ready keys to serve.
  static bool HasReady();
  // Serves the waiters of this thread's ready keys, oldest first, until none is ready. Call
  // with no shard lock held (after the command, outside any transaction). While the WAL is
  // failing it serves nobody and keeps the keys for ServeDeferred.
  void ServeReady(ServerState& server, ThreadStats& stats);
  // Once the WAL accepts writes again, serves the keys passed over while it was failing;
  // cheap when there are none. Any I/O thread, with no shard lock held (on durable wake-ups
  // and once a second).
  void ServeDeferred(ServerState& server, ThreadStats& stats);

  int blocked() const { return blocked_.load(std::memory_order_relaxed); }

 private:
  // Runs w's handler again with its arguments; true if it replied (into out).
  bool TryServe(Waiter& w, ServerState& server, ThreadStats& stats, resp::Writer& out,
                uint64_t* lsn);
  void RemoveLocked(Waiter& w);
  // Serves key's waiters, oldest first (the key as KeyOf gives it).
  void ServeKeyLocked(const std::string& key, ServerState& server, ThreadStats& stats);
  // Keeps key for ServeDeferred if anyone waits on it.
  void DeferLocked(std::string key);
  static std::string KeyOf(int db, std::string_view key);

  std::mutex mu_;
  std::unordered_map<std::string, std::deque<std::shared_ptr<Waiter>>> by_key_;  // guarded
  std::vector<std::string> deferred_;  // ready while the WAL was failing; guarded
  std::atomic<bool> has_deferred_{false};
  std::atomic<int> blocked_{0};
  DeliverFn deliver_;
};

}  // namespace cairn::server
