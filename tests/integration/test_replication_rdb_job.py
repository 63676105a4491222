"""The RDB of a full sync (SYNC/PSYNC, redis-cli --rdb) is built by a background job while the
primary serves its other clients. These tests hold the job's edges: a replica that leaves
while its file is built, a server shut down meanwhile, and a later replica that still gets
everything. (How long other clients wait during a sync is measured by scripts/bench
--replication-only, not asserted here.)
"""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (REFERENCE_BINARY, ServerProcess, is_reference_redis,  # noqa: E402
                     wait_until)

KEYS = 200000
FILL = ("for i = tonumber(ARGV[1]), tonumber(ARGV[2]) do "
        "redis.call('SET', 'key:' .. i, 'value:' .. i) end")


def fill(r, n):
    for start in range(0, n, 50000):
        r.eval(FILL, 0, start, min(start + 50000, n) - 1)


def shut_down_cleanly(test):
    """SHUTDOWN NOSAVE through test.r; the server must exit with status 0."""
    test.server.expect_exit = True
    try:
        test.r.execute_command("SHUTDOWN", "NOSAVE")
    except Exception:  # the connection closes as the server exits
        pass
    test.assertEqual(test.server.wait_exit(30), 0, test.server.log_text()[-2000:])


@unittest.skipIf(is_reference_redis(), "cairn's background RDB job")
class RdbJobTest(unittest.TestCase):
    def setUp(self):
        self.server = ServerProcess(["--repl-diskless-sync-delay", "0"]).start()
        self.r = self.server.client()
        fill(self.r, KEYS)

    def tearDown(self):
        self.server.stop()

    def start_sync(self, rdb_only):
        conn = self.server.raw_connection()
        self.addCleanup(conn.close)
        if rdb_only:
            self.assertEqual(conn.command("REPLCONF", "rdb-only", "1").value, b"OK")
        conn.send_command("SYNC")  # the job starts; nothing is read
        return conn

    def test_clients_that_leave_while_their_file_is_built_cost_nothing(self):
        for rdb_only in (False, True, False):
            self.start_sync(rdb_only).close()
        self.assertEqual(self.r.ping(), True)
        self.r.set("after", "1")
        if not os.path.exists(REFERENCE_BINARY):
            return
        replica = ServerProcess(["--replicaof", "127.0.0.1", self.server.port],
                                binary=REFERENCE_BINARY).start()
        self.addCleanup(replica.stop)
        rc = replica.client()
        wait_until(lambda: rc.info("replication")["master_link_status"] == "up" and
                   rc.dbsize() == KEYS + 1, "the replica to hold every key")
        self.assertEqual(rc.get("key:%d" % (KEYS - 1)), b"value:%d" % (KEYS - 1))
        self.assertEqual(self.r.info("stats")["sync_full"], 1)

    def test_shutdown_while_a_file_is_built(self):
        conn = self.start_sync(rdb_only=False)
        shut_down_cleanly(self)

    def assert_whole_file(self, conn):
        data, closed = conn.read_until_close(timeout=60)
        self.assertTrue(closed)
        self.assertTrue(data.startswith(b"$"), data[:50])
        header, _, body = data.partition(b"\r\n")
        self.assertEqual(len(body), int(header[1:]))
        self.assertTrue(body.startswith(b"REDIS0010"), body[:20])

    def test_the_file_arrives_whole_while_other_clients_are_served(self):
        conn = self.start_sync(rdb_only=True)
        others = [self.server.client() for _ in range(8)]
        for c in others:
            self.assertEqual(c.incr("counter"), others.index(c) + 1)
        self.assert_whole_file(conn)

    def test_more_files_at_once_than_jobs_all_arrive_whole(self):
        # More than two per I/O thread: the ones past the limit wait for a free slot.
        conns = [self.start_sync(rdb_only=True) for _ in range(6)]
        for conn in conns:
            self.assert_whole_file(conn)


@unittest.skipIf(is_reference_redis(), "cairn's background RDB job")
class QueuedRdbJobTest(unittest.TestCase):
    """An I/O thread builds at most two files at once; the files asked for past that wait
    their turn off the thread. One I/O thread, and builds held for as long as the test
    wants (rdb-key-save-delay, as Redis's own tests hold theirs): with more files asked for
    than slots, the thread still answers its other clients, and once the builds may go on
    every client gets its whole file. (Before the queue, a job past the limit was built on
    the I/O thread itself, which then answered nobody until that file was done.)"""

    KEYS = 50
    JOBS = 4  # two run, two wait

    def setUp(self):
        self.server = ServerProcess(["--threads", "1",
                                     "--repl-diskless-sync-delay", "0"]).start()
        self.addCleanup(self.server.stop)
        # The timeout only detects a thread that no longer answers; no reply is timed.
        self.r = self.server.client(socket_timeout=30)
        for i in range(self.KEYS):
            self.r.set("key:%d" % i, "value:%d" % i)
        self.r.config_set("rdb-key-save-delay", 10000000)  # ten seconds a key: builds wait

    def syncs_read(self):
        return sum(1 for c in self.r.client_list() if c["cmd"] in ("sync", "psync"))

    def start_syncs(self, rdb_only):
        conns = []
        for n in range(1, self.JOBS + 1):
            conn = self.server.raw_connection()
            self.addCleanup(conn.close)
            if rdb_only:
                self.assertEqual(conn.command("REPLCONF", "rdb-only", "1").value, b"OK")
            conn.send_command("SYNC")
            # The server has taken this SYNC (started or queued its job) and answers others.
            wait_until(lambda: self.syncs_read() == n, "SYNC number %d to be taken" % n)
            conns.append(conn)
        return conns

    def release_builds(self):
        self.r.config_set("rdb-key-save-delay", 0)

    def assert_whole_file(self, conn):
        data, closed = conn.read_until_close(timeout=60)
        self.assertTrue(closed)
        header, _, body = data.partition(b"\r\n")
        self.assertTrue(header.startswith(b"$"), data[:50])
        self.assertEqual(len(body), int(header[1:]))
        self.assertTrue(body.startswith(b"REDIS0010"), body[:20])

    def read_file(self, conn):
        """A replica's $<length> and file (its stream follows, with no CRLF between)."""
        def whole():
            conn._recv(1.0)
            header, sep, body = conn.buf.partition(b"\r\n")
            self.assertTrue(not sep or header.startswith(b"$"), conn.buf[:50])
            return sep and len(body) >= int(header[1:]) and body
        body = wait_until(whole, "the whole file", 60)
        self.assertTrue(body.startswith(b"REDIS0010"), body[:20])

    def test_files_past_the_jobs_limit_wait_off_the_io_thread(self):
        conns = self.start_syncs(rdb_only=True)
        self.assertTrue(self.r.ping())
        self.r.set("while-held", "1")
        self.assertEqual(self.r.get("while-held"), b"1")
        self.release_builds()
        for conn in conns:
            self.assert_whole_file(conn)
        self.assertTrue(self.r.ping())

    def test_replicas_that_leave_while_their_job_waits_cost_nothing(self):
        conns = self.start_syncs(rdb_only=False)
        for conn in conns[2:]:  # the queued ones
            conn.close()
        wait_until(lambda: self.syncs_read() == 2, "the queued replicas to be gone")
        self.release_builds()
        for conn in conns[:2]:
            self.read_file(conn)
        wait_until(lambda: self.r.info("replication")["connected_slaves"] == 2,
                   "the two replicas that stayed to be online")
        # A later replica still gets a file, and the server shuts down cleanly.
        late = self.server.raw_connection()
        self.addCleanup(late.close)
        late.send_command("SYNC")
        self.read_file(late)
        self.assertEqual(self.r.info("stats")["sync_full"], 3)

    def test_shutdown_with_jobs_waiting(self):
        self.start_syncs(rdb_only=False)
        shut_down_cleanly(self)


class ReplicaIdleTest(unittest.TestCase):
    """`timeout` closes idle clients, but never a replica (from its SYNC on), as in Redis: a
    replica waiting for its RDB, or one with nothing to acknowledge, is not idle."""

    def test_a_replica_that_sends_nothing_is_not_closed_by_timeout(self):
        server = ServerProcess(["--timeout", "1", "--repl-diskless-sync-delay", "0"]).start()
        self.addCleanup(server.stop)
        conn = server.raw_connection(timeout=10)
        self.addCleanup(conn.close)
        conn.send_command("SYNC")
        # Past the idle timeout without a word from the replica (it reads what comes).
        data, closed = conn.read_until_close(timeout=3.5)
        self.assertFalse(closed)
        self.assertIn(b"REDIS", data)  # the RDB came ($<length>, or Redis's $EOF:<mark>)
        server.client().set("after-the-timeout", "1")
        data, closed = conn.read_until_close(timeout=2)
        self.assertFalse(closed)
        self.assertIn(b"after-the-timeout", data)
