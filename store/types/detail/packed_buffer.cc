// store/types/detail/packed_buffer.cc — exact-size reallocation of a packed collection's bytes.
#include "store/types/detail/packed_buffer.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "store/memory.h"

namespace cairn::store::detail {

PackedBuffer::~PackedBuffer() { std::free(data_); }

PackedBuffer::PackedBuffer(const PackedBuffer& other) { *this = other; }

PackedBuffer& PackedBuffer::operator=(const PackedBuffer& other) {
  if (this == &other) return *this;
  Clear();
  Splice(0, 0, other.view());
  count_ = other.count_;
  return *this;
}

void PackedBuffer::Clear() {
  std::free(data_);
  data_ = nullptr;
  size_ = 0;
  count_ = 0;
}

size_t PackedBuffer::allocated_bytes() const { return size_ == 0 ? 0 : AllocationSize(size_); }

void PackedBuffer::Splice(size_t begin, size_t end, std::string_view with) {
  size_t size = size_ - (end - begin) + with.size();
  if (size == 0) {
    uint32_t count = count_;
    Clear();
    count_ = count;
    return;
  }
  if (size > UINT32_MAX) {  // an owner that skipped Fits(): never let the length wrap
    std::fprintf(stderr, "%s:%d: a packed buffer of %zu bytes\n", __FILE__, __LINE__, size);
    std::abort();
  }
  size_t tail = size_ - end;
  // Shrinking: move the tail down while the old bytes are still there; growing: after.
  if (size < size_) std::memmove(data_ + begin + with.size(), data_ + end, tail);
  if (size != size_) {
    data_ = static_cast<char*>(std::realloc(data_, size));
    if (data_ == nullptr) std::abort();  // as operator new would
  }
  if (size > size_) std::memmove(data_ + begin + with.size(), data_ + end, tail);
  if (!with.empty()) std::memcpy(data_ + begin, with.data(), with.size());
  size_ = static_cast<uint32_t>(size);
}

}  // namespace cairn::store::detail
