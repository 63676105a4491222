// src/exec/cluster_routing.h — which commands a one-node cluster runs (cluster.h): Redis's
// getNodeByQuery rules, for clients (dispatch) and for the commands scripts run.
//
// Threading: the calling command's thread.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "src/exec/command.h"

namespace cairn::server {

struct ServerState;

// With cluster mode on: replies why spec (or, for EXEC, the queued transaction) cannot run
// here and returns true: -CROSSSLOT, -CLUSTERDOWN Hash slot not served, -CLUSTERDOWN The
// cluster is down [and only accepts read commands]. A refused EXEC ends its transaction, as in
// Redis. Commands without keys always run.
bool ClusterRefuses(ServerState& server, ClientState& client, const CommandSpec& spec,
                    std::span<const std::string_view> args, resp::Writer& w);

// The same rule for a command a script runs: false with Redis's "Script attempted to ..."
// text in *error when it may not. *run_slot is the slot the script's commands have used so
// far (-1: none); unless cross_slot is allowed (allow-cross-slot-keys, or a script without a
// shebang), every command must stay in it.
bool ScriptMayRoute(ServerState& server, const CommandSpec& spec,
                    std::span<const std::string_view> args, bool cross_slot, int* run_slot,
                    std::string* error);

// The slot of the keys args names, as ClusterRefuses finds it (-1: no keys); for EVAL's
// declared keys, which set a script's slot.
int CommandSlot(const CommandSpec& spec, std::span<const std::string_view> args);

}  // namespace cairn::server
