// tests/server/zset_range_commands_test.cc — sorted-set ranges (ZRANGE and its older forms,
// ZRANGESTORE, ZCOUNT, ZLEXCOUNT, range removals) and set operations (ZUNION, ZINTER,
// ZDIFF, their …STORE forms, ZINTERCARD), in-process.
#include <doctest/doctest.h>

#include <string>

#include "tests/server/harness.h"

using cairn::test::InProcess;

namespace {

constexpr const char* kSyntax = "-ERR syntax error";
constexpr const char* kWrongType =
    "-WRONGTYPE Operation against a key holding the wrong kind of value";

void Fill(InProcess& t) {
  REQUIRE(t.Cmd("ZADD k 1 a 2 b 3 c 4 d 5 e") == ":5");
  REQUIRE(t.Cmd("ZADD lex 0 a 0 b 0 c 0 d 0 e") == ":5");
}

}  // namespace

TEST_CASE("ZRANGE by index: negative indexes, clamping, REV, empty results") {
  InProcess t;
  Fill(t);
  CHECK(t.Cmd("ZRANGE k 0 -1") == "[a, b, c, d, e]");
  CHECK(t.Cmd("ZRANGE k -2 -1 WITHSCORES") == "[d, 4, e, 5]");
  CHECK(t.Cmd("ZRANGE k 3 1") == "[]");
  CHECK(t.Cmd("ZRANGE k 10 20") == "[]");
  CHECK(t.Cmd("ZRANGE k -100 1") == "[a, b]");
  CHECK(t.Cmd("ZRANGE k 0 1 REV WITHSCORES") == "[e, 5, d, 4]");
  CHECK(t.Cmd("ZREVRANGE k 1 2") == "[d, c]");
  CHECK(t.Cmd("ZRANGE nokey 0 -1") == "[]");
  CHECK(t.Cmd("ZRANGE k a 1") == "-ERR value is not an integer or out of range");
}

TEST_CASE("ZRANGE BYSCORE with exclusive bounds, infinities, REV and LIMIT") {
  InProcess t;
  Fill(t);
  CHECK(t.Cmd("ZRANGE k (1 3 BYSCORE") == "[b, c]");
  CHECK(t.Cmd("ZRANGE k -inf +inf BYSCORE LIMIT 1 2") == "[b, c]");
  CHECK(t.Cmd("ZRANGE k -inf +inf BYSCORE LIMIT 1 -1") == "[b, c, d, e]");
  CHECK(t.Cmd("ZRANGE k -inf +inf BYSCORE LIMIT -1 2") == "[]");
  CHECK(t.Cmd("ZRANGE k -inf +inf BYSCORE LIMIT 0 0") == "[]");
  CHECK(t.Cmd("ZRANGE k +inf (1 BYSCORE REV LIMIT 1 2 WITHSCORES") == "[d, 4, c, 3]");
  CHECK(t.Cmd("ZRANGE k (1 +inf BYSCORE REV") == "[]");
  CHECK(t.Cmd("ZRANGEBYSCORE k 2 4 WITHSCORES LIMIT 1 5") == "[c, 3, d, 4]");
  CHECK(t.Cmd("ZREVRANGEBYSCORE k 4 (2") == "[d, c]");
  CHECK(t.Cmd("ZRANGEBYSCORE k 3 1") == "[]");
  CHECK(t.Cmd("ZRANGEBYSCORE k a b") == "-ERR min or max is not a float");
  CHECK(t.Cmd("ZRANGEBYSCORE k ( 1") == "[a]");  // "(" is (0, as C's strtod reads it
  CHECK(t.Cmd("ZRANGEBYSCORE k 0 1 LIMIT 0") == kSyntax);
  CHECK(t.Cmd("ZCOUNT k (1 3") == ":2");
  CHECK(t.Cmd("ZCOUNT k -inf +inf") == ":5");
  CHECK(t.Cmd("ZCOUNT k 3 1") == ":0");
  CHECK(t.Cmd("ZCOUNT k x 1") == "-ERR min or max is not a float");
}

TEST_CASE("lex ranges: [ ( - + boundaries, REV, LIMIT, ZLEXCOUNT") {
  InProcess t;
  Fill(t);
  CHECK(t.Cmd("ZRANGEBYLEX lex - +") == "[a, b, c, d, e]");
  CHECK(t.Cmd("ZRANGEBYLEX lex [b (d") == "[b, c]");
  CHECK(t.Cmd("ZRANGEBYLEX lex (b [d LIMIT 1 5") == "[d]");
  CHECK(t.Cmd("ZREVRANGEBYLEX lex + - LIMIT 0 2") == "[e, d]");
  CHECK(t.Cmd("ZREVRANGEBYLEX lex [d [b") == "[d, c, b]");
  CHECK(t.Cmd("ZRANGE lex [e (a BYLEX REV") == "[e, d, c, b]");
  CHECK(t.Cmd("ZRANGE lex + - BYLEX") == "[]");
  CHECK(t.Cmd("ZLEXCOUNT lex - +") == ":5");
  CHECK(t.Cmd("ZLEXCOUNT lex [b (d") == ":2");
  CHECK(t.Cmd("ZLEXCOUNT lex b d") == "-ERR min or max not valid string range item");
  CHECK(t.Cmd("ZRANGEBYLEX lex a b") == "-ERR min or max not valid string range item");
}

TEST_CASE("ZRANGE option combinations are checked with Redis's texts") {
  InProcess t;
  Fill(t);
  CHECK(t.Cmd("ZRANGE k 0 1 LIMIT 0 1") ==
        "-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
  CHECK(t.Cmd("ZREVRANGE k 0 1 LIMIT 0 1") ==
        "-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
  CHECK(t.Cmd("ZRANGE k a b BYLEX WITHSCORES") ==
        "-ERR syntax error, WITHSCORES not supported in combination with BYLEX");
  CHECK(t.Cmd("ZRANGEBYLEX lex - + WITHSCORES") ==
        "-ERR syntax error, WITHSCORES not supported in combination with BYLEX");
  CHECK(t.Cmd("ZRANGEBYSCORE k 0 1 BYLEX") == kSyntax);
  CHECK(t.Cmd("ZRANGE k 0 1 FOO") == kSyntax);
  CHECK(t.Cmd("SET s x") == "+OK");
  CHECK(t.Cmd("ZRANGE s 0 -1") == kWrongType);
}

TEST_CASE("ZRANGESTORE stores the selected range and deletes an empty destination") {
  InProcess t;
  Fill(t);
  CHECK(t.Cmd("ZRANGESTORE d k 0 1") == ":2");
  CHECK(t.Cmd("ZRANGE d 0 -1 WITHSCORES") == "[a, 1, b, 2]");
  CHECK(t.Cmd("ZRANGESTORE d k (1 +inf BYSCORE REV LIMIT 0 1") == ":0");
  CHECK(t.Cmd("EXISTS d") == ":0");
  CHECK(t.Cmd("ZRANGESTORE d k +inf (1 BYSCORE REV LIMIT 0 2") == ":2");
  CHECK(t.Cmd("ZRANGE d 0 -1") == "[d, e]");
  CHECK(t.Cmd("ZRANGESTORE d k 0 -1 WITHSCORES") == kSyntax);
  CHECK(t.Cmd("ZRANGESTORE k k 1 1") == ":1");
  CHECK(t.Cmd("ZRANGE k 0 -1") == "[b]");
}

TEST_CASE("range removals by rank, score and lex") {
  InProcess t;
  Fill(t);
  CHECK(t.Cmd("ZREMRANGEBYRANK k 0 1") == ":2");
  CHECK(t.Cmd("ZREMRANGEBYSCORE k (3 4") == ":1");
  CHECK(t.Cmd("ZRANGE k 0 -1") == "[c, e]");
  CHECK(t.Cmd("ZREMRANGEBYLEX lex [b (d") == ":2");
  CHECK(t.Cmd("ZRANGE lex 0 -1") == "[a, d, e]");
  CHECK(t.Cmd("ZREMRANGEBYRANK k 5 10") == ":0");
  CHECK(t.Cmd("ZREMRANGEBYSCORE k a 1") == "-ERR min or max is not a float");
  CHECK(t.Cmd("ZREMRANGEBYLEX k a b") == "-ERR min or max not valid string range item");
  CHECK(t.Cmd("ZREMRANGEBYRANK k 0 -1") == ":2");
  CHECK(t.Cmd("EXISTS k") == ":0");
  CHECK(t.Cmd("ZREMRANGEBYRANK nokey 0 -1") == ":0");
}

TEST_CASE("ranges over a large (skiplist) set match the small-set results") {
  InProcess t;
  for (int i = 0; i < 1000; ++i) {
    t.Run({"ZADD", "big", std::to_string(i / 2), "m" + std::to_string(10000 + i)});
  }
  CHECK(t.Cmd("OBJECT ENCODING big") == "skiplist");
  CHECK(t.Cmd("ZRANGE big 500 502 WITHSCORES") == "[m10500, 250, m10501, 250, m10502, 251]");
  CHECK(t.Cmd("ZRANGE big -1 -1") == "[m10999]");
  CHECK(t.Cmd("ZRANGEBYSCORE big (10 12") == "[m10022, m10023, m10024, m10025]");
  CHECK(t.Cmd("ZREVRANGEBYSCORE big 12 (10 LIMIT 1 2") == "[m10024, m10023]");
  CHECK(t.Cmd("ZCOUNT big 100 (200") == ":200");
  CHECK(t.Cmd("ZRANK big m10777") == ":777");
  CHECK(t.Cmd("ZREVRANK big m10777") == ":222");
  CHECK(t.Cmd("ZREMRANGEBYSCORE big 0 (250") == ":500");
  CHECK(t.Cmd("ZCARD big") == ":500");
  CHECK(t.Cmd("ZRANGE big 0 0") == "[m10500]");
}

TEST_CASE("ZUNION, ZINTER and ZDIFF with WEIGHTS, AGGREGATE and WITHSCORES") {
  InProcess t;
  CHECK(t.Cmd("ZADD a 1 x 2 y 3 z") == ":3");
  CHECK(t.Cmd("ZADD b 10 y 20 z 30 w") == ":3");
  CHECK(t.Cmd("ZUNION 2 a b WITHSCORES") == "[x, 1, y, 12, z, 23, w, 30]");
  CHECK(t.Cmd("ZUNION 2 a b WEIGHTS 2 0.5 WITHSCORES") == "[x, 2, y, 9, w, 15, z, 16]");
  CHECK(t.Cmd("ZUNION 2 a b AGGREGATE MAX WITHSCORES") == "[x, 1, y, 10, z, 20, w, 30]");
  CHECK(t.Cmd("ZUNION 2 a b AGGREGATE min") == "[x, y, z, w]");
  CHECK(t.Cmd("ZINTER 2 a b WITHSCORES") == "[y, 12, z, 23]");
  CHECK(t.Cmd("ZINTER 2 a b WEIGHTS 1 -1 WITHSCORES") == "[z, -17, y, -8]");
  CHECK(t.Cmd("ZINTER 2 a nokey") == "[]");
  CHECK(t.Cmd("ZDIFF 2 a b WITHSCORES") == "[x, 1]");
  CHECK(t.Cmd("ZDIFF 2 nokey a") == "[]");
  CHECK(t.Cmd("ZUNION 1 a WEIGHTS inf WITHSCORES") == "[x, inf, y, inf, z, inf]");
  CHECK(t.Cmd("ZADD i +inf p") == ":1");
  CHECK(t.Cmd("ZUNION 1 i WEIGHTS 0 WITHSCORES") == "[p, 0]");
  CHECK(t.Cmd("HELLO 3").size() > 0);
  CHECK(t.Cmd("ZINTER 2 a b WITHSCORES") == "[[y, ,12], [z, ,23]]");
}

TEST_CASE("the STORE forms replace the destination and ZINTERCARD counts") {
  InProcess t;
  CHECK(t.Cmd("ZADD a 1 x 2 y 3 z") == ":3");
  CHECK(t.Cmd("ZADD b 10 y 20 z 30 w") == ":3");
  CHECK(t.Cmd("SET d str") == "+OK");
  CHECK(t.Cmd("ZUNIONSTORE d 2 a b") == ":4");
  CHECK(t.Cmd("ZRANGE d 0 -1 WITHSCORES") == "[x, 1, y, 12, z, 23, w, 30]");
  CHECK(t.Cmd("ZINTERSTORE d 2 a b AGGREGATE MIN") == ":2");
  CHECK(t.Cmd("ZRANGE d 0 -1 WITHSCORES") == "[y, 2, z, 3]");
  CHECK(t.Cmd("ZDIFFSTORE d 2 a b") == ":1");
  CHECK(t.Cmd("ZRANGE d 0 -1 WITHSCORES") == "[x, 1]");
  CHECK(t.Cmd("ZINTERSTORE d 2 a nokey") == ":0");
  CHECK(t.Cmd("EXISTS d") == ":0");
  CHECK(t.Cmd("ZUNIONSTORE a 2 a b WEIGHTS 1 0") == ":4");
  CHECK(t.Cmd("ZRANGE a 0 -1 WITHSCORES") == "[w, 0, x, 1, y, 2, z, 3]");
  CHECK(t.Cmd("ZINTERCARD 2 a b") == ":3");
  CHECK(t.Cmd("ZINTERCARD 2 a b LIMIT 1") == ":1");
  CHECK(t.Cmd("ZINTERCARD 2 a b LIMIT 0") == ":3");
}

TEST_CASE("set operations reject bad arguments with Redis's texts") {
  InProcess t;
  CHECK(t.Cmd("ZADD a 1 x") == ":1");
  CHECK(t.Cmd("ZUNIONSTORE d 0 a") ==
        "-ERR at least 1 input key is needed for 'zunionstore' command");
  CHECK(t.Cmd("ZDIFF 0 a") == "-ERR at least 1 input key is needed for 'zdiff' command");
  CHECK(t.Cmd("ZINTERCARD 0 a") == "-ERR at least 1 input key is needed for 'zintercard' command");
  CHECK(t.Cmd("ZUNION abc a") == "-ERR value is not an integer or out of range");
  CHECK(t.Cmd("ZUNIONSTORE d 2 a") == kSyntax);
  CHECK(t.Cmd("ZUNION 1 a WEIGHTS x") == "-ERR weight value is not a float");
  CHECK(t.Cmd("ZUNION 2 a a WEIGHTS 1") == kSyntax);
  CHECK(t.Cmd("ZUNION 2 a a WEIGHTS 1 2 3") == kSyntax);
  CHECK(t.Cmd("ZUNION 1 a AGGREGATE foo") == kSyntax);
  CHECK(t.Cmd("ZUNIONSTORE d 1 a WITHSCORES") == kSyntax);
  CHECK(t.Cmd("ZDIFF 1 a WEIGHTS 1") == kSyntax);
  CHECK(t.Cmd("ZINTERCARD 1 a LIMIT -1") == "-ERR LIMIT can't be negative");
  CHECK(t.Cmd("ZINTERCARD 1 a FOO 1") == kSyntax);
  CHECK(t.Cmd("SET s x") == "+OK");
  CHECK(t.Cmd("ZUNION 2 a s") == kWrongType);
  CHECK(t.Cmd("ZINTERCARD 2 a s") == kWrongType);
}
