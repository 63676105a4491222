// src/commands/memory_commands.cc — MEMORY: USAGE, STATS, DOCTOR, MALLOC-STATS, PURGE, HELP.
//
// MEMORY USAGE reports what the key costs in cairn, not what it would cost in Redis: the
// entry (key bytes included), its bucket in the shard table and the value's own
// representation, with the allocator's size-class rounding (store/entry.h). Lists and
// sorted sets in their big encodings are sampled like Redis's SAMPLES (default 5, 0 = all);
// hashes and sets keep a running byte count and are always exact.
//
// MEMORY STATS keeps Redis 7.0's fields and order. What cairn has no counterpart for
// (cluster links, a separate expires table) is 0; aof.buffer is the log's records waiting
// to be written.
#include <string>

#include "resp/number.h"
#include "src/commands/help_reply.h"
#include "src/commands/memory_overview.h"
#include "src/commands/server_family.h"
#include "src/exec/command_table.h"
#include "src/exec/errors.h"
#include "src/exec/reply.h"
#include "src/exec/server_state.h"
#include "store/entry.h"
#include "store/memory.h"

namespace cairn::server {
namespace {

using store::Entry;
using store::KeyHandle;

constexpr size_t kDefaultSamples = 5;
// MEMORY DOCTOR: below this many allocated bytes there is nothing to diagnose (as Redis).
constexpr size_t kDoctorMinBytes = 5 * 1024 * 1024;
constexpr size_t kDoctorMinWasteBytes = 10 << 20;

// SAMPLES n (repeatable, the last wins); replies with the error and returns false on bad
// input. Redis's 0 = every element.
bool ParseSamples(CommandContext& ctx, size_t* samples) {
  *samples = kDefaultSamples;
  for (size_t i = 3; i < ctx.args.size(); i += 2) {
    if (!EqualsIgnoreCase(ctx.args[i], "samples") || i + 1 >= ctx.args.size()) {
      ctx.reply.WriteError(errors::kSyntax);
      return false;
    }
    int64_t n = 0;
    if (!resp::ParseInt64(ctx.args[i + 1], &n)) {
      ctx.reply.WriteError(errors::kNotInteger);
      return false;
    }
    if (n < 0) {
      ctx.reply.WriteError(errors::kSyntax);
      return false;
    }
    *samples = static_cast<size_t>(n);
  }
  return true;
}

void CmdMemoryUsage(CommandContext& ctx) {
  size_t samples = 0;
  if (!ParseSamples(ctx, &samples)) return;
  size_t bytes = 0;
  bool found = ctx.server.store.Access(ctx.db(), ctx.args[2], [&](KeyHandle& h) {
    Entry* e = h.Peek();  // looking at a key's size is not an access
    if (e == nullptr) return false;
    bytes = store::EntryMemoryBytes(*e, samples);
    return true;
  });
  if (found) {
    ctx.reply.WriteInteger(static_cast<int64_t>(bytes));
  } else {
    ctx.reply.WriteNull();
  }
}

void WriteField(resp::Writer& w, std::string_view name, size_t value) {
  w.WriteBulk(name);
  w.WriteInteger(static_cast<int64_t>(value));
}

void WriteField(resp::Writer& w, std::string_view name, double value) {
  w.WriteBulk(name);
  w.WriteDouble(value);
}

void CmdMemoryStats(CommandContext& ctx) {
  MemoryOverview o = ReadMemoryOverview(ctx.server);
  resp::Writer& w = ctx.reply;
  size_t total = o.m.allocated_bytes, rss = o.m.resident_bytes;
  size_t overhead = o.overhead_bytes, dataset = o.dataset_bytes, waste = o.rss_waste_bytes;
  w.WriteMapLen(27 + static_cast<int64_t>(o.db_keys.size()));
  WriteField(w, "peak.allocated", o.m.peak_allocated_bytes);
  WriteField(w, "total.allocated", total);
  WriteField(w, "startup.allocated", o.startup_bytes);
  WriteField(w, "replication.backlog", o.backlog_bytes);
  WriteField(w, "clients.slaves", o.replicas_bytes);
  WriteField(w, "clients.normal", o.clients_bytes);
  WriteField(w, "cluster.links", size_t{0});
  WriteField(w, "aof.buffer", o.wal_buffer_bytes);
  WriteField(w, "lua.caches", o.scripts_bytes);
  WriteField(w, "functions.caches", size_t{0});
  for (const auto& [db, keys] : o.db_keys) {
    w.WriteBulk("db." + std::to_string(db));
    w.WriteMapLen(3);
    WriteField(w, "overhead.hashtable.main", keys * PerKeyOverheadBytes());
    WriteField(w, "overhead.hashtable.expires", size_t{0});  // expiry lives in the entry
    WriteField(w, "overhead.hashtable.slot-to-keys", size_t{0});
  }
  WriteField(w, "overhead.total", overhead);
  WriteField(w, "keys.count", o.keys);
  WriteField(w, "keys.bytes-per-key", o.keys == 0 ? 0 : o.net_bytes / o.keys);
  WriteField(w, "dataset.bytes", dataset);
  WriteField(w, "dataset.percentage", 100 * MemoryRatio(dataset, o.net_bytes));
  WriteField(w, "peak.percentage", 100 * MemoryRatio(total, o.m.peak_allocated_bytes));
  WriteField(w, "allocator.allocated", total);
  WriteField(w, "allocator.active", total);
  WriteField(w, "allocator.resident", rss);
  WriteField(w, "allocator-fragmentation.ratio", 1.0);
  WriteField(w, "allocator-fragmentation.bytes", size_t{0});
  WriteField(w, "allocator-rss.ratio", MemoryRatio(rss, total));
  WriteField(w, "allocator-rss.bytes", waste);
  WriteField(w, "rss-overhead.ratio", 1.0);
  WriteField(w, "rss-overhead.bytes", size_t{0});
  WriteField(w, "fragmentation", MemoryRatio(rss, total));
  WriteField(w, "fragmentation.bytes", waste);
}

// Redis's report texts, so that tools parsing them keep working.
constexpr std::string_view kDoctorEmpty =
    "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be "
    "used in these conditions. Please, leave for your mission on Earth and fill it with some "
    "data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n";
constexpr std::string_view kDoctorFine =
    "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs "
    "on this base.\n";
constexpr std::string_view kDoctorIssues =
    "Sam, I detected a few issues in this Redis instance memory implants:\n\n";
constexpr std::string_view kDoctorPeak =
    " * Peak memory: In the past this instance used more than 150% the memory that is currently "
    "using. The allocator is normally not able to release memory after a peak, so you can expect "
    "to see a big fragmentation ratio, however this is actually harmless and is only due to the "
    "memory peak, and if the Redis instance Resident Set Size (RSS) is currently bigger than "
    "expected, the memory will be used as soon as you fill the Redis instance with more data. If "
    "the memory peak was only occasional and you want to try to reclaim memory, please try the "
    "MEMORY PURGE command, otherwise the only other option is to shutdown and restart the "
    "instance.\n\n";
constexpr std::string_view kDoctorRss =
    " * High allocator RSS overhead: This instance has an RSS memory overhead is greater than 1.1 "
    "(this means that the Resident Set Size of the allocator is much larger than the sum what the "
    "allocator actually holds). This problem is usually due to a large peak memory (check if "
    "there is a peak memory entry above in the report), you can try the MEMORY PURGE command to "
    "reclaim it.\n\n";

// Checks the two conditions cairn can measure: a past peak far above today's use, and
// resident memory far above what is allocated.
void CmdMemoryDoctor(CommandContext& ctx) {
  store::MemoryStats m = store::ReadMemoryStats();
  if (m.allocated_bytes < kDoctorMinBytes) {
    ctx.reply.WriteVerbatim(kDoctorEmpty);
    return;
  }
  std::string report;
  if (MemoryRatio(m.peak_allocated_bytes, m.allocated_bytes) > 1.5) report += kDoctorPeak;
  if (MemoryRatio(m.resident_bytes, m.allocated_bytes) > 1.1 &&
      m.resident_bytes - m.allocated_bytes > kDoctorMinWasteBytes) {
    report += kDoctorRss;
  }
  ctx.reply.WriteVerbatim(report.empty() ? std::string(kDoctorFine)
                                         : std::string(kDoctorIssues) + report);
}

void CmdMemoryMallocStats(CommandContext& ctx) {
  ctx.reply.WriteVerbatim(store::AllocatorStatsText());
}

void CmdMemoryPurge(CommandContext& ctx) {
  if (store::PurgeAllocator()) {
    ctx.reply.WriteOk();
  } else {
    ctx.reply.WriteError("ERR Error purging dirty pages");
  }
}

void CmdMemoryHelp(CommandContext& ctx) {
  ReplyHelp(ctx.reply, "MEMORY",
            {
                "DOCTOR",
                "    Return memory problems reports.",
                "MALLOC-STATS",
                "    Return internal statistics report from the memory allocator.",
                "PURGE",
                "    Attempt to purge dirty pages for reclamation by the allocator.",
                "STATS",
                "    Return information about the memory usage of the server.",
                "USAGE <key> [SAMPLES <count>]",
                "    Return memory in bytes used by <key> and its value. Nested values are",
                "    sampled up to <count> times (default: 5, 0 means sample all).",
            });
}

void CmdMemory(CommandContext& ctx) { ReplyWrongArity(ctx.reply, "memory"); }

}  // namespace

void RegisterMemoryCommand(CommandTable& table) {
  constexpr std::string_view kGroup = "server";
  table.Add({
      {.name = "memory", .arity = -2, .handler = CmdMemory,
       .group = kGroup, .since = "4.0.0", .summary = "A container for memory diagnostics commands",
       .complexity = "Depends on subcommand.",
       .subcommands = {
           {.name = "memory|doctor", .arity = 2, .handler = CmdMemoryDoctor,
            .group = kGroup, .since = "4.0.0", .summary = "Outputs memory problems report",
            .complexity = "O(1)"},
           {.name = "memory|help", .arity = 2, .flags = kLoading | kStale,
            .handler = CmdMemoryHelp, .group = kGroup, .since = "4.0.0",
            .summary = "Show helpful text about the different subcommands", .complexity = "O(1)"},
           {.name = "memory|malloc-stats", .arity = 2, .handler = CmdMemoryMallocStats,
            .group = kGroup, .since = "4.0.0", .summary = "Show allocator internal stats",
            .complexity = "Depends on how much memory is allocated, could be slow"},
           {.name = "memory|purge", .arity = 2, .handler = CmdMemoryPurge,
            .group = kGroup, .since = "4.0.0", .summary = "Ask the allocator to release memory",
            .complexity = "Depends on how much memory is allocated, could be slow"},
           {.name = "memory|stats", .arity = 2, .handler = CmdMemoryStats,
            .group = kGroup, .since = "4.0.0", .summary = "Show memory usage details",
            .complexity = "O(1)"},
           {.name = "memory|usage", .arity = -3, .flags = kReadOnly,
            .first_key = 2, .last_key = 2, .key_step = 1, .handler = CmdMemoryUsage,
            .group = kGroup, .since = "4.0.0", .summary = "Estimate the memory usage of a key",
            .complexity = "O(N) where N is the number of samples.",
            .syntax = "key [SAMPLES count]"},
       }},
  });
}

size_t PerKeyOverheadBytes() { return sizeof(Entry) + sizeof(Entry*); }

double MemoryRatio(size_t a, size_t b) {
  return b == 0 ? 0 : static_cast<double>(a) / static_cast<double>(b);
}

MemoryOverview ReadMemoryOverview(ServerState& server) {
  MemoryOverview o;
  o.m = store::ReadMemoryStats();
  o.startup_bytes = server.startup_allocated_bytes.load();
  server.clients.ForEach([&](ClientState& c) {
    size_t bytes = static_cast<size_t>(c.memory_bytes.load(std::memory_order_relaxed));
    (c.replica.load(std::memory_order_relaxed) ? o.replicas_bytes : o.clients_bytes) += bytes;
  });
  ReplPrimary::BacklogInfo backlog = server.primary.Backlog();
  if (backlog.active) o.backlog_bytes = backlog.size;
  if (store::GroupCommit* wal = server.wal.load(); wal != nullptr) {
    o.wal_buffer_bytes = wal->pending_bytes();
  }
  o.scripts_bytes = server.scripts.memory_bytes();
  for (int db = 0; db < server.store.databases(); ++db) {
    size_t keys = server.store.Stats(db).keys;
    if (keys == 0) continue;
    o.db_keys.emplace_back(db, keys);
    o.keys += keys;
  }
  // Redis's overhead: what the server holds besides the data, its startup included.
  o.overhead_bytes = o.startup_bytes + o.clients_bytes + o.replicas_bytes + o.backlog_bytes +
                     o.wal_buffer_bytes + o.scripts_bytes + o.keys * PerKeyOverheadBytes();
  size_t total = o.m.allocated_bytes;
  o.dataset_bytes = total > o.overhead_bytes ? total - o.overhead_bytes : 0;
  o.rss_waste_bytes = o.m.resident_bytes > total ? o.m.resident_bytes - total : 0;
  o.net_bytes = total > o.startup_bytes ? total - o.startup_bytes : 0;
  return o;
}

}  // namespace cairn::server
