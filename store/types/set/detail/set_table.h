// store/types/set/detail/set_table.h — the large-set representation: an open-addressing table of
// members (linear probing, backward-shift deletion, no tombstones). Internal to store/.
//
// Each member is ONE allocation holding its length (LEB128) followed by its bytes; a slot is
// one pointer. At the 3/4 maximum load a member costs its allocation plus 8 to 16 bytes of
// slots, against Redis's dictEntry + sds + bucket pointer.
//
// Linear probing keeps every member between its home slot (hash & mask) and its position
// with no empty slot in between, so "the members whose home is b" are found by walking the
// run that starts at b. Scan walks home slots in reverse-binary order, like Redis's dict and
// the keyspace Scan: a member present for a whole scan is returned at least once even if the
// table grows or shrinks between calls.
//
// Not thread-safe: the owning set is used under its key's shard lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>

namespace cairn::store::detail {

class SetTable {
 public:
  SetTable() = default;
  ~SetTable();
  SetTable(const SetTable&) = delete;
  SetTable& operator=(const SetTable&) = delete;

  // A deep copy of other into this (empty) table.
  void CopyFrom(const SetTable& other);
  // Sizes the table for n members without growing on the way.
  void Reserve(size_t n);

  size_t size() const { return size_; }
  bool Contains(std::string_view member) const;
  // The slot Contains(member) reads first (Object::ElementSlot); nullptr while empty.
  const void* const* HomeSlot(std::string_view member) const {
    return size_ == 0 ? nullptr : reinterpret_cast<const void* const*>(&slots_[Home(member)]);
  }
  // Adds member; false if it was already present.
  bool Insert(std::string_view member);
  // Removes member; false if it was absent. May shrink the table.
  bool Erase(std::string_view member);

  // A member chosen from a random slot (the table must not be empty); r is a random number.
  // The view is valid until the table changes.
  std::string_view Random(uint64_t r) const;
  // Visits every member once, in slot order.
  void ForEach(const std::function<void(std::string_view)>& visit) const;
  // Visits the members of about `count` home slots from cursor; returns the next cursor (0
  // when the scan is complete).
  uint64_t Scan(uint64_t cursor, size_t count,
                const std::function<void(std::string_view)>& visit) const;

  // Slot array and member allocations, allocator rounding included.
  size_t memory_bytes() const;

 private:
  static constexpr size_t kNone = ~size_t{0};
  static std::string_view View(const char* m);
  size_t Home(std::string_view member) const;
  size_t Find(std::string_view member) const;
  void Place(char* m);
  void Resize(size_t capacity);

  char** slots_ = nullptr;
  size_t mask_ = 0;  // capacity - 1 (capacity is a power of two, or 0)
  size_t size_ = 0;
  size_t member_bytes_ = 0;  // allocation sizes of the members
};

}  // namespace cairn::store::detail
