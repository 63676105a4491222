// store/types/set/set.h — the set value: an unordered collection of distinct byte strings, in
// one of three representations (OBJECT ENCODING names):
//   "intset"    every member is a canonical 64-bit integer and there are at most
//               set-max-intset-entries (512): a sorted array of int64 (binary search);
//   "listpack"  at most set-max-listpack-entries (128) members of at most
//               set-max-listpack-value (64, never above 255) bytes each: one packed buffer
//               of len:u8 bytes entries, in insertion order (linear search);
//   "hashtable" anything larger: detail::SetTable, one allocation per member.
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
#include <string>
#include <string_view>
#include <vector>

#include "store/object.h"
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
  explicit SetObject(Encoding start) : Object(ValueType::kSet), kind_(start) {}

  size_t size() const override;
  ObjRef Clone() const override;
  std::string_view encoding() const override;
  size_t memory_bytes() const override;
  void Encode(std::string* out) const override;

  Encoding kind() const { return kind_; }
  bool Contains(std::string_view member) const;
  // Adds member (converting the representation when a threshold is passed); false if it was
  // already a member.
  bool Add(std::string_view member);
  // Removes member; false if it was not one.
  bool Remove(std::string_view member);

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
  size_t ListpackFind(std::string_view member) const;

  Encoding kind_ = Encoding::kIntset;
  std::vector<int64_t> ints_;   // kIntset, sorted
  std::string packed_;          // kListpack: (len:u8 bytes)*
  size_t packed_count_ = 0;     // kListpack
  detail::SetTable table_;      // kHashtable
};

// Parses member as Redis stores an integer in an intset: canonical decimal (no '+', no
// leading zeros, no "-0"), within int64.
bool ParseSetInteger(std::string_view member, int64_t* out);

}  // namespace cairn::store
