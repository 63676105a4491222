// src/commands/stream_group_commands.cc — consumer groups: XGROUP (CREATE, DESTROY, SETID,
// CREATECONSUMER, DELCONSUMER), XREADGROUP (with BLOCK), XACK and XPENDING. XCLAIM and
// XAUTOCLAIM live in stream_claim_commands.cc.
//
// Delivery times and seen-times come from the store clock and are logged as facts
// (store/types/stream/stream_ops.h), so replay rebuilds the same PEL.
#include <algorithm>
#include <string>
#include <vector>

#include "src/commands/help_reply.h"
#include "src/commands/stream_family.h"
#include "src/exec/blocking.h"
#include "src/exec/errors.h"
#include "src/exec/notify.h"
#include "src/exec/reply.h"
#include "src/exec/server_state.h"

namespace cairn::server {
namespace {

using store::Entry;
using store::KeyHandle;
using store::Stream;
using store::StreamGroup;
using store::StreamId;

// ---- XGROUP -------------------------------------------------------------------------------

// XGROUP follows Redis's order: the options after the ID, the key's type, the key (unless
// MKSTREAM), the group (SETID, CREATECONSUMER, DELCONSUMER), the argument count, the ID.

bool ParseEntriesRead(CommandContext& ctx, size_t at, int64_t* v) {
  if (!ArgToInt64(ctx, ctx.args[at], v)) return false;
  if (*v < 0 && *v != store::kInvalidEntriesRead) {
    ctx.reply.WriteError(errors::kStreamEntriesRead);
    return false;
  }
  return true;
}

// CREATE's (MKSTREAM, ENTRIESREAD) and SETID's (ENTRIESREAD) options from args[5]; anything
// else is the subcommand's syntax error. False after an error reply.
bool ParseGroupOptions(CommandContext& ctx, bool create, bool* mkstream, int64_t* entries_read) {
  for (size_t i = 5; i < ctx.args.size(); ++i) {
    if (create && EqualsIgnoreCase(ctx.args[i], "mkstream")) {
      *mkstream = true;
    } else if (EqualsIgnoreCase(ctx.args[i], "entriesread") && i + 1 < ctx.args.size()) {
      if (!ParseEntriesRead(ctx, ++i, entries_read)) return false;
    } else {
      ReplySubcommandSyntaxError(ctx);
      return false;
    }
  }
  return true;
}

// XGROUP CREATE key group id|$ [MKSTREAM] [ENTRIESREAD n]
void CmdXGroupCreate(CommandContext& ctx) {
  bool mkstream = false, sub_syntax = false;
  int64_t entries_read = store::kInvalidEntriesRead;
  if (!ParseGroupOptions(ctx, true, &mkstream, &entries_read)) return;
  std::string_view error = ctx.server.store.Access(ctx.db(), ctx.args[2], [&](KeyHandle& h) {
    Result<Entry*> found = store::FindEntryAs<Stream>(h);
    if (!found.ok()) return errors::ErrorText(found.status().code());
    Entry* e = *found;
    if (e == nullptr && !mkstream) return errors::kStreamXgroupNoKey;
    if (ctx.args.size() > 8) return (sub_syntax = true, std::string_view());
    StreamId id;
    if (ctx.args[4] == "$") {
      id = e != nullptr ? store::StreamOf(e)->last_id() : StreamId{};
    } else if (!ParseStreamId(ctx.args[4], 0, &id)) {
      return errors::kStreamInvalidId;
    }
    bool created = store::StreamGroupCreate(h, e, ctx.args[3], id, entries_read);
    if (created) NotifyKey(ctx, kNotifyStream, "xgroup-create", h.key());
    return created ? std::string_view() : errors::kStreamBusyGroup;
  });
  if (sub_syntax) return ReplySubcommandSyntaxError(ctx);
  if (!error.empty()) return ctx.reply.WriteError(error);
  ctx.reply.WriteOk();
}

// Runs fn(h, e, group) with the key's stream and group; replies the errors Redis gives for a
// missing key (XGROUP's) or group (NOGROUP) and returns false then.
template <class Fn>
void WithGroup(CommandContext& ctx, std::string_view key, std::string_view group, Fn&& fn) {
  enum { kOk, kWrong, kNoKey, kNoGroup } status = kOk;
  ctx.server.store.Access(ctx.db(), key, [&](KeyHandle& h) {
    Result<Entry*> found = store::FindEntryAs<Stream>(h);
    if (!found.ok()) return void(status = kWrong);
    Entry* e = *found;
    if (e == nullptr) return void(status = kNoKey);
    if (store::StreamOf(e)->FindGroup(group) == nullptr) return void(status = kNoGroup);
    fn(h, e);
  });
  if (status == kWrong) ctx.reply.WriteError(errors::kWrongType);
  if (status == kNoKey) ctx.reply.WriteError(errors::kStreamXgroupNoKey);
  if (status == kNoGroup) ReplyNoSuchGroup(ctx, key, group);
}

void CmdXGroupDestroy(CommandContext& ctx) {
  std::string_view error;
  bool destroyed = false;
  ctx.server.store.Access(ctx.db(), ctx.args[2], [&](KeyHandle& h) {
    Result<Entry*> found = store::FindEntryAs<Stream>(h);
    if (!found.ok()) return void(error = errors::ErrorText(found.status().code()));
    Entry* e = *found;
    if (e == nullptr) return void(error = errors::kStreamXgroupNoKey);
    destroyed = store::StreamGroupDestroy(h, e, ctx.args[3]);
    if (destroyed) NotifyKey(ctx, kNotifyStream, "xgroup-destroy", h.key());
  });
  if (!error.empty()) return ctx.reply.WriteError(error);
  ctx.reply.WriteInteger(destroyed ? 1 : 0);
}

// XGROUP SETID key group id|$ [ENTRIESREAD n]. The ID may also be "-" (0-0) or "+".
void CmdXGroupSetId(CommandContext& ctx) {
  bool unused = false;
  int64_t entries_read = store::kInvalidEntriesRead;
  if (!ParseGroupOptions(ctx, false, &unused, &entries_read)) return;
  enum { kPending, kOk, kSubSyntax, kBadId } outcome = kPending;
  WithGroup(ctx, ctx.args[2], ctx.args[3], [&](KeyHandle& h, Entry* e) {
    if (ctx.args.size() != 5 && ctx.args.size() != 7) return void(outcome = kSubSyntax);
    std::string_view arg = ctx.args[4];
    StreamId id = arg == "+" ? StreamId::Max() : StreamId{};
    if (arg == "$") {
      id = store::StreamOf(e)->last_id();
    } else if (arg != "-" && arg != "+" && !ParseStreamId(arg, 0, &id)) {
      return void(outcome = kBadId);
    }
    store::StreamGroupSetId(h, e, ctx.args[3], id, entries_read);
    NotifyKey(ctx, kNotifyStream, "xgroup-setid", h.key());
    outcome = kOk;
  });
  if (outcome == kOk) ctx.reply.WriteOk();
  if (outcome == kSubSyntax) ReplySubcommandSyntaxError(ctx);
  if (outcome == kBadId) ctx.reply.WriteError(errors::kStreamInvalidId);
}

void CmdXGroupCreateConsumer(CommandContext& ctx) {
  int64_t created = -1;
  WithGroup(ctx, ctx.args[2], ctx.args[3], [&](KeyHandle& h, Entry* e) {
    created = store::StreamConsumerCreate(h, e, ctx.args[3], ctx.args[4], h.now_ms()) ? 1 : 0;
    if (created) NotifyKey(ctx, kNotifyStream, "xgroup-createconsumer", h.key());
  });
  if (created >= 0) ctx.reply.WriteInteger(created);
}

void CmdXGroupDelConsumer(CommandContext& ctx) {
  int64_t pending = -1;
  WithGroup(ctx, ctx.args[2], ctx.args[3], [&](KeyHandle& h, Entry* e) {
    int64_t had = store::StreamConsumerDelete(h, e, ctx.args[3], ctx.args[4]);
    if (had >= 0) NotifyKey(ctx, kNotifyStream, "xgroup-delconsumer", h.key());
    pending = std::max<int64_t>(0, had);
  });
  if (pending >= 0) ctx.reply.WriteInteger(pending);
}

// ---- XREADGROUP ---------------------------------------------------------------------------

// Serves one key whose stream and group exist: new entries after the group's last-delivered
// ID (">"), or the consumer's pending entries after `after`. Returns whether it created the
// consumer.
bool ReadGroupKey(KeyHandle& h, Entry* e, const ReadArgs& r, bool is_new, StreamId after,
                  StreamEntries* out) {
  const Stream* s = store::StreamOf(e);
  const StreamGroup* g = s->FindGroup(r.group);
  std::vector<StreamId> ids;
  if (is_new) {
    StreamId next;
    if (g->last_delivered.Incr(&next)) {
      CollectStreamRange(*s, next, StreamId::Max(), false, r.count, out);
    }
    int64_t entries_read = g->entries_read;
    for (const StreamEntryCopy& c : *out) {
      ids.push_back(c.id);
      entries_read = s->EntriesReadAfter(entries_read, c.id);
    }
    // Nothing new: Redis creates no consumer and changes nothing.
    if (ids.empty()) return false;
    return store::StreamDeliver(
        h, e, {r.group, r.consumer, h.now_ms(), true, r.noack, ids.back(), entries_read, ids});
  }
  const store::StreamConsumer* c = g->FindConsumer(r.consumer);
  StreamId start;
  if (c != nullptr && after.Incr(&start)) {
    for (size_t i = g->PendingLowerBound(start); i < g->pel.size(); ++i) {
      if (r.count > 0 && static_cast<int64_t>(out->size()) >= r.count) break;
      if (g->pel[i].consumer != c->cid) continue;
      StreamEntries one;
      CollectStreamRange(*s, g->pel[i].id, g->pel[i].id, false, 1, &one);
      // An entry deleted since is reported with null fields and is not delivered again.
      if (one.empty()) one.push_back({g->pel[i].id, {}, true});
      if (!one.front().deleted) ids.push_back(g->pel[i].id);
      out->push_back(std::move(one.front()));
    }
  }
  return store::StreamDeliver(h, e, {r.group, r.consumer, h.now_ms(), false, false, {}, 0, ids});
}

// Why a group read is refused, and for which key. Found under the shard locks, replied after.
struct GroupReadError {
  enum Kind { kNone, kWrongType, kNoGroup, kDollar, kBadId, kKeyGone, kGroupGone } kind = kNone;
  size_t key = 0;
};

// Checks every key before any is served, so a refused read delivers nothing and adds nothing
// to a PEL. Per key in turn, Redis's order: the type, the group, then the ID (an invalid ID
// on the first key wins over a missing group on the second); a missing key is a "keymiss"
// before its NOGROUP. Parses the history IDs into after. On the retry of a blocked read, a
// stream or group gone since it blocked ends the wait with an error, as in Redis.
GroupReadError CheckGroupRead(CommandContext& ctx, std::span<KeyHandle> hs,
                              std::string_view group, std::span<const std::string_view> id_args,
                              std::vector<StreamId>* after) {
  bool retry = IsBlockedRetry(ctx);
  for (size_t k = 0; k < hs.size(); ++k) {
    Result<const Stream*> s = store::FindAs<Stream>(hs[k]);
    if (retry && (!s.ok() || *s == nullptr)) return {GroupReadError::kKeyGone, k};
    if (!s.ok()) return {GroupReadError::kWrongType, k};
    if (*s == nullptr) NotifyKey(ctx, kNotifyKeyMiss, "keymiss", hs[k].key());
    if (*s == nullptr || (*s)->FindGroup(group) == nullptr) {
      return {retry ? GroupReadError::kGroupGone : GroupReadError::kNoGroup, k};
    }
    if (id_args[k] == "$") return {GroupReadError::kDollar, k};
    if (id_args[k] != ">" && !ParseStreamId(id_args[k], 0, &(*after)[k])) {
      return {GroupReadError::kBadId, k};
    }
  }
  return {};
}

void ReplyGroupReadError(CommandContext& ctx, GroupReadError error, std::string_view key,
                         std::string_view group) {
  switch (error.kind) {
    case GroupReadError::kWrongType:
      return ctx.reply.WriteError(errors::kWrongType);
    case GroupReadError::kNoGroup:
      return ReplyNoGroup(ctx, key, group, " in XREADGROUP with GROUP option");
    case GroupReadError::kDollar:
      return ctx.reply.WriteError(errors::kStreamDollarInGroup);
    case GroupReadError::kBadId:
      return ctx.reply.WriteError(errors::kStreamInvalidId);
    case GroupReadError::kKeyGone:
      return ctx.reply.WriteError(errors::kStreamKeyGone);
    case GroupReadError::kGroupGone:
      return ctx.reply.WriteError(errors::kStreamGroupGone);
    case GroupReadError::kNone:
      return;
  }
}

// Runs on the client's command and again on each retry of a blocked one (blocking.h): every
// key's shard stays locked from the checks to the last delivery, so the read is all or
// nothing for other threads too, and its changes are logged as one record.
void CmdXReadGroup(CommandContext& ctx) {
  ReadArgs r;
  if (!ParseReadArgs(ctx, true, &r)) return;
  std::span<const std::string_view> keys = ctx.args.subspan(r.streams_at, r.nkeys);
  std::span<const std::string_view> id_args = ctx.args.subspan(r.streams_at + r.nkeys);
  std::vector<store::KeyRef> refs;
  refs.reserve(r.nkeys);
  for (std::string_view key : keys) refs.push_back({ctx.db(), key});
  std::vector<StreamId> after(r.nkeys);
  std::vector<StreamEntries> entries(r.nkeys);
  GroupReadError error = ctx.server.store.AccessMany(refs, [&](std::span<KeyHandle> hs) {
    GroupReadError e = CheckGroupRead(ctx, hs, r.group, id_args, &after);
    if (e.kind != GroupReadError::kNone) return e;
    for (size_t k = 0; k < r.nkeys; ++k) {
      if (ReadGroupKey(hs[k], hs[k].Find(), r, id_args[k] == ">", after[k], &entries[k])) {
        NotifyKey(ctx, kNotifyStream, "xgroup-createconsumer", hs[k].key());
      }
    }
    return e;
  });
  if (error.kind != GroupReadError::kNone) {
    return ReplyGroupReadError(ctx, error, keys[error.key], r.group);
  }
  bool any_history = false;
  std::vector<std::string_view> served_keys;
  std::vector<StreamEntries> served;
  for (size_t k = 0; k < r.nkeys; ++k) {
    bool is_new = id_args[k] == ">";
    any_history = any_history || !is_new;
    if (entries[k].empty() && is_new) continue;
    served_keys.push_back(keys[k]);
    served.push_back(std::move(entries[k]));
  }
  if (!served.empty()) return WriteKeyedEntries(ctx.reply, served_keys, served);
  if (!r.block || any_history) return ctx.reply.WriteNullArray();
  BlockClient(ctx, keys, r.deadline_ms, TimeoutReply::kNullArray);
}

// ---- XACK, XPENDING -----------------------------------------------------------------------

// The key and group are looked at before the IDs: without them the reply is 0 whatever the
// IDs say, as in Redis.
void CmdXAck(CommandContext& ctx) {
  std::string_view error;
  uint64_t acked = ctx.server.store.Access(ctx.db(), ctx.args[1], [&](KeyHandle& h) -> uint64_t {
    Result<Entry*> found = store::FindEntryAs<Stream>(h);
    if (!found.ok()) return (error = errors::kWrongType, 0);
    Entry* e = *found;
    if (e == nullptr) NotifyKey(ctx, kNotifyKeyMiss, "keymiss", h.key());
    if (e == nullptr || store::StreamOf(e)->FindGroup(ctx.args[2]) == nullptr) return 0;
    std::vector<StreamId> ids(ctx.args.size() - 3);
    for (size_t i = 3; i < ctx.args.size(); ++i) {
      if (!ParseStreamId(ctx.args[i], 0, &ids[i - 3])) return (error = errors::kStreamInvalidId, 0);
    }
    return store::StreamAck(h, e, ctx.args[2], ids);
  });
  if (!error.empty()) return ctx.reply.WriteError(error);
  ctx.reply.WriteInteger(static_cast<int64_t>(acked));
}

void WritePendingSummary(resp::Writer& w, const StreamGroup& g) {
  w.WriteArrayLen(4);
  w.WriteInteger(static_cast<int64_t>(g.pel.size()));
  if (g.pel.empty()) {
    w.WriteNull();
    w.WriteNull();
    w.WriteNullArray();
    return;
  }
  WriteStreamId(w, g.pel.front().id);
  WriteStreamId(w, g.pel.back().id);
  int64_t n = std::count_if(g.consumers.begin(), g.consumers.end(),
                            [](const store::StreamConsumer& c) { return c.pending > 0; });
  w.WriteArrayLen(n);
  for (const store::StreamConsumer& c : g.consumers) {
    if (c.pending == 0) continue;
    w.WriteArrayLen(2);
    w.WriteBulk(c.name);
    w.WriteBulk(std::to_string(c.pending));
  }
}

struct PendingQuery {
  int64_t min_idle_ms = 0;
  StreamId start, end;
  int64_t count = 0;
  std::string_view consumer;
};

void WritePendingRange(resp::Writer& w, const StreamGroup& g, const PendingQuery& q,
                       int64_t now_ms) {
  std::vector<const store::StreamPending*> hits;
  uint64_t cid = 0;
  if (!q.consumer.empty()) {
    const store::StreamConsumer* c = g.FindConsumer(q.consumer);
    cid = c != nullptr ? c->cid : UINT64_MAX;
  }
  for (size_t i = g.PendingLowerBound(q.start); i < g.pel.size(); ++i) {
    const store::StreamPending& p = g.pel[i];
    if (p.id > q.end || static_cast<int64_t>(hits.size()) >= q.count) break;
    if (cid != 0 && p.consumer != cid) continue;
    if (now_ms - p.delivery_ms < q.min_idle_ms) continue;
    hits.push_back(&p);
  }
  w.WriteArrayLen(static_cast<int64_t>(hits.size()));
  for (const store::StreamPending* p : hits) {
    w.WriteArrayLen(4);
    WriteStreamId(w, p->id);
    w.WriteBulk(g.ConsumerById(p->consumer)->name);
    w.WriteInteger(std::max<int64_t>(0, now_ms - p->delivery_ms));
    w.WriteInteger(static_cast<int64_t>(p->delivery_count));
  }
}

bool ParsePendingQuery(CommandContext& ctx, PendingQuery* q) {
  size_t i = 3;
  if (EqualsIgnoreCase(ctx.args[i], "idle")) {
    if (ctx.args.size() < 8) return (ctx.reply.WriteError(errors::kSyntax), false);
    if (!ArgToInt64(ctx, ctx.args[i + 1], &q->min_idle_ms)) return false;
    i += 2;
  }
  if (ctx.args.size() < i + 3 || ctx.args.size() > i + 4) {
    return (ctx.reply.WriteError(errors::kSyntax), false);
  }
  if (!ArgToRangeBound(ctx, ctx.args[i], false, &q->start)) return false;
  if (!ArgToRangeBound(ctx, ctx.args[i + 1], true, &q->end)) return false;
  if (!ArgToInt64(ctx, ctx.args[i + 2], &q->count)) return false;
  if (i + 3 < ctx.args.size()) q->consumer = ctx.args[i + 3];
  return true;
}

// XPENDING key group [[IDLE min-idle-time] start end count [consumer]]
void CmdXPending(CommandContext& ctx) {
  PendingQuery q;
  bool extended = ctx.args.size() > 3;
  if (extended && !ParsePendingQuery(ctx, &q)) return;
  bool no_group = false;
  ctx.server.store.Access(ctx.db(), ctx.args[1], [&](KeyHandle& h) {
    const Stream* s = nullptr;
    if (!ReadOrReply(ctx, h, &s)) return;
    const StreamGroup* g = s != nullptr ? s->FindGroup(ctx.args[2]) : nullptr;
    if (g == nullptr) return void(no_group = true);
    if (!extended) return WritePendingSummary(ctx.reply, *g);
    WritePendingRange(ctx.reply, *g, q, h.now_ms());
  });
  if (no_group) ReplyNoGroup(ctx, ctx.args[1], ctx.args[2]);
}

void CmdXGroupHelp(CommandContext& ctx) {
  ReplyHelp(ctx.reply, "XGROUP",
            {
                "CREATE <key> <groupname> <id|$> [option]",
                "    Create a new consumer group. Options are:",
                "    * MKSTREAM",
                "      Create the empty stream if it does not exist.",
                "    * ENTRIESREAD entries_read",
                "      Set the group's entries_read counter (internal use).",
                "CREATECONSUMER <key> <groupname> <consumer>",
                "    Create a new consumer in the specified group.",
                "DELCONSUMER <key> <groupname> <consumer>",
                "    Remove the specified consumer.",
                "DESTROY <key> <groupname>",
                "    Remove the specified group.",
                "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
                "    Set the current group ID and entries_read counter.",
            });
}

}  // namespace

void RegisterStreamClaimCommands(CommandTable& table);

void RegisterStreamGroupCommands(CommandTable& table) {
  constexpr std::string_view kGroup = "stream";
  table.Add({
      {.name = "xgroup", .arity = -2,
       .group = kGroup, .since = "5.0.0", .summary = "A container for consumer groups commands",
       .complexity = "Depends on subcommand.",
       .subcommands = {
           {.name = "xgroup|create", .arity = -5, .flags = kWrite | kDenyOom,
            .first_key = 2, .last_key = 2, .key_step = 1, .handler = CmdXGroupCreate,
            .group = kGroup, .since = "5.0.0", .summary = "Create a consumer group.",
            .complexity = "O(1)",
            .syntax = "key group id | $ [MKSTREAM] [ENTRIESREAD entries-read]"},
           {.name = "xgroup|createconsumer", .arity = 5, .flags = kWrite | kDenyOom,
            .first_key = 2, .last_key = 2, .key_step = 1, .handler = CmdXGroupCreateConsumer,
            .group = kGroup, .since = "6.2.0", .summary = "Create a consumer in a consumer group.",
            .complexity = "O(1)", .syntax = "key group consumer"},
           {.name = "xgroup|delconsumer", .arity = 5, .flags = kWrite,
            .first_key = 2, .last_key = 2, .key_step = 1, .handler = CmdXGroupDelConsumer,
            .group = kGroup, .since = "5.0.0",
            .summary = "Delete a consumer from a consumer group.", .complexity = "O(1)",
            .syntax = "key group consumer"},
           {.name = "xgroup|destroy", .arity = 4, .flags = kWrite,
            .first_key = 2, .last_key = 2, .key_step = 1, .handler = CmdXGroupDestroy,
            .group = kGroup, .since = "5.0.0", .summary = "Destroy a consumer group.",
            .complexity = "O(N) where N is the number of entries in the group's pending entries "
                          "list (PEL).",
            .syntax = "key group"},
           {.name = "xgroup|help", .arity = 2, .flags = kLoading | kStale, .handler = CmdXGroupHelp,
            .group = kGroup, .since = "5.0.0",
            .summary = "Show helpful text about the different subcommands", .complexity = "O(1)"},
           {.name = "xgroup|setid", .arity = -5, .flags = kWrite,
            .first_key = 2, .last_key = 2, .key_step = 1, .handler = CmdXGroupSetId,
            .group = kGroup, .since = "5.0.0",
            .summary = "Set a consumer group to an arbitrary last delivered ID value.",
            .complexity = "O(1)", .syntax = "key group id | $ [ENTRIESREAD entries-read]"},
       }},
      {.name = "xreadgroup", .arity = -7, .flags = kWrite | kMovableKeys | kBlocking,
       .handler = CmdXReadGroup,
       .group = kGroup, .since = "5.0.0",
       .summary = "Return new entries from a stream using a consumer group, or access the history "
                  "of the pending entries for a given consumer. Can block.",
       .complexity = "For each stream mentioned: O(M) with M being the number of elements "
                     "returned. If M is constant (e.g. always asking for the first 10 elements "
                     "with COUNT), you can consider it O(1). On the other side when XREADGROUP "
                     "blocks, XADD will pay the O(N) time in order to serve the N clients blocked "
                     "on the stream getting new data.",
       .syntax = "GROUP group consumer [COUNT count] [BLOCK milliseconds] [NOACK] STREAMS key [key "
                 "...] id [id ...]"},
      {.name = "xack", .arity = -4, .flags = kWrite | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdXAck,
       .group = kGroup, .since = "5.0.0",
       .summary = "Marks a pending message as correctly processed, effectively removing it from "
                  "the pending entries list of the consumer group. Return value of the command is "
                  "the number of messages successfully acknowledged, that is, the IDs we were "
                  "actually able to resolve in the PEL.",
       .complexity = "O(1) for each message ID processed.", .syntax = "key group id [id ...]"},
      {.name = "xpending", .arity = -3, .flags = kReadOnly,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdXPending,
       .group = kGroup, .since = "5.0.0",
       .summary = "Return information and entries from a stream consumer group pending entries "
                  "list, that are messages fetched but never acknowledged.",
       .complexity = "O(N) with N being the number of elements returned, so asking for a small "
                     "fixed number of entries per call is O(1). O(M), where M is the total number "
                     "of entries scanned when used with the IDLE filter. When the command returns "
                     "just the summary and the list of consumers is small, it runs in O(1) time; "
                     "otherwise, an additional O(N) time for iterating every consumer.",
       .syntax = "key group [[IDLE min-idle-time] start end count [consumer]]"},
  });
  RegisterStreamClaimCommands(table);
}

}  // namespace cairn::server
