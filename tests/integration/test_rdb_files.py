"""RDB files between cairn and a real redis-server, both ways.

A redis-server writes dump.rdb holding every type (small and large encodings), TTLs, several
databases and a function library; cairn started on that directory for the first time imports
it, makes it its own (a restart no longer needs the file) and serves the same values. SAVE on
cairn writes dump.rdb; a redis-server started with --dir and --dbfilename on it loads the same
values; so does one fetched with `redis-cli --rdb`, and one that `cairn-rdb export` writes from
a stopped server's directory. A truncated or damaged file stops cairn's start (and fails
`cairn-rdb check`) with the file, the offset and what to do, and exits normally (no crash).
"""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (REFERENCE_BINARY, DurableServer, ServerProcess, free_port,
                     is_reference_redis, server_binary)

LIBRARY = ("#!lua name=rdblib\n"
           "redis.register_function('rdbecho', function(keys, args) return args[1] end)")
FAR_FUTURE_MS = 4102444800000  # 2100-01-01


def encode(*args):
    """A command in RESP."""
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a.encode() if isinstance(a, str) else a
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


def sync(sock, setup):
    """Sends the setup commands, each answered +OK before the next, then SYNC; returns the RDB
    that follows and the socket's reader, positioned after it. (A SYNC pipelined behind them
    would be refused: replies would still be pending in front of the RDB.)"""
    stream = sock.makefile("rb")
    for c in setup:
        sock.sendall(encode(*c))
        line = stream.readline()
        assert line == b"+OK\r\n", line
    sock.sendall(encode("SYNC"))
    line = stream.readline()
    while line == b"\n":  # keep-alive newlines while the file is prepared
        line = stream.readline()
    assert line.startswith(b"$"), line
    if line.startswith(b"$EOF:"):  # Redis's framing for a replica with capa eof
        marker, rdb = line[5:45], b""
        while not rdb.endswith(marker):
            rdb += stream.read(1)
        return rdb[:-len(marker)], stream
    return stream.read(int(line[1:].strip())), stream


def fetch_rdb(port, setup):
    """The RDB that SYNC sends a client that asked for the file only, after setup."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        return sync(sock, [("REPLCONF", "capa", "eof"), ("REPLCONF", "rdb-only", "1")] +
                    list(setup))[0]


def cairn_rdb_binary():
    """cairn-rdb, built beside the server under test."""
    return os.path.join(os.path.dirname(server_binary()), "cairn-rdb")


def populate(r):
    """Every type in its small and large encodings, TTLs, three databases."""
    r.set("str", "hello")
    r.set("int", "12345")
    r.set("big", "x" * 100000)
    r.set("ttl", "soon")
    r.pexpireat("ttl", FAR_FUTURE_MS)
    r.rpush("list:small", "a", "b", "1", "2")
    r.rpush("list:big", *["item-%d" % i for i in range(3000)])
    r.sadd("set:int", 1, 2, 3, -7)
    r.sadd("set:str", "a", "b", "c")
    r.sadd("set:big", *["m%d" % i for i in range(600)])
    r.hset("hash:small", mapping={"f1": "v1", "f2": "2"})
    r.hset("hash:big", mapping={"f%d" % i: "v%d" % i for i in range(700)})
    r.zadd("zset:small", {"a": 1, "b": 2.5, "c": -3})
    r.zadd("zset:big", {"m%d" % i: i / 7 for i in range(300)})
    for i in range(20):
        r.xadd("stream", {"n": str(i), "f": "v"}, id="%d-1" % (1000 + i))
    r.xgroup_create("stream", "g1", id="0")
    r.xreadgroup("g1", "alice", {"stream": ">"}, count=3)
    r.xdel("stream", "1005-1")
    r.execute_command("SELECT", 3)
    r.set("db3", "three")
    r.hset("db3:hash", "k", "v")
    r.execute_command("SELECT", 9)
    r.zadd("db9:zset", {"only": 9})
    r.expire("db9:zset", 100000)
    r.execute_command("SELECT", 0)
    r.execute_command("FUNCTION", "LOAD", LIBRARY)


def contents(r):
    """What a user can read: per database, each key's type, value and whether it has a TTL."""
    out = {}
    for db in range(16):
        r.execute_command("SELECT", db)
        for key in r.scan_iter(count=1000):
            kind = r.type(key).decode()
            if kind == "string":
                value = r.get(key)
            elif kind == "list":
                value = r.lrange(key, 0, -1)
            elif kind == "set":
                value = sorted(r.smembers(key))
            elif kind == "hash":
                value = sorted(r.hgetall(key).items())
            elif kind == "zset":
                value = r.zrange(key, 0, -1, withscores=True)
            else:
                groups = [(g["name"], g["pending"], g["last-delivered-id"])
                          for g in r.xinfo_groups(key)]
                value = (r.xrange(key), groups, r.xpending_range(key, "g1", "-", "+", 100))
                value = (value[0], groups,
                         [(p["message_id"], p["consumer"]) for p in value[2]])
            out[(db, key)] = (kind, value, r.pttl(key) > 0)
    r.execute_command("SELECT", 0)
    return out


class RedisProcess(ServerProcess):
    """A redis-server on a directory of the test's choosing (for its dump.rdb)."""

    def __init__(self, directory):
        super().__init__(["--dbfilename", "dump.rdb"], binary=REFERENCE_BINARY)
        self.fixed_dir = directory

    def start(self):
        self.dir = self.fixed_dir
        self.log_path = os.path.join(self.dir, "redis.log")
        return self._start_on_a_free_port()

    def cleanup(self):
        if self._log:
            self._log.close()
            self._log = None


@unittest.skipIf(is_reference_redis(), "moves files between cairn and redis-server")
@unittest.skipUnless(os.path.exists(REFERENCE_BINARY), "needs redis-server")
class RdbFilesTest(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="cairn-rdb-")
        self.servers = []

    def tearDown(self):
        for s in self.servers:
            s.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def redis_dump(self):
        """A dump.rdb written by redis-server from populate(); returns (path, contents)."""
        d = os.path.join(self.root, "redis")
        os.makedirs(d)
        redis = RedisProcess(d)
        self.servers.append(redis)
        redis.start()
        r = redis.client()
        populate(r)
        expected = contents(r)
        self.assertTrue(r.execute_command("SAVE"))
        r.close()
        redis.stop()
        self.servers.remove(redis)
        return os.path.join(d, "dump.rdb"), expected

    def assertRedisLoads(self, directory, expected):
        """A redis-server started on directory loads its dump.rdb holding expected (and the
        library, when expected came from populate())."""
        redis = RedisProcess(directory)
        self.servers.append(redis)
        redis.start()
        rr = redis.client()
        self.assertEqual(contents(rr), expected)
        if (0, b"str") in expected:
            self.assertEqual(rr.execute_command("FCALL", "rdbecho", 0, "hi"), b"hi")
        rr.close()

    def cairn_on(self, rdb_path=None, name="cairn"):
        server = DurableServer(os.path.join(self.root, name))
        if rdb_path is not None:
            shutil.copy(rdb_path, os.path.join(server.data_dir, "dump.rdb"))
        self.servers.append(server)
        return server

    def test_redis_dump_imports_on_first_start_and_stays(self):
        path, expected = self.redis_dump()
        cairn = self.cairn_on(path)
        cairn.start()
        r = cairn.client()
        self.assertEqual(contents(r), expected)
        self.assertEqual(r.execute_command("FCALL", "rdbecho", 0, "hi"), b"hi")
        self.assertEqual(r.pexpiretime("ttl"), FAR_FUTURE_MS)
        r.close()
        self.assertIn("Imported dump.rdb", cairn.log_text())
        # The import is cairn's own data now: without the file, a restart has it all.
        cairn.stop()
        os.unlink(os.path.join(cairn.data_dir, "dump.rdb"))
        cairn.start()
        r = cairn.client()
        self.assertEqual(contents(r), expected)
        self.assertEqual(r.execute_command("FCALL", "rdbecho", 0, "again"), b"again")
        r.close()

    def test_file_is_not_imported_over_existing_data(self):
        path, _ = self.redis_dump()
        cairn = self.cairn_on()
        cairn.start()
        r = cairn.client()
        r.set("mine", "1")
        r.close()
        cairn.stop()
        shutil.copy(path, os.path.join(cairn.data_dir, "dump.rdb"))
        cairn.start()
        r = cairn.client()
        self.assertEqual(r.keys("*"), [b"mine"])
        r.close()

    def test_save_writes_a_dump_that_redis_server_loads(self):
        path, expected = self.redis_dump()
        cairn = self.cairn_on(path)
        cairn.start()
        r = cairn.client()
        r.set("written-on-cairn", "yes")
        expected[(0, b"written-on-cairn")] = ("string", b"yes", False)
        self.assertTrue(r.execute_command("SAVE"))
        r.close()
        out = os.path.join(self.root, "redis-again")
        os.makedirs(out)
        shutil.copy(os.path.join(cairn.data_dir, "dump.rdb"), os.path.join(out, "dump.rdb"))
        self.assertRedisLoads(out, expected)

    def fetch_with_redis_cli(self, port, option, name):
        """redis-cli OPTION <dir>/dump.rdb (--rdb, --functions-rdb) from the server on port;
        returns the new directory holding the file."""
        out = os.path.join(self.root, name)
        os.makedirs(out)
        done = subprocess.run(["redis-cli", "-p", str(port), option,
                               os.path.join(out, "dump.rdb")],
                              capture_output=True, timeout=60)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn(b"Transfer finished with success", done.stderr)
        return out

    def test_redis_cli_rdb_fetches_a_file_that_redis_server_loads(self):
        path, expected = self.redis_dump()
        cairn = self.cairn_on(path)
        cairn.start()
        out = self.fetch_with_redis_cli(cairn.port, "--rdb", "fetched")
        self.assertRedisLoads(out, expected)
        # The connection that fetched the file was closed; the server goes on.
        r = cairn.client()
        self.assertEqual(r.ping(), True)
        r.close()

    def test_redis_cli_functions_rdb_fetches_the_libraries_alone(self):
        path, expected = self.redis_dump()  # keys in three databases, and the library
        cairn = self.cairn_on(path)
        cairn.start()
        out = self.fetch_with_redis_cli(cairn.port, "--functions-rdb", "functions-only")
        redis = RedisProcess(out)
        self.servers.append(redis)
        redis.start()
        rr = redis.client()
        self.assertEqual(contents(rr), {})  # no key of any database
        self.assertEqual(rr.execute_command("FCALL", "rdbecho", 0, "hi"), b"hi")
        rr.close()
        # The raw bytes are searched below: names and values as they are, not LZF'd.
        cairn.client().config_set("rdbcompression", "no")
        # An empty filter list leaves the functions out too.
        empty = fetch_rdb(cairn.port, [("REPLCONF", "rdb-filter-only", "")])
        self.assertTrue(empty.startswith(b"REDIS0010"), empty[:16])
        self.assertNotIn(b"rdbecho", empty)
        self.assertNotIn(b"three", empty)  # db3's value
        self.assertIn(b"rdbecho", fetch_rdb(cairn.port, [("REPLCONF", "rdb-filter-only",
                                                          "functions")]))
        r = cairn.client()
        with self.assertRaisesRegex(Exception, "^Unsupported rdb-filter-only option: keys$"):
            r.execute_command("REPLCONF", "rdb-filter-only", "functions keys")
        with self.assertRaisesRegex(Exception, "^Missing rdb-filter-only values$"):
            r.execute_command("REPLCONF", "rdb-filter-only", "\"functions")
        r.close()

    def test_a_replica_with_an_empty_filter_gets_no_keys_then_the_stream(self):
        # What `redis-cli --replica` asks for.
        cairn = self.cairn_on()
        cairn.start()
        r = cairn.client()
        r.set("before", "in the keyspace")
        with socket.create_connection(("127.0.0.1", cairn.port), timeout=30) as sock:
            stream = sock.makefile("rb")
            sock.sendall(encode("REPLCONF", "rdb-filter-only", ""))
            self.assertEqual(stream.readline(), b"+OK\r\n")
            sock.sendall(encode("SYNC"))
            self.assertEqual(stream.readline(),
                             b"-ERR Filtered replica requires EOF capability\r\n")
        with socket.create_connection(("127.0.0.1", cairn.port), timeout=30) as sock:
            rdb, stream = sync(sock, [("REPLCONF", "capa", "eof"),
                                      ("REPLCONF", "rdb-filter-only", "")])
            self.assertTrue(rdb.startswith(b"REDIS0010"), rdb[:16])
            self.assertNotIn(b"before", rdb)
            r.set("after", "streamed")
            # The stream starts once the file is acknowledged, as redis-cli does after it.
            sock.sendall(encode("REPLCONF", "ACK", "0"))
            seen = b""
            while b"streamed" not in seen:
                seen += stream.readline()
            self.assertIn(b"after", seen)
        r.close()

    def test_replconf_and_replicaof_check_their_arguments(self):
        cairn = self.cairn_on()
        cairn.start()
        r = cairn.client()
        self.assertEqual(r.execute_command("REPLCONF", "listening-port", "6380"), b"OK")
        self.assertEqual(r.execute_command("REPLCONF", "capa", "eof", "capa", "psync2"), b"OK")
        with self.assertRaisesRegex(Exception, "Unrecognized REPLCONF option: bogus"):
            r.execute_command("REPLCONF", "bogus", "1")
        self.assertEqual(r.execute_command("REPLICAOF", "NO", "ONE"), b"OK")
        self.assertTrue(r.execute_command("SLAVEOF", "no", "one"))
        with self.assertRaisesRegex(Exception, "Invalid master port"):
            r.execute_command("REPLICAOF", "127.0.0.1", "70000")
        with self.assertRaisesRegex(Exception, "Invalid master port"):
            r.execute_command("REPLICAOF", "127.0.0.1", "port")
        port = free_port()  # nothing listens there: the replica keeps trying
        self.assertEqual(r.execute_command("REPLICAOF", "127.0.0.1", str(port)), b"OK")
        self.assertEqual(r.info("replication")["role"], "slave")
        self.assertEqual(r.execute_command("REPLICAOF", "NO", "ONE"), b"OK")
        self.assertEqual(r.info("replication")["role"], "master")
        r.close()

    def test_cairn_rdb_exports_a_stopped_servers_directory(self):
        if not os.path.exists(cairn_rdb_binary()):
            self.skipTest("cairn-rdb is not built")
        cairn = self.cairn_on()
        cairn.start()
        r = cairn.client()
        populate(r)
        r.execute_command("BGREWRITEAOF")  # part in the snapshot, part in the log after it
        time.sleep(0.5)
        r.rpush("list:small", "after-snapshot")
        r.execute_command("SELECT", 4)
        r.set("db4", "after")
        r.execute_command("SELECT", 0)
        expected = contents(r)
        r.close()
        cairn.stop()
        out = os.path.join(self.root, "exported")
        os.makedirs(out)
        done = subprocess.run([cairn_rdb_binary(), "export", cairn.data_dir,
                               os.path.join(out, "dump.rdb")], capture_output=True, timeout=60)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertRedisLoads(out, expected)

    def test_cairn_rdb_check_reports_contents_or_the_bad_offset(self):
        if not os.path.exists(cairn_rdb_binary()):
            self.skipTest("cairn-rdb is not built")
        path, _ = self.redis_dump()
        done = subprocess.run([cairn_rdb_binary(), "check", path], capture_output=True)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn(b"aux redis-ver=7.0.15", done.stdout)
        self.assertIn(b"db3: keys=2 expires=0", done.stdout)
        self.assertIn(b"function library: #!lua name=rdblib", done.stdout)
        self.assertRegex(done.stdout,
                         rb"ok: RDB version 10, \d+ keys, \d+ bytes, checksum verified")
        with open(path, "rb") as f:
            good = f.read()
        cut = os.path.join(self.root, "cut.rdb")
        with open(cut, "wb") as f:
            f.write(good[:len(good) - 30])
        done = subprocess.run([cairn_rdb_binary(), "check", cut], capture_output=True)
        self.assertEqual(done.returncode, 1)
        self.assertRegex(done.stderr, rb"cut.rdb: bad or truncated .* at offset \d+")

    def test_bgsave_writes_the_dump_too(self):
        cairn = self.cairn_on()
        cairn.start()
        r = cairn.client()
        r.set("k", "v")
        r.execute_command("BGSAVE")
        dump = os.path.join(cairn.data_dir, "dump.rdb")
        deadline = time.time() + 20
        while time.time() < deadline and (r.info("persistence")["rdb_bgsave_in_progress"]
                                          or not os.path.exists(dump)):
            time.sleep(0.05)
        r.close()
        with open(dump, "rb") as f:
            self.assertEqual(f.read(9), b"REDIS0010")

    def refused(self, data):
        """cairn started on a first-start directory holding data as dump.rdb: its exit code
        and log."""
        bad = os.path.join(self.root, "bad.rdb")
        with open(bad, "wb") as f:
            f.write(data)
        cairn = self.cairn_on(bad, name="cairn-%d" % len(self.servers))
        code, log = cairn.start_expecting_failure()
        return code, log

    def test_damaged_or_truncated_dump_stops_the_start_with_a_clear_error(self):
        path, _ = self.redis_dump()
        with open(path, "rb") as f:
            good = f.read()
        code, log = self.refused(good[:len(good) // 2])
        self.assertEqual(code, 1)
        self.assertIn("importing the RDB file failed: dump.rdb: ", log)
        self.assertRegex(log, r"bad or truncated .* at offset \d+")
        flipped = bytearray(good)
        flipped[len(good) - 20] ^= 0xFF
        code, log = self.refused(bytes(flipped))
        self.assertEqual(code, 1)
        self.assertRegex(
            log, r"dump.rdb: (bad or truncated .* at offset \d+|wrong checksum at offset \d+)")
        code, log = self.refused(b"REDIS0012" + good[9:])
        self.assertEqual(code, 1)
        self.assertIn("RDB version 12 is not supported", log)
        code, log = self.refused(b"hello world")
        self.assertEqual(code, 1)
        self.assertIn("not an RDB file", log)


if __name__ == "__main__":
    unittest.main()
