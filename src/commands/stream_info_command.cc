// src/commands/stream_info_command.cc — XINFO STREAM, GROUPS and CONSUMERS: a stream's
// metadata, its consumer groups and a group's consumers, as Redis 7.0 reports them (maps in
// RESP3, flat arrays in RESP2), XINFO STREAM FULL included.
#include <algorithm>
#include <string>
#include <vector>

#include "src/commands/help_reply.h"
#include "src/commands/stream_family.h"
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

// Runs fn(stream, now_ms) on the key's stream; replies "ERR no such key" (a "keymiss") or
// WRONGTYPE.
template <class Fn>
void WithStream(CommandContext& ctx, Fn&& fn) {
  ctx.server.store.Access(ctx.db(), ctx.args[2], [&](KeyHandle& h) {
    Result<const Stream*> s = store::PeekAs<Stream>(h);
    if (s.ok() && *s == nullptr) {
      NotifyKey(ctx, kNotifyKeyMiss, "keymiss", h.key());
      return ctx.reply.WriteError(errors::kNoSuchKey);
    }
    if (ReplyStatus(ctx, s.status())) return;
    fn(**s, h.now_ms());
  });
}

void WriteEdgeEntry(resp::Writer& w, const Stream& s, bool last) {
  StreamEntries one;
  CollectStreamRange(s, {}, StreamId::Max(), last, 1, &one);
  if (one.empty()) return w.WriteNull();
  std::vector<std::string_view> views(one[0].fv.begin(), one[0].fv.end());
  WriteStreamEntry(w, one[0].id, views);
}

// The fields XINFO STREAM starts with, in both forms.
void WriteStreamHeader(resp::Writer& w, const Stream& s) {
  w.WriteBulk("length");
  w.WriteInteger(static_cast<int64_t>(s.size()));
  // Our nodes stand in for Redis's radix tree keys; its tree has one node more.
  auto nodes = static_cast<int64_t>(s.node_count());
  w.WriteBulk("radix-tree-keys");
  w.WriteInteger(nodes);
  w.WriteBulk("radix-tree-nodes");
  w.WriteInteger(nodes + 1);
  w.WriteBulk("last-generated-id");
  WriteStreamId(w, s.last_id());
  w.WriteBulk("max-deleted-entry-id");
  WriteStreamId(w, s.max_deleted_id());
  w.WriteBulk("entries-added");
  w.WriteInteger(static_cast<int64_t>(s.entries_added()));
  w.WriteBulk("recorded-first-entry-id");
  WriteStreamId(w, s.first_id());
}

void WriteEntriesRead(resp::Writer& w, const Stream& s, const StreamGroup& g) {
  w.WriteBulk("entries-read");
  if (g.entries_read == store::kInvalidEntriesRead) {
    w.WriteNull();
  } else {
    w.WriteInteger(g.entries_read);
  }
  w.WriteBulk("lag");
  int64_t lag = 0;
  if (s.Lag(g, &lag)) {
    w.WriteInteger(lag);
  } else {
    w.WriteNull();
  }
}

// The PEL entries of consumer cid (0: all), at most count (0: all), as XINFO FULL lists them.
void WriteFullPending(resp::Writer& w, const StreamGroup& g, uint64_t cid, int64_t count) {
  std::vector<const store::StreamPending*> hits;
  for (const store::StreamPending& p : g.pel) {
    if (count > 0 && static_cast<int64_t>(hits.size()) >= count) break;
    if (cid == 0 || p.consumer == cid) hits.push_back(&p);
  }
  w.WriteArrayLen(static_cast<int64_t>(hits.size()));
  for (const store::StreamPending* p : hits) {
    w.WriteArrayLen(cid == 0 ? 4 : 3);
    WriteStreamId(w, p->id);
    if (cid == 0) w.WriteBulk(g.ConsumerById(p->consumer)->name);
    w.WriteInteger(p->delivery_ms);
    w.WriteInteger(static_cast<int64_t>(p->delivery_count));
  }
}

void WriteFullGroup(resp::Writer& w, const Stream& s, const StreamGroup& g, int64_t count) {
  w.WriteMapLen(7);
  w.WriteBulk("name");
  w.WriteBulk(g.name);
  w.WriteBulk("last-delivered-id");
  WriteStreamId(w, g.last_delivered);
  WriteEntriesRead(w, s, g);
  w.WriteBulk("pel-count");
  w.WriteInteger(static_cast<int64_t>(g.pel.size()));
  w.WriteBulk("pending");
  WriteFullPending(w, g, 0, count);
  w.WriteBulk("consumers");
  w.WriteArrayLen(static_cast<int64_t>(g.consumers.size()));
  for (const store::StreamConsumer& c : g.consumers) {
    w.WriteMapLen(4);
    w.WriteBulk("name");
    w.WriteBulk(c.name);
    w.WriteBulk("seen-time");
    w.WriteInteger(c.seen_ms);
    w.WriteBulk("pel-count");
    w.WriteInteger(static_cast<int64_t>(c.pending));
    w.WriteBulk("pending");
    WriteFullPending(w, g, c.cid, count);
  }
}

// XINFO STREAM key FULL [COUNT count]: entries, groups, PELs and consumers (COUNT bounds
// each list; 0 means all; 10 by default).
void WriteStreamFull(resp::Writer& w, const Stream& s, int64_t count) {
  w.WriteMapLen(9);
  WriteStreamHeader(w, s);
  w.WriteBulk("entries");
  StreamEntries entries;
  CollectStreamRange(s, {}, StreamId::Max(), false, count, &entries);
  WriteStreamEntries(w, entries);
  w.WriteBulk("groups");
  w.WriteArrayLen(static_cast<int64_t>(s.groups().size()));
  for (const StreamGroup& g : s.groups()) WriteFullGroup(w, s, g, count);
}

// "[FULL [COUNT count]]" after the key; false after an error reply. A negative COUNT is the
// default 10, as in Redis.
bool ParseXInfoStreamOptions(CommandContext& ctx, bool* full, int64_t* count) {
  std::span<const std::string_view> opts = ctx.args.subspan(3);
  if (opts.empty()) return true;
  if ((opts.size() != 1 && opts.size() != 3) || !EqualsIgnoreCase(opts[0], "full") ||
      (opts.size() == 3 && !EqualsIgnoreCase(opts[1], "count"))) {
    ReplySubcommandSyntaxError(ctx);
    return false;
  }
  *full = true;
  if (opts.size() == 3 && !ArgToInt64(ctx, opts[2], count)) return false;
  if (*count < 0) *count = 10;
  return true;
}

// The key is looked at before the options, as in Redis.
void CmdXInfoStream(CommandContext& ctx) {
  WithStream(ctx, [&](const Stream& s, int64_t) {
    bool full = false;
    int64_t count = 10;
    if (!ParseXInfoStreamOptions(ctx, &full, &count)) return;
    resp::Writer& w = ctx.reply;
    if (full) return WriteStreamFull(w, s, count);
    w.WriteMapLen(10);
    WriteStreamHeader(w, s);
    w.WriteBulk("groups");
    w.WriteInteger(static_cast<int64_t>(s.groups().size()));
    w.WriteBulk("first-entry");
    WriteEdgeEntry(w, s, false);
    w.WriteBulk("last-entry");
    WriteEdgeEntry(w, s, true);
  });
}

void CmdXInfoGroups(CommandContext& ctx) {
  WithStream(ctx, [&](const Stream& s, int64_t) {
    resp::Writer& w = ctx.reply;
    w.WriteArrayLen(static_cast<int64_t>(s.groups().size()));
    for (const StreamGroup& g : s.groups()) {
      w.WriteMapLen(6);
      w.WriteBulk("name");
      w.WriteBulk(g.name);
      w.WriteBulk("consumers");
      w.WriteInteger(static_cast<int64_t>(g.consumers.size()));
      w.WriteBulk("pending");
      w.WriteInteger(static_cast<int64_t>(g.pel.size()));
      w.WriteBulk("last-delivered-id");
      WriteStreamId(w, g.last_delivered);
      WriteEntriesRead(w, s, g);
    }
  });
}

void CmdXInfoConsumers(CommandContext& ctx) {
  WithStream(ctx, [&](const Stream& s, int64_t now_ms) {
    const StreamGroup* g = s.FindGroup(ctx.args[3]);
    if (g == nullptr) return ReplyNoSuchGroup(ctx, ctx.args[2], ctx.args[3]);
    resp::Writer& w = ctx.reply;
    w.WriteArrayLen(static_cast<int64_t>(g->consumers.size()));
    for (const store::StreamConsumer& c : g->consumers) {
      w.WriteMapLen(3);
      w.WriteBulk("name");
      w.WriteBulk(c.name);
      w.WriteBulk("pending");
      w.WriteInteger(static_cast<int64_t>(c.pending));
      w.WriteBulk("idle");
      w.WriteInteger(std::max<int64_t>(0, now_ms - c.seen_ms));
    }
  });
}

void CmdXInfoHelp(CommandContext& ctx) {
  ReplyHelp(ctx.reply, "XINFO",
            {
                "CONSUMERS <key> <groupname>",
                "    Show consumers of <groupname>.",
                "GROUPS <key>",
                "    Show the stream consumer groups.",
                "STREAM <key> [FULL [COUNT <count>]",
                "    Show information about the stream.",
            });
}

}  // namespace

void RegisterStreamInfoCommand(CommandTable& table) {
  constexpr std::string_view kGroup = "stream";
  table.Add({
      {.name = "xinfo", .arity = -2,
       .group = kGroup, .since = "5.0.0",
       .summary = "A container for stream introspection commands",
       .complexity = "Depends on subcommand.",
       .subcommands = {
           {.name = "xinfo|consumers", .arity = 4, .flags = kReadOnly,
            .first_key = 2, .last_key = 2, .key_step = 1, .handler = CmdXInfoConsumers,
            .group = kGroup, .since = "5.0.0", .summary = "List the consumers in a consumer group",
            .complexity = "O(1)", .syntax = "key group"},
           {.name = "xinfo|groups", .arity = 3, .flags = kReadOnly,
            .first_key = 2, .last_key = 2, .key_step = 1, .handler = CmdXInfoGroups,
            .group = kGroup, .since = "5.0.0", .summary = "List the consumer groups of a stream",
            .complexity = "O(1)", .syntax = "key"},
           {.name = "xinfo|help", .arity = 2, .flags = kLoading | kStale, .handler = CmdXInfoHelp,
            .group = kGroup, .since = "5.0.0",
            .summary = "Show helpful text about the different subcommands", .complexity = "O(1)"},
           {.name = "xinfo|stream", .arity = -3, .flags = kReadOnly,
            .first_key = 2, .last_key = 2, .key_step = 1, .handler = CmdXInfoStream,
            .group = kGroup, .since = "5.0.0", .summary = "Get information about a stream",
            .complexity = "O(1)", .syntax = "key [FULL [COUNT count]]"},
       }},
  });
}

}  // namespace cairn::server
