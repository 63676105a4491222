"""Keyspace commands, databases and expiry, checked against Redis 7.0.

Run: /usr/bin/python3 -m unittest -v tests/integration/test_keys.py
"""

import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ServerTestCase, main  # noqa: E402

SYNTAX = "ERR syntax error"
NOT_INT = "ERR value is not an integer or out of range"
DB_RANGE = "ERR DB index is out of range"
SAME = "ERR source and destination objects are the same"


def arity(cmd):
    return "ERR wrong number of arguments for '%s' command" % cmd


class KeysTestCase(ServerTestCase):
    def has_lists(self):
        reply = self.cmd("RPUSH", "__probe_list__", "x")
        self.cmd("DEL", "__probe_list__")
        return not (reply.type == "-" and reply.value.startswith(b"ERR unknown command"))

    def make_list(self, key):
        if not self.has_lists():
            self.skipTest("server does not implement RPUSH (lists)")
        self.r.rpush(key, "x")

    def select(self, db):
        """SELECT on the raw command connection used by self.cmd()."""
        self.assertReply(["SELECT", str(db)], "+", b"OK")


class TestExistenceAndDeletion(KeysTestCase):
    def test_exists_counts_each_argument_including_duplicates(self):
        self.r.mset({"a": "1", "b": "2"})
        self.assertReply(["EXISTS", "a", "a", "b", "nope"], ":", 3)
        self.assertReply(["EXISTS", "nope"], ":", 0)

    def test_del_returns_number_of_keys_removed(self):
        self.r.mset({"a": "1", "b": "2", "c": "3"})
        self.assertReply(["DEL", "a", "a", "nope"], ":", 1)
        self.assertReply(["DEL", "b", "c"], ":", 2)
        self.assertReply(["DEL", "b"], ":", 0)
        self.assertEqual(self.r.dbsize(), 0)

    def test_unlink_behaves_like_del(self):
        self.r.mset({"a": "1", "b": "2"})
        self.assertReply(["UNLINK", "a", "nope", "b"], ":", 2)
        self.assertEqual(self.r.dbsize(), 0)

    def test_type_of_string_missing_and_list(self):
        self.r.set("s", "v")
        self.assertReply(["TYPE", "s"], "+", b"string")
        self.assertReply(["TYPE", "nope"], "+", b"none")
        self.make_list("l")
        self.assertReply(["TYPE", "l"], "+", b"list")

    def test_touch_counts_existing_keys(self):
        self.r.mset({"a": "1", "b": "2"})
        self.assertReply(["TOUCH", "a", "b", "nope", "a"], ":", 3)

    def test_arity_errors(self):
        for args, name in ((["DEL"], "del"), (["UNLINK"], "unlink"), (["EXISTS"], "exists"),
                           (["TOUCH"], "touch"), (["TYPE"], "type"), (["TYPE", "a", "b"], "type"),
                           (["TTL", "a", "b"], "ttl"), (["PERSIST"], "persist"),
                           (["EXPIRE", "a"], "expire"), (["RENAME", "a"], "rename"),
                           (["COPY", "a"], "copy"), (["MOVE", "a"], "move"),
                           (["KEYS"], "keys"), (["DBSIZE", "x"], "dbsize"),
                           (["RANDOMKEY", "x"], "randomkey"), (["SWAPDB", "0"], "swapdb"),
                           (["SELECT", "1", "2"], "select")):
            with self.subTest(args=args):
                self.assertErrorReply(args, arity(name))


class TestRenameCopyMove(KeysTestCase):
    def test_rename_moves_value_and_ttl(self):
        self.r.set("a", "v", ex=100)
        self.assertReply(["RENAME", "a", "b"], "+", b"OK")
        self.assertEqual(self.r.exists("a"), 0)
        self.assertEqual(self.r.get("b"), b"v")
        self.assertTTL("b", 100)

    def test_rename_overwrites_destination(self):
        self.r.mset({"a": "1", "b": "2"})
        self.r.expire("b", 100)
        self.r.rename("a", "b")
        self.assertEqual(self.r.get("b"), b"1")
        self.assertEqual(self.r.ttl("b"), -1)

    def test_rename_missing_key(self):
        self.assertErrorReply(["RENAME", "nope", "x"], "ERR no such key")
        self.assertErrorReply(["RENAMENX", "nope", "x"], "ERR no such key")

    def test_rename_to_itself(self):
        self.r.set("a", "1")
        self.assertReply(["RENAME", "a", "a"], "+", b"OK")
        self.assertReply(["RENAMENX", "a", "a"], ":", 0)
        self.assertEqual(self.r.get("a"), b"1")

    def test_renamenx_only_when_destination_missing(self):
        self.r.mset({"a": "1", "b": "2"})
        self.assertReply(["RENAMENX", "a", "b"], ":", 0)
        self.assertEqual(self.r.get("b"), b"2")
        self.assertReply(["RENAMENX", "a", "c"], ":", 1)
        self.assertEqual(self.r.get("c"), b"1")
        self.assertEqual(self.r.exists("a"), 0)

    def test_copy_within_db(self):
        self.r.set("a", "v", ex=100)
        self.assertReply(["COPY", "a", "b"], ":", 1)
        self.assertEqual(self.r.get("b"), b"v")
        self.assertTTL("b", 100)
        self.assertEqual(self.r.get("a"), b"v")
        # a copy is independent of its source
        self.r.append("b", "x")
        self.assertEqual(self.r.get("a"), b"v")

    def test_copy_does_not_overwrite_without_replace(self):
        self.r.mset({"a": "1", "b": "2"})
        self.assertReply(["COPY", "a", "b"], ":", 0)
        self.assertEqual(self.r.get("b"), b"2")
        self.assertReply(["COPY", "a", "b", "REPLACE"], ":", 1)
        self.assertEqual(self.r.get("b"), b"1")

    def test_copy_missing_source(self):
        self.assertReply(["COPY", "nope", "x"], ":", 0)
        self.assertEqual(self.r.exists("x"), 0)

    def test_copy_to_another_db(self):
        self.r.set("a", "v")
        self.assertReply(["COPY", "a", "a", "DB", "1"], ":", 1)
        self.select(1)
        self.assertReply(["GET", "a"], "$", b"v")
        self.assertReply(["SET", "a", "other"], "+", b"OK")
        self.select(0)
        self.assertReply(["COPY", "a", "a", "DB", "1"], ":", 0)
        self.assertReply(["COPY", "a", "a", "DB", "1", "REPLACE"], ":", 1)
        self.select(1)
        self.assertReply(["GET", "a"], "$", b"v")

    def test_copy_errors(self):
        self.r.set("a", "v")
        self.assertErrorReply(["COPY", "a", "a"], SAME)
        self.assertErrorReply(["COPY", "a", "b", "DB", "99"], DB_RANGE)
        self.assertErrorReply(["COPY", "a", "b", "DB", "abc"], NOT_INT)
        self.assertErrorReply(["COPY", "a", "b", "FOO"], SYNTAX)

    def test_move_to_another_db(self):
        self.r.set("a", "v")
        self.assertReply(["MOVE", "a", "1"], ":", 1)
        self.assertEqual(self.r.exists("a"), 0)
        self.select(1)
        self.assertReply(["GET", "a"], "$", b"v")

    def test_move_keeps_the_ttl(self):
        self.r.set("m", "v", ex=100)
        self.assertReply(["MOVE", "m", "1"], ":", 1)
        self.select(1)
        ttl = self.cmd("TTL", "m")
        self.assertEqual(ttl.type, ":")
        self.assertTrue(90 <= ttl.value <= 100, ttl)

    def test_move_fails_when_destination_exists_or_source_missing(self):
        self.r.set("a", "1")
        self.select(1)
        self.cmd("SET", "a", "2")
        self.select(0)
        self.assertReply(["MOVE", "a", "1"], ":", 0)
        self.assertEqual(self.r.get("a"), b"1")
        self.assertReply(["MOVE", "nope", "1"], ":", 0)

    def test_move_errors(self):
        self.r.set("a", "1")
        self.assertErrorReply(["MOVE", "a", "0"], SAME)
        self.assertErrorReply(["MOVE", "a", "99"], DB_RANGE)
        self.assertErrorReply(["MOVE", "a", "abc"], NOT_INT)


class TestExpireCommands(KeysTestCase):
    def test_ttl_and_pttl_of_persistent_and_missing_keys(self):
        self.r.set("k", "v")
        self.assertReply(["TTL", "k"], ":", -1)
        self.assertReply(["PTTL", "k"], ":", -1)
        self.assertReply(["TTL", "nope"], ":", -2)
        self.assertReply(["PTTL", "nope"], ":", -2)
        self.assertReply(["EXPIRETIME", "k"], ":", -1)
        self.assertReply(["PEXPIRETIME", "k"], ":", -1)
        self.assertReply(["EXPIRETIME", "nope"], ":", -2)
        self.assertReply(["PEXPIRETIME", "nope"], ":", -2)

    def test_expire_and_pexpire_set_a_ttl(self):
        self.r.set("k", "v")
        self.assertReply(["EXPIRE", "k", "100"], ":", 1)
        self.assertTTL("k", 100)
        self.assertReply(["PEXPIRE", "k", "50000"], ":", 1)
        self.assertPTTL("k", 50000)
        self.assertTTL("k", 50)

    def test_expire_on_missing_key_returns_zero(self):
        self.assertReply(["EXPIRE", "nope", "100"], ":", 0)
        self.assertReply(["PEXPIREAT", "nope", "4000000000000"], ":", 0)

    def test_expireat_and_pexpireat_with_expiretime(self):
        self.r.set("k", "v")
        self.assertReply(["EXPIREAT", "k", "4000000000"], ":", 1)
        self.assertReply(["EXPIRETIME", "k"], ":", 4000000000)
        self.assertReply(["PEXPIRETIME", "k"], ":", 4000000000000)
        self.assertReply(["PEXPIREAT", "k", "4000000000123"], ":", 1)
        self.assertReply(["PEXPIRETIME", "k"], ":", 4000000000123)
        self.assertReply(["EXPIRETIME", "k"], ":", 4000000000)
        expected = 4000000000 - int(time.time())
        self.assertTrue(expected - 2 <= self.r.ttl("k") <= expected + 1)

    def test_zero_negative_or_past_expire_deletes_the_key(self):
        for args in (["EXPIRE", "k", "0"], ["EXPIRE", "k", "-1"], ["PEXPIRE", "k", "-100"],
                     ["EXPIREAT", "k", "1"], ["PEXPIREAT", "k", "1"]):
            with self.subTest(args=args):
                self.r.set("k", "v")
                self.assertReply(args, ":", 1)
                self.assertEqual(self.r.exists("k"), 0)

    def test_expire_option_nx(self):
        self.r.set("k", "v")
        self.assertReply(["EXPIRE", "k", "100", "NX"], ":", 1)
        self.assertReply(["EXPIRE", "k", "200", "NX"], ":", 0)
        self.assertTTL("k", 100)

    def test_expire_option_xx(self):
        self.r.set("k", "v")
        self.assertReply(["EXPIRE", "k", "100", "XX"], ":", 0)
        self.assertEqual(self.r.ttl("k"), -1)
        self.r.expire("k", 50)
        self.assertReply(["EXPIRE", "k", "100", "XX"], ":", 1)
        self.assertTTL("k", 100)

    def test_expire_option_gt(self):
        self.r.set("k", "v")
        # a persistent key counts as infinite TTL: GT never applies
        self.assertReply(["EXPIRE", "k", "100", "GT"], ":", 0)
        self.assertEqual(self.r.ttl("k"), -1)
        self.r.expire("k", 100)
        self.assertReply(["EXPIRE", "k", "50", "GT"], ":", 0)
        self.assertReply(["EXPIRE", "k", "200", "GT"], ":", 1)
        self.assertTTL("k", 200)

    def test_expire_option_lt(self):
        self.r.set("k", "v")
        # a persistent key counts as infinite TTL: LT always applies
        self.assertReply(["EXPIRE", "k", "100", "LT"], ":", 1)
        self.assertReply(["EXPIRE", "k", "300", "LT"], ":", 0)
        self.assertReply(["EXPIRE", "k", "50", "LT"], ":", 1)
        self.assertTTL("k", 50)

    def test_expire_xx_gt_can_be_combined(self):
        self.r.set("k", "v", ex=50)
        self.assertReply(["EXPIRE", "k", "100", "XX", "GT"], ":", 1)
        self.assertTTL("k", 100)

    def test_options_on_pexpire_expireat_pexpireat(self):
        self.r.set("k", "v")
        self.assertReply(["PEXPIRE", "k", "100000", "NX"], ":", 1)
        self.assertReply(["PEXPIRE", "k", "100000", "NX"], ":", 0)
        self.assertReply(["EXPIREAT", "k", "4000000000", "GT"], ":", 1)
        self.assertReply(["PEXPIREAT", "k", "3000000000000", "GT"], ":", 0)
        self.assertReply(["PEXPIREAT", "k", "3000000000000", "LT"], ":", 1)
        self.assertReply(["EXPIRETIME", "k"], ":", 3000000000)

    def test_incompatible_expire_options(self):
        self.r.set("k", "v")
        nx_msg = "ERR NX and XX, GT or LT options at the same time are not compatible"
        for cmd in ("EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"):
            for opts in (["NX", "XX"], ["NX", "GT"], ["NX", "LT"], ["XX", "NX"]):
                with self.subTest(cmd=cmd, opts=opts):
                    self.assertErrorReply([cmd, "k", "4000000000"] + opts, nx_msg)
            with self.subTest(cmd=cmd, opts="GT LT"):
                self.assertErrorReply([cmd, "k", "4000000000", "GT", "LT"],
                                      "ERR GT and LT options at the same time are not compatible")
        self.assertEqual(self.r.ttl("k"), -1)

    def test_expire_errors(self):
        self.r.set("k", "v")
        self.assertErrorReply(["EXPIRE", "k", "100", "FOO"], "ERR Unsupported option FOO")
        self.assertErrorReply(["EXPIRE", "k", "abc"], NOT_INT)
        self.assertErrorReply(["EXPIRE", "k", "1.5"], NOT_INT)
        for cmd in ("expire", "pexpire", "expireat"):
            with self.subTest(cmd=cmd):
                self.assertErrorReply([cmd, "k", "9223372036854775807"],
                                      "ERR invalid expire time in '%s' command" % cmd)
        self.assertEqual(self.r.ttl("k"), -1)

    def test_persist(self):
        self.r.set("k", "v", ex=100)
        self.assertReply(["PERSIST", "k"], ":", 1)
        self.assertReply(["TTL", "k"], ":", -1)
        self.assertReply(["PERSIST", "k"], ":", 0)
        self.assertReply(["PERSIST", "nope"], ":", 0)

    def test_overwriting_set_clears_ttl_but_append_keeps_it(self):
        self.r.set("k", "v", ex=100)
        self.r.append("k", "x")
        self.assertTTL("k", 100)
        self.r.set("k", "v")
        self.assertEqual(self.r.ttl("k"), -1)

    def test_key_with_px_100_disappears(self):
        self.r.set("k", "v", px=100)
        self.assertEqual(self.r.exists("k"), 1)
        self.wait_for(lambda: self.r.ttl("k") == -2, timeout=2.0, msg="TTL -2")
        self.assertIsNone(self.r.get("k"))
        self.assertEqual(self.r.exists("k"), 0)
        self.assertEqual(self.r.pttl("k"), -2)

    def test_expired_key_is_not_returned_by_get_or_keys(self):
        self.r.set("gone", "v", px=50)
        self.r.set("stays", "v")
        time.sleep(0.2)
        self.assertIsNone(self.r.get("gone"))
        self.assertEqual(self.r.keys("*"), [b"stays"])

    def test_active_expiry_removes_untouched_keys(self):
        pipe = self.r.pipeline(transaction=False)
        for i in range(200):
            pipe.set("exp:%d" % i, "v", px=50)
        pipe.execute()
        self.r.set("keep", "v")
        # DBSIZE does not expire keys itself: only active expiry can shrink it
        self.wait_for(lambda: self.r.dbsize() == 1, timeout=10.0, interval=0.1,
                      msg="active expiry to remove 200 keys (DBSIZE 1)")
        self.assertEqual(self.r.get("keep"), b"v")


class TestKeysAndScan(KeysTestCase):
    NAMES = ["hello", "hallo", "hxllo", "hllo", "heeeello", "h*llo", "h?llo", "h[a]llo",
             "hbllo", "hcllo", "hdllo"]

    def setUp(self):
        super().setUp()
        self.r.mset({n: "1" for n in self.NAMES})

    def keys(self, pattern):
        return sorted(k.decode() for k in self.r.keys(pattern))

    def test_keys_star_returns_all(self):
        self.assertEqual(self.keys("*"), sorted(self.NAMES))

    def test_keys_question_mark(self):
        self.assertEqual(self.keys("h?llo"), sorted(
            ["hello", "hallo", "hxllo", "h*llo", "h?llo", "hbllo", "hcllo", "hdllo"]))

    def test_keys_star_inside_pattern(self):
        self.assertEqual(self.keys("h*llo"), sorted(self.NAMES))
        self.assertEqual(self.keys("he*"), ["heeeello", "hello"])

    def test_keys_character_classes(self):
        self.assertEqual(self.keys("h[ae]llo"), ["hallo", "hello"])
        self.assertEqual(self.keys("h[a-c]llo"), ["hallo", "hbllo", "hcllo"])
        self.assertEqual(self.keys("h[c-a]llo"), ["hallo", "hbllo", "hcllo"])
        self.assertEqual(self.keys("h[^e]llo"), sorted(
            ["hallo", "hxllo", "h*llo", "h?llo", "hbllo", "hcllo", "hdllo"]))

    def test_keys_escaped_special_characters(self):
        self.assertEqual(self.keys("h\\*llo"), ["h*llo"])
        self.assertEqual(self.keys("h\\?llo"), ["h?llo"])
        self.assertEqual(self.keys("h\\[a\\]llo"), ["h[a]llo"])
        self.assertEqual(self.keys("h\\ello"), ["hello"])

    def test_keys_bang_is_not_negation(self):
        # Redis globs negate with '^' only; '!' is an ordinary class member.
        self.assertEqual(self.keys("h[!e]llo"), ["hello"])

    def test_keys_no_match(self):
        self.assertEqual(self.r.keys("nomatch*"), [])
        self.assertEqual(self.raw(b"KEYS nomatch*\r\n"), b"*0\r\n")

    def test_keys_exact_name(self):
        self.assertEqual(self.keys("hello"), ["hello"])

    def test_scan_match_and_count(self):
        seen = set()
        cursor = b"0"
        while True:
            cursor, keys = self.r.execute_command("SCAN", cursor, "MATCH", "h[a-c]llo", "COUNT", "1000")
            seen.update(keys)
            if int(cursor) == 0:
                break
        self.assertEqual(seen, {b"hallo", b"hbllo", b"hcllo"})

    def test_scan_reply_shape(self):
        reply = self.cmd("SCAN", "0", "COUNT", "1000")
        self.assertEqual(reply.type, "*")
        self.assertEqual(len(reply.value), 2)
        cursor, keys = reply.value
        self.assertEqual(cursor.type, "$")  # the cursor is a bulk string
        self.assertEqual(cursor.value, b"0")
        self.assertEqual(keys.type, "*")
        self.assertEqual(sorted(k.value.decode() for k in keys.value), sorted(self.NAMES))

    def test_scan_type_filter(self):
        self.r.flushall()
        self.r.mset({"s1": "1", "s2": "2"})
        has_lists = self.has_lists()
        if has_lists:
            self.r.rpush("l1", "x")
        found = set(self.r.scan_iter(count=100, _type="string"))
        self.assertEqual(found, {b"s1", b"s2"})
        if has_lists:
            self.assertEqual(set(self.r.scan_iter(count=100, _type="list")), {b"l1"})
        self.assertEqual(set(self.r.scan_iter(count=100, _type="nosuchtype")), set())

    def test_scan_iterates_every_key_of_1000(self):
        self.r.flushall()
        expected = set()
        pipe = self.r.pipeline(transaction=False)
        for i in range(1000):
            k = b"key:%d" % i
            expected.add(k)
            pipe.set(k, i)
        pipe.execute()
        for count in (None, 7, 100):
            with self.subTest(count=count):
                seen = set()
                cursor = b"0"
                calls = 0
                while True:
                    args = ["SCAN", cursor] + (["COUNT", str(count)] if count else [])
                    cursor, keys = self.r.execute_command(*args)
                    seen.update(keys)
                    calls += 1
                    self.assertLess(calls, 10000, "SCAN never returned cursor 0")
                    if int(cursor) == 0:
                        break
                self.assertEqual(seen, expected)

    def test_scan_errors(self):
        self.assertErrorReply(["SCAN", "abc"], "ERR invalid cursor")
        self.assertErrorReply(["SCAN", "0", "COUNT", "0"], SYNTAX)
        self.assertErrorReply(["SCAN", "0", "COUNT", "-1"], SYNTAX)
        self.assertErrorReply(["SCAN", "0", "COUNT", "abc"], NOT_INT)
        self.assertErrorReply(["SCAN", "0", "MATCH"], SYNTAX)
        self.assertErrorReply(["SCAN", "0", "FOO", "bar"], SYNTAX)

    def test_randomkey(self):
        for _ in range(20):
            self.assertIn(self.r.randomkey().decode(), self.NAMES)
        self.r.flushall()
        self.assertReply(["RANDOMKEY"], "$", None)


class TestScanAndRandomkeyExpireWhatTheyMeet(KeysTestCase):
    """With active expiry off, keys past their TTL stay stored (DBSIZE counts them) until
    something meets them: SCAN deletes those matching its pattern, RANDOMKEY those it picks,
    each as a lookup would (Redis's unit/expire checks the DELs in the replication stream)."""

    server_args = ["--enable-debug-command", "yes"]

    def setUp(self):
        super().setUp()
        self.r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", 0)

    def tearDown(self):
        self.r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", 1)
        super().tearDown()

    def expired_keys(self):
        return self.r.info("stats")["expired_keys"]

    def test_scan_deletes_the_expired_keys_matching_its_pattern(self):
        self.r.set("live", "x")
        for key in ("foo1", "foo2", "bar1"):
            self.r.set(key, "x", px=1)
        time.sleep(0.01)
        self.assertEqual(self.r.dbsize(), 4)
        before = self.expired_keys()
        self.assertEqual(self.r.scan(0, match="foo*"), (0, []))
        self.assertEqual(self.r.dbsize(), 2)  # bar1 did not match: still stored
        self.assertEqual(self.expired_keys() - before, 2)
        self.assertEqual(self.r.scan(0), (0, [b"live"]))
        self.assertEqual(self.r.dbsize(), 1)

    def test_randomkey_deletes_expired_picks_until_it_finds_a_live_key(self):
        for i in range(20):
            self.r.set("gone%d" % i, "x", px=1)
        time.sleep(0.01)
        self.assertEqual(self.r.dbsize(), 20)
        self.assertIsNone(self.r.randomkey())  # every key was past its TTL
        self.assertEqual(self.r.dbsize(), 0)
        self.r.set("live", "x")
        self.r.set("gone", "x", px=1)
        time.sleep(0.01)
        self.assertEqual(self.r.randomkey(), b"live")


class TestObject(KeysTestCase):
    def test_encoding_int_embstr_raw(self):
        self.r.set("i", "123")
        self.r.set("neg", "-5")
        self.r.set("e", "hello")
        self.r.set("r", "x" * 100)
        self.assertReply(["OBJECT", "ENCODING", "i"], "$", b"int")
        self.assertReply(["OBJECT", "ENCODING", "neg"], "$", b"int")
        self.assertReply(["OBJECT", "ENCODING", "e"], "$", b"embstr")
        self.assertReply(["OBJECT", "ENCODING", "r"], "$", b"raw")

    def test_encoding_embstr_limit_is_44_bytes(self):
        self.r.set("a", "x" * 44)
        self.r.set("b", "x" * 45)
        self.assertReply(["OBJECT", "ENCODING", "a"], "$", b"embstr")
        self.assertReply(["OBJECT", "ENCODING", "b"], "$", b"raw")

    def test_encoding_of_non_canonical_numbers_is_a_string(self):
        for v in (" 5", "01", "12345678901234567890", "1.5"):
            with self.subTest(value=v):
                self.r.set("k", v)
                self.assertReply(["OBJECT", "ENCODING", "k"], "$", b"embstr")

    def test_append_turns_value_raw(self):
        self.r.set("e", "hello")
        self.r.append("e", "x")
        self.assertReply(["OBJECT", "ENCODING", "e"], "$", b"raw")

    def test_incr_turns_value_int(self):
        self.r.set("n", "x" * 3)
        self.r.set("n", "10")
        self.r.incr("n")
        self.assertReply(["OBJECT", "ENCODING", "n"], "$", b"int")

    def test_incrbyfloat_text_stays_embstr_even_when_it_reads_as_an_integer(self):
        self.r.set("f", "1.5")
        self.assertEqual(self.r.incrbyfloat("f", 0.5), 2.0)
        self.assertReply(["OBJECT", "ENCODING", "f"], "$", b"embstr")
        self.assertReply(["OBJECT", "REFCOUNT", "f"], ":", 1)

    def test_copy_of_a_small_integer_is_not_shared(self):
        self.r.set("i", "5")
        self.assertTrue(self.r.copy("i", "j"))
        self.assertReply(["OBJECT", "ENCODING", "j"], "$", b"int")
        self.assertReply(["OBJECT", "REFCOUNT", "j"], ":", 1)
        self.assertReply(["OBJECT", "REFCOUNT", "i"], ":", 2147483647)

    def test_missing_key_is_null(self):
        for sub in ("ENCODING", "IDLETIME", "REFCOUNT"):
            with self.subTest(sub=sub):
                self.assertReply(["OBJECT", sub, "nope"], "$", None)

    def test_freq_requires_lfu_policy(self):
        self.r.set("k", "v")
        self.assertErrorReply(
            ["OBJECT", "FREQ", "k"],
            "ERR An LFU maxmemory policy is not selected, access frequency not tracked. "
            "Please note that when switching between policies at runtime LRU and LFU data "
            "will take some time to adjust.")

    def test_idletime_and_refcount_are_integers(self):
        self.r.set("k", "hello")
        idle = self.cmd("OBJECT", "IDLETIME", "k")
        self.assertEqual(idle.type, ":")
        self.assertGreaterEqual(idle.value, 0)
        ref = self.cmd("OBJECT", "REFCOUNT", "k")
        self.assertEqual(ref.type, ":")
        self.assertGreaterEqual(ref.value, 1)

    def test_help_returns_an_array(self):
        reply = self.cmd("OBJECT", "HELP")
        self.assertEqual(reply.type, "*")
        self.assertGreater(len(reply.value), 0)
        self.assertTrue(all(x.type == "+" for x in reply.value))

    def test_object_errors(self):
        self.r.set("k", "v")
        self.assertErrorReply(["OBJECT", "FOO", "k"], "ERR unknown subcommand 'FOO'. Try OBJECT HELP.")
        self.assertErrorReply(["OBJECT"], arity("object"))
        self.assertErrorReply(["OBJECT", "ENCODING"], arity("object|encoding"))
        self.assertErrorReply(["OBJECT", "ENCODING", "a", "b"], arity("object|encoding"))


class TestDatabases(KeysTestCase):
    def test_select_isolates_databases(self):
        self.assertReply(["SET", "a", "0"], "+", b"OK")
        self.select(15)
        self.assertReply(["DBSIZE"], ":", 0)
        self.assertReply(["GET", "a"], "$", None)
        self.assertReply(["SET", "a", "15"], "+", b"OK")
        self.assertReply(["DBSIZE"], ":", 1)
        self.select(0)
        self.assertReply(["GET", "a"], "$", b"0")

    def test_select_errors(self):
        self.assertErrorReply(["SELECT", "16"], DB_RANGE)
        self.assertErrorReply(["SELECT", "-1"], DB_RANGE)
        self.assertErrorReply(["SELECT", "abc"], NOT_INT)

    def test_dbsize_counts_keys(self):
        self.assertReply(["DBSIZE"], ":", 0)
        self.r.mset({"a": "1", "b": "2", "c": "3"})
        self.assertReply(["DBSIZE"], ":", 3)

    def test_flushdb_only_clears_the_current_db(self):
        self.r.set("a", "0")
        self.select(1)
        self.cmd("SET", "a", "1")
        self.assertReply(["FLUSHDB"], "+", b"OK")
        self.assertReply(["DBSIZE"], ":", 0)
        self.select(0)
        self.assertReply(["DBSIZE"], ":", 1)

    def test_flushdb_and_flushall_modes(self):
        for args in (["FLUSHDB", "ASYNC"], ["FLUSHDB", "SYNC"], ["FLUSHALL", "ASYNC"],
                     ["FLUSHALL", "SYNC"], ["FLUSHALL"], ["flushall", "async"]):
            with self.subTest(args=args):
                self.r.mset({"a": "1", "b": "2"})
                self.assertReply(args, "+", b"OK")
                self.assertEqual(self.r.dbsize(), 0)

    def test_flushall_clears_every_db(self):
        self.r.set("a", "0")
        self.select(3)
        self.cmd("SET", "a", "3")
        self.assertReply(["FLUSHALL"], "+", b"OK")
        self.assertReply(["DBSIZE"], ":", 0)
        self.select(0)
        self.assertReply(["DBSIZE"], ":", 0)

    def test_flush_errors(self):
        self.assertErrorReply(["FLUSHDB", "FOO"], SYNTAX)
        self.assertErrorReply(["FLUSHALL", "FOO"], SYNTAX)
        self.assertErrorReply(["FLUSHDB", "ASYNC", "SYNC"], SYNTAX)
        self.assertErrorReply(["FLUSHALL", "ASYNC", "X"], SYNTAX)

    def test_swapdb_swaps_contents(self):
        self.r.mset({"a": "0", "only0": "x"})
        self.select(1)
        self.cmd("SET", "a", "1")
        self.select(0)
        self.assertReply(["SWAPDB", "0", "1"], "+", b"OK")
        self.assertReply(["GET", "a"], "$", b"1")
        self.assertReply(["DBSIZE"], ":", 1)
        self.select(1)
        self.assertReply(["GET", "a"], "$", b"0")
        self.assertReply(["DBSIZE"], ":", 2)
        self.assertReply(["SWAPDB", "1", "1"], "+", b"OK")
        self.assertReply(["DBSIZE"], ":", 2)

    def test_swapdb_is_seen_by_other_connections(self):
        self.r.set("a", "0")
        self.assertReply(["SWAPDB", "0", "5"], "+", b"OK")
        self.assertIsNone(self.r.get("a"))  # self.r uses db 0
        self.r.execute_command("SWAPDB", "0", "5")
        self.assertEqual(self.r.get("a"), b"0")

    def test_swapdb_errors(self):
        self.assertErrorReply(["SWAPDB", "0", "16"], DB_RANGE)
        self.assertErrorReply(["SWAPDB", "0", "abc"], "ERR invalid second DB index")
        self.assertErrorReply(["SWAPDB", "abc", "0"], "ERR invalid first DB index")

    def test_keys_with_ttl_in_other_db_survive_swap(self):
        self.r.set("t", "v", ex=100)
        self.r.execute_command("SWAPDB", "0", "2")
        self.select(2)
        ttl = self.cmd("TTL", "t")
        self.assertEqual(ttl.type, ":")
        self.assertTrue(90 <= ttl.value <= 100, ttl)


if __name__ == "__main__":
    main()
