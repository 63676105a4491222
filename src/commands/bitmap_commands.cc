// src/commands/bitmap_commands.cc — the bitmap commands: SETBIT, GETBIT, BITCOUNT, BITPOS and
// BITOP. A bitmap is a string value; the store side is store/types/string/bit_ops.h.
//
// Arguments are judged in Redis 7.0's order, which decides which error a bad call gets: SETBIT
// and GETBIT check their numbers before the key; BITCOUNT looks at the key first (a missing
// key is 0 whatever the range says); BITPOS checks its bit, then the key, then the range.
// BITCOUNT and BITPOS take a reference to the value under the shard lock and count after
// releasing it.
#include <cstdint>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "resp/number.h"
#include "src/commands/string_family.h"
#include "src/exec/command_table.h"
#include "src/exec/errors.h"
#include "src/exec/notify.h"
#include "src/exec/reply.h"
#include "src/exec/server_state.h"
#include "store/types/string/bit_ops.h"
#include "store/types/string/string_ops.h"

namespace cairn::server {
namespace {

using store::BitRange;
using store::BufRef;
using store::KeyHandle;
using store::KeyRef;

// BYTE or BIT (case-insensitive), else a syntax error.
bool ParseBitUnit(CommandContext& ctx, std::string_view arg, bool* bits) {
  if (EqualsIgnoreCase(arg, "bit") || EqualsIgnoreCase(arg, "byte")) {
    *bits = EqualsIgnoreCase(arg, "bit");
    return true;
  }
  ctx.reply.WriteError(errors::kSyntax);
  return false;
}

// The value of the key at args[1] (null when missing: "keymiss"), read under its shard lock.
Result<BufRef> ReadBitmap(CommandContext& ctx) {
  Result<BufRef> read = ctx.server.store.Access(ctx.db(), ctx.args[1],
                                                [](KeyHandle& h) { return store::StringGet(h); });
  if (read.ok()) CountLookup(ctx, static_cast<bool>(*read));
  if (read.ok() && !*read) NotifyKey(ctx, kNotifyKeyMiss, "keymiss", ctx.args[1]);
  return read;
}

// SETBIT key offset value
void CmdSetBit(CommandContext& ctx) {
  uint64_t offset = 0;
  if (!ParseBitOffset(ctx, ctx.args[2], &offset)) return;
  int64_t on = 0;
  if (!resp::ParseInt64(ctx.args[3], &on) || (on & ~int64_t{1}) != 0) {
    ctx.reply.WriteError(errors::kBitValue);
    return;
  }
  uint64_t max_len = static_cast<uint64_t>(MaxBulkLen(ctx));
  Result<store::BitSetResult> r = ctx.server.store.Access(ctx.db(), ctx.args[1], [&](KeyHandle& h) {
    Result<store::BitSetResult> set = store::BitSet(h, offset, on == 1, max_len);
    if (set.ok() && set->changed) NotifyKey(ctx, kNotifyString, "setbit", h.key());
    return set;
  });
  if (ReplyStatus(ctx, r.status())) return;
  ctx.reply.WriteInteger(r->old);
}

// GETBIT key offset
void CmdGetBit(CommandContext& ctx) {
  uint64_t offset = 0;
  if (!ParseBitOffset(ctx, ctx.args[2], &offset)) return;
  bool hit = false;
  Result<int> r = ctx.server.store.Access(ctx.db(), ctx.args[1], [&](KeyHandle& h) {
    hit = h.Find() != nullptr;
    return store::BitGet(h, offset);
  });
  if (ReplyStatus(ctx, r.status())) return;
  CountLookup(ctx, hit);
  if (!hit) NotifyKey(ctx, kNotifyKeyMiss, "keymiss", ctx.args[1]);
  ctx.reply.WriteInteger(*r);
}

// BITCOUNT key [start end [BYTE | BIT]]
void CmdBitCount(CommandContext& ctx) {
  Result<BufRef> read = ReadBitmap(ctx);
  if (ReplyStatus(ctx, read.status())) return;
  if (!*read) {
    ctx.reply.WriteInteger(0);
    return;
  }
  BitRange range;
  size_t argc = ctx.args.size();
  if (argc == 4 || argc == 5) {
    range.given = range.end_given = true;
    if (!ArgToInt64(ctx, ctx.args[2], &range.start)) return;
    if (!ArgToInt64(ctx, ctx.args[3], &range.end)) return;
    if (store::BitCountRangeEmpty(range)) {  // decided before the unit is looked at
      ctx.reply.WriteInteger(0);
      return;
    }
    if (argc == 5 && !ParseBitUnit(ctx, ctx.args[4], &range.bits)) return;
  } else if (argc != 2) {
    ctx.reply.WriteError(errors::kSyntax);
    return;
  }
  ctx.reply.WriteInteger(static_cast<int64_t>(store::BitCount(read->view(), range)));
}

// BITPOS key bit [start [end [BYTE | BIT]]]
void CmdBitPos(CommandContext& ctx) {
  int64_t bit = 0;
  if (!ArgToInt64(ctx, ctx.args[2], &bit)) return;
  if (bit != 0 && bit != 1) {
    ctx.reply.WriteError(errors::kBitPosArg);
    return;
  }
  Result<BufRef> read = ReadBitmap(ctx);
  if (ReplyStatus(ctx, read.status())) return;
  if (!*read) {  // an endless run of zeros
    ctx.reply.WriteInteger(bit == 1 ? -1 : 0);
    return;
  }
  BitRange range;
  size_t argc = ctx.args.size();
  if (argc > 6) {
    ctx.reply.WriteError(errors::kSyntax);
    return;
  }
  if (argc >= 4) {
    range.given = true;
    if (!ArgToInt64(ctx, ctx.args[3], &range.start)) return;
  }
  if (argc == 6 && !ParseBitUnit(ctx, ctx.args[5], &range.bits)) return;
  if (argc >= 5) {
    range.end_given = true;
    if (!ArgToInt64(ctx, ctx.args[4], &range.end)) return;
  }
  ctx.reply.WriteInteger(store::BitPos(read->view(), static_cast<int>(bit), range));
}

bool ParseBitOpKind(std::string_view arg, store::BitOpKind* op) {
  static constexpr std::pair<std::string_view, store::BitOpKind> kKinds[] = {
      {"and", store::BitOpKind::kAnd},
      {"or", store::BitOpKind::kOr},
      {"xor", store::BitOpKind::kXor},
      {"not", store::BitOpKind::kNot},
  };
  for (const auto& [name, value] : kKinds) {
    if (EqualsIgnoreCase(arg, name)) {
      *op = value;
      return true;
    }
  }
  return false;
}

// "keymiss" for each missing source, up to the first of another type, as Redis reads them.
void NotifySourceMisses(CommandContext& ctx, std::span<KeyHandle> sources) {
  if (!WantsKeyspaceEvent(ctx.server, kNotifyKeyMiss)) return;
  for (KeyHandle& h : sources) {
    const store::Entry* e = h.Find();
    if (e != nullptr && e->value.type != store::ValueType::kString) return;
    if (e == nullptr) NotifyKey(ctx, kNotifyKeyMiss, "keymiss", h.key());
  }
}

// BITOP AND | OR | XOR | NOT destkey key [key ...]: every key is locked together, so the
// result reflects one moment; the destination is replaced ("set") or, for an empty result,
// deleted ("del").
void CmdBitOp(CommandContext& ctx) {
  store::BitOpKind op{};
  if (!ParseBitOpKind(ctx.args[1], &op)) {
    ctx.reply.WriteError(errors::kSyntax);
    return;
  }
  if (op == store::BitOpKind::kNot && ctx.args.size() != 4) {
    ctx.reply.WriteError(errors::kBitOpNot);
    return;
  }
  std::vector<KeyRef> keys;
  keys.reserve(ctx.args.size() - 2);
  for (size_t i = 2; i < ctx.args.size(); ++i) keys.push_back({ctx.db(), ctx.args[i]});
  ctx.server.store.AccessMany(keys, [&](std::span<KeyHandle> hs) {
    NotifySourceMisses(ctx, hs.subspan(1));
    Result<store::BitOpResult> r = store::BitOp(hs[0], hs.subspan(1), op);
    if (ReplyStatus(ctx, r.status())) return;
    if (r->length > 0) NotifyKey(ctx, kNotifyString, "set", hs[0].key());
    if (r->deleted) NotifyKey(ctx, kNotifyGeneric, "del", hs[0].key());
    ctx.reply.WriteInteger(static_cast<int64_t>(r->length));
  });
}

}  // namespace

bool ParseBitOffset(CommandContext& ctx, std::string_view arg, uint64_t* offset,
                    uint32_t field_bits) {
  bool in_fields = field_bits > 0 && !arg.empty() && arg[0] == '#';
  int64_t n = 0;
  bool ok = resp::ParseInt64(in_fields ? arg.substr(1) : arg, &n);
  if (ok && in_fields) ok = !__builtin_mul_overflow(n, int64_t{field_bits}, &n);
  if (!ok || n < 0 || (n >> 3) >= MaxBulkLen(ctx)) {
    ctx.reply.WriteError(errors::kBitOffset);
    return false;
  }
  *offset = static_cast<uint64_t>(n);
  return true;
}

void RegisterBitmapCommands(CommandTable& table) {
  constexpr std::string_view kGroup = "bitmap";
  table.Add({
      {.name = "setbit", .arity = 4, .flags = kWrite | kDenyOom,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdSetBit,
       .group = kGroup, .since = "2.2.0",
       .summary = "Sets or clears the bit at offset in the string value stored at key",
       .complexity = "O(1)", .syntax = "key offset value"},
      {.name = "getbit", .arity = 3, .flags = kReadOnly | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdGetBit,
       .group = kGroup, .since = "2.2.0",
       .summary = "Returns the bit value at offset in the string value stored at key",
       .complexity = "O(1)", .syntax = "key offset"},
      {.name = "bitcount", .arity = -2, .flags = kReadOnly,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdBitCount,
       .group = kGroup, .since = "2.6.0", .summary = "Count set bits in a string",
       .complexity = "O(N)", .syntax = "key [start end [BYTE | BIT]]"},
      {.name = "bitpos", .arity = -3, .flags = kReadOnly,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdBitPos,
       .group = kGroup, .since = "2.8.7",
       .summary = "Find first bit set or clear in a string", .complexity = "O(N)",
       .syntax = "key bit [start [end [BYTE | BIT]]]"},
      {.name = "bitop", .arity = -4, .flags = kWrite | kDenyOom,
       .first_key = 2, .last_key = -1, .key_step = 1, .handler = CmdBitOp,
       .group = kGroup, .since = "2.6.0",
       .summary = "Perform bitwise operations between strings", .complexity = "O(N)",
       .syntax = "operation destkey key [key ...]"},
  });
  RegisterBitfieldCommands(table);
}

}  // namespace cairn::server
