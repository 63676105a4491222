"""bench_collections: the collections table of scripts/bench.

Throughput of one write (or pop) per collection type, redis against cairn with persistence off,
at pipeline 1 and 16, with the same rounds, medians, ratios and targets as the first table:

  LPUSH, LPOP, HSET, ZADD   redis-benchmark -t lpush,lpop,hset,zadd in one run. It runs its
                            tests in a fixed order, LPUSH before LPOP, so every LPOP pops an
                            element the LPUSH of the same run pushed. The keys are redis-benchmark's
                            own: one list (mylist), one hash (myhash, fields element:<rand>) and
                            one sorted set (myzset, members element:<rand>), rand < -r.
  XADD                      redis-benchmark's custom-command mode:
                            XADD mystream * field <32-byte value>, a second run.

Each run starts from empty collections (the four keys are deleted first), so every round and
both servers see the same state. Values are 32 bytes (-d 32).
"""

from bench_harness import (CLIENT_CPU_NOTE, CLIENTS, KEYSPACE, PIPELINES, client_cpu_cell,
                           compare, format_markdown_table, format_text_table, log, run_benchmark,
                           start_all, stop_all)

VALUE_SIZE = 32
BENCHMARK_TESTS = ("LPUSH", "LPOP", "HSET", "ZADD")   # one redis-benchmark -t run
XADD_COMMAND = ("XADD", "mystream", "*", "field", "v" * VALUE_SIZE)
TESTS = BENCHMARK_TESTS + ("XADD",)                    # table order
KEYS = ("mylist", "myhash", "myzset", "mystream")      # what the runs above write

HEADERS = ["command", "pipeline", "redis ops/s", "cairn ops/s", "ratio", "redis p50/p99 ms",
           "cairn p50/p99 ms", "client CPU redis / cairn", "target (and p99 <= redis)", "result"]


def run_once(server, pipeline, requests):
    """Both redis-benchmark runs on empty collections; returns {test: CSV row}."""
    server.call("DEL", *KEYS, timeout=60)
    rows = run_benchmark(server, VALUE_SIZE, pipeline, requests, tests=BENCHMARK_TESTS)
    rows.update(run_benchmark(server, VALUE_SIZE, pipeline, requests, tests=("XADD",),
                              command=XADD_COMMAND))
    return rows


def measure(servers, rounds, requests_by_pipeline, run_once=run_once, tests=TESTS,
            label="collections"):
    """Every pipeline depth on each server in alternation, `rounds` rounds; run_once(server,
    pipeline, requests) returns {test: CSV row} for the `tests` (shared with the families
    table). Returns samples[(test, pipeline)][server name] -> list of CSV rows."""
    samples = {}
    for rnd in range(1, rounds + 1):
        for pipeline in PIPELINES:
            for server in servers:
                rows = run_once(server, pipeline, requests_by_pipeline[pipeline])
                log(f"bench: round {rnd}/{rounds} {label} pipeline {pipeline:>2} "
                    f"{server.name:<5} " +
                    "  ".join(f"{t} {rows[t]['rps']:>9,.0f}" for t in tests) + " ops/s")
                for test in tests:
                    samples.setdefault((test, pipeline), {}).setdefault(
                        server.name, []).append(rows[test])
    return samples


def run_commands(server, pipeline, requests, commands):
    """Each (row name, argv, requests divisor) of `commands` once, in order, as a redis-benchmark
    custom-command run (3 B values); returns {row name: CSV row}. Shared by the families and
    heavy-commands tables."""
    rows = {}
    for name, argv, divisor in commands:
        rows.update(run_benchmark(server, 3, pipeline, max(1000, requests // divisor),
                                  tests=(name,), command=argv))
    return rows


def run_table(servers, args, run_once, tests, label):
    """Start the redis/cairn pair `servers` (persistence off), measure `tests` with run_once,
    stop them; returns the table's result rows (all tests at pipeline 1, then at 16)."""
    try:
        start_all(servers)
        samples = measure(servers, args.rounds, args.requests_by_pipeline, run_once, tests, label)
    finally:
        stop_all(servers)
    return [compare({"command": test}, samples[(test, pipeline)], pipeline)
            for pipeline in PIPELINES for test in tests]


def summarize(samples):
    """One result dict per row, in table order (all tests at pipeline 1, then at 16)."""
    return [compare({"command": test}, samples[(test, pipeline)], pipeline)
            for pipeline in PIPELINES for test in TESTS]


def run(servers, args):
    """Start the redis/cairn pair `servers` (persistence off), measure, stop them; returns the
    table's result rows."""
    try:
        start_all(servers)
        samples = measure(servers, args.rounds, args.requests_by_pipeline)
    finally:
        stop_all(servers)
    return summarize(samples)


def cells(r):
    return [r["command"], str(r["pipeline"]), f"{r['redis_rps']:,.0f}",
            f"{r['cairn_rps']:,.0f}", f"{r['ratio']:.2f}",
            f"{r['redis_p50_latency_ms']:.3f} / {r['redis_p99_latency_ms']:.3f}",
            f"{r['cairn_p50_latency_ms']:.3f} / {r['cairn_p99_latency_ms']:.3f}",
            client_cpu_cell(r["redis_client_cpu"], r["cairn_client_cpu"]),
            f"ratio >= {r['target']:.1f}",
            "meets" if not r["misses"] else "misses: " + "; ".join(r["misses"])]


def requests_text(args):
    """'pipeline 1: N, pipeline 16: M': the requests per run, for a table's settings line."""
    return ", ".join(f"pipeline {pl}: {args.requests_by_pipeline[pl]}" for pl in PIPELINES)


def settings_line(args):
    req = requests_text(args)
    return (f"settings: redis-benchmark -c {CLIENTS} -d {VALUE_SIZE} -r {KEYSPACE} "
            f"-t {','.join(t.lower() for t in BENCHMARK_TESTS)}, then the same with the "
            f"command XADD mystream * field <{VALUE_SIZE} B>; keys {', '.join(KEYS)} deleted "
            f"before each run; requests per test {req}; rounds {args.rounds} (median); targets "
            "as in the first table")


def print_table(title, settings, results, args, machine=None):
    """Prints a table of compare() rows under `title` ("Collections"), as text or Markdown;
    shared with the families table."""
    met = sum(1 for r in results if not r["misses"])
    head = ([machine] if machine else []) + [settings]
    rows = [cells(r) for r in results]
    if args.markdown:
        print(f"### {title}\n")
        print("\n".join(f"- {line}" for line in head) + "\n")
        print(format_markdown_table(HEADERS, rows, {1, 2, 3, 4, 5, 6, 7}))
    else:
        print(f"{title.lower()}\n")
        print("\n".join(head) + "\n")
        print(format_text_table(HEADERS, rows, {2, 3, 4}))
    print(f"\n{met} of {len(results)} {title.lower()} rows meet their targets.\n"
          f"{CLIENT_CPU_NOTE}", flush=True)


def print_report(results, args, machine=None):
    print_table("Collections", settings_line(args), results, args, machine)
