// src/exec/pending_output.h — what a command may ask of its connection's output, without
// sockets: whether replies to earlier commands are still queued or being written.
//
// Commands that hand the connection over to something else (SYNC and PSYNC, whose stream must
// start right after their reply; SCRIPT DEBUG, which opens a channel of its own) refuse to run
// behind queued replies, as Redis does.
//
// Threading: called on the client's I/O thread only.
#pragma once

namespace cairn::server {

class PendingOutput {
 public:
  virtual ~PendingOutput() = default;
  // Whether replies are queued or being written now (TLS records included).
  virtual bool HasPendingOutput() const = 0;
};

}  // namespace cairn::server
