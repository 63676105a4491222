// store/access_stamp.h — the 32-bit access stamp of an Entry (Entry::access), read two ways.
//
// The maxmemory policy decides what the stamp means, as Redis shares its 24-bit `lru` field:
//   LRU mode (every policy but the *-lfu ones): seconds on the store clock of the last access
//     (OBJECT IDLETIME; LRU eviction's idle time).
//   LFU mode: the upper 24 bits are minutes on the store clock (wrapping every ~32 years) of
//     the last decrement, the low 8 bits a logarithmic access counter (OBJECT FREQ): it grows
//     by one with probability 1 / ((counter - 5) * lfu-log-factor + 1), so 255 stands for about
//     a million accesses at the default factor 10, and it loses one per lfu-decay-time minutes
//     without access. New keys start at 5, so that they are not evicted before they had a
//     chance to be read.
// Switching mode at run time reinterprets old stamps: values settle as keys are accessed (the
// same caveat Redis gives). Keeping both meanings in one field keeps the Entry from growing.
//
// Pure functions; any thread.
#pragma once

#include <cstdint>

namespace cairn::store {

enum class AccessMode : uint8_t { kLru, kLfu };

inline constexpr uint8_t kLfuInitialCount = 5;
inline constexpr uint32_t kLfuMinutesMask = (1u << 24) - 1;

struct LfuParams {
  int log_factor = 10;  // lfu-log-factor
  int decay_time = 1;   // lfu-decay-time, minutes per step of decay; 0 = never decays
};

inline uint32_t LfuStamp(uint32_t now_minutes, uint8_t count) {
  return ((now_minutes & kLfuMinutesMask) << 8) | count;
}
inline uint8_t LfuCount(uint32_t stamp) { return static_cast<uint8_t>(stamp & 0xff); }

// Minutes since the stamp's minute, on the wrapping 24-bit clock.
inline uint32_t LfuElapsedMinutes(uint32_t stamp, uint32_t now_minutes) {
  uint32_t then = stamp >> 8;
  uint32_t now = now_minutes & kLfuMinutesMask;
  return now >= then ? now - then : kLfuMinutesMask + 1 - then + now;
}

// The counter with the decay since its stamp applied (what OBJECT FREQ shows; not stored).
inline uint8_t LfuDecayedCount(uint32_t stamp, uint32_t now_minutes, const LfuParams& p) {
  uint8_t count = LfuCount(stamp);
  if (p.decay_time <= 0) return count;
  uint32_t periods = LfuElapsedMinutes(stamp, now_minutes) / static_cast<uint32_t>(p.decay_time);
  return periods >= count ? 0 : static_cast<uint8_t>(count - periods);
}

// One access: the counter grows with probability 1 / ((count - 5) * log_factor + 1);
// random01 is uniform in [0, 1).
inline uint8_t LfuIncrement(uint8_t count, int log_factor, double random01) {
  if (count == 255) return count;
  double base = count > kLfuInitialCount ? count - kLfuInitialCount : 0;
  double p = 1.0 / (base * log_factor + 1);
  return random01 < p ? static_cast<uint8_t>(count + 1) : count;
}

// The stamp after an access at now_minutes: decay, then increment.
inline uint32_t LfuTouch(uint32_t stamp, uint32_t now_minutes, const LfuParams& p,
                         double random01) {
  uint8_t count = LfuDecayedCount(stamp, now_minutes, p);
  return LfuStamp(now_minutes, LfuIncrement(count, p.log_factor, random01));
}

}  // namespace cairn::store
