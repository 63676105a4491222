// src/net/link_socket.cc — see link_socket.h.
#include "src/net/link_socket.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "src/exec/server_state.h"

namespace cairn::server {
namespace {

constexpr size_t kReadChunk = 64 * 1024;

Status LinkError(std::string message) { return Status(Code::kIoError, std::move(message)); }

// OpenSSL's reason for a failed call, with the certificate check's verdict when that is what
// failed, and this thread's error queue cleared.
std::string TlsReason(SSL* ssl, int code) {
  std::string reason;
  char buf[256];
  for (unsigned long e = ERR_get_error(); e != 0; e = ERR_get_error()) {
    ERR_error_string_n(e, buf, sizeof(buf));
    reason += (reason.empty() ? "" : "; ") + std::string(buf);
  }
  long verify = SSL_get_verify_result(ssl);
  if (verify != X509_V_OK) {
    reason += std::string(reason.empty() ? "" : " (") + X509_verify_cert_error_string(verify) +
              (reason.empty() ? "" : ")");
  }
  if (!reason.empty()) return reason;
  if (code == SSL_ERROR_ZERO_RETURN) return "closed by the peer";
  if (code == SSL_ERROR_SYSCALL) return errno != 0 ? std::strerror(errno) : "connection lost";
  return "TLS error";
}

}  // namespace

LinkSocket::~LinkSocket() {
  SSL_free(ssl_);
  if (fd_ >= 0) ::close(fd_);
}

Status LinkSocket::Connect(const std::string& host, int port, int64_t deadline_ms) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  std::string service = std::to_string(port);
  if (int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &res); rc != 0) {
    return LinkError("cannot resolve " + host + ": " + gai_strerror(rc));
  }
  std::string where = "connecting to " + peer_ + " " + host + ":" + service;
  Status st = LinkError("no address for " + host);
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    st = ConnectTo(ai, where, deadline_ms);
    if (st.ok()) break;
  }
  freeaddrinfo(res);
  return st;
}

Status LinkSocket::ConnectTo(const addrinfo* ai, const std::string& where, int64_t deadline_ms) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return Status::IoError(errno, "socket");
  int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (::connect(fd_, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
    return Status::IoError(errno, where);
  }
  if (Status st = WaitFor(POLLOUT, deadline_ms); !st.ok()) return st;
  int err = 0;
  socklen_t len = sizeof(err);
  getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0) return Status::IoError(err, where);
  return Status::Ok();
}

Status LinkSocket::StartTls(SSL* ssl, int64_t deadline_ms) {
  ssl_ = ssl;
  if (ssl_ == nullptr) return LinkError("TLS is not configured (tls-cert-file, tls-key-file)");
  if (SSL_set_fd(ssl_, fd_) != 1) return LinkError("TLS setup failed: " + TlsReason(ssl_, 0));
  for (;;) {
    ERR_clear_error();
    int rc = SSL_do_handshake(ssl_);
    if (rc == 1) return Status::Ok();
    if (Status st = WaitForTls(rc, "TLS handshake with", deadline_ms); !st.ok()) return st;
  }
}

Status LinkSocket::WaitFor(short events, int64_t deadline_ms) {
  timed_out_ = false;
  for (;;) {
    if (cancelled_()) {
      was_cancelled_ = true;
      return LinkError("the link was asked to stop");
    }
    int64_t left = deadline_ms - WallMs();
    if (left <= 0) {
      timed_out_ = true;
      return LinkError("timeout talking to " + peer_ + " (repl-timeout)");
    }
    pollfd p{fd_, events, 0};
    int rc = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 100)));
    if (rc > 0) return Status::Ok();
    if (rc < 0 && errno != EINTR) return Status::IoError(errno, "poll");
  }
}

Status LinkSocket::WaitForTls(int rc, const char* doing, int64_t deadline_ms) {
  int code = SSL_get_error(ssl_, rc);
  if (code == SSL_ERROR_WANT_READ) return WaitFor(POLLIN, deadline_ms);
  if (code == SSL_ERROR_WANT_WRITE) return WaitFor(POLLOUT, deadline_ms);
  if (code == SSL_ERROR_ZERO_RETURN) return LinkError("the " + peer_ + " closed the connection");
  return LinkError(std::string(doing) + " " + peer_ + ": " + TlsReason(ssl_, code));
}

Status LinkSocket::Send(std::string_view bytes, int64_t timeout_ms) {
  timed_out_ = false;  // a failure below that is not a wait's is no timeout
  while (!bytes.empty()) {
    if (ssl_ != nullptr) {
      ERR_clear_error();
      int n =
          SSL_write(ssl_, bytes.data(), static_cast<int>(std::min<size_t>(bytes.size(), 1 << 30)));
      if (n > 0) {
        bytes.remove_prefix(static_cast<size_t>(n));
      } else if (Status st = WaitForTls(n, "writing to", WallMs() + timeout_ms); !st.ok()) {
        return st;
      }
      continue;
    }
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n > 0) {
      bytes.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EINTR) {
      return Status::IoError(errno, "writing to " + peer_);
    }
    if (Status st = WaitFor(POLLOUT, WallMs() + timeout_ms); !st.ok()) return st;
  }
  return Status::Ok();
}

Status LinkSocket::Receive(std::string* in, int64_t deadline_ms) {
  timed_out_ = false;  // a failure below that is not a wait's is no timeout
  size_t old = in->size();
  in->resize(old + kReadChunk);
  Status st;
  for (;;) {
    if (ssl_ != nullptr) {
      // OpenSSL may hold decrypted bytes the socket no longer shows: read before polling.
      ERR_clear_error();
      int n = SSL_read(ssl_, in->data() + old, static_cast<int>(kReadChunk));
      if (n > 0) {
        in->resize(old + static_cast<size_t>(n));
        return Status::Ok();
      }
      st = WaitForTls(n, "reading from", deadline_ms);
      if (!st.ok()) break;
      continue;
    }
    // Read first, wait only when nothing is there: a stream that keeps coming costs one
    // syscall per chunk, not a poll and a read. A cancel is seen here as in a wait.
    if (cancelled_()) {
      was_cancelled_ = true;
      st = LinkError("the link was asked to stop");
      break;
    }
    ssize_t n = ::recv(fd_, in->data() + old, kReadChunk, 0);
    if (n > 0) {
      in->resize(old + static_cast<size_t>(n));
      return Status::Ok();
    }
    if (n == 0) {
      st = LinkError("the " + peer_ + " closed the connection");
      break;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      st = WaitFor(POLLIN, deadline_ms);
      if (!st.ok()) break;
    } else if (errno != EINTR) {
      st = Status::IoError(errno, "reading from " + peer_);
      break;
    }
  }
  in->resize(old);
  return st;
}

}  // namespace cairn::server
