// src/commands/lolwut_command.cc — LOLWUT [VERSION version [argument ...]]: Redis 7.0 answers
// its version line; VERSION 5 draws Schotter and VERSION 6 a skyline (lolwut_art.h), each
// taking up to three (5) or two (6) integer arguments for its size. Any other version gives
// the line. Non-integer arguments get Redis's integer error.
#include <cstdint>
#include <random>
#include <span>
#include <string>

#include "resp/number.h"
#include "src/commands/lolwut_art.h"
#include "src/commands/server_family.h"
#include "src/exec/command_table.h"
#include "src/exec/errors.h"
#include "src/exec/reply.h"
#include "src/exec/server_state.h"

namespace cairn::server {
namespace {

// The drawing's size arguments after VERSION n, each replacing its default in order.
bool ParseSizes(CommandContext& ctx, std::span<int64_t> sizes) {
  for (size_t i = 0; i < sizes.size() && 3 + i < ctx.args.size(); ++i) {
    if (!resp::ParseInt64(ctx.args[3 + i], &sizes[i])) {
      ctx.reply.WriteError(errors::kNotInteger);
      return false;
    }
  }
  return true;
}

std::mt19937& Rng() {
  thread_local std::mt19937 rng{std::random_device{}()};
  return rng;
}

void CmdLolwut(CommandContext& ctx) {
  int64_t version = 0;
  if (ctx.args.size() >= 3 && EqualsIgnoreCase(ctx.args[1], "version") &&
      !resp::ParseInt64(ctx.args[2], &version)) {
    ctx.reply.WriteError(errors::kNotInteger);
    return;
  }
  // Redis picks the drawing by the version printed as "%u.0.0" of its low 32 bits.
  version = static_cast<uint32_t>(version);
  std::string art;
  if (version == 5) {
    int64_t sizes[3] = {66, 8, 12};  // columns, squares per row, squares per column
    if (!ParseSizes(ctx, sizes)) return;
    art = lolwut::Schotter(sizes[0], sizes[1], sizes[2], Rng());
  } else if (version == 6) {
    int64_t sizes[2] = {80, 20};  // columns, rows
    if (!ParseSizes(ctx, sizes)) return;
    art = lolwut::Skyline(sizes[0], sizes[1], Rng());
  }
  ctx.reply.WriteVerbatim(art + "Redis ver. " + std::string(kRedisVersion) + "\n");
}

}  // namespace

void RegisterLolwutCommand(CommandTable& table) {
  table.Add({
      {.name = "lolwut",
       .arity = -1,
       .flags = kReadOnly | kFast,
       .handler = CmdLolwut,
       .group = "server",
       .since = "5.0.0",
       .summary = "Display some computer art and the Redis version",
       .syntax = "[VERSION version]"},
  });
}

}  // namespace cairn::server
