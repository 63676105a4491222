// resp/output_buffer.cc — see output_buffer.h.
#include "resp/output_buffer.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace cairn::resp {

OutputBuffer::~OutputBuffer() {
  Clear();
  std::free(spare_);
}

char* OutputBuffer::Reserve(size_t n) {
  if (segments_.size() > head_) {
    Segment& last = segments_.back();
    if (last.capacity > last.len && last.capacity - last.len >= n) return last.data + last.len;
  }
  char* block = spare_ != nullptr ? spare_ : static_cast<char*>(std::malloc(kBlockSize));
  spare_ = nullptr;
  segments_.push_back(Segment{block, 0, kBlockSize, nullptr, nullptr});
  return block;
}

void OutputBuffer::Append(std::string_view bytes) {
  while (!bytes.empty()) {
    size_t room = 0;
    if (segments_.size() > head_) {
      Segment& last = segments_.back();
      room = last.capacity > last.len ? last.capacity - last.len : 0;
    }
    if (room == 0) {
      Reserve(1);
      room = kBlockSize;
    }
    size_t n = bytes.size() < room ? bytes.size() : room;
    Segment& last = segments_.back();
    std::memcpy(last.data + last.len, bytes.data(), n);
    last.len += n;
    size_ += n;
    bytes.remove_prefix(n);
  }
}

void OutputBuffer::AppendExternal(const char* data, size_t len, ReleaseFn release, void* ctx) {
  segments_.push_back(Segment{const_cast<char*>(data), len, 0, release, ctx});
  size_ += len;
}

void OutputBuffer::AppendOwned(std::string bytes) {
  auto* owned = new std::string(std::move(bytes));
  AppendExternal(owned->data(), owned->size(),
                 [](void* ctx) { delete static_cast<std::string*>(ctx); }, owned);
}

int OutputBuffer::Gather(struct iovec* iov, int max_iov, size_t max_bytes) const {
  int n = 0;
  size_t skip = offset_;
  for (size_t i = head_; i < segments_.size() && n < max_iov && max_bytes > 0; ++i) {
    const Segment& s = segments_[i];
    size_t len = std::min(s.len - skip, max_bytes);
    if (len == 0) continue;
    iov[n].iov_base = s.data + skip;
    iov[n].iov_len = len;
    ++n;
    skip = 0;
    max_bytes -= len;
  }
  return n;
}

// An external segment goes back to its owner; an owned block becomes the spare or is freed.
void OutputBuffer::ReleaseSegment(Segment& s) {
  if (s.capacity == 0) {
    if (s.release != nullptr) s.release(s.ctx);
  } else if (spare_ == nullptr) {
    spare_ = s.data;
  } else {
    std::free(s.data);
  }
}

void OutputBuffer::DropFront() {
  ReleaseSegment(segments_[head_]);
  ++head_;
  offset_ = 0;
  if (head_ == segments_.size()) {
    segments_.clear();
    head_ = 0;
  } else if (head_ >= 64 && head_ * 2 >= segments_.size()) {
    // Drop drained entries in bulk: amortized O(1) per segment, bounded memory.
    segments_.erase(segments_.begin(), segments_.begin() + static_cast<ptrdiff_t>(head_));
    head_ = 0;
  }
}

void OutputBuffer::Consume(size_t n) {
  size_ -= n;
  while (n > 0) {
    Segment& s = segments_[head_];
    size_t left = s.len - offset_;
    if (n < left) {
      offset_ += n;
      return;
    }
    n -= left;
    // Keep the last owned block open for appends if it still has room, moved to the front so
    // drained segments do not accumulate in front of it.
    if (head_ + 1 == segments_.size() && s.capacity > s.len) {
      Segment kept = s;
      kept.len = 0;
      segments_.clear();
      segments_.push_back(kept);
      head_ = 0;
      offset_ = 0;
      return;
    }
    DropFront();
  }
}

void OutputBuffer::Clear() {
  while (head_ < segments_.size()) DropFront();
  size_ = 0;
}

void OutputBuffer::Truncate(size_t keep) {
  if (keep >= size_) return;
  size_t kept = 0, skip = offset_, i = head_;
  for (; i < segments_.size(); ++i, skip = 0) {
    size_t len = segments_[i].len - skip;
    if (kept + len >= keep) break;
    kept += len;
  }
  segments_[i].len = skip + (keep - kept);  // cut inside segment i
  for (size_t j = segments_.size(); j-- > i + 1;) ReleaseSegment(segments_[j]);
  segments_.resize(i + 1);
  size_ = keep;
}

size_t OutputBuffer::memory_bytes() const {
  size_t total = 0;
  for (size_t i = head_; i < segments_.size(); ++i) {
    total += segments_[i].capacity != 0 ? segments_[i].capacity : segments_[i].len;
  }
  return total;
}

std::string OutputBuffer::Drain() {
  std::string bytes;
  bytes.reserve(size_);
  constexpr int kMaxIov = 64;
  struct iovec iov[kMaxIov];
  while (!empty()) {
    int n = Gather(iov, kMaxIov);
    size_t taken = 0;
    for (int i = 0; i < n; ++i) {
      bytes.append(static_cast<const char*>(iov[i].iov_base), iov[i].iov_len);
      taken += iov[i].iov_len;
    }
    Consume(taken);
  }
  return bytes;
}

}  // namespace cairn::resp
