// src/exec/server_state.cc — see server_state.h.
#include "src/exec/server_state.h"

#include <algorithm>

#include "src/exec/durability.h"
#include "src/exec/eviction.h"
#include "src/exec/notify.h"
#include "src/exec/oom_score.h"

#include <chrono>
#include <random>

#include "src/base/log.h"
#include "store/encoding_limits.h"
#include "store/rdb/rdb_string.h"

namespace cairn::server {

int64_t WallMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string RandomHex(size_t n) {
  static const char kHex[] = "0123456789abcdef";
  std::random_device rd;
  std::string out(n, '0');
  for (char& c : out) c = kHex[rd() % 16];
  return out;
}

namespace {

store::StoreOptions StoreOptionsFrom(const Config& config) {
  store::StoreOptions options;
  options.databases = config.databases;
  return options;
}

// The thresholds the data types read (store/encoding_limits.h); process-wide, as in Redis.
void ApplyEncodingLimits(const Config& c) {
  store::EncodingLimits& e = store::encoding_limits();
  auto size = [](int64_t v) { return static_cast<size_t>(v); };  // the config keeps v >= 0
  constexpr auto kRelaxed = std::memory_order_relaxed;
  e.hash_max_listpack_entries.store(size(c.hash_max_listpack_entries), kRelaxed);
  e.hash_max_listpack_value.store(size(c.hash_max_listpack_value), kRelaxed);
  e.zset_max_listpack_entries.store(size(c.zset_max_listpack_entries), kRelaxed);
  e.zset_max_listpack_value.store(size(c.zset_max_listpack_value), kRelaxed);
  e.set_max_intset_entries.store(size(c.set_max_intset_entries), kRelaxed);
  e.set_max_listpack_entries.store(size(c.set_max_listpack_entries), kRelaxed);
  e.set_max_listpack_value.store(size(c.set_max_listpack_value), kRelaxed);
  e.list_max_listpack_size.store(c.list_max_listpack_size, kRelaxed);
  e.list_compress_depth.store(size(c.list_compress_depth), kRelaxed);
  e.stream_node_max_bytes.store(size(c.stream_node_max_bytes), kRelaxed);
  e.stream_node_max_entries.store(size(c.stream_node_max_entries), kRelaxed);
}

}  // namespace

ServerState::ServerState(const Config& config)
    : config(config),
      store(StoreOptionsFrom(config)),
      stats(commands.slot_count()),
      run_id(RandomHex(40)),
      start_ms(WallMs()) {
  last_save_s = start_ms / 1000;
  tracking.Install(&store);
  ApplyConfig();
  InstallStoreEvents(*this);
}

void ServerState::ApplyConfig() {
  Config c = config.Snapshot();
  limits.proto_max_bulk_len = c.proto_max_bulk_len;
  limits.client_query_buffer_limit = c.client_query_buffer_limit;
  limits.maxclients = c.maxclients;
  limits.timeout_s = c.timeout_s;
  // requirepass is the default user's password: applied when it changes, so passwords set
  // with ACL SETUSER default survive an unrelated CONFIG SET.
  if (c.requirepass != applied_requirepass_) {
    applied_requirepass_ = c.requirepass;
    acl.SetRequirePass(c.requirepass);
  }
  acl_log.set_max_len(static_cast<size_t>(c.acllog_max_len));
  acl.SetPubSubDefault(c.acl_pubsub_default == "allchannels");
  limits.protected_mode = c.protected_mode;
  limits.inject_wal_enospc = c.debug_wal_inject_enospc;
  limits.wal_max_pending_bytes = c.wal_max_pending_bytes;
  if (store::GroupCommit* log = wal.load(std::memory_order_acquire); log != nullptr) {
    log->SetPolicy(FsyncPolicyOf(c.appendfsync));
  }
  limits.output_normal.Set(c.output_limit_normal);
  limits.output_replica.Set(c.output_limit_replica);
  limits.output_pubsub.Set(c.output_limit_pubsub);
  limits.notify_keyspace_events = c.notify_keyspace_events;
  limits.busy_reply_threshold_ms = c.busy_reply_threshold_ms;
  limits.hll_sparse_max_bytes = c.hll_sparse_max_bytes;
  ApplyMemoryConfig(*this, c);
  limits.maxmemory_clients = c.maxmemory_clients;
  EvictClientsOverLimit(*this);  // a lower limit (or maxmemory) applies at once
  limits.lazyfree_user_flush = c.lazyfree_lazy_user_flush;
  limits.lazyfree_user_del = c.lazyfree_lazy_user_del;
  auto yes = [&](std::string_view name) { return config.Value(name) == "yes"; };
  replica.read_only = yes("replica-read-only");
  replica.serve_stale = yes("replica-serve-stale-data");
  limits.replica_ignore_maxmemory = yes("replica-ignore-maxmemory");
  limits.latency_tracking = yes("latency-tracking");
  rdb::SetRdbCompression(yes("rdbcompression"));
  cluster.require_full_coverage = yes("cluster-require-full-coverage");
  cluster.allow_reads_when_down = yes("cluster-allow-reads-when-down");
  slowlog.Configure(c.slowlog_log_slower_than_us, c.slowlog_max_len);
  latency.Configure(c.latency_monitor_threshold_ms);
  limits.slow_command_us = std::min(slowlog.threshold_us(), latency.threshold_us());
  ApplyEncodingLimits(c);
  primary.Configure(config, c.output_limit_replica.hard_bytes);
  tracking.SetMaxKeys(*this, c.tracking_table_max_keys);
  SetLogLevel(c.loglevel);
  (void)ApplyOomScoreAdj(*this);  // CONFIG SET checks it first; startup logs a failure
}

int64_t ServerState::UptimeMs() const { return WallMs() - start_ms; }

}  // namespace cairn::server
