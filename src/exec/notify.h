// src/exec/notify.h — keyspace notifications (notify-keyspace-events): Pub/Sub messages on
// __keyspace@<db>__:<key> (the event as message) and __keyevent@<db>__:<event> (the key as
// message) for every change a command, expiry or eviction makes.
//
// Command handlers call NotifyKeyspaceEvent where Redis fires an event, with Redis's class
// and event name. The event is not published at once: it is queued on the calling thread
// and published by PublishKeyspaceEvents once the command has finished, carrying the LSN
// of what the command wrote, so a subscriber never learns of a write before the write is
// durable (the message is held like a reply; see Connection::OnMail). Queuing also keeps
// publishing out of shard locks: lazy and active expiry report deleted keys from inside
// them (Store::set_expired_hook).
//
// Cost when notifications are off (the default): one relaxed atomic load per call.
// Threading: any thread; the queue is thread-local.
#pragma once

#include <cstdint>
#include <string_view>

#include "src/base/config_values.h"

namespace cairn::server {

struct ServerState;

// Queues an event of class type (a NotifyFlag) about key in db, if the configured classes
// include it.
void NotifyKeyspaceEvent(ServerState& server, uint32_t type, std::string_view event,
                         std::string_view key, int db);
// Publishes the events the calling thread queued, in order; lsn is what they reveal (the
// command's observed LSN). Cheap when none are queued.
void PublishKeyspaceEvents(ServerState& server, uint64_t lsn);
// Queues an "expired" event for a key expiry deleted (the store's expired hook; see
// Store::set_expired_hook). Call InstallExpiredEvents once at startup.
void InstallExpiredEvents(ServerState& server);

}  // namespace cairn::server
