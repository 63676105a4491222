// src/scripting/lua_cmsgpack.h — the `cmsgpack` library scripts see: MessagePack encoding and
// decoding with the API and the exact bytes of lua-cmsgpack 0.4.0 as Redis 7.0 ships it.
//
// cmsgpack.pack(v1, ...) -> the concatenated encodings of its arguments.
//   number   an integral value in [-2^63, 2^63) becomes the smallest msgpack integer that holds
//            it (positive fixint, uint 8/16/32/64, negative fixint, int 8/16/32/64; -0.0 is 0);
//            any other number is a float 32 when it survives the round trip through float
//            (infinities included), else a float 64 (NaN always).
//   string   str: fixstr below 32 bytes, str 8 up to 255, str 16 up to 65535, else str 32.
//            The bin types are never written.
//   boolean  true / false.
//   table    an array when its keys are exactly the integers 1..n (the empty table too),
//            else a map in lua_next order. A table at nesting depth 16 becomes nil, which is
//            how a table that contains itself is encoded.
//   other    nil (functions, userdata, threads).
// cmsgpack.unpack(s) -> every value in s. cmsgpack.unpack_one(s [, offset]) -> next offset,
// value; cmsgpack.unpack_limit(s, limit [, offset]) -> next offset, up to limit values. The
// next offset is -1 once s is used up. Unsigned 64-bit values at or above 2^63 wrap to
// negative numbers, as in Redis; bin, ext and 0xc1 are "Bad data format in input.", a cut
// value "Missing bytes in input.".
//
// Hostile input: every declared length is checked against the bytes that remain before it is
// used, tables are never presized from a declared count, and nesting is bounded by the Lua
// stack (a Lua error, as in Redis). Output buffers are Lua userdata, so pack counts against
// the script's memory limit and a Lua error frees them.
#pragma once

struct lua_State;

namespace cairn::server::scripting {

// A lua_CFunction: pushes the library table (pack, unpack, unpack_one, unpack_limit and the
// _NAME, _VERSION, _COPYRIGHT, _DESCRIPTION strings). The caller makes it a global.
int OpenCmsgpack(lua_State* L);

}  // namespace cairn::server::scripting
