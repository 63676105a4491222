// src/commands/command_command.cc — COMMAND: introspection of the command table (COUNT, LIST,
// INFO, DOCS, GETKEYS, GETKEYSANDFLAGS, HELP), in Redis 7.0's reply shapes.
//
// ACL categories come from acl_categories.h, which ACL CAT and the ACL rules read too.
// Tips and key specs are Redis 7.0's own, from tables made from redis-server's COMMAND reply
// (scripts/gen_command_tables.py): cluster clients and proxies route and locate keys by them.
#include <array>
#include <initializer_list>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "resp/number.h"
#include "src/base/glob.h"
#include "src/commands/command_docs.h"
#include "src/commands/help_reply.h"
#include "src/commands/server_family.h"
#include "src/exec/acl_categories.h"
#include "src/exec/acl_key_specs.h"
#include "src/exec/command_table.h"
#include "src/exec/errors.h"
#include "src/exec/reply.h"
#include "src/exec/server_state.h"

namespace cairn::server {
namespace {

constexpr std::string_view kInvalidCommand = "ERR Invalid command specified";
constexpr std::string_view kInvalidArgCount =
    "ERR Invalid number of arguments specified for command";
constexpr std::string_view kNoKeyArguments = "ERR The command has no key arguments";
constexpr std::string_view kInvalidArguments = "ERR Invalid arguments specified for command";

int PopCount(uint32_t bits) { return __builtin_popcount(bits); }

void WriteFlags(resp::Writer& w, uint32_t flags) {
  struct Name {
    uint32_t flag;
    std::string_view name;
  };
  // In Redis 7.0's order.
  static constexpr Name kNames[] = {
      {kWrite, "write"},           {kReadOnly, "readonly"},
      {kDenyOom, "denyoom"},       {kAdmin, "admin"},
      {kPubSub, "pubsub"},         {kNoScript, "noscript"},
      {kBlocking, "blocking"},     {kLoading, "loading"},
      {kStale, "stale"},           {kSkipMonitor, "skip_monitor"},
      {kSkipSlowlog, "skip_slowlog"}, {kAsking, "asking"},
      {kFast, "fast"},             {kNoAuth, "no_auth"},
      {kNoMandatoryKeys, "no_mandatory_keys"}, {kNoAsyncLoading, "no_async_loading"},
      {kNoMulti, "no_multi"},      {kMovableKeys, "movablekeys"},
      {kAllowBusy, "allow_busy"}};
  int count = 0;
  for (const Name& n : kNames) count += (flags & n.flag) ? 1 : 0;
  w.WriteSetLen(count);
  for (const Name& n : kNames) {
    if (flags & n.flag) w.WriteSimple(n.name);
  }
}

// begin_search or find_keys: {type, spec}, spec being fields of integers.
void WriteKeySearch(resp::Writer& w, std::string_view type,
                    std::initializer_list<std::pair<std::string_view, int64_t>> fields) {
  w.WriteMapLen(2);
  w.WriteBulk("type");
  w.WriteBulk(type);
  w.WriteBulk("spec");
  w.WriteMapLen(static_cast<int64_t>(fields.size()));
  for (const auto& [name, value] : fields) {
    w.WriteBulk(name);
    w.WriteInteger(value);
  }
}

// Redis 7.0's tips for a command (COMMAND INFO), separated by spaces; empty for most.
std::string_view CommandTips(std::string_view name) {
  struct Tips {
    std::string_view command;
    std::string_view tips;
  };
  static constexpr Tips kTips[] = {
#include "src/commands/command_tips_table.inc"
  };
  for (const Tips& t : kTips) {
    if (t.command == name) return t.tips;
  }
  return {};
}

void WriteTips(resp::Writer& w, std::string_view tips) {
  std::vector<std::string_view> each;
  for (size_t start = 0; start < tips.size();) {
    size_t end = tips.find(' ', start);
    if (end == std::string_view::npos) end = tips.size();
    each.push_back(tips.substr(start, end - start));
    start = end + 1;
  }
  w.WriteSetLen(static_cast<int64_t>(each.size()));
  for (std::string_view t : each) w.WriteSimple(t);
}

// begin_search of a spec whose keys follow a keyword: the keyword is a string, not a number.
void WriteKeywordSearch(resp::Writer& w, const AclKeySpec& ks) {
  w.WriteMapLen(2);
  w.WriteBulk("type");
  w.WriteBulk("keyword");
  w.WriteBulk("spec");
  w.WriteMapLen(2);
  w.WriteBulk("keyword");
  w.WriteBulk(ks.keyword);
  w.WriteBulk("startfrom");
  w.WriteInteger(ks.start);
}

// Redis's key specs of the command, from the table made from Redis's own COMMAND reply
// (acl_key_specs.h), so clients and proxies that locate keys by them see what Redis shows.
void WriteKeySpecs(resp::Writer& w, std::span<const AclKeySpec> specs) {
  w.WriteSetLen(static_cast<int64_t>(specs.size()));
  for (const AclKeySpec& ks : specs) {
    bool notes = !ks.notes.empty();
    w.WriteMapLen(notes ? 4 : 3);
    if (notes) {
      w.WriteBulk("notes");
      w.WriteBulk(ks.notes);
    }
    w.WriteBulk("flags");
    std::vector<std::string_view> flags = KeySpecFlagNames(ks.flags);
    w.WriteSetLen(static_cast<int64_t>(flags.size()));
    for (std::string_view f : flags) w.WriteSimple(f);
    w.WriteBulk("begin_search");
    switch (ks.begin) {
      case AclKeySpec::kIndex: WriteKeySearch(w, "index", {{"index", ks.start}}); break;
      case AclKeySpec::kKeyword: WriteKeywordSearch(w, ks); break;
      case AclKeySpec::kUnknown: WriteKeySearch(w, "unknown", {}); break;
    }
    w.WriteBulk("find_keys");
    switch (ks.find) {
      case AclKeySpec::kRange:
        WriteKeySearch(w, "range", {{"lastkey", ks.a}, {"keystep", ks.b}, {"limit", ks.c}});
        break;
      case AclKeySpec::kKeynum:
        WriteKeySearch(w, "keynum", {{"keynumidx", ks.a}, {"firstkey", ks.b}, {"keystep", ks.c}});
        break;
      case AclKeySpec::kUnknownFind: WriteKeySearch(w, "unknown", {}); break;
    }
  }
}

void WriteCommandInfo(resp::Writer& w, const CommandSpec& spec) {
  w.WriteArrayLen(10);
  w.WriteBulk(spec.name);
  w.WriteInteger(spec.arity);
  WriteFlags(w, spec.flags);
  w.WriteInteger(spec.first_key);
  w.WriteInteger(spec.last_key);
  w.WriteInteger(spec.key_step);
  uint32_t cats = spec.acl_categories;
  w.WriteSetLen(PopCount(cats));
  for (uint32_t c = 0; c < kCatCount; ++c) {
    if (cats & (1u << c)) w.WriteSimple("@" + std::string(kAclCategoryNames[c]));
  }
  WriteTips(w, CommandTips(spec.name));
  WriteKeySpecs(w, spec.acl_key_specs);
  if (spec.subcommands.empty()) {
    w.WriteSetLen(0);
    return;
  }
  w.WriteArrayLen(static_cast<int64_t>(spec.subcommands.size()));
  for (const CommandSpec& sub : spec.subcommands) WriteCommandInfo(w, sub);
}

void CmdCommand(CommandContext& ctx) {
  const auto& all = ctx.server.commands.all();
  ctx.reply.WriteArrayLen(static_cast<int64_t>(all.size()));
  for (const CommandSpec& spec : all) WriteCommandInfo(ctx.reply, spec);
}

void CmdCommandCount(CommandContext& ctx) {
  ctx.reply.WriteInteger(static_cast<int64_t>(ctx.server.commands.all().size()));
}

void CmdCommandInfo(CommandContext& ctx) {
  if (ctx.args.size() == 2) {
    CmdCommand(ctx);
    return;
  }
  ctx.reply.WriteArrayLen(static_cast<int64_t>(ctx.args.size() - 2));
  for (size_t i = 2; i < ctx.args.size(); ++i) {
    const CommandSpec* spec = ctx.server.commands.FindFull(ctx.args[i]);
    if (spec == nullptr) {
      ctx.reply.WriteNull();
    } else {
      WriteCommandInfo(ctx.reply, *spec);
    }
  }
}

void CmdCommandDocs(CommandContext& ctx) {
  std::vector<const CommandSpec*> specs;
  if (ctx.args.size() == 2) {
    for (const CommandSpec& spec : ctx.server.commands.all()) specs.push_back(&spec);
  }
  for (size_t i = 2; i < ctx.args.size(); ++i) {
    const CommandSpec* spec = ctx.server.commands.FindFull(ctx.args[i]);
    if (spec != nullptr) specs.push_back(spec);
  }
  ctx.reply.WriteMapLen(static_cast<int64_t>(specs.size()));
  for (const CommandSpec* spec : specs) {
    ctx.reply.WriteBulk(spec->name);
    WriteCommandDocs(ctx.reply, *spec);
  }
}

enum class ListFilter { kNone, kModule, kAclCat, kPattern };

bool ListMatches(const CommandSpec& spec, ListFilter filter, std::string_view arg) {
  switch (filter) {
    case ListFilter::kNone:
      return true;
    case ListFilter::kModule:
      return false;  // cairn has no modules
    case ListFilter::kPattern:
      return GlobMatch(arg, spec.name, /*nocase=*/true);
    case ListFilter::kAclCat: {
      uint32_t cats = spec.acl_categories;
      for (uint32_t c = 0; c < kCatCount; ++c) {
        if ((cats & (1u << c)) && EqualsIgnoreCase(arg, kAclCategoryNames[c])) return true;
      }
      return false;
    }
  }
  return false;
}

void CmdCommandList(CommandContext& ctx) {
  ListFilter filter = ListFilter::kNone;
  std::string_view arg;
  if (ctx.args.size() != 2) {
    if (ctx.args.size() != 5 || !EqualsIgnoreCase(ctx.args[2], "filterby")) {
      ctx.reply.WriteError(errors::kSyntax);
      return;
    }
    std::string_view type = ctx.args[3];
    if (EqualsIgnoreCase(type, "module")) {
      filter = ListFilter::kModule;
    } else if (EqualsIgnoreCase(type, "aclcat")) {
      filter = ListFilter::kAclCat;
    } else if (EqualsIgnoreCase(type, "pattern")) {
      filter = ListFilter::kPattern;
    } else {
      ctx.reply.WriteError(errors::kSyntax);
      return;
    }
    arg = ctx.args[4];
  }
  std::vector<std::string_view> names;
  for (const CommandSpec& spec : ctx.server.commands.all()) {
    if (ListMatches(spec, filter, arg)) names.push_back(spec.name);
    for (const CommandSpec& sub : spec.subcommands) {
      if (ListMatches(sub, filter, arg)) names.push_back(sub.name);
    }
  }
  ctx.reply.WriteArrayLen(static_cast<int64_t>(names.size()));
  for (std::string_view name : names) ctx.reply.WriteBulk(name);
}

// The keys after a numkeys count (EVAL script numkeys key...), when the count is valid.
void AppendCountedKeys(const CommandSpec& spec, std::span<const std::string_view> cmd,
                       std::vector<std::string_view>* keys) {
  size_t at = static_cast<size_t>(spec.numkeys_index);
  if (at == 0 || at >= cmd.size()) return;
  int64_t n = 0;
  if (!resp::ParseInt64(cmd[at], &n) || n < 0 ||
      static_cast<uint64_t>(n) > cmd.size() - at - 1) {
    return;
  }
  for (size_t i = 0; i < static_cast<size_t>(n); ++i) keys->push_back(cmd[at + 1 + i]);
}

struct KeyAndFlags {
  std::string_view key;
  uint16_t flags;  // KeySpecFlag
};

// The keys of cmd in Redis's order, with the flags Redis reports for each: by Redis's key
// specs (a numkeys count, a keyword) or the code Redis runs instead (acl_key_specs.h), else
// (commands Redis does not have) by the command's key positions, with what the command's
// flags imply (a read-only command reads its keys; a write command may read and change them).
std::vector<KeyAndFlags> KeysOf(const CommandSpec& spec, std::span<const std::string_view> cmd) {
  std::vector<KeyAndFlags> keys;
  std::vector<bool> seen(cmd.size());  // SORT's key is found by a spec and by its positions
  ForEachKeyAndFlags(spec, cmd, [&](size_t i, uint16_t flags) {
    if (seen[i]) return;
    seen[i] = true;
    keys.push_back({cmd[i], flags});
  });
  if (!keys.empty() || !FindAclKeySpecs(spec.name).empty()) return keys;
  uint16_t flags =
      spec.flags & kWrite ? kSpecRW | kSpecAccess | kSpecUpdate : kSpecRO | kSpecAccess;
  std::vector<std::string_view> found;
  spec.ForEachKey(cmd, [&](std::string_view key) { found.push_back(key); });
  AppendCountedKeys(spec, cmd, &found);
  for (std::string_view key : found) keys.push_back({key, flags});
  return keys;
}

// Redis's "no-mandatory-keys" commands: scripts may declare no key at all.
bool NoMandatoryKeys(const CommandSpec& spec) {
  return spec.name.starts_with("eval") || spec.name.starts_with("fcall");
}

// COMMAND GETKEYS and GETKEYSANDFLAGS.
void GetKeysGeneric(CommandContext& ctx, bool with_flags) {
  std::span<const std::string_view> cmd = ctx.args.subspan(2);
  const CommandSpec* spec = ctx.server.commands.Find(cmd[0]);
  if (spec != nullptr && !spec->subcommands.empty() && cmd.size() >= 2) {
    spec = CommandTable::FindSub(*spec, cmd[1]);
  }
  if (spec == nullptr) {
    ctx.reply.WriteError(kInvalidCommand);
    return;
  }
  if (spec->first_key <= 0 && spec->numkeys_index <= 0 && FindAclKeySpecs(spec->name).empty()) {
    ctx.reply.WriteError(kNoKeyArguments);
    return;
  }
  int64_t argc = static_cast<int64_t>(cmd.size());
  if ((spec->arity > 0 && spec->arity != argc) || argc < -spec->arity) {
    ctx.reply.WriteError(kInvalidArgCount);
    return;
  }
  std::vector<KeyAndFlags> keys = KeysOf(*spec, cmd);
  if (keys.empty() && !NoMandatoryKeys(*spec)) {
    ctx.reply.WriteError(kInvalidArguments);
    return;
  }
  ctx.reply.WriteArrayLen(static_cast<int64_t>(keys.size()));
  for (const KeyAndFlags& k : keys) {
    if (!with_flags) {
      ctx.reply.WriteBulk(k.key);
      continue;
    }
    std::vector<std::string_view> flags = KeySpecFlagNames(k.flags);
    ctx.reply.WriteArrayLen(2);
    ctx.reply.WriteBulk(k.key);
    ctx.reply.WriteSetLen(static_cast<int64_t>(flags.size()));
    for (std::string_view f : flags) ctx.reply.WriteSimple(f);
  }
}

void CmdCommandGetKeys(CommandContext& ctx) { GetKeysGeneric(ctx, false); }
void CmdCommandGetKeysAndFlags(CommandContext& ctx) { GetKeysGeneric(ctx, true); }

void CmdCommandHelp(CommandContext& ctx) {
  ReplyHelp(ctx.reply, "COMMAND",
            {"(no subcommand)", "    Return details about every command.", "COUNT",
             "    Return the number of commands.",
             "LIST [FILTERBY (MODULE <module-name>|ACLCAT <category>|PATTERN <pattern>)]",
             "    Return the names of the commands and subcommands, optionally filtered.",
             "INFO [<command-name> ...]",
             "    Return details about the given commands, or about every command.",
             "DOCS [<command-name> ...]",
             "    Return documentation about the given commands, or about every command.",
             "GETKEYS <full-command>", "    Return the keys a full command would access.",
             "GETKEYSANDFLAGS <full-command>",
             "    Return the keys and the access flags from a full Redis command."});
}

}  // namespace

void RegisterCommandCommand(CommandTable& table) {
  constexpr uint32_t kFlags = kLoading | kStale;
  constexpr std::string_view kGroup = "server";
  table.Add({
      {.name = "command", .arity = -1, .flags = kFlags, .handler = CmdCommand,
       .group = kGroup, .since = "2.8.13", .summary = "Get array of Redis command details",
       .complexity = "O(N) where N is the total number of Redis commands",
       .subcommands = {
           {.name = "command|count", .arity = 2, .flags = kFlags, .handler = CmdCommandCount,
            .group = kGroup, .since = "2.8.13", .summary = "Get total number of Redis commands",
            .complexity = "O(1)"},
           {.name = "command|docs", .arity = -2, .flags = kFlags, .handler = CmdCommandDocs,
            .group = kGroup, .since = "7.0.0",
            .summary = "Get array of specific Redis command documentation",
            .complexity = "O(N) where N is the number of commands to look up",
            .syntax = "[command-name [command-name ...]]"},
           {.name = "command|getkeys", .arity = -4, .flags = kFlags, .handler = CmdCommandGetKeys,
            .group = kGroup, .since = "2.8.13",
            .summary = "Extract keys given a full Redis command",
            .complexity = "O(N) where N is the number of arguments to the command",
            .syntax = "command [arg [arg ...]]"},
           {.name = "command|getkeysandflags", .arity = -4, .flags = kFlags,
            .handler = CmdCommandGetKeysAndFlags, .group = kGroup, .since = "7.0.0",
            .summary = "Extract keys and access flags given a full Redis command",
            .complexity = "O(N) where N is the number of arguments to the command",
            .syntax = "command [arg [arg ...]]"},
           {.name = "command|help", .arity = 2, .flags = kFlags, .handler = CmdCommandHelp,
            .group = kGroup, .since = "5.0.0",
            .summary = "Show helpful text about the different subcommands", .complexity = "O(1)"},
           {.name = "command|info", .arity = -2, .flags = kFlags, .handler = CmdCommandInfo,
            .group = kGroup, .since = "2.8.13",
            .summary = "Get array of specific Redis command details, or all when no argument is "
                       "given.",
            .complexity = "O(N) where N is the number of commands to look up",
            .syntax = "[command-name [command-name ...]]"},
           {.name = "command|list", .arity = -2, .flags = kFlags, .handler = CmdCommandList,
            .group = kGroup, .since = "7.0.0", .summary = "Get an array of Redis command names",
            .complexity = "O(N) where N is the total number of Redis commands",
            .syntax = "[FILTERBY <MODULE module-name | ACLCAT category | PATTERN pattern>]"},
       }},
  });
}

}  // namespace cairn::server
