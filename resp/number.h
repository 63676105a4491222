// resp/number.h — the number <-> text conversions RESP and Redis commands agree on.
//
// ParseInt64 follows Redis's strict rule: optional '-', no '+', no spaces, no leading zeros,
// the whole text must be consumed and fit in int64. ParseDouble accepts what strtod accepts
// (plus "inf"/"-inf") but no spaces and no NaN. FormatDouble prints like Redis 7.0 (%.17g).
// All functions are pure and thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace cairn::resp {

// Longest text FormatInt64 writes ("-9223372036854775808").
constexpr size_t kMaxInt64Chars = 20;
// Buffer size large enough for FormatDouble.
constexpr size_t kMaxDoubleChars = 64;
// Buffer size for FormatLongDouble: without an exponent, the largest long doubles print
// thousands of digits (Redis uses the same bound).
constexpr size_t kMaxLongDoubleChars = 5 * 1024;

[[nodiscard]] bool ParseInt64(std::string_view text, int64_t* out);
[[nodiscard]] bool ParseUint64(std::string_view text, uint64_t* out);
[[nodiscard]] bool ParseDouble(std::string_view text, double* out);
[[nodiscard]] bool ParseLongDouble(std::string_view text, long double* out);

// Each writes into buf (at least kMaxInt64Chars / kMaxDoubleChars / kMaxLongDoubleChars
// bytes) and returns the length.
size_t FormatInt64(int64_t value, char* buf);
size_t FormatDouble(double value, char* buf);
// Human-friendly long double as INCRBYFLOAT prints it: no exponent, trailing zeros trimmed.
size_t FormatLongDouble(long double value, char* buf);

}  // namespace cairn::resp
