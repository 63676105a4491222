// src/scripting/lua_struct.h — the `struct` library scripts see: binary packing with the API,
// formats and error texts of Roberto Ierusalimschy's struct library as Redis 7.0 ships it.
//
// struct.pack(fmt, v1, ...) -> string; struct.unpack(fmt, s [, pos]) -> values..., next pos
// (1-based); struct.size(fmt) -> bytes. Format characters:
//   > <        big, little endian; the default is native (little). There is no '='.
//   ![n]       maximum alignment n (a power of 2; 8 without n); the default is 1, no padding
//   x          one zero byte
//   b B        signed / unsigned char        h H   short (2)      l L   long (8)   T  size_t (8)
//   i[n] I[n]  signed / unsigned integer of n bytes (default 4, at most 32)
//   f d        float, double
//   c[n]       n bytes (default 1); packing c0 takes the whole string, unpacking c0 takes the
//              length from the value unpacked just before it
//   s          zero-terminated string
//   ' '        ignored
// Numbers are Lua doubles: integers are converted as Redis's x86-64 build converts them
// (out-of-range values, NaN and integers wider than 8 bytes give the same bytes it does).
//
// Hostile input: every read is checked against the data's length before it happens
// ("data string too short"); nothing is allocated from a length read out of the data.
#pragma once

struct lua_State;

namespace cairn::server::scripting {

// A lua_CFunction: pushes the library table (pack, unpack, size). The caller makes it a global.
int OpenStruct(lua_State* L);

}  // namespace cairn::server::scripting
