// store/key_hash.cc — a multiply-fold hash (the construction of wyhash-style hashes): 16 bytes per
// round, one 64x64->128 multiply folds each round into the state.
#include "store/key_hash.h"

#include <cstring>

namespace cairn::store {
namespace {

constexpr uint64_t kP0 = 0xa0761d6478bd642full;
constexpr uint64_t kP1 = 0xe7037ed1a0b428dbull;
constexpr uint64_t kP2 = 0x8ebc6af09c88c6e3ull;

inline uint64_t Fold(uint64_t a, uint64_t b) {
  unsigned __int128 r = static_cast<unsigned __int128>(a) * b;
  return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
}

inline uint64_t Load64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

// Reads 0..8 bytes as a little-endian integer.
inline uint64_t LoadTail(const char* p, size_t n) {
  uint64_t v = 0;
  std::memcpy(&v, p, n);
  return v;
}

}  // namespace

uint64_t HashKey(std::string_view key, uint64_t seed) {
  const char* p = key.data();
  size_t n = key.size();
  uint64_t h = seed ^ Fold(n ^ kP0, kP1);
  while (n >= 16) {
    h = Fold(Load64(p) ^ kP1, Load64(p + 8) ^ h);
    p += 16;
    n -= 16;
  }
  uint64_t a = n > 8 ? Load64(p) : LoadTail(p, n);
  uint64_t b = n > 8 ? LoadTail(p + 8, n - 8) : 0;
  return Fold(Fold(a ^ kP1, b ^ h) ^ kP2, key.size() ^ kP0);
}

}  // namespace cairn::store
