// src/commands/full_sync.h — the RDB that SYNC and PSYNC send when a replica needs the whole
// keyspace (a full sync), and the file alone for `redis-cli --rdb` (REPLCONF rdb-only).
//
// The file comes from the same fork-free capture as snapshots (store/rdb/rdb_keyspace.h) and
// is written by a background job (background_job.h): about a second per million keys, which
// the I/O thread's other clients would otherwise wait. Two framings, as Redis has:
//
// - Streamed (`$EOF:<40-character mark>`, the file, the mark): when the client announced
//   `REPLCONF capa eof` and repl-diskless-sync is yes (Redis's default). One build serves
//   every client of the same kind that asks within repl-diskless-sync-delay of the first
//   (or until repl-diskless-sync-max-replicas have), or while it waits for another build's
//   capture, as Redis's one child does (src/exec/rdb_fanout.h): its leading job pushes the
//   file into each client's RdbPipe (src/exec/rdb_pipe.h) as it writes it, so the replicas
//   receive while the primary builds, and the primary holds a few MB of the file per
//   replica rather than all of it. A full sync's replica is listed (wait_bgsave) from its
//   SYNC on and registered at the cut, before the file's first byte: the stream after the
//   cut waits in its mailbox until the replica acknowledges the file (its first REPLCONF
//   ACK), as Redis holds it, so that nothing follows the mark.
// - Whole (`$<length>`, the file): otherwise (a bare SYNC, repl-diskless-sync no). The job
//   keeps the file in memory and the command's second run, back on the client's thread,
//   sends it; the replica is registered then (send_bulk). Either way it is online once its
//   connection has sent the file's last byte.
//
// Either way the file's bytes leave only once the log is durable through the cut, like a
// read's reply. Where a command cannot wait (no BlockRequest: inside MULTI, in-process
// tests) the whole file is built in place.
#pragma once

#include "src/exec/command.h"

namespace cairn::server {

// SYNC/PSYNC after the checks (MaySync), when no partial resync applies: the RDB at a cut,
// then the stream from the offset the cut stands for. psync: +FULLRESYNC goes first.
void FullSync(CommandContext& ctx, bool psync);
// `redis-cli --rdb`: the file (after +FULLRESYNC <replid> 0 for PSYNC), then the connection
// closes.
void SendRdbOnly(CommandContext& ctx, bool psync);

}  // namespace cairn::server
