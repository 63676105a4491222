// src/commands/hash_scan_commands.cc — the hash family's sampling and iteration: HRANDFIELD
// (one field, distinct fields, or picks with repeats) and HSCAN (cursor, MATCH, COUNT).
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "resp/number.h"
#include "src/commands/hash_family.h"
#include "src/commands/scan_args.h"
#include "src/exec/command_table.h"
#include "src/exec/errors.h"
#include "src/exec/reply.h"
#include "src/exec/server_state.h"
#include "store/random.h"

namespace cairn::server {
namespace {

using store::HashObject;
using store::KeyHandle;
using Pair = std::pair<std::string_view, std::string_view>;

// ---- HRANDFIELD --------------------------------------------------------------------------

// Writes the replies of HRANDFIELD with a count: RESP2 flattens WITHVALUES into one array,
// RESP3 nests each pair in its own two-element array.
class PairReply {
 public:
  PairReply(CommandContext& ctx, bool with_values) : ctx_(ctx), with_values_(with_values) {}
  void Begin(size_t pairs) {
    bool flat = with_values_ && ctx_.reply.protocol() < 3;
    ctx_.reply.WriteArrayLen(static_cast<int64_t>(flat ? 2 * pairs : pairs));
  }
  void Write(std::string_view field, std::string_view value) {
    if (with_values_ && ctx_.reply.protocol() >= 3) ctx_.reply.WriteArrayLen(2);
    ctx_.reply.WriteBulk(field);
    if (with_values_) ctx_.reply.WriteBulk(value);
  }

 private:
  CommandContext& ctx_;
  bool with_values_;
};

std::vector<Pair> AllPairs(const HashObject& hash) {
  std::vector<Pair> pairs;
  pairs.reserve(hash.size());
  hash.ForEach([&](std::string_view f, std::string_view v) { pairs.emplace_back(f, v); });
  return pairs;
}

// count distinct fields of a hash holding more than count. A large share, or a packed hash,
// is drawn by a partial shuffle of all pairs; a few fields of a big table by random picks.
void WriteDistinct(const HashObject& hash, size_t count, PairReply& out) {
  out.Begin(count);
  if (hash.packed() || count * 3 > hash.size()) {
    std::vector<Pair> pairs = AllPairs(hash);
    for (size_t i = 0; i < count; ++i) {
      std::swap(pairs[i], pairs[i + store::FastRandom() % (pairs.size() - i)]);
      out.Write(pairs[i].first, pairs[i].second);
    }
    return;
  }
  std::unordered_set<const char*> seen;  // a field's bytes have one address in the table
  while (seen.size() < count) {
    std::string_view f, v;
    hash.Random(&f, &v);
    if (seen.insert(f.data()).second) out.Write(f, v);
  }
}

// count picks with repeats.
void WriteRepeats(const HashObject& hash, uint64_t count, PairReply& out) {
  out.Begin(count);
  std::vector<Pair> pairs;
  if (hash.packed()) pairs = AllPairs(hash);  // index, not walk, per pick
  for (uint64_t i = 0; i < count; ++i) {
    std::string_view f, v;
    if (hash.packed()) {
      std::tie(f, v) = pairs[store::FastRandom() % pairs.size()];
    } else {
      hash.Random(&f, &v);
    }
    out.Write(f, v);
  }
}

void RandomWithCount(CommandContext& ctx, int64_t count, bool with_values) {
  PairReply out(ctx, with_values);
  ctx.server.store.Access(ctx.db(), ctx.args[1], [&](KeyHandle& h) {
    const HashObject* hash = nullptr;
    if (!ReadOrReply(ctx, h, &hash)) return;
    if (hash == nullptr || count == 0) {
      out.Begin(0);
    } else if (count < 0) {
      WriteRepeats(*hash, static_cast<uint64_t>(-count), out);
    } else if (static_cast<uint64_t>(count) >= hash->size()) {
      out.Begin(hash->size());
      hash->ForEach([&](std::string_view f, std::string_view v) { out.Write(f, v); });
    } else {
      WriteDistinct(*hash, static_cast<size_t>(count), out);
    }
  });
}

void CmdHRandField(CommandContext& ctx) {
  if (ctx.args.size() == 2) {
    ctx.server.store.Access(ctx.db(), ctx.args[1], [&](KeyHandle& h) {
      const HashObject* hash = nullptr;
      if (!ReadOrReply(ctx, h, &hash)) return;
      if (hash == nullptr) return ctx.reply.WriteNull();
      std::string_view f, v;
      hash->Random(&f, &v);
      ctx.reply.WriteBulk(f);
    });
    return;
  }
  int64_t count = 0;
  if (!ArgToInt64Range(ctx, ctx.args[2], -INT64_MAX, INT64_MAX, errors::kRandCountRange, &count)) {
    return;
  }
  bool with_values = ctx.args.size() == 4;
  if (ctx.args.size() > 4 || (with_values && !EqualsIgnoreCase(ctx.args[3], "withvalues"))) {
    ctx.reply.WriteError(errors::kSyntax);
    return;
  }
  if (with_values && (count < -INT64_MAX / 2 || count > INT64_MAX / 2)) {
    ctx.reply.WriteError(errors::kValueRange);
    return;
  }
  RandomWithCount(ctx, count, with_values);
}

// ---- HSCAN -------------------------------------------------------------------------------

void CmdHScan(CommandContext& ctx) {
  ScanArgs a;
  if (!ParseScan(ctx, 2, /*allow_type=*/false, &a)) return;
  ctx.server.store.Access(ctx.db(), ctx.args[1], [&](KeyHandle& h) {
    const HashObject* hash = nullptr;
    if (!ReadOrReply(ctx, h, &hash)) return;
    if (hash == nullptr) {
      WriteScanHead(ctx, 0);
      return ctx.reply.WriteArrayLen(0);
    }
    if (!a.error.empty()) return ctx.reply.WriteError(a.error);
    std::vector<std::string_view> items;
    uint64_t next = hash->Scan(a.cursor, a.count, [&](std::string_view f, std::string_view v) {
      if (!a.Matches(f)) return;
      items.push_back(f);
      items.push_back(v);
    });
    WriteScanHead(ctx, next);
    ctx.reply.WriteArrayLen(static_cast<int64_t>(items.size()));
    for (std::string_view s : items) ctx.reply.WriteBulk(s);  // views: the lock is still held
  });
}

}  // namespace

void RegisterHashScanCommands(CommandTable& table) {
  constexpr std::string_view kGroup = "hash";
  table.Add({
      {.name = "hrandfield", .arity = -2, .flags = kReadOnly,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdHRandField,
       .group = kGroup, .since = "6.2.0",
       .summary = "Get one or multiple random fields from a hash",
       .complexity = "O(N) where N is the number of fields returned",
       .syntax = "key [count [WITHVALUES]]"},
      {.name = "hscan", .arity = -3, .flags = kReadOnly,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdHScan,
       .group = kGroup, .since = "2.8.0",
       .summary = "Incrementally iterate hash fields and associated values",
       .complexity = "O(1) for every call. O(N) for a complete iteration, including enough command "
                     "calls for the cursor to return back to 0. N is the number of elements inside "
                     "the collection.",
       .syntax = "key cursor [MATCH pattern] [COUNT count]"},
  });
}

}  // namespace cairn::server
