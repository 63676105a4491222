// tests/support/reply_text.cc — see reply_text.h.
#include "tests/support/reply_text.h"

#include <cstdlib>

namespace cairn::test {
namespace {

bool ReadLine(std::string_view b, size_t* pos, std::string_view* line) {
  size_t cr = b.find("\r\n", *pos);
  if (cr == std::string_view::npos) return false;
  *line = b.substr(*pos, cr - *pos);
  *pos = cr + 2;
  return true;
}

bool DecodeAggregate(std::string_view b, size_t* pos, long n, const char* open,
                     const char* close, bool map, std::string* text) {
  *text = open;
  for (long i = 0; i < n; ++i) {
    std::string item;
    if (!DecodeReply(b, pos, &item)) return false;
    if (i > 0) *text += map && i % 2 == 1 ? ": " : ", ";
    *text += item;
  }
  *text += close;
  return true;
}

}  // namespace

std::string DrainOutput(resp::OutputBuffer& out) { return out.Drain(); }

bool DecodeReply(std::string_view b, size_t* pos, std::string* text) {
  if (*pos >= b.size()) return false;
  char type = b[*pos];
  ++*pos;
  std::string_view line;
  if (!ReadLine(b, pos, &line)) return false;
  long n = std::strtol(std::string(line).c_str(), nullptr, 10);
  switch (type) {
    case '+': *text = "+" + std::string(line); return true;
    case '-': *text = "-" + std::string(line); return true;
    case ':': *text = ":" + std::string(line); return true;
    case ',': *text = "," + std::string(line); return true;
    case '#': *text = "#" + std::string(line); return true;
    case '_': *text = "(nil)"; return true;
    case '$':
    case '=': {
      if (n < 0) {
        *text = "(nil)";
        return true;
      }
      if (*pos + static_cast<size_t>(n) + 2 > b.size()) return false;
      *text = (type == '=' ? "=" : "") + std::string(b.substr(*pos, static_cast<size_t>(n)));
      *pos += static_cast<size_t>(n) + 2;
      return true;
    }
    case '*':
      if (n < 0) {
        *text = "(nil)";
        return true;
      }
      return DecodeAggregate(b, pos, n, "[", "]", false, text);
    case '~': return DecodeAggregate(b, pos, n, "~[", "]", false, text);
    case '%': return DecodeAggregate(b, pos, n * 2, "{", "}", true, text);
    default: return false;
  }
}

}  // namespace cairn::test
