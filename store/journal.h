// store/journal.h — how the store hands each command's effects to the write-ahead log.
//
// The store does not know about files or threads: it calls Journal::Append with one encoded
// effects payload (see wal_format.h) while it still holds the locks of the shards the
// command changed, so the log's order is the order in which changes were applied. Append
// returns the record's LSN. A Journal implementation must make Append cheap (copy into a
// batch) because it runs inside shard locks.
#pragma once

#include <cstdint>
#include <string_view>

#include "store/base/status.h"

namespace cairn::store {

class Journal {
 public:
  virtual ~Journal() = default;
  // Appends one kEffects record and returns its LSN. Thread-safe.
  virtual uint64_t Append(std::string_view payload) = 0;
  // The LSN of the last appended record (0 if none). Thread-safe.
  virtual uint64_t last_lsn() const = 0;
  // Blocks until every record up to lsn is on stable storage, whatever the fsync policy; a
  // snapshot cut at lsn is published only then, so recovery never meets a snapshot that is
  // ahead of the log. A failure is a kIoError whose errno says why. A journal that keeps
  // nothing on disk has nothing to wait for. Thread-safe; may be called with shard locks
  // held (DEBUG LOADAOF), so it must not wait for a thread that may need one.
  virtual Status SyncThrough(uint64_t lsn) { return Status::Ok(); }
};

}  // namespace cairn::store
