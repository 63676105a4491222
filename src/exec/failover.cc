// src/exec/failover.cc — see failover.h.
#include "src/exec/failover.h"

#include <algorithm>
#include <climits>
#include <vector>

#include "src/base/log.h"
#include "src/exec/server_state.h"

namespace cairn::server {
namespace {

// Writes wait for the failover's end (or its abort) with no deadline of their own.
void PauseWrites(ServerState& server) {
  server.pause_kind.store(ServerState::PauseKind::kWrite);
  server.pause_end_ms.store(INT64_MAX);
  server.store.PauseExpiry(INT64_MAX);
  server.primary.PausePings(true);
}

// Also ends a CLIENT PAUSE given while the failover ran: there is one pause state.
void ResumeWrites(ServerState& server, bool still_primary) {
  server.primary.PausePings(false);
  server.pause_end_ms.store(0);
  server.pause_kind.store(ServerState::PauseKind::kNone);
  if (still_primary) server.store.PauseExpiry(0);
  if (server.on_unpause) server.on_unpause();
}

void Clear(ServerState& server) {
  FailoverState& f = server.failover;
  f.host.clear();
  f.port = 0;
  f.end_ms = 0;
  f.force = false;
  f.stage = FailoverStage::kNone;
}

// Step 3 (f.mu held): follow the target, asking it to take over.
void HandOver(ServerState& server, FailoverState& f) {
  f.stage = FailoverStage::kInProgress;
  server.replica.failover_psync = true;
  StartReplicating(server, f.host, f.port);
}

}  // namespace

std::string_view FailoverStageName(FailoverStage stage) {
  switch (stage) {
    case FailoverStage::kNone: return "no-failover";
    case FailoverStage::kWaitForSync: return "waiting-for-sync";
    case FailoverStage::kInProgress: return "failover-in-progress";
  }
  return "no-failover";
}

Status StartFailover(ServerState& server, const std::string& host, int port, int64_t timeout_ms,
                     bool force) {
  FailoverState& f = server.failover;
  std::lock_guard lock(f.mu);
  if (f.stage.load() != FailoverStage::kNone) return Status::Invalid("FAILOVER already in progress.");
  if (server.replica.active.load()) {
    return Status::Invalid("FAILOVER is not valid when server is a replica.");
  }
  std::vector<ReplPrimary::ReplicaRow> replicas = server.primary.Replicas();
  if (replicas.empty()) return Status::Invalid("FAILOVER requires connected replicas.");
  if (force && (timeout_ms == 0 || host.empty())) {
    return Status::Invalid(
        "FAILOVER with force option requires both a timeout and target HOST and IP.");
  }
  if (!host.empty()) {
    auto it = std::find_if(replicas.begin(), replicas.end(), [&](const auto& r) {
      return r.ip == host && r.port == port;
    });
    if (it == replicas.end()) {
      return Status::Invalid("FAILOVER target HOST and PORT is not a replica.");
    }
    if (it->state != ReplicaPhase::kOnline) {
      return Status::Invalid("FAILOVER target replica is not online.");
    }
    Log(LogLevel::kNotice, "FAILOVER requested to %s:%d.", host.c_str(), port);
  } else {
    Log(LogLevel::kNotice, "FAILOVER requested to any replica.");
  }
  f.host = host;
  f.port = port;
  f.end_ms = timeout_ms > 0 ? WallMs() + timeout_ms : 0;
  f.force = force;
  f.stage = FailoverStage::kWaitForSync;
  PauseWrites(server);
  return Status::Ok();
}

namespace {

// f.mu held.
void AbortLocked(ServerState& server, FailoverState& f, std::string_view why) {
  FailoverStage stage = f.stage.load();
  if (stage == FailoverStage::kNone) return;
  if (f.host.empty()) {
    Log(LogLevel::kNotice, "FAILOVER to any replica aborted: %.*s", static_cast<int>(why.size()),
        why.data());
  } else {
    Log(LogLevel::kNotice, "FAILOVER to %s:%d aborted: %.*s", f.host.c_str(), f.port,
        static_cast<int>(why.size()), why.data());
  }
  if (stage == FailoverStage::kInProgress) {
    server.replica.failover_psync = false;
    StopReplicating(server, "failover aborted");
  }
  Clear(server);
  ResumeWrites(server, true);
}

// Whether the stream stands where the replicas acknowledged it (offset). A transaction or
// script that passed the pause check before the pause began logs its record when it ends:
// holding every shard once waits for it.
bool StreamStill(ServerState& server, uint64_t offset) {
  server.store.Atomically({}, true, [] {});
  return server.primary.offset() == offset;
}

}  // namespace

void AbortFailover(ServerState& server, std::string_view why) {
  std::lock_guard lock(server.failover.mu);
  AbortLocked(server, server.failover, why);
}

void FailoverCron(ServerState& server) {
  FailoverState& f = server.failover;
  if (f.stage.load(std::memory_order_relaxed) != FailoverStage::kWaitForSync) return;
  std::lock_guard lock(f.mu);
  if (f.stage.load() != FailoverStage::kWaitForSync) return;
  if (f.end_ms != 0 && f.end_ms <= WallMs()) {
    if (!f.force) return AbortLocked(server, f, "Replica never caught up before timeout");
    Log(LogLevel::kNotice, "FAILOVER to %s:%d time out exceeded, failing over.",
        f.host.c_str(), f.port);
    return HandOver(server, f);
  }
  uint64_t offset = server.primary.offset();
  for (const ReplPrimary::ReplicaRow& r : server.primary.Replicas()) {
    bool target = f.host.empty() || (r.ip == f.host && r.port == f.port);
    if (!target || r.state != ReplicaPhase::kOnline || r.offset != offset) continue;
    if (!StreamStill(server, offset)) return;  // a late write: look again at the next tick
    f.host = r.ip;
    f.port = r.port;
    Log(LogLevel::kNotice, "Failover target %s:%d is synced, failing over.", f.host.c_str(),
        f.port);
    return HandOver(server, f);
  }
}

void FinishFailover(ServerState& server, bool accepted) {
  FailoverState& f = server.failover;
  std::lock_guard lock(f.mu);
  if (f.stage.load() != FailoverStage::kInProgress) return;  // aborted meanwhile
  if (!accepted) return AbortLocked(server, f, "Failover target rejected psync request");
  server.replica.failover_psync = false;
  Clear(server);
  ResumeWrites(server, false);
}

}  // namespace cairn::server
