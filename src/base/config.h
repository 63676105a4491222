// src/base/config.h — server configuration: redis.conf syntax, command-line overrides, CONFIG.
//
// Options have Redis's names, defaults, value syntax (yes/no, memory units like 512mb) and
// error texts. Load(): the config file (if any) first, then `--name value...` arguments, in
// order. An unknown or malformed option stops startup with file, line and reason.
//
// Every option of Redis 7.0's redis.conf is known. The ones cairn acts on are Config fields;
// the rest (replication, cluster, TLS, defragmentation...) are "accepted-only": parsed with
// Redis's grammar and bounds, stored, shown by CONFIG GET and settable where Redis allows,
// and reported by AcceptedOnlyInUse() so that startup can warn that they have no effect.
//
// Threading: Load() runs before any thread starts. At run time, Get/Set go through the
// ConfigStore's mutex; values read on every request (limits) are mirrored into atomics by
// the server after each successful Set.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "store/base/status.h"

namespace cairn::server {

// client-output-buffer-limit for one class of clients: disconnect at hard_bytes of pending
// output, or after soft_seconds continuously above soft_bytes (0 disables either).
struct OutputBufferLimit {
  int64_t hard_bytes = 0;
  int64_t soft_bytes = 0;
  int64_t soft_seconds = 0;
};

// TLS for clients (tls-* options, Redis 7.0's names and defaults; src/net/tls_context.h).
struct TlsOptions {
  int port = 0;  // 0: no TLS listener
  std::string cert_file, key_file, key_file_pass;
  std::string ca_cert_file, ca_cert_dir, dh_params_file;
  std::string auth_clients = "yes";  // yes | no | optional
  std::string protocols;             // e.g. "TLSv1.2 TLSv1.3"; "" = those two
  std::string ciphers, ciphersuites;
  bool prefer_server_ciphers = false;
  bool session_caching = true;
  int session_cache_size = 20480;
  int session_cache_timeout = 300;  // seconds
  // Connections cairn makes: tls-replication yes connects to the primary with TLS, presenting
  // the client certificate (or, when either client file is unset, the server's own).
  bool replication = false;
  std::string client_cert_file, client_key_file, client_key_file_pass;
};

// The default values of the accepted-only options (config_option.h), in table order.
std::vector<std::string> DefaultAcceptedValues();

struct Config {
  // Network
  int port = 6379;
  std::vector<std::string> bind = {"127.0.0.1"};
  std::string unixsocket;
  int unixsocketperm = 0;
  int tcp_backlog = 511;
  int threads = 0;  // I/O threads; 0 = one per core
  int maxclients = 10000;
  int timeout_s = 0;
  int tcp_keepalive_s = 300;
  bool protected_mode = true;
  TlsOptions tls;
  // Security and limits
  std::string requirepass;
  int64_t proto_max_bulk_len = 512LL * 1024 * 1024;
  int64_t client_query_buffer_limit = 1024LL * 1024 * 1024;
  // client-output-buffer-limit, Redis's defaults per class.
  OutputBufferLimit output_limit_normal;
  OutputBufferLimit output_limit_replica{256LL << 20, 64LL << 20, 60};
  OutputBufferLimit output_limit_pubsub{32LL << 20, 8LL << 20, 60};
  uint32_t notify_keyspace_events = 0;  // NotifyFlag bits (config_values.h)
  // Keyspace
  int databases = 16;
  int hz = 10;
  int64_t maxmemory = 0;
  std::string maxmemory_policy = "noeviction";
  int maxmemory_samples = 5;
  int64_t maxmemory_clients = 0;  // bytes, or -N for N% of maxmemory; 0: no client eviction
  int maxmemory_eviction_tenacity = 10;  // 0..100: how long one write may spend evicting
  int lfu_log_factor = 10;
  int lfu_decay_time = 1;  // minutes
  bool lazyfree_lazy_user_del = false;    // DEL frees large values in the background, as UNLINK
  bool lazyfree_lazy_user_flush = false;  // FLUSHALL/FLUSHDB without ASYNC|SYNC free lazily
  int64_t tracking_table_max_keys = 1000000;  // client-side caching; 0: no limit
  int64_t busy_reply_threshold_ms = 5000;     // scripts; alias lua-time-limit
  int64_t hll_sparse_max_bytes = 3000;
  // SLOWLOG: commands at least this slow are logged (-1: none, 0: all); the log's length.
  int64_t slowlog_log_slower_than_us = 10000;
  int64_t slowlog_max_len = 128;
  // ACL: the users file (ACL SAVE / LOAD; empty: none), the ACL LOG length, and the
  // arguments of each "user <name> <rules...>" line of the config file, in order.
  std::string aclfile;
  int64_t acllog_max_len = 128;
  std::string acl_pubsub_default = "resetchannels";  // or "allchannels"
  std::vector<std::vector<std::string>> acl_users;
  // LATENCY: events at least this long are sampled; 0 = off.
  int64_t latency_monitor_threshold_ms = 0;  // a sparse HyperLogLog longer than this turns dense
  // Encoding thresholds, mirrored into store/encoding_limits.h (redis.conf's defaults).
  int64_t hash_max_listpack_entries = 512;
  int64_t hash_max_listpack_value = 64;
  int64_t zset_max_listpack_entries = 128;
  int64_t zset_max_listpack_value = 64;
  int64_t set_max_intset_entries = 512;
  int64_t set_max_listpack_entries = 128;
  int64_t set_max_listpack_value = 64;
  int list_max_listpack_size = -2;
  int list_compress_depth = 0;  // plain nodes at each end of a list; 0: none compressed
  int64_t stream_node_max_bytes = 4096;
  int64_t stream_node_max_entries = 100;
  // Files and logging
  std::string dir = "./data";
  std::string dbfilename = "dump.rdb";
  std::string appendfilename = "appendonly.aof";
  std::string pidfile;
  // DEBUG: "yes", "no" (Redis's default) or "local" (loopback and unix socket clients only).
  std::string enable_debug_command = "no";
  std::string loglevel = "notice";
  std::string logfile;  // empty: standard output
  bool daemonize = false;
  // Persistence (the write-ahead log and snapshots; see README for what is implemented).
  bool appendonly = true;
  int64_t wal_segment_size = 64LL * 1024 * 1024;  // bytes per WAL segment file
  // Back-pressure: while more WAL bytes than this wait to be written, clients' reading pauses.
  int64_t wal_max_pending_bytes = 64LL * 1024 * 1024;
  // Recovery: a WAL record that does not apply is logged and skipped instead of stopping.
  bool wal_replay_skip_bad_records = false;
  int debug_wal_sync_delay_ms = 0;       // testing only: slows every fdatasync
  bool debug_wal_inject_enospc = false;  // testing only: WAL writes fail (ENOSPC)
  std::string appendfsync = "always";
  std::string save = "3600 1 300 100 60 10000";  // snapshot schedule: seconds changes ...
  // Automatic snapshot (and WAL trim) once the WAL written since the last snapshot is at
  // least this big and has grown by this percentage of the snapshot's size.
  int auto_aof_rewrite_percentage = 100;
  int64_t auto_aof_rewrite_min_size = 64LL * 1024 * 1024;
  // The accepted-only options' values as CONFIG GET prints them, in table order.
  std::vector<std::string> accepted = DefaultAcceptedValues();
};

// The reason CONFIG SET gives for an option that is fixed at startup.
inline constexpr std::string_view kImmutableConfig = "can't set immutable config";

class ConfigStore {
 public:
  ConfigStore() = default;
  explicit ConfigStore(Config initial) : config_(std::move(initial)) {}

  // Parses redis.conf text. On failure, kInvalid whose message is the complete error Redis
  // prints (origin, line, the line, reason).
  Status LoadText(std::string_view text, std::string_view origin);
  // Loads `config-file` (optional first argument) then `--name value ...` arguments.
  // On failure the message is a complete human-readable error (file, line, reason).
  Status LoadArgs(int argc, const char* const* argv);

  // CONFIG GET: (name, value) pairs for every option matching the glob pattern (an alias
  // that matches is listed under its own name, as Redis 7.0 does).
  std::vector<std::pair<std::string, std::string>> Get(std::string_view pattern) const;
  // One option's value as CONFIG GET prints it ("" for an unknown name).
  std::string Value(std::string_view name) const;
  // CONFIG SET of one option at run time. On failure, kInvalid whose message is Redis's
  // reason text ("unknown", kImmutableConfig, "argument must be 'yes' or 'no'"...).
  Status Set(std::string_view name, std::string_view value);
  // The server records a value its own commands manage in an accepted-only option (REPLICAOF
  // sets replicaof, "" for none), immutable ones included, unchecked, so CONFIG GET and
  // CONFIG REWRITE show it. Unknown names and real options are ignored.
  void SetAcceptedValue(std::string_view name, std::string value);
  // True if name is a known option (or alias).
  bool Known(std::string_view name) const;
  // The option's own name for name or its alias ("" if unknown).
  std::string CanonicalName(std::string_view name) const;
  // Accepted-only options (and ignored directives such as rename-command) that the loaded
  // configuration set, each once, in the order first seen: startup warns about them.
  std::vector<std::string> AcceptedOnlyInUse() const;
  // CONFIG REWRITE: writes the current values into the file the config was loaded from.
  // extra_lines (the ACL users' "user ..." lines) follow the options. The message of a
  // failure is the reason CONFIG REWRITE replies with (after "ERR ").
  Status Rewrite(const std::vector<std::string>& extra_lines = {}) const;
  std::string config_file() const;
  void set_config_file(std::string path) { config_file_ = std::move(path); }

  // A consistent copy of every option (with the accepted-only values: ~150 strings).
  Config Snapshot() const;
  // f(config) under the lock, for reading a few fields without copying them all.
  template <typename F>
  auto Read(F&& f) const {
    std::lock_guard lock(mu_);
    return f(static_cast<const Config&>(config_));
  }
  // Startup only: direct access before threads exist.
  Config& mutable_config() { return config_; }

 private:
  // depth: how many `include` directives led here.
  Status ApplyLine(const std::vector<std::string>& words, int depth);
  Status LoadTextLocked(std::string_view text, std::string_view origin, int depth);
  Status LoadFile(const std::string& path, int depth);
  void NoteAcceptedOnly(const std::string& name);

  mutable std::mutex mu_;
  Config config_;
  std::string config_file_;
  std::vector<std::string> accepted_in_use_;
};

// Parses "1gb", "512mb", "100k", "42" (Redis memory units); false if malformed.
[[nodiscard]] bool ParseMemory(std::string_view text, int64_t* out);
// Splits a config line into words (quotes and escapes as in redis.conf).
[[nodiscard]] bool SplitConfigLine(std::string_view line, std::vector<std::string>* words);

}  // namespace cairn::server
