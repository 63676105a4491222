// store/types/string/hyperloglog.cc — see hyperloglog.h.
#include "store/types/string/hyperloglog.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

#include "store/types/string/murmur_hash.h"

namespace cairn::store::hll {
namespace {

constexpr size_t kEncodingAt = 4;
constexpr int kIndexBits = 14;
constexpr int kRankBits = 64 - kIndexBits;  // 50: a rank is 1..kRankBits + 1
constexpr uint8_t kRegisterMax = 63;
constexpr uint8_t kSparseValueMax = 32;
constexpr uint32_t kSparseValMaxRun = 4;
constexpr uint32_t kSparseZeroMaxRun = 64;
// After a change, this many ops from the one before the change are looked at for adjacent
// VALs of equal value to fold together (what Redis does, so the bytes come out the same).
constexpr int kMergeScanOps = 5;

uint8_t ByteAt(std::string_view s, size_t i) { return static_cast<uint8_t>(s[i]); }

// ---- sparse ops

enum class OpKind : uint8_t { kZero, kXZero, kVal };

struct SparseOp {
  OpKind kind = OpKind::kZero;
  uint32_t run = 0;   // registers covered
  uint8_t value = 0;  // kVal only
  size_t size = 1;    // bytes
};

bool IsZeroByte(uint8_t b) { return (b & 0xc0) == 0; }
bool IsXZeroByte(uint8_t b) { return (b & 0xc0) == 0x40; }
bool IsValByte(uint8_t b) { return (b & 0x80) != 0; }

uint8_t ValByte(uint8_t value, uint32_t run) {
  return static_cast<uint8_t>(0x80 | ((value - 1) << 2) | (run - 1));
}

// The op at pos (< body.size()). An XZERO cut short by the end of the string reads its second
// byte as 0, as Redis does (its strings end in a NUL), so the same inputs count as valid.
SparseOp ReadOp(std::string_view s, size_t pos) {
  uint8_t b = ByteAt(s, pos);
  if (IsZeroByte(b)) return {OpKind::kZero, static_cast<uint32_t>(b & 0x3f) + 1, 0, 1};
  if (IsValByte(b)) {
    return {OpKind::kVal, static_cast<uint32_t>(b & 0x3) + 1,
            static_cast<uint8_t>(((b >> 2) & 0x1f) + 1), 1};
  }
  uint32_t low = pos + 1 < s.size() ? ByteAt(s, pos + 1) : 0;
  return {OpKind::kXZero, ((static_cast<uint32_t>(b & 0x3f) << 8) | low) + 1, 0, 2};
}

// Writes the op for a run of zeros (1..16384 registers): a ZERO when it fits, else an XZERO.
// Returns the bytes written.
size_t WriteZeros(uint32_t run, uint8_t* out) {
  if (run <= kSparseZeroMaxRun) {
    out[0] = static_cast<uint8_t>(run - 1);
    return 1;
  }
  out[0] = static_cast<uint8_t>(0x40 | ((run - 1) >> 8));
  out[1] = static_cast<uint8_t>((run - 1) & 0xff);
  return 2;
}

// Calls fn(first, run, value) for every VAL op of a sparse HLL; kCorruption unless the ops
// cover exactly kRegisters registers (fn never sees a run past the end).
template <class Fn>
Status ForEachSparseVal(std::string_view hll, Fn&& fn) {
  size_t covered = 0;
  for (size_t pos = kHeaderSize; pos < hll.size();) {
    SparseOp op = ReadOp(hll, pos);
    if (covered + op.run > kRegisters) return Status(Code::kCorruption);
    if (op.kind == OpKind::kVal) fn(covered, op.run, op.value);
    covered += op.run;
    pos += op.size;
  }
  return covered == kRegisters ? Status::Ok() : Status(Code::kCorruption);
}

// ---- dense registers

using Histogram = std::array<int, 64>;

// Calls fn(i, value) for every register of dense register bytes, in order. Four 6-bit
// registers fill three bytes exactly (register 4g + k is bits 6k..6k+5 of bytes 3g..3g+2
// read as a little-endian 24-bit word), so they are read a word at a time, not one by one.
template <typename Fn>
void ForEachDense(std::string_view registers, Fn&& fn) {
  const auto* p = reinterpret_cast<const uint8_t*>(registers.data());
  for (size_t i = 0; i < kRegisters; i += 4, p += 3) {
    uint32_t word = p[0] | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16;
    fn(i, static_cast<uint8_t>(word & kRegisterMax));
    fn(i + 1, static_cast<uint8_t>(word >> 6 & kRegisterMax));
    fn(i + 2, static_cast<uint8_t>(word >> 12 & kRegisterMax));
    fn(i + 3, static_cast<uint8_t>(word >> 18 & kRegisterMax));
  }
}

void DenseHistogram(std::string_view registers, Histogram* h) {
  ForEachDense(registers, [h](size_t, uint8_t v) { ++(*h)[v]; });
}

// ---- the estimator (Ertl, "New cardinality estimation algorithms for HyperLogLog
// sketches", arXiv:1702.01284), with the same floating-point steps as Redis 7.0 so the
// counts are the same to the unit.

double Sigma(double x) {
  if (x == 1.0) return INFINITY;
  double y = 1.0;
  double z = x;
  double previous;
  do {
    x *= x;
    previous = z;
    z += x * y;
    y += y;
  } while (previous != z);
  return z;
}

double Tau(double x) {
  if (x == 0.0 || x == 1.0) return 0.0;
  double y = 1.0;
  double z = 1.0 - x;
  double previous;
  do {
    x = std::sqrt(x);
    previous = z;
    y *= 0.5;
    z -= (1.0 - x) * (1.0 - x) * y;
  } while (previous != z);
  return z / 3.0;
}

uint64_t Estimate(const Histogram& h) {
  constexpr double kAlphaInfinity = 0.721347520444481703680;  // 1 / (2 ln 2)
  const double m = kRegisters;
  double z = m * Tau((m - h[kRankBits + 1]) / m);
  for (int rank = kRankBits; rank >= 1; --rank) {
    z += h[rank];
    z *= 0.5;
  }
  z += m * Sigma(h[0] / m);
  return static_cast<uint64_t>(std::llround(kAlphaInfinity * m * m / z));
}

// ---- changing a sparse HLL

// Where the op covering a register lies.
struct OpAt {
  size_t pos = 0;
  size_t previous = 0;  // the op before it, or kHeaderSize when it is the first
  uint32_t first = 0;   // the first register it covers
  SparseOp op;
};

// Finds the op covering register index; false when the ops end before it.
bool FindOp(std::string_view hll, uint32_t index, OpAt* at) {
  uint32_t first = 0;
  size_t previous = kHeaderSize;
  for (size_t pos = kHeaderSize; pos < hll.size();) {
    SparseOp op = ReadOp(hll, pos);
    if (index < first + op.run) {
      *at = {pos, previous, first, op};
      return pos + op.size <= hll.size();
    }
    previous = pos;
    pos += op.size;
    first += op.run;
  }
  return false;
}

// Writes a run of registers of op's kind (its value for a VAL); returns the bytes written.
size_t WriteRunLike(const SparseOp& op, uint32_t run, uint8_t* out) {
  if (op.kind != OpKind::kVal) return WriteZeros(run, out);
  out[0] = ValByte(op.value, run);
  return 1;
}

// The ops that replace at.op when register index takes rank (at most 5 bytes): the part of
// the run before index, one VAL for index, the part after it.
size_t SplitOp(const OpAt& at, uint32_t index, uint8_t rank, uint8_t* out) {
  uint32_t before = index - at.first;
  uint32_t after = at.first + at.op.run - 1 - index;
  size_t n = 0;
  if (before > 0) n += WriteRunLike(at.op, before, out + n);
  out[n++] = ValByte(rank, 1);
  if (after > 0) n += WriteRunLike(at.op, after, out + n);
  return n;
}

// Folds adjacent VALs of equal value whose runs fit one VAL, looking at kMergeScanOps ops
// from `from`.
void FoldAdjacentVals(std::string* hll, size_t from) {
  size_t pos = from;
  for (int budget = kMergeScanOps; pos < hll->size() && budget > 0; --budget) {
    uint8_t b = ByteAt(*hll, pos);
    if (!IsValByte(b)) {
      pos += IsXZeroByte(b) ? 2 : 1;
      continue;
    }
    if (pos + 1 < hll->size() && IsValByte(ByteAt(*hll, pos + 1))) {
      SparseOp a = ReadOp(*hll, pos), c = ReadOp(*hll, pos + 1);
      if (a.value == c.value && a.run + c.run <= kSparseValMaxRun) {
        (*hll)[pos + 1] = static_cast<char>(ValByte(a.value, a.run + c.run));
        hll->erase(pos, 1);
        continue;  // the folded op may fold again with the next one
      }
    }
    ++pos;
  }
}

Result<bool> Promote(std::string* hll, uint32_t index, uint8_t rank) {
  Status dense = ToDense(hll);
  if (!dense.ok()) return dense;
  DenseSet(hll->data() + kHeaderSize, index, rank);
  InvalidateCache(hll);
  return true;
}

Result<bool> SparseSet(std::string* hll, uint32_t index, uint8_t rank, size_t max_bytes) {
  if (rank > kSparseValueMax) return Promote(hll, index, rank);
  OpAt at;
  if (!FindOp(*hll, index, &at)) return Code::kCorruption;
  if (at.op.kind == OpKind::kVal && at.op.value >= rank) return false;
  if (at.op.kind != OpKind::kXZero && at.op.run == 1) {
    (*hll)[at.pos] = static_cast<char>(ValByte(rank, 1));
  } else {
    uint8_t seq[5];
    size_t n = SplitOp(at, index, rank, seq);
    if (n > at.op.size && hll->size() + (n - at.op.size) > max_bytes) {
      return Promote(hll, index, rank);
    }
    hll->replace(at.pos, at.op.size, reinterpret_cast<const char*>(seq), n);
  }
  FoldAdjacentVals(hll, at.previous);
  InvalidateCache(hll);
  return true;
}

}  // namespace

bool IsHll(std::string_view bytes) {
  if (bytes.size() < kHeaderSize || bytes.substr(0, 4) != "HYLL") return false;
  uint8_t encoding = ByteAt(bytes, kEncodingAt);
  if (encoding > static_cast<uint8_t>(Encoding::kSparse)) return false;
  return encoding != static_cast<uint8_t>(Encoding::kDense) || bytes.size() == kDenseSize;
}

Encoding EncodingOf(std::string_view hll) {
  return static_cast<Encoding>(ByteAt(hll, kEncodingAt));
}

std::string NewSparse() {
  std::string hll(kHeaderSize, '\0');
  std::memcpy(hll.data(), "HYLL", 4);
  hll[kEncodingAt] = static_cast<char>(Encoding::kSparse);
  uint8_t op[2];
  size_t n = WriteZeros(kRegisters, op);  // one XZERO covers every register
  hll.append(reinterpret_cast<const char*>(op), n);
  return hll;
}

bool CacheValid(std::string_view hll) { return (ByteAt(hll, kCountAt + 7) & 0x80) == 0; }

uint64_t CachedCount(std::string_view hll) {
  uint64_t count = 0;
  for (size_t i = 0; i < 8; ++i) count |= uint64_t{ByteAt(hll, kCountAt + i)} << (8 * i);
  return count;
}

void SetCachedCount(std::string* hll, uint64_t count) {
  for (size_t i = 0; i < 8; ++i) (*hll)[kCountAt + i] = static_cast<char>(count >> (8 * i));
}

void InvalidateCache(std::string* hll) {
  (*hll)[kCountAt + 7] = InvalidateCachePatch(*hll).bytes[0];
}

BytePatch InvalidateCachePatch(std::string_view hll) {
  BytePatch patch;
  patch.offset = kCountAt + 7;
  patch.length = 1;
  patch.bytes[0] = static_cast<char>(ByteAt(hll, kCountAt + 7) | 0x80);
  return patch;
}

Observation Observe(std::string_view element) {
  uint64_t hash = MurmurHash64A(element, kHashSeed);
  Observation o;
  o.index = static_cast<uint32_t>(hash & (kRegisters - 1));
  // The run is counted in the bits above the index; a sentinel bit bounds it at kRankBits + 1.
  uint64_t rest = (hash >> kIndexBits) | (uint64_t{1} << kRankBits);
  o.rank = static_cast<uint8_t>(std::countr_zero(rest) + 1);
  return o;
}

uint8_t DenseGet(std::string_view registers, size_t i) {
  size_t byte = i * 6 / 8;
  unsigned shift = static_cast<unsigned>(i * 6 % 8);
  unsigned v = ByteAt(registers, byte) >> shift;
  if (shift > 2) v |= static_cast<unsigned>(ByteAt(registers, byte + 1)) << (8 - shift);
  return static_cast<uint8_t>(v & kRegisterMax);
}

namespace {

// Writes a register's 6 bits at bit `shift` of p[0] (spilling into p[1] when shift > 2).
void SetBitsAt(uint8_t* p, unsigned shift, uint8_t value) {
  p[0] = static_cast<uint8_t>((p[0] & ~(kRegisterMax << shift)) | (value << shift));
  if (shift > 2) {  // the register's high bits spill into the next byte
    unsigned spill = 8 - shift;
    p[1] = static_cast<uint8_t>((p[1] & ~(kRegisterMax >> spill)) | (value >> spill));
  }
}

}  // namespace

void DenseSet(char* registers, size_t i, uint8_t value) {
  SetBitsAt(reinterpret_cast<uint8_t*>(registers) + i * 6 / 8,
            static_cast<unsigned>(i * 6 % 8), value);
}

BytePatch DenseSetPatch(std::string_view dense_hll, size_t i, uint8_t value) {
  BytePatch patch;
  unsigned shift = static_cast<unsigned>(i * 6 % 8);
  patch.offset = kHeaderSize + i * 6 / 8;
  patch.length = shift > 2 ? 2 : 1;
  std::memcpy(patch.bytes, dense_hll.data() + patch.offset, patch.length);
  SetBitsAt(reinterpret_cast<uint8_t*>(patch.bytes), shift, value);
  return patch;
}

Result<bool> SetRegister(std::string* hll, uint32_t index, uint8_t rank, size_t sparse_max_bytes) {
  if (EncodingOf(*hll) == Encoding::kSparse) {
    return SparseSet(hll, index, rank, sparse_max_bytes);
  }
  char* registers = hll->data() + kHeaderSize;
  if (DenseGet(std::string_view(registers, kDenseSize - kHeaderSize), index) >= rank) {
    return false;
  }
  DenseSet(registers, index, rank);
  InvalidateCache(hll);
  return true;
}

bool MayRaise(std::string_view hll, uint32_t index, uint8_t rank) {
  if (EncodingOf(hll) == Encoding::kDense) return DenseGet(hll.substr(kHeaderSize), index) < rank;
  if (rank > kSparseValueMax) return true;  // turns the HLL dense, whatever the register holds
  OpAt at;
  return !FindOp(hll, index, &at) || at.op.kind != OpKind::kVal || at.op.value < rank;
}

Result<bool> Add(std::string* hll, std::string_view element, size_t sparse_max_bytes) {
  Observation o = Observe(element);
  return SetRegister(hll, o.index, o.rank, sparse_max_bytes);
}

Status MergeInto(std::string_view hll, Registers* max) {
  if (EncodingOf(hll) == Encoding::kSparse) {
    return ForEachSparseVal(hll, [max](size_t first, uint32_t run, uint8_t value) {
      for (size_t i = first; i < first + run; ++i) (*max)[i] = std::max((*max)[i], value);
    });
  }
  ForEachDense(hll.substr(kHeaderSize),
               [max](size_t i, uint8_t v) { (*max)[i] = std::max((*max)[i], v); });
  return Status::Ok();
}

void DenseWriteAll(const Registers& registers, std::string* hll) {
  auto* p = reinterpret_cast<uint8_t*>(hll->data() + kHeaderSize);
  for (size_t i = 0; i < kRegisters; i += 4, p += 3) {
    uint32_t word = registers[i] | uint32_t{registers[i + 1]} << 6 |
                    uint32_t{registers[i + 2]} << 12 | uint32_t{registers[i + 3]} << 18;
    p[0] = static_cast<uint8_t>(word);
    p[1] = static_cast<uint8_t>(word >> 8);
    p[2] = static_cast<uint8_t>(word >> 16);
  }
}

Result<uint64_t> Count(std::string_view hll) {
  Histogram h{};
  if (EncodingOf(hll) == Encoding::kDense) {
    DenseHistogram(hll.substr(kHeaderSize), &h);
    return Estimate(h);
  }
  h[0] = static_cast<int>(kRegisters);
  Status valid = ForEachSparseVal(hll, [&h](size_t, uint32_t run, uint8_t value) {
    h[0] -= static_cast<int>(run);
    h[value] += static_cast<int>(run);
  });
  if (!valid.ok()) return valid;
  return Estimate(h);
}

uint64_t CountRegisters(const Registers& registers) {
  Histogram h{};
  for (uint8_t r : registers) ++h[r & kRegisterMax];
  return Estimate(h);
}

Status ToDense(std::string* hll) {
  if (EncodingOf(*hll) == Encoding::kDense) return Status::Ok();
  std::string dense(kDenseSize, '\0');
  std::memcpy(dense.data(), hll->data(), kHeaderSize);
  dense[kEncodingAt] = static_cast<char>(Encoding::kDense);
  char* registers = dense.data() + kHeaderSize;
  Status valid = ForEachSparseVal(*hll, [registers](size_t first, uint32_t run, uint8_t value) {
    for (size_t i = first; i < first + run; ++i) DenseSet(registers, i, value);
  });
  if (!valid.ok()) return valid;
  *hll = std::move(dense);
  return Status::Ok();
}

std::string DescribeSparse(std::string_view hll) {
  std::string text;
  for (size_t pos = kHeaderSize; pos < hll.size();) {
    SparseOp op = ReadOp(hll, pos);
    if (!text.empty()) text += ' ';
    if (op.kind == OpKind::kVal) {
      text += "v:" + std::to_string(op.value) + "," + std::to_string(op.run);
    } else {
      text += (op.kind == OpKind::kZero ? "z:" : "Z:") + std::to_string(op.run);
    }
    pos += op.size;
  }
  return text;
}

}  // namespace cairn::store::hll
