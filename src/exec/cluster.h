// src/exec/cluster.h — cluster mode with one node (cluster-enabled yes): cairn answers as a
// Redis Cluster whose only master is itself, so cluster clients (redis-py's RedisCluster,
// ioredis's Cluster, redis-cli -c, jedis's JedisCluster) work against it unchanged.
//
// As in Redis, a new node owns no slot: CLUSTER ADDSLOTS / ADDSLOTSRANGE give it slots
// (`CLUSTER ADDSLOTSRANGE 0 16383` for all), and the cluster is "ok" once every slot is
// served (or, with cluster-require-full-coverage no, once some are). The node's id, epochs and
// slots live in cluster-config-file (nodes.conf, in Redis's format, in `dir`), rewritten
// (fsync'ed, renamed) on every change, so they survive restarts. cairn speaks no cluster bus:
// CLUSTER MEET, REPLICATE, FAILOVER and slot migration to other nodes are refused, and there
// are never MOVED or ASK redirections.
//
// Routing (Redis's getNodeByQuery): a command's keys must all hash to one slot
// (-CROSSSLOT), that slot must be served (-CLUSTERDOWN Hash slot not served), and the
// cluster must be ok (-CLUSTERDOWN The cluster is down, or only reads with
// cluster-allow-reads-when-down yes). EXEC applies the rule to every queued command together.
// Only database 0 exists.
//
// Threading: the slot map is read by every I/O thread on every keyed command without a lock
// (atomic words); changes take the mutex and publish word by word.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "src/base/key_slot.h"
#include "store/base/status.h"

namespace cairn::server {

class ClusterState {
 public:
  // Startup, before commands run: turns cluster mode on and loads path (creating a node with
  // a new id when it does not exist). The error names the file and line.
  Status Open(const std::string& path, int port, int bus_port);
  bool enabled() const { return enabled_; }

  std::string id() const;
  uint64_t config_epoch() const;
  uint64_t current_epoch() const;
  int port() const { return port_; }
  int bus_port() const { return bus_port_; }

  bool Owns(int slot) const {
    return (slots_[static_cast<size_t>(slot) / 64].load(std::memory_order_relaxed) >>
            (slot % 64)) & 1;
  }
  int assigned() const { return assigned_.load(std::memory_order_relaxed); }
  // Redis's cluster_state: ok when the node serves every slot, or some with
  // cluster-require-full-coverage no.
  bool ok() const;
  // The served slots as [first, last] ranges, in order.
  std::vector<std::pair<int, int>> Ranges() const;

  // cluster-require-full-coverage, cluster-allow-reads-when-down (ServerState::ApplyConfig).
  std::atomic<bool> require_full_coverage{true};
  std::atomic<bool> allow_reads_when_down{false};

  // CLUSTER ADDSLOTS / DELSLOTS and their ranges (SetSlots): all of slots or none, with Redis's errors
  // ("Slot 5 is already busy"). Every change here rewrites the file first: when that fails
  // (kIoError) nothing changed.
  // serve: ADDSLOTS, else DELSLOTS. Slots are checked in order: the first one already in
  // the wanted state, or named twice, is the error.
  Status SetSlots(std::span<const int> slots, bool serve);
  // CLUSTER FLUSHSLOTS, RESET (hard: a new id and zero epochs), BUMPEPOCH (true: bumped),
  // SET-CONFIG-EPOCH, SAVECONFIG.
  Status FlushSlots();
  Status Reset(bool hard);
  Status BumpEpoch(bool* bumped, uint64_t* epoch);
  Status SetConfigEpoch(uint64_t epoch);
  Status Save();

 private:
  // What a change may have to undo (CommitLocked).
  struct Saved {
    std::array<uint64_t, kClusterSlots / 64> words{};
    std::string id;
    uint64_t config_epoch = 0;
    uint64_t current_epoch = 0;
  };

  Status Load(const std::string& text);
  Status SaveLocked();
  Saved TakeLocked() const;
  Status CommitLocked(const Saved& before);
  void SetSlotLocked(int slot, bool on);

  bool enabled_ = false;
  int port_ = 0;
  int bus_port_ = 0;
  std::string path_;
  mutable std::mutex mu_;
  std::string id_;
  uint64_t config_epoch_ = 0;
  uint64_t current_epoch_ = 0;
  std::array<std::atomic<uint64_t>, kClusterSlots / 64> slots_{};
  std::atomic<int> assigned_{0};
};

}  // namespace cairn::server
