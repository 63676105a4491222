// src/commands/slowlog_command.cc — SLOWLOG GET / LEN / RESET / HELP over the server's slow
// log (src/exec/slowlog.h, fed by the dispatcher).
#include <string>

#include "resp/number.h"
#include "src/commands/help_reply.h"
#include "src/commands/server_family.h"
#include "src/exec/command_table.h"
#include "src/exec/reply.h"
#include "src/exec/server_state.h"

namespace cairn::server {
namespace {

constexpr int64_t kDefaultGetCount = 10;

void CmdSlowlogGet(CommandContext& ctx) {
  int64_t count = kDefaultGetCount;
  if (ctx.args.size() > 3) {
    ctx.reply.WriteError(
        "ERR unknown subcommand or wrong number of arguments for 'get'. Try SLOWLOG HELP.");
    return;
  }
  if (ctx.args.size() == 3 && (!resp::ParseInt64(ctx.args[2], &count) || count < -1)) {
    ctx.reply.WriteError("ERR count should be greater than or equal to -1");
    return;
  }
  std::vector<SlowLogEntry> entries = ctx.server.slowlog.Get(count);
  resp::Writer& w = ctx.reply;
  w.WriteArrayLen(static_cast<int64_t>(entries.size()));
  for (const SlowLogEntry& e : entries) {
    w.WriteArrayLen(6);
    w.WriteInteger(e.id);
    w.WriteInteger(e.unix_s);
    w.WriteInteger(e.duration_us);
    w.WriteArrayLen(static_cast<int64_t>(e.args.size()));
    for (const std::string& a : e.args) w.WriteBulk(a);
    w.WriteBulk(e.client_addr);
    w.WriteBulk(e.client_name);
  }
}

void CmdSlowlogLen(CommandContext& ctx) {
  ctx.reply.WriteInteger(static_cast<int64_t>(ctx.server.slowlog.Len()));
}

void CmdSlowlogReset(CommandContext& ctx) {
  ctx.server.slowlog.Reset();
  ctx.reply.WriteOk();
}

void CmdSlowlogHelp(CommandContext& ctx) {
  ReplyHelp(ctx.reply, "SLOWLOG",
            {
                "GET [<count>]",
                "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
                "    Entries are made of:",
                "    id, timestamp, time in microseconds, arguments array, client IP and port,",
                "    client name",
                "LEN",
                "    Return the length of the slowlog.",
                "RESET",
                "    Reset the slowlog.",
            });
}

void CmdSlowlog(CommandContext& ctx) { ReplyWrongArity(ctx.reply, "slowlog"); }

}  // namespace

void RegisterSlowlogCommand(CommandTable& table) {
  constexpr std::string_view kGroup = "server";
  constexpr uint32_t kFlags = kAdmin | kLoading | kStale;
  table.Add({
      {.name = "slowlog", .arity = -2, .handler = CmdSlowlog,
       .group = kGroup, .since = "2.2.12",
       .summary = "A container for slow log commands", .complexity = "Depends on subcommand.",
       .subcommands = {
           {.name = "slowlog|get", .arity = -2, .flags = kFlags, .handler = CmdSlowlogGet,
            .group = kGroup, .since = "2.2.12", .summary = "Get the slow log's entries",
            .complexity = "O(N) where N is the number of entries returned",
            .syntax = "[count]"},
           {.name = "slowlog|help", .arity = 2, .flags = kLoading | kStale,
            .handler = CmdSlowlogHelp, .group = kGroup, .since = "6.2.0",
            .summary = "Show helpful text about the different subcommands",
            .complexity = "O(1)"},
           {.name = "slowlog|len", .arity = 2, .flags = kFlags, .handler = CmdSlowlogLen,
            .group = kGroup, .since = "2.2.12", .summary = "Get the slow log's length",
            .complexity = "O(1)"},
           {.name = "slowlog|reset", .arity = 2, .flags = kFlags, .handler = CmdSlowlogReset,
            .group = kGroup, .since = "2.2.12", .summary = "Clear all entries from the slow log",
            .complexity = "O(N) where N is the number of entries in the slowlog"},
       }},
  });
}

}  // namespace cairn::server
