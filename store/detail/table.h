// store/detail/table.h — a chained hash table of Entries for one (shard, database).
// Internal to store/: callers hold the owning shard's lock for every call, except size() and
// expires(), which may be read without it (RANDOMKEY weighs the 128 shards by their counts)
// and then give a count that may be a moment old, and one whose change is not in the journal
// yet: never answer a client from such a count alone. Only lock holders change them, so a change is
// a relaxed load and store (plain moves on x86), not a locked read-modify-write.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "store/entry.h"

namespace cairn::store::detail {

class Table {
 public:
  Table() = default;
  ~Table() { Clear(); }
  Table(const Table&) = delete;
  Table& operator=(const Table&) = delete;

  // Returns the entry for key (whose hash is hash) or nullptr. *link (optional) receives the
  // pointer that points at the entry, for Unlink.
  Entry* Find(uint64_t hash, std::string_view key, Entry*** link = nullptr);
  // Adds an entry whose key (hashed to hash with seed) is not present. Grows (doubling, all
  // at once, rehashing every key with seed) past load 1.
  void Insert(Entry* e, uint64_t hash, uint64_t seed);
  // Grows the table now (rehashing its keys with seed) so that it holds keys entries without
  // growing again; does nothing if it is that large already.
  void Reserve(size_t keys, uint64_t seed);
  // Removes the entry *link points at and returns it (the caller destroys it).
  Entry* Unlink(Entry** link);
  // Destroys every entry.
  void Clear();

  size_t size() const { return size_.load(std::memory_order_relaxed); }
  size_t expires() const { return expires_.load(std::memory_order_relaxed); }
  void AdjustExpires(int delta) { Add(expires_, delta); }
  size_t bucket_count() const { return buckets_.size(); }
  Entry* bucket(size_t i) const { return buckets_[i]; }
  Entry** bucket_link(size_t i) { return &buckets_[i]; }
  size_t mask() const { return buckets_.empty() ? 0 : buckets_.size() - 1; }

  // The first entry of hash's chain (nullptr when empty): what a lookup of hash reads first.
  const Entry* Head(uint64_t hash) const {
    return buckets_.empty() ? nullptr : buckets_[hash & mask()];
  }

  // Moves all entries and counts into other (which must be empty), leaving this table empty.
  void Swap(Table& other);

 private:
  void Grow(uint64_t seed) {
    Rehash(buckets_.empty() ? kInitialBuckets : buckets_.size() * 2, seed);
  }
  // Moves every entry into a bucket array of n (a power of two) slots.
  void Rehash(size_t n, uint64_t seed);

  static constexpr size_t kInitialBuckets = 8;
  // A change of a count by its one writer, the lock holder.
  static void Add(std::atomic<size_t>& count, int delta) {
    count.store(count.load(std::memory_order_relaxed) + delta, std::memory_order_relaxed);
  }

  std::vector<Entry*> buckets_;
  std::atomic<size_t> size_{0};
  std::atomic<size_t> expires_{0};
};

}  // namespace cairn::store::detail
