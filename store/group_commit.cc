// store/group_commit.cc — see group_commit.h for the protocol.
#include "store/group_commit.h"

#include <chrono>

#include "store/wal_format.h"

namespace cairn::store {
namespace {

int64_t SteadyUs() {
  using namespace std::chrono;
  return duration_cast<microseconds>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace

GroupCommit::GroupCommit(GroupCommitOptions options, uint64_t next_lsn)
    : options_(std::move(options)),
      writer_(options_.wal),
      next_lsn_(next_lsn),
      last_lsn_(next_lsn - 1),
      durable_lsn_(next_lsn - 1) {}

GroupCommit::~GroupCommit() { Stop(); }

void GroupCommit::Start() { thread_ = std::thread([this] { Run(); }); }

int GroupCommit::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
  return final_error_;
}

uint64_t GroupCommit::Append(std::string_view payload) {
  std::lock_guard lock(mu_);
  uint64_t lsn = next_lsn_++;
  if (filling_.empty()) {
    filling_first_lsn_ = lsn;
    cv_.notify_one();  // the commit thread may be idle: this batch goes out at once
  }
  wal::PutRecord(&filling_, wal::kEffects, lsn, payload);
  ++filling_records_;
  last_lsn_.store(lsn, std::memory_order_release);
  return lsn;
}

GroupCommitStats GroupCommit::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void GroupCommit::Run() {
  std::unique_lock lock(mu_);
  for (;;) {
    if (filling_.empty()) {
      if (stop_) break;
      if (options_.policy == FsyncPolicy::kEverySec) {
        cv_.wait_for(lock, std::chrono::seconds(1));
        lock.unlock();
        MaybeSyncEverySecond();
        lock.lock();
      } else {
        cv_.wait(lock);
      }
      continue;
    }
    writing_.swap(filling_);
    uint64_t first = filling_first_lsn_, last = next_lsn_ - 1, records = filling_records_;
    filling_records_ = 0;
    lock.unlock();
    Commit(first, last, records);
    writing_.clear();
    if (options_.policy == FsyncPolicy::kEverySec) MaybeSyncEverySecond();  // even under load
    lock.lock();
  }
  lock.unlock();
  if (options_.policy != FsyncPolicy::kAlways && final_error_ == 0) {
    final_error_ = writer_.Sync();  // shutdown: everysec and no flush to disk too
  }
}

int GroupCommit::WriteOnce(uint64_t first_lsn) {
  if (rotate_.exchange(false, std::memory_order_acq_rel)) writer_.Rotate();
  if (int rc = writer_.Write(first_lsn, writing_); rc != 0) return rc;  // already undone
  if (options_.policy != FsyncPolicy::kAlways) return 0;
  if (options_.sync_delay_ms_for_testing > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(options_.sync_delay_ms_for_testing));
  }
  int rc = TimedSync();
  if (rc != 0) {
    // The batch is retried from scratch: take it out so it is never in the log twice.
    if (int undo = writer_.UndoLastWrite(); undo != 0) return undo;
  }
  return rc;
}

int GroupCommit::TimedSync() {
  int64_t start = SteadyUs();
  int rc = writer_.Sync();
  std::lock_guard lock(mu_);
  ++stats_.fsyncs;
  stats_.last_fsync_us = static_cast<uint64_t>(SteadyUs() - start);
  return rc;
}

void GroupCommit::ReportHealth(int rc) {
  if (rc != 0) {
    if (!failed_.exchange(true, std::memory_order_acq_rel) && options_.on_error) {
      options_.on_error(rc);
    }
    std::lock_guard lock(mu_);
    ++stats_.failures;
  } else if (failed_.exchange(false, std::memory_order_acq_rel) && options_.on_error) {
    options_.on_error(0);
  }
}

void GroupCommit::Commit(uint64_t first_lsn, uint64_t last_lsn, uint64_t records) {
  int rc = WriteOnce(first_lsn);
  while (rc != 0) {
    ReportHealth(rc);
    {
      std::unique_lock lock(mu_);
      // Keep retrying while running; at shutdown give up and report it.
      if (cv_.wait_for(lock, std::chrono::milliseconds(options_.retry_interval_ms),
                       [this] { return stop_; })) {
        final_error_ = rc;
        return;
      }
    }
    rc = WriteOnce(first_lsn);
  }
  ReportHealth(0);
  {
    std::lock_guard lock(mu_);
    stats_.bytes += writing_.size();
    ++stats_.batches;
    stats_.records += records;
    if (records > stats_.max_batch_records) stats_.max_batch_records = records;
  }
  durable_lsn_.store(last_lsn, std::memory_order_release);
  if (options_.on_durable) options_.on_durable(last_lsn);
}

// everysec: written batches are already acknowledged, so a failed sync cannot be undone; it
// is reported (writes are refused) and retried every second until it succeeds.
void GroupCommit::MaybeSyncEverySecond() {
  int64_t now_ms = SteadyUs() / 1000;
  if (now_ms - last_sync_ms_ < 1000) return;
  last_sync_ms_ = now_ms;
  ReportHealth(TimedSync());
}

}  // namespace cairn::store
