// src/base/key_slot.h — Redis Cluster's hash slot of a key: CRC16 (XMODEM: polynomial 0x1021,
// initial value 0) of the key, modulo 16384. When the key holds a non-empty `{...}` hash tag,
// only the tag is hashed, so keys sharing a tag share a slot. Values match Redis's
// CLUSTER KEYSLOT exactly: cluster clients compute the same numbers to route commands.
#pragma once

#include <cstdint>
#include <string_view>

namespace cairn {

inline constexpr int kClusterSlots = 16384;

uint16_t Crc16(std::string_view bytes);
int KeySlot(std::string_view key);

}  // namespace cairn
