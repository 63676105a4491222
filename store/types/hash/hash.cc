// store/types/hash/hash.cc — the hash value: representation choice, copy, snapshot encoding.
#include "store/types/hash/hash.h"

#include "store/encoding_limits.h"

#include <memory>
#include <utility>

#include "store/codec.h"
#include "store/memory.h"
#include "store/object_families.h"

namespace cairn::store {

ObjRef HashObject::Clone() const {
  auto* copy = new HashObject();
  if (packed()) {
    copy->pairs_ = pairs_;
  } else {
    copy->table_ = std::make_unique<detail::FieldTable>();
    copy->table_->CopyFrom(*table_);
  }
  return ObjRef(copy);
}

size_t HashObject::memory_bytes() const {
  size_t heap = packed() ? AllocationSize(pairs_.buffer_bytes())
                         : AllocationSize(sizeof(detail::FieldTable)) + table_->heap_bytes();
  return AllocationSize(sizeof(HashObject)) + heap;
}

void HashObject::Encode(std::string* out) const {
  codec::PutU8(out, packed() ? 1 : 0);
  codec::PutVarint(out, size());
  ForEach([&](std::string_view field, std::string_view value) {
    codec::PutLengths(out, field.size(), value.size());
    out->append(field);
    out->append(value);
  });
}

bool HashObject::Set(std::string_view field, std::string_view value) {
  if (!packed()) return table_->Set(field, value);
  std::string_view old;
  const EncodingLimits& limits = encoding_limits();
  size_t max_bytes = LimitOf(limits.hash_max_listpack_value);
  if (field.size() > max_bytes || value.size() > max_bytes ||
      (pairs_.size() >= LimitOf(limits.hash_max_listpack_entries) && !pairs_.Get(field, &old))) {
    ConvertToTable();
    return table_->Set(field, value);
  }
  return pairs_.Set(field, value);
}

void HashObject::ConvertToTable() {
  if (!packed()) return;
  auto table = std::make_unique<detail::FieldTable>();
  pairs_.ForEach([&](std::string_view f, std::string_view v) { table->Set(f, v); });
  pairs_.Clear();
  table_ = std::move(table);
}

void HashObject::Random(std::mt19937_64& rng, std::string_view* field,
                        std::string_view* value) const {
  if (packed()) {
    pairs_.At(rng() % pairs_.size(), field, value);
  } else {
    table_->Random(rng, field, value);
  }
}

std::mt19937_64& HashRng() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

ObjRef DecodeHashObject(std::string_view bytes) {
  codec::Decoder d(bytes);
  uint8_t packed = 0;
  uint64_t count = 0;
  if (!d.U8(&packed) || packed > 1 || !d.Varint(&count)) return ObjRef();
  auto* hash = new HashObject();
  ObjRef ref(hash);
  if (packed == 0) hash->ConvertToTable();
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t flen = 0, vlen = 0;
    std::string_view field, value;
    if (!d.Lengths(&flen, &vlen) || !d.Bytes(flen, &field) || !d.Bytes(vlen, &value) ||
        !hash->Set(field, value)) {
      return ObjRef();  // truncated, or a field twice
    }
  }
  if (!d.empty() || count == 0) return ObjRef();
  return ref;
}

}  // namespace cairn::store
