// src/commands/bitfield_command.cc — BITFIELD and BITFIELD_RO: integer fields of a bitmap. The
// store side (field reads and writes, overflow, growing the string) is
// store/types/string/bitfield_ops.h; this file parses the subcommands and maps the results.
//
// Every subcommand is parsed and checked before the key is touched, in Redis 7.0's order:
// a bad subcommand name is a syntax error, then each op's type, offset and value are judged
// in turn. BITFIELD_RO refuses a SET or INCRBY only after the whole line parsed. A line of
// GETs reads the key (a miss is "keymiss"); a line with a write creates or grows the string
// even when every write then fails under OVERFLOW FAIL, as Redis does.
#include <optional>
#include <string_view>
#include <vector>

#include "resp/number.h"
#include "src/commands/string_family.h"
#include "src/exec/command_table.h"
#include "src/exec/errors.h"
#include "src/exec/notify.h"
#include "src/exec/reply.h"
#include "src/exec/server_state.h"
#include "store/types/string/bitfield_ops.h"

namespace cairn::server {
namespace {

using store::BitfieldOp;
using store::BitfieldOpKind;
using store::BitfieldOverflow;
using store::KeyHandle;

// i1..i64 or u1..u63 (lower-case sign letter, as Redis).
bool ParseFieldType(CommandContext& ctx, std::string_view arg, store::BitfieldType* type) {
  int64_t bits = 0;
  bool ok = !arg.empty() && (arg[0] == 'i' || arg[0] == 'u') &&
            resp::ParseInt64(arg.substr(1), &bits) && bits >= 1 &&
            bits <= (arg[0] == 'i' ? 64 : 63);
  if (!ok) {
    ctx.reply.WriteError(errors::kBitfieldType);
    return false;
  }
  *type = {arg[0] == 'i', static_cast<uint32_t>(bits)};
  return true;
}

bool ParseOverflow(CommandContext& ctx, std::string_view arg, BitfieldOverflow* overflow) {
  if (EqualsIgnoreCase(arg, "wrap")) {
    *overflow = BitfieldOverflow::kWrap;
  } else if (EqualsIgnoreCase(arg, "sat")) {
    *overflow = BitfieldOverflow::kSat;
  } else if (EqualsIgnoreCase(arg, "fail")) {
    *overflow = BitfieldOverflow::kFail;
  } else {
    ctx.reply.WriteError(errors::kBitfieldOverflow);
    return false;
  }
  return true;
}

// The op named by args[i] if its arguments are all there (GET type offset; SET and INCRBY
// type offset value), else nothing: the caller replies a syntax error.
std::optional<BitfieldOpKind> OpKind(std::span<const std::string_view> args, size_t i) {
  size_t left = args.size() - i - 1;
  if (EqualsIgnoreCase(args[i], "get") && left >= 2) return BitfieldOpKind::kGet;
  if (EqualsIgnoreCase(args[i], "set") && left >= 3) return BitfieldOpKind::kSet;
  if (EqualsIgnoreCase(args[i], "incrby") && left >= 3) return BitfieldOpKind::kIncrBy;
  return std::nullopt;
}

// Parses the subcommands after the key into *ops; false when it replied an error.
bool ParseOps(CommandContext& ctx, std::vector<BitfieldOp>* ops) {
  BitfieldOverflow overflow = BitfieldOverflow::kWrap;
  std::span<const std::string_view> args = ctx.args;
  for (size_t i = 2; i < args.size(); ++i) {
    if (EqualsIgnoreCase(args[i], "overflow") && i + 1 < args.size()) {
      if (!ParseOverflow(ctx, args[++i], &overflow)) return false;
      continue;
    }
    std::optional<BitfieldOpKind> kind = OpKind(args, i);
    if (!kind) {
      ctx.reply.WriteError(errors::kSyntax);
      return false;
    }
    BitfieldOp op{.kind = *kind, .overflow = overflow};
    if (!ParseFieldType(ctx, args[i + 1], &op.type)) return false;
    if (!ParseBitOffset(ctx, args[i + 2], &op.offset, op.type.bits)) return false;
    if (*kind != BitfieldOpKind::kGet && !ArgToInt64(ctx, args[i + 3], &op.value)) return false;
    ops->push_back(op);
    i += *kind == BitfieldOpKind::kGet ? 2 : 3;
  }
  return true;
}

bool HasWrite(const std::vector<BitfieldOp>& ops) {
  for (const BitfieldOp& op : ops) {
    if (op.kind != BitfieldOpKind::kGet) return true;
  }
  return false;
}

// BITFIELD key [GET type offset | [OVERFLOW WRAP|SAT|FAIL] SET type offset value |
// INCRBY type offset increment ...]; read_only for BITFIELD_RO (GET only).
void BitfieldGeneric(CommandContext& ctx, bool read_only) {
  std::vector<BitfieldOp> ops;
  if (!ParseOps(ctx, &ops)) return;
  bool writes = HasWrite(ops);
  if (writes && read_only) {
    ctx.reply.WriteError(errors::kBitfieldRoGetOnly);
    return;
  }
  Result<store::BitfieldRunResult> r =
      ctx.server.store.Access(ctx.db(), ctx.args[1], [&](KeyHandle& h) {
        Result<store::BitfieldRunResult> run = store::BitfieldRun(h, ops);
        if (run.ok() && run->changed) NotifyKey(ctx, kNotifyString, "setbit", h.key());
        return run;
      });
  if (ReplyStatus(ctx, r.status())) return;
  if (!writes) {
    CountLookup(ctx, r->found);
    if (!r->found) NotifyKey(ctx, kNotifyKeyMiss, "keymiss", ctx.args[1]);
  }
  ctx.reply.WriteArrayLen(static_cast<int64_t>(r->replies.size()));
  for (const std::optional<int64_t>& v : r->replies) {
    if (v) {
      ctx.reply.WriteInteger(*v);
    } else {
      ctx.reply.WriteNull();
    }
  }
}

void CmdBitfield(CommandContext& ctx) { BitfieldGeneric(ctx, false); }
void CmdBitfieldRo(CommandContext& ctx) { BitfieldGeneric(ctx, true); }

}  // namespace

void RegisterBitfieldCommands(CommandTable& table) {
  constexpr std::string_view kGroup = "bitmap";
  table.Add({
      {.name = "bitfield", .arity = -2, .flags = kWrite | kDenyOom,
       .first_key = 1, .last_key = 1, .key_step = 1,
       .handler = CmdBitfield,
       .group = kGroup, .since = "3.2.0",
       .summary = "Perform arbitrary bitfield integer operations on strings",
       .complexity = "O(1) for each subcommand specified",
       .syntax = "key [GET encoding offset | [OVERFLOW <WRAP | SAT | FAIL>] "
                 "<SET encoding offset value | INCRBY encoding offset increment> ...]"},
      {.name = "bitfield_ro", .arity = -2, .flags = kReadOnly | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1,
       .handler = CmdBitfieldRo,
       .group = kGroup, .since = "6.0.0",
       .summary = "Perform arbitrary bitfield integer operations on strings. Read-only variant "
                  "of BITFIELD",
       .complexity = "O(1) for each subcommand specified",
       .syntax = "key [GET encoding offset [GET encoding offset ...]]"},
  });
}

}  // namespace cairn::server
