// store/types/hash/hash_ops.h — the hash family's store operations: each changes one key's hash under
// its shard lock and logs what it did, and replay (ApplyHashOp) runs the same functions.
//
// WAL op grammar (the family_op of a kOpObject record whose type is ValueType::kHash; see
// wal_format.h):
//   hash_op := kHashSet n:varint (lengths field value){n}   set n fields, creating the key
//            | kHashDel n:varint (len:varint field){n}      delete n fields; the key goes
//                                                           when its last field does
//   (lengths: wal_format.h's packed pair of lengths.)
// Every op is a fact: HINCRBY and HINCRBYFLOAT log kHashSet with the resulting value, HDEL
// logs only the fields it really removed, so replay never recomputes anything.
//
// Threading: call inside Store::Access (or AccessMany) with the key's KeyHandle; never keep
// a HashObject pointer across calls.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

#include "store/base/status.h"
#include "store/store.h"
#include "store/types/hash/hash.h"

namespace cairn::store {

enum HashOpCode : uint8_t {
  kHashSet = 1,
  kHashDel = 2,
};

// Reading goes through the typed lookup: FindAs<HashObject>(h) (store/typed.h). Every op
// fails with kWrongType, changing nothing, when the key holds another type.

// Sets the fields of pairs (field, value, field, value, ...; an even count, at least 2),
// creating the key when missing. Returns how many fields were new. Logs one kHashSet.
Result<size_t> HashSetFields(KeyHandle& h, std::span<const std::string_view> pairs);

// Removes fields; returns how many were present. Logs the removed ones (kHashDel) and
// deletes the key when it becomes empty (*deleted_key, when given, says whether it did).
Result<size_t> HashDeleteFields(KeyHandle& h, std::span<const std::string_view> fields,
                                bool* deleted_key = nullptr);

}  // namespace cairn::store
