// src/commands/cluster_commands.cc — the cluster commands: CLUSTER (every subcommand Redis
// 7.0 has), ASKING, READONLY and READWRITE, with Redis's arity, flags and documentation
// (COMMAND LIST, INFO and DOCS show them; ACL categories follow). With cluster-enabled no, as
// in Redis, each answers that cluster support is disabled: cluster-aware clients probe
// CLUSTER INFO or CLUSTER SLOTS this way to learn that the server is a standalone one. With
// cluster-enabled yes the node is a one-node cluster (src/exec/cluster.h) and the
// subcommands are cluster_node_commands.cc's.
#include "src/commands/server_family.h"
#include "src/exec/command_table.h"
#include "src/exec/errors.h"
#include "src/exec/reply.h"
#include "src/exec/server_state.h"

namespace cairn::server {
namespace {

void CmdClusterDisabled(CommandContext& ctx) {
  ctx.reply.WriteError(errors::kClusterDisabled);
}

// ASKING, READONLY, READWRITE: nothing to change on a node with no replicas and no slot in
// migration; OK in cluster mode as in Redis.
void CmdClusterFlagOnly(CommandContext& ctx) {
  if (!ctx.server.cluster.enabled()) return ctx.reply.WriteError(errors::kClusterDisabled);
  ctx.reply.WriteOk();
}

void CmdCluster(CommandContext& ctx) { ReplyWrongArity(ctx.reply, "cluster"); }

// A CLUSTER subcommand as Redis 7.0 declares it, with its cluster-mode handler (HELP has
// its own).
CommandSpec Sub(std::string_view name, int arity, uint32_t flags, std::string_view since,
                std::string_view summary, std::string_view complexity,
                std::string_view syntax = "") {
  Handler handler = ClusterNodeHandler(name);
  return {.name = name, .arity = arity, .flags = flags,
          .handler = handler != nullptr ? handler : CmdClusterDisabled,
          .group = "cluster", .since = since, .summary = summary, .complexity = complexity,
          .syntax = syntax};
}

std::vector<CommandSpec> ClusterSubcommands() {
  constexpr uint32_t kAdm = kAdmin | kStale | kNoAsyncLoading;
  const std::string_view kSlotsN = "O(N) where N is the total number of hash slot arguments";
  const std::string_view kRangeN =
      "O(N) where N is the total number of the slots between the start slot and end slot "
      "arguments.";
  const std::string_view kNodesN = "O(N) where N is the total number of Cluster nodes";
  return {
      Sub("cluster|addslots", -3, kAdm, "3.0.0", "Assign new hash slots to receiving node",
          kSlotsN, "slot [slot ...]"),
      Sub("cluster|addslotsrange", -4, kAdm, "7.0.0", "Assign new hash slots to receiving node",
          kRangeN, "start-slot end-slot [start-slot end-slot ...]"),
      Sub("cluster|bumpepoch", 2, kAdm, "3.0.0", "Advance the cluster config epoch", "O(1)"),
      Sub("cluster|count-failure-reports", 3, kAdmin | kStale, "3.0.0",
          "Return the number of failure reports active for a given node",
          "O(N) where N is the number of failure reports", "node-id"),
      Sub("cluster|countkeysinslot", 3, kStale, "3.0.0",
          "Return the number of local keys in the specified hash slot", "O(1)", "slot"),
      Sub("cluster|delslots", -3, kAdm, "3.0.0", "Set hash slots as unbound in receiving node",
          kSlotsN, "slot [slot ...]"),
      Sub("cluster|delslotsrange", -4, kAdm, "7.0.0",
          "Set hash slots as unbound in receiving node", kRangeN,
          "start-slot end-slot [start-slot end-slot ...]"),
      Sub("cluster|failover", -2, kAdm, "3.0.0",
          "Forces a replica to perform a manual failover of its master.", "O(1)",
          "[FORCE | TAKEOVER]"),
      Sub("cluster|flushslots", 2, kAdm, "3.0.0", "Delete a node's own slots information",
          "O(1)"),
      Sub("cluster|forget", 3, kAdm, "3.0.0", "Remove a node from the nodes table", "O(1)",
          "node-id"),
      Sub("cluster|getkeysinslot", 4, kStale, "3.0.0",
          "Return local key names in the specified hash slot",
          "O(log(N)) where N is the number of requested keys", "slot count"),
      Sub("cluster|help", 2, kLoading | kStale, "5.0.0",
          "Show helpful text about the different subcommands", "O(1)"),
      Sub("cluster|info", 2, kStale, "3.0.0", "Provides info about Redis Cluster node state",
          "O(1)"),
      Sub("cluster|keyslot", 3, kStale, "3.0.0", "Returns the hash slot of the specified key",
          "O(N) where N is the number of bytes in the key", "key"),
      Sub("cluster|links", 2, kStale, "7.0.0",
          "Returns a list of all TCP links to and from peer nodes in cluster", kNodesN),
      Sub("cluster|meet", -4, kAdm, "3.0.0",
          "Force a node cluster to handshake with another node", "O(1)",
          "ip port [cluster-bus-port]"),
      Sub("cluster|myid", 2, kStale, "3.0.0", "Return the node id", "O(1)"),
      Sub("cluster|nodes", 2, kStale, "3.0.0", "Get Cluster config for the node", kNodesN),
      Sub("cluster|replicas", 3, kAdmin | kStale, "5.0.0",
          "List replica nodes of the specified master node", "O(1)", "node-id"),
      Sub("cluster|replicate", 3, kAdm, "3.0.0",
          "Reconfigure a node as a replica of the specified master node", "O(1)", "node-id"),
      Sub("cluster|reset", -2, kAdmin | kStale | kNoScript, "3.0.0", "Reset a Redis Cluster node",
          "O(N) where N is the number of known nodes. The command may execute a FLUSHALL as a "
          "side effect.",
          "[HARD | SOFT]"),
      Sub("cluster|saveconfig", 2, kAdm, "3.0.0",
          "Forces the node to save cluster state on disk", "O(1)"),
      Sub("cluster|set-config-epoch", 3, kAdm, "3.0.0",
          "Set the configuration epoch in a new node", "O(1)", "config-epoch"),
      Sub("cluster|setslot", -4, kAdm, "3.0.0", "Bind a hash slot to a specific node", "O(1)",
          "slot <IMPORTING node-id | MIGRATING node-id | NODE node-id | STABLE>"),
      Sub("cluster|shards", 2, kStale, "7.0.0",
          "Get array of cluster slots to node mappings", kNodesN),
      Sub("cluster|slaves", 3, kAdmin | kStale, "3.0.0",
          "List replica nodes of the specified master node", "O(1)", "node-id"),
      Sub("cluster|slots", 2, kStale, "3.0.0", "Get array of Cluster slot to node mappings",
          kNodesN),
  };
}

}  // namespace

void RegisterClusterCommands(CommandTable& table) {
  table.Add({
      {.name = "cluster", .arity = -2, .handler = CmdCluster, .group = "cluster",
       .since = "3.0.0", .summary = "A container for cluster commands",
       .complexity = "Depends on subcommand.", .subcommands = ClusterSubcommands()},
      {.name = "asking", .arity = 1, .flags = kFast, .handler = CmdClusterFlagOnly,
       .group = "cluster", .since = "3.0.0",
       .summary = "Sent by cluster clients after an -ASK redirect", .complexity = "O(1)"},
      {.name = "readonly", .arity = 1, .flags = kLoading | kStale | kFast,
       .handler = CmdClusterFlagOnly, .group = "cluster", .since = "3.0.0",
       .summary = "Enables read queries for a connection to a cluster replica node",
       .complexity = "O(1)"},
      {.name = "readwrite", .arity = 1, .flags = kLoading | kStale | kFast,
       .handler = CmdClusterFlagOnly, .group = "cluster", .since = "3.0.0",
       .summary = "Disables read queries for a connection to a cluster replica node",
       .complexity = "O(1)"},
  });
}

}  // namespace cairn::server
