// src/scripting/script_call.cc — see script_call.h.
#include "src/scripting/script_call.h"

#include <algorithm>
#include <array>
#include <vector>

#include "src/base/small_vector.h"
#include "src/exec/acl_check.h"
#include "src/exec/cluster_routing.h"
#include "src/exec/dispatch.h"
#include "src/exec/errors.h"
#include "src/exec/eviction.h"
#include "src/exec/server_state.h"

namespace cairn::server::scripting {
namespace {

const CommandSpec* Resolve(const CommandTable& table, std::span<const std::string_view> args) {
  const CommandSpec* spec = table.Find(args[0]);
  if (spec != nullptr && !spec->subcommands.empty() && args.size() >= 2) {
    return CommandTable::FindSub(*spec, args[1]);
  }
  return spec;
}

// Keyless commands that never touch the keyspace, so they need no shard.
bool TouchesNoKeys(const CommandSpec& spec) {
  static constexpr std::array<std::string_view, 6> kNames = {"ping", "echo", "time", "publish",
                                                             "spublish", "lastsave"};
  return std::find(kNames.begin(), kNames.end(), spec.name) != kNames.end();
}

bool Declared(const RunContext& run, std::string_view key) {
  return std::find(run.keys.begin(), run.keys.end(), key) != run.keys.end();
}

// Makes sure the run holds the shards args touches. Commands whose keys cannot be read off
// their key positions need every shard.
bool HoldKeys(RunContext& run, const CommandSpec& spec, std::span<const std::string_view> args,
              std::string* error) {
  ServerState& server = run.caller->server;
  SmallVector<store::KeyRef, 8> keys;
  bool all = false;
  if (spec.first_key > 0 && !(spec.flags & kMovableKeys)) {
    spec.ForEachKey(args, [&](std::string_view key) {
      keys.push_back({0, key});
      if (!Declared(run, key)) run.touched_undeclared = true;
    });
  } else if (!TouchesNoKeys(spec)) {
    all = true;
    run.touched_undeclared = true;
  }
  if (keys.empty() && !all) return true;
  if (server.store.JoinTransaction(keys, all)) return true;
  *error =
      "Script attempted to access a key it did not declare in KEYS while another client held "
      "it; declare every key the script uses";
  return false;
}

bool Allowed(RunContext& run, const CommandSpec& spec, std::string* error) {
  if ((spec.flags & kNoScript) &&
      !run.caller->server.debug.disable_deny_scripts.load(std::memory_order_relaxed)) {
    *error = "This Redis command is not allowed from script";
    return false;
  }
  if (!(spec.flags & kWrite) && !(run.read_only && (spec.flags & kMayReplicate))) return true;
  if (run.read_only) {
    *error = "Write commands are not allowed from read-only scripts.";
    return false;
  }
  ServerState& server = run.caller->server;
  // Out of memory when the script started, and it has not written yet: a deny-oom command
  // is refused (once it has written, stopping halfway would be worse). allow-oom lifts it.
  if ((spec.flags & kDenyOom) && !run.run.dirty.load(std::memory_order_relaxed) &&
      ((run.script_flags & kScriptCompat) || !(run.script_flags & kScriptAllowOom)) &&
      MemoryWasOverAtCommandStart(server)) {
    *error = "-" + std::string(errors::kOom);
    return false;
  }
  if (!run.run.dirty.load(std::memory_order_relaxed) && server.WalFailed()) {
    std::lock_guard lock(server.wal_error_mu);
    *error = "-" + std::string(errors::kMisconfWal) + server.wal_error;
    return false;
  }
  // min-replicas-to-write: reached only by scripts without flags (a script that declares
  // them was refused before it ran, MayRunScript).
  if (server.primary.RefusesWrites()) {
    *error = "-" + std::string(errors::kNoReplicas);
    return false;
  }
  return true;
}

// Cluster mode: the command's keys must be served here and, unless the script may cross
// slots (allow-cross-slot-keys, or no shebang), stay in the slot its first keys used.
bool Routes(RunContext& run, const CommandSpec& spec, std::span<const std::string_view> args,
            std::string* error) {
  ServerState& server = run.caller->server;
  if (!server.cluster.enabled()) return true;
  bool cross_slot = (run.script_flags & (kScriptCompat | kScriptAllowCrossSlot)) != 0;
  return ScriptMayRoute(server, spec, args, cross_slot, &run.cluster_slot, error);
}

// The errorstats code of a refusal's text: "-CODE message", or a plain message (ERR).
std::string_view ErrorCode(std::string_view error) {
  if (error.empty() || error[0] != '-') return "ERR";
  error.remove_prefix(1);
  return error.substr(0, error.find(' '));
}

}  // namespace

bool ExecuteFromScript(RunContext& run, std::span<const std::string_view> args,
                       std::string* reply, std::string* error) {
  ServerState& server = run.caller->server;
  const CommandSpec* spec = Resolve(server.commands, args);
  if (spec == nullptr) {
    *error = "Unknown Redis command called from script";
    return false;
  }
  bool refused = false;
  if (!spec->ArityAccepts(args.size())) {
    *error = "Wrong number of args calling Redis command from script";
    refused = true;
  } else {
    refused = !Allowed(run, *spec, error) || !Routes(run, *spec, args, error) ||
              !HoldKeys(run, *spec, args, error);
  }
  if (refused) {
    // As in Redis, a command the script may not run counts as rejected in its commandstats,
    // and its error in errorstats (once: the script relays it uncounted).
    run.caller->stats.per_command[spec->id].rejected_calls.Add();
    run.caller->stats.NoteErrors(ErrorCode(*error));
    return false;
  }
  if (spec->flags & kWrite) run.run.dirty.store(true, std::memory_order_relaxed);
  resp::Writer writer(run.out, run.resp);
  run.script_client->protocol.store(run.resp, std::memory_order_relaxed);
  ExecuteResolved(server, *run.script_client, run.caller->stats, writer, *spec, args);
  if ((spec->flags & kReadOnly) && !run.tracked_keys && server.tracking.active()) [[unlikely]] {
    run.tracked_keys = true;
    server.tracking.RememberScriptKeys(server, run.caller->client, run.keys);
  }
  *reply = run.out->Drain();
  return true;
}

bool ScriptUserMayRun(RunContext& run, std::span<const std::string_view> args, bool* known) {
  ServerState& server = run.caller->server;
  const CommandSpec* spec = Resolve(server.commands, args);
  *known = spec != nullptr;
  return spec != nullptr && AclPermits(server, run.caller->client, *spec, args);
}

}  // namespace cairn::server::scripting
