// store/store.h — the keyspace shared by all I/O threads.
//
// Keys are spread over kShards shards by hash; each shard has its own mutex and one table per
// logical database. A command locks only the shards of the keys it touches (in shard order,
// so multi-key commands cannot deadlock), runs its operation through KeyHandles, and unlocks.
// Growing one shard's table happens under that shard's lock only; the others go on.
//
// Values are reference-counted (buffer.h): a reader copies a BufRef under the lock and uses
// the bytes after unlocking. Entries and values dropped while a lock is held are freed after
// it is released, so no free (a 64 MB munmap, say) ever runs inside a shard lock.
//
// Expiry: lazy — KeyHandle::Find() deletes an expired key it meets; active — ExpireCycle()
// walks tables that hold keys with a TTL and deletes what has expired, bounded in time.
//
// Durability: every change made through a KeyHandle is logged as an effect (effects.h) and
// appended to the Journal, if one is set, before the shard locks are released. Each shard
// remembers the LSN of its last change; every Access records, per thread, the highest LSN
// whose effects the command could have seen or made (TakeObservedLsn), so the server can
// hold the reply until that LSN is durable — for readers too.
//
// Threading: every public member is thread-safe unless it says otherwise. The callbacks given
// to Access/AccessMany/Scan/ForEach run with shard locks held: they must not call back into
// the Store.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/detail/table.h"
#include "store/entry.h"
#include "store/journal.h"
#include "store/snapshot.h"

namespace cairn::store {

struct StoreOptions {
  int databases = 16;
};

// Sentinel for KeyHandle::Put: keep the key's current expiry (SET ... KEEPTTL).
constexpr int64_t kKeepTtl = -1;

struct DbStats {
  size_t keys = 0;
  size_t expires = 0;
};

class Store;

// Access to one key while its shard is locked. Valid only inside the Access callback.
class KeyHandle {
 public:
  std::string_view key() const { return key_; }
  int db() const { return db_; }
  // The store clock, read on first use and then fixed for this handle: a command sees one
  // time, and commands on keys without a TTL never read the clock at all.
  int64_t now_ms() const;

  // The key's live entry, or nullptr. An expired entry is deleted here (lazy expiry).
  // Find() counts as an access (OBJECT IDLETIME); Peek() does not (TYPE, TTL, OBJECT...).
  Entry* Find();
  Entry* Peek();
  // Sets the key's value, creating the key if needed. expire_at_ms: unix ms, 0 for none, or
  // kKeepTtl. Returns the entry.
  Entry* Put(Value value, int64_t expire_at_ms);
  // Deletes the key; returns whether it existed (and was live).
  bool Delete();
  // Sets (at_ms > 0) or removes (0) the expiry of a live entry.
  void SetExpire(Entry* e, int64_t at_ms);
  // Removes the live entry from the keyspace and hands its value and expiry to the caller.
  bool Take(Value* value, int64_t* expire_at_ms);

  // Logged as single logical effects (records stay proportional to the change):
  // Moves this key's value and expiry to target (RENAME within a db, MOVE across dbs),
  // replacing target. The key must be live.
  void MoveTo(KeyHandle& target);
  // Copies this live key's value and expiry to target, replacing it (COPY).
  void CopyTo(KeyHandle& target);
  // Appends tail to a live string entry (APPEND).
  void Append(Entry* e, std::string_view tail);
  // Installs value (the whole new string) but logs only the patch at offset (SETRANGE).
  void PutRange(BufRef value, uint64_t offset, std::string_view patch);

 private:
  friend class Store;
  KeyHandle(Store* store, int db, std::string_view key, uint64_t hash);
  detail::Table& table();
  Entry* Lookup(bool touch);
  Entry* Insert(Value value, int64_t expire_at_ms);
  bool logging() const;

  Store* store_;
  int db_;
  std::string_view key_;
  uint64_t hash_;
  mutable int64_t now_ms_ = 0;
};

struct KeyRef {
  int db;
  std::string_view key;
};

class Store {
 public:
  static constexpr size_t kShardBits = 7;
  static constexpr size_t kShards = size_t{1} << kShardBits;

  explicit Store(const StoreOptions& options = {});
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  int databases() const { return databases_; }

  // Locks key's shard and returns fn(KeyHandle&).
  template <class Fn>
  decltype(auto) Access(int db, std::string_view key, Fn&& fn) {
    KeyHandle h = Handle(db, key);
    size_t shard = ShardOf(h.hash_);
    Reclaim reclaim;
    std::lock_guard lock(shards_[shard].mu);
    CaptureIfPending(shard);
    CommitGuard commit(this, std::span<const size_t>(&shard, 1));
    return fn(h);
  }

  // Locks the shards of all keys (in shard order) and returns fn(std::span<KeyHandle>), the
  // handles in the order of keys. Use for commands that must be atomic across keys.
  template <class Fn>
  decltype(auto) AccessMany(std::span<const KeyRef> keys, Fn&& fn) {
    std::vector<KeyHandle> handles;
    handles.reserve(keys.size());
    for (const KeyRef& k : keys) handles.push_back(Handle(k.db, k.key));
    Reclaim reclaim;
    ShardSetLock lock(this, handles);
    for (size_t s : lock.shards()) CaptureIfPending(s);
    CommitGuard commit(this, lock.shards());
    return fn(std::span<KeyHandle>(handles));
  }

  // Number of keys in db (keys past their expiry but not yet deleted included, as Redis).
  DbStats Stats(int db);
  void FlushDb(int db);
  void FlushAll();
  // Swaps two databases atomically (all shards locked).
  void SwapDb(int a, int b);

  // Incremental iteration (SCAN): visits the keys of about `count` buckets starting at
  // cursor and returns the next cursor (0 when done). Every key present for the whole
  // iteration is visited at least once, even if tables grow between calls.
  uint64_t Scan(int db, uint64_t cursor, size_t count,
                const std::function<void(const Entry&)>& visit);
  // Visits every live key of db, shard by shard (KEYS).
  void ForEach(int db, const std::function<void(const Entry&)>& visit);
  // A random live key of db, or false when db is empty.
  bool RandomKey(int db, std::string* key);

  // Deletes expired keys for at most budget_us microseconds; returns how many.
  size_t ExpireCycle(int64_t budget_us);
  uint64_t expired_keys() const { return expired_keys_.load(std::memory_order_relaxed); }

  // While a ReplayScope lives on a thread, lookups on that thread do not expire keys:
  // replaying the log or loading a snapshot must reproduce the recorded state, whatever the
  // clock says now (a key that expired while the server was down is deleted afterwards, by
  // the usual lazy and active expiry). Redis does the same while loading.
  class ReplayScope {
   public:
    ReplayScope();
    ~ReplayScope();
    ReplayScope(const ReplayScope&) = delete;
    ReplayScope& operator=(const ReplayScope&) = delete;

   private:
    bool previous_;
  };

  // Sets the journal that receives every change (nullptr: none, e.g. during replay). Call
  // before the store is shared between threads.
  void set_journal(Journal* journal) { journal_ = journal; }
  // The highest LSN the calling thread's commands have made or observed since the last call,
  // then resets it to 0. 0 means the reply reveals nothing that needs to wait.
  static uint64_t TakeObservedLsn();

  // Snapshot support (snapshot.h). StartCapture marks every shard pending and records the
  // journal's last LSN as the cut; false if a capture is already running. CaptureShard
  // captures shard i if still pending. FinishCapture ends it (all shards captured).
  bool StartCapture(Capture* capture);
  void CaptureShard(size_t i);
  void FinishCapture();

  // The store's clock (unix ms). Tests may move it forward.
  int64_t NowMs() const;
  // Coarse seconds on the same clock, cheap enough to stamp every access (OBJECT IDLETIME).
  uint32_t AccessClockS() const;
  void AdvanceClockForTesting(int64_t ms) { clock_offset_ms_ += ms; }

 private:
  friend class KeyHandle;
  struct alignas(64) Shard {
    std::mutex mu;
    std::unique_ptr<detail::Table[]> tables;
    uint64_t last_lsn = 0;  // LSN of the last logged change to this shard (guarded by mu)
  };

  // Runs while the shard locks are still held (declared after the lock): appends the
  // thread's pending effects to the journal and stamps the shards, or records the shards'
  // last LSNs as observed.
  class CommitGuard {
   public:
    CommitGuard(Store* store, std::span<const size_t> shards) : store_(store), shards_(shards) {}
    ~CommitGuard() { store_->Commit(shards_); }

   private:
    Store* store_;
    std::span<const size_t> shards_;
  };

  // Frees entries and values dropped under a lock once the lock is released. Destroyed after
  // the lock_guard in the same scope, because it is declared first.
  struct Reclaim {
    ~Reclaim();
  };
  class ShardSetLock {
   public:
    ShardSetLock(Store* store, std::span<const KeyHandle> handles);
    ~ShardSetLock();
    std::span<const size_t> shards() const { return shards_; }

   private:
    Store* store_;
    std::vector<size_t> shards_;
  };

  KeyHandle Handle(int db, std::string_view key);
  void Commit(std::span<const size_t> shards);
  void LockAll();
  void UnlockAll();
  // Journals the pending effects of a whole-store operation (all shards locked).
  void CommitAll();
  void ObserveAll();
  // Captures shard i for a running snapshot before anything changes it. Shard lock held.
  void CaptureIfPending(size_t i) {
    Capture* c = capture_.load(std::memory_order_relaxed);
    if (c != nullptr && c->pending[i]) CaptureLocked(i, c);
  }
  void CaptureLocked(size_t i, Capture* c);
  static size_t ShardOf(uint64_t hash) { return hash >> (64 - kShardBits); }
  void CountExpired(size_t n) { expired_keys_.fetch_add(n, std::memory_order_relaxed); }
  size_t ExpireShard(Shard& s, int64_t now_ms, size_t max_checks);

  int databases_;
  uint64_t seed_;
  Journal* journal_ = nullptr;
  // The running snapshot's capture, or nullptr. Set and cleared with every shard locked
  // (StartCapture, FinishCapture), so a command reads it only under a shard lock.
  std::atomic<Capture*> capture_{nullptr};
  std::unique_ptr<Shard[]> shards_;
  std::atomic<uint64_t> expired_keys_{0};
  std::atomic<int64_t> clock_offset_ms_{0};
  // Active expiry resumes where it stopped: shard, database and bucket.
  std::mutex expire_cursor_mu_;
  size_t expire_shard_ = 0;
  std::vector<size_t> expire_bucket_;  // per shard * databases
};

}  // namespace cairn::store
