// src/commands/monitor_command.cc — MONITOR: this connection receives a line for every
// command the server runs from then on (src/exec/monitor.h), until it disconnects or RESETs.
#include "src/exec/command_table.h"
#include "src/exec/server_state.h"

namespace cairn::server {
namespace {

void CmdMonitor(CommandContext& ctx) {
  // A connection that expects one reply per command (MULTI) cannot turn into a stream.
  if (ctx.client.multi.active) {
    ctx.reply.WriteError("ERR MONITOR isn't allowed for DENY BLOCKING client");
    return;
  }
  if (ctx.client.monitor) return;  // already monitoring: Redis ignores it, with no reply
  ctx.client.monitor = true;
  ctx.server.monitors.Add(&ctx.client);
  ctx.reply.WriteOk();
}

}  // namespace

void RegisterMonitorCommand(CommandTable& table) {
  table.Add({
      {.name = "monitor", .arity = 1, .flags = kAdmin | kNoScript | kLoading | kStale,
       .handler = CmdMonitor, .group = "server", .since = "1.0.0",
       .summary = "Listen for all requests received by the server in real time"},
  });
}

}  // namespace cairn::server
