// src/exec/command.h — what a command handler sees and what the command table records about it.
//
// A handler gets a CommandContext: the arguments (args[0] is the command name as sent), a
// reply writer, the server state (store, config, clients, stats) and the calling client's
// state. It never sees libuv or sockets, so every command runs in-process in tests.
// Handlers validate arguments, run a store operation, and map its result to a reply; error
// texts come from errors.h.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "resp/writer.h"
#include "src/exec/acl_key_specs.h"
#include "src/exec/client.h"
#include "src/exec/stats.h"

namespace cairn::server {

struct ServerState;
struct CommandContext;
struct BlockRequest;

using Handler = void (*)(CommandContext& ctx);

// Flags, with Redis's names in COMMAND INFO.
enum CommandFlag : uint32_t {
  kWrite = 1u << 0,
  kReadOnly = 1u << 1,
  kAdmin = 1u << 2,
  kFast = 1u << 3,
  kNoAuth = 1u << 4,
  kLoading = 1u << 5,
  kStale = 1u << 6,
  kDenyOom = 1u << 7,
  kNoScript = 1u << 8,
  kNoMulti = 1u << 9,
  kAllowBusy = 1u << 10,
  // Keys are found by parsing the arguments (a numkeys count, a STREAMS keyword), not only
  // at first_key..last_key: MULTI/EXEC then holds every shard, and key positions name only
  // the fixed ones (a destination key), which still wake blocked clients.
  kMovableKeys = 1u << 11,
  kBlocking = 1u << 12,  // may block the client (blocking.h)
  kPubSub = 1u << 13,    // Pub/Sub (COMMAND INFO "pubsub", category @pubsub)
  // May run while a RESP2 client is subscribed ((P|S)(UN)SUBSCRIBE, PING, QUIT, RESET); not
  // one of Redis's flags, so COMMAND INFO does not show it.
  kSubscribedContext = 1u << 14,
  // Not a write, yet may change a value (PFCOUNT caches its count): refused in read-only
  // scripts, as Redis's "may-replicate" commands; COMMAND INFO does not show it (nor does 7.0).
  kMayReplicate = 1u << 15,
  // Shown to MONITOR before it runs, not after (EVAL, FCALL): the commands a script runs
  // appear after the script's own line, as in Redis.
  kSkipMonitor = 1u << 16,
  // Runs on a cluster node for a slot it is importing, after ASKING (RESTORE-ASKING). cairn has
  // no cluster mode; the flag is shown in COMMAND INFO as Redis shows it.
  kAsking = 1u << 17,
  // Refused while Redis loads a dataset asynchronously (repl-diskless-load swapdb). cairn
  // never loads that way; the flag is shown in COMMAND INFO as Redis shows it.
  kNoAsyncLoading = 1u << 18,
  // May be called without keys although it takes them (EVAL with numkeys 0): COMMAND INFO.
  kNoMandatoryKeys = 1u << 19,
  // Not entered in SLOWLOG itself (EXEC: the commands it ran are).
  kSkipSlowlog = 1u << 20,
  // Runs only where its enable-*-command option allows (DEBUG; MODULE LOAD, LOADEX, UNLOAD),
  // as Redis's "protected" commands; COMMAND INFO does not show it (nor does Redis).
  kProtected = 1u << 21,
};

// One command's entry in the table, written as designated initialisers (a family's entries
// sit together in its Register* function). Fields left out take the defaults below: no flags,
// no keys, no handler, no arguments.
struct CommandSpec {
  std::string_view name;  // lower case; "config|get" style for subcommands
  int arity = 0;          // >0 exact argument count, <0 at least -arity
  uint32_t flags = 0;
  // Key positions (COMMAND GETKEYS): arguments first_key..last_key stepping key_step, a
  // negative last_key counting from the end (-1 is the last argument); 0 = no keys.
  int first_key = 0;
  int last_key = 0;
  int key_step = 0;
  // kMovableKeys commands whose keys follow a count (EVAL script numkeys key...): the index
  // of the count; the keys are the arguments right after it. COMMAND GETKEYS reads them.
  int numkeys_index = 0;
  // For a kMovableKeys command whose key positions depend on its arguments (SORT ... STORE
  // dest): the positions of its keys in args (args[0] the command name). When set,
  // ForEachKey visits these instead of first_key..last_key.
  using KeyPositionsFn = std::vector<size_t> (*)(std::span<const std::string_view> args);
  KeyPositionsFn key_positions = nullptr;
  // The argument naming what the command looks up inside its first key's collection (a field
  // or member), for the pipeline prefetch (pipeline_prefetch.h): its position in args,
  // negative counting from the end (-1: the last); 0 = none.
  int element_index = 0;
  Handler handler = nullptr;  // nullptr for a container (the subcommand runs)
  std::string_view group;     // COMMAND DOCS: "string", "generic", "connection", "server"
  std::string_view since;
  std::string_view summary;
  std::string_view complexity;
  std::string_view syntax = "";  // argument grammar, e.g. "key value [NX|XX]"; COMMAND DOCS
  std::vector<CommandSpec> subcommands;
  size_t id = 0;  // stats slot, assigned by the table; also the command's bit in ACL rules
  // Filled in by the table: the ACL categories (AclCategory bits, acl_categories.h) and
  // Redis's key specs, for ACL key checks and COMMAND INFO (acl_key_specs.h).
  uint32_t acl_categories = 0;
  std::span<const AclKeySpec> acl_key_specs;

  // Whether argc arguments (the name included) fit arity.
  bool ArityAccepts(size_t argc) const {
    return arity > 0 ? argc == static_cast<size_t>(arity) : argc >= static_cast<size_t>(-arity);
  }

  // Calls visit(key) for each argument of args (args[0] the command name) that the key
  // positions name (key_positions when set); none when first_key is 0. Other keys a
  // kMovableKeys command finds by parsing its arguments are not included. Args is any
  // sequence of strings.
  template <typename Args, typename Visit>
  void ForEachKey(const Args& args, Visit&& visit) const {
    if (first_key <= 0) return;
    if (key_positions != nullptr) {
      std::vector<std::string_view> views(args.begin(), args.end());
      for (size_t pos : key_positions(views)) visit(views[pos]);
      return;
    }
    int64_t argc = static_cast<int64_t>(args.size());
    int64_t last = last_key < 0 ? argc + last_key : last_key;
    int64_t step = key_step > 0 ? key_step : 1;
    for (int64_t i = first_key; i <= last && i < argc; i += step) {
      visit(std::string_view(args[static_cast<size_t>(i)]));
    }
  }
};

struct CommandContext {
  std::span<const std::string_view> args;
  resp::Writer& reply;
  ServerState& server;
  ClientState& client;
  ThreadStats& stats;
  const CommandSpec* spec = nullptr;
  // Where a blocking command records that it wants to block (blocking.h); nullptr when it
  // may not (inside MULTI/EXEC, in-process tests).
  BlockRequest* block = nullptr;

  int db() const { return client.db.load(std::memory_order_relaxed); }
};

}  // namespace cairn::server
