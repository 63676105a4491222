// src/exec/mailbox.cc — see mailbox.h.
#include "src/exec/mailbox.h"

#include <utility>

namespace cairn::server {

bool Mailbox::Post(std::string_view bytes, size_t limit, uint64_t lsn) {
  bool appended = true;
  bool wake;
  {
    std::lock_guard lock(mu_);
    if (limit > 0 && pending_.size() >= limit) {
      overflowed_.store(true, std::memory_order_relaxed);
      appended = false;
      wake = true;  // the owner must see the overflow even if it is not reading
    } else {
      wake = pending_.empty();  // later posts of a burst ride on the first wake-up
      pending_.append(bytes);
      if (lsn > lsn_) lsn_ = lsn;
      bytes_.store(pending_.size(), std::memory_order_relaxed);
    }
  }
  if (wake && notify) notify();
  return appended;
}

uint64_t Mailbox::TakeInto(std::string* out) {
  std::lock_guard lock(mu_);
  if (out->empty()) {
    out->swap(pending_);
  } else {
    out->append(pending_);
    pending_.clear();
  }
  bytes_.store(0, std::memory_order_relaxed);
  return std::exchange(lsn_, 0);
}

}  // namespace cairn::server
