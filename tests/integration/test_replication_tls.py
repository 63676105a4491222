"""Replication over TLS (tls-replication yes), with real redis-server processes on the other end:
cairn as the replica of a redis-server primary's TLS port, redis-server as the replica of
cairn's TLS port, cairn behind cairn, the client certificate files, a primary whose
certificate the replica's CAs did not sign, and tls-replication set at run time.
Certificates come from test_tls's fixture (the openssl tool, at test time).

Run: CAIRN_SERVER=build/rel/src/cairn-server /usr/bin/python3 -m unittest -v tests/integration/test_replication_tls.py
"""

import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_tls  # noqa: E402
from harness import (REFERENCE_BINARY, ServerProcess, free_port, main,  # noqa: E402
                     wait_until)
from test_replication_replica import caught_up, dataset, write_mix  # noqa: E402

cert = test_tls.cert


def setUpModule():
    test_tls.setUpModule()


def tearDownModule():
    test_tls.tearDownModule()


def tls_args(port=None, identity="server", ca="ca", replication=True):
    args = ["--tls-cert-file", cert(identity + ".crt"), "--tls-key-file", cert(identity + ".key"),
            "--tls-ca-cert-file", cert(ca + ".crt")]
    if port is not None:
        args += ["--tls-port", port]
    if replication:
        args += ["--tls-replication", "yes"]
    return args


class TlsReplicationTest(unittest.TestCase):
    def setUp(self):
        self.servers = []

    def tearDown(self):
        for s in reversed(self.servers):
            s.stop()

    def start(self, args, binary=None):
        s = ServerProcess(["--repl-diskless-sync-delay", "0"] + list(args), binary=binary)
        self.servers.append(s.start())
        return s

    def primary(self, binary=None):
        """A primary with a TLS port that requires a client certificate (tls-auth-clients yes,
        Redis's default); returns (server, its TLS port)."""
        port = free_port()
        return self.start(tls_args(port), binary), port

    def follow(self, replica, port):
        rc = replica.client()
        self.assertEqual(rc.execute_command("REPLICAOF", "127.0.0.1", port), b"OK")
        return rc

    def link_up(self, replica):
        return replica.client().info("replication").get("master_link_status") == "up"

    def assert_replicates(self, primary, replica):
        """Writes of every type during and after the sync arrive: both sides hold the same."""
        write_mix(primary.client(), 50, "before")
        wait_until(lambda: self.link_up(replica), "the link over TLS to come up")
        write_mix(primary.client(), 100, "after")
        wait_until(lambda: caught_up(primary, replica), "the replica to catch up")
        self.assertEqual(dataset(primary.client()), dataset(replica.client()))

    def assert_refused(self, replica):
        """The TLS link to a redis-server primary never comes up, and the replica keeps its
        own data."""
        primary, port = self.primary(REFERENCE_BINARY)
        primary.client().set("k", "v")
        replica.client().set("mine", "kept")
        self.follow(replica, port)
        time.sleep(2)  # long enough for two connection attempts (one per second)
        self.assertFalse(self.link_up(replica))
        self.assertEqual(replica.client().get("mine"), b"kept")
        self.assertIsNone(replica.client().get("k"))

    def test_cairn_replica_of_a_redis_primary_over_tls(self):
        primary, port = self.primary(REFERENCE_BINARY)
        replica = self.start(tls_args())
        self.follow(replica, port)
        self.assert_replicates(primary, replica)

    def test_redis_replica_of_a_cairn_primary_over_tls(self):
        primary, port = self.primary()
        replica = self.start(tls_args(), REFERENCE_BINARY)
        self.follow(replica, port)
        self.assert_replicates(primary, replica)

    def test_cairn_replica_of_a_cairn_primary_over_tls(self):
        primary, port = self.primary()
        replica = self.start(tls_args())
        self.follow(replica, port)
        self.assert_replicates(primary, replica)

    def test_a_tls_link_the_primary_drops_resumes_with_a_partial_resync(self):
        primary, port = self.primary(REFERENCE_BINARY)
        replica = self.start(tls_args())
        self.follow(replica, port)
        self.assert_replicates(primary, replica)
        pc = primary.client()
        self.assertEqual(pc.execute_command("CLIENT", "KILL", "TYPE", "replica"), 1)
        pc.set("after-the-cut", "1")
        wait_until(lambda: replica.client().get("after-the-cut") == b"1", "the link to resume")
        self.assertEqual(pc.info("stats")["sync_partial_ok"], 1)
        self.assertEqual(dataset(pc), dataset(replica.client()))

    def test_the_client_certificate_files_are_what_the_replica_presents(self):
        primary, port = self.primary(REFERENCE_BINARY)
        # Its own certificate comes from a CA the primary does not trust; the client files
        # hold one it does, and only those get the replica in.
        replica = self.start(tls_args(identity="stranger") +
                             ["--tls-client-cert-file", cert("client.crt"),
                              "--tls-client-key-file", cert("client.key")])
        self.follow(replica, port)
        self.assert_replicates(primary, replica)

    def test_without_client_files_the_server_certificate_is_presented(self):
        replica = self.start(tls_args(identity="stranger"))  # refused by the primary
        self.assert_refused(replica)

    def test_a_primary_the_cas_did_not_sign_is_refused(self):
        # It trusts only other-ca, which did not sign the primary's certificate.
        replica = self.start(tls_args(ca="other-ca"))
        self.assert_refused(replica)
        if replica.binary != REFERENCE_BINARY:
            self.assertIn("certificate verify failed", replica.log_text())

    def test_plain_link_to_a_tls_port_fails_until_tls_replication_is_set(self):
        primary, port = self.primary(REFERENCE_BINARY)
        primary.client().set("k", "v")
        replica = self.start(tls_args(replication=False))
        rc = self.follow(replica, port)
        time.sleep(2)
        self.assertFalse(self.link_up(replica))
        self.assertEqual(rc.config_set("tls-replication", "yes"), True)
        self.assertEqual(rc.config_get("tls-replication"), {"tls-replication": "yes"})
        # The next connection attempt speaks TLS.
        wait_until(lambda: rc.get("k") == b"v", "the key to arrive over TLS")


if __name__ == "__main__":
    main()
