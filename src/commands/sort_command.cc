// src/commands/sort_command.cc — SORT and SORT_RO: the elements of a list, set or sorted set,
// sorted numerically or bytewise (ALPHA), optionally by the values of other keys (BY
// pattern), with LIMIT, GET patterns, and (SORT only) STORE into a list.
//
// A pattern names another key by replacing its first '*' with an element; "key->field" after
// the '*' reads a hash field instead of a string; "#" (GET only) is the element itself. A BY
// pattern without '*' (BY nosort) means no sorting: lists and sorted sets keep their order
// (DESC reverses it), sets are taken as iterated unless stored or sorted from a script (then
// sorted ALPHA, so the result is deterministic), as in Redis 7.0.
//
// Atomicity: SORT reads keys it learns of only while it runs, so a SORT with a pattern that
// names keys runs with every shard held (Store::Atomically); one with STORE holds its two
// keys; inside MULTI/EXEC or a script (kMovableKeys: both hold every shard for it) it runs as
// it is, and inside a transaction holding fewer shards it joins the ones it needs
// (Store::JoinTransaction). Either way no client sees a state between its reads and its
// write, and the stored list is one WAL record.
//
// Ordering, as Redis 7.0: numeric sort parses each weight as strtod does (the whole string;
// an overflow or NaN is an error, reported after sorting, before any GET or STORE) and breaks
// ties bytewise by element; ALPHA compares bytewise up to the first NUL (strcoll in the C
// locale), or all bytes when storing; with BY and ALPHA, elements whose weight key is missing
// sort first. Equal elements keep their order (stable sort).
#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cerrno>
#include <cfloat>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/commands/string_family.h"
#include "src/exec/acl_check.h"
#include "src/exec/command_table.h"
#include "src/exec/errors.h"
#include "src/exec/notify.h"
#include "src/exec/reply.h"
#include "src/exec/server_state.h"
#include "store/types/hash/hash.h"
#include "store/types/list/list.h"
#include "store/types/set/set.h"
#include "store/types/zset/zset.h"

namespace cairn::server {
namespace {

using store::Entry;
using store::KeyHandle;
using store::KeyRef;
using store::ValueType;

struct SortOptions {
  bool desc = false;
  bool alpha = false;
  bool dontsort = false;  // a BY pattern without '*'
  int64_t limit_start = 0;
  int64_t limit_count = -1;
  std::optional<std::string_view> by;
  std::optional<std::string_view> store;
  std::vector<std::string_view> gets;
};

// One element being sorted, with its weight: a score (numeric) or a compare string (ALPHA
// with BY; nullopt when the weight key is missing).
struct SortItem {
  std::string_view elem;  // in the run's arena
  double score = 0;
  std::optional<std::string> cmp;
};

// The elements to sort and the part of them to output, [start, end] inclusive. The elements
// are copied (the key's lock is not held while sorting) into one arena, not one string each.
struct SortRun {
  std::string arena;
  std::vector<size_t> ends;  // ends[i]: where element i ends in the arena
  std::vector<SortItem> items;
  int64_t start = 0;
  int64_t end = -1;

  void Add(std::string_view elem) {
    arena.append(elem);
    ends.push_back(arena.size());
  }
  // Once every element is in: the items, viewing the arena (which no longer moves).
  void MakeItems() {
    items.resize(ends.size());
    size_t from = 0;
    for (size_t i = 0; i < ends.size(); ++i) {
      items[i].elem = std::string_view(arena).substr(from, ends[i] - from);
      from = ends[i];
    }
  }
};

bool HasStar(std::string_view pattern) { return pattern.find('*') != std::string_view::npos; }

// BY and GET patterns name keys no key spec shows, so a user needs to read every key to use
// them (Redis's rule).
constexpr std::string_view kByDenied =
    "ERR BY option of SORT denied due to insufficient ACL permissions.";
constexpr std::string_view kGetDenied =
    "ERR GET option of SORT denied due to insufficient ACL permissions.";

// Parses the options after the key; false when it replied an error. read_only: SORT_RO,
// where STORE is a syntax error.
bool ParseSortOptions(CommandContext& ctx, bool read_only, SortOptions* o) {
  std::span<const std::string_view> args = ctx.args;
  for (size_t j = 2; j < args.size(); ++j) {
    size_t left = args.size() - j - 1;
    std::string_view a = args[j];
    if (EqualsIgnoreCase(a, "asc")) {
      o->desc = false;
    } else if (EqualsIgnoreCase(a, "desc")) {
      o->desc = true;
    } else if (EqualsIgnoreCase(a, "alpha")) {
      o->alpha = true;
    } else if (EqualsIgnoreCase(a, "limit") && left >= 2) {
      if (!ArgToInt64(ctx, args[j + 1], &o->limit_start)) return false;
      if (!ArgToInt64(ctx, args[j + 2], &o->limit_count)) return false;
      j += 2;
    } else if (!read_only && EqualsIgnoreCase(a, "store") && left >= 1) {
      o->store = args[++j];
    } else if (EqualsIgnoreCase(a, "by") && left >= 1) {
      o->by = args[++j];
      o->dontsort |= !HasStar(*o->by);  // as Redis: a later BY does not undo it
      if (HasStar(*o->by) && ctx.server.cluster.enabled()) {
        ctx.reply.WriteError(errors::kSortByCluster);
        return false;
      }
      if (HasStar(*o->by) && !AclReadsAllKeys(ctx.client)) {
        ctx.reply.WriteError(kByDenied);
        return false;
      }
    } else if (EqualsIgnoreCase(a, "get") && left >= 1) {
      if (ctx.server.cluster.enabled()) {  // even "GET #", as Redis
        ctx.reply.WriteError(errors::kSortGetCluster);
        return false;
      }
      if (!AclReadsAllKeys(ctx.client)) {  // even "GET #", as Redis
        ctx.reply.WriteError(kGetDenied);
        return false;
      }
      o->gets.push_back(args[++j]);
    } else {
      ctx.reply.WriteError(errors::kSyntax);
      return false;
    }
  }
  return true;
}

// Whether SORT reads keys named by patterns (then it needs every shard).
bool ReadsPatternKeys(const SortOptions& o) {
  if (o.by && HasStar(*o.by)) return true;
  for (std::string_view g : o.gets) {
    if (HasStar(g)) return true;
  }
  return false;
}

// ---- Patterns ------------------------------------------------------------------------------

// The value a pattern names for elem: the element itself for "#", a string key's value, a
// hash field's value; nullopt when there is no '*', the key is missing or of another type,
// or the field is missing. Every lookup counts as a read (hits, misses, "keymiss").
std::optional<std::string> LookupPattern(CommandContext& ctx, std::string_view pattern,
                                         std::string_view elem) {
  if (pattern == "#") return std::string(elem);
  size_t star = pattern.find('*');
  if (star == std::string_view::npos) return std::nullopt;
  size_t arrow = pattern.find("->", star + 1);
  bool has_field = arrow != std::string_view::npos && arrow + 2 < pattern.size();
  std::string key(pattern.substr(0, star));
  key.append(elem);
  key.append(pattern.substr(star + 1, (has_field ? arrow : pattern.size()) - star - 1));
  std::string_view field = has_field ? pattern.substr(arrow + 2) : std::string_view();
  return ctx.server.store.Access(ctx.db(), key, [&](KeyHandle& h) -> std::optional<std::string> {
    const Entry* e = h.Find();
    CountLookup(ctx, e != nullptr);
    if (e == nullptr) {
      NotifyKey(ctx, kNotifyKeyMiss, "keymiss", h.key());
      return std::nullopt;
    }
    if (has_field) {
      std::string_view value;
      if (e->value.type != ValueType::kHash ||
          !store::ValueAs<store::HashObject>(e)->Get(field, &value)) {
        return std::nullopt;
      }
      return std::string(value);
    }
    if (e->value.type != ValueType::kString) return std::nullopt;
    return std::string(e->value.str.view());
  });
}

// ---- Loading the elements ------------------------------------------------------------------

// Redis's LIMIT arithmetic over n elements: start clamped into [0, n], a negative count
// meaning all, an empty range when start is past the end.
void ClampLimit(const SortOptions& o, int64_t n, SortRun* run) {
  int64_t start = std::min(std::max<int64_t>(o.limit_start, 0), n);
  int64_t count = std::min(std::max<int64_t>(o.limit_count, -1), n);
  int64_t end = count < 0 ? n - 1 : start + count - 1;
  if (start >= n) {
    start = n - 1;
    end = n - 2;
  }
  run->start = start;
  run->end = std::min(end, n - 1);
}

void AddItem(SortRun* run, std::string_view elem) { run->Add(elem); }

// Unsorted lists and sorted sets: only the LIMIT range is taken, in stored order or reversed.
void LoadRange(const Entry* e, bool desc, SortRun* run) {
  if (run->end < run->start) {
    run->start = 0;
    run->end = -1;
    return;
  }
  size_t n = static_cast<size_t>(e->value.obj->size());
  size_t first = static_cast<size_t>(run->start);
  size_t count = static_cast<size_t>(run->end - run->start + 1);
  if (e->value.type == ValueType::kList) {
    const auto* list = store::ValueAs<store::ListObject>(e);
    std::string scratch;
    list->Scan(desc ? n - first - 1 : first, desc, [&](const store::ListElem& el) {
      AddItem(run, store::ListElemText(el, &scratch));
      return run->ends.size() < count;
    });
  } else {
    const auto* zset = store::ValueAs<store::ZSet>(e);
    size_t lo = desc ? n - first - count : first;
    zset->VisitRanks(lo, lo + count, desc, [&](std::string_view m, double) { AddItem(run, m); });
  }
  run->start = 0;
  run->end = static_cast<int64_t>(count) - 1;
}

// Every element, in the collection's own order.
void LoadAll(const Entry* e, SortRun* run) {
  switch (e->value.type) {
    case ValueType::kList: {
      const auto* list = store::ValueAs<store::ListObject>(e);
      std::string scratch;
      list->VisitRange(0, list->size(), [&](const store::ListElem& el) {
        AddItem(run, store::ListElemText(el, &scratch));
      });
      break;
    }
    case ValueType::kSet:
      store::ValueAs<store::SetObject>(e)->ForEach([&](std::string_view m) { AddItem(run, m); });
      break;
    default: {
      const auto* zset = store::ValueAs<store::ZSet>(e);
      zset->VisitRanks(0, zset->size(), false,
                       [&](std::string_view m, double) { AddItem(run, m); });
      break;
    }
  }
}

// Reads the key to sort into run (a missing key is an empty list); replies WRONGTYPE and
// returns false for a key that is not a list, set or sorted set. May turn an unsorted set
// that is stored, or sorted by a script, into an ALPHA sort (*o), so the result does not
// depend on the set's internal order.
bool LoadElements(CommandContext& ctx, SortOptions* o, SortRun* run) {
  return ctx.server.store.Access(ctx.db(), ctx.args[1], [&](KeyHandle& h) {
    const Entry* e = h.Find();
    CountLookup(ctx, e != nullptr);
    if (e == nullptr) {
      NotifyKey(ctx, kNotifyKeyMiss, "keymiss", h.key());
      ClampLimit(*o, 0, run);
      return true;
    }
    ValueType type = e->value.type;
    if (type != ValueType::kList && type != ValueType::kSet && type != ValueType::kZSet) {
      ctx.reply.WriteError(errors::kWrongType);
      return false;
    }
    if (o->dontsort && type == ValueType::kSet && (o->store || ctx.client.script)) {
      o->dontsort = false;
      o->alpha = true;
      o->by.reset();
    }
    ClampLimit(*o, static_cast<int64_t>(e->value.obj->size()), run);
    if (o->dontsort && type != ValueType::kSet) {
      LoadRange(e, o->desc, run);
    } else {
      LoadAll(e, run);
    }
    run->MakeItems();
    return true;
  });
}

// ---- Sorting -------------------------------------------------------------------------------

// The weight as a number, as strtod reads the whole string; false when it is not one, or
// overflows or underflows (ERANGE), or is NaN. from_chars reads plain decimals (most weights)
// to the same correctly rounded double without a copy; whatever it does not take whole (a
// sign, spaces, hex), finds out of range, or reads as a subnormal (strtod's ERANGE) goes to
// strtod, whose reading is the reference.
bool ParseWeight(std::string_view text, double* score) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *score);
  if (ec == std::errc() && ptr == text.data() + text.size() &&
      (*score == 0 || std::fabs(*score) >= DBL_MIN)) {
    return !std::isnan(*score);
  }
  std::string copy(text);
  char* end = nullptr;
  errno = 0;
  *score = std::strtod(copy.c_str(), &end);
  return *end == '\0' && errno != ERANGE && !std::isnan(*score);
}

// Looks up each item's weight; false when a numeric weight is not a number.
bool LoadWeights(CommandContext& ctx, const SortOptions& o, SortRun* run) {
  bool all_numbers = true;
  for (SortItem& item : run->items) {
    std::optional<std::string> weight;
    if (o.by) {
      weight = LookupPattern(ctx, *o.by, item.elem);
      if (!weight) continue;
    }
    if (o.alpha) {
      if (o.by) item.cmp = std::move(weight);
      continue;
    }
    all_numbers &= ParseWeight(o.by ? *weight : item.elem, &item.score);
  }
  return all_numbers;
}

int Sign(int v) { return (v > 0) - (v < 0); }

// Bytewise, a shorter prefix first (memcmp order).
int CompareBytes(std::string_view a, std::string_view b) { return Sign(a.compare(b)); }

struct SortOrder {
  bool alpha;
  bool by;
  bool bytewise;  // STORE: ALPHA compares whole strings, else (strcoll in the C locale) the
                  // bytes up to the first NUL
  bool desc;
};

// The text ALPHA compares for each item, computed once rather than in every comparison:
// the element or its weight, cut at the first NUL unless storing; nullopt for a missing
// weight (which sorts first).
std::vector<std::optional<std::string_view>> AlphaKeys(const SortOrder& order,
                                                       const std::vector<SortItem>& items) {
  std::vector<std::optional<std::string_view>> keys(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    if (order.by && !items[i].cmp) continue;
    std::string_view text = order.by ? std::string_view(*items[i].cmp) : items[i].elem;
    keys[i] = order.bytewise ? text : text.substr(0, text.find('\0'));
  }
  return keys;
}

// Sorts indices, not the items (80 bytes each), and breaks ties by position: a stable order,
// so a partial sort puts in [start, end] exactly what a whole one would. Only that range is
// ordered when it is a small part (SORT ... LIMIT 0 10 over a long list).
void SortItems(const SortOptions& o, SortRun* run) {
  SortOrder order{o.alpha, o.by.has_value(), o.store.has_value(), o.desc};
  const std::vector<SortItem>& items = run->items;
  std::vector<std::optional<std::string_view>> keys;
  if (order.alpha) keys = AlphaKeys(order, items);
  auto before = [&](size_t a, size_t b) {
    int cmp = 0;
    if (!order.alpha) {
      const SortItem& x = items[a];
      const SortItem& y = items[b];
      cmp = x.score > y.score ? 1 : x.score < y.score ? -1 : CompareBytes(x.elem, y.elem);
    } else if (!keys[a] || !keys[b]) {
      cmp = keys[a].has_value() - keys[b].has_value();
    } else {
      cmp = CompareBytes(*keys[a], *keys[b]);
    }
    if (order.desc) cmp = -cmp;
    return cmp != 0 ? cmp < 0 : a < b;
  };
  std::vector<size_t> index(items.size());
  for (size_t i = 0; i < index.size(); ++i) index[i] = i;
  size_t first = static_cast<size_t>(std::max<int64_t>(run->start, 0));
  size_t stop = static_cast<size_t>(std::max<int64_t>(run->end + 1, 0));
  if (stop <= first) return;  // nothing is output
  if (first > 0) std::nth_element(index.begin(), index.begin() + first, index.end(), before);
  if ((stop - first) * 4 < index.size()) {
    std::partial_sort(index.begin() + first, index.begin() + stop, index.end(), before);
  } else {
    std::sort(index.begin() + first, index.end(), before);
  }
  std::vector<SortItem> sorted;
  sorted.reserve(index.size());
  for (size_t i : index) sorted.push_back(std::move(run->items[i]));
  run->items = std::move(sorted);
}

// ---- Output --------------------------------------------------------------------------------

// The output values in order: each element of the range, or per element each GET pattern's
// value. Missing GET values are nullopt.
std::vector<std::optional<std::string>> OutputValues(CommandContext& ctx, const SortOptions& o,
                                                     SortRun& run) {
  std::vector<std::optional<std::string>> out;
  for (int64_t j = run.start; j <= run.end; ++j) {
    SortItem& item = run.items[static_cast<size_t>(j)];
    if (o.gets.empty()) out.emplace_back(item.elem);
    for (std::string_view g : o.gets) out.push_back(LookupPattern(ctx, g, item.elem));
  }
  return out;
}

void ReplyValues(CommandContext& ctx, const std::vector<std::optional<std::string>>& values) {
  ctx.reply.WriteArrayLen(static_cast<int64_t>(values.size()));
  for (const std::optional<std::string>& v : values) {
    if (v) {
      ctx.reply.WriteBulk(*v);
    } else {
      ctx.reply.WriteNull();
    }
  }
}

// STORE: the values as a list (a missing GET value as ""), replacing the destination with no
// TTL; no values delete it.
void StoreValues(CommandContext& ctx, std::string_view dest,
                 const std::vector<std::optional<std::string>>& values) {
  ctx.server.store.Access(ctx.db(), dest, [&](KeyHandle& h) {
    if (values.empty()) {
      if (h.Delete()) NotifyKey(ctx, kNotifyGeneric, "del", h.key());
      return;
    }
    auto* list = new store::ListObject();
    store::ObjRef ref(list);
    for (const std::optional<std::string>& v : values) {
      list->Push(store::ListSide::kTail, v ? std::string_view(*v) : std::string_view());
    }
    h.Put(store::Value(std::move(ref)), 0);
    NotifyKey(ctx, kNotifyList, "sortstore", h.key());
  });
  ctx.reply.WriteInteger(static_cast<int64_t>(values.size()));
}

// The whole command once the options are parsed, with whatever shards it needs held.
void RunSort(CommandContext& ctx, SortOptions o) {
  SortRun run;
  if (!LoadElements(ctx, &o, &run)) return;
  if (!o.dontsort) {
    if (!LoadWeights(ctx, o, &run)) {  // before sorting: a NaN would break the order
      ctx.reply.WriteError(errors::kSortNotDouble);
      return;
    }
    SortItems(o, &run);
  }
  if (!o.store && o.gets.empty()) {  // the elements themselves: straight from the arena
    ctx.reply.WriteArrayLen(run.end - run.start + 1);
    for (int64_t j = run.start; j <= run.end; ++j) {
      ctx.reply.WriteBulk(run.items[static_cast<size_t>(j)].elem);
    }
    return;
  }
  std::vector<std::optional<std::string>> values = OutputValues(ctx, o, run);
  if (o.store) {
    StoreValues(ctx, *o.store, values);
  } else {
    ReplyValues(ctx, values);
  }
}

// SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] [ALPHA]
// [STORE destination]; SORT_RO without STORE.
void SortGeneric(CommandContext& ctx, bool read_only) {
  SortOptions o;
  if (!ParseSortOptions(ctx, read_only, &o)) return;
  store::Store& st = ctx.server.store;
  bool every_shard = ReadsPatternKeys(o);
  KeyRef keys[] = {{ctx.db(), ctx.args[1]}, {ctx.db(), o.store.value_or(ctx.args[1])}};
  if (store::Store::InTransaction()) {
    // EXEC and scripts hold every shard already; a transaction holding fewer grows to what
    // SORT needs, or SORT gives up rather than touch a shard it does not hold.
    if (!st.JoinTransaction(keys, every_shard)) {
      ctx.reply.WriteError(errors::kSortKeysBusy);
      return;
    }
    RunSort(ctx, o);
  } else if (every_shard || o.store) {
    st.Atomically(keys, every_shard, [&] { RunSort(ctx, o); });
  } else {
    RunSort(ctx, o);
  }
}

void CmdSort(CommandContext& ctx) { SortGeneric(ctx, false); }
void CmdSortRo(CommandContext& ctx) { SortGeneric(ctx, true); }

// SORT's keys as Redis's GETKEYS finds them: the key, and the last STORE's destination.
// Options are skipped with their arguments; a STORE at the end has no destination.
std::vector<size_t> SortKeyPositions(std::span<const std::string_view> args) {
  std::vector<size_t> keys = {1};
  size_t store = 0;
  for (size_t i = 2; i < args.size(); ++i) {
    if (EqualsIgnoreCase(args[i], "limit")) {
      i += 2;
    } else if (EqualsIgnoreCase(args[i], "get") || EqualsIgnoreCase(args[i], "by")) {
      i += 1;
    } else if (EqualsIgnoreCase(args[i], "store") && i + 1 < args.size()) {
      store = i + 1;
    }
  }
  if (store != 0) keys.push_back(store);
  return keys;
}

std::vector<size_t> SortRoKeyPositions(std::span<const std::string_view>) { return {1}; }

}  // namespace

void RegisterSortCommands(CommandTable& table) {
  constexpr std::string_view kGroup = "generic";
  constexpr std::string_view kComplexity =
      "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the "
      "number of returned elements. When the elements are not sorted, complexity is O(N).";
  table.Add({
      {.name = "sort", .arity = -2, .flags = kWrite | kDenyOom | kMovableKeys,
       .first_key = 1, .last_key = 1, .key_step = 1, .key_positions = SortKeyPositions,
       .handler = CmdSort, .group = kGroup,
       .since = "1.0.0",
       .summary = "Sort the elements in a list, set or sorted set", .complexity = kComplexity,
       .syntax = "key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] "
                 "[ASC | DESC] [ALPHA] [STORE destination]"},
      {.name = "sort_ro", .arity = -2, .flags = kReadOnly | kMovableKeys,
       .first_key = 1, .last_key = 1, .key_step = 1, .key_positions = SortRoKeyPositions,
       .handler = CmdSortRo, .group = kGroup, .since = "7.0.0",
       .summary = "Sort the elements in a list, set or sorted set. Read-only variant of SORT.",
       .complexity = kComplexity,
       .syntax = "key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] "
                 "[ASC | DESC] [ALPHA]"},
  });
}

}  // namespace cairn::server
