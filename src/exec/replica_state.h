// src/exec/replica_state.h — what the server knows about following a primary (REPLICAOF
// host port): the target, the link's state, the replication ids and the offset of the
// stream applied. The link itself (socket, handshake, full sync, stream) lives in
// src/net/replica_link.*; commands read and change this state without seeing it.
//
// Offsets are Redis's: bytes of the primary's replication stream. `offset` is what has been
// applied; a partial resync asks for offset + 1. The pair (replid, offset) is kept in the
// store's metadata under kReplicaMetaName ("<replid> <offset> <db>", db: the database the
// stream had selected), written in the same WAL
// record as each write of the stream (Store::SetMetaWithNextRecord), so a restart resumes
// exactly where the log ends. A primary's writes are not stamped: its position is recorded
// only at a clean shutdown, when no write can follow, and dropped when it is read back or
// when a replica is promoted.
//
// Threading: the atomics are read anywhere (dispatch reads `active` for every command);
// the strings are guarded by mu.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

namespace cairn::server {

struct ServerState;

inline constexpr std::string_view kReplicaMetaName = "replication:primary";
inline constexpr std::string_view kNoReplid = "0000000000000000000000000000000000000000";

// Redis's link states, as ROLE names them.
enum class LinkState : int { kConnect, kConnecting, kSync, kConnected };

struct ReplicaState {
  // A replica now (REPLICAOF host port, or replicaof in the config). The one field the
  // request path reads: zero cost beyond this load when cairn is a primary.
  std::atomic<bool> active{false};
  std::atomic<LinkState> link{LinkState::kConnect};
  std::atomic<int64_t> offset{0};       // stream bytes applied (slave_repl_offset)
  std::atomic<int64_t> read_offset{0};  // stream bytes received (slave_read_repl_offset)
  std::atomic<int64_t> last_io_ms{0};   // last bytes from the primary (unix ms)
  std::atomic<int64_t> link_down_since_ms{0};  // unix ms; 0: never up
  std::atomic<int64_t> sync_total_bytes{-1};   // full sync: RDB size (-1: unknown, EOF-marked)
  std::atomic<int64_t> sync_read_bytes{0};
  std::atomic<int> stream_db{0};  // the database the primary's stream last SELECTed
  // replica-read-only and replica-serve-stale-data, refreshed by ServerState::ApplyConfig.
  std::atomic<bool> read_only{true};
  std::atomic<bool> serve_stale{true};
  // FAILOVER (failover.h): the next PSYNC asks the target to take over.
  std::atomic<bool> failover_psync{false};
  // Bumped whenever the target changes: the link drops what it is doing and starts over.
  std::atomic<uint64_t> generation{0};

  mutable std::mutex mu;
  // Held by the link while it applies one command of the stream; StopReplicating takes it
  // to end the link, so no command of the old primary applies after REPLICAOF NO ONE.
  std::mutex apply_mu;
  std::string host;  // guarded by mu
  int port = 0;      // guarded by mu
  // The history this server holds: the primary's id while following it, a fresh one once
  // promoted. Empty until the first sync or promotion (then INFO shows the run id).
  std::string replid;                      // guarded by mu
  std::string replid2{kNoReplid};          // guarded by mu: the id before a promotion
  int64_t second_offset = -1;              // guarded by mu: where replid2's history ends + 1

  // Set by the networking layer: the link looks at the target again. Any thread.
  std::function<void()> wake;
};

// Makes server follow host:port (REPLICAOF): returns false when it already follows it.
bool StartReplicating(ServerState& server, const std::string& host, int port);
// REPLICAOF NO ONE: stops following; the data stays, a new replication id starts, the old
// one becomes replid2 (second_repl_offset = offset + 1), as Redis promotes a replica. why:
// logged ("MASTER MODE enabled (<why>)").
void StopReplicating(ServerState& server, std::string_view why = "user request");
// The metadata value that records where the stream is.
std::string ReplicaProgress(std::string_view replid, int64_t offset, int db);
// The same into *out, reusing its capacity (once per applied command).
void FormatReplicaProgress(std::string_view replid, int64_t offset, int db, std::string* out);
// Reads (replid, offset, db) persisted in the store's metadata (after recovery).
void RestoreReplicaProgress(ServerState& server);
// Startup as a primary (no replicaof), after RestoreReplicaProgress: the history recorded at
// the last clean shutdown continues under a new id, the old one as replid2 from the recorded
// offset, so replicas that hold all of it resume with +CONTINUE (Redis 7.0 does the same from
// the ids its RDB file keeps). The record is dropped before the first write, so a crash after
// this start never resumes from a position the data has passed (that restart full-syncs).
void ContinueRecordedHistory(ServerState& server);
// Clean shutdown of a primary, once no write can follow (I/O, expiry and link threads have
// stopped): records its replication id and offset for ContinueRecordedHistory.
void RecordHistoryAtShutdown(ServerState& server);
// The current replication id: replid, or the run id before any sync.
std::string CurrentReplid(const ServerState& server);
// The "# Replication" fields of a replica, Redis's names and order, up to and including
// master_failover_state... the caller adds the backlog fields.
void AppendReplicaInfo(const ServerState& server, std::string* out);
// master_replid, master_replid2, master_repl_offset, second_repl_offset (either role).
void AppendReplidInfo(const ServerState& server, std::string* out);
// ROLE's link state word: "connect", "connecting", "sync", "connected".
std::string_view LinkStateName(LinkState s);

}  // namespace cairn::server
