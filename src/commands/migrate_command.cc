// src/commands/migrate_command.cc — MIGRATE: moves keys to another instance (redis-server or
// cairn) by sending it RESTORE commands that carry DUMP payloads, then deletes the keys the
// target accepted (unless COPY).
//
//   MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE]
//           [AUTH password | AUTH2 username password] [KEYS key [key ...]]
//
// Replies are Redis 7.0's: +OK; +NOKEY when none of the keys exists; -IOERR when the target
// cannot be reached, written to or read from in time; the target's error relayed as
// "ERR Target instance replied with error: <its error>" (BUSYKEY for a key it already holds,
// without REPLACE). Over one connection (migrate_link.h, cached per host:port) go, pipelined:
// AUTH when asked, SELECT when the connection's database is another, and one RESTORE per key
// with the key's remaining TTL in ms; then one reply line is read for each. As in Redis, a
// connection that fails (not one that times out) before any RESTORE is answered is replaced
// and the whole exchange sent once more: a cached connection the target has since closed is
// the common case.
//
// Three steps, and no shard lock is held while talking to the target:
//   1. under the keys' shard locks: serialize each live key (DUMP's format) and register a
//      WatchFlag on it;
//   2. without locks: the exchange with the target;
//   3. under the locks again: unwatch, and (without COPY) delete each key the target accepted,
//      as DEL does — logged to the WAL, so a restart does not bring it back; the "del"
//      keyspace event; tracking invalidation — unless its WatchFlag says the key changed after
//      step 1 (written, deleted, expired, flushed). Such a key holds a newer write than the one
//      the target got, and deleting it would lose that write, so it stays and the reply is
//      still +OK: both instances then hold a version of it. In Redis nothing runs between the
//      steps, so there the case cannot arise.
//
// Blocking: step 2 blocks the calling I/O thread — its other clients wait — for at most
// `timeout` ms per wait on the target, as Redis blocks its whole server for it. That is
// acceptable for an administrative command that runs rarely, whose caller picks the timeout;
// the other I/O threads go on serving. Inside MULTI/EXEC or a script, whose shard locks
// (every shard, MIGRATE having movable keys) stay held throughout, it blocks the whole server,
// as it does in Redis.
#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "resp/number.h"
#include "src/exec/command_table.h"
#include "src/exec/errors.h"
#include "src/exec/migrate_link.h"
#include "src/exec/notify.h"
#include "src/exec/repl_feed.h"
#include "src/exec/reply.h"
#include "src/exec/server_state.h"
#include "store/rdb/dump_payload.h"
#include "store/rdb/rdb_object.h"

namespace cairn::server {
namespace {

using store::Entry;
using store::KeyHandle;
using store::KeyRef;

constexpr std::string_view kKeysNeedEmptyKey =
    "ERR When using MIGRATE KEYS option, the key argument must be set to the empty string";
constexpr std::string_view kConnectError = "IOERR error or timeout connecting to the client";
constexpr std::string_view kWriteError = "IOERR error or timeout writing to target instance";
constexpr std::string_view kReadError = "IOERR error or timeout reading to target instance";
constexpr std::string_view kTargetError = "ERR Target instance replied with error: ";
constexpr int64_t kDefaultTimeoutMs = 1000;  // Redis's, for a timeout <= 0

struct MigrateOptions {
  std::string_view host;
  std::string_view port;
  int64_t db = 0;
  int64_t timeout_ms = 0;
  bool copy = false;
  bool replace = false;
  std::optional<std::string_view> username;  // AUTH2
  std::optional<std::string_view> password;  // AUTH or AUTH2
  size_t first_key = 3;                      // argument index of the first key
  size_t num_keys = 1;
};

// The options after the five fixed arguments, then timeout and database, in Redis's order;
// false after replying with the error.
bool ParseMigrate(CommandContext& ctx, MigrateOptions* o) {
  std::span<const std::string_view> a = ctx.args;
  o->host = a[1];
  o->port = a[2];
  for (size_t j = 6; j < a.size(); ++j) {
    size_t more = a.size() - 1 - j;
    if (EqualsIgnoreCase(a[j], "copy")) {
      o->copy = true;
    } else if (EqualsIgnoreCase(a[j], "replace")) {
      o->replace = true;
    } else if (EqualsIgnoreCase(a[j], "auth") && more >= 1) {
      o->password = a[++j];
    } else if (EqualsIgnoreCase(a[j], "auth2") && more >= 2) {
      o->username = a[++j];
      o->password = a[++j];
    } else if (EqualsIgnoreCase(a[j], "keys")) {
      if (!a[3].empty()) {
        ctx.reply.WriteError(kKeysNeedEmptyKey);
        return false;
      }
      o->first_key = j + 1;
      o->num_keys = a.size() - j - 1;
      break;
    } else {
      ctx.reply.WriteError(errors::kSyntax);
      return false;
    }
  }
  if (!resp::ParseInt64(a[5], &o->timeout_ms) || !resp::ParseInt64(a[4], &o->db)) {
    ctx.reply.WriteError(errors::kNotInteger);
    return false;
  }
  if (o->timeout_ms <= 0) o->timeout_ms = kDefaultTimeoutMs;
  return true;
}

// What step 1 took from the store.
struct Batch {
  std::vector<std::string_view> keys;  // the live keys, in argument order
  // One per key argument; the first keys.size() are registered on those keys until step 3.
  std::unique_ptr<store::WatchFlag[]> watches;
  std::string restores;  // RESTORE key ttl payload [REPLACE], for each key
};

// A key to send: a reference to its value (taken under the shard lock, encoded after it) and
// its remaining TTL (at least 1 ms when it has one, 0 for none), as Redis sends it.
struct Dumped {
  std::string_view key;
  store::Value value;
  int64_t ttl_ms = 0;
};

// RESTORE for d: its payload as DUMP makes it.
void AppendRestore(const Dumped& d, bool replace, std::string* out) {
  std::string payload;
  rdb::EncodeObject(d.value, &payload);
  rdb::AppendDumpFooter(&payload);
  std::string ttl = std::to_string(d.ttl_ms);
  std::string_view argv[] = {"RESTORE", d.key, ttl, payload, "REPLACE"};
  AppendRespCommand(out, std::span<const std::string_view>(argv, replace ? 5 : 4));
}

// Step 1: serializes the live keys and watches them. A read lookup, as Redis's: hits and
// misses count, a missing key reports "keymiss".
Batch DumpKeys(CommandContext& ctx, const MigrateOptions& o) {
  Batch b;
  b.watches = std::make_unique<store::WatchFlag[]>(o.num_keys);
  std::vector<KeyRef> refs;
  refs.reserve(o.num_keys);
  for (size_t i = 0; i < o.num_keys; ++i) refs.push_back({ctx.db(), ctx.args[o.first_key + i]});
  std::vector<Dumped> dumped;
  ctx.server.store.AccessMany(refs, [&](std::span<KeyHandle> handles) {
    for (KeyHandle& h : handles) {
      Entry* e = h.Find();
      if (e == nullptr) {
        NotifyKey(ctx, kNotifyKeyMiss, "keymiss", h.key());
        continue;
      }
      h.Watch(&b.watches[b.keys.size()]);
      int64_t ttl_ms = e->has_expire() ? std::max<int64_t>(e->expire_at_ms - h.now_ms(), 1) : 0;
      dumped.push_back({h.key(), e->value, ttl_ms});
      b.keys.push_back(h.key());
    }
  });
  // Encoding (and compressing) a large value holds no shard lock.
  for (const Dumped& d : dumped) AppendRestore(d, o.replace, &b.restores);
  ctx.stats.keyspace_hits.Add(b.keys.size());
  ctx.stats.keyspace_misses.Add(o.num_keys - b.keys.size());
  return b;
}

// AUTH and SELECT, as far as this exchange needs them.
std::string Preamble(const MigrateOptions& o, bool select) {
  std::string out;
  if (o.password && o.username) {
    std::string_view argv[] = {"AUTH", *o.username, *o.password};
    AppendRespCommand(&out, argv);
  } else if (o.password) {
    std::string_view argv[] = {"AUTH", *o.password};
    AppendRespCommand(&out, argv);
  }
  if (select) {
    std::string db = std::to_string(o.db);
    std::string_view argv[] = {"SELECT", db};
    AppendRespCommand(&out, argv);
  }
  return out;
}

// How step 2 ended.
struct Outcome {
  std::vector<bool> accepted;  // per batch key: the target answered its RESTORE with success
  std::string error;           // the reply instead of +OK; empty for +OK
};

// How one attempt on a connection went: the first failed operation (kOk: none), whether it was
// a write, and how many RESTORE replies came before it.
struct Attempt {
  LinkIo io = LinkIo::kOk;
  bool writing = true;
  size_t answered = 0;
};

// One reply line; an empty one (never a RESP reply) counts as a broken connection.
LinkIo ReadReply(MigrateLink& link, int64_t timeout_ms, std::string* line) {
  LinkIo io = link.ReadLine(line, timeout_ms);
  return io == LinkIo::kOk && line->empty() ? LinkIo::kFailed : io;
}

bool IsError(std::string_view line) { return !line.empty() && line[0] == '-'; }

// Sends the preamble and the RESTOREs and reads the replies. A key is accepted when its
// RESTORE succeeded and AUTH and SELECT did too; the first error becomes the reply, and makes
// the connection's database unknown (the SELECT may be what failed).
Attempt SendAndRead(MigrateLink& link, const MigrateOptions& o, const Batch& b, Outcome* out) {
  Attempt at;
  bool select = link.selected_db != o.db;
  at.io = link.Send(Preamble(o, select), o.timeout_ms);
  if (at.io == LinkIo::kOk) at.io = link.Send(b.restores, o.timeout_ms);
  if (at.io != LinkIo::kOk) return at;
  at.writing = false;
  std::string auth_reply, select_reply, line;
  if (o.password && (at.io = ReadReply(link, o.timeout_ms, &auth_reply)) != LinkIo::kOk) return at;
  if (select && (at.io = ReadReply(link, o.timeout_ms, &select_reply)) != LinkIo::kOk) return at;
  std::string_view preamble_error = IsError(auth_reply)     ? std::string_view(auth_reply)
                                    : IsError(select_reply) ? std::string_view(select_reply)
                                                            : std::string_view();
  for (size_t i = 0; i < b.keys.size(); ++i) {
    if ((at.io = ReadReply(link, o.timeout_ms, &line)) != LinkIo::kOk) return at;
    at.answered = i + 1;
    std::string_view error = !preamble_error.empty() ? preamble_error
                             : IsError(line)         ? std::string_view(line)
                                                     : std::string_view();
    if (error.empty()) {
      out->accepted[i] = true;
    } else if (out->error.empty()) {
      out->error = std::string(kTargetError).append(error.substr(1));
      link.selected_db = -1;
    }
  }
  if (out->error.empty()) link.selected_db = o.db;
  return at;
}

// Step 2. Retries once, on a new connection, when the connection failed before anything was
// answered and the failure was not a timeout.
Outcome Exchange(MigrateLinkPool* pool, const MigrateOptions& o, const Batch& b) {
  Outcome out;
  out.accepted.assign(b.keys.size(), false);
  for (bool may_retry = true;; may_retry = false) {
    MigrateLink* link = pool != nullptr ? pool->Acquire(o.host, o.port, o.timeout_ms) : nullptr;
    if (link == nullptr) {
      out.error = kConnectError;
      return out;
    }
    Attempt at = SendAndRead(*link, o, b, &out);
    pool->Release(link, at.io == LinkIo::kOk);
    if (at.io == LinkIo::kOk) return out;
    if (may_retry && at.io != LinkIo::kTimedOut && at.answered == 0) continue;
    if (out.error.empty()) out.error = at.writing ? kWriteError : kReadError;
    return out;
  }
}

// Step 3: ends the watches and deletes what moved (see the file comment).
void FinishKeys(CommandContext& ctx, const MigrateOptions& o, const Batch& b, const Outcome& out) {
  std::vector<KeyRef> refs;
  refs.reserve(b.keys.size());
  for (std::string_view key : b.keys) refs.push_back({ctx.db(), key});
  ctx.server.store.AccessMany(refs, [&](std::span<KeyHandle> handles) {
    std::vector<bool> changed(handles.size());
    for (size_t i = 0; i < handles.size(); ++i) {
      changed[i] = b.watches[i].dirty.load(std::memory_order_relaxed);
      handles[i].Unwatch(&b.watches[i]);
    }
    if (o.copy) return;
    for (size_t i = 0; i < handles.size(); ++i) {
      if (!out.accepted[i] || changed[i] || !handles[i].Delete()) continue;
      NotifyKey(ctx, kNotifyGeneric, "del", handles[i].key());
    }
  });
}

void CmdMigrate(CommandContext& ctx) {
  MigrateOptions o;
  if (!ParseMigrate(ctx, &o)) return;
  Batch b = DumpKeys(ctx, o);
  if (b.keys.empty()) {
    ctx.reply.WriteSimple("NOKEY");
    return;
  }
  Outcome out = Exchange(ctx.server.migrate_links.load(std::memory_order_acquire), o, b);
  FinishKeys(ctx, o, b, out);
  if (out.error.empty()) {
    ctx.reply.WriteOk();
  } else {
    ctx.reply.WriteError(out.error);
  }
}

// MIGRATE's keys as Redis's own key finder sees them: the key argument; with KEYS (options
// skipped with their values: AUTH password, AUTH2 username password) every argument after
// it, or none when the key argument is not empty (the command then reports the error).
std::vector<size_t> MigrateKeyPositions(std::span<const std::string_view> args) {
  if (args.size() <= 3) return {};
  for (size_t i = 6; i < args.size(); ++i) {
    if (EqualsIgnoreCase(args[i], "keys")) {
      if (!args[3].empty()) return {};
      std::vector<size_t> keys;
      for (size_t k = i + 1; k < args.size(); ++k) keys.push_back(k);
      return keys;
    }
    if (EqualsIgnoreCase(args[i], "auth")) {
      i += 1;
    } else if (EqualsIgnoreCase(args[i], "auth2")) {
      i += 2;
    }
  }
  return {3};
}

}  // namespace

void RegisterMigrateCommand(CommandTable& table) {
  table.Add({
      {.name = "migrate", .arity = -6, .flags = kWrite | kMovableKeys,
       .first_key = 3, .last_key = 3, .key_step = 1, .key_positions = MigrateKeyPositions,
       .handler = CmdMigrate, .group = "generic",
       .since = "2.6.0",
       .summary = "Atomically transfer a key from a Redis instance to another one.",
       .complexity = "This command actually executes a DUMP+DEL in the source instance, and a "
                     "RESTORE in the target instance. See the pages of these commands for time "
                     "complexity. Also an O(N) data transfer between the two instances is "
                     "performed.",
       .syntax = "host port <key | \"\"> destination-db timeout [COPY] [REPLACE] "
                 "[AUTH password | AUTH2 username password] [KEYS key [key ...]]"},
  });
}

}  // namespace cairn::server
