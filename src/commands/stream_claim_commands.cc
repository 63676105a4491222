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
  int64_t delivery_ms = -1, retry = -1;  // -1: not given
  bool force = false, justid = false, has_last = false;
  StreamId last;
};

// An integer option value, or Redis's error naming the option.
bool ArgToClaimInt(CommandContext& ctx, std::string_view arg, std::string_view option,
                   int64_t* out) {
  if (resp::ParseInt64(arg, out)) return true;
  ctx.reply.WriteError("ERR Invalid " + std::string(option) + " option argument for XCLAIM");
  return false;
}

// XCLAIM's arguments after the consumer, read once the key and group are known to exist, as
// Redis does; the IDs are those that parse, from args[5] on, and the options follow. now_ms:
// the time IDLE counts back from. False after an error reply.
bool ParseClaimArgs(CommandContext& ctx, int64_t now_ms, ClaimArgs* a) {
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
    int64_t v = 0;
    if (EqualsIgnoreCase(opt, "force")) {
      a->force = true;
    } else if (EqualsIgnoreCase(opt, "justid")) {
      a->justid = true;
    } else if (EqualsIgnoreCase(opt, "idle") && has_value) {
      if (!ArgToClaimInt(ctx, ctx.args[++i], "IDLE", &v)) return false;
      a->delivery_ms = now_ms - v;
    } else if (EqualsIgnoreCase(opt, "time") && has_value) {
      if (!ArgToClaimInt(ctx, ctx.args[++i], "TIME", &a->delivery_ms)) return false;
    } else if (EqualsIgnoreCase(opt, "retrycount") && has_value) {
      if (!ArgToClaimInt(ctx, ctx.args[++i], "RETRYCOUNT", &a->retry)) return false;
    } else if (EqualsIgnoreCase(opt, "lastid") && has_value) {
      if (!ArgToStreamId(ctx, ctx.args[++i], 0, &a->last)) return false;
      a->has_last = true;
    } else {
      ctx.reply.WriteError(std::string("ERR Unrecognized XCLAIM option '") + std::string(opt) +
                           "'");
      return false;
    }
  }
  // A delivery time in the future or before 1970 (a client's clock) means now, as in Redis.
  if (a->delivery_ms < 0 || a->delivery_ms > now_ms) a->delivery_ms = now_ms;
  return true;
}

// Runs the claim under the lock and writes the reply (entries or IDs).
void ClaimLocked(CommandContext& ctx, KeyHandle& h, Entry* e, const ClaimArgs& a) {
  const store::Stream* s = store::StreamOf(e);
  StreamGroup* g = const_cast<store::Stream*>(s)->FindGroup(ctx.args[2]);
  int64_t now = h.now_ms();
  int64_t delivery = a.delivery_ms;
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
  WithClaimGroup(ctx, [&](KeyHandle& h, Entry* e) {
    ClaimArgs a;
    if (ParseClaimArgs(ctx, h.now_ms(), &a)) ClaimLocked(ctx, h, e, a);
  });
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
      // Not a number is "must be > 0" too; the bound keeps the attempts (COUNT * 10) and
      // the deleted IDs' buffer (COUNT * 16 bytes) from overflowing, as Redis's does.
      if (!ArgToInt64InRange(ctx, ctx.args[++i], 1, INT64_MAX / 16, errors::kStreamCountPositive,
                             &count)) {
        return;
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
