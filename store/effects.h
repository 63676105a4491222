// store/effects.h — encoding a command's effects as WAL ops, and applying them on replay.
//
// KeyHandle mutations append ops to a per-thread pending buffer (EffectBuffer); when the
// Access that made them ends, the store appends the buffer as one record to the Journal
// while the shard locks are still held. Replay decodes a record and applies each op through
// the same KeyHandle operations with journaling off, so the live path and recovery share
// one implementation of every change.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cairn::store {

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

// Applies one kEffects payload to store (whose journal must be off). Returns false if an
// op does not decode, or does not apply to what the store holds (a push onto a key of
// another type, say: a log the server wrote never has one, so it means a bug or damage);
// *error (if given) then names the op, its key and what the key held. The ops before the
// failing one stay applied.
[[nodiscard]] bool ApplyEffects(Store& store, std::string_view payload,
                                std::string* error = nullptr);

// One line per op of a payload ("SET db=0 key=\"k\" (5 bytes)"), for cairn-check-wal.
std::vector<std::string> DescribeEffects(std::string_view payload, int databases);

}  // namespace cairn::store
