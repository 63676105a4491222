// tests/server/string_commands_test.cc — the string family, in-process.
#include <doctest/doctest.h>

#include <string>
#include <thread>
#include <vector>

#include "src/exec/dispatch.h"
#include "store/types/list/list.h"
#include "tests/server/harness.h"

using cairn::test::InProcess;

namespace {

constexpr const char* kWrongType =
    "-WRONGTYPE Operation against a key holding the wrong kind of value";
constexpr const char* kNotInt = "-ERR value is not an integer or out of range";
constexpr const char* kNotFloat = "-ERR value is not a valid float";
constexpr const char* kOverflow = "-ERR increment or decrement would overflow";
constexpr const char* kSyntax = "-ERR syntax error";
constexpr const char* kTooLong = "-ERR string exceeds maximum allowed size (proto-max-bulk-len)";
const std::string kI64Max = "9223372036854775807";
const std::string kI64Min = "-9223372036854775808";

std::string InvalidExpire(const std::string& command) {
  return "-ERR invalid expire time in '" + command + "' command";
}

// No list commands exist in this family's tests: plant a value of another type directly.
void MakeList(InProcess& t, std::string_view key) {
  using namespace cairn::store;
  t.store().Access(0, key, [](KeyHandle& h) {
    auto* list = new ListObject();
    list->Push(ListSide::kTail, "x");
    h.Put(Value(ObjRef(list)), 0);
  });
}

int64_t Int(const std::string& reply) {
  REQUIRE(reply.size() > 1);
  REQUIRE(reply[0] == ':');
  return std::stoll(reply.substr(1));
}

}  // namespace

// ---- GET / SET ---------------------------------------------------------------------------

TEST_CASE("GET of a missing key replies nil") {
  InProcess t;
  CHECK(t.Cmd("GET nosuch") == "(nil)");
}

TEST_CASE("SET then GET returns the value") {
  InProcess t;
  CHECK(t.Cmd("SET k v") == "+OK");
  CHECK(t.Cmd("GET k") == "v");
  CHECK(t.Run({"SET", "k", ""}) == "+OK");
  CHECK(t.Cmd("GET k") == "");
  CHECK(t.Cmd("EXISTS k") == ":1");
}

TEST_CASE("SET and GET are binary safe for keys and values with NUL, CR and LF bytes") {
  InProcess t;
  std::string key("k\0ey", 4), value("a\0b\r\n$3\r\n\0", 10);
  CHECK(t.Run({"SET", key, value}) == "+OK");
  CHECK(t.Run({"GET", key}) == value);
  CHECK(t.Cmd("GET k") == "(nil)");
  CHECK(t.Run({"STRLEN", key}) == ":10");
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  CHECK(t.Run({"SET", all, all + all}) == "+OK");
  CHECK(t.Run({"GETRANGE", all, "250", "260"}) == (all + all).substr(250, 11));
}

TEST_CASE("a large value round-trips through the zero-copy reply path") {
  InProcess t;
  std::string big(100000, 'x');
  big[5000] = '\0';
  CHECK(t.Run({"SET", "big", big}) == "+OK");
  CHECK(t.Cmd("GET big") == big);
  CHECK(t.Cmd("GETRANGE big 0 -1") == big);
  CHECK(t.Cmd("MGET big") == "[" + big + "]");
}

TEST_CASE("SET overwrites the value and clears the TTL") {
  InProcess t;
  t.Cmd("SET k v1 EX 100");
  CHECK(t.Cmd("SET k v2") == "+OK");
  CHECK(t.Cmd("GET k") == "v2");
  CHECK(t.Cmd("TTL k") == ":-1");
}

TEST_CASE("plain SET replaces a key of another type") {
  InProcess t;
  MakeList(t, "l");
  CHECK(t.Cmd("SET l v") == "+OK");
  CHECK(t.Cmd("TYPE l") == "+string");
  CHECK(t.Cmd("GET l") == "v");
}

TEST_CASE("GET of a key of another type is WRONGTYPE") {
  InProcess t;
  MakeList(t, "l");
  CHECK(t.Cmd("GET l") == kWrongType);
}

TEST_CASE("SET EX and PX set a relative TTL, EXAT and PXAT an absolute deadline") {
  InProcess t;
  CHECK(t.Cmd("SET k v EX 100") == "+OK");
  CHECK(t.Cmd("TTL k") == ":100");
  CHECK(t.Cmd("SET k v PX 100000") == "+OK");
  int64_t pttl = Int(t.Cmd("PTTL k"));
  CHECK(pttl > 99000);
  CHECK(pttl <= 100000);
  CHECK(t.Cmd("SET k v EXAT 4000000000") == "+OK");
  CHECK(t.Cmd("EXPIRETIME k") == ":4000000000");
  CHECK(t.Cmd("SET k v PXAT 4000000000123") == "+OK");
  CHECK(t.Cmd("PEXPIRETIME k") == ":4000000000123");
}

TEST_CASE("SET EXAT or PXAT in the past replies OK and leaves no key") {
  InProcess t;
  t.Cmd("SET k old");
  CHECK(t.Cmd("SET k v EXAT 1") == "+OK");
  CHECK(t.Cmd("EXISTS k") == ":0");
  CHECK(t.Cmd("SET k v PXAT 1") == "+OK");
  CHECK(t.Cmd("EXISTS k") == ":0");
  t.Cmd("SET k old");
  CHECK(t.Cmd("SET k v EXAT 1 GET") == "old");
  CHECK(t.Cmd("GET k") == "(nil)");
}

TEST_CASE("a key set with PX disappears once the clock passes its deadline") {
  InProcess t;
  t.Cmd("SET k v PX 1000");
  CHECK(t.Cmd("GET k") == "v");
  t.store().AdvanceClockForTesting(900);  // leaves 100 ms of slack for a slow (sanitized) run
  CHECK(t.Cmd("EXISTS k") == ":1");
  t.store().AdvanceClockForTesting(100);
  CHECK(t.Cmd("GET k") == "(nil)");
  CHECK(t.Cmd("TTL k") == ":-2");
}

TEST_CASE("SET NX only sets a missing key and XX only an existing one") {
  InProcess t;
  CHECK(t.Cmd("SET k v1 XX") == "(nil)");
  CHECK(t.Cmd("EXISTS k") == ":0");
  CHECK(t.Cmd("SET k v1 NX") == "+OK");
  CHECK(t.Cmd("SET k v2 NX") == "(nil)");
  CHECK(t.Cmd("GET k") == "v1");
  CHECK(t.Cmd("SET k v3 XX") == "+OK");
  CHECK(t.Cmd("GET k") == "v3");
  MakeList(t, "l");
  CHECK(t.Cmd("SET l v NX") == "(nil)");
  CHECK(t.Cmd("TYPE l") == "+list");
}

TEST_CASE("SET KEEPTTL keeps the existing TTL") {
  InProcess t;
  t.Cmd("SET k v EX 100");
  CHECK(t.Cmd("SET k v2 KEEPTTL") == "+OK");
  CHECK(t.Cmd("GET k") == "v2");
  CHECK(t.Cmd("TTL k") == ":100");
  CHECK(t.Cmd("SET fresh v KEEPTTL") == "+OK");
  CHECK(t.Cmd("TTL fresh") == ":-1");
}

TEST_CASE("SET GET returns the old value, alone and with NX or XX") {
  InProcess t;
  CHECK(t.Cmd("SET k v1 GET") == "(nil)");
  CHECK(t.Cmd("SET k v2 GET") == "v1");
  CHECK(t.Cmd("GET k") == "v2");
  CHECK(t.Cmd("SET k v3 NX GET") == "v2");
  CHECK(t.Cmd("GET k") == "v2");
  CHECK(t.Cmd("SET n v NX GET") == "(nil)");
  CHECK(t.Cmd("GET n") == "v");
  CHECK(t.Cmd("SET missing v XX GET") == "(nil)");
  CHECK(t.Cmd("EXISTS missing") == ":0");
  CHECK(t.Cmd("SET k v4 XX GET") == "v2");
  CHECK(t.Cmd("GET k") == "v4");
}

TEST_CASE("SET GET on a key of another type is WRONGTYPE and keeps the key") {
  InProcess t;
  MakeList(t, "l");
  CHECK(t.Cmd("SET l v GET") == kWrongType);
  CHECK(t.Cmd("SET l v NX GET") == kWrongType);
  CHECK(t.Cmd("TYPE l") == "+list");
}

TEST_CASE("SET options are case-insensitive and a repeated option uses its last value") {
  InProcess t;
  CHECK(t.Cmd("set k v ex 100 nx") == "+OK");
  CHECK(t.Cmd("TTL k") == ":100");
  CHECK(t.Cmd("SET k v EX 10 EX 200") == "+OK");
  CHECK(t.Cmd("TTL k") == ":200");
  CHECK(t.Cmd("SET k v NX NX") == "(nil)");
  CHECK(t.Cmd("SET k v GET GET KEEPTTL KEEPTTL") == "v");
}

TEST_CASE("SET with conflicting, incomplete or unknown options is a syntax error") {
  InProcess t;
  for (const char* opts :
       {"NX XX", "XX NX", "EX 10 PX 100", "EX 10 KEEPTTL", "KEEPTTL PX 10", "EXAT 10 PXAT 10",
        "EX 10 EXAT 10", "EX", "PX", "FOO", "EX 10 FOO", "PERSIST", "EX abc FOO"}) {
    CAPTURE(opts);
    CHECK(t.Cmd(std::string("SET k v ") + opts) == kSyntax);
  }
  CHECK(t.Cmd("EXISTS k") == ":0");
}

TEST_CASE("SET with a zero, negative or overflowing expire is an invalid expire time") {
  InProcess t;
  for (const char* opt : {"EX", "PX", "EXAT", "PXAT"}) {
    for (const char* value : {"0", "-1"}) {
      CHECK(t.Cmd(std::string("SET k v ") + opt + " " + value) == InvalidExpire("set"));
    }
  }
  CHECK(t.Cmd("SET k v EX 9999999999999999") == InvalidExpire("set"));
  CHECK(t.Cmd("SET k v PX " + kI64Max) == InvalidExpire("set"));
  CHECK(t.Cmd("SET k v EXAT " + kI64Max) == InvalidExpire("set"));
  CHECK(t.Cmd("SET k v GET EX 0") == InvalidExpire("set"));
  CHECK(t.Cmd("EXISTS k") == ":0");
}

TEST_CASE("SET with a non-integer expire replies not an integer") {
  InProcess t;
  for (const char* value : {"1.5", "abc", "10s", "+1", "9223372036854775808"}) {
    CHECK(t.Cmd(std::string("SET k v EX ") + value) == kNotInt);
  }
  CHECK(t.Run({"SET", "k", "v", "EX", ""}) == kNotInt);
  CHECK(t.Cmd("SET k v EX 10 EX abc") == kNotInt);
  CHECK(t.Cmd("EXISTS k") == ":0");
}

TEST_CASE("SET and GET with the wrong number of arguments") {
  InProcess t;
  CHECK(t.Cmd("SET k") == "-ERR wrong number of arguments for 'set' command");
  CHECK(t.Cmd("GET") == "-ERR wrong number of arguments for 'get' command");
  CHECK(t.Cmd("GET a b") == "-ERR wrong number of arguments for 'get' command");
}

// ---- SETNX, SETEX, PSETEX, GETSET, GETDEL ------------------------------------------------

TEST_CASE("SETNX replies 1 when it sets and 0 when the key exists") {
  InProcess t;
  CHECK(t.Cmd("SETNX k a") == ":1");
  CHECK(t.Cmd("SETNX k b") == ":0");
  CHECK(t.Cmd("GET k") == "a");
  MakeList(t, "l");
  CHECK(t.Cmd("SETNX l b") == ":0");
}

TEST_CASE("SETEX and PSETEX set the value with a TTL") {
  InProcess t;
  CHECK(t.Cmd("SETEX k 100 v") == "+OK");
  CHECK(t.Cmd("GET k") == "v");
  CHECK(t.Cmd("TTL k") == ":100");
  CHECK(t.Cmd("PSETEX k 100000 w") == "+OK");
  CHECK(t.Cmd("GET k") == "w");
  CHECK(Int(t.Cmd("PTTL k")) > 99000);
}

TEST_CASE("SETEX and PSETEX reject a bad expire and leave no key") {
  InProcess t;
  CHECK(t.Cmd("SETEX k 0 v") == InvalidExpire("setex"));
  CHECK(t.Cmd("SETEX k -1 v") == InvalidExpire("setex"));
  CHECK(t.Cmd("PSETEX k 0 v") == InvalidExpire("psetex"));
  CHECK(t.Cmd("SETEX k " + kI64Max + " v") == InvalidExpire("setex"));
  CHECK(t.Cmd("PSETEX k " + kI64Max + " v") == InvalidExpire("psetex"));
  CHECK(t.Cmd("SETEX k abc v") == kNotInt);
  CHECK(t.Cmd("SETEX k 10") == "-ERR wrong number of arguments for 'setex' command");
  CHECK(t.Cmd("EXISTS k") == ":0");
}

TEST_CASE("GETSET returns the old value and clears the TTL") {
  InProcess t;
  CHECK(t.Cmd("GETSET k a") == "(nil)");
  t.Cmd("EXPIRE k 100");
  CHECK(t.Cmd("GETSET k b") == "a");
  CHECK(t.Cmd("GET k") == "b");
  CHECK(t.Cmd("TTL k") == ":-1");
  MakeList(t, "l");
  CHECK(t.Cmd("GETSET l v") == kWrongType);
  CHECK(t.Cmd("TYPE l") == "+list");
}

TEST_CASE("GETDEL returns the value and deletes the key") {
  InProcess t;
  t.Cmd("SET k v");
  CHECK(t.Cmd("GETDEL k") == "v");
  CHECK(t.Cmd("GETDEL k") == "(nil)");
  CHECK(t.Cmd("EXISTS k") == ":0");
  MakeList(t, "l");
  CHECK(t.Cmd("GETDEL l") == kWrongType);
  CHECK(t.Cmd("EXISTS l") == ":1");
}

// ---- GETEX -------------------------------------------------------------------------------

TEST_CASE("GETEX without options is GET and keeps the TTL") {
  InProcess t;
  t.Cmd("SET k v EX 100");
  CHECK(t.Cmd("GETEX k") == "v");
  CHECK(t.Cmd("TTL k") == ":100");
}

TEST_CASE("GETEX EX, PX, EXAT and PXAT set the expiry") {
  InProcess t;
  t.Cmd("SET k v");
  CHECK(t.Cmd("GETEX k EX 100") == "v");
  CHECK(t.Cmd("TTL k") == ":100");
  CHECK(t.Cmd("GETEX k PX 5000") == "v");
  CHECK(Int(t.Cmd("PTTL k")) > 4000);
  CHECK(t.Cmd("GETEX k EXAT 4000000000") == "v");
  CHECK(t.Cmd("EXPIRETIME k") == ":4000000000");
  CHECK(t.Cmd("GETEX k pxat 4000000000001") == "v");
  CHECK(t.Cmd("PEXPIRETIME k") == ":4000000000001");
  CHECK(t.Cmd("GETEX k EX 10 EX 20") == "v");
  CHECK(t.Cmd("TTL k") == ":20");
}

TEST_CASE("GETEX PERSIST removes the TTL") {
  InProcess t;
  t.Cmd("SET k v EX 100");
  CHECK(t.Cmd("GETEX k PERSIST PERSIST") == "v");
  CHECK(t.Cmd("TTL k") == ":-1");
}

TEST_CASE("GETEX with a deadline in the past returns the value and deletes the key") {
  InProcess t;
  t.Cmd("SET k v");
  CHECK(t.Cmd("GETEX k EXAT 1") == "v");
  CHECK(t.Cmd("EXISTS k") == ":0");
  t.Cmd("SET k v");
  CHECK(t.Cmd("GETEX k PXAT 1") == "v");
  CHECK(t.Cmd("EXISTS k") == ":0");
}

TEST_CASE("GETEX of a missing key is nil even when the expiry is bad") {
  InProcess t;
  CHECK(t.Cmd("GETEX nope") == "(nil)");
  CHECK(t.Cmd("GETEX nope EX 10") == "(nil)");
  CHECK(t.Cmd("GETEX nope EX 0") == "(nil)");
  CHECK(t.Cmd("GETEX nope EX abc") == "(nil)");
  CHECK(t.Cmd("GETEX nope FOO") == kSyntax);
  CHECK(t.Cmd("EXISTS nope") == ":0");
}

TEST_CASE("GETEX errors leave the key untouched") {
  InProcess t;
  t.Cmd("SET k v");
  for (const char* opts :
       {"EX 1 PX 1", "PERSIST EX 1", "EX 1 PERSIST", "FOO", "EX", "NX", "KEEPTTL", "GET"}) {
    CAPTURE(opts);
    CHECK(t.Cmd(std::string("GETEX k ") + opts) == kSyntax);
  }
  CHECK(t.Cmd("GETEX k EX abc") == kNotInt);
  CHECK(t.Cmd("GETEX k EX 0") == InvalidExpire("getex"));
  CHECK(t.Cmd("GETEX k PX -5") == InvalidExpire("getex"));
  CHECK(t.Cmd("GETEX k EXAT 0") == InvalidExpire("getex"));
  CHECK(t.Cmd("GETEX k EX " + kI64Max) == InvalidExpire("getex"));
  CHECK(t.Cmd("GET k") == "v");
  CHECK(t.Cmd("TTL k") == ":-1");
}

TEST_CASE("GETEX on a key of another type is WRONGTYPE before the expiry is checked") {
  InProcess t;
  MakeList(t, "l");
  CHECK(t.Cmd("GETEX l") == kWrongType);
  CHECK(t.Cmd("GETEX l EX 10") == kWrongType);
  CHECK(t.Cmd("GETEX l EX abc") == kWrongType);
}

// ---- MGET, MSET, MSETNX ------------------------------------------------------------------

TEST_CASE("MSET sets every pair and MGET returns values with nil for missing keys") {
  InProcess t;
  CHECK(t.Cmd("MSET a 1 b 2") == "+OK");
  CHECK(t.Cmd("MGET a nope b") == "[1, (nil), 2]");
}

TEST_CASE("MGET returns nil for keys of other types") {
  InProcess t;
  t.Cmd("SET s v");
  MakeList(t, "l");
  CHECK(t.Cmd("MGET s l nope") == "[v, (nil), (nil)]");
}

TEST_CASE("MSET with a repeated key keeps the last value and clears TTLs") {
  InProcess t;
  t.Cmd("SET a 1 EX 100");
  CHECK(t.Cmd("MSET a 2 a 3") == "+OK");
  CHECK(t.Cmd("GET a") == "3");
  CHECK(t.Cmd("TTL a") == ":-1");
}

TEST_CASE("MSET and MSETNX with an odd number of arguments are arity errors") {
  InProcess t;
  CHECK(t.Cmd("MSET a 1 b") == "-ERR wrong number of arguments for 'mset' command");
  CHECK(t.Cmd("MSET") == "-ERR wrong number of arguments for 'mset' command");
  CHECK(t.Cmd("MSETNX a") == "-ERR wrong number of arguments for 'msetnx' command");
  CHECK(t.Cmd("MSETNX a 1 b") == "-ERR wrong number of arguments for 'msetnx' command");
  CHECK(t.Cmd("EXISTS a") == ":0");
}

TEST_CASE("MSETNX sets all keys or none") {
  InProcess t;
  CHECK(t.Cmd("MSETNX a 1 b 2") == ":1");
  CHECK(t.Cmd("MSETNX a 3 c 4") == ":0");
  CHECK(t.Cmd("MGET a b c") == "[1, 2, (nil)]");
  MakeList(t, "l");
  CHECK(t.Cmd("MSETNX l 1 d 2") == ":0");
  CHECK(t.Cmd("EXISTS d") == ":0");
}

TEST_CASE("MSET and MGET are binary safe") {
  InProcess t;
  CHECK(t.Run({std::string("MSET"), std::string("\0", 1), "\x01", "\r\n", "\n\r", " ", ""}) ==
        "+OK");
  CHECK(t.Run({"MGET", std::string("\0", 1), "\r\n", " "}) == "[\x01, \n\r, ]");
}

// ---- Counters ----------------------------------------------------------------------------

TEST_CASE("INCR, DECR, INCRBY and DECRBY start a missing key at zero") {
  InProcess t;
  CHECK(t.Cmd("INCR a") == ":1");
  CHECK(t.Cmd("DECR b") == ":-1");
  CHECK(t.Cmd("INCRBY c 10") == ":10");
  CHECK(t.Cmd("DECRBY d 10") == ":-10");
}

TEST_CASE("INCR stores its result as a string") {
  InProcess t;
  t.Cmd("SET a 41");
  CHECK(t.Cmd("INCR a") == ":42");
  CHECK(t.Cmd("GET a") == "42");
  CHECK(t.Cmd("INCRBY a -50") == ":-8");
  CHECK(t.Cmd("DECRBY a -8") == ":0");
  CHECK(t.Cmd("DECR a") == ":-1");
  CHECK(t.Cmd("GET a") == "-1");
}

TEST_CASE("INCR keeps the TTL") {
  InProcess t;
  t.Cmd("SET a 1 EX 100");
  t.Cmd("INCR a");
  CHECK(t.Cmd("TTL a") == ":100");
}

TEST_CASE("INCR refuses values that are not canonical integers and keeps them") {
  InProcess t;
  for (std::string v : {"1.5", "abc", " 1", "1 ", "01", "+1", "", "0x10", "-0",
                        "12345678901234567890", "9223372036854775808"}) {
    CAPTURE(v);
    t.Run({"SET", "a", v});
    CHECK(t.Cmd("INCR a") == kNotInt);
    CHECK(t.Cmd("GET a") == v);
  }
}

TEST_CASE("INCRBY and DECRBY with a non-integer increment") {
  InProcess t;
  CHECK(t.Cmd("INCRBY a abc") == kNotInt);
  CHECK(t.Cmd("INCRBY a 1.0") == kNotInt);
  CHECK(t.Cmd("DECRBY a 9223372036854775808") == kNotInt);
  CHECK(t.Cmd("EXISTS a") == ":0");
}

TEST_CASE("counters stop at the int64 limits with an overflow error") {
  InProcess t;
  t.Cmd("SET a " + kI64Max);
  CHECK(t.Cmd("INCR a") == kOverflow);
  CHECK(t.Cmd("INCRBY a 1") == kOverflow);
  CHECK(t.Cmd("DECRBY a -1") == kOverflow);
  CHECK(t.Cmd("GET a") == kI64Max);
  t.Cmd("SET b " + kI64Min);
  CHECK(t.Cmd("DECR b") == kOverflow);
  CHECK(t.Cmd("INCRBY b -1") == kOverflow);
  CHECK(t.Cmd("INCR b") == ":-9223372036854775807");
  t.Cmd("SET c 1");
  CHECK(t.Cmd("INCRBY c " + kI64Max) == kOverflow);
  t.Cmd("SET d 0");
  CHECK(t.Cmd("INCRBY d " + kI64Min) == ":" + kI64Min);
  CHECK(t.Cmd("DECRBY d -1") == ":-9223372036854775807");
}

TEST_CASE("DECRBY of int64 min is its own error") {
  InProcess t;
  t.Cmd("SET a 0");
  CHECK(t.Cmd("DECRBY a " + kI64Min) == "-ERR decrement would overflow");
  CHECK(t.Cmd("GET a") == "0");
}

TEST_CASE("INCRBYFLOAT formats results without exponent or trailing zeros") {
  InProcess t;
  CHECK(t.Cmd("INCRBYFLOAT f 10.5") == "10.5");
  CHECK(t.Cmd("INCRBYFLOAT f 0.1") == "10.6");
  CHECK(t.Cmd("INCRBYFLOAT f -5") == "5.6");
  CHECK(t.Cmd("INCRBYFLOAT f -5.6") == "0");
  CHECK(t.Cmd("GET f") == "0");
  CHECK(t.Cmd("INCRBYFLOAT g 3.0e3") == "3000");
  CHECK(t.Cmd("INCRBYFLOAT g 1.5e0") == "3001.5");
  CHECK(t.Cmd("GET g") == "3001.5");
  CHECK(t.Cmd("INCRBYFLOAT h 1e18") == "1000000000000000000");
  CHECK(t.Cmd("INCRBYFLOAT i -0") == "0");
}

TEST_CASE("INCRBYFLOAT prints large results in full, without an exponent") {
  InProcess t;
  CHECK(t.Cmd("INCRBYFLOAT big 1e45") == "1000000000000000000010386253980881820456058880");
  CHECK(t.Cmd("GET big") == "1000000000000000000010386253980881820456058880");
  std::string huge = t.Cmd("INCRBYFLOAT huge 1e300");
  CHECK(huge.size() == 301);
  CHECK(huge.find_first_not_of("0123456789") == std::string::npos);
}

TEST_CASE("INCRBYFLOAT computes in long double so 0.1 + 0.2 is 0.3") {
  InProcess t;
  CHECK(t.Cmd("INCRBYFLOAT f 0.1") == "0.1");
  CHECK(t.Cmd("INCRBYFLOAT f 0.2") == "0.3");
}

TEST_CASE("INCRBYFLOAT accepts integer and exponent values and its result refuses INCR") {
  InProcess t;
  t.Cmd("SET a 5.0e3");
  CHECK(t.Cmd("INCRBYFLOAT a 1") == "5001");
  t.Cmd("SET b +1");
  CHECK(t.Cmd("INCRBYFLOAT b 1") == "2");
  t.Cmd("SET c 10");
  CHECK(t.Cmd("INCRBYFLOAT c 1.5") == "11.5");
  CHECK(t.Cmd("INCR c") == kNotInt);
}

TEST_CASE("INCRBYFLOAT keeps the TTL") {
  InProcess t;
  t.Cmd("SET a 1 EX 100");
  CHECK(t.Cmd("INCRBYFLOAT a 1.5") == "2.5");
  CHECK(t.Cmd("TTL a") == ":100");
}

TEST_CASE("INCRBYFLOAT errors change nothing") {
  InProcess t;
  CHECK(t.Cmd("INCRBYFLOAT f inf") == "-ERR increment would produce NaN or Infinity");
  CHECK(t.Cmd("INCRBYFLOAT f -inf") == "-ERR increment would produce NaN or Infinity");
  CHECK(t.Cmd("INCRBYFLOAT f nan") == kNotFloat);
  CHECK(t.Cmd("INCRBYFLOAT f abc") == kNotFloat);
  CHECK(t.Cmd("INCRBYFLOAT f 1e5000") == kNotFloat);
  CHECK(t.Run({"INCRBYFLOAT", "f", ""}) == kNotFloat);
  CHECK(t.Cmd("EXISTS f") == ":0");
  t.Cmd("SET s abc");
  CHECK(t.Cmd("INCRBYFLOAT s 1") == kNotFloat);
  CHECK(t.Cmd("GET s") == "abc");
  t.Cmd("SET big 1e308");
  CHECK(t.Cmd("INCRBYFLOAT big 1e308") != "-ERR increment would produce NaN or Infinity");
}

TEST_CASE("counters on a key of another type are WRONGTYPE") {
  InProcess t;
  MakeList(t, "l");
  for (const char* cmd :
       {"INCR l", "DECR l", "INCRBY l 1", "DECRBY l 1", "INCRBYFLOAT l 1", "INCRBYFLOAT l abc"}) {
    CAPTURE(cmd);
    CHECK(t.Cmd(cmd) == kWrongType);
  }
  CHECK(t.Cmd("INCRBY l abc") == kNotInt);  // the argument is checked first
}

// Runs `count` copies of args on `threads` threads, each thread with its own client.
void RunConcurrently(InProcess& t, int threads, int count, std::vector<std::string> args) {
  std::vector<std::thread> workers;
  for (int i = 0; i < threads; ++i) {
    workers.emplace_back([&] {
      cairn::server::ClientState client;
      cairn::server::ThreadStats* stats = t.state().stats.Create();
      std::vector<std::string_view> views(args.begin(), args.end());
      for (int n = 0; n < count; ++n) {
        cairn::resp::OutputBuffer out;
        cairn::resp::Writer writer(&out, 2);
        cairn::server::Execute(t.state(), client, *stats, writer, views);
      }
    });
  }
  for (std::thread& w : workers) w.join();
}

TEST_CASE("INCR and APPEND from several threads lose no update") {
  InProcess t;
  RunConcurrently(t, 4, 500, {"INCR", "counter"});
  CHECK(t.Cmd("GET counter") == "2000");
  RunConcurrently(t, 4, 200, {"APPEND", "log", "ab"});
  CHECK(t.Cmd("STRLEN log") == ":1600");
  RunConcurrently(t, 4, 200, {"INCRBYFLOAT", "f", "0.5"});
  CHECK(t.Cmd("GET f") == "400");
}

// ---- APPEND, STRLEN, GETRANGE, SETRANGE --------------------------------------------------

TEST_CASE("APPEND creates or extends the value and STRLEN counts bytes") {
  InProcess t;
  CHECK(t.Cmd("APPEND k Hello") == ":5");
  CHECK(t.Run({"APPEND", "k", " World"}) == ":11");
  CHECK(t.Cmd("STRLEN k") == ":11");
  CHECK(t.Cmd("GET k") == "Hello World");
  CHECK(t.Cmd("STRLEN nope") == ":0");
  CHECK(t.Run({"APPEND", "k", ""}) == ":11");
  t.Run({"SET", "u", "h\xc3\xa9llo \xe2\x98\x83"});
  CHECK(t.Cmd("STRLEN u") == ":10");
}

TEST_CASE("APPEND to an integer value gives a string INCR still reads") {
  InProcess t;
  t.Cmd("SET n 10");
  CHECK(t.Cmd("APPEND n 5") == ":3");
  CHECK(t.Cmd("INCR n") == ":106");
  CHECK(t.Cmd("STRLEN n") == ":3");
}

TEST_CASE("APPEND keeps the TTL") {
  InProcess t;
  t.Cmd("SET k v EX 100");
  t.Cmd("APPEND k x");
  CHECK(t.Cmd("TTL k") == ":100");
  CHECK(t.Cmd("GET k") == "vx");
}

TEST_CASE("APPEND and SETRANGE refuse to grow a string past proto-max-bulk-len") {
  cairn::server::Config config;
  config.proto_max_bulk_len = 10;
  InProcess t(config);
  t.Cmd("SET k 12345");
  CHECK(t.Cmd("APPEND k 67890") == ":10");
  CHECK(t.Cmd("APPEND k x") == kTooLong);
  CHECK(t.Cmd("SETRANGE k 10 x") == kTooLong);
  CHECK(t.Cmd("SETRANGE new 10 x") == kTooLong);
  CHECK(t.Cmd("SETRANGE k 9 x") == ":10");
  CHECK(t.Cmd("GET k") == "123456789x");
  CHECK(t.Cmd("EXISTS new") == ":0");
}

TEST_CASE("GETRANGE with positive, negative and out-of-range indexes") {
  InProcess t;
  t.Run({"SET", "k", "Hello World"});
  struct Case {
    const char* start;
    const char* end;
    const char* expected;
  };
  for (const Case& c :
       {Case{"0", "4", "Hello"}, Case{"-5", "-1", "World"}, Case{"0", "-1", "Hello World"},
        Case{"-100", "100", "Hello World"}, Case{"5", "3", ""}, Case{"-1", "-5", ""},
        Case{"100", "200", ""}, Case{"6", "6", "W"}, Case{"-1", "-1", "d"},
        Case{"3", "-3", "lo Wor"}, Case{"0", "-100", "H"}, Case{"-100", "-200", ""},
        Case{"9223372036854775807", "-9223372036854775808", ""}}) {
    CAPTURE(c.start);
    CAPTURE(c.end);
    CHECK(t.Run({"GETRANGE", "k", c.start, c.end}) == c.expected);
  }
}

TEST_CASE("GETRANGE of a missing key or an empty value is an empty string") {
  InProcess t;
  CHECK(t.Cmd("GETRANGE nope 0 -1") == "");
  t.Run({"SET", "e", ""});
  CHECK(t.Cmd("GETRANGE e 0 -1") == "");
  t.Cmd("SET i 12345");
  CHECK(t.Cmd("GETRANGE i 1 2") == "23");
}

TEST_CASE("GETRANGE checks its indexes before the key") {
  InProcess t;
  MakeList(t, "l");
  CHECK(t.Cmd("GETRANGE l a 0") == kNotInt);
  CHECK(t.Cmd("GETRANGE nope 0 b") == kNotInt);
  CHECK(t.Cmd("GETRANGE l 0 1") == kWrongType);
  CHECK(t.Cmd("GETRANGE k 0") == "-ERR wrong number of arguments for 'getrange' command");
}

TEST_CASE("SUBSTR is GETRANGE under its old name") {
  InProcess t;
  t.Run({"SET", "k", "Hello World"});
  CHECK(t.Cmd("SUBSTR k 0 4") == "Hello");
  CHECK(t.Cmd("SUBSTR k -5 -1") == "World");
}

TEST_CASE("SETRANGE overwrites bytes and extends the string") {
  InProcess t;
  t.Run({"SET", "k", "Hello World"});
  CHECK(t.Cmd("SETRANGE k 6 Redis") == ":11");
  CHECK(t.Cmd("GET k") == "Hello Redis");
  CHECK(t.Cmd("SETRANGE k 9 xxxx") == ":13");
  CHECK(t.Cmd("GET k") == "Hello Redxxxx");
}

TEST_CASE("SETRANGE pads with zero bytes") {
  InProcess t;
  CHECK(t.Cmd("SETRANGE pad 5 x") == ":6");
  CHECK(t.Cmd("GET pad") == std::string("\0\0\0\0\0x", 6));
  t.Cmd("SET k ab");
  CHECK(t.Cmd("SETRANGE k 4 c") == ":5");
  CHECK(t.Cmd("GET k") == std::string("ab\0\0c", 5));
  CHECK(t.Run({"SETRANGE", "k", "1", std::string("\0", 1)}) == ":5");
  CHECK(t.Cmd("GET k") == std::string("a\0\0\0c", 5));
}

TEST_CASE("SETRANGE with an empty value creates nothing and reports the length") {
  InProcess t;
  CHECK(t.Run({"SETRANGE", "newk", "0", ""}) == ":0");
  CHECK(t.Run({"SETRANGE", "newk", "10", ""}) == ":0");
  CHECK(t.Cmd("EXISTS newk") == ":0");
  t.Cmd("SET k abc");
  CHECK(t.Run({"SETRANGE", "k", "10", ""}) == ":3");
  CHECK(t.Cmd("GET k") == "abc");
}

TEST_CASE("SETRANGE keeps the TTL and INCR still reads a patched integer") {
  InProcess t;
  t.Cmd("SET i 1234 EX 100");
  CHECK(t.Cmd("SETRANGE i 1 9") == ":4");
  CHECK(t.Cmd("TTL i") == ":100");
  CHECK(t.Cmd("INCR i") == ":1935");
}

TEST_CASE("SETRANGE offset errors") {
  InProcess t;
  t.Cmd("SET k v");
  CHECK(t.Cmd("SETRANGE k -1 x") == "-ERR offset is out of range");
  CHECK(t.Cmd("SETRANGE k 536870912 x") == kTooLong);
  CHECK(t.Cmd("SETRANGE k " + kI64Max + " x") == kTooLong);
  CHECK(t.Cmd("SETRANGE k abc x") == kNotInt);
  CHECK(t.Cmd("GET k") == "v");
  MakeList(t, "l");
  CHECK(t.Cmd("SETRANGE l -1 x") == "-ERR offset is out of range");
}

TEST_CASE("range commands on a key of another type are WRONGTYPE") {
  InProcess t;
  MakeList(t, "l");
  for (const char* cmd : {"APPEND l x", "STRLEN l", "GETRANGE l 0 1", "SETRANGE l 0 a"}) {
    CAPTURE(cmd);
    CHECK(t.Cmd(cmd) == kWrongType);
  }
}

// ---- LCS ---------------------------------------------------------------------------------

TEST_CASE("LCS returns the longest common subsequence") {
  InProcess t;
  t.Cmd("MSET key1 ohmytext key2 mynewtext");
  CHECK(t.Cmd("LCS key1 key2") == "mytext");
  CHECK(t.Cmd("LCS key1 key2 LEN") == ":6");
  t.Cmd("MSET a ABCBDAB b BDCABA");
  CHECK(t.Cmd("LCS a b") == "BDAB");  // the same choice among equal-length answers as Redis
  CHECK(t.Cmd("LCS b a") == "BCBA");
  CHECK(t.Cmd("LCS a b LEN") == ":4");
}

TEST_CASE("LCS IDX lists matches from the end, with MINMATCHLEN and WITHMATCHLEN") {
  InProcess t;
  t.Cmd("MSET key1 ohmytext key2 mynewtext");
  CHECK(t.Cmd("LCS key1 key2 IDX") ==
        "[matches, [[[:4, :7], [:5, :8]], [[:2, :3], [:0, :1]]], len, :6]");
  CHECK(t.Cmd("LCS key1 key2 IDX MINMATCHLEN 4 WITHMATCHLEN") ==
        "[matches, [[[:4, :7], [:5, :8], :4]], len, :6]");
  CHECK(t.Cmd("LCS key1 key2 IDX WITHMATCHLEN") ==
        "[matches, [[[:4, :7], [:5, :8], :4], [[:2, :3], [:0, :1], :2]], len, :6]");
  CHECK(t.Cmd("LCS key1 key2 MINMATCHLEN -1 IDX") ==
        "[matches, [[[:4, :7], [:5, :8]], [[:2, :3], [:0, :1]]], len, :6]");
  t.Cmd("MSET a ABCBDAB b BDCABA");
  CHECK(t.Cmd("LCS a b IDX WITHMATCHLEN") ==
        "[matches, [[[:5, :6], [:3, :4], :2], [[:3, :4], [:0, :1], :2]], len, :4]");
}

TEST_CASE("LCS IDX is a map in RESP3") {
  InProcess t;
  t.client().protocol = 3;
  t.Cmd("MSET key1 ohmytext key2 mynewtext");
  CHECK(t.Cmd("LCS key1 key2 IDX MINMATCHLEN 4") == "{matches: [[[:4, :7], [:5, :8]]], len: :6}");
}

TEST_CASE("LCS WITHMATCHLEN without IDX is ignored") {
  InProcess t;
  t.Cmd("MSET key1 ohmytext key2 mynewtext");
  CHECK(t.Cmd("LCS key1 key2 WITHMATCHLEN") == "mytext");
}

TEST_CASE("LCS treats missing keys as empty strings") {
  InProcess t;
  t.Cmd("SET key1 ohmytext");
  CHECK(t.Cmd("LCS key1 nope") == "");
  CHECK(t.Cmd("LCS nope nope2 LEN") == ":0");
  CHECK(t.Cmd("LCS nope nope2 IDX") == "[matches, [], len, :0]");
}

TEST_CASE("LCS errors") {
  InProcess t;
  t.Cmd("MSET key1 ohmytext key2 mynewtext");
  CHECK(t.Cmd("LCS key1 key2 LEN IDX") ==
        "-ERR If you want both the length and indexes, please just use IDX.");
  CHECK(t.Cmd("LCS key1 key2 FOO") == kSyntax);
  CHECK(t.Cmd("LCS key1 key2 MINMATCHLEN") == kSyntax);
  CHECK(t.Cmd("LCS key1 key2 MINMATCHLEN abc") == kNotInt);
  CHECK(t.Cmd("LCS key1") == "-ERR wrong number of arguments for 'lcs' command");
  MakeList(t, "l");
  CHECK(t.Cmd("LCS key1 l") == "-ERR The specified keys must contain string values");
  CHECK(t.Cmd("LCS l nope MINMATCHLEN abc") ==
        "-ERR The specified keys must contain string values");
}

TEST_CASE("LCS refuses a table larger than proto-max-bulk-len") {
  cairn::server::Config config;
  config.proto_max_bulk_len = 900;
  InProcess t(config);
  t.Run({"SET", "a", std::string(14, 'a')});
  t.Run({"SET", "b", std::string(14, 'a')});
  CHECK(t.Cmd("LCS a b LEN") == ":14");  // 15 * 15 * 4 = 900 bytes: just fits
  t.Run({"SET", "b", std::string(15, 'a')});
  CHECK(t.Cmd("LCS a b LEN") ==  // 15 * 16 * 4 = 960 bytes
        "-ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
}

TEST_CASE("INCRBYFLOAT reads stored numbers of up to 5 KB of digits, as Redis does") {
  InProcess t;
  t.Run({"SET", "a", "0." + std::string(600, '1')});
  CHECK(t.Cmd("INCRBYFLOAT a 1.5") == "1.61111111111111111");
  t.Run({"SET", "b", std::string(600, '1')});
  std::string sum = t.Cmd("INCRBYFLOAT b 1.5");
  CHECK(sum.size() == 600);
  CHECK(sum.starts_with("1111111111111111111"));
  t.Run({"SET", "c", std::string(5121, '1')});
  CHECK(t.Cmd("INCRBYFLOAT c 1") == kNotFloat);
}
