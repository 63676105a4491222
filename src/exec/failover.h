// src/exec/failover.h — FAILOVER: a primary hands its role to one of its replicas without
// losing a write, as Redis 7.0 coordinates it.
//
// 1. FAILOVER [TO host port [FORCE]] [TIMEOUT ms] pauses writes (as CLIENT PAUSE WRITE) and
//    stops the keep-alive PINGs, so the stream's offset stands still (waiting-for-sync).
// 2. Once a second (FailoverCron) it looks for the target, or any replica, whose
//    acknowledged offset equals the primary's. Past the timeout it gives up, or with FORCE
//    goes on regardless.
// 3. It becomes a replica of that one (failover-in-progress), and its PSYNC carries the word
//    FAILOVER: the target promotes itself (StopReplicating) and answers the PSYNC.
// 4. That answer (+CONTINUE or +FULLRESYNC) ends the failover and the pause; the held writes
//    then meet a replica (-READONLY). An error answer aborts: this server is a primary again.
// FAILOVER ABORT ends steps 1–3 the same way.
//
// Threading: any thread; the state is guarded by its mutex. Lock order: this mutex, then the
// shard locks (the cron waits once for every shard before handing over), then
// ReplicaState::apply_mu, ReplicaState::mu and ReplPrimary's. The replica link calls
// FinishFailover holding none of them.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "store/base/status.h"

namespace cairn::server {

struct ServerState;

enum class FailoverStage : int { kNone, kWaitForSync, kInProgress };

struct FailoverState {
  std::atomic<FailoverStage> stage{FailoverStage::kNone};
  std::mutex mu;
  std::string host;    // guarded by mu; empty: any replica that catches up
  int port = 0;        // guarded by mu
  int64_t end_ms = 0;  // guarded by mu; unix ms, 0: no timeout
  bool force = false;  // guarded by mu
};

// INFO's master_failover_state: "no-failover", "waiting-for-sync", "failover-in-progress".
std::string_view FailoverStageName(FailoverStage stage);

// Starts a failover after the command checked its arguments; errors carry Redis's text
// (without "ERR "). host empty: any replica.
Status StartFailover(ServerState& server, const std::string& host, int port, int64_t timeout_ms,
                     bool force);
// FAILOVER ABORT, a timeout, or a target that refused: back to a plain primary.
void AbortFailover(ServerState& server, std::string_view why);
// Step 2; called about once a second.
void FailoverCron(ServerState& server);
// Step 4: the replica link's PSYNC FAILOVER got an answer; accepted: +CONTINUE/+FULLRESYNC.
void FinishFailover(ServerState& server, bool accepted);

}  // namespace cairn::server
