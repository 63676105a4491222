"""CONFIG REWRITE writes a file that reads back as exactly the values the server had, whatever
bytes those values hold: every option CONFIG SET accepts is set to hostile values (newlines,
quotes, spaces, backslashes, bytes that are not UTF-8, the empty string), the file is
rewritten, the server restarts from it, and CONFIG GET answers the same. redis-server reads
the lines of the rewritten file for the options the two servers share.

Run: CAIRN_SERVER=build/rel/src/cairn-server /usr/bin/python3 -m unittest -v \
         tests/integration/test_config_rewrite.py
"""

import os
import stat
import sys
import unittest

import redis

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (REFERENCE_BINARY, ConfFileServer, ServerProcess,  # noqa: E402
                     is_reference_redis, main)

HOSTILE = [
    b"p\nbind 0.0.0.0",
    b'has "quotes" and spaces',
    b"back\\slash\\",
    b"'single",
    b"tab\there\r\n",
    b"\xff\xfe\x01\x7f not utf-8",
    b"",
]

# Lines the harness writes itself on every start (ConfFileServer), so not compared.
PER_START = {b"port", b"dir", b"pidfile", b"logfile", b"daemonize"}


def client(server, password=None):
    return redis.Redis(host="127.0.0.1", port=server.port, password=password,
                       socket_timeout=10)


def stop_now(server):
    """Stops server before the test ends (its cleanup then does nothing)."""
    server.stop()
    server.proc = None


def config_all(r):
    reply = r.execute_command("CONFIG", "GET", "*")
    it = iter(reply)
    return {k: v for k, v in zip(it, it) if k not in PER_START}


class TestConfigRewriteRoundTrip(unittest.TestCase):

    def start(self, conf_text, binary=None):
        server = ConfFileServer(conf_text, binary=binary)
        server.start()
        self.addCleanup(server.stop)
        return server

    def set_everything(self, r, value):
        """CONFIG SET of value into every option that takes it; the names that did."""
        taken = []
        for name in sorted(config_all(r)):
            if name in (b"requirepass", b"masterauth", b"save"):
                continue  # set apart below (AUTH, and a grammar of its own)
            if name == b"bind":
                continue  # moves the listening sockets: bind "" listens nowhere, as in Redis
            try:
                r.execute_command("CONFIG", "SET", name, value)
                taken.append(name)
            except redis.ResponseError:
                pass
        return taken

    def round_trip(self, value):
        server = self.start("port 0\n")
        r = client(server)
        taken = self.set_everything(r, value)
        r.execute_command("CONFIG", "SET", "requirepass", value + b"pw")
        before = config_all(r)
        self.assertTrue(r.config_rewrite())
        r.close()
        with open(server.conf_path, "rb") as f:
            rewritten = f.read()
        self.assertNotIn(b"\nbind 0.0.0.0", rewritten)
        stop_now(server)
        again = self.start(rewritten.decode("latin-1"))
        r = client(again, password=value + b"pw")
        self.assertEqual(config_all(r), before)
        r.close()
        return taken, rewritten

    def test_hostile_values_survive_rewrite_and_restart(self):
        if is_reference_redis():
            self.skipTest("cairn's own round trip; redis-server is checked below")
        for value in HOSTILE:
            with self.subTest(value=value):
                taken, _ = self.round_trip(value)
                # The string options the server takes any bytes in (Redis's too).
                for name in (b"dbfilename", b"masteruser", b"proc-title-template"):
                    if value or name != b"dbfilename":
                        self.assertIn(name, taken)

    def test_a_newline_never_becomes_a_second_directive(self):
        _, rewritten = self.round_trip(b"x\nprotected-mode no\ninclude /etc/passwd")
        for line in rewritten.split(b"\n"):
            self.assertFalse(line.startswith(b"include"), line)
            self.assertNotEqual(line, b"protected-mode no")

    def test_redis_server_reads_the_shared_options_back(self):
        if is_reference_redis() or not os.path.exists(REFERENCE_BINARY):
            self.skipTest("needs cairn under test and redis-server beside it")
        value = b'a "b"\n\\c \xff'
        _, rewritten = self.round_trip(value)
        reference = self.start("port 0\n", binary=REFERENCE_BINARY)
        r = client(reference)
        known = set(config_all(r))
        r.close()
        stop_now(reference)
        # Every shared option, but the hostile value only where redis-server takes any bytes
        # (it checks hostnames, file names and addresses where cairn stores them as given).
        any_bytes = {b"requirepass", b"masteruser", b"masterauth", b"proc-title-template"}
        shared = [line for line in rewritten.split(b"\n")
                  if line.split(b" ", 1)[0] in (known - PER_START) and
                  (b'\\"b\\"' not in line or line.split(b" ", 1)[0] in any_bytes)]
        reference = self.start("port 0\n" + b"\n".join(shared).decode("latin-1") + "\n",
                               binary=REFERENCE_BINARY)
        r = client(reference, password=value + b"pw")
        got = config_all(r)
        for name in (b"requirepass", b"masteruser", b"proc-title-template"):
            self.assertEqual(got[name], value + (b"pw" if name == b"requirepass" else b""))
        r.close()

    def test_a_command_line_value_with_a_newline_stays_one_value(self):
        server = ServerProcess(["--masteruser", "x\nmaxmemory-samples 9"])
        server.start()
        self.addCleanup(server.stop)
        r = server.client()
        self.assertEqual(r.config_get("masteruser"), {"masteruser": "x\nmaxmemory-samples 9"})
        self.assertEqual(r.config_get("maxmemory-samples"), {"maxmemory-samples": "5"})
        r.close()

    def test_acl_users_are_rewritten_as_user_lines_and_come_back(self):
        server = self.start("port 0\nuser default on nopass ~* &* +@all -flushdb\n")
        r = client(server)
        r.execute_command("ACL", "SETUSER", "app", "on", ">pw", "~app:*", "+get",
                          "(+set ~w:*)")
        self.assertTrue(r.config_rewrite())
        users = sorted(r.execute_command("ACL", "LIST"))
        r.close()
        with open(server.conf_path, "rb") as f:
            rewritten = f.read()
        lines = rewritten.split(b"\n")
        self.assertEqual(sorted(l for l in lines if l.startswith(b"user ")), users)
        stop_now(server)
        again = self.start(rewritten.decode("latin-1"))
        r = client(again)
        self.assertEqual(sorted(r.execute_command("ACL", "LIST")), users)
        with self.assertRaises(redis.exceptions.NoPermissionError):
            r.flushdb()
        r.close()

    def test_rewrite_replaces_the_file_whole_and_keeps_its_mode(self):
        server = self.start("port 0\n")
        os.chmod(server.conf_path, 0o600)
        r = client(server)
        r.config_set("maxmemory-samples", 7)
        self.assertTrue(r.config_rewrite())
        r.close()
        if not is_reference_redis():  # redis-server writes 0644 whatever the file had
            self.assertEqual(stat.S_IMODE(os.stat(server.conf_path).st_mode), 0o600)
        leftovers = [f for f in os.listdir(server.dir) if ".tmp" in f]
        self.assertEqual(leftovers, [])
        with open(server.conf_path) as f:
            self.assertIn("maxmemory-samples 7\n", f.read())

    def test_rewrite_into_a_directory_it_cannot_write_fails_cleanly(self):
        if os.geteuid() == 0:
            self.skipTest("root writes anywhere")
        server = self.start("port 0\n")
        with open(server.conf_path) as f:
            original = f.read()
        os.chmod(server.dir, 0o500)
        self.addCleanup(os.chmod, server.dir, 0o700)
        r = client(server)
        with self.assertRaises(redis.ResponseError) as e:
            r.config_rewrite()
        self.assertEqual(str(e.exception), "Rewriting config file: Permission denied")
        r.close()
        with open(server.conf_path) as f:
            self.assertEqual(f.read(), original)


if __name__ == "__main__":
    main()
