// src/net/blocking_socket.cc — see blocking_socket.h.
#include "src/net/blocking_socket.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>

namespace cairn::server {
namespace {

// One read's worth: the replies MIGRATE waits for are a few bytes per key.
constexpr size_t kReadChunk = 16 * 1024;

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Waits for events on fd until deadline_ms (steady clock); EINTR does not shorten the wait.
LinkIo PollUntil(int fd, short events, int64_t deadline_ms) {
  for (;;) {
    int64_t left = deadline_ms - SteadyMs();
    if (left <= 0) return LinkIo::kTimedOut;
    pollfd p{fd, events, 0};
    int rc = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 1 << 30)));
    if (rc > 0) return LinkIo::kOk;
    if (rc < 0 && errno != EINTR) return LinkIo::kFailed;
  }
}

// A non-blocking socket connecting to ai, or -1 when connect(2) fails at once.
int StartConnect(const addrinfo* ai) {
  int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
  if (fd < 0) return -1;
  if (::connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
    ::close(fd);
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

}  // namespace

std::unique_ptr<BlockingSocket> BlockingSocket::Connect(const std::string& host, int port,
                                                        int64_t timeout_ms) {
  if (port < 0 || port > 65535) return nullptr;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* res = nullptr;
  if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res) != 0) {
    return nullptr;
  }
  int fd = -1;
  for (addrinfo* ai = res; ai != nullptr && fd < 0; ai = ai->ai_next) fd = StartConnect(ai);
  ::freeaddrinfo(res);
  if (fd < 0) return nullptr;
  // Ready for writing: connected or refused. Either way the first write tells.
  (void)PollUntil(fd, POLLOUT, SteadyMs() + timeout_ms);
  return std::unique_ptr<BlockingSocket>(new BlockingSocket(fd));
}

BlockingSocket::~BlockingSocket() { ::close(fd_); }

LinkIo BlockingSocket::Wait(short events, int64_t timeout_ms) {
  return PollUntil(fd_, events, SteadyMs() + timeout_ms);
}

LinkIo BlockingSocket::SendAll(std::string_view bytes, int64_t timeout_ms) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n > 0) {
      bytes.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      return LinkIo::kFailed;
    }
    if (LinkIo r = Wait(POLLOUT, timeout_ms); r != LinkIo::kOk) return r;
  }
  return LinkIo::kOk;
}

LinkIo BlockingSocket::Fill(int64_t timeout_ms) {
  in_.resize(kReadChunk);
  pos_ = 0;
  for (;;) {
    ssize_t n = ::recv(fd_, in_.data(), in_.size(), 0);
    if (n > 0) {
      in_.resize(static_cast<size_t>(n));
      return LinkIo::kOk;
    }
    if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
      in_.clear();
      return LinkIo::kFailed;  // closed by the target, or a socket error
    }
    if (LinkIo r = Wait(POLLIN, timeout_ms); r != LinkIo::kOk) {
      in_.clear();
      return r;
    }
  }
}

LinkIo BlockingSocket::ReadLine(std::string* line, size_t max_bytes, int64_t timeout_ms) {
  line->clear();
  for (;;) {
    size_t nl = in_.find('\n', pos_);
    size_t end = nl == std::string::npos ? in_.size() : nl;
    size_t room = max_bytes - std::min(max_bytes, line->size());
    line->append(in_, pos_, std::min(end - pos_, room));
    if (nl != std::string::npos) {
      pos_ = nl + 1;
      if (!line->empty() && line->back() == '\r') line->pop_back();
      return LinkIo::kOk;
    }
    if (LinkIo r = Fill(timeout_ms); r != LinkIo::kOk) return r;
  }
}

}  // namespace cairn::server
