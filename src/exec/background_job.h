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
// neither happens: a long Run() should look at ServerState::shutting_down and stop. When
// the I/O thread already runs its most jobs (IoThread::kMaxJobs), Run() executes on the
// I/O thread itself, and the rest is the same.
//
// Threading: Run() on the job's thread; Abandon() and the command's second run on the
// client's I/O thread, after Run() has returned.
#pragma once

namespace cairn::server {

class BackgroundJob {
 public:
  virtual ~BackgroundJob() = default;
  virtual void Run() = 0;
  virtual void Abandon() {}
};

}  // namespace cairn::server
