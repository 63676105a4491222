"""bench_acl: the ACL table of scripts/bench.

What an ACL user costs: SET and GET at pipeline 16 (50 clients, 32 B values, random keys
key:<n>) as the `default` user, as a user allowed everything (`+@all ~* &*`), and as a service
user limited by category and key pattern (`+@all -@dangerous ~key:* &*`, so every key of every
command is matched against a pattern). Both servers are measured the same way, so Redis's own
cost of the same checks is beside cairn's. The three users take turns within each round, so a
drift of the machine spreads over them; medians over the rounds.

Target (issue: access control): an ACL'd user costs cairn at most 3% of the default user's
throughput at pipeline 16.
"""

from bench_harness import (CLIENTS, format_markdown_table, format_text_table, log, median_of,
                           run_benchmark, start_all, stop_all)

PIPELINE = 16
VALUE_SIZE = 32
PASSWORD = "bench-secret"
USERS = (
    ("default", None),
    ("all", "+@all ~* &*"),
    ("service", "+@all -@dangerous ~key:* &*"),
)
TESTS = ("SET", "GET")
TARGET = 0.97

HEADERS = ["server", "user", "rules", "SET ops/s", "SET / default", "GET ops/s",
           "GET / default", "target", "result"]


def create_users(server):
    for name, rules in USERS:
        if rules is not None:
            server.call("ACL", "SETUSER", name, "reset", "on", ">" + PASSWORD, *rules.split())


def run(servers, args):
    """Start the redis/cairn pair `servers` (persistence off), measure, stop them; returns
    {server name: {user: {test: [rows]}}}."""
    samples = {s.name: {name: {t: [] for t in TESTS} for name, _ in USERS} for s in servers}
    requests = args.requests_by_pipeline[PIPELINE]
    try:
        start_all(servers)
        for server in servers:
            create_users(server)
            # Untimed: fills the keyspace, so no user's run pays for creating the keys.
            run_benchmark(server, VALUE_SIZE, PIPELINE, requests, tests=TESTS)
        for round_no in range(1, args.rounds + 1):
            # Each round starts with the next user: none is always first or last.
            order = USERS[round_no % len(USERS):] + USERS[:round_no % len(USERS)]
            for server in servers:
                figures = []
                for name, rules in order:
                    auth = None if rules is None else (name, PASSWORD)
                    rows = run_benchmark(server, VALUE_SIZE, PIPELINE, requests, tests=TESTS,
                                         auth=auth)
                    for t in TESTS:
                        samples[server.name][name][t].append(rows[t])
                    figures.append(f"{name} " + " ".join(f"{t} {rows[t]['rps']:,.0f}"
                                                         for t in TESTS))
                log(f"bench: round {round_no}/{args.rounds} acl {server.name}: "
                    + "; ".join(figures) + " ops/s")
    finally:
        stop_all(servers)
    return samples


def table_rows(samples):
    rows, met, checked = [], 0, 0
    for server, by_user in samples.items():
        base = {t: median_of(by_user["default"][t], "rps") for t in TESTS}
        for name, rules in USERS:
            cells = [server, name, rules or "(no ACL)"]
            ratios = []
            for t in TESTS:
                rps = median_of(by_user[name][t], "rps")
                ratios.append(rps / base[t] if base[t] else 0.0)
                cells += [f"{rps:,.0f}", f"{ratios[-1]:.3f}"]
            if server != "cairn" or rules is None:
                cells += ["-", "-"]
            else:
                checked += 1
                ok = min(ratios) >= TARGET
                met += ok
                cells += [f">= {TARGET}", "meets" if ok else "misses"]
            rows.append(cells)
    return rows, met, checked


def print_report(samples, args, machine=None):
    head = ([machine] if machine else []) + [
        f"settings: redis-benchmark -c {CLIENTS} -P {PIPELINE} -d {VALUE_SIZE} -t set,get, "
        f"requests {args.requests_by_pipeline[PIPELINE]}, as each user (redis-benchmark --user "
        f"-a) after an untimed run that fills the keyspace; users take turns, each round "
        f"starting with the next one; rounds {args.rounds} (median); ratio = the "
        "user's ops/s / the default user's on the same server"]
    rows, met, checked = table_rows(samples)
    if args.markdown:
        print("### ACL\n")
        print("\n".join(f"- {line}" for line in head) + "\n")
        print(format_markdown_table(HEADERS, rows, {3, 4, 5, 6}))
    else:
        print("acl\n")
        print("\n".join(head) + "\n")
        print(format_text_table(HEADERS, rows, {3, 4, 5, 6}))
    print(f"\n{met} of {checked} ACL rows meet their target.", flush=True)
