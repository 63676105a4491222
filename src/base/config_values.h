// src/base/config_values.h — options whose values have a grammar of their own: the
// client-output-buffer-limit classes and the notify-keyspace-events flags. Parsing and
// printing follow Redis 7.0 (CONFIG GET prints what CONFIG SET accepts, canonically).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "store/base/status.h"

namespace cairn::server {

struct Config;

// "<class> <hard> <soft> <soft-seconds> [<class> ...]", class normal, replica (or slave) or
// pubsub, sizes with memory units. Sets only the classes named.
[[nodiscard]] Status ParseOutputBufferLimits(const std::vector<std::string>& words, Config* c);
// "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60", as Redis prints it.
std::string FormatOutputBufferLimits(const Config& c);

// Keyspace notification classes (notify-keyspace-events), Redis's bits.
enum NotifyFlag : uint32_t {
  kNotifyKeyspace = 1u << 0,   // K: __keyspace@<db>__:<key> channels
  kNotifyKeyevent = 1u << 1,   // E: __keyevent@<db>__:<event> channels
  kNotifyGeneric = 1u << 2,    // g: DEL, EXPIRE, RENAME...
  kNotifyString = 1u << 3,     // $
  kNotifyList = 1u << 4,       // l
  kNotifySet = 1u << 5,        // s
  kNotifyHash = 1u << 6,       // h
  kNotifyZSet = 1u << 7,       // z
  kNotifyExpired = 1u << 8,    // x
  kNotifyEvicted = 1u << 9,    // e
  kNotifyStream = 1u << 10,    // t
  kNotifyKeyMiss = 1u << 11,   // m (not part of A)
  kNotifyLoaded = 1u << 12,    // module key loaded (no character)
  kNotifyModule = 1u << 13,    // d
  kNotifyNew = 1u << 14,       // n (not part of A)
  // A: every class but key-miss and new-key.
  kNotifyAll = kNotifyGeneric | kNotifyString | kNotifyList | kNotifySet | kNotifyHash |
               kNotifyZSet | kNotifyExpired | kNotifyEvicted | kNotifyStream | kNotifyModule,
};

// "KEA" -> bits; false on a character Redis does not know.
[[nodiscard]] bool ParseNotifyFlags(std::string_view text, uint32_t* flags);
// Bits -> Redis's canonical string ("AKE").
std::string FormatNotifyFlags(uint32_t flags);

}  // namespace cairn::server
