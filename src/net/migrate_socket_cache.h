// src/net/migrate_socket_cache.h — MIGRATE's connections to target instances: at most one
// cached connection per host:port, reused by later MIGRATEs, as Redis caches them.
//
// Limits are Redis's: at most kMaxCached connections (a new one beyond that replaces the
// least recently used idle one, or is not cached when every cached one is lent out), and a
// connection idle for more than kIdleMs is closed by CloseIdle, which the server's background
// loop calls several times a second. A connection that failed is closed at once (Release).
//
// Unlike Redis, several threads may MIGRATE at the same time: a cached connection is lent to
// one command at a time, and a command that finds it lent connects afresh and closes that
// extra connection when it is done, so two commands never interleave on one socket.
//
// Thread-safety: every member may be called from any thread; the map is guarded by a mutex
// that is never held during network I/O (connecting happens outside it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "src/exec/migrate_link.h"

namespace cairn::server {

class MigrateSocketCache final : public MigrateLinkPool {
 public:
  static constexpr size_t kMaxCached = 64;   // Redis's MIGRATE_SOCKET_CACHE_ITEMS
  static constexpr int64_t kIdleMs = 10000;  // Redis's MIGRATE_SOCKET_CACHE_TTL (10 s)

  MigrateSocketCache();
  ~MigrateSocketCache() override;

  MigrateLink* Acquire(std::string_view host, std::string_view port, int64_t timeout_ms) override;
  void Release(MigrateLink* link, bool healthy) override;
  size_t cached() const override;

  // Closes the cached connections that no command holds and that were last used more than
  // kIdleMs before now_ms (steady clock, NowMs).
  void CloseIdle(int64_t now_ms);
  // The clock CloseIdle compares against: steady milliseconds.
  static int64_t NowMs();

 private:
  class Link;
  struct Slot {
    std::unique_ptr<Link> link;
    bool lent = false;
    int64_t last_use_ms = 0;  // for the idle timeout
    uint64_t last_use = 0;    // use order, for eviction (many uses fall in one millisecond)
  };

  // Caches link under its key if there is room (after dropping the least recently used idle
  // slot when full); false when it stays uncached. Called with mu_ held.
  bool CacheLocked(std::unique_ptr<Link>* link, int64_t now_ms);

  mutable std::mutex mu_;
  std::unordered_map<std::string, Slot> slots_;  // "host:port" -> its connection
  uint64_t uses_ = 0;  // guarded by mu_
};

}  // namespace cairn::server
