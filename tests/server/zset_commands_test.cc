// tests/server/zset_commands_test.cc — the sorted-set family in-process: ZADD and its options,
// lookups, ZRANDMEMBER, ZSCAN, pops (blocking ones time out at once in-process), error texts
// and RESP3 reply shapes. Ranges and set operations: zset_range_commands_test.cc.
#include <doctest/doctest.h>

#include <set>
#include <string>

#include "tests/server/harness.h"

using cairn::test::InProcess;

namespace {

constexpr const char* kWrongType =
    "-WRONGTYPE Operation against a key holding the wrong kind of value";
constexpr const char* kSyntax = "-ERR syntax error";
constexpr const char* kNotFloat = "-ERR value is not a valid float";

}  // namespace

TEST_CASE("ZADD adds, updates and counts like Redis, with every option") {
  InProcess t;
  CHECK(t.Cmd("ZADD z 1 a 2 b 3 c") == ":3");
  CHECK(t.Cmd("ZADD z CH 5 a 2 b 9 d") == ":2");
  CHECK(t.Cmd("ZADD z NX 7 a 8 e") == ":1");
  CHECK(t.Cmd("ZSCORE z a") == "5");
  CHECK(t.Cmd("ZADD z XX CH 0 e 10 a 1 nope") == ":2");
  CHECK(t.Cmd("ZSCORE z nope") == "(nil)");
  CHECK(t.Cmd("ZADD z GT CH 1 a 20 b") == ":1");
  CHECK(t.Cmd("ZADD z LT CH 1 a 20 b") == ":1");
  CHECK(t.Cmd("ZRANGE z 0 -1 WITHSCORES") == "[e, 0, a, 1, c, 3, d, 9, b, 20]");
  CHECK(t.Cmd("ZADD z INCR 2.5 a") == "3.5");
  CHECK(t.Cmd("ZADD z XX INCR 1 zz") == "(nil)");
  CHECK(t.Cmd("ZADD z GT INCR -100 a") == "(nil)");
  CHECK(t.Cmd("ZCARD z") == ":5");
}

TEST_CASE("ZADD rejects bad options and scores with Redis's texts, changing nothing") {
  InProcess t;
  CHECK(t.Cmd("ZADD z XX NX 1 a") == "-ERR XX and NX options at the same time are not compatible");
  CHECK(t.Cmd("ZADD z GT LT 1 a") ==
        "-ERR GT, LT, and/or NX options at the same time are not compatible");
  CHECK(t.Cmd("ZADD z NX GT 1 a") ==
        "-ERR GT, LT, and/or NX options at the same time are not compatible");
  CHECK(t.Cmd("ZADD z INCR 1 a 2 b") ==
        "-ERR INCR option supports a single increment-element pair");
  CHECK(t.Cmd("ZADD z 1 a nan b") == kNotFloat);
  CHECK(t.Cmd("ZADD z 1 a 2") == kSyntax);
  CHECK(t.Cmd("ZADD z CH 1") == kSyntax);
  CHECK(t.Cmd("ZADD z 1") == "-ERR wrong number of arguments for 'zadd' command");
  CHECK(t.Cmd("EXISTS z") == ":0");
  CHECK(t.Cmd("SET s x") == "+OK");
  CHECK(t.Cmd("ZADD s 1 a") == kWrongType);
}

TEST_CASE("scores accept infinities and exponents and print as Redis does") {
  InProcess t;
  CHECK(t.Cmd("ZADD f 0.1 x 1e300 y -0 z 3.0 w -inf m +inf n") == ":6");
  CHECK(t.Cmd("ZRANGE f 0 -1 WITHSCORES") ==
        "[m, -inf, z, 0, x, 0.10000000000000001, w, 3, y, 1.0000000000000001e+300, n, inf]");
  CHECK(t.Cmd("ZSCAN f 0 MATCH x") == "[0, [x, 0.10000000000000001]]");
}

TEST_CASE("ZINCRBY creates, increments and refuses a NaN result") {
  InProcess t;
  CHECK(t.Cmd("ZINCRBY z 3 a") == "3");
  CHECK(t.Cmd("ZINCRBY z 1.5 a") == "4.5");
  CHECK(t.Cmd("ZINCRBY z abc a") == kNotFloat);
  CHECK(t.Cmd("ZINCRBY z nan a") == kNotFloat);
  CHECK(t.Cmd("ZADD i +inf a") == ":1");
  CHECK(t.Cmd("ZINCRBY i -inf a") == "-ERR resulting score is not a number (NaN)");
  CHECK(t.Cmd("ZSCORE i a") == "inf");
}

TEST_CASE("ZREM, ZSCORE, ZMSCORE, ZCARD, ZRANK and ZREVRANK") {
  InProcess t;
  CHECK(t.Cmd("ZADD z 1 a 2 b 3 c") == ":3");
  CHECK(t.Cmd("ZRANK z a") == ":0");
  CHECK(t.Cmd("ZREVRANK z a") == ":2");
  CHECK(t.Cmd("ZRANK z nope") == "(nil)");
  CHECK(t.Cmd("ZRANK nokey a") == "(nil)");
  CHECK(t.Cmd("ZMSCORE z a nope c") == "[1, (nil), 3]");
  CHECK(t.Cmd("ZMSCORE nokey a") == "[(nil)]");
  CHECK(t.Cmd("ZREM z a nope b") == ":2");
  CHECK(t.Cmd("ZREM nokey a") == ":0");
  CHECK(t.Cmd("ZCARD z") == ":1");
  CHECK(t.Cmd("ZREM z c") == ":1");
  CHECK(t.Cmd("EXISTS z") == ":0");
  CHECK(t.Cmd("ZCARD z") == ":0");
  CHECK(t.Cmd("ZRANK z") == "-ERR wrong number of arguments for 'zrank' command");
  CHECK(t.Cmd("SET s x") == "+OK");
  for (const char* cmd : {"ZREM s a", "ZSCORE s a", "ZMSCORE s a", "ZCARD s", "ZRANK s a",
                          "ZINCRBY s 1 a", "ZRANDMEMBER s", "ZSCAN s 0", "ZPOPMIN s"}) {
    CHECK(t.Cmd(cmd) == kWrongType);
  }
}

TEST_CASE("RESP3 replies scores as doubles and scored lists as pairs") {
  InProcess t;
  CHECK(t.Cmd("HELLO 3").size() > 0);
  CHECK(t.Cmd("ZADD z 1 a 2 b 3.5 c") == ":3");
  CHECK(t.Cmd("ZSCORE z c") == ",3.5");
  CHECK(t.Cmd("ZMSCORE z a nope") == "[,1, (nil)]");
  CHECK(t.Cmd("ZINCRBY z 1 a") == ",2");
  CHECK(t.Cmd("ZRANGE z 0 0 WITHSCORES") == "[[a, ,2]]");
  CHECK(t.Cmd("ZPOPMIN z") == "[a, ,2]");
  CHECK(t.Cmd("ZPOPMIN z 1") == "[[b, ,2]]");
  CHECK(t.Cmd("ZADD z 4 d") == ":1");
  CHECK(t.Cmd("ZMPOP 1 z MAX COUNT 5") == "[z, [[d, ,4], [c, ,3.5]]]");
  CHECK(t.Cmd("ZMPOP 1 z MIN") == "(nil)");
  CHECK(t.Cmd("ZADD z 1 a") == ":1");
  CHECK(t.Cmd("BZPOPMAX z 0") == "[z, a, ,1]");
  CHECK(t.Cmd("ZADD z 1 a") == ":1");
  CHECK(t.Cmd("ZSCAN z 0") == "[0, [a, 1]]");
  CHECK(t.Cmd("ZRANDMEMBER z 1 WITHSCORES") == "[[a, ,1]]");
}

TEST_CASE("ZPOPMIN and ZPOPMAX take from either end and delete the emptied key") {
  InProcess t;
  CHECK(t.Cmd("ZADD p 1 a 2 b 3 c 4 d") == ":4");
  CHECK(t.Cmd("ZPOPMIN p") == "[a, 1]");
  CHECK(t.Cmd("ZPOPMAX p 2") == "[d, 4, c, 3]");
  CHECK(t.Cmd("ZPOPMIN p 0") == "[]");
  CHECK(t.Cmd("ZPOPMIN p -1") == "-ERR value is out of range, must be positive");
  CHECK(t.Cmd("ZPOPMIN p abc") == "-ERR value is out of range, must be positive");
  CHECK(t.Cmd("ZPOPMIN p 1 2") == kSyntax);
  CHECK(t.Cmd("ZPOPMIN p 10") == "[b, 2]");
  CHECK(t.Cmd("EXISTS p") == ":0");
  CHECK(t.Cmd("ZPOPMIN p") == "[]");
  CHECK(t.Cmd("ZPOPMAX p 3") == "[]");
}

TEST_CASE("ZMPOP pops from the first non-empty key and checks its arguments") {
  InProcess t;
  CHECK(t.Cmd("ZADD p 1 a 2 b 3 c 4 d") == ":4");
  CHECK(t.Cmd("ZMPOP 2 nokey p MAX COUNT 2") == "[p, [[d, 4], [c, 3]]]");
  CHECK(t.Cmd("ZMPOP 1 p min") == "[p, [[a, 1]]]");
  CHECK(t.Cmd("ZMPOP 1 nokey MIN") == "(nil)");
  CHECK(t.Cmd("ZMPOP 0 p MIN") == "-ERR numkeys should be greater than 0");
  CHECK(t.Cmd("ZMPOP abc p MIN") == "-ERR numkeys should be greater than 0");
  CHECK(t.Cmd("ZMPOP 2 p MIN") == kSyntax);
  CHECK(t.Cmd("ZMPOP 1 p MIN COUNT 0") == "-ERR count should be greater than 0");
  CHECK(t.Cmd("ZMPOP 1 p MIN COUNT abc") == "-ERR count should be greater than 0");
  CHECK(t.Cmd("ZMPOP 1 p FOO") == kSyntax);
  CHECK(t.Cmd("ZMPOP 1 p MIN COUNT 1 COUNT 2") == kSyntax);
  CHECK(t.Cmd("ZMPOP 1 p MAX COUNT") == kSyntax);
}

TEST_CASE("blocking pops reply at once when a set has members, else time out in-process") {
  InProcess t;
  CHECK(t.Cmd("ZADD p 1 a 2 b") == ":2");
  CHECK(t.Cmd("BZPOPMIN nokey p 0") == "[p, a, 1]");
  CHECK(t.Cmd("BZMPOP 0 2 nokey p MAX") == "[p, [[b, 2]]]");
  CHECK(t.Cmd("BZPOPMIN p 0") == "(nil)");
  CHECK(t.Cmd("BZMPOP 0.5 1 p MIN COUNT 3") == "(nil)");
  CHECK(t.Cmd("BZPOPMAX p -1") == "-ERR timeout is negative");
  CHECK(t.Cmd("BZPOPMIN p abc") == "-ERR timeout is not a float or out of range");
  CHECK(t.Cmd("BZMPOP 0 0 p MIN") == "-ERR numkeys should be greater than 0");
  CHECK(t.Cmd("SET s x") == "+OK");
  CHECK(t.Cmd("BZPOPMIN s 0") == kWrongType);
}

TEST_CASE("ZRANDMEMBER returns distinct members for a positive count, repeats for negative") {
  InProcess t;
  CHECK(t.Cmd("ZRANDMEMBER nokey") == "(nil)");
  CHECK(t.Cmd("ZRANDMEMBER nokey 5") == "[]");
  CHECK(t.Cmd("ZADD z 1 a 2 b 3 c") == ":3");
  CHECK(t.Cmd("ZRANDMEMBER z 0") == "[]");
  CHECK(t.Cmd("ZRANDMEMBER z 5 WITHSCORES") == "[a, 1, b, 2, c, 3]");
  std::set<std::string> one{"a", "b", "c"};
  CHECK(one.count(t.Cmd("ZRANDMEMBER z")) == 1);
  std::string two = t.Cmd("ZRANDMEMBER z 2");
  CHECK(two.size() == 6);  // "[x, y]"
  CHECK(two[1] != two[4]);
  CHECK(t.Cmd("ZADD one 1 a") == ":1");
  CHECK(t.Cmd("ZRANDMEMBER one -3") == "[a, a, a]");
  CHECK(t.Cmd("ZRANDMEMBER z 1 foo") == kSyntax);
  CHECK(t.Cmd("ZRANDMEMBER z 9223372036854775807 WITHSCORES") == "-ERR value is out of range");
  CHECK(t.Cmd("ZRANDMEMBER z -9223372036854775808") ==
        "-ERR value is out of range, value must between -9223372036854775807 and "
        "9223372036854775807");
}

TEST_CASE("ZSCAN walks a large set to cursor 0 and filters with MATCH") {
  InProcess t;
  for (int i = 0; i < 300; ++i) t.Run({"ZADD", "big", std::to_string(i), "m" + std::to_string(i)});
  CHECK(t.Cmd("OBJECT ENCODING big") == "skiplist");
  std::set<std::string> seen;
  std::string cursor = "0";
  int calls = 0;
  do {
    std::string reply = t.Run({"ZSCAN", "big", cursor, "COUNT", "50"});
    cursor = reply.substr(1, reply.find(',') - 1);
    for (size_t p = reply.find('m'); p != std::string::npos; p = reply.find(", m", p + 1)) {
      size_t start = reply[p] == 'm' ? p : p + 2;
      seen.insert(reply.substr(start, reply.find(',', start) - start));
    }
    ++calls;
  } while (cursor != "0" && calls < 1000);
  CHECK(seen.size() == 300);
  CHECK(t.Cmd("ZSCAN big abc") == "-ERR invalid cursor");
  CHECK(t.Cmd("ZSCAN big 0 COUNT 0") == kSyntax);
  CHECK(t.Cmd("ZSCAN big 0 FOO") == kSyntax);
  CHECK(t.Cmd("ZSCAN nokey 0") == "[0, []]");
}

TEST_CASE("OBJECT ENCODING follows the listpack limits") {
  InProcess t;
  CHECK(t.Cmd("ZADD z 1 a") == ":1");
  CHECK(t.Cmd("OBJECT ENCODING z") == "listpack");
  CHECK(t.Run({"ZADD", "z", "2", std::string(65, 'x')}) == ":1");
  CHECK(t.Cmd("OBJECT ENCODING z") == "skiplist");
  CHECK(t.Cmd("TYPE z") == "+zset");
}

TEST_CASE("plain sets are sorted-set inputs whose members score 1") {
  InProcess t;
  t.Cmd("SADD s a b c");
  t.Cmd("ZADD z 5 a 7 d");
  CHECK(t.Cmd("ZUNION 2 s z WITHSCORES") == "[b, 1, c, 1, a, 6, d, 7]");
  CHECK(t.Cmd("ZINTER 2 s z WEIGHTS 2 3 WITHSCORES") == "[a, 17]");
  CHECK(t.Cmd("ZDIFFSTORE d 2 s z") == ":2");
  CHECK(t.Cmd("ZRANGE d 0 -1 WITHSCORES") == "[b, 1, c, 1]");
  CHECK(t.Cmd("ZINTERCARD 2 s z") == ":1");
  CHECK(t.Cmd("TYPE s") == "+set");  // the input is not changed
  t.Cmd("SET str x");
  CHECK(t.Cmd("ZUNION 2 s str") ==
        "-WRONGTYPE Operation against a key holding the wrong kind of value");
}

TEST_CASE("ZPOPMIN and ZPOPMAX with a count of 0 still reply WRONGTYPE for another type") {
  InProcess t;
  t.Cmd("SET s v");
  CHECK(t.Cmd("ZPOPMIN s 0") == kWrongType);
  CHECK(t.Cmd("ZPOPMAX s 0") == kWrongType);
  CHECK(t.Cmd("ZPOPMIN nokey 0") == "[]");
}

TEST_CASE("ZRANGE by rank ignores LIMIT x -1 and refuses repeated REV, BYSCORE or BYLEX") {
  InProcess t;
  t.Cmd("ZADD z 1 a 2 b 3 c");
  CHECK(t.Cmd("ZRANGE z 0 -1 LIMIT 0 -1") == "[a, b, c]");
  CHECK(t.Cmd("ZRANGE z 0 -1 LIMIT 2 -1") == "[a, b, c]");
  CHECK(t.Cmd("ZRANGESTORE d z 0 -1 LIMIT 0 -1") == ":3");
  CHECK(t.Cmd("ZRANGE z 0 -1 LIMIT 0 1").starts_with("-ERR syntax error, LIMIT is only"));
  CHECK(t.Cmd("ZRANGE z 0 -1 REV REV") == kSyntax);
  CHECK(t.Cmd("ZRANGE z 0 5 BYSCORE BYSCORE") == kSyntax);
  CHECK(t.Cmd("ZRANGE z 0 5 BYSCORE BYLEX") == kSyntax);
  CHECK(t.Cmd("ZRANGESTORE d z 0 -1 REV REV") == kSyntax);
}

TEST_CASE("score bounds are read as C's strtod reads them, as Redis does") {
  InProcess t;
  t.Cmd("ZADD z 1 a 2 b 3 c");
  CHECK(t.Run({"ZCOUNT", "z", "", "+inf"}) == ":3");           // "" is 0
  CHECK(t.Run({"ZCOUNT", "z", "(", "(3"}) == ":2");            // "(" is (0
  CHECK(t.Run({"ZCOUNT", "z", " 1", "+inf"}) == ":3");         // leading blanks
  CHECK(t.Run({"ZCOUNT", "z", "1e400", "+inf"}) == ":0");      // overflow is inf
  CHECK(t.Run({"ZCOUNT", "z", "-1e400", "+inf"}) == ":3");
  CHECK(t.Run({"ZCOUNT", "z", "1e-400", "+inf"}) == ":3");     // underflow is 0
  CHECK(t.Run({"ZRANGEBYSCORE", "z", "", "+inf"}) == "[a, b, c]");
  CHECK(t.Run({"ZREMRANGEBYSCORE", "z", " 1", "1"}) == ":1");
  CHECK(t.Run({"ZCOUNT", "z", "1 ", "+inf"}) == "-ERR min or max is not a float");
  CHECK(t.Run({"ZCOUNT", "z", "nan", "+inf"}) == "-ERR min or max is not a float");
}

TEST_CASE("ZUNION and ZINTER add scores from the smallest input up, as Redis does") {
  InProcess t;
  t.Cmd("ZADD a 0.7 x 0.1 y 5 q 6 r");
  t.Cmd("ZADD b 0.3 x 0.6 y 1 z");
  // b (3 members) before a (4): x is (0.3 + 0.3) + 0.7, y is (0.6 + 0.6) + 0.1.
  CHECK(t.Cmd("ZINTER 3 a b b WITHSCORES") == "[x, 1.2999999999999998, y, 1.3]");
  t.Cmd("ZADD c 0.1 x 0.1 y 5 q 6 r");
  t.Cmd("ZADD d 0.6 x 0.6 y 1 z");
  CHECK(t.Cmd("ZUNION 3 c d d WITHSCORES") == "[x, 1.3, y, 1.3, z, 2, q, 5, r, 6]");
}

TEST_CASE("set operations check their inputs' types before their options, as Redis does") {
  InProcess t;
  t.Cmd("SET s v");
  for (const char* cmd : {"ZUNION 1 s WEIGHTS abc", "ZINTER 1 s AGGREGATE foo", "ZDIFF 1 s FOO",
                          "ZUNIONSTORE d 1 s WEIGHTS abc", "ZINTERSTORE d 1 s FOO",
                          "ZDIFFSTORE d 1 s FOO", "ZINTERCARD 1 s LIMIT abc",
                          "ZINTERCARD 1 s FOO"}) {
    CAPTURE(std::string(cmd));
    CHECK(t.Cmd(cmd) == kWrongType);
  }
  t.Cmd("ZADD z 1 m");
  CHECK(t.Cmd("ZINTERCARD 1 z LIMIT 0 LIMIT 1") == ":1");
}

TEST_CASE("ZRANDMEMBER checks its count, then its syntax, then the key") {
  InProcess t;
  t.Cmd("SET s v");
  CHECK(t.Cmd("ZRANDMEMBER s -9223372036854775808 WITHSCORES") ==
        "-ERR value is out of range, value must between -9223372036854775807 and "
        "9223372036854775807");
  CHECK(t.Cmd("ZRANDMEMBER s abc FOO") == "-ERR value is not an integer or out of range");
  CHECK(t.Cmd("ZRANDMEMBER s 1 FOO") == kSyntax);
  CHECK(t.Cmd("ZRANDMEMBER s 1 WITHSCORES") == kWrongType);
}

TEST_CASE("a stored set operation keeps no negative zero, as Redis's listpack does") {
  InProcess t;
  t.Cmd("ZADD z 1 m");
  CHECK(t.Cmd("ZINTERSTORE z 1 z WEIGHTS -0") == ":1");
  CHECK(t.Cmd("ZRANGE z 0 -1 WITHSCORES") == "[m, 0]");
  CHECK(t.Cmd("ZINTER 1 z WEIGHTS -1 WITHSCORES") == "[m, -0]");  // a reply is not stored
  CHECK(t.Cmd("ZINCRBY n -0 m") == "-0");
}
