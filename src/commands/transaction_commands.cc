// src/commands/transaction_commands.cc — MULTI, EXEC, DISCARD, WATCH, UNWATCH. The queueing and
// the atomicity contract are described in src/exec/transaction.h.
#include <string>
#include <vector>

#include "src/exec/client_eviction.h"
#include "src/exec/command_table.h"
#include "src/exec/dispatch.h"
#include "src/exec/errors.h"
#include "src/exec/server_state.h"
#include "src/exec/transaction.h"

namespace cairn::server {
namespace {

using store::KeyHandle;
using store::KeyRef;

void CmdMulti(CommandContext& ctx) {
  if (ctx.client.multi.active) {
    ctx.reply.WriteError(errors::kMultiNested);
    return;
  }
  ctx.client.multi = ClientState::Multi{};
  ctx.client.multi.active = true;
  ctx.reply.WriteOk();
}

void CmdDiscard(CommandContext& ctx) {
  if (!ctx.client.multi.active) {
    ctx.reply.WriteError(errors::kDiscardWithoutMulti);
    return;
  }
  ctx.client.multi = ClientState::Multi{};
  UnwatchAll(ctx.server, ctx.client);
  ctx.reply.WriteOk();
}

// The command a queued call runs (validated when it was queued).
const CommandSpec* SpecOf(const CommandTable& table, const std::vector<std::string>& args) {
  const CommandSpec* spec = table.Find(args[0]);
  if (spec != nullptr && !spec->subcommands.empty() && args.size() >= 2) {
    if (const CommandSpec* sub = CommandTable::FindSub(*spec, args[1])) return sub;
  }
  return spec;
}

// The keys EXEC must hold: every key the queued commands name, and the watched keys. Returns
// false when some command has no key positions or finds its keys in its arguments
// (kMovableKeys): then EXEC holds every shard.
bool CollectKeys(CommandContext& ctx, const ClientState::Multi& multi, std::vector<KeyRef>* keys) {
  for (const auto& [db, key] : ctx.client.watched) keys->push_back({db, key});
  for (const std::vector<std::string>& args : multi.queued) {
    const CommandSpec* spec = SpecOf(ctx.server.commands, args);
    if (spec == nullptr || spec->first_key <= 0 || (spec->flags & kMovableKeys)) return false;
    // The database is irrelevant for locking: a key's shard depends on its name only.
    spec->ForEachKey(args, [&](std::string_view key) { keys->push_back({0, key}); });
  }
  return true;
}

// Whether a watched key changed since WATCH. A watched key that has expired since counts as
// changed: looking it up deletes it, which sets the flag.
bool WatchBroken(CommandContext& ctx) {
  for (const auto& [db, key] : ctx.client.watched) {
    ctx.server.store.Access(db, key, [](KeyHandle& h) { h.Peek(); });
  }
  return ctx.client.watch_flag.dirty.load(std::memory_order_relaxed);
}

void RunQueued(CommandContext& ctx, const ClientState::Multi& multi) {
  if (WatchBroken(ctx)) {
    ctx.reply.WriteNullArray();
    return;
  }
  ctx.reply.WriteArrayLen(static_cast<int64_t>(multi.queued.size()));
  for (const std::vector<std::string>& args : multi.queued) {
    std::vector<std::string_view> views(args.begin(), args.end());
    Execute(ctx.server, ctx.client, ctx.stats, ctx.reply, views);
  }
}

void CmdExec(CommandContext& ctx) {
  if (!ctx.client.multi.active) {
    ctx.reply.WriteError(errors::kExecWithoutMulti);
    return;
  }
  ClientState::Multi multi = std::move(ctx.client.multi);
  ctx.client.multi = ClientState::Multi{};
  if (multi.aborted) {
    UnwatchAll(ctx.server, ctx.client);
    ctx.reply.WriteError(errors::kExecAbort);
    return;
  }
  std::vector<KeyRef> keys;
  bool all_shards = !CollectKeys(ctx, multi, &keys);
  ctx.client.in_exec = true;
  ctx.server.store.Atomically(keys, all_shards, [&] { RunQueued(ctx, multi); });
  ctx.client.in_exec = false;
  UnwatchAll(ctx.server, ctx.client);
}

void CmdWatch(CommandContext& ctx) {
  if (ctx.client.multi.active) {
    ctx.reply.WriteError(errors::kWatchInMulti);
    return;
  }
  int db = ctx.db();
  for (size_t i = 1; i < ctx.args.size(); ++i) {
    std::string_view key = ctx.args[i];
    bool already = false;
    for (const auto& [wdb, wkey] : ctx.client.watched) already |= wdb == db && wkey == key;
    if (already) continue;
    ctx.server.store.Access(db, key, [&](KeyHandle& h) {
      h.Peek();  // an already expired key is deleted now, not counted as a change later
      h.Watch(&ctx.client.watch_flag);
    });
    ctx.client.watched.emplace_back(db, std::string(key));
    ctx.client.watched_bytes += key.size() + kWatchedKeyOverheadBytes;
  }
  ctx.reply.WriteOk();
}

void CmdUnwatch(CommandContext& ctx) {
  UnwatchAll(ctx.server, ctx.client);
  ctx.reply.WriteOk();
}

constexpr uint32_t kTxFlags = kNoScript | kLoading | kStale | kFast | kAllowBusy;

}  // namespace

void RegisterTransactionCommands(CommandTable& table) {
  constexpr std::string_view kGroup = "transactions";
  table.Add({
      {.name = "multi", .arity = 1, .flags = kTxFlags, .handler = CmdMulti,
       .group = kGroup, .since = "1.2.0", .summary = "Starts a transaction.", .complexity = "O(1)"},
      {.name = "exec", .arity = 1, .flags = kNoScript | kLoading | kStale | kSkipSlowlog,
       .handler = CmdExec,
       .group = kGroup, .since = "1.2.0", .summary = "Executes all commands in a transaction.",
       .complexity = "Depends on commands in the transaction"},
      {.name = "discard", .arity = 1, .flags = kTxFlags, .handler = CmdDiscard,
       .group = kGroup, .since = "2.0.0", .summary = "Discards a transaction.",
       .complexity = "O(N), when N is the number of queued commands"},
      {.name = "watch", .arity = -2, .flags = kTxFlags,
       .first_key = 1, .last_key = -1, .key_step = 1, .handler = CmdWatch,
       .group = kGroup, .since = "2.2.0",
       .summary = "Monitors changes to keys to determine the execution of a transaction.",
       .complexity = "O(1) for every key.", .syntax = "key [key ...]"},
      {.name = "unwatch", .arity = 1, .flags = kTxFlags, .handler = CmdUnwatch,
       .group = kGroup, .since = "2.2.0", .summary = "Forgets about watched keys of a transaction.",
       .complexity = "O(1)"},
  });
}

}  // namespace cairn::server
