// src/commands/list_move_commands.cc — list commands that move elements between keys or
// wait for them: LMOVE, RPOPLPUSH, LMPOP and their blocking forms BLMOVE, BRPOPLPUSH, BLPOP,
// BRPOP, BLMPOP.
//
// A blocking command is its non-blocking body plus one rule (src/exec/blocking.h): when every key
// it names is empty or missing it calls BlockClient and writes nothing; the server runs the
// same handler again when one of those keys is written, or sends the timeout reply. So each
// body here reports whether it replied, and the blocking form blocks when it did not.
// Every list command times out with a null array, BLMOVE and BRPOPLPUSH included: Redis 7.0
// sends *-1 for them too in RESP2 (RESP3 has one null, _).
#include <string>
#include <vector>

#include "resp/number.h"
#include "src/commands/list_family.h"
#include "src/exec/blocking.h"
#include "src/exec/errors.h"
#include "src/exec/notify.h"
#include "src/exec/reply.h"
#include "src/exec/server_state.h"
#include "store/types/list/list_ops.h"

namespace cairn::server {
namespace {

using store::Entry;
using store::KeyHandle;
using store::KeyRef;
using store::ListElem;
using store::ListObject;
using store::ListSide;

// ---- LMOVE and friends -------------------------------------------------------------------

struct MoveArgs {
  std::string_view source, destination;
  ListSide from = ListSide::kTail, to = ListSide::kHead;
};

// Pops one element of source and pushes it on destination, atomically (the two may be the
// same key: a rotation). Replies with the element, or WRONGTYPE; returns false, without
// replying, when source is missing.
bool MoveOne(CommandContext& ctx, const MoveArgs& m) {
  KeyRef keys[] = {{ctx.db(), m.source}, {ctx.db(), m.destination}};
  std::string value;
  Result<bool> moved = ctx.server.store.AccessMany(keys, [&](std::span<KeyHandle> hs) {
    Result<Entry*> src = store::FindEntryAs<ListObject>(hs[0]);
    if (src.ok() && *src == nullptr) return Result<bool>(false);
    if (!src.ok() && IsBlockedRetry(ctx)) return Result<bool>(false);  // another type: wait on
    Result<Entry*> dst = store::FindEntryAs<ListObject>(hs[1]);
    if (!src.ok() || !dst.ok()) return Result<bool>(Code::kWrongType);
    std::string scratch;
    bool same = m.source == m.destination;
    bool emptied = store::ListOf(*src)->size() == 1 && !same;
    if (same && store::ListOf(*src)->size() == 1) {
      // Rotating a one-element list leaves it as it was, TTL included; it still counts as a
      // change (WATCH) and notifies, as in Redis.
      std::string node_buf;
      value.assign(store::ListOf(*src)->At(0, &node_buf).View(&scratch));
      hs[0].MarkChanged();
    } else {
      store::ListPop(hs[0], *src, m.from, 1,
                     [&](const ListElem& e) { value.assign(e.View(&scratch)); });
      std::string_view elem = value;
      store::ListPush(hs[1], hs[1].Find(), m.to, std::span<const std::string_view>(&elem, 1));
    }
    NotifyKey(ctx, kNotifyList, m.to == ListSide::kHead ? "lpush" : "rpush", m.destination);
    NotifyListPopped(ctx, m.source, m.from, emptied);
    return Result<bool>(true);
  });
  if (ReplyStatus(ctx, moved.status())) return true;
  if (!*moved) return false;
  ctx.reply.WriteBulk(value);
  return true;
}

// LMOVE's and BLMOVE's "source destination LEFT|RIGHT LEFT|RIGHT" from args[1].
bool ParseMove(CommandContext& ctx, MoveArgs* m) {
  m->source = ctx.args[1];
  m->destination = ctx.args[2];
  if (!ParseListSide(ctx.args[3], &m->from) || !ParseListSide(ctx.args[4], &m->to)) {
    ctx.reply.WriteError(errors::kSyntax);
    return false;
  }
  return true;
}

void CmdLMove(CommandContext& ctx) {
  MoveArgs m;
  if (ParseMove(ctx, &m) && !MoveOne(ctx, m)) ctx.reply.WriteNull();
}

void CmdRPopLPush(CommandContext& ctx) {
  if (!MoveOne(ctx, {ctx.args[1], ctx.args[2]})) ctx.reply.WriteNull();
}

void CmdBLMove(CommandContext& ctx) {
  MoveArgs m;
  int64_t deadline_ms = 0;
  if (!ParseMove(ctx, &m) || !ParseBlockTimeoutSeconds(ctx, ctx.args[5], &deadline_ms)) return;
  if (!MoveOne(ctx, m)) {
    BlockClient(ctx, ctx.args.subspan(1, 1), deadline_ms, TimeoutReply::kNullArray);
  }
}

void CmdBRPopLPush(CommandContext& ctx) {
  int64_t deadline_ms = 0;
  if (!ParseBlockTimeoutSeconds(ctx, ctx.args[3], &deadline_ms)) return;
  if (!MoveOne(ctx, {ctx.args[1], ctx.args[2]})) {
    BlockClient(ctx, ctx.args.subspan(1, 1), deadline_ms, TimeoutReply::kNullArray);
  }
}

// ---- Pops from the first non-empty key ---------------------------------------------------

enum class PopShape { kKeyAndElement, kKeyAndArray };  // BLPOP's [k, e]; LMPOP's [k, [e...]]

// Pops up to count elements from side of the first key holding a list. Replies ([key,
// element] or [key, [elements]]) or with WRONGTYPE when a key before it is not a list;
// returns false, without replying, when every key is missing.
bool PopFirst(CommandContext& ctx, std::span<const std::string_view> keys, ListSide side,
              size_t count, PopShape shape) {
  for (std::string_view key : keys) {
    int replied = ctx.server.store.Access(ctx.db(), key, [&](KeyHandle& h) {
      Result<Entry*> found = store::FindEntryAs<ListObject>(h);
      if (!found.ok() && IsBlockedRetry(ctx)) return 0;  // re-created as another type: wait on
      if (!found.ok()) {
        ctx.reply.WriteError(errors::kWrongType);
        return 1;
      }
      Entry* e = *found;
      if (e == nullptr) return 0;
      size_t length = store::ListOf(e)->size();
      size_t n = std::min(count, length);
      ctx.reply.WriteArrayLen(2);
      ctx.reply.WriteBulk(key);
      if (shape == PopShape::kKeyAndArray) ctx.reply.WriteArrayLen(static_cast<int64_t>(n));
      store::ListPop(h, e, side, n, [&](const ListElem& el) { WriteListElem(ctx.reply, el); });
      NotifyListPopped(ctx, key, side, n == length);
      return 1;
    });
    if (replied != 0) return true;
  }
  return false;
}

void BlockingPop(CommandContext& ctx, ListSide side) {
  int64_t deadline_ms = 0;
  if (!ParseBlockTimeoutSeconds(ctx, ctx.args.back(), &deadline_ms)) return;
  auto keys = ctx.args.subspan(1, ctx.args.size() - 2);
  if (!PopFirst(ctx, keys, side, 1, PopShape::kKeyAndElement)) {
    BlockClient(ctx, keys, deadline_ms, TimeoutReply::kNullArray);
  }
}

void CmdBLPop(CommandContext& ctx) { BlockingPop(ctx, ListSide::kHead); }
void CmdBRPop(CommandContext& ctx) { BlockingPop(ctx, ListSide::kTail); }

struct MPopArgs {
  std::span<const std::string_view> keys;
  ListSide side = ListSide::kHead;
  size_t count = 1;
};

// "numkeys key [key ...] LEFT|RIGHT [COUNT count]" from args[first].
bool ParseMPop(CommandContext& ctx, size_t first, MPopArgs* m) {
  int64_t numkeys = 0;
  if (!resp::ParseInt64(ctx.args[first], &numkeys) || numkeys <= 0) {
    ctx.reply.WriteError(errors::kNumKeysPositive);
    return false;
  }
  size_t rest = ctx.args.size() - first - 1;  // arguments after numkeys
  if (static_cast<uint64_t>(numkeys) >= rest) {
    ctx.reply.WriteError(errors::kSyntax);
    return false;
  }
  m->keys = ctx.args.subspan(first + 1, static_cast<size_t>(numkeys));
  size_t i = first + 1 + static_cast<size_t>(numkeys);
  if (!ParseListSide(ctx.args[i], &m->side)) {
    ctx.reply.WriteError(errors::kSyntax);
    return false;
  }
  int64_t count = 1;
  if (!ParseMPopCount(ctx, ctx.args.subspan(i + 1), &count)) return false;
  m->count = static_cast<size_t>(count);
  return true;
}

void CmdLMPop(CommandContext& ctx) {
  MPopArgs m;
  if (!ParseMPop(ctx, 1, &m)) return;
  if (!PopFirst(ctx, m.keys, m.side, m.count, PopShape::kKeyAndArray)) {
    ctx.reply.WriteNullArray();
  }
}

void CmdBLMPop(CommandContext& ctx) {
  int64_t deadline_ms = 0;
  if (!ParseBlockTimeoutSeconds(ctx, ctx.args[1], &deadline_ms)) return;
  MPopArgs m;
  if (!ParseMPop(ctx, 2, &m)) return;
  if (!PopFirst(ctx, m.keys, m.side, m.count, PopShape::kKeyAndArray)) {
    BlockClient(ctx, m.keys, deadline_ms, TimeoutReply::kNullArray);
  }
}

}  // namespace

void RegisterListMoveCommands(CommandTable& table) {
  constexpr std::string_view kGroup = "list";
  constexpr std::string_view kMPopDoc =
      "O(N+M) where N is the number of provided keys and M is the number of elements returned.";
  table.Add({
      {.name = "lmove", .arity = 5, .flags = kWrite | kDenyOom,
       .first_key = 1, .last_key = 2, .key_step = 1, .handler = CmdLMove,
       .group = kGroup, .since = "6.2.0",
       .summary = "Pop an element from a list, push it to another list and return it",
       .complexity = "O(1)", .syntax = "source destination LEFT | RIGHT LEFT | RIGHT"},
      {.name = "rpoplpush", .arity = 3, .flags = kWrite | kDenyOom,
       .first_key = 1, .last_key = 2, .key_step = 1, .handler = CmdRPopLPush,
       .group = kGroup, .since = "1.2.0",
       .summary = "Remove the last element in a list, prepend it to another list and return it",
       .complexity = "O(1)", .syntax = "source destination"},
      {.name = "lmpop", .arity = -4, .flags = kWrite | kMovableKeys, .handler = CmdLMPop,
       .group = kGroup, .since = "7.0.0", .summary = "Pop elements from a list",
       .complexity = kMPopDoc, .syntax = "numkeys key [key ...] LEFT | RIGHT [COUNT count]"},
      {.name = "blmove", .arity = 6, .flags = kWrite | kDenyOom | kNoScript | kBlocking,
       .first_key = 1, .last_key = 2, .key_step = 1, .handler = CmdBLMove,
       .group = kGroup, .since = "6.2.0",
       .summary = "Pop an element from a list, push it to another list and return it; or block "
                  "until one is available",
       .complexity = "O(1)", .syntax = "source destination LEFT | RIGHT LEFT | RIGHT timeout"},
      {.name = "brpoplpush", .arity = 4, .flags = kWrite | kDenyOom | kNoScript | kBlocking,
       .first_key = 1, .last_key = 2, .key_step = 1, .handler = CmdBRPopLPush,
       .group = kGroup, .since = "2.2.0",
       .summary = "Pop an element from a list, push it to another list and return it; or block "
                  "until one is available",
       .complexity = "O(1)", .syntax = "source destination timeout"},
      {.name = "blpop", .arity = -3, .flags = kWrite | kNoScript | kBlocking,
       .first_key = 1, .last_key = -2, .key_step = 1, .handler = CmdBLPop,
       .group = kGroup, .since = "2.0.0",
       .summary = "Remove and get the first element in a list, or block until one is available",
       .complexity = "O(N) where N is the number of provided keys.",
       .syntax = "key [key ...] timeout"},
      {.name = "brpop", .arity = -3, .flags = kWrite | kNoScript | kBlocking,
       .first_key = 1, .last_key = -2, .key_step = 1, .handler = CmdBRPop,
       .group = kGroup, .since = "2.0.0",
       .summary = "Remove and get the last element in a list, or block until one is available",
       .complexity = "O(N) where N is the number of provided keys.",
       .syntax = "key [key ...] timeout"},
      {.name = "blmpop", .arity = -5, .flags = kWrite | kBlocking | kMovableKeys,
       .handler = CmdBLMPop,
       .group = kGroup, .since = "7.0.0",
       .summary = "Pop elements from a list, or block until one is available",
       .complexity = kMPopDoc,
       .syntax = "timeout numkeys key [key ...] LEFT | RIGHT [COUNT count]"},
  });
}

}  // namespace cairn::server
