"""The RDB of a full sync (SYNC/PSYNC, redis-cli --rdb) is built by a background job while the
primary serves its other clients. These tests hold the job's edges: a replica that leaves
while its file is built, a server shut down meanwhile, and a later replica that still gets
everything. (How long other clients wait during a sync is measured by scripts/bench
--replication-only, not asserted here.)
"""
import os
import socket
import sys
import time
import unittest

import redis

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


def wait_for(conn, predicate, what, timeout=30):
    """Reads conn until predicate(conn.buf) is true."""
    def check():
        conn._recv(0.2)
        return predicate(conn.buf)
    wait_until(check, what, timeout)


@unittest.skipIf(is_reference_redis(), "cairn's streamed RDB (what Redis calls disk-less sync)")
class StreamedRdbTest(unittest.TestCase):
    """A replica that announced `capa eof` (redis-server, redis-cli and cairn all do) gets the
    file as it is built: `$EOF:<mark>`, the file, the mark, as from a Redis primary with
    repl-diskless-sync yes. Builds are held with rdb-key-save-delay, as Redis's own tests
    hold theirs."""

    KEYS = 20

    def setUp(self):
        self.server = ServerProcess(["--repl-diskless-sync-delay", "0"])
        # Under AddressSanitizer, freed pieces would otherwise stay counted (quarantine).
        self.server.asan_quarantine_mb = 0
        self.server.start()
        self.addCleanup(self.server.stop)
        self.r = self.server.client(socket_timeout=30)
        for i in range(self.KEYS):
            self.r.set("key:%d" % i, "value:%d" % i)
        self.psync_conns = []

    def psync(self):
        conn = self.server.raw_connection()
        self.addCleanup(conn.close)
        self.psync_conns.append(conn)
        self.assertEqual(conn.command("REPLCONF", "capa", "eof").value, b"OK")
        port = str(6000 + len(self.psync_conns))
        self.assertEqual(conn.command("REPLCONF", "listening-port", port).value, b"OK")
        conn.send_command("PSYNC", "?", "-1")
        return conn

    def split(self, buf):
        """(replid line, mark, file so far) of a streamed full sync."""
        line, _, rest = buf.partition(b"\r\n")
        self.assertTrue(line.startswith(b"+FULLRESYNC "), buf[:80])
        header, _, body = rest.partition(b"\r\n")
        self.assertTrue(header.startswith(b"$EOF:"), rest[:80])
        mark = header[5:]
        self.assertEqual(len(mark), 40)
        return line, mark, body

    def big_keys(self, n):
        """n values of 1 MB that do not compress, instead of the small keys: the file is
        handed on in pieces of about 1 MB, so each key makes one."""
        self.r.flushall()
        for i in range(n):
            self.r.set("big:%d" % i, os.urandom(1 << 20))

    def test_the_file_arrives_while_it_is_built_and_the_stream_waits_for_the_ack(self):
        self.big_keys(8)
        self.r.config_set("rdb-key-save-delay", 400000)  # 0.4 s a key: 3.2 s for the file
        conn = self.psync()
        # The first key's piece arrives while the other seven are still to be written.
        wait_for(conn, lambda b: b.count(b"\r\n") >= 2 and len(b) > (1 << 20), "a piece", 10)
        _, mark, body = self.split(conn.buf)
        self.assertTrue(body.startswith(b"REDIS0010"))
        self.assertFalse(conn.buf.endswith(mark))
        self.assertTrue(self.r.ping())  # the primary answers meanwhile
        self.r.set("after-the-cut", "1")  # not in the file: the stream brings it, later
        self.r.config_set("rdb-key-save-delay", 0)
        wait_for(conn, lambda b: b.endswith(mark), "the file's end mark")
        _, _, body = self.split(conn.buf)
        self.assertIn(b"big:7", body)
        self.assertNotIn(b"after-the-cut", body)
        # Nothing follows the mark until the replica acknowledges the file (Redis's rule):
        # a replica looks for the mark at the end of what it has read.
        self.r.set("before-the-ack", "1")
        time.sleep(0.5)
        conn._recv(0.2)
        self.assertTrue(conn.buf.endswith(mark), conn.buf[-120:])
        conn.send_command("REPLCONF", "ACK", "0")
        wait_for(conn, lambda b: b"before-the-ack" in b.partition(mark)[2], "the stream")
        stream = conn.buf.partition(mark)[2]
        self.assertLess(stream.index(b"after-the-cut"), stream.index(b"before-the-ack"))

    def test_a_replica_that_reads_slowly_gets_the_whole_file(self):
        self.big_keys(48)  # far more than the pipe's window and the sockets' buffers
        conn = self.psync()
        got = []

        def whole():
            conn.sock.settimeout(1)
            try:
                chunk = conn.sock.recv(256 << 10)
            except socket.timeout:  # the cut may wait for the log to be durable
                return False
            time.sleep(0.005)
            if not chunk:
                return False
            got.append(chunk)
            head = b"".join(got[:2])
            mark = head.partition(b"$EOF:")[2][:40]
            return len(mark) == 40 and b"".join(got[-2:]).endswith(mark)
        wait_until(whole, "the end mark", 60)
        self.assertGreater(sum(len(c) for c in got), 48 << 20)

    def test_a_replica_that_stops_reading_is_dropped_after_repl_timeout(self):
        self.big_keys(40)
        self.r.config_set("repl-timeout", 1)
        conn = self.psync()  # and never reads
        wait_until(lambda: "Disconnecting timedout replica (streaming sync)" in
                   self.server.log_text(), "the primary to drop the replica", 20)
        wait_until(lambda: self.r.info("replication")["connected_slaves"] == 0,
                   "the replica to be gone")
        self.assertTrue(self.r.ping())

    def test_wait_counts_a_replica_only_once_it_acknowledges(self):
        def whole_file(conn):
            wait_for(conn, lambda b: b.count(b"\r\n") >= 2 and b.endswith(self.split(b)[1]),
                     "the whole file")
        whole_file(self.psync())  # from here on, writes move the replication offset
        self.r.set("in-the-next-file", "1")
        whole_file(self.psync())
        # The second replica's file holds the write, but it has not loaded it yet.
        self.assertEqual(self.r.wait(1, 200), 0)

        def acknowledged():  # each ack may bring a keep-alive PING: ack it too
            offset = self.r.info("replication")["master_repl_offset"]
            self.psync_conns[1].send_command("REPLCONF", "ACK", str(offset))
            return self.r.wait(1, 100) == 1
        wait_until(acknowledged, "WAIT to count the replica once it acknowledges")

    def replica_line(self):
        return self.r.info("replication")["slave0"]

    def assert_online_only_once_the_file_is_through(self, state, read_all):
        """Until the file is through, the replica shows Redis's state, is not in ROLE, and does
        not count for min-replicas-to-write; then it is online and counts at once."""
        # Listed from its SYNC on (wait_bgsave while the file is built, as Redis lists it).
        wait_until(lambda: self.r.info("replication")["connected_slaves"] == 1,
                   "the replica to attach")
        wait_until(lambda: self.replica_line()["state"] == state, state)
        self.assertEqual(self.replica_line()["lag"], 0)
        self.assertEqual(self.r.execute_command("ROLE")[2], [])
        with self.assertRaisesRegex(redis.ResponseError, "FAILOVER target replica is not online"):
            self.r.execute_command("FAILOVER", "TO", "127.0.0.1", self.replica_line()["port"])
        self.r.config_set("min-replicas-to-write", 1)
        with self.assertRaisesRegex(redis.ResponseError, "NOREPLICAS"):
            self.r.set("refused", "1")
        self.r.config_set("min-replicas-to-write", 0)
        self.assertEqual(self.r.wait(1, 100), 0)  # WAIT counts it only once online
        self.r.config_set("min-replicas-to-write", 1)
        read_all()
        wait_until(lambda: self.replica_line()["state"] == "online", "the replica online")
        self.assertEqual(len(self.r.execute_command("ROLE")[2]), 1)
        self.assertTrue(self.r.set("accepted", "1"))  # its lag counts from the file's end
        self.assertIn("Synchronization with replica", self.server.log_text())

    def test_a_replica_is_wait_bgsave_until_its_streamed_file_is_through(self):
        self.big_keys(8)
        self.r.config_set("rdb-key-save-delay", 200000)
        conn = self.psync()

        def read_all():
            self.r.config_set("rdb-key-save-delay", 0)
            wait_for(conn, lambda b: b.count(b"\r\n") >= 2 and b.endswith(self.split(b)[1]),
                     "the whole file")
        self.assert_online_only_once_the_file_is_through("wait_bgsave", read_all)
        self.assertIn("Streamed RDB transfer with replica", self.server.log_text())

    def test_a_replica_is_send_bulk_until_its_whole_file_is_through(self):
        self.big_keys(40)  # more than the sockets' buffers take
        self.r.config_set("repl-diskless-sync", "no")
        conn = self.psync()  # and does not read yet

        def read_all():
            def whole():
                conn._recv(0.2)
                _, _, rest = conn.buf.partition(b"\r\n")
                header, _, body = rest.partition(b"\r\n")
                return header[1:].isdigit() and len(body) >= int(header[1:])
            wait_until(whole, "the whole file", 60)
        self.assert_online_only_once_the_file_is_through("send_bulk", read_all)

    def whole_file(self, conn):
        """The file body (mark included) once conn has all of it, and its mark."""
        wait_for(conn, lambda b: b.count(b"\r\n") >= 2 and b.endswith(self.split(b)[1]),
                 "the whole file", 60)
        _, mark, body = self.split(conn.buf)
        return body, mark

    def builds_started(self):
        return self.server.log_text().count("Starting BGSAVE for SYNC")

    def test_replicas_that_ask_within_the_delay_share_one_build(self):
        self.r.config_set("repl-diskless-sync-delay", 2)
        first = self.psync()
        # Listed while it waits for the delay, as Redis lists it.
        wait_until(lambda: self.r.info("replication")["connected_slaves"] == 1, "listed")
        self.assertEqual(self.replica_line()["state"], "wait_bgsave")
        time.sleep(0.3)
        second = self.psync()
        (body1, mark1), (body2, mark2) = self.whole_file(first), self.whole_file(second)
        self.assertEqual(mark1, mark2)  # one file, one end mark: Redis's one child for both
        self.assertEqual(body1, body2)
        self.assertEqual(self.builds_started(), 1)
        self.assertIn("Delay next BGSAVE for diskless SYNC", self.server.log_text())
        self.assertEqual(self.r.info("stats")["sync_full"], 2)
        wait_until(lambda: self.r.info("replication")["connected_slaves"] == 2, "two replicas")

    def test_enough_replicas_start_the_build_before_the_delay_ends(self):
        self.r.config_set("repl-diskless-sync-delay", 60)
        self.r.config_set("repl-diskless-sync-max-replicas", 2)
        first = self.psync()
        time.sleep(0.3)
        second = self.psync()
        self.assertEqual(self.whole_file(first)[1], self.whole_file(second)[1])

    def test_a_replica_that_asks_after_a_cut_gets_a_file_of_its_own(self):
        """It may not join the build under way: that file lacks what was written between the
        cut and its PSYNC."""
        self.big_keys(8)
        self.r.config_set("rdb-key-save-delay", 200000)  # 1.6 s for the first file
        first = self.psync()
        wait_for(first, lambda b: len(b) > (1 << 20), "a piece of the first file", 10)
        self.r.set("after-the-first-cut", "1")
        second = self.psync()
        self.r.config_set("rdb-key-save-delay", 0)
        body1, mark1 = self.whole_file(first)
        body2, mark2 = self.whole_file(second)
        self.assertNotEqual(mark1, mark2)
        self.assertNotIn(b"after-the-first-cut", body1)
        self.assertIn(b"after-the-first-cut", body2)
        self.assertEqual(self.builds_started(), 2)

    def test_a_replica_that_leaves_a_shared_file_does_not_stop_the_others(self):
        self.big_keys(8)
        self.r.config_set("repl-diskless-sync-delay", 1)
        self.r.config_set("rdb-key-save-delay", 200000)
        leaving, staying = self.psync(), self.psync()
        wait_for(leaving, lambda b: len(b) > (1 << 20), "a piece", 10)
        leaving.close()
        self.r.config_set("rdb-key-save-delay", 0)
        body, _ = self.whole_file(staying)
        self.assertIn(b"big:7", body)
        wait_until(lambda: self.r.info("replication")["connected_slaves"] == 1,
                   "the one that stayed")

    def test_repl_diskless_sync_no_sends_the_whole_file_with_its_length(self):
        self.r.config_set("repl-diskless-sync", "no")
        conn = self.psync()
        wait_for(conn, lambda b: b.count(b"\r\n") >= 2, "the file's header")
        _, _, rest = conn.buf.partition(b"\r\n")
        header, _, _ = rest.partition(b"\r\n")
        self.assertTrue(header.startswith(b"$") and header[1:].isdigit(), header)

    def test_a_replica_that_leaves_mid_file_costs_nothing(self):
        self.big_keys(8)
        self.r.config_set("rdb-key-save-delay", 400000)
        conn = self.psync()
        wait_for(conn, lambda b: len(b) > (1 << 20), "a piece", 10)
        self.assertEqual(self.r.info("replication")["connected_slaves"], 1)
        conn.close()  # while seven keys are still to be written
        wait_until(lambda: self.r.info("replication")["connected_slaves"] == 0,
                   "the replica to be gone")
        self.r.config_set("rdb-key-save-delay", 0)
        late = self.psync()
        wait_for(late, lambda b: b.count(b"\r\n") >= 2 and
                 b.endswith(self.split(b)[1]), "a later replica's whole file")
        self.assertEqual(self.r.info("stats")["sync_full"], 2)

    def test_a_replica_that_does_not_read_holds_a_window_not_the_file(self):
        """40 MB of values that do not compress: the stalled replica's file would take 40 MB
        of the primary's memory if it were built whole; streamed, it takes a few MB."""
        self.big_keys(40)
        before = self.r.info("memory")["used_memory"]
        conn = self.psync()  # and never reads again
        wait_until(lambda: self.r.info("replication")["connected_slaves"] == 1,
                   "the replica to attach")
        time.sleep(2)  # the build goes as far as the window lets it
        grown = self.r.info("memory")["used_memory"] - before
        self.assertLess(grown, 20 << 20)
        self.assertTrue(self.r.ping())
        shut_down_cleanly(self)  # the job waiting for the replica ends
