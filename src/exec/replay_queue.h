// src/exec/replay_queue.h — WAL records applied in runs whose keys are read ahead.
//
// Replaying a log of writes spread over a large keyspace, nearly every record's lookup misses
// the cache, and applied one at a time the misses are waited for one at a time. A ReplayQueue
// holds up to kBatch records (copied: the reader's bytes move on) and applies them together
// after store::PrefetchEffects has read their keys' table slots, so the misses overlap. What
// each record does, and in which order, is exactly what ApplyEffects on each in turn does.
// The copies stay small: at most kMaxQueuedBytes are held, and a record larger than that
// (a big value, where one miss is nothing against its bytes) is applied from the reader's
// view once the records before it are.
//
// Thread-safety: one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "store/base/status.h"
#include "store/durability/wal_reader.h"
#include "store/store.h"

namespace cairn::server {

class ReplayQueue {
 public:
  static constexpr size_t kBatch = 16;
  static constexpr size_t kMaxQueuedBytes = 64 << 10;
  // Told of a record that does not apply, with ApplyEffects's error (the ops before the bad
  // one stay applied); returns whether to go on with the records after it.
  using OnFailure = std::function<bool(const store::wal::WalRecord& r, const Status& error)>;

  ReplayQueue(store::Store& store, OnFailure on_failure)
      : store_(store), on_failure_(std::move(on_failure)) {}

  // Queues r and applies the queue once it holds kBatch records. False once a record failed
  // and on_failure said stop; the records queued after it are dropped.
  [[nodiscard]] bool Add(const store::wal::WalRecord& r);
  // Applies what is queued; returns as Add does. Call once the reader is done.
  [[nodiscard]] bool Flush();

 private:
  // Applies one record; false if it failed and on_failure said stop.
  bool Apply(const store::wal::WalRecord& r);

  struct Queued {
    uint8_t type;
    uint64_t lsn, offset;
    size_t segment;      // in segments_
    size_t begin, size;  // the payload, in bytes_
  };

  store::Store& store_;
  OnFailure on_failure_;
  std::string bytes_;  // the queued payloads, back to back
  std::vector<Queued> queued_;
  std::vector<std::string> segments_;  // the segment files the queued records come from
};

}  // namespace cairn::server
