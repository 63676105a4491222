// src/exec/repl_primary.h — cairn as a replication primary: the replicas attached to it, the
// stream they receive, the backlog a reconnecting one resumes from, and their acknowledged
// offsets (WAIT, min-replicas-to-write, INFO replication, ROLE).
//
// The stream is fed by a tap on the store's journal (Store::ReplaceJournal): the tap passes
// each record to the WAL (or numbers records itself when there is no WAL), translates it into
// commands (repl_feed.h) and appends them to the backlog and to every registered replica's
// mailbox, all under one mutex, so the stream's order is the log's order. The tap goes in
// when the first replica asks to sync; until then nothing is translated or copied. Once in,
// it stays, so the backlog keeps serving partial resyncs.
//
// Full sync, without losing or doubling a write while writes go on: BeginFullSync makes the
// tap note, for each record, its LSN and the stream offset after it; the RDB is cut at some
// LSN (a capture, rdb_keyspace.h); FinishFullSync turns that LSN into the stream offset the
// RDB stands for, sends the replica the backlog bytes after it and registers it — under the
// tap's mutex, so the next record reaches it exactly once.
//
// A replica is listed (INFO, ReplicaPhase) from BeginFullSync on: wait_bgsave until its file
// is cut and, streamed, sent; send_bulk while a file built whole is sent; online once its
// connection has sent the last byte (FileSent). Only online replicas count for WAIT, ROLE,
// FAILOVER and min-replicas-to-write, as in Redis.
//
// Mailboxes (mailbox.h) carry the bytes to each replica's own I/O thread, held like replies
// until the WAL has made them durable.
//
// Threading: every member is thread-safe. Lock order: shard locks, then this mutex, then a
// mailbox's.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "src/exec/client.h"
#include "src/exec/repl_backlog.h"
#include "src/exec/repl_feed.h"
#include "store/base/status.h"
#include "store/journal.h"
#include "store/store.h"

namespace cairn::server {

class ConfigStore;

// Where a registered replica stands, with Redis's names (INFO's state=): its file is still
// being written and streamed (wait_bgsave), or was written whole and is being sent
// (send_bulk); or the file is through and the stream flows (online). Only an online replica
// counts for min-replicas-to-write, ROLE and FAILOVER, as in Redis.
enum class ReplicaPhase { kWaitBgsave, kSendBulk, kOnline };
std::string_view ReplicaPhaseName(ReplicaPhase state);

// The pseudo-key WAIT blocks on; each REPLCONF ACK marks it ready.
inline constexpr std::string_view kReplicaAckKey = "\x00cairn-replica-ack";

class ReplPrimary {
 public:
  ReplPrimary(store::Store& store, std::string replid);
  ~ReplPrimary();
  ReplPrimary(const ReplPrimary&) = delete;
  ReplPrimary& operator=(const ReplPrimary&) = delete;

  // Reads repl-backlog-size, repl-ping-replica-period and min-replicas-* (after CONFIG SET).
  // replica_hard_limit (client-output-buffer-limit replica; 0: none) bounds what a replica's
  // mailbox holds; its connection applies the whole class limit (connection.cc).
  void Configure(const ConfigStore& config, int64_t replica_hard_limit);
  // rdb-key-save-delay: a pause after each key of a full sync's RDB, in microseconds
  // (negative -n: one microsecond once every n keys; 0: none), as Redis's own tests use it
  // to make a build last. Read on every key, so a CONFIG SET reaches a build under way.
  int64_t rdb_key_save_delay_us() const {
    return rdb_key_save_delay_us_.load(std::memory_order_relaxed);
  }

  std::string replid() const;
  // REPLICAOF NO ONE, PSYNC FAILOVER: the promoted server streams under the new replication id
  // it chose. Its stream goes on from `offset`, the bytes it applied of the old primary's
  // history old_replid, so replicas of that history continue with +CONTINUE (Redis's replid2).
  // Replicas attached to it are disconnected, as Redis does, to learn the new history as
  // they come back (PSYNC); a full sync begun before fails (FinishFullSync) and is retried.
  void Promote(std::string replid, std::string old_replid, uint64_t offset);

  // PSYNC replid offset: when replid is this primary's and the backlog holds every byte after
  // `have` (the replica's offset), sends them to client (after the +CONTINUE reply the
  // caller writes) and adds it as an online replica. False: a full sync is needed.
  bool TryContinue(ClientState& client, std::string_view replid, uint64_t have);

  // Full sync, step 1: installs the tap if needed; from here on, records are numbered with
  // their stream offsets. Returns the stream offset now (the cut cannot precede it), and in
  // *history the numbering it belongs to (Promote starts another). Until step 2 (or
  // AbortFullSync, or Detach) client is listed as a replica in state kWaitBgsave, as Redis
  // lists one from its SYNC on (the file may wait for repl-diskless-sync-delay).
  uint64_t BeginFullSync(ClientState& client, uint64_t* history);
  // Makes journal (the WAL, or nullptr) the one every change goes to: behind the tap while
  // one is installed, else the store's own. The caller holds every shard, so no command is
  // between its changes and its append. Without a WAL the tap numbers records on from the
  // last LSN the WAL gave.
  void SwapJournal(store::Journal* journal);
  // Step 2, once an RDB cut at cut_lsn is built (whole) or begins (streamed): the stream
  // offset it stands for; the bytes after it go to client, a replica in state kWaitBgsave
  // (streamed) or kSendBulk until FileSent. kBusy (the caller retries the full sync) when
  // the backlog no longer holds those bytes, the server was promoted since step 1, or step 1
  // came after a write the cut does not hold (a file shared by replicas must be cut after
  // each began: rdb_fanout.h).
  Result<uint64_t> FinishFullSync(ClientState& client, uint64_t begin, uint64_t history,
                                  uint64_t cut_lsn, bool streamed);
  // The client's socket took the last byte of its file (with TLS: it was encrypted): it is
  // online, and its lag counts from now (it acknowledges once it has loaded the file).
  void FileSent(ClientState& client);
  // Ends step 1 of the client with that id without a replica (building the RDB failed, or
  // the client left).
  void AbortFullSync(uint64_t client_id);

  // The connection of client closes (or CLIENT KILL): it receives nothing more.
  void Detach(ClientState& client);
  // REPLCONF ACK from client; also sends the keep-alive PING when it is due. False when
  // client is not an attached replica (the ack is ignored).
  bool OnAck(ClientState& client, uint64_t offset);
  // Sends the keep-alive PING down the stream when repl-ping-replica-period has passed since
  // the last one and a replica is attached. Called by every I/O thread's once-a-second cron:
  // a replica that never acknowledges (`redis-cli --replica`, a bare SYNC) gets it too, and
  // its client reads it as the stream going on, as from Redis.
  void PingIfDue();
  // Asks every replica for its offset (REPLCONF GETACK *, for WAIT).
  void RequestAcks();
  // FAILOVER: no keep-alive PING and no GETACK while paused, so the offset stands still until
  // the replicas acknowledge it.
  void PausePings(bool paused) { pings_paused_ = paused; }

  uint64_t offset();  // master_repl_offset
  // How many online replicas acknowledged at least offset.
  int AckedCount(uint64_t offset);
  // min-replicas-to-write: whether writes are refused now (fewer replicas acknowledged within
  // min-replicas-max-lag). One relaxed load when the option is 0.
  bool RefusesWrites();

  // ROLE's and INFO's view of the replicas.
  struct ReplicaRow {
    std::string ip;
    int port;
    uint64_t offset;
    int64_t lag_s;  // seconds since its last acknowledgement (0 until online, as in Redis)
    ReplicaPhase state;
  };
  std::vector<ReplicaRow> Replicas();
  struct BacklogInfo {
    bool active;
    uint64_t size, offset, first_byte_offset, histlen;
  };
  BacklogInfo Backlog();

  std::atomic<uint64_t> sync_full{0};
  std::atomic<uint64_t> sync_partial_ok{0};
  std::atomic<uint64_t> sync_partial_err{0};

 private:
  class Tap;
  struct Replica {
    ClientState* client;
    std::string ip;
    int port;
    uint64_t ack_offset = 0;
    int64_t last_ack_ms = 0;
    ReplicaPhase state = ReplicaPhase::kOnline;
  };

  void InstallTapLocked();
  // Drops client_id from waiting_ (if there).
  void EndWaitLocked(uint64_t client_id);
  // Sends client the backlog's bytes after `from` and streams to it from there on. acked:
  // what it holds already (PSYNC's offset; 0 for a full sync, whose file it has yet to
  // receive and load): WAIT counts it for no more until it acknowledges.
  void AddReplicaLocked(ClientState& client, uint64_t from, uint64_t acked, ReplicaPhase state);
  // Appends bytes to the stream: the backlog and every registered replica. lsn: what the bytes
  // reveal (their mailboxes hold them until it is durable).
  void StreamLocked(std::string_view bytes, uint64_t lsn);
  // PingIfDue with mu_ held.
  void PingIfDueLocked(int64_t now);
  uint64_t AppendRecord(std::string_view payload);
  int GoodReplicasLocked(int64_t now_ms, int64_t max_lag_s);

  store::Store& store_;
  std::string replid_;  // guarded
  std::string replid2_;           // guarded: the history continued since Promote
  uint64_t second_offset_ = 0;    // guarded: replid2_ holds the bytes before this one
  uint64_t history_ = 0;          // guarded: promotions so far (each renumbers the stream)
  mutable std::mutex mu_;
  std::unique_ptr<Tap> tap_;               // guarded by mu_; set once
  // The journal the tap passes records to: the WAL or none. Set under mu_ (InstallTapLocked,
  // SwapJournal); the tap's last_lsn and SyncThrough read it without.
  std::atomic<store::Journal*> inner_{nullptr};
  std::atomic<bool> tapped_{false};
  std::atomic<bool> pings_paused_{false};
  std::atomic<size_t> mailbox_limit_{size_t{256} << 20};
  std::atomic<uint64_t> own_lsn_{0};       // LSNs when there is no WAL
  ReplFeed feed_;                          // guarded
  ReplBacklog backlog_;                    // guarded
  bool backlog_active_ = false;            // guarded
  std::vector<Replica> replicas_;          // guarded
  // Clients between BeginFullSync and FinishFullSync (shown as kWaitBgsave), by client id:
  // a job that ends after its client left names it without touching it.
  struct Waiting {
    uint64_t client_id;
    std::string ip;
    int port;
  };
  std::vector<Waiting> waiting_;           // guarded
  int syncs_pending_ = 0;                  // guarded
  struct Cut {
    uint64_t lsn, offset;
  };
  std::vector<Cut> cuts_;                  // guarded; only while syncs_pending_ > 0
  int64_t last_ping_ms_ = 0;               // guarded
  std::string scratch_;                    // guarded
  std::atomic<int64_t> backlog_size_{1 << 20};
  std::atomic<int> ping_period_s_{10};
  std::atomic<int64_t> rdb_key_save_delay_us_{0};
  std::atomic<int> min_replicas_{0};
  std::atomic<int> min_replicas_max_lag_s_{10};
};

// The INFO replication section of a primary, with Redis's fields (role:master,
// connected_slaves, slave<n>:..., master_replid, master_repl_offset, repl_backlog_*).
// replid2 and second_offset: the replication id this server followed before a promotion, and
// the first offset it did not take from it ("0"*40 and -1 when never promoted);
// failover_state: master_failover_state (failover.h).
void AppendPrimaryInfo(ReplPrimary& primary, std::string_view replid2, int64_t second_offset,
                       std::string_view failover_state, std::string* out);

}  // namespace cairn::server
