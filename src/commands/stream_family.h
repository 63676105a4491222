// src/commands/stream_family.h — what the stream command files share: stream ID argument
// parsing (replying with Redis's errors), the entry reply shape, the NOGROUP error, and the
// registration hooks RegisterStreamCommands calls.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "src/exec/command.h"
#include "src/exec/command_table.h"
#include "store/types/stream/stream.h"
#include "store/types/stream/stream_ops.h"

namespace cairn::server {

// Parses "<ms>[-<seq>]" into *id; a missing seq is missing_seq. *seq_star (if not null)
// accepts "<ms>-*" and reports it. False on malformed text (no reply written).
bool ParseStreamId(std::string_view arg, uint64_t missing_seq, store::StreamId* id,
                   bool* seq_star = nullptr);
// The same, replying "Invalid stream ID" on failure.
bool ArgToStreamId(CommandContext& ctx, std::string_view arg, uint64_t missing_seq,
                   store::StreamId* id);
// A range bound of XRANGE/XPENDING/XAUTOCLAIM: "-", "+", an ID, or "(ID" (exclusive).
bool ArgToRangeBound(CommandContext& ctx, std::string_view arg, bool is_end, store::StreamId* id);

// XREAD's and XREADGROUP's options, up to STREAMS: key i is args[streams_at + i], its ID
// args[streams_at + nkeys + i].
struct ReadArgs {
  std::string_view group, consumer;  // XREADGROUP's GROUP (group empty: not given)
  int64_t count = 0;                 // <= 0: no limit
  bool block = false, noack = false;
  int64_t deadline_ms = 0;
  size_t streams_at = 0, nkeys = 0;
};
// Parses them for XREAD (group_read false) or XREADGROUP in Redis's order and with its
// errors; false after an error reply.
bool ParseReadArgs(CommandContext& ctx, bool group_read, ReadArgs* r);

// [id, [field, value, ...]].
void WriteStreamEntry(resp::Writer& w, store::StreamId id, std::span<const std::string_view> fv);
void WriteStreamId(resp::Writer& w, store::StreamId id);
// NOGROUP No such key '<key>' or consumer group '<group>'<suffix>.
void ReplyNoGroup(CommandContext& ctx, std::string_view key, std::string_view group,
                  std::string_view suffix = {});

// Entries copied out of a stream under its lock, written to the reply after.
struct StreamEntryCopy {
  store::StreamId id;
  std::vector<std::string> fv;
  bool deleted = false;  // a PEL entry whose stream entry is gone: [id, nil]
};
using StreamEntries = std::vector<StreamEntryCopy>;
// Live entries with start <= id <= end, at most count (<= 0: all).
void CollectStreamRange(const store::Stream& s, store::StreamId start, store::StreamId end,
                        bool reverse, int64_t count, StreamEntries* out);
void WriteStreamEntries(resp::Writer& w, const StreamEntries& entries);
// XREAD / XREADGROUP's reply: per key its entries (RESP2 [[key, entries]...], RESP3 a map).
void WriteKeyedEntries(resp::Writer& w, std::span<const std::string_view> keys,
                       std::span<const StreamEntries> entries);

// NOGROUP No such consumer group '<group>' for key name '<key>' (XGROUP, XINFO).
void ReplyNoSuchGroup(CommandContext& ctx, std::string_view key, std::string_view group);

void RegisterStreamGroupCommands(CommandTable& table);
void RegisterStreamInfoCommand(CommandTable& table);

}  // namespace cairn::server
