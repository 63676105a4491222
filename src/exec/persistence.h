// src/exec/persistence.h — snapshots as the server offers them: SAVE, BGSAVE, BGREWRITEAOF, the
// `save <seconds> <changes>` schedule, and an automatic snapshot when the WAL has grown
// (auto-aof-rewrite-min-size / -percentage). Every snapshot is followed by a WAL trim: the
// segments it covers are deleted (snapshot-then-trim). SAVE and BGSAVE then also write
// `dbfilename`, an RDB file a redis-server loads (rdb_files.h), as do the snapshots after
// FLUSHALL and at shutdown, and a BGSAVE that was scheduled; the `save`-schedule and automatic
// snapshots, and BGREWRITEAOF, write cairn's snapshot only.
//
// Threading: Save runs on the caller's thread; background snapshots run on one thread owned
// here; Cron runs on the server's background thread. At most one snapshot at a time.
// SnapshotAfterFlush blocks its I/O thread for a running background snapshot and its own, as
// Redis blocks for the save after FLUSHALL.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "src/exec/server_state.h"
#include "store/base/status.h"

namespace cairn::server {

class Persistence {
 public:
  // What INFO reports a snapshot as: Redis's RDB save (SAVE, BGSAVE, the `save` schedule, the
  // save after FLUSHALL) or its AOF rewrite (BGREWRITEAOF, the log's growth, a new log's base).
  enum class Job { kSave, kRewrite };
  // One kind's record, for INFO (rdb_* and aof_*rewrite* fields).
  struct JobInfo {
    bool in_progress = false;
    int64_t current_s = -1;        // seconds the running one has taken; -1: none runs
    int64_t last_duration_s = -1;  // the last one's, ended or failed; -1: none yet
    bool last_ok = true;           // a stopped base counts neither way
    int64_t begun = 0;             // since the start (Redis counts starts)
    int64_t consecutive_failures = 0;
  };

  Persistence(ServerState& state, std::string dir);
  ~Persistence();

  // Snapshot now, on this thread, and with rdb the RDB file too (SAVE). kBusy when a snapshot
  // is running; a failure's message says what failed ("writing <dir>/snapshot.cairn.tmp: No
  // space left on device"). counted: INFO's rdb_saves counts it, as Redis counts SAVE but not
  // its own saves after FLUSHALL or at shutdown.
  Status Save(bool rdb, bool counted);
  // Starts a background snapshot, with rdb the RDB file too (BGSAVE; BGREWRITEAOF without);
  // false if one is running. counted: INFO's rdb_saves / aof_rewrites count it. Any thread.
  bool StartBackground(bool rdb, Job job, bool counted = true);
  // What a BGSAVE or BGREWRITEAOF got from StartOrSchedule.
  enum class Request { kStarted, kScheduled, kSameRunning, kOtherRunning };
  // Redis's rules for its background commands: kSameRunning while a job of this kind runs;
  // otherwise starts it (rdb: the RDB file too), unless another snapshot runs or holds the
  // claim, or defer (inside EXEC, where Redis defers every fork). Then, with may_schedule or
  // defer, it is scheduled (kScheduled): Cron starts it once no snapshot runs, a rewrite
  // before a save; else kOtherRunning. Scheduling a rewrite clears its consecutive failures,
  // as Redis does. Any thread.
  Request StartOrSchedule(Job job, bool rdb, bool may_schedule, bool defer);
  // A scheduled job waits for Cron (INFO aof_rewrite_scheduled). Any job of its kind that
  // starts, however started, takes the request. Any thread.
  bool scheduled(Job job) const { return scheduled_[static_cast<int>(job)].load(); }
  // Starts a scheduled job, else checks the save schedule and WAL growth and starts a
  // background snapshot when due.
  void Cron();
  // After FLUSHALL on a server without the WAL that has save points: a snapshot taken after
  // the flush replaces the last one, so a restart does not bring the flushed keys back (Redis
  // saves at once there too). With can_wait, on this thread, after a running background
  // snapshot (which may hold the keys) has ended. Until a snapshot that began after the flush
  // has succeeded (without can_wait, or when this one failed or another was running), Cron
  // starts one whenever none is running.
  void SnapshotAfterFlush(bool can_wait);
  // Runs fn on this thread while no snapshot runs or starts (none replaces the snapshot file
  // or trims the log under it: DEBUG LOADAOF reads both); waits for a running one first.
  // Call without shard locks held. (A running snapshot may wait for records this thread's
  // loop has not committed yet; its SyncThrough hands them to the commit thread.)
  Status WhileNoSnapshot(const std::function<Status()>& fn);
  // From inside WhileNoSnapshot's fn only: hands the claim to task, which WhileNoSnapshot
  // starts on the background snapshot thread once fn has returned (so nothing fn does after
  // this call races the task). No snapshot runs or starts until task has returned;
  // in_progress() is true meanwhile (CONFIG SET appendonly yes: the new log's base is
  // written there while the command answers).
  // The task's snapshot counts as job (it must take it with SnapshotWhileClaimed).
  void ContinueInBackground(Job job, std::function<void()> task);
  // Asks the task ContinueInBackground runs to stop early: a snapshot it takes with
  // SnapshotWhileClaimed fails (store::IsCancelledSnapshot) after the key it is at.
  // The next task handed over starts without the request, so a caller must not race the
  // handing over (the server's switches both stop and hand over under one lock).
  void RequestTaskStop() { task_stop_.store(true, std::memory_order_relaxed); }
  // A snapshot of the cairn format only, on this thread, while the claim is held (in
  // WhileNoSnapshot's fn, or in a task ContinueInBackground runs); INFO counts it as a
  // rewrite (it is a new log's base), and RequestTaskStop stops it.
  Status SnapshotWhileClaimed();
  // Waits for a running background snapshot.
  void Stop();

  bool in_progress() const { return running_.load(std::memory_order_acquire); }
  JobInfo job_info(Job job) const;
  // The newest snapshot's size, and what the log has written since it was cut (INFO's
  // aof_base_size and, together, aof_current_size).
  uint64_t snapshot_bytes() const { return snapshot_bytes_.load(); }
  uint64_t log_bytes_since_snapshot() const;
  // The running snapshot's progress: keys written so far, of the keys there were as it
  // began (INFO's current_save_keys_processed and _total); 0 and 0 when none runs.
  uint64_t save_keys_processed() const { return save_keys_done_.load(std::memory_order_relaxed); }
  uint64_t save_keys_total() const { return save_keys_total_.load(std::memory_order_relaxed); }
  int64_t last_save_s() const { return state_.last_save_s.load(); }
  // Writes since the last snapshot (Store::changes), with or without the WAL: what the
  // `save` schedule and INFO's rdb_changes_since_last_save count.
  uint64_t changes_since_save() const;

 private:
  // Marks job as running (INFO), unless it already is: from its claim on; counted, it adds
  // one to its count. It takes a request scheduled for its kind. End marks it ended, just
  // before the claim is released, after Run has recorded its outcome.
  void Begin(Job job, bool counted = true);
  void End(Job job);
  // One snapshot counted as job: Snapshot, and the job's outcome (not its end).
  Status Run(Job job, bool rdb, const std::atomic<bool>* cancel = nullptr);
  // The shared body: snapshot, trim, then the RDB file if asked. cancel: see SnapshotOptions.
  Status Snapshot(bool rdb, const std::atomic<bool>* cancel);
  store::GroupCommit* wal() const { return state_.wal.load(std::memory_order_acquire); }
  bool ScheduleDue(const Config& config, int64_t now_s) const;
  bool WalGrowthDue(const Config& config) const;
  // Writes dbfilename; the save progress counts on from keys_done_before.
  Status SaveRdbFile(uint64_t keys_done_before);

  ServerState& state_;
  std::string dir_;
  std::atomic<bool> running_{false};
  struct JobRecord {
    std::atomic<int64_t> started_ms{0};  // steady clock; 0: none runs
    std::atomic<int64_t> last_duration_s{-1};
    std::atomic<bool> last_ok{true};
    std::atomic<int64_t> begun{0};
    std::atomic<int64_t> consecutive_failures{0};
  };
  JobRecord jobs_[2];  // by Job
  std::atomic<bool> scheduled_[2] = {false, false};  // by Job: StartOrSchedule deferred it
  // FLUSHALLs that want a snapshot, and how many of them the newest successful snapshot
  // began after: while it is behind, Cron starts one (SnapshotAfterFlush).
  std::atomic<uint64_t> flushes_{0};
  std::atomic<uint64_t> flushes_saved_{0};
  std::atomic<uint64_t> snapshot_bytes_{0};
  std::atomic<uint64_t> save_keys_done_{0};
  std::atomic<uint64_t> save_keys_total_{0};
  std::atomic<uint64_t> wal_bytes_at_snapshot_{0};
  std::atomic<const store::GroupCommit*> log_at_snapshot_{nullptr};  // whose bytes those are
  // Set by ContinueInBackground, taken by WhileNoSnapshot on the same thread (the claim's
  // holder) before it starts the task, which then clears running_.
  std::function<void()> handed_task_;
  Job handed_job_ = Job::kRewrite;
  std::atomic<bool> task_stop_{false};  // RequestTaskStop
  std::mutex thread_mu_;
  std::thread thread_;
};

}  // namespace cairn::server
