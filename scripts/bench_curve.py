"""bench_curve: durable SET throughput and p99 against the number of clients, for scripts/bench.

The one picture of what cairn is for: four servers, each measured with redis-benchmark
SET -P 1 -d 32 -r 100000 at 1, 4, 16, 50 and 200 clients, in alternation, R rounds, medians:

  redis always     redis-server --appendonly yes --appendfsync always   (durable, Redis)
  cairn always     cairn-server, its default: every write fdatasync'ed before its reply
  cairn WAL off    cairn-server --appendonly no                         (nothing on disk)
  redis no disk    redis-server --appendonly no --save ""               (nothing on disk)

It prints a table (ops/s and p99 per server and client count) and, with --plot PATH, draws the
two curves (throughput, p99) to a PNG with matplotlib (Debian's python3-matplotlib; scripts/bench
installs it when --plot is given).
"""

import statistics

from bench_harness import (NO_PERSISTENCE, Server, format_markdown_table, format_text_table,
                           free_ports, log, run_benchmark, start_all, stop_all)

CLIENT_COUNTS = (1, 4, 16, 50, 200)
# Sized for about 1-2 s per run on a 2-core machine with fdatasync near 0.15 ms.
REQUESTS = {1: 4000, 4: 15000, 16: 40000, 50: 80000, 200: 100000}
QUICK_REQUESTS = {c: n // 4 for c, n in REQUESTS.items()}
VALUE_SIZE = 32
NO_REWRITE = ["--auto-aof-rewrite-percentage", "0"]

# (name, binary kind, persistence flags), in the order of the table's columns.
SERVERS = (
    ("redis always", "redis",
     ["--appendonly", "yes", "--appendfsync", "always", "--save", ""] + NO_REWRITE),
    ("cairn always", "cairn", ["--appendfsync", "always", "--save", ""] + NO_REWRITE),
    ("cairn WAL off", "cairn", ["--appendonly", "no", "--save", ""]),
    ("redis no disk", "redis", NO_PERSISTENCE),
)


def servers(redis_binary, cairn_binary, cairn_extra):
    ports = free_ports(len(SERVERS))
    out = []
    for (name, kind, persistence), port in zip(SERVERS, ports):
        binary = redis_binary if kind == "redis" else cairn_binary
        extra = cairn_extra if kind == "cairn" else []
        out.append(Server(name.replace(" ", "-"), binary, port, extra, persistence))
    return out


def run(server_list, args):
    """Returns {clients: {server label: {"rps": median, "p99": median}}}."""
    requests = QUICK_REQUESTS if args.quick else REQUESTS
    samples = {}
    try:
        start_all(server_list)
        for rnd in range(1, args.rounds + 1):
            for clients in CLIENT_COUNTS:
                for (label, _, _), server in zip(SERVERS, server_list):
                    row = run_benchmark(server, VALUE_SIZE, 1, requests[clients], clients,
                                        ("SET",))["SET"]
                    log(f"bench: round {rnd}/{args.rounds} curve SET c={clients:<3} "
                        f"{label:<13} {row['rps']:>10,.0f} ops/s  "
                        f"p99 {row['p99_latency_ms']:.3f} ms")
                    samples.setdefault(clients, {}).setdefault(label, []).append(row)
    finally:
        stop_all(server_list)
    return {clients: {label: {"rps": statistics.median(r["rps"] for r in rows),
                              "p99": statistics.median(r["p99_latency_ms"] for r in rows)}
                      for label, rows in by_server.items()}
            for clients, by_server in samples.items()}


def headers():
    out = ["clients"]
    for label, _, _ in SERVERS:
        out += [f"{label} ops/s", f"{label} p99 ms"]
    return out + ["cairn always / redis always"]


def table_rows(result):
    rows = []
    for clients in CLIENT_COUNTS:
        cells = [str(clients)]
        for label, _, _ in SERVERS:
            m = result[clients][label]
            cells += [f"{m['rps']:,.0f}", f"{m['p99']:.3f}"]
        redis, cairn = result[clients]["redis always"], result[clients]["cairn always"]
        cells.append(f"{cairn['rps'] / redis['rps']:.2f}" if redis["rps"] else "-")
        rows.append(cells)
    return rows


def plot(result, path, title):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 8), sharex=True)
    styles = {"redis always": "o-", "cairn always": "s-", "cairn WAL off": "s--",
              "redis no disk": "o--"}
    for label, _, _ in SERVERS:
        top.plot(CLIENT_COUNTS, [result[c][label]["rps"] for c in CLIENT_COUNTS],
                 styles[label], label=label)
        bottom.plot(CLIENT_COUNTS, [result[c][label]["p99"] for c in CLIENT_COUNTS],
                    styles[label], label=label)
    top.set_ylabel("SET ops/s (higher is better)")
    bottom.set_ylabel("p99 latency, ms (lower is better)")
    bottom.set_xlabel("clients (redis-benchmark -c, pipeline 1, 32 B values)")
    for ax in (top, bottom):
        ax.set_xscale("log")
        ax.set_xticks(CLIENT_COUNTS)
        ax.set_xticklabels([str(c) for c in CLIENT_COUNTS])
        ax.grid(True, alpha=0.3)
    top.set_ylim(bottom=0)
    bottom.set_ylim(bottom=0)
    top.legend()
    top.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def print_report(result, args, machine=None):
    head = ([machine] if machine else []) + [
        f"redis-benchmark -t set -P 1 -d {VALUE_SIZE} -r 100000 at "
        f"{', '.join(map(str, CLIENT_COUNTS))} clients; rounds {args.rounds} (median); "
        "servers in alternation"]
    rows = table_rows(result)
    numeric = set(range(len(headers())))
    if args.markdown:
        print("### Durable SET against clients\n")
        print("\n".join(f"- {line}" for line in head) + "\n")
        print(format_markdown_table(headers(), rows, numeric))
    else:
        print("durable SET against clients\n")
        print("\n".join(head) + "\n")
        print(format_text_table(headers(), rows, numeric))
    if args.plot:
        plot(result, args.plot, "SET, every write durable (always) or none (WAL off / no disk)")
        print(f"\nplot: {args.plot}")
