// store/types/list/list_ops.h — the list operations a command or a replay runs on a key: each one
// changes the list in place (copy-on-write through KeyHandle::MutableObject) and logs what it
// did as one list op, so replaying the log runs these same functions again (ApplyListOp,
// with logging off) and rebuilds the exact list.
//
// WAL op grammar (the family_op of a kOpObject body with type kList, wal_format.h):
//   list_op := kPush   side:u8 n:varint (len:varint bytes){n}    n elements, in push order
//            | kPop    side:u8 count:varint                      count <= length
//            | kSet    index:varint len:varint bytes             index from the head
//            | kInsert index:varint len:varint bytes             the element's new index
//            | kRem    from_tail:u8 limit:varint len:varint bytes  limit 0 = every match
//            | kTrim   head:varint tail:varint                   elements dropped at each end
//   side := 0 (head) | 1 (tail)
// Records are facts, not requests: LINSERT logs the index it inserted at (not the pivot),
// LTRIM the counts it dropped, LMOVE a pop on the source and a push on the destination
// (one WAL record, since both keys are changed under one AccessMany). A push to a missing
// key creates it; an op that empties the list deletes the key.
//
// Every function runs inside Store::Access/AccessMany with h's shard locked. e is h's live
// entry and must hold a list (ListPush alone also accepts nullptr: it creates the key).
// After a function that may empty the list (pop, rem, trim) e may be gone: Find() again.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

#include "store/store.h"
#include "store/typed.h"
#include "store/types/list/list.h"

namespace cairn::store {

// The list held by a live list entry, for reading.
inline const ListObject* ListOf(const Entry* e) {
  return ValueAs<ListObject>(e);
}

// Pushes elems one by one at side; returns the new length.
size_t ListPush(KeyHandle& h, Entry* e, ListSide side, std::span<const std::string_view> elems);
// Pops min(n, length) elements from side, visiting each before it is removed; returns how
// many. Deletes the key when it empties.
size_t ListPop(KeyHandle& h, Entry* e, ListSide side, size_t n,
               const ListObject::Visitor& visit);
// Replaces the element at index (< length).
void ListSet(KeyHandle& h, Entry* e, size_t index, std::string_view elem);
// Inserts elem at index (<= length).
void ListInsert(KeyHandle& h, Entry* e, size_t index, std::string_view elem);
// Removes up to limit (0: all) elements equal to elem, scanning from the head or the tail;
// returns how many. Deletes the key when it empties.
size_t ListRemove(KeyHandle& h, Entry* e, std::string_view elem, size_t limit, bool from_tail);
// Drops head elements at the head and tail at the tail (head + tail <= length; the key is
// deleted when that is all of them).
void ListTrim(KeyHandle& h, Entry* e, size_t head, size_t tail);

}  // namespace cairn::store
