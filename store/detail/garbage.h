// store/detail/garbage.h — memory dropped while a shard lock is held, freed after it is
// released (Store::Reclaim). Internal to store/; per thread, so no locking.
#pragma once

#include <vector>

#include "store/buffer.h"
#include "store/entry.h"

namespace cairn::store::detail {

void DeferDestroy(Entry* e);
void DeferRelease(BufRef ref);
void DeferRelease(ObjRef ref);
// A hash table's old bucket array after it grew.
void DeferBuckets(std::vector<Entry*> buckets);
// Frees everything deferred by this thread.
void ReclaimGarbage();

}  // namespace cairn::store::detail
