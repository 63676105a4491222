// store/effects.h — encoding a command's effects as WAL ops, and applying them on replay.
//
// KeyHandle mutations append ops to a per-thread pending buffer (EffectBuffer); when the
// Access that made them ends, the store appends the buffer as one record to the Journal
// while the shard locks are still held. Replay decodes a record and applies each op through
// the same KeyHandle operations with journaling off, so the live path and recovery share
// one implementation of every change.
//
// The payload of a kEffects WAL record (store/durability/wal_format.h frames it):
//
//   payload(kEffects) := op+          applied together: a record is atomic on recovery
//   op := kOpSet         db:varint lengths key value expire_at_ms:varint   (0 = no expiry)
//       | kOpSetKeepTtl  db:varint lengths key value
//       | kOpDel         db:varint len:varint key
//       | kOpExpire      db:varint len:varint key at_ms:varint            (0 = persist)
//       | kOpAppend      db:varint lengths key tail
//       | kOpSetRange    db:varint lengths key bytes offset:varint
//               offset + |bytes| <= kMaxSetRangeEnd
//       | kOpRename      db:varint lengths key new_key                      (target replaced)
//       | kOpMove        db:varint len:varint key new_db:varint
//       | kOpCopy        db:varint lengths key new_key new_db:varint replace:u8
//       | kOpFlushDb     db:varint
//       | kOpFlushAll
//       | kOpSwapDb      a:varint b:varint
//       | kOpObject      db:varint lengths key body                  a collection change:
//               body := type:u8 family_op        type = ValueType; family_op is the family's
//               own encoding, documented at its Apply*Op (object_families.h); replaying it
//               may create the key (a push to a missing list) or delete it (the last pop)
//       | kOpSetObject   db:varint lengths key body expire_at_ms:varint keep_ttl:u8
//               body := type:u8 encoding    a whole new collection (SINTERSTORE, ...):
//               encoding as in the snapshot (Object::Encode); expire ignored if keep_ttl
//       | kOpSetMeta     lengths name value       server metadata (Store::SetMeta), no db
//       | kOpDelMeta     len:varint name
//
//   kOpAppend and kOpSetRange on a key that holds a collection are corruption (the server
//   answers WRONGTYPE and logs nothing).
//
//   lengths, varint: store/codec.h
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/base/status.h"

namespace cairn::store {

// Largest string end a kOpSetRange may reach: Redis's bound on SETRANGE (proto-max-bulk-len,
// default 512 MB). Replaying the op zero-fills the string up to its offset, so a record of a
// few bytes could otherwise ask for any allocation; past this bound it is corruption. The
// live SETRANGE keeps to the same bound even when proto-max-bulk-len is raised, so every
// SETRANGE the server logs replays. The 8 bytes past 512 MB are BITFIELD's: Redis accepts
// any field that starts below bit 512 MB * 8, and a 64-bit one there ends 8 bytes later.
inline constexpr uint64_t kMaxSetRangeEnd = (uint64_t{512} << 20) + 8;

// The op codes of the grammar above.
enum EffectOp : uint8_t {
  kOpSet = 1,
  kOpSetKeepTtl = 2,
  kOpDel = 3,
  kOpExpire = 4,
  kOpAppend = 5,
  kOpSetRange = 6,
  kOpRename = 7,
  kOpMove = 8,
  kOpCopy = 9,
  kOpFlushDb = 10,
  kOpFlushAll = 11,
  kOpSwapDb = 12,
  kOpObject = 13,
  kOpSetObject = 14,
  kOpSetMeta = 15,
  kOpDelMeta = 16,
};


class Object;
class Store;

// The ops logged by the current thread's Access in progress. Thread-local by design.
class EffectBuffer {
 public:
  static std::string& Pending();
  static void Set(int db, std::string_view key, std::string_view value, int64_t expire_at_ms,
                  bool keep_ttl);
  static void Del(int db, std::string_view key);
  static void Expire(int db, std::string_view key, int64_t at_ms);
  static void Append(int db, std::string_view key, std::string_view tail);
  static void SetRange(int db, std::string_view key, uint64_t offset, std::string_view bytes);
  static void Rename(int db, std::string_view key, std::string_view new_key);
  static void Move(int db, std::string_view key, int new_db);
  static void Copy(int db, std::string_view key, std::string_view new_key, int new_db);
  static void FlushDb(int db);
  static void FlushAll();
  static void SwapDb(int a, int b);
  static void SetObject(int db, std::string_view key, const Object& obj, int64_t expire_at_ms,
                        bool keep_ttl);
  static void ObjectOp(int db, std::string_view key, uint8_t type, std::string_view family_op);
};

// Applies one kEffects payload to store (whose journal must be off). kCorruption if an op
// does not decode, or does not apply to what the store holds (a push onto a key of another
// type, say: a log the server wrote never has one, so it means a bug or damage); the message
// then names the op, its key and what the key held. The ops before the failing one stay
// applied.
Status ApplyEffects(Store& store, std::string_view payload);

// For payloads about to be applied in this order (a replay), reads the table slot of each
// one's first key ahead (Store::Prefetch), so that their cache misses overlap instead of
// each ApplyEffects waiting on its own. Only a hint: changes nothing, and passes over ops
// without a key and payloads that do not decode (ApplyEffects reports those).
void PrefetchEffects(Store& store, std::span<const std::string_view> payloads);

// One decoded op of a kEffects payload, for readers outside the store (the replication
// feed). key and second point into the payload; what `number` and `flag` hold depends on op:
//   kOpSet: number = expire_at_ms;  kOpExpire: number = at_ms;  kOpSetRange: number = offset
//   kOpRename/kOpCopy: second = new_key;  kOpMove/kOpCopy: number = new_db (the target is replaced)
//   kOpSwapDb: db = a, number = b;  kOpObject/kOpSetObject: second = body
//   kOpSetObject: number = expire_at_ms, flag = keep_ttl;  kOpSetMeta: key = name, second = value
struct EffectView {
  uint8_t op = 0;
  int db = 0;
  std::string_view key, second;
  uint64_t number = 0;
  uint8_t flag = 0;
};

// Decodes every op of payload into *ops (appended); false, with the ops before the bad one
// appended, when an op does not decode.
[[nodiscard]] bool DecodeEffects(std::string_view payload, int databases,
                                 std::vector<EffectView>* ops);

// One line per op of a payload ("SET db=0 key=\"k\" (5 bytes)"), for cairn-check-wal.
std::vector<std::string> DescribeEffects(std::string_view payload, int databases);

}  // namespace cairn::store
