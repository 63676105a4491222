// src/exec/cluster_routing.cc — see cluster_routing.h.
#include "src/exec/cluster_routing.h"

#include "src/base/key_slot.h"
#include "src/exec/acl_key_specs.h"
#include "src/exec/command_table.h"
#include "src/exec/errors.h"
#include "src/exec/server_state.h"
#include "src/exec/transaction.h"

namespace cairn::server {
namespace {

enum class Route { kHere, kCrossSlot, kUnbound, kDown, kDownReadOnly };

// The keys of commands seen so far: the first one and its slot (Redis compares keys, so
// one key named twice is not a cross-slot request).
struct Keys {
  std::string_view first;  // a view of the caller's arguments, which outlive the routing
  int slot = -1;
  bool any = false;
  Route route = Route::kHere;
};

// SSUBSCRIBE, SUNSUBSCRIBE, SPUBLISH: Pub/Sub commands whose channels sit at key positions.
bool IsShardPubSub(const CommandSpec& spec) {
  return (spec.flags & kPubSub) != 0 && spec.first_key > 0;
}

void Visit(const ClusterState& cluster, std::string_view key, Keys* keys) {
  if (keys->route != Route::kHere) return;
  int slot = KeySlot(key);
  if (!keys->any) {
    keys->any = true;
    keys->first = key;
    keys->slot = slot;
    if (!cluster.Owns(slot)) keys->route = Route::kUnbound;
    return;
  }
  if (slot != keys->slot && key != keys->first) keys->route = Route::kCrossSlot;
}

// Adds the keys of one command (shard channels count as keys, as in Redis).
void AddCommand(const ClusterState& cluster, const CommandSpec& spec,
                std::span<const std::string_view> args, Keys* keys) {
  if (IsShardPubSub(spec)) {
    spec.ForEachKey(args, [&](std::string_view channel) { Visit(cluster, channel, keys); });
    return;
  }
  if (!(spec.flags & kMovableKeys)) {  // fixed positions: no need to parse the arguments
    spec.ForEachKey(args, [&](std::string_view key) { Visit(cluster, key, keys); });
    return;
  }
  ForEachKeyAndFlags(spec, args,
                     [&](size_t index, uint16_t) { Visit(cluster, args[index], keys); });
}

// After the keys: a cluster that is not ok serves nothing, or only reads.
Route Finish(const ServerState& server, const Keys& keys, bool shard_pubsub, bool writes) {
  if (keys.route != Route::kHere || !keys.any) return keys.route;
  const ClusterState& cluster = server.cluster;
  if (cluster.ok() || shard_pubsub) return Route::kHere;
  if (!cluster.allow_reads_when_down.load(std::memory_order_relaxed)) return Route::kDown;
  return writes ? Route::kDownReadOnly : Route::kHere;
}

std::string_view RouteError(Route route) {
  switch (route) {
    case Route::kCrossSlot:
      return errors::kCrossSlot;
    case Route::kUnbound:
      return errors::kSlotNotServed;
    case Route::kDown:
      return errors::kClusterDown;
    case Route::kDownReadOnly:
      return errors::kClusterDownReadOnly;
    case Route::kHere:
      break;
  }
  return {};
}

// EXEC: every queued command's keys together.
Route RouteTransaction(ServerState& server, ClientState& client) {
  Keys keys;
  bool writes = false;
  for (const std::vector<std::string>& queued : client.multi.queued) {
    std::vector<std::string_view> args(queued.begin(), queued.end());
    const CommandSpec* spec = server.commands.Find(args[0]);
    if (spec != nullptr && !spec->subcommands.empty() && args.size() > 1) {
      spec = CommandTable::FindSub(*spec, args[1]);
    }
    if (spec == nullptr) continue;
    writes = writes || (spec->flags & kWrite) != 0;
    AddCommand(server.cluster, *spec, args, &keys);
  }
  return Finish(server, keys, false, writes);
}

}  // namespace

bool ClusterRefuses(ServerState& server, ClientState& client, const CommandSpec& spec,
                    std::span<const std::string_view> args, resp::Writer& w) {
  Route route;
  bool exec = spec.name == "exec";
  if (exec) {
    if (!client.multi.active) return false;
    route = RouteTransaction(server, client);
  } else {
    Keys keys;
    AddCommand(server.cluster, spec, args, &keys);
    route = Finish(server, keys, IsShardPubSub(spec), (spec.flags & kWrite) != 0);
  }
  if (route == Route::kHere) return false;
  if (exec) {  // Redis discards the transaction and replies the error itself
    client.multi = ClientState::Multi{};
    UnwatchAll(server, client);
  }
  w.WriteError(RouteError(route));
  return true;
}

bool ScriptMayRoute(ServerState& server, const CommandSpec& spec,
                    std::span<const std::string_view> args, bool cross_slot, int* run_slot,
                    std::string* error) {
  Keys keys;
  AddCommand(server.cluster, spec, args, &keys);
  Route route = Finish(server, keys, IsShardPubSub(spec), (spec.flags & kWrite) != 0);
  if (route == Route::kDownReadOnly) {
    *error = "Script attempted to execute a write command while the cluster is down and readonly";
    return false;
  }
  if (route == Route::kDown) {
    *error = "Script attempted to execute a command while the cluster is down";
    return false;
  }
  if (route != Route::kHere) {
    *error = "Script attempted to access a non local key in a cluster node";
    return false;
  }
  if (!keys.any || cross_slot) return true;
  if (*run_slot == -1) {
    *run_slot = keys.slot;
  } else if (*run_slot != keys.slot) {
    *error = "Script attempted to access keys that do not hash to the same slot";
    return false;
  }
  return true;
}

int CommandSlot(const CommandSpec& spec, std::span<const std::string_view> args) {
  int slot = -1;
  ForEachKeyAndFlags(spec, args, [&](size_t index, uint16_t) {
    if (slot == -1) slot = KeySlot(args[index]);
  });
  return slot;
}

}  // namespace cairn::server
