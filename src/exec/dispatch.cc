// src/exec/dispatch.cc — see dispatch.h.
#include "src/exec/dispatch.h"

#include "src/base/tick_clock.h"
#include "src/exec/acl_check.h"
#include "src/exec/cluster_routing.h"
#include "src/exec/errors.h"
#include "src/exec/eviction.h"
#include "src/exec/pubsub.h"
#include "src/exec/reply.h"
#include "src/exec/server_state.h"
#include "src/exec/transaction.h"
#include "store/entry.h"

namespace cairn::server {
namespace {

void ReplyUnknownCommand(resp::Writer& w, std::span<const std::string_view> args) {
  // Like Redis: the quoted arguments together are cut to about 128 characters.
  std::string quoted;
  for (size_t i = 1; i < args.size() && quoted.size() < 128; ++i) {
    quoted += "'" + std::string(args[i].substr(0, 128 - quoted.size())) + "' ";
  }
  w.WriteError("ERR unknown command '" + std::string(args[0].substr(0, 128)) +
               "', with args beginning with: " + quoted);
}

void ReplyUnknownSubcommand(resp::Writer& w, const CommandSpec& parent, std::string_view sub) {
  std::string upper(parent.name);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  w.WriteError("ERR unknown subcommand '" + std::string(sub.substr(0, 128)) + "'. Try " +
               upper + " HELP.");
}

// Whether a key argument is longer than an entry can hold. Only a proto-max-bulk-len of 2 GB
// or more lets such a key arrive, so the usual cost is one load.
bool HasOverlongKey(ServerState& server, const CommandSpec& spec,
                    std::span<const std::string_view> args) {
  if (server.limits.proto_max_bulk_len.load(std::memory_order_relaxed) <=
      static_cast<int64_t>(store::Entry::kMaxKeyLen)) {
    return false;
  }
  bool overlong = false;
  spec.ForEachKey(args, [&](std::string_view key) {
    overlong = overlong || key.size() > store::Entry::kMaxKeyLen;
  });
  return overlong;
}

// Resolves args to the command or subcommand to run; replies with the error and returns
// nullptr when there is none (a call with the wrong arity counts as rejected).
const CommandSpec* Resolve(ServerState& server, ThreadStats& stats, resp::Writer& w,
                           std::span<const std::string_view> args) {
  const CommandSpec* spec = server.commands.Find(args[0]);
  if (spec == nullptr) {
    ReplyUnknownCommand(w, args);
    return nullptr;
  }
  if (!spec->subcommands.empty() && args.size() >= 2) {
    const CommandSpec* sub = CommandTable::FindSub(*spec, args[1]);
    if (sub == nullptr) {
      ReplyUnknownSubcommand(w, *spec, args[1]);
      return nullptr;
    }
    spec = sub;
  }
  if (!spec->ArityAccepts(args.size())) {
    ReplyWrongArity(w, spec->name);
    stats.per_command[spec->id].rejected_calls.Add();
    return nullptr;
  }
  if (HasOverlongKey(server, *spec, args)) [[unlikely]] {
    w.WriteError(errors::kKeyTooLong);
    stats.per_command[spec->id].rejected_calls.Add();
    return nullptr;
  }
  return spec;
}

// Replies error to a command the server will not run now. An EXEC refused so ends its
// transaction, as Redis does: the queued commands are dropped, the watches released, and the
// reply says why ("EXECABORT Transaction discarded because of: BUSY ..."), so the client
// leaves MULTI knowing none of it ran. Any other command gets the error itself.
void RejectCommand(ServerState& server, ClientState& client, const CommandSpec& spec,
                   resp::Writer& w, std::string_view error) {
  if (spec.name != "exec" || !client.multi.active) {
    w.WriteError(error);
    return;
  }
  client.multi = ClientState::Multi{};
  UnwatchAll(server, client);
  w.WriteError(std::string(errors::kExecAbortBecause) + std::string(error));
}

// Redis's notion of a local client: loopback TCP or a unix socket. In-process clients (no
// socket) count as local.
bool IsLocalClient(const ClientState& client) {
  if (client.fd < 0 || client.addr.starts_with("/")) return true;
  std::string_view ip = std::string_view(client.addr).substr(0, client.addr.rfind(':'));
  return ip == "127.0.0.1" || ip == "::1" || ip == "[::1]";
}

// enable-debug-command and enable-module-command: "yes", "no" (Redis's default) or "local"
// (only from local clients).
bool ProtectedAllowed(const ServerState& server, const ClientState& client,
                      std::string_view option_name) {
  auto option = server.config.Get(option_name);
  if (option.empty() || option[0].second == "yes") return true;
  return option[0].second == "local" && IsLocalClient(client);
}

// A kProtected command's gate: DEBUG's option, or MODULE's.
bool ProtectedRefused(ServerState& server, ClientState& client, const CommandSpec& spec,
                      resp::Writer& w) {
  bool debug = spec.name == "debug";
  if (ProtectedAllowed(server, client, debug ? "enable-debug-command" : "enable-module-command")) {
    return false;
  }
  w.WriteError(debug ? errors::kDebugNotAllowed : errors::kModuleNotAllowed);
  return true;
}

// A replica refuses writes (replica-read-only) and, while its link is down with
// replica-serve-stale-data no, everything but the commands flagged stale.
bool RefusedOnReplica(ServerState& server, ClientState& client, const CommandSpec& spec,
                      resp::Writer& w) {
  const ReplicaState& r = server.replica;
  if ((spec.flags & kWrite) && r.read_only.load(std::memory_order_relaxed)) {
    RejectCommand(server, client, spec, w, errors::kReadOnlyReplica);
    return true;
  }
  if (!(spec.flags & kStale) && !r.serve_stale.load(std::memory_order_relaxed) &&
      r.link.load(std::memory_order_relaxed) != LinkState::kConnected) {
    RejectCommand(server, client, spec, w, errors::kMasterDown);
    return true;
  }
  return false;
}

// Replies why the server will not run spec for client now and returns true. In Redis's
// order: DEBUG, MODULE LOAD/LOADEX/UNLOAD when their enable-*-command option does not allow
// them (even in MULTI, even before AUTH); then a client that has not authenticated learns
// nothing else (not the disk's error, not that the server is loading); then the ACL check
// (skipped with one compare while the client's user allows everything); then, in cluster
// mode, where the command's keys hash (cluster_routing.h); then MISCONF (the
// log cannot take writes now: acknowledging one would be a lie; reads go on), then a RESP2
// subscriber's command outside the few that subscribed mode allows (its replies would be
// mistaken for messages), then LOADING.
bool Refused(ServerState& server, ClientState& client, const CommandSpec& spec,
             std::span<const std::string_view> args, resp::Writer& w) {
  if (client.is_master) [[unlikely]] return false;  // the primary's stream always applies
  if ((spec.flags & kProtected) && ProtectedRefused(server, client, spec, w)) [[unlikely]] {
    return true;
  }
  if (!client.authenticated && !(spec.flags & kNoAuth) && server.acl.AuthRequired()) {
    w.WriteError(errors::kNoAuth);
    return true;
  }
  if (!AclCheckSkippable(client, server.acl.version())) [[unlikely]] {
    if (AclRefuses(server, client, spec, args, w)) return true;
  }
  if (server.cluster.enabled() && !client.script) [[unlikely]] {
    if (ClusterRefuses(server, client, spec, args, w)) return true;
  }
  if ((spec.flags & kWrite) && server.WalFailed()) {
    std::lock_guard lock(server.wal_error_mu);
    RejectCommand(server, client, spec, w, std::string(errors::kMisconfWal) + server.wal_error);
    return true;
  }
  if ((spec.flags & kWrite) && server.primary.RefusesWrites()) [[unlikely]] {
    RejectCommand(server, client, spec, w, errors::kNoReplicas);
    return true;
  }
  if (server.replica.active.load(std::memory_order_relaxed)) [[unlikely]] {
    if (RefusedOnReplica(server, client, spec, w)) return true;
  }
  if (!(spec.flags & kSubscribedContext) && IsSubscriber(client) &&
      client.protocol.load(std::memory_order_relaxed) < 3) {
    w.WriteError("ERR Can't execute '" + std::string(spec.name) +
                 "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed "
                 "in this context");
    return true;
  }
  if (!(spec.flags & kLoading) && server.loading.load(std::memory_order_relaxed)) {
    RejectCommand(server, client, spec, w, errors::kLoading);
    return true;
  }
  // While a script is busy, only allow-busy commands run; on the script's own thread (served
  // from inside it) not even those that name keys: the keyspace is the script's.
  bool keyed = spec.first_key > 0 || (spec.flags & kMovableKeys);
  if (server.running_scripts.busy() && !client.script &&
      (!(spec.flags & kAllowBusy) || (keyed && ServingWhileBusy()))) [[unlikely]] {
    RejectCommand(server, client, spec, w,
                  server.running_scripts.busy_eval() ? errors::kBusyScript
                                                     : errors::kBusyFunction);
    return true;
  }
  return false;
}

void FeedMonitors(ServerState& server, const ClientState& client, int db,
                  std::span<const std::string_view> args) {
  server.monitors.Feed(
      client, db, args,
      static_cast<size_t>(server.limits.output_pubsub.hard_bytes.load(std::memory_order_relaxed)),
      store::Store::PeekObservedLsn());
}

// The slow path of NoteCommandDuration: only commands past one of the thresholds get here.
[[gnu::noinline]] void NoteSlowCommand(ServerState& server, ClientState& client,
                                       const CommandSpec& spec,
                                       std::span<const std::string_view> args, int64_t usec,
                                       bool logged) {
  server.latency.AddSampleIfNeeded((spec.flags & kFast) ? "fast-command" : "command",
                                   usec / 1000);
  // EXEC is not logged itself (skip_slowlog): the commands it ran are, one by one.
  if (!logged || !server.slowlog.Slow(usec) || (spec.flags & kSkipSlowlog)) return;
  std::string name;
  {
    std::lock_guard lock(server.clients.mu());
    name = client.name;
  }
  server.slowlog.Add(args, usec, client.addr, std::move(name));
}

void InvalidateEvicted(ServerState& server, ClientState& client, resp::Writer& writer) {
  server.tracking.Invalidate(server, store::Store::PeekObservedLsn());
  if (client.tracking != 0) store::Store::ObserveLsn(DeliverMailbox(client, writer));
}

}  // namespace

void NoteCommandDuration(ServerState& server, ClientState& client, CommandCounters& counters,
                         const CommandSpec& spec, std::span<const std::string_view> args,
                         int64_t duration_ns, bool logged) {
  if (server.limits.latency_tracking.load(std::memory_order_relaxed)) {
    counters.RecordLatency(duration_ns);
  }
  int64_t usec = duration_ns / 1000;
  if (usec >= server.limits.slow_command_us.load(std::memory_order_relaxed)) [[unlikely]] {
    NoteSlowCommand(server, client, spec, args, usec, logged);
  }
}

bool ExecuteAgain(ServerState& server, ClientState& client, ThreadStats& stats,
                  resp::Writer& writer, const CommandSpec& spec,
                  std::span<const std::string_view> args, BlockRequest& again) {
  store::Store::CommandClock clock;  // the served command's own time, as a new call
  CommandContext ctx{args, writer, server, client, stats, &spec};
  ctx.block = &again;
  uint64_t errors_before = writer.errors_written();
  uint64_t start = tick_clock::Now();
  spec.handler(ctx);
  if (again.requested) return false;
  int64_t ns = tick_clock::ElapsedNs(start, tick_clock::Now());
  // As in Redis, the call was counted when it was made; this run adds its time and, below,
  // whether it failed.
  CommandCounters& counters = stats.per_command[spec.id];
  counters.usec.Add(static_cast<uint64_t>(ns / 1000));
  NoteCommandDuration(server, client, counters, spec, args, ns);
  if (writer.errors_written() != errors_before) {
    counters.failed_calls.Add();
    stats.NoteErrors(writer.last_error_code());
  }
  return true;
}

namespace {

// Execute from the refusals on, for a resolved command.
void Run(ServerState& server, ClientState& client, ThreadStats& stats, resp::Writer& writer,
         const CommandSpec* spec, std::span<const std::string_view> args, BlockRequest* block) {
  // One time for the whole command and whatever it runs (Store::CommandClock).
  store::Store::CommandClock clock;
  if (Refused(server, client, *spec, args, writer)) {
    stats.per_command[spec->id].rejected_calls.Add();
    stats.NoteErrors(writer.last_error_code());
    AbortQueueing(client);
    return;
  }
  // maxmemory 0 (the default) costs this one relaxed load and compare.
  if (server.limits.maxmemory.load(std::memory_order_relaxed) != 0) [[unlikely]] {
    bool refused = RefusedForMemory(server, client, *spec, writer);
    // Keys evicted to make room are invalidated before the reply, as in Redis (which evicts
    // before running the command): a tracking client reads the push, then the reply.
    if (server.tracking.active()) [[unlikely]] InvalidateEvicted(server, client, writer);
    if (refused) {
      stats.per_command[spec->id].rejected_calls.Add();
      stats.NoteErrors(writer.last_error_code());
      return;
    }
  }
  CommandContext ctx{args, writer, server, client, stats, spec};
  ctx.block = block;
  uint64_t errors_before = writer.errors_written();
  uint64_t relayed_before = writer.relayed_errors();
  if (QueueIfInMulti(ctx)) {
    if (writer.errors_written() != errors_before) stats.NoteErrors(writer.last_error_code());
    return;
  }
  if ((spec->flags & kSkipMonitor) && server.monitors.active()) [[unlikely]] {
    FeedMonitors(server, client, ctx.db(), args);
  }
  uint64_t start = tick_clock::Now();
  if (server.tracking.active()) [[unlikely]] {
    server.tracking.RunCommand(ctx);  // remembers what a tracking client reads
  } else {
    spec->handler(ctx);
  }
  int64_t ns = tick_clock::ElapsedNs(start, tick_clock::Now());
  CommandCounters& counters = stats.per_command[spec->id];
  counters.calls.Add();
  counters.usec.Add(static_cast<uint64_t>(ns / 1000));
  NoteCommandDuration(server, client, counters, *spec, args, ns,
                      block == nullptr || (!block->requested && block->background == nullptr));
  if (writer.errors_written() != errors_before) {
    counters.failed_calls.Add();
    if (writer.relayed_errors() == relayed_before) stats.NoteErrors(writer.last_error_code());
  }
  client.last_command.store(spec, std::memory_order_relaxed);
  if (server.monitors.active() && !(spec->flags & (kAdmin | kSkipMonitor))) [[unlikely]] {
    FeedMonitors(server, client, ctx.db(), args);
  }
  if (block != nullptr && (spec->flags & kBlocking) && !block->requested) {
    block->replied_at_once = true;
  }
  if (spec->flags & kWrite) server.blocking.NoteWrite(*spec, ctx.db(), args);
}

}  // namespace

void Execute(ServerState& server, ClientState& client, ThreadStats& stats, resp::Writer& writer,
             std::span<const std::string_view> args, BlockRequest* block) {
  stats.commands_processed.Add();
  // As in Redis, unknown commands and wrong arity are reported before authentication.
  const CommandSpec* spec = Resolve(server, stats, writer, args);
  if (spec == nullptr) {
    stats.NoteErrors(writer.last_error_code());
    AbortQueueing(client);
    return;
  }
  Run(server, client, stats, writer, spec, args, block);
}

void ExecuteResolved(ServerState& server, ClientState& client, ThreadStats& stats,
                     resp::Writer& writer, const CommandSpec& spec,
                     std::span<const std::string_view> args, BlockRequest* block) {
  stats.commands_processed.Add();
  if (HasOverlongKey(server, spec, args)) [[unlikely]] {
    writer.WriteError(errors::kKeyTooLong);
    stats.per_command[spec.id].rejected_calls.Add();
    stats.NoteErrors(writer.last_error_code());
    return;
  }
  Run(server, client, stats, writer, &spec, args, block);
}

}  // namespace cairn::server
