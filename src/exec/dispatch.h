// src/exec/dispatch.h — runs one parsed command: lookup, authentication, arity, the handler, and
// per-command statistics. The one entry point both the network path and in-process tests use.
#pragma once

#include <span>
#include <string_view>

#include "src/exec/command.h"

namespace cairn::server {

struct BlockRequest;

// Executes args as one command for client, writing the reply through writer: resolves it,
// checks arity, authentication, MISCONF and loading (in that order, as Redis does), then,
// with maxmemory set, evicts or refuses it as out of memory (eviction.h), queues
// it instead when the client is inside MULTI, runs the handler and counts it. block: where a
// blocking command may ask to block (blocking.h); nullptr where nothing may block. Thread:
// the client's owner thread.
void Execute(ServerState& server, ClientState& client, ThreadStats& stats, resp::Writer& writer,
             std::span<const std::string_view> args, BlockRequest* block = nullptr);

// Execute for a caller that has resolved args to spec and checked its arity itself (a
// script's redis.call, with its own error texts for both): the same checks and accounting
// from authentication on, without a second lookup.
void ExecuteResolved(ServerState& server, ClientState& client, ThreadStats& stats,
                     resp::Writer& writer, const CommandSpec& spec,
                     std::span<const std::string_view> args, BlockRequest* block = nullptr);

// Runs spec's handler again for a command that was counted when it was made: a blocked
// command being served, or the second run after a background job (background_job.h), with
// again.retry set. Unless it asks to block again, adds its time to the command's statistics
// and, if it replied with an error, a failed call; returns whether it did not block again.
// Thread: the thread whose writer this is.
bool ExecuteAgain(ServerState& server, ClientState& client, ThreadStats& stats,
                  resp::Writer& writer, const CommandSpec& spec,
                  std::span<const std::string_view> args, BlockRequest& again);

// Records a command that ran for duration_ns: its latency histogram bucket and, when it was
// slow enough, the slow log ("logged": false for a call that blocked, which is logged when
// it is served) and the latency monitor's "command" / "fast-command" event.
void NoteCommandDuration(ServerState& server, ClientState& client, CommandCounters& counters,
                         const CommandSpec& spec, std::span<const std::string_view> args,
                         int64_t duration_ns, bool logged = true);

}  // namespace cairn::server
