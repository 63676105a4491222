"""MEMORY, SLOWLOG, LATENCY and COMMAND GETKEYSANDFLAGS through redis-py, checked against Redis 7.0.

Run: /usr/bin/python3 -m unittest -v tests/integration/test_introspection.py
"""

import os
import re
import socket
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (REFERENCE_BINARY, ReferenceServerTestCase, ServerProcess,  # noqa: E402
                     ServerTestCase, is_reference_redis, main)

import redis  # noqa: E402

SYNTAX = "syntax error"


class TestMemory(ServerTestCase):
    server_args = ["--enable-debug-command", "yes"]

    def test_usage_counts_the_value_and_is_nil_for_a_missing_key(self):
        self.r.set("small", "x")
        self.r.set("big", "x" * 100000)
        small = self.r.memory_usage("small")
        big = self.r.memory_usage("big")
        self.assertGreater(small, 0)
        # The big value's bytes are counted (its key entry may be smaller than the small
        # value's, which keeps its bytes inline).
        self.assertGreater(big, small)
        self.assertGreaterEqual(big, 100000)
        self.assertIsNone(self.r.memory_usage("missing"))

    def test_usage_samples_arguments(self):
        self.r.rpush("l", *["v%d" % i for i in range(2000)])
        everything = self.r.memory_usage("l", samples=0)
        self.assertGreater(everything, 2000 * 2)
        self.assertGreater(self.r.memory_usage("l"), 0)
        for bad, message in ((["SAMPLES", "-1"], SYNTAX),
                             (["SAMPLES", "x"], "value is not an integer or out of range"),
                             (["NOPE"], SYNTAX), (["SAMPLES"], SYNTAX)):
            with self.assertRaises(redis.ResponseError) as e:
                self.r.execute_command("MEMORY", "USAGE", "l", *bad)
            self.assertEqual(str(e.exception), message)

    def test_stats_doctor_purge_and_help(self):
        self.r.set("a", "1")
        stats = self.r.execute_command("MEMORY", "STATS")
        names = stats[0::2]
        for field in (b"peak.allocated", b"total.allocated", b"keys.count", b"dataset.bytes",
                      b"fragmentation", b"fragmentation.bytes", b"db.0"):
            self.assertIn(field, names)
        self.assertEqual(stats[names.index(b"keys.count") * 2 + 1], 1)
        self.assertTrue(self.r.execute_command("MEMORY", "DOCTOR").startswith(b"Hi Sam"))
        self.assertTrue(self.r.execute_command("MEMORY", "PURGE"))
        self.assertTrue(self.r.execute_command("MEMORY", "MALLOC-STATS"))
        help_lines = self.r.execute_command("MEMORY", "HELP")
        self.assertIn(b"USAGE <key> [SAMPLES <count>]", help_lines)


class TestGetKeysAndFlags(ServerTestCase):
    """Each key with the flags Redis 7.0 reports for it, as a cluster proxy reads them."""

    CASES = (
        (["SET", "k1", "v1"], [["k1", ["OW", "update"]]]),
        (["SET", "k1", "v1", "GET"], [["k1", ["RW", "access", "update"]]]),
        (["MSET", "k1", "v1", "k2", "v2"], [["k1", ["OW", "update"]], ["k2", ["OW", "update"]]]),
        (["LMOVE", "k1", "k2", "left", "right"],
         [["k1", ["RW", "access", "delete"]], ["k2", ["RW", "insert"]]]),
        (["SORT", "k1", "STORE", "k2"], [["k1", ["RO", "access"]], ["k2", ["OW", "update"]]]),
        (["BITFIELD", "k", "GET", "u8", "0"], [["k", ["RO", "access"]]]),
        (["BITFIELD", "k", "GET", "set", "0", "OVERFLOW", "SAT"], [["k", ["RO", "access"]]]),
        (["BITFIELD", "k", "GET", "u8"], [["k", ["RW", "access", "update"]]]),
        (["MIGRATE", "h", "1", "", "0", "5", "KEYS", "a", "b"],
         [["a", ["RW", "access", "delete"]], ["b", ["RW", "access", "delete"]]]),
        (["ZUNIONSTORE", "d", "2", "s1", "s2"],
         [["d", ["OW", "update"]], ["s1", ["RO", "access"]], ["s2", ["RO", "access"]]]),
    )

    def test_flags_say_how_each_key_is_used(self):
        for command, expected in self.CASES:
            with self.subTest(command=command):
                reply = self.r.execute_command("COMMAND GETKEYSANDFLAGS", *command)
                got = [[key.decode(), [f.decode() for f in flags]] for key, flags in reply]
                self.assertEqual(got, expected)


class TestCommandsRedisHasWithoutClusterOrModules(ReferenceServerTestCase):
    """Every command Redis 7.0 lists exists, and the cluster, module and LOLWUT commands answer
    as a redis-server started without cluster mode or modules answers them (compared live)."""

    CASES = [
        ["CLUSTER", "INFO"], ["CLUSTER", "SLOTS"], ["CLUSTER", "KEYSLOT", "foo"],
        ["CLUSTER", "HELP"], ["CLUSTER"], ["CLUSTER", "NOSUCH"], ["CLUSTER", "KEYSLOT"],
        ["ASKING"], ["READONLY"], ["READWRITE"],
        ["MODULE", "LIST"], ["MODULE", "HELP"], ["MODULE", "LOAD", "/nonexistent/m.so"],
        ["MODULE", "UNLOAD", "m"], ["LOLWUT"], ["LOLWUT", "VERSION", "x"],
        # Schotter's first two rows of squares stand straight: with at most two rows the
        # drawing is the same every time, and the sizes are clamped as Redis clamps them.
        ["LOLWUT", "VERSION", "5", "10", "2", "2"], ["LOLWUT", "VERSION", "5", "2000", "0", "-5"],
        ["LOLWUT", "VERSION", "5", "1", "1", "1"], ["LOLWUT", "VERSION", "5", "x"],
        ["LOLWUT", "VERSION", "6", "80", "y"], ["LOLWUT", "VERSION", "7", "x"],
        ["EVAL", "return redis.call('cluster', 'reset', 'hard')", "0"],
        ["EVAL", "return redis.call('cluster', 'info')", "0"],
        ["RESTORE-ASKING", "k", "0", "not a payload"],
    ]

    def reply(self, conn, args):
        r = conn.command(*args)
        return (r.type, r.to_py())

    def test_command_list_holds_every_command_redis_lists(self):
        ours = set(self.cmd("COMMAND", "LIST").to_py())
        conn = self.reference.raw_connection()
        theirs = set(conn.command("COMMAND", "LIST").to_py())
        conn.close()
        self.assertEqual(theirs - ours, set())
        self.assertEqual(self.cmd("COMMAND", "COUNT").value, len([n for n in theirs if b"|" not in n]))

    def test_cluster_module_and_lolwut_answer_as_redis_does(self):
        ours, theirs = self.server.raw_connection(), self.reference.raw_connection()
        try:
            for args in self.CASES:
                with self.subTest(args=args):
                    self.assertEqual(self.reply(ours, args), self.reply(theirs, args))
        finally:
            ours.close()
            theirs.close()

    def test_lolwut_drawings_have_redis_shape(self):
        # The tilted rows of Schotter and the whole skyline are random: compare their shape.
        def shape(conn, args):
            lines = conn.command(*args).to_py().decode().split("\n")
            return [line.count("\033[0m") or len(line) for line in lines[:-3]], lines[-3:]

        ours, theirs = self.server.raw_connection(), self.reference.raw_connection()
        try:
            for args in (["LOLWUT", "VERSION", "5"], ["LOLWUT", "VERSION", "5", "40", "5", "9"],
                         ["LOLWUT", "VERSION", "6"], ["LOLWUT", "VERSION", "6", "30", "12"]):
                with self.subTest(args=args):
                    self.assertEqual(shape(ours, args), shape(theirs, args))
            art = ours.command("LOLWUT", "VERSION", "6", "30", "12").to_py().decode()
            cells = set(re.findall(r"\033\[([0-9;]+m) \033\[0m", art))
            self.assertGreaterEqual(len(cells), 3)  # white sky, grey and black buildings
            if not is_reference_redis():
                # Redis would draw 100,000 lines (an 800 MB canvas); cairn stops at 1,000.
                tall = ours.command("LOLWUT", "VERSION", "5", "1000", "1", "200").to_py()
                self.assertLessEqual(tall.count(b"\n"), 1003)
        finally:
            ours.close()
            theirs.close()

    def test_command_info_of_every_command_matches_redis(self):
        # Clients and proxies read key positions, flags, key specs and tips from here.
        conn = self.reference.raw_connection()
        try:
            names = conn.command("COMMAND", "LIST").to_py()
            theirs = conn.command("COMMAND", "INFO", *names).to_py()
        finally:
            conn.close()
        ours = self.cmd("COMMAND", "INFO", *names).to_py()
        for a, b in zip(ours, theirs):
            with self.subTest(command=b[0]):
                self.assertIsNotNone(a)
                # Everything but the subcommands, which Redis lists in its hash table's order
                # (each is compared on its own: COMMAND LIST names them).
                self.assertEqual(a[:9], b[:9])

    def test_command_docs_of_every_command_matches_redis(self):
        # redis-cli's hints and GUI clients are built from these argument trees.
        def without_subcommands(doc):  # a flat [field, value, ...] list in RESP2
            i = doc.index(b"subcommands") if b"subcommands" in doc else len(doc)
            return doc[:i] + doc[i + 2:]

        conn = self.reference.raw_connection()
        try:
            names = conn.command("COMMAND", "LIST").to_py()
            theirs = conn.command("COMMAND", "DOCS", *names).to_py()
        finally:
            conn.close()
        ours = self.cmd("COMMAND", "DOCS", *names).to_py()
        ours = dict(zip(ours[::2], ours[1::2]))
        self.assertEqual(len(theirs), 2 * len(names))
        for name, doc in zip(theirs[::2], theirs[1::2]):
            with self.subTest(command=name):
                self.assertIn(name, ours)
                self.assertEqual(without_subcommands(ours[name]), without_subcommands(doc))

    def test_command_docs_have_redis_reply_types_in_resp3(self):
        # Byte for byte: maps, sets (flags, history) and integers as Redis sends them.
        def raw_docs(server, names):
            conn = server.raw_connection()
            try:
                conn.command("HELLO", "3")
                for name in names:
                    conn.send_command("COMMAND", "DOCS", name)
                return [conn.read_replies_bytes(1) for _ in names]
            finally:
                conn.close()

        conn = self.reference.raw_connection()
        try:
            names = conn.command("COMMAND", "LIST").to_py()
        finally:
            conn.close()
        for name, ours, theirs in zip(names, raw_docs(self.server, names),
                                      raw_docs(self.reference, names)):
            if b"subcommands" in theirs:
                continue  # Redis lists a container's subcommands in its hash table's order
            with self.subTest(command=name):
                self.assertEqual(ours, theirs)


class TestInfoMemory(ServerTestCase):
    def test_fields_are_redis_fields_in_redis_order(self):
        if is_reference_redis() or not os.path.exists(REFERENCE_BINARY):
            self.skipTest("compares the server under test with redis-server")
        ref = ServerProcess(binary=REFERENCE_BINARY).start()
        try:
            theirs = list(ref.client().info("memory"))
        finally:
            ref.stop()
        self.assertEqual(list(self.r.info("memory")), theirs)

    def test_dataset_and_overhead_split_used_memory(self):
        self.r.set("k", "v" * 1000)
        info = self.r.info("memory")
        self.assertEqual(info["used_memory_dataset"] + info["used_memory_overhead"],
                         info["used_memory"])
        self.assertGreater(info["used_memory_dataset"], 1000)
        self.assertIn("mem_fragmentation_bytes", info)

    def test_startup_memory_is_measured_and_part_of_the_overhead(self):
        info = self.r.info("memory")
        self.assertGreater(info["used_memory_startup"], 0)
        self.assertLessEqual(info["used_memory_startup"], info["used_memory_overhead"])
        stats = self.r.memory_stats()
        self.assertEqual(stats["startup.allocated"], info["used_memory_startup"])


def check_redis_fields_in_order(test, section):
    """The INFO section has every field redis-server's has, in Redis's order (cairn's own
    fields may come between)."""
    if is_reference_redis() or not os.path.exists(REFERENCE_BINARY):
        test.skipTest("compares the server under test with redis-server")
    ref = ServerProcess(binary=REFERENCE_BINARY).start()
    try:
        theirs = list(ref.client().info(section))
    finally:
        ref.stop()
    ours = list(test.r.info(section))
    test.assertEqual([f for f in ours if f in theirs], theirs)


class TestInfoSections(ServerTestCase):
    """Monitoring tools read INFO by field name: every field of Redis 7.0's is here."""

    def test_server_clients_and_cpu_have_every_redis_field_in_redis_order(self):
        for section in ("server", "clients", "cpu"):
            with self.subTest(section=section):
                check_redis_fields_in_order(self, section)

    def test_lru_clock_is_redis_clock(self):
        # Seconds on 24 bits, as Redis's: both servers read the same wall clock.
        if is_reference_redis() or not os.path.exists(REFERENCE_BINARY):
            self.skipTest("compares the server under test with redis-server")
        ref = ServerProcess(binary=REFERENCE_BINARY).start()
        try:
            theirs = ref.client().info("server")["lru_clock"]
        finally:
            ref.stop()
        self.assertLessEqual(abs(self.r.info("server")["lru_clock"] - theirs), 2)

    def test_the_threads_that_run_commands_count_as_the_main_thread(self):
        r = self.server.client()
        r.set("v", "x" * 1000)
        for _ in range(3000):
            r.get("v")
        cpu = r.info("cpu")  # the I/O thread answering samples itself
        main = cpu["used_cpu_sys_main_thread"] + cpu["used_cpu_user_main_thread"]
        self.assertGreater(main, 0)
        self.assertLessEqual(main, cpu["used_cpu_sys"] + cpu["used_cpu_user"] + 0.01)
        r.close()

    def test_recent_max_buffers_see_a_client_holding_a_large_reply(self):
        self.r.set("big", "x" * 2_000_000)
        slow = socket.create_connection(("127.0.0.1", self.server.port))
        slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        try:
            slow.sendall(b"*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n" * 4)  # never read
            deadline = time.time() + 10
            while self.r.info("clients")["client_recent_max_output_buffer"] < 100_000:
                self.assertLess(time.time(), deadline, "no client holds a large reply")
                time.sleep(0.05)
        finally:
            slow.close()

    def test_recent_max_input_buffer_remembers_a_large_command_for_seconds(self):
        writer = socket.create_connection(("127.0.0.1", self.server.port))
        try:  # half of a 1 MB SET, held while the once-a-second cron looks at the clients
            writer.sendall(b"*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$1000000\r\n" + b"x" * 500_000)
            deadline = time.time() + 10
            while self.r.info("clients")["client_recent_max_input_buffer"] < 500_000:
                self.assertLess(time.time(), deadline, "the partial command was not seen")
                time.sleep(0.05)
        finally:
            writer.close()
        # The client is gone: the peak of the last seconds still shows it, then forgets it.
        started = time.time()
        while self.r.info("clients")["client_recent_max_input_buffer"] >= 500_000:
            self.assertLess(time.time() - started, 20, "still remembered after 20 s")
            time.sleep(0.2)
        # Redis keeps one peak per second for the last 8 seconds.
        self.assertGreater(time.time() - started, 5)


class TestInfoPersistence(ServerTestCase):
    def test_redis_fields_are_here_in_redis_order(self):
        check_redis_fields_in_order(self, "persistence")

    def test_a_running_save_shows_its_progress_in_keys(self):
        if is_reference_redis():
            self.skipTest("Redis's forked child reports its progress every 1024 keys")
        self.r.mset({"k%d" % i: i for i in range(20)})
        self.r.config_set("rdb-key-save-delay", 100000)  # 0.1 s a key
        self.addCleanup(self.r.config_set, "rdb-key-save-delay", 0)
        self.r.bgsave()
        deadline = time.time() + 10
        while self.r.info("persistence")["current_save_keys_processed"] < 3:
            self.assertLess(time.time(), deadline, "no progress in 10 s")
            time.sleep(0.05)
        info = self.r.info("persistence")
        # cairn's BGSAVE writes its snapshot and then dbfilename: two passes over the keys.
        self.assertEqual(info["current_save_keys_total"], 40)
        self.assertGreaterEqual(info["current_save_keys_processed"], 3)
        self.assertLess(info["current_save_keys_processed"], 40)
        self.assertAlmostEqual(info["current_fork_perc"],
                               100 * info["current_save_keys_processed"] / 40, delta=5)
        self.r.config_set("rdb-key-save-delay", 0)
        info = self.wait_idle()
        self.assertEqual((info["current_save_keys_processed"], info["current_save_keys_total"],
                          info["current_fork_perc"]), (0, 0, 0))

    def wait_idle(self):
        deadline = time.time() + 30
        while time.time() < deadline:
            info = self.r.info("persistence")
            if not info["rdb_bgsave_in_progress"] and not info["aof_rewrite_in_progress"]:
                return info
            time.sleep(0.05)
        self.fail("a save or rewrite still runs after 30 s")

    def check_job(self, start, flags, prefix, current, last, status, count):
        """Runs start (a save or rewrite slowed down), checks that INFO's in-progress flags
        (rdb_bgsave, aof_rewrite) read flags while it runs, and returns INFO once it ended,
        after checking its timing, status and count fields."""
        before = self.wait_idle()
        start()
        info = self.r.info("persistence")
        self.assertEqual((info["rdb_bgsave_in_progress"], info["aof_rewrite_in_progress"]),
                         flags)
        info = self.wait_idle()
        self.assertEqual(info[prefix + current], -1)
        self.assertGreaterEqual(info[prefix + last], 1)  # the delay makes it 2 s
        self.assertEqual(info[prefix + status], "ok")
        self.assertEqual(info[count], before[count] + 1)
        return before, info

    def test_a_bgsave_and_a_rewrite_are_told_apart_and_timed(self):
        for i in range(20):
            self.r.set("k%d" % i, i)
        self.r.config_set("rdb-key-save-delay", 100000)  # 2 s for the 20 keys
        try:
            before, info = self.check_job(self.r.bgsave, (1, 0), "rdb_", "current_bgsave_time_sec",
                                          "last_bgsave_time_sec", "last_bgsave_status",
                                          "rdb_saves")
            self.assertEqual(info["aof_rewrites"], before["aof_rewrites"])
            before, info = self.check_job(self.r.bgrewriteaof, (0, 1), "aof_",
                                          "current_rewrite_time_sec", "last_rewrite_time_sec",
                                          "last_bgrewrite_status", "aof_rewrites")
            self.assertEqual(info["rdb_saves"], before["rdb_saves"])
            self.assertEqual(info["aof_rewrites_consecutive_failures"], 0)
        finally:
            self.r.config_set("rdb-key-save-delay", 0)

    def wait_for(self, field, value):
        deadline = time.time() + 30
        while self.r.info("persistence")[field] != value:
            if time.time() > deadline:
                self.fail("INFO %s is not %s after 30 s" % (field, value))
            time.sleep(0.05)

    def reply(self, *args):
        """The server's own reply to a BGSAVE or BGREWRITEAOF, which redis-py makes True."""
        for name in ("BGSAVE", "BGREWRITEAOF"):
            self.r.response_callbacks.pop(name, None)
        return self.r.execute_command(*args)

    def slowed(self, start):
        """Starts a save or rewrite that would run 10 s (rdb-key-save-delay over 20 keys; the
        tests end it by setting the delay to 0) and returns INFO persistence taken before
        it."""
        before = self.wait_idle()
        self.r.mset({"k%d" % i: i for i in range(20)})
        self.r.config_set("rdb-key-save-delay", 500000)
        self.addCleanup(self.r.config_set, "rdb-key-save-delay", 0)
        start()
        return before

    def test_a_rewrite_asked_for_during_a_save_is_scheduled_and_runs_after_it(self):
        before = self.slowed(self.r.bgsave)
        self.assertEqual(self.reply("BGREWRITEAOF").decode(),
                         "Background append only file rewriting scheduled")
        self.assertEqual(self.r.info("persistence")["aof_rewrite_scheduled"], 1)
        self.r.config_set("rdb-key-save-delay", 0)
        self.wait_for("aof_rewrite_scheduled", 0)
        info = self.wait_idle()
        self.assertEqual(info["aof_rewrites"], before["aof_rewrites"] + 1)
        self.assertEqual(info["rdb_saves"], before["rdb_saves"] + 1)

    def test_a_save_during_a_rewrite_is_refused_unless_scheduled(self):
        before = self.slowed(self.r.bgrewriteaof)
        with self.assertRaises(redis.ResponseError) as caught:
            self.reply("BGSAVE")  # redis-py's bgsave() adds SCHEDULE
        self.assertEqual(str(caught.exception),
                         "Another child process is active (AOF?): can't BGSAVE right now. "
                         "Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.")
        self.assertEqual(self.reply("BGSAVE", "SCHEDULE").decode(),
                         "Background saving scheduled")
        self.r.config_set("rdb-key-save-delay", 0)
        self.wait_for("rdb_saves", before["rdb_saves"] + 1)
        info = self.wait_idle()
        self.assertEqual(info["aof_rewrites"], before["aof_rewrites"] + 1)
        self.assertEqual(info["rdb_last_bgsave_status"], "ok")

    def test_a_second_job_of_the_same_kind_is_refused(self):
        for start, again, error in (
                (self.r.bgsave, ("BGSAVE", "SCHEDULE"), "Background save already in progress"),
                (self.r.bgrewriteaof, ("BGREWRITEAOF",),
                 "Background append only file rewriting already in progress")):
            self.slowed(start)
            with self.assertRaises(redis.ResponseError) as caught:
                self.reply(*again)
            self.assertEqual(str(caught.exception), error)
            self.r.config_set("rdb-key-save-delay", 0)

    def test_inside_exec_both_are_scheduled_and_run(self):
        before = self.wait_idle()
        self.reply("PING")  # drops the callbacks: EXEC's replies are the server's
        pipe = self.r.pipeline(transaction=True)
        pipe.set("k", "v").execute_command("BGREWRITEAOF")
        self.assertEqual(pipe.execute()[1], b"Background append only file rewriting scheduled")
        self.wait_for("aof_rewrites", before["aof_rewrites"] + 1)
        pipe.execute_command("BGSAVE")
        self.assertEqual(pipe.execute()[0], b"Background saving scheduled")
        self.wait_for("rdb_saves", before["rdb_saves"] + 1)
        self.assertEqual(self.wait_idle()["aof_rewrite_scheduled"], 0)


class TestInfoStats(ServerTestCase):
    server_args = ["--enable-debug-command", "yes"]

    def stats(self):
        return self.r.info("stats")

    def wait_for(self, what, condition, timeout=20):
        deadline = time.time() + timeout
        while not condition():
            self.assertLess(time.time(), deadline, what)
            time.sleep(0.05)

    def test_redis_fields_are_here_in_redis_order(self):
        check_redis_fields_in_order(self, "stats")

    def test_the_expiry_cycle_reports_stale_keys_its_time_and_the_mean_ttl(self):
        self.r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
        pipe = self.r.pipeline(transaction=False)
        for i in range(2000):
            pipe.set("short:%d" % i, i, px=50)
        for i in range(100):
            pipe.set("long:%d" % i, i, ex=1000)
        pipe.execute()
        time.sleep(0.2)  # the short ones expire, still stored
        self.r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "1")
        # The cycle meets the expired keys: most of what it met had expired.
        self.wait_for("expired_stale_perc stays 0", lambda: self.stats()["expired_stale_perc"] > 0)
        self.wait_for("the short keys stay", lambda: self.r.dbsize() == 100)
        self.wait_for("expire_cycle_cpu_milliseconds stays 0",
                      lambda: self.stats()["expire_cycle_cpu_milliseconds"] > 0)
        # avg_ttl: the long keys' remaining time, in ms, as the cycles estimate it.
        self.wait_for("avg_ttl stays 0", lambda: self.r.info("keyspace")["db0"]["avg_ttl"] > 0)
        avg = self.r.info("keyspace")["db0"]["avg_ttl"]
        self.assertGreater(avg, 900_000)
        self.assertLessEqual(avg, 1_000_000)
        # Once no key has a TTL, the average starts again from nothing.
        self.r.persist(*["long:%d" % i for i in range(1)])
        self.r.delete(*["long:%d" % i for i in range(1, 100)])
        self.wait_for("avg_ttl stays", lambda: self.r.info("keyspace")["db0"]["avg_ttl"] == 0)
        self.assertGreaterEqual(self.stats()["expired_keys"], 2000)
        self.r.config_resetstat()
        self.assertEqual(self.stats()["expired_keys"], 0)

    def test_time_over_maxmemory_is_counted_until_memory_is_under_it_again(self):
        for i in range(20):
            self.r.set("fill:%d" % i, "x" * 100_000)
        self.r.config_set("maxmemory-policy", "noeviction")
        self.addCleanup(self.r.config_set, "maxmemory", 0)
        # Nothing may be evicted, so memory stays over the limit.
        self.r.config_set("maxmemory", self.r.info("memory")["used_memory"] - 1_000_000)
        with self.assertRaises(redis.ResponseError) as caught:
            self.r.set("more", "x")
        self.assertTrue(str(caught.exception).startswith("OOM "), str(caught.exception))
        time.sleep(0.3)
        s = self.stats()
        self.assertGreaterEqual(s["current_eviction_exceeded_time"], 250)
        self.assertGreaterEqual(s["total_eviction_exceeded_time"],
                                s["current_eviction_exceeded_time"])
        self.r.config_set("maxmemory", self.r.info("memory")["used_memory"] + 10_000_000)
        self.r.set("after", 1)  # the next command finds memory under the limit
        s = self.stats()
        self.assertEqual(s["current_eviction_exceeded_time"], 0)
        self.assertGreaterEqual(s["total_eviction_exceeded_time"], 250)
        self.r.config_resetstat()
        self.assertEqual(self.stats()["total_eviction_exceeded_time"], 0)

    def test_each_restore_payload_counts_as_a_deep_check(self):
        # cairn checks every payload element by element whatever this says; Redis, when asked.
        self.r.config_set("sanitize-dump-payload", "yes")
        self.r.rpush("l", "a", "b")
        payload = self.r.dump("l")
        before = self.stats()["dump_payload_sanitizations"]
        self.r.restore("copy", 0, payload)
        with self.assertRaises(redis.ResponseError):
            self.r.restore("bad", 0, payload[:-10] + b"\x00" * 10)  # fails its checksum
        self.assertEqual(self.stats()["dump_payload_sanitizations"], before + 1)

    def test_pubsub_counts_are_the_live_subscriptions(self):
        sub = self.server.client()
        p = sub.pubsub()
        p.subscribe("news", "sport")
        p.psubscribe("w*")
        p.execute_command("SSUBSCRIBE", "orders")
        deadline = time.time() + 10
        while self.stats()["pubsubshard_channels"] != 1 and time.time() < deadline:
            p.get_message(timeout=0.05)
        s = self.stats()
        self.assertEqual((s["pubsub_channels"], s["pubsub_patterns"], s["pubsubshard_channels"]),
                         (2, 1, 1))
        p.close()
        sub.close()
        deadline = time.time() + 10
        while self.stats()["pubsub_channels"] != 0 and time.time() < deadline:
            time.sleep(0.05)
        s = self.stats()
        self.assertEqual((s["pubsub_channels"], s["pubsub_patterns"], s["pubsubshard_channels"]),
                         (0, 0, 0))

    def test_instantaneous_rates_follow_the_load_and_fall_back_to_zero(self):
        stop = threading.Event()

        def load():
            r = self.server.client()
            while not stop.is_set():
                r.set("k", "v" * 100)
            r.close()

        worker = threading.Thread(target=load)
        worker.start()
        try:
            time.sleep(2.0)  # longer than the 16 samples of 100 ms
            s = self.stats()
        finally:
            stop.set()
            worker.join()
        self.assertGreater(s["instantaneous_ops_per_sec"], 0)
        self.assertGreater(s["instantaneous_input_kbps"], 0)
        self.assertGreater(s["instantaneous_output_kbps"], 0)
        # Only these INFO calls run now, a few a second.
        deadline = time.time() + 10
        while self.stats()["instantaneous_ops_per_sec"] >= 20 and time.time() < deadline:
            time.sleep(0.2)
        self.assertLess(self.stats()["instantaneous_ops_per_sec"], 20)

    def test_each_request_counts_a_read_and_a_write(self):
        before = self.stats()
        for _ in range(50):
            self.r.ping()
        after = self.stats()
        for field in ("total_reads_processed", "total_writes_processed"):
            self.assertGreaterEqual(after[field] - before[field], 50, field)
            self.assertLess(after[field] - before[field], 60, field)


class TestLazyFree(ServerTestCase):
    # Under AddressSanitizer freed memory waits in its quarantine: none, so used_memory drops.
    asan_quarantine_mb = 0

    def wait_lazyfree_done(self):
        for _ in range(200):
            if self.r.info("memory")["lazyfree_pending_objects"] == 0:
                return
            time.sleep(0.05)
        self.fail("lazy free did not finish")

    def test_unlink_frees_large_values_in_the_background_and_counts_them(self):
        self.r.config_resetstat()
        self.r.sadd("small", *range(10))
        self.r.sadd("big", *range(1000))
        self.assertEqual(self.r.unlink("small", "big"), 2)
        self.assertEqual(self.r.exists("big"), 0)
        self.wait_lazyfree_done()
        self.assertEqual(self.r.info("memory")["lazyfreed_objects"], 1)
        self.r.config_resetstat()
        self.assertEqual(self.r.info("memory")["lazyfreed_objects"], 0)

    def test_lazyfree_lazy_user_del_makes_del_free_in_the_background(self):
        self.r.config_resetstat()
        self.r.sadd("s", *range(1000))
        self.assertEqual(self.r.delete("s"), 1)
        self.wait_lazyfree_done()
        self.assertEqual(self.r.info("memory")["lazyfreed_objects"], 0)
        self.r.config_set("lazyfree-lazy-user-del", "yes")
        try:
            self.r.sadd("s", *range(1000))
            self.assertEqual(self.r.delete("s"), 1)
            self.wait_lazyfree_done()
            self.assertEqual(self.r.info("memory")["lazyfreed_objects"], 1)
        finally:
            self.r.config_set("lazyfree-lazy-user-del", "no")

    def test_flushall_async_frees_every_key_in_the_background(self):
        self.r.config_resetstat()
        self.r.mset({"k%d" % i: i for i in range(500)})
        self.assertTrue(self.r.flushall(asynchronous=True))
        self.assertEqual(self.r.dbsize(), 0)
        self.wait_lazyfree_done()
        self.assertEqual(self.r.info("memory")["lazyfreed_objects"], 500)

    @unittest.skipIf("ASAN_OPTIONS" in os.environ,
                     "AddressSanitizer's allocator keeps freed memory counted as used")
    def test_memory_of_a_huge_command_is_given_back(self):
        # A 100,000-member SADD: neither the set nor the command's argument vectors stay.
        self.wait_lazyfree_done()
        before = self.r.info("memory")["used_memory"]
        self.r.sadd("huge", *range(100000))
        self.assertGreater(self.r.info("memory")["used_memory"], before + 1000000)
        self.r.unlink("huge")
        self.wait_lazyfree_done()
        self.assertLess(self.r.info("memory")["used_memory"], before + 500000)


class TestSlowlog(ServerTestCase):
    server_args = ["--enable-debug-command", "yes"]

    def setUp(self):
        super().setUp()
        self.r.config_set("slowlog-log-slower-than", 0)
        self.r.config_set("slowlog-max-len", 128)
        self.r.slowlog_reset()

    def tearDown(self):
        self.r.config_set("slowlog-log-slower-than", 10000)
        super().tearDown()

    def test_entries_carry_id_time_duration_args_address_and_name(self):
        self.r.client_setname("tool")
        self.r.set("k", "v")
        entry = self.cmd("SLOWLOG", "GET", "1").to_py()[0]
        self.assertEqual(len(entry), 6)
        entry_id, start_time, duration, args, address, name = entry
        self.assertEqual(args, [b"SET", b"k", b"v"])
        self.assertGreaterEqual(duration, 0)
        self.assertGreater(start_time, 1600000000)
        self.assertEqual(name, b"tool")
        self.assertIn(b"127.0.0.1:", address)

    def test_max_len_and_get_count(self):
        self.r.config_set("slowlog-max-len", 5)
        for _ in range(20):
            self.r.ping()
        self.assertEqual(self.r.slowlog_len(), 5)
        self.assertEqual(len(self.r.slowlog_get(2)), 2)
        self.assertEqual(len(self.r.slowlog_get(-1)), 5)
        with self.assertRaises(redis.ResponseError) as e:
            self.r.slowlog_get(-2)
        self.assertEqual(str(e.exception), "count should be greater than or equal to -1")

    def test_long_commands_are_trimmed_and_passwords_redacted(self):
        self.r.sadd("s", *range(40))
        self.r.set("k", "A" * 130)
        with self.assertRaises(redis.ResponseError):
            self.r.execute_command("AUTH", "not-the-password")
        entries = self.r.slowlog_get(5)
        commands = [e["command"] for e in entries]
        self.assertIn(b"AUTH (redacted)", commands)
        self.assertIn(b"SET k " + b"A" * 128 + b"... (2 more bytes)", commands)
        sadd = [c for c in commands if c.startswith(b"SADD")][0]
        self.assertTrue(sadd.endswith(b" 28 ... (11 more arguments)"), sadd)

    def test_threshold_minus_one_logs_nothing(self):
        self.r.config_set("slowlog-log-slower-than", -1)
        self.r.slowlog_reset()
        self.r.ping()
        self.assertEqual(self.r.slowlog_len(), 0)
        self.assertEqual(self.r.config_get("slowlog-log-slower-than"),
                         {"slowlog-log-slower-than": "-1"})

    def test_a_slow_command_is_logged_at_the_default_threshold(self):
        self.r.config_set("slowlog-log-slower-than", 100000)
        self.r.execute_command("DEBUG", "SLEEP", "0.2")
        entry = self.r.slowlog_get(1)[0]
        self.assertEqual(entry["command"], b"DEBUG SLEEP 0.2")
        self.assertGreaterEqual(entry["duration"], 200000)


class TestLatency(ServerTestCase):
    server_args = ["--enable-debug-command", "yes", "--latency-monitor-threshold", "50"]

    def test_a_slow_command_becomes_a_command_event(self):
        self.r.execute_command("LATENCY", "RESET")
        self.r.execute_command("DEBUG", "SLEEP", "0.1")
        latest = self.r.execute_command("LATENCY", "LATEST")
        self.assertEqual(latest[0][0], b"command")
        self.assertGreaterEqual(latest[0][2], 100)
        history = self.r.execute_command("LATENCY", "HISTORY", "command")
        self.assertEqual(len(history), 1)
        self.assertEqual(self.r.execute_command("LATENCY", "HISTORY", "nope"), [])
        graph = self.r.execute_command("LATENCY", "GRAPH", "command")
        self.assertTrue(graph.startswith(b"command - high "))
        with self.assertRaises(redis.ResponseError) as e:
            self.r.execute_command("LATENCY", "GRAPH", "nope")
        self.assertEqual(str(e.exception), "No samples available for event 'nope'")
        self.assertIn(b"1. command: 1 latency spikes",
                      self.r.execute_command("LATENCY", "DOCTOR"))
        self.assertEqual(self.r.execute_command("LATENCY", "RESET", "nope"), 0)
        self.assertEqual(self.r.execute_command("LATENCY", "RESET"), 1)
        self.assertEqual(self.r.execute_command("LATENCY", "LATEST"), [])

    def test_info_latencystats_gives_percentiles_per_command(self):
        self.r.config_resetstat()
        for _ in range(100):
            self.r.set("a", "b")
        self.r.execute_command("DEBUG", "SLEEP", "0.01")
        raw = self.server.raw_connection()
        self.addCleanup(raw.close)

        def latencystats():
            info = raw.command("INFO", "LATENCYSTATS").to_py().decode()
            return dict(line.split(":", 1) for line in info.split("\r\n")[1:] if line)

        lines = latencystats()
        self.assertRegex(lines["latency_percentiles_usec_set"],
                         r"^p50=\d+\.\d{3},p99=\d+\.\d{3},p99\.9=\d+\.\d{3}$")
        sleep = dict(kv.split("=") for kv in lines["latency_percentiles_usec_debug"].split(","))
        # at least the 10 ms it slept (a bucket's top is never below what it holds)
        self.assertGreaterEqual(float(sleep["p50"]), 10000)
        self.r.config_set("latency-tracking-info-percentiles", "90")
        self.assertRegex(latencystats()["latency_percentiles_usec_set"], r"^p90=\d+\.\d{3}$")

    def test_histogram_counts_calls_in_power_of_two_buckets(self):
        self.r.config_resetstat()
        self.r.set("a", "b")
        self.r.set("c", "d")
        self.r.client_id()
        reply = self.r.execute_command("LATENCY", "HISTOGRAM", "set", "client", "blabla")
        histograms = dict(zip(reply[0::2], reply[1::2]))
        self.assertEqual(sorted(histograms), [b"client|id", b"set"])
        calls, count, label, buckets = histograms[b"set"]
        self.assertEqual((calls, count, label), (b"calls", 2, b"histogram_usec"))
        bounds = buckets[0::2]
        allowed = {1, 2, 4, 8, 16, 33, 66, 132, 264, 528, 1056, 2113, 4227, 8454, 16908}
        self.assertTrue(set(bounds) <= allowed | set(range(16909, 10 ** 7)), bounds)
        self.assertEqual(buckets[-1], 2)  # cumulative
        self.assertEqual(self.r.execute_command("LATENCY", "HISTOGRAM", "blabla"), [])


if __name__ == "__main__":
    main()
