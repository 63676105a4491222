// resp/inline_split.cc — see inline_split.h.
#include "resp/inline_split.h"

#include <cctype>

namespace cairn::resp {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

char Unescape(char c) {
  switch (c) {
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    case 'b': return '\b';
    case 'a': return '\a';
    default: return c;
  }
}

bool IsSpace(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

// Decodes one double-quoted argument starting after the opening quote. Returns the index
// just past the closing quote, or npos when unbalanced.
size_t DecodeDouble(std::string_view line, size_t i, std::string* out) {
  while (i < line.size()) {
    char c = line[i];
    if (c == '\\' && i + 3 < line.size() && line[i + 1] == 'x' && HexValue(line[i + 2]) >= 0 &&
        HexValue(line[i + 3]) >= 0) {
      out->push_back(static_cast<char>(HexValue(line[i + 2]) * 16 + HexValue(line[i + 3])));
      i += 4;
    } else if (c == '\\' && i + 1 < line.size()) {
      out->push_back(Unescape(line[i + 1]));
      i += 2;
    } else if (c == '"') {
      return i + 1;
    } else {
      out->push_back(c);
      ++i;
    }
  }
  return std::string_view::npos;
}

size_t DecodeSingle(std::string_view line, size_t i, std::string* out) {
  while (i < line.size()) {
    char c = line[i];
    if (c == '\\' && i + 1 < line.size() && line[i + 1] == '\'') {
      out->push_back('\'');
      i += 2;
    } else if (c == '\'') {
      return i + 1;
    } else {
      out->push_back(c);
      ++i;
    }
  }
  return std::string_view::npos;
}

}  // namespace

bool SplitInline(std::string_view line, std::string* scratch,
                 std::vector<std::string_view>* args) {
  scratch->clear();
  // Decoded text never exceeds the line, so after this reserve the scratch never reallocates
  // and views into it stay valid while arguments are added.
  scratch->reserve(line.size());
  args->clear();
  size_t i = 0;
  while (true) {
    while (i < line.size() && IsSpace(line[i])) ++i;
    if (i == line.size()) break;
    size_t start = scratch->size();
    while (i < line.size() && !IsSpace(line[i])) {
      char c = line[i];
      if (c == '"' || c == '\'') {
        i = c == '"' ? DecodeDouble(line, i + 1, scratch) : DecodeSingle(line, i + 1, scratch);
        if (i == std::string_view::npos) return false;
        if (i < line.size() && !IsSpace(line[i])) return false;  // closing quote + space
        break;
      }
      scratch->push_back(c);
      ++i;
    }
    args->emplace_back(scratch->data() + start, scratch->size() - start);
  }
  return true;
}

}  // namespace cairn::resp
