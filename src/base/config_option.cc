// src/base/config_option.cc — the Redis 7.0 options cairn accepts without acting on them
// (see config_option.h). Names, aliases, grammars, bounds, defaults and mutability are
// Redis 7.0.15's; README lists which options are real.
#include "src/base/config_option.h"

#include <strings.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <iterator>

namespace cairn::server {
namespace {

using K = ConfigKind;
constexpr bool kMut = true;     // CONFIG SET may change it
constexpr bool kFixed = false;  // startup only

// oom-score-adj-values: three integers in [-2000, 2000].
Status CheckOomScoreAdjValues(const std::vector<std::string>& words) {
  if (words.size() != 3) return Status::Invalid("wrong number of arguments");
  for (const std::string& w : words) {
    char* end = nullptr;
    long long v = std::strtoll(w.c_str(), &end, 10);
    if (w.empty() || *end != '\0' || v < -2000 || v > 2000) {
      return Status::Invalid(
          "Invalid oom-score-adj-values, elements must be between -2000 and 2000.");
    }
  }
  return Status::Ok();
}

// replicaof: "<host> <port>" or "no one".
Status CheckReplicaOf(const std::vector<std::string>& words) {
  if (words.size() != 2) return Status::Invalid("wrong number of arguments");
  if (strcasecmp(words[0].c_str(), "no") == 0 && strcasecmp(words[1].c_str(), "one") == 0) {
    return Status::Ok();
  }
  char* end = nullptr;
  long port = std::strtol(words[1].c_str(), &end, 10);
  if (words[1].empty() || *end != '\0' || port < 0 || port > 65535) {
    return Status::Invalid("Invalid master port");
  }
  return Status::Ok();
}

// latency-tracking-info-percentiles: numbers in [0, 100].
Status CheckPercentiles(const std::vector<std::string>& words) {
  for (const std::string& w : words) {
    char* end = nullptr;
    double v = std::strtod(w.c_str(), &end);
    if (w.empty() || *end != '\0') {
      return Status::Invalid("Invalid latency-tracking-info-percentiles parameters");
    }
    if (v < 0.0 || v > 100.0) {
      return Status::Invalid(
          "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]");
    }
  }
  return Status::Ok();
}

// shutdown-on-sigint / -sigterm: SAVE and NOSAVE exclude each other.
Status CheckShutdownFlags(const std::vector<std::string>& words) {
  bool save = false, nosave = false;
  for (const std::string& w : words) {
    save = save || strcasecmp(w.c_str(), "save") == 0;
    nosave = nosave || strcasecmp(w.c_str(), "nosave") == 0;
  }
  if (save && nosave) {
    return Status::Invalid("shutdown options SAVE and NOSAVE can't be used simultaneously");
  }
  return Status::Ok();
}

const std::vector<std::string_view> kProtectedAction = {"no", "yes", "local"};
const std::vector<std::string_view> kShutdownFlags = {"default", "save", "nosave", "now",
                                                      "force"};

}  // namespace

const std::vector<AcceptedOption>& AcceptedOptions() {
  static const std::vector<AcceptedOption> options = {
      // Persistence the way Redis does it (cairn has its WAL and snapshots instead).
      {"rdbchecksum", "", K::kBool, kFixed, "yes"},
      {"rdbcompression", "", K::kBool, kMut, "yes"},
      {"rdb-del-sync-files", "", K::kBool, kMut, "no"},
      {"stop-writes-on-bgsave-error", "", K::kBool, kMut, "yes"},
      {"rdb-save-incremental-fsync", "", K::kBool, kMut, "yes"},
      {"aof-rewrite-incremental-fsync", "", K::kBool, kMut, "yes"},
      {"no-appendfsync-on-rewrite", "", K::kBool, kMut, "no"},
      {"aof-load-truncated", "", K::kBool, kMut, "yes"},
      {"aof-use-rdb-preamble", "", K::kBool, kMut, "yes"},
      {"aof-timestamp-enabled", "", K::kBool, kMut, "no"},
      {"aof-disable-auto-gc", "", K::kBool, kMut, "no"},
      {"appenddirname", "", K::kString, kFixed, "appendonlydir"},
      {"rdb-key-save-delay", "", K::kInt, kMut, "0", INT_MIN, INT_MAX, {}, nullptr, true},
      {"key-load-delay", "", K::kInt, kMut, "0", INT_MIN, INT_MAX, {}, nullptr, true},
      {"loading-process-events-interval-bytes", "", K::kInt64, kMut, "2097152", 1024, INT_MAX,
       {}, nullptr, true},
      // Process, logging and operating system.
      {"always-show-logo", "", K::kBool, kFixed, "no"},
      {"set-proc-title", "", K::kBool, kFixed, "yes"},
      {"proc-title-template", "", K::kString, kMut, "{title} {listen-addr} {server-mode}"},
      {"syslog-enabled", "", K::kBool, kFixed, "no"},
      {"syslog-ident", "", K::kString, kFixed, "redis"},
      {"syslog-facility", "", K::kEnum, kFixed, "local0", 0, 0,
       {"user", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"}},
      {"supervised", "", K::kEnum, kFixed, "no", 0, 0, {"upstart", "systemd", "auto", "no"}},
      {"disable-thp", "", K::kBool, kFixed, "yes"},
      {"jemalloc-bg-thread", "", K::kBool, kMut, "yes"},
      {"crash-log-enabled", "", K::kBool, kMut, "yes"},
      {"crash-memcheck-enabled", "", K::kBool, kMut, "yes"},
      {"use-exit-on-panic", "", K::kBool, kMut, "no", 0, 0, {}, nullptr, true},
      {"watchdog-period", "", K::kInt, kMut, "0", 0, INT_MAX, {}, nullptr, true},
      {"oom-score-adj", "", K::kEnum, kMut, "no", 0, 0, {"no", "yes", "relative", "absolute"}},
      {"oom-score-adj-values", "", K::kList, kMut, "0 200 800", 0, 0, {},
       CheckOomScoreAdjValues},
      {"server_cpulist", "", K::kString, kFixed, ""},
      {"bio_cpulist", "", K::kString, kFixed, ""},
      {"aof_rewrite_cpulist", "", K::kString, kFixed, ""},
      {"bgsave_cpulist", "", K::kString, kFixed, ""},
      {"ignore-warnings", "", K::kString, kMut, ""},
      {"shutdown-timeout", "", K::kInt, kMut, "10", 0, INT_MAX},
      {"shutdown-on-sigint", "", K::kEnumFlags, kMut, "default", 0, 0, kShutdownFlags,
       CheckShutdownFlags},
      {"shutdown-on-sigterm", "", K::kEnumFlags, kMut, "default", 0, 0, kShutdownFlags,
       CheckShutdownFlags},
      // Threads and networking.
      {"io-threads", "", K::kInt, kFixed, "1", 1, 128},
      {"io-threads-do-reads", "", K::kBool, kFixed, "no"},
      {"socket-mark-id", "", K::kInt64, kFixed, "0", 0, UINT_MAX},
      {"bind-source-addr", "", K::kString, kMut, ""},
      // Security.
      {"enable-protected-configs", "", K::kEnum, kFixed, "no", 0, 0, kProtectedAction},
      {"enable-module-command", "", K::kEnum, kFixed, "no", 0, 0, kProtectedAction},
      {"sanitize-dump-payload", "", K::kEnum, kMut, "no", 0, 0, {"no", "yes", "clients"}},
      // Memory, eviction and defragmentation.
      {"lazyfree-lazy-eviction", "", K::kBool, kMut, "no"},
      {"lazyfree-lazy-expire", "", K::kBool, kMut, "no"},
      {"lazyfree-lazy-server-del", "", K::kBool, kMut, "no"},
      {"activerehashing", "", K::kBool, kMut, "yes"},
      {"activedefrag", "", K::kBool, kMut, "no"},
      {"active-defrag-ignore-bytes", "", K::kMemory, kMut, "104857600", 1, LLONG_MAX},
      {"active-defrag-threshold-lower", "", K::kInt, kMut, "10", 0, 1000},
      {"active-defrag-threshold-upper", "", K::kInt, kMut, "100", 0, 1000},
      {"active-defrag-cycle-min", "", K::kInt, kMut, "1", 1, 99},
      {"active-defrag-cycle-max", "", K::kInt, kMut, "25", 1, 99},
      {"active-defrag-max-scan-fields", "", K::kInt64, kMut, "1000", 1, LONG_MAX},
      {"active-expire-effort", "", K::kInt, kMut, "1", 1, 10},
      {"dynamic-hz", "", K::kBool, kMut, "yes"},
      // Diagnostics.
      {"latency-tracking", "", K::kBool, kMut, "yes"},
      {"latency-tracking-info-percentiles", "", K::kList, kMut, "50 99 99.9", 0, 0, {},
       CheckPercentiles},
      // Replication.
      {"replicaof", "slaveof", K::kList, kFixed, "", 0, 0, {}, CheckReplicaOf},
      {"masterauth", "", K::kString, kMut, ""},
      {"masteruser", "", K::kString, kMut, ""},
      {"replica-serve-stale-data", "slave-serve-stale-data", K::kBool, kMut, "yes"},
      {"replica-read-only", "slave-read-only", K::kBool, kMut, "yes"},
      {"replica-lazy-flush", "slave-lazy-flush", K::kBool, kMut, "no"},
      {"replica-ignore-maxmemory", "slave-ignore-maxmemory", K::kBool, kMut, "yes"},
      {"replica-ignore-disk-write-errors", "", K::kBool, kMut, "no"},
      {"replica-announced", "", K::kBool, kMut, "yes"},
      {"replica-announce-ip", "slave-announce-ip", K::kString, kMut, ""},
      {"replica-announce-port", "slave-announce-port", K::kInt, kMut, "0", 0, 65535},
      {"replica-priority", "slave-priority", K::kInt, kMut, "100", 0, INT_MAX},
      {"repl-diskless-sync", "", K::kBool, kMut, "yes"},
      {"repl-diskless-sync-delay", "", K::kInt, kMut, "5", 0, INT_MAX},
      {"repl-diskless-sync-max-replicas", "", K::kInt, kMut, "0", 0, INT_MAX},
      {"repl-diskless-load", "", K::kEnum, kMut, "disabled", 0, 0,
       {"disabled", "on-empty-db", "swapdb"}},
      {"repl-disable-tcp-nodelay", "", K::kBool, kMut, "no"},
      {"repl-ping-replica-period", "repl-ping-slave-period", K::kInt, kMut, "10", 1, INT_MAX},
      {"repl-timeout", "", K::kInt, kMut, "60", 1, INT_MAX},
      {"repl-backlog-size", "", K::kMemory, kMut, "1048576", 1, LLONG_MAX},
      {"repl-backlog-ttl", "", K::kInt64, kMut, "3600", 0, LONG_MAX},
      {"min-replicas-to-write", "min-slaves-to-write", K::kInt, kMut, "0", 0, INT_MAX},
      {"min-replicas-max-lag", "min-slaves-max-lag", K::kInt, kMut, "10", 0, INT_MAX},
      {"propagation-error-behavior", "", K::kEnum, kMut, "ignore", 0, 0,
       {"ignore", "panic", "panic-on-replicas"}},
      // Cluster.
      {"cluster-enabled", "", K::kBool, kFixed, "no"},
      {"cluster-config-file", "", K::kString, kFixed, "nodes.conf"},
      {"cluster-node-timeout", "", K::kInt64, kMut, "15000", 0, LLONG_MAX},
      {"cluster-port", "", K::kInt, kFixed, "0", 0, 65535},
      {"cluster-replica-validity-factor", "cluster-slave-validity-factor", K::kInt, kMut, "10", 0,
       INT_MAX},
      {"cluster-migration-barrier", "", K::kInt, kMut, "1", 0, INT_MAX},
      {"cluster-allow-replica-migration", "", K::kBool, kMut, "yes"},
      {"cluster-require-full-coverage", "", K::kBool, kMut, "yes"},
      {"cluster-replica-no-failover", "cluster-slave-no-failover", K::kBool, kMut, "no"},
      {"cluster-allow-reads-when-down", "", K::kBool, kMut, "no"},
      {"cluster-allow-pubsubshard-when-down", "", K::kBool, kMut, "yes"},
      {"cluster-announce-ip", "", K::kString, kMut, ""},
      {"cluster-announce-hostname", "", K::kString, kMut, ""},
      {"cluster-announce-port", "", K::kInt, kMut, "0", 0, 65535},
      {"cluster-announce-bus-port", "", K::kInt, kMut, "0", 0, 65535},
      {"cluster-announce-tls-port", "", K::kInt, kMut, "0", 0, 65535},
      {"cluster-preferred-endpoint-type", "", K::kEnum, kMut, "ip", 0, 0,
       {"ip", "hostname", "unknown-endpoint"}},
      {"cluster-link-sendbuf-limit", "", K::kMemory, kMut, "0", 0, LLONG_MAX},
      // TLS for the cluster bus (cairn's cluster mode has no bus).
      {"tls-cluster", "", K::kBool, kMut, "no"},
  };
  return options;
}

bool AcceptedOptionActs(std::string_view name) {
  static constexpr std::string_view kActs[] = {
      "user",          "replicaof",          "masterauth",          "masteruser",
      "replica-serve-stale-data",            "replica-read-only",   "replica-announced",
      "replica-announce-port",               "replica-priority",    "repl-ping-replica-period",
      "repl-timeout",  "repl-backlog-size",  "min-replicas-to-write", "min-replicas-max-lag",
      "rdb-key-save-delay", "replica-ignore-maxmemory", "cluster-enabled",
      "cluster-config-file", "cluster-port", "cluster-require-full-coverage",
      "cluster-allow-reads-when-down", "cluster-announce-ip", "latency-tracking",
      "latency-tracking-info-percentiles", "rdbcompression", "server_cpulist", "bio_cpulist",
      "aof_rewrite_cpulist", "bgsave_cpulist", "oom-score-adj", "oom-score-adj-values",
      "disable-thp", "enable-module-command", "repl-diskless-sync", "repl-diskless-load",
      "repl-diskless-sync-delay", "repl-diskless-sync-max-replicas",
  };
  return std::find(std::begin(kActs), std::end(kActs), name) != std::end(kActs);
}

}  // namespace cairn::server
