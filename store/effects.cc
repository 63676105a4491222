// store/effects.cc — see effects.h. The op grammar is in wal_format.h.
#include "store/effects.h"

#include <array>

#include "store/object_families.h"
#include "store/store.h"
#include "store/wal_format.h"

namespace cairn::store {
namespace {

using namespace wal;  // NOLINT: the op codes and encoders

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

// One decoded op's operands.
struct OpArgs {
  uint8_t op = 0;
  int db = 0;
  std::string_view key, second;
  uint64_t number = 0;
  uint8_t flag = 0;
};

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

Value StringValue(BufRef bytes, bool grown) {
  Value v;
  v.grown = grown;
  v.str = std::move(bytes);
  return v;
}

// A key op applied through the same KeyHandle operations the commands use.
void ApplyKeyOp(Store& store, const OpArgs& a) {
  store.Access(a.db, a.key, [&](KeyHandle& h) {
    Entry* e = h.Find();
    switch (a.op) {
      case kOpSet: h.Put(StringValue(BufRef::Copy(a.second), false),
                         static_cast<int64_t>(a.number)); break;
      case kOpSetKeepTtl: h.Put(StringValue(BufRef::Copy(a.second), false), kKeepTtl); break;
      case kOpDel: h.Delete(); break;
      case kOpExpire: if (e) h.SetExpire(e, static_cast<int64_t>(a.number)); break;
      case kOpAppend:
        if (e) {
          h.Append(e, a.second);
        } else {
          h.Put(StringValue(BufRef::Copy(a.second), false), 0);
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
  Value v;
  v.type = static_cast<ValueType>(a.second[0]);
  v.obj = DecodeObject(v.type, a.second.substr(1));
  if (!v.obj) return false;
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

}  // namespace

bool ApplyEffects(Store& store, std::string_view payload) {
  Store::ReplayScope replay;  // the recorded state, not today's clock, decides what exists
  Decoder d(payload);
  if (d.empty()) return false;
  while (!d.empty()) {
    OpArgs a;
    if (!d.U8(&a.op) || !DecodeOp(d, store.databases(), &a)) return false;
    switch (a.op) {
      case kOpFlushAll: store.FlushAll(); break;
      case kOpFlushDb: store.FlushDb(a.db); break;
      case kOpSwapDb: store.SwapDb(a.db, static_cast<int>(a.number)); break;
      case kOpRename:
      case kOpMove:
      case kOpCopy: ApplyPairOp(store, a); break;
      case kOpObject:
        if (!ApplyObjectOp(store, a)) return false;
        break;
      case kOpSetObject:
        if (!ApplySetObject(store, a)) return false;
        break;
      default:
        if (!StringOpFits(store, a)) return false;
        ApplyKeyOp(store, a);
        break;
    }
  }
  return true;
}

}  // namespace cairn::store
