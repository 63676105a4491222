// store/rdb/rdb_decoder.cc — DecodeObject (rdb_object.h): every object type Redis 7.0 loads,
// built into cairn values through the types' own operations (layouts in rdb_format.h).
//
// Declared counts only bound loops: each element is read from bytes that are present before
// anything is stored, so a payload claiming 2^60 elements fails at its first missing byte.
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "store/rdb/packed.h"
#include "store/rdb/rdb_format.h"
#include "store/rdb/rdb_object.h"
#include "store/rdb/rdb_stream.h"
#include "store/rdb/rdb_string.h"
#include "store/types/hash/hash.h"
#include "store/types/list/list.h"
#include "store/types/set/set.h"
#include "store/types/zset/zset.h"

namespace cairn::rdb {
namespace {

using store::HashObject;
using store::ListObject;
using store::ObjRef;
using store::SetObject;
using store::ZSet;

// A score written as text (listpacks, ziplists, the old ZSET type); NaN is refused, as Redis
// refuses it.
bool ParseScore(std::string_view text, double* score) {
  if (text.empty() || text.size() > 127) return false;
  char buf[128];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  char* end = nullptr;
  *score = std::strtod(buf, &end);
  return end == buf + text.size() && !std::isnan(*score);
}

bool EntryScore(const PackedEntry& e, double* score) {
  if (e.is_int) {
    *score = static_cast<double>(e.num);
    return true;
  }
  return ParseScore(e.str, score);
}

// The old ZSET type's score: a length byte with three special values, then ASCII.
bool ReadOldDouble(std::string_view* in, double* score) {
  if (in->empty()) return false;
  uint8_t len = static_cast<uint8_t>((*in)[0]);
  in->remove_prefix(1);
  if (len == 253) return false;  // NaN
  if (len >= 254) {
    *score = len == 254 ? INFINITY : -INFINITY;
    return true;
  }
  if (in->size() < len) return false;
  bool ok = ParseScore(in->substr(0, len), score);
  in->remove_prefix(len);
  return ok;
}

bool ReadBinaryDouble(std::string_view* in, double* score) {
  if (in->size() < 8) return false;
  uint64_t bits = 0;
  for (int i = 7; i >= 0; --i) bits = (bits << 8) | static_cast<uint8_t>((*in)[i]);
  std::memcpy(score, &bits, sizeof(bits));
  in->remove_prefix(8);
  return !std::isnan(*score);
}

// Reads the string holding a packed blob and parses it with read.
template <class Entry, class ReadFn>
bool ReadBlob(std::string_view* in, std::string* blob, std::vector<Entry>* entries, ReadFn read) {
  return ReadRdbString(in, blob) && read(*blob, entries);
}

// ---- lists ----

bool DecodeList(uint8_t type, std::string_view* in, ObjRef* out) {
  auto* list = new ListObject();
  *out = ObjRef(list);
  std::string blob;
  std::vector<PackedEntry> entries;
  auto push_all = [&]() {
    for (const PackedEntry& e : entries) list->Push(store::ListSide::kTail, e.Text());
    entries.clear();
  };
  if (type == kTypeListZiplist) {
    if (!ReadBlob(in, &blob, &entries, ReadZiplist)) return false;
    push_all();
    return list->size() > 0;
  }
  uint64_t n = 0;
  if (!ReadRdbLength(in, &n)) return false;
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t container = kQuicklistPacked;
    if (type == kTypeListQuicklist2 && !ReadRdbLength(in, &container)) return false;
    if (type == kTypeList || (type == kTypeListQuicklist2 && container == kQuicklistPlain)) {
      if (!ReadRdbString(in, &blob)) return false;
      list->Push(store::ListSide::kTail, blob);
      continue;
    }
    if (container != kQuicklistPacked) return false;
    bool ok = type == kTypeListQuicklist ? ReadBlob(in, &blob, &entries, ReadZiplist)
                                         : ReadBlob(in, &blob, &entries, ReadListpack);
    if (!ok) return false;
    push_all();  // an empty node is skipped, as Redis skips it
  }
  return list->size() > 0;
}

// ---- sets ----

bool DecodeSet(uint8_t type, std::string_view* in, ObjRef* out) {
  auto* set = new SetObject();
  *out = ObjRef(set);
  if (type == kTypeSetIntset) {
    std::string blob;
    std::vector<int64_t> values;
    if (!ReadBlob(in, &blob, &values, ReadIntset)) return false;
    for (int64_t v : values) set->Add(std::to_string(v));
    return set->size() > 0;
  }
  uint64_t n = 0;
  if (!ReadRdbLength(in, &n)) return false;
  std::string member;
  for (uint64_t i = 0; i < n; ++i) {
    if (!ReadRdbString(in, &member) || !set->Add(member)) return false;
  }
  return set->size() > 0;
}

// ---- hashes ----

bool DecodeHash(uint8_t type, std::string_view* in, ObjRef* out) {
  auto* hash = new HashObject();
  *out = ObjRef(hash);
  std::string blob;
  if (type == kTypeHashZipmap) {
    std::vector<std::string_view> pairs;
    if (!ReadBlob(in, &blob, &pairs, ReadZipmap)) return false;
    for (size_t i = 0; i < pairs.size(); i += 2) {
      if (!hash->Set(pairs[i], pairs[i + 1])) return false;
    }
    return hash->size() > 0;
  }
  if (type == kTypeHashZiplist || type == kTypeHashListpack) {
    std::vector<PackedEntry> entries;
    bool ok = type == kTypeHashZiplist ? ReadBlob(in, &blob, &entries, ReadZiplist)
                                       : ReadBlob(in, &blob, &entries, ReadListpack);
    if (!ok || entries.size() % 2 != 0) return false;
    for (size_t i = 0; i < entries.size(); i += 2) {
      if (!hash->Set(entries[i].Text(), entries[i + 1].Text())) return false;
    }
    return hash->size() > 0;
  }
  uint64_t n = 0;
  if (!ReadRdbLength(in, &n)) return false;
  std::string field, value;
  for (uint64_t i = 0; i < n; ++i) {
    if (!ReadRdbString(in, &field) || !ReadRdbString(in, &value) || !hash->Set(field, value)) {
      return false;
    }
  }
  return hash->size() > 0;
}

// ---- sorted sets ----

bool DecodeZSet(uint8_t type, std::string_view* in, ObjRef* out) {
  auto* zset = new ZSet();
  *out = ObjRef(zset);
  if (type == kTypeZSetZiplist || type == kTypeZSetListpack) {
    std::string blob;
    std::vector<PackedEntry> entries;
    bool ok = type == kTypeZSetZiplist ? ReadBlob(in, &blob, &entries, ReadZiplist)
                                       : ReadBlob(in, &blob, &entries, ReadListpack);
    if (!ok || entries.size() % 2 != 0) return false;
    for (size_t i = 0; i < entries.size(); i += 2) {
      double score = 0;
      if (!EntryScore(entries[i + 1], &score) || !zset->Set(entries[i].Text(), score)) {
        return false;
      }
    }
    return zset->size() > 0;
  }
  uint64_t n = 0;
  if (!ReadRdbLength(in, &n)) return false;
  std::string member;
  for (uint64_t i = 0; i < n; ++i) {
    double score = 0;
    if (!ReadRdbString(in, &member)) return false;
    bool ok = type == kTypeZSet2 ? ReadBinaryDouble(in, &score) : ReadOldDouble(in, &score);
    if (!ok || !zset->Load(member, score)) return false;
  }
  return zset->size() > 0;
}

}  // namespace

bool DecodeObject(std::string_view* in, store::Value* out) {
  if (in->empty()) return false;
  std::string_view rest = in->substr(1);
  if (!DecodeObjectBody(static_cast<uint8_t>((*in)[0]), &rest, out)) return false;
  *in = rest;
  return true;
}

bool DecodeObjectBody(uint8_t type, std::string_view* in, store::Value* out) {
  std::string_view rest = *in;
  store::Value v;
  store::ObjRef obj;
  bool ok = false;
  switch (type) {
    case kTypeString: {
      std::string bytes;
      ok = ReadRdbString(&rest, &bytes);
      if (ok) v = store::Value(store::BufRef::Copy(bytes));
      break;
    }
    case kTypeList:
    case kTypeListZiplist:
    case kTypeListQuicklist:
    case kTypeListQuicklist2:
      ok = DecodeList(type, &rest, &obj);
      break;
    case kTypeSet:
    case kTypeSetIntset:
      ok = DecodeSet(type, &rest, &obj);
      break;
    case kTypeHash:
    case kTypeHashZipmap:
    case kTypeHashZiplist:
    case kTypeHashListpack:
      ok = DecodeHash(type, &rest, &obj);
      break;
    case kTypeZSet:
    case kTypeZSet2:
    case kTypeZSetZiplist:
    case kTypeZSetListpack:
      ok = DecodeZSet(type, &rest, &obj);
      break;
    case kTypeStreamListpacks:
    case kTypeStreamListpacks2:
      ok = DecodeStream(type == kTypeStreamListpacks2, &rest, &obj);
      break;
    default:
      return false;  // modules and unknown types
  }
  if (!ok) return false;
  if (type != kTypeString) {
    if (!obj) return false;  // a decoder that reports success owes a collection
    v = store::Value(std::move(obj));
  }
  *in = rest;
  *out = std::move(v);
  return true;
}

}  // namespace cairn::rdb
