// src/exec/client.h — what the server knows about one client connection, independent of sockets.
//
// The owning I/O thread reads and writes every field. Other threads (CLIENT LIST, CLIENT
// KILL, INFO) read the fields marked "shared": those are atomics, or guarded by the
// ClientRegistry mutex (name, library). A kill from another thread sets kill_requested and
// calls wake(), which the networking layer provides; the owner thread then closes.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "src/exec/mailbox.h"
#include "src/exec/script_debug.h"
#include "store/store.h"

namespace cairn::server {

struct CommandSpec;
class AclUser;
class RdbPipe;

inline constexpr uint8_t kUnblockTimeout = 1;
inline constexpr uint8_t kUnblockError = 2;

struct ClientState {
  uint64_t id = 0;
  bool authenticated = true;
  bool close_after_reply = false;  // QUIT, or a protocol error
  bool repl_rdb_only = false;      // REPLCONF rdb-only 1: SYNC/PSYNC send the RDB only
  // REPLCONF rdb-filter-only <include filters>: what the RDB leaves out ("functions": the
  // keys; "": the keys and the functions). SYNC refuses a filter without capa eof (Redis's
  // rule; cairn's framing would not need it).
  bool repl_rdb_without_keys = false;
  bool repl_rdb_without_functions = false;
  bool repl_capa_eof = false;  // REPLCONF capa eof
  int repl_listening_port = 0;     // REPLCONF listening-port: the replica's own port
  std::string repl_ip_address;     // REPLCONF ip-address (empty: the connection's address)
  bool is_master = false;  // the primary's stream on a replica (set before it is registered)
  // The part of memory_bytes in ClientMemory's total: all of it, except for replicas and the
  // primary's link, which client eviction leaves alone (owner thread).
  int64_t memory_counted_bytes = 0;
  // Bytes of a full-sync RDB still in the output (owner thread): not held against the
  // replica class's output limit.
  int64_t repl_rdb_unsent = 0;
  // Set by a full sync's command once the whole file is in the output (owner thread): the
  // connection notes where the output ends then, and once the socket has taken that far the
  // transfer is through and the replica goes online (ReplPrimary::FileSent).
  bool repl_rdb_all_queued = false;
  // While a full sync's RDB streams to this client (src/commands/full_sync.h): the pipe its
  // pieces come through. Set by SYNC/PSYNC as its job starts; the connection takes the
  // pieces into its output and holds the client's mailbox (the replication stream) back.
  // Cleared by the replica's first REPLCONF ACK after the file: as in Redis, the stream must
  // not follow the file's end mark, which a replica looks for at the end of what it read.
  // Cleared at once when the file fails, or when it was all the client asked for (owner
  // thread).
  std::shared_ptr<RdbPipe> rdb_pipe;
  std::string addr = "in-process:0";
  std::string laddr = "in-process:0";
  int fd = -1;
  int64_t created_ms = 0;

  // shared
  std::atomic<int> protocol{2};  // RESP version: 2, or 3 after HELLO 3
  std::atomic<int> db{0};
  std::atomic<int64_t> last_interaction_ms{0};
  std::atomic<const CommandSpec*> last_command{nullptr};
  std::atomic<size_t> query_buffer_bytes{0};
  std::atomic<size_t> output_bytes{0};
  std::atomic<size_t> output_memory_bytes{0};
  std::atomic<bool> kill_requested{false};
  std::atomic<bool> blocked{false};  // in a blocking command (BLPOP...), for CLIENT UNBLOCK
  // CLIENT UNBLOCK from another thread: kUnblockTimeout or kUnblockError, then wake().
  std::atomic<uint8_t> unblock_request{0};
  std::atomic<bool> no_evict{false};  // CLIENT NO-EVICT
  // What this client holds (client_eviction.h; CLIENT LIST tot-mem). Written by the owner
  // thread only.
  std::atomic<int64_t> memory_bytes{0};
  std::atomic<bool> replica{false};   // an attached replica (repl_primary.h): flags=S
  // Commands queued in MULTI, -1 outside it: CLIENT LIST's multi= for other threads
  // (published by the connection after each batch, like the buffer sizes).
  std::atomic<int> multi_queued{-1};
  // guarded by ClientRegistry::mu()
  std::string name;
  std::string lib_name;
  std::string lib_ver;
  std::string user_name = "default";  // the ACL user authenticated as (CLIENT LIST user=)

  // ACL (acl.h, owner thread): the user as last read from the registry, the registry version
  // it was read at, and the version up to which the user allows everything. Dispatch skips
  // all ACL checks while acl_unrestricted_version equals the registry's version.
  std::shared_ptr<const AclUser> user;
  uint64_t acl_user_version = 0;
  uint64_t acl_unrestricted_version = 0;

  // MULTI/EXEC and WATCH (owner thread only; see src/exec/transaction.h).
  struct Multi {
    bool active = false;   // between MULTI and EXEC/DISCARD
    bool aborted = false;  // a command was rejected while queueing: EXEC says EXECABORT
    std::vector<std::vector<std::string>> queued;
    size_t queued_bytes = 0;  // what queued holds (client_eviction.h)
  } multi;
  bool in_exec = false;  // EXEC is running the queued commands (Redis's DENY_BLOCKING)
  bool script = false;   // runs a script's commands: never refused as BUSY
  std::vector<std::pair<int, std::string>> watched;  // (db, key)
  size_t watched_bytes = 0;  // what watched holds (client_eviction.h)
  store::WatchFlag watch_flag;  // set by the store when a watched key changes

  // Pub/Sub (src/exec/pubsub.h). The sets belong to the owner thread; the counts mirror
  // their sizes for CLIENT LIST on other threads.
  struct PubSub {
    std::set<std::string, std::less<>> channels;
    std::set<std::string, std::less<>> patterns;
    std::set<std::string, std::less<>> shard_channels;
    std::atomic<int> channel_count{0};
    std::atomic<int> pattern_count{0};
    std::atomic<int> shard_count{0};
    size_t bytes = 0;  // what the three sets hold (client_eviction.h)
  } pubsub;
  // Messages other threads send this client (Pub/Sub, MONITOR); drained by the owner thread.
  Mailbox mailbox;
  bool monitor = false;  // in MONITOR mode (owner thread)
  // CLIENT REPLY (owner thread): kOff sends no replies; kSkipNext (set by CLIENT REPLY
  // SKIP) becomes kSkip for the command after it, whose reply is dropped, then kOn again.
  // Messages (Pub/Sub, MONITOR) are not replies: they are always sent.
  enum class ReplyMode : uint8_t { kOn, kOff, kSkipNext, kSkip };
  ReplyMode reply_mode = ReplyMode::kOn;
  // CLIENT TRACKING: TrackingFlag bits (src/exec/tracking.h). Owner thread; the tracking
  // table keeps the copy other threads read.
  uint32_t tracking = 0;
  // SCRIPT DEBUG (owner thread): how this client's next EVAL runs. kFork debugs it on a copy
  // of the dataset whose changes are thrown away (Redis forks); kSync on the live data.
  enum class ScriptDebug : uint8_t { kOff, kFork, kSync };
  ScriptDebug script_debug = ScriptDebug::kOff;
  // The connection's channel for debugging sessions; nullptr when it cannot offer one.
  DebugPort* debug_port = nullptr;
  // The connection's output queue (every socket connection, TLS included; nullptr for
  // in-process clients).
  const PendingOutput* output = nullptr;

  // Asks the owner thread to look at kill_requested; any thread may call it. Empty for
  // in-process clients.
  std::function<void()> wake;
};

// One CLIENT LIST line of c, without the newline (also ACL LOG's client-info). cmd: the
// client's current or last command; multi: commands queued in MULTI or -1. Caller holds the
// registry mutex.
std::string ClientListLine(const ClientState& c, const CommandSpec* cmd, int multi,
                           int64_t now_ms);

// Every connected client, for CLIENT LIST / KILL and INFO clients. Thread-safe.
class ClientRegistry {
 public:
  // Assigns the client's id and adds it.
  void Add(ClientState* client);
  void Remove(ClientState* client);
  size_t count();
  // Calls fn(client) for each client, in id order, with the registry locked.
  void ForEach(const std::function<void(ClientState&)>& fn);
  // Calls fn(client) for the client with this id, with the registry locked (which keeps it
  // alive); returns false when there is none.
  bool WithClient(uint64_t id, const std::function<void(ClientState&)>& fn);
  std::mutex& mu() { return mu_; }
  uint64_t NextId() { return next_id_.fetch_add(1, std::memory_order_relaxed); }

 private:
  std::mutex mu_;
  std::map<uint64_t, ClientState*> clients_;
  std::atomic<uint64_t> next_id_{1};
};

}  // namespace cairn::server
