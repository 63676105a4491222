// src/commands/info_command.cc — INFO [section ...]: the server's state as "# Section"
// headers and "field:value" lines separated by CRLF, a verbatim string in RESP3 and a bulk
// string in RESP2, as Redis 7.0 sends it.
//
// Sections come out in Redis's fixed order whatever order they were asked in. Without an
// argument INFO gives the default sections; "all" and "everything" add commandstats and
// latencystats (there are no module sections). Unknown section names are ignored. Every
// field of Redis 7.0's INFO is there, so tools that parse it find what they expect; those
// cairn has no equivalent for (forks, copy-on-write, active defragmentation, reply buffer
// resizing) show Redis's idle values.
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <memory>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include "src/commands/memory_overview.h"
#include "src/commands/server_family.h"
#include "src/base/tick_clock.h"
#include "src/exec/command_table.h"
#include "src/exec/eviction.h"
#include "src/exec/latency_histogram.h"
#include "src/exec/persistence.h"
#include "src/exec/reply.h"
#include "src/exec/server_state.h"
#include "store/lazy_free.h"
#include "store/memory.h"

namespace cairn::server {
namespace {

enum Section : uint32_t {
  kServer,
  kClients,
  kMemory,
  kPersistence,
  kStats,
  kReplication,
  kCpu,
  kModules,
  kCommandStats,
  kErrorStats,
  kLatencyStats,
  kCluster,
  kKeyspace,
  kSectionCount
};

struct SectionName {
  std::string_view key;    // as INFO takes it
  std::string_view title;  // as the header shows it
};

constexpr std::array<SectionName, kSectionCount> kSections = {{
    {"server", "Server"},
    {"clients", "Clients"},
    {"memory", "Memory"},
    {"persistence", "Persistence"},
    {"stats", "Stats"},
    {"replication", "Replication"},
    {"cpu", "CPU"},
    {"modules", "Modules"},
    {"commandstats", "Commandstats"},
    {"errorstats", "Errorstats"},
    {"latencystats", "Latencystats"},
    {"cluster", "Cluster"},
    {"keyspace", "Keyspace"},
}};

constexpr uint32_t kAllSections = (1u << kSectionCount) - 1;
constexpr uint32_t kDefaultSections =
    kAllSections & ~(1u << kCommandStats) & ~(1u << kLatencyStats);

uint32_t SelectSections(std::span<const std::string_view> args) {
  if (args.empty()) return kDefaultSections;
  uint32_t selected = 0;
  for (std::string_view arg : args) {
    if (EqualsIgnoreCase(arg, "all") || EqualsIgnoreCase(arg, "everything")) {
      selected |= kAllSections;
    } else if (EqualsIgnoreCase(arg, "default")) {
      selected |= kDefaultSections;
    }
    for (uint32_t s = 0; s < kSectionCount; ++s) {
      if (EqualsIgnoreCase(arg, kSections[s].key)) selected |= 1u << s;
    }
  }
  return selected;
}

void Field(std::string* out, std::string_view key, std::string_view value) {
  out->append(key);
  out->push_back(':');
  out->append(value);
  out->append("\r\n");
}

void Field(std::string* out, std::string_view key, int64_t value) {
  Field(out, key, std::to_string(value));
}

std::string Format(const char* fmt, double value) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), fmt, value);
  return buf;
}

// Redis's bytesToHuman: 1023B, 1.00K, 1.50M, ...
std::string BytesToHuman(uint64_t n) {
  if (n < 1024) return std::to_string(n) + "B";
  static constexpr char kUnits[] = "KMGTP";
  double d = static_cast<double>(n) / 1024;
  size_t unit = 0;
  while (d >= 1024 && unit + 1 < sizeof(kUnits) - 1) {
    d /= 1024;
    ++unit;
  }
  return Format("%.2f", d) + kUnits[unit];
}

int64_t NowUs() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

std::string ExecutablePath() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

// A hex digest of what this binary is (version and compiler), steady across restarts of
// one build, as Redis's build id is.
std::string BuildId() {
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (std::string_view part : {std::string_view(kCairnVersion), std::string_view(__VERSION__)}) {
    for (char ch : part) h = (h ^ static_cast<unsigned char>(ch)) * 1099511628211ull;
  }
  char buf[24];
  std::snprintf(buf, sizeof(buf), "%llx", static_cast<unsigned long long>(h));
  return buf;
}

// As Redis prints it: the GNU C version the compiler claims (clang claims 4.2.1).
std::string CompilerVersion() {
#if defined(__GNUC__)
  return std::to_string(__GNUC__) + "." + std::to_string(__GNUC_MINOR__) + "." +
         std::to_string(__GNUC_PATCHLEVEL__);
#else
  return "0.0.0";
#endif
}

void AppendServer(CommandContext& ctx, const Config& config, std::string* out) {
  struct utsname name {};
  uname(&name);
  int64_t uptime_s = ctx.server.UptimeMs() / 1000;
  Field(out, "redis_version", kRedisVersion);
  Field(out, "cairn_version", kCairnVersion);
  Field(out, "redis_git_sha1", "00000000");
  Field(out, "redis_git_dirty", 0);
  Field(out, "redis_build_id", BuildId());
  Field(out, "redis_mode", ctx.server.cluster.enabled() ? "cluster" : "standalone");
  Field(out, "os", std::string(name.sysname) + " " + name.release + " " + name.machine);
  Field(out, "arch_bits", static_cast<int64_t>(sizeof(void*) * 8));
  Field(out, "monotonic_clock", tick_clock::SourceName());
  Field(out, "multiplexing_api", "epoll");
  Field(out, "atomicvar_api", "c11-builtin");  // std::atomic
  Field(out, "gcc_version", CompilerVersion());
  Field(out, "process_id", static_cast<int64_t>(getpid()));
  Field(out, "process_supervised", "no");
  Field(out, "run_id", ctx.server.run_id);
  Field(out, "tcp_port", ctx.server.tcp_port.load());
  Field(out, "server_time_usec", NowUs());
  Field(out, "uptime_in_seconds", uptime_s);
  Field(out, "uptime_in_days", uptime_s / 86400);
  Field(out, "hz", config.hz);
  Field(out, "configured_hz", config.hz);
  // The clock access stamps are taken on (OBJECT IDLETIME), on Redis's 24 bits.
  Field(out, "lru_clock", static_cast<int64_t>(ctx.server.store.AccessClockS() & 0xffffff));
  Field(out, "executable", ExecutablePath());
  Field(out, "config_file", ctx.server.config.config_file());
  Field(out, "io_threads_active", ctx.server.io_threads.load() > 1 ? 1 : 0);
}

void AppendClients(CommandContext& ctx, const Config& config, std::string* out) {
  Field(out, "connected_clients", static_cast<int64_t>(ctx.server.clients.count()));
  Field(out, "cluster_connections", 0);
  Field(out, "maxclients", config.maxclients);
  // The largest buffers of the last 8 seconds, as in Redis.
  Field(out, "client_recent_max_input_buffer",
        static_cast<int64_t>(ctx.server.client_peaks.MaxInput()));
  Field(out, "client_recent_max_output_buffer",
        static_cast<int64_t>(ctx.server.client_peaks.MaxOutput()));
  // As in Redis, clients held by CLIENT PAUSE count as blocked.
  Field(out, "blocked_clients",
        ctx.server.blocking.blocked() + ctx.server.paused_clients.load(std::memory_order_relaxed));
  Field(out, "tracking_clients", ctx.server.tracking.Stats().clients);
  Field(out, "clients_in_timeout_table", 0);
}

long TotalSystemMemory() { return sysconf(_SC_PHYS_PAGES) * sysconf(_SC_PAGESIZE); }

// INFO memory in Redis 7.0's field order. cairn has one heap, so the allocator's figures are
// the totals (active = allocated, resident = RSS), and the Lua interpreters' own heaps (per
// thread) are not summed: the script caches are.
void AppendMemory(CommandContext& ctx, const Config& config, std::string* out) {
  MemoryOverview o = ReadMemoryOverview(ctx.server);
  const store::MemoryStats& m = o.m;
  auto bytes = [](size_t n) { return static_cast<int64_t>(n); };
  auto ratio = [](size_t a, size_t b) { return Format("%.2f", MemoryRatio(a, b)); };
  size_t total = m.allocated_bytes, rss = m.resident_bytes;
  Field(out, "used_memory", bytes(total));
  Field(out, "used_memory_human", BytesToHuman(total));
  Field(out, "used_memory_rss", bytes(rss));
  Field(out, "used_memory_rss_human", BytesToHuman(rss));
  Field(out, "used_memory_peak", bytes(m.peak_allocated_bytes));
  Field(out, "used_memory_peak_human", BytesToHuman(m.peak_allocated_bytes));
  Field(out, "used_memory_peak_perc",
        Format("%.2f%%", 100 * MemoryRatio(total, m.peak_allocated_bytes)));
  Field(out, "used_memory_overhead", bytes(o.overhead_bytes));
  Field(out, "used_memory_startup", bytes(o.startup_bytes));
  Field(out, "used_memory_dataset", bytes(o.dataset_bytes));
  Field(out, "used_memory_dataset_perc",
        Format("%.2f%%", 100 * MemoryRatio(o.dataset_bytes, o.net_bytes)));
  Field(out, "allocator_allocated", bytes(total));
  Field(out, "allocator_active", bytes(total));
  Field(out, "allocator_resident", bytes(rss));
  Field(out, "total_system_memory", TotalSystemMemory());
  Field(out, "total_system_memory_human", BytesToHuman(static_cast<uint64_t>(TotalSystemMemory())));
  size_t eval_bytes = ctx.server.scripts.memory_bytes();
  Field(out, "used_memory_lua", 0);
  Field(out, "used_memory_vm_eval", 0);
  Field(out, "used_memory_lua_human", BytesToHuman(0));
  Field(out, "used_memory_scripts_eval", bytes(eval_bytes));
  Field(out, "number_of_cached_scripts", static_cast<int64_t>(ctx.server.scripts.count()));
  Field(out, "number_of_functions", static_cast<int64_t>(ctx.server.functions.function_count()));
  Field(out, "number_of_libraries",
        static_cast<int64_t>(ctx.server.functions.Libraries().size()));
  Field(out, "used_memory_vm_functions", 0);
  Field(out, "used_memory_vm_total", 0);
  Field(out, "used_memory_vm_total_human", BytesToHuman(0));
  Field(out, "used_memory_functions", 0);
  Field(out, "used_memory_scripts", bytes(eval_bytes));
  Field(out, "used_memory_scripts_human", BytesToHuman(eval_bytes));
  Field(out, "maxmemory", config.maxmemory);
  Field(out, "maxmemory_human", BytesToHuman(static_cast<uint64_t>(config.maxmemory)));
  Field(out, "maxmemory_policy", config.maxmemory_policy);
  Field(out, "allocator_frag_ratio", "1.00");
  Field(out, "allocator_frag_bytes", 0);
  Field(out, "allocator_rss_ratio", ratio(rss, total));
  Field(out, "allocator_rss_bytes", bytes(o.rss_waste_bytes));
  Field(out, "rss_overhead_ratio", "1.00");
  Field(out, "rss_overhead_bytes", 0);
  Field(out, "mem_fragmentation_ratio", ratio(rss, total));
  Field(out, "mem_fragmentation_bytes", bytes(o.rss_waste_bytes));
  // Eviction counts all of it (maxmemory is measured on used_memory as is).
  Field(out, "mem_not_counted_for_evict", 0);
  Field(out, "mem_replication_backlog", bytes(o.backlog_bytes));
  Field(out, "mem_total_replication_buffers", bytes(o.backlog_bytes + o.replicas_bytes));
  Field(out, "mem_clients_slaves", bytes(o.replicas_bytes));
  Field(out, "mem_clients_normal", bytes(o.clients_bytes));
  Field(out, "mem_cluster_links", 0);
  Field(out, "mem_aof_buffer", bytes(o.wal_buffer_bytes));
  Field(out, "mem_allocator", m.allocator);
  Field(out, "active_defrag_running", 0);
  store::LazyFreeStats lazy = store::ReadLazyFreeStats();
  Field(out, "lazyfree_pending_objects", static_cast<int64_t>(lazy.pending_objects));
  Field(out, "lazyfreed_objects", static_cast<int64_t>(lazy.freed_objects));
}

void AppendPersistence(CommandContext& ctx, const Config& config, std::string* out) {
  bool loading = ctx.server.loading.load();
  Field(out, "loading", loading ? 1 : 0);
  if (loading) {
    uint64_t total = ctx.server.loading_total_bytes.load();
    uint64_t done = ctx.server.loading_loaded_bytes.load();
    Field(out, "loading_start_time", ctx.server.loading_start_s.load());
    Field(out, "loading_total_bytes", static_cast<int64_t>(total));
    Field(out, "loading_loaded_bytes", static_cast<int64_t>(done));
    Field(out, "loading_loaded_perc", Format("%.2f", total == 0 ? 0.0 : 100.0 * done / total));
  }
  Field(out, "async_loading", 0);
  Persistence* p = ctx.server.persistence.load();
  // Nothing forks, so nothing is copied on write; the progress is the running snapshot's.
  Field(out, "current_cow_peak", 0);
  Field(out, "current_cow_size", 0);
  Field(out, "current_cow_size_age", 0);
  uint64_t done = p != nullptr ? p->save_keys_processed() : 0;
  uint64_t total = p != nullptr ? p->save_keys_total() : 0;
  Field(out, "current_fork_perc",
        Format("%.2f", total == 0 ? 0.0 : 100.0 * static_cast<double>(std::min(done, total)) /
                                              static_cast<double>(total)));
  Field(out, "current_save_keys_processed", static_cast<int64_t>(done));
  Field(out, "current_save_keys_total", static_cast<int64_t>(total));
  Persistence::JobInfo save, rewrite;
  bool rewrite_scheduled = false;
  if (p != nullptr) {
    save = p->job_info(Persistence::Job::kSave);
    rewrite = p->job_info(Persistence::Job::kRewrite);
    rewrite_scheduled = p->scheduled(Persistence::Job::kRewrite);
  }
  Field(out, "rdb_changes_since_last_save",
        static_cast<int64_t>(p != nullptr ? p->changes_since_save() : 0));
  Field(out, "rdb_bgsave_in_progress", save.in_progress ? 1 : 0);
  Field(out, "rdb_last_save_time", ctx.server.last_save_s.load());
  Field(out, "rdb_last_bgsave_status", save.last_ok ? "ok" : "err");
  Field(out, "rdb_last_bgsave_time_sec", save.last_duration_s);
  Field(out, "rdb_current_bgsave_time_sec", save.current_s);
  Field(out, "rdb_saves", save.begun);
  Field(out, "rdb_last_cow_size", 0);
  Field(out, "rdb_last_load_keys_expired",
        static_cast<int64_t>(ctx.server.load_keys_expired.load()));
  Field(out, "rdb_last_load_keys_loaded", static_cast<int64_t>(ctx.server.load_keys_loaded.load()));
  store::GroupCommit* wal = ctx.server.wal.load();
  Field(out, "aof_enabled", wal != nullptr ? 1 : 0);  // the log running, not the option
  Field(out, "aof_rewrite_in_progress", rewrite.in_progress ? 1 : 0);
  Field(out, "aof_rewrite_scheduled", rewrite_scheduled ? 1 : 0);
  Field(out, "aof_last_rewrite_time_sec", rewrite.last_duration_s);
  Field(out, "aof_current_rewrite_time_sec", rewrite.current_s);
  Field(out, "aof_last_bgrewrite_status", rewrite.last_ok ? "ok" : "err");
  Field(out, "aof_rewrites", rewrite.begun);
  Field(out, "aof_rewrites_consecutive_failures", rewrite.consecutive_failures);
  Field(out, "aof_last_write_status", wal != nullptr && wal->failed() ? "err" : "ok");
  Field(out, "aof_last_cow_size", 0);
  Field(out, "module_fork_in_progress", 0);  // no modules, and nothing forks
  Field(out, "module_fork_last_cow_size", 0);
  if (wal != nullptr && p != nullptr) {
    // The log's files as Redis counts its AOF's: the base (cairn's snapshot) and what was
    // appended since; nothing waits for a rewrite or a background fsync.
    uint64_t base = p->snapshot_bytes();
    Field(out, "aof_current_size", static_cast<int64_t>(base + p->log_bytes_since_snapshot()));
    Field(out, "aof_base_size", static_cast<int64_t>(base));
    Field(out, "aof_pending_rewrite", 0);
    Field(out, "aof_buffer_length", static_cast<int64_t>(wal->pending_bytes()));
    Field(out, "aof_pending_bio_fsync", 0);
    Field(out, "aof_delayed_fsync", 0);
  }
  Field(out, "snapshot_lsn", static_cast<int64_t>(ctx.server.snapshot_lsn.load()));
  if (wal == nullptr) return;
  // cairn's write-ahead log and its group commit.
  store::GroupCommitStats s = wal->stats();
  auto u = [](uint64_t v) { return static_cast<int64_t>(v); };
  Field(out, "wal_appendfsync", config.appendfsync);
  Field(out, "wal_bytes", u(s.bytes));
  Field(out, "wal_fsyncs", u(s.fsyncs));
  Field(out, "wal_batches", u(s.batches));
  Field(out, "wal_records", u(s.records));
  Field(out, "wal_records_per_fsync_avg",
        Format("%.2f", s.fsyncs == 0 ? 0.0 : static_cast<double>(s.records) / s.fsyncs));
  Field(out, "wal_records_per_fsync_max", u(s.max_batch_records));
  Field(out, "wal_last_fsync_us", u(s.last_fsync_us));
  Field(out, "wal_write_failures", u(s.failures));
  Field(out, "wal_current_lsn", u(wal->last_lsn()));
  Field(out, "wal_durable_lsn", u(wal->durable_lsn()));
  Field(out, "wal_pending_bytes", u(wal->pending_bytes()));
  Field(out, "wal_pending_bytes_peak", u(s.max_pending_bytes));
  Field(out, "wal_loaded_records", u(ctx.server.loaded_records.load()));
  Field(out, "wal_load_ms", ctx.server.load_ms.load());
}

void AppendStats(CommandContext& ctx, std::string* out) {
  StatsRegistry::Totals t = ctx.server.stats.Sum();
  StatsRegistry::Rates rates = ctx.server.stats.InstantaneousRates();
  auto u = [](uint64_t v) { return static_cast<int64_t>(v); };
  auto kbps = [](double bytes_per_s) { return Format("%.2f", bytes_per_s / 1024); };
  Field(out, "total_connections_received", u(t.connections_received));
  Field(out, "total_commands_processed", u(t.commands_processed));
  Field(out, "instantaneous_ops_per_sec", static_cast<int64_t>(rates.ops));
  Field(out, "total_net_input_bytes", u(t.net_input_bytes));
  Field(out, "total_net_output_bytes", u(t.net_output_bytes));
  Field(out, "total_net_repl_input_bytes", u(t.net_repl_input_bytes));
  Field(out, "total_net_repl_output_bytes", u(t.net_repl_output_bytes));
  Field(out, "instantaneous_input_kbps", kbps(rates.input_bytes));
  Field(out, "instantaneous_output_kbps", kbps(rates.output_bytes));
  Field(out, "instantaneous_input_repl_kbps", kbps(rates.repl_input_bytes));
  Field(out, "instantaneous_output_repl_kbps", kbps(rates.repl_output_bytes));
  Field(out, "rejected_connections", u(t.rejected_connections));
  Field(out, "sync_full", u(ctx.server.primary.sync_full.load()));
  Field(out, "sync_partial_ok", u(ctx.server.primary.sync_partial_ok.load()));
  Field(out, "sync_partial_err", u(ctx.server.primary.sync_partial_err.load()));
  Field(out, "expired_keys", u(ctx.server.store.expired_keys()));
  const store::ExpiryStats& expiry = ctx.server.store.expiry_stats();
  Field(out, "expired_stale_perc", Format("%.2f", expiry.stale_perc()));
  Field(out, "expired_time_cap_reached_count", u(expiry.time_cap_reached()));
  Field(out, "expire_cycle_cpu_milliseconds", u(expiry.cycle_us() / 1000));
  Field(out, "evicted_keys", u(ctx.server.store.evicted_keys()));
  Field(out, "evicted_clients", u(ctx.server.client_memory.evicted.load()));
  OverLimitTimes over = ReadOverLimitTimes(ctx.server);
  Field(out, "total_eviction_exceeded_time", over.total_ms);
  Field(out, "current_eviction_exceeded_time", over.current_ms);
  Field(out, "keyspace_hits", u(t.keyspace_hits));
  Field(out, "keyspace_misses", u(t.keyspace_misses));
  Field(out, "pubsub_channels", ctx.server.pubsub.Count(SubKind::kChannel));
  Field(out, "pubsub_patterns", ctx.server.pubsub.Count(SubKind::kPattern));
  Field(out, "pubsubshard_channels", ctx.server.pubsub.Count(SubKind::kShard));
  Field(out, "latest_fork_usec", 0);  // nothing forks
  Field(out, "total_forks", 0);
  MigrateLinkPool* migrate = ctx.server.migrate_links.load(std::memory_order_acquire);
  Field(out, "migrate_cached_sockets", static_cast<int64_t>(migrate != nullptr ? migrate->cached() : 0));
  // cairn keeps no list apart of the keys a writable replica's own clients gave a TTL.
  Field(out, "slave_expires_tracked_keys", 0);
  // No active defragmentation runs (activedefrag is accepted and reported, not done).
  for (std::string_view f : {"active_defrag_hits", "active_defrag_misses", "active_defrag_key_hits",
                             "active_defrag_key_misses", "total_active_defrag_time",
                             "current_active_defrag_time"}) {
    Field(out, f, 0);
  }
  TrackingStats tracking = ctx.server.tracking.Stats();
  Field(out, "tracking_total_keys", tracking.keys);
  Field(out, "tracking_total_items", tracking.items);
  Field(out, "tracking_total_prefixes", tracking.prefixes);
  Field(out, "unexpected_error_replies", u(t.unexpected_error_replies));
  Field(out, "total_error_replies", u(t.error_replies));
  Field(out, "dump_payload_sanitizations", u(t.dump_payload_sanitizations));
  Field(out, "total_reads_processed", u(t.reads_processed));
  Field(out, "total_writes_processed", u(t.writes_processed));
  // cairn has no main thread doing reads and writes of its own: all are threaded.
  Field(out, "io_threaded_reads_processed", u(t.reads_processed));
  Field(out, "io_threaded_writes_processed", u(t.writes_processed));
  // Output buffers are pooled per thread, not a buffer per client grown and shrunk.
  Field(out, "reply_buffer_shrinks", 0);
  Field(out, "reply_buffer_expands", 0);
}

void AppendReplication(CommandContext& ctx, std::string* out) {
  if (ctx.server.replica.active.load()) {
    AppendReplicaInfo(ctx.server, out);
    AppendReplidInfo(ctx.server, out);
    Field(out, "repl_backlog_active", 0);
    Field(out, "repl_backlog_size", 1048576);
    Field(out, "repl_backlog_first_byte_offset", 0);
    Field(out, "repl_backlog_histlen", 0);
    return;
  }
  std::string replid2;
  int64_t second_offset = -1;
  {
    std::lock_guard lock(ctx.server.replica.mu);
    replid2 = ctx.server.replica.replid2;
    second_offset = ctx.server.replica.second_offset;
  }
  AppendPrimaryInfo(ctx.server.primary, replid2, second_offset,
                    FailoverStageName(ctx.server.failover.stage.load()), out);
}

std::string Seconds(const timeval& tv) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%ld.%06ld", static_cast<long>(tv.tv_sec),
                static_cast<long>(tv.tv_usec));
  return buf;
}

timeval MicrosToTimeval(uint64_t us) {
  return {static_cast<time_t>(us / 1'000'000), static_cast<suseconds_t>(us % 1'000'000)};
}

// Redis's main thread runs its commands; cairn's I/O threads (and a replica's link) do, so
// their CPU (each thread's as of its last sample: about once a second, or this INFO's) is
// the "main thread"'s.
void AppendCpu(CommandContext& ctx, std::string* out) {
  rusage self{}, children{};
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &children);
  Field(out, "used_cpu_sys", Seconds(self.ru_stime));
  Field(out, "used_cpu_user", Seconds(self.ru_utime));
  Field(out, "used_cpu_sys_children", Seconds(children.ru_stime));
  Field(out, "used_cpu_user_children", Seconds(children.ru_utime));
  ctx.stats.SampleThreadCpu();
  StatsRegistry::Totals t = ctx.server.stats.Sum();
  Field(out, "used_cpu_sys_main_thread", Seconds(MicrosToTimeval(t.cpu_sys_us)));
  Field(out, "used_cpu_user_main_thread", Seconds(MicrosToTimeval(t.cpu_user_us)));
}

void AppendCommandStat(CommandContext& ctx, const CommandSpec& spec, std::string* out) {
  uint64_t c[4];  // calls, usec, rejected, failed
  ctx.server.stats.SumCommand(spec.id, c);
  if (c[0] == 0 && c[2] == 0 && c[3] == 0) return;
  double per_call = c[0] == 0 ? 0.0 : static_cast<double>(c[1]) / static_cast<double>(c[0]);
  Field(out, "cmdstat_" + std::string(spec.name),
        "calls=" + std::to_string(c[0]) + ",usec=" + std::to_string(c[1]) +
            ",usec_per_call=" + Format("%.2f", per_call) +
            ",rejected_calls=" + std::to_string(c[2]) + ",failed_calls=" + std::to_string(c[3]));
}

void AppendCommandStats(CommandContext& ctx, std::string* out) {
  for (const CommandSpec& spec : ctx.server.commands.all()) {
    AppendCommandStat(ctx, spec, out);
    for (const CommandSpec& sub : spec.subcommands) AppendCommandStat(ctx, sub, out);
  }
}

// latency-tracking-info-percentiles, as numbers (CONFIG SET checked them).
std::vector<double> InfoPercentiles(ServerState& server) {
  std::vector<double> out;
  auto v = server.config.Get("latency-tracking-info-percentiles");
  if (v.empty()) return out;
  std::istringstream in(v[0].second);
  for (double p; in >> p;) out.push_back(p);
  return out;
}

// "p50", "p99.9": the percentile as %f prints it, trailing zeros dropped (Redis's key).
std::string PercentileKey(double p) {
  std::string s = Format("%f", p);
  if (s.find('.') != std::string::npos) {
    s.erase(s.find_last_not_of('0') + 1);
    if (s.back() == '.') s.pop_back();
  }
  return "p" + s;
}

// latency_percentiles_usec_<command>:p50=...,p99=... for a command with calls counted since
// the last CONFIG RESETSTAT; counts is scratch space.
void AppendLatencyStat(CommandContext& ctx, const CommandSpec& spec,
                       std::span<const double> percentiles, LatencyHistogram::Counts* counts,
                       std::string* out) {
  if (!ctx.server.stats.SumHistogram(spec.id, counts)) return;
  if (std::all_of(counts->begin(), counts->end(), [](uint64_t c) { return c == 0; })) return;
  std::string value;
  for (double p : percentiles) {
    if (!value.empty()) value.push_back(',');
    value += PercentileKey(p) + "=" +
             Format("%.3f", static_cast<double>(ValueAtPercentileNs(*counts, p)) / 1000);
  }
  Field(out, "latency_percentiles_usec_" + std::string(spec.name), value);
}

void AppendLatencyStats(CommandContext& ctx, std::string* out) {
  // As Redis: with latency-tracking no, the section is its header alone.
  if (!ctx.server.limits.latency_tracking.load(std::memory_order_relaxed)) return;
  std::vector<double> percentiles = InfoPercentiles(ctx.server);
  auto counts = std::make_unique<LatencyHistogram::Counts>();  // 24 KB: not on the stack
  for (const CommandSpec& spec : ctx.server.commands.all()) {
    AppendLatencyStat(ctx, spec, percentiles, counts.get(), out);
    for (const CommandSpec& sub : spec.subcommands) {
      AppendLatencyStat(ctx, sub, percentiles, counts.get(), out);
    }
  }
}

void AppendErrorStats(CommandContext& ctx, std::string* out) {
  for (const auto& [code, count] : ctx.server.stats.SumErrors()) {
    Field(out, "errorstat_" + code, "count=" + std::to_string(count));
  }
}

void AppendKeyspace(CommandContext& ctx, std::string* out) {
  for (int db = 0; db < ctx.server.store.databases(); ++db) {
    store::DbStats s = ctx.server.store.Stats(db);
    if (s.keys == 0) continue;
    Field(
        out, "db" + std::to_string(db),
        "keys=" + std::to_string(s.keys) + ",expires=" + std::to_string(s.expires) +
            ",avg_ttl=" + std::to_string(s.avg_ttl_ms));
  }
}

void AppendSection(CommandContext& ctx, const Config& config, uint32_t section, std::string* out) {
  switch (section) {
    case kServer:
      return AppendServer(ctx, config, out);
    case kClients:
      return AppendClients(ctx, config, out);
    case kMemory:
      return AppendMemory(ctx, config, out);
    case kPersistence:
      return AppendPersistence(ctx, config, out);
    case kStats:
      return AppendStats(ctx, out);
    case kReplication:
      return AppendReplication(ctx, out);
    case kCpu:
      return AppendCpu(ctx, out);
    case kCommandStats:
      return AppendCommandStats(ctx, out);
    case kCluster:
      return Field(out, "cluster_enabled", ctx.server.cluster.enabled() ? 1 : 0);
    case kKeyspace:
      return AppendKeyspace(ctx, out);
    case kErrorStats:
      return AppendErrorStats(ctx, out);
    case kLatencyStats:
      return AppendLatencyStats(ctx, out);
    default:
      return;  // modules: there are none
  }
}

void CmdInfo(CommandContext& ctx) {
  uint32_t selected = SelectSections(ctx.args.subspan(1));
  Config config = ctx.server.config.Snapshot();
  std::string out;
  bool first = true;
  for (uint32_t s = 0; s < kSectionCount; ++s) {
    if (!(selected & (1u << s))) continue;
    if (!first) out.append("\r\n");
    first = false;
    out.append("# ").append(kSections[s].title).append("\r\n");
    AppendSection(ctx, config, s, &out);
  }
  ctx.reply.WriteVerbatim(out);
}

}  // namespace

void RegisterInfoCommand(CommandTable& table) {
  table.Add({
      {.name = "info", .arity = -1, .flags = kLoading | kStale, .handler = CmdInfo,
       .group = "server", .since = "1.0.0",
       .summary = "Get information and statistics about the server", .complexity = "O(1)",
       .syntax = "[section [section ...]]"},
  });
}

}  // namespace cairn::server
