// src/net/server.h — the server process: configuration in, I/O threads and listener up, signals
// and SHUTDOWN handled, everything stopped in order.
//
// Threads: the main thread runs a small libuv loop (listener, signals, shutdown requests);
// `threads` I/O threads run the connections; one background thread runs active expiry.
#pragma once

#include <uv.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "src/exec/durability.h"
#include "src/exec/persistence.h"
#include "src/exec/server_state.h"
#include "src/net/io_thread.h"
#include "src/net/listener.h"
#include "src/net/migrate_socket_cache.h"
#include "src/net/replica_link.h"
#include "src/net/tls_context.h"
#include "store/durability/group_commit.h"

namespace cairn::server {

class Server {
 public:
  explicit Server(const Config& config);
  ~Server();

  // Starts everything and blocks until SIGTERM/SIGINT or SHUTDOWN. Returns the exit code.
  int Run();
  ServerState& state() { return *state_; }

 private:
  static void OnSignal(uv_signal_t* handle, int signum) noexcept;
  static void OnShutdownRequest(uv_async_t* handle) noexcept;
  void BeginShutdown(const char* why);
  // The final snapshot (ServerState::exit_save), after the threads have stopped.
  void SaveBeforeExit();
  // A signal's shutdown-on-sigterm / -sigint option into ServerState::exit_save.
  void ApplySignalShutdownConfig(int signum);
  void BackgroundLoop();
  [[nodiscard]] bool Recover(const Config& config);
  // Where the WAL lives and whom it wakes when records become durable.
  DurabilityOptions WalOptions();
  // CONFIG SET appendonly (ServerState::set_appendonly): starts or stops the WAL.
  Status SetAppendOnly(bool on);
  // A base snapshot that failed has turned its log off: wal_ moves to stopped_wals_. With no
  // switch or base snapshot running (inside the snapshot claim, or after persistence_ stops).
  void ReapStoppedWal();
  // Installs the users of the config file's user lines or the aclfile; false (logged) when bad.
  [[nodiscard]] bool LoadUsers(const Config& config);
  // cluster-enabled yes: loads (or creates) cluster-config-file; false when it cannot.
  [[nodiscard]] bool StartCluster(const Config& config);
  void PrintBanner(const Config& config);
  // After recovery: where the replication stream stopped, and `replicaof` from the config.
  void StartReplicaFromConfig();
  // Makes the TLS context, configured from the tls-* options when tls-port is set (false,
  // logged, if they are wrong), and the hook that reconfigures it on CONFIG SET.
  [[nodiscard]] bool StartTls(const Config& config);

  std::unique_ptr<ServerState> state_;
  uv_loop_t loop_;
  uv_signal_t sigterm_;
  uv_signal_t sigint_;
  uv_async_t shutdown_async_;
  std::vector<std::unique_ptr<IoThread>> threads_;
  std::unique_ptr<TlsContext> tls_;  // configured while tls-port is set; outlives the listener
  std::unique_ptr<Listener> listener_;
  std::unique_ptr<ReplicaLink> replica_link_;
  MigrateSocketCache migrate_sockets_;  // MIGRATE's target connections
  // The running log, if any; or one that a failed base snapshot stopped (state_->wal is then
  // nullptr), until the next switch or the exit moves it to stopped_wals_.
  std::unique_ptr<store::GroupCommit> wal_;
  // Logs stopped by CONFIG SET appendonly: a thread may still hold one's pointer (from
  // ServerState::wal), so they live until the server ends.
  std::vector<std::unique_ptr<store::GroupCommit>> stopped_wals_;
  std::mutex wal_switch_mu_;  // one CONFIG SET appendonly at a time
  std::unique_ptr<Persistence> persistence_;
  std::thread expire_thread_;
  std::mutex expire_mu_;
  std::condition_variable expire_cv_;
  bool expire_stop_ = false;
  std::atomic<int> exit_code_{0};
  bool shutdown_while_loading_ = false;  // set by BeginShutdown (the main loop's thread)
};

}  // namespace cairn::server
