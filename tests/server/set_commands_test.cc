// tests/server/set_commands_test.cc — the set commands in-process: replies in RESP2 and
// RESP3, options, edge cases and Redis's exact error texts.
#include <doctest/doctest.h>

#include <string>

#include "tests/server/harness.h"

namespace cairn::test {
namespace {

constexpr const char* kWrongType =
    "-WRONGTYPE Operation against a key holding the wrong kind of value";

TEST_CASE("SADD, SREM, SCARD, SISMEMBER and SMISMEMBER") {
  InProcess t;
  CHECK(t.Cmd("SADD s c a b a") == ":3");
  CHECK(t.Cmd("SADD s a d") == ":1");
  CHECK(t.Cmd("SCARD s") == ":4");
  CHECK(t.Cmd("SCARD nope") == ":0");
  CHECK(t.Cmd("SISMEMBER s a") == ":1");
  CHECK(t.Cmd("SISMEMBER s z") == ":0");
  CHECK(t.Cmd("SISMEMBER nope a") == ":0");
  CHECK(t.Cmd("SMISMEMBER s a z d") == "[:1, :0, :1]");
  CHECK(t.Cmd("SMISMEMBER nope a") == "[:0]");
  CHECK(t.Cmd("SREM s a z") == ":1");
  CHECK(t.Cmd("SREM nope a") == ":0");
  CHECK(t.Cmd("SREM s b c d") == ":3");
  CHECK(t.Cmd("EXISTS s") == ":0");
  CHECK(t.Cmd("SADD s") == "-ERR wrong number of arguments for 'sadd' command");
}

TEST_CASE("SMEMBERS replies with a set in RESP3 and integers sorted from an intset") {
  InProcess t;
  CHECK(t.Cmd("SADD i 3 1 2") == ":3");
  CHECK(t.Cmd("SMEMBERS i") == "[1, 2, 3]");
  CHECK(t.Cmd("SMEMBERS nope") == "[]");
  CHECK(t.Cmd("OBJECT ENCODING i") == "intset");
  CHECK(t.Cmd("SADD i x") == ":1");
  CHECK(t.Cmd("OBJECT ENCODING i") == "listpack");
  t.Cmd("HELLO 3");
  CHECK(t.Cmd("SMEMBERS i") == "~[1, 2, 3, x]");
  CHECK(t.Cmd("SMEMBERS nope") == "~[]");
}

TEST_CASE("every set command on a string is WRONGTYPE") {
  InProcess t;
  t.Cmd("SET str v");
  t.Cmd("SADD s a");
  for (const char* cmd : {"SADD str a", "SREM str a", "SISMEMBER str a", "SMISMEMBER str a",
                          "SMEMBERS str", "SCARD str", "SPOP str", "SPOP str 2",
                          "SRANDMEMBER str", "SRANDMEMBER str 2", "SMOVE str s a",
                          "SMOVE s str a", "SINTER nope str", "SUNION s str", "SDIFF s str",
                          "SINTERSTORE d s str", "SINTERCARD 2 s str", "SSCAN str 0"}) {
    CAPTURE(cmd);
    CHECK(t.Cmd(cmd) == kWrongType);
  }
  CHECK(t.Cmd("SMEMBERS s") == "[a]");
}

TEST_CASE("SPOP without and with a count") {
  InProcess t;
  CHECK(t.Cmd("SPOP nope") == "(nil)");
  CHECK(t.Cmd("SPOP nope 2") == "[]");
  t.Cmd("SADD s a b c");
  CHECK(t.Cmd("SPOP s 0") == "[]");
  CHECK(t.Cmd("SPOP s -1") == "-ERR value is out of range, must be positive");
  CHECK(t.Cmd("SPOP s x") == "-ERR value is out of range, must be positive");  // Redis's words
  CHECK(t.Cmd("SPOP s 1 2") == "-ERR syntax error");
  std::string one = t.Cmd("SPOP s");
  CHECK(t.Cmd("SISMEMBER s " + one) == ":0");
  CHECK(t.Cmd("SCARD s") == ":2");
  t.Cmd("HELLO 3");
  std::string rest = t.Cmd("SPOP s 5");
  CHECK(rest.substr(0, 2) == "~[");
  CHECK(rest.size() == std::string("~[a, b]").size());
  CHECK(t.Cmd("EXISTS s") == ":0");
}

TEST_CASE("SRANDMEMBER: distinct members for a positive count, repeats for a negative one") {
  InProcess t;
  CHECK(t.Cmd("SRANDMEMBER nope") == "(nil)");
  CHECK(t.Cmd("SRANDMEMBER nope 3") == "[]");
  t.Cmd("SADD s a");
  CHECK(t.Cmd("SRANDMEMBER s") == "a");
  CHECK(t.Cmd("SRANDMEMBER s 0") == "[]");
  CHECK(t.Cmd("SRANDMEMBER s 5") == "[a]");
  CHECK(t.Cmd("SRANDMEMBER s -3") == "[a, a, a]");
  CHECK(t.Cmd("SRANDMEMBER s -9223372036854775808") ==
        "-ERR value is out of range, value must between -9223372036854775807 and "
        "9223372036854775807");
  CHECK(t.Cmd("SRANDMEMBER s x") == "-ERR value is not an integer or out of range");
  t.Cmd("HELLO 3");
  CHECK(t.Cmd("SRANDMEMBER s 2") == "[a]");  // an array, even in RESP3
  CHECK(t.Cmd("SCARD s") == ":1");
}

TEST_CASE("SMOVE") {
  InProcess t;
  t.Cmd("SADD a x y");
  CHECK(t.Cmd("SMOVE a b x") == ":1");
  CHECK(t.Cmd("SMOVE a b nothere") == ":0");
  CHECK(t.Cmd("SMOVE nope b x") == ":0");
  t.Cmd("SET str v");
  CHECK(t.Cmd("SMOVE nope str x") == ":0");
  CHECK(t.Cmd("SMOVE a a y") == ":1");
  CHECK(t.Cmd("SMOVE a a x") == ":0");
  CHECK(t.Cmd("SMOVE a b y") == ":1");
  CHECK(t.Cmd("EXISTS a") == ":0");
  CHECK(t.Cmd("SMEMBERS b") == "[x, y]");
}

TEST_CASE("SINTER, SUNION, SDIFF and their STORE forms") {
  InProcess t;
  t.Cmd("SADD a 1 2 3 4");
  t.Cmd("SADD b 3 4 5");
  CHECK(t.Cmd("SINTER a b") == "[3, 4]");
  CHECK(t.Cmd("SINTER a nope") == "[]");
  CHECK(t.Cmd("SUNION a b nope") == "[1, 2, 3, 4, 5]");
  CHECK(t.Cmd("SDIFF a b") == "[1, 2]");
  CHECK(t.Cmd("SDIFF nope a") == "[]");
  CHECK(t.Cmd("SINTERSTORE d a b") == ":2");
  CHECK(t.Cmd("SMEMBERS d") == "[3, 4]");
  CHECK(t.Cmd("SUNIONSTORE d a b") == ":5");
  CHECK(t.Cmd("SDIFFSTORE a a b") == ":2");
  CHECK(t.Cmd("SMEMBERS a") == "[1, 2]");
  t.Cmd("SET str v");
  t.Cmd("EXPIRE d 100");
  CHECK(t.Cmd("SINTERSTORE d a b") == ":0");
  CHECK(t.Cmd("EXISTS d") == ":0");
  CHECK(t.Cmd("SUNIONSTORE str a") == ":2");
  CHECK(t.Cmd("TYPE str") == "+set");
  CHECK(t.Cmd("SDIFF") == "-ERR wrong number of arguments for 'sdiff' command");
  t.Cmd("HELLO 3");
  CHECK(t.Cmd("SINTER a b") == "~[]");
  CHECK(t.Cmd("SUNION a") == "~[1, 2]");
}

TEST_CASE("SINTERCARD with LIMIT and its errors") {
  InProcess t;
  t.Cmd("SADD a 1 2 3 4");
  t.Cmd("SADD b 2 3 4 5");
  CHECK(t.Cmd("SINTERCARD 2 a b") == ":3");
  CHECK(t.Cmd("SINTERCARD 2 a b LIMIT 2") == ":2");
  CHECK(t.Cmd("SINTERCARD 2 a b limit 0") == ":3");
  CHECK(t.Cmd("SINTERCARD 2 a nope") == ":0");
  CHECK(t.Cmd("SINTERCARD 0 a") == "-ERR numkeys should be greater than 0");
  CHECK(t.Cmd("SINTERCARD 3 a b") == "-ERR Number of keys can't be greater than number of args");
  CHECK(t.Cmd("SINTERCARD 1 a LIMIT -1") == "-ERR LIMIT can't be negative");
  CHECK(t.Cmd("SINTERCARD 1 a FOO 1") == "-ERR syntax error");
  CHECK(t.Cmd("SINTERCARD 1 a LIMIT") == "-ERR syntax error");
  CHECK(t.Cmd("SINTERCARD x a") == "-ERR numkeys should be greater than 0");
}

TEST_CASE("SSCAN: small sets in one call, MATCH, COUNT and cursor errors") {
  InProcess t;
  t.Cmd("SADD s a b c");
  CHECK(t.Cmd("SSCAN nope 0") == "[0, []]");
  CHECK(t.Cmd("SSCAN s 0 MATCH b*") == "[0, [b]]");
  CHECK(t.Cmd("SSCAN s 0 COUNT 0") == "-ERR syntax error");
  CHECK(t.Cmd("SSCAN s 0 COUNT") == "-ERR syntax error");
  CHECK(t.Cmd("SSCAN s abc") == "-ERR invalid cursor");
  CHECK(t.Run({"SSCAN", "s", " 1"}) == "-ERR invalid cursor");
  CHECK(t.Run({"SSCAN", "s", "", "MATCH", "b"}) == "[0, [b]]");  // strtoul: "" is 0
  for (int i = 0; i < 300; ++i) t.Cmd("SADD big m" + std::to_string(i));
  std::string cursor = "0";
  int seen = 0;
  do {
    std::string r = t.Cmd("SSCAN big " + cursor + " COUNT 20");
    cursor = r.substr(1, r.find(',') - 1);
    for (size_t p = r.find("m"); p != std::string::npos; p = r.find("m", p + 1)) ++seen;
  } while (cursor != "0");
  CHECK(seen >= 300);
}

TEST_CASE("HSCAN, SSCAN and ZSCAN look at the key before their options, as Redis does") {
  InProcess t;
  t.Cmd("SET str v");
  for (std::string cmd : {"HSCAN", "SSCAN", "ZSCAN"}) {
    CAPTURE(cmd);
    CHECK(t.Cmd(cmd + " nokey 0 COUNT 0") == "[0, []]");
    CHECK(t.Cmd(cmd + " nokey 0 MATCH") == "[0, []]");
    CHECK(t.Cmd(cmd + " str 0 COUNT x") ==
          "-WRONGTYPE Operation against a key holding the wrong kind of value");
    CHECK(t.Cmd(cmd + " nokey x COUNT 0") == "-ERR invalid cursor");  // the cursor comes first
  }
  t.Cmd("ZADD z 1 a");
  CHECK(t.Cmd("ZSCAN z 0 COUNT 0") == "-ERR syntax error");
  CHECK(t.Cmd("ZSCAN z +0") == "[0, [a, 1]]");
}

TEST_CASE("MATCH with an empty pattern matches only empty names; * matches everything") {
  InProcess t;
  t.Run({"SADD", "s", "x", "y"});  // no empty member: [""] would print as [] too
  t.Run({"HSET", "h", "", "1", "x", "2"});
  t.Run({"ZADD", "z", "1", "", "2", "x"});
  CHECK(t.Run({"SSCAN", "s", "0", "MATCH", ""}) == "[0, []]");
  CHECK(t.Run({"HSCAN", "h", "0", "MATCH", ""}) == "[0, [, 1]]");
  CHECK(t.Run({"ZSCAN", "z", "0", "MATCH", ""}) == "[0, [, 1]]");
  CHECK(t.Run({"SCAN", "0", "MATCH", ""}) == "[0, []]");
  CHECK(t.Run({"HSCAN", "h", "0", "MATCH", "*"}) == "[0, [, 1, x, 2]]");
}

TEST_CASE("SINTERCARD reports a numkeys or LIMIT that is not a number in Redis's words") {
  InProcess t;
  CHECK(t.Cmd("SINTERCARD abc a") == "-ERR numkeys should be greater than 0");
  CHECK(t.Cmd("SINTERCARD 1 a LIMIT abc") == "-ERR LIMIT can't be negative");
  t.Cmd("SET s v");
  CHECK(t.Cmd("SINTERCARD 1 s LIMIT abc") == "-ERR LIMIT can't be negative");
}

}  // namespace
}  // namespace cairn::test
