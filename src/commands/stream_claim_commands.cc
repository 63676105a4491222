// src/commands/stream_claim_commands.cc — XCLAIM and XAUTOCLAIM: moving pending entries of a
// consumer group to another consumer. PEL entries whose stream entry was deleted are removed
// (acknowledged) as Redis 7.0 does; the new delivery times and counts are logged as facts.
#include <algorithm>
#include <string>
#include <vector>

#include "resp/number.h"
#include "src/commands/stream_family.h"
#include "src/exec/errors.h"
#include "src/exec/notify.h"
#include "src/exec/reply.h"
#include "src/exec/server_state.h"

namespace cairn::server {
namespace {

using store::Entry;
using store::Stream;
using store::KeyHandle;
using store::StreamGroup;
using store::StreamId;
using store::StreamPending;

struct ClaimArgs {
  int64_t min_idle_ms = 0;
  std::vector<StreamId> ids;
  int64_t idle_ms = -1, time_ms = -1, retry = -1;
  bool force = false, justid = false, has_last = false;
  StreamId last;
};

bool ParseClaimArgs(CommandContext& ctx, ClaimArgs* a) {
  if (!resp::ParseInt64(ctx.args[4], &a->min_idle_ms)) {
    ctx.reply.WriteError(errors::kStreamMinIdle);
    return false;
  }
  size_t i = 5;
  StreamId id;
  for (; i < ctx.args.size() && ParseStreamId(ctx.args[i], 0, &id); ++i) a->ids.push_back(id);
  for (; i < ctx.args.size(); ++i) {
    std::string_view opt = ctx.args[i];
    bool has_value = i + 1 < ctx.args.size();
    if (EqualsIgnoreCase(opt, "force")) {
      a->force = true;
    } else if (EqualsIgnoreCase(opt, "justid")) {
      a->justid = true;
    } else if (EqualsIgnoreCase(opt, "idle") && has_value) {
      if (!ArgToInt64(ctx, ctx.args[++i], &a->idle_ms)) return false;
    } else if (EqualsIgnoreCase(opt, "time") && has_value) {
      if (!ArgToInt64(ctx, ctx.args[++i], &a->time_ms)) return false;
    } else if (EqualsIgnoreCase(opt, "retrycount") && has_value) {
      if (!ArgToInt64(ctx, ctx.args[++i], &a->retry)) return false;
    } else if (EqualsIgnoreCase(opt, "lastid") && has_value) {
      if (!ArgToStreamId(ctx, ctx.args[++i], 0, &a->last)) return false;
      a->has_last = true;
    } else {
      ctx.reply.WriteError(std::string("ERR Unrecognized XCLAIM option '") + std::string(opt) +
                           "'");
      return false;
    }
  }
  if (a->ids.empty()) {
    ctx.reply.WriteError(errors::kStreamInvalidId);
    return false;
  }
  return true;
}

// Runs the claim under the lock and writes the reply (entries or IDs).
void ClaimLocked(CommandContext& ctx, KeyHandle& h, Entry* e, const ClaimArgs& a) {
  const store::Stream* s = store::StreamOf(e);
  StreamGroup* g = const_cast<store::Stream*>(s)->FindGroup(ctx.args[2]);
  int64_t now = h.now_ms();
  int64_t delivery = a.time_ms >= 0 ? a.time_ms : now - std::max<int64_t>(a.idle_ms, 0);
  std::vector<StreamPending> claims;
  std::vector<StreamId> gone;
  for (StreamId id : a.ids) {
    const StreamPending* p = g->FindPending(id);
    bool exists = s->Contains(id);
    if (p != nullptr && !exists) gone.push_back(id);
    if (!exists || (p == nullptr && !a.force)) continue;
    if (p != nullptr && a.min_idle_ms > 0 && now - p->delivery_ms < a.min_idle_ms) continue;
    uint64_t count = p != nullptr ? p->delivery_count : 1;  // FORCE: a new PEL entry
    if (a.retry >= 0) {
      count = static_cast<uint64_t>(a.retry);
    } else if (!a.justid) {
      ++count;
    }
    claims.push_back({id, 0, delivery, count});
  }
  StreamEntries entries;
  for (const StreamPending& c : claims) {
    if (a.justid) entries.push_back({c.id, {}, false});
    if (!a.justid) CollectStreamRange(*s, c.id, c.id, false, 1, &entries);
  }
  if (!gone.empty()) store::StreamAck(h, e, ctx.args[2], gone);
  if (store::StreamClaimEntries(
          h, e, {ctx.args[2], ctx.args[3], now, a.has_last ? &a.last : nullptr, claims})) {
    NotifyKey(ctx, kNotifyStream, "xgroup-createconsumer", h.key());
  }
  if (!a.justid) return WriteStreamEntries(ctx.reply, entries);
  ctx.reply.WriteArrayLen(static_cast<int64_t>(entries.size()));
  for (const StreamEntryCopy& c : entries) WriteStreamId(ctx.reply, c.id);
}

// Looks up key (a missing key is a "keymiss") and group, replying WRONGTYPE / NOGROUP, then
// runs fn(h, e).
template <class Fn>
void WithClaimGroup(CommandContext& ctx, Fn&& fn) {
  enum { kOk, kWrong, kNoGroup } status = kOk;
  ctx.server.store.Access(ctx.db(), ctx.args[1], [&](KeyHandle& h) {
    Result<Entry*> found = store::FindEntryAs<Stream>(h);
    if (!found.ok()) return void(status = kWrong);
    Entry* e = *found;
    if (e == nullptr) NotifyKey(ctx, kNotifyKeyMiss, "keymiss", h.key());
    if (e == nullptr || store::StreamOf(e)->FindGroup(ctx.args[2]) == nullptr) {
      return void(status = kNoGroup);
    }
    fn(h, e);
  });
  if (status == kWrong) ctx.reply.WriteError(errors::kWrongType);
  if (status == kNoGroup) ReplyNoGroup(ctx, ctx.args[1], ctx.args[2]);
}

// XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME unix-time-ms]
//        [RETRYCOUNT count] [FORCE] [JUSTID] [LASTID lastid]
void CmdXClaim(CommandContext& ctx) {
  ClaimArgs a;
  if (!ParseClaimArgs(ctx, &a)) return;
  WithClaimGroup(ctx, [&](KeyHandle& h, Entry* e) { ClaimLocked(ctx, h, e, a); });
}

// XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID]
void CmdXAutoClaim(CommandContext& ctx) {
  int64_t min_idle = 0, count = 100;
  bool justid = false;
  StreamId start;
  if (!resp::ParseInt64(ctx.args[4], &min_idle)) {
    return ctx.reply.WriteError(errors::kStreamXAutoClaimMinIdle);
  }
  if (!ArgToRangeBound(ctx, ctx.args[5], false, &start)) return;
  for (size_t i = 6; i < ctx.args.size(); ++i) {
    if (EqualsIgnoreCase(ctx.args[i], "justid")) {
      justid = true;
    } else if (EqualsIgnoreCase(ctx.args[i], "count") && i + 1 < ctx.args.size()) {
      if (!ArgToInt64(ctx, ctx.args[++i], &count)) return;
      if (count < 1 || count > INT64_MAX / 10) {
        return ctx.reply.WriteError(errors::kStreamCountPositive);
      }
    } else {
      return ctx.reply.WriteError(errors::kSyntax);
    }
  }
  WithClaimGroup(ctx, [&](KeyHandle& h, Entry* e) {
    const store::Stream* s = store::StreamOf(e);
    const StreamGroup* g = s->FindGroup(ctx.args[2]);
    int64_t now = h.now_ms(), attempts = count * 10, left = count;
    std::vector<StreamPending> claims;
    std::vector<StreamId> gone;
    size_t i = g->PendingLowerBound(start);
    for (; i < g->pel.size() && attempts > 0 && left > 0; ++i, --attempts) {
      const StreamPending& p = g->pel[i];
      if (!s->Contains(p.id)) {
        gone.push_back(p.id);
        --left;
        continue;
      }
      if (min_idle > 0 && now - p.delivery_ms < min_idle) continue;
      claims.push_back({p.id, 0, now, p.delivery_count + (justid ? 0 : 1)});
      --left;
    }
    StreamId next = i < g->pel.size() ? g->pel[i].id : StreamId{};
    StreamEntries entries;
    for (const StreamPending& c : claims) {
      if (justid) entries.push_back({c.id, {}, false});
      if (!justid) CollectStreamRange(*s, c.id, c.id, false, 1, &entries);
    }
    if (!gone.empty()) store::StreamAck(h, e, ctx.args[2], gone);
    if (store::StreamClaimEntries(h, e, {ctx.args[2], ctx.args[3], now, nullptr, claims})) {
      NotifyKey(ctx, kNotifyStream, "xgroup-createconsumer", h.key());
    }
    ctx.reply.WriteArrayLen(3);
    WriteStreamId(ctx.reply, next);
    if (justid) {
      ctx.reply.WriteArrayLen(static_cast<int64_t>(entries.size()));
      for (const StreamEntryCopy& c : entries) WriteStreamId(ctx.reply, c.id);
    } else {
      WriteStreamEntries(ctx.reply, entries);
    }
    ctx.reply.WriteArrayLen(static_cast<int64_t>(gone.size()));
    for (StreamId id : gone) WriteStreamId(ctx.reply, id);
  });
}

}  // namespace

void RegisterStreamClaimCommands(CommandTable& table) {
  constexpr std::string_view kGroup = "stream";
  table.Add({
      {.name = "xclaim", .arity = -6, .flags = kWrite | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdXClaim,
       .group = kGroup, .since = "5.0.0",
       .summary = "Changes (or acquires) ownership of a message in a consumer group, as if the "
                  "message was delivered to the specified consumer.",
       .complexity = "O(log N) with N being the number of messages in the PEL of the consumer "
                     "group.",
       .syntax = "key group consumer min-idle-time id [id ...] [IDLE ms] [TIME "
                 "unix-time-milliseconds] [RETRYCOUNT count] [FORCE] [JUSTID] [LASTID lastid]"},
      {.name = "xautoclaim", .arity = -6, .flags = kWrite | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdXAutoClaim,
       .group = kGroup, .since = "6.2.0",
       .summary = "Changes (or acquires) ownership of messages in a consumer group, as if the "
                  "messages were delivered to the specified consumer.",
       .complexity = "O(1) if COUNT is small.",
       .syntax = "key group consumer min-idle-time start [COUNT count] [JUSTID]"},
  });
}

}  // namespace cairn::server
