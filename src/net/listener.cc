// src/net/listener.cc — see listener.h.
#include "src/net/listener.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "src/base/log.h"
#include "src/exec/errors.h"
#include "src/net/protected_mode.h"

namespace cairn::server {
namespace {

std::string Errno(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

// Fills ss for a Redis bind address ("*" = all IPv4, "::*" = all IPv6, a leading '-' marks
// an address that may be unavailable).
bool ParseBindAddress(std::string address, int port, sockaddr_storage* ss, socklen_t* len) {
  if (!address.empty() && address[0] == '-') address.erase(0, 1);
  std::memset(ss, 0, sizeof(*ss));
  if (address == "*" || address == "0.0.0.0") address = "0.0.0.0";
  if (address == "::*") address = "::";
  auto* v4 = reinterpret_cast<sockaddr_in*>(ss);
  if (inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    *len = sizeof(sockaddr_in);
    return true;
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(ss);
  if (inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    *len = sizeof(sockaddr_in6);
    return true;
  }
  return false;
}

}  // namespace

Listener::Listener(uv_loop_t* loop, ServerState* state,
                   std::vector<std::unique_ptr<IoThread>>* threads)
    : loop_(loop), state_(state), threads_(threads), stats_(state->stats.Create()) {
  uv_async_init(loop_, &port_change_, OnPortChange);
  port_change_.data = this;
}

Listener::~Listener() { Stop(); }

std::string Listener::Start(const Config& config, const TlsContext* tls) {
  for (bool secure : {false, true}) {
    int port = secure ? config.tls.port : config.port;
    const TlsContext* ctx = secure ? tls : nullptr;
    if (port == 0 || (secure && tls == nullptr)) continue;
    for (const std::string& address : config.bind) {
      std::string err = ListenTcp(address, port, config.tcp_backlog, ctx);
      if (!err.empty() && address[0] != '-') return err;
    }
  }
  if (!config.unixsocket.empty()) {
    std::string err = ListenUnix(config.unixsocket, config.unixsocketperm, config.tcp_backlog);
    if (!err.empty()) return err;
  }
  if (sockets_.empty()) return "no listening sockets (set port, tls-port or unixsocket)";
  return "";
}

std::string Listener::ListenTcp(const std::string& address, int port, int backlog,
                                const TlsContext* tls) {
  int fd = -1;
  std::string err = OpenTcp(address, port, backlog, &fd);
  if (err.empty()) {
    Watch(fd, false, tls);
    std::lock_guard lock(port_mu_);
    tcp_.push_back({address, port, fd, tls});
  }
  return err;
}

std::string Listener::OpenTcp(const std::string& address, int port, int backlog, int* out) {
  sockaddr_storage ss;
  socklen_t len = 0;
  if (!ParseBindAddress(address, port, &ss, &len)) return "invalid bind address '" + address + "'";
  std::string where = "Could not create server TCP listening socket " + address + ":" +
                      std::to_string(port) + ": ";
  int fd = ::socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return where + Errno("socket");
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (ss.ss_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
  if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 || ::listen(fd, backlog) != 0) {
    std::string err = where + Errno("bind");
    ::close(fd);
    return err;
  }
  *out = fd;
  return "";
}

std::string Listener::PlanPort(const Config& config, int port, const TlsContext* tls,
                               std::vector<Bound>* next, std::vector<Bound>* opened) {
  for (const std::string& address : port == 0 ? std::vector<std::string>{} : config.bind) {
    // An address already listening on this port keeps its socket (a second one could not
    // bind it).
    auto same = std::find_if(tcp_.begin(), tcp_.end(), [&](const Bound& b) {
      return b.port == port && b.address == address && (b.tls == nullptr) == (tls == nullptr);
    });
    if (same != tcp_.end()) {
      next->push_back(*same);
      continue;
    }
    int fd = -1;
    std::string err = OpenTcp(address, port, config.tcp_backlog, &fd);
    if (err.empty()) {
      next->push_back({address, port, fd, tls});
      opened->push_back(next->back());
    } else if (address[0] != '-') {
      return err;
    }
  }
  return "";
}

std::string Listener::ChangePorts(const Config& config, int port, int tls_port,
                                  const TlsContext* tls, bool* tls_failed) {
  std::lock_guard lock(port_mu_);
  *tls_failed = false;
  if (stopped_) return "Unable to listen on this port. Check server logs.";
  // Every new socket of both kinds is opened before anything is replaced, so a failure
  // leaves the listening sockets exactly as they were.
  std::vector<Bound> next, opened;
  std::string err = PlanPort(config, port, nullptr, &next, &opened);
  if (err.empty()) {
    err = PlanPort(config, tls_port, tls, &next, &opened);
    *tls_failed = !err.empty();
  }
  if (!err.empty()) {
    for (const Bound& b : opened) ::close(b.fd);
    Log(LogLevel::kWarning, "Failed to change the listening sockets: %s", err.c_str());
    return "Unable to listen on this port. Check server logs.";
  }
  tcp_ = std::move(next);
  // Sockets opened by an earlier change the loop has not adopted yet: those still wanted are
  // handed over with the new ones, the others closed.
  for (const Bound& b : opened_) {
    bool wanted =
        std::any_of(tcp_.begin(), tcp_.end(), [&](const Bound& t) { return t.fd == b.fd; });
    if (wanted) {
      opened.push_back(b);
    } else {
      ::close(b.fd);
    }
  }
  opened_ = std::move(opened);
  port_changed_ = true;
  uv_async_send(&port_change_);
  return "";
}

void Listener::OnPortChange(uv_async_t* async) noexcept {
  auto* self = static_cast<Listener*>(async->data);
  std::vector<Bound> opened, tcp;
  {
    std::lock_guard lock(self->port_mu_);
    if (!self->port_changed_) return;
    self->port_changed_ = false;
    opened = std::exchange(self->opened_, {});
    tcp = self->tcp_;
  }
  std::vector<Socket*> keep;
  for (Socket* s : self->sockets_) {
    bool still_bound =
        std::any_of(tcp.begin(), tcp.end(), [&](const Bound& b) { return b.fd == s->fd; });
    if (s->unix_socket || still_bound) {
      keep.push_back(s);
    } else {
      self->CloseSocket(s);
    }
  }
  self->sockets_ = std::move(keep);
  for (const Bound& b : opened) self->Watch(b.fd, false, b.tls);
}

std::string Listener::ListenUnix(const std::string& path, int perm, int backlog) {
  sockaddr_un sun{};
  if (path.size() >= sizeof(sun.sun_path)) return "unixsocket path too long: " + path;
  sun.sun_family = AF_UNIX;
  std::memcpy(sun.sun_path, path.c_str(), path.size() + 1);
  ::unlink(path.c_str());
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Errno("socket");
  if (::bind(fd, reinterpret_cast<sockaddr*>(&sun), sizeof(sun)) != 0 ||
      ::listen(fd, backlog) != 0) {
    std::string err = "Failed opening Unix socket " + path + ": " + Errno("bind");
    ::close(fd);
    return err;
  }
  if (perm != 0) ::chmod(path.c_str(), static_cast<mode_t>(perm));
  unix_path_ = path;
  Watch(fd, true, nullptr);
  return "";
}

void Listener::Watch(int fd, bool unix_socket, const TlsContext* tls) {
  auto* s = new Socket{this, fd, unix_socket, tls, {}, {}};
  uv_poll_init(loop_, &s->poll, fd);
  uv_timer_init(loop_, &s->backoff);
  s->poll.data = s;
  s->backoff.data = s;
  uv_poll_start(&s->poll, UV_READABLE, OnReadable);
  sockets_.push_back(s);
}

void Listener::OnReadable(uv_poll_t* poll, int status, int) noexcept {
  if (status < 0) return;
  auto* s = static_cast<Socket*>(poll->data);
  s->owner->AcceptAll(s);
}

void Listener::AcceptAll(Socket* s) {
  for (;;) {
    int fd = ::accept4(s->fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE) {
        // The poll is level-triggered: stop it for a moment instead of spinning on a
        // socket that stays readable until a descriptor is free again.
        Log(LogLevel::kWarning, "Accepting client connection: %s", std::strerror(errno));
        uv_poll_stop(&s->poll);
        uv_timer_start(&s->backoff, OnBackoff, 100, 0);
      } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        Log(LogLevel::kWarning, "Accepting client connection: %s", std::strerror(errno));
      }
      return;
    }
    int max = state_->limits.maxclients.load(std::memory_order_relaxed);
    if (static_cast<int>(state_->clients.count()) >= max) {
      // (A TLS client could not read a plain error before its handshake: it is only closed.)
      std::string reply = "-" + std::string(errors::kMaxClients) + "\r\n";
      ssize_t ignored = s->tls == nullptr ? ::write(fd, reply.data(), reply.size()) : 0;
      (void)ignored;
      ::close(fd);
      stats_->rejected_connections.Add();
      continue;
    }
    if (DeniedByProtectedMode(*state_, fd, s->unix_socket)) {
      ssize_t ignored = ::write(fd, kProtectedModeDenied.data(), kProtectedModeDenied.size());
      (void)ignored;
      ::close(fd);
      stats_->rejected_connections.Add();
      continue;
    }
    IoThread& t = *(*threads_)[next_thread_++ % threads_->size()];
    t.Adopt(AcceptedSocket{fd, s->unix_socket, s->tls});
  }
}

void Listener::OnBackoff(uv_timer_t* timer) noexcept {
  auto* s = static_cast<Socket*>(timer->data);
  uv_poll_start(&s->poll, UV_READABLE, OnReadable);
}

void Listener::CloseSocket(Socket* s) {
  uv_poll_stop(&s->poll);
  uv_close(reinterpret_cast<uv_handle_t*>(&s->backoff), nullptr);
  // Handles close in order, so the timer is closed before the poll's callback frees s.
  uv_close(reinterpret_cast<uv_handle_t*>(&s->poll), [](uv_handle_t* h) {
    auto* sock = static_cast<Socket*>(h->data);
    ::close(sock->fd);
    delete sock;
  });
}

void Listener::Stop() {
  for (Socket* s : sockets_) CloseSocket(s);
  sockets_.clear();
  {
    std::lock_guard lock(port_mu_);
    if (!stopped_) uv_close(reinterpret_cast<uv_handle_t*>(&port_change_), nullptr);
    stopped_ = true;
    for (const Bound& b : opened_) ::close(b.fd);
    opened_.clear();
    tcp_.clear();
  }
  if (!unix_path_.empty()) ::unlink(unix_path_.c_str());
  unix_path_.clear();
}

}  // namespace cairn::server
