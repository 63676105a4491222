// src/commands/persistence_commands.cc — SAVE, BGSAVE, BGREWRITEAOF: snapshots on demand.
// In cairn both BGSAVE and BGREWRITEAOF take a snapshot and then trim the write-ahead log it
// covers (src/exec/persistence.h); neither forks.
#include "src/exec/command_table.h"
#include "src/exec/errors.h"
#include "src/exec/persistence.h"
#include "src/exec/reply.h"
#include "src/exec/server_state.h"

namespace cairn::server {
namespace {

bool HavePersistence(CommandContext& ctx) {
  if (ctx.server.persistence.load() != nullptr) return true;
  ctx.reply.WriteError(errors::kNoPersistence);
  return false;
}

void CmdSave(CommandContext& ctx) {
  if (!HavePersistence(ctx)) return;
  Status st = ctx.server.persistence.load()->Save();
  if (st.ok()) {
    ctx.reply.WriteOk();
  } else if (st.code() == Code::kBusy) {
    ctx.reply.WriteError(errors::kBgsaveInProgress);
  } else {
    ctx.reply.WriteError("ERR " + std::string(st.message()));
  }
}

void BackgroundGeneric(CommandContext& ctx, std::string_view started) {
  if (!HavePersistence(ctx)) return;
  if (ctx.server.persistence.load()->StartBackground()) {
    ctx.reply.WriteSimple(started);
  } else {
    ctx.reply.WriteError(errors::kBgsaveInProgress);
  }
}

void CmdBgSave(CommandContext& ctx) {
  if (ctx.args.size() > 2 || (ctx.args.size() == 2 && !EqualsIgnoreCase(ctx.args[1], "schedule"))) {
    ctx.reply.WriteError(errors::kSyntax);
    return;
  }
  BackgroundGeneric(ctx, "Background saving started");
}

void CmdBgRewriteAof(CommandContext& ctx) {
  BackgroundGeneric(ctx, "Background append only file rewriting started");
}

}  // namespace

void RegisterPersistenceCommands(CommandTable& table) {
  table.Add({"save", 1, kAdmin | kNoScript | kNoMulti, 0, 0, 0, CmdSave, "server", "1.0.0",
             "Synchronously saves the database(s) to disk.", "O(N) where N is the total number "
             "of keys in all databases", ""});
  table.Add({"bgsave", -1, kAdmin | kNoScript, 0, 0, 0, CmdBgSave, "server", "1.0.0",
             "Asynchronously saves the database(s) to disk.", "O(1)", "[SCHEDULE]"});
  table.Add({"bgrewriteaof", 1, kAdmin | kNoScript, 0, 0, 0, CmdBgRewriteAof, "server", "1.0.0",
             "Asynchronously rewrites the append-only file to disk.", "O(1)", ""});
}

}  // namespace cairn::server
