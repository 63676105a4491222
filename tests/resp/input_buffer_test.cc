// tests/resp/input_buffer_test.cc — received request bytes: contiguous, in order, storage
// only while bytes are pending, and growth driven by arrived bytes.
#include "resp/input_buffer.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>

#include "resp/parser.h"

namespace cairn::resp {
namespace {

// Copies up to max_bytes of bytes into in's free tail, as a read() would; returns the count.
size_t Receive(InputBuffer& in, std::string_view bytes, size_t max_bytes) {
  std::span<char> tail = in.Writable();
  size_t n = std::min({bytes.size(), tail.size(), max_bytes});
  std::memcpy(tail.data(), bytes.data(), n);
  in.Commit(n);
  return n;
}

TEST_CASE("an idle input buffer holds no storage") {
  InputBuffer in;
  CHECK(in.size() == 0);
  CHECK(in.capacity() == 0);
  CHECK(in.data().empty());
}

TEST_CASE("received bytes are readable from the front until consumed") {
  InputBuffer in;
  std::span<char> tail = in.Writable(10);
  REQUIRE(tail.size() >= 10);
  std::memcpy(tail.data(), "hello world", 11);
  in.Commit(11);
  CHECK(in.data() == "hello world");
  in.Consume(6);
  CHECK(in.data() == "world");
}

TEST_CASE("a drained input buffer gives its storage back") {
  InputBuffer in;
  Receive(in, "PING\r\n", 100);
  CHECK(in.capacity() > 0);
  in.Consume(6);
  CHECK(in.size() == 0);
  CHECK(in.capacity() == 0);
}

TEST_CASE("bytes stay contiguous and in order while the buffer grows and drains") {
  std::string stream;
  for (int i = 0; stream.size() < 300000; ++i) stream += std::to_string(i) + ",";
  InputBuffer in;
  std::string seen;
  size_t sent = 0;
  while (sent < stream.size()) {
    sent += Receive(in, std::string_view(stream).substr(sent), 3000);
    // Consume a little less than arrives so unconsumed bytes pile up and force growth.
    size_t take = in.size() / 3;
    seen.append(in.data().substr(0, take));
    in.Consume(take);
  }
  seen.append(in.data());
  CHECK(seen == stream);
}

TEST_CASE("a large value arriving through the input buffer grows it only as bytes arrive") {
  constexpr size_t kValue = 4 * 1024 * 1024;
  std::string command = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$" + std::to_string(kValue) + "\r\n" +
                        std::string(kValue, 'q') + "\r\n";
  InputBuffer in;
  Parser parser;
  size_t sent = 0;
  size_t largest_ratio_violation = 0;
  bool done = false;
  while (sent < command.size() && !done) {
    sent += Receive(in, std::string_view(command).substr(sent), 4096);
    if (in.capacity() > 2 * in.size() + 2 * InputBuffer::kDefaultSize) {
      largest_ratio_violation = std::max(largest_ratio_violation, in.capacity());
    }
    ParseStatus status = parser.Parse(in.data());
    REQUIRE(status != ParseStatus::kError);
    if (status == ParseStatus::kCommand) {
      REQUIRE(parser.args().size() == 3);
      CHECK(parser.args()[2].size() == kValue);
      CHECK(parser.args()[2].find_first_not_of('q') == std::string_view::npos);
      done = true;
    }
    in.Consume(parser.consumed());
  }
  CHECK(done);
  CHECK(largest_ratio_violation == 0);
  CHECK(in.capacity() == 0);
}

}  // namespace
}  // namespace cairn::resp
