// tests/server/key_commands_test.cc — the generic (keyspace) family, in-process.
#include <doctest/doctest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "tests/server/harness.h"

using cairn::test::InProcess;

namespace {

constexpr const char* kSyntax = "-ERR syntax error";
constexpr const char* kNotInt = "-ERR value is not an integer or out of range";
constexpr const char* kDbRange = "-ERR DB index is out of range";
constexpr const char* kSame = "-ERR source and destination objects are the same";
constexpr const char* kNxAndOthers =
    "-ERR NX and XX, GT or LT options at the same time are not compatible";
constexpr const char* kGtAndLt = "-ERR GT and LT options at the same time are not compatible";

std::string Arity(const std::string& command) {
  return "-ERR wrong number of arguments for '" + command + "' command";
}

void MakeList(InProcess& t, std::string_view key) {
  t.Run({"RPUSH", std::string(key), "x"});
}

int64_t Int(const std::string& reply) {
  REQUIRE(reply.size() > 1);
  REQUIRE(reply[0] == ':');
  return std::stoll(reply.substr(1));
}

void Select(InProcess& t, int db) { t.client().db.store(db); }

// Splits "[a, b, c]" (keys without ", " inside) into its items.
std::vector<std::string> Items(std::string reply) {
  REQUIRE(reply.size() >= 2);
  REQUIRE(reply.front() == '[');
  reply = reply.substr(1, reply.size() - 2);
  std::vector<std::string> items;
  size_t i = 0;
  while (!reply.empty() && i <= reply.size()) {
    size_t j = reply.find(", ", i);
    if (j == std::string::npos) j = reply.size();
    items.push_back(reply.substr(i, j - i));
    i = j + 2;
  }
  return items;
}

std::vector<std::string> SortedKeys(InProcess& t, const std::string& pattern) {
  std::vector<std::string> keys = Items(t.Run({"KEYS", pattern}));
  std::sort(keys.begin(), keys.end());
  return keys;
}

// Runs a full SCAN iteration; returns every key seen and the number of calls.
std::multiset<std::string> ScanAll(InProcess& t, std::vector<std::string> options,
                                   int* calls = nullptr) {
  std::multiset<std::string> seen;
  std::string cursor = "0";
  int n = 0;
  do {
    std::vector<std::string> args = {"SCAN", cursor};
    args.insert(args.end(), options.begin(), options.end());
    std::string reply = t.Run(args);
    // "[cursor, [k1, k2]]"
    REQUIRE(reply.rfind("[", 0) == 0);
    size_t comma = reply.find(", ");
    cursor = reply.substr(1, comma - 1);
    std::string list = reply.substr(comma + 2, reply.size() - comma - 3);
    for (const std::string& key : Items(list)) {
      if (!key.empty()) seen.insert(key);
    }
    REQUIRE(++n < 100000);
  } while (cursor != "0");
  if (calls != nullptr) *calls = n;
  return seen;
}

}  // namespace

// ---- DEL, UNLINK, EXISTS, TYPE, TOUCH ----------------------------------------------------

TEST_CASE("EXISTS counts every argument that exists, duplicates included") {
  InProcess t;
  t.Cmd("MSET a 1 b 2");
  CHECK(t.Cmd("EXISTS a a b nope") == ":3");
  CHECK(t.Cmd("EXISTS nope") == ":0");
  CHECK(t.Cmd("EXISTS a") == ":1");
}

TEST_CASE("DEL replies with the number of keys removed") {
  InProcess t;
  t.Cmd("MSET a 1 b 2 c 3");
  CHECK(t.Cmd("DEL a a nope") == ":1");
  CHECK(t.Cmd("DEL b c") == ":2");
  CHECK(t.Cmd("DEL b") == ":0");
  CHECK(t.Cmd("EXISTS a b c") == ":0");
}

TEST_CASE("UNLINK behaves like DEL") {
  InProcess t;
  t.Cmd("MSET a 1 b 2");
  MakeList(t, "l");
  CHECK(t.Cmd("UNLINK a nope b l") == ":3");
  CHECK(t.Cmd("EXISTS a b l") == ":0");
}

TEST_CASE("TYPE names the value type or none") {
  InProcess t;
  t.Cmd("SET s v");
  MakeList(t, "l");
  CHECK(t.Cmd("TYPE s") == "+string");
  CHECK(t.Cmd("TYPE l") == "+list");
  CHECK(t.Cmd("TYPE nope") == "+none");
}

TEST_CASE("TOUCH counts existing keys") {
  InProcess t;
  t.Cmd("MSET a 1 b 2");
  CHECK(t.Cmd("TOUCH a b nope a") == ":3");
  CHECK(t.Cmd("TOUCH nope") == ":0");
}

TEST_CASE("generic commands check their number of arguments") {
  InProcess t;
  struct Case {
    const char* line;
    const char* name;
  };
  for (const Case& c : {Case{"DEL", "del"},
                        Case{"UNLINK", "unlink"},
                        Case{"EXISTS", "exists"},
                        Case{"TOUCH", "touch"},
                        Case{"TYPE", "type"},
                        Case{"TYPE a b", "type"},
                        Case{"TTL a b", "ttl"},
                        Case{"PTTL", "pttl"},
                        Case{"EXPIRETIME", "expiretime"},
                        Case{"PERSIST", "persist"},
                        Case{"EXPIRE a", "expire"},
                        Case{"PEXPIREAT a", "pexpireat"},
                        Case{"RENAME a", "rename"},
                        Case{"RENAMENX a b c", "renamenx"},
                        Case{"COPY a", "copy"},
                        Case{"MOVE a", "move"},
                        Case{"KEYS", "keys"},
                        Case{"SCAN", "scan"},
                        Case{"RANDOMKEY x", "randomkey"},
                        Case{"OBJECT", "object"}}) {
    CAPTURE(c.line);
    CHECK(t.Cmd(c.line) == Arity(c.name));
  }
}

// ---- RENAME, RENAMENX --------------------------------------------------------------------

TEST_CASE("RENAME moves the value and its TTL") {
  InProcess t;
  t.Cmd("SET a v EX 100");
  CHECK(t.Cmd("RENAME a b") == "+OK");
  CHECK(t.Cmd("EXISTS a") == ":0");
  CHECK(t.Cmd("GET b") == "v");
  CHECK(t.Cmd("TTL b") == ":100");
}

TEST_CASE("RENAME overwrites the destination and drops its TTL") {
  InProcess t;
  t.Cmd("MSET a 1 b 2");
  t.Cmd("EXPIRE b 100");
  CHECK(t.Cmd("RENAME a b") == "+OK");
  CHECK(t.Cmd("GET b") == "1");
  CHECK(t.Cmd("TTL b") == ":-1");
  MakeList(t, "l");
  CHECK(t.Cmd("RENAME b l") == "+OK");
  CHECK(t.Cmd("TYPE l") == "+string");
  CHECK(t.Cmd("RENAME l b") == "+OK");
}

TEST_CASE("RENAME of a key of another type keeps its type") {
  InProcess t;
  MakeList(t, "l");
  CHECK(t.Cmd("RENAME l l2") == "+OK");
  CHECK(t.Cmd("TYPE l2") == "+list");
}

TEST_CASE("RENAME and RENAMENX of a missing key are errors") {
  InProcess t;
  CHECK(t.Cmd("RENAME nope x") == "-ERR no such key");
  CHECK(t.Cmd("RENAMENX nope x") == "-ERR no such key");
  CHECK(t.Cmd("RENAME nope nope") == "-ERR no such key");
  CHECK(t.Cmd("RENAMENX nope nope") == "-ERR no such key");
  CHECK(t.Cmd("EXISTS x") == ":0");
}

TEST_CASE("RENAME of a key to itself changes nothing") {
  InProcess t;
  t.Cmd("SET a 1 EX 100");
  CHECK(t.Cmd("RENAME a a") == "+OK");
  CHECK(t.Cmd("RENAMENX a a") == ":0");
  CHECK(t.Cmd("GET a") == "1");
  CHECK(t.Cmd("TTL a") == ":100");
}

TEST_CASE("RENAMENX renames only when the destination is missing") {
  InProcess t;
  t.Cmd("MSET a 1 b 2");
  CHECK(t.Cmd("RENAMENX a b") == ":0");
  CHECK(t.Cmd("GET b") == "2");
  CHECK(t.Cmd("RENAMENX a c") == ":1");
  CHECK(t.Cmd("GET c") == "1");
  CHECK(t.Cmd("EXISTS a") == ":0");
}

TEST_CASE("RENAME of an expired key is no such key") {
  InProcess t;
  t.Cmd("SET a v PX 10");
  t.store().AdvanceClockForTesting(20);
  CHECK(t.Cmd("RENAME a b") == "-ERR no such key");
  CHECK(t.Cmd("EXISTS b") == ":0");
}

// ---- COPY, MOVE --------------------------------------------------------------------------

TEST_CASE("COPY within a database copies the value and TTL, and the copy is independent") {
  InProcess t;
  t.Cmd("SET a v EX 100");
  CHECK(t.Cmd("COPY a b") == ":1");
  CHECK(t.Cmd("GET b") == "v");
  CHECK(t.Cmd("TTL b") == ":100");
  CHECK(t.Cmd("GET a") == "v");
  t.Cmd("APPEND b x");
  t.Cmd("SETRANGE a 0 w");
  CHECK(t.Cmd("GET a") == "w");
  CHECK(t.Cmd("GET b") == "vx");
}

TEST_CASE("COPY does not overwrite without REPLACE") {
  InProcess t;
  t.Cmd("MSET a 1 b 2");
  t.Cmd("EXPIRE b 100");
  CHECK(t.Cmd("COPY a b") == ":0");
  CHECK(t.Cmd("GET b") == "2");
  CHECK(t.Cmd("COPY a b replace") == ":1");
  CHECK(t.Cmd("GET b") == "1");
  CHECK(t.Cmd("TTL b") == ":-1");
  CHECK(t.Cmd("COPY a b REPLACE REPLACE") == ":1");
}

TEST_CASE("COPY of a missing source replies 0") {
  InProcess t;
  CHECK(t.Cmd("COPY nope x") == ":0");
  CHECK(t.Cmd("EXISTS x") == ":0");
}

TEST_CASE("COPY to another database") {
  InProcess t;
  t.Cmd("SET a v");
  CHECK(t.Cmd("COPY a a DB 1") == ":1");
  Select(t, 1);
  CHECK(t.Cmd("GET a") == "v");
  CHECK(t.Cmd("SET a other") == "+OK");
  Select(t, 0);
  CHECK(t.Cmd("COPY a a DB 1") == ":0");
  CHECK(t.Cmd("COPY a a DB 1 REPLACE") == ":1");
  CHECK(t.Cmd("COPY a b db 15") == ":1");
  Select(t, 1);
  CHECK(t.Cmd("GET a") == "v");
  Select(t, 15);
  CHECK(t.Cmd("GET b") == "v");
}

TEST_CASE("COPY errors") {
  InProcess t;
  t.Cmd("SET a v");
  CHECK(t.Cmd("COPY a a") == kSame);
  CHECK(t.Cmd("COPY a a DB 0") == kSame);
  CHECK(t.Cmd("COPY a b DB 99") == kDbRange);
  CHECK(t.Cmd("COPY a b DB -1") == kDbRange);
  CHECK(t.Cmd("COPY a b DB abc") == kNotInt);
  CHECK(t.Cmd("COPY a b DB 99999999999") ==
        "-ERR value is out of range, value must between -2147483648 and 2147483647");
  CHECK(t.Cmd("COPY a b DB") == kSyntax);
  CHECK(t.Cmd("COPY a b FOO") == kSyntax);
  CHECK(t.Cmd("EXISTS b") == ":0");
}

TEST_CASE("MOVE moves a key and its TTL to another database") {
  InProcess t;
  t.Cmd("SET a v EX 100");
  CHECK(t.Cmd("MOVE a 1") == ":1");
  CHECK(t.Cmd("EXISTS a") == ":0");
  Select(t, 1);
  CHECK(t.Cmd("GET a") == "v");
  CHECK(t.Cmd("TTL a") == ":100");
}

TEST_CASE("MOVE fails when the destination exists or the source is missing") {
  InProcess t;
  t.Cmd("SET a 1");
  Select(t, 1);
  t.Cmd("SET a 2");
  Select(t, 0);
  CHECK(t.Cmd("MOVE a 1") == ":0");
  CHECK(t.Cmd("GET a") == "1");
  CHECK(t.Cmd("MOVE nope 1") == ":0");
}

TEST_CASE("MOVE errors") {
  InProcess t;
  t.Cmd("SET a 1");
  CHECK(t.Cmd("MOVE a 0") == kSame);
  CHECK(t.Cmd("MOVE a 99") == kDbRange);
  CHECK(t.Cmd("MOVE a -1") == kDbRange);
  CHECK(t.Cmd("MOVE a abc") == kNotInt);
  CHECK(t.Cmd("MOVE a 1.0") == kNotInt);
  CHECK(t.Cmd("MOVE a 99999999999") ==
        "-ERR value is out of range, value must between -2147483648 and 2147483647");
  CHECK(t.Cmd("GET a") == "1");
}

TEST_CASE("databases are isolated from each other") {
  InProcess t;
  t.Cmd("SET a 0");
  Select(t, 15);
  CHECK(t.Cmd("GET a") == "(nil)");
  CHECK(t.Cmd("SET a 15") == "+OK");
  CHECK(t.Cmd("KEYS *") == "[a]");
  Select(t, 0);
  CHECK(t.Cmd("GET a") == "0");
}

// ---- Expiry ------------------------------------------------------------------------------

TEST_CASE("TTL, PTTL, EXPIRETIME and PEXPIRETIME say -1 without a TTL and -2 without a key") {
  InProcess t;
  t.Cmd("SET k v");
  for (const char* cmd : {"TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"}) {
    CAPTURE(cmd);
    CHECK(t.Run({cmd, "k"}) == ":-1");
    CHECK(t.Run({cmd, "nope"}) == ":-2");
  }
}

TEST_CASE("EXPIRE and PEXPIRE set a TTL") {
  InProcess t;
  t.Cmd("SET k v");
  CHECK(t.Cmd("EXPIRE k 100") == ":1");
  CHECK(t.Cmd("TTL k") == ":100");
  CHECK(t.Cmd("PEXPIRE k 50000") == ":1");
  int64_t pttl = Int(t.Cmd("PTTL k"));
  CHECK(pttl > 49000);
  CHECK(pttl <= 50000);
  CHECK(t.Cmd("TTL k") == ":50");
}

TEST_CASE("TTL rounds to the nearest second and never goes below zero") {
  InProcess t;
  t.Cmd("SET k v PX 1700");
  CHECK(t.Cmd("TTL k") == ":2");  // 1.7 s rounds up
  t.store().AdvanceClockForTesting(1300);
  CHECK(t.Cmd("TTL k") == ":0");  // at most 0.4 s left rounds down
  int64_t pttl = Int(t.Cmd("PTTL k"));
  CHECK(pttl <= 400);
  CHECK(pttl >= 0);
}

TEST_CASE("EXPIRE on a missing key replies 0") {
  InProcess t;
  CHECK(t.Cmd("EXPIRE nope 100") == ":0");
  CHECK(t.Cmd("PEXPIREAT nope 4000000000000") == ":0");
  CHECK(t.Cmd("EXISTS nope") == ":0");
}

TEST_CASE("EXPIREAT and PEXPIREAT set an absolute deadline that EXPIRETIME reports") {
  InProcess t;
  t.Cmd("SET k v");
  CHECK(t.Cmd("EXPIREAT k 4000000000") == ":1");
  CHECK(t.Cmd("EXPIRETIME k") == ":4000000000");
  CHECK(t.Cmd("PEXPIRETIME k") == ":4000000000000");
  CHECK(t.Cmd("PEXPIREAT k 4000000000123") == ":1");
  CHECK(t.Cmd("PEXPIRETIME k") == ":4000000000123");
  CHECK(t.Cmd("EXPIRETIME k") == ":4000000000");
  CHECK(t.Cmd("PEXPIREAT k 4000000000500") == ":1");
  CHECK(t.Cmd("EXPIRETIME k") == ":4000000001");  // rounded like TTL
  CHECK(t.Cmd("PEXPIREAT k " + std::string("9223372036854775807")) == ":1");
}

TEST_CASE("a zero, negative or past expiry deletes the key and replies 1") {
  InProcess t;
  for (const char* cmd : {"EXPIRE k 0", "EXPIRE k -1", "PEXPIRE k -100", "EXPIREAT k 1",
                          "PEXPIREAT k 1", "EXPIREAT k -5", "PEXPIRE k 0"}) {
    CAPTURE(cmd);
    t.Cmd("SET k v");
    CHECK(t.Cmd(cmd) == ":1");
    CHECK(t.Cmd("EXISTS k") == ":0");
  }
}

TEST_CASE("EXPIRE NX applies only to a key without a TTL") {
  InProcess t;
  t.Cmd("SET k v");
  CHECK(t.Cmd("EXPIRE k 100 NX") == ":1");
  CHECK(t.Cmd("EXPIRE k 200 nx") == ":0");
  CHECK(t.Cmd("TTL k") == ":100");
}

TEST_CASE("EXPIRE XX applies only to a key with a TTL") {
  InProcess t;
  t.Cmd("SET k v");
  CHECK(t.Cmd("EXPIRE k 100 XX") == ":0");
  CHECK(t.Cmd("TTL k") == ":-1");
  t.Cmd("EXPIRE k 50");
  CHECK(t.Cmd("EXPIRE k 100 XX") == ":1");
  CHECK(t.Cmd("TTL k") == ":100");
}

TEST_CASE("EXPIRE GT never applies to a key without a TTL, which counts as infinite") {
  InProcess t;
  t.Cmd("SET k v");
  CHECK(t.Cmd("EXPIRE k 100 GT") == ":0");
  CHECK(t.Cmd("EXPIRE k -5 GT") == ":0");
  CHECK(t.Cmd("TTL k") == ":-1");
  t.Cmd("EXPIRE k 100");
  CHECK(t.Cmd("EXPIRE k 50 GT") == ":0");
  CHECK(t.Cmd("EXPIRE k 99 GT") == ":0");
  CHECK(t.Cmd("EXPIRE k 200 GT") == ":1");
  CHECK(t.Cmd("TTL k") == ":200");
}

TEST_CASE("EXPIRE LT always applies to a key without a TTL") {
  InProcess t;
  t.Cmd("SET k v");
  CHECK(t.Cmd("EXPIRE k 100 LT") == ":1");
  CHECK(t.Cmd("EXPIRE k 300 LT") == ":0");
  CHECK(t.Cmd("EXPIRE k 50 LT") == ":1");
  CHECK(t.Cmd("TTL k") == ":50");
  CHECK(t.Cmd("EXPIRE k -5 LT") == ":1");
  CHECK(t.Cmd("EXISTS k") == ":0");
}

TEST_CASE("EXPIRE XX and GT combine, as do repeated options") {
  InProcess t;
  t.Cmd("SET k v EX 50");
  CHECK(t.Cmd("EXPIRE k 100 XX GT") == ":1");
  CHECK(t.Cmd("TTL k") == ":100");
  CHECK(t.Cmd("EXPIRE k 10 XX LT LT") == ":1");
  CHECK(t.Cmd("TTL k") == ":10");
}

TEST_CASE("PEXPIRE, EXPIREAT and PEXPIREAT take the same options") {
  InProcess t;
  t.Cmd("SET k v");
  CHECK(t.Cmd("PEXPIRE k 100000 NX") == ":1");
  CHECK(t.Cmd("PEXPIRE k 100000 NX") == ":0");
  CHECK(t.Cmd("EXPIREAT k 4000000000 GT") == ":1");
  CHECK(t.Cmd("PEXPIREAT k 3000000000000 GT") == ":0");
  CHECK(t.Cmd("PEXPIREAT k 3000000000000 LT") == ":1");
  CHECK(t.Cmd("EXPIRETIME k") == ":3000000000");
}

TEST_CASE("incompatible expire options are errors that change nothing") {
  InProcess t;
  t.Cmd("SET k v");
  for (std::string cmd : {"EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"}) {
    CAPTURE(cmd);
    for (std::string opts : {"NX XX", "NX GT", "NX LT", "XX NX", "LT NX"}) {
      CHECK(t.Cmd(cmd + " k 4000000000 " + opts) == kNxAndOthers);
    }
    CHECK(t.Cmd(cmd + " k 4000000000 GT LT") == kGtAndLt);
  }
  CHECK(t.Cmd("TTL k") == ":-1");
}

TEST_CASE("EXPIRE errors: unknown options, non-integers and overflow") {
  InProcess t;
  t.Cmd("SET k v");
  CHECK(t.Cmd("EXPIRE k 100 FOO") == "-ERR Unsupported option FOO");
  CHECK(t.Cmd("EXPIRE k abc FOO") == "-ERR Unsupported option FOO");
  CHECK(t.Cmd("EXPIRE k abc") == kNotInt);
  CHECK(t.Cmd("EXPIRE k 1.5") == kNotInt);
  for (std::string cmd : {"expire", "pexpire", "expireat"}) {
    CHECK(t.Cmd(cmd + " k 9223372036854775807") ==
          "-ERR invalid expire time in '" + cmd + "' command");
  }
  CHECK(t.Cmd("EXPIRE k -9223372036854775807") == "-ERR invalid expire time in 'expire' command");
  CHECK(t.Cmd("EXPIRE nope 9223372036854775807") == "-ERR invalid expire time in 'expire' command");
  CHECK(t.Cmd("TTL k") == ":-1");
}

TEST_CASE("PERSIST removes a TTL and replies whether there was one") {
  InProcess t;
  t.Cmd("SET k v EX 100");
  CHECK(t.Cmd("PERSIST k") == ":1");
  CHECK(t.Cmd("TTL k") == ":-1");
  CHECK(t.Cmd("PERSIST k") == ":0");
  CHECK(t.Cmd("PERSIST nope") == ":0");
}

TEST_CASE("an overwriting SET clears the TTL but APPEND keeps it") {
  InProcess t;
  t.Cmd("SET k v EX 100");
  t.Cmd("APPEND k x");
  CHECK(t.Cmd("TTL k") == ":100");
  t.Cmd("SET k v");
  CHECK(t.Cmd("TTL k") == ":-1");
}

TEST_CASE("an expired key is gone for GET, EXISTS, TTL, KEYS, SCAN and RANDOMKEY") {
  InProcess t;
  t.Cmd("SET gone v PX 50");
  t.Cmd("SET stays v");
  t.store().AdvanceClockForTesting(100);
  CHECK(t.Cmd("KEYS *") == "[stays]");
  CHECK(t.Cmd("SCAN 0 COUNT 1000") == "[0, [stays]]");
  CHECK(t.Cmd("RANDOMKEY") == "stays");
  CHECK(t.Cmd("GET gone") == "(nil)");
  CHECK(t.Cmd("EXISTS gone") == ":0");
  CHECK(t.Cmd("PTTL gone") == ":-2");
  CHECK(t.Cmd("EXPIRE gone 100") == ":0");
}

// ---- KEYS, SCAN, RANDOMKEY ---------------------------------------------------------------

const std::vector<std::string> kNames = {"hello", "hallo",   "hxllo", "hllo",  "heeeello", "h*llo",
                                         "h?llo", "h[a]llo", "hbllo", "hcllo", "hdllo"};

void AddNames(InProcess& t) {
  for (const std::string& name : kNames) t.Run({"SET", name, "1"});
}

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

TEST_CASE("KEYS matches glob patterns") {
  InProcess t;
  AddNames(t);
  CHECK(SortedKeys(t, "*") == Sorted(kNames));
  CHECK(SortedKeys(t, "h?llo") ==
        Sorted({"hello", "hallo", "hxllo", "h*llo", "h?llo", "hbllo", "hcllo", "hdllo"}));
  CHECK(SortedKeys(t, "h*llo") == Sorted(kNames));
  CHECK(SortedKeys(t, "he*") == Sorted({"heeeello", "hello"}));
  CHECK(SortedKeys(t, "h[ae]llo") == Sorted({"hallo", "hello"}));
  CHECK(SortedKeys(t, "h[a-c]llo") == Sorted({"hallo", "hbllo", "hcllo"}));
  CHECK(SortedKeys(t, "h[^e]llo") ==
        Sorted({"hallo", "hxllo", "h*llo", "h?llo", "hbllo", "hcllo", "hdllo"}));
  CHECK(SortedKeys(t, "h\\*llo") == Sorted({"h*llo"}));
  CHECK(SortedKeys(t, "hello") == Sorted({"hello"}));
  CHECK(t.Cmd("KEYS nomatch*") == "[]");
}

TEST_CASE("KEYS is binary safe") {
  InProcess t;
  std::string key("k\0ey", 4);
  t.Run({"SET", key, "v"});
  CHECK(t.Cmd("KEYS k*") == "[" + key + "]");
}

TEST_CASE("SCAN replies with a bulk cursor and the keys") {
  InProcess t;
  AddNames(t);
  std::multiset<std::string> all = ScanAll(t, {"COUNT", "1000"});
  CHECK(all == std::multiset<std::string>(kNames.begin(), kNames.end()));
  CHECK(t.Cmd("SCAN 0 COUNT 1000 MATCH hello") == "[0, [hello]]");
}

TEST_CASE("SCAN with MATCH and COUNT returns only matching keys") {
  InProcess t;
  AddNames(t);
  std::multiset<std::string> seen = ScanAll(t, {"MATCH", "h[a-c]llo", "COUNT", "3"});
  CHECK(seen == std::multiset<std::string>{"hallo", "hbllo", "hcllo"});
  CHECK(ScanAll(t, {"match", "x*", "MATCH", "hello"}) == std::multiset<std::string>{"hello"});
}

TEST_CASE("SCAN TYPE filters by value type, case-insensitively") {
  InProcess t;
  t.Cmd("MSET s1 1 s2 2");
  MakeList(t, "l1");
  CHECK(ScanAll(t, {"TYPE", "string"}) == std::multiset<std::string>{"s1", "s2"});
  CHECK(ScanAll(t, {"TYPE", "LIST"}) == std::multiset<std::string>{"l1"});
  CHECK(ScanAll(t, {"TYPE", "nosuchtype"}).empty());
}

TEST_CASE("SCAN over 1000 keys visits every key with any COUNT") {
  InProcess t;
  std::multiset<std::string> expected;
  for (int i = 0; i < 1000; ++i) {
    std::string key = "key:" + std::to_string(i);
    expected.insert(key);
    t.Run({"SET", key, std::to_string(i)});
  }
  for (std::vector<std::string> options : std::vector<std::vector<std::string>>{
           {}, {"COUNT", "1"}, {"COUNT", "7"}, {"COUNT", "100"}, {"COUNT", "100000"}}) {
    CAPTURE(options.size());
    int calls = 0;
    std::multiset<std::string> seen = ScanAll(t, options, &calls);
    std::set<std::string> unique(seen.begin(), seen.end());
    CHECK(unique.size() == 1000);
    CHECK(std::set<std::string>(expected.begin(), expected.end()) == unique);
    if (options.empty()) CHECK(calls > 1);  // the default COUNT of 10 pages the keyspace
  }
}

TEST_CASE("SCAN keeps its guarantee when keys are added between calls") {
  InProcess t;
  for (int i = 0; i < 200; ++i) t.Run({"SET", "old:" + std::to_string(i), "v"});
  std::set<std::string> seen;
  std::string cursor = "0";
  int added = 0;
  do {
    std::string reply = t.Run({"SCAN", cursor, "COUNT", "5"});
    size_t comma = reply.find(", ");
    cursor = reply.substr(1, comma - 1);
    for (const std::string& key : Items(reply.substr(comma + 2, reply.size() - comma - 3))) {
      if (!key.empty()) seen.insert(key);
    }
    for (int i = 0; i < 20; ++i) t.Run({"SET", "new:" + std::to_string(added++), "v"});
  } while (cursor != "0");
  for (int i = 0; i < 200; ++i) CHECK(seen.count("old:" + std::to_string(i)) == 1);
}

TEST_CASE("SCAN errors") {
  InProcess t;
  CHECK(t.Cmd("SCAN abc") == "-ERR invalid cursor");
  CHECK(t.Cmd("SCAN 18446744073709551616") == "-ERR invalid cursor");
  CHECK(t.Run({"SCAN", " 1"}) == "-ERR invalid cursor");
  CHECK(t.Cmd("SCAN 0 COUNT 0") == kSyntax);
  CHECK(t.Cmd("SCAN 0 COUNT -1") == kSyntax);
  CHECK(t.Cmd("SCAN 0 COUNT abc") == kNotInt);
  CHECK(t.Cmd("SCAN 0 MATCH") == kSyntax);
  CHECK(t.Cmd("SCAN 0 TYPE") == kSyntax);
  CHECK(t.Cmd("SCAN 0 FOO bar") == kSyntax);
  CHECK(t.Cmd("SCAN 0 COUNT 10 MATCH a* TYPE string extra") == kSyntax);
}

TEST_CASE("SCAN accepts the cursors strtoul accepts, like Redis") {
  InProcess t;
  t.Cmd("SET a 1");
  CHECK(t.Cmd("SCAN +0 COUNT 1000") == "[0, [a]]");
  CHECK(t.Cmd("SCAN 18446744073709551615").rfind("[", 0) == 0);
}

TEST_CASE("RANDOMKEY returns an existing key, or nil in an empty database") {
  InProcess t;
  CHECK(t.Cmd("RANDOMKEY") == "(nil)");
  AddNames(t);
  for (int i = 0; i < 20; ++i) {
    std::string key = t.Cmd("RANDOMKEY");
    CHECK(std::find(kNames.begin(), kNames.end(), key) != kNames.end());
  }
}

// ---- OBJECT ------------------------------------------------------------------------------

TEST_CASE("OBJECT ENCODING reports int, embstr or raw for strings") {
  InProcess t;
  t.Cmd("MSET i 123 neg -5 e hello min -9223372036854775808");
  t.Run({"SET", "r", std::string(100, 'x')});
  CHECK(t.Cmd("OBJECT ENCODING i") == "int");
  CHECK(t.Cmd("OBJECT ENCODING neg") == "int");
  CHECK(t.Cmd("OBJECT ENCODING min") == "int");
  CHECK(t.Cmd("OBJECT ENCODING e") == "embstr");
  CHECK(t.Cmd("OBJECT ENCODING r") == "raw");
  CHECK(t.Cmd("object encoding e") == "embstr");
}

TEST_CASE("OBJECT ENCODING switches from embstr to raw past 44 bytes") {
  InProcess t;
  t.Run({"SET", "a", std::string(44, 'x')});
  t.Run({"SET", "b", std::string(45, 'x')});
  CHECK(t.Cmd("OBJECT ENCODING a") == "embstr");
  CHECK(t.Cmd("OBJECT ENCODING b") == "raw");
}

TEST_CASE("OBJECT ENCODING of a non-canonical number is a string encoding") {
  InProcess t;
  for (std::string v : {" 5", "01", "-0", "+1", "12345678901234567890", "1.5"}) {
    CAPTURE(v);
    t.Run({"SET", "k", v});
    CHECK(t.Cmd("OBJECT ENCODING k") == "embstr");
  }
}

TEST_CASE("APPEND and SETRANGE make a value raw, INCR makes it int again") {
  InProcess t;
  t.Cmd("SET e hello");
  t.Cmd("APPEND e x");
  CHECK(t.Cmd("OBJECT ENCODING e") == "raw");
  t.Cmd("SET n 10");
  t.Cmd("APPEND n 5");
  CHECK(t.Cmd("OBJECT ENCODING n") == "raw");
  CHECK(t.Cmd("INCR n") == ":106");
  CHECK(t.Cmd("OBJECT ENCODING n") == "int");
  t.Cmd("SETRANGE z 0 12");
  CHECK(t.Cmd("OBJECT ENCODING z") == "raw");
  t.Cmd("APPEND fresh 12");
  CHECK(t.Cmd("OBJECT ENCODING fresh") == "int");  // APPEND to a missing key is a plain set
  t.Cmd("COPY n n2");
  CHECK(t.Cmd("OBJECT ENCODING n2") == "int");
}

TEST_CASE("OBJECT subcommands of a missing key reply nil") {
  InProcess t;
  for (const char* sub : {"ENCODING", "IDLETIME", "REFCOUNT", "FREQ"}) {
    CAPTURE(sub);
    CHECK(t.Run({"OBJECT", sub, "nope"}) == "(nil)");
  }
}

TEST_CASE("OBJECT FREQ needs an LFU maxmemory policy") {
  InProcess t;
  t.Cmd("SET k v");
  CHECK(t.Cmd("OBJECT FREQ k") ==
        "-ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note "
        "that when switching between policies at runtime LRU and LFU data will take some time to "
        "adjust.");
  cairn::server::Config config;
  config.maxmemory_policy = "allkeys-lfu";
  InProcess lfu(config);
  lfu.Cmd("SET k v");
  CHECK(lfu.Cmd("OBJECT FREQ k") == ":5");  // a new key's counter starts at 5, as in Redis
  CHECK(lfu.Cmd("OBJECT IDLETIME k") ==
        "-ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when "
        "switching between policies at runtime LRU and LFU data will take some time to adjust.");
}

TEST_CASE("OBJECT IDLETIME and REFCOUNT are integers") {
  InProcess t;
  t.Cmd("SET k hello");
  CHECK(Int(t.Cmd("OBJECT IDLETIME k")) >= 0);
  CHECK(t.Cmd("OBJECT REFCOUNT k") == ":1");
}

TEST_CASE("OBJECT REFCOUNT reports Redis's shared integers 0 to 9999") {
  InProcess t;
  t.Cmd("MSET small 123 zero 0 big 12345 neg -1");
  CHECK(t.Cmd("OBJECT REFCOUNT small") == ":2147483647");
  CHECK(t.Cmd("OBJECT REFCOUNT zero") == ":2147483647");
  CHECK(t.Cmd("OBJECT REFCOUNT big") == ":1");
  CHECK(t.Cmd("OBJECT REFCOUNT neg") == ":1");
  cairn::server::Config config;
  config.maxmemory = 1 << 30;
  config.maxmemory_policy = "allkeys-lru";
  InProcess lru(config);
  lru.Cmd("SET small 123");
  CHECK(lru.Cmd("OBJECT REFCOUNT small") == ":1");
}

TEST_CASE("OBJECT follows how Redis built the string: INCRBYFLOAT's text, COPY's duplicate") {
  InProcess t;
  t.Cmd("SET f 1.5");
  CHECK(t.Cmd("INCRBYFLOAT f 0.5") == "2");
  CHECK(t.Cmd("OBJECT ENCODING f") == "embstr");  // text, even though it reads as an integer
  CHECK(t.Cmd("OBJECT REFCOUNT f") == ":1");
  CHECK(t.Cmd("INCR f") == ":3");
  CHECK(t.Cmd("OBJECT ENCODING f") == "int");
  t.Cmd("SET i 5");
  t.Cmd("COPY i j");
  CHECK(t.Cmd("OBJECT ENCODING j") == "int");
  CHECK(t.Cmd("OBJECT REFCOUNT j") == ":1");  // a copy, not the shared 5
  CHECK(t.Cmd("OBJECT REFCOUNT i") == ":2147483647");
  t.Cmd("SET s abc");
  t.Cmd("APPEND s d");
  t.Cmd("COPY s s2");
  CHECK(t.Cmd("OBJECT ENCODING s2") == "raw");
  t.Cmd("SET n 1");
  CHECK(t.Cmd("SETBIT n 7 1") == ":1");  // already set: nothing changes but the encoding
  CHECK(t.Cmd("OBJECT ENCODING n") == "raw");
}

TEST_CASE("OBJECT HELP is an array of status lines") {
  InProcess t;
  std::string help = t.Cmd("OBJECT HELP");
  CHECK(help.rfind("[+OBJECT <subcommand>", 0) == 0);
  CHECK(help.find("+ENCODING <key>") != std::string::npos);
  CHECK(t.Cmd("OBJECT help") == help);
}

TEST_CASE("OBJECT errors") {
  InProcess t;
  t.Cmd("SET k v");
  CHECK(t.Cmd("OBJECT FOO k") == "-ERR unknown subcommand 'FOO'. Try OBJECT HELP.");
  CHECK(t.Cmd("OBJECT") == Arity("object"));
  CHECK(t.Cmd("OBJECT ENCODING") == Arity("object|encoding"));
  CHECK(t.Cmd("OBJECT ENCODING a b") == Arity("object|encoding"));
  CHECK(t.Cmd("OBJECT HELP x") == Arity("object|help"));
}

TEST_CASE("command table records arity, flags and key positions as Redis does") {
  InProcess t;
  const auto& table = t.state().commands;
  const cairn::server::CommandSpec* mset = table.Find("MSET");
  REQUIRE(mset != nullptr);
  CHECK(mset->arity == -3);
  CHECK(mset->first_key == 1);
  CHECK(mset->last_key == -1);
  CHECK(mset->key_step == 2);
  CHECK((mset->flags & cairn::server::kWrite) != 0);
  const cairn::server::CommandSpec* object = table.Find("object");
  REQUIRE(object != nullptr);
  const cairn::server::CommandSpec* encoding =
      cairn::server::CommandTable::FindSub(*object, "ENCODING");
  REQUIRE(encoding != nullptr);
  CHECK(encoding->name == "object|encoding");
  CHECK(encoding->first_key == 2);
  for (const char* name : {"set", "getex", "lcs", "copy", "expire", "scan"}) {
    CAPTURE(name);
    const cairn::server::CommandSpec* spec = table.Find(name);
    REQUIRE(spec != nullptr);
    CHECK(!spec->syntax.empty());
    CHECK(!spec->summary.empty());
  }
}

TEST_CASE("key positions run first_key to last_key by key_step, a negative last from the end") {
  using cairn::server::CommandSpec;
  auto keys = [](const CommandSpec& spec, const std::vector<std::string>& args) {
    std::string out;
    spec.ForEachKey(args, [&](std::string_view key) { out.append(key).append(" "); });
    return out;
  };
  CommandSpec mset{.name = "mset", .arity = -3, .first_key = 1, .last_key = -1, .key_step = 2};
  CHECK(keys(mset, {"mset", "a", "1", "b", "2"}) == "a b ");
  CHECK(keys(mset, {"mset", "a", "1", "b"}) == "a b ");
  CommandSpec blpop{.name = "blpop", .arity = -3, .first_key = 1, .last_key = -2, .key_step = 1};
  CHECK(keys(blpop, {"blpop", "a", "b", "0"}) == "a b ");
  CommandSpec lmove{.name = "lmove", .arity = 5, .first_key = 1, .last_key = 2, .key_step = 1};
  CHECK(keys(lmove, {"lmove", "src"}) == "src ");
  CommandSpec ping{.name = "ping", .arity = -1};
  CHECK(keys(ping, {"ping", "a"}).empty());
}

TEST_CASE("OBJECT IDLETIME counts time since the last access, and TYPE or TTL do not reset it") {
  InProcess t;
  t.Cmd("SET k v");
  t.store().AdvanceClockForTesting(5000);
  CHECK(t.Cmd("TYPE k") == "+string");
  CHECK(t.Cmd("TTL k") == ":-1");
  // The access clock ticks in whole seconds on the real clock, so a slow build
  // (TSan) may cross one tick between two commands: allow one second of slack.
  const int64_t idle = Int(t.Cmd("OBJECT IDLETIME k"));
  CHECK(idle >= 5);
  CHECK(idle <= 6);
  CHECK(t.Cmd("GET k") == "v");
  CHECK(Int(t.Cmd("OBJECT IDLETIME k")) <= 1);
}

TEST_CASE("APPEND grows a value by many small appends") {
  InProcess t;
  for (int i = 0; i < 1000; ++i) t.Cmd("APPEND k ab");
  CHECK(t.Cmd("STRLEN k") == ":2000");
  CHECK(t.Cmd("GETRANGE k 1996 -1") == "abab");
}

TEST_CASE("EXPIRETIME of a deadline near the largest ms rounds without overflowing") {
  InProcess t;
  t.Cmd("SET a 1");
  CHECK(t.Cmd("PEXPIREAT a 9223372036854775807") == ":1");
  CHECK(t.Cmd("EXPIRETIME a") == ":9223372036854776");
  CHECK(t.Cmd("PEXPIRETIME a") == ":9223372036854775807");
}

TEST_CASE("SCAN returns a keyspace of at most COUNT keys in one call with cursor 0") {
  InProcess t;
  for (int i = 0; i < 10; ++i) t.Run({"SET", "k" + std::to_string(i), "v"});
  int calls = 0;
  CHECK(ScanAll(t, {}, &calls).size() == 10);  // the default COUNT is 10
  CHECK(calls == 1);
  CHECK(ScanAll(t, {"COUNT", "5"}, &calls).size() == 10);
  CHECK(calls > 1);
}
