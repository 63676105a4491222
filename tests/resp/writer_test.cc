// tests/resp/writer_test.cc — every reply type's exact bytes in RESP2 and RESP3, and values
// written by the writer read back by the reply decoder and the request parser.
#include "resp/writer.h"

#include <doctest/doctest.h>
#include <sys/uio.h>

#include <cstdint>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "resp/output_buffer.h"
#include "resp/parser.h"
#include "tests/support/reply_text.h"

namespace cairn::resp {
namespace {

// Every pending byte of out, in order.
std::string Pending(const OutputBuffer& out) {
  std::vector<iovec> iov(1024);
  int n = out.Gather(iov.data(), static_cast<int>(iov.size()));
  std::string bytes;
  for (int i = 0; i < n; ++i)
    bytes.append(static_cast<const char*>(iov[i].iov_base), iov[i].iov_len);
  return bytes;
}

// The bytes one call to write produces for a client speaking `protocol`.
std::string Bytes(int protocol, const std::function<void(Writer&)>& write) {
  OutputBuffer out;
  Writer writer(&out, protocol);
  write(writer);
  return Pending(out);
}

// The bytes in RESP2 and in RESP3.
struct Both {
  std::string resp2;
  std::string resp3;
  bool operator==(const Both&) const = default;
};
Both Encode(const std::function<void(Writer&)>& write) {
  return {Bytes(2, write), Bytes(3, write)};
}

// Same bytes in both protocols.
Both Same(std::string bytes) { return {bytes, bytes}; }

// The decoded text of a single reply, checking nothing trails it.
std::string Decode(std::string_view bytes) {
  size_t pos = 0;
  std::string text;
  if (!test::DecodeReply(bytes, &pos, &text) || pos != bytes.size()) return "<undecodable>";
  return text;
}

struct Counter {
  int releases = 0;
  static void Release(void* self) { ++static_cast<Counter*>(self)->releases; }
};

TEST_CASE("simple strings and OK are the same in both protocols") {
  CHECK(Encode([](Writer& w) { w.WriteSimple("PONG"); }) == Same("+PONG\r\n"));
  CHECK(Encode([](Writer& w) { w.WriteOk(); }) == Same("+OK\r\n"));
}

TEST_CASE("an error reply keeps its code and text on one line") {
  CHECK(Encode([](Writer& w) { w.WriteError("ERR unknown command"); }) ==
        Same("-ERR unknown command\r\n"));
  CHECK(Encode([](Writer& w) { w.WriteError("ERR a\r\nb\nc\rd"); }) == Same("-ERR a  b c d\r\n"));
  CHECK(Encode([](Writer& w) { w.WriteError("ERR trailing\r\n"); }) == Same("-ERR trailing  \r\n"));
}

TEST_CASE("error replies are counted") {
  OutputBuffer out;
  Writer w(&out, 2);
  w.WriteOk();
  w.WriteError("ERR one");
  w.WriteError("WRONGTYPE two");
  CHECK(w.errors_written() == 2);
}

TEST_CASE("integers are the same in both protocols, extremes included") {
  CHECK(Encode([](Writer& w) { w.WriteInteger(0); }) == Same(":0\r\n"));
  CHECK(Encode([](Writer& w) { w.WriteInteger(-42); }) == Same(":-42\r\n"));
  CHECK(Encode([](Writer& w) { w.WriteInteger(INT64_MAX); }) == Same(":9223372036854775807\r\n"));
  CHECK(Encode([](Writer& w) { w.WriteInteger(INT64_MIN); }) == Same(":-9223372036854775808\r\n"));
}

TEST_CASE("bulk strings carry their length and any bytes") {
  CHECK(Encode([](Writer& w) { w.WriteBulk("hello"); }) == Same("$5\r\nhello\r\n"));
  CHECK(Encode([](Writer& w) { w.WriteBulk(""); }) == Same("$0\r\n\r\n"));
  std::string binary("a\r\n\0b", 5);
  CHECK(Encode([&](Writer& w) { w.WriteBulk(binary); }) == Same("$5\r\n" + binary + "\r\n"));
}

TEST_CASE("a number written as a bulk string is its decimal text") {
  CHECK(Encode([](Writer& w) { w.WriteBulkInt64(-7); }) == Same("$2\r\n-7\r\n"));
  CHECK(Encode([](Writer& w) { w.WriteBulkInt64(INT64_MIN); }) ==
        Same("$20\r\n-9223372036854775808\r\n"));
}

TEST_CASE("null is $-1 in RESP2 and _ in RESP3") {
  CHECK(Encode([](Writer& w) { w.WriteNull(); }) == Both{"$-1\r\n", "_\r\n"});
  CHECK(Encode([](Writer& w) { w.WriteNullArray(); }) == Both{"*-1\r\n", "_\r\n"});
}

TEST_CASE("aggregate headers: arrays alike, maps and sets typed only in RESP3") {
  CHECK(Encode([](Writer& w) { w.WriteArrayLen(3); }) == Same("*3\r\n"));
  CHECK(Encode([](Writer& w) { w.WriteArrayLen(0); }) == Same("*0\r\n"));
  CHECK(Encode([](Writer& w) { w.WriteMapLen(2); }) == Both{"*4\r\n", "%2\r\n"});
  CHECK(Encode([](Writer& w) { w.WriteSetLen(2); }) == Both{"*2\r\n", "~2\r\n"});
}

TEST_CASE("doubles are bulk strings in RESP2 and doubles in RESP3") {
  CHECK(Encode([](Writer& w) { w.WriteDouble(1.5); }) == Both{"$3\r\n1.5\r\n", ",1.5\r\n"});
  CHECK(Encode([](Writer& w) { w.WriteDouble(0.1); }) ==
        Both{"$19\r\n0.10000000000000001\r\n", ",0.10000000000000001\r\n"});
  double inf = std::numeric_limits<double>::infinity();
  CHECK(Encode([&](Writer& w) { w.WriteDouble(inf); }) == Both{"$3\r\ninf\r\n", ",inf\r\n"});
  CHECK(Encode([&](Writer& w) { w.WriteDouble(-inf); }) == Both{"$4\r\n-inf\r\n", ",-inf\r\n"});
}

TEST_CASE("booleans are 1 and 0 in RESP2 and #t and #f in RESP3") {
  CHECK(Encode([](Writer& w) { w.WriteBool(true); }) == Both{":1\r\n", "#t\r\n"});
  CHECK(Encode([](Writer& w) { w.WriteBool(false); }) == Both{":0\r\n", "#f\r\n"});
}

TEST_CASE("verbatim strings are bulk strings in RESP2 and carry their format in RESP3") {
  CHECK(Encode([](Writer& w) { w.WriteVerbatim("hi"); }) ==
        Both{"$2\r\nhi\r\n", "=6\r\ntxt:hi\r\n"});
  CHECK(Encode([](Writer& w) { w.WriteVerbatim("# x", "mkd"); }) ==
        Both{"$3\r\n# x\r\n", "=7\r\nmkd:# x\r\n"});
}

TEST_CASE("raw bytes are passed through unchanged") {
  CHECK(Encode([](Writer& w) { w.WriteRaw("+QUEUED\r\n"); }) == Same("+QUEUED\r\n"));
}

TEST_CASE("the protocol can change between replies") {
  OutputBuffer out;
  Writer w(&out, 2);
  w.WriteNull();
  w.set_protocol(3);
  w.WriteNull();
  CHECK(w.protocol() == 3);
  CHECK(Pending(out) == "$-1\r\n_\r\n");
}

TEST_CASE("a small referenced bulk is copied and its owner released at once") {
  OutputBuffer out;
  Writer w(&out, 2);
  Counter owner;
  std::string small(100, 's');
  w.WriteBulkRef(small, &Counter::Release, &owner);
  CHECK(owner.releases == 1);
  small.assign(100, 'X');  // the reply no longer depends on the caller's bytes
  CHECK(Pending(out) == "$100\r\n" + std::string(100, 's') + "\r\n");
}

TEST_CASE("a large referenced bulk is sent from the owner's bytes and released once written") {
  OutputBuffer out;
  Writer w(&out, 3);
  Counter owner;
  std::string large(Writer::kZeroCopyMinBytes, 'L');
  w.WriteBulkRef(large, &Counter::Release, &owner);
  CHECK(owner.releases == 0);
  std::string expected = "$" + std::to_string(large.size()) + "\r\n" + large + "\r\n";
  CHECK(Pending(out) == expected);
  out.Consume(out.size() - 2);
  CHECK(owner.releases == 1);
  out.Consume(2);
  CHECK(owner.releases == 1);
}

TEST_CASE("nested replies decode to the values written, in both protocols") {
  for (int protocol : {2, 3}) {
    std::string bytes = Bytes(protocol, [](Writer& w) {
      w.WriteArrayLen(4);
      w.WriteBulk("a");
      w.WriteInteger(5);
      w.WriteMapLen(1);
      w.WriteSimple("k");
      w.WriteDouble(2.5);
      w.WriteNull();
    });
    CAPTURE(protocol);
    CHECK(Decode(bytes) ==
          (protocol == 2 ? "[a, :5, [+k, 2.5], (nil)]" : "[a, :5, {+k: ,2.5}, (nil)]"));
  }
}

TEST_CASE("every scalar reply decodes back to what was written") {
  CHECK(Decode(Bytes(2, [](Writer& w) { w.WriteError("ERR x\ny"); })) == "-ERR x y");
  CHECK(Decode(Bytes(3, [](Writer& w) { w.WriteBool(true); })) == "#t");
  CHECK(Decode(Bytes(3, [](Writer& w) { w.WriteVerbatim("v"); })) == "=txt:v");
  CHECK(Decode(Bytes(3, [](Writer& w) {
          w.WriteSetLen(1);
          w.WriteBulk("m");
        })) == "~[m]");
  CHECK(Decode(Bytes(2, [](Writer& w) { w.WriteBulkInt64(12); })) == "12");
}

TEST_CASE("a command written with the writer parses back to the same arguments") {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<size_t> length(0, 40000);
  for (int round = 0; round < 20; ++round) {
    std::vector<std::string> args = {"SET"};
    for (int i = 0; i < 1 + round % 4; ++i) {
      std::string arg(length(rng) % (round % 2 ? 40000 : 40), '\0');
      for (char& c : arg) c = static_cast<char>(byte(rng));
      args.push_back(std::move(arg));
    }
    std::string bytes = Bytes(2, [&](Writer& w) {
      w.WriteArrayLen(static_cast<int64_t>(args.size()));
      for (const std::string& a : args) w.WriteBulk(a);
    });
    Parser parser;
    REQUIRE(parser.Parse(bytes) == ParseStatus::kCommand);
    CHECK(parser.consumed() == bytes.size());
    CHECK(std::vector<std::string>(parser.args().begin(), parser.args().end()) == args);
  }
}

}  // namespace
}  // namespace cairn::resp
