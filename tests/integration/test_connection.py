"""Connection, server and introspection commands, checked against Redis 7.0.

Run: /usr/bin/python3 -m unittest -v tests/integration/test_connection.py
"""

import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import redis  # noqa: E402
from harness import (ServerProcess, ServerTestCase, encode_command, main,  # noqa: E402
                     is_reference_redis, skip_on_reference)

NOPROTO = "NOPROTO unsupported protocol version"
NOAUTH = "NOAUTH Authentication required."
WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled."


def arity(cmd):
    return "ERR wrong number of arguments for '%s' command" % cmd


def parse_client_line(line):
    """'id=3 addr=... name= ...' -> dict (values may be empty)."""
    fields = {}
    for item in line.strip().split(" "):
        k, sep, v = item.partition("=")
        assert sep == "=", "malformed CLIENT LIST field %r in %r" % (item, line)
        fields[k] = v
    return fields


def parse_info(text):
    """INFO text -> (list of section names, dict of field -> value)."""
    if isinstance(text, bytes):
        text = text.decode()
    sections, fields = [], {}
    for line in text.split("\r\n"):
        if line.startswith("# "):
            sections.append(line[2:])
        elif line:
            k, sep, v = line.partition(":")
            assert sep == ":", "malformed INFO line %r" % line
            fields[k] = v
    return sections, fields


def hello_map(reply):
    """HELLO reply (RESP2 flat array or RESP3 map) -> {bytes: Reply}."""
    items = reply.value
    return {items[i].value: items[i + 1] for i in range(0, len(items), 2)}


class TestPingEchoQuit(ServerTestCase):
    def test_ping_replies_pong_simple_string(self):
        self.assertEqual(self.raw(b"*1\r\n$4\r\nPING\r\n"), b"+PONG\r\n")

    def test_ping_with_argument_echoes_it_as_bulk(self):
        self.assertEqual(self.raw(b"*2\r\n$4\r\nPING\r\n$5\r\nhello\r\n"), b"$5\r\nhello\r\n")

    def test_ping_with_two_arguments_is_an_arity_error(self):
        self.assertErrorReply(["PING", "a", "b"], arity("ping"))

    def test_echo(self):
        self.assertReply(["ECHO", "hi there"], "$", b"hi there")
        self.assertReply(["ECHO", ""], "$", b"")
        self.assertErrorReply(["ECHO"], arity("echo"))

    def test_commands_are_case_insensitive(self):
        self.assertReply(["pInG"], "+", b"PONG")
        self.assertReply(["echo", "x"], "$", b"x")

    def test_quit_replies_ok_and_closes(self):
        c = self.raw_conn()
        c.send(b"*1\r\n$4\r\nQUIT\r\n*3\r\n$3\r\nSET\r\n$5\r\nquitx\r\n$1\r\n1\r\n")
        data, closed = c.read_until_close(5)
        self.assertTrue(closed)
        self.assertEqual(data, b"+OK\r\n")
        # commands pipelined after QUIT are not executed
        self.assertIsNone(self.r.get("quitx"))


class TestHello(ServerTestCase):
    def check_hello_fields(self, m, proto, conn):
        # Redis's seven fields; cairn adds cairn_version beside them.
        redis_fields = {b"server", b"version", b"proto", b"id", b"mode", b"role", b"modules"}
        self.assertTrue(redis_fields <= set(m))
        self.assertTrue(set(m) - redis_fields <= {b"cairn_version"})
        self.assertEqual(m[b"server"].type, "$")
        self.assertTrue(m[b"server"].value)
        self.assertEqual(m[b"version"].type, "$")
        self.assertRegex(m[b"version"].value.decode(), r"^7\.0\.\d+$")
        self.assertEqual((m[b"proto"].type, m[b"proto"].value), (":", proto))
        self.assertEqual(m[b"id"].type, ":")
        conn.send_command("CLIENT", "ID")
        self.assertEqual(conn.read_reply().value, m[b"id"].value)
        self.assertEqual((m[b"mode"].type, m[b"mode"].value), ("$", b"standalone"))
        self.assertEqual((m[b"role"].type, m[b"role"].value), ("$", b"master"))
        self.assertEqual(m[b"modules"].type, "*")
        self.assertEqual(m[b"modules"].value, [])

    def test_hello_without_arguments_is_resp2_flat_array(self):
        c = self.raw_conn()
        reply = c.command("HELLO")
        self.assertEqual(reply.type, "*")
        self.assertIn(len(reply.value), (14, 16))  # 16 with cairn_version
        self.check_hello_fields(hello_map(reply), 2, c)

    def test_hello_2(self):
        c = self.raw_conn()
        reply = c.command("HELLO", "2")
        self.assertEqual(reply.type, "*")
        self.check_hello_fields(hello_map(reply), 2, c)
        self.assertEqual(c.command("GET", "nope").type, "$")

    def test_hello_3_is_a_resp3_map(self):
        c = self.raw_conn()
        reply = c.command("HELLO", "3")
        self.assertEqual(reply.type, "%")
        self.assertIn(len(reply.value), (14, 16))  # 16 with cairn_version
        self.check_hello_fields(hello_map(reply), 3, c)

    def test_hello_field_order(self):
        c = self.raw_conn()
        reply = c.command("HELLO", "3")
        self.assertEqual([reply.value[i].value for i in range(0, 14, 2)],
                         [b"server", b"version", b"proto", b"id", b"mode", b"role", b"modules"])

    def test_hello_unsupported_versions(self):
        for v in ("4", "1", "0"):
            with self.subTest(version=v):
                self.assertErrorReply(["HELLO", v], NOPROTO)
        self.assertErrorReply(["HELLO", "abc"], "ERR Protocol version is not an integer or out of range")

    def test_hello_setname(self):
        c = self.raw_conn()
        reply = c.command("HELLO", "3", "SETNAME", "myconn")
        self.assertEqual(reply.type, "%")
        reply = c.command("CLIENT", "GETNAME")
        self.assertEqual((reply.type, reply.value), ("$", b"myconn"))

    def test_hello_syntax_errors(self):
        self.assertErrorReply(["HELLO", "3", "SETNAME"], "ERR Syntax error in HELLO option 'SETNAME'")
        self.assertErrorReply(["HELLO", "3", "FOO"], "ERR Syntax error in HELLO option 'FOO'")
        self.assertErrorReply(["HELLO", "3", "AUTH", "x"], "ERR Syntax error in HELLO option 'AUTH'")

    def test_hello_auth_default_user_without_password_configured(self):
        # the default user has 'nopass': any password is accepted
        c = self.raw_conn()
        self.assertEqual(c.command("HELLO", "3", "AUTH", "default", "whatever").type, "%")

    def test_switching_back_to_resp2(self):
        c = self.raw_conn()
        c.command("HELLO", "3")
        self.assertEqual(c.command("GET", "nope").type, "_")
        self.assertEqual(c.command("HELLO", "2").type, "*")
        c.send_command("GET", "nope")
        self.assertEqual(c.read_replies_bytes(1), b"$-1\r\n")

    def test_failed_hello_keeps_protocol(self):
        c = self.raw_conn()
        c.command("HELLO", "4")
        c.send_command("GET", "nope")
        self.assertEqual(c.read_replies_bytes(1), b"$-1\r\n")


class TestResp3Types(ServerTestCase):
    """Exact bytes redis-server 7.0 sends once HELLO 3 was issued."""

    def resp3(self):
        c = self.raw_conn()
        self.assertEqual(c.command("HELLO", "3").type, "%")
        return c

    def exchange(self, c, *args):
        c.send_command(*args)
        return c.read_replies_bytes(1)

    def test_null_is_underscore(self):
        c = self.resp3()
        self.assertEqual(self.exchange(c, "GET", "nope"), b"_\r\n")
        self.assertEqual(self.exchange(c, "RANDOMKEY"), b"_\r\n")
        self.assertEqual(self.exchange(c, "CLIENT", "GETNAME"), b"_\r\n")
        self.assertEqual(self.exchange(c, "GETDEL", "nope"), b"_\r\n")
        self.assertEqual(self.exchange(c, "SET", "k", "v", "NX", "GET"), b"_\r\n")
        self.assertEqual(self.exchange(c, "SET", "k", "v", "NX"), b"_\r\n")
        self.assertEqual(self.exchange(c, "OBJECT", "ENCODING", "nope"), b"_\r\n")

    def test_null_inside_array(self):
        c = self.resp3()
        self.exchange(c, "SET", "a", "1")
        self.assertEqual(self.exchange(c, "MGET", "a", "nope"), b"*2\r\n$1\r\n1\r\n_\r\n")

    def test_simple_types_are_unchanged(self):
        c = self.resp3()
        self.assertEqual(self.exchange(c, "SET", "a", "1"), b"+OK\r\n")
        self.assertEqual(self.exchange(c, "PING"), b"+PONG\r\n")
        self.assertEqual(self.exchange(c, "INCR", "a"), b":2\r\n")
        self.assertEqual(self.exchange(c, "GET", "a"), b"$1\r\n2\r\n")
        self.assertEqual(self.exchange(c, "TYPE", "a"), b"+string\r\n")
        self.assertEqual(self.exchange(c, "KEYS", "*"), b"*1\r\n$1\r\na\r\n")
        self.assertEqual(self.exchange(c, "SCAN", "0"), b"*2\r\n$1\r\n0\r\n*1\r\n$1\r\na\r\n")
        self.assertEqual(self.exchange(c, "TTL", "a"), b":-1\r\n")
        self.assertEqual(self.exchange(c, "LCS", "a", "a", "LEN"), b":1\r\n")
        self.assertEqual(self.exchange(c, "GETX"),
                         b"-ERR unknown command 'GETX', with args beginning with: \r\n")

    def test_incrbyfloat_stays_a_bulk_string(self):
        c = self.resp3()
        self.assertEqual(self.exchange(c, "INCRBYFLOAT", "f", "1.5"), b"$3\r\n1.5\r\n")

    def test_time_is_array_of_bulk_strings(self):
        c = self.resp3()
        reply = self.exchange(c, "TIME")
        self.assertRegex(reply, rb"^\*2\r\n\$\d+\r\n\d+\r\n\$\d+\r\n\d+\r\n$")

    def test_config_get_is_a_map(self):
        c = self.resp3()
        self.assertEqual(self.exchange(c, "CONFIG", "GET", "maxmemory"),
                         b"%1\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n")
        self.assertEqual(self.exchange(c, "CONFIG", "GET", "nosuchoption"), b"%0\r\n")

    def test_lcs_idx_is_a_map(self):
        c = self.resp3()
        self.exchange(c, "MSET", "key1", "ohmytext", "key2", "mynewtext")
        self.assertEqual(
            self.exchange(c, "LCS", "key1", "key2", "IDX", "MINMATCHLEN", "4"),
            b"%2\r\n$7\r\nmatches\r\n*1\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n"
            b"$3\r\nlen\r\n:6\r\n")

    def test_client_info_and_info_are_verbatim_strings(self):
        c = self.resp3()
        for args in (["CLIENT", "INFO"], ["CLIENT", "LIST"], ["INFO", "server"]):
            with self.subTest(args=args):
                c.send_command(*args)
                reply = c.read_reply()
                self.assertEqual(reply.type, "=")
                self.assertTrue(reply.value.startswith(b"txt:"), reply.value[:20])

    def test_client_info_reports_resp3(self):
        c = self.resp3()
        c.send_command("CLIENT", "INFO")
        fields = parse_client_line(c.read_reply().value[4:].decode())
        self.assertEqual(fields["resp"], "3")

    def test_command_info_flags_are_sets(self):
        c = self.resp3()
        c.send_command("COMMAND", "INFO", "get")
        reply = c.read_reply()
        self.assertEqual(reply.type, "*")
        info = reply.value[0]
        self.assertEqual(info.type, "*")
        self.assertEqual((info.value[0].type, info.value[0].value), ("$", b"get"))
        self.assertEqual(info.value[2].type, "~")
        self.assertEqual({(x.type, x.value) for x in info.value[2].value},
                         {("+", b"readonly"), ("+", b"fast")})

    def test_errors_are_unchanged(self):
        c = self.resp3()
        self.assertEqual(self.exchange(c, "GET"), b"-ERR wrong number of arguments for 'get' command\r\n")


class TestSelectAndMisc(ServerTestCase):
    server_args = ["--enable-debug-command", "yes"]

    def test_select_out_of_range(self):
        self.assertErrorReply(["SELECT", "16"], "ERR DB index is out of range")
        self.assertErrorReply(["SELECT", "-1"], "ERR DB index is out of range")
        self.assertErrorReply(["SELECT", "x"], "ERR value is not an integer or out of range")
        self.assertReply(["SELECT", "15"], "+", b"OK")

    def test_dbsize(self):
        self.assertReply(["DBSIZE"], ":", 0)
        self.r.mset({"a": 1, "b": 2})
        self.assertReply(["DBSIZE"], ":", 2)

    def test_time_returns_seconds_and_microseconds(self):
        reply = self.cmd("TIME")
        self.assertEqual(reply.type, "*")
        self.assertEqual([x.type for x in reply.value], ["$", "$"])
        secs, usecs = int(reply.value[0].value), int(reply.value[1].value)
        self.assertLess(abs(secs - time.time()), 60)
        self.assertTrue(0 <= usecs < 1000000)
        self.assertErrorReply(["TIME", "x"], arity("time"))

    def test_debug_sleep_0(self):
        self.assertReply(["DEBUG", "SLEEP", "0"], "+", b"OK")

    def test_unknown_command(self):
        self.assertErrorReply(["foo", "a", "b"],
                              "ERR unknown command 'foo', with args beginning with: 'a' 'b' ")
        self.assertErrorReply(["foo"], "ERR unknown command 'foo', with args beginning with: ")
        self.assertErrorReply(["FooBar", "x y"],
                              "ERR unknown command 'FooBar', with args beginning with: 'x y' ")

    def test_unknown_command_args_are_truncated_to_128_chars(self):
        self.assertErrorReply(["foo", "x" * 100, "y" * 100],
                              "ERR unknown command 'foo', with args beginning with: '%s' '%s' "
                              % ("x" * 100, "y" * 25))
        self.assertErrorReply(["z" * 200],
                              "ERR unknown command '%s', with args beginning with: " % ("z" * 128))

    def test_unknown_command_error_replaces_newlines(self):
        self.assertErrorReply(["foo", "a\r\nb", "c"],
                              "ERR unknown command 'foo', with args beginning with: 'a  b' 'c' ")

    def test_unknown_command_does_not_close_the_connection(self):
        c = self.raw_conn()
        c.send(encode_command("nosuch") + encode_command("PING"))
        replies = c.read_replies(2)
        self.assertEqual(replies[0].type, "-")
        self.assertEqual(replies[1].value, b"PONG")

    def test_wrong_arity(self):
        self.assertErrorReply(["GET"], arity("get"))
        self.assertErrorReply(["get", "a", "b"], arity("get"))
        self.assertErrorReply(["SET", "a"], arity("set"))
        self.assertErrorReply(["CLIENT"], arity("client"))
        self.assertErrorReply(["CLIENT", "SETNAME"], arity("client|setname"))
        self.assertErrorReply(["CONFIG", "SET", "port"], arity("config|set"))
        self.assertErrorReply(["COMMAND", "COUNT", "x"], arity("command|count"))

    def test_unknown_subcommand(self):
        self.assertErrorReply(["CLIENT", "foo"], "ERR unknown subcommand 'foo'. Try CLIENT HELP.")
        self.assertErrorReply(["CONFIG", "foo"], "ERR unknown subcommand 'foo'. Try CONFIG HELP.")

    def test_wrongtype_error(self):
        reply = self.cmd("RPUSH", "l", "x")
        if reply.type == "-" and reply.value.startswith(b"ERR unknown command"):
            self.skipTest("server does not implement RPUSH (lists)")
        self.assertErrorReply(["GET", "l"],
                              "WRONGTYPE Operation against a key holding the wrong kind of value")
        self.assertErrorReply(["INCR", "l"],
                              "WRONGTYPE Operation against a key holding the wrong kind of value")

    def test_auth_without_configured_password(self):
        self.assertErrorReply(
            ["AUTH", "foo"],
            "ERR AUTH <password> called without any password configured for the default user. "
            "Are you sure your configuration is correct?")
        self.assertReply(["AUTH", "default", "anything"], "+", b"OK")


DEBUG_REFUSED = (
    'ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", '
    'you can run it from a local connection, otherwise you need to set this option in the '
    'configuration file, and then restart the server.')


class TestDebugDisabled(ServerTestCase):
    # No enable-debug-command: Redis's default, "no".

    def test_debug_is_refused_by_default(self):
        self.assertEqual(self.r.config_get("enable-debug-command"), {"enable-debug-command": "no"})
        self.assertErrorReply(["DEBUG", "SLEEP", "0"], DEBUG_REFUSED)

    def test_debug_in_multi_aborts_the_transaction(self):
        self.assertReply(["MULTI"], "+", b"OK")
        self.assertErrorReply(["DEBUG", "SLEEP", "0"], DEBUG_REFUSED)
        self.assertErrorReply(["EXEC"],
                              "EXECABORT Transaction discarded because of previous errors.")


class TestAuth(ServerTestCase):
    server_args = ["--requirepass", "s3cret"]
    client_kwargs = {"password": "s3cret"}

    def test_commands_before_auth_get_noauth(self):
        for args in (["PING"], ["GET", "a"], ["ECHO", "x"], ["SET", "a", "b"], ["CLIENT", "ID"]):
            with self.subTest(args=args):
                self.assertErrorReply(args, NOAUTH)
        # command lookup happens before the auth check
        self.assertErrorReply(["nosuch"], "ERR unknown command 'nosuch', with args beginning with: ")
        self.assertErrorReply(["GET"], arity("get"))
        self.assertIsNone(self.r.get("a"))

    def test_hello_before_auth(self):
        self.assertErrorReply(
            ["HELLO", "3"],
            "NOAUTH HELLO must be called with the client already authenticated, otherwise the "
            "HELLO AUTH <user> <pass> option can be used to authenticate the client and select "
            "the RESP protocol version at the same time")

    def test_wrong_password(self):
        self.assertErrorReply(["AUTH", "wrong"], WRONGPASS)
        self.assertErrorReply(["AUTH", "default", "wrong"], WRONGPASS)
        self.assertErrorReply(["AUTH", "nouser", "s3cret"], WRONGPASS)
        self.assertErrorReply(["HELLO", "3", "AUTH", "default", "wrong"], WRONGPASS)
        self.assertErrorReply(["PING"], NOAUTH)

    def test_auth_arity_and_syntax(self):
        self.assertErrorReply(["AUTH"], arity("auth"))
        self.assertErrorReply(["AUTH", "a", "b", "c"], "ERR syntax error")

    def test_auth_with_password(self):
        self.assertReply(["AUTH", "s3cret"], "+", b"OK")
        self.assertReply(["PING"], "+", b"PONG")
        self.assertReply(["AUTH", "s3cret"], "+", b"OK")

    def test_auth_with_default_user(self):
        self.assertReply(["AUTH", "default", "s3cret"], "+", b"OK")
        self.assertReply(["SET", "a", "1"], "+", b"OK")

    def test_hello_with_auth(self):
        c = self.raw_conn()
        reply = c.command("HELLO", "3", "AUTH", "default", "s3cret")
        self.assertEqual(reply.type, "%")
        self.assertEqual(c.command("PING").value, b"PONG")

    def test_auth_is_per_connection(self):
        self.assertReply(["AUTH", "s3cret"], "+", b"OK")
        other = self.raw_conn()
        self.assertEqual(other.command("PING").value, NOAUTH.encode())

    def test_redis_py_client_with_password(self):
        self.assertTrue(self.r.set("k", "v"))
        self.assertEqual(self.r.get("k"), b"v")
        bad = self.server.client(password="nope")
        with self.assertRaises((redis.AuthenticationError, redis.ResponseError)) as ctx:
            bad.ping()
        self.assertIn("WRONGPASS", str(ctx.exception))

    def test_quit_works_before_auth(self):
        c = self.raw_conn()
        c.send(b"QUIT\r\n")
        data, closed = c.read_until_close(5)
        self.assertEqual(data, b"+OK\r\n")
        self.assertTrue(closed)


class TestClient(ServerTestCase):
    def client_info(self, conn):
        reply = conn.command("CLIENT", "INFO")
        self.assertEqual(reply.type, "$")
        self.assertTrue(reply.value.endswith(b"\n"))
        return parse_client_line(reply.value.decode())

    def test_client_id_is_an_increasing_integer(self):
        a = self.raw_conn().command("CLIENT", "ID")
        b = self.raw_conn().command("CLIENT", "ID")
        self.assertEqual((a.type, b.type), (":", ":"))
        self.assertGreater(b.value, a.value)

    def test_setname_getname(self):
        c = self.raw_conn()
        self.assertEqual(c.command("CLIENT", "GETNAME").value, None)
        self.assertEqual(c.command("CLIENT", "SETNAME", "worker-1").value, b"OK")
        self.assertEqual(c.command("CLIENT", "GETNAME").value, b"worker-1")
        self.assertEqual(self.client_info(c)["name"], "worker-1")
        # an empty name clears it
        self.assertEqual(c.command("CLIENT", "SETNAME", "").value, b"OK")
        reply = c.command("CLIENT", "GETNAME")
        self.assertEqual((reply.type, reply.value), ("$", None))

    def test_setname_rejects_spaces_and_newlines(self):
        msg = "ERR Client names cannot contain spaces, newlines or special characters."
        self.assertErrorReply(["CLIENT", "SETNAME", "a b"], msg)
        self.assertErrorReply(["CLIENT", "SETNAME", "a\nb"], msg)

    def test_client_info_fields(self):
        c = self.raw_conn()
        c.command("CLIENT", "SETNAME", "me")
        c.command("SELECT", "2")
        info = self.client_info(c)
        for field in ("id", "addr", "laddr", "fd", "name", "age", "idle", "flags", "db",
                      "cmd", "user", "resp"):
            self.assertIn(field, info)
        self.assertEqual(int(info["id"]), c.command("CLIENT", "ID").value)
        self.assertEqual(info["addr"], "127.0.0.1:%d" % c.sock.getsockname()[1])
        self.assertEqual(info["laddr"], "127.0.0.1:%d" % self.port)
        self.assertEqual(info["name"], "me")
        self.assertEqual(info["db"], "2")
        self.assertEqual(info["cmd"], "client|info")
        self.assertEqual(info["user"], "default")
        self.assertEqual(info["resp"], "2")

    def test_client_list_shows_every_connection(self):
        conns = [self.raw_conn() for _ in range(3)]
        ids = set()
        for i, c in enumerate(conns):
            c.command("CLIENT", "SETNAME", "lister-%d" % i)
            ids.add(c.command("CLIENT", "ID").value)
        reply = self.cmd("CLIENT", "LIST")
        self.assertEqual(reply.type, "$")
        text = reply.value.decode()
        self.assertTrue(text.endswith("\n"))
        lines = [parse_client_line(l) for l in text.split("\n") if l]
        by_id = {int(f["id"]): f for f in lines}
        self.assertTrue(ids <= set(by_id))
        self.assertEqual({by_id[i]["name"] for i in ids}, {"lister-0", "lister-1", "lister-2"})

    def test_client_list_by_id(self):
        c = self.raw_conn()
        cid = c.command("CLIENT", "ID").value
        reply = self.cmd("CLIENT", "LIST", "ID", str(cid))
        lines = [l for l in reply.value.decode().split("\n") if l]
        self.assertEqual(len(lines), 1)
        self.assertEqual(int(parse_client_line(lines[0])["id"]), cid)

    def test_client_list_by_type(self):
        c = self.raw_conn()
        cid = c.command("CLIENT", "ID").value
        normal = self.cmd("CLIENT", "LIST", "TYPE", "normal").value.decode()
        self.assertIn(cid, {int(parse_client_line(l)["id"]) for l in normal.split("\n") if l})
        self.assertReply(["CLIENT", "LIST", "TYPE", "pubsub"], "$", b"")
        self.assertErrorReply(["CLIENT", "LIST", "TYPE", "foo"], "ERR Unknown client type 'foo'")
        self.assertErrorReply(["CLIENT", "LIST", "ID", "abc"], "ERR Invalid client ID")

    def test_client_kill_by_id(self):
        victim = self.raw_conn()
        vid = victim.command("CLIENT", "ID").value
        self.assertReply(["CLIENT", "KILL", "ID", str(vid)], ":", 1)
        self.assertTrue(victim.is_closed(5), "killed connection is still open")
        self.assertReply(["CLIENT", "KILL", "ID", str(vid)], ":", 0)
        self.assertReply(["PING"], "+", b"PONG")

    def test_client_kill_by_addr(self):
        victim = self.raw_conn()
        victim.command("PING")
        addr = "127.0.0.1:%d" % victim.sock.getsockname()[1]
        self.assertReply(["CLIENT", "KILL", "ADDR", addr], ":", 1)
        self.assertTrue(victim.is_closed(5))

    def test_client_kill_old_form(self):
        victim = self.raw_conn()
        victim.command("PING")
        addr = "127.0.0.1:%d" % victim.sock.getsockname()[1]
        self.assertReply(["CLIENT", "KILL", addr], "+", b"OK")
        self.assertTrue(victim.is_closed(5))
        self.assertErrorReply(["CLIENT", "KILL", addr], "ERR No such client")

    def test_client_kill_errors(self):
        self.assertReply(["CLIENT", "KILL", "ID", "999999"], ":", 0)
        self.assertReply(["CLIENT", "KILL", "ADDR", "127.0.0.1:1"], ":", 0)
        self.assertErrorReply(["CLIENT", "KILL", "ID", "abc"], "ERR client-id should be greater than 0")
        self.assertErrorReply(["CLIENT", "KILL", "FOO", "bar"], "ERR syntax error")

    def test_client_help_is_an_array(self):
        reply = self.cmd("CLIENT", "HELP")
        self.assertEqual(reply.type, "*")
        self.assertGreater(len(reply.value), 0)

    @skip_on_reference("CLIENT SETINFO is Redis 7.2")
    def test_client_setinfo_lib_name_and_version(self):
        c = self.raw_conn()
        self.assertEqual(c.command("CLIENT", "SETINFO", "LIB-NAME", "mylib").value, b"OK")
        self.assertEqual(c.command("CLIENT", "SETINFO", "LIB-VER", "1.2.3").value, b"OK")
        info = self.client_info(c)
        self.assertEqual(info.get("lib-name"), "mylib")
        self.assertEqual(info.get("lib-ver"), "1.2.3")
        listed = self.cmd("CLIENT", "LIST", "ID", str(info["id"])).value.decode()
        self.assertIn("lib-name=mylib", listed)
        self.assertIn("lib-ver=1.2.3", listed)

    @skip_on_reference("CLIENT SETINFO is Redis 7.2")
    def test_client_setinfo_errors(self):
        self.assertErrorReply(["CLIENT", "SETINFO", "foo", "bar"], "ERR Unrecognized option 'foo'")
        self.assertErrorReply(["CLIENT", "SETINFO", "lib-name", "a b"],
                              "ERR lib-name cannot contain spaces, newlines or special characters.")
        self.assertErrorReply(["CLIENT", "SETINFO", "lib-name"], arity("client|setinfo"))

    def test_client_setinfo_on_redis_7_0_is_unknown(self):
        if not is_reference_redis():
            self.skipTest("documents the 7.0 reference only")
        self.assertErrorReply(["CLIENT", "SETINFO", "LIB-NAME", "x"],
                              "ERR unknown subcommand 'SETINFO'. Try CLIENT HELP.")


class TestCommandIntrospection(ServerTestCase):
    def cmd_py(self, *args):
        # redis-py post-processes COMMAND replies; read them raw instead
        reply = self.cmd(*args)
        self.assertNotEqual(reply.type, "-", reply)
        return reply.to_py()

    def test_command_count(self):
        reply = self.cmd("COMMAND", "COUNT")
        self.assertEqual(reply.type, ":")
        self.assertGreater(reply.value, 0)

    def test_command_list_contains_implemented_commands(self):
        names = set(self.cmd_py("COMMAND", "LIST"))
        for name in (b"get", b"set", b"ping", b"hello", b"command", b"client", b"info", b"config"):
            self.assertIn(name, names)

    def test_command_list_filterby_pattern(self):
        names = set(self.cmd_py("COMMAND", "LIST", "FILTERBY", "PATTERN", "get*"))
        self.assertTrue({b"get", b"getdel", b"getex", b"getset", b"getrange"} <= names)
        self.assertTrue(all(n.startswith(b"get") for n in names), names)

    def test_command_info_get(self):
        reply = self.cmd_py("COMMAND", "INFO", "get")
        self.assertEqual(len(reply), 1)
        info = reply[0]
        self.assertEqual(info[0], b"get")
        self.assertEqual(info[1], 2)
        self.assertEqual(set(info[2]), {b"readonly", b"fast"})
        self.assertEqual(info[3:6], [1, 1, 1])
        self.assertTrue({b"@read", b"@string", b"@fast"} <= set(info[6]))

    def test_command_info_set_and_missing(self):
        raw = self.cmd("COMMAND", "INFO", "set", "nosuchcmd")
        self.assertEqual(raw.type, "*")
        self.assertEqual(len(raw.value), 2)
        set_info, missing = raw.value
        self.assertEqual(set_info.value[0].value, b"set")
        self.assertEqual(set_info.value[1].value, -3)
        self.assertEqual((missing.type, missing.value), ("$", None))

    def test_command_docs_get(self):
        reply = self.cmd("COMMAND", "DOCS", "get")
        self.assertEqual(reply.type, "*")
        self.assertEqual(len(reply.value), 2)
        self.assertEqual(reply.value[0].value, b"get")
        doc = reply.value[1].to_py()
        fields = dict(zip(doc[::2], doc[1::2]))
        for f in (b"summary", b"since", b"group", b"complexity"):
            self.assertIn(f, fields)
        self.assertEqual(fields[b"group"], b"string")
        self.assertEqual(fields[b"since"], b"1.0.0")
        self.assertReply(["COMMAND", "DOCS", "nosuchcmd"], "*", [])

    def test_command_getkeys(self):
        self.assertEqual(self.cmd_py("COMMAND", "GETKEYS", "SET", "a", "b"), [b"a"])
        self.assertEqual(self.cmd_py("COMMAND", "GETKEYS", "MSET", "a", "1", "b", "2"),
                         [b"a", b"b"])
        self.assertEqual(self.cmd_py("COMMAND", "GETKEYS", "GET", "k"), [b"k"])

    def test_command_getkeys_follows_counts_keywords_and_optional_keys(self):
        many = ["k%d" % i for i in range(300)]
        cases = [
            (["ZUNIONSTORE", "target", len(many)] + many, ["target"] + many),
            (["XREAD", "COUNT", "2", "STREAMS", "s1", "s2", "0", "0"], ["s1", "s2"]),
            (["SORT", "k", "STORE", "d"], ["k", "d"]),
            (["GEORADIUS", "k", "0", "0", "1", "m", "STORE", "d"], ["k", "d"]),
            (["EVAL", "return 1", "0"], []),  # scripts need not name a key
            (["FCALL", "f", "2", "a", "b"], ["a", "b"]),
        ]
        for command, keys in cases:
            self.assertEqual(self.cmd_py("COMMAND", "GETKEYS", *command),
                             [k.encode() for k in keys], command[:3])

    def test_command_getkeys_errors(self):
        self.assertErrorReply(["COMMAND", "GETKEYS", "nosuchcmd", "a"], "ERR Invalid command specified")
        self.assertErrorReply(["COMMAND", "GETKEYS", "GET", "a", "b"],
                              "ERR Invalid number of arguments specified for command")
        self.assertErrorReply(["COMMAND", "GETKEYS", "PING", "x"], "ERR The command has no key arguments")
        self.assertErrorReply(["COMMAND", "GETKEYS", "GET"], arity("command|getkeys"))


class TestInfo(ServerTestCase):
    def info(self, *sections):
        reply = self.cmd("INFO", *sections)
        self.assertEqual(reply.type, "$")
        return parse_info(reply.value)

    def test_default_sections(self):
        sections, _ = self.info()
        for s in ("Server", "Clients", "Memory", "Persistence", "Stats", "Replication", "CPU",
                  "Keyspace"):
            self.assertIn(s, sections)
        self.assertNotIn("Commandstats", sections)

    def test_all_and_everything_include_commandstats(self):
        for arg in ("all", "everything"):
            sections, _ = self.info(arg)
            self.assertIn("Commandstats", sections)
            self.assertIn("Keyspace", sections)

    def test_server_section(self):
        sections, f = self.info("server")
        self.assertEqual(sections, ["Server"])
        self.assertTrue(f["redis_version"].startswith("7.0"), f["redis_version"])
        self.assertEqual(f["redis_mode"], "standalone")
        self.assertEqual(f["tcp_port"], str(self.port))
        self.assertEqual(int(f["process_id"]), self.server.proc.pid)
        self.assertGreaterEqual(int(f["uptime_in_seconds"]), 0)
        self.assertRegex(f["run_id"], r"^[0-9a-f]{40}$")

    def test_section_names_are_case_insensitive_and_combinable(self):
        sections, _ = self.info("SERVER")
        self.assertEqual(sections, ["Server"])
        sections, _ = self.info("server", "clients")
        self.assertEqual(sections, ["Server", "Clients"])

    def test_unknown_section_is_empty(self):
        self.assertReply(["INFO", "nosuchsection"], "$", b"")

    def test_clients_section_counts_connections(self):
        _, f = self.info("clients")
        before = int(f["connected_clients"])
        self.assertGreaterEqual(before, 1)
        extra = [self.raw_conn() for _ in range(3)]
        for c in extra:
            c.command("PING")
        _, f = self.info("clients")
        self.assertEqual(int(f["connected_clients"]), before + 3)
        for c in extra:
            c.close()
        self.wait_for(lambda: int(self.info("clients")[1]["connected_clients"]) == before,
                      timeout=5, msg="connected_clients to drop back")
        self.assertIn("maxclients", f)
        self.assertIn("blocked_clients", f)

    def test_memory_section(self):
        _, f = self.info("memory")
        self.assertGreater(int(f["used_memory"]), 0)
        self.assertRegex(f["used_memory_human"], r"^[0-9.]+[BKMGT]?$")
        self.assertIn("maxmemory", f)
        self.assertIn("maxmemory_policy", f)

    def test_persistence_section(self):
        sections, f = self.info("persistence")
        self.assertEqual(sections, ["Persistence"])
        self.assertEqual(f["loading"], "0")

    def test_stats_keyspace_hits_and_misses(self):
        self.r.set("k", "v")
        _, f = self.info("stats")
        hits, misses = int(f["keyspace_hits"]), int(f["keyspace_misses"])
        self.cmd("GET", "k")
        self.cmd("GET", "nope")
        self.cmd("GET", "nope2")
        _, f = self.info("stats")
        self.assertEqual(int(f["keyspace_hits"]), hits + 1)
        self.assertEqual(int(f["keyspace_misses"]), misses + 2)
        self.assertGreater(int(f["total_commands_processed"]), 0)
        self.assertGreater(int(f["total_connections_received"]), 0)

    def test_keyspace_section(self):
        sections, f = self.info("keyspace")
        self.assertEqual(sections, ["Keyspace"])
        self.assertEqual(f, {})  # empty databases are not listed
        self.r.set("a", "1")
        self.r.set("b", "2", ex=100)
        self.r.set("c", "3")
        self.cmd("SELECT", "3")
        self.cmd("SET", "z", "1")
        _, f = self.info("keyspace")
        self.assertEqual(set(f), {"db0", "db3"})
        self.assertRegex(f["db0"], r"^keys=3,expires=1,avg_ttl=\d+$")
        self.assertRegex(f["db3"], r"^keys=1,expires=0,avg_ttl=\d+$")

    def test_commandstats_after_resetstat(self):
        self.assertReply(["CONFIG", "RESETSTAT"], "+", b"OK")
        for i in range(3):
            self.cmd("SET", "k%d" % i, "v")
        self.cmd("SET", "k", "v", "EX", "0")  # fails inside the command
        self.cmd("GET", "a", "b")  # rejected: arity
        _, f = self.info("commandstats")
        self.assertRegex(f["cmdstat_set"],
                         r"^calls=4,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=0,failed_calls=1$")
        self.assertRegex(f["cmdstat_get"],
                         r"^calls=0,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=1,failed_calls=0$")

    def test_resetstat_clears_counters(self):
        self.cmd("GET", "nope")
        self.assertReply(["CONFIG", "RESETSTAT"], "+", b"OK")
        _, f = self.info("stats")
        self.assertEqual(f["keyspace_misses"], "0")
        self.assertEqual(f["keyspace_hits"], "0")
        _, f = self.info("commandstats")
        self.assertNotIn("cmdstat_get", f)


class TestConfig(ServerTestCase):
    def test_config_get_single(self):
        self.assertEqual(self.r.execute_command("CONFIG", "GET", "maxmemory"), [b"maxmemory", b"0"])
        self.assertEqual(self.r.execute_command("CONFIG", "GET", "port"),
                         [b"port", str(self.port).encode()])
        self.assertEqual(self.r.execute_command("CONFIG", "GET", "nosuchoption"), [])

    def test_config_get_glob(self):
        flat = self.r.execute_command("CONFIG", "GET", "maxmemory*")
        d = dict(zip(flat[::2], flat[1::2]))
        self.assertTrue({b"maxmemory", b"maxmemory-policy", b"maxmemory-samples"} <= set(d))
        self.assertTrue(all(k.startswith(b"maxmemory") for k in d))
        self.assertEqual(d[b"maxmemory-policy"], b"noeviction")

    def test_config_get_several_patterns(self):
        flat = self.r.execute_command("CONFIG", "GET", "port", "maxmemory")
        self.assertEqual(dict(zip(flat[::2], flat[1::2])),
                         {b"port": str(self.port).encode(), b"maxmemory": b"0"})

    def test_config_get_reflects_command_line(self):
        flat = self.r.execute_command("CONFIG", "GET", "save")
        self.assertEqual(flat, [b"save", b""])
        flat = self.r.execute_command("CONFIG", "GET", "appendonly")
        self.assertEqual(flat, [b"appendonly", b"no"])

    def test_config_set_then_get(self):
        try:
            self.assertReply(["CONFIG", "SET", "maxmemory", "10mb"], "+", b"OK")
            self.assertEqual(self.r.execute_command("CONFIG", "GET", "maxmemory"),
                             [b"maxmemory", b"10485760"])
            self.assertReply(["CONFIG", "SET", "maxmemory", "0", "maxmemory-policy", "allkeys-lru"],
                             "+", b"OK")
            flat = self.r.execute_command("CONFIG", "GET", "maxmemory-policy")
            self.assertEqual(flat, [b"maxmemory-policy", b"allkeys-lru"])
        finally:
            self.r.execute_command("CONFIG", "SET", "maxmemory", "0", "maxmemory-policy", "noeviction")

    def test_config_set_errors(self):
        self.assertErrorReply(
            ["CONFIG", "SET", "maxmemory", "abc"],
            "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value")
        self.assertErrorReply(["CONFIG", "SET", "nosuchoption", "1"],
                              "ERR Unknown option or number of arguments for CONFIG SET - 'nosuchoption'")
        self.assertEqual(self.r.execute_command("CONFIG", "GET", "maxmemory"), [b"maxmemory", b"0"])


class TestShutdown(ServerTestCase):
    flush_before_each_test = False

    def test_shutdown_nosave_makes_the_server_exit(self):
        self.assertErrorReply(["SHUTDOWN", "FOO"], "ERR syntax error")
        self.assertTrue(self.server.alive())
        self.server.expect_exit = True
        c = self.raw_conn()
        c.send(encode_command("SHUTDOWN", "NOSAVE"))
        data, closed = c.read_until_close(10)
        self.assertTrue(closed)
        self.assertEqual(data, b"")  # no reply: the connection just closes
        code = self.server.wait_exit(10)
        self.assertIsNotNone(code, "server still running 10s after SHUTDOWN NOSAVE")
        self.assertEqual(code, 0)


if __name__ == "__main__":
    main()
