"""Shared harness for cairn's integration tests.

Starts a real server binary (cairn-server, or Debian's redis-server as the
reference implementation) on a free port and talks to it with real clients.

Binary selection:
  * env CAIRN_SERVER=/path/to/binary   -> that binary (required for cairn)
  * CAIRN_SERVER unset                 -> /usr/bin/redis-server (reference),
                                          announced on stderr.

Every server is started as
  <binary> --port P --bind 127.0.0.1 --dir <tempdir> --save "" --appendonly no
           <extra args>
and its stdout/stderr go to <tempdir>/server.log. DurableServer instead keeps one data
directory across restarts and turns the append-only log on (persistence_args).

Only the standard library and redis-py are used.
"""

import atexit
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

try:
    import redis  # redis-py (python3-redis)
except ImportError:  # pragma: no cover - reported clearly instead of a trace
    sys.stderr.write("redis-py is required: run the tests with /usr/bin/python3\n")
    raise

REFERENCE_BINARY = "/usr/bin/redis-server"
STARTUP_TIMEOUT = 10.0
SHUTDOWN_TIMEOUT = 10.0

_announced = False


def server_binary():
    """The server under test: $CAIRN_SERVER, else the reference redis-server."""
    global _announced
    path = os.environ.get("CAIRN_SERVER")
    if path:
        # the server runs with its temp dir as cwd: make the path absolute
        if os.sep in path:
            path = os.path.abspath(path)
        else:
            path = shutil.which(path) or path
        if not _announced:
            sys.stderr.write("[harness] server binary: %s (from CAIRN_SERVER)\n" % path)
            _announced = True
        return path
    if not _announced:
        sys.stderr.write(
            "[harness] CAIRN_SERVER is unset; using reference %s\n" % REFERENCE_BINARY)
        _announced = True
    return REFERENCE_BINARY


def is_reference_redis():
    """True when the binary under test is the real redis-server."""
    return os.path.basename(server_binary()).startswith("redis-server")


def skip_on_reference(reason):
    """Decorator: skip a test when running against redis-server 7.0.

    Used for behaviour cairn implements from newer Redis docs (e.g. 7.2's
    CLIENT SETINFO) that the 7.0 reference does not have.
    """
    return unittest.skipIf(is_reference_redis(), "redis-server 7.0 lacks this: " + reason)


def persistence_args(appendfsync="always"):
    """Arguments that make the server under test log every write and replay the log at
    startup, with the given appendfsync policy ("always", "everysec" or "no").

    Both servers take the same option names but differ in defaults and layout:
      * cairn writes WAL segments into --dir; its appendfsync default is already always.
      * redis-server 7 writes appendonlydir/ (a manifest, a base file and incremental files)
        inside --dir; its appendfsync default is everysec, so the policy is always passed.
        A crash may cut its last command short; aof-load-truncated (its default, spelled out
        because the crash tests depend on it) drops that command at load, as cairn drops a
        torn tail.
    """
    args = ["--appendonly", "yes", "--appendfsync", appendfsync]
    if is_reference_redis():
        args += ["--aof-load-truncated", "yes"]
    return args


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


def wait_until(predicate, what, timeout=30.0):
    """Polls predicate until it returns something true, which is returned. A redis-py error
    (a server still starting, restarting or syncing) counts as not yet. Fails the test with
    `what` and the last result after timeout seconds."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            last = predicate()
            if last:
                return last
        except redis.RedisError as e:
            last = e
        time.sleep(0.05)
    raise AssertionError("timed out waiting for %s (last: %r)" % (what, last))


# ---------------------------------------------------------------------------
# RESP parsing (RESP2 + RESP3), used to know when a raw reply is complete and
# to inspect reply types.
# ---------------------------------------------------------------------------

class Incomplete(Exception):
    pass


class Reply(object):
    """A parsed reply: .type is the RESP type byte as a str ('+', '-', ':',
    '$', '*', '_', ',', '#', '!', '=', '(', '%', '~', '>', '|'), .value is
    bytes / int / float / bool / None / list (aggregates; maps are a flat
    list k1, v1, k2, v2 ...)."""

    __slots__ = ("type", "value", "attrs")

    def __init__(self, type_, value, attrs=None):
        self.type = type_
        self.value = value
        self.attrs = attrs

    def __repr__(self):
        return "Reply(%r, %r)" % (self.type, self.value)

    def __eq__(self, other):
        return isinstance(other, Reply) and (self.type, self.value) == (other.type, other.value)

    def to_py(self):
        """Strip types: nested Python values (maps become dicts)."""
        if self.type in "*~>":
            return [x.to_py() for x in self.value] if self.value is not None else None
        if self.type == "%" or self.type == "|":
            it = iter(self.value)
            return {k.to_py(): v.to_py() for k, v in zip(it, it)}
        return self.value


def _readline(buf, pos):
    end = buf.find(b"\r\n", pos)
    if end < 0:
        raise Incomplete()
    return buf[pos:end], end + 2


def parse_one(buf, pos=0):
    """Parse one reply from buf at pos -> (Reply, new_pos); raise Incomplete."""
    if pos >= len(buf):
        raise Incomplete()
    t = chr(buf[pos])
    line, pos = _readline(buf, pos + 1)
    if t in "+-":
        return Reply(t, line), pos
    if t == ":":
        return Reply(t, int(line)), pos
    if t == "(":
        return Reply(t, int(line)), pos
    if t == ",":
        return Reply(t, float(line.decode())), pos
    if t == "#":
        return Reply(t, line == b"t"), pos
    if t == "_":
        return Reply(t, None), pos
    if t in "$!=":
        n = int(line)
        if n < 0:
            return Reply(t, None), pos
        if len(buf) < pos + n + 2:
            raise Incomplete()
        return Reply(t, bytes(buf[pos:pos + n])), pos + n + 2
    if t in "*~>%|":
        n = int(line)
        if n < 0:
            return Reply(t, None), pos
        if t in "%|":
            n *= 2
        items = []
        for _ in range(n):
            item, pos = parse_one(buf, pos)
            items.append(item)
        if t == "|":  # attribute: attached to the following reply
            nxt, pos = parse_one(buf, pos)
            nxt.attrs = items
            return nxt, pos
        return Reply(t, items), pos
    raise ValueError("unknown RESP type byte %r at %d in %r" % (t, pos, bytes(buf[:200])))


def parse_all(buf):
    """Parse every complete reply in buf -> (list_of_Reply, leftover_bytes)."""
    out = []
    pos = 0
    while True:
        try:
            r, pos = parse_one(buf, pos)
        except Incomplete:
            break
        out.append(r)
    return out, bytes(buf[pos:])


def count_replies(buf):
    return len(parse_all(buf)[0])


def encode_command(*args):
    """RESP multibulk encoding of a command."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        elif isinstance(a, int):
            a = str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class RawConnection(object):
    """A plain TCP connection with helpers to send bytes and read replies."""

    def __init__(self, port, timeout=5.0):
        self.port = port
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.closed_by_peer = False

    def send(self, data):
        self.sock.sendall(data)

    def send_command(self, *args):
        self.send(encode_command(*args))

    def read_replies(self, n, timeout=5.0):
        """Read until n complete replies were parsed; returns list of Reply.

        Fails (AssertionError) if the peer closes or the timeout passes
        before n replies arrived. Bytes after the n-th reply stay buffered."""
        return parse_all(self.read_replies_bytes(n, timeout))[0]

    def read_replies_bytes(self, n, timeout=5.0):
        """Like read_replies but returns the raw bytes of the n replies."""
        deadline = time.time() + timeout
        while True:
            pos = 0
            got = 0
            try:
                while got < n:
                    _, pos = parse_one(self.buf, pos)
                    got += 1
            except Incomplete:
                pass
            if got >= n:
                data, self.buf = self.buf[:pos], self.buf[pos:]
                return data
            remaining = deadline - time.time()
            if remaining <= 0:
                raise AssertionError("timeout: got %d of %d replies; buffer=%r"
                                     % (got, n, self.buf[:300]))
            if not self._recv(remaining):
                raise AssertionError("connection closed after %d of %d replies; buffer=%r"
                                     % (got, n, self.buf[:300]))

    def read_reply(self, timeout=5.0):
        return self.read_replies(1, timeout)[0]

    def command(self, *args):
        self.send_command(*args)
        return self.read_reply()

    def read_until_close(self, timeout=5.0):
        """Read everything until the peer closes. Returns (bytes, closed)."""
        deadline = time.time() + timeout
        while not self.closed_by_peer:
            remaining = deadline - time.time()
            if remaining <= 0:
                break
            self._recv(remaining)
        data, self.buf = self.buf, b""
        return data, self.closed_by_peer

    def _recv(self, timeout):
        self.sock.settimeout(max(0.01, min(timeout, 5.0)))
        try:
            chunk = self.sock.recv(1 << 20)
        except socket.timeout:
            return True
        except (ConnectionResetError, BrokenPipeError):
            self.closed_by_peer = True
            return False
        if not chunk:
            self.closed_by_peer = True
            return False
        self.buf += chunk
        return True

    def is_closed(self, timeout=3.0):
        """True if the peer closes the connection within timeout."""
        self.read_until_close(timeout)
        return self.closed_by_peer

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# ---------------------------------------------------------------------------
# Server process management
# ---------------------------------------------------------------------------

# Every server process a test started and has not reaped yet. A test that fails between start
# and stop, or forgets to stop, must not leave a server running after its test process ends
# (CI runs many test processes on one machine): they are killed when the interpreter exits.
_live_processes = set()


def track_process(proc):
    """Registers a server process so that it is killed, if still running, at exit."""
    _live_processes.add(proc)


@atexit.register
def _kill_leftover_servers():
    for proc in list(_live_processes):
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
    _live_processes.clear()


class ServerProcess(object):
    def __init__(self, extra_args=(), binary=None):
        self.binary = binary or server_binary()
        self.extra_args = [str(a) for a in extra_args]
        self.port = None
        self.dir = None
        self.proc = None
        self.log_path = None
        self._log = None
        self.expect_exit = False
        # Under AddressSanitizer: hold at most this many MB of freed memory in quarantine
        # (ASan's default, 256 MB, makes RSS meaningless for a test that bounds memory).
        self.asan_quarantine_mb = None

    def start(self):
        if not os.path.exists(self.binary):
            raise RuntimeError("server binary %s does not exist (set CAIRN_SERVER)" % self.binary)
        self.dir = tempfile.mkdtemp(prefix="cairn-it-")
        self.log_path = os.path.join(self.dir, "server.log")
        try:
            return self._start_on_a_free_port()
        except RuntimeError:
            self.cleanup()
            raise

    def _start_on_a_free_port(self):
        last_error = None
        for _attempt in range(3):  # retry in case the free port got taken
            self._spawn()
            try:
                self._wait_ready()
                return self
            except RuntimeError as e:
                last_error = e
                self._kill()
                if ("in use" not in self.log_text().lower()
                        and "another process" not in str(e)):
                    break
        raise last_error

    def _spawn(self):
        """Starts the binary on a new free port in self.dir, appending to self.log_path.
        Options given later win, so extra_args may override the ones before them. A full
        sync from it starts at once: the default repl-diskless-sync-delay (5 s, to wait for
        more replicas) would only slow the tests that do not test it."""
        self.port = self._choose_port()
        args = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
                "--dir", self.dir, "--save", "", "--appendonly", "no",
                "--repl-diskless-sync-delay", "0"] + self.extra_args
        self._log = open(self.log_path, "ab")
        self._log.write(("=== %s\n" % " ".join(repr(a) for a in args)).encode())
        self._log.flush()
        env = None
        if self.asan_quarantine_mb is not None and "ASAN_OPTIONS" in os.environ:
            env = dict(os.environ)
            env["ASAN_OPTIONS"] += ":quarantine_size_mb=%d" % self.asan_quarantine_mb
        self.proc = subprocess.Popen(args, stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, cwd=self.dir, env=env)
        track_process(self.proc)

    def _choose_port(self):
        return free_port()

    def _wait_ready(self):
        deadline = time.time() + STARTUP_TIMEOUT
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("server %s exited early with code %s; output:\n%s"
                                   % (self.binary, self.proc.returncode, self.log_text()))
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1.0) as s:
                    s.sendall(b"*1\r\n$4\r\nPING\r\n")
                    data = b""
                    while not data.endswith(b"\r\n"):
                        chunk = s.recv(4096)
                        if not chunk:
                            break
                        data += chunk
                    if data.startswith(b"+PONG") or data.startswith(b"-NOAUTH"):
                        # Make sure the answer came from our process, not from another
                        # test's server that took the port between free_port() and bind.
                        self._check_owner(s, data.startswith(b"+PONG"))
                        return
                    if data.endswith(b"\r\n") and not data.startswith(b"-LOADING"):
                        bad = data
                    else:
                        bad = None
            except OSError:
                bad = None
            if bad is not None:
                raise RuntimeError("server %s answered PING with %r instead of +PONG; output:\n%s"
                                   % (self.binary, bad, self.log_text()))
            time.sleep(0.05)
        raise RuntimeError("server %s did not answer PING on port %d within %.0fs; output:\n%s"
                           % (self.binary, self.port, STARTUP_TIMEOUT, self.log_text()))

    def _check_owner(self, sock, can_query):
        if can_query:
            sock.sendall(b"*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n")
            data = b""
            while b"process_id:" not in data or not data.endswith(b"\r\n"):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
            for line in data.split(b"\r\n"):
                if line.startswith(b"process_id:"):
                    if int(line.split(b":")[1]) != self.proc.pid:
                        raise RuntimeError("port %d is served by another process" % self.port)
                    return
        time.sleep(0.2)  # a server that failed to bind exits at once
        if self.proc.poll() is not None:
            raise RuntimeError("port %d is served by another process" % self.port)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log_text(self):
        try:
            if self._log:
                self._log.flush()
            with open(self.log_path, "rb") as f:
                return f.read()[-20000:].decode("utf-8", "replace")
        except (OSError, TypeError):
            return "<no log>"

    def wait_exit(self, timeout=10.0):
        """Wait for the process to exit by itself; returns exit code or None."""
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def _kill(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(SHUTDOWN_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self._log:
            self._log.close()
            self._log = None

    def stop(self):
        """Stop the server. Raises if it had died unexpectedly."""
        died = self.proc is not None and self.proc.poll() is not None and not self.expect_exit
        text = self.log_text() if died else ""
        code = self.proc.returncode if died else None
        self._kill()
        self.cleanup()
        if died:
            raise RuntimeError("server died unexpectedly (exit code %s); output:\n%s" % (code, text))

    def cleanup(self):
        if self._log:
            self._log.close()
            self._log = None
        if self.dir and os.environ.get("CAIRN_KEEP_TMP") is None:
            shutil.rmtree(self.dir, ignore_errors=True)

    def client(self, **kw):
        kw.setdefault("decode_responses", False)
        kw.setdefault("socket_timeout", 30)
        return redis.Redis(host="127.0.0.1", port=self.port, **kw)

    def raw_connection(self, timeout=5.0):
        return RawConnection(self.port, timeout)


class DurableServer(ServerProcess):
    """A server with the append-only log on (persistence_args) and a fixed data directory,
    root/data. start() may be called again after kill9() / terminate() / SHUTDOWN: the next
    process replays the same log. Each start logs to its own file root/server-N.log, next to
    (not inside) the data directory. extra_args come after the persistence arguments (which
    come after --appendonly no), so they may override them."""

    def __init__(self, root, extra_args=(), appendfsync="always"):
        super().__init__(persistence_args(appendfsync) + [str(a) for a in extra_args])
        self.root = root
        self.data_dir = os.path.join(root, "data")
        os.makedirs(self.data_dir, exist_ok=True)
        self.dir = self.data_dir
        self.starts = 0

    def _spawn(self):
        self.starts += 1
        self.log_path = os.path.join(self.root, "server-%d.log" % self.starts)
        super()._spawn()

    def start(self):
        return self._start_on_a_free_port()

    def start_expecting_failure(self, timeout=STARTUP_TIMEOUT):
        """Starts a server that must refuse to start; returns (exit code, its output)."""
        self._spawn()
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self._kill()
            raise AssertionError("the server started although it should have refused; log:\n"
                                 + self.log_text())
        text = self.log_text()
        self._close_log()
        return code, text

    def kill9(self):
        self.proc.kill()
        self.proc.wait(10)
        self._close_log()

    def terminate(self):
        """SIGTERM; returns the exit code."""
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(30)
        self._close_log()
        return code

    def wait_exit(self, timeout=30):
        code = self.proc.wait(timeout)
        self._close_log()
        return code

    def _close_log(self):
        if self._log:
            self._log.close()
            self._log = None

    def cleanup(self):  # the harness's cleanup would delete the data directory
        self._close_log()

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self._kill()
        self._close_log()

    def info_persistence(self):
        r = self.client()
        try:
            return r.info("persistence")
        finally:
            r.close()


class ConfFileServer(ServerProcess):
    """A server started with a config file as its only argument. conf_text is written with
    its port, dir, pidfile, logfile and daemonize lines replaced."""

    def __init__(self, conf_text, binary=None):
        super().__init__(binary=binary)
        self.conf_text = conf_text
        self.conf_path = None

    def _spawn(self):
        self.port = free_port()
        replacements = {
            "port": str(self.port), "dir": self.dir, "daemonize": "no",
            "pidfile": os.path.join(self.dir, "server.pid"), "logfile": '""',
        }
        lines = []
        for line in self.conf_text.splitlines():
            word = line.split(" ", 1)[0]
            lines.append("%s %s" % (word, replacements[word]) if word in replacements else line)
        self.conf_path = os.path.join(self.dir, "redis.conf")
        with open(self.conf_path, "w") as f:
            f.write("\n".join(lines) + "\n")
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([self.binary, self.conf_path], stdout=self._log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     cwd=self.dir)
        track_process(self.proc)


class ServerTestCase(unittest.TestCase):
    """Base class: one server per test class.

    Class attributes:
      server_args  -- extra '--name value' arguments for the server
      flush_before_each_test -- FLUSHALL in setUp (default True)
      client_kwargs -- extra kwargs for self.r
    """

    server_args = ()
    asan_quarantine_mb = None  # see ServerProcess.asan_quarantine_mb
    flush_before_each_test = True
    client_kwargs = {}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = ServerProcess(cls.server_args)
        cls.server.asan_quarantine_mb = cls.asan_quarantine_mb
        cls.server.start()
        cls.port = cls.server.port

    @classmethod
    def tearDownClass(cls):
        server = cls.__dict__.get("server")
        if server is not None:
            server.stop()
        super().tearDownClass()

    def wait_blocked(self, n, timeout=10.0):
        """Waits until INFO reports n blocked clients (BLPOP..., or held by CLIENT PAUSE)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.r.info("clients")["blocked_clients"] == n:
                return
            time.sleep(0.01)
        self.fail("expected %d blocked clients, INFO says %d"
                  % (n, self.r.info("clients")["blocked_clients"]))

    def setUp(self):
        self.assertServerAlive()
        self.r = self.server.client(**self.client_kwargs)
        self._raw_conns = []
        self._cmd_conn = None
        if self.flush_before_each_test:
            self.r.flushall()

    def tearDown(self):
        for c in self._raw_conns:
            c.close()
        try:
            self.r.close()
        except Exception:
            pass
        self.assertServerAlive()

    def assertServerAlive(self):
        if not self.server.alive() and not self.server.expect_exit:
            self.fail("server died (exit code %s); output:\n%s"
                      % (self.server.proc.returncode, self.server.log_text()))

    # -- raw socket helpers -------------------------------------------------

    def raw_conn(self, timeout=5.0):
        c = self.server.raw_connection(timeout)
        self._raw_conns.append(c)
        return c

    def raw(self, data, replies=1, expect_close=False, timeout=3.0):
        """Send bytes on a fresh connection and return the reply bytes.

        Reads until `replies` complete replies were parsed (default 1), or,
        with expect_close=True, until the server closes the connection (and
        asserts that it does). With replies=None, reads until the socket goes
        quiet for `timeout` seconds or closes."""
        c = self.raw_conn()
        c.send(data)
        if expect_close:
            out, closed = c.read_until_close(timeout)
            self.assertTrue(closed, "server did not close the connection; got %r" % out[:300])
            return out
        if replies is None:
            out, _ = c.read_until_close(timeout)
            return out
        return c.read_replies_bytes(replies, timeout)

    def cmd(self, *args):
        """Send one command on this test's persistent raw RESP2 connection
        and return the parsed Reply (with its RESP type)."""
        if getattr(self, "_cmd_conn", None) is None or self._cmd_conn.closed_by_peer:
            self._cmd_conn = self.raw_conn()
        return self._cmd_conn.command(*args)

    def assertErrorReply(self, args, expected):
        """Run `args` (a list) on a raw connection and assert the reply is an
        error whose full line (without '-', with prefix such as 'ERR ') is
        exactly `expected` (str), or matches it when `expected` is a compiled
        regular expression."""
        reply = self.cmd(*args)
        self.assertEqual(reply.type, "-", "expected an error for %r, got %r" % (args, reply))
        text = reply.value.decode("utf-8", "replace")
        if hasattr(expected, "match"):
            self.assertRegex(text, expected)
        else:
            self.assertEqual(text, expected, "error text for %r" % (args,))

    def assertReply(self, args, type_, value):
        """Run `args` on a raw connection; assert the RESP type and value."""
        reply = self.cmd(*args)
        self.assertEqual((reply.type, reply.value), (type_, value), "reply to %r" % (args,))

    def assertTTL(self, key, expected, slack=10):
        """TTL of key is `expected` seconds, give or take `slack` seconds of
        elapsed time (generous so slow machines don't flake)."""
        ttl = self.r.ttl(key)
        self.assertTrue(expected - slack <= ttl <= expected,
                        "TTL of %r is %r, expected about %d" % (key, ttl, expected))

    def assertPTTL(self, key, expected_ms, slack_ms=10000):
        pttl = self.r.pttl(key)
        self.assertTrue(expected_ms - min(slack_ms, expected_ms // 2) <= pttl <= expected_ms,
                        "PTTL of %r is %r, expected about %d" % (key, pttl, expected_ms))

    def wait_for(self, predicate, timeout=5.0, interval=0.02, msg="condition"):
        """Poll predicate() until true; fail after timeout."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if predicate():
                return
            time.sleep(interval)
        if predicate():
            return
        self.fail("timed out after %.1fs waiting for %s" % (timeout, msg))


class ReferenceServerTestCase(ServerTestCase):
    """A ServerTestCase with a real redis-server beside the server under test, for tests that
    move data between the two: self.ref is a client of it, flushed before each test. Skipped
    where redis-server is not installed."""

    @classmethod
    def setUpClass(cls):
        if not os.path.exists(REFERENCE_BINARY):
            raise unittest.SkipTest("needs redis-server to compare with")
        super().setUpClass()
        cls.reference = ServerProcess(binary=REFERENCE_BINARY)
        cls.reference.start()

    @classmethod
    def tearDownClass(cls):
        cls.reference.stop()
        cls.reference.cleanup()
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        self.ref = self.reference.client()
        self.ref.flushall()


def main():
    unittest.main(verbosity=2)
