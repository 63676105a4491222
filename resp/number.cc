// resp/number.cc — see number.h.
#include "resp/number.h"

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace cairn::resp {

bool ParseUint64(std::string_view text, uint64_t* out) {
  if (text.empty() || text.size() > kMaxInt64Chars) return false;
  if (text.size() > 1 && text[0] == '0') return false;
  uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    uint64_t digit = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - digit) / 10) return false;
    v = v * 10 + digit;
  }
  *out = v;
  return true;
}

bool ParseInt64(std::string_view text, int64_t* out) {
  bool negative = !text.empty() && text[0] == '-';
  if (negative) text.remove_prefix(1);
  uint64_t magnitude = 0;
  if (!ParseUint64(text, &magnitude)) return false;
  if (negative) {
    if (magnitude == 0 || magnitude > static_cast<uint64_t>(INT64_MAX) + 1) return false;
    *out = static_cast<int64_t>(0 - magnitude);
    return true;
  }
  if (magnitude > static_cast<uint64_t>(INT64_MAX)) return false;
  *out = static_cast<int64_t>(magnitude);
  return true;
}

namespace {

// Copies text into a NUL-terminated stack buffer for strtod; rejects what Redis rejects.
bool CopyNumberText(std::string_view text, char* buf, size_t cap) {
  if (text.empty() || text.size() >= cap) return false;
  if (std::isspace(static_cast<unsigned char>(text.front())) ||
      std::isspace(static_cast<unsigned char>(text.back()))) {
    return false;
  }
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  return std::memchr(text.data(), '\0', text.size()) == nullptr;
}

}  // namespace

bool ParseDouble(std::string_view text, double* out) {
  char buf[512];
  if (!CopyNumberText(text, buf, sizeof(buf))) return false;
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(buf, &end);
  if (end != buf + text.size() || std::isnan(v)) return false;
  // Out of range is an error only when it overflowed or underflowed to zero; a subnormal
  // result is a valid number (Redis's rule).
  if (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || v == 0)) return false;
  *out = v;
  return true;
}

bool ParseLongDouble(std::string_view text, long double* out) {
  // Redis reads up to 5 KB of digits here (INCRBYFLOAT on a long numeric string).
  char buf[kMaxLongDoubleChars + 1];
  if (!CopyNumberText(text, buf, sizeof(buf))) return false;
  char* end = nullptr;
  errno = 0;
  long double v = std::strtold(buf, &end);
  if (end != buf + text.size() || std::isnan(v)) return false;
  if (errno == ERANGE && (v == HUGE_VALL || v == -HUGE_VALL || v == 0)) return false;
  *out = v;
  return true;
}

size_t FormatInt64(int64_t value, char* buf) {
  char tmp[kMaxInt64Chars];
  uint64_t v = value < 0 ? 0 - static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
  size_t n = 0;
  do {
    tmp[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  size_t len = 0;
  if (value < 0) buf[len++] = '-';
  while (n > 0) buf[len++] = tmp[--n];
  return len;
}

size_t FormatDouble(double value, char* buf) {
  if (std::isinf(value)) {
    const char* text = value > 0 ? "inf" : "-inf";
    std::memcpy(buf, text, std::strlen(text));
    return std::strlen(text);
  }
  // An integral value below 1e15 prints as its digits under %.17g (no exponent, no point):
  // format it as an integer, several times cheaper (scripts pass counters as Lua numbers).
  // Negative zero keeps its sign ("-0") through the general form below.
  if (std::fabs(value) < 1e15 && (value != 0 || !std::signbit(value))) {
    auto integral = static_cast<int64_t>(value);
    if (static_cast<double>(integral) == value) return FormatInt64(integral, buf);
  }
  // std::to_chars with a precision prints as printf's %.17g does, several times faster than
  // snprintf (whose glibc form goes through multi-precision arithmetic). A sorted set's
  // scores in a reply are mostly this.
  return static_cast<size_t>(
      std::to_chars(buf, buf + kMaxDoubleChars, value, std::chars_format::general, 17).ptr - buf);
}

size_t FormatLongDouble(long double value, char* buf) {
  // 17 digits after the point, then trim trailing zeros (and the point), as Redis does.
  int n = std::snprintf(buf, kMaxLongDoubleChars, "%.17Lf", value);
  if (n <= 0 || n >= static_cast<int>(kMaxLongDoubleChars)) {
    n = std::snprintf(buf, kMaxLongDoubleChars, "%.17Lg", value);
    return static_cast<size_t>(n);
  }
  size_t len = static_cast<size_t>(n);
  if (std::memchr(buf, '.', len) != nullptr) {
    while (len > 0 && buf[len - 1] == '0') --len;
    if (len > 0 && buf[len - 1] == '.') --len;
  }
  if (len == 2 && buf[0] == '-' && buf[1] == '0') {
    buf[0] = '0';
    len = 1;
  }
  return len;
}

}  // namespace cairn::resp
