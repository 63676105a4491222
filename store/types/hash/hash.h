// store/types/hash/hash.h — the hash value: field -> value, in one of two representations.
//
// A hash starts packed (detail/packed_pairs.h, OBJECT ENCODING "listpack": insertion order,
// linear lookups) and converts once, for good, to a table (detail/field_table.h, "hashtable":
// one allocation per field) when it would hold more than hash-max-listpack-entries fields or
// a field or value longer than hash-max-listpack-value bytes (store/encoding_limits.h).
//
// Snapshot encoding (Encode / DecodeHashObject):
//   hash     := packed:u8 count:varint pair{count}      packed: 1 listpack, 0 hashtable
//   pair     := lengths field value                     (wal_format.h's lengths)
//
// The logged ops (WAL) and the store operations that make and replay them are in hash_ops.h.
// Threading: as every Object (object.h) — read and changed under its key's shard lock; views
// returned by the getters are valid until the next change.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "store/object.h"
#include "store/types/hash/detail/field_table.h"
#include "store/types/hash/detail/packed_pairs.h"

namespace cairn::store {

class HashObject final : public Object {
 public:
  // The ValueType this object is held as (store/typed.h).
  static constexpr ValueType kType = ValueType::kHash;

  HashObject() : Object(ValueType::kHash) {}
  ~HashObject() override;

  size_t size() const override { return packed() ? rep_.pairs.size() : rep_.table->size(); }
  ObjRef Clone() const override;
  std::string_view encoding() const override { return packed() ? "listpack" : "hashtable"; }
  size_t memory_bytes() const override;
  void Encode(std::string* out) const override;
  const void* const* ElementSlot(std::string_view field) const override {
    return packed() ? nullptr : rep_.table->HomeSlot(field);
  }

  bool packed() const { return packed_; }
  // Whether field is present; its value goes to *value.
  bool Get(std::string_view field, std::string_view* value) const {
    return packed() ? rep_.pairs.Get(field, value) : rep_.table->Get(field, value);
  }
  // Sets field to value (converting to the table when the thresholds say so); returns true
  // when the field is new.
  bool Set(std::string_view field, std::string_view value);
  // Removes field; returns whether it was present.
  bool Delete(std::string_view field) {
    return packed() ? rep_.pairs.Delete(field) : rep_.table->Delete(field);
  }
  // Moves every pair into the table representation (no-op when already there).
  void ConvertToTable();

  // Calls fn(field, value) for every pair (insertion order when packed).
  template <class Fn>
  void ForEach(Fn&& fn) const {
    if (packed()) {
      rep_.pairs.ForEach(fn);
    } else {
      rep_.table->ForEach(fn);
    }
  }
  // HSCAN: calls fn(field, value) for the pairs of about `count` table buckets from cursor
  // and returns the next cursor (0: done). A packed hash is visited whole and returns 0, as
  // Redis does for listpacks. Every field present for the whole scan is visited.
  template <class Fn>
  uint64_t Scan(uint64_t cursor, size_t count, Fn&& fn) const {
    if (!packed()) return rep_.table->Scan(cursor, count, fn);
    rep_.pairs.ForEach(fn);
    return 0;
  }
  // A random pair; the hash must not be empty.
  void Random(std::string_view* field, std::string_view* value) const;

 private:
  // Exactly one representation lives in rep_: the packed pairs until the hash converts, then
  // the table it owns. Most hashes are small and many keys hold one, so the object's size
  // counts: packed_ sits in Object's tail padding and the two representations share their
  // bytes, which makes the object 32 bytes, one allocator size class below the 48 it took
  // with both side by side (16 bytes less per small hash).
  bool packed_ = true;
  union Rep {
    Rep() : pairs() {}
    ~Rep() {}  // HashObject's destructor ends the live member
    detail::PackedPairs pairs;
    detail::FieldTable* table;
  } rep_;
};

}  // namespace cairn::store
