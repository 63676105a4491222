// src/exec/key_save_delay.h — `rdb-key-save-delay`, Redis's testing option that slows a save
// down: a pause after each key written, in microseconds (a negative -N: 1 µs after every
// N keys). As in Redis it applies to every save of the keyspace: a replica's RDB, every
// snapshot (BGSAVE, SAVE, the scheduled ones, a new log's base) and RDB file. Tests use it
// to observe what goes on while one runs; a shutdown cuts it short.
#pragma once

#include <functional>

#include "src/exec/server_state.h"

namespace cairn::server {

// The hook a save calls after each key, or an empty function when no delay is set (the
// common case costs nothing per key). A pause sleeps in short steps and rereads the option,
// so that a CONFIG SET of the delay, or a shutdown, ends a long one early. Any thread; the
// hook belongs to one save.
std::function<void()> KeySaveDelay(ServerState& server);

}  // namespace cairn::server
