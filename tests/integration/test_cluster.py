"""Cluster mode with one node (cluster-enabled yes): what cluster clients and operators see,
checked against redis-server 7.0 started the same way (run with CAIRN_SERVER unset).

A new node serves no slot; CLUSTER ADDSLOTSRANGE 0 16383 makes it a cluster that serves
everything. Then cluster clients (redis-py's RedisCluster, redis-cli -c) work against it, keys
are routed by Redis's hash slots (CROSSSLOT across slots, hash tags), only database 0 exists,
and the node's id and slots survive a restart.

Run: /usr/bin/python3 -m unittest -v tests/integration/test_cluster.py
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

import redis
from redis.cluster import RedisCluster

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import DurableServer, ServerTestCase, free_port, main, wait_until  # noqa: E402

CROSSSLOT = "CROSSSLOT Keys in request don't hash to the same slot"


def cluster_info(r):
    text = r.execute_command("CLUSTER", "INFO")
    text = text.decode() if isinstance(text, bytes) else text
    return dict(line.split(":", 1) for line in text.strip().split("\r\n"))


def wait_ok(r):
    # Redis waits about two seconds after startup before a master's cluster turns ok.
    wait_until(lambda: cluster_info(r)["cluster_state"] == "ok", "cluster_state:ok", timeout=15)


def cluster_args():
    # Redis binds its bus at port + 10000 unless told another port (and refuses ports past
    # 55535 for that reason); the harness's free ports may be higher.
    return ("--cluster-enabled", "yes", "--cluster-port", str(free_port()))


class ClusterTestCase(ServerTestCase):
    server_args = cluster_args()
    flush_before_each_test = False

    def error(self, *args):
        with self.assertRaises(redis.ResponseError) as cm:
            self.r.execute_command(*args)
        return str(cm.exception)


class TestANewNode(ClusterTestCase):
    def test_it_serves_no_slot_until_it_is_given_some(self):
        info = cluster_info(self.r)
        self.assertEqual(info["cluster_state"], "fail")
        self.assertEqual(info["cluster_slots_assigned"], "0")
        self.assertEqual(info["cluster_known_nodes"], "1")
        self.assertEqual(len(info), 12)
        myid = self.r.execute_command("CLUSTER", "MYID").decode()
        self.assertRegex(myid, r"^[0-9a-f]{40}$")
        nodes = self.r.execute_command("CLUSTER", "NODES")
        nodes = nodes.decode() if isinstance(nodes, bytes) else nodes
        self.assertRegex(nodes, r"^%s :%d@%s myself,master - 0 0 0 connected\n$"
                         % (myid, self.port, self.server_args[3]))
        self.assertEqual(self.r.execute_command("CLUSTER", "SLOTS"), [])
        self.assertEqual(self.error("SET", "foo", "1"), "CLUSTERDOWN Hash slot not served")
        self.assertEqual(self.r.execute_command("PING"), True)  # no keys: always served
        self.assertEqual(self.r.info("cluster")["cluster_enabled"], 1)


class TestOneNodeCluster(ClusterTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        r = cls.server.client()
        r.execute_command("CLUSTER", "ADDSLOTSRANGE", 0, 16383)
        wait_ok(r)

    def setUp(self):
        super().setUp()
        self.r.flushall()

    def test_slots_shards_and_nodes_show_one_master_serving_everything(self):
        myid = self.r.execute_command("CLUSTER", "MYID")
        slots = self.r.execute_command("CLUSTER", "SLOTS")
        self.assertEqual(len(slots), 1)
        self.assertEqual(slots[0][:2], [0, 16383])
        self.assertEqual(slots[0][2][1:3], [self.port, myid])
        shards = self.r.execute_command("CLUSTER", "SHARDS")
        self.assertEqual(len(shards), 1)
        shard = dict(zip(shards[0][::2], shards[0][1::2]))
        self.assertEqual(shard[b"slots"], [0, 16383])
        node = dict(zip(shard[b"nodes"][0][::2], shard[b"nodes"][0][1::2]))
        self.assertEqual(node[b"id"], myid)
        self.assertEqual(node[b"port"], self.port)
        self.assertEqual(node[b"role"], b"master")
        self.assertEqual(node[b"health"], b"online")
        self.assertEqual(set(node), {b"id", b"port", b"ip", b"endpoint", b"role",
                                     b"replication-offset", b"health"})
        nodes = self.r.execute_command("CLUSTER", "NODES")
        nodes = nodes.decode() if isinstance(nodes, bytes) else nodes
        self.assertTrue(nodes.endswith(" connected 0-16383\n"), nodes)
        info = cluster_info(self.r)
        self.assertEqual((info["cluster_slots_assigned"], info["cluster_size"]), ("16384", "1"))

    def test_keys_route_by_redis_hash_slots(self):
        keyslot = lambda k: self.r.execute_command("CLUSTER", "KEYSLOT", k)  # noqa: E731
        self.assertEqual(keyslot("foo"), 12182)
        self.assertEqual(keyslot("{user1000}.following"), keyslot("{user1000}.followers"))
        self.assertEqual(keyslot("{}x"), 10595)  # an empty tag hashes the whole key
        self.assertEqual(keyslot("a{b}c{d}"), keyslot("b"))
        self.assertEqual(self.error("MSET", "a", "1", "b", "2"), CROSSSLOT)
        self.assertTrue(self.r.mset({"{a}x": 1, "{a}y": 2}))
        self.assertEqual(self.r.mget("{a}x", "{a}y"), [b"1", b"2"])
        self.assertTrue(self.r.execute_command("MSET", "k", "1", "k", "2"))  # one key
        self.assertEqual(self.error("SUNIONSTORE", "d", "s1", "s2"), CROSSSLOT)
        self.assertEqual(self.error("EVAL", "return 1", 2, "a", "b"), CROSSSLOT)
        slot = keyslot("{a}x")
        self.assertEqual(self.r.execute_command("CLUSTER", "COUNTKEYSINSLOT", slot), 2)
        self.assertEqual(sorted(self.r.execute_command("CLUSTER", "GETKEYSINSLOT", slot, 10)),
                         [b"{a}x", b"{a}y"])
        one = self.r.execute_command("CLUSTER", "GETKEYSINSLOT", slot, 1)
        self.assertTrue(one in ([b"{a}x"], [b"{a}y"]), one)
        self.assertEqual(self.error("CLUSTER", "COUNTKEYSINSLOT", 16384), "Invalid slot")
        self.assertEqual(self.error("CLUSTER", "GETKEYSINSLOT", 1, -1),
                         "Invalid slot or number of keys")

    def test_a_transaction_across_slots_is_refused_at_exec(self):
        p = self.r.pipeline(transaction=True)
        p.set("a", 1).set("b", 2)
        with self.assertRaises(redis.ResponseError) as cm:
            p.execute()
        self.assertIn(CROSSSLOT, str(cm.exception))
        self.assertIsNone(self.r.get("a"))
        p = self.r.pipeline(transaction=True)
        p.set("{t}a", 1).incr("{t}b")
        self.assertEqual(p.execute(), [True, 1])

    def test_scripts_keep_to_their_slot(self):
        self.assertEqual(self.r.eval("return redis.call('set', KEYS[1], 'v')", 1, "a"), b"OK")
        # Without a shebang a script may cross slots, as in Redis.
        self.assertEqual(self.r.eval("redis.call('set', 'a', 1) return redis.call('set', 'b', 2)",
                                     0), b"OK")
        shebang = "#!lua\nredis.call('set', KEYS[1], 1)\nreturn redis.call('set', 'b', 2)"
        self.assertIn("Script attempted to access keys that do not hash to the same slot",
                      self.error("EVAL", shebang, 1, "a"))
        crossing = "#!lua flags=allow-cross-slot-keys\nredis.call('set', KEYS[1], 1)\n" \
                   "return redis.call('set', 'b', 2)"
        self.assertEqual(self.r.eval(crossing, 1, "a"), b"OK")
        self.assertIn("Script attempted to access a non local key in a cluster node",
                      self.error("EVAL", "return redis.call('mset', 'a', 1, 'b', 2)", 0))
        self.assertEqual(self.error("EVAL", "#!lua flags=no-cluster\nreturn 1", 0),
                         "Can not run script on cluster, 'no-cluster' flag is set.")

    def test_only_database_zero_exists(self):
        self.assertEqual(self.error("SELECT", 1), "SELECT is not allowed in cluster mode")
        self.assertTrue(self.r.execute_command("SELECT", 0))
        self.assertEqual(self.error("MOVE", "k", 1), "MOVE is not allowed in cluster mode")
        self.assertEqual(self.error("SWAPDB", 0, 1), "SWAPDB is not allowed in cluster mode")
        self.assertEqual(self.error("COPY", "{a}1", "{a}2", "DB", 1),
                         "Copying to another database is not allowed in cluster mode")
        self.assertEqual(self.error("REPLICAOF", "127.0.0.1", 1),
                         "REPLICAOF not allowed in cluster mode.")

    def test_slot_commands_refuse_what_redis_refuses(self):
        self.assertEqual(self.error("CLUSTER", "ADDSLOTS", 5), "Slot 5 is already busy")
        self.assertEqual(self.error("CLUSTER", "ADDSLOTS", 16384), "Invalid or out of range slot")
        self.assertEqual(self.error("CLUSTER", "ADDSLOTSRANGE", 9, 3),
                         "start slot number 9 is greater than end slot number 3")
        self.assertIn("wrong number of arguments",
                      self.error("CLUSTER", "ADDSLOTSRANGE", 1, 2, 3))
        self.r.set("k", "v")
        self.assertEqual(self.error("CLUSTER", "FLUSHSLOTS"),
                         "DB must be empty to perform CLUSTER FLUSHSLOTS.")
        self.assertEqual(self.error("CLUSTER", "RESET"),
                         "CLUSTER RESET can't be called with master nodes containing keys")
        myid = self.r.execute_command("CLUSTER", "MYID").decode()
        self.assertEqual(self.error("CLUSTER", "FORGET", myid),
                         "I tried hard but I can't forget myself...")
        self.assertEqual(self.error("CLUSTER", "FORGET", "f" * 40), "Unknown node " + "f" * 40)
        self.assertEqual(self.error("CLUSTER", "REPLICATE", myid), "Can't replicate myself")
        self.assertEqual(self.error("CLUSTER", "FAILOVER"),
                         "You should send CLUSTER FAILOVER to a replica")
        self.assertEqual(self.r.execute_command("CLUSTER", "REPLICAS", myid), [])
        self.assertEqual(self.r.execute_command("CLUSTER", "COUNT-FAILURE-REPORTS", myid), 0)
        self.assertEqual(self.r.execute_command("CLUSTER", "LINKS"), [])
        self.assertEqual(self.error("CLUSTER", "SETSLOT", 1, "MIGRATING", "f" * 40),
                         "I don't know about node " + "f" * 40)
        self.assertTrue(self.r.execute_command("CLUSTER", "SETSLOT", 1, "STABLE"))
        self.assertTrue(self.r.execute_command("READONLY"))
        self.assertTrue(self.r.execute_command("READWRITE"))
        self.assertTrue(self.r.execute_command("ASKING"))

    def test_cluster_clients_work_unchanged(self):
        rc = RedisCluster(host="127.0.0.1", port=self.port)
        try:
            self.assertTrue(rc.set("foo", "bar"))
            self.assertEqual(rc.get("foo"), b"bar")
            self.assertTrue(rc.mset_nonatomic({"a": 1, "b": 2, "c": 3}))
            self.assertEqual(rc.mget_nonatomic("a", "b", "c"), [b"1", b"2", b"3"])
            self.assertEqual(rc.incr("{x}n"), 1)
        finally:
            rc.close()
        out = subprocess.run(["redis-cli", "-c", "-p", str(self.port), "SET", "k2", "v2"],
                             capture_output=True, text=True, timeout=10)
        self.assertEqual(out.stdout.strip(), "OK")
        self.assertEqual(self.r.get("k2"), b"v2")


class TestClusterStateSurvivesRestart(unittest.TestCase):
    def test_the_node_keeps_its_id_slots_and_epochs(self):
        root = tempfile.mkdtemp(prefix="cairn-cluster-")
        server = DurableServer(root, list(cluster_args()))
        try:
            server.start()
            r = server.client()
            myid = r.execute_command("CLUSTER", "MYID")
            self.assertEqual(r.execute_command("CLUSTER", "ADDSLOTSRANGE", 0, 100, 200, 16383),
                             b"OK")
            bumped = r.execute_command("CLUSTER", "BUMPEPOCH")
            self.assertEqual(bumped, b"BUMPED 1")
            self.assertEqual(r.execute_command("CLUSTER", "BUMPEPOCH"), b"STILL 1")
            self.assertIn("already non-zero",
                          str(self._error(r, "CLUSTER", "SET-CONFIG-EPOCH", 5)))
            self.assertEqual(cluster_info(r)["cluster_slots_assigned"], str(16384 - 99))
            with open(os.path.join(server.data_dir, "nodes.conf")) as f:
                self.assertIn(myid.decode(), f.read())
            server.stop()
            server.start()
            r = server.client()
            self.assertEqual(r.execute_command("CLUSTER", "MYID"), myid)
            slots = r.execute_command("CLUSTER", "SLOTS")
            self.assertEqual([s[:2] for s in slots], [[0, 100], [200, 16383]])
            info = cluster_info(r)
            self.assertEqual((info["cluster_my_epoch"], info["cluster_current_epoch"]),
                             ("1", "1"))
            self.assertEqual(info["cluster_state"], "fail")  # 99 slots are not served
            self.assertEqual(r.execute_command("CONFIG", "SET",
                                               "cluster-require-full-coverage", "no"), b"OK")
            wait_ok(r)
            self.assertTrue(r.set("foo", "1"))  # slot 12182 is served
            self.assertIn("Hash slot not served", str(self._error(r, "GET", "key253")))  # 166
        finally:
            server.stop()
            shutil.rmtree(root, ignore_errors=True)

    def _error(self, r, *args):
        try:
            r.execute_command(*args)
        except redis.ResponseError as e:
            return e
        self.fail("no error for %r" % (args,))


if __name__ == "__main__":
    main()
