"""String commands, checked against Redis 7.0 behaviour.

Run: /usr/bin/python3 -m unittest -v tests/integration/test_strings.py
"""

import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ServerTestCase, main  # noqa: E402

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
NOT_INT = "ERR value is not an integer or out of range"
NOT_FLOAT = "ERR value is not a valid float"
OVERFLOW = "ERR increment or decrement would overflow"
SYNTAX = "ERR syntax error"
I64_MAX = 9223372036854775807
I64_MIN = -9223372036854775808


def invalid_expire(cmd):
    return "ERR invalid expire time in '%s' command" % cmd


class StringTestCase(ServerTestCase):
    def has_lists(self):
        """cairn may not implement lists yet: detect RPUSH support."""
        reply = self.cmd("RPUSH", "__probe_list__", "x")
        self.cmd("DEL", "__probe_list__")
        return not (reply.type == "-" and reply.value.startswith(b"ERR unknown command"))

    def make_list(self, key):
        if not self.has_lists():
            self.skipTest("server does not implement RPUSH (lists)")
        self.r.rpush(key, "x")


class TestGetSet(StringTestCase):
    def test_set_then_get_returns_the_value(self):
        self.assertReply(["SET", "k", "v"], "+", b"OK")
        self.assertReply(["GET", "k"], "$", b"v")

    def test_get_of_missing_key_is_a_null_bulk(self):
        self.assertEqual(self.raw(b"*2\r\n$3\r\nGET\r\n$4\r\nnope\r\n"), b"$-1\r\n")

    def test_set_overwrites_value_and_clears_ttl(self):
        self.r.set("k", "v1", ex=100)
        self.r.set("k", "v2")
        self.assertEqual(self.r.get("k"), b"v2")
        self.assertEqual(self.r.ttl("k"), -1)

    def test_set_empty_value(self):
        self.assertTrue(self.r.set("k", b""))
        self.assertEqual(self.raw(b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"), b"$0\r\n\r\n")
        self.assertEqual(self.r.exists("k"), 1)

    def test_set_ex_sets_ttl_in_seconds(self):
        self.assertReply(["SET", "k", "v", "EX", "100"], "+", b"OK")
        self.assertTTL("k", 100)

    def test_set_px_sets_ttl_in_milliseconds(self):
        self.r.execute_command("SET", "k", "v", "PX", "100000")
        self.assertPTTL("k", 100000)

    def test_set_exat_and_pxat_set_absolute_expiry(self):
        self.r.execute_command("SET", "k", "v", "EXAT", "4000000000")
        self.assertEqual(self.r.execute_command("EXPIRETIME", "k"), 4000000000)
        self.r.execute_command("SET", "k", "v", "PXAT", "4000000000123")
        self.assertEqual(self.r.execute_command("PEXPIRETIME", "k"), 4000000000123)

    def test_set_exat_in_the_past_deletes_the_key(self):
        self.assertReply(["SET", "k", "v", "EXAT", "1"], "+", b"OK")
        self.assertEqual(self.r.exists("k"), 0)
        self.assertReply(["SET", "k", "v", "PXAT", "1"], "+", b"OK")
        self.assertEqual(self.r.exists("k"), 0)

    def test_set_options_are_case_insensitive(self):
        self.assertReply(["set", "k", "v", "ex", "100", "nx"], "+", b"OK")
        self.assertTTL("k", 100)

    def test_set_nx_only_sets_missing_keys(self):
        self.assertReply(["SET", "k", "v1", "NX"], "+", b"OK")
        self.assertReply(["SET", "k", "v2", "NX"], "$", None)
        self.assertEqual(self.r.get("k"), b"v1")

    def test_set_xx_only_sets_existing_keys(self):
        self.assertReply(["SET", "k", "v1", "XX"], "$", None)
        self.assertEqual(self.r.exists("k"), 0)
        self.r.set("k", "v0")
        self.assertReply(["SET", "k", "v1", "XX"], "+", b"OK")
        self.assertEqual(self.r.get("k"), b"v1")

    def test_set_keepttl_keeps_the_existing_ttl(self):
        self.r.set("k", "v", ex=100)
        self.assertReply(["SET", "k", "v2", "KEEPTTL"], "+", b"OK")
        self.assertEqual(self.r.get("k"), b"v2")
        self.assertTTL("k", 100)

    def test_set_get_returns_old_value(self):
        self.assertReply(["SET", "k", "v1", "GET"], "$", None)
        self.assertReply(["SET", "k", "v2", "GET"], "$", b"v1")
        self.assertEqual(self.r.get("k"), b"v2")

    def test_set_get_combined_with_nx_and_xx(self):
        # Redis 7.0 allows NX together with GET.
        self.assertReply(["SET", "k", "v1", "NX", "GET"], "$", None)
        self.assertEqual(self.r.get("k"), b"v1")
        self.assertReply(["SET", "k", "v2", "NX", "GET"], "$", b"v1")
        self.assertEqual(self.r.get("k"), b"v1")  # not set
        self.assertReply(["SET", "missing", "v", "XX", "GET"], "$", None)
        self.assertEqual(self.r.exists("missing"), 0)
        self.assertReply(["SET", "k", "v3", "XX", "GET"], "$", b"v1")
        self.assertEqual(self.r.get("k"), b"v3")

    def test_set_get_on_wrong_type_is_an_error_and_keeps_the_key(self):
        self.make_list("l")
        self.assertErrorReply(["SET", "l", "v", "GET"], WRONGTYPE)
        self.assertEqual(self.r.type("l"), b"list")

    def test_plain_set_overwrites_a_key_of_another_type(self):
        self.make_list("l")
        self.assertReply(["SET", "l", "v"], "+", b"OK")
        self.assertEqual(self.r.type("l"), b"string")

    def test_get_on_wrong_type_is_an_error(self):
        self.make_list("l")
        self.assertErrorReply(["GET", "l"], WRONGTYPE)

    def test_set_with_repeated_same_option_uses_the_last_value(self):
        self.assertReply(["SET", "k", "v", "EX", "10", "EX", "200"], "+", b"OK")
        self.assertTTL("k", 200)

    def test_set_conflicting_options_are_a_syntax_error(self):
        for args in (["NX", "XX"], ["XX", "NX"], ["EX", "10", "PX", "100"],
                     ["EX", "10", "KEEPTTL"], ["KEEPTTL", "PX", "10"],
                     ["EXAT", "10", "PXAT", "10"], ["EX", "10", "EXAT", "10"],
                     ["EX"], ["PX"], ["FOO"], ["EX", "10", "FOO"]):
            with self.subTest(args=args):
                self.assertErrorReply(["SET", "k", "v"] + args, SYNTAX)
        self.assertEqual(self.r.exists("k"), 0)

    def test_set_with_zero_or_negative_expire_is_invalid(self):
        for opt in ("EX", "PX", "EXAT", "PXAT"):
            for val in ("0", "-1"):
                with self.subTest(opt=opt, val=val):
                    self.assertErrorReply(["SET", "k", "v", opt, val], invalid_expire("set"))
        self.assertEqual(self.r.exists("k"), 0)

    def test_set_with_overflowing_expire_is_invalid(self):
        self.assertErrorReply(["SET", "k", "v", "EX", "9999999999999999"], invalid_expire("set"))
        self.assertErrorReply(["SET", "k", "v", "PX", str(I64_MAX)], invalid_expire("set"))
        self.assertErrorReply(["SET", "k", "v", "EXAT", str(I64_MAX)], invalid_expire("set"))

    def test_set_with_non_integer_expire_is_not_an_integer(self):
        for val in ("1.5", "abc", "", "10s", str(I64_MAX + 1)):
            with self.subTest(val=val):
                self.assertErrorReply(["SET", "k", "v", "EX", val], NOT_INT)

    def test_set_and_get_wrong_arity(self):
        self.assertErrorReply(["SET", "k"], "ERR wrong number of arguments for 'set' command")
        self.assertErrorReply(["GET"], "ERR wrong number of arguments for 'get' command")
        self.assertErrorReply(["GET", "a", "b"], "ERR wrong number of arguments for 'get' command")


class TestSetVariants(StringTestCase):
    def test_setnx_returns_1_when_set_and_0_when_key_exists(self):
        self.assertReply(["SETNX", "k", "a"], ":", 1)
        self.assertReply(["SETNX", "k", "b"], ":", 0)
        self.assertEqual(self.r.get("k"), b"a")

    def test_setex_sets_value_and_ttl(self):
        self.assertReply(["SETEX", "k", "100", "v"], "+", b"OK")
        self.assertEqual(self.r.get("k"), b"v")
        self.assertTTL("k", 100)

    def test_psetex_sets_value_and_ttl_in_ms(self):
        self.assertReply(["PSETEX", "k", "100000", "v"], "+", b"OK")
        self.assertPTTL("k", 100000)

    def test_setex_and_psetex_reject_bad_expire(self):
        self.assertErrorReply(["SETEX", "k", "0", "v"], invalid_expire("setex"))
        self.assertErrorReply(["SETEX", "k", "-1", "v"], invalid_expire("setex"))
        self.assertErrorReply(["PSETEX", "k", "0", "v"], invalid_expire("psetex"))
        self.assertErrorReply(["SETEX", "k", str(I64_MAX), "v"], invalid_expire("setex"))
        self.assertErrorReply(["SETEX", "k", "abc", "v"], NOT_INT)
        self.assertErrorReply(["SETEX", "k", "10"], "ERR wrong number of arguments for 'setex' command")
        self.assertEqual(self.r.exists("k"), 0)

    def test_getset_returns_old_value_and_clears_ttl(self):
        self.assertReply(["GETSET", "k", "a"], "$", None)
        self.r.expire("k", 100)
        self.assertReply(["GETSET", "k", "b"], "$", b"a")
        self.assertEqual(self.r.get("k"), b"b")
        self.assertEqual(self.r.ttl("k"), -1)

    def test_getdel_returns_value_and_deletes(self):
        self.r.set("k", "v")
        self.assertReply(["GETDEL", "k"], "$", b"v")
        self.assertReply(["GETDEL", "k"], "$", None)
        self.assertEqual(self.r.exists("k"), 0)

    def test_getdel_on_wrong_type_keeps_the_key(self):
        self.make_list("l")
        self.assertErrorReply(["GETDEL", "l"], WRONGTYPE)
        self.assertEqual(self.r.exists("l"), 1)


class TestGetEx(StringTestCase):
    def test_getex_without_options_is_get_and_keeps_ttl(self):
        self.r.set("k", "v", ex=100)
        self.assertReply(["GETEX", "k"], "$", b"v")
        self.assertTTL("k", 100)

    def test_getex_missing_key_is_null(self):
        self.assertReply(["GETEX", "nope"], "$", None)
        self.assertReply(["GETEX", "nope", "EX", "10"], "$", None)
        self.assertEqual(self.r.exists("nope"), 0)

    def test_getex_ex_px_exat_pxat_set_the_expiry(self):
        self.r.set("k", "v")
        self.assertReply(["GETEX", "k", "EX", "100"], "$", b"v")
        self.assertTTL("k", 100)
        self.assertReply(["GETEX", "k", "PX", "5000"], "$", b"v")
        self.assertPTTL("k", 5000)
        self.assertReply(["GETEX", "k", "EXAT", "4000000000"], "$", b"v")
        self.assertEqual(self.r.execute_command("EXPIRETIME", "k"), 4000000000)
        self.assertReply(["GETEX", "k", "PXAT", "4000000000001"], "$", b"v")
        self.assertEqual(self.r.execute_command("PEXPIRETIME", "k"), 4000000000001)

    def test_getex_persist_removes_the_ttl(self):
        self.r.set("k", "v", ex=100)
        self.assertReply(["GETEX", "k", "PERSIST"], "$", b"v")
        self.assertEqual(self.r.ttl("k"), -1)

    def test_getex_with_time_in_the_past_returns_value_then_deletes(self):
        self.r.set("k", "v")
        self.assertReply(["GETEX", "k", "EXAT", "1"], "$", b"v")
        self.assertEqual(self.r.exists("k"), 0)
        self.r.set("k", "v")
        self.assertReply(["GETEX", "k", "PXAT", "1"], "$", b"v")
        self.assertEqual(self.r.exists("k"), 0)

    def test_getex_errors(self):
        self.r.set("k", "v")
        self.assertErrorReply(["GETEX", "k", "EX", "1", "PX", "1"], SYNTAX)
        self.assertErrorReply(["GETEX", "k", "PERSIST", "EX", "1"], SYNTAX)
        self.assertErrorReply(["GETEX", "k", "EX", "1", "PERSIST"], SYNTAX)
        self.assertErrorReply(["GETEX", "k", "FOO"], SYNTAX)
        self.assertErrorReply(["GETEX", "k", "EX"], SYNTAX)
        self.assertErrorReply(["GETEX", "k", "EX", "abc"], NOT_INT)
        self.assertErrorReply(["GETEX", "k", "EX", "0"], invalid_expire("getex"))
        self.assertErrorReply(["GETEX", "k", "PX", "-5"], invalid_expire("getex"))
        self.assertErrorReply(["GETEX", "k", "EXAT", "0"], invalid_expire("getex"))
        self.assertErrorReply(["GETEX", "k", "EX", str(I64_MAX)], invalid_expire("getex"))
        # the key is untouched by the failed calls
        self.assertEqual(self.r.get("k"), b"v")
        self.assertEqual(self.r.ttl("k"), -1)

    def test_getex_on_wrong_type(self):
        self.make_list("l")
        self.assertErrorReply(["GETEX", "l"], WRONGTYPE)
        self.assertErrorReply(["GETEX", "l", "EX", "10"], WRONGTYPE)


class TestMulti(StringTestCase):
    def test_mset_and_mget(self):
        self.assertReply(["MSET", "a", "1", "b", "2"], "+", b"OK")
        self.assertEqual(self.raw(b"MGET a nope b\r\n"),
                         b"*3\r\n$1\r\n1\r\n$-1\r\n$1\r\n2\r\n")

    def test_mget_returns_null_for_keys_of_other_types(self):
        self.r.set("s", "v")
        self.make_list("l")
        self.assertEqual(self.r.mget("s", "l", "nope"), [b"v", None, None])

    def test_mset_with_repeated_key_keeps_the_last_value(self):
        self.r.mset({"a": "1"})
        self.r.execute_command("MSET", "a", "2", "a", "3")
        self.assertEqual(self.r.get("a"), b"3")

    def test_mset_clears_ttl(self):
        self.r.set("a", "1", ex=100)
        self.r.execute_command("MSET", "a", "2")
        self.assertEqual(self.r.ttl("a"), -1)

    def test_mset_odd_number_of_arguments(self):
        self.assertErrorReply(["MSET", "a", "1", "b"], "ERR wrong number of arguments for 'mset' command")
        self.assertErrorReply(["MSET"], "ERR wrong number of arguments for 'mset' command")
        self.assertErrorReply(["MSETNX", "a"], "ERR wrong number of arguments for 'msetnx' command")
        self.assertEqual(self.r.exists("a"), 0)

    def test_msetnx_sets_all_or_nothing(self):
        self.assertReply(["MSETNX", "a", "1", "b", "2"], ":", 1)
        self.assertReply(["MSETNX", "a", "3", "c", "4"], ":", 0)
        self.assertEqual(self.r.mget("a", "b", "c"), [b"1", b"2", None])


class TestCounters(StringTestCase):
    def test_incr_decr_on_missing_key_start_at_zero(self):
        self.assertReply(["INCR", "a"], ":", 1)
        self.assertReply(["DECR", "b"], ":", -1)
        self.assertReply(["INCRBY", "c", "10"], ":", 10)
        self.assertReply(["DECRBY", "d", "10"], ":", -10)

    def test_incr_result_is_stored_as_string(self):
        self.r.set("a", "41")
        self.assertReply(["INCR", "a"], ":", 42)
        self.assertEqual(self.r.get("a"), b"42")
        self.assertReply(["INCRBY", "a", "-50"], ":", -8)
        self.assertReply(["DECRBY", "a", "-8"], ":", 0)
        self.assertReply(["DECR", "a"], ":", -1)
        self.assertEqual(self.r.get("a"), b"-1")

    def test_incr_keeps_ttl(self):
        self.r.set("a", "1", ex=100)
        self.r.incr("a")
        self.assertTTL("a", 100)

    def test_incr_on_non_integer_values(self):
        for v in ("1.5", "abc", " 1", "1 ", "01", "+1", "", "0x10", "12345678901234567890"):
            with self.subTest(value=v):
                self.r.set("a", v)
                self.assertErrorReply(["INCR", "a"], NOT_INT)
                self.assertEqual(self.r.get("a"), v.encode())

    def test_incrby_with_non_integer_increment(self):
        self.assertErrorReply(["INCRBY", "a", "abc"], NOT_INT)
        self.assertErrorReply(["INCRBY", "a", "1.0"], NOT_INT)
        self.assertErrorReply(["DECRBY", "a", str(I64_MAX + 1)], NOT_INT)
        self.assertEqual(self.r.exists("a"), 0)

    def test_int64_limits(self):
        self.r.set("a", str(I64_MAX))
        self.assertErrorReply(["INCR", "a"], OVERFLOW)
        self.assertErrorReply(["INCRBY", "a", "1"], OVERFLOW)
        self.assertErrorReply(["DECRBY", "a", "-1"], OVERFLOW)
        self.assertEqual(self.r.get("a"), str(I64_MAX).encode())
        self.r.set("b", str(I64_MIN))
        self.assertErrorReply(["DECR", "b"], OVERFLOW)
        self.assertErrorReply(["INCRBY", "b", "-1"], OVERFLOW)
        self.assertReply(["INCR", "b"], ":", I64_MIN + 1)
        self.r.set("c", "1")
        self.assertErrorReply(["INCRBY", "c", str(I64_MAX)], OVERFLOW)
        self.r.set("d", "0")
        self.assertReply(["INCRBY", "d", str(I64_MIN)], ":", I64_MIN)
        self.r.set("e", str(I64_MIN))
        self.assertReply(["DECRBY", "e", "-1"], ":", I64_MIN + 1)

    def test_decrby_of_int64_min_is_its_own_error(self):
        self.r.set("a", "0")
        self.assertErrorReply(["DECRBY", "a", str(I64_MIN)], "ERR decrement would overflow")

    def test_incrbyfloat_formatting(self):
        self.assertReply(["INCRBYFLOAT", "f", "10.5"], "$", b"10.5")
        self.assertReply(["INCRBYFLOAT", "f", "0.1"], "$", b"10.6")
        self.assertReply(["INCRBYFLOAT", "f", "-5"], "$", b"5.6")
        self.assertReply(["INCRBYFLOAT", "f", "-5.6"], "$", b"0")
        self.assertReply(["INCRBYFLOAT", "g", "3.0e3"], "$", b"3000")
        self.assertReply(["INCRBYFLOAT", "g", "1.5e0"], "$", b"3001.5")
        self.assertReply(["INCRBYFLOAT", "h", "1e18"], "$", b"1000000000000000000")
        self.assertReply(["INCRBYFLOAT", "i", "-0"], "$", b"0")
        self.assertEqual(self.r.get("f"), b"0")
        self.assertEqual(self.r.get("g"), b"3001.5")

    def test_incrbyfloat_uses_long_double_precision(self):
        # Redis computes in long double and prints with %.17Lg: 0.1 + 0.2
        # comes out as 0.3 (a plain double would print 0.30000000000000004).
        self.assertReply(["INCRBYFLOAT", "f", "0.1"], "$", b"0.1")
        self.assertReply(["INCRBYFLOAT", "f", "0.2"], "$", b"0.3")

    def test_incrbyfloat_on_integer_and_exponent_values(self):
        self.r.set("a", "5.0e3")
        self.assertReply(["INCRBYFLOAT", "a", "1"], "$", b"5001")
        self.r.set("b", "+1")
        self.assertReply(["INCRBYFLOAT", "b", "1"], "$", b"2")
        self.r.set("c", "10")
        self.assertReply(["INCRBYFLOAT", "c", "1.5"], "$", b"11.5")
        # the result is a string that INCR refuses
        self.assertErrorReply(["INCR", "c"], NOT_INT)

    def test_incrbyfloat_keeps_ttl(self):
        self.r.set("a", "1", ex=100)
        self.r.incrbyfloat("a", 1.5)
        self.assertTTL("a", 100)

    def test_incrbyfloat_errors(self):
        self.assertErrorReply(["INCRBYFLOAT", "f", "inf"], "ERR increment would produce NaN or Infinity")
        self.assertErrorReply(["INCRBYFLOAT", "f", "-inf"], "ERR increment would produce NaN or Infinity")
        self.assertErrorReply(["INCRBYFLOAT", "f", "nan"], NOT_FLOAT)
        self.assertErrorReply(["INCRBYFLOAT", "f", "abc"], NOT_FLOAT)
        self.assertErrorReply(["INCRBYFLOAT", "f", ""], NOT_FLOAT)
        self.assertEqual(self.r.exists("f"), 0)
        self.r.set("s", "abc")
        self.assertErrorReply(["INCRBYFLOAT", "s", "1"], NOT_FLOAT)
        self.assertEqual(self.r.get("s"), b"abc")

    def test_counters_on_wrong_type(self):
        self.make_list("l")
        for args in (["INCR", "l"], ["DECR", "l"], ["INCRBY", "l", "1"],
                     ["DECRBY", "l", "1"], ["INCRBYFLOAT", "l", "1"]):
            with self.subTest(args=args):
                self.assertErrorReply(args, WRONGTYPE)


class TestStringRanges(StringTestCase):
    def test_append_and_strlen(self):
        self.assertReply(["APPEND", "k", "Hello"], ":", 5)
        self.assertReply(["APPEND", "k", " World"], ":", 11)
        self.assertReply(["STRLEN", "k"], ":", 11)
        self.assertReply(["STRLEN", "nope"], ":", 0)
        self.assertEqual(self.r.get("k"), b"Hello World")

    def test_append_to_integer_value(self):
        self.r.set("n", "10")
        self.assertReply(["APPEND", "n", "5"], ":", 3)
        self.assertReply(["INCR", "n"], ":", 106)
        self.assertReply(["STRLEN", "n"], ":", 3)

    def test_strlen_of_integer_encoded_value(self):
        self.r.set("i", "-12345")
        self.assertReply(["STRLEN", "i"], ":", 6)

    def test_getrange_with_positive_and_negative_indexes(self):
        self.r.set("k", "Hello World")
        cases = [((0, 4), b"Hello"), ((-5, -1), b"World"), ((0, -1), b"Hello World"),
                 ((-100, 100), b"Hello World"), ((5, 3), b""), ((-1, -5), b""),
                 ((100, 200), b""), ((6, 6), b"W"), ((-1, -1), b"d"), ((3, -3), b"lo Wor")]
        for (start, end), expected in cases:
            with self.subTest(start=start, end=end):
                self.assertReply(["GETRANGE", "k", str(start), str(end)], "$", expected)

    def test_getrange_of_missing_key_and_empty_value(self):
        self.assertReply(["GETRANGE", "nope", "0", "-1"], "$", b"")
        self.r.set("e", "")
        self.assertReply(["GETRANGE", "e", "0", "-1"], "$", b"")

    def test_getrange_of_integer_encoded_value(self):
        self.r.set("i", "12345")
        self.assertReply(["GETRANGE", "i", "1", "2"], "$", b"23")

    def test_getrange_errors(self):
        self.r.set("k", "v")
        self.assertErrorReply(["GETRANGE", "k", "a", "b"], NOT_INT)
        self.assertErrorReply(["GETRANGE", "k", "0"], "ERR wrong number of arguments for 'getrange' command")

    def test_substr_is_an_alias_of_getrange(self):
        self.r.set("k", "Hello World")
        self.assertReply(["SUBSTR", "k", "0", "4"], "$", b"Hello")
        self.assertReply(["SUBSTR", "k", "-5", "-1"], "$", b"World")

    def test_setrange_overwrites_in_place(self):
        self.r.set("k", "Hello World")
        self.assertReply(["SETRANGE", "k", "6", "Redis"], ":", 11)
        self.assertEqual(self.r.get("k"), b"Hello Redis")
        self.assertReply(["SETRANGE", "k", "9", "xxxx"], ":", 13)
        self.assertEqual(self.r.get("k"), b"Hello Redxxxx")

    def test_setrange_pads_with_zero_bytes(self):
        self.assertReply(["SETRANGE", "pad", "5", "x"], ":", 6)
        self.assertEqual(self.r.get("pad"), b"\x00\x00\x00\x00\x00x")
        self.r.set("k", "ab")
        self.assertReply(["SETRANGE", "k", "4", "c"], ":", 5)
        self.assertEqual(self.r.get("k"), b"ab\x00\x00c")

    def test_setrange_with_empty_value(self):
        self.assertReply(["SETRANGE", "newk", "0", ""], ":", 0)
        self.assertEqual(self.r.exists("newk"), 0)
        self.assertReply(["SETRANGE", "newk", "10", ""], ":", 0)
        self.assertEqual(self.r.exists("newk"), 0)
        self.r.set("k", "abc")
        self.assertReply(["SETRANGE", "k", "10", ""], ":", 3)
        self.assertEqual(self.r.get("k"), b"abc")

    def test_setrange_on_integer_value(self):
        self.r.set("i", "1234")
        self.assertReply(["SETRANGE", "i", "1", "9"], ":", 4)
        self.assertReply(["INCR", "i"], ":", 1935)

    def test_setrange_offset_errors(self):
        self.r.set("k", "v")
        self.assertErrorReply(["SETRANGE", "k", "-1", "x"], "ERR offset is out of range")
        self.assertErrorReply(["SETRANGE", "k", "536870912", "x"],
                              "ERR string exceeds maximum allowed size (proto-max-bulk-len)")
        self.assertErrorReply(["SETRANGE", "k", "abc", "x"], NOT_INT)
        self.assertEqual(self.r.get("k"), b"v")

    def test_range_commands_on_wrong_type(self):
        self.make_list("l")
        for args in (["APPEND", "l", "x"], ["STRLEN", "l"], ["GETRANGE", "l", "0", "1"],
                     ["SETRANGE", "l", "0", "a"]):
            with self.subTest(args=args):
                self.assertErrorReply(args, WRONGTYPE)


class TestLcs(StringTestCase):
    def setUp(self):
        super().setUp()
        self.r.mset({"key1": "ohmytext", "key2": "mynewtext"})

    def test_lcs_returns_the_common_subsequence(self):
        self.assertReply(["LCS", "key1", "key2"], "$", b"mytext")

    def test_lcs_len(self):
        self.assertReply(["LCS", "key1", "key2", "LEN"], ":", 6)

    def test_lcs_idx(self):
        self.assertEqual(
            self.raw(b"LCS key1 key2 IDX\r\n"),
            b"*4\r\n$7\r\nmatches\r\n*2\r\n"
            b"*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n"
            b"*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n"
            b"$3\r\nlen\r\n:6\r\n")

    def test_lcs_idx_minmatchlen_and_withmatchlen(self):
        self.assertEqual(
            self.r.execute_command("LCS", "key1", "key2", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"),
            [b"matches", [[[4, 7], [5, 8], 4]], b"len", 6])
        self.assertEqual(
            self.r.execute_command("LCS", "key1", "key2", "IDX", "WITHMATCHLEN"),
            [b"matches", [[[4, 7], [5, 8], 4], [[2, 3], [0, 1], 2]], b"len", 6])
        self.assertEqual(
            self.r.execute_command("LCS", "key1", "key2", "IDX", "MINMATCHLEN", "4"),
            [b"matches", [[[4, 7], [5, 8]]], b"len", 6])

    def test_lcs_negative_minmatchlen_means_no_filter(self):
        self.assertEqual(
            self.r.execute_command("LCS", "key1", "key2", "MINMATCHLEN", "-1", "IDX"),
            [b"matches", [[[4, 7], [5, 8]], [[2, 3], [0, 1]]], b"len", 6])

    def test_withmatchlen_without_idx_is_ignored(self):
        self.assertReply(["LCS", "key1", "key2", "WITHMATCHLEN"], "$", b"mytext")

    def test_lcs_with_missing_keys(self):
        self.assertReply(["LCS", "key1", "nope"], "$", b"")
        self.assertReply(["LCS", "nope", "nope2", "LEN"], ":", 0)
        self.assertEqual(self.r.execute_command("LCS", "nope", "nope2", "IDX"),
                         [b"matches", [], b"len", 0])

    def test_lcs_result_is_a_longest_common_subsequence(self):
        self.r.mset({"a": "ABCBDAB", "b": "BDCABA"})
        self.assertReply(["LCS", "a", "b", "LEN"], ":", 4)
        result = self.r.execute_command("LCS", "a", "b")
        self.assertEqual(len(result), 4)
        for s in (b"ABCBDAB", b"BDCABA"):  # result is a subsequence of both
            it = iter(s)
            self.assertTrue(all(ch in it for ch in result), (result, s))

    def test_lcs_errors(self):
        self.assertErrorReply(["LCS", "key1", "key2", "LEN", "IDX"],
                              "ERR If you want both the length and indexes, please just use IDX.")
        self.assertErrorReply(["LCS", "key1", "key2", "FOO"], SYNTAX)
        self.assertErrorReply(["LCS", "key1", "key2", "MINMATCHLEN", "abc"], NOT_INT)
        self.assertErrorReply(["LCS", "key1"], "ERR wrong number of arguments for 'lcs' command")

    def test_lcs_on_non_string_key(self):
        self.make_list("l")
        self.assertErrorReply(["LCS", "key1", "l"], "ERR The specified keys must contain string values")


class TestBinarySafety(StringTestCase):
    def test_key_and_value_with_nul_bytes(self):
        key = b"k\x00ey"
        value = b"a\x00b\x00\x00c"
        self.r.set(key, value)
        self.assertEqual(self.r.get(key), value)
        self.assertIsNone(self.r.get(b"k"))
        self.assertEqual(self.r.strlen(key), 6)
        self.assertEqual(self.r.keys(b"k*"), [key])

    def test_value_with_crlf_inside(self):
        value = b"line1\r\nline2\r\n$3\r\n*1\r\n"
        self.r.set(b"crlf\r\nkey", value)
        self.assertEqual(self.r.get(b"crlf\r\nkey"), value)
        self.assertEqual(self.raw(b"*2\r\n$3\r\nGET\r\n$9\r\ncrlf\r\nkey\r\n"),
                         b"$%d\r\n%s\r\n" % (len(value), value))

    def test_all_256_byte_values_round_trip(self):
        value = bytes(range(256)) * 4
        self.r.set(bytes(range(256)), value)
        self.assertEqual(self.r.get(bytes(range(256))), value)
        self.assertEqual(self.r.getrange(bytes(range(256)), 250, 260), value[250:261])

    def test_binary_append_and_setrange(self):
        self.r.append("b", b"\x00\xff")
        self.r.append("b", b"\r\n")
        self.r.setrange("b", 1, b"\x00")
        self.assertEqual(self.r.get("b"), b"\x00\x00\r\n")

    def test_utf8_values_are_byte_counted(self):
        value = "h\u00e9llo \u2603".encode("utf-8")
        self.r.set("u", value)
        self.assertEqual(self.r.strlen("u"), len(value))
        self.assertEqual(self.r.get("u"), value)

    def test_mset_mget_binary(self):
        pairs = {b"\x00": b"\x01", b"\r\n": b"\n\r", b" ": b""}
        self.r.mset(pairs)
        self.assertEqual(self.r.mget(list(pairs)), list(pairs.values()))


if __name__ == "__main__":
    main()
