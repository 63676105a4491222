// store/types/hash/hash.cc — the hash value: representation choice, copy, snapshot encoding.
#include "store/types/hash/hash.h"

#include "store/encoding_limits.h"

#include <memory>
#include <utility>

#include "store/codec.h"
#include "store/memory.h"
#include "store/object_families.h"
#include "store/random.h"

namespace cairn::store {

static_assert(sizeof(HashObject) <= 32, "a small hash's object fits jemalloc's 32-byte class");

HashObject::~HashObject() {
  if (packed()) {
    rep_.pairs.~PackedPairs();
  } else {
    delete rep_.table;
  }
}

ObjRef HashObject::Clone() const {
  auto* copy = new HashObject();
  if (packed()) {
    copy->rep_.pairs = rep_.pairs;
  } else {
    copy->ConvertToTable();
    copy->rep_.table->CopyFrom(*rep_.table);
  }
  return ObjRef(copy);
}

size_t HashObject::memory_bytes() const {
  size_t heap = packed() ? rep_.pairs.allocated_bytes()
                         : AllocationSize(sizeof(detail::FieldTable)) + rep_.table->heap_bytes();
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
  if (!packed()) return rep_.table->Set(field, value);
  std::string_view old;
  const EncodingLimits& limits = encoding_limits();
  size_t max_bytes = LimitOf(limits.hash_max_listpack_value);
  if (field.size() > max_bytes || value.size() > max_bytes || !rep_.pairs.Fits(field, value) ||
      (rep_.pairs.size() >= LimitOf(limits.hash_max_listpack_entries) &&
       !rep_.pairs.Get(field, &old))) {
    ConvertToTable();
    return rep_.table->Set(field, value);
  }
  return rep_.pairs.Set(field, value);
}

void HashObject::ConvertToTable() {
  if (!packed()) return;
  auto table = std::make_unique<detail::FieldTable>();
  rep_.pairs.ForEach([&](std::string_view f, std::string_view v) { table->Set(f, v); });
  rep_.pairs.~PackedPairs();
  rep_.table = table.release();
  packed_ = false;
}

void HashObject::Random(std::string_view* field, std::string_view* value) const {
  if (packed()) {
    rep_.pairs.At(FastRandom() % rep_.pairs.size(), field, value);
  } else {
    rep_.table->Random(field, value);
  }
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
