// src/scripting/debug_format.cc — see debug_format.h.
#include "src/scripting/debug_format.h"

extern "C" {
#include <lua.h>
}

#include <algorithm>
#include <cstdint>
#include <cstdio>

#include "resp/number.h"
#include "src/base/quoted.h"

namespace cairn::server::scripting {
namespace {

constexpr std::string_view kTooDeep = "<max recursion level reached! Nested table?>";

void AppendAt(lua_State* L, int idx, int depth, std::string* out, size_t budget);

// Whether the table at (absolute) idx has the keys 1, 2, 3... in iteration order.
bool IsArray(lua_State* L, int idx) {
  double expected = 1;
  bool array = true;
  lua_pushnil(L);
  while (lua_next(L, idx) != 0) {
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TNUMBER || lua_tonumber(L, -1) != expected) {
      array = false;
      lua_pop(L, 1);
      break;
    }
    ++expected;
  }
  return array;
}

void AppendTable(lua_State* L, int idx, int depth, std::string* out, size_t budget) {
  if (!lua_checkstack(L, 4)) {  // the hook is promised only LUA_MINSTACK slots
    out->append(kTooDeep);
    return;
  }
  if (idx < 0) idx = lua_gettop(L) + idx + 1;  // absolute: the iteration pushes above it
  bool array = IsArray(L, idx);
  out->push_back('{');
  bool first = true;
  lua_pushnil(L);
  while (lua_next(L, idx) != 0) {
    if (out->size() > budget) {
      lua_pop(L, 2);  // the value and the key: the iteration ends here
      break;
    }
    if (!first) out->append("; ");
    first = false;
    if (!array) {
      out->push_back('[');
      AppendAt(L, -2, depth + 1, out, budget);
      out->append("]=");
    }
    AppendAt(L, -1, depth + 1, out, budget);
    lua_pop(L, 1);
  }
  out->push_back('}');
}

void AppendAt(lua_State* L, int idx, int depth, std::string* out, size_t budget) {
  if (out->size() > budget) return;
  if (depth == kMaxValueDepth) {
    out->append(kTooDeep);
    return;
  }
  int type = lua_type(L, idx);
  char buf[96];
  switch (type) {
    case LUA_TSTRING: {
      size_t len = 0;
      const char* s = lua_tolstring(L, idx, &len);
      AppendQuoted(out, {s, len});
      return;
    }
    case LUA_TBOOLEAN:
      out->append(lua_toboolean(L, idx) ? "true" : "false");
      return;
    case LUA_TNUMBER:
      std::snprintf(buf, sizeof(buf), "%g", static_cast<double>(lua_tonumber(L, idx)));
      out->append(buf);
      return;
    case LUA_TNIL:
      out->append("nil");
      return;
    case LUA_TTABLE:
      AppendTable(L, idx, depth, out, budget);
      return;
    default:
      break;
  }
  const char* name = type == LUA_TFUNCTION        ? "function"
                     : type == LUA_TUSERDATA      ? "userdata"
                     : type == LUA_TTHREAD        ? "thread"
                     : type == LUA_TLIGHTUSERDATA ? "light-userdata"
                                                  : nullptr;
  if (name == nullptr) {
    out->append("\"<unknown-lua-type>\"");
    return;
  }
  std::snprintf(buf, sizeof(buf), "\"%s@%p\"", name, lua_topointer(L, idx));
  out->append(buf);
}

// The line of a RESP header ("*3", ":12") without its type byte, and the offset after it.
bool HeaderLine(std::string_view resp, std::string_view* line, size_t* next) {
  size_t end = resp.find("\r\n");
  if (end == std::string_view::npos || end == 0) return false;
  *line = resp.substr(1, end - 1);
  *next = end + 2;
  return true;
}

size_t AppendAggregate(std::string_view resp, std::string_view line, size_t pos,
                       std::string* out) {
  int64_t n = 0;
  if (!resp::ParseInt64(line, &n) || n < 0) {
    out->append("NULL");
    return pos;
  }
  bool is_map = resp[0] == '%';
  bool is_set = resp[0] == '~';
  out->append(is_set ? "~(" : is_map ? "{" : "[");
  for (int64_t i = 0; i < n && pos < resp.size(); ++i) {
    pos += AppendReadableReply(resp.substr(pos), out);
    if (is_map) {
      out->append(" => ");
      pos += AppendReadableReply(resp.substr(pos), out);
    }
    if (i != n - 1) out->push_back(',');
  }
  out->append(is_set ? ")" : is_map ? "}" : "]");
  return pos;
}

}  // namespace

void AppendLuaValue(lua_State* L, int idx, std::string* out, size_t budget) {
  AppendAt(L, idx, 0, out, budget);
}

size_t AppendReadableReply(std::string_view resp, std::string* out) {
  std::string_view line;
  size_t pos = 0;
  if (resp.empty() || !HeaderLine(resp, &line, &pos)) return resp.size();
  int64_t n = 0;
  switch (resp[0]) {
    case ':':
    case '(':
      out->append(line);
      return pos;
    case '$':
    case '=':
      if (!resp::ParseInt64(line, &n) || n < 0) {
        out->append("NULL");
        return pos;
      }
      n = std::min<int64_t>(n, static_cast<int64_t>(resp.size() - pos));
      AppendQuoted(out, resp.substr(pos, static_cast<size_t>(n)));
      return std::min(resp.size(), pos + static_cast<size_t>(n) + 2);
    case '+':
    case '-':
      AppendQuoted(out, resp.substr(0, pos - 2));
      return pos;
    case '_':
      out->append("(null)");
      return pos;
    case '#':
      out->append(line == "t" ? "#true" : "#false");
      return pos;
    case ',':
      out->append("(double) ");
      out->append(line);
      return pos;
    case '*':
    case '~':
    case '>':
    case '%':
      return AppendAggregate(resp, line, pos, out);
    default:
      return resp.size();
  }
}

}  // namespace cairn::server::scripting
