// src/exec/client_eviction.h — client eviction (maxmemory-clients): what each client costs the
// server, the sum over all clients, and closing the largest ones when that sum passes the
// limit, as Redis 7.0 does.
//
// A client's memory (CLIENT LIST tot-mem) is what it holds beyond a fixed connection: its
// query buffer, its output beyond the first block, messages posted to it and not yet taken,
// the commands queued in MULTI, its WATCHed keys and its Pub/Sub subscriptions. The owner
// thread recomputes it after each batch of input or output (Connection::PublishSizes) and
// adds the change to the server-wide total, one atomic add; only a change that brings the
// total over the limit costs more.
//
// Eviction takes the clients using the most first, until what they use brings the total
// under the limit. Clients with CLIENT NO-EVICT on count in the total but are never chosen;
// attached replicas and the primary's link neither count nor are chosen, as in Redis. A chosen client is closed by its own thread (kill_requested + wake, as
// CLIENT KILL does); until it is, what it uses counts as already freed, so two threads that
// pass the limit at once do not both evict for the same excess.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace cairn::server {

struct ClientState;
struct ServerState;

// Estimated bytes of one entry beside its name (set or vector node, registration): what a
// WATCHed key, a subscription, a queued command and each of its arguments cost.
inline constexpr size_t kWatchedKeyOverheadBytes = 72;
inline constexpr size_t kSubscriptionOverheadBytes = 80;
inline constexpr size_t kQueuedCommandOverheadBytes = 24;
inline constexpr size_t kQueuedArgOverheadBytes = 32;

struct ClientMemory {
  std::atomic<int64_t> total_bytes{0};  // the sum of every client's memory_bytes
  std::atomic<uint64_t> evicted{0};     // INFO evicted_clients
};

inline constexpr int64_t kMinClientMemoryLimitBytes = 128 * 1024;

// The limit in bytes maxmemory-clients sets (a percentage is of maxmemory; at least
// kMinClientMemoryLimitBytes); 0: none.
int64_t ClientMemoryLimit(const ServerState& server);

// Owner thread, while c is registered: c now uses `bytes`. Adds the change to the total and,
// if that brings it to the limit, evicts clients. Returns true if c itself was chosen (the
// caller closes it). When the client goes, call it with 0 before ClientRegistry::Remove, so
// that no eviction meanwhile counts bytes it cannot find. Takes the registry's mutex: never
// call it with that held.
bool UpdateClientMemory(ServerState& server, ClientState& c, int64_t bytes);

// Evicts the largest clients until the total is under the limit (after CONFIG SET lowered
// it). Any thread not holding the registry's mutex. Returns how many it chose.
int EvictClientsOverLimit(ServerState& server);

}  // namespace cairn::server
