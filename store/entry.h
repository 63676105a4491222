// store/entry.h — one key of the keyspace: its name, value and expiry, in one allocation.
//
// An Entry lives in exactly one shard table and is read or changed only while that shard's
// lock is held (through a KeyHandle). Strings are immutable once published (see buffer.h):
// changing one means installing a new BufRef, except the in-place changes buffer.h lists
// (APPEND, SETBIT, INCR's overwrite), made only while no reader holds the bytes. Collections
// are Objects changed in place under the shard lock, copy-on-write when shared (see object.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <string_view>
#include <utility>

#include "store/buffer.h"
#include "store/object.h"

namespace cairn::store {

// TYPE's name for each value type ("string", "list", ...).
std::string_view TypeName(ValueType type);

// How a string value was made. cairn keeps every string as bytes, but what Redis reports
// about one (OBJECT ENCODING and REFCOUNT; the mapping is in src/commands/key_commands.cc)
// depends on the command that built it.
enum class StringForm : uint8_t {
  kAssigned,  // written whole: SET and most writes
  kGrown,     // changed in place (APPEND, SETRANGE, SETBIT, PFADD) or built by BITOP
  kFloat,     // INCRBYFLOAT's text
  kCopied,    // COPY's duplicate of a kAssigned string
};

// A key's value: a string buffer or a collection, one pointer wide (so an Entry stays 40
// bytes). `type` says which member of the union is live: read `str` when it is kString and
// `obj` otherwise. Either may be reassigned in place with one of its own kind (a new buffer,
// a cloned collection); changing the kind means assigning a whole Value built by a
// constructor, never writing `type` by hand.
struct Value {
  ValueType type = ValueType::kString;
  StringForm form = StringForm::kAssigned;  // kString only
  union {
    BufRef str;  // kString
    ObjRef obj;  // every other type
  };

  Value() : str() {}
  explicit Value(BufRef s, StringForm f = StringForm::kAssigned) : form(f), str(std::move(s)) {}
  // A collection; its type is the object's. o must not be empty.
  explicit Value(ObjRef o) : type(o->type()), obj(std::move(o)) {}
  Value(const Value& other) : type(other.type), form(other.form) {
    if (is_string()) {
      new (&str) BufRef(other.str);
    } else {
      new (&obj) ObjRef(other.obj);
    }
  }
  Value(Value&& other) noexcept : type(other.type), form(other.form) {
    if (is_string()) {
      new (&str) BufRef(std::move(other.str));
    } else {
      new (&obj) ObjRef(std::move(other.obj));
    }
  }
  Value& operator=(Value other) noexcept {
    this->~Value();
    new (this) Value(std::move(other));
    return *this;
  }
  ~Value() {
    if (is_string()) {
      str.~BufRef();
    } else {
      obj.~ObjRef();
    }
  }

  bool is_string() const { return type == ValueType::kString; }
};

// The key's hash is not stored: a table finds a key by comparing bytes along one short chain,
// and rehashes the keys when it grows. Those 8 bytes would move most short keys (up to 16
// bytes) from jemalloc's 64-byte size class to its 80-byte one.
//
// Layout of the allocation: the 40-byte header, the key bytes, and for a short string value
// (up to Buffer::kMaxEmbeddedSize bytes, with a key up to kMaxEmbeddingKeyLen) the value's
// Buffer embedded after the key (buffer.h): a 16-byte key with a 12-byte value is one
// 80-byte block instead of a 64-byte entry plus a 32-byte buffer. value.str points at the
// embedded buffer like at any other, so readers take references to it as usual. Storing
// another value makes a new entry (KeyHandle::Insert; SET makes it before the shard lock and
// KeyHandle::PutEntry links it in); only a change in place (APPEND, or a
// SETBIT or BITFIELD while a reader holds the bytes) moves the value out into a buffer of its
// own and leaves the embedded bytes unused until the entry goes. INCR rewrites an embedded
// counter where it is (KeyHandle::Overwrite) when its length stays within the same room.
struct Entry {
  Entry* next;            // chain in the shard table's bucket
  int64_t expire_at_ms;   // unix ms; 0 = no expiry
  Value value;
  uint32_t key_len : 31;
  uint32_t embeds : 1;    // the allocation holds an embedded Buffer after the key
  // Last access (OBJECT IDLETIME) or access frequency (OBJECT FREQ), as the maxmemory policy
  // reads it: see access_stamp.h. Set through Store::StampNew / Store::StampAccess.
  uint32_t access;
  char key_bytes[];

  static constexpr size_t kMaxKeyLen = (size_t{1} << 31) - 1;
  static constexpr size_t kMaxEmbeddingKeyLen = 1024;

  std::string_view key() const { return {key_bytes, key_len}; }
  bool has_expire() const { return expire_at_ms != 0; }

  // Allocates an entry holding a copy of key (at most kMaxKeyLen bytes) and value. A short
  // string's bytes are copied into the entry's own allocation and value is left as it was,
  // for the caller to release (after the shard lock); any other value is moved in, except
  // that a string embedded in another entry is copied out of it, so that this entry never
  // keeps that one's allocation alive. next/expire/access are the caller's to set.
  static Entry* Create(std::string_view key, Value&& value);
  // Allocates an entry of key holding a copy of bytes embedded in it (a string value;
  // EmbedsString(key.size(), bytes.size()) must hold): the one allocation a short SET makes.
  // next/expire/access are the caller's to set.
  static Entry* CreateEmbedded(std::string_view key, std::string_view bytes,
                               StringForm form = StringForm::kAssigned);
  static void Destroy(Entry* e);
  // Whether a string of value_len bytes is embedded in the entry of a key of key_len bytes.
  static bool EmbedsString(size_t key_len, size_t value_len) {
    return value_len <= Buffer::kMaxEmbeddedSize && key_len <= kMaxEmbeddingKeyLen;
  }
  // Whether Create would copy this value into the entry it makes for a key of key_len bytes.
  static bool Embeds(size_t key_len, const Value& value) {
    return value.is_string() && EmbedsString(key_len, value.str.size());
  }
  // If value is a string embedded in some entry, replaces it with a copy of its own, so the
  // holder does not keep that entry's allocation alive.
  static void DetachEmbedded(Value* value);
  // Bytes of the entry's own allocation, its embedded value included.
  size_t allocation_bytes() const;
  // Whether value.str (a string's) is a buffer of its own or this entry's embedded one: never
  // another entry's (Create and KeyHandle::Insert copy those out). An in-place change relies
  // on it.
  bool owns_string_buffer() const {
    const Buffer* b = value.str.get();
    return b == nullptr || !b->embedded() || (embeds && b == embedded_buffer());
  }

 private:
  // Where an embedded buffer starts: after the key, aligned for a Buffer.
  static size_t EmbeddedOffset(size_t key_len);
  Buffer* embedded_buffer() const;
};
static_assert(sizeof(Entry) == 40, "an Entry header is 40 bytes (see the layout above)");

// Owns an entry that is in no table yet (a SET's new entry, made before the shard lock):
// destroys it unless it was handed to the store (KeyHandle::PutEntry). Destroying frees the
// allocation on the destroying thread: let it happen after the shard lock is released.
struct EntryDeleter {
  void operator()(Entry* e) const { Entry::Destroy(e); }
};
using UniqueEntry = std::unique_ptr<Entry, EntryDeleter>;

// MEMORY USAGE: bytes the key costs — its entry (key included), its slot in the shard table
// and its value (allocator rounding included); collections are sampled as
// Object::sampled_memory_bytes says. Call under the shard lock.
size_t EntryMemoryBytes(const Entry& e, size_t samples);

}  // namespace cairn::store
