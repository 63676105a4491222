// src/commands/persistence_commands.cc — SAVE, BGSAVE, BGREWRITEAOF: snapshots on demand.
// In cairn both BGSAVE and BGREWRITEAOF take a snapshot and then trim the write-ahead log it
// covers (src/exec/persistence.h); SAVE and BGSAVE also write `dbfilename` as an RDB file,
// where Redis users look for it. Nothing forks.
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
  Status st = ctx.server.persistence.load()->Save(/*rdb=*/true, /*counted=*/true);
  if (st.ok()) {
    ctx.reply.WriteOk();
  } else if (st.code() == Code::kBusy) {
    ctx.reply.WriteError(errors::kBgsaveInProgress);
  } else {
    ctx.reply.WriteError("ERR " + std::string(st.message()));
  }
}

void CmdBgSave(CommandContext& ctx) {
  bool schedule = false;
  if (ctx.args.size() == 2 && EqualsIgnoreCase(ctx.args[1], "schedule")) {
    schedule = true;
  } else if (ctx.args.size() > 1) {
    ctx.reply.WriteError(errors::kSyntax);
    return;
  }
  if (!HavePersistence(ctx)) return;
  switch (ctx.server.persistence.load()->StartOrSchedule(Persistence::Job::kSave, /*rdb=*/true,
                                                         schedule, ctx.client.in_exec)) {
    case Persistence::Request::kStarted:
      return ctx.reply.WriteSimple("Background saving started");
    case Persistence::Request::kScheduled:
      return ctx.reply.WriteSimple("Background saving scheduled");
    case Persistence::Request::kSameRunning:
      return ctx.reply.WriteError(errors::kBgsaveInProgress);
    case Persistence::Request::kOtherRunning:
      return ctx.reply.WriteError(errors::kBgsaveOtherJob);
  }
}

// A rewrite is always scheduled behind another snapshot, as Redis schedules it behind any
// child process.
void CmdBgRewriteAof(CommandContext& ctx) {
  if (!HavePersistence(ctx)) return;
  switch (ctx.server.persistence.load()->StartOrSchedule(
      Persistence::Job::kRewrite, /*rdb=*/false, /*may_schedule=*/true, ctx.client.in_exec)) {
    case Persistence::Request::kStarted:
      return ctx.reply.WriteSimple("Background append only file rewriting started");
    case Persistence::Request::kScheduled:
    case Persistence::Request::kOtherRunning:
      return ctx.reply.WriteSimple("Background append only file rewriting scheduled");
    case Persistence::Request::kSameRunning:
      return ctx.reply.WriteError(errors::kRewriteInProgress);
  }
}

}  // namespace

void RegisterPersistenceCommands(CommandTable& table) {
  table.Add({
      {.name = "save", .arity = 1, .flags = kAdmin | kNoScript | kNoAsyncLoading | kNoMulti,
       .handler = CmdSave,
       .group = "server", .since = "1.0.0",
       .summary = "Synchronously saves the database(s) to disk.",
       .complexity = "O(N) where N is the total number of keys in all databases"},
      {.name = "bgsave", .arity = -1, .flags = kAdmin | kNoScript | kNoAsyncLoading,
       .handler = CmdBgSave,
       .group = "server", .since = "1.0.0",
       .summary = "Asynchronously saves the database(s) to disk.", .complexity = "O(1)",
       .syntax = "[SCHEDULE]"},
      {.name = "bgrewriteaof", .arity = 1, .flags = kAdmin | kNoScript | kNoAsyncLoading,
       .handler = CmdBgRewriteAof,
       .group = "server", .since = "1.0.0",
       .summary = "Asynchronously rewrites the append-only file to disk.", .complexity = "O(1)"},
  });
}

}  // namespace cairn::server
