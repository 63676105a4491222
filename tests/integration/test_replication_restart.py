"""A cairn primary restarted under its replicas (WAL on, real redis-server and cairn replicas).

After a clean shutdown (SIGTERM) the restarted primary continues its replication history, as
Redis 7.0 does from the ids its RDB keeps: replicas that hold all of it resume with a partial
resync and nothing is sent twice. After `kill -9` there is no such record, and replicas sync
in full. A promoted replica that took writes and then crashed must not claim the position it
had when it was promoted: its data has moved past it.
"""
import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (REFERENCE_BINARY, DurableServer, is_reference_redis,  # noqa: E402
                     wait_until)
from test_replication_primary import PrimaryTestCase, contents, mixed_writes  # noqa: E402


@unittest.skipUnless(os.path.exists(REFERENCE_BINARY), "needs redis-server")
class PrimaryRestartTest(PrimaryTestCase):

    def durable(self, *args):
        root = tempfile.mkdtemp(prefix="cairn-restart-")
        self.addCleanup(shutil.rmtree, root, True)
        s = DurableServer(root, list(args)).start()
        self.servers.append(s)
        return s

    def primary_with_replicas(self):
        """A durable primary with data of every type, and a redis-server and a cairn replica
        caught up with it."""
        primary = self.durable()
        pc = primary.client()
        pc.xgroup_create("x", "g", id="0", mkstream=True)
        mixed_writes(pc, 20, seed=8)
        theirs = self.start_replica(primary)
        ours = self.start_cairn("--replicaof", "127.0.0.1", primary.port)
        for replica in (theirs, ours):
            self.wait_caught_up(primary, replica)
        return primary, (theirs, ours)

    def restart_and_follow(self, primary, replicas):
        """Starts the stopped primary again; the replicas follow it there and catch up with
        more writes. Returns the restarted primary's INFO stats."""
        primary.start()  # the same data directory, on a new port
        for replica in replicas:
            replica.client().execute_command("REPLICAOF", "127.0.0.1", primary.port)
        mixed_writes(primary.client(), 5, seed=9)
        for replica in replicas:
            self.wait_caught_up(primary, replica)
            self.assertEqual(contents(primary.client()), contents(replica.client()))
        return primary.client().info("stats")

    @unittest.skipIf(is_reference_redis(), "Redis keeps its replication ids only in an RDB file")
    def test_after_a_clean_restart_replicas_continue_the_history(self):
        primary, replicas = self.primary_with_replicas()
        before = primary.client().info("replication")
        self.assertEqual(primary.terminate(), 0)  # stop() would be kill -9
        stats = self.restart_and_follow(primary, replicas)
        self.assertEqual((stats["sync_full"], stats["sync_partial_ok"]), (0, 2))
        after = primary.client().info("replication")
        self.assertNotEqual(after["master_replid"], before["master_replid"])
        self.assertEqual(after["master_replid2"], before["master_replid"])
        self.assertEqual(after["second_repl_offset"], before["master_repl_offset"] + 1)
        for replica in replicas:
            self.assertEqual(replica.client().info("replication")["master_replid"],
                             after["master_replid"])

    def test_after_kill9_replicas_sync_in_full(self):
        primary, replicas = self.primary_with_replicas()
        primary.kill9()
        stats = self.restart_and_follow(primary, replicas)
        self.assertEqual((stats["sync_full"], stats["sync_partial_ok"]), (2, 0))

    def test_a_promoted_replica_that_crashed_claims_no_history(self):
        a = self.durable()
        a.client().set("counter", 0)
        b = self.durable()
        bc = b.client()
        bc.execute_command("REPLICAOF", "127.0.0.1", a.port)
        self.wait_caught_up(a, b)
        # (redis-server, as a replica, rewrites its AOF after a full sync and logs no write
        # until that ends; wait for it so its own log keeps the INCR below)
        wait_until(lambda: bc.info("persistence").get("aof_rewrite_in_progress", 0) == 0 and
                   bc.info("persistence").get("aof_rewrite_scheduled", 0) == 0,
                   "B's log to be complete")
        self.assertEqual(bc.execute_command("REPLICAOF", "NO", "ONE"), b"OK")
        self.assertEqual(bc.incr("counter"), 1)  # B's data moves past where it was promoted
        b.kill9()
        b.start()
        info = b.client().info("replication")
        # (redis-py reads the forty zeros of "no second id" as the number 0)
        self.assertEqual((info["master_replid2"], info["second_repl_offset"]), (0, -1))
        a.client().execute_command("REPLICAOF", "127.0.0.1", b.port)
        self.wait_caught_up(b, a)
        self.assertEqual(a.client().get("counter"), b"1")
        self.assertEqual(b.client().info("stats")["sync_full"], 1)
