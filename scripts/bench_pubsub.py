"""bench_pubsub: the Pub/Sub table of scripts/bench.

PUBLISH fan-out, redis against cairn with persistence off, with 1, 10 and 100 subscribers of
one channel. For each server and subscriber count N, one run is:

  subscribers   N connections, each SUBSCRIBE bench (raw RESP 2), read by one thread of this
                process through `selectors`. It counts whole message frames (all alike:
                *3 $7 message $5 bench $32 <payload>) in each connection's byte stream,
                carrying the last bytes of a read over to the next so a frame split across
                reads counts once. At the end every subscriber must have received every
                message, and its byte count must be exactly that many frames.
  warm-up       one PUBLISH bench <32 B> on a control connection; its reply must be N, and
                every subscriber must receive it before the load starts.
  load          redis-benchmark -c 50 -P 1 -n <requests> PUBLISH bench <32 B>. redis-benchmark
                does not check replies; the subscribers' counts do.
  probe         a separate process (forked before the subscribers connect, so the readers'
                work and the GIL do not delay it) publishes PUBLISH probe <time.monotonic_ns()>
                every PROBE_INTERVAL_NS on its own connection, and a subscriber of its own
                (SUBSCRIBE probe) takes its receive time minus the embedded time. Each PUBLISH
                probe must reply 1.

delivered msgs/s = messages received by all N subscribers / (last message's arrival - first
message's arrival): the clock starts when publishing has started, so redis-benchmark's own
start-up is not counted. publish/s is redis-benchmark's figure. p50/p99 are over the probe
messages published inside that window. R rounds alternate the servers; the table shows
medians. The target is cairn / redis delivered msgs/s >= TARGET_RATIO with
TARGET_SUBSCRIBERS subscribers (reported, not failed).
"""

import math
import multiprocessing
import selectors
import signal
import socket
import statistics
import threading
import time

from bench_harness import (HarnessError, format_markdown_table, format_text_table, log,
                           resp_command, run_benchmark, start_all, stop_all)

SUBSCRIBER_COUNTS = (1, 10, 100)
PUBLISHERS = 50                          # redis-benchmark -c
CHANNEL = b"bench"
PAYLOAD = b"m" * 32
# Sized so that one run takes about 1-2 s on a 2-core machine for either server, the whole
# section about 2 minutes at 3 rounds (--quick: 1 round, about 30 s including start-up).
REQUESTS = {1: 250000, 10: 150000, 100: 60000}
QUICK_REQUESTS = {1: 150000, 10: 80000, 100: 30000}
TARGET_RATIO = 1.0
TARGET_SUBSCRIBERS = 100

MESSAGE_FRAME = b"*3\r\n$7\r\nmessage\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (
    len(CHANNEL), CHANNEL, len(PAYLOAD), PAYLOAD)
RECV_BYTES = 262144
CONNECT_TIMEOUT_S = 10
WARM_UP_TIMEOUT_S = 10
DELIVERY_TIMEOUT_S = 60                  # after redis-benchmark exits

PROBE_CHANNEL = b"probe"
PROBE_INTERVAL_NS = 2000000
PROBE_HEAD = b"*3\r\n$7\r\nmessage\r\n$%d\r\n%s\r\n$" % (len(PROBE_CHANNEL), PROBE_CHANNEL)
PROBE_READY_TIMEOUT_S = 10

HEADERS = ["subscribers", "requests", "redis msgs/s", "cairn msgs/s", "ratio",
           "redis publish/s", "cairn publish/s", "redis p50/p99 ms", "cairn p50/p99 ms",
           "target", "result"]


def subscribed_reply(channel, count=1):
    return b"*3\r\n$9\r\nsubscribe\r\n$%d\r\n%s\r\n:%d\r\n" % (len(channel), channel, count)


def recv_exactly(sock, size):
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise OSError(f"connection closed after {len(data)} of {size} bytes")
        data += chunk
    return data


def subscribe(port, channel):
    """A connection subscribed to channel (its confirmation read and checked)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=CONNECT_TIMEOUT_S)
    try:
        sock.sendall(resp_command([b"SUBSCRIBE", channel]))
        expected = subscribed_reply(channel)
        reply = recv_exactly(sock, len(expected))
        if reply != expected:
            raise OSError(f"unexpected reply to SUBSCRIBE {channel.decode()}: {reply!r}")
    except BaseException:
        sock.close()
        raise
    return sock


# ---------------------------------------------------------------------------------------------
# Subscribers of the benchmark channel
# ---------------------------------------------------------------------------------------------

class Subscribers:
    """N subscribers of CHANNEL and the thread that reads them. The thread alone writes the
    counters; the main thread reads them (whole ints and floats, safe under the GIL)."""

    def __init__(self, port, count):
        self.socks = []
        try:
            for _ in range(count):
                self.socks.append(subscribe(port, CHANNEL))
        except BaseException:
            self.close()
            raise
        self.messages = [0] * count
        self.bytes = [0] * count
        self.tails = [b""] * count
        self.total = 0
        self.armed_at = None              # total when the clock was armed (after the warm-up)
        self.first_ns = None              # first arrival after arming
        self.last_ns = None               # last arrival of any message
        self.error = None
        self.cpu_s = 0.0                  # the reading thread's CPU time
        self.stopping = False
        self.thread = threading.Thread(target=self.run, name="bench-subscribers", daemon=True)

    def start(self):
        self.thread.start()

    def run(self):
        sel = selectors.DefaultSelector()
        cpu_start = time.thread_time()
        try:
            for i, sock in enumerate(self.socks):
                sock.setblocking(False)
                sel.register(sock, selectors.EVENT_READ, i)
            while not self.stopping and self.error is None:
                for key, _ in sel.select(0.1):
                    self.read(key.fileobj, key.data)
        except OSError as e:
            self.error = f"reading the subscribers failed: {e}"
        finally:
            sel.close()
            self.cpu_s = time.thread_time() - cpu_start

    def read(self, sock, i):
        try:
            chunk = sock.recv(RECV_BYTES)
        except BlockingIOError:
            return
        if not chunk:
            self.error = (f"subscriber {i} was disconnected after {self.messages[i]} messages "
                          "(output buffer limit?)")
            return
        # Whole frames are counted, so a frame split across reads counts in the read that
        # completes it: the tail kept is one byte shorter than a frame, so it never holds a
        # whole one. A frame cannot match at any offset but its start (only frame starts
        # hold "message").
        data = self.tails[i] + chunk
        found = data.count(MESSAGE_FRAME)
        self.tails[i] = data[1 - len(MESSAGE_FRAME):]
        self.bytes[i] += len(chunk)
        if not found:
            return
        now = time.monotonic_ns()
        self.messages[i] += found
        self.total += found
        self.last_ns = now
        if self.first_ns is None and self.armed_at is not None and self.total > self.armed_at:
            self.first_ns = now

    def wait_for(self, total, timeout_s, what):
        deadline = time.monotonic() + timeout_s
        while self.total < total:
            if self.error:
                raise HarnessError(self.error)
            if time.monotonic() > deadline:
                raise HarnessError(f"{what}: the subscribers received {self.total} of {total} "
                                   f"messages within {timeout_s} s (per subscriber, least "
                                   f"{min(self.messages)}, most {max(self.messages)})")
            time.sleep(0.005)

    def check_each(self, messages):
        """Every subscriber got exactly `messages` whole frames and nothing else."""
        if self.error:
            raise HarnessError(self.error)
        for i, (got, size) in enumerate(zip(self.messages, self.bytes)):
            if got != messages or size != messages * len(MESSAGE_FRAME):
                raise HarnessError(f"subscriber {i} received {got} messages in {size} bytes; "
                                   f"expected {messages} messages of {len(MESSAGE_FRAME)} bytes")

    def stop(self):
        self.stopping = True
        if self.thread.is_alive():
            self.thread.join()

    def close(self):
        for sock in self.socks:
            sock.close()


# ---------------------------------------------------------------------------------------------
# Latency probe (a child process)
# ---------------------------------------------------------------------------------------------

def parse_probe_messages(buf, received_ns, samples):
    """Take the complete probe messages off buf, appending (sent_ns, latency_ns) to samples.
    Returns the bytes left (an incomplete message)."""
    while True:
        end_of_len = buf.find(b"\r\n", len(PROBE_HEAD))
        if end_of_len < 0:
            return buf
        if not buf.startswith(PROBE_HEAD):
            raise OSError(f"unexpected bytes on the probe subscriber: {buf[:200]!r}")
        start = end_of_len + 2
        end = start + int(buf[len(PROBE_HEAD):end_of_len])
        if len(buf) < end + 2:
            return buf
        sent_ns = int(buf[start:end])
        samples.append((sent_ns, received_ns - sent_ns))
        buf = buf[end + 2:]


def check_probe_replies(buf):
    """Each PUBLISH probe reply must be :1 (the probe subscriber). Returns the bytes left."""
    whole = len(buf) - len(buf) % 4
    if buf[:whole] != b":1\r\n" * (whole // 4):
        raise OSError(f"PUBLISH probe did not reply :1 but {buf[:200]!r}")
    return buf[whole:]


def probe_loop(port, conn):
    """Publish a timestamp every PROBE_INTERVAL_NS until conn says stop; returns the samples."""
    sub = subscribe(port, PROBE_CHANNEL)
    pub = socket.create_connection(("127.0.0.1", port), timeout=CONNECT_TIMEOUT_S)
    sel = selectors.DefaultSelector()
    sel.register(sub, selectors.EVENT_READ, "sub")
    sel.register(pub, selectors.EVENT_READ, "pub")
    sel.register(conn, selectors.EVENT_READ, "stop")
    conn.send("ready")
    samples, sub_buf, pub_buf = [], b"", b""
    next_ns = time.monotonic_ns()
    while True:
        now = time.monotonic_ns()
        if now >= next_ns:
            pub.sendall(resp_command([b"PUBLISH", PROBE_CHANNEL, b"%d" % now]))
            next_ns = now + PROBE_INTERVAL_NS
        for key, _ in sel.select(max(0, next_ns - time.monotonic_ns()) / 1e9):
            if key.data == "stop":
                return samples
            received_ns = time.monotonic_ns()
            chunk = key.fileobj.recv(65536)
            if not chunk:
                raise OSError(f"the probe {key.data}scriber's connection was closed")
            if key.data == "sub":
                sub_buf = parse_probe_messages(sub_buf + chunk, received_ns, samples)
            else:
                pub_buf = check_probe_replies(pub_buf + chunk)


def probe_main(port, conn):
    signal.signal(signal.SIGINT, signal.SIG_IGN)      # the parent stops it
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        conn.send(("samples", probe_loop(port, conn)))
    except Exception as e:
        conn.send(("error", f"latency probe: {type(e).__name__}: {e}"))


class Probe:
    """The latency probe's process. Forked: start it before any thread or subscriber socket
    exists, so the child inherits neither."""

    def __init__(self, port):
        ctx = multiprocessing.get_context("fork")
        self.conn, child_conn = ctx.Pipe()
        self.proc = ctx.Process(target=probe_main, args=(port, child_conn), daemon=True,
                                name="bench-probe")
        self.proc.start()
        child_conn.close()
        reply = self.receive(PROBE_READY_TIMEOUT_S)
        if reply != "ready":
            self.kill()
            raise HarnessError(reply[1] if isinstance(reply, tuple) else
                               f"latency probe did not start: {reply!r}")

    def receive(self, timeout_s):
        if not self.conn.poll(timeout_s):
            return "no answer"
        try:
            return self.conn.recv()
        except EOFError:
            return "exited"

    def stop(self):
        """Stop it; returns its (sent_ns, latency_ns) samples."""
        try:
            self.conn.send("stop")
        except OSError:
            pass
        reply = self.receive(PROBE_READY_TIMEOUT_S)
        self.kill()
        if not isinstance(reply, tuple) or reply[0] != "samples":
            raise HarnessError(reply[1] if isinstance(reply, tuple) else
                               f"latency probe: {reply}")
        return reply[1]

    def kill(self):
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join()
        self.conn.close()


# ---------------------------------------------------------------------------------------------
# One run, rounds, summary
# ---------------------------------------------------------------------------------------------

def percentile(sorted_values, fraction):
    """The nearest-rank percentile of a sorted, non-empty list."""
    return sorted_values[max(0, math.ceil(fraction * len(sorted_values)) - 1)]


def warm_up(server, subs, count):
    """One PUBLISH that must reach all `count` subscribers; then arm the delivery clock."""
    receivers = server.call("PUBLISH", CHANNEL, PAYLOAD)
    if receivers != count:
        raise server.error(f"PUBLISH {CHANNEL.decode()} replied {receivers}, expected {count} "
                           "subscribers")
    subs.wait_for(count, WARM_UP_TIMEOUT_S, f"{server.name}: warm-up message")
    subs.check_each(1)
    subs.armed_at = subs.total


def run_once(server, count, requests):
    """One run with `count` subscribers; returns the sample dict of one table cell."""
    probe = Probe(server.port)
    subs = None
    try:
        try:
            subs = Subscribers(server.port, count)
        except OSError as e:
            raise server.error(f"subscribing {count} connections failed: {e}")
        subs.start()
        warm_up(server, subs, count)
        cpu_s, started = server.cpu_seconds(), time.monotonic()
        rows = run_benchmark(server, len(PAYLOAD), 1, requests, PUBLISHERS, ("PUBLISH",),
                             command=[b.decode() for b in (b"PUBLISH", CHANNEL, PAYLOAD)])
        subs.wait_for(count * (requests + 1), DELIVERY_TIMEOUT_S,
                      f"{server.name}: {requests} PUBLISH to {count} subscribers")
        server_cpu = (server.cpu_seconds() - cpu_s) / (time.monotonic() - started)
        subs.stop()
        subs.check_each(requests + 1)
        samples = probe.stop()
    finally:
        if subs is not None:
            subs.stop()
            subs.close()
        if probe.proc.is_alive():
            probe.kill()
    run = summarize_run(subs, rows["PUBLISH"], samples, server, count)
    run["server_cpu"] = server_cpu
    return run


def summarize_run(subs, row, samples, server, count):
    elapsed_s = (subs.last_ns - subs.first_ns) / 1e9
    delivered = subs.total - subs.armed_at
    window = sorted(lat for sent, lat in samples if subs.first_ns <= sent <= subs.last_ns)
    if not window:
        raise server.error(f"no probe message was published during the load with {count} "
                           f"subscribers ({elapsed_s * 1000:.0f} ms)")
    return {"msgs": delivered / elapsed_s if elapsed_s > 0 else 0.0, "publish": row["rps"],
            "p50_ms": percentile(window, 0.50) / 1e6, "p99_ms": percentile(window, 0.99) / 1e6,
            "probes": len(window), "elapsed_s": elapsed_s,
            "reader_cpu": subs.cpu_s / elapsed_s if elapsed_s > 0 else 0.0}


def measure(servers, rounds, requests_by_count):
    """Every subscriber count on each server in alternation, `rounds` rounds.
    Returns samples[count][server name] -> list of run samples."""
    samples = {}
    for rnd in range(1, rounds + 1):
        for count in SUBSCRIBER_COUNTS:
            for server in servers:
                s = run_once(server, count, requests_by_count[count])
                log(f"bench: round {rnd}/{rounds} pubsub {count:>3} subscribers "
                    f"{server.name:<5} {s['msgs']:>11,.0f} msgs/s  {s['publish']:>9,.0f} "
                    f"publish/s  p50 {s['p50_ms']:.3f} ms  p99 {s['p99_ms']:.3f} ms  "
                    f"({s['probes']} probes in {s['elapsed_s']:.2f} s; server CPU "
                    f"{s['server_cpu']:.0%}, reader thread CPU {s['reader_cpu']:.0%})")
                samples.setdefault(count, {}).setdefault(server.name, []).append(s)
    return samples


def summarize(samples, requests_by_count):
    """One row per subscriber count: medians per server and column, the ratio, the target."""
    rows = []
    for count in SUBSCRIBER_COUNTS:
        row = {"subscribers": count, "requests": requests_by_count[count]}
        for name in ("redis", "cairn"):
            for column in ("msgs", "publish", "p50_ms", "p99_ms", "server_cpu", "reader_cpu",
                           "probes"):
                row[f"{name}_{column}"] = statistics.median(
                    s[column] for s in samples[count][name])
        row["ratio"] = row["cairn_msgs"] / row["redis_msgs"] if row["redis_msgs"] else 0.0
        row["target"] = TARGET_RATIO if count == TARGET_SUBSCRIBERS else None
        rows.append(row)
    return rows


def requests_for(args):
    return QUICK_REQUESTS if args.quick else REQUESTS


def run(servers, args):
    """Start the redis/cairn pair `servers` (persistence off), measure, stop them; returns the
    table's result rows."""
    requests = requests_for(args)
    try:
        start_all(servers)
        samples = measure(servers, args.rounds, requests)
    finally:
        stop_all(servers)
    return summarize(samples, requests)


# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------

def result_of(r):
    if r["target"] is None:
        return "-", "-"
    met = round(r["ratio"], 2) >= r["target"]
    return f"ratio >= {r['target']:.1f}", ("meets" if met else
                                            f"misses: ratio {r['ratio']:.2f} < {r['target']:.1f}")


def cells(r):
    target, result = result_of(r)
    return [str(r["subscribers"]), f"{r['requests']:,}", f"{r['redis_msgs']:,.0f}",
            f"{r['cairn_msgs']:,.0f}", f"{r['ratio']:.2f}", f"{r['redis_publish']:,.0f}",
            f"{r['cairn_publish']:,.0f}",
            f"{r['redis_p50_ms']:.3f} / {r['redis_p99_ms']:.3f}",
            f"{r['cairn_p50_ms']:.3f} / {r['cairn_p99_ms']:.3f}", target, result]


def settings_line(args):
    return (f"settings: N subscribers of one channel (SUBSCRIBE bench), read by one thread of "
            f"the benchmark; publishers: redis-benchmark -c {PUBLISHERS} -P 1 -n <requests> "
            f"PUBLISH bench <{len(PAYLOAD)} B>, after one warm-up PUBLISH; msgs/s = messages "
            "received by all subscribers / (last arrival - first arrival); latency: a separate "
            f"process publishes PUBLISH probe <monotonic ns> every {PROBE_INTERVAL_NS / 1e6:g} ms "
            "to its own subscriber during the load; rounds "
            f"{args.rounds} (median); target: cairn / redis msgs/s >= {TARGET_RATIO:.1f} with "
            f"{TARGET_SUBSCRIBERS} subscribers")


def notes_lines(results):
    def pair(r, column, fmt):
        return f"{r['subscribers']}: redis {fmt(r['redis_' + column])} / cairn " \
               f"{fmt(r['cairn_' + column])}"

    def line(column, fmt):
        return "; ".join(pair(r, column, fmt) for r in results)

    percent = lambda v: f"{v:.0%}"
    return [f"server CPU during the load, in cores (100% = one core busy; median): "
            f"{line('server_cpu', percent)}",
            f"subscriber reader thread CPU, share of the delivery time (median): "
            f"{line('reader_cpu', percent)} (near 100%: the reader, not the server, may set "
            "the pace)",
            f"probe messages per run (median): {line('probes', lambda v: f'{v:.0f}')}"]


def print_report(results, args, machine=None):
    head = ([machine] if machine else []) + [settings_line(args)]
    rows = [cells(r) for r in results]
    targeted = [r for r in results if r["target"] is not None]
    met = sum(1 for r in targeted if result_of(r)[1] == "meets")
    if args.markdown:
        print("### Pub/Sub\n")
        print("\n".join(f"- {line}" for line in head) + "\n")
        print(format_markdown_table(HEADERS, rows, {0, 1, 2, 3, 4, 5, 6, 7, 8}))
        print("\n" + "\n".join(f"- {line}" for line in notes_lines(results)))
    else:
        print("pubsub\n")
        print("\n".join(head) + "\n")
        print(format_text_table(HEADERS, rows, {0, 1, 2, 3, 4, 5, 6}))
        print("\n" + "\n".join(notes_lines(results)))
    print(f"\n{met} of {len(targeted)} Pub/Sub targets met.", flush=True)
