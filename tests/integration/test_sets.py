"""Set commands through redis-py against the real server: tags and social-graph style use,
the set algebra and its STORE forms, SMOVE, SPOP/SRANDMEMBER properties, the intset ->
hashtable conversion, and SSCAN over a 1000-member set.

Run: /usr/bin/python3 -m unittest -v tests/integration/test_sets.py
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import RawConnection, ServerTestCase, main  # noqa: E402


class TestSocialGraph(ServerTestCase):
    client_kwargs = {"decode_responses": True}

    def setUp(self):
        super().setUp()
        self.r.sadd("follows:ann", "bob", "cat", "dan")
        self.r.sadd("follows:bob", "cat", "dan", "eve")
        self.r.sadd("follows:cat", "ann")

    def test_common_follows_and_suggestions(self):
        self.assertEqual(self.r.sinter("follows:ann", "follows:bob"), {"cat", "dan"})
        self.assertEqual(self.r.sunion("follows:ann", "follows:cat"),
                         {"ann", "bob", "cat", "dan"})
        self.assertEqual(self.r.sdiff("follows:bob", "follows:ann"), {"eve"})
        self.assertEqual(self.r.sintercard(2, ["follows:ann", "follows:bob"]), 2)
        self.assertEqual(self.r.sintercard(2, ["follows:ann", "follows:bob"], limit=1), 1)

    def test_algebra_replies_in_redis_order_where_it_has_one(self):
        # SDIFF walks the set it built: integers that fit an intset come back ascending, even
        # from a set that holds a string. SINTER walks its smallest set: an intset, ascending.
        # (A raw connection: redis-py turns these replies into Python sets.)
        self.r.sadd("mixed", "30", "x", "10", "20")
        self.r.sadd("drop", "x", "5")
        self.r.sadd("ints", "7", "3", "5")
        self.r.sadd("more", "9", "7", "5", "3", "1")
        with RawConnection(self.port) as raw:
            self.assertEqual(raw.command("SDIFF", "mixed", "drop").to_py(), [b"10", b"20", b"30"])
            self.assertEqual(raw.command("SINTER", "mixed", "ints").to_py(), [])
            self.assertEqual(raw.command("SINTER", "more", "ints").to_py(), [b"3", b"5", b"7"])

    def test_store_forms_replace_the_destination(self):
        self.r.set("out", "old string")
        self.assertEqual(self.r.sinterstore("out", ["follows:ann", "follows:bob"]), 2)
        self.assertEqual(self.r.smembers("out"), {"cat", "dan"})
        self.assertEqual(self.r.sunionstore("out", ["follows:ann", "follows:bob"]), 4)
        self.assertEqual(self.r.sdiffstore("out", ["follows:ann", "follows:bob"]), 1)
        self.assertEqual(self.r.smembers("out"), {"bob"})
        self.assertEqual(self.r.sinterstore("out", ["follows:cat", "follows:bob"]), 0)
        self.assertEqual(self.r.exists("out"), 0)

    def test_unfollow_moves_between_sets(self):
        self.assertTrue(self.r.smove("follows:ann", "blocked:ann", "dan"))
        self.assertFalse(self.r.smove("follows:ann", "blocked:ann", "zed"))
        self.assertEqual(self.r.smembers("blocked:ann"), {"dan"})
        self.assertFalse(self.r.sismember("follows:ann", "dan"))
        self.assertEqual(self.r.smismember("follows:ann", ["bob", "dan"]), [1, 0])
        self.assertEqual(self.r.srem("follows:cat", "ann"), 1)
        self.assertEqual(self.r.exists("follows:cat"), 0)

    def test_wrong_type(self):
        self.r.set("s", "x")
        with self.assertRaises(Exception) as ctx:
            self.r.sadd("s", "a")
        self.assertIn("WRONGTYPE", str(ctx.exception))


class TestRandomness(ServerTestCase):
    client_kwargs = {"decode_responses": True}

    def test_spop_removes_what_it_returns(self):
        members = {"t%d" % i for i in range(50)}
        self.r.sadd("tags", *members)
        popped = self.r.spop("tags", 20)
        self.assertEqual(len(set(popped)), 20)
        self.assertTrue(set(popped) <= members)
        rest = self.r.smembers("tags")
        self.assertEqual(rest | set(popped), members)
        self.assertFalse(rest & set(popped))
        one = self.r.spop("tags")
        self.assertIn(one, members)
        self.assertEqual(self.r.scard("tags"), 29)
        self.assertEqual(len(self.r.spop("tags", 100)), 29)
        self.assertEqual(self.r.exists("tags"), 0)

    def test_srandmember_counts(self):
        members = {str(i) for i in range(10)}
        self.r.sadd("s", *members)
        distinct = self.r.srandmember("s", 5)
        self.assertEqual(len(set(distinct)), 5)
        self.assertTrue(set(distinct) <= members)
        self.assertEqual(set(self.r.srandmember("s", 100)), members)
        repeats = self.r.srandmember("s", -40)
        self.assertEqual(len(repeats), 40)
        self.assertTrue(set(repeats) <= members)
        self.assertIn(self.r.srandmember("s"), members)
        self.assertEqual(self.r.scard("s"), 10)


class TestEncodingAndScan(ServerTestCase):
    def test_intset_becomes_hashtable_at_513_integers(self):
        self.r.sadd("ints", *range(512))
        self.assertEqual(self.r.object("encoding", "ints"), b"intset")
        self.r.sadd("ints", 512)
        self.assertEqual(self.r.object("encoding", "ints"), b"hashtable")
        self.assertEqual(self.r.scard("ints"), 513)
        self.assertTrue(self.r.sismember("ints", 300))

    def test_sscan_returns_every_member_of_a_1000_member_set(self):
        members = {b"member:%d" % i for i in range(1000)}
        self.r.sadd("big", *members)
        seen = []
        cursor = 0
        while True:
            cursor, batch = self.r.sscan("big", cursor, count=25)
            seen.extend(batch)
            if cursor == 0:
                break
        self.assertEqual(set(seen), members)
        self.assertEqual(set(self.r.sscan_iter("big", match="member:99*")),
                         {m for m in members if m.startswith(b"member:99")})


if __name__ == "__main__":
    main()
