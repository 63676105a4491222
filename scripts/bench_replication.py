"""bench_replication: the replication table of scripts/bench.

Two measurements, persistence off on every server, redis-server 7.0 and cairn side by side:

  full sync     a primary holding KEYS keys (32 B values, loaded with redis-cli --pipe) and a
                fresh replica started with --replicaof: seconds from the replica's start until
                its INFO says the link is up, no sync is in progress and DBSIZE is KEYS. Four
                pairs: redis -> redis, cairn -> redis, redis -> cairn, cairn -> cairn. Every
                primary runs with repl-diskless-sync-delay 0 (the default of both waits 5 s
                for more replicas, which would only measure that wait). Both kinds of
                primary stream the file as they write it; measured twice: replicas that write
                it to disk first (repl-diskless-load disabled, the default of both) and
                replicas that load it as it arrives (on-empty-db).
  PING stall    during that sync, PINGERS connections (so every I/O thread of the primary has
                some) PING the primary in turn; the longest round trip, in ms. What its other
                clients wait while the primary makes the RDB (Redis forks; cairn writes it
                from a capture on a thread of its own). Of the disk-first syncs.
  with replica  redis-benchmark -c 50 -P 16 -t set against each primary alone, then with one
                replica of the same kind attached (caught up before the load starts): the
                ratio with/without. The issue's target is cairn >= TARGET_WITH_REPLICA; on a
                2-core machine the replica process takes one of the cores, so this mostly
                measures sharing the CPU (reported, not failed).

R rounds; the table shows medians.
"""

import socket
import statistics
import subprocess
import threading
import time

from bench_harness import (HarnessError, Server, format_markdown_table, format_text_table,
                           free_ports, log, run_benchmark)

KEYS = 1000000
QUICK_KEYS = 200000
VALUE = b"v" * 32
SYNC_TIMEOUT_S = 300
LOAD_REQUESTS = 2000000
QUICK_LOAD_REQUESTS = 500000
TARGET_WITH_REPLICA = 0.9
PRIMARY_ARGS = ["--repl-diskless-sync-delay", "0"]
PAIRS = [("redis", "redis"), ("cairn", "redis"), ("redis", "cairn"), ("cairn", "cairn")]
# repl-diskless-load of the replicas: to disk first (both servers' default), or as it arrives.
LOAD_MODES = ["disabled", "on-empty-db"]
PINGERS = 8

HEADERS = ["measure", "redis -> redis", "cairn -> redis", "redis -> cairn", "cairn -> cairn"]


def load_keys(server, keys):
    """SET key:<i> <32 B> for i < keys, through redis-cli --pipe."""
    chunks = []
    for i in range(keys):
        k = b"key:%d" % i
        chunks.append(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(k), k, len(VALUE),
                                                                         VALUE))
    proc = subprocess.run(["redis-cli", "-p", str(server.port), "--pipe"], input=b"".join(chunks),
                          capture_output=True, timeout=SYNC_TIMEOUT_S)
    if proc.returncode != 0:
        raise server.error(f"redis-cli --pipe failed: {proc.stderr.decode(errors='replace')}")
    if int(server.call("DBSIZE")) != keys:
        raise server.error("the load did not leave every key")


def synced(replica, keys):
    info = replica.info("replication")
    return (info.get("master_link_status") == "up" and info.get("master_sync_in_progress") == "0"
            and int(replica.call("DBSIZE")) == keys)


def wait_synced(replica, keys, started):
    while not synced(replica, keys):
        if time.monotonic() - started > SYNC_TIMEOUT_S:
            raise replica.error(f"not synced within {SYNC_TIMEOUT_S} s")
        if not replica.alive():
            raise replica.error("exited during the sync")
        time.sleep(0.02)
    return time.monotonic() - started


def make_server(name, binary, port, primary_port=None, as_primary=False, load_mode="disabled"):
    extra = list(PRIMARY_ARGS) if as_primary else []
    if primary_port is not None:
        extra += ["--replicaof", "127.0.0.1", str(primary_port),
                  "--repl-diskless-load", load_mode]
    return Server(name if primary_port is None else name + "-replica", binary, port, extra)


def make_pair(binaries, primary_kind, replica_kind, load_mode="disabled"):
    """A primary and a replica of it (neither started), on two free ports."""
    p_port, r_port = free_ports(2)
    primary = make_server(primary_kind, binaries[primary_kind], p_port, as_primary=True)
    replica = make_server(replica_kind, binaries[replica_kind], r_port, primary_port=p_port,
                          load_mode=load_mode)
    return primary, replica


class Pinger:
    """PINGs port over PINGERS connections in turn until stopped; keeps the longest wait."""

    def __init__(self, port):
        self.socks = [socket.create_connection(("127.0.0.1", port), timeout=SYNC_TIMEOUT_S)
                      for _ in range(PINGERS)]
        self.stop = threading.Event()
        self.longest_s = 0.0
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stop.is_set():
            for sock in self.socks:
                started = time.monotonic()
                sock.sendall(b"PING\r\n")
                reply = b""
                while not reply.endswith(b"\r\n"):
                    reply += sock.recv(64)
                self.longest_s = max(self.longest_s, time.monotonic() - started)
            time.sleep(0.001)

    def finish(self):
        self.stop.set()
        self.thread.join()
        for sock in self.socks:
            sock.close()
        return self.longest_s * 1000


def full_sync_seconds(binaries, primary_kind, replica_kind, keys, load_mode):
    """(seconds until the replica is synced, the longest PING wait on the primary meanwhile)."""
    primary, replica = make_pair(binaries, primary_kind, replica_kind, load_mode)
    pinger = None
    try:
        primary.start()
        load_keys(primary, keys)
        pinger = Pinger(primary.port)
        started = time.monotonic()
        replica.start()
        seconds = wait_synced(replica, keys, started)
        return seconds, pinger.finish()
    finally:
        if pinger is not None:
            pinger.stop.set()
        replica.stop()
        primary.stop()


def set_throughput(binaries, kind, with_replica, requests):
    primary, replica = make_pair(binaries, kind, kind)
    try:
        primary.start()
        if with_replica:
            replica.start()
            wait_synced(replica, 0, time.monotonic())
        rows = run_benchmark(primary, 32, 16, requests, tests=("SET",))
        return rows["SET"]["rps"]
    finally:
        replica.stop()
        primary.stop()


def run(binaries, args):
    """binaries: {"redis": path, "cairn": path}. Returns the measured medians."""
    keys = QUICK_KEYS if args.quick else KEYS
    requests = QUICK_LOAD_REQUESTS if args.quick else LOAD_REQUESTS
    runs = [(pair, mode) for mode in LOAD_MODES for pair in PAIRS]
    sync = {run: [] for run in runs}
    stall = {run: [] for run in runs}
    load = {(kind, w): [] for kind in ("redis", "cairn") for w in (False, True)}
    for r in range(args.rounds):
        for (pair, mode) in runs:
            seconds, ping_ms = full_sync_seconds(binaries, pair[0], pair[1], keys, mode)
            log(f"bench: replication round {r + 1}: full sync {pair[0]} -> {pair[1]} "
                f"(repl-diskless-load {mode}): {seconds:.2f} s, longest PING on the primary "
                f"{ping_ms:.0f} ms")
            sync[(pair, mode)].append(seconds)
            stall[(pair, mode)].append(ping_ms)
        for (kind, with_replica) in load:
            rps = set_throughput(binaries, kind, with_replica, requests)
            log(f"bench: replication round {r + 1}: {kind} SET P16 "
                f"{'with' if with_replica else 'without'} a replica: {rps:.0f}/s")
            load[(kind, with_replica)].append(rps)
    if any(not v for v in sync.values()):
        raise HarnessError("replication: no round measured")
    return {"keys": keys, "rounds": args.rounds,
            "sync": {pair: statistics.median(v) for pair, v in sync.items()},
            "stall": {pair: statistics.median(v) for pair, v in stall.items()},
            "load": {key: statistics.median(v) for key, v in load.items()}}


def rows_of(result):
    sync = result["sync"]
    load = result["load"]
    rows = [[f"full sync of {result['keys']:,} keys, replica writes the file first, s"] +
            [f"{sync[(p, 'disabled')]:.2f}" for p in PAIRS],
            ["... replica loads it as it arrives (repl-diskless-load on-empty-db), s"] +
            [f"{sync[(p, 'on-empty-db')]:.2f}" for p in PAIRS],
            ["longest PING on the primary during the sync, ms"] +
            [f"{result['stall'][(p, 'disabled')]:.0f}" for p in PAIRS]]
    for kind, column in (("redis", 1), ("cairn", 4)):
        alone, attached = load[(kind, False)], load[(kind, True)]
        row = ["SET P16 ops/s alone / with a replica (ratio)", "-", "-", "-", "-"]
        row[column] = f"{alone:,.0f} / {attached:,.0f} ({attached / alone:.2f})"
        rows.append(row)
    return rows


def print_report(result, args, machine=None):
    head = ([machine] if machine else []) + [
        f"replication: persistence off; {result['rounds']} round(s), medians; "
        f"primaries with repl-diskless-sync-delay 0"]
    rows = rows_of(result)
    ratio = result["load"][("cairn", True)] / result["load"][("cairn", False)]
    verdict = ("meets" if round(ratio, 2) >= TARGET_WITH_REPLICA else
               f"misses: {ratio:.2f} < {TARGET_WITH_REPLICA}")
    if args.markdown:
        print("### Replication\n")
        print("\n".join(f"- {line}" for line in head) + "\n")
        print(format_markdown_table(HEADERS, rows, {1, 2, 3, 4}))
    else:
        print("replication\n")
        print("\n".join(head) + "\n")
        print(format_text_table(HEADERS, rows, {1, 2, 3, 4}))
    print(f"\ncairn SET throughput with a replica / without >= {TARGET_WITH_REPLICA}: {verdict} "
          "(on 2 cores the replica takes one of them).", flush=True)
