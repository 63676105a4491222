// store/object.h — collection values (list, hash, set, sorted set, stream): their common base.
//
// A collection lives behind an intrusive, reference-counted Object held by Value::obj. The
// keyspace holds one reference. Collections are mutable, unlike string buffers, so sharing
// follows copy-on-write: whoever wants to change a collection asks its KeyHandle for
// MutableObject(), which clones the object first if anyone else holds a reference. Two
// holders exist besides the keyspace:
//   - a snapshot capture (snapshot.h) takes a reference instead of a copy, so capturing a
//     shard costs O(keys); the first write to a captured collection pays the clone;
//   - COPY shares the object between the two keys until one of them changes.
// Readers never take references: they read a collection under its shard lock and copy what
// they reply with.
//
// Every family implements the Object interface in its own file (list.h, hash_object.h,
// set_object.h, zset.h, stream.h) and provides, for the store's generic code:
//   - Encode (snapshot bytes) and a Decode*Object function (object.cc dispatches by type);
//   - Apply*Op, which replays one logged op of that family (effects.cc dispatches by type).
//
// Threading: an Object is read and changed only under the lock of the shard holding its key
// (or by the snapshot thread, which holds a reference to an object nobody may change: any
// writer would clone it first). Ref/Unref are thread-safe.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace cairn::store {

enum class ValueType : uint8_t { kString = 0, kList, kSet, kZSet, kHash, kStream };

class ObjRef;

class Object {
 public:
  explicit Object(ValueType type) : type_(type) {}
  virtual ~Object() = default;
  Object(const Object&) = delete;
  Object& operator=(const Object&) = delete;

  ValueType type() const { return type_; }
  // Elements (list items, fields, members, stream entries). A key whose collection becomes
  // empty is deleted, as in Redis; streams are the exception (they may exist empty).
  virtual size_t size() const = 0;
  // A deep copy, reference count 1.
  virtual ObjRef Clone() const = 0;
  // OBJECT ENCODING's name for the current representation ("listpack", "hashtable", ...).
  virtual std::string_view encoding() const = 0;
  // Bytes the collection occupies in memory, allocator rounding included (MEMORY USAGE).
  virtual size_t memory_bytes() const = 0;
  // memory_bytes() estimated from at most `samples` parts (list nodes, sorted set members)
  // scaled to the whole, as Redis's MEMORY USAGE SAMPLES does; 0 = exact. Collections whose
  // accounting is O(1) answer exactly whatever samples says.
  virtual size_t sampled_memory_bytes(size_t /*samples*/) const { return memory_bytes(); }
  // Appends the snapshot encoding; the family's Decode function reads it back.
  virtual void Encode(std::string* out) const = 0;
  // For Store::Prefetch: the pointer-sized slot a lookup of element (a field or member)
  // reads first — a hash bucket or an index slot holding the pointer to the element's
  // allocation —, or nullptr when the form has none (packed forms are a line or two, found
  // with the object). Reads the object and its table's header to compute the address, and
  // nothing the slot points at.
  virtual const void* const* ElementSlot(std::string_view /*element*/) const { return nullptr; }
  // For Store::Prefetch, once the allocation a slot points at has its first line in cache:
  // reads what a lookup compares there when it may sit on a further line (a sorted set
  // node's member follows its level arrays). The allocation must be this collection's.
  virtual void TouchElement(const void* /*allocation*/) const {}

  void Ref() { refs_.fetch_add(1, std::memory_order_relaxed); }
  void Unref() {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }
  uint32_t refs() const { return refs_.load(std::memory_order_acquire); }

 private:
  std::atomic<uint32_t> refs_{1};
  ValueType type_;
};

// An owning reference to an Object (nullptr allowed). Copy = Ref, destroy = Unref.
class ObjRef {
 public:
  ObjRef() = default;
  explicit ObjRef(Object* adopt) : o_(adopt) {}  // adopts a reference, does not add one
  ObjRef(const ObjRef& other) : o_(other.o_) {
    if (o_) o_->Ref();
  }
  ObjRef(ObjRef&& other) noexcept : o_(std::exchange(other.o_, nullptr)) {}
  ObjRef& operator=(ObjRef other) noexcept {
    std::swap(o_, other.o_);
    return *this;
  }
  ~ObjRef() {
    if (o_) o_->Unref();
  }

  explicit operator bool() const { return o_ != nullptr; }
  Object* get() const { return o_; }
  Object* operator->() const { return o_; }

 private:
  Object* o_ = nullptr;
};

// Rebuilds a collection from its snapshot encoding; an empty ObjRef if bytes are malformed
// or type is not a collection.
ObjRef DecodeObject(ValueType type, std::string_view bytes);

}  // namespace cairn::store
