// store/store.cc — see store.h.
#include "store/store.h"

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <thread>

#include "store/detail/garbage.h"
#include "store/codec.h"
#include "store/effects.h"
#include "store/key_hash.h"
#include "store/lazy_free.h"
#include "store/random.h"
#include "store/scan_cursor.h"

namespace cairn::store {
namespace detail {
namespace {

// Per thread: what a locked section dropped, freed once the lock is released.
struct Garbage {
  std::vector<Entry*> entries;
  std::vector<BufRef> buffers;
  std::vector<ObjRef> objects;
  std::vector<std::vector<Entry*>> bucket_arrays;
};
thread_local Garbage garbage;

void DestroyTimed(Entry* e, int64_t* slowest_us) {
  auto start = std::chrono::steady_clock::now();
  Entry::Destroy(e);
  auto spent = std::chrono::steady_clock::now() - start;
  *slowest_us = std::max<int64_t>(
      *slowest_us, std::chrono::duration_cast<std::chrono::microseconds>(spent).count());
}

}  // namespace

void DeferDestroy(Entry* e) { garbage.entries.push_back(e); }
void DeferRelease(BufRef ref) {
  if (ref) garbage.buffers.push_back(std::move(ref));
}
void DeferRelease(ObjRef ref) {
  if (ref) garbage.objects.push_back(std::move(ref));
}
void DeferBuckets(std::vector<Entry*> buckets) {
  garbage.bucket_arrays.push_back(std::move(buckets));
}
void ReclaimGarbage(int64_t* slowest_entry_us) {
  if (LazyFreeScope::active()) {
    // UNLINK's large values go to the background thread; small ones cost less to free here.
    auto lazy = std::make_shared<std::vector<Entry*>>();
    std::erase_if(garbage.entries, [&](Entry* e) {
      if (!WorthFreeingLazily(*e)) return false;
      lazy->push_back(e);
      return true;
    });
    if (!lazy->empty()) {
      uint64_t n = lazy->size();
      FreeLazily([lazy] { for (Entry* e : *lazy) Entry::Destroy(e); }, n);
    }
  }
  if (slowest_entry_us == nullptr) {
    for (Entry* e : garbage.entries) Entry::Destroy(e);
  } else {
    for (Entry* e : garbage.entries) DestroyTimed(e, slowest_entry_us);
  }
  garbage.entries.clear();
  garbage.buffers.clear();
  garbage.objects.clear();
  garbage.bucket_arrays.clear();
}

}  // namespace detail

Store::Reclaim::~Reclaim() { detail::ReclaimGarbage(); }

// ---- KeyHandle ---------------------------------------------------------------------------

KeyHandle::KeyHandle(Store* store, int db, std::string_view key, uint64_t hash)
    : store_(store), db_(db), key_(key), hash_(hash) {}

int64_t KeyHandle::now_ms() const {
  if (now_ms_ == 0) now_ms_ = store_->NowMs();
  return now_ms_;
}

detail::Table& KeyHandle::table() {
  return store_->shards_[Store::ShardOf(hash_)].tables[db_];
}

namespace {
thread_local bool replaying = false;
}  // namespace

Store::ReplayScope::ReplayScope() : previous_(replaying) { replaying = true; }
Store::ReplayScope::~ReplayScope() { replaying = previous_; }

bool KeyHandle::ExpiresAtOnce(int64_t at_ms) const { return at_ms <= now_ms() && !replaying; }

Entry* KeyHandle::Find() { return Lookup(true); }

Entry* KeyHandle::Peek() { return Lookup(false); }

Entry* KeyHandle::Lookup(bool touch, Entry*** found_link, bool for_write) {
  Entry** link = nullptr;
  Entry* e = table().Find(hash_, key_, &link);
  if (e == nullptr) return nullptr;
  if (e->has_expire() && !replaying && e->expire_at_ms <= now_ms()) {
    // Logically gone; deleted after the pause, or now by a write.
    if (store_->ExpiryPaused() && !for_write) return nullptr;
    // Expiry is part of the log's history: the delete is logged like any other, in the
    // same record as whatever this command writes next, so replay (which never expires by
    // the clock) sees the key vanish exactly where clients saw it vanish.
    detail::DeferDestroy(table().Unlink(link));
    if (logging()) EffectBuffer::Del(db_, key_);
    Touch(/*expired=*/true);
    store_->CountExpired(1);
    if (store_->expired_hook_ != nullptr) store_->expired_hook_(store_->expired_hook_ctx_, db_, key_);
    return nullptr;
  }
  if (touch) e->access = store_->StampAccess(e->access);
  if (found_link != nullptr) *found_link = link;
  return e;
}

void KeyHandle::ReportCreated() {
  if (store_->created_hook_ != nullptr && !replaying) {
    store_->created_hook_(store_->created_hook_ctx_, db_, key_);
  }
}

bool KeyHandle::logging() const {
  return store_->journal_.load(std::memory_order_relaxed) != nullptr;
}

void KeyHandle::Touch(bool expired) {
  Store::Shard& s = store_->shards_[Store::ShardOf(hash_)];
  if (!s.watched.empty()) [[unlikely]] Store::TouchWatched(s, db_, key_);
  if (!expired && !counted_) {
    counted_ = true;
    Store::CountChanges(s, 1);
  }
  store_->ReportChange(key_, expired ? Store::Change::kExpired : Store::Change::kWrite);
}

// Lazy expiry first, then the write's own report: whoever watches sees the old key expire
// before the new value arrives.
Entry* KeyHandle::LookupForWrite(Entry*** link, bool created) {
  Entry* e = Lookup(/*touch=*/true, link, /*for_write=*/true);
  Touch();
  if (e == nullptr || created) ReportCreated();
  return e;
}

// Installs value (and expiry) without logging; the callers log what they did. A short string
// is copied into a new entry (one allocation with the key), and an entry holding an embedded
// value is not reused for another, so no unused embedded bytes stay.
Entry* KeyHandle::Insert(Value value, int64_t expire_at_ms, bool created) {
  Entry** link = nullptr;
  Entry* e = LookupForWrite(&link, created);
  if (e != nullptr && !e->embeds && !Entry::Embeds(key_.size(), value)) {
    if (e->value.is_string()) {
      detail::DeferRelease(std::move(e->value.str));
    } else {
      detail::DeferRelease(std::move(e->value.obj));
    }
    Entry::DetachEmbedded(&value);
    e->value = std::move(value);
    AssignExpiry(e, expire_at_ms);
    return e;
  }
  Entry* fresh = Entry::Create(key_, std::move(value));
  if (value.is_string()) detail::DeferRelease(std::move(value.str));  // copied in, or null
  return Link(fresh, e, link, expire_at_ms);
}

Entry* KeyHandle::Link(Entry* fresh, Entry* old, Entry** link, int64_t expire_at_ms) {
  if (old == nullptr) {
    fresh->expire_at_ms = expire_at_ms == kKeepTtl ? 0 : expire_at_ms;
    fresh->access = store_->StampNew();
    table().Insert(fresh, hash_, store_->seed_);
    return fresh;
  }
  fresh->next = old->next;
  fresh->expire_at_ms = old->expire_at_ms;
  fresh->access = old->access;
  *link = fresh;
  old->next = nullptr;
  detail::DeferDestroy(old);
  AssignExpiry(fresh, expire_at_ms);
  return fresh;
}

void KeyHandle::AssignExpiry(Entry* e, int64_t expire_at_ms) {
  if (expire_at_ms == kKeepTtl) return;
  if (e->has_expire() != (expire_at_ms != 0)) table().AdjustExpires(expire_at_ms != 0 ? 1 : -1);
  e->expire_at_ms = expire_at_ms;
}

void KeyHandle::LogPut(const Entry* e, int64_t expire_at_ms) {
  if (!logging()) return;
  bool keep_ttl = expire_at_ms == kKeepTtl;
  if (e->value.type == ValueType::kString) {
    EffectBuffer::Set(db_, key_, e->value.str.view(), e->expire_at_ms, keep_ttl);
  } else {
    EffectBuffer::SetObject(db_, key_, *e->value.obj.get(), e->expire_at_ms, keep_ttl);
  }
}

Entry* KeyHandle::Put(Value value, int64_t expire_at_ms) {
  Entry* e = Insert(std::move(value), expire_at_ms);
  LogPut(e, expire_at_ms);
  return e;
}

Entry* KeyHandle::PutEntry(UniqueEntry entry, int64_t expire_at_ms) {
  if (entry->key() != key_) {  // it would sit in another key's bucket, unreachable
    std::fprintf(stderr, "%s:%d: PutEntry of another key's entry\n", __FILE__, __LINE__);
    std::abort();
  }
  Entry** link = nullptr;
  Entry* old = LookupForWrite(&link, /*created=*/false);
  Entry* e = Link(entry.release(), old, link, expire_at_ms);
  LogPut(e, expire_at_ms);
  return e;
}

void KeyHandle::PutRange(BufRef value, uint64_t offset, std::string_view patch) {
  Insert(Value(std::move(value), StringForm::kGrown), kKeepTtl);
  if (logging()) EffectBuffer::SetRange(db_, key_, offset, patch);
}

void KeyHandle::PatchRange(Entry* e, uint64_t offset, std::string_view patch) {
  Touch();
  BufRef::PatchAt(&e->value.str, static_cast<size_t>(offset), patch);
  e->value.form = StringForm::kGrown;
  if (logging()) EffectBuffer::SetRange(db_, key_, offset, patch);
}

bool KeyHandle::Overwrite(Entry* e, std::string_view bytes) {
  if (!e->owns_string_buffer() || !BufRef::Overwrite(&e->value.str, bytes)) return false;
  e->value.form = StringForm::kAssigned;
  Touch();
  LogPut(e, kKeepTtl);
  return true;
}

void KeyHandle::Append(Entry* e, std::string_view tail) {
  Touch();
  BufRef::AppendTo(&e->value.str, tail);
  e->value.form = StringForm::kGrown;
  if (logging()) EffectBuffer::Append(db_, key_, tail);
}

void KeyHandle::SetExpire(Entry* e, int64_t at_ms) {
  Touch();
  if (e->has_expire() != (at_ms != 0)) table().AdjustExpires(at_ms != 0 ? 1 : -1);
  e->expire_at_ms = at_ms;
  if (logging()) EffectBuffer::Expire(db_, key_, at_ms);
}

bool KeyHandle::Delete() {
  Entry** link = nullptr;
  if (Lookup(/*touch=*/true, &link, /*for_write=*/true) == nullptr) return false;
  Touch();
  detail::DeferDestroy(table().Unlink(link));
  if (logging()) EffectBuffer::Del(db_, key_);
  return true;
}

void KeyHandle::DeleteAsExpired() {
  Delete();
  store_->CountExpired(1);
}

bool KeyHandle::Take(Value* value, int64_t* expire_at_ms) {
  Entry** link = nullptr;
  if (Lookup(/*touch=*/true, &link, /*for_write=*/true) == nullptr) return false;
  Touch();
  Entry* e = table().Unlink(link);
  *value = std::move(e->value);
  *expire_at_ms = e->expire_at_ms;
  detail::DeferDestroy(e);
  if (logging()) EffectBuffer::Del(db_, key_);
  return true;
}

void KeyHandle::MoveTo(KeyHandle& target) {
  Touch();
  Entry** link = nullptr;
  Entry* e = table().Find(hash_, key_, &link);
  table().Unlink(link);
  target.Insert(std::move(e->value), e->expire_at_ms, /*created=*/true);
  detail::DeferDestroy(e);
  if (!logging()) return;
  if (target.db_ == db_) {
    EffectBuffer::Rename(db_, key_, target.key_);
  } else {
    EffectBuffer::Move(db_, key_, target.db_);
  }
}

void KeyHandle::CopyTo(KeyHandle& target) {
  Entry* e = table().Find(hash_, key_);
  // Strings are immutable buffers, so sharing the buffer is a complete copy; a collection is
  // shared copy-on-write (MutableObject clones it before either key changes it).
  Value copy = e->value;
  // Redis duplicates the object: an integer copy is its own, not one of the shared 0..9999.
  if (copy.is_string() && copy.form == StringForm::kAssigned) copy.form = StringForm::kCopied;
  target.Insert(std::move(copy), e->expire_at_ms, /*created=*/true);
  if (logging()) EffectBuffer::Copy(db_, key_, target.key_, target.db_);
}

Entry* KeyHandle::CreateObject(ObjRef obj) {
  return Insert(Value(std::move(obj)), 0);
}

Object* KeyHandle::MutableObject(Entry* e) {
  Touch();
  return MutableObjectQuietly(e);
}

Object* KeyHandle::MutableObjectQuietly(Entry* e) {
  if (e->value.obj->refs() > 1) e->value.obj = e->value.obj->Clone();
  return e->value.obj.get();
}

void KeyHandle::LogObjectOp(ValueType type, std::string_view payload) {
  if (logging()) EffectBuffer::ObjectOp(db_, key_, static_cast<uint8_t>(type), payload);
}

bool KeyHandle::DeleteIfEmpty(Entry* e) {
  if (e->value.obj->size() != 0) return false;
  Touch();
  Entry** link = nullptr;
  table().Find(hash_, key_, &link);
  detail::DeferDestroy(table().Unlink(link));
  return true;
}

void KeyHandle::Watch(WatchFlag* flag) {
  Store::Shard& s = store_->shards_[Store::ShardOf(hash_)];
  s.watched[Store::WatchKey(db_, key_)].push_back(flag);
}

void KeyHandle::Unwatch(WatchFlag* flag) {
  Store::Shard& s = store_->shards_[Store::ShardOf(hash_)];
  auto it = s.watched.find(Store::WatchKey(db_, key_));
  if (it == s.watched.end()) return;
  std::erase(it->second, flag);
  if (it->second.empty()) s.watched.erase(it);
}

// ---- Store -------------------------------------------------------------------------------

Store::Store(const StoreOptions& options)
    : databases_(options.databases),
      seed_(std::random_device{}() * 0x9E3779B97F4A7C15ull ^ std::random_device{}()),
      shards_(new Shard[kShards]),
      expire_bucket_(kShards * static_cast<size_t>(options.databases), 0),
      expiry_stats_(options.databases) {
  for (size_t i = 0; i < kShards; ++i) {
    shards_[i].tables.reset(new detail::Table[static_cast<size_t>(databases_)]);
  }
}

Store::~Store() = default;

namespace {

// CommandClock: scopes open on this thread, and their reading (0 until the first NowMs()).
thread_local int command_clock_depth = 0;
thread_local int64_t command_clock_ms = 0;

int64_t RealMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

Store::CommandClock::CommandClock() {
  if (command_clock_depth++ == 0) command_clock_ms = 0;
}

Store::CommandClock::~CommandClock() { --command_clock_depth; }

uint64_t Store::changes() const {
  uint64_t n = 0;
  for (size_t i = 0; i < kShards; ++i) n += shards_[i].changes.load(std::memory_order_relaxed);
  return n;
}

int64_t Store::NowMs() const {
  int64_t real;
  if (command_clock_depth == 0) {
    real = RealMs();
  } else {
    if (command_clock_ms == 0) command_clock_ms = RealMs();
    real = command_clock_ms;
  }
  return real + clock_offset_ms_.load(std::memory_order_relaxed);
}

uint32_t Store::AccessClockS() const {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME_COARSE, &ts);  // vDSO, no TSC read: a few ns
  int64_t ms = ts.tv_sec * 1000 + ts.tv_nsec / 1000000 +
               clock_offset_ms_.load(std::memory_order_relaxed);
  return static_cast<uint32_t>(ms / 1000);
}

KeyHandle Store::Handle(int db, std::string_view key) {
  return KeyHandle(this, db, key, HashKey(key, seed_));
}

Store::ShardSetLock::ShardSetLock(Store* store, std::span<const KeyHandle> handles)
    : store_(store) {
  shards_.reserve(handles.size());
  for (const KeyHandle& h : handles) shards_.push_back(ShardOf(h.hash_));
  std::sort(shards_.begin(), shards_.end());
  shards_.erase(std::unique(shards_.begin(), shards_.end()), shards_.end());
  for (size_t s : shards_) store_->shards_[s].mu.lock();
}

Store::ShardSetLock::~ShardSetLock() {
  for (auto it = shards_.rbegin(); it != shards_.rend(); ++it) store_->shards_[*it].mu.unlock();
}

namespace {
thread_local uint64_t observed_lsn = 0;
// A SetMeta op that rides in this thread's next record (SetMetaWithNextRecord).
thread_local std::string next_record_meta;
}  // namespace

uint64_t Store::TakeObservedLsn() { return std::exchange(observed_lsn, 0); }

uint64_t Store::PeekObservedLsn() { return observed_lsn; }

void Store::ObserveLsn(uint64_t lsn) { observed_lsn = std::max(observed_lsn, lsn); }

void Store::Commit(std::span<const size_t> shards) {
  std::string& pending = EffectBuffer::Pending();
  if (!pending.empty()) {
    if (!next_record_meta.empty()) [[unlikely]] {
      pending.append(next_record_meta);
      next_record_meta.clear();
    }
    if (Journal* journal = journal_.load(std::memory_order_acquire); journal != nullptr) {
      uint64_t lsn = journal->Append(pending);
      for (size_t s : shards) shards_[s].last_lsn = lsn;
    }
    pending.clear();
  }
  for (size_t s : shards) observed_lsn = std::max(observed_lsn, shards_[s].last_lsn);
}

// ---- Transactions ------------------------------------------------------------------------

constinit thread_local Store::Transaction* Store::transaction_ = nullptr;

void Store::BeginTransaction(std::span<const KeyRef> keys, bool all_shards, Transaction* tx) {
  if (transaction_ != nullptr) std::abort();  // not reentrant
  tx->all = all_shards;
  if (all_shards) {
    LockAll();
  } else {
    for (const KeyRef& k : keys) tx->shards.push_back(ShardOf(HashKey(k.key, seed_)));
    std::sort(tx->shards.begin(), tx->shards.end());
    tx->shards.erase(std::unique(tx->shards.begin(), tx->shards.end()), tx->shards.end());
    for (size_t s : tx->shards) shards_[s].mu.lock();
    for (size_t s : tx->shards) CaptureIfPending(s);
  }
  transaction_ = tx;
}

void Store::EndTransaction() {
  Transaction* tx = std::exchange(transaction_, nullptr);
  if (tx->all) {
    CommitAll();
    UnlockAll();
    return;
  }
  Commit(tx->shards);
  for (auto it = tx->shards.rbegin(); it != tx->shards.rend(); ++it) shards_[*it].mu.unlock();
}

namespace {
// Reads the first byte at p, so that its line is fetched; volatile keeps the read.
void Touch(const void* p) { (void)*reinterpret_cast<const volatile unsigned char*>(p); }

// Prefetch's second level (shards held, entries in cache): each element's collection object,
// then its slot, then what the slot points at, each step for all of them before the next so
// that their misses overlap.
void TouchElements(const Entry* const* entries, std::span<const std::string_view> elements) {
  const Object* objects[Store::kMaxPrefetchKeys];
  for (size_t i = 0; i < elements.size(); ++i) {
    const Entry* e = entries[i];
    objects[i] = e != nullptr && !elements[i].empty() && !e->value.is_string()
                     ? e->value.obj.get()
                     : nullptr;
    if (objects[i] != nullptr) Touch(objects[i]);
  }
  const void* const* slots[Store::kMaxPrefetchKeys];
  for (size_t i = 0; i < elements.size(); ++i) {
    slots[i] = objects[i] != nullptr ? objects[i]->ElementSlot(elements[i]) : nullptr;
  }
  const void* targets[Store::kMaxPrefetchKeys];
  for (size_t i = 0; i < elements.size(); ++i) {
    targets[i] = slots[i] != nullptr ? *reinterpret_cast<const void* const volatile*>(slots[i])
                                     : nullptr;
  }
  for (size_t i = 0; i < elements.size(); ++i) {
    if (targets[i] != nullptr) Touch(targets[i]);
  }
  for (size_t i = 0; i < elements.size(); ++i) {
    if (targets[i] != nullptr) objects[i]->TouchElement(targets[i]);
  }
}
}  // namespace

void Store::Prefetch(int db, std::span<const std::string_view> keys,
                     std::span<const std::string_view> elements) {
  if (transaction_ != nullptr || keys.size() > kMaxPrefetchKeys || db < 0 || db >= databases_ ||
      (!elements.empty() && elements.size() != keys.size())) {
    return;
  }
  // The shards are only tried (a hint is not worth a wait, and trying cannot deadlock), and
  // held all at once, as MGET holds them: the locks' atomic instructions would keep loads
  // from overlapping, so they come first, then every slot is read, then every entry. Loads,
  // not prefetch instructions: on machines where a prefetch that misses the TLB is dropped
  // (virtual machines), only a load brings the line.
  size_t held[kMaxPrefetchKeys];
  size_t held_count = 0;
  uint64_t hashes[kMaxPrefetchKeys];
  bool usable[kMaxPrefetchKeys];
  for (size_t i = 0; i < keys.size(); ++i) hashes[i] = HashKey(keys[i], seed_);
  for (size_t i = 0; i < keys.size(); ++i) {
    size_t shard = ShardOf(hashes[i]);
    usable[i] = std::find(held, held + held_count, shard) != held + held_count;
    if (!usable[i] && shards_[shard].mu.try_lock()) {
      held[held_count++] = shard;
      usable[i] = true;
    }
  }
  const Entry* heads[kMaxPrefetchKeys];
  for (size_t i = 0; i < keys.size(); ++i) {
    heads[i] = usable[i] ? shards_[ShardOf(hashes[i])].tables[db].Head(hashes[i]) : nullptr;
  }
  // The entry, and the one after it when the first is another key's (a chain of two is
  // common at the table's load).
  for (size_t i = 0; i < keys.size(); ++i) {
    if (heads[i] != nullptr) Touch(heads[i]);
  }
  for (size_t i = 0; i < keys.size(); ++i) {
    if (heads[i] == nullptr || heads[i]->key() == keys[i]) continue;
    if (const Entry* next = heads[i]->next) Touch(next);
  }
  if (!elements.empty()) {
    // The key's entry when it is one of the two just fetched (else the element waits).
    for (size_t i = 0; i < keys.size(); ++i) {
      const Entry* e = heads[i];
      if (e != nullptr && e->key() != keys[i]) e = e->next;
      heads[i] = e != nullptr && e->key() == keys[i] ? e : nullptr;
    }
    TouchElements(heads, elements);
  }
  for (size_t i = 0; i < held_count; ++i) shards_[held[i]].mu.unlock();
}

bool Store::JoinTransaction(std::span<const KeyRef> keys, bool all_shards,
                            int64_t join_wait_us) {
  Transaction* tx = transaction_;
  if (tx == nullptr) std::abort();  // only inside Atomically
  if (tx->all) return true;
  // The common case, a script's redis.call on keys it declared: every shard is held already.
  if (!all_shards && std::all_of(keys.begin(), keys.end(), [&](const KeyRef& k) {
        return std::binary_search(tx->shards.begin(), tx->shards.end(),
                                  ShardOf(HashKey(k.key, seed_)));
      })) {
    return true;
  }
  std::vector<size_t> wanted;
  if (all_shards) {
    for (size_t i = 0; i < kShards; ++i) wanted.push_back(i);
  } else {
    for (const KeyRef& k : keys) wanted.push_back(ShardOf(HashKey(k.key, seed_)));
    std::sort(wanted.begin(), wanted.end());
    wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
  }
  std::vector<size_t> fresh;
  for (size_t s : wanted) {
    if (!std::binary_search(tx->shards.begin(), tx->shards.end(), s)) fresh.push_back(s);
  }
  if (fresh.empty()) return true;
  // Below the highest held shard: try only. Above it: wait, in ascending order.
  size_t top = tx->shards.empty() ? 0 : tx->shards.back();
  bool any_held = !tx->shards.empty();
  auto below_end = std::find_if(fresh.begin(), fresh.end(),
                                [&](size_t s) { return !any_held || s > top; });
  std::vector<size_t> locked;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::microseconds(join_wait_us);
  for (auto it = fresh.begin(); it != below_end; ++it) {
    while (!shards_[*it].mu.try_lock()) {
      if (std::chrono::steady_clock::now() >= deadline) {
        for (size_t s : locked) shards_[s].mu.unlock();
        return false;
      }
      std::this_thread::yield();
    }
    locked.push_back(*it);
  }
  for (auto it = below_end; it != fresh.end(); ++it) shards_[*it].mu.lock();
  for (size_t s : fresh) CaptureIfPending(s);
  tx->shards.insert(tx->shards.end(), fresh.begin(), fresh.end());
  std::sort(tx->shards.begin(), tx->shards.end());
  tx->all = tx->shards.size() == kShards;
  if (tx->all) tx->shards.clear();  // EndTransaction commits and unlocks every shard
  return true;
}

void Store::RequireHeld(size_t shard) const {
  const Transaction* tx = transaction_;
  if (tx->all || std::binary_search(tx->shards.begin(), tx->shards.end(), shard)) return;
  std::fprintf(stderr, "%s:%d: Access to shard %zu outside the transaction's locks\n",
               __FILE__, __LINE__, shard);
  std::abort();
}

void Store::Reserve(int db, uint64_t keys) {
  if (db < 0 || db >= databases_ || keys == 0) return;
  // Shards get keys / kShards each on average; a few standard deviations more keep the
  // fullest from growing once more near the end.
  double mean = static_cast<double>(keys) / kShards;
  auto per_shard = static_cast<size_t>(mean + 4 * std::sqrt(mean) + 8);
  for (size_t i = 0; i < kShards; ++i) {
    Reclaim reclaim;  // the old bucket array is freed after the lock
    ShardGuard guard(this, i);
    detail::Table& table = shards_[i].tables[db];
    table.Reserve(table.size() + per_shard, seed_);
  }
}

void Store::LockShard(size_t i) {
  if (transaction_ != nullptr) {
    RequireHeld(i);
    return;
  }
  shards_[i].mu.lock();
}

void Store::UnlockShard(size_t i) {
  if (transaction_ == nullptr) shards_[i].mu.unlock();
}

// ---- Metadata ----------------------------------------------------------------------------

using codec::PutLengths;
using codec::PutU8;
using codec::PutVarint;

void Store::PutMetaLocked(std::string_view name, std::string_view value) {
  auto it = meta_.find(name);
  if (it != meta_.end()) {
    it->second.assign(value);  // a replica's progress changes per command: reuse the string
  } else {
    meta_.emplace(name, value);
  }
}

void Store::SetMeta(std::string_view name, std::string_view value) {
  std::lock_guard lock(meta_mu_);
  PutMetaLocked(name, value);
  Journal* journal = journal_.load(std::memory_order_acquire);
  if (journal == nullptr) return;
  std::string record;
  PutU8(&record, kOpSetMeta);
  PutLengths(&record, name.size(), value.size());
  record.append(name);
  record.append(value);
  observed_lsn = std::max(observed_lsn, journal->Append(record));
}

void Store::SetMetaWithNextRecord(std::string_view name, std::string_view value) {
  std::lock_guard lock(meta_mu_);
  PutMetaLocked(name, value);
  if (journal_ == nullptr) return;
  next_record_meta.clear();
  PutU8(&next_record_meta, kOpSetMeta);
  PutLengths(&next_record_meta, name.size(), value.size());
  next_record_meta.append(name);
  next_record_meta.append(value);
}

void Store::DeleteMeta(std::string_view name) {
  std::lock_guard lock(meta_mu_);
  auto it = meta_.find(name);
  if (it == meta_.end()) return;
  meta_.erase(it);
  Journal* journal = journal_.load(std::memory_order_acquire);
  if (journal == nullptr) return;
  std::string record;
  PutU8(&record, kOpDelMeta);
  PutVarint(&record, name.size());
  record.append(name);
  observed_lsn = std::max(observed_lsn, journal->Append(record));
}

MetaMap Store::Meta() const {
  std::lock_guard lock(meta_mu_);
  return meta_;
}

// ---- WATCH -------------------------------------------------------------------------------

std::string Store::WatchKey(int db, std::string_view key) {
  std::string k(sizeof(int), '\0');
  std::memcpy(k.data(), &db, sizeof(int));
  k.append(key);
  return k;
}

void Store::TouchWatched(Shard& s, int db, std::string_view key) {
  auto it = s.watched.find(WatchKey(db, key));
  if (it == s.watched.end()) return;
  for (WatchFlag* f : it->second) f->dirty.store(true, std::memory_order_relaxed);
}

void Store::TouchWatchedExisting(Shard& s, int db, int other_db) {
  for (auto& [watch_key, flags] : s.watched) {
    int key_db = 0;
    std::memcpy(&key_db, watch_key.data(), sizeof(int));
    if (key_db != db) continue;
    std::string_view key = std::string_view(watch_key).substr(sizeof(int));
    uint64_t hash = HashKey(key, seed_);
    bool exists = s.tables[db].Find(hash, key) != nullptr ||
                  (other_db >= 0 && s.tables[other_db].Find(hash, key) != nullptr);
    if (!exists) continue;
    for (WatchFlag* f : flags) f->dirty.store(true, std::memory_order_relaxed);
  }
}

// ---- Whole-store operations --------------------------------------------------------------

void Store::LockAll() {
  if (transaction_ != nullptr) {
    if (!transaction_->all) RequireHeld(kShards);  // aborts: needs every shard
    return;
  }
  for (size_t i = 0; i < kShards; ++i) shards_[i].mu.lock();
  for (size_t i = 0; i < kShards; ++i) CaptureIfPending(i);  // before any whole-store change
}

bool Store::StartCapture(Capture* capture) {
  for (size_t i = 0; i < kShards; ++i) shards_[i].mu.lock();
  bool started = capture_.load(std::memory_order_relaxed) == nullptr;
  if (started) {
    std::lock_guard meta_lock(meta_mu_);  // no meta record lands between the cut and the copy
    Journal* journal = journal_.load(std::memory_order_acquire);
    capture->lsn = journal != nullptr ? journal->last_lsn() : lsn_floor_.load();
    capture->changes = changes();
    capture->meta = meta_;
    capture->db_keys.assign(static_cast<size_t>(databases_), 0);
    for (size_t i = 0; i < kShards; ++i) {
      for (int db = 0; db < databases_; ++db) capture->db_keys[db] += shards_[i].tables[db].size();
    }
    capture_.store(capture, std::memory_order_relaxed);
  }
  UnlockAll();
  return started;
}

const Entry* Store::PeekHeld(int db, std::string_view key) {
  uint64_t hash = HashKey(key, seed_);
  return shards_[ShardOf(hash)].tables[db].Find(hash, key);
}

void Store::CaptureShard(size_t i) {
  std::lock_guard lock(shards_[i].mu);
  CaptureIfPending(i);
}

// With every shard locked, so no command still holds the pointer it loaded under a shard
// lock: after this the capture may be destroyed.
void Store::FinishCapture() {
  for (size_t i = 0; i < kShards; ++i) shards_[i].mu.lock();
  capture_.store(nullptr, std::memory_order_relaxed);
  UnlockAll();
}

void Store::CaptureLocked(size_t i, Capture* c) {
  std::vector<CapturedEntry>& out = c->entries[i];
  for (int db = 0; db < databases_; ++db) {
    detail::Table& t = shards_[i].tables[db];
    for (size_t b = 0; b < t.bucket_count() && t.size() > 0; ++b) {
      for (Entry* e = t.bucket(b); e != nullptr; e = e->next) {
        out.push_back(CapturedEntry{db, std::string(e->key()), e->value, e->expire_at_ms});
      }
    }
  }
  c->pending[i] = 0;
}

void Store::UnlockAll() {
  if (transaction_ != nullptr) return;
  for (size_t i = kShards; i-- > 0;) shards_[i].mu.unlock();
}

void Store::CommitAll() {
  if (transaction_ != nullptr) return;  // the transaction's end logs one record
  static const std::array<size_t, kShards> all = [] {
    std::array<size_t, kShards> a{};
    for (size_t i = 0; i < kShards; ++i) a[i] = i;
    return a;
  }();
  Commit(all);
}

// Whole-keyspace reads can reveal any change: they wait for everything logged so far.
void Store::ObserveAll() {
  Journal* journal = journal_.load(std::memory_order_acquire);
  if (journal != nullptr) observed_lsn = std::max(observed_lsn, journal->last_lsn());
}

DbStats Store::Stats(int db) {
  DbStats stats;
  for (size_t i = 0; i < kShards; ++i) {
    ShardGuard lock(this, i);
    stats.keys += shards_[i].tables[db].size();
    stats.expires += shards_[i].tables[db].expires();
  }
  ObserveAll();  // after the last lock, as ObserveOnExit does
  // The estimate may lag (the cycle resets it, and may not run): none without a TTL key.
  if (stats.expires != 0) stats.avg_ttl_ms = expiry_stats_.avg_ttl_ms(db);
  return stats;
}

// Whole-database changes hold every shard lock for the swap (O(shards), no per-key work) so
// the one logged effect is ordered against every per-key change; the detached tables are
// destroyed after the locks are released.
namespace {

// Frees flushed tables on the lazy-free thread: the entries no longer belong to any shard, so
// nothing else can reach them (values a reader still holds live on through their references).
void FreeInBackground(std::vector<detail::Table> doomed) {
  uint64_t keys = 0;
  for (const detail::Table& t : doomed) keys += t.size();
  auto tables = std::make_shared<std::vector<detail::Table>>(std::move(doomed));
  FreeLazily([tables] { tables->clear(); }, keys);
}

}  // namespace

void Store::FlushDb(int db, bool async) {
  std::vector<detail::Table> doomed(kShards);
  LockAll();
  for (size_t i = 0; i < kShards; ++i) {
    if (!shards_[i].watched.empty()) TouchWatchedExisting(shards_[i], db);
    shards_[i].tables[db].Swap(doomed[i]);
    CountChanges(shards_[i], doomed[i].size());
  }
  if (journal_ != nullptr) EffectBuffer::FlushDb(db);
  ReportChange({}, Change::kFlush);
  CommitAll();
  UnlockAll();
  if (async) FreeInBackground(std::move(doomed));
}

void Store::FlushAll(bool async) {
  std::vector<detail::Table> doomed(kShards * static_cast<size_t>(databases_));
  LockAll();
  for (size_t i = 0; i < kShards; ++i) {
    for (int db = 0; db < databases_; ++db) {
      if (!shards_[i].watched.empty()) TouchWatchedExisting(shards_[i], db);
      detail::Table& t = doomed[i * static_cast<size_t>(databases_) + db];
      shards_[i].tables[db].Swap(t);
      CountChanges(shards_[i], t.size());
    }
  }
  if (journal_ != nullptr) EffectBuffer::FlushAll();
  ReportChange({}, Change::kFlush);
  CommitAll();
  UnlockAll();
  if (async) FreeInBackground(std::move(doomed));
}

void Store::SwapDb(int a, int b) {
  if (a == b) return;
  LockAll();
  for (size_t i = 0; i < kShards; ++i) {
    if (!shards_[i].watched.empty()) {
      // A key watched in a changes if it is in a (it goes) or in b (it arrives).
      TouchWatchedExisting(shards_[i], a, b);
      TouchWatchedExisting(shards_[i], b, a);
    }
    shards_[i].tables[a].Swap(shards_[i].tables[b]);
  }
  if (journal_ != nullptr) EffectBuffer::SwapDb(a, b);
  CommitAll();
  UnlockAll();
  expiry_stats_.SwapTtl(a, b);
}

void Store::ResetStats() {
  expired_keys_.store(0, std::memory_order_relaxed);
  evicted_keys_.store(0, std::memory_order_relaxed);
  expiry_stats_.ResetCounters();
}

namespace {

bool IsExpired(const Entry& e, int64_t now_ms) {
  return e.has_expire() && e.expire_at_ms <= now_ms;
}

}  // namespace

uint64_t Store::Scan(int db, uint64_t cursor, size_t count,
                     const std::function<void(const Entry&)>& visit,
                     const std::function<void(const Entry&)>& met_expired) {
  ObserveOnExit observe{this};
  size_t shard = cursor & (kShards - 1);
  uint64_t bucket = cursor >> kShardBits;
  size_t visited = 0;
  int64_t now = NowMs();
  if (Stats(db).keys <= count) count = SIZE_MAX;
  for (; shard < kShards; ++shard, bucket = 0) {
    ShardGuard lock(this, shard);
    detail::Table& t = shards_[shard].tables[db];
    if (t.size() == 0) continue;
    uint64_t mask = t.mask();
    do {
      for (Entry* e = t.bucket(bucket & mask); e != nullptr; e = e->next) {
        if (!IsExpired(*e, now)) {
          visit(*e);
        } else if (met_expired && !replaying) {
          met_expired(*e);
        }
      }
      bucket = detail::NextScanCursor(bucket, mask);
      ++visited;
    } while (bucket != 0 && visited < count);
    if (bucket != 0) return (bucket << kShardBits) | shard;
    if (visited >= count && shard + 1 < kShards) return shard + 1;
  }
  return 0;
}

void Store::ExpireIfDue(int db, std::string_view key) {
  Access(db, key, [](KeyHandle& h) { h.Peek(); });
}

void Store::ForEach(int db, const std::function<void(const Entry&)>& visit) {
  ObserveOnExit observe{this};
  int64_t now = NowMs();
  for (size_t i = 0; i < kShards; ++i) {
    ShardGuard lock(this, i);
    detail::Table& t = shards_[i].tables[db];
    for (size_t b = 0; b < t.bucket_count() && t.size() > 0; ++b) {
      for (Entry* e = t.bucket(b); e != nullptr; e = e->next) {
        if (replaying || !IsExpired(*e, now)) visit(*e);
      }
    }
  }
}

namespace {

// Chains of up to this many entries are sampled exactly uniformly by ProbeRandom. At the
// table's load (at most 1) a longer chain is rare; its entries are picked a little less often.
constexpr size_t kSampledChain = 4;

enum class Pick : bool { kLive, kAny };  // kAny: an entry past its deadline too

// A random entry of a non-empty table (kLive: a live one), or nullptr if random probes found
// none. Rejection sampling: a random bucket and a random position below kSampledChain,
// retried until the position holds an entry, so entries of short and long chains are
// equally likely.
const Entry* ProbeRandom(detail::Table& t, int64_t now, Pick pick) {
  bool any = pick == Pick::kAny;
  // Enough tries to find an entry at any load the table keeps while it holds keys; a table
  // left nearly empty by deletes (it does not shrink) ends in the scan below.
  size_t attempts = std::clamp<size_t>(4 * kSampledChain * (t.mask() + 1) / t.size(), 64, 4096);
  for (size_t attempt = 0; attempt < attempts; ++attempt) {
    size_t chain = 0;
    size_t b = FastRandom() & t.mask();
    for (Entry* e = t.bucket(b); e != nullptr; e = e->next) ++chain;
    size_t at = chain > kSampledChain ? FastRandom() % chain : FastRandom() % kSampledChain;
    if (at >= chain) continue;
    Entry* e = t.bucket(b);
    for (; at > 0; --at) e = e->next;
    if (any || !IsExpired(*e, now)) return e;
  }
  // From a random bucket, so a sparse table does not always give its first key.
  size_t start = FastRandom() & t.mask();
  for (size_t n = 0; n < t.bucket_count(); ++n) {
    for (Entry* e = t.bucket((start + n) & t.mask()); e != nullptr; e = e->next) {
      if (any || !IsExpired(*e, now)) return e;
    }
  }
  return nullptr;
}

}  // namespace

bool Store::RandomKey(int db, std::string* key, bool* expired) {
  ObserveOnExit observe{this};
  int64_t now = NowMs();
  if (expired != nullptr) *expired = false;
  Pick which = expired != nullptr && !replaying ? Pick::kAny : Pick::kLive;
  // A shard chosen in proportion to its keys, so every key is equally likely (the first
  // non-empty shard after a random one would favour keys behind runs of empty shards: with
  // few keys, some would come up far more often than others). The counts are read without
  // the shards' locks (detail/table.h): they only weigh the choice, and a shard that emptied
  // meanwhile is handled below, as it was when the locks were taken one after another.
  std::array<size_t, kShards> sizes{};
  size_t total = 0;
  for (size_t i = 0; i < kShards; ++i) {
    sizes[i] = shards_[i].tables[db].size();
    total += sizes[i];
  }
  auto try_shard = [&](size_t i) {
    ShardGuard lock(this, i);
    detail::Table& t = shards_[i].tables[db];
    const Entry* e = t.size() != 0 ? ProbeRandom(t, now, which) : nullptr;
    if (e == nullptr) return false;
    key->assign(e->key());
    if (which == Pick::kAny) *expired = IsExpired(*e, now);
    return true;
  };
  if (total != 0) {
    size_t pick = FastRandom() % total, chosen = 0;
    while (pick >= sizes[chosen]) pick -= sizes[chosen++];
    if (try_shard(chosen)) return true;
  }
  // The chosen shard emptied meanwhile or holds only expired keys, or every count read zero
  // (a zero read without the lock may reflect a delete not yet in the journal, so only this
  // locked walk may answer "empty"): any live key.
  size_t start = FastRandom() % kShards;
  for (size_t n = 0; n < kShards; ++n) {
    if (try_shard((start + n) % kShards)) return true;
  }
  return false;
}

size_t Store::ExpireShard(Shard& s, int64_t now_ms, size_t max_checks, int64_t* slowest_delete_us,
                          ExpirySample* sample) {
  size_t expired = UnlinkExpired(s, now_ms, max_checks, sample);
  // The unlinked entries are freed here, with the shard lock released: unlinking is O(1) per
  // key, so each key's free is what its deletion costs.
  detail::ReclaimGarbage(slowest_delete_us);
  CountExpired(expired);
  return expired;
}

// Takes expired keys out of the shard's tables and defers their entries to this thread's
// garbage; frees nothing.
size_t Store::UnlinkExpired(Shard& s, int64_t now_ms, size_t max_checks, ExpirySample* sample) {
  size_t shard_index = static_cast<size_t>(&s - shards_.get());
  size_t expired = 0;
  std::lock_guard lock(s.mu);
  CaptureIfPending(shard_index);
  // The deletes below are logged as one record, appended before the lock is released.
  CommitGuard commit(this, std::span<const size_t>(&shard_index, 1));
  for (int db = 0; db < databases_; ++db) {
    detail::Table& t = s.tables[db];
    if (t.expires() == 0) continue;
    sample->has_ttls[static_cast<size_t>(db)] = 1;
    size_t& cursor = expire_bucket_[shard_index * static_cast<size_t>(databases_) + db];
    for (size_t checks = 0; checks < max_checks && t.expires() > 0; ++checks) {
      cursor &= t.mask();
      Entry** link = t.bucket_link(cursor);
      while (*link != nullptr) {
        const Entry& e = **link;
        if (e.has_expire()) ++sample->checked;
        if (IsExpired(e, now_ms)) {
          ++sample->expired;
          if (!s.watched.empty()) TouchWatched(s, db, (*link)->key());
          ReportChange((*link)->key(), Change::kExpired);
          if (journal_ != nullptr) EffectBuffer::Del(db, (*link)->key());
          if (expired_hook_ != nullptr) expired_hook_(expired_hook_ctx_, db, (*link)->key());
          detail::DeferDestroy(t.Unlink(link));
          ++expired;
        } else {
          if (e.has_expire()) {
            sample->ttl_sum_ms[static_cast<size_t>(db)] +=
                static_cast<double>(e.expire_at_ms - now_ms);
            ++sample->ttl_keys[static_cast<size_t>(db)];
          }
          link = &(*link)->next;
        }
      }
      cursor = (cursor + 1) & t.mask();
    }
  }
  return expired;
}

bool Store::ExpiryPaused() const {
  int64_t until = expiry_paused_until_ms_.load(std::memory_order_relaxed);
  return until != 0 && NowMs() < until;
}

size_t Store::ExpireCycle(int64_t budget_us, int64_t* slowest_delete_us) {
  if (ExpiryPaused()) return 0;
  std::unique_lock cursor_lock(expire_cursor_mu_, std::try_to_lock);
  if (!cursor_lock.owns_lock()) return 0;  // another thread is running a cycle
  auto start = std::chrono::steady_clock::now();
  size_t expired = 0;
  ExpirySample sample(databases_);
  bool capped = false;
  int64_t spent_us = 0;
  for (size_t n = 0; n < kShards; ++n) {
    Shard& s = shards_[expire_shard_];
    expire_shard_ = (expire_shard_ + 1) % kShards;
    expired += ExpireShard(s, NowMs(), 256, slowest_delete_us, &sample);
    spent_us = std::chrono::duration_cast<std::chrono::microseconds>(
                   std::chrono::steady_clock::now() - start).count();
    if (spent_us >= budget_us) {
      capped = n + 1 < kShards;
      break;
    }
  }
  expiry_stats_.AddCycle(sample, spent_us, capped);
  return expired;
}

}  // namespace cairn::store
