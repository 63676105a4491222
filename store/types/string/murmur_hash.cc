// store/types/string/murmur_hash.cc — see murmur_hash.h.
#include "store/types/string/murmur_hash.h"

#include <cstddef>

namespace cairn::store {
namespace {

constexpr uint64_t kMultiplier = 0xc6a4a7935bd1e995ULL;
constexpr int kShift = 47;

// Bytes p[0..n) as a little-endian integer (n <= 8).
uint64_t LoadLittleEndian(const unsigned char* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
  return v;
}

}  // namespace

uint64_t MurmurHash64A(std::string_view bytes, uint64_t seed) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const size_t n = bytes.size();
  uint64_t h = seed ^ (static_cast<uint64_t>(n) * kMultiplier);
  const size_t whole = n - n % 8;
  for (size_t i = 0; i < whole; i += 8) {
    uint64_t k = LoadLittleEndian(p + i, 8);
    k *= kMultiplier;
    k ^= k >> kShift;
    k *= kMultiplier;
    h ^= k;
    h *= kMultiplier;
  }
  if (n % 8 != 0) {
    h ^= LoadLittleEndian(p + whole, n % 8);
    h *= kMultiplier;
  }
  h ^= h >> kShift;
  h *= kMultiplier;
  h ^= h >> kShift;
  return h;
}

}  // namespace cairn::store
