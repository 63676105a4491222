// src/exec/rdb_fanout.h — one streamed RDB build shared by every client that asked for a file
// before its cut: Redis's disk-less sync, where one child writes the file for all the
// replicas that arrived within repl-diskless-sync-delay of the first, rather than one build
// per replica. (Unlike Redis, where a replica that comes during a transfer waits for it to
// end, one that comes after a cut gets a build of its own at once: builds run side by side,
// and only their captures take turns.)
//
// Each client's job joins the open fanout for its kind of file (RdbFanouts::Join) when it
// starts running; the first to join leads: it waits out the delay, builds the file once and
// pushes each piece into every member's pipe (rdb_pipe.h); the others wait for it to finish.
// Every member must have begun its sync before the cut, or the file would lack what was
// written in between: the fanout stops taking members while the leader takes its capture
// (a newcomer waits to see whether a cut was taken) and for good once it is cut, after which
// a newcomer starts the next build. At the cut each member runs its own at_cut (a full sync
// registers its replica there and pushes its own +FULLRESYNC line and `$EOF:` framing), so
// the members share the file's bytes and nothing else.
//
// A member whose client leaves, or stops reading for repl-timeout, drops out; the others go
// on. The slowest reader paces the build for all (each pipe holds a bounded window), as in
// Redis. The build stops when no member is left.
//
// Members are jobs that run (background_job.h): an I/O thread runs two at once, and a
// waiting member holds its slot, so a third client of one I/O thread whose job is still
// queued joins only when a slot frees, and then the next build if this one is cut.
//
// Threading: Join and WaitFinished on any member's job thread; Close, Reopen, Cut, Push
// and Finish on the leader's, which alone touches the members between Cut and Finish. A
// Member must outlive the fanout's Finish (a member's job waits in WaitFinished); its status
// is read once WaitFinished (or Finish, for the leader) has returned.
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

  // Adds m unless the fanout is cut (false: the caller starts another). While the leader
  // takes its capture, waits to learn whether a cut was taken.
  bool Join(Member* m);
  // Leader: waits until `until`, or until `enough` members have joined (0: no such count),
  // or stop() says so; polls stop() at least every 50 ms.
  void WaitForMembers(std::chrono::steady_clock::time_point until, size_t enough,
                      const std::function<bool()>& stop);
  // How many clients have joined.
  size_t members() const;

  // Leader: right before each attempt at the capture, no one may join (Join waits); Reopen
  // when the attempt found the capture busy (no cut was taken).
  void Close();
  void Reopen();
  // Leader, at the cut: no one joins any more; runs each member's at_cut with the file's end
  // mark (one for all: they get the same bytes). Returns the highest offset a member starts
  // from (the file's repl-offset: the bytes between the members' offsets carry no write,
  // only keep-alive PINGs); an error when no member is left.
  Result<uint64_t> Cut(uint64_t cut_lsn, std::string_view mark);
  // Leader: bytes of the file to every member still in; an error when none is.
  Status Push(std::string_view bytes);
  // Leader: the build ended with st; each member that had not dropped out gets it. Wakes
  // WaitFinished.
  void Finish(const Status& st);
  // A member that is not the leader: returns once the leader has finished.
  void WaitFinished();

 private:
  enum class Stage { kOpen, kCapturing, kCut };
  void SetStage(Stage stage);

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Member*> members_;  // guarded by mu_ until Cut; the leader's after it
  Stage stage_ = Stage::kOpen;    // guarded by mu_
  bool finished_ = false;         // guarded by mu_
};

// The fanouts clients may still join, one per kind of file (a key naming what it leaves
// out: REPLCONF rdb-filter-only). Thread-safe.
class RdbFanouts {
 public:
  // The open fanout of that kind, with m joined; *leader when m opened it (its job builds).
  // May wait while that fanout's leader takes its capture (RdbFanout::Join).
  std::shared_ptr<RdbFanout> Join(const std::string& kind, RdbFanout::Member* m, bool* leader);

 private:
  std::mutex mu_;
  std::map<std::string, std::weak_ptr<RdbFanout>> open_;  // guarded by mu_
};

}  // namespace cairn::server
