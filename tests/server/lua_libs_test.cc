// tests/server/lua_libs_test.cc — cmsgpack and struct in a sandboxed interpreter, in-process:
// what only a small memory limit can show (the integration tests check the bytes and error
// texts against redis-server).
#include <doctest/doctest.h>

extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

#include <string>

#include "src/scripting/lua_sandbox.h"

using cairn::server::scripting::LuaMemory;
using cairn::server::scripting::OpenSandbox;
using cairn::server::scripting::Seal;

namespace {

// A sealed interpreter allowed `headroom_bytes` beyond what it uses once set up.
struct Sandbox {
  explicit Sandbox(size_t headroom_bytes) {
    memory.limit_bytes = size_t{1} << 30;
    L = OpenSandbox(&memory);
    Seal(L);
    lua_gc(L, LUA_GCCOLLECT, 0);
    memory.limit_bytes = memory.used_bytes + headroom_bytes;
  }
  ~Sandbox() { lua_close(L); }

  // Runs code; returns its string result, or "error: <message>".
  std::string Run(const std::string& code) {
    if (luaL_loadbuffer(L, code.data(), code.size(), "test") != 0 || lua_pcall(L, 0, 1, 0) != 0) {
      std::string message = lua_tostring(L, -1) != nullptr ? lua_tostring(L, -1) : "?";
      lua_pop(L, 1);
      return "error: " + message;
    }
    std::string result = lua_tostring(L, -1) != nullptr ? lua_tostring(L, -1) : "nil";
    lua_pop(L, 1);
    return result;
  }

  LuaMemory memory;
  lua_State* L = nullptr;
};

}  // namespace

TEST_CASE("cmsgpack.pack of a structure that expands past the memory limit fails cleanly") {
  Sandbox box(8 << 20);
  // Eight references to itself per level, 16 levels deep: 8^16 encodings if nothing stopped it.
  CHECK(box.Run("local t = {} for i = 1, 8 do t[i] = t end return #cmsgpack.pack(t)") ==
        "error: not enough memory");
  CHECK(box.memory.used_bytes <= box.memory.limit_bytes);
  lua_gc(box.L, LUA_GCCOLLECT, 0);
  CHECK(box.Run("return cmsgpack.pack({1, 2})") == "\x92\x01\x02");  // still usable
}

TEST_CASE("cmsgpack's output buffer counts against the script's memory") {
  Sandbox box(64 << 20);
  size_t before = box.memory.used_bytes;
  CHECK(box.Run("return tostring(#cmsgpack.pack(string.rep('x', 4000000)))") == "4000005");
  CHECK(box.memory.used_bytes > before + 4000000);
}

TEST_CASE("declared lengths far beyond the input allocate nothing they declare") {
  Sandbox box(1 << 20);  // a 4 GiB string or a 4-billion-element table would not fit
  CHECK(box.Run("return select(2, pcall(cmsgpack.unpack, '\\219\\255\\255\\255\\255abc'))") ==
        "Missing bytes in input.");
  CHECK(box.Run("return select(2, pcall(cmsgpack.unpack, '\\221\\255\\255\\255\\255\\1'))") ==
        "Missing bytes in input.");
  CHECK(box.Run("return select(2, pcall(cmsgpack.unpack, '\\223\\255\\255\\255\\255\\1\\1'))") ==
        "Missing bytes in input.");
  CHECK(box.Run("return select(2, pcall(struct.unpack, 'bc0', '\\255abc'))") ==
        "bad argument #2 to '?' (data string too short)");
}
