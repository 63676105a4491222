// src/commands/client_command.cc — CLIENT ID / GETNAME / SETNAME / SETINFO / INFO / LIST /
// KILL / REPLY / PAUSE / UNPAUSE / UNBLOCK / NO-EVICT / HELP (the tracking subcommands live
// in tracking_commands.cc).
//
// CLIENT LIST and INFO print one line per client in Redis 7.0's field order, with the
// subscription counts (sub, psub, ssub) and the P flag of subscribers, and multi= (commands
// queued in MULTI, -1 outside it). When a client has set a library name or version
// (CLIENT SETINFO, Redis 7.2), lib-name= and lib-ver= follow, as in 7.2.
//
// REPLY, PAUSE and UNBLOCK only record what was asked; the connection acts on it (see
// src/net/connection.cc: DropReply, PauseHolds, CheckKill).
//
// Other clients are read under the registry mutex (ClientRegistry::ForEach), which also
// keeps them alive while we look. CLIENT KILL of another client only asks: it sets
// kill_requested and calls the client's wake(), and the owner thread closes it. Killing the
// calling client marks it to close once this reply is written.
#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "resp/number.h"
#include "src/commands/client_attrs.h"
#include "src/commands/help_reply.h"
#include "src/commands/server_family.h"
#include "src/exec/command_table.h"
#include "src/exec/errors.h"
#include "src/exec/reply.h"
#include "src/exec/server_state.h"

namespace cairn::server {
namespace {

constexpr std::string_view kInvalidClientId = "ERR Invalid client ID";
constexpr std::string_view kClientIdRange = "ERR client-id should be greater than 0";

// Whole seconds since since_ms; 0 when the time was never recorded.
// The calling client shows the command now running, as in Redis; others their last one.
std::string LineFor(const CommandContext& ctx, const ClientState& c, int64_t now_ms) {
  bool self = &c == &ctx.client;
  const CommandSpec* cmd = self ? ctx.spec : c.last_command.load(std::memory_order_relaxed);
  // The calling client's own queue is on this thread; others' come from their last batch.
  int multi = self ? (c.multi.active ? static_cast<int>(c.multi.queued.size()) : -1)
                   : c.multi_queued.load(std::memory_order_relaxed);
  return ClientListLine(c, cmd, multi, now_ms);
}

void CmdClientId(CommandContext& ctx) {
  ctx.reply.WriteInteger(static_cast<int64_t>(ctx.client.id));
}

void CmdClientGetName(CommandContext& ctx) {
  std::string name;
  {
    std::lock_guard lock(ctx.server.clients.mu());
    name = ctx.client.name;
  }
  if (name.empty()) {
    ctx.reply.WriteNull();
  } else {
    ctx.reply.WriteBulk(name);
  }
}

void CmdClientSetName(CommandContext& ctx) {
  if (!IsValidClientAttr(ctx.args[2])) {
    ctx.reply.WriteError(errors::kClientNameSpaces);
    return;
  }
  SetClientAttr(ctx.server.clients, ctx.client.name, ctx.args[2]);
  ctx.reply.WriteOk();
}

void CmdClientSetInfo(CommandContext& ctx) {
  std::string_view attr = ctx.args[2];
  std::string* field = nullptr;
  if (EqualsIgnoreCase(attr, "lib-name")) {
    field = &ctx.client.lib_name;
  } else if (EqualsIgnoreCase(attr, "lib-ver")) {
    field = &ctx.client.lib_ver;
  } else {
    ctx.reply.WriteError("ERR Unrecognized option '" + std::string(attr) + "'");
    return;
  }
  if (!IsValidClientAttr(ctx.args[3])) {
    ctx.reply.WriteError("ERR " + std::string(attr) +
                         " cannot contain spaces, newlines or special characters.");
    return;
  }
  SetClientAttr(ctx.server.clients, *field, ctx.args[3]);
  ctx.reply.WriteOk();
}

void CmdClientInfo(CommandContext& ctx) {
  std::string line;
  {
    std::lock_guard lock(ctx.server.clients.mu());
    line = LineFor(ctx, ctx.client, WallMs());
  }
  ctx.reply.WriteVerbatim(line + "\n");
}

// The client classes of CLIENT LIST/KILL TYPE: a replica attached to this primary is
// "replica" (or "slave"), a replica's link to its own primary is "master"; else a client
// with any subscription is "pubsub", as in Redis.
enum class ClientType { kNormal, kPubSub, kReplica, kMaster };

std::optional<ClientType> ParseClientType(std::string_view type) {
  if (EqualsIgnoreCase(type, "normal")) return ClientType::kNormal;
  if (EqualsIgnoreCase(type, "pubsub")) return ClientType::kPubSub;
  if (EqualsIgnoreCase(type, "master")) return ClientType::kMaster;
  if (EqualsIgnoreCase(type, "replica") || EqualsIgnoreCase(type, "slave")) {
    return ClientType::kReplica;
  }
  return std::nullopt;
}

// Read from any thread: the counts are the shared mirror of the client's subscriptions.
bool IsOfType(const ClientState& c, ClientType type) {
  bool replica = c.replica.load(std::memory_order_relaxed);
  if (type == ClientType::kReplica || replica) return type == ClientType::kReplica && replica;
  bool pubsub = c.pubsub.channel_count.load(std::memory_order_relaxed) +
                    c.pubsub.pattern_count.load(std::memory_order_relaxed) +
                    c.pubsub.shard_count.load(std::memory_order_relaxed) >
                0;
  if (type == ClientType::kMaster || c.is_master) {
    return type == ClientType::kMaster && c.is_master;
  }
  return type == ClientType::kPubSub ? pubsub : type == ClientType::kNormal && !pubsub;
}

void ReplyUnknownType(resp::Writer& w, std::string_view type) {
  w.WriteError("ERR Unknown client type '" + std::string(type) + "'");
}

// CLIENT LIST ID id [id ...]: the given clients, in argument order.
void ListById(CommandContext& ctx) {
  std::vector<uint64_t> ids;
  for (size_t i = 3; i < ctx.args.size(); ++i) {
    int64_t id = 0;
    if (!resp::ParseInt64(ctx.args[i], &id)) {
      ctx.reply.WriteError(kInvalidClientId);
      return;
    }
    ids.push_back(static_cast<uint64_t>(id));
  }
  std::map<uint64_t, std::string> lines;
  int64_t now_ms = WallMs();
  ctx.server.clients.ForEach([&](ClientState& c) {
    if (std::find(ids.begin(), ids.end(), c.id) != ids.end()) lines[c.id] = LineFor(ctx, c, now_ms);
  });
  std::string out;
  for (uint64_t id : ids) {
    auto it = lines.find(id);
    if (it != lines.end()) out += it->second + "\n";
  }
  ctx.reply.WriteVerbatim(out);
}

void CmdClientList(CommandContext& ctx) {
  std::optional<ClientType> type;
  if (ctx.args.size() == 4 && EqualsIgnoreCase(ctx.args[2], "type")) {
    type = ParseClientType(ctx.args[3]);
    if (!type) {
      ReplyUnknownType(ctx.reply, ctx.args[3]);
      return;
    }
  } else if (ctx.args.size() > 3 && EqualsIgnoreCase(ctx.args[2], "id")) {
    ListById(ctx);
    return;
  } else if (ctx.args.size() != 2) {
    ctx.reply.WriteError(errors::kSyntax);
    return;
  }
  std::string out;
  int64_t now_ms = WallMs();
  ctx.server.clients.ForEach([&](ClientState& c) {
    // A client being killed is on its way out: Redis would already have freed it.
    if (c.kill_requested.load()) return;
    if (!type || IsOfType(c, *type)) out += LineFor(ctx, c, now_ms) + "\n";
  });
  ctx.reply.WriteVerbatim(out);
}

// Which clients CLIENT KILL closes. Every set filter must match.
struct KillFilter {
  std::optional<uint64_t> id;
  std::optional<std::string_view> addr, laddr, user;
  std::optional<ClientType> type;
  bool skipme = true;
};

// Parses the "<option> <value> ..." form; replies with the error and returns false.
bool ParseKillFilter(CommandContext& ctx, KillFilter* f) {
  for (size_t i = 2; i < ctx.args.size(); i += 2) {
    std::string_view opt = ctx.args[i];
    if (i + 1 >= ctx.args.size()) {
      ctx.reply.WriteError(errors::kSyntax);
      return false;
    }
    std::string_view value = ctx.args[i + 1];
    if (EqualsIgnoreCase(opt, "id")) {
      int64_t id = 0;
      if (!resp::ParseInt64(value, &id) || id < 1) {
        ctx.reply.WriteError(kClientIdRange);
        return false;
      }
      f->id = static_cast<uint64_t>(id);
    } else if (EqualsIgnoreCase(opt, "type")) {
      f->type = ParseClientType(value);
      if (!f->type) {
        ReplyUnknownType(ctx.reply, value);
        return false;
      }
    } else if (EqualsIgnoreCase(opt, "addr")) {
      f->addr = value;
    } else if (EqualsIgnoreCase(opt, "laddr")) {
      f->laddr = value;
    } else if (EqualsIgnoreCase(opt, "user")) {
      if (ctx.server.acl.Find(value) == nullptr) {
        ctx.reply.WriteError("ERR No such user '" + std::string(value) + "'");
        return false;
      }
      f->user = value;
    } else if (EqualsIgnoreCase(opt, "skipme") &&
               (EqualsIgnoreCase(value, "yes") || EqualsIgnoreCase(value, "no"))) {
      f->skipme = EqualsIgnoreCase(value, "yes");
    } else {
      ctx.reply.WriteError(errors::kSyntax);
      return false;
    }
  }
  return true;
}

bool KillMatches(const KillFilter& f, const ClientState& c) {
  if (f.type && !IsOfType(c, *f.type)) return false;
  if (f.addr && c.addr != *f.addr) return false;
  if (f.laddr && c.laddr != *f.laddr) return false;
  if (f.user && c.user_name != *f.user) return false;
  return !f.id || c.id == *f.id;
}

// Kills the matching clients; returns how many.
int64_t KillClients(CommandContext& ctx, const KillFilter& f) {
  int64_t killed = 0;
  bool kill_self = false;
  ctx.server.clients.ForEach([&](ClientState& c) {
    bool self = &c == &ctx.client;
    if (!KillMatches(f, c) || (self && f.skipme)) return;
    if (self) {
      kill_self = true;
    } else if (c.kill_requested.exchange(true)) {
      return;  // already on its way out: Redis would not see it any more
    } else if (c.wake) {
      c.wake();
    }
    ++killed;
  });
  // Set after the loop: the reply must still be written before this connection closes.
  if (kill_self) ctx.client.close_after_reply = true;
  return killed;
}

void CmdClientKill(CommandContext& ctx) {
  KillFilter filter;
  bool old_form = ctx.args.size() == 3;  // CLIENT KILL ip:port
  if (old_form) {
    filter.addr = ctx.args[2];
    filter.skipme = false;
  } else if (!ParseKillFilter(ctx, &filter)) {
    return;
  }
  int64_t killed = KillClients(ctx, filter);
  if (!old_form) {
    ctx.reply.WriteInteger(killed);
  } else if (killed == 0) {
    ctx.reply.WriteError(errors::kNoSuchClient);
  } else {
    ctx.reply.WriteOk();
  }
}

void CmdClientReply(CommandContext& ctx) {
  using Mode = ClientState::ReplyMode;
  std::string_view arg = ctx.args[2];
  if (EqualsIgnoreCase(arg, "on")) {
    ctx.client.reply_mode = Mode::kOn;
    ctx.reply.WriteOk();
  } else if (EqualsIgnoreCase(arg, "off")) {
    ctx.client.reply_mode = Mode::kOff;
  } else if (EqualsIgnoreCase(arg, "skip")) {
    if (ctx.client.reply_mode != Mode::kOff) ctx.client.reply_mode = Mode::kSkipNext;
  } else {
    ctx.reply.WriteError(errors::kSyntax);
  }
}

void CmdClientNoEvict(CommandContext& ctx) {
  std::string_view arg = ctx.args[2];
  if (!EqualsIgnoreCase(arg, "on") && !EqualsIgnoreCase(arg, "off")) {
    ctx.reply.WriteError(errors::kSyntax);
    return;
  }
  ctx.client.no_evict.store(EqualsIgnoreCase(arg, "on"), std::memory_order_relaxed);
  ctx.reply.WriteOk();
}

// CLIENT UNBLOCK id [TIMEOUT|ERROR]: 1 if the client was blocked and is now asked to stop
// waiting (its own thread answers it), else 0.
void CmdClientUnblock(CommandContext& ctx) {
  int64_t id = 0;
  if (!resp::ParseInt64(ctx.args[2], &id)) {
    ctx.reply.WriteError(errors::kNotInteger);
    return;
  }
  uint8_t how = kUnblockTimeout;
  if (ctx.args.size() == 4) {
    if (EqualsIgnoreCase(ctx.args[3], "error")) {
      how = kUnblockError;
    } else if (!EqualsIgnoreCase(ctx.args[3], "timeout")) {
      ctx.reply.WriteError("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
      return;
    }
  } else if (ctx.args.size() > 4) {
    ctx.reply.WriteError(errors::kSyntax);
    return;
  }
  bool unblocked = false;
  ctx.server.clients.ForEach([&](ClientState& c) {
    if (static_cast<int64_t>(c.id) != id || !c.blocked.load()) return;
    uint8_t none = 0;
    if (!c.unblock_request.compare_exchange_strong(none, how)) return;
    if (c.wake) c.wake();
    unblocked = true;
  });
  ctx.reply.WriteInteger(unblocked ? 1 : 0);
}

// CLIENT PAUSE timeout [WRITE|ALL]: an overlapping pause keeps the later end and the
// stricter kind, as in Redis.
void CmdClientPause(CommandContext& ctx) {
  using Kind = ServerState::PauseKind;
  Kind kind = Kind::kAll;
  if (ctx.args.size() == 4) {
    if (EqualsIgnoreCase(ctx.args[3], "write")) {
      kind = Kind::kWrite;
    } else if (!EqualsIgnoreCase(ctx.args[3], "all")) {
      ctx.reply.WriteError("ERR CLIENT PAUSE mode must be WRITE or ALL");
      return;
    }
  } else if (ctx.args.size() > 4) {
    ctx.reply.WriteError(errors::kSyntax);
    return;
  }
  int64_t timeout_ms = 0;
  if (!resp::ParseInt64(ctx.args[2], &timeout_ms)) {
    ctx.reply.WriteError("ERR timeout is not an integer or out of range");
    return;
  }
  if (timeout_ms < 0) {
    ctx.reply.WriteError("ERR timeout is negative");
    return;
  }
  int64_t now = WallMs();
  int64_t end = timeout_ms > INT64_MAX - now ? INT64_MAX : now + timeout_ms;
  bool active = ctx.server.pause_end_ms.load() > now;
  if (!active || kind > ctx.server.pause_kind.load()) ctx.server.pause_kind.store(kind);
  if (!active || end > ctx.server.pause_end_ms.load()) ctx.server.pause_end_ms.store(end);
  // A replica's expiry is paused for good (its primary's DELs expire keys): leave it be.
  if (!ctx.server.replica.active.load()) {
    int64_t store_now = ctx.server.store.NowMs();
    int64_t left_ms = ctx.server.pause_end_ms.load() - now;
    ctx.server.store.PauseExpiry(left_ms > INT64_MAX - store_now ? INT64_MAX : store_now + left_ms);
  }
  ctx.reply.WriteOk();
}

void CmdClientUnpause(CommandContext& ctx) {
  // A FAILOVER's pause (failover.h) outlives CLIENT UNPAUSE, as in Redis.
  if (ctx.server.failover.stage.load() != FailoverStage::kNone) {
    ctx.reply.WriteOk();
    return;
  }
  ctx.server.pause_end_ms.store(0);
  ctx.server.pause_kind.store(ServerState::PauseKind::kNone);
  if (!ctx.server.replica.active.load()) ctx.server.store.PauseExpiry(0);
  if (ctx.server.on_unpause) ctx.server.on_unpause();
  ctx.reply.WriteOk();
}

void CmdClientHelp(CommandContext& ctx) {
  ReplyHelp(ctx.reply, "CLIENT",
            {"ID", "    Return the ID of the current connection.", "GETNAME",
             "    Return the name of the current connection.", "SETNAME <name>",
             "    Set the name of the current connection.", "SETINFO <LIB-NAME|LIB-VER> <value>",
             "    Set the client library name or version shown by CLIENT LIST.", "INFO",
             "    Return information about the current connection.",
             "LIST [TYPE (NORMAL|MASTER|REPLICA|PUBSUB)] [ID <id> [<id> ...]]",
             "    Return information about client connections.", "KILL <ip:port>",
             "    Kill the connection made from <ip:port>.",
             "KILL <option> <value> [<option> <value> [...]]",
             "    Kill connections. Options: ID <client-id>, ADDR <ip:port>, LADDR <ip:port>,",
             "    TYPE (NORMAL|MASTER|REPLICA|PUBSUB), USER <username>, SKIPME (YES|NO)",
             "    (default: yes, the current connection is spared)."});
}

}  // namespace

void RegisterClientCommand(CommandTable& table) {
  constexpr std::string_view kGroup = "connection";
  constexpr uint32_t kFlags = kNoScript | kLoading | kStale;
  constexpr std::string_view kPerClient = "O(N) where N is the number of client connections";
  table.Add({
      {.name = "client", .arity = -2,
       .group = kGroup, .since = "2.4.0", .summary = "A container for client connection commands",
       .complexity = "Depends on subcommand.",
       .subcommands = {
           {.name = "client|getname", .arity = 2, .flags = kFlags, .handler = CmdClientGetName,
            .group = kGroup, .since = "2.6.9", .summary = "Get the current connection name",
            .complexity = "O(1)"},
           {.name = "client|help", .arity = 2, .flags = kLoading | kStale, .handler = CmdClientHelp,
            .group = kGroup, .since = "5.0.0",
            .summary = "Show helpful text about the different subcommands", .complexity = "O(1)"},
           {.name = "client|id", .arity = 2, .flags = kFlags, .handler = CmdClientId,
            .group = kGroup, .since = "5.0.0",
            .summary = "Returns the client ID for the current connection", .complexity = "O(1)"},
           {.name = "client|info", .arity = 2, .flags = kFlags, .handler = CmdClientInfo,
            .group = kGroup, .since = "6.2.0",
            .summary = "Returns information about the current client connection.",
            .complexity = "O(1)"},
           {.name = "client|kill", .arity = -3, .flags = kAdmin | kFlags, .handler = CmdClientKill,
            .group = kGroup, .since = "2.4.0", .summary = "Kill the connection of a client",
            .complexity = kPerClient,
            .syntax = "<ip:port | [ID client-id] [TYPE <NORMAL | MASTER | SLAVE | REPLICA | "
                      "PUBSUB>] [USER username] [ADDR ip:port] [LADDR ip:port] [SKIPME <YES | "
                      "NO>]>"},
           {.name = "client|list", .arity = -2, .flags = kAdmin | kFlags, .handler = CmdClientList,
            .group = kGroup, .since = "2.4.0", .summary = "Get the list of client connections",
            .complexity = kPerClient,
            .syntax = "[TYPE <NORMAL | MASTER | REPLICA | PUBSUB>] [ID client-id [client-id ...]]"},
           {.name = "client|no-evict", .arity = 3, .flags = kAdmin | kFlags,
            .handler = CmdClientNoEvict, .group = kGroup, .since = "7.0.0",
            .summary = "Set client eviction mode for the current connection",
            .complexity = "O(1)", .syntax = "<ON | OFF>"},
           {.name = "client|pause", .arity = -3, .flags = kAdmin | kFlags, .handler = CmdClientPause,
            .group = kGroup, .since = "2.9.50",
            .summary = "Stop processing commands from clients for some time",
            .complexity = "O(1)", .syntax = "timeout [WRITE | ALL]"},
           {.name = "client|reply", .arity = 3, .flags = kFlags, .handler = CmdClientReply,
            .group = kGroup, .since = "3.2.0",
            .summary = "Instruct the server whether to reply to commands", .complexity = "O(1)",
            .syntax = "<ON | OFF | SKIP>"},
           {.name = "client|setinfo", .arity = 4, .flags = kFlags, .handler = CmdClientSetInfo,
            .group = kGroup, .since = "7.2.0", .summary = "Set client or connection specific info",
            .complexity = "O(1)", .syntax = "<LIB-NAME libname | LIB-VER libver>"},
           {.name = "client|setname", .arity = 3, .flags = kFlags, .handler = CmdClientSetName,
            .group = kGroup, .since = "2.6.9", .summary = "Set the current connection name",
            .complexity = "O(1)", .syntax = "connection-name"},
           {.name = "client|unblock", .arity = -3, .flags = kAdmin | kFlags,
            .handler = CmdClientUnblock, .group = kGroup, .since = "5.0.0",
            .summary = "Unblock a client blocked in a blocking command from a different "
                       "connection",
            .complexity = "O(log N) where N is the number of client connections",
            .syntax = "client-id [TIMEOUT | ERROR]"},
           {.name = "client|unpause", .arity = 2, .flags = kAdmin | kFlags,
            .handler = CmdClientUnpause, .group = kGroup, .since = "6.2.0",
            .summary = "Resume processing of clients that were paused", .complexity = "O(N) Where N is the number of paused clients"},
       }},
  });
  table.AppendSubcommands("client", ClientTrackingSubcommands());
}

}  // namespace cairn::server
