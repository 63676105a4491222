// src/exec/server_state.h — everything a command may use, without any networking: the store,
// configuration, command table, clients, stats and lifecycle requests. The networking layer
// (server.h) owns one ServerState; tests build one in-process.
//
// Threading: members are thread-safe as documented on their types. The `limits` atomics
// mirror configuration read on every request; ApplyConfig() refreshes them after CONFIG SET.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "src/base/config.h"
#include "src/exec/acl.h"
#include "src/exec/acl_log.h"
#include "src/exec/blocking.h"
#include "src/exec/cluster.h"
#include "src/exec/client.h"
#include "src/exec/client_eviction.h"
#include "src/exec/client_peaks.h"
#include "src/exec/command_table.h"
#include "src/exec/failover.h"
#include "src/exec/functions.h"
#include "src/exec/latency.h"
#include "src/exec/migrate_link.h"
#include "src/exec/monitor.h"
#include "src/exec/pubsub.h"
#include "src/exec/rdb_fanout.h"
#include "src/exec/repl_primary.h"
#include "src/exec/replica_state.h"
#include "src/exec/scripts.h"
#include "src/exec/slowlog.h"
#include "src/exec/stats.h"
#include "src/exec/tracking.h"
#include "store/durability/group_commit.h"
#include "store/store.h"

namespace cairn::server {

// Wall-clock time, unix ms (client timestamps, uptime). The store has its own clock for
// expiry (Store::NowMs), which tests can move.
int64_t WallMs();
// n random hex digits (run ids, replication ids).
std::string RandomHex(size_t n);

inline constexpr std::string_view kCairnVersion = "0.1.0";
// What clients see as redis_version: the Redis line whose semantics cairn follows.
inline constexpr std::string_view kRedisVersion = "7.0.15";
// The same as a number, major << 16 | minor << 8 | patch (scripts' REDIS_VERSION_NUM).
inline constexpr int kRedisVersionNum = 0x07000f;

// One client-output-buffer-limit class, readable from any thread.
struct OutputClassLimit {
  std::atomic<int64_t> hard_bytes{0};
  std::atomic<int64_t> soft_bytes{0};
  std::atomic<int64_t> soft_seconds{0};
  void Set(const OutputBufferLimit& limit) {
    hard_bytes = limit.hard_bytes;
    soft_bytes = limit.soft_bytes;
    soft_seconds = limit.soft_seconds;
  }
};

struct RuntimeLimits {
  std::atomic<int64_t> proto_max_bulk_len{0};
  std::atomic<int64_t> client_query_buffer_limit{0};
  std::atomic<int> maxclients{0};
  std::atomic<int> timeout_s{0};
  std::atomic<bool> protected_mode{true};     // src/net/protected_mode.h
  std::atomic<bool> inject_wal_enospc{false};  // testing only (debug-wal-inject-enospc)
  std::atomic<int64_t> wal_max_pending_bytes{0};
  // client-output-buffer-limit, by class.
  OutputClassLimit output_normal;
  OutputClassLimit output_replica;
  OutputClassLimit output_pubsub;
  std::atomic<uint32_t> notify_keyspace_events{0};  // NotifyFlag bits
  std::atomic<int64_t> busy_reply_threshold_ms{0};   // scripts: BUSY after this long
  std::atomic<int64_t> hll_sparse_max_bytes{0};
  // maxmemory (0: no limit) and how to get under it (eviction.h).
  std::atomic<int64_t> maxmemory{0};
  // maxmemory-clients: bytes, or -N for N% of maxmemory; 0: no client eviction.
  std::atomic<int64_t> maxmemory_clients{0};
  std::atomic<store::EvictPolicy> maxmemory_policy{store::EvictPolicy::kNoEviction};
  // replica-ignore-maxmemory: a replica leaves eviction to its primary (the default), or
  // evicts by its own maxmemory like a primary (no).
  std::atomic<bool> replica_ignore_maxmemory{true};
  std::atomic<int> maxmemory_samples{5};
  std::atomic<int> maxmemory_eviction_tenacity{10};
  // Set when a command's eviction ran out of time while memory stayed over the limit: the
  // background thread goes on evicting until memory is under it (EvictInBackground).
  std::atomic<bool> eviction_unfinished{false};
  // Since when (steady clock, µs) used memory has stayed over maxmemory after eviction did
  // what it could (0: it is under), and how long the periods that ended lasted (µs): INFO's
  // current_ and total_eviction_exceeded_time. See NoteMemoryOverLimit (eviction.h).
  std::atomic<int64_t> over_limit_since_us{0};
  std::atomic<int64_t> over_limit_total_us{0};
  std::atomic<bool> lazyfree_user_flush{false};  // lazyfree-lazy-user-flush
  std::atomic<bool> lazyfree_user_del{false};    // lazyfree-lazy-user-del
  // The shorter of the slow log's and the latency monitor's thresholds (µs): a command
  // faster than this costs them nothing but this one load and compare.
  std::atomic<int64_t> slow_command_us{INT64_MAX};
  std::atomic<bool> latency_tracking{true};  // latency-tracking: commands' histograms grow
};

// Switches DEBUG sets for tests (debug_command.cc), read with one relaxed load where they
// apply. Their defaults are the server's normal behaviour.
struct DebugSwitches {
  std::atomic<bool> active_expire{true};              // SET-ACTIVE-EXPIRE: the expiry cycle runs
  std::atomic<bool> pause_cron{false};                // PAUSE-CRON: the background cycle idles
  std::atomic<bool> skip_checksum_validation{false};  // RESTORE payloads' CRC is not checked
  std::atomic<bool> disable_deny_scripts{false};      // scripts may call noscript commands
};

struct ServerState {
  explicit ServerState(const Config& config);

  // Copies the request-path settings from config into limits (after load and CONFIG SET).
  void ApplyConfig();
  int64_t UptimeMs() const;

  ConfigStore config;
  store::Store store;
  CommandTable commands;
  Acl acl{commands};  // users (acl.h); requirepass sets the default user's password
  AclLog acl_log;     // ACL LOG
  StatsRegistry stats;
  ClientRegistry clients;
  ClientMemory client_memory;  // maxmemory-clients (client_eviction.h)
  ClientPeaks client_peaks;    // INFO's client_recent_max_* (client_peaks.h)
  RuntimeLimits limits;
  std::string run_id;
  int64_t start_ms;
  std::atomic<int> tcp_port{0};
  std::atomic<int> io_threads{1};
  std::atomic<int64_t> last_save_s{0};
  BlockingRegistry blocking;
  PubSub pubsub;
  Monitors monitors;
  Tracking tracking;  // client-side caching (CLIENT TRACKING)
  ScriptCache scripts;              // EVAL / SCRIPT LOAD (scripts.h)
  RunningScripts running_scripts;   // for BUSY and SCRIPT KILL
  // A SCRIPT DEBUG YES session holds its copy of the dataset (one at a time).
  std::atomic<bool> debug_copy{false};
  DebugSwitches debug;  // DEBUG SET-ACTIVE-EXPIRE and the other test switches
  FunctionRegistry functions;       // FUNCTION LOAD / FCALL (functions.h)
  SlowLog slowlog;                  // SLOWLOG (slowlog.h)
  LatencyMonitor latency;           // LATENCY events (latency.h)
  ReplicaState replica;             // following a primary (replica_state.h)
  FailoverState failover;           // FAILOVER (failover.h)
  ClusterState cluster;             // cluster-enabled yes: a one-node cluster (cluster.h)

  // The write-ahead log, when appendonly is on, else nullptr: set before threads start, and
  // by CONFIG SET appendonly (a log that stops stays allocated until the server exits, so a
  // pointer loaded from here stays valid). Replies wait for DurableLsn() under appendfsync
  // always.
  std::atomic<store::GroupCommit*> wal{nullptr};
  // While a log turned on at runtime waits for its base snapshot: the last LSN before it.
  // Replies revealing a later record wait for the snapshot as for a sync (a crash before it
  // lands leaves those records out of what recovery trusts).
  std::atomic<uint64_t> wal_base_cap{UINT64_MAX};
  // What replies may reveal: wal's durable LSN, held below a pending base snapshot.
  uint64_t DurableLsn(const store::GroupCommit& w) const {
    // seq_cst, as durable_lsn(): against a waiter's registration (IoThread::WaitDurable).
    return std::min(w.durable_lsn(), wal_base_cap.load(std::memory_order_seq_cst));
  }
  // Whether the log refuses writes now: a write or sync failed and has not succeeded since.
  // Writes then get MISCONF and blocked clients are not served.
  bool WalFailed() const {
    store::GroupCommit* w = wal.load(std::memory_order_acquire);
    return w != nullptr && w->failed();
  }
  // Text of the last WAL write/sync error (guarded by wal_error_mu), for MISCONF and INFO.
  std::mutex wal_error_mu;
  std::string wal_error;
  // Recovery in progress: commands without the kLoading flag get -LOADING; INFO shows the
  // progress below.
  std::atomic<bool> loading{false};
  std::atomic<int64_t> loading_start_s{0};
  std::atomic<uint64_t> loading_total_bytes{0};
  std::atomic<uint64_t> loading_loaded_bytes{0};
  // The cut LSN of the newest snapshot (loaded or written).
  std::atomic<uint64_t> snapshot_lsn{0};
  // store.changes() at the last snapshot's cut, or when recovery ended (Persistence).
  std::atomic<uint64_t> snapshot_changes{0};
  // Snapshots: SAVE, BGSAVE, the save schedule (set before threads start, else nullptr).
  std::atomic<class Persistence*> persistence{nullptr};
  // Recovery figures for INFO persistence.
  std::atomic<uint64_t> loaded_records{0};
  std::atomic<int64_t> load_ms{0};
  // The keys the last load of a snapshot or an RDB file brought in (INFO's
  // rdb_last_load_keys_loaded) and those already expired then (rdb_last_load_keys_expired).
  std::atomic<uint64_t> load_keys_loaded{0};
  std::atomic<uint64_t> load_keys_expired{0};
  // Allocated bytes when the threads had started, before recovery loaded anything
  // (INFO used_memory_startup, MEMORY STATS startup.allocated).
  std::atomic<size_t> startup_allocated_bytes{0};

  // CLIENT PAUSE: until pause_end_ms (unix ms), commands of kind pause_kind wait before they
  // run (the connection holds them; see Connection::ProcessInput).
  enum class PauseKind : int { kNone, kWrite, kAll };
  std::atomic<int64_t> pause_end_ms{0};
  std::atomic<PauseKind> pause_kind{PauseKind::kNone};
  // Set by the networking layer: CLIENT UNPAUSE calls it to resume the held clients at
  // once (any thread). Empty in-process.
  std::function<void()> on_unpause;
  std::atomic<int> paused_clients{0};  // connections holding a command for the pause

  // Set by the networking layer; SHUTDOWN calls it (any thread). Empty in-process.
  std::function<void()> request_shutdown;
  // Whether the server snapshots before it exits, as Redis saves at shutdown: SHUTDOWN SAVE
  // always, NOSAVE never, otherwise (SHUTDOWN, SIGTERM, SIGINT) when `save` has save points.
  enum class ExitSave : uint8_t { kIfScheduled, kAlways, kNever };
  std::atomic<ExitSave> exit_save{ExitSave::kIfScheduled};
  // Set by the networking layer: CONFIG SET of a tls-* option calls it to rebuild the TLS
  // context from the new values (any thread) while tls-port is set, as Redis does. A failure
  // (logged) makes the CONFIG SET fail and roll back. Empty in-process.
  std::function<Status()> reload_tls;
  // Set by the networking layer: CONFIG SET port, tls-port or bind calls it (any thread) to
  // listen on the configured addresses and ports instead of the old ones (port 0: not at
  // all). Returns an error text, with *tls_failed set when the TLS port was the one that
  // failed, when a port cannot be opened: nothing changed, and the CONFIG SET fails and rolls
  // back. Empty in-process.
  std::function<std::string(bool* tls_failed)> change_ports;
  // Set by the networking layer: CONFIG SET appendonly calls it (on the client's I/O thread)
  // to start or stop the WAL (wal_switch.h). An error makes the CONFIG SET fail and roll
  // back; a base snapshot that fails after the OK sets the option back to no itself. Empty
  // in-process, where appendonly cannot change.
  std::function<Status(bool on)> set_appendonly;
  std::atomic<bool> shutting_down{false};
  // MIGRATE's connections to target instances (migrate_link.h): set by the networking layer
  // before threads start; null in-process, where MIGRATE cannot connect.
  std::atomic<MigrateLinkPool*> migrate_links{nullptr};
  // cairn as a replication primary: its replicas, stream and backlog (repl_primary.h).
  ReplPrimary primary{store, run_id};
  // Streamed full syncs that replicas arriving together share (rdb_fanout.h).
  RdbFanouts rdb_fanouts;

 private:
  std::string applied_requirepass_;  // the requirepass ApplyConfig last gave the default user
};

}  // namespace cairn::server
