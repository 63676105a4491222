// store/types/string/bitfield_ops.h — the store side of BITFIELD and BITFIELD_RO: integers of 1
// to 64 bits read from and written to any bit offset of a string (a bitmap, bit_ops.h).
//
// A field is big-endian within the bitmap's bit order: its most significant bit is the bit at
// `offset` (bit 0 of the string is the most significant bit of byte 0, as SETBIT). Signed
// fields (i1..i64) are two's complement; unsigned ones are u1..u63, as in Redis (a u64 could
// not be replied as a RESP integer).
//
// The pure functions (BitfieldRead, BitfieldWrite, BitfieldSet, BitfieldIncr) know nothing of
// keys: they read and patch bytes and decide overflow. BitfieldRun runs a whole command's ops
// against a key in order, as Redis does:
//   - with only GET ops the key is read (missing = all zeros) and nothing changes;
//   - with any SET or INCRBY the string is first created or zero-extended to hold the farthest
//     bit any write op names, even when every write then fails (OVERFLOW FAIL), so the key
//     exists afterwards; then each op runs against the current bytes.
// Each write that changes bytes patches them in place (KeyHandle::PatchRange: copy-on-write
// when a reader holds the buffer) and logs only those few bytes as a range patch; creating the
// key logs it as a SET of its zero bytes, growing it a one-byte patch at the new end (replay
// zero-fills the rest).
//
// Errors: kWrongType when the key holds another type (nothing changes); kTooLarge when the
// string would have to grow past kMaxSetRangeEnd (what replay accepts). The caller bounds
// offsets by proto-max-bulk-len as Redis does: a field starting below it may end past it.
//
// Threading: BitfieldRun inside Store::Access with the key's shard locked; the pure functions
// on any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "store/base/status.h"
#include "store/store.h"

namespace cairn::store {

// A field's type: i<bits> (is_signed, 1 <= bits <= 64) or u<bits> (1 <= bits <= 63).
struct BitfieldType {
  bool is_signed = false;
  uint32_t bits = 0;
};

// What a write does when the result does not fit the field (OVERFLOW WRAP | SAT | FAIL).
enum class BitfieldOverflow : uint8_t {
  kWrap,  // keep the low bits (two's complement wrap for signed fields)
  kSat,   // clamp to the field's minimum or maximum
  kFail,  // write nothing; the op replies null
};

// The field of type t at bit offset of bytes, sign-extended for signed fields. Bits past the
// end of bytes read as 0. Unsigned values are at most 2^63 - 1, so they fit an int64_t.
int64_t BitfieldRead(std::string_view bytes, uint64_t offset, BitfieldType t);

// Writes the low t.bits bits of value at bit offset into bytes, which must hold them
// (offset + t.bits <= 8 * bytes.size()). Other bits are unchanged.
void BitfieldWrite(std::span<char> bytes, uint64_t offset, BitfieldType t, int64_t value);

// The outcome of a SET or INCRBY on a field holding old: the value to store, or nullopt when
// it overflowed under kFail (nothing is written).
//   SET value: value as the field sees it — for an unsigned field a negative value is the
//              huge unsigned number of its bits (so SAT stores the maximum, WRAP the low bits).
//   INCRBY incr: old + incr, computed without overflow, then fitted.
std::optional<int64_t> BitfieldSet(int64_t value, BitfieldType t, BitfieldOverflow overflow);
std::optional<int64_t> BitfieldIncr(int64_t old, int64_t incr, BitfieldType t,
                                    BitfieldOverflow overflow);

enum class BitfieldOpKind : uint8_t { kGet, kSet, kIncrBy };

// One parsed GET, SET or INCRBY, with the OVERFLOW mode in force where it stood.
struct BitfieldOp {
  BitfieldOpKind kind = BitfieldOpKind::kGet;
  BitfieldType type;
  uint64_t offset = 0;  // in bits
  int64_t value = 0;    // SET's value or INCRBY's increment
  BitfieldOverflow overflow = BitfieldOverflow::kWrap;
};

// What BitfieldRun did.
struct BitfieldRunResult {
  // Per op, in order: GET the field; SET the old value; INCRBY the new value; nullopt for a
  // write that failed under OVERFLOW FAIL.
  std::vector<std::optional<int64_t>> replies;
  // A write that did not fail changed bytes, or ran on a key this call created or grew
  // (Redis's condition for the "setbit" event).
  bool changed = false;
  bool found = false;  // the key existed before (a read hit)
};

// Runs ops against h's string in order (see the top of this file).
Result<BitfieldRunResult> BitfieldRun(KeyHandle& h, std::span<const BitfieldOp> ops);

}  // namespace cairn::store
