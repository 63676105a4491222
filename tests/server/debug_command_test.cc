// tests/server/debug_command_test.cc — DEBUG DIGEST and DIGEST-VALUE give redis-server 7.0's
// digits for the same data (the expected values were taken from redis-server 7.0.15), and
// POPULATE and RELOAD change the data as Redis's do; in-process.
#include <doctest/doctest.h>

#include <string>

#include "tests/server/harness.h"

using cairn::test::InProcess;

namespace {

// The data the reference digests were taken from, in database 0 and 2.
void FillReferenceData(InProcess& t) {
  for (const char* line : {"SET a 1", "RPUSH l x y 7", "SADD s m n 5", "ZADD z 1.5 p -2 q",
                           "HSET h f v", "XADD x 5-1 k v", "SET t v EX 100", "SELECT 2",
                           "SET b 2", "SELECT 0"}) {
    CHECK(t.Cmd(line).substr(0, 1) != "-");
  }
}

}  // namespace

TEST_CASE("DEBUG DIGEST of an empty dataset is forty zeros") {
  InProcess t(cairn::test::WithDebug());
  CHECK(t.Cmd("DEBUG DIGEST") == "+" + std::string(40, '0'));
}

TEST_CASE("DEBUG DIGEST and DIGEST-VALUE give redis-server's digits for every type") {
  InProcess t(cairn::test::WithDebug());
  CHECK(t.Cmd("SET a 1") == "+OK");
  CHECK(t.Cmd("DEBUG DIGEST") == "+943d800368fb9c0e951138f1bc0e313ac769d91f");
  CHECK(t.Cmd("DEBUG DIGEST-VALUE a") == "[+b4fc66738120fba0b5aa500ab5c2bf89cea1c5da]");
  FillReferenceData(t);
  CHECK(t.Cmd("DEBUG DIGEST-VALUE l s z h x t") ==
        "[+96c9d4a508a2ddd84316750909ca50ef9c448148, +a405cc41b8e7e1f6d7369e7dc3d9d318ecc4a860, "
        "+48feba38287714ad418f53aec5106b5870955ab1, +90c76e9e9f4c62d642a34fc97c7dad503b51f906, "
        "+7aa4949a01182efc11dfdee1dae4bfee25f648b3, +311b17018163335616e089f6b951c82c477335ac]");
  CHECK(t.Cmd("DEBUG DIGEST") == "+1a55d5c33599904a60f85fd3717acdd156c6de56");
}

TEST_CASE("DEBUG POPULATE makes Redis's keys and values, keeping keys that exist") {
  InProcess t(cairn::test::WithDebug());
  CHECK(t.Cmd("SET key:1 mine") == "+OK");
  CHECK(t.Cmd("DEBUG POPULATE 3") == "+OK");
  CHECK(t.Cmd("MGET key:0 key:1 key:2 key:3") == "[value:0, mine, value:2, (nil)]");
  CHECK(t.Cmd("DEBUG POPULATE 1 p 9") == "+OK");
  CHECK(t.Cmd("STRLEN p:0") == ":9");
  CHECK(t.Cmd("DEBUG POPULATE -1") == "-ERR value is out of range, must be positive");
}

TEST_CASE("DEBUG switches answer OK and PROTOCOL names its types") {
  InProcess t(cairn::test::WithDebug());
  CHECK(t.Cmd("DEBUG SET-ACTIVE-EXPIRE 0") == "+OK");
  CHECK_FALSE(t.state().debug.active_expire.load());
  CHECK(t.Cmd("DEBUG SET-ACTIVE-EXPIRE 1") == "+OK");
  CHECK(t.state().debug.active_expire.load());
  CHECK(t.Cmd("DEBUG PROTOCOL integer") == ":12345");
  CHECK(t.Cmd("DEBUG ERROR oops") == "-oops");
  CHECK(t.Cmd("DEBUG PROTOCOL nope").starts_with("-ERR Wrong protocol type name."));
}
