"""bench_families: the families table of scripts/bench.

Throughput of the command families that came after the collections, redis against cairn with
persistence off, at pipeline 1 and 16, with the same rounds, medians, ratios and targets as the
first table. Every row is one redis-benchmark run in custom-command mode (-r replaces
__rand_int__ with a random number below the keyspace size):

  EVALSHA     a three-command script (GET, INCR, SET of its one key), loaded with SCRIPT LOAD;
              keys script:<rand>, so scripts on different keys may run in parallel
  SETBIT      SETBIT bitmap:<rand> 4095 1    (redis-benchmark's random numbers have leading
              zeros, which a bit offset may not have: the randomness is in the key)
  BITCOUNT    BITCOUNT bits                  (a 100,000-bit bitmap, loaded before the run)
  PFADD       PFADD hll element:<rand>
  PFCOUNT     PFCOUNT hll                    (after the PFADD run filled it)
  GEOADD      GEOADD geo <lon> <lat> member:<rand>  (one fixed point: the cost of the update)
  GEOSEARCH   GEOSEARCH geo FROMLONLAT ... BYRADIUS 200 km ASC COUNT 10, over 1,000 points
              spread around it, loaded before the run
  SORT        SORT sortlist over a 1,000-element list of numbers (fewer requests: each reply
              carries 1,000 elements)

Each round starts from an empty keyspace (FLUSHALL), so both servers see the same state.
"""

import random

import bench_collections
from bench_harness import CLIENTS, KEYSPACE

SCRIPT = ("local v = redis.call('GET', KEYS[1]) "
          "local n = redis.call('INCR', KEYS[1]) "
          "redis.call('SET', KEYS[1], n) return n")
CENTER = (13.361389, 38.115556)
BITMAP_BYTES = 12500
GEO_POINTS = 1000
SORT_ELEMENTS = 1000

# (row name, argv with "{sha}" for the script's SHA-1, requests divisor)
COMMANDS = (
    ("EVALSHA", ["EVALSHA", "{sha}", "1", "script:__rand_int__"], 1),
    ("SETBIT", ["SETBIT", "bitmap:__rand_int__", "4095", "1"], 1),
    ("BITCOUNT", ["BITCOUNT", "bits"], 1),
    ("PFADD", ["PFADD", "hll", "element:__rand_int__"], 1),
    ("PFCOUNT", ["PFCOUNT", "hll"], 1),
    ("GEOADD", ["GEOADD", "geo", str(CENTER[0]), str(CENTER[1]), "member:__rand_int__"], 1),
    ("GEOSEARCH", ["GEOSEARCH", "georadius", "FROMLONLAT", str(CENTER[0]), str(CENTER[1]),
                   "BYRADIUS", "200", "km", "ASC", "COUNT", "10"], 1),
    ("SORT", ["SORT", "sortlist"], 20),
)
TESTS = tuple(name for name, _, _ in COMMANDS)


def prepare(server):
    """Empty keys, the script loaded, the BITCOUNT bitmap, the GEOSEARCH points and the SORT
    list; returns the script's SHA-1."""
    server.call("FLUSHALL", timeout=60)
    rng = random.Random(7)
    server.call("SET", "bits", bytes(rng.randrange(256) for _ in range(BITMAP_BYTES)))
    points = []
    for i in range(GEO_POINTS):
        points += [f"{CENTER[0] + rng.uniform(-2, 2):.6f}",
                   f"{CENTER[1] + rng.uniform(-1.5, 1.5):.6f}", f"p{i}"]
    server.call("GEOADD", "georadius", *points, timeout=60)
    server.call("RPUSH", "sortlist", *(str(rng.randrange(10**6)) for _ in range(SORT_ELEMENTS)),
                timeout=60)
    return server.call("SCRIPT", "LOAD", SCRIPT)


def run_once(server, pipeline, requests):
    """Every command once, in table order; returns {test: CSV row}."""
    sha = prepare(server)
    commands = [(name, [a.replace("{sha}", sha) for a in argv], divisor)
                for name, argv, divisor in COMMANDS]
    return bench_collections.run_commands(server, pipeline, requests, commands)


def run(servers, args):
    """Start the redis/cairn pair `servers` (persistence off), measure, stop them; returns the
    table's result rows (all commands at pipeline 1, then at 16)."""
    return bench_collections.run_table(servers, args, run_once, TESTS, "families")


def settings_line(args):
    req = bench_collections.requests_text(args)
    return (f"settings: redis-benchmark -c {CLIENTS} -r {KEYSPACE} in custom-command mode, one "
            f"run per command (see scripts/bench_families.py); requests per command {req} "
            f"(SORT: a twentieth); rounds {args.rounds} (median); targets as in the first table")


def print_report(results, args, machine=None):
    bench_collections.print_table("Families", settings_line(args), results, args, machine)
