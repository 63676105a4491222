// src/commands/replication_commands.cc — Redis replication's commands: the primary's side
// (REPLCONF, SYNC/PSYNC, WAIT), ROLE in both forms, and REPLICAOF/SLAVEOF, which starts or
// stops following a primary (src/net/replica_link.h).
//
// A replica (`redis-server --replicaof`) sends REPLCONF listening-port/capa, then PSYNC. When
// its replication ID and offset are still covered by the backlog it gets `+CONTINUE <replid>`
// and the bytes it missed; otherwise `+FULLRESYNC <replid> <offset>`, then an RDB of the
// keyspace (full_sync.h: streamed as it is built, or whole), then the stream from exactly
// that offset (repl_primary.h says how no write is lost or doubled while writes go on). It
// acknowledges its offset with REPLCONF ACK, which WAIT waits for.
//
// A client that asked for the RDB only (`REPLCONF rdb-only 1`, what `redis-cli --rdb FILE`
// sends) gets the same framing and the connection closes after the file. `REPLCONF
// rdb-filter-only functions` (`redis-cli --functions-rdb FILE`) leaves the keys out of it.
#include <algorithm>
#include <charconv>
#include <string>
#include <utility>
#include <vector>

#include "resp/number.h"
#include "src/base/config.h"
#include "src/base/log.h"
#include "src/commands/full_sync.h"
#include "src/exec/blocking.h"
#include "src/exec/command_table.h"
#include "src/exec/errors.h"
#include "src/exec/reply.h"
#include "src/exec/server_state.h"

namespace cairn::server {
namespace {

// REPLCONF ACK <offset>: the replica's offset, and a wake-up for the clients in WAIT.
void OnReplicaAck(CommandContext& ctx, std::string_view value) {
  if (ctx.client.rdb_pipe != nullptr) {  // the first after a streamed file: the stream starts
    ctx.client.rdb_pipe.reset();
    if (ctx.client.mailbox.notify) ctx.client.mailbox.notify();
  }
  int64_t offset = 0;
  if (!resp::ParseInt64(value, &offset) || offset < 0) return;
  if (!ctx.server.primary.OnAck(ctx.client, static_cast<uint64_t>(offset))) return;
  for (int db = 0; db < ctx.server.store.databases(); ++db) {
    ctx.server.blocking.NoteKeyWritten(db, kReplicaAckKey);
  }
}

// REPLCONF rdb-filter-only: Redis's include filters, of which there is one, "functions"
// (what `redis-cli --functions-rdb` sends); an empty list leaves everything out. False when
// a filter is unknown (replied).
bool SetRdbFilter(CommandContext& ctx, std::string_view value) {
  std::vector<std::string> filters;
  if (!SplitConfigLine(value, &filters)) {  // unbalanced quotes, as Redis splits arguments
    ctx.reply.WriteError("ERR Missing rdb-filter-only values");
    return false;
  }
  // Everything is left out until a filter includes it; an unknown filter leaves it so, as
  // in Redis.
  ctx.client.repl_rdb_without_keys = true;
  ctx.client.repl_rdb_without_functions = true;
  for (const std::string& filter : filters) {
    if (!EqualsIgnoreCase(filter, "functions")) {
      ctx.reply.WriteError("ERR Unsupported rdb-filter-only option: " + filter);
      return false;
    }
    ctx.client.repl_rdb_without_functions = false;
  }
  return true;
}

void CmdReplconf(CommandContext& ctx) {
  if (ctx.args.size() % 2 == 0) {
    ctx.reply.WriteError(errors::kSyntax);
    return;
  }
  for (size_t i = 1; i < ctx.args.size(); i += 2) {
    std::string_view option = ctx.args[i], value = ctx.args[i + 1];
    if (EqualsIgnoreCase(option, "ack")) {
      OnReplicaAck(ctx, value);
      return;  // no reply on a replica link, as in Redis
    }
    if (EqualsIgnoreCase(option, "fack") || EqualsIgnoreCase(option, "getack")) return;
    if (EqualsIgnoreCase(option, "rdb-only")) {
      if (value != "0" && value != "1") {
        ctx.reply.WriteError(errors::kSyntax);
        return;
      }
      ctx.client.repl_rdb_only = value == "1";
    } else if (EqualsIgnoreCase(option, "rdb-filter-only")) {
      if (!SetRdbFilter(ctx, value)) return;
    } else if (EqualsIgnoreCase(option, "listening-port")) {
      int64_t port = 0;
      if (!ArgToInt64(ctx, value, &port)) return;
      ctx.client.repl_listening_port = static_cast<int>(port);
    } else if (EqualsIgnoreCase(option, "ip-address")) {
      ctx.client.repl_ip_address = std::string(value);
    } else if (EqualsIgnoreCase(option, "capa")) {
      if (EqualsIgnoreCase(value, "eof")) ctx.client.repl_capa_eof = true;
    } else {
      ctx.reply.WriteError("ERR Unrecognized REPLCONF option: " + std::string(option));
      return;
    }
  }
  ctx.reply.WriteOk();
}

// PSYNC replid offset: +CONTINUE when the backlog still holds what the replica misses.
bool TryPartialSync(CommandContext& ctx) {
  ReplPrimary& primary = ctx.server.primary;
  int64_t offset = 0;
  if (ctx.args[1] == "?" || !resp::ParseInt64(ctx.args[2], &offset) || offset < 1) return false;
  if (!primary.TryContinue(ctx.client, ctx.args[1], static_cast<uint64_t>(offset - 1))) {
    ++primary.sync_partial_err;
    return false;
  }
  ++primary.sync_partial_ok;
  ctx.reply.WriteRaw("+CONTINUE " + primary.replid() + "\r\n");
  return true;
}

// PSYNC replid offset FAILOVER, from a primary running FAILOVER (failover.h): this replica
// of it takes over when replid is the history it follows. False: the reply is written.
bool TakeOverIfAsked(CommandContext& ctx) {
  if (ctx.args.size() < 4 || !EqualsIgnoreCase(ctx.args[3], "failover")) return true;
  Log(LogLevel::kWarning, "Failover request received for replid %.*s.",
      static_cast<int>(ctx.args[1].size()), ctx.args[1].data());
  if (!ctx.server.replica.active.load()) {
    ctx.reply.WriteError(errors::kFailoverPsyncToPrimary);
    return false;
  }
  if (!EqualsIgnoreCase(ctx.args[1], CurrentReplid(ctx.server))) {
    ctx.reply.WriteError(errors::kFailoverPsyncReplid);
    return false;
  }
  StopReplicating(ctx.server, "failover request from '" + ctx.client.addr + "'");
  return true;
}

// The checks Redis 7.0 makes before a sync, in its order. False: refused, with a reply, or
// silently for a replica already attached (Redis ignores its second SYNC).
bool MaySync(CommandContext& ctx, bool psync) {
  if (ctx.client.replica.load()) return false;
  if (psync && !TakeOverIfAsked(ctx)) return false;
  if (ctx.server.failover.stage.load() != FailoverStage::kNone) {
    ctx.reply.WriteError(errors::kSyncWhileFailingOver);
    return false;
  }
  // A replica whose own link is down has no stream to pass on (a chained replica retries).
  if (ctx.server.replica.active.load() &&
      ctx.server.replica.link.load() != LinkState::kConnected) {
    ctx.reply.WriteError(errors::kSyncWithoutMasterLink);
    return false;
  }
  // The RDB and the stream start right after this reply: a reply to an earlier command still
  // queued would sit in front of them.
  if (ctx.client.output != nullptr && ctx.client.output->HasPendingOutput()) {
    ctx.reply.WriteError(errors::kSyncWithPendingOutput);
    return false;
  }
  bool filtered = ctx.client.repl_rdb_without_keys || ctx.client.repl_rdb_without_functions;
  if (filtered && !ctx.client.repl_capa_eof) {
    ctx.reply.WriteError(errors::kFilteredSyncWithoutEof);
    return false;
  }
  return true;
}

void SyncGeneric(CommandContext& ctx, bool psync) {
  // A second run: the RDB the first run started is built; the checks were made then.
  bool second_run = IsBlockedRetry(ctx) && ctx.block->background != nullptr;
  if (!second_run && !MaySync(ctx, psync)) return;
  if (ctx.client.repl_rdb_only) {
    SendRdbOnly(ctx, psync);
    return;
  }
  if (!second_run && psync && TryPartialSync(ctx)) return;
  FullSync(ctx, psync);
}

// WAIT numreplicas timeout: replies how many replicas acknowledged everything written so far,
// as soon as numreplicas have, or when the timeout (ms, 0 = none) ends. The retries (each
// REPLCONF ACK wakes them) carry the offset to reach as a fourth argument.
void CmdWait(CommandContext& ctx) {
  int64_t want = 0, timeout_ms = 0;
  if (!ArgToInt64(ctx, ctx.args[1], &want) || !ArgToInt64(ctx, ctx.args[2], &timeout_ms)) return;
  if (timeout_ms < 0) {
    ctx.reply.WriteError("ERR timeout is negative");
    return;
  }
  ReplPrimary& primary = ctx.server.primary;
  int64_t target = 0;
  bool retry = IsBlockedRetry(ctx) && ctx.args.size() == 4 &&
               resp::ParseInt64(ctx.args[3], &target);
  if (!retry) target = static_cast<int64_t>(primary.offset());
  int acked = primary.AckedCount(static_cast<uint64_t>(target));
  if (acked >= want || ctx.block == nullptr) {
    ctx.reply.WriteInteger(acked);
    return;
  }
  if (!retry) primary.RequestAcks();
  int64_t deadline_ms = timeout_ms == 0 ? 0 : ctx.server.store.NowMs() + timeout_ms;
  std::string_view key = kReplicaAckKey;
  BlockClient(ctx, std::span(&key, 1), deadline_ms, TimeoutReply::kReplicaAcks,
              {"WAIT", std::string(ctx.args[1]), std::string(ctx.args[2]),
               std::to_string(target)});
}

// ROLE of a primary: "master", its offset, and (ip, port, offset) of each replica.
void ReplyPrimaryRole(CommandContext& ctx) {
  std::vector<ReplPrimary::ReplicaRow> replicas = ctx.server.primary.Replicas();
  std::erase_if(replicas, [](const ReplPrimary::ReplicaRow& r) {
    return r.state != ReplicaPhase::kOnline;  // Redis lists the online ones
  });
  ctx.reply.WriteArrayLen(3);
  ctx.reply.WriteBulk("master");
  ctx.reply.WriteInteger(static_cast<int64_t>(ctx.server.primary.offset()));
  ctx.reply.WriteArrayLen(static_cast<int64_t>(replicas.size()));
  for (const ReplPrimary::ReplicaRow& r : replicas) {
    ctx.reply.WriteArrayLen(3);
    ctx.reply.WriteBulk(r.ip);
    ctx.reply.WriteBulk(std::to_string(r.port));
    ctx.reply.WriteBulk(std::to_string(r.offset));
  }
}

// REPLICAOF host port follows a primary (src/net/replica_link.h does the work); REPLICAOF
// NO ONE promotes this server, keeping its data (what Sentinel sends to the one it promotes).
void CmdReplicaOf(CommandContext& ctx) {
  if (ctx.server.cluster.enabled()) {
    ctx.reply.WriteError("ERR REPLICAOF not allowed in cluster mode.");
    return;
  }
  if (ctx.server.failover.stage.load() != FailoverStage::kNone) {
    ctx.reply.WriteError("ERR REPLICAOF not allowed while failing over.");
    return;
  }
  if (EqualsIgnoreCase(ctx.args[1], "no") && EqualsIgnoreCase(ctx.args[2], "one")) {
    StopReplicating(ctx.server);
    ctx.reply.WriteOk();
    return;
  }
  int64_t port = 0;
  std::string_view arg = ctx.args[2];
  auto [end, ec] = std::from_chars(arg.data(), arg.data() + arg.size(), port);
  if (ec != std::errc() || end != arg.data() + arg.size() || port < 0 || port > 65535) {
    ctx.reply.WriteError("ERR Invalid master port");
    return;
  }
  if (!StartReplicating(ctx.server, std::string(ctx.args[1]), static_cast<int>(port))) {
    ctx.reply.WriteSimple("OK Already connected to specified master");
    return;
  }
  ctx.reply.WriteOk();
}

// ROLE: a primary's form, or ["slave", host, port, link state, offset].
void CmdRole(CommandContext& ctx) {
  ReplicaState& r = ctx.server.replica;
  resp::Writer& w = ctx.reply;
  if (!r.active.load()) {
    ReplyPrimaryRole(ctx);
    return;
  }
  LinkState link = r.link.load();
  w.WriteArrayLen(5);
  w.WriteBulk("slave");
  {
    std::lock_guard lock(r.mu);
    w.WriteBulk(r.host);
    w.WriteInteger(r.port);
  }
  w.WriteBulk(LinkStateName(link));
  w.WriteInteger(link == LinkState::kConnected ? r.offset.load() : -1);
}

// FAILOVER [TO host port [FORCE]] [TIMEOUT ms] | FAILOVER ABORT (failover.h).
void CmdFailover(CommandContext& ctx) {
  if (ctx.server.cluster.enabled()) {
    ctx.reply.WriteError(
        "ERR FAILOVER not allowed in cluster mode. Use CLUSTER FAILOVER command instead.");
    return;
  }
  if (ctx.args.size() == 2 && EqualsIgnoreCase(ctx.args[1], "abort")) {
    if (ctx.server.failover.stage.load() == FailoverStage::kNone) {
      ctx.reply.WriteError("ERR No failover in progress.");
      return;
    }
    AbortFailover(ctx.server, "Failover manually aborted");
    ctx.reply.WriteOk();
    return;
  }
  int64_t timeout_ms = 0, port = 0;
  std::string host;
  bool force = false;
  for (size_t j = 1; j < ctx.args.size(); ++j) {
    bool more = j + 1 < ctx.args.size();
    if (EqualsIgnoreCase(ctx.args[j], "timeout") && more && timeout_ms == 0) {
      if (!ArgToInt64(ctx, ctx.args[++j], &timeout_ms)) return;
      if (timeout_ms <= 0) {
        ctx.reply.WriteError("ERR FAILOVER timeout must be greater than 0");
        return;
      }
    } else if (EqualsIgnoreCase(ctx.args[j], "to") && j + 2 < ctx.args.size() && host.empty()) {
      if (!ArgToInt64(ctx, ctx.args[j + 2], &port)) return;
      host = std::string(ctx.args[j + 1]);
      j += 2;
    } else if (EqualsIgnoreCase(ctx.args[j], "force") && !force) {
      force = true;
    } else {
      ctx.reply.WriteError(errors::kSyntax);
      return;
    }
  }
  // A port no replica can have matches none (Redis compares the whole number).
  int target_port = port >= 0 && port <= 65535 ? static_cast<int>(port) : -1;
  Status st = StartFailover(ctx.server, host, target_port, timeout_ms, force);
  if (!st.ok()) {
    ctx.reply.WriteError("ERR " + std::string(st.message()));
    return;
  }
  ctx.reply.WriteOk();
}

void CmdSync(CommandContext& ctx) { SyncGeneric(ctx, false); }
void CmdPsync(CommandContext& ctx) { SyncGeneric(ctx, true); }

}  // namespace

void RegisterReplicationCommands(CommandTable& table) {
  table.Add({
      {.name = "replconf", .arity = -1,
       .flags = kAdmin | kNoScript | kLoading | kStale | kAllowBusy, .handler = CmdReplconf,
       .group = "server", .since = "3.0.0",
       .summary = "An internal command for configuring the replication stream",
       .complexity = "O(1)"},
      {.name = "failover", .arity = -1, .flags = kAdmin | kNoScript | kStale,
       .handler = CmdFailover, .group = "server", .since = "6.2.0",
       .summary = "Start a coordinated failover between this server and one of its replicas.",
       .complexity = "O(1)",
       .syntax = "[TO host port [FORCE]] [ABORT] [TIMEOUT milliseconds]"},
      {.name = "replicaof", .arity = 3, .flags = kAdmin | kNoScript | kNoAsyncLoading | kStale,
       .handler = CmdReplicaOf, .group = "server", .since = "5.0.0",
       .summary = "Make the server a replica of another instance, or promote it as master.",
       .complexity = "O(1)", .syntax = "host port"},
      {.name = "slaveof", .arity = 3, .flags = kAdmin | kNoScript | kNoAsyncLoading | kStale,
       .handler = CmdReplicaOf, .group = "server", .since = "1.0.0",
       .summary = "Make the server a replica of another instance, or promote it as master.",
       .complexity = "O(1)", .syntax = "host port"},
      {.name = "role", .arity = 1, .flags = kNoScript | kLoading | kStale | kFast,
       .handler = CmdRole, .group = "server", .since = "2.8.12",
       .summary = "Return the role of the instance in the context of replication",
       .complexity = "O(1)"},
      {.name = "sync", .arity = 1, .flags = kAdmin | kNoScript | kNoAsyncLoading | kNoMulti,
       .handler = CmdSync,
       .group = "server", .since = "1.0.0",
       .summary = "Internal command used for replication"},
      {.name = "wait", .arity = 3, .flags = kNoScript, .handler = CmdWait,
       .group = "generic", .since = "3.0.0",
       .summary = "Wait for the synchronous replication of all the write commands sent in the "
                  "context of the current connection",
       .complexity = "O(1)", .syntax = "numreplicas timeout"},
      {.name = "psync", .arity = -3, .flags = kAdmin | kNoScript | kNoAsyncLoading | kNoMulti,
       .handler = CmdPsync,
       .group = "server", .since = "2.8.0",
       .summary = "Internal command used for replication",
       .syntax = "replicationid offset"},
  });
}

}  // namespace cairn::server
