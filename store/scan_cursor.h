// store/scan_cursor.h — the reverse-binary cursor step shared by every incremental scan
// of a power-of-two table (the keyspace SCAN, HSCAN, SSCAN, ZSCAN).
//
// Visiting buckets in reverse-binary order keeps SCAN's guarantee when a table doubles or
// halves between two calls: each bucket of one size maps onto buckets of the other size that
// the order has not passed yet, so an element present for the whole scan is returned.
#pragma once

#include <cstdint>

namespace cairn::store::detail {

// Bit i of v moved to bit 63 - i.
inline uint64_t ReverseBits(uint64_t v) {
  v = ((v >> 1) & 0x5555555555555555ull) | ((v & 0x5555555555555555ull) << 1);
  v = ((v >> 2) & 0x3333333333333333ull) | ((v & 0x3333333333333333ull) << 2);
  v = ((v >> 4) & 0x0F0F0F0F0F0F0F0Full) | ((v & 0x0F0F0F0F0F0F0F0Full) << 4);
  return __builtin_bswap64(v);
}

// The bucket after cursor v in reverse-binary order for a table of mask + 1 buckets; 0 when
// the scan is complete. Setting the bits above mask first makes the carry leave through them.
inline uint64_t NextScanCursor(uint64_t v, uint64_t mask) {
  return ReverseBits(ReverseBits(v | ~mask) + 1);
}

}  // namespace cairn::store::detail
