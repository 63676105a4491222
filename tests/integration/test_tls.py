"""TLS through real clients, with a CA and certificates made by the openssl tool at test time:
redis-py with ssl=True and redis-cli --tls, client certificates required / optional / not
asked for, plain and TLS ports side by side, big values and pipelines, tls-protocols, and bad
handshakes (garbage, a stalled hello, an unknown client certificate) that close only their
own connection. Runs against redis-server too (Debian builds it with TLS).

Run: CAIRN_SERVER=build/rel/src/cairn-server /usr/bin/python3 -m unittest -v tests/integration/test_tls.py
"""

import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest

import redis

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ServerProcess, free_port, main  # noqa: E402

CERTS = None  # directory holding ca.crt, server.crt/key, client.crt/key, other-ca client


def openssl(*args):
    subprocess.run(["openssl"] + list(args), cwd=CERTS, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def make_ca(name):
    openssl("req", "-x509", "-new", "-nodes", "-newkey", "rsa:2048", "-keyout", name + ".key",
            "-out", name + ".crt", "-days", "2", "-subj", "/CN=" + name)


def make_cert(name, ca, ext=None):
    openssl("req", "-new", "-nodes", "-newkey", "rsa:2048", "-keyout", name + ".key",
            "-out", name + ".csr", "-subj", "/CN=" + name)
    args = ["x509", "-req", "-in", name + ".csr", "-CA", ca + ".crt", "-CAkey", ca + ".key",
            "-CAcreateserial", "-out", name + ".crt", "-days", "2"]
    if ext:
        with open(os.path.join(CERTS, name + ".ext"), "w") as f:
            f.write(ext)
        args += ["-extfile", name + ".ext"]
    openssl(*args)


def setUpModule():
    global CERTS
    if shutil.which("openssl") is None:
        raise unittest.SkipTest("the openssl tool is needed to make test certificates")
    CERTS = tempfile.mkdtemp(prefix="cairn-tls-")
    make_ca("ca")
    make_ca("other-ca")
    make_cert("server", "ca", "subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    make_cert("client", "ca")
    make_cert("stranger", "other-ca")  # a client certificate the server's CA did not sign


def tearDownModule():
    if CERTS:
        shutil.rmtree(CERTS, ignore_errors=True)


def cert(name):
    return os.path.join(CERTS, name)


class TlsServerCase(unittest.TestCase):
    """One server per class, with tls_args on top of the TLS port and the server's identity."""

    tls_args = ()

    @classmethod
    def setUpClass(cls):
        cls.tls_port = free_port()
        cls.server = ServerProcess(["--tls-port", cls.tls_port,
                                    "--tls-cert-file", cert("server.crt"),
                                    "--tls-key-file", cert("server.key"),
                                    "--tls-ca-cert-file", cert("ca.crt")] + list(cls.tls_args))
        cls.server.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def tearDown(self):
        self.assertTrue(self.server.alive(), self.server.log_text())

    def tls_client(self, client_cert="client", **kw):
        args = dict(host="127.0.0.1", port=self.tls_port, ssl=True,
                    ssl_ca_certs=cert("ca.crt"), ssl_cert_reqs="required",
                    socket_timeout=10)
        if client_cert:
            args.update(ssl_certfile=cert(client_cert + ".crt"),
                        ssl_keyfile=cert(client_cert + ".key"))
        args.update(kw)
        r = redis.Redis(**args)
        self.addCleanup(r.close)
        return r

    def plain_client(self):
        r = redis.Redis(host="127.0.0.1", port=self.server.port, socket_timeout=10)
        self.addCleanup(r.close)
        return r

    def raw_tls(self, client_cert="client", **context_settings):
        """A TLS socket with the handshake done (ssl.SSLError if the server refuses it)."""
        ctx = ssl.create_default_context(cafile=cert("ca.crt"))
        if client_cert:
            ctx.load_cert_chain(cert(client_cert + ".crt"), cert(client_cert + ".key"))
        for name, value in context_settings.items():
            setattr(ctx, name, value)
        sock = socket.create_connection(("127.0.0.1", self.tls_port), timeout=10)
        self.addCleanup(sock.close)
        tls = ctx.wrap_socket(sock, server_hostname="localhost")
        self.addCleanup(tls.close)
        return tls

    def refused(self, **kw):
        """Whether a client with these settings is refused by the server (handshake or the
        first command fails: TLS 1.3 reports a refused client certificate only then)."""
        try:
            r = self.tls_client(**kw)
            r.ping()
        except (redis.ConnectionError, ssl.SSLError, OSError):
            return True
        return False


class TestMutualTls(TlsServerCase):
    """tls-auth-clients yes (the default): a client certificate signed by the CA is required."""

    def test_redis_py_with_a_client_certificate(self):
        r = self.tls_client()
        self.assertTrue(r.set("k", "v"))
        self.assertEqual(r.get("k"), b"v")

    def test_a_client_without_a_certificate_is_refused(self):
        self.assertTrue(self.refused(client_cert=None))
        self.assertEqual(self.tls_client().ping(), True)

    def test_a_certificate_from_another_ca_is_refused(self):
        self.assertTrue(self.refused(client_cert="stranger"))
        self.assertEqual(self.tls_client().ping(), True)

    def test_redis_cli_tls(self):
        base = ["redis-cli", "-p", str(self.tls_port), "--tls", "--cacert", cert("ca.crt"),
                "--cert", cert("client.crt"), "--key", cert("client.key")]
        out = subprocess.run(base + ["SET", "cli", "yes"], capture_output=True, text=True,
                             timeout=30)
        self.assertEqual(out.stdout.strip(), "OK", out.stderr)
        out = subprocess.run(base + ["GET", "cli"], capture_output=True, text=True, timeout=30)
        self.assertEqual(out.stdout.strip(), "yes", out.stderr)

    def test_plain_and_tls_ports_serve_the_same_data(self):
        self.tls_client().set("shared", "from tls")
        self.assertEqual(self.plain_client().get("shared"), b"from tls")
        self.plain_client().set("shared", "from plain")
        self.assertEqual(self.tls_client().get("shared"), b"from plain")

    def test_big_values_and_a_pipeline(self):
        r = self.tls_client()
        big = os.urandom(3 * 1024 * 1024)
        r.set("big", big)
        self.assertEqual(r.get("big"), big)
        self.assertEqual(r.strlen("big"), len(big))
        pipe = r.pipeline(transaction=False)
        for i in range(2000):
            pipe.incr("n")
        self.assertEqual(pipe.execute()[-1], 2000)
        pipe = r.pipeline(transaction=False)
        for _ in range(20):
            pipe.get("big")
        self.assertEqual(pipe.execute(), [big] * 20)

    def test_garbage_on_the_tls_port_closes_only_that_connection(self):
        good = self.tls_client()
        good.set("k", "v")
        for junk in (b"*1\r\n$4\r\nPING\r\n", os.urandom(5000),
                     b"\x16\x03\x01\xff\xff" + b"\x00" * 70000):
            with socket.create_connection(("127.0.0.1", self.tls_port), timeout=10) as s:
                try:
                    s.sendall(junk)
                    data = s.recv(4096)
                    while data and b"+PONG" not in data:  # an alert at most, then EOF
                        data = s.recv(4096)
                except (ConnectionResetError, BrokenPipeError):
                    data = b""
                self.assertNotIn(b"+PONG", data)
        self.assertEqual(good.get("k"), b"v")
        self.assertEqual(self.plain_client().ping(), True)

    def test_a_stalled_handshake_holds_only_its_own_connection(self):
        stalled = []
        for part in (b"", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"):
            s = socket.create_connection(("127.0.0.1", self.tls_port), timeout=10)
            self.addCleanup(s.close)
            s.sendall(part)
            stalled.append(s)
        r = self.tls_client()
        r.set("during", "stall")
        self.assertEqual(r.get("during"), b"stall")
        clients = self.plain_client().client_list()
        self.assertGreaterEqual(len(clients), 2)

    def test_client_list_and_info_see_tls_clients(self):
        r = self.tls_client()
        r.client_setname("tls-one")
        names = [c["name"] for c in self.plain_client().client_list()]
        self.assertIn("tls-one", names)


class TestOptionalClientCertificates(TlsServerCase):
    tls_args = ("--tls-auth-clients", "optional")

    def test_with_or_without_a_certificate(self):
        self.assertEqual(self.tls_client(client_cert=None).ping(), True)
        self.assertEqual(self.tls_client().ping(), True)

    def test_a_certificate_from_another_ca_is_still_refused(self):
        self.assertTrue(self.refused(client_cert="stranger"))


class TestNoClientCertificates(TlsServerCase):
    tls_args = ("--tls-auth-clients", "no")

    def test_redis_py_ssl_true_without_a_certificate(self):
        r = self.tls_client(client_cert=None)
        self.assertTrue(r.set("a", "1"))
        self.assertEqual(r.get("a"), b"1")

    def test_redis_cli_with_only_the_ca(self):
        out = subprocess.run(["redis-cli", "-p", str(self.tls_port), "--tls", "--cacert",
                              cert("ca.crt"), "PING"], capture_output=True, text=True, timeout=30)
        self.assertEqual(out.stdout.strip(), "PONG", out.stderr)

    def test_a_client_that_does_not_trust_the_server_gives_up(self):
        ctx = ssl.create_default_context(cafile=cert("other-ca.crt"))
        with socket.create_connection(("127.0.0.1", self.tls_port), timeout=10) as s:
            with self.assertRaises(ssl.SSLError):
                ctx.wrap_socket(s, server_hostname="localhost")
        self.assertEqual(self.tls_client(client_cert=None).ping(), True)


class TestProtocols(TlsServerCase):
    tls_args = ("--tls-auth-clients", "no", "--tls-protocols", "TLSv1.3")

    def test_only_the_configured_protocol_is_spoken(self):
        tls = self.raw_tls(client_cert=None, maximum_version=ssl.TLSVersion.TLSv1_3)
        self.assertEqual(tls.version(), "TLSv1.3")
        with self.assertRaises(ssl.SSLError):
            self.raw_tls(client_cert=None, maximum_version=ssl.TLSVersion.TLSv1_2)
        self.assertEqual(self.tls_client(client_cert=None).ping(), True)

    def test_config_get_and_set(self):
        r = self.plain_client()
        self.assertEqual(r.config_get("tls-protocols"), {"tls-protocols": "TLSv1.3"})
        self.assertEqual(r.config_get("tls-auth-clients"), {"tls-auth-clients": "no"})
        with self.assertRaises(redis.ResponseError) as e:
            r.config_set("tls-cert-file", cert("missing.crt"))
        self.assertEqual(str(e.exception),
                         "CONFIG SET failed (possibly related to argument 'tls-cert-file') - "
                         "Unable to update TLS configuration. Check server logs.")
        self.assertEqual(r.config_get("tls-cert-file"), {"tls-cert-file": cert("server.crt")})
        self.assertTrue(r.config_set("tls-protocols", "TLSv1.2 TLSv1.3"))
        tls = self.raw_tls(client_cert=None, maximum_version=ssl.TLSVersion.TLSv1_2)
        self.assertEqual(tls.version(), "TLSv1.2")
        r.config_set("tls-protocols", "TLSv1.3")


class TestTlsPortAtRuntime(unittest.TestCase):
    """CONFIG SET tls-port on a server started without TLS: opens, moves and closes the TLS
    port; a port in use or a TLS configuration that does not load fails and changes nothing."""

    def setUp(self):
        self.server = ServerProcess([])
        self.server.start()
        self.addCleanup(self.server.stop)
        self.r = redis.Redis(host="127.0.0.1", port=self.server.port, socket_timeout=10)
        self.addCleanup(self.r.close)

    def tls_ping(self, port):
        r = redis.Redis(host="127.0.0.1", port=port, ssl=True, ssl_ca_certs=cert("ca.crt"),
                        ssl_cert_reqs="required", socket_timeout=5)
        try:
            return r.ping()
        finally:
            r.close()

    def assertClosed(self, port):
        """Nothing answers TLS on port (the old socket may take a moment to close)."""
        deadline = time.time() + 5
        while True:
            try:
                self.tls_ping(port)
            except (redis.ConnectionError, ssl.SSLError, OSError):
                return
            self.assertLess(time.time(), deadline, "port %d still answers TLS" % port)
            time.sleep(0.05)

    @staticmethod
    def tls_options():
        """What a server started without TLS needs before CONFIG SET tls-port can open."""
        return ("tls-cert-file", cert("server.crt"), "tls-key-file", cert("server.key"),
                "tls-ca-cert-file", cert("ca.crt"), "tls-auth-clients", "no")

    def port_in_use(self):
        """A loopback port another socket listens on (for the test's duration)."""
        sock = socket.socket()
        self.addCleanup(sock.close)
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        return sock.getsockname()[1]

    def set_failed(self, *args):
        with self.assertRaises(redis.ResponseError) as e:
            self.r.execute_command("CONFIG", "SET", *args)
        return str(e.exception)

    def test_open_move_and_close_the_tls_port(self):
        first = free_port()
        second = free_port()
        while second == first:
            second = free_port()
        # Without a certificate the TLS context cannot be built: nothing opens.
        self.assertEqual(self.set_failed("tls-port", first),
                         "CONFIG SET failed (possibly related to argument 'tls-port') - "
                         "Unable to update TLS configuration. Check server logs.")
        self.assertEqual(self.r.config_get("tls-port"), {"tls-port": "0"})
        self.assertClosed(first)
        self.assertTrue(self.r.execute_command("CONFIG", "SET", *self.tls_options(),
                                               "tls-port", str(first)))
        self.assertTrue(self.tls_ping(first))
        self.assertEqual(self.r.config_get("tls-port"), {"tls-port": str(first)})
        # An open TLS connection outlives the move; new ones go to the new port.
        kept = redis.Redis(host="127.0.0.1", port=first, ssl=True, ssl_ca_certs=cert("ca.crt"),
                           ssl_cert_reqs="required", socket_timeout=5)
        self.addCleanup(kept.close)
        self.assertTrue(kept.ping())
        self.assertTrue(self.r.config_set("tls-port", second))
        self.assertTrue(self.tls_ping(second))
        self.assertClosed(first)
        self.assertTrue(kept.ping())
        self.assertTrue(self.r.config_set("tls-port", 0))
        self.assertClosed(second)
        self.assertTrue(self.r.ping())  # the plain port never moved

    def test_a_tls_port_in_use_fails_and_changes_nothing(self):
        taken = self.port_in_use()
        self.r.execute_command("CONFIG", "SET", *self.tls_options())
        self.assertEqual(self.set_failed("tls-port", taken, "maxclients", 77),
                         "CONFIG SET failed (possibly related to argument 'tls-port') - "
                         "Unable to listen on this port. Check server logs.")
        self.assertEqual(self.r.config_get("tls-port"), {"tls-port": "0"})
        self.assertNotEqual(self.r.config_get("maxclients"), {"maxclients": "77"})

    def test_a_failed_move_of_both_ports_keeps_the_old_plain_port(self):
        taken = self.port_in_use()
        self.r.execute_command("CONFIG", "SET", *self.tls_options())
        old_port = self.server.port
        new_port = free_port()
        self.assertEqual(self.set_failed("port", new_port, "tls-port", taken),
                         "CONFIG SET failed (possibly related to argument 'tls-port') - "
                         "Unable to listen on this port. Check server logs.")
        self.assertEqual(self.r.config_get("port"), {"port": str(old_port)})
        fresh = redis.Redis(host="127.0.0.1", port=old_port, socket_timeout=5)
        self.addCleanup(fresh.close)
        self.assertTrue(fresh.ping())  # a new connection to the old port is still served
        with self.assertRaises(redis.ConnectionError):
            redis.Redis(host="127.0.0.1", port=new_port, socket_timeout=2).ping()


class TestBadTlsConfiguration(unittest.TestCase):

    def test_a_missing_key_stops_startup(self):
        server = ServerProcess(["--tls-port", free_port(),
                                "--tls-cert-file", cert("server.crt"),
                                "--tls-key-file", cert("nonexistent.key"),
                                "--tls-ca-cert-file", cert("ca.crt")])
        with self.assertRaises(RuntimeError) as e:
            server.start()
        self.assertIn("Failed to configure TLS. Check logs for more info.", str(e.exception))


if __name__ == "__main__":
    main()
