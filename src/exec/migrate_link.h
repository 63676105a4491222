// src/exec/migrate_link.h — the connections MIGRATE talks to target instances over, as the
// command layer sees them: a pool that lends a connection per host:port, and what a lent
// connection does (send bytes, read one reply line, remember the database it selected).
//
// The networking layer implements the pool with cached blocking sockets
// (src/net/migrate_socket_cache.h) and sets ServerState::migrate_links before the I/O threads
// start; commands never see a socket. In-process (tests) the pointer is null, or a fake.
//
// Every call blocks the calling thread, each wait for the target lasting at most the timeout
// it is given. Thread-safety: the pool is shared by every thread; a lent connection belongs to
// the one command that holds it until Release.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace cairn::server {

// What one operation on a connection came to. A timeout is told apart from other failures
// because MIGRATE retries after a failure on a cached connection (the target may simply have
// closed it), but never after a timeout (a slow target would be slow again).
enum class LinkIo { kOk, kFailed, kTimedOut };

// One connection to a target instance.
class MigrateLink {
 public:
  // Reply lines longer than this keep only their start (the rest is read and dropped): the
  // replies MIGRATE reads are +OK and error lines, and a target cannot make us buffer more.
  static constexpr size_t kMaxLineBytes = 1024;

  virtual ~MigrateLink() = default;
  // Writes all of bytes. kTimedOut when the target accepts nothing for timeout_ms.
  virtual LinkIo Send(std::string_view bytes, int64_t timeout_ms) = 0;
  // Reads the next reply line into *line, without its CRLF. kTimedOut when nothing arrives for
  // timeout_ms; kFailed when the target closed the connection or the socket failed.
  virtual LinkIo ReadLine(std::string* line, int64_t timeout_ms) = 0;

  // The database the target has selected on this connection; -1 when unknown (a new
  // connection, or one whose last use got an error reply). Kept by the command.
  int64_t selected_db = -1;
};

// The cache of connections, one per host:port as given (Redis keys its cache the same way).
class MigrateLinkPool {
 public:
  virtual ~MigrateLinkPool() = default;
  // Lends a connection to host:port: the cached one when no other command holds it, else a
  // new one, connected within timeout_ms (and cached when there is room). nullptr when the
  // host does not resolve or the connection fails or times out.
  virtual MigrateLink* Acquire(std::string_view host, std::string_view port,
                               int64_t timeout_ms) = 0;
  // Gives back a connection Acquire lent. healthy false (an I/O error or timeout on it): it is
  // closed and leaves the cache, so the next Acquire connects afresh.
  virtual void Release(MigrateLink* link, bool healthy) = 0;
  // How many connections are cached, lent ones included (INFO migrate_cached_sockets).
  virtual size_t cached() const = 0;
};

}  // namespace cairn::server
