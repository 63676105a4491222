// src/exec/client_pause.h — what CLIENT PAUSE WRITE holds, as Redis 7.0 decides it.
//
// Held: writes; commands that may be replicated without being writes (PUBLISH, SPUBLISH,
// PFCOUNT, which may store its count); EVAL, EVALSHA and FCALL unless the script or function
// declares flags that include no-writes (a script without a shebang may write; so may one
// not known yet); and EXEC of a transaction that queued any of those. EVAL_RO, EVALSHA_RO and
// FCALL_RO are reads.
//
// Threading: the client's owner thread. Looking a script up takes the script cache's or the
// function registry's shared lock; only done while a WRITE pause is in force.
#pragma once

#include <span>
#include <string_view>

#include "src/exec/command.h"

namespace cairn::server {

struct ServerState;
struct ClientState;

// Whether a WRITE pause holds the command args (spec is its table entry) sent by client.
bool WritePauseHolds(const ServerState& server, const ClientState& client,
                     const CommandSpec& spec, std::span<const std::string_view> args);

}  // namespace cairn::server
