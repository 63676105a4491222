"""Lists through redis-py against the real server: the commands, blocking pops served across
connections (which the server spreads over its I/O threads), queue workers moving jobs with
BLMOVE/BRPOPLPUSH, timeouts, compressed lists (list-compress-depth) against a real
redis-server, and lists surviving a crash (WAL replay and snapshot).

Run: CAIRN_SERVER=build/src/cairn-server /usr/bin/python3 -m unittest -v tests/integration/test_lists.py
"""

import os
import random
import shutil
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import redis  # noqa: E402
from harness import (DurableServer, ReferenceServerTestCase, ServerTestCase,  # noqa: E402
                     encode_command, is_reference_redis, main, skip_on_reference)

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
# The cross-connection tests need the server's registry of blocked clients (src/exec/blocking.h).
REGISTRY_LANDED = True


class TestListCommands(ServerTestCase):
    def test_push_pop_and_range(self):
        r = self.r
        self.assertEqual(r.rpush("l", "a", "b", "c"), 3)
        self.assertEqual(r.lpush("l", "z"), 4)
        self.assertEqual(r.lrange("l", 0, -1), [b"z", b"a", b"b", b"c"])
        self.assertEqual(r.lpop("l"), b"z")
        self.assertEqual(r.rpop("l", 2), [b"c", b"b"])
        self.assertEqual(r.lpop("l", 0), [])
        self.assertEqual(r.llen("l"), 1)
        self.assertEqual(r.lpop("l", 5), [b"a"])
        self.assertEqual(r.exists("l"), 0)
        self.assertIsNone(r.lpop("l"))
        self.assertIsNone(r.lpop("l", 3))

    def test_pushx_only_on_existing_lists(self):
        self.assertEqual(self.r.lpushx("l", "a"), 0)
        self.r.rpush("l", "m")
        self.assertEqual(self.r.lpushx("l", "a"), 2)
        self.assertEqual(self.r.rpushx("l", "z"), 3)
        self.assertEqual(self.r.lrange("l", 0, -1), [b"a", b"m", b"z"])

    def test_index_set_insert_rem_trim(self):
        r = self.r
        r.rpush("l", *"abcdef")
        self.assertEqual(r.lindex("l", -1), b"f")
        self.assertIsNone(r.lindex("l", 6))
        self.assertTrue(r.lset("l", 1, "B"))
        self.assertEqual(r.linsert("l", "AFTER", "B", "x"), 7)
        self.assertEqual(r.linsert("l", "BEFORE", "nothere", "x"), -1)
        self.assertEqual(r.lrem("l", 0, "x"), 1)
        self.assertTrue(r.ltrim("l", 1, -2))
        self.assertEqual(r.lrange("l", 0, -1), [b"B", b"c", b"d", b"e"])
        with self.assertRaises(redis.ResponseError) as e:
            r.lset("l", 10, "q")
        self.assertEqual(str(e.exception), "index out of range")

    def test_lpos_options(self):
        self.r.rpush("l", *"xyxzxyx")
        self.assertEqual(self.r.lpos("l", "x"), 0)
        self.assertEqual(self.r.lpos("l", "x", rank=-1, count=0), [6, 4, 2, 0])
        self.assertEqual(self.r.lpos("l", "x", rank=2, count=2), [2, 4])
        self.assertEqual(self.r.lpos("l", "x", rank=-2, count=0, maxlen=3), [4])
        self.assertIsNone(self.r.lpos("l", "q"))

    def test_lmove_rpoplpush_and_lmpop(self):
        r = self.r
        r.rpush("src", 1, 2, 3)
        self.assertEqual(r.lmove("src", "dst", "RIGHT", "LEFT"), b"3")
        self.assertEqual(r.rpoplpush("src", "dst"), b"2")
        self.assertEqual(r.lmove("dst", "dst", "LEFT", "RIGHT"), b"2")
        self.assertEqual(r.lrange("dst", 0, -1), [b"3", b"2"])
        self.assertEqual(r.lmpop(2, "nosuch", "dst", direction="LEFT", count=5),
                         [b"dst", [b"3", b"2"]])
        self.assertIsNone(r.lmpop(1, "dst", direction="LEFT"))

    def test_wrong_type(self):
        self.r.set("s", "v")
        for call in (lambda: self.r.lpush("s", "a"), lambda: self.r.lrange("s", 0, -1),
                     lambda: self.r.lmove("s", "d", "LEFT", "LEFT")):
            with self.assertRaises(redis.ResponseError) as e:
                call()
            self.assertEqual(str(e.exception), WRONGTYPE)
        self.assertEqual(self.r.get("s"), b"v")

    def test_null_shapes_in_resp2_and_resp3(self):
        nulls = [("LPOP", "nosuch"), ("LPOP", "nosuch", "2"), ("LMPOP", "1", "nosuch", "LEFT"),
                 ("BLPOP", "nosuch", "0.05"), ("BLMOVE", "nosuch", "d", "LEFT", "LEFT", "0.05")]
        resp2 = self.raw(b"".join(encode_command(*c) for c in nulls), replies=len(nulls))
        self.assertEqual(resp2, b"$-1\r\n" + b"*-1\r\n" * 4)
        hello = encode_command("HELLO", "3")
        resp3 = self.raw(hello + b"".join(encode_command(*c) for c in nulls),
                         replies=len(nulls) + 1)
        self.assertTrue(resp3.endswith(b"_\r\n" * len(nulls)), resp3[-60:])

    def test_object_encoding_and_a_large_list(self):
        p = self.r.pipeline(transaction=False)
        for i in range(100):
            p.rpush("big", *["v%d" % j for j in range(i * 1000, (i + 1) * 1000)])
        p.execute()
        self.assertEqual(self.r.llen("big"), 100000)
        self.assertEqual(self.r.lindex("big", 54321), b"v54321")
        self.assertEqual(self.r.object("encoding", "big"), b"quicklist")

    def test_blocking_pop_times_out_with_nil(self):
        self.assertIsNone(self.r.blpop(["nosuch"], 0.1))
        self.assertIsNone(self.r.brpoplpush("nosuch", "d", 0.1))
        self.assertIsNone(self.r.blmove("nosuch", "d", 0.1, "LEFT", "RIGHT"))
        self.assertIsNone(self.r.blmpop(0.1, 1, "nosuch", direction="LEFT"))
        self.assertEqual(self.r.exists("d"), 0)

    def test_blocking_pop_with_an_element_there_replies_at_once(self):
        self.r.rpush("q", "a", "b")
        self.assertEqual(self.r.blpop(["empty", "q"], 0), (b"q", b"a"))
        self.assertEqual(self.r.brpop(["q"], 0), (b"q", b"b"))


def wait_blocked(r, n, timeout=10.0):
    """Waits until n clients are blocked (INFO clients: blocked_clients)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if r.info("clients").get("blocked_clients", 0) >= n:
            return
        time.sleep(0.01)
    raise AssertionError("%d clients never blocked" % n)


@unittest.skipIf(not REGISTRY_LANDED and not is_reference_redis(),
                 "needs the blocking registry")
class TestBlockingAcrossConnections(ServerTestCase):
    server_args = () if is_reference_redis() else ("--threads", "4")  # clients on many threads

    def run_in_thread(self, fn):
        out = {}
        t = threading.Thread(target=lambda: out.setdefault("v", fn()), daemon=True)
        t.start()
        return t, out

    def test_blpop_is_served_by_a_push_from_another_connection(self):
        c = self.server.client()
        t, out = self.run_in_thread(lambda: c.blpop(["q"], 10))
        wait_blocked(self.r, 1)
        self.assertEqual(self.r.rpush("q", "job"), 1)
        t.join(10)
        self.assertEqual(out.get("v"), (b"q", b"job"))
        self.assertEqual(self.r.exists("q"), 0)
        c.close()

    def test_blocked_clients_are_served_in_arrival_order(self):
        clients = [self.server.client() for _ in range(3)]
        waits = []
        for i, c in enumerate(clients):
            waits.append(self.run_in_thread(lambda c=c: c.blpop(["q"], 10)))
            wait_blocked(self.r, i + 1)
        self.r.rpush("q", "first", "second", "third")
        for (t, _), c in zip(waits, clients):
            t.join(10)
            c.close()
        self.assertEqual([out.get("v") for _, out in waits],
                         [(b"q", b"first"), (b"q", b"second"), (b"q", b"third")])

    def test_blmove_waiter_is_served_and_the_destination_wakes_another(self):
        a, b = self.server.client(), self.server.client()
        ta, out_a = self.run_in_thread(lambda: a.blmove("jobs", "working", 10, "LEFT", "RIGHT"))
        wait_blocked(self.r, 1)
        tb, out_b = self.run_in_thread(lambda: b.blpop(["working"], 10))
        wait_blocked(self.r, 2)
        self.r.rpush("jobs", "j1")
        ta.join(10)
        tb.join(10)
        self.assertEqual(out_a.get("v"), b"j1")
        self.assertEqual(out_b.get("v"), (b"working", b"j1"))
        a.close()
        b.close()

    def test_blocking_timeout_replies_nil_while_others_wait(self):
        c = self.server.client()
        self.assertIsNone(c.brpoplpush("nothing", "d", 0.2))
        self.assertEqual(self.r.exists("d"), 0)
        c.close()

    def test_queue_workers_move_every_job_exactly_once(self):
        jobs = ["job%d" % i for i in range(300)]
        done = []
        lock = threading.Lock()

        def worker():
            c = self.server.client()
            while True:
                job = c.brpoplpush("queue", "processing", 2)
                if job is None:
                    break
                c.lrem("processing", 1, job)
                if job == b"stop":
                    break
                with lock:
                    done.append(job)
            c.close()

        threads = [threading.Thread(target=worker, daemon=True) for _ in range(4)]
        for t in threads:
            t.start()
        wait_blocked(self.r, 4)
        p = self.r.pipeline(transaction=False)
        for job in jobs:
            p.lpush("queue", job)
        p.execute()
        for _ in threads:
            self.r.lpush("queue", "stop")
        for t in threads:
            t.join(30)
        self.assertEqual(sorted(done), sorted(j.encode() for j in jobs))
        self.assertEqual(self.r.llen("processing"), 0)


def log_line(i):
    return "event:%d:user:%d:action:click:page:/home/index.html" % (i, i % 97)


class TestCompressedLists(ReferenceServerTestCase):
    """list-compress-depth: inner nodes held LZF-compressed. The same random commands go to
    cairn and to redis-server with the same settings, and every reply must agree."""

    server_args = ["--enable-debug-command", "yes"]

    def tearDown(self):
        for r in (self.r, self.ref):
            r.config_set("list-compress-depth", 0)
            r.config_set("list-max-listpack-size", -2)
        super().tearDown()

    def test_random_commands_on_a_compressed_list_agree_with_redis(self):
        rng = random.Random(17)
        for r in (self.r, self.ref):
            r.config_set("list-compress-depth", 2)
            r.config_set("list-max-listpack-size", 16)
            r.rpush("l", *[log_line(i) for i in range(3000)])

        def both(*cmd):
            mine, theirs = [], []
            for r, out in ((self.r, mine), (self.ref, theirs)):
                try:
                    out.append(r.execute_command(*cmd))
                except redis.ResponseError as e:
                    out.append("error: %s" % e)
            self.assertEqual(mine, theirs, cmd)

        for step in range(1500):
            n = self.ref.llen("l")
            i = rng.randrange(-n, n) if n else 0
            v = log_line(rng.randrange(100000)) if rng.random() < 0.9 else str(rng.randrange(99))
            kind = rng.randrange(10)
            if kind < 2:
                both(rng.choice(["LPUSH", "RPUSH"]), "l", v)
            elif kind == 2:
                both(rng.choice(["LPOP", "RPOP"]), "l", rng.randrange(1, 4))
            elif kind == 3:
                both("LSET", "l", i, v)
            elif kind == 4 and n:
                pivot = self.ref.lindex("l", i)
                both("LINSERT", "l", rng.choice(["BEFORE", "AFTER"]), pivot, v)
            elif kind == 5 and n:
                both("LREM", "l", rng.choice([-1, 1, 0]), self.ref.lindex("l", i))
            elif kind == 6:
                both("LINDEX", "l", i)
                both("LPOS", "l", self.ref.lindex("l", i) or "x", "RANK", rng.choice([1, -1]))
            elif kind == 7:
                both("LRANGE", "l", i, i + rng.randrange(50))
            elif kind == 8 and rng.random() < 0.1:
                both("LTRIM", "l", rng.randrange(3), -1 - rng.randrange(3))
            else:
                ends = ["LEFT", "RIGHT"]
                both("LMOVE", "l", "l", rng.choice(ends), rng.choice(ends))
            if step % 300 == 0:
                both("LRANGE", "l", 0, -1)
        both("LRANGE", "l", 0, -1)
        self.assertIn(b"ql_compressed:1", self.r.execute_command("DEBUG", "OBJECT", "l"))

    def test_a_compressed_list_takes_a_fraction_of_the_memory(self):
        lines = [log_line(i) for i in range(100000)]
        self.r.rpush("plain", *lines)
        self.r.config_set("list-compress-depth", 1)
        self.r.rpush("compressed", *lines)
        self.ref.config_set("list-compress-depth", 1)
        self.ref.rpush("compressed", *lines)
        plain = self.r.memory_usage("plain", samples=0)
        compressed = self.r.memory_usage("compressed", samples=0)
        redis_compressed = self.ref.memory_usage("compressed", samples=0)
        # Redis holds this list in 0.92 MB compressed (5.6 MB plain).
        self.assertLess(compressed * 5, plain)
        self.assertLess(compressed, redis_compressed * 1.2)
        # A list keeps the depth it was created with, as in Redis.
        self.r.config_set("list-compress-depth", 0)
        self.r.rpush("compressed", "more")
        self.assertIn(b"ql_compressed:1", self.r.execute_command("DEBUG", "OBJECT", "compressed"))
        self.assertIn(b"ql_compressed:0", self.r.execute_command("DEBUG", "OBJECT", "plain"))
        self.assertEqual(self.r.lindex("compressed", 50000), lines[50000].encode())
        self.assertEqual(self.r.lrange("compressed", 0, -1)[:-1], self.r.lrange("plain", 0, -1))


@skip_on_reference("cairn's own WAL and snapshot")
class TestListsSurviveACrash(unittest.TestCase):
    def test_lists_come_back_after_kill_9_from_the_log_and_a_snapshot(self):
        self.check_lists_come_back(())

    def test_compressed_lists_come_back_after_kill_9(self):
        self.check_lists_come_back(("--list-compress-depth", "1", "--list-max-listpack-size", "64",
                                    "--enable-debug-command", "yes"))

    def check_lists_come_back(self, extra_args):
        root = tempfile.mkdtemp(prefix="cairn-lists-")
        server = DurableServer(root, extra_args)
        try:
            server.start()
            r = server.client()
            r.rpush("l", *["e%d" % i for i in range(5000)])
            r.lpush("l", "head", "12345", "-0")
            r.lset("l", 100, "set")
            r.linsert("l", "AFTER", "e2000", "inserted")
            r.lrem("l", -2, "e10")
            r.ltrim("l", 1, -2)
            r.rpush("other", "x", "y")
            r.lmove("other", "l", "LEFT", "LEFT")
            r.lpop("l", 3)
            expected = r.lrange("l", 0, -1)
            server.kill9()
            server.start()
            r = server.client()
            self.assertEqual(r.lrange("l", 0, -1), expected)
            self.assertEqual(r.lrange("other", 0, -1), [b"y"])
            r.execute_command("BGSAVE")
            r.rpush("l", "after-snapshot")
            deadline = time.time() + 10
            while r.info("persistence").get("rdb_bgsave_in_progress", 0) and time.time() < deadline:
                time.sleep(0.05)
            r.rpop("other")
            expected = r.lrange("l", 0, -1)
            server.kill9()
            server.start()
            r = server.client()
            self.assertEqual(r.lrange("l", 0, -1), expected)
            self.assertEqual(r.exists("other"), 0)
            if "--list-compress-depth" in extra_args:  # rebuilt with the configured depth
                self.assertIn(b"ql_compressed:1", r.execute_command("DEBUG", "OBJECT", "l"))
        finally:
            server.stop()
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
