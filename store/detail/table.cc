// store/detail/table.cc — see table.h.
#include "store/detail/table.h"

#include <algorithm>
#include <utility>

#include "store/detail/garbage.h"
#include "store/key_hash.h"

namespace cairn::store::detail {

Entry* Table::Find(uint64_t hash, std::string_view key, Entry*** link) {
  if (buckets_.empty()) return nullptr;
  Entry** p = &buckets_[hash & mask()];
  for (; *p != nullptr; p = &(*p)->next) {
    Entry* e = *p;
    if (e->key() == key) {
      if (link) *link = p;
      return e;
    }
  }
  return nullptr;
}

void Table::Insert(Entry* e, uint64_t hash, uint64_t seed) {
  if (size() >= buckets_.size()) Grow(seed);
  Entry*& head = buckets_[hash & mask()];
  e->next = head;
  head = e;
  Add(size_, 1);
  if (e->has_expire()) Add(expires_, 1);
}

Entry* Table::Unlink(Entry** link) {
  Entry* e = *link;
  *link = e->next;
  e->next = nullptr;
  Add(size_, -1);
  if (e->has_expire()) Add(expires_, -1);
  return e;
}

void Table::Reserve(size_t keys, uint64_t seed) {
  size_t n = std::max(buckets_.size(), kInitialBuckets);
  while (n < keys) n *= 2;  // Insert grows past one entry per bucket
  if (n > buckets_.size()) Rehash(n, seed);
}

void Table::Rehash(size_t n, uint64_t seed) {
  std::vector<Entry*> grown(n, nullptr);
  // Each entry's key is read to hash it again, and in a large table nearly every one is a
  // cache miss. The first entries of a group of buckets are loaded together before any is
  // hashed, so their misses overlap (at a load of one or less, most entries are first).
  constexpr size_t kGroup = 8;
  for (size_t start = 0; start < buckets_.size(); start += kGroup) {
    size_t end = std::min(start + kGroup, buckets_.size());
    for (size_t i = start; i < end; ++i) {
      if (buckets_[i] != nullptr) (void)*reinterpret_cast<const volatile char*>(buckets_[i]);
    }
    for (size_t i = start; i < end; ++i) {
      for (Entry* e = buckets_[i]; e != nullptr;) {
        Entry* next = e->next;
        Entry*& slot = grown[HashKey(e->key(), seed) & (n - 1)];
        e->next = slot;
        slot = e;
        e = next;
      }
    }
  }
  buckets_.swap(grown);
  DeferBuckets(std::move(grown));  // freed after the shard lock is released
}

void Table::Clear() {
  for (Entry*& head : buckets_) {
    while (head != nullptr) {
      Entry* next = head->next;
      Entry::Destroy(head);
      head = next;
    }
  }
  buckets_.clear();
  buckets_.shrink_to_fit();
  size_.store(0, std::memory_order_relaxed);
  expires_.store(0, std::memory_order_relaxed);
}

void Table::Swap(Table& other) {
  buckets_.swap(other.buckets_);
  size_t size = this->size(), expires = this->expires();
  size_.store(other.size(), std::memory_order_relaxed);
  expires_.store(other.expires(), std::memory_order_relaxed);
  other.size_.store(size, std::memory_order_relaxed);
  other.expires_.store(expires, std::memory_order_relaxed);
}

}  // namespace cairn::store::detail
