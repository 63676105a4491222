"""CONFIG SET appendonly at runtime: the log turned on (what was there and what comes after
both survive kill -9) and off (what comes after is not logged), checked against redis-server
7.0 first (its AOF: CONFIG SET appendonly yes starts a rewrite, which the tests wait for).

cairn's own: a SAVE while the log is off supersedes the stopped log (Redis would start from
its stale AOF); a log turned on whose base snapshot fails is turned off again, and recovery
drops a log whose base never landed instead of refusing to start; the switch is refused
inside MULTI/EXEC.

Run: /usr/bin/python3 -m unittest -v tests/integration/test_appendonly_switch.py
"""

import os
import shutil
import sys
import tempfile
import unittest

import redis

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (DurableServer, is_reference_redis, main, skip_on_reference,  # noqa: E402
                     wait_until)

WAL_ON = ["--appendonly", "yes"]
WAL_OFF = ["--appendonly", "no"]


class AppendOnlySwitchTest(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="cairn-aof-switch-")
        self.server = None

    def tearDown(self):
        if self.server is not None:
            self.server.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def start(self, appendonly_args):
        if self.server is None:
            self.server = DurableServer(self.root, appendonly_args)
        else:
            self.server.extra_args[-2:] = appendonly_args
        self.server.start()
        return self.server.client()

    def switch(self, r, value):
        self.assertTrue(r.config_set("appendonly", value))
        # Both write the new log's base (Redis: its AOF rewrite) in the background.
        wait_until(lambda: r.info("persistence")["aof_rewrite_in_progress"] == 0
                   and r.info("persistence")["aof_rewrite_scheduled"] == 0,
                   "the AOF rewrite to end")
        self.assertEqual(r.info("persistence")["aof_enabled"], 1 if value == "yes" else 0)

    def crash_and_restart(self, appendonly_args=WAL_ON):
        self.server.kill9()
        return self.start(appendonly_args)

    def test_turned_on_what_was_there_and_what_comes_after_survive_kill9(self):
        r = self.start(WAL_OFF)
        r.set("before", "1")
        r.rpush("list", "a", "b")
        self.switch(r, "yes")
        for _ in range(5):
            r.incr("after")
        r.rpush("list", "c")
        r = self.crash_and_restart()
        self.assertEqual(r.get("before"), b"1")
        self.assertEqual(r.get("after"), b"5")
        self.assertEqual(r.lrange("list", 0, -1), [b"a", b"b", b"c"])

    def test_turned_off_what_comes_after_is_not_logged(self):
        r = self.start(WAL_ON)
        r.set("logged", "1")
        self.switch(r, "no")
        r.set("unlogged", "2")
        r.incr("logged")
        r = self.crash_and_restart()
        self.assertEqual(r.get("logged"), b"1")
        self.assertIsNone(r.get("unlogged"))

    @skip_on_reference("Redis starts from its old AOF and ignores the newer RDB: 'saved' is lost")
    def test_off_then_a_save_then_a_restart_with_the_log_keeps_what_the_save_holds(self):
        r = self.start(WAL_ON)
        r.set("logged", "1")
        self.switch(r, "no")
        r.set("saved", "2")
        r.save()  # supersedes the stopped log's segments, which go
        left = [f for f in os.listdir(self.server.dir) if f.startswith("wal-")]
        self.assertEqual(left, [])  # nor the marker that guarded their removal
        r = self.crash_and_restart()
        self.assertEqual(r.mget("logged", "saved"), [b"1", b"2"])
        r.incr("logged")
        r = self.crash_and_restart()
        self.assertEqual(r.get("logged"), b"2")

    def open_files_in_dir(self):
        """The files in the server's directory that its process holds open, removed ones too."""
        fd_dir = f"/proc/{self.server.proc.pid}/fd"
        held = []
        for fd in os.listdir(fd_dir):
            try:
                target = os.readlink(os.path.join(fd_dir, fd))
            except OSError:
                continue  # closed meanwhile
            if target.startswith(os.path.realpath(self.server.dir) + "/"):
                held.append(target)
        return held

    def test_turned_off_the_log_holds_no_file_and_its_removal_frees_the_disk(self):
        r = self.start(WAL_ON)
        r.set("logged", "x" * 1000)
        self.assertNotEqual(self.open_files_in_dir(), [])  # the log's file, while it runs
        self.switch(r, "no")
        self.assertEqual(self.open_files_in_dir(), [])
        r.set("saved", "2")
        r.save()  # cairn: supersedes and removes the stopped log's segments
        self.assertEqual(self.open_files_in_dir(), [])  # none lingers, removed but held
        self.switch(r, "yes")
        self.switch(r, "no")
        self.assertEqual(self.open_files_in_dir(), [])

    def test_off_and_on_again_keeps_everything_from_before_the_second_switch(self):
        r = self.start(WAL_ON)
        r.set("first", "1")
        self.switch(r, "no")
        r.set("second", "2")
        self.switch(r, "yes")
        r.set("third", "3")
        r = self.crash_and_restart()
        self.assertEqual(r.mget("first", "second", "third"), [b"1", b"2", b"3"])
        # Once more from the restarted server: its log goes on from the switched one.
        r.set("fourth", "4")
        r = self.crash_and_restart()
        self.assertEqual(r.mget("first", "second", "third", "fourth"), [b"1", b"2", b"3", b"4"])

    @skip_on_reference("Redis retries a failed AOF rewrite and keeps appendonly yes")
    def test_a_base_snapshot_that_fails_turns_the_log_off_and_a_restart_drops_it(self):
        r = self.start(WAL_OFF)
        r.set("saved", "1")
        r.save()
        r.set("unsaved", "2")
        blocker = os.path.join(self.server.dir, "snapshot.cairn.tmp")
        os.mkdir(blocker)  # the snapshot cannot be written
        self.assertTrue(r.config_set("appendonly", "yes"))  # the base runs in the background
        r.set("during", "3")  # its reply waits for the base, which fails: then it leaves
        wait_until(lambda: r.info("persistence")["aof_rewrite_in_progress"] == 0,
                   "the base snapshot to end")
        self.assertEqual(r.config_get("appendonly"), {"appendonly": "no"})
        persistence = r.info("persistence")
        self.assertEqual(persistence["aof_enabled"], 0)
        self.assertEqual(persistence["aof_last_bgrewrite_status"], "err")
        self.assertEqual(persistence["aof_rewrites_consecutive_failures"], 1)
        self.assertIn("base snapshot failed", self.server.log_text())
        r.set("after", "4")  # answered: the server goes on without a log, as before
        os.rmdir(blocker)
        r = self.crash_and_restart()  # the marker is there, the base is not
        self.assertIn("never got its base snapshot", self.server.log_text())
        self.assertEqual(r.get("saved"), b"1")
        self.assertIsNone(r.get("unsaved"))
        self.assertIsNone(r.get("during"))
        self.assertIsNone(r.get("after"))

    @skip_on_reference("Redis retries a failed AOF rewrite and keeps appendonly yes")
    def test_after_a_failed_base_the_switch_can_be_made_again(self):
        r = self.start(WAL_OFF)
        blocker = os.path.join(self.server.dir, "snapshot.cairn.tmp")
        os.mkdir(blocker)
        self.assertTrue(r.config_set("appendonly", "yes"))
        wait_until(lambda: r.config_get("appendonly") == {"appendonly": "no"},
                   "the failed base to turn the log off")
        os.rmdir(blocker)
        self.switch(r, "yes")
        r.set("logged", "1")
        r = self.crash_and_restart()
        self.assertEqual(r.get("logged"), b"1")

    def test_the_switch_answers_while_its_base_is_written_and_reads_go_on(self):
        r = self.start(WAL_OFF)
        for i in range(20):
            r.set("k%d" % i, i)
        r.config_set("rdb-key-save-delay", 1000000)  # 1 s a key: 20 s, until it is set to 0
        self.assertTrue(r.config_set("appendonly", "yes"))
        # Answered before the base has landed (Redis: its rewrite is still running).
        self.assertEqual(r.info("persistence")["aof_rewrite_in_progress"], 1)
        self.assertEqual(r.config_get("appendonly"), {"appendonly": "yes"})
        reader = self.server.client()
        self.assertEqual(reader.get("k7"), b"7")  # reads go on meanwhile
        self.assertEqual(r.info("persistence")["aof_rewrite_in_progress"], 1)
        r.config_set("rdb-key-save-delay", 0)  # the rest of the base goes at full speed
        wait_until(lambda: r.info("persistence")["aof_rewrite_in_progress"] == 0,
                   "the base snapshot to land")
        self.assertEqual(r.info("persistence")["aof_enabled"], 1)
        r.incr("k0")
        r = self.crash_and_restart()
        self.assertEqual(r.mget("k0", "k19"), [b"1", b"19"])

    def test_turned_off_while_its_base_is_written_the_base_stops(self):
        r = self.start(WAL_OFF)
        for i in range(20):
            r.set("k%d" % i, i)
        r.config_set("rdb-key-save-delay", 1000000)  # 1 s a key: 20 s unless stopped
        self.assertTrue(r.config_set("appendonly", "yes"))
        self.assertEqual(r.info("persistence")["aof_rewrite_in_progress"], 1)
        self.switch(r, "no")  # Redis kills its rewrite; cairn stops its base after a key
        persistence = r.info("persistence")
        self.assertEqual(persistence["aof_enabled"], 0)
        self.assertEqual(persistence["aof_last_bgrewrite_status"], "ok")  # no disk failure
        self.assertEqual(r.config_get("appendonly"), {"appendonly": "no"})
        if not is_reference_redis():
            self.assertIn("base snapshot was stopped", self.server.log_text())
            self.assertNotIn("base snapshot has landed", self.server.log_text())
        r.config_set("rdb-key-save-delay", 0)
        self.switch(r, "yes")  # and the log can be turned on again
        r.incr("k0")
        r = self.crash_and_restart()
        self.assertEqual(r.mget("k0", "k19"), [b"1", b"19"])

    @skip_on_reference("cairn's snapshot file is the log's base")
    def test_info_sizes_the_base_and_what_the_log_wrote_since(self):
        r = self.start(WAL_ON)
        r.set("k", "v" * 1000)
        r.bgrewriteaof()
        wait_until(lambda: r.info("persistence")["aof_rewrite_in_progress"] == 0,
                   "the snapshot to end")
        snapshot = os.path.getsize(os.path.join(self.server.dir, "snapshot.cairn"))
        info = r.info("persistence")
        self.assertEqual((info["aof_base_size"], info["aof_current_size"]), (snapshot, snapshot))
        r.set("after", "x" * 500)
        info = r.info("persistence")
        self.assertGreater(info["aof_current_size"], snapshot + 500)
        self.switch(r, "no")
        self.switch(r, "yes")  # a new log: its base replaces the snapshot
        r.set("again", "y" * 300)
        info = r.info("persistence")
        base = os.path.getsize(os.path.join(self.server.dir, "snapshot.cairn"))
        self.assertEqual(info["aof_base_size"], base)
        self.assertGreater(info["aof_current_size"], base + 300)
        self.assertLess(info["aof_current_size"], base + 1000)  # the old log's bytes not counted
        r = self.crash_and_restart()
        self.assertEqual(r.info("persistence")["aof_base_size"], base)  # the loaded snapshot's

    @skip_on_reference("Redis acknowledges writes while its AOF rewrite runs")
    def test_a_write_made_while_the_base_is_written_is_answered_once_it_has_landed(self):
        r = self.start(WAL_OFF)
        for i in range(20):
            r.set("k%d" % i, i)
        r.config_set("rdb-key-save-delay", 50000)  # 1 s for the base
        self.assertTrue(r.config_set("appendonly", "yes"))
        writer = self.server.client()
        writer.set("during", "1")
        # Its reply left only once the log could rebuild it: after the base had landed and
        # the marker that would drop the log after a crash was gone.
        self.assertFalse(os.path.exists(os.path.join(self.server.dir, "wal-base-pending")))
        self.server.kill9()
        r = self.start(WAL_ON)
        self.assertEqual(r.get("during"), b"1")
        self.assertEqual(r.dbsize(), 21)

    @skip_on_reference("cairn's WAL segments and marker file")
    def test_recovery_drops_a_log_whose_base_never_landed_and_only_it(self):
        # What a crash between turning the log on and its base snapshot leaves: the marker
        # naming the log's first LSN, with no snapshot that far. Forged here on a log of
        # several segments: the marker names a later segment's first LSN.
        r = self.start(WAL_ON + ["--wal-segment-size", "4096"])
        for i in range(200):
            r.set("k%d" % i, "v" * 100)  # record i + 1
        self.server.kill9()
        segments = sorted(f for f in os.listdir(self.server.dir) if f.startswith("wal-"))
        self.assertGreater(len(segments), 2)
        first = int(segments[2][len("wal-"):-len(".log")])
        with open(os.path.join(self.server.dir, "wal-base-pending"), "w") as f:
            f.write("%d\n" % first)
        r = self.start(WAL_ON)
        self.assertIn("never got its base snapshot", self.server.log_text())
        self.assertEqual(r.dbsize(), first - 1)
        self.assertEqual(r.get("k%d" % (first - 2)), b"v" * 100)
        self.assertIsNone(r.get("k%d" % (first - 1)))
        self.assertFalse(os.path.exists(os.path.join(self.server.dir, "wal-base-pending")))
        r.set("after", "1")  # the log goes on from what is left
        r = self.crash_and_restart()
        self.assertEqual(r.dbsize(), first)

    @skip_on_reference("Redis switches inside MULTI")
    def test_inside_multi_the_switch_is_refused(self):
        r = self.start(WAL_OFF)
        pipe = r.pipeline(transaction=True)
        pipe.config_set("appendonly", "yes")
        with self.assertRaises(redis.ResponseError) as cm:
            pipe.execute()
        self.assertIn("inside MULTI/EXEC", str(cm.exception))
        self.assertEqual(r.config_get("appendonly"), {"appendonly": "no"})


if __name__ == "__main__":
    main()
