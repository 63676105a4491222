// store/durability/group_commit.cc — see group_commit.h for the protocol.
#include "store/durability/group_commit.h"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "store/durability/wal_format.h"
#include "store/thread_hook.h"

namespace cairn::store {
namespace {

// Set on event-loop threads, which commit their own batches before they go idle.
thread_local bool t_commits_inline = false;
// This thread appended since its last CommitInline.
thread_local bool t_appended = false;

// A CommitInline that finds the log busy waits to lead the next batch only when at least
// this many records are filling (see CommitInline).
constexpr uint64_t kFollowMinRecords = 8;

int64_t SteadyUs() {
  using namespace std::chrono;
  return duration_cast<microseconds>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace

GroupCommit::GroupCommit(GroupCommitOptions options, uint64_t next_lsn)
    : options_(std::move(options)),
      writer_(options_.wal),
      policy_(options_.policy),
      synced_lsn_(next_lsn - 1),
      next_lsn_(next_lsn),
      last_lsn_(next_lsn - 1),
      durable_lsn_(next_lsn - 1) {}

GroupCommit::~GroupCommit() { (void)Stop(); }

void GroupCommit::SetPolicy(FsyncPolicy policy) {
  {
    std::lock_guard lock(mu_);
    policy_.store(policy, std::memory_order_relaxed);
  }
  cv_.notify_one();  // an idle commit thread starts (or stops) its once-a-second sync
}  // owners that care call Stop first

void GroupCommit::Start() { thread_ = std::thread([this] { Run(); }); }

Status GroupCommit::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  follow_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  synced_cv_.notify_all();
  // No one writes any more: the commit thread waited out any leader before it ended
  // (writer_busy_), and CommitInline takes no batch once stop_ is set.
  {
    std::lock_guard lock(mu_);
    if (!writer_busy_) {
      writer_.Close();
      std::string().swap(writing_);  // a stopped log that the server keeps holds no batch
      std::string().swap(filling_);
    }
  }
  return final_error_;
}

Status GroupCommit::SyncThrough(uint64_t lsn) {
  std::unique_lock lock(mu_);
  if (lsn > sync_wanted_lsn_) sync_wanted_lsn_ = lsn;
  // A batch an event loop left to commit itself may hold records up to lsn, and that loop
  // may be waiting for the caller (a shard lock it holds): the commit thread takes it.
  if (!filling_.empty() && filling_first_lsn_ <= lsn) wanted_ = true;
  cv_.notify_one();
  synced_cv_.wait(lock, [&] { return synced_lsn_ >= lsn || stop_ || failed(); });
  if (synced_lsn_ >= lsn) return Status::Ok();
  if (failed()) return Status::IoError(EIO, "syncing the WAL");
  return Status::IoError(ECANCELED, "syncing the WAL");
}

bool GroupCommit::SyncRequested() const {
  return sync_wanted_lsn_ > synced_lsn_ && durable_lsn() >= sync_wanted_lsn_;
}

void GroupCommit::SyncWritten() {
  uint64_t written = durable_lsn();
  Status st = TimedSync();
  ReportHealth(st);
  std::lock_guard lock(mu_);
  if (st.ok() && written > synced_lsn_) synced_lsn_ = written;
  // A failed sync answers the request (SyncThrough returns the error): dropping it keeps the
  // commit thread from retrying fdatasync in a tight loop while the disk is failing.
  if (!st.ok()) sync_wanted_lsn_ = synced_lsn_;
  synced_cv_.notify_all();
}

uint64_t GroupCommit::Append(std::string_view payload) {
  if (payload.size() + wal::kBodyHeader > wal::kMaxRecordBodyBytes) {
    std::fprintf(stderr, "%s:%d: a WAL record of %zu bytes exceeds the format's limit\n",
                 __FILE__, __LINE__, payload.size());
    std::abort();  // the reader would refuse it: never acknowledge what cannot be replayed
  }
  std::lock_guard lock(mu_);
  uint64_t lsn = next_lsn_++;
  if (filling_.empty()) {
    filling_first_lsn_ = lsn;
    // The commit thread may be idle: this batch goes out at once, from here (an event
    // loop commits it before it sleeps) or from the commit thread.
    if (!t_commits_inline || policy() != FsyncPolicy::kAlways) {
      wanted_ = true;
      cv_.notify_one();
    }
  }
  t_appended = true;
  size_t before = filling_.size();
  wal::PutRecord(&filling_, wal::kEffects, lsn, payload);
  uint64_t pending =
      pending_bytes_.fetch_add(filling_.size() - before, std::memory_order_relaxed) +
      (filling_.size() - before);
  if (pending > stats_.max_pending_bytes) stats_.max_pending_bytes = pending;
  ++filling_records_;
  last_lsn_.store(lsn, std::memory_order_release);
  return lsn;
}

GroupCommitStats GroupCommit::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void GroupCommit::CommitsInlineOnThisThread() { t_commits_inline = true; }

GroupCommit::Batch GroupCommit::TakeFilling() {
  writing_.swap(filling_);
  Batch batch{filling_first_lsn_, next_lsn_ - 1, filling_records_};
  filling_records_ = 0;
  return batch;
}

void GroupCommit::ReleaseWriter() {
  std::lock_guard lock(mu_);
  ReleaseWriterLocked();
}

void GroupCommit::ReleaseWriterLocked() {
  writer_busy_ = false;
  if (followers_ > 0) {
    follow_cv_.notify_one();  // it leads the next batch
  } else if (!filling_.empty() || SyncRequested() || stop_) {
    wanted_ = !filling_.empty();
    cv_.notify_one();
  }
}

bool GroupCommit::CommitInline() {
  if (!t_appended) return false;
  t_appended = false;
  // everysec and no acknowledge after write(2), which the commit thread does at once; a
  // leader there would also have to take over the once-a-second sync.
  if (policy() != FsyncPolicy::kAlways) return false;
  Batch batch;
  {
    std::unique_lock lock(mu_);
    if (writer_busy_ && filling_records_ >= kFollowMinRecords && !handed_over_ && !failed() &&
        !stop_) {
      // Another thread is writing and a large batch is filling behind it: wait for it and
      // lead that batch (LevelDB's writer queue), one wake-up where handing the batch to
      // the commit thread would take two. The wait is one write and sync at most. A small
      // batch goes to the commit thread instead, and this loop goes back to its clients:
      // with few writers, followers that wait take turns with single-thread batches
      // (measured: 4 clients, 8.5K SETs/s waiting, 13.4K handing over).
      ++followers_;
      follow_cv_.wait(lock, [this] { return !writer_busy_ || failed() || stop_; });
      --followers_;
    }
    if (writer_busy_ || filling_.empty() || stop_) return false;  // the commit thread's
    writer_busy_ = true;
    batch = TakeFilling();
  }
  FsyncPolicy policy = this->policy();
  Status st = WriteOnce(batch.first_lsn, policy);
  ReportHealth(st);
  if (!st.ok()) {
    // Retrying waits, which an event loop must not: the commit thread takes the batch over
    // (writer_busy_ stays set for it).
    std::lock_guard lock(mu_);
    handed_over_ = true;
    handed_batch_ = batch;
    cv_.notify_one();
    return false;
  }
  Published(batch, policy);
  writing_.clear();
  ReleaseWriter();
  return true;
}

void GroupCommit::Run() {
  EnterStoreThread(StoreThread::kWalCommit);
  std::unique_lock lock(mu_);
  for (;;) {
    if (handed_over_) {  // a leader's failed batch: writer_busy_ is ours now
      handed_over_ = false;
      Batch batch = handed_batch_;
      lock.unlock();
      Commit(batch);
      writing_.clear();
      lock.lock();
      ReleaseWriterLocked();
      continue;
    }
    if (writer_busy_) {  // a leader is writing; it wakes this thread when it is done
      cv_.wait(lock);
      continue;
    }
    // A batch that no one handed over is a loop's own, to commit before it sleeps.
    if (filling_.empty() || !(wanted_ || stop_)) {
      if (SyncRequested()) {
        writer_busy_ = true;
        lock.unlock();
        SyncWritten();
        lock.lock();
        ReleaseWriterLocked();
        continue;
      }
      if (stop_) break;
      if (policy() == FsyncPolicy::kEverySec) {
        cv_.wait_for(lock, std::chrono::seconds(1));
        if (writer_busy_ || handed_over_) continue;
        writer_busy_ = true;
        lock.unlock();
        MaybeSyncEverySecond();
        lock.lock();
        ReleaseWriterLocked();
      } else {
        cv_.wait(lock);
      }
      continue;
    }
    writer_busy_ = true;
    wanted_ = false;
    Batch batch = TakeFilling();
    lock.unlock();
    Commit(batch);
    writing_.clear();
    if (policy() == FsyncPolicy::kEverySec) MaybeSyncEverySecond();  // even under load
    lock.lock();
    ReleaseWriterLocked();
  }
  lock.unlock();
  if (policy() != FsyncPolicy::kAlways && final_error_.ok()) {
    final_error_ = writer_.Sync();  // shutdown: everysec and no flush to disk too
  }
}

Status GroupCommit::WriteOnce(uint64_t first_lsn, FsyncPolicy policy) {
  if (rotate_.exchange(false, std::memory_order_acq_rel)) writer_.Rotate();
  if (Status st = writer_.Write(first_lsn, writing_); !st.ok()) return st;  // already undone
  if (policy != FsyncPolicy::kAlways) return Status::Ok();
  if (options_.sync_delay_ms_for_testing > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(options_.sync_delay_ms_for_testing));
  }
  Status st = TimedSync();
  if (!st.ok()) {
    // The batch is retried from scratch: take it out so it is never in the log twice.
    if (Status undo = writer_.UndoLastWrite(); !undo.ok()) return undo;
  }
  return st;
}

Status GroupCommit::TimedSync() {
  int64_t start = SteadyUs();
  Status st = writer_.Sync();
  std::lock_guard lock(mu_);
  ++stats_.fsyncs;
  stats_.last_fsync_us = static_cast<uint64_t>(SteadyUs() - start);
  return st;
}

void GroupCommit::ReportHealth(const Status& st) {
  if (!st.ok()) {
    if (!failed_.exchange(true, std::memory_order_acq_rel) && options_.on_error) {
      options_.on_error(st);
    }
    std::lock_guard lock(mu_);
    ++stats_.failures;
    synced_cv_.notify_all();  // SyncThrough gives up on a failing log
    follow_cv_.notify_all();  // followers go back to their loops: retries are not theirs
  } else if (failed_.exchange(false, std::memory_order_acq_rel) && options_.on_error) {
    options_.on_error(Status::Ok());
  }
}

void GroupCommit::Commit(const Batch& batch) {
  // One policy for the whole batch: a CONFIG SET meanwhile applies from the next one, so a
  // batch written without a sync is never published as synced.
  FsyncPolicy policy = this->policy();
  Status st = WriteOnce(batch.first_lsn, policy);
  while (!st.ok()) {
    ReportHealth(st);
    {
      std::unique_lock lock(mu_);
      // Keep retrying while running; at shutdown give up and report it.
      if (cv_.wait_for(lock, std::chrono::milliseconds(options_.retry_interval_ms),
                       [this] { return stop_; })) {
        final_error_ = std::move(st);
        return;
      }
    }
    st = WriteOnce(batch.first_lsn, policy);
  }
  ReportHealth(Status::Ok());
  Published(batch, policy);
}

void GroupCommit::Published(const Batch& batch, FsyncPolicy policy) {
  {
    std::lock_guard lock(mu_);
    stats_.bytes += writing_.size();
    ++stats_.batches;
    stats_.records += batch.records;
    if (batch.records > stats_.max_batch_records) stats_.max_batch_records = batch.records;
    if (policy == FsyncPolicy::kAlways) {
      synced_lsn_ = batch.last_lsn;
      synced_cv_.notify_all();
    }
  }
  // Before the wake-up: a client paused for back-pressure rechecks pending_bytes() when
  // woken, and must see this batch gone or it would wait for a wake-up that never comes.
  pending_bytes_.fetch_sub(writing_.size(), std::memory_order_relaxed);
  // seq_cst: a loop that registers a waiter and then reads durable_lsn, against this store
  // and on_durable's read of the registration (see the server's wake-up), must not both
  // miss each other.
  durable_lsn_.store(batch.last_lsn, std::memory_order_seq_cst);
  if (options_.on_durable) options_.on_durable(batch.last_lsn);
}

// everysec: written batches are already acknowledged, so a failed sync cannot be undone; it
// is reported (writes are refused) and retried every second until it succeeds.
void GroupCommit::MaybeSyncEverySecond() {
  int64_t now_ms = SteadyUs() / 1000;
  if (now_ms - last_sync_ms_ < 1000) return;
  last_sync_ms_ = now_ms;
  SyncWritten();
}

}  // namespace cairn::store
