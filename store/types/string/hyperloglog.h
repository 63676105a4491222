// store/types/string/hyperloglog.h — the HyperLogLog representation: pure functions over the
// bytes of a string value, byte-compatible with Redis (a HLL written by redis-server counts
// the same here, and the other way round). The commands' store side is hll_ops.h.
//
// A HLL has 16384 registers (the low 14 bits of an element's MurmurHash64A, seed 0xadc83b19,
// pick the register; the register keeps the longest run "0...01" seen in the other 50 bits,
// counting the final 1, so 1..51) and is stored as:
//
//   hll      := header body
//   header   := "HYLL" encoding:u8 0:u8 0:u8 0:u8 cardinality:u64le        (16 bytes)
//               encoding 0 = dense, 1 = sparse; the top bit of the cardinality set means
//               "stale": the cached count must be computed again
//   dense    := 12288 bytes: register i is the 6 bits starting at bit 6*i, bits numbered
//               from the least significant bit of byte 0 upwards (a register may straddle
//               two bytes)
//   sparse   := op*   covering exactly 16384 registers, in order
//   op       := ZERO  00xxxxxx            xxxxxx + 1 registers (1..64) are 0
//             | XZERO 01xxxxxx yyyyyyyy   (xxxxxx << 8 | yyyyyyyy) + 1 registers (1..16384)
//                                         are 0
//             | VAL   1vvvvvxx            xx + 1 registers (1..4) hold vvvvv + 1 (1..32)
//
// A new HLL is sparse (one XZERO of 16384). It becomes dense, for good, when a register needs
// a value above 32 or the sparse string would grow past hll-sparse-max-bytes (its whole
// length, header included). Changes to a sparse HLL split and merge ops exactly as Redis does,
// so the same adds in the same order give the same bytes.
//
// Validity has two levels, as in Redis: IsHll checks the header (magic, encoding, the dense
// length) and is what decides "not a HyperLogLog"; the sparse ops are checked only when they
// are read, and a sparse body that does not cover exactly 16384 registers is corruption.
//
// Threading: pure functions, any thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "store/base/status.h"

namespace cairn::store::hll {

inline constexpr size_t kRegisters = 16384;
inline constexpr size_t kHeaderSize = 16;
inline constexpr size_t kCountAt = 8;  // where the cached cardinality lies in the header
inline constexpr size_t kDenseSize = kHeaderSize + kRegisters * 6 / 8;  // 12304
inline constexpr size_t kDefaultSparseMaxBytes = 3000;                  // Redis's default
inline constexpr uint64_t kHashSeed = 0xadc83b19ULL;

enum class Encoding : uint8_t { kDense = 0, kSparse = 1 };

// One byte per register (the merged registers of several HLLs: PFCOUNT, PFMERGE).
using Registers = std::array<uint8_t, kRegisters>;

// Whether bytes have a HLL's header: the magic, a known encoding and, when dense, exactly
// kDenseSize bytes. The other functions require it.
bool IsHll(std::string_view bytes);
Encoding EncodingOf(std::string_view hll);

// An empty HLL: sparse, cached count 0 (valid).
std::string NewSparse();

// The cached count: valid unless the stale bit is set.
bool CacheValid(std::string_view hll);
uint64_t CachedCount(std::string_view hll);
void SetCachedCount(std::string* hll, uint64_t count);
void InvalidateCache(std::string* hll);

// The register an element falls in and the run length it brings (1..51).
struct Observation {
  uint32_t index = 0;
  uint8_t rank = 0;
};
Observation Observe(std::string_view element);

// Raises register index to rank if it is lower; returns whether it changed (then the cache
// is stale). May turn a sparse HLL dense (see above). kCorruption when the sparse ops do not
// reach index, or turning dense finds them corrupt (then *hll is unchanged).
Result<bool> SetRegister(std::string* hll, uint32_t index, uint8_t rank, size_t sparse_max_bytes);
// False when SetRegister(hll, index, rank) would certainly change nothing (the register
// already holds rank or more), found without copying or changing the value; true when it
// would change it or report corruption.
bool MayRaise(std::string_view hll, uint32_t index, uint8_t rank);
// SetRegister for the element's observation (PFADD).
Result<bool> Add(std::string* hll, std::string_view element, size_t sparse_max_bytes);

// Raises each (*max)[i] to the HLL's register i. kCorruption for a corrupt sparse body.
Status MergeInto(std::string_view hll, Registers* max);
// Sets every register of a dense HLL to registers' (each at most 63); the header is kept.
void DenseWriteAll(const Registers& registers, std::string* hll);

// The estimated count (Ertl's improved estimator, as Redis 7.0), ignoring the cache.
// kCorruption for a corrupt sparse body.
Result<uint64_t> Count(std::string_view hll);
uint64_t CountRegisters(const Registers& registers);

// Rewrites a sparse HLL as dense (header kept); nothing for a dense one. kCorruption (and
// *hll unchanged) for a corrupt sparse body.
Status ToDense(std::string* hll);

// PFDEBUG DECODE: the sparse ops as text, "Z:1000 v:2,1 z:19 ..." (Z = XZERO, z = ZERO,
// v:value,length = VAL), without checking that they cover the registers.
std::string DescribeSparse(std::string_view hll);

// Register i of a dense HLL's register bytes (which start at kHeaderSize).
uint8_t DenseGet(std::string_view dense_registers, size_t i);
void DenseSet(char* dense_registers, size_t i, uint8_t value);

// A change of a HLL in place: bytes to write at offset of the value.
struct BytePatch {
  size_t offset = 0;  // from the start of the value (header included)
  size_t length = 0;  // 1 or 2
  char bytes[2] = {};
  std::string_view view() const { return {bytes, length}; }
};
// Setting register i of a dense HLL: the one or two bytes that hold it, with the register set
// to value.
BytePatch DenseSetPatch(std::string_view dense_hll, size_t i, uint8_t value);
// Marking the cached count stale (InvalidateCache): one byte of the header.
BytePatch InvalidateCachePatch(std::string_view hll);

}  // namespace cairn::store::hll
