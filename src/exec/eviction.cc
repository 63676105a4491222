// src/exec/eviction.cc — see eviction.h.
#include "src/exec/eviction.h"

#include <chrono>
#include <cmath>
#include <string>

#include "src/exec/errors.h"
#include "src/exec/server_state.h"
#include "src/exec/transaction.h"
#include "store/memory.h"

namespace cairn::server {
namespace {

thread_local bool over_at_start = false;

struct ThreadPool {
  store::EvictionPool pool;
  store::EvictPolicy policy = store::EvictPolicy::kNoEviction;
};
thread_local ThreadPool thread_pool;

// How long one call may spend evicting, from maxmemory-eviction-tenacity: Redis's curve
// (0..10: 0 to 500 µs in steps of 50; then 15% more per step; 100: no limit). Past it the
// command runs anyway and the next ones go on evicting.
int64_t EvictionTimeLimitUs(int tenacity) {
  if (tenacity <= 10) return 50 * int64_t{tenacity};
  if (tenacity < 100) return static_cast<int64_t>(500.0 * std::pow(1.15, tenacity - 10.0));
  return INT64_MAX;
}

// How stale the gauge's exact figure may be for eviction to go by the estimate.
constexpr int64_t kExactEveryMs = 10;

// Without per-thread allocation counters (builds without jemalloc) the memory an eviction
// frees cannot be measured: evict this many keys per command instead.
constexpr size_t kUnmeasuredEvictionsPerCall = 16;

int64_t ElapsedUs(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                               start)
      .count();
}

enum class Evicted { kEnough, kOutOfTime, kNothingLeft };

// Evicts until `to_free` bytes were freed by this thread, the keyspace has nothing eligible,
// or limit_us passed.
Evicted EvictBytes(ServerState& server, store::EvictPolicy policy, int64_t to_free,
                   int64_t limit_us) {
  if (thread_pool.policy != policy) {  // scores of another policy mean nothing now
    thread_pool.pool.Clear();
    thread_pool.policy = policy;
  }
  int samples = server.limits.maxmemory_samples.load(std::memory_order_relaxed);
  bool precise = store::MemoryGauge::precise();
  int64_t before = store::MemoryGauge::ThreadNetBytes();
  auto start = std::chrono::steady_clock::now();
  for (size_t evicted = 0; before - store::MemoryGauge::ThreadNetBytes() < to_free;) {
    if (!server.store.EvictOne(policy, samples, &thread_pool.pool)) return Evicted::kNothingLeft;
    ++evicted;
    if (!precise && evicted >= kUnmeasuredEvictionsPerCall) break;
    if (evicted % 16 == 0 && ElapsedUs(start) > limit_us) return Evicted::kOutOfTime;
  }
  return Evicted::kEnough;
}

// Redis's isSafeToPerformEvictions: a replica's data is its primary's unless
// replica-ignore-maxmemory is no, and while CLIENT PAUSE or a failover holds the data still
// nothing is evicted; memory may stay over the limit meanwhile and commands run as if it
// were not.
bool SafeToEvict(ServerState& server) {
  if (server.replica.active.load(std::memory_order_relaxed)) {
    if (server.limits.replica_ignore_maxmemory.load(std::memory_order_relaxed)) return false;
    // A replica's expiry is paused for good (its primary expires keys): only a CLIENT PAUSE
    // holds its data still.
    return server.pause_kind.load(std::memory_order_relaxed) == ServerState::PauseKind::kNone ||
           server.pause_end_ms.load(std::memory_order_relaxed) <= WallMs();
  }
  return !server.store.ExpiryPaused();
}

// One round of the background job: false when it is done (memory under the limit, nothing
// left to evict, eviction off, or not safe now), true to go on.
bool EvictionRound(ServerState& server) {
  // Checked each round, as Redis checks before every eviction cycle: a pause or a REPLICAOF
  // that begins now stops the job.
  if (!SafeToEvict(server)) return false;
  // Without per-thread counters nothing measures what an eviction frees, and used memory
  // (the process's RSS) barely drops: rounds would go on until the keyspace is empty.
  if (!store::MemoryGauge::precise()) return false;
  int64_t max = server.limits.maxmemory.load(std::memory_order_relaxed);
  store::EvictPolicy policy = server.limits.maxmemory_policy.load(std::memory_order_relaxed);
  if (max <= 0 || policy == store::EvictPolicy::kNoEviction) return false;
  // Exact each round: the I/O threads may be evicting too, and what they freed must not be
  // freed again here.
  size_t used = store::MemoryGauge::Refresh();
  if (used <= static_cast<size_t>(max)) return false;
  int64_t round_us = EvictionTimeLimitUs(
      server.limits.maxmemory_eviction_tenacity.load(std::memory_order_relaxed));
  return EvictBytes(server, policy, static_cast<int64_t>(used) - max, round_us) !=
         Evicted::kNothingLeft;
}

bool AllowedInMultiWhenOom(const CommandSpec& spec) {
  return spec.name == "exec" || spec.name == "discard" || spec.name == "quit" ||
         spec.name == "reset";
}

bool QueuedDenyOom(ServerState& server, const ClientState& client) {
  for (const std::vector<std::string>& args : client.multi.queued) {
    const CommandSpec* spec = server.commands.Find(args[0]);
    if (spec != nullptr && !spec->subcommands.empty() && args.size() >= 2) {
      spec = CommandTable::FindSub(*spec, args[1]);
    }
    if (spec != nullptr && (spec->flags & kDenyOom)) return true;
  }
  return false;
}

int64_t SteadyUs() {
  using namespace std::chrono;
  return duration_cast<microseconds>(steady_clock::now().time_since_epoch()).count();
}

// PerformEvictions without the bookkeeping of NoteMemoryOverLimit; *still_over says whether
// memory stays over the limit (also when the command may run: eviction ran out of time).
bool EvictIfOver(ServerState& server, bool* still_over) {
  *still_over = false;
  int64_t max = server.limits.maxmemory.load(std::memory_order_relaxed);
  if (max <= 0) return true;
  size_t limit = static_cast<size_t>(max);
  if (store::MemoryGauge::Report() <= limit || !SafeToEvict(server)) return true;
  store::EvictPolicy policy = server.limits.maxmemory_policy.load(std::memory_order_relaxed);
  // Over by the estimate. A refusal is decided on the exact figure; eviction trusts an
  // estimate refreshed within kExactEveryMs, since refreshing costs microseconds and a cache
  // at its limit is over it on nearly every write.
  bool refuse = policy == store::EvictPolicy::kNoEviction || store::Store::InTransaction();
  size_t used = refuse ? store::MemoryGauge::Refresh()
                       : store::MemoryGauge::RefreshIfOlderThan(kExactEveryMs);
  if (used <= limit) return true;
  *still_over = true;
  // Never from inside EXEC or a script: they hold shard locks eviction would need.
  if (refuse) return false;
  int64_t limit_us = EvictionTimeLimitUs(
      server.limits.maxmemory_eviction_tenacity.load(std::memory_order_relaxed));
  Evicted done = EvictBytes(server, policy, static_cast<int64_t>(used - limit), limit_us);
  if (done == Evicted::kOutOfTime) {
    server.limits.eviction_unfinished.store(true, std::memory_order_relaxed);
  }
  store::MemoryGauge::Report();
  *still_over = done != Evicted::kEnough;
  return done != Evicted::kNothingLeft;
}

}  // namespace

void ApplyMemoryConfig(ServerState& server, const Config& c) {
  store::EvictPolicy policy =
      store::ParseEvictPolicy(c.maxmemory_policy).value_or(store::EvictPolicy::kNoEviction);
  RuntimeLimits& l = server.limits;
  l.maxmemory_policy.store(policy, std::memory_order_relaxed);
  l.maxmemory_samples.store(c.maxmemory_samples, std::memory_order_relaxed);
  l.maxmemory_eviction_tenacity.store(c.maxmemory_eviction_tenacity, std::memory_order_relaxed);
  server.store.SetAccessMode(store::AccessModeOf(policy),
                             store::LfuParams{c.lfu_log_factor, c.lfu_decay_time});
  if (c.maxmemory != 0) store::MemoryGauge::Refresh();  // start from the exact figure
  l.maxmemory.store(c.maxmemory, std::memory_order_relaxed);
}

void NoteMemoryOverLimit(ServerState& server, bool over) {
  std::atomic<int64_t>& since = server.limits.over_limit_since_us;
  if (over == (since.load(std::memory_order_relaxed) != 0)) return;
  int64_t now = std::max<int64_t>(SteadyUs(), 1);  // 0 means "under"
  if (over) {
    int64_t expected = 0;
    since.compare_exchange_strong(expected, now, std::memory_order_relaxed);
    return;
  }
  // Close the period this thread saw open: a newer one another thread opened since stays.
  int64_t began = since.load(std::memory_order_relaxed);
  if (began != 0 && since.compare_exchange_strong(began, 0, std::memory_order_relaxed)) {
    server.limits.over_limit_total_us.fetch_add(std::max<int64_t>(now - began, 0),
                                                std::memory_order_relaxed);
  }
}

void ResetOverLimitTimes(ServerState& server) {
  server.limits.over_limit_total_us.store(0, std::memory_order_relaxed);
  int64_t began = server.limits.over_limit_since_us.load(std::memory_order_relaxed);
  // A period still open counts from now, as Redis restarts its clock.
  if (began != 0) {
    server.limits.over_limit_since_us.compare_exchange_strong(
        began, std::max<int64_t>(SteadyUs(), 1), std::memory_order_relaxed);
  }
}

OverLimitTimes ReadOverLimitTimes(const ServerState& server) {
  int64_t began = server.limits.over_limit_since_us.load(std::memory_order_relaxed);
  int64_t current_us = began == 0 ? 0 : std::max<int64_t>(SteadyUs() - began, 0);
  int64_t total_us = server.limits.over_limit_total_us.load(std::memory_order_relaxed);
  return {current_us / 1000, (total_us + current_us) / 1000};
}

bool PerformEvictions(ServerState& server) {
  bool still_over = false;
  bool ok = EvictIfOver(server, &still_over);
  NoteMemoryOverLimit(server, still_over);
  return ok;
}

void EvictInBackground(ServerState& server, std::chrono::steady_clock::time_point deadline) {
  std::atomic<bool>& unfinished = server.limits.eviction_unfinished;
  while (unfinished.load(std::memory_order_relaxed) &&
         std::chrono::steady_clock::now() < deadline) {
    if (!EvictionRound(server)) unfinished.store(false, std::memory_order_relaxed);
  }
}

bool MemoryWasOverAtCommandStart(ServerState& server) {
  return over_at_start && server.limits.maxmemory.load(std::memory_order_relaxed) != 0;
}

bool RefusedForMemory(ServerState& server, ClientState& client, const CommandSpec& spec,
                      resp::Writer& writer) {
  // Commands a script or EXEC runs were checked as part of the EVAL or EXEC.
  if (client.script || client.in_exec) return false;
  over_at_start = !PerformEvictions(server);
  if (!over_at_start) return false;
  bool in_multi = client.multi.active;
  bool is_exec = spec.name == "exec";
  bool refuse = (spec.flags & kDenyOom) || (in_multi && !AllowedInMultiWhenOom(spec)) ||
                (in_multi && is_exec && QueuedDenyOom(server, client));
  if (!refuse) return false;
  if (in_multi && is_exec) {
    client.multi = ClientState::Multi{};
    UnwatchAll(server, client);
    writer.WriteError(std::string(errors::kExecAbortBecause) + std::string(errors::kOom));
    return true;
  }
  writer.WriteError(errors::kOom);
  AbortQueueing(client);
  return true;
}

}  // namespace cairn::server
