// src/exec/wal_switch.h — CONFIG SET appendonly: the WAL turned on or off while the server
// runs, as Redis turns its AOF on (with a rewrite) and off.
//
// On: the new log numbers its records after every LSN used so far (the snapshot's, the old
// segments' still in the directory, the replication tap's), and its base snapshot starts
// at once on the background snapshot thread: until it lands, the log alone cannot rebuild
// the data, so replies that reveal the new log's records wait for it
// (ServerState::wal_base_cap) as they wait for a sync, and a marker file (durability.h,
// kWalBasePendingFile) tells recovery after a crash meanwhile to drop the new segments (no
// reply revealed their writes) and start from what was there. Once the base has landed the
// older segments go (the new log starts past them, with a gap), then the marker, and the
// held replies leave. If the base fails, or is stopped (Persistence::RequestTaskStop, what
// CONFIG SET appendonly no does first), the log is turned off again and `appendonly` set
// back to no: the writes made meanwhile are then as unlogged as before the switch.
//
// Off: with every shard held the log stops taking records; what it holds is written and
// synced (held replies then leave), and it stops. Snapshots from then on are cut at its last
// LSN (Store::set_lsn_floor) and, taken without a log, remove every segment. The stopped
// log object must outlive every thread that may still hold its pointer: the caller keeps it.
//
// Threading: both run inside Persistence::WhileNoSnapshot (a snapshot cut under the old
// journal and published under the new one could be ahead of the log), on a thread that
// holds no shard lock and is in no transaction; the claim also serializes switches. The
// base snapshot keeps the claim until it has landed, failed or stopped, so a later switch
// waits for it. Commands go on meanwhile on every thread.
#pragma once

#include <memory>

#include "src/exec/durability.h"
#include "src/exec/persistence.h"
#include "src/exec/server_state.h"
#include "store/base/status.h"
#include "store/durability/group_commit.h"

namespace cairn::server {

// Starts a log on a server running without one, and its base snapshot in the background.
// *wal receives the log as soon as it exists (then state.wal and the journal every change
// goes to). An error says why it could not start: the server then runs on without a log,
// as before, and *wal, if set, holds the stopped one, which the caller keeps like any
// stopped log. After OK, a base that fails stops the log itself: state.wal becomes nullptr
// while the caller still holds *wal.
Status TurnWalOnClaimed(ServerState& state, Persistence& persistence,
                        const DurabilityOptions& options, std::unique_ptr<store::GroupCommit>* wal);

// Stops state.wal; afterwards state.wal is nullptr (nothing to do if it already is). A final
// write or sync that fails is logged: the log stops either way, and writes are no longer
// refused.
void TurnWalOffClaimed(ServerState& state, const DurabilityOptions& options);

}  // namespace cairn::server
