"""Random command histories come back whole after kill -9.

Each seed sends a few hundred commands drawn from command_grammar (every family: strings,
bitmaps, HLL, lists, hashes, sets, sorted sets, geo, SORT ... STORE, streams with consumer
groups, MULTI/EXEC, blocking pops, RESTORE, MOVE, SWAPDB, SELECT; a fifth of them inside
EVAL, whose writes are logged as one record) to a server that logs every write, reads back
everything a client can see, kills the server with SIGKILL, restarts it on the same data
directory and reads again: both readings must be equal. Then a quarter as many commands
more and the same again, so that a log the restarted server appended to is replayed too. At
most MAX_ERROR_SHARE of the commands may fail (the grammar aims at edge cases). Variants take a snapshot midway (SAVE: the
restart loads it and replays only the log after it) and lower the encoding thresholds (so
collections convert during the history), the latter with a snapshot midway and one at the
end, so that the first restart loads every key from a snapshot.

What is read per key, in databases 0 and 1: TYPE, PEXPIRETIME, the value through ordinary
commands, and for streams the counters and consumer-group state XINFO and XPENDING show
(without idle times).

Runs against cairn (CAIRN_SERVER) and, unchanged, against redis-server with
--appendonly yes --appendfsync always. CAIRN_REPLAY_SEEDS (default 5 per variant),
CAIRN_REPLAY_STEPS (default 420) and CAIRN_REPLAY_FIRST_SEED make longer runs.
"""
import os
import random
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import command_grammar as grammar  # noqa: E402
from command_grammar import Connection  # noqa: E402
from harness import is_reference_redis  # noqa: E402
from test_durability import DurabilityTestCase  # noqa: E402

SEEDS = int(os.environ.get("CAIRN_REPLAY_SEEDS", "5"))
STEPS = int(os.environ.get("CAIRN_REPLAY_STEPS", "420"))
FIRST_SEED = int(os.environ.get("CAIRN_REPLAY_FIRST_SEED", "0"))
DATABASES = (0, 1)  # the grammar's MOVE and SWAPDB reach database 1
MAX_ERROR_SHARE = 0.5  # 13-34% of the commands fail in seeds 0-9
SECOND_PART_SEED = 1000000  # the commands after the first restart draw from seed + this

# This share of the commands run inside EVAL (or FCALL of the grammar's library, loaded at
# the start): a script's writes are logged as one record.
LUA_SHARE = 0.2

# A history is rounds, each drawing from some families over keys of its own: a key of one
# family is then rarely overwritten by another's, so every type is still there at the kill.
# The last rounds mix everything (RENAME, COPY, SORT ... STORE across families).
ROUNDS = [
    ("str", grammar.STRINGS + grammar.TRANSACTIONS),
    ("list", grammar.LISTS + grammar.TRANSACTIONS),
    ("hs", grammar.HASHES_AND_SETS + grammar.TRANSACTIONS),
    ("zset", grammar.SORTED_SETS + grammar.TRANSACTIONS),
    ("xs", grammar.STREAMS + grammar.TRANSACTIONS),
    ("list", grammar.KEYSPACE + grammar.LISTS + grammar.HASHES_AND_SETS),
    ("mix", grammar.GRAMMAR),
]


def pairs(flat):
    """XINFO replies (flat field/value lists in RESP2) as dicts."""
    return dict(zip(flat[0::2], flat[1::2]))


def stream_state(conn, key):
    info = pairs(conn.call(["XINFO", "STREAM", key]))
    kept = {f: info.get(f) for f in (b"length", b"last-generated-id", b"max-deleted-entry-id",
                                     b"entries-added", b"recorded-first-entry-id", b"groups")}
    groups = []
    for group in conn.call(["XINFO", "GROUPS", key]):
        g = pairs(group)
        consumers = [(c[b"name"], c[b"pending"]) for c in
                     map(pairs, conn.call(["XINFO", "CONSUMERS", key, g[b"name"]]))]
        pending = [(entry_id, consumer, deliveries) for entry_id, consumer, _idle, deliveries
                   in conn.call(["XPENDING", key, g[b"name"], "-", "+", "100000"])]
        groups.append((sorted(g.items()), sorted(consumers), pending))
    return (conn.call(["XRANGE", key, "-", "+"]), sorted(kept.items()), groups)


VALUE_READERS = {
    b"string": lambda c, k: c.call(["GET", k]),
    b"list": lambda c, k: c.call(["LRANGE", k, "0", "-1"]),
    b"hash": lambda c, k: sorted(pairs(c.call(["HGETALL", k])).items()),
    b"set": lambda c, k: sorted(c.call(["SMEMBERS", k])),
    b"zset": lambda c, k: c.call(["ZRANGE", k, "0", "-1", "WITHSCORES"]),
    b"stream": stream_state,
}


def visible_state(port):
    """{(db, key): (type, pexpiretime, value)} of every key in DATABASES."""
    conn = Connection(port, 2)
    state = {}
    for db in DATABASES:
        conn.call(["SELECT", str(db)])
        for key in sorted(conn.call(["KEYS", "*"])):
            kind = conn.call(["TYPE", key])
            state[(db, key)] = (kind, conn.call(["PEXPIRETIME", key]),
                                VALUE_READERS[kind](conn, key))
    # Function libraries, each with its functions in one order (Redis's is its hash table's).
    state[(-1, b"FUNCTION LIST")] = sorted(
        (pairs(lib)[b"library_name"], pairs(lib)[b"library_code"],
         sorted(repr(f) for f in pairs(lib)[b"functions"]))
        for lib in conn.call(["FUNCTION", "LIST", "WITHCODE"]))
    conn.sock.close()
    return state


def differences(before, after):
    lines = []
    for where in sorted(set(before) | set(after)):
        if before.get(where) != after.get(where):
            lines.append("db %d key %r: before the kill %r, after the restart %r"
                         % (where[0], where[1], before.get(where), after.get(where)))
    return lines


class ReplayRandomTestCase(DurabilityTestCase):
    extra_args = ()
    snapshot_midway = False  # SAVE at a random step of the history
    snapshot_at_end = False  # SAVE after it: the restart then loads every key from it

    def send_history(self, port, seed, steps):
        """Sends the seed's commands; returns them (for a failure message) and how many
        were answered with an error."""
        rng_state = random.getstate()
        random.seed(seed)
        conn = Connection(port, 2)
        snapshot_at = random.randrange(steps) if self.snapshot_midway else -1
        history, errors = [], 0
        for step in range(steps):
            prefix, commands = ROUNDS[step * len(ROUNDS) // steps]
            grammar.use_keys([prefix + name for name in grammar.DEFAULT_KEYS])
            if step == snapshot_at:
                history.append(["SAVE"])
                saver = Connection(port, 2)  # the history may be inside MULTI
                self.assertEqual(saver.call(["SAVE"]), b"OK")
                saver.sock.close()
            if random.random() < 0.03:
                cmd = ["SELECT", random.choice(["0", "1"])]
            else:
                cmd = random.choice(commands)()
                if cmd[0] == "SCAN-ALL":
                    continue  # reads only
                if cmd[0] not in grammar.NOT_IN_LUA and random.random() < LUA_SHARE:
                    cmd = grammar.wrap_in_script(cmd)
            if cmd[0] == "DUMP-RESTORE":
                payload = conn.call(["DUMP", cmd[1]])
                if not isinstance(payload, bytes):
                    continue
                cmd = ["RESTORE", grammar.k(),
                       random.choice(["0", "100000000"]), payload, "REPLACE"]
            history.append(cmd)
            reply = conn.call(cmd)
            errors += isinstance(reply, str) and reply.startswith("error")
        conn.call(["DISCARD"])  # a transaction still open would be lost anyway
        if self.snapshot_at_end:
            self.assertEqual(conn.call(["SAVE"]), b"OK")
        conn.sock.close()
        grammar.use_keys(grammar.DEFAULT_KEYS)
        random.setstate(rng_state)
        return history, errors

    def check_seed(self, seed):
        srv = self.server(*self.extra_args)
        srv.start()
        try:
            loader = Connection(srv.port, 2)
            self.assertEqual(loader.call(grammar.LOAD_LIBRARY), b"grammar")
            loader.sock.close()
            history, errors = self.send_history(srv.port, seed, STEPS)
            # The grammar aims at edge cases, so many commands fail; most must not, or the
            # history would change little.
            self.assertLess(errors, len(history) * MAX_ERROR_SHARE, "seed %d" % seed)
            for restart in (1, 2):
                seen = visible_state(srv.port)
                srv.kill9()
                srv.start()
                problems = differences(seen, visible_state(srv.port))
                self.assertEqual(problems, [], "seed %d, restart %d, after %d commands; the "
                                 "last ones:\n  %s" % (seed, restart, len(history), "\n  ".join(
                                     " ".join(map(str, c))[:200] for c in history[-15:])))
                if restart == 1:  # more writes, to the log the restarted server appends to
                    more, _ = self.send_history(srv.port, seed + SECOND_PART_SEED, STEPS // 4)
                    history += more
        finally:
            srv.stop()

    def check_seeds(self):
        for seed in range(FIRST_SEED, FIRST_SEED + SEEDS):
            with self.subTest(seed=seed):
                self.check_seed(seed)


class TestRandomHistories(ReplayRandomTestCase):
    def test_come_back_after_kill_9(self):
        self.check_seeds()


class TestRandomHistoriesWithSnapshot(ReplayRandomTestCase):
    snapshot_midway = True

    def test_come_back_after_kill_9_from_snapshot_and_log(self):
        self.check_seeds()


class TestRandomHistoriesSmallEncodings(ReplayRandomTestCase):
    # The grammar's thresholds as startup options, so the restarted server converts alike;
    # with snapshots too, which hold collections in both representations.
    snapshot_midway = True
    snapshot_at_end = True
    extra_args = tuple("--" + a if i % 2 == 0 else a
                       for i, a in enumerate(grammar.SMALL_ENCODINGS))

    def test_come_back_after_kill_9_with_small_encodings(self):
        self.check_seeds()


if __name__ == "__main__":
    if is_reference_redis():
        sys.stderr.write("test_replay_random: running against redis-server\n")
    unittest.main()
