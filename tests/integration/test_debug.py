"""DEBUG's subcommands as Redis's test suite, client libraries' tests and operators use them,
checked against redis-server 7.0 first (run with CAIRN_SERVER unset).

DIGEST and DIGEST-VALUE are checked against this file's own implementation of Redis's
algorithm, computed from what the server returns to plain reads: the same digits on both
servers, so a cairn replica can be compared with a Redis primary. POPULATE, RELOAD,
PROTOCOL, ERROR, LOG, the switches (SET-ACTIVE-EXPIRE, PAUSE-CRON,
SET-SKIP-CHECKSUM-VALIDATION, SET-DISABLE-DENY-SCRIPTS), QUICKLIST-PACKED-THRESHOLD,
STRINGMATCH-TEST and SEGFAULT follow, LOADAOF (the data back from the log), then what
cairn adds: POPULATE's and RELOAD's writes are
logged, so they survive kill -9.

Run: /usr/bin/python3 -m unittest -v tests/integration/test_debug.py
"""

import hashlib
import os
import shutil
import struct
import sys
import tempfile
import threading
import time
import unittest

import redis

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (DurableServer, ServerProcess, ServerTestCase, main,  # noqa: E402
                     is_reference_redis, persistence_args, skip_on_reference, wait_until)

DEBUG_ARGS = ["--enable-debug-command", "yes"]
ZEROS = "0" * 40
TYPE_CODES = {b"string": 0, b"list": 1, b"set": 2, b"zset": 3, b"hash": 4, b"stream": 6}


def text(reply):
    return reply.decode() if isinstance(reply, bytes) else reply


def _sha1(data):
    return hashlib.sha1(data).digest()


def _xor(digest, data):
    return bytes(a ^ b for a, b in zip(digest, _sha1(data)))


def _mix(digest, data):
    return _sha1(_xor(digest, data))


def _pair(a, b):
    return _mix(_mix(bytes(20), a), b)


def value_digest(r, key, start=bytes(20)):
    """Redis's digest of key's value, from what r returns to plain reads."""
    kind = r.type(key)
    d = _mix(start, struct.pack(">I", TYPE_CODES[kind]))
    if kind == b"string":
        d = _mix(d, r.get(key))
    elif kind == b"list":
        for item in r.lrange(key, 0, -1):
            d = _mix(d, item)
    elif kind == b"set":
        for member in r.smembers(key):
            d = _xor(d, member)
    elif kind == b"zset":
        for member, score in r.zrange(key, 0, -1, withscores=True, score_cast_func=bytes):
            d = _xor(d, _pair(member, (b"%.17g" % float(score))))
    elif kind == b"hash":
        for field, value in r.hgetall(key).items():
            d = _xor(d, _pair(field, value))
    elif kind == b"stream":
        for entry_id, fields in r.xrange(key, "-", "+"):
            d = _mix(d, entry_id.replace(b"-", b"."))
            for field, value in fields.items():
                d = _mix(_mix(d, field), value)
    if r.pttl(key) > 0:
        d = _xor(d, b"!!expire!!")
    return d


def dataset_digest(port):
    final = bytes(20)
    for db in range(16):
        r = redis.Redis(port=port, db=db)
        keys = list(r.scan_iter(count=1000))
        if not keys:
            continue
        final = _mix(final, struct.pack(">I", db))
        for key in keys:
            final = _xor(final, value_digest(r, key, _mix(bytes(20), key)))
    return final.hex()


def fill_every_type(r):
    r.set("str", "hello")
    r.set("int", 12345)
    r.set("ttl", "v", ex=1000)
    r.rpush("list", "a", "b", 3, "a")
    r.sadd("intset", 3, 1, 2)
    r.sadd("set", "x", "y", *range(200))
    r.zadd("zsmall", {"a": 1, "b": 2.5, "c": -0.1})
    r.zadd("zbig", {"m%d" % i: i / 7 for i in range(300)})
    r.zadd("zinf", {"lo": float("-inf"), "hi": float("inf")})
    r.hset("hsmall", mapping={"f": "v", "n": 1})
    r.hset("hbig", mapping={"f%d" % i: "v" * i for i in range(200)})
    r.xadd("stream", {"a": 1, "b": "two"}, id="1-1")
    r.xadd("stream", {"c": 3}, id="2-5")
    r.xgroup_create("stream", "g", id="0")
    redis.Redis(port=r.connection_pool.connection_kwargs["port"], db=3).set("other-db", "x")


class DebugTestCase(ServerTestCase):
    server_args = DEBUG_ARGS

    def setUp(self):
        super().setUp()
        for db in range(16):
            redis.Redis(port=self.port, db=db).flushdb()

    def debug(self, *args):
        return self.r.execute_command("DEBUG", *args)

    def error(self, *args):
        with self.assertRaises(redis.ResponseError) as cm:
            self.r.execute_command(*args)
        return str(cm.exception)


class TestDigest(DebugTestCase):
    def digest(self):
        return text(self.debug("DIGEST"))

    def test_an_empty_dataset_is_forty_zeros(self):
        self.assertEqual(self.digest(), ZEROS)

    def test_every_type_digests_as_redis_computes_it(self):
        fill_every_type(self.r)
        self.assertEqual(self.digest(), dataset_digest(self.port))

    def test_digest_value_is_each_values_own_digest(self):
        fill_every_type(self.r)
        keys = sorted(self.r.keys())
        got = self.r.execute_command("DEBUG", "DIGEST-VALUE", *keys)
        want = [value_digest(self.r, k).hex() for k in keys]
        self.assertEqual([text(g) for g in got], want)

    def test_digest_value_of_a_missing_key_is_zeros_and_of_no_key_empty(self):
        self.assertEqual([text(d) for d in self.debug("DIGEST-VALUE", "nokey")], [ZEROS])
        self.assertEqual(self.r.execute_command("DEBUG", "DIGEST-VALUE"), [])

    def test_order_of_members_does_not_matter_order_of_elements_does(self):
        self.r.sadd("s1", "a", "b", "c")
        self.r.sadd("s2", "c", "b", "a")
        self.r.rpush("l1", "a", "b")
        self.r.rpush("l2", "b", "a")
        d = self.r.execute_command("DEBUG", "DIGEST-VALUE", "s1", "s2", "l1", "l2")
        self.assertEqual(d[0], d[1])
        self.assertNotEqual(d[2], d[3])

    def test_any_change_changes_the_digest_and_undoing_it_restores_it(self):
        fill_every_type(self.r)
        before = self.digest()
        self.r.hset("hbig", "f3", "changed")
        self.assertNotEqual(self.digest(), before)
        self.r.hset("hbig", "f3", "vvv")
        self.assertEqual(self.digest(), before)
        self.r.persist("ttl")
        self.assertNotEqual(self.digest(), before)

    def test_digest_inside_multi_sees_the_transactions_own_writes(self):
        pipe = self.r.pipeline(transaction=True)
        pipe.set("a", "1")
        pipe.execute_command("DEBUG", "DIGEST")
        _, inside = pipe.execute()
        self.assertEqual(text(inside), self.digest())
        self.assertNotEqual(text(inside), ZEROS)


class TestPopulate(DebugTestCase):
    def test_creates_count_keys_with_redis_names_and_values(self):
        self.assertTrue(self.debug("POPULATE", 10))
        self.assertEqual(self.r.dbsize(), 10)
        self.assertEqual(self.r.get("key:3"), b"value:3")

    def test_prefix_and_size(self):
        self.debug("POPULATE", 3, "p", 10)
        self.assertEqual(self.r.get("p:1"), b"value:1\x00\x00\x00")
        self.debug("POPULATE", 2, "s", 3)
        self.assertEqual(self.r.get("s:1"), b"val")

    def test_existing_keys_are_kept(self):
        self.r.set("key:0", "mine")
        self.debug("POPULATE", 2)
        self.assertEqual(self.r.get("key:0"), b"mine")
        self.assertEqual(self.r.get("key:1"), b"value:1")

    def test_bad_counts(self):
        self.assertEqual(self.error("DEBUG", "POPULATE", -1),
                         "value is out of range, must be positive")
        self.assertEqual(self.error("DEBUG", "POPULATE", "x"),
                         "value is out of range, must be positive")
        self.assertEqual(self.error("DEBUG", "POPULATE", 1, "k", -5),
                         "value is out of range, must be positive")
        self.assertEqual(self.r.dbsize(), 0)


    @skip_on_reference("Redis allocates whatever size it is given")
    def test_a_value_larger_than_a_client_may_send_is_refused(self):
        self.assertEqual(self.error("DEBUG", "POPULATE", 1, "k", 600 * 1024 * 1024),
                         "string exceeds maximum allowed size (proto-max-bulk-len)")
        self.assertEqual(self.r.dbsize(), 0)


class TestReload(DebugTestCase):
    def test_every_type_and_ttl_and_library_survive_a_reload(self):
        fill_every_type(self.r)
        self.r.function_load("#!lua name=lib\nredis.register_function('f', function() return 7 end)")
        before = self.debug("DIGEST")
        self.assertTrue(self.debug("RELOAD"))
        self.assertEqual(self.debug("DIGEST"), before)
        self.assertGreater(self.r.ttl("ttl"), 990)
        self.assertEqual(self.r.fcall("f", 0), 7)
        self.assertEqual(self.r.xinfo_groups("stream")[0]["name"], b"g")

    def test_a_hash_that_shrank_is_compact_again_after_a_reload(self):
        self.r.hset("h", mapping={"f%d" % i: "v" for i in range(600)})  # past 512 entries
        self.r.hdel("h", *["f%d" % i for i in range(2, 600)])
        self.assertEqual(self.r.object("encoding", "h"), b"hashtable")
        self.debug("RELOAD")
        self.assertEqual(self.r.object("encoding", "h"), b"listpack")
        self.assertEqual(self.r.hgetall("h"), {b"f0": b"v", b"f1": b"v"})

    def test_nosave_loads_the_file_on_disk(self):
        self.r.set("saved", "1")
        self.r.save()
        self.r.set("later", "2")
        self.debug("RELOAD", "NOSAVE")
        self.assertEqual(self.r.get("saved"), b"1")
        self.assertIsNone(self.r.get("later"))

    def test_noflush_merge_adds_the_file_to_the_data(self):
        self.r.set("a", "from-file")
        self.r.save()
        self.r.set("a", "new")
        self.r.set("b", "kept")
        self.debug("RELOAD", "NOSAVE", "NOFLUSH", "MERGE")
        self.assertEqual(self.r.get("a"), b"from-file")
        self.assertEqual(self.r.get("b"), b"kept")

    @skip_on_reference("Redis empties the data first, then fails (or stops, on a conflict)")
    def test_a_file_that_cannot_load_changes_nothing(self):
        self.r.set("a", "1")
        self.r.save()
        self.r.set("b", "2")
        before = self.debug("DIGEST")
        self.assertIn("exists (MERGE replaces it)",
                      self.error("DEBUG", "RELOAD", "NOSAVE", "NOFLUSH"))
        dump = os.path.join(self.server.dir, self.r.config_get("dbfilename")["dbfilename"])
        with open(dump, "r+b") as f:
            f.seek(12)
            f.write(b"\xff\xff\xff")
        self.assertIn("offset", self.error("DEBUG", "RELOAD", "NOSAVE"))
        os.unlink(dump)
        self.assertIn("No such file", self.error("DEBUG", "RELOAD", "NOSAVE"))
        self.assertEqual(self.debug("DIGEST"), before)

    @skip_on_reference("Redis empties the data first, then stops on the database")
    def test_a_file_with_a_database_the_server_lacks_changes_nothing(self):
        other = ServerProcess(DEBUG_ARGS + ["--databases", "32"])
        other.start()
        try:
            redis.Redis(port=other.port, db=20).set("far", "away")
            redis.Redis(port=other.port).save()
            theirs = os.path.join(other.dir, "dump.rdb")
            shutil.copy(theirs, os.path.join(self.server.dir, "dump.rdb"))
        finally:
            other.stop()
        self.r.set("mine", "1")
        self.r.function_load("#!lua name=keep\nredis.register_function('k', function() return 1 end)")
        before = self.debug("DIGEST")
        self.assertIn("beyond the 16 configured", self.error("DEBUG", "RELOAD", "NOSAVE"))
        self.assertEqual(self.debug("DIGEST"), before)
        self.assertEqual(self.r.fcall("k", 0), 1)
        self.r.function_flush()

    def test_unknown_option(self):
        self.assertEqual(self.error("DEBUG", "RELOAD", "FAST"),
                         "DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.")


class TestLoadAof(DebugTestCase):
    """LOADAOF empties the data and loads it back from the log (cairn: the snapshot and the
    WAL; Redis: its AOF), so what comes back is what the log holds."""

    server_args = DEBUG_ARGS + persistence_args()

    def test_every_type_ttl_and_library_come_back_from_the_log(self):
        fill_every_type(self.r)
        self.r.function_load("#!lua name=lib\nredis.register_function('f', function() return 7 end)")
        self.r.incrbyfloat("float", "1.5")
        self.r.xreadgroup("g", "consumer", {"stream": ">"}, count=1)
        before = self.debug("DIGEST")
        groups = self.r.xinfo_groups("stream")
        self.assertTrue(self.debug("LOADAOF"))
        self.assertEqual(self.debug("DIGEST"), before)
        self.assertGreater(self.r.ttl("ttl"), 990)
        self.assertEqual(self.r.fcall("f", 0), 7)
        # Redis's AOF loses a group's entries-read (XREADGROUP goes there as XCLAIM); the
        # WAL keeps it.
        after = self.r.xinfo_groups("stream")
        if is_reference_redis():
            for group in groups + after:
                del group["entries-read"]
        self.assertEqual(after, groups)

    def test_a_snapshot_and_the_writes_after_it_both_come_back(self):
        self.r.set("counter", 10)
        self.r.rpush("list", "a", "b")
        self.r.bgrewriteaof()
        wait_until(lambda: self.r.info("persistence")["aof_rewrite_in_progress"] == 0,
                   "the rewrite (cairn: a snapshot) to end")
        self.r.incr("counter")
        self.r.rpush("list", "c")
        self.r.set("gone", "x")
        self.r.delete("gone")
        self.assertTrue(self.debug("LOADAOF"))
        self.assertEqual(self.r.get("counter"), b"11")
        self.assertEqual(self.r.lrange("list", 0, -1), [b"a", b"b", b"c"])
        self.assertEqual(self.r.exists("gone"), 0)

    def test_keepttl_and_persist_come_back_as_clients_left_them(self):
        # Redis's own suite checks these two through LOADAOF (unit/expire).
        self.r.set("kept", "a", ex=100)
        self.r.set("kept", "b", keepttl=True)
        self.r.set("persisted", "a", ex=100)
        self.r.getex("persisted", persist=True)
        self.debug("LOADAOF")
        self.assertEqual(self.r.get("kept"), b"b")
        self.assertGreater(self.r.ttl("kept"), 90)
        self.assertEqual(self.r.ttl("persisted"), -1)

    def test_pipelined_behind_writes_and_a_rewrite_it_sees_the_writes(self):
        # The writes' records are still this connection's loop's to commit when LOADAOF (and
        # the snapshot before it) wait for the log: they must not wait for each other.
        pipe = self.r.pipeline(transaction=False)
        for i in range(100):
            pipe.set("k%d" % i, i)
        pipe.bgrewriteaof()
        pipe.execute_command("DEBUG", "LOADAOF")
        pipe.set("last", 1)
        pipe.save()
        pipe.dbsize()
        replies = pipe.execute()
        self.assertEqual(replies[-1], 101)

    @skip_on_reference("Redis's loaded keys are written again, past TTL or not")
    def test_a_key_past_its_ttl_still_stored_does_not_come_back(self):
        # What shows that the data was replaced: the load skips keys already expired, which
        # stay stored until something meets them while active expiry is off.
        self.debug("SET-ACTIVE-EXPIRE", 0)
        try:
            self.r.set("gone", "x", px=1)
            self.r.set("kept", "y")
            time.sleep(0.01)
            self.assertEqual(self.r.dbsize(), 2)
            self.debug("LOADAOF")
            self.assertEqual(self.r.dbsize(), 1)
        finally:
            self.debug("SET-ACTIVE-EXPIRE", 1)

    @skip_on_reference("Redis answers LOADING to other clients meanwhile")
    def test_writes_from_other_clients_meanwhile_are_neither_lost_nor_doubled(self):
        stop = threading.Event()
        acknowledged = [0]
        errors = []

        def writer():
            w = redis.Redis(port=self.port)
            try:
                while not stop.is_set():
                    pipe = w.pipeline(transaction=False)
                    for _ in range(20):
                        pipe.incr("counter")
                        pipe.rpush("list", "x")
                    pipe.execute()
                    acknowledged[0] += 20
            except Exception as e:  # reported below
                errors.append(e)

        t = threading.Thread(target=writer)
        t.start()
        try:
            for _ in range(10):
                self.assertTrue(self.debug("LOADAOF"))
        finally:
            stop.set()
            t.join()
        self.assertEqual(errors, [])
        self.assertGreater(acknowledged[0], 0)
        self.assertEqual(int(self.r.get("counter")), acknowledged[0])
        self.assertEqual(self.r.llen("list"), acknowledged[0])

    @skip_on_reference("Redis loads whatever AOF files are on disk, or none")
    def test_without_the_wal_it_is_refused_and_nothing_changes(self):
        other = ServerProcess(DEBUG_ARGS)
        other.start()
        try:
            r = other.client()
            r.set("a", "1")
            with self.assertRaises(redis.ResponseError) as cm:
                r.execute_command("DEBUG", "LOADAOF")
            self.assertIn("needs the WAL (appendonly yes)", str(cm.exception))
            self.assertEqual(r.get("a"), b"1")
        finally:
            other.stop()

    @skip_on_reference("Redis exits when its AOF does not load")
    def test_a_damaged_log_is_refused_and_nothing_changes(self):
        root = tempfile.mkdtemp(prefix="cairn-loadaof-")
        server = DurableServer(root, DEBUG_ARGS)  # its own: this one's log gets damaged
        server.start()
        try:
            r = server.client()
            r.set("a", "1")
            r.set("b", "2")
            before = r.execute_command("DEBUG", "DIGEST")
            segments = sorted(f for f in os.listdir(server.dir) if f.startswith("wal-"))
            with open(os.path.join(server.dir, segments[0]), "r+b") as f:
                f.seek(20)  # inside the first record, with intact ones after it
                f.write(b"\xff\xff\xff\xff")
            with self.assertRaises(redis.ResponseError) as cm:
                r.execute_command("DEBUG", "LOADAOF")
            self.assertIn("Error trying to load the AOF: WAL corruption", str(cm.exception))
            self.assertEqual(r.execute_command("DEBUG", "DIGEST"), before)
            self.assertEqual(r.get("a"), b"1")
        finally:
            server.stop()
            shutil.rmtree(root, ignore_errors=True)

    @skip_on_reference("Redis runs it inside MULTI")
    def test_inside_multi_it_is_refused(self):
        self.r.set("a", "1")
        pipe = self.r.pipeline(transaction=True)
        pipe.execute_command("DEBUG", "LOADAOF")
        with self.assertRaises(redis.ResponseError) as cm:
            pipe.execute()
        self.assertIn("not allowed inside MULTI/EXEC", str(cm.exception))
        self.assertEqual(self.r.get("a"), b"1")


class TestProtocol(DebugTestCase):
    RESP3 = {
        "string": b"$11\r\nHello World\r\n",
        "integer": b":12345\r\n",
        "double": b",3.141\r\n",
        "bignum": b"(1234567999999999999999999999999999999\r\n",
        "null": b"_\r\n",
        "array": b"*3\r\n:0\r\n:1\r\n:2\r\n",
        "set": b"~3\r\n:0\r\n:1\r\n:2\r\n",
        "map": b"%3\r\n:0\r\n#f\r\n:1\r\n#t\r\n:2\r\n#f\r\n",
        "attrib": b"|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n"
                  b"$39\r\nSome real reply following the attribute\r\n",
        "push": b">2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n"
                b"$40\r\nSome real reply following the push reply\r\n",
        "true": b"#t\r\n",
        "false": b"#f\r\n",
        "verbatim": b"=29\r\ntxt:This is a verbatim\nstring\r\n",
    }
    RESP2 = {
        "double": b"$5\r\n3.141\r\n",
        "bignum": b"$37\r\n1234567999999999999999999999999999999\r\n",
        "null": b"$-1\r\n",
        "map": b"*6\r\n:0\r\n:0\r\n:1\r\n:1\r\n:2\r\n:0\r\n",
        "attrib": b"$39\r\nSome real reply following the attribute\r\n",
        "push": b"-ERR RESP2 is not supported by this command\r\n",
        "true": b":1\r\n",
        "verbatim": b"$25\r\nThis is a verbatim\nstring\r\n",
    }

    def raw(self, protocol, name):
        with self.server.raw_connection() as conn:
            conn.command("HELLO", str(protocol))
            conn.send_command("DEBUG", "PROTOCOL", name)
            return conn.read_replies_bytes(2 if name == "push" and protocol == 3 else 1)

    def test_each_type_in_resp3(self):
        for name, want in self.RESP3.items():
            with self.subTest(name):
                self.assertEqual(self.raw(3, name), want)

    def test_each_type_in_resp2(self):
        for name, want in self.RESP2.items():
            with self.subTest(name):
                self.assertEqual(self.raw(2, name), want)

    def test_unknown_type(self):
        self.assertIn("Wrong protocol type name", self.error("DEBUG", "PROTOCOL", "nope"))


class TestSmallSubcommands(DebugTestCase):
    def test_error_replies_with_the_text_given(self):
        self.assertEqual(self.error("DEBUG", "ERROR", "MYCODE went\r\nwrong"), "MYCODE went  wrong")

    def test_log_writes_to_the_server_log(self):
        self.assertTrue(self.debug("LOG", "a-line-for-the-log"))
        wait_until(lambda: "DEBUG LOG: a-line-for-the-log" in self.server.log_text(), "the line")

    def test_help_lists_the_subcommands(self):
        lines = [x.decode() for x in self.debug("HELP")]
        self.assertTrue(lines[0].startswith("DEBUG <subcommand>"))
        for sub in ("DIGEST", "DIGEST-VALUE <key> [<key> ...]", "POPULATE <count> [<prefix>] [<size>]",
                    "RELOAD [option ...]", "SET-ACTIVE-EXPIRE <0|1>"):
            self.assertIn(sub, lines)

    def test_unknown_subcommand(self):
        self.assertEqual(self.error("DEBUG", "NO-SUCH-THING"),
                         "unknown subcommand or wrong number of arguments for 'NO-SUCH-THING'. "
                         "Try DEBUG HELP.")

    def test_quicklist_packed_threshold_checks_its_argument(self):
        self.assertTrue(self.debug("QUICKLIST-PACKED-THRESHOLD", "1b"))
        big = "x" * 500
        self.r.lpush("l", big, big + "y")
        self.r.linsert("l", "AFTER", big, "z")
        self.assertEqual(self.r.lrange("l", 0, -1), [(big + "y").encode(), big.encode(), b"z"])
        self.assertTrue(self.debug("QUICKLIST-PACKED-THRESHOLD", 0))
        for bad in ("abc", "5gb"):
            self.assertEqual(self.error("DEBUG", "QUICKLIST-PACKED-THRESHOLD", bad),
                             "argument must be a memory value bigger than 1 and smaller than 4gb")

    def test_object_shows_incr_changing_a_counter_where_it_is(self):
        def address(key):
            return text(self.debug("OBJECT", key)).split()[1]

        self.r.set("counter", 20000)
        self.r.incr("counter")
        before = address("counter")
        self.assertTrue(before.startswith("at:"))
        self.r.incrby("counter", 10)
        self.r.decr("counter")
        self.assertEqual(address("counter"), before)
        self.assertEqual(self.r.get("counter"), b"20010")
        self.r.set("counter", 20000)  # a SET makes a new value, as in Redis
        self.assertEqual(self.r.get("counter"), b"20000")

    def test_stringmatch_test_runs(self):
        self.assertEqual(self.debug("STRINGMATCH-TEST"), b"Apparently Redis did not crash: test passed")


class TestSwitches(DebugTestCase):
    def tearDown(self):
        for switch in ("SET-ACTIVE-EXPIRE", "PAUSE-CRON", "SET-SKIP-CHECKSUM-VALIDATION",
                       "SET-DISABLE-DENY-SCRIPTS"):
            self.debug(switch, 1 if switch == "SET-ACTIVE-EXPIRE" else 0)
        super().tearDown()

    def check_expiry_held_by(self, switch, off, on):
        self.debug(switch, off)
        self.r.set("k", "v", px=50)
        time.sleep(0.5)
        self.assertEqual(self.r.dbsize(), 1)  # expired, yet nothing went looking for it
        self.debug(switch, on)
        wait_until(lambda: self.r.dbsize() == 0, "the expiry cycle to delete the key")

    def test_set_active_expire_0_leaves_expired_keys_to_lookups(self):
        self.check_expiry_held_by("SET-ACTIVE-EXPIRE", 0, 1)
        self.debug("SET-ACTIVE-EXPIRE", 0)
        self.r.set("k2", "v", px=20)
        time.sleep(0.1)
        self.assertIsNone(self.r.get("k2"))  # a lookup still expires it

    def test_digests_read_a_key_past_its_ttl_that_is_still_stored(self):
        self.debug("SET-ACTIVE-EXPIRE", 0)
        self.r.set("gone", "v", px=10)
        time.sleep(0.1)
        want = _xor(_mix(_mix(bytes(20), struct.pack(">I", 0)), b"v"), b"!!expire!!")
        self.assertEqual([text(d) for d in self.debug("DIGEST-VALUE", "gone")], [want.hex()])
        key = _mix(_mix(_mix(bytes(20), b"gone"), struct.pack(">I", 0)), b"v")
        whole = _xor(_mix(bytes(20), struct.pack(">I", 0)), _xor(key, b"!!expire!!"))
        self.assertEqual(text(self.debug("DIGEST")), whole.hex())
        self.assertTrue(text(self.debug("OBJECT", "gone")).startswith("Value at:"))
        self.assertEqual(self.r.dbsize(), 1)  # reading it did not expire it

    def test_pause_cron_stops_the_expiry_cycle(self):
        self.check_expiry_held_by("PAUSE-CRON", 1, 0)

    def test_skip_checksum_validation_lets_restore_take_a_payload_with_a_bad_crc(self):
        self.r.rpush("l", "a", "b")
        payload = self.r.dump("l")
        bad_crc = payload[:-8] + bytes(8)
        self.assertEqual(self.error("RESTORE", "l2", 0, bad_crc),
                         "DUMP payload version or checksum are wrong")
        self.debug("SET-SKIP-CHECKSUM-VALIDATION", 1)
        self.assertTrue(self.r.restore("l2", 0, bad_crc))
        self.assertEqual(self.r.lrange("l2", 0, -1), [b"a", b"b"])
        damaged = payload[:3] + b"\xff" * 4 + payload[7:-8] + bytes(8)
        self.assertEqual(self.error("RESTORE", "l3", 0, damaged), "Bad data format")
        self.assertEqual(self.r.exists("l3"), 0)

    def test_disable_deny_scripts_lets_a_script_call_a_noscript_command(self):
        script = "return redis.call('debug', 'protocol', 'integer')"
        self.assertIn("This Redis command is not allowed from script", self.error("EVAL", script, 0))
        self.debug("SET-DISABLE-DENY-SCRIPTS", 1)
        self.assertEqual(self.r.eval(script, 0), 12345)


class TestCrashes(unittest.TestCase):
    """SEGFAULT ends the process as a crash does; acknowledged writes are there on restart."""

    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="cairn-debug-")
        self.server = DurableServer(self.root, DEBUG_ARGS)
        self.server.start()

    def tearDown(self):
        self.server.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def crash(self, how):
        r = self.server.client()
        with self.assertRaises(redis.ConnectionError):
            r.execute_command("DEBUG", how)
        self.assertNotEqual(self.server.wait_exit(), 0)

    def test_segfault_then_restart_keeps_acknowledged_writes(self):
        self.server.client().set("before", "crash")
        self.crash("SEGFAULT")
        self.server.start()
        self.assertEqual(self.server.client().get("before"), b"crash")

    @skip_on_reference("Redis neither logs nor replicates POPULATE's or RELOAD's keys")
    def test_populate_and_reload_are_logged_like_any_write(self):
        r = self.server.client()
        r.execute_command("DEBUG", "POPULATE", 1000)
        r.set("a", "from-file")
        r.save()
        r.set("a", "after-save")
        r.execute_command("DEBUG", "RELOAD", "NOSAVE", "NOFLUSH", "MERGE")
        digest = r.execute_command("DEBUG", "DIGEST")
        self.server.kill9()
        self.server.start()
        r = self.server.client()
        self.assertEqual(r.dbsize(), 1001)
        self.assertEqual(r.get("a"), b"from-file")
        self.assertEqual(r.execute_command("DEBUG", "DIGEST"), digest)

    @skip_on_reference("Redis has no debug-wal-inject-enospc")
    def test_while_the_log_fails_populate_reload_and_loadaof_are_refused(self):
        r = self.server.client()
        r.set("kept", "1")
        r.save()
        r.config_set("debug-wal-inject-enospc", "yes")
        with self.assertRaises(redis.ResponseError):
            r.set("fails", "x")  # the log now fails (the batch lands once it recovers)
        for args in (("POPULATE", 10), ("RELOAD",), ("LOADAOF",)):
            with self.assertRaises(redis.ResponseError) as cm:
                r.execute_command("DEBUG", *args)
            self.assertTrue(str(cm.exception).startswith("MISCONF"), (args, str(cm.exception)))
        r.config_set("debug-wal-inject-enospc", "no")
        wait_until(lambda: r.set("after", "1"), "writes to resume", 10)
        expected = [b"after", b"fails", b"kept"]  # no key:N: POPULATE wrote nothing
        self.assertEqual(sorted(r.keys()), expected)
        self.server.kill9()
        self.server.start()
        self.assertEqual(sorted(self.server.client().keys()), expected)


if __name__ == "__main__":
    main()
