// tests/server/stream_commands_test.cc — the stream commands in-process: replies and error
// texts as Redis 7.0 gives them, in RESP2 and RESP3.
#include <doctest/doctest.h>

#include "tests/server/harness.h"

namespace cairn::test {
namespace {

TEST_CASE("XADD with explicit IDs enforces Redis's ID rules") {
  InProcess s;
  CHECK(s.Cmd("XADD s 0-0 a b") == "-ERR The ID specified in XADD must be greater than 0-0");
  CHECK(s.Cmd("XADD s 5 a b") == "5-0");
  CHECK(s.Cmd("XADD s 5 a b") ==
        "-ERR The ID specified in XADD is equal or smaller than the target stream top item");
  CHECK(s.Cmd("XADD s 5-* a b") == "5-1");
  CHECK(s.Cmd("XADD s 7-* a b") == "7-0");
  CHECK(s.Cmd("XADD s x-1 a b") == "-ERR Invalid stream ID specified as stream command argument");
  CHECK(s.Cmd("XADD s * a") == "-ERR wrong number of arguments for 'xadd' command");
  CHECK(s.Cmd("XADD s MAXLEN -1 * a b") == "-ERR The MAXLEN argument must be >= 0.");
  CHECK(s.Cmd("XADD s LIMIT 5 * a b") ==
        "-ERR syntax error, LIMIT cannot be used without specifying a trimming strategy");
  CHECK(s.Cmd("XADD s MAXLEN = 5 LIMIT 5 * a b") ==
        "-ERR syntax error, LIMIT cannot be used without the special ~ option");
  CHECK(s.Cmd("XADD missing NOMKSTREAM * a b") == "(nil)");
  CHECK(s.Cmd("EXISTS missing") == ":0");
  CHECK(s.Cmd("XLEN s") == ":3");
  CHECK(s.Cmd("SET str x") == "+OK");
  CHECK(s.Cmd("XADD str * a b").starts_with("-WRONGTYPE"));
  CHECK(s.Cmd("OBJECT ENCODING s") == "stream");
}

TEST_CASE("XRANGE and XREVRANGE honour exclusive bounds and COUNT") {
  InProcess s;
  for (int i = 1; i <= 5; ++i) s.Cmd("XADD s " + std::to_string(i) + "-0 f v" + std::to_string(i));
  CHECK(s.Cmd("XRANGE s - + COUNT 2") == "[[1-0, [f, v1]], [2-0, [f, v2]]]");
  CHECK(s.Cmd("XRANGE s (1-0 3") == "[[2-0, [f, v2]], [3-0, [f, v3]]]");
  CHECK(s.Cmd("XREVRANGE s + - COUNT 1") == "[[5-0, [f, v5]]]");
  CHECK(s.Cmd("XREVRANGE s (5-0 (3") == "[[4-0, [f, v4]]]");
  CHECK(s.Cmd("XREVRANGE s (5 (3") == "[[5-0, [f, v5]], [4-0, [f, v4]]]");
  CHECK(s.Cmd("XRANGE s - + COUNT 0") == "(nil)");
  CHECK(s.Cmd("XRANGE nokey - +") == "[]");
  CHECK(s.Cmd("XRANGE s (18446744073709551615-18446744073709551615 +") ==
        "-ERR invalid start ID for the interval");
  CHECK(s.Cmd("XRANGE s - (0-0") == "-ERR invalid end ID for the interval");
}

TEST_CASE("XDEL and XTRIM leave the key when the stream empties") {
  InProcess s;
  for (int i = 1; i <= 5; ++i) s.Cmd("XADD s " + std::to_string(i) + " f v");
  CHECK(s.Cmd("XDEL s 1 2 9") == ":2");
  CHECK(s.Cmd("XTRIM s MAXLEN 1") == ":2");
  CHECK(s.Cmd("XRANGE s - +") == "[[5-0, [f, v]]]");
  CHECK(s.Cmd("XTRIM s MINID 6") == ":1");
  CHECK(s.Cmd("XLEN s") == ":0");
  CHECK(s.Cmd("EXISTS s") == ":1");
  CHECK(s.Cmd("XADD s 5 f v").starts_with("-ERR The ID specified in XADD is equal"));
}

TEST_CASE("XREAD returns entries after the given IDs and the timeout reply without BLOCK") {
  InProcess s;
  s.Cmd("XADD a 1 f v");
  s.Cmd("XADD b 2 g w");
  CHECK(s.Cmd("XREAD STREAMS a b 0 0") == "[[a, [[1-0, [f, v]]]], [b, [[2-0, [g, w]]]]]");
  CHECK(s.Cmd("XREAD COUNT 1 STREAMS a $") == "(nil)");
  CHECK(s.Cmd("XREAD BLOCK 10 STREAMS a $") == "(nil)");
  CHECK(s.Cmd("XREAD STREAMS a >").starts_with("-ERR The > ID can be specified only"));
  CHECK(s.Cmd("XREAD STREAMS a b 0").starts_with("-ERR Unbalanced XREAD list of streams"));
  s.Cmd("HELLO 3");
  CHECK(s.Cmd("XREAD STREAMS a 0") == "{a: [[1-0, [f, v]]]}");
}

TEST_CASE("consumer groups deliver, track pending entries and acknowledge") {
  InProcess s;
  CHECK(s.Cmd("XGROUP CREATE s g $").starts_with("-ERR The XGROUP subcommand requires"));
  CHECK(s.Cmd("XGROUP CREATE s g $ MKSTREAM") == "+OK");
  CHECK(s.Cmd("XGROUP CREATE s g $") == "-BUSYGROUP Consumer Group name already exists");
  s.Cmd("XADD s 1 f v1");
  s.Cmd("XADD s 2 f v2");
  CHECK(s.Cmd("XREADGROUP GROUP g alice COUNT 1 STREAMS s >") == "[[s, [[1-0, [f, v1]]]]]");
  CHECK(s.Cmd("XREADGROUP GROUP g bob STREAMS s >") == "[[s, [[2-0, [f, v2]]]]]");
  CHECK(s.Cmd("XREADGROUP GROUP g bob STREAMS s >") == "(nil)");
  CHECK(s.Cmd("XREADGROUP GROUP g alice STREAMS s 0") == "[[s, [[1-0, [f, v1]]]]]");
  CHECK(s.Cmd("XREADGROUP GROUP nog c STREAMS s >") ==
        "-NOGROUP No such key 's' or consumer group 'nog' in XREADGROUP with GROUP option");
  CHECK(s.Cmd("XPENDING s g") == "[:2, 1-0, 2-0, [[alice, 1], [bob, 1]]]");
  CHECK(s.Cmd("XPENDING s g - + 10 bob").starts_with("[[2-0, bob, "));
  CHECK(s.Cmd("XACK s g 1 1") == ":1");
  CHECK(s.Cmd("XPENDING s g") == "[:1, 2-0, 2-0, [[bob, 1]]]");
  CHECK(s.Cmd("XCLAIM s g alice 0 2 JUSTID") == "[2-0]");
  CHECK(s.Cmd("XPENDING s g") == "[:1, 2-0, 2-0, [[alice, 1]]]");
  CHECK(s.Cmd("XAUTOCLAIM s g carol 0 0 COUNT 5") == "[0-0, [[2-0, [f, v2]]], []]");
  CHECK(s.Cmd("XAUTOCLAIM s g carol 0 0 COUNT 0") == "-ERR COUNT must be > 0");
  CHECK(s.Cmd("XDEL s 2") == ":1");
  CHECK(s.Cmd("XAUTOCLAIM s g carol 0 0") == "[0-0, [], [2-0]]");
  CHECK(s.Cmd("XPENDING s g") == "[:0, (nil), (nil), (nil)]");
  CHECK(s.Cmd("XGROUP CREATECONSUMER s g dave") == ":1");
  CHECK(s.Cmd("XGROUP DELCONSUMER s g dave") == ":0");
  CHECK(s.Cmd("XGROUP DESTROY s g") == ":1");
  CHECK(s.Cmd("XGROUP DESTROY s g") == ":0");
}

TEST_CASE("XREADGROUP that fails on a later stream delivers nothing from the earlier ones") {
  InProcess s;
  s.Cmd("XGROUP CREATE s1 g $ MKSTREAM");
  s.Cmd("XADD s1 1 f v");
  s.Cmd("XADD nogroup 1 f v");
  s.Cmd("SET str x");
  CHECK(s.Cmd("XREADGROUP GROUP g c STREAMS s1 nogroup > >") ==
        "-NOGROUP No such key 'nogroup' or consumer group 'g' in XREADGROUP with GROUP option");
  CHECK(s.Cmd("XREADGROUP GROUP g c STREAMS s1 str > >").starts_with("-WRONGTYPE"));
  CHECK(s.Cmd("XREADGROUP GROUP g c STREAMS s1 missing 0 >").starts_with("-NOGROUP"));
  CHECK(s.Cmd("XPENDING s1 g") == "[:0, (nil), (nil), (nil)]");
  CHECK(s.Cmd("XINFO CONSUMERS s1 g") == "[]");
  CHECK(s.Cmd("XREADGROUP GROUP g c STREAMS s1 >") == "[[s1, [[1-0, [f, v]]]]]");
}

TEST_CASE("XREADGROUP checks each stream's type, group and ID in turn, as Redis does") {
  InProcess s;
  s.Cmd("XGROUP CREATE s1 g $ MKSTREAM");
  s.Cmd("SET str x");
  // An invalid ID of the first stream is reported before the second stream's missing group...
  CHECK(s.Cmd("XREADGROUP GROUP g c STREAMS s1 missing abc >") ==
        "-ERR Invalid stream ID specified as stream command argument");
  CHECK(s.Cmd("XREADGROUP GROUP g c STREAMS s1 missing $ >").starts_with("-ERR The $ ID"));
  // ...and a missing group or a wrong type of the first before the second stream's bad ID.
  CHECK(s.Cmd("XREADGROUP GROUP g c STREAMS missing s1 > abc").starts_with("-NOGROUP"));
  CHECK(s.Cmd("XREADGROUP GROUP g c STREAMS str s1 > abc").starts_with("-WRONGTYPE"));
}

TEST_CASE("a blocked XREADGROUP is served the entries a later XADD brings") {
  InProcess s;
  BlockingClient reader(s, 7);
  s.Cmd("XGROUP CREATE s1 g $ MKSTREAM");
  s.Cmd("XGROUP CREATE s2 g $ MKSTREAM");
  CHECK(reader.Cmd("XREADGROUP GROUP g c BLOCK 0 STREAMS s1 s2 > >") == "<blocked>");
  s.Cmd("XADD s2 5 f v");
  CHECK(reader.Served() == "[[s2, [[5-0, [f, v]]]]]");
  CHECK(s.Cmd("XPENDING s2 g") == "[:1, 5-0, 5-0, [[c, 1]]]");
}

TEST_CASE("a blocked XREADGROUP retried after another stream lost its group delivers nothing") {
  InProcess s;
  BlockingClient reader(s, 7);
  s.Cmd("XGROUP CREATE s1 g $ MKSTREAM");
  s.Cmd("XGROUP CREATE s2 g $ MKSTREAM");
  CHECK(reader.Cmd("XREADGROUP GROUP g c BLOCK 0 STREAMS s1 s2 > >") == "<blocked>");
  // Both keys become ready together: the retry finds an entry on s1 and no group on s2.
  s.Cmd("MULTI");
  s.Cmd("XADD s1 1 f v");
  s.Cmd("XGROUP DESTROY s2 g");
  CHECK(s.Cmd("EXEC") == "[1-0, :1]");
  CHECK(reader.Served() ==
        "-NOGROUP the consumer group this client was blocked on no longer exists");
  CHECK(s.Cmd("XPENDING s1 g") == "[:0, (nil), (nil), (nil)]");
  CHECK(s.Cmd("XINFO CONSUMERS s1 g") == "[]");
}

TEST_CASE("claiming skips deleted entries and creates a consumer only when it claims") {
  InProcess s;
  for (int i = 1; i <= 3; ++i) s.Cmd("XADD z " + std::to_string(i) + " a b");
  s.Cmd("XGROUP CREATE z g 0");
  s.Cmd("XREADGROUP GROUP g c STREAMS z >");
  CHECK(s.Cmd("XDEL z 1 2") == ":2");
  CHECK(s.Cmd("XAUTOCLAIM z g d 0 0 COUNT 1") == "[2-0, [], [1-0]]");
  CHECK(s.Cmd("XAUTOCLAIM z g d 0 0 COUNT 1") == "[3-0, [], [2-0]]");
  CHECK(s.Cmd("XINFO GROUPS z").find("consumers, :1,") != std::string::npos);
  CHECK(s.Cmd("XADD z 4 a b") == "4-0");
  CHECK(s.Cmd("XCLAIM z g e 0 4 FORCE") == "[[4-0, [a, b]]]");
  CHECK(s.Cmd("XPENDING z g - + 10 e").ends_with(", :2]]"));
  CHECK(s.Cmd("XCLAIM z g e 0 4 JUSTID RETRYCOUNT 7 LASTID 9") == "[4-0]");
  CHECK(s.Cmd("XPENDING z g - + 10 e").ends_with(", :7]]"));
  CHECK(s.Cmd("XINFO GROUPS z").find("last-delivered-id, 9-0") != std::string::npos);
  CHECK(s.Cmd("XDEL z 4") == ":1");
  CHECK(s.Cmd("XREADGROUP GROUP g e STREAMS z 0") == "[[z, [[4-0, (nil)]]]]");
  CHECK(s.Cmd("XCLAIM z g e x 4") == "-ERR Invalid min-idle-time argument for XCLAIM");
}

TEST_CASE("XINFO reports the stream, its groups and consumers") {
  InProcess s;
  s.Cmd("XADD s 1 f v");
  s.Cmd("XGROUP CREATE s g 0");
  s.Cmd("XREADGROUP GROUP g c STREAMS s >");
  CHECK(s.Cmd("XINFO STREAM s").starts_with("[length, :1, radix-tree-keys"));
  CHECK(s.Cmd("XINFO GROUPS s") ==
        "[[name, g, consumers, :1, pending, :1, last-delivered-id, 1-0, entries-read, :1, "
        "lag, :0]]");
  CHECK(s.Cmd("XINFO CONSUMERS s g").starts_with("[[name, c, pending, :1, idle, "));
  CHECK(s.Cmd("XINFO STREAM nokey") == "-ERR no such key");
  CHECK(s.Cmd("XINFO STREAM s FULL")
            .starts_with(
                "[length, :1, radix-tree-keys, :1, radix-tree-nodes, :2, last-generated-id, 1-0, "
                "max-deleted-entry-id, 0-0, entries-added, :1, recorded-first-entry-id, 1-0, "
                "entries, "
                "[[1-0, [f, v]]], groups, [[name, g, last-delivered-id, 1-0, entries-read, :1, "
                "lag, :0, "
                "pel-count, :1, pending, [[1-0, c, :"));
  s.Cmd("HELLO 3");
  CHECK(s.Cmd("XINFO GROUPS s") ==
        "[{name: g, consumers: :1, pending: :1, last-delivered-id: 1-0, entries-read: :1, "
        "lag: :0}]");
}

TEST_CASE("XSETID moves the stream's last ID within Redis's limits") {
  InProcess s;
  s.Cmd("XADD s 3 f v");
  CHECK(s.Cmd("XSETID s 1") ==
        "-ERR The ID specified in XSETID is smaller than the target stream top item");
  CHECK(s.Cmd("XSETID s 5 ENTRIESADDED 0") ==
        "-ERR The entries_added specified in XSETID is smaller than the target stream length");
  CHECK(s.Cmd("XSETID s 5 MAXDELETEDID 6") ==
        "-ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id");
  CHECK(s.Cmd("XSETID nokey 5") == "-ERR no such key");
  CHECK(s.Cmd("XSETID s 9 ENTRIESADDED 7 MAXDELETEDID 2") == "+OK");
  CHECK(s.Cmd("XADD s 9-* f v") == "9-1");
  CHECK(s.Cmd("XINFO STREAM s").find("entries-added, :8") != std::string::npos);
}

TEST_CASE("re-reading a consumer's pending entries counts as another delivery") {
  InProcess s;
  s.Cmd("XADD a 1-1 f v");
  s.Cmd("XADD a 2-1 f v");
  s.Cmd("XGROUP CREATE a g 0");
  s.Cmd("XREADGROUP GROUP g c STREAMS a >");
  s.Cmd("XDEL a 2-1");
  CHECK(s.Cmd("XREADGROUP GROUP g c STREAMS a 0") == "[[a, [[1-1, [f, v]], [2-1, (nil)]]]]");
  // 1-1 was delivered twice; 2-1, deleted since, was not delivered again.
  std::string pending = s.Cmd("XPENDING a g - + 10");  // [[id, consumer, idle, count], ...]
  CHECK(pending.starts_with("[[1-1, c, :"));
  CHECK(pending.find(", :2], [2-1, c, :") != std::string::npos);
  CHECK(pending.ends_with(", :1]]"));
}

TEST_CASE("XRANGE and XREVRANGE with COUNT 0 or less reply nil, as Redis does") {
  InProcess s;
  s.Cmd("XADD a 1-1 f v");
  CHECK(s.Cmd("XRANGE a - + COUNT 0") == "(nil)");
  CHECK(s.Cmd("XREVRANGE a + - COUNT -1") == "(nil)");
  CHECK(s.Cmd("XRANGE nokey - + COUNT 0") == "[]");
}

TEST_CASE("stream IDs are read as Redis's strtoull reads them") {
  InProcess s;
  CHECK(s.Run({"XADD", "a", " 1-1", "f", "v"}) == "1-1");
  CHECK(s.Cmd("XADD a +2-1 f v") == "2-1");
  CHECK(s.Cmd("XADD a 3-+1 f v") == "3-1");
  CHECK(s.Run({"XRANGE", "a", " 2", "(+3-1"}) == "[[2-1, [f, v]]]");
  CHECK(s.Cmd("XADD a -1-1 f v") == "-ERR Invalid stream ID specified as stream command argument");
  CHECK(s.Cmd("XADD a 1- f v") == "-ERR Invalid stream ID specified as stream command argument");
  CHECK(s.Cmd("XADD a 18446744073709551616-1 f v") ==
        "-ERR Invalid stream ID specified as stream command argument");
  CHECK(s.Run({"XDEL", "a", " 1-1"}) == ":1");
}

TEST_CASE("XACK and XDEL look at the key before the IDs") {
  InProcess s;
  CHECK(s.Cmd("XACK nokey g abc") == ":0");
  CHECK(s.Cmd("XDEL nokey abc") == ":0");
  s.Cmd("XADD a 1-1 f v");
  CHECK(s.Cmd("XACK a nogroup abc") == ":0");
  CHECK(s.Cmd("XDEL a abc") == "-ERR Invalid stream ID specified as stream command argument");
}

TEST_CASE("XREAD and XREADGROUP argument errors come in Redis's order and words") {
  InProcess s;
  const char* unbalanced =
      "-ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.";
  CHECK(s.Cmd("XREAD STREAMS a b 0") == unbalanced);
  CHECK(s.Cmd("XREADGROUP GROUP g c STREAMS a b 0") == unbalanced);
  CHECK(s.Cmd("XREAD COUNT 3 STREAMS") == "-ERR syntax error");
  CHECK(s.Cmd("XREADGROUP GROUP g c COUNT 3 STREAMS") == "-ERR syntax error");
  CHECK(s.Cmd("XREADGROUP COUNT 3 NOACK STREAMS a >") == "-ERR Missing GROUP option for XREADGROUP");
  CHECK(s.Cmd("XREAD GROUP g c STREAMS a 0") ==
        "-ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.");
  s.Cmd("SET str v");
  CHECK(s.Cmd("XREAD STREAMS str abc") ==
        "-WRONGTYPE Operation against a key holding the wrong kind of value");
}

TEST_CASE("XGROUP checks options, key, group, then the ID, with Redis's errors") {
  InProcess s;
  const char* no_key =
      "-ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want "
      "to use the MKSTREAM option to create an empty stream automatically.";
  CHECK(s.Cmd("XGROUP CREATE nokey g abc") == no_key);
  CHECK(s.Cmd("XGROUP SETID nokey g (+") == no_key);
  CHECK(s.Cmd("XGROUP CREATE nokey g 0 FOO") ==
        "-ERR unknown subcommand or wrong number of arguments for 'CREATE'. Try XGROUP HELP.");
  s.Cmd("XADD a 1-1 f v");
  CHECK(s.Cmd("XGROUP SETID a g (+") == "-NOGROUP No such consumer group 'g' for key name 'a'");
  s.Cmd("XGROUP CREATE a g 0");
  CHECK(s.Cmd("XGROUP SETID a g 0 FOO") ==
        "-ERR unknown subcommand or wrong number of arguments for 'SETID'. Try XGROUP HELP.");
  CHECK(s.Cmd("XGROUP SETID a g -") == "+OK");
  CHECK(s.Cmd("XGROUP SETID a g 1-1 ENTRIESREAD 1") == "+OK");
  CHECK(s.Cmd("XGROUP CREATE a g2 abc") ==
        "-ERR Invalid stream ID specified as stream command argument");
}

TEST_CASE("XCLAIM, XAUTOCLAIM and XINFO STREAM look at the key first, with Redis's errors") {
  InProcess s;
  CHECK(s.Cmd("XCLAIM nokey g c abc 1-1") == "-NOGROUP No such key 'nokey' or consumer group 'g'");
  CHECK(s.Cmd("XINFO STREAM nokey FOO") == "-ERR no such key");
  CHECK(s.Cmd("XAUTOCLAIM nokey g c 0 0 COUNT abc") == "-ERR COUNT must be > 0");
  s.Cmd("XADD a 1-1 f v");
  s.Cmd("XGROUP CREATE a g 0");
  CHECK(s.Cmd("XCLAIM a g c 0 1-1 IDLE abc") == "-ERR Invalid IDLE option argument for XCLAIM");
  CHECK(s.Cmd("XCLAIM a g c 0 abc") == "-ERR Unrecognized XCLAIM option 'abc'");
  CHECK(s.Cmd("XINFO STREAM a FOO") ==
        "-ERR unknown subcommand or wrong number of arguments for 'STREAM'. Try XINFO HELP.");
}

TEST_CASE("XADD and XTRIM parse their options in Redis's order") {
  InProcess s;
  CHECK(s.Cmd("XADD x COUNT 0-0 n v") ==
        "-ERR Invalid stream ID specified as stream command argument");
  CHECK(s.Cmd("XADD x MAXLEN 1 MINID 0 * n v") ==
        "-ERR syntax error, MAXLEN and MINID options at the same time are not compatible");
  CHECK(s.Cmd("XADD x LIMIT 5 * n v") ==
        "-ERR syntax error, LIMIT cannot be used without specifying a trimming strategy");
  s.Cmd("XADD x 1-1 n v");
  CHECK(s.Cmd("XTRIM x LIMIT 5") ==
        "-ERR syntax error, LIMIT cannot be used without specifying a trimming strategy");
  CHECK(s.Cmd("XTRIM x LIMIT 0") == "-ERR syntax error, XTRIM must be called with a trimming strategy");
  CHECK(s.Cmd("XTRIM x MAXLEN 5 LIMIT 5") ==
        "-ERR syntax error, LIMIT cannot be used without the special ~ option");
  CHECK(s.Cmd("XTRIM x MAXLEN ~ 0 LIMIT 5") == ":1");
}

}  // namespace
}  // namespace cairn::test
