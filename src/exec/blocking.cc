// src/exec/blocking.cc — see blocking.h.
#include "src/exec/blocking.h"

#include <chrono>
#include <cmath>

#include "resp/number.h"
#include "src/exec/dispatch.h"
#include "src/exec/errors.h"
#include "src/exec/server_state.h"

namespace cairn::server {
namespace {

// Redis caps blocking timeouts so that now + timeout cannot overflow.
constexpr int64_t kMaxTimeoutMs = INT64_MAX / 2;

bool DeadlineFromMs(CommandContext& ctx, long double timeout_ms, int64_t* deadline_ms) {
  if (timeout_ms < 0) {
    ctx.reply.WriteError(errors::kTimeoutNegative);
    return false;
  }
  if (timeout_ms > static_cast<long double>(kMaxTimeoutMs)) {
    ctx.reply.WriteError(errors::kTimeoutRange);
    return false;
  }
  auto ms = static_cast<int64_t>(std::ceil(timeout_ms));
  *deadline_ms = ms == 0 ? 0 : ctx.server.store.NowMs() + ms;
  return true;
}

}  // namespace

bool ParseBlockTimeoutSeconds(CommandContext& ctx, std::string_view arg, int64_t* deadline_ms) {
  long double seconds = 0;
  if (!resp::ParseLongDouble(arg, &seconds) || std::isnan(seconds) || std::isinf(seconds)) {
    ctx.reply.WriteError(errors::kTimeoutNotFloat);
    return false;
  }
  return DeadlineFromMs(ctx, seconds * 1000, deadline_ms);
}

bool ParseBlockTimeoutMs(CommandContext& ctx, std::string_view arg, int64_t* deadline_ms) {
  if (ctx.client.script) {
    ctx.reply.WriteError("ERR " + std::string(ctx.args[0]) +
                         " command is not allowed with BLOCK option from scripts");
    return false;
  }
  int64_t ms = 0;
  if (!resp::ParseInt64(arg, &ms)) {
    ctx.reply.WriteError(errors::kTimeout);
    return false;
  }
  return DeadlineFromMs(ctx, static_cast<long double>(ms), deadline_ms);
}

void WriteTimeoutReply(resp::Writer& w, TimeoutReply reply) {
  if (reply == TimeoutReply::kNullArray) {
    w.WriteNullArray();
  } else if (reply == TimeoutReply::kReplicaAcks) {
    w.WriteInteger(0);
  } else {
    w.WriteNull();
  }
}

void WriteWaiterTimeoutReply(resp::Writer& w, const Waiter& waiter, ServerState& server) {
  int64_t target = 0;
  if (waiter.timeout_reply != TimeoutReply::kReplicaAcks || waiter.args.size() != 4 ||
      !resp::ParseInt64(waiter.args[3], &target)) {
    WriteTimeoutReply(w, waiter.timeout_reply);
    return;
  }
  w.WriteInteger(server.primary.AckedCount(static_cast<uint64_t>(target)));
}

void BlockClient(CommandContext& ctx, std::span<const std::string_view> keys, int64_t deadline_ms,
                 TimeoutReply timeout_reply, std::vector<std::string> retry_args) {
  if (ctx.block == nullptr) {
    WriteTimeoutReply(ctx.reply, timeout_reply);
    return;
  }
  BlockRequest& b = *ctx.block;
  b.requested = true;
  b.keys.assign(keys.begin(), keys.end());
  b.deadline_ms = deadline_ms;
  b.timeout_reply = timeout_reply;
  b.retry_args = std::move(retry_args);
}

}  // namespace cairn::server

// ---- BlockingRegistry --------------------------------------------------------------------

namespace cairn::server {
namespace {

// Keys written on this thread since the last ServeReady, while someone was blocked.
thread_local std::vector<std::string> ready_keys;

}  // namespace

std::string BlockingRegistry::KeyOf(int db, std::string_view key) {
  std::string k = std::to_string(db);
  k.push_back(':');
  k.append(key);
  return k;
}

bool BlockingRegistry::TryServe(Waiter& w, ServerState& server, ThreadStats& stats,
                                resp::Writer& out, uint64_t* lsn) {
  std::vector<std::string_view> args(w.args.begin(), w.args.end());
  BlockRequest again;
  again.retry = true;
  uint64_t caller_lsn = store::Store::TakeObservedLsn();
  bool served = ExecuteAgain(server, *w.client, stats, out, *w.spec, args, again);
  *lsn = store::Store::TakeObservedLsn();
  store::Store::ObserveLsn(caller_lsn);
  if (!served) return false;
  if (w.spec->flags & kWrite) NoteWrite(*w.spec, w.db, args);
  return true;
}

bool BlockingRegistry::Block(const std::shared_ptr<Waiter>& w, ServerState& server,
                             ThreadStats& stats, resp::Writer& out) {
  std::lock_guard lock(mu_);
  bool wal_failed = server.WalFailed();
  uint64_t lsn = 0;
  if (!wal_failed && TryServe(*w, server, stats, out, &lsn)) {
    store::Store::ObserveLsn(lsn);
    return true;
  }
  for (const std::string& key : w->keys) by_key_[KeyOf(w->db, key)].push_back(w);
  blocked_.fetch_add(1, std::memory_order_relaxed);
  // The retry was skipped: a write may have landed since the handler looked.
  if (wal_failed) {
    for (const std::string& key : w->keys) DeferLocked(KeyOf(w->db, key));
  }
  return false;
}

void BlockingRegistry::RemoveLocked(Waiter& w) {
  w.done = true;
  for (const std::string& key : w.keys) {
    auto it = by_key_.find(KeyOf(w.db, key));
    if (it == by_key_.end()) continue;
    std::erase_if(it->second, [&](const std::shared_ptr<Waiter>& p) { return p.get() == &w; });
    if (it->second.empty()) by_key_.erase(it);
  }
  blocked_.fetch_sub(1, std::memory_order_relaxed);
}

bool BlockingRegistry::Cancel(Waiter* w) {
  std::lock_guard lock(mu_);
  if (w->done) return false;
  RemoveLocked(*w);
  return true;
}

void BlockingRegistry::NoteWrite(const CommandSpec& spec, int db,
                                 std::span<const std::string_view> args) {
  if (blocked_.load(std::memory_order_relaxed) == 0) return;
  spec.ForEachKey(args, [&](std::string_view key) { ready_keys.push_back(KeyOf(db, key)); });
}

void BlockingRegistry::NoteKeyWritten(int db, std::string_view key) {
  if (blocked_.load(std::memory_order_relaxed) == 0) return;
  ready_keys.push_back(KeyOf(db, key));
}

void BlockingRegistry::NoteDbChanged(int db) {
  if (blocked_.load(std::memory_order_relaxed) == 0) return;
  std::string prefix = db < 0 ? std::string() : KeyOf(db, "");
  std::lock_guard lock(mu_);
  for (const auto& [key, waiters] : by_key_) {
    if (key.starts_with(prefix)) ready_keys.push_back(key);
  }
}

bool BlockingRegistry::HasReady() { return !ready_keys.empty(); }

void BlockingRegistry::ServeKeyLocked(const std::string& key, ServerState& server,
                                      ThreadStats& stats) {
  auto it = by_key_.find(key);
  if (it == by_key_.end()) return;
  // A copy: serving removes waiters from the queue being walked.
  std::vector<std::shared_ptr<Waiter>> queue(it->second.begin(), it->second.end());
  for (const std::shared_ptr<Waiter>& w : queue) {
    if (w->done) continue;
    resp::OutputBuffer out;
    resp::Writer writer(&out, w->client->protocol.load(std::memory_order_relaxed));
    uint64_t lsn = 0;
    if (!TryServe(*w, server, stats, writer, &lsn)) continue;
    RemoveLocked(*w);
    if (deliver_) deliver_(Delivery{w->thread_index, w->client_id, out.Drain(), lsn});
  }
}

void BlockingRegistry::DeferLocked(std::string key) {
  if (!by_key_.contains(key)) return;
  deferred_.push_back(std::move(key));
  has_deferred_.store(true, std::memory_order_release);
}

void BlockingRegistry::ServeReady(ServerState& server, ThreadStats& stats) {
  std::lock_guard lock(mu_);
  // Serving a waiter may mark more keys ready (BLMOVE pushes): they join the end.
  for (size_t next = 0; next < ready_keys.size(); ++next) {
    std::string key = std::move(ready_keys[next]);  // moved out: serving may append
    // Checked per key, as the log can fail while we serve; a serve that races with the
    // failure keeps its reply held until the log recovers (blocking.h).
    if (server.WalFailed()) {
      DeferLocked(std::move(key));
      continue;
    }
    ServeKeyLocked(key, server, stats);
  }
  ready_keys.clear();
}

void BlockingRegistry::ServeDeferred(ServerState& server, ThreadStats& stats) {
  if (!has_deferred_.load(std::memory_order_acquire) || server.WalFailed()) return;
  {
    std::lock_guard lock(mu_);
    for (std::string& key : deferred_) ready_keys.push_back(std::move(key));
    deferred_.clear();
    has_deferred_.store(false, std::memory_order_relaxed);
  }
  ServeReady(server, stats);
}

}  // namespace cairn::server
