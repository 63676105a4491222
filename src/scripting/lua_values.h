// src/scripting/lua_values.h — converting between RESP replies and Lua values, exactly as
// Redis 7.0 does for scripts.
//
// Reply -> Lua (what redis.call returns): integer -> number, bulk -> string, null bulk/array
// -> false (RESP2) or nil (RESP3 null), array -> table, status -> {ok=...}, error ->
// {err=...}, and in RESP3 map -> {map={...}}, set -> {set={k=true}}, double -> {double=n},
// boolean -> boolean, big number -> {big_number=s}, verbatim -> {verbatim_string={...}}.
// Lua -> reply (what a script returns): string -> bulk, number -> integer (truncated), true ->
// 1 (RESP2) or #t, false -> null, table -> {err=}/{ok=}/{double=}/... or an array cut at the
// first nil, anything else -> null.
//
// These functions never raise a Lua error: callers hold C++ objects on the stack.
#pragma once

#include <string>
#include <string_view>

#include "resp/writer.h"

struct lua_State;

namespace cairn::server::scripting {

// Pushes the Lua value of the single complete reply in bytes (as a command wrote it). Returns
// false, pushing nothing, when bytes is not one complete reply.
bool PushReply(lua_State* L, std::string_view bytes);

// Marks the error table on top as already counted in errorstats (the error reply of a
// command the script ran, or its refusal): relayed as the script's reply, it is not counted
// again. Redis names the field the same.
void MarkErrorCounted(lua_State* L);
// Whether the table on top carries that mark. Leaves the stack as it was.
bool ErrorCounted(lua_State* L);

// Pushes {err = "CODE message"} for text, read as Redis reads a script error: "-CODE message"
// keeps its code ("-message" without a space gets ERR), a text without "-" gets "ERR " in
// front; a trailing CRLF is dropped.
void PushErrorTable(lua_State* L, std::string_view text);

// Writes the value on top of the stack as the reply and pops it. script_resp is the protocol
// the script chose with redis.setresp (2 or 3); it decides how booleans are sent.
void WriteValue(lua_State* L, resp::Writer& w, int script_resp);

}  // namespace cairn::server::scripting
