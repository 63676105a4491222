// src/commands/debug_command.cc — DEBUG, the subcommands that Redis's test suite, client
// libraries' own tests and operators use, where they mean something in cairn:
//
//   OBJECT, SLEEP, DIGEST, DIGEST-VALUE (debug_digest.h: the same digits as redis-server),
//   POPULATE, RELOAD, PROTOCOL, ERROR, LOG, SET-ACTIVE-EXPIRE, PAUSE-CRON,
//   SET-SKIP-CHECKSUM-VALIDATION, SET-DISABLE-DENY-SCRIPTS, QUICKLIST-PACKED-THRESHOLD,
//   STRINGMATCH-TEST, SEGFAULT, PANIC, ASSERT, HELP.
//
// Where cairn differs: POPULATE's keys are logged writes like any other (durable, and sent to
// replicas; Redis neither logs nor propagates them). RELOAD saves `dbfilename` and loads it
// back with every shard held, as one logged change (Redis blocks its one thread for it).
// QUICKLIST-PACKED-THRESHOLD is checked and accepted but changes nothing: cairn's lists have
// no "plain" nodes for large elements. The rest of Redis's subcommands (LOADAOF, RESTART,
// the cluster and AOF ones, the allocator and reply-buffer internals) answer with the
// unknown-subcommand error. DEBUG itself obeys enable-debug-command (dispatch.cc).
#include <signal.h>
#include <time.h>

#include <algorithm>
#include <cstdlib>
#include <random>
#include <string>

#include "resp/number.h"
#include "src/base/config.h"
#include "src/base/glob.h"
#include "src/base/log.h"
#include "src/commands/debug_digest.h"
#include "src/commands/help_reply.h"
#include "src/commands/script_family.h"
#include "src/commands/server_family.h"
#include "src/exec/command_table.h"
#include "src/exec/errors.h"
#include "src/exec/rdb_files.h"
#include "src/exec/reply.h"
#include "src/exec/server_state.h"
#include "src/scripting/script_engine.h"
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
  Sha1Digest digest{};
  if (!WithEveryShard(ctx.server.store, [&] { digest = DatasetDigest(ctx.server.store); })) {
    ctx.reply.WriteError(errors::kDebugShardsBusy);
    return;
  }
  ctx.reply.WriteSimple(HexOf(digest));
}

// Keys that are missing digest to 40 zeros. Like Redis, a key past its TTL that is still
// stored is read, not expired.
void DebugDigestValue(CommandContext& ctx) {
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
  // Like Redis, a count or size that is not a number is "out of range" too.
  int64_t count = 0, size = 0;
  if (!resp::ParseInt64(ctx.args[2], &count) || count < 0 ||
      (ctx.args.size() == 5 && (!resp::ParseInt64(ctx.args[4], &size) || size < 0))) {
    return ctx.reply.WriteError(errors::kMustBePositive);
  }
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

// RELOAD [MERGE] [NOFLUSH] [NOSAVE]: with every shard held, write dbfilename (unless NOSAVE),
// empty the data and function libraries (unless NOFLUSH), and load the file back (MERGE: its
// keys and libraries replace those present; without it one present fails the load). The
// emptying and the keys loaded are one logged change; libraries are logged one by one.
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
  ServerState& server = ctx.server;
  // The server runs in its dir (main.cc), where SAVE writes dbfilename too.
  std::string path = server.config.Read([](const Config& c) { return c.dbfilename; });
  std::string error;
  bool held = WithEveryShard(server.store, [&] {
    if (save) {
      Result<rdb::RdbSaveInfo> saved = WriteRdbFile(server, path, /*shards_held=*/true);
      if (!saved.ok()) {
        error = "ERR " + std::string(saved.status().message());
        return;
      }
    }
    if (flush) {
      server.store.FlushAll();
      DeleteAllLibraries(server);
    }
    Result<rdb::RdbLoadInfo> loaded = ImportRdbFile(server, path, merge);
    server.functions.Clear();
    scripting::RestoreFunctionLibraries(server);
    if (!loaded.ok()) {
      std::string_view why = loaded.status().message();
      Log(LogLevel::kWarning, "DEBUG RELOAD failed: %.*s", static_cast<int>(why.size()), why.data());
      error = std::string(errors::kDebugReloadFailed);
    }
  });
  if (!held) return ctx.reply.WriteError(errors::kDebugShardsBusy);
  if (!error.empty()) return ctx.reply.WriteError(error);
  Log(LogLevel::kWarning, "DB reloaded by DEBUG RELOAD");
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
  std::mt19937 rng(static_cast<uint32_t>(time(nullptr)));
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
  ctx.reply.WriteError("ERR unknown subcommand or wrong number of arguments for '" +
                       std::string(ctx.args[1]) + "'. Try DEBUG HELP.");
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
