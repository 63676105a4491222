"""Large replies and back-pressure: a client reading a reply far larger than the output
high-water mark gets all of it, and the commands pipelined behind it still run."""
import os
import socket
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ServerTestCase, encode_command  # noqa: E402


class TestBackpressure(ServerTestCase):
    def test_commands_behind_a_huge_pipelined_reply_still_run(self):
        value = b"v" * (1024 * 1024)
        self.r.set("big", value)
        s = socket.create_connection(("127.0.0.1", self.port))
        # 48 MB of replies (three times the high-water mark), then a PING.
        s.sendall(encode_command("GET", "big") * 48 + encode_command("PING"))
        expected = (b"$%d\r\n" % len(value) + value + b"\r\n") * 48 + b"+PONG\r\n"
        got = bytearray()
        s.settimeout(30)
        while len(got) < len(expected):
            chunk = s.recv(1 << 20)
            if not chunk:
                break
            got += chunk
        s.close()
        self.assertEqual(len(got), len(expected))
        self.assertTrue(bytes(got[-7:]) == b"+PONG\r\n")

    def test_slow_reader_still_gets_every_reply(self):
        self.r.set("k", b"x" * 65536)
        s = socket.create_connection(("127.0.0.1", self.port))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        s.sendall(encode_command("GET", "k") * 40 + encode_command("ECHO", "done"))
        total = 40 * (len(b"$65536\r\n") + 65536 + 2) + len(b"$4\r\ndone\r\n")
        got = 0
        tail = b""
        s.settimeout(30)
        while got < total:
            chunk = s.recv(8192)
            if not chunk:
                break
            got += len(chunk)
            tail = (tail + chunk)[-16:]
        s.close()
        self.assertEqual(got, total)
        self.assertTrue(tail.endswith(b"$4\r\ndone\r\n"))


if __name__ == "__main__":
    unittest.main()
