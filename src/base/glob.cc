// src/base/glob.cc — see glob.h. Iterative with one backtrack point for '*', so patterns like
// "*a*a*a*b" cost O(pattern * text) instead of exponential time.
#include "src/base/glob.h"

#include <cctype>

namespace cairn::server {
namespace {

char Fold(char c, bool nocase) {
  return nocase ? static_cast<char>(std::tolower(static_cast<unsigned char>(c))) : c;
}

// Matches one character class starting at pattern[p] == '['; returns the index after ']'
// and sets *matched.
size_t MatchClass(std::string_view pattern, size_t p, char c, bool nocase, bool* matched) {
  ++p;
  bool negate = p < pattern.size() && pattern[p] == '^';
  if (negate) ++p;
  bool hit = false;
  while (p < pattern.size() && pattern[p] != ']') {
    if (pattern[p] == '\\' && p + 1 < pattern.size()) {
      ++p;
      if (Fold(pattern[p], nocase) == Fold(c, nocase)) hit = true;
      ++p;
    } else if (p + 2 < pattern.size() && pattern[p + 1] == '-' && pattern[p + 2] != ']') {
      char lo = Fold(pattern[p], nocase), hi = Fold(pattern[p + 2], nocase);
      if (lo > hi) std::swap(lo, hi);
      char x = Fold(c, nocase);
      if (x >= lo && x <= hi) hit = true;
      p += 3;
    } else {
      if (Fold(pattern[p], nocase) == Fold(c, nocase)) hit = true;
      ++p;
    }
  }
  *matched = negate ? !hit : hit;
  return p < pattern.size() ? p + 1 : p;
}

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view text, bool nocase) {
  size_t p = 0, t = 0;
  size_t star_p = std::string_view::npos, star_t = 0;
  while (t < text.size()) {
    if (p < pattern.size()) {
      char pc = pattern[p];
      if (pc == '*') {
        while (p < pattern.size() && pattern[p] == '*') ++p;
        if (p == pattern.size()) return true;
        star_p = p;
        star_t = t;
        continue;
      }
      if (pc == '?') {
        ++p, ++t;
        continue;
      }
      if (pc == '[') {
        bool matched = false;
        size_t next = MatchClass(pattern, p, text[t], nocase, &matched);
        if (matched) {
          p = next, ++t;
          continue;
        }
      } else {
        if (pc == '\\' && p + 1 < pattern.size()) ++p, pc = pattern[p];
        if (Fold(pc, nocase) == Fold(text[t], nocase)) {
          ++p, ++t;
          continue;
        }
      }
    }
    if (star_p == std::string_view::npos) return false;
    p = star_p;
    t = ++star_t;
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace cairn::server
