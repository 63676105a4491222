// src/commands/key_commands.cc — the generic (keyspace) family: DEL, EXISTS, TYPE, RENAME,
// COPY, MOVE, the expiry commands, KEYS, SCAN, RANDOMKEY and OBJECT.
//
// These commands look at keys, not at what they hold, so they work for every value type.
// Commands touching several keys (DEL a b, RENAME, COPY ... DB n, MOVE) lock all their shards
// at once through Store::AccessMany: another thread never sees a key half renamed or moved.
#include <algorithm>
#include <cstdio>
#include <iterator>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "resp/number.h"
#include "src/base/glob.h"
#include "src/commands/expire_time.h"
#include "src/commands/help_reply.h"
#include "src/commands/scan_args.h"
#include "src/exec/command_table.h"
#include "src/exec/errors.h"
#include "src/exec/notify.h"
#include "src/exec/reply.h"
#include "src/exec/server_state.h"
#include "store/encoding_limits.h"
#include "store/lazy_free.h"
#include "store/rdb/rdb_object.h"
#include "store/types/list/list.h"

namespace cairn::server {
namespace {

using store::Entry;
using store::KeyHandle;
using store::KeyRef;
using store::Value;
using store::ValueType;

// RANDOMKEY deletes at most this many picks past their deadline per call: a bound on one
// command's work (each pick locks every shard to count keys) where Redis has none.
constexpr int kRandomKeyExpiredDeletes = 100;

// Error texts not (yet) in errors.h.
constexpr std::string_view kGtAndLt = "ERR GT and LT options at the same time are not compatible";
constexpr std::string_view kInvalidCursor = "ERR invalid cursor";
constexpr std::string_view kIntRange =
    "ERR value is out of range, value must between -2147483648 and 2147483647";
constexpr std::string_view kIdleTimeLfu =
    "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when "
    "switching between policies at runtime LRU and LFU data will take some time to adjust.";

void CountLookups(CommandContext& ctx, int64_t hits, int64_t total) {
  ctx.stats.keyspace_hits.Add(static_cast<uint64_t>(hits));
  ctx.stats.keyspace_misses.Add(static_cast<uint64_t>(total - hits));
}

// A read lookup of key: true when it is live; a miss reports "keymiss".
bool ReadLookup(CommandContext& ctx, KeyHandle& h, Entry* e) {
  if (e == nullptr) NotifyKey(ctx, kNotifyKeyMiss, "keymiss", h.key());
  return e != nullptr;
}

// ---- DEL, UNLINK, EXISTS, TOUCH, TYPE ----------------------------------------------------

// Calls pred(handle) for every key from args[1] on, all under one lock set, and returns how
// many calls said true. A single key skips AccessMany's allocations.
template <class Pred>
int64_t CountKeys(CommandContext& ctx, Pred&& pred) {
  store::Store& store = ctx.server.store;
  if (ctx.args.size() == 2) {
    return store.Access(ctx.db(), ctx.args[1],
                        [&](KeyHandle& h) { return pred(h) ? int64_t{1} : int64_t{0}; });
  }
  std::vector<KeyRef> refs;
  refs.reserve(ctx.args.size() - 1);
  for (size_t i = 1; i < ctx.args.size(); ++i) refs.push_back({ctx.db(), ctx.args[i]});
  return store.AccessMany(refs, [&](std::span<KeyHandle> handles) {
    int64_t n = 0;
    for (KeyHandle& h : handles) n += pred(h) ? 1 : 0;
    return n;
  });
}

// UNLINK is DEL: values dropped under a shard lock are already freed after the lock is
// released, so there is no slow path for DEL to avoid.
int64_t DeleteKeys(CommandContext& ctx) {
  return CountKeys(ctx, [&](KeyHandle& h) {
    if (!h.Delete()) return false;
    NotifyKey(ctx, kNotifyGeneric, "del", h.key());
    return true;
  });
}

void CmdDel(CommandContext& ctx) {
  std::optional<store::LazyFreeScope> lazy;  // lazyfree-lazy-user-del: DEL acts as UNLINK
  if (ctx.server.limits.lazyfree_user_del.load(std::memory_order_relaxed)) lazy.emplace();
  ctx.reply.WriteInteger(DeleteKeys(ctx));
}

// DEL whose large values are freed by the lazy-free thread (store/lazy_free.h).
void CmdUnlink(CommandContext& ctx) {
  store::LazyFreeScope lazy;
  ctx.reply.WriteInteger(DeleteKeys(ctx));
}

void CmdExists(CommandContext& ctx) {
  int64_t n = CountKeys(ctx, [&](KeyHandle& h) { return ReadLookup(ctx, h, h.Peek()); });
  CountLookups(ctx, n, static_cast<int64_t>(ctx.args.size() - 1));
  ctx.reply.WriteInteger(n);
}

// Find() refreshes the access time, which is all TOUCH is for.
void CmdTouch(CommandContext& ctx) {
  ctx.reply.WriteInteger(
      CountKeys(ctx, [&](KeyHandle& h) { return ReadLookup(ctx, h, h.Find()); }));
}

void CmdType(CommandContext& ctx) {
  std::string_view type = ctx.server.store.Access(ctx.db(), ctx.args[1], [&](KeyHandle& h) {
    Entry* e = h.Peek();
    return !ReadLookup(ctx, h, e) ? std::string_view("none") : store::TypeName(e->value.type);
  });
  CountLookups(ctx, type != "none" ? 1 : 0, 1);
  ctx.reply.WriteSimple(type);
}

// ---- RENAME, RENAMENX, COPY, MOVE --------------------------------------------------------

enum class RenameStatus { kDone, kNoSuchKey, kTargetExists };

RenameStatus RenameGeneric(CommandContext& ctx, bool only_if_target_missing) {
  std::string_view from = ctx.args[1], to = ctx.args[2];
  if (from == to) {  // nothing moves, but a missing key is still an error
    bool found =
        ctx.server.store.Access(ctx.db(), from, [](KeyHandle& h) { return h.Find() != nullptr; });
    if (!found) return RenameStatus::kNoSuchKey;
    return only_if_target_missing ? RenameStatus::kTargetExists : RenameStatus::kDone;
  }
  KeyRef refs[] = {{ctx.db(), from}, {ctx.db(), to}};
  return ctx.server.store.AccessMany(refs, [&](std::span<KeyHandle> h) {
    if (h[0].Find() == nullptr) return RenameStatus::kNoSuchKey;
    if (only_if_target_missing && h[1].Find() != nullptr) return RenameStatus::kTargetExists;
    h[0].MoveTo(h[1]);  // the target's own TTL goes with its value
    NotifyKey(ctx, kNotifyGeneric, "rename_from", from);
    NotifyKey(ctx, kNotifyGeneric, "rename_to", to);
    return RenameStatus::kDone;
  });
}

void CmdRename(CommandContext& ctx) {
  if (RenameGeneric(ctx, false) == RenameStatus::kNoSuchKey) {
    ctx.reply.WriteError(errors::kNoSuchKey);
    return;
  }
  ctx.reply.WriteOk();
}

void CmdRenameNx(CommandContext& ctx) {
  switch (RenameGeneric(ctx, true)) {
    case RenameStatus::kDone:
      ctx.reply.WriteInteger(1);
      return;
    case RenameStatus::kTargetExists:
      ctx.reply.WriteInteger(0);
      return;
    case RenameStatus::kNoSuchKey:
      ctx.reply.WriteError(errors::kNoSuchKey);
      return;
  }
}

// A database number as MOVE and COPY's DB option read it: an int, then a valid index.
bool ArgToTargetDb(CommandContext& ctx, std::string_view arg, int* db) {
  int64_t value = 0;
  if (!ArgToInt64Range(ctx, arg, INT32_MIN, INT32_MAX, kIntRange, &value)) return false;
  if (value < 0 || value >= ctx.server.store.databases()) {
    ctx.reply.WriteError(errors::kDbIndexRange);
    return false;
  }
  *db = static_cast<int>(value);
  return true;
}

struct CopyOptions {
  int target_db = 0;
  bool replace = false;
};

bool ParseCopyOptions(CommandContext& ctx, CopyOptions* o) {
  o->target_db = ctx.db();
  for (size_t i = 3; i < ctx.args.size(); ++i) {
    if (EqualsIgnoreCase(ctx.args[i], "replace")) {
      o->replace = true;
    } else if (EqualsIgnoreCase(ctx.args[i], "db") && i + 1 < ctx.args.size()) {
      if (!ArgToTargetDb(ctx, ctx.args[++i], &o->target_db)) return false;
    } else {
      ctx.reply.WriteError(errors::kSyntax);
      return false;
    }
  }
  return true;
}

void CmdCopy(CommandContext& ctx) {
  CopyOptions o;
  if (!ParseCopyOptions(ctx, &o)) return;
  if (ctx.server.cluster.enabled() && (ctx.db() != 0 || o.target_db != 0)) {
    ctx.reply.WriteError("ERR Copying to another database is not allowed in cluster mode");
    return;
  }
  std::string_view from = ctx.args[1], to = ctx.args[2];
  if (o.target_db == ctx.db() && from == to) {
    ctx.reply.WriteError(errors::kSameObject);
    return;
  }
  KeyRef refs[] = {{ctx.db(), from}, {o.target_db, to}};
  bool copied = ctx.server.store.AccessMany(refs, [&](std::span<KeyHandle> h) {
    Entry* source = h[0].Find();
    if (source == nullptr) return false;
    if (!o.replace && h[1].Find() != nullptr) return false;
    h[0].CopyTo(h[1]);
    NotifyKeyspaceEvent(ctx.server, kNotifyGeneric, "copy_to", to, o.target_db);
    return true;
  });
  ctx.reply.WriteInteger(copied ? 1 : 0);
}

void CmdMove(CommandContext& ctx) {
  if (ctx.server.cluster.enabled()) {
    ctx.reply.WriteError("ERR MOVE is not allowed in cluster mode");
    return;
  }
  int target_db = 0;
  if (!ArgToTargetDb(ctx, ctx.args[2], &target_db)) return;
  if (target_db == ctx.db()) {
    ctx.reply.WriteError(errors::kSameObject);
    return;
  }
  KeyRef refs[] = {{ctx.db(), ctx.args[1]}, {target_db, ctx.args[1]}};
  bool moved = ctx.server.store.AccessMany(refs, [&](std::span<KeyHandle> h) {
    if (h[0].Find() == nullptr || h[1].Find() != nullptr) return false;
    h[0].MoveTo(h[1]);
    NotifyKey(ctx, kNotifyGeneric, "move_from", h[0].key());
    NotifyKeyspaceEvent(ctx.server, kNotifyGeneric, "move_to", h[1].key(), target_db);
    return true;
  });
  ctx.reply.WriteInteger(moved ? 1 : 0);
}

// ---- EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT, PERSIST ---------------------------------------

enum ExpireFlag : uint8_t { kExpireNx = 1, kExpireXx = 2, kExpireGt = 4, kExpireLt = 8 };

bool ParseExpireFlags(CommandContext& ctx, uint8_t* flags) {
  static constexpr std::pair<std::string_view, ExpireFlag> kFlags[] = {
      {"nx", kExpireNx}, {"xx", kExpireXx}, {"gt", kExpireGt}, {"lt", kExpireLt}};
  for (size_t i = 3; i < ctx.args.size(); ++i) {
    auto it = std::find_if(std::begin(kFlags), std::end(kFlags),
                           [&](const auto& f) { return EqualsIgnoreCase(ctx.args[i], f.first); });
    if (it == std::end(kFlags)) {
      ctx.reply.WriteError("ERR Unsupported option " + std::string(ctx.args[i]));
      return false;
    }
    *flags |= it->second;
  }
  if ((*flags & kExpireNx) && (*flags & (kExpireXx | kExpireGt | kExpireLt))) {
    ctx.reply.WriteError(errors::kExpireOptions);
    return false;
  }
  if ((*flags & kExpireGt) && (*flags & kExpireLt)) {
    ctx.reply.WriteError(kGtAndLt);
    return false;
  }
  return true;
}

// Whether the flags let a key whose deadline is current_ms (0: none) get the deadline at_ms.
// No TTL counts as an infinite one: GT never beats it, LT always does.
bool ExpireFlagsAllow(uint8_t flags, int64_t current_ms, int64_t at_ms) {
  bool has_ttl = current_ms != 0;
  if ((flags & kExpireNx) && has_ttl) return false;
  if ((flags & kExpireXx) && !has_ttl) return false;
  if ((flags & kExpireGt) && (!has_ttl || at_ms <= current_ms)) return false;
  if ((flags & kExpireLt) && has_ttl && at_ms >= current_ms) return false;
  return true;
}

// A deadline that is not in the future deletes the key (and counts as applied), except in a
// replica's stream from its primary, which keeps it until the primary's DEL
// (KeyHandle::ExpiresAtOnce).
void ExpireGeneric(CommandContext& ctx, TimeUnit unit, TimeBase base) {
  uint8_t flags = 0;
  if (!ParseExpireFlags(ctx, &flags)) return;
  int64_t at_ms = 0;
  ExpireParse parsed = ParseKeyExpire(ctx.args[2], unit, base, ctx.server.store.NowMs(), &at_ms);
  if (parsed != ExpireParse::kOk) {
    ReplyExpireError(ctx, parsed);
    return;
  }
  bool applied = ctx.server.store.Access(ctx.db(), ctx.args[1], [&](KeyHandle& h) {
    Entry* e = h.Find();
    if (e == nullptr || !ExpireFlagsAllow(flags, e->expire_at_ms, at_ms)) return false;
    if (h.ExpiresAtOnce(at_ms)) {
      h.Delete();
      NotifyKey(ctx, kNotifyGeneric, "del", h.key());
    } else {
      h.SetExpire(e, at_ms);
      NotifyKey(ctx, kNotifyGeneric, "expire", h.key());
    }
    return true;
  });
  ctx.reply.WriteInteger(applied ? 1 : 0);
}

void CmdExpire(CommandContext& ctx) { ExpireGeneric(ctx, TimeUnit::kSeconds, TimeBase::kRelative); }
void CmdPExpire(CommandContext& ctx) {
  ExpireGeneric(ctx, TimeUnit::kMilliseconds, TimeBase::kRelative);
}
void CmdExpireAt(CommandContext& ctx) {
  ExpireGeneric(ctx, TimeUnit::kSeconds, TimeBase::kAbsolute);
}
void CmdPExpireAt(CommandContext& ctx) {
  ExpireGeneric(ctx, TimeUnit::kMilliseconds, TimeBase::kAbsolute);
}

void CmdPersist(CommandContext& ctx) {
  bool removed = ctx.server.store.Access(ctx.db(), ctx.args[1], [&](KeyHandle& h) {
    Entry* e = h.Find();
    if (e == nullptr || !e->has_expire()) return false;
    h.SetExpire(e, 0);
    NotifyKey(ctx, kNotifyGeneric, "persist", h.key());
    return true;
  });
  ctx.reply.WriteInteger(removed ? 1 : 0);
}

// ---- TTL, PTTL, EXPIRETIME, PEXPIRETIME --------------------------------------------------

// -2 for a missing key, -1 for no TTL; else the remaining time (or the deadline when
// absolute), in seconds rounded to nearest as Redis does, or in ms.
void TtlGeneric(CommandContext& ctx, TimeUnit unit, TimeBase base) {
  int64_t expire_at_ms = 0, now_ms = 0;
  bool found = ctx.server.store.Access(ctx.db(), ctx.args[1], [&](KeyHandle& h) {
    Entry* e = h.Peek();
    if (!ReadLookup(ctx, h, e)) return false;
    expire_at_ms = e->expire_at_ms;
    now_ms = h.now_ms();
    return true;
  });
  CountLookups(ctx, found ? 1 : 0, 1);
  if (!found || expire_at_ms == 0) {
    ctx.reply.WriteInteger(found ? -1 : -2);
    return;
  }
  int64_t ms =
      base == TimeBase::kAbsolute ? expire_at_ms : std::max<int64_t>(expire_at_ms - now_ms, 0);
  // Rounded without adding first: a deadline near INT64_MAX ms must not overflow.
  int64_t seconds = ms / 1000 + (ms % 1000 >= 500 ? 1 : 0);
  ctx.reply.WriteInteger(unit == TimeUnit::kMilliseconds ? ms : seconds);
}

void CmdTtl(CommandContext& ctx) { TtlGeneric(ctx, TimeUnit::kSeconds, TimeBase::kRelative); }
void CmdPTtl(CommandContext& ctx) { TtlGeneric(ctx, TimeUnit::kMilliseconds, TimeBase::kRelative); }
void CmdExpireTime(CommandContext& ctx) {
  TtlGeneric(ctx, TimeUnit::kSeconds, TimeBase::kAbsolute);
}
void CmdPExpireTime(CommandContext& ctx) {
  TtlGeneric(ctx, TimeUnit::kMilliseconds, TimeBase::kAbsolute);
}

// ---- KEYS, SCAN, RANDOMKEY ---------------------------------------------------------------

void ReplyKeys(CommandContext& ctx, const std::vector<std::string>& keys) {
  ctx.reply.WriteArrayLen(static_cast<int64_t>(keys.size()));
  for (const std::string& key : keys) ctx.reply.WriteBulk(key);
}

// Keys are copied out under each shard's lock and written after it is released.
void CmdKeys(CommandContext& ctx) {
  std::string_view pattern = ctx.args[1];
  bool all = pattern == "*";
  std::vector<std::string> keys;
  ctx.server.store.ForEach(ctx.db(), [&](const Entry& e) {
    if (all || GlobMatch(pattern, e.key())) keys.emplace_back(e.key());
  });
  ReplyKeys(ctx, keys);
}

// COUNT is how many hash buckets to visit, as in Redis: a hint, not a number of keys. Like
// Redis, keys past their deadline that match the pattern are deleted on the way (each its
// own DEL to the log and replicas, even with active expiry off) and not returned.
void CmdScan(CommandContext& ctx) {
  ScanArgs a;
  if (!ParseScan(ctx, 1, /*allow_type=*/true, &a)) return;
  if (!a.error.empty()) return ctx.reply.WriteError(a.error);
  std::vector<std::string> keys, expired;
  uint64_t next = ctx.server.store.Scan(
      ctx.db(), a.cursor, a.count,
      [&](const Entry& e) {
        if (!a.Matches(e.key())) return;
        if (!a.type.empty() && !EqualsIgnoreCase(a.type, store::TypeName(e.value.type))) return;
        keys.emplace_back(e.key());
      },
      [&](const Entry& e) {
        if (a.Matches(e.key())) expired.emplace_back(e.key());
      });
  for (const std::string& key : expired) ctx.server.store.ExpireIfDue(ctx.db(), key);
  WriteScanHead(ctx, next);
  ReplyKeys(ctx, keys);
}

// Like Redis, a pick past its deadline is deleted (a DEL to the log and replicas) and another
// key is picked. Unlike Redis, which goes on until it finds a live key, at most
// kRandomKeyExpiredDeletes are deleted per call; then a live key is picked without deleting.
void CmdRandomKey(CommandContext& ctx) {
  store::Store& store = ctx.server.store;
  std::string key;
  // While expiry is paused (CLIENT PAUSE, a replica) nothing would be deleted.
  int deletes = store.ExpiryPaused() ? 0 : kRandomKeyExpiredDeletes;
  for (int deleted = 0; deleted < deletes; ++deleted) {
    bool expired = false;
    if (!store.RandomKey(ctx.db(), &key, &expired)) return ctx.reply.WriteNull();
    if (!expired) return ctx.reply.WriteBulk(key);
    store.ExpireIfDue(ctx.db(), key);
  }
  if (store.RandomKey(ctx.db(), &key)) return ctx.reply.WriteBulk(key);
  ctx.reply.WriteNull();
}

// ---- OBJECT ------------------------------------------------------------------------------

// What OBJECT reports about one key, copied out under the shard lock.
struct ObjectInfo {
  std::string_view encoding;
  bool shared_integer = false;  // Redis shares the objects of 0..9999 (OBJECT REFCOUNT)
  int64_t idle_s = 0;
  int64_t freq = 0;
  bool lfu = false;  // the stamp is an LFU counter (access_stamp.h)
};

// Redis's encoding names, derived from the bytes and how they were made (store::StringForm),
// since cairn stores every string as bytes: written whole, "int" when it reads as an int64
// (0..9999 shared, unless a COPY made it), else "embstr" up to 44 bytes, else "raw"; grown in
// place, "raw"; INCRBYFLOAT's text, "embstr" or "raw" by length even when it reads as an int.
std::string_view StringEncoding(const Value& v, int64_t* int_value) {
  std::string_view bytes = v.str.view();
  if (v.form == store::StringForm::kGrown) return "raw";
  if (v.form != store::StringForm::kFloat && bytes.size() <= 20 &&
      resp::ParseInt64(bytes, int_value)) {
    return "int";
  }
  return bytes.size() <= 44 ? "embstr" : "raw";
}

std::string_view EncodingOf(const Value& v, bool* small_int) {
  int64_t int_value = -1;
  switch (v.type) {
    case ValueType::kString: {
      std::string_view encoding = StringEncoding(v, &int_value);
      *small_int = encoding == "int" && v.form == store::StringForm::kAssigned &&
                   int_value >= 0 && int_value < 10000;
      return encoding;
    }
    default:
      return v.obj->encoding();  // the collection's current representation
  }
}

// Looks the key up (args[2]); replies nil and returns false when it is missing.
bool LookupObject(CommandContext& ctx, ObjectInfo* info) {
  bool found = ctx.server.store.Access(ctx.db(), ctx.args[2], [&](KeyHandle& h) {
    Entry* e = h.Peek();  // OBJECT must not count as an access
    if (e == nullptr) return false;
    info->encoding = EncodingOf(e->value, &info->shared_integer);
    store::Store& store = ctx.server.store;
    info->lfu = store.access_mode() == store::AccessMode::kLfu;
    info->idle_s = h.now_ms() / 1000 - e->access;
    info->freq = store.AccessFrequency(*e);
    return true;
  });
  CountLookups(ctx, found ? 1 : 0, 1);
  if (!found) ctx.reply.WriteNull();
  return found;
}

void CmdObject(CommandContext& ctx) { ReplyWrongArity(ctx.reply, "object"); }

void CmdObjectEncoding(CommandContext& ctx) {
  ObjectInfo info;
  if (LookupObject(ctx, &info)) ctx.reply.WriteBulk(info.encoding);
}

void CmdObjectFreq(CommandContext& ctx) {
  ObjectInfo info;
  if (!LookupObject(ctx, &info)) return;
  if (!info.lfu) {
    ctx.reply.WriteError(errors::kFreqPolicy);
    return;
  }
  ctx.reply.WriteInteger(info.freq);
}

void CmdObjectIdleTime(CommandContext& ctx) {
  ObjectInfo info;
  if (!LookupObject(ctx, &info)) return;
  if (info.lfu) {
    ctx.reply.WriteError(kIdleTimeLfu);
    return;
  }
  ctx.reply.WriteInteger(info.idle_s);
}

// Shared integers exist only while no LRU/LFU maxmemory policy needs per-object access data.
void CmdObjectRefCount(CommandContext& ctx) {
  ObjectInfo info;
  if (!LookupObject(ctx, &info)) return;
  Config config = ctx.server.config.Snapshot();
  bool sharing =
      config.maxmemory == 0 || (config.maxmemory_policy.find("lru") == std::string::npos &&
                                config.maxmemory_policy.find("lfu") == std::string::npos);
  ctx.reply.WriteInteger(info.shared_integer && sharing ? INT32_MAX : 1);
}

void CmdObjectHelp(CommandContext& ctx) {
  ReplyHelp(ctx.reply, "OBJECT",
            {
                "ENCODING <key>",
                "    Return the internal representation used to store the value of <key>.",
                "FREQ <key>",
                "    Return the logarithmic access frequency counter of <key> (LFU policies only).",
                "IDLETIME <key>",
                "    Return the seconds since <key> was last accessed (not under LFU policies).",
                "REFCOUNT <key>",
                "    Return the number of references to the value of <key>.",
            });
}

// The quicklist fields Redis's DEBUG OBJECT adds for a list: nodes, elements per node, the
// node limit, whether inner nodes are compressed, and the entries' uncompressed bytes.
std::string QuicklistFields(const store::ListObject& list) {
  char buf[256];
  size_t nodes = list.node_count();
  double avg = nodes == 0 ? 0 : static_cast<double>(list.size()) / static_cast<double>(nodes);
  int64_t fill = store::encoding_limits().list_max_listpack_size.load(std::memory_order_relaxed);
  std::snprintf(buf, sizeof(buf),
                " ql_nodes:%zu ql_avg_node:%.2f ql_listpack_max:%lld ql_compressed:%d"
                " ql_uncompressed_size:%zu",
                nodes, avg, static_cast<long long>(fill), list.compress_depth() != 0 ? 1 : 0,
                list.entry_bytes());
  return buf;
}

}  // namespace

void CmdDebugObject(CommandContext& ctx) {
  store::Store::ReplayScope stored_as_is;  // like Redis, a key past its TTL is shown, not expired
  std::string line;
  bool found = ctx.server.store.Access(ctx.db(), ctx.args[2], [&](KeyHandle& h) {
    Entry* e = h.Peek();
    if (e == nullptr) return false;
    bool small_int = false;
    std::string payload;
    rdb::EncodeObject(e->value, &payload);  // its first byte is the type, not the length
    char at[32];
    std::snprintf(at, sizeof(at), "%p", static_cast<const void*>(e));
    int64_t idle_s = h.now_ms() / 1000 - e->access;
    line = "Value at:" + std::string(at) + " refcount:1 encoding:" +
           std::string(EncodingOf(e->value, &small_int)) +
           " serializedlength:" + std::to_string(payload.size() - 1) +
           " lru:" + std::to_string(e->access & 0xFFFFFF) +
           " lru_seconds_idle:" + std::to_string(std::max<int64_t>(idle_s, 0));
    if (e->value.type == store::ValueType::kList) {
      line += QuicklistFields(*store::ValueAs<store::ListObject>(e));
    }
    return true;
  });
  if (!found) {
    ctx.reply.WriteError("ERR no such key");
    return;
  }
  ctx.reply.WriteSimple(line);
}

void RegisterKeyCommands(CommandTable& table) {
  constexpr std::string_view kGroup = "generic";
  table.Add({
      {.name = "del", .arity = -2, .flags = kWrite, .first_key = 1, .last_key = -1, .key_step = 1,
       .handler = CmdDel,
       .group = kGroup, .since = "1.0.0", .summary = "Delete a key",
       .complexity = "O(N) where N is the number of keys that will be removed. When a key to "
                     "remove holds a value other than a string, the individual complexity for this "
                     "key is O(M) where M is the number of elements in the list, set, sorted set "
                     "or hash. Removing a single key that holds a string value is O(1).",
       .syntax = "key [key ...]"},
      {.name = "unlink", .arity = -2, .flags = kWrite | kFast,
       .first_key = 1, .last_key = -1, .key_step = 1, .handler = CmdUnlink,
       .group = kGroup, .since = "4.0.0",
       .summary = "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but "
                  "non blocking.",
       .complexity = "O(1) for each key removed regardless of its size. Then the command does O(N) "
                     "work in a different thread in order to reclaim memory, where N is the number "
                     "of allocations the deleted objects where composed of.",
       .syntax = "key [key ...]"},
      {.name = "exists", .arity = -2, .flags = kReadOnly | kFast,
       .first_key = 1, .last_key = -1, .key_step = 1, .handler = CmdExists,
       .group = kGroup, .since = "1.0.0", .summary = "Determine if a key exists",
       .complexity = "O(N) where N is the number of keys to check.", .syntax = "key [key ...]"},
      {.name = "type", .arity = 2, .flags = kReadOnly | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdType,
       .group = kGroup, .since = "1.0.0", .summary = "Determine the type stored at key",
       .complexity = "O(1)", .syntax = "key"},
      {.name = "touch", .arity = -2, .flags = kReadOnly | kFast,
       .first_key = 1, .last_key = -1, .key_step = 1, .handler = CmdTouch,
       .group = kGroup, .since = "3.2.1",
       .summary = "Alters the last access time of a key(s). Returns the number of existing keys "
                  "specified.",
       .complexity = "O(N) where N is the number of keys that will be touched.",
       .syntax = "key [key ...]"},
      {.name = "rename", .arity = 3, .flags = kWrite, .first_key = 1, .last_key = 2, .key_step = 1,
       .handler = CmdRename,
       .group = kGroup, .since = "1.0.0", .summary = "Rename a key", .complexity = "O(1)",
       .syntax = "key newkey"},
      {.name = "renamenx", .arity = 3, .flags = kWrite | kFast,
       .first_key = 1, .last_key = 2, .key_step = 1, .handler = CmdRenameNx,
       .group = kGroup, .since = "1.0.0",
       .summary = "Rename a key, only if the new key does not exist", .complexity = "O(1)",
       .syntax = "key newkey"},
      {.name = "copy", .arity = -3, .flags = kWrite | kDenyOom,
       .first_key = 1, .last_key = 2, .key_step = 1, .handler = CmdCopy,
       .group = kGroup, .since = "6.2.0", .summary = "Copy a key",
       .complexity = "O(N) worst case for collections, where N is the number of nested items. O(1) "
                     "for string values.",
       .syntax = "source destination [DB destination-db] [REPLACE]"},
      {.name = "move", .arity = 3, .flags = kWrite | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdMove,
       .group = kGroup, .since = "1.0.0", .summary = "Move a key to another database",
       .complexity = "O(1)", .syntax = "key db"},
      {.name = "expire", .arity = -3, .flags = kWrite | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdExpire,
       .group = kGroup, .since = "1.0.0", .summary = "Set a key's time to live in seconds",
       .complexity = "O(1)", .syntax = "key seconds [NX | XX | GT | LT]"},
      {.name = "pexpire", .arity = -3, .flags = kWrite | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdPExpire,
       .group = kGroup, .since = "2.6.0", .summary = "Set a key's time to live in milliseconds",
       .complexity = "O(1)", .syntax = "key milliseconds [NX | XX | GT | LT]"},
      {.name = "expireat", .arity = -3, .flags = kWrite | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdExpireAt,
       .group = kGroup, .since = "1.2.0",
       .summary = "Set the expiration for a key as a UNIX timestamp", .complexity = "O(1)",
       .syntax = "key unix-time-seconds [NX | XX | GT | LT]"},
      {.name = "pexpireat", .arity = -3, .flags = kWrite | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdPExpireAt,
       .group = kGroup, .since = "2.6.0",
       .summary = "Set the expiration for a key as a UNIX timestamp specified in milliseconds",
       .complexity = "O(1)", .syntax = "key unix-time-milliseconds [NX | XX | GT | LT]"},
      {.name = "ttl", .arity = 2, .flags = kReadOnly | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdTtl,
       .group = kGroup, .since = "1.0.0", .summary = "Get the time to live for a key in seconds",
       .complexity = "O(1)", .syntax = "key"},
      {.name = "pttl", .arity = 2, .flags = kReadOnly | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdPTtl,
       .group = kGroup, .since = "2.6.0",
       .summary = "Get the time to live for a key in milliseconds", .complexity = "O(1)",
       .syntax = "key"},
      {.name = "expiretime", .arity = 2, .flags = kReadOnly | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdExpireTime,
       .group = kGroup, .since = "7.0.0", .summary = "Get the expiration Unix timestamp for a key",
       .complexity = "O(1)", .syntax = "key"},
      {.name = "pexpiretime", .arity = 2, .flags = kReadOnly | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdPExpireTime,
       .group = kGroup, .since = "7.0.0",
       .summary = "Get the expiration Unix timestamp for a key in milliseconds",
       .complexity = "O(1)", .syntax = "key"},
      {.name = "persist", .arity = 2, .flags = kWrite | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdPersist,
       .group = kGroup, .since = "2.2.0", .summary = "Remove the expiration from a key",
       .complexity = "O(1)", .syntax = "key"},
      {.name = "keys", .arity = 2, .flags = kReadOnly, .handler = CmdKeys,
       .group = kGroup, .since = "1.0.0", .summary = "Find all keys matching the given pattern",
       .complexity = "O(N) with N being the number of keys in the database, under the assumption "
                     "that the key names in the database and the given pattern have limited "
                     "length.",
       .syntax = "pattern"},
      {.name = "scan", .arity = -2, .flags = kReadOnly, .handler = CmdScan,
       .group = kGroup, .since = "2.8.0", .summary = "Incrementally iterate the keys space",
       .complexity = "O(1) for every call. O(N) for a complete iteration, including enough command "
                     "calls for the cursor to return back to 0. N is the number of elements inside "
                     "the collection.",
       .syntax = "cursor [MATCH pattern] [COUNT count] [TYPE type]"},
      {.name = "randomkey", .arity = 1, .flags = kReadOnly, .handler = CmdRandomKey,
       .group = kGroup, .since = "1.0.0", .summary = "Return a random key from the keyspace",
       .complexity = "O(1)"},
      {.name = "object", .arity = -2, .handler = CmdObject,
       .group = kGroup, .since = "2.2.3",
       .summary = "A container for object introspection commands",
       .complexity = "Depends on subcommand.",
       .subcommands = {
           {.name = "object|encoding", .arity = 3, .flags = kReadOnly,
            .first_key = 2, .last_key = 2, .key_step = 1, .handler = CmdObjectEncoding,
            .group = kGroup, .since = "2.2.3",
            .summary = "Inspect the internal encoding of a Redis object", .complexity = "O(1)",
            .syntax = "key"},
           {.name = "object|freq", .arity = 3, .flags = kReadOnly,
            .first_key = 2, .last_key = 2, .key_step = 1, .handler = CmdObjectFreq,
            .group = kGroup, .since = "4.0.0",
            .summary = "Get the logarithmic access frequency counter of a Redis object",
            .complexity = "O(1)", .syntax = "key"},
           {.name = "object|help", .arity = 2, .flags = kLoading | kStale, .handler = CmdObjectHelp,
            .group = kGroup, .since = "6.2.0",
            .summary = "Show helpful text about the different subcommands", .complexity = "O(1)"},
           {.name = "object|idletime", .arity = 3, .flags = kReadOnly,
            .first_key = 2, .last_key = 2, .key_step = 1, .handler = CmdObjectIdleTime,
            .group = kGroup, .since = "2.2.3",
            .summary = "Get the time since a Redis object was last accessed", .complexity = "O(1)",
            .syntax = "key"},
           {.name = "object|refcount", .arity = 3, .flags = kReadOnly,
            .first_key = 2, .last_key = 2, .key_step = 1, .handler = CmdObjectRefCount,
            .group = kGroup, .since = "2.2.3",
            .summary = "Get the number of references to the value of the key", .complexity = "O(1)",
            .syntax = "key"},
       }},
  });
}

}  // namespace cairn::server
