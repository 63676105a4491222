"""MULTI/EXEC/WATCH through redis-py against the real server: pipeline()'s default
transaction, EXECABORT, WATCH-based optimistic locking under contention from many connections
(which the server spreads over its I/O threads), and atomicity seen from other connections.

Runs against redis-server 7.0 too (CAIRN_SERVER unset), which is how its expectations were
checked.
"""
import os
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import redis  # noqa: E402

from harness import ServerTestCase  # noqa: E402


class TestTransactions(ServerTestCase):

    def test_pipeline_wraps_commands_in_multi_exec_by_default(self):
        with self.r.pipeline() as pipe:
            pipe.set("a", 1).incr("a").get("a").rpush("l", "x", "y").lrange("l", 0, -1)
            self.assertEqual(pipe.execute(), [True, 2, b"2", 2, [b"x", b"y"]])

    def test_an_error_while_queueing_discards_the_transaction(self):
        self.r.set("a", "before")
        with self.r.pipeline() as pipe:
            pipe.set("a", "after")
            pipe.execute_command("NOSUCHCOMMAND")
            # redis-py reports the queueing error (the server answered EXEC with EXECABORT).
            with self.assertRaises(redis.ResponseError) as ctx:
                pipe.execute()
            self.assertIn("unknown command", str(ctx.exception))
        self.assertEqual(self.r.get("a"), b"before")

    def test_a_runtime_error_fails_only_its_command(self):
        self.r.set("s", "text")
        with self.r.pipeline() as pipe:
            pipe.incr("s").set("b", 1)
            replies = pipe.execute(raise_on_error=False)
        self.assertIsInstance(replies[0], redis.ResponseError)
        self.assertEqual(replies[1], True)
        self.assertEqual(self.r.get("b"), b"1")

    def test_watch_fails_exec_when_another_connection_writes(self):
        other = self.server.client()
        with self.r.pipeline() as pipe:
            pipe.watch("k")
            other.set("k", "changed")
            pipe.multi()
            pipe.set("k", "mine")
            with self.assertRaises(redis.WatchError):
                pipe.execute()
        self.assertEqual(self.r.get("k"), b"changed")

    def test_swapdb_fails_exec_when_the_watched_key_arrives_from_the_other_db(self):
        # The key exists only in db 1: SWAPDB brings it into the watched db 0.
        self.r.execute_command("SELECT", 1)
        self.r.set("w", "from-db1")
        self.r.execute_command("SELECT", 0)
        with self.r.pipeline() as pipe:
            pipe.watch("w")
            self.server.client().swapdb(0, 1)
            pipe.multi()
            pipe.set("other", "x")
            with self.assertRaises(redis.WatchError):
                pipe.execute()
        self.assertEqual(self.r.get("w"), b"from-db1")
        self.assertIsNone(self.r.get("other"))

    def test_watch_fails_exec_when_the_key_expires(self):
        self.r.set("k", "v", px=50)
        with self.r.pipeline() as pipe:
            pipe.watch("k")
            time.sleep(0.2)
            pipe.multi()
            pipe.set("other", "x")
            with self.assertRaises(redis.WatchError):
                pipe.execute()
        self.assertIsNone(self.r.get("other"))

    def test_optimistic_locking_under_contention_counts_every_successful_exec(self):
        threads, attempts = 8, 60
        successes = [0] * threads

        def worker(i):
            r = self.server.client()
            for _ in range(attempts):
                with r.pipeline() as pipe:
                    try:
                        pipe.watch("counter")
                        value = int(pipe.get("counter") or 0)
                        pipe.multi()
                        pipe.set("counter", value + 1)
                        pipe.execute()
                        successes[i] += 1
                    except redis.WatchError:
                        pass
            r.close()

        ts = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(60)
        self.assertGreater(sum(successes), 0)
        self.assertEqual(int(self.r.get("counter")), sum(successes))

    def test_other_connections_never_see_half_a_transaction(self):
        self.r.mset({"a": 0, "b": 0})
        stop = threading.Event()
        torn = []

        def reader():
            r = self.server.client()
            while not stop.is_set():
                a, b = r.mget("a", "b")
                if a != b:
                    torn.append((a, b))
            r.close()

        readers = [threading.Thread(target=reader) for _ in range(3)]
        for t in readers:
            t.start()
        for _ in range(300):
            with self.r.pipeline() as pipe:
                pipe.incr("a").incr("b").execute()
        stop.set()
        for t in readers:
            t.join(30)
        self.assertEqual(torn, [])
        self.assertEqual(self.r.mget("a", "b"), [b"300", b"300"])

    def test_blocking_commands_inside_exec_do_not_block(self):
        with self.r.pipeline() as pipe:
            pipe.blpop("empty", 0).brpoplpush("empty", "dst", 0)
            self.assertEqual(pipe.execute(), [None, None])


class TestOneTimePerCall(ServerTestCase):
    """As in Redis 7.0, a transaction or a script runs at one time: a key it saw, or made with
    a TTL, does not expire before it ends, and SET ... PX 1 always stores the key (which
    then expires and is reported as expired, not deleted by the SET itself)."""

    server_args = ["--enable-debug-command", "yes"]

    def test_a_key_set_to_expire_in_1ms_lives_until_the_transaction_ends(self):
        with self.r.pipeline() as pipe:
            pipe.set("k", "v", px=1).execute_command("DEBUG", "SLEEP", "0.05")
            pipe.exists("k").get("k")
            self.assertEqual(pipe.execute()[2:], [1, b"v"])
        time.sleep(0.01)
        self.assertEqual(self.r.exists("k"), 0)

    def test_a_key_set_to_expire_in_1ms_lives_until_the_script_ends(self):
        script = """
            redis.call('set', KEYS[1], 'v', 'px', 1)
            local t = redis.call('time')
            repeat
                local u = redis.call('time')
            until (u[1] - t[1]) * 1000000 + (u[2] - t[2]) > 20000
            return {redis.call('exists', KEYS[1]), redis.call('get', KEYS[1])}
        """
        self.assertEqual(self.r.eval(script, 1, "k"), [1, b"v"])
        time.sleep(0.01)
        self.assertEqual(self.r.exists("k"), 0)

    def test_set_px_1_always_stores_the_key_and_it_expires_as_expired(self):
        # Each SET reads the clock once: were the deadline and the check of "already past"
        # two readings, a millisecond tick between them would delete the key inside the SET
        # ("del", not "expired"), and a NOLOOP tracking client would never hear of it.
        self.r.config_set("notify-keyspace-events", "Egx")
        events = self.server.client().pubsub()
        events.psubscribe("__keyevent@0__:*")
        self.assertEqual(events.get_message(timeout=5)["type"], "psubscribe")
        with self.r.pipeline(transaction=False) as pipe:
            for i in range(1000):
                pipe.set("k%d" % i, "v", px=1)
            self.assertEqual(pipe.execute(), [True] * 1000)
        expired, deleted = set(), set()
        deadline = time.time() + 20
        while len(expired) < 1000 and time.time() < deadline:
            m = events.get_message(timeout=1)
            if m is None or m["type"] != "pmessage":
                continue
            if m["channel"] == b"__keyevent@0__:expired":
                expired.add(m["data"])
            elif m["channel"] == b"__keyevent@0__:del":
                deleted.add(m["data"])
        events.close()
        self.r.config_set("notify-keyspace-events", "")
        self.assertEqual(deleted, set())
        self.assertEqual(len(expired), 1000)


if __name__ == "__main__":
    unittest.main()
