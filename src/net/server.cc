// src/net/server.cc — see server.h.
#include "src/net/server.h"

#include <signal.h>
#include <strings.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdlib>
#include <sstream>
#include <string>

#include "src/base/log.h"
#include "src/base/thread_placement.h"
#include "src/exec/acl_file.h"
#include "src/exec/durability.h"
#include "src/exec/eviction.h"
#include "src/exec/notify.h"
#include "src/exec/rdb_files.h"
#include "src/exec/wal_switch.h"
#include "src/scripting/script_engine.h"
#include "store/durability/snapshot.h"
#include "store/memory.h"

namespace cairn::server {
namespace {

// One active expiry cycle, sampled by the latency monitor when it is on: "expire-cycle" is
// the cycle's real time, "expire-del" the longest single key deletion in it (recorded once
// per cycle: samples within one second keep only the largest anyway). Unlike Redis, a key
// deleted on access (lazy expiry, freed by the command that met it) is not an expire-del
// sample: its cost shows in that command's "command" event.
//
// What they measure: Redis 7.0 (lazyfree-lazy-expire no, its default and the only behaviour
// cairn has) frees an expired value inside the cycle, so a 1M-member set makes a long
// expire-cycle and expire-del. cairn's cycle also frees what it deletes on its own thread, so
// the events count the same work. The difference is who waits: the free runs after the
// shard's lock is released, so clients are not stalled by it as Redis's single thread is;
// what it delays is the rest of the cycle (the next expired keys). The events report the
// cycle's cost honestly rather than a client-visible pause. With monitoring off the cycle
// reads no extra clock and records nothing.
void RunExpireCycle(ServerState& state, int64_t budget_us) {
  LatencyMonitor::Measure cycle(state.latency, "expire-cycle");
  if (!cycle.active()) {
    state.store.ExpireCycle(budget_us);
    return;
  }
  int64_t slowest_delete_us = 0;
  state.store.ExpireCycle(budget_us, &slowest_delete_us);
  state.latency.AddSampleIfNeeded("expire-del", slowest_delete_us / 1000);
}

}  // namespace

Server::Server(const Config& config) : state_(std::make_unique<ServerState>(config)) {
  uv_loop_init(&loop_);
}

Server::~Server() {
  state_->migrate_links = nullptr;  // the cache is destroyed before the state
  uv_loop_close(&loop_);
}

void Server::PrintBanner(const Config& config) {
  Log(LogLevel::kNotice, "cairn %s (Redis %s compatible) starting, pid=%d",
      std::string(kCairnVersion).c_str(), std::string(kRedisVersion).c_str(),
      static_cast<int>(getpid()));
  Log(LogLevel::kNotice, "Server initialized: port=%d threads=%zu databases=%d dir=%s", config.port,
      threads_.size(), config.databases, config.dir.c_str());
}

bool Server::StartTls(const Config& config) {
  tls_ = std::make_unique<TlsContext>();
  if (TlsContext::Wanted(config)) {
    if (Status st = tls_->Configure(config); !st.ok()) {
      Log(LogLevel::kWarning, "%s", std::string(st.message()).c_str());
      Log(LogLevel::kWarning, "Failed to configure TLS. Check logs for more info.");
      return false;
    }
  }
  TlsContext* tls = tls_.get();
  ServerState* state = state_.get();
  state_->reload_tls = [tls, state] {
    Config c = state->config.Snapshot();
    // TLS unused: checked once a port opens or tls-replication is set.
    if (!TlsContext::Wanted(c)) return Status::Ok();
    Status st = tls->Configure(c);
    if (!st.ok()) Log(LogLevel::kWarning, "%s", std::string(st.message()).c_str());
    return st;
  };
  return true;
}

int Server::Run() {
  Config config = state_->config.Snapshot();
  int n =
      config.threads > 0 ? config.threads : static_cast<int>(std::thread::hardware_concurrency());
  if (n <= 0) n = 1;
  for (int i = 0; i < n; ++i) threads_.push_back(std::make_unique<IoThread>(state_.get(), i));
  state_->blocking.set_deliver(
      [this](Delivery d) { threads_[static_cast<size_t>(d.thread_index)]->Deliver(std::move(d)); });
  state_->io_threads = n;
  state_->migrate_links = &migrate_sockets_;
  state_->tcp_port = config.port;
  PrintBanner(config);
  if (!LoadUsers(config)) return 1;
  if (!StartCluster(config)) return 1;
  state_->loading = true;  // until recovery ends, commands get -LOADING (as Redis does)

  if (!StartTls(config)) return 1;
  listener_ = std::make_unique<Listener>(&loop_, state_.get(), &threads_);
  std::string err = listener_->Start(config, tls_.get());
  if (!err.empty()) {
    Log(LogLevel::kWarning, "%s", err.c_str());
    listener_.reset();
    uv_run(&loop_, UV_RUN_NOWAIT);
    return 1;
  }
  // The TLS context was (re)configured by reload_tls when tls-port changed in this CONFIG SET.
  state_->set_appendonly = [this](bool on) { return SetAppendOnly(on); };
  state_->change_ports = [this](bool* tls_failed) {
    Config c = state_->config.Snapshot();
    std::string err = listener_->ChangePorts(c, c.port, c.tls.port, tls_.get(), tls_failed);
    if (err.empty()) state_->tcp_port = c.port;
    return err;
  };
  signal(SIGPIPE, SIG_IGN);
  uv_signal_init(&loop_, &sigterm_);
  uv_signal_init(&loop_, &sigint_);
  sigterm_.data = sigint_.data = this;
  uv_signal_start(&sigterm_, OnSignal, SIGTERM);
  uv_signal_start(&sigint_, OnSignal, SIGINT);
  uv_async_init(&loop_, &shutdown_async_, OnShutdownRequest);
  shutdown_async_.data = this;
  state_->request_shutdown = [this] { uv_async_send(&shutdown_async_); };
  state_->on_unpause = [this] {
    for (auto& t : threads_) {
      IoThread* thread = t.get();
      thread->Post([thread] { thread->ResumePaused(); });
    }
  };

  for (auto& t : threads_) t->Start();
  replica_link_ = std::make_unique<ReplicaLink>(state_.get(), tls_.get());
  replica_link_->Start();
  // What the server holds before any data: INFO's used_memory_startup.
  state_->startup_allocated_bytes = store::ReadMemoryStats().allocated_bytes;
  expire_thread_ = std::thread([this, config] {
    PlaceThisThread(ThreadRole::kServer, "server_cron");
    if (!Recover(config)) {
      exit_code_ = 1;
      state_->request_shutdown();
      return;
    }
    scripting::RestoreFunctionLibraries(*state_);
    StartReplicaFromConfig();
    // What recovery loaded is on disk already: the save schedule counts from here.
    state_->snapshot_changes = state_->store.changes();
    state_->loading = false;
    Log(LogLevel::kNotice, "Ready to accept connections");
    BackgroundLoop();
  });
  uv_run(&loop_, UV_RUN_DEFAULT);

  {
    std::lock_guard lock(expire_mu_);
    expire_stop_ = true;
  }
  expire_cv_.notify_all();
  expire_thread_.join();
  replica_link_->Stop();
  for (auto& t : threads_) t->Stop();
  // Nothing writes any more: a primary records where its replication stream stands.
  if (exit_code_ == 0 && !state_->loading.load()) RecordHistoryAtShutdown(*state_);
  if (persistence_) persistence_->Stop();  // a background snapshot ends before the log closes
  if (exit_code_ == 0 && !state_->loading.load()) SaveBeforeExit();
  ReapStoppedWal();
  StopDurability(*state_, wal_.get());
  Log(LogLevel::kNotice, "cairn is now ready to exit, bye bye...");
  return exit_code_;
}

namespace {

// Logs why recovery failed; false, for Recover to return.
bool CannotStart(const Status& st) {
  std::string message(st.message());
  Log(LogLevel::kWarning, "Cannot start: %s", message.c_str());
  return false;
}

// Migration: on a first start (no snapshot, no WAL in dir) an RDB file named dbfilename is
// loaded. Sets *imported when it was; false when the file is there but does not load.
bool ImportOnFirstStart(ServerState& state, const Config& config, bool* imported) {
  *imported = false;
  if (HasCairnData(".") || ::access(config.dbfilename.c_str(), F_OK) != 0) return true;
  auto start = std::chrono::steady_clock::now();
  Result<rdb::RdbLoadInfo> loaded = ImportRdbFile(state, config.dbfilename);
  if (!loaded.ok()) {
    return CannotStart(Status(loaded.status().code(),
                              "importing the RDB file failed: " +
                                  std::string(loaded.status().message()) +
                                  " (cairn has no data of its own in this directory yet; move "
                                  "the file away to start empty)"));
  }
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::steady_clock::now() - start).count();
  Log(LogLevel::kNotice,
      "Imported %s (RDB version %d): %llu keys, %llu already expired and skipped, %llu "
      "function libraries, %lld ms",
      config.dbfilename.c_str(), loaded->read.version,
      static_cast<unsigned long long>(loaded->loaded),
      static_cast<unsigned long long>(loaded->expired),
      static_cast<unsigned long long>(loaded->functions), static_cast<long long>(ms));
  *imported = true;
  return true;
}

}  // namespace

// The ACL users of the config file's user lines or of the aclfile (not both, as in Redis).
bool Server::LoadUsers(const Config& config) {
  if (!config.acl_users.empty() && !config.aclfile.empty()) {
    Log(LogLevel::kWarning,
        "Configuring Redis with users defined in redis.conf and at the same setting an ACL file "
        "path is invalid. Define either an ACL file or users in the config file, not both.");
    return false;
  }
  Status st = Status::Ok();
  if (!config.acl_users.empty()) st = LoadAclUsers(state_->acl, config.acl_users, {});
  if (!config.aclfile.empty()) st = LoadAclFile(state_->acl, config.aclfile);
  if (!st.ok()) return CannotStart(st);
  return true;
}

bool Server::StartCluster(const Config& config) {
  auto option = [&](std::string_view name) { return state_->config.Value(name); };
  if (option("cluster-enabled") != "yes") return true;
  std::string replicaof = option("replicaof");
  if (!replicaof.empty() && strcasecmp(replicaof.c_str(), "no one") != 0) {
    Log(LogLevel::kWarning, "replicaof directive not allowed in cluster mode");
    return false;
  }
  int bus_port = std::atoi(option("cluster-port").c_str());
  if (bus_port == 0 && config.port > 65535 - 10000) {
    // Redis's rule, though cairn opens no bus: the port announced for it must exist.
    Log(LogLevel::kWarning,
        "Redis port number too high. Cluster communication port is 10,000 port numbers higher "
        "than your Redis port. Your Redis port number must be 55535 or less.");
    return false;
  }
  if (bus_port == 0) bus_port = config.port + 10000;
  // main() has made `dir` the working directory: a relative file name lands there.
  Status st = state_->cluster.Open(option("cluster-config-file"), config.port, bus_port);
  if (!st.ok()) return CannotStart(st);
  Log(LogLevel::kNotice, "Cluster mode: node %s, one node, %d slots served",
      state_->cluster.id().c_str(), state_->cluster.assigned());
  return true;
}

// With appendonly: snapshot + WAL replay, then the group commit. Without: the snapshot only.
// Before either, a first start imports dbfilename and makes it durable as a snapshot.
bool Server::Recover(const Config& config) {
  bool imported = false;
  if (!ImportOnFirstStart(*state_, config, &imported)) return false;
  if (config.appendonly) {
    Result<std::unique_ptr<store::GroupCommit>> wal = StartDurability(*state_, WalOptions());
    if (!wal.ok()) return CannotStart(wal.status());
    wal_ = std::move(wal).value();
  } else {
    Result<store::SnapshotInfo> snapshot = store::LoadSnapshot(state_->store, ".");
    if (!snapshot.ok()) return CannotStart(snapshot.status());
    state_->snapshot_lsn = snapshot->lsn;
    NoteLoadedKeys(*state_, *snapshot);
    // A snapshot without the log that a crash interrupted is finished first (durability.h).
    if (Status st = SettleWalSupersededMarker(".", snapshot->lsn); !st.ok()) return CannotStart(st);
    // Snapshots without the log must cut past any segment left here (wal_switch.h).
    Result<uint64_t> log_end = LogEndBound(".");
    if (!log_end.ok()) return CannotStart(log_end.status());
    state_->store.set_lsn_floor(std::max(snapshot->lsn, *log_end));
    if (*log_end > snapshot->lsn) {
      Log(LogLevel::kWarning,
          "WAL segments are here (appendonly no does not load them): the first snapshot "
          "supersedes and removes them; start with appendonly yes to load them");
    }
  }
  persistence_ = std::make_unique<Persistence>(*state_, ".");
  state_->persistence = persistence_.get();
  if (imported) {
    // The import is in memory only; until this snapshot lands a restart imports it again.
    if (Status st = persistence_->Save(/*rdb=*/false, /*counted=*/false); !st.ok()) {
      return CannotStart(st);
    }
    Log(LogLevel::kNotice, "The imported data is now in cairn's snapshot");
  }
  return true;
}

DurabilityOptions Server::WalOptions() {
  DurabilityOptions options;
  options.dir = ".";  // main() has made `dir` the working directory
  options.on_durable = [this](uint64_t lsn) {
    for (auto& t : threads_) t->NotifyDurable(lsn);
  };
  return options;
}

void Server::ReapStoppedWal() {
  if (wal_ != nullptr && state_->wal.load() == nullptr) stopped_wals_.push_back(std::move(wal_));
}

Status Server::SetAppendOnly(bool on) {
  // Set by Recover after wal_ (release): until then the data is still loading.
  Persistence* persistence = state_->persistence.load(std::memory_order_acquire);
  if (persistence == nullptr || state_->loading.load()) {
    return Status(Code::kBusy, "the data is still loading");
  }
  std::lock_guard lock(wal_switch_mu_);
  // A log's base snapshot still being written is stopped, as Redis kills its AOF rewrite:
  // it fails, turning the log off (wal_switch.h), and the claim below waits only for that.
  if (!on) persistence->RequestTaskStop();
  // With the snapshots held off, which waits for a log's base snapshot still being written.
  return persistence->WhileNoSnapshot([&]() -> Status {
    ReapStoppedWal();
    Status st;
    if (on && wal_ == nullptr) {
      std::unique_ptr<store::GroupCommit> wal;
      st = TurnWalOnClaimed(*state_, *persistence, WalOptions(), &wal);
      if (st.ok()) {
        wal_ = std::move(wal);
      } else if (wal != nullptr) {
        stopped_wals_.push_back(std::move(wal));
      }
    } else if (!on && wal_ != nullptr) {
      TurnWalOffClaimed(*state_, WalOptions());
      stopped_wals_.push_back(std::move(wal_));
    }
    // The option follows the log, whichever switch came last: a failed base sets it to no.
    if (st.ok()) (void)state_->config.Set("appendonly", on ? "yes" : "no");
    return st;
  });
}

// Nothing writes any more, so the snapshot holds every write. Without the WAL it is what the
// next start loads; with it, it only shortens the replay. SAVE's RDB file is written too, as
// Redis writes dbfilename when it exits. Unlike Redis, a failed save cannot keep the server
// running (its threads have stopped): without the WAL it ends the process with status 1, as
// what was written since the last snapshot is lost; with the WAL nothing is, and it is only
// logged.
void Server::SaveBeforeExit() {
  ServerState::ExitSave mode = state_->exit_save.load();
  bool scheduled = !state_->config.Read([](const Config& c) { return c.save; }).empty();
  if (!persistence_ || shutdown_while_loading_ || mode == ServerState::ExitSave::kNever ||
      (mode == ServerState::ExitSave::kIfScheduled && !scheduled)) {
    return;
  }
  Log(LogLevel::kNotice, "Saving the final snapshot before exiting.");
  if (Status st = persistence_->Save(/*rdb=*/true, /*counted=*/false); !st.ok()) {
    std::string message(st.message());
    Log(LogLevel::kWarning, "Error trying to save the DB before exiting: %s", message.c_str());
    if (state_->wal.load() == nullptr) exit_code_ = 1;
  }
}

// shutdown-on-sigterm / -sigint: "save" or "nosave" decide the final snapshot ("now" and
// "force" change nothing here: cairn never waits for replicas, and a failed save never stops
// the exit).
void Server::ApplySignalShutdownConfig(int signum) {
  auto value = state_->config.Get(signum == SIGINT ? "shutdown-on-sigint" : "shutdown-on-sigterm");
  std::string flags = value.empty() ? "" : value[0].second;
  for (char& ch : flags) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  std::istringstream words(flags);
  for (std::string w; words >> w;) {
    if (w == "save") state_->exit_save = ServerState::ExitSave::kAlways;
    if (w == "nosave") state_->exit_save = ServerState::ExitSave::kNever;
  }
}

void Server::OnSignal(uv_signal_t* handle, int signum) noexcept {
  auto* server = static_cast<Server*>(handle->data);
  if (!server->state_->shutting_down.load()) server->ApplySignalShutdownConfig(signum);
  server->BeginShutdown(signum == SIGINT ? "Received SIGINT scheduling shutdown..."
                                         : "Received SIGTERM scheduling shutdown...");
}

void Server::OnShutdownRequest(uv_async_t* handle) noexcept {
  auto* server = static_cast<Server*>(handle->data);
  server->BeginShutdown(server->exit_code_ != 0 ? "Recovery failed, exiting..."
                                                : "User requested shutdown...");
}

void Server::BeginShutdown(const char* why) {
  if (state_->shutting_down.exchange(true)) return;
  // As Redis, a shutdown that comes while the data is still loading does not save it.
  shutdown_while_loading_ = state_->loading.load();
  Log(LogLevel::kWarning, "%s", why);
  listener_->Stop();
  uv_close(reinterpret_cast<uv_handle_t*>(&sigterm_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&sigint_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&shutdown_async_), nullptr);
}

void Server::StartReplicaFromConfig() {
  RestoreReplicaProgress(*state_);
  auto target = state_->config.Get("replicaof");
  bool follows = !target.empty() && !target[0].second.empty();
  const std::string v = follows ? target[0].second : std::string();
  size_t space = v.rfind(' ');
  if (!follows || space == std::string::npos || strcasecmp(v.c_str(), "no one") == 0) {
    ContinueRecordedHistory(*state_);
    return;
  }
  (void)StartReplicating(*state_, v.substr(0, space), std::atoi(v.c_str() + space + 1));
}

namespace {

// What the background thread deleted (expired or evicted keys) reaches keyspace events and
// tracking clients once the deletes' record is durable, as replies do.
void PublishDeletes(ServerState& state) {
  uint64_t lsn = store::Store::TakeObservedLsn();
  PublishKeyspaceEvents(state, lsn);
  state.tracking.Invalidate(state, lsn);  // keys clients cached
}

}  // namespace

void Server::BackgroundLoop() {
  // Like Redis's serverCron: `hz` times a second, spend at most a quarter of the interval
  // deleting expired keys, start a snapshot when the schedule or WAL growth asks, and close
  // MIGRATE connections left idle; then, while memory is over maxmemory, evict until the
  // next cycle is due (Redis's eviction time event).
  std::unique_lock lock(expire_mu_);
  auto cycle = std::chrono::steady_clock::now();
  while (!expire_stop_) {
    int hz = state_->config.Read([](const Config& c) { return c.hz; });
    auto interval = std::chrono::milliseconds(1000 / (hz > 0 ? hz : 10));
    // Cycles keep to their schedule: one whose eviction ran up to this time starts at once.
    cycle = std::max(cycle + interval, std::chrono::steady_clock::now() - interval);
    expire_cv_.wait_until(lock, cycle, [this] { return expire_stop_; });
    if (expire_stop_) break;
    lock.unlock();
    auto budget_us = std::chrono::duration_cast<std::chrono::microseconds>(interval).count() / 4;
    const DebugSwitches& debug = state_->debug;
    if (debug.pause_cron.load(std::memory_order_relaxed)) {
      lock.lock();
      continue;
    }
    if (debug.active_expire.load(std::memory_order_relaxed)) RunExpireCycle(*state_, budget_us);
    // Catch the maxmemory gauge up with what threads that never report (WAL writer,
    // snapshots) allocated and freed; see store/memory.h.
    if (state_->limits.maxmemory.load(std::memory_order_relaxed) != 0) {
      store::MemoryGauge::Refresh();
    }
    PublishDeletes(*state_);
    state_->stats.TrackInstantaneous();
    persistence_->Cron();
    migrate_sockets_.CloseIdle(MigrateSocketCache::NowMs());
    // Until the next cycle is due, evict while memory stays over maxmemory.
    EvictInBackground(*state_, cycle + interval);
    PublishDeletes(*state_);
    lock.lock();
  }
}

}  // namespace cairn::server
