// src/commands/set_commands.cc — the set family: SADD SREM SISMEMBER SMISMEMBER SMEMBERS
// SCARD SPOP SRANDMEMBER SMOVE SSCAN. The multi-key algebra (SINTER, SUNION, SDIFF, their
// STORE forms, SINTERCARD) lives in set_algebra_commands.cc.
//
// Each command parses its arguments, runs one store operation (store/types/set/set_ops.h) under the
// key's shard lock, and writes its reply while the lock is held (the set's members are copied
// into the reply writer). RESP3 clients get a set type (~) where Redis replies with a set.
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <string>
#include <vector>

#include "src/base/glob.h"
#include "src/commands/set_family.h"
#include "src/exec/command_table.h"
#include "src/exec/errors.h"
#include "src/exec/reply.h"
#include "src/exec/server_state.h"
#include "store/types/set/set_ops.h"

namespace cairn::server {

using store::KeyHandle;
using store::SetObject;
void ReplyMembers(CommandContext& ctx, const std::vector<std::string>& members, bool as_set) {
  if (as_set) {
    ctx.reply.WriteSetLen(static_cast<int64_t>(members.size()));
  } else {
    ctx.reply.WriteArrayLen(static_cast<int64_t>(members.size()));
  }
  for (const std::string& m : members) ctx.reply.WriteBulk(m);
}

void ReplySet(CommandContext& ctx, const SetObject* set) {
  ctx.reply.WriteSetLen(set == nullptr ? 0 : static_cast<int64_t>(set->size()));
  if (set != nullptr) set->ForEach([&ctx](std::string_view m) { ctx.reply.WriteBulk(m); });
}

namespace {

// Runs fn(set) on the key's set (nullptr when missing) under its lock; WRONGTYPE otherwise.
template <class Fn>
void ReadSet(CommandContext& ctx, std::string_view key, Fn&& fn) {
  ctx.server.store.Access(ctx.db(), key, [&](KeyHandle& h) {
    const SetObject* set = nullptr;
    if (!FindOrReply(ctx, h, &set)) return;
    fn(set);
  });
}

// SADD / SREM key member [member ...]: replies with how many members changed.
template <class Op>
void ChangeMembers(CommandContext& ctx, Op op) {
  auto members = ctx.args.subspan(2);
  ctx.server.store.Access(ctx.db(), ctx.args[1],
                          [&](KeyHandle& h) { ReplyCount(ctx, op(h, members)); });
}

void CmdSAdd(CommandContext& ctx) { ChangeMembers(ctx, store::SetAdd); }
void CmdSRem(CommandContext& ctx) { ChangeMembers(ctx, store::SetRemove); }

void CmdSIsMember(CommandContext& ctx) {
  ReadSet(ctx, ctx.args[1], [&](const SetObject* set) {
    ctx.reply.WriteInteger(set != nullptr && set->Contains(ctx.args[2]) ? 1 : 0);
  });
}

void CmdSMIsMember(CommandContext& ctx) {
  ReadSet(ctx, ctx.args[1], [&](const SetObject* set) {
    ctx.reply.WriteArrayLen(static_cast<int64_t>(ctx.args.size() - 2));
    for (size_t i = 2; i < ctx.args.size(); ++i) {
      ctx.reply.WriteInteger(set != nullptr && set->Contains(ctx.args[i]) ? 1 : 0);
    }
  });
}

void CmdSMembers(CommandContext& ctx) {
  ReadSet(ctx, ctx.args[1], [&](const SetObject* set) { ReplySet(ctx, set); });
}

void CmdSCard(CommandContext& ctx) {
  ReadSet(ctx, ctx.args[1], [&](const SetObject* set) {
    ctx.reply.WriteInteger(set == nullptr ? 0 : static_cast<int64_t>(set->size()));
  });
}

void CmdSPop(CommandContext& ctx) {
  if (ctx.args.size() > 3) {
    ctx.reply.WriteError(errors::kSyntax);
    return;
  }
  bool with_count = ctx.args.size() == 3;
  int64_t count = 1;
  if (with_count && !ArgToInt64Range(ctx, ctx.args[2], 0, INT64_MAX, errors::kMustBePositive,
                                     &count)) {
    return;
  }
  std::vector<std::string> popped;
  Status status = ctx.server.store.Access(ctx.db(), ctx.args[1], [&](KeyHandle& h) {
    return store::SetPop(h, static_cast<size_t>(count), &popped);
  });
  if (ReplyStatus(ctx, status)) return;
  if (with_count) {
    ReplyMembers(ctx, popped, true);
  } else if (popped.empty()) {
    ctx.reply.WriteNull();
  } else {
    ctx.reply.WriteBulk(popped[0]);
  }
}

void CmdSRandMember(CommandContext& ctx) {
  if (ctx.args.size() > 3) {
    ctx.reply.WriteError(errors::kSyntax);
    return;
  }
  bool with_count = ctx.args.size() == 3;
  int64_t count = 1;
  if (with_count && !ArgToInt64Range(ctx, ctx.args[2], -INT64_MAX, INT64_MAX,
                                     errors::kRandCountRange, &count)) {
    return;
  }
  ReadSet(ctx, ctx.args[1], [&](const SetObject* set) {
    if (!with_count) {
      if (set == nullptr) return ctx.reply.WriteNull();
      return ctx.reply.WriteBulk(store::RandomMember(*set));
    }
    std::vector<std::string> members;
    if (set != nullptr && count != 0) store::RandomMembers(*set, count, &members);
    ReplyMembers(ctx, members, false);
  });
}

void CmdSMove(CommandContext& ctx) {
  store::KeyRef keys[] = {{ctx.db(), ctx.args[1]}, {ctx.db(), ctx.args[2]}};
  ctx.server.store.AccessMany(keys, [&](std::span<KeyHandle> hs) {
    Result<bool> moved = store::SetMove(hs[0], hs[1], ctx.args[3]);
    if (!ReplyStatus(ctx, moved.status())) ctx.reply.WriteInteger(*moved ? 1 : 0);
  });
}

// Redis reads the cursor with strtoul: a sign is accepted; spaces, trailing bytes and values
// past 2^64-1 are not.
bool ParseCursor(CommandContext& ctx, std::string_view arg, uint64_t* cursor) {
  std::string text(arg);
  char* end = nullptr;
  errno = 0;
  *cursor = std::strtoull(text.c_str(), &end, 10);
  if (!text.empty() && text[0] != ' ' && *end == '\0' && errno != ERANGE) return true;
  ctx.reply.WriteError(errors::kInvalidCursor);
  return false;
}

// SSCAN key cursor [MATCH pattern] [COUNT count]: COUNT is a number of table slots, a hint.
void CmdSScan(CommandContext& ctx) {
  uint64_t cursor = 0;
  if (!ParseCursor(ctx, ctx.args[2], &cursor)) return;
  std::string_view pattern = "*";
  int64_t count = 10;
  for (size_t i = 3; i < ctx.args.size(); i += 2) {
    bool has_value = i + 1 < ctx.args.size();
    if (has_value && EqualsIgnoreCase(ctx.args[i], "match")) {
      pattern = ctx.args[i + 1];
    } else if (has_value && EqualsIgnoreCase(ctx.args[i], "count")) {
      if (!ArgToInt64(ctx, ctx.args[i + 1], &count)) return;
      if (count < 1) return ctx.reply.WriteError(errors::kSyntax);
    } else {
      return ctx.reply.WriteError(errors::kSyntax);
    }
  }
  ReadSet(ctx, ctx.args[1], [&](const SetObject* set) {
    std::vector<std::string> found;
    uint64_t next = 0;
    if (set != nullptr) {
      next = set->Scan(cursor, static_cast<size_t>(count), [&](std::string_view m) {
        if (pattern == "*" || GlobMatch(pattern, m)) found.emplace_back(m);
      });
    }
    char text[24];
    char* end = std::to_chars(text, text + sizeof(text), next).ptr;
    ctx.reply.WriteArrayLen(2);
    ctx.reply.WriteBulk({text, static_cast<size_t>(end - text)});
    ReplyMembers(ctx, found, false);
  });
}

}  // namespace

void RegisterSetCommands(CommandTable& table) {
  constexpr std::string_view kGroup = "set";
  constexpr std::string_view kPerMember = "O(N) where N is the number of members to be checked.";
  table.Add({"sadd", -3, kWrite | kDenyOom | kFast, 1, 1, 1, CmdSAdd, kGroup, "1.0.0",
             "Add one or more members to a set",
             "O(1) for each element added, so O(N) to add N elements when the command is called "
             "with multiple arguments.",
             "key member [member ...]"});
  table.Add({"srem", -3, kWrite | kFast, 1, 1, 1, CmdSRem, kGroup, "1.0.0",
             "Remove one or more members from a set",
             "O(N) where N is the number of members to be removed.", "key member [member ...]"});
  table.Add({"sismember", 3, kReadOnly | kFast, 1, 1, 1, CmdSIsMember, kGroup, "1.0.0",
             "Determine if a given value is a member of a set", "O(1)", "key member"});
  table.Add({"smismember", -3, kReadOnly | kFast, 1, 1, 1, CmdSMIsMember, kGroup, "6.2.0",
             "Returns the membership associated with the given elements for a set", kPerMember,
             "key member [member ...]"});
  table.Add({"smembers", 2, kReadOnly, 1, 1, 1, CmdSMembers, kGroup, "1.0.0",
             "Get all the members in a set", "O(N) where N is the set cardinality.", "key"});
  table.Add({"scard", 2, kReadOnly | kFast, 1, 1, 1, CmdSCard, kGroup, "1.0.0",
             "Get the number of members in a set", "O(1)", "key"});
  table.Add({"spop", -2, kWrite | kFast, 1, 1, 1, CmdSPop, kGroup, "1.0.0",
             "Remove and return one or multiple random members from a set",
             "Without the count argument O(1), otherwise O(N) where N is the value of the "
             "passed count.",
             "key [count]"});
  table.Add({"srandmember", -2, kReadOnly, 1, 1, 1, CmdSRandMember, kGroup, "1.0.0",
             "Get one or multiple random members from a set",
             "Without the count argument O(1), otherwise O(N) where N is the absolute value of "
             "the passed count.",
             "key [count]"});
  table.Add({"smove", 4, kWrite | kFast, 1, 2, 1, CmdSMove, kGroup, "1.0.0",
             "Move a member from one set to another", "O(1)", "source destination member"});
  table.Add({"sscan", -3, kReadOnly, 1, 1, 1, CmdSScan, kGroup, "2.8.0",
             "Incrementally iterate Set elements",
             "O(1) for every call. O(N) for a complete iteration, including enough command calls "
             "for the cursor to return back to 0. N is the number of elements inside the "
             "collection.",
             "key cursor [MATCH pattern] [COUNT count]"});
  RegisterSetAlgebraCommands(table);
}

}  // namespace cairn::server
