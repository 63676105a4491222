// tests/resp/number_test.cc — number <-> text as Redis 7.0 reads and prints it.
#include "resp/number.h"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace cairn::resp {
namespace {

bool Int64Accepted(std::string_view text) {
  int64_t v = 0;
  return ParseInt64(text, &v);
}

int64_t Int64Of(std::string_view text) {
  int64_t v = -12345;
  REQUIRE(ParseInt64(text, &v));
  return v;
}

bool DoubleAccepted(std::string_view text) {
  double v = 0;
  return ParseDouble(text, &v);
}

std::string Int64Text(int64_t v) {
  char buf[kMaxInt64Chars];
  return std::string(buf, FormatInt64(v, buf));
}

std::string DoubleText(double v) {
  char buf[kMaxDoubleChars];
  return std::string(buf, FormatDouble(v, buf));
}

std::string LongDoubleText(long double v) {
  char buf[kMaxLongDoubleChars];
  return std::string(buf, FormatLongDouble(v, buf));
}

// What INCRBYFLOAT prints for a stored value plus an increment, both given as text.
std::string IncrByFloat(std::string_view stored, std::string_view increment) {
  long double a = 0;
  long double b = 0;
  REQUIRE(ParseLongDouble(stored, &a));
  REQUIRE(ParseLongDouble(increment, &b));
  return LongDoubleText(a + b);
}

TEST_CASE("integers in canonical form parse, including both int64 extremes") {
  CHECK(Int64Of("0") == 0);
  CHECK(Int64Of("7") == 7);
  CHECK(Int64Of("-42") == -42);
  CHECK(Int64Of("9223372036854775807") == INT64_MAX);
  CHECK(Int64Of("-9223372036854775808") == INT64_MIN);
}

TEST_CASE("integers Redis rejects are rejected") {
  CHECK_FALSE(Int64Accepted(""));
  CHECK_FALSE(Int64Accepted("-"));
  CHECK_FALSE(Int64Accepted("-0"));
  CHECK_FALSE(Int64Accepted("01"));
  CHECK_FALSE(Int64Accepted("-01"));
  CHECK_FALSE(Int64Accepted("+1"));
  CHECK_FALSE(Int64Accepted(" 1"));
  CHECK_FALSE(Int64Accepted("1 "));
  CHECK_FALSE(Int64Accepted("1.0"));
  CHECK_FALSE(Int64Accepted("0x10"));
  CHECK_FALSE(Int64Accepted("9223372036854775808"));
  CHECK_FALSE(Int64Accepted("-9223372036854775809"));
  CHECK_FALSE(Int64Accepted("18446744073709551616"));
  CHECK_FALSE(Int64Accepted("99999999999999999999999"));
  CHECK_FALSE(Int64Accepted(std::string_view("1\0", 2)));
}

TEST_CASE("a rejected integer leaves the output untouched") {
  int64_t v = 99;
  CHECK_FALSE(ParseInt64("12x", &v));
  CHECK(v == 99);
}

TEST_CASE("unsigned integers accept the full uint64 range and nothing more") {
  uint64_t v = 0;
  CHECK(ParseUint64("18446744073709551615", &v));
  CHECK(v == UINT64_MAX);
  CHECK_FALSE(ParseUint64("18446744073709551616", &v));
  CHECK_FALSE(ParseUint64("-1", &v));
  CHECK_FALSE(ParseUint64("007", &v));
}

TEST_CASE("formatted integers parse back to the same value") {
  for (int64_t v : {int64_t{0}, int64_t{1}, int64_t{-1}, int64_t{10}, int64_t{-999999}, INT64_MAX,
                    INT64_MIN, INT64_MIN + 1}) {
    std::string text = Int64Text(v);
    CAPTURE(text);
    CHECK(text.size() <= kMaxInt64Chars);
    CHECK(Int64Of(text) == v);
  }
  CHECK(Int64Text(INT64_MIN) == "-9223372036854775808");
  CHECK(Int64Text(-42) == "-42");
}

TEST_CASE("doubles parse as strtod reads them, inf included") {
  double v = 0;
  REQUIRE(ParseDouble("1.5", &v));
  CHECK(v == 1.5);
  REQUIRE(ParseDouble("-3e2", &v));
  CHECK(v == -300);
  REQUIRE(ParseDouble("inf", &v));
  CHECK(std::isinf(v));
  REQUIRE(ParseDouble("-inf", &v));
  CHECK((std::isinf(v) && v < 0));
  REQUIRE(ParseDouble(".5", &v));
  CHECK(v == 0.5);
}

TEST_CASE("doubles with spaces, junk or NaN are rejected") {
  CHECK_FALSE(DoubleAccepted(""));
  CHECK_FALSE(DoubleAccepted(" 1"));
  CHECK_FALSE(DoubleAccepted("1 "));
  CHECK_FALSE(DoubleAccepted("1.5x"));
  CHECK_FALSE(DoubleAccepted("nan"));
  CHECK_FALSE(DoubleAccepted("abc"));
  CHECK_FALSE(DoubleAccepted(std::string_view("1\0", 2)));
}

// Redis 7.0 (ZADD z 1e400 m, ZADD z 1e-400 m) replies "ERR value is not a valid float": a
// value that overflows to infinity or underflows to zero is rejected, while a subnormal
// result (ZADD z 1e-310 m) is accepted.
TEST_CASE("doubles that overflow or underflow to zero are rejected, subnormals accepted") {
  CHECK_FALSE(DoubleAccepted("1e400"));
  CHECK_FALSE(DoubleAccepted("-1e400"));
  CHECK_FALSE(DoubleAccepted("1e-400"));
  double v = 0;
  CHECK(ParseDouble("1e-310", &v));
  CHECK(v > 0);
}

TEST_CASE("long doubles parse with the same spacing rules") {
  long double v = 0;
  REQUIRE(ParseLongDouble("10.5", &v));
  CHECK(v == 10.5L);
  CHECK_FALSE(ParseLongDouble(" 1", &v));
  CHECK_FALSE(ParseLongDouble("1 ", &v));
  CHECK_FALSE(ParseLongDouble("nan", &v));
  CHECK_FALSE(ParseLongDouble("", &v));
}

// Redis 7.0: INCRBYFLOAT y 1e5000 and INCRBYFLOAT y 1e-5000 fail with "ERR value is not a
// valid float"; SET x 1e-4940 then INCRBYFLOAT x 0 (a subnormal long double) replies "0".
TEST_CASE("long doubles that overflow or underflow to zero are rejected, subnormals accepted") {
  long double v = 0;
  CHECK_FALSE(ParseLongDouble("1e5000", &v));
  CHECK_FALSE(ParseLongDouble("1e-5000", &v));
  CHECK(ParseLongDouble("1e-4940", &v));
  CHECK(v > 0);
}

TEST_CASE("doubles print with 17 significant digits as Redis 7.0 does") {
  CHECK(DoubleText(1.5) == "1.5");
  CHECK(DoubleText(0.1) == "0.10000000000000001");
  CHECK(DoubleText(0.1 + 0.2) == "0.30000000000000004");
  CHECK(DoubleText(3000) == "3000");
  CHECK(DoubleText(-2) == "-2");
  CHECK(DoubleText(1e300) == "1.0000000000000001e+300");
  CHECK(DoubleText(std::numeric_limits<double>::infinity()) == "inf");
  CHECK(DoubleText(-std::numeric_limits<double>::infinity()) == "-inf");
}

TEST_CASE("integral doubles print exactly as %.17g prints them, around the fast path's edges") {
  std::vector<double> values = {0.0, -0.0, 1, -1, 42, 1e14, 999999999999999.0, 1e15,
                                -999999999999999.0, -1e15, 1e16, 9007199254740992.0,
                                123456789012345.0, -123456789012345.0, 0.5, -0.5,
                                999999999999999.5, std::nan("")};
  for (int64_t v = -5000; v <= 5000; v += 7) values.push_back(static_cast<double>(v));
  for (double v : values) {
    char expected[kMaxDoubleChars];
    int n = std::snprintf(expected, sizeof(expected), "%.17g", v);
    CHECK(DoubleText(v) == std::string(expected, static_cast<size_t>(n)));
  }
}

TEST_CASE("any double prints exactly as %.17g prints it") {
  std::mt19937_64 rng(17);
  for (int i = 0; i < 300000; ++i) {
    uint64_t bits = rng();
    double v = 0;
    if (i % 3 == 0) {
      std::memcpy(&v, &bits, sizeof v);  // any bit pattern: subnormals, huge, NaN
    } else if (i % 3 == 1) {
      v = static_cast<double>(bits % 100000000) / 1000;  // a score typed with 3 decimals
    } else {
      v = std::ldexp(static_cast<double>(bits >> 11), static_cast<int>(rng() % 240) - 180);
    }
    if (std::isinf(v)) continue;  // Redis's own text, checked above
    char expected[kMaxDoubleChars];
    int n = std::snprintf(expected, sizeof(expected), "%.17g", v);
    REQUIRE(DoubleText(v) == std::string(expected, static_cast<size_t>(n)));
  }
}

TEST_CASE("printed doubles parse back to the same value") {
  for (double v : {0.1, -2.5, 1e-300, 123456789.123456789, 1.7976931348623157e308}) {
    double back = 0;
    REQUIRE(ParseDouble(DoubleText(v), &back));
    CHECK(back == v);
  }
}

TEST_CASE("long doubles print human-friendly: no exponent, trailing zeros trimmed") {
  CHECK(LongDoubleText(10.5L) == "10.5");
  CHECK(LongDoubleText(3.0e3L) == "3000");
  CHECK(LongDoubleText(-0.25L) == "-0.25");
  CHECK(LongDoubleText(0.0L) == "0");
  CHECK(LongDoubleText(-0.0L) == "0");
  CHECK(LongDoubleText(1e20L) == "100000000000000000000");
}

TEST_CASE("INCRBYFLOAT sums print like Redis: 0.1 + 0.2 is 0.3 in long double") {
  CHECK(IncrByFloat("0.1", "0.2") == "0.3");
  CHECK(IncrByFloat("10.50", "0") == "10.5");
  CHECK(IncrByFloat("0", "3.0e3") == "3000");
  CHECK(IncrByFloat("5.0e3", "2.0e2") == "5200");
  // The double 0.1 + 0.2 is not 0.3, and 17 decimals show it.
  CHECK(LongDoubleText(static_cast<long double>(0.1 + 0.2)) == "0.30000000000000004");
}

TEST_CASE("a tiny negative long double prints as 0, not -0") {
  CHECK(IncrByFloat("-0.0000000000000000001", "0") == "0");
}

// Redis 7.0: SET b 1e47; INCRBYFLOAT b 0 -> "99999999999999999997324805280232041220908515328".
TEST_CASE("a large long double prints all its digits, without an exponent") {
  long double v = 0;
  REQUIRE(ParseLongDouble("1e47", &v));
  std::string text = LongDoubleText(v);
  CHECK(text.find('e') == std::string::npos);
  CHECK(text.size() == 47);
}

}  // namespace
}  // namespace cairn::resp
