// src/net/listener.h — listening sockets (TCP per bind address, and the unix socket) and the
// accept loop that spreads new connections round-robin over the I/O threads. The plain and
// the TLS port listen side by side; a TLS connection differs only inside its Connection.
//
// The listener runs on the main thread's loop. Accepted sockets are created non-blocking and
// handed to an IoThread, which owns them from then on. When maxclients is reached, the new
// connection gets Redis's error and is closed.
#pragma once

#include <uv.h>

#include <memory>
#include <string>
#include <vector>

#include "src/net/io_thread.h"

namespace cairn::server {

class Listener {
 public:
  Listener(uv_loop_t* loop, ServerState* state, std::vector<std::unique_ptr<IoThread>>* threads);
  ~Listener();

  // Binds and listens on every configured address: port (plain TCP) and, when tls-port is
  // set, tls-port, whose connections handshake with tls (which outlives the listener).
  // Returns an error text on failure.
  [[nodiscard]] std::string Start(const Config& config, const TlsContext* tls);
  // Stops accepting and closes the listening sockets (and removes the unix socket file).
  void Stop();

 private:
  struct Socket {
    Listener* owner;
    int fd;
    bool unix_socket;
    const TlsContext* tls;  // the TLS port's sockets; nullptr for plain ones
    uv_poll_t poll;
    uv_timer_t backoff;  // re-arms the poll after running out of file descriptors
  };
  [[nodiscard]] std::string ListenTcp(const std::string& address, int port, int backlog,
                                      const TlsContext* tls);
  [[nodiscard]] std::string ListenUnix(const std::string& path, int perm, int backlog);
  void Watch(int fd, bool unix_socket, const TlsContext* tls);
  static void OnReadable(uv_poll_t* poll, int status, int events) noexcept;
  void AcceptAll(Socket* s);
  static void OnBackoff(uv_timer_t* timer) noexcept;

  uv_loop_t* loop_;
  ServerState* state_;
  std::vector<std::unique_ptr<IoThread>>* threads_;
  std::vector<Socket*> sockets_;
  ThreadStats* stats_;  // this listener's own counters (rejected connections)
  std::string unix_path_;
  size_t next_thread_ = 0;
};

}  // namespace cairn::server
