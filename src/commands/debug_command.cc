// src/commands/debug_command.cc — DEBUG, the subcommands that Redis's test suite, client
// libraries' own tests and operators use, where they mean something in cairn:
//
//   OBJECT, SLEEP, DIGEST, DIGEST-VALUE (debug_digest.h: the same digits as redis-server),
//   POPULATE, RELOAD, LOADAOF, PROTOCOL, ERROR, LOG, SET-ACTIVE-EXPIRE, PAUSE-CRON,
//   SET-SKIP-CHECKSUM-VALIDATION, SET-DISABLE-DENY-SCRIPTS, QUICKLIST-PACKED-THRESHOLD,
//   STRINGMATCH-TEST, SEGFAULT, PANIC, ASSERT, HELP.
//
// Where cairn differs: POPULATE's keys are logged writes like any other (durable, and sent to
// replicas; Redis neither logs nor propagates them), and its value size stops at
// proto-max-bulk-len. RELOAD saves `dbfilename` and loads it
// back with every shard held, as one logged change (Redis blocks its one thread for it).
// LOADAOF rebuilds the data from the snapshot and the WAL (it needs the WAL on), and replaces
// it as RELOAD does. QUICKLIST-PACKED-THRESHOLD is checked and accepted but changes nothing:
// cairn's lists have no "plain" nodes for large elements. The rest of Redis's subcommands
// (RESTART, the cluster and AOF ones, the allocator and reply-buffer internals) answer with
// the unknown-subcommand error. DEBUG itself obeys enable-debug-command (dispatch.cc).
#include <fcntl.h>
#include <signal.h>
#include <time.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "resp/number.h"
#include "src/base/config.h"
#include "src/base/config_file.h"
#include "src/base/glob.h"
#include "src/base/log.h"
#include "src/commands/debug_digest.h"
#include "src/commands/help_reply.h"
#include "src/commands/script_family.h"
#include "src/commands/server_family.h"
#include "src/exec/command_table.h"
#include "src/exec/durability.h"
#include "src/exec/errors.h"
#include "src/exec/functions.h"
#include "src/exec/persistence.h"
#include "src/exec/rdb_files.h"
#include "src/exec/reply.h"
#include "src/exec/server_state.h"
#include "src/scripting/script_engine.h"
#include "store/rdb/rdb_file_reader.h"
#include "store/types/string/string_ops.h"

namespace cairn::server {
namespace {

// DEBUG SLEEP longer than this is clamped: the conversion to microseconds must not overflow.
constexpr double kMaxDebugSleepSeconds = 1e9;
// POPULATE builds each key as Redis does, in a 128-byte buffer: a longer prefix is cut.
constexpr size_t kPopulateKeyMax = 127;

using store::KeyHandle;

bool Is(std::string_view a, std::string_view b) { return EqualsIgnoreCase(a, b); }

// Runs fn with every shard held, so it sees (or makes) one point in time: inside MULTI/EXEC
// or a script the running transaction grows to every shard; otherwise Store::Atomically.
// False, without running fn, when a transaction could not grow.
template <class Fn>
bool WithEveryShard(store::Store& st, Fn&& fn) {
  if (store::Store::InTransaction()) {
    if (!st.JoinTransaction({}, /*all_shards=*/true)) return false;
    fn();
    return true;
  }
  st.Atomically({}, /*all_shards=*/true, fn);
  return true;
}

// POPULATE and RELOAD write, yet DEBUG is no write command to the dispatcher: like every
// write, they are refused while the log cannot take them.
bool RefusedAfterWalFailure(CommandContext& ctx) {
  if (!ctx.server.WalFailed()) return false;
  std::lock_guard lock(ctx.server.wal_error_mu);
  ctx.reply.WriteError(std::string(errors::kMisconfWal) + ctx.server.wal_error);
  return true;
}

// Sleeps the calling thread. Like Redis, the argument is read leniently (strtod): text that
// is not a number sleeps 0 seconds, and a negative time does not sleep.
void DebugSleep(CommandContext& ctx) {
  std::string text(ctx.args[2]);
  double seconds = std::strtod(text.c_str(), nullptr);
  if (seconds > 0) {  // also false for NaN
    seconds = std::min(seconds, kMaxDebugSleepSeconds);
    auto us = static_cast<int64_t>(seconds * 1e6);
    timespec ts{static_cast<time_t>(us / 1000000), static_cast<long>(us % 1000000) * 1000};
    while (nanosleep(&ts, &ts) != 0) {
    }
  }
  ctx.reply.WriteOk();
}

void DebugDigest(CommandContext& ctx) {
  store::Store::ReplayScope stored_as_is;  // keys past their TTL are read, not expired
  Sha1Digest digest{};
  if (!WithEveryShard(ctx.server.store, [&] { digest = DatasetDigest(ctx.server.store); })) {
    ctx.reply.WriteError(errors::kDebugShardsBusy);
    return;
  }
  ctx.reply.WriteSimple(HexOf(digest));
}

// Keys that are missing digest to 40 zeros. Like Redis (and DIGEST), a key past its TTL that
// is still stored is read, not expired.
void DebugDigestValue(CommandContext& ctx) {
  store::Store::ReplayScope stored_as_is;
  ctx.reply.WriteArrayLen(static_cast<int64_t>(ctx.args.size() - 2));
  for (size_t i = 2; i < ctx.args.size(); ++i) {
    Sha1Digest digest{};
    ctx.server.store.Access(ctx.db(), ctx.args[i], [&](KeyHandle& h) {
      const store::Entry* e = h.Peek();
      if (e != nullptr) digest = ValueDigest(e->value, e->has_expire());
    });
    ctx.reply.WriteSimple(HexOf(digest));
  }
}

// POPULATE count [prefix] [size]: keys "<prefix>:<n>" for n < count, each "value:<n>" (or
// size bytes starting with it, zero-filled), skipping keys that exist.
void DebugPopulate(CommandContext& ctx) {
  // Like Redis, a count or size that is not a number is "out of range" too. A value may be
  // as large as a client could send (proto-max-bulk-len), no larger.
  int64_t count = 0, size = 0;
  if (!resp::ParseInt64(ctx.args[2], &count) || count < 0 ||
      (ctx.args.size() == 5 && (!resp::ParseInt64(ctx.args[4], &size) || size < 0))) {
    return ctx.reply.WriteError(errors::kMustBePositive);
  }
  if (size > ctx.server.limits.proto_max_bulk_len.load(std::memory_order_relaxed)) {
    return ctx.reply.WriteError(errors::kStringTooLong);
  }
  if (RefusedAfterWalFailure(ctx)) return;
  std::string prefix = ctx.args.size() >= 4 ? std::string(ctx.args[3]) : "key";
  std::string key, value;
  for (int64_t n = 0; n < count; ++n) {
    std::string number = std::to_string(n);
    key = prefix + ":" + number;
    key.resize(std::min(key.size(), kPopulateKeyMax));
    value = "value:" + number;
    if (size > 0) value.resize(static_cast<size_t>(size), '\0');
    ctx.server.store.Access(ctx.db(), key, [&](KeyHandle& h) {
      if (h.Find() == nullptr) h.Put(store::StringValue(store::BufRef::Copy(value)), 0);
    });
  }
  ctx.reply.WriteOk();
}

// An RDB file's whole contents, decoded before anything changes (RELOAD), so that a damaged
// file or a conflict refuses the load instead of leaving it half done.
class ImageReader final : public rdb::RdbVisitor {
 public:
  Status OnFunction(std::string_view code) override {
    libraries.emplace_back(code);
    return Status::Ok();
  }
  Status OnKey(rdb::RdbKey&& key) override {
    keys.push_back(std::move(key));
    return Status::Ok();
  }

  std::vector<rdb::RdbKey> keys;
  std::vector<std::string> libraries;
};

// The dataset as an RDB image (every shard held), also written to path (replacing it as a
// whole, under a temporary name of its own).
Status SaveImage(ServerState& server, const std::string& path, std::string* image) {
  rdb::RdbSaveOptions options;
  options.aux = RdbAuxFields();
  options.function_meta_prefix = std::string(kFunctionMetaPrefix);
  Result<rdb::RdbSaveInfo> saved = rdb::SaveRdbHeld(server.store, options, [&](std::string_view b) {
    image->append(b);
    return Status::Ok();
  });
  if (!saved.ok()) return saved.status();
  return ReplaceFileAtomically(path, *image);
}

// Decodes source into *contents, refusing a key of a database the server does not have.
Status Decode(rdb::RdbSource& source, int databases, ImageReader* contents) {
  Result<rdb::RdbReadInfo> read = rdb::ReadRdbFile(source, *contents);
  if (!read.ok()) return read.TakeStatus();
  for (const rdb::RdbKey& key : contents->keys) {
    if (key.db < 0 || key.db >= databases) {
      return Status::Corruption("the file has database " + std::to_string(key.db) +
                                ", beyond the " + std::to_string(databases) +
                                " configured (databases)");
    }
  }
  return Status::Ok();
}

// Decodes the image (or, when it is empty, the file at path) into *contents.
Status ReadImage(const std::string& path, const std::string& image, int databases,
                 ImageReader* contents) {
  if (!image.empty()) {
    rdb::StringSource source(image);
    return Decode(source, databases, contents);
  }
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IoError(errno, "opening " + path);
  rdb::FdSource source(fd);
  return Decode(source, databases, contents);
}

// The library names of contents; an error for one that does not parse, or (unless replace)
// one already loaded.
Status LibraryNames(ServerState& server, const ImageReader& contents, bool replace,
                    std::vector<std::string>* names) {
  store::MetaMap meta = server.store.Meta();
  for (const std::string& code : contents.libraries) {
    Result<LibraryHeader> header = ParseLibraryHeader(code);
    if (!header.ok()) return header.status();
    names->push_back(std::string(kFunctionMetaPrefix) + header->name);
    if (!replace && meta.count(names->back()) != 0) {
      return Status::Corruption("the library " + header->name + " exists (MERGE replaces it)");
    }
  }
  return Status::Ok();
}

// A key of contents the store already holds, as an error (NOFLUSH without MERGE).
Status FindConflict(store::Store& store, const ImageReader& contents) {
  int64_t now_ms = store.NowMs();
  for (const rdb::RdbKey& key : contents.keys) {
    if (key.expire_at_ms != 0 && key.expire_at_ms <= now_ms) continue;  // not loaded
    if (store.Access(key.db, key.key, [](KeyHandle& h) { return h.Peek() != nullptr; })) {
      return Status::Corruption("the key \"" + key.key.substr(0, 128) + "\" of database " +
                                std::to_string(key.db) + " exists (MERGE replaces it)");
    }
  }
  return Status::Ok();
}

// Puts contents into the store (and its libraries into the registry); keys past their TTL
// are skipped, as a primary skips them when it loads. Every database was checked (Decode).
void Install(ServerState& server, ImageReader& contents, const std::vector<std::string>& names) {
  int64_t now_ms = server.store.NowMs();
  {
    // Loading, as at startup: no keyspace event per key (Redis sends none either).
    store::Store::ReplayScope loading;
    for (rdb::RdbKey& key : contents.keys) {
      if (key.expire_at_ms != 0 && key.expire_at_ms <= now_ms) continue;
      server.store.Access(key.db, key.key,
                          [&](KeyHandle& h) { h.Put(std::move(key.value), key.expire_at_ms); });
    }
  }
  for (size_t i = 0; i < names.size(); ++i) server.store.SetMeta(names[i], contents.libraries[i]);
  server.functions.Clear();
  scripting::RestoreFunctionLibraries(server);
}

// Loads contents (every shard held): with flush in place of the data and libraries, else
// beside them, refused when one is present unless merge. One logged change, each library
// logged by itself just before it.
Status Replace(ServerState& server, ImageReader& contents, bool flush, bool merge) {
  std::vector<std::string> names;
  if (Status st = LibraryNames(server, contents, flush || merge, &names); !st.ok()) return st;
  if (!flush && !merge) {
    if (Status st = FindConflict(server.store, contents); !st.ok()) return st;
  }
  if (flush) {
    server.store.FlushAll();
    DeleteAllLibraries(server);
  }
  Install(server, contents, names);
  return Status::Ok();
}

// RELOAD's work with every shard held. Nothing changes until the file is decoded whole and
// found loadable.
Status Reload(ServerState& server, const std::string& path, bool save, bool flush, bool merge) {
  std::string image;
  if (save) {
    if (Status st = SaveImage(server, path, &image); !st.ok()) {
      return Status(st.code(), "saving " + path + ": " + std::string(st.message()));
    }
  }
  ImageReader contents;
  if (Status st = ReadImage(path, image, server.store.databases(), &contents); !st.ok()) {
    return st;
  }
  image = std::string();
  return Replace(server, contents, flush, merge);
}

// RELOAD [MERGE] [NOFLUSH] [NOSAVE]: with every shard held, write dbfilename (unless NOSAVE),
// empty the data and function libraries (unless NOFLUSH), and load the file back (MERGE: its
// keys and libraries replace those present; without it one present refuses the file). A
// damaged file or a conflict is refused before anything changes. The emptying and the keys
// loaded are one logged change; each library is logged by itself, just before it.
void DebugReload(CommandContext& ctx) {
  bool merge = false, flush = true, save = true;
  for (size_t i = 2; i < ctx.args.size(); ++i) {
    if (Is(ctx.args[i], "merge")) {
      merge = true;
    } else if (Is(ctx.args[i], "noflush")) {
      flush = false;
    } else if (Is(ctx.args[i], "nosave")) {
      save = false;
    } else {
      return ctx.reply.WriteError(errors::kDebugReloadOptions);
    }
  }
  if (RefusedAfterWalFailure(ctx)) return;
  ServerState& server = ctx.server;
  // The server runs in its dir (main.cc), where SAVE writes dbfilename too.
  std::string path = server.config.Read([](const Config& c) { return c.dbfilename; });
  Status result;
  if (!WithEveryShard(server.store, [&] { result = Reload(server, path, save, flush, merge); })) {
    return ctx.reply.WriteError(errors::kDebugShardsBusy);
  }
  if (!result.ok()) {
    std::string_view why = result.message();
    Log(LogLevel::kWarning, "DEBUG RELOAD failed: %.*s", static_cast<int>(why.size()),
        why.data());
    // Redis's text, then why (its tests match the text as a prefix).
    std::string_view what = why.starts_with("saving ") ? "ERR" : errors::kDebugReloadFailed;
    return ctx.reply.WriteError(std::string(what) + ": " + std::string(why));
  }
  Log(LogLevel::kWarning, "DB reloaded by DEBUG RELOAD");
  ctx.reply.WriteOk();
}

// What the snapshot and the log hold through `through`, rebuilt in a private store, as an
// RDB image. Runs on a thread of its own: the caller's holds the live store's shards as a
// transaction, and the store's per-thread transaction state must not meet the private one.
Status RebuildFromLog(const ServerState& server, uint64_t through, std::string* image) {
  Status result;
  std::thread apart([&] {
    Config config = server.config.Snapshot();
    config.maxmemory = 0;  // the rebuilt keys must not be evicted because the live ones use memory
    auto rebuilt = std::make_unique<ServerState>(config);  // large: not on the thread's stack
    // main() has made `dir` the working directory, where the log and the snapshot are.
    if (result = LoadLogThrough(*rebuilt, ".", through); !result.ok()) return;
    rdb::RdbSaveOptions options;
    options.function_meta_prefix = std::string(kFunctionMetaPrefix);
    Result<rdb::RdbSaveInfo> saved = rdb::SaveRdb(rebuilt->store, options, [&](std::string_view b) {
      image->append(b);
      return Status::Ok();
    });
    if (!saved.ok()) result = saved.status();
  });
  apart.join();
  return result;
}

// LOADAOF's work with every shard held, the log written through `through`: what the snapshot
// and the log hold is rebuilt apart, then replaces the data. Nothing changes on an error.
Status LoadLog(ServerState& server, uint64_t through) {
  std::string image;
  if (Status st = RebuildFromLog(server, through, &image); !st.ok()) return st;
  ImageReader contents;
  if (Status st = ReadImage("", image, server.store.databases(), &contents); !st.ok()) return st;
  image = std::string();
  return Replace(server, contents, /*flush=*/true, /*merge=*/false);
}

// With every shard held: the log synced through its last record (SyncThrough hands a batch
// that a thread blocked on these locks would have committed to the commit thread), then
// LoadLog.
Status LoadLogSynced(ServerState& server, store::GroupCommit& wal) {
  Status result;
  server.store.Atomically({}, /*all_shards=*/true, [&] {
    uint64_t through = wal.last_lsn();
    result = wal.SyncThrough(through);
    if (result.ok()) result = LoadLog(server, through);
  });
  return result;
}

// LOADAOF: empties the data and loads it back from the snapshot and the WAL, as a restart
// would; a check that the log holds what clients see. Unlike Redis, which loads whatever AOF
// files are on disk, it needs the WAL on, and a damaged or short log is refused with nothing
// changed (Redis exits). The load is one logged change like RELOAD's; a snapshot waits for it.
void DebugLoadAof(CommandContext& ctx) {
  ServerState& server = ctx.server;
  store::GroupCommit* wal = server.wal.load(std::memory_order_acquire);
  Persistence* persistence = server.persistence.load(std::memory_order_acquire);
  if (wal == nullptr || persistence == nullptr) return ctx.reply.WriteError(errors::kDebugNoWal);
  // Inside MULTI/EXEC this client holds shards, and its writes are not in the log yet.
  if (store::Store::InTransaction()) return ctx.reply.WriteError(errors::kDebugLoadAofInExec);
  if (RefusedAfterWalFailure(ctx)) return;
  Status result = persistence->WhileNoSnapshot([&] {
    // A switch, or a new log's base snapshot that failed, may have stopped it meanwhile.
    if (server.wal.load() != wal) return Status(Code::kInvalid, "the WAL was turned off");
    return LoadLogSynced(server, *wal);
  });
  if (!result.ok()) {
    std::string_view why = result.message();
    Log(LogLevel::kWarning, "DEBUG LOADAOF failed: %.*s", static_cast<int>(why.size()),
        why.data());
    return ctx.reply.WriteError(std::string(errors::kDebugLoadAofFailed) + ": " +
                                std::string(why));
  }
  Log(LogLevel::kWarning, "Append Only File loaded by DEBUG LOADAOF");
  ctx.reply.WriteOk();
}

// PROTOCOL <type>: one sample reply of each RESP type, as Redis gives them.
void DebugProtocol(CommandContext& ctx) {
  resp::Writer& w = ctx.reply;
  std::string_view name = ctx.args[2];
  if (Is(name, "string")) {
    w.WriteBulk("Hello World");
  } else if (Is(name, "integer")) {
    w.WriteInteger(12345);
  } else if (Is(name, "double")) {
    w.WriteDouble(3.141);
  } else if (Is(name, "bignum")) {
    w.WriteBigNumber("1234567999999999999999999999999999999");
  } else if (Is(name, "null")) {
    w.WriteNull();
  } else if (Is(name, "array") || Is(name, "set")) {
    Is(name, "set") ? w.WriteSetLen(3) : w.WriteArrayLen(3);
    for (int i = 0; i < 3; ++i) w.WriteInteger(i);
  } else if (Is(name, "map")) {
    w.WriteMapLen(3);
    for (int i = 0; i < 3; ++i) {
      w.WriteInteger(i);
      w.WriteBool(i == 1);
    }
  } else if (Is(name, "attrib")) {
    if (w.protocol() >= 3) {
      w.WriteAttributeLen(1);
      w.WriteBulk("key-popularity");
      w.WriteArrayLen(2);
      w.WriteBulk("key:123");
      w.WriteInteger(90);
    }
    w.WriteBulk("Some real reply following the attribute");
  } else if (Is(name, "push")) {
    if (w.protocol() < 3) return w.WriteError(errors::kDebugPushResp2);
    w.WritePushLen(2);
    w.WriteBulk("server-cpu-usage");
    w.WriteInteger(42);
    w.WriteBulk("Some real reply following the push reply");
  } else if (Is(name, "true") || Is(name, "false")) {
    w.WriteBool(Is(name, "true"));
  } else if (Is(name, "verbatim")) {
    w.WriteVerbatim("This is a verbatim\nstring", "txt");
  } else {
    w.WriteError(errors::kDebugProtocolType);
  }
}

// QUICKLIST-PACKED-THRESHOLD <size>: Redis's bounds (0 restores its default), nothing else.
void DebugPackedThreshold(CommandContext& ctx) {
  int64_t bytes = 0;
  if (!ParseMemory(ctx.args[2], &bytes) || bytes < 0 ||
      bytes > (int64_t{1} << 32) - (int64_t{1} << 20)) {
    return ctx.reply.WriteError(errors::kDebugPackedThreshold);
  }
  ctx.reply.WriteOk();
}

// STRINGMATCH-TEST: random patterns against random strings through the glob matcher, as
// Redis's fuzz test does; a bug crashes or hangs the server instead of replying.
void DebugStringmatchTest(CommandContext& ctx) {
  auto seed = static_cast<uint32_t>(time(nullptr));
  Log(LogLevel::kNotice, "DEBUG STRINGMATCH-TEST: seed %u", seed);  // to replay a failure
  std::mt19937 rng(seed);
  auto random_text = [&](size_t max) {
    std::string s(rng() % max, '\0');
    for (char& c : s) c = static_cast<char>(rng() % 256);
    return s;
  };
  for (int i = 0; i < 1000000; ++i) {
    std::string pattern = random_text(32), text = random_text(32);
    (void)GlobMatch(pattern, text, (i & 1) != 0);
  }
  ctx.reply.WriteSimple("Apparently Redis did not crash: test passed");
}

// SEGFAULT, PANIC and ASSERT end the process as a crash would: no shutdown, no final sync.
// Every acknowledged write is already durable, which is what a crash test wants to see.
void DebugCrash(CommandContext& ctx) {
  std::string_view how = ctx.args[1];
  Log(LogLevel::kWarning, "DEBUG %.*s: crashing on request", static_cast<int>(how.size()),
      how.data());
  if (Is(how, "segfault")) ::raise(SIGSEGV);
  std::abort();
}

void DebugHelp(CommandContext& ctx) {
  ReplyHelp(ctx.reply, "DEBUG",
            {"ASSERT",
             "    Crash by assertion failed.",
             "DIGEST",
             "    Output a hex signature representing the current DB content.",
             "DIGEST-VALUE <key> [<key> ...]",
             "    Output a hex signature of the values of all the specified keys.",
             "ERROR <string>",
             "    Return a Redis protocol error with <string> as message.",
             "LOADAOF",
             "    Flush the AOF buffers on disk and reload the AOF in memory.",
             "LOG <message>",
             "    Write <message> to the server log.",
             "OBJECT <key>",
             "    Show low level info about `key` and associated value.",
             "PANIC",
             "    Crash the server simulating a panic.",
             "PAUSE-CRON <0|1>",
             "    Stop periodic cron job processing.",
             "POPULATE <count> [<prefix>] [<size>]",
             "    Create <count> string keys named key:<num>. If <prefix> is specified then",
             "    it is used instead of the 'key' prefix.",
             "PROTOCOL <type>",
             "    Reply with a test value of the specified type. <type> can be: string,",
             "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
             "    true, false.",
             "QUICKLIST-PACKED-THRESHOLD <size>",
             "    Accepted for compatibility; cairn's lists have no plain nodes.",
             "RELOAD [option ...]",
             "    Save the RDB on disk and reload it back to memory. Valid <option> values:",
             "    * MERGE: conflicting keys will be loaded from RDB.",
             "    * NOFLUSH: the existing database will not be removed before load.",
             "    * NOSAVE: the database will be loaded from an existing RDB file.",
             "SEGFAULT",
             "    Crash the server with sigsegv.",
             "SET-ACTIVE-EXPIRE <0|1>",
             "    Setting it to 0 disables expiring keys in background when they are not",
             "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
             "    default.",
             "SET-DISABLE-DENY-SCRIPTS <0|1>",
             "    Let scripts call commands that are otherwise denied to them.",
             "SET-SKIP-CHECKSUM-VALIDATION <0|1>",
             "    Enables or disables checksum checks for RESTORE's payload.",
             "SLEEP <seconds>",
             "    Stop the server for <seconds>. Decimals allowed.",
             "STRINGMATCH-TEST",
             "    Run a fuzz tester against the pattern matcher."});
}

// SET-ACTIVE-EXPIRE and the other switches. Redis reads them with atoi: any text, 0 unless
// it starts with a number.
template <std::atomic<bool> DebugSwitches::*kSwitch>
void SetSwitch(CommandContext& ctx) {
  (ctx.server.debug.*kSwitch).store(std::atoi(std::string(ctx.args[2]).c_str()) != 0);
  ctx.reply.WriteOk();
}

void DebugError(CommandContext& ctx) { ctx.reply.WriteError(ctx.args[2]); }

void DebugLog(CommandContext& ctx) {
  Log(LogLevel::kWarning, "DEBUG LOG: %.*s", static_cast<int>(ctx.args[2].size()),
      ctx.args[2].data());
  ctx.reply.WriteOk();
}

struct Subcommand {
  std::string_view name;
  size_t min_args, max_args;  // the whole command's, DEBUG and the subcommand included
  void (*run)(CommandContext& ctx);
};

constexpr size_t kAnyArgs = SIZE_MAX;

constexpr Subcommand kSubcommands[] = {
    {"help", 2, 2, DebugHelp},
    {"object", 3, 3, CmdDebugObject},
    {"sleep", 3, 3, DebugSleep},
    {"digest", 2, 2, DebugDigest},
    {"digest-value", 2, kAnyArgs, DebugDigestValue},
    {"populate", 3, 5, DebugPopulate},
    {"reload", 2, kAnyArgs, DebugReload},
    {"loadaof", 2, 2, DebugLoadAof},
    {"protocol", 3, 3, DebugProtocol},
    {"error", 3, 3, DebugError},
    {"log", 3, 3, DebugLog},
    {"set-active-expire", 3, 3, SetSwitch<&DebugSwitches::active_expire>},
    {"pause-cron", 3, 3, SetSwitch<&DebugSwitches::pause_cron>},
    {"set-skip-checksum-validation", 3, 3, SetSwitch<&DebugSwitches::skip_checksum_validation>},
    {"set-disable-deny-scripts", 3, 3, SetSwitch<&DebugSwitches::disable_deny_scripts>},
    {"quicklist-packed-threshold", 3, 3, DebugPackedThreshold},
    {"stringmatch-test", 2, 2, DebugStringmatchTest},
    {"segfault", 2, 2, DebugCrash},
    {"panic", 2, 2, DebugCrash},
    {"assert", 2, 2, DebugCrash},
};

void CmdDebug(CommandContext& ctx) {
  size_t argc = ctx.args.size();
  for (const Subcommand& sub : kSubcommands) {
    if (Is(ctx.args[1], sub.name) && argc >= sub.min_args && argc <= sub.max_args) {
      return sub.run(ctx);
    }
  }
  ReplySubcommandSyntaxError(ctx);
}

}  // namespace

void RegisterDebugCommand(CommandTable& table) {
  constexpr uint32_t kAdminFlags = kAdmin | kNoScript | kLoading | kStale;
  table.Add({
      {.name = "debug", .arity = -2, .flags = kAdminFlags | kProtected, .handler = CmdDebug,
       .group = "server", .since = "1.0.0", .summary = "A container for debugging commands",
       .complexity = "Depends on subcommand."},
  });
}

}  // namespace cairn::server
