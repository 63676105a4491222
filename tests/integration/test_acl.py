"""ACL users, AUTH and protected mode through redis-py and redis-cli, checked against Redis 7.0.

Run: /usr/bin/python3 -m unittest -v tests/integration/test_acl.py
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import redis  # noqa: E402
from harness import (REFERENCE_BINARY, RawConnection, ServerProcess, ServerTestCase,  # noqa: E402
                     is_reference_redis, main)

WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled."
NOPERM_KEY = "NOPERM this user has no permissions to access one of the keys used as arguments"
NOPERM_CHANNEL = ("NOPERM this user has no permissions to access one of the channels used as "
                  "arguments")


def error_text(exc):
    """The error line as the server sent it: redis-py drops the prefix of errors it maps to
    their own classes (NOPERM, WRONGPASS)."""
    prefix = {redis.exceptions.NoPermissionError: "NOPERM ",
              redis.exceptions.AuthenticationError: "WRONGPASS "}.get(type(exc), "")
    return prefix + str(exc)


def noperm_cmd(name):
    return "NOPERM this user has no permissions to run the '%s' command" % name


class AclTest(ServerTestCase):
    def setUp(self):
        super().setUp()
        for name in self.r.acl_users():
            if name != "default":
                self.r.acl_deluser(name)
        self.r.acl_log_reset()

    def user(self, name, *rules, password="pw"):
        self.r.execute_command("ACL", "SETUSER", name, "reset", "on", ">" + password, *rules)
        return redis.Redis(port=self.port, username=name, password=password,
                           decode_responses=True)

    def assertRefused(self, text, fn, *args):
        with self.assertRaises(redis.exceptions.ResponseError) as cm:
            fn(*args)
        self.assertEqual(error_text(cm.exception), text)

    def test_user_limited_by_command_and_category(self):
        ro = self.user("dashboard", "+@read", "~*")
        self.r.set("k", "v")
        self.assertEqual(ro.get("k"), "v")
        self.assertRefused(noperm_cmd("set"), ro.set, "k", "x")
        self.assertRefused(noperm_cmd("flushall"), ro.flushall)
        self.assertRefused(noperm_cmd("config|get"), ro.config_get, "port")
        one = self.user("one", "+get", "+config|get", "~*")
        self.assertEqual(one.config_get("port")["port"], str(self.port))
        self.assertRefused(noperm_cmd("config|set"), one.config_set, "hz", "10")
        self.assertEqual(self.r.get("k"), b"v")  # nothing a refused command did remains

    def test_user_limited_by_key_pattern(self):
        svc = self.user("billing", "+@all", "-@dangerous", "~billing:*")
        self.assertTrue(svc.set("billing:1", "x"))
        self.assertRefused(NOPERM_KEY, svc.set, "other", "x")
        self.assertRefused(NOPERM_KEY, svc.mset, {"billing:2": "x", "other": "y"})
        self.assertIsNone(self.r.get("other"))
        self.assertIsNone(self.r.get("billing:2"))
        rw = self.user("split", "+@all", "%R~src:*", "%W~dst:*")
        self.r.set("src:1", "v")
        self.assertEqual(rw.get("src:1"), "v")
        self.assertRefused(NOPERM_KEY, rw.set, "src:1", "x")
        self.assertTrue(rw.set("dst:1", "x"))
        self.assertRefused(NOPERM_KEY, rw.get, "dst:1")
        self.assertEqual(rw.copy("src:1", "dst:2"), 1)

    def test_user_limited_by_channel(self):
        pub = self.user("pub", "+@all", "~*", "resetchannels", "&news.*")
        self.assertEqual(pub.publish("news.today", "hi"), 0)
        self.assertRefused(NOPERM_CHANNEL, pub.publish, "sport", "hi")
        p = pub.pubsub()
        with self.assertRaises(redis.exceptions.ResponseError) as cm:
            p.subscribe("sport")
            p.get_message(timeout=1)
        self.assertEqual(error_text(cm.exception), NOPERM_CHANNEL)

    def subscriber(self, user, password, command, name):
        conn = RawConnection(self.port)
        self.assertEqual(conn.command("AUTH", user, password).value, b"OK")
        conn.send_command(command, name)
        conn.read_reply()
        return conn

    def test_taking_a_channel_away_disconnects_the_users_subscribers(self):
        self.user("feed", "+@all", "~*", "resetchannels", "&news:*", "&orders")
        by_name = self.subscriber("feed", "pw", "SUBSCRIBE", "news:1")
        by_pattern = self.subscriber("feed", "pw", "PSUBSCRIBE", "news:*")
        by_shard = self.subscriber("feed", "pw", "SSUBSCRIBE", "orders")
        # Gaining channels, or keeping every rule, disconnects nobody.
        self.r.execute_command("ACL", "SETUSER", "feed", "&more:*")
        self.assertFalse(by_name.is_closed(0.3))
        # news:* stays allowed as a channel glob for news:1, but a pattern subscription must
        # equal an allowed pattern: only the PSUBSCRIBE client goes, at once.
        self.r.execute_command("ACL", "SETUSER", "feed", "resetchannels", "&news:1", "&orders")
        self.assertTrue(by_pattern.is_closed())
        listed = [c["cmd"] for c in self.r.client_list() if c["user"] == "feed"]
        self.assertEqual(sorted(listed), ["ssubscribe", "subscribe"])
        self.r.execute_command("ACL", "SETUSER", "feed", "resetchannels")
        self.assertTrue(by_name.is_closed())
        self.assertTrue(by_shard.is_closed())
        self.assertEqual([c for c in self.r.client_list() if c["user"] == "feed"], [])
        for conn in (by_name, by_pattern, by_shard):
            conn.close()

    def test_allchannels_keeps_subscribers(self):
        self.user("wide", "+@all", "~*", "resetchannels", "&a")
        conn = self.subscriber("wide", "pw", "SUBSCRIBE", "a")
        self.r.execute_command("ACL", "SETUSER", "wide", "allchannels")
        self.assertFalse(conn.is_closed(0.3))
        conn.close()

    def test_acl_pubsub_default_applies_to_users_made_after_it(self):
        self.r.config_set("acl-pubsub-default", "allchannels")
        try:
            self.r.execute_command("ACL", "SETUSER", "early")
            self.assertEqual(self.r.acl_getuser("early")["channels"], ["&*"])
            with self.assertRaises(redis.exceptions.ResponseError) as cm:
                self.r.execute_command("ACL", "SETUSER", "early", "&one")
            self.assertIn("start with an empty list of channels", str(cm.exception))
            self.r.execute_command("ACL", "SETUSER", "sel", "(+get ~k)")
            self.assertEqual(self.r.acl_list()[-1], "user sel off &* -@all (~k &* -@all +get)")
        finally:
            self.r.config_set("acl-pubsub-default", "resetchannels")
        # Existing users keep their channels; new ones and "reset" start without any.
        self.assertEqual(self.r.acl_getuser("early")["channels"], ["&*"])
        self.r.execute_command("ACL", "SETUSER", "late")
        self.assertEqual(self.r.acl_getuser("late")["channels"], [])
        self.r.execute_command("ACL", "SETUSER", "early", "reset")
        self.assertEqual(self.r.acl_getuser("early")["channels"], [])

    def test_acl_cat_with_two_categories_is_a_syntax_error(self):
        with self.assertRaises(redis.exceptions.ResponseError) as cm:
            self.r.execute_command("ACL", "CAT", "read", "Write")
        self.assertEqual(str(cm.exception),
                         "unknown subcommand or wrong number of arguments for 'CAT'. "
                         "Try ACL HELP.")

    def test_auth_forms_and_errors(self):
        self.user("app", "+@all", "~*", password="s3cret")
        c = redis.Redis(port=self.port, decode_responses=True)
        self.assertRefused(WRONGPASS, c.execute_command, "AUTH", "app", "wrong")
        self.assertRefused(WRONGPASS, c.execute_command, "AUTH", "nosuch", "x")
        self.assertTrue(c.execute_command("AUTH", "app", "s3cret"))
        self.assertEqual(c.acl_whoami(), "app")
        h = redis.Redis(port=self.port, protocol=3, username="app", password="s3cret",
                        decode_responses=True) if redis.__version__ >= "5" else None
        if h is not None:
            self.assertEqual(h.acl_whoami(), "app")
        raw = redis.Redis(port=self.port, decode_responses=True)
        hello = raw.execute_command("HELLO", "2", "AUTH", "app", "s3cret")
        self.assertEqual(raw.acl_whoami(), "app")
        self.assertIn("proto", hello)
        self.r.execute_command("ACL", "SETUSER", "app", "off")
        c2 = redis.Redis(port=self.port, decode_responses=True)
        self.assertRefused(WRONGPASS, c2.execute_command, "AUTH", "app", "s3cret")

    def test_requirepass_is_the_default_users_password(self):
        self.r.config_set("requirepass", "topsecret")
        try:
            c = redis.Redis(port=self.port, decode_responses=True)
            with self.assertRaises(redis.exceptions.AuthenticationError):
                c.get("k")
            self.assertTrue(c.execute_command("AUTH", "topsecret"))
            self.assertTrue(c.execute_command("AUTH", "default", "topsecret"))
            self.assertEqual(c.ping(), True)
        finally:
            self.r.config_set("requirepass", "")
        self.assertRefused(
            "AUTH <password> called without any password configured for the default user. "
            "Are you sure your configuration is correct?",
            self.r.execute_command, "AUTH", "x")

    def test_acl_log_records_refusals(self):
        u = self.user("logged", "+get", "~a*")
        self.assertRefused(NOPERM_KEY, u.get, "b")
        self.assertRefused(noperm_cmd("set"), u.set, "a", "1")
        bad = redis.Redis(port=self.port)
        self.assertRefused(WRONGPASS, bad.execute_command, "AUTH", "logged", "nope")
        log = self.r.acl_log()
        self.assertEqual([(e["reason"], e["object"], e["username"], e["context"]) for e in log],
                         [("auth", "AUTH", "logged", "toplevel"),
                          ("command", "set", "logged", "toplevel"),
                          ("key", "b", "logged", "toplevel")])
        info = log[1]["client-info"]  # redis-py parses the CLIENT LIST line
        self.assertEqual(info["user"] if isinstance(info, dict) else info, "logged")
        self.assertRefused(NOPERM_KEY, u.get, "b")
        self.assertEqual(self.r.acl_log(1)[0]["count"], 2)
        self.assertTrue(self.r.acl_log_reset())
        self.assertEqual(self.r.acl_log(), [])

    def test_getuser_and_list(self):
        self.r.execute_command("ACL", "SETUSER", "u", "on", ">pw", "~k*", "%R~r*", "&ch",
                               "-@all", "+@hash", "-hdel", "(+set ~s*)")
        got = self.r.acl_getuser("u")
        self.assertEqual(got["flags"], ["on"])
        self.assertEqual(got["passwords"],
                         ["30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4"])
        self.assertEqual(got["keys"], ["~k*", "%R~r*"])  # redis-py splits them
        self.assertEqual(got["channels"], ["&ch"])
        self.assertIn("user u on #30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4 "
                      "~k* %R~r* resetchannels &ch -@all +@hash -hdel (~s* resetchannels -@all "
                      "+set)", self.r.acl_list())
        self.assertIsNone(self.r.acl_getuser("nosuch"))
        self.assertRefused("Error in ACL SETUSER modifier '+@nosuch': Unknown command or "
                           "category name in ACL", self.r.execute_command, "ACL", "SETUSER", "x",
                           "+@nosuch")
        self.assertEqual(self.r.execute_command("ACL", "DRYRUN", "u", "hget", "k1", "f"), b"OK")
        self.assertEqual(self.r.execute_command("ACL", "DRYRUN", "u", "hdel", "k1", "f"),
                         b"This user has no permissions to run the 'hdel' command")

    def test_deleting_a_user_disconnects_its_clients(self):
        u = self.user("gone", "+@all", "~*")
        self.assertEqual(u.ping(), True)
        other = self.user("stays", "+@all", "~*")
        self.assertEqual(other.ping(), True)
        self.assertEqual(self.r.acl_deluser("gone"), 1)
        time.sleep(0.2)
        names = [c["user"] for c in self.r.client_list()]
        self.assertNotIn("gone", names)
        self.assertIn("stays", names)
        u.connection_pool.reset()
        with self.assertRaises(redis.exceptions.ResponseError) as cm:
            u.ping()
        self.assertEqual(error_text(cm.exception), WRONGPASS)

    def test_redis_cli_sees_noperm(self):
        self.user("cli", "+get", "~*", password="p")
        out = subprocess.run(["redis-cli", "-p", str(self.port), "--user", "cli", "--pass", "p",
                              "--no-auth-warning", "SET", "a", "b"],
                             capture_output=True, text=True, timeout=10).stdout
        self.assertEqual(out.strip(), "(error) " + noperm_cmd("set")
                         if out.startswith("(error)") else noperm_cmd("set"))

    @unittest.skipIf(is_reference_redis(), "compares the server under test with redis-server")
    def test_acl_cat_lists_what_redis_lists(self):
        if not os.path.exists(REFERENCE_BINARY):
            self.skipTest("needs redis-server")
        ref = ServerProcess(binary=REFERENCE_BINARY).start()
        try:
            rr = ref.client(decode_responses=True)
            self.assertEqual(self.r.acl_cat(), rr.acl_cat())
            ours = set(n for cat in self.r.acl_cat() for n in self.r.acl_cat(cat))
            for cat in rr.acl_cat():
                theirs = set(rr.acl_cat(cat))
                mine = set(self.r.acl_cat(cat))
                # Commands cairn does not have are not listed; nothing else may differ.
                self.assertEqual(mine & theirs, theirs & ours, cat)
                extra = mine - theirs
                self.assertTrue(extra <= {"client|setinfo"}, (cat, extra))
        finally:
            ref.stop()


class AclFileTest(unittest.TestCase):
    def test_users_survive_a_restart_through_the_aclfile(self):
        d = tempfile.mkdtemp(prefix="cairn-acl-")
        path = os.path.join(d, "users.acl")
        with open(path, "w") as f:
            f.write("user default on nopass ~* &* +@all\n")
        server = ServerProcess(["--aclfile", path]).start()
        try:
            r = server.client(decode_responses=True)
            r.execute_command("ACL", "SETUSER", "saved", "on", ">pw", "+get", "~a*")
            self.assertTrue(r.execute_command("ACL", "SAVE"))
            with open(path, "a") as f:
                f.write("user later on nopass +@all ~*\n")
            self.assertTrue(r.execute_command("ACL", "LOAD"))
            self.assertEqual(sorted(r.acl_users()), ["default", "later", "saved"])
        finally:
            server.stop()
        server = ServerProcess(["--aclfile", path]).start()
        try:
            c = redis.Redis(port=server.port, username="saved", password="pw",
                            decode_responses=True)
            self.assertIsNone(c.get("a1"))
            with self.assertRaises(redis.exceptions.ResponseError):
                c.get("b1")
        finally:
            server.stop()

    def test_a_bad_aclfile_stops_startup(self):
        d = tempfile.mkdtemp(prefix="cairn-acl-")
        path = os.path.join(d, "users.acl")
        with open(path, "w") as f:
            f.write("user bad on +nosuchcommand\n")
        server = ServerProcess(["--aclfile", path])
        with self.assertRaises(RuntimeError):
            server.start()


class ProtectedModeTest(unittest.TestCase):
    """Connections from 127.0.0.2 are not local: Redis treats only 127.0.0.1 and ::1 as such."""

    def connect_from(self, port, source):
        s = socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(source, 0))
        s.sendall(b"PING\r\n")
        data = b""
        while not data.endswith(b"\r\n"):
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        s.close()
        return data.decode()

    def test_non_loopback_clients_are_denied_without_a_password(self):
        server = ServerProcess(["--protected-mode", "yes"]).start()
        try:
            reply = self.connect_from(server.port, "127.0.0.2")
            self.assertTrue(reply.startswith("-DENIED Redis is running in protected mode because "
                                             "protected mode is enabled and no password is set "
                                             "for the default user."), reply)
            self.assertTrue(reply.endswith("accepting connections from the outside.\r\n"))
            self.assertEqual(self.connect_from(server.port, "127.0.0.1"), "+PONG\r\n")
            r = server.client()
            r.config_set("requirepass", "pw")
            self.assertTrue(self.connect_from(server.port, "127.0.0.2").startswith("-NOAUTH"))
            r = server.client(password="pw")
            r.config_set("requirepass", "")
            r.config_set("protected-mode", "no")
            self.assertEqual(self.connect_from(server.port, "127.0.0.2"), "+PONG\r\n")
            self.assertGreaterEqual(r.info("stats")["rejected_connections"], 1)
        finally:
            server.stop()


if __name__ == "__main__":
    main()
