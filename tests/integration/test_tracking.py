"""Client-side caching (CLIENT TRACKING): which client hears about which change, in which
form (RESP3 push, or a Pub/Sub message on __redis__:invalidate for a RESP2 REDIRECT target),
and where the message sits among the client's replies.

Writers and readers are separate connections, so on cairn (four I/O threads, connections
handed out round-robin) they run on different threads. Runs against redis-server 7.0 too
(CAIRN_SERVER unset), which is how its expectations were checked.
"""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import ServerTestCase, encode_command, is_reference_redis  # noqa: E402


class TestTracking(ServerTestCase):

    server_args = () if is_reference_redis() else ("--threads", "4")

    def resp3_conn(self, *tracking_args):
        conn = self.raw_conn()
        conn.command("HELLO", "3")
        if tracking_args:
            self.assertEqual(conn.command("CLIENT", "TRACKING", *tracking_args).to_py(), b"OK")
        return conn

    def assertPush(self, reply, keys):
        self.assertEqual(reply.type, ">")
        self.assertEqual(reply.to_py(), [b"invalidate", keys])

    def test_a_resp3_reader_gets_one_push_when_a_key_it_read_changes(self):
        conn = self.resp3_conn("ON")
        self.r.set("k", "1")
        self.assertEqual(conn.command("GET", "k").to_py(), b"1")
        self.r.set("k", "2")
        self.assertPush(conn.read_reply(), [b"k"])
        # Forgotten after one invalidation: the next change says nothing until read again.
        self.r.set("k", "3")
        self.r.set("other", "1")
        self.assertEqual(conn.command("PING").to_py(), b"PONG")

    def test_readers_on_every_thread_hear_of_a_write(self):
        readers = [self.resp3_conn("ON") for _ in range(4)]
        for conn in readers:
            self.assertIsNone(conn.command("GET", "shared").to_py())
        self.r.set("shared", "x")
        for conn in readers:
            self.assertPush(conn.read_reply(), [b"shared"])

    def test_the_writers_own_invalidation_follows_its_reply(self):
        conn = self.resp3_conn("ON")
        conn.command("HSET", "h", "f", "1")
        conn.command("HGET", "h", "f")
        self.assertEqual(conn.command("HDEL", "h", "f").to_py(), 1)
        self.assertPush(conn.read_reply(), [b"h"])

    def test_a_script_that_reads_tracks_its_declared_keys_and_one_that_does_not_tracks_none(self):
        conn = self.resp3_conn("ON")
        # Writes only: nothing is remembered, so later changes say nothing.
        conn.command("EVAL", "redis.call('set', 'k3', 'x')", "2", "k1", "k2")
        self.r.mset({"k1": "1", "k2": "1"})
        # A read-only script that only pings is not a read either.
        conn.command("EVAL_RO", "redis.call('ping')", "2", "k1", "k2")
        self.r.mset({"k1": "2", "k2": "2"})
        self.assertEqual(conn.command("PING").to_py(), b"PONG")
        # A read (of an undeclared key, even) makes the declared keys tracked, as in Redis.
        conn.command("EVAL_RO", "redis.call('get', 'k3')", "2", "k1", "k2")
        self.r.set("k3", "y")
        self.r.set("k2", "3")
        self.assertPush(conn.read_reply(), [b"k2"])
        self.r.set("k1", "3")
        self.assertPush(conn.read_reply(), [b"k1"])

    def test_noloop_hides_writes_the_clients_own_script_makes(self):
        conn = self.resp3_conn("ON", "NOLOOP")
        conn.command("SET", "k", "1")
        self.assertEqual(conn.command("GET", "k").to_py(), b"1")
        conn.command("EVAL", "return redis.call('set', KEYS[1], '2')", "1", "k")
        self.assertEqual(conn.command("GET", "k").to_py(), b"2")

    def test_an_unblocked_blmove_gets_its_reply_before_the_invalidation_it_caused(self):
        for _ in range(4):  # the writer on another thread, then on the same one
            conn = self.resp3_conn("ON")
            self.r.delete("src", "dst")
            self.r.rpush("dst", "a")
            self.assertEqual(conn.command("LRANGE", "dst", "0", "-1").to_py(), [b"a"])
            conn.send(encode_command("BLMOVE", "src", "dst", "LEFT", "LEFT", "0"))
            deadline = time.time() + 5
            while self.r.info("clients")["blocked_clients"] == 0 and time.time() < deadline:
                time.sleep(0.01)
            self.r.rpush("src", "foo")
            self.assertEqual(conn.read_reply().to_py(), b"foo")
            self.assertPush(conn.read_reply(), [b"dst"])
            conn.close()

    @unittest.skipIf("ASAN_OPTIONS" in os.environ or "TSAN_OPTIONS" in os.environ,
                     "a sanitizer's allocator (no jemalloc) counts memory so that when "
                     "eviction starts cannot be set up")
    def test_a_key_evicted_before_a_command_is_invalidated_before_its_reply(self):
        conn = self.resp3_conn("ON")
        info = self.r.info("memory")
        used = info["used_memory"] - info.get("mem_not_counted_for_evict", 0)
        self.r.config_set("maxmemory-policy", "volatile-random")
        # Room for a few small commands even where freed memory lingers (AddressSanitizer).
        self.r.config_set("maxmemory", used + 4 * 1024 * 1024)
        try:
            conn.command("SETEX", "volatile-key", "10000", "x")
            self.assertEqual(conn.command("GET", "volatile-key").to_py(), b"x")
            conn.send(encode_command("SETBIT", "big-key", str(8 * 8 * 1024 * 1024), "0"))
            conn.send(encode_command("GETBIT", "big-key", "0"))
            # Over the limit after the 8 MB SETBIT, the next command evicts the volatile key
            # before it runs: the push comes before that command's reply (where the SETBIT
            # itself already went over, before the SETBIT's).
            replies = [conn.read_reply() for _ in range(3)]
            pushes = [i for i, r in enumerate(replies) if r.type == ">"]
            self.assertEqual(len(pushes), 1, [r.to_py() for r in replies])
            self.assertPush(replies[pushes[0]], [b"volatile-key"])
            self.assertLess(pushes[0], 2)
            self.assertEqual([r.to_py() for r in replies if r.type != ">"], [0, 0])
        finally:
            self.r.config_set("maxmemory", 0)
            self.r.config_set("maxmemory-policy", "noeviction")
            self.r.delete("big-key")

    def test_a_transactions_invalidation_follows_the_exec_reply(self):
        conn = self.resp3_conn("ON")
        conn.command("MSET", "a", "1", "b", "2")
        conn.command("GET", "a")
        conn.send(encode_command("MULTI") + encode_command("INCR", "a") +
                  encode_command("GET", "b") + encode_command("EXEC"))
        replies = [r.to_py() for r in conn.read_replies(4)]
        self.assertEqual(replies, [b"OK", b"QUEUED", b"QUEUED", [2, b"2"]])
        self.assertPush(conn.read_reply(), [b"a"])

    def test_a_read_inside_exec_after_a_write_of_the_key_there_is_not_invalidated_by_it(self):
        conn = self.resp3_conn("ON")
        conn.send(encode_command("MULTI") + encode_command("SET", "k", "1") +
                  encode_command("GET", "k") + encode_command("EXEC"))
        self.assertEqual([r.to_py() for r in conn.read_replies(4)],
                         [b"OK", b"QUEUED", b"QUEUED", [b"OK", b"1"]])
        self.assertEqual(conn.command("PING").to_py(), b"PONG")  # no push in between
        self.r.set("k", "2")
        self.assertPush(conn.read_reply(), [b"k"])

    def test_a_read_in_a_script_after_its_own_write_of_the_key_is_not_invalidated_by_it(self):
        conn = self.resp3_conn("ON")
        script = "redis.call('set', KEYS[1], '1') return redis.call('get', KEYS[1])"
        self.assertEqual(conn.command("EVAL", script, "1", "k").to_py(), b"1")
        self.assertEqual(conn.command("PING").to_py(), b"PONG")  # no push in between
        self.r.set("k", "2")
        self.assertPush(conn.read_reply(), [b"k"])

    def test_bcast_hears_of_a_transactions_keys_in_one_message(self):
        watcher = self.resp3_conn("ON", "BCAST")
        writer = self.resp3_conn("ON")
        writer.send(encode_command("MULTI") + encode_command("SET", "x", "1") +
                    encode_command("GET", "x") + encode_command("SET", "y", "2") +
                    encode_command("EXEC"))
        writer.read_replies(5)
        self.assertPush(watcher.read_reply(), [b"x", b"y"])
        self.assertEqual(watcher.command("PING").to_py(), b"PONG")

    def test_a_resp2_redirect_target_gets_a_message_on_redis_invalidate(self):
        target = self.raw_conn()
        target_id = target.command("CLIENT", "ID").to_py()
        target.command("SUBSCRIBE", "__redis__:invalidate")
        reader = self.raw_conn()
        self.assertEqual(
            reader.command("CLIENT", "TRACKING", "ON", "REDIRECT", str(target_id)).to_py(), b"OK")
        self.assertEqual(reader.command("CLIENT", "GETREDIR").to_py(), target_id)
        reader.command("GET", "k")
        self.r.set("k", "1")
        self.assertEqual(target.read_reply().to_py(),
                         [b"message", b"__redis__:invalidate", [b"k"]])

    def test_a_resp2_client_without_redirect_may_track_but_hears_nothing(self):
        conn = self.raw_conn()
        self.assertEqual(conn.command("CLIENT", "TRACKING", "ON").to_py(), b"OK")
        conn.command("GET", "k")
        self.r.set("k", "1")
        self.assertEqual(conn.command("PING").to_py(), b"PONG")

    def test_bcast_sends_matching_keys_one_message_per_prefix(self):
        conn = self.resp3_conn("ON", "BCAST", "PREFIX", "a:", "PREFIX", "b:")
        self.r.mset({"a:1": "1", "a:2": "2", "b:1": "3", "c:1": "4"})
        first, second = conn.read_replies(2)
        self.assertEqual(first.to_py()[0], b"invalidate")
        keys = sorted([sorted(first.to_py()[1]), sorted(second.to_py()[1])])
        self.assertEqual(keys, [[b"a:1", b"a:2"], [b"b:1"]])
        self.assertEqual(conn.command("PING").to_py(), b"PONG")  # nothing about c:1

    def test_bcast_without_prefixes_covers_every_key(self):
        conn = self.resp3_conn("ON", "BCAST")
        self.r.set("anything", "1")
        self.assertPush(conn.read_reply(), [b"anything"])

    def test_optin_tracks_only_reads_after_caching_yes(self):
        conn = self.resp3_conn("ON", "OPTIN")
        conn.command("GET", "k1")
        self.assertEqual(conn.command("CLIENT", "CACHING", "YES").to_py(), b"OK")
        conn.command("GET", "k2")
        conn.command("GET", "k3")  # CACHING YES covered only the command after it
        self.r.mset({"k1": "1", "k2": "2", "k3": "3"})
        replies = conn.read_replies(1)
        self.assertPush(replies[0], [b"k2"])
        self.assertEqual(conn.command("PING").to_py(), b"PONG")

    def test_optout_tracks_every_read_but_the_one_after_caching_no(self):
        conn = self.resp3_conn("ON", "OPTOUT")
        self.assertEqual(conn.command("CLIENT", "CACHING", "NO").to_py(), b"OK")
        conn.command("GET", "k1")
        conn.command("GET", "k2")
        self.r.mset({"k1": "1", "k2": "2"})
        self.assertPush(conn.read_reply(), [b"k2"])
        self.assertEqual(conn.command("PING").to_py(), b"PONG")

    def test_noloop_hides_the_clients_own_writes(self):
        conn = self.resp3_conn("ON", "NOLOOP")
        conn.command("MGET", "mine", "theirs")
        self.assertEqual(conn.command("SET", "mine", "1").to_py(), b"OK")
        self.r.set("theirs", "1")
        self.assertPush(conn.read_reply(), [b"theirs"])
        self.assertEqual(conn.command("PING").to_py(), b"PONG")

    def test_flushall_invalidates_everything_with_a_null(self):
        conn = self.resp3_conn("ON")
        conn.command("GET", "k")
        self.r.flushall()
        reply = conn.read_reply()
        self.assertEqual(reply.type, ">")
        self.assertEqual(reply.to_py(), [b"invalidate", None])
        self.assertEqual(self.r.info("stats")["tracking_total_keys"], 0)

    def test_expiry_invalidates(self):
        conn = self.resp3_conn("ON")
        self.r.set("short", "1", px=50)
        conn.command("GET", "short")
        self.assertPush(conn.read_reply(timeout=5.0), [b"short"])

    def test_table_over_its_limit_evicts_keys_with_invalidations(self):
        conn = self.resp3_conn("ON")
        conn.command("MGET", "x1", "x2", "x3")
        self.assertEqual(self.r.info("stats")["tracking_total_keys"], 3)
        try:
            self.r.config_set("tracking-table-max-keys", 1)
            evicted = [conn.read_reply().to_py()[1][0] for _ in range(2)]
            self.assertEqual(len(set(evicted) - {b"x1", b"x2", b"x3"}), 0)
            self.assertEqual(self.r.info("stats")["tracking_total_keys"], 1)
        finally:
            self.r.config_set("tracking-table-max-keys", 1000000)

    def test_info_counts_clients_keys_items_and_prefixes(self):
        a = self.resp3_conn("ON")
        b = self.resp3_conn("ON")
        self.resp3_conn("ON", "BCAST", "PREFIX", "p:")
        a.command("MGET", "i1", "i2")
        b.command("GET", "i1")
        self.assertEqual(self.r.info("clients")["tracking_clients"], 3)
        stats = self.r.info("stats")
        self.assertEqual(stats["tracking_total_keys"], 2)
        self.assertEqual(stats["tracking_total_items"], 3)
        self.assertEqual(stats["tracking_total_prefixes"], 1)

    def test_trackinginfo_reports_flags_redirect_and_prefixes(self):
        conn = self.resp3_conn("ON", "BCAST", "PREFIX", "foo", "PREFIX", "bar", "NOLOOP")
        info = conn.command("CLIENT", "TRACKINGINFO")
        self.assertEqual(info.type, "%")
        info = info.to_py()
        self.assertEqual(info[b"flags"], [b"on", b"bcast", b"noloop"])
        self.assertEqual(info[b"redirect"], 0)
        self.assertEqual(info[b"prefixes"], [b"bar", b"foo"])
        conn.command("CLIENT", "TRACKING", "OFF")
        info = conn.command("CLIENT", "TRACKINGINFO").to_py()
        self.assertEqual(info, {b"flags": [b"off"], b"redirect": -1, b"prefixes": []})
        self.assertEqual(conn.command("CLIENT", "GETREDIR").to_py(), -1)

    def test_reset_turns_tracking_off(self):
        conn = self.resp3_conn("ON")
        self.assertEqual(conn.command("RESET").to_py(), b"RESET")
        self.assertEqual(conn.command("CLIENT", "GETREDIR").to_py(), -1)
        self.assertEqual(self.r.info("clients")["tracking_clients"], 0)

    def test_option_errors_have_redis_texts(self):
        conn = self.raw_conn()
        cases = [
            (("ON", "PREFIX", "a"), "ERR PREFIX option requires BCAST mode to be enabled"),
            (("ON", "BCAST", "OPTIN"), "ERR OPTIN and OPTOUT are not compatible with BCAST"),
            (("ON", "OPTIN", "OPTOUT"), "ERR You can't specify both OPTIN mode and OPTOUT mode"),
            (("ON", "REDIRECT", "999999"),
             "ERR The client ID you want redirect to does not exist"),
            (("ON", "REDIRECT", "x"), "ERR value is not an integer or out of range"),
            (("ON", "BOGUS"), "ERR syntax error"),
            (("MAYBE",), "ERR syntax error"),
            (("ON", "BCAST", "PREFIX", "FOOBAR", "PREFIX", "FOO"),
             "ERR Prefix 'FOOBAR' overlaps with another provided prefix 'FOO'. "
             "Prefixes for a single client must not overlap."),
        ]
        for args, error in cases:
            reply = conn.command("CLIENT", "TRACKING", *args)
            self.assertEqual((reply.type, reply.value), ("-", error.encode()), args)
        self.assertEqual(conn.command("CLIENT", "CACHING", "YES").value,
                         b"ERR CLIENT CACHING can be called only when the client is in tracking "
                         b"mode with OPTIN or OPTOUT mode enabled")
        conn.command("CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "FOO")
        self.assertEqual(conn.command("CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "FO").value,
                         b"ERR Prefix 'FO' overlaps with an existing prefix 'FOO'. "
                         b"Prefixes for a single client must not overlap.")
        self.assertEqual(conn.command("CLIENT", "TRACKING", "ON").value,
                         b"ERR You can't switch BCAST mode on/off before disabling tracking for "
                         b"this client, and then re-enabling it with a different mode.")
        conn.command("CLIENT", "TRACKING", "OFF")
        conn.command("CLIENT", "TRACKING", "ON", "OPTIN")
        self.assertEqual(conn.command("CLIENT", "CACHING", "NO").value,
                         b"ERR CLIENT CACHING NO is only valid when tracking is enabled in "
                         b"OPTOUT mode.")


if __name__ == "__main__":
    unittest.main()
