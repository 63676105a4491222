// store/types/zset/zset_ops.h — the sorted-set changes that are logged: each one mutates the key's zset
// through its KeyHandle and logs what it did, and WAL replay (ApplyZSetOp) runs the same
// functions with logging off, so the live path and recovery share one implementation.
//
// Family op grammar (the payload of kOpObject with type kZSet, wal_format.h):
//   zset_op := kZSetScores count:varint (score:f64le len:varint member){count}
//                  set each member's score, inserting absent members; creates the key
//            | kZRemove count:varint (len:varint member){count}
//                  removes each member; deletes the key when it becomes empty
// Every op is a deterministic fact: ZINCRBY and ZADD INCR log the resulting score, ZADD's
// NX/XX/GT/LT log only the members they changed, range removals and pops log the members
// they removed. The …STORE commands replace the destination whole (KeyHandle::Put).
//
// Threading: call inside Store::Access with the key's handle; nothing is kept afterwards.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/base/status.h"
#include "store/store.h"
#include "store/types/zset/zset.h"

namespace cairn::store {

struct ZItem {
  double score;
  std::string_view member;
};

struct ZAddOptions {
  bool nx = false;    // only add new members
  bool xx = false;    // only update existing members
  bool gt = false;    // update only when the new score is greater
  bool lt = false;    // update only when the new score is less
  bool incr = false;  // items[0].score is an increment (a single item)
};

struct ZAddResult {
  size_t added = 0;
  size_t changed = 0;      // scores changed of existing members
  bool incr_done = false;  // INCR: the member was added or updated
  double incr_score = 0;   // INCR: the resulting score
};

// Reading goes through the typed lookup: FindAs<ZSet>(h) (store/typed.h).

// ZADD / ZINCRBY: applies items under options o. kWrongType when the key holds another
// type; kNaN (nothing changed) when an increment would give NaN. Logs the members it set,
// with their resulting scores.
Result<ZAddResult> ZAdd(KeyHandle& h, std::span<const ZItem> items, const ZAddOptions& o);

// Removes members from the key's zset (missing key: 0); returns how many were there. Logs
// the removed members; deletes the key when it becomes empty (*deleted_key, when given,
// says whether it did). kWrongType for another type.
Result<size_t> ZRemove(KeyHandle& h, std::span<const std::string_view> members,
                       bool* deleted_key = nullptr);

// Removes the elements of ranks [start, end) and returns them (member, score) in the order
// visited (ascending, or descending when reverse). Pops and range removals.
std::vector<std::pair<std::string, double>> ZRemoveRanks(KeyHandle& h, size_t start, size_t end,
                                                         bool reverse);

}  // namespace cairn::store
