// src/commands/zset_family.h — what the sorted-set command files share: score and lex range
// parsing (Redis's "(" exclusive, -inf/+inf, "[" "(" "-" "+"), turning a range into a rank
// interval, and the reply shapes of scored elements in RESP2 and RESP3. Internal to
// src/commands/.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "resp/writer.h"
#include "src/exec/command.h"
#include "src/exec/reply.h"
#include "src/exec/server_state.h"
#include "store/types/zset/zset.h"
#include "store/types/zset/zset_ops.h"

namespace cairn::server {

class CommandTable;

// A score range boundary: "1.5", "(1.5", "-inf", "+inf".
struct ScoreBound {
  double value = 0;
  bool exclusive = false;
};
// Parses min and max; false (nothing replied) when either is not a valid score boundary.
bool ParseScoreBound(std::string_view arg, ScoreBound* out);
// A lex boundary: "-", "+", "[member", "(member".
struct LexBound {
  enum Kind { kMin, kMax, kValue } kind = kMin;
  std::string_view value;
  bool exclusive = false;
};
bool ParseLexBound(std::string_view arg, LexBound* out);

// The ascending rank interval [*start, *end) of the elements within [min, max].
void ScoreRanks(const store::ZSet& z, const ScoreBound& min, const ScoreBound& max, size_t* start,
                size_t* end);
void LexRanks(const store::ZSet& z, const LexBound& min, const LexBound& max, size_t* start,
              size_t* end);
// Redis's rank-range rule (negative counts from the end, clamped): the ascending interval
// [*start, *end) for start..stop inclusive on a set of size elements; empty when start >= end.
void IndexRanks(int64_t start, int64_t stop, size_t size, size_t* from, size_t* to);

// Scored element replies. A list of n elements: WITHSCORES gives member, score pairs — flat
// in RESP2, one [member, score] array per element in RESP3 (the score a double).
void WriteScoredLen(resp::Writer& w, size_t n, bool withscores);
void WriteScored(resp::Writer& w, std::string_view member, double score, bool withscores);
using ScoredList = std::vector<std::pair<std::string, double>>;
void WriteScoredList(resp::Writer& w, const ScoredList& items, bool withscores);

// Runs read(z) (z nullptr when the key is missing: "keymiss") under the key's lock; replies
// WRONGTYPE itself when the key holds another type.
template <class Fn>
void ReadZSet(CommandContext& ctx, std::string_view key, Fn&& read) {
  ctx.server.store.Access(ctx.db(), key, [&](store::KeyHandle& h) {
    const store::ZSet* z = nullptr;
    if (!ReadOrReply(ctx, h, &z)) return;
    read(z);
  });
}

// The body of ZADD, ZINCRBY and GEOADD: applies items to the key args[1] under o, fires
// "zadd" (or "zincr") when something changed, and replies with the INCR result (double or
// nil) or the count (added, plus changed when ch).
void ZAddGeneric(CommandContext& ctx, std::span<const store::ZItem> items,
                 const store::ZAddOptions& o, bool ch);

// A zset value holding items, which must be sorted by (score, member) and distinct. keep_sign:
// see store::ZSet::Append (true as Redis's ZUNIONSTORE builds, false as ZRANGESTORE BYSCORE).
store::ObjRef BuildZSet(const ScoredList& items, bool keep_sign = true);

// Registration of the commands living in their own files (zset_commands.cc registers the rest
// and calls these).
void RegisterZSetRangeCommands(CommandTable& table);
void RegisterZSetPopCommands(CommandTable& table);
void RegisterZSetSetOpCommands(CommandTable& table);

}  // namespace cairn::server
