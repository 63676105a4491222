// store/types/string/bitfield_ops.cc — see bitfield_ops.h.
#include "store/types/string/bitfield_ops.h"

#include <algorithm>
#include <cstring>

#include "store/buffer.h"
#include "store/effects.h"
#include "store/typed.h"

namespace cairn::store {
namespace {

// A field's bits never span more than 9 bytes (64 bits starting mid-byte).
constexpr size_t kMaxFieldBytes = 9;

uint64_t LowMask(uint32_t bits) { return bits >= 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1; }

// The bit at absolute position pos of bytes; 0 past the end.
unsigned BitAt(std::string_view bytes, uint64_t pos) {
  uint64_t byte = pos >> 3;
  if (byte >= bytes.size()) return 0;
  return (static_cast<uint8_t>(bytes[static_cast<size_t>(byte)]) >> (7 - (pos & 7))) & 1u;
}

// Sign-extends the low `bits` bits of raw (bits < 64) when the field is signed.
int64_t Extend(uint64_t raw, BitfieldType t) {
  if (t.is_signed && t.bits < 64 && ((raw >> (t.bits - 1)) & 1u) != 0) raw |= ~LowMask(t.bits);
  return static_cast<int64_t>(raw);
}

// v fitted to the field under overflow; nullopt for kFail when it does not fit. The range is
// [-2^(bits-1), 2^(bits-1) - 1] for signed fields and [0, 2^bits - 1] for unsigned ones.
std::optional<int64_t> Fit(__int128 v, BitfieldType t, BitfieldOverflow overflow) {
  __int128 max = t.is_signed ? (__int128{1} << (t.bits - 1)) - 1 : (__int128{1} << t.bits) - 1;
  __int128 min = t.is_signed ? -(__int128{1} << (t.bits - 1)) : 0;
  if (v >= min && v <= max) return static_cast<int64_t>(v);
  switch (overflow) {
    case BitfieldOverflow::kFail:
      return std::nullopt;
    case BitfieldOverflow::kSat:
      return static_cast<int64_t>(v > max ? max : min);
    case BitfieldOverflow::kWrap:
      break;
  }
  // Modulo 2^bits: the low bits of the two's complement value (well defined for unsigned).
  return Extend(static_cast<uint64_t>(v) & LowMask(t.bits), t);
}

// The string of e zero-extended to need bytes, creating the key (e null) if needed; returns
// whether it created or grew anything. Logs a one-byte patch at the new end: replay
// zero-fills up to it, as for SETBIT.
bool GrowTo(KeyHandle& h, Entry** e, uint64_t need) {
  static constexpr char kZero = '\0';
  std::string_view last(&kZero, 1);
  if (*e == nullptr) {
    Buffer* buf = Buffer::Allocate(static_cast<size_t>(need));
    std::memset(buf->MutableData(), 0, static_cast<size_t>(need));
    h.PutRange(BufRef(buf), need - 1, last);
    *e = h.Find();
    return true;
  }
  if ((*e)->value.str.size() >= need) return false;
  h.PatchRange(*e, need - 1, last);
  return true;
}

// The byte length a write op's field needs: up to and including its last bit.
uint64_t BytesNeeded(const BitfieldOp& op) { return (op.offset + op.type.bits - 1) / 8 + 1; }

// Writes next over the field of op in e's string, patching only the bytes it spans.
void PatchField(KeyHandle& h, Entry* e, const BitfieldOp& op, int64_t next) {
  uint64_t first = op.offset / 8;
  size_t n = static_cast<size_t>((op.offset + op.type.bits - 1) / 8 - first + 1);
  char patch[kMaxFieldBytes];
  std::memcpy(patch, e->value.str.view().data() + first, n);
  BitfieldWrite(std::span<char>(patch, n), op.offset - first * 8, op.type, next);
  h.PatchRange(e, first, std::string_view(patch, n));
}

}  // namespace

int64_t BitfieldRead(std::string_view bytes, uint64_t offset, BitfieldType t) {
  uint64_t raw = 0;
  for (uint32_t j = 0; j < t.bits; ++j) raw = (raw << 1) | BitAt(bytes, offset + j);
  return Extend(raw, t);
}

void BitfieldWrite(std::span<char> bytes, uint64_t offset, BitfieldType t, int64_t value) {
  uint64_t raw = static_cast<uint64_t>(value);
  for (uint32_t j = 0; j < t.bits; ++j) {
    uint64_t pos = offset + j;
    uint8_t mask = static_cast<uint8_t>(0x80u >> (pos & 7));
    auto& byte = reinterpret_cast<uint8_t&>(bytes[static_cast<size_t>(pos >> 3)]);
    bool on = ((raw >> (t.bits - 1 - j)) & 1u) != 0;
    byte = static_cast<uint8_t>(on ? (byte | mask) : (byte & ~mask));
  }
}

std::optional<int64_t> BitfieldSet(int64_t value, BitfieldType t, BitfieldOverflow overflow) {
  __int128 v = t.is_signed ? __int128{value} : __int128{static_cast<uint64_t>(value)};
  return Fit(v, t, overflow);
}

std::optional<int64_t> BitfieldIncr(int64_t old, int64_t incr, BitfieldType t,
                                    BitfieldOverflow overflow) {
  return Fit(__int128{old} + incr, t, overflow);
}

Result<BitfieldRunResult> BitfieldRun(KeyHandle& h, std::span<const BitfieldOp> ops) {
  Result<Entry*> found = FindEntryAs<BufRef>(h);
  if (!found.ok()) return found.TakeStatus();
  Entry* e = *found;
  BitfieldRunResult result;
  result.found = e != nullptr;
  uint64_t need = 0;
  for (const BitfieldOp& op : ops) {
    if (op.kind != BitfieldOpKind::kGet) need = std::max(need, BytesNeeded(op));
  }
  if (need > kMaxSetRangeEnd) return Code::kTooLarge;
  bool grew = need > 0 && GrowTo(h, &e, need);
  result.replies.reserve(ops.size());
  for (const BitfieldOp& op : ops) {
    std::string_view bytes = e != nullptr ? e->value.str.view() : std::string_view();
    int64_t old = BitfieldRead(bytes, op.offset, op.type);
    if (op.kind == BitfieldOpKind::kGet) {
      result.replies.emplace_back(old);
      continue;
    }
    std::optional<int64_t> next = op.kind == BitfieldOpKind::kSet
                                      ? BitfieldSet(op.value, op.type, op.overflow)
                                      : BitfieldIncr(old, op.value, op.type, op.overflow);
    if (!next) {
      result.replies.emplace_back(std::nullopt);
      continue;
    }
    result.replies.emplace_back(op.kind == BitfieldOpKind::kSet ? old : *next);
    result.changed |= grew || *next != old;
    if (*next != old) PatchField(h, e, op, *next);
  }
  return result;
}

}  // namespace cairn::store
