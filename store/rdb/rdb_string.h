// store/rdb/rdb_string.h — RDB's length and string encodings (the full format is in
// rdb_format.h), used by every object body and by FUNCTION DUMP/RESTORE payloads:
//
//   length := 00xxxxxx                          6-bit length
//           | 01xxxxxx xxxxxxxx                 14-bit length, big endian
//           | 0x80 u32be | 0x81 u64be           32- and 64-bit lengths
//   string := length bytes
//           | 11000000 i8 | 11000001 i16le | 11000010 i32le   an integer, as decimal text
//           | 11000011 clen:length len:length lzf-data           LZF-compressed bytes
//
// Thread-safe: the only state is the process-wide compression switch (SetRdbCompression), read
// as each string is written. Decoding never allocates more than the input can hold: a declared
// length beyond the remaining bytes, an LZF length past max_bytes or past what the compressed
// bytes can expand to, is an error.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace cairn::rdb {

void PutRdbLength(std::string* out, uint64_t len);
// Writes bytes as Redis does: a canonical decimal integer that fits in 32 bits (at most 11
// characters) takes the integer encoding; with compression on, a string of more than 20
// bytes that LZF shrinks by at least 4 is stored compressed; anything else is a plain
// length-prefixed string.
void PutRdbString(std::string* out, std::string_view bytes);
// rdbcompression: whether PutRdbString compresses (on by default, as in Redis), for every
// RDB file, DUMP payload and full sync written from now on. Any thread.
void SetRdbCompression(bool on);

// Reads one length at *in, advancing it; false when the bytes end or it is a string's special
// encoding.
bool ReadRdbLength(std::string_view* in, uint64_t* len);
// Reads one string at *in, advancing it; false when the bytes are not a valid string.
bool ReadRdbString(std::string_view* in, std::string* out, size_t max_bytes = 512u << 20);

// Whether bytes is a canonical decimal int64 ("-0", "+1", "01" and " 1" are not), *v its
// value: the strings Redis stores as integers in packed encodings.
bool ParseCanonicalInt(std::string_view bytes, int64_t* v);

}  // namespace cairn::rdb
