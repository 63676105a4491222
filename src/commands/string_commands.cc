// src/commands/string_commands.cc — the string family: GET, SET and its variants, MGET/MSET,
// APPEND and the range commands. Counters live in counter_commands.cc, LCS in lcs_command.cc.
//
// Each command is three steps: parse arguments (replying with Redis's error text on bad
// input), run one operation against the store under the key's shard lock, and map the result
// to a reply. The store side of each command is a string op (store/types/string/string_ops.h);
// a read takes a reference under the lock and writes the bytes after the lock is released.
#include <string>
#include <utility>
#include <vector>

#include "src/commands/expire_time.h"
#include "src/commands/string_family.h"
#include "src/exec/command_table.h"
#include "src/exec/errors.h"
#include "src/exec/notify.h"
#include "src/exec/reply.h"
#include "src/exec/server_state.h"
#include "store/types/string/string_ops.h"

namespace cairn::server {
namespace {

using store::BufRef;
using store::KeyHandle;
using store::KeyRef;
using store::SetCondition;

// ---- Shared helpers ----------------------------------------------------------------------

// Keys at args[first], args[first + step], ... of the client's database.
std::vector<KeyRef> KeyRefs(CommandContext& ctx, size_t first, size_t step) {
  std::vector<KeyRef> refs;
  refs.reserve((ctx.args.size() - first + step - 1) / step);
  for (size_t i = first; i < ctx.args.size(); i += step) refs.push_back({ctx.db(), ctx.args[i]});
  return refs;
}

// Writes a bulk reply of bytes within value; large values leave without a copy.
void ReplyBytes(CommandContext& ctx, std::string_view bytes, BufRef value) {
  ctx.reply.WriteBulkRef(bytes, store::Buffer::UnrefOpaque, value.Release());
}

// The reply of GET-like commands: the value (counted as a hit) or nil (a miss).
void ReplyValue(CommandContext& ctx, BufRef value) {
  CountLookup(ctx, static_cast<bool>(value));
  if (!value) {
    ctx.reply.WriteNull();
    return;
  }
  std::string_view bytes = value.view();
  ReplyBytes(ctx, bytes, std::move(value));
}

// The same, or the error of a failed read.
void ReplyRead(CommandContext& ctx, Result<BufRef> read) {
  if (ReplyStatus(ctx, read.status())) return;
  ReplyValue(ctx, std::move(*read));
}

// The value of the key at args[1] (null when missing: "keymiss"), read under its shard lock.
Result<BufRef> ReadString(CommandContext& ctx) {
  Result<BufRef> read = ctx.server.store.Access(ctx.db(), ctx.args[1],
                                                [](KeyHandle& h) { return store::StringGet(h); });
  if (read.ok() && !*read) NotifyKey(ctx, kNotifyKeyMiss, "keymiss", ctx.args[1]);
  return read;
}

// ---- GET and the SET family --------------------------------------------------------------

void CmdGet(CommandContext& ctx) { ReplyRead(ctx, ReadString(ctx)); }

enum class ExpireKind : uint8_t { kNone, kEx, kPx, kExat, kPxat, kKeepTtl, kPersist };

// The options of SET (NX XX GET EX PX EXAT PXAT KEEPTTL) and GETEX (EX PX EXAT PXAT PERSIST).
struct SetOptions {
  SetCondition condition = SetCondition::kAlways;
  bool get = false;
  ExpireKind expire = ExpireKind::kNone;
  std::string_view expire_arg;  // the number after EX/PX/EXAT/PXAT (the last one given)
};

bool ParseTimedExpireKind(std::string_view opt, ExpireKind* kind) {
  static constexpr std::pair<std::string_view, ExpireKind> kKinds[] = {
      {"ex", ExpireKind::kEx},
      {"px", ExpireKind::kPx},
      {"exat", ExpireKind::kExat},
      {"pxat", ExpireKind::kPxat},
  };
  for (const auto& [name, value] : kKinds) {
    if (EqualsIgnoreCase(opt, name)) {
      *kind = value;
      return true;
    }
  }
  return false;
}

// Options from args[first] on. Repeating an option is allowed (the last number wins); mixing
// NX with XX or two different expiry kinds is a syntax error, as in Redis.
bool ParseSetOptions(CommandContext& ctx, size_t first, bool getex, SetOptions* o) {
  auto expire_allowed = [&](ExpireKind kind) {
    return o->expire == ExpireKind::kNone || o->expire == kind;
  };
  for (size_t i = first; i < ctx.args.size(); ++i) {
    std::string_view opt = ctx.args[i];
    ExpireKind timed = ExpireKind::kNone;
    if (!getex && EqualsIgnoreCase(opt, "nx") && o->condition != SetCondition::kIfExists) {
      o->condition = SetCondition::kIfMissing;
    } else if (!getex && EqualsIgnoreCase(opt, "xx") && o->condition != SetCondition::kIfMissing) {
      o->condition = SetCondition::kIfExists;
    } else if (!getex && EqualsIgnoreCase(opt, "get")) {
      o->get = true;
    } else if (!getex && EqualsIgnoreCase(opt, "keepttl") && expire_allowed(ExpireKind::kKeepTtl)) {
      o->expire = ExpireKind::kKeepTtl;
    } else if (getex && EqualsIgnoreCase(opt, "persist") && expire_allowed(ExpireKind::kPersist)) {
      o->expire = ExpireKind::kPersist;
    } else if (ParseTimedExpireKind(opt, &timed) && expire_allowed(timed) &&
               i + 1 < ctx.args.size()) {
      o->expire = timed;
      o->expire_arg = ctx.args[++i];
    } else {
      ctx.reply.WriteError(errors::kSyntax);
      return false;
    }
  }
  return true;
}

// The deadline the options ask for: unix ms, 0 for none (or PERSIST), or store::kKeepTtl. The
// clock is read only when a relative time needs it.
ExpireParse ResolveExpire(CommandContext& ctx, const SetOptions& o, int64_t* at_ms) {
  *at_ms = o.expire == ExpireKind::kKeepTtl ? store::kKeepTtl : 0;
  bool seconds = o.expire == ExpireKind::kEx || o.expire == ExpireKind::kExat;
  bool relative = o.expire == ExpireKind::kEx || o.expire == ExpireKind::kPx;
  if (!seconds && !relative && o.expire != ExpireKind::kPxat) return ExpireParse::kOk;
  return ParseSetExpire(o.expire_arg, seconds ? TimeUnit::kSeconds : TimeUnit::kMilliseconds,
                        relative ? TimeBase::kRelative : TimeBase::kAbsolute,
                        relative ? ctx.server.store.NowMs() : 0, at_ms);
}

// The body of SET, SETNX, SETEX, PSETEX and GETSET, setting args[1] to bytes. The new value
// (for a short one, the key's whole new entry) is made before the lock is taken, and what
// the SET does not use is freed after it is released. Reports "set", then "expire" when the
// command gave a time (expires), then "expired" when that time had already passed: Redis
// keeps such a key until a lookup or its expiry cycle finds it, which reports "expired", and
// a scheduler listening for expired events must not lose it. With GET a missing key is first
// a "keymiss", as Redis reads the old value before it writes.
Result<store::StringSetResult> SetGeneric(CommandContext& ctx, std::string_view bytes,
                                          const store::StringSetOptions& o, bool expires) {
  std::string_view key = ctx.args[1];
  store::NewString value(key, bytes);
  return ctx.server.store.Access(ctx.db(), key, [&](KeyHandle& h) {
    if (o.get && WantsKeyspaceEvent(ctx.server, kNotifyKeyMiss) && h.Find() == nullptr) {
      NotifyKey(ctx, kNotifyKeyMiss, "keymiss", key);
    }
    Result<store::StringSetResult> r = store::StringSet(h, &value, o);
    if (r.ok() && r->done) NotifyKey(ctx, kNotifyString, "set", key);
    if (r.ok() && r->done && expires) NotifyKey(ctx, kNotifyGeneric, "expire", key);
    if (r.ok() && r->expired) NotifyKey(ctx, kNotifyExpired, "expired", key);
    return r;
  });
}

void CmdSet(CommandContext& ctx) {
  SetOptions o;
  if (!ParseSetOptions(ctx, 3, /*getex=*/false, &o)) return;
  store::StringSetOptions set{0, o.condition, o.get};
  ExpireParse parsed = ResolveExpire(ctx, o, &set.expire_at_ms);
  if (parsed != ExpireParse::kOk) {
    ReplyExpireError(ctx, parsed);
    return;
  }
  bool expires = o.expire != ExpireKind::kNone && o.expire != ExpireKind::kKeepTtl;
  Result<store::StringSetResult> r = SetGeneric(ctx, ctx.args[2], set, expires);
  if (ReplyStatus(ctx, r.status())) return;
  if (o.get) {
    ReplyValue(ctx, std::move(r->old));
  } else if (r->done) {
    ctx.reply.WriteOk();
  } else {
    ctx.reply.WriteNull();
  }
}

void CmdSetNx(CommandContext& ctx) {
  Result<store::StringSetResult> r =
      SetGeneric(ctx, ctx.args[2], {0, SetCondition::kIfMissing, false}, false);
  ctx.reply.WriteInteger(r.ok() && r->done ? 1 : 0);
}

// SETEX key seconds value / PSETEX key milliseconds value.
void SetExGeneric(CommandContext& ctx, TimeUnit unit) {
  store::StringSetOptions set;
  ExpireParse parsed = ParseSetExpire(ctx.args[2], unit, TimeBase::kRelative,
                                      ctx.server.store.NowMs(), &set.expire_at_ms);
  if (parsed != ExpireParse::kOk) {
    ReplyExpireError(ctx, parsed);
    return;
  }
  (void)SetGeneric(ctx, ctx.args[3], set, true);  // fails only with GET
  ctx.reply.WriteOk();
}

void CmdSetEx(CommandContext& ctx) { SetExGeneric(ctx, TimeUnit::kSeconds); }
void CmdPSetEx(CommandContext& ctx) { SetExGeneric(ctx, TimeUnit::kMilliseconds); }

void CmdGetSet(CommandContext& ctx) {
  Result<store::StringSetResult> r =
      SetGeneric(ctx, ctx.args[2], {0, SetCondition::kAlways, true}, false);
  if (ReplyStatus(ctx, r.status())) return;
  ReplyValue(ctx, std::move(r->old));
}

void CmdGetDel(CommandContext& ctx) {
  Result<BufRef> r = ctx.server.store.Access(ctx.db(), ctx.args[1], [](KeyHandle& h) {
    return store::StringGetDel(h);
  });
  if (r.ok() && *r) NotifyKey(ctx, kNotifyGeneric, "del", ctx.args[1]);
  if (r.ok() && !*r) NotifyKey(ctx, kNotifyKeyMiss, "keymiss", ctx.args[1]);
  ReplyRead(ctx, std::move(r));
}

// GETEX's report of what it did to the key's expiry.
void NotifyExpiryChange(CommandContext& ctx, store::ExpiryChange change) {
  using store::ExpiryChange;
  std::string_view key = ctx.args[1];
  if (change == ExpiryChange::kDeleted) NotifyKey(ctx, kNotifyGeneric, "del", key);
  if (change == ExpiryChange::kSet) NotifyKey(ctx, kNotifyGeneric, "expire", key);
  if (change == ExpiryChange::kRemoved) NotifyKey(ctx, kNotifyGeneric, "persist", key);
}

// GETEX looks at the key before it judges the expiry argument: a missing key is nil and a
// key of another type is WRONGTYPE whatever the number says, as in Redis.
void CmdGetEx(CommandContext& ctx) {
  SetOptions o;
  if (!ParseSetOptions(ctx, 2, /*getex=*/true, &o)) return;
  int64_t at_ms = 0;
  ExpireParse parsed = ResolveExpire(ctx, o, &at_ms);
  if (parsed != ExpireParse::kOk) {
    Result<BufRef> read = ReadString(ctx);
    if (ReplyStatus(ctx, read.status())) return;
    if (*read) {
      ReplyExpireError(ctx, parsed);
    } else {
      ReplyValue(ctx, BufRef());
    }
    return;
  }
  // PERSIST removes the expiry (0); no option leaves it (kKeepTtl).
  if (o.expire == ExpireKind::kNone) at_ms = store::kKeepTtl;
  store::ExpiryChange change = store::ExpiryChange::kNone;
  Result<BufRef> r = ctx.server.store.Access(ctx.db(), ctx.args[1], [&](KeyHandle& h) {
    return store::StringGetEx(h, at_ms, &change);
  });
  if (r.ok() && !*r) NotifyKey(ctx, kNotifyKeyMiss, "keymiss", ctx.args[1]);
  NotifyExpiryChange(ctx, change);
  ReplyRead(ctx, std::move(r));
}

// ---- MGET, MSET, MSETNX ------------------------------------------------------------------

// One lock set for all keys: the values returned are a snapshot of one instant. A key of
// another type reads as null but is no "keymiss": Redis finds it.
void CmdMGet(CommandContext& ctx) {
  std::vector<KeyRef> refs = KeyRefs(ctx, 1, 1);
  std::vector<BufRef> values(refs.size());
  bool report_misses = WantsKeyspaceEvent(ctx.server, kNotifyKeyMiss);
  ctx.server.store.AccessMany(refs, [&](std::span<KeyHandle> handles) {
    store::StringGetMany(handles, values);
    if (!report_misses) return;
    for (size_t i = 0; i < handles.size(); ++i) {
      if (!values[i] && handles[i].Peek() == nullptr) {
        NotifyKey(ctx, kNotifyKeyMiss, "keymiss", handles[i].key());
      }
    }
  });
  ctx.reply.WriteArrayLen(static_cast<int64_t>(values.size()));
  for (BufRef& value : values) ReplyValue(ctx, std::move(value));
}

// Sets every pair under one lock set (all or nothing for MSETNX); returns whether it did.
bool MSetGeneric(CommandContext& ctx, bool only_if_none_exist) {
  std::vector<KeyRef> refs = KeyRefs(ctx, 1, 2);
  std::vector<store::NewString> values;  // made before the locks, freed after them
  values.reserve(refs.size());
  for (size_t i = 2; i < ctx.args.size(); i += 2) {
    values.emplace_back(ctx.args[i - 1], ctx.args[i]);
  }
  return ctx.server.store.AccessMany(refs, [&](std::span<KeyHandle> handles) {
    return store::StringSetMany(handles, values, only_if_none_exist, [&](size_t i) {
      NotifyKey(ctx, kNotifyString, "set", handles[i].key());
    });
  });
}

bool PairsArityOk(CommandContext& ctx) {
  if ((ctx.args.size() - 1) % 2 == 0) return true;
  ReplyWrongArity(ctx.reply, ctx.spec->name);
  return false;
}

void CmdMSet(CommandContext& ctx) {
  if (!PairsArityOk(ctx)) return;
  MSetGeneric(ctx, false);
  ctx.reply.WriteOk();
}

void CmdMSetNx(CommandContext& ctx) {
  if (!PairsArityOk(ctx)) return;
  ctx.reply.WriteInteger(MSetGeneric(ctx, true) ? 1 : 0);
}

// ---- APPEND, STRLEN, GETRANGE, SETRANGE --------------------------------------------------

// The TTL stays; the value is marked grown so OBJECT ENCODING says "raw" as Redis does.
void CmdAppend(CommandContext& ctx) {
  uint64_t max_len = static_cast<uint64_t>(MaxBulkLen(ctx));
  ReplyCount(ctx, ctx.server.store.Access(ctx.db(), ctx.args[1], [&](KeyHandle& h) {
    Result<size_t> r = store::StringAppend(h, ctx.args[2], max_len);
    if (r.ok()) NotifyKey(ctx, kNotifyString, "append", h.key());
    return r;
  }));
}

void CmdStrLen(CommandContext& ctx) {
  Result<BufRef> read = ReadString(ctx);
  if (ReplyStatus(ctx, read.status())) return;
  CountLookup(ctx, static_cast<bool>(*read));
  ctx.reply.WriteInteger(static_cast<int64_t>(read->size()));
}

void CmdGetRange(CommandContext& ctx) {
  int64_t start = 0, end = 0;
  if (!ArgToInt64(ctx, ctx.args[2], &start) || !ArgToInt64(ctx, ctx.args[3], &end)) return;
  Result<store::StringSlice> slice =
      ctx.server.store.Access(ctx.db(), ctx.args[1], [&](KeyHandle& h) {
        return store::StringGetRange(h, start, end);
      });
  if (ReplyStatus(ctx, slice.status())) return;
  CountLookup(ctx, static_cast<bool>(slice->value));
  if (!slice->value) NotifyKey(ctx, kNotifyKeyMiss, "keymiss", ctx.args[1]);
  if (slice->bytes.empty()) {
    ctx.reply.WriteBulk("");
    return;
  }
  ReplyBytes(ctx, slice->bytes, std::move(slice->value));
}

void CmdSetRange(CommandContext& ctx) {
  int64_t offset = 0;
  if (!ArgToInt64(ctx, ctx.args[2], &offset)) return;
  if (offset < 0) {
    ctx.reply.WriteError(errors::kOffsetRange);
    return;
  }
  uint64_t max_len = static_cast<uint64_t>(MaxBulkLen(ctx));
  std::string_view patch = ctx.args[3];
  ReplyCount(ctx, ctx.server.store.Access(ctx.db(), ctx.args[1], [&](KeyHandle& h) {
    Result<size_t> r = store::StringSetRange(h, static_cast<uint64_t>(offset), patch, max_len);
    if (r.ok() && !patch.empty()) NotifyKey(ctx, kNotifyString, "setrange", h.key());
    return r;
  }));
}

}  // namespace

void RegisterStringCommands(CommandTable& table) {
  constexpr std::string_view kGroup = "string";
  constexpr std::string_view kRangeComplexity =
      "O(N) where N is the length of the returned string. The complexity is ultimately "
      "determined by the returned length, but because creating a substring from an existing "
      "string is very cheap, it can be considered O(1) for small strings.";
  table.Add({
      {.name = "get", .arity = 2, .flags = kReadOnly | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdGet,
       .group = kGroup, .since = "1.0.0", .summary = "Get the value of a key", .complexity = "O(1)",
       .syntax = "key"},
      {.name = "set", .arity = -3, .flags = kWrite | kDenyOom,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdSet,
       .group = kGroup, .since = "1.0.0", .summary = "Set the string value of a key",
       .complexity = "O(1)",
       .syntax = "key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT "
                 "unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]"},
      {.name = "setnx", .arity = 3, .flags = kWrite | kDenyOom | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdSetNx,
       .group = kGroup, .since = "1.0.0",
       .summary = "Set the value of a key, only if the key does not exist", .complexity = "O(1)",
       .syntax = "key value"},
      {.name = "setex", .arity = 4, .flags = kWrite | kDenyOom,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdSetEx,
       .group = kGroup, .since = "2.0.0", .summary = "Set the value and expiration of a key",
       .complexity = "O(1)", .syntax = "key seconds value"},
      {.name = "psetex", .arity = 4, .flags = kWrite | kDenyOom,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdPSetEx,
       .group = kGroup, .since = "2.6.0",
       .summary = "Set the value and expiration in milliseconds of a key", .complexity = "O(1)",
       .syntax = "key milliseconds value"},
      {.name = "getset", .arity = 3, .flags = kWrite | kDenyOom | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdGetSet,
       .group = kGroup, .since = "1.0.0",
       .summary = "Set the string value of a key and return its old value", .complexity = "O(1)",
       .syntax = "key value"},
      {.name = "getdel", .arity = 2, .flags = kWrite | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdGetDel,
       .group = kGroup, .since = "6.2.0", .summary = "Get the value of a key and delete the key",
       .complexity = "O(1)", .syntax = "key"},
      {.name = "getex", .arity = -2, .flags = kWrite | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdGetEx,
       .group = kGroup, .since = "6.2.0",
       .summary = "Get the value of a key and optionally set its expiration", .complexity = "O(1)",
       .syntax = "key [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT "
                 "unix-time-milliseconds | PERSIST]"},
      {.name = "mget", .arity = -2, .flags = kReadOnly | kFast,
       .first_key = 1, .last_key = -1, .key_step = 1, .handler = CmdMGet,
       .group = kGroup, .since = "1.0.0", .summary = "Get the values of all the given keys",
       .complexity = "O(N) where N is the number of keys to retrieve.", .syntax = "key [key ...]"},
      {.name = "mset", .arity = -3, .flags = kWrite | kDenyOom,
       .first_key = 1, .last_key = -1, .key_step = 2, .handler = CmdMSet,
       .group = kGroup, .since = "1.0.1", .summary = "Set multiple keys to multiple values",
       .complexity = "O(N) where N is the number of keys to set.",
       .syntax = "key value [key value ...]"},
      {.name = "msetnx", .arity = -3, .flags = kWrite | kDenyOom,
       .first_key = 1, .last_key = -1, .key_step = 2, .handler = CmdMSetNx,
       .group = kGroup, .since = "1.0.1",
       .summary = "Set multiple keys to multiple values, only if none of the keys exist",
       .complexity = "O(N) where N is the number of keys to set.",
       .syntax = "key value [key value ...]"},
  });
  // The counters (counter_commands.cc) sit between the two lists, where COMMAND lists them.
  RegisterCounterCommands(table);
  table.Add({
      {.name = "append", .arity = 3, .flags = kWrite | kDenyOom | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdAppend,
       .group = kGroup, .since = "2.0.0", .summary = "Append a value to a key",
       .complexity = "O(1). The amortized time complexity is O(1) assuming the appended value is "
                     "small and the already present value is of any size, since the dynamic string "
                     "library used by Redis will double the free space available on every "
                     "reallocation.",
       .syntax = "key value"},
      {.name = "strlen", .arity = 2, .flags = kReadOnly | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdStrLen,
       .group = kGroup, .since = "2.2.0", .summary = "Get the length of the value stored in a key",
       .complexity = "O(1)", .syntax = "key"},
      {.name = "getrange", .arity = 4, .flags = kReadOnly,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdGetRange,
       .group = kGroup, .since = "2.4.0",
       .summary = "Get a substring of the string stored at a key", .complexity = kRangeComplexity,
       .syntax = "key start end"},
      {.name = "setrange", .arity = 4, .flags = kWrite | kDenyOom,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdSetRange,
       .group = kGroup, .since = "2.2.0",
       .summary = "Overwrite part of a string at key starting at the specified offset",
       .complexity = "O(1), not counting the time taken to copy the new string in place. Usually, "
                     "this string is very small so the amortized complexity is O(1). Otherwise, "
                     "complexity is O(M) with M being the length of the value argument.",
       .syntax = "key offset value"},
      {.name = "substr", .arity = 4, .flags = kReadOnly,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdGetRange,
       .group = kGroup, .since = "1.0.0",
       .summary = "Get a substring of the string stored at a key", .complexity = kRangeComplexity,
       .syntax = "key start end"},
  });
  RegisterLcsCommand(table);
}

}  // namespace cairn::server
