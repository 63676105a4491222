// src/commands/list_commands.cc — the list family on one key: pushes and pops at either end,
// reads by index and range, and the changes in the middle (LSET, LINSERT, LREM, LTRIM, LPOS).
// Commands that move elements between keys or block live in list_move_commands.cc.
//
// Each command parses its arguments, runs one list operation (store/types/list/list_ops.h) under the
// key's shard lock, and writes its reply there too: elements live in the list's packed nodes,
// so they are copied into the reply while the lock is held.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "resp/number.h"
#include "src/commands/list_family.h"
#include "src/exec/errors.h"
#include "src/exec/notify.h"
#include "src/exec/reply.h"
#include "src/exec/server_state.h"
#include "store/types/list/list_ops.h"

namespace cairn::server {

using store::Entry;
using store::KeyHandle;
using store::ListElem;
using store::ListObject;
using store::ListSide;

bool ParseListSide(std::string_view arg, ListSide* side) {
  if (EqualsIgnoreCase(arg, "left")) {
    *side = ListSide::kHead;
  } else if (EqualsIgnoreCase(arg, "right")) {
    *side = ListSide::kTail;
  } else {
    return false;
  }
  return true;
}

void NotifyListPopped(CommandContext& ctx, std::string_view key, ListSide side,
                      bool emptied) {
  NotifyKey(ctx, kNotifyList, side == ListSide::kHead ? "lpop" : "rpop", key);
  if (emptied) NotifyKey(ctx, kNotifyGeneric, "del", key);
}

namespace {

// An index from the head; negative counts from the tail. False when outside the list.
bool ResolveIndex(int64_t index, size_t length, size_t* out) {
  int64_t len = static_cast<int64_t>(length);
  if (index < 0) index += len;
  if (index < 0 || index >= len) return false;
  *out = static_cast<size_t>(index);
  return true;
}

// LRANGE/LTRIM's start and stop, clamped to the list: false when the range is empty.
bool ResolveRange(int64_t start, int64_t stop, size_t length, size_t* first, size_t* last) {
  int64_t len = static_cast<int64_t>(length);
  if (start < 0) start += len;
  if (stop < 0) stop += len;
  if (start < 0) start = 0;
  if (start > stop || start >= len) return false;
  if (stop >= len) stop = len - 1;
  *first = static_cast<size_t>(start);
  *last = static_cast<size_t>(stop);
  return true;
}

// The key's live list entry (nullptr when missing), or kWrongType.
Result<Entry*> FindList(KeyHandle& h) { return store::FindEntryAs<ListObject>(h); }

// ---- Pushes and pops ---------------------------------------------------------------------

void PushGeneric(CommandContext& ctx, ListSide side, bool existing_only) {
  auto elems = ctx.args.subspan(2);
  Result<size_t> length = ctx.server.store.Access(ctx.db(), ctx.args[1], [&](KeyHandle& h) {
    Result<Entry*> e = FindList(h);
    if (!e.ok()) return Result<size_t>(e.TakeStatus());
    if (*e == nullptr && existing_only) return Result<size_t>(0);
    size_t length = store::ListPush(h, *e, side, elems);
    NotifyKey(ctx, kNotifyList, side == ListSide::kHead ? "lpush" : "rpush", h.key());
    return Result<size_t>(length);
  });
  ReplyCount(ctx, length);
}

void CmdLPush(CommandContext& ctx) { PushGeneric(ctx, ListSide::kHead, false); }
void CmdRPush(CommandContext& ctx) { PushGeneric(ctx, ListSide::kTail, false); }
void CmdLPushX(CommandContext& ctx) { PushGeneric(ctx, ListSide::kHead, true); }
void CmdRPushX(CommandContext& ctx) { PushGeneric(ctx, ListSide::kTail, true); }

// LPOP/RPOP key [count]: without count one element or nil; with count an array (nil array
// for a missing key, empty for count 0).
void PopGeneric(CommandContext& ctx, ListSide side) {
  if (ctx.args.size() > 3) {
    ReplyWrongArity(ctx.reply, ctx.spec != nullptr ? ctx.spec->name : ctx.args[0]);
    return;
  }
  bool has_count = ctx.args.size() == 3;
  int64_t count = 1;
  if (has_count && (!resp::ParseInt64(ctx.args[2], &count) || count < 0)) {
    ctx.reply.WriteError(errors::kMustBePositive);
    return;
  }
  ctx.server.store.Access(ctx.db(), ctx.args[1], [&](KeyHandle& h) {
    Entry* e = nullptr;
    if (!FindEntryOrReply<ListObject>(ctx, h, &e)) return;
    if (e == nullptr) {
      has_count ? ctx.reply.WriteNullArray() : ctx.reply.WriteNull();
      return;
    }
    size_t length = store::ListOf(e)->size();
    size_t n = std::min(static_cast<size_t>(count), length);
    if (has_count) ctx.reply.WriteArrayLen(static_cast<int64_t>(n));
    if (n == 0) return;
    store::ListPop(h, e, side, n, [&](const ListElem& el) { WriteListElem(ctx.reply, el); });
    NotifyListPopped(ctx, h.key(), side, n == length);
  });
}

void CmdLPop(CommandContext& ctx) { PopGeneric(ctx, ListSide::kHead); }
void CmdRPop(CommandContext& ctx) { PopGeneric(ctx, ListSide::kTail); }

// ---- Reads -------------------------------------------------------------------------------

void CmdLLen(CommandContext& ctx) {
  ReplyCount(ctx, ctx.server.store.Access(ctx.db(), ctx.args[1], [&](KeyHandle& h) {
    Result<const ListObject*> list = store::FindAs<ListObject>(h);
    if (!list.ok()) return Result<size_t>(list.TakeStatus());
    if (*list == nullptr) NotifyKey(ctx, kNotifyKeyMiss, "keymiss", h.key());
    return Result<size_t>(*list != nullptr ? (*list)->size() : 0);
  }));
}

// The key is looked at before the index: a missing key is nil and a key of another type
// WRONGTYPE whatever the index says, as in Redis.
void CmdLIndex(CommandContext& ctx) {
  ctx.server.store.Access(ctx.db(), ctx.args[1], [&](KeyHandle& h) {
    const ListObject* list = nullptr;
    if (!ReadOrReply(ctx, h, &list)) return;
    if (list == nullptr) {
      ctx.reply.WriteNull();
      return;
    }
    int64_t index = 0;
    if (!ArgToInt64(ctx, ctx.args[2], &index)) return;
    size_t at = 0;
    if (!ResolveIndex(index, list->size(), &at)) {
      ctx.reply.WriteNull();
      return;
    }
    std::string node_buf;
    WriteListElem(ctx.reply, list->At(at, &node_buf));
  });
}

void CmdLRange(CommandContext& ctx) {
  int64_t start = 0, stop = 0;
  if (!ArgToInt64(ctx, ctx.args[2], &start) || !ArgToInt64(ctx, ctx.args[3], &stop)) return;
  ctx.server.store.Access(ctx.db(), ctx.args[1], [&](KeyHandle& h) {
    const ListObject* list = nullptr;
    if (!ReadOrReply(ctx, h, &list)) return;
    size_t first = 0, last = 0;
    if (list == nullptr || !ResolveRange(start, stop, list->size(), &first, &last)) {
      ctx.reply.WriteArrayLen(0);
      return;
    }
    ctx.reply.WriteArrayLen(static_cast<int64_t>(last - first + 1));
    list->VisitRange(first, last - first + 1,
                     [&](const ListElem& el) { WriteListElem(ctx.reply, el); });
  });
}

// ---- Changes in the middle ---------------------------------------------------------------

// Like LINDEX, the key before the index ("no such key", WRONGTYPE).
void CmdLSet(CommandContext& ctx) {
  std::string_view error = ctx.server.store.Access(ctx.db(), ctx.args[1], [&](KeyHandle& h) {
    Result<Entry*> found = FindList(h);
    if (!found.ok()) return errors::ErrorText(found.status().code());
    Entry* e = *found;
    if (e == nullptr) return errors::kNoSuchKey;
    int64_t index = 0;
    if (!resp::ParseInt64(ctx.args[2], &index)) return errors::kNotInteger;
    size_t at = 0;
    if (!ResolveIndex(index, store::ListOf(e)->size(), &at)) return errors::kIndexRange;
    store::ListSet(h, e, at, ctx.args[3]);
    NotifyKey(ctx, kNotifyList, "lset", h.key());
    return std::string_view();
  });
  if (!error.empty()) {
    ctx.reply.WriteError(error);
    return;
  }
  ctx.reply.WriteOk();
}

void CmdLInsert(CommandContext& ctx) {
  bool after = EqualsIgnoreCase(ctx.args[2], "after");
  if (!after && !EqualsIgnoreCase(ctx.args[2], "before")) {
    ctx.reply.WriteError(errors::kSyntax);
    return;
  }
  Result<int64_t> result = ctx.server.store.Access(ctx.db(), ctx.args[1], [&](KeyHandle& h) {
    Result<Entry*> found = FindList(h);
    if (!found.ok()) return Result<int64_t>(found.TakeStatus());
    Entry* e = *found;
    if (e == nullptr) return Result<int64_t>(0);
    int64_t pivot = store::ListOf(e)->Find(store::ListNeedle(ctx.args[3]));
    if (pivot < 0) return Result<int64_t>(-1);
    store::ListInsert(h, e, static_cast<size_t>(pivot + (after ? 1 : 0)), ctx.args[4]);
    NotifyKey(ctx, kNotifyList, "linsert", h.key());
    return Result<int64_t>(static_cast<int64_t>(store::ListOf(e)->size()));
  });
  ReplyCount(ctx, result);
}

void CmdLRem(CommandContext& ctx) {
  int64_t count = 0;
  if (!ArgToInt64(ctx, ctx.args[2], &count)) return;
  Result<size_t> removed = ctx.server.store.Access(ctx.db(), ctx.args[1], [&](KeyHandle& h) {
    Result<Entry*> found = FindList(h);
    if (!found.ok()) return Result<size_t>(found.TakeStatus());
    if (*found == nullptr) return Result<size_t>(0);
    // The magnitude of INT64_MIN does not fit an int64; it is "all of them" anyway.
    uint64_t limit = count < 0 ? uint64_t{0} - static_cast<uint64_t>(count)
                               : static_cast<uint64_t>(count);
    size_t length = store::ListOf(*found)->size();
    size_t removed =
        store::ListRemove(h, *found, ctx.args[3], static_cast<size_t>(limit), count < 0);
    if (removed > 0) NotifyKey(ctx, kNotifyList, "lrem", h.key());
    if (removed == length) NotifyKey(ctx, kNotifyGeneric, "del", h.key());
    return Result<size_t>(removed);
  });
  ReplyCount(ctx, removed);
}

void CmdLTrim(CommandContext& ctx) {
  int64_t start = 0, stop = 0;
  if (!ArgToInt64(ctx, ctx.args[2], &start) || !ArgToInt64(ctx, ctx.args[3], &stop)) return;
  Status status = ctx.server.store.Access(ctx.db(), ctx.args[1], [&](KeyHandle& h) {
    Result<Entry*> found = FindList(h);
    if (!found.ok() || *found == nullptr) return found.TakeStatus();
    Entry* e = *found;
    size_t length = store::ListOf(e)->size();
    size_t first = 0, last = 0;
    bool emptied = !ResolveRange(start, stop, length, &first, &last);
    if (emptied) {
      store::ListTrim(h, e, length, 0);
    } else {
      store::ListTrim(h, e, first, length - 1 - last);
    }
    NotifyKey(ctx, kNotifyList, "ltrim", h.key());
    if (emptied) NotifyKey(ctx, kNotifyGeneric, "del", h.key());
    return Status::Ok();
  });
  if (ReplyStatus(ctx, status)) return;
  ctx.reply.WriteOk();
}

// ---- LPOS --------------------------------------------------------------------------------

struct LposOptions {
  int64_t rank = 1;
  int64_t count = -1;  // -1: not given (reply with one index or nil)
  int64_t maxlen = 0;  // 0: the whole list
};

bool ParseLposOptions(CommandContext& ctx, LposOptions* o) {
  for (size_t i = 3; i < ctx.args.size(); i += 2) {
    std::string_view opt = ctx.args[i];
    if (i + 1 >= ctx.args.size()) {
      ctx.reply.WriteError(errors::kSyntax);
      return false;
    }
    int64_t* target = EqualsIgnoreCase(opt, "rank")     ? &o->rank
                      : EqualsIgnoreCase(opt, "count")  ? &o->count
                      : EqualsIgnoreCase(opt, "maxlen") ? &o->maxlen
                                                        : nullptr;
    if (target == nullptr) {
      ctx.reply.WriteError(errors::kSyntax);
      return false;
    }
    if (target != &o->rank) {
      // COUNT and MAXLEN: not a number is "can't be negative" too, as in Redis.
      std::string_view error =
          target == &o->count ? errors::kLposCountNegative : errors::kLposMaxlenNegative;
      if (!ArgToInt64InRange(ctx, ctx.args[i + 1], 0, INT64_MAX, error, target)) return false;
      continue;
    }
    if (!ArgToInt64(ctx, ctx.args[i + 1], target)) return false;
    // Redis 7.0 negates RANK in a C long, so INT64_MIN stays negative and acts as -1.
    if (o->rank == INT64_MIN) o->rank = -1;
    if (o->rank == 0) {
      ctx.reply.WriteError(errors::kLposRankZero);
      return false;
    }
  }
  return true;
}

// The indexes of the matches LPOS asks for.
std::vector<int64_t> FindMatches(const ListObject& list, std::string_view elem,
                                 const LposOptions& o) {
  store::ListNeedle needle(elem);
  bool reverse = o.rank < 0;
  // -INT64_MIN does not fit: the skip count is computed unsigned.
  uint64_t skip = (reverse ? uint64_t{0} - static_cast<uint64_t>(o.rank)
                           : static_cast<uint64_t>(o.rank)) - 1;
  size_t want = o.count < 0 ? 1 : o.count == 0 ? SIZE_MAX : static_cast<size_t>(o.count);
  size_t budget = o.maxlen == 0 ? SIZE_MAX : static_cast<size_t>(o.maxlen);
  std::vector<int64_t> found;
  int64_t index = reverse ? static_cast<int64_t>(list.size()) - 1 : 0;
  list.Scan(reverse ? list.size() - 1 : 0, reverse, [&](const ListElem& e) {
    if (needle.Matches(e)) {
      if (skip > 0) {
        --skip;
      } else {
        found.push_back(index);
      }
    }
    index += reverse ? -1 : 1;
    return found.size() < want && --budget > 0;
  });
  return found;
}

void CmdLPos(CommandContext& ctx) {
  LposOptions o;
  if (!ParseLposOptions(ctx, &o)) return;
  ctx.server.store.Access(ctx.db(), ctx.args[1], [&](KeyHandle& h) {
    const ListObject* list = nullptr;
    if (!ReadOrReply(ctx, h, &list)) return;
    std::vector<int64_t> matches;
    if (list != nullptr) matches = FindMatches(*list, ctx.args[2], o);
    if (o.count < 0) {
      matches.empty() ? ctx.reply.WriteNull() : ctx.reply.WriteInteger(matches[0]);
      return;
    }
    ctx.reply.WriteArrayLen(static_cast<int64_t>(matches.size()));
    for (int64_t m : matches) ctx.reply.WriteInteger(m);
  });
}

}  // namespace

void RegisterListCommands(CommandTable& table) {
  constexpr std::string_view kGroup = "list";
  constexpr std::string_view kPushDoc = "O(1) for each element added, so O(N) to add N elements "
                                        "when the command is called with multiple arguments.";
  constexpr std::string_view kPopDoc = "O(N) where N is the number of elements returned";
  table.Add({
      {.name = "lpush", .arity = -3, .flags = kWrite | kDenyOom | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdLPush,
       .group = kGroup, .since = "1.0.0", .summary = "Prepend one or multiple elements to a list",
       .complexity = kPushDoc, .syntax = "key element [element ...]"},
      {.name = "rpush", .arity = -3, .flags = kWrite | kDenyOom | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdRPush,
       .group = kGroup, .since = "1.0.0", .summary = "Append one or multiple elements to a list",
       .complexity = kPushDoc, .syntax = "key element [element ...]"},
      {.name = "lpushx", .arity = -3, .flags = kWrite | kDenyOom | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdLPushX,
       .group = kGroup, .since = "2.2.0",
       .summary = "Prepend an element to a list, only if the list exists", .complexity = kPushDoc,
       .syntax = "key element [element ...]"},
      {.name = "rpushx", .arity = -3, .flags = kWrite | kDenyOom | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdRPushX,
       .group = kGroup, .since = "2.2.0",
       .summary = "Append an element to a list, only if the list exists", .complexity = kPushDoc,
       .syntax = "key element [element ...]"},
      {.name = "lpop", .arity = -2, .flags = kWrite | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdLPop,
       .group = kGroup, .since = "1.0.0", .summary = "Remove and get the first elements in a list",
       .complexity = kPopDoc, .syntax = "key [count]"},
      {.name = "rpop", .arity = -2, .flags = kWrite | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdRPop,
       .group = kGroup, .since = "1.0.0", .summary = "Remove and get the last elements in a list",
       .complexity = kPopDoc, .syntax = "key [count]"},
      {.name = "llen", .arity = 2, .flags = kReadOnly | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdLLen,
       .group = kGroup, .since = "1.0.0", .summary = "Get the length of a list",
       .complexity = "O(1)", .syntax = "key"},
      {.name = "lindex", .arity = 3, .flags = kReadOnly,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdLIndex,
       .group = kGroup, .since = "1.0.0", .summary = "Get an element from a list by its index",
       .complexity = "O(N) where N is the number of elements to traverse to get to the element at "
                     "index. This makes asking for the first or the last element of the list O(1).",
       .syntax = "key index"},
      {.name = "lrange", .arity = 4, .flags = kReadOnly,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdLRange,
       .group = kGroup, .since = "1.0.0", .summary = "Get a range of elements from a list",
       .complexity = "O(S+N) where S is the distance of start offset from HEAD for small lists, "
                     "from nearest end (HEAD or TAIL) for large lists; and N is the number of "
                     "elements in the specified range.",
       .syntax = "key start stop"},
      {.name = "lset", .arity = 4, .flags = kWrite | kDenyOom,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdLSet,
       .group = kGroup, .since = "1.0.0",
       .summary = "Set the value of an element in a list by its index",
       .complexity = "O(N) where N is the length of the list. Setting either the first or the last "
                     "element of the list is O(1).",
       .syntax = "key index element"},
      {.name = "linsert", .arity = 5, .flags = kWrite | kDenyOom,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdLInsert,
       .group = kGroup, .since = "2.2.0",
       .summary = "Insert an element before or after another element in a list",
       .complexity = "O(N) where N is the number of elements to traverse before seeing the value "
                     "pivot. This means that inserting somewhere on the left end on the list "
                     "(head) can be considered O(1) and inserting somewhere on the right end "
                     "(tail) is O(N).",
       .syntax = "key BEFORE | AFTER pivot element"},
      {.name = "lrem", .arity = 4, .flags = kWrite, .first_key = 1, .last_key = 1, .key_step = 1,
       .handler = CmdLRem,
       .group = kGroup, .since = "1.0.0", .summary = "Remove elements from a list",
       .complexity = "O(N+M) where N is the length of the list and M is the number of elements "
                     "removed.",
       .syntax = "key count element"},
      {.name = "ltrim", .arity = 4, .flags = kWrite, .first_key = 1, .last_key = 1, .key_step = 1,
       .handler = CmdLTrim,
       .group = kGroup, .since = "1.0.0", .summary = "Trim a list to the specified range",
       .complexity = "O(N) where N is the number of elements to be removed by the operation.",
       .syntax = "key start stop"},
      {.name = "lpos", .arity = -3, .flags = kReadOnly,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdLPos,
       .group = kGroup, .since = "6.0.6",
       .summary = "Return the index of matching elements on a list",
       .complexity = "O(N) where N is the number of elements in the list, for the average case. "
                     "When searching for elements near the head or the tail of the list, or when "
                     "the MAXLEN option is provided, the command may run in constant time.",
       .syntax = "key element [RANK rank] [COUNT num-matches] [MAXLEN len]"},
  });
  RegisterListMoveCommands(table);
}

}  // namespace cairn::server
