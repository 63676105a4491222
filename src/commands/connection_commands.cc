// src/commands/connection_commands.cc — the connection family: PING, ECHO, QUIT, HELLO, AUTH,
// SELECT (CLIENT lives in client_command.cc).
//
// Authentication logs in an ACL user (src/exec/acl.h); AUTH <password> is AUTH default
// <password>, and requirepass is the default user's password. HELLO switches the
// protocol of the writer before it writes its own reply, so HELLO 3 is answered in RESP3.
// The client's protocol is written under the client registry's mutex because CLIENT LIST
// on other threads reads it.
#include <algorithm>
#include <climits>
#include <mutex>
#include <string>

#include "resp/number.h"
#include "src/commands/client_attrs.h"
#include "src/commands/server_family.h"
#include "src/exec/acl_check.h"
#include "src/exec/command_table.h"
#include "src/exec/errors.h"
#include "src/exec/pubsub.h"
#include "src/exec/transaction.h"
#include "src/exec/reply.h"
#include "src/exec/server_state.h"

namespace cairn::server {
namespace {

constexpr std::string_view kHelloNoAuth =
    "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO "
    "AUTH <user> <pass> option can be used to authenticate the client and select the RESP "
    "protocol version at the same time";
constexpr std::string_view kProtocolNotInteger =
    "ERR Protocol version is not an integer or out of range";
constexpr std::string_view kDefaultUser = "default";

void CmdPing(CommandContext& ctx) {
  if (ctx.args.size() > 2) {
    ReplyWrongArity(ctx.reply, ctx.spec->name);
    return;
  }
  // A RESP2 subscriber's replies look like messages: Redis answers its PING with a
  // ("pong", message) pair a client's message loop can recognise.
  if (IsSubscriber(ctx.client) && ctx.reply.protocol() < 3) {
    ctx.reply.WriteArrayLen(2);
    ctx.reply.WriteBulk("pong");
    ctx.reply.WriteBulk(ctx.args.size() == 2 ? ctx.args[1] : std::string_view());
    return;
  }
  if (ctx.args.size() == 2) {
    ctx.reply.WriteBulk(ctx.args[1]);
  } else {
    ctx.reply.WriteSimple("PONG");
  }
}

// RESET: the connection as freshly accepted — no transaction, watches or subscriptions,
// database 0, RESP2, no name, and authenticated only if the default user needs no password.
void CmdReset(CommandContext& ctx) {
  ctx.client.multi = ClientState::Multi{};
  UnwatchAll(ctx.server, ctx.client);
  ctx.server.pubsub.RemoveClient(ctx.client);
  ctx.server.monitors.Remove(&ctx.client);
  ctx.client.monitor = false;
  ctx.server.tracking.Disable(ctx.client);
  ctx.client.db.store(0, std::memory_order_relaxed);
  {
    std::lock_guard lock(ctx.server.clients.mu());
    ctx.client.protocol.store(2, std::memory_order_relaxed);
    ctx.client.name.clear();
  }
  ctx.reply.set_protocol(2);
  AclResetClient(ctx.server, ctx.client);
  ctx.reply.WriteSimple("RESET");
}

void CmdEcho(CommandContext& ctx) { ctx.reply.WriteBulk(ctx.args[1]); }

void CmdQuit(CommandContext& ctx) {
  ctx.reply.WriteOk();
  ctx.client.close_after_reply = true;
}

// Logs the client in (acl_check.h): the user must exist, be on, and take the password.
bool Authenticate(CommandContext& ctx, std::string_view user, std::string_view password) {
  return AclLogin(ctx.server, ctx.client, user, password);
}

bool NeedsAuth(const CommandContext& ctx) {
  return ctx.server.acl.AuthRequired() && !ctx.client.authenticated;
}

bool DefaultUserNoPass(ServerState& server) {
  std::shared_ptr<const AclUser> user = server.acl.Find(kDefaultUser);
  return user != nullptr && user->nopass();
}

void CmdAuth(CommandContext& ctx) {
  if (ctx.args.size() > 3) {
    ctx.reply.WriteError(errors::kSyntax);
    return;
  }
  std::string_view user = kDefaultUser;
  std::string_view password = ctx.args[1];
  if (ctx.args.size() == 2 && DefaultUserNoPass(ctx.server)) {
    ctx.reply.WriteError(errors::kAuthNotConfigured);
    return;
  }
  if (ctx.args.size() == 3) {
    user = ctx.args[1];
    password = ctx.args[2];
  }
  if (!Authenticate(ctx, user, password)) {
    ctx.reply.WriteError(errors::kWrongPass);
    return;
  }
  ctx.reply.WriteOk();
}

struct HelloOptions {
  int64_t protocol = 2;
  bool auth = false;
  std::string_view user, password;
  bool setname = false;
  std::string_view name;
};

// Parses HELLO's arguments; replies with the error and returns false when they are bad.
bool ParseHello(CommandContext& ctx, HelloOptions* opts) {
  opts->protocol = ctx.client.protocol;
  size_t next = 1;
  if (ctx.args.size() >= 2) {
    if (!resp::ParseInt64(ctx.args[1], &opts->protocol)) {
      ctx.reply.WriteError(kProtocolNotInteger);
      return false;
    }
    if (opts->protocol < 2 || opts->protocol > 3) {
      ctx.reply.WriteError(errors::kNoProto);
      return false;
    }
    next = 2;
  }
  for (size_t j = next; j < ctx.args.size(); ++j) {
    size_t more = ctx.args.size() - 1 - j;
    std::string_view opt = ctx.args[j];
    if (EqualsIgnoreCase(opt, "auth") && more >= 2) {
      opts->auth = true;
      opts->user = ctx.args[j + 1];
      opts->password = ctx.args[j + 2];
      j += 2;
    } else if (EqualsIgnoreCase(opt, "setname") && more >= 1) {
      opts->setname = true;
      opts->name = ctx.args[++j];
      if (!IsValidClientAttr(opts->name)) {
        ctx.reply.WriteError(errors::kClientNameSpaces);
        return false;
      }
    } else {
      ctx.reply.WriteError("ERR Syntax error in HELLO option '" + std::string(opt) + "'");
      return false;
    }
  }
  return true;
}

void WriteHelloReply(CommandContext& ctx) {
  resp::Writer& w = ctx.reply;
  w.WriteMapLen(8);
  w.WriteBulk("server");
  w.WriteBulk("redis");
  w.WriteBulk("version");
  w.WriteBulk(kRedisVersion);
  w.WriteBulk("proto");
  w.WriteInteger(ctx.client.protocol);
  w.WriteBulk("id");
  w.WriteInteger(static_cast<int64_t>(ctx.client.id));
  w.WriteBulk("mode");
  w.WriteBulk(ctx.server.cluster.enabled() ? "cluster" : "standalone");
  w.WriteBulk("role");
  w.WriteBulk(ctx.server.replica.active.load() ? "replica" : "master");
  w.WriteBulk("modules");
  w.WriteArrayLen(0);
  w.WriteBulk("cairn_version");
  w.WriteBulk(kCairnVersion);
}

void CmdHello(CommandContext& ctx) {
  HelloOptions opts;
  if (!ParseHello(ctx, &opts)) return;
  if (NeedsAuth(ctx) && !opts.auth) {
    ctx.reply.WriteError(kHelloNoAuth);
    return;
  }
  if (opts.auth && !Authenticate(ctx, opts.user, opts.password)) {
    ctx.reply.WriteError(errors::kWrongPass);
    return;
  }
  if (opts.setname) SetClientAttr(ctx.server.clients, ctx.client.name, opts.name);
  {
    std::lock_guard lock(ctx.server.clients.mu());
    ctx.client.protocol = static_cast<int>(opts.protocol);
  }
  ctx.reply.set_protocol(static_cast<int>(opts.protocol));
  WriteHelloReply(ctx);
}

void CmdSelect(CommandContext& ctx) {
  int64_t db = 0;
  // Redis reads the index as an int: anything else is "not an integer".
  if (!resp::ParseInt64(ctx.args[1], &db) || db < INT_MIN || db > INT_MAX) {
    ctx.reply.WriteError(errors::kNotInteger);
    return;
  }
  if (db != 0 && ctx.server.cluster.enabled()) {
    ctx.reply.WriteError("ERR SELECT is not allowed in cluster mode");
    return;
  }
  if (db < 0 || db >= ctx.server.store.databases()) {
    ctx.reply.WriteError(errors::kDbIndexRange);
    return;
  }
  ctx.client.db.store(static_cast<int>(db), std::memory_order_relaxed);
  ctx.reply.WriteOk();
}

}  // namespace

void RegisterConnectionCommands(CommandTable& table) {
  constexpr std::string_view kGroup = "connection";
  // What Redis lets run before authentication and while loading or busy.
  constexpr uint32_t kPreAuth = kNoScript | kLoading | kStale | kFast | kNoAuth | kAllowBusy;
  table.Add({
      {.name = "ping", .arity = -1, .flags = kFast | kSubscribedContext, .handler = CmdPing,
       .group = kGroup, .since = "1.0.0", .summary = "Ping the server", .complexity = "O(1)",
       .syntax = "[message]"},
      {.name = "echo", .arity = 2, .flags = kLoading | kStale | kFast, .handler = CmdEcho,
       .group = kGroup, .since = "1.0.0", .summary = "Echo the given string", .complexity = "O(1)",
       .syntax = "message"},
      {.name = "reset", .arity = 1, .flags = kPreAuth | kSubscribedContext, .handler = CmdReset,
       .group = kGroup, .since = "6.2.0", .summary = "Reset the connection", .complexity = "O(1)"},
      {.name = "quit", .arity = -1, .flags = kPreAuth | kSubscribedContext, .handler = CmdQuit,
       .group = kGroup, .since = "1.0.0", .summary = "Close the connection", .complexity = "O(1)"},
      {.name = "hello", .arity = -1, .flags = kPreAuth, .handler = CmdHello,
       .group = kGroup, .since = "6.0.0", .summary = "Handshake with Redis", .complexity = "O(1)",
       .syntax = "[protover [AUTH username password] [SETNAME clientname]]"},
      {.name = "auth", .arity = -2, .flags = kPreAuth, .handler = CmdAuth,
       .group = kGroup, .since = "1.0.0", .summary = "Authenticate to the server",
       .complexity = "O(N) where N is the number of passwords defined for the user",
       .syntax = "[username] password"},
      {.name = "select", .arity = 2, .flags = kLoading | kStale | kFast, .handler = CmdSelect,
       .group = kGroup, .since = "1.0.0",
       .summary = "Change the selected database for the current connection", .complexity = "O(1)",
       .syntax = "index"},
  });
  RegisterClientCommand(table);
}

}  // namespace cairn::server
