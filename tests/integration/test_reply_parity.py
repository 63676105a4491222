"""Every command's replies to malformed and ordinary calls, cairn against redis-server.

Each command redis-server lists (COMMAND LIST), and each container's subcommands, is sent with
a few argument shapes against a key of each type, in RESP2 and in RESP3, to both servers; the
replies must be the same, type and bytes: error texts, arity and syntax checks, which check
comes first, reply types. Commands whose replies depend on time, chance, the machine or
server-wide state are left out, as are the differences cairn has on purpose (listed below with
their reasons). The random differential test (scripts/compare_with_redis.py) covers sequences
of valid commands; this one covers the edges of each command once.
"""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import REFERENCE_BINARY, ServerProcess, encode_command  # noqa: E402

# Left out: they change or report server-wide state, block, talk to other servers, write
# files, or answer with time, chance, key order or the machine's own figures.
SKIP = {
    "acl", "asking", "auth", "bgrewriteaof", "bgsave", "blmove", "blmpop", "blpop", "brpop",
    "brpoplpush", "bzmpop", "bzpopmax", "bzpopmin", "client", "cluster", "command", "config",
    "dbsize", "debug", "discard", "dump", "exec", "failover", "flushall", "flushdb", "function",
    "hello", "hrandfield", "info", "keys", "lastsave", "latency", "lolwut", "memory", "migrate",
    "module", "monitor", "multi", "object", "pfdebug", "pfselftest", "psubscribe", "psync",
    "punsubscribe", "quit", "randomkey", "readonly", "readwrite", "replconf", "replicaof",
    "reset", "restore", "restore-asking", "role", "save", "scan", "script", "select",
    "shutdown", "slaveof", "slowlog", "spop", "srandmember", "ssubscribe", "subscribe",
    "sunsubscribe", "swapdb", "sync", "time", "unsubscribe", "wait", "watch", "xautoclaim",
    "xclaim", "xread", "xreadgroup", "zrandmember",
}
# Container subcommands whose reply is cairn's own text (HELP) or server-wide state.
SUBCOMMANDS = ("object|encoding", "object|refcount", "xinfo|stream", "xinfo|groups",
               "xinfo|consumers", "pubsub|numpat", "pubsub|channels", "pubsub|numsub",
               "xgroup|create", "xgroup|destroy", "xgroup|setid", "xgroup|createconsumer",
               "xgroup|delconsumer")
# A key of each type named "k" before each call (and nothing named "k2").
SETUPS = (("SET", "k", "hello"), ("SET", "k", "12"), ("RPUSH", "k", "a", "b"),
          ("HSET", "k", "f", "v"), ("SADD", "k", "m"), ("SADD", "k", "1", "2"),
          ("ZADD", "k", "1", "m"), ("XADD", "k", "1-1", "f", "v"))
SHAPES = ((), ("k",), ("k", "x"), ("k", "1"), ("k", "x", "y"), ("k", "0", "-1"),
          ("k", "1", "2", "3", "4"), ("k", "k2"), ("k", "-1"), ("k", "0", "1", "WITHSCORES"))


def allowed(setup, command, shape):
    """The differences cairn has on purpose. A small set of strings is a listpack (Redis 7.2's
    form; 7.0 keeps a hashtable, `set-max-listpack-entries 0` gives 7.0's): OBJECT ENCODING
    names it, and SSCAN returns it whole at any cursor, as Redis 7.2 does, where 7.0 walks its
    table's buckets from the cursor."""
    small_string_set = setup == ("SADD", "k", "m")
    return small_string_set and (command == ("object", "encoding") or
                                 (command == ("sscan",) and shape[1:2] not in ((), ("0",))))


class ReplyParityTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        if not os.path.exists(REFERENCE_BINARY):
            raise unittest.SkipTest("needs redis-server")
        cls.cairn = ServerProcess([]).start()
        cls.redis = ServerProcess([], binary=REFERENCE_BINARY).start()

    @classmethod
    def tearDownClass(cls):
        cls.cairn.stop()
        cls.redis.stop()

    def connections(self, protocol):
        conns = [self.cairn.raw_connection(timeout=5), self.redis.raw_connection(timeout=5)]
        for c in conns:
            self.addCleanup(c.sock.close)
            if protocol == 3:
                c.command("HELLO", "3")
        return conns

    def command_names(self):
        conn = self.redis.raw_connection()
        self.addCleanup(conn.sock.close)
        names = sorted(r.value.decode() for r in conn.command("COMMAND", "LIST").value)
        plain = [n for n in names if "|" not in n and n not in SKIP]
        return [(n,) for n in plain] + [tuple(s.split("|")) for s in SUBCOMMANDS]

    def compare(self, protocol):
        conns = self.connections(protocol)
        differences = []
        for command in self.command_names():
            for setup in SETUPS:
                for shape in SHAPES:
                    if allowed(setup, command, shape):
                        continue
                    calls = [("DEL", "k", "k2"), setup, command + shape]
                    for c in conns:  # one round trip each
                        c.send(b"".join(encode_command(*call) for call in calls))
                    replies = [c.read_replies(3)[2] for c in conns]
                    if replies[0] != replies[1]:
                        differences.append("%s; %s: cairn %r, redis %r" % (
                            " ".join(setup), " ".join(command + shape), replies[0], replies[1]))
        self.assertEqual(differences[:20], [], "%d differences" % len(differences))

    def test_resp2_replies_match_redis(self):
        self.compare(2)

    def test_resp3_replies_match_redis(self):
        self.compare(3)


if __name__ == "__main__":
    unittest.main()
