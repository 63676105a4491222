// tests/server/config_test.cc — the configuration surface: every option of Redis 7.0's
// redis.conf loads, bad values give Redis's error texts, aliases, accepted-only options,
// the encoding thresholds through CONFIG SET, includes and CONFIG REWRITE.
#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "src/base/config.h"
#include "tests/server/harness.h"

using cairn::test::InProcess;
namespace server = cairn::server;

namespace {

// Every option name (and alias) redis-server 7.0.15 answers to in CONFIG GET, plus its hidden
// debugging options.
const std::vector<std::string> kRedisOptionNames = {
    "acl-pubsub-default", "aclfile", "acllog-max-len", "active-defrag-cycle-max",
    "active-defrag-cycle-min", "active-defrag-ignore-bytes", "active-defrag-max-scan-fields",
    "active-defrag-threshold-lower", "active-defrag-threshold-upper", "active-expire-effort",
    "activedefrag", "activerehashing", "always-show-logo", "aof-disable-auto-gc",
    "aof-load-truncated", "aof-rewrite-incremental-fsync", "aof-timestamp-enabled",
    "aof-use-rdb-preamble", "aof_rewrite_cpulist", "appenddirname", "appendfilename",
    "appendfsync", "appendonly", "auto-aof-rewrite-min-size", "auto-aof-rewrite-percentage",
    "bgsave_cpulist", "bind", "bind-source-addr", "bio_cpulist", "busy-reply-threshold",
    "client-output-buffer-limit", "client-query-buffer-limit",
    "cluster-allow-pubsubshard-when-down", "cluster-allow-reads-when-down",
    "cluster-allow-replica-migration", "cluster-announce-bus-port", "cluster-announce-hostname",
    "cluster-announce-ip", "cluster-announce-port", "cluster-announce-tls-port",
    "cluster-config-file", "cluster-enabled", "cluster-link-sendbuf-limit",
    "cluster-migration-barrier", "cluster-node-timeout", "cluster-port",
    "cluster-preferred-endpoint-type", "cluster-replica-no-failover",
    "cluster-replica-validity-factor", "cluster-require-full-coverage",
    "cluster-slave-no-failover", "cluster-slave-validity-factor", "crash-log-enabled",
    "crash-memcheck-enabled", "daemonize", "databases", "dbfilename", "dir", "disable-thp",
    "dynamic-hz", "enable-debug-command", "enable-module-command", "enable-protected-configs",
    "hash-max-listpack-entries", "hash-max-listpack-value", "hash-max-ziplist-entries",
    "hash-max-ziplist-value", "hll-sparse-max-bytes", "hz", "ignore-warnings", "io-threads",
    "io-threads-do-reads", "jemalloc-bg-thread", "key-load-delay", "latency-monitor-threshold",
    "latency-tracking", "latency-tracking-info-percentiles", "lazyfree-lazy-eviction",
    "lazyfree-lazy-expire", "lazyfree-lazy-server-del", "lazyfree-lazy-user-del",
    "lazyfree-lazy-user-flush", "lfu-decay-time", "lfu-log-factor", "list-compress-depth",
    "list-max-listpack-size", "list-max-ziplist-size", "loading-process-events-interval-bytes",
    "logfile", "loglevel", "lua-time-limit", "masterauth", "masteruser", "maxclients",
    "maxmemory", "maxmemory-clients", "maxmemory-eviction-tenacity", "maxmemory-policy",
    "maxmemory-samples", "min-replicas-max-lag", "min-replicas-to-write", "min-slaves-max-lag",
    "min-slaves-to-write", "no-appendfsync-on-rewrite", "notify-keyspace-events", "oom-score-adj",
    "oom-score-adj-values", "pidfile", "port", "proc-title-template",
    "propagation-error-behavior", "protected-mode", "proto-max-bulk-len", "rdb-del-sync-files",
    "rdb-key-save-delay", "rdb-save-incremental-fsync", "rdbchecksum", "rdbcompression",
    "repl-backlog-size", "repl-backlog-ttl", "repl-disable-tcp-nodelay", "repl-diskless-load",
    "repl-diskless-sync", "repl-diskless-sync-delay", "repl-diskless-sync-max-replicas",
    "repl-ping-replica-period", "repl-ping-slave-period", "repl-timeout", "replica-announce-ip",
    "replica-announce-port", "replica-announced", "replica-ignore-disk-write-errors",
    "replica-ignore-maxmemory", "replica-lazy-flush", "replica-priority", "replica-read-only",
    "replica-serve-stale-data", "replicaof", "requirepass", "sanitize-dump-payload", "save",
    "server_cpulist", "set-max-intset-entries", "set-proc-title", "shutdown-on-sigint",
    "shutdown-on-sigterm", "shutdown-timeout", "slave-announce-ip", "slave-announce-port",
    "slave-ignore-maxmemory", "slave-lazy-flush", "slave-priority", "slave-read-only",
    "slave-serve-stale-data", "slaveof", "slowlog-log-slower-than", "slowlog-max-len",
    "socket-mark-id", "stop-writes-on-bgsave-error", "stream-node-max-bytes",
    "stream-node-max-entries", "supervised", "syslog-enabled", "syslog-facility", "syslog-ident",
    "tcp-backlog", "tcp-keepalive", "timeout", "tls-auth-clients", "tls-ca-cert-dir",
    "tls-ca-cert-file", "tls-cert-file", "tls-ciphers", "tls-ciphersuites",
    "tls-client-cert-file", "tls-client-key-file", "tls-client-key-file-pass", "tls-cluster",
    "tls-dh-params-file", "tls-key-file", "tls-key-file-pass", "tls-port",
    "tls-prefer-server-ciphers", "tls-protocols", "tls-replication", "tls-session-cache-size",
    "tls-session-cache-timeout", "tls-session-caching", "tracking-table-max-keys", "unixsocket",
    "unixsocketperm", "use-exit-on-panic", "watchdog-period", "zset-max-listpack-entries",
    "zset-max-listpack-value", "zset-max-ziplist-entries", "zset-max-ziplist-value",
};

// Options whose value is several words on a config line.
bool MultiWord(const std::string& name) {
  static const std::set<std::string> names = {
      "bind", "client-output-buffer-limit", "oom-score-adj-values",
      "latency-tracking-info-percentiles", "shutdown-on-sigint", "shutdown-on-sigterm",
      "replicaof", "slaveof"};
  return names.count(name) > 0;
}

// The error a config file with this one line gives ("" if it loads).
std::string LoadError(const std::string& line) {
  server::ConfigStore store;
  cairn::Status st = store.LoadText(line, "test.conf");
  if (st.ok()) return "";
  std::string message(st.message());
  // The reason is the last line of Redis's fatal-error text.
  message.pop_back();
  return message.substr(message.rfind('\n') + 1);
}

std::string TempPath(const std::string& tag) {
  return "/tmp/cairn_config_test_" + tag + "_" + std::to_string(::getpid()) + ".conf";
}

}  // namespace

TEST_CASE("every option name of Redis 7.0 loads from a config file line with its value") {
  server::ConfigStore defaults;
  for (const std::string& name : kRedisOptionNames) {
    CAPTURE(name);
    auto got = defaults.Get(name);
    REQUIRE(got.size() == 1);
    std::string value = got[0].second;
    if (name == "replicaof" || name == "slaveof") value = "no one";
    std::string line = name + " " + (MultiWord(name) ? value : "\"" + value + "\"");
    CHECK(LoadError(line) == "");
  }
}

TEST_CASE("CONFIG GET * lists every option Redis 7.0 lists, but not the hidden ones") {
  server::ConfigStore store;
  std::set<std::string> listed;
  for (const auto& [name, value] : store.Get("*")) listed.insert(name);
  for (const std::string& name : kRedisOptionNames) {
    bool hidden = name == "key-load-delay" || name == "rdb-key-save-delay" ||
                  name == "watchdog-period" || name == "use-exit-on-panic" ||
                  name == "loading-process-events-interval-bytes";
    CAPTURE(name);
    CHECK(listed.count(name) == (hidden ? 0u : 1u));
  }
}

TEST_CASE("a bad value in the config file stops loading with Redis's reason") {
  CHECK(LoadError("activedefrag maybe") == "argument must be 'yes' or 'no'");
  CHECK(LoadError("slowlog-max-len -1") ==
        "argument must be between 0 and 9223372036854775807 inclusive");
  CHECK(LoadError("latency-monitor-threshold x") == "argument couldn't be parsed into an integer");
  CHECK(LoadError("repl-backlog-size 1zb") == "argument must be a memory value");
  CHECK(LoadError("repl-diskless-load sometimes") ==
        "argument(s) must be one of the following: disabled, on-empty-db, swapdb");
  CHECK(LoadError("maxmemory-clients 200%") == "percentage argument must be less or equal to 100");
  CHECK(LoadError("oom-score-adj-values 1 2") == "wrong number of arguments");
  CHECK(LoadError("oom-score-adj-values 0 200 9000") ==
        "Invalid oom-score-adj-values, elements must be between -2000 and 2000.");
  CHECK(LoadError("shutdown-on-sigterm save nosave") ==
        "shutdown options SAVE and NOSAVE can't be used simultaneously");
  CHECK(LoadError("replicaof localhost port") == "Invalid master port");
  CHECK(LoadError("maxmemory-clients -5%") == "argument must be a memory or percent value");
  CHECK(LoadError("shutdown-on-sigint \"\"") ==
        "argument(s) must be one of the following: default, save, nosave, now, force");
  CHECK(LoadError("hash-max-listpack-entries -1") ==
        "argument must be between 0 and 9223372036854775807 inclusive");
  CHECK(LoadError("no-such-option 1") == "Bad directive or wrong number of arguments");
  CHECK(LoadError("activedefrag yes no") == "Bad directive or wrong number of arguments");
}

TEST_CASE("Redis 7.0's ziplist aliases set the listpack options") {
  server::ConfigStore store;
  REQUIRE(store.LoadText("hash-max-ziplist-entries 7\nlist-max-ziplist-size 5\n"
                         "zset-max-ziplist-value 1kb\nslave-read-only no\n",
                         "test.conf")
              .ok());
  CHECK(store.Snapshot().hash_max_listpack_entries == 7);
  CHECK(store.Snapshot().list_max_listpack_size == 5);
  CHECK(store.Snapshot().zset_max_listpack_value == 1024);
  CHECK(store.Get("replica-read-only")[0].second == "no");
  auto aliases = store.Get("*ziplist*");
  CHECK(aliases.size() == 5);
  CHECK(store.CanonicalName("HASH-MAX-ZIPLIST-ENTRIES") == "hash-max-listpack-entries");
}

TEST_CASE("accepted-only options in the loaded configuration are reported once each") {
  server::ConfigStore store;
  REQUIRE(store.LoadText("activedefrag yes\nport 7000\nlazyfree-lazy-expire yes\n"
                         "activedefrag no\nrename-command FLUSHALL \"\"\n",
                         "test.conf")
              .ok());
  CHECK(store.AcceptedOnlyInUse() ==
        std::vector<std::string>{"activedefrag", "lazyfree-lazy-expire", "rename-command"});
}

TEST_CASE("an include directive loads another config file") {
  std::string inner = TempPath("inner");
  {
    std::ofstream f(inner);
    f << "hz 33\nslowlog-max-len 7\n";
  }
  server::ConfigStore store;
  REQUIRE(store.LoadText("include " + inner + "\nmaxclients 9\n", "test.conf").ok());
  CHECK(store.Snapshot().hz == 33);
  CHECK(store.Snapshot().maxclients == 9);
  CHECK(store.Get("slowlog-max-len")[0].second == "7");
  CHECK(LoadError("include /nonexistent/cairn.conf") ==
        "Fatal error, can't open config file '/nonexistent/cairn.conf'");
  std::remove(inner.c_str());
}

TEST_CASE("CONFIG GET matches aliases by pattern and hidden options only by name") {
  InProcess t;
  CHECK(t.Cmd("CONFIG GET *max-*-entries*") ==
        "[hash-max-listpack-entries, 512, hash-max-ziplist-entries, 512, "
        "zset-max-listpack-entries, 128, zset-max-ziplist-entries, 128, "
        "set-max-intset-entries, 512, set-max-listpack-entries, 128]");
  CHECK(t.Cmd("CONFIG GET lua-time-limit") == "[lua-time-limit, 5000]");
  CHECK(t.Cmd("CONFIG GET key-load-delay") == "[key-load-delay, 0]");
  CHECK(t.Cmd("CONFIG GET key-load-*") == "[]");
  CHECK(t.Cmd("CONFIG GET maxmemory-clients slowlog-max-len") ==
        "[maxmemory-clients, 0, slowlog-max-len, 128]");
}

TEST_CASE("CONFIG SET of accepted-only options follows Redis's mutability and grammar") {
  InProcess t;
  CHECK(t.Cmd("CONFIG SET activedefrag yes slowlog-log-slower-than -1 maxmemory-clients 10%") ==
        "+OK");
  CHECK(t.Cmd("CONFIG GET activedefrag slowlog-log-slower-than maxmemory-clients") ==
        "[activedefrag, yes, slowlog-log-slower-than, -1, maxmemory-clients, 10%]");
  CHECK(t.Cmd("CONFIG SET cluster-enabled yes") ==
        "-ERR CONFIG SET failed (possibly related to argument 'cluster-enabled') - can't set "
        "immutable config");
  CHECK(t.Cmd("CONFIG SET enable-module-command yes") ==
        "-ERR CONFIG SET failed (possibly related to argument 'enable-module-command') - can't "
        "set immutable config");
  CHECK(t.Run({"CONFIG", "SET", "shutdown-on-sigint", "nosave NOW"}) == "+OK");
  CHECK(t.Cmd("CONFIG GET shutdown-on-sigint") == "[shutdown-on-sigint, nosave now]");
  // An option and its alias are not duplicates: the last one wins, as in Redis 7.0.
  CHECK(t.Cmd("CONFIG SET hash-max-ziplist-entries 1 hash-max-listpack-entries 2") == "+OK");
  CHECK(t.Cmd("CONFIG GET hash-max-ziplist-entries") == "[hash-max-ziplist-entries, 2]");
  CHECK(t.Cmd("CONFIG SET slowlog-max-len 1 SLOWLOG-MAX-LEN 2") ==
        "-ERR CONFIG SET failed (possibly related to argument 'SLOWLOG-MAX-LEN') - duplicate "
        "parameter");
  // All or nothing: the bad value leaves the first option as it was.
  CHECK(t.Cmd("CONFIG SET lfu-log-factor 5 lfu-decay-time x") ==
        "-ERR CONFIG SET failed (possibly related to argument 'lfu-decay-time') - argument "
        "couldn't be parsed into an integer");
  CHECK(t.Cmd("CONFIG GET lfu-log-factor") == "[lfu-log-factor, 10]");
}

TEST_CASE("CONFIG SET of an encoding threshold changes when new writes convert") {
  InProcess t;
  CHECK(t.Cmd("CONFIG SET hash-max-listpack-entries 2") == "+OK");
  CHECK(t.Cmd("HSET h a 1 b 2") == ":2");
  CHECK(t.Cmd("OBJECT ENCODING h") == "listpack");
  CHECK(t.Cmd("HSET h c 3") == ":1");
  CHECK(t.Cmd("OBJECT ENCODING h") == "hashtable");
  CHECK(t.Cmd("CONFIG SET zset-max-ziplist-entries 0") == "+OK");
  CHECK(t.Cmd("ZADD z 1 a") == ":1");
  CHECK(t.Cmd("OBJECT ENCODING z") == "skiplist");
  CHECK(t.Cmd("CONFIG SET set-max-intset-entries 1 set-max-listpack-entries 1") == "+OK");
  CHECK(t.Cmd("SADD s 1 2") == ":2");
  CHECK(t.Cmd("OBJECT ENCODING s") == "hashtable");
  // Raising the limit again does not convert the hash back.
  CHECK(t.Cmd("CONFIG SET hash-max-listpack-entries 128") == "+OK");
  CHECK(t.Cmd("HDEL h c") == ":1");
  CHECK(t.Cmd("OBJECT ENCODING h") == "hashtable");
}

TEST_CASE("CONFIG REWRITE keeps accepted-only options that differ from Redis's defaults") {
  InProcess t;
  std::string path = TempPath("rewrite");
  {
    std::ofstream f(path);
    f << "activedefrag yes\nproc-title-template \"{title} \\\"x\\\"\"\n";
  }
  const char* argv[] = {"cairn-server", path.c_str()};
  REQUIRE(t.state().config.LoadArgs(2, argv).ok());
  CHECK(t.Run({"CONFIG", "SET", "hash-max-ziplist-entries", "5", "oom-score-adj-values",
               "0 100 200"}) == "+OK");
  CHECK(t.Cmd("CONFIG REWRITE") == "+OK");
  server::ConfigStore reloaded;
  REQUIRE(reloaded.LoadArgs(2, argv).ok());
  CHECK(reloaded.Get("activedefrag")[0].second == "yes");
  CHECK(reloaded.Get("proc-title-template")[0].second == "{title} \"x\"");
  CHECK(reloaded.Get("oom-score-adj-values")[0].second == "0 100 200");
  CHECK(reloaded.Snapshot().hash_max_listpack_entries == 5);
  std::ifstream f(path);
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  CHECK(text.find("repl-diskless-sync") == std::string::npos);  // left at its default
  std::remove(path.c_str());
}
