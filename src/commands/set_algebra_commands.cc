// src/commands/set_algebra_commands.cc — the set family's multi-key commands: SINTER, SUNION,
// SDIFF, SINTERSTORE, SUNIONSTORE, SDIFFSTORE and SINTERCARD.
//
// All keys are locked together (Store::AccessMany), so the result reflects one moment. A
// key of another type anywhere in the list is WRONGTYPE, even when a missing key already
// makes an intersection empty (as Redis). The STORE forms replace the destination with the
// whole result (one logged whole-set record) or delete it when the result is empty.
#include <utility>
#include <vector>

#include "src/commands/set_family.h"
#include "src/exec/command_table.h"
#include "src/exec/errors.h"
#include "src/exec/notify.h"
#include "src/exec/reply.h"
#include "src/exec/server_state.h"

namespace cairn::server {
namespace {

using store::KeyHandle;
using store::KeyRef;
using store::SetAlgebra;
using store::SetObject;

std::vector<KeyRef> KeysFrom(CommandContext& ctx, size_t first, size_t end) {
  std::vector<KeyRef> keys;
  keys.reserve(end - first);
  for (size_t i = first; i < end; ++i) keys.push_back({ctx.db(), ctx.args[i]});
  return keys;
}

// SINTER / SUNION / SDIFF key [key ...]
void CombineGeneric(CommandContext& ctx, SetAlgebra op) {
  std::vector<KeyRef> keys = KeysFrom(ctx, 1, ctx.args.size());
  ctx.server.store.AccessMany(keys, [&](std::span<KeyHandle> hs) {
    std::vector<const SetObject*> sets;
    if (!ReadEachOrReply(ctx, hs, &sets)) return;
    if (op == SetAlgebra::kUnion) {
      store::ObjRef result = store::CombineSets(op, sets);
      return ReplySet(ctx, static_cast<const SetObject*>(result.get()));
    }
    // Intersections and differences are distinct by construction: no set is built.
    store::MemberList members = store::InterOrDiff(op, sets);
    if (op == SetAlgebra::kDiff) members = store::InBuiltSetOrder(std::move(members));
    ctx.reply.WriteSetLen(static_cast<int64_t>(members.size()));
    for (size_t i = 0; i < members.size(); ++i) ctx.reply.WriteBulk(members[i]);
  });
}

// SINTERSTORE / SUNIONSTORE / SDIFFSTORE destination key [key ...]
void CombineStoreGeneric(CommandContext& ctx, SetAlgebra op) {
  std::string_view event = op == SetAlgebra::kInter   ? "sinterstore"
                           : op == SetAlgebra::kUnion ? "sunionstore"
                                                      : "sdiffstore";
  std::vector<KeyRef> keys = KeysFrom(ctx, 1, ctx.args.size());
  ctx.server.store.AccessMany(keys, [&](std::span<KeyHandle> hs) {
    std::vector<const SetObject*> sets;
    if (!ReadEachOrReply(ctx, hs.subspan(1), &sets)) return;
    store::ObjRef result = store::CombineSets(op, sets);
    int64_t size = static_cast<int64_t>(result->size());
    if (store::SetStore(hs[0], std::move(result))) {
      NotifyKey(ctx, size > 0 ? kNotifySet : kNotifyGeneric, size > 0 ? event : "del",
                hs[0].key());
    }
    ctx.reply.WriteInteger(size);
  });
}

void CmdSInter(CommandContext& ctx) { CombineGeneric(ctx, SetAlgebra::kInter); }
void CmdSUnion(CommandContext& ctx) { CombineGeneric(ctx, SetAlgebra::kUnion); }
void CmdSDiff(CommandContext& ctx) { CombineGeneric(ctx, SetAlgebra::kDiff); }
void CmdSInterStore(CommandContext& ctx) { CombineStoreGeneric(ctx, SetAlgebra::kInter); }
void CmdSUnionStore(CommandContext& ctx) { CombineStoreGeneric(ctx, SetAlgebra::kUnion); }
void CmdSDiffStore(CommandContext& ctx) { CombineStoreGeneric(ctx, SetAlgebra::kDiff); }

// SINTERCARD numkeys key [key ...] [LIMIT limit]
void CmdSInterCard(CommandContext& ctx) {
  int64_t numkeys = 0;
  // Not a number is "should be greater than 0" too (and LIMIT's "can't be negative"), as in
  // Redis.
  if (!ArgToInt64InRange(ctx, ctx.args[1], 1, INT64_MAX, errors::kNumKeysPositive, &numkeys)) {
    return;
  }
  if (numkeys > static_cast<int64_t>(ctx.args.size()) - 2) {
    return ctx.reply.WriteError(errors::kNumKeysTooMany);
  }
  size_t end = 2 + static_cast<size_t>(numkeys);
  int64_t limit = 0;
  for (size_t i = end; i < ctx.args.size(); i += 2) {
    if (i + 1 >= ctx.args.size() || !EqualsIgnoreCase(ctx.args[i], "limit")) {
      return ctx.reply.WriteError(errors::kSyntax);
    }
    if (!ArgToInt64InRange(ctx, ctx.args[i + 1], 0, INT64_MAX, errors::kLimitNegative, &limit)) {
      return;
    }
  }
  std::vector<KeyRef> keys = KeysFrom(ctx, 2, end);
  ctx.server.store.AccessMany(keys, [&](std::span<KeyHandle> hs) {
    std::vector<const SetObject*> sets;
    if (!ReadEachOrReply(ctx, hs, &sets)) return;
    size_t card = store::InterCard(sets, static_cast<size_t>(limit));
    ctx.reply.WriteInteger(static_cast<int64_t>(card));
  });
}

}  // namespace

void RegisterSetAlgebraCommands(CommandTable& table) {
  constexpr std::string_view kGroup = "set";
  constexpr std::string_view kInterCost =
      "O(N*M) worst case where N is the cardinality of the smallest set and M is the number "
      "of sets.";
  constexpr std::string_view kTotalCost = "O(N) where N is the total number of elements in all "
                                          "given sets.";
  table.Add({
      {.name = "sinter", .arity = -2, .flags = kReadOnly,
       .first_key = 1, .last_key = -1, .key_step = 1, .handler = CmdSInter,
       .group = kGroup, .since = "1.0.0", .summary = "Intersect multiple sets",
       .complexity = kInterCost, .syntax = "key [key ...]"},
      {.name = "sinterstore", .arity = -3, .flags = kWrite | kDenyOom,
       .first_key = 1, .last_key = -1, .key_step = 1, .handler = CmdSInterStore,
       .group = kGroup, .since = "1.0.0",
       .summary = "Intersect multiple sets and store the resulting set in a key",
       .complexity = kInterCost, .syntax = "destination key [key ...]"},
      {.name = "sintercard", .arity = -3, .flags = kReadOnly | kMovableKeys,
       .handler = CmdSInterCard,
       .group = kGroup, .since = "7.0.0",
       .summary = "Intersect multiple sets and return the cardinality of the result",
       .complexity = kInterCost, .syntax = "numkeys key [key ...] [LIMIT limit]"},
      {.name = "sunion", .arity = -2, .flags = kReadOnly,
       .first_key = 1, .last_key = -1, .key_step = 1, .handler = CmdSUnion,
       .group = kGroup, .since = "1.0.0", .summary = "Add multiple sets", .complexity = kTotalCost,
       .syntax = "key [key ...]"},
      {.name = "sunionstore", .arity = -3, .flags = kWrite | kDenyOom,
       .first_key = 1, .last_key = -1, .key_step = 1, .handler = CmdSUnionStore,
       .group = kGroup, .since = "1.0.0",
       .summary = "Add multiple sets and store the resulting set in a key",
       .complexity = kTotalCost, .syntax = "destination key [key ...]"},
      {.name = "sdiff", .arity = -2, .flags = kReadOnly,
       .first_key = 1, .last_key = -1, .key_step = 1, .handler = CmdSDiff,
       .group = kGroup, .since = "1.0.0", .summary = "Subtract multiple sets",
       .complexity = kTotalCost, .syntax = "key [key ...]"},
      {.name = "sdiffstore", .arity = -3, .flags = kWrite | kDenyOom,
       .first_key = 1, .last_key = -1, .key_step = 1, .handler = CmdSDiffStore,
       .group = kGroup, .since = "1.0.0",
       .summary = "Subtract multiple sets and store the resulting set in a key",
       .complexity = kTotalCost, .syntax = "destination key [key ...]"},
  });
}

}  // namespace cairn::server
