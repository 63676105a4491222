// store/key_hash.h — the keyspace's hash function: fast on short keys, seeded per process so
// clients cannot choose keys that collide. Pure and thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace cairn::store {

uint64_t HashKey(std::string_view key, uint64_t seed);

}  // namespace cairn::store
