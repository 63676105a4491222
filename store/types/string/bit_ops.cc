// store/types/string/bit_ops.cc — see bit_ops.h.
#include "store/types/string/bit_ops.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <utility>
#include <vector>

#include "store/effects.h"
#include "store/typed.h"
#include "store/types/string/string_ops.h"

namespace cairn::store {
namespace {

uint8_t ByteAt(std::string_view bytes, size_t i) { return static_cast<uint8_t>(bytes[i]); }

// The mask of the bits of a byte from bit `from` to bit `to` (0 = most significant).
uint8_t BitsMask(unsigned from, unsigned to) {
  return static_cast<uint8_t>((0xFFu >> from) & (0xFFu << (7 - to)));
}

// The range as bit indexes [*first, *last] within bytes; false when it is empty. Negative
// indexes count from the end, and what still lies before the string clamps to its start.
bool BitBounds(std::string_view bytes, const BitRange& r, uint64_t* first, uint64_t* last) {
  int64_t total = static_cast<int64_t>(bytes.size()) * (r.bits ? 8 : 1);
  int64_t start = r.given ? r.start : 0;
  int64_t end = r.given && r.end_given ? r.end : total - 1;
  if (start < 0) start += total;
  if (end < 0) end += total;
  start = std::max<int64_t>(start, 0);
  end = std::max<int64_t>(end, 0);
  end = std::min(end, total - 1);
  if (start > end) return false;
  *first = static_cast<uint64_t>(start) * (r.bits ? 1 : 8);
  *last = r.bits ? static_cast<uint64_t>(end) : static_cast<uint64_t>(end) * 8 + 7;
  return true;
}

// Set bits of whole bytes [from, to), eight at a time.
[[gnu::always_inline]] inline uint64_t CountWords(const char* p, size_t n) {
  uint64_t count = 0;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t word;
    std::memcpy(&word, p + i, 8);
    count += static_cast<uint64_t>(std::popcount(word));
  }
  for (; i < n; ++i) count += static_cast<uint64_t>(std::popcount(static_cast<uint8_t>(p[i])));
  return count;
}

#if defined(__x86_64__)
// The same loop built for the POPCNT instruction: x86-64's baseline lacks it, and
// std::popcount without it is a dozen instructions a word. Chosen at the first call, not by
// the loader (an ifunc resolver runs before ThreadSanitizer's runtime is up).
[[gnu::target("popcnt")]] uint64_t CountWordsPopcnt(const char* p, size_t n) {
  return CountWords(p, n);
}

uint64_t CountBytes(const char* p, size_t n) {
  static const bool has_popcnt = __builtin_cpu_supports("popcnt");
  return has_popcnt ? CountWordsPopcnt(p, n) : CountWords(p, n);
}
#else
uint64_t CountBytes(const char* p, size_t n) { return CountWords(p, n); }
#endif

// The bits of byte i equal to bit, masked to the range's part of that byte.
uint8_t Matching(std::string_view bytes, size_t i, int bit, uint64_t first, uint64_t last) {
  uint8_t v = ByteAt(bytes, i);
  if (bit == 0) v = static_cast<uint8_t>(~v);
  unsigned from = i == first / 8 ? static_cast<unsigned>(first % 8) : 0;
  unsigned to = i == last / 8 ? static_cast<unsigned>(last % 8) : 7;
  return v & BitsMask(from, to);
}

}  // namespace

Result<BitSetResult> BitSet(KeyHandle& h, uint64_t offset, bool on, uint64_t max_len) {
  Result<Entry*> found = FindEntryAs<BufRef>(h);
  if (!found.ok()) return found.TakeStatus();
  uint64_t byte = offset / 8;
  if (byte >= std::min(max_len, kMaxSetRangeEnd)) return Code::kTooLarge;
  Entry* e = *found;
  std::string_view old = e != nullptr ? e->value.str.view() : std::string_view();
  uint8_t value = byte < old.size() ? ByteAt(old, static_cast<size_t>(byte)) : 0;
  uint8_t mask = static_cast<uint8_t>(0x80u >> (offset % 8));
  int was = (value & mask) != 0 ? 1 : 0;
  if (byte < old.size() && was == (on ? 1 : 0)) {
    // Nothing to log, but Redis makes the value a raw string before it looks at the bit
    // (OBJECT ENCODING); the form is not data, so no log record.
    e->value.form = StringForm::kGrown;
    return BitSetResult{was, false};
  }
  value = on ? (value | mask) : (value & ~mask);
  char patch = static_cast<char>(value);
  std::string_view one(&patch, 1);
  if (e != nullptr) {
    h.PatchRange(e, byte, one);  // in place unless a reader holds the bytes; logs one byte
    return BitSetResult{was, true};
  }
  Buffer* buf = Buffer::Allocate(static_cast<size_t>(byte) + 1);
  std::memset(buf->MutableData(), 0, static_cast<size_t>(byte));
  buf->MutableData()[byte] = patch;
  h.PutRange(BufRef(buf), byte, one);  // logs one byte; replay zero-fills the rest
  return BitSetResult{was, true};
}

Result<int> BitGet(KeyHandle& h, uint64_t offset) {
  Result<const BufRef*> found = FindAs<BufRef>(h);
  if (!found.ok()) return found.TakeStatus();
  if (*found == nullptr) return 0;
  std::string_view bytes = (*found)->view();
  uint64_t byte = offset / 8;
  if (byte >= bytes.size()) return 0;
  return (ByteAt(bytes, static_cast<size_t>(byte)) & (0x80u >> (offset % 8))) != 0 ? 1 : 0;
}

uint64_t BitCount(std::string_view bytes, const BitRange& range) {
  if (BitCountRangeEmpty(range)) return 0;
  uint64_t first = 0, last = 0;
  if (!BitBounds(bytes, range, &first, &last)) return 0;
  size_t lo = static_cast<size_t>(first / 8), hi = static_cast<size_t>(last / 8);
  uint64_t count = CountBytes(bytes.data() + lo, hi - lo + 1);
  // Take back the bits of the edge bytes that lie outside the range.
  count -= static_cast<uint64_t>(
      std::popcount(static_cast<uint8_t>(ByteAt(bytes, lo) & ~BitsMask(first % 8, 7))));
  count -= static_cast<uint64_t>(
      std::popcount(static_cast<uint8_t>(ByteAt(bytes, hi) & ~BitsMask(0, last % 8))));
  return count;
}

int64_t BitPos(std::string_view bytes, int bit, const BitRange& range) {
  uint64_t first = 0, last = 0;
  if (!BitBounds(bytes, range, &first, &last)) return -1;
  size_t lo = static_cast<size_t>(first / 8), hi = static_cast<size_t>(last / 8);
  const char skip = bit == 1 ? '\0' : '\xff';  // a byte holding no wanted bit
  // The bytes strictly between lo and hi are whole: runs of skip bytes go 8 at a time.
  const uint64_t skip_word = bit == 1 ? 0 : ~uint64_t{0};
  for (size_t i = lo; i <= hi; ++i) {
    if (i != lo && i != hi) {
      uint64_t word;
      while (i + 8 <= hi && (std::memcpy(&word, bytes.data() + i, 8), word == skip_word)) i += 8;
      if (i != hi && bytes[i] == skip) continue;
    }
    uint8_t m = Matching(bytes, i, bit, first, last);
    if (m != 0) return static_cast<int64_t>(i * 8) + std::countl_zero(m);
  }
  if (bit == 1 || (range.given && range.end_given)) return -1;
  return static_cast<int64_t>(last + 1);
}

Result<BitOpResult> BitOp(KeyHandle& dest, std::span<KeyHandle> sources, BitOpKind op) {
  std::vector<const BufRef*> values;
  Status found = FindEachAs<BufRef>(sources, &values);
  if (!found.ok()) return found;
  size_t length = 0;
  for (const BufRef* v : values) length = std::max(length, v != nullptr ? v->size() : 0);
  BitOpResult r{length, false};
  if (length == 0) {
    r.deleted = dest.Delete();
    return r;
  }
  Buffer* buf = Buffer::Allocate(length);
  char* out = buf->MutableData();
  std::string_view first = values[0] != nullptr ? values[0]->view() : std::string_view();
  std::memset(out, 0, length);
  if (!first.empty()) std::memcpy(out, first.data(), first.size());  // a missing key has no data
  if (op == BitOpKind::kNot) {
    for (size_t i = 0; i < length; ++i) out[i] = static_cast<char>(~out[i]);
  }
  for (size_t k = 1; k < values.size(); ++k) {
    std::string_view v = values[k] != nullptr ? values[k]->view() : std::string_view();
    if (op == BitOpKind::kAnd) {
      for (size_t i = 0; i < v.size(); ++i) out[i] &= v[i];
      std::memset(out + v.size(), 0, length - v.size());
    } else if (op == BitOpKind::kOr) {
      for (size_t i = 0; i < v.size(); ++i) out[i] |= v[i];
    } else if (op == BitOpKind::kXor) {
      for (size_t i = 0; i < v.size(); ++i) out[i] ^= v[i];
    }
  }
  dest.Put(StringValue(BufRef(buf), StringForm::kGrown), 0);  // Redis builds the result raw
  return r;
}

}  // namespace cairn::store
