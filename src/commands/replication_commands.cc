// src/commands/replication_commands.cc — the replication handshake as far as cairn serves it
// today: REPLICAOF/SLAVEOF NO ONE (cairn is always a primary), REPLCONF, and SYNC/PSYNC for a client that asked for the RDB only (`REPLCONF rdb-only
// 1`, what `redis-cli --rdb FILE` sends). Such a client gets the keyspace as Redis's RDB, in
// the framing a primary uses for a full sync (`+FULLRESYNC <replid> <offset>` for PSYNC, then
// `$<length>` and the file's bytes, with no trailing CRLF), and the connection closes. A
// replica that wants the command stream after the file is refused with an error that says so,
// rather than given a copy that would silently fall behind.
//
// The file is built in memory on the calling I/O thread from the same fork-free capture as
// snapshots (store/rdb/rdb_keyspace.h); its reply, like any read's, leaves only once the log
// is durable through the capture's cut.
#include <charconv>
#include <string>

#include "src/exec/command_table.h"
#include "src/exec/errors.h"
#include "src/exec/rdb_files.h"
#include "src/exec/reply.h"
#include "src/exec/server_state.h"
#include "store/rdb/rdb_keyspace.h"

namespace cairn::server {
namespace {

constexpr std::string_view kStreamNotServed =
    "ERR cairn does not stream replication yet: only an RDB-only sync is served "
    "(REPLCONF rdb-only 1, as redis-cli --rdb sends)";

void CmdReplconf(CommandContext& ctx) {
  if (ctx.args.size() % 2 == 0) {
    ctx.reply.WriteError(errors::kSyntax);
    return;
  }
  for (size_t i = 1; i < ctx.args.size(); i += 2) {
    std::string_view option = ctx.args[i], value = ctx.args[i + 1];
    if (EqualsIgnoreCase(option, "ack") || EqualsIgnoreCase(option, "fack") ||
        EqualsIgnoreCase(option, "getack")) {
      return;  // offsets of a replica link: no reply, as in Redis
    }
    if (EqualsIgnoreCase(option, "rdb-only")) {
      if (value != "0" && value != "1") {
        ctx.reply.WriteError(errors::kSyntax);
        return;
      }
      ctx.client.repl_rdb_only = value == "1";
    } else if (EqualsIgnoreCase(option, "listening-port")) {
      int64_t port = 0;
      if (!ArgToInt64(ctx, value, &port)) return;
    } else if (!EqualsIgnoreCase(option, "ip-address") && !EqualsIgnoreCase(option, "capa")) {
      ctx.reply.WriteError("ERR Unrecognized REPLCONF option: " + std::string(option));
      return;
    }
  }
  ctx.reply.WriteOk();
}

// The keyspace as an RDB file; false (having replied) when no capture could be taken.
bool BuildRdb(CommandContext& ctx, std::string* rdb) {
  rdb::RdbSaveOptions options;
  options.aux = RdbAuxFields();
  options.aux.emplace_back("repl-stream-db", "0");
  options.aux.emplace_back("repl-id", ctx.server.run_id);
  options.aux.emplace_back("repl-offset", "0");
  options.function_meta_prefix = std::string(kFunctionMetaPrefix);
  Result<rdb::RdbSaveInfo> saved = RetryWhileBusy<rdb::RdbSaveInfo>([&] {
    rdb->clear();
    return rdb::SaveRdb(ctx.server.store, options, [&](std::string_view bytes) {
      rdb->append(bytes);
      return Status::Ok();
    });
  });
  if (!saved.ok()) {
    ctx.reply.WriteError("ERR " + std::string(saved.status().message()));
    return false;
  }
  store::Store::ObserveLsn(saved->lsn);  // the reply waits for the cut to be durable
  return true;
}

void SyncGeneric(CommandContext& ctx, bool psync) {
  if (!ctx.client.repl_rdb_only) {
    ctx.reply.WriteError(kStreamNotServed);
    return;
  }
  std::string rdb;
  if (!BuildRdb(ctx, &rdb)) return;
  if (psync) ctx.reply.WriteRaw("+FULLRESYNC " + ctx.server.run_id + " 0\r\n");
  ctx.reply.WriteRaw("$" + std::to_string(rdb.size()) + "\r\n");
  ctx.reply.WriteRaw(rdb);
  ctx.client.close_after_reply = true;  // an RDB-only client is done
}

// REPLICAOF host port follows a primary (src/net/replica_link.h does the work); REPLICAOF
// NO ONE promotes this server, keeping its data (what Sentinel sends to the one it promotes).
void CmdReplicaOf(CommandContext& ctx) {
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

// ROLE: ["master", offset, []] or ["slave", host, port, link state, offset].
void CmdRole(CommandContext& ctx) {
  ReplicaState& r = ctx.server.replica;
  resp::Writer& w = ctx.reply;
  if (!r.active.load()) {
    w.WriteArrayLen(3);
    w.WriteBulk("master");
    w.WriteInteger(r.offset.load());
    w.WriteArrayLen(0);
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
      {.name = "replicaof", .arity = 3, .flags = kAdmin | kNoScript | kStale,
       .handler = CmdReplicaOf, .group = "server", .since = "5.0.0",
       .summary = "Make the server a replica of another instance, or promote it as master.",
       .complexity = "O(1)", .syntax = "host port"},
      {.name = "slaveof", .arity = 3, .flags = kAdmin | kNoScript | kStale,
       .handler = CmdReplicaOf, .group = "server", .since = "1.0.0",
       .summary = "Make the server a replica of another instance, or promote it as master.",
       .complexity = "O(1)", .syntax = "host port"},
      {.name = "role", .arity = 1, .flags = kNoScript | kLoading | kStale | kFast,
       .handler = CmdRole, .group = "server", .since = "2.8.12",
       .summary = "Return the role of the instance in the context of replication",
       .complexity = "O(1)"},
      {.name = "sync", .arity = 1, .flags = kAdmin | kNoScript | kNoMulti, .handler = CmdSync,
       .group = "server", .since = "1.0.0",
       .summary = "Internal command used for replication"},
      {.name = "psync", .arity = -3, .flags = kAdmin | kNoScript | kNoMulti, .handler = CmdPsync,
       .group = "server", .since = "2.8.0",
       .summary = "Internal command used for replication",
       .syntax = "replicationid offset"},
  });
}

}  // namespace cairn::server
