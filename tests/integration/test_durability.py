"""Durability of the real server: crash it with kill -9, restart it on the same directory, and
check that every acknowledged write is there exactly once; damage the write-ahead log the way
crashes (torn tail) and bad disks (a flipped byte) do; a failing disk (MISCONF, blocked clients
that must lose nothing, NOAUTH first); expiry across restarts; replies held until their write
is durable; shutdown syncs; the WAL figures in INFO persistence.

Every server here runs with --appendonly yes on a data directory that outlives the process
(DurableServer below); the harness's ServerProcess makes a fresh directory per start, so this
file starts and restarts the binary itself, reusing the harness's readiness check.

Environment: CAIRN_SERVER (the binary; these tests are skipped for redis-server, whose
persistence is another design), CAIRN_CHECK_WAL (cairn-check-wal, for the repair test),
CAIRN_CRASH_CYCLES (kill -9 cycles of the crash test, default 20).
"""
import os
import random
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import redis  # noqa: E402

from harness import (STARTUP_TIMEOUT, RawConnection, ServerProcess, free_port,  # noqa: E402
                     is_reference_redis, parse_one, Incomplete)

CHECK_WAL = os.environ.get("CAIRN_CHECK_WAL")
CRASH_CYCLES = int(os.environ.get("CAIRN_CRASH_CYCLES", "20"))
SKIP_REASON = "redis-server's persistence is not cairn's WAL"

# ---- the WAL format, as far as these tests need it (store/wal_format.h) -----------------

from wal_bytes import HEADER_SIZE, MAGIC, crc32c, encode_record, mask_crc, varint  # noqa: E402,F401


def record_spans(data):
    """[(offset, end, lsn)] of the records in one segment's bytes."""
    spans = []
    pos = HEADER_SIZE
    while pos < len(data):
        p = pos + 4
        size, shift = 0, 0
        while True:
            b = data[p]
            p += 1
            size |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                break
        lsn = struct.unpack_from("<Q", data, p + 1)[0]
        spans.append((pos, p + size, lsn))
        pos = p + size
    return spans


def segments(data_dir):
    """Segment paths, oldest first."""
    names = sorted(n for n in os.listdir(data_dir) if n.startswith("wal-") and n.endswith(".log"))
    return [os.path.join(data_dir, n) for n in names]


def read_file(path):
    with open(path, "rb") as f:
        return f.read()


# ---- a server process on a directory that survives restarts -----------------------------

class DurableServer(ServerProcess):
    """cairn-server with --appendonly yes on a fixed data directory. start() may be called
    again after kill9() / terminate() / shutdown: the next process replays the same WAL.
    Each start logs to its own file next to (not inside) the data directory."""

    def __init__(self, root, extra_args=()):
        super().__init__(["--appendonly", "yes"] + [str(a) for a in extra_args])
        self.root = root
        self.data_dir = os.path.join(root, "data")
        os.makedirs(self.data_dir, exist_ok=True)
        self.starts = 0

    def _spawn(self):
        self.starts += 1
        self.port = free_port()
        self.dir = self.data_dir
        self.log_path = os.path.join(self.root, "server-%d.log" % self.starts)
        args = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
                "--dir", self.data_dir, "--save", "", "--appendonly", "no"] + self.extra_args
        self._log = open(self.log_path, "ab")
        self._log.write(("=== %s\n" % " ".join(repr(a) for a in args)).encode())
        self._log.flush()
        self.proc = subprocess.Popen(args, stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, cwd=self.data_dir)

    def start(self):
        last_error = None
        for _attempt in range(3):  # the free port may be taken by someone else meanwhile
            self._spawn()
            try:
                self._wait_ready()
                return self
            except RuntimeError as e:
                last_error = e
                self._kill()
                if "in use" not in self.log_text().lower() and "another process" not in str(e):
                    break
        raise last_error

    def start_expecting_failure(self, timeout=STARTUP_TIMEOUT):
        """Starts a server that must refuse to start; returns (exit code, its output)."""
        self._spawn()
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self._kill()
            raise AssertionError("the server started although it should have refused; log:\n"
                                 + self.log_text())
        text = self.log_text()
        self._close_log()
        return code, text

    def kill9(self):
        self.proc.kill()
        self.proc.wait(10)
        self._close_log()

    def terminate(self):
        """SIGTERM; returns the exit code."""
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(30)
        self._close_log()
        return code

    def wait_exit(self, timeout=30):
        code = self.proc.wait(timeout)
        self._close_log()
        return code

    def _close_log(self):
        if self._log:
            self._log.close()
            self._log = None

    def cleanup(self):  # the harness's cleanup would delete the data directory
        self._close_log()

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self._kill()
        self._close_log()

    def info_persistence(self):
        r = self.client()
        try:
            return r.info("persistence")
        finally:
            r.close()


class DurabilityTestCase(unittest.TestCase):
    """A temp root per test; servers started with self.server(...) are stopped at the end."""

    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="cairn-dur-")
        self._servers = []

    def tearDown(self):
        for s in self._servers:
            s.stop()
        if os.environ.get("CAIRN_KEEP_TMP") is None:
            shutil.rmtree(self.root, ignore_errors=True)

    def server(self, *extra_args):
        s = DurableServer(self.root, extra_args)
        self._servers.append(s)
        return s

    def fill(self, server, keys):
        """SET key{i} -> value{i} for i in keys, one command each (one record each)."""
        r = server.client()
        for i in keys:
            self.assertTrue(r.set("key%d" % i, "value%d" % i))
        r.close()

    def assertKeys(self, server, present, absent=()):
        r = server.client()
        values = r.mget(["key%d" % i for i in present]) if present else []
        for i, v in zip(present, values):
            self.assertEqual(v, b"value%d" % i, "key%d after restart" % i)
        for i in absent:
            self.assertIsNone(r.get("key%d" % i), "key%d should be gone" % i)
        r.close()


# ---- a failing disk: writes get errors, never OK; reads go on; recovery --------------------

class TestWalFaults(DurabilityTestCase):
    MISCONF = b"MISCONF Errors writing to the AOF file: No space left on device"

    def raw_error(self, conn, *args):
        try:
            conn.execute_command(*args)
        except redis.exceptions.ResponseError as e:
            return str(e).encode()
        return None

    def test_a_failing_log_refuses_writes_keeps_reads_and_recovers(self):
        server = self.server().start()
        r = server.client()
        self.assertTrue(r.set("before", "1"))
        for i in range(20):
            self.assertTrue(r.set("read%d" % i, "v%d" % i))
        r.config_set("debug-wal-inject-enospc", "yes")
        # The write whose batch cannot reach the disk is not acknowledged...
        self.assertEqual(self.raw_error(r, "SET", "during", "2"), self.MISCONF)
        # ...later writes are refused outright, reads of other keys go on.
        self.assertEqual(self.raw_error(r, "INCR", "refused"), self.MISCONF)
        # Reads go on. (A read of a key in the failed write's shard may reveal that write,
        # so it gets the error too; with 20 keys over 128 shards most reads succeed.)
        answered = 0
        for i in range(20):
            error = self.raw_error(r, "GET", "read%d" % i)
            self.assertIn(error, (None, self.MISCONF))
            if error is None:
                self.assertEqual(r.get("read%d" % i), b"v%d" % i)
                answered += 1
        self.assertGreater(answered, 0)
        self.assertEqual(server.info_persistence()["aof_last_write_status"], "err")
        r.config_set("debug-wal-inject-enospc", "no")
        deadline = time.time() + 10
        while self.raw_error(r, "SET", "after", "3") is not None:
            self.assertLess(time.time(), deadline, "writes never resumed after the disk recovered")
            time.sleep(0.05)
        self.assertEqual(server.info_persistence()["aof_last_write_status"], "ok")
        r.close()
        self.assertEqual(server.terminate(), 0)
        server.start()
        r = server.client()
        self.assertEqual(r.get("before"), b"1")
        self.assertEqual(r.get("after"), b"3")
        self.assertIsNone(r.get("refused"))  # refused writes never happened
        r.close()

    def test_a_client_that_has_not_authenticated_gets_noauth_not_the_disk_error(self):
        server = self.server().start()
        r = server.client()
        r.config_set("requirepass", "secret")  # this connection stays authenticated
        r.config_set("debug-wal-inject-enospc", "yes")
        self.assertEqual(self.raw_error(r, "SET", "k", "v"), self.MISCONF)
        stranger = server.raw_connection()
        for command in (("SET", "k", "v"), ("INCR", "n"), ("GET", "k")):
            self.assertEqual(stranger.command(*command).value,
                             b"NOAUTH Authentication required.", command)
        self.assertEqual(stranger.command("AUTH", "secret").value, b"OK")
        self.assertEqual(stranger.command("SET", "k", "v").value, self.MISCONF)
        stranger.close()
        r.config_set("debug-wal-inject-enospc", "no")
        r.close()


# ---- blocked clients and a failing disk: nothing taken is lost -----------------------------

def _no_reply_within(conn, seconds):
    """True if nothing arrives on conn for `seconds`."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        if conn.buf or not conn._recv(deadline - time.time()):
            return False
    return not conn.buf


@unittest.skipIf(is_reference_redis(), SKIP_REASON)
class TestBlockedClientsAndWalFaults(DurabilityTestCase):
    """A blocked BLPOP/BRPOP/BLMOVE/BLMPOP/BZPOPMIN/XREADGROUP never takes an element (or adds
    a PEL entry) that its client is then not given. While the log fails, writes are refused
    and blocked clients keep waiting; a client served by a write that raced with the failure
    gets its reply once the disk recovers, never MISCONF."""

    MISCONF = b"MISCONF Errors writing to the AOF file: No space left on device"

    def wait_blocked(self, r, n):
        deadline = time.time() + 10
        while r.info("clients")["blocked_clients"] != n:
            self.assertLess(time.time(), deadline, "blocked_clients never reached %d" % n)
            time.sleep(0.01)

    def set_failing(self, r, failing):
        r.config_set("debug-wal-inject-enospc", "yes" if failing else "no")
        if failing:
            return
        deadline = time.time() + 10
        while True:
            try:
                r.set("recovered", "1")
                return
            except redis.exceptions.ResponseError:
                self.assertLess(time.time(), deadline, "writes never resumed")
                time.sleep(0.02)

    def wait_write_status(self, server, status):
        deadline = time.time() + 10
        while server.info_persistence()["aof_last_write_status"] != status:
            self.assertLess(time.time(), deadline, "the log never reported %r" % status)
            time.sleep(0.01)

    def blocked_conn(self, server, r, *command):
        conn = server.raw_connection(30)
        before = r.info("clients")["blocked_clients"]
        conn.send_command(*command)
        self.wait_blocked(r, before + 1)
        return conn

    def test_refused_pushes_wake_nobody_and_blocked_clients_are_served_after_recovery(self):
        server = self.server().start()
        r = server.client()
        r.rpush("full", "e1", "e2", "e3")  # acknowledged before the failure
        popper = self.blocked_conn(server, r, "BLPOP", "q", "0")
        self.set_failing(r, True)
        # The first write after the disk fails is accepted and takes e1 at once; its batch
        # cannot be written, so its reply waits for the disk (MISCONF would lose e1).
        taker = server.raw_connection(30)
        taker.send_command("BLPOP", "full", "0")
        self.wait_write_status(server, "err")
        producer = server.raw_connection(10)
        self.assertEqual(producer.command("LPUSH", "q", "refused").value, self.MISCONF)
        # Taking what was acknowledged before is refused now, and takes nothing.
        self.assertEqual(producer.command("BLPOP", "full", "0").value, self.MISCONF)
        self.assertEqual(producer.command("LPOP", "full").value, self.MISCONF)
        self.assertTrue(_no_reply_within(popper, 0.3), popper.buf)
        self.assertTrue(_no_reply_within(taker, 0.1), taker.buf)
        self.set_failing(r, False)
        self.assertEqual(taker.read_reply(10).to_py(), [b"full", b"e1"])
        self.assertEqual(r.lrange("full", 0, -1), [b"e2", b"e3"])
        self.assertEqual(r.llen("q"), 0)
        self.assertTrue(_no_reply_within(popper, 0.2), "served with nothing pushed")
        self.assertEqual(producer.command("LPUSH", "q", "after").value, 1)
        self.assertEqual(popper.read_reply(10).to_py(), [b"q", b"after"])
        r.close()
        self.assertEqual(server.terminate(), 0)
        server.start()
        r = server.client()
        self.assertEqual(r.lrange("full", 0, -1), [b"e2", b"e3"])
        self.assertEqual(r.llen("q"), 0)
        r.close()

    def test_pushes_that_race_with_the_failure_are_delivered_after_recovery(self):
        server = self.server().start()
        r = server.client()
        r.xgroup_create("stream", "g", id="$", mkstream=True)
        waiting = {
            "BLPOP": self.blocked_conn(server, r, "BLPOP", "l1", "0"),
            "BRPOP": self.blocked_conn(server, r, "BRPOP", "l2", "0"),
            "BLMOVE": self.blocked_conn(server, r, "BLMOVE", "l3", "moved", "LEFT", "RIGHT", "0"),
            "BLMPOP": self.blocked_conn(server, r, "BLMPOP", "0", "1", "l4", "LEFT"),
            "BZPOPMIN": self.blocked_conn(server, r, "BZPOPMIN", "z", "0"),
            "XREADGROUP": self.blocked_conn(server, r, "XREADGROUP", "GROUP", "g", "c",
                                            "BLOCK", "0", "STREAMS", "stream", ">"),
        }
        self.set_failing(r, True)
        # One transaction pushes to every key: accepted (the log has not failed yet), its
        # batch fails, so its reply is MISCONF, and it may or may not be in the log later.
        producer = server.raw_connection(10)
        for command in (("MULTI",), ("RPUSH", "l1", "a"), ("RPUSH", "l2", "b"),
                        ("RPUSH", "l3", "c"), ("RPUSH", "l4", "d"), ("ZADD", "z", "1", "e"),
                        ("XADD", "stream", "1-1", "f", "v")):
            producer.send_command(*command)
        producer.send_command("EXEC")
        replies = producer.read_replies(8, 10)
        self.assertEqual(replies[-1].value, self.MISCONF)
        for name, conn in waiting.items():
            self.assertTrue(_no_reply_within(conn, 0.1),
                            "%s answered while the log was failing: %r" % (name, conn.buf))
        self.set_failing(r, False)
        got = {name: conn.read_reply(10).to_py() for name, conn in waiting.items()}
        self.assertEqual(got, {
            "BLPOP": [b"l1", b"a"],
            "BRPOP": [b"l2", b"b"],
            "BLMOVE": b"c",
            "BLMPOP": [b"l4", [b"d"]],
            "BZPOPMIN": [b"z", b"e", b"1"],
            "XREADGROUP": [[b"stream", [[b"1-1", [b"f", b"v"]]]]],
        })
        state = self.collection_state(r)
        self.assertEqual(state["lists"], {"l1": [], "l2": [], "l3": [], "l4": [], "moved": [b"c"]})
        self.assertEqual(state["z"], [])
        self.assertEqual(state["pending"], 1)
        r.close()
        self.assertEqual(server.terminate(), 0)
        server.start()
        r = server.client()
        self.assertEqual(self.collection_state(r), state)
        r.close()

    def collection_state(self, r):
        return {
            "lists": {k: r.lrange(k, 0, -1) for k in ("l1", "l2", "l3", "l4", "moved")},
            "z": r.zrange("z", 0, -1),
            "pending": r.xpending("stream", "g")["pending"],
        }

    def test_no_acknowledged_element_is_lost_when_the_log_fails_under_load(self):
        server = self.server().start()
        r = server.client()
        stop_producing, stop_consuming = threading.Event(), threading.Event()
        producers = [_Producer(server.port, i, stop_producing) for i in range(3)]
        consumers = [_Consumer(server.port, command, stop_consuming)
                     for command in _Consumer.COMMANDS]
        for t in producers + consumers:
            t.start()
        for _ in range(4):
            time.sleep(0.3)
            self.set_failing(r, True)
            time.sleep(0.3)
            self.set_failing(r, False)
        time.sleep(0.3)
        stop_producing.set()
        for t in producers:
            t.join(30)
            self.assertFalse(t.is_alive(), "a producer hung")
        stop_consuming.set()
        for t in consumers:
            t.join(30)
            self.assertFalse(t.is_alive(), "a consumer hung")
        for t in producers + consumers:
            self.assertIsNone(t.error)
        remaining = {k: r.lrange(k, 0, -1) for k in _Producer.LISTS + ("moved",)}
        remaining["z"] = r.zrange("z", 0, -1)
        places = {}
        for key, elements in remaining.items():
            for e in elements:
                places.setdefault(e, []).append(key)
        for c in consumers:
            for e in c.popped:
                places.setdefault(e, []).append(c.command[0])
        moved = {e for c in consumers if c.command[0] == "BLMOVE" for e in c.moved}
        self.assertEqual(moved - set(remaining["moved"]), set(),
                         "BLMOVE delivered elements that are not in its destination")
        acked = set().union(*(p.acked for p in producers))
        sent = set().union(*(p.sent for p in producers))
        self.assertGreater(len(acked), 0)
        lost = sorted(acked - set(places))
        self.assertEqual(lost, [], "acknowledged elements neither delivered nor in a list")
        twice = sorted(e for e, where in places.items() if len(where) > 1)
        self.assertEqual(twice, [], "elements delivered or stored twice")
        self.assertEqual(set(places) - sent, set())
        r.close()
        self.assertEqual(server.terminate(), 0)
        server.start()
        r = server.client()
        after = {k: r.lrange(k, 0, -1) for k in _Producer.LISTS + ("moved",)}
        after["z"] = r.zrange("z", 0, -1)
        self.assertEqual(after, remaining)
        r.close()


class _Producer(threading.Thread):
    """Pushes unique elements to two lists and a sorted set, one command at a time; records
    which were acknowledged. MISCONF replies are expected while the log fails."""

    LISTS = ("q1", "q2")

    def __init__(self, port, index, stop):
        super().__init__(daemon=True)
        self.port, self.index, self.stop = port, index, stop
        self.sent, self.acked = set(), set()
        self.error = None

    def run(self):
        conn = RawConnection(self.port, timeout=30)
        n = 0
        try:
            while not self.stop.is_set():
                n += 1
                element = b"p%d-%d" % (self.index, n)
                if n % 3 == 0:
                    command = ("ZADD", "z", str(n), element)
                else:
                    command = ("RPUSH", self.LISTS[n % 2], element)
                self.sent.add(element)
                reply = conn.command(*command)
                if reply.type == ":":
                    self.acked.add(element)
                elif not reply.value.startswith(b"MISCONF "):
                    raise AssertionError("%r answered %r" % (command, reply))
        except AssertionError as e:
            self.error = e
        finally:
            conn.close()


class _Consumer(threading.Thread):
    """Runs one blocking command again and again (timeout 0.2 s), recording what it got."""

    COMMANDS = (("BLPOP", "q1", "q2", "0.2"), ("BRPOP", "q2", "q1", "0.2"),
                ("BLMPOP", "0.2", "2", "q1", "q2", "LEFT", "COUNT", "2"),
                ("BLMOVE", "q1", "moved", "LEFT", "RIGHT", "0.2"), ("BZPOPMIN", "z", "0.2"))

    def __init__(self, port, command, stop):
        super().__init__(daemon=True)
        self.port, self.command, self.stop = port, command, stop
        self.popped, self.moved = [], []
        self.error = None

    def run(self):
        conn = RawConnection(self.port, timeout=30)
        try:
            while True:
                reply = conn.command(*self.command)
                if reply.type == "-":
                    # Refused before it ran: nothing was taken.
                    if not reply.value.startswith(b"MISCONF "):
                        raise AssertionError("%r answered %r" % (self.command, reply))
                    time.sleep(0.02)
                    continue
                value = reply.to_py()
                if value is None:
                    if self.stop.is_set():
                        return
                    continue
                self.record(value)
        except AssertionError as e:
            self.error = e
        finally:
            conn.close()

    def record(self, value):
        name = self.command[0]
        if name == "BLMOVE":
            self.moved.append(value)
        elif name == "BLMPOP":
            self.popped.extend(value[1])
        else:
            self.popped.append(value[1])  # BLPOP/BRPOP [key, element]; BZPOPMIN [key, m, s]


# ---- crash: kill -9 in the middle of concurrent writes ----------------------------------

class Writer(threading.Thread):
    """One client: SETs of unique keys, INCRs of shared counters, APPENDs of unique tokens to
    shared keys, one command at a time. Records what was sent and what was acknowledged;
    stops at the first connection error (the server was killed)."""

    COUNTERS = 3
    LOGS = 3

    def __init__(self, port, cycle, index, seed):
        super().__init__(daemon=True)
        self.port, self.cycle, self.index = port, cycle, index
        self.rng = random.Random(seed)
        self.acked_sets = {}          # key -> value
        self.incr_sent = [0] * self.COUNTERS
        self.incr_acked = [0] * self.COUNTERS
        self.tokens_sent = {}         # log key -> [token, ...] in send order
        self.tokens_acked = {}        # log key -> set of tokens
        self.error = None

    def run(self):
        try:
            conn = RawConnection(self.port, timeout=30)
        except OSError:
            return
        n = 0
        try:
            while True:
                n += 1
                op = self.rng.randrange(3)
                if op == 0:
                    key = "set:%d:%d:%d" % (self.cycle, self.index, n)
                    value = "v%d-%s" % (n, "x" * self.rng.randrange(40))
                    reply = conn.command("SET", key, value)
                    self.check(reply.value == b"OK", reply)
                    self.acked_sets[key] = value.encode()
                elif op == 1:
                    c = self.rng.randrange(self.COUNTERS)
                    self.incr_sent[c] += 1
                    reply = conn.command("INCR", "counter:%d" % c)
                    self.check(reply.type == ":", reply)
                    self.incr_acked[c] += 1
                else:
                    key = "log:%d" % self.rng.randrange(self.LOGS)
                    token = "%d.%d.%d" % (self.cycle, self.index, n)
                    self.tokens_sent.setdefault(key, []).append(token)
                    reply = conn.command("APPEND", key, token + ";")
                    self.check(reply.type == ":", reply)
                    self.tokens_acked.setdefault(key, set()).add(token)
        except OSError:
            pass  # the server went away mid-command: that command is not acknowledged
        except AssertionError as e:
            if not conn.closed_by_peer and self.error is None:
                self.error = e  # a hang or a wrong reply, not the kill
        finally:
            conn.close()

    def check(self, ok, reply):
        if not ok:
            self.error = AssertionError("unexpected reply %r" % (reply,))
            raise self.error


class Saver(threading.Thread):
    """Asks for a snapshot (BGSAVE) every 50-150 ms until the server is killed."""

    def __init__(self, port, seed):
        super().__init__(daemon=True)
        self.port = port
        self.rng = random.Random(seed)
        self.started = 0
        self.error = None

    def run(self):
        try:
            conn = RawConnection(self.port, timeout=30)
        except OSError:
            return
        try:
            while True:
                time.sleep(self.rng.uniform(0.05, 0.15))
                reply = conn.command("BGSAVE")
                if reply.type == "+":
                    self.started += 1
                elif b"in progress" not in reply.value:
                    self.error = AssertionError("BGSAVE answered %r" % (reply,))
                    return
        except OSError:
            pass
        except AssertionError as e:
            if not conn.closed_by_peer:
                self.error = e
        finally:
            conn.close()


@unittest.skipIf(is_reference_redis(), SKIP_REASON)
class TestCrashRecovery(DurabilityTestCase):

    def test_every_acknowledged_write_survives_kill_9_exactly_once(self):
        self.crash_cycles(self.server())

    def test_every_acknowledged_write_survives_kill_9_while_snapshots_run(self):
        # Small segments, so snapshots also trim the log while the writers go on.
        self.crash_cycles(self.server("--wal-segment-size", "64kb"), snapshots=True)

    def crash_cycles(self, server, snapshots=False):
        seed = int(os.environ.get("CAIRN_CRASH_SEED", str(random.randrange(1 << 30))))
        rng = random.Random(seed)
        acked_sets = {}
        incr_sent = [0] * Writer.COUNTERS
        incr_acked = [0] * Writer.COUNTERS
        tokens_sent = {}   # (cycle, writer) -> {log key: [token...]} in send order
        tokens_acked = {}  # log key -> set of tokens
        saves = []
        server.start()
        started = time.time()
        for cycle in range(CRASH_CYCLES):
            writers = [Writer(server.port, cycle, i, rng.randrange(1 << 30)) for i in range(4)]
            saver = Saver(server.port, rng.randrange(1 << 30)) if snapshots else None
            for t in writers + ([saver] if saver else []):
                t.start()
            time.sleep(rng.uniform(0.1, 0.6))
            server.kill9()
            for w in writers:
                w.join(30)
                self.assertFalse(w.is_alive(), "a writer hung after the kill")
                self.assertIsNone(w.error, "writer %d in cycle %d (seed %d)" % (w.index, cycle, seed))
                acked_sets.update(w.acked_sets)
                for c in range(Writer.COUNTERS):
                    incr_sent[c] += w.incr_sent[c]
                    incr_acked[c] += w.incr_acked[c]
                tokens_sent[(cycle, w.index)] = w.tokens_sent
                for key, toks in w.tokens_acked.items():
                    tokens_acked.setdefault(key, set()).update(toks)
            if saver:
                saver.join(30)
                self.assertIsNone(saver.error, "BGSAVE in cycle %d (seed %d)" % (cycle, seed))
                saves.append(saver.started)
            server.start()  # replays the WAL, cutting a torn tail if the kill left one
            new_sets = {k: v for w in writers for k, v in w.acked_sets.items()}
            self.check_state(server, "after kill -9 number %d (seed %d)" % (cycle + 1, seed),
                             new_sets, incr_sent, incr_acked, tokens_sent, tokens_acked)
        self.assertGreater(len(acked_sets), 0, "no write was acknowledged in any cycle")
        self.check_sets(server, acked_sets)  # everything from every cycle, at the end
        if snapshots:
            self.assertGreater(sum(saves), 0, "no snapshot was started")
            self.assertIn("Snapshot loaded", server.log_text())
        sys.stderr.write("[crash] %d cycles, %d SETs, %d INCRs, %d APPENDs acked, %d BGSAVEs, "
                         "%.1fs, seed %d\n"
                         % (CRASH_CYCLES, len(acked_sets), sum(incr_acked),
                            sum(len(t) for t in tokens_acked.values()), sum(saves),
                            time.time() - started, seed))

    def check_sets(self, server, acked):
        r = server.client()
        keys = list(acked)
        for i in range(0, len(keys), 1000):
            chunk = keys[i:i + 1000]
            for key, value in zip(chunk, r.mget(chunk)):
                self.assertEqual(value, acked[key], "acknowledged SET %s" % key)
        r.close()

    def check_state(self, server, where, new_sets, incr_sent, incr_acked, tokens_sent,
                    tokens_acked):
        self.check_sets(server, new_sets)
        r = server.client()
        for c in range(Writer.COUNTERS):
            value = int(r.get("counter:%d" % c) or 0)
            self.assertGreaterEqual(value, incr_acked[c],
                                    "counter:%d lost acknowledged INCRs %s" % (c, where))
            self.assertLessEqual(value, incr_sent[c],
                                 "counter:%d has more INCRs than were sent %s" % (c, where))
        for k in range(Writer.LOGS):
            key = "log:%d" % k
            raw = r.get(key) or b""
            tokens = [t for t in raw.decode().split(";") if t]
            self.assertEqual(len(tokens), len(set(tokens)),
                             "a token was appended twice to %s %s" % (key, where))
            present = set(tokens)
            missing = tokens_acked.get(key, set()) - present
            self.assertFalse(missing, "acknowledged APPENDs missing from %s %s: %s"
                             % (key, where, sorted(missing)[:5]))
            # Not acknowledged yet present: only a writer's last command, in flight at the kill.
            last_sent = {sent[key][-1] for sent in tokens_sent.values() if sent.get(key)}
            extra = present - tokens_acked.get(key, set()) - last_sent
            self.assertFalse(extra, "tokens in %s that were never acknowledged %s: %s"
                             % (key, where, sorted(extra)[:5]))
            # One writer's tokens appear in the order it sent them.
            position = {t: i for i, t in enumerate(tokens)}
            for sent in tokens_sent.values():
                order = [position[t] for t in sent.get(key, []) if t in position]
                self.assertEqual(order, sorted(order), "per-writer order in %s %s" % (key, where))
        r.close()


# ---- damage to the log ------------------------------------------------------------------

@unittest.skipIf(is_reference_redis(), SKIP_REASON)
class TestTornTail(DurabilityTestCase):

    def write_then_stop(self, n):
        server = self.server()
        server.start()
        self.fill(server, range(n))
        self.assertEqual(server.terminate(), 0)
        return server

    def newest_segment(self, server):
        segs = segments(server.data_dir)
        self.assertTrue(segs, "no WAL segment in %s" % server.data_dir)
        return segs[-1]

    def test_a_partly_written_record_at_the_end_is_cut_off_and_logged(self):
        server = self.write_then_stop(30)
        path = self.newest_segment(server)
        last_lsn = record_spans(read_file(path))[-1][2]
        rng = random.Random(7)
        partial = encode_record(last_lsn + 1, bytes(rng.randrange(256) for _ in range(60)))
        with open(path, "ab") as f:
            f.write(partial[:rng.randrange(1, len(partial))])
        server.start()
        self.assertIn("torn tail", server.log_text())
        self.assertKeys(server, range(30))
        # The log goes on after the cut: new writes survive the next restart.
        self.fill(server, range(30, 40))
        self.assertEqual(server.terminate(), 0)
        server.start()
        self.assertNotIn("torn tail", server.log_text())
        self.assertKeys(server, range(40))

    def test_a_last_record_truncated_midway_is_dropped_and_the_rest_kept(self):
        server = self.write_then_stop(30)
        path = self.newest_segment(server)
        data = read_file(path)
        start, end, _lsn = record_spans(data)[-1]  # SET key29
        with open(path, "r+b") as f:
            f.truncate(start + (end - start) // 2)
        server.start()
        self.assertIn("torn tail", server.log_text())
        self.assertKeys(server, range(29), absent=[29])
        self.fill(server, range(29, 35))
        self.assertEqual(server.terminate(), 0)
        server.start()
        self.assertKeys(server, range(35))

    def test_zero_bytes_after_the_last_record_are_a_torn_tail(self):
        server = self.write_then_stop(10)
        with open(self.newest_segment(server), "ab") as f:
            f.write(b"\0" * 4096)  # a file system extended the file, the data never came
        server.start()
        self.assertKeys(server, range(10))


@unittest.skipIf(is_reference_redis(), SKIP_REASON)
class TestCorruption(DurabilityTestCase):

    def test_a_flipped_byte_mid_log_stops_startup_and_check_wal_repairs_it(self):
        server = self.server()
        server.start()
        self.fill(server, range(40))
        self.assertEqual(server.terminate(), 0)
        path = segments(server.data_dir)[-1]
        data = bytearray(read_file(path))
        spans = record_spans(data)
        self.assertEqual(len(spans), 40)
        start, end, _ = spans[20]  # SET key20
        data[end - 2] ^= 0x40      # a byte of its value
        with open(path, "wb") as f:
            f.write(data)

        code, text = server.start_expecting_failure()
        self.assertNotEqual(code, 0)
        self.assertIn(os.path.basename(path), text)
        self.assertIn("offset %d" % start, text)

        if not CHECK_WAL:
            self.skipTest("set CAIRN_CHECK_WAL to test the repair")
        out = subprocess.run([CHECK_WAL, server.data_dir], capture_output=True, text=True,
                             timeout=60)
        self.assertEqual(out.returncode, 1, out.stdout + out.stderr)
        self.assertIn("corruption", out.stdout)
        self.assertIn(os.path.basename(path), out.stdout)
        self.assertIn("offset %d" % start, out.stdout)
        out = subprocess.run([CHECK_WAL, "--truncate", server.data_dir], capture_output=True,
                             text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)

        server.start()
        self.assertKeys(server, range(20), absent=range(20, 40))  # cut from the damage on
        self.fill(server, range(20, 25))
        self.assertEqual(server.terminate(), 0)
        server.start()
        self.assertKeys(server, range(25))


# ---- expiry across restarts --------------------------------------------------------------

@unittest.skipIf(is_reference_redis(), SKIP_REASON)
class TestExpiryAcrossRestarts(DurabilityTestCase):

    def test_a_ttl_keeps_counting_and_a_key_that_expired_while_down_is_gone(self):
        server = self.server()
        server.start()
        r = server.client()
        r.set("long", "x", ex=100)
        r.set("short", "y", px=1500)
        r.set("forever", "z")
        r.close()
        self.assertEqual(server.terminate(), 0)
        time.sleep(2.0)  # "short" expires while the server is down
        server.start()
        r = server.client()
        ttl = r.ttl("long")
        self.assertTrue(90 <= ttl <= 100, "TTL of 'long' after restart is %r" % ttl)
        self.assertIsNone(r.get("short"))
        self.assertEqual(r.get("forever"), b"z")
        r.close()

    def test_keys_changed_before_their_ttl_ran_out_stay_expired_after_a_restart(self):
        server = self.server()
        server.start()
        r = server.client()
        r.set("appended", "hello", px=1500)
        r.append("appended", " world")           # keeps the TTL
        r.set("counter", "1", px=1500)
        r.incr("counter")                       # keeps the TTL
        r.set("kept", "old", px=1500)
        r.set("kept", "new", keepttl=True)
        r.set("src", "new", px=1500)
        r.set("dst", "old value")
        r.rename("src", "dst")                  # dst now expires with src's TTL
        r.close()
        self.assertEqual(server.terminate(), 0)
        time.sleep(2.0)
        server.start()
        r = server.client()
        revived = {key: r.get(key) for key in ("appended", "counter", "kept", "dst")}
        r.close()
        revived = {k: v for k, v in revived.items() if v is not None}
        self.assertEqual(revived, {}, "keys whose TTL ran out before the restart came back")


# ---- durable before visible --------------------------------------------------------------

def _read_reply_at(conn, timeout=10.0):
    """Reads one reply; returns (reply, arrival time)."""
    deadline = time.time() + timeout
    while True:
        try:
            reply, pos = parse_one(conn.buf, 0)
            conn.buf = conn.buf[pos:]
            return reply, time.time()
        except Incomplete:
            pass
        if time.time() > deadline or not conn._recv(deadline - time.time()):
            raise AssertionError("no reply; buffer=%r" % conn.buf[:200])


@unittest.skipIf(is_reference_redis(), SKIP_REASON)
class TestDurableBeforeVisible(DurabilityTestCase):

    def test_neither_the_writer_nor_a_reader_sees_a_write_before_it_is_synced(self):
        server = self.server("--debug-wal-sync-delay-ms", 400)
        server.start()
        writer, reader = server.raw_connection(10), server.raw_connection(10)
        seen_new_value = 0
        for attempt in range(5):
            key = "k%d" % attempt
            sent = time.time()
            writer.send_command("SET", key, "new")
            time.sleep(0.02)  # the SET is applied, its sync is still sleeping
            reader.send_command("GET", key)
            set_reply, set_at = _read_reply_at(writer)
            get_reply, get_at = _read_reply_at(reader)
            self.assertEqual(set_reply.value, b"OK")
            self.assertGreaterEqual(set_at - sent, 0.3, "the SET was acknowledged before its sync")
            if get_reply.value == b"new":
                seen_new_value += 1
                self.assertGreaterEqual(get_at, set_at - 0.05,
                                        "a reader saw the write %.3fs before it was durable"
                                        % (set_at - get_at))
        self.assertGreater(seen_new_value, 0, "the GET never ran after the SET")
        writer.close()
        reader.close()


# ---- shutdown syncs the log ---------------------------------------------------------------

@unittest.skipIf(is_reference_redis(), SKIP_REASON)
class TestShutdown(DurabilityTestCase):

    def pipelined_sets(self, server, n):
        r = server.client()
        pipe = r.pipeline(transaction=False)
        for i in range(n):
            pipe.set("key%d" % i, "value%d" % i)
        self.assertTrue(all(pipe.execute()))
        r.close()

    def test_sigterm_with_appendfsync_no_keeps_what_was_written_just_before(self):
        server = self.server("--appendfsync", "no")
        server.start()
        self.pipelined_sets(server, 2000)
        self.assertEqual(server.terminate(), 0)
        self.assertIn("WAL synced", server.log_text())
        server.start()
        self.assertKeys(server, range(2000))

    def test_shutdown_command_with_appendfsync_no_keeps_what_was_written(self):
        server = self.server("--appendfsync", "no")
        server.start()
        self.pipelined_sets(server, 2000)
        conn = server.raw_connection()
        conn.send_command("SHUTDOWN")
        conn.read_until_close(10)
        conn.close()
        self.assertEqual(server.wait_exit(), 0)
        server.start()
        self.assertKeys(server, range(2000))

    def test_everysec_keeps_acknowledged_writes_across_sigterm(self):
        server = self.server("--appendfsync", "everysec")
        server.start()
        self.pipelined_sets(server, 500)
        self.assertEqual(server.terminate(), 0)
        server.start()
        self.assertKeys(server, range(500))


# ---- INFO persistence ---------------------------------------------------------------------

@unittest.skipIf(is_reference_redis(), SKIP_REASON)
class TestInfoPersistence(DurabilityTestCase):

    def test_wal_figures_show_group_commit_under_concurrent_writers(self):
        if shutil.which("redis-benchmark") is None:
            self.skipTest("redis-benchmark is not installed")
        server = self.server()
        server.start()
        out = subprocess.run(["redis-benchmark", "-p", str(server.port), "-t", "set", "-c", "50",
                              "-n", "20000", "-P", "4", "-r", "100000", "-q"],
                             capture_output=True, text=True, timeout=300)
        self.assertEqual(out.returncode, 0, out.stderr)
        deadline = time.time() + 10
        while True:
            info = server.info_persistence()
            if info["wal_durable_lsn"] == info["wal_current_lsn"] or time.time() > deadline:
                break
            time.sleep(0.05)
        self.assertEqual(info["aof_enabled"], 1)
        self.assertEqual(info["wal_appendfsync"], "always")
        self.assertGreater(info["wal_fsyncs"], 0)
        self.assertGreaterEqual(info["wal_current_lsn"], 20000)
        self.assertEqual(info["wal_durable_lsn"], info["wal_current_lsn"])
        self.assertGreater(float(info["wal_records_per_fsync_avg"]), 1.0)
        self.assertGreater(info["wal_records_per_fsync_max"], 1)
        self.assertEqual(info["wal_write_failures"], 0)
        self.assertEqual(info["aof_last_write_status"], "ok")

    def test_loaded_records_count_what_the_restart_replayed(self):
        server = self.server()
        server.start()
        self.fill(server, range(25))
        self.assertEqual(server.terminate(), 0)
        server.start()
        info = server.info_persistence()
        self.assertEqual(info["wal_loaded_records"], 25)
        self.assertEqual(info["wal_current_lsn"], 25)
        self.assertEqual(info["wal_durable_lsn"], 25)


if __name__ == "__main__":
    unittest.main(verbosity=2)
