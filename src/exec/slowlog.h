// src/exec/slowlog.h — SLOWLOG: the most recent commands that ran longer than
// slowlog-log-slower-than, newest first, at most slowlog-max-len of them.
//
// Cost model: every command pays one relaxed load and a compare (Slow()); only a command
// that is slow enough takes the mutex and copies its (trimmed) arguments. The threshold is
// held already folded: -1 ("log nothing") is stored as INT64_MAX, so there is one compare.
//
// Threading: every member is thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cairn::server {

struct SlowLogEntry {
  int64_t id = 0;
  int64_t unix_s = 0;
  int64_t duration_us = 0;
  std::vector<std::string> args;  // trimmed as Redis trims them (see Add)
  std::string client_addr;        // ip:port
  std::string client_name;
};

class SlowLog {
 public:
  // Redis's limits on what one entry keeps.
  static constexpr size_t kMaxArgs = 32;
  static constexpr size_t kMaxArgBytes = 128;

  // threshold_us < 0 turns logging off; 0 logs every command. max_len 0 keeps nothing.
  void Configure(int64_t threshold_us, int64_t max_len);
  int64_t threshold_us() const { return threshold_us_.load(std::memory_order_relaxed); }
  bool Slow(int64_t duration_us) const {
    return duration_us >= threshold_us_.load(std::memory_order_relaxed);
  }
  // Logs one command (call only when Slow() said so). Past kMaxArgs arguments the last kept
  // one reads "... (N more arguments)"; an argument past kMaxArgBytes keeps its first
  // kMaxArgBytes followed by "... (N more bytes)"; passwords read "(redacted)".
  void Add(std::span<const std::string_view> args, int64_t duration_us, std::string client_addr,
           std::string client_name);
  // Up to count entries, newest first (count < 0: all).
  std::vector<SlowLogEntry> Get(int64_t count) const;
  size_t Len() const;
  void Reset();

 private:
  std::atomic<int64_t> threshold_us_{INT64_MAX};
  mutable std::mutex mu_;
  std::deque<SlowLogEntry> entries_;  // guarded by mu_; newest at the front
  size_t max_len_ = 128;              // guarded by mu_
  int64_t next_id_ = 0;               // guarded by mu_
};

}  // namespace cairn::server
