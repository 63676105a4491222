// store/detail/garbage.h — memory dropped while a shard lock is held, freed after it is
// released (Store::Reclaim). Internal to store/; per thread, so no locking.
#pragma once

#include <cstdint>
#include <vector>

#include "store/buffer.h"
#include "store/entry.h"

namespace cairn::store::detail {

void DeferDestroy(Entry* e);
void DeferRelease(BufRef ref);
void DeferRelease(ObjRef ref);
// A hash table's old bucket array after it grew.
void DeferBuckets(std::vector<Entry*> buckets);
// Frees everything deferred by this thread. With slowest_entry_us, times each entry's
// destruction (its key and value) and raises *slowest_entry_us to the longest, in µs; entries
// handed to the lazy-free thread are not timed. Without it nothing reads the clock.
void ReclaimGarbage(int64_t* slowest_entry_us = nullptr);

}  // namespace cairn::store::detail
