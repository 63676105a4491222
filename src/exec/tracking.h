// src/exec/tracking.h — client-side caching (CLIENT TRACKING, Redis 6+): the server remembers
// which keys a tracking client read and tells it, once, when one of them changes.
//
// Modes, as in Redis 7.0:
// - default: keys a tracking client reads with a read-only command are remembered (the table
//   maps key name -> client ids; databases are ignored, as Redis ignores them). A change of a
//   remembered key — any write from any client, expiry, the table evicting the key — sends
//   each of those clients one invalidation and forgets them for that key. OPTIN tracks only
//   the command after CLIENT CACHING YES, OPTOUT all but the one after CLIENT CACHING NO.
// - BCAST: nothing is remembered; every changed key matching one of the client's prefixes
//   (or any key, with none) is sent, one message per prefix per command that changed keys.
// - NOLOOP: no invalidations for the client's own writes.
// - FLUSHDB/FLUSHALL: every tracking client gets one invalidation with a null key list, and
//   the table is emptied.
// Ids of clients that turned tracking off stay in the table until the key changes (as in
// Redis), except that the table is emptied when the last tracking client turns it off.
//
// Delivery goes through the recipient's Mailbox with the LSN of the write that caused it, so
// no client learns of a write before it is durable. The recipient is the client itself, or
// its REDIRECT target: a RESP3 recipient gets the push `>2 invalidate <keys>`; a RESP2 target
// that is subscribed to anything gets a Pub/Sub message on __redis__:invalidate whose
// payload is the key array; otherwise nothing is sent. A missing REDIRECT target marks the
// client broken_redirect and sends it (if RESP3) `>2 tracking-redir-broken <id>`. A client's
// own invalidations reach it after the reply of the command that caused them, as in Redis
// 7.0.15 (the mailbox is drained between replies). Inside EXEC or a script, a read settles
// the changes queued before it first, so a write that came earlier in the same transaction
// does not invalidate the key the read then tracks (Redis runs them one after the other).
//
// Concurrency: one mutex guards the table, the clients' copies of their options and the
// prefixes. Changes are reported by the store under shard locks (Store::set_changed_hook);
// the hook only queues them thread-locally and Invalidate() processes the queue after the
// command, outside the shard locks. Remembering keys may take the mutex inside shard locks
// (commands inside EXEC): the order is always shard locks, then this mutex, then the client
// registry and mailboxes; nothing here calls back into the store.
//
// A read and a concurrent write to the same key on another thread: the read's keys are
// remembered ("pinned") before the command runs and unpinned after it. An invalidation
// meeting a pinned entry is sent but the entry stays, so a write landing between the read
// and the end of the command is never lost: the client gets it after the reply.
//
// Cost when no client has tracking on: active() — one relaxed atomic load per command; the
// store does not report changes at all.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "src/base/string_hash.h"
#include "store/store.h"

namespace cairn::server {

struct ServerState;
struct ClientState;
struct CommandContext;

// ClientState::tracking bits (CLIENT TRACKINGINFO shows them in this order).
enum TrackingFlag : uint32_t {
  kTrackingOn = 1u << 0,
  kTrackingBcast = 1u << 1,
  kTrackingOptIn = 1u << 2,
  kTrackingOptOut = 1u << 3,
  kTrackingNoLoop = 1u << 4,
  // CLIENT CACHING YES (OPTIN) or NO (OPTOUT) was given: applies to the next command, or to
  // the next transaction when given before/inside MULTI.
  kTrackingCaching = 1u << 5,
  kTrackingBrokenRedirect = 1u << 6,  // the REDIRECT target was gone at an invalidation
};

struct TrackingInfo {
  uint32_t flags = 0;
  int64_t redirect = -1;              // -1 when tracking is off
  std::vector<std::string> prefixes;  // BCAST prefixes, sorted
};

struct TrackingStats {
  int64_t clients = 0;   // tracking_clients
  int64_t keys = 0;      // tracking_total_keys
  int64_t items = 0;     // tracking_total_items (key, client) pairs
  int64_t prefixes = 0;  // tracking_total_prefixes
};

class Tracking {
 public:
  // Sets the store's changed hook. Once, before threads start.
  void Install(store::Store* store);

  // Whether any client has tracking on (any thread, relaxed).
  bool active() const { return clients_on_.load(std::memory_order_relaxed) > 0; }

  // ---- the client's owner thread ----
  // Redis's error for prefixes that overlap each other or the client's current ones; empty
  // when they are fine.
  std::string CheckPrefixes(const ClientState& client, std::span<const std::string_view> prefixes);
  // CLIENT TRACKING ON: options are kTrackingBcast/OptIn/OptOut/NoLoop bits, already checked.
  // Enabling again keeps BCAST prefixes and adds the new ones.
  void Enable(ClientState& client, uint64_t redirect, uint32_t options,
              std::span<const std::string_view> prefixes);
  // CLIENT TRACKING OFF, RESET, disconnect. Idempotent.
  void Disable(ClientState& client);
  TrackingInfo Info(const ClientState& client);

  // Runs ctx's handler, remembering the keys of a read-only command when the client tracks
  // them, and ending a CLIENT CACHING choice after the command it applies to. Dispatch calls
  // it instead of the handler while active().
  void RunCommand(CommandContext& ctx);

  // A script run by `caller` executed a read-only command: as in Redis, a tracking caller
  // then remembers every key the script declared (KEYS), not the keys the command read.
  void RememberScriptKeys(ServerState& server, ClientState& caller,
                          std::span<const std::string_view> keys);

  // ---- any thread ----
  // Sends the invalidations for the changes the calling thread queued; lsn is what the
  // command that made them observed. Call after a command, with no shard lock held. Cheap
  // when nothing is queued.
  void Invalidate(ServerState& server, uint64_t lsn);
  // tracking-table-max-keys (0: no limit). When the table is over it, keys are evicted —
  // each remembered client gets an invalidation — now and whenever keys are added.
  void SetMaxKeys(ServerState& server, int64_t max_keys);
  TrackingStats Stats();

 private:
  struct ClientEntry {
    uint32_t flags = 0;
    uint64_t redirect = 0;
    std::set<std::string, std::less<>> prefixes;
  };
  struct Message {
    uint64_t client = 0;
    uint64_t redirect = 0;
    bool flush = false;  // null key list
    std::vector<std::string> keys;
  };
  // key -> (client id -> pins: reads of it still running)
  using Ids = std::unordered_map<uint64_t, uint32_t>;
  using Table = std::unordered_map<std::string, Ids, StringViewHash, std::equal_to<>>;
  struct Change {
    std::string key;
    uint64_t writer;  // the client that changed it; 0 for expiry
  };

  static void OnChanged(void* self, std::string_view key, store::Store::Change change);
  // Adds (pin) or settles (unpin) client's entries for keys. mu_ held.
  void RememberLocked(uint64_t client, std::span<const std::string_view> keys, bool pin);
  // Messages for a change of key: default-mode clients; drops the unpinned entries. mu_ held.
  void InvalidateKeyLocked(const Change& change, std::vector<Message>* out);
  void BroadcastLocked(const std::vector<Change>& changes, std::vector<Message>* out);
  void FlushLocked(std::vector<Message>* out);
  void EvictLocked(std::vector<Message>* out);
  // Turns the calling thread's queued changes into default-mode messages (into *out) and
  // keeps them in settled_changes_ for BCAST. mu_ held.
  void SettlePendingLocked(std::vector<Message>* out);
  void ClearTableLocked();
  // Posts messages (no lock of ours held) and marks clients whose redirect target is gone.
  void Send(ServerState& server, const std::vector<Message>& messages, uint64_t lsn);

  // Messages settled early on this thread (a read inside EXEC or a script, after the
  // transaction's own writes), sent with the rest by the next Invalidate; and the changes
  // they came from, which BCAST clients hear of once, in that Invalidate.
  static thread_local std::vector<Message> settled_;
  static thread_local std::vector<Change> settled_changes_;

  store::Store* store_ = nullptr;
  std::atomic<int64_t> clients_on_{0};
  std::atomic<int64_t> max_keys_{1000000};
  std::mutex mu_;
  Table table_;          // guarded by mu_
  int64_t items_ = 0;    // guarded by mu_
  std::unordered_map<uint64_t, ClientEntry> clients_;         // guarded by mu_
  std::map<std::string, std::set<uint64_t>, std::less<>> prefixes_;  // guarded by mu_
  uint64_t evict_seed_ = 0x9E3779B97F4A7C15ull;               // guarded by mu_
};

}  // namespace cairn::server
