// src/exec/rdb_fanout.h — one streamed RDB build shared by every client that asked for a file
// before its cut: Redis's disk-less sync, where one child writes the file for all the
// replicas that arrived within repl-diskless-sync-delay of the first (or while the previous
// transfer was still running), rather than one build per replica.
//
// Each client's job joins the open fanout for its kind of file (RdbFanouts::Join); the first
// to join leads: it waits out the delay, builds the file once and pushes each piece into
// every member's pipe (rdb_pipe.h); the others wait for it to finish. The fanout closes
// before the capture: a client that joins after it starts the next build. At the cut each
// member runs
// its own at_cut (a full sync registers its replica there and pushes its own +FULLRESYNC
// line and `$EOF:` framing), so the members share the file's bytes and nothing else.
//
// A member whose client leaves, or stops reading for repl-timeout, drops out; the others go
// on. The slowest reader paces the build for all (each pipe holds a bounded window), as in
// Redis. The build stops when no member is left.
//
// Threading: Join and WaitFinished on any member's job thread; Cut, Push and Finish on the
// leader's, which alone touches the members between Cut and Finish. A member's status is
// read once WaitFinished (or Finish, for the leader) has returned.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "src/exec/rdb_pipe.h"
#include "store/base/status.h"

namespace cairn::server {

class RdbFanout {
 public:
  // One client's share of the file, owned by its job.
  struct Member {
    std::shared_ptr<RdbPipe> pipe;
    // At the cut, on the leader's thread: what the client gets before the file (it pushes
    // into pipe itself), given the mark that ends the file; returns the replication offset
    // its stream starts from (0: none). An error drops the member.
    std::function<Result<uint64_t>(uint64_t cut_lsn, std::string_view mark)> at_cut;
    // How the file went for this client; set by the time the fanout is finished.
    Status status;
  };

  // Adds m unless the fanout has reached its cut (false: the caller starts another).
  bool Join(Member* m);
  // Leader: waits until `until`, or until `enough` members have joined (0: no such count),
  // or stop() says so; polls stop() at least every 50 ms.
  void WaitForMembers(std::chrono::steady_clock::time_point until, size_t enough,
                      const std::function<bool()>& stop);
  size_t members();

  // Leader: right before each attempt at the capture, no one may join any more (a member
  // must have begun before the cut, or the file would lack what was written in between);
  // Reopen when the attempt found the capture busy (no cut was taken).
  void Close();
  void Reopen();
  // Leader, at the cut: runs each member's at_cut with the file's end mark (one for all:
  // they get the same bytes). Returns the highest offset a member starts from (the file's
  // repl-offset: the bytes between the members' offsets carry no write, only keep-alive
  // PINGs); an error when no member is left.
  Result<uint64_t> Cut(uint64_t cut_lsn, std::string_view mark);
  // Leader: bytes of the file to every member still in; an error when none is.
  Status Push(std::string_view bytes);
  // Leader: the build ended with st; each member that had not dropped out gets it. Wakes
  // WaitFinished.
  void Finish(const Status& st);
  // A member that is not the leader: returns once the leader has finished.
  void WaitFinished();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Member*> members_;  // guarded by mu_ until Cut; the leader's after it
  bool closed_ = false;           // guarded by mu_
  bool finished_ = false;         // guarded by mu_
};

// The fanouts clients may still join, one per kind of file (a key naming what it leaves
// out: REPLCONF rdb-filter-only). Thread-safe.
class RdbFanouts {
 public:
  // The open fanout of that kind, with m joined; *leader when m opened it (its job builds).
  std::shared_ptr<RdbFanout> Join(const std::string& kind, RdbFanout::Member* m, bool* leader);

 private:
  std::mutex mu_;
  std::map<std::string, std::weak_ptr<RdbFanout>> open_;  // guarded by mu_
};

}  // namespace cairn::server
