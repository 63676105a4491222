// Tests for store/lzf.h and the compressed string encoding of store/rdb/rdb_string.h.
#include "store/lzf.h"

#include <doctest/doctest.h>

#include <random>
#include <string>
#include <string_view>
#include <utility>

#include "store/rdb/rdb_string.h"

namespace cairn::rdb {
namespace {

using store::LzfCompress;
using store::LzfDecompress;

// Compresses with room for the input's size and decompresses it back.
std::string RoundTrip(const std::string& in, size_t* compressed) {
  std::string buf(in.size() + in.size() / 32 + 8, '\0');
  *compressed = LzfCompress(in, buf.data(), buf.size());
  REQUIRE(*compressed > 0);
  std::string out;
  REQUIRE(LzfDecompress(std::string_view(buf.data(), *compressed), in.size(), &out));
  return out;
}

TEST_CASE("LZF round-trips repetitive, random and mixed inputs of every size class") {
  std::mt19937_64 rng(11);
  for (size_t n : {1, 2, 3, 4, 31, 32, 33, 100, 264, 265, 1000, 8192, 8193, 70000}) {
    std::string runs(n, 'a');
    std::string random(n, '\0');
    for (char& c : random) c = static_cast<char>(rng());
    std::string mixed;
    while (mixed.size() < n) {  // words repeated at distances near and past 8 KB
      mixed += "field:" + std::to_string(rng() % 50) + ",value:" + std::to_string(rng() % 9000);
    }
    mixed.resize(n);
    std::string periodic;  // references that overlap what they write, 2 to 9 bytes back
    for (size_t i = 0; periodic.size() < n; ++i) periodic += std::string(1, "abcdefgh"[i % 8]);
    std::string stepped;
    for (size_t i = 0; stepped.size() < n; ++i) stepped += std::string(i % 9 + 2, 'k' + i % 3);
    periodic.resize(n);
    stepped.resize(n);
    for (const std::string* in : {&runs, &random, &mixed, &periodic, &stepped}) {
      size_t clen = 0;
      CHECK(RoundTrip(*in, &clen) == *in);
      if (in == &runs && n >= 100) CHECK(clen * 10 < n);  // long runs shrink a lot
    }
  }
}

TEST_CASE("LZF gives up rather than writing past its room") {
  std::mt19937_64 rng(3);
  std::string random(1000, '\0');
  for (char& c : random) c = static_cast<char>(rng());
  std::string buf(997, '\x5a');  // room for 996, then a guard byte
  CHECK(LzfCompress(random, buf.data(), 996) == 0);
  CHECK(buf[996] == '\x5a');
  CHECK(LzfCompress("", buf.data(), 996) == 0);
  // Compressible input with one byte less room than it needs: nothing past the room either.
  std::string runs(1000, 'q');
  std::string out(64, '\0');
  size_t need = LzfCompress(runs, out.data(), out.size());
  REQUIRE(need > 0);
  std::string tight(need, '\x5a');
  CHECK(LzfCompress(runs, tight.data(), need - 1) == 0);
  CHECK(tight[need - 1] == '\x5a');
}

TEST_CASE("references reach exactly 8 KB back and copy up to 264 bytes") {
  std::mt19937_64 rng(5);
  std::string block(8192, '\0');
  for (char& c : block) c = static_cast<char>(rng());
  std::string in = block + block.substr(0, 600);  // a repeat 8192 bytes back
  size_t near_len = 0, far_len = 0;
  CHECK(RoundTrip(in, &near_len) == in);
  // One byte further, 8193 back, is out of reach: the repeat goes as literals.
  std::string far = block + "x" + block.substr(0, 600);
  CHECK(RoundTrip(far, &far_len) == far);
  CHECK(far_len > far.size());
  CHECK(near_len + 500 < far_len);  // near, the 600 bytes went as a few references
}

// The first back reference of an LZF stream: its length and distance, or {0, 0}.
std::pair<size_t, size_t> FirstReference(std::string_view stream) {
  size_t ip = 0;
  while (ip < stream.size()) {
    unsigned ctrl = static_cast<uint8_t>(stream[ip++]);
    if (ctrl < 32) {
      ip += ctrl + 1;
      continue;
    }
    size_t len = ctrl >> 5;
    if (len == 7) len += static_cast<uint8_t>(stream[ip++]);
    size_t back = ((ctrl & 0x1Fu) << 8) + static_cast<uint8_t>(stream[ip]) + 1;
    return {len + 2, back};
  }
  return {0, 0};
}

TEST_CASE("a repeat that differs at any byte is copied up to that byte and no further") {
  // Matches are measured 8 bytes at a time, then byte by byte: the first differing byte may
  // sit anywhere in a word or in the tail after the last whole word (43 = 5 words + 3).
  std::mt19937_64 rng(9);
  std::string block(43, '\0');
  for (char& c : block) c = static_cast<char>(rng());
  for (size_t k = 3; k <= block.size(); ++k) {
    std::string repeat = block;
    if (k < block.size()) repeat[k] = static_cast<char>(repeat[k] ^ 0x20);
    std::string in = block + repeat;
    size_t clen = 0;
    std::string buf(in.size() + in.size() / 32 + 8, '\0');
    CHECK(RoundTrip(in, &clen) == in);
    clen = LzfCompress(in, buf.data(), buf.size());
    auto [len, back] = FirstReference(std::string_view(buf.data(), clen));
    CAPTURE(k);
    CHECK(len == k);  // the repeat's first k bytes, from the block's start
    CHECK(back == block.size());
  }
}

TEST_CASE("an RDB string of more than 20 compressible bytes is stored LZF-compressed") {
  std::string text(100, 'a');
  text += "bc";
  std::string out;
  PutRdbString(&out, text);
  CHECK(static_cast<uint8_t>(out[0]) == 0xC3);
  CHECK(out.size() < 20);
  std::string_view in = out;
  std::string back;
  REQUIRE(ReadRdbString(&in, &back));
  CHECK(back == text);
  CHECK(in.empty());

  // 20 bytes, incompressible bytes, integers: as they are.
  for (std::string s : {std::string(20, 'a'), std::string("0123456789abcdefghijKLMNOP"),
                        std::string("12345")}) {
    out.clear();
    PutRdbString(&out, s);
    CHECK(static_cast<uint8_t>(out[0]) != 0xC3);
  }

  SetRdbCompression(false);
  out.clear();
  PutRdbString(&out, text);
  CHECK(out == std::string("\x40\x66") + text);  // length 102 (14-bit form), the bytes
  SetRdbCompression(true);
}

}  // namespace
}  // namespace cairn::rdb
