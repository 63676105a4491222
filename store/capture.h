// store/capture.h — a point-in-time copy of the keyspace in the making: what the store fills
// while a snapshot runs (Store::StartCapture, CaptureShard, FinishCapture). The durability
// layer writes it to disk (store/durability/snapshot.h); the store itself knows no files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "store/entry.h"

namespace cairn::store {

// One entry as captured: the key copied, the value shared.
struct CapturedEntry {
  int db;
  std::string key;
  Value value;
  int64_t expire_at_ms;
};

// The store's named metadata (function libraries, a replica's progress): looked up by
// string_view without building a key.
using MetaMap = std::map<std::string, std::string, std::less<>>;

// The state of one snapshot in progress. Created by WriteSnapshot
// (store/durability/snapshot.h); the Store fills it.
struct Capture {
  explicit Capture(size_t shards) : pending(shards, 1), entries(shards) {}
  uint64_t lsn = 0;
  uint64_t changes = 0;                             // Store::changes() at the cut
  MetaMap meta;                                     // Store::Meta() at the cut
  std::vector<uint64_t> db_keys;                    // each database's key count at the cut
  std::vector<char> pending;                        // per shard; guarded by the shard's lock
  std::vector<std::vector<CapturedEntry>> entries;  // per shard; written once under its lock
};

}  // namespace cairn::store
