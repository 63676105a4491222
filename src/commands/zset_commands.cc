// src/commands/zset_commands.cc — the sorted-set family: adding, removing and looking up
// members (ZADD, ZINCRBY, ZREM, ZSCORE, ZMSCORE, ZCARD, ZCOUNT, ZLEXCOUNT, ZRANK, ZREVRANK,
// ZRANDMEMBER, ZSCAN) and the family's registration. Ranges live in zset_range_commands.cc,
// pops in zset_pop_commands.cc, unions/intersections/differences in zset_setop_commands.cc.
//
// Each command parses its arguments first (Redis's error texts), then runs one store
// operation under the key's shard lock (store/types/zset/zset_ops.h logs what changed) and writes the
// reply from inside the lock, where the members it copies are still valid.
#include <algorithm>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

#include "resp/number.h"
#include "src/commands/scan_args.h"
#include "src/commands/zset_family.h"
#include "src/exec/command_table.h"
#include "src/exec/errors.h"
#include "src/exec/notify.h"
#include "src/exec/reply.h"
#include "src/exec/server_state.h"
#include "store/random.h"
#include "store/types/zset/zset_ops.h"

namespace cairn::server {

using store::KeyHandle;

void ZAddGeneric(CommandContext& ctx, std::span<const store::ZItem> items,
                 const store::ZAddOptions& o, bool ch) {
  Result<store::ZAddResult> added = ctx.server.store.Access(
      ctx.db(), ctx.args[1], [&](KeyHandle& h) {
        Result<store::ZAddResult> r = store::ZAdd(h, items, o);
        if (r.ok() && r->added + r->changed > 0) {
          NotifyKey(ctx, kNotifyZSet, o.incr ? "zincr" : "zadd", h.key());
        }
        return r;
      });
  if (ReplyStatus(ctx, added.status(), store::ValueType::kZSet)) return;
  const store::ZAddResult& r = *added;
  if (!o.incr) return ctx.reply.WriteInteger(static_cast<int64_t>(r.added + (ch ? r.changed : 0)));
  if (!r.incr_done) return ctx.reply.WriteNull();
  ctx.reply.WriteDouble(r.incr_score);
}

namespace {

using store::ZSet;

store::FastRandomEngine& Rng() {
  static store::FastRandomEngine engine;  // stateless: each draw uses the thread's generator
  return engine;
}

// ---- ZADD, ZINCRBY, ZREM -----------------------------------------------------------------

// ZADD's leading flags from args[2]; returns the index of the first score.
size_t ParseZAddFlags(CommandContext& ctx, store::ZAddOptions* o, bool* ch) {
  size_t i = 2;
  for (; i < ctx.args.size(); ++i) {
    std::string_view a = ctx.args[i];
    if (EqualsIgnoreCase(a, "nx"))
      o->nx = true;
    else if (EqualsIgnoreCase(a, "xx"))
      o->xx = true;
    else if (EqualsIgnoreCase(a, "gt"))
      o->gt = true;
    else if (EqualsIgnoreCase(a, "lt"))
      o->lt = true;
    else if (EqualsIgnoreCase(a, "ch"))
      *ch = true;
    else if (EqualsIgnoreCase(a, "incr"))
      o->incr = true;
    else
      break;
  }
  return i;
}

bool CheckZAddFlags(CommandContext& ctx, const store::ZAddOptions& o, size_t pairs) {
  if (o.nx && o.xx) {
    ctx.reply.WriteError(errors::kZAddXxNx);
    return false;
  }
  if ((o.gt && o.nx) || (o.lt && o.nx) || (o.gt && o.lt)) {
    ctx.reply.WriteError(errors::kGtLtNx);
    return false;
  }
  if (o.incr && pairs > 1) {
    ctx.reply.WriteError(errors::kZAddIncrPair);
    return false;
  }
  return true;
}

// Parses score/member pairs from args[first] on (all scores before any change).
bool ParseZItems(CommandContext& ctx, size_t first, std::vector<store::ZItem>* items) {
  for (size_t i = first; i + 1 < ctx.args.size(); i += 2) {
    double score = 0;
    if (!resp::ParseDouble(ctx.args[i], &score)) {
      ctx.reply.WriteError(errors::kNotFloat);
      return false;
    }
    items->push_back({score, ctx.args[i + 1]});
  }
  return true;
}

void CmdZAdd(CommandContext& ctx) {
  store::ZAddOptions o;
  bool ch = false;
  size_t first = ParseZAddFlags(ctx, &o, &ch);
  size_t rest = ctx.args.size() - first;
  if (rest == 0 || rest % 2 != 0) return ctx.reply.WriteError(errors::kSyntax);
  if (!CheckZAddFlags(ctx, o, rest / 2)) return;
  std::vector<store::ZItem> items;
  if (!ParseZItems(ctx, first, &items)) return;
  ZAddGeneric(ctx, items, o, ch);
}

void CmdZIncrBy(CommandContext& ctx) {
  double incr = 0;
  if (!resp::ParseDouble(ctx.args[2], &incr)) return ctx.reply.WriteError(errors::kNotFloat);
  store::ZItem item{incr, ctx.args[3]};
  ZAddGeneric(ctx, std::span<const store::ZItem>(&item, 1), store::ZAddOptions{.incr = true},
              false);
}

void CmdZRem(CommandContext& ctx) {
  ReplyCount(ctx, ctx.server.store.Access(ctx.db(), ctx.args[1], [&](KeyHandle& h) {
    bool deleted_key = false;
    Result<size_t> removed = store::ZRemove(h, ctx.args.subspan(2), &deleted_key);
    if (removed.ok() && *removed > 0) NotifyKey(ctx, kNotifyZSet, "zrem", h.key());
    if (deleted_key) NotifyKey(ctx, kNotifyGeneric, "del", h.key());
    return removed;
  }));
}

// ---- Lookups -----------------------------------------------------------------------------

void CmdZScore(CommandContext& ctx) {
  ReadZSet(ctx, ctx.args[1], [&](const ZSet* z) {
    double score = 0;
    if (z == nullptr || !z->Score(ctx.args[2], &score)) return ctx.reply.WriteNull();
    ctx.reply.WriteDouble(score);
  });
}

void CmdZMScore(CommandContext& ctx) {
  ReadZSet(ctx, ctx.args[1], [&](const ZSet* z) {
    ctx.reply.WriteArrayLen(static_cast<int64_t>(ctx.args.size() - 2));
    for (size_t i = 2; i < ctx.args.size(); ++i) {
      double score = 0;
      if (z != nullptr && z->Score(ctx.args[i], &score)) {
        ctx.reply.WriteDouble(score);
      } else {
        ctx.reply.WriteNull();
      }
    }
  });
}

void CmdZCard(CommandContext& ctx) {
  ReadZSet(ctx, ctx.args[1], [&](const ZSet* z) {
    ctx.reply.WriteInteger(z == nullptr ? 0 : static_cast<int64_t>(z->size()));
  });
}

void CmdZCount(CommandContext& ctx) {
  ScoreBound min, max;
  if (!ParseScoreBound(ctx.args[2], &min) || !ParseScoreBound(ctx.args[3], &max)) {
    return ctx.reply.WriteError(errors::kZMinMaxFloat);
  }
  ReadZSet(ctx, ctx.args[1], [&](const ZSet* z) {
    size_t start = 0, end = 0;
    if (z != nullptr) ScoreRanks(*z, min, max, &start, &end);
    ctx.reply.WriteInteger(static_cast<int64_t>(end - start));
  });
}

void CmdZLexCount(CommandContext& ctx) {
  LexBound min, max;
  if (!ParseLexBound(ctx.args[2], &min) || !ParseLexBound(ctx.args[3], &max)) {
    return ctx.reply.WriteError(errors::kZMinMaxLex);
  }
  ReadZSet(ctx, ctx.args[1], [&](const ZSet* z) {
    size_t start = 0, end = 0;
    if (z != nullptr) LexRanks(*z, min, max, &start, &end);
    ctx.reply.WriteInteger(static_cast<int64_t>(end - start));
  });
}

void RankGeneric(CommandContext& ctx, bool reverse) {
  ReadZSet(ctx, ctx.args[1], [&](const ZSet* z) {
    size_t rank = 0;
    if (z == nullptr || !z->Rank(ctx.args[2], &rank)) return ctx.reply.WriteNull();
    ctx.reply.WriteInteger(static_cast<int64_t>(reverse ? z->size() - 1 - rank : rank));
  });
}

void CmdZRank(CommandContext& ctx) { RankGeneric(ctx, false); }
void CmdZRevRank(CommandContext& ctx) { RankGeneric(ctx, true); }

// ---- ZRANDMEMBER -------------------------------------------------------------------------

// `count` elements of z: distinct ones when count > 0 (all of them, in order, when count
// covers the set), -count with repetitions when count < 0.
void WriteRandomMembers(CommandContext& ctx, const ZSet& z, int64_t count, bool withscores) {
  size_t size = z.size();
  auto visit_one = [&](size_t rank) {
    z.VisitRanks(rank, rank + 1, false,
                 [&](std::string_view m, double s) { WriteScored(ctx.reply, m, s, withscores); });
  };
  if (count < 0) {
    size_t n = static_cast<size_t>(-count);
    WriteScoredLen(ctx.reply, n, withscores);
    std::uniform_int_distribution<size_t> pick(0, size - 1);
    for (size_t i = 0; i < n; ++i) visit_one(pick(Rng()));
    return;
  }
  size_t n = std::min(static_cast<size_t>(count), size);
  WriteScoredLen(ctx.reply, n, withscores);
  if (n == size) {
    z.VisitRanks(0, size, false,
                 [&](std::string_view m, double s) { WriteScored(ctx.reply, m, s, withscores); });
    return;
  }
  // Floyd's sampling: n distinct ranks in O(n) draws.
  std::unordered_set<size_t> chosen;
  std::vector<size_t> order;
  for (size_t j = size - n; j < size; ++j) {
    size_t t = std::uniform_int_distribution<size_t>(0, j)(Rng());
    size_t r = chosen.insert(t).second ? t : j;
    if (r == j) chosen.insert(j);
    order.push_back(r);
  }
  for (size_t r : order) visit_one(r);
}

// Redis's order: the count, then the other arguments' syntax, then the key's type.
void CmdZRandMember(CommandContext& ctx) {
  bool has_count = ctx.args.size() >= 3;
  bool withscores = ctx.args.size() == 4;
  int64_t count = 1;
  if (has_count &&
      !ArgToInt64Range(ctx, ctx.args[2], -INT64_MAX, INT64_MAX, errors::kRandCountRange, &count)) {
    return;
  }
  if (ctx.args.size() > 4 || (withscores && !EqualsIgnoreCase(ctx.args[3], "withscores"))) {
    return ctx.reply.WriteError(errors::kSyntax);
  }
  if (withscores && (count < -INT64_MAX / 2 || count > INT64_MAX / 2)) {
    return ctx.reply.WriteError(errors::kValueRange);
  }
  ReadZSet(ctx, ctx.args[1], [&](const ZSet* z) {
    if (!has_count) {
      if (z == nullptr) return ctx.reply.WriteNull();
      size_t r = std::uniform_int_distribution<size_t>(0, z->size() - 1)(Rng());
      z->VisitRanks(r, r + 1, false, [&](std::string_view m, double) { ctx.reply.WriteBulk(m); });
      return;
    }
    if (z == nullptr || count == 0) return ctx.reply.WriteArrayLen(0);
    WriteRandomMembers(ctx, *z, count, withscores);
  });
}

// ---- ZSCAN -------------------------------------------------------------------------------

void CmdZScan(CommandContext& ctx) {
  ScanArgs a;
  if (!ParseScan(ctx, 2, /*allow_type=*/false, &a)) return;
  ScoredList found;
  ReadZSet(ctx, ctx.args[1], [&](const ZSet* z) {
    if (z != nullptr && !a.error.empty()) return ctx.reply.WriteError(a.error);
    uint64_t next = 0;
    if (z != nullptr) {
      next = z->Scan(a.cursor, a.count, [&](std::string_view m, double s) {
        if (a.Matches(m)) found.emplace_back(std::string(m), s);
      });
    }
    char buf[resp::kMaxDoubleChars];
    WriteScanHead(ctx, next);
    ctx.reply.WriteArrayLen(static_cast<int64_t>(2 * found.size()));
    for (const auto& [m, s] : found) {
      ctx.reply.WriteBulk(m);
      ctx.reply.WriteBulk(std::string_view(buf, resp::FormatDouble(s, buf)));
    }
  });
}

}  // namespace

void RegisterZSetCommands(CommandTable& table) {
  constexpr std::string_view kGroup = "sorted-set";
  constexpr std::string_view kLogN =
      "O(log(N)) where N is the number of elements in the sorted set.";
  table.Add({
      {.name = "zadd", .arity = -4, .flags = kWrite | kDenyOom | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1, .element_index = -1,
       .handler = CmdZAdd,
       .group = kGroup, .since = "1.2.0",
       .summary = "Add one or more members to a sorted set, or update its score if it already "
                  "exists",
       .complexity = "O(log(N)) for each item added, where N is the number of elements in the "
                     "sorted set.",
       .syntax = "key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...]"},
      {.name = "zincrby", .arity = 4, .flags = kWrite | kDenyOom | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1, .element_index = 3,
       .handler = CmdZIncrBy,
       .group = kGroup, .since = "1.2.0",
       .summary = "Increment the score of a member in a sorted set", .complexity = kLogN,
       .syntax = "key increment member"},
      {.name = "zrem", .arity = -3, .flags = kWrite | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1, .element_index = 2,
       .handler = CmdZRem,
       .group = kGroup, .since = "1.2.0", .summary = "Remove one or more members from a sorted set",
       .complexity = "O(M*log(N)) with N being the number of elements in the sorted set and M the "
                     "number of elements to be removed.",
       .syntax = "key member [member ...]"},
      {.name = "zscore", .arity = 3, .flags = kReadOnly | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1, .element_index = 2,
       .handler = CmdZScore,
       .group = kGroup, .since = "1.2.0",
       .summary = "Get the score associated with the given member in a sorted set",
       .complexity = "O(1)", .syntax = "key member"},
      {.name = "zmscore", .arity = -3, .flags = kReadOnly | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1, .element_index = 2,
       .handler = CmdZMScore,
       .group = kGroup, .since = "6.2.0",
       .summary = "Get the score associated with the given members in a sorted set",
       .complexity = "O(N) where N is the number of members being requested.",
       .syntax = "key member [member ...]"},
      {.name = "zcard", .arity = 2, .flags = kReadOnly | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdZCard,
       .group = kGroup, .since = "1.2.0", .summary = "Get the number of members in a sorted set",
       .complexity = "O(1)", .syntax = "key"},
      {.name = "zcount", .arity = 4, .flags = kReadOnly | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdZCount,
       .group = kGroup, .since = "2.0.0",
       .summary = "Count the members in a sorted set with scores within the given values",
       .complexity = kLogN, .syntax = "key min max"},
      {.name = "zlexcount", .arity = 4, .flags = kReadOnly | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdZLexCount,
       .group = kGroup, .since = "2.8.9",
       .summary = "Count the number of members in a sorted set between a given lexicographical "
                  "range",
       .complexity = kLogN, .syntax = "key min max"},
      {.name = "zrank", .arity = 3, .flags = kReadOnly | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1, .element_index = 2,
       .handler = CmdZRank,
       .group = kGroup, .since = "2.0.0",
       .summary = "Determine the index of a member in a sorted set", .complexity = "O(log(N))",
       .syntax = "key member"},
      {.name = "zrevrank", .arity = 3, .flags = kReadOnly | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1, .element_index = 2,
       .handler = CmdZRevRank,
       .group = kGroup, .since = "2.0.0",
       .summary = "Determine the index of a member in a sorted set, with scores ordered from high "
                  "to low",
       .complexity = "O(log(N))", .syntax = "key member"},
      {.name = "zrandmember", .arity = -2, .flags = kReadOnly,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdZRandMember,
       .group = kGroup, .since = "6.2.0",
       .summary = "Get one or multiple random elements from a sorted set",
       .complexity = "O(N) where N is the number of elements returned",
       .syntax = "key [count [WITHSCORES]]"},
      {.name = "zscan", .arity = -3, .flags = kReadOnly,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdZScan,
       .group = kGroup, .since = "2.8.0",
       .summary = "Incrementally iterate sorted sets elements and associated scores",
       .complexity = "O(1) for every call. O(N) for a complete iteration, including enough command "
                     "calls for the cursor to return back to 0. N is the number of elements inside "
                     "the collection.",
       .syntax = "key cursor [MATCH pattern] [COUNT count]"},
  });
  RegisterZSetRangeCommands(table);
  RegisterZSetPopCommands(table);
  RegisterZSetSetOpCommands(table);
}

}  // namespace cairn::server
