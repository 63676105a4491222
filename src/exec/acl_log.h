// src/exec/acl_log.h — ACL LOG: the most recent refused commands and failed logins.
//
// As in Redis, a refusal like one already logged (same reason, context, object and user)
// within 60 seconds bumps that entry's count and moves it to the front instead of adding a
// new one; the log keeps at most acllog-max-len entries, newest first. Thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>

#include "resp/writer.h"

namespace cairn::server {

struct AclLogEntry {
  std::string reason;   // "command", "key", "channel", "auth"
  std::string context;  // "toplevel", "multi", "lua"
  std::string object;   // the command, key or channel refused; "AUTH" for a failed login
  std::string username;
  std::string client_info;  // the client's CLIENT LIST line
};

class AclLog {
 public:
  void Add(AclLogEntry entry, int64_t now_ms);
  void Reset();
  void set_max_len(size_t n);
  // ACL LOG [count]: up to count entries (all when count < 0), newest first, in Redis's shape.
  void Write(resp::Writer& w, int64_t count, int64_t now_ms);

 private:
  struct Stored {
    AclLogEntry entry;
    int64_t count = 1;
    int64_t created_ms = 0;
    int64_t updated_ms = 0;
  };
  std::mutex mu_;
  std::deque<Stored> entries_;  // newest first
  size_t max_len_ = 128;
};

}  // namespace cairn::server
