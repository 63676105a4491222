// src/commands/string_commands.cc — the string family: GET, SET and its variants, MGET/MSET,
// APPEND and the range commands. Counters live in counter_commands.cc, LCS in lcs_command.cc.
//
// Each command is three steps: parse arguments (replying with Redis's error text on bad
// input), run one operation against the store under the key's shard lock, and map the result
// to a reply. Values are immutable buffers: a write installs a new buffer; a read takes a
// reference under the lock and writes the bytes after the lock is released. A read-modify-write
// (APPEND, SETRANGE, GETSET...) reads and installs inside one Access callback, so two threads
// changing the same key never lose an update.
#include <algorithm>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "src/commands/expire_time.h"
#include "src/commands/string_family.h"
#include "src/exec/command_table.h"
#include "src/exec/errors.h"
#include "src/exec/reply.h"
#include "src/exec/server_state.h"
#include "store/effects.h"

namespace cairn::server {
namespace {

using store::BufRef;
using store::Entry;
using store::KeyHandle;
using store::KeyRef;

// ---- Shared helpers ----------------------------------------------------------------------

enum class ReadStatus { kOk, kMissing, kWrongType, kBadExpire };
enum class WriteStatus { kOk, kWrongType, kTooLong };

void CountLookup(CommandContext& ctx, bool hit) {
  (hit ? ctx.stats.keyspace_hits : ctx.stats.keyspace_misses).Add();
}

bool FitsBulkLimit(uint64_t offset, uint64_t len, int64_t max_len) {
  return offset + len <= static_cast<uint64_t>(max_len);
}

// Keys at args[first], args[first + step], ... of the client's database.
std::vector<KeyRef> KeyRefs(CommandContext& ctx, size_t first, size_t step) {
  std::vector<KeyRef> refs;
  refs.reserve((ctx.args.size() - first + step - 1) / step);
  for (size_t i = first; i < ctx.args.size(); i += step) refs.push_back({ctx.db(), ctx.args[i]});
  return refs;
}

// Takes a reference to key's string value under the shard lock.
ReadStatus ReadString(CommandContext& ctx, std::string_view key, BufRef* out) {
  return ctx.server.store.Access(ctx.db(), key, [&](KeyHandle& h) {
    Entry* e = h.Find();
    if (e == nullptr) return ReadStatus::kMissing;
    if (!IsString(e)) return ReadStatus::kWrongType;
    *out = e->value.str;
    return ReadStatus::kOk;
  });
}

// Writes a bulk reply from a value reference; large values leave without a copy.
void ReplyValue(CommandContext& ctx, BufRef value) {
  std::string_view bytes = value.view();
  ctx.reply.WriteBulkRef(bytes, store::Buffer::UnrefOpaque, value.Release());
}

// The reply of GET-like commands: the value, nil, or WRONGTYPE.
void ReplyRead(CommandContext& ctx, ReadStatus status, BufRef value) {
  switch (status) {
    case ReadStatus::kOk:
      CountLookup(ctx, true);
      ReplyValue(ctx, std::move(value));
      return;
    case ReadStatus::kMissing:
      CountLookup(ctx, false);
      ctx.reply.WriteNull();
      return;
    case ReadStatus::kWrongType:
      ctx.reply.WriteError(errors::kWrongType);
      return;
    case ReadStatus::kBadExpire:
      return;  // the caller replies with the expiry error
  }
}

// ---- GET and the SET family --------------------------------------------------------------

void CmdGet(CommandContext& ctx) {
  BufRef value;
  ReadStatus status = ReadString(ctx, ctx.args[1], &value);
  ReplyRead(ctx, status, std::move(value));
}

enum class SetCondition : uint8_t { kAlways, kIfMissing, kIfExists };
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

enum class SetOutcome { kSet, kSkipped, kWrongType };

struct SetRequest {
  std::string_view key;
  BufRef value;
  int64_t expire_at_ms = 0;  // unix ms, 0 for none, or store::kKeepTtl
  SetCondition condition = SetCondition::kAlways;
  bool get = false;  // return the old value through *old (nil stays a null BufRef)
};

// The body of SET, SETNX, SETEX, PSETEX and GETSET. The value buffer is built before the lock
// is taken, so the critical section is a lookup and a pointer swap.
SetOutcome SetGeneric(CommandContext& ctx, SetRequest& req, BufRef* old) {
  return ctx.server.store.Access(ctx.db(), req.key, [&](KeyHandle& h) {
    Entry* e = h.Find();
    if (req.get && e != nullptr) {
      if (!IsString(e)) return SetOutcome::kWrongType;
      *old = e->value.str;
    }
    if ((req.condition == SetCondition::kIfMissing && e != nullptr) ||
        (req.condition == SetCondition::kIfExists && e == nullptr)) {
      return SetOutcome::kSkipped;
    }
    if (req.expire_at_ms > 0 && req.expire_at_ms <= h.now_ms()) {
      h.Delete();  // EXAT/PXAT in the past: the new value would expire at once
      return SetOutcome::kSet;
    }
    h.Put(StringValue(std::move(req.value)), req.expire_at_ms);
    return SetOutcome::kSet;
  });
}

void CmdSet(CommandContext& ctx) {
  SetOptions o;
  if (!ParseSetOptions(ctx, 3, /*getex=*/false, &o)) return;
  SetRequest req{ctx.args[1], {}, 0, o.condition, o.get};
  ExpireParse parsed = ResolveExpire(ctx, o, &req.expire_at_ms);
  if (parsed != ExpireParse::kOk) {
    ReplyExpireError(ctx, parsed);
    return;
  }
  req.value = BufRef::Copy(ctx.args[2]);
  BufRef old;
  SetOutcome outcome = SetGeneric(ctx, req, &old);
  if (outcome == SetOutcome::kWrongType) {
    ctx.reply.WriteError(errors::kWrongType);
  } else if (o.get) {
    ReadStatus status = old ? ReadStatus::kOk : ReadStatus::kMissing;
    ReplyRead(ctx, status, std::move(old));
  } else if (outcome == SetOutcome::kSet) {
    ctx.reply.WriteOk();
  } else {
    ctx.reply.WriteNull();
  }
}

void CmdSetNx(CommandContext& ctx) {
  SetRequest req{ctx.args[1], BufRef::Copy(ctx.args[2]), 0, SetCondition::kIfMissing, false};
  BufRef unused;
  ctx.reply.WriteInteger(SetGeneric(ctx, req, &unused) == SetOutcome::kSet ? 1 : 0);
}

// SETEX key seconds value / PSETEX key milliseconds value.
void SetExGeneric(CommandContext& ctx, TimeUnit unit) {
  SetRequest req{ctx.args[1], {}, 0, SetCondition::kAlways, false};
  ExpireParse parsed = ParseSetExpire(ctx.args[2], unit, TimeBase::kRelative,
                                      ctx.server.store.NowMs(), &req.expire_at_ms);
  if (parsed != ExpireParse::kOk) {
    ReplyExpireError(ctx, parsed);
    return;
  }
  req.value = BufRef::Copy(ctx.args[3]);
  BufRef unused;
  SetGeneric(ctx, req, &unused);
  ctx.reply.WriteOk();
}

void CmdSetEx(CommandContext& ctx) { SetExGeneric(ctx, TimeUnit::kSeconds); }
void CmdPSetEx(CommandContext& ctx) { SetExGeneric(ctx, TimeUnit::kMilliseconds); }

void CmdGetSet(CommandContext& ctx) {
  SetRequest req{ctx.args[1], BufRef::Copy(ctx.args[2]), 0, SetCondition::kAlways, true};
  BufRef old;
  if (SetGeneric(ctx, req, &old) == SetOutcome::kWrongType) {
    ctx.reply.WriteError(errors::kWrongType);
    return;
  }
  ReadStatus status = old ? ReadStatus::kOk : ReadStatus::kMissing;
  ReplyRead(ctx, status, std::move(old));
}

void CmdGetDel(CommandContext& ctx) {
  BufRef value;
  ReadStatus status = ctx.server.store.Access(ctx.db(), ctx.args[1], [&](KeyHandle& h) {
    Entry* e = h.Find();
    if (e == nullptr) return ReadStatus::kMissing;
    if (!IsString(e)) return ReadStatus::kWrongType;
    value = e->value.str;
    h.Delete();
    return ReadStatus::kOk;
  });
  ReplyRead(ctx, status, std::move(value));
}

// GETEX looks at the key before it judges the expiry argument: a missing key is nil and a
// key of another type is WRONGTYPE whatever the number says, as in Redis.
void CmdGetEx(CommandContext& ctx) {
  SetOptions o;
  if (!ParseSetOptions(ctx, 2, /*getex=*/true, &o)) return;
  int64_t at_ms = 0;
  ExpireParse parsed = ResolveExpire(ctx, o, &at_ms);
  BufRef value;
  ReadStatus status = ctx.server.store.Access(ctx.db(), ctx.args[1], [&](KeyHandle& h) {
    Entry* e = h.Find();
    if (e == nullptr) return ReadStatus::kMissing;
    if (!IsString(e)) return ReadStatus::kWrongType;
    if (parsed != ExpireParse::kOk) return ReadStatus::kBadExpire;
    value = e->value.str;
    if (o.expire == ExpireKind::kPersist) {
      h.SetExpire(e, 0);
    } else if (at_ms > 0 && at_ms <= h.now_ms()) {
      h.Delete();
    } else if (at_ms > 0) {
      h.SetExpire(e, at_ms);
    }
    return ReadStatus::kOk;
  });
  if (status == ReadStatus::kBadExpire) ReplyExpireError(ctx, parsed);
  ReplyRead(ctx, status, std::move(value));
}

// ---- MGET, MSET, MSETNX ------------------------------------------------------------------

// One lock set for all keys: the values returned are a snapshot of one instant.
void CmdMGet(CommandContext& ctx) {
  std::vector<KeyRef> refs = KeyRefs(ctx, 1, 1);
  std::vector<BufRef> values(refs.size());
  ctx.server.store.AccessMany(refs, [&](std::span<KeyHandle> handles) {
    for (size_t i = 0; i < handles.size(); ++i) {
      Entry* e = handles[i].Find();
      if (e != nullptr && IsString(e)) values[i] = e->value.str;
    }
  });
  ctx.reply.WriteArrayLen(static_cast<int64_t>(values.size()));
  for (BufRef& value : values) {
    ReadStatus status = value ? ReadStatus::kOk : ReadStatus::kMissing;
    ReplyRead(ctx, status, std::move(value));
  }
}

// Sets every pair under one lock set (all or nothing for MSETNX); returns whether it did.
// Later pairs win over earlier ones with the same key.
bool MSetGeneric(CommandContext& ctx, bool only_if_none_exist) {
  std::vector<KeyRef> refs = KeyRefs(ctx, 1, 2);
  std::vector<BufRef> values;
  values.reserve(refs.size());
  for (size_t i = 2; i < ctx.args.size(); i += 2) values.push_back(BufRef::Copy(ctx.args[i]));
  return ctx.server.store.AccessMany(refs, [&](std::span<KeyHandle> handles) {
    if (only_if_none_exist) {
      for (KeyHandle& h : handles) {
        if (h.Find() != nullptr) return false;
      }
    }
    for (size_t i = 0; i < handles.size(); ++i) {
      handles[i].Put(StringValue(std::move(values[i])), 0);
    }
    return true;
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

void ReplyWrite(CommandContext& ctx, WriteStatus status, int64_t length) {
  switch (status) {
    case WriteStatus::kOk:
      ctx.reply.WriteInteger(length);
      return;
    case WriteStatus::kWrongType:
      ctx.reply.WriteError(errors::kWrongType);
      return;
    case WriteStatus::kTooLong:
      ctx.reply.WriteError(errors::kStringTooLong);
      return;
  }
}

// Appending extends the value in place when no reader holds it, else builds a new buffer
// with room to grow (store/buffer.h), so repeated APPENDs cost amortized O(1) per byte. The
// TTL stays; the value is marked grown so OBJECT ENCODING says "raw" as Redis does.
void CmdAppend(CommandContext& ctx) {
  std::string_view tail = ctx.args[2];
  int64_t max_len = MaxBulkLen(ctx);
  size_t length = 0;
  WriteStatus status = ctx.server.store.Access(ctx.db(), ctx.args[1], [&](KeyHandle& h) {
    Entry* e = h.Find();
    if (e == nullptr) {
      h.Put(StringValue(BufRef::Copy(tail)), 0);
      length = tail.size();
      return WriteStatus::kOk;
    }
    if (!IsString(e)) return WriteStatus::kWrongType;
    std::string_view head = e->value.str.view();
    if (!FitsBulkLimit(head.size(), tail.size(), max_len)) return WriteStatus::kTooLong;
    length = head.size() + tail.size();
    h.Append(e, tail);  // in place when no reader holds the value; logs only the tail
    return WriteStatus::kOk;
  });
  ReplyWrite(ctx, status, static_cast<int64_t>(length));
}

void CmdStrLen(CommandContext& ctx) {
  BufRef value;
  ReadStatus status = ReadString(ctx, ctx.args[1], &value);
  if (status == ReadStatus::kWrongType) {
    ctx.reply.WriteError(errors::kWrongType);
    return;
  }
  CountLookup(ctx, status == ReadStatus::kOk);
  ctx.reply.WriteInteger(static_cast<int64_t>(value.size()));
}

// Redis 7.0's index rules: negative indexes count from the end, both are clamped into the
// string, and an empty result is "". Returns false for an empty range.
bool ClampRange(int64_t start, int64_t end, size_t size, size_t* from, size_t* count) {
  int64_t len = static_cast<int64_t>(size);
  if (start < 0 && end < 0 && start > end) return false;
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (len == 0 || start > end) return false;
  *from = static_cast<size_t>(start);
  *count = static_cast<size_t>(end - start + 1);
  return true;
}

void CmdGetRange(CommandContext& ctx) {
  int64_t start = 0, end = 0;
  if (!ArgToInt64(ctx, ctx.args[2], &start) || !ArgToInt64(ctx, ctx.args[3], &end)) return;
  BufRef value;
  ReadStatus status = ReadString(ctx, ctx.args[1], &value);
  if (status == ReadStatus::kWrongType) {
    ctx.reply.WriteError(errors::kWrongType);
    return;
  }
  CountLookup(ctx, status == ReadStatus::kOk);
  size_t from = 0, count = 0;
  if (!ClampRange(start, end, value.size(), &from, &count)) {
    ctx.reply.WriteBulk("");
    return;
  }
  std::string_view bytes = value.view().substr(from, count);
  ctx.reply.WriteBulkRef(bytes, store::Buffer::UnrefOpaque, value.Release());
}

// old with patch written at offset; the gap past the old end is zero bytes.
BufRef Patched(std::string_view old, size_t offset, std::string_view patch) {
  size_t size = std::max(old.size(), offset + patch.size());
  store::Buffer* buf = store::Buffer::Allocate(size);
  char* out = buf->MutableData();
  if (!old.empty()) std::memcpy(out, old.data(), old.size());
  if (offset > old.size()) std::memset(out + old.size(), 0, offset - old.size());
  std::memcpy(out + offset, patch.data(), patch.size());
  return BufRef(buf);
}

void CmdSetRange(CommandContext& ctx) {
  int64_t offset = 0;
  if (!ArgToInt64(ctx, ctx.args[2], &offset)) return;
  if (offset < 0) {
    ctx.reply.WriteError(errors::kOffsetRange);
    return;
  }
  std::string_view patch = ctx.args[3];
  // Replay refuses a SETRANGE record reaching past kMaxSetRangeEnd (a forged offset must not
  // size an allocation), so the live command may not reach past it either, even when
  // proto-max-bulk-len is raised above its 512 MB default: the log must always replay.
  int64_t max_len =
      std::min<int64_t>(MaxBulkLen(ctx), static_cast<int64_t>(store::kMaxSetRangeEnd));
  size_t length = 0;
  WriteStatus status = ctx.server.store.Access(ctx.db(), ctx.args[1], [&](KeyHandle& h) {
    Entry* e = h.Find();
    if (e != nullptr && !IsString(e)) return WriteStatus::kWrongType;
    std::string_view old = e != nullptr ? e->value.str.view() : std::string_view();
    length = old.size();
    if (patch.empty()) return WriteStatus::kOk;  // nothing to write, no key to create
    if (!FitsBulkLimit(static_cast<uint64_t>(offset), patch.size(), max_len)) {
      return WriteStatus::kTooLong;
    }
    BufRef bytes = Patched(old, static_cast<size_t>(offset), patch);
    length = bytes.size();
    h.PutRange(std::move(bytes), static_cast<uint64_t>(offset), patch);  // logs the patch only
    return WriteStatus::kOk;
  });
  ReplyWrite(ctx, status, static_cast<int64_t>(length));
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
