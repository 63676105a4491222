// store/bulk_load.h — inserting the keys of a whole file: a snapshot at startup, an RDB
// import, a replica's full sync.
//
// Inserted one at a time, nearly every key of a large load misses the cache on its lookup
// (the shard table's slot, then the entry already there) and each miss is waited for alone.
// A BulkLoader queues entries made outside any lock and inserts them kBatch at a time: the
// batch's slots are read together first (Store::Prefetch), so their misses overlap. Each
// key is then inserted exactly as an Access would insert it — under its shard's lock, in the
// order queued, logged like Put when the store has a journal (a replica's full sync; at
// startup there is none yet) — so readers and the log see the same keys as before, sooner.
//
// Thread-safety: one thread at a time; the store may be in use by others meanwhile.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "store/entry.h"
#include "store/store.h"

namespace cairn::store {

class BulkLoader {
 public:
  static constexpr size_t kBatch = 16;
  static_assert(kBatch <= Store::kMaxPrefetchKeys, "a batch is read ahead in one Prefetch");

  // A key the file held twice: damage that would hide a value.
  struct Duplicate {
    int db = 0;
    std::string key;
    uint64_t tag = 0;  // what Add was given with it
  };

  explicit BulkLoader(Store& store) : store_(store) {}
  // Entries still queued (a load that stopped on an error) are destroyed, not inserted.
  ~BulkLoader() = default;
  BulkLoader(const BulkLoader&) = delete;
  BulkLoader& operator=(const BulkLoader&) = delete;

  // Queues entry (made for its key by Entry::Create or CreateEmbedded, in no table) for db
  // (one the store has: the caller checks what a file says), expiring at expire_at_ms (unix
  // ms, 0: never); tag is the caller's (a file offset). When the batch is full it is
  // inserted, and a key found present already stops it: the rest of the batch is dropped
  // and the duplicate returned.
  [[nodiscard]] std::optional<Duplicate> Add(int db, UniqueEntry entry, int64_t expire_at_ms,
                                             uint64_t tag = 0);
  // Inserts what is queued, as Add does when the batch fills. Call before the load counts
  // as done.
  [[nodiscard]] std::optional<Duplicate> Flush();

 private:
  struct Queued {
    int db = 0;
    UniqueEntry entry;
    int64_t expire_at_ms = 0;
    uint64_t tag = 0;
  };
  // Reads the slots of queued_[from, to) (one database) ahead of their inserts.
  void Prefetch(size_t from, size_t to);
  // Inserts q's entry; false when its key is there already.
  bool Insert(Queued& q);

  Store& store_;
  Queued queued_[kBatch];
  size_t count_ = 0;
};

}  // namespace cairn::store
