// src/commands/config_command.cc — CONFIG GET / SET / RESETSTAT / REWRITE / HELP.
//
// CONFIG SET of several options is all or nothing, as in Redis 7.0: every name is checked
// (unknown, immutable, given twice) before anything changes, and if a value is rejected the
// options already set get their old values back. After a successful SET the server's cached
// limits are refreshed (ServerState::ApplyConfig).
#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "src/commands/help_reply.h"
#include "src/commands/server_family.h"
#include "src/exec/command_table.h"
#include "src/exec/errors.h"
#include "src/exec/eviction.h"
#include "src/exec/oom_score.h"
#include "src/exec/reply.h"
#include "src/exec/server_state.h"
#include "store/lazy_free.h"

namespace cairn::server {
namespace {

constexpr std::string_view kDuplicate = "duplicate parameter";

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

void ReplyUnknownOption(resp::Writer& w, std::string_view name) {
  w.WriteError("ERR Unknown option or number of arguments for CONFIG SET - '" + std::string(name) +
               "'");
}

void ReplySetFailed(resp::Writer& w, std::string_view name, std::string_view reason) {
  w.WriteError("ERR CONFIG SET failed (possibly related to argument '" + std::string(name) +
               "') - " + std::string(reason));
}

void CmdConfigGet(CommandContext& ctx) {
  std::vector<std::pair<std::string, std::string>> found;
  for (size_t i = 2; i < ctx.args.size(); ++i) {
    for (auto& [name, value] : ctx.server.config.Get(ctx.args[i])) {
      bool seen = false;
      for (const auto& f : found) seen = seen || f.first == name;
      if (!seen) found.emplace_back(std::move(name), std::move(value));
    }
  }
  ctx.reply.WriteMapLen(static_cast<int64_t>(found.size()));
  for (const auto& [name, value] : found) {
    ctx.reply.WriteBulk(name);
    ctx.reply.WriteBulk(value);
  }
}

// One option of a CONFIG SET: the name as the user wrote it, its canonical name, the new
// value and the value to restore on failure.
struct Change {
  std::string_view arg;
  std::string name;
  std::string_view value;
  std::string old_value;
};

// Checks every name before anything changes. Replies with the error and returns false.
bool CheckChanges(CommandContext& ctx, std::vector<Change>* changes) {
  for (size_t i = 2; i < ctx.args.size(); i += 2) {
    if (!ctx.server.config.Known(ctx.args[i])) {
      ReplyUnknownOption(ctx.reply, ctx.args[i]);
      return false;
    }
  }
  for (size_t i = 2; i < ctx.args.size(); i += 2) {
    std::string name = ctx.server.config.CanonicalName(ctx.args[i]);
    auto current = ctx.server.config.Get(name);
    if (current.size() != 1) {
      ReplyUnknownOption(ctx.reply, ctx.args[i]);
      return false;
    }
    Change c{ctx.args[i], std::move(name), ctx.args[i + 1], current[0].second};
    // Writing back the current value changes nothing; it tells an immutable option apart.
    if (Status st = ctx.server.config.Set(c.name, c.old_value);
        !st.ok() && st.message() == kImmutableConfig) {
      ReplySetFailed(ctx.reply, c.arg, kImmutableConfig);
      return false;
    }
    // As in Redis 7.0, a name given twice is a duplicate, but an option and its alias are
    // not: both are set, in order, and the last one wins.
    for (const Change& prev : *changes) {
      if (EqualsIgnoreCase(prev.arg, c.arg)) {
        ReplySetFailed(ctx.reply, c.arg, kDuplicate);
        return false;
      }
    }
    changes->push_back(std::move(c));
  }
  return true;
}

// Restores the options of the first n changes (each old value was accepted before, so
// restoring it cannot fail).
void RollBack(CommandContext& ctx, const std::vector<Change>& changes, size_t n) {
  for (size_t j = 0; j < n; ++j) (void)ctx.server.config.Set(changes[j].name, changes[j].old_value);
}

// The last change among changes to one of names that sets another value, or nullptr.
const Change* LastMove(const std::vector<Change>& changes,
                       std::initializer_list<std::string_view> names) {
  for (auto it = changes.rbegin(); it != changes.rend(); ++it) {
    if (it->value == it->old_value) continue;
    if (std::find(names.begin(), names.end(), it->name) != names.end()) return &*it;
  }
  return nullptr;
}

// A new `port`, `tls-port` or `bind` is opened before the CONFIG SET succeeds: false
// (replied, rolled back) when it cannot be. Setting the values they already have changes
// nothing; `bind` moves both ports, as in Redis.
bool ChangeListeners(CommandContext& ctx, const std::vector<Change>& changes) {
  ServerState& s = ctx.server;
  const Change* plain = LastMove(changes, {"port", "bind"});
  const Change* tls = LastMove(changes, {"tls-port", "bind"});
  if ((plain == nullptr && tls == nullptr) || !s.change_ports) return true;
  bool tls_failed = false;
  std::string err = s.change_ports(&tls_failed);
  if (err.empty()) return true;
  RollBack(ctx, changes, changes.size());
  // The TLS context may hold the rolled-back options' certificates: rebuild it.
  if (s.reload_tls) (void)s.reload_tls();
  const Change* failed = (tls_failed && tls != nullptr) || plain == nullptr ? tls : plain;
  ReplySetFailed(ctx.reply, failed->arg, err);
  return false;
}

// A new `appendonly` starts or stops the WAL before the CONFIG SET succeeds: false (replied,
// rolled back) when it cannot. In-process, without the networking layer, it cannot change.
bool ChangeAppendOnly(CommandContext& ctx, const std::vector<Change>& changes) {
  const Change* change = LastMove(changes, {"appendonly"});
  if (change == nullptr) return true;
  bool on = EqualsIgnoreCase(change->value, "yes");  // CheckChanges accepted yes or no
  std::string error;
  if (!ctx.server.set_appendonly) {
    error = std::string(kImmutableConfig);
  } else if (store::Store::InTransaction()) {
    error = "can't switch the WAL inside MULTI/EXEC";
  } else if (Status st = ctx.server.set_appendonly(on); !st.ok()) {
    error = std::string(st.message());
  }
  if (error.empty()) return true;
  RollBack(ctx, changes, changes.size());
  ReplySetFailed(ctx.reply, change->arg, error);
  return false;
}

// A new oom-score-adj or oom-score-adj-values is applied before the CONFIG SET succeeds: as
// in Redis, a score the process may not take (lowering it needs CAP_SYS_RESOURCE) fails it,
// rolled back.
bool ChangeOomScore(CommandContext& ctx, const std::vector<Change>& changes) {
  const Change* change = LastMove(changes, {"oom-score-adj", "oom-score-adj-values"});
  if (change == nullptr || ApplyOomScoreAdj(ctx.server)) return true;
  RollBack(ctx, changes, changes.size());
  (void)ApplyOomScoreAdj(ctx.server);  // the score before this CONFIG SET
  ReplySetFailed(ctx.reply, change->arg,
                 "Failed to set current oom_score_adj. Check server logs.");
  return false;
}

void CmdConfigSet(CommandContext& ctx) {
  if (ctx.args.size() % 2 != 0) {
    ctx.reply.WriteError(errors::kSyntax);
    return;
  }
  std::vector<Change> changes;
  if (!CheckChanges(ctx, &changes)) return;
  for (size_t i = 0; i < changes.size(); ++i) {
    Status st = ctx.server.config.Set(changes[i].name, changes[i].value);
    if (st.ok()) continue;
    RollBack(ctx, changes, i);
    ReplySetFailed(ctx.reply, changes[i].arg, st.message());
    return;
  }
  // As Redis applies TLS options: once, after all of them are set, and all or nothing.
  auto tls = std::find_if(changes.rbegin(), changes.rend(),
                          [](const Change& c) { return c.name.starts_with("tls-"); });
  if (tls != changes.rend() && ctx.server.reload_tls && !ctx.server.reload_tls().ok()) {
    RollBack(ctx, changes, changes.size());
    ReplySetFailed(ctx.reply, tls->arg, "Unable to update TLS configuration. Check server logs.");
    return;
  }
  if (!ChangeListeners(ctx, changes)) return;
  if (!ChangeAppendOnly(ctx, changes)) return;
  if (!ChangeOomScore(ctx, changes)) return;
  ctx.server.ApplyConfig();
  // As in Redis, a maxmemory (or policy) below what is used evicts at once, not only on the
  // next write: a cache shrunk at runtime gives its memory back even while nobody writes.
  bool memory = std::any_of(changes.begin(), changes.end(),
                            [](const Change& c) { return c.name.starts_with("maxmemory"); });
  if (memory) (void)PerformEvictions(ctx.server);
  ctx.reply.WriteOk();
}

// As Redis's resetServerStats: every counter INFO shows over a period starts again.
void CmdConfigResetStat(CommandContext& ctx) {
  ServerState& s = ctx.server;
  s.stats.Reset();
  store::ResetLazyFreedObjects();
  s.store.ResetStats();
  ResetOverLimitTimes(s);
  s.client_memory.evicted.store(0, std::memory_order_relaxed);
  s.primary.sync_full.store(0, std::memory_order_relaxed);
  s.primary.sync_partial_ok.store(0, std::memory_order_relaxed);
  s.primary.sync_partial_err.store(0, std::memory_order_relaxed);
  ctx.reply.WriteOk();
}

// Without an aclfile the users live in the config file, as "user" lines (Redis does the same);
// with one, ACL SAVE keeps them there.
std::vector<std::string> UserLines(ServerState& server) {
  std::vector<std::string> lines;
  if (!server.config.Get("aclfile").at(0).second.empty()) return lines;
  for (const auto& user : server.acl.Users()) {
    lines.push_back("user " + user->name() + " " + user->Describe(server.commands));
  }
  return lines;
}

void CmdConfigRewrite(CommandContext& ctx) {
  if (Status st = ctx.server.config.Rewrite(UserLines(ctx.server)); !st.ok()) {
    ctx.reply.WriteError("ERR " + std::string(st.message()));
    return;
  }
  ctx.reply.WriteOk();
}

void CmdConfigHelp(CommandContext& ctx) {
  ReplyHelp(ctx.reply, "CONFIG",
            {"GET <pattern>",
             "    Return the options matching the glob-like <pattern>, with their values.",
             "SET <directive> <value>", "    Set the option <directive> to <value>.", "RESETSTAT",
             "    Reset the statistics INFO reports.", "REWRITE",
             "    Write the current configuration back to the configuration file."});
}

}  // namespace

void RegisterConfigCommand(CommandTable& table) {
  constexpr uint32_t kAdminFlags = kAdmin | kNoScript | kLoading | kStale;
  constexpr std::string_view kGroup = "server";
  constexpr std::string_view kPerParameter =
      "O(N) when N is the number of configuration parameters provided";
  table.Add({
      {.name = "config", .arity = -2,
       .group = kGroup, .since = "2.0.0",
       .summary = "A container for server configuration commands",
       .complexity = "Depends on subcommand.",
       .subcommands = {
           {.name = "config|get", .arity = -3, .flags = kAdminFlags, .handler = CmdConfigGet,
            .group = kGroup, .since = "2.0.0",
            .summary = "Get the values of configuration parameters", .complexity = kPerParameter,
            .syntax = "parameter [parameter ...]"},
           {.name = "config|help", .arity = 2, .flags = kLoading | kStale, .handler = CmdConfigHelp,
            .group = kGroup, .since = "5.0.0",
            .summary = "Show helpful text about the different subcommands", .complexity = "O(1)"},
           {.name = "config|resetstat", .arity = 2, .flags = kAdminFlags,
            .handler = CmdConfigResetStat,
            .group = kGroup, .since = "2.0.0", .summary = "Reset the stats returned by INFO",
            .complexity = "O(1)"},
           {.name = "config|rewrite", .arity = 2, .flags = kAdminFlags, .handler = CmdConfigRewrite,
            .group = kGroup, .since = "2.8.0",
            .summary = "Rewrite the configuration file with the in memory configuration",
            .complexity = "O(1)"},
           {.name = "config|set", .arity = -4, .flags = kAdminFlags, .handler = CmdConfigSet,
            .group = kGroup, .since = "2.0.0",
            .summary = "Set configuration parameters to the given values",
            .complexity = kPerParameter, .syntax = "parameter value [parameter value ...]"},
       }},
  });
}

}  // namespace cairn::server
