// store/types/set/set.h — the set value: an unordered collection of distinct byte strings, in
// one of three representations (OBJECT ENCODING names):
//   "intset"    every member is a canonical 64-bit integer and there are at most
//               set-max-intset-entries (512): a sorted array (binary search) of integers
//               2, 4 or 8 bytes wide, all as wide as the widest one needs (as Redis's
//               intset: it widens when a member needs it, and never narrows);
//   "listpack"  at most set-max-listpack-entries (128) members of at most
//               set-max-listpack-value (64, never above 255) bytes each: one packed buffer
//               of len:u8 bytes entries, in insertion order (linear search);
//   "hashtable" anything larger: detail::SetTable, one allocation per member.
// The first two keep their bytes in one detail::PackedBuffer (an exact-size allocation),
// which shares the object's bytes with the table pointer: a small set is a 32-byte object
// and its members' bytes.
// A set only moves up this list (intset -> listpack or hashtable, listpack -> hashtable) as
// members are added, never back, as in Redis. The limits are live (store/encoding_limits.h).
//
// Snapshot encoding (Encode / DecodeSetObject):
//   set      := encoding:u8 count:varint member*      encoding: 0 intset, 1 listpack,
//                                                      2 hashtable
//   member   := zigzag:varint                          (intset)
//             | len:varint bytes                       (listpack, hashtable)
// The WAL ops of the family are in store/types/set/set_ops.h.
//
// Threading: used under the key's shard lock (see object.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/object.h"
#include "store/types/detail/packed_buffer.h"
#include "store/types/set/detail/set_table.h"

namespace cairn::store {

class SetObject final : public Object {
 public:
  // The ValueType this object is held as (store/typed.h).
  static constexpr ValueType kType = ValueType::kSet;

  enum class Encoding : uint8_t { kIntset = 0, kListpack = 1, kHashtable = 2 };

  SetObject() : Object(ValueType::kSet) {}
  // An empty set that starts in the given representation (snapshot decoding keeps a set's
  // encoding).
  explicit SetObject(Encoding start);
  ~SetObject() override;

  size_t size() const override;
  ObjRef Clone() const override;
  std::string_view encoding() const override;
  size_t memory_bytes() const override;
  void Encode(std::string* out) const override;
  const void* const* ElementSlot(std::string_view member) const override {
    return kind_ == Encoding::kHashtable ? rep_.table->HomeSlot(member) : nullptr;
  }

  Encoding kind() const { return kind_; }
  bool Contains(std::string_view member) const;
  // Adds member (converting the representation when a threshold is passed); false if it was
  // already a member.
  bool Add(std::string_view member);
  // Removes member; false if it was not one.
  bool Remove(std::string_view member);
  // Prepares for adding members, which are distinct and not in the set yet: when they will
  // make it a hashtable whatever their order, it becomes one now, sized for all of them,
  // rather than growing (or scanning a listpack) on the way. Add them after; the set ends in
  // the encoding the Adds alone would give it.
  void ExpectDistinctAdds(std::span<const std::string_view> members);

  // kIntset only: the integer of rank i (< size()), in ascending order, as ForEach visits
  // them.
  int64_t IntegerAt(size_t i) const { return IntAt(i); }

  // Visits every member once. Views are valid during the call only.
  void ForEach(const std::function<void(std::string_view)>& visit) const;
  // A random member (the set must not be empty), copied; r is a random number.
  std::string Random(uint64_t r) const;
  // SSCAN: visits about `count` slots' worth of members from cursor and returns the next
  // cursor, 0 when complete. Small representations return everything at once (as Redis).
  uint64_t Scan(uint64_t cursor, size_t count,
                const std::function<void(std::string_view)>& visit) const;

 private:
  void ListpackToHashtable();
  void LeaveIntset(bool to_listpack);
  // Frees the packed bytes (their members already moved) and makes the set an empty table.
  void BecomeTable(size_t reserve);
  size_t ListpackFind(std::string_view member) const;
  // kIntset: the i-th integer, the index where v is or would go, and v's insertion there
  // (widening every integer first if v needs more bytes).
  int64_t IntAt(size_t i) const;
  size_t IntsetLowerBound(int64_t v) const;
  void IntsetInsert(size_t i, int64_t v);

  Encoding kind_ = Encoding::kIntset;  // in Object's tail padding, as int_width_
  uint8_t int_width_ = 2;              // kIntset: bytes per integer (2, 4 or 8)
  union Rep {
    Rep() : packed() {}
    ~Rep() {}  // SetObject's destructor ends the live member
    // kIntset: int_width_-byte integers in native byte order, ascending; kListpack:
    // (len:u8 bytes)*, in insertion order. count(): the members.
    detail::PackedBuffer packed;
    detail::SetTable* table;  // kHashtable, owned
  } rep_;
};

// Parses member as Redis stores an integer in an intset: canonical decimal (no '+', no
// leading zeros, no "-0"), within int64.
bool ParseSetInteger(std::string_view member, int64_t* out);

}  // namespace cairn::store
