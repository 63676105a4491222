"""bench_heavy: the heavy-commands table of scripts/bench.

Commands whose work grows with a collection rather than with the request: ranges with scores,
set algebra, random picks, sorting, bit scans and HyperLogLog merges, each over one value of
about 1,000 elements that every client reads or writes. One key per row, so these rows show
what a command costs and whether cairn's two I/O threads overlap on one key (work done after
the key's lock is released) or take turns. Same rounds, medians and targets as the first
table; each row is one redis-benchmark run in custom-command mode, on a fresh redis/cairn pair
with persistence off:

  ZREVRANGE      lb 0 99 WITHSCORES          100 members with their scores
  ZRANGEBYSCORE  lb 100000 300000 WITHSCORES about 200 of them
  SINTER         s1 s2                       two 1,000-member string sets sharing 500
  SDIFF          s1 s2
  SINTERSTORE    dst s1 s2
  SINTER-INTS    i1 i2                       two 400-member integer sets (intsets)
  LSET           big 500 <20 B>              the middle of a 1,000-element list
  HRANDFIELD     h -100                      100 picks from a 1,000-field hash
  SRANDMEMBER    s1 100
  SORT-ALPHA     big ALPHA LIMIT 0 10        the 10 first of 1,000 strings
  BITPOS         bits 1                      a 100 KB string with its first set bit at the end
  PFMERGE        hll3 hll1 hll2              two dense HLLs
  RANDOMKEY                                  over 5,000 keys
  HGET-BIG       hb f:<rand>                 a field of a 100,000-field hash
  ZSCORE-BIG     zb m:<rand>                 a member of a 100,000-member sorted set
  SISMEMBER-BIG  sb m:<rand>                 a member of a 100,000-member set

The -BIG rows cost a lookup, not work that grows: they show the cache misses of reaching one
element of a value of several megabytes, past the per-core caches (<rand> is redis-benchmark's
random 12-digit number under -r, so every lookup finds its element).

Rows are named by command; the divisor scales the requests down for the costly ones.
"""

import random

import bench_collections
from bench_harness import KEYSPACE

BIG = 1000
INTSET = 400

# (row name, argv, requests divisor)
COMMANDS = (
    ("ZREVRANGE", ["ZREVRANGE", "lb", "0", "99", "WITHSCORES"], 20),
    ("ZRANGEBYSCORE", ["ZRANGEBYSCORE", "lb", "100000", "300000", "WITHSCORES"], 20),
    ("SINTER", ["SINTER", "s1", "s2"], 40),
    ("SDIFF", ["SDIFF", "s1", "s2"], 40),
    ("SINTERSTORE", ["SINTERSTORE", "dst", "s1", "s2"], 40),
    ("SINTER-INTS", ["SINTER", "i1", "i2"], 10),
    ("LSET", ["LSET", "big", "500", "x" * 20], 2),
    ("HRANDFIELD", ["HRANDFIELD", "h", "-100"], 10),
    ("SRANDMEMBER", ["SRANDMEMBER", "s1", "100"], 10),
    ("SORT-ALPHA", ["SORT", "big", "ALPHA", "LIMIT", "0", "10"], 40),
    ("BITPOS", ["BITPOS", "bits", "1"], 4),
    ("PFMERGE", ["PFMERGE", "hll3", "hll1", "hll2"], 40),
    ("RANDOMKEY", ["RANDOMKEY"], 2),
    ("HGET-BIG", ["HGET", "hb", "f:__rand_int__"], 1),
    ("ZSCORE-BIG", ["ZSCORE", "zb", "m:__rand_int__"], 1),
    ("SISMEMBER-BIG", ["SISMEMBER", "sb", "m:__rand_int__"], 1),
)
TESTS = tuple(name for name, _, _ in COMMANDS)


def prepare(server):
    """The same values on both servers, from an empty keyspace."""
    server.call("FLUSHALL", timeout=60)
    rng = random.Random(11)
    lb = []
    for i in range(BIG):
        lb += [f"{rng.random() * 1e6:.3f}", f"player:{i}"]
    server.call("ZADD", "lb", *lb, timeout=60)
    server.call("SADD", "s1", *(f"m{i}" for i in range(BIG)), timeout=60)
    server.call("SADD", "s2", *(f"m{2 * i}" for i in range(BIG)), timeout=60)
    server.call("SADD", "i1", *(str(i) for i in range(INTSET)), timeout=60)
    server.call("SADD", "i2", *(str(2 * i) for i in range(INTSET)), timeout=60)
    server.call("RPUSH", "big", *(f"item-{i}-xxxxxxxxxxxx" for i in range(BIG)), timeout=60)
    fields = []
    for i in range(BIG):
        fields += [f"f{i}", f"v{i}xxxxxxxxxxx"]
    server.call("HSET", "h", *fields, timeout=60)
    server.call("SETRANGE", "bits", "100000", "x")
    server.call("PFADD", "hll1", *(f"e{i}" for i in range(5000)), timeout=60)
    server.call("PFADD", "hll2", *(f"f{i}" for i in range(5000)), timeout=60)
    for start in range(0, 5000, 1000):
        pairs = []
        for i in range(start, start + 1000):
            pairs += [f"key:{i}", f"val{i}"]
        server.call("MSET", *pairs, timeout=60)
    prepare_big(server)


def prepare_big(server):
    """The -BIG rows' values: one element for each number redis-benchmark's -r draws."""
    for start in range(0, KEYSPACE, 10000):
        ids = [f"{i:012d}" for i in range(start, min(start + 10000, KEYSPACE))]
        fields, scored = [], []
        for i in ids:
            fields += [f"f:{i}", f"v{i}"]
            scored += [str(int(i)), f"m:{i}"]
        server.call("HSET", "hb", *fields, timeout=60)
        server.call("ZADD", "zb", *scored, timeout=60)
        server.call("SADD", "sb", *(f"m:{i}" for i in ids), timeout=60)


def run_once(server, pipeline, requests):
    """Every command once, in table order; returns {test: CSV row}."""
    prepare(server)
    return bench_collections.run_commands(server, pipeline, requests, COMMANDS)


def run(servers, args):
    """Start the redis/cairn pair `servers` (persistence off), measure, stop them; returns the
    table's result rows (all commands at pipeline 1, then at 16)."""
    return bench_collections.run_table(servers, args, run_once, TESTS, "heavy")


def settings_line(args):
    req = bench_collections.requests_text(args)
    return ("settings: redis-benchmark -c 50 in custom-command mode, one run per command on "
            f"one key each (see scripts/bench_heavy.py); requests per command {req}, divided "
            f"by 2 to 40 by cost; rounds {args.rounds} (median); targets as in the first table")


def print_report(results, args, machine=None):
    bench_collections.print_table("Heavy commands", settings_line(args), results, args, machine)
