// src/commands/hash_commands.cc — the hash family: HSET and friends, point reads, whole-hash
// reads and the counters. HRANDFIELD and HSCAN live in hash_scan_commands.cc.
//
// Each command parses its arguments, runs inside one Access callback (the store operations
// of store/types/hash/hash_ops.h for changes, a const HashObject for reads) and writes its reply while
// the shard lock is held, because views into a hash are valid only until the next change.
#include <cmath>
#include <cstdint>
#include <string_view>

#include "resp/number.h"
#include "src/commands/hash_family.h"
#include "src/exec/command_table.h"
#include "src/exec/errors.h"
#include "src/exec/notify.h"
#include "src/exec/reply.h"
#include "src/exec/server_state.h"
#include "store/typed.h"

namespace cairn::server {

using store::HashObject;
using store::KeyHandle;

namespace {

// Runs read(hash, reply) on the key's hash under its lock; a missing key calls missing()
// and reports "keymiss".
template <class Read, class Missing>
void ReadHash(CommandContext& ctx, Read&& read, Missing&& missing) {
  ctx.server.store.Access(ctx.db(), ctx.args[1], [&](KeyHandle& h) {
    Result<const HashObject*> hash = store::FindAs<HashObject>(h);
    if (ReplyStatus(ctx, hash.status())) return;
    if (*hash == nullptr) {
      NotifyKey(ctx, kNotifyKeyMiss, "keymiss", h.key());
      missing();
    } else {
      read(**hash);
    }
  });
}

// ---- Writes ------------------------------------------------------------------------------

// HSET and HMSET: field value pairs; HSET replies with the number of new fields.
void SetFields(CommandContext& ctx, bool reply_ok) {
  if (ctx.args.size() % 2 != 0) {
    ReplyWrongArity(ctx.reply, ctx.spec != nullptr ? ctx.spec->name : "hset");
    return;
  }
  Result<size_t> added = ctx.server.store.Access(ctx.db(), ctx.args[1], [&](KeyHandle& h) {
    Result<size_t> r = store::HashSetFields(h, ctx.args.subspan(2));
    if (r.ok()) NotifyKey(ctx, kNotifyHash, "hset", h.key());
    return r;
  });
  if (ReplyStatus(ctx, added.status())) return;
  if (reply_ok) {
    ctx.reply.WriteOk();
  } else {
    ctx.reply.WriteInteger(static_cast<int64_t>(*added));
  }
}

void CmdHSet(CommandContext& ctx) { SetFields(ctx, false); }
void CmdHMSet(CommandContext& ctx) { SetFields(ctx, true); }

void CmdHSetNx(CommandContext& ctx) {
  Result<size_t> added = ctx.server.store.Access(ctx.db(), ctx.args[1], [&](KeyHandle& h) {
    Result<const HashObject*> hash = store::FindAs<HashObject>(h);
    std::string_view old;
    if (!hash.ok()) return Result<size_t>(hash.TakeStatus());
    if (*hash != nullptr && (*hash)->Get(ctx.args[2], &old)) return Result<size_t>(size_t{0});
    Result<size_t> r = store::HashSetFields(h, ctx.args.subspan(2, 2));
    if (r.ok()) NotifyKey(ctx, kNotifyHash, "hset", h.key());
    return r;
  });
  ReplyCount(ctx, added);
}

void CmdHDel(CommandContext& ctx) {
  ReplyCount(ctx, ctx.server.store.Access(ctx.db(), ctx.args[1], [&](KeyHandle& h) {
    bool deleted_key = false;
    Result<size_t> r = store::HashDeleteFields(h, ctx.args.subspan(2), &deleted_key);
    if (r.ok() && *r > 0) NotifyKey(ctx, kNotifyHash, "hdel", h.key());
    if (deleted_key) NotifyKey(ctx, kNotifyGeneric, "del", h.key());
    return r;
  }));
}

// ---- Counters ----------------------------------------------------------------------------

// Reads field's current value for an increment: whether it exists (*value then holds it).
Result<bool> CurrentValue(KeyHandle& h, std::string_view field, std::string_view* value) {
  Result<const HashObject*> hash = store::FindAs<HashObject>(h);
  if (!hash.ok()) return hash.TakeStatus();
  return *hash != nullptr && (*hash)->Get(field, value);
}

// Stores the new text of field; the log records the result, not the increment.
void StoreResult(KeyHandle& h, std::string_view field, std::string_view text) {
  std::string_view pair[2] = {field, text};
  (void)store::HashSetFields(h, pair);  // cannot fail: CurrentValue checked the type
}

void CmdHIncrBy(CommandContext& ctx) {
  int64_t delta = 0;
  if (!ArgToInt64(ctx, ctx.args[3], &delta)) return;
  int64_t result = 0;
  Status status = ctx.server.store.Access(ctx.db(), ctx.args[1], [&](KeyHandle& h) {
    std::string_view text;
    int64_t current = 0;
    Result<bool> exists = CurrentValue(h, ctx.args[2], &text);
    if (!exists.ok()) return exists.TakeStatus();
    if (*exists && !resp::ParseInt64(text, &current)) return Status(Code::kNotInteger);
    if (__builtin_add_overflow(current, delta, &result)) return Status(Code::kOverflow);
    char buf[resp::kMaxInt64Chars];
    StoreResult(h, ctx.args[2], {buf, resp::FormatInt64(result, buf)});
    NotifyKey(ctx, kNotifyHash, "hincrby", h.key());
    return Status::Ok();
  });
  if (!ReplyStatus(ctx, status, store::ValueType::kHash)) ctx.reply.WriteInteger(result);
}

// In long double, like INCRBYFLOAT; the field keeps the same text the reply carries.
void CmdHIncrByFloat(CommandContext& ctx) {
  long double delta = 0;
  if (!resp::ParseLongDouble(ctx.args[3], &delta)) {
    ctx.reply.WriteError(errors::kNotFloat);
    return;
  }
  if (std::isnan(delta) || std::isinf(delta)) {
    ctx.reply.WriteError(errors::kHashIncrNanOrInf);
    return;
  }
  char buf[resp::kMaxLongDoubleChars];
  size_t len = 0;
  Status status = ctx.server.store.Access(ctx.db(), ctx.args[1], [&](KeyHandle& h) {
    std::string_view text;
    long double current = 0;
    Result<bool> exists = CurrentValue(h, ctx.args[2], &text);
    if (!exists.ok()) return exists.TakeStatus();
    if (*exists && !resp::ParseLongDouble(text, &current)) return Status(Code::kNotFloat);
    long double sum = current + delta;
    if (std::isnan(sum) || std::isinf(sum)) return Status(Code::kNaN);
    len = resp::FormatLongDouble(sum, buf);
    StoreResult(h, ctx.args[2], {buf, len});
    NotifyKey(ctx, kNotifyHash, "hincrbyfloat", h.key());
    return Status::Ok();
  });
  if (!ReplyStatus(ctx, status, store::ValueType::kHash)) ctx.reply.WriteBulk({buf, len});
}

// ---- Point reads -------------------------------------------------------------------------

void CmdHGet(CommandContext& ctx) {
  ReadHash(
      ctx,
      [&](const HashObject& hash) {
        std::string_view value;
        if (hash.Get(ctx.args[2], &value)) {
          ctx.reply.WriteBulk(value);
        } else {
          ctx.reply.WriteNull();
        }
      },
      [&] { ctx.reply.WriteNull(); });
}

void CmdHMGet(CommandContext& ctx) {
  auto fields = ctx.args.subspan(2);
  auto reply_all = [&](const HashObject* hash) {
    ctx.reply.WriteArrayLen(static_cast<int64_t>(fields.size()));
    for (std::string_view f : fields) {
      std::string_view value;
      if (hash != nullptr && hash->Get(f, &value)) {
        ctx.reply.WriteBulk(value);
      } else {
        ctx.reply.WriteNull();
      }
    }
  };
  ReadHash(
      ctx, [&](const HashObject& hash) { reply_all(&hash); }, [&] { reply_all(nullptr); });
}

void CmdHExists(CommandContext& ctx) {
  ReadHash(
      ctx,
      [&](const HashObject& hash) {
        std::string_view value;
        ctx.reply.WriteInteger(hash.Get(ctx.args[2], &value) ? 1 : 0);
      },
      [&] { ctx.reply.WriteInteger(0); });
}

void CmdHStrLen(CommandContext& ctx) {
  ReadHash(
      ctx,
      [&](const HashObject& hash) {
        std::string_view value;
        bool found = hash.Get(ctx.args[2], &value);
        ctx.reply.WriteInteger(found ? static_cast<int64_t>(value.size()) : 0);
      },
      [&] { ctx.reply.WriteInteger(0); });
}

void CmdHLen(CommandContext& ctx) {
  ReadHash(
      ctx,
      [&](const HashObject& hash) { ctx.reply.WriteInteger(static_cast<int64_t>(hash.size())); },
      [&] { ctx.reply.WriteInteger(0); });
}

// ---- Whole-hash reads --------------------------------------------------------------------

enum class Part { kKeys, kValues, kBoth };

void ReplyAll(CommandContext& ctx, Part part) {
  auto write_len = [&](size_t n) {
    if (part == Part::kBoth) {
      ctx.reply.WriteMapLen(static_cast<int64_t>(n));
    } else {
      ctx.reply.WriteArrayLen(static_cast<int64_t>(n));
    }
  };
  ReadHash(
      ctx,
      [&](const HashObject& hash) {
        write_len(hash.size());
        hash.ForEach([&](std::string_view field, std::string_view value) {
          if (part != Part::kValues) ctx.reply.WriteBulk(field);
          if (part != Part::kKeys) ctx.reply.WriteBulk(value);
        });
      },
      [&] { write_len(0); });
}

void CmdHKeys(CommandContext& ctx) { ReplyAll(ctx, Part::kKeys); }
void CmdHVals(CommandContext& ctx) { ReplyAll(ctx, Part::kValues); }
void CmdHGetAll(CommandContext& ctx) { ReplyAll(ctx, Part::kBoth); }

}  // namespace

void RegisterHashCommands(CommandTable& table) {
  constexpr std::string_view kGroup = "hash";
  constexpr std::string_view kPerField =
      "O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command "
      "is called with multiple field/value pairs.";
  constexpr std::string_view kWhole = "O(N) where N is the size of the hash.";
  table.Add({
      {.name = "hset", .arity = -4, .flags = kWrite | kDenyOom | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1, .element_index = 2,
       .handler = CmdHSet,
       .group = kGroup, .since = "2.0.0", .summary = "Set the string value of a hash field",
       .complexity = kPerField, .syntax = "key field value [field value ...]"},
      {.name = "hmset", .arity = -4, .flags = kWrite | kDenyOom | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1, .element_index = 2,
       .handler = CmdHMSet,
       .group = kGroup, .since = "2.0.0", .summary = "Set multiple hash fields to multiple values",
       .complexity = "O(N) where N is the number of fields being set.",
       .syntax = "key field value [field value ...]"},
      {.name = "hsetnx", .arity = 4, .flags = kWrite | kDenyOom | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1, .element_index = 2,
       .handler = CmdHSetNx,
       .group = kGroup, .since = "2.0.0",
       .summary = "Set the value of a hash field, only if the field does not exist",
       .complexity = "O(1)", .syntax = "key field value"},
      {.name = "hget", .arity = 3, .flags = kReadOnly | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1, .element_index = 2,
       .handler = CmdHGet,
       .group = kGroup, .since = "2.0.0", .summary = "Get the value of a hash field",
       .complexity = "O(1)", .syntax = "key field"},
      {.name = "hmget", .arity = -3, .flags = kReadOnly | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1, .element_index = 2,
       .handler = CmdHMGet,
       .group = kGroup, .since = "2.0.0", .summary = "Get the values of all the given hash fields",
       .complexity = "O(N) where N is the number of fields being requested.",
       .syntax = "key field [field ...]"},
      {.name = "hdel", .arity = -3, .flags = kWrite | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1, .element_index = 2,
       .handler = CmdHDel,
       .group = kGroup, .since = "2.0.0", .summary = "Delete one or more hash fields",
       .complexity = "O(N) where N is the number of fields to be removed.",
       .syntax = "key field [field ...]"},
      {.name = "hexists", .arity = 3, .flags = kReadOnly | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1, .element_index = 2,
       .handler = CmdHExists,
       .group = kGroup, .since = "2.0.0", .summary = "Determine if a hash field exists",
       .complexity = "O(1)", .syntax = "key field"},
      {.name = "hlen", .arity = 2, .flags = kReadOnly | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdHLen,
       .group = kGroup, .since = "2.0.0", .summary = "Get the number of fields in a hash",
       .complexity = "O(1)", .syntax = "key"},
      {.name = "hstrlen", .arity = 3, .flags = kReadOnly | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1, .element_index = 2,
       .handler = CmdHStrLen,
       .group = kGroup, .since = "3.2.0", .summary = "Get the length of the value of a hash field",
       .complexity = "O(1)", .syntax = "key field"},
      {.name = "hkeys", .arity = 2, .flags = kReadOnly,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdHKeys,
       .group = kGroup, .since = "2.0.0", .summary = "Get all the fields in a hash",
       .complexity = kWhole, .syntax = "key"},
      {.name = "hvals", .arity = 2, .flags = kReadOnly,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdHVals,
       .group = kGroup, .since = "2.0.0", .summary = "Get all the values in a hash",
       .complexity = kWhole, .syntax = "key"},
      {.name = "hgetall", .arity = 2, .flags = kReadOnly,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdHGetAll,
       .group = kGroup, .since = "2.0.0", .summary = "Get all the fields and values in a hash",
       .complexity = kWhole, .syntax = "key"},
      {.name = "hincrby", .arity = 4, .flags = kWrite | kDenyOom | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1, .element_index = 2,
       .handler = CmdHIncrBy,
       .group = kGroup, .since = "2.0.0",
       .summary = "Increment the integer value of a hash field by the given number",
       .complexity = "O(1)", .syntax = "key field increment"},
      {.name = "hincrbyfloat", .arity = 4, .flags = kWrite | kDenyOom | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1, .element_index = 2,
       .handler = CmdHIncrByFloat,
       .group = kGroup, .since = "2.6.0",
       .summary = "Increment the float value of a hash field by the given amount",
       .complexity = "O(1)", .syntax = "key field increment"},
  });
  RegisterHashScanCommands(table);
}

}  // namespace cairn::server
