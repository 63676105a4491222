// src/base/quoted.cc — see quoted.h.
#include "src/base/quoted.h"

#include <cstdio>

namespace cairn {

void AppendQuoted(std::string* out, std::string_view bytes) {
  out->push_back('"');
  for (unsigned char c : bytes) {
    switch (c) {
      case '\\': out->append("\\\\"); break;
      case '"': out->append("\\\""); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      case '\a': out->append("\\a"); break;
      case '\b': out->append("\\b"); break;
      default:
        if (c >= 0x20 && c < 0x7f) {
          out->push_back(static_cast<char>(c));
        } else {
          char hex[5];
          std::snprintf(hex, sizeof(hex), "\\x%02x", c);
          out->append(hex);
        }
    }
  }
  out->push_back('"');
}

}  // namespace cairn
