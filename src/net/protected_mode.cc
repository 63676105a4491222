// src/net/protected_mode.cc — see protected_mode.h.
#include "src/net/protected_mode.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "src/exec/server_state.h"

namespace cairn::server {

const std::string_view kProtectedModeDenied =
    "-DENIED Redis is running in protected mode because protected mode is enabled and no "
    "password is set for the default user. In this mode connections are only accepted from the "
    "loopback interface. If you want to connect from external computers to Redis you may adopt "
    "one of the following solutions: 1) Just disable protected mode sending the command "
    "'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the "
    "same host the server is running, however MAKE SURE Redis is not publicly accessible from "
    "internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively "
    "you can just disable the protected mode by editing the Redis configuration file, and "
    "setting the protected mode option to 'no', and then restarting the server. 3) If you "
    "started the server manually just for testing, restart it with the '--protected-mode no' "
    "option. 4) Setup a an authentication password for the default user. NOTE: You only need to "
    "do one of the above things in order for the server to start accepting connections from the "
    "outside.\r\n";

namespace {

// As Redis: exactly 127.0.0.1 or ::1 is local (not the rest of 127/8, nor ::ffff:127.0.0.1).
bool IsLoopbackPeer(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return false;
  if (addr.ss_family == AF_INET) {
    auto* in = reinterpret_cast<const sockaddr_in*>(&addr);
    return ntohl(in->sin_addr.s_addr) == INADDR_LOOPBACK;
  }
  if (addr.ss_family == AF_INET6) {
    auto* in6 = reinterpret_cast<const sockaddr_in6*>(&addr);
    return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
  }
  return false;
}

}  // namespace

bool DeniedByProtectedMode(const ServerState& state, int fd, bool unix_socket) {
  if (unix_socket || !state.limits.protected_mode.load(std::memory_order_relaxed)) return false;
  if (!state.acl.DefaultNoPass()) return false;
  return !IsLoopbackPeer(fd);
}

}  // namespace cairn::server
