// src/exec/monitor.cc — see monitor.h.
#include "src/exec/monitor.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "src/base/quoted.h"
#include "src/exec/command.h"
#include "src/exec/redaction.h"

namespace cairn::server {

std::string FormatMonitorLine(int64_t unix_us, int db, std::string_view addr,
                              std::span<const std::string_view> args) {
  char head[64];
  std::snprintf(head, sizeof(head), "%lld.%06lld [%d ", static_cast<long long>(unix_us / 1000000),
                static_cast<long long>(unix_us % 1000000), db);
  std::string line(head);
  line.append(addr).append("]");
  std::vector<bool> secret = SecretArguments(args);
  for (size_t i = 0; i < args.size(); ++i) {
    line.push_back(' ');
    AppendQuoted(&line, secret[i] ? std::string_view("(redacted)") : args[i]);
  }
  return line;
}

void Monitors::Add(ClientState* client) {
  std::lock_guard lock(mu_);
  if (std::find(monitors_.begin(), monitors_.end(), client) != monitors_.end()) return;
  monitors_.push_back(client);
  count_.store(static_cast<int>(monitors_.size()), std::memory_order_relaxed);
}

void Monitors::Remove(ClientState* client) {
  std::lock_guard lock(mu_);
  auto it = std::find(monitors_.begin(), monitors_.end(), client);
  if (it == monitors_.end()) return;
  monitors_.erase(it);
  count_.store(static_cast<int>(monitors_.size()), std::memory_order_relaxed);
}

void Monitors::Feed(const ClientState& client, int db, std::span<const std::string_view> args,
                    size_t limit, uint64_t lsn) {
  int64_t unix_us = std::chrono::duration_cast<std::chrono::microseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
  std::string line = "+" + FormatMonitorLine(unix_us, db, client.addr, args) + "\r\n";
  std::lock_guard lock(mu_);
  for (ClientState* m : monitors_) m->mailbox.Post(line, limit, lsn);
}

}  // namespace cairn::server
