// src/commands/set_commands.cc — the set family: SADD SREM SISMEMBER SMISMEMBER SMEMBERS
// SCARD SPOP SRANDMEMBER SMOVE SSCAN. The multi-key algebra (SINTER, SUNION, SDIFF, their
// STORE forms, SINTERCARD) lives in set_algebra_commands.cc.
//
// Each command parses its arguments, runs one store operation (store/types/set/set_ops.h) under the
// key's shard lock, and writes its reply while the lock is held (the set's members are copied
// into the reply writer). RESP3 clients get a set type (~) where Redis replies with a set.
#include <string>
#include <vector>

#include "src/commands/scan_args.h"
#include "src/commands/set_family.h"
#include "src/exec/command_table.h"
#include "src/exec/errors.h"
#include "src/exec/notify.h"
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

// Runs fn(set) on the key's set (nullptr when missing: "keymiss") under its lock; WRONGTYPE
// otherwise.
template <class Fn>
void ReadSet(CommandContext& ctx, std::string_view key, Fn&& fn) {
  ctx.server.store.Access(ctx.db(), key, [&](KeyHandle& h) {
    const SetObject* set = nullptr;
    if (!ReadOrReply(ctx, h, &set)) return;
    fn(set);
  });
}

// SADD key member [member ...]: replies with how many members were new.
void CmdSAdd(CommandContext& ctx) {
  ctx.server.store.Access(ctx.db(), ctx.args[1], [&](KeyHandle& h) {
    Result<size_t> added = store::SetAdd(h, ctx.args.subspan(2));
    if (added.ok() && *added > 0) NotifyKey(ctx, kNotifySet, "sadd", h.key());
    ReplyCount(ctx, added);
  });
}

// SREM key member [member ...]: replies with how many members were there.
void CmdSRem(CommandContext& ctx) {
  ctx.server.store.Access(ctx.db(), ctx.args[1], [&](KeyHandle& h) {
    bool deleted_key = false;
    Result<size_t> removed = store::SetRemove(h, ctx.args.subspan(2), &deleted_key);
    if (removed.ok() && *removed > 0) NotifyKey(ctx, kNotifySet, "srem", h.key());
    if (deleted_key) NotifyKey(ctx, kNotifyGeneric, "del", h.key());
    ReplyCount(ctx, removed);
  });
}

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
  // Not an integer either gets "must be positive", as Redis's count parsing says for both.
  if (with_count && !ArgToInt64InRange(ctx, ctx.args[2], 0, INT64_MAX, errors::kMustBePositive,
                                       &count)) {
    return;
  }
  std::vector<std::string> popped;
  Status status = ctx.server.store.Access(ctx.db(), ctx.args[1], [&](KeyHandle& h) {
    bool deleted_key = false;
    Status s = store::SetPop(h, static_cast<size_t>(count), &popped, &deleted_key);
    if (!popped.empty()) NotifyKey(ctx, kNotifySet, "spop", h.key());
    if (deleted_key) NotifyKey(ctx, kNotifyGeneric, "del", h.key());
    return s;
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
    Result<bool> moved = store::SetMove(hs[0], hs[1], ctx.args[3], [&](store::SetMoveStep step) {
      using store::SetMoveStep;
      if (step == SetMoveStep::kRemoved) NotifyKey(ctx, kNotifySet, "srem", hs[0].key());
      if (step == SetMoveStep::kSourceDeleted) NotifyKey(ctx, kNotifyGeneric, "del", hs[0].key());
      if (step == SetMoveStep::kAdded) NotifyKey(ctx, kNotifySet, "sadd", hs[1].key());
    });
    if (!ReplyStatus(ctx, moved.status())) ctx.reply.WriteInteger(*moved ? 1 : 0);
  });
}

// SSCAN key cursor [MATCH pattern] [COUNT count]: COUNT is a number of table slots, a hint.
void CmdSScan(CommandContext& ctx) {
  ScanArgs a;
  if (!ParseScan(ctx, 2, /*allow_type=*/false, &a)) return;
  ReadSet(ctx, ctx.args[1], [&](const SetObject* set) {
    if (set != nullptr && !a.error.empty()) return ctx.reply.WriteError(a.error);
    std::vector<std::string> found;
    uint64_t next = 0;
    if (set != nullptr) {
      next = set->Scan(a.cursor, a.count, [&](std::string_view m) {
        if (a.Matches(m)) found.emplace_back(m);
      });
    }
    WriteScanHead(ctx, next);
    ReplyMembers(ctx, found, false);
  });
}

}  // namespace

void RegisterSetCommands(CommandTable& table) {
  constexpr std::string_view kGroup = "set";
  constexpr std::string_view kPerMember = "O(N) where N is the number of members to be checked.";
  table.Add({
      {.name = "sadd", .arity = -3, .flags = kWrite | kDenyOom | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1, .element_index = 2,
       .handler = CmdSAdd,
       .group = kGroup, .since = "1.0.0", .summary = "Add one or more members to a set",
       .complexity = "O(1) for each element added, so O(N) to add N elements when the command is "
                     "called with multiple arguments.",
       .syntax = "key member [member ...]"},
      {.name = "srem", .arity = -3, .flags = kWrite | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1, .element_index = 2,
       .handler = CmdSRem,
       .group = kGroup, .since = "1.0.0", .summary = "Remove one or more members from a set",
       .complexity = "O(N) where N is the number of members to be removed.",
       .syntax = "key member [member ...]"},
      {.name = "sismember", .arity = 3, .flags = kReadOnly | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1, .element_index = 2,
       .handler = CmdSIsMember,
       .group = kGroup, .since = "1.0.0",
       .summary = "Determine if a given value is a member of a set", .complexity = "O(1)",
       .syntax = "key member"},
      {.name = "smismember", .arity = -3, .flags = kReadOnly | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1, .element_index = 2,
       .handler = CmdSMIsMember,
       .group = kGroup, .since = "6.2.0",
       .summary = "Returns the membership associated with the given elements for a set",
       .complexity = kPerMember, .syntax = "key member [member ...]"},
      {.name = "smembers", .arity = 2, .flags = kReadOnly,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdSMembers,
       .group = kGroup, .since = "1.0.0", .summary = "Get all the members in a set",
       .complexity = "O(N) where N is the set cardinality.", .syntax = "key"},
      {.name = "scard", .arity = 2, .flags = kReadOnly | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdSCard,
       .group = kGroup, .since = "1.0.0", .summary = "Get the number of members in a set",
       .complexity = "O(1)", .syntax = "key"},
      {.name = "spop", .arity = -2, .flags = kWrite | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdSPop,
       .group = kGroup, .since = "1.0.0",
       .summary = "Remove and return one or multiple random members from a set",
       .complexity = "Without the count argument O(1), otherwise O(N) where N is the value of the "
                     "passed count.",
       .syntax = "key [count]"},
      {.name = "srandmember", .arity = -2, .flags = kReadOnly,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdSRandMember,
       .group = kGroup, .since = "1.0.0",
       .summary = "Get one or multiple random members from a set",
       .complexity = "Without the count argument O(1), otherwise O(N) where N is the absolute "
                     "value of the passed count.",
       .syntax = "key [count]"},
      {.name = "smove", .arity = 4, .flags = kWrite | kFast,
       .first_key = 1, .last_key = 2, .key_step = 1, .handler = CmdSMove,
       .group = kGroup, .since = "1.0.0", .summary = "Move a member from one set to another",
       .complexity = "O(1)", .syntax = "source destination member"},
      {.name = "sscan", .arity = -3, .flags = kReadOnly,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdSScan,
       .group = kGroup, .since = "2.8.0", .summary = "Incrementally iterate Set elements",
       .complexity = "O(1) for every call. O(N) for a complete iteration, including enough command "
                     "calls for the cursor to return back to 0. N is the number of elements inside "
                     "the collection.",
       .syntax = "key cursor [MATCH pattern] [COUNT count]"},
  });
  RegisterSetAlgebraCommands(table);
}

}  // namespace cairn::server
