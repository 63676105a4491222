// src/scripting/lua_cmsgpack.cc — see lua_cmsgpack.h.
//
// Lua 5.1 raises errors with longjmp, so nothing in these frames has a destructor: the pack
// output lives in a Lua userdata (the collector frees it whatever happens), and the decoder's
// cursor is a plain struct.
#include "src/scripting/lua_cmsgpack.h"

extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

#include <cfloat>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace cairn::server::scripting {
namespace {

// A table this deep is written as nil, which also ends the encoding of self-references.
constexpr int kMaxNesting = 16;

// Redis's texts for the stack running out while decoding (what a script sees in the error).
constexpr const char* kTooManyValues =
    "too many return values at once; use unpack_one or unpack_limit instead.";
constexpr const char* kArrayStack = "in function mp_decode_to_lua_array";

// ---------------------------------------------------------------------------------------------
// Encoding

// The output: bytes in a userdata kept at stack index `slot`. Growing pushes a bigger userdata
// and puts it in that slot, leaving the old one to the collector.
struct Output {
  lua_State* L;
  int slot;
  unsigned char* data;
  size_t len;
  size_t cap;
};

void Append(Output* out, const void* bytes, size_t n) {
  if (out->cap - out->len < n) {
    size_t need = out->len + n;
    if (need < out->len) luaL_error(out->L, "not enough memory");
    size_t cap = out->cap < 64 ? 64 : out->cap;
    while (cap < need) cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    auto* bigger = static_cast<unsigned char*>(lua_newuserdata(out->L, cap));
    if (out->len > 0) std::memcpy(bigger, out->data, out->len);
    lua_replace(out->L, out->slot);
    out->data = bigger;
    out->cap = cap;
  }
  std::memcpy(out->data + out->len, bytes, n);
  out->len += n;
}

// One type byte followed by the low `width` bytes of value, most significant first.
void PutTyped(Output* out, unsigned char type, uint64_t value, int width) {
  unsigned char bytes[9];
  bytes[0] = type;
  for (int i = width; i >= 1; --i) {
    bytes[i] = static_cast<unsigned char>(value & 0xff);
    value >>= 8;
  }
  Append(out, bytes, 1 + static_cast<size_t>(width));
}

void PutInteger(Output* out, int64_t n) {
  const auto bits = static_cast<uint64_t>(n);
  if (n >= 0) {
    if (n <= 0x7f) return PutTyped(out, static_cast<unsigned char>(n), 0, 0);
    if (n <= 0xff) return PutTyped(out, 0xcc, bits, 1);
    if (n <= 0xffff) return PutTyped(out, 0xcd, bits, 2);
    if (n <= 0xffffffffLL) return PutTyped(out, 0xce, bits, 4);
    return PutTyped(out, 0xcf, bits, 8);
  }
  if (n >= -32) return PutTyped(out, static_cast<unsigned char>(bits & 0xff), 0, 0);
  if (n >= INT8_MIN) return PutTyped(out, 0xd0, bits, 1);
  if (n >= INT16_MIN) return PutTyped(out, 0xd1, bits, 2);
  if (n >= INT32_MIN) return PutTyped(out, 0xd2, bits, 4);
  PutTyped(out, 0xd3, bits, 8);
}

// A string, array or map header. code8 is 0 for the kinds that have no 8-bit length form.
struct LengthCodes {
  unsigned char fix;
  uint64_t fix_limit;
  unsigned char code8, code16, code32;
};
constexpr LengthCodes kStringCodes{0xa0, 31, 0xd9, 0xda, 0xdb};
constexpr LengthCodes kArrayCodes{0x90, 15, 0, 0xdc, 0xdd};
constexpr LengthCodes kMapCodes{0x80, 15, 0, 0xde, 0xdf};

void PutLength(Output* out, const LengthCodes& codes, uint64_t n) {
  if (n <= codes.fix_limit) return PutTyped(out, codes.fix | static_cast<unsigned char>(n), 0, 0);
  if (codes.code8 != 0 && n <= 0xff) return PutTyped(out, codes.code8, n, 1);
  if (n <= 0xffff) return PutTyped(out, codes.code16, n, 2);
  PutTyped(out, codes.code32, n, 4);  // longer lengths keep their low 32 bits, as in Redis
}

bool IsInt64(lua_Number n) {
  return n >= -9223372036854775808.0 && n < 9223372036854775808.0 && std::trunc(n) == n;
}

// Infinities survive the trip through float; NaN never compares equal, so it stays a double.
bool ExactAsFloat(double d) {
  if (std::isnan(d)) return false;
  if (std::isinf(d)) return true;
  return std::fabs(d) <= FLT_MAX && static_cast<double>(static_cast<float>(d)) == d;
}

void PutNumber(Output* out, lua_Number n) {
  if (IsInt64(n)) return PutInteger(out, static_cast<int64_t>(n));
  double d = n;
  if (ExactAsFloat(d)) {
    float f = static_cast<float>(d);
    uint32_t bits = 0;
    std::memcpy(&bits, &f, sizeof(bits));
    return PutTyped(out, 0xca, bits, 4);
  }
  uint64_t bits = 0;
  std::memcpy(&bits, &d, sizeof(bits));
  PutTyped(out, 0xcb, bits, 8);
}

// True when the table on top has exactly the keys 1..n (n >= 0) and nothing else.
bool IsSequence(lua_State* L) {
  lua_Number count = 0;
  lua_Number max = 0;
  lua_pushnil(L);
  while (lua_next(L, -2) != 0) {
    lua_pop(L, 1);
    lua_Number key = lua_type(L, -1) == LUA_TNUMBER ? lua_tonumber(L, -1) : 0;
    if (!(key > 0 && key <= INT_MAX && std::trunc(key) == key)) {
      lua_pop(L, 1);
      return false;
    }
    if (key > max) max = key;
    count += 1;
  }
  return max == count;
}

void PutValue(Output* out, int level);

void PutTable(Output* out, int level) {
  lua_State* L = out->L;
  luaL_checkstack(L, 3, "table too deep to pack");
  if (IsSequence(L)) {
    size_t n = lua_objlen(L, -1);
    PutLength(out, kArrayCodes, n);
    for (size_t i = 1; i <= n; ++i) {
      lua_pushnumber(L, static_cast<lua_Number>(i));
      lua_gettable(L, -2);
      PutValue(out, level + 1);
    }
    return;
  }
  uint64_t pairs = 0;
  lua_pushnil(L);
  while (lua_next(L, -2) != 0) {
    lua_pop(L, 1);
    ++pairs;
  }
  PutLength(out, kMapCodes, pairs);
  lua_pushnil(L);
  while (lua_next(L, -2) != 0) {
    lua_pushvalue(L, -2);  // encode a copy of the key: lua_next needs the original untouched
    PutValue(out, level + 1);
    PutValue(out, level + 1);
  }
}

// Appends the value on top of the stack and pops it.
void PutValue(Output* out, int level) {
  lua_State* L = out->L;
  int type = lua_type(L, -1);
  if (type == LUA_TTABLE && level == kMaxNesting) type = LUA_TNIL;
  switch (type) {
    case LUA_TSTRING: {
      size_t len = 0;
      const char* s = lua_tolstring(L, -1, &len);
      PutLength(out, kStringCodes, len);
      Append(out, s, len);
      break;
    }
    case LUA_TBOOLEAN:
      PutTyped(out, lua_toboolean(L, -1) ? 0xc3 : 0xc2, 0, 0);
      break;
    case LUA_TNUMBER:
      PutNumber(out, lua_tonumber(L, -1));
      break;
    case LUA_TTABLE:
      PutTable(out, level);
      break;
    default:
      PutTyped(out, 0xc0, 0, 0);
      break;
  }
  lua_pop(L, 1);
}

int Pack(lua_State* L) {
  int nargs = lua_gettop(L);
  if (nargs == 0) return luaL_argerror(L, 0, "MessagePack pack needs input.");
  if (!lua_checkstack(L, nargs)) {
    return luaL_argerror(L, 0, "Too many arguments for MessagePack pack.");
  }
  lua_pushnil(L);  // the output's slot
  Output out{L, nargs + 1, nullptr, 0, 0};
  for (int i = 1; i <= nargs; ++i) {
    lua_pushvalue(L, i);
    PutValue(&out, 0);
  }
  lua_pushlstring(L, reinterpret_cast<const char*>(out.data), out.len);
  return 1;
}

// ---------------------------------------------------------------------------------------------
// Decoding

enum class DecodeError { kNone, kMissingBytes, kBadFormat };

struct Input {
  const unsigned char* p;
  size_t left;
  DecodeError error;
};

bool Need(Input* in, size_t n) {
  if (in->left >= n) return true;
  in->error = DecodeError::kMissingBytes;
  return false;
}

void Skip(Input* in, size_t n) {
  in->p += n;
  in->left -= n;
}

// Consumes a type byte and the big-endian value of `width` bytes after it.
bool ReadFixed(Input* in, int width, uint64_t* value) {
  if (!Need(in, 1 + static_cast<size_t>(width))) return false;
  uint64_t v = 0;
  for (int i = 1; i <= width; ++i) v = (v << 8) | in->p[i];
  Skip(in, 1 + static_cast<size_t>(width));
  *value = v;
  return true;
}

void PushValue(lua_State* L, Input* in);

// Only bytes actually present are ever allocated: each element needs at least one byte, so a
// huge declared count with too little input stops at the first missing element.
void PushArray(lua_State* L, Input* in, uint64_t count) {
  lua_newtable(L);
  luaL_checkstack(L, 1, kArrayStack);
  for (uint64_t i = 1; i <= count; ++i) {
    lua_pushnumber(L, static_cast<lua_Number>(i));
    PushValue(L, in);
    if (in->error != DecodeError::kNone) return;
    lua_settable(L, -3);
  }
}

void PushMap(lua_State* L, Input* in, uint64_t count) {
  lua_newtable(L);
  for (uint64_t i = 0; i < count; ++i) {
    PushValue(L, in);
    if (in->error != DecodeError::kNone) return;
    PushValue(L, in);
    if (in->error != DecodeError::kNone) return;
    lua_settable(L, -3);  // a nil or NaN key raises Lua's own error, as in Redis
  }
}

void PushBytes(lua_State* L, Input* in, uint64_t len) {
  if (!Need(in, len)) return;
  lua_pushlstring(L, reinterpret_cast<const char*>(in->p), len);
  Skip(in, len);
}

float FloatFromBits(uint64_t v) {
  auto bits = static_cast<uint32_t>(v);
  float f = 0;
  std::memcpy(&f, &bits, sizeof(f));
  return f;
}

double DoubleFromBits(uint64_t bits) {
  double d = 0;
  std::memcpy(&d, &bits, sizeof(d));
  return d;
}

// The types whose first byte carries a small value: fixint, fixstr, fixarray, fixmap.
bool PushFixType(lua_State* L, Input* in, unsigned char type) {
  if (type <= 0x7f || type >= 0xe0) {  // positive and negative fixint
    lua_pushinteger(L, static_cast<int8_t>(type));
    Skip(in, 1);
  } else if ((type & 0xe0) == 0xa0) {
    Skip(in, 1);
    PushBytes(L, in, type & 0x1f);
  } else if ((type & 0xf0) == 0x90) {
    Skip(in, 1);
    PushArray(L, in, type & 0x0f);
  } else if ((type & 0xf0) == 0x80) {
    Skip(in, 1);
    PushMap(L, in, type & 0x0f);
  } else {
    return false;
  }
  return true;
}

// The types whose first byte is followed by a fixed-width big-endian field: a value, or the
// length of what follows.
enum class Field { kUnsigned, kUnsigned64, kSigned, kFloat, kDouble, kString, kArray, kMap };
struct FixedType {
  unsigned char type;
  int width;
  Field field;
};
constexpr FixedType kFixedTypes[] = {
    {0xcc, 1, Field::kUnsigned},   {0xcd, 2, Field::kUnsigned}, {0xce, 4, Field::kUnsigned},
    {0xcf, 8, Field::kUnsigned64}, {0xd0, 1, Field::kSigned},   {0xd1, 2, Field::kSigned},
    {0xd2, 4, Field::kSigned},     {0xd3, 8, Field::kSigned},   {0xca, 4, Field::kFloat},
    {0xcb, 8, Field::kDouble},     {0xd9, 1, Field::kString},   {0xda, 2, Field::kString},
    {0xdb, 4, Field::kString},     {0xdc, 2, Field::kArray},    {0xdd, 4, Field::kArray},
    {0xde, 2, Field::kMap},        {0xdf, 4, Field::kMap},
};

// The value of a signed field of `width` bytes.
int64_t SignExtend(uint64_t v, int width) {
  if (width == 8) return static_cast<int64_t>(v);
  const uint64_t sign = uint64_t{1} << (width * 8 - 1);
  return static_cast<int64_t>((v ^ sign) - sign);
}

void PushField(lua_State* L, Input* in, const FixedType& t) {
  uint64_t v = 0;
  if (!ReadFixed(in, t.width, &v)) return;
  switch (t.field) {
    case Field::kUnsigned:
      return lua_pushinteger(L, static_cast<lua_Integer>(v));
    case Field::kUnsigned64:  // values at or above 2^63 wrap to negative, as in Redis's build
      return lua_pushinteger(L, static_cast<lua_Integer>(static_cast<int64_t>(v)));
    case Field::kSigned:
      return lua_pushnumber(L, static_cast<lua_Number>(SignExtend(v, t.width)));
    case Field::kFloat:
      return lua_pushnumber(L, FloatFromBits(v));
    case Field::kDouble:
      return lua_pushnumber(L, DoubleFromBits(v));
    case Field::kString:
      return PushBytes(L, in, v);
    case Field::kArray:
      return PushArray(L, in, v);
    case Field::kMap:
      return PushMap(L, in, v);
  }
}

// Decodes one value and pushes it; on bad input sets in->error (what is pushed then does not
// matter: the caller raises).
void PushValue(lua_State* L, Input* in) {
  if (!Need(in, 1)) return;
  luaL_checkstack(L, 1, kTooManyValues);
  const unsigned char type = in->p[0];
  if (PushFixType(L, in, type)) return;
  if (type == 0xc0 || type == 0xc2 || type == 0xc3) {
    if (type == 0xc0) {
      lua_pushnil(L);
    } else {
      lua_pushboolean(L, type == 0xc3);
    }
    Skip(in, 1);
    return;
  }
  for (const FixedType& t : kFixedTypes) {
    if (t.type == type) return PushField(L, in, t);
  }
  in->error = DecodeError::kBadFormat;  // bin, ext, 0xc1
}

// Decodes from byte `offset` of argument 1: every value when limit and offset are both 0 (so
// unpack_limit(s, 0) returns everything, as in Redis), else up to `limit` values preceded by
// the offset after them (-1 at the end of the input).
int UnpackFrom(lua_State* L, lua_Integer limit, lua_Integer offset) {
  size_t len = 0;
  const char* s = luaL_checklstring(L, 1, &len);
  const bool all = limit == 0 && offset == 0;
  if (offset < 0 || limit < 0) {
    // Redis prints the input length where it says "limit"; scripts see that text.
    return luaL_error(L, "Invalid request to unpack with offset of %d and limit of %d.",
                      static_cast<int>(offset), static_cast<int>(len));
  }
  if (static_cast<size_t>(offset) > len) {
    return luaL_error(L, "Start offset %d greater than input length %d.", static_cast<int>(offset),
                      static_cast<int>(len));
  }
  if (all) limit = INT_MAX;
  Input in{reinterpret_cast<const unsigned char*>(s) + offset, len - static_cast<size_t>(offset),
           DecodeError::kNone};
  int count = 0;
  for (; in.left > 0 && count < limit; ++count) {
    PushValue(L, &in);
    if (in.error == DecodeError::kMissingBytes) return luaL_error(L, "Missing bytes in input.");
    if (in.error == DecodeError::kBadFormat) return luaL_error(L, "Bad data format in input.");
  }
  if (all) return count;
  luaL_checkstack(L, 1, "in function mp_unpack_full");
  lua_pushinteger(L, in.left == 0 ? -1 : static_cast<lua_Integer>(len - in.left));
  lua_insert(L, 2);
  return count + 1;
}

// Drops the arguments after the string once the numeric ones are read.
void KeepOnlyFirstArgument(lua_State* L) {
  if (lua_gettop(L) > 1) lua_settop(L, 1);
}

int Unpack(lua_State* L) { return UnpackFrom(L, 0, 0); }

int UnpackOne(lua_State* L) {
  lua_Integer offset = luaL_optinteger(L, 2, 0);
  KeepOnlyFirstArgument(L);
  return UnpackFrom(L, 1, offset);
}

int UnpackLimit(lua_State* L) {
  lua_Integer limit = luaL_checkinteger(L, 2);
  lua_Integer offset = luaL_optinteger(L, 3, 0);
  KeepOnlyFirstArgument(L);
  return UnpackFrom(L, limit, offset);
}

void SetString(lua_State* L, const char* field, const char* value) {
  lua_pushstring(L, value);
  lua_setfield(L, -2, field);
}

}  // namespace

int OpenCmsgpack(lua_State* L) {
  lua_newtable(L);
  const luaL_Reg functions[] = {
      {"pack", Pack}, {"unpack", Unpack}, {"unpack_one", UnpackOne}, {"unpack_limit", UnpackLimit}};
  for (const luaL_Reg& f : functions) {
    lua_pushcfunction(L, f.func);
    lua_setfield(L, -2, f.name);
  }
  SetString(L, "_NAME", "cmsgpack");
  SetString(L, "_VERSION", "lua-cmsgpack 0.4.0");
  SetString(L, "_COPYRIGHT", "Copyright (C) 2012, Salvatore Sanfilippo");
  SetString(L, "_DESCRIPTION", "MessagePack C implementation for Lua");
  return 1;
}

}  // namespace cairn::server::scripting
