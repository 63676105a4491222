"""cairn as a replica of a real redis-server primary (REPLICAOF host port).

The primary is Debian's redis-server 7.0 (disk-less sync by default, so the RDB arrives in
the $EOF:<mark> framing); a fake primary (a small socket server) sends a damaged RDB. Every
wait polls with a deadline; nothing sleeps in place of an assertion.
"""

import os
import socket
import sys
import tempfile
import threading
import unittest

import redis

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (REFERENCE_BINARY, DurableServer, ServerProcess,  # noqa: E402
                     is_reference_redis, wait_until)

DEADLINE = 30.0


def wait_for(predicate, what, timeout=DEADLINE):
    return wait_until(predicate, what, timeout)


def start_primary(extra=()):
    primary = ServerProcess(["--repl-diskless-sync-delay", "0"] + list(extra),
                            binary=REFERENCE_BINARY)
    return primary.start()


def value_of(r, key, kind):
    if kind == b"string":
        return r.pfcount(key) if key.endswith(b":hll") else r.get(key)
    if kind == b"list":
        return r.lrange(key, 0, -1)
    if kind == b"hash":
        return sorted(r.hgetall(key).items())
    if kind == b"set":
        return sorted(r.smembers(key))
    if kind == b"zset":
        return r.zrange(key, 0, -1, withscores=True)
    if kind == b"stream":
        return r.xrange(key)
    raise AssertionError("unexpected type %r" % kind)


def dataset(r):
    """Every key of every database: (db, key) -> (type, value, has a TTL). Values are read
    type by type (DUMP's bytes differ between equal values encoded differently)."""
    out = {}
    for db in range(16):
        r.execute_command("SELECT", db)
        for key in r.scan_iter(count=1000):
            kind = r.type(key)
            out[(db, key)] = (kind, value_of(r, key, kind), r.pttl(key) > 0)
    r.execute_command("SELECT", 0)
    return out


def caught_up(primary, replica):
    """The replica follows the primary's history and has applied everything the primary has
    sent so far. (Offsets alone are not enough: before the first sync the primary has no
    backlog and reports offset 0, which an empty replica trivially "reaches".)"""
    p = primary.client().info("replication")
    r = replica.client().info("replication")
    return (r.get("master_link_status") == "up" and r["master_replid"] == p["master_replid"]
            and r["slave_repl_offset"] >= p["master_repl_offset"])


def write_mix(r, n, prefix):
    """Writes over every type, with TTLs, INCRBYFLOAT, SPOP, streams, MULTI and EVAL."""
    for i in range(n):
        k = "%s:%d" % (prefix, i)
        p = r.pipeline(transaction=(i % 7 == 0))  # some batches go as MULTI/EXEC
        p.set(k + ":s", "v%d" % i)
        p.set(k + ":ttl", "t", ex=1000 + i)
        p.incrbyfloat(prefix + ":float", 0.1)
        p.rpush(k + ":l", *range(5))
        p.hset(k + ":h", mapping={"a": i, "b": "x" * (i % 100)})
        p.sadd(prefix + ":set", *["m%d" % j for j in range(i, i + 3)])
        p.spop(prefix + ":set")
        p.zadd(k + ":z", {"a": i, "b": i / 3.0})
        p.xadd(prefix + ":stream", {"i": i})
        p.pfadd(prefix + ":hll", "e%d" % i)
        p.execute()
        if i % 50 == 0:
            r.eval("redis.call('set', KEYS[1], ARGV[1]); return redis.call('incr', KEYS[2])",
                   2, k + ":eval", prefix + ":counter", "e")
        if i % 97 == 0:
            r.delete(k + ":s")
            r.execute_command("SELECT", 3)
            r.set(k + ":db3", i)
            r.execute_command("SELECT", 0)


@unittest.skipIf(is_reference_redis(), "tests cairn as the replica")
class ReplicaOfRedisTest(unittest.TestCase):
    def setUp(self):
        self.servers = []

    def tearDown(self):
        for s in reversed(self.servers):
            s.stop()

    def track(self, server):
        self.servers.append(server)
        return server

    def replica_of(self, primary, replica):
        rc = replica.client()
        self.assertEqual(rc.execute_command("REPLICAOF", "127.0.0.1", primary.port), b"OK")
        wait_for(lambda: rc.info("replication")["master_link_status"] == "up", "link up")
        return rc

    def pair_without_primary_expiry(self, replica_args=()):
        """A primary that expires keys only when they are read (so it sends no DEL by
        itself) and a replica of it; returns their clients."""
        primary = self.track(start_primary(["--enable-debug-command", "yes"]))
        replica = self.track(ServerProcess(list(replica_args)).start())
        rc = self.replica_of(primary, replica)
        pc = primary.client()
        pc.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
        return pc, rc

    def assert_same_data(self, primary, replica):
        wait_for(lambda: caught_up(primary, replica), "the replica to catch up")
        self.assertEqual(dataset(primary.client()), dataset(replica.client()))

    def test_full_sync_and_stream_give_identical_data(self):
        primary = self.track(start_primary())
        replica = self.track(ServerProcess().start())
        pc = primary.client()
        write_mix(pc, 300, "before")
        writer_errors = []

        def writer():
            try:
                write_mix(primary.client(), 300, "during")
            except Exception as e:  # reported below
                writer_errors.append(e)

        t = threading.Thread(target=writer)
        t.start()  # writes go on while the full sync runs
        self.replica_of(primary, replica)
        t.join()
        self.assertEqual(writer_errors, [])
        write_mix(pc, 100, "after")
        self.assert_same_data(primary, replica)
        self.assertGreater(replica.client().dbsize(), 1000)
        self.assertGreaterEqual(primary.client().info("stats")["sync_full"], 1)

    def test_a_replica_with_data_of_its_own_holds_only_the_primarys_after_sync(self):
        primary = self.track(start_primary())
        replica = self.track(ServerProcess().start())
        primary.client().set("shared", "primary")
        primary.client().rpush("list", "p")
        rc = replica.client()
        rc.set("shared", "replica")
        rc.set("only-on-the-replica", "x")
        self.replica_of(primary, replica)
        self.assert_same_data(primary, replica)
        self.assertEqual(rc.get("shared"), b"primary")
        # The log shows each step of the full sync in Redis's words, in order.
        log = replica.log_text()
        steps = [log.find("MASTER <-> REPLICA sync: " + step)
                 for step in ("receiving", "Flushing old data", "Loading DB in memory",
                              "Finished with success")]
        self.assertNotIn(-1, steps, log)
        self.assertEqual(steps, sorted(steps))

    def test_function_libraries_come_with_the_full_sync(self):
        primary = self.track(start_primary())
        replica = self.track(ServerProcess().start())
        lib = ("#!lua name=%s\nredis.register_function{function_name='%s', "
               "callback=function(keys) return redis.call('GET', keys[1]) end, "
               "flags={'no-writes'}}")
        primary.client().function_load(lib % ("primarylib", "pget"))
        primary.client().set("k", "v")
        rc = replica.client()
        rc.function_load(lib % ("replicalib", "rget"))
        self.replica_of(primary, replica)
        wait_for(lambda: caught_up(primary, replica), "the replica to catch up")
        self.assertEqual(rc.fcall_ro("pget", 1, "k"), b"v")
        self.assertEqual([entry[1] for entry in rc.function_list()], [b"primarylib"])  # name
        primary.client().function_load(lib % ("later", "lget"))  # and with the stream
        wait_for(lambda: len(rc.function_list()) == 2, "the streamed FUNCTION LOAD")

    def test_replica_refuses_writes_and_reports_its_role(self):
        primary = self.track(start_primary())
        replica = self.track(ServerProcess().start())
        primary.client().set("k", "v")
        rc = self.replica_of(primary, replica)
        wait_for(lambda: rc.get("k") == b"v", "k on the replica")
        with self.assertRaisesRegex(redis.ResponseError,
                                    "^You can't write against a read only replica.$"):
            rc.set("x", "1")
        self.assertIsNone(rc.get("x"))
        info = rc.info("replication")
        self.assertEqual(info["role"], "slave")
        self.assertEqual(info["master_host"], "127.0.0.1")
        self.assertEqual(info["master_port"], primary.port)
        self.assertEqual(info["master_sync_in_progress"], 0)
        self.assertEqual(info["slave_read_only"], 1)
        self.assertEqual(info["master_replid"],
                         primary.client().info("replication")["master_replid"])
        role = rc.execute_command("ROLE")
        self.assertEqual(role[:4], [b"slave", b"127.0.0.1", primary.port, b"connected"])
        self.assertEqual(rc.execute_command("REPLICAOF", "127.0.0.1", primary.port),
                         b"OK Already connected to specified master")
        self.assertEqual(rc.config_get("replicaof"),
                         {"replicaof": "127.0.0.1 %d" % primary.port})
        # The primary's view: one online replica on cairn's port.
        wait_for(lambda: "slave0" in primary.client().info("replication"), "replica listed")
        self.assertEqual(primary.client().info("replication")["slave0"]["port"], replica.port)

    def test_masterauth_and_masteruser_authenticate_to_the_primary(self):
        primary = self.track(start_primary(["--requirepass", "sekret"]))
        pc = primary.client(password="sekret")
        pc.set("k", "v")
        pc.acl_setuser("repl", enabled=True, passwords=["+replpw"], commands=["+@all"],
                       keys=["*"])
        replica = self.track(ServerProcess().start())
        rc = replica.client()
        rc.config_set("masterauth", "sekret")
        self.assertEqual(rc.config_get("masterauth"), {"masterauth": "sekret"})
        primary.client = lambda **kw: redis.Redis(host="127.0.0.1", port=primary.port,
                                                  password="sekret")
        self.replica_of(primary, replica)
        wait_for(lambda: rc.get("k") == b"v", "k on the replica")
        # As an ACL user: the link is re-established with AUTH masteruser masterauth.
        rc.config_set("masteruser", "repl")
        rc.config_set("masterauth", "replpw")
        self.assertEqual(rc.client_kill_filter(_type="master"), 1)
        pc.set("k2", "v2")
        wait_for(lambda: rc.get("k2") == b"v2", "k2 after re-authenticating as repl")
        self.assertEqual(rc.info("replication")["master_link_status"], "up")

    def test_expired_keys_read_as_missing_and_the_primary_deletes_them(self):
        primary = self.track(start_primary())
        replica = self.track(ServerProcess().start())
        rc = self.replica_of(primary, replica)
        primary.client().set("short", "v", px=300)
        wait_for(lambda: caught_up(primary, replica), "the SET")
        wait_for(lambda: rc.get("short") is None, "short to read as missing")
        wait_for(lambda: primary.client().get("short") is None, "expiry on the primary")
        wait_for(lambda: rc.dbsize() == 0, "the primary's DEL to reach the replica")

    def test_a_write_on_a_writable_replica_replaces_a_key_past_its_ttl(self):
        pc, rc = self.pair_without_primary_expiry(["--replica-read-only", "no"])
        pc.set("short", "v", px=2000)
        wait_for(lambda: rc.dbsize() == 1, "the SET")
        wait_for(lambda: rc.get("short") is None, "short to read as missing")
        self.assertEqual(rc.set("short", "local"), True)
        self.assertEqual(rc.get("short"), b"local")
        self.assertEqual(rc.dbsize(), 1)
        self.assertEqual(list(rc.scan_iter()), [b"short"])

    def test_a_command_of_the_stream_that_fails_here_is_counted_and_logged(self):
        # A writable replica's own write made its data differ from the primary's.
        primary = self.track(start_primary())
        replica = self.track(ServerProcess(["--replica-read-only", "no"]).start())
        rc = self.replica_of(primary, replica)
        pc = primary.client()
        self.assertEqual(rc.info("stats")["unexpected_error_replies"], 0)
        rc.set("k", "a string here")
        pc.rpush("k", "x")  # a list on the primary: WRONGTYPE on the replica
        pc.set("after", "1")
        wait_for(lambda: rc.get("after") == b"1", "the stream to go on")
        self.assertEqual(rc.info("stats")["unexpected_error_replies"], 1)
        self.assertEqual(rc.get("k"), b"a string here")
        with open(replica.log_path) as log:
            self.assertIn("This replica is sending an error to its master: 'WRONGTYPE "
                          "Operation against a key holding the wrong kind of value' after "
                          "processing the command 'rpush'", log.read())

    def test_a_deadline_already_past_is_kept_until_the_primary_deletes_the_key(self):
        # A replica applies the primary's writes whatever its own clock says: a SET whose
        # PXAT has passed (lag, clock skew) stores the key, hidden from reads, until the
        # primary's DEL.
        pc, rc = self.pair_without_primary_expiry()
        pc.set("past", "v", pxat=1000)
        pc.set("marker", "m")
        wait_for(lambda: rc.get("marker") == b"m", "the SETs")
        self.assertEqual(rc.dbsize(), 2)
        self.assertIsNone(rc.get("past"))
        self.assertIsNone(pc.get("past"))  # the primary expires it and sends DEL
        wait_for(lambda: rc.dbsize() == 1, "the primary's DEL to reach the replica")

    def test_client_pause_and_unpause_leave_a_replicas_expiry_to_its_primary(self):
        pc, rc = self.pair_without_primary_expiry()
        pc.set("short", "v", px=100)
        wait_for(lambda: rc.dbsize() == 1, "the SET")
        wait_for(lambda: rc.get("short") is None, "short to read as missing")
        rc.execute_command("CLIENT", "PAUSE", "50", "WRITE")
        rc.execute_command("CLIENT", "UNPAUSE")
        self.assertIsNone(rc.get("short"))  # a read, after the pause: still not a delete
        self.assertEqual(rc.dbsize(), 1)
        self.assertIsNone(pc.get("short"))  # the primary expires it and sends DEL
        wait_for(lambda: rc.dbsize() == 0, "the primary's DEL to reach the replica")

    def test_stale_data_refused_when_the_link_is_down(self):
        primary = self.track(start_primary())
        replica = self.track(ServerProcess().start())
        primary.client().set("k", "v")
        rc = self.replica_of(primary, replica)
        wait_for(lambda: rc.get("k") == b"v", "k on the replica")
        rc.config_set("replica-serve-stale-data", "no")
        primary.stop()
        self.servers.remove(primary)
        wait_for(lambda: rc.info("replication")["master_link_status"] == "down", "link down")
        with self.assertRaisesRegex(redis.ResponseError, "^MASTERDOWN Link with MASTER is down and "
                                    "replica-serve-stale-data is set to 'no'.$"):
            rc.get("k")
        rc.config_set("replica-serve-stale-data", "yes")
        self.assertEqual(rc.get("k"), b"v")

    def test_replicaof_no_one_promotes_and_keeps_the_data(self):
        primary = self.track(start_primary())
        replica = self.track(ServerProcess().start())
        write_mix(primary.client(), 20, "p")
        rc = self.replica_of(primary, replica)
        self.assert_same_data(primary, replica)
        old_id = rc.info("replication")["master_replid"]
        offset = rc.info("replication")["master_repl_offset"]
        self.assertEqual(rc.execute_command("REPLICAOF", "NO", "ONE"), b"OK")
        info = rc.info("replication")
        self.assertEqual(info["role"], "master")
        self.assertEqual(info["master_replid2"], old_id)
        self.assertNotEqual(info["master_replid"], old_id)
        self.assertEqual(info["second_repl_offset"], offset + 1)
        self.assertEqual(rc.execute_command("ROLE")[0], b"master")
        self.assertEqual(rc.config_get("replicaof"), {"replicaof": ""})
        self.assertTrue(rc.set("new", "1"))
        self.assertEqual(rc.get("p:1:s"), b"v1")
        primary.client().set("after-promotion", "x")
        self.assertIsNone(rc.get("after-promotion"))

    def test_a_promoted_replica_honours_the_history_it_reports_despite_a_dead_replica(self):
        # X (redis-server) -> A (cairn), and R (redis-server) -> X. A also has a replica of
        # its own that has gone silent, its link still registered. Promoted, A reports X's
        # history as master_replid2, and a PSYNC of that history continues (+CONTINUE): R,
        # pointed at A as Sentinel would, does not sync in full. Its own replicas are
        # disconnected, as Redis disconnects them, to come back under the new history.
        primary = self.track(start_primary(["--repl-ping-replica-period", "3600"]))
        replica = self.track(ServerProcess().start())
        other = self.track(ServerProcess(["--replicaof", "127.0.0.1", primary.port],
                                         binary=REFERENCE_BINARY).start())
        write_mix(primary.client(), 20, "p")
        rc = self.replica_of(primary, replica)
        self.assert_same_data(primary, replica)
        wait_for(lambda: caught_up(primary, other), "R to catch up")
        dead = replica.raw_connection()
        self.addCleanup(dead.close)
        dead.send_command("SYNC")
        # Its file arrives once it is registered; then it neither reads nor acknowledges.
        wait_for(lambda: dead._recv(1.0) and b"REDIS" in dead.buf, "A's replica's file")
        # Both hold all X sent (a failover promotes the replica furthest along).
        wait_for(lambda: caught_up(primary, replica) and caught_up(primary, other) and
                 rc.info("replication")["master_repl_offset"] ==
                 other.client().info("replication")["master_repl_offset"], "A and R level")
        old_id = rc.info("replication")["master_replid"]
        self.assertEqual(rc.execute_command("REPLICAOF", "NO", "ONE"), b"OK")
        self.assertEqual(rc.info("replication")["master_replid2"], old_id)
        other.client().execute_command("REPLICAOF", "127.0.0.1", replica.port)
        wait_for(lambda: caught_up(replica, other), "R to follow A")
        stats = rc.info("stats")
        self.assertEqual((stats["sync_partial_ok"], stats["sync_full"]), (1, 1))
        self.assertTrue(dead.is_closed(timeout=10))

    def test_partial_resync_after_the_master_link_is_killed(self):
        # A disk-based primary: the RDB comes as $<length>, the stream right behind it.
        primary = self.track(start_primary(["--repl-diskless-sync", "no"]))
        replica = self.track(ServerProcess().start())
        rc = self.replica_of(primary, replica)
        write_mix(primary.client(), 30, "a")
        wait_for(lambda: caught_up(primary, replica), "catch up")
        partial = primary.client().info("stats")["sync_partial_ok"]
        full = primary.client().info("stats")["sync_full"]
        self.assertEqual(rc.client_kill_filter(_type="master"), 1)
        write_mix(primary.client(), 30, "b")  # while the link is down
        wait_for(lambda: primary.client().info("stats")["sync_partial_ok"] == partial + 1,
                 "a partial resync")
        self.assertEqual(primary.client().info("stats")["sync_full"], full)
        self.assert_same_data(primary, replica)


@unittest.skipIf(is_reference_redis(), "tests cairn as the replica")
class ReplicaRestartTest(unittest.TestCase):
    def test_kill9_and_restart_resumes_with_a_partial_resync(self):
        primary = start_primary()
        self.addCleanup(primary.stop)
        root = tempfile.mkdtemp(prefix="cairn-replica-")
        replica = DurableServer(root, ["--replicaof", "127.0.0.1", primary.port])
        replica.start()
        pc = primary.client()
        write_mix(pc, 50, "x")
        wait_for(lambda: caught_up(primary, replica), "catch up before the kill")
        # The offset the replica has made durable is what its next PSYNC asks for: read it
        # from the primary's side once the replica has acknowledged everything.
        replica.kill9()
        write_mix(pc, 20, "y")  # the primary's backlog covers what the replica missed
        partial = pc.info("stats")["sync_partial_ok"]
        full = pc.info("stats")["sync_full"]
        replica.start()
        self.addCleanup(replica.stop)
        wait_for(lambda: pc.info("stats")["sync_partial_ok"] == partial + 1,
                 "a partial resync after the restart")
        self.assertEqual(pc.info("stats")["sync_full"], full)
        wait_for(lambda: caught_up(primary, replica), "catch up after the restart")
        self.assertEqual(dataset(pc), dataset(replica.client()))


class FakePrimary(object):
    """Answers the handshake, then +FULLRESYNC and an RDB body of its choice: garbage, or
    a valid-looking start that stalls. Counts how many syncs were attempted."""

    def __init__(self, body, stall=False, eof=False):
        self.body = body
        self.stall = stall
        self.eof = eof  # disk-less framing: $EOF:<mark>, the body, the mark
        self.attempts = 0
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        self.sock.settimeout(0.2)
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            threading.Thread(target=self.session, args=(conn,), daemon=True).start()

    def session(self, conn):
        conn.settimeout(5)
        try:
            # The replica sends one handshake command and waits for its reply.
            while True:
                chunk = conn.recv(4096).upper()
                if not chunk:
                    return
                if chunk.startswith(b"*3\r\n$5\r\nPSYNC"):
                    break
                conn.sendall(b"+PONG\r\n" if b"PING" in chunk else b"+OK\r\n")
            self.attempts += 1
            conn.sendall(b"+FULLRESYNC " + b"a" * 40 + b" 0\r\n")
            if self.stall:
                conn.sendall(b"$1000000\r\n" + self.body)
                self.stopped.wait(30)
            elif self.eof:
                mark = b"m" * 40
                conn.sendall(b"$EOF:" + mark + b"\r\n" + self.body + mark)
                self.stopped.wait(2)
            else:
                conn.sendall(b"$%d\r\n" % len(self.body) + self.body)
                self.stopped.wait(2)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self):
        self.stopped.set()
        self.sock.close()


@unittest.skipIf(is_reference_redis(), "tests cairn as the replica")
class BadPrimaryTest(unittest.TestCase):
    def check_data_survives(self, fake, extra=()):
        self.addCleanup(fake.close)
        replica = ServerProcess(list(extra)).start()
        self.addCleanup(replica.stop)
        rc = replica.client()
        rc.set("old", "data")
        rc.rpush("list", 1, 2, 3)
        rc.execute_command("REPLICAOF", "127.0.0.1", fake.port)
        wait_for(lambda: fake.attempts >= 2, "the replica to retry the sync")
        self.assertTrue(replica.alive())
        self.assertEqual(rc.get("old"), b"data")
        self.assertEqual(rc.lrange("list", 0, -1), [b"1", b"2", b"3"])
        self.assertEqual(rc.info("replication")["master_link_status"], "down")
        return replica

    def test_garbage_rdb_keeps_the_old_data(self):
        replica = self.check_data_survives(FakePrimary(b"this is not an RDB file at all" * 10))
        wait_for(lambda: "damaged" in replica.log_text(), "a clear error in the log")

    def test_truncated_rdb_from_a_real_primary_keeps_the_old_data(self):
        primary = start_primary()
        self.addCleanup(primary.stop)
        write_mix(primary.client(), 20, "t")
        primary.client().save()
        with open(os.path.join(primary.dir, "dump.rdb"), "rb") as f:
            rdb = f.read()
        replica = self.check_data_survives(FakePrimary(rdb[:len(rdb) // 2]))
        wait_for(lambda: "damaged" in replica.log_text(), "a clear error in the log")

    def test_stalled_transfer_times_out_and_keeps_the_old_data(self):
        replica = self.check_data_survives(FakePrimary(b"REDIS0010", stall=True),
                                           ["--repl-timeout", "1"])
        wait_for(lambda: "incomplete" in replica.log_text(), "a clear error in the log")


def half_an_rdb():
    """The first half of a real RDB file of a few dozen keys, from redis-server."""
    primary = start_primary()
    try:
        write_mix(primary.client(), 20, "t")
        primary.client().save()
        with open(os.path.join(primary.dir, "dump.rdb"), "rb") as f:
            rdb = f.read()
    finally:
        primary.stop()
    return rdb[:len(rdb) // 2]


@unittest.skipIf(is_reference_redis(), "tests cairn as the replica")
class DisklessLoadTest(unittest.TestCase):
    """repl-diskless-load on-empty-db: a replica with no data loads the file as it arrives
    (from a cairn primary, which streams the file as it builds it, or a redis-server one),
    instead of writing it to disk first. A failure halfway leaves it empty, as it was."""

    def start(self, server):
        self.addCleanup(server.stop)
        return server

    def replica(self, extra=()):
        return self.start(ServerProcess(["--repl-diskless-load", "on-empty-db"] +
                                        list(extra)).start())

    def sync(self, primary, replica):
        rc = replica.client()
        rc.execute_command("REPLICAOF", "127.0.0.1", primary.port)
        wait_for(lambda: caught_up(primary, replica), "the replica to catch up")
        self.assertEqual(dataset(primary.client()), dataset(rc))

    def test_an_empty_replica_loads_the_file_as_it_arrives(self):
        primaries = [self.start(ServerProcess(["--repl-diskless-sync-delay", "0"]).start())]
        if os.path.exists(REFERENCE_BINARY):
            primaries.append(self.start(start_primary()))
        for primary in primaries:
            write_mix(primary.client(), 200, "before")
            replica = self.replica()
            self.sync(primary, replica)
            self.assertIn("receiving streamed RDB from master with EOF to parser",
                          replica.log_text())
            self.assertNotIn("to disk", replica.log_text())
            self.assertNotIn("accepted but has no effect", replica.log_text())
            write_mix(primary.client(), 50, "after")  # and the stream goes on
            self.sync(primary, replica)

    def test_a_length_framed_file_loads_and_the_stream_right_behind_it_applies(self):
        # A primary with repl-diskless-sync no sends $<length>, and the stream follows the
        # file at once: the load must take the file's bytes and leave the stream's.
        primary = self.start(ServerProcess(["--repl-diskless-sync", "no"]).start())
        write_mix(primary.client(), 200, "before")
        replica = self.replica()
        self.sync(primary, replica)
        self.assertRegex(replica.log_text(), r"receiving \d+ bytes from master to parser")
        write_mix(primary.client(), 50, "after")
        self.sync(primary, replica)

    def test_a_replica_with_data_of_its_own_goes_through_a_file(self):
        primary = self.start(ServerProcess(["--repl-diskless-sync-delay", "0"]).start())
        write_mix(primary.client(), 50, "p")
        with_key, with_library = self.replica(), self.replica()
        with_key.client().set("mine", "1")
        with_library.client().execute_command(
            "FUNCTION", "LOAD", "#!lua name=mine\nredis.register_function('f', function() "
            "return 1 end)")
        for replica in (with_key, with_library):
            self.sync(primary, replica)
            self.assertIn("receiving streamed RDB from master with EOF to disk",
                          replica.log_text())
        self.assertIsNone(with_key.client().get("mine"))

    def check_left_empty(self, fake, extra=()):
        self.addCleanup(fake.close)
        replica = self.replica(extra)
        rc = replica.client()
        rc.execute_command("REPLICAOF", "127.0.0.1", fake.port)
        wait_for(lambda: fake.attempts >= 2, "the replica to retry the sync")
        self.assertTrue(replica.alive())
        self.assertIn("to parser", replica.log_text())

        def answers_empty():  # it answers -LOADING while an attempt loads, as Redis does
            try:
                return rc.dbsize() == 0
            except redis.exceptions.BusyLoadingError:
                return False
        wait_for(answers_empty, "the replica to answer, empty, between two attempts")
        self.assertEqual(rc.info("replication")["master_link_status"], "down")
        return replica

    def test_garbage_leaves_the_replica_empty(self):
        for eof in (False, True):
            replica = self.check_left_empty(FakePrimary(b"not an RDB file" * 10, eof=eof))
            wait_for(lambda: "damaged" in replica.log_text(), "a clear error in the log")

    def test_half_a_file_loaded_is_dropped(self):
        half = half_an_rdb()
        for eof in (False, True):  # the file ends early, however it is framed
            replica = self.check_left_empty(FakePrimary(half, eof=eof))
            wait_for(lambda: "damaged" in replica.log_text(), "a clear error in the log")

    def test_a_stalled_transfer_times_out_and_leaves_the_replica_empty(self):
        replica = self.check_left_empty(FakePrimary(half_an_rdb(), stall=True),
                                        ["--repl-timeout", "1"])
        wait_for(lambda: "incomplete" in replica.log_text(), "a clear error in the log")


if __name__ == "__main__":
    unittest.main()
