"""Keys written again after they expired, across a restart: the server must come back with
exactly what its clients were told before it stopped — the new value, the new type, the TTL
the key had when it was last written (none if the write gave it none) — and no key that
expired and was never written again.

Each pattern runs four ways: the key's expiry found by the write itself (lazy: the server
runs at hz 1 and the write comes right after the TTL, so the background cycle rarely gets
there first) or by the background cycle (active: the test waits until DBSIZE shows the key
deleted, without touching it); then the server is stopped by SHUTDOWN or killed with
SIGKILL, and restarted on the same data directory.

Runs against cairn (CAIRN_SERVER) and, unchanged, against redis-server with
--appendonly yes --appendfsync always (harness.persistence_args).
"""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from test_durability import DurabilityTestCase  # noqa: E402

SHORT_MS = 40         # a TTL that runs out during the test
LONG_S = 100          # a TTL that outlives the test
TTL_SLACK_MS = 5000   # how much of a long TTL may pass between the write and the check


# ---- the key space as a client sees it ----------------------------------------------------

def read_value(r, key, kind):
    if kind == "string":
        return r.get(key)
    if kind == "list":
        return r.lrange(key, 0, -1)
    if kind == "set":
        return r.smembers(key)
    if kind == "hash":
        return r.hgetall(key)
    if kind == "zset":
        return dict(r.zrange(key, 0, -1, withscores=True))
    if kind == "stream":
        return [(entry_id, fields) for entry_id, fields in r.xrange(key)]
    raise AssertionError("unexpected type %r of %r" % (kind, key))


def dump(r):
    """{key: (type, value, pttl)} of every live key, read with ordinary commands."""
    state = {}
    for key in r.keys("*"):
        kind = r.type(key).decode()
        if kind == "none":
            continue  # expired between KEYS and TYPE
        state[key] = (kind, read_value(r, key, kind), r.pttl(key))
    return state


def describe(kind, value, ttl):
    return "%s %r %s" % (kind, value, "without TTL" if ttl is None else "with TTL %s" % ttl)


def keyspace_problems(actual, expected):
    """Differences between dump() and expected {key: (type, value, ttl_s or None)}: each
    key present with that type and value, a TTL exactly when one is expected (about ttl_s
    seconds, less what has passed since), and no other key."""
    problems = []
    for key in sorted(set(actual) | set(expected)):
        if key not in actual:
            problems.append("%r: missing (acknowledged as %s)" % (key, describe(*expected[key])))
            continue
        kind, value, pttl = actual[key]
        if key not in expected:
            problems.append("%r: present as %s (pttl %d) but it expired and was never written "
                            "again" % (key, describe(kind, value, None), pttl))
            continue
        want_kind, want_value, want_ttl = expected[key]
        if (kind, value) != (want_kind, want_value):
            problems.append("%r: %s %r, acknowledged as %s"
                            % (key, kind, value, describe(*expected[key])))
        elif want_ttl is None and pttl != -1:
            problems.append("%r: has a TTL (pttl %d), acknowledged without one" % (key, pttl))
        elif want_ttl is not None and not (want_ttl * 1000 - TTL_SLACK_MS <= pttl
                                           <= want_ttl * 1000):
            problems.append("%r: pttl %d, acknowledged with a TTL of %d s"
                            % (key, pttl, want_ttl))
    return problems


def to_bytes(expected):
    """Lets tests write expected keys and strings as str."""
    def b(x):
        return x.encode() if isinstance(x, str) else x

    def value(v):
        if isinstance(v, str):
            return v.encode()
        if isinstance(v, list):
            return [value(x) for x in v]
        if isinstance(v, tuple):
            return tuple(value(x) for x in v)
        if isinstance(v, set):
            return {b(x) for x in v}
        if isinstance(v, dict):
            return {b(k): value(x) for k, x in v.items()}
        return v

    return {b(k): (kind, value(v), ttl) for k, (kind, v, ttl) in expected.items()}


# ---- the four ways: lazy or active expiry, then SHUTDOWN or SIGKILL ------------------------

class ExpiryRestartTestCase(DurabilityTestCase):
    expiry = None   # "lazy" or "active"
    restart = None  # "shutdown" or "kill"

    def setUp(self):
        super().setUp()
        # hz 1: the background cycle runs once a second, so in the lazy variants the write
        # (SHORT_MS + 20 ms after the TTL was set) almost always meets the key itself.
        self.srv = self.server(*(["--hz", "1"] if self.expiry == "lazy" else []))
        self.srv.start()
        self.r = self.srv.client()

    def tearDown(self):
        self.r.close()
        # The data is thrown away: no need to wait for a SIGTERM, which redis-server at hz 1
        # handles only in its once-a-second cron.
        if self.srv.alive():
            self.srv.kill9()
        super().tearDown()

    def let_expire(self, live=0):
        """Waits until every key given SHORT_MS has expired. Active variants wait until the
        background cycle has deleted them: DBSIZE counts expired keys until they are deleted,
        so it falls to `live` (the keys without a short TTL) only then."""
        if self.expiry == "lazy":
            time.sleep((SHORT_MS + 20) / 1000.0)
            return
        deadline = time.time() + 10
        while self.r.dbsize() != live:
            self.assertLess(time.time(), deadline, "the background cycle never deleted the "
                            "expired keys: DBSIZE %d, %d live" % (self.r.dbsize(), live))
            time.sleep(0.02)

    def restart_server(self):
        self.r.close()
        if self.restart == "kill":
            self.srv.kill9()
        else:
            conn = self.srv.raw_connection(10)
            conn.send_command("SHUTDOWN")
            conn.read_until_close(10)
            conn.close()
            self.assertEqual(self.srv.wait_exit(), 0, self.srv.log_text())
        self.srv.start()
        self.r = self.srv.client()

    def assertRestored(self, expected):
        """The key space is exactly `expected` now, and again after the restart."""
        expected = to_bytes(expected)
        problems = keyspace_problems(dump(self.r), expected)
        self.assertFalse(problems, "before the restart:\n" + "\n".join(problems[:20]))
        self.restart_server()
        how = "SHUTDOWN" if self.restart == "shutdown" else "kill -9"
        problems = keyspace_problems(dump(self.r), expected)
        self.assertFalse(problems, "after %s and a restart (%d problems):\n%s"
                         % (how, len(problems), "\n".join(problems[:20])))


class ExpiryRestartCases(object):
    """The patterns; mixed into one TestCase class per way of expiring and restarting."""

    def test_members_added_after_expiry_are_the_whole_set(self):
        r = self.r
        self.assertEqual(r.sadd("s", "a", "b"), 2)
        self.assertTrue(r.pexpire("s", SHORT_MS))
        self.let_expire()
        self.assertEqual(r.sadd("s", "x"), 1)
        self.assertRestored({"s": ("set", {"x"}, None)})

    def test_a_member_added_again_after_expiry_is_there_once(self):
        r = self.r
        self.assertEqual(r.sadd("s", "x"), 1)
        self.assertTrue(r.pexpire("s", SHORT_MS))
        self.let_expire()
        self.assertEqual(r.sadd("s", "x"), 1)
        self.assertRestored({"s": ("set", {"x"}, None)})

    def test_a_counter_incremented_after_expiry_starts_again_at_one_without_ttl(self):
        r = self.r
        self.assertTrue(r.set("c", 5, px=SHORT_MS))
        self.let_expire()
        self.assertEqual(r.incr("c"), 1)
        self.assertEqual(r.incrby("c", 2), 3)
        self.assertRestored({"c": ("string", "3", None)})

    def test_a_list_pushed_where_a_string_expired_is_a_list(self):
        r = self.r
        self.assertTrue(r.set("k", "v", px=SHORT_MS))
        self.let_expire()
        self.assertEqual(r.rpush("k", "a"), 1)
        self.assertRestored({"k": ("list", ["a"], None)})

    def test_append_after_expiry_holds_only_the_appended_bytes(self):
        r = self.r
        self.assertTrue(r.set("a", "hello", px=SHORT_MS))
        self.let_expire()
        self.assertEqual(r.append("a", "world"), 5)
        self.assertRestored({"a": ("string", "world", None)})

    def test_set_keepttl_after_expiry_has_no_ttl_to_keep(self):
        r = self.r
        self.assertTrue(r.set("k", "old", px=SHORT_MS))
        self.let_expire()
        self.assertTrue(r.set("k", "new", keepttl=True))
        self.assertRestored({"k": ("string", "new", None)})

    def test_setrange_after_expiry_pads_an_empty_string(self):
        r = self.r
        self.assertTrue(r.set("k", "hello", px=SHORT_MS))
        self.let_expire()
        self.assertEqual(r.setrange("k", 2, "ab"), 4)
        self.assertRestored({"k": ("string", b"\0\0ab", None)})

    def test_hash_fields_written_after_expiry_are_the_whole_hash(self):
        r = self.r
        self.assertEqual(r.hset("h", mapping={"f": 5, "g": 1}), 2)
        self.assertTrue(r.pexpire("h", SHORT_MS))
        self.let_expire()
        self.assertEqual(r.hincrby("h", "f", 2), 2)
        self.assertEqual(r.hset("h", "k", "v"), 1)
        self.assertRestored({"h": ("hash", {"f": "2", "k": "v"}, None)})

    def test_sorted_set_written_after_expiry_is_the_whole_sorted_set(self):
        r = self.r
        self.assertEqual(r.zadd("z", {"a": 5, "b": 1}), 2)
        self.assertTrue(r.pexpire("z", SHORT_MS))
        self.let_expire()
        self.assertEqual(r.zincrby("z", 2, "a"), 2.0)
        self.assertEqual(r.zadd("z", {"c": 3}), 1)
        self.assertRestored({"z": ("zset", {"a": 2.0, "c": 3.0}, None)})

    def test_a_stream_written_after_expiry_starts_again_from_any_id(self):
        r = self.r
        self.assertEqual(r.xadd("x", {"f": "old"}, id="5-1"), b"5-1")
        self.assertTrue(r.pexpire("x", SHORT_MS))
        self.let_expire()
        self.assertEqual(r.xadd("x", {"f": "new"}, id="1-1"), b"1-1")
        self.assertRestored({"x": ("stream", [(b"1-1", {b"f": b"new"})], None)})

    def test_a_key_rewritten_with_a_new_ttl_comes_back_with_that_ttl(self):
        r = self.r
        self.assertTrue(r.set("str", "old", px=SHORT_MS))
        self.assertEqual(r.sadd("set", "a"), 1)
        self.assertTrue(r.pexpire("set", SHORT_MS))
        self.assertEqual(r.xadd("stream", {"f": "old"}, id="5-1"), b"5-1")
        self.assertTrue(r.pexpire("stream", SHORT_MS))
        self.assertTrue(r.set("ctr", 7, px=SHORT_MS))
        self.let_expire()
        self.assertTrue(r.set("str", "new", ex=LONG_S))
        self.assertEqual(r.sadd("set", "b"), 1)
        self.assertTrue(r.expire("set", LONG_S))
        self.assertEqual(r.xadd("stream", {"f": "new"}, id="1-1"), b"1-1")
        self.assertTrue(r.expire("stream", LONG_S))
        self.assertEqual(r.incr("ctr"), 1)  # no TTL: INCR keeps the TTL of a live key only
        self.assertRestored({
            "str": ("string", "new", LONG_S),
            "set": ("set", {"b"}, LONG_S),
            "stream": ("stream", [(b"1-1", {b"f": b"new"})], LONG_S),
            "ctr": ("string", "1", None),
        })

    def test_a_key_that_expired_and_was_never_written_again_stays_gone(self):
        r = self.r
        self.assertTrue(r.set("kept", "v"))
        self.assertTrue(r.set("read", "v", px=SHORT_MS))
        self.assertEqual(r.rpush("list", "a", "b"), 2)
        self.assertTrue(r.pexpire("list", SHORT_MS))
        self.assertEqual(r.hset("hash", "f", "v"), 1)
        self.assertTrue(r.pexpire("hash", SHORT_MS))
        self.assertTrue(r.set("untouched", "v", px=SHORT_MS))
        self.let_expire(live=1)
        self.assertIsNone(r.get("read"))
        self.assertEqual(r.llen("list"), 0)
        self.assertFalse(r.hexists("hash", "f"))
        self.assertRestored({"kept": ("string", "v", None)})

    def test_300_keys_half_written_again_after_expiry_come_back_as_acknowledged(self):
        expected = {}
        pipe = self.r.pipeline(transaction=False)
        for i in range(300):
            first_write(pipe, i)
        for i in range(20):  # keys that do not expire: written on, they keep their TTL or none
            pipe.set("forever:%d" % i, "v%d" % i)
            pipe.rpush("ttl:%d" % i, "a")
            pipe.expire("ttl:%d" % i, LONG_S)
        self.assertTrue(all(pipe.execute()))
        self.let_expire(live=40)
        pipe = self.r.pipeline(transaction=False)
        checks = []
        for i in range(0, 300, 2):
            checks.extend(second_write(pipe, i, expected))
        for i in range(20):
            pipe.append("forever:%d" % i, "+")
            pipe.rpush("ttl:%d" % i, "b")
            checks.extend([len("v%d+" % i), 2])
            expected["forever:%d" % i] = ("string", "v%d+" % i, None)
            expected["ttl:%d" % i] = ("list", ["a", "b"], LONG_S)
        self.assertEqual(pipe.execute(), checks)
        self.assertRestored(expected)


# What each of the 300 keys holds before it expires (seven types, all with SHORT_MS), and what
# every other one is written with afterwards: each write lands on an expired key of another
# type, with and without a new TTL. second_write returns the replies the client must get.

def first_write(pipe, i):
    key, kind = "mix:%d" % i, i % 7
    if kind == 0:
        pipe.set(key, "old%d" % i, px=SHORT_MS)
    elif kind == 1:
        pipe.set(key, 100 + i, px=SHORT_MS)
    else:
        if kind == 2:
            pipe.rpush(key, "old", "older")
        elif kind == 3:
            pipe.sadd(key, "old", "x")
        elif kind == 4:
            pipe.hset(key, mapping={"f": 10, "old": 1})
        elif kind == 5:
            pipe.zadd(key, {"old": 1, "x": 10})
        else:
            pipe.xadd(key, {"f": "old"}, id="9-9")
        pipe.pexpire(key, SHORT_MS)


def second_write(pipe, i, expected):
    key, op = "mix:%d" % i, (i // 2) % 11
    with_ttl = (i // 22) % 2 == 1
    if op == 0:
        pipe.set(key, "new%d" % i)
        replies, state = [True], ("string", "new%d" % i, None)
    elif op == 1:
        pipe.incr(key)
        replies, state = [1], ("string", "1", None)
    elif op == 2:
        pipe.append(key, "new")
        replies, state = [3], ("string", "new", None)
    elif op == 3:
        pipe.setrange(key, 1, "n")
        replies, state = [2], ("string", b"\0n", None)
    elif op == 4:
        pipe.set(key, "new", keepttl=True)
        replies, state = [True], ("string", "new", None)
    elif op == 5:
        pipe.rpush(key, "new")
        replies, state = [1], ("list", ["new"], None)
    elif op == 6:
        pipe.sadd(key, "x", "new")
        replies, state = [2], ("set", {"x", "new"}, None)
    elif op == 7:
        pipe.hincrby(key, "f", 3)
        replies, state = [3], ("hash", {"f": "3"}, None)
    elif op == 8:
        pipe.zincrby(key, 2, "x")
        replies, state = [2.0], ("zset", {"x": 2.0}, None)
    elif op == 9:
        pipe.xadd(key, {"f": "new"}, id="1-1")
        replies, state = [b"1-1"], ("stream", [(b"1-1", {b"f": b"new"})], None)
    else:
        pipe.set(key, "new%d" % i, ex=LONG_S)
        replies, state = [True], ("string", "new%d" % i, LONG_S)
        with_ttl = False
    if with_ttl:
        pipe.expire(key, LONG_S)
        replies.append(True)
        state = state[:2] + (LONG_S,)
    expected[key] = state
    return replies


class TestLazyExpiryThenShutdown(ExpiryRestartCases, ExpiryRestartTestCase):
    expiry, restart = "lazy", "shutdown"


class TestLazyExpiryThenKill(ExpiryRestartCases, ExpiryRestartTestCase):
    expiry, restart = "lazy", "kill"


class TestActiveExpiryThenShutdown(ExpiryRestartCases, ExpiryRestartTestCase):
    expiry, restart = "active", "shutdown"


class TestActiveExpiryThenKill(ExpiryRestartCases, ExpiryRestartTestCase):
    expiry, restart = "active", "kill"


if __name__ == "__main__":
    unittest.main(verbosity=2)
