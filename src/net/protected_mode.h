// src/net/protected_mode.h — protected mode: while it is on and the default user has no
// password, only clients on the loopback interface (127.0.0.1, ::1) or the unix socket may
// connect; any other gets Redis's -DENIED text and is closed, as redis-server does at accept.
// Thread: the listener's.
#pragma once

#include <string_view>

namespace cairn::server {

struct ServerState;

// Redis's reply to a refused connection, with its CRLF.
extern const std::string_view kProtectedModeDenied;

// Whether the accepted connection fd must be refused.
bool DeniedByProtectedMode(const ServerState& state, int fd, bool unix_socket);

}  // namespace cairn::server
