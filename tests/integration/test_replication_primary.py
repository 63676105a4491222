"""cairn as a replication primary, with real redis-server replicas.

A `redis-server --replicaof` cairn loads cairn's RDB (a full sync taken while writes go on)
and then follows the stream; afterwards both hold the same keys, values and absolute expiry
times, across every type, INCRBYFLOAT, SPOP, MULTI, a Lua script and several databases. A
replica whose link is cut (CLIENT KILL TYPE replica) resumes with a partial resync from the
backlog instead of a second full sync. WAIT counts acknowledging replicas, min-replicas-to-write
refuses writes without enough of them, and INFO replication / ROLE / CLIENT LIST show them as
Redis does.
"""
import os
import random
import sys
import threading
import time
import unittest

import redis

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (REFERENCE_BINARY, ServerProcess, encode_command,  # noqa: E402
                     is_reference_redis, persistence_args, wait_until)

SCRIPT = ("local m = redis.call('SPOP', KEYS[1]) "
          "if m then redis.call('RPUSH', KEYS[2], m) end "
          "return redis.call('INCRBYFLOAT', KEYS[3], ARGV[1])")


def mixed_writes(r, rounds, seed, stop=None):
    """Pipelined writes over every type, with effects a replica must not recompute: `rounds`
    rounds, or until `stop` is set when given."""
    rng = random.Random(seed)
    n = 0
    while (n < rounds) if stop is None else not stop.is_set():
        n += 1
        p = r.pipeline(transaction=False)
        for i in range(20):
            k = rng.randrange(50)
            p.set("s:%d" % k, "v%d" % n, ex=rng.randrange(100, 1000))
            p.incrbyfloat("f:%d" % (k % 5), "0.1")
            p.sadd("set:%d" % (k % 4), *["m%d" % rng.randrange(30) for _ in range(3)])
            p.spop("set:%d" % (k % 4))
            p.rpush("l:%d" % (k % 6), "a%d" % n, "b%d" % i)
            p.lpop("l:%d" % (k % 6))
            p.linsert("l:%d" % (k % 6), "BEFORE", "b%d" % i, "ins")
            p.hset("h:%d" % (k % 3), "f%d" % rng.randrange(20), n)
            p.hincrbyfloat("h:%d" % (k % 3), "float", 1.25)
            p.zadd("z:%d" % (k % 3), {"m%d" % rng.randrange(40): rng.random() * 100})
            p.zincrby("z:%d" % (k % 3), 0.3, "m1")
            p.xadd("x", {"n": n, "i": i}, maxlen=200, approximate=False)
            p.execute_command("EVAL", SCRIPT, 3, "set:%d" % (k % 4), "popped", "scripted", "0.5")
            p.expire("l:%d" % (k % 6), 5000)
            p.delete("s:%d" % ((k + 7) % 50))
        p.xreadgroup("g", "alice", {"x": ">"}, count=5)
        p.execute_command("SELECT", 3)
        p.set("db3:%d" % (n % 10), n)
        p.execute_command("SELECT", 0)
        p.execute()
        tx = r.pipeline(transaction=True)
        tx.incr("tx:counter")
        tx.lpush("tx:list", n)
        tx.hset("tx:hash", "n", n)
        tx.execute()


def contents(r):
    """Every key of every database: type, value as a user reads it, absolute expiry."""
    out = {}
    for db in range(16):
        r.execute_command("SELECT", db)
        for key in r.scan_iter(count=1000):
            kind = r.type(key).decode()
            if kind == "string":
                value = r.get(key)
            elif kind == "list":
                value = r.lrange(key, 0, -1)
            elif kind == "set":
                value = sorted(r.smembers(key))
            elif kind == "hash":
                value = sorted(r.hgetall(key).items())
            elif kind == "zset":
                value = r.zrange(key, 0, -1, withscores=True)
            else:
                info = r.xinfo_stream(key)
                groups = [(g["name"], g["pending"], g["last-delivered-id"])
                          for g in r.xinfo_groups(key)]
                value = (r.xrange(key), groups, info["last-generated-id"])
            out[(db, key)] = (kind, value, r.execute_command("PEXPIRETIME", key))
    r.execute_command("SELECT", 0)
    return out


def info_field(r, section, name):
    return r.info(section).get(name)


class PrimaryTestCase(unittest.TestCase):
    """Starts cairn primaries and redis-server replicas, stopped after each test."""

    def setUp(self):
        self.servers = []

    def tearDown(self):
        for s in reversed(self.servers):
            s.stop()

    def start_cairn(self, *args):
        s = ServerProcess(list(args)).start()
        self.servers.append(s)
        return s

    def start_replica(self, primary):
        s = ServerProcess(["--replicaof", "127.0.0.1", primary.port,
                           "--repl-diskless-load", "disabled"],
                          binary=REFERENCE_BINARY).start()
        self.servers.append(s)
        return s

    def wait_caught_up(self, primary, replica, timeout=30.0):
        """Until the replica's link is up and it holds every byte of cairn's stream."""
        p, r = primary.client(), replica.client()
        deadline = time.time() + timeout
        while time.time() < deadline:
            mine = p.info("replication")
            theirs = r.info("replication")
            if (theirs.get("master_link_status") == "up"
                    and theirs.get("master_sync_in_progress") == 0
                    and theirs.get("master_repl_offset") == mine["master_repl_offset"]):
                return mine["master_repl_offset"]
            time.sleep(0.05)
        self.fail("replica did not catch up: cairn %r, replica %r; replica log:\n%s"
                  % (p.info("replication"), r.info("replication"), replica.log_text()[-3000:]))

    def connected_replicas(self, server):
        return server.client().info("replication")["connected_slaves"]

    def wait_replica_state(self, server, *states, what="the replica to attach"):
        """Until the first replica is in one of those states (INFO's slave0 state=): a
        replica is listed (wait_bgsave) from its SYNC on, registered when its file is cut
        (send_bulk while a whole file is sent), online once the file is sent."""
        wait_until(lambda: server.client().info("replication").get("slave0", {}).get("state")
                   in states, what, 10)


@unittest.skipIf(is_reference_redis(), "cairn as the primary of a redis-server")
@unittest.skipUnless(os.path.exists(REFERENCE_BINARY), "needs redis-server")
class ReplicationPrimaryTest(PrimaryTestCase):

    def test_a_replica_that_stops_reading_is_cut_at_the_replica_output_limit(self):
        cairn = self.start_cairn("--client-output-buffer-limit", "replica 4mb 0 0")
        r = cairn.client()
        r.set("big", "x" * (8 << 20))  # the full sync's RDB is over the limit: it does not count
        replica = self.start_replica(cairn)
        self.wait_caught_up(cairn, replica)
        self.assertEqual(replica.client().strlen("big"), 8 << 20)
        self.servers.remove(replica)
        replica.stop()
        stalled = cairn.raw_connection()
        self.addCleanup(stalled.close)
        stalled.send_command("PSYNC", "?", "-1")  # ...and never reads again
        # Registered: from here on the stream fills its output.
        self.wait_replica_state(cairn, "send_bulk", "online")
        value = "y" * 100000
        for i in range(400):  # 40 MB of stream
            r.set("k%d" % (i % 10), value)
        wait_until(lambda: self.connected_replicas(cairn) == 0, "the cut", 10)
        self.assertIn("overcoming of output buffer limits", cairn.log_text())

    def test_full_sync_while_writes_go_on_leaves_both_sides_identical(self):
        cairn = self.start_cairn(*persistence_args())
        r = cairn.client()
        r.xgroup_create("x", "g", id="0", mkstream=True)
        r.execute_command("FUNCTION", "LOAD",
                          "#!lua name=lib\nredis.register_function('f', function() return 1 end)")
        mixed_writes(r, 40, seed=1)
        writer_error = []
        stop = threading.Event()

        def writer():
            try:
                mixed_writes(cairn.client(), 0, seed=2, stop=stop)
            except Exception as e:  # reported by the main thread
                writer_error.append(e)

        t = threading.Thread(target=writer)
        t.start()
        replica = self.start_replica(cairn)  # syncs while the writer runs
        deadline = time.time() + 30
        while r.info("replication")["connected_slaves"] == 0 and time.time() < deadline:
            time.sleep(0.01)
        time.sleep(0.3)  # the writer goes on once the replica follows the stream
        stop.set()
        t.join()
        self.assertEqual(writer_error, [])
        mixed_writes(r, 5, seed=3)  # after the sync: the stream alone carries these
        self.wait_caught_up(cairn, replica)
        rr = replica.client()
        mine, theirs = contents(r), contents(rr)
        self.assertGreater(len(mine), 50)
        self.assertEqual(mine.keys(), theirs.keys())
        for key in mine:
            self.assertEqual(mine[key], theirs[key], key)
        self.assertEqual(rr.execute_command("FUNCTION", "LIST")[0][1], b"lib")
        self.assertEqual(info_field(r, "stats", "sync_full"), 1)

    def test_replicas_that_sync_together_share_one_file_and_both_follow(self):
        """Two redis-server replicas that ask within repl-diskless-sync-delay get one build
        (Redis's one child for both; the second starts it: repl-diskless-sync-max-replicas)
        while writes go on, and each then follows the stream from where its copy of the file
        stands."""
        cairn = self.start_cairn("--repl-diskless-sync-delay", "60",
                                 "--repl-diskless-sync-max-replicas", "2", *persistence_args())
        r = cairn.client()
        r.xgroup_create("x", "g", id="0", mkstream=True)
        mixed_writes(r, 30, seed=6)
        stop = threading.Event()
        t = threading.Thread(target=lambda: mixed_writes(cairn.client(), 0, seed=7, stop=stop))
        t.start()
        replicas = [self.start_replica(cairn), self.start_replica(cairn)]
        wait_until(lambda: r.info("replication")["connected_slaves"] == 2, "both replicas", 30)
        time.sleep(0.3)
        stop.set()
        t.join()
        mixed_writes(r, 5, seed=8)
        mine = contents(r)
        for replica in replicas:
            self.wait_caught_up(cairn, replica)
            self.assertEqual(contents(replica.client()), mine)
        self.assertEqual(cairn.log_text().count("Starting BGSAVE for SYNC"), 1)
        self.assertEqual(info_field(r, "stats", "sync_full"), 2)

    def test_a_cairn_replica_of_cairn_holds_what_the_primary_holds(self):
        cairn = self.start_cairn(*persistence_args())
        r = cairn.client()
        r.xgroup_create("x", "g", id="0", mkstream=True)
        mixed_writes(r, 30, seed=4)
        replica = ServerProcess(["--replicaof", "127.0.0.1", cairn.port]).start()
        self.servers.append(replica)
        mixed_writes(r, 10, seed=5)  # during or after the sync
        self.wait_caught_up(cairn, replica)
        rr = replica.client()
        mine, theirs = contents(r), contents(rr)
        self.assertGreater(len(mine), 30)
        self.assertEqual(mine, theirs)
        self.assertEqual(r.execute_command("WAIT", 1, 5000), 1)
        with self.assertRaisesRegex(Exception, "You can't write against a read only replica"):
            rr.set("k", "v")

    def test_info_counts_the_replication_bytes_on_both_sides(self):
        cairn = self.start_cairn()
        replica = ServerProcess(["--replicaof", "127.0.0.1", cairn.port]).start()
        self.servers.append(replica)
        self.wait_caught_up(cairn, replica)
        p, rr = cairn.client(), replica.client()
        sent, received = p.info("stats"), rr.info("stats")
        p.set("big", "x" * 20000)
        self.wait_caught_up(cairn, replica)
        self.assertEqual(len(rr.get("big")), 20000)
        sent_now, received_now = p.info("stats"), rr.info("stats")
        for info, before, field in ((sent_now, sent, "total_net_repl_output_bytes"),
                                    (received_now, received, "total_net_repl_input_bytes")):
            self.assertGreaterEqual(info[field] - before[field], 20000, field)
        # The backlog a replica made is memory the primary holds for replication.
        memory = p.info("memory")
        self.assertGreater(memory["mem_replication_backlog"], 0)
        self.assertGreaterEqual(memory["mem_total_replication_buffers"],
                                memory["mem_replication_backlog"])
        self.assertEqual(p.memory_stats()["replication.backlog"],
                         memory["mem_replication_backlog"])
        # Replication's bytes are part of the totals, as in Redis.
        self.assertGreaterEqual(sent_now["total_net_output_bytes"],
                                sent_now["total_net_repl_output_bytes"])
        self.assertGreaterEqual(received_now["total_net_input_bytes"],
                                received_now["total_net_repl_input_bytes"])

    def test_a_replica_that_syncs_while_no_write_comes_gets_the_database_named(self):
        # The stream after a full sync must name its database: the replica starts in db 0
        # while the stream may have left another selected for an earlier replica.
        cairn = self.start_cairn()
        db3 = redis.Redis(port=cairn.port, db=3)
        first = self.start_replica(cairn)
        db3.set("a", "1")
        self.wait_caught_up(cairn, first)
        second = self.start_replica(cairn)  # no write while it syncs
        self.wait_caught_up(cairn, second)
        db3.set("b", "2")
        self.wait_caught_up(cairn, second)
        theirs = redis.Redis(port=second.port, db=3)
        self.assertEqual(theirs.mget("a", "b"), [b"1", b"2"])
        self.assertIsNone(redis.Redis(port=second.port, db=0).get("b"))

    def test_partial_resync_after_the_link_is_cut(self):
        cairn = self.start_cairn()
        r = cairn.client()
        r.set("before", "1")
        replica = self.start_replica(cairn)
        self.wait_caught_up(cairn, replica)
        rr = replica.client()
        self.assertEqual(rr.get("before"), b"1")
        self.assertEqual(r.execute_command("CLIENT", "KILL", "TYPE", "replica"), 1)
        for i in range(100):
            r.set("while-cut:%d" % i, i)
        offset = self.wait_caught_up(cairn, replica)
        self.assertEqual(rr.get("while-cut:99"), b"99")
        stats = r.info("stats")
        self.assertEqual((stats["sync_full"], stats["sync_partial_ok"]), (1, 1))
        self.assertIn("Successful partial resynchronization", replica.log_text())
        self.assertEqual(rr.info("replication")["master_repl_offset"], offset)

    def test_wait_role_info_client_list_and_min_replicas(self):
        cairn = self.start_cairn()
        r = cairn.client()
        # No replica yet: WAIT answers at once, writes are refused with min-replicas-to-write.
        self.assertEqual(r.execute_command("WAIT", 0, 0), 0)
        r.config_set("min-replicas-to-write", 1)
        with self.assertRaisesRegex(Exception, "NOREPLICAS Not enough good replicas to write."):
            r.set("k", "v")
        replica = self.start_replica(cairn)
        self.wait_caught_up(cairn, replica)
        r.set("k", "v")  # one good replica now
        self.assertEqual(r.execute_command("WAIT", 1, 0), 1)
        self.assertEqual(r.execute_command("WAIT", 2, 100), 1)  # times out with the count
        r.config_set("min-replicas-to-write", 2)
        with self.assertRaisesRegex(Exception, "NOREPLICAS"):
            r.set("k", "v2")
        r.config_set("min-replicas-to-write", 0)

        rep = r.info("replication")
        self.assertEqual(rep["role"], "master")
        self.assertEqual(rep["connected_slaves"], 1)
        slave = rep["slave0"]
        self.assertEqual((slave["ip"], slave["port"], slave["state"]),
                         ("127.0.0.1", replica.port, "online"))
        self.assertEqual(rep["repl_backlog_active"], 1)
        self.assertEqual(rep["repl_backlog_first_byte_offset"], 1)
        self.assertEqual(rep["master_replid"],
                         replica.client().info("replication")["master_replid"])
        role = r.execute_command("ROLE")
        self.assertEqual(role[0], b"master")
        self.assertEqual(role[2][0][:2], [b"127.0.0.1", str(replica.port).encode()])
        listed = r.execute_command("CLIENT", "LIST", "TYPE", "replica").decode()
        self.assertIn("flags=S", listed)
        self.assertNotIn("flags=S", r.execute_command("CLIENT", "LIST", "TYPE", "normal").decode())
        self.servers.remove(replica)
        replica.stop()
        wait_until(lambda: self.connected_replicas(cairn) == 0, "the replica to leave", 10)


@unittest.skipIf(is_reference_redis(), "cairn as the primary that fails over")
@unittest.skipUnless(os.path.exists(REFERENCE_BINARY), "needs redis-server")
class FailoverCommandTest(PrimaryTestCase):
    """FAILOVER hands the primary's role to a replica (redis-server or cairn) with every write,
    and leaves this server following it; ABORT and timeouts give the role back."""

    def start_cairn_replica(self, primary):
        return self.start_cairn("--replicaof", "127.0.0.1 %d" % primary.port)

    def wait_role(self, server, role, timeout=10.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if server.client().execute_command("ROLE")[0] == role:
                return
            time.sleep(0.05)
        self.fail("%d did not become %r; log:\n%s" % (server.port, role, server.log_text()))

    def synced_pair(self, start_follower, seed):
        """A cairn primary with writes of every type, and a follower that holds them all."""
        cairn = self.start_cairn()
        follower = start_follower(cairn)
        r = cairn.client()
        r.xgroup_create("x", "g", id="0", mkstream=True)
        mixed_writes(r, 10, seed=seed)
        self.wait_caught_up(cairn, follower)
        return cairn, follower, r

    def test_failover_to_a_redis_replica_swaps_roles_with_a_partial_resync(self):
        cairn, replica, r = self.synced_pair(self.start_replica, seed=7)
        self.assertEqual(r.execute_command("FAILOVER", "TO", "127.0.0.1", replica.port), b"OK")
        self.wait_role(cairn, b"slave")
        self.wait_role(replica, b"master")
        self.assertEqual(r.info("replication")["master_failover_state"], "no-failover")
        self.assertEqual(r.info("replication")["master_port"], replica.port)
        self.assertEqual(replica.client().info("stats")["sync_partial_ok"], 1)  # no full sync
        with self.assertRaisesRegex(Exception, "read only replica"):
            r.set("k", "v")
        replica.client().set("after", "failover")
        wait_until(lambda: r.get("after") is not None, "the new primary's write", 10)
        self.assertEqual(r.get("after"), b"failover")
        self.assertEqual(r.dbsize(), replica.client().dbsize())

    def test_failover_to_any_replica_promotes_a_cairn_replica(self):
        cairn, follower, r = self.synced_pair(self.start_cairn_replica, seed=8)
        self.assertEqual(r.execute_command("FAILOVER"), b"OK")
        self.wait_role(follower, b"master")
        self.wait_role(cairn, b"slave")
        # The promoted cairn goes on with the history it holds: the old primary continues.
        stats = follower.client().info("stats")
        self.assertEqual((stats["sync_partial_ok"], stats["sync_full"]), (1, 0))
        follower.client().set("after", "failover")
        self.wait_caught_up(follower, cairn)
        self.assertEqual(r.get("after"), b"failover")
        self.assertEqual(r.dbsize(), follower.client().dbsize())

    def test_writes_wait_during_a_failover_and_go_on_when_it_is_aborted(self):
        cairn = self.start_cairn()
        r = cairn.client()
        lagging = cairn.raw_connection()  # a replica that never acknowledges anything
        self.addCleanup(lagging.close)
        lagging.command("REPLCONF", "listening-port", 6999)
        lagging.send_command("PSYNC", "?", "-1")
        self.wait_replica_state(cairn, "online")  # its small file is in its socket
        r.set("k", "before")
        self.assertEqual(r.execute_command("FAILOVER", "TO", "127.0.0.1", 6999), b"OK")
        self.assertEqual(r.info("replication")["master_failover_state"], "waiting-for-sync")
        writer = cairn.raw_connection()
        self.addCleanup(writer.close)
        writer.send_command("SET", "k", "during")
        wait_until(lambda: r.info("clients")["blocked_clients"] == 1, "the write to wait", 10)
        self.assertEqual(r.get("k"), b"before")  # reads go on
        self.assertEqual(r.execute_command("CLIENT", "UNPAUSE"), b"OK")  # does not end it
        with self.assertRaisesRegex(Exception, "FAILOVER already in progress."):
            r.execute_command("FAILOVER")
        with self.assertRaisesRegex(Exception, "REPLICAOF not allowed while failing over."):
            r.execute_command("REPLICAOF", "127.0.0.1", 6999)
        self.assertEqual(r.execute_command("FAILOVER", "ABORT"), b"OK")
        self.assertEqual(writer.read_reply().to_py(), b"OK")
        self.assertEqual(r.get("k"), b"during")
        self.assertEqual(r.info("replication")["master_failover_state"], "no-failover")
        # A timeout without FORCE gives up by itself.
        self.assertEqual(r.execute_command("FAILOVER", "TIMEOUT", 300), b"OK")
        wait_until(lambda: r.info("replication")["master_failover_state"] == "no-failover",
                   "the failover to end", 10)
        self.assertIn("Replica never caught up before timeout", cairn.log_text())
        self.assertEqual(r.set("k", "after"), True)
        self.assertEqual(r.execute_command("ROLE")[0], b"master")

    def test_failover_argument_errors(self):
        cairn = self.start_cairn()
        r = cairn.client()
        for args, error in (
                (("FAILOVER",), "FAILOVER requires connected replicas."),
                (("FAILOVER", "ABORT"), "No failover in progress."),
                (("FAILOVER", "TIMEOUT", 0), "FAILOVER timeout must be greater than 0"),
                (("FAILOVER", "FORCE", "FORCE"), "syntax error"),
                (("FAILOVER", "TO", "h"), "syntax error")):
            with self.assertRaisesRegex(Exception, error):
                r.execute_command(*args)
        replica = self.start_replica(cairn)
        self.wait_caught_up(cairn, replica)
        for args, error in (
                (("FAILOVER", "TO", "127.0.0.1", replica.port, "FORCE"),
                 "FAILOVER with force option requires both a timeout and target HOST and IP."),
                (("FAILOVER", "TO", "127.0.0.1", 1), "FAILOVER target HOST and PORT is not a "
                                                     "replica.")):
            with self.assertRaisesRegex(Exception, error):
                r.execute_command(*args)
        # Once synced: a replica still loading its first sync answers -LOADING first.
        cairn_replica = self.start_cairn_replica(cairn)
        self.wait_caught_up(cairn, cairn_replica)
        with self.assertRaisesRegex(Exception, "FAILOVER is not valid when server is a replica."):
            cairn_replica.client().execute_command("FAILOVER")


PING = b"*1\r\n$4\r\nping\r\n"  # as Redis streams it, in lower case


def read_sync_payload(conn, timeout=10.0):
    """The RDB a SYNC sends: `$<len>` CRLF and len bytes, with no CRLF after them. Newlines
    before the header keep the link alive while the RDB is built."""
    deadline = time.time() + timeout
    while True:
        buf = conn.buf.lstrip(b"\n")
        head = buf.find(b"\r\n")
        if buf.startswith(b"$") and head > 0 and len(buf) >= head + 2 + int(buf[1:head]):
            end = head + 2 + int(buf[1:head])
            conn.buf = buf[end:]
            return buf[head + 2:end]
        remaining = deadline - time.time()
        if remaining <= 0 or not conn._recv(remaining):
            raise AssertionError("no whole RDB after SYNC; got %r" % conn.buf[:200])


class KeepAliveTest(PrimaryTestCase):
    """Runs against redis-server too (CAIRN_SERVER unset)."""

    def test_a_replica_that_never_acknowledges_gets_the_keep_alive_ping(self):
        # `redis-cli --replica` and a bare SYNC never send REPLCONF ACK. Redis pings every
        # replica each repl-ping-replica-period regardless, and clients that read the RDB as a
        # bulk string (redis-py's sync()) need those bytes after it to finish reading.
        server = self.start_cairn("--repl-ping-replica-period", "1")
        server.client().set("k", "v")
        conn = server.raw_connection(timeout=10)
        self.addCleanup(conn.sock.close)
        conn.send_command("SYNC")
        self.assertTrue(read_sync_payload(conn).startswith(b"REDIS"))
        deadline = time.time() + 6
        while conn.buf.count(PING) < 2 and time.time() < deadline:
            if not conn._recv(deadline - time.time()):
                break
        self.assertGreaterEqual(conn.buf.count(PING), 2, conn.buf[:300])
        server.client().set("after", "1")  # and the stream goes on behind the pings
        wait_until(lambda: conn._recv(0.2) and b"after" in conn.buf, "the SET to follow", 5)


class SyncRefusalTest(PrimaryTestCase):
    """When SYNC and PSYNC are refused, with Redis's texts. Runs against redis-server too."""

    def test_sync_behind_a_pipelined_command_is_refused_and_the_connection_goes_on(self):
        # The stream a replica gets starts right after the sync's reply: a reply still queued
        # in front of it would be read as part of the RDB.
        server = self.start_cairn()
        server.client().set("k", "v")
        for sync in (("SYNC",), ("PSYNC", "?", "-1")):
            conn = server.raw_connection()
            self.addCleanup(conn.sock.close)
            conn.send(encode_command("PING") + encode_command(*sync))
            pong, refusal = conn.read_replies(2)
            self.assertEqual(pong.value, b"PONG")
            self.assertEqual(refusal.type, "-")
            self.assertEqual(refusal.value, b"ERR SYNC and PSYNC are invalid with pending output")
            self.assertEqual(conn.command("GET", "k").value, b"v")  # an ordinary client still

    def test_a_second_psync_from_an_attached_replica_is_ignored(self):
        # Pipelined behind the first, it runs once the RDB is queued: Redis ignores it, and
        # nothing (a refusal least of all) may enter the stream the replica counts in bytes.
        server = self.start_cairn()
        server.client().set("k", "v")
        conn = server.raw_connection(timeout=10)
        self.addCleanup(conn.sock.close)
        conn.send(encode_command("PSYNC", "?", "-1") * 2)
        wait_until(lambda: conn._recv(0.2) and b"\r\n" in conn.buf, "+FULLRESYNC", 10)
        self.assertTrue(conn.buf.startswith(b"+FULLRESYNC "), conn.buf[:100])
        conn.buf = conn.buf[conn.buf.index(b"\r\n") + 2:]
        self.assertTrue(read_sync_payload(conn).startswith(b"REDIS"))
        server.client().set("after", "1")
        wait_until(lambda: conn._recv(0.2) and b"after" in conn.buf, "the SET to follow", 5)
        self.assertTrue(conn.buf.startswith(b"*"), conn.buf[:200])  # commands only
        self.assertNotIn(b"\r\n-", b"\r\n" + conn.buf)

    def test_a_replica_whose_link_is_down_refuses_to_feed_a_chained_replica(self):
        server = self.start_cairn()
        nobody = ServerProcess([]).start()  # a free port, then nothing listens there
        port = nobody.port
        nobody.stop()
        server.client().execute_command("REPLICAOF", "127.0.0.1", port)
        for sync in (("SYNC",), ("PSYNC", "?", "-1")):
            conn = server.raw_connection()
            self.addCleanup(conn.sock.close)
            reply = conn.command(*sync)
            self.assertEqual(reply.type, "-")
            self.assertEqual(reply.value,
                             b"NOMASTERLINK Can't SYNC while not connected with my master")


if __name__ == "__main__":
    unittest.main()
