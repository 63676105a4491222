// store/types/string/hll_ops.h — the store side of the HyperLogLog commands: PFADD, PFCOUNT,
// PFMERGE and PFDEBUG. A HLL is a string value in Redis's representation (hyperloglog.h).
//
// A change is worked out on a copy of the value and installed only when it succeeded, so a
// corrupt HLL is never half-changed. Logging: a new key, or a value whose length changed (a
// sparse HLL growing, turning dense), is logged as a SET of the whole value (the TTL kept);
// a value of the same length (a dense HLL, the cached count) as patches of the bytes that
// changed (KeyHandle::PatchRange), unless those would be bigger than the value.
//
// PFCOUNT of one key stores the count it computed in the value's cache, as Redis does (the
// bytes are Redis's, so GET shows the same value on both): that is a logged change like any
// other, and the reply waits for it to be durable. The caller passes update_cache = false
// when the log refuses writes; the count is then computed and not kept.
//
// Errors: kWrongType when a key holds another type; kInvalid when a string is not a HLL (its
// header: Redis's "not a valid HyperLogLog"); kCorruption when a sparse HLL's ops are damaged
// (Redis's INVALIDOBJ). Nothing changes on any error.
//
// Threading: inside Store::Access/AccessMany with the keys' shards locked.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "store/base/status.h"
#include "store/buffer.h"
#include "store/store.h"
#include "store/types/string/hyperloglog.h"

namespace cairn::store {

// The key's value when it is a HLL; a null BufRef when the key is missing; kWrongType or
// kInvalid as above.
Result<const BufRef*> FindHll(KeyHandle& h);

// PFADD: adds the elements (creating the key); true when the key was created or a register
// changed. TTL kept.
Result<bool> PfAdd(KeyHandle& h, std::span<const std::string_view> elements,
                   size_t sparse_max_bytes);

// PFCOUNT of one key: the cached count, or the count computed (and cached, see above); 0 for
// a missing key.
Result<uint64_t> PfCount(KeyHandle& h, bool update_cache);

// PFCOUNT of several keys: the count of their union; missing keys count as empty. Nothing is
// cached.
Result<uint64_t> PfCountUnion(std::span<KeyHandle> handles);

// PFMERGE: sets handles[0] (the destination, also read as a source, as in Redis) to the union
// of all the handles' HLLs. An existing destination keeps its TTL and its encoding unless a
// source is dense (then it turns dense); a new one is sparse unless a source is dense.
Status PfMerge(std::span<KeyHandle> handles, size_t sparse_max_bytes);

// PFDEBUG, on an existing HLL key (the caller has checked FindHll):
// TODENSE: turns a sparse HLL dense; true when it did.
Result<bool> PfToDense(KeyHandle& h);
// GETREG: every register, turning a sparse HLL dense first (as Redis does).
Result<hll::Registers> PfGetRegisters(KeyHandle& h);

}  // namespace cairn::store
