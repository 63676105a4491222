"""Hash commands through redis-py against the real server, checked against Redis 7.0.

Run: CAIRN_SERVER=build/src/cairn-server /usr/bin/python3 -m unittest -v tests/integration/test_hashes.py
"""

import os
import shutil
import sys
import tempfile
import unittest

import redis

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import DurableServer, ServerTestCase, is_reference_redis, main  # noqa: E402

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


class TestSessionObjects(ServerTestCase):
    """A web session kept as a hash: the common way applications use hashes."""

    def test_session_lifecycle(self):
        r = self.r
        key = "session:42"
        added = r.hset(key, mapping={"user": "ada", "visits": "1", "theme": "dark"})
        self.assertEqual(added, 3)
        self.assertEqual(r.type(key), b"hash")
        self.assertEqual(r.hgetall(key), {b"user": b"ada", b"visits": b"1", b"theme": b"dark"})
        self.assertEqual(r.hincrby(key, "visits", 5), 6)
        self.assertEqual(r.hincrbyfloat(key, "score", 1.5), 1.5)
        self.assertEqual(r.hdel(key, "theme", "missing"), 1)
        self.assertEqual(r.hmget(key, "user", "theme"), [b"ada", None])
        self.assertEqual(sorted(r.hkeys(key)), [b"score", b"user", b"visits"])
        self.assertEqual(r.hlen(key), 3)
        self.assertTrue(r.hexists(key, "user"))
        self.assertFalse(r.hexists(key, "theme"))
        self.assertEqual(r.hstrlen(key, "user"), 3)

    def test_session_expires(self):
        r = self.r
        r.hset("session:exp", mapping={"user": "bob"})
        self.assertTrue(r.pexpire("session:exp", 150))
        r.hset("session:exp", "seen", "1")  # changing a field keeps the TTL
        self.assertGreater(r.pttl("session:exp"), 0)
        self.wait_for(lambda: r.exists("session:exp") == 0, msg="session expired")
        self.assertEqual(r.hgetall("session:exp"), {})

    def test_last_field_deleted_deletes_key(self):
        r = self.r
        r.hset("h", "a", "1")
        r.hdel("h", "a")
        self.assertEqual(r.exists("h"), 0)
        self.assertEqual(r.type("h"), b"none")

    def test_wrong_type(self):
        self.r.set("s", "v")
        with self.assertRaises(redis.ResponseError) as ctx:
            self.r.hset("s", "a", "1")
        self.assertEqual(str(ctx.exception), WRONGTYPE)

    def test_increment_errors(self):
        r = self.r
        r.hset("h", mapping={"s": "abc", "max": str(2 ** 63 - 1)})
        for call, text in ((lambda: r.hincrby("h", "s", 1), "hash value is not an integer"),
                           (lambda: r.hincrbyfloat("h", "s", 1), "hash value is not a float"),
                           (lambda: r.hincrby("h", "max", 1),
                            "increment or decrement would overflow")):
            with self.assertRaises(redis.ResponseError) as ctx:
                call()
            self.assertEqual(str(ctx.exception), text)

    def test_object_encoding_before_and_after_threshold(self):
        # Redis 7.0's defaults, hash-max-listpack-entries 512 and -value 64: a hash of up to
        # 512 short fields stays compact, as migrated applications expect of its memory.
        r = self.r
        self.assertEqual(r.config_get("hash-max-listpack-entries"),
                         {"hash-max-listpack-entries": "512"})
        r.hset("h", mapping={"f%d" % i: "v" for i in range(512)})
        self.assertEqual(r.object("encoding", "h"), b"listpack")
        r.hset("h", "f512", "v")
        self.assertEqual(r.object("encoding", "h"), b"hashtable")
        r.hset("g", "a", "x" * 64)
        self.assertEqual(r.object("encoding", "g"), b"listpack")
        r.hset("g", "b", "x" * 65)
        self.assertEqual(r.object("encoding", "g"), b"hashtable")

    def test_hrandfield(self):
        r = self.r
        r.hset("h", mapping={"a": "1", "b": "2", "c": "3"})
        self.assertIn(r.hrandfield("h"), (b"a", b"b", b"c"))
        self.assertEqual(sorted(r.hrandfield("h", 10)), [b"a", b"b", b"c"])
        self.assertEqual(len(r.hrandfield("h", -10)), 10)
        pairs = r.hrandfield("h", 2, withvalues=True)
        self.assertEqual(len(pairs), 4)
        self.assertEqual(r.hrandfield("nokey"), None)


class TestHScan(ServerTestCase):
    def test_hscan_iterates_a_1000_field_hash_completely(self):
        r = self.r
        expected = {("field:%d" % i).encode(): ("value:%d" % i).encode() for i in range(1000)}
        r.hset("big", mapping=expected)
        self.assertEqual(r.object("encoding", "big"), b"hashtable")
        seen = {}
        cursor, calls = 0, 0
        while True:
            cursor, page = r.hscan("big", cursor, count=20)
            seen.update(page)
            calls += 1
            if cursor == 0:
                break
        self.assertGreater(calls, 1)
        self.assertEqual(seen, expected)
        self.assertEqual(dict(r.hscan_iter("big", match="field:99*")),
                         {k: v for k, v in expected.items() if k.startswith(b"field:99")})

    def test_hscan_small_hash_whole_with_cursor_zero(self):
        self.r.hset("small", mapping={"a": "1", "b": "2"})
        self.assertEqual(self.r.hscan("small", 0, count=1), (0, {b"a": b"1", b"b": b"2"}))


class TestResp3(ServerTestCase):
    def test_reply_shapes(self):
        self.r.hset("h", mapping={"a": "1"})
        c = self.raw_conn()
        c.command("HELLO", "3")
        reply = c.command("HGETALL", "h")
        self.assertEqual(reply.type, "%")
        self.assertEqual(reply.to_py(), {b"a": b"1"})
        pairs = c.command("HRANDFIELD", "h", "-2", "WITHVALUES")
        self.assertEqual(pairs.to_py(), [[b"a", b"1"], [b"a", b"1"]])
        self.assertEqual(c.command("HGET", "h", "zz").type, "_")


class TestHashRecovery(unittest.TestCase):
    """Hashes survive kill -9: a snapshot, then the log after it, replayed once."""

    def setUp(self):
        if is_reference_redis():
            self.skipTest("cairn's WAL and snapshot")
        self.root = tempfile.mkdtemp(prefix="cairn-hash-")
        self.server = DurableServer(self.root)

    def tearDown(self):
        self.server.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def state(self, r):
        keys = sorted(r.keys("*"))
        return {k: (r.hgetall(k), r.object("encoding", k)) for k in keys}

    def test_hashes_restored_after_crash(self):
        self.server.start()
        r = self.server.client()
        r.hset("big", mapping={"f%d" % i: "v%d" % i for i in range(300)})
        r.hset("small", mapping={"a": "1", "b": "2"})
        r.hincrbyfloat("small", "price", "10.1")
        r.save()
        r.hincrbyfloat("small", "price", "0.2")
        r.hincrby("big", "count", 7)
        r.hdel("big", "f1", "f2", "nope")
        r.hset("gone", "x", "1")
        r.hdel("gone", "x")
        before = self.state(r)
        r.close()
        self.server.kill9()
        self.server.start()
        r = self.server.client()
        after = self.state(r)
        r.close()
        self.assertEqual(after, before)
        self.assertEqual(after[b"small"][0][b"price"], b"10.3")


if __name__ == "__main__":
    main()
