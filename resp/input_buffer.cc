// resp/input_buffer.cc — see input_buffer.h.
#include "resp/input_buffer.h"

#include <cstdlib>
#include <cstring>

namespace cairn::resp {
namespace {

// A handful of default-size blocks per thread covers the connections that are mid-read at
// once; the rest go back to the allocator.
constexpr int kPoolMax = 64;

struct Pool {
  char* blocks[kPoolMax];
  int count = 0;
  ~Pool() {
    while (count > 0) std::free(blocks[--count]);
  }
};
thread_local Pool pool;

char* AcquireBlock() {
  if (pool.count > 0) return pool.blocks[--pool.count];
  return static_cast<char*>(std::malloc(InputBuffer::kDefaultSize));
}

void ReleaseBlock(char* block) {
  if (pool.count < kPoolMax) {
    pool.blocks[pool.count++] = block;
  } else {
    std::free(block);
  }
}

}  // namespace

InputBuffer::~InputBuffer() { Release(); }

void InputBuffer::Release() {
  if (storage_ == nullptr) return;
  if (capacity_ == kDefaultSize) {
    ReleaseBlock(storage_);
  } else {
    std::free(storage_);
  }
  storage_ = nullptr;
  capacity_ = begin_ = end_ = 0;
}

std::span<char> InputBuffer::Writable(size_t min_bytes) {
  if (storage_ == nullptr && min_bytes <= kDefaultSize) {
    storage_ = AcquireBlock();
    capacity_ = kDefaultSize;
  }
  if (capacity_ - end_ < min_bytes) {
    size_t used = end_ - begin_;
    if (begin_ > 0 && capacity_ - used >= min_bytes && begin_ >= used) {
      std::memmove(storage_, storage_ + begin_, used);  // cheap: little left to move
    } else {
      size_t capacity = capacity_ == 0 ? kDefaultSize : capacity_;
      while (capacity - used < min_bytes) capacity *= 2;
      char* grown = static_cast<char*>(std::malloc(capacity));
      if (used > 0) std::memcpy(grown, storage_ + begin_, used);
      Release();
      storage_ = grown;
      capacity_ = capacity;
    }
    begin_ = 0;
    end_ = used;
  }
  return {storage_ + end_, capacity_ - end_};
}

void InputBuffer::Consume(size_t n) {
  begin_ += n;
  if (begin_ == end_) Release();
}

}  // namespace cairn::resp
