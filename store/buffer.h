// store/buffer.h — immutable, reference-counted byte buffers that hold string values.
//
// A Buffer is one allocation: a small header (reference count, size) followed by the bytes,
// so its size lands in one of jemalloc's size classes and freed buffers are reused by the
// allocator's per-thread caches (the "pool"). Once a Buffer is published in the store it is
// never modified: a SET builds a new buffer and swaps the reference, so a reader that took a
// reference under the shard lock can keep writing the old bytes to its socket after the lock
// is released, and the bytes live until the last reference is dropped.
//
// The exceptions are AppendTo and PatchAt: while the store holds the only reference (and the shard
// lock, so no reader can take a new one) the bytes may be extended in place, within the
// allocation's spare room. Nobody else can observe the change.
//
// Threading: BufRef copies and destruction are thread-safe (atomic count). Writing into a
// buffer through MutableData() is allowed only before it is shared.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>

namespace cairn::store {

class Buffer {
 public:
  // Allocates an unshared buffer of size bytes (contents unspecified), reference count 1,
  // with room for at least capacity bytes (capacity >= size).
  static Buffer* Allocate(size_t size, size_t capacity = 0);

  void Ref() { refs_.fetch_add(1, std::memory_order_relaxed); }
  void Unref() {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) Free(this);
  }
  uint32_t refs() const { return refs_.load(std::memory_order_relaxed); }
  size_t size() const { return size_; }
  const char* data() const { return bytes_; }
  char* MutableData() { return bytes_; }
  std::string_view view() const { return {bytes_, size_}; }
  // Bytes the allocation occupies (for memory accounting).
  size_t allocation_bytes() const;
  // Bytes the allocation can hold (size() plus the allocator's spare room).
  size_t capacity() const;
  // Usable for a ReleaseFn: drops one reference held through a void*.
  static void UnrefOpaque(void* self) { static_cast<Buffer*>(self)->Unref(); }

 private:
  Buffer() = default;
  static void Free(Buffer* b);
  friend class BufRef;

  std::atomic<uint32_t> refs_{1};
  uint32_t reserved_ = 0;
  size_t size_ = 0;
  char bytes_[];
};

// An owning reference to a Buffer (nullptr allowed). Copy = Ref, destroy = Unref.
class BufRef {
 public:
  BufRef() = default;
  // Adopts an existing reference (does not add one).
  explicit BufRef(Buffer* adopt) : b_(adopt) {}
  BufRef(const BufRef& o) : b_(o.b_) {
    if (b_) b_->Ref();
  }
  BufRef(BufRef&& o) noexcept : b_(std::exchange(o.b_, nullptr)) {}
  BufRef& operator=(BufRef o) noexcept {
    std::swap(b_, o.b_);
    return *this;
  }
  ~BufRef() {
    if (b_) b_->Unref();
  }

  static BufRef Copy(std::string_view bytes);
  static BufRef Concat(std::string_view a, std::string_view b);
  // Appends tail to *ref (APPEND): in place when *ref is the only reference and the
  // allocation has room, else into a new buffer with room to grow, so repeated appends cost
  // amortized O(1) per byte. Call only under the lock of the shard that holds *ref.
  static void AppendTo(BufRef* ref, std::string_view tail);
  // Writes patch at offset into *ref (SETBIT), zero-filling any gap past the old end: in place
  // when *ref is the only reference and the allocation has room, else into a new buffer (with
  // room to grow when it got longer). Call only under the lock of the shard that holds *ref.
  static void PatchAt(BufRef* ref, size_t offset, std::string_view patch);

  explicit operator bool() const { return b_ != nullptr; }
  Buffer* get() const { return b_; }
  // Gives up ownership of the reference (for a ReleaseFn to drop later).
  Buffer* Release() { return std::exchange(b_, nullptr); }
  friend class Buffer;
  std::string_view view() const { return b_ ? b_->view() : std::string_view(); }
  size_t size() const { return b_ ? b_->size() : 0; }

 private:
  Buffer* b_ = nullptr;
};

}  // namespace cairn::store
