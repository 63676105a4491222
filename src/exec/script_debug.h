// src/exec/script_debug.h — what a Lua debugging session (SCRIPT DEBUG YES|SYNC, then EVAL)
// needs from the networking layer, without sockets: a blocking byte channel to the client.
//
// A session talks to its client directly, outside the request/reply path: the debugger sends
// logs and reads the client's next debugger command from inside the script's line hook, while
// the EVAL is still running (Redis does the same with a blocking socket). The connection
// hands out a channel only when it has nothing of its own pending (no reply queued or being
// written), stops reading from then on, and closes once the EVAL has ended.
//
// Threading: a channel belongs to one thread at a time (the I/O thread for SYNC; the session's
// background job for YES). DebugPort is called on the client's I/O thread.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <string_view>

#include "src/exec/pending_output.h"

namespace cairn::server {

class DebugChannel {
 public:
  virtual ~DebugChannel() = default;
  // Sends bytes, waiting while the client does not take them, for at most the send timeout
  // (kSendTimeoutMs, as Redis's). False when they could not all be sent.
  virtual bool Send(std::string_view bytes) = 0;
  // Appends the next bytes the client sent (input it had sent before the channel opened
  // first), waiting for them. False at end of input, on an error, or when *stop becomes true
  // (the server shuts down).
  virtual bool Receive(std::string* into, const std::atomic<bool>* stop) = 0;

  static constexpr int kSendTimeoutMs = 5000;
};

// Provided by a socket connection (ClientState::debug_port); TLS and in-process clients have
// none, and SCRIPT DEBUG sessions cannot start there. HasPendingOutput (PendingOutput): SCRIPT
// DEBUG must come outside a pipeline, as in Redis.
class DebugPort : public PendingOutput {
 public:
  // Opens the channel and stops reading commands: the connection closes once the command
  // that opened it has replied. nullptr if output is pending.
  virtual std::unique_ptr<DebugChannel> OpenDebugChannel() = 0;
};

}  // namespace cairn::server
