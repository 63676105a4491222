// tests/server/hash_commands_test.cc — the hash family, in-process, in RESP2 and RESP3.
#include <doctest/doctest.h>

#include <set>
#include <string>
#include <vector>

#include "tests/server/harness.h"

using cairn::test::InProcess;

namespace {

constexpr const char* kWrongType =
    "-WRONGTYPE Operation against a key holding the wrong kind of value";
constexpr const char* kNotInt = "-ERR value is not an integer or out of range";
constexpr const char* kSyntax = "-ERR syntax error";

std::string Arity(const std::string& name) {
  return "-ERR wrong number of arguments for '" + name + "' command";
}

// Splits "[a, b, c]" into its items (no nesting).
std::vector<std::string> Items(const std::string& reply) {
  std::vector<std::string> out;
  REQUIRE(reply.size() >= 2);
  std::string body = reply.substr(1, reply.size() - 2);
  size_t i = 0;
  while (!body.empty() && i <= body.size()) {
    size_t j = body.find(", ", i);
    if (j == std::string::npos) j = body.size();
    out.push_back(body.substr(i, j - i));
    i = j + 2;
  }
  return out;
}

TEST_CASE("HSET, HGET, HMGET, HEXISTS, HLEN, HSTRLEN on present and missing fields") {
  InProcess t;
  CHECK(t.Cmd("HSET h a 1 b 22") == ":2");
  CHECK(t.Cmd("HSET h a 3 c 4") == ":1");
  CHECK(t.Cmd("HGET h a") == "3");
  CHECK(t.Cmd("HGET h zz") == "(nil)");
  CHECK(t.Cmd("HGET nokey a") == "(nil)");
  CHECK(t.Cmd("HMGET h a zz b") == "[3, (nil), 22]");
  CHECK(t.Cmd("HMGET nokey a b") == "[(nil), (nil)]");
  CHECK(t.Cmd("HEXISTS h b") == ":1");
  CHECK(t.Cmd("HEXISTS h zz") == ":0");
  CHECK(t.Cmd("HEXISTS nokey a") == ":0");
  CHECK(t.Cmd("HLEN h") == ":3");
  CHECK(t.Cmd("HLEN nokey") == ":0");
  CHECK(t.Cmd("HSTRLEN h b") == ":2");
  CHECK(t.Cmd("HSTRLEN h zz") == ":0");
  CHECK(t.Cmd("HSTRLEN nokey a") == ":0");
  CHECK(t.Cmd("TYPE h") == "+hash");
}

TEST_CASE("HMSET replies OK and HSETNX sets only missing fields") {
  InProcess t;
  CHECK(t.Cmd("HMSET h a 1 b 2") == "+OK");
  CHECK(t.Cmd("HSETNX h a 9") == ":0");
  CHECK(t.Cmd("HSETNX h c 3") == ":1");
  CHECK(t.Cmd("HSETNX new f v") == ":1");
  CHECK(t.Cmd("HGETALL h") == "[a, 1, b, 2, c, 3]");
  CHECK(t.Cmd("HGET new f") == "v");
}

TEST_CASE("HDEL counts removed fields and deletes the key with its last field") {
  InProcess t;
  t.Cmd("HSET h a 1 b 2 c 3");
  CHECK(t.Cmd("HDEL h a zz a") == ":1");
  CHECK(t.Cmd("HDEL nokey a") == ":0");
  CHECK(t.Cmd("HDEL h b c") == ":2");
  CHECK(t.Cmd("EXISTS h") == ":0");
}

TEST_CASE("HKEYS, HVALS, HGETALL in insertion order; HGETALL is a map in RESP3") {
  InProcess t;
  t.Cmd("HSET h z 1 a 2");
  CHECK(t.Cmd("HKEYS h") == "[z, a]");
  CHECK(t.Cmd("HVALS h") == "[1, 2]");
  CHECK(t.Cmd("HGETALL h") == "[z, 1, a, 2]");
  CHECK(t.Cmd("HKEYS nokey") == "[]");
  CHECK(t.Cmd("HGETALL nokey") == "[]");
  t.Cmd("HELLO 3");
  CHECK(t.Cmd("HGETALL h") == "{z: 1, a: 2}");
  CHECK(t.Cmd("HGETALL nokey") == "{}");
  CHECK(t.Cmd("HGET h nope") == "(nil)");
}

TEST_CASE("HINCRBY adds, creates, and refuses non-integers and overflow") {
  InProcess t;
  CHECK(t.Cmd("HINCRBY h n 5") == ":5");
  CHECK(t.Cmd("HINCRBY h n -7") == ":-2");
  t.Cmd("HSET h s abc z 010 sp 1 big 9223372036854775807");
  CHECK(t.Cmd("HINCRBY h s 1") == "-ERR hash value is not an integer");
  CHECK(t.Cmd("HINCRBY h z 1") == "-ERR hash value is not an integer");
  CHECK(t.Cmd("HINCRBY h big 1") == "-ERR increment or decrement would overflow");
  CHECK(t.Cmd("HINCRBY h n x") == kNotInt);
  CHECK(t.Cmd("HINCRBY h n 1.5") == kNotInt);
  CHECK(t.Cmd("HGET h big") == "9223372036854775807");
}

TEST_CASE("HINCRBYFLOAT adds in long double and refuses bad values and NaN or Infinity") {
  InProcess t;
  CHECK(t.Cmd("HINCRBYFLOAT h f 10.5") == "10.5");
  CHECK(t.Cmd("HINCRBYFLOAT h f 0.1") == "10.6");
  t.Cmd("HSET h e 1.5e2 s abc");
  CHECK(t.Cmd("HINCRBYFLOAT h e 0") == "150");
  CHECK(t.Cmd("HINCRBYFLOAT h s 1") == "-ERR hash value is not a float");
  CHECK(t.Cmd("HINCRBYFLOAT h f abc") == "-ERR value is not a valid float");
  CHECK(t.Cmd("HINCRBYFLOAT h f inf") == "-ERR value is NaN or Infinity");
  t.Cmd("HSET h huge 1.1e4932");
  CHECK(t.Cmd("HINCRBYFLOAT h huge 1.1e4932") ==
        "-ERR increment would produce NaN or Infinity");
  CHECK(t.Cmd("HGET h f") == "10.6");
}

TEST_CASE("every hash command on a string key is WRONGTYPE") {
  InProcess t;
  t.Cmd("SET s v");
  for (const char* cmd :
       {"HSET s a 1", "HSETNX s a 1", "HGET s a", "HMGET s a", "HMSET s a 1", "HDEL s a",
        "HEXISTS s a", "HLEN s", "HKEYS s", "HVALS s", "HGETALL s", "HINCRBY s a 1",
        "HINCRBYFLOAT s a 1", "HSTRLEN s a", "HRANDFIELD s", "HRANDFIELD s 2", "HSCAN s 0"}) {
    CHECK_MESSAGE(t.Cmd(cmd) == kWrongType, cmd);
  }
  CHECK(t.Cmd("GET s") == "v");
}

TEST_CASE("arity errors use Redis's text, including odd field/value counts") {
  InProcess t;
  CHECK(t.Cmd("HSET h a") == Arity("hset"));
  CHECK(t.Cmd("HSET h a 1 b") == Arity("hset"));
  CHECK(t.Cmd("HMSET h a 1 b") == Arity("hmset"));
  CHECK(t.Cmd("HGET h") == Arity("hget"));
  CHECK(t.Cmd("HSETNX h a") == Arity("hsetnx"));
  CHECK(t.Cmd("HDEL h") == Arity("hdel"));
  CHECK(t.Cmd("HSCAN h") == Arity("hscan"));
  CHECK(t.Cmd("EXISTS h") == ":0");
}

TEST_CASE("OBJECT ENCODING switches from listpack to hashtable at the thresholds") {
  InProcess t;
  for (int i = 0; i < 512; ++i) t.Run({"HSET", "h", "f" + std::to_string(i), "v"});
  CHECK(t.Cmd("OBJECT ENCODING h") == "listpack");
  t.Cmd("HSET h f512 v");
  CHECK(t.Cmd("OBJECT ENCODING h") == "hashtable");
  t.Run({"HSET", "g", "a", std::string(65, 'x')});
  CHECK(t.Cmd("OBJECT ENCODING g") == "hashtable");
  CHECK(t.Cmd("HLEN h") == ":513");
}

TEST_CASE("HRANDFIELD without count gives one field, or nil for a missing key") {
  InProcess t;
  CHECK(t.Cmd("HRANDFIELD nokey") == "(nil)");
  t.Cmd("HSET h a 1 b 2");
  std::string f = t.Cmd("HRANDFIELD h");
  CHECK((f == "a" || f == "b"));
}

TEST_CASE("HRANDFIELD with a positive count gives distinct fields, at most the hash") {
  for (int n : {5, 300}) {
    InProcess t;
    for (int i = 0; i < n; ++i) t.Run({"HSET", "h", "f" + std::to_string(i), "v" + std::to_string(i)});
    std::vector<std::string> three = Items(t.Cmd("HRANDFIELD h 3"));
    CHECK(three.size() == 3);
    CHECK(std::set<std::string>(three.begin(), three.end()).size() == 3);
    std::vector<std::string> all = Items(t.Run({"HRANDFIELD", "h", std::to_string(n + 10)}));
    CHECK(all.size() == static_cast<size_t>(n));
    CHECK(std::set<std::string>(all.begin(), all.end()).size() == static_cast<size_t>(n));
    std::vector<std::string> big = Items(t.Run({"HRANDFIELD", "h", std::to_string(n - 1)}));
    CHECK(std::set<std::string>(big.begin(), big.end()).size() == static_cast<size_t>(n - 1));
    std::vector<std::string> pairs = Items(t.Cmd("HRANDFIELD h 2 WITHVALUES"));
    REQUIRE(pairs.size() == 4);
    CHECK(pairs[1] == "v" + pairs[0].substr(1));
  }
}

TEST_CASE("HRANDFIELD with a negative count repeats fields; count 0 and missing keys are empty") {
  InProcess t;
  t.Cmd("HSET h a 1");
  CHECK(t.Cmd("HRANDFIELD h -3") == "[a, a, a]");
  CHECK(t.Cmd("HRANDFIELD h -2 WITHVALUES") == "[a, 1, a, 1]");
  CHECK(t.Cmd("HRANDFIELD h 0") == "[]");
  CHECK(t.Cmd("HRANDFIELD h 0 WITHVALUES") == "[]");
  CHECK(t.Cmd("HRANDFIELD nokey 3") == "[]");
  CHECK(t.Cmd("HRANDFIELD nokey -3 WITHVALUES") == "[]");
}

TEST_CASE("HRANDFIELD WITHVALUES nests pairs in RESP3") {
  InProcess t;
  t.Cmd("HSET h a 1");
  t.Cmd("HELLO 3");
  CHECK(t.Cmd("HRANDFIELD h -2 WITHVALUES") == "[[a, 1], [a, 1]]");
  CHECK(t.Cmd("HRANDFIELD h 5 WITHVALUES") == "[[a, 1]]");
  CHECK(t.Cmd("HRANDFIELD h 1") == "[a]");
  CHECK(t.Cmd("HRANDFIELD nokey") == "(nil)");
}

TEST_CASE("HRANDFIELD argument errors match Redis") {
  InProcess t;
  t.Cmd("HSET h a 1");
  CHECK(t.Cmd("HRANDFIELD h x") == kNotInt);
  CHECK(t.Cmd("HRANDFIELD h 1 foo") == kSyntax);
  CHECK(t.Cmd("HRANDFIELD h 1 WITHVALUES x") == kSyntax);
  CHECK(t.Cmd("HRANDFIELD h -9223372036854775808") ==
        "-ERR value is out of range, value must between -9223372036854775807 and "
        "9223372036854775807");
  CHECK(t.Cmd("HRANDFIELD h -9223372036854775807 WITHVALUES") == "-ERR value is out of range");
}

TEST_CASE("HSCAN returns a packed hash whole with cursor 0, filtered by MATCH") {
  InProcess t;
  t.Cmd("HSET h a1 1 b1 2 a2 3");
  CHECK(t.Cmd("HSCAN h 0") == "[0, [a1, 1, b1, 2, a2, 3]]");
  CHECK(t.Cmd("HSCAN h 0 COUNT 1") == "[0, [a1, 1, b1, 2, a2, 3]]");
  CHECK(t.Cmd("HSCAN h 0 MATCH a*") == "[0, [a1, 1, a2, 3]]");
  CHECK(t.Cmd("HSCAN nokey 0") == "[0, []]");
  t.Cmd("HELLO 3");
  CHECK(t.Cmd("HSCAN h 0 MATCH b*") == "[0, [b1, 2]]");
}

TEST_CASE("HSCAN over a large hash visits every field once the cursor is back to 0") {
  InProcess t;
  for (int i = 0; i < 1000; ++i) t.Run({"HSET", "h", "f" + std::to_string(i), "v"});
  std::set<std::string> seen;
  std::string cursor = "0";
  int calls = 0;
  do {
    std::string reply = t.Run({"HSCAN", "h", cursor, "COUNT", "50"});
    size_t comma = reply.find(", ");
    cursor = reply.substr(1, comma - 1);
    std::string list = reply.substr(comma + 2, reply.size() - comma - 3);
    for (const std::string& item : Items(list)) {
      if (item[0] == 'f') seen.insert(item);
    }
    ++calls;
  } while (cursor != "0" && calls < 10000);
  CHECK(seen.size() == 1000);
  CHECK(calls > 1);
}

TEST_CASE("HSCAN option errors match Redis") {
  InProcess t;
  t.Cmd("HSET h a 1");
  CHECK(t.Cmd("HSCAN h x") == "-ERR invalid cursor");
  CHECK(t.Cmd("HSCAN h 0 COUNT 0") == kSyntax);
  CHECK(t.Cmd("HSCAN h 0 COUNT x") == kNotInt);
  CHECK(t.Cmd("HSCAN h 0 TYPE string") == kSyntax);
  CHECK(t.Cmd("HSCAN h 0 MATCH") == kSyntax);
  CHECK(t.Cmd("HSCAN nokey 0 BOGUS x") == "[0, []]");
}

TEST_CASE("a hash key expires and keeps its TTL across field changes") {
  InProcess t;
  t.Cmd("HSET h a 1");
  CHECK(t.Cmd("EXPIRE h 100") == ":1");
  t.Cmd("HSET h b 2");
  t.Cmd("HINCRBY h n 1");
  CHECK(t.Cmd("TTL h") == ":100");
  t.store().AdvanceClockForTesting(101 * 1000);
  CHECK(t.Cmd("HGET h a") == "(nil)");
  CHECK(t.Cmd("EXISTS h") == ":0");
}

}  // namespace
