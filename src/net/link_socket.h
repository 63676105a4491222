// src/net/link_socket.h — a connection this server opens to another server (a replica's link
// to its primary), plain TCP or TLS, used in blocking style by one thread of its own.
//
// The socket is non-blocking underneath; every wait is a poll(2) in 100 ms slices that ends
// early when the owner's cancel check says so, and fails once the caller's deadline passes.
// With TLS (tls-replication), OpenSSL runs directly on the socket: a read or write that
// OpenSSL cannot finish says which way it waits, and the wait is the same poll. A closed peer
// is an error, never SIGPIPE: plain sends use MSG_NOSIGNAL, and OpenSSL's writes rely on the
// server ignoring SIGPIPE (server.cc).
//
// Thread-safety: one thread uses it; shutdown(2) on fd() may come from any thread and ends
// the current wait.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "store/base/status.h"

typedef struct ssl_st SSL;
struct addrinfo;

namespace cairn::server {

class LinkSocket {
 public:
  // peer: how error messages name the other side ("MASTER"). cancelled: polled while
  // waiting; true ends the wait (an error, and was_cancelled()).
  LinkSocket(std::string peer, std::function<bool()> cancelled)
      : peer_(std::move(peer)), cancelled_(std::move(cancelled)) {}
  ~LinkSocket();
  LinkSocket(const LinkSocket&) = delete;
  LinkSocket& operator=(const LinkSocket&) = delete;

  // Connects to host:port, trying each address the name resolves to, waiting until
  // deadline_ms (unix ms) for each.
  [[nodiscard]] Status Connect(const std::string& host, int port, int64_t deadline_ms);
  // Runs a client-side TLS handshake over the connected socket (ssl from
  // TlsContext::NewClientSession; owned from here on, even on failure). Fails with OpenSSL's
  // reason, e.g. a peer certificate the CAs did not sign.
  [[nodiscard]] Status StartTls(SSL* ssl, int64_t deadline_ms);

  // Sends all of bytes, waiting up to timeout_ms each time the peer does not take more.
  [[nodiscard]] Status Send(std::string_view bytes, int64_t timeout_ms);
  // Appends what arrives to *in: at least one byte, unless the wait ends first (the deadline,
  // cancel, the peer closing, an error).
  [[nodiscard]] Status Receive(std::string* in, int64_t deadline_ms);

  // Whether a wait was ever cancelled; whether the last Send/Receive failed by reaching its
  // deadline (not by an error or the peer closing).
  bool was_cancelled() const { return was_cancelled_; }
  bool timed_out() const { return timed_out_; }
  // The socket, for shutdown(2) from another thread; -1 before Connect.
  int fd() const { return fd_; }
  bool tls() const { return ssl_ != nullptr; }

 private:
  Status ConnectTo(const addrinfo* ai, const std::string& where, int64_t deadline_ms);
  // Waits until the socket is ready for events (POLLIN/POLLOUT) or deadline_ms.
  Status WaitFor(short events, int64_t deadline_ms);
  // After an OpenSSL call returned rc: waits the way it asks, or fails with its reason.
  Status WaitForTls(int rc, const char* doing, int64_t deadline_ms);

  std::string peer_;
  std::function<bool()> cancelled_;
  int fd_ = -1;
  SSL* ssl_ = nullptr;
  bool was_cancelled_ = false;
  bool timed_out_ = false;
};

}  // namespace cairn::server
