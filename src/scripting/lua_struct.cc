// src/scripting/lua_struct.cc — see lua_struct.h.
//
// Lua 5.1 raises errors with longjmp, so nothing in these frames has a destructor: the output
// is a luaL_Buffer, which lives on the Lua stack.
#include "src/scripting/lua_struct.h"

extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

#include <climits>
#include <cstdint>
#include <cstring>

namespace cairn::server::scripting {
namespace {

constexpr int kMaxIntSize = 32;  // widest i/I in bytes
constexpr int kMaxAlign = 8;     // '!' without a number: the platform's widest alignment

enum class Endian { kBig, kLittle };
constexpr Endian kNative = Endian::kLittle;

struct Options {
  Endian endian = kNative;
  int align = 1;
};

bool IsDigit(int c) { return c >= '0' && c <= '9'; }
bool IsLower(int c) { return c >= 'a' && c <= 'z'; }
bool IsAlnum(int c) { return IsDigit(c) || IsLower(c) || (c >= 'A' && c <= 'Z'); }
// The options that read or write data (the rest are ' ', '<', '>', '!' or invalid).
bool IsDataOption(int c) { return c > 0 && std::strchr("bBhHlLTiIxfdcs", c) != nullptr; }

// The decimal count after an option, or fallback when none follows.
int ReadCount(lua_State* L, const char** fmt, int fallback) {
  if (!IsDigit(**fmt)) return fallback;
  int count = 0;
  do {
    int digit = **fmt - '0';
    if (count > INT_MAX / 10 || count * 10 > INT_MAX - digit) {
      luaL_error(L, "integral size overflow");
    }
    count = count * 10 + digit;
    ++*fmt;
  } while (IsDigit(**fmt));
  return count;
}

// Bytes an option occupies (0 for the control options and 's'); consumes its count.
size_t OptionSize(lua_State* L, int opt, const char** fmt) {
  switch (opt) {
    case 'B':
    case 'b':
    case 'x':
      return 1;
    case 'H':
    case 'h':
      return 2;
    case 'f':
      return 4;
    case 'L':
    case 'l':
    case 'T':
    case 'd':
      return 8;
    case 'c':
      return static_cast<size_t>(ReadCount(L, fmt, 1));
    case 'i':
    case 'I': {
      int size = ReadCount(L, fmt, 4);
      if (size > kMaxIntSize) {
        luaL_error(L, "integral size %d is larger than limit of %d", size, kMaxIntSize);
      }
      return static_cast<size_t>(size);
    }
    default:
      return 0;
  }
}

// Zero bytes that bring pos to the option's alignment (its size, capped by the '!' setting).
// Sizes that are not powers of 2 give the library's odd but observable padding.
size_t Padding(size_t pos, const Options& o, int opt, size_t size) {
  if (size == 0 || opt == 'c') return 0;
  if (size > static_cast<size_t>(o.align)) size = static_cast<size_t>(o.align);
  return (size - (pos & (size - 1))) & (size - 1);
}

void ApplyControl(lua_State* L, int opt, const char** fmt, Options* o) {
  switch (opt) {
    case ' ':
      return;
    case '>':
      o->endian = Endian::kBig;
      return;
    case '<':
      o->endian = Endian::kLittle;
      return;
    case '!': {
      int align = ReadCount(L, fmt, kMaxAlign);
      if (align <= 0 || (align & (align - 1)) != 0) {
        luaL_error(L, "alignment %d is not a power of 2", align);
      }
      o->align = align;
      return;
    }
    default:
      luaL_argerror(L, 1, lua_pushfstring(L, "invalid format option '%c'", opt));
  }
}

// C's double -> int64 conversion as x86-64 performs it: out of range and NaN give INT64_MIN.
int64_t TruncateLikeX86(double n) {
  if (n >= -9223372036854775808.0 && n < 9223372036854775808.0) return static_cast<int64_t>(n);
  return INT64_MIN;
}

// C's double -> uint64 conversion as gcc compiles it for x86-64 (Redis's build): values past
// 2^64, infinity included, give 0; NaN and negatives go through the signed conversion.
uint64_t ToUnsignedLikeX86(double n) {
  constexpr double kTwo63 = 9223372036854775808.0;
  if (!(n >= kTwo63)) return static_cast<uint64_t>(TruncateLikeX86(n));
  return static_cast<uint64_t>(TruncateLikeX86(n - kTwo63)) ^ (uint64_t{1} << 63);
}

// Writes the low `size` bytes of value (bytes past the 8th are 0) in the given order.
void AddBytes(luaL_Buffer* b, uint64_t value, size_t size, Endian endian) {
  char bytes[kMaxIntSize];
  for (size_t i = 0; i < size; ++i) {
    size_t at = endian == Endian::kLittle ? i : size - 1 - i;
    bytes[at] = static_cast<char>(value & 0xff);
    value >>= 8;
  }
  luaL_addlstring(b, bytes, size);
}

uint64_t ReadBytes(const char* p, size_t size, Endian endian) {
  uint64_t value = 0;
  for (size_t i = 0; i < size; ++i) {
    size_t at = endian == Endian::kBig ? i : size - 1 - i;
    value = (value << 8) | static_cast<unsigned char>(p[at]);
  }
  return value;
}

lua_Number ReadInteger(const char* p, size_t size, Endian endian, bool is_signed) {
  uint64_t value = ReadBytes(p, size, endian);
  if (!is_signed) return static_cast<lua_Number>(value);
  // The sign bit is bit size*8-1, with the shift count taken modulo 64 as x86 does: for
  // integers wider than 8 bytes Redis's build extends from a bit of the low 8 bytes.
  uint64_t mask = ~uint64_t{0} << ((static_cast<int>(size) * 8 - 1) & 63);
  if ((value & mask) != 0) value |= mask;
  return static_cast<lua_Number>(static_cast<int64_t>(value));
}

void PackInteger(lua_State* L, luaL_Buffer* b, int arg, size_t size, Endian endian) {
  lua_Number n = luaL_checknumber(L, arg);
  uint64_t value = n < 0 ? static_cast<uint64_t>(TruncateLikeX86(n)) : ToUnsignedLikeX86(n);
  AddBytes(b, value, size, endian);
}

void PackFloat(lua_State* L, luaL_Buffer* b, int arg, size_t size, Endian endian) {
  lua_Number n = luaL_checknumber(L, arg);
  uint64_t bits = 0;
  if (size == sizeof(float)) {
    float f = static_cast<float>(n);
    uint32_t narrow = 0;
    std::memcpy(&narrow, &f, sizeof(narrow));
    bits = narrow;
  } else {
    double d = n;
    std::memcpy(&bits, &d, sizeof(bits));
  }
  AddBytes(b, bits, size, endian);
}

// 'c' and 's': size 0 takes the whole string. The argument number in "string too short" is
// one past the string's, as in Redis.
size_t PackString(lua_State* L, luaL_Buffer* b, int arg, int opt, size_t size) {
  size_t len = 0;
  const char* s = luaL_checklstring(L, arg, &len);
  if (size == 0) size = len;
  luaL_argcheck(L, len >= size, arg + 1, "string too short");
  luaL_addlstring(b, s, size);
  if (opt == 's') {
    luaL_addchar(b, '\0');
    ++size;
  }
  return size;
}

int Pack(lua_State* L) {
  const char* fmt = luaL_checkstring(L, 1);
  Options o;
  int arg = 2;
  size_t total = 0;
  // Keeps the buffer's stack slots apart from the arguments: a missing argument right after
  // the last one reads as nil, as in Redis.
  lua_pushnil(L);
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  while (*fmt != '\0') {
    int opt = *fmt++;
    size_t size = OptionSize(L, opt, &fmt);
    size_t pad = Padding(total, o, opt, size);
    total += pad;
    for (; pad > 0; --pad) luaL_addchar(&b, '\0');
    switch (opt) {
      case 'b':
      case 'B':
      case 'h':
      case 'H':
      case 'l':
      case 'L':
      case 'T':
      case 'i':
      case 'I':
        PackInteger(L, &b, arg++, size, o.endian);
        break;
      case 'x':
        luaL_addchar(&b, '\0');
        break;
      case 'f':
      case 'd':
        PackFloat(L, &b, arg++, size, o.endian);
        break;
      case 'c':
      case 's':
        size = PackString(L, &b, arg++, opt, size);
        break;
      default:
        ApplyControl(L, opt, &fmt, &o);
    }
    total += size;
  }
  luaL_pushresult(&b);
  return 1;
}

// Unpacking c0: the length is the value unpacked just before (popped), which must be a number
// or a numeric string.
size_t TakePreviousSize(lua_State* L, int* results) {
  if (*results == 0 || !lua_isnumber(L, -1)) luaL_error(L, "format 'c0' needs a previous size");
  size_t size = ToUnsignedLikeX86(lua_tonumber(L, -1));
  lua_pop(L, 1);
  --*results;
  return size;
}

// Pushes the value of option opt found at data[pos] (checked to fit); returns its size.
size_t UnpackOne(lua_State* L, int opt, const char* data, size_t len, size_t pos, size_t size,
                 Endian endian, int* results) {
  switch (opt) {
    case 'b':
    case 'B':
    case 'h':
    case 'H':
    case 'l':
    case 'L':
    case 'T':
    case 'i':
    case 'I':
      lua_pushnumber(L, ReadInteger(data + pos, size, endian, IsLower(opt)));
      break;
    case 'f': {
      auto narrow = static_cast<uint32_t>(ReadBytes(data + pos, size, endian));
      float f = 0;
      std::memcpy(&f, &narrow, sizeof(f));
      lua_pushnumber(L, f);
      break;
    }
    case 'd': {
      uint64_t bits = ReadBytes(data + pos, size, endian);
      double d = 0;
      std::memcpy(&d, &bits, sizeof(d));
      lua_pushnumber(L, d);
      break;
    }
    case 'c':
      if (size == 0) {
        size = TakePreviousSize(L, results);
        luaL_argcheck(L, size <= len && pos <= len - size, 2, "data string too short");
      }
      lua_pushlstring(L, data + pos, size);
      break;
    case 's': {
      const void* end = std::memchr(data + pos, '\0', len - pos);
      if (end == nullptr) luaL_error(L, "unfinished string in data");
      size = static_cast<size_t>(static_cast<const char*>(end) - (data + pos)) + 1;
      lua_pushlstring(L, data + pos, size - 1);
      break;
    }
    default:
      return size;  // 'x' pushes nothing
  }
  ++*results;
  return size;
}

int Unpack(lua_State* L) {
  Options o;
  const char* fmt = luaL_checkstring(L, 1);
  size_t len = 0;
  const char* data = luaL_checklstring(L, 2, &len);
  // A negative position wraps to a huge one and fails as "data string too short", as in Redis.
  auto pos = static_cast<size_t>(luaL_optinteger(L, 3, 1));
  luaL_argcheck(L, pos > 0, 3, "offset must be 1 or greater");
  --pos;
  int results = 0;
  while (*fmt != '\0') {
    int opt = *fmt++;
    size_t size = OptionSize(L, opt, &fmt);
    pos += Padding(pos, o, opt, size);
    luaL_argcheck(L, size <= len && pos <= len - size, 2, "data string too short");
    luaL_checkstack(L, 2, "too many results");
    if (IsDataOption(opt)) {
      size = UnpackOne(L, opt, data, len, pos, size, o.endian, &results);
    } else {
      ApplyControl(L, opt, &fmt, &o);
    }
    pos += size;
  }
  lua_pushinteger(L, static_cast<lua_Integer>(pos + 1));
  return results + 1;
}

int Size(lua_State* L) {
  Options o;
  const char* fmt = luaL_checkstring(L, 1);
  size_t pos = 0;
  while (*fmt != '\0') {
    int opt = *fmt++;
    size_t size = OptionSize(L, opt, &fmt);
    pos += Padding(pos, o, opt, size);
    if (opt == 's') {
      luaL_argerror(L, 1, "option 's' has no fixed size");
    } else if (opt == 'c' && size == 0) {
      luaL_argerror(L, 1, "option 'c0' has no fixed size");
    }
    // Unknown letters count as size 0 here (pack and unpack refuse them), as in Redis.
    if (!IsAlnum(opt)) ApplyControl(L, opt, &fmt, &o);
    pos += size;
  }
  lua_pushinteger(L, static_cast<lua_Integer>(pos));
  return 1;
}

}  // namespace

int OpenStruct(lua_State* L) {
  lua_newtable(L);
  const luaL_Reg functions[] = {{"pack", Pack}, {"unpack", Unpack}, {"size", Size}};
  for (const luaL_Reg& f : functions) {
    lua_pushcfunction(L, f.func);
    lua_setfield(L, -2, f.name);
  }
  return 1;
}

}  // namespace cairn::server::scripting
