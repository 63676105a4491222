// src/exec/rdb_pipe.h — an RDB file on its way from the background job that writes it
// (background_job.h) to one client's connection while it is being written: Redis's disk-less
// full sync, where the replica receives the file (framed `$EOF:<mark>`) as the primary
// builds it, and the primary holds a window of the file rather than all of it.
//
// The writer (the job's thread) pushes pieces. It waits while kWindowBytes are pushed and
// not yet taken, so a replica that reads slowly paces the build instead of letting the file
// pile up in memory. The first push into an empty pipe calls notify (the client's loop
// wakes, as for its mailbox); the reader (the client's I/O thread) takes what is there into
// its output whenever the output has room, and again each time its output drains.
//
// A reader that makes no progress for stall_limit while the writer waits (takes nothing, and
// its socket takes nothing: NoteProgress) fails the push (timed_out()), so a replica that
// stopped reading does not hold the build for ever: the primary drops it, as Redis drops a
// replica whose disk-less transfer makes no progress for repl-timeout.
//
// The client may go while the file is written: its connection cancels the pipe as it
// closes, and from then on a push fails at once (a waiting one wakes) and RunUnlessCancelled
// runs nothing, so the client drops out of the build (which stops when no client is left:
// rdb_fanout.h) and no replica that is gone is registered.
//
// Threading: Push, RunUnlessCancelled and set_cut_lsn on the writer's thread (the job that
// builds the file, which may be another client's: rdb_fanout.h); TakeInto and Cancel on the
// reader's; the rest on either. Lock order: the pipe's lock before whatever
// RunUnlessCancelled's function takes.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace cairn::server {

class RdbPipe {
 public:
  // What the writer may push ahead of the reader (four of the writer's ~1 MB pieces).
  static constexpr size_t kWindowBytes = size_t{4} << 20;

  // notify: wakes the reader's loop (any thread, no lock held); may be empty (no loop).
  // stop: polled while a push waits, so a shutdown is not held up by a reader that never
  // takes; may be empty. stall_limit: how long a push waits without any take.
  RdbPipe(std::function<void()> notify, std::function<bool()> stop,
          std::chrono::milliseconds stall_limit = std::chrono::hours(1));
  RdbPipe(const RdbPipe&) = delete;
  RdbPipe& operator=(const RdbPipe&) = delete;

  // Writer: runs fn under the pipe's lock unless the pipe is cancelled; returns whether it
  // ran. A Cancel() comes either before (fn does not run) or after it (the reader's close
  // then undoes what fn did).
  bool RunUnlessCancelled(const std::function<void()>& fn);
  // Writer: appends a copy of bytes, first waiting while the window is full. False (nothing
  // appended) once cancelled, when stop() says so while it waits, or when nothing was taken
  // for stall_limit (then timed_out()).
  bool Push(std::string_view bytes);
  // Writer: the LSN the file's contents stand for; its bytes leave only once the log is
  // durable through it (as a read's reply does).
  void set_cut_lsn(uint64_t lsn) { cut_lsn_.store(lsn, std::memory_order_release); }
  uint64_t cut_lsn() const { return cut_lsn_.load(std::memory_order_acquire); }

  // Reader: moves every piece pushed so far to the end of *out and wakes a waiting writer;
  // returns their bytes.
  size_t TakeInto(std::vector<std::string>* out);
  // Reader: the client's socket took some of the file (a slow replica is still a reader).
  void NoteProgress();
  // Reader: the client is gone. Idempotent.
  void Cancel();
  // Whether any byte was ever pushed (a failure after that leaves the client a partial file).
  bool started() const { return pushed_.load(std::memory_order_acquire) > 0; }
  // Bytes pushed so far.
  uint64_t pushed() const { return pushed_.load(std::memory_order_acquire); }
  // Whether a push failed because the reader made no progress for stall_limit.
  bool timed_out() const { return timed_out_.load(std::memory_order_acquire); }

 private:
  const std::function<void()> notify_;
  const std::function<bool()> stop_;
  const std::chrono::milliseconds stall_limit_;
  std::mutex mu_;
  std::condition_variable room_;
  std::deque<std::string> pieces_;  // guarded by mu_
  size_t queued_ = 0;               // guarded by mu_: bytes in pieces_
  bool cancelled_ = false;          // guarded by mu_
  uint64_t progress_ = 0;           // guarded by mu_: takes and NoteProgress calls
  std::atomic<bool> timed_out_{false};
  std::atomic<uint64_t> pushed_{0};
  std::atomic<uint64_t> cut_lsn_{0};
};

}  // namespace cairn::server
