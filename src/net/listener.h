// src/net/listener.h — listening sockets (TCP per bind address, and the unix socket) and the
// accept loop that spreads new connections round-robin over the I/O threads.
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

  // Binds and listens on every configured address. Returns an error text on failure.
  [[nodiscard]] std::string Start(const Config& config);
  // Stops accepting and closes the listening sockets (and removes the unix socket file).
  void Stop();

 private:
  struct Socket {
    Listener* owner;
    int fd;
    bool unix_socket;
    uv_poll_t poll;
    uv_timer_t backoff;  // re-arms the poll after running out of file descriptors
  };
  [[nodiscard]] std::string ListenTcp(const std::string& address, int port, int backlog);
  [[nodiscard]] std::string ListenUnix(const std::string& path, int perm, int backlog);
  void Watch(int fd, bool unix_socket);
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
