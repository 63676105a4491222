// store/buffer.cc — see buffer.h.
#include "store/buffer.h"

#include <cstdlib>
#include <cstring>
#include <new>

#include "store/memory.h"

namespace cairn::store {

Buffer* Buffer::Allocate(size_t size) {
  void* raw = std::malloc(sizeof(Buffer) + size);
  if (raw == nullptr) std::abort();  // out of memory: nothing sensible to do per request
  Buffer* b = new (raw) Buffer();
  b->size_ = size;
  return b;
}

void Buffer::Free(Buffer* b) {
  b->~Buffer();
  std::free(b);
}

size_t Buffer::allocation_bytes() const { return AllocationSize(sizeof(Buffer) + size_); }

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
