"""DUMP and RESTORE: payloads move between redis-server 7.0 and the server under test.

A value built on redis-server, dumped there and restored here reads back the same, for every
type and size class; the reverse holds too; RDB files from Redis's own test assets (ziplist,
zipmap, intset, linked-list and quicklist v1 encodings) restore the same on both. Errors
match Redis's text and order.
"""

import os
import shutil
import struct
import sys
import tempfile
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import redis  # noqa: E402

from harness import DurableServer, ReferenceServerTestCase, ServerTestCase  # noqa: E402

ASSETS = os.environ.get("CAIRN_REDIS_ASSETS", "/work/shared/redis-tests/suite/tests/assets")

# The CRC-64 Redis appends to DUMP payloads (Jones polynomial, reflected, no final xor).
_CRC_TABLE = []
for _i in range(256):
    _c = _i
    for _ in range(8):
        _c = (_c >> 1) ^ 0x95AC9329AC4BC9B5 if _c & 1 else _c >> 1
    _CRC_TABLE.append(_c)


def crc64(data):
    crc = 0
    for b in data:
        crc = _CRC_TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc


def frame(body, version=10):
    """A DUMP payload around an object's type byte and body."""
    data = body + struct.pack("<H", version)
    return data + struct.pack("<Q", crc64(data))


def snapshot(r, key):
    """Everything a client can read about a key's value (stream read times excluded)."""
    t = r.type(key).decode()
    if t == "string":
        return t, r.get(key)
    if t == "list":
        return t, r.lrange(key, 0, -1)
    if t == "hash":
        return t, sorted(r.hgetall(key).items())
    if t == "set":
        return t, sorted(r.smembers(key))
    if t == "zset":
        return t, r.zrange(key, 0, -1, withscores=True)
    if t == "stream":
        info = r.xinfo_stream(key)
        groups = []
        for g in r.xinfo_groups(key):
            pending = r.xpending_range(key, g["name"], "-", "+", 1000)
            consumers = sorted((c["name"], c["pending"]) for c in r.xinfo_consumers(key, g["name"]))
            groups.append((g["name"], g["last-delivered-id"], g["entries-read"], g["pending"],
                           [(p["message_id"], p["consumer"], p["times_delivered"])
                            for p in pending], consumers))
        return (t, r.xrange(key), info["length"], info["last-generated-id"],
                info["max-deleted-entry-id"], info["entries-added"], groups)
    return t, None


def fill_every_type(r):
    """Keys of every type and size class Redis 7.0 distinguishes; returns their names."""
    r.set("str", "hello world")
    r.set("int", "12345")
    r.set("negint", "-7")
    r.set("bigint", "9999999999999")
    r.set("long", "x" * 5000)
    r.set("binary", bytes(range(256)))
    r.rpush("list", "a", "b", "7", "-300", "70000", "hello world", "-9223372036854775808")
    r.rpush("biglist", *["element-%d" % i for i in range(3000)])
    r.rpush("hugeelem", "y" * 20000, "z")
    r.hset("hash", mapping={"f1": "v1", "n": "42"})
    r.hset("bighash", mapping={"f%d" % i: "v%d" % i for i in range(300)})
    r.hset("longhash", mapping={"f": "x" * 100})
    r.sadd("intset", 3, 1, 2, -5, 70000, 5000000000)
    r.sadd("set", "x", "y", "1")
    r.sadd("bigset", *["m%d" % i for i in range(1000)])
    r.sadd("bigintset", *range(1000))
    r.zadd("zset", {"a": 1, "b": 2.5, "c": -3, "d": 1e300, "e": float("inf")})
    r.zadd("bigzset", {"m%d" % i: i * 0.5 for i in range(300)})
    r.zadd("longzset", {"k" * 100: 1})
    for i in range(1, 250):
        fields = {"a": str(i), "b": "v"} if i % 7 else {"c": "odd one"}
        r.xadd("stream", fields, id="%d-%d" % (i // 3 + 1, i % 3))
    r.xdel("stream", "2-0")
    r.xgroup_create("stream", "g1", id="0")
    r.xgroup_create("stream", "g2", id="$")
    r.xreadgroup("g1", "alice", {"stream": ">"}, count=3)
    r.xreadgroup("g1", "bob", {"stream": ">"}, count=2)
    r.xack("stream", "g1", "1-1")
    r.xadd("emptystream", {"a": "1"}, id="5-5")
    r.xdel("emptystream", "5-5")
    return ["str", "int", "negint", "bigint", "long", "binary", "list", "biglist", "hugeelem",
            "hash", "bighash", "longhash", "intset", "set", "bigset", "bigintset", "zset",
            "bigzset", "longzset", "stream", "emptystream"]


class DumpRestoreTest(ServerTestCase):
    """DUMP/RESTORE on the server under test alone."""

    def setUp(self):
        super().setUp()
        self.r = self.server.client()
        self.r.flushall()

    def tearDown(self):
        self.r.close()
        super().tearDown()

    def test_every_type_survives_dump_and_restore(self):
        for key in fill_every_type(self.r):
            before = snapshot(self.r, key)
            payload = self.r.dump(key)
            self.r.delete(key)
            self.assertTrue(self.r.restore(key, 0, payload), key)
            self.assertEqual(snapshot(self.r, key), before, key)
            if self.r.object("encoding", key) != b"hashtable":  # else the order may change
                self.assertEqual(self.r.dump(key), payload, key)

    def test_dump_of_a_missing_key_is_nil(self):
        self.assertIsNone(self.r.dump("nosuchkey"))

    def test_restore_refuses_an_existing_key_unless_replace(self):
        self.r.set("a", "1")
        payload = self.r.dump("a")
        with self.assertRaisesRegex(redis.ResponseError, "^BUSYKEY Target key name already exists.$") as e:
            self.r.restore("a", 0, payload)
        self.assertTrue(self.r.restore("a", 0, self.r.dump("a"), replace=True))
        self.r.rpush("l", "x")
        self.assertTrue(self.r.restore("l", 0, payload, replace=True))
        self.assertEqual(self.r.get("l"), b"1")
        del e

    def test_busykey_comes_before_ttl_and_payload_errors(self):
        self.r.set("a", "1")
        with self.assertRaisesRegex(redis.ResponseError, "already exists"):
            self.r.execute_command("RESTORE", "a", "-1", "garbage")

    def test_ttl_relative_absolute_and_already_expired(self):
        payload = self.r.dump("x") or frame(b"\x00\x01v")
        self.r.restore("rel", 100000, payload)
        self.assertTrue(99000 <= self.r.pttl("rel") <= 100000)
        at = self.r.time()[0] * 1000 + 200000
        self.r.restore("abs", at, payload, absttl=True)
        self.assertTrue(190000 <= self.r.pttl("abs") <= 200000)
        self.r.restore("past", 1, payload, absttl=True)
        self.assertEqual(self.r.exists("past"), 0)
        self.r.set("old", "x")
        self.r.restore("old", 1, payload, absttl=True, replace=True)
        self.assertEqual(self.r.exists("old"), 0)
        self.r.restore("zero", 0, payload)
        self.assertEqual(self.r.ttl("zero"), -1)

    def test_argument_errors(self):
        payload = frame(b"\x00\x01v")
        cases = [
            (("k", "-1", payload), "^Invalid TTL value, must be >= 0$"),
            (("k", "x", payload), "^value is not an integer or out of range$"),
            (("k", "0", payload, "BOGUS"), "^syntax error$"),
            (("k", "0", payload, "IDLETIME", "-1"), "^Invalid IDLETIME value, must be >= 0$"),
            (("k", "0", payload, "IDLETIME", "x"), "^value is not an integer or out of range$"),
            (("k", "0", payload, "FREQ", "256"), "^Invalid FREQ value, must be >= 0 and <= 255$"),
            (("k", "0", payload, "FREQ", "-1"), "^Invalid FREQ value, must be >= 0 and <= 255$"),
            (("k", "0", payload, "FREQ", "5", "IDLETIME", "5"), "^syntax error$"),
            (("k", "0", payload, "IDLETIME"), "^syntax error$"),
        ]
        for args, error in cases:
            with self.assertRaisesRegex(redis.ResponseError, error, msg=repr(args)):
                self.r.execute_command("RESTORE", *args)
        self.assertEqual(self.r.exists("k"), 0)
        self.assertTrue(self.r.execute_command("RESTORE", "k", "0", payload, "IDLETIME", "100"))
        self.assertTrue(100 <= self.r.object("idletime", "k") <= 102)
        self.assertTrue(self.r.execute_command("RESTORE", "k2", "0", payload, "FREQ", "100"))

    def test_damaged_payloads_are_refused(self):
        self.r.rpush("l", *range(100))
        self.r.hset("h", mapping={"a": "1", "b": "2"})
        for key in ("l", "h"):
            good = self.r.dump(key)
            for damaged in (good[:-1], good[:5], b"", b"\x00" * 9):
                with self.assertRaisesRegex(redis.ResponseError,
                                            "^DUMP payload version or checksum are wrong$"):
                    self.r.restore("new", 0, damaged)
            flipped = bytearray(good)
            flipped[3] ^= 0x40
            with self.assertRaisesRegex(redis.ResponseError,
                                        "^DUMP payload version or checksum are wrong$"):
                self.r.restore("new", 0, bytes(flipped))
            newer = good[:-10] + struct.pack("<H", 11)
            newer += struct.pack("<Q", crc64(newer))
            with self.assertRaisesRegex(redis.ResponseError,
                                        "^DUMP payload version or checksum are wrong$"):
                self.r.restore("new", 0, newer)
            # A right checksum over a cut body: the body itself is bad.
            body = good[:-10]
            for cut in (1, len(body) // 2, len(body) - 1):
                with self.assertRaisesRegex(redis.ResponseError, "^Bad data format$"):
                    self.r.restore("new", 0, frame(body[:cut]))
        self.assertEqual(self.r.exists("new"), 0)

    def test_hostile_bodies_are_refused(self):
        bodies = [
            b"\x07",                                   # module type
            b"\x63abc",                                # unknown type
            b"\x00\x81\x7f\xff\xff\xff\xff\xff\xff\xff",  # a string claiming 2^63 bytes
            b"\x01\x81\x7f\xff\xff\xff\xff\xff\xff\xff",  # a list claiming 2^63 elements
            b"\x02\x00",                               # an empty set
            b"\x02\x02\x01a\x01a",                     # a set member twice
            b"\x05\x01\x01a" + struct.pack("<d", float("nan")),  # a NaN score
            b"\x10\x0a\xff\xff\xff\x7f\x00\x00\xff",   # a listpack claiming 2 GB
            b"\x0b\x0c\x02\x00\x00\x00\x03\x00\x00\x00\x05\x00\x03\x00",  # intset short of its count
        ]
        for body in bodies:
            with self.assertRaisesRegex(redis.ResponseError, "^Bad data format$", msg=body):
                self.r.restore("new", 0, frame(body))
        self.assertEqual(self.r.exists("new"), 0)

    def test_restoring_a_list_serves_a_blocked_pop(self):
        self.r.rpush("src", "a", "b")
        payload = self.r.dump("src")
        popped = []
        other = self.server.client()
        waiter = threading.Thread(target=lambda: popped.append(other.blpop("dst", timeout=10)))
        waiter.start()
        self.wait_blocked(1)
        self.r.restore("dst", 0, payload)
        waiter.join()
        other.close()
        self.assertEqual(popped, [(b"dst", b"a")])
        self.assertEqual(self.r.lrange("dst", 0, -1), [b"b"])

    def test_restore_fires_a_keyspace_event(self):
        self.r.config_set("notify-keyspace-events", "KEg")
        try:
            p = self.r.pubsub()
            p.psubscribe("__keyspace@0__:ev")
            p.get_message(timeout=5)
            self.r.restore("ev", 0, frame(b"\x00\x01v"))
            events = []
            while True:
                m = p.get_message(timeout=2)
                if m is None:
                    break
                events.append(m["data"])
            self.assertIn(b"restore", events)
            p.close()
        finally:
            self.r.config_set("notify-keyspace-events", "")


class RestoreDurabilityTest(unittest.TestCase):
    """A restored key is a write like any other: it survives a crash and restart."""

    def test_restored_values_come_back_after_kill9(self):
        root = tempfile.mkdtemp(prefix="cairn-restore-")
        try:
            server = DurableServer(root).start()
            r = server.client()
            keys = fill_every_type(r)
            before = {}
            for key in keys:
                before[key] = snapshot(r, key)
                payload = r.dump(key)
                r.restore("copy:" + key, 0, payload)
                r.restore(key, 0, payload, replace=True)
            r.restore("ttl", 3600 * 1000, r.dump("str"))
            r.close()
            server.kill9()
            server = DurableServer(root).start()
            r = server.client()
            for key in keys:
                self.assertEqual(snapshot(r, key), before[key], key)
                self.assertEqual(snapshot(r, "copy:" + key), before[key], key)
            self.assertGreater(r.pttl("ttl"), 3000 * 1000)
            r.close()
            server.stop()
        finally:
            shutil.rmtree(root, ignore_errors=True)


# ---- RDB files from Redis's test assets ------------------------------------------------


class RdbFile(object):
    """Just enough of an RDB file reader to cut out each key's object bytes."""

    def __init__(self, data):
        self.d = data
        self.p = 0

    def byte(self):
        b = self.d[self.p]
        self.p += 1
        return b

    def length(self):
        b = self.byte()
        kind = b >> 6
        if kind == 0:
            return b & 0x3F, False
        if kind == 1:
            return ((b & 0x3F) << 8) | self.byte(), False
        if kind == 3:
            return b & 0x3F, True
        n = 4 if b == 0x80 else 8
        v = int.from_bytes(self.d[self.p:self.p + n], "big")
        self.p += n
        return v, False

    def skip_string(self):
        n, enc = self.length()
        if not enc:
            self.p += n
        elif n == 3:
            clen, _ = self.length()
            self.length()
            self.p += clen
        else:
            self.p += (1, 2, 4)[n]

    def skip_value(self, t):
        if t == 0 or t in (9, 10, 11, 12, 13, 16, 17):
            self.skip_string()
        elif t in (1, 2, 14):
            n, _ = self.length()
            for _ in range(n):
                self.skip_string()
        elif t == 4:
            n, _ = self.length()
            for _ in range(2 * n):
                self.skip_string()
        elif t == 3:
            n, _ = self.length()
            for _ in range(n):
                self.skip_string()
                k = self.byte()
                if k < 253:
                    self.p += k
        elif t == 5:
            n, _ = self.length()
            for _ in range(n):
                self.skip_string()
                self.p += 8
        else:
            raise ValueError("type %d not handled" % t)

    def objects(self):
        """(key, type, object bytes) for every key."""
        assert self.d[:5] == b"REDIS"
        self.p = 9
        while True:
            op = self.byte()
            if op == 0xFF:
                return
            if op == 0xFA:
                self.skip_string()
                self.skip_string()
            elif op == 0xFE:
                self.length()
            elif op == 0xFB:
                self.length()
                self.length()
            elif op == 0xFC:
                self.p += 8
            elif op == 0xFD:
                self.p += 4
            else:
                key_start = self.p
                self.skip_string()
                key_end = self.p
                self.skip_value(op)
                # The key's raw RDB bytes name it well enough for a test key.
                yield self.d[key_start:key_end], op, bytes([op]) + self.d[key_end:self.p]


class AgainstRedisServerTest(ReferenceServerTestCase):
    """Payloads cross between redis-server 7.0 and the server under test."""

    def tearDown(self):
        self.r.close()
        self.ref.close()
        super().tearDown()

    def test_values_from_redis_server_restore_here_unchanged(self):
        for rdbcompression in ("yes", "no"):
            self.ref.config_set("rdbcompression", rdbcompression)
            self.ref.flushall()
            self.r.flushall()
            for key in fill_every_type(self.ref):
                self.r.restore(key, 0, self.ref.dump(key))
                self.assertEqual(snapshot(self.r, key), snapshot(self.ref, key), key)

    def test_values_from_here_restore_on_redis_server_unchanged(self):
        # Deep sanitization makes redis-server check every listpack entry, intset order and
        # stream node and PEL for consistency before it accepts a payload.
        self.ref.config_set("sanitize-dump-payload", "yes")
        for key in fill_every_type(self.r):
            self.ref.restore(key, 0, self.r.dump(key))
            self.assertEqual(snapshot(self.ref, key), snapshot(self.r, key), key)

    def test_compressible_values_dump_compressed_unless_rdbcompression_is_off(self):
        doc = '{"user": "alice", "roles": ["admin", "dev"], "active": true}' * 60
        self.r.set("doc", doc)
        self.r.rpush("jobs", *[doc[:200] + str(i) for i in range(50)])
        self.addCleanup(self.r.config_set, "rdbcompression", "yes")
        self.addCleanup(self.ref.config_set, "rdbcompression", "yes")
        self.addCleanup(self.ref.config_set, "sanitize-dump-payload", "no")
        for key in ("doc", "jobs"):
            with self.subTest(key=key):
                self.r.config_set("rdbcompression", "yes")
                compressed = self.r.dump(key)
                self.r.config_set("rdbcompression", "no")
                plain = self.r.dump(key)
                self.assertLess(len(compressed) * 5, len(plain))
                # Both restore on redis-server (which checks every entry) as the same value.
                self.ref.config_set("sanitize-dump-payload", "yes")
                for payload in (compressed, plain):
                    self.ref.restore(key, 0, payload, replace=True)
                    self.assertEqual(snapshot(self.ref, key), snapshot(self.r, key))
        # Uncompressed, a string dumps to redis-server's bytes.
        self.ref.config_set("rdbcompression", "no")
        self.ref.set("doc", doc)
        self.assertEqual(self.r.dump("doc"), self.ref.dump("doc"))

    def test_small_values_dump_to_the_same_bytes_as_redis_server(self):
        # Without compression, encodings and sizes that both pick alike give identical bytes.
        for r in (self.ref, self.r):
            r.config_set("rdbcompression", "no")
        same_encoding = ("str", "int", "negint", "bigint", "list", "hash", "longhash", "intset",
                         "zset", "bigzset", "longzset")
        fill_every_type(self.ref)
        for key in same_encoding:
            self.r.restore(key, 0, self.ref.dump(key))
            self.assertEqual(self.r.dump(key), self.ref.dump(key), key)

    def test_function_payloads_cross_both_ways(self):
        code = "#!lua name=lib%s\nredis.register_function('f%s', function() return %s end)"
        self.ref.function_load(code % ("a", "a", "1"))
        self.r.function_load(code % ("b", "b", "2"))
        self.r.function_restore(self.ref.function_dump())
        self.ref.function_restore(self.r.function_dump(), "REPLACE")
        for r in (self.r, self.ref):
            self.assertEqual(r.fcall("fa", 0), 1)
            self.assertEqual(r.fcall("fb", 0), 2)

    def test_ttl_restored_here_matches(self):
        self.ref.set("k", "v")
        self.r.restore("k", 50000, self.ref.dump("k"))
        self.assertTrue(49000 <= self.r.pttl("k") <= 50000)

    def test_old_encodings_from_redis_test_assets_restore_alike(self):
        names = ["encodings.rdb", "hash-zipmap.rdb", "hash-ziplist.rdb", "list-quicklist.rdb",
                 "zset-ziplist.rdb"]
        seen_types = set()
        for name in names:
            path = os.path.join(ASSETS, name)
            if not os.path.exists(path):
                self.skipTest("Redis test assets not found at %s" % ASSETS)
            with open(path, "rb") as f:
                data = f.read()
            for key, rdb_type, body in RdbFile(data).objects():
                seen_types.add(rdb_type)
                payload = frame(body)
                target = b"%s:%s" % (name.encode(), key)
                self.ref.restore(target, 0, payload)
                self.r.restore(target, 0, payload)
                self.assertEqual(snapshot(self.r, target), snapshot(self.ref, target), target)
        self.assertTrue({9, 10, 11, 12, 13, 14}.issubset(seen_types), seen_types)


if __name__ == "__main__":
    unittest.main()
