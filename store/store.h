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
// Eviction (eviction.h): EvictOne samples keys shard by shard into the caller's pool and
// deletes the best candidate; like an expiry, the deletion is logged. Each entry's access
// stamp is kept as SetAccessMode says (LRU clock or LFU counter, access_stamp.h).
//
// Durability: every change made through a KeyHandle is logged as an effect (effects.h) and
// appended to the Journal, if one is set, before the shard locks are released. Each shard
// remembers the LSN of its last change; every Access records, per thread, the highest LSN
// whose effects the command could have seen or made (TakeObservedLsn), so the server can
// hold the reply until that LSN is durable — for readers too.
//
// Collections (object.h) are changed in place through KeyHandle::MutableObject (copy-on-write
// when a snapshot or COPY shares them) and log one family op per change (LogObjectOp).
//
// WATCH: a WatchFlag registered on a key is set by any change to the key — a write, a
// delete, expiry, FLUSHDB/FLUSHALL/SWAPDB — from any thread, under the key's shard lock.
// The same changes (and flushes) go to the changed hook while it is switched on (client-side
// caching: set_changed_hook).
//
// Transactions (MULTI/EXEC): Atomically() holds a set of shard locks (or all of them) across
// many Access calls and logs everything they change as one WAL record.
//
// Threading: every public member is thread-safe unless it says otherwise. The callbacks given
// to Access/AccessMany/Scan/ForEach run with shard locks held: they must not call back into
// the Store (except from inside Atomically, which is what it is for).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/capture.h"
#include "store/detail/shard_mutex.h"
#include "store/detail/table.h"
#include "store/entry.h"
#include "store/eviction.h"
#include "store/expiry_stats.h"
#include "store/journal.h"

namespace cairn::store {

struct StoreOptions {
  int databases = 16;
};

// Sentinel for KeyHandle::Put: keep the key's current expiry (SET ... KEEPTTL).
constexpr int64_t kKeepTtl = -1;

// Set (never cleared by the store) when a watched key changes. Owned by the client; it must
// be unregistered (KeyHandle::Unwatch) before it is destroyed.
struct WatchFlag {
  std::atomic<bool> dirty{false};
};

struct DbStats {
  size_t keys = 0;
  size_t expires = 0;
  int64_t avg_ttl_ms = 0;  // estimated by active expiry (expiry_stats.h); 0: not known
};

class Store;

// Access to one key while its shard is locked. Valid only inside the Access callback.
class KeyHandle {
 public:
  std::string_view key() const { return key_; }
  int db() const { return db_; }
  // The store clock (Store::NowMs: inside a command, the command's one time), read on first
  // use only: commands on keys without a TTL never read the clock at all.
  int64_t now_ms() const;
  // Whether a write giving the key deadline at_ms (> 0) removes it at once instead: the
  // deadline has passed, and the write is not a replica applying its primary's stream
  // (ReplayScope), which stores the key with its deadline, hidden from reads, until the
  // primary's DEL, as Redis's replicas do. A writable replica's own clients' writes expire
  // at once (Redis keeps them until its next cron pass, never past it).
  bool ExpiresAtOnce(int64_t at_ms) const;

  // The key's live entry, or nullptr. An expired entry is deleted here (lazy expiry).
  // Find() counts as an access (OBJECT IDLETIME); Peek() does not (TYPE, TTL, OBJECT...).
  Entry* Find();
  Entry* Peek();
  // Sets the key's value (a string, or a whole new collection: SINTERSTORE, ZUNIONSTORE...),
  // creating the key if needed. expire_at_ms: unix ms, 0 for none, or kKeepTtl. Returns the
  // entry, which may be a new one: an Entry* of this key taken before (Find) is stale after
  // Put, PutRange, and as the target of MoveTo and CopyTo (a short string gets an entry of
  // its own, entry.h); it stays readable until the lock is released but writes to it are lost.
  Entry* Put(Value value, int64_t expire_at_ms);
  // Put for an entry made before the lock: links entry (made for this key by Entry::Create
  // or CreateEmbedded, in no table) in as the key's entry, in the live one's place if any,
  // exactly as Put(entry's value, expire_at_ms) would: kKeepTtl keeps the old entry's expiry,
  // the old access stamp carries over, the same effect is logged. The store owns the entry
  // from here; the old one is destroyed once the lock is released, and a reader holding its
  // embedded value keeps the bytes (buffer.h). Returns the entry.
  Entry* PutEntry(UniqueEntry entry, int64_t expire_at_ms);
  // Deletes the key; returns whether it existed (and was live).
  bool Delete();
  // For a write whose deadline had already passed (ExpiresAtOnce): deletes the key, whether
  // or not it existed before, and counts one expired key, as Redis counts the key such a
  // write leaves for its expiry to find. The caller reports "expired" after its own events.
  void DeleteAsExpired();
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
  // Writes patch at offset into a live string entry, zero-filling past its end, and logs only
  // the patch (SETBIT). The bytes change in place unless a reader holds them (BufRef::PatchAt).
  void PatchRange(Entry* e, uint64_t offset, std::string_view patch);
  // Replaces a live string entry's bytes in place, keeping the entry and its TTL (the value
  // becomes a kAssigned string), and logs the whole new value (INCR, as Redis changes its
  // object in place). False, with nothing changed, when a reader holds the bytes or they do
  // not fit (BufRef::Overwrite): the caller then Puts a new value.
  bool Overwrite(Entry* e, std::string_view bytes);

  // ---- Collections (object.h) ----
  // Whether changes are logged (false while replaying, or with no journal): families skip
  // encoding their ops when it is false.
  bool logging() const;
  // Creates the key, which must not be live, holding obj with no expiry. Not logged: the
  // family op logged next (LogObjectOp) creates the key again on replay.
  Entry* CreateObject(ObjRef obj);
  // e's collection, ready to change: cloned first when shared (copy-on-write). Counts as a
  // change of the key (WATCH, Store::changes). Call before every change to the collection.
  Object* MutableObject(Entry* e);
  // e's collection, ready to change, without counting as a change of the key: for changes
  // Redis does not treat as modifying the key (consumer-group bookkeeping), or for an op that
  // may turn out to be a no-op and calls MarkChanged() only when it did change something — a
  // no-op write must not abort a WATCHing transaction.
  Object* MutableObjectQuietly(Entry* e);
  // Counts as a change of the key (WATCH, client tracking, Store::changes) without changing
  // it: for ops that Redis treats as modifying even when nothing changed (LTRIM keeping every
  // element), and for those that used MutableObjectQuietly and did change the key.
  void MarkChanged() { Touch(); }
  // Logs one op of this key's family: payload is the family's own encoding (its replay is
  // the family's Apply*Op, object_families.h). Nothing happens unless logging().
  void LogObjectOp(ValueType type, std::string_view payload);
  // Deletes the key, without logging, if its collection is empty — the logged op that
  // emptied it deletes it again on replay. Returns whether it deleted.
  bool DeleteIfEmpty(Entry* e);

  // ---- WATCH ----
  // Registers flag on this key (live or not) until Unwatch; any later change sets it.
  void Watch(WatchFlag* flag);
  void Unwatch(WatchFlag* flag);

 private:
  friend class Store;
  KeyHandle(Store* store, int db, std::string_view key, uint64_t hash);
  detail::Table& table();
  // *link (optional) receives the pointer to a live entry found, valid until the table
  // changes. for_write: while expiry is paused, an expired key is still deleted (logged),
  // as a write must not leave it beside a new entry for the same key (Redis 7.0 deletes it
  // on a writable replica too); a read only sees it as missing.
  Entry* Lookup(bool touch, Entry*** link = nullptr, bool for_write = false);
  // The start of every write that installs a value: the live entry (and its link) or
  // nullptr, the change reported (WATCH, tracking) and, when the key is missing or created
  // says so, its creation.
  Entry* LookupForWrite(Entry*** link, bool created);
  // Installs value without logging; created: always report the key as created (the targets
  // of RENAME, MOVE and COPY), not only when it was missing.
  Entry* Insert(Value value, int64_t expire_at_ms, bool created = false);
  // Puts fresh (in no table) in as the key's entry: in old's place at link, with old's
  // expiry and access stamp (old is destroyed once the lock is released), or added as a new
  // key when old is null; then sets the expiry as Put's expire_at_ms says. Returns fresh.
  Entry* Link(Entry* fresh, Entry* old, Entry** link, int64_t expire_at_ms);
  // Sets e's expiry as Put's expire_at_ms says (kKeepTtl leaves it), keeping the count.
  void AssignExpiry(Entry* e, int64_t expire_at_ms);
  // Logs what Put(value, expire_at_ms) did, e being the key's entry after it.
  void LogPut(const Entry* e, int64_t expire_at_ms);
  void ReportCreated();
  // Sets the WatchFlags registered on this key and reports the change (changed hook); a
  // write (not an expiry) counts in Store::changes(), once per handle.
  void Touch(bool expired = false);
  // Eviction: deletes the key, logged like expiry, if it exists (and has a TTL when
  // volatile_only). Returns whether it did.
  bool Evict(bool volatile_only);

  Store* store_;
  int db_;
  std::string_view key_;
  uint64_t hash_;
  mutable int64_t now_ms_ = 0;
  bool counted_ = false;  // this write is in Store::changes() (once per handle)
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

  // Brings what looking up keys (in db) will read — each key's hash slot, then the first
  // entry of its chain — toward the CPU cache, for commands about to run (a pipeline's next
  // ones): the misses of all of them then overlap instead of stalling one command at a time.
  // elements (empty, or one per key; an empty one = none) name a field or member each command
  // will look up inside its key's collection: for a large hash, set or sorted set, the slot
  // and the element's allocation that lookup reads come too (Object::ElementSlot).
  // Only a hint: a shard another thread holds is skipped, nothing counts as an access, and
  // nothing changes. At most kMaxPrefetchKeys keys; does nothing inside Atomically().
  static constexpr size_t kMaxPrefetchKeys = 32;
  void Prefetch(int db, std::span<const std::string_view> keys,
                std::span<const std::string_view> elements = {});

  // Locks key's shard and returns fn(KeyHandle&).
  template <class Fn>
  decltype(auto) Access(int db, std::string_view key, Fn&& fn) {
    KeyHandle h = Handle(db, key);
    size_t shard = ShardOf(h.hash_);
    if (transaction_ != nullptr) [[unlikely]] {
      RequireHeld(shard);
      return fn(h);
    }
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
    if (transaction_ != nullptr) [[unlikely]] {
      for (const KeyHandle& h : handles) RequireHeld(ShardOf(h.hash_));
      return fn(std::span<KeyHandle>(handles));
    }
    Reclaim reclaim;
    ShardSetLock lock(this, handles);
    for (size_t s : lock.shards()) CaptureIfPending(s);
    CommitGuard commit(this, lock.shards());
    return fn(std::span<KeyHandle>(handles));
  }

  // Runs fn() as one atomic unit (EXEC): the shards of keys — every shard when all_shards —
  // stay locked for the whole call, so no other thread sees a partial result; Access,
  // AccessMany and the whole-store operations that fn calls on this thread run inside those
  // locks; every change fn makes is logged as one WAL record (all or nothing on recovery).
  // An Access on a key whose shard is not held aborts (a bug in the caller's key list).
  // Not reentrant. Snapshot operations must not be called from fn.
  template <class Fn>
  void Atomically(std::span<const KeyRef> keys, bool all_shards, Fn&& fn) {
    Transaction tx;
    Reclaim reclaim;  // destroyed last: frees after the locks are released
    BeginTransaction(keys, all_shards, &tx);
    struct End {
      Store* store;
      ~End() { store->EndTransaction(); }
    } end{this};
    fn();
  }

  // Server metadata beside the keyspace (Lua function libraries): named byte strings that are
  // logged, snapshotted and recovered like keys, but live in no database, so FLUSHALL and
  // SWAPDB leave them alone. Each change is its own WAL record; the calling thread observes
  // its LSN (the reply waits for it like any write's).
  void SetMeta(std::string_view name, std::string_view value);
  void DeleteMeta(std::string_view name);
  MetaMap Meta() const;
  // Like SetMeta, but the change is logged inside the calling thread's next record that
  // holds a key change (the same WAL record, so recovery sees both or neither), not as a
  // record of its own; a later call on the thread before that record replaces it. A
  // replica stamps its replication offset on the writes of its primary's stream this way.
  void SetMetaWithNextRecord(std::string_view name, std::string_view value);

  // Whether this thread is inside Atomically().
  static bool InTransaction() { return transaction_ != nullptr; }
  // Widens this thread's running transaction (inside Atomically) to the shards of keys, or to
  // every shard when all_shards, for callers that learn their keys as they go (scripts). A
  // shard above every held one is waited for: that keeps the global lock order. One below is
  // only tried, for at most join_wait_us, since waiting there could deadlock with a transaction
  // that holds it and waits for one of ours. Returns false, holding exactly what it held
  // before, when such a shard stayed busy; the caller then must not touch those keys.
  [[nodiscard]] bool JoinTransaction(std::span<const KeyRef> keys, bool all_shards,
                                     int64_t join_wait_us = 20000);

  // Sizes db's tables for about keys more keys spread evenly over the shards, so that
  // inserting them does not grow (and rehash) each table many times: for loads that know
  // their count (an RDB file's RESIZEDB). Allocates by keys: callers bound a count a file
  // declares by what the file can hold.
  void Reserve(int db, uint64_t keys);

  // Number of keys in db (keys past their expiry but not yet deleted included, as Redis).
  DbStats Stats(int db);
  // FLUSHDB / FLUSHALL. The keys are gone when the call returns; with async their memory is
  // freed by a background thread (FLUSHALL ASYNC), else by the calling thread after the locks
  // are released.
  void FlushDb(int db, bool async = false);
  void FlushAll(bool async = false);
  // Swaps two databases atomically (all shards locked).
  void SwapDb(int a, int b);

  // Incremental iteration (SCAN): visits the keys of about `count` buckets starting at
  // cursor and returns the next cursor (0 when done). Every key present for the whole
  // iteration is visited at least once, even if tables grow between calls. A db of at most
  // `count` keys is visited to the end in one call (returning 0), as Redis's single small
  // table is: the keys spread over many shards would otherwise take many calls.
  // Keys past their deadline that are still stored go to met_expired instead (if given;
  // never under a ReplayScope): SCAN hands those its pattern matches to ExpireIfDue, as
  // Redis's SCAN deletes the expired keys it meets.
  uint64_t Scan(int db, uint64_t cursor, size_t count,
                const std::function<void(const Entry&)>& visit,
                const std::function<void(const Entry&)>& met_expired = nullptr);
  // Deletes key if it is past its deadline, exactly as a lookup would (logged, sent to
  // replicas as a DEL, an "expired" event; not under a ReplayScope or while expiry is
  // paused). Takes the key's shard lock: never call with a shard lock held outside a
  // transaction.
  void ExpireIfDue(int db, std::string_view key);
  // Visits every live key of db, shard by shard (KEYS); under a ReplayScope, keys past their
  // deadline that are still stored too (DEBUG DIGEST reads them, as Redis does).
  void ForEach(int db, const std::function<void(const Entry&)>& visit);
  // A random live key of db, every key as likely as any other, or false when db is empty.
  // Weighs the shards by their key counts (read without their locks), then picks in one.
  // With expired given, a key past its deadline that is still stored may be picked too, and
  // *expired says so (RANDOMKEY deletes it with ExpireIfDue and picks again, as Redis does).
  bool RandomKey(int db, std::string* key, bool* expired = nullptr);

  // Deletes expired keys for at most budget_us microseconds; returns how many. The keys
  // leave the keyspace under their shard's lock and their values are freed on this thread
  // once it is released, never handed to the lazy-free thread (as Redis with its default
  // lazyfree-lazy-expire no, the only setting cairn has). With slowest_delete_us, also times each
  // deleted key's free and raises *slowest_delete_us to the longest, in µs (the latency
  // monitor's expire-del); without it, no clock is read per key. Returns 0 at once when
  // another thread is running a cycle or expiry is paused.
  size_t ExpireCycle(int64_t budget_us, int64_t* slowest_delete_us = nullptr);
  // Until until_ms (store clock; 0 ends it) expiry deletes nothing: expired keys read as
  // missing but stay, and active expiry rests (CLIENT PAUSE: no write may happen, and an
  // expiry is a logged write). They are deleted once the pause ends.
  void PauseExpiry(int64_t until_ms) { expiry_paused_until_ms_.store(until_ms); }
  // Whether that pause is on now (eviction, too, does nothing while it is).
  bool ExpiryPaused() const;
  uint64_t expired_keys() const { return expired_keys_.load(std::memory_order_relaxed); }
  // What the active expiry cycles found (INFO's expire statistics).
  const ExpiryStats& expiry_stats() const { return expiry_stats_; }
  // CONFIG RESETSTAT: expired_keys, evicted_keys and the expiry cycles' counters start again.
  void ResetStats();
  // Writes so far, for the `save` schedule: one per key a command changed (a flush: one per
  // key it removed); expiry does not count. With or without a log. Redis's "dirty" count goes
  // per element (SADD s a b c counts 3 there, 1 here). Exact at a snapshot's cut
  // (Capture::changes), approximate while commands run.
  uint64_t changes() const;


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

  // The LSN a snapshot taken without a journal is cut at: the last one of a log that has
  // stopped (CONFIG SET appendonly no), so such a snapshot covers, and trims, its segments.
  void set_lsn_floor(uint64_t lsn) { lsn_floor_.store(lsn, std::memory_order_relaxed); }
  uint64_t lsn_floor() const { return lsn_floor_.load(std::memory_order_relaxed); }
  // Sets the journal that receives every change (nullptr: none, e.g. during replay). Call
  // before the store is shared between threads.
  void set_journal(Journal* journal) { journal_.store(journal, std::memory_order_release); }
  Journal* journal() const { return journal_.load(std::memory_order_acquire); }
  // Swaps the journal while threads run (replication puts a tap in front of the WAL when a
  // replica attaches): a command committing meanwhile appends to the old or the new one, and
  // every command that starts after a later whole-store lock (StartCapture) uses the new one.
  // Returns the previous journal, which must outlive any command still using it.
  Journal* ReplaceJournal(Journal* journal) {
    return journal_.exchange(journal, std::memory_order_acq_rel);
  }
  // For a Journal, inside Append, on the appending thread: the entry of key as the record
  // leaves it (nullptr when missing; an expired entry not yet deleted is returned). The
  // caller's thread must hold key's shard lock, which it does throughout Append.
  const Entry* PeekHeld(int db, std::string_view key);
  // The highest LSN the calling thread's commands have made or observed since the last call,
  // then resets it to 0. 0 means the reply reveals nothing that needs to wait.
  static uint64_t TakeObservedLsn();
  // Adds lsn to what the calling thread has observed (restores a value taken earlier).
  static void ObserveLsn(uint64_t lsn);
  // What the calling thread has observed so far, without resetting it.
  static uint64_t PeekObservedLsn();

  // Installs, for the calling thread, a function run every ~10 ms while the thread waits for
  // a shard lock that another thread holds long (a busy script's). It must not touch the
  // keyspace: the waiting thread may already hold other shards. nullptr removes it.
  static void SetThreadLockWaitHook(void (*fn)(void* ctx), void* ctx) {
    detail::lock_wait_hook = {fn, ctx};
  }

  // Called for every key lazy or active expiry deletes (keyspace notifications), on the
  // deleting thread with the key's shard locked: it must only record the key, never take a
  // lock or touch the store. Set before the store is shared between threads; nullptr: none.
  using ExpiredHook = void (*)(void* ctx, int db, std::string_view key);
  void set_expired_hook(ExpiredHook hook, void* ctx) {
    expired_hook_ = hook;
    expired_hook_ctx_ = ctx;
  }
  // Called for every key a command creates (keyspace notifications: "new"), under the same
  // rules as the expired hook: before the command's own change is reported, never while
  // replaying the log or loading a snapshot. RENAME, MOVE and COPY create their target even
  // when they replace it, as Redis does (it deletes the old target first).
  using CreatedHook = void (*)(void* ctx, int db, std::string_view key);
  void set_created_hook(CreatedHook hook, void* ctx) {
    created_hook_ = hook;
    created_hook_ctx_ = ctx;
  }

  // ---- Eviction (eviction.h; implemented in eviction.cc) ----
  // How entries' access stamps are kept from now on (access_stamp.h): LFU counters or LRU
  // clock. Call when maxmemory-policy, lfu-log-factor or lfu-decay-time change.
  void SetAccessMode(AccessMode mode, LfuParams lfu);
  AccessMode access_mode() const { return access_mode_.load(std::memory_order_relaxed); }
  // The stamp of a new key, and of a key just accessed whose stamp was old.
  uint32_t StampNew() const;
  uint32_t StampAccess(uint32_t old) const;
  // OBJECT FREQ: e's LFU counter with decay applied (meaningful in LFU mode only).
  uint8_t AccessFrequency(const Entry& e) const;
  // The clock EvictionScore compares stamps against.
  ScoreClock EvictionClock() const;
  // Evicts one key chosen by policy (not kNoEviction): samples `samples` keys of one shard at
  // a time into pool (the calling thread's own) and deletes the best candidate, logged like
  // an expiry, reported to the evicted hook and counted. Returns false when no key is
  // eligible (an empty keyspace, or no key with a TTL under a volatile policy). Must not be
  // called inside Atomically or an Access callback.
  bool EvictOne(EvictPolicy policy, int samples, EvictionPool* pool);
  uint64_t evicted_keys() const { return evicted_keys_.load(std::memory_order_relaxed); }
  // Called for every key eviction deletes (keyspace notifications: "evicted"), under the
  // same rules as the expired hook.
  void set_evicted_hook(ExpiredHook hook, void* ctx) {
    evicted_hook_ = hook;
    evicted_hook_ctx_ = ctx;
  }

  // Called, while switched on, for every change of a key (the same changes WATCH sees, key
  // names only: client-side caching ignores the database) and for every flush (kFlush, key
  // empty), on the changing thread with shard locks held: it must only record, never take a
  // lock or touch the store. Set the hook before the store is shared between threads;
  // switching it on or off is one relaxed atomic, checked once per change.
  enum class Change : uint8_t { kWrite, kExpired, kFlush };
  using ChangedHook = void (*)(void* ctx, std::string_view key, Change change);
  void set_changed_hook(ChangedHook hook, void* ctx) {
    changed_hook_ = hook;
    changed_hook_ctx_ = ctx;
  }
  void set_report_changes(bool on) { report_changes_.store(on, std::memory_order_relaxed); }

  // Snapshot support (snapshot.h). StartCapture marks every shard pending and records the
  // journal's last LSN as the cut; false if a capture is already running. CaptureShard
  // captures shard i if still pending. FinishCapture ends it; shards still pending are left
  // out (a cancelled snapshot, or a caller that wants only the cut and the metadata).
  bool StartCapture(Capture* capture);
  void CaptureShard(size_t i);
  void FinishCapture();

  // The store's clock (unix ms): inside a CommandClock on this thread, one reading for the
  // whole scope. Tests may move it forward.
  int64_t NowMs() const;
  // Fixes NowMs() on the calling thread from its first read until the outermost scope ends,
  // as Redis 7.0 fixes its clock for a call: a command, with everything it runs (EXEC's
  // commands, a script's calls), sees one time. So a deadline a command computes (SET PX 1)
  // is never already past when the same command stores it, and a key a transaction or script
  // has seen does not expire before it ends. Costs no clock read unless NowMs() is called.
  class CommandClock {
   public:
    CommandClock();
    ~CommandClock();
    CommandClock(const CommandClock&) = delete;
    CommandClock& operator=(const CommandClock&) = delete;
  };
  // Coarse seconds on the same clock, cheap enough to stamp every access (OBJECT IDLETIME).
  uint32_t AccessClockS() const;
  void AdvanceClockForTesting(int64_t ms) { clock_offset_ms_ += ms; }

 private:
  friend class KeyHandle;
  struct alignas(64) Shard {
    detail::ShardMutex mu;
    std::unique_ptr<detail::Table[]> tables;
    uint64_t last_lsn = 0;  // LSN of the last logged change to this shard (guarded by mu)
    // Store::changes(): written under mu, read by anyone.
    std::atomic<uint64_t> changes{0};
    // WATCH registrations: WatchKey(db, key) -> flags (guarded by mu).
    std::unordered_map<std::string, std::vector<WatchFlag*>> watched;
  };
  static std::string WatchKey(int db, std::string_view key);
  // Adds n to s.changes (its lock held): a plain add, as only lock holders write it.
  static void CountChanges(Shard& s, uint64_t n) {
    s.changes.store(s.changes.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  // Sets the flags watching key in db of shard s (lock held).
  static void TouchWatched(Shard& s, int db, std::string_view key);
  // Sets the flags of keys watched in db that exist in shard s's db, or in its other_db when
  // given (SWAPDB brings other_db's keys in); FLUSHDB, FLUSHALL, SWAPDB, all shards held.
  void TouchWatchedExisting(Shard& s, int db, int other_db = -1);

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

  // The shards a running Atomically() holds on this thread.
  struct Transaction {
    std::vector<size_t> shards;  // sorted
    bool all = false;
  };
  static constinit thread_local Transaction* transaction_;
  void BeginTransaction(std::span<const KeyRef> keys, bool all_shards, Transaction* tx);
  void EndTransaction();
  void RequireHeld(size_t shard) const;
  // Locks shard i unless this thread's transaction holds it.
  void LockShard(size_t i);
  void UnlockShard(size_t i);
  class ShardGuard {
   public:
    ShardGuard(Store* store, size_t i) : store_(store), i_(i) { store_->LockShard(i_); }
    ~ShardGuard() { store_->UnlockShard(i_); }
    ShardGuard(const ShardGuard&) = delete;
    ShardGuard& operator=(const ShardGuard&) = delete;

   private:
    Store* store_;
    size_t i_;
  };

  KeyHandle Handle(int db, std::string_view key);
  void Commit(std::span<const size_t> shards);
  void LockAll();
  void UnlockAll();
  // Journals the pending effects of a whole-store operation (all shards locked).
  void CommitAll();
  void ObserveAll();
  // Calls ObserveAll when it goes out of scope. A read of many shards holds one at a time and
  // observes after the last: every change it read was appended to the journal before that
  // change's shard lock was released, so the journal's last LSN covers it (observing first
  // would miss a change made between the observation and the read).
  struct ObserveOnExit {
    Store* store;
    ~ObserveOnExit() { store->ObserveAll(); }
  };
  // Captures shard i for a running snapshot before anything changes it. Shard lock held.
  void CaptureIfPending(size_t i) {
    Capture* c = capture_.load(std::memory_order_relaxed);
    if (c != nullptr && c->pending[i]) CaptureLocked(i, c);
  }
  void CaptureLocked(size_t i, Capture* c);
  static size_t ShardOf(uint64_t hash) { return hash >> (64 - kShardBits); }
  void CountExpired(size_t n) { expired_keys_.fetch_add(n, std::memory_order_relaxed); }
  size_t ExpireShard(Shard& s, int64_t now_ms, size_t max_checks, int64_t* slowest_delete_us,
                     ExpirySample* sample);
  size_t UnlinkExpired(Shard& s, int64_t now_ms, size_t max_checks, ExpirySample* sample);

  void PutMetaLocked(std::string_view name, std::string_view value);  // meta_mu_ held

  int databases_;
  uint64_t seed_;
  mutable std::mutex meta_mu_;  // also orders meta records against a snapshot's cut
  MetaMap meta_;
  std::atomic<Journal*> journal_{nullptr};
  std::atomic<uint64_t> lsn_floor_{0};
  ExpiredHook expired_hook_ = nullptr;
  ExpiredHook evicted_hook_ = nullptr;
  void* evicted_hook_ctx_ = nullptr;
  std::atomic<AccessMode> access_mode_{AccessMode::kLru};
  std::atomic<int> lfu_log_factor_{10};
  std::atomic<int> lfu_decay_time_{1};
  std::atomic<uint64_t> evicted_keys_{0};
  // Samples up to `samples` eligible keys of shard i (every database) into pool; returns how
  // many it offered. Random policies: deletes one random eligible key instead, returning 1.
  size_t SampleShard(size_t i, EvictPolicy policy, int samples, EvictionPool* pool);
  std::atomic<int64_t> expiry_paused_until_ms_{0};
  void* expired_hook_ctx_ = nullptr;
  CreatedHook created_hook_ = nullptr;
  void* created_hook_ctx_ = nullptr;
  ChangedHook changed_hook_ = nullptr;
  void* changed_hook_ctx_ = nullptr;
  std::atomic<bool> report_changes_{false};
  // Calls the changed hook if it is switched on.
  void ReportChange(std::string_view key, Change change) {
    if (report_changes_.load(std::memory_order_relaxed)) [[unlikely]] {
      changed_hook_(changed_hook_ctx_, key, change);
    }
  }
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
  ExpiryStats expiry_stats_;
};

}  // namespace cairn::store
