// tests/resp/lookahead_test.cc — PeekCommand finds whole multibulk commands and their first
// arguments, and gives up (size 0) on anything partial, inline or malformed.
#include "resp/lookahead.h"

#include <doctest/doctest.h>

#include <string>
#include <string_view>

namespace cairn::resp {
namespace {

constexpr size_t kNoLimit = 512 * 1024 * 1024;

TEST_CASE("a pipeline is read one whole command at a time") {
  std::string input = "*2\r\n$3\r\nGET\r\n$3\r\nfoo\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n";
  std::string_view args[4];
  PeekedCommand first = PeekCommand(input, args, kNoLimit);
  CHECK(first.size == 22);
  CHECK(first.argc == 2);
  REQUIRE(first.seen == 2);
  CHECK(args[0] == "GET");
  CHECK(args[1] == "foo");
  PeekedCommand second = PeekCommand(std::string_view(input).substr(first.size), args, kNoLimit);
  CHECK(second.size == input.size() - first.size);
  CHECK(second.argc == 3);
  REQUIRE(second.seen == 3);
  CHECK(args[0] == "SET");
  CHECK(args[1] == "k");
  CHECK(args[2] == "");
}

TEST_CASE("only the first arguments are kept; the rest are skipped by length") {
  std::string value(100000, 'v');
  std::string input = "*4\r\n$4\r\nMSET\r\n$1\r\na\r\n$100000\r\n" + value + "\r\n$1\r\nb\r\n";
  std::string_view args[2];
  PeekedCommand c = PeekCommand(input, args, kNoLimit);
  CHECK(c.size == input.size());
  CHECK(c.argc == 4);
  CHECK(c.seen == 2);
  CHECK(args[1] == "a");
}

TEST_CASE("a command not yet whole is not a command") {
  std::string input = "*2\r\n$3\r\nGET\r\n$3\r\nfoo\r\n";
  std::string_view args[4];
  for (size_t cut = 0; cut < input.size(); ++cut) {
    CAPTURE(cut);
    CHECK(PeekCommand(std::string_view(input).substr(0, cut), args, kNoLimit).size == 0);
  }
  std::string big = "*2\r\n$3\r\nSET\r\n$1000000\r\nxyz";  // a large value on its way
  CHECK(PeekCommand(big, args, kNoLimit).size == 0);
}

TEST_CASE("inline commands, malformed headers and lengths over the limit end the look") {
  std::string_view args[4];
  for (std::string_view bad :
       {"GET foo\r\n", "*x\r\n", "*0\r\n", "*-1\r\n", "*1\r\n+GET\r\n", "*1\r\n$3\r\nGETX\r\n",
        "*1\r\n$3\nGET\r\n", "*1\r\n$99999999999999999999\r\n", "*1\r\n$\r\n\r\n", "*2000\r\n"}) {
    CAPTURE(bad);
    CHECK(PeekCommand(bad, args, kNoLimit).size == 0);
  }
  CHECK(PeekCommand("*1\r\n$5\r\nhello\r\n", args, 4).size == 0);
  CHECK(PeekCommand("*1\r\n$5\r\nhello\r\n", args, 5).size == 15);
}

}  // namespace
}  // namespace cairn::resp
