// store/types/string/bit_ops.h — the store side of the bitmap commands: SETBIT, GETBIT,
// BITCOUNT, BITPOS and BITOP. A bitmap is a string value (string_ops.h); bit 0 is the most
// significant bit of byte 0, as in Redis.
//
// SETBIT changes one byte of the string in place unless a reader holds the buffer
// (BufRef::PatchAt: copy-on-write), and logs only that byte as a range patch
// (KeyHandle::PatchRange); BITOP logs its result as a SET of the destination, or a delete.
// BITCOUNT and BITPOS are pure functions of the bytes: the caller takes a reference to the
// value under the shard lock (StringGet) and counts after releasing it.
//
// Errors: kWrongType when a key holds another type (nothing changes); kTooLarge when SETBIT's
// byte would lie past the caller's size limit or kMaxSetRangeEnd (what replay accepts).
//
// Threading: the KeyHandle functions run inside Store::Access/AccessMany with the keys'
// shards locked; the pure functions on any thread.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "store/base/status.h"
#include "store/store.h"

namespace cairn::store {

struct BitSetResult {
  int old = 0;           // the bit's value before
  bool changed = false;  // the key was created, grown or the bit flipped (else nothing logged)
};

// SETBIT: sets bit offset to on (creating the key, zero-extending the string). The TTL stays.
// Setting a bit to the value it has within the string changes and logs nothing, as Redis 7.0
// (no event either).
Result<BitSetResult> BitSet(KeyHandle& h, uint64_t offset, bool on, uint64_t max_len);

// GETBIT: the bit at offset; 0 past the end or for a missing key.
Result<int> BitGet(KeyHandle& h, uint64_t offset);

// The optional [start end [BYTE|BIT]] of BITCOUNT and BITPOS, with Redis 7.0's index rules:
// negative indexes count from the end, both are clamped into the string.
struct BitRange {
  bool given = false;      // start was given; without it the range is the whole string
  int64_t start = 0;
  bool end_given = false;  // BITPOS only: end was given (BITCOUNT always gives both)
  int64_t end = -1;
  bool bits = false;       // BIT: start and end count bits, not bytes
};

// BITCOUNT's own rule, which Redis applies before the unit is even read: a range whose
// start and end are both negative with start > end counts nothing. (BITPOS has no such
// rule: there both ends clamp to the string's start.)
inline bool BitCountRangeEmpty(const BitRange& r) {
  return r.given && r.start < 0 && r.end < 0 && r.start > r.end;
}

// BITCOUNT: the number of set bits of bytes within range.
uint64_t BitCount(std::string_view bytes, const BitRange& range);

// BITPOS: the first bit equal to bit (0 or 1) within range, or -1. Looking for a 0 bit
// without an explicit end, a string of ones answers the first bit past its end (the string
// is seen as padded with zeros), as in Redis; with an explicit end it answers -1.
int64_t BitPos(std::string_view bytes, int bit, const BitRange& range);

enum class BitOpKind : uint8_t { kAnd, kOr, kXor, kNot };

struct BitOpResult {
  size_t length = 0;     // of the result: the longest source (missing keys are empty)
  bool deleted = false;  // the result was empty and an existing destination was deleted
};

// BITOP: combines the sources (a missing key is an empty string, shorter strings are padded
// with zero bytes; kNot takes exactly one) and sets dest to the result with no TTL, or deletes
// dest when the result is empty. dest may also be a source.
Result<BitOpResult> BitOp(KeyHandle& dest, std::span<KeyHandle> sources, BitOpKind op);

}  // namespace cairn::store
