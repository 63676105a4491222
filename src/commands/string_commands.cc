// src/commands/string_commands.cc — the string family: GET, SET and friends.
//
// Each command is three steps: parse arguments (replying with Redis's error text on bad
// input), run one operation against the store under the key's shard lock, and map the result
// to a reply. Values are immutable buffers: a write installs a new buffer; a read takes a
// reference under the lock and writes the bytes after the lock is released.
#include <string>

#include "resp/number.h"
#include "src/command_table.h"
#include "src/errors.h"
#include "src/reply.h"
#include "src/server_state.h"

namespace cairn::server {
namespace {

using store::BufRef;
using store::Entry;
using store::KeyHandle;
using store::Value;
using store::ValueType;

enum class ReadStatus { kOk, kMissing, kWrongType };

// Takes a reference to key's string value under the shard lock.
ReadStatus ReadString(CommandContext& ctx, std::string_view key, BufRef* out) {
  return ctx.server.store.Access(ctx.db(), key, [&](KeyHandle& h) {
    Entry* e = h.Find();
    if (e == nullptr) return ReadStatus::kMissing;
    if (e->value.type != ValueType::kString) return ReadStatus::kWrongType;
    *out = e->value.str;
    return ReadStatus::kOk;
  });
}

// Writes a bulk reply from a value reference; large values leave without a copy.
void ReplyValue(CommandContext& ctx, BufRef value) {
  std::string_view bytes = value.view();
  ctx.reply.WriteBulkRef(bytes, store::Buffer::UnrefOpaque, value.Release());
}

void CmdGet(CommandContext& ctx) {
  BufRef value;
  switch (ReadString(ctx, ctx.args[1], &value)) {
    case ReadStatus::kOk:
      ctx.stats.keyspace_hits.Add();
      ReplyValue(ctx, std::move(value));
      return;
    case ReadStatus::kMissing:
      ctx.stats.keyspace_misses.Add();
      ctx.reply.WriteNull();
      return;
    case ReadStatus::kWrongType:
      ctx.reply.WriteError(errors::kWrongType);
      return;
  }
}

}  // namespace

void RegisterStringCommands(CommandTable& table) {
  table.Add({"get", 2, kReadOnly | kFast, 1, 1, 1, CmdGet, "string", "1.0.0",
             "Returns the string value of a key.", "O(1)", "key"});
}

}  // namespace cairn::server
