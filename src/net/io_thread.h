// src/net/io_thread.h — one I/O thread: a libuv loop that owns a set of client connections.
//
// Connections never move between threads: all of a connection's reads, command execution
// and writes happen on its thread. Other threads talk to an IoThread only through Post(),
// which queues a task and wakes the loop with uv_async_send.
#pragma once

#include <uv.h>

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "src/exec/background_job.h"
#include "src/exec/server_state.h"

namespace cairn::server {

class Connection;
class TlsContext;

// A freshly accepted socket on its way to an I/O thread.
struct AcceptedSocket {
  int fd;
  bool unix_socket;
  const TlsContext* tls = nullptr;  // from the TLS port: the context to handshake with
};

class IoThread {
 public:
  IoThread(ServerState* state, int index);
  ~IoThread();
  IoThread(const IoThread&) = delete;
  IoThread& operator=(const IoThread&) = delete;

  // Starts the thread and its loop. Call once.
  void Start();
  // Closes every connection and handle, ends the loop and joins the thread. Any thread but
  // this one.
  void Stop();
  // Runs task on this thread's loop. Any thread. Tasks posted after Stop() are dropped.
  void Post(std::function<void()> task);
  // Runs job (background_job.h) on a thread of its own for client id's command, then, on
  // this loop, FinishJob. When kMaxJobs already run on this thread, or no thread could be
  // started, the job waits in a queue (first come, first started) until one finishes, or
  // the cron retries a thread that failed to start. Never runs the job on this thread.
  // Loop thread. Stop() waits for running jobs; queued ones are abandoned when their
  // client leaves (Unregister), as at shutdown.
  void RunInBackground(uint64_t id, std::shared_ptr<BackgroundJob> job);
  // Resumes client id's connection with its finished job (Connection::OnBackgroundDone), or
  // abandons the job if the connection is gone, and starts the next queued job. Loop thread.
  void FinishJob(uint64_t id, const std::shared_ptr<BackgroundJob>& job);
  // At most this many background jobs (each may hold a whole RDB in memory, wait on a
  // replica that reads slowly, or wait for the shared build it joined: rdb_fanout.h) run
  // per I/O thread.
  static constexpr size_t kMaxJobs = 2;
  // Hands an accepted socket to this thread, which wraps it in a Connection. Any thread.
  // Sockets wait in their own queue, not among the tasks, so that a thread busy in a script
  // can still open them and answer BUSY (ServeBusy) without running arbitrary tasks.
  void Adopt(AcceptedSocket socket);

  uv_loop_t* loop() { return &loop_; }
  ServerState* state() { return state_; }
  ThreadStats* stats() { return stats_; }
  int index() const { return index_; }

  // Called by Connection on this thread.
  void Register(Connection* c);
  void Unregister(Connection* c);
  // Runs the commands CLIENT PAUSE held on this thread. Loop thread.
  void ResumePaused();
  // Closes client id's connection if it was asked to (CLIENT KILL). Loop thread.
  void CheckKill(uint64_t id);
  // c holds replies until the WAL is durable through lsn: OnDurable it when that happens.
  // Loop thread only.
  void WaitDurable(Connection* c, uint64_t lsn);
  // The WAL's durable LSN advanced to lsn (0: the log failed, held replies become errors):
  // wakes the loop if one of its connections waits for that, so a loop with nothing to
  // release sleeps on. From this loop's own thread (it led the commit) no wake-up is needed:
  // the release follows the commit.
  void NotifyDurable(uint64_t lsn);
  // Client id's mailbox has messages (Pub/Sub): the loop hands them to its connection.
  // Any thread; wake-ups coalesce. From this thread itself (a publisher and its subscriber
  // on one loop) no wake-up is needed: the messages go out once this loop iteration's
  // reads are done, together, as Redis writes in beforeSleep.
  void NotifyMail(uint64_t id);
  // Client id's connection ran what it read: its replies go out once this loop iteration's
  // reads are done (OnLoopCheck), one write per connection in a burst, as Redis writes in
  // beforeSleep. A client woken by the first reply then finds the others ready instead of
  // being woken for each. Loop thread.
  void DeferFlush(uint64_t id) { deferred_flush_.push_back(id); }
  // Hands a served blocked client's reply to its connection on this thread. Any thread; if
  // the client is gone the reply is dropped.
  void Deliver(Delivery delivery);
  // Whether this thread is serving its clients from inside a busy script (ServeBusy).
  bool serving_busy() const { return serving_busy_; }

 private:
  // A script on this thread is busy: opens the sockets accepted meanwhile (OpenAdopted), then
  // reads and runs what the other clients sent (they get BUSY, or SCRIPT KILL / SHUTDOWN
  // NOSAVE run), without re-entering the loop.
  static void ServeBusy(void* self, const ClientState* running);
  // One of this thread's commands waits for a shard lock: while a script is busy (it holds
  // the shard), the thread's other clients are served as in ServeBusy, so SCRIPT KILL
  // reaches the script from them too.
  static void OnLockWait(void* self);
  static void OnAsync(uv_async_t* handle) noexcept;
  static void OnDurableAsync(uv_async_t* handle) noexcept;
  static void OnMailAsync(uv_async_t* handle) noexcept;
  static void OnLoopCheck(uv_check_t* handle) noexcept;
  // Before the loop blocks: commits what this thread appended to the WAL, if the log is
  // idle, and releases the replies that waited for it (GroupCommit::CommitInline).
  static void OnLoopPrepare(uv_prepare_t* handle) noexcept;
  void CommitPending();
  // Flushes the connections that wait for durability (they re-register if still held).
  void ReleaseDurable();
  void DeliverMail(const std::vector<uint64_t>& ids);
  // Flushes the connections DeferFlush listed, but for running's (a busy script's client,
  // mid-command), which stays listed.
  void FlushDeferred(const ClientState* running = nullptr);
  static void OnCron(uv_timer_t* handle) noexcept;
  void RunTasks();
  // Wraps every socket Adopt queued in a Connection. Loop thread.
  void OpenAdopted();
  void CloseIdleClients();
  // Notes what each client holds now in the server's recent peaks (client_peaks.h).
  void SampleClientPeaks();
  // A client over its soft output limit for longer than allowed is closed even when
  // nothing new is sent to it.
  void CheckOutputLimits();
  void Shutdown();

  ServerState* state_;
  ThreadStats* stats_;
  int index_;
  uv_loop_t loop_;
  uv_async_t async_;
  uv_async_t durable_async_;
  uv_async_t mail_async_;
  uv_check_t mail_check_;  // after each iteration's I/O: deferred flushes, local_mail_
  std::vector<uint64_t> deferred_flush_;  // DeferFlush, in arrival order
  uv_prepare_t commit_prepare_;  // before each poll: CommitPending
  // Active while local_mail_ is not empty: keeps the loop from blocking in its poll when the
  // mail was posted from a timer, before the poll phase.
  uv_idle_t mail_idle_;
  uv_timer_t cron_;
  std::thread thread_;
  // Background jobs' threads: started and reaped by the loop, the rest joined by Stop()
  // once the loop has ended.
  struct JobThread {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  std::vector<JobThread> jobs_;
  // Jobs started whose FinishJob has not run yet: the slots in use (a finished job's thread
  // may outlive its slot by a moment; ReapJobs joins it).
  size_t running_jobs_ = 0;
  struct QueuedJob {
    uint64_t id;
    std::shared_ptr<BackgroundJob> job;
  };
  std::deque<QueuedJob> queued_jobs_;  // loop thread only
  void ReapJobs();
  // Starts job on a thread of its own; false when no thread could be started.
  bool StartJob(uint64_t id, const std::shared_ptr<BackgroundJob>& job);
  // Starts queued jobs while slots are free.
  void StartQueuedJobs();
  // Client id left: its queued job (if any) is dropped and abandoned.
  void DropQueuedJob(uint64_t id);
  std::mutex mu_;
  std::vector<std::function<void()>> tasks_;   // guarded by mu_
  std::vector<AcceptedSocket> adopted_;        // guarded by mu_
  bool stopping_ = false;                      // guarded by mu_
  std::unordered_map<uint64_t, Connection*> connections_;  // by client id; loop thread only
  bool serving_busy_ = false;
  std::vector<uint64_t> durable_waiters_;                    // client ids; loop thread only
  // The lowest LSN a waiter needs (UINT64_MAX: none). Written by this loop, read by the
  // thread that makes a batch durable; seq_cst against GroupCommit's durable_lsn store, so
  // a registration and a batch's publication never miss each other.
  std::atomic<uint64_t> wake_at_lsn_{UINT64_MAX};
  bool release_pending_ = false;  // loop thread only: a release found due outside a wake-up
  std::mutex mail_mu_;
  std::vector<uint64_t> mail_ids_;  // clients with new mail; guarded by mail_mu_
  std::vector<uint64_t> local_mail_;  // ... posted from this thread; loop thread only
};

}  // namespace cairn::server
