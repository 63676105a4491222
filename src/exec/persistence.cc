// src/exec/persistence.cc — see persistence.h.
#include "src/exec/persistence.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <sstream>
#include <vector>

#include "src/base/log.h"
#include "src/base/thread_placement.h"
#include "src/exec/durability.h"
#include "src/exec/key_save_delay.h"
#include "src/exec/rdb_files.h"
#include "store/durability/snapshot.h"
#include "store/durability/wal_writer.h"

namespace cairn::server {
namespace {

int64_t NowS() {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

// A saver thread takes the CPUs Redis gives its forked saver of that kind.
void PlaceSaver(Persistence::Job job) {
  if (job == Persistence::Job::kRewrite) {
    PlaceThisThread(ThreadRole::kRewrite, "aof_rewrite");
  } else {
    PlaceThisThread(ThreadRole::kSave, "rdb_bgsave");
  }
}

int64_t SteadyMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace

Persistence::Persistence(ServerState& state, std::string dir)
    : state_(state), dir_(std::move(dir)) {
  if (wal() != nullptr) wal_bytes_at_snapshot_ = wal()->stats().bytes;
  log_at_snapshot_ = wal();
  // The snapshot recovery loaded, if any: the base of the log's growth (auto-aof-rewrite-
  // percentage) and INFO's aof_base_size, as Redis takes its base file's size at load.
  std::error_code error;
  uint64_t loaded = std::filesystem::file_size(dir_ + "/" + store::kSnapshotFileName, error);
  if (!error) snapshot_bytes_ = loaded;
}

Persistence::~Persistence() { Stop(); }

uint64_t Persistence::changes_since_save() const {
  // The cut first: a snapshot ending between the two reads must not make this negative.
  uint64_t at_cut = state_.snapshot_changes.load();
  uint64_t now = state_.store.changes();
  return now > at_cut ? now - at_cut : 0;
}

Status Persistence::Snapshot(bool rdb, const std::atomic<bool>* cancel) {
  // Every FLUSHALL counted so far is done, so the capture below holds none of its keys.
  uint64_t flushes = flushes_.load();
  // Loaded once; it cannot change meanwhile (CONFIG SET appendonly waits for snapshots).
  store::GroupCommit* log = wal();
  // Records after the cut go to a fresh segment, so the covered ones can be deleted.
  if (log != nullptr) log->RotateSegment();
  uint64_t wal_bytes = log != nullptr ? log->stats().bytes : 0;
  auto start = std::chrono::steady_clock::now();
  // Without a log the cut supersedes every segment left (cuts never go back past them: the
  // store's floor, the tap's numbering), which go once it lands; the marker lets recovery
  // finish that after a crash in between (durability.h).
  Result<uint64_t> log_end = log == nullptr ? LogEndBound(dir_) : Result<uint64_t>(0);
  bool supersedes = !log_end.ok() || *log_end > 0;  // segments are left (or may be)
  if (supersedes) {
    store::Journal* journal = state_.store.journal();
    uint64_t cut_at_least =
        std::max(state_.store.lsn_floor(), journal != nullptr ? journal->last_lsn() : 0);
    if (Status st = WriteWalSupersededMarker(dir_, cut_at_least); !st.ok()) {
      std::string message(st.message());
      Log(LogLevel::kWarning, "Snapshot failed: %s", message.c_str());
      return st;
    }
  }
  // Progress: the snapshot's keys, then the RDB file's (a second pass over them).
  uint64_t keys = 0;
  for (int db = 0; db < state_.store.databases(); ++db) keys += state_.store.Stats(db).keys;
  save_keys_total_.store(rdb ? 2 * keys : keys, std::memory_order_relaxed);
  struct ProgressReset {
    Persistence* p;
    ~ProgressReset() {
      p->save_keys_total_.store(0, std::memory_order_relaxed);
      p->save_keys_done_.store(0, std::memory_order_relaxed);
    }
  } reset{this};
  Result<store::SnapshotInfo> written = RetryWhileBusy<store::SnapshotInfo>([&] {
    save_keys_done_.store(0, std::memory_order_relaxed);  // a retry starts again
    return store::WriteSnapshot(state_.store, dir_,
                                {KeySaveDelay(state_), cancel, &save_keys_done_});
  });
  if (supersedes && written.ok()) {
    // The segments go, then the marker. If that fails, or the snapshot failed (it may still
    // have landed), the marker stays: the next start, switch or snapshot decides by the cut.
    Status settled = SettleWalSupersededMarker(dir_, written->lsn);
    if (!settled.ok()) {
      std::string message(settled.message());
      Log(LogLevel::kWarning, "After the snapshot: %s", message.c_str());
    }
  }
  if (!written.ok()) {
    std::string message(written.status().message());
    // A stopped base is no failure (its switch logs it).
    if (!store::IsCancelledSnapshot(written.status())) {
      Log(LogLevel::kWarning, "Snapshot failed: %s", message.c_str());
    }
    return written.TakeStatus();
  }
  const store::SnapshotInfo& r = *written;
  state_.snapshot_lsn = r.lsn;
  state_.snapshot_changes = r.changes;
  state_.last_save_s = NowS();
  snapshot_bytes_ = r.bytes;
  wal_bytes_at_snapshot_ = wal_bytes;
  log_at_snapshot_ = log;
  // A failed trim only leaves covered segments behind; the next snapshot trims them. The log
  // line then counts minus the errno. (Without a log the marker's settling removed them.)
  Result<int> trimmed = log != nullptr ? store::TrimWal(dir_, r.lsn) : Result<int>(0);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::steady_clock::now() - start).count();
  Log(LogLevel::kNotice, "Snapshot saved: %llu keys, %llu bytes, cut at LSN %llu, %lld ms; "
      "%d WAL segments trimmed", static_cast<unsigned long long>(r.keys),
      static_cast<unsigned long long>(r.bytes), static_cast<unsigned long long>(r.lsn),
      static_cast<long long>(ms), trimmed.ok() ? *trimmed : -trimmed.status().sys_errno());
  uint64_t snapshot_keys = save_keys_done_.load(std::memory_order_relaxed);
  Status st = rdb ? SaveRdbFile(snapshot_keys) : Status::Ok();
  // One snapshot at a time (running_), so no other writer of flushes_saved_.
  if (st.ok() && flushes > flushes_saved_.load()) flushes_saved_ = flushes;
  return st;
}

Status Persistence::SaveRdbFile(uint64_t keys_done_before) {
  std::string path = dir_ + "/" + state_.config.Read([](const Config& c) { return c.dbfilename; });
  Result<rdb::RdbSaveInfo> saved = RetryWhileBusy<rdb::RdbSaveInfo>([&] {
    save_keys_done_.store(keys_done_before, std::memory_order_relaxed);  // a retry: again
    return WriteRdbFile(state_, path, &save_keys_done_);
  });
  if (!saved.ok()) {
    std::string message(saved.status().message());
    Log(LogLevel::kWarning, "RDB file failed: %s", message.c_str());
    return saved.TakeStatus();
  }
  Log(LogLevel::kNotice, "DB saved on disk: %s, %llu keys, %llu bytes", path.c_str(),
      static_cast<unsigned long long>(saved->keys), static_cast<unsigned long long>(saved->bytes));
  return Status::Ok();
}

void Persistence::Begin(Job job, bool counted) {
  JobRecord& record = jobs_[static_cast<int>(job)];
  int64_t zero = 0;  // a job begun when it was claimed keeps that start
  if (!record.started_ms.compare_exchange_strong(zero, SteadyMs())) return;
  if (counted) ++record.begun;
  scheduled_[static_cast<int>(job)] = false;  // any start of the kind serves the request
}

void Persistence::End(Job job) { jobs_[static_cast<int>(job)].started_ms = 0; }

Status Persistence::Run(Job job, bool rdb, const std::atomic<bool>* cancel) {
  JobRecord& record = jobs_[static_cast<int>(job)];
  Begin(job);
  Status st = Snapshot(rdb, cancel);
  // Before the job ends (End): a poller that sees it ended reads this one's outcome.
  record.last_duration_s = (SteadyMs() - record.started_ms.load()) / 1000;
  // Stopped (a log's base, by CONFIG SET appendonly no): neither way, as Redis does not count
  // its AOF rewrite killed that way.
  if (store::IsCancelledSnapshot(st)) return st;
  record.last_ok = st.ok();
  if (st.ok()) {
    record.consecutive_failures = 0;
  } else {
    ++record.consecutive_failures;
  }
  return st;
}

Persistence::JobInfo Persistence::job_info(Job job) const {
  const JobRecord& record = jobs_[static_cast<int>(job)];
  JobInfo info;
  int64_t started = record.started_ms.load();
  info.in_progress = started != 0;
  info.current_s = started != 0 ? (SteadyMs() - started) / 1000 : -1;
  info.last_duration_s = record.last_duration_s.load();
  info.last_ok = record.last_ok.load();
  info.begun = record.begun.load();
  info.consecutive_failures = record.consecutive_failures.load();
  return info;
}

uint64_t Persistence::log_bytes_since_snapshot() const {
  store::GroupCommit* log = wal();
  if (log == nullptr) return 0;
  uint64_t bytes = log->stats().bytes;
  // A log switched on after the snapshot (its base still being written) counts from its
  // start. The pointer and the count are read apart, so a snapshot landing meanwhile can
  // pair them wrongly for one reading: the result stays within what this log wrote.
  if (log_at_snapshot_.load() != log) return bytes;
  uint64_t at_cut = wal_bytes_at_snapshot_.load();
  return bytes > at_cut ? bytes - at_cut : 0;
}

Status Persistence::SnapshotWhileClaimed() {
  return Run(Job::kRewrite, /*rdb=*/false, &task_stop_);
}

Status Persistence::Save(bool rdb, bool counted) {
  if (running_.exchange(true)) return Status(Code::kBusy);
  Begin(Job::kSave, counted);  // Run's Begin then keeps this start
  Status st = Run(Job::kSave, rdb);
  End(Job::kSave);
  running_ = false;
  return st;
}

bool Persistence::StartBackground(bool rdb, Job job, bool counted) {
  std::lock_guard lock(thread_mu_);
  if (running_.exchange(true)) return false;
  if (thread_.joinable()) thread_.join();  // the previous one has finished
  Begin(job, counted);  // in progress for INFO from the reply on
  thread_ = std::thread([this, rdb, job] {
    PlaceSaver(job);
    (void)Run(job, rdb);  // logged, and reported by job_info() (INFO)
    End(job);
    running_ = false;
  });
  return true;
}

Persistence::Request Persistence::StartOrSchedule(Job job, bool rdb, bool may_schedule,
                                                  bool defer) {
  if (job_info(job).in_progress) return Request::kSameRunning;
  if (!defer && StartBackground(rdb, job)) return Request::kStarted;
  // A claim taken meanwhile may be this kind's (an appendonly switch's base is a rewrite).
  if (job_info(job).in_progress) return Request::kSameRunning;
  if (!may_schedule && !defer) return Request::kOtherRunning;
  if (job == Job::kRewrite) jobs_[static_cast<int>(job)].consecutive_failures = 0;
  scheduled_[static_cast<int>(job)] = true;
  return Request::kScheduled;
}

Status Persistence::WhileNoSnapshot(const std::function<Status()>& fn) {
  for (;;) {
    Stop();  // a background snapshot, running or ended
    if (!running_.exchange(true)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));  // a SAVE on another thread
  }
  Status st = fn();
  if (!handed_task_) {
    running_ = false;
    return st;
  }
  std::lock_guard lock(thread_mu_);
  if (thread_.joinable()) thread_.join();  // ended: this claim waited for it
  task_stop_ = false;  // a request made before this task does not concern it
  thread_ = std::thread([this, job = handed_job_, task = std::move(handed_task_)] {
    PlaceSaver(job);
    task();
    End(job);  // the task's work after its snapshot (a new log's settling) included
    running_ = false;
  });
  handed_task_ = nullptr;
  return st;
}

void Persistence::ContinueInBackground(Job job, std::function<void()> task) {
  Begin(job);  // in progress for INFO from the reply on
  handed_job_ = job;
  handed_task_ = std::move(task);
}

void Persistence::Stop() {
  std::lock_guard lock(thread_mu_);
  if (thread_.joinable()) thread_.join();
}

bool Persistence::ScheduleDue(const Config& config, int64_t now_s) const {
  std::istringstream in(config.save);
  int64_t seconds = 0, changes = 0;
  uint64_t dirty = changes_since_save();
  while (in >> seconds >> changes) {
    if (dirty >= static_cast<uint64_t>(changes) && dirty > 0 &&
        now_s - state_.last_save_s.load() >= seconds) {
      return true;
    }
  }
  return false;
}

bool Persistence::WalGrowthDue(const Config& config) const {
  store::GroupCommit* log = wal();  // once: CONFIG SET appendonly may change it
  if (log == nullptr || config.auto_aof_rewrite_percentage == 0) return false;
  uint64_t grown = log_bytes_since_snapshot();
  uint64_t base = snapshot_bytes_.load();
  uint64_t needed = base * static_cast<uint64_t>(config.auto_aof_rewrite_percentage) / 100;
  return grown >= static_cast<uint64_t>(config.auto_aof_rewrite_min_size) && grown >= needed;
}

void Persistence::SnapshotAfterFlush(bool can_wait) {
  if (state_.config.Read([](const Config& c) { return c.save; }).empty()) return;
  ++flushes_;
  if (!can_wait) return;
  Stop();  // a snapshot that began before the flush must not land after this one
  (void)Save(/*rdb=*/true, /*counted=*/false);  // if it fails, or another ran, Cron retries
}

void Persistence::Cron() {
  if (in_progress()) return;
  // Scheduled ones first, a rewrite before a save, as Redis's cron takes them. The start
  // takes the request (Begin); a claim taken since the check above leaves it for the next
  // cycle.
  for (Job job : {Job::kRewrite, Job::kSave}) {
    if (!scheduled_[static_cast<int>(job)].load()) continue;
    // A scheduled BGSAVE writes the RDB file, as one started at once does.
    StartBackground(/*rdb=*/job == Job::kSave, job);
    return;
  }
  if (flushes_saved_.load() < flushes_.load()) {
    // FLUSHALL's own save, retried: Redis does not count it.
    StartBackground(/*rdb=*/true, Job::kSave, /*counted=*/false);
    return;
  }
  Config config = state_.config.Snapshot();
  if (ScheduleDue(config, NowS())) {
    StartBackground(/*rdb=*/false, Job::kSave);
  } else if (WalGrowthDue(config)) {
    StartBackground(/*rdb=*/false, Job::kRewrite);
  }
}

}  // namespace cairn::server
