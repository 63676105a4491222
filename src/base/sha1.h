// src/base/sha1.h — SHA-1 (FIPS 180-4) of a byte string, as lower-case hex. Scripts are named
// by the SHA-1 of their body (EVALSHA, SCRIPT LOAD) and Lua gets redis.sha1hex; both must give
// the digests Redis gives, so this is the standard algorithm, not a house variant.
// Thread-safe (no state).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace cairn::server {

using Sha1Digest = std::array<uint8_t, 20>;

// SHA-1(data), the 20 bytes.
Sha1Digest Sha1(std::string_view data);

// The 40 lower-case hex digits of a digest.
std::string HexOf(const Sha1Digest& digest);

// The 40 lower-case hex digits of SHA-1(data).
std::string Sha1Hex(std::string_view data);

}  // namespace cairn::server
