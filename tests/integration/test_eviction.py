"""maxmemory and eviction, as a client sees them.

With maxmemory 32mb, each policy loads five times that much data through redis-py: used
memory stays within 5% of the limit, the right keys go (volatile-* never evicts a key without
a TTL, volatile-ttl the nearest expiry first, allkeys-lru the keys not read lately), noeviction
answers OOM and keeps every key it acknowledged, and after kill -9 a restart shows exactly the
keys that were there. Then the refusal rules of Redis 7.0 when memory is over the limit
(deny-oom commands, MULTI/EXEC, scripts), OBJECT FREQ, the "evicted" keyspace event and INFO's
evicted_keys; and the checks of Redis's own unit/maxmemory that apply to an external server.

Runs unchanged against redis-server (CAIRN_SERVER unset). Needs a jemalloc build: a
sanitizer build's allocator keeps no per-thread counters, and RSS cannot fall on eviction.
"""
import os
import shutil
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import redis  # noqa: E402

from harness import DurableServer, ServerProcess, ServerTestCase  # noqa: E402

MB = 1024 * 1024
LIMIT = 32 * MB
VALUE = b"v" * 1000
BATCH = 500
OOM = "OOM command not allowed when used memory > 'maxmemory'."
POLICIES = ["allkeys-lru", "allkeys-lfu", "allkeys-random", "volatile-lru", "volatile-lfu",
            "volatile-random", "volatile-ttl"]


def require_jemalloc(r):
    allocator = r.info("memory")["mem_allocator"]
    if not allocator.startswith("jemalloc"):
        raise unittest.SkipTest("eviction is measured with jemalloc's counters; this build "
                                "uses %s" % allocator)


def used_memory(r):
    return r.info("memory")["used_memory"]


def load(r, prefix, nbytes, ttl_for=None, errors=None):
    """SETs keys prefix:0, prefix:1... of VALUE until nbytes of values were sent, in pipelined
    batches. ttl_for(i) gives key i's TTL in seconds (None: no TTL). Returns (keys sent,
    highest used_memory seen after a batch); keys refused are added to errors (a set)."""
    n = nbytes // len(VALUE)
    peak = 0
    for start in range(0, n, BATCH):
        p = r.pipeline(transaction=False)
        for i in range(start, min(n, start + BATCH)):
            ttl = ttl_for(i) if ttl_for else None
            if ttl is None:
                p.set("%s:%d" % (prefix, i), VALUE)
            else:
                p.set("%s:%d" % (prefix, i), VALUE, ex=ttl)
        replies = p.execute(raise_on_error=False)
        for offset, reply in enumerate(replies):
            if isinstance(reply, Exception):
                if errors is None or not str(reply).startswith(OOM):
                    raise reply
                errors.add("%s:%d" % (prefix, start + offset))
        peak = max(peak, used_memory(r))
    return n, peak


class EvictionServer(object):
    """A server with maxmemory and a policy, started per test."""

    def __init__(self, policy, durable_root=None, extra=()):
        args = ["--maxmemory", str(LIMIT), "--maxmemory-policy", policy] + list(extra)
        self.server = DurableServer(durable_root, args) if durable_root else ServerProcess(args)
        self.server.start()
        self.r = self.server.client()
        require_jemalloc(self.r)

    def stop(self):
        self.r.close()
        self.server.stop()
        self.server.cleanup()


class TestPoliciesUnderLoad(unittest.TestCase):
    """Five times the limit, each policy."""

    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="cairn-evict-")
        self.servers = []

    def tearDown(self):
        for s in self.servers:
            s.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def start(self, policy, durable=False, extra=()):
        s = EvictionServer(policy, self.root if durable else None, extra)
        self.servers.append(s)
        return s

    def assertNearLimit(self, peak, policy):
        self.assertLessEqual(peak, LIMIT * 1.05, "%s: used_memory peaked at %.1f MB"
                             % (policy, peak / MB))

    def test_used_memory_stays_at_the_limit_under_every_policy(self):
        for policy in POLICIES:
            with self.subTest(policy=policy):
                s = self.start(policy)
                volatile = policy.startswith("volatile")
                n, peak = load(s.r, "k", 5 * LIMIT, (lambda i: 3600) if volatile else None)
                self.assertNearLimit(peak, policy)
                info = s.r.info("stats")
                self.assertGreater(info["evicted_keys"], n // 2, policy)
                self.assertEqual(info["evicted_clients"], 0)
                self.assertEqual(s.r.dbsize() + info["evicted_keys"], n, policy)

    def test_volatile_policies_never_evict_keys_without_ttl(self):
        for policy in [p for p in POLICIES if p.startswith("volatile")]:
            with self.subTest(policy=policy):
                s = self.start(policy)
                kept, _ = load(s.r, "keep", 8 * MB)
                _, peak = load(s.r, "ttl", 5 * LIMIT, lambda i: 3600)
                self.assertNearLimit(peak, policy)
                p = s.r.pipeline(transaction=False)
                for i in range(kept):
                    p.exists("keep:%d" % i)
                self.assertEqual(sum(p.execute()), kept, policy)

    def test_volatile_ttl_evicts_the_nearest_expiry_first(self):
        s = self.start("volatile-ttl")
        # Later keys expire sooner: volatile-ttl must keep the early ones (any LRU-like
        # choice would keep the late ones).
        n, peak = load(s.r, "t", 5 * LIMIT, lambda i: 1000000 - i)
        self.assertNearLimit(peak, "volatile-ttl")
        tenth = n // 10
        p = s.r.pipeline(transaction=False)
        for i in range(tenth):
            p.exists("t:%d" % i)
        early = sum(p.execute())
        p = s.r.pipeline(transaction=False)
        for i in range(n // 2, n):
            p.exists("t:%d" % i)
        late = sum(p.execute())
        self.assertGreater(early, tenth * 0.9, "of the %d farthest expiries" % tenth)
        # Sampling is approximate: redis-server 7.0 keeps about 9% of these.
        self.assertLess(late, (n - n // 2) * 0.15, "of the %d nearest expiries" % (n - n // 2))

    def test_allkeys_lru_keeps_keys_that_are_read(self):
        # The hot keys are written first and then read: eviction by age of write would take
        # them first, LRU must keep them. The LRU clock counts seconds (as Redis's), so the
        # cold keys get two seconds to age before the hot keys are read.
        s = self.start("allkeys-lru")
        hot = 2000
        load(s.r, "hot", hot * len(VALUE))
        load(s.r, "cold", 24 * MB)
        time.sleep(2.2)
        # Read in small pipelines: 2 MB of replies pending at once would count against the
        # limit (as in Redis) and evict keys while they are being read.
        for start in range(0, hot, 100):
            p = s.r.pipeline(transaction=False)
            for i in range(start, start + 100):
                p.get("hot:%d" % i)
            replies = p.execute()
            self.assertEqual(sum(1 for v in replies if v != VALUE), 0, "hot keys gone")
        _, peak = load(s.r, "new", 20 * MB)
        self.assertNearLimit(peak, "allkeys-lru")
        self.assertGreater(s.r.info("stats")["evicted_keys"], 0)
        p = s.r.pipeline(transaction=False)
        for i in range(hot):
            p.exists("hot:%d" % i)
        self.assertGreater(sum(p.execute()), hot * 0.95)

    def test_noeviction_answers_oom_and_keeps_every_acknowledged_key(self):
        s = self.start("noeviction")
        refused = set()
        n, peak = load(s.r, "k", 5 * LIMIT, errors=refused)
        self.assertNearLimit(peak, "noeviction")
        self.assertGreater(len(refused), n // 2)
        self.assertEqual(s.r.dbsize(), n - len(refused))
        self.assertEqual(s.r.info("stats")["evicted_keys"], 0)
        self.assertEqual(s.r.get("k:0"), VALUE)  # reads go on
        self.assertEqual(s.r.delete("k:0"), 1)   # and so do deletes

    def test_restart_after_kill9_shows_exactly_the_keys_that_were_there(self):
        for policy in ["allkeys-lru", "volatile-random"]:
            with self.subTest(policy=policy):
                s = self.start(policy, durable=True)
                # Under volatile-random only the first 4000 keys (4 MB) have no TTL.
                load(s.r, "k", 3 * LIMIT, lambda i: 3600 if i >= 4000 or i % 2 else None)
                before = set(s.r.keys("*"))
                self.assertGreater(len(before), 0)
                s.r.close()
                s.server.kill9()
                s.server.start()
                s.r = s.server.client()
                self.assertEqual(set(s.r.keys("*")), before, policy)
                s.stop()
                self.servers.remove(s)
                shutil.rmtree(self.root, ignore_errors=True)
                os.makedirs(self.root)


class TestOutOfMemoryRefusals(ServerTestCase):
    """maxmemory 1 under noeviction: always out of memory (Redis's own tests do the same)."""

    def setUp(self):
        super().setUp()
        self.other = self.server.client()
        self.r.set("x", "value")

    def tearDown(self):
        self.other.config_set("maxmemory", 0)
        self.other.config_set("maxmemory-policy", "noeviction")
        self.other.close()
        super().tearDown()

    def oom(self):
        self.other.config_set("maxmemory", 1)

    def test_deny_oom_commands_are_refused_and_reads_go_on(self):
        self.oom()
        self.assertErrorReply(["SET", "y", "1"], OOM)
        self.assertErrorReply(["HSET", "h", "f", "v"], OOM)
        self.assertErrorReply(["INCR", "n"], OOM)
        self.assertReply(["GET", "x"], "$", b"value")
        self.assertReply(["EXPIRE", "x", "100"], ":", 1)  # not deny-oom
        self.assertReply(["DEL", "x"], ":", 1)
        self.assertEqual(self.r.info("stats")["evicted_keys"], 0)

    def test_inside_multi_every_command_is_refused_and_exec_aborts(self):
        self.oom()
        self.assertReply(["MULTI"], "+", b"OK")
        self.assertErrorReply(["SET", "y", "1"], OOM)
        self.assertErrorReply(["GET", "x"], OOM)
        self.assertErrorReply(["EXEC"], "EXECABORT Transaction discarded because of previous "
                                        "errors.")

    def test_discard_works_during_oom(self):
        self.oom()
        self.assertReply(["MULTI"], "+", b"OK")
        self.assertErrorReply(["SET", "y", "1"], OOM)
        self.assertReply(["DISCARD"], "+", b"OK")
        self.assertReply(["PING"], "+", b"PONG")

    def test_exec_of_only_reads_is_not_refused(self):
        self.assertReply(["MULTI"], "+", b"OK")
        self.assertReply(["GET", "x"], "+", b"QUEUED")
        self.assertReply(["PING"], "+", b"QUEUED")
        self.oom()
        reply = self.cmd("EXEC")
        self.assertEqual(reply.to_py(), [b"value", b"PONG"])

    def test_exec_with_a_deny_oom_command_aborts(self):
        self.assertReply(["MULTI"], "+", b"OK")
        self.assertReply(["SET", "x", "1"], "+", b"QUEUED")
        self.assertReply(["GET", "x"], "+", b"QUEUED")
        self.oom()
        self.assertErrorReply(["EXEC"], "EXECABORT Transaction discarded because of: " + OOM)
        self.assertReply(["GET", "x"], "$", b"value")
        self.assertErrorReply(["EXEC"], "ERR EXEC without MULTI")

    def test_scripts_without_flags_may_read_but_not_write(self):
        self.oom()
        self.assertReply(["EVAL", "return redis.call('get', KEYS[1])", "1", "x"], "$",
                         b"value")
        reply = self.cmd("EVAL", "return redis.call('set', KEYS[1], 'b')", "1", "x")
        self.assertEqual(reply.type, "-")
        self.assertIn(OOM, reply.value.decode())
        self.assertEqual(self.r.get("x"), b"value")

    def test_scripts_with_flags_need_allow_oom(self):
        self.oom()
        self.assertErrorReply(["EVAL", "#!lua\nreturn redis.call('set', KEYS[1], 'b')", "1",
                               "x"], OOM)
        self.assertReply(["EVAL", "#!lua flags=allow-oom\nreturn redis.call('set', KEYS[1], 'b')",
                          "1", "x"], "+", b"OK")
        self.assertReply(["EVAL", "#!lua flags=no-writes\nreturn redis.call('get', KEYS[1])",
                          "1", "x"], "$", b"b")

    def test_a_volatile_policy_with_no_volatile_keys_answers_oom(self):
        self.other.config_set("maxmemory-policy", "volatile-lru")
        self.oom()
        self.assertErrorReply(["SET", "y", "1"], OOM)
        self.assertEqual(self.r.get("x"), b"value")


class TestEvictionVisibility(ServerTestCase):

    def tearDown(self):
        self.r.config_set("maxmemory", 0)
        self.r.config_set("maxmemory-policy", "noeviction")
        self.r.config_set("notify-keyspace-events", "")
        super().tearDown()

    def test_object_freq_counts_reads_under_lfu_and_idletime_refuses(self):
        self.r.config_set("maxmemory-policy", "allkeys-lfu")
        self.r.config_set("lfu-log-factor", 0)
        self.r.set("k", "v")
        self.assertEqual(self.r.object("freq", "k"), 5)
        for _ in range(10):
            self.r.get("k")
        self.assertEqual(self.r.object("freq", "k"), 15)
        with self.assertRaises(redis.ResponseError):
            self.r.object("idletime", "k")
        self.r.config_set("maxmemory-policy", "allkeys-lru")
        with self.assertRaises(redis.ResponseError):
            self.r.object("freq", "k")

    def test_eviction_settings_are_runtime_settable(self):
        for name, value in [("maxmemory-samples", "10"), ("maxmemory-eviction-tenacity", "50"),
                            ("lfu-log-factor", "20"), ("lfu-decay-time", "5")]:
            self.r.config_set(name, value)
            self.assertEqual(self.r.config_get(name), {name: value})
        with self.assertRaises(redis.ResponseError):
            self.r.config_set("maxmemory-eviction-tenacity", "101")
        self.r.config_set("maxmemory-samples", "5")
        self.r.config_set("maxmemory-eviction-tenacity", "10")
        self.r.config_set("lfu-log-factor", "10")
        self.r.config_set("lfu-decay-time", "1")

    def test_lowering_maxmemory_evicts_at_once_without_a_write(self):
        # Redis's unit/pubsub "evicted events" waits for the event right after CONFIG SET.
        self.r.config_set("notify-keyspace-events", "Ee")
        self.r.config_set("maxmemory-policy", "allkeys-lru")
        self.r.set("foo", "bar")
        sub = self.server.client().pubsub()
        sub.psubscribe("*")
        sub.get_message(timeout=1)  # the subscribe confirmation
        self.r.config_set("maxmemory", 1)
        message = None
        deadline = time.time() + 5
        while message is None and time.time() < deadline:
            m = sub.get_message(timeout=0.5)
            if m and m["type"] == "pmessage":
                message = m
        self.r.config_set("maxmemory", 0)
        sub.close()
        self.assertIsNotNone(message)
        self.assertEqual(message["channel"], b"__keyevent@0__:evicted")
        self.assertEqual(message["data"], b"foo")
        self.assertEqual(self.r.exists("foo"), 0)

    def test_lowering_maxmemory_far_below_use_evicts_down_to_it_without_writes(self):
        # One eviction cycle has a time limit (maxmemory-eviction-tenacity); past it a
        # background job goes on, as Redis's eviction time event does, with no command
        # arriving to evict for.
        require_jemalloc(self.r)
        self.r.config_set("maxmemory-policy", "allkeys-lru")
        # Commands (the INFO polls below among them) evict only 16 keys each at tenacity 0:
        # what frees the rest must be the background job.
        self.r.config_set("maxmemory-eviction-tenacity", 0)
        self.addCleanup(self.r.config_set, "maxmemory-eviction-tenacity", 10)
        load(self.r, "big", 40 << 20)
        limit = used_memory(self.r) // 3
        self.r.config_set("maxmemory", limit)
        deadline = time.time() + 20
        while used_memory(self.r) > limit and time.time() < deadline:
            time.sleep(0.1)
        self.assertLessEqual(used_memory(self.r), limit)
        self.assertGreater(self.r.info("stats")["evicted_keys"], 0)
        self.assertGreater(self.r.dbsize(), 0)

    def test_nothing_is_evicted_while_clients_are_paused(self):
        # As in Redis: CLIENT PAUSE holds the data still, expiry and eviction included; the
        # eviction waits for the pause to end.
        require_jemalloc(self.r)
        self.r.config_set("maxmemory-policy", "allkeys-lru")
        load(self.r, "held", 8 << 20)
        keys = self.r.dbsize()
        evicted = self.r.info("stats")["evicted_keys"]
        self.r.execute_command("CLIENT", "PAUSE", 1500, "WRITE")
        self.r.config_set("maxmemory", used_memory(self.r) // 2)
        for _ in range(5):
            time.sleep(0.1)
            self.r.get("held:1")
        self.assertEqual(self.r.dbsize(), keys)
        self.assertEqual(self.r.info("stats")["evicted_keys"], evicted)
        deadline = time.time() + 10
        while self.r.info("stats")["evicted_keys"] == evicted and time.time() < deadline:
            time.sleep(0.1)
        self.assertGreater(self.r.info("stats")["evicted_keys"], evicted)

    def test_evicted_keys_fire_the_evicted_event(self):
        require_jemalloc(self.r)
        self.r.config_set("notify-keyspace-events", "Ee")
        p = self.r.pipeline(transaction=False)
        for i in range(200):
            p.set("k:%d" % i, VALUE)
        p.execute()
        sub = self.server.client().pubsub()
        sub.psubscribe("__keyevent@*__:evicted")
        sub.get_message(timeout=1)  # the subscribe confirmation
        self.r.config_set("maxmemory-policy", "allkeys-random")
        self.r.config_set("maxmemory", used_memory(self.r) - 100 * 1024)
        self.r.set("trigger", "x")
        evicted = self.r.info("stats")["evicted_keys"]
        self.assertGreater(evicted, 0)
        self.r.config_set("maxmemory", 0)
        got = []
        deadline = time.time() + 5
        while len(got) < evicted and time.time() < deadline:
            m = sub.get_message(timeout=0.5)
            if m and m["type"] == "pmessage":
                got.append(m["data"])
        sub.close()
        self.assertEqual(len(got), evicted)
        self.assertEqual(self.r.exists(*got), 0)


class TestReplicaMaxmemory(unittest.TestCase):
    """replica-ignore-maxmemory: a replica holds what its primary holds, past its own maxmemory,
    unless the option is no; then it evicts by its own policy like a primary."""

    def replica_keys(self, ignore):
        primary = ServerProcess()
        primary.start()
        replica = ServerProcess(["--maxmemory", str(LIMIT), "--maxmemory-policy", "allkeys-lru",
                                 "--replica-ignore-maxmemory", ignore])
        replica.start()
        try:
            pr, rr = primary.client(), replica.client()
            require_jemalloc(rr)
            rr.execute_command("REPLICAOF", "127.0.0.1", primary.port)
            deadline = time.time() + 30
            while rr.info("replication")["master_link_status"] != "up":
                self.assertLess(time.time(), deadline, "the replica did not connect")
                time.sleep(0.05)
            sent, _ = load(pr, "k", 2 * LIMIT)
            pr.set("last", "1")
            while rr.get("last") != b"1":
                self.assertLess(time.time(), deadline, "the replica did not catch up")
                time.sleep(0.05)
            self.assertEqual(pr.dbsize(), sent + 1)
            return rr.dbsize(), sent + 1, used_memory(rr)
        finally:
            replica.stop()
            primary.stop()

    def test_a_replica_keeps_every_key_past_its_maxmemory_by_default(self):
        held, sent, used = self.replica_keys("yes")
        self.assertEqual(held, sent)
        self.assertGreater(used, LIMIT)

    def test_with_replica_ignore_maxmemory_no_a_replica_evicts_on_its_own(self):
        held, sent, used = self.replica_keys("no")
        self.assertLess(held, sent * 3 // 4)
        self.assertLess(used, LIMIT * 1.05)


class TestLazyFree(ServerTestCase):

    def tearDown(self):
        self.r.config_set("lazyfree-lazy-user-flush", "no")
        super().tearDown()

    def fill(self):
        p = self.r.pipeline(transaction=False)
        for i in range(20000):
            p.set("k:%d" % i, VALUE)
        p.execute()

    def test_flushall_async_empties_at_once_and_frees_in_the_background(self):
        require_jemalloc(self.r)
        before = used_memory(self.r)
        self.fill()
        self.assertGreater(used_memory(self.r), before + 15 * MB)
        self.assertTrue(self.r.flushall(asynchronous=True))
        self.assertEqual(self.r.dbsize(), 0)
        self.assertIsNone(self.r.get("k:0"))
        self.wait_for(lambda: used_memory(self.r) < before + 5 * MB, timeout=10,
                      msg="the flushed values to be freed")

    def test_lazyfree_lazy_user_flush_makes_a_plain_flush_lazy_and_sync_stays_sync(self):
        self.r.config_set("lazyfree-lazy-user-flush", "yes")
        self.assertEqual(self.r.config_get("lazyfree-lazy-user-flush"),
                         {"lazyfree-lazy-user-flush": "yes"})
        self.fill()
        self.assertTrue(self.r.flushdb())
        self.assertEqual(self.r.dbsize(), 0)
        self.fill()
        self.assertTrue(self.r.execute_command("FLUSHALL", "SYNC"))
        self.assertEqual(self.r.dbsize(), 0)


class TestRedisMaxmemoryUnit(ServerTestCase):
    """unit/maxmemory's checks for a server the test did not start itself: a limit 100 KB
    above current use, filled, then as many keys again (with the 5% allowance of this file in
    place of Redis's 4 KB: used_memory here includes the WAL's pending batch)."""

    def tearDown(self):
        self.r.config_set("maxmemory", 0)
        self.r.config_set("maxmemory-policy", "noeviction")
        super().tearDown()

    def fill(self, policy, setter):
        require_jemalloc(self.r)
        limit = used_memory(self.r) + 100 * 1024
        self.r.config_set("maxmemory", limit)
        self.r.config_set("maxmemory-policy", policy)
        numkeys = 0
        while used_memory(self.r) + 4096 <= limit:
            setter(numkeys)
            numkeys += 1
        self.assertGreater(numkeys, 10)
        return limit, numkeys

    def test_the_limit_is_honoured(self):
        for policy in POLICIES:
            with self.subTest(policy=policy):
                self.r.flushall()
                limit, numkeys = self.fill(policy, lambda i: self.r.setex("a:%d" % i, 10000, "x"))
                for j in range(numkeys):
                    self.r.setex("b:%d" % j, 10000, "x")
                self.assertLess(used_memory(self.r), limit * 1.05)

    def test_only_allkeys_policies_remove_keys_without_ttl(self):
        for policy in ["allkeys-random", "allkeys-lru", "volatile-lru", "volatile-random",
                       "volatile-ttl"]:
            with self.subTest(policy=policy):
                self.r.flushall()
                limit, numkeys = self.fill(policy, lambda i: self.r.set("a:%d" % i, "x"))
                err = False
                for j in range(numkeys):
                    try:
                        self.r.set("b:%d" % j, "x")
                    except redis.ResponseError as e:
                        err = err or "used memory" in str(e)
                if policy.startswith("allkeys"):
                    self.assertLess(used_memory(self.r), limit * 1.05)
                else:
                    self.assertTrue(err)

    def test_volatile_policies_remove_only_volatile_keys(self):
        for policy in ["volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"]:
            with self.subTest(policy=policy):
                self.r.flushall()

                def odd_volatile(i):
                    if i % 2:
                        self.r.setex("key:%d" % i, 10000, "x")
                    else:
                        self.r.set("key:%d" % i, "x")
                limit, numkeys = self.fill(policy, odd_volatile)
                for j in range(numkeys):
                    try:
                        self.r.setex("foo:%d" % j, 10000, "x")
                    except redis.ResponseError:
                        pass
                self.assertLess(used_memory(self.r), limit * 1.05)
                for j in range(0, numkeys, 2):
                    self.assertTrue(self.r.exists("key:%d" % j), "key:%d" % j)


if __name__ == "__main__":
    unittest.main(verbosity=2)
