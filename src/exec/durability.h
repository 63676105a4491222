// src/exec/durability.h — turns on the write-ahead log for a server: recovery at startup, then
// the group-commit thread that every change goes through.
//
// Recovery replays the WAL in `dir` into the store with journaling off (each record exactly
// once, in LSN order). A torn tail (a half-written last record) is cut off and logged with
// the file, offset and bytes dropped; any other damage stops startup with file, offset and
// reason, pointing at cairn-check-wal. A marker left by a log turned on at runtime whose
// base snapshot never landed (wal_switch.h) drops that log's segments first.
//
// Also here: the log's construction (shared with wal_switch.h) and LoadLogThrough, which
// rebuilds from the same files without touching them (DEBUG LOADAOF).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "src/exec/server_state.h"
#include "store/base/status.h"
#include "store/durability/group_commit.h"
#include "store/durability/snapshot.h"

namespace cairn::server {

struct DurabilityOptions {
  std::string dir;  // where segments live (the server's working directory)
  // Called on the commit thread whenever the durable LSN advances.
  std::function<void(uint64_t lsn)> on_durable;
};

// Replays the WAL into state.store and starts the group commit. Returns the running log (also
// installed as state.wal and as the store's journal), or why the server cannot start: the
// message names the file, offset and reason, and how to go on.
Result<std::unique_ptr<store::GroupCommit>> StartDurability(ServerState& state,
                                                            const DurabilityOptions& options);

// Records a loaded snapshot's keys as the last load's (INFO rdb_last_load_keys_*).
void NoteLoadedKeys(ServerState& state, const store::SnapshotInfo& snapshot);

// Rebuilds in state, a private ServerState with an empty store and no journal, what the
// snapshot and the log in dir hold up to LSN `through` (DEBUG LOADAOF's source). Reads only:
// the live log may be appended to beyond `through` meanwhile. An error (nothing to trust in
// state then) when a file is damaged, the log does not reach `through`, or it does not
// continue the snapshot.
Status LoadLogThrough(ServerState& state, const std::string& dir, uint64_t through);

// A log, not started, whose first record gets next_lsn, configured from state (appendfsync,
// wal-segment-size, the testing hooks); its errors refuse writes (ServerState::wal_error).
std::unique_ptr<store::GroupCommit> MakeWal(ServerState& state, const DurabilityOptions& options,
                                            uint64_t next_lsn);

// The marker a log turned on at runtime leaves in its dir until its base snapshot lands
// (wal_switch.h): its first LSN, in decimal. Recovery finding it with an older snapshot
// drops that log's segments, whose writes no reply revealed.
inline constexpr char kWalBasePendingFile[] = "wal-base-pending";
// Writes the marker into dir, whole or not at all, durably.
Status WriteWalBaseMarker(const std::string& dir, uint64_t first_lsn);
// Acts on a marker in dir, if any, given the cut of the snapshot there: when the base never
// landed (the cut is before the marker's LSN - 1), drops the log's segments; when it did,
// drops the segments older than the log; then removes the marker, durably. Recovery calls
// it, and CONFIG SET appendonly yes before it starts a log.
Status SettleWalBaseMarker(const std::string& dir, uint64_t snapshot_lsn);

// An LSN at or past every record of the segments in dir (0 when there are none), without
// reading them: the newest segment's first LSN plus its size (a record takes at least a byte).
Result<uint64_t> LogEndBound(const std::string& dir);

// The marker a snapshot taken without a running log leaves in dir while it is written, when
// segments are left (persistence.h): a cut at or past the LSN it names supersedes every
// segment there, which are removed once it lands. Settling it with such a snapshot's cut
// removes them (a crash or an error came between the two); with an older one it only removes
// the marker. Recovery settles it (with the log or without), and CONFIG SET appendonly yes
// before it starts a log, so a marker never outlives the no-log period it belongs to.
inline constexpr char kWalSupersededFile[] = "wal-superseded";
Status WriteWalSupersededMarker(const std::string& dir, uint64_t cut_at_least);
Status SettleWalSupersededMarker(const std::string& dir, uint64_t snapshot_lsn);

// The policy an `appendfsync` value names (always, everysec, no).
store::FsyncPolicy FsyncPolicyOf(std::string_view appendfsync);

// Syncs everything appended and stops the commit thread (SHUTDOWN, SIGTERM).
void StopDurability(ServerState& state, store::GroupCommit* wal);

}  // namespace cairn::server
