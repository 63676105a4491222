// src/net/socket_debug_channel.cc — see socket_debug_channel.h.
#include "src/net/socket_debug_channel.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

namespace cairn::server {

SocketDebugChannel::SocketDebugChannel(int fd, std::string unread)
    : fd_(fd), unread_(std::move(unread)) {}

SocketDebugChannel::~SocketDebugChannel() { ::close(fd_); }

bool SocketDebugChannel::Send(std::string_view bytes) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kSendTimeoutMs);
  while (!bytes.empty()) {
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      bytes.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return false;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLOUT, 0};
    (void)::poll(&p, 1, static_cast<int>(left.count()));
  }
  return true;
}

bool SocketDebugChannel::Receive(std::string* into, const std::atomic<bool>* stop) {
  if (!unread_.empty()) {
    into->append(unread_);
    unread_.clear();
    return true;
  }
  char buf[16 * 1024];
  for (;;) {
    if (stop != nullptr && stop->load(std::memory_order_relaxed)) return false;
    ssize_t n = ::recv(fd_, buf, sizeof(buf), MSG_DONTWAIT);
    if (n > 0) {
      into->append(buf, static_cast<size_t>(n));
      return true;
    }
    if (n == 0) return false;  // the client closed, or the connection shut the socket down
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return false;
    pollfd p{fd_, POLLIN, 0};
    (void)::poll(&p, 1, kPollSliceMs);
  }
}

}  // namespace cairn::server
