// store/random.cc — see random.h.
#include "store/random.h"

#include <random>

namespace cairn::store::detail {

uint64_t RandomSeed() {
  std::random_device device;
  uint64_t seed = (uint64_t{device()} << 32) ^ device();
  return seed != 0 ? seed : 0x9E3779B97F4A7C15ull;  // 0 means "not seeded yet"
}

}  // namespace cairn::store::detail
