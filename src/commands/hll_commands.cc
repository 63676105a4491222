// src/commands/hll_commands.cc — the HyperLogLog commands: PFADD, PFCOUNT, PFMERGE, PFDEBUG
// and PFSELFTEST. A HLL is a string value in Redis's own representation; the store side is
// store/types/string/hll_ops.h (commands) and hyperloglog.h (the bytes).
//
// Keys are read in Redis 7.0's order, which decides which error a bad call gets and which
// keys count as hits, misses ("keymiss" events) before it: PFCOUNT and PFMERGE read every key
// in order (PFMERGE's destination first, as a source) and stop at the first that is not a HLL.
//
// PFCOUNT of one key caches the count in the value, a logged write like Redis's (see
// hll_ops.h). Because it may change the value, PFCOUNT is flagged kMayReplicate: read-only
// scripts may not call it and CLIENT PAUSE WRITE holds it, as in Redis. It is not cached —
// the count is only computed — while the log refuses writes, or when a pause began while it
// was already past that check (a script or transaction started before the pause).
#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "src/commands/string_family.h"
#include "src/exec/command_table.h"
#include "src/exec/errors.h"
#include "src/exec/notify.h"
#include "src/exec/reply.h"
#include "src/exec/server_state.h"
#include "store/types/string/hll_ops.h"
#include "store/types/string/hll_self_test.h"
#include "store/types/string/hyperloglog.h"

namespace cairn::server {
namespace {

using store::KeyHandle;
using store::KeyRef;
namespace hll = store::hll;

size_t SparseMaxBytes(CommandContext& ctx) {
  int64_t bytes = ctx.server.limits.hll_sparse_max_bytes.load(std::memory_order_relaxed);
  return static_cast<size_t>(bytes);
}

// Writes the error for a failed HLL operation; false when status is OK.
bool ReplyHllStatus(CommandContext& ctx, const Status& status) {
  if (status.code() == Code::kInvalid) {
    ctx.reply.WriteError(errors::kHllNotValid);
    return true;
  }
  if (status.code() == Code::kCorruption) {
    ctx.reply.WriteError(errors::kHllCorrupt);
    return true;
  }
  return ReplyStatus(ctx, status);
}

// Whether PFCOUNT may store the count it computed (see the top of the file).
bool MayCacheCount(CommandContext& ctx) {
  if (ctx.server.WalFailed()) return false;
  using PauseKind = ServerState::PauseKind;
  return ctx.server.pause_kind.load(std::memory_order_relaxed) == PauseKind::kNone ||
         ctx.server.pause_end_ms.load(std::memory_order_relaxed) <= WallMs();
}

// Counts the reads of the keys, in order, as hits or misses ("keymiss" for a missing key),
// up to the first key that is not a HLL, as Redis's reads of them do.
void CountHllReads(CommandContext& ctx, std::span<KeyHandle> handles) {
  for (KeyHandle& h : handles) {
    Result<const store::BufRef*> found = store::FindHll(h);
    bool hit = !found.ok() || *found != nullptr;
    CountLookup(ctx, hit);
    if (!hit) NotifyKey(ctx, kNotifyKeyMiss, "keymiss", h.key());
    if (!found.ok()) return;
  }
}

std::vector<KeyRef> KeysFrom(CommandContext& ctx, size_t first) {
  std::vector<KeyRef> keys;
  keys.reserve(ctx.args.size() - first);
  for (size_t i = first; i < ctx.args.size(); ++i) keys.push_back({ctx.db(), ctx.args[i]});
  return keys;
}

// PFADD key [element [element ...]]
void CmdPfAdd(CommandContext& ctx) {
  size_t max_bytes = SparseMaxBytes(ctx);
  Result<bool> r = ctx.server.store.Access(ctx.db(), ctx.args[1], [&](KeyHandle& h) {
    Result<bool> added = store::PfAdd(h, ctx.args.subspan(2), max_bytes);
    if (added.ok() && *added) NotifyKey(ctx, kNotifyString, "pfadd", h.key());
    return added;
  });
  if (ReplyHllStatus(ctx, r.status())) return;
  ctx.reply.WriteInteger(*r ? 1 : 0);
}

// PFCOUNT key [key ...]: one key uses (and fills) the cached count; several count their union.
void CmdPfCount(CommandContext& ctx) {
  Result<uint64_t> r = uint64_t{0};
  if (ctx.args.size() == 2) {
    bool cache = MayCacheCount(ctx);
    r = ctx.server.store.Access(ctx.db(), ctx.args[1], [&](KeyHandle& h) {
      CountHllReads(ctx, std::span<KeyHandle>(&h, 1));
      return store::PfCount(h, cache);
    });
  } else {
    std::vector<KeyRef> keys = KeysFrom(ctx, 1);
    r = ctx.server.store.AccessMany(keys, [&](std::span<KeyHandle> hs) {
      CountHllReads(ctx, hs);
      return store::PfCountUnion(hs);
    });
  }
  if (ReplyHllStatus(ctx, r.status())) return;
  ctx.reply.WriteInteger(static_cast<int64_t>(*r));
}

// PFMERGE destkey [sourcekey [sourcekey ...]]: the destination is also a source.
void CmdPfMerge(CommandContext& ctx) {
  size_t max_bytes = SparseMaxBytes(ctx);
  std::vector<KeyRef> keys = KeysFrom(ctx, 1);
  Status s = ctx.server.store.AccessMany(keys, [&](std::span<KeyHandle> hs) {
    CountHllReads(ctx, hs);
    Status merged = store::PfMerge(hs, max_bytes);
    if (merged.ok()) NotifyKey(ctx, kNotifyString, "pfadd", hs[0].key());
    return merged;
  });
  if (ReplyHllStatus(ctx, s)) return;
  ctx.reply.WriteOk();
}

// PFDEBUG's subcommands on an existing HLL key h.
void PfDebugOn(CommandContext& ctx, KeyHandle& h, std::string_view hll_bytes) {
  std::string_view sub = ctx.args[1];
  if (EqualsIgnoreCase(sub, "getreg")) {
    Result<hll::Registers> regs = store::PfGetRegisters(h);
    if (ReplyHllStatus(ctx, regs.status())) return;
    ctx.reply.WriteArrayLen(static_cast<int64_t>(regs->size()));
    for (uint8_t r : *regs) ctx.reply.WriteInteger(r);
  } else if (EqualsIgnoreCase(sub, "decode")) {
    if (hll::EncodingOf(hll_bytes) != hll::Encoding::kSparse) {
      ctx.reply.WriteError(errors::kPfDebugNotSparse);
      return;
    }
    ctx.reply.WriteBulk(hll::DescribeSparse(hll_bytes));
  } else if (EqualsIgnoreCase(sub, "encoding")) {
    bool sparse = hll::EncodingOf(hll_bytes) == hll::Encoding::kSparse;
    ctx.reply.WriteSimple(sparse ? "sparse" : "dense");
  } else if (EqualsIgnoreCase(sub, "todense")) {
    Result<bool> converted = store::PfToDense(h);
    if (ReplyHllStatus(ctx, converted.status())) return;
    ctx.reply.WriteInteger(*converted ? 1 : 0);
  } else {
    ctx.reply.WriteError(std::string(errors::kPfDebugUnknown) + std::string(sub) + "'");
  }
}

// PFDEBUG GETREG | DECODE | ENCODING | TODENSE key
void CmdPfDebug(CommandContext& ctx) {
  ctx.server.store.Access(ctx.db(), ctx.args[2], [&](KeyHandle& h) {
    Result<const store::BufRef*> found = store::FindHll(h);
    if (found.ok() && *found == nullptr) {
      ctx.reply.WriteError(errors::kPfDebugNoKey);
      return;
    }
    if (ReplyHllStatus(ctx, found.status())) return;
    store::BufRef held = **found;  // keeps the bytes while a subcommand replaces the value
    PfDebugOn(ctx, h, held.view());
  });
}

// PFSELFTEST
void CmdPfSelfTest(CommandContext& ctx) {
  Status s = hll::SelfTest(SparseMaxBytes(ctx), std::random_device{}());
  if (!s.ok()) {
    ctx.reply.WriteError(std::string(errors::kPfSelfTestFailed) + std::string(s.message()));
    return;
  }
  ctx.reply.WriteOk();
}

}  // namespace

void RegisterHyperLogLogCommands(CommandTable& table) {
  constexpr std::string_view kGroup = "hyperloglog";
  table.Add({
      {.name = "pfadd", .arity = -2, .flags = kWrite | kDenyOom | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdPfAdd,
       .group = kGroup, .since = "2.8.9",
       .summary = "Adds the specified elements to the specified HyperLogLog.",
       .complexity = "O(1) to add every element.", .syntax = "key [element [element ...]]"},
      {.name = "pfcount", .arity = -2, .flags = kReadOnly | kMayReplicate,
       .first_key = 1, .last_key = -1, .key_step = 1, .handler = CmdPfCount,
       .group = kGroup, .since = "2.8.9",
       .summary = "Return the approximated cardinality of the set(s) observed by the "
                  "HyperLogLog at key(s).",
       .complexity = "O(1) with a very small average constant time when called with a single "
                     "key. O(N) with N being the number of keys, and much bigger constant "
                     "times, when called with multiple keys.",
       .syntax = "key [key ...]"},
      {.name = "pfmerge", .arity = -2, .flags = kWrite | kDenyOom,
       .first_key = 1, .last_key = -1, .key_step = 1, .handler = CmdPfMerge,
       .group = kGroup, .since = "2.8.9",
       .summary = "Merge N different HyperLogLogs into a single one.",
       .complexity = "O(N) to merge N HyperLogLogs, but with high constant times.",
       .syntax = "destkey sourcekey [sourcekey ...]"},
      {.name = "pfdebug", .arity = 3, .flags = kWrite | kDenyOom | kAdmin,
       .first_key = 2, .last_key = 2, .key_step = 1, .handler = CmdPfDebug,
       .group = kGroup, .since = "2.8.9",
       .summary = "Internal commands for debugging HyperLogLog values", .complexity = "N/A",
       .syntax = "subcommand key"},
      {.name = "pfselftest", .arity = 1, .flags = kAdmin, .handler = CmdPfSelfTest,
       .group = kGroup, .since = "2.8.9",
       .summary = "An internal command for testing HyperLogLog values", .complexity = "N/A"},
  });
}

}  // namespace cairn::server
