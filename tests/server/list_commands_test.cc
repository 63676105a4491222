// tests/server/list_commands_test.cc — the list commands in-process: every command and
// option, Redis's edge cases (negative indexes, empty ranges, count 0, missing keys), exact
// error texts, and the RESP2/RESP3 shapes of the null replies, down to the bytes.
#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "tests/server/harness.h"

namespace cairn::test {
namespace {

constexpr std::string_view kWrongType =
    "-WRONGTYPE Operation against a key holding the wrong kind of value";

// The reply's raw bytes, to tell a null bulk ($-1) from a null array (*-1).
std::string Raw(InProcess& t, std::vector<std::string> args) {
  server::ThreadStats* stats = t.state().stats.Create();  // owned by t's state
  std::vector<std::string_view> views(args.begin(), args.end());
  resp::OutputBuffer out;
  resp::Writer writer(&out, t.client().protocol.load());
  server::Execute(t.state(), t.client(), *stats, writer, views);
  return DrainOutput(out);
}

TEST_CASE("LPUSH and RPUSH add at each end and reply with the length") {
  InProcess t;
  CHECK(t.Cmd("RPUSH l a b c") == ":3");
  CHECK(t.Cmd("LPUSH l x y") == ":5");
  CHECK(t.Cmd("LRANGE l 0 -1") == "[y, x, a, b, c]");
  CHECK(t.Cmd("LLEN l") == ":5");
  CHECK(t.Cmd("LLEN nosuch") == ":0");
  CHECK(t.Cmd("TYPE l") == "+list");
  CHECK(t.Cmd("OBJECT ENCODING l") == "quicklist");
}

TEST_CASE("LPUSHX and RPUSHX push only to an existing list") {
  InProcess t;
  CHECK(t.Cmd("LPUSHX l a") == ":0");
  CHECK(t.Cmd("RPUSHX l a") == ":0");
  CHECK(t.Cmd("EXISTS l") == ":0");
  CHECK(t.Cmd("RPUSH l m") == ":1");
  CHECK(t.Cmd("LPUSHX l a b") == ":3");
  CHECK(t.Cmd("RPUSHX l z") == ":4");
  CHECK(t.Cmd("LRANGE l 0 -1") == "[b, a, m, z]");
}

TEST_CASE("LPOP and RPOP with and without count") {
  InProcess t;
  t.Cmd("RPUSH l a b c d");
  CHECK(t.Cmd("LPOP l") == "a");
  CHECK(t.Cmd("RPOP l") == "d");
  CHECK(t.Cmd("LPOP l 0") == "[]");
  CHECK(t.Cmd("RPOP l 5") == "[c, b]");
  CHECK(t.Cmd("EXISTS l") == ":0");
  CHECK(Raw(t, {"LPOP", "l"}) == "$-1\r\n");
  CHECK(Raw(t, {"LPOP", "l", "2"}) == "*-1\r\n");
  CHECK(Raw(t, {"RPOP", "l", "0"}) == "*-1\r\n");
  CHECK(t.Cmd("LPOP l -1") == "-ERR value is out of range, must be positive");
  CHECK(t.Cmd("LPOP l x") == "-ERR value is out of range, must be positive");
  CHECK(t.Cmd("LPOP l 1 2") == "-ERR wrong number of arguments for 'lpop' command");
}

TEST_CASE("null replies are _ in RESP3") {
  InProcess t;
  t.Cmd("HELLO 3");
  CHECK(Raw(t, {"LPOP", "nosuch"}) == "_\r\n");
  CHECK(Raw(t, {"LPOP", "nosuch", "3"}) == "_\r\n");
  CHECK(Raw(t, {"LINDEX", "nosuch", "0"}) == "_\r\n");
  CHECK(Raw(t, {"LMPOP", "1", "nosuch", "LEFT"}) == "_\r\n");
  CHECK(Raw(t, {"LMOVE", "nosuch", "d", "LEFT", "LEFT"}) == "_\r\n");
  CHECK(Raw(t, {"BLPOP", "nosuch", "0"}) == "_\r\n");
  CHECK(Raw(t, {"LPOS", "nosuch", "a", "COUNT", "0"}) == "*0\r\n");
}

TEST_CASE("LINDEX and LRANGE take negative indexes and clamp ranges") {
  InProcess t;
  t.Cmd("RPUSH l a b c d e");
  CHECK(t.Cmd("LINDEX l 0") == "a");
  CHECK(t.Cmd("LINDEX l -1") == "e");
  CHECK(t.Cmd("LINDEX l 5") == "(nil)");
  CHECK(t.Cmd("LINDEX l -6") == "(nil)");
  CHECK(t.Cmd("LINDEX l x") == "-ERR value is not an integer or out of range");
  CHECK(t.Cmd("LRANGE l 1 2") == "[b, c]");
  CHECK(t.Cmd("LRANGE l -2 -1") == "[d, e]");
  CHECK(t.Cmd("LRANGE l -100 100") == "[a, b, c, d, e]");
  CHECK(t.Cmd("LRANGE l 3 1") == "[]");
  CHECK(t.Cmd("LRANGE l 5 10") == "[]");
  CHECK(t.Cmd("LRANGE nosuch 0 -1") == "[]");
}

TEST_CASE("integer-looking elements come back with their exact bytes") {
  InProcess t;
  t.Cmd("RPUSH l 0 -0 01 123 -9223372036854775808 9223372036854775807");
  CHECK(t.Cmd("LRANGE l 0 -1") ==
        "[0, -0, 01, 123, -9223372036854775808, 9223372036854775807]");
  CHECK(t.Cmd("LPOS l 01") == ":2");
  CHECK(t.Cmd("LPOS l 1") == "(nil)");
}

TEST_CASE("LSET replaces by index; missing key and bad index are errors") {
  InProcess t;
  t.Cmd("RPUSH l a b c");
  CHECK(t.Cmd("LSET l 0 A") == "+OK");
  CHECK(t.Cmd("LSET l -1 C") == "+OK");
  CHECK(t.Cmd("LRANGE l 0 -1") == "[A, b, C]");
  CHECK(t.Cmd("LSET l 3 x") == "-ERR index out of range");
  CHECK(t.Cmd("LSET nosuch 0 x") == "-ERR no such key");
}

TEST_CASE("LINSERT before and after a pivot") {
  InProcess t;
  t.Cmd("RPUSH l a b c");
  CHECK(t.Cmd("LINSERT l BEFORE b x") == ":4");
  CHECK(t.Cmd("LINSERT l after c z") == ":5");
  CHECK(t.Cmd("LRANGE l 0 -1") == "[a, x, b, c, z]");
  CHECK(t.Cmd("LINSERT l BEFORE nothere q") == ":-1");
  CHECK(t.Cmd("LINSERT nosuch BEFORE a q") == ":0");
  CHECK(t.Cmd("LINSERT l MIDDLE a q") == "-ERR syntax error");
}

TEST_CASE("LREM removes from the head, the tail, or everywhere") {
  InProcess t;
  t.Cmd("RPUSH l x a x b x c x");
  CHECK(t.Cmd("LREM l 2 x") == ":2");
  CHECK(t.Cmd("LRANGE l 0 -1") == "[a, b, x, c, x]");
  CHECK(t.Cmd("LREM l -1 x") == ":1");
  CHECK(t.Cmd("LRANGE l 0 -1") == "[a, b, x, c]");
  CHECK(t.Cmd("LREM l 0 x") == ":1");
  CHECK(t.Cmd("LREM l 0 nothere") == ":0");
  CHECK(t.Cmd("LREM nosuch 0 a") == ":0");
  CHECK(t.Cmd("LREM l 0 a") == ":1");
  CHECK(t.Cmd("LREM l 0 b") == ":1");
  CHECK(t.Cmd("LREM l 0 c") == ":1");
  CHECK(t.Cmd("EXISTS l") == ":0");
}

TEST_CASE("LTRIM keeps a range and deletes the key when nothing is left") {
  InProcess t;
  t.Cmd("RPUSH l a b c d e");
  CHECK(t.Cmd("LTRIM l 1 -2") == "+OK");
  CHECK(t.Cmd("LRANGE l 0 -1") == "[b, c, d]");
  CHECK(t.Cmd("LTRIM l -1 100") == "+OK");
  CHECK(t.Cmd("LRANGE l 0 -1") == "[d]");
  CHECK(t.Cmd("LTRIM l 2 1") == "+OK");
  CHECK(t.Cmd("EXISTS l") == ":0");
  CHECK(t.Cmd("LTRIM nosuch 0 1") == "+OK");
}

TEST_CASE("LPOS with RANK, COUNT and MAXLEN") {
  InProcess t;
  t.Cmd("RPUSH l x y x z x y x");
  CHECK(t.Cmd("LPOS l x") == ":0");
  CHECK(t.Cmd("LPOS l q") == "(nil)");
  CHECK(t.Cmd("LPOS l x COUNT 0") == "[:0, :2, :4, :6]");
  CHECK(t.Cmd("LPOS l x COUNT 2 RANK 2") == "[:2, :4]");
  CHECK(t.Cmd("LPOS l x RANK -1 COUNT 0") == "[:6, :4, :2, :0]");
  CHECK(t.Cmd("LPOS l x RANK -2 COUNT 0 MAXLEN 3") == "[:4]");
  CHECK(t.Cmd("LPOS l x RANK 5") == "(nil)");
  CHECK(t.Cmd("LPOS l y MAXLEN 1") == "(nil)");
  CHECK(t.Cmd("LPOS l q COUNT 1") == "[]");
  CHECK(t.Cmd("LPOS nosuch x COUNT 1") == "[]");
  CHECK(t.Cmd("LPOS l x RANK 0") ==
        "-ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
        "or use negative to start from the end of the list");
  CHECK(t.Cmd("LPOS l x COUNT -1") == "-ERR COUNT can't be negative");
  CHECK(t.Cmd("LPOS l x MAXLEN -1") == "-ERR MAXLEN can't be negative");
  CHECK(t.Cmd("LPOS l x RANK") == "-ERR syntax error");
  CHECK(t.Cmd("LPOS l x FOO 1") == "-ERR syntax error");
  CHECK(t.Cmd("LPOS l x RANK y") == "-ERR value is not an integer or out of range");
}

TEST_CASE("LMOVE and RPOPLPUSH move one element, also within one key") {
  InProcess t;
  t.Cmd("RPUSH src 1 2 3");
  CHECK(t.Cmd("LMOVE src dst RIGHT LEFT") == "3");
  CHECK(t.Cmd("LMOVE src dst left right") == "1");
  CHECK(t.Cmd("LRANGE dst 0 -1") == "[3, 1]");
  CHECK(t.Cmd("RPOPLPUSH src dst") == "2");
  CHECK(t.Cmd("EXISTS src") == ":0");
  CHECK(t.Cmd("RPOPLPUSH src dst") == "(nil)");
  CHECK(Raw(t, {"LMOVE", "src", "dst", "LEFT", "LEFT"}) == "$-1\r\n");
  CHECK(t.Cmd("LMOVE dst dst LEFT RIGHT") == "2");
  CHECK(t.Cmd("LRANGE dst 0 -1") == "[3, 1, 2]");
  t.Cmd("RPUSH one x");
  CHECK(t.Cmd("RPOPLPUSH one one") == "x");
  CHECK(t.Cmd("LRANGE one 0 -1") == "[x]");
  CHECK(t.Cmd("LMOVE dst src UP LEFT") == "-ERR syntax error");
}

TEST_CASE("LMPOP pops from the first non-empty list") {
  InProcess t;
  t.Cmd("RPUSH b 1 2 3");
  CHECK(t.Cmd("LMPOP 2 a b LEFT") == "[b, [1]]");
  CHECK(t.Cmd("LMPOP 2 a b RIGHT COUNT 5") == "[b, [3, 2]]");
  CHECK(Raw(t, {"LMPOP", "2", "a", "b", "LEFT"}) == "*-1\r\n");
  CHECK(t.Cmd("LMPOP 0 a LEFT") == "-ERR numkeys should be greater than 0");
  CHECK(t.Cmd("LMPOP x a LEFT") == "-ERR numkeys should be greater than 0");
  CHECK(t.Cmd("LMPOP 2 a LEFT") == "-ERR syntax error");
  CHECK(t.Cmd("LMPOP 1 a MIDDLE") == "-ERR syntax error");
  CHECK(t.Cmd("LMPOP 1 a LEFT COUNT 0") == "-ERR count should be greater than 0");
  CHECK(t.Cmd("LMPOP 1 a LEFT COUNT") == "-ERR syntax error");
  CHECK(t.Cmd("LMPOP 1 a LEFT COUNT 1 COUNT 2") == "-ERR syntax error");
}

TEST_CASE("blocking pops reply at once when an element is there, else time out with nil") {
  InProcess t;  // in-process there is no waiting: the timeout reply comes at once
  t.Cmd("RPUSH b v w");
  CHECK(t.Cmd("BLPOP a b 0") == "[b, v]");
  CHECK(t.Cmd("BRPOP a b 0") == "[b, w]");
  CHECK(Raw(t, {"BLPOP", "a", "b", "0.01"}) == "*-1\r\n");
  CHECK(Raw(t, {"BRPOP", "a", "0"}) == "*-1\r\n");
  // Redis 7.0 times BLMOVE and BRPOPLPUSH out with a null array too.
  CHECK(Raw(t, {"BLMOVE", "a", "b", "LEFT", "LEFT", "0"}) == "*-1\r\n");
  CHECK(Raw(t, {"BRPOPLPUSH", "a", "b", "0"}) == "*-1\r\n");
  CHECK(Raw(t, {"BLMPOP", "0", "1", "a", "LEFT"}) == "*-1\r\n");
  t.Cmd("RPUSH a 1 2 3");
  CHECK(t.Cmd("BLMOVE a b RIGHT LEFT 0") == "3");
  CHECK(t.Cmd("BRPOPLPUSH a b 0") == "2");
  CHECK(t.Cmd("BLMPOP 0 2 x b LEFT COUNT 9") == "[b, [2, 3]]");
  CHECK(t.Cmd("BLPOP a -1") == "-ERR timeout is negative");
  CHECK(t.Cmd("BLPOP a x") == "-ERR timeout is not a float or out of range");
  CHECK(t.Cmd("BLMPOP x 1 a LEFT") == "-ERR timeout is not a float or out of range");
  CHECK(t.Cmd("BLMPOP 0 0 a LEFT") == "-ERR numkeys should be greater than 0");
}

TEST_CASE("list commands on a string key reply WRONGTYPE and change nothing") {
  InProcess t;
  t.Cmd("SET s v");
  t.Cmd("RPUSH l a");
  for (std::string_view cmd :
       {"LPUSH s a", "RPUSHX s a", "LPOP s", "RPOP s 2", "LLEN s", "LINDEX s 0", "LRANGE s 0 1",
        "LSET s 0 a", "LINSERT s BEFORE a b", "LREM s 0 a", "LTRIM s 0 1", "LPOS s a",
        "LMOVE s l LEFT LEFT", "LMOVE l s LEFT LEFT", "LMPOP 2 s l LEFT", "BLPOP s 0"}) {
    CAPTURE(cmd);
    CHECK(t.Cmd(cmd) == kWrongType);
  }
  CHECK(t.Cmd("GET s") == "v");
  CHECK(t.Cmd("LRANGE l 0 -1") == "[a]");
}

TEST_CASE("list commands check their arity") {
  InProcess t;
  for (std::string_view name : {"lpush", "lindex", "lrange", "linsert", "lrem", "ltrim",
                                "blpop", "blmove", "lmpop", "lpos", "lset", "rpoplpush"}) {
    CAPTURE(name);
    CHECK(t.Run({std::string(name), "k"}) ==
          "-ERR wrong number of arguments for '" + std::string(name) + "' command");
  }
}

TEST_CASE("a list spanning many nodes answers index and range reads") {
  InProcess t;
  std::vector<std::string> push = {"RPUSH", "big"};
  for (int i = 0; i < 20000; ++i) push.push_back("element-" + std::to_string(i));
  CHECK(t.Run(push) == ":20000");
  CHECK(t.Cmd("LINDEX big 12345") == "element-12345");
  CHECK(t.Cmd("LINDEX big -2") == "element-19998");
  CHECK(t.Cmd("LRANGE big 9999 10001") == "[element-9999, element-10000, element-10001]");
  CHECK(t.Cmd("LINSERT big AFTER element-15000 new") == ":20001");
  CHECK(t.Cmd("LINDEX big 15001") == "new");
  CHECK(t.Cmd("LPOS big element-19999") == ":20000");
  CHECK(t.Cmd("LTRIM big 10000 10002") == "+OK");
  CHECK(t.Cmd("LRANGE big 0 -1") == "[element-10000, element-10001, element-10002]");
}

TEST_CASE("rotating a one-element list onto itself keeps its TTL") {
  InProcess t;
  t.Cmd("RPUSH a x");
  t.Cmd("EXPIRE a 1000");
  CHECK(t.Cmd("LMOVE a a LEFT LEFT") == "x");
  CHECK(t.Cmd("RPOPLPUSH a a") == "x");
  CHECK(t.Cmd("TTL a") == ":1000");
  CHECK(t.Cmd("LRANGE a 0 -1") == "[x]");
}

TEST_CASE("LINDEX and LSET look at the key before the index, as Redis does") {
  InProcess t;
  CHECK(t.Cmd("LINDEX nokey x") == "(nil)");
  CHECK(t.Cmd("LSET nokey x v") == "-ERR no such key");
  t.Cmd("SET s v");
  CHECK(t.Cmd("LINDEX s x") == kWrongType);
  CHECK(t.Cmd("LSET s x v") == kWrongType);
  t.Cmd("RPUSH l a");
  CHECK(t.Cmd("LINDEX l x") == "-ERR value is not an integer or out of range");
  CHECK(t.Cmd("LSET l x v") == "-ERR value is not an integer or out of range");
}

TEST_CASE("LPOS reports a COUNT or MAXLEN that is not a number as negative, as Redis does") {
  InProcess t;
  t.Cmd("RPUSH a x");
  CHECK(t.Cmd("LPOS a x COUNT abc") == "-ERR COUNT can't be negative");
  CHECK(t.Cmd("LPOS a x MAXLEN abc") == "-ERR MAXLEN can't be negative");
  CHECK(t.Cmd("LPOS a x RANK abc") == "-ERR value is not an integer or out of range");
}

TEST_CASE("LMPOP judges a COUNT's value before a repeated COUNT") {
  InProcess t;
  t.Cmd("RPUSH a x");
  CHECK(t.Cmd("LMPOP 1 a LEFT COUNT 0 COUNT 1") == "-ERR count should be greater than 0");
  CHECK(t.Cmd("BLMPOP 0 1 a LEFT COUNT 0 COUNT 1") == "-ERR count should be greater than 0");
  CHECK(t.Cmd("LMPOP 1 a LEFT COUNT 1 COUNT 0") == "-ERR syntax error");
  CHECK(t.Cmd("LMPOP 1 a LEFT COUNT") == "-ERR syntax error");
  CHECK(t.Cmd("LMPOP 1 a LEFT COUNT 1") == "[a, [x]]");
}

}  // namespace
}  // namespace cairn::test
