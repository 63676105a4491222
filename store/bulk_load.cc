// store/bulk_load.cc — see bulk_load.h.
#include "store/bulk_load.h"

#include <string_view>
#include <utility>

namespace cairn::store {

std::optional<BulkLoader::Duplicate> BulkLoader::Add(int db, UniqueEntry entry,
                                                     int64_t expire_at_ms, uint64_t tag) {
  queued_[count_++] = Queued{db, std::move(entry), expire_at_ms, tag};
  if (count_ < kBatch) return std::nullopt;
  return Flush();
}

std::optional<BulkLoader::Duplicate> BulkLoader::Flush() {
  size_t n = std::exchange(count_, 0);
  for (size_t from = 0; from < n;) {
    size_t to = from + 1;
    while (to < n && queued_[to].db == queued_[from].db) ++to;
    Prefetch(from, to);
    for (size_t i = from; i < to; ++i) {
      if (Insert(queued_[i])) continue;
      Duplicate dup{queued_[i].db, std::string(queued_[i].entry->key()), queued_[i].tag};
      for (size_t j = i; j < n; ++j) queued_[j].entry.reset();
      return dup;
    }
    from = to;
  }
  return std::nullopt;
}

void BulkLoader::Prefetch(size_t from, size_t to) {
  std::string_view keys[kBatch];
  for (size_t i = from; i < to; ++i) keys[i - from] = queued_[i].entry->key();
  store_.Prefetch(queued_[from].db, std::span<const std::string_view>(keys, to - from));
}

bool BulkLoader::Insert(Queued& q) {
  std::string_view key = q.entry->key();  // the store's once put: valid under the lock
  return store_.Access(q.db, key, [&](KeyHandle& h) {
    if (h.Find() != nullptr) return false;
    h.PutEntry(std::move(q.entry), q.expire_at_ms);
    return true;
  });
}

}  // namespace cairn::store
