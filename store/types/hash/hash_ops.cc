// store/types/hash/hash_ops.cc — the hash family's logged store operations and their replay.
#include "store/types/hash/hash_ops.h"

#include <string>
#include <vector>

#include "store/codec.h"
#include "store/object_families.h"
#include "store/typed.h"

namespace cairn::store {
namespace {

// The hash at e, ready to change (copy-on-write).
HashObject* Mutable(KeyHandle& h, Entry* e) { return static_cast<HashObject*>(h.MutableObject(e)); }

void LogSet(KeyHandle& h, std::span<const std::string_view> pairs) {
  std::string op;
  codec::PutU8(&op, kHashSet);
  codec::PutVarint(&op, pairs.size() / 2);
  for (size_t i = 0; i + 1 < pairs.size(); i += 2) {
    codec::PutLengths(&op, pairs[i].size(), pairs[i + 1].size());
    op.append(pairs[i]);
    op.append(pairs[i + 1]);
  }
  h.LogObjectOp(ValueType::kHash, op);
}

void LogDelete(KeyHandle& h, const std::vector<std::string_view>& fields) {
  std::string op;
  codec::PutU8(&op, kHashDel);
  codec::PutVarint(&op, fields.size());
  for (std::string_view f : fields) {
    codec::PutVarint(&op, f.size());
    op.append(f);
  }
  h.LogObjectOp(ValueType::kHash, op);
}

// Reads n (field, value) pairs; false when the payload is short.
bool DecodeSet(codec::Decoder& d, std::vector<std::string_view>* pairs) {
  uint64_t n = 0;
  if (!d.Varint(&n) || n == 0 || n > d.remaining()) return false;
  pairs->reserve(2 * n);
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t flen = 0, vlen = 0;
    std::string_view field, value;
    if (!d.Lengths(&flen, &vlen) || !d.Bytes(flen, &field) || !d.Bytes(vlen, &value)) {
      return false;
    }
    pairs->push_back(field);
    pairs->push_back(value);
  }
  return true;
}

bool DecodeDelete(codec::Decoder& d, std::vector<std::string_view>* fields) {
  uint64_t n = 0;
  if (!d.Varint(&n) || n == 0 || n > d.remaining()) return false;
  fields->reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t len = 0;
    std::string_view field;
    if (!d.Varint(&len) || !d.Bytes(len, &field)) return false;
    fields->push_back(field);
  }
  return true;
}

}  // namespace

Result<size_t> HashSetFields(KeyHandle& h, std::span<const std::string_view> pairs) {
  Result<Entry*> found = FindEntryAs<HashObject>(h);
  if (!found.ok()) return found.TakeStatus();
  Entry* e = *found;
  if (e == nullptr) e = h.CreateObject(ObjRef(new HashObject()));
  HashObject* hash = Mutable(h, e);
  size_t added = 0;
  for (size_t i = 0; i + 1 < pairs.size(); i += 2) {
    if (hash->Set(pairs[i], pairs[i + 1])) ++added;
  }
  if (h.logging()) LogSet(h, pairs);
  return added;
}

Result<size_t> HashDeleteFields(KeyHandle& h, std::span<const std::string_view> fields,
                                bool* deleted_key) {
  Result<Entry*> found = FindEntryAs<HashObject>(h);
  if (!found.ok()) return found.TakeStatus();
  Entry* e = *found;
  if (e == nullptr) return size_t{0};
  std::vector<std::string_view> gone;
  auto* hash = static_cast<HashObject*>(h.MutableObjectQuietly(e));
  for (std::string_view f : fields) {
    if (hash->Delete(f)) gone.push_back(f);
  }
  if (gone.empty()) return size_t{0};
  h.MarkChanged();
  if (h.logging()) LogDelete(h, gone);
  bool deleted = h.DeleteIfEmpty(e);
  if (deleted_key != nullptr) *deleted_key = deleted;
  return gone.size();
}

bool ApplyHashOp(KeyHandle& h, std::string_view payload) {
  codec::Decoder d(payload);
  uint8_t code = 0;
  if (!d.U8(&code)) return false;
  std::vector<std::string_view> args;
  switch (code) {
    case kHashSet:
      return DecodeSet(d, &args) && d.empty() && HashSetFields(h, args).ok();
    case kHashDel:
      return DecodeDelete(d, &args) && d.empty() && HashDeleteFields(h, args).ok();
    default:
      return false;
  }
}

}  // namespace cairn::store
