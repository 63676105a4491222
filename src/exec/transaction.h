// src/exec/transaction.h — MULTI/EXEC/WATCH: queueing commands and running them as one atomic unit.
//
// Between MULTI and EXEC the dispatcher queues commands (QueueCommand) instead of running them;
// a command rejected while queueing (unknown, wrong arity, not allowed in a transaction...)
// marks the transaction aborted, and EXEC then replies EXECABORT without running anything.
//
// EXEC runs the queue inside Store::Atomically: the shards of every key the queued commands
// name (by their key positions) — or every shard, when a command has no fixed key positions —
// stay locked from the first command to the last, so no client on any thread sees a partial
// transaction, and all of its changes form one WAL record (all or nothing after a crash).
// WATCH registers the client's WatchFlag on keys; any change to one of them from any thread
// (a write, a delete, expiry, FLUSHDB/FLUSHALL/SWAPDB) sets it, and EXEC, having locked the
// watched keys' shards too, aborts with a null reply when it is set.
//
// Threading: the client's owner thread only.
#pragma once

#include <span>
#include <string_view>

#include "src/exec/command.h"

namespace cairn::server {

// True if args must be queued rather than run (the client is inside MULTI and the command is
// not one of EXEC, DISCARD, MULTI, WATCH, QUIT). Replies QUEUED or the error.
bool QueueIfInMulti(CommandContext& ctx);
// Marks the client's transaction aborted if it is inside MULTI (a command was rejected).
void AbortQueueing(ClientState& client);
// Removes every WATCH of the client (UNWATCH, EXEC, DISCARD, disconnect).
void UnwatchAll(ServerState& server, ClientState& client);

}  // namespace cairn::server
