"""Geo commands against the real server: the scores GEOADD stores, positions, distances and
geohashes as redis-server 7.0 gives them for the same input (byte for byte in RESP2 and
RESP3), searches by radius and box with their options, the STORE forms, error texts, and
geo sets surviving a crash. Keyspace events are in test_keyspace_events.py.

The expected values were taken from redis-server 7.0.15 (run with CAIRN_SERVER unset).

Run: /usr/bin/python3 -m unittest -v tests/integration/test_geo.py
"""
import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import DurableServer, ServerTestCase, main  # noqa: E402

CITIES = [
    (2.3522, 48.8566, "paris"), (13.4050, 52.5200, "berlin"), (-0.1276, 51.5072, "london"),
    (4.9041, 52.3676, "amsterdam"), (12.4964, 41.9028, "rome"), (-3.7038, 40.4168, "madrid"),
    (16.3738, 48.2082, "vienna"), (4.3517, 50.8503, "brussels"),
]
# ZRANGE eu 0 -1 WITHSCORES after adding CITIES.
CITY_SCORES = [
    ("madrid", 1969393810321282), ("london", 2163557714838307), ("rome", 3480343273968262),
    ("paris", 3663832779122514), ("brussels", 3665377323230698),
    ("amsterdam", 3665667335078076), ("vienna", 3673109837845971),
    ("berlin", 3673983950397063),
]
BRUSSELS = (4.3517, 50.8503)


def flat(points):
    out = []
    for lon, lat, name in points:
        out += [lon, lat, name]
    return out


def decode(value):
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


class GeoTestCase(ServerTestCase):
    client_kwargs = {"decode_responses": True}

    def add_cities(self, key="eu"):
        self.assertEqual(self.r.execute_command("GEOADD", key, *flat(CITIES)), len(CITIES))

    def call(self, *args):
        """The reply to args as plain Python values (strings decoded), without redis-py's
        reply parsing, which expects its own geo helpers' arguments."""
        reply = self.cmd(*[str(a) for a in args])
        self.assertNotEqual(reply.type, "-", "error reply to %r: %r" % (args, reply))
        return decode(reply.to_py())

    def raw_reply(self, *args, protocol=2):
        c = self.raw_conn()
        if protocol == 3:
            c.command("HELLO", "3")
        c.send_command(*[str(a) for a in args])
        return c.read_replies_bytes(1)


class TestGeoAdd(GeoTestCase):
    def test_scores_equal_redis(self):
        self.add_cities()
        got = self.r.zrange("eu", 0, -1, withscores=True)
        self.assertEqual([(m, int(s)) for m, s in got], CITY_SCORES)

    def test_scores_at_the_limits(self):
        self.r.execute_command("GEOADD", "g", 180, 85.05112878, "ne", -180, -85.05112878, "sw",
                               0, 0, "origin")
        self.assertEqual(self.r.zscore("g", "ne"), 13510798882111488)
        self.assertEqual(self.r.zscore("g", "sw"), 0)
        self.assertEqual(self.r.zscore("g", "origin"), 3377699720527872)

    def test_nx_xx_ch(self):
        self.add_cities()
        paris = self.r.zscore("eu", "paris")
        self.assertEqual(self.r.execute_command("GEOADD", "eu", "NX", 0, 0, "paris", 1, 1, "x"), 1)
        self.assertEqual(self.r.zscore("eu", "paris"), paris)
        self.assertEqual(self.r.execute_command("GEOADD", "eu", "XX", 0, 0, "y"), 0)
        self.assertIsNone(self.r.zscore("eu", "y"))
        self.assertEqual(self.r.execute_command("GEOADD", "eu", "XX", "CH", 0, 0, "paris"), 1)
        self.assertEqual(self.r.zscore("eu", "paris"), 3377699720527872)
        self.assertEqual(self.r.execute_command("GEOADD", "eu", "CH", 0, 0, "paris", 2, 2, "z"),
                         1)
        self.assertEqual(self.r.execute_command("GEOADD", "eu", 3, 3, "paris"), 0)

    def test_errors_change_nothing(self):
        self.add_cities()
        self.assertErrorReply(["GEOADD", "eu", "1", "1", "a", "200", "100", "b"],
                              "ERR invalid longitude,latitude pair 200.000000,100.000000")
        self.assertErrorReply(["GEOADD", "eu", "-180.0000001", "0", "c"],
                              "ERR invalid longitude,latitude pair -180.000000,0.000000")
        self.assertErrorReply(["GEOADD", "eu", "0", "85.06", "c"],
                              "ERR invalid longitude,latitude pair 0.000000,85.060000")
        self.assertErrorReply(["GEOADD", "eu", "1", "x", "c"], "ERR value is not a valid float")
        self.assertErrorReply(["GEOADD", "eu", "XX", "NX", "1", "1", "c"], "ERR syntax error")
        self.assertErrorReply(["GEOADD", "eu", "CH", "GT", "1", "1", "c"], "ERR syntax error")
        self.assertErrorReply(["GEOADD", "eu", "1", "1", "c", "2"], "ERR syntax error")
        self.assertErrorReply(["GEOADD", "eu", "XX", "NX", "CH"], "ERR syntax error")
        self.assertErrorReply(["GEOADD", "eu", "1", "1"],
                              "ERR wrong number of arguments for 'geoadd' command")
        self.assertEqual(self.r.zcard("eu"), len(CITIES))
        self.r.set("s", "v")
        self.assertErrorReply(["GEOADD", "s", "1", "1", "a"],
                              "WRONGTYPE Operation against a key holding the wrong kind of value")


class TestGeoReaders(GeoTestCase):
    def setUp(self):
        super().setUp()
        self.add_cities()

    def test_geopos(self):
        self.assertEqual(self.r.geopos("eu", "paris", "nope"),
                         [(2.35219806432723999, 48.8565995303492997), None])
        self.assertEqual(self.raw_reply("GEOPOS", "eu", "paris", "nope"),
                         b"*2\r\n*2\r\n$19\r\n2.35219806432723999\r\n$19\r\n48.8565995303492997\r\n"
                         b"*-1\r\n")
        self.assertEqual(self.raw_reply("GEOPOS", "eu", "paris", "nope", protocol=3),
                         b"*2\r\n*2\r\n,2.35219806432723999\r\n,48.8565995303492997\r\n_\r\n")
        self.assertEqual(self.raw_reply("GEOPOS", "none", "a"), b"*1\r\n*-1\r\n")
        self.assertEqual(self.raw_reply("GEOPOS", "eu"), b"*0\r\n")

    def test_geopos_of_plain_zset_scores(self):
        self.r.zadd("z", {"neg": -5, "huge": 1e30})
        self.assertEqual(self.r.geopos("z", "neg", "huge"),
                         [(180.0, 85.0511287799999991),
                          (-179.99999731779098511, -85.05112751263942528)])

    def test_geohash(self):
        self.r.execute_command("GEOADD", "eu", -5.6, 42.6, "wiki")
        self.assertEqual(self.r.geohash("eu", "paris", "berlin", "wiki", "nope"),
                         ["u09tvw0f640", "u33dc0cppj0", "ezs42e44yx0", None])
        self.assertEqual(self.raw_reply("GEOHASH", "eu", "nope", protocol=3), b"*1\r\n_\r\n")
        self.assertEqual(self.raw_reply("GEOHASH", "none", "a"), b"*1\r\n$-1\r\n")

    def test_geodist_units(self):
        self.assertEqual(self.call("GEODIST", "eu", "paris", "berlin"),
                         "877711.1349")
        self.assertEqual(self.call("GEODIST", "eu", "paris", "berlin", "KM"),
                         "877.7111")
        self.assertEqual(self.call("GEODIST", "eu", "paris", "berlin", "mi"),
                         "545.3858")
        self.assertEqual(self.call("GEODIST", "eu", "paris", "berlin", "ft"),
                         "2879629.7077")
        self.assertEqual(self.call("GEODIST", "eu", "paris", "paris"), "0.0000")
        # A distance is a bulk string in RESP3 too.
        self.assertEqual(self.raw_reply("GEODIST", "eu", "paris", "london", protocol=3),
                         b"$11\r\n343626.8434\r\n")

    def test_geodist_missing_and_errors(self):
        self.assertIsNone(self.call("GEODIST", "eu", "paris", "nope"))
        self.assertIsNone(self.call("GEODIST", "none", "paris", "berlin"))
        self.assertEqual(self.raw_reply("GEODIST", "none", "a", "b", protocol=3), b"_\r\n")
        self.assertErrorReply(["GEODIST", "eu", "paris", "berlin", "yd"],
                              "ERR unsupported unit provided. please use M, KM, FT, MI")
        self.assertErrorReply(["GEODIST", "eu", "paris", "berlin", "km", "x"], "ERR syntax error")
        self.r.set("s", "v")
        self.assertErrorReply(["GEODIST", "s", "a", "b"],
                              "WRONGTYPE Operation against a key holding the wrong kind of value")
        self.assertErrorReply(["GEOPOS", "s", "a"],
                              "WRONGTYPE Operation against a key holding the wrong kind of value")


class TestGeoSearch(GeoTestCase):
    def setUp(self):
        super().setUp()
        self.add_cities()

    def test_radius_with_everything_resp2_and_resp3(self):
        args = ["GEORADIUS", "eu", *BRUSSELS, 200, "km", "WITHDIST", "WITHCOORD", "WITHHASH",
                "ASC"]
        self.assertEqual(self.raw_reply(*args),
                         b"*2\r\n*4\r\n$8\r\nbrussels\r\n$6\r\n0.0001\r\n:3665377323230698\r\n"
                         b"*2\r\n$19\r\n4.35169905424118042\r\n$20\r\n50.85029966655430655\r\n"
                         b"*4\r\n$9\r\namsterdam\r\n$8\r\n173.0219\r\n:3665667335078076\r\n"
                         b"*2\r\n$19\r\n4.90410000085830688\r\n$20\r\n52.36759896086155663\r\n")
        self.assertEqual(self.raw_reply(*args, protocol=3),
                         b"*2\r\n*4\r\n$8\r\nbrussels\r\n$6\r\n0.0001\r\n:3665377323230698\r\n"
                         b"*2\r\n,4.35169905424118042\r\n,50.85029966655430655\r\n"
                         b"*4\r\n$9\r\namsterdam\r\n$8\r\n173.0219\r\n:3665667335078076\r\n"
                         b"*2\r\n,4.90410000085830688\r\n,52.36759896086155663\r\n")

    def test_radius_orders_and_counts(self):
        cmd = self.call
        self.assertEqual(cmd("GEORADIUS", "eu", *BRUSSELS, 400, "km", "WITHDIST", "ASC"),
                         [["brussels", "0.0001"], ["amsterdam", "173.0219"],
                          ["paris", "264.0500"], ["london", "320.7040"]])
        self.assertEqual(cmd("GEORADIUS", "eu", *BRUSSELS, 400, "km", "DESC"),
                         ["london", "paris", "amsterdam", "brussels"])
        # COUNT alone means the nearest; with ANY the first found, in cell order.
        self.assertEqual(cmd("GEORADIUS", "eu", *BRUSSELS, 2000, "km", "COUNT", 3),
                         ["brussels", "amsterdam", "paris"])
        self.assertEqual(cmd("GEORADIUS", "eu", *BRUSSELS, 2000, "km", "COUNT", 3, "ANY"),
                         ["paris", "brussels", "amsterdam"])
        self.assertEqual(cmd("GEORADIUS_RO", "eu", *BRUSSELS, 2000, "km", "COUNT", 2, "DESC"),
                         ["madrid", "rome"])
        self.assertEqual(cmd("GEORADIUS", "eu", 100, 10, 10, "km"), [])
        self.assertEqual(cmd("GEORADIUS", "none", *BRUSSELS, 10, "km"), [])

    def test_by_member(self):
        cmd = self.call
        self.assertEqual(cmd("GEORADIUSBYMEMBER", "eu", "london", 350, "km", "WITHDIST"),
                         [["london", "0.0000"], ["paris", "343.6268"],
                          ["brussels", "320.7040"]])
        self.assertEqual(cmd("GEORADIUSBYMEMBER_RO", "eu", "london", 350, "km"),
                         ["london", "paris", "brussels"])
        # Without the key neither the member nor the radius is looked at.
        self.assertEqual(cmd("GEORADIUSBYMEMBER", "none", "x", "abc", "yd"), [])

    def test_geosearch_box_and_radius(self):
        cmd = self.call
        self.assertEqual(cmd("GEOSEARCH", "eu", "FROMMEMBER", "paris", "BYBOX", 1000, 600, "km",
                             "DESC", "WITHDIST"),
                         [["london", "343.6268"], ["brussels", "264.0499"], ["paris", "0.0000"]])
        self.assertEqual(cmd("GEOSEARCH", "eu", "FROMMEMBER", "paris", "BYRADIUS", 1000, "km",
                             "COUNT", 3, "WITHDIST"),
                         [["paris", "0.0000"], ["brussels", "264.0499"], ["london", "343.6268"]])
        self.assertEqual(cmd("GEOSEARCH", "eu", "FROMLONLAT", *BRUSSELS, "BYBOX", 400, 400,
                             "km", "ASC"),
                         ["brussels", "amsterdam"])

    def test_equal_distances_order_as_in_redis(self):
        # 60 members on three spots: which of the equally distant ones COUNT keeps, and in
        # which order, follows Redis's sorts (stable for all results, a partial quicksort
        # when COUNT cuts).
        spots = [(10.0, 45.0), (10.1, 45.0), (10.2, 45.0)]
        args = []
        for j in range(60):
            lon, lat = spots[(j * 7) % 3]
            args += [lon, lat, "m%02d" % j]
        self.r.execute_command("GEOADD", "k", *args)
        search = ["GEOSEARCH", "k", "FROMLONLAT", 10.0, 45.0, "BYRADIUS", 100, "km"]
        self.assertEqual(self.call(*search, "ASC", "COUNT", 7),
                         ["m57", "m06", "m09", "m12", "m15", "m18", "m21"])
        self.assertEqual(self.call(*search, "DESC", "COUNT", 5),
                         ["m05", "m56", "m53", "m50", "m47"])
        self.assertEqual(self.call(*search, "ASC", "COUNT", 60)[:8],
                         ["m00", "m03", "m06", "m09", "m12", "m15", "m18", "m21"])

    def test_search_wraps_around_the_antimeridian(self):
        self.r.execute_command("GEOADD", "w", 179.5, 36, "east", -179.5, 36, "west")
        cmd = self.call
        self.assertEqual(cmd("GEOSEARCH", "w", "FROMLONLAT", 179, 37, "BYBOX", 400, 400, "km",
                             "ASC"), ["east", "west"])
        self.assertEqual(cmd("GEORADIUS", "w", -179, 37, 300, "km", "ASC"), ["west", "east"])

    def test_errors(self):
        cases = [
            (["GEORADIUS", "eu", 1, 1, "x", "km"], "ERR need numeric radius"),
            (["GEORADIUS", "eu", 1, 1, -1, "km"], "ERR radius cannot be negative"),
            (["GEORADIUS", "eu", 1, 1, 1, "yd"],
             "ERR unsupported unit provided. please use M, KM, FT, MI"),
            (["GEORADIUS", "eu", 181, 1, 1, "km"],
             "ERR invalid longitude,latitude pair 181.000000,1.000000"),
            (["GEORADIUS", "eu", 1, 1, 1, "km", "COUNT"], "ERR syntax error"),
            (["GEORADIUS", "eu", 1, 1, 1, "km", "COUNT", 0], "ERR COUNT must be > 0"),
            (["GEORADIUS", "eu", 1, 1, 1, "km", "COUNT", "x"],
             "ERR value is not an integer or out of range"),
            (["GEORADIUS", "eu", 1, 1, 1, "km", "ANY"],
             "ERR the ANY argument requires COUNT argument"),
            (["GEORADIUS", "eu", 1, 1, 1, "km", "STORE"], "ERR syntax error"),
            (["GEORADIUS", "eu", 1, 1, 1, "km", "STORE", "d", "WITHDIST"],
             "ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and "
             "WITHCOORD options"),
            (["GEORADIUS_RO", "eu", 1, 1, 1, "km", "STORE", "d"], "ERR syntax error"),
            (["GEORADIUSBYMEMBER", "eu", "nope", 1, "km"],
             "ERR could not decode requested zset member"),
            (["GEOSEARCH", "eu", "BYBOX", 1, 1, "km", "ASC"],
             "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for GEOSEARCH"),
            (["geosearch", "eu", "FROMMEMBER", "paris", "ASC", "WITHDIST", "COUNT", 1],
             "ERR exactly one of BYRADIUS and BYBOX can be specified for geosearch"),
            (["GEOSEARCH", "eu", "FROMLONLAT", 1, 1, "FROMMEMBER", "paris", "BYRADIUS", 1, "m"],
             "ERR syntax error"),
            (["GEOSEARCH", "eu", "FROMLONLAT", 1, 1, "BYRADIUS", 1, "m", "BYBOX", 1, 1, "m"],
             "ERR syntax error"),
            (["GEOSEARCH", "eu", "FROMLONLAT", 1, 1, "BYRADIUS", 1, "m", "STOREDIST"],
             "ERR syntax error"),
            (["GEOSEARCH", "eu", "FROMMEMBER", "nope", "BYRADIUS", -1, "m"],
             "ERR could not decode requested zset member"),
            (["GEOSEARCH", "eu", "BYRADIUS", -1, "m", "FROMMEMBER", "nope"],
             "ERR radius cannot be negative"),
            (["GEOSEARCH", "eu", "FROMMEMBER", "paris", "BYBOX", "w", 1, "m"],
             "ERR need numeric width"),
            (["GEOSEARCH", "eu", "FROMMEMBER", "paris", "BYBOX", 1, "h", "m"],
             "ERR need numeric height"),
            (["GEOSEARCH", "eu", "FROMMEMBER", "paris", "BYBOX", 1, -1, "m"],
             "ERR height or width cannot be negative"),
            (["GEOSEARCHSTORE", "d", "eu", "FROMMEMBER", "paris", "BYBOX", 1, 1, "m", "WITHHASH"],
             "ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD "
             "options"),
            (["GEOSEARCHSTORE", "d", "eu", "FROMMEMBER", "paris", "BYBOX", 1, 1, "m", "STORE",
              "x"], "ERR syntax error"),
        ]
        for args, text in cases:
            self.assertErrorReply([str(a) for a in args], text)
        self.assertFalse(self.r.exists("d"))

    def test_wrong_type_comes_before_argument_errors(self):
        self.r.set("s", "v")
        wrongtype = "WRONGTYPE Operation against a key holding the wrong kind of value"
        for args in (["GEORADIUS", "s", 500, 1, -1, "km"],
                     ["GEORADIUSBYMEMBER", "s", "m", 1, "km", "STORE", "d"],
                     ["GEOSEARCH", "s", "BYBOX", 1, 1, "km", "ASC"],
                     ["GEOSEARCHSTORE", "d", "s", "FROMLONLAT", 0, 0, "BYRADIUS", 1, "km"]):
            self.assertErrorReply([str(a) for a in args], wrongtype)


class TestGeoStore(GeoTestCase):
    def setUp(self):
        super().setUp()
        self.add_cities()

    def test_georadius_store_and_storedist(self):
        cmd = self.call
        self.assertEqual(cmd("GEORADIUS", "eu", *BRUSSELS, 2000, "km", "STOREDIST", "d"), 8)
        self.assertEqual(self.r.zrange("d", 0, 3, withscores=True),
                         [("brussels", 7.6067631610877602e-05), ("amsterdam", 173.02187334077925),
                          ("paris", 264.05001594605255), ("london", 320.70402524257764)])
        self.assertEqual(cmd("GEORADIUS", "eu", *BRUSSELS, 2000, "km", "STORE", "d", "COUNT", 2,
                             "DESC"), 2)
        self.assertEqual(self.r.zrange("d", 0, -1, withscores=True),
                         [("madrid", 1969393810321282), ("rome", 3480343273968262)])
        self.assertEqual(cmd("GEORADIUSBYMEMBER", "eu", "paris", 10, "km", "STORE", "d"), 1)
        self.assertEqual(self.r.zrange("d", 0, -1), ["paris"])

    def test_geosearchstore(self):
        cmd = self.call
        self.assertEqual(cmd("GEOSEARCHSTORE", "d", "eu", "FROMMEMBER", "berlin", "BYBOX", 800,
                             800, "mi", "STOREDIST"), 4)
        self.assertEqual(self.r.zrange("d", 0, -1, withscores=True),
                         [("berlin", 0), ("vienna", 325.40826718169683),
                          ("amsterdam", 358.06597348379711), ("brussels", 404.40909480696166)])
        self.assertEqual(cmd("GEOSEARCHSTORE", "d", "eu", "FROMMEMBER", "berlin", "BYRADIUS", 1,
                             "km"), 1)
        self.assertEqual(self.r.zrange("d", 0, -1, withscores=True),
                         [("berlin", 3673983950397063)])
        # The destination may be the source.
        self.assertEqual(cmd("GEOSEARCHSTORE", "eu", "eu", "FROMLONLAT", *BRUSSELS, "BYRADIUS",
                             300, "km"), 3)
        self.assertEqual(self.r.zrange("eu", 0, -1), ["paris", "brussels", "amsterdam"])

    def test_empty_result_or_missing_source_deletes_destination(self):
        cmd = self.call
        self.r.set("d", "a string")
        self.assertEqual(cmd("GEORADIUS", "eu", 100, 10, 1, "km", "STORE", "d"), 0)
        self.assertFalse(self.r.exists("d"))
        self.r.set("d", "a string")
        self.assertEqual(cmd("GEOSEARCHSTORE", "d", "none", "FROMLONLAT", 0, 0, "BYRADIUS", 1,
                             "km"), 0)
        self.assertFalse(self.r.exists("d"))
        self.r.set("d", "a string")
        self.assertEqual(cmd("GEORADIUSBYMEMBER", "none", "x", 1, "km", "STORE", "d"), 0)
        self.assertFalse(self.r.exists("d"))

    def test_store_wakes_a_client_blocked_on_the_destination(self):
        for store in (["GEORADIUS", "eu", *BRUSSELS, 10, "km", "STORE", "d"],
                      ["GEOSEARCHSTORE", "d", "eu", "FROMMEMBER", "paris", "BYRADIUS", 1, "km"]):
            waiter = self.raw_conn()
            waiter.send_command("BZPOPMIN", "d", "10")
            self.wait_blocked(1)
            self.assertEqual(self.call(*store), 1)
            reply = waiter.read_reply(timeout=10).to_py()
            self.assertEqual(reply[0], b"d")
            self.assertIn(reply[1], (b"brussels", b"paris"))
            self.assertFalse(self.r.exists("d"))

    def test_store_replaces_another_type_inside_a_transaction(self):
        self.r.rpush("d", "x")
        self.call("MULTI")
        self.call("GEORADIUS", "eu", *BRUSSELS, 200, "km", "STORE", "d")
        self.call("ZRANGE", "d", 0, -1)
        self.assertEqual(self.call("EXEC"), [2, ["brussels", "amsterdam"]])


class TestGeoRecovery(unittest.TestCase):
    """Geo sets and stored search results come back after kill -9 with the same scores."""

    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="cairn-geo-")
        self.server = DurableServer(self.root)

    def tearDown(self):
        self.server.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def state(self, r):
        return {k: r.zrange(k, 0, -1, withscores=True) for k in sorted(r.keys("*"))}

    def test_geo_sets_survive_a_crash(self):
        self.server.start()
        r = self.server.client(decode_responses=True)
        r.execute_command("GEOADD", "eu", *flat(CITIES))
        r.execute_command("GEOADD", "eu", "XX", "CH", 0, 0, "rome")
        r.execute_command("GEOSEARCHSTORE", "near", "eu", "FROMLONLAT", *BRUSSELS, "BYRADIUS",
                          400, "km", "STOREDIST")
        r.response_callbacks.pop("GEORADIUS", None)  # redis-py's parser refuses STORE
        r.execute_command("GEORADIUS", "eu", *BRUSSELS, 2000, "km", "COUNT", 2, "STORE", "two")
        before = self.state(r)
        r.close()
        self.server.kill9()
        self.server.start()
        r = self.server.client(decode_responses=True)
        self.assertEqual(self.state(r), before)
        self.assertEqual(r.zscore("eu", "rome"), 3377699720527872)
        self.assertEqual(r.geopos("eu", "paris"), [(2.35219806432723999, 48.8565995303492997)])
        r.close()


if __name__ == "__main__":
    main()
