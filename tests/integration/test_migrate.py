"""MIGRATE between real servers: the server under test to a second instance of itself and to
redis-server 7.0, and redis-server to the server under test.

Every value type moves with its TTL; COPY, REPLACE, the KEYS form, NOKEY, the target's errors
(BUSYKEY, a bad database, AUTH) relayed as Redis relays them; an unreachable or silent target
gives IOERR and keeps the key; a migrated key stays deleted after kill -9; the connection to a
target is cached, reused, rebuilt when the target closed it, and released after 10 s idle
(INFO migrate_cached_sockets); ACL key permissions apply.
"""

import os
import socket
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (DurableServer, RawConnection, ReferenceServerTestCase,  # noqa: E402
                     ServerProcess, free_port, parse_all, wait_until)
from test_dump_restore import fill_every_type, snapshot  # noqa: E402

HOST = "127.0.0.1"


def reply(port, *args, timeout=10.0):
    """One command on a fresh raw connection: (type byte, value) exactly as sent."""
    with RawConnection(port, timeout) as c:
        c.send_command(*args)
        r = c.read_reply(timeout)
        return r.type, r.value


def info_field(client, section, field):
    return client.info(section).get(field)


class FakeTarget(object):
    """A listening socket standing in for a target instance. With replies=None it accepts and
    never answers; otherwise it reads `commands` requests, signals `got_request`, waits
    `delay` seconds and answers each with +OK."""

    def __init__(self, commands=0, delay=0.0, replies=None):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind((HOST, 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.commands, self.delay, self.replies = commands, delay, replies
        self.got_request = threading.Event()
        self.conns = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        try:
            conn, _ = self.sock.accept()
        except OSError:
            return
        self.conns.append(conn)
        if self.replies is None:
            return
        buf = b""
        while len(parse_all(buf)[0]) < self.commands:
            chunk = conn.recv(65536)
            if not chunk:
                return
            buf += chunk
        self.got_request.set()
        time.sleep(self.delay)
        conn.sendall(self.replies)

    def close(self):
        for c in self.conns:
            c.close()
        self.sock.close()


class MigrateTest(ReferenceServerTestCase):
    """self.r: the source under test; self.peer: a second instance of the server under test;
    self.ref: redis-server."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.peer_server = ServerProcess()
        cls.peer_server.start()

    @classmethod
    def tearDownClass(cls):
        cls.peer_server.stop()
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        self.peer = self.peer_server.client()
        self.peer.flushall()

    def tearDown(self):
        self.peer.close()
        super().tearDown()

    def directions(self):
        """(name, source client, source port, target client of db 2, target port)."""
        return [
            ("under test -> under test", self.r, self.port,
             self.peer_server.client(db=2), self.peer_server.port),
            ("under test -> redis", self.r, self.port,
             self.reference.client(db=2), self.reference.port),
            ("redis -> under test", self.ref, self.reference.port,
             self.peer_server.client(db=2), self.peer_server.port),
        ]

    def test_every_type_moves_with_its_ttl(self):
        for name, src, _, dst, dst_port in self.directions():
            src.flushall()
            dst.flushall()
            keys = fill_every_type(src)
            for i, key in enumerate(keys[::2]):
                src.pexpire(key, 100000 + i * 1000)
            for key in keys:
                before = snapshot(src, key)
                pttl = src.pttl(key)
                self.assertEqual(src.migrate(HOST, dst_port, key, 2, 5000), b"OK", (name, key))
                self.assertEqual(snapshot(dst, key), before, (name, key))
                self.assertEqual(src.exists(key), 0, (name, key))
                if pttl < 0:
                    self.assertEqual(dst.pttl(key), -1, (name, key))
                else:
                    self.assertTrue(pttl - 2000 <= dst.pttl(key) <= pttl, (name, key))

    def test_keys_form_moves_every_existing_key_and_nokey_when_none(self):
        for name, src, src_port, dst, dst_port in self.directions():
            src.flushall()
            dst.flushall()
            src.mset({"a": "1", "b": "2"})
            self.assertEqual(
                reply(src_port, "MIGRATE", HOST, dst_port, "", 2, 5000, "KEYS", "a", "nope", "b"),
                ("+", b"OK"), name)
            self.assertEqual(dst.mget("a", "b", "nope"), [b"1", b"2", None], name)
            self.assertEqual(src.exists("a", "b"), 0, name)
            self.assertEqual(
                reply(src_port, "MIGRATE", HOST, dst_port, "", 2, 5000, "KEYS", "a", "b"),
                ("+", b"NOKEY"), name)
            self.assertEqual(reply(src_port, "MIGRATE", HOST, dst_port, "a", 2, 5000),
                             ("+", b"NOKEY"), name)

    def test_copy_keeps_the_source_and_replace_overwrites(self):
        for name, src, src_port, dst, dst_port in self.directions():
            src.flushall()
            dst.flushall()
            src.rpush("l", "x", "y")
            self.assertEqual(reply(src_port, "MIGRATE", HOST, dst_port, "l", 2, 5000, "COPY"),
                             ("+", b"OK"), name)
            self.assertEqual(src.lrange("l", 0, -1), [b"x", b"y"], name)
            busy = reply(src_port, "MIGRATE", HOST, dst_port, "l", 2, 5000, "COPY")
            self.assertEqual(busy, ("-", b"ERR Target instance replied with error: BUSYKEY "
                                         b"Target key name already exists."), name)
            src.rpush("l", "z")
            self.assertEqual(
                reply(src_port, "MIGRATE", HOST, dst_port, "l", 2, 5000, "REPLACE"),
                ("+", b"OK"), name)
            self.assertEqual(dst.lrange("l", 0, -1), [b"x", b"y", b"z"], name)
            self.assertEqual(src.exists("l"), 0, name)

    def test_busykey_keeps_that_key_and_moves_the_others(self):
        for name, src, src_port, dst, dst_port in self.directions():
            src.flushall()
            dst.flushall()
            src.mset({"a": "1", "b": "2", "c": "3"})
            dst.set("b", "theirs")
            got = reply(src_port, "MIGRATE", HOST, dst_port, "", 2, 5000, "KEYS", "a", "b", "c")
            self.assertEqual(got, ("-", b"ERR Target instance replied with error: BUSYKEY "
                                        b"Target key name already exists."), name)
            self.assertEqual(src.mget("a", "b", "c"), [None, b"2", None], name)
            self.assertEqual(dst.mget("a", "b", "c"), [b"1", b"theirs", b"3"], name)

    def test_a_bad_target_database_is_relayed_and_keeps_the_key(self):
        self.r.set("k", "v")
        got = reply(self.port, "MIGRATE", HOST, self.peer_server.port, "k", 99, 5000)
        self.assertEqual(got, ("-", b"ERR Target instance replied with error: "
                                    b"ERR DB index is out of range"))
        self.assertEqual(self.r.get("k"), b"v")
        # The connection stays usable, and selects again.
        self.assertEqual(self.r.migrate(HOST, self.peer_server.port, "k", 2, 5000), b"OK")
        self.assertEqual(self.peer_server.client(db=2).get("k"), b"v")

    def test_argument_errors(self):
        p = self.peer_server.port
        cases = [
            (("k", 0, 1000, "BOGUS"), b"ERR syntax error"),
            (("k", 0, 1000, "AUTH"), b"ERR syntax error"),
            (("k", 0, 1000, "AUTH2", "user"), b"ERR syntax error"),
            (("k", 0, 1000, "KEYS", "a"), b"ERR When using MIGRATE KEYS option, the key "
                                          b"argument must be set to the empty string"),
            (("k", "x", 1000), b"ERR value is not an integer or out of range"),
            (("k", 0, "1.5"), b"ERR value is not an integer or out of range"),
            (("k", 0), b"ERR wrong number of arguments for 'migrate' command"),
        ]
        self.r.set("k", "v")
        for args, error in cases:
            self.assertEqual(reply(self.port, "MIGRATE", HOST, p, *args), ("-", error), args)
        self.assertEqual(self.r.get("k"), b"v")

    def test_an_unreachable_target_gives_ioerr_and_keeps_the_key(self):
        self.r.set("k", "v")
        # A name that does not resolve fails to connect; a refused connection (Redis 7.0 does
        # not check that its connect succeeded) fails at the first write.
        self.assertEqual(reply(self.port, "MIGRATE", "no.such.host.invalid", 6379, "k", 0, 1000),
                         ("-", b"IOERR error or timeout connecting to the client"))
        self.assertEqual(reply(self.port, "MIGRATE", HOST, free_port(), "k", 0, 1000),
                         ("-", b"IOERR error or timeout writing to target instance"))
        self.assertEqual(self.r.get("k"), b"v")

    def test_a_silent_target_times_out_and_keeps_the_key(self):
        target = FakeTarget()
        try:
            self.r.set("k", "v")
            got = reply(self.port, "MIGRATE", HOST, target.port, "k", 0, 500)
        finally:
            target.close()
        self.assertEqual(got, ("-", b"IOERR error or timeout reading to target instance"))
        self.assertEqual(self.r.get("k"), b"v")

    def test_a_write_while_the_target_answers_is_not_lost(self):
        # The target holds its +OK for a moment; meanwhile another client overwrites the key.
        # Whenever that write runs (during MIGRATE, or after it as in single-threaded Redis),
        # the source ends up holding it.
        target = FakeTarget(commands=2, delay=0.5, replies=b"+OK\r\n+OK\r\n")
        self.r.set("k", "old")
        result = {}

        def migrate():
            result["reply"] = reply(self.port, "MIGRATE", HOST, target.port, "k", 0, 5000)
        mover = threading.Thread(target=migrate)
        mover.start()
        try:
            self.assertTrue(target.got_request.wait(5))
            self.assertEqual(self.server.client().set("k", "new"), True)
            mover.join(10)
        finally:
            target.close()
        self.assertEqual(result["reply"], ("+", b"OK"))
        self.assertEqual(self.r.get("k"), b"new")

    def test_migrate_deletes_with_a_del_keyspace_event(self):
        self.r.config_set("notify-keyspace-events", "KEA")
        try:
            sub = self.server.client().pubsub()
            sub.psubscribe("__key*__:*")
            sub.get_message(timeout=2)
            self.r.set("k", "v")
            self.assertEqual(self.r.migrate(HOST, self.peer_server.port, "k", 2, 5000), b"OK")
            events = []
            deadline = time.time() + 5
            while time.time() < deadline and b"del" not in events:
                m = sub.get_message(timeout=0.5)
                if m and m["type"] == "pmessage" and m["channel"] == b"__keyspace@0__:k":
                    events.append(m["data"])
            self.assertEqual(events, [b"set", b"del"])
            sub.close()
        finally:
            self.r.config_set("notify-keyspace-events", "")

    def test_migrate_invalidates_tracked_keys(self):
        self.r.set("k", "v")
        with RawConnection(self.port) as sub, RawConnection(self.port) as reader:
            sub_id = sub.command("CLIENT", "ID").value
            sub.command("SUBSCRIBE", "__redis__:invalidate")
            reader.command("CLIENT", "TRACKING", "on", "REDIRECT", sub_id)
            self.assertEqual(reader.command("GET", "k").value, b"v")
            self.assertEqual(self.r.migrate(HOST, self.peer_server.port, "k", 2, 5000), b"OK")
            message = sub.read_reply().to_py()
        self.assertEqual(message, [b"message", b"__redis__:invalidate", [b"k"]])

    def test_monitor_hides_the_passwords(self):
        self.r.set("k", "v")
        with RawConnection(self.port) as monitor:
            self.assertEqual(monitor.command("MONITOR").value, b"OK")
            for auth in (("AUTH", "pw1"), ("AUTH2", "user", "pw2")):
                reply(self.port, "MIGRATE", HOST, self.peer_server.port, "k", 2, 5000, "COPY",
                      "REPLACE", *auth)
            lines = [r.value for r in monitor.read_replies(2)]
        self.assertTrue(lines[0].endswith(b' "COPY" "REPLACE" "AUTH" "(redacted)"'), lines[0])
        self.assertTrue(lines[1].endswith(b' "AUTH2" "(redacted)" "(redacted)"'), lines[1])

    def test_acl_key_permissions_apply(self):
        self.r.execute_command("ACL", "SETUSER", "mover", "on", ">pw", "+@all", "~mine*")
        try:
            self.r.mset({"mine1": "1", "secret": "2"})
            with RawConnection(self.port) as c:
                self.assertEqual(c.command("AUTH", "mover", "pw").value, b"OK")
                got = c.command("MIGRATE", HOST, self.peer_server.port, "secret", 2, 5000)
                self.assertEqual((got.type, got.value), (
                    "-", b"NOPERM this user has no permissions to access one of the keys used "
                         b"as arguments"))
                got = c.command("MIGRATE", HOST, self.peer_server.port, "", 2, 5000,
                                "KEYS", "mine1", "secret")
                self.assertEqual((got.type, got.value), (
                    "-", b"NOPERM this user has no permissions to access one of the keys used "
                         b"as arguments"))
                got = c.command("MIGRATE", HOST, self.peer_server.port, "", 2, 5000,
                                "AUTH", "KEYS", "KEYS", "mine1")
                self.assertEqual(got.type, "-")  # the target has no password: AUTH fails
                self.assertTrue(got.value.startswith(
                    b"ERR Target instance replied with error: "), got.value)
                # The target ran the RESTORE all the same: REPLACE it.
                got = c.command("MIGRATE", HOST, self.peer_server.port, "", 2, 5000,
                                "REPLACE", "KEYS", "mine1")
                self.assertEqual((got.type, got.value), ("+", b"OK"))
            self.assertEqual(self.r.mget("mine1", "secret"), [None, b"2"])
        finally:
            self.r.execute_command("ACL", "DELUSER", "mover")

    def test_command_info_shows_movable_keys_and_key_specs(self):
        with RawConnection(self.port) as c:
            info = c.command("COMMAND", "INFO", "MIGRATE").to_py()[0]
        self.assertIn(b"movablekeys", info[2])
        self.assertEqual(info[3:6], [3, 3, 1])
        specs = info[8]
        self.assertEqual(len(specs), 2)
        self.assertIn(b"incomplete", specs[1][1])
        self.assertIn(b"KEYS", specs[1][3][3])


class MigrateAuthTest(unittest.TestCase):
    """A target that wants a password (requirepass) and has an ACL user."""

    @classmethod
    def setUpClass(cls):
        cls.source = ServerProcess()
        cls.source.start()
        cls.target = ServerProcess(["--requirepass", "secret"])
        cls.target.start()
        t = cls.target.client(password="secret")
        t.execute_command("ACL", "SETUSER", "mover", "on", ">pw", "+@all", "~*")
        t.close()

    @classmethod
    def tearDownClass(cls):
        cls.source.stop()
        cls.target.stop()

    def test_auth_and_auth2(self):
        r = self.source.client()
        t = self.target.client(password="secret")
        r.set("k", "v")
        cases = [
            ((), b"-NOAUTH Authentication required."),
            (("AUTH", "wrong"), b"-WRONGPASS invalid username-password pair or user is "
                                b"disabled."),
            (("AUTH2", "mover", "wrong"), b"-WRONGPASS invalid username-password pair or user "
                                          b"is disabled."),
        ]
        for auth, target_error in cases:
            got = reply(self.source.port, "MIGRATE", HOST, self.target.port, "k", 0, 5000, *auth)
            self.assertEqual(got, ("-", b"ERR Target instance replied with error: "
                                   + target_error[1:]), auth)
            self.assertEqual(r.get("k"), b"v")
        self.assertEqual(
            reply(self.source.port, "MIGRATE", HOST, self.target.port, "k", 0, 5000, "AUTH",
                  "secret"), ("+", b"OK"))
        self.assertEqual(t.get("k"), b"v")
        r.set("k2", "v2")
        self.assertEqual(
            reply(self.source.port, "MIGRATE", HOST, self.target.port, "k2", 0, 5000, "AUTH2",
                  "mover", "pw"), ("+", b"OK"))
        self.assertEqual(t.get("k2"), b"v2")
        self.assertEqual(r.exists("k", "k2"), 0)


class MigrateConnectionCacheTest(unittest.TestCase):
    """INFO migrate_cached_sockets: one connection per target, reused, rebuilt when the target
    closed it, released after 10 s idle."""

    def setUp(self):
        self.servers = [ServerProcess() for _ in range(3)]
        for s in self.servers:
            s.start()
        self.source, self.t1, self.t2 = self.servers

    def tearDown(self):
        for s in self.servers:
            s.stop()

    def test_connections_are_cached_reused_rebuilt_and_released(self):
        r = self.source.client()
        t1 = self.t1.client()
        self.assertEqual(info_field(r, "stats", "migrate_cached_sockets"), 0)
        r.mset({"a": "1", "b": "2", "c": "3", "d": "4"})
        self.assertEqual(r.migrate(HOST, self.t1.port, "a", 0, 5000), b"OK")
        self.assertEqual(info_field(r, "stats", "migrate_cached_sockets"), 1)
        connections = info_field(t1, "stats", "total_connections_received")
        self.assertEqual(r.migrate(HOST, self.t1.port, "b", 0, 5000), b"OK")
        self.assertEqual(info_field(t1, "stats", "total_connections_received"), connections)
        self.assertEqual(r.migrate(HOST, self.t2.port, "c", 0, 5000), b"OK")
        self.assertEqual(info_field(r, "stats", "migrate_cached_sockets"), 2)
        # The target closes the cached connection: the next MIGRATE connects again at once.
        t1.client_kill_filter(_type="normal", skipme=True)
        self.assertEqual(r.migrate(HOST, self.t1.port, "d", 0, 5000), b"OK")
        self.assertEqual(t1.mget("a", "b", "d"), [b"1", b"2", b"4"])
        self.assertEqual(info_field(r, "stats", "migrate_cached_sockets"), 2)
        # Idle for more than 10 s: released.
        wait_until(lambda: info_field(r, "stats", "migrate_cached_sockets") == 0,
                   "cached MIGRATE connections to be released", timeout=20)
        wait_until(lambda: info_field(t1, "clients", "connected_clients") == 1,
                   "the target to see the connection closed", timeout=5)


class MigrateDurabilityTest(unittest.TestCase):
    """The deletion is logged: kill -9 after MIGRATE does not bring the key back."""

    def setUp(self):
        import tempfile
        self.root = tempfile.mkdtemp(prefix="cairn-migrate-")
        self.source = DurableServer(self.root)
        self.target = ServerProcess()
        self.target.start()

    def tearDown(self):
        import shutil
        self.source.stop()
        self.target.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def test_a_migrated_key_stays_gone_after_kill9(self):
        self.source.start()
        r = self.source.client()
        r.mset({"moved": "1", "copied": "2", "a": "3", "b": "4"})
        self.assertEqual(r.migrate(HOST, self.target.port, "moved", 0, 5000), b"OK")
        self.assertEqual(r.migrate(HOST, self.target.port, "copied", 0, 5000, copy=True), b"OK")
        self.assertEqual(r.migrate(HOST, self.target.port, ["a", "b"], 0, 5000), b"OK")
        r.close()
        self.source.kill9()
        self.source.start()
        r = self.source.client()
        self.assertEqual(r.exists("moved", "a", "b"), 0)
        self.assertEqual(r.get("copied"), b"2")
        self.assertEqual(self.target.client().mget("moved", "copied", "a", "b"),
                         [b"1", b"2", b"3", b"4"])
        r.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
