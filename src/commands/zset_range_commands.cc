// src/commands/zset_range_commands.cc — sorted-set ranges: ZRANGE (BYSCORE, BYLEX, REV,
// LIMIT, WITHSCORES) and its older forms (ZREVRANGE, ZRANGEBYSCORE, ZREVRANGEBYSCORE,
// ZRANGEBYLEX, ZREVRANGEBYLEX), ZRANGESTORE, and the range removals (ZREMRANGEBYRANK,
// ZREMRANGEBYSCORE, ZREMRANGEBYLEX).
//
// Every range becomes an ascending rank interval of the set (zset_family.h) plus a
// direction; LIMIT then cuts the interval in the direction of the walk.
#include <algorithm>
#include <string>
#include <vector>

#include "src/commands/zset_family.h"
#include "src/exec/command_table.h"
#include "src/exec/errors.h"
#include "src/exec/notify.h"
#include "src/exec/reply.h"
#include "src/exec/server_state.h"
#include "store/encoding_limits.h"
#include "store/types/zset/zset_ops.h"

namespace cairn::server {
namespace {

using store::KeyHandle;
using store::ZSet;

enum class RangeBy { kRank, kScore, kLex };

struct RangeRequest {
  RangeBy by = RangeBy::kRank;
  bool rev = false;
  bool withscores = false;
  bool limit = false;
  int64_t offset = 0;
  int64_t count = -1;                    // < 0: no limit
  std::string_view start_arg, stop_arg;  // as given (for REV by score/lex: max, then min)
  // Parsed boundaries (min, max order).
  int64_t start = 0, stop = 0;
  ScoreBound score_min, score_max;
  LexBound lex_min, lex_max;
};

// Options from args[first] on. `choose_by` allows BYSCORE/BYLEX/REV (ZRANGE, ZRANGESTORE);
// `store` forbids WITHSCORES.
bool ParseRangeOptions(CommandContext& ctx, size_t first, bool choose_by, bool store,
                       RangeRequest* r) {
  // Each of REV and BYSCORE|BYLEX at most once: a repeat is a syntax error, as in Redis.
  bool by_given = false, rev_given = false;
  for (size_t i = first; i < ctx.args.size(); ++i) {
    std::string_view a = ctx.args[i];
    if (!store && EqualsIgnoreCase(a, "withscores")) {
      r->withscores = true;
    } else if (EqualsIgnoreCase(a, "limit") && i + 2 < ctx.args.size()) {
      if (!ArgToInt64(ctx, ctx.args[i + 1], &r->offset) ||
          !ArgToInt64(ctx, ctx.args[i + 2], &r->count)) {
        return false;
      }
      r->limit = true;
      i += 2;
    } else if (choose_by && !by_given && EqualsIgnoreCase(a, "byscore")) {
      r->by = RangeBy::kScore;
      by_given = true;
    } else if (choose_by && !by_given && EqualsIgnoreCase(a, "bylex")) {
      r->by = RangeBy::kLex;
      by_given = true;
    } else if (choose_by && !rev_given && EqualsIgnoreCase(a, "rev")) {
      r->rev = true;
      rev_given = true;
    } else {
      ctx.reply.WriteError(errors::kSyntax);
      return false;
    }
  }
  return true;
}

// Checks the option combination and parses the two range arguments.
bool ParseRangeBounds(CommandContext& ctx, RangeRequest* r) {
  if (r->limit && r->by == RangeBy::kRank) {
    // Redis only objects to a LIMIT that limits: "LIMIT x -1" on a rank range is ignored.
    if (r->count != -1) {
      ctx.reply.WriteError(errors::kZLimitNeedsBy);
      return false;
    }
    r->offset = 0;
  }
  if (r->withscores && r->by == RangeBy::kLex) {
    ctx.reply.WriteError(errors::kZWithScoresByLex);
    return false;
  }
  std::string_view min = r->start_arg, max = r->stop_arg;
  if (r->rev && r->by != RangeBy::kRank) std::swap(min, max);
  switch (r->by) {
    case RangeBy::kRank:
      return ArgToInt64(ctx, min, &r->start) && ArgToInt64(ctx, max, &r->stop);
    case RangeBy::kScore:
      if (ParseScoreBound(min, &r->score_min) && ParseScoreBound(max, &r->score_max)) return true;
      ctx.reply.WriteError(errors::kZMinMaxFloat);
      return false;
    case RangeBy::kLex:
      if (ParseLexBound(min, &r->lex_min) && ParseLexBound(max, &r->lex_max)) return true;
      ctx.reply.WriteError(errors::kZMinMaxLex);
      return false;
  }
  return false;
}

// The ascending rank interval [*from, *to) the request selects in z, LIMIT applied; the
// elements are walked from *to - 1 down when r.rev.
void SelectRanks(const ZSet& z, const RangeRequest& r, size_t* from, size_t* to) {
  size_t lo = 0, hi = 0;
  switch (r.by) {
    case RangeBy::kRank:
      IndexRanks(r.start, r.stop, z.size(), &lo, &hi);
      if (r.rev && lo < hi) std::tie(lo, hi) = std::pair(z.size() - hi, z.size() - lo);
      break;
    case RangeBy::kScore:
      ScoreRanks(z, r.score_min, r.score_max, &lo, &hi);
      break;
    case RangeBy::kLex:
      LexRanks(z, r.lex_min, r.lex_max, &lo, &hi);
      break;
  }
  *from = *to = 0;
  if (r.offset < 0 || static_cast<uint64_t>(r.offset) >= hi - lo) return;
  size_t offset = static_cast<size_t>(r.offset);
  size_t take =
      r.count < 0 ? hi - lo - offset : std::min(hi - lo - offset, static_cast<size_t>(r.count));
  *from = r.rev ? hi - offset - take : lo + offset;
  *to = *from + take;
}

void RangeGeneric(CommandContext& ctx, RangeRequest& r) {
  if (!ParseRangeBounds(ctx, &r)) return;
  ctx.server.store.Access(ctx.db(), ctx.args[1], [&](KeyHandle& h) {
    const ZSet* z = nullptr;
    if (!ReadOrReply(ctx, h, &z)) return;
    size_t from = 0, to = 0;
    if (z != nullptr) SelectRanks(*z, r, &from, &to);
    WriteScoredLen(ctx.reply, to - from, r.withscores);
    if (from == to) return;
    z->VisitRanks(from, to, r.rev, [&](std::string_view m, double s) {
      WriteScored(ctx.reply, m, s, r.withscores);
    });
  });
}

// ZRANGE-like commands whose range arguments are args[2], args[3] and options follow.
void RangeCommand(CommandContext& ctx, RangeBy by, bool rev, bool choose_by) {
  RangeRequest r;
  r.by = by;
  r.rev = rev;
  r.start_arg = ctx.args[2];
  r.stop_arg = ctx.args[3];
  if (!ParseRangeOptions(ctx, 4, choose_by, false, &r)) return;
  RangeGeneric(ctx, r);
}

void CmdZRange(CommandContext& ctx) { RangeCommand(ctx, RangeBy::kRank, false, true); }
void CmdZRevRange(CommandContext& ctx) { RangeCommand(ctx, RangeBy::kRank, true, false); }
void CmdZRangeByScore(CommandContext& ctx) { RangeCommand(ctx, RangeBy::kScore, false, false); }
void CmdZRevRangeByScore(CommandContext& ctx) { RangeCommand(ctx, RangeBy::kScore, true, false); }
void CmdZRangeByLex(CommandContext& ctx) { RangeCommand(ctx, RangeBy::kLex, false, false); }
void CmdZRevRangeByLex(CommandContext& ctx) { RangeCommand(ctx, RangeBy::kLex, true, false); }

// ZRANGESTORE dst src min max [BYSCORE|BYLEX] [REV] [LIMIT offset count].
void CmdZRangeStore(CommandContext& ctx) {
  RangeRequest r;
  r.start_arg = ctx.args[3];
  r.stop_arg = ctx.args[4];
  if (!ParseRangeOptions(ctx, 5, true, true, &r) || !ParseRangeBounds(ctx, &r)) return;
  store::KeyRef keys[] = {{ctx.db(), ctx.args[1]}, {ctx.db(), ctx.args[2]}};
  ctx.server.store.AccessMany(keys, [&](std::span<KeyHandle> hs) {
    const ZSet* z = nullptr;
    if (!ReadOrReply(ctx, hs[1], &z)) return;
    ScoredList items;
    size_t from = 0, to = 0;
    if (z != nullptr) SelectRanks(*z, r, &from, &to);
    if (from < to) {
      z->VisitRanks(from, to, false,
                    [&](std::string_view m, double s) { items.emplace_back(std::string(m), s); });
    }
    if (items.empty()) {
      if (hs[0].Delete()) NotifyKey(ctx, kNotifyGeneric, "del", hs[0].key());
    } else {
      // Redis starts the result as a skiplist only for a rank range longer than a listpack.
      bool skiplist_first =
          r.by == RangeBy::kRank &&
          items.size() > store::LimitOf(store::encoding_limits().zset_max_listpack_entries);
      hs[0].Put(store::Value(BuildZSet(items, skiplist_first)), 0);
      NotifyKey(ctx, kNotifyZSet, "zrangestore", hs[0].key());
    }
    ctx.reply.WriteInteger(static_cast<int64_t>(items.size()));
  });
}

// ---- Range removals ----------------------------------------------------------------------

// Removes the ascending interval select(z) picks from the key's zset; replies the count.
// event: the removal's name in keyspace notifications.
template <class Select>
void RemoveRangeGeneric(CommandContext& ctx, std::string_view event, Select&& select) {
  ctx.server.store.Access(ctx.db(), ctx.args[1], [&](KeyHandle& h) {
    const ZSet* z = nullptr;
    if (!FindOrReply(ctx, h, &z)) return;
    size_t from = 0, to = 0;
    if (z != nullptr) select(*z, &from, &to);
    size_t length = z != nullptr ? z->size() : 0;  // z may change below
    size_t removed = from < to ? store::ZRemoveRanks(h, from, to, false).size() : 0;
    if (removed > 0) NotifyKey(ctx, kNotifyZSet, event, h.key());
    if (removed > 0 && removed == length) NotifyKey(ctx, kNotifyGeneric, "del", h.key());
    ctx.reply.WriteInteger(static_cast<int64_t>(removed));
  });
}

void CmdZRemRangeByRank(CommandContext& ctx) {
  int64_t start = 0, stop = 0;
  if (!ArgToInt64(ctx, ctx.args[2], &start) || !ArgToInt64(ctx, ctx.args[3], &stop)) return;
  RemoveRangeGeneric(ctx, "zremrangebyrank", [&](const ZSet& z, size_t* from, size_t* to) {
    IndexRanks(start, stop, z.size(), from, to);
  });
}

void CmdZRemRangeByScore(CommandContext& ctx) {
  ScoreBound min, max;
  if (!ParseScoreBound(ctx.args[2], &min) || !ParseScoreBound(ctx.args[3], &max)) {
    return ctx.reply.WriteError(errors::kZMinMaxFloat);
  }
  RemoveRangeGeneric(ctx, "zremrangebyscore", [&](const ZSet& z, size_t* from, size_t* to) {
    ScoreRanks(z, min, max, from, to);
  });
}

void CmdZRemRangeByLex(CommandContext& ctx) {
  LexBound min, max;
  if (!ParseLexBound(ctx.args[2], &min) || !ParseLexBound(ctx.args[3], &max)) {
    return ctx.reply.WriteError(errors::kZMinMaxLex);
  }
  RemoveRangeGeneric(ctx, "zremrangebylex", [&](const ZSet& z, size_t* from, size_t* to) {
    LexRanks(z, min, max, from, to);
  });
}

}  // namespace

void RegisterZSetRangeCommands(CommandTable& table) {
  constexpr std::string_view kGroup = "sorted-set";
  constexpr std::string_view kRangeCost =
      "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "
      "elements returned.";
  constexpr std::string_view kRemoveCost =
      "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "
      "elements removed by the operation.";
  table.Add({
      {.name = "zrange", .arity = -4, .flags = kReadOnly,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdZRange,
       .group = kGroup, .since = "1.2.0", .summary = "Return a range of members in a sorted set",
       .complexity = kRangeCost,
       .syntax = "key start stop [BYSCORE | BYLEX] [REV] [LIMIT offset count] [WITHSCORES]"},
      {.name = "zrangestore", .arity = -5, .flags = kWrite | kDenyOom,
       .first_key = 1, .last_key = 2, .key_step = 1, .handler = CmdZRangeStore,
       .group = kGroup, .since = "6.2.0",
       .summary = "Store a range of members from sorted set into another key",
       .complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the "
                     "number of elements stored into the destination key.",
       .syntax = "dst src min max [BYSCORE | BYLEX] [REV] [LIMIT offset count]"},
      {.name = "zrevrange", .arity = -4, .flags = kReadOnly,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdZRevRange,
       .group = kGroup, .since = "1.2.0",
       .summary = "Return a range of members in a sorted set, by index, with scores ordered from "
                  "high to low",
       .complexity = kRangeCost, .syntax = "key start stop [WITHSCORES]"},
      {.name = "zrangebyscore", .arity = -4, .flags = kReadOnly,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdZRangeByScore,
       .group = kGroup, .since = "1.0.5",
       .summary = "Return a range of members in a sorted set, by score", .complexity = kRangeCost,
       .syntax = "key min max [WITHSCORES] [LIMIT offset count]"},
      {.name = "zrevrangebyscore", .arity = -4, .flags = kReadOnly,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdZRevRangeByScore,
       .group = kGroup, .since = "2.2.0",
       .summary = "Return a range of members in a sorted set, by score, with scores ordered from "
                  "high to low",
       .complexity = kRangeCost, .syntax = "key max min [WITHSCORES] [LIMIT offset count]"},
      {.name = "zrangebylex", .arity = -4, .flags = kReadOnly,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdZRangeByLex,
       .group = kGroup, .since = "2.8.9",
       .summary = "Return a range of members in a sorted set, by lexicographical range",
       .complexity = kRangeCost, .syntax = "key min max [LIMIT offset count]"},
      {.name = "zrevrangebylex", .arity = -4, .flags = kReadOnly,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdZRevRangeByLex,
       .group = kGroup, .since = "2.8.9",
       .summary = "Return a range of members in a sorted set, by lexicographical range, ordered "
                  "from higher to lower strings.",
       .complexity = kRangeCost, .syntax = "key max min [LIMIT offset count]"},
      {.name = "zremrangebyrank", .arity = 4, .flags = kWrite,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdZRemRangeByRank,
       .group = kGroup, .since = "2.0.0",
       .summary = "Remove all members in a sorted set within the given indexes",
       .complexity = kRemoveCost, .syntax = "key start stop"},
      {.name = "zremrangebyscore", .arity = 4, .flags = kWrite,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdZRemRangeByScore,
       .group = kGroup, .since = "1.2.0",
       .summary = "Remove all members in a sorted set within the given scores",
       .complexity = kRemoveCost, .syntax = "key min max"},
      {.name = "zremrangebylex", .arity = 4, .flags = kWrite,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdZRemRangeByLex,
       .group = kGroup, .since = "2.8.9",
       .summary = "Remove all members in a sorted set between the given lexicographical range",
       .complexity = kRemoveCost, .syntax = "key min max"},
  });
}

}  // namespace cairn::server
