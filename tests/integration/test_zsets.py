"""Sorted sets through redis-py against the real server: a leaderboard fed from several
connections, rank and range queries, BZPOPMIN served by a ZADD from another connection,
RESP3 reply shapes, and sorted sets surviving a restart (snapshot and WAL replay).

Run: /usr/bin/python3 -m unittest -v tests/integration/test_zsets.py
"""

import os
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ServerTestCase, is_reference_redis, main  # noqa: E402
from test_durability import DurabilityTestCase  # noqa: E402


class TestLeaderboard(ServerTestCase):
    def test_scores_from_several_connections_add_up(self):
        players = ["p%d" % i for i in range(20)]
        self.r.zadd("board", {p: 0 for p in players})

        def worker(n):
            c = self.server.client()
            for i in range(50):
                c.zincrby("board", 1 + (n % 3), players[(n + i) % len(players)])
            c.close()

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        total = sum(score for _, score in self.r.zrange("board", 0, -1, withscores=True))
        self.assertEqual(total, 50 * sum(1 + (n % 3) for n in range(6)))
        self.assertEqual(self.r.zcard("board"), 20)

    def test_top_players_ranks_and_score_windows(self):
        scores = {"alice": 310, "bob": 120, "carol": 450, "dave": 120, "erin": 90}
        self.assertEqual(self.r.zadd("board", scores), 5)
        top = self.r.zrevrange("board", 0, 2, withscores=True)
        self.assertEqual(top, [(b"carol", 450.0), (b"alice", 310.0), (b"dave", 120.0)])
        self.assertEqual(self.r.zrank("board", "erin"), 0)
        self.assertEqual(self.r.zrevrank("board", "carol"), 0)
        self.assertIsNone(self.r.zrank("board", "nobody"))
        self.assertEqual(self.r.zrangebyscore("board", 100, 400), [b"bob", b"dave", b"alice"])
        self.assertEqual(self.r.zrangebyscore("board", "(100", "+inf", start=1, num=2),
                         [b"dave", b"alice"])
        self.assertEqual(self.r.zrevrangebyscore("board", "+inf", 100, start=0, num=2,
                                                 withscores=True),
                         [(b"carol", 450.0), (b"alice", 310.0)])
        self.assertEqual(self.r.zincrby("board", 200, "erin"), 290.0)
        self.assertEqual(self.r.zrevrank("board", "erin"), 2)
        self.assertEqual(self.r.zscore("board", "erin"), 290.0)
        self.assertEqual(self.r.zcount("board", "-inf", "(290"), 2)

    def test_large_leaderboard_uses_the_skiplist(self):
        self.r.zadd("big", {"m%05d" % i: i for i in range(5000)})
        self.assertEqual(self.r.object("encoding", "big"), b"skiplist")
        self.assertEqual(self.r.zrank("big", "m04321"), 4321)
        self.assertEqual(self.r.zrevrange("big", 0, 1), [b"m04999", b"m04998"])
        self.assertEqual(self.r.zremrangebyscore("big", 0, 999), 1000)
        self.assertEqual(self.r.zrange("big", 0, 0, withscores=True), [(b"m01000", 1000.0)])


class TestNegativeZero(ServerTestCase):
    """A -0 score, as Redis keeps it: its skiplist form keeps the sign, its listpack form
    stores 0, and a set that is built or loaded whole (…STORE, RESTORE) is a skiplist until
    it is complete."""

    def setUp(self):
        super().setUp()
        self.conn = self.server.raw_connection()

    def command(self, *args):
        return self.conn.command(*args).to_py()

    def score(self, key, member):
        return self.command("ZSCORE", key, member)

    def scores(self, key):
        return self.command("ZRANGE", key, 0, -1, "WITHSCORES")

    def set_listpack_entries(self, n):
        self.r.config_set("zset-max-listpack-entries", n)

    def tearDown(self):
        self.conn.close()
        self.set_listpack_entries(128)
        super().tearDown()

    def test_a_skiplist_keeps_minus_zero_and_a_listpack_stores_zero(self):
        self.r.zadd("small", {"m": "-0"})
        self.assertEqual(self.score("small", "m"), b"0")
        self.set_listpack_entries(1)
        self.r.zadd("big", {"a": 1, "b": 2})
        self.assertEqual(self.r.object("encoding", "big"), b"skiplist")
        self.r.zadd("big", {"m": "-0"})
        self.assertEqual(self.score("big", "m"), b"-0")
        self.assertEqual(self.command("ZINCRBY", "big", "-0", "m"), b"-0")
        # The small set grows into a skiplist: its member was stored as 0 and stays 0.
        self.r.zadd("small", {"n": 1})
        self.assertEqual(self.r.object("encoding", "small"), b"skiplist")
        self.assertEqual(self.score("small", "m"), b"0")

    def test_a_stored_result_keeps_minus_zero_when_it_is_a_skiplist(self):
        self.set_listpack_entries(1)
        self.r.zadd("z", {"a": 1, "b": 2, "m": "-0"})
        self.assertEqual(self.r.zinterstore("d", {"z": "-0"}), 3)
        # a: 1 x -0, b: 2 x -0 and m: -0 x -0; the result is built as a skiplist
        self.assertEqual(self.scores("d"), [b"a", b"-0", b"b", b"-0", b"m", b"0"])
        self.set_listpack_entries(128)
        self.assertEqual(self.r.zinterstore("small", {"z": "-0"}), 3)
        self.assertEqual(self.scores("small"), [b"a", b"0", b"b", b"0", b"m", b"0"])

    def test_zrangestore_starts_a_listpack_unless_a_rank_range_is_longer(self):
        self.set_listpack_entries(2)
        self.r.zadd("z", {"p": 1, "q": 2})
        self.r.zadd("z", {"a": "-0", "b": "-0", "c": "-0"})
        # By score the result starts as a listpack: the -0s it held before it grew are 0.
        self.assertEqual(self.command("ZRANGESTORE", "s", "z", "-1", "1", "BYSCORE"), 4)
        self.assertEqual(self.scores("s"), [b"a", b"0", b"b", b"0", b"c", b"-0", b"p", b"1"])
        # A rank range longer than a listpack starts as a skiplist.
        self.assertEqual(self.command("ZRANGESTORE", "r", "z", "0", "-1"), 5)
        self.assertEqual(self.scores("r"),
                         [b"a", b"-0", b"b", b"-0", b"c", b"-0", b"p", b"1", b"q", b"2"])

    def test_restore_keeps_minus_zero_as_a_skiplist_and_drops_it_as_a_listpack(self):
        self.set_listpack_entries(1)
        self.r.zadd("z", {"p": 1, "q": 2})  # a skiplist from the second member on
        self.r.zadd("z", {"a": "-0", "b": "-0"})
        payload = self.r.dump("z")
        self.r.restore("big", 0, payload)
        self.assertEqual(self.scores("big"), [b"a", b"-0", b"b", b"-0", b"p", b"1", b"q", b"2"])
        self.set_listpack_entries(128)
        self.r.restore("small", 0, payload)
        self.assertEqual(self.r.object("encoding", "small"), b"listpack")
        self.assertEqual(self.scores("small"), [b"a", b"0", b"b", b"0", b"p", b"1", b"q", b"2"])


class TestBlockingPop(ServerTestCase):
    def test_bzpopmin_is_served_by_a_zadd_from_another_connection(self):
        result = {}

        def waiter():
            c = self.server.client()
            result["reply"] = c.bzpopmin(["q1", "q2"], timeout=10)
            c.close()

        t = threading.Thread(target=waiter)
        t.start()
        deadline = time.time() + 5
        while time.time() < deadline:  # wait until the client is blocked
            clients = self.r.client_list()
            if any(c.get("cmd") == "bzpopmin" for c in clients):
                break
            time.sleep(0.02)
        self.r.zadd("q2", {"low": 1, "high": 2})
        t.join(15)
        self.assertFalse(t.is_alive())
        self.assertEqual(result["reply"], (b"q2", b"low", 1.0))
        self.assertEqual(self.r.zrange("q2", 0, -1), [b"high"])

    def test_bzpopmax_times_out_with_nil(self):
        self.assertIsNone(self.r.bzpopmax("empty", timeout=0.1))

    def test_bzmpop_is_served_by_a_zadd(self):
        result = {}

        def waiter():
            c = self.server.client()
            result["reply"] = c.execute_command("BZMPOP", 10, 1, "q", "MAX", "COUNT", 2)
            c.close()

        t = threading.Thread(target=waiter)
        t.start()
        time.sleep(0.3)
        self.r.zadd("q", {"a": 1, "b": 2, "c": 3})
        t.join(15)
        self.assertFalse(t.is_alive())
        self.assertEqual(result["reply"], [b"q", [[b"c", b"3"], [b"b", b"2"]]])


class TestResp3(ServerTestCase):
    def test_scores_are_doubles_and_withscores_pairs(self):
        self.r.zadd("z", {"a": 1.5, "b": 2})
        out = self.raw(b"HELLO 3\r\nZSCORE z a\r\nZRANGE z 0 -1 WITHSCORES\r\n", replies=3)
        self.assertTrue(out.endswith(b",1.5\r\n*2\r\n*2\r\n$1\r\na\r\n,1.5\r\n"
                                     b"*2\r\n$1\r\nb\r\n,2\r\n"), out)


class TestRestart(DurabilityTestCase):
    def test_sorted_sets_survive_a_restart(self):
        if is_reference_redis():
            self.skipTest("restarts a cairn data directory")
        server = self.server().start()
        r = server.client()
        r.zadd("small", {"a": 1, "b": 2, "c": 3})
        r.zincrby("small", 10, "a")
        r.zadd("large", {"m%d" % i: i for i in range(500)})
        r.bgsave()  # the snapshot holds the sets as they are now; the WAL has the rest
        deadline = time.time() + 10
        while r.info("persistence").get("rdb_bgsave_in_progress") and time.time() < deadline:
            time.sleep(0.05)
        r.zremrangebyrank("large", 0, 99)
        r.zpopmax("large", 5)
        r.zunionstore("union", ["small", "large"])
        keys = ("small", "large", "union")
        before = {k: r.zrange(k, 0, -1, withscores=True) for k in keys}
        r.close()
        self.assertEqual(server.terminate(), 0)
        server.start()
        r = server.client()
        after = {k: r.zrange(k, 0, -1, withscores=True) for k in keys}
        r.close()
        self.assertEqual(after, before)
        self.assertEqual(len(after["large"]), 395)

    def test_minus_zero_in_a_skiplist_survives_snapshot_and_log(self):
        if is_reference_redis():
            self.skipTest("restarts a cairn data directory")
        server = self.server("--zset-max-listpack-entries", "1").start()
        r = server.client()
        r.zadd("a", {"z": 1, "zz": 2})                   # skiplists from here on
        r.zadd("b", {"z": 1, "zz": 2})
        r.zadd("a", {"x": "-0", "y": "-0"})              # in the snapshot
        r.save()
        r.zadd("b", {"x": "-0", "y": "-0"})              # in the log
        r.zinterstore("c", {"a": 1})                     # a stored result, in the log
        r.zadd("d", {"big": 3, "bigger": 4})             # a skiplist (2 members > 1)...
        r.zadd("d", {"x": "-0"})
        r.zrem("d", "big", "bigger")                     # ...that shrank to listpack size
        raw = ["ZRANGE", None, 0, -1, "WITHSCORES"]
        want = {k: [b"x", b"-0", b"y", b"-0", b"z", b"1", b"zz", b"2"] for k in "abc"}
        want["d"] = [b"x", b"-0"]
        for key in "abcd":
            self.assertEqual(r.execute_command(*(raw[:1] + [key] + raw[2:]),
                                               NEVER_DECODE=True), want[key])
        r.save()  # all four in a snapshot now, which the restart loads
        r.close()
        server.kill9()
        server.start()
        r = server.client()
        for key in "abcd":
            self.assertEqual(r.execute_command(*(raw[:1] + [key] + raw[2:]),
                                               NEVER_DECODE=True), want[key], key)
        r.close()


if __name__ == "__main__":
    main()
