// src/net/blocking_socket.h — a TCP client connection used in blocking style, every wait
// bounded by a timeout: connect, send everything, read a line. For the few places where the
// server itself is a client and the calling thread may wait (MIGRATE's target connections).
//
// The socket is non-blocking underneath and each wait is a poll(2) with the caller's timeout,
// so a target that stops answering costs at most that long per wait, and a large transfer
// goes on for as long as the target keeps reading. Writes use MSG_NOSIGNAL: a closed peer is
// an error, never SIGPIPE.
//
// Thread-safety: none; one thread uses a socket at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "src/exec/migrate_link.h"

namespace cairn::server {

class BlockingSocket {
 public:
  // Connects to host:port (a name or a numeric address, IPv4 or IPv6): starts connecting to
  // the first address the name resolves to that does not fail at once, and waits up to
  // timeout_ms for the connection. nullptr when the name does not resolve or no connect could
  // start. As with Redis 7.0's blocking connect, a connection that is refused or still pending
  // after the wait is returned all the same: its first SendAll reports it (kFailed, or
  // kTimedOut after that call's own wait), so MIGRATE says "writing" where Redis does.
  static std::unique_ptr<BlockingSocket> Connect(const std::string& host, int port,
                                                 int64_t timeout_ms);
  ~BlockingSocket();
  BlockingSocket(const BlockingSocket&) = delete;
  BlockingSocket& operator=(const BlockingSocket&) = delete;

  // Writes all of bytes, waiting up to timeout_ms each time the socket buffer is full.
  LinkIo SendAll(std::string_view bytes, int64_t timeout_ms);
  // Reads up to '\n' and stores the line without its line ending in *line, keeping at most
  // max_bytes of it (the rest of a longer line is dropped). Waits up to timeout_ms each time
  // no bytes are ready. What arrives after the line stays buffered (at most one read's worth)
  // for the next call.
  LinkIo ReadLine(std::string* line, size_t max_bytes, int64_t timeout_ms);

 private:
  explicit BlockingSocket(int fd) : fd_(fd) {}
  // Waits until the socket is ready for events; kTimedOut after timeout_ms.
  LinkIo Wait(short events, int64_t timeout_ms);
  // Replaces the buffered input with what one read returns (waiting for it).
  LinkIo Fill(int64_t timeout_ms);

  int fd_;
  std::string in_;  // bytes read and not yet returned start at in_[pos_]
  size_t pos_ = 0;
};

}  // namespace cairn::server
