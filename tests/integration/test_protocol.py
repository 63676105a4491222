"""RESP / inline protocol handling on raw sockets, checked against Redis 7.0.

Run: /usr/bin/python3 -m unittest -v tests/integration/test_protocol.py
"""

import os
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ServerTestCase, encode_command, main, parse_all  # noqa: E402

PREFIX = encode_command("SET", "before", "1") + encode_command("GET", "before")
PREFIX_REPLIES = b"+OK\r\n$1\r\n1\r\n"
AFTER = encode_command("SET", "after", "1")


def proto_error(text):
    return b"-ERR Protocol error: " + text + b"\r\n"


class ProtocolTestCase(ServerTestCase):
    def assertProtocolError(self, bad, error_text, with_after=True):
        """Pipelined good commands, then `bad`, then another command: the
        earlier replies arrive first, then the protocol error, then the
        connection is closed; the later command is not executed; other
        connections keep working."""
        bystander = self.raw_conn()
        self.assertEqual(bystander.command("PING").value, b"PONG")
        c = self.raw_conn()
        c.send(PREFIX + bad + (AFTER if with_after else b""))
        data, closed = c.read_until_close(5)
        self.assertEqual(data, PREFIX_REPLIES + proto_error(error_text))
        self.assertTrue(closed, "connection was not closed after the protocol error")
        if with_after:
            self.assertIsNone(self.r.get("after"))
        self.assertEqual(self.r.get("before"), b"1")
        self.assertEqual(bystander.command("PING").value, b"PONG")
        self.assertEqual(self.raw_conn().command("ECHO", "alive").value, b"alive")


class TestInline(ProtocolTestCase):
    def test_inline_ping(self):
        self.assertEqual(self.raw(b"PING\r\n"), b"+PONG\r\n")

    def test_inline_set_and_get(self):
        self.assertEqual(self.raw(b"SET a b\r\nGET a\r\n", replies=2), b"+OK\r\n$1\r\nb\r\n")

    def test_inline_double_quotes(self):
        self.assertEqual(self.raw(b'SET a "hello world"\r\nGET a\r\n', replies=2),
                         b"+OK\r\n$11\r\nhello world\r\n")

    def test_inline_single_quotes(self):
        self.assertEqual(self.raw(b"SET a 'x y'\r\nGET a\r\n", replies=2), b"+OK\r\n$3\r\nx y\r\n")

    def test_inline_escapes_inside_double_quotes(self):
        self.raw(b'SET a "\\x41\\n\\t\\"q\\\\"\r\n')
        self.assertEqual(self.r.get("a"), b'A\n\t"q\\')

    def test_inline_empty_quoted_argument(self):
        self.raw(b'SET a ""\r\n')
        self.assertEqual(self.r.get("a"), b"")

    def test_inline_extra_spaces_and_empty_lines(self):
        self.assertEqual(self.raw(b"\r\n\r\n   PING   \r\n"), b"+PONG\r\n")
        self.assertEqual(self.raw(b"SET   a    b\r\n"), b"+OK\r\n")
        self.assertEqual(self.r.get("a"), b"b")

    def test_inline_with_bare_newline(self):
        self.assertEqual(self.raw(b"ping\nping\n", replies=2), b"+PONG\r\n+PONG\r\n")

    def test_inline_and_multibulk_mixed_in_one_stream(self):
        data = b"SET a 1\r\n" + encode_command("INCR", "a") + b"GET a\r\n"
        self.assertEqual(self.raw(data, replies=3), b"+OK\r\n:2\r\n$1\r\n2\r\n")

    def test_inline_unknown_command(self):
        self.assertEqual(self.raw(b"+PING\r\n"),
                         b"-ERR unknown command '+PING', with args beginning with: \r\n")

    def test_empty_multibulk_is_ignored(self):
        self.assertEqual(self.raw(b"*0\r\nPING\r\n"), b"+PONG\r\n")
        self.assertEqual(self.raw(b"*-1\r\nPING\r\n"), b"+PONG\r\n")

    def test_empty_bulk_arguments(self):
        self.assertEqual(self.raw(b"*2\r\n$3\r\nGET\r\n$0\r\n\r\n"), b"$-1\r\n")
        self.assertEqual(self.raw(b"*1\r\n$0\r\n\r\n"),
                         b"-ERR unknown command '', with args beginning with: \r\n")


class TestPipelining(ProtocolTestCase):
    def test_pipeline_of_10000_commands_in_one_send(self):
        data = b"".join(encode_command("INCR", "counter") for _ in range(10000))
        c = self.raw_conn()
        c.send(data)
        out = c.read_replies_bytes(10000, timeout=30)
        self.assertEqual(out, b"".join(b":%d\r\n" % i for i in range(1, 10001)))
        self.assertEqual(self.r.get("counter"), b"10000")

    def test_pipeline_of_mixed_commands_keeps_order(self):
        cmds, expected = [], []
        for i in range(2500):
            cmds.append(encode_command("SET", "k:%d" % i, "v:%d" % i))
            expected.append(b"+OK\r\n")
            cmds.append(encode_command("GET", "k:%d" % i))
            v = b"v:%d" % i
            expected.append(b"$%d\r\n%s\r\n" % (len(v), v))
            cmds.append(b"EXISTS k:%d nope\r\n" % i)  # inline in the same stream
            expected.append(b":1\r\n")
            cmds.append(encode_command("GET", "missing"))
            expected.append(b"$-1\r\n")
        c = self.raw_conn()
        c.send(b"".join(cmds))
        out = c.read_replies_bytes(10000, timeout=30)
        self.assertEqual(out, b"".join(expected))

    def test_pipeline_with_errors_in_the_middle(self):
        data = (encode_command("SET", "a", "1") + encode_command("INCR", "a", "extra")
                + encode_command("NOSUCH") + encode_command("INCR", "a"))
        replies, _ = parse_all(self.raw(data, replies=4))
        self.assertEqual([r.type for r in replies], ["+", "-", "-", ":"])
        self.assertEqual(replies[3].value, 2)

    def test_many_connections_pipelining_at_once(self):
        conns = [self.raw_conn() for _ in range(20)]
        for n, c in enumerate(conns):
            c.send(b"".join(encode_command("INCR", "c%d" % n)
                            for _ in range(500)))
        for n, c in enumerate(conns):
            out = c.read_replies_bytes(500, timeout=30)
            self.assertEqual(out, b"".join(b":%d\r\n" % i for i in range(1, 501)))


class TestFragmentation(ProtocolTestCase):
    def send_slowly(self, c, data, delay=0.001):
        for i in range(len(data)):
            c.send(data[i:i + 1])
            time.sleep(delay)

    def test_multibulk_command_split_byte_by_byte(self):
        c = self.raw_conn()
        self.send_slowly(c, encode_command("SET", "key", "value") + encode_command("GET", "key"))
        self.assertEqual(c.read_replies_bytes(2), b"+OK\r\n$5\r\nvalue\r\n")

    def test_inline_command_split_byte_by_byte(self):
        c = self.raw_conn()
        self.send_slowly(c, b'SET key "a b"\r\nGET key\r\n')
        self.assertEqual(c.read_replies_bytes(2), b"+OK\r\n$3\r\na b\r\n")

    def test_crlf_split_between_packets(self):
        c = self.raw_conn()
        for part in (b"*2\r", b"\n$4\r\nECHO\r", b"\n$2\r\nhi\r", b"\n"):
            c.send(part)
            time.sleep(0.05)
        self.assertEqual(c.read_replies_bytes(1), b"$2\r\nhi\r\n")

    def test_large_value_sent_in_chunks(self):
        value = bytes(range(256)) * 4096  # 1 MiB
        data = encode_command("SET", "big", value)
        c = self.raw_conn()
        for i in range(0, len(data), 65521):
            c.send(data[i:i + 65521])
            time.sleep(0.002)
        self.assertEqual(c.read_replies_bytes(1, timeout=30), b"+OK\r\n")
        self.assertEqual(self.r.get("big"), value)


class TestProtocolErrors(ProtocolTestCase):
    def test_invalid_multibulk_length(self):
        self.assertProtocolError(b"*abc\r\n", b"invalid multibulk length")

    def test_multibulk_length_with_trailing_garbage(self):
        self.assertProtocolError(b"*1x\r\n", b"invalid multibulk length")

    def test_multibulk_length_too_large(self):
        self.assertProtocolError(b"*3000000000\r\n", b"invalid multibulk length")

    def test_invalid_bulk_length(self):
        self.assertProtocolError(b"*1\r\n$abc\r\n", b"invalid bulk length")

    def test_negative_bulk_length(self):
        self.assertProtocolError(b"*1\r\n$-1\r\n", b"invalid bulk length")

    def test_bulk_length_above_proto_max_bulk_len_default(self):
        self.assertProtocolError(b"*1\r\n$600000000\r\n", b"invalid bulk length")

    def test_expected_dollar(self):
        self.assertProtocolError(b"*1\r\nX4\r\nPING\r\n", b"expected '$', got 'X'")

    def test_expected_dollar_reports_the_byte_seen(self):
        self.assertProtocolError(b"*2\r\n$3\r\nGET\r\n:1\r\n", b"expected '$', got ':'")

    def test_unbalanced_double_quotes(self):
        self.assertProtocolError(b'SET a "b\r\n', b"unbalanced quotes in request")

    def test_unbalanced_single_quotes(self):
        self.assertProtocolError(b"SET a 'b\r\n", b"unbalanced quotes in request")

    def test_closing_quote_followed_by_character(self):
        self.assertProtocolError(b'SET a "b"c\r\n', b"unbalanced quotes in request")

    def test_too_big_inline_request(self):
        self.assertProtocolError(b"a" * 100000, b"too big inline request", with_after=False)

    def test_too_big_multibulk_count_line(self):
        self.assertProtocolError(b"*" + b"1" * 70000, b"too big mbulk count string", with_after=False)

    def test_too_big_bulk_count_line(self):
        self.assertProtocolError(b"*1\r\n$" + b"1" * 70000, b"too big bulk count string",
                                 with_after=False)

    def test_inline_line_under_64kb_without_newline_waits(self):
        c = self.raw_conn()
        c.send(b"ECHO " + b"a" * 30000)
        data, closed = c.read_until_close(0.5)
        self.assertEqual((data, closed), (b"", False))
        c.send(b"\r\n")
        reply = c.read_reply()
        self.assertEqual(reply.value, b"a" * 30000)


class TestProtoMaxBulkLen(ProtocolTestCase):
    # redis 7.0 refuses values below 1mb for this option
    server_args = ["--proto-max-bulk-len", "1mb"]

    def test_bulk_longer_than_proto_max_bulk_len(self):
        self.assertProtocolError(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2000000\r\n",
                                 b"invalid bulk length")
        self.assertIsNone(self.r.get("k"))

    def test_bulk_within_proto_max_bulk_len_works(self):
        value = b"v" * 1000000
        self.assertTrue(self.r.set("k", value))
        self.assertEqual(self.r.get("k"), value)


class TestQueryBufferLimit(ProtocolTestCase):
    server_args = ["--client-query-buffer-limit", "1mb"]

    def test_unfinished_command_over_the_limit_closes_the_connection(self):
        bystander = self.raw_conn()
        bystander.command("PING")
        c = self.raw_conn()
        c.send(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5000000\r\n")
        chunk = b"x" * 65536
        try:
            for _ in range(32):  # 2 MiB, never completing the 5 MB bulk
                c.send(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may close while we are still sending
        data, closed = c.read_until_close(10)
        self.assertTrue(closed, "connection over client-query-buffer-limit was not closed")
        self.assertNotIn(b"+OK", data)
        self.assertTrue(self.server.alive())
        self.assertEqual(bystander.command("PING").value, b"PONG")
        self.assertIsNone(self.r.get("k"))

    def test_commands_under_the_limit_work(self):
        value = b"y" * 900000
        self.assertTrue(self.r.set("k", value))
        self.assertEqual(self.r.get("k"), value)


class TestUnauthenticatedLimits(ProtocolTestCase):
    server_args = ["--requirepass", "pw"]
    client_kwargs = {"password": "pw"}

    def test_unauthenticated_multibulk_length_limit(self):
        c = self.raw_conn()
        c.send(b"*11\r\n")
        data, closed = c.read_until_close(5)
        self.assertEqual(data, proto_error(b"unauthenticated multibulk length"))
        self.assertTrue(closed)

    def test_unauthenticated_bulk_length_limit(self):
        c = self.raw_conn()
        c.send(b"*1\r\n$16385\r\n")
        data, closed = c.read_until_close(5)
        self.assertEqual(data, proto_error(b"unauthenticated bulk length"))
        self.assertTrue(closed)

    def test_limits_do_not_apply_after_auth(self):
        c = self.raw_conn()
        self.assertEqual(c.command("AUTH", "pw").value, b"OK")
        value = b"z" * 20000
        reply = c.command("MSET", "a", "1", "b", "2", "c", "3", "d", "4", "e", value)
        self.assertEqual(reply.value, b"OK")
        self.assertEqual(self.r.get("e"), value)


if __name__ == "__main__":
    main()
