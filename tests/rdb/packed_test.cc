// tests/rdb/packed_test.cc — the packed blobs inside RDB objects: listpack integers and
// strings at every encoding boundary, intset widths, ziplist and zipmap reading, and
// refusal of blobs whose headers lie.
#include "store/rdb/packed.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace cairn::rdb {
namespace {

std::string Le(uint64_t v, int bytes) {
  std::string out;
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
  return out;
}

// A literal's bytes, NULs included.
template <size_t N>
std::string Bytes(const char (&s)[N]) {
  return std::string(s, N - 1);
}

TEST_CASE("listpack integers at every width boundary read back as integers") {
  std::vector<int64_t> values = {0,
                                 127,
                                 128,
                                 -1,
                                 -4096,
                                 4095,
                                 4096,
                                 -4097,
                                 32767,
                                 -32768,
                                 32768,
                                 8388607,
                                 -8388608,
                                 8388608,
                                 INT32_MAX,
                                 INT32_MIN,
                                 int64_t{INT32_MAX} + 1,
                                 INT64_MAX,
                                 INT64_MIN};
  ListpackWriter w;
  for (int64_t v : values) w.Append(std::to_string(v));
  std::string lp = w.Finish();
  std::vector<PackedEntry> out;
  REQUIRE(ReadListpack(lp, &out));
  REQUIRE(out.size() == values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    CHECK(out[i].is_int);
    CHECK(out[i].num == values[i]);
  }
}

TEST_CASE("listpack strings of 6-, 12- and 32-bit lengths read back, non-canonical ints too") {
  std::vector<std::string> values = {"",
                                     "a",
                                     std::string(63, 'b'),
                                     std::string(64, 'c'),
                                     std::string(4095, 'd'),
                                     std::string(4096, 'e'),
                                     std::string(70000, 'f'),
                                     "007",
                                     "-0",
                                     "+1",
                                     " 1",
                                     "99999999999999999999"};
  ListpackWriter w;
  for (const std::string& v : values) w.Append(v);
  std::string lp = w.Finish();
  std::vector<PackedEntry> out;
  REQUIRE(ReadListpack(lp, &out));
  REQUIRE(out.size() == values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    CHECK_FALSE(out[i].is_int);
    CHECK(out[i].Text() == values[i]);
  }
}

TEST_CASE("a listpack matches redis-server's bytes for the same elements") {
  // From redis-server 7.0.15: HSET h f1 v1 n 42.
  ListpackWriter w;
  for (const char* e : {"f1", "v1", "n", "42"}) w.Append(e);
  std::string expected = Bytes(
      "\x14\x00\x00\x00\x04\x00\x82"
      "f1\x03\x82"
      "v1\x03\x81n\x02\x2a\x01\xff");
  CHECK(w.Finish() == expected);
}

TEST_CASE("a listpack whose header, backlen or count lies is refused") {
  ListpackWriter w;
  w.Append("hello");
  w.Append("12");
  std::string good = w.Finish();
  std::vector<PackedEntry> out;
  REQUIRE(ReadListpack(good, &out));
  std::string bad_size = good;
  bad_size[0] = static_cast<char>(bad_size[0] + 1);
  CHECK_FALSE(ReadListpack(bad_size, &out));
  std::string bad_count = good;
  bad_count[4] = 3;
  CHECK_FALSE(ReadListpack(bad_count, &out));
  std::string bad_backlen = good;
  bad_backlen[6 + 6] = 9;  // "hello"'s backlen
  CHECK_FALSE(ReadListpack(bad_backlen, &out));
  std::string no_end = good;
  no_end.back() = 0;
  CHECK_FALSE(ReadListpack(no_end, &out));
  std::string long_string = good;
  long_string[6] = static_cast<char>(0xF0);  // a 32-bit length running past the end
  CHECK_FALSE(ReadListpack(long_string, &out));
}

TEST_CASE("an intset takes the narrowest width that holds every value") {
  std::vector<int64_t> out;
  std::string narrow = WriteIntset({-5, 1, 2, 3});
  CHECK(narrow ==
        Le(2, 4) + Le(4, 4) + Le(static_cast<uint64_t>(-5), 2) + Le(1, 2) + Le(2, 2) + Le(3, 2));
  std::string wide = WriteIntset({1, 5000000000});
  CHECK(wide.substr(0, 4) == Le(8, 4));
  REQUIRE(ReadIntset(wide, &out));
  CHECK(out == std::vector<int64_t>{1, 5000000000});
  out.clear();
  REQUIRE(ReadIntset(WriteIntset({INT32_MIN, 0, INT32_MAX}), &out));
  CHECK(out == std::vector<int64_t>{INT32_MIN, 0, INT32_MAX});
}

TEST_CASE("an intset out of order, with a bad width or a short body is refused") {
  std::vector<int64_t> out;
  CHECK_FALSE(ReadIntset(Le(2, 4) + Le(2, 4) + Le(5, 2) + Le(3, 2), &out));
  CHECK_FALSE(ReadIntset(Le(3, 4) + Le(1, 4) + Le(5, 3), &out));
  CHECK_FALSE(ReadIntset(Le(2, 4) + Le(3, 4) + Le(5, 2), &out));
  CHECK_FALSE(ReadIntset(Le(2, 4), &out));
}

// A ziplist of the given raw entries (each prevlen + encoding + data built here).
std::string Ziplist(const std::vector<std::string>& encoded) {
  std::string body;
  size_t prev = 0, last = 10;
  for (const std::string& e : encoded) {
    last = 10 + body.size();
    std::string entry = std::string(1, static_cast<char>(prev)) + e;
    body += entry;
    prev = entry.size();
  }
  std::string zl = Le(10 + body.size() + 1, 4) + Le(last, 4) + Le(encoded.size(), 2) + body;
  return zl + "\xff";
}

TEST_CASE("ziplist strings and integers of every encoding read back") {
  std::string zl =
      Ziplist({std::string("\x03"
                           "abc"),
               std::string("\xfe\x85", 2), std::string("\xc0\x00\x80", 3),
               std::string("\xf0\x01\x00\x80", 4), std::string("\xd0") + Le(70000, 4),
               std::string("\xe0") + Le(1, 8), std::string("\xf1"), std::string("\xfd")});
  std::vector<PackedEntry> out;
  REQUIRE(ReadZiplist(zl, &out));
  std::vector<std::string> texts;
  for (const PackedEntry& e : out) texts.push_back(e.Text());
  CHECK(texts ==
        std::vector<std::string>{"abc", "-123", "-32768", "-8388607", "70000", "1", "0", "12"});
}

TEST_CASE("a ziplist with a wrong back link, tail or count is refused") {
  std::string zl = Ziplist({"\x01x", "\x01y"});
  std::vector<PackedEntry> out;
  REQUIRE(ReadZiplist(zl, &out));
  std::string bad_prev = zl;
  bad_prev[10 + 3] = 7;
  CHECK_FALSE(ReadZiplist(bad_prev, &out));
  std::string bad_tail = zl;
  bad_tail[4] = 10;
  CHECK_FALSE(ReadZiplist(bad_tail, &out));
  std::string bad_count = zl;
  bad_count[8] = 3;
  CHECK_FALSE(ReadZiplist(bad_count, &out));
}

TEST_CASE("a zipmap reads its pairs and skips each value's free bytes") {
  std::string zm = Bytes(
      "\x02\x01"
      "a"
      "\x02\x01"
      "bcX\x01"
      "d\x00\x00\xff");
  std::vector<std::string_view> out;
  REQUIRE(ReadZipmap(zm, &out));
  CHECK(out == std::vector<std::string_view>{"a", "bc", "d", ""});
  std::string lying = zm;
  lying[0] = 3;
  out.clear();
  CHECK_FALSE(ReadZipmap(lying, &out));
}

}  // namespace
}  // namespace cairn::rdb
