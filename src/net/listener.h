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
#include <mutex>
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

  // CONFIG SET port/tls-port/bind (any thread): opens both ports on every bind address of
  // config at once, the plain port and tls_port (whose sockets handshake with tls), so a port
  // in use fails here with Redis's text ("Unable to listen on this port...") and changes
  // nothing (*tls_failed says which kind failed); then has the main loop close the sockets no
  // longer configured and accept on the new ones. Port 0 closes that kind's sockets; a socket
  // already listening where it should stays. Returns an empty string on success.
  [[nodiscard]] std::string ChangePorts(const Config& config, int port, int tls_port,
                                        const TlsContext* tls, bool* tls_failed);

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
  // A bound, listening, non-blocking TCP socket in *fd, or an error text.
  [[nodiscard]] static std::string OpenTcp(const std::string& address, int port, int backlog,
                                           int* fd);
  static void OnPortChange(uv_async_t* async) noexcept;
  void CloseSocket(Socket* s);
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
  // CONFIG SET port hands the new sockets to the main loop through port_change_.
  uv_async_t port_change_;
  std::mutex port_mu_;
  struct Bound {  // a TCP listening socket: what it was opened for
    std::string address;
    int port;
    int fd;
    const TlsContext* tls;  // nullptr: the plain port
  };
  // ChangePorts for one kind: appends to *next the sockets of that kind config asks for,
  // opening the missing ones (also appended to *opened). Called with port_mu_ held. Returns
  // an error text when one cannot be opened (the caller closes what *opened holds).
  [[nodiscard]] std::string PlanPort(const Config& config, int port, const TlsContext* tls,
                                     std::vector<Bound>* next, std::vector<Bound>* opened);

  std::vector<Bound> tcp_;      // guarded by port_mu_: the TCP sockets as configured now
  std::vector<Bound> opened_;   // guarded by port_mu_: opened, not yet watched by the loop
  bool port_changed_ = false;   // guarded by port_mu_
  bool stopped_ = false;        // guarded by port_mu_: port_change_ is closed
};

}  // namespace cairn::server
