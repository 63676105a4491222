// src/exec/background_job.h — work a command hands off its I/O thread because it takes long
// (building a replica's RDB: about a second per million keys), so the thread's other clients
// are not held up meanwhile.
//
// The handler puts a job in BlockRequest::background and returns without a reply. The
// connection then stops running that client's commands (later ones wait in its buffer), and
// Run() executes on a thread of its own. When it returns, the client's own I/O thread runs
// the same command again with BlockRequest::retry set and `background` holding the finished
// job; that second run replies, in order with the client's other replies. If the client is
// gone by then, Abandon() is called instead, on that I/O thread (a second run may call it
// too, for a job that failed). At shutdown a job still running is waited for, and then
// neither happens: a long Run() should look at ServerState::shutting_down and stop. A Run()
// may also wait on its client (a streamed full sync waits for the replica to read, at most
// repl-timeout without progress: src/exec/rdb_pipe.h), or on other clients (a full sync
// that shares another's build waits out repl-diskless-sync-delay and that build:
// src/exec/rdb_fanout.h), holding its slot meanwhile.
//
// An I/O thread runs at most IoThread::kMaxJobs jobs at once. A job past that waits in the
// thread's queue, its client held as while a job runs, and starts (first come, first
// started) when a running one finishes. Run() never executes on an I/O thread. A client
// that leaves while its job is still queued (or a server shutting down, which closes every
// client) gets Abandon() on its I/O thread at once, and Run() is never called.
//
// Threading: Run() on the job's thread; Abandon() and the command's second run on the
// client's I/O thread, after Run() has returned (or instead of it, for a queued job).
#pragma once

namespace cairn::server {

class BackgroundJob {
 public:
  virtual ~BackgroundJob() = default;
  virtual void Run() = 0;
  virtual void Abandon() {}
};

}  // namespace cairn::server
