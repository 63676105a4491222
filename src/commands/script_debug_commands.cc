// src/commands/script_debug_commands.cc — SCRIPT DEBUG and the EVAL it applies to: Redis's Lua
// debugger sessions (`redis-cli --ldb`, `--ldb-sync-mode`).
//
// SYNC debugs the script on the live data, on the client's I/O thread, holding every shard
// for the whole session, as Redis blocks while a synchronous session lasts; the script's
// changes stay (one WAL record when it ends, as for any script). Its logs show what the
// script sees while it runs, before that record is durable; the EVAL's reply waits for it.
//
// YES debugs it on a copy of the dataset, in a background job, so the server goes on serving
// everyone else and the session's changes are thrown away with the copy (Redis forks a child
// for this; the copy is dataset_copy.h's). It costs the dataset's memory again while the
// session lasts, so under maxmemory a copy that would not fit is refused, and one such
// session runs at a time. The job owns the client's socket until the session ends.
//
// Either way the connection closes after the EVAL's reply, as in Redis.
#include <memory>
#include <string>
#include <vector>

#include "src/base/log.h"
#include "src/base/thread_placement.h"
#include "src/commands/script_family.h"
#include "src/exec/background_job.h"
#include "src/exec/blocking.h"
#include "src/exec/dataset_copy.h"
#include "src/exec/errors.h"
#include "src/exec/reply.h"
#include "src/exec/server_state.h"
#include "src/scripting/script_debugger.h"
#include "src/scripting/script_engine.h"

namespace cairn::server {
namespace {

using scripting::ScriptDebugger;

// A YES session, from its own thread: the copy, the script with the debugger on the
// client's socket, the EVAL's reply last. One runs at a time (ServerState::debug_copy), as
// each costs a copy of the dataset; it holds that slot from before it starts until it is
// gone, whether it ran or its client left first.
struct ForkedSession final : BackgroundJob {
  ForkedSession(ServerState& live, CommandContext& ctx, std::unique_ptr<DebugChannel> channel,
                bool read_only)
      : live(live),
        channel(std::move(channel)),
        args(ctx.args.begin(), ctx.args.end()),
        spec(ctx.spec),
        read_only(read_only),
        protocol(ctx.client.protocol.load(std::memory_order_relaxed)),
        db(ctx.db()),
        user_name(ctx.client.user_name),
        client_id(ctx.client.id) {}
  ~ForkedSession() override { live.debug_copy.store(false, std::memory_order_release); }

  void Run() override {
    PlaceThisThread(ThreadRole::kServer, "lua_debugger");  // Redis forks its main thread
    Log(LogLevel::kWarning, "Lua debugging session started on a copy of the dataset (id=%llu)",
        static_cast<unsigned long long>(client_id));
    Result<std::unique_ptr<ServerState>> copy = CopyDataset(live);
    if (!copy.ok()) {
      (void)channel->Send("*1\r\n+<endsession>\r\n-" + std::string(errors::kDebugCopyFailed) +
                          std::string(copy.status().message()) + "\r\n");
      return;
    }
    std::string reply = RunOn(**copy);
    (void)channel->Send(reply);
    scripting::ScriptEngine::ReleaseThread();  // its engine belongs to the copy
    Log(LogLevel::kWarning, "Lua debugging session ended; its changes were discarded (id=%llu)",
        static_cast<unsigned long long>(client_id));
  }

  // Runs the EVAL on copy as the client would; returns its reply.
  std::string RunOn(ServerState& copy) {
    ClientState client;
    client.protocol.store(protocol, std::memory_order_relaxed);
    client.db.store(db, std::memory_order_relaxed);
    client.user_name = user_name;
    client.user = copy.acl.Find(user_name);
    copy.clients.Add(&client);
    ThreadStats* stats = copy.stats.Create();
    resp::OutputBuffer out;
    {
      resp::Writer writer(&out, protocol);
      std::vector<std::string_view> views(args.begin(), args.end());
      CommandContext ctx{views, writer, copy, client, *stats, spec};
      ScriptDebugger debugger(channel.get(), args[1], &live.shutting_down);
      RunEval(ctx, /*by_sha=*/false, read_only, &debugger);
      debugger.EndSession();
    }
    copy.clients.Remove(&client);
    return out.Drain();
  }

  ServerState& live;
  std::unique_ptr<DebugChannel> channel;
  std::vector<std::string> args;
  const CommandSpec* spec;
  bool read_only;
  int protocol;
  int db;
  std::string user_name;
  uint64_t client_id;
};

void RunSyncSession(CommandContext& ctx, std::unique_ptr<DebugChannel> channel, bool read_only) {
  Log(LogLevel::kWarning, "Lua synchronous debugging session started (id=%llu)",
      static_cast<unsigned long long>(ctx.client.id));
  ScriptDebugger debugger(channel.get(), ctx.args[1], &ctx.server.shutting_down);
  RunEval(ctx, /*by_sha=*/false, read_only, &debugger);
  debugger.EndSession();
  Log(LogLevel::kWarning, "Lua synchronous debugging session ended (id=%llu)",
      static_cast<unsigned long long>(ctx.client.id));
}

}  // namespace

void CmdScriptDebug(CommandContext& ctx) {
  std::string_view mode = ctx.args[2];
  bool no = EqualsIgnoreCase(mode, "no");
  if (!no && !EqualsIgnoreCase(mode, "yes") && !EqualsIgnoreCase(mode, "sync")) {
    ctx.reply.WriteError("ERR Use SCRIPT DEBUG YES/SYNC/NO");
    return;
  }
  DebugPort* port = ctx.client.debug_port;
  if (port != nullptr && port->HasPendingOutput()) {
    ctx.reply.WriteError(errors::kDebugInPipeline);
    return;
  }
  if (no) {
    ctx.client.script_debug = ClientState::ScriptDebug::kOff;
  } else if (port == nullptr) {
    ctx.reply.WriteError(errors::kDebugNeedsSocket);
    return;
  } else {
    ctx.client.script_debug = EqualsIgnoreCase(mode, "sync") ? ClientState::ScriptDebug::kSync
                                                             : ClientState::ScriptDebug::kFork;
  }
  ctx.reply.WriteOk();
}

bool DebugEval(CommandContext& ctx, bool by_sha, bool read_only) {
  if (IsBlockedRetry(ctx) && ctx.block->background != nullptr) {
    // A YES session has ended: it sent everything itself.
    ctx.client.close_after_reply = true;
    return true;
  }
  ClientState::ScriptDebug mode = ctx.client.script_debug;
  // Inside EXEC or a script the EVAL runs as usual (no session can start there).
  if (mode == ClientState::ScriptDebug::kOff || ctx.client.in_exec || ctx.client.script) {
    return false;
  }
  if (by_sha) {
    ctx.reply.WriteError("ERR Please use EVAL instead of EVALSHA for debugging");
    return true;
  }
  bool fork = mode == ClientState::ScriptDebug::kFork;
  if (fork && (ctx.block == nullptr || ctx.client.debug_port == nullptr)) {
    ctx.reply.WriteError(errors::kDebugNeedsSocket);
    return true;
  }
  if (fork && !DatasetCopyFits(ctx.server)) {
    ctx.reply.WriteError(errors::kDebugCopyTooBig);
    return true;
  }
  bool free_slot = false;
  if (fork && !ctx.server.debug_copy.compare_exchange_strong(free_slot, true)) {
    ctx.reply.WriteError(errors::kDebugCopyBusy);
    return true;
  }
  std::unique_ptr<DebugChannel> channel =
      ctx.client.debug_port != nullptr ? ctx.client.debug_port->OpenDebugChannel() : nullptr;
  if (channel == nullptr) {
    if (fork) ctx.server.debug_copy.store(false, std::memory_order_release);
    ctx.reply.WriteError(errors::kDebugInPipeline);
    return true;
  }
  ctx.client.script_debug = ClientState::ScriptDebug::kOff;
  if (fork) {
    ctx.block->background =
        std::make_shared<ForkedSession>(ctx.server, ctx, std::move(channel), read_only);
    return true;
  }
  RunSyncSession(ctx, std::move(channel), read_only);
  ctx.client.close_after_reply = true;
  return true;
}

}  // namespace cairn::server
