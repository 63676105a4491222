// src/exec/repl_backlog.cc — see repl_backlog.h.
#include "src/exec/repl_backlog.h"

#include <algorithm>

namespace cairn::server {

ReplBacklog::ReplBacklog(uint64_t size_bytes, uint64_t offset)
    : buf_(std::max<uint64_t>(size_bytes, 1), '\0'), offset_(offset) {}

void ReplBacklog::Append(std::string_view bytes) {
  offset_ += bytes.size();
  if (bytes.size() >= buf_.size()) {  // only the tail fits
    bytes = bytes.substr(bytes.size() - buf_.size());
    bytes.copy(buf_.data(), bytes.size());
    head_ = 0;
    histlen_ = buf_.size();
    return;
  }
  size_t first = std::min(bytes.size(), buf_.size() - head_);
  bytes.copy(buf_.data() + head_, first);
  bytes.substr(first).copy(buf_.data(), bytes.size() - first);
  head_ = (head_ + bytes.size()) % buf_.size();
  histlen_ = std::min<uint64_t>(histlen_ + bytes.size(), buf_.size());
}

void ReplBacklog::CopyFrom(uint64_t from, std::string* out) const {
  uint64_t n = offset_ - from;
  size_t start = (head_ + buf_.size() - n) % buf_.size();
  size_t first = std::min<uint64_t>(n, buf_.size() - start);
  out->append(buf_, start, first);
  out->append(buf_, 0, n - first);
}

void ReplBacklog::Resize(uint64_t size_bytes) {
  size_bytes = std::max<uint64_t>(size_bytes, 1);
  if (size_bytes == buf_.size()) return;
  std::string keep;
  uint64_t n = std::min(histlen_, size_bytes);
  CopyFrom(offset_ - n, &keep);
  buf_.assign(size_bytes, '\0');
  keep.copy(buf_.data(), keep.size());
  head_ = keep.size() % buf_.size();
  histlen_ = keep.size();
}

}  // namespace cairn::server
