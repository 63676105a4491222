"""Real client programs against the server: redis-cli, redis-benchmark,
redis-py pipelines, big values and many concurrent connections.

Run: /usr/bin/python3 -m unittest -v tests/integration/test_clients.py
"""

import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ServerTestCase, encode_command, main  # noqa: E402

REDIS_CLI = shutil.which("redis-cli") or "/usr/bin/redis-cli"
REDIS_BENCHMARK = shutil.which("redis-benchmark") or "/usr/bin/redis-benchmark"


def need(tool):
    return unittest.skipUnless(os.path.exists(tool), "%s is not installed" % tool)


class ClientsTestCase(ServerTestCase):
    def cli(self, *args, stdin=None, timeout=60):
        """Run redis-cli against the server; returns CompletedProcess (bytes)."""
        return subprocess.run([REDIS_CLI, "-h", "127.0.0.1", "-p", str(self.port)] + list(args),
                              input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=timeout)


@need(REDIS_CLI)
class TestRedisCli(ClientsTestCase):
    def test_one_shot_set_and_get(self):
        p = self.cli("set", "a", "b")
        self.assertEqual((p.returncode, p.stdout), (0, b"OK\n"))
        p = self.cli("get", "a")
        self.assertEqual((p.returncode, p.stdout), (0, b"b\n"))

    def test_one_shot_integer_nil_and_array_output(self):
        self.assertEqual(self.cli("incr", "n").stdout, b"1\n")
        self.assertEqual(self.cli("get", "nope").stdout, b"\n")
        self.r.set("x", "1")
        self.assertEqual(self.cli("mget", "x", "nope", "n").stdout, b"1\n\n1\n")

    def test_one_shot_no_raw_formatting(self):
        self.r.set("a", "b")
        self.assertEqual(self.cli("--no-raw", "get", "a").stdout, b'"b"\n')
        self.assertEqual(self.cli("--no-raw", "incr", "n").stdout, b"(integer) 1\n")
        self.assertEqual(self.cli("--no-raw", "get", "nope").stdout, b"(nil)\n")
        p = self.cli("--no-raw", "nosuchcmd")
        self.assertEqual(p.stdout,
                         b"(error) ERR unknown command 'nosuchcmd', with args beginning with: \n")

    def test_one_shot_error_exit_code_with_e(self):
        p = self.cli("-e", "nosuchcmd", "x")
        self.assertEqual(p.returncode, 1)
        self.assertIn(b"ERR unknown command 'nosuchcmd'", p.stdout + p.stderr)

    def test_commands_from_stdin(self):
        p = self.cli(stdin=b"ping\n")
        self.assertEqual((p.returncode, p.stdout), (0, b"PONG\n"))
        p = self.cli(stdin=b"set x 1\nget x\nincr x\n")
        self.assertEqual(p.stdout, b"OK\n1\n2\n")

    def test_select_db_with_n(self):
        self.assertEqual(self.cli("-n", "3", "set", "k", "db3").stdout, b"OK\n")
        self.assertIsNone(self.r.get("k"))
        self.assertEqual(self.cli("-n", "3", "get", "k").stdout, b"db3\n")
        self.assertEqual(self.cli("-n", "3", "dbsize").stdout, b"1\n")

    def test_value_from_stdin_with_x(self):
        p = self.cli("-x", "set", "fromstdin", stdin=b"line1\nline2\n")
        self.assertEqual(p.stdout, b"OK\n")
        self.assertEqual(self.r.get("fromstdin"), b"line1\nline2\n")

    def test_pipe_mass_insertion_of_100000_sets(self):
        tmp = tempfile.NamedTemporaryFile(prefix="cairn-pipe-", suffix=".resp", delete=False)
        try:
            with tmp:
                chunk = []
                for i in range(100000):
                    chunk.append(encode_command("SET", "key:%d" % i, "value:%d" % i))
                    if len(chunk) == 5000:
                        tmp.write(b"".join(chunk))
                        chunk = []
                tmp.write(b"".join(chunk))
            with open(tmp.name, "rb") as f:
                p = subprocess.run([REDIS_CLI, "-h", "127.0.0.1", "-p", str(self.port), "--pipe"],
                                   stdin=f, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   timeout=120)
        finally:
            os.unlink(tmp.name)
        out = p.stdout.decode()
        self.assertIn("errors: 0, replies: 100000", out)
        self.assertEqual(p.returncode, 0, out)
        self.assertEqual(self.r.dbsize(), 100000)
        self.assertEqual(self.r.get("key:0"), b"value:0")
        self.assertEqual(self.r.get("key:99999"), b"value:99999")

    def test_pipe_counts_errors(self):
        data = encode_command("SET", "a", "1") + encode_command("NOSUCHCMD") + encode_command("INCR", "a")
        p = self.cli("--pipe", stdin=data)
        out = p.stdout.decode() + p.stderr.decode()
        self.assertIn("errors: 1, replies: 3", out)
        self.assertEqual(self.r.get("a"), b"2")


@need(REDIS_BENCHMARK)
class TestRedisBenchmark(ClientsTestCase):
    def test_benchmark_runs_set_get_incr(self):
        p = subprocess.run([REDIS_BENCHMARK, "-h", "127.0.0.1", "-p", str(self.port),
                            "-n", "5000", "-c", "10", "-P", "8", "-t", "set,get,incr", "--csv"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
        out = p.stdout.decode()
        self.assertEqual(p.returncode, 0, out)
        rows = {line.split(",")[0].strip('"') for line in out.splitlines() if line.startswith('"')}
        self.assertTrue({"SET", "GET", "INCR"} <= rows, out)
        # without -r every SET writes the literal key "key:__rand_int__"
        self.assertEqual(self.r.strlen("key:__rand_int__"), 3)  # default -d 3
        self.assertEqual(self.r.get("counter:__rand_int__"), b"5000")


class TestRedisPy(ClientsTestCase):
    def test_pipeline_of_10000_commands(self):
        pipe = self.r.pipeline(transaction=False)
        for i in range(5000):
            pipe.set("k:%d" % i, i)
            pipe.incr("counter")
        results = pipe.execute()
        self.assertEqual(len(results), 10000)
        self.assertEqual(results[0::2], [True] * 5000)
        self.assertEqual(results[1::2], list(range(1, 5001)))
        pipe = self.r.pipeline(transaction=False)
        for i in range(5000):
            pipe.get("k:%d" % i)
        self.assertEqual(pipe.execute(), [str(i).encode() for i in range(5000)])

    def test_pipeline_with_an_error_reports_it_in_place(self):
        pipe = self.r.pipeline(transaction=False)
        pipe.set("a", "x")
        pipe.incr("a")
        pipe.get("a")
        results = pipe.execute(raise_on_error=False)
        self.assertTrue(results[0])
        self.assertIsInstance(results[1], Exception)
        self.assertIn("value is not an integer or out of range", str(results[1]))
        self.assertEqual(results[2], b"x")

    def test_64mb_value_round_trip(self):
        value = random.Random(42).randbytes(64 * 1024 * 1024)
        client = self.server.client(socket_timeout=120)
        try:
            self.assertTrue(client.set("huge", value))
            self.assertEqual(client.strlen("huge"), len(value))
            got = client.get("huge")
            self.assertEqual(len(got), len(value))
            self.assertTrue(got == value, "64 MB value came back different")
            self.assertEqual(client.getrange("huge", 1000000, 1000009), value[1000000:1000010])
            self.assertEqual(client.delete("huge"), 1)
        finally:
            client.close()

    def test_200_concurrent_connections(self):
        n = 200
        barrier = threading.Barrier(n + 1, timeout=60)
        done = threading.Barrier(n + 1, timeout=60)
        errors = []

        def worker(idx):
            client = self.server.client(single_connection_client=True, socket_timeout=30)
            try:
                client.client_setname("worker-%d" % idx)
                for j in range(20):
                    key = "w:%d:%d" % (idx, j)
                    client.set(key, "%d-%d" % (idx, j))
                    if client.get(key) != b"%d-%d" % (idx, j):
                        errors.append("worker %d read back a wrong value for %s" % (idx, key))
                barrier.wait()  # all connections are open and named
                done.wait()     # keep them open until CLIENT LIST was checked
            except Exception as e:  # report, then release the barriers
                errors.append("worker %d: %r" % (idx, e))
                barrier.abort()
                done.abort()
            finally:
                client.close()

        threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(n)]
        for t in threads:
            t.start()
        try:
            barrier.wait()
            listing = self.r.execute_command("CLIENT", "LIST").decode()
            names = {field[5:] for line in listing.splitlines()
                     for field in line.split(" ") if field.startswith("name=")}
            info_clients = self.r.info("clients")["connected_clients"]
        except threading.BrokenBarrierError:
            names, info_clients = set(), 0
        finally:
            try:
                done.wait()
            except threading.BrokenBarrierError:
                pass
        for t in threads:
            t.join(60)
        self.assertEqual(errors, [])
        self.assertTrue({"worker-%d" % i for i in range(n)} <= names,
                        "CLIENT LIST misses %d workers" % (n - len(names & {"worker-%d" % i for i in range(n)})))
        self.assertGreaterEqual(info_clients, n + 1)
        self.assertEqual(self.r.dbsize(), n * 20)
        self.assertEqual(self.r.get("w:199:19"), b"199-19")


if __name__ == "__main__":
    main()
