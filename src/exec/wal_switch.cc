// src/exec/wal_switch.cc — see wal_switch.h.
#include "src/exec/wal_switch.h"

#include <algorithm>
#include <string>

#include "src/base/log.h"
#include "store/durability/snapshot.h"

namespace cairn::server {
namespace {

// The first LSN of a new log: past every one used so far (the newest snapshot's cut, the
// journal's: the replication tap numbers records without a log, a stopped log's: the store's
// floor, and the segments left in dir: LogEndBound), plus one, so that the log never
// continues a snapshot taken before it: recovery tells whether its base landed by the cut
// alone.
Result<uint64_t> NextFreshLsn(ServerState& state, const std::string& dir) {
  uint64_t last = std::max(state.snapshot_lsn.load(), state.store.lsn_floor());
  if (store::Journal* journal = state.store.journal()) last = std::max(last, journal->last_lsn());
  Result<uint64_t> log_end = LogEndBound(dir);
  if (!log_end.ok()) return log_end.TakeStatus();
  return std::max(last, *log_end) + 2;
}

// On the background snapshot thread, with the claim TurnWalOnClaimed held: the base of the
// log that starts at LSN first.
void LandWalBase(ServerState& state, Persistence& persistence, const DurabilityOptions& options,
                 uint64_t first) {
  if (Status st = persistence.SnapshotWhileClaimed(); !st.ok()) {
    if (store::IsCancelledSnapshot(st)) {
      Log(LogLevel::kNotice, "The WAL's base snapshot was stopped by CONFIG SET appendonly no");
    } else {
      std::string why(st.message());
      Log(LogLevel::kWarning, "The WAL's base snapshot failed (%s): turning it off again "
          "(appendonly no)", why.c_str());
    }
    TurnWalOffClaimed(state, options);  // its segments stay behind the marker, which drops them
    (void)state.config.Set("appendonly", "no");
    return;
  }
  // Settled with the base's cut: the older segments go, then the marker. If that fails, the
  // marker stays and the next start (or switch) settles it the same way.
  if (Status settled = SettleWalBaseMarker(options.dir, first - 1); !settled.ok()) {
    std::string why(settled.message());
    Log(LogLevel::kWarning, "After the WAL's base snapshot: %s", why.c_str());
  }
  state.wal_base_cap = UINT64_MAX;
  store::GroupCommit* wal = state.wal.load();
  if (options.on_durable) options.on_durable(wal->durable_lsn());  // held replies go
  Log(LogLevel::kNotice, "The WAL's base snapshot has landed");
}

}  // namespace

Status TurnWalOnClaimed(ServerState& state, Persistence& persistence,
                        const DurabilityOptions& options,
                        std::unique_ptr<store::GroupCommit>* wal) {
  // Markers left by earlier work first (a failed attempt, a crash then a start without the
  // log, a snapshot without the log that could not finish): the segments they guard go or
  // stay as recovery would decide, before a new log makes them ambiguous.
  uint64_t cut = state.snapshot_lsn.load();
  if (Status st = SettleWalSupersededMarker(options.dir, cut); !st.ok()) return st;
  if (Status st = SettleWalBaseMarker(options.dir, cut); !st.ok()) return st;
  // With every shard held: no record is numbered between choosing the first LSN (the tap
  // numbers records without a log) and installing the log, and every change from then on is
  // in it. The pointer and the cap come before the journal, so that no reply revealing a
  // record of the new log leaves ungated.
  Status result;
  uint64_t next = 0;
  state.store.Atomically({}, /*all_shards=*/true, [&] {
    Result<uint64_t> fresh = NextFreshLsn(state, options.dir);
    if (!fresh.ok()) return void(result = fresh.TakeStatus());
    next = *fresh;
    // Before the log's first segment exists: a crash from here until the base lands drops it.
    if (result = WriteWalBaseMarker(options.dir, next); !result.ok()) return;
    *wal = MakeWal(state, options, next);
    (*wal)->Start();
    state.wal_base_cap = next - 1;
    state.wal = wal->get();
    state.primary.SwapJournal(wal->get());
  });
  if (!result.ok()) return result;
  Log(LogLevel::kNotice, "WAL turned on (CONFIG SET appendonly yes) at LSN %llu; writing its "
      "base snapshot", static_cast<unsigned long long>(next));
  persistence.ContinueInBackground(Persistence::Job::kRewrite, [&state, &persistence, options,
                                                                 next] {
    LandWalBase(state, persistence, options, next);
  });
  return Status::Ok();
}

void TurnWalOffClaimed(ServerState& state, const DurabilityOptions& options) {
  store::GroupCommit* wal = state.wal.load();
  if (wal == nullptr) return;  // a base snapshot that failed turned it off
  state.store.Atomically({}, /*all_shards=*/true, [&] {
    state.primary.SwapJournal(nullptr);
    state.store.set_lsn_floor(wal->last_lsn());
  });
  // Writes and syncs what it holds, whose replies may then leave. A failure is only logged:
  // the log is stopped either way, and writes are no longer refused for it.
  if (Status st = wal->Stop(); !st.ok()) {
    std::string why(st.message());
    Log(LogLevel::kWarning, "The WAL's final sync failed (%s) as it was turned off", why.c_str());
  }
  state.wal = nullptr;
  state.wal_base_cap = UINT64_MAX;
  if (options.on_durable) options.on_durable(0);  // 0: every thread with held replies looks again
  Log(LogLevel::kNotice, "WAL turned off after LSN %llu",
      static_cast<unsigned long long>(wal->last_lsn()));
}

}  // namespace cairn::server
