// src/exec/transaction.cc — see transaction.h.
#include "src/exec/transaction.h"

#include <algorithm>

#include "src/exec/client_eviction.h"
#include "src/exec/dispatch.h"
#include "src/exec/errors.h"
#include "src/exec/server_state.h"

namespace cairn::server {
namespace {

// Commands that act on the transaction itself (or end it: QUIT, RESET) run at once, even
// inside MULTI.
bool RunsInsideMulti(const CommandSpec& spec) {
  static constexpr std::string_view kNames[] = {"exec", "discard", "multi", "watch", "quit",
                                                 "reset"};
  return std::find(std::begin(kNames), std::end(kNames), spec.name) != std::end(kNames);
}

}  // namespace

void AbortQueueing(ClientState& client) {
  if (client.multi.active) client.multi.aborted = true;
}

bool QueueIfInMulti(CommandContext& ctx) {
  if (!ctx.client.multi.active || RunsInsideMulti(*ctx.spec)) return false;
  if (ctx.spec->flags & kNoMulti) {
    ctx.reply.WriteError(errors::kMultiDisallowed);
    AbortQueueing(ctx.client);
    return true;
  }
  ctx.client.multi.queued.emplace_back(ctx.args.begin(), ctx.args.end());
  ctx.client.multi.queued_bytes += kQueuedCommandOverheadBytes;
  for (std::string_view arg : ctx.args) {
    ctx.client.multi.queued_bytes += arg.size() + kQueuedArgOverheadBytes;
  }
  ctx.reply.WriteSimple("QUEUED");
  return true;
}

void UnwatchAll(ServerState& server, ClientState& client) {
  for (const auto& [db, key] : client.watched) {
    server.store.Access(db, key, [&](store::KeyHandle& h) { h.Unwatch(&client.watch_flag); });
  }
  client.watched.clear();
  client.watched_bytes = 0;
  client.watch_flag.dirty.store(false, std::memory_order_relaxed);
}

}  // namespace cairn::server
