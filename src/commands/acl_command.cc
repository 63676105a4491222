// src/commands/acl_command.cc — ACL: SETUSER, GETUSER, DELUSER, USERS, LIST, WHOAMI, CAT,
// GENPASS, LOG, DRYRUN, SAVE, LOAD, HELP, in Redis 7.0's reply shapes and error texts.
//
// Users live in the registry (src/exec/acl.h). Deleting a user, or reloading the users from
// the aclfile, disconnects the clients logged in as those users (the default user's stay),
// the way CLIENT KILL does: the owner thread of each connection closes it. Taking channels
// away from a user disconnects those of its clients subscribed to what it may no longer use.
#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "resp/number.h"
#include "src/commands/help_reply.h"
#include "src/commands/server_family.h"
#include "src/exec/acl_categories.h"
#include "src/exec/acl_check.h"
#include "src/exec/acl_file.h"
#include "src/exec/command_table.h"
#include "src/exec/errors.h"
#include "src/exec/reply.h"
#include "src/exec/server_state.h"

namespace cairn::server {
namespace {

constexpr std::string_view kNoAclFile =
    "ERR This Redis instance is not configured to use an ACL file. You may want to specify "
    "users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a "
    "Redis configuration file set) in order to store users in the Redis configuration.";
constexpr std::string_view kBadGenpassBits =
    "ERR ACL GENPASS argument must be the number of bits for the output password, a positive "
    "number up to 4096";

// Disconnects the clients that match; the caller's own connection closes after this reply.
template <typename Match>
void KillClientsIf(CommandContext& ctx, Match&& match) {
  bool kill_self = false;
  ctx.server.clients.ForEach([&](ClientState& c) {
    if (!match(c)) return;
    if (&c == &ctx.client) {
      kill_self = true;
    } else if (!c.kill_requested.exchange(true) && c.wake) {
      c.wake();
    }
  });
  if (kill_self) ctx.client.close_after_reply = true;
}

// Disconnects the clients logged in as a user whose name matches.
template <typename Match>
void KillUserClients(CommandContext& ctx, Match&& match) {
  KillClientsIf(ctx, [&](const ClientState& c) { return match(c.user_name); });
}

// After user lost channels: disconnects its clients subscribed to a channel, pattern or
// shard channel it may no longer use, as Redis 7.0 does.
void KillRevokedSubscribers(CommandContext& ctx, const AclUser& user) {
  std::vector<uint64_t> ids;
  ctx.server.clients.ForEach([&](ClientState& c) {
    if (c.user_name == user.name()) ids.push_back(c.id);
  });
  if (ids.empty()) return;
  std::vector<uint64_t> refused =
      ctx.server.pubsub.ClientsRefused(ids, [&](SubKind kind, std::string_view name) {
        return user.ChannelAllowed(name, kind == SubKind::kPattern);
      });
  if (refused.empty()) return;
  KillClientsIf(ctx, [&](const ClientState& c) {
    return c.user_name == user.name() &&
           std::find(refused.begin(), refused.end(), c.id) != refused.end();
  });
}

void CmdAclSetUser(CommandContext& ctx) {
  std::string_view name = ctx.args[2];
  if (name.find_first_of(std::string_view(" \0", 2)) != std::string_view::npos) {
    ctx.reply.WriteError("ERR Usernames can't contain spaces or null characters");
    return;
  }
  std::vector<std::string> rules(ctx.args.begin() + 3, ctx.args.end());
  std::shared_ptr<const AclUser> before = ctx.server.acl.Find(name);
  Status s = ctx.server.acl.SetUser(name, rules);
  if (!s.ok()) {
    ctx.reply.WriteError("ERR " + std::string(s.message()));
    return;
  }
  std::shared_ptr<const AclUser> after = ctx.server.acl.Find(name);
  if (before != nullptr && after != nullptr && ChannelsNarrowed(*before, *after)) {
    KillRevokedSubscribers(ctx, *after);
  }
  ctx.reply.WriteOk();
}

void WriteSelector(resp::Writer& w, const CommandTable& table, const AclSelector& s) {
  w.WriteBulk("commands");
  w.WriteBulk(s.DescribeCommands(table));
  w.WriteBulk("keys");
  w.WriteBulk(s.DescribeKeys());
  w.WriteBulk("channels");
  w.WriteBulk(s.DescribeChannels());
}

void CmdAclGetUser(CommandContext& ctx) {
  std::shared_ptr<const AclUser> user = ctx.server.acl.Find(ctx.args[2]);
  if (user == nullptr) {
    ctx.reply.WriteNull();
    return;
  }
  const CommandTable& table = ctx.server.commands;
  resp::Writer& w = ctx.reply;
  w.WriteMapLen(6);
  w.WriteBulk("flags");
  std::vector<std::string_view> flags = user->Flags();
  w.WriteArrayLen(static_cast<int64_t>(flags.size()));
  for (std::string_view f : flags) w.WriteBulk(f);
  w.WriteBulk("passwords");
  w.WriteArrayLen(static_cast<int64_t>(user->password_hashes().size()));
  for (const std::string& p : user->password_hashes()) w.WriteBulk(p);
  WriteSelector(w, table, user->selectors()[0]);
  w.WriteBulk("selectors");
  w.WriteArrayLen(static_cast<int64_t>(user->selectors().size() - 1));
  for (size_t i = 1; i < user->selectors().size(); ++i) {
    w.WriteMapLen(3);
    WriteSelector(w, table, user->selectors()[i]);
  }
}

void CmdAclDelUser(CommandContext& ctx) {
  for (size_t i = 2; i < ctx.args.size(); ++i) {
    if (ctx.args[i] == "default") {
      ctx.reply.WriteError("ERR The 'default' user cannot be removed");
      return;
    }
  }
  int64_t deleted = 0;
  std::vector<std::string> gone;
  for (size_t i = 2; i < ctx.args.size(); ++i) {
    if (!ctx.server.acl.DeleteUser(ctx.args[i])) continue;
    ++deleted;
    gone.emplace_back(ctx.args[i]);
  }
  KillUserClients(ctx, [&](const std::string& name) {
    return std::find(gone.begin(), gone.end(), name) != gone.end();
  });
  ctx.reply.WriteInteger(deleted);
}

void CmdAclUsers(CommandContext& ctx) {
  auto users = ctx.server.acl.Users();
  ctx.reply.WriteArrayLen(static_cast<int64_t>(users.size()));
  for (const auto& u : users) ctx.reply.WriteBulk(u->name());
}

void CmdAclList(CommandContext& ctx) {
  auto users = ctx.server.acl.Users();
  ctx.reply.WriteArrayLen(static_cast<int64_t>(users.size()));
  for (const auto& u : users) {
    ctx.reply.WriteBulk("user " + u->name() + " " + u->Describe(ctx.server.commands));
  }
}

void CmdAclWhoAmI(CommandContext& ctx) {
  std::lock_guard lock(ctx.server.clients.mu());
  ctx.reply.WriteBulk(ctx.client.user_name);
}

void CmdAclCat(CommandContext& ctx) {
  if (ctx.args.size() > 3) {
    ReplySubcommandSyntaxError(ctx);
    return;
  }
  if (ctx.args.size() == 2) {
    ctx.reply.WriteArrayLen(kCatCount);
    for (std::string_view name : kAclCategoryNames) ctx.reply.WriteBulk(name);
    return;
  }
  std::optional<AclCategory> cat = FindAclCategory(ctx.args[2]);
  if (!cat) {
    ctx.reply.WriteError("ERR Unknown category '" + std::string(ctx.args[2]) + "'");
    return;
  }
  std::vector<std::string_view> names;
  for (const CommandSpec& cmd : ctx.server.commands.all()) {
    if (cmd.acl_categories & (1u << *cat)) names.push_back(cmd.name);
    for (const CommandSpec& sub : cmd.subcommands) {
      if (sub.acl_categories & (1u << *cat)) names.push_back(sub.name);
    }
  }
  ctx.reply.WriteArrayLen(static_cast<int64_t>(names.size()));
  for (std::string_view n : names) ctx.reply.WriteBulk(n);
}

void CmdAclGenPass(CommandContext& ctx) {
  int64_t bits = 256;
  if (ctx.args.size() > 2) {
    if (!resp::ParseInt64(ctx.args[2], &bits)) {
      ctx.reply.WriteError(errors::kNotInteger);
      return;
    }
    if (bits <= 0 || bits > 4096) {
      ctx.reply.WriteError(kBadGenpassBits);
      return;
    }
  }
  std::random_device rd;  // the kernel's generator: the password is a secret
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(static_cast<size_t>((bits + 3) / 4), '0');
  for (char& c : out) c = kHex[rd() & 0xf];
  ctx.reply.WriteBulk(out);
}

void CmdAclLog(CommandContext& ctx) {
  int64_t count = 10;
  if (ctx.args.size() > 2) {
    if (EqualsIgnoreCase(ctx.args[2], "reset")) {
      ctx.server.acl_log.Reset();
      ctx.reply.WriteOk();
      return;
    }
    if (!resp::ParseInt64(ctx.args[2], &count) || count < 0) {
      ctx.reply.WriteError(errors::kNotInteger);
      return;
    }
  }
  ctx.server.acl_log.Write(ctx.reply, count, WallMs());
}

void CmdAclDryRun(CommandContext& ctx) {
  std::shared_ptr<const AclUser> user = ctx.server.acl.Find(ctx.args[2]);
  if (user == nullptr) {
    ctx.reply.WriteError("ERR User '" + std::string(ctx.args[2]) + "' not found");
    return;
  }
  std::span<const std::string_view> args = ctx.args.subspan(3);
  const CommandSpec* spec = ctx.server.commands.Find(args[0]);
  if (spec != nullptr && !spec->subcommands.empty() && args.size() >= 2) {
    spec = CommandTable::FindSub(*spec, args[1]);
  }
  if (spec == nullptr) {
    ctx.reply.WriteError("ERR Command '" + std::string(args[0]) + "' not found");
    return;
  }
  if (!spec->ArityAccepts(args.size())) {
    ReplyWrongArity(ctx.reply, spec->name);
    return;
  }
  AclVerdict v = user->Check(*spec, args);
  switch (v.denial) {
    case AclDenial::kNone:
      ctx.reply.WriteOk();
      return;
    case AclDenial::kCommand:
      ctx.reply.WriteBulk("This user has no permissions to run the '" + std::string(spec->name) +
                          "' command");
      return;
    case AclDenial::kKey:
      ctx.reply.WriteBulk("This user has no permissions to access the '" +
                          std::string(args[v.arg_index]) + "' key");
      return;
    case AclDenial::kChannel:
      ctx.reply.WriteBulk("This user has no permissions to access the '" +
                          std::string(args[v.arg_index]) + "' channel");
      return;
  }
}

std::string AclFile(ServerState& server) {
  auto found = server.config.Get("aclfile");
  return found.empty() ? std::string() : found[0].second;
}

void CmdAclSave(CommandContext& ctx) {
  std::string path = AclFile(ctx.server);
  if (path.empty()) {
    ctx.reply.WriteError(kNoAclFile);
    return;
  }
  if (!SaveAclFile(ctx.server.acl, path).ok()) {
    ctx.reply.WriteError(
        "ERR There was an error trying to save the ACLs. Please check the "
        "server logs for more information");
    return;
  }
  ctx.reply.WriteOk();
}

void CmdAclLoad(CommandContext& ctx) {
  std::string path = AclFile(ctx.server);
  if (path.empty()) {
    ctx.reply.WriteError(kNoAclFile);
    return;
  }
  if (Status s = LoadAclFile(ctx.server.acl, path); !s.ok()) {
    ctx.reply.WriteError("ERR " + std::string(s.message()));
    return;
  }
  // Every user was replaced: their clients log in again, as after Redis's ACL LOAD. The
  // default user's clients stay, with the default user's new rules.
  KillUserClients(ctx, [](const std::string& name) { return name != "default"; });
  ctx.reply.WriteOk();
}

void CmdAclHelp(CommandContext& ctx) {
  ReplyHelp(ctx.reply, "ACL",
            {"CAT [<category>]",
             "    List all commands that belong to <category>, or all command categories",
             "    when no category is specified.",
             "DELUSER <username> [<username> ...]",
             "    Delete a list of users.",
             "DRYRUN <username> <command> [<arg> ...]",
             "    Returns whether the user can execute the given command without executing the "
             "command.",
             "GETUSER <username>",
             "    Get the user's details.",
             "GENPASS [<bits>]",
             "    Generate a secure 256-bit user password. The optional `bits` argument can",
             "    be used to specify a different size.",
             "LIST",
             "    Show users details in config file format.",
             "LOAD",
             "    Reload users from the ACL file.",
             "LOG [<count> | RESET]",
             "    Show the ACL log entries.",
             "SAVE",
             "    Save the current config to the ACL file.",
             "SETUSER <username> <attribute> [<attribute> ...]",
             "    Create or modify a user with the specified attributes.",
             "USERS",
             "    List all the registered usernames.",
             "WHOAMI",
             "    Return the current connection username."});
}

}  // namespace

void RegisterAclCommand(CommandTable& table) {
  constexpr std::string_view kGroup = "server";
  constexpr uint32_t kBase = kNoScript | kLoading | kStale;
  constexpr uint32_t kAdminFlags = kAdmin | kBase;
  auto sub = [&](std::string_view name, int arity, uint32_t flags, Handler h,
                 std::string_view summary, std::string_view syntax) {
    return CommandSpec{.name = name,
                       .arity = arity,
                       .flags = flags,
                       .handler = h,
                       .group = kGroup,
                       .since = "6.0.0",
                       .summary = summary,
                       .complexity = "O(N)",
                       .syntax = syntax};
  };
  table.Add(
      {{.name = "acl",
        .arity = -2,
        .group = kGroup,
        .since = "6.0.0",
        .summary = "A container for Access List Control commands",
        .complexity = "Depends on subcommand.",
        .subcommands = {
            sub("acl|cat", -2, kBase, CmdAclCat,
                "List the ACL categories or the commands inside a category", "[categoryname]"),
            sub("acl|deluser", -3, kAdminFlags, CmdAclDelUser,
                "Remove the specified ACL users and the associated rules",
                "username [username ...]"),
            sub("acl|dryrun", -4, kAdminFlags, CmdAclDryRun,
                "Returns whether the user can execute the given command without executing "
                "the command.",
                "username command [arg [arg ...]]"),
            sub("acl|genpass", -2, kBase, CmdAclGenPass,
                "Generate a pseudorandom secure password to use for ACL users", "[bits]"),
            sub("acl|getuser", 3, kAdminFlags, CmdAclGetUser,
                "Get the rules for a specific ACL user", "username"),
            sub("acl|help", 2, kLoading | kStale, CmdAclHelp,
                "Show helpful text about the "
                "different subcommands",
                ""),
            sub("acl|list", 2, kAdminFlags, CmdAclList,
                "List the current ACL rules in ACL config file format", ""),
            sub("acl|load", 2, kAdminFlags, CmdAclLoad,
                "Reload the ACLs from the configured ACL file", ""),
            sub("acl|log", -2, kAdminFlags, CmdAclLog,
                "List latest events denied because of ACLs in place", "[count|RESET]"),
            sub("acl|save", 2, kAdminFlags, CmdAclSave,
                "Save the current ACL rules in the configured ACL file", ""),
            sub("acl|setuser", -3, kAdminFlags, CmdAclSetUser,
                "Modify or create the rules for a specific ACL user", "username [rule [rule ...]]"),
            sub("acl|users", 2, kAdminFlags, CmdAclUsers,
                "List the username of all the "
                "configured ACL rules",
                ""),
            sub("acl|whoami", 2, kBase, CmdAclWhoAmI,
                "Return the name of the user associated to the current connection", ""),
        }}});
}

}  // namespace cairn::server
