// src/commands/dump_commands.cc — DUMP and RESTORE: a key's value as Redis's serialized form
// (store/rdb/rdb_object.h inside the frame of store/rdb/dump_payload.h) and back.
//
// Payloads are interchangeable with Redis 7.0's: a DUMP from redis-server restores here and
// ours restores there. RESTORE writes through KeyHandle::Put like any whole-value write, so
// the WAL logs the value it installs. The payload is checked and decoded before the key's
// shard is locked; the lock covers only the existence check and the install, which keeps
// the errors in Redis's order (BUSYKEY before a bad TTL or payload) without holding a shard
// while a large payload decodes.
#include <string>
#include <utility>

#include "resp/number.h"
#include "src/exec/command_table.h"
#include "src/exec/errors.h"
#include "src/exec/notify.h"
#include "src/exec/reply.h"
#include "src/exec/server_state.h"
#include "store/rdb/dump_payload.h"
#include "store/rdb/rdb_object.h"

namespace cairn::server {
namespace {

using store::Entry;
using store::KeyHandle;
using store::Value;

constexpr std::string_view kBusyKey = "BUSYKEY Target key name already exists.";
constexpr std::string_view kBadPayload = "ERR DUMP payload version or checksum are wrong";
constexpr std::string_view kBadFormat = "ERR Bad data format";
constexpr std::string_view kNegativeTtl = "ERR Invalid TTL value, must be >= 0";
constexpr std::string_view kBadIdleTime = "ERR Invalid IDLETIME value, must be >= 0";
constexpr std::string_view kBadFreq = "ERR Invalid FREQ value, must be >= 0 and <= 255";

void CmdDump(CommandContext& ctx) {
  // A reference to the value, taken under the shard lock; it is encoded (and compressed)
  // after the lock is released: strings are immutable, and a write to a collection meanwhile
  // copies it first (object.h).
  Value value;
  bool found = ctx.server.store.Access(ctx.db(), ctx.args[1], [&](KeyHandle& h) {
    Entry* e = h.Find();
    if (e == nullptr) return false;
    value = e->value;
    return true;
  });
  (found ? ctx.stats.keyspace_hits : ctx.stats.keyspace_misses).Add(1);
  if (!found) {
    NotifyKey(ctx, kNotifyKeyMiss, "keymiss", ctx.args[1]);
    ctx.reply.WriteNull();
    return;
  }
  std::string payload;
  rdb::EncodeObject(value, &payload);
  rdb::AppendDumpFooter(&payload);
  ctx.reply.WriteBulk(payload);
}

struct RestoreOptions {
  bool replace = false;
  bool absttl = false;
  // IDLETIME sets the key's last-access time (OBJECT IDLETIME); FREQ is parsed and checked
  // as Redis does, but cairn keeps no LFU counter to set.
  int64_t idle_s = -1;
  int64_t freq = -1;
};

// REPLACE, ABSTTL, IDLETIME s, FREQ f (IDLETIME and FREQ exclude each other); false after
// replying with the error.
bool ParseRestoreOptions(CommandContext& ctx, RestoreOptions* o) {
  for (size_t i = 4; i < ctx.args.size(); ++i) {
    std::string_view arg = ctx.args[i];
    bool has_value = i + 1 < ctx.args.size();
    if (EqualsIgnoreCase(arg, "replace")) {
      o->replace = true;
    } else if (EqualsIgnoreCase(arg, "absttl")) {
      o->absttl = true;
    } else if (EqualsIgnoreCase(arg, "idletime") && has_value && o->freq == -1) {
      if (!resp::ParseInt64(ctx.args[++i], &o->idle_s)) {
        ctx.reply.WriteError(errors::kNotInteger);
        return false;
      }
      if (o->idle_s < 0) {
        ctx.reply.WriteError(kBadIdleTime);
        return false;
      }
    } else if (EqualsIgnoreCase(arg, "freq") && has_value && o->idle_s == -1) {
      if (!resp::ParseInt64(ctx.args[++i], &o->freq)) {
        ctx.reply.WriteError(errors::kNotInteger);
        return false;
      }
      if (o->freq < 0 || o->freq > 255) {
        ctx.reply.WriteError(kBadFreq);
        return false;
      }
    } else {
      ctx.reply.WriteError(errors::kSyntax);
      return false;
    }
  }
  return true;
}

// The TTL and payload checks, in Redis's order; the error text, or empty when both are good.
std::string_view CheckTtlAndPayload(CommandContext& ctx, int64_t* ttl, Value* value) {
  if (!resp::ParseInt64(ctx.args[2], ttl)) return errors::kNotInteger;
  if (*ttl < 0) return kNegativeTtl;
  std::string_view body;
  bool check_crc = !ctx.server.debug.skip_checksum_validation.load(std::memory_order_relaxed);
  if (!rdb::VerifyDumpPayload(ctx.args[3], &body, check_crc)) return kBadPayload;
  // Decoding checks every element (cairn builds its own form of the value from them): each
  // payload gets the deep check Redis makes under sanitize-dump-payload yes.
  ctx.stats.dump_payload_sanitizations.Add();
  if (!rdb::DecodeObject(&body, value)) return kBadFormat;
  return {};
}

void CmdRestore(CommandContext& ctx) {
  RestoreOptions o;
  if (!ParseRestoreOptions(ctx, &o)) return;
  int64_t ttl = 0;
  Value value;
  std::string_view error = CheckTtlAndPayload(ctx, &ttl, &value);
  ctx.server.store.Access(ctx.db(), ctx.args[1], [&](KeyHandle& h) {
    if (!o.replace && h.Find() != nullptr) {
      ctx.reply.WriteError(kBusyKey);
      return;
    }
    if (!error.empty()) {
      ctx.reply.WriteError(error);
      return;
    }
    int64_t at_ms = 0;
    if (ttl > 0) {
      at_ms = o.absttl ? ttl : (ttl > INT64_MAX - h.now_ms() ? INT64_MAX : ttl + h.now_ms());
    }
    // A deadline already past: the key ends up absent (and a replaced one deleted).
    if (at_ms != 0 && h.ExpiresAtOnce(at_ms)) {
      if (o.replace && h.Delete()) NotifyKey(ctx, kNotifyGeneric, "del", h.key());
      ctx.reply.WriteOk();
      return;
    }
    Entry* e = h.Put(std::move(value), at_ms);
    // Like Redis, IDLETIME counts only under an LRU-mode policy and FREQ under an LFU one.
    store::Store& store = ctx.server.store;
    bool lfu = store.access_mode() == store::AccessMode::kLfu;
    if (!lfu && o.idle_s > 0) {
      int64_t now_s = h.now_ms() / 1000;
      e->access = static_cast<uint32_t>(o.idle_s < now_s ? now_s - o.idle_s : 0);
    } else if (lfu && o.freq >= 0) {
      e->access = store::LfuStamp(store.EvictionClock().now_minutes,
                                  static_cast<uint8_t>(o.freq));
    }
    NotifyKey(ctx, kNotifyGeneric, "restore", h.key());
    ctx.reply.WriteOk();
  });
}

}  // namespace

void RegisterDumpCommands(CommandTable& table) {
  constexpr std::string_view kGroup = "generic";
  constexpr std::string_view kRestoreComplexity =
      "O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, "
      "where N is the number of Redis objects composing the value and M their average size. For "
      "small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply "
      "O(1). However for sorted set values the complexity is O(N*M*log(N)) because inserting "
      "values into sorted sets is O(log(N)).";
  constexpr std::string_view kRestoreSyntax =
      "key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]";
  table.Add({
      {.name = "dump", .arity = 2, .flags = kReadOnly,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdDump,
       .group = kGroup, .since = "2.6.0",
       .summary = "Return a serialized version of the value stored at the specified key.",
       .complexity = "O(1) to access the key and additional O(N*M) to serialize it, where N is "
                     "the number of Redis objects composing the value and M their average size. "
                     "For small string values the time complexity is thus O(1)+O(1*M) where M is "
                     "small, so simply O(1).",
       .syntax = "key"},
      {.name = "restore", .arity = -4, .flags = kWrite | kDenyOom,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdRestore,
       .group = kGroup, .since = "2.6.0",
       .summary = "Create a key using the provided serialized value, previously obtained using "
                  "DUMP.",
       .complexity = kRestoreComplexity, .syntax = kRestoreSyntax},
      // MIGRATE's command on a cluster target after an -ASK redirect; outside a cluster it is
      // RESTORE, as in Redis.
      {.name = "restore-asking", .arity = -4, .flags = kWrite | kDenyOom | kAsking,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdRestore,
       .group = "server", .since = "3.0.0",
       .summary = "An internal command for migrating keys in a cluster",
       .complexity = kRestoreComplexity, .syntax = kRestoreSyntax},
  });
}

}  // namespace cairn::server
