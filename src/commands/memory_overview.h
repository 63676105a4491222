// src/commands/memory_overview.h — the memory figures INFO memory, MEMORY STATS and MEMORY
// DOCTOR share: the allocator's totals and how they split into overhead (client buffers,
// script caches, one entry header and bucket per key) and dataset (the rest), as Redis splits
// them. Reads every database's key count: for introspection, not for hot paths.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

#include "store/memory.h"

namespace cairn::server {

struct ServerState;

struct MemoryOverview {
  store::MemoryStats m;
  size_t startup_bytes = 0;   // allocated before recovery (ServerState)
  size_t clients_bytes = 0;   // every client but attached replicas
  size_t replicas_bytes = 0;  // attached replicas' buffers
  size_t backlog_bytes = 0;   // the replication backlog, once a replica made it
  size_t wal_buffer_bytes = 0;  // log records appended but not yet written
  size_t scripts_bytes = 0;
  size_t keys = 0;
  std::vector<std::pair<int, size_t>> db_keys;  // non-empty databases: (index, keys)
  size_t overhead_bytes = 0;
  size_t dataset_bytes = 0;
  size_t rss_waste_bytes = 0;  // resident beyond allocated
  // Allocated beyond the startup allocation: what Redis measures the dataset's share and the
  // bytes per key against.
  size_t net_bytes = 0;
};

// A key's share of its shard table: the entry header and one bucket pointer.
size_t PerKeyOverheadBytes();
MemoryOverview ReadMemoryOverview(ServerState& server);
// a / b, 0 when b is 0.
double MemoryRatio(size_t a, size_t b);

}  // namespace cairn::server
