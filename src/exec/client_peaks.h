// src/exec/client_peaks.h — the largest client buffers of the last seconds: INFO clients'
// client_recent_max_input_buffer and client_recent_max_output_buffer.
//
// As Redis keeps them: one slot per second of the last kSlots, each holding the largest
// input and output size noted while it was current; the fields report the largest over all
// slots. Each I/O thread's once-a-second cron moves the current slot, empties the one it will
// move to next, and notes what each of its clients holds at that moment, as Redis's
// clientsCron samples its clients: a client seen holding 1 MB of a partly sent command (or
// of unread replies) shows for the next 7 to 8 seconds, one whose command came and went
// between two crons does not.
//
// Threading: any thread; relaxed atomics (the figures are a gauge, not a guard). Several
// crons advancing in the same second agree on the slot.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace cairn::server {

class ClientPeaks {
 public:
  static constexpr size_t kSlots = 8;

  // One client's input (query buffer) and output (omem) bytes.
  void Note(size_t input, size_t output) {
    Slot& slot = slots_[current()];
    Raise(slot.input, input);
    Raise(slot.output, output);
  }
  // Makes now_s's slot current (now_s: seconds on a monotonic clock, > 0) and empties the
  // next second's.
  void Advance(int64_t now_s);
  size_t MaxInput() const;
  size_t MaxOutput() const;

 private:
  struct Slot {
    std::atomic<size_t> input{0};
    std::atomic<size_t> output{0};
  };

  size_t current() const { return current_.load(std::memory_order_relaxed); }
  static void Raise(std::atomic<size_t>& peak, size_t bytes) {
    size_t seen = peak.load(std::memory_order_relaxed);
    while (bytes > seen && !peak.compare_exchange_weak(seen, bytes, std::memory_order_relaxed)) {
    }
  }

  std::array<Slot, kSlots> slots_;
  std::atomic<size_t> current_{0};
  std::atomic<int64_t> last_s_{0};  // the second Advance last made current
};

}  // namespace cairn::server
