"""bench_harness: what every table of scripts/bench shares.

Servers started side by side on free loopback ports (each in its own temp dir), a minimal RESP
client, one redis-benchmark run parsed from its --csv output, the cairn/redis comparison of a
throughput row against its target, and plain-text / Markdown table formatting. Errors of the
measurement itself are HarnessError; progress goes to stderr through log().
"""

import csv
import io
import os
import resource
import shlex
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

CLIENTS = 50
KEYSPACE = 100000                           # redis-benchmark -r
PIPELINES = (1, 16)
TARGET_RATIO = {1: 1.0, 16: 1.3}            # cairn ops/s / redis ops/s, per pipeline depth
START_TIMEOUT_S = 10
SHUTDOWN_TIMEOUT_S = 120                    # SIGTERM to exit, before a restart
NO_PERSISTENCE = ["--save", "", "--appendonly", "no"]

class HarnessError(Exception):
    """A failure of the measurement itself (not a missed target); message is shown as is."""


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Servers
# ---------------------------------------------------------------------------------------------

def free_ports(count):
    """`count` distinct free loopback ports (all held bound until every one is chosen)."""
    socks = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            socks.append(s)
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


class RespError(Exception):
    """An error reply (-ERR ..., -LOADING ...) from a server."""


def resp_command(args):
    parts = [b"*%d\r\n" % len(args)]
    for arg in args:
        data = arg if isinstance(arg, bytes) else str(arg).encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(parts)


def read_reply(f):
    """One non-array reply from file object f: str, int or None; raises RespError on -ERR."""
    line = f.readline()
    if not line.endswith(b"\r\n"):
        raise OSError("connection closed before a complete reply")
    kind, body = line[:1], line[1:-2].decode(errors="replace")
    if kind == b"+":
        return body
    if kind == b"-":
        raise RespError(body)
    if kind == b":":
        return int(body)
    if kind == b"$":
        if int(body) < 0:
            return None
        data = f.read(int(body) + 2)
        return data[:-2].decode(errors="replace")
    raise OSError(f"unexpected reply {line[:200]!r}")


def call(port, *args, timeout=10):
    """Send one command on a fresh connection and return its reply (see read_reply)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(resp_command(args))
        with sock.makefile("rb") as f:
            return read_reply(f)


class Server:
    """One server process (redis-server or cairn-server) in its own temp dir; `persistence`
    holds its persistence flags (default: off)."""

    def __init__(self, name, binary, port, extra_args=(), persistence=NO_PERSISTENCE):
        self.name = name
        self.binary = binary
        self.port = port
        self.extra_args = list(extra_args)
        self.persistence = list(persistence)
        self.dir = tempfile.mkdtemp(prefix=f"bench-{name}-")
        self.log_path = os.path.join(self.dir, "server.log")
        self.proc = None

    def command(self):
        return [self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
                "--dir", self.dir] + self.persistence + self.extra_args

    def start(self, timeout=START_TIMEOUT_S, poll_s=0.1):
        """Spawn the server and wait until it answers PING with +PONG (a -LOADING reply
        means not yet). Returns the seconds from spawning to that +PONG."""
        with open(self.log_path, "ab") as out:  # a restart appends to the same log
            spawned = time.monotonic()
            self.proc = subprocess.Popen(self.command(), cwd=self.dir, stdin=subprocess.DEVNULL,
                                         stdout=out, stderr=subprocess.STDOUT)
        deadline = spawned + timeout
        while True:
            if not self.alive():
                raise self.error(f"exited with status {self.proc.returncode} while starting")
            if self.answers_ping():
                return time.monotonic() - spawned
            if time.monotonic() > deadline:
                raise self.error(f"did not answer PING within {timeout} s")
            time.sleep(poll_s)

    def answers_ping(self):
        try:
            return call(self.port, "PING", timeout=2) == "PONG"
        except (OSError, RespError):
            return False

    def call(self, *args, timeout=10):
        try:
            return call(self.port, *args, timeout=timeout)
        except (OSError, RespError) as e:
            raise self.error(f"{' '.join(map(str, args))} failed: {e}")

    def info(self, section):
        """INFO `section` as a dict of strings."""
        text = self.call("INFO", section) or ""
        return dict(line.split(":", 1) for line in text.splitlines() if ":" in line)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def cpu_seconds(self):
        """User + system CPU time the server process (all its threads) has used so far."""
        try:
            with open(f"/proc/{self.proc.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()  # after "pid (comm)"
        except (OSError, IndexError):
            raise self.error("could not read its CPU time from /proc")
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime

    def log_tail(self, lines=20):
        try:
            with open(self.log_path, "r", errors="replace") as f:
                return "".join(f.readlines()[-lines:]) or "(log is empty)\n"
        except OSError:
            return "(no log)"

    def error(self, what):
        return HarnessError(f"{self.name} ({shlex.join(self.command())}): {what}.\n"
                            f"--- last lines of {self.name}'s log ---\n{self.log_tail()}")

    def shutdown(self, timeout=SHUTDOWN_TIMEOUT_S):
        """SIGTERM and wait for a clean exit, keeping the data dir (for a restart)."""
        if not self.alive():
            raise self.error(f"had exited with status {self.proc.returncode} before shutdown")
        self.proc.terminate()
        try:
            status = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise self.error(f"did not exit within {timeout} s of SIGTERM")
        if status != 0:
            raise self.error(f"exited with status {status} after SIGTERM")

    def stop(self):
        if self.alive():
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def start_all(servers):
    for server in servers:
        log(f"bench: starting {server.name}: {shlex.join(server.command())}")
        server.start()


def stop_all(servers):
    for server in servers:
        server.stop()



# ---------------------------------------------------------------------------------------------
# redis-benchmark
# ---------------------------------------------------------------------------------------------

def benchmark_timeout(requests, tests):
    # Generous: allows for a server as slow as 5000 ops/s on each test.
    return 120 + len(tests) * requests / 5000


def run_benchmark(server, value_size, pipeline, requests, clients=CLIENTS, tests=("SET", "GET"),
                  command=None, auth=None):
    """Run redis-benchmark once; return {test: row} (one row per test) with floats per CSV
    column. `tests` are redis-benchmark -t tests, named as its CSV prints them ("SET", "LPUSH").
    With `command` (an argv, e.g. ["XADD", "s", "*", "f", "v"]) redis-benchmark runs that
    command instead, and its row (which the CSV names by the whole command line) is returned
    under the one name in `tests`. auth: (user, password) to connect as (ACL), or None.
    Each row also gets "client_cpu": the cores redis-benchmark used over the run (CPU time /
    wall time; its one thread busy all along is 1.0)."""
    cmd = ["redis-benchmark", "-h", "127.0.0.1", "-p", str(server.port), "-c", str(clients),
           "-d", str(value_size), "-P", str(pipeline), "-r", str(KEYSPACE), "-n", str(requests),
           "--csv"]
    if auth:
        cmd += ["--user", auth[0], "-a", auth[1]]
    cmd += list(command) if command else ["-t", ",".join(t.lower() for t in tests)]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        cpu_before, started = children_cpu_seconds(), time.monotonic()
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        try:
            wait_for_benchmark(proc, server, cmd, benchmark_timeout(requests, tests), err)
        finally:
            if proc.poll() is None:  # interrupted: don't leave redis-benchmark behind
                proc.kill()
                proc.wait()
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode(errors="replace")
        stderr = err.read().decode(errors="replace")
    if proc.returncode != 0:
        raise server.error(f"redis-benchmark exited with status {proc.returncode}: "
                           f"{' '.join(cmd)}\n{stderr.strip()}\n{stdout.strip()}")
    client_cpu = (children_cpu_seconds() - cpu_before) / max(time.monotonic() - started, 1e-9)
    renames = {" ".join(command): tests[0]} if command else {}
    rows = parse_csv(stdout, server, cmd, tests, renames)
    for row in rows.values():
        row["client_cpu"] = client_cpu
    return rows


def children_cpu_seconds():
    """User + system CPU of this process's reaped children: around one redis-benchmark run
    (the servers, also children, are reaped only when they stop), that run's CPU."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def wait_for_benchmark(proc, server, cmd, timeout, err):
    """Wait for redis-benchmark, stopping it if the server dies or it runs too long
    (redis-benchmark 7.0 retries forever when it cannot connect)."""
    deadline = time.monotonic() + timeout
    while proc.poll() is None:
        problem = None
        if not server.alive():
            problem = f"exited with status {server.proc.returncode} during redis-benchmark"
        elif time.monotonic() > deadline:
            problem = f"redis-benchmark did not finish within {timeout:.0f} s"
        if problem:
            proc.kill()
            proc.wait()
            err.seek(0)
            tail = err.read().decode(errors="replace")[-2000:]
            raise server.error(f"{problem}: {' '.join(cmd)}\n{tail.strip()}")
        time.sleep(0.2)


def parse_csv(text, server, cmd, tests, renames):
    rows = {}
    for rec in csv.DictReader(io.StringIO(text)):
        try:
            name = renames.get(rec["test"], rec["test"])
            rows[name] = {k: float(v) for k, v in rec.items() if k != "test"}
        except (KeyError, TypeError, ValueError):
            continue
    for command in tests:
        if command not in rows or "rps" not in rows[command]:
            raise server.error(f"redis-benchmark printed no {command} row: {' '.join(cmd)}\n"
                               f"output was:\n{text.strip()}")
    return rows




# ---------------------------------------------------------------------------------------------
# Comparison rows and tables
# ---------------------------------------------------------------------------------------------

def median_of(rows, column):
    return statistics.median(r[column] for r in rows)


def compare(row, by_server, pipeline):
    """Fill `row` (a dict naming the test) with redis's and cairn's median rps, p50 and p99 over
    their CSV rows in by_server["redis"] / by_server["cairn"], the ratio cairn/redis, the
    target for `pipeline` and the targets it misses. Returns row."""
    for name in ("redis", "cairn"):
        for column in ("rps", "p50_latency_ms", "p99_latency_ms", "client_cpu"):
            row[f"{name}_{column}"] = median_of(by_server[name], column)
    row["ratio"] = row["cairn_rps"] / row["redis_rps"] if row["redis_rps"] else 0.0
    row["pipeline"] = pipeline
    row["target"] = TARGET_RATIO[pipeline]
    row["misses"] = misses(row)
    return row


# A client that used this many cores (redis-benchmark runs one thread) set the pace itself.
CLIENT_BOUND_CPU = 0.95


def client_cpu_cell(redis_cpu, cairn_cpu):
    """'redis / cairn' cores of the client, each marked * when the client was the limit."""
    def cell(cpu):
        return f"{cpu:.2f}{'*' if cpu >= CLIENT_BOUND_CPU else ''}"
    return f"{cell(redis_cpu)} / {cell(cairn_cpu)}"


CLIENT_CPU_NOTE = ("client CPU: the cores the one-threaded client (redis-benchmark, cache_bench) "
                   "used during the row's runs (median; its thread busy all along is 1.00). * "
                   "marks a client that was itself "
                   f"the limit (>= {CLIENT_BOUND_CPU:.2f}): that server could have gone faster, "
                   "and the ratio says less than it seems.")


def misses(r):
    out = []
    if round(r["ratio"], 2) < r["target"]:
        out.append(f"ratio {r['ratio']:.2f} < {r['target']:.1f}")
    if r["cairn_p99_latency_ms"] > r["redis_p99_latency_ms"]:
        out.append(f"p99 {r['cairn_p99_latency_ms']:.3f} > {r['redis_p99_latency_ms']:.3f} ms")
    return out


def format_text_table(headers, rows, numeric):
    """Aligned plain-text table; columns whose index is in `numeric` are right-justified."""
    rows = [headers] + rows
    widths = [max(len(row[i]) for row in rows) for i in range(len(headers))]

    def fmt(row):
        return "  ".join(cell.rjust(w) if i in numeric else cell.ljust(w)
                         for i, (cell, w) in enumerate(zip(row, widths))).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([fmt(rows[0]), rule] + [fmt(row) for row in rows[1:]])


def format_markdown_table(headers, rows, numeric):
    align = ["---:" if i in numeric else "---" for i in range(len(headers))]
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)
