"""The server process: unix socket, startup banner, config errors, signals, maxclients, timeout.

Runs against cairn-server (CAIRN_SERVER); the banner checks are cairn's own and are skipped
against the reference redis-server.
"""
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

import redis

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ServerProcess, ServerTestCase, server_binary, skip_on_reference


class TestUnixSocket(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        cls.sock_dir = tempfile.mkdtemp(prefix="cairn-sock-")
        cls.sock_path = os.path.join(cls.sock_dir, "cairn.sock")
        cls.server_args = ["--unixsocket", cls.sock_path, "--unixsocketperm", "700"]
        super().setUpClass()

    def test_commands_work_over_the_unix_socket(self):
        r = redis.Redis(unix_socket_path=self.sock_path)
        self.assertTrue(r.set("via-unix", "yes"))
        self.assertEqual(self.r.get("via-unix"), b"yes")  # same keyspace as TCP
        self.assertEqual(r.ping(), True)

    def test_socket_file_has_the_configured_permissions(self):
        self.assertEqual(os.stat(self.sock_path).st_mode & 0o777, 0o700)

    def test_redis_cli_talks_over_the_unix_socket(self):
        out = subprocess.run(["redis-cli", "-s", self.sock_path, "echo", "hi"],
                             capture_output=True, text=True, timeout=10)
        self.assertEqual(out.stdout.strip(), "hi")


class TestStartupAndShutdown(unittest.TestCase):
    @skip_on_reference("cairn's banner")
    def test_banner_names_version_pid_port_and_threads(self):
        server = ServerProcess(["--threads", "3"]).start()
        try:
            log = server.log_text()
            self.assertIn("cairn 0.", log)
            self.assertIn("pid=%d" % server.proc.pid, log)
            self.assertIn("port=%d" % server.port, log)
            self.assertIn("threads=3", log)
        finally:
            server.stop()
            server.cleanup()

    def test_sigterm_shuts_down_cleanly(self):
        server = ServerProcess().start()
        try:
            server.proc.send_signal(signal.SIGTERM)
            self.assertEqual(server.proc.wait(timeout=10), 0)
        finally:
            server.cleanup()

    def test_unknown_option_in_config_file_stops_startup_with_file_and_line(self):
        with tempfile.TemporaryDirectory() as d:
            conf = os.path.join(d, "bad.conf")
            with open(conf, "w") as f:
                f.write("port 0\n# comment\nno-such-option 1\n")
            out = subprocess.run([server_binary(), conf], capture_output=True, text=True,
                                 timeout=10, cwd=d)
            self.assertNotEqual(out.returncode, 0)
            text = out.stdout + out.stderr
            self.assertIn("at line 3", text)
            self.assertIn("no-such-option", text)
            self.assertIn("Bad directive or wrong number of arguments", text)

    def test_malformed_value_on_command_line_stops_startup(self):
        out = subprocess.run([server_binary(), "--port", "notanumber"], capture_output=True,
                             text=True, timeout=10)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("argument couldn't be parsed into an integer", out.stdout + out.stderr)


class TestMaxClients(ServerTestCase):
    server_args = ["--maxclients", "3"]

    def test_connection_past_maxclients_gets_the_redis_error(self):
        # self.r (the harness client) may hold one connection; fill the rest.
        self.r.ping()
        held = [socket.create_connection(("127.0.0.1", self.port)) for _ in range(2)]
        for s in held:
            s.sendall(b"PING\r\n")
            self.assertEqual(s.recv(100), b"+PONG\r\n")
        extra = socket.create_connection(("127.0.0.1", self.port))
        extra.settimeout(5)
        self.assertEqual(extra.recv(100), b"-ERR max number of clients reached\r\n")
        for s in held + [extra]:
            s.close()


class TestIdleTimeout(ServerTestCase):
    server_args = ["--timeout", "1"]

    def test_idle_client_is_closed_after_timeout(self):
        s = socket.create_connection(("127.0.0.1", self.port))
        s.sendall(b"PING\r\n")
        self.assertEqual(s.recv(100), b"+PONG\r\n")
        s.settimeout(10)
        start = time.time()
        self.assertEqual(s.recv(100), b"")  # closed by the server
        self.assertGreaterEqual(time.time() - start, 0.5)


if __name__ == "__main__":
    unittest.main()
