// src/net/socket_debug_channel.h — a debugging session's channel over a connection's socket
// (script_debug.h), used from whichever thread runs the session.
//
// It owns a duplicate of the connection's descriptor, so the session may outlive the
// connection's own handle; the connection stops reading once it hands the channel out, and
// shuts the socket down when it closes, which ends a session still waiting for input. The
// socket stays non-blocking: waits are poll(2), in short slices so that a server shutting
// down is noticed.
//
// Thread-safety: one thread at a time.
#pragma once

#include <string>

#include "src/exec/script_debug.h"

namespace cairn::server {

class SocketDebugChannel final : public DebugChannel {
 public:
  // fd: the channel's own descriptor (closed with it). unread: input the connection had
  // read past the command that opened the channel.
  SocketDebugChannel(int fd, std::string unread);
  ~SocketDebugChannel() override;
  SocketDebugChannel(const SocketDebugChannel&) = delete;
  SocketDebugChannel& operator=(const SocketDebugChannel&) = delete;

  bool Send(std::string_view bytes) override;
  bool Receive(std::string* into, const std::atomic<bool>* stop) override;

 private:
  static constexpr int kPollSliceMs = 100;

  int fd_;
  std::string unread_;
};

}  // namespace cairn::server
