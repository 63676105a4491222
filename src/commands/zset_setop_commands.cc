// src/commands/zset_setop_commands.cc — unions, intersections and differences of sorted sets:
// ZUNION, ZINTER, ZDIFF, their …STORE forms, and ZINTERCARD.
//
// All input keys (and the destination) are locked together; the result is computed into a
// list sorted by (score, member) and either replied or stored whole into the destination
// (KeyHandle::Put logs the new set; an empty result deletes the destination, as in Redis).
// Weights multiply scores; a product or SUM that is NaN (inf * 0, inf + -inf) counts as 0,
// as Redis does.
//
// Plain sets are accepted as inputs, every member scored 1, as in Redis: such an input is
// copied into a temporary sorted set for the duration of the command.
#include <algorithm>
#include <cmath>
#include <string>
#include <unordered_map>
#include <vector>

#include "resp/number.h"
#include "src/commands/zset_family.h"
#include "src/exec/command_table.h"
#include "src/exec/errors.h"
#include "src/exec/notify.h"
#include "src/exec/reply.h"
#include "src/exec/server_state.h"
#include "store/types/set/set.h"
#include "store/types/zset/zset_ops.h"

namespace cairn::server {
namespace {

using store::KeyHandle;
using store::ZSet;

enum class SetOp { kUnion, kInter, kDiff };
enum class Aggregate { kSum, kMin, kMax };

struct SetOpRequest {
  SetOp op = SetOp::kUnion;
  bool store = false;  // …STORE: args[1] is the destination
  std::span<const std::string_view> keys;
  std::vector<double> weights;  // one per key
  Aggregate aggregate = Aggregate::kSum;
  bool withscores = false;
};

double Combine(Aggregate a, double x, double y) {
  switch (a) {
    case Aggregate::kSum: {
      double sum = x + y;
      return std::isnan(sum) ? 0 : sum;
    }
    case Aggregate::kMin:
      return std::min(x, y);
    case Aggregate::kMax:
      return std::max(x, y);
  }
  return x;
}

double Weighted(double score, double weight) {
  double v = score * weight;
  return std::isnan(v) ? 0 : v;
}

// numkeys and keys from args[first]; Redis's errors for a bad count.
bool ParseSetOpKeys(CommandContext& ctx, size_t first, std::span<const std::string_view>* keys) {
  int64_t numkeys = 0;
  if (!ArgToInt64(ctx, ctx.args[first], &numkeys)) return false;
  if (numkeys < 1) {
    std::string name(ctx.spec != nullptr ? ctx.spec->name : "");
    ctx.reply.WriteError(std::string(errors::kZNeedInputKey) + name + "' command");
    return false;
  }
  if (static_cast<uint64_t>(numkeys) > ctx.args.size() - first - 1) {
    ctx.reply.WriteError(errors::kSyntax);
    return false;
  }
  *keys = ctx.args.subspan(first + 1, static_cast<size_t>(numkeys));
  return true;
}

bool ParseAggregate(std::string_view a, Aggregate* out) {
  if (EqualsIgnoreCase(a, "sum"))
    *out = Aggregate::kSum;
  else if (EqualsIgnoreCase(a, "min"))
    *out = Aggregate::kMin;
  else if (EqualsIgnoreCase(a, "max"))
    *out = Aggregate::kMax;
  else
    return false;
  return true;
}

// WEIGHTS, AGGREGATE (not for ZDIFF) and WITHSCORES (not for …STORE) from args[first].
bool ParseSetOpOptions(CommandContext& ctx, size_t first, SetOpRequest* r) {
  size_t n = r->keys.size();
  r->weights.assign(n, 1.0);
  bool weighted = r->op != SetOp::kDiff;
  for (size_t i = first; i < ctx.args.size(); ++i) {
    std::string_view a = ctx.args[i];
    size_t left = ctx.args.size() - i - 1;
    if (weighted && EqualsIgnoreCase(a, "weights") && left >= n) {
      for (size_t j = 0; j < n; ++j) {
        if (!resp::ParseDouble(ctx.args[i + 1 + j], &r->weights[j])) {
          ctx.reply.WriteError(errors::kZWeightFloat);
          return false;
        }
      }
      i += n;
    } else if (weighted && EqualsIgnoreCase(a, "aggregate") && left >= 1 &&
               ParseAggregate(ctx.args[i + 1], &r->aggregate)) {
      ++i;
    } else if (!r->store && EqualsIgnoreCase(a, "withscores")) {
      r->withscores = true;
    } else {
      ctx.reply.WriteError(errors::kSyntax);
      return false;
    }
  }
  return true;
}

// A plain set as a sorted set whose members all score 1.
store::ObjRef SetAsZSet(const store::SetObject& set) {
  ScoredList items;
  items.reserve(set.size());
  set.ForEach([&](std::string_view m) { items.emplace_back(std::string(m), 1.0); });
  std::sort(items.begin(), items.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  return BuildZSet(items);
}

// The inputs as zsets (nullptr for missing keys, each a "keymiss"; plain sets converted into
// temps); kWrongType when one holds another type.
Status InputSets(CommandContext& ctx, std::span<KeyHandle> hs, std::vector<const ZSet*>* sets,
                 std::vector<store::ObjRef>* temps) {
  for (KeyHandle& h : hs) {
    Result<const store::SetObject*> set = store::FindAs<store::SetObject>(h);
    if (set.ok() && *set != nullptr) {
      temps->push_back(SetAsZSet(**set));
      sets->push_back(static_cast<const ZSet*>(temps->back().get()));
      continue;
    }
    Result<const ZSet*> z = store::FindAs<ZSet>(h);
    if (!z.ok()) return z.TakeStatus();
    if (*z == nullptr) NotifyKey(ctx, kNotifyKeyMiss, "keymiss", h.key());
    sets->push_back(*z);
  }
  return Status::Ok();
}

// The inputs' indexes from the smallest set to the largest (missing keys are empty), equal
// sizes in the order given: the order Redis combines scores in, so that sums round as
// Redis's do ((0.3 + 0.3) + 0.7 is not 0.7 + (0.3 + 0.3) in floating point).
std::vector<size_t> BySize(const std::vector<const ZSet*>& sets) {
  std::vector<size_t> order(sets.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  auto size = [&](size_t i) { return sets[i] == nullptr ? size_t{0} : sets[i]->size(); };
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return size(a) < size(b); });
  return order;
}

ScoredList Union(const SetOpRequest& r, const std::vector<const ZSet*>& sets) {
  std::unordered_map<std::string_view, double> acc;
  for (size_t i : BySize(sets)) {
    if (sets[i] == nullptr) continue;
    sets[i]->VisitRanks(0, sets[i]->size(), false, [&](std::string_view m, double s) {
      double v = Weighted(s, r.weights[i]);
      auto [it, inserted] = acc.emplace(m, v);
      if (!inserted) it->second = Combine(r.aggregate, it->second, v);
    });
  }
  ScoredList out;
  out.reserve(acc.size());
  for (const auto& [m, s] : acc) out.emplace_back(std::string(m), s);
  return out;
}

ScoredList Intersection(const SetOpRequest& r, const std::vector<const ZSet*>& sets, size_t limit) {
  ScoredList out;
  for (const ZSet* z : sets) {
    if (z == nullptr) return out;
  }
  std::vector<size_t> order = BySize(sets);
  const ZSet& base = *sets[order[0]];
  base.VisitRanks(0, base.size(), false, [&](std::string_view m, double s) {
    if (limit != 0 && out.size() >= limit) return;
    double acc = Weighted(s, r.weights[order[0]]);
    for (size_t k = 1; k < order.size(); ++k) {
      double other = 0;
      if (!sets[order[k]]->Score(m, &other)) return;
      acc = Combine(r.aggregate, acc, Weighted(other, r.weights[order[k]]));
    }
    out.emplace_back(std::string(m), acc);
  });
  return out;
}

ScoredList Difference(const std::vector<const ZSet*>& sets) {
  ScoredList out;
  if (sets[0] == nullptr) return out;
  sets[0]->VisitRanks(0, sets[0]->size(), false, [&](std::string_view m, double s) {
    double ignored = 0;
    for (size_t i = 1; i < sets.size(); ++i) {
      if (sets[i] != nullptr && sets[i]->Score(m, &ignored)) return;
    }
    out.emplace_back(std::string(m), s);
  });
  return out;
}

ScoredList Compute(const SetOpRequest& r, const std::vector<const ZSet*>& sets) {
  ScoredList out;
  switch (r.op) {
    case SetOp::kUnion:
      out = Union(r, sets);
      break;
    case SetOp::kInter:
      out = Intersection(r, sets, 0);
      break;
    case SetOp::kDiff:
      out = Difference(sets);
      break;
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.second < b.second || (a.second == b.second && a.first < b.first);
  });
  return out;
}

// The …STORE command's name in keyspace notifications.
std::string_view StoreEvent(SetOp op) {
  return op == SetOp::kUnion ? "zunionstore" : op == SetOp::kInter ? "zinterstore" : "zdiffstore";
}

void SetOpGeneric(CommandContext& ctx, SetOp op, bool store) {
  SetOpRequest r;
  r.op = op;
  r.store = store;
  size_t first = store ? 2 : 1;
  if (!ParseSetOpKeys(ctx, first, &r.keys)) return;
  std::vector<store::KeyRef> refs;
  if (store) refs.push_back({ctx.db(), ctx.args[1]});
  for (std::string_view k : r.keys) refs.push_back({ctx.db(), k});
  ctx.server.store.AccessMany(refs, [&](std::span<KeyHandle> hs) {
    std::vector<const ZSet*> sets;
    std::vector<store::ObjRef> temps;
    // The inputs' types are checked before the options are parsed, as in Redis.
    if (ReplyStatus(ctx, InputSets(ctx, hs.subspan(store ? 1 : 0), &sets, &temps))) return;
    if (!ParseSetOpOptions(ctx, first + 1 + r.keys.size(), &r)) return;
    ScoredList result = Compute(r, sets);
    if (!store) return WriteScoredList(ctx.reply, result, r.withscores);
    if (result.empty()) {
      if (hs[0].Delete()) NotifyKey(ctx, kNotifyGeneric, "del", hs[0].key());
    } else {
      hs[0].Put(store::Value(BuildZSet(result)), 0);
      NotifyKey(ctx, kNotifyZSet, StoreEvent(op), hs[0].key());
    }
    ctx.reply.WriteInteger(static_cast<int64_t>(result.size()));
  });
}

void CmdZUnion(CommandContext& ctx) { SetOpGeneric(ctx, SetOp::kUnion, false); }
void CmdZInter(CommandContext& ctx) { SetOpGeneric(ctx, SetOp::kInter, false); }
void CmdZDiff(CommandContext& ctx) { SetOpGeneric(ctx, SetOp::kDiff, false); }
void CmdZUnionStore(CommandContext& ctx) { SetOpGeneric(ctx, SetOp::kUnion, true); }
void CmdZInterStore(CommandContext& ctx) { SetOpGeneric(ctx, SetOp::kInter, true); }
void CmdZDiffStore(CommandContext& ctx) { SetOpGeneric(ctx, SetOp::kDiff, true); }

// ZINTERCARD's options from args[first]: "[LIMIT limit]", the last one given winning.
bool ParseInterCardLimit(CommandContext& ctx, size_t first, int64_t* limit) {
  for (size_t i = first; i < ctx.args.size(); i += 2) {
    if (i + 1 == ctx.args.size() || !EqualsIgnoreCase(ctx.args[i], "limit")) {
      ctx.reply.WriteError(errors::kSyntax);
      return false;
    }
    if (!ArgToInt64InRange(ctx, ctx.args[i + 1], 0, INT64_MAX, errors::kLimitNegative, limit)) {
      return false;
    }
  }
  return true;
}

// ZINTERCARD numkeys key [key ...] [LIMIT limit]; the keys' types are checked first.
void CmdZInterCard(CommandContext& ctx) {
  SetOpRequest r;
  r.op = SetOp::kInter;
  if (!ParseSetOpKeys(ctx, 1, &r.keys)) return;
  r.weights.assign(r.keys.size(), 1.0);
  std::vector<store::KeyRef> refs;
  for (std::string_view k : r.keys) refs.push_back({ctx.db(), k});
  ctx.server.store.AccessMany(refs, [&](std::span<KeyHandle> hs) {
    std::vector<const ZSet*> sets;
    std::vector<store::ObjRef> temps;
    if (ReplyStatus(ctx, InputSets(ctx, hs, &sets, &temps))) return;
    int64_t limit = 0;
    if (!ParseInterCardLimit(ctx, 2 + r.keys.size(), &limit)) return;
    ScoredList common = Intersection(r, sets, static_cast<size_t>(limit));
    ctx.reply.WriteInteger(static_cast<int64_t>(common.size()));
  });
}

}  // namespace

void RegisterZSetSetOpCommands(CommandTable& table) {
  constexpr std::string_view kGroup = "sorted-set";
  constexpr std::string_view kUnionCost =
      "O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M "
      "being the number of elements in the resulting sorted set.";
  constexpr std::string_view kInterCost =
      "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the "
      "number of input sorted sets and M being the number of elements in the resulting sorted "
      "set.";
  constexpr std::string_view kDiffCost =
      "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, "
      "N is the size of the first set, and K is the size of the result set.";
  constexpr std::string_view kStoreSyntax =
      "destination numkeys key [key ...] [WEIGHTS weight [weight ...]] "
      "[AGGREGATE SUM | MIN | MAX]";
  table.Add({
      {.name = "zunion", .arity = -3, .flags = kReadOnly | kMovableKeys, .handler = CmdZUnion,
       .group = kGroup, .since = "6.2.0", .summary = "Add multiple sorted sets",
       .complexity = kUnionCost,
       .syntax = "numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM | MIN | MAX] "
                 "[WITHSCORES]"},
      {.name = "zinter", .arity = -3, .flags = kReadOnly | kMovableKeys, .handler = CmdZInter,
       .group = kGroup, .since = "6.2.0", .summary = "Intersect multiple sorted sets",
       .complexity = kInterCost,
       .syntax = "numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM | MIN | MAX] "
                 "[WITHSCORES]"},
      {.name = "zdiff", .arity = -3, .flags = kReadOnly | kMovableKeys, .handler = CmdZDiff,
       .group = kGroup, .since = "6.2.0", .summary = "Subtract multiple sorted sets",
       .complexity = kDiffCost, .syntax = "numkeys key [key ...] [WITHSCORES]"},
      {.name = "zunionstore", .arity = -4, .flags = kWrite | kDenyOom | kMovableKeys,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdZUnionStore,
       .group = kGroup, .since = "2.0.0",
       .summary = "Add multiple sorted sets and store the resulting sorted set in a new key",
       .complexity = kUnionCost, .syntax = kStoreSyntax},
      {.name = "zinterstore", .arity = -4, .flags = kWrite | kDenyOom | kMovableKeys,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdZInterStore,
       .group = kGroup, .since = "2.0.0",
       .summary = "Intersect multiple sorted sets and store the resulting sorted set in a new key",
       .complexity = kInterCost, .syntax = kStoreSyntax},
      {.name = "zdiffstore", .arity = -4, .flags = kWrite | kDenyOom | kMovableKeys,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdZDiffStore,
       .group = kGroup, .since = "6.2.0",
       .summary = "Subtract multiple sorted sets and store the resulting sorted set in a new key",
       .complexity = kDiffCost, .syntax = "destination numkeys key [key ...]"},
      {.name = "zintercard", .arity = -3, .flags = kReadOnly | kMovableKeys,
       .handler = CmdZInterCard,
       .group = kGroup, .since = "7.0.0",
       .summary = "Intersect multiple sorted sets and return the cardinality of the result",
       .complexity = "O(N*K) worst case with N being the smallest input sorted set, K being the "
                     "number of input sorted sets.",
       .syntax = "numkeys key [key ...] [LIMIT limit]"},
  });
}

}  // namespace cairn::server
