// src/exec/monitor.h — MONITOR: every command the server runs, as one text line per command,
// sent to the clients that asked for it.
//
// A line is `+<unix seconds>.<micros> [<db> <client addr>] "<arg>" "<arg>"...` with the
// arguments quoted and escaped as Redis prints them, fed after the command ran (so SELECT
// shows the database it selected). As in Redis: admin commands (CONFIG, MONITOR itself...)
// are not shown, AUTH's and HELLO's secrets are redacted, a command queued in MULTI shows
// when EXEC runs it (before EXEC's own line), and a blocked command shows once.
//
// Lines travel like Pub/Sub messages, through each monitor's Mailbox; a monitor that does
// not read is disconnected at the pubsub class's hard output limit rather than growing the
// server without bound.
//
// Threading: Add/Remove on the monitor's owner thread; Feed from any thread. The mutex
// guards the list; a monitor is removed before its ClientState is destroyed.
#pragma once

#include <atomic>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "src/exec/client.h"

namespace cairn::server {

struct CommandSpec;

class Monitors {
 public:
  void Add(ClientState* client);
  // No-op if client is not a monitor.
  void Remove(ClientState* client);
  // Cheap check for the command path.
  bool active() const { return count_.load(std::memory_order_relaxed) > 0; }
  // Sends the line for a command client ran in db. limit: the mailbox limit (bytes); lsn:
  // what the command wrote (the line waits until it is durable, like the command's reply).
  void Feed(const ClientState& client, int db, std::span<const std::string_view> args,
            size_t limit, uint64_t lsn);

 private:
  std::mutex mu_;
  std::vector<ClientState*> monitors_;  // guarded by mu_
  std::atomic<int> count_{0};
};

// The line, without the leading '+' and trailing CRLF (tests).
std::string FormatMonitorLine(int64_t unix_us, int db, std::string_view addr,
                              std::span<const std::string_view> args);

}  // namespace cairn::server
