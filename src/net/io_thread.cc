// src/net/io_thread.cc — see io_thread.h.
#include "src/net/io_thread.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <system_error>

#include "src/base/log.h"
#include "src/base/thread_placement.h"
#include "src/net/connection.h"

namespace cairn::server {
namespace {

constexpr uint64_t kCronIntervalMs = 1000;

// The IoThread whose loop runs on this thread (nullptr elsewhere).
thread_local IoThread* current_io_thread = nullptr;

int64_t MonotonicSeconds() {
  auto since_boot = std::chrono::steady_clock::now().time_since_epoch();
  return std::chrono::duration_cast<std::chrono::seconds>(since_boot).count();
}

}  // namespace

IoThread::IoThread(ServerState* state, int index)
    : state_(state), stats_(state->stats.Create()), index_(index) {
  uv_loop_init(&loop_);
  uv_async_init(&loop_, &async_, OnAsync);
  async_.data = this;
  uv_async_init(&loop_, &durable_async_, OnDurableAsync);
  durable_async_.data = this;
  uv_async_init(&loop_, &mail_async_, OnMailAsync);
  mail_async_.data = this;
  uv_check_init(&loop_, &mail_check_);
  mail_check_.data = this;
  uv_prepare_init(&loop_, &commit_prepare_);
  commit_prepare_.data = this;
  uv_idle_init(&loop_, &mail_idle_);
  uv_timer_init(&loop_, &cron_);
  cron_.data = this;
}

IoThread::~IoThread() {
  if (thread_.joinable()) Stop();
  uv_loop_close(&loop_);
}

void IoThread::Start() {
  uv_timer_start(&cron_, OnCron, kCronIntervalMs, kCronIntervalMs);
  uv_check_start(&mail_check_, OnLoopCheck);
  uv_prepare_start(&commit_prepare_, OnLoopPrepare);
  thread_ = std::thread([this] {
    PlaceThisThread(ThreadRole::kServer, ("io_thd_" + std::to_string(index_)).c_str());
    current_io_thread = this;
    store::GroupCommit::CommitsInlineOnThisThread();
    SetThreadBusyServer(&IoThread::ServeBusy, this);
    store::Store::SetThreadLockWaitHook(&IoThread::OnLockWait, this);
    uv_run(&loop_, UV_RUN_DEFAULT);
  });
}

void IoThread::ServeBusy(void* self, const ClientState* running) {
  auto* t = static_cast<IoThread*>(self);
  t->OpenAdopted();  // a client that connected during the script is served too
  std::vector<Connection*> others;
  for (auto& [id, c] : t->connections_) {
    if (&c->client() != running) others.push_back(c);
  }
  // What this loop appended before the script must not wait for it. Only the commit: the
  // release (which may run paused clients' commands) waits for the loop.
  if (store::GroupCommit* wal = t->state_->wal.load(std::memory_order_acquire)) {
    (void)wal->CommitInline();
  }
  // Replies this loop iteration ran before the script go out now, as Redis writes them while
  // a script is busy; not the running client's own (it is in the middle of its command).
  t->FlushDeferred(running);
  // What the script's caller has observed so far must survive the replies made here.
  uint64_t observed = store::Store::TakeObservedLsn();
  t->serving_busy_ = true;
  for (Connection* c : others) c->ServeWhileBusy();
  t->serving_busy_ = false;
  store::Store::ObserveLsn(observed);
}

void IoThread::OnLockWait(void* self) {
  auto* t = static_cast<IoThread*>(self);
  if (t->state_->running_scripts.busy()) ServeWhileBusy(nullptr);
}

void IoThread::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    tasks_.push_back([this] { Shutdown(); });
    stopping_ = true;
  }
  uv_async_send(&async_);
  thread_.join();
  for (JobThread& job : jobs_) job.thread.join();
  jobs_.clear();
}

void IoThread::Shutdown() {
  for (auto it = connections_.begin(); it != connections_.end();) {
    Connection* c = (it++)->second;
    c->Close();
  }
  {
    std::lock_guard lock(mu_);  // accepted after the last OpenAdopted: never served
    for (const AcceptedSocket& s : adopted_) ::close(s.fd);
    adopted_.clear();
  }
  uv_close(reinterpret_cast<uv_handle_t*>(&async_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&durable_async_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&mail_async_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&mail_check_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&commit_prepare_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&mail_idle_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&cron_), nullptr);
}

void IoThread::Post(std::function<void()> task) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    tasks_.push_back(std::move(task));
  }
  uv_async_send(&async_);
}

void IoThread::RunInBackground(uint64_t id, std::shared_ptr<BackgroundJob> job) {
  ReapJobs();
  // Behind jobs already queued, so that a client whose job just finished (its next command
  // may start another) does not overtake them.
  if (running_jobs_ < kMaxJobs && queued_jobs_.empty() && StartJob(id, job)) return;
  queued_jobs_.push_back({id, std::move(job)});
}

bool IoThread::StartJob(uint64_t id, const std::shared_ptr<BackgroundJob>& job) {
  auto done = std::make_shared<std::atomic<bool>>(false);
  std::thread thread;
  try {  // std::thread reports a failed pthread_create only by throwing
    thread = std::thread([this, id, job, done] {
      job->Run();
      Post([this, id, job] { FinishJob(id, job); });
      done->store(true);
    });
  } catch (const std::system_error&) {
    return false;
  }
  jobs_.push_back({std::move(thread), std::move(done)});
  ++running_jobs_;
  return true;
}

void IoThread::StartQueuedJobs() {
  while (running_jobs_ < kMaxJobs && !queued_jobs_.empty()) {
    QueuedJob& next = queued_jobs_.front();
    if (!StartJob(next.id, next.job)) return;  // the cron tries again
    queued_jobs_.pop_front();
  }
}

void IoThread::DropQueuedJob(uint64_t id) {
  auto it = std::find_if(queued_jobs_.begin(), queued_jobs_.end(),
                         [id](const QueuedJob& q) { return q.id == id; });
  if (it == queued_jobs_.end()) return;
  std::shared_ptr<BackgroundJob> job = std::move(it->job);
  queued_jobs_.erase(it);
  job->Abandon();
}

void IoThread::FinishJob(uint64_t id, const std::shared_ptr<BackgroundJob>& job) {
  --running_jobs_;
  StartQueuedJobs();  // before the client resumes: a job it starts next queues behind these
  auto it = connections_.find(id);
  if (it != connections_.end()) {
    it->second->OnBackgroundDone(job);
  } else {
    job->Abandon();
  }
}

void IoThread::ReapJobs() {
  std::erase_if(jobs_, [](JobThread& job) {
    if (!job.done->load()) return false;
    job.thread.join();
    return true;
  });
}

void IoThread::Deliver(Delivery d) {
  Post([this, d = std::move(d)]() mutable {
    auto it = connections_.find(d.client_id);
    if (it != connections_.end()) it->second->OnUnblocked(std::move(d.reply), d.lsn);
  });
}

void IoThread::Adopt(AcceptedSocket socket) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) {
      ::close(socket.fd);
      return;
    }
    adopted_.push_back(socket);
  }
  uv_async_send(&async_);
}

void IoThread::OpenAdopted() {
  std::vector<AcceptedSocket> sockets;
  {
    std::lock_guard lock(mu_);
    sockets.swap(adopted_);
  }
  for (const AcceptedSocket& s : sockets) Connection::Open(this, s);
}

void IoThread::OnAsync(uv_async_t* handle) noexcept {
  static_cast<IoThread*>(handle->data)->RunTasks();
}

void IoThread::RunTasks() {
  OpenAdopted();
  std::vector<std::function<void()>> tasks;
  {
    std::lock_guard lock(mu_);
    tasks.swap(tasks_);
  }
  for (auto& task : tasks) task();
}

void IoThread::Register(Connection* c) { connections_[c->client().id] = c; }

void IoThread::Unregister(Connection* c) {
  connections_.erase(c->client().id);
  if (!queued_jobs_.empty()) DropQueuedJob(c->client().id);
}

void IoThread::ResumePaused() {
  // By id: a resumed command may close connections, or run a script that turns busy and
  // opens newly accepted ones (ServeBusy), either of which changes connections_.
  std::vector<uint64_t> ids;
  ids.reserve(connections_.size());
  for (const auto& [id, c] : connections_) ids.push_back(id);
  for (uint64_t id : ids) {
    auto it = connections_.find(id);
    if (it != connections_.end()) it->second->ResumeFromPause();
  }
}

void IoThread::CheckKill(uint64_t id) {
  auto it = connections_.find(id);
  if (it != connections_.end()) it->second->CheckKill();
}

void IoThread::WaitDurable(Connection* c, uint64_t lsn) {
  durable_waiters_.push_back(c->client().id);
  if (lsn >= wake_at_lsn_.load(std::memory_order_relaxed)) return;
  wake_at_lsn_.store(lsn, std::memory_order_seq_cst);
  // The batch may have become durable after the caller looked and before the store above,
  // and its publisher may have seen no waiter: then release it here, before the loop sleeps.
  store::GroupCommit* wal = state_->wal.load(std::memory_order_acquire);
  // No log (turned off meanwhile): nothing is held any more.
  if (wal == nullptr || state_->DurableLsn(*wal) >= lsn) release_pending_ = true;
}

void IoThread::NotifyDurable(uint64_t lsn) {
  if (current_io_thread == this) {
    release_pending_ = true;  // this loop led the commit: CommitPending releases next
    return;
  }
  uint64_t wake_at = wake_at_lsn_.load(std::memory_order_seq_cst);
  if (lsn == 0 ? wake_at != UINT64_MAX : wake_at <= lsn) uv_async_send(&durable_async_);
}

void IoThread::OnDurableAsync(uv_async_t* handle) noexcept {
  static_cast<IoThread*>(handle->data)->ReleaseDurable();
}

void IoThread::ReleaseDurable() {
  release_pending_ = false;
  wake_at_lsn_.store(UINT64_MAX, std::memory_order_seq_cst);  // waiters still held re-register
  std::vector<uint64_t> waiters;
  waiters.swap(durable_waiters_);
  for (uint64_t id : waiters) {
    auto it = connections_.find(id);
    if (it != connections_.end()) it->second->OnDurable();  // re-registers if still held
  }
  // The log may have recovered: serve the clients passed over while it was failing.
  state_->blocking.ServeDeferred(*state_, *stats_);
}

void IoThread::OnLoopPrepare(uv_prepare_t* handle) noexcept {
  static_cast<IoThread*>(handle->data)->CommitPending();
}

void IoThread::CommitPending() {
  store::GroupCommit* wal = state_->wal.load(std::memory_order_acquire);
  if (wal != nullptr) (void)wal->CommitInline();  // a commit calls NotifyDurable on us
  // Releasing may append again (a paused client resumes reading): commit that too before
  // the loop sleeps.
  while (release_pending_) {
    ReleaseDurable();
    if (wal != nullptr) (void)wal->CommitInline();
  }
}

void IoThread::NotifyMail(uint64_t id) {
  if (current_io_thread == this) {
    if (local_mail_.empty()) uv_idle_start(&mail_idle_, [](uv_idle_t*) {});
    local_mail_.push_back(id);  // delivered by OnLoopCheck, no syscall
    return;
  }
  {
    std::lock_guard lock(mail_mu_);
    mail_ids_.push_back(id);
  }
  uv_async_send(&mail_async_);
}

void IoThread::OnMailAsync(uv_async_t* handle) noexcept {
  auto* t = static_cast<IoThread*>(handle->data);
  std::vector<uint64_t> ids;
  {
    std::lock_guard lock(t->mail_mu_);
    ids.swap(t->mail_ids_);
  }
  // Replies handed over before the mail (an unblocked client's) go out first: a client that
  // BLMOVEs into a key it tracks gets its reply, then the invalidation, as in Redis.
  t->RunTasks();
  t->DeliverMail(ids);
}

void IoThread::OnLoopCheck(uv_check_t* handle) noexcept {
  auto* t = static_cast<IoThread*>(handle->data);
  if (!t->deferred_flush_.empty()) t->FlushDeferred();
  if (t->local_mail_.empty()) return;
  uv_idle_stop(&t->mail_idle_);
  std::vector<uint64_t> ids;
  ids.swap(t->local_mail_);
  t->RunTasks();  // as in OnMailAsync
  t->DeliverMail(ids);
}

void IoThread::FlushDeferred(const ClientState* running) {
  size_t kept = 0;  // the running client's entry, moved to the front
  for (size_t i = 0; i < deferred_flush_.size(); ++i) {  // by index: a flush may defer more
    uint64_t id = deferred_flush_[i];
    auto it = connections_.find(id);
    if (it == connections_.end()) continue;
    if (&it->second->client() == running) {
      deferred_flush_[kept++] = id;
      continue;
    }
    it->second->FlushDeferred();
  }
  deferred_flush_.resize(kept);
}

void IoThread::DeliverMail(const std::vector<uint64_t>& ids) {
  for (uint64_t id : ids) {
    auto it = connections_.find(id);
    if (it != connections_.end()) it->second->OnMail();
  }
}

void IoThread::OnCron(uv_timer_t* handle) noexcept {
  auto* t = static_cast<IoThread*>(handle->data);
  t->stats_->SampleThreadCpu();  // INFO's used_cpu_*_main_thread
  t->state_->client_peaks.Advance(MonotonicSeconds());
  t->SampleClientPeaks();
  t->ReapJobs();
  t->StartQueuedJobs();  // a thread that failed to start
  // A recovery with no batch to make durable (a failed everysec sync) wakes nobody.
  t->state_->blocking.ServeDeferred(*t->state_, *t->stats_);
  t->CloseIdleClients();
  t->CheckOutputLimits();
  FailoverCron(*t->state_);  // any thread's cron will do; it returns at once when idle
  t->state_->primary.PingIfDue();  // likewise: one PING per period, whichever cron sends it
}

void IoThread::SampleClientPeaks() {
  for (auto& [id, c] : connections_) {
    const ClientState& client = c->client();
    state_->client_peaks.Note(client.query_buffer_bytes.load(std::memory_order_relaxed),
                              client.output_memory_bytes.load(std::memory_order_relaxed));
  }
}

void IoThread::CheckOutputLimits() {
  for (auto it = connections_.begin(); it != connections_.end();) {
    Connection* c = (it++)->second;
    c->CheckOutputLimit();
  }
}

void IoThread::CloseIdleClients() {
  int timeout_s = state_->limits.timeout_s.load(std::memory_order_relaxed);
  if (timeout_s <= 0) return;
  int64_t now = WallMs();
  for (auto it = connections_.begin(); it != connections_.end();) {
    Connection* c = (it++)->second;
    // As in Redis, the idle timeout spares blocked clients, subscribers, MONITORs and
    // replicas (from their SYNC on: one whose RDB is still being built is waiting, not idle).
    const ClientState& client = c->client();
    if (c->held() || IsSubscriber(client) || client.monitor || client.replica.load()) continue;
    int64_t idle_ms = now - c->client().last_interaction_ms.load(std::memory_order_relaxed);
    if (idle_ms > int64_t{timeout_s} * 1000) {
      Log(LogLevel::kVerbose, "Closing idle client");
      c->Close();
    }
  }
}

}  // namespace cairn::server
