// src/exec/wal_switch.cc — see wal_switch.h.
#include "src/exec/wal_switch.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "src/base/log.h"
#include "store/durability/log_file.h"
#include "store/durability/wal_reader.h"

namespace cairn::server {
namespace {

// The first LSN of a new log: past every one used so far (the newest snapshot's cut, the
// journal's: the replication tap numbers records without a log, a stopped log's: the store's
// floor, and the segments left in dir), plus one, so that the log never continues a snapshot
// taken before it: recovery tells whether its base landed by the cut alone. The last
// segment's records are not read: each takes at least one byte, so its first LSN plus its
// size is past them.
Result<uint64_t> NextFreshLsn(ServerState& state, const std::string& dir) {
  uint64_t last = std::max(state.snapshot_lsn.load(), state.store.lsn_floor());
  if (store::Journal* journal = state.store.journal()) last = std::max(last, journal->last_lsn());
  Result<std::vector<store::wal::WalSegment>> segments = store::wal::ListSegments(dir);
  if (!segments.ok()) return segments.TakeStatus();
  if (!segments->empty()) {
    struct stat st;
    const store::wal::WalSegment& newest = segments->back();
    if (::stat(newest.path.c_str(), &st) != 0) return Status::IoError(errno, "stat " + newest.path);
    last = std::max(last, newest.first_lsn + static_cast<uint64_t>(st.st_size));
  }
  return last + 2;
}

// A snapshot begun now, after a running one (which may have begun before the log) ends.
Status SaveBase(Persistence& persistence) {
  for (;;) {
    persistence.Stop();
    Status st = persistence.Save(/*rdb=*/false);
    if (st.code() != Code::kBusy) return st;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));  // a SAVE on another thread
  }
}

// Removes the segments older than the log that begins at first_lsn, once a snapshot covers
// them (TrimWal keeps the newest segment, which one of them may still be when the base is cut).
Status DropSegmentsBefore(const std::string& dir, uint64_t first_lsn) {
  Result<std::vector<store::wal::WalSegment>> segments = store::wal::ListSegments(dir);
  if (!segments.ok()) return segments.TakeStatus();
  for (const store::wal::WalSegment& segment : *segments) {
    if (segment.first_lsn >= first_lsn) break;
    if (::unlink(segment.path.c_str()) != 0) return Status::IoError(errno, "unlink " + segment.path);
  }
  return store::SyncDir(dir);
}

}  // namespace

Status TurnWalOn(ServerState& state, Persistence& persistence, const DurabilityOptions& options,
                 std::unique_ptr<store::GroupCommit>* wal) {
  Result<uint64_t> next = NextFreshLsn(state, options.dir);
  if (!next.ok()) return next.TakeStatus();
  // Before the log's first segment exists: a crash from here until the base lands drops it.
  if (Status st = WriteWalBaseMarker(options.dir, *next); !st.ok()) return st;
  state.wal_base_cap = *next - 1;
  *wal = MakeWal(state, options, *next);
  (*wal)->Start();
  // With every shard held, so every change from here on is in the log and none before it.
  state.store.Atomically({}, /*all_shards=*/true, [&] { state.primary.SwapJournal(wal->get()); });
  state.wal = wal->get();
  Log(LogLevel::kNotice, "WAL turned on (CONFIG SET appendonly yes) at LSN %llu; writing its "
      "base snapshot", static_cast<unsigned long long>(*next));
  if (Status st = SaveBase(persistence); !st.ok()) {
    std::string why(st.message());
    Log(LogLevel::kWarning, "The WAL's base snapshot failed (%s): turning it off again",
        why.c_str());
    (void)TurnWalOff(state, options);  // its segments stay behind the marker: recovery drops them
    return st;
  }
  // Both harmless if they fail: the next snapshot trims the old segments (the log is past
  // them), and recovery finds the base at or past the marker's LSN and removes it.
  for (Status st : {DropSegmentsBefore(options.dir, *next), RemoveWalBaseMarker(options.dir)}) {
    if (st.ok()) continue;
    std::string why(st.message());
    Log(LogLevel::kWarning, "After the WAL's base snapshot: %s", why.c_str());
  }
  state.wal_base_cap = UINT64_MAX;
  if (options.on_durable) options.on_durable((*wal)->durable_lsn());  // held replies go
  return Status::Ok();
}

Status TurnWalOff(ServerState& state, const DurabilityOptions& options) {
  store::GroupCommit* wal = state.wal.load();
  state.store.Atomically({}, /*all_shards=*/true, [&] {
    state.primary.SwapJournal(nullptr);
    state.store.set_lsn_floor(wal->last_lsn());
  });
  Status st = wal->Stop();  // writes and syncs what it holds: their replies may leave
  state.wal = nullptr;
  state.wal_base_cap = UINT64_MAX;
  if (options.on_durable) options.on_durable(0);  // 0: every thread with held replies looks again
  Log(LogLevel::kNotice, "WAL turned off (CONFIG SET appendonly no) after LSN %llu",
      static_cast<unsigned long long>(wal->last_lsn()));
  return st;
}

}  // namespace cairn::server
