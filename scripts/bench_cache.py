"""bench_cache: the cache table of scripts/bench.

redis and cairn as a cache with a memory limit: each server runs with --maxmemory 64mb and one
policy (allkeys-lru, then allkeys-lfu, each on a fresh pair, persistence off). The client is
bench/cache_bench (built with cairn): 50 connections doing cache-aside over 1,000,000 key
names with Zipf-distributed popularity (s = 0.99): GET a key, and on a miss SET it to a 100 B
value. The whole data set (about 100 MB of values) does not fit, so the hit ratio shows how
well eviction keeps the keys that are asked for, and ops/s (GETs + SETs) what it costs.

For each policy and pipeline depth (1, 16) the servers take turns, R rounds (default 3;
--quick: 1 round of 2 s after 2 s of warm-up instead of 8 s after 5 s); each run warms up
first, and each round draws a new key sequence (the same for both servers). Before a
policy's first round each server is filled until it evicts (cache_bench at pipeline 16, at
most FILL_TIMEOUT_S), so the first pipeline-1 round does not start from an empty cache that
its few seconds of warm-up cannot fill. Medians over the rounds. Targets: throughput ratio
as the first table (>= 1.0 at pipeline 1, >= 1.3 at 16), hit ratio >= redis's.
"""

import os
import statistics
import subprocess
import time

from bench_harness import (CLIENT_CPU_NOTE, PIPELINES, TARGET_RATIO, HarnessError,
                           children_cpu_seconds, client_cpu_cell, format_markdown_table,
                           format_text_table, log, start_all, stop_all)

POLICIES = ("allkeys-lru", "allkeys-lfu")
MAXMEMORY = "64mb"
KEYS = 1000000
VALUE_SIZE = 100
CONNECTIONS = 50
ZIPF_S = 0.99
SECONDS, WARMUP_S = 8, 5
QUICK_SECONDS, QUICK_WARMUP_S = 2, 2
FILL_TIMEOUT_S = 60

HEADERS = ["policy", "pipeline", "redis ops/s", "cairn ops/s", "ratio", "target",
           "redis hit %", "cairn hit %", "client CPU redis / cairn"]


def driver_path(cairn_binary):
    """bench/cache_bench next to the cairn-server binary's build tree (build/src/..)."""
    build = os.path.dirname(os.path.dirname(os.path.abspath(cairn_binary)))
    path = os.path.join(build, "bench", "cache_bench")
    if not os.access(path, os.X_OK):
        raise HarnessError(f"{path} not found: build the cache_bench target")
    return path


def run_driver(driver, server, pipeline, args, timing=None, seed=1):
    """One cache_bench run; timing (seconds, warm-up seconds) overrides the mode's."""
    seconds, warmup = (QUICK_SECONDS, QUICK_WARMUP_S) if args.quick else (SECONDS, WARMUP_S)
    if timing:
        seconds, warmup = timing
    cmd = [driver, "--port", str(server.port), "--keys", str(KEYS), "--value-size",
           str(VALUE_SIZE), "--threads", "1", "--conns", str(CONNECTIONS), "--pipeline",
           str(pipeline), "--seconds", str(seconds), "--warmup-s", str(warmup),
           "--zipf-s", str(ZIPF_S), "--seed", str(seed)]
    cpu_before, started = children_cpu_seconds(), time.monotonic()
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + warmup + 60)
    client_cpu = (children_cpu_seconds() - cpu_before) / (time.monotonic() - started)
    if out.returncode != 0 or not server.alive():
        raise server.error(f"cache_bench failed: {out.stderr.strip()}")
    fields = dict(f.split("=", 1) for f in out.stdout.split())
    return {"ops": float(fields["ops_per_s"]), "hit": float(fields["hit_ratio"]),
            "client_cpu": client_cpu}


def fill(driver, server, args):
    """Runs the workload at pipeline 16 until the server has evicted a key: its memory is full."""
    deadline = time.monotonic() + FILL_TIMEOUT_S
    seed = 10000  # each pass draws new keys, none of the measured rounds' sequences
    while int(server.info("stats").get("evicted_keys", "0")) == 0:
        if time.monotonic() > deadline:
            raise server.error(f"no key evicted after {FILL_TIMEOUT_S} s of filling")
        run_driver(driver, server, 16, args, timing=(2, 0), seed=seed)
        seed += 1


def run_policy(make_pair, driver, policy, args):
    extra = ["--maxmemory", MAXMEMORY, "--maxmemory-policy", policy]
    servers = make_pair(extra)
    rows = []
    try:
        start_all(servers)
        for server in servers:
            log(f"bench: cache {policy}: filling {server.name}")
            fill(driver, server, args)
        for pipeline in PIPELINES:
            samples = {s.name: [] for s in servers}
            for rnd in range(args.rounds):
                for server in servers:
                    log(f"bench: cache {policy} P{pipeline} round {rnd + 1}: {server.name}")
                    # A new key sequence each round (the same for both servers): a round
                    # that replayed the last one would find its whole tail still cached.
                    seed = 1 + rnd + 100 * pipeline
                    samples[server.name].append(run_driver(driver, server, pipeline, args,
                                                           seed=seed))
            row = {"policy": policy, "pipeline": pipeline}
            for name, runs in samples.items():
                row[name] = {key: statistics.median(r[key] for r in runs)
                             for key in ("ops", "hit", "client_cpu")}
            rows.append(row)
    finally:
        stop_all(servers)
    return rows


def run(make_pair, args):
    """make_pair(extra_args) -> [redis, cairn] Servers (not started), both given extra_args."""
    driver = driver_path(args.cairn)
    rows = []
    for policy in POLICIES:
        rows += run_policy(make_pair, driver, policy, args)
    return {"rows": rows}


def cells(row):
    redis, cairn = row["redis"], row["cairn"]
    ratio = cairn["ops"] / redis["ops"] if redis["ops"] else 0.0
    return [row["policy"], str(row["pipeline"]), f"{redis['ops']:,.0f}", f"{cairn['ops']:,.0f}",
            f"{ratio:.2f}", f">= {TARGET_RATIO[row['pipeline']]:.1f}",
            f"{100 * redis['hit']:.1f}", f"{100 * cairn['hit']:.1f}",
            client_cpu_cell(redis["client_cpu"], cairn["client_cpu"])]


def print_report(result, args, machine=None):
    head = ([machine] if machine else []) + [
        f"cache: maxmemory {MAXMEMORY}, {KEYS:,} keys of {VALUE_SIZE} B, Zipf s={ZIPF_S}, "
        f"{CONNECTIONS} connections doing GET and SET-on-miss (bench/cache_bench); "
        "ops/s = GETs + SETs; medians of the rounds"]
    rows = [cells(r) for r in result["rows"]]
    if args.markdown:
        print("### Cache\n")
        print("\n".join(f"- {line}" for line in head) + "\n")
        print(format_markdown_table(HEADERS, rows, {2, 3, 4, 6, 7, 8}))
    else:
        print("cache\n")
        print("\n".join(head) + "\n")
        print(format_text_table(HEADERS, rows, {2, 3, 4, 6, 7}))
    met = sum(1 for r in result["rows"] if r["cairn"]["hit"] >= r["redis"]["hit"])
    print(f"\nIn {met} of {len(rows)} rows cairn's hit ratio is at least redis's.\n"
          f"{CLIENT_CPU_NOTE}", flush=True)
