"""The configuration surface through redis-py, checked against Redis 7.0: CONFIG GET by
pattern (aliases included) and with several patterns, CONFIG SET of several options at once,
the encoding thresholds as OBJECT ENCODING shows them, and a server started from the full
redis.conf Redis 7.0 ships.

Run: CAIRN_SERVER=build/src/cairn-server /usr/bin/python3 -m unittest -v tests/integration/test_config.py
"""

import os
import re
import socket
import sys
import time
import unittest

import redis

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (ConfFileServer, ServerTestCase, free_port, is_reference_redis,  # noqa: E402
                     main)

DEBIAN_REDIS_CONF = "/etc/redis/redis.conf"  # Redis 7.0's default redis.conf


def set_failed(name, reason):
    return "CONFIG SET failed (possibly related to argument '%s') - %s" % (name, reason)


class TestConfigGet(ServerTestCase):

    def test_pattern_lists_options_and_their_ziplist_aliases(self):
        got = self.r.config_get("*max-*-entries*")
        expected = {"hash-max-listpack-entries", "hash-max-ziplist-entries",
                    "zset-max-listpack-entries", "zset-max-ziplist-entries",
                    "set-max-intset-entries"}
        if not is_reference_redis():
            expected.add("set-max-listpack-entries")  # Redis 7.2's set listpack
        self.assertEqual(set(got), expected)
        self.assertEqual(got["hash-max-ziplist-entries"], got["hash-max-listpack-entries"])
        self.assertEqual(self.r.config_get("list-max-ziplist-size"),
                         {"list-max-ziplist-size": "-2"})

    def test_several_patterns_in_one_call(self):
        reply = self.r.execute_command("CONFIG", "GET", "slowlog-*", "latency-monitor-threshold",
                                       "slowlog-max-len")
        got = {reply[i].decode(): reply[i + 1].decode() for i in range(0, len(reply), 2)}
        self.assertEqual(len(reply), 6)  # each option once
        self.assertEqual(got, {"slowlog-log-slower-than": "10000", "slowlog-max-len": "128",
                               "latency-monitor-threshold": "0"})

    def test_options_redis_conf_users_set_are_known(self):
        for name, value in [("activedefrag", "no"), ("lazyfree-lazy-user-del", "no"),
                            ("repl-backlog-size", "1048576"), ("cluster-enabled", "no"),
                            ("enable-module-command", "no"), ("lfu-log-factor", "10"),
                            ("maxmemory-eviction-tenacity", "10"), ("tls-port", "0"),
                            ("stream-node-max-bytes", "4096"), ("list-compress-depth", "0")]:
            self.assertEqual(self.r.config_get(name), {name: value})


class TestConfigSet(ServerTestCase):

    def tearDown(self):
        self.r.config_set("hash-max-listpack-entries", 128)
        self.r.config_set("hash-max-listpack-value", 64)
        self.r.config_set("zset-max-listpack-entries", 128)
        self.r.config_set("zset-max-listpack-value", 64)
        self.r.config_set("set-max-intset-entries", 512)
        super().tearDown()

    def test_an_option_and_its_alias_in_one_call_the_last_wins(self):
        self.assertTrue(self.r.execute_command("CONFIG", "SET", "hash-max-ziplist-entries", "1",
                                               "hash-max-listpack-entries", "2"))
        self.assertEqual(self.r.config_get("hash-max-ziplist-entries"),
                         {"hash-max-ziplist-entries": "2"})

    def test_several_options_at_once(self):
        self.assertTrue(self.r.execute_command("CONFIG", "SET", "slowlog-max-len", "10",
                                               "latency-monitor-threshold", "5"))
        self.assertEqual(self.r.config_get("slowlog-max-len"), {"slowlog-max-len": "10"})
        self.assertEqual(self.r.config_get("latency-monitor-threshold"),
                         {"latency-monitor-threshold": "5"})

    def test_several_options_change_all_or_none(self):
        with self.assertRaises(redis.ResponseError) as e:
            self.r.execute_command("CONFIG", "SET", "lfu-log-factor", "3",
                                   "activedefrag", "maybe")
        self.assertEqual(str(e.exception),
                         set_failed("activedefrag", "argument must be 'yes' or 'no'"))
        self.assertEqual(self.r.config_get("lfu-log-factor"), {"lfu-log-factor": "10"})

    def test_redis_error_texts(self):
        cases = [
            (("slowlog-max-len", "-1"),
             set_failed("slowlog-max-len",
                        "argument must be between 0 and 9223372036854775807 inclusive")),
            (("repl-diskless-load", "foo"),
             set_failed("repl-diskless-load", "argument(s) must be one of the following: "
                        "disabled, on-empty-db, swapdb")),
            (("cluster-enabled", "yes"),
             set_failed("cluster-enabled", "can't set immutable config")),
            (("slowlog-max-len", "1", "SLOWLOG-MAX-LEN", "2"),
             set_failed("SLOWLOG-MAX-LEN", "duplicate parameter")),
            (("no-such-option", "1"),
             "Unknown option or number of arguments for CONFIG SET - 'no-such-option'"),
            # Memory values as Redis reads them: a sign is malformed, too many digits are
            # out of range.
            (("proto-max-bulk-len", "-1"),
             set_failed("proto-max-bulk-len", "argument must be a memory value")),
            (("proto-max-bulk-len", "99999999999999999999"),
             set_failed("proto-max-bulk-len",
                        "argument must be between 1048576 and 9223372036854775807 inclusive")),
            (("proto-max-bulk-len", "12parsecs"),
             set_failed("proto-max-bulk-len", "argument must be a memory value")),
            (("hz", "-1"),
             set_failed("hz", "argument must be between 0 and 2147483647 inclusive")),
        ]
        for args, error in cases:
            with self.assertRaises(redis.ResponseError) as e:
                self.r.execute_command("CONFIG", "SET", *args)
            self.assertEqual(str(e.exception), error)

    def test_an_empty_memory_value_reads_as_zero(self):
        # Redis's parser reads no digits as 0, then checks the option's bounds.
        self.assertTrue(self.r.config_set("hash-max-listpack-value", ""))
        self.assertEqual(self.r.config_get("hash-max-listpack-value"),
                         {"hash-max-listpack-value": "0"})
        self.r.config_set("hash-max-listpack-value", 64)
        with self.assertRaises(redis.ResponseError) as e:
            self.r.config_set("proto-max-bulk-len", "")
        self.assertEqual(str(e.exception), set_failed(
            "proto-max-bulk-len",
            "argument must be between 1048576 and 9223372036854775807 inclusive"))

    def test_hz_is_a_hint_held_within_1_to_500(self):
        for value, held in (("0", "1"), ("1000", "500"), ("250", "250")):
            self.assertTrue(self.r.config_set("hz", value))
            self.assertEqual(self.r.config_get("hz"), {"hz": held})
        self.r.config_set("hz", 10)

    def test_hash_entries_threshold(self):
        self.r.config_set("hash-max-listpack-entries", 2)
        self.r.hset("h", mapping={"a": "1", "b": "2"})
        self.assertEqual(self.r.object("encoding", "h"), b"listpack")
        self.r.hset("h", "c", "3")
        self.assertEqual(self.r.object("encoding", "h"), b"hashtable")
        # Raising the limit does not turn an existing hash back.
        self.r.config_set("hash-max-listpack-entries", 128)
        self.r.hdel("h", "c")
        self.assertEqual(self.r.object("encoding", "h"), b"hashtable")

    def test_hash_value_threshold_through_the_ziplist_alias(self):
        self.r.config_set("hash-max-ziplist-value", 4)
        self.r.hset("h", "f", "1234")
        self.assertEqual(self.r.object("encoding", "h"), b"listpack")
        self.r.hset("h", "g", "12345")
        self.assertEqual(self.r.object("encoding", "h"), b"hashtable")

    def test_zset_thresholds(self):
        self.r.config_set("zset-max-ziplist-entries", 1)
        self.r.zadd("z", {"a": 1})
        self.assertEqual(self.r.object("encoding", "z"), b"listpack")
        self.r.zadd("z", {"b": 2})
        self.assertEqual(self.r.object("encoding", "z"), b"skiplist")
        self.r.config_set("zset-max-ziplist-entries", 128)
        self.r.config_set("zset-max-listpack-value", 3)
        self.r.zadd("y", {"abcd": 1})
        self.assertEqual(self.r.object("encoding", "y"), b"skiplist")

    def test_set_intset_threshold(self):
        self.r.config_set("set-max-intset-entries", 2)
        self.r.sadd("s", 1, 2)
        self.assertEqual(self.r.object("encoding", "s"), b"intset")
        self.r.sadd("s", 3)
        # Redis 7.0 has no set listpack; cairn's small sets of strings use one, as 7.2 does.
        self.assertIn(self.r.object("encoding", "s"),
                      [b"hashtable"] if is_reference_redis() else [b"listpack"])

    def test_list_and_stream_options_are_accepted(self):
        self.assertTrue(self.r.config_set("list-max-ziplist-size", 2))
        self.assertTrue(self.r.config_set("list-compress-depth", 1))
        self.r.rpush("l", *range(10))
        self.assertEqual(self.r.object("encoding", "l"), b"quicklist")
        self.assertEqual(self.r.lrange("l", 0, -1), [str(i).encode() for i in range(10)])
        self.r.config_set("list-max-ziplist-size", -2)
        self.r.config_set("list-compress-depth", 0)
        self.assertTrue(self.r.config_set("stream-node-max-entries", 2))
        for i in range(10):
            self.r.xadd("x", {"f": i}, id="%d-1" % (i + 1))
        self.assertEqual(self.r.xlen("x"), 10)
        self.r.config_set("stream-node-max-entries", 100)


class TestConfigSetPort(ServerTestCase):
    """CONFIG SET port moves the listening socket at runtime, as Redis does."""

    def test_new_port_is_served_the_old_one_is_closed_and_a_used_port_is_refused(self):
        old_port = self.server.port
        new_port = free_port()
        self.assertTrue(self.r.config_set("port", new_port))
        moved = redis.Redis(host="127.0.0.1", port=new_port, socket_timeout=5)
        self.assertTrue(moved.ping())
        self.assertTrue(self.r.ping())  # a connection made before the change stays
        deadline = time.time() + 5
        while time.time() < deadline:  # the old socket closes on the main loop's next turn
            try:
                socket.create_connection(("127.0.0.1", old_port), timeout=1).close()
            except OSError:
                break
            time.sleep(0.02)
        else:
            self.fail("the old port still accepts connections")
        self.assertEqual(moved.info("server")["tcp_port"], new_port)
        # A port someone else holds: nothing changes, all the options of the call roll back.
        with socket.socket() as holder:
            holder.bind(("127.0.0.1", 0))
            holder.listen()
            used = holder.getsockname()[1]
            with self.assertRaises(redis.ResponseError) as e:
                moved.execute_command("CONFIG", "SET", "maxmemory", "10000001", "port", used)
            self.assertEqual(str(e.exception),
                             set_failed("port", "Unable to listen on this port. "
                                        "Check server logs."))
        self.assertEqual(moved.config_get("maxmemory"), {"maxmemory": "0"})
        self.assertEqual(moved.config_get("port"), {"port": str(new_port)})
        self.assertTrue(moved.config_set("port", old_port))  # back, for the harness
        back = redis.Redis(host="127.0.0.1", port=old_port, socket_timeout=5)
        self.assertTrue(back.ping())
        # bind is runtime-settable too; an address that may be missing carries a '-'.
        self.assertTrue(back.config_set("bind", "127.0.0.1 -::1"))
        self.assertEqual(back.config_get("bind"), {"bind": "127.0.0.1 -::1"})
        self.assertTrue(redis.Redis(host="127.0.0.1", port=old_port, socket_timeout=5).ping())


class TestRedisConf(unittest.TestCase):

    def read_default_conf(self):
        try:
            with open(DEBIAN_REDIS_CONF) as f:
                return f.read()
        except OSError as e:
            self.skipTest("cannot read %s: %s" % (DEBIAN_REDIS_CONF, e))

    def start(self, conf_text):
        server = ConfFileServer(conf_text)
        server.start()
        self.addCleanup(server.stop)
        return server

    def test_redis_7_default_conf_starts_the_server_unchanged(self):
        server = self.start(self.read_default_conf())
        r = server.client()
        self.assertEqual(r.ping(), True)
        self.assertEqual(r.config_get("hash-max-listpack-entries"),
                         {"hash-max-listpack-entries": "512"})  # as the file says
        self.assertEqual(r.config_get("lazyfree-lazy-user-del"), {"lazyfree-lazy-user-del": "no"})
        r.set("k", "v")
        self.assertEqual(r.get("k"), b"v")
        r.close()
        if not is_reference_redis():
            self.assertRegex(server.log_text(),
                             "option lazyfree-lazy-eviction is accepted but has no effect")

    def test_hz_out_of_range_in_the_file_starts_the_server(self):
        # A redis.conf with hz 1000 starts Redis (held at 500); it must start cairn too.
        server = self.start("port 0\nhz 1000\n")
        self.assertEqual(server.client().config_get("hz"), {"hz": "500"})

    def test_an_option_cairn_acts_on_is_not_reported_as_without_effect(self):
        server = self.start("port 0\nenable-module-command yes\n")
        r = server.client()
        self.assertEqual(r.execute_command("MODULE", "LIST"), [])  # allowed, not refused
        r.close()
        self.assertNotIn("option enable-module-command is accepted but has no effect",
                         server.log_text())

    def test_thresholds_from_the_config_file(self):
        server = self.start("port 0\nhash-max-ziplist-entries 1\nzset-max-listpack-entries 1\n")
        r = server.client()
        r.hset("h", mapping={"a": "1", "b": "2"})
        self.assertEqual(r.object("encoding", "h"), b"hashtable")
        r.zadd("z", {"a": 1, "b": 2})
        self.assertEqual(r.object("encoding", "z"), b"skiplist")
        r.close()

    def test_config_rewrite_produces_a_file_the_server_restarts_from(self):
        server = self.start(self.read_default_conf())
        r = server.client()
        r.execute_command("CONFIG", "SET", "hash-max-listpack-entries", "7",
                          "slowlog-max-len", "9")
        self.assertTrue(r.config_rewrite())
        r.close()
        with open(server.conf_path) as f:
            rewritten = f.read()
        again = self.start(rewritten)
        r = again.client()
        self.assertEqual(r.config_get("hash-max-listpack-entries"),
                         {"hash-max-listpack-entries": "7"})
        self.assertEqual(r.config_get("slowlog-max-len"), {"slowlog-max-len": "9"})
        r.close()

    def test_unknown_directive_stops_startup(self):
        server = ConfFileServer("port 0\nno-such-directive yes\n")
        with self.assertRaises(RuntimeError) as e:
            server.start()
        self.assertIn("Bad directive or wrong number of arguments", str(e.exception))


if __name__ == "__main__":
    main()
