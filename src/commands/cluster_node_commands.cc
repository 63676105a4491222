// src/commands/cluster_node_commands.cc — the CLUSTER subcommands of a one-node cluster
// (src/exec/cluster.h): what cluster clients read (INFO, MYID, NODES, SLOTS, SHARDS, KEYSLOT,
// COUNTKEYSINSLOT, GETKEYSINSLOT), what operators run to set it up (ADDSLOTS[RANGE],
// DELSLOTS[RANGE], FLUSHSLOTS, RESET, SAVECONFIG, BUMPEPOCH, SET-CONFIG-EPOCH), and Redis's
// answers about other nodes, which this cluster never has (FORGET, REPLICATE, FAILOVER,
// REPLICAS, COUNT-FAILURE-REPORTS, LINKS, SETSLOT). MEET is refused: cairn speaks no cluster
// bus. Texts and reply shapes are Redis 7.0's. Without cluster-enabled every subcommand
// answers that cluster support is disabled (cluster_commands.cc).
#include <string>
#include <utility>
#include <vector>

#include "resp/number.h"
#include "src/base/key_slot.h"
#include "src/commands/help_reply.h"
#include "src/commands/server_family.h"
#include "src/exec/errors.h"
#include "src/exec/reply.h"
#include "src/exec/server_state.h"

namespace cairn::server {
namespace {

bool Enabled(CommandContext& ctx) {
  if (ctx.server.cluster.enabled()) return true;
  ctx.reply.WriteError(errors::kClusterDisabled);
  return false;
}

// The address other nodes and clients are told: cluster-announce-ip, else none (Redis learns
// its own address from its peers; a node alone shows an empty one, and clients use the
// address they connected to).
std::string AnnouncedIp(CommandContext& ctx) {
  return ctx.server.config.Value("cluster-announce-ip");
}

bool ParseSlot(CommandContext& ctx, std::string_view arg, int* slot) {
  int64_t n = 0;
  if (!resp::ParseInt64(arg, &n) || n < 0 || n >= kClusterSlots) {
    ctx.reply.WriteError("ERR Invalid or out of range slot");
    return false;
  }
  *slot = static_cast<int>(n);
  return true;
}

void ReplyClusterStatus(CommandContext& ctx, const Status& st) {
  if (st.ok()) {
    ctx.reply.WriteOk();
  } else if (st.code() == Code::kIoError) {
    ctx.reply.WriteError("ERR error saving the cluster node config: " + std::string(st.message()));
  } else {
    ctx.reply.WriteError("ERR " + std::string(st.message()));
  }
}

// Whether id names this node; otherwise replies "Unknown node <id>".
bool IsMyself(CommandContext& ctx, std::string_view id) {
  if (id == ctx.server.cluster.id()) return true;
  ctx.reply.WriteError("ERR Unknown node " + std::string(id));
  return false;
}

void CmdClusterInfo(CommandContext& ctx) {
  if (!Enabled(ctx)) return;
  const ClusterState& c = ctx.server.cluster;
  int assigned = c.assigned();
  std::string text;
  auto field = [&](std::string_view name, const std::string& value) {
    text.append(name).append(":").append(value).append("\r\n");
  };
  field("cluster_state", c.ok() ? "ok" : "fail");
  field("cluster_slots_assigned", std::to_string(assigned));
  field("cluster_slots_ok", std::to_string(assigned));
  field("cluster_slots_pfail", "0");
  field("cluster_slots_fail", "0");
  field("cluster_known_nodes", "1");
  field("cluster_size", assigned > 0 ? "1" : "0");
  field("cluster_current_epoch", std::to_string(c.current_epoch()));
  field("cluster_my_epoch", std::to_string(c.config_epoch()));
  field("cluster_stats_messages_sent", "0");
  field("cluster_stats_messages_received", "0");
  field("total_cluster_links_buffer_limit_exceeded", "0");
  ctx.reply.WriteVerbatim(text);
}

void CmdClusterMyId(CommandContext& ctx) {
  if (Enabled(ctx)) ctx.reply.WriteBulk(ctx.server.cluster.id());
}

void CmdClusterNodes(CommandContext& ctx) {
  if (!Enabled(ctx)) return;
  const ClusterState& c = ctx.server.cluster;
  std::string line = c.id() + " " + AnnouncedIp(ctx) + ":" + std::to_string(c.port()) + "@" +
                     std::to_string(c.bus_port()) + " myself,master - 0 0 " +
                     std::to_string(c.config_epoch()) + " connected";
  for (auto [first, last] : c.Ranges()) {
    line += " " + std::to_string(first);
    if (last != first) line += "-" + std::to_string(last);
  }
  ctx.reply.WriteVerbatim(line + "\n");
}

// [ip, port, id, {}]: the node as CLUSTER SLOTS lists it (no other endpoints).
void WriteNode(CommandContext& ctx) {
  ctx.reply.WriteArrayLen(4);
  ctx.reply.WriteBulk(AnnouncedIp(ctx));
  ctx.reply.WriteInteger(ctx.server.cluster.port());
  ctx.reply.WriteBulk(ctx.server.cluster.id());
  ctx.reply.WriteMapLen(0);
}

void CmdClusterSlots(CommandContext& ctx) {
  if (!Enabled(ctx)) return;
  std::vector<std::pair<int, int>> ranges = ctx.server.cluster.Ranges();
  ctx.reply.WriteArrayLen(static_cast<int64_t>(ranges.size()));
  for (auto [first, last] : ranges) {
    ctx.reply.WriteArrayLen(3);
    ctx.reply.WriteInteger(first);
    ctx.reply.WriteInteger(last);
    WriteNode(ctx);
  }
}

void CmdClusterShards(CommandContext& ctx) {
  if (!Enabled(ctx)) return;
  const ClusterState& c = ctx.server.cluster;
  std::vector<std::pair<int, int>> ranges = c.Ranges();
  std::string ip = AnnouncedIp(ctx);
  ctx.reply.WriteArrayLen(1);
  ctx.reply.WriteMapLen(2);
  ctx.reply.WriteBulk("slots");
  ctx.reply.WriteArrayLen(static_cast<int64_t>(ranges.size() * 2));
  for (auto [first, last] : ranges) {
    ctx.reply.WriteInteger(first);
    ctx.reply.WriteInteger(last);
  }
  ctx.reply.WriteBulk("nodes");
  ctx.reply.WriteArrayLen(1);
  ctx.reply.WriteMapLen(7);
  ctx.reply.WriteBulk("id");
  ctx.reply.WriteBulk(c.id());
  ctx.reply.WriteBulk("port");
  ctx.reply.WriteInteger(c.port());
  ctx.reply.WriteBulk("ip");
  ctx.reply.WriteBulk(ip);
  ctx.reply.WriteBulk("endpoint");
  ctx.reply.WriteBulk(ip);
  ctx.reply.WriteBulk("role");
  ctx.reply.WriteBulk("master");
  ctx.reply.WriteBulk("replication-offset");
  ctx.reply.WriteInteger(static_cast<int64_t>(ctx.server.primary.offset()));
  ctx.reply.WriteBulk("health");
  ctx.reply.WriteBulk("online");
}

void CmdClusterKeySlot(CommandContext& ctx) {
  if (Enabled(ctx)) ctx.reply.WriteInteger(KeySlot(ctx.args[2]));
}

void CmdClusterCountKeysInSlot(CommandContext& ctx) {
  if (!Enabled(ctx)) return;
  int64_t slot = 0;
  if (!ArgToInt64(ctx, ctx.args[2], &slot)) return;
  if (slot < 0 || slot >= kClusterSlots) return ctx.reply.WriteError("ERR Invalid slot");
  int64_t n = 0;
  ctx.server.store.ForEach(0, [&](const store::Entry& e) {
    if (KeySlot(e.key()) == slot) ++n;
  });
  ctx.reply.WriteInteger(n);
}

void CmdClusterGetKeysInSlot(CommandContext& ctx) {
  if (!Enabled(ctx)) return;
  int64_t slot = 0, count = 0;
  if (!ArgToInt64(ctx, ctx.args[2], &slot) || !ArgToInt64(ctx, ctx.args[3], &count)) return;
  if (count < 0 || slot < 0 || slot >= kClusterSlots) {
    return ctx.reply.WriteError("ERR Invalid slot or number of keys");
  }
  std::vector<std::string> keys;
  ctx.server.store.ForEach(0, [&](const store::Entry& e) {
    if (static_cast<int64_t>(keys.size()) < count && KeySlot(e.key()) == slot) {
      keys.emplace_back(e.key());
    }
  });
  ctx.reply.WriteArrayLen(static_cast<int64_t>(keys.size()));
  for (const std::string& key : keys) ctx.reply.WriteBulk(key);
}

// ADDSLOTS / DELSLOTS (ranges: pairs of first and last slot). Each slot is kept once, so a
// request naming every slot many times costs 16384 entries, not one per mention; the first
// repeat goes last, so the busy (or unassigned) check reports before it, as Redis orders them.
void ChangeSlots(CommandContext& ctx, bool add, bool ranges) {
  if (!Enabled(ctx)) return;
  if (ranges && ctx.args.size() % 2 == 1) return ReplyWrongArity(ctx.reply, ctx.spec->name);
  std::vector<bool> seen(kClusterSlots);
  std::vector<int> slots;
  int repeated = -1;
  for (size_t i = 2; i < ctx.args.size(); i += ranges ? 2 : 1) {
    int first = 0, last = 0;
    if (!ParseSlot(ctx, ctx.args[i], &first)) return;
    last = first;
    if (ranges && !ParseSlot(ctx, ctx.args[i + 1], &last)) return;
    if (first > last) {
      return ctx.reply.WriteError("ERR start slot number " + std::to_string(first) +
                                  " is greater than end slot number " + std::to_string(last));
    }
    for (int s = first; s <= last; ++s) {
      if (seen[static_cast<size_t>(s)]) {
        if (repeated == -1) repeated = s;
        continue;
      }
      seen[static_cast<size_t>(s)] = true;
      slots.push_back(s);
    }
  }
  if (repeated != -1) slots.push_back(repeated);
  ReplyClusterStatus(ctx, ctx.server.cluster.SetSlots(slots, add));
}

void CmdClusterAddSlots(CommandContext& ctx) { ChangeSlots(ctx, true, false); }
void CmdClusterAddSlotsRange(CommandContext& ctx) { ChangeSlots(ctx, true, true); }
void CmdClusterDelSlots(CommandContext& ctx) { ChangeSlots(ctx, false, false); }
void CmdClusterDelSlotsRange(CommandContext& ctx) { ChangeSlots(ctx, false, true); }

void CmdClusterFlushSlots(CommandContext& ctx) {
  if (!Enabled(ctx)) return;
  if (ctx.server.store.Stats(0).keys != 0) {
    return ctx.reply.WriteError("ERR DB must be empty to perform CLUSTER FLUSHSLOTS.");
  }
  ReplyClusterStatus(ctx, ctx.server.cluster.FlushSlots());
}

void CmdClusterReset(CommandContext& ctx) {
  if (!Enabled(ctx)) return;
  bool hard = false;
  if (ctx.args.size() == 3) {
    hard = EqualsIgnoreCase(ctx.args[2], "hard");
    if (!hard && !EqualsIgnoreCase(ctx.args[2], "soft")) {
      return ctx.reply.WriteError(errors::kSyntax);
    }
  } else if (ctx.args.size() > 3) {
    return ctx.reply.WriteError(errors::kSyntax);
  }
  if (ctx.server.store.Stats(0).keys != 0) {
    return ctx.reply.WriteError(
        "ERR CLUSTER RESET can't be called with master nodes containing keys");
  }
  ReplyClusterStatus(ctx, ctx.server.cluster.Reset(hard));
}

void CmdClusterSaveConfig(CommandContext& ctx) {
  if (Enabled(ctx)) ReplyClusterStatus(ctx, ctx.server.cluster.Save());
}

void CmdClusterBumpEpoch(CommandContext& ctx) {
  if (!Enabled(ctx)) return;
  bool bumped = false;
  uint64_t epoch = 0;
  Status st = ctx.server.cluster.BumpEpoch(&bumped, &epoch);
  if (!st.ok()) return ReplyClusterStatus(ctx, st);
  ctx.reply.WriteSimple((bumped ? "BUMPED " : "STILL ") + std::to_string(epoch));
}

void CmdClusterSetConfigEpoch(CommandContext& ctx) {
  if (!Enabled(ctx)) return;
  int64_t epoch = 0;
  if (!ArgToInt64(ctx, ctx.args[2], &epoch)) return;
  if (epoch < 0) {
    return ctx.reply.WriteError("ERR Invalid config epoch specified: " + std::to_string(epoch));
  }
  ReplyClusterStatus(ctx, ctx.server.cluster.SetConfigEpoch(static_cast<uint64_t>(epoch)));
}

void CmdClusterCountFailureReports(CommandContext& ctx) {
  if (Enabled(ctx) && IsMyself(ctx, ctx.args[2])) ctx.reply.WriteInteger(0);
}

void CmdClusterLinks(CommandContext& ctx) {
  if (Enabled(ctx)) ctx.reply.WriteArrayLen(0);
}

void CmdClusterReplicas(CommandContext& ctx) {
  if (Enabled(ctx) && IsMyself(ctx, ctx.args[2])) ctx.reply.WriteArrayLen(0);
}

void CmdClusterForget(CommandContext& ctx) {
  if (!Enabled(ctx) || !IsMyself(ctx, ctx.args[2])) return;
  ctx.reply.WriteError("ERR I tried hard but I can't forget myself...");
}

void CmdClusterReplicate(CommandContext& ctx) {
  if (!Enabled(ctx) || !IsMyself(ctx, ctx.args[2])) return;
  ctx.reply.WriteError("ERR Can't replicate myself");
}

void CmdClusterFailover(CommandContext& ctx) {
  if (!Enabled(ctx)) return;
  if (ctx.args.size() == 3 && !EqualsIgnoreCase(ctx.args[2], "force") &&
      !EqualsIgnoreCase(ctx.args[2], "takeover")) {
    return ctx.reply.WriteError(errors::kSyntax);
  }
  if (ctx.args.size() > 3) return ctx.reply.WriteError(errors::kSyntax);
  ctx.reply.WriteError("ERR You should send CLUSTER FAILOVER to a replica");
}

void CmdClusterMeet(CommandContext& ctx) {
  if (!Enabled(ctx)) return;
  ctx.reply.WriteError(errors::kClusterOneNode);
}

// SETSLOT <slot> NODE <myself> serves the slot here; STABLE has nothing to clear; a slot can
// be neither imported from nor migrated to a node this cluster does not have.
void CmdClusterSetSlot(CommandContext& ctx) {
  if (!Enabled(ctx)) return;
  int slot = 0;
  if (!ParseSlot(ctx, ctx.args[2], &slot)) return;
  std::string_view action = ctx.args[3];
  ClusterState& c = ctx.server.cluster;
  if (EqualsIgnoreCase(action, "stable") && ctx.args.size() == 4) return ctx.reply.WriteOk();
  if (ctx.args.size() != 5) {
    return ctx.reply.WriteError(
        "ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP");
  }
  std::string_view node = ctx.args[4];
  if (EqualsIgnoreCase(action, "node")) {
    if (!IsMyself(ctx, node)) return;
    if (c.Owns(slot)) return ctx.reply.WriteOk();
    int one[] = {slot};
    return ReplyClusterStatus(ctx, c.SetSlots(one, true));
  }
  if (EqualsIgnoreCase(action, "migrating")) {
    if (!c.Owns(slot)) {
      return ctx.reply.WriteError("ERR I'm not the owner of hash slot " + std::to_string(slot));
    }
  } else if (EqualsIgnoreCase(action, "importing")) {
    if (c.Owns(slot)) {
      return ctx.reply.WriteError("ERR I'm already the owner of hash slot " +
                                  std::to_string(slot));
    }
  } else {
    return ctx.reply.WriteError(
        "ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP");
  }
  if (node == c.id()) return ctx.reply.WriteError(errors::kClusterOneNode);
  ctx.reply.WriteError("ERR I don't know about node " + std::string(node));
}

void CmdClusterHelp(CommandContext& ctx) {
  if (!Enabled(ctx)) return;
  ReplyHelp(ctx.reply, "CLUSTER",
            {"ADDSLOTS <slot> [<slot> ...]", "    Assign slots to current node.",
             "ADDSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
             "    Assign slots which are between <start-slot> and <end-slot> to current node.",
             "BUMPEPOCH", "    Advance the cluster config epoch.",
             "COUNTKEYSINSLOT <slot>", "    Return the number of keys in <slot>.",
             "DELSLOTS <slot> [<slot> ...]", "    Delete slots information from current node.",
             "DELSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
             "    Delete slots information which are between <start-slot> and <end-slot>.",
             "FLUSHSLOTS", "    Delete current node own slots information.",
             "GETKEYSINSLOT <slot> <count>",
             "    Return key names stored by current node in a slot.",
             "INFO", "    Return information about the cluster.",
             "KEYSLOT <key>", "    Return the hash slot for <key>.",
             "MYID", "    Return the node id.",
             "NODES", "    Return cluster configuration seen by node.",
             "RESET [HARD|SOFT]", "    Reset current node (default: soft).",
             "SAVECONFIG", "    Force saving cluster configuration on disk.",
             "SET-CONFIG-EPOCH <epoch>", "    Set config epoch of current node.",
             "SHARDS", "    Return information about slot range mappings and the nodes.",
             "SLOTS", "    Return information about slots range mappings."});
}

}  // namespace

ClusterHandler ClusterNodeHandler(std::string_view name) {
  static const std::pair<std::string_view, ClusterHandler> kHandlers[] = {
      {"cluster|addslots", CmdClusterAddSlots},
      {"cluster|addslotsrange", CmdClusterAddSlotsRange},
      {"cluster|bumpepoch", CmdClusterBumpEpoch},
      {"cluster|count-failure-reports", CmdClusterCountFailureReports},
      {"cluster|countkeysinslot", CmdClusterCountKeysInSlot},
      {"cluster|delslots", CmdClusterDelSlots},
      {"cluster|delslotsrange", CmdClusterDelSlotsRange},
      {"cluster|failover", CmdClusterFailover},
      {"cluster|flushslots", CmdClusterFlushSlots},
      {"cluster|forget", CmdClusterForget},
      {"cluster|getkeysinslot", CmdClusterGetKeysInSlot},
      {"cluster|help", CmdClusterHelp},
      {"cluster|info", CmdClusterInfo},
      {"cluster|keyslot", CmdClusterKeySlot},
      {"cluster|links", CmdClusterLinks},
      {"cluster|meet", CmdClusterMeet},
      {"cluster|myid", CmdClusterMyId},
      {"cluster|nodes", CmdClusterNodes},
      {"cluster|replicas", CmdClusterReplicas},
      {"cluster|replicate", CmdClusterReplicate},
      {"cluster|reset", CmdClusterReset},
      {"cluster|saveconfig", CmdClusterSaveConfig},
      {"cluster|set-config-epoch", CmdClusterSetConfigEpoch},
      {"cluster|setslot", CmdClusterSetSlot},
      {"cluster|shards", CmdClusterShards},
      {"cluster|slaves", CmdClusterReplicas},
      {"cluster|slots", CmdClusterSlots},
  };
  for (const auto& [n, handler] : kHandlers) {
    if (n == name) return handler;
  }
  return nullptr;
}

}  // namespace cairn::server
