// store/entry.h — one key of the keyspace: its name, value and expiry, in one allocation.
//
// An Entry lives in exactly one shard table and is read or changed only while that shard's
// lock is held (through a KeyHandle). Strings are immutable once published (see buffer.h):
// changing one means installing a new BufRef. Collections are Objects changed in place under
// the shard lock, copy-on-write when shared (see object.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "store/buffer.h"
#include "store/object.h"

namespace cairn::store {

// TYPE's name for each value type ("string", "list", ...).
std::string_view TypeName(ValueType type);

struct Value {
  ValueType type = ValueType::kString;
  // Set when a string was produced by APPEND/SETRANGE rather than assigned whole: OBJECT
  // ENCODING then says "raw", as Redis does for strings it has grown in place.
  bool grown = false;
  BufRef str;  // kString
  ObjRef obj;  // every other type
};

// The key's hash is not stored: a table finds a key by comparing bytes along one short chain,
// and rehashes the keys when it grows. Those 8 bytes would move most short keys (up to 16
// bytes) from jemalloc's 64-byte size class to its 80-byte one.
struct Entry {
  Entry* next;            // chain in the shard table's bucket
  int64_t expire_at_ms;   // unix ms; 0 = no expiry
  Value value;
  uint32_t key_len;
  // Last access (OBJECT IDLETIME) or access frequency (OBJECT FREQ), as the maxmemory policy
  // reads it: see access_stamp.h. Set through Store::StampNew / Store::StampAccess.
  uint32_t access;
  char key_bytes[];

  std::string_view key() const { return {key_bytes, key_len}; }
  bool has_expire() const { return expire_at_ms != 0; }

  // Allocates an entry holding a copy of key; next/expire/access are the caller's to set.
  static Entry* Create(std::string_view key, Value value);
  static void Destroy(Entry* e);
};

// MEMORY USAGE: bytes the key costs — its entry (key included), its slot in the shard table
// and its value (allocator rounding included); collections are sampled as
// Object::sampled_memory_bytes says. Call under the shard lock.
size_t EntryMemoryBytes(const Entry& e, size_t samples);

}  // namespace cairn::store
