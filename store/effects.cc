// store/effects.cc — see effects.h. The op grammar is in wal_format.h.
#include "store/effects.h"

#include <array>
#include <cstdio>

#include "store/codec.h"
#include "store/object_families.h"
#include "store/store.h"

namespace cairn::store {
namespace {

using namespace codec;  // NOLINT: the encoders

thread_local std::string pending;

void PutKey(std::string* out, uint8_t op, int db, std::string_view key) {
  PutU8(out, op);
  PutVarint(out, static_cast<uint64_t>(db));
  PutVarint(out, key.size());
  out->append(key);
}

void PutKeyAnd(std::string* out, uint8_t op, int db, std::string_view key,
               std::string_view second) {
  PutU8(out, op);
  PutVarint(out, static_cast<uint64_t>(db));
  PutLengths(out, key.size(), second.size());
  out->append(key);
  out->append(second);
}

}  // namespace

std::string& EffectBuffer::Pending() { return pending; }

void EffectBuffer::Set(int db, std::string_view key, std::string_view value,
                       int64_t expire_at_ms, bool keep_ttl) {
  PutKeyAnd(&pending, keep_ttl ? kOpSetKeepTtl : kOpSet, db, key, value);
  if (!keep_ttl) PutVarint(&pending, static_cast<uint64_t>(expire_at_ms));
}

void EffectBuffer::Del(int db, std::string_view key) { PutKey(&pending, kOpDel, db, key); }

void EffectBuffer::Expire(int db, std::string_view key, int64_t at_ms) {
  PutKey(&pending, kOpExpire, db, key);
  PutVarint(&pending, static_cast<uint64_t>(at_ms));
}

void EffectBuffer::Append(int db, std::string_view key, std::string_view tail) {
  PutKeyAnd(&pending, kOpAppend, db, key, tail);
}

void EffectBuffer::SetRange(int db, std::string_view key, uint64_t offset,
                            std::string_view bytes) {
  PutKeyAnd(&pending, kOpSetRange, db, key, bytes);
  PutVarint(&pending, offset);
}

void EffectBuffer::Rename(int db, std::string_view key, std::string_view new_key) {
  PutKeyAnd(&pending, kOpRename, db, key, new_key);
}

void EffectBuffer::Move(int db, std::string_view key, int new_db) {
  PutKey(&pending, kOpMove, db, key);
  PutVarint(&pending, static_cast<uint64_t>(new_db));
}

void EffectBuffer::Copy(int db, std::string_view key, std::string_view new_key, int new_db) {
  PutKeyAnd(&pending, kOpCopy, db, key, new_key);
  PutVarint(&pending, static_cast<uint64_t>(new_db));
  PutU8(&pending, 1);
}

void EffectBuffer::FlushDb(int db) {
  PutU8(&pending, kOpFlushDb);
  PutVarint(&pending, static_cast<uint64_t>(db));
}

void EffectBuffer::FlushAll() { PutU8(&pending, kOpFlushAll); }

void EffectBuffer::SwapDb(int a, int b) {
  PutU8(&pending, kOpSwapDb);
  PutVarint(&pending, static_cast<uint64_t>(a));
  PutVarint(&pending, static_cast<uint64_t>(b));
}

void EffectBuffer::SetObject(int db, std::string_view key, const Object& obj,
                             int64_t expire_at_ms, bool keep_ttl) {
  std::string body(1, static_cast<char>(obj.type()));
  obj.Encode(&body);
  PutKeyAnd(&pending, kOpSetObject, db, key, body);
  PutVarint(&pending, keep_ttl ? 0 : static_cast<uint64_t>(expire_at_ms));
  PutU8(&pending, keep_ttl ? 1 : 0);
}

void EffectBuffer::ObjectOp(int db, std::string_view key, uint8_t type,
                            std::string_view family_op) {
  PutU8(&pending, kOpObject);
  PutVarint(&pending, static_cast<uint64_t>(db));
  PutLengths(&pending, key.size(), family_op.size() + 1);
  pending.append(key);
  PutU8(&pending, type);
  pending.append(family_op);
}

namespace {

using OpArgs = EffectView;

bool DecodeDb(Decoder& d, int databases, int* db) {
  uint64_t v = 0;
  if (!d.Varint(&v) || v >= static_cast<uint64_t>(databases)) return false;
  *db = static_cast<int>(v);
  return true;
}

bool DecodeKeyPair(Decoder& d, OpArgs* a) {
  uint64_t klen = 0, vlen = 0;
  return d.Lengths(&klen, &vlen) && d.Bytes(klen, &a->key) && d.Bytes(vlen, &a->second);
}

bool DecodeKey(Decoder& d, OpArgs* a) {
  uint64_t klen = 0;
  return d.Varint(&klen) && d.Bytes(klen, &a->key);
}

// Decodes the operands that follow the op code.
bool DecodeOp(Decoder& d, int databases, OpArgs* a) {
  switch (a->op) {
    case kOpFlushAll: return true;
    case kOpSetMeta: return DecodeKeyPair(d, a);
    case kOpDelMeta: return DecodeKey(d, a);
    case kOpFlushDb: return DecodeDb(d, databases, &a->db);
    case kOpSwapDb: {
      int b = 0;
      if (!DecodeDb(d, databases, &a->db) || !DecodeDb(d, databases, &b)) return false;
      a->number = static_cast<uint64_t>(b);
      return true;
    }
    default: break;
  }
  if (!DecodeDb(d, databases, &a->db)) return false;
  switch (a->op) {
    case kOpSetKeepTtl:
    case kOpAppend:
    case kOpObject:
    case kOpRename: return DecodeKeyPair(d, a);
    case kOpSet:
      return DecodeKeyPair(d, a) && d.Varint(&a->number);
    case kOpSetRange:
      return DecodeKeyPair(d, a) && d.Varint(&a->number) && a->second.size() <= kMaxSetRangeEnd &&
             a->number <= kMaxSetRangeEnd - a->second.size();
    case kOpSetObject: return DecodeKeyPair(d, a) && d.Varint(&a->number) && d.U8(&a->flag);
    case kOpDel: return DecodeKey(d, a);
    case kOpExpire: return DecodeKey(d, a) && d.Varint(&a->number);
    case kOpMove: {
      int new_db = 0;
      if (!DecodeKey(d, a) || !DecodeDb(d, databases, &new_db)) return false;
      a->number = static_cast<uint64_t>(new_db);
      return true;
    }
    case kOpCopy: {
      int new_db = 0;
      uint8_t replace = 0;
      if (!DecodeKeyPair(d, a) || !DecodeDb(d, databases, &new_db) || !d.U8(&replace)) {
        return false;
      }
      a->number = static_cast<uint64_t>(new_db);
      return true;
    }
    default: return false;
  }
}

// A logged SET's value: a short one goes straight into the key's new entry, as the SET
// command makes it (no buffer made only to be copied in and dropped).
void PutBytes(KeyHandle& h, std::string_view bytes, int64_t expire_at_ms) {
  if (Entry::EmbedsString(h.key().size(), bytes.size())) {
    h.PutEntry(UniqueEntry(Entry::CreateEmbedded(h.key(), bytes)), expire_at_ms);
  } else {
    h.Put(Value(BufRef::Copy(bytes)), expire_at_ms);
  }
}

// A key op applied through the same KeyHandle operations the commands use.
void ApplyKeyOp(Store& store, const OpArgs& a) {
  store.Access(a.db, a.key, [&](KeyHandle& h) {
    Entry* e = h.Find();
    switch (a.op) {
      case kOpSet: PutBytes(h, a.second, static_cast<int64_t>(a.number)); break;
      case kOpSetKeepTtl: PutBytes(h, a.second, kKeepTtl); break;
      case kOpDel: h.Delete(); break;
      case kOpExpire: if (e) h.SetExpire(e, static_cast<int64_t>(a.number)); break;
      case kOpAppend:
        if (e) {
          h.Append(e, a.second);
        } else {
          h.Put(Value(BufRef::Copy(a.second)), 0);
        }
        break;
      case kOpSetRange: {
        std::string value(e ? e->value.str.view() : std::string_view());
        if (value.size() < a.number + a.second.size()) value.resize(a.number + a.second.size());
        value.replace(a.number, a.second.size(), a.second);
        h.PutRange(BufRef::Copy(value), a.number, a.second);
        break;
      }
      default: break;
    }
  });
}

// APPEND and SETRANGE change a string; the server logs neither for a key holding another
// type (WRONGTYPE), so such a record is damage.
bool StringOpFits(Store& store, const OpArgs& a) {
  if (a.op != kOpAppend && a.op != kOpSetRange) return true;
  return store.Access(a.db, a.key, [](KeyHandle& h) {
    Entry* e = h.Find();
    return e == nullptr || e->value.type == ValueType::kString;
  });
}

// A collection op: the family replays its own encoding.
bool ApplyObjectOp(Store& store, const OpArgs& a) {
  if (a.second.empty()) return false;
  auto type = static_cast<ValueType>(a.second[0]);
  std::string_view family_op = a.second.substr(1);
  return store.Access(a.db, a.key, [&](KeyHandle& h) {
    switch (type) {
      case ValueType::kList: return ApplyListOp(h, family_op);
      case ValueType::kHash: return ApplyHashOp(h, family_op);
      case ValueType::kSet: return ApplySetOp(h, family_op);
      case ValueType::kZSet: return ApplyZSetOp(h, family_op);
      case ValueType::kStream: return ApplyStreamOp(h, family_op);
      case ValueType::kString: break;
    }
    return false;
  });
}

// A whole collection installed at once.
bool ApplySetObject(Store& store, const OpArgs& a) {
  if (a.second.empty()) return false;
  ObjRef obj = DecodeObject(static_cast<ValueType>(a.second[0]), a.second.substr(1));
  if (!obj) return false;
  Value v(std::move(obj));
  int64_t expire = a.flag != 0 ? kKeepTtl : static_cast<int64_t>(a.number);
  store.Access(a.db, a.key, [&](KeyHandle& h) { h.Put(std::move(v), expire); });
  return true;
}

// RENAME, MOVE and COPY touch two keys.
void ApplyPairOp(Store& store, const OpArgs& a) {
  int target_db = a.op == kOpRename ? a.db : static_cast<int>(a.number);
  std::string_view target_key = a.op == kOpMove ? a.key : a.second;
  KeyRef refs[] = {{a.db, a.key}, {target_db, target_key}};
  store.AccessMany(refs, [&](std::span<KeyHandle> h) {
    if (h[0].Find() == nullptr) return;
    if (a.op == kOpCopy) {
      h[0].CopyTo(h[1]);
    } else {
      h[0].MoveTo(h[1]);
    }
  });
}

const char* OpName(uint8_t op) {
  static constexpr const char* kNames[] = {
      "unknown op", "SET",     "SET KEEPTTL", "DEL",      "EXPIRE", "APPEND",     "SETRANGE",
      "RENAME",     "MOVE",    "COPY",        "FLUSHDB",  "FLUSHALL", "SWAPDB", "OBJECT",
      "SET OBJECT", "SET META", "DEL META"};
  return op < std::size(kNames) ? kNames[op] : kNames[0];
}

// Printable key: bytes outside ASCII 32..126 (and the quote) as \xNN, long keys cut.
std::string Quoted(std::string_view key) {
  std::string out = "\"";
  for (size_t i = 0; i < key.size() && i < 64; ++i) {
    auto c = static_cast<unsigned char>(key[i]);
    if (c >= 32 && c < 127 && c != '"' && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    }
  }
  if (key.size() > 64) out += "...";
  return out + "\"";
}

// One line for a decoded op: name, db, key and the size of what it carries.
std::string Describe(const OpArgs& a) {
  std::string out = OpName(a.op);
  if (a.op == kOpFlushAll) return out;
  if (a.op == kOpSetMeta || a.op == kOpDelMeta) return out + " name=" + Quoted(a.key);
  out += " db=" + std::to_string(a.db);
  if (a.op == kOpFlushDb) return out;
  if (a.op == kOpSwapDb) return out + " with db=" + std::to_string(a.number);
  if ((a.op == kOpObject || a.op == kOpSetObject) && !a.second.empty()) {
    out += " " + std::string(TypeName(static_cast<ValueType>(a.second[0])));
  }
  out += " key=" + Quoted(a.key);
  if (!a.second.empty()) out += " (" + std::to_string(a.second.size()) + " bytes)";
  return out;
}

// What the key holds now, for an op that did not apply to it.
std::string CurrentValue(Store& store, const OpArgs& a) {
  return store.Access(a.db, a.key, [&](KeyHandle& h) -> std::string {
    const Entry* e = h.Peek();
    if (e == nullptr) return "no such key";
    std::string what = "a " + std::string(TypeName(e->value.type));
    if (e->value.type == ValueType::kString) {
      return what + " of " + std::to_string(e->value.str.view().size()) + " bytes";
    }
    return what + " of " + std::to_string(e->value.obj->size()) + " elements";
  });
}

// Applies one decoded op; false when it does not apply to what the store holds.
bool ApplyOp(Store& store, const OpArgs& a) {
  switch (a.op) {
    case kOpSetMeta:
      store.SetMeta(a.key, a.second);
      return true;
    case kOpDelMeta:
      store.DeleteMeta(a.key);
      return true;
    case kOpFlushAll:
      store.FlushAll();
      return true;
    case kOpFlushDb:
      store.FlushDb(a.db);
      return true;
    case kOpSwapDb:
      store.SwapDb(a.db, static_cast<int>(a.number));
      return true;
    case kOpRename:
    case kOpMove:
    case kOpCopy:
      ApplyPairOp(store, a);
      return true;
    case kOpObject:
      return ApplyObjectOp(store, a);
    case kOpSetObject:
      return ApplySetObject(store, a);
    default:
      if (!StringOpFits(store, a)) return false;
      ApplyKeyOp(store, a);
      return true;
  }
}

}  // namespace

Status ApplyEffects(Store& store, std::string_view payload) {
  Store::ReplayScope replay;  // the recorded state, not today's clock, decides what exists
  Decoder d(payload);
  if (d.empty()) return Status::Corruption("the record holds no ops");
  for (size_t index = 1; !d.empty(); ++index) {
    size_t at = payload.size() - d.remaining();
    OpArgs a;
    if (!d.U8(&a.op) || !DecodeOp(d, store.databases(), &a)) {
      return Status::Corruption("op " + std::to_string(index) + " at byte " + std::to_string(at) +
                                " (" + OpName(a.op) + ") does not decode");
    }
    if (!ApplyOp(store, a)) {
      return Status::Corruption("op " + std::to_string(index) + " (" + Describe(a) +
                                ") does not apply to the key's current value: " +
                                CurrentValue(store, a));
    }
  }
  return Status::Ok();
}

void PrefetchEffects(Store& store, std::span<const std::string_view> payloads) {
  std::string_view keys[Store::kMaxPrefetchKeys];
  size_t count = 0;
  int db = 0;
  for (std::string_view payload : payloads) {
    Decoder d(payload);
    OpArgs a;
    if (!d.U8(&a.op) || !DecodeOp(d, store.databases(), &a) || a.key.empty() ||
        a.op == kOpSetMeta || a.op == kOpDelMeta) {
      continue;
    }
    if (count == Store::kMaxPrefetchKeys || (count > 0 && a.db != db)) {
      store.Prefetch(db, std::span<const std::string_view>(keys, count));
      count = 0;
    }
    db = a.db;
    keys[count++] = a.key;
  }
  if (count > 0) store.Prefetch(db, std::span<const std::string_view>(keys, count));
}

bool DecodeEffects(std::string_view payload, int databases, std::vector<EffectView>* ops) {
  Decoder d(payload);
  while (!d.empty()) {
    OpArgs a;
    if (!d.U8(&a.op) || !DecodeOp(d, databases, &a)) return false;
    ops->push_back(a);
  }
  return true;
}

std::vector<std::string> DescribeEffects(std::string_view payload, int databases) {
  std::vector<std::string> lines;
  Decoder d(payload);
  while (!d.empty()) {
    size_t at = payload.size() - d.remaining();
    OpArgs a;
    if (!d.U8(&a.op) || !DecodeOp(d, databases, &a)) {
      lines.push_back(std::string(OpName(a.op)) + ": does not decode at byte " +
                      std::to_string(at));
      break;
    }
    lines.push_back(Describe(a));
  }
  return lines;
}

}  // namespace cairn::store
