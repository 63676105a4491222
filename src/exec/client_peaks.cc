// src/exec/client_peaks.cc — see client_peaks.h.
#include "src/exec/client_peaks.h"

#include <algorithm>

namespace cairn::server {

void ClientPeaks::Advance(int64_t now_s) {
  int64_t last = last_s_.load(std::memory_order_relaxed);
  do {
    if (last >= now_s) return;  // another cron made this second (or a later one) current
  } while (!last_s_.compare_exchange_weak(last, now_s, std::memory_order_relaxed));
  // The slots of the seconds from last + 2 to now_s + 1 (the next one) are emptied: normally
  // just the next, more when a cron came late, so that no size outlives kSlots seconds.
  int64_t first = std::max(last + 2, now_s + 2 - static_cast<int64_t>(kSlots));
  for (int64_t s = first; s <= now_s + 1; ++s) {
    Slot& slot = slots_[static_cast<size_t>(s) % kSlots];
    slot.input.store(0, std::memory_order_relaxed);
    slot.output.store(0, std::memory_order_relaxed);
  }
  current_.store(static_cast<size_t>(now_s) % kSlots, std::memory_order_relaxed);
}

size_t ClientPeaks::MaxInput() const {
  size_t max = 0;
  for (const Slot& s : slots_) max = std::max(max, s.input.load(std::memory_order_relaxed));
  return max;
}

size_t ClientPeaks::MaxOutput() const {
  size_t max = 0;
  for (const Slot& s : slots_) max = std::max(max, s.output.load(std::memory_order_relaxed));
  return max;
}

}  // namespace cairn::server
