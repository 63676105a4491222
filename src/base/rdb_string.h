// src/base/rdb_string.h — RDB's length and string encodings, the part of Redis's RDB format
// that FUNCTION DUMP/RESTORE payloads use:
//
//   length := 00xxxxxx                          6-bit length
//           | 01xxxxxx xxxxxxxx                 14-bit length, big endian
//           | 0x80 u32be | 0x81 u64be           32- and 64-bit lengths
//   string := length bytes
//           | 11000000 i8 | 11000001 i16le | 11000010 i32le   an integer, as decimal text
//           | 11000011 clen:length len:length lzf-data           LZF-compressed bytes
//
// Thread-safe (no state). Decoding never allocates more than the input can hold: a declared
// length beyond the remaining bytes, or an LZF length past max_bytes, is an error.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace cairn::server {

void PutRdbLength(std::string* out, uint64_t len);
void PutRdbString(std::string* out, std::string_view bytes);  // never compressed

// Reads one string at *in, advancing it; false when the bytes are not a valid string.
bool ReadRdbString(std::string_view* in, std::string* out, size_t max_bytes = 512u << 20);

}  // namespace cairn::server
