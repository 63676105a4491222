// store/buffer.h — immutable, reference-counted byte buffers that hold string values.
//
// A Buffer is one allocation: a small header (reference count, size) followed by the bytes,
// so its size lands in one of jemalloc's size classes and freed buffers are reused by the
// allocator's per-thread caches (the "pool"). A short string is instead embedded in its
// key's entry allocation (see "Embedded buffers" below and entry.h). Once a Buffer is
// published in the store it is never modified (but for the exceptions below, which no reader
// can observe): a SET builds a new buffer and swaps the reference, so a reader that took a
// reference under the shard lock can keep writing the old bytes to its socket after the lock
// is released, and the bytes live until the last reference is dropped.
//
// The exceptions are AppendTo, PatchAt and Overwrite: while the store holds the only reference
// (and the shard lock, so no reader can take a new one) the bytes may be changed in place,
// within the allocation's room. Nobody else can observe the change.
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

  // ---- Embedded buffers ----
  // A short string can live inside its key's Entry allocation (entry.h) instead of in an
  // allocation of its own: the buffer then starts owner_offset bytes into the owner's
  // allocation and has no spare room, and the owner holds one reference of its own, so the
  // whole allocation is freed by whichever drops the last reference: the entry when it is
  // destroyed, or a reader that still held the bytes. Readers cannot tell the difference.
  static constexpr size_t kMaxEmbeddedSize = 128;
  static constexpr size_t kMaxOwnerOffset = 0xfffe;
  // Bytes an embedded buffer of size bytes occupies in its owner.
  static constexpr size_t EmbeddedBytes(size_t size) {
    return kEmbeddedHeader + (size < kMinEmbeddedBody ? kMinEmbeddedBody : size);
  }
  // Builds an embedded buffer holding a copy of bytes (size <= kMaxEmbeddedSize) at `at`,
  // which is owner_offset (<= kMaxOwnerOffset, a multiple of alignof(Buffer)) bytes into a
  // malloc'ed allocation with EmbeddedBytes(size) bytes free there. Reference count 2: the
  // caller's BufRef and the owner's own reference, dropped with Unref when the owner dies.
  static Buffer* Embed(void* at, size_t owner_offset, std::string_view bytes);
  bool embedded() const { return embedded_ != kStandalone; }

  void Ref() { refs_.fetch_add(1, std::memory_order_relaxed); }
  void Unref() {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) Free(this);
  }
  uint32_t refs() const { return refs_.load(std::memory_order_relaxed); }
  size_t size() const {
    return embedded() ? embedded_ & 0xffff : (uint64_t{size_hi_} << 32) | size_lo_;
  }
  const char* data() const { return embedded() ? body() : bytes_; }
  char* MutableData() { return const_cast<char*>(data()); }
  std::string_view view() const { return {data(), size()}; }
  // Bytes the allocation occupies (for memory accounting); 0 for an embedded buffer, which
  // its owner counts.
  size_t allocation_bytes() const;
  // Bytes the allocation can hold (size() plus the allocator's spare room; exactly size()
  // for an embedded buffer).
  size_t capacity() const;
  // Usable for a ReleaseFn: drops one reference held through a void*.
  static void UnrefOpaque(void* self) { static_cast<Buffer*>(self)->Unref(); }

 private:
  static constexpr uint32_t kStandalone = 0xffffffff;
  static constexpr size_t kEmbeddedHeader = 8;  // refs_ and embedded_
  static constexpr size_t kMinEmbeddedBody = 8;  // so that a whole Buffer object fits
  Buffer() = default;
  static void Free(Buffer* b);
  // An embedded buffer's bytes start right after its 8-byte header, over size_lo_/size_hi_.
  const char* body() const { return reinterpret_cast<const char*>(this) + kEmbeddedHeader; }
  void set_size(size_t size) {
    size_lo_ = static_cast<uint32_t>(size);
    size_hi_ = static_cast<uint32_t>(size >> 32);
  }
  friend class BufRef;

  // All members 4-byte wide, so an embedded buffer needs no more than 4-byte alignment.
  std::atomic<uint32_t> refs_{1};
  // kStandalone, or for an embedded buffer: the owner offset in the high 16 bits and the size
  // in the low 16.
  uint32_t embedded_ = kStandalone;
  uint32_t size_lo_ = 0;  // standalone only
  uint32_t size_hi_ = 0;
  char bytes_[];
};
static_assert(alignof(Buffer) == 4);

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
  // Replaces the bytes of *ref with bytes (INCR) in place and returns true when no reader
  // holds them (for an embedded buffer: only its owner and *ref, which must be that owner's
  // value) and they take the allocation's room without changing how much of it is counted
  // (an embedded buffer keeps its length, or stays within its minimum body); else false, and
  // nothing changes. Call only under the lock of the shard that holds *ref.
  static bool Overwrite(BufRef* ref, std::string_view bytes);

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
