// store/types/hash/detail/packed_pairs.h — a small hash's fields and values in one contiguous buffer (the
// "listpack" encoding of OBJECT ENCODING). Internal to store/ (hash_object.h uses it).
//
//   buffer := pair*            in insertion order; replacing a value keeps the pair's place
//   pair   := field_len:varint field value_len:varint value          (LEB128 varints)
//
// Every lookup is a linear walk, which is what makes it small: a hash stays packed only while
// it has at most 128 fields of at most 64 bytes (HashObject decides). The buffer is a
// PackedBuffer (one exact-size allocation) and the object itself is 16 bytes, so a
// three-field hash costs about what Redis's listpack does.
// Views returned by the getters are valid until the next change. Not thread-safe: the owner's
// shard lock guards it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "store/types/detail/packed_buffer.h"

namespace cairn::store::detail {

class PackedPairs {
 public:
  size_t size() const { return buf_.count(); }
  // Whether a pair of these lengths can be added within PackedBuffer::kMaxBytes.
  bool Fits(std::string_view field, std::string_view value) const {
    return buf_.Fits(field.size() + value.size() + 20);  // two varints: at most 10 bytes each
  }
  // The buffer's allocation, allocator rounding included.
  size_t allocated_bytes() const { return buf_.allocated_bytes(); }

  // Whether field is present; its value goes to *value.
  bool Get(std::string_view field, std::string_view* value) const;
  // Sets field to value; returns true when the field is new (appended at the end).
  bool Set(std::string_view field, std::string_view value);
  // Removes field; returns whether it was present.
  bool Delete(std::string_view field);
  // The pair at position i (< size()), by a walk from the start.
  void At(size_t i, std::string_view* field, std::string_view* value) const;

  // Calls fn(field, value) for every pair in order.
  template <class Fn>
  void ForEach(Fn&& fn) const {
    size_t pos = 0;
    std::string_view field, value;
    while (Next(&pos, &field, &value)) fn(field, value);
  }

 private:
  // Reads the pair at *pos and advances *pos past it; false at the end.
  bool Next(size_t* pos, std::string_view* field, std::string_view* value) const;
  // The offsets of field's pair [*begin, *end) and of its value; false when absent.
  bool Find(std::string_view field, size_t* begin, size_t* end, std::string_view* value) const;

  PackedBuffer buf_;  // count(): the pairs
};

}  // namespace cairn::store::detail
