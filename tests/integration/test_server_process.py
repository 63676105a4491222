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


def thread_cpus(pid):
    """{thread name: [Cpus_allowed_list of each thread of that name]} of process pid."""
    out = {}
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/comm" % (pid, tid)) as f:
                name = f.read().strip()
            with open("/proc/%d/task/%s/status" % (pid, tid)) as f:
                cpus = [line.split()[1] for line in f if line.startswith("Cpus_allowed_list")][0]
        except (FileNotFoundError, ProcessLookupError):
            continue  # a thread that ended meanwhile
        out.setdefault(name, []).append(cpus)
    return out


@skip_on_reference("cairn's own threads (Redis forks its savers)")
class TestThreadPlacement(ServerTestCase):
    """server_cpulist, bio_cpulist and bgsave_cpulist pin each kind of thread as Redis pins
    its own; the threads carry names top -H shows."""

    # The first two CPUs this process may use: a and b.
    CPUS = sorted(os.sched_getaffinity(0))[:2]

    @classmethod
    def setUpClass(cls):
        if len(cls.CPUS) < 2:
            raise unittest.SkipTest("needs two CPUs")
        a, b = cls.CPUS
        cls.server_args = ["--appendonly", "yes", "--server_cpulist", str(a),
                           "--bio_cpulist", "%d,%d" % (a, b), "--bgsave_cpulist", str(b)]
        super().setUpClass()

    def test_each_kind_of_thread_runs_on_its_cpus(self):
        a, b = self.CPUS
        threads = thread_cpus(self.server.proc.pid)
        self.assertEqual(threads["io_thd_0"], [str(a)])
        self.assertEqual(threads["server_cron"], [str(a)])
        self.assertEqual(threads["cairn-server"], [str(a)])
        both = "%d-%d" % (a, b) if b == a + 1 else "%d,%d" % (a, b)
        self.assertEqual(threads["bio_wal_commit"], [both])

    def test_a_background_save_runs_on_the_bgsave_cpus(self):
        self.r.mset({"k%d" % i: i for i in range(20)})
        self.r.config_set("rdb-key-save-delay", 100000)  # 0.1 s a key
        self.addCleanup(self.r.config_set, "rdb-key-save-delay", 0)
        self.r.bgsave()
        deadline = time.time() + 10
        while "rdb_bgsave" not in thread_cpus(self.server.proc.pid):
            self.assertLess(time.time(), deadline, "no rdb_bgsave thread")
            time.sleep(0.02)
        self.assertEqual(thread_cpus(self.server.proc.pid)["rdb_bgsave"], [str(self.CPUS[1])])


@skip_on_reference("cairn's warning text")
class TestInvalidCpuList(ServerTestCase):
    server_args = ["--server_cpulist", "3-1", "--bgsave_cpulist", "1000"]

    def test_an_invalid_list_is_ignored_with_a_warning(self):
        log = self.server.log_text()
        self.assertIn("invalid server_cpulist '3-1' ignored", log)
        self.assertIn("bgsave_cpulist '1000' names no CPU this process may use; ignored", log)
        with open("/proc/self/status") as f:
            ours = [line.split()[1] for line in f if line.startswith("Cpus_allowed_list")][0]
        self.assertEqual(thread_cpus(self.server.proc.pid)["io_thd_0"], [ours])


def oom_score(pid):
    with open("/proc/%d/oom_score_adj" % pid) as f:
        return int(f.read())


class TestOomScoreAdj(ServerTestCase):
    """oom-score-adj and oom-score-adj-values, against redis-server as well."""

    def set_score_from_outside(self, score):
        with open("/proc/%d/oom_score_adj" % self.server.proc.pid, "w") as f:
            f.write("%d\n" % score)

    def tearDown(self):
        self.r.config_set("oom-score-adj", "no")
        super().tearDown()

    def test_absolute_scores_follow_the_values_and_the_role(self):
        pid = self.server.proc.pid
        self.set_score_from_outside(5)
        self.r.config_set("oom-score-adj-values", "10 20 30")
        self.assertEqual(oom_score(pid), 5)  # oom-score-adj is no
        self.r.config_set("oom-score-adj", "absolute")
        self.assertEqual(oom_score(pid), 10)
        self.r.config_set("oom-score-adj-values", "15 25 35")
        self.assertEqual(oom_score(pid), 15)
        self.r.replicaof("127.0.0.1", "1")  # a replica (of nothing that answers)
        self.assertEqual(oom_score(pid), 25)
        self.r.replicaof("no", "one")
        self.assertEqual(oom_score(pid), 15)
        self.r.config_set("oom-score-adj", "no")  # the score from before, back
        self.assertEqual(oom_score(pid), 5)

    def test_relative_scores_add_to_the_score_the_server_had(self):
        pid = self.server.proc.pid
        self.set_score_from_outside(50)
        self.r.config_set("oom-score-adj-values", "100 200 800")
        self.r.config_set("oom-score-adj", "relative")
        self.assertEqual(oom_score(pid), 150)
        self.r.config_set("oom-score-adj-values", "2000 2000 2000")
        self.assertEqual(oom_score(pid), 1000)  # clamped
        self.r.config_set("oom-score-adj", "no")
        self.assertEqual(oom_score(pid), 50)


if __name__ == "__main__":
    unittest.main()
