// store/durability/group_commit.h — the single WAL writer that batches records from all I/O threads.
//
// Protocol, state by state:
//   filling  — Append (any thread, under shard locks) assigns the next LSN and copies the
//              framed record into the filling batch; it never waits for the disk.
//   writing  — one owner at a time (writer_busy_) swaps the filling batch out, writes it in
//              one write() and, under appendfsync always, fdatasyncs it. Meanwhile the next
//              batch fills. The owner is either the commit thread or a leader: a thread
//              that appended records and, before it goes idle, finds the log idle and
//              commits the batch itself (CommitInline). The leader path is what a lone or
//              light write takes: no wake-up of another thread on the way to the disk, none
//              back, and the leader releases its own clients' replies at once.
//   durable  — durable_lsn advances to the batch's last LSN and on_durable(lsn) is called
//              on the owner's thread (the server wakes the event loops holding replies up
//              to that LSN).
// Who commits a batch: under appendfsync always, an appender on a thread marked
// CommitsInlineOnThisThread() leaves its batch for its own CommitInline; any other appender,
// and every appender under everysec and no, wakes the commit thread. A
// CommitInline that finds another thread writing waits for it (a follower) and leads the
// next batch; with no follower waiting, a finished writer hands a batch that filled
// meanwhile to the commit thread, so no batch waits for an appender's loop to come round. The
// thread sleeps only while nothing is filling: a lone write on an idle server is written
// and synced at once. No timer is involved, except everysec's once-a-second fdatasync.
//
// Failure: if a write or sync fails, the batch stays pending and is retried (every
// retry_interval_ms, always on the commit thread: a leader hands a failed batch over) until
// it succeeds; durable_lsn does not advance, so its replies stay held, and failed() is true
// so the server refuses new writes (MISCONF) until the disk recovers. Nothing acknowledged
// is lost: only durable writes are acknowledged.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "store/durability/wal_writer.h"
#include "store/journal.h"

namespace cairn::store {

enum class FsyncPolicy { kAlways, kEverySec, kNo };

struct GroupCommitOptions {
  WalWriterOptions wal;
  FsyncPolicy policy = FsyncPolicy::kAlways;
  int retry_interval_ms = 100;
  // Testing only: sleep this long before each fdatasync, so tests can observe that replies
  // wait for durability.
  int sync_delay_ms_for_testing = 0;
  // Called on the commit thread after each batch becomes durable (always) or written.
  std::function<void(uint64_t lsn)> on_durable;
  // Called on the commit thread when a write or sync fails (a kIoError whose errno says why)
  // and again, with OK, when it recovers.
  std::function<void(const Status& status)> on_error;
};

struct GroupCommitStats {
  uint64_t bytes = 0;           // bytes written to the log
  uint64_t fsyncs = 0;
  uint64_t batches = 0;
  uint64_t records = 0;
  uint64_t max_batch_records = 0;
  uint64_t max_pending_bytes = 0;  // the highest pending_bytes() seen
  uint64_t last_fsync_us = 0;
  uint64_t failures = 0;
};

class GroupCommit final : public Journal {
 public:
  // next_lsn: the LSN the first appended record gets (last recovered LSN + 1).
  GroupCommit(GroupCommitOptions options, uint64_t next_lsn);
  ~GroupCommit() override;

  void Start();
  // Writes and syncs everything appended so far, stops the thread and closes the segment
  // file. Returns the error of a final write or sync that failed. The object stays usable
  // for the calls a thread that still holds its pointer may make: Append is not one of them
  // (its journal is swapped out first), CommitInline then returns false, SyncThrough
  // answers OK for what was synced and fails with ECANCELED beyond it, and the accessors
  // answer.
  Status Stop();

  uint64_t Append(std::string_view payload) override;
  // Marks the calling thread as one that calls CommitInline before it goes idle (an event
  // loop's I/O thread): its Appends do not wake the commit thread.
  static void CommitsInlineOnThisThread();
  // If this thread appended records since its last call and no batch is being written,
  // writes (and syncs) the filling batch here and now, calls on_durable on this thread and
  // returns true. Otherwise the commit thread, or whoever is writing, takes the batch.
  bool CommitInline();
  // The next batch starts a new segment file (called when a snapshot starts). Any thread.
  void RotateSegment() { rotate_.store(true, std::memory_order_release); }
  uint64_t last_lsn() const override { return last_lsn_.load(std::memory_order_acquire); }
  // Waits until the commit thread has fdatasync'ed through lsn (under everysec and no it
  // syncs on request). A filling batch that an event loop would commit itself is handed to
  // the commit thread, so a caller holding shard locks never waits for that loop. A
  // kIoError with EIO if the log is failing, ECANCELED if it stopped first.
  Status SyncThrough(uint64_t lsn) override;
  // Replies revealing LSN <= durable_lsn() may leave. Under everysec and no, every written
  // batch counts (those policies acknowledge before the sync, as Redis does).
  uint64_t durable_lsn() const { return durable_lsn_.load(std::memory_order_seq_cst); }
  bool failed() const { return failed_.load(std::memory_order_acquire); }
  // Bytes appended but not yet written (the filling batch plus the one being written): the
  // server pauses reading from clients while this is over its limit (back-pressure), since
  // Append itself must never wait. Any thread.
  uint64_t pending_bytes() const { return pending_bytes_.load(std::memory_order_relaxed); }
  FsyncPolicy policy() const { return policy_.load(std::memory_order_relaxed); }
  // CONFIG SET appendfsync (any thread): batches from the next one on follow the new policy.
  // Switching to always makes later replies wait for a sync (which also covers what earlier
  // policies wrote); switching away acknowledges after write(2), as Redis does.
  void SetPolicy(FsyncPolicy policy);
  GroupCommitStats stats() const;

 private:
  // A batch taken out of filling_ into writing_.
  struct Batch {
    uint64_t first_lsn = 0, last_lsn = 0, records = 0;
  };

  void Run();
  // Takes the filling batch into writing_; mu_ held, writer_busy_ set by the caller.
  Batch TakeFilling();
  // Writes (and syncs) one batch; retries until it succeeds or the commit thread stops.
  void Commit(const Batch& batch);
  // After a batch is written (and synced): counters, durable_lsn, on_durable.
  void Published(const Batch& batch, FsyncPolicy policy);
  // Releases writer_busy_ and wakes a follower, else the commit thread if a batch or a
  // sync request waits. The Locked form with mu_ held.
  void ReleaseWriter();
  void ReleaseWriterLocked();
  Status WriteOnce(uint64_t first_lsn, FsyncPolicy policy);
  Status TimedSync();
  // Tracks failed()/on_error from the result of a write or sync.
  void ReportHealth(const Status& st);
  void MaybeSyncEverySecond();
  // A SyncThrough caller waits for records that are written but not yet synced.
  bool SyncRequested() const;
  // Syncs what has been written; on success everything written so far counts as synced.
  void SyncWritten();

  GroupCommitOptions options_;  // options_.policy is only the initial policy_
  WalWriter writer_;
  std::thread thread_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable synced_cv_;  // SyncThrough waiters
  std::condition_variable follow_cv_;  // CommitInline callers waiting for the writer
  std::atomic<FsyncPolicy> policy_;     // options_.policy, then what CONFIG SET chose
  uint64_t synced_lsn_;                // guarded by mu_: fdatasync'ed through this LSN
  uint64_t sync_wanted_lsn_ = 0;       // guarded by mu_: highest LSN a SyncThrough awaits
  std::string filling_;
  uint64_t filling_first_lsn_ = 0;
  uint64_t filling_records_ = 0;
  uint64_t next_lsn_;
  bool stop_ = false;
  bool writer_busy_ = false;  // guarded by mu_: writer_ and writing_ are owned by someone
  bool handed_over_ = false;  // guarded by mu_: writing_ holds a leader's failed batch
  int followers_ = 0;         // guarded by mu_: CommitInline callers waiting to lead
  bool wanted_ = false;       // guarded by mu_: the filling batch is the commit thread's to take
  Batch handed_batch_;        // guarded by mu_
  GroupCommitStats stats_;  // guarded by mu_

  std::string writing_;  // the writer_busy_ owner only
  int64_t last_sync_ms_ = 0;
  Status final_error_;  // commit thread; read by Stop after the join
  std::atomic<uint64_t> last_lsn_;
  std::atomic<uint64_t> durable_lsn_;
  std::atomic<bool> failed_{false};
  std::atomic<uint64_t> pending_bytes_{0};
  std::atomic<bool> rotate_{false};
};

}  // namespace cairn::store
