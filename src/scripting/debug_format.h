// src/scripting/debug_format.h — how the Lua debugger shows values to people, as Redis 7.0's
// does: Lua values (print, eval, redis.debug) and the RESP replies of the commands a script
// runs (<reply> lines).
//
// Both are bounded: a value is rendered once (a table's keys are looked at first to choose
// between the array and the map form), never deeper than kMaxValueDepth, and rendering stops
// once the output passes the caller's budget, so a table holding itself many times costs
// the budget, not an exponential walk. A reply is read only as far as it goes.
//
// Threading: the thread running the script (the lua_State's).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

struct lua_State;

namespace cairn::server::scripting {

// Nested tables print down to this depth, as in Redis (LUA_MINSTACK / 2).
inline constexpr int kMaxValueDepth = 10;

// Appends the Lua value at idx: strings quoted with escapes, numbers as %g, tables as {1; 2}
// or {[k]=v}, other objects as "type@address". Stops adding once out is longer than budget
// bytes (the caller trims what it shows).
void AppendLuaValue(lua_State* L, int idx, std::string* out, size_t budget);
// Appends a RESP reply: status and error lines and bulk strings quoted, integers as they
// are, arrays as [a,b], RESP3 sets as ~(a,b), maps as {k => v}, nulls as NULL or (null),
// booleans as #true/#false, doubles as "(double) 1.5". Returns the bytes of resp it used.
size_t AppendReadableReply(std::string_view resp, std::string* out);

}  // namespace cairn::server::scripting
