// src/commands/server_commands.cc — the server family: DBSIZE, FLUSHDB, FLUSHALL, SWAPDB,
// TIME, LASTSAVE, SHUTDOWN. INFO, CONFIG, COMMAND, DEBUG and the rest live in their own files
// and are registered from here.
//
// FLUSHDB/FLUSHALL empty the keyspace at once; ASYNC (or no argument with
// lazyfree-lazy-user-flush yes) frees the memory on a background thread instead of before the
// reply. SHUTDOWN asks the
// networking layer to stop (it saves nothing extra: with the WAL every acknowledged write is
// already durable); on success nothing is replied, as in Redis, whose client sees the
// connection close.
#include <time.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <string>

#include "resp/number.h"
#include "src/base/log.h"
#include "src/commands/help_reply.h"
#include "src/commands/server_family.h"
#include "src/exec/command_table.h"
#include "src/exec/errors.h"
#include "src/exec/persistence.h"
#include "src/exec/reply.h"
#include "src/exec/server_state.h"

namespace cairn::server {
namespace {

constexpr std::string_view kInvalidFirstDb = "ERR invalid first DB index";
constexpr std::string_view kInvalidSecondDb = "ERR invalid second DB index";
constexpr std::string_view kNoShutdownInProgress = "ERR No shutdown in progress.";
constexpr std::string_view kShutdownFailed = "ERR Errors trying to SHUTDOWN. Check logs.";

void CmdDbSize(CommandContext& ctx) {
  ctx.reply.WriteInteger(static_cast<int64_t>(ctx.server.store.Stats(ctx.db()).keys));
}

// The optional ASYNC | SYNC argument of FLUSHDB and FLUSHALL (none: lazyfree-lazy-user-flush
// decides) into *async. Replies with the error and returns false when it is anything else.
bool ParseFlushMode(CommandContext& ctx, bool* async) {
  if (ctx.args.size() == 1) {
    *async = ctx.server.limits.lazyfree_user_flush.load(std::memory_order_relaxed);
    return true;
  }
  if (ctx.args.size() == 2 &&
      (EqualsIgnoreCase(ctx.args[1], "async") || EqualsIgnoreCase(ctx.args[1], "sync"))) {
    *async = EqualsIgnoreCase(ctx.args[1], "async");
    return true;
  }
  ctx.reply.WriteError(errors::kSyntax);
  return false;
}

void CmdFlushDb(CommandContext& ctx) {
  bool async = false;
  if (!ParseFlushMode(ctx, &async)) return;
  ctx.server.store.FlushDb(ctx.db(), async);
  ctx.server.blocking.NoteDbChanged(ctx.db());
  ctx.reply.WriteOk();
}

void CmdFlushAll(CommandContext& ctx) {
  bool async = false;
  if (!ParseFlushMode(ctx, &async)) return;
  ctx.server.store.FlushAll(async);
  ctx.server.blocking.NoteDbChanged(-1);
  // With the WAL the flush is logged and replayed. Without it, the last snapshot is what a
  // restart loads, so it is replaced now; not from inside EXEC or a script, which may hold
  // the shard locks a snapshot takes.
  Persistence* persistence = ctx.server.persistence.load();
  if (persistence != nullptr && ctx.server.wal.load() == nullptr) {
    persistence->SnapshotAfterFlush(/*can_wait=*/!ctx.client.in_exec && !ctx.client.script);
  }
  ctx.reply.WriteOk();
}

// A SWAPDB index: an int, else the given error. The range is checked after both parse, as
// Redis does, so "SWAPDB 100 x" complains about the second index.
bool ParseSwapIndex(CommandContext& ctx, std::string_view arg, std::string_view error,
                    int64_t* out) {
  if (resp::ParseInt64(arg, out) && *out >= INT32_MIN && *out <= INT32_MAX) return true;
  ctx.reply.WriteError(error);
  return false;
}

void CmdSwapDb(CommandContext& ctx) {
  if (ctx.server.cluster.enabled()) {
    ctx.reply.WriteError("ERR SWAPDB is not allowed in cluster mode");
    return;
  }
  int64_t a = 0, b = 0;
  if (!ParseSwapIndex(ctx, ctx.args[1], kInvalidFirstDb, &a)) return;
  if (!ParseSwapIndex(ctx, ctx.args[2], kInvalidSecondDb, &b)) return;
  int64_t n = ctx.server.store.databases();
  if (a < 0 || a >= n || b < 0 || b >= n) {
    ctx.reply.WriteError(errors::kDbIndexRange);
    return;
  }
  if (a != b) {
    ctx.server.store.SwapDb(static_cast<int>(a), static_cast<int>(b));
    ctx.server.blocking.NoteDbChanged(static_cast<int>(a));
    ctx.server.blocking.NoteDbChanged(static_cast<int>(b));
  }
  ctx.reply.WriteOk();
}

void CmdTime(CommandContext& ctx) {
  using namespace std::chrono;
  int64_t us = duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
  ctx.reply.WriteArrayLen(2);
  ctx.reply.WriteBulkInt64(us / 1000000);
  ctx.reply.WriteBulkInt64(us % 1000000);
}

void CmdLastSave(CommandContext& ctx) { ctx.reply.WriteInteger(ctx.server.last_save_s.load()); }

void CmdShutdown(CommandContext& ctx) {
  bool save = false, nosave = false, abort = false, other = false;
  for (size_t i = 1; i < ctx.args.size(); ++i) {
    std::string_view a = ctx.args[i];
    if (EqualsIgnoreCase(a, "nosave")) {
      nosave = true;
    } else if (EqualsIgnoreCase(a, "save")) {
      save = true;
    } else if (EqualsIgnoreCase(a, "now") || EqualsIgnoreCase(a, "force")) {
      other = true;
    } else if (EqualsIgnoreCase(a, "abort")) {
      abort = true;
    } else {
      ctx.reply.WriteError(errors::kSyntax);
      return;
    }
  }
  if ((abort && (save || nosave || other)) || (save && nosave)) {
    ctx.reply.WriteError(errors::kSyntax);
    return;
  }
  // cairn shuts down at once (there are no replicas to wait for), so there is never a
  // pending shutdown to abort.
  if (abort) {
    ctx.reply.WriteError(kNoShutdownInProgress);
    return;
  }
  // A busy script holds the keyspace and its thread, so nothing can stop in order. NOSAVE
  // ends the process at once: the script's writes are logged only when it ends, so they are
  // all absent after the restart, as after a crash; every acknowledged write was written.
  if (ctx.server.running_scripts.busy()) {
    if (!nosave) {
      ctx.reply.WriteError(ctx.server.running_scripts.busy_eval() ? errors::kBusyScript
                                                                  : errors::kBusyFunction);
      return;
    }
    Log(LogLevel::kWarning, "SHUTDOWN NOSAVE while a script is busy: exiting now");
    std::_Exit(0);
  }
  if (!ctx.server.request_shutdown) {
    ctx.reply.WriteError(kShutdownFailed);
    return;
  }
  // shutting_down belongs to the server: it sets the flag when it begins to stop.
  if (save || nosave) {
    ctx.server.exit_save = save ? ServerState::ExitSave::kAlways : ServerState::ExitSave::kNever;
  }
  ctx.server.request_shutdown();
  ctx.client.close_after_reply = true;
}

}  // namespace

void RegisterServerCommands(CommandTable& table) {
  constexpr std::string_view kGroup = "server";
  constexpr uint32_t kAdminFlags = kAdmin | kNoScript | kLoading | kStale;
  RegisterCommandCommand(table);
  RegisterAclCommand(table);
  RegisterConfigCommand(table);
  RegisterInfoCommand(table);
  RegisterMemoryCommand(table);
  RegisterSlowlogCommand(table);
  RegisterLatencyCommand(table);
  RegisterClusterCommands(table);
  RegisterModuleCommand(table);
  RegisterLolwutCommand(table);
  RegisterDebugCommand(table);
  table.Add({
      {.name = "dbsize", .arity = 1, .flags = kReadOnly | kFast, .handler = CmdDbSize,
       .group = kGroup, .since = "1.0.0",
       .summary = "Return the number of keys in the selected database", .complexity = "O(1)"},
      {.name = "flushdb", .arity = -1, .flags = kWrite, .handler = CmdFlushDb,
       .group = kGroup, .since = "1.0.0", .summary = "Remove all keys from the current database",
       .complexity = "O(N) where N is the number of keys in the selected database",
       .syntax = "[ASYNC | SYNC]"},
      {.name = "flushall", .arity = -1, .flags = kWrite, .handler = CmdFlushAll,
       .group = kGroup, .since = "1.0.0", .summary = "Remove all keys from all databases",
       .complexity = "O(N) where N is the total number of keys in all databases",
       .syntax = "[ASYNC | SYNC]"},
      {.name = "swapdb", .arity = 3, .flags = kWrite | kFast, .handler = CmdSwapDb,
       .group = kGroup, .since = "4.0.0", .summary = "Swaps two Redis databases",
       .complexity = "O(N) where N is the count of clients watching or blocking on keys from both "
                     "databases.",
       .syntax = "index1 index2"},
      {.name = "time", .arity = 1, .flags = kLoading | kStale | kFast, .handler = CmdTime,
       .group = kGroup, .since = "2.6.0", .summary = "Return the current server time",
       .complexity = "O(1)"},
      {.name = "lastsave", .arity = 1, .flags = kLoading | kStale | kFast, .handler = CmdLastSave,
       .group = kGroup, .since = "1.0.0",
       .summary = "Get the UNIX time stamp of the last successful save to disk",
       .complexity = "O(1)"},
      {.name = "shutdown", .arity = -1, .flags = kAdminFlags | kNoMulti | kAllowBusy,
       .handler = CmdShutdown,
       .group = kGroup, .since = "1.0.0",
       .summary = "Synchronously save the dataset to disk and then shut down the server",
       .complexity = "O(N) when saving, where N is the total number of keys in all databases when "
                     "saving data, otherwise O(1)",
       .syntax = "[NOSAVE | SAVE] [NOW] [FORCE] [ABORT]"},
  });
}

}  // namespace cairn::server
