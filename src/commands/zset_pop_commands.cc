// src/commands/zset_pop_commands.cc — popping the lowest or highest scored members: ZPOPMIN,
// ZPOPMAX, ZMPOP and their blocking forms BZPOPMIN, BZPOPMAX, BZMPOP (src/exec/blocking.h).
//
// A pop takes from the first key, in argument order, holding a non-empty sorted set; all
// the keys are locked together so the choice and the removal are one atomic step. The
// removed members are what the WAL records (store/types/zset/zset_ops.h).
#include <algorithm>
#include <string>
#include <vector>

#include "src/commands/zset_family.h"
#include "src/exec/blocking.h"
#include "src/exec/command_table.h"
#include "src/exec/errors.h"
#include "src/exec/notify.h"
#include "src/exec/reply.h"
#include "src/exec/server_state.h"
#include "store/types/zset/zset_ops.h"

namespace cairn::server {
namespace {

using store::KeyHandle;
using store::ZSet;

struct Popped {
  std::string_view key;
  ScoredList items;
};

// Pops up to count members (highest first when max) from the first non-empty zset of keys;
// false when every key is missing. kWrongType at the first key of another type.
Result<bool> PopFirst(CommandContext& ctx, std::span<const std::string_view> keys, bool max,
                   size_t count, Popped* out) {
  std::vector<store::KeyRef> refs;
  for (std::string_view k : keys) refs.push_back({ctx.db(), k});
  return ctx.server.store.AccessMany(refs, [&](std::span<KeyHandle> hs) {
    for (size_t i = 0; i < hs.size(); ++i) {
      Result<const ZSet*> found = store::FindAs<ZSet>(hs[i]);
      if (!found.ok() && IsBlockedRetry(ctx)) continue;  // re-created as another type: wait on
      if (!found.ok()) return Result<bool>(found.TakeStatus());
      const ZSet* z = *found;
      if (z == nullptr) continue;
      size_t n = z->size();
      size_t take = std::min(count, n);
      out->key = keys[i];
      out->items = store::ZRemoveRanks(hs[i], max ? n - take : 0, max ? n : take, max);
      if (take > 0) NotifyKey(ctx, kNotifyZSet, max ? "zpopmax" : "zpopmin", keys[i]);
      if (take == n) NotifyKey(ctx, kNotifyGeneric, "del", keys[i]);
      return Result<bool>(true);
    }
    return Result<bool>(false);
  });
}

// ZPOPMIN / ZPOPMAX key [count]. Without a count the reply is one flat member, score pair;
// with one it is a list of scored elements (pairs in RESP3).
void PopGeneric(CommandContext& ctx, bool max) {
  if (ctx.args.size() > 3) return ctx.reply.WriteError(errors::kSyntax);
  int64_t count = 1;
  bool has_count = ctx.args.size() == 3;
  if (has_count &&
      !ArgToInt64InRange(ctx, ctx.args[2], 0, INT64_MAX, errors::kMustBePositive, &count)) {
    return;
  }
  Popped popped;  // a count of 0 still looks at the key: WRONGTYPE for another type
  Result<bool> popped_any = PopFirst(ctx, ctx.args.subspan(1, 1), max, count, &popped);
  if (ReplyStatus(ctx, popped_any.status())) return;
  if (has_count) return WriteScoredList(ctx.reply, popped.items, true);
  ctx.reply.WriteArrayLen(static_cast<int64_t>(2 * popped.items.size()));
  for (const auto& [m, s] : popped.items) {
    ctx.reply.WriteBulk(m);
    ctx.reply.WriteDouble(s);
  }
}

void CmdZPopMin(CommandContext& ctx) { PopGeneric(ctx, false); }
void CmdZPopMax(CommandContext& ctx) { PopGeneric(ctx, true); }

// BZPOPMIN / BZPOPMAX key [key ...] timeout: [key, member, score], or block.
void BlockingPopGeneric(CommandContext& ctx, bool max) {
  int64_t deadline_ms = 0;
  if (!ParseBlockTimeoutSeconds(ctx, ctx.args.back(), &deadline_ms)) return;
  auto keys = ctx.args.subspan(1, ctx.args.size() - 2);
  Popped popped;
  Result<bool> popped_any = PopFirst(ctx, keys, max, 1, &popped);
  if (ReplyStatus(ctx, popped_any.status())) return;
  if (!*popped_any) {
    return BlockClient(ctx, keys, deadline_ms, TimeoutReply::kNullArray);
  }
  ctx.reply.WriteArrayLen(3);
  ctx.reply.WriteBulk(popped.key);
  ctx.reply.WriteBulk(popped.items[0].first);
  ctx.reply.WriteDouble(popped.items[0].second);
}

void CmdBZPopMin(CommandContext& ctx) { BlockingPopGeneric(ctx, false); }
void CmdBZPopMax(CommandContext& ctx) { BlockingPopGeneric(ctx, true); }

struct MPopRequest {
  std::span<const std::string_view> keys;
  bool max = false;
  int64_t count = 1;
};

// numkeys key [key ...] MIN|MAX [COUNT count] from args[first].
bool ParseMPop(CommandContext& ctx, size_t first, MPopRequest* r) {
  int64_t numkeys = 0;
  if (!ArgToInt64InRange(ctx, ctx.args[first], 1, INT64_MAX, errors::kNumKeysPositive, &numkeys)) {
    return false;
  }
  size_t where = first + 1 + static_cast<size_t>(std::min<int64_t>(numkeys, ctx.args.size()));
  if (static_cast<size_t>(numkeys) > ctx.args.size() - first - 2 || where >= ctx.args.size()) {
    ctx.reply.WriteError(errors::kSyntax);
    return false;
  }
  r->keys = ctx.args.subspan(first + 1, static_cast<size_t>(numkeys));
  std::string_view dir = ctx.args[where];
  bool ok = EqualsIgnoreCase(dir, "min") || EqualsIgnoreCase(dir, "max");
  r->max = EqualsIgnoreCase(dir, "max");
  if (!ok) {
    ctx.reply.WriteError(errors::kSyntax);
    return false;
  }
  return ParseMPopCount(ctx, ctx.args.subspan(where + 1), &r->count);
}

// [key, [[member, score], ...]] (RESP2 too), or a null array when nothing was popped.
void WriteMPop(CommandContext& ctx, const Popped& popped) {
  ctx.reply.WriteArrayLen(2);
  ctx.reply.WriteBulk(popped.key);
  ctx.reply.WriteArrayLen(static_cast<int64_t>(popped.items.size()));
  for (const auto& [m, s] : popped.items) {
    ctx.reply.WriteArrayLen(2);
    ctx.reply.WriteBulk(m);
    ctx.reply.WriteDouble(s);
  }
}

void CmdZMPop(CommandContext& ctx) {
  MPopRequest r;
  if (!ParseMPop(ctx, 1, &r)) return;
  Popped popped;
  Result<bool> popped_any = PopFirst(ctx, r.keys, r.max, static_cast<size_t>(r.count), &popped);
  if (ReplyStatus(ctx, popped_any.status())) return;
  if (!*popped_any) return ctx.reply.WriteNullArray();
  WriteMPop(ctx, popped);
}

void CmdBZMPop(CommandContext& ctx) {
  int64_t deadline_ms = 0;
  if (!ParseBlockTimeoutSeconds(ctx, ctx.args[1], &deadline_ms)) return;
  MPopRequest r;
  if (!ParseMPop(ctx, 2, &r)) return;
  Popped popped;
  Result<bool> popped_any = PopFirst(ctx, r.keys, r.max, static_cast<size_t>(r.count), &popped);
  if (ReplyStatus(ctx, popped_any.status())) return;
  if (!*popped_any) {
    return BlockClient(ctx, r.keys, deadline_ms, TimeoutReply::kNullArray);
  }
  WriteMPop(ctx, popped);
}

}  // namespace

void RegisterZSetPopCommands(CommandTable& table) {
  constexpr std::string_view kGroup = "sorted-set";
  constexpr std::string_view kPopCost =
      "O(log(N)*M) with N being the number of elements in the sorted set, and M being the "
      "number of elements popped.";
  constexpr std::string_view kMPopCost =
      "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of "
      "elements in the sorted set, and M being the number of elements popped.";
  table.Add({
      {.name = "zpopmin", .arity = -2, .flags = kWrite | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdZPopMin,
       .group = kGroup, .since = "5.0.0",
       .summary = "Remove and return members with the lowest scores in a sorted set",
       .complexity = kPopCost, .syntax = "key [count]"},
      {.name = "zpopmax", .arity = -2, .flags = kWrite | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdZPopMax,
       .group = kGroup, .since = "5.0.0",
       .summary = "Remove and return members with the highest scores in a sorted set",
       .complexity = kPopCost, .syntax = "key [count]"},
      {.name = "bzpopmin", .arity = -3, .flags = kWrite | kFast | kNoScript | kBlocking,
       .first_key = 1, .last_key = -2, .key_step = 1, .handler = CmdBZPopMin,
       .group = kGroup, .since = "5.0.0",
       .summary = "Remove and return the member with the lowest score from one or more sorted "
                  "sets, or block until one is available",
       .complexity = "O(log(N)) with N being the number of elements in the sorted set.",
       .syntax = "key [key ...] timeout"},
      {.name = "bzpopmax", .arity = -3, .flags = kWrite | kFast | kNoScript | kBlocking,
       .first_key = 1, .last_key = -2, .key_step = 1, .handler = CmdBZPopMax,
       .group = kGroup, .since = "5.0.0",
       .summary = "Remove and return the member with the highest score from one or more sorted "
                  "sets, or block until one is available",
       .complexity = "O(log(N)) with N being the number of elements in the sorted set.",
       .syntax = "key [key ...] timeout"},
      {.name = "zmpop", .arity = -4, .flags = kWrite | kMovableKeys, .handler = CmdZMPop,
       .group = kGroup, .since = "7.0.0",
       .summary = "Remove and return members with scores in a sorted set", .complexity = kMPopCost,
       .syntax = "numkeys key [key ...] MIN | MAX [COUNT count]"},
      {.name = "bzmpop", .arity = -5, .flags = kWrite | kMovableKeys | kBlocking,
       .handler = CmdBZMPop,
       .group = kGroup, .since = "7.0.0",
       .summary = "Remove and return members with scores in a sorted set or block until one is "
                  "available",
       .complexity = kMPopCost, .syntax = "timeout numkeys key [key ...] MIN | MAX [COUNT count]"},
  });
}

}  // namespace cairn::server
