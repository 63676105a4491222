// src/exec/client_eviction.cc — see client_eviction.h.
#include "src/exec/client_eviction.h"

#include <algorithm>
#include <functional>
#include <utility>
#include <vector>

#include "src/base/log.h"
#include "src/exec/server_state.h"

namespace cairn::server {
namespace {

// Replicas and the primary's link are neither counted nor evicted (Redis's client types
// "slave" and "master"); no-evict clients are counted but never chosen.
bool IsReplicationLink(const ClientState& c) {
  return c.replica.load(std::memory_order_relaxed) || c.is_master;
}

bool Evictable(const ClientState& c) {
  return !c.no_evict.load(std::memory_order_relaxed) && !IsReplicationLink(c);
}

// Chooses the clients to close, largest first, and asks their threads to close them; self
// (the calling thread's own client, or nullptr) is only marked, its caller closes it, and
// counts as self_bytes (not yet published).
int Evict(ServerState& server, int64_t limit, const ClientState* self, int64_t self_bytes) {
  std::vector<std::pair<int64_t, uint64_t>> candidates;  // (bytes, id)
  int64_t leaving = 0;  // what clients already on their way out still hold
  server.clients.ForEach([&](ClientState& c) {
    if (IsReplicationLink(c)) return;
    int64_t bytes = &c == self ? self_bytes : c.memory_bytes.load(std::memory_order_relaxed);
    if (c.kill_requested.load(std::memory_order_relaxed)) {
      leaving += bytes;
    } else if (bytes > 0 && Evictable(c)) {
      candidates.emplace_back(bytes, c.id);
    }
  });
  // At the limit counts as over, as in Redis: evict until strictly below it.
  int64_t excess = server.client_memory.total_bytes.load(std::memory_order_relaxed) - leaving -
                   limit + 1;
  std::sort(candidates.begin(), candidates.end(), std::greater<>());
  int chosen = 0;
  for (const auto& [bytes, id] : candidates) {
    if (excess <= 0) break;
    server.clients.WithClient(id, [&](ClientState& c) {
      excess -= bytes;  // chosen here, or by another thread since the scan
      if (c.kill_requested.exchange(true)) return;
      Log(LogLevel::kNotice, "Evicting client: id=%llu addr=%s name=%s tot-mem=%lld",
          static_cast<unsigned long long>(c.id), c.addr.c_str(), c.name.c_str(),
          static_cast<long long>(bytes));
      ++chosen;
      if (&c != self && c.wake) c.wake();
    });
  }
  if (chosen > 0 && excess > 0) {
    Log(LogLevel::kWarning, "Over client maxmemory after evicting all evictable clients");
  }
  server.client_memory.evicted.fetch_add(static_cast<uint64_t>(chosen),
                                         std::memory_order_relaxed);
  return chosen;
}

}  // namespace

int64_t ClientMemoryLimit(const ServerState& server) {
  int64_t setting = server.limits.maxmemory_clients.load(std::memory_order_relaxed);
  int64_t limit = setting;
  if (setting < 0) {
    int64_t maxmemory = server.limits.maxmemory.load(std::memory_order_relaxed);
    limit = maxmemory / 100 * -setting + maxmemory % 100 * -setting / 100;
  }
  return limit == 0 ? 0 : std::max(limit, kMinClientMemoryLimitBytes);
}

bool UpdateClientMemory(ServerState& server, ClientState& c, int64_t bytes) {
  // Published once it is known to stay: CLIENT LIST on another thread never shows a client
  // past the limit that its own thread is about to evict.
  auto publish = [&] {
    if (c.memory_bytes.load(std::memory_order_relaxed) != bytes) {  // only this thread writes
      c.memory_bytes.store(bytes, std::memory_order_relaxed);
    }
    return false;
  };
  int64_t counted = IsReplicationLink(c) ? 0 : bytes;
  int64_t before = c.memory_counted_bytes;
  if (counted == before) return publish();
  c.memory_counted_bytes = counted;
  int64_t total =
      server.client_memory.total_bytes.fetch_add(counted - before, std::memory_order_relaxed) +
      (counted - before);
  if (counted < before) return publish();
  int64_t limit = ClientMemoryLimit(server);
  if (limit <= 0 || total < limit) return publish();
  Evict(server, limit, &c, bytes);
  if (c.kill_requested.load(std::memory_order_relaxed)) return true;
  return publish();
}

int EvictClientsOverLimit(ServerState& server) {
  int64_t limit = ClientMemoryLimit(server);
  if (limit <= 0 || server.client_memory.total_bytes.load(std::memory_order_relaxed) < limit) {
    return 0;
  }
  return Evict(server, limit, nullptr, 0);
}

}  // namespace cairn::server
