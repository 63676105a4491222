"""Compiles hiredis_client.c against the system hiredis (0.14 API) and runs
each of its checks against the server.

Run: /usr/bin/python3 -m unittest -v tests/integration/test_hiredis.py
"""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ServerTestCase, main  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, "hiredis_client.c")
CC = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
HAVE_HIREDIS = os.path.exists("/usr/include/hiredis/hiredis.h")


@unittest.skipUnless(CC and HAVE_HIREDIS, "needs a C compiler and libhiredis-dev")
class TestHiredisClient(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        cls.build_dir = tempfile.mkdtemp(prefix="cairn-hiredis-")
        cls.exe = os.path.join(cls.build_dir, "hiredis_client")
        p = subprocess.run([CC, "-O1", "-Wall", SOURCE, "-lhiredis", "-o", cls.exe],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
        if p.returncode != 0:
            shutil.rmtree(cls.build_dir, ignore_errors=True)
            raise RuntimeError("compiling %s failed:\n%s" % (SOURCE, p.stdout.decode()))
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            shutil.rmtree(cls.build_dir, ignore_errors=True)

    def run_check(self, name):
        p = subprocess.run([self.exe, str(self.port), name], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=120)
        out = p.stdout.decode() + p.stderr.decode()
        self.assertEqual(p.returncode, 0, "hiredis check %s failed:\n%s" % (name, out))
        self.assertIn("ok %s" % name, out)

    def test_ping_replies_status_and_bulk(self):
        self.run_check("ping")

    def test_binary_key_and_value_round_trip(self):
        self.run_check("binary_value")
        self.assertEqual(self.r.get(b"bin\x00key\r\n"), b"a\x00b\r\n$5\r\n*1\r\n\x00\xff\x01")

    def test_4mb_value_round_trip(self):
        self.run_check("large_value")

    def test_nil_integer_and_array_reply_types(self):
        self.run_check("nil_and_array")

    def test_1000_pipelined_incrs(self):
        self.run_check("pipelined_incr")
        self.assertEqual(self.r.get("counter"), b"1000")

    def test_pipeline_with_errors_in_between(self):
        self.run_check("pipelined_mixed")

    def test_error_replies(self):
        self.run_check("errors")

    def test_redis_command_argv(self):
        self.run_check("argv")
        self.assertEqual(self.r.get("argv key"), b"argv\x00value")

    def test_expire_ttl_and_incrbyfloat(self):
        self.run_check("expire_and_ttl")

    def test_all_checks_in_one_connection(self):
        p = subprocess.run([self.exe, str(self.port)], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=120)
        out = p.stdout.decode() + p.stderr.decode()
        self.assertEqual(p.returncode, 0, out)
        self.assertEqual(out.count("ok "), 9, out)


if __name__ == "__main__":
    main()
