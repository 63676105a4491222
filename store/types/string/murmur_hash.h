// store/types/string/murmur_hash.h — MurmurHash64A, the 64-bit MurmurHash2 variant the
// HyperLogLog (hyperloglog.h) hashes elements with. Words are read little-endian whatever the
// machine, so a hash (and therefore a HLL's registers) is the same on every platform and the
// same as Redis's.
//
// Threading: a pure function, any thread.
#pragma once

#include <cstdint>
#include <string_view>

namespace cairn::store {

uint64_t MurmurHash64A(std::string_view bytes, uint64_t seed);

}  // namespace cairn::store
