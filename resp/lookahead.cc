// resp/lookahead.cc — see lookahead.h.
#include "resp/lookahead.h"

#include <cstdint>
#include <cstring>

namespace cairn::resp {
namespace {

// Largest argument count a peek follows: longer commands are rare in pipelines of small ones,
// and the bound keeps one peek's header walk short.
constexpr size_t kMaxPeekArgc = 1024;

// Reads "<prefix><digits>\r\n" at bytes[*pos]; false when it is not there whole.
bool ReadHeader(std::string_view bytes, char prefix, size_t* pos, size_t* value) {
  size_t i = *pos;
  if (i >= bytes.size() || bytes[i] != prefix) return false;
  ++i;
  size_t n = 0;
  size_t digits = 0;
  for (; i < bytes.size() && bytes[i] >= '0' && bytes[i] <= '9'; ++i, ++digits) {
    if (digits == 18) return false;  // beyond any length worth following
    n = n * 10 + static_cast<size_t>(bytes[i] - '0');
  }
  if (digits == 0 || i + 1 >= bytes.size() || bytes[i] != '\r' || bytes[i + 1] != '\n') {
    return false;
  }
  *pos = i + 2;
  *value = n;
  return true;
}

}  // namespace

PeekedCommand PeekCommand(std::string_view bytes, std::span<std::string_view> args,
                          size_t max_bulk_len) {
  size_t pos = 0;
  size_t argc = 0;
  if (!ReadHeader(bytes, '*', &pos, &argc) || argc == 0 || argc > kMaxPeekArgc) return {};
  size_t seen = 0;
  for (size_t i = 0; i < argc; ++i) {
    size_t len = 0;
    if (!ReadHeader(bytes, '$', &pos, &len) || len > max_bulk_len) return {};
    if (bytes.size() - pos < len + 2) return {};  // the argument has not arrived whole
    if (bytes[pos + len] != '\r' || bytes[pos + len + 1] != '\n') return {};
    if (seen < args.size()) args[seen++] = bytes.substr(pos, len);
    pos += len + 2;
  }
  return {pos, argc, seen};
}

}  // namespace cairn::resp
