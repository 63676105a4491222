// tests/server/script_debugger_test.cc — how the Lua debugger shows replies and Lua values, for
// what the integration tests cannot reach through redis.call: RESP3 types no command of a
// script returns, replies cut short, tables nested past the depth limit or containing
// themselves. (tests/integration/test_script_debug.py checks sessions against redis-server.)
#include <doctest/doctest.h>

extern "C" {
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
}

#include <string>

#include "src/scripting/debug_format.h"

using cairn::server::scripting::AppendLuaValue;
using cairn::server::scripting::AppendReadableReply;

namespace {

std::string Readable(std::string_view resp, size_t* used = nullptr) {
  std::string out;
  size_t n = AppendReadableReply(resp, &out);
  if (used != nullptr) *used = n;
  return out;
}

// The value code returns, as the debugger prints it.
std::string LuaValue(const std::string& code, size_t budget = 1 << 20) {
  lua_State* L = luaL_newstate();
  luaL_openlibs(L);
  std::string out;
  if (luaL_loadbuffer(L, code.data(), code.size(), "test") != 0 || lua_pcall(L, 0, 1, 0) != 0) {
    out = "error";
  } else {
    AppendLuaValue(L, -1, &out, budget);
  }
  lua_close(L);
  return out;
}

}  // namespace

TEST_CASE("replies read as Redis's debugger shows them") {
  CHECK(Readable(":12\r\n") == "12");
  CHECK(Readable("$3\r\na\"b\r\n") == "\"a\\\"b\"");
  CHECK(Readable("$-1\r\n") == "NULL");
  CHECK(Readable("*-1\r\n") == "NULL");
  CHECK(Readable("+OK\r\n") == "\"+OK\"");
  CHECK(Readable("-ERR no\r\n") == "\"-ERR no\"");
  CHECK(Readable("*2\r\n:1\r\n*1\r\n$1\r\n\x01\r\n") == "[1,[\"\\x01\"]]");
  CHECK(Readable("%1\r\n$1\r\nk\r\n~2\r\n:1\r\n:2\r\n") == "{\"k\" => ~(1,2)}");
  CHECK(Readable("_\r\n") == "(null)");
  CHECK(Readable("#t\r\n") == "#true");
  CHECK(Readable("#f\r\n") == "#false");
  CHECK(Readable(",1.5\r\n") == "(double) 1.5");
  CHECK(Readable("(123456789012345678901234567890\r\n") == "123456789012345678901234567890");
  CHECK(Readable("=7\r\ntxt:abc\r\n") == "\"txt:abc\"");
}

TEST_CASE("a reply cut short or malformed is shown as far as it goes, never read past") {
  size_t used = 0;
  CHECK(Readable("$10\r\nabc", &used) == "\"abc\"");
  CHECK(used == 8);
  CHECK(Readable("*3\r\n:1\r\n", &used) == "[1,]");
  CHECK(used == 8);
  CHECK(Readable("*99999999999\r\n", &used) == "[]");
  CHECK(Readable("", &used).empty());
  CHECK(Readable("?x\r\n", &used).empty());
  CHECK(Readable(":1", &used).empty());
}

TEST_CASE("Lua values print as Redis's debugger prints them") {
  CHECK(LuaValue("return 'a\\nb'") == "\"a\\nb\"");
  CHECK(LuaValue("return 3") == "3");
  CHECK(LuaValue("return 0.5") == "0.5");
  CHECK(LuaValue("return true") == "true");
  CHECK(LuaValue("return nil") == "nil");
  CHECK(LuaValue("return {1, 'x', {2}}") == "{1; \"x\"; {2}}");
  CHECK(LuaValue("return {}") == "{}");
  CHECK(LuaValue("return {k = false}") == "{[\"k\"]=false}");
  CHECK(LuaValue("return print").rfind("\"function@0x", 0) == 0);
}

TEST_CASE("a table that contains itself stops at the depth limit") {
  std::string out = LuaValue("local t = {} t[1] = t return t");
  CHECK(out == "{{{{{{{{{{<max recursion level reached! Nested table?>}}}}}}}}}}");
}

TEST_CASE("a table holding itself many times costs the budget, not an exponential walk") {
  // Ten references at each of ten levels would be 10^10 renderings without the budget.
  std::string out = LuaValue("local t = {} for i = 1, 10 do t[i] = t end return t", 4096);
  CHECK(out.size() < 4096 + 200);
  CHECK(out.rfind("{{{{{{{{{{<max recursion level reached! Nested table?>; <max", 0) == 0);
  std::string map = LuaValue("local t = {} t.a = t t.b = t return t", 300);
  CHECK(map.rfind("{[\"", 0) == 0);
  CHECK(map.size() < 300 + 200);
}
