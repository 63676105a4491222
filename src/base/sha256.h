// src/base/sha256.h — SHA-256 (FIPS 180-4) of a byte string, as lower-case hex. ACL passwords
// are stored only as their SHA-256 digest, and ACL GETUSER / ACL LIST / the aclfile show that
// digest, which clients may compute themselves ("#<hash>" rules): it must be the standard
// algorithm. Thread-safe (no state).
#pragma once

#include <string>
#include <string_view>

namespace cairn::server {

// The 64 lower-case hex digits of SHA-256(data).
std::string Sha256Hex(std::string_view data);

}  // namespace cairn::server
