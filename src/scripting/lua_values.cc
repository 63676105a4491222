// src/scripting/lua_values.cc — see lua_values.h.
#include "src/scripting/lua_values.h"

extern "C" {
#include <lua.h>
}

#include <cmath>
#include <cstdlib>
#include <limits>

namespace cairn::server::scripting {
namespace {

// A cursor over one reply; each Parse* consumes one element and pushes it (or, with L null,
// only skips it: RESP3 attributes are not shown to scripts).
class ReplyReader {
 public:
  explicit ReplyReader(std::string_view bytes) : in_(bytes) {}

  bool Parse(lua_State* L) {
    if (pos_ >= in_.size() || ++depth_ > kMaxDepth) return false;
    char type = in_[pos_++];
    std::string_view line;
    if (!Line(&line)) return false;
    bool ok = ParseTyped(L, type, line);
    --depth_;
    return ok;
  }

 private:
  static constexpr int kMaxDepth = 1000;

  bool Line(std::string_view* line) {
    size_t end = in_.find("\r\n", pos_);
    if (end == std::string_view::npos) return false;
    *line = in_.substr(pos_, end - pos_);
    pos_ = end + 2;
    return true;
  }

  static bool ToInt(std::string_view s, int64_t* out) {
    if (s.empty() || s.size() > 20) return false;
    std::string tmp(s);
    char* end = nullptr;
    *out = std::strtoll(tmp.c_str(), &end, 10);
    return end == tmp.c_str() + tmp.size();
  }

  bool Bulk(std::string_view line, std::string_view* body, bool* null) {
    int64_t len = 0;
    if (!ToInt(line, &len)) return false;
    *null = len < 0;
    if (len < 0) return true;
    if (static_cast<uint64_t>(len) + 2 > in_.size() - pos_) return false;
    *body = in_.substr(pos_, static_cast<size_t>(len));
    pos_ += static_cast<size_t>(len) + 2;
    return true;
  }

  bool ParseTyped(lua_State* L, char type, std::string_view line);
  bool ParseAggregate(lua_State* L, char type, int64_t n);

  std::string_view in_;
  size_t pos_ = 0;
  int depth_ = 0;
};

void PushField(lua_State* L, const char* key, std::string_view value) {
  lua_newtable(L);
  lua_pushstring(L, key);
  lua_pushlstring(L, value.data(), value.size());
  lua_settable(L, -3);
}

bool ReplyReader::ParseTyped(lua_State* L, char type, std::string_view line) {
  if (L != nullptr && !lua_checkstack(L, 8)) return false;
  int64_t n = 0;
  switch (type) {
    case ':':
      if (!ToInt(line, &n)) return false;
      if (L) lua_pushnumber(L, static_cast<lua_Number>(n));
      return true;
    case '+':
      if (L) PushField(L, "ok", line);
      return true;
    case '-':
      if (L) PushErrorTable(L, "-" + std::string(line));
      return true;
    case '$':
    case '=': {
      std::string_view body;
      bool null = false;
      if (!Bulk(line, &body, &null)) return false;
      if (L == nullptr) return true;
      if (null) {
        lua_pushboolean(L, 0);
      } else if (type == '$') {
        lua_pushlstring(L, body.data(), body.size());
      } else {  // verbatim: "txt:" then the text
        lua_newtable(L);
        lua_pushstring(L, "verbatim_string");
        PushField(L, "string", body.size() >= 4 ? body.substr(4) : body);
        lua_pushstring(L, "format");
        lua_pushlstring(L, body.data(), std::min<size_t>(3, body.size()));
        lua_settable(L, -3);
        lua_settable(L, -3);
      }
      return true;
    }
    case '_':
      if (L) lua_pushnil(L);
      return true;
    case '#':
      if (L) lua_pushboolean(L, line == "t");
      return true;
    case ',': {
      if (L == nullptr) return true;
      std::string tmp(line);
      lua_newtable(L);
      lua_pushstring(L, "double");
      lua_pushnumber(L, std::strtod(tmp.c_str(), nullptr));
      lua_settable(L, -3);
      return true;
    }
    case '(':
      if (L) PushField(L, "big_number", line);
      return true;
    case '*':
    case '%':
    case '~':
    case '|':
    case '>':
      if (!ToInt(line, &n)) return false;
      return ParseAggregate(L, type, n);
    default:
      return false;
  }
}

bool ReplyReader::ParseAggregate(lua_State* L, char type, int64_t n) {
  if (n < 0) {  // *-1: a null array
    if (L) lua_pushboolean(L, 0);
    return true;
  }
  if (type == '|') {  // attributes: skip them, then the reply they annotate
    for (int64_t i = 0; i < 2 * n; ++i) {
      if (!Parse(nullptr)) return false;
    }
    return Parse(L);
  }
  if (L == nullptr) {
    int64_t elements = type == '%' ? 2 * n : n;
    for (int64_t i = 0; i < elements; ++i) {
      if (!Parse(nullptr)) return false;
    }
    return true;
  }
  bool wrapped = type == '%' || type == '~';
  if (wrapped) {
    lua_newtable(L);
    lua_pushstring(L, type == '%' ? "map" : "set");
  }
  lua_newtable(L);
  for (int64_t i = 0; i < n; ++i) {
    if (type == '*' || type == '>') lua_pushnumber(L, static_cast<lua_Number>(i + 1));
    if (!Parse(L)) return false;
    if (type == '%' && !Parse(L)) return false;
    if (type == '~') lua_pushboolean(L, 1);
    lua_settable(L, -3);
  }
  if (wrapped) lua_settable(L, -3);
  return true;
}

// The string field key of the table on top, or nullptr. Leaves the stack as it was.
bool StringField(lua_State* L, const char* key, std::string* out) {
  lua_pushstring(L, key);
  lua_rawget(L, -2);
  bool found = lua_type(L, -1) == LUA_TSTRING;
  if (found) {
    size_t len = 0;
    const char* s = lua_tolstring(L, -1, &len);
    out->assign(s, len);
  }
  lua_pop(L, 1);
  return found;
}

std::string NoNewlines(std::string s) {
  for (char& c : s) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  return s;
}

// Redis converts with a C cast, which on x86-64 turns NaN and every value outside the int64
// range into INT64_MIN; scripts see that (e.g. `return 2^63` replies -9223372036854775808).
int64_t TruncateToInt(lua_Number n) {
  if (n >= -9.2233720368547758e18 && n < 9.2233720368547758e18) return static_cast<int64_t>(n);
  return std::numeric_limits<int64_t>::min();
}

void WriteTable(lua_State* L, resp::Writer& w, int script_resp);

// Writes the map or set in the table at the top (its inner table) and pops nothing.
void WriteMapOrSet(lua_State* L, resp::Writer& w, int script_resp, bool map) {
  int64_t count = 0;
  lua_pushnil(L);
  while (lua_next(L, -2) != 0) {
    ++count;
    lua_pop(L, 1);
  }
  if (map) {
    w.WriteMapLen(count);
  } else {
    w.WriteSetLen(count);
  }
  lua_pushnil(L);
  while (lua_next(L, -2) != 0) {  // stack: table, key, value
    if (map) {
      lua_pushvalue(L, -2);
      WriteValue(L, w, script_resp);  // the key copy
      WriteValue(L, w, script_resp);  // the value
    } else {
      lua_pop(L, 1);
      lua_pushvalue(L, -1);
      WriteValue(L, w, script_resp);
    }
  }
}

// Tries the table forms that are not arrays; true when one matched and was written.
bool WriteSpecialTable(lua_State* L, resp::Writer& w, int script_resp) {
  std::string text;
  if (StringField(L, "err", &text)) {
    if (ErrorCounted(L)) {
      w.WriteRelayedError(NoNewlines(std::move(text)));
    } else {
      w.WriteError(NoNewlines(std::move(text)));
    }
    return true;
  }
  if (StringField(L, "ok", &text)) {
    w.WriteSimple(NoNewlines(std::move(text)));
    return true;
  }
  lua_pushstring(L, "double");
  lua_rawget(L, -2);
  if (lua_type(L, -1) == LUA_TNUMBER) {
    w.WriteDouble(lua_tonumber(L, -1));
    lua_pop(L, 1);
    return true;
  }
  lua_pop(L, 1);
  if (StringField(L, "big_number", &text)) {
    w.WriteBigNumber(NoNewlines(std::move(text)));
    return true;
  }
  lua_pushstring(L, "verbatim_string");
  lua_rawget(L, -2);
  if (lua_type(L, -1) == LUA_TTABLE) {
    std::string format, str;
    if (StringField(L, "format", &format) && StringField(L, "string", &str)) {
      w.WriteVerbatim(str, format);
      lua_pop(L, 1);
      return true;
    }
  }
  lua_pop(L, 1);
  for (const char* kind : {"map", "set"}) {
    lua_pushstring(L, kind);
    lua_rawget(L, -2);
    if (lua_type(L, -1) == LUA_TTABLE) {
      WriteMapOrSet(L, w, script_resp, kind[0] == 'm');
      lua_pop(L, 1);
      return true;
    }
    lua_pop(L, 1);
  }
  return false;
}

void WriteTable(lua_State* L, resp::Writer& w, int script_resp) {
  if (WriteSpecialTable(L, w, script_resp)) return;
  int64_t n = 0;
  while (true) {
    lua_rawgeti(L, -1, static_cast<int>(n + 1));
    bool nil = lua_isnil(L, -1);
    lua_pop(L, 1);
    if (nil) break;
    ++n;
  }
  w.WriteArrayLen(n);
  for (int64_t i = 1; i <= n; ++i) {
    lua_rawgeti(L, -1, static_cast<int>(i));
    WriteValue(L, w, script_resp);
  }
}

}  // namespace

bool PushReply(lua_State* L, std::string_view bytes) {
  int top = lua_gettop(L);
  ReplyReader reader(bytes);
  if (reader.Parse(L)) return true;
  lua_settop(L, top);
  return false;
}

constexpr const char* kCountedField = "ignore_error_stats_update";

void MarkErrorCounted(lua_State* L) {
  lua_pushstring(L, kCountedField);
  lua_pushboolean(L, 1);
  lua_rawset(L, -3);
}

bool ErrorCounted(lua_State* L) {
  lua_pushstring(L, kCountedField);
  lua_rawget(L, -2);
  bool counted = lua_toboolean(L, -1);
  lua_pop(L, 1);
  return counted;
}

void PushErrorTable(lua_State* L, std::string_view text) {
  std::string msg;
  if (!text.empty() && text[0] == '-') {  // "-CODE message", or "-message" (code ERR)
    text.remove_prefix(1);
    if (text.find(' ') == std::string_view::npos) msg = "ERR ";
  } else {
    msg = "ERR ";
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  msg.append(text);
  lua_newtable(L);
  lua_pushstring(L, "err");
  lua_pushlstring(L, msg.data(), msg.size());
  lua_settable(L, -3);
}

void WriteValue(lua_State* L, resp::Writer& w, int script_resp) {
  // A table that contains itself (or nests deeper than Lua's stack) ends here, as in Redis.
  if (!lua_checkstack(L, 8)) {
    w.WriteError("ERR reached lua stack limit");
    lua_pop(L, 1);
    return;
  }
  switch (lua_type(L, -1)) {
    case LUA_TSTRING: {
      size_t len = 0;
      const char* s = lua_tolstring(L, -1, &len);
      w.WriteBulk(std::string_view(s, len));
      break;
    }
    case LUA_TBOOLEAN:
      if (script_resp == 2) {
        if (lua_toboolean(L, -1)) {
          w.WriteInteger(1);
        } else {
          w.WriteNull();
        }
      } else {
        w.WriteBool(lua_toboolean(L, -1) != 0);
      }
      break;
    case LUA_TNUMBER:
      w.WriteInteger(TruncateToInt(lua_tonumber(L, -1)));
      break;
    case LUA_TTABLE:
      WriteTable(L, w, script_resp);
      break;
    default:
      w.WriteNull();
  }
  lua_pop(L, 1);
}

}  // namespace cairn::server::scripting
