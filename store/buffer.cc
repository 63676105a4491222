// store/buffer.cc — see buffer.h.
#include "store/buffer.h"

#include <malloc.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

#include "store/memory.h"

namespace cairn::store {

Buffer* Buffer::Allocate(size_t size, size_t capacity) {
  void* raw = std::malloc(sizeof(Buffer) + std::max(size, capacity));
  if (raw == nullptr) std::abort();  // out of memory: nothing sensible to do per request
  Buffer* b = new (raw) Buffer();
  b->set_size(size);
  return b;
}

Buffer* Buffer::Embed(void* at, size_t owner_offset, std::string_view bytes) {
  if (bytes.size() > kMaxEmbeddedSize || owner_offset > kMaxOwnerOffset ||
      owner_offset % alignof(Buffer) != 0) {
    std::abort();  // a caller bug: the owner's layout would be misread when it is freed
  }
  Buffer* b = new (at) Buffer();
  b->refs_.store(2, std::memory_order_relaxed);
  b->embedded_ = static_cast<uint32_t>(owner_offset << 16 | bytes.size());
  if (!bytes.empty()) std::memcpy(b->MutableData(), bytes.data(), bytes.size());
  return b;
}

void Buffer::Free(Buffer* b) {
  char* allocation = reinterpret_cast<char*>(b);
  if (b->embedded()) allocation -= b->embedded_ >> 16;
  b->~Buffer();
  std::free(allocation);
}

size_t Buffer::allocation_bytes() const {
  return embedded() ? 0 : AllocationSize(sizeof(Buffer) + size());
}

size_t Buffer::capacity() const {
  if (embedded()) return size();  // the owner's bytes follow: no room to grow into
  // The allocator's usable size includes its size-class slack: room to append for free.
  return malloc_usable_size(const_cast<Buffer*>(this)) - sizeof(Buffer);
}

BufRef BufRef::Copy(std::string_view bytes) {
  Buffer* b = Buffer::Allocate(bytes.size());
  if (!bytes.empty()) std::memcpy(b->MutableData(), bytes.data(), bytes.size());
  return BufRef(b);
}

BufRef BufRef::Concat(std::string_view a, std::string_view b) {
  Buffer* buf = Buffer::Allocate(a.size() + b.size());
  if (!a.empty()) std::memcpy(buf->MutableData(), a.data(), a.size());
  if (!b.empty()) std::memcpy(buf->MutableData() + a.size(), b.data(), b.size());
  return BufRef(buf);
}

}  // namespace cairn::store

namespace cairn::store {

void BufRef::AppendTo(BufRef* ref, std::string_view tail) {
  Buffer* b = ref->b_;
  // acquire: pairs with the release in Unref, so a reader that just dropped its reference
  // has finished reading before we write.
  if (b != nullptr && !b->embedded() && b->refs_.load(std::memory_order_acquire) == 1 &&
      b->capacity() - b->size() >= tail.size()) {
    std::memcpy(b->MutableData() + b->size(), tail.data(), tail.size());
    b->set_size(b->size() + tail.size());
    return;
  }
  std::string_view head = ref->view();
  size_t size = head.size() + tail.size();
  // Grow like a dynamic array: double small values, add 1 MB to large ones.
  constexpr size_t kLinearGrowthBytes = 1024 * 1024;
  size_t capacity = size < kLinearGrowthBytes ? size * 2 : size + kLinearGrowthBytes;
  Buffer* grown = Buffer::Allocate(size, capacity);
  if (!head.empty()) std::memcpy(grown->bytes_, head.data(), head.size());
  if (!tail.empty()) std::memcpy(grown->bytes_ + head.size(), tail.data(), tail.size());
  *ref = BufRef(grown);
}

bool BufRef::Overwrite(BufRef* ref, std::string_view bytes) {
  Buffer* b = ref->b_;
  if (b == nullptr) return false;
  bool embedded = b->embedded();
  // acquire: as in AppendTo, a reader that dropped its reference has finished reading.
  if (b->refs_.load(std::memory_order_acquire) != (embedded ? 2u : 1u)) return false;
  if (embedded) {
    // The owner's allocation size is computed from the embedded size (Entry::allocation_bytes,
    // Buffer::Free): it must come out the same.
    if (Buffer::EmbeddedBytes(bytes.size()) != Buffer::EmbeddedBytes(b->size())) return false;
    b->embedded_ = (b->embedded_ & 0xffff0000u) | static_cast<uint32_t>(bytes.size());
  } else {
    if (b->capacity() < bytes.size()) return false;
    b->set_size(bytes.size());
  }
  if (!bytes.empty()) std::memcpy(b->MutableData(), bytes.data(), bytes.size());
  return true;
}

void BufRef::PatchAt(BufRef* ref, size_t offset, std::string_view patch) {
  Buffer* b = ref->b_;
  size_t old_size = ref->size();
  size_t size = std::max(old_size, offset + patch.size());
  // acquire: as in AppendTo, a reader that dropped its reference has finished reading.
  bool in_place = b != nullptr && b->refs_.load(std::memory_order_acquire) == 1 &&
                  b->capacity() >= size;
  if (!in_place) {
    size_t capacity = size > old_size ? size * 2 : size;
    constexpr size_t kLinearGrowthBytes = 1024 * 1024;
    if (size > old_size && size >= kLinearGrowthBytes) capacity = size + kLinearGrowthBytes;
    Buffer* copy = Buffer::Allocate(size, capacity);
    if (old_size > 0) std::memcpy(copy->bytes_, b->data(), old_size);
    *ref = BufRef(copy);
    b = copy;
  }
  char* bytes = b->MutableData();
  if (offset > old_size) std::memset(bytes + old_size, 0, offset - old_size);
  if (!patch.empty()) std::memcpy(bytes + offset, patch.data(), patch.size());
  if (!b->embedded()) b->set_size(size);  // in place, an embedded buffer never grows
}

}  // namespace cairn::store
