// src/exec/notify.h — keyspace notifications (notify-keyspace-events): Pub/Sub messages on
// __keyspace@<db>__:<key> (the event as message) and __keyevent@<db>__:<event> (the key as
// message) for every change a command, expiry or eviction makes.
//
// Command handlers call NotifyKey where Redis fires an event, with Redis's class and event
// name, in Redis's order: the call sits next to the change it reports (inside the Access
// callback when one command reports several keys, as MSET does), so "new" (queued by the
// store when a key is created) comes before the command's own event, and "del" after the
// event of the change that emptied a collection. A read that misses reports "keymiss".
//
// The event is not published at once: it is queued on the calling thread and published by
// PublishKeyspaceEvents once the command has finished, carrying the LSN of what the command
// wrote, so a subscriber never learns of a write before the write is durable (the message
// is held like a reply; see Connection::OnMail). Queuing also keeps publishing out of shard
// locks: lazy and active expiry, and key creation, report from inside them (Store hooks).
//
// Cost when notifications are off (the default): one relaxed atomic load per call.
// Threading: any thread; the queue is thread-local.
#pragma once

#include <cstdint>
#include <string_view>

#include "src/base/config_values.h"

namespace cairn::server {

struct ServerState;
struct CommandContext;

// Queues an event of class type (a NotifyFlag) about key in db, if the configured classes
// include it.
void NotifyKeyspaceEvent(ServerState& server, uint32_t type, std::string_view event,
                         std::string_view key, int db);
// The same for key in the database of ctx's client: what command handlers call.
void NotifyKey(CommandContext& ctx, uint32_t type, std::string_view event, std::string_view key);
// Publishes the events the calling thread queued, in order; lsn is what they reveal (the
// command's observed LSN). Cheap when none are queued.
void PublishKeyspaceEvents(ServerState& server, uint64_t lsn);
// Whether an event of class type would be queued now: for the rare call site that must do
// extra work to learn whether to report (one relaxed load).
bool WantsKeyspaceEvent(ServerState& server, uint32_t type);
// Queues an "expired" event for a key expiry deleted, an "evicted" event for a key eviction
// deleted and a "new" event for a key a command creates (the store's hooks:
// Store::set_expired_hook, set_evicted_hook, set_created_hook), so no handler reports them.
// Call InstallStoreEvents once at startup.
void InstallStoreEvents(ServerState& server);

}  // namespace cairn::server
