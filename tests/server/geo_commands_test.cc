// tests/server/geo_commands_test.cc — the geo family in-process: GEOADD's scores and options,
// positions and distances as text, RESP3 shapes, searches and their STORE forms inside
// MULTI/EXEC, and a STORE waking a client blocked on its destination. Byte-level comparisons
// with redis-server live in tests/integration/test_geo.py.
#include <doctest/doctest.h>

#include <string>

#include "tests/server/harness.h"

using cairn::test::BlockingClient;
using cairn::test::InProcess;

namespace {

void AddCities(InProcess& t) {
  CHECK(t.Cmd("GEOADD eu 2.3522 48.8566 paris 4.3517 50.8503 brussels -0.1276 51.5072 london "
              "4.9041 52.3676 amsterdam") == ":4");
}

}  // namespace

TEST_CASE("GEOADD stores Redis's geohash scores and takes NX, XX and CH") {
  InProcess t;
  AddCities(t);
  CHECK(t.Cmd("ZSCORE eu paris") == "3663832779122514");
  CHECK(t.Cmd("GEOADD eu NX 0 0 paris 0 0 origin") == ":1");
  CHECK(t.Cmd("ZSCORE eu paris") == "3663832779122514");
  CHECK(t.Cmd("GEOADD eu XX CH 0 0 paris 0 0 nope") == ":1");
  CHECK(t.Cmd("ZSCORE eu paris") == "3377699720527872");
  CHECK(t.Cmd("EXISTS nope") == ":0");
  CHECK(t.Cmd("GEOADD eu 0 86 pole") == "-ERR invalid longitude,latitude pair 0.000000,86.000000");
  CHECK(t.Cmd("GEOADD eu XX NX 0 0 a") == "-ERR syntax error");
  CHECK(t.Cmd("ZCARD eu") == ":5");
}

TEST_CASE("positions, hashes and distances read as Redis prints them") {
  InProcess t;
  AddCities(t);
  CHECK(t.Cmd("GEOPOS eu paris nope") == "[[2.35219806432723999, 48.8565995303492997], (nil)]");
  CHECK(t.Cmd("GEOHASH eu paris") == "[u09tvw0f640]");
  CHECK(t.Cmd("GEODIST eu paris london km") == "343.6268");
  CHECK(t.Cmd("GEODIST eu paris nope") == "(nil)");
  CHECK(t.Cmd("HELLO 3").size() > 0);
  CHECK(t.Cmd("GEOPOS eu brussels") == "[[,4.35169905424118042, ,50.85029966655430655]]");
  CHECK(t.Cmd("GEODIST eu paris london km") == "343.6268");
  CHECK(t.Cmd("GEORADIUS eu 4.3517 50.8503 200 km WITHDIST WITHHASH ASC") ==
        "[[brussels, 0.0001, :3665377323230698], [amsterdam, 173.0219, :3665667335078076]]");
}

TEST_CASE("searches store their results atomically inside MULTI/EXEC") {
  InProcess t;
  AddCities(t);
  CHECK(t.Cmd("MULTI") == "+OK");
  CHECK(t.Cmd("GEORADIUS eu 4.3517 50.8503 300 km STOREDIST d ASC") == "+QUEUED");
  CHECK(t.Cmd("GEOSEARCHSTORE e eu FROMMEMBER london BYBOX 800 200 km") == "+QUEUED");
  CHECK(t.Cmd("EXEC") == "[:3, :3]");
  CHECK(t.Cmd("ZRANGE d 0 -1") == "[brussels, amsterdam, paris]");
  CHECK(t.Cmd("ZRANGE e 0 -1") == "[london, brussels, amsterdam]");
}

TEST_CASE("GEORADIUS STORE serves a client blocked on its destination") {
  InProcess s;
  AddCities(s);
  BlockingClient popper(s, 7);
  CHECK(popper.Cmd("BZPOPMIN d 0") == "<blocked>");
  CHECK(s.Cmd("GEORADIUS eu 4.3517 50.8503 10 km STORE d") == ":1");
  CHECK(popper.Served() == "[d, brussels, 3665377323230698]");
  CHECK(s.Cmd("EXISTS d") == ":0");
}
