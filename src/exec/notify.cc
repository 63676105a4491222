// src/exec/notify.cc — see notify.h.
#include "src/exec/notify.h"

#include <string>
#include <vector>

#include "src/exec/command.h"
#include "src/exec/server_state.h"

namespace cairn::server {
namespace {

struct PendingEvent {
  uint32_t type;
  std::string event;
  std::string key;
  int db;
};

thread_local std::vector<PendingEvent> pending_events;

// The store's expiry hook: runs under a shard lock, so it only queues.
void OnExpired(void* server, int db, std::string_view key) {
  NotifyKeyspaceEvent(*static_cast<ServerState*>(server), kNotifyExpired, "expired", key, db);
}

// The store's eviction hook: also under a shard lock.
void OnEvicted(void* server, int db, std::string_view key) {
  NotifyKeyspaceEvent(*static_cast<ServerState*>(server), kNotifyEvicted, "evicted", key, db);
}

// The store's created hook: also under a shard lock.
void OnCreated(void* server, int db, std::string_view key) {
  NotifyKeyspaceEvent(*static_cast<ServerState*>(server), kNotifyNew, "new", key, db);
}

void Publish(ServerState& server, const PendingEvent& e, uint32_t flags, uint64_t lsn) {
  size_t limit =
      static_cast<size_t>(server.limits.output_pubsub.hard_bytes.load(std::memory_order_relaxed));
  std::string db = std::to_string(e.db);
  if (flags & kNotifyKeyspace) {
    std::string channel = "__keyspace@" + db + "__:" + e.key;
    (void)server.pubsub.Publish(SubKind::kChannel, channel, e.event, limit, lsn);
  }
  if (flags & kNotifyKeyevent) {
    std::string channel = "__keyevent@" + db + "__:" + e.event;
    (void)server.pubsub.Publish(SubKind::kChannel, channel, e.key, limit, lsn);
  }
}

}  // namespace

void NotifyKeyspaceEvent(ServerState& server, uint32_t type, std::string_view event,
                         std::string_view key, int db) {
  if (!WantsKeyspaceEvent(server, type)) return;
  pending_events.push_back(PendingEvent{type, std::string(event), std::string(key), db});
}

void NotifyKey(CommandContext& ctx, uint32_t type, std::string_view event, std::string_view key) {
  NotifyKeyspaceEvent(ctx.server, type, event, key, ctx.db());
}

void PublishKeyspaceEvents(ServerState& server, uint64_t lsn) {
  if (pending_events.empty()) return;
  uint32_t flags = server.limits.notify_keyspace_events.load(std::memory_order_relaxed);
  std::vector<PendingEvent> events;
  events.swap(pending_events);
  for (const PendingEvent& e : events) Publish(server, e, flags, lsn);
}

bool WantsKeyspaceEvent(ServerState& server, uint32_t type) {
  uint32_t flags = server.limits.notify_keyspace_events.load(std::memory_order_relaxed);
  return (flags & type) && (flags & (kNotifyKeyspace | kNotifyKeyevent));
}

void InstallStoreEvents(ServerState& server) {
  server.store.set_expired_hook(OnExpired, &server);
  server.store.set_created_hook(OnCreated, &server);
  server.store.set_evicted_hook(OnEvicted, &server);
}

}  // namespace cairn::server
