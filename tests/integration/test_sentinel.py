"""Failover of a cairn primary by Redis Sentinel (Debian's redis-sentinel, three of them).

The primary is cairn with its log on; its replicas are cairn and redis-server. kill -9 of the
primary must end with a promoted replica that holds every write acknowledged by WAIT before
the kill, the other replica following it, a client that asks Sentinel for the primary writing
on, and the old primary, restarted on its port, turned into a replica of the new one by
Sentinel (REPLICAOF, CONFIG REWRITE and CLIENT KILL inside MULTI, as Sentinel sends them).
"""

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import redis
import redis.sentinel

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (REFERENCE_BINARY, DurableServer, ServerProcess,  # noqa: E402
                     free_port, is_reference_redis, track_process, wait_until)

SENTINEL_BINARY = "/usr/bin/redis-sentinel"
DEADLINE = 60.0
MASTER = "mymaster"


def wait_for(predicate, what, timeout=DEADLINE):
    return wait_until(predicate, what, timeout)


class SamePortServer(DurableServer):
    """A durable cairn that comes back on the port it had: Sentinel knows it by address."""

    def _choose_port(self):
        return self.port or free_port()


class Sentinel(object):
    def __init__(self, root, index, primary_port):
        self.dir = os.path.join(root, "sentinel-%d" % index)
        os.makedirs(self.dir)
        self.port = free_port()
        conf = os.path.join(self.dir, "sentinel.conf")
        with open(conf, "w") as f:
            f.write("port %d\nbind 127.0.0.1\ndir %s\n" % (self.port, self.dir))
            f.write("sentinel monitor %s 127.0.0.1 %d 2\n" % (MASTER, primary_port))
            # 2 s, as Redis's own Sentinel tests use: with 1 s a loaded machine can miss one
            # PING of a just-promoted primary and start a second failover.
            f.write("sentinel down-after-milliseconds %s 2000\n" % MASTER)
            f.write("sentinel failover-timeout %s 10000\n" % MASTER)
        self.log = open(os.path.join(self.dir, "sentinel.log"), "wb")
        self.proc = subprocess.Popen([SENTINEL_BINARY, conf], stdout=self.log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        track_process(self.proc)

    def client(self):
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=5)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self.log.close()


def role(server):
    return server.client().execute_command("ROLE")


def same_data(a, b):
    ca, cb = a.client(), b.client()
    keys = sorted(ca.scan_iter(count=1000))
    if keys != sorted(cb.scan_iter(count=1000)):
        return False
    return all(ca.dump(k) == cb.dump(k) or ca.get(k) == cb.get(k) for k in keys)


class AcknowledgedWriter(threading.Thread):
    """Writes through Sentinel's view of the primary; a write counts as acknowledged once
    WAIT on the same connection reports `replicas` replicas. Errors while the primary is
    away are retried, as an application would."""

    def __init__(self, sentinel_ports, replicas):
        super().__init__(daemon=True)
        self.sentinel = redis.sentinel.Sentinel([("127.0.0.1", p) for p in sentinel_ports],
                                                socket_timeout=2)
        self.replicas = replicas
        self.acked = {}
        self.failures = 0
        self.written_by = {}  # port of the primary -> writes it took
        self.stop_flag = threading.Event()

    def run(self):
        i = 0
        while not self.stop_flag.is_set():
            key, value = "k%d" % i, "v%d" % i
            try:
                primary = self.sentinel.master_for(MASTER, socket_timeout=2)
                pipe = primary.pipeline(transaction=False)
                pipe.set(key, value)
                pipe.execute_command("WAIT", self.replicas, 1000)
                _, replicas = pipe.execute()
                if replicas >= self.replicas:
                    self.acked[key] = value.encode()
                port = primary.connection_pool.get_master_address()[1]
                self.written_by[port] = self.written_by.get(port, 0) + 1
                i += 1
            except (redis.ConnectionError, redis.TimeoutError, redis.ReadOnlyError,
                    redis.ResponseError, redis.sentinel.MasterNotFoundError):
                self.failures += 1
                time.sleep(0.1)


@unittest.skipIf(is_reference_redis(), "cairn in a Sentinel-watched group")
@unittest.skipUnless(os.path.exists(SENTINEL_BINARY) and os.path.exists(REFERENCE_BINARY),
                     "needs redis-sentinel and redis-server")
class SentinelFailoverTest(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="cairn-sentinel-")
        if os.environ.get("CAIRN_KEEP_TMP") is None:
            self.addCleanup(shutil.rmtree, self.root, ignore_errors=True)

    def start(self, server):
        server.start()
        self.addCleanup(server.stop)
        return server

    def group(self, redis_priority):
        """A cairn primary with a cairn and a redis-server replica, and three sentinels."""
        primary = self.start(SamePortServer(os.path.join(self.root, "primary")))
        cairn = self.start(ServerProcess(["--replicaof", "127.0.0.1 %d" % primary.port]))
        other = self.start(ServerProcess(
            ["--replicaof", "127.0.0.1", str(primary.port), "--replica-priority",
             str(redis_priority)], binary=REFERENCE_BINARY))
        sentinels = [Sentinel(self.root, i, primary.port) for i in range(3)]
        for s in sentinels:
            self.addCleanup(s.stop)
        for s in sentinels:  # each knows both replicas and the two other sentinels
            wait_for(lambda: len(s.client().sentinel_slaves(MASTER)) == 2 and
                     len(s.client().sentinel_sentinels(MASTER)) == 2, "sentinel discovery")
        return primary, cairn, other, sentinels

    def fail_over(self, primary, sentinels, replicas):
        writer = AcknowledgedWriter([s.port for s in sentinels], replicas)
        writer.start()
        self.addCleanup(writer.stop_flag.set)
        wait_for(lambda: len(writer.acked) >= 200, "writes before the kill")
        primary.kill9()
        old = primary.port

        def named_primary():
            address = sentinels[0].client().sentinel_get_master_addr_by_name(MASTER)
            return int(address[1]) if address and int(address[1]) != old else None

        wait_for(named_primary, "Sentinel to name a new primary")
        # Whichever replica Sentinel names by now (a second failover may move it again).
        new_port = wait_for(
            lambda: (lambda p: p if p and writer.written_by.get(p, 0) >= 10 else None)(
                named_primary()),
            "the writer to go on at the new primary")
        writer.stop_flag.set()
        writer.join(30)
        return new_port, writer.acked

    def check_acknowledged(self, promoted, acked):
        c = promoted.client()
        self.assertEqual(role(promoted)[0], b"master")
        missing = [k for k, v in acked.items() if c.get(k) != v]
        self.assertEqual(missing, [], "writes acknowledged by WAIT are lost")

    def check_follows(self, replica, promoted):
        wait_for(lambda: role(replica)[0] == b"slave" and
                 role(replica)[2] == promoted.port and role(replica)[3] == b"connected",
                 "%d to follow the new primary" % replica.port)
        wait_for(lambda: same_data(promoted, replica), "%d to hold the primary's data"
                 % replica.port)

    def test_kill9_promotes_a_replica_and_keeps_wait_acknowledged_writes(self):
        # Writes count as acknowledged when both replicas hold them: with WAIT 1 the one that
        # has a write may not be the one Sentinel promotes (it ranks replicas by the offsets
        # their last INFO showed), in Redis as in cairn.
        primary, cairn, other, sentinels = self.group(redis_priority=100)
        new_port, acked = self.fail_over(primary, sentinels, replicas=2)
        promoted, follower = (cairn, other) if new_port == cairn.port else (other, cairn)
        self.assertEqual(promoted.port, new_port)
        self.check_acknowledged(promoted, acked)
        self.check_follows(follower, promoted)
        # The old primary comes back with its own (older) history; Sentinel makes it a
        # replica, and the full sync replaces what it had.
        primary.start()
        self.check_follows(primary, promoted)

    def test_a_cairn_replica_is_promoted_and_a_redis_replica_follows_it(self):
        # replica-priority 0: the redis-server replica is never promoted.
        primary, cairn, other, sentinels = self.group(redis_priority=0)
        new_port, acked = self.fail_over(primary, sentinels, replicas=2)
        self.assertEqual(new_port, cairn.port)
        self.check_acknowledged(cairn, acked)
        self.check_follows(other, cairn)
        info = other.client().info("replication")
        self.assertEqual(info["master_port"], cairn.port)
        primary.start()
        self.check_follows(primary, cairn)


if __name__ == "__main__":
    unittest.main()
