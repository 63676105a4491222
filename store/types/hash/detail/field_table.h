// store/types/hash/detail/field_table.h — a large hash's fields and values in a chained hash table (the
// "hashtable" encoding of OBJECT ENCODING). Internal to store/ (hash_object.h uses it).
//
// Memory is the point: each field and its value live in ONE allocation, a Node —
//   node := next:pointer field_len:varint value_len:varint field value
// — so a field costs its node (8-byte field + 8-byte value: 26 bytes, a 32-byte jemalloc
// class) plus one 8-byte bucket slot at load <= 1, against Redis's dictEntry + two sds +
// bucket. The table doubles when it holds more fields than buckets and halves below 1/8 load,
// all at once (no incremental rehash: one rehash of 1M fields costs a few ms under the lock).
//
// Scan uses the reverse-binary cursor of the keyspace SCAN (store.cc): the high bits of the
// bucket index are incremented first, so a field present for a whole scan is returned at least
// once even when the table grows or shrinks between calls.
//
// Views returned by the getters are valid until the next change. Not thread-safe: the owner's
// shard lock guards it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace cairn::store::detail {

class FieldTable {
 public:
  FieldTable() = default;
  ~FieldTable() { Clear(); }
  FieldTable(const FieldTable&) = delete;
  FieldTable& operator=(const FieldTable&) = delete;

  size_t size() const { return size_; }
  // Heap bytes held: nodes and buckets, allocator rounding included.
  size_t heap_bytes() const;

  bool Get(std::string_view field, std::string_view* value) const;
  // The bucket Get(field) reads first (Object::ElementSlot); nullptr while empty.
  const void* const* HomeSlot(std::string_view field) const {
    if (buckets_.empty()) return nullptr;
    return reinterpret_cast<const void* const*>(&buckets_[HashOf(field) & (buckets_.size() - 1)]);
  }
  // Sets field to value; returns true when the field is new.
  bool Set(std::string_view field, std::string_view value);
  // Removes field; returns whether it was present.
  bool Delete(std::string_view field);
  // Replaces this table's contents with a copy of other's.
  void CopyFrom(const FieldTable& other);
  void Clear();
  // A random pair, every one equally likely; the table must not be empty.
  void Random(std::string_view* field, std::string_view* value) const;

  // Calls fn(field, value) for every pair, in bucket order.
  template <class Fn>
  void ForEach(Fn&& fn) const {
    for (Node* head : buckets_) {
      for (const Node* n = head; n != nullptr; n = n->next) fn(FieldOf(n), ValueOf(n));
    }
  }
  // Calls fn(field, value) for the pairs of about `count` buckets starting at cursor; returns
  // the cursor to continue from, 0 when the scan is complete.
  template <class Fn>
  uint64_t Scan(uint64_t cursor, size_t count, Fn&& fn) const {
    if (size_ == 0) return 0;
    uint64_t mask = buckets_.size() - 1;
    size_t visited = 0;
    do {
      for (const Node* n = buckets_[cursor & mask]; n != nullptr; n = n->next) {
        fn(FieldOf(n), ValueOf(n));
      }
      cursor = NextCursor(cursor, mask);
    } while (cursor != 0 && ++visited < count);
    return cursor;
  }

 private:
  struct Node {
    Node* next;
    // followed by field_len:varint value_len:varint field value
  };
  static constexpr size_t kMinBuckets = 4;

  static Node* NewNode(std::string_view field, std::string_view value);
  static std::string_view FieldOf(const Node* n);
  static std::string_view ValueOf(const Node* n);
  static uint64_t NextCursor(uint64_t cursor, uint64_t mask);
  static uint64_t HashOf(std::string_view field);
  // The link (bucket slot or a node's next) that points at field's node, or at the null end
  // of its chain when field is absent; *passed (optional): the nodes walked past to get there.
  Node** LinkOf(std::string_view field, size_t* passed = nullptr) const;
  void Resize(size_t buckets);
  size_t ChainLength(size_t bucket) const;

  std::vector<Node*> buckets_;  // empty or a power of two
  size_t size_ = 0;
  // At least the longest chain's length (deletes leave it as it was; a resize measures it
  // again): the bound Random's uniform pick needs.
  size_t longest_chain_ = 1;
};

}  // namespace cairn::store::detail
