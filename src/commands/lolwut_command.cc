// src/commands/lolwut_command.cc — LOLWUT: what Redis 7.0 answers by default, the version line.
// Redis draws computer art for VERSION 5 and 6 (random each time); cairn answers every
// version with the line, after checking VERSION's argument as Redis does.
#include <string>

#include "resp/number.h"
#include "src/commands/server_family.h"
#include "src/exec/command_table.h"
#include "src/exec/errors.h"
#include "src/exec/reply.h"
#include "src/exec/server_state.h"

namespace cairn::server {
namespace {

void CmdLolwut(CommandContext& ctx) {
  int64_t version = 0;
  if (ctx.args.size() >= 3 && EqualsIgnoreCase(ctx.args[1], "version") &&
      !resp::ParseInt64(ctx.args[2], &version)) {
    ctx.reply.WriteError(errors::kNotInteger);
    return;
  }
  ctx.reply.WriteVerbatim("Redis ver. " + std::string(kRedisVersion) + "\n");
}

}  // namespace

void RegisterLolwutCommand(CommandTable& table) {
  table.Add({
      {.name = "lolwut", .arity = -1, .flags = kReadOnly | kFast, .handler = CmdLolwut,
       .group = "server", .since = "5.0.0",
       .summary = "Display some computer art and the Redis version", .syntax = "[VERSION version]"},
  });
}

}  // namespace cairn::server
