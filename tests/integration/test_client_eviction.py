"""Client eviction (maxmemory-clients), as a client sees it.

With maxmemory-clients set, a client whose buffers and state push the total of all clients
over the limit is disconnected, the largest first: a huge argument still arriving, a query
buffer that never completes, a MULTI queue, WATCHed keys, subscriptions, replies it does not
read. A client with CLIENT NO-EVICT on stays, INFO counts evicted_clients, and lowering the
limit evicts at once. These are the checks of Redis's own unit/client-eviction (which needs a
server its harness starts), ported to redis-py and raw sockets.

Runs unchanged against redis-server (CAIRN_SERVER unset).
"""
import os
import socket
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import redis  # noqa: E402

from harness import ServerTestCase, wait_until  # noqa: E402

LIMIT = 3000000
MB = 1024 * 1024


def client_fields(r, name):
    """CLIENT LIST fields of the client called name, or None if it is gone."""
    for c in r.client_list():
        if c.get("name") == name:
            return c
    return None


def evicted_clients(r):
    return r.info("stats")["evicted_clients"]


class ClientEvictionTest(ServerTestCase):
    def setUp(self):
        super().setUp()
        self.r = redis.Redis(port=self.port, socket_timeout=20)
        self.r.config_set("maxmemory-clients", str(LIMIT))
        self.r.client_setname("control")
        self.r.client_no_evict("on")  # the connection that checks is never the one to go
        self.addCleanup(self.r.close)
        self.addCleanup(self.r.config_set, "maxmemory-clients", "0")

    def named_client(self, name):
        c = redis.Redis(port=self.port, socket_timeout=20)
        c.client_setname(name)
        self.addCleanup(c.close)
        return c

    def raw_named(self, name):
        s = socket.create_connection(("127.0.0.1", self.port), timeout=20)
        self.addCleanup(s.close)
        s.sendall(b"*3\r\n$6\r\nCLIENT\r\n$7\r\nSETNAME\r\n$%d\r\n%s\r\n" %
                  (len(name), name.encode()))
        self.assertEqual(s.recv(100), b"+OK\r\n")
        return s

    def send_partial_bulk(self, s, n):
        """Sends a one-argument command whose argument of n bytes arrives but never ends."""
        try:
            s.sendall(b"*1\r\n$%d\r\n" % (n + 10) + b"v" * n)
        except OSError:
            pass  # closed by the server while sending: what eviction does

    def assert_gone(self, name):
        wait_until(lambda: client_fields(self.r, name) is None, "client %s evicted" % name,
                   timeout=10)

    def test_large_argument_evicts_the_client_that_sends_it(self):
        c = self.named_client("big_argv")
        c.mset({"k": "v", "k2": "v" * 1000000})  # under the limit: served
        self.assertEqual(c.get("k"), b"v")
        before = evicted_clients(self.r)
        with self.assertRaises(redis.ConnectionError):
            c.mset({"k": "v", "k2": "v" * LIMIT})
        self.assert_gone("big_argv")
        self.assertEqual(evicted_clients(self.r), before + 1)
        self.assertEqual(self.r.strlen("k2"), 1000000)  # the evicted MSET never ran

    def test_query_buffer_that_never_completes_is_evicted(self):
        s = self.raw_named("big_qbuf")
        self.send_partial_bulk(s, LIMIT + 100000)
        self.assert_gone("big_qbuf")

    def test_half_the_limit_stays_and_is_counted_in_tot_mem(self):
        s = self.raw_named("half")
        self.send_partial_bulk(s, LIMIT // 2)
        wait_until(lambda: int(client_fields(self.r, "half")["qbuf"]) >= LIMIT // 2,
                   "the query buffer filled")
        tot = int(client_fields(self.r, "half")["tot-mem"])
        self.assertGreaterEqual(tot, LIMIT // 2)
        self.assertLess(tot, LIMIT)

    def test_percentage_of_maxmemory(self):
        self.r.config_set("maxmemory", str(6 * MB))
        self.addCleanup(self.r.config_set, "maxmemory", "0")
        self.r.config_set("maxmemory-clients", "7%")
        self.assertEqual(self.r.config_get("maxmemory-clients")["maxmemory-clients"], "7%")
        actual = 6 * MB * 7 // 100
        s = self.raw_named("pct_half")
        self.send_partial_bulk(s, actual // 2)
        wait_until(lambda: int(client_fields(self.r, "pct_half")["qbuf"]) >= actual // 2,
                   "the query buffer filled")
        # Gone first: while it holds half, the other may not be the largest when the total
        # reaches the limit, and the largest is the one that goes.
        s.close()
        self.assert_gone("pct_half")
        s2 = self.raw_named("pct_full")
        self.send_partial_bulk(s2, actual + 1000)
        self.assert_gone("pct_full")

    def test_large_multi_queue_is_evicted(self):
        c = self.named_client("multi")
        p = c.pipeline(transaction=True)
        p.set("k", "v" * (LIMIT // 4))
        p.set("k", "v" * (LIMIT // 4))
        self.assertEqual(p.execute(), [True, True])
        raw = self.raw_named("multi_raw")
        raw.sendall(b"*1\r\n$5\r\nMULTI\r\n")
        self.assertEqual(raw.recv(100), b"+OK\r\n")
        value = b"v" * (LIMIT // 4)
        try:
            for _ in range(5):
                raw.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$%d\r\n%s\r\n" % (len(value), value))
        except OSError:
            pass
        self.assert_gone("multi_raw")

    def test_watched_keys_and_subscriptions_count(self):
        self.r.config_set("maxmemory-clients", "200000")
        for command in ("WATCH", "PSUBSCRIBE", "SUBSCRIBE", "SSUBSCRIBE"):
            c = self.named_client("many_" + command.lower())
            conn = c.connection_pool.get_connection("PING")
            with self.assertRaises(redis.ConnectionError, msg=command):
                for j in range(200000):
                    conn.send_command(command, str(j))
                    conn.read_response()
            c.connection_pool.release(conn)

    def test_unread_replies_are_evicted_before_the_limit(self):
        self.r.setrange("k", 200000, "v")
        s = self.raw_named("obuf")
        get = b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"
        gone = False
        for _ in range(200):  # up to 40 MB of replies, never read
            fields = client_fields(self.r, "obuf")
            if fields is None:
                gone = True
                break
            self.assertLess(int(fields["tot-mem"]), LIMIT)
            try:
                s.sendall(get * 5)
            except OSError:
                gone = True
                break
        self.assertTrue(gone or client_fields(self.r, "obuf") is None)

    def test_no_evict_keeps_the_client(self):
        for no_evict in ("on", "off"):
            name = "ne_" + no_evict
            s = self.raw_named(name)
            s.sendall(b"*3\r\n$6\r\nCLIENT\r\n$8\r\nNO-EVICT\r\n$%d\r\n%s\r\n" %
                      (len(no_evict), no_evict.encode()))
            self.assertEqual(s.recv(100), b"+OK\r\n")
            self.send_partial_bulk(s, LIMIT + 1)
            if no_evict == "off":
                self.assert_gone(name)
            else:
                wait_until(lambda: int(client_fields(self.r, name)["qbuf"]) >= LIMIT,
                           "the query buffer filled")
                self.assertGreater(int(client_fields(self.r, name)["tot-mem"]), LIMIT)
                s.close()  # while it holds that much, any other client would be evicted
                self.assert_gone(name)

    def test_lowering_the_limit_evicts_at_once_largest_first(self):
        self.r.config_set("maxmemory-clients", "0")
        sockets = {}
        for name, n in (("small", 200000), ("medium", 600000), ("large", 1200000)):
            sockets[name] = self.raw_named(name)
            self.send_partial_bulk(sockets[name], n)
            wait_until(lambda: int(client_fields(self.r, name)["qbuf"]) >= n,
                       "the query buffer of %s filled" % name)
        before = evicted_clients(self.r)
        self.r.config_set("maxmemory-clients", "1000000")  # only the large one must go
        self.assert_gone("large")
        self.assertIsNotNone(client_fields(self.r, "medium"))
        self.assertIsNotNone(client_fields(self.r, "small"))
        self.assertEqual(evicted_clients(self.r), before + 1)

    def test_clients_closed_for_other_reasons_leave_the_total(self):
        self.r.config_set("client-query-buffer-limit", str(MB))
        self.addCleanup(self.r.config_set, "client-query-buffer-limit", str(1024 * MB))
        for i in range(4):  # each closed by the query buffer limit, holding 1 MB and more
            s = self.raw_named("qbuf_limit_%d" % i)
            self.send_partial_bulk(s, 2 * MB)
            self.assert_gone("qbuf_limit_%d" % i)
        self.r.config_set("client-query-buffer-limit", str(1024 * MB))
        s = self.raw_named("fits")  # 2 MB of 3: stays, if the closed ones were subtracted
        self.send_partial_bulk(s, 2 * MB)
        wait_until(lambda: int(client_fields(self.r, "fits")["qbuf"]) >= 2 * MB,
                   "the query buffer filled")

    def test_rdb_download_is_not_a_client_to_evict(self):
        for i in range(4):
            self.r.set("big:%d" % i, os.urandom(MB))  # 4 MB that do not compress
        path = os.path.join(self.server.dir, "download.rdb")  # removed with the server's dir
        done = subprocess.run(["redis-cli", "-p", str(self.port), "--rdb", path],
                              capture_output=True, timeout=60)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertGreater(os.path.getsize(path), 4 * MB)

    def test_limit_zero_turns_eviction_off(self):
        self.r.config_set("maxmemory-clients", "0")
        s = self.raw_named("unlimited")
        self.send_partial_bulk(s, LIMIT * 2)
        wait_until(lambda: int(client_fields(self.r, "unlimited")["qbuf"]) >= LIMIT * 2,
                   "the query buffer filled")


if __name__ == "__main__":
    unittest.main()
